fn main() {
    kit::main::<selinux::Selinux>()
}
