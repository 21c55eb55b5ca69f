//! hardening.rhel.fips, the real binary, against sandbox roots modelled on RHEL 8, 9 and 10 hosts:
//! BLS entries (literal options on 9/10, `$kernelopts` + grubenv on 8, a rescue entry, two
//! kernels), /etc/kernel/cmdline, /etc/default/grub, the crypto-policies layout, and the
//! stand-ins for dracut, lsinitrd and update-crypto-policies (molecule/image/rootfs/usr/bin).

use hardening_rhel_tests::{repo, Sandbox};
use serde_json::{json, Value};

const KERNELS: [&str; 2] = ["5.14.0-362.el9.x86_64", "5.14.0-427.el9.x86_64"];
const ENTRIES: &str = "/boot/loader/entries";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/boot").join(name)).unwrap()
}

fn grubenv(kernelopts: &str) -> String {
    let mut env = format!(
        "# GRUB Environment Block\nsaved_entry=x\nkernelopts={kernelopts}\nboot_success=0\n"
    );
    env.push_str(&"#".repeat(1024 - env.len()));
    env
}

/// A RHEL `major` host, FIPS off everywhere.
fn host(major: u32) -> Sandbox {
    let sb = Sandbox::new();
    sb.with_crypto_policies()
        .copy("molecule/image/rootfs/usr/bin/dracut", "/usr/bin/dracut")
        .copy("molecule/image/rootfs/usr/bin/lsinitrd", "/usr/bin/lsinitrd")
        .file(
            "/etc/os-release",
            &format!("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"{major}.4\"\nPRETTY_NAME=\"Red Hat Enterprise Linux {major}.4\"\n"),
        )
        .file("/proc/cmdline", "BOOT_IMAGE=(hd0,msdos1)/vmlinuz root=/dev/mapper/rhel-root ro rhgb quiet\n")
        .file("/etc/default/grub", &fixture("default-grub"))
        .file("/etc/kernel/cmdline", "root=/dev/mapper/rhel-root ro rhgb quiet\n");
    let entry = if major == 8 {
        fixture("rhel8-entry.conf")
    } else {
        fixture("rhel9-entry.conf")
    };
    for k in KERNELS {
        sb.dir(&format!("/lib/modules/{k}")).file(
            &format!("{ENTRIES}/abc-{k}.conf"),
            &entry.replace("KVER", k),
        );
    }
    sb.file(
        &format!("{ENTRIES}/abc-0-rescue.conf"),
        &entry.replace("KVER", "0-rescue-abc"),
    );
    if major == 8 {
        sb.file(
            "/boot/grub2/grubenv",
            &grubenv("root=/dev/mapper/rhel-root ro crashkernel=auto rhgb quiet"),
        );
    }
    // initramfs images without the fips module
    assert_eq!(sb.tool("/usr/bin/dracut", &["-f", "--regenerate-all"]).0, 0);
    sb.clear_calls();
    sb
}

fn ok(v: &Value) -> &Value {
    assert!(v.get("failed").is_none(), "module failed: {v}");
    v
}

fn entry(sb: &Sandbox, k: &str) -> String {
    sb.read(&format!("{ENTRIES}/abc-{k}.conf")).unwrap()
}

fn lsinitrd_has_fips(sb: &Sandbox, k: &str) -> bool {
    sb.tool(
        "/usr/bin/lsinitrd",
        &["-m", &format!("/boot/initramfs-{k}.img")],
    )
    .1
    .lines()
    .any(|l| l == "fips")
}

