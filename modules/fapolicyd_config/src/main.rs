fn main() {
    kit::main::<fapolicyd_config::FapolicydConfig>()
}
