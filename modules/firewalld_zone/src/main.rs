fn main() {
    kit::main::<firewalld_zone::FirewalldZone>()
}
