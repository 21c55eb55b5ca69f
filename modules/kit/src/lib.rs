//! The shared kit of the hardening.rhel modules.
//!
//! A module is a type implementing [`Module`]: a parameter spec, a typed argument struct and a
//! `run` function that reads the current state, computes a pure plan and applies it unless in
//! check mode. Its `main.rs` is one line: `kit::main::<TheModule>()`.
//!
//! The kit owns everything around that: loading the args file Ansible names in argv[1],
//! validation ([`args`]), check/diff mode flags, the result JSON, turning every error and
//! every panic into `{"failed": true, "msg": …}`, atomic writes ([`fs`]), external programs
//! ([`cmd`]), and the sandbox root used by tests.
//!
//! # Sandbox root (for tests only)
//! `<module> <argsfile> --sandbox-root DIR` makes every path the module touches — files, kernel
//! interfaces under /proc and /sys, and the programs it runs — resolve inside `DIR`. Ansible
//! always runs a binary module as `<module> <argsfile>` (also under async), so no playbook,
//! task argument or environment variable can reach this switch by accident.

pub mod args;
pub mod boot;
pub mod cmd;
pub mod dbus;
pub mod error;
pub mod fs;
pub mod kernel_args;
pub mod os;
pub mod service;

pub use args::{Default, Kind, Param};
pub use error::{Error, Result};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set as soon as anything was changed on the system, so that even a panic after a partial
/// change reports `changed: true`.
static CHANGED_SO_FAR: AtomicBool = AtomicBool::new(false);

/// The context a module runs in.
#[derive(Debug)]
pub struct Ctx {
    root: PathBuf,
    sandboxed: bool,
    /// `_ansible_check_mode`: plan and report, write nothing.
    pub check_mode: bool,
    /// `_ansible_diff`: include before/after in the result.
    pub diff_mode: bool,
    changed: Cell<bool>,
}

impl Ctx {
    /// A context on the real system (root `/`).
    pub fn system(check_mode: bool, diff_mode: bool) -> Ctx {
        Ctx {
            root: PathBuf::from("/"),
            sandboxed: false,
            check_mode,
            diff_mode,
            changed: Cell::new(false),
        }
    }

    /// A context whose every path resolves inside `root` (tests only).
    pub fn sandbox(root: &Path, check_mode: bool, diff_mode: bool) -> Ctx {
        Ctx {
            root: root.to_path_buf(),
            sandboxed: true,
            check_mode,
            diff_mode,
            changed: Cell::new(false),
        }
    }

    /// Map an absolute path on the managed system to the path to open.
    pub fn path(&self, p: impl AsRef<Path>) -> PathBuf {
        let p = p.as_ref();
        if self.sandboxed {
            self.root.join(p.strip_prefix("/").unwrap_or(p))
        } else {
            p.to_path_buf()
        }
    }

    pub fn sandbox_root(&self) -> Option<&Path> {
        self.sandboxed.then_some(self.root.as_path())
    }

    /// Whether anything has been changed on the system by this run.
    pub fn changed(&self) -> bool {
        self.changed.get()
    }

    /// Record a change made by other means than the kit's writers (e.g. a kernel interface).
    pub fn mark_changed(&self) {
        self.changed.set(true);
        CHANGED_SO_FAR.store(true, Ordering::SeqCst);
    }

    fn guard_write(&self, what: &Path) -> Result<()> {
        if self.check_mode {
            // The plan is supposed to make this unreachable; refuse loudly rather than write.
            return Err(Error::Refused(format!(
                "internal error: attempted to change {} in check mode",
                what.display()
            )));
        }
        Ok(())
    }

    /// Read a text file of the managed system; `None` when absent.
    pub fn read(&self, abs: &str) -> Result<Option<String>> {
        fs::read_optional(&self.path(abs))
    }

    /// Atomically replace (or create) a file of the managed system; see [`fs::write_atomic`].
    /// Symbolic links are followed inside the root.
    pub fn write(&self, abs: &str, content: &[u8], opts: fs::WriteOptions) -> Result<fs::Written> {
        self.write_with(abs, content, opts, None, None)
    }

    /// [`Ctx::write`] that also forces the new file's mode and/or group.
    pub fn write_with(
        &self,
        abs: &str,
        content: &[u8],
        opts: fs::WriteOptions,
        mode: Option<u32>,
        gid: Option<u32>,
    ) -> Result<fs::Written> {
        let path = fs::resolve_links(&self.root, &self.path(abs))?;
        self.guard_write(&path)?;
        let w = fs::write_atomic_as(&path, content, opts, mode, gid)?;
        self.mark_changed();
        Ok(w)
    }

    /// Remove a file of the managed system (nothing when already absent).
    pub fn remove(&self, abs: &str, backup: bool) -> Result<fs::Written> {
        let path = self.path(abs);
        self.guard_write(&path)?;
        let existed = path.symlink_metadata().is_ok();
        let w = fs::remove(&path, backup)?;
        if existed {
            self.mark_changed();
        }
        Ok(w)
    }

