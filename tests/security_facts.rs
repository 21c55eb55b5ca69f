//! `security_facts`, the real binary, on sandbox roots: an empty host (every component absent),
//! and a RHEL-like host read before and after the other modules harden it in the same sandbox.

use hardening_rhel_tests::Sandbox;
use serde_json::{json, Value};

const RHEL9: &str = include_str!("fixtures/selinux/rhel9-config");

fn ok(v: &Value) -> &Value {
    assert!(v.get("failed").is_none(), "module failed: {v}");
    v
}

fn baseline() -> Value {
    json!({
        "crypto_policy": "DEFAULT:NO-SHA1",
        "fips": false,
        "selinux": {"state": "enforcing", "policy": "targeted"},
        "firewalld": {"default_zone": "public",
                      "zones": {"public": {"services": ["ssh"], "ports": [], "target": "default"}}},
        "fapolicyd": {"permissive": false, "integrity": "sha256"},
    })
}

fn controls(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["control"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn empty_host_reports_components_absent_without_failing() {
    let sb = Sandbox::new();
    sb.file("/proc/sys/kernel/random/boot_id", "b\n");
    let r = sb.run("security_facts", json!({"baseline": baseline()}));
    ok(&r);
    assert_eq!(r["changed"], false);
    let h = &r["ansible_facts"]["hardening"];
    assert_eq!(h["crypto_policy"]["present"], false);
    assert_eq!(h["selinux"]["present"], false);
    assert_eq!(h["firewalld"]["installed"], false);
    assert_eq!(h["fapolicyd"]["installed"], false);
    assert_eq!(r["compliant"], false);
    assert!(controls(&r).contains(&"selinux.state".to_string()));
}

fn host() -> Sandbox {
    let sb = Sandbox::new();
    sb.with_crypto_policies();
    sb.file(
        "/etc/selinux/config",
        &RHEL9.replace("SELINUX=enforcing", "SELINUX=permissive"),
    )
    .dir("/etc/selinux/targeted/policy")
    .file("/sys/fs/selinux/enforce", "0")
    .copy(
        "tests/fixtures/firewalld/zones/public.xml",
        "/usr/lib/firewalld/zones/public.xml",
    )
    .file("/usr/lib/firewalld/services/ssh.xml", "<service/>\n")
    .file(
        "/usr/lib/firewalld/services/dhcpv6-client.xml",
        "<service/>\n",
    )
    .file("/etc/firewalld/firewalld.conf", "DefaultZone=public\n")
    .file("/usr/sbin/fapolicyd", "")
    .file(
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nfapolicyd:x:998:996::/:/sbin/nologin\n",
    )
    .file("/etc/group", "root:x:0:\nfapolicyd:x:996:\n")
    .copy(
        "tests/fixtures/fapolicyd/fapolicyd.conf.debian",
        "/etc/fapolicyd/fapolicyd.conf",
    )
    .copy(
        "tests/fixtures/fapolicyd/fapolicyd.trust.debian",
        "/etc/fapolicyd/fapolicyd.trust",
    )
    .file(
        "/etc/fapolicyd/trust.d/tools",
        "/usr/bin/true 39256 aa\n/usr/bin/false 39256 bb\n",
    )
    .copy(
        "tests/fixtures/fapolicyd/sample-rules/90-deny-execute.rules",
        "/etc/fapolicyd/rules.d/90-deny-execute.rules",
    );
    sb
}

#[test]
fn posture_before_and_after_hardening_in_the_same_sandbox() {
    let sb = host();
    let before = sb.snapshot();
    let r = sb.run(
        "security_facts",
        json!({"baseline": baseline(), "_ansible_check_mode": true}),
    );
    ok(&r);
    sb.assert_unchanged(&before);
    let h = &r["ansible_facts"]["hardening"];
    assert_eq!(h["crypto_policy"]["configured"], "DEFAULT");
    assert_eq!(h["crypto_policy"]["is_applied"], true);
    assert_eq!(h["selinux"]["configured_mode"], "permissive");
    assert_eq!(h["selinux"]["runtime"], "permissive");
    assert_eq!(h["firewalld"]["running"], false);
    assert_eq!(
        h["firewalld"]["zones"]["public"]["permanent"]["services"],
        json!(["ssh", "dhcpv6-client"])
    );
    assert_eq!(h["fapolicyd"]["trust_entries"], 2);
    assert_eq!(
        h["fapolicyd"]["rules_files"],
        json!(["90-deny-execute.rules"])
    );
    assert_eq!(h["fips"]["mode"], "disabled");
    assert_eq!(
        controls(&r),
        vec![
            "crypto_policy",
            "selinux.state",
            "firewalld.zones.public.permanent.services",
            "fapolicyd.integrity"
        ]
    );
    assert_eq!(r["compliant"], false);
    let sel = &r["findings"][1];
    assert_eq!(sel["fixed_by"], "hardening.rhel.selinux");
    assert_eq!(sel["severity"], "high");

    // harden with the modules, then read again
    ok(&sb.run("selinux", json!({"state": "enforcing"})));
    ok(&sb.run("crypto_policy", json!({"policy": "DEFAULT:NO-SHA1"})));
    ok(&sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh"], "ports": [], "exclusive": true}),
    ));
    ok(&sb.run(
        "fapolicyd_config",
        json!({"settings": {"integrity": "sha256", "permissive": false}}),
    ));
    let r = sb.run("security_facts", json!({"baseline": baseline()}));
    ok(&r);
    assert_eq!(controls(&r), Vec::<String>::new(), "{r}");
    assert_eq!(r["compliant"], true);
    // one row per control asked about: the crypto policy applied since boot waits for the
    // reboot (services keep the old one), every other control passes
    let rows: Vec<(String, String)> = r["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["control"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "crypto_policy",
            "fips",
            "selinux.state",
            "selinux.boot_args",
            "selinux.policy",
            "firewalld.default_zone",
            "firewalld.zones.public",
            "fapolicyd.permissive",
            "fapolicyd.integrity"
        ]
    );
    assert_eq!(rows[0].1, "pending");
    assert_eq!(r["pending_reboot"][0]["control"], "crypto_policy");
    assert!(rows[1..].iter().all(|(_, s)| s == "pass"), "{rows:?}");
    assert_eq!(
        r["ansible_facts"]["hardening"]["selinux"]["runtime"],
        "enforcing"
    );
}

