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
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
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

    /// A RHEL crypto-policies layout: the real definitions, the stand-in update-crypto-policies,
    /// DEFAULT applied; the kernel not in FIPS mode, boot id `boot-1`.
    pub fn with_crypto_policies(&self) -> &Self {
        self.copy(
            "tests/fixtures/crypto-policies/policies",
            "/usr/share/crypto-policies/policies",
        )
        .copy(
            "tests/fixtures/crypto-policies/default-config",
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
                if p.is_dir() {
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
        let bin = bin_dir().join(name);
        assert!(
            bin.is_file(),
            "module binary {} not found: run `cargo build` or set HARDENING_RHEL_BIN_DIR",
            bin.display()
        );
        let argfile = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(argfile.path(), args.to_string()).unwrap();
        let out = Command::new(&bin)
            .arg(argfile.path())
            .arg("--sandbox-root")
            .arg(self.root())
            .env_clear()
            .output()
            .expect("run module");
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
