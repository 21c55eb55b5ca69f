fn main() {
    kit::main::<fapolicyd_trust::FapolicydTrust>()
}
