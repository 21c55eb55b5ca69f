//! /etc/selinux/config, read exactly the way libselinux reads it, and edited minimally.
//!
//! libselinux (selinux_config.c):
//! * `SELINUX=` (selinux_getenforcemode): the line must *start* with `SELINUX=` (case-sensitive,
//!   no leading blanks); blanks after `=` are skipped; the value is matched case-insensitively
//!   *by prefix* against enforcing/permissive/disabled; lines with other values are skipped; the
//!   first recognised line wins.
//! * `SELINUXTYPE=` (init_selinux_config): leading blanks skipped, `#` lines ignored, the key is
//!   matched case-insensitively, blanks after `=` skipped, trailing blanks trimmed; *every* match
//!   overrides the previous one, so the last wins; `targeted` when there is none.
//!
//! Editing keeps every comment, blank line and unrelated line in place. The file is made to say
//! one thing: the value goes on the first active line of its key, and every other active line of
//! that key is commented out with a leading `#`.

use std::fmt;

/// The SELinux mode, as configured or as running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Enforcing,
    Permissive,
    Disabled,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforcing => "enforcing",
            Mode::Permissive => "permissive",
            Mode::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "enforcing" => Some(Mode::Enforcing),
            "permissive" => Some(Mode::Permissive),
            "disabled" => Some(Mode::Disabled),
            _ => None,
        }
    }

    pub fn enabled(self) -> bool {
        self != Mode::Disabled
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// libselinux's default policy type when the file names none.
pub const DEFAULT_TYPE: &str = "targeted";

const MODE_KEY: &str = "SELINUX=";
const TYPE_KEY: &str = "SELINUXTYPE=";

/// Lines with their line endings, so that edits keep the file's bytes elsewhere.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

fn strip_eol(line: &str) -> &str {
    line.strip_suffix('\n').unwrap_or(line)
}

fn is_c_space(c: char) -> bool {
    // C isspace() in the C locale
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// `Some(mode)` when the line is a `SELINUX=` line libselinux recognises.
fn mode_of_line(line: &str) -> Option<Mode> {
    let value = strip_eol(line)
        .strip_prefix(MODE_KEY)?
        .trim_start_matches(is_c_space);
    let starts = |word: &str| {
        value.len() >= word.len()
            && value.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
    };
    [Mode::Enforcing, Mode::Permissive, Mode::Disabled]
        .into_iter()
        .find(|m| starts(m.as_str()))
}

/// Whether the line is an active `SELINUX=` line (recognised value or not).
fn is_mode_line(line: &str) -> bool {
    line.starts_with(MODE_KEY)
}

/// The value of an active `SELINUXTYPE=` line.
fn type_of_line(line: &str) -> Option<&str> {
    let l = strip_eol(line).trim_start_matches(is_c_space);
    if l.len() < TYPE_KEY.len()
        || !l.as_bytes()[..TYPE_KEY.len()].eq_ignore_ascii_case(TYPE_KEY.as_bytes())
    {
        return None;
    }
    let v = l[TYPE_KEY.len()..].trim_start_matches(is_c_space);
    Some(v.trim_end_matches(|c: char| is_c_space(c) || c.is_ascii_control()))
}

/// The mode libselinux reads from the file (`None`: no recognised `SELINUX=` line).
pub fn mode(text: &str) -> Option<Mode> {
    lines(text).into_iter().find_map(mode_of_line)
}

/// The policy type libselinux reads from the file (`None`: no `SELINUXTYPE=` line, which
/// libselinux takes as [`DEFAULT_TYPE`]).
pub fn policy_type(text: &str) -> Option<String> {
    lines(text)
        .into_iter()
        .filter_map(type_of_line)
        .next_back()
        .map(String::from)
}

/// The file as RHEL installs it, for when it is missing.
pub fn standard(mode: Mode, policy: &str) -> String {
    format!(
        "# This file controls the state of SELinux on the system.\n\
         # SELINUX= can take one of these three values:\n\
         #     enforcing - SELinux security policy is enforced.\n\
         #     permissive - SELinux prints warnings instead of enforcing.\n\
         #     disabled - No SELinux policy is loaded.\n\
         # On RHEL 9 and later, SELINUX=disabled alone does not disable SELinux in the kernel:\n\
         # that needs the selinux=0 kernel argument.\n\
         SELINUX={mode}\n\
         # SELINUXTYPE= can take one of these three values:\n\
         #     targeted - Targeted processes are protected,\n\
         #     minimum - Modification of targeted policy. Only selected processes are protected.\n\
         #     mls - Multi Level Security protection.\n\
         SELINUXTYPE={policy}\n"
    )
}

/// The edited file: `mode` as the one effective `SELINUX=` value and, when `policy` is given,
/// as the one effective `SELINUXTYPE=` value. Returns the text unchanged when it already says
/// exactly that.
pub fn edit(text: &str, mode: Mode, policy: Option<&str>) -> String {
    let mut out: Vec<String> = lines(text).into_iter().map(String::from).collect();

    // SELINUX=: keep the first active line verbatim when it is the effective one and says
    // `mode` already; otherwise it becomes `SELINUX=<mode>`.
    let mode_lines: Vec<usize> = (0..out.len()).filter(|&i| is_mode_line(&out[i])).collect();
    match mode_lines.first() {
        Some(&first) => {
            if mode_of_line(&out[first]) != Some(mode) {
                out[first] = replace_keeping_eol(&out[first], &format!("{MODE_KEY}{mode}"));
            }
            for &i in &mode_lines[1..] {
                out[i] = format!("#{}", out[i]);
            }
        }
        None => {
            // Before the first SELINUXTYPE= line, where RHEL has it; else at the end.
            let at = (0..out.len()).find(|&i| type_of_line(&out[i]).is_some());
            insert_line(&mut out, at, &format!("{MODE_KEY}{mode}"));
        }
    }

    // SELINUXTYPE=: the value wanted is the given one, else the one in force (the last line).
    let type_lines: Vec<usize> = (0..out.len())
        .filter(|&i| type_of_line(&out[i]).is_some())
        .collect();
    let wanted: Option<String> = policy.map(String::from).or_else(|| {
        type_lines
            .last()
            .and_then(|&i| type_of_line(&out[i]))
            .map(String::from)
    });
    if let Some(wanted) = wanted {
        match type_lines.first() {
            Some(&first) => {
                if type_of_line(&out[first]) != Some(wanted.as_str()) {
                    out[first] = replace_keeping_eol(&out[first], &format!("{TYPE_KEY}{wanted}"));
                }
                for &i in &type_lines[1..] {
                    out[i] = format!("#{}", out[i]);
                }
            }
            None => insert_line(&mut out, None, &format!("{TYPE_KEY}{wanted}")),
        }
    }
    out.concat()
}

fn replace_keeping_eol(old: &str, new: &str) -> String {
    if old.ends_with('\n') {
        format!("{new}\n")
    } else {
        new.to_string()
    }
}

fn insert_line(out: &mut Vec<String>, at: Option<usize>, line: &str) {
    match at {
        Some(i) => out.insert(i, format!("{line}\n")),
        None => {
            if let Some(last) = out.last_mut() {
                if !last.ends_with('\n') {
                    last.push('\n');
                }
            }
            out.push(format!("{line}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// /etc/selinux/config as RHEL 9 installs it.
    const RHEL9: &str = include_str!("../../../tests/fixtures/selinux/rhel9-config");

    #[test]
    fn reads_like_libselinux() {
        assert_eq!(mode(RHEL9), Some(Mode::Enforcing));
        assert_eq!(policy_type(RHEL9).as_deref(), Some("targeted"));
        // value by prefix, case-insensitive, blanks after '=' skipped
        assert_eq!(
            mode("SELINUX= Permissive # was enforcing\n"),
            Some(Mode::Permissive)
        );
        assert_eq!(mode("SELINUX=enforcingXYZ\n"), Some(Mode::Enforcing));
        // key must start the line exactly
        assert_eq!(
            mode(" SELINUX=disabled\nselinux=disabled\n#SELINUX=disabled\n"),
            None
        );
        // unrecognised values are skipped, the first recognised one wins
        assert_eq!(
            mode("SELINUX=bogus\nSELINUX=disabled\nSELINUX=enforcing\n"),
            Some(Mode::Disabled)
        );
        // no trailing newline
        assert_eq!(mode("SELINUX=permissive"), Some(Mode::Permissive));
        // type: leading blanks, case-insensitive key, last one wins, trailing blanks trimmed
        assert_eq!(
            policy_type("SELINUXTYPE=targeted\n  selinuxtype= mls  \t\n# SELINUXTYPE=minimum\n")
                .as_deref(),
            Some("mls")
        );
        assert_eq!(policy_type("SELINUX=enforcing\n"), None);
    }

    #[test]
    fn edit_changes_only_the_value() {
        let out = edit(RHEL9, Mode::Permissive, None);
        assert_eq!(
            out,
            RHEL9.replace("SELINUX=enforcing", "SELINUX=permissive")
        );
        let out = edit(RHEL9, Mode::Enforcing, Some("mls"));
        assert_eq!(
            out,
            RHEL9.replace("SELINUXTYPE=targeted", "SELINUXTYPE=mls")
        );
    }

    #[test]
    fn edit_is_idempotent_and_keeps_equivalent_spellings() {
        assert_eq!(edit(RHEL9, Mode::Enforcing, Some("targeted")), RHEL9);
        let odd = "SELINUX=Enforcing   # keep me\n  SELINUXTYPE = x\nSELINUXTYPE=targeted  \n";
        assert_eq!(edit(odd, Mode::Enforcing, Some("targeted")), odd);
        for m in [Mode::Enforcing, Mode::Permissive, Mode::Disabled] {
            let once = edit(RHEL9, m, Some("mls"));
            assert_eq!(edit(&once, m, Some("mls")), once);
            assert_eq!(mode(&once), Some(m));
            assert_eq!(policy_type(&once).as_deref(), Some("mls"));
        }
    }

    #[test]
    fn duplicates_commented_out_so_the_file_says_one_thing() {
        let text = "SELINUX=bogus\nSELINUX=permissive\nSELINUXTYPE=targeted\nSELINUX=enforcing\nSELINUXTYPE=mls\n";
        // mls is in force (last wins); keep it, on the first line
        let out = edit(text, Mode::Enforcing, None);
        assert_eq!(
            out,
            "SELINUX=enforcing\n#SELINUX=permissive\nSELINUXTYPE=mls\n#SELINUX=enforcing\n#SELINUXTYPE=mls\n"
        );
        assert_eq!(mode(&out), Some(Mode::Enforcing));
        assert_eq!(policy_type(&out).as_deref(), Some("mls"));
        assert_eq!(edit(&out, Mode::Enforcing, None), out);
    }

    #[test]
    fn missing_keys_are_added() {
        assert_eq!(
            edit("# empty\n", Mode::Permissive, None),
            "# empty\nSELINUX=permissive\n"
        );
        assert_eq!(
            edit("# x\nSELINUXTYPE=targeted", Mode::Disabled, Some("minimum")),
            "# x\nSELINUX=disabled\nSELINUXTYPE=minimum"
        );
        assert_eq!(
            edit("SELINUX=enforcing", Mode::Enforcing, Some("mls")),
            "SELINUX=enforcing\nSELINUXTYPE=mls\n"
        );
        assert_eq!(edit("", Mode::Enforcing, None), "SELINUX=enforcing\n");
    }

    #[test]
    fn standard_file_reads_back() {
        let s = standard(Mode::Permissive, "mls");
        assert_eq!(mode(&s), Some(Mode::Permissive));
        assert_eq!(policy_type(&s).as_deref(), Some("mls"));
        assert_eq!(edit(&s, Mode::Permissive, Some("mls")), s);
    }
}