#[test]
fn enable_on_rhel9_then_idempotent_then_reboot() {
    let sb = host(9);
    let r = sb.run("fips", json!({"state": "enabled", "_ansible_diff": true}));
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["fips_enabled"], false);
    assert_eq!(r["configured"], true);
    assert_eq!(
        r["consistent"], false,
        "the kernel is not in FIPS mode until the reboot"
    );
    assert_eq!(r["reboot_required"], true);
    assert_eq!(
        r["signals"],
        json!({"kernel": false, "initramfs": true, "crypto_policy": true, "boot_args": true})
    );
    // every piece on disk
    assert_eq!(
        sb.read("/etc/dracut.conf.d/40-fips.conf").unwrap(),
        "add_dracutmodules+=\" fips \"\n"
    );
    assert_eq!(sb.calls("dracut"), vec!["-f --regenerate-all"]);
    for k in KERNELS {
        assert!(lsinitrd_has_fips(&sb, k), "{k}");
        assert!(
            entry(&sb, k).contains("rhgb quiet $tuned_params fips=1\n"),
            "{}",
            entry(&sb, k)
        );
    }
    assert!(sb
        .read(&format!("{ENTRIES}/abc-0-rescue.conf"))
        .unwrap()
        .contains(" fips=1\n"));
    assert_eq!(
        sb.read("/etc/kernel/cmdline").unwrap(),
        "root=/dev/mapper/rhel-root ro rhgb quiet fips=1\n"
    );
    assert!(sb
        .read("/etc/default/grub")
        .unwrap()
        .contains("rhgb quiet fips=1\"\n"));
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "FIPS\n"
    );
    assert_eq!(
        sb.calls("update-crypto-policies"),
        vec!["--set FIPS --no-reload"]
    );
    assert!(!sb.exists("/etc/system-fips"), "RHEL 8 only");
    assert!(!r["steps"].as_array().unwrap().is_empty());
    assert!(r["diff"].as_array().unwrap().len() >= 7);

    // second run: nothing to do, no program run (images are newer than the dracut config)
    sb.clear_calls();
    let again = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");
    assert_eq!(again["reboot_required"], true);
    assert!(
        sb.calls("dracut").is_empty()
            && sb.calls("lsinitrd").is_empty()
            && sb.calls("update-crypto-policies").is_empty()
    );

    // the reboot: the kernel comes up with fips=1
    sb.file("/proc/sys/crypto/fips_enabled", "1\n");
    let after = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(ok(&after)["changed"], false);
    assert_eq!(after["reboot_required"], false);
    assert_eq!(after["consistent"], true);
    assert_eq!(after["fips_enabled"], true);
}

#[test]
fn enable_on_rhel8_uses_grubenv_and_system_fips() {
    let sb = host(8);
    let r = sb.run("fips", json!({"state": "enabled"}));
    ok(&r);
    let env = sb.read("/boot/grub2/grubenv").unwrap();
    assert_eq!(env.len(), 1024);
    assert!(
        env.contains(
            "\nkernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto rhgb quiet fips=1\n"
        ),
        "{env}"
    );
    assert!(env.contains("\nsaved_entry=x\n") && env.contains("\nboot_success=0\n"));
    for k in KERNELS {
        assert!(
            entry(&sb, k).contains("options $kernelopts $tuned_params\n"),
            "entries keep $kernelopts"
        );
    }
    assert!(sb.exists("/etc/system-fips"));
    for k in KERNELS {
        assert!(lsinitrd_has_fips(&sb, k), "{k}");
    }
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "FIPS\n"
    );
    assert_eq!(
        ok(&sb.run("fips", json!({"state": "enabled"})))["changed"],
        false
    );
}

#[test]
fn existing_fips_subpolicies_are_kept() {
    let sb = host(9);
    assert_eq!(
        sb.tool(
            "/usr/bin/update-crypto-policies",
            &["--set", "FIPS:OSPP", "--no-reload"]
        )
        .0,
        0
    );
    sb.clear_calls();
    let r = sb.run("fips", json!({"state": "enabled"}));
    ok(&r);
    assert!(
        sb.calls("update-crypto-policies").is_empty(),
        "FIPS:OSPP is already a FIPS policy"
    );
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "FIPS:OSPP\n"
    );
}

