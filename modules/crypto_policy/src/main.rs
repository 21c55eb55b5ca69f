fn main() {
    kit::main::<crypto_policy::CryptoPolicy>()
}
