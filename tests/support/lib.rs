//! Support for the integration tests: run a real module binary against a sandbox root.
//!
//! Binaries are taken from `HARDENING_RHEL_BIN_DIR` when set (the test script points it at the
//! release binaries that ship in the collection), else from this workspace's target directory
//! (`cargo build` first).

pub mod fuzz;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the module binaries are.
pub fn bin_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("HARDENING_RHEL_BIN_DIR") {
        return PathBuf::from(d);
    }
    // target/<profile>/deps/<test-binary> → target/<profile>
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target profile directory")
        .to_path_buf()
}

/// The repository's top directory.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A sandbox root in a temp dir; files are laid out with [`Sandbox::file`].
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// A sandbox root standing for a booted system: its `/proc/1/root` leads to itself (as init's
    /// root is `/` on a host), so modules act on its runtime files. [`Sandbox::chroot`] makes it
    /// a root that is not the booted system's.
    pub fn new() -> Sandbox {
        let sb = Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        sb.dir("/proc/1");
        // relative, so that a copy of the tree (tests/faults.rs) is its own booted root
        std::os::unix::fs::symlink("../..", sb.path("/proc/1/root")).unwrap();
        sb
    }

    /// This root as a chroot sees it: `/proc/1/root` is another directory (the host's root).
    /// `None`: no /proc at all (an offline root).
    pub fn chroot(&self, init_root: Option<&Path>) -> &Self {
        let link = self.path("/proc/1/root");
        std::fs::remove_file(&link).unwrap();
        if let Some(r) = init_root {
            std::os::unix::fs::symlink(r, &link).unwrap();
        }
        self
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The sandbox path of an absolute path on the managed system.
    pub fn path(&self, abs: &str) -> PathBuf {
        self.root().join(abs.trim_start_matches('/'))
    }

    pub fn file(&self, abs: &str, content: &str) -> &Self {
        let p = self.path(abs);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    pub fn dir(&self, abs: &str) -> &Self {
        std::fs::create_dir_all(self.path(abs)).unwrap();
        self
    }

    /// Copy a file or directory tree of the repository (`rel`) to `abs` in the sandbox,
    /// keeping symbolic links and modes.
    pub fn copy(&self, rel: &str, abs: &str) -> &Self {
        let dest = self.path(abs);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let status = Command::new("/bin/cp")
            .args(["-a", "--no-preserve=ownership"])
            .arg(repo().join(rel))
            .arg(&dest)
            .status()
            .unwrap();
        assert!(status.success(), "copy {rel}");
        self
    }

    /// Run a program of the sandbox (a stand-in) as a module would: with the sandbox root in
    /// `HARDENING_RHEL_SANDBOX`. Returns the exit code and stdout.
    pub fn tool(&self, abs: &str, args: &[&str]) -> (i32, String) {
        let out = Command::new(self.path(abs))
            .args(args)
            .env("HARDENING_RHEL_SANDBOX", self.root())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// The lines a stand-in appended to its call log (`/var/log/<name>.calls`).
    pub fn calls(&self, name: &str) -> Vec<String> {
        self.read(&format!("/var/log/{name}.calls"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    /// Forget the stand-ins' call logs.
    pub fn clear_calls(&self) {
        for name in ["update-crypto-policies", "dracut", "lsinitrd"] {
            let _ = std::fs::remove_file(self.path(&format!("/var/log/{name}.calls")));
        }
    }

    /// A systemctl stand-in: logs its arguments to /var/log/systemctl.calls; `enable`/`disable`
    /// edit the multi-user.target wants link as the real one does offline.
    pub fn with_systemctl(&self) -> &Self {
        use std::os::unix::fs::PermissionsExt;
        self.file("/usr/bin/systemctl", SYSTEMCTL).dir("/var/log");
        std::fs::set_permissions(
            self.path("/usr/bin/systemctl"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        self
    }

    /// fapolicyd installed and stopped: accounts (root, group fapolicyd), Debian's shipped
    /// config, one deny rule in rules.d, an empty VERSION 2 fapolicyd.trust, an empty trust.d.
    pub fn with_fapolicyd(&self) -> &Self {
        self.file("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
            .file("/etc/group", "root:x:0:\nfapolicyd:x:996:\n")
            .copy(
                "tests/fixtures/fapolicyd/fapolicyd.conf.debian",
                "/etc/fapolicyd/fapolicyd.conf",
            )
            .file(
                "/etc/fapolicyd/rules.d/90-deny.rules",
                "deny perm=execute all : all\n",
            )
            .file(
                "/etc/fapolicyd/fapolicyd.trust",
                "# AUTOGENERATED FILE VERSION 2\n",
            )
            .dir("/etc/fapolicyd/trust.d")
    }

    /// A RHEL crypto-policies layout: the real definitions, the stand-in update-crypto-policies,
    /// DEFAULT applied; the kernel not in FIPS mode, boot id `boot-1`.
    pub fn with_crypto_policies(&self) -> &Self {
        self.with_crypto_policies_from("tests/fixtures/crypto-policies")
    }

    /// The same with the definitions of another generation (a directory of the repository with
    /// `policies/` and `default-config`: tests/fixtures/crypto-policies-history/<date>).
    pub fn with_crypto_policies_from(&self, set: &str) -> &Self {
        self.copy(
            &format!("{set}/policies"),
            "/usr/share/crypto-policies/policies",
        )
        .copy(
            &format!("{set}/default-config"),
            "/usr/share/crypto-policies/default-config",
        )
        .copy(
            "molecule/image/rootfs/usr/bin/update-crypto-policies",
            "/usr/bin/update-crypto-policies",
        )
        .file("/proc/sys/kernel/random/boot_id", "boot-1\n")
        .file("/proc/sys/crypto/fips_enabled", "0\n")
        .dir("/etc/crypto-policies/policies/modules");
        let (code, _) = self.tool(
            "/usr/bin/update-crypto-policies",
            &["--set", "DEFAULT", "--no-reload"],
        );
        assert_eq!(code, 0);
        self.clear_calls();
        self
    }

    /// Make the module see itself run over SSH, as the lockout guards find it: a process tree
    /// module → sh → sshd (user) → sshd (root, holding the TCP socket) → sshd (the listener) in
    /// the sandbox's /proc,
    /// the connection 10.0.0.10:50000 → 10.0.0.1:`port` in that sshd's /proc/<pid>/net/tcp,
    /// the user in /etc/passwd (home /home/<user>) and as the audit login uid.
    pub fn over_ssh(&self, user: &str, uid: u32, port: u16) -> &Self {
        let status = |pid: &str, ppid: u32, uid: u32, name: &str| {
            self.file(
                &format!("/proc/{pid}/status"),
                &format!("Name:\t{name}\nPPid:\t{ppid}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n"),
            );
        };
        status("self", 102, 0, "module");
        status("102", 101, uid, "sh");
        status("101", 100, uid, "sshd");
        status("100", 90, 0, "sshd");
        status("90", 1, 0, "sshd");
        status("1", 0, 0, "systemd");
        self.file("/proc/self/loginuid", &uid.to_string());
        self.file(
            "/proc/100/net/tcp",
            &format!(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:{port:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0\n   1: 0100000A:{port:04X} 0A00000A:C350 01 00000000:00000000 02:000A7F2D 00000000     0        0 7777 4 0 20 4 1 10 -1\n"
            ),
        );
        self.file("/proc/100/net/tcp6", "  sl  local_address\n");
        // the listener (the sshd master, 90) holds socket 1111, the session (100) socket 7777
        for (pid, inode) in [("100", 7777), ("90", 1111)] {
            if pid == "90" {
                self.file("/proc/90/net/tcp", &self.read("/proc/100/net/tcp").unwrap());
                self.file("/proc/90/net/tcp6", "  sl  local_address\n");
            }
            self.dir(&format!("/proc/{pid}/fd"));
            let fd = self.path(&format!("/proc/{pid}/fd/3"));
            let _ = std::fs::remove_file(&fd);
            std::os::unix::fs::symlink(format!("socket:[{inode}]"), fd).unwrap();
        }
        for (pid, exe) in [
            ("self", "/root/.ansible/tmp/ansible-tmp-1/module"),
            ("102", "/usr/bin/bash"),
            ("100", "/usr/sbin/sshd"),
        ] {
            let l = self.path(&format!("/proc/{pid}/exe"));
            let _ = std::fs::remove_file(&l);
            std::os::unix::fs::symlink(exe, l).unwrap();
        }
        let mut passwd = self
            .read("/etc/passwd")
            .unwrap_or_else(|| "root:x:0:0:root:/root:/bin/bash\n".into());
        passwd.push_str(&format!("{user}:x:{uid}:{uid}::/home/{user}:/bin/bash\n"));
        self.file("/etc/passwd", &passwd);
        self
    }

    /// As [`Sandbox::over_ssh`], but the module runs outside the session's process tree, as a
    /// become method that starts it through systemd does (run0, machinectl, systemd-run): its
    /// parent is systemd, no login uid and no SSH_CONNECTION of its own. The session is still
    /// there: its privileged sshd (100) has the user's login uid.
    pub fn outside_ssh(&self, user: &str, uid: u32, port: u16) -> &Self {
        self.over_ssh(user, uid, port);
        self.file(
            "/proc/self/status",
            "Name:\tmodule\nPPid:\t1\nUid:\t0\t0\t0\t0\n",
        );
        self.file("/proc/self/loginuid", "4294967295");
        self.file("/proc/100/loginuid", &uid.to_string());
        self
    }

    pub fn read(&self, abs: &str) -> Option<String> {
        std::fs::read_to_string(self.path(abs)).ok()
    }

    pub fn exists(&self, abs: &str) -> bool {
        self.path(abs).symlink_metadata().is_ok()
    }

    /// Fail naming the paths that differ from `before` (a [`Sandbox::snapshot`]).
    pub fn assert_unchanged(&self, before: &[(PathBuf, Vec<u8>)]) {
        let after = self.snapshot();
        if after != before {
            let b: std::collections::BTreeMap<_, _> = before.iter().cloned().collect();
            let a: std::collections::BTreeMap<_, _> = after.iter().cloned().collect();
            let differ: Vec<String> = b
                .keys()
                .chain(a.keys())
                .filter(|k| b.get(*k) != a.get(*k))
                .map(|k| k.display().to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            panic!("the sandbox changed: {differ:?}");
        }
    }

    /// Every file below the root with its content, to prove that nothing was written. The
    /// stand-ins' call logs (`*.calls`, test instrumentation) are left out.
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
            entries.sort_by_key(|e| e.path());
            for e in entries {
                let p = e.path();
                if p.is_symlink() {
                    let target = std::fs::read_link(&p).unwrap();
                    out.push((p.clone(), target.into_os_string().into_encoded_bytes()));
                } else if p.is_dir() {
                    out.push((p.clone(), Vec::new()));
                    walk(&p, out);
                } else if p.extension().is_none_or(|e| e != "calls") {
                    out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.root(), &mut out);
        out
    }

    /// Run module `name` with `args` (the JSON object Ansible would write) inside this sandbox.
    pub fn run(&self, name: &str, args: Value) -> Value {
        let argfile = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(argfile.path(), args.to_string()).unwrap();
        self.run_with(name, argfile.path().as_os_str(), None)
    }

    /// Run module `name` as the collection's action plugins do: `<module> -`, the arguments'
    /// JSON text (any bytes) on standard input.
    pub fn run_stdin(&self, name: &str, stdin: &[u8]) -> Value {
        self.run_with(name, std::ffi::OsStr::new("-"), Some(stdin))
    }

    fn run_with(&self, name: &str, arg: &std::ffi::OsStr, stdin: Option<&[u8]>) -> Value {
        use std::io::Write;
        let bin = bin_dir().join(name);
        assert!(
            bin.is_file(),
            "module binary {} not found: run `cargo build` or set HARDENING_RHEL_BIN_DIR",
            bin.display()
        );
        let mut child = Command::new(&bin)
            .arg(arg)
            .arg("--sandbox-root")
            .arg(self.root())
            .env_clear()
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run module");
        let mut pipe = child.stdin.take().unwrap();
        if let Some(data) = stdin {
            // a module that stops reading early (size limit) closes the pipe: not an error here
            let _ = pipe.write_all(data);
        }
        drop(pipe);
        let out = child.wait_with_output().expect("run module");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "module printed no JSON ({e}): stdout={stdout:?} stderr={:?}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let failed = v["failed"] == Value::Bool(true);
        assert_eq!(
            out.status.success(),
            !failed,
            "exit code agrees with failed: {v}"
        );
        v
    }
}

/// Public keys for the lockout guard tests (made with ssh-keygen; public halves only).
pub const ED25519_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKYj9Q2kwgd2NTDoapfFIM9jTc+nyxwH9jT+S5Zhe/Cn admin@test";
pub const ECDSA_KEY: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFu8SIjyEmpIrE906YOElJxSe4Xbzf25YmWFY00ylm5lY6xemQCNYYXgeDtQ94KZuJvXeM+i4u41H5AUPTi6eUg= x";

/// An `ssh-rsa` public key line whose modulus has `bits` bits (a well-formed blob; the guard
/// reads the size from it, as sshd does).
pub fn rsa_key(bits: u32) -> String {
    let mut blob = Vec::new();
    let put = |b: &mut Vec<u8>, s: &[u8]| {
        b.extend_from_slice(&(s.len() as u32).to_be_bytes());
        b.extend_from_slice(s);
    };
    put(&mut blob, b"ssh-rsa");
    put(&mut blob, &[1, 0, 1]);
    let mut n = vec![0u8, 0xC5];
    n.extend(std::iter::repeat_n(0xAB, (bits / 8 - 1) as usize));
    put(&mut blob, &n);
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for c in blob.chunks(3) {
        let v = ((c[0] as u32) << 16)
            | ((*c.get(1).unwrap_or(&0) as u32) << 8)
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            b64.push(if i <= c.len() {
                A[((v >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    format!("ssh-rsa {b64} rsa{bits}@test")
}

const SYSTEMCTL: &str = "#!/bin/sh\n# test stand-in for systemctl: logs calls, enable/disable edit the wants link\nroot=$HARDENING_RHEL_SANDBOX\necho \"$*\" >> \"$root/var/log/systemctl.calls\"\nw=\"$root/etc/systemd/system/multi-user.target.wants\"\ncase $1 in\n  enable) mkdir -p \"$w\"; ln -sf /usr/lib/systemd/system/$2 \"$w/$2\" ;;\n  disable) rm -f \"$w/$2\" ;;\nesac\n";
