//! The fapolicyd rule grammar, checked before anything is written.
//!
//! `decision perm=open|execute|any subject… : object…`, or a set definition `%name=a,b,…`.
//! What is accepted follows what the daemon loads (measured against fapolicyd 1.1.7, Debian's,
//! the oldest in use; RHEL 8/9 ship 1.1–1.3):
//! * `perm=` is required (1.1.7 fails to load a rule without it);
//! * subject fields: `all` or `auid uid gid sessionid pid ppid trust comm exe dir ftype device
//!   pattern`; object fields: `all` or `path dir device ftype trust sha256hash`; `:` separates them;
//! * values may be comma lists or `%set` references, except `trust` (0 or 1) and `pattern`
//!   (`ld_so`, `ld_preload`, `static`); a set must be defined before it is used;
//! * users and groups (`uid`, `auid`, `gid`) are numbers or names the daemon resolves at load
//!   time: names must exist in /etc/passwd and /etc/group (a negative number is refused too).
//!
//! Stricter than the daemon where its silence would only hide a mistake: paths must be
//! absolute, `sha256hash` must be 64 lower-case hex digits, `device` must start with /dev/.

use std::collections::BTreeSet;

pub const DECISIONS: &[&str] = &[
    "allow",
    "deny",
    "allow_audit",
    "deny_audit",
    "allow_syslog",
    "deny_syslog",
    "allow_log",
    "deny_log",
];
pub const PERMS: &[&str] = &["open", "execute", "any"];
pub const SUBJECT_KEYS: &[&str] = &[
    "auid",
    "uid",
    "gid",
    "sessionid",
    "pid",
    "ppid",
    "trust",
    "comm",
    "exe",
    "dir",
    "ftype",
    "device",
    "pattern",
];
pub const OBJECT_KEYS: &[&str] = &["path", "dir", "device", "ftype", "trust", "sha256hash"];
pub const PATTERNS: &[&str] = &["ld_so", "ld_preload", "static"];
const DIR_KEYWORDS: &[&str] = &["execdirs", "systemdirs", "untrusted"];

/// Accounts known to the system (names from /etc/passwd and /etc/group).
pub trait Accounts {
    fn user(&self, name: &str) -> bool;
    fn group(&self, name: &str) -> bool;
}

/// What a line is.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A set definition, with its name.
    Set(String),
    Rule,
}