#[test]
fn separate_boot_gets_boot_uuid() {
    let sb = host(9);
    sb.file(
        "/proc/self/mountinfo",
        "22 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/rhel-root rw\n\
         60 22 252:1 / /boot rw,relatime shared:29 - xfs /dev/vda1 rw\n",
    )
    .dir("/dev/disk/by-uuid");
    std::os::unix::fs::symlink(
        "../../vda1",
        sb.path("/dev/disk/by-uuid/0f6b2c7e-1d5a-4c3e-9b1a-5e2f8d7c6b4a"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        "../../dm-0",
        sb.path("/dev/disk/by-uuid/11111111-2222-3333-4444-555555555555"),
    )
    .unwrap();
    ok(&sb.run("fips", json!({"state": "enabled"})));
    assert!(
        entry(&sb, KERNELS[0]).contains(" fips=1 boot=UUID=0f6b2c7e-1d5a-4c3e-9b1a-5e2f8d7c6b4a\n"),
        "{}",
        entry(&sb, KERNELS[0])
    );
}

#[test]
fn check_mode_writes_nothing_and_runs_nothing() {
    let sb = host(9);
    let before = sb.snapshot();
    let r = sb.run(
        "fips",
        json!({"state": "enabled", "_ansible_check_mode": true, "_ansible_diff": true}),
    );
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["configured"], true);
    assert!(r["steps"][0].as_str().unwrap().starts_with("would "));
    sb.assert_unchanged(&before);
    assert!(sb.calls("dracut").is_empty() && sb.calls("update-crypto-policies").is_empty());
}

#[test]
fn rhel10_refuses_unless_fully_on() {
    let sb = host(10);
    let before = sb.snapshot();
    let r = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(r["failed"], true);
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("not supported by Red Hat on RHEL 10"),
        "{r}"
    );
    sb.assert_unchanged(&before);
    // installed in FIPS mode: kernel, initramfs and policy on
    assert_eq!(
        sb.tool(
            "/usr/bin/update-crypto-policies",
            &["--set", "FIPS", "--no-reload"]
        )
        .0,
        0
    );
    sb.file(
        "/etc/dracut.conf.d/40-fips.conf",
        "add_dracutmodules+=\" fips \"\n",
    );
    assert_eq!(sb.tool("/usr/bin/dracut", &["-f", "--regenerate-all"]).0, 0);
    sb.file("/proc/sys/crypto/fips_enabled", "1\n");
    let r = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(ok(&r)["changed"], false);
    assert_eq!(r["consistent"], true);
}

#[test]
fn refusals_uki_and_argon2_luks() {
    let sb = host(9);
    sb.file(
        "/sys/firmware/efi/efivars/StubInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f",
        "x",
    );
    let before = sb.snapshot();
    let r = sb.run("fips", json!({"state": "enabled"}));
    assert!(
        r["msg"].as_str().unwrap().contains("Unified Kernel Image"),
        "{r}"
    );
    sb.assert_unchanged(&before);
    // OSTree: the same refusal
    let ostree = host(9);
    ostree.file("/run/ostree-booted", "");
    let snap = ostree.snapshot();
    let r2 = ostree.run("fips", json!({"state": "enabled"}));
    assert!(
        r2["msg"].as_str().unwrap().contains("an OSTree deployment"),
        "{r2}"
    );
    ostree.assert_unchanged(&snap);
    // without the boot part it proceeds
    let r = sb.run("fips", json!({"state": "enabled", "boot_config": false}));
    ok(&r);
    assert!(!entry(&sb, KERNELS[0]).contains("fips=1"));

    let sb = host(9);
    let luks = |kdf: &str| {
        let json = format!("{{\"keyslots\":{{\"0\":{{\"type\":\"luks2\",\"kdf\":{{\"type\":\"{kdf}\",\"time\":4}}}}}}}}");
        let mut h = vec![0u8; 16384];
        h[..6].copy_from_slice(b"LUKS\xba\xbe");
        h[6..8].copy_from_slice(&[0, 2]);
        h[8..16].copy_from_slice(&16384u64.to_be_bytes());
        h[4096..4096 + json.len()].copy_from_slice(json.as_bytes());
        h
    };
    sb.file(
        "/etc/crypttab",
        "# <name> <device> <key> <options>\nluks-home UUID=aaaa none luks,discard\n",
    )
    .dir("/dev/disk/by-uuid");
    std::fs::write(sb.path("/dev/disk/by-uuid/aaaa"), luks("argon2id")).unwrap();
    let before = sb.snapshot();
    let r = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(r["failed"], true);
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("/dev/disk/by-uuid/aaaa use the Argon2"),
        "{r}"
    );
    sb.assert_unchanged(&before);
    std::fs::write(sb.path("/dev/disk/by-uuid/aaaa"), luks("pbkdf2")).unwrap();
    ok(&sb.run("fips", json!({"state": "enabled"})));
    // already configured: an Argon2 volume added later is reported, not a failure of every run
    std::fs::write(sb.path("/dev/disk/by-uuid/aaaa"), luks("argon2i")).unwrap();
    let r = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(ok(&r)["changed"], false);
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("Argon2")),
        "{r}"
    );
}

