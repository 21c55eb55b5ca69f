use super::*;

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A RHEL 9 host with DEFAULT applied, systemd running.
fn host() -> Current {
    Current {
        configured: "DEFAULT".into(),
        config_exists: true,
        state_current: Some("DEFAULT".into()),
        applied_by_mtime: true,
        share_policies: set(&["DEFAULT", "FIPS", "FUTURE", "LEGACY"]),
        share_modules: set(&["AD-SUPPORT", "NO-SHA1", "OSPP"]),
        init_running: true,
        tool_present: true,
        fingerprint: "fp0".into(),
        ..Current::default()
    }
}

/// The host with DEFAULT:MYCORP applied and MYCORP defined under /etc.
fn host_using_mycorp() -> Current {
    let mut c = host();
    c.configured = "DEFAULT:MYCORP".into();
    c.state_current = Some("DEFAULT:MYCORP".into());
    c.etc_modules = set(&["MYCORP"]);
    c.etc_defs
        .insert((DefKind::Module, "MYCORP".into()), "hash = -SHA1\n".into());
    c
}

fn want(policy: Option<&str>, defs: Vec<Def>) -> Desired {
    Desired {
        policy: policy.map(|p| PolicySpec::parse(p).unwrap()),
        defs,
    }
}

fn module(name: &str, content: Option<&str>) -> Def {
    Def {
        kind: DefKind::Module,
        name: name.into(),
        content: content.map(String::from),
    }
}

fn set_step(p: &Plan) -> Option<&Step> {
    p.steps.iter().find(|s| matches!(s, Step::SetPolicy { .. }))
}

#[test]
fn unchanged_request_plans_nothing() {
    let p = plan(&host(), &want(Some("default"), vec![]), true).unwrap();
    assert!(p.steps.is_empty(), "{:?}", p.steps);
    assert_eq!(p.policy_after, "DEFAULT");
}

#[test]
fn new_policy_with_subpolicy_is_set_with_reload() {
    let p = plan(&host(), &want(Some("default:no-sha1"), vec![]), true).unwrap();
    match set_step(&p).unwrap() {
        Step::SetPolicy {
            policy, no_reload, ..
        } => {
            assert_eq!(policy, "DEFAULT:NO-SHA1");
            assert!(!no_reload);
        }
        _ => unreachable!(),
    }
    // reload: false, or no init system → --no-reload
    let p = plan(&host(), &want(Some("FUTURE"), vec![]), false).unwrap();
    assert!(matches!(
        set_step(&p),
        Some(Step::SetPolicy {
            no_reload: true,
            ..
        })
    ));
    let mut offline = host();
    offline.init_running = false;
    let p = plan(&offline, &want(Some("FUTURE"), vec![]), true).unwrap();
    assert!(matches!(
        set_step(&p),
        Some(Step::SetPolicy {
            no_reload: true,
            ..
        })
    ));
}

#[test]
fn drift_is_repaired() {
    let mut c = host();
    c.state_current = Some("LEGACY".into());
    let p = plan(&c, &want(Some("DEFAULT"), vec![]), true).unwrap();
    assert!(set_step(&p).is_some());
    let mut c = host();
    c.applied_by_mtime = false;
    assert!(set_step(&plan(&c, &want(None, vec![]), true).unwrap()).is_some());
    let mut c = host();
    c.backend_drift = vec!["back-ends/openssh.config links to the LEGACY policy's file".into()];
    assert!(set_step(&plan(&c, &want(None, vec![]), true).unwrap()).is_some());
    let mut c = host();
    c.check_probe = Some(CheckProbe::Mismatch);
    assert!(set_step(&plan(&c, &want(None, vec![]), true).unwrap()).is_some());
    let mut c = host();
    c.state_current = None;
    assert!(set_step(&plan(&c, &want(None, vec![]), true).unwrap()).is_some());
}

#[test]
fn custom_module_written_before_the_policy_that_uses_it() {
    let p = plan(
        &host(),
        &want(
            Some("DEFAULT:MYCORP"),
            vec![module("MYCORP", Some("hash = -SHA1\n"))],
        ),
        true,
    )
    .unwrap();
    assert!(matches!(&p.steps[0], Step::WriteDef { name, before: None, .. } if name == "MYCORP"));
    assert!(matches!(&p.steps[1], Step::SetPolicy { policy, .. } if policy == "DEFAULT:MYCORP"));
    assert!(p.available_modules.contains(&"MYCORP".to_string()));
}

