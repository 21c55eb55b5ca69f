//! Policy strings (`POLICY[:SUB1[:SUB2…]]`) and /etc/crypto-policies/config, read the way
//! update-crypto-policies reads them.
//!
//! The tool's config reader: text after `#` is dropped and lines are trimmed; the first
//! non-empty line is split at `:` (upper-cased) into the policy and its subpolicies; every
//! further non-empty line adds its `:`-separated parts as subpolicies. The policy in force is
//! printed as `POLICY:SUB1:SUB2`.

/// A parsed policy string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySpec {
    pub base: String,
    pub subs: Vec<String>,
}

impl std::fmt::Display for PolicySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base)?;
        for s in &self.subs {
            write!(f, ":{s}")?;
        }
        Ok(())
    }
}

/// Whether `name` can be a policy or subpolicy name: what the tool can find as a file
/// (`<NAME>.pol`, `modules/<NAME>.pmod`) once upper-cased.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl PolicySpec {
    /// Parse a requested policy string, case-insensitively, strictly: every part must be a
    /// valid name (no empty parts, no paths).
    pub fn parse(s: &str) -> Result<PolicySpec, String> {
        let upper = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = upper.split(':').collect();
        if let Some(bad) = parts.iter().find(|p| !valid_name(p)) {
            return Err(if bad.is_empty() {
                format!("'{s}' has an empty part: the form is POLICY[:SUBPOLICY…], e.g. DEFAULT:NO-SHA1")
            } else {
                format!(
                    "'{bad}' in '{s}' is not a policy name (letters, digits, '-' and '_'; the form is POLICY[:SUBPOLICY…])"
                )
            });
        }
        Ok(PolicySpec {
            base: parts[0].to_string(),
            subs: parts[1..].iter().map(|p| p.to_string()).collect(),
        })
    }
}

/// The policy the tool reads from config text (`None` when the text has no policy line).
/// Kept faithful to the tool, including empty parts, so that the string compares equal to
/// what `update-crypto-policies --show` prints.
pub fn read_config(text: &str) -> Option<String> {
    let mut base: Option<String> = None;
    let mut subs: Vec<String> = Vec::new();
    for line in crate::syntax::py_lines(text) {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let upper = line.to_ascii_uppercase();
        let mut parts: Vec<String> = upper.split(':').map(String::from).collect();
        match base {
            None => {
                if parts[0].is_empty() {
                    // a first line like ":NO-SHA1" sets no policy name; the tool keeps ''
                    parts.remove(0);
                    base = Some(String::new());
                } else {
                    base = Some(parts.remove(0));
                }
                subs = parts;
            }
            Some(_) => subs.extend(parts),
        }
    }
    base.map(|b| {
        let mut s = b;
        for sub in subs {
            s.push(':');
            s.push_str(&sub);
        }
        s
    })
}

/// Test support: the definition texts (.pol, then each .pmod) of a policy string in a fixture
/// directory laid out as /usr/share/crypto-policies/policies.
#[cfg(test)]
pub fn fixture_texts(dir: &str, policy: &str) -> Vec<String> {
    let spec = PolicySpec::parse(policy).unwrap();
    let mut texts = vec![std::fs::read_to_string(format!("{dir}/{}.pol", spec.base)).unwrap()];
    for s in &spec.subs {
        texts.push(std::fs::read_to_string(format!("{dir}/modules/{s}.pmod")).unwrap());
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_normalises_case() {
        let p = PolicySpec::parse("default:no-sha1").unwrap();
        assert_eq!(p.base, "DEFAULT");
        assert_eq!(p.subs, vec!["NO-SHA1"]);
        assert_eq!(p.to_string(), "DEFAULT:NO-SHA1");
        assert_eq!(
            PolicySpec::parse(" FIPS:OSPP:ecdhe-only ")
                .unwrap()
                .to_string(),
            "FIPS:OSPP:ECDHE-ONLY"
        );
        assert_eq!(PolicySpec::parse("LEGACY").unwrap().subs.len(), 0);
    }

    #[test]
    fn parse_rejects_malformed() {
        for bad in [
            "",
            ":NO-SHA1",
            "DEFAULT:",
            "DEFAULT::NO-SHA1",
            "../etc",
            "DEFAULT:NO SHA1",
            "DEF/AULT",
            "-X",
        ] {
            assert!(PolicySpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_read_like_the_tool() {
        let shipped = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/crypto-policies/default-config"
        ))
        .unwrap();
        assert_eq!(read_config(&shipped).as_deref(), Some("DEFAULT"));
        assert_eq!(
            read_config("default:no-sha1\n").as_deref(),
            Some("DEFAULT:NO-SHA1")
        );
        assert_eq!(
            read_config("# c\n  DEFAULT  # here\nNO-SHA1\nAD-SUPPORT:OSPP\n").as_deref(),
            Some("DEFAULT:NO-SHA1:AD-SUPPORT:OSPP")
        );
        assert_eq!(read_config("# only comments\n\n"), None);
        assert_eq!(read_config(""), None);
    }
}
