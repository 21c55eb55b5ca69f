//! hardening.rhel.crypto_policy, the real binary, against sandbox roots holding the real policy
//! definitions and the stand-in update-crypto-policies (molecule/image/rootfs/usr/bin), which
//! logs every call so that the tests can count them.

use hardening_rhel_tests::Sandbox;
use serde_json::{json, Value};

const TOOL: &str = "/usr/bin/update-crypto-policies";

/// A RHEL-like host with DEFAULT applied; `systemd`: whether init is running.
fn host(systemd: bool) -> Sandbox {
    let sb = Sandbox::new();
    sb.with_crypto_policies();
    if systemd {
        sb.dir("/run/systemd/system");
    }
    sb
}

fn tool(sb: &Sandbox, args: &[&str]) -> (i32, String) {
    sb.tool(TOOL, args)
}

fn calls(sb: &Sandbox) -> Vec<String> {
    sb.calls("update-crypto-policies")
}

fn ok(v: &Value) -> &Value {
    assert!(v.get("failed").is_none(), "module failed: {v}");
    v
}

#[test]
fn policy_with_subpolicy_set_once_then_no_tool_call() {
    let sb = host(false);
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "default:no-sha1", "_ansible_diff": true}),
    );
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["applied"], true);
    assert_eq!(r["policy"], "DEFAULT:NO-SHA1");
    assert_eq!(r["previous"], "DEFAULT");
    assert_eq!(r["reboot_required"], true);
    assert_eq!(
        calls(&sb),
        vec!["--set DEFAULT:NO-SHA1 --no-reload"],
        "no init running: --no-reload"
    );
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "DEFAULT:NO-SHA1\n"
    );
    assert_eq!(
        sb.read("/etc/crypto-policies/config").unwrap(),
        "DEFAULT:NO-SHA1\n"
    );
    assert_eq!(r["diff"][0]["before"], "DEFAULT\n");
    assert_eq!(r["diff"][0]["after"], "DEFAULT:NO-SHA1\n");
    assert!(r["available_modules"]
        .as_array()
        .unwrap()
        .contains(&json!("NO-SHA1")));

    let again = sb.run("crypto_policy", json!({"policy": "DEFAULT:NO-SHA1"}));
    assert_eq!(ok(&again)["changed"], false);
    assert_eq!(again["applied"], false);
    assert_eq!(
        calls(&sb).len(),
        1,
        "an unchanged request runs no tool: {:?}",
        calls(&sb)
    );
    assert_eq!(
        again["reboot_required"], true,
        "services still run with DEFAULT until the reboot"
    );
    let msg = again["msg"].as_str().unwrap();
    assert!(
        msg.contains("already applied") && msg.contains("reboot required"),
        "{msg}"
    );

    // the reboot happened: new boot id
    sb.file("/proc/sys/kernel/random/boot_id", "boot-2\n");
    let after = sb.run("crypto_policy", json!({"policy": "DEFAULT:NO-SHA1"}));
    assert_eq!(ok(&after)["reboot_required"], false);
    assert_eq!(calls(&sb).len(), 1);
}

#[test]
fn reload_when_init_runs_unless_told_not_to() {
    let sb = host(true);
    ok(&sb.run("crypto_policy", json!({"policy": "FUTURE"})));
    ok(&sb.run(
        "crypto_policy",
        json!({"policy": "LEGACY", "reload": false}),
    ));
    assert_eq!(
        calls(&sb),
        vec!["--set FUTURE", "reload", "--set LEGACY --no-reload"]
    );
}

