//! The shared kit of the hardening.rhel modules.
//!
//! A module is a type implementing [`Module`]: a parameter spec, a typed argument struct and a
//! `run` function that reads the current state, computes a pure plan and applies it unless in
//! check mode. Its `main.rs` is one line: `kit::main::<TheModule>()`.
//!
//! The kit owns everything around that: loading the args file Ansible names in argv[1] (or,
//! with `-` there, the arguments on standard input: the collection's action plugins run a
//! cached binary that way, in one round trip),
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
pub mod fapolicyd;
pub mod fs;
pub mod kernel_args;
pub mod lockout;
pub mod os;
pub mod service;
pub mod ssh;

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
    /// Warnings the kit itself adds to the result (stale temp files removed).
    notes: std::cell::RefCell<Vec<String>>,
    /// Directories already swept of stale temp files.
    swept: std::cell::RefCell<Vec<PathBuf>>,
    /// How Ansible reaches the host, as the collection's action plugins say
    /// (`_hardening_connection`); `None` from the standard module path and the CLI.
    pub hint: Option<lockout::Hint>,
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
            notes: std::cell::RefCell::new(Vec::new()),
            swept: std::cell::RefCell::new(Vec::new()),
            hint: None,
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
            notes: std::cell::RefCell::new(Vec::new()),
            swept: std::cell::RefCell::new(Vec::new()),
            hint: None,
        }
    }

    /// Map an absolute path on the managed system to the path to open. In a sandbox, `..` is
    /// taken as the kernel takes it at `/`: it never climbs above the root, so no value can make
    /// a test write outside its sandbox.
    pub fn path(&self, p: impl AsRef<Path>) -> PathBuf {
        let p = p.as_ref();
        if self.sandboxed {
            self.root.join(clamp(p))
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
        // symbolic links followed as Ansible's atomic_move does, never above the root
        let real = fs::real_path(&self.root, abs)?;
        let path = self.path(&real);
        self.guard_write(&path)?;
        let parent = Path::new(&real).parent().unwrap_or(Path::new("/"));
        self.sweep(&[parent.to_str().unwrap_or("/")])?;
        let staging = LOADS_EVERY_FILE
            .contains(&parent.to_str().unwrap_or(""))
            .then(|| self.path(parent.parent().unwrap_or(Path::new("/"))));
        let w = fs::write_atomic_as(&path, content, opts, mode, gid, staging.as_deref())?;
        self.mark_changed();
        Ok(w)
    }

    /// Names in a directory of the managed system (sorted); `None` when it does not exist, an
    /// error when it cannot be listed. See [`fs::list_names`].
    pub fn list(&self, abs: &str) -> Result<Option<Vec<String>>> {
        fs::list_names(&self.path(abs))
    }

    /// Remove the temp files that killed runs of a module left in these directories of the
    /// managed system (and in the staging directory of those whose consumer loads every file).
    /// What was (in check mode: would be) removed becomes a warning of the result. Every write
    /// sweeps its own directory; a module sweeps the others it manages even when it writes
    /// nothing.
    pub fn sweep(&self, dirs: &[&str]) -> Result<()> {
        for d in dirs {
            let mut all = vec![self.path(d)];
            if LOADS_EVERY_FILE.contains(d) {
                all.push(self.path(Path::new(d).parent().unwrap_or(Path::new("/"))));
            }
            for dir in all {
                if self.swept.borrow().contains(&dir) {
                    continue;
                }
                for t in fs::stale_temps(&dir)? {
                    if self.check_mode {
                        // check mode predicts the real run: it would change the system
                        self.changed.set(true);
                    } else {
                        fs::remove(&t, false)?;
                        self.mark_changed();
                    }
                    self.notes.borrow_mut().push(format!(
                        "{} the temporary file {} that an interrupted run left",
                        if self.check_mode {
                            "would remove"
                        } else {
                            "removed"
                        },
                        t.display()
                    ));
                }
                self.swept.borrow_mut().push(dir);
            }
        }
        Ok(())
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
        // the kernel seen from a chroot is the host's
        service::refuse_offline(self, &format!("a write to {abs}"))?;
        let path = self.path(abs);
        self.guard_write(&path)?;
        std::fs::write(&path, value).map_err(|e| Error::io("write", &path, e))?;
        self.mark_changed();
        Ok(())
    }
}

