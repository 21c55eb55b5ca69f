fn main() {
    std::process::exit(hardening_rhel::main(std::env::args().skip(1).collect()))
}