#[test]
fn disable_needs_allow_disable_and_reverts_everything() {
    let sb = host(8);
    ok(&sb.run("fips", json!({"state": "enabled"})));
    let before = sb.snapshot();
    let r = sb.run("fips", json!({"state": "disabled"}));
    assert_eq!(r["failed"], true);
    assert!(r["msg"].as_str().unwrap().contains("allow_disable"), "{r}");
    sb.assert_unchanged(&before);
    let r = sb.run("fips", json!({"state": "disabled", "allow_disable": true}));
    ok(&r);
    assert!(
        r["warnings"][0]
            .as_str()
            .unwrap()
            .contains("does not support"),
        "{r}"
    );
    assert!(!sb.exists("/etc/dracut.conf.d/40-fips.conf") && !sb.exists("/etc/system-fips"));
    assert!(!sb.read("/boot/grub2/grubenv").unwrap().contains("fips=1"));
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "DEFAULT\n"
    );
    for k in KERNELS {
        assert!(!lsinitrd_has_fips(&sb, k));
    }
    assert_eq!(
        r["reboot_required"], false,
        "the kernel never ran in FIPS mode"
    );
    assert_eq!(
        ok(&sb.run("fips", json!({"state": "disabled", "allow_disable": true})))["changed"],
        false
    );
}

#[test]
fn bad_input() {
    let sb = host(9);
    let before = sb.snapshot();
    for (args, want) in [
        (
            json!({"state": "on"}),
            "value of state must be one of: enabled, disabled, got: on",
        ),
        (json!({}), "missing required arguments: state"),
        (
            json!({"state": "enabled", "boot": true}),
            "Unsupported parameters for (hardening.rhel.fips) module: boot",
        ),
        (
            json!({"state": "enabled", "initramfs": "sometimes"}),
            "initramfs must be a boolean",
        ),
    ] {
        let r = sb.run("fips", args.clone());
        assert_eq!(r["failed"], true, "{args}");
        assert!(r["msg"].as_str().unwrap().contains(want), "{args}: {r}");
    }
    sb.assert_unchanged(&before);
}

/// The host without BLS entries (`GRUB_ENABLE_BLSCFG=false`): it boots the menu grub2-mkconfig
/// generates from /etc/default/grub (the test fake of grub2-mkconfig stands in for it).
fn without_bls(sb: &Sandbox) {
    std::fs::remove_dir_all(sb.path(ENTRIES)).unwrap();
    sb.dir("/boot/grub2")
        .copy(
            "tests/fixtures/boot/fake-grub2-mkconfig",
            "/usr/sbin/grub2-mkconfig",
        )
        .file(
            "/etc/default/grub",
            &fixture("default-grub").replace("BLSCFG=true", "BLSCFG=false"),
        );
    let (code, _) = sb.tool("/usr/sbin/grub2-mkconfig", &["-o", "/boot/grub2/grub.cfg"]);
    assert_eq!(code, 0);
    std::fs::remove_file(sb.path("/var/log/grub2-mkconfig.calls")).unwrap();
}