#[test]
fn custom_module_defined_and_used_in_one_task_then_updated() {
    let sb = host(false);
    let content = "# MYCORP: no SHA-1 anywhere\nhash = -SHA1\nsign = -*-SHA1\nsha1_in_certs = 0\n";
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "DEFAULT:MYCORP", "custom_modules": [{"name": "mycorp", "content": content}]}),
    );
    ok(&r);
    assert_eq!(
        sb.read("/etc/crypto-policies/policies/modules/MYCORP.pmod")
            .unwrap(),
        content
    );
    assert!(sb
        .read("/etc/crypto-policies/state/CURRENT.pol")
        .unwrap()
        .contains("MYCORP: no SHA-1"));
    assert_eq!(calls(&sb), vec!["--set DEFAULT:MYCORP --no-reload"]);
    // same again: nothing
    let same = json!({"policy": "DEFAULT:MYCORP", "custom_modules": [{"name": "MYCORP", "content": content}]});
    assert_eq!(ok(&sb.run("crypto_policy", same))["changed"], false);
    assert_eq!(calls(&sb).len(), 1);
    // the definition changes: rewritten and the same policy re-applied
    let r = sb.run(
        "crypto_policy",
        json!({"custom_modules": [{"name": "MYCORP", "content": "hash = -SHA1 -MD5\n"}]}),
    );
    assert_eq!(ok(&r)["applied"], true);
    assert_eq!(
        calls(&sb),
        vec![
            "--set DEFAULT:MYCORP --no-reload",
            "--set DEFAULT:MYCORP --no-reload"
        ]
    );
    assert!(sb
        .read("/etc/crypto-policies/state/CURRENT.pol")
        .unwrap()
        .contains("-MD5"));
    // removing it while in use fails, nothing written
    let before = sb.snapshot();
    let r = sb.run(
        "crypto_policy",
        json!({"custom_modules": [{"name": "MYCORP", "state": "absent"}]}),
    );
    assert_eq!(r["failed"], true);
    assert!(
        r["msg"].as_str().unwrap().contains("cannot remove MYCORP"),
        "{r}"
    );
    sb.assert_unchanged(&before);
    // with a policy that does not use it: removed and applied
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "DEFAULT", "custom_modules": [{"name": "MYCORP", "state": "absent"}]}),
    );
    ok(&r);
    assert!(!sb.exists("/etc/crypto-policies/policies/modules/MYCORP.pmod"));
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "DEFAULT\n"
    );
}

#[test]
fn custom_policy_file() {
    let sb = host(false);
    let pol = std::fs::read_to_string(
        hardening_rhel_tests::repo().join("tests/fixtures/crypto-policies/policies/FUTURE.pol"),
    )
    .unwrap()
        + "\nmin_rsa_size = 4096\n";
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "corp", "custom_policies": [{"name": "CORP", "content": pol}]}),
    );
    ok(&r);
    assert_eq!(r["policy"], "CORP");
    assert!(sb.exists("/etc/crypto-policies/policies/CORP.pol"));
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "CORP\n"
    );
}

#[test]
fn drift_behind_the_modules_back_is_repaired() {
    let sb = host(false);
    ok(&sb.run("crypto_policy", json!({"policy": "DEFAULT:NO-SHA1"})));
    // someone edits state/current
    sb.file("/etc/crypto-policies/state/current", "LEGACY\n");
    let r = sb.run("crypto_policy", json!({"policy": "DEFAULT:NO-SHA1"}));
    assert_eq!(ok(&r)["changed"], true);
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("state/current says LEGACY"),
        "{r}"
    );
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "DEFAULT:NO-SHA1\n"
    );
    // someone links a back-end into another policy's directory
    let link = sb.path("/etc/crypto-policies/back-ends/openssh.config");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("/usr/share/crypto-policies/LEGACY/openssh.txt", &link).unwrap();
    let r = sb.run("crypto_policy", json!({"policy": "DEFAULT:NO-SHA1"}));
    assert!(
        ok(&r)["msg"]
            .as_str()
            .unwrap()
            .contains("links to the LEGACY"),
        "{r}"
    );
    assert!(!link.is_symlink(), "regenerated by the tool");
    assert_eq!(calls(&sb).len(), 3);
}

