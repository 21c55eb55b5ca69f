//! The sidecar documentation (`collection/plugins/modules/<name>.yml`, what `ansible-doc`
//! renders) says exactly what each module's parameter spec enforces.

use kit::{Default, Kind, Module, Param};
use serde_yaml::Value;

fn doc(name: &str) -> Value {
    let path = format!(
        "{}/../collection/plugins/modules/{name}.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn type_name(k: &Kind) -> &'static str {
    match k {
        Kind::Str => "str",
        Kind::Bool => "bool",
        Kind::Int => "int",
        Kind::Path => "path",
        Kind::List(_) => "list",
        Kind::Dict(_) | Kind::Map => "dict",
    }
}

fn check_options(module: &str, at: &str, spec: &[Param], options: &Value) {
    let options = options
        .as_mapping()
        .unwrap_or_else(|| panic!("{module}: {at}options is not a mapping"));
    // options the collection's action plugin handles on the controller (never passed to the binary)
    let action_only: &[&str] = match (module, at) {
        ("fapolicyd_trust", "") => &["collection_binaries"],
        _ => &[],
    };
    let documented: Vec<&str> = options
        .keys()
        .map(|k| k.as_str().unwrap())
        .filter(|k| !action_only.contains(k))
        .collect();
    for k in action_only {
        assert!(
            options[*k]["description"].as_sequence().is_some_and(|d| d
                .iter()
                .any(|l| l.as_str().unwrap_or("").contains("action plugin"))),
            "{module}: action-plugin option {k} documented as such"
        );
    }
    let mut declared: Vec<&str> = spec.iter().map(|p| p.name).collect();
    let mut doc_sorted = documented.clone();
    doc_sorted.sort_unstable();
    declared.sort_unstable();
    assert_eq!(
        doc_sorted, declared,
        "{module}: documented vs declared options at '{at}'"
    );
    for p in spec {
        let o = &options[p.name];
        let ctx = format!("{module}: option {at}{}", p.name);
        assert!(
            o["description"].is_sequence() || o["description"].is_string(),
            "{ctx}: no description"
        );
        assert_eq!(o["type"].as_str(), Some(type_name(&p.kind)), "{ctx}: type");
        assert_eq!(
            o["required"].as_bool().unwrap_or(false),
            p.required,
            "{ctx}: required"
        );
        let choices: Vec<&str> = o["choices"]
            .as_sequence()
            .map(|s| s.iter().map(|c| c.as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(choices, p.choices, "{ctx}: choices");
        let aliases: Vec<&str> = o["aliases"]
            .as_sequence()
            .map(|s| s.iter().map(|c| c.as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(aliases, p.aliases, "{ctx}: aliases");
        let default = &o["default"];
        match p.default {
            None => assert!(
                default.is_null(),
                "{ctx}: documents a default the module does not have"
            ),
            Some(Default::Str(s)) => assert_eq!(default.as_str(), Some(s), "{ctx}: default"),
            Some(Default::Bool(b)) => assert_eq!(default.as_bool(), Some(b), "{ctx}: default"),
            Some(Default::Int(i)) => assert_eq!(default.as_i64(), Some(i), "{ctx}: default"),
            Some(Default::EmptyList) => assert_eq!(
                default.as_sequence().map(Vec::len),
                Some(0),
                "{ctx}: default"
            ),
        }
        if let Kind::List(elem) = p.kind {
            assert_eq!(
                o["elements"].as_str(),
                Some(type_name(elem)),
                "{ctx}: elements"
            );
            if let Kind::Dict(sub) = elem {
                check_options(module, &format!("{at}{}.", p.name), sub, &o["suboptions"]);
            }
        }
        if let Kind::Dict(sub) = p.kind {
            check_options(module, &format!("{at}{}.", p.name), sub, &o["suboptions"]);
        }
    }
}

/// Every `description` and `notes` is text: a string or a list of strings. A plain YAML item
/// with a `: ` in it (`- a chroot: C(...)`) is a mapping, which ansible-doc refuses
/// ("expected string or bytes-like object").
fn check_text(module: &str, at: &str, v: &Value, names: bool) {
    let Some(map) = v.as_mapping() else {
        if let Some(seq) = v.as_sequence() {
            for (i, x) in seq.iter().enumerate() {
                check_text(module, &format!("{at}[{i}]"), x, false);
            }
        }
        return;
    };
    for (k, val) in map {
        let key = k.as_str().unwrap_or_default();
        let here = format!("{at}.{key}");
        if !names && (key == "description" || key == "notes") {
            let ok = val.is_string()
                || val
                    .as_sequence()
                    .is_some_and(|s| s.iter().all(Value::is_string));
            assert!(
                ok,
                "{module}: {here} must be text (a string or a list of strings): {val:?}"
            );
            continue;
        }
        // the keys of options, suboptions, contains and RETURN are names, not doc fields
        let holds_names = matches!(key, "options" | "suboptions" | "contains");
        check_text(module, &here, val, !names && holds_names);
    }
}

fn check<M: Module>() {
    let d = doc(M::NAME);
    let documentation = &d["DOCUMENTATION"];
    check_text(M::NAME, "DOCUMENTATION", documentation, false);
    check_text(M::NAME, "RETURN", &d["RETURN"], true);
    assert_eq!(documentation["module"].as_str(), Some(M::NAME));
    assert!(documentation["short_description"].is_string());
    check_options(M::NAME, "", M::SPEC, &documentation["options"]);
    assert!(d["EXAMPLES"]
        .as_str()
        .is_some_and(|e| e.contains(&format!("hardening.rhel.{}:", M::NAME))));
    assert!(d["RETURN"].is_mapping(), "{}: RETURN", M::NAME);
}

#[test]
fn selinux_docs_match_spec() {
    check::<selinux::Selinux>();
}

#[test]
fn crypto_policy_docs_match_spec() {
    check::<crypto_policy::CryptoPolicy>();
}

#[test]
fn fips_docs_match_spec() {
    check::<fips::Fips>();
}

#[test]
fn fapolicyd_rules_docs_match_spec() {
    check::<fapolicyd_rules::FapolicydRules>();
}

#[test]
fn fapolicyd_config_docs_match_spec() {
    check::<fapolicyd_config::FapolicydConfig>();
}

#[test]
fn fapolicyd_trust_docs_match_spec() {
    check::<fapolicyd_trust::FapolicydTrust>();
}

#[test]
fn firewalld_zone_docs_match_spec() {
    check::<firewalld_zone::FirewalldZone>();
}

#[test]
fn security_facts_docs_match_spec() {
    check::<security_facts::SecurityFacts>();
}