#[test]
fn enable_without_bls_entries_regenerates_the_grub_menu() {
    let sb = host(9);
    without_bls(&sb);
    let menu = sb.read("/boot/grub2/grub.cfg").unwrap();
    assert!(!menu.contains("fips=1"));

    // check mode announces the regeneration and runs nothing
    let before = sb.snapshot();
    let checked = sb.run(
        "fips",
        json!({"state": "enabled", "_ansible_check_mode": true}),
    );
    sb.assert_unchanged(&before);
    let steps = checked["steps"].to_string();
    assert!(
        steps.contains(
            "would regenerate the boot menu (/usr/sbin/grub2-mkconfig -o /boot/grub2/grub.cfg)"
        ),
        "{checked}"
    );
    assert_eq!(checked["reboot_required"], true);

    let r = sb.run("fips", json!({"state": "enabled"}));
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["configured"], true, "{r}");
    assert_eq!(r["reboot_required"], true);
    assert_eq!(r["signals"]["boot_args"], true);
    assert_eq!(sb.calls("grub2-mkconfig"), vec!["-o /boot/grub2/grub.cfg"]);
    let menu = sb.read("/boot/grub2/grub.cfg").unwrap();
    let linux: Vec<&str> = menu
        .lines()
        .filter(|l| l.trim().starts_with("linux"))
        .collect();
    assert_eq!(linux.len(), 4, "{menu}");
    assert!(linux.iter().all(|l| l.contains(" fips=1")), "{menu}");

    // second run: the menu boots with fips=1, nothing is regenerated
    let again = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");
    assert_eq!(sb.calls("grub2-mkconfig").len(), 1);

    // disabling takes fips=1 out of /etc/default/grub and regenerates the menu without it
    let off = sb.run("fips", json!({"state": "disabled", "allow_disable": true}));
    ok(&off);
    assert!(!sb.read("/boot/grub2/grub.cfg").unwrap().contains("fips="));
    assert_eq!(off["signals"]["boot_args"], false);
    assert_eq!(off["reboot_required"], false);
}

#[test]
fn lockout_fips_with_only_ed25519_keys_or_host_keys_is_refused() {
    use hardening_rhel_tests::{ECDSA_KEY, ED25519_KEY};
    let sb = host(9);
    sb.over_ssh("admin", 1000, 22)
        .file(
            "/etc/ssh/sshd_config",
            "HostKey /etc/ssh/ssh_host_ed25519_key\n",
        )
        .file("/etc/ssh/ssh_host_ed25519_key.pub", ED25519_KEY)
        .file(
            "/home/admin/.ssh/authorized_keys",
            &format!("{ED25519_KEY}\n"),
        );
    let before = sb.snapshot();
    let r = sb.run(
        "fips",
        json!({"state": "enabled", "_ansible_check_mode": true}),
    );
    assert_eq!(r["failed"], true, "{r}");
    let msg = r["msg"].as_str().unwrap();
    assert!(
        msg.contains("ssh-ed25519 is not in PubkeyAcceptedAlgorithms"),
        "{msg}"
    );
    assert!(msg.contains("no usable host key"), "{msg}");
    let r = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(r["failed"], true, "{r}");
    sb.assert_unchanged(&before);
    assert!(sb.calls("dracut").is_empty() && sb.calls("update-crypto-policies").is_empty());

    // an ECDSA user key and an ECDSA host key: FIPS keeps both
    sb.file(
        "/etc/ssh/sshd_config",
        "HostKey /etc/ssh/ssh_host_ecdsa_key\nHostKey /etc/ssh/ssh_host_ed25519_key\n",
    )
    .file("/etc/ssh/ssh_host_ecdsa_key.pub", ECDSA_KEY)
    .file(
        "/home/admin/.ssh/authorized_keys",
        &format!("{ED25519_KEY}\n{ECDSA_KEY}\n"),
    );
    // which of the two keys the session used is not known: unknown, refused
    let r = sb.run(
        "fips",
        json!({"state": "enabled", "_ansible_check_mode": true}),
    );
    assert_eq!(r["failed"], true, "{r}");
    assert_eq!(r["lockout_check"], "unknown", "{r}");
    assert!(r["msg"].as_str().unwrap().contains("ExposeAuthInfo"), "{r}");
    // sshd exposes the session's own key (ExposeAuthInfo yes): the ECDSA one survives FIPS
    sb.file(
        "/proc/102/environ",
        "HOME=/home/admin\0SSH_USER_AUTH=/tmp/sshauth.ab12\0",
    )
    .file("/tmp/sshauth.ab12", &format!("publickey {ECDSA_KEY}\n"));
    let r = sb.run("fips", json!({"state": "enabled"}));
    ok(&r);
    assert_eq!(r["lockout_check"], "passed");
    assert!(
        r["lockout_path"][0].as_str().unwrap().contains(
            "the key the session authenticated with (/tmp/sshauth.ab12: ecdsa-sha2-nistp256)"
        ),
        "{r}"
    );
}

