//! Replays every input the fuzzer kept (`tests/fuzz/corpus/<target>/`) and every crash it ever
//! found (`tests/fuzz/regressions/<target>/`) through the same target code the fuzzer ran
//! (`hardening_rhel_tests::fuzz`), on the stable toolchain: what was fixed stays fixed.

use hardening_rhel_tests::{fuzz::TARGETS, repo};

#[test]
fn every_kept_input_and_every_past_crash_passes() {
    let mut report = Vec::new();
    for (name, target) in TARGETS {
        let mut n = 0;
        for kind in ["corpus", "regressions"] {
            let dir = repo().join(format!("tests/fuzz/{kind}/{name}"));
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd {
                let p = e.unwrap().path();
                let data = std::fs::read(&p).unwrap();
                let r = std::panic::catch_unwind(|| target(&data));
                assert!(r.is_ok(), "{name}: {} panics", p.display());
                n += 1;
            }
        }
        assert!(n > 0, "{name}: no corpus kept");
        report.push(format!("{name} {n}"));
    }
    println!("replayed: {}", report.join(", "));
}