#[test]
fn check_backends_runs_the_read_only_check_and_repairs_edited_backends() {
    let sb = host(false);
    // consistent: one --check, no --set
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "DEFAULT", "check_backends": true}),
    );
    assert_eq!(ok(&r)["changed"], false);
    assert_eq!(calls(&sb), vec!["--check"]);
    // a hand-edited back-end
    sb.file(
        "/etc/crypto-policies/back-ends/openssh.config",
        "Ciphers aes128-cbc\n",
    );
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "DEFAULT", "check_backends": true}),
    );
    assert_eq!(ok(&r)["changed"], true);
    assert_eq!(
        calls(&sb),
        vec!["--check", "--check", "--set DEFAULT --no-reload"]
    );
    assert!(sb
        .read("/etc/crypto-policies/back-ends/openssh.config")
        .unwrap()
        .contains("stand-in back-end openssh"));
}

#[test]
fn check_mode_writes_nothing_and_runs_no_tool() {
    let sb = host(false);
    let before = sb.snapshot();
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "DEFAULT:MYCORP", "_ansible_check_mode": true, "_ansible_diff": true,
               "custom_modules": [{"name": "MYCORP", "content": "hash = -SHA1\n"}]}),
    );
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["applied"], true);
    assert_eq!(r["reboot_required"], true);
    assert_eq!(
        r["diff"][0]["after_header"],
        "/etc/crypto-policies/policies/modules/MYCORP.pmod"
    );
    assert_eq!(r["diff"][1]["after"], "DEFAULT:MYCORP\n");
    sb.assert_unchanged(&before);
    assert!(calls(&sb).is_empty());
}

#[test]
fn bad_input_fails_with_nothing_written() {
    let sb = host(false);
    let before = sb.snapshot();
    let cases = [
        (
            json!({"policy": "DEFALT"}),
            "policy: DEFALT is not an installed policy",
        ),
        (
            json!({"policy": "DEFAULT:NO-SHA2"}),
            "NO-SHA2 is not an installed subpolicy",
        ),
        (json!({"policy": "DEFAULT:"}), "has an empty part"),
        (json!({"policy": ["DEFAULT"]}), "policy must be a string"),
        (
            json!({"policy": "DEFAULT:X", "custom_modules": [{"name": "X", "content": "hash = SHA1 -MD5\n"}]}),
            "custom_modules[0].content (X.pmod): line 1: hash mixes a plain list",
        ),
        (
            json!({"custom_modules": [{"name": "X", "content": "ok = 1\n", "stat": "present"}]}),
            "custom_modules[0].stat",
        ),
        (
            json!({"custom_modules": "X"}),
            "custom_modules must be a list of dicts",
        ),
        (
            json!({"poilcy": "DEFAULT"}),
            "Unsupported parameters for (hardening.rhel.crypto_policy) module: poilcy",
        ),
    ];
    for (args, want) in cases {
        let r = sb.run("crypto_policy", args.clone());
        assert_eq!(r["failed"], true, "{args}: {r}");
        let msg = r["msg"].as_str().unwrap();
        assert!(msg.contains(want), "{args}: {msg}");
    }
    sb.assert_unchanged(&before);
    assert!(calls(&sb).is_empty());
}

#[test]
fn missing_tool_fails_after_validation_and_writes_nothing() {
    let sb = host(false);
    std::fs::remove_file(sb.path(TOOL)).unwrap();
    let before = sb.snapshot();
    let args = json!({"policy": "DEFAULT:MYCORP", "custom_modules": [{"name": "MYCORP", "content": "hash = -SHA1\n"}]});
    let r = sb.run("crypto_policy", args.clone());
    assert_eq!(r["failed"], true);
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("update-crypto-policies is not installed"),
        "{r}"
    );
    sb.assert_unchanged(&before);
    // check mode still reports what would happen
    let mut check = args;
    check["_ansible_check_mode"] = json!(true);
    let r = sb.run("crypto_policy", check);
    assert_eq!(ok(&r)["changed"], true);
}

