//! `hardening-rhel`: a profile of module tasks applied with the collection's binaries alone, where
//! there is no Ansible - a bootc image's Containerfile `RUN`, a kickstart `%post`, a rescue shell.
//!
//! A profile is the list of tasks the role `hardening.rhel.hardening` runs (entry point
//! `harden`), with the arguments its defaults give them (`scripts/gen-profile.py` derives it from
//! the role; baseline and stig are built in, `hardening-rhel profile` prints them). Each step runs `<module> -` with its arguments
//! on standard input, as the collection's action plugins do; the first failure stops the run.

use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The profiles built in: name and the generated JSON (collection/files/profiles/).
const PROFILES: &[(&str, &str)] = &[
    (
        "baseline",
        include_str!("../../../collection/files/profiles/baseline.json"),
    ),
    (
        "stig",
        include_str!("../../../collection/files/profiles/stig.json"),
    ),
];

/// The modules a profile may name (the binaries next to this one).
const MODULES: &[&str] = &[
    "selinux",
    "crypto_policy",
    "fips",
    "firewalld_zone",
    "fapolicyd_trust",
    "fapolicyd_rules",
    "fapolicyd_config",
    "security_facts",
];

const USAGE: &str = "usage:
  hardening-rhel apply [--profile NAME|FILE] [--check] [--diff] [--json] [--bin-dir DIR]
  hardening-rhel profile [NAME]      print a profile (edit a copy, pass it with --profile FILE)
  hardening-rhel --help | --version

apply runs the profile's steps in order with the collection's module binaries (by default the
ones beside this program, or the installed collection's files/modules/<arch>) and stops at the first
failure. --check: nothing is changed, each step says what it would do. --diff: the results carry
the modules' diffs (shown with --json). --json: one JSON document of every step's result.
Profiles built in: baseline and stig (the playbook hardening.rhel.harden with its defaults and
hardening_profile: baseline or stig, hardening_offline: true).
Exit status: 0 done, 1 a step failed, 2 a usage or profile error (nothing was run).";

/// A step of a profile: a task's name, its module and its arguments.
#[derive(Debug, PartialEq)]
pub struct Step {
    pub name: String,
    pub module: String,
    pub args: Map<String, Value>,
}

/// A profile's steps, validated: every step a known module and an arguments object, no unknown
/// key, no `_ansible_*` argument (the run sets those).
pub fn parse_profile(text: &str) -> Result<Vec<Step>, String> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| format!("the profile is not JSON: {e}"))?;
    let obj = doc.as_object().ok_or("the profile is not a JSON object")?;
    for k in obj.keys() {
        if !matches!(k.as_str(), "profile" | "generated_by" | "steps") {
            return Err(format!(
                "unknown key '{k}' in the profile (profile, generated_by, steps)"
            ));
        }
    }
    let steps = obj
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("the profile has no list 'steps'")?;
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let n = i + 1;
        let s = s.as_object().ok_or(format!("step {n} is not an object"))?;
        for k in s.keys() {
            if !matches!(k.as_str(), "name" | "module" | "args") {
                return Err(format!("step {n}: unknown key '{k}' (name, module, args)"));
            }
        }
        let text = |k: &str| {
            s.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or(format!("step {n}: '{k}' must be a string"))
        };
        let name = text("name")?;
        let module = text("module")?;
        if !MODULES.contains(&module.as_str()) {
            return Err(format!(
                "step {n} ({name}): unknown module '{module}' (one of {})",
                MODULES.join(", ")
            ));
        }
        let args = s
            .get("args")
            .and_then(Value::as_object)
            .cloned()
            .ok_or(format!("step {n} ({name}): 'args' must be an object"))?;
        if let Some(k) = args.keys().find(|k| k.starts_with("_ansible_")) {
            return Err(format!(
                "step {n} ({name}): '{k}' is set by the run (--check, --diff), not by a profile"
            ));
        }
        out.push(Step { name, module, args });
    }
    if out.is_empty() {
        return Err("the profile has no steps".into());
    }
    Ok(out)
}

/// Largest profile file read (the built-in ones are a few kilobytes).
pub const MAX_PROFILE: u64 = 1 << 20;