/// Directories whose consumer loads every regular file in them, whatever its name (fapolicyd
/// reads all of trust.d, dot-files included): the kit's temp files never get a name there.
pub const LOADS_EVERY_FILE: &[&str] = &["/etc/fapolicyd/trust.d"];

/// `p` as a relative path with every `..` resolved lexically and clamped at the root.
pub fn clamp(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(x) => out.push(x),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// Record that the system was changed (a file replaced or removed), from wherever the change
/// happened: a failure after it still reports `changed: true`.
pub fn note_changed() {
    CHANGED_SO_FAR.store(true, Ordering::SeqCst);
    REPLACED.with(|r| r.set(true));
}

thread_local! {
    /// [`note_changed`] of this thread's run (modules run on one thread; unit tests on many).
    static REPLACED: Cell<bool> = const { Cell::new(false) };
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
    /// Directories the module writes in: swept of the temp files killed runs left (see
    /// [`Ctx::sweep`]) on every run with valid arguments, check mode included (then reported only).
    const DIRS: &'static [&'static str] = &[];
    fn run(ctx: &Ctx, args: Self::Args) -> Result<Outcome>;
}

fn fqcn<M: Module>() -> String {
    format!("hardening.rhel.{}", M::NAME)
}

/// Longest failure message: a message is for a person; no value makes it huge.
const MSG_MAX: usize = 16 * 1024;

fn failure(msg: &str, changed: bool) -> Value {
    let msg = if msg.len() > MSG_MAX {
        let mut end = MSG_MAX;
        while !msg.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… (message cut at {MSG_MAX} bytes)", &msg[..end])
    } else {
        msg.to_string()
    };
    json!({"failed": true, "changed": changed, "msg": msg})
}

/// `_ansible_check_mode` / `_ansible_diff`: Ansible's boolean spellings; anything else is refused
/// (a check-mode run taken for a real one would change the host).
fn internal_flag(obj: &Map<String, Value>, key: &str) -> std::result::Result<bool, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => args::parse_bool(s)
            .ok_or_else(|| format!("{key} must be a boolean, got '{}'", args::clip(s))),
        Some(Value::Number(n)) if n.as_f64() == Some(1.0) => Ok(true),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Ok(false),
        Some(other) => Err(format!(
            "{key} must be a boolean, got {}",
            args::clip(&other.to_string())
        )),
    }
}