#[test]
fn tool_rejection_restores_the_definitions() {
    let sb = host(false);
    sb.file(
        "/etc/crypto-policies/policies/modules/MYCORP.pmod",
        "hash = -SHA1\n",
    );
    // a tool that rejects everything (as the real one does for an unknown algorithm name)
    sb.file(
        TOOL,
        "#!/bin/sh\necho 'Errors found in policy, first one: unknown algorithm' >&2\nexit 1\n",
    );
    let before = sb.snapshot();
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "DEFAULT:MYCORP:NEWONE", "custom_modules": [
            {"name": "MYCORP", "content": "hash = -SHA1 -MD5\n"},
            {"name": "NEWONE", "content": "cipher = -NOSUCHALG\n"}]}),
    );
    assert_eq!(r["failed"], true);
    let msg = r["msg"].as_str().unwrap();
    assert!(
        msg.contains("exited with code 1: Errors found in policy") && msg.contains("restored"),
        "{msg}"
    );
    assert_eq!(r["changed"], true, "files were written, then restored");
    assert_eq!(
        sb.read("/etc/crypto-policies/policies/modules/MYCORP.pmod")
            .unwrap(),
        "hash = -SHA1\n"
    );
    assert!(!sb.exists("/etc/crypto-policies/policies/modules/NEWONE.pmod"));
    let after: Vec<_> = sb
        .snapshot()
        .into_iter()
        .filter(|(p, _)| !p.starts_with(sb.path("/run")))
        .collect();
    assert_eq!(after, before);
}

#[test]
fn leaving_fips_on_a_fips_kernel_warns() {
    let sb = host(false);
    sb.file("/proc/sys/crypto/fips_enabled", "1\n");
    ok(&sb.run("crypto_policy", json!({"policy": "FIPS"})));
    let r = sb.run("crypto_policy", json!({"policy": "DEFAULT"}));
    let w = r["warnings"].as_array().expect("a warning");
    assert!(
        w[0].as_str().unwrap().contains("leaves FIPS compliance"),
        "{r}"
    );
}

#[test]
fn stand_in_follows_the_file_contract() {
    let sb = host(false);
    assert_eq!(tool(&sb, &["--show"]), (0, "DEFAULT\n".into()));
    assert_eq!(tool(&sb, &["--is-applied"]).0, 0);
    assert_eq!(tool(&sb, &["--check"]).0, 0);
    assert_eq!(tool(&sb, &["--set", "NOPE"]).0, 1);
    assert_eq!(tool(&sb, &["--bogus"]).0, 2);
    std::thread::sleep(std::time::Duration::from_millis(20));
    sb.file("/etc/crypto-policies/config", "LEGACY\n");
    assert_eq!(tool(&sb, &["--is-applied"]).0, 1);
    assert_eq!(tool(&sb, &["--check"]).0, 1);
    assert_eq!(tool(&sb, &[]).0, 0);
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "LEGACY\n"
    );
}

#[test]
fn backup_keeps_replaced_and_removed_definitions() {
    let sb = host(false);
    sb.file(
        "/etc/crypto-policies/policies/modules/MYCORP.pmod",
        "hash = -SHA1\n",
    );
    let r = sb.run(
        "crypto_policy",
        json!({"backup": true, "custom_modules": [
            {"name": "MYCORP", "content": "hash = -SHA1 -MD5\n"},
            {"name": "NEW", "content": "hash = -MD5\n"}]}),
    );
    ok(&r);
    let backups = r["backup_files"].as_array().expect("backup_files");
    assert_eq!(
        backups.len(),
        1,
        "only the replaced file had something to keep: {r}"
    );
    assert_eq!(
        std::fs::read_to_string(backups[0].as_str().unwrap()).unwrap(),
        "hash = -SHA1\n"
    );
    let r = sb.run(
        "crypto_policy",
        json!({"backup": true, "custom_modules": [{"name": "NEW", "state": "absent"}]}),
    );
    let backups = ok(&r)["backup_files"].as_array().expect("backup_files");
    assert_eq!(
        std::fs::read_to_string(backups[0].as_str().unwrap()).unwrap(),
        "hash = -MD5\n"
    );
    assert!(!sb.exists("/etc/crypto-policies/policies/modules/NEW.pmod"));
}

// ---- lockout guard (over SSH as the sandbox's /proc makes it look) ----