/// The text of a profile: a built-in name, or a file (a path: contains `/` or ends in `.json`).
fn profile_text(spec: &str) -> Result<String, String> {
    if spec.contains('/') || spec.ends_with(".json") {
        // a profile is a few kilobytes; no file given by mistake (a device, a huge log) is read
        // whole into memory
        use std::io::Read;
        let mut text = String::new();
        let n = std::fs::File::open(spec)
            .and_then(|f| f.take(MAX_PROFILE + 1).read_to_string(&mut text))
            .map_err(|e| format!("cannot read the profile {spec}: {e}"))?;
        if n as u64 > MAX_PROFILE {
            return Err(format!(
                "the profile {spec} is larger than {MAX_PROFILE} bytes: not a profile"
            ));
        }
        return Ok(text);
    }
    PROFILES
        .iter()
        .find(|(n, _)| *n == spec)
        .map(|(_, t)| t.to_string())
        .ok_or_else(|| {
            let names: Vec<&str> = PROFILES.iter().map(|(n, _)| *n).collect();
            format!(
                "no built-in profile '{spec}' (built in: {}; a file: give its path)",
                names.join(", ")
            )
        })
}

/// Where the module binaries are: `--bin-dir`, else beside this program, else the installed
/// collection's (this program in `files/` or `files/__aarch64/`, the modules in
/// `files/modules/x86_64/` or `files/modules/aarch64/`).
fn bin_dir(given: Option<&str>, steps: &[Step]) -> Result<PathBuf, String> {
    let missing = |d: &Path| steps.iter().find(|s| !d.join(&s.module).is_file());
    if let Some(d) = given {
        let d = PathBuf::from(d);
        return match missing(&d) {
            None => Ok(d),
            Some(s) => Err(format!("{} has no module binary {}", d.display(), s.module)),
        };
    }
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot tell where this program is: {e}"))?;
    let here = exe.parent().unwrap_or(Path::new("/")).to_path_buf();
    let collection = if cfg!(target_arch = "aarch64") {
        here.join("../modules/aarch64")
    } else {
        here.join("modules/x86_64")
    };
    [here.clone(), collection]
        .into_iter()
        .find(|d| missing(d).is_none())
        .ok_or(format!(
            "the module binaries are neither beside {} nor in the collection's files/modules: give --bin-dir",
            exe.display()
        ))
}

struct Options {
    profile: String,
    check: bool,
    diff: bool,
    json: bool,
    bin_dir: Option<String>,
    sandbox_root: Option<String>,
}

