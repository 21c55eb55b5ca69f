fn main() {
    kit::main::<fapolicyd_rules::FapolicydRules>()
}
