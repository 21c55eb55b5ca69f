fn main() {
    kit::main::<security_facts::SecurityFacts>()
}