use hardening_rhel_tests::{rsa_key, ED25519_KEY};

/// sshd on port 2222, the user `admin` with these authorized keys, host keys ECDSA + Ed25519.
fn ssh_host(keys: &[String]) -> Sandbox {
    let sb = host(false);
    sb.over_ssh("admin", 1000, 2222)
        .file(
            "/etc/ssh/sshd_config",
            "Port 2222\nInclude /etc/ssh/sshd_config.d/*.conf\n",
        )
        .file(
            "/etc/ssh/sshd_config.d/50-redhat.conf",
            "Include /etc/crypto-policies/back-ends/opensshserver.config\n",
        )
        .file(
            "/etc/ssh/ssh_host_ecdsa_key.pub",
            hardening_rhel_tests::ECDSA_KEY,
        )
        .file("/etc/ssh/ssh_host_ed25519_key.pub", ED25519_KEY)
        .file(
            "/home/admin/.ssh/authorized_keys",
            &(keys.join("\n") + "\n"),
        );
    sb
}

#[test]
fn lockout_future_with_only_rsa2048_keys_is_refused_in_check_mode_too() {
    let sb = ssh_host(&[rsa_key(2048)]);
    let before = sb.snapshot();
    for check in [true, false] {
        let r = sb.run(
            "crypto_policy",
            json!({"policy": "FUTURE", "_ansible_check_mode": check}),
        );
        assert_eq!(r["failed"], true, "{r}");
        let msg = r["msg"].as_str().unwrap();
        for want in [
            "lockout guard",
            "10.0.0.10",
            "port 2222",
            "/home/admin/.ssh/authorized_keys:1 ssh-rsa (2048 bits): RSA 2048 bits < RequiredRSASize 3072",
            "allow_lockout",
        ] {
            assert!(msg.contains(want), "{want}: {msg}");
        }
        assert_eq!(r["changed"], false);
    }
    sb.assert_unchanged(&before);
    assert!(calls(&sb).is_empty(), "the tool never ran");

    // the override goes through, says so, and the check says overridden
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "FUTURE", "allow_lockout": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "overridden");
    assert!(r["warnings"][0]
        .as_str()
        .unwrap()
        .contains("allow_lockout: true"));
    assert_eq!(sb.read("/etc/crypto-policies/config").unwrap(), "FUTURE\n");
}

#[test]
fn lockout_a_surviving_key_passes_and_the_connection_and_path_are_reported() {
    let sb = ssh_host(&[rsa_key(4096)]);
    let r = sb.run("crypto_policy", json!({"policy": "FUTURE"}));
    ok(&r);
    assert_eq!(r["lockout_check"], "passed");
    assert_eq!(r["lockout_connection"]["peer"], "10.0.0.10");
    assert_eq!(r["lockout_connection"]["local_port"], 2222);
    assert_eq!(r["lockout_connection"]["user"], "admin");
    assert_eq!(r["lockout_connection"]["found_by"], "socket");
    let path = r["lockout_path"].to_string();
    assert!(
        path.contains(
            "/home/admin/.ssh/authorized_keys:1 ssh-rsa (4096 bits): accepted under FUTURE"
        ),
        "{r}"
    );
    assert!(
        r["lockout_basis"].as_str().unwrap().contains("TCP socket"),
        "{r}"
    );
    // nothing to change: still over SSH, still passed
    let r = sb.run("crypto_policy", json!({"policy": "FUTURE"}));
    assert_eq!(r["changed"], false);
    assert_eq!(r["lockout_check"], "passed");
}

/// Refused as `unknown` (nothing changed), with the message containing each of `want`.
fn assert_unknown(sb: &Sandbox, args: serde_json::Value, want: &[&str]) {
    let before = sb.snapshot();
    for check in [true, false] {
        let mut a = args.clone();
        a["_ansible_check_mode"] = json!(check);
        let r = sb.run("crypto_policy", a);
        assert_eq!(r["failed"], true, "{r}");
        assert_eq!(r["lockout_check"], "unknown", "{r}");
        let msg = r["msg"].as_str().unwrap();
        for w in want {
            assert!(msg.contains(w), "{w}: {msg}");
        }
        assert!(!r["lockout_risks"].as_array().unwrap().is_empty(), "{r}");
    }
    sb.assert_unchanged(&before);
}