fn set_name_ok(n: &str) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_value(
    side: &str,
    key: &str,
    value: &str,
    sets: &BTreeSet<String>,
    acc: &dyn Accounts,
) -> Result<(), String> {
    if value.is_empty() {
        // Debian's shipped 43-known-elf.rules has `path=` (its build left the ld.so path
        // empty); the daemon loads it and it matches nothing. Any other empty value is a mistake.
        return if key == "path" {
            Ok(())
        } else {
            Err(format!("{side} {key}= has no value"))
        };
    }
    if let Some(set) = value.strip_prefix('%') {
        if matches!(key, "trust" | "pattern") {
            return Err(format!("{key}= cannot take a set"));
        }
        return if sets.contains(set) {
            Ok(())
        } else {
            Err(format!("set %{set} is not defined before this rule"))
        };
    }
    let items: Vec<&str> = value.split(',').collect();
    if items.len() > 1 && matches!(key, "trust" | "pattern") {
        return Err(format!("{key}= takes one value"));
    }
    for item in items {
        let bad = |why: &str| Err(format!("{key}={item}: {why}"));
        match key {
            "trust" if item != "0" && item != "1" => return bad("trust is 0 or 1"),
            "pattern" if !PATTERNS.contains(&item) => {
                return bad(&format!("the pattern is one of {}", PATTERNS.join(", ")))
            }
            "uid" | "auid" if item.parse::<u32>().is_err() && !acc.user(item) => {
                return bad("no such user in /etc/passwd (the daemon would fail to load the rules)")
            }
            "gid" if item.parse::<u32>().is_err() && !acc.group(item) => {
                return bad("no such group in /etc/group (the daemon would fail to load the rules)")
            }
            "sessionid" | "pid" | "ppid" if item.parse::<u32>().is_err() => {
                return bad("a number is needed")
            }
            "exe" | "path" if item != "untrusted" && !item.starts_with('/') => {
                return bad("an absolute path (or untrusted) is needed")
            }
            "dir" if !DIR_KEYWORDS.contains(&item) && !item.starts_with('/') => return bad(
                "an absolute directory (ending in /) or execdirs, systemdirs, untrusted is needed",
            ),
            "device" if !item.starts_with("/dev/") => return bad("a device starts with /dev/"),
            "ftype" if !item.contains('/') => {
                return bad("a MIME type such as application/x-executable is needed")
            }
            "sha256hash"
                if item.len() != 64
                    || !item
                        .chars()
                        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) =>
            {
                return bad("64 lower-case hex digits are needed")
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_fields(
    side: &str,
    keys: &[&str],
    fields: &[&str],
    sets: &BTreeSet<String>,
    acc: &dyn Accounts,
) -> Result<(), String> {
    if fields.is_empty() {
        return Err(format!("the {side} is missing"));
    }
    for f in fields {
        if *f == "all" {
            continue;
        }
        let Some((key, value)) = f.split_once('=') else {
            return Err(format!("'{f}': a {side} field is key=value (or all)"));
        };
        if !keys.contains(&key) {
            return Err(format!(
                "'{f}': unknown {side} field '{key}' (known: all, {})",
                keys.join(", ")
            ));
        }
        check_value(side, key, value, sets, acc).map_err(|e| format!("'{f}': {e}"))?;
    }
    Ok(())
}

/// Check one non-comment line; `sets` are the set names defined before it.
pub fn check_line(line: &str, sets: &BTreeSet<String>, acc: &dyn Accounts) -> Result<Line, String> {
    if line.contains('\t') {
        return Err("tabs are not field separators for fapolicyd: use spaces".into());
    }
    let tokens: Vec<&str> = line.split(' ').filter(|t| !t.is_empty()).collect();
    let Some(first) = tokens.first() else {
        return Err("empty rule".into());
    };
    if let Some(def) = first.strip_prefix('%') {
        let Some((name, values)) = def.split_once('=') else {
            return Err(format!("'{first}': a set definition is %name=value,value…"));
        };
        if tokens.len() != 1 {
            return Err(format!("'{}': a set definition has no spaces", tokens[1]));
        }
        if !set_name_ok(name) {
            return Err(format!("'%{name}': a set name is letters, digits and '_'"));
        }
        if values.is_empty() || values.split(',').any(str::is_empty) {
            return Err(format!("'{first}': empty value in the set"));
        }
        return Ok(Line::Set(name.to_string()));
    }
    if !DECISIONS.contains(first) {
        return Err(format!(
            "'{first}': the decision is one of {}",
            DECISIONS.join(", ")
        ));
    }
    match tokens.get(1).and_then(|t| t.strip_prefix("perm=")) {
        Some(p) if PERMS.contains(&p) => {}
        Some(p) => return Err(format!("'perm={p}': perm is open, execute or any")),
        None => {
            return Err(format!(
                "'{}': perm=open|execute|any must follow the decision (fapolicyd 1.1 does not load a rule without it)",
                tokens.get(1).unwrap_or(&"")
            ))
        }
    }
    let rest = &tokens[2..];
    let colons: Vec<usize> = rest
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == ":")
        .map(|(i, _)| i)
        .collect();
    let colon = match colons.as_slice() {
        [c] => *c,
        [] => {
            return Err(match rest.iter().find(|t| t.contains(':')) {
                Some(t) => format!(
                "'{t}': the ':' between subject and object must stand alone, with spaces around it"
            ),
                None => "the ':' between subject and object is missing".into(),
            })
        }
        _ => return Err("more than one ':'".into()),
    };
    // `pattern ld_so` (the fapolicyd.rules(5) example of 1.1) does not load: say so
    if let Some(i) = rest[..colon].iter().position(|t| *t == "pattern") {
        return Err(format!(
            "'pattern {}': write pattern={} (the daemon rejects the form without '=')",
            rest.get(i + 1).unwrap_or(&""),
            rest.get(i + 1).unwrap_or(&"ld_so")
        ));
    }
    check_fields("subject", SUBJECT_KEYS, &rest[..colon], sets, acc)?;
    check_fields("object", OBJECT_KEYS, &rest[colon + 1..], sets, acc)?;
    Ok(Line::Rule)
}

/// Whether a line is one fagenrules drops (empty or a comment).
pub fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t', '\r', '\x0b', '\x0c']);
    t.is_empty() || t.starts_with('#')
}

/// The set names a text defines.
pub fn sets_defined(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix('%')?
                .split_once('=')
                .map(|(n, _)| n.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Acc;
    impl Accounts for Acc {
        fn user(&self, n: &str) -> bool {
            matches!(n, "root" | "fapolicyd")
        }
        fn group(&self, n: &str) -> bool {
            matches!(n, "root" | "wheel")
        }
    }

    fn check_text(text: &str) -> Result<(), String> {
        let mut sets = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            if is_blank_or_comment(line) {
                continue;
            }
            if let Line::Set(n) =
                check_line(line, &sets, &Acc).map_err(|e| format!("line {}: {e}", i + 1))?
            {
                sets.insert(n);
            }
        }
        Ok(())
    }

    #[test]
    fn every_shipped_sample_rule_file_is_accepted_in_order() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/fapolicyd/sample-rules"
        );
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.len() >= 19, "fixtures missing");
        names = crate::compile::selected(&names);
        // the set %languages is defined in 10-languages.rules and used by later files
        let all: String = names
            .iter()
            .map(|n| std::fs::read_to_string(format!("{dir}/{n}")).unwrap())
            .collect();
        check_text(&all).unwrap();
    }

    #[test]
    fn man_page_examples() {
        for ok in [
            "deny_audit perm=open exe=/usr/bin/wget : dir=/tmp",
            "allow perm=open exe=/usr/bin/python3.7 : ftype=text/x-python trust=1",
            "deny perm=any all : all",
            "deny_audit perm=any pattern=ld_so : all",
        ] {
            assert_eq!(
                check_line(ok, &BTreeSet::new(), &Acc),
                Ok(Line::Rule),
                "{ok}"
            );
        }
        // the 1.1 man page's `pattern ld_so` does not load in the daemon: refused, with the fix
        let e = check_line(
            "deny_audit perm=any pattern ld_so : all",
            &BTreeSet::new(),
            &Acc,
        )
        .unwrap_err();
        assert!(e.contains("write pattern=ld_so"), "{e}");
    }

    #[test]
    fn the_daemons_rejections_are_rejected() {
        let sets = BTreeSet::new();
        for (bad, token) in [
            ("allow all : all", "perm=open|execute|any must follow"),
            ("allow perm=bogus all : all", "'perm=bogus'"),
            (
                "allow perm=open all : nosuch=1",
                "unknown object field 'nosuch'",
            ),
            (
                "allow perm=open all all",
                "':' between subject and object is missing",
            ),
            ("allow perm=open all: all", "'all:'"),
            ("allow perm=open trust=2 : all", "'trust=2'"),
            ("allow perm=any pattern=normal : all", "'pattern=normal'"),
            ("allow perm=open uid=nosuchuser : all", "no such user"),
            ("allow perm=open auid=-1 : all", "'auid=-1'"),
            (
                "allow perm=open subj_trust=1 : all",
                "unknown subject field 'subj_trust'",
            ),
            (
                "allow perm=open all : ftype=%languages",
                "set %languages is not defined",
            ),
            ("allowx perm=open all : all", "'allowx'"),
            ("allow perm=open all : sha256hash=xyz", "64 lower-case hex"),
            ("allow perm=open all : path=relative", "absolute path"),
            ("allow perm=open all : device=sda", "/dev/"),
            ("allow perm=open all : all : all", "more than one ':'"),
            ("allow perm=open gid=nogroup : all", "no such group"),
            ("allow\tperm=open all : all", "tabs"),
            ("%bad name=1", "a set definition is %name=value"),
            ("%ok=1 extra", "a set definition has no spaces"),
            ("%=1", "a set name"),
            ("%x=a,,b", "empty value"),
        ] {
            let e = check_line(bad, &sets, &Acc).unwrap_err();
            assert!(e.contains(token), "{bad}: {e}");
        }
    }

    #[test]
    fn sets_and_lists() {
        let mut sets = BTreeSet::new();
        assert_eq!(
            check_line("%uids=0,1000", &sets, &Acc),
            Ok(Line::Set("uids".into()))
        );
        sets.insert("uids".to_string());
        for ok in [
            "allow perm=open uid=%uids : all",
            "allow perm=open uid=0,1000,root gid=wheel : all trust=1",
            "allow perm=execute exe=untrusted : dir=execdirs",
            "allow perm=open all : path=/a,/b device=/dev/sda",
            "allow perm=any pattern=ld_preload : all",
            "allow_log perm=execute comm=dnf ppid=1 sessionid=3 : sha256hash=61a9960bf7d255a85811f4afcac51067b8f2e4c75e21cf4f2af95319d4ed1b87",
        ] {
            assert_eq!(check_line(ok, &sets, &Acc), Ok(Line::Rule), "{ok}");
        }
        assert!(check_line("allow perm=open trust=%uids : all", &sets, &Acc).is_err());
        assert_eq!(
            sets_defined("%a=1\n# %b=2\n  %c=x,y\nallow perm=open all : all\n"),
            vec!["a", "c"]
        );
    }
}
