//! Syntax check of policy (.pol) and subpolicy (.pmod) definitions, before anything is written.
//!
//! The grammar, as crypto-policies' own parser reads it: `#` starts a comment; a line ending in
//! `\` continues on the next; every other non-empty line is `property[@scope] = values`, with
//! exactly one `=`. Values are either a plain list (replaces), or only differential items:
//! `+X` (prepend), `X+` (append), `-X` (remove) — never both kinds on one line. Integer
//! properties take digits; enum properties take one of their values. Scopes are a name or glob
//! (`@TLS`, `@{openssh,sequoia}`), optionally negated (`@!ipsec`).
//!
//! Algorithm names are *not* checked against a list: each crypto-policies release adds some
//! (e.g. post-quantum groups), so the installed tool is the judge of those; the module restores
//! the previous definitions if the tool rejects the result.

/// Properties taking algorithm lists.
pub const LIST_PROPERTIES: &[&str] = &[
    "cipher",
    "group",
    "hash",
    "key_exchange",
    "mac",
    "protocol",
    "sign",
];
/// Properties taking an integer.
pub const INT_PROPERTIES: &[&str] = &[
    "arbitrary_dh_groups",
    "min_dh_size",
    "min_dsa_size",
    "min_rsa_size",
    "sha1_in_certs",
    "ssh_certs",
    "__openssl_block_sha1_signatures",
];
/// Properties taking one value of a fixed set.
pub const ENUM_PROPERTIES: &[(&str, &[&str])] = &[
    ("etm", &["ANY", "DISABLE_ETM", "DISABLE_NON_ETM"]),
    ("__ems", &["DEFAULT", "ENFORCE", "RELAX"]),
];
/// Older spellings the tool still accepts (rewriting them, with a deprecation warning).
pub const LEGACY_LIST_PROPERTIES: &[&str] =
    &["tls_cipher", "ssh_cipher", "ssh_group", "ike_protocol"];
pub const LEGACY_VALUE_PROPERTIES: &[(&str, &[&str])] = &[
    ("ssh_etm", &["0", "1"]),
    ("sha1_in_dnssec", &["0", "1"]),
    (
        "min_tls_version",
        &[
            "0", "TLS1.3", "TLS1.2", "TLS1.1", "TLS1.0", "SSL3.0", "SSL2.0",
        ],
    ),
    ("min_dtls_version", &["0", "DTLS1.2", "DTLS1.0", "DTLS0.9"]),
];

/// Physical lines as update-crypto-policies reads them: Python text mode (universal newlines)
/// ends a line at `\n`, `\r\n` and a bare `\r` alike. Rust's `lines()` does not split at a
/// bare `\r`, which would hide the directive after it from this check.
pub fn py_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        if t.is_empty() {
            rest = None;
            return None;
        }
        match t.find(['\r', '\n']) {
            Some(i) => {
                let skip = if t[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&t[i + skip..]);
                Some(&t[..i])
            }
            None => {
                rest = None;
                Some(t)
            }
        }
    })
}

/// One logical line (continuations joined) and the physical line it starts on.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in py_lines(text).enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        if let Some(head) = line.strip_suffix('\\') {
            acc.push_str(head);
            acc.push(' ');
            pending = Some((start, acc));
            continue;
        }
        acc.push_str(line);
        if !acc.trim().is_empty() {
            out.push((start, acc.trim().to_string()));
        }
    }
    if let Some((start, acc)) = pending {
        if !acc.trim().is_empty() {
            out.push((start, acc.trim().to_string()));
        }
    }
    out
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | '?'))
}

fn check_scope(scope: &str) -> Result<(), String> {
    let p = scope.strip_prefix('!').unwrap_or(scope);
    let names: Vec<&str> = if let Some(inner) = p.strip_prefix('{') {
        let inner = inner
            .strip_suffix('}')
            .ok_or_else(|| format!("scope '@{scope}' opens '{{' without closing it"))?;
        inner.split(',').collect()
    } else {
        vec![p]
    };
    match names.iter().find(|n| !is_token(n)) {
        Some(bad) => Err(format!("scope '@{scope}' has a malformed name '{bad}'")),
        None => Ok(()),
    }
}

