// The smallest binary module: reads nothing, prints an unchanged result. The per-task cost of
// Ansible's binary-module protocol without any module work (docs/performance.md).
fn main() {
    println!("{{\"changed\": false, \"msg\": \"noop\"}}");
}
