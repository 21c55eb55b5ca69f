#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| hardening_rhel_tests::fuzz::fapolicyd_rule(data));