fn known_properties() -> String {
    let mut all: Vec<&str> = LIST_PROPERTIES
        .iter()
        .chain(INT_PROPERTIES)
        .copied()
        .chain(ENUM_PROPERTIES.iter().map(|(n, _)| *n))
        .collect();
    all.sort_unstable();
    all.join(", ")
}

fn check_line(line: &str) -> Result<(), String> {
    let eq = line.matches('=').count();
    if eq != 1 {
        return Err(format!(
            "expected 'property[@scope] = values' with exactly one '=', found {eq}"
        ));
    }
    let (lhs, rhs) = line.split_once('=').expect("one '='");
    let (lhs, rhs) = (lhs.trim(), rhs.trim());
    if lhs.is_empty() {
        return Err("no property name before '='".into());
    }
    let (prop, scope) = match lhs.split_once('@') {
        Some((p, s)) => (p.trim(), Some(s.trim())),
        None => (lhs, None),
    };
    if let Some(scope) = scope {
        if scope.is_empty() {
            return Err(format!("'{prop}@' has an empty scope"));
        }
        check_scope(scope)?;
    }
    let values: Vec<&str> = rhs.split_whitespace().collect();

    if let Some((_, allowed)) = ENUM_PROPERTIES
        .iter()
        .chain(LEGACY_VALUE_PROPERTIES)
        .find(|(n, _)| *n == prop)
    {
        return match values.as_slice() {
            [v] if allowed.contains(v) => Ok(()),
            _ => Err(format!(
                "{prop} takes one of {}, got '{rhs}'",
                allowed.join(", ")
            )),
        };
    }
    if INT_PROPERTIES.contains(&prop) {
        return if !rhs.is_empty() && rhs.chars().all(|c| c.is_ascii_digit()) {
            Ok(())
        } else {
            Err(format!("{prop} takes an integer, got '{rhs}'"))
        };
    }
    if !LIST_PROPERTIES.contains(&prop) && !LEGACY_LIST_PROPERTIES.contains(&prop) {
        return Err(format!(
            "unknown property '{prop}' (known: {})",
            known_properties()
        ));
    }
    if !rhs.is_empty() && rhs.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("{prop} takes algorithm names, not an integer"));
    }
    let differential = |v: &str| v.starts_with('+') || v.starts_with('-') || v.ends_with('+');
    let diff_count = values.iter().filter(|v| differential(v)).count();
    if diff_count != 0 && diff_count != values.len() {
        return Err(format!(
            "{prop} mixes a plain list with +/- items ('{rhs}'): use either a list that replaces, or only +X, X+ and -X"
        ));
    }
    for v in &values {
        let bare = v.trim_start_matches(['+', '-']).trim_end_matches('+');
        if !is_token(bare) || (v.starts_with(['+', '-']) && v.ends_with('+')) {
            return Err(format!("{prop}: malformed value '{v}'"));
        }
    }
    Ok(())
}

