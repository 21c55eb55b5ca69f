//! What several modules know of fapolicyd's configuration file, in one place.

/// The daemon's configuration file.
pub const CONF: &str = "/etc/fapolicyd/fapolicyd.conf";

/// Trust back ends by the names fapolicyd.conf's `trust` takes (upstream's backend-manager:
/// `file`, `rpmdb` where built with rpm, as on RHEL; `debdb` where built with dpkg, as on
/// Debian 1.3.x). A name not in it is no back end at all.
pub const TRUST_BACKENDS: &[&str] = &["rpmdb", "file", "debdb"];

/// The `trust` value when the key is absent (fapolicyd's conf.c default).
pub const TRUST_DEFAULT: &str = "rpmdb,file";

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
