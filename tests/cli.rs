//! `hardening-rhel apply`, the real program, running the real module binaries against a sandbox
//! root laid out like an image being built (no daemon, no systemd, bootc's directory): the
//! baseline profile applied, idempotent, exact in check mode; bad invocations change nothing.

use hardening_rhel_tests::{bin_dir, Sandbox};
use serde_json::{json, Value};
use std::process::Command;

fn image_root() -> Sandbox {
    let sb = Sandbox::new();
    sb.with_crypto_policies()
        .with_fapolicyd()
        .with_systemctl()
        .file(
            "/etc/selinux/config",
            "SELINUX=permissive\nSELINUXTYPE=targeted\n",
        )
        .dir("/etc/selinux/targeted/policy")
        .copy(
            "tests/fixtures/firewalld/zones/public.xml",
            "/usr/lib/firewalld/zones/public.xml",
        )
        .file(
            "/usr/lib/firewalld/services/ssh.xml",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service/>\n",
        )
        .file("/etc/protocols", "ip\t0\tIP\n")
        .file(
            "/etc/firewalld/firewalld.conf",
            "# firewalld config file\nDefaultZone=public\n",
        )
        .dir("/usr/lib/bootc/kargs.d");
    sb
}

/// `hardening-rhel <args>` against the sandbox: exit code and standard output.
fn cli(sb: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin_dir().join("hardening-rhel"))
        .args(args)
        .arg("--sandbox-root")
        .arg(sb.root())
        .arg("--bin-dir")
        .arg(bin_dir())
        .output()
        .expect("run hardening-rhel");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_run(sb: &Sandbox, extra: &[&str]) -> Value {
    let mut args = vec!["apply", "--json"];
    args.extend_from_slice(extra);
    let (code, out, err) = cli(sb, &args);
    assert_eq!(code, 0, "{out}\n{err}");
    serde_json::from_str(&out).unwrap()
}