/// Check a definition; the error names the line.
pub fn check(text: &str) -> Result<(), String> {
    for (n, line) in logical_lines(text) {
        check_line(&line).map_err(|e| format!("line {n}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

    fn fixtures() -> Vec<(String, String)> {
        fixtures_in(&format!("{FIXTURES}/crypto-policies/policies"))
    }

    fn fixtures_in(dir: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for d in [dir.to_string(), format!("{dir}/modules")] {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_file() {
                    out.push((
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read_to_string(e.path()).unwrap(),
                    ));
                }
            }
        }
        assert!(out.len() >= 18, "fixtures missing: {dir}");
        out
    }

    #[test]
    fn every_real_definition_is_accepted() {
        for (name, text) in fixtures() {
            assert_eq!(check(&text), Ok(()), "{name}");
        }
        // and those of the earlier generations (tests/fixtures/crypto-policies-history)
        for set in ["2023-08-07", "2024-12-18"] {
            for (name, text) in fixtures_in(&format!(
                "{FIXTURES}/crypto-policies-history/{set}/policies"
            )) {
                assert_eq!(check(&text), Ok(()), "{set} {name}");
            }
        }
    }

    #[test]
    fn broken_variants_of_real_definitions_are_rejected_with_line_numbers() {
        let nosha1 = fixtures()
            .into_iter()
            .find(|(n, _)| n == "NO-SHA1.pmod")
            .unwrap()
            .1;
        let line_of =
            |needle: &str| nosha1.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
        let cases = [
            (
                nosha1.replace("hash = -SHA1", "hsh = -SHA1"),
                line_of("hash ="),
                "unknown property 'hsh'",
            ),
            (
                nosha1.replace("hash = -SHA1", "hash = SHA2-256 -SHA1"),
                line_of("hash ="),
                "mixes a plain list",
            ),
            (
                nosha1.replace("sha1_in_certs = 0", "sha1_in_certs = no"),
                line_of("sha1_in_certs"),
                "takes an integer",
            ),
            (
                nosha1.replace("hash = -SHA1", "hash -SHA1"),
                line_of("hash"),
                "exactly one '='",
            ),
            (
                nosha1.replace("hash = -SHA1", "hash == -SHA1"),
                line_of("hash"),
                "exactly one '='",
            ),
            (
                nosha1.replace("hash = -SHA1", "hash@{tls = -SHA1"),
                line_of("hash"),
                "without closing",
            ),
            (
                nosha1.replace("hash = -SHA1", "hash@ = -SHA1"),
                line_of("hash"),
                "empty scope",
            ),
            (
                nosha1.replace("hash = -SHA1", " = -SHA1"),
                line_of("hash ="),
                "no property name",
            ),
            (
                nosha1.replace("hash = -SHA1", "hash = -SHA$1"),
                line_of("hash"),
                "malformed value",
            ),
            (
                nosha1.replace("hash = -SHA1", "cipher = 128"),
                line_of("hash ="),
                "not an integer",
            ),
        ];
        for (text, line, want) in cases {
            let e = check(&text).unwrap_err();
            assert!(e.starts_with(&format!("line {line}: ")), "{e}");
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn a_bare_cr_ends_a_line_as_in_the_tools_reader() {
        // Python's universal newlines: the directive after a bare CR is a line of its own and
        // is checked (it was hidden inside the comment before)
        let e = check("hash = -SHA1 # note\rhsh = NULL\n").unwrap_err();
        assert!(e.starts_with("line 2: "), "{e}");
        let e = check("hash = -SHA1\r\nhsh = NULL\r\n").unwrap_err();
        assert!(e.starts_with("line 2: "), "{e}");
        assert_eq!(
            py_lines("a\rb\r\nc\nd").collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        assert_eq!(py_lines("a\n\n").collect::<Vec<_>>(), ["a", ""]);
    }

    #[test]
    fn continuations_comments_scopes_and_enums() {
        let ok = "cipher@{tls,ssh} = AES-256-GCM \\\n   AES-128-GCM # c\n# x = y = z\nsign@!TLS = -RSA-SHA1\n\
                  etm@SSH = DISABLE_ETM\n__ems = ENFORCE\nmin_tls_version = TLS1.2\ngroup = X25519+ -FFDHE-1024\nmac =\n";
        assert_eq!(check(ok), Ok(()));
        // the continuation's error is reported on the line where it starts
        assert_eq!(
            check("# a\ncipher = A \\\n B = C\n"),
            Err(
                "line 2: expected 'property[@scope] = values' with exactly one '=', found 2".into()
            )
        );
        assert!(check("etm = SOMETIMES\n")
            .unwrap_err()
            .contains("etm takes one of ANY"));
        assert!(check("ssh_etm = 2\n").is_err());
    }
}