/// The controls SSG checks that the audit first missed - enablement at boot, what the final
/// fapolicyd rule denies, kernel arguments that switch SELinux off - are read from the files,
/// and the module each finding names (`fixed_by`) fixes it.
#[test]
fn enablement_final_rule_and_boot_args_found_then_fixed_by_the_named_modules() {
    let sb = host();
    sb.with_systemctl()
        .file(
            "/etc/os-release",
            "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n",
        )
        .file(
            "/boot/loader/entries/abc-5.14.0-427.el9.x86_64.conf",
            "title RHEL\nlinux /vmlinuz-5.14.0-427.el9.x86_64\noptions root=/dev/mapper/rhel-root ro selinux=0\n",
        )
        .file(
            "/etc/default/grub",
            "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"rhgb quiet enforcing=0\"\n",
        );
    let mut b = baseline();
    b["firewalld"]["enabled"] = json!(true);
    b["fapolicyd"]["enabled"] = json!(true);
    b["fapolicyd"]["default_deny"] = json!("execute");
    let r = sb.run("security_facts", json!({"baseline": b}));
    ok(&r);
    let h = &r["ansible_facts"]["hardening"];
    assert_eq!(
        h["selinux"]["boot_args"],
        json!([
            "/boot/loader/entries/abc-5.14.0-427.el9.x86_64.conf (selinux=0)",
            "/etc/default/grub (enforcing=0)"
        ])
    );
    assert_eq!(h["firewalld"]["enabled"], false);
    assert_eq!(h["fapolicyd"]["enabled"], false);
    assert_eq!(h["fapolicyd"]["final_rule"], Value::Null);
    assert_eq!(h["fapolicyd"]["default_deny"], "none");
    let found = controls(&r);
    for c in [
        "selinux.boot_args",
        "firewalld.enabled",
        "fapolicyd.enabled",
        "fapolicyd.default_deny",
    ] {
        assert!(found.contains(&c.to_string()), "{c}: {r}");
    }
    let fixed_by = |c: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["control"] == c)
            .unwrap()["fixed_by"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(fixed_by("selinux.boot_args"), "hardening.rhel.selinux");
    assert_eq!(
        fixed_by("firewalld.enabled"),
        "hardening.rhel.firewalld_zone"
    );
    assert_eq!(
        fixed_by("fapolicyd.enabled"),
        "hardening.rhel.fapolicyd_config"
    );
    assert_eq!(
        fixed_by("fapolicyd.default_deny"),
        "hardening.rhel.fapolicyd_rules"
    );

    // the named modules, with the baseline's arguments
    ok(&sb.run("selinux", json!({"state": "enforcing"})));
    ok(&sb.run("crypto_policy", json!({"policy": "DEFAULT:NO-SHA1"})));
    ok(&sb.run(
        "firewalld_zone",
        json!({"name": "public", "services": ["ssh"], "ports": [], "exclusive": true, "enabled": true}),
    ));
    ok(&sb.run(
        "fapolicyd_rules",
        json!({"name": "50-hardening-baseline",
               "rules": ["allow perm=execute all : trust=1", "deny_audit perm=execute all : all"]}),
    ));
    ok(&sb.run(
        "fapolicyd_config",
        json!({"settings": {"integrity": "sha256", "permissive": false}, "enabled": true}),
    ));
    let r = sb.run("security_facts", json!({"baseline": b}));
    ok(&r);
    assert_eq!(controls(&r), Vec::<String>::new(), "{r}");
    let h = &r["ansible_facts"]["hardening"];
    assert_eq!(h["selinux"]["boot_args"], json!([]));
    // 90-deny-execute.rules sorts after 50-: its deny is the final rule
    assert_eq!(
        h["fapolicyd"]["final_rule"],
        "deny_audit perm=execute all : all"
    );
    // the STIG's deny of any access is stricter than these rules
    b["fapolicyd"]["default_deny"] = json!("any");
    let r = sb.run("security_facts", json!({"baseline": b}));
    assert_eq!(controls(&r), vec!["fapolicyd.default_deny"]);
}