#[test]
fn lockout_one_key_cut_and_one_surviving_is_unknown_not_passed() {
    // which of the two the session used is not known: the 2048-bit one may be it
    let sb = ssh_host(&[rsa_key(2048), rsa_key(4096)]);
    assert_unknown(
        &sb,
        json!({"policy": "FUTURE"}),
        &[
            "cut: /home/admin/.ssh/authorized_keys:1 ssh-rsa (2048 bits)",
            "survives:",
            "ExposeAuthInfo",
        ],
    );
    // the override goes through
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "FUTURE", "allow_lockout": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "overridden");
}

#[test]
fn lockout_user_certificates_of_an_ed25519_ca_are_cut_by_fips_policy() {
    // no authorized key: the user logs in with certificates signed by an Ed25519 CA
    let sb = ssh_host(&[]);
    sb.file(
        "/etc/ssh/sshd_config",
        "Port 2222\nTrustedUserCAKeys /etc/ssh/user_ca.pub\nInclude /etc/ssh/sshd_config.d/*.conf\n",
    )
    .file("/etc/ssh/user_ca.pub", ED25519_KEY);
    let r = sb.run("crypto_policy", json!({"policy": "FIPS"}));
    assert_eq!(r["failed"], true, "{r}");
    assert_eq!(r["lockout_check"], "refused", "{r}");
    let msg = r["msg"].as_str().unwrap();
    assert!(
        msg.contains("certificates signed by the CA ssh-ed25519 in /etc/ssh/user_ca.pub")
            && msg.contains("CASignatureAlgorithms"),
        "{msg}"
    );
    // an ECDSA CA is still accepted, but FIPS accepts fewer certificate types: unknown
    sb.file("/etc/ssh/user_ca.pub", hardening_rhel_tests::ECDSA_KEY);
    assert_unknown(
        &sb,
        json!({"policy": "FIPS"}),
        &["the session's certificate is not known"],
    );
}

#[test]
fn lockout_match_blocks_decide_which_keys_count() {
    // sshd reads admin's keys from /etc/ssh/keys/admin (a 2048-bit key), not ~/.ssh
    let sb = ssh_host(&[rsa_key(4096)]);
    sb.file(
        "/etc/ssh/sshd_config",
        "Port 2222\nInclude /etc/ssh/sshd_config.d/*.conf\nMatch User admin Address 10.0.0.0/8\n  AuthorizedKeysFile /etc/ssh/keys/%u\n",
    )
    .file("/etc/ssh/keys/admin", &(rsa_key(2048) + "\n"));
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "FUTURE", "_ansible_check_mode": true}),
    );
    assert_eq!(r["failed"], true, "{r}");
    assert_eq!(r["lockout_check"], "refused", "{r}");
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("/etc/ssh/keys/admin:1 ssh-rsa (2048 bits)"),
        "{r}"
    );
    // a Match block that cannot be evaluated here and sets the keys file: unknown
    sb.file(
        "/etc/ssh/sshd_config",
        "Port 2222\nInclude /etc/ssh/sshd_config.d/*.conf\nMatch Host *.corp\n  AuthorizedKeysFile /etc/ssh/keys/%u\n",
    );
    assert_unknown(&sb, json!({"policy": "FUTURE"}), &["Match Host *.corp"]);
}

#[test]
fn lockout_keys_restricted_by_from_count_only_from_their_addresses() {
    // the 4096-bit key is only accepted from 192.0.2.0/24; the session comes from 10.0.0.10
    let sb = ssh_host(&[
        format!("from=\"192.0.2.0/24\" {}", rsa_key(4096)),
        rsa_key(2048),
    ]);
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "FUTURE", "_ansible_check_mode": true}),
    );
    assert_eq!(r["failed"], true, "{r}");
    assert_eq!(r["lockout_check"], "refused", "{r}");
    // from the key's own network it would be the one that survives
    let sb = ssh_host(&[format!("from=\"10.0.0.0/8\" {}", rsa_key(4096))]);
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "FUTURE", "_ansible_check_mode": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "passed");
}

