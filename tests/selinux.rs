//! hardening.rhel.selinux, the real binary, against sandbox roots.

use hardening_rhel_tests::Sandbox;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;

/// /etc/selinux/config as RHEL 9 installs it.
const RHEL9: &str = include_str!("fixtures/selinux/rhel9-config");

/// A RHEL-like host: targeted and mls installed, SELinux enabled in the kernel (`enforce`).
fn host(config: &str, enforce: Option<&str>) -> Sandbox {
    let sb = Sandbox::new();
    sb.file("/etc/selinux/config", config)
        .dir("/etc/selinux/targeted/policy")
        .dir("/etc/selinux/mls/policy")
        .file(
            "/proc/sys/kernel/random/boot_id",
            "11111111-2222-3333-4444-555555555555\n",
        );
    if let Some(v) = enforce {
        sb.file("/sys/fs/selinux/enforce", v);
    }
    sb
}

fn ok(v: &Value) -> &Value {
    assert!(v.get("failed").is_none(), "module failed: {v}");
    v
}

#[test]
fn enforcing_to_permissive_at_runtime_then_idempotent() {
    let sb = host(RHEL9, Some("1"));
    let r = sb.run(
        "selinux",
        json!({"state": "permissive", "_ansible_diff": true}),
    );
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["runtime_state"], "permissive");
    assert_eq!(r["reboot_required"], false);
    assert_eq!(r["autorelabel"], false);
    assert_eq!(
        sb.read("/etc/selinux/config").unwrap(),
        RHEL9.replace("SELINUX=enforcing", "SELINUX=permissive")
    );
    assert_eq!(sb.read("/sys/fs/selinux/enforce").unwrap(), "0");
    assert!(!sb.exists("/.autorelabel"));
    let diffs = r["diff"].as_array().unwrap();
    assert_eq!(diffs[0]["before_header"], "/etc/selinux/config");
    assert!(diffs[0]["after"]
        .as_str()
        .unwrap()
        .contains("SELINUX=permissive"));
    assert_eq!(diffs[1]["after"], "permissive\n");

    let again = sb.run("selinux", json!({"state": "permissive"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");
    assert_eq!(again["reboot_required"], false);
}

#[test]
fn check_mode_writes_nothing_and_reports_the_same_plan() {
    let sb = host(RHEL9, Some("1"));
    let before = sb.snapshot();
    let r = sb.run("selinux", json!({"state": "disabled", "policy": "mls", "_ansible_check_mode": true, "_ansible_diff": true}));
    ok(&r);
    sb.assert_unchanged(&before);
    assert_eq!(r["changed"], true);
    assert_eq!(r["reboot_required"], true);
    assert_eq!(r["runtime_state"], "permissive");
    assert!(r["msg"].as_str().unwrap().contains("would be"), "{r}");
    let check_diff = r["diff"].clone();
    // the real run does exactly what check mode announced
    let real = sb.run(
        "selinux",
        json!({"state": "disabled", "policy": "mls", "_ansible_diff": true}),
    );
    assert_eq!(real["diff"], check_diff);
    assert_eq!(real["changed"], true);
}

#[test]
fn disabled_kernel_to_enforcing_schedules_relabel_and_stays_reboot_required() {
    let sb = host(
        &RHEL9.replace("SELINUX=enforcing", "SELINUX=disabled"),
        None,
    );
    sb.file(
        "/etc/selinux/targeted/contexts/files/file_contexts",
        "/\\.autorelabel\t--\tsystem_u:object_r:etc_runtime_t:s0\n",
    );
    let r = sb.run("selinux", json!({"state": "enforcing"}));
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["runtime_state"], "disabled");
    assert_eq!(r["reboot_required"], true);
    assert_eq!(r["autorelabel"], true);
    assert!(sb.exists("/.autorelabel"));
    // made while SELinux is off, the marker still carries the policy's label for it (on a file
    // system without labels there is nothing to carry: the probe tells which this one is)
    let probe = sb.path("/label-probe");
    std::fs::write(&probe, "").unwrap();
    kit::fs::label_file(&probe, b"system_u:object_r:etc_t:s0").unwrap();
    let labels_kept = kit::fs::get_label(&probe).unwrap().is_some();
    std::fs::remove_file(&probe).unwrap();
    let label = kit::fs::get_label(&sb.path("/.autorelabel")).unwrap();
    if labels_kept {
        assert_eq!(
            label.as_deref(),
            Some(&b"system_u:object_r:etc_runtime_t:s0"[..])
        );
    } else {
        assert_eq!(label, None);
    }
    let again = sb.run("selinux", json!({"state": "enforcing"}));
    assert_eq!(ok(&again)["changed"], false);
    assert_eq!(
        again["reboot_required"], true,
        "still true until the reboot happened"
    );
    // autorelabel: false schedules nothing
    let sb2 = host(
        &RHEL9.replace("SELINUX=enforcing", "SELINUX=disabled"),
        None,
    );
    let r = sb2.run(
        "selinux",
        json!({"state": "enforcing", "autorelabel": "no"}),
    );
    assert_eq!(ok(&r)["autorelabel"], false);
    assert!(!sb2.exists("/.autorelabel"));
    // no file_contexts to take the marker's label from: said
    let sb3 = host(
        &RHEL9.replace("SELINUX=enforcing", "SELINUX=disabled"),
        None,
    );
    let r = sb3.run("selinux", json!({"state": "enforcing"}));
    assert!(
        ok(&r)["warnings"].to_string().contains("stays unlabelled"),
        "{r}"
    );
}

#[test]
fn marker_left_by_the_mark_service_while_disabled_is_labelled_once() {
    // selinux-autorelabel-mark.service touches /.autorelabel at every boot without SELinux
    let sb = host(
        &RHEL9.replace("SELINUX=enforcing", "SELINUX=disabled"),
        None,
    );
    sb.file("/.autorelabel", "").file(
        "/etc/selinux/targeted/contexts/files/file_contexts",
        "/\\.autorelabel\t--\tsystem_u:object_r:etc_runtime_t:s0\n",
    );
    let probe = sb.path("/label-probe");
    std::fs::write(&probe, "").unwrap();
    kit::fs::label_file(&probe, b"x").unwrap();
    if kit::fs::get_label(&probe).unwrap().is_none() {
        eprintln!("this file system keeps no labels: nothing to check");
        return;
    }
    std::fs::remove_file(&probe).unwrap();
    let check = sb.run(
        "selinux",
        json!({"state": "enforcing", "_ansible_check_mode": true}),
    );
    assert!(
        ok(&check)["msg"]
            .as_str()
            .unwrap()
            .contains("/.autorelabel would be labelled system_u:object_r:etc_runtime_t:s0"),
        "{check}"
    );
    assert_eq!(kit::fs::get_label(&sb.path("/.autorelabel")).unwrap(), None);
    let r = sb.run("selinux", json!({"state": "enforcing"}));
    assert_eq!(ok(&r)["changed"], true);
    assert_eq!(
        kit::fs::get_label(&sb.path("/.autorelabel"))
            .unwrap()
            .as_deref(),
        Some(&b"system_u:object_r:etc_runtime_t:s0"[..])
    );
    let again = sb.run("selinux", json!({"state": "enforcing"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");
}

#[test]
fn policy_type_change_reboot_required_until_the_reboot() {
    let sb = host(RHEL9, Some("1"));
    let r = sb.run("selinux", json!({"state": "enforcing", "policy": "mls"}));
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["policy"], "mls");
    assert_eq!(r["reboot_required"], true);
    assert!(sb.exists("/.autorelabel"));
    assert!(sb
        .read("/etc/selinux/config")
        .unwrap()
        .contains("\nSELINUXTYPE=mls\n"));
    let again = sb.run("selinux", json!({"state": "enforcing", "policy": "mls"}));
    assert_eq!(ok(&again)["changed"], false);
    assert_eq!(again["reboot_required"], true);
    // a reboot: new boot id, the recorded loaded type no longer applies
    sb.file(
        "/proc/sys/kernel/random/boot_id",
        "99999999-2222-3333-4444-555555555555\n",
    );
    std::fs::remove_file(sb.path("/.autorelabel")).unwrap(); // the relabel boot consumed it
    let after = sb.run("selinux", json!({"state": "enforcing", "policy": "mls"}));
    assert_eq!(ok(&after)["changed"], false);
    assert_eq!(after["reboot_required"], false);
}

#[test]
fn bad_input_fails_naming_the_parameter_and_writes_nothing() {
    let sb = host(RHEL9, Some("1"));
    let before = sb.snapshot();
    let cases = [
        (
            json!({"state": "enforce"}),
            "value of state must be one of: enforcing, permissive, disabled, got: enforce",
        ),
        (json!({"state": ["enforcing"]}), "state must be a string"),
        (
            json!({"state": "enforcing", "polcy": "mls"}),
            "Unsupported parameters for (hardening.rhel.selinux) module: polcy",
        ),
        (
            json!({"state": "enforcing", "policy": "minimum"}),
            "got: minimum; installed: mls, targeted",
        ),
        (
            json!({"state": "enforcing", "policy": "../../tmp"}),
            "policy must be the name of a policy directory",
        ),
        (
            json!({"state": "enforcing", "autorelabel": "perhaps"}),
            "autorelabel must be a boolean",
        ),
        (
            json!({"state": "enforcing", "configfile": "config"}),
            "configfile must be an absolute path",
        ),
        (json!({}), "missing required arguments: state"),
    ];
    for (args, want) in cases {
        let r = sb.run("selinux", args.clone());
        assert_eq!(r["failed"], true, "{args} → {r}");
        assert_eq!(r["changed"], false);
        let msg = r["msg"].as_str().unwrap();
        assert!(msg.contains(want), "{args}: {msg}");
    }
    sb.assert_unchanged(&before);
}

#[test]
fn unknown_ansible_keys_accepted_and_adhoc_strings_coerced() {
    let sb = host(RHEL9, Some("1"));
    let r = sb.run(
        "selinux",
        json!({"state": "enforcing", "backup": "no", "autorelabel": "yes",
               "_ansible_check_mode": false, "_ansible_version": "2.19.0", "_ansible_brand_new_key": {"x": 1}}),
    );
    assert_eq!(ok(&r)["changed"], false);
}

#[test]
fn backup_keeps_the_old_file_and_mode_is_preserved() {
    let sb = host(RHEL9, Some("1"));
    std::fs::set_permissions(
        sb.path("/etc/selinux/config"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let r = sb.run("selinux", json!({"state": "permissive", "backup": true}));
    ok(&r);
    let backup = r["backup_file"].as_str().expect("backup_file returned");
    assert!(
        backup.starts_with(sb.path("/etc/selinux/config.").to_str().unwrap()),
        "{backup}"
    );
    assert!(backup.ends_with('~'));
    assert_eq!(std::fs::read_to_string(backup).unwrap(), RHEL9);
    let mode = std::fs::metadata(sb.path("/etc/selinux/config"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn missing_config_created_and_symlinked_config_followed() {
    let sb = host("", Some("0"));
    std::fs::remove_file(sb.path("/etc/selinux/config")).unwrap();
    let r = sb.run(
        "selinux",
        json!({"state": "permissive", "policy": "targeted"}),
    );
    ok(&r);
    let text = sb.read("/etc/selinux/config").unwrap();
    assert!(
        text.contains("\nSELINUX=permissive\n") && text.contains("\nSELINUXTYPE=targeted\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::metadata(sb.path("/etc/selinux/config"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o644
    );

    // RHEL's /etc/sysconfig/selinux is a link to ../selinux/config: the link stays a link.
    std::fs::create_dir_all(sb.path("/etc/sysconfig")).unwrap();
    std::os::unix::fs::symlink("../selinux/config", sb.path("/etc/sysconfig/selinux")).unwrap();
    let r = sb.run(
        "selinux",
        json!({"state": "enforcing", "conf": "/etc/sysconfig/selinux"}),
    );
    ok(&r);
    assert!(sb
        .path("/etc/sysconfig/selinux")
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(sb
        .read("/etc/selinux/config")
        .unwrap()
        .contains("\nSELINUX=enforcing\n"));
    assert_eq!(sb.read("/sys/fs/selinux/enforce").unwrap(), "1");
}

#[test]
fn duplicate_lines_normalised_once() {
    let sb = host(
        "SELINUX=permissive\nSELINUXTYPE=targeted\nSELINUX=enforcing\n",
        Some("0"),
    );
    let r = sb.run("selinux", json!({"state": "permissive"}));
    assert_eq!(ok(&r)["changed"], true);
    assert_eq!(
        sb.read("/etc/selinux/config").unwrap(),
        "SELINUX=permissive\nSELINUXTYPE=targeted\n#SELINUX=enforcing\n"
    );
    assert_eq!(
        sb.run("selinux", json!({"state": "permissive"}))["changed"],
        false
    );
}

#[test]
fn argv_without_args_file_gives_json_failure() {
    let out = std::process::Command::new(hardening_rhel_tests::bin_dir().join("selinux"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["failed"], true);
    assert!(!out.status.success());
}

#[test]
fn rhel9_disable_writes_selinux0_for_every_kernel_and_enable_removes_it() {
    let sb = host(RHEL9, Some("1"));
    let entry = std::fs::read_to_string(
        hardening_rhel_tests::repo().join("tests/fixtures/boot/rhel9-entry.conf"),
    )
    .unwrap()
    .replace("KVER", "5.14.0-427.el9.x86_64");
    sb.file("/etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n")
        .file(
            "/boot/loader/entries/abc-5.14.0-427.el9.x86_64.conf",
            &entry,
        )
        .file("/etc/kernel/cmdline", "root=/dev/mapper/rhel-root ro\n")
        .file(
            "/etc/default/grub",
            "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"rhgb quiet\"\n",
        );
    let r = sb.run(
        "selinux",
        json!({"state": "disabled", "_ansible_diff": true}),
    );
    ok(&r);
    assert_eq!(r["reboot_required"], true);
    assert!(sb
        .read("/boot/loader/entries/abc-5.14.0-427.el9.x86_64.conf")
        .unwrap()
        .contains("rhgb quiet $tuned_params selinux=0\n"));
    assert_eq!(
        sb.read("/etc/kernel/cmdline").unwrap(),
        "root=/dev/mapper/rhel-root ro selinux=0\n"
    );
    assert!(sb
        .read("/etc/default/grub")
        .unwrap()
        .contains("GRUB_CMDLINE_LINUX=\"rhgb quiet selinux=0\"\n"));
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("kernel arguments +selinux=0"),
        "{r}"
    );
    assert_eq!(
        ok(&sb.run("selinux", json!({"state": "disabled"})))["changed"],
        false
    );
    // back to enforcing: the argument goes
    ok(&sb.run("selinux", json!({"state": "enforcing"})));
    assert_eq!(
        sb.read("/etc/kernel/cmdline").unwrap(),
        "root=/dev/mapper/rhel-root ro\n"
    );
    assert!(!sb
        .read("/boot/loader/entries/abc-5.14.0-427.el9.x86_64.conf")
        .unwrap()
        .contains("selinux=0"));
}

#[test]
fn a_panic_is_a_json_failure_that_says_whether_something_changed() {
    let sb = Sandbox::new();
    for (after_change, changed) in [(false, false), (true, true)] {
        let args = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            args.path(),
            json!({"after_change": after_change}).to_string(),
        )
        .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_panic_probe"))
            .arg(args.path())
            .arg("--sandbox-root")
            .arg(sb.root())
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
        assert_eq!(v["failed"], true);
        assert_eq!(v["changed"], changed);
        let msg = v["msg"].as_str().unwrap();
        assert!(
            msg.starts_with("hardening.rhel.panic_probe crashed (this is a bug"),
            "{msg}"
        );
        assert!(msg.contains("index 3 is out of range, on purpose"), "{msg}");
        assert!(!out.status.success());
    }
}

#[test]
fn selinux_0_without_bls_entries_goes_into_the_regenerated_grub_menu() {
    let sb = host(RHEL9, Some("1"));
    sb.file(
        "/etc/os-release",
        "ID=\"rhel\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.4\"\n",
    )
    .file(
        "/etc/default/grub",
        "GRUB_CMDLINE_LINUX=\"rhgb quiet\"\nGRUB_ENABLE_BLSCFG=false\n",
    )
    .dir("/lib/modules/5.14.0-427.el9.x86_64")
    .dir("/boot/grub2")
    .copy(
        "tests/fixtures/boot/fake-grub2-mkconfig",
        "/usr/sbin/grub2-mkconfig",
    );
    assert_eq!(
        sb.tool("/usr/sbin/grub2-mkconfig", &["-o", "/boot/grub2/grub.cfg"])
            .0,
        0
    );
    let r = sb.run("selinux", json!({"state": "disabled"}));
    ok(&r);
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("boot menu regenerated (/usr/sbin/grub2-mkconfig -o /boot/grub2/grub.cfg)"),
        "{r}"
    );
    assert_eq!(r["reboot_required"], true);
    let menu = sb.read("/boot/grub2/grub.cfg").unwrap();
    assert_eq!(menu.matches("selinux=0").count(), 2, "{menu}");
    assert_eq!(sb.calls("grub2-mkconfig").len(), 2);
    let again = sb.run("selinux", json!({"state": "disabled"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");
    assert_eq!(sb.calls("grub2-mkconfig").len(), 2);

    // back to enforcing: selinux=0 leaves /etc/default/grub and the menu
    let on = sb.run("selinux", json!({"state": "enforcing"}));
    ok(&on);
    assert!(!sb
        .read("/boot/grub2/grub.cfg")
        .unwrap()
        .contains("selinux="));
    assert!(!sb.read("/etc/default/grub").unwrap().contains("selinux="));
    assert_eq!(sb.calls("grub2-mkconfig").len(), 3);
}

#[test]
fn lockout_enforcing_with_sshd_on_an_unlabelled_port_is_refused_until_labelled() {
    let sb = host(
        &RHEL9.replace("SELINUX=enforcing", "SELINUX=permissive"),
        Some("0"),
    );
    sb.over_ssh("admin", 1000, 2222)
        .file("/etc/ssh/sshd_config", "Port 2222\n");
    let before = sb.snapshot();
    for check in [true, false] {
        let r = sb.run(
            "selinux",
            json!({"state": "enforcing", "_ansible_check_mode": check}),
        );
        assert_eq!(r["failed"], true, "{r}");
        let msg = r["msg"].as_str().unwrap();
        assert!(
            msg.contains(
                "tcp port 2222 (sshd listens on it) is not labelled ssh_port_t in policy targeted"
            ),
            "{msg}"
        );
        assert!(
            msg.contains("10.0.0.10") && msg.contains("allow_lockout"),
            "{msg}"
        );
    }
    sb.assert_unchanged(&before);
    // semanage port -a -t ssh_port_t -p tcp 2222 (the policy store's ports.local)
    sb.file(
        "/var/lib/selinux/targeted/active/ports.local",
        "# This file is auto-generated by libsemanage\nportcon tcp 2222 system_u:object_r:ssh_port_t:s0\n",
    );
    let r = sb.run("selinux", json!({"state": "enforcing"}));
    ok(&r);
    assert_eq!(r["lockout_check"], "passed");
    assert_eq!(sb.read("/sys/fs/selinux/enforce").unwrap(), "1");
}

#[test]
fn lockout_allow_lockout_overrides_and_a_missing_policy_is_refused_even_locally() {
    let sb = host(
        &RHEL9.replace("SELINUX=enforcing", "SELINUX=permissive"),
        Some("0"),
    );
    sb.over_ssh("admin", 1000, 2222)
        .file("/etc/ssh/sshd_config", "Port 2222\n");
    let r = sb.run(
        "selinux",
        json!({"state": "enforcing", "allow_lockout": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "overridden");
    assert!(r["warnings"].to_string().contains("tcp port 2222"), "{r}");

    // not over SSH: the port is a warning, a policy type that is not installed still refuses
    let sb = host(
        &RHEL9.replace("SELINUX=enforcing", "SELINUX=permissive"),
        Some("0"),
    );
    sb.file("/etc/ssh/sshd_config", "Port 2222\n");
    let r = sb.run("selinux", json!({"state": "enforcing"}));
    ok(&r);
    assert_eq!(r["lockout_check"], "not_over_ssh");
    assert!(r["warnings"].to_string().contains("tcp port 2222"), "{r}");
    std::fs::remove_dir_all(sb.path("/etc/selinux/targeted")).unwrap();
    let r = sb.run("selinux", json!({"state": "enforcing"}));
    assert_eq!(r["failed"], true);
    assert!(r["msg"].as_str().unwrap().contains("allow_lockout"), "{r}");
    let r = sb.run(
        "selinux",
        json!({"state": "enforcing", "allow_lockout": true}),
    );
    ok(&r);
    assert_eq!(r["lockout_check"], "overridden");
}

/// A root that is not the booted system's (a chroot: `/proc/1/root` is another directory; an
/// offline root: no /proc): the selinuxfs it sees is the host's. Only the configuration is
/// written; the running mode is neither read nor switched, and the result says so.
#[test]
fn chroot_and_offline_roots_never_touch_the_running_mode() {
    let host_root = tempfile::tempdir().unwrap();
    for init_root in [Some(host_root.path()), None] {
        let sb = host(RHEL9, Some("1"));
        sb.chroot(init_root);
        let r = sb.run("selinux", json!({"state": "permissive"}));
        ok(&r);
        assert_eq!(r["changed"], true);
        assert_eq!(
            sb.read("/etc/selinux/config").unwrap(),
            RHEL9.replace("SELINUX=enforcing", "SELINUX=permissive")
        );
        assert_eq!(
            sb.read("/sys/fs/selinux/enforce").unwrap(),
            "1",
            "the host's running mode was switched ({init_root:?}): {r}"
        );
        let warned = r["warnings"].to_string();
        assert!(
            warned.contains("not the booted system's root") || warned.contains("offline root"),
            "{r}"
        );
        // idempotent there too
        let again = sb.run("selinux", json!({"state": "permissive"}));
        assert_eq!(ok(&again)["changed"], false, "{again}");
        assert_eq!(sb.read("/sys/fs/selinux/enforce").unwrap(), "1");
    }
}

/// An image-mode (bootc) image being built, RHEL 9: the build host's selinuxfs is not read (nor
/// switched), no relabel marker is made, `selinux=0` goes to a kargs.d file of this module's
/// own when disabling and goes again when enabling; results say first boot. Another kargs.d
/// file passing enforcing=0 makes enabling refuse, naming it, with nothing changed.
#[test]
fn image_build_uses_kargs_d_and_applies_at_first_boot() {
    let kargs = "/usr/lib/bootc/kargs.d/40-hardening-selinux.toml";
    let sb = host(RHEL9, Some("1"));
    sb.file(
        "/etc/os-release",
        "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.6\"\n",
    )
    .dir("/usr/lib/bootc/install");
    let r = sb.run("selinux", json!({"state": "disabled"}));
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(
        sb.read(kargs).unwrap(),
        "# hardening.rhel selinux: SELinux disabled from the first boot of this image\nkargs = [\"selinux=0\"]\n"
    );
    assert_eq!(
        sb.read("/sys/fs/selinux/enforce").unwrap(),
        "1",
        "the build host's mode"
    );
    assert_eq!(r["applied_at"], "first_boot", "{r}");
    assert_eq!(r["reboot_required"], false);
    assert!(r["msg"].as_str().unwrap().contains("first boot"), "{r}");
    let again = sb.run("selinux", json!({"state": "disabled"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");

    let on = sb.run("selinux", json!({"state": "enforcing"}));
    ok(&on);
    assert!(!sb.exists(kargs), "{on}");
    assert!(
        !sb.exists("/.autorelabel"),
        "an image's labels come from its build"
    );
    assert_eq!(sb.read("/sys/fs/selinux/enforce").unwrap(), "1");
    assert_eq!(on["reboot_required"], false);
    let again = sb.run("selinux", json!({"state": "enforcing"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");

    // someone else's kargs.d file keeps SELinux permissive at boot: refused, nothing changed
    sb.file(
        "/usr/lib/bootc/kargs.d/10-debug.toml",
        "# debugging\nkargs = [\"console=ttyS0\", \"enforcing=0\"]\n",
    );
    sb.file(
        "/etc/selinux/config",
        RHEL9
            .replace("SELINUX=enforcing", "SELINUX=permissive")
            .as_str(),
    );
    let snap = sb.snapshot();
    let r = sb.run("selinux", json!({"state": "enforcing"}));
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("10-debug.toml (enforcing=0)"),
        "{r}"
    );
    sb.assert_unchanged(&snap);
}