#[test]
fn subsets_and_bad_baseline() {
    let sb = host();
    let r = sb.run("security_facts", json!({"gather_subset": ["selinux"]}));
    ok(&r);
    let h = r["ansible_facts"]["hardening"].as_object().unwrap();
    assert_eq!(h.keys().collect::<Vec<_>>(), vec!["selinux"]);
    assert!(r.get("findings").is_none());
    let r = sb.run(
        "security_facts",
        json!({"baseline": {"selinux": {"state": "on"}}}),
    );
    assert_eq!(r["failed"], true);
    assert!(r["msg"].as_str().unwrap().contains("state"), "{r}");
    let r = sb.run(
        "security_facts",
        json!({"baseline": {"firewalld": {"zones": {"public": {"services": "ssh"}}}}}),
    );
    assert!(
        r["msg"].as_str().unwrap().contains("list of strings"),
        "{r}"
    );
}

#[test]
fn lockout_risks_of_the_configuration_on_disk_are_reported_without_changes() {
    use hardening_rhel_tests::rsa_key;
    let sb = host();
    sb.over_ssh("admin", 1000, 2222)
        .file("/etc/ssh/sshd_config", "Port 2222\n")
        .file("/home/admin/.ssh/authorized_keys", &(rsa_key(2048) + "\n"))
        .file("/etc/crypto-policies/config", "FUTURE\n")
        .file("/etc/selinux/config", RHEL9)
        .file(
            "/usr/lib/firewalld/services/ssh.xml",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service>\n  <port protocol=\"tcp\" port=\"22\"/>\n</service>\n",
        )
        .file("/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\neth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\n");
    let before = sb.snapshot();
    let r = sb.run("security_facts", json!({}));
    ok(&r);
    sb.assert_unchanged(&before);
    assert_eq!(r["lockout_check"], "at_risk");
    let risks = r["lockout_risks"].as_array().unwrap();
    let by = |m: &str| {
        risks
            .iter()
            .filter(|x| x["module"] == m)
            .map(|x| x["risk"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        by("crypto_policy")[0].contains("RSA 2048 bits < RequiredRSASize 3072"),
        "{risks:?}"
    );
    assert!(by("selinux")[0].contains("tcp port 2222"), "{risks:?}");
    assert!(by("firewalld")[0].contains("tcp port 2222"), "{risks:?}");
    // a subset judges only its areas
    let r = sb.run("security_facts", json!({"gather_subset": ["selinux"]}));
    assert_eq!(r["lockout_risks"].as_array().unwrap().len(), 1, "{r}");
}

/// Post-quantum key exchange of the policy in force, per generation of the definitions: the
/// 2026 set's DEFAULT offers the ML-KEM hybrids (NO-PQ takes them away), the 2024 set's only
/// with TEST-PQ, the 2023 set's never; a policy whose definition is gone says so (null).
#[test]
fn post_quantum_key_exchange_of_the_policy_in_force() {
    let pq = |sb: &Sandbox| {
        let r = sb.run(
            "security_facts",
            json!({"gather_subset": ["crypto_policy"], "_ansible_check_mode": true}),
        );
        ok(&r)["ansible_facts"]["hardening"]["crypto_policy"]["post_quantum"].clone()
    };
    let set = |sb: &Sandbox, p: &str| {
        let (code, _) = sb.tool(
            "/usr/bin/update-crypto-policies",
            &["--set", p, "--no-reload"],
        );
        assert_eq!(code, 0, "{p}");
    };
    let sb = Sandbox::new();
    sb.with_crypto_policies();
    let p = pq(&sb);
    assert_eq!(p["policy"], "DEFAULT");
    assert_eq!(p["offered"], true, "{p}");
    assert_eq!(
        p["ssh_kex"],
        json!([
            "mlkem768x25519-sha256",
            "mlkem768nistp256-sha256",
            "mlkem1024nistp384-sha384"
        ])
    );
    assert_eq!(p["tls_groups"][0], "MLKEM768-X25519");
    set(&sb, "DEFAULT:NO-PQ");
    let p = pq(&sb);
    assert_eq!(
        (p["policy"].as_str(), p["offered"].as_bool()),
        (Some("DEFAULT:NO-PQ"), Some(false)),
        "{p}"
    );

    let sb = Sandbox::new();
    sb.with_crypto_policies_from("tests/fixtures/crypto-policies-history/2024-12-18");
    assert_eq!(pq(&sb)["offered"], false);
    set(&sb, "DEFAULT:TEST-PQ");
    let p = pq(&sb);
    assert_eq!(p["offered"], true, "{p}");
    assert!(p["ssh_kex"]
        .as_array()
        .unwrap()
        .contains(&json!("sntrup761x25519-sha512")));

    let sb = Sandbox::new();
    sb.with_crypto_policies_from("tests/fixtures/crypto-policies-history/2023-08-07");
    for p in ["DEFAULT", "FUTURE", "LEGACY"] {
        set(&sb, p);
        assert_eq!(pq(&sb)["offered"], false, "{p}");
    }
    // the definition of the policy in force removed: not known, not "none"
    std::fs::remove_file(sb.path("/usr/share/crypto-policies/policies/LEGACY.pol")).unwrap();
    let p = pq(&sb);
    assert_eq!(p["offered"], Value::Null, "{p}");
    assert!(p["reason"].as_str().unwrap().contains("LEGACY"), "{p}");
}