fn parse_apply(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        profile: "baseline".into(),
        check: false,
        diff: false,
        json: false,
        bin_dir: None,
        sandbox_root: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().cloned().ok_or(format!("{flag} needs a value"));
        match a.as_str() {
            "--profile" => o.profile = value("--profile")?,
            "--bin-dir" => o.bin_dir = Some(value("--bin-dir")?),
            // tests: every module runs against this root (their --sandbox-root)
            "--sandbox-root" => o.sandbox_root = Some(value("--sandbox-root")?),
            "--check" => o.check = true,
            "--diff" => o.diff = true,
            "--json" => o.json = true,
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(o)
}

/// Run one module binary with `args` on standard input; its JSON result, or a failure result
/// saying why there is none.
fn run_module(bin: &Path, args: &Value, sandbox_root: Option<&str>) -> Value {
    let mut cmd = Command::new(bin);
    cmd.arg("-");
    if let Some(r) = sandbox_root {
        cmd.arg("--sandbox-root").arg(r);
    }
    let child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot run {}: {e}", bin.display())),
    };
    if let Some(mut pipe) = child.stdin.take() {
        // a module that fails before reading closes the pipe: its result says why
        let _ = pipe.write_all(args.to_string().as_bytes());
    }
    match child.wait_with_output() {
        Err(e) => failed(format!("waiting for {}: {e}", bin.display())),
        Ok(out) => match serde_json::from_slice::<Value>(&out.stdout) {
            Ok(v) if v.is_object() => v,
            _ => failed(format!(
                "{} printed no JSON result (exit status {}): {}",
                bin.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        },
    }
}

fn failed(msg: String) -> Value {
    serde_json::json!({"failed": true, "msg": msg})
}

fn apply(o: &Options) -> i32 {
    let steps = match profile_text(&o.profile).and_then(|t| parse_profile(&t)) {
        Ok(s) => s,
        Err(e) => return usage_error(&e),
    };
    let dir = match bin_dir(o.bin_dir.as_deref(), &steps) {
        Ok(d) => d,
        Err(e) => return usage_error(&e),
    };
    let mut results = Vec::new();
    let (mut ok, mut changed) = (0, 0);
    let mut later = Vec::new();
    let mut status = 0;
    for s in &steps {
        let mut args = Value::Object(s.args.clone());
        args["_ansible_check_mode"] = Value::Bool(o.check);
        args["_ansible_diff"] = Value::Bool(o.diff);
        let r = run_module(&dir.join(&s.module), &args, o.sandbox_root.as_deref());
        let fail = r["failed"] == Value::Bool(true);
        let chg = r["changed"] == Value::Bool(true);
        if !o.json {
            let word = match (fail, chg, o.check) {
                (true, _, _) => "failed",
                (_, true, true) => "would change",
                (_, true, false) => "changed",
                _ => "ok",
            };
            println!(
                "{word}: {} [{}]: {}",
                s.name,
                s.module,
                r["msg"].as_str().unwrap_or("")
            );
            for w in r["warnings"].as_array().into_iter().flatten() {
                println!("  warning: {}", w.as_str().unwrap_or(""));
            }
        }
        if let Some(at) = r["applied_at"].as_str().filter(|a| *a != "now") {
            later.push(format!("{} ({at})", s.module));
        }
        results.push(serde_json::json!({"name": s.name, "module": s.module, "result": r}));
        if fail {
            status = 1;
            break;
        }
        if chg {
            changed += 1;
        } else {
            ok += 1;
        }
    }
    if o.json {
        let doc = serde_json::json!({"profile": o.profile, "check_mode": o.check,
                                      "failed": status != 0, "steps": results});
        println!("{doc:#}");
    } else {
        println!(
            "hardening-rhel: profile {}: {ok} ok, {changed} {}{}",
            o.profile,
            if o.check { "would change" } else { "changed" },
            if status != 0 {
                ", 1 failed (stopped there)"
            } else {
                ""
            }
        );
        if !later.is_empty() {
            println!("takes effect later: {}", later.join(", "));
        }
    }
    status
}

fn usage_error(msg: &str) -> i32 {
    eprintln!("hardening-rhel: {msg}");
    2
}

/// The program: `args` without the program name; the exit status.
pub fn main(args: Vec<String>) -> i32 {
    match args.first().map(String::as_str) {
        Some("apply") => match parse_apply(&args[1..]) {
            Ok(o) => apply(&o),
            Err(e) => usage_error(&format!("{e}\n{USAGE}")),
        },
        Some("profile") if args.len() <= 2 => {
            match profile_text(args.get(1).map(String::as_str).unwrap_or("baseline")) {
                Ok(t) => {
                    print!("{t}");
                    0
                }
                Err(e) => usage_error(&e),
            }
        }
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            0
        }
        Some("--version") => {
            println!("hardening-rhel {}", env!("CARGO_PKG_VERSION"));
            0
        }
        _ => usage_error(USAGE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_parse() {
        for (name, text) in PROFILES {
            let steps = parse_profile(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(steps.iter().any(|s| s.module == "selinux"), "{name}");
        }
    }

    #[test]
    fn bad_profiles_are_refused_naming_the_fault() {
        for (text, want) in [
            ("[]", "not a JSON object"),
            ("{\"steps\": []}", "no steps"),
            ("{\"steps\": [], \"extra\": 1}", "unknown key 'extra'"),
            (
                "{\"steps\": [{\"name\": \"x\", \"module\": \"shell\", \"args\": {}}]}",
                "unknown module 'shell'",
            ),
            (
                "{\"steps\": [{\"name\": \"x\", \"module\": \"selinux\", \"args\": []}]}",
                "'args' must be an object",
            ),
            (
                "{\"steps\": [{\"name\": \"x\", \"module\": \"selinux\", \"args\": {\"_ansible_check_mode\": false}}]}",
                "set by the run",
            ),
            (
                "{\"steps\": [{\"name\": \"x\", \"module\": \"selinux\", \"args\": {}, \"when\": 1}]}",
                "unknown key 'when'",
            ),
            ("{\"steps\": [{\"module\": \"selinux\", \"args\": {}}]}", "'name' must be a string"),
        ] {
            let e = parse_profile(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn arguments_are_checked() {
        assert!(parse_apply(&["--check".into(), "--bogus".into()]).is_err());
        assert!(parse_apply(&["--profile".into()]).is_err());
        let o = parse_apply(&["--profile".into(), "x.json".into(), "--check".into()]).unwrap();
        assert!(o.check && o.profile == "x.json");
    }
}