#[test]
fn lockout_the_sessions_own_ed25519_key_is_refused_even_beside_a_surviving_one() {
    use hardening_rhel_tests::{ECDSA_KEY, ED25519_KEY};
    let sb = host(9);
    sb.over_ssh("admin", 1000, 22)
        .file(
            "/etc/ssh/sshd_config",
            "HostKey /etc/ssh/ssh_host_ecdsa_key\nExposeAuthInfo yes\n",
        )
        .file("/etc/ssh/ssh_host_ecdsa_key.pub", ECDSA_KEY)
        .file(
            "/home/admin/.ssh/authorized_keys",
            &format!("{ED25519_KEY}\n{ECDSA_KEY}\n"),
        )
        .file("/proc/102/environ", "SSH_USER_AUTH=/tmp/sshauth.cd34\0")
        .file("/tmp/sshauth.cd34", &format!("publickey {ED25519_KEY}\n"));
    let r = sb.run(
        "fips",
        json!({"state": "enabled", "_ansible_check_mode": true}),
    );
    assert_eq!(r["failed"], true, "{r}");
    assert_eq!(r["lockout_check"], "refused", "{r}");
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("would refuse the key the session authenticated with"),
        "{r}"
    );
}

/// A RHEL root of `version` with no boot entries (a container image, an image being built): the
/// crypto-policies layout and the dracut and lsinitrd stand-ins.
fn bare_root(version: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.with_crypto_policies()
        .copy("molecule/image/rootfs/usr/bin/dracut", "/usr/bin/dracut")
        .copy(
            "molecule/image/rootfs/usr/bin/lsinitrd",
            "/usr/bin/lsinitrd",
        )
        .file(
            "/etc/os-release",
            &format!("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"{version}\"\n"),
        );
    sb
}

/// A root without a kernel (a container image, a root being built): the dracut configuration is
/// what a kernel installed later gets; nothing to regenerate, and a second run changes nothing
/// (it used to plan `dracut -f --regenerate-all` on every run).
#[test]
fn a_root_without_a_kernel_gets_the_dracut_config_once() {
    let sb = bare_root("9.4");
    sb.file("/etc/kernel/cmdline", "root=/dev/mapper/rhel-root ro\n")
        .dir("/lib/modules");
    let r = sb.run("fips", json!({"state": "enabled"}));
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(r["signals"]["initramfs"], true, "{r}");
    assert!(
        r["msg"].as_str().unwrap().contains("no kernel installed"),
        "{r}"
    );
    assert_eq!(
        sb.read("/etc/dracut.conf.d/40-fips.conf").unwrap(),
        "add_dracutmodules+=\" fips \"\n"
    );
    assert!(
        sb.calls("dracut").is_empty(),
        "no kernel: nothing to regenerate"
    );
    let again = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");
    assert!(sb.calls("dracut").is_empty());
}