/// Run a module on parsed arguments (the whole JSON object Ansible wrote) and build the result
/// object. `sandbox` is the sandbox root, if any. Never panics on bad input.
pub fn execute<M: Module>(raw: &Value, sandbox: Option<&Path>) -> Value {
    let Some(obj) = raw.as_object() else {
        return failure("module arguments must be a JSON object", false);
    };
    let (check, diff) = match (
        internal_flag(obj, "_ansible_check_mode"),
        internal_flag(obj, "_ansible_diff"),
    ) {
        (Ok(c), Ok(d)) => (c, d),
        (Err(e), _) | (_, Err(e)) => return failure(&e, false),
    };
    let mut ctx = match sandbox {
        Some(root) => Ctx::sandbox(root, check, diff),
        None => Ctx::system(check, diff),
    };
    REPLACED.with(|r| r.set(false));
    // the action plugins' description of Ansible's connection: not a task parameter
    let mut obj = obj.clone();
    if let Some(h) = obj.remove(lockout::HINT_KEY) {
        match lockout::Hint::parse(&h) {
            Ok(h) => ctx.hint = Some(h),
            Err(e) => return failure(&e, false),
        }
    }
    let obj = &obj;
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
    let mut result = match ctx.sweep(M::DIRS).and_then(|()| M::run(&ctx, typed)) {
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
            let mut warnings = out.warnings;
            warnings.extend(ctx.notes.take());
            if !warnings.is_empty() {
                r.insert("warnings".into(), json!(warnings));
            }
            if !out.facts.is_empty() {
                r.insert("ansible_facts".into(), Value::Object(out.facts));
            }
            Value::Object(r)
        }
        Err(e) => {
            let mut f = failure(&e.to_string(), ctx.changed() || REPLACED.with(Cell::get));
            if let Error::Lockout {
                verdict, reasons, ..
            } = &e
            {
                f["lockout_check"] = json!(verdict);
                f["lockout_risks"] = json!(reasons);
            }
            let notes = ctx.notes.take();
            if !notes.is_empty() {
                f["warnings"] = json!(notes);
            }
            f
        }
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

/// Largest arguments document read from standard input (`<module> -`): far beyond any task
/// (a multi-line value is at most [`args::MAX_TEXT`]), small enough that a runaway writer cannot
/// exhaust the host's memory.
pub const MAX_STDIN_ARGS: u64 = 64 << 20;

/// The task's arguments: the JSON text of the args file, or of standard input for `-`.
fn read_args(file: &Path) -> std::result::Result<String, String> {
    if file == Path::new("-") {
        use std::io::Read;
        let mut text = String::new();
        let n = std::io::stdin()
            .take(MAX_STDIN_ARGS + 1)
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the arguments from standard input: {e}"))?;
        if n as u64 > MAX_STDIN_ARGS {
            return Err(format!(
                "the arguments on standard input exceed {MAX_STDIN_ARGS} bytes"
            ));
        }
        return Ok(text);
    }
    std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read the arguments file {}: {e}", file.display()))
}

fn parse_argv(argv: &[String]) -> std::result::Result<(PathBuf, Option<PathBuf>), String> {
    match argv {
        [_, file] => Ok((PathBuf::from(file), None)),
        [_, file, flag, root] if flag == "--sandbox-root" => {
            Ok((PathBuf::from(file), Some(PathBuf::from(root))))
        }
        _ => Err(
            "this is an Ansible module: run it as `<module> <argsfile>`, where argsfile holds \
                  the task's arguments as a JSON object (`-`: read them from standard input)"
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
        Ok((file, sandbox)) => match read_args(&file) {
            Err(msg) => failure(&msg, false),
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Err(e) => failure(
                    &if file == Path::new("-") {
                        format!("the arguments on standard input are not JSON: {e}")
                    } else {
                        format!("the arguments file {} is not JSON: {e}", file.display())
                    },
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
    fn internal_flags_follow_ansibles_boolean_rules() {
        for (v, check) in [
            (json!("yes"), true),
            (json!("1"), true),
            (json!(1), true),
            (json!("True"), true),
            (json!("no"), false),
            (json!(0), false),
            (json!(null), false),
        ] {
            let r = execute::<Echo>(&json!({"word": "hi", "_ansible_check_mode": v}), None);
            assert_eq!(r["changed"], !check, "{v}");
        }
        for v in [json!("maybe"), json!([true]), json!(2)] {
            let r = execute::<Echo>(&json!({"word": "hi", "_ansible_check_mode": v}), None);
            assert_eq!(r["failed"], true, "{v}");
            assert!(r["msg"].as_str().unwrap().contains("_ansible_check_mode"));
        }
        let r = execute::<Echo>(&json!({"word": "hi", "_ansible_diff": "maybe"}), None);
        assert_eq!(r["failed"], true);
    }

    #[test]
    fn sandbox_paths_never_climb_above_the_root() {
        let ctx = Ctx::sandbox(Path::new("/tmp/sb"), false, false);
        assert_eq!(
            ctx.path("/../../etc/passwd"),
            Path::new("/tmp/sb/etc/passwd")
        );
        assert_eq!(ctx.path("/a/../../b"), Path::new("/tmp/sb/b"));
        assert_eq!(ctx.path("/"), Path::new("/tmp/sb"));
    }

    #[test]
    fn huge_failure_messages_are_cut() {
        let f = failure(&"x".repeat(1 << 20), false);
        assert!(f["msg"].as_str().unwrap().len() < MSG_MAX + 100);
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