#[test]
fn changed_definition_in_use_reapplies_the_same_policy() {
    let c = host_using_mycorp();
    // same content: nothing
    let p = plan(
        &c,
        &want(None, vec![module("MYCORP", Some("hash = -SHA1\n"))]),
        true,
    )
    .unwrap();
    assert!(p.steps.is_empty());
    // new content: write and re-apply
    let p = plan(
        &c,
        &want(None, vec![module("MYCORP", Some("hash = -SHA1 -MD5\n"))]),
        true,
    )
    .unwrap();
    assert_eq!(p.steps.len(), 2);
    match set_step(&p).unwrap() {
        Step::SetPolicy {
            policy, reasons, ..
        } => {
            assert_eq!(policy, "DEFAULT:MYCORP");
            assert!(reasons.iter().any(|r| r.contains("MYCORP")), "{reasons:?}");
        }
        _ => unreachable!(),
    }
    // an unused definition changing does not re-apply
    let p = plan(
        &c,
        &want(None, vec![module("OTHER", Some("hash = -MD5\n"))]),
        true,
    )
    .unwrap();
    assert!(set_step(&p).is_none());
}

#[test]
fn removing_a_definition_in_use_fails() {
    let c = host_using_mycorp();
    let e = plan(&c, &want(None, vec![module("MYCORP", None)]), true)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot remove MYCORP") && e.contains("DEFAULT:MYCORP"),
        "{e}"
    );
    // together with a policy that no longer uses it: fine
    let p = plan(
        &c,
        &want(Some("DEFAULT"), vec![module("MYCORP", None)]),
        true,
    )
    .unwrap();
    assert!(matches!(&p.steps[0], Step::RemoveDef { name, .. } if name == "MYCORP"));
    assert!(set_step(&p).is_some());
    // removing what is not there: nothing
    let p = plan(&host(), &want(None, vec![module("GONE", None)]), true).unwrap();
    assert!(p.steps.is_empty());
}

#[test]
fn unknown_names_fail_listing_what_is_installed() {
    let e = plan(&host(), &want(Some("DEFALT"), vec![]), true)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("DEFALT is not an installed policy")
            && e.contains("installed: DEFAULT, FIPS, FUTURE, LEGACY"),
        "{e}"
    );
    let e = plan(&host(), &want(Some("DEFAULT:NO-SHA2"), vec![]), true)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("NO-SHA2 is not an installed subpolicy")
            && e.contains("AD-SUPPORT, NO-SHA1, OSPP"),
        "{e}"
    );
}

#[test]
fn fips_kernel_warns_when_leaving_fips() {
    let mut c = host();
    c.fips_kernel = true;
    c.configured = "FIPS".into();
    c.state_current = Some("FIPS".into());
    let p = plan(&c, &want(Some("DEFAULT"), vec![]), true).unwrap();
    assert!(p
        .warnings
        .iter()
        .any(|w| w.contains("leaves FIPS compliance")));
    let p = plan(&c, &want(Some("FIPS:OSPP"), vec![]), true).unwrap();
    assert!(p.warnings.is_empty());
}

fn args(v: serde_json::Value) -> Result<Desired> {
    let spec = <CryptoPolicy as kit::Module>::SPEC;
    let m = kit::args::validate("t", spec, v.as_object().unwrap())?;
    desired_from(&serde_json::from_value(serde_json::Value::Object(m)).unwrap())
}

#[test]
fn definitions_validated_before_anything() {
    let e =
        args(serde_json::json!({"custom_modules": [{"name": "x", "content": "hsh = -SHA1\n"}]}))
            .unwrap_err();
    assert_eq!(e.to_string(), "custom_modules[0].content (X.pmod): line 1: unknown property 'hsh' (known: __ems, __openssl_block_sha1_signatures, arbitrary_dh_groups, cipher, etm, group, hash, key_exchange, mac, min_dh_size, min_dsa_size, min_rsa_size, protocol, sha1_in_certs, sign, ssh_certs)");
    let e = args(serde_json::json!({"custom_policies": [{"name": "../x", "content": ""}]}))
        .unwrap_err();
    assert!(e
        .to_string()
        .starts_with("custom_policies[0].name must be a definition name"));
    let e = args(serde_json::json!({"custom_modules": [{"name": "A"}]})).unwrap_err();
    assert!(e.to_string().contains("content is required"));
    let e = args(serde_json::json!({"custom_modules": [{"name": "a", "content": ""}, {"name": "A", "content": ""}]})).unwrap_err();
    assert!(e.to_string().contains("given twice"));
    let e = args(serde_json::json!({"policy": "DEFAULT::X"})).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("policy: 'DEFAULT::X' has an empty part"));
    let d = args(
        serde_json::json!({"custom_modules": [{"name": "mycorp", "content": "hash = -SHA1"}]}),
    )
    .unwrap();
    assert_eq!(d.defs[0].name, "MYCORP");
    assert_eq!(d.defs[0].content.as_deref(), Some("hash = -SHA1\n"));
}
