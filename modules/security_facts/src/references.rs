//! The compliance references of each control: SSG rule ids, DISA STIG ids for RHEL 8, 9 and 10,
//! CIS RHEL 8/9/10 numbers, NIST SP 800-53. The table is data derived by scripts/gen-references.py from
//! the compliance content itself (docs/references.md); this only looks it up.

use serde_json::{Map, Value};
use std::sync::OnceLock;

/// The reference kinds, in the order the reports print them.
pub const KINDS: &[&str] = &[
    "stig_rhel8",
    "stig_rhel9",
    "stig_rhel10",
    "cis_rhel8",
    "cis_rhel9",
    "cis_rhel10",
    "nist_800_53",
];

/// The table as a JSON value (a typed table would add its own deserializer to every upload).
fn table() -> &'static Value {
    static TABLE: OnceLock<Value> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("../references.json"))
            .expect("references.json is generated and checked at build time")
    })
}

/// The table's entry for a control or finding name: the longest listed name that is the name
/// or a dotted prefix of it (`firewalld.zones.public.runtime.services` → `firewalld.zones`).
fn entry(name: &str) -> Option<&'static Vec<Value>> {
    table()["controls"]
        .as_object()?
        .iter()
        .filter(|(c, _)| name == c.as_str() || name.starts_with(&format!("{c}.")))
        .max_by_key(|(c, _)| c.len())
        .and_then(|(_, rules)| rules.as_array())
}

/// Whether the table lists the control (possibly with no SSG rule: then it says so).
pub fn known(name: &str) -> bool {
    entry(name).is_some()
}

/// `{"ssg": [rule ids], "stig_rhel8": [...], ...}` for a control or finding name; every list
/// empty for a name the table does not know.
pub fn of(name: &str) -> Value {
    let none = Vec::new();
    let rules = entry(name).unwrap_or(&none);
    let mut out = Map::new();
    let mut push = |kind: &str, v: &Value| {
        let list = out
            .entry(kind)
            .or_insert_with(|| Value::Array(vec![]))
            .as_array_mut()
            .expect("an array");
        if !list.contains(v) {
            list.push(v.clone());
        }
    };
    for r in rules {
        let Some(rule) = r.as_str().and_then(|r| table()["rules"].get(r)) else {
            continue;
        };
        push("ssg", &rule["id"]);
        for kind in KINDS {
            for v in rule
                .get(*kind)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                push(kind, v);
            }
        }
    }
    for kind in std::iter::once(&"ssg").chain(KINDS) {
        out.entry(*kind).or_insert_with(|| Value::Array(vec![]));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookups() {
        let r = of("selinux.state");
        assert_eq!(
            r["ssg"],
            json!(["xccdf_org.ssgproject.content_rule_selinux_state"])
        );
        assert_eq!(r["stig_rhel9"], json!(["RHEL-09-431010"]));
        assert_eq!(r["stig_rhel8"], json!(["RHEL-08-010170"]));
        assert_eq!(r["cis_rhel9"], json!(["1.3.1.5"]));
        assert_eq!(r["stig_rhel10"], json!(["RHEL-10-700420"]));
        // a finding below a control, and a zone's name
        assert_eq!(of("selinux.state.x")["ssg"], r["ssg"]);
        let z = of("firewalld.zones.public.runtime.services");
        assert_eq!(z["ssg"].as_array().unwrap().len(), 2);
        // two controls on one rule: the same rule once
        let fw = of("firewalld.enabled");
        assert_eq!(fw["ssg"], of("firewalld.running")["ssg"]);
        // known without a rule; unknown
        assert!(known("fapolicyd.integrity"));
        assert_eq!(of("fapolicyd.integrity")["ssg"], json!([]));
        assert!(!known("nothing"));
        assert_eq!(of("nothing")["nist_800_53"], json!([]));
    }
}
