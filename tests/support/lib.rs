//! Support for the integration tests: run a real module binary against a sandbox root.
//!
//! Binaries are taken from `HARDENING_RHEL_BIN_DIR` when set (the test script points it at the
//! release binaries that ship in the collection), else from this workspace's target directory
//! (`cargo build` first).

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

    pub fn read(&self, abs: &str) -> Option<String> {
        std::fs::read_to_string(self.path(abs)).ok()
    }

    pub fn exists(&self, abs: &str) -> bool {
        self.path(abs).symlink_metadata().is_ok()
    }

    /// Every file below the root with its content, to prove that nothing was written.
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
            entries.sort_by_key(|e| e.path());
            for e in entries {
                let p = e.path();
                if p.is_dir() {
                    out.push((p.clone(), Vec::new()));
                    walk(&p, out);
                } else {
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
