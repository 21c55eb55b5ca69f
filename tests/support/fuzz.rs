//! The fuzz targets' bodies, shared by the coverage-guided fuzzer (`tests/fuzz`, cargo-fuzz on
//! nightly) and the regression replay (`tests/fuzz_replay.rs`, stable, in `.ci/run`), so that
//! every kept corpus input and every crash found is checked by exactly the code that was fuzzed.
//!
//! Every parser here reads input the module did not write itself. Each target must not panic;
//! where a parser has a printer, what it prints must parse back to the same value.

use std::collections::BTreeSet;

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// firewalld rich rules (task input and what the daemon reports).
pub fn rich_rule(data: &[u8]) {
    use firewalld_zone::rich::RichRule;
    let Some(s) = text(data) else { return };
    if let Ok(r) = RichRule::parse(s) {
        let printed = r.to_string();
        let again = RichRule::parse(&printed)
            .unwrap_or_else(|e| panic!("printed form does not parse: {printed:?}: {e}"));
        assert_eq!(again, r, "printed form parses to another rule: {printed:?}");
        let el = r.to_element();
        assert_eq!(RichRule::from_element(&el).as_ref(), Ok(&r), "{printed:?}");
    }
}

/// Zone XML as firewalld writes it (and as admins edit it).
pub fn zone_xml(data: &[u8]) {
    use firewalld_zone::xml::Zone;
    let Some(s) = text(data) else { return };
    if let Ok(z) = Zone::parse(s) {
        let out = z.to_xml();
        let again = Zone::parse(&out)
            .unwrap_or_else(|e| panic!("written zone does not parse: {out:?}: {e}"));
        assert_eq!(again, z, "{out:?}");
    }
}

struct Everyone;
impl fapolicyd_rules::grammar::Accounts for Everyone {
    fn user(&self, _: &str) -> bool {
        true
    }
    fn group(&self, _: &str) -> bool {
        true
    }
}

/// fapolicyd rule lines (rules.d files of other packages, task input).
pub fn fapolicyd_rule(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let mut sets: BTreeSet<String> = fapolicyd_rules::grammar::sets_defined(s)
        .into_iter()
        .collect();
    sets.insert("lang".into());
    for line in s.lines() {
        let _ = fapolicyd_rules::grammar::is_blank_or_comment(line);
        let _ = fapolicyd_rules::grammar::check_line(line, &sets, &Everyone);
    }
    let _ = fapolicyd_rules::compile::compile(&[("80-x.rules".into(), data.to_vec())]);
}

/// Trust files, both formats: parse → render → parse gives the same entries.
pub fn trust_file(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let v = fapolicyd_trust::version_of(s);
    let entries = fapolicyd_trust::parse(s, v);
    for version in [2, 3] {
        // version 3 carries paths verbatim: only what the writer ever renders there (absolute
        // paths from a scan or from a file already in version 3) reads back; fapolicyd skips
        // a line that starts with `#` or a control character
        let entries: Vec<_> = entries
            .iter()
            .filter(|e| version == 2 || (e.path.starts_with('/') && !e.path.contains('\n')))
            .cloned()
            .collect();
        let out = fapolicyd_trust::render(&entries, version);
        assert_eq!(
            fapolicyd_trust::parse(&out, version),
            entries,
            "version {version}: {out:?}"
        );
    }
}

/// Crypto-policy definitions (.pol/.pmod) and the config file.
pub fn crypto_policy_def(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let _ = crypto_policy::syntax::check(s);
    let _ = crypto_policy::policy::read_config(s);
    let _ = crypto_policy::policy::PolicySpec::parse(s);
}

/// /etc/selinux/config: after an edit, libselinux's reading gives what was asked.
pub fn selinux_config(data: &[u8]) {
    use selinux::config::{edit, mode, policy_type, Mode};
    let Some(s) = text(data) else { return };
    let _ = mode(s);
    let _ = policy_type(s);
    for m in [Mode::Enforcing, Mode::Permissive, Mode::Disabled] {
        let out = edit(s, m, Some("targeted"));
        assert_eq!(mode(&out), Some(m), "{out:?}");
        assert_eq!(policy_type(&out).as_deref(), Some("targeted"), "{out:?}");
    }
}

/// grubenv, BLS entries, grub.cfg and /etc/default/grub lines.
pub fn kernel_args(data: &[u8]) {
    use kit::kernel_args::*;
    let Some(s) = text(data) else { return };
    let _ = split(s);
    let _ = entry_args(s, Some(s));
    let _ = Menu::parse(s);
    let _ = grubenv_get(s, "kernelopts");
    let edit = ArgEdit {
        add: vec!["fips=1".into()],
        remove: vec!["selinux".into()],
    };
    let line = edit_line(s, &edit);
    let _ = satisfies(&split(&line), &edit);
    if let Ok(env) = grubenv_set(s, "kernelopts", "root=/dev/vda1 fips=1") {
        assert_eq!(
            grubenv_get(&env, "kernelopts"),
            Some("root=/dev/vda1 fips=1"),
            "{env:?}"
        );
    }
}

/// D-Bus messages from the bus.
pub fn dbus_message(data: &[u8]) {
    let _ = kit::dbus::decodes(data);
}

/// /etc/os-release.
pub fn os_release(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let _ = kit::os::OsRelease::parse(s);
}

/// fapolicyd.conf values.
pub fn fapolicyd_conf(data: &[u8]) {
    let Some(s) = text(data) else { return };
    for k in ["permissive", "integrity", "trust", "uid"] {
        let _ = fapolicyd_config::value(s, k);
    }
}

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target, by name (the replay test and the fuzz targets use the same names).
pub const TARGETS: &[(&str, Target)] = &[
    ("rich_rule", rich_rule),
    ("zone_xml", zone_xml),
    ("fapolicyd_rule", fapolicyd_rule),
    ("trust_file", trust_file),
    ("crypto_policy_def", crypto_policy_def),
    ("selinux_config", selinux_config),
    ("kernel_args", kernel_args),
    ("dbus_message", dbus_message),
    ("os_release", os_release),
    ("fapolicyd_conf", fapolicyd_conf),
];