/// Image mode (bootc): the kernel's initramfs is /usr/lib/modules/<kver>/initramfs.img and /boot
/// is empty. It is judged and regenerated there, in place (`--regenerate-all` would write /boot),
/// and a second run changes nothing.
#[test]
fn image_mode_initramfs_in_the_kernels_directory() {
    let k = "5.14.0-427.el9.x86_64";
    let img = format!("/lib/modules/{k}/initramfs.img");
    let sb = bare_root("9.6");
    sb.file("/etc/kernel/cmdline", "root=UUID=abc rw\n")
        .dir(&format!("/lib/modules/{k}"));
    assert_eq!(sb.tool("/usr/bin/dracut", &["-f", &img, k]).0, 0);
    sb.clear_calls();
    let r = sb.run("fips", json!({"state": "enabled"}));
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(sb.calls("dracut"), vec![format!("-f {img} {k}")], "{r}");
    assert!(
        sb.tool("/usr/bin/lsinitrd", &["-m", &img])
            .1
            .lines()
            .any(|l| l == "fips"),
        "the image-mode initramfs carries fips"
    );
    assert!(!sb.exists("/boot"), "nothing written to /boot");
    assert_eq!(r["signals"]["initramfs"], true);
    sb.clear_calls();
    let again = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");
    assert!(sb.calls("dracut").is_empty());
}

/// An image-mode (bootc) image being built, RHEL 10 (where FIPS is supported only from the
/// first boot): fips=1 goes to a kargs.d file of this module's own, never to /boot; the
/// initramfs is regenerated in place; the results say it applies at first boot (the build host's
/// running kernel is not read). Idempotent; disabling removes the file.
#[test]
fn image_build_writes_kargs_d_and_applies_at_first_boot() {
    let k = "6.12.0-55.el10.x86_64";
    let img = format!("/lib/modules/{k}/initramfs.img");
    let kargs = "/usr/lib/bootc/kargs.d/40-hardening-fips.toml";
    let sb = bare_root("10.0");
    sb.dir("/usr/lib/bootc/install")
        // the build host runs FIPS: not this image's kernel
        .file("/proc/sys/crypto/fips_enabled", "1\n")
        .dir(&format!("/lib/modules/{k}"));
    assert_eq!(sb.tool("/usr/bin/dracut", &["-f", &img, k]).0, 0);
    sb.clear_calls();
    let r = sb.run("fips", json!({"state": "enabled"}));
    ok(&r);
    assert_eq!(r["changed"], true);
    assert_eq!(
        sb.read(kargs).unwrap(),
        "# hardening.rhel fips: FIPS mode from the first boot of this image\nkargs = [\"fips=1\"]\n"
    );
    assert!(!sb.exists("/boot"), "nothing written to /boot");
    assert_eq!(sb.calls("dracut"), vec![format!("-f {img} {k}")]);
    assert_eq!(
        sb.read("/etc/crypto-policies/state/current").unwrap(),
        "FIPS\n"
    );
    assert_eq!(r["applied_at"], "first_boot", "{r}");
    assert_eq!(r["reboot_required"], false);
    assert_eq!(
        r["fips_enabled"], false,
        "the build host's kernel is not read"
    );
    assert_eq!(r["configured"], true);
    assert!(r["msg"].as_str().unwrap().contains("first boot"), "{r}");

    sb.clear_calls();
    let again = sb.run("fips", json!({"state": "enabled"}));
    assert_eq!(ok(&again)["changed"], false, "{again}");
    assert!(sb.calls("dracut").is_empty() && sb.calls("update-crypto-policies").is_empty());

    let off = sb.run("fips", json!({"state": "disabled", "allow_disable": true}));
    ok(&off);
    assert!(!sb.exists(kargs), "{off}");
    assert_eq!(off["applied_at"], "first_boot");
}