    /// Write a value to a kernel interface file (/proc, /sys): a plain write, no temp file.
    pub fn write_kernel(&self, abs: &str, value: &str) -> Result<()> {
        let path = self.path(abs);
        self.guard_write(&path)?;
        std::fs::write(&path, value).map_err(|e| Error::io("write", &path, e))?;
        self.mark_changed();
        Ok(())
    }
}

/// One before/after pair of the result's `diff`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub before: String,
    pub after: String,
    pub before_header: String,
    pub after_header: String,
}

impl Diff {
    /// A diff of one file; an absent file shows as empty text.
    pub fn file(path: &str, before: Option<&str>, after: Option<&str>) -> Diff {
        Diff {
            before: before.unwrap_or_default().to_string(),
            after: after.unwrap_or_default().to_string(),
            before_header: if before.is_some() {
                path.into()
            } else {
                format!("{path} (absent)")
            },
            after_header: if after.is_some() {
                path.into()
            } else {
                format!("{path} (absent)")
            },
        }
    }
}

/// What a module returns on success.
#[derive(Debug, Default)]
pub struct Outcome {
    pub changed: bool,
    pub msg: String,
    pub diff: Vec<Diff>,
    pub warnings: Vec<String>,
    /// Merged into the host's facts by Ansible.
    pub facts: Map<String, Value>,
    /// The module's own return keys.
    pub values: Map<String, Value>,
}

impl Outcome {
    /// Set a return key.
    pub fn set(&mut self, key: &str, value: impl Serialize) {
        let v = serde_json::to_value(value).expect("return values serialise to JSON");
        self.values.insert(key.to_string(), v);
    }

    pub fn warn(&mut self, w: impl Into<String>) {
        self.warnings.push(w.into());
    }
}

/// A module: declared parameters, typed arguments, and the read → plan → apply run.
pub trait Module {
    /// Short name, e.g. `selinux`; messages use `hardening.rhel.<NAME>`.
    const NAME: &'static str;
    const SPEC: &'static [Param];
    type Args: DeserializeOwned;
    fn run(ctx: &Ctx, args: Self::Args) -> Result<Outcome>;
}

fn fqcn<M: Module>() -> String {
    format!("hardening.rhel.{}", M::NAME)
}

fn failure(msg: &str, changed: bool) -> Value {
    json!({"failed": true, "changed": changed, "msg": msg})
}

/// Run a module on parsed arguments (the whole JSON object Ansible wrote) and build the result
/// object. `sandbox` is the sandbox root, if any. Never panics on bad input.
pub fn execute<M: Module>(raw: &Value, sandbox: Option<&Path>) -> Value {
    let Some(obj) = raw.as_object() else {
        return failure("module arguments must be a JSON object", false);
    };
    let flag = |k: &str| obj.get(k).and_then(Value::as_bool).unwrap_or(false);
    let (check, diff) = (flag("_ansible_check_mode"), flag("_ansible_diff"));
    let ctx = match sandbox {
        Some(root) => Ctx::sandbox(root, check, diff),
        None => Ctx::system(check, diff),
    };
    let validated = match args::validate(&fqcn::<M>(), M::SPEC, obj) {
        Ok(v) => v,
        Err(e) => return failure(&e.to_string(), false),
    };
    let invocation = json!({"module_args": args::masked(M::SPEC, &validated)});
    let typed: M::Args = match serde_json::from_value(Value::Object(validated)) {
        Ok(t) => t,
        Err(e) => {
            return failure(
                &format!("internal error: arguments do not fit the module: {e}"),
                false,
            )
        }
    };
    let mut result = match M::run(&ctx, typed) {
        Ok(out) => {
            let mut r = out.values;
            r.insert("changed".into(), Value::Bool(out.changed || ctx.changed()));
            r.insert("msg".into(), Value::String(out.msg));
            if ctx.diff_mode && !out.diff.is_empty() {
                r.insert(
                    "diff".into(),
                    serde_json::to_value(out.diff).expect("diff serialises"),
                );
            }
            if !out.warnings.is_empty() {
                r.insert("warnings".into(), json!(out.warnings));
            }
            if !out.facts.is_empty() {
                r.insert("ansible_facts".into(), Value::Object(out.facts));
            }
            Value::Object(r)
        }
        Err(e) => failure(&e.to_string(), ctx.changed()),
    };
    result["invocation"] = invocation;
    if let Some(root) = sandbox {
        result["sandbox_root"] = json!(root);
    }
    result
}

fn emit(v: &Value) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn install_panic_hook(module: String) {
    std::panic::set_hook(Box::new(move |info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        emit(&failure(
            &format!("{module} crashed (this is a bug, please report it): {what}{at}"),
            CHANGED_SO_FAR.load(Ordering::SeqCst),
        ));
        std::process::exit(1);
    }));
}

