//! What several modules know of fapolicyd's configuration file, in one place.

/// The daemon's configuration file.
pub const CONF: &str = "/etc/fapolicyd/fapolicyd.conf";

/// Trust back ends by the names fapolicyd.conf's `trust` takes (upstream's backend-manager:
/// `file`, `rpmdb` where built with rpm, as on RHEL; `debdb` where built with dpkg, as on
/// Debian 1.3.x). A name not in it is no back end at all.
pub const TRUST_BACKENDS: &[&str] = &["rpmdb", "file", "debdb"];

/// The `trust` value when the key is absent (fapolicyd's conf.c default).
pub const TRUST_DEFAULT: &str = "rpmdb,file";

/// fapolicyd's command-line tool.
pub const CLI: &str = "/usr/sbin/fapolicyd-cli";

/// What the installed fapolicyd says of its configuration file as it is on disk
/// (`fapolicyd-cli --check-config`, the daemon's own parser: a key that version does not know
/// makes the daemon refuse to start - e.g. `report_interval` before 1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfCheck {
    Accepted,
    /// The errors it reported (its warnings left out).
    Rejected(String),
    /// No fapolicyd-cli, or one without `--check-config`: not checked, and why.
    NotChecked(String),
}

/// Run the installed fapolicyd's check of fapolicyd.conf.
pub fn check_conf(ctx: &crate::Ctx) -> crate::Result<ConfCheck> {
    if !crate::cmd::exists(ctx, CLI) {
        return Ok(ConfCheck::NotChecked(format!("{CLI} is not installed")));
    }
    let out = crate::cmd::run_status(ctx, CLI, &["--check-config"])?;
    Ok(check_answer(out.code, &out.stdout, &out.stderr))
}

/// `fapolicyd-cli --check-config`'s answer read: exit 0 accepted; an unrecognised option (a
/// version without the check) not checked; otherwise its error lines (ANSI colours, timestamps
/// and WARNING lines left out).
pub fn check_answer(code: i32, stdout: &str, stderr: &str) -> ConfCheck {
    let all = format!("{stdout}\n{stderr}");
    if code == 0 {
        return ConfCheck::Accepted;
    }
    if all.contains("unrecognized option") {
        return ConfCheck::NotChecked(format!("{CLI} has no --check-config"));
    }
    let plain = |l: &str| {
        let mut o = String::new();
        let mut esc = false;
        for c in l.chars() {
            match (esc, c) {
                (false, '\x1b') => esc = true,
                (true, 'm') => esc = false,
                (true, _) => {}
                (false, c) => o.push(c),
            }
        }
        // "12/07/26 08:24:40 [ ERROR ]: Unknown keyword ..." -> "Unknown keyword ..."
        match o.split_once("]: ") {
            Some((_, rest)) => rest.trim().to_string(),
            None => o.trim().to_string(),
        }
    };
    let errors: Vec<String> = all
        .lines()
        .filter(|l| !l.contains("WARNING") && !l.trim().is_empty())
        .map(plain)
        .filter(|l| l != "Configuration errors reported" && !l.ends_with(", ignoring"))
        .collect();
    ConfCheck::Rejected(if errors.is_empty() {
        format!("exit code {code}, no message")
    } else {
        errors.join("; ")
    })
}

/// The key of a `key = value` line; `None` for a comment or a line without `=`.
pub fn key_of(line: &str) -> Option<&str> {
    let l = line.trim_start();
    if l.starts_with('#') {
        return None;
    }
    l.split_once('=').map(|(k, _)| k.trim())
}

/// The value of `key` as fapolicyd reads it (its first uncommented line).
pub fn value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find(|l| key_of(l) == Some(key))
        .and_then(|l| l.split_once('='))
        .map(|(_, v)| v.trim().to_string())
}

/// The trust back ends the file enables (the default when `trust` is absent).
pub fn trust_backends(text: &str) -> Vec<String> {
    value(text, "trust")
        .unwrap_or_else(|| TRUST_DEFAULT.to_string())
        .split(',')
        .map(|b| b.trim().to_string())
        .filter(|b| !b.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_config_answers() {
        assert_eq!(
            check_answer(0, "Daemon config is OK\n", ""),
            ConfCheck::Accepted
        );
        // 1.1.7 (plain) and 1.3.4 (timestamped, coloured)
        let old = "rpm_sha256_only: fapolicyd was not built with rpm support, ignoring\nUnknown keyword \"report_interval\" in line 22 of /etc/fapolicyd/fapolicyd.conf\nConfiguration errors reported\n";
        assert_eq!(
            check_answer(1, "", old),
            ConfCheck::Rejected(
                "Unknown keyword \"report_interval\" in line 22 of /etc/fapolicyd/fapolicyd.conf"
                    .into()
            )
        );
        let new = "12/07/26 08:24:40 [ \x1b[33mWARNING\x1b[0m ]: rpm_sha256_only: x, ignoring\n12/07/26 08:24:40 [ \x1b[31mERROR\x1b[0m ]: Unknown keyword \"q\" in line 3 of /etc/fapolicyd/fapolicyd.conf\nConfiguration errors reported\n";
        assert_eq!(
            check_answer(1, "", new),
            ConfCheck::Rejected(
                "Unknown keyword \"q\" in line 3 of /etc/fapolicyd/fapolicyd.conf".into()
            )
        );
        assert!(matches!(
            check_answer(
                1,
                "",
                "fapolicyd-cli: unrecognized option '--check-config'\nFapolicyd CLI Tool\n"
            ),
            ConfCheck::NotChecked(_)
        ));
        assert!(
            matches!(check_answer(3, "", ""), ConfCheck::Rejected(m) if m.contains("exit code 3"))
        );
    }

    #[test]
    fn values_and_backends() {
        let t = "# trust = file\ntrust = debdb\nintegrity = none\ntrust = file\n";
        assert_eq!(value(t, "trust").as_deref(), Some("debdb"));
        assert_eq!(trust_backends(t), vec!["debdb"]);
        assert_eq!(trust_backends("permissive = 0\n"), vec!["rpmdb", "file"]);
        assert_eq!(
            trust_backends("trust = rpmdb, file\n"),
            vec!["rpmdb", "file"]
        );
        assert_eq!(key_of("  # x = 1"), None);
        assert_eq!(key_of(" q_size = 5"), Some("q_size"));
    }
}