#[test]
fn lockout_keys_command_and_no_keys_are_unknown() {
    let sb = ssh_host(&[]);
    assert_unknown(
        &sb,
        json!({"policy": "FUTURE"}),
        &["no way in by public key"],
    );
    let _ = std::fs::remove_file(sb.path("/home/admin/.ssh/authorized_keys"));
    assert_unknown(
        &sb,
        json!({"policy": "FUTURE"}),
        &["no way in by public key"],
    );
    sb.file(
        "/etc/ssh/sshd_config",
        "Port 2222\nAuthorizedKeysCommand /usr/bin/sss_ssh_authorizedkeys\nAuthorizedKeysCommandUser nobody\nInclude /etc/ssh/sshd_config.d/*.conf\n",
    );
    assert_unknown(&sb, json!({"policy": "FUTURE"}), &["AuthorizedKeysCommand"]);
}

#[test]
fn lockout_become_outside_the_sshd_session_is_judged_by_ansibles_connection() {
    // run0 / systemd-run: the module is no descendant of sshd
    let sb = ssh_host(&[rsa_key(2048)]);
    sb.outside_ssh("admin", 1000, 2222);
    // without the action plugin's hint: today's detection (not over SSH, warned)
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "FUTURE", "_ansible_check_mode": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "not_over_ssh");
    // the hint says SSH as admin on port 2222: the session is found among all sshd processes
    let hint = json!({"transport": "ssh", "host": "h", "port": 2222, "user": "admin", "become_method": "run0"});
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "FUTURE", "_ansible_check_mode": true, "_hardening_connection": hint}),
    );
    assert_eq!(r["failed"], true, "{r}");
    assert_eq!(r["lockout_check"], "refused", "{r}");
    assert!(r["msg"].as_str().unwrap().contains("10.0.0.10"), "{r}");
    // a session that cannot be found while Ansible says SSH: unknown, never not_over_ssh
    let mut h2 = hint.clone();
    h2["user"] = json!("root");
    assert_unknown(
        &sb,
        json!({"policy": "FUTURE", "_hardening_connection": h2}),
        &[
            "Ansible connects over SSH",
            "run0",
            "no sshd session of root was found",
        ],
    );
    // Ansible's port is not sshd's (a published or NAT port): the user's one session is it
    let mut h3 = hint.clone();
    h3["port"] = json!(22222);
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "FUTURE", "_ansible_check_mode": true, "_hardening_connection": h3}),
    );
    assert_eq!(r["lockout_check"], "refused", "{r}");
    // the hint is checked like any argument
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "FUTURE", "_hardening_connection": {"transport": "ssh", "sure": 1}}),
    );
    assert_eq!(r["failed"], true);
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("_hardening_connection: unknown key sure"),
        "{r}"
    );
}

#[test]
fn lockout_not_over_ssh_is_not_guarded_but_warned() {
    let sb = host(false);
    sb.file("/etc/ssh/sshd_config", "Port 22\n");
    let r = sb.run("crypto_policy", json!({"policy": "FUTURE"}));
    ok(&r);
    assert_eq!(r["lockout_check"], "not_over_ssh");
}

#[test]
fn lockout_a_custom_policy_of_the_same_task_is_judged_as_written() {
    // a custom policy that keeps only Ed25519, for a user with ECDSA keys only
    let sb = ssh_host(&[hardening_rhel_tests::ECDSA_KEY.to_string()]);
    let r = sb.run(
        "crypto_policy",
        json!({"policy": "EDONLY", "custom_policies": [{"name": "EDONLY", "content": "sign = EDDSA-ED25519\nmin_rsa_size = 2048\n"}]}),
    );
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("ecdsa-sha2-nistp256 is not in PubkeyAcceptedAlgorithms"),
        "{r}"
    );
    assert!(
        !sb.exists("/etc/crypto-policies/policies/EDONLY.pol"),
        "nothing written"
    );
}