fn parse_argv(argv: &[String]) -> std::result::Result<(PathBuf, Option<PathBuf>), String> {
    match argv {
        [_, file] => Ok((PathBuf::from(file), None)),
        [_, file, flag, root] if flag == "--sandbox-root" => {
            Ok((PathBuf::from(file), Some(PathBuf::from(root))))
        }
        _ => Err(
            "this is an Ansible module: run it as `<module> <argsfile>`, where argsfile holds \
                  the task's arguments as a JSON object"
                .into(),
        ),
    }
}

/// The whole `main` of a module binary.
pub fn main<M: Module>() -> ! {
    install_panic_hook(fqcn::<M>());
    let argv: Vec<String> = std::env::args().collect();
    let result = match parse_argv(&argv) {
        Err(msg) => failure(&msg, false),
        Ok((file, sandbox)) => match std::fs::read_to_string(&file) {
            Err(e) => failure(
                &format!("cannot read the arguments file {}: {e}", file.display()),
                false,
            ),
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Err(e) => failure(
                    &format!("the arguments file {} is not JSON: {e}", file.display()),
                    false,
                ),
                Ok(raw) => execute::<M>(&raw, sandbox.as_deref()),
            },
        },
    };
    emit(&result);
    // Ansible ignores the exit code when the output is valid JSON; a non-zero code on failure
    // helps anyone running the binary by hand.
    std::process::exit(if result["failed"] == Value::Bool(true) {
        1
    } else {
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    #[derive(serde::Deserialize)]
    struct EchoArgs {
        word: String,
        boom: bool,
    }
    impl Module for Echo {
        const NAME: &'static str = "echo";
        const SPEC: &'static [Param] = &[
            Param::new("word", Kind::Str).required(),
            Param::new("boom", Kind::Bool).default(Default::Bool(false)),
        ];
        type Args = EchoArgs;
        fn run(ctx: &Ctx, a: EchoArgs) -> Result<Outcome> {
            if a.boom {
                return Err(Error::refused("boom"));
            }
            let mut o = Outcome::default();
            o.set("word", &a.word);
            o.changed = !ctx.check_mode;
            o.diff.push(Diff::file("/x", None, Some("y")));
            Ok(o)
        }
    }

    #[test]
    fn result_shape() {
        let r = execute::<Echo>(
            &json!({"word": "hi", "_ansible_diff": true, "_ansible_new": 1}),
            None,
        );
        assert_eq!(r["word"], "hi");
        assert_eq!(r["changed"], true);
        assert_eq!(r["diff"][0]["before_header"], "/x (absent)");
        assert_eq!(r["invocation"]["module_args"]["boom"], false);
        assert!(r.get("failed").is_none());
        let r = execute::<Echo>(&json!({"word": "hi", "_ansible_check_mode": true}), None);
        assert_eq!(r["changed"], false);
        assert!(r.get("diff").is_none(), "no diff unless diff mode");
    }

    #[test]
    fn errors_become_failed_results() {
        let r = execute::<Echo>(&json!({"word": "hi", "boom": "yes"}), None);
        assert_eq!(r["failed"], true);
        assert_eq!(r["msg"], "boom");
        let r = execute::<Echo>(&json!({"wrd": "hi"}), None);
        assert_eq!(r["failed"], true);
        assert!(r["msg"]
            .as_str()
            .unwrap()
            .contains("(hardening.rhel.echo) module: wrd"));
        let r = execute::<Echo>(&json!(["not", "an", "object"]), None);
        assert_eq!(r["failed"], true);
    }

    #[test]
    fn check_mode_refuses_writes() {
        let d = std::env::temp_dir();
        let ctx = Ctx::sandbox(&d, true, false);
        let e = ctx
            .write("/never-written", b"x", fs::WriteOptions::default())
            .unwrap_err();
        assert!(e.to_string().contains("check mode"));
        assert!(!d.join("never-written").exists());
    }

    #[test]
    fn sandbox_maps_paths() {
        let ctx = Ctx::sandbox(Path::new("/tmp/sb"), false, false);
        assert_eq!(
            ctx.path("/etc/selinux/config"),
            Path::new("/tmp/sb/etc/selinux/config")
        );
        assert_eq!(
            Ctx::system(false, false).path("/etc/x"),
            Path::new("/etc/x")
        );
    }

    #[test]
    fn argv_forms() {
        let a = |v: &[&str]| parse_argv(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            a(&["m", "/tmp/args"]).unwrap(),
            (PathBuf::from("/tmp/args"), None)
        );
        assert_eq!(
            a(&["m", "/tmp/args", "--sandbox-root", "/tmp/r"])
                .unwrap()
                .1,
            Some(PathBuf::from("/tmp/r"))
        );
        assert!(a(&["m"]).is_err());
        assert!(a(&["m", "/tmp/args", "--other", "/tmp/r"]).is_err());
    }
}
