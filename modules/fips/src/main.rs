fn main() {
    kit::main::<fips::Fips>()
}