/// `applied_at`: a policy change waits for the next boot on a host, for the first boot in an
/// image being built (bootc's directory, no boot entries).
#[test]
fn applied_at_next_boot_or_first_boot() {
    let sb = host(false);
    let r = sb.run("crypto_policy", json!({"policy": "DEFAULT:NO-SHA1"}));
    ok(&r);
    assert_eq!(r["applied_at"], "next_boot", "{r}");
    let sb = host(false);
    sb.dir("/usr/lib/bootc/kargs.d");
    let r = sb.run("crypto_policy", json!({"policy": "DEFAULT:NO-SHA1"}));
    ok(&r);
    assert_eq!(r["applied_at"], "first_boot", "{r}");
}

/// Each generation of upstream's definitions (2023-08: RHEL 8.10 / 9.3's package date;
/// 2024-12: RHEL 9.6 / 10.0's; 2026-02: RHEL 10.1+, the image's): every policy and subpolicy
/// it ships is accepted in check mode; a name of another generation is refused naming it, nothing
/// written; a policy only that generation has is set for real and a second run changes nothing.
#[test]
fn each_generation_accepts_its_own_names_and_refuses_the_others() {
    let sets: &[(&str, &str, &str)] = &[
        // (fixture set, a subpolicy it lacks, a subpolicy only it has among the three)
        (
            "tests/fixtures/crypto-policies-history/2023-08-07",
            "TEST-PQ",
            "FEDORA32",
        ),
        (
            "tests/fixtures/crypto-policies-history/2024-12-18",
            "NO-PQ",
            "TEST-PQ",
        ),
        ("tests/fixtures/crypto-policies", "FEDORA32", "NO-PQ"),
    ];
    for (set, lacks, has) in sets {
        let sb = Sandbox::new();
        sb.with_crypto_policies_from(set);
        let dir = hardening_rhel_tests::repo().join(set).join("policies");
        let names = |d: &std::path::Path, ext: &str| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .filter_map(|e| {
                    let n = e.unwrap().file_name().to_string_lossy().into_owned();
                    n.strip_suffix(ext).map(str::to_string)
                })
                .collect();
            v.sort();
            v
        };
        let policies = names(&dir, ".pol");
        let modules = names(&dir.join("modules"), ".pmod");
        assert!(policies.len() >= 9 && modules.len() >= 9, "{set}");
        let mut asked: Vec<String> = policies.clone();
        asked.extend(modules.iter().map(|m| format!("DEFAULT:{m}")));
        for p in &asked {
            let r = sb.run(
                "crypto_policy",
                json!({"policy": p, "_ansible_check_mode": true}),
            );
            assert_eq!(r["failed"], Value::Null, "{set} {p}: {r}");
            assert_eq!(r["changed"], p != "DEFAULT", "{set} {p}: {r}");
        }
        assert!(calls(&sb).is_empty(), "{set}: check mode ran the tool");
        let before = sb.snapshot();
        let r = sb.run(
            "crypto_policy",
            json!({"policy": format!("DEFAULT:{lacks}")}),
        );
        assert_eq!(r["failed"], true, "{set}: {r}");
        let msg = r["msg"].as_str().unwrap();
        assert!(
            msg.contains(&format!("{lacks} is not an installed subpolicy")),
            "{set}: {msg}"
        );
        assert_eq!(sb.snapshot(), before, "{set}: a refusal wrote something");
        let want = format!("DEFAULT:{has}");
        let r = sb.run("crypto_policy", json!({ "policy": want }));
        assert_eq!(ok(&r)["changed"], true, "{set}");
        assert_eq!(tool(&sb, &["--show"]).1, format!("{want}\n"), "{set}");
        let r = sb.run("crypto_policy", json!({ "policy": want }));
        assert_eq!(ok(&r)["changed"], false, "{set}: {r}");
    }
}