fn changed(doc: &Value) -> Vec<String> {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["result"]["changed"] == Value::Bool(true))
        .map(|s| s["module"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn baseline_applied_to_an_image_root_then_idempotent_and_check_mode_exact() {
    let sb = image_root();
    // check mode: every step says what it would do, nothing is written
    let before = sb.snapshot();
    let doc = json_run(&sb, &["--check"]);
    sb.assert_unchanged(&before);
    let would = changed(&doc);
    assert_eq!(
        would,
        vec![
            "selinux",
            "crypto_policy",
            "firewalld_zone",
            "fapolicyd_rules",
            "fapolicyd_config"
        ],
        "{doc:#}"
    );
    // the real run changes what check mode said, and every step takes effect at first boot
    let doc = json_run(&sb, &[]);
    assert_eq!(changed(&doc), would, "{doc:#}");
    for s in doc["steps"].as_array().unwrap() {
        assert_eq!(s["result"]["applied_at"], "first_boot", "{s:#}");
    }
    assert!(sb
        .read("/etc/selinux/config")
        .unwrap()
        .contains("SELINUX=enforcing\n"));
    assert_eq!(
        sb.read("/etc/crypto-policies/config").unwrap(),
        "DEFAULT:NO-SHA1\n"
    );
    assert!(sb
        .read("/etc/firewalld/zones/public.xml")
        .unwrap()
        .contains("<service name=\"ssh\"/>"));
    let compiled = sb.read("/etc/fapolicyd/compiled.rules").unwrap();
    assert!(
        compiled.contains(
            "allow perm=any uid=0 : dir=/root/.ansible/tmp/\ndeny_audit perm=execute all : all\n"
        ),
        "{compiled}"
    );
    assert!(sb
        .read("/etc/fapolicyd/fapolicyd.conf")
        .unwrap()
        .contains("permissive = 0"));
    assert_eq!(
        sb.calls("systemctl"),
        vec!["enable firewalld.service", "enable fapolicyd.service"],
        "enabled through links, never started"
    );
    // no /.autorelabel and no boot entry in an image build
    assert!(!sb.exists("/.autorelabel") && !sb.exists("/boot/loader"));
    // a second run changes nothing
    let doc = json_run(&sb, &[]);
    assert!(changed(&doc).is_empty(), "{doc:#}");
    // the text output: a line per step and the summary
    let (code, out, _) = cli(&sb, &["apply"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("ok: SELinux mode and policy type [selinux]"),
        "{out}"
    );
    assert!(
        out.contains("hardening-rhel: profile baseline: 5 ok, 0 changed"),
        "{out}"
    );
}

#[test]
fn a_failing_step_stops_the_run_with_status_1() {
    let sb = image_root();
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.json");
    std::fs::write(
        &profile,
        r#"{"steps": [
            {"name": "bad zone", "module": "firewalld_zone", "args": {"name": "public", "services": ["no-such-service"]}},
            {"name": "never run", "module": "selinux", "args": {"state": "enforcing"}}]}"#,
    )
    .unwrap();
    let before = sb.snapshot();
    let (code, out, _) = cli(&sb, &["apply", "--profile", profile.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("failed: bad zone [firewalld_zone]"), "{out}");
    assert!(out.contains("no-such-service"), "{out}");
    assert!(!out.contains("never run"), "{out}");
    sb.assert_unchanged(&before);
}

#[test]
fn usage_and_profile_errors_run_nothing_with_status_2() {
    let sb = image_root();
    let before = sb.snapshot();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"steps": [{"name": "x", "module": "shell", "args": {}}]}"#,
    )
    .unwrap();
    // a file given by mistake is not read whole: larger than any profile, refused
    let huge = dir.path().join("huge.json");
    std::fs::write(&huge, vec![b' '; (1 << 20) + 10]).unwrap();
    for (args, want) in [
        (
            vec!["apply", "--profile", huge.to_str().unwrap()],
            "is larger than 1048576 bytes",
        ),
        (vec!["apply", "--bogus"], "unknown argument '--bogus'"),
        (
            vec!["apply", "--profile", "nosuch"],
            "no built-in profile 'nosuch'",
        ),
        (
            vec!["apply", "--profile", bad.to_str().unwrap()],
            "unknown module 'shell'",
        ),
        (vec!["frobnicate"], "usage:"),
    ] {
        let (code, _, err) = cli(&sb, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    sb.assert_unchanged(&before);
}

#[test]
fn profile_prints_the_built_in_profiles_as_shipped() {
    for name in ["baseline", "stig"] {
        let out = Command::new(bin_dir().join("hardening-rhel"))
            .args(["profile", name])
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        let shipped = std::fs::read_to_string(
            hardening_rhel_tests::repo().join(format!("collection/files/profiles/{name}.json")),
        )
        .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), shipped, "{name}");
    }
}

/// The stig profile is what the STIG asks in our five areas: FIPS on, the drop zone with ssh,
/// fapolicyd's rules ending in `deny perm=any all : all` with the stock files after ours removed.
#[test]
fn stig_profile_asks_what_the_stig_asks() {
    let out = Command::new(bin_dir().join("hardening-rhel"))
        .args(["profile", "stig"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = doc["steps"].as_array().unwrap();
    let args = |module: &str| -> Vec<&Value> {
        steps
            .iter()
            .filter(|s| s["module"] == module)
            .map(|s| &s["args"])
            .collect()
    };
    assert_eq!(args("fips")[0]["state"], "enabled");
    assert!(
        args("crypto_policy").is_empty(),
        "the fips module owns the policy"
    );
    assert_eq!(args("firewalld_zone")[0]["name"], "drop");
    assert_eq!(args("firewalld_zone")[0]["services"], json!(["ssh"]));
    let rules = args("fapolicyd_rules");
    let removed: Vec<&str> = rules
        .iter()
        .filter(|a| a["state"] == "absent")
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        removed,
        [
            "70-trusted-lang",
            "72-shell",
            "90-deny-execute",
            "95-allow-open"
        ]
    );
    let ours = rules.iter().find(|a| a["state"].is_null()).unwrap();
    let lines = ours["rules"].as_array().unwrap();
    assert_eq!(lines.last().unwrap(), "deny perm=any all : all");
    assert_eq!(args("selinux")[0]["state"], "enforcing");
    assert_eq!(args("fapolicyd_config")[0]["settings"]["permissive"], false);
}
