//! Generated bad inputs for every parameter of every module, from the sidecar specs
//! (`collection/plugins/modules/<name>.yml`, which `tests/docs.rs` proves equal to the modules'
//! own parameter specs): wrong types, missing required, unknown names, invalid choices, control
//! characters and other characters no configuration file can carry, oversized strings and lists,
//! path traversal in name-like parameters, numbers out of range, broken and deeply nested JSON,
//! huge and missing argument files, check-mode variants.
//!
//! Every case must give exactly one JSON object on stdout, `failed: true` with a message naming
//! the parameter (argument-file cases: the file), no crash, in under 10 s — and the sandbox tree
//! must be identical afterwards: content, type, mode, owner, link count, symbolic link targets,
//! SELinux label.
//!
//! A second family ("may accept": empty and unusual-but-legal strings, values at the limits)
//! only has to keep the contract — one JSON object, no crash, in time, and nothing written when
//! it fails.
//!
//! Run: `cargo test -p hardening-rhel-tests --test adversarial -- --nocapture` (prints the case
//! counts per module).

use hardening_rhel_tests::{bin_dir, repo, Sandbox};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const MODULES: &[&str] = &[
    "selinux",
    "crypto_policy",
    "fips",
    "fapolicyd_rules",
    "fapolicyd_config",
    "fapolicyd_trust",
    "firewalld_zone",
    "security_facts",
];

/// A valid task per module that gives every dict parameter a value, so that a bad value can be
/// put at any path of the spec.
fn base(module: &str) -> Value {
    match module {
        "selinux" => json!({"state": "enforcing", "policy": "targeted"}),
        "crypto_policy" => json!({
            "policy": "DEFAULT:NO-SHA1",
            "custom_modules": [{"name": "TEST", "content": "hash = -SHA1\n"}],
            "custom_policies": [{"name": "TESTPOL", "content": "hash = SHA2-256\n"}]
        }),
        "fips" => json!({"state": "enabled"}),
        "fapolicyd_rules" => json!({"name": "80-test", "rules": ["allow perm=execute all : all"]}),
        "fapolicyd_config" => json!({"settings": {"permissive": 1}}),
        "fapolicyd_trust" => json!({"trust_file": "app", "paths": ["/opt/app/bin"]}),
        "firewalld_zone" => json!({
            "name": "web",
            "services": ["http"],
            "forward_ports": [{"port": "80", "protocol": "tcp", "to_port": "8080"}],
            "remove": {"services": ["ftp"], "forward_ports": [{"port": "81", "protocol": "tcp", "to_port": "8081"}]}
        }),
        "security_facts" => json!({"baseline": {
            "crypto_policy": "DEFAULT",
            "selinux": {"state": "enforcing"},
            "firewalld": {"running": true},
            "fapolicyd": {"running": true}
        }}),
        _ => unreachable!(),
    }
}

/// Parameters whose value names a file or directory the module reads or writes.
fn name_like(module: &str, path: &str) -> bool {
    matches!(
        (module, path),
        ("selinux", "policy")
            | ("crypto_policy", "policy")
            | ("crypto_policy", "custom_modules.name")
            | ("crypto_policy", "custom_policies.name")
            | ("fapolicyd_rules", "name")
            | ("fapolicyd_trust", "trust_file")
            | ("firewalld_zone", "name")
    )
}

/// A sandbox with what every module reads: policies, zones, services, rules, trust, accounts.
fn world() -> Sandbox {
    let sb = Sandbox::new();
    sb.with_crypto_policies();
    sb.copy("tests/fixtures/selinux/rhel9-config", "/etc/selinux/config")
        .dir("/etc/selinux/targeted/policy")
        .copy("tests/fixtures/firewalld/zones", "/usr/lib/firewalld/zones")
        .dir("/etc/firewalld/zones")
        .file("/etc/firewalld/firewalld.conf", "DefaultZone=public\n")
        .file("/etc/protocols", "tcp 6 TCP\nudp 17 UDP\ngre 47 GRE\n")
        .copy(
            "tests/fixtures/boot/rhel9-entry.conf",
            "/boot/loader/entries/a.conf",
        )
        .file("/etc/os-release", "ID=rhel\nVERSION_ID=\"9.4\"\n")
        .with_fapolicyd()
        .file("/usr/sbin/fapolicyd", "")
        .file("/opt/app/bin/prog", "#!/bin/true\n");
    for s in ["http", "ftp", "ssh"] {
        sb.file(
            &format!("/usr/lib/firewalld/services/{s}.xml"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service>\n  <port protocol=\"tcp\" port=\"80\"/>\n</service>\n",
        );
    }
    sb
}

/// One entry of the tree as it must stay: everything a consumer or a person could notice.
#[derive(Debug, PartialEq, Eq)]
struct Meta {
    kind: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u64,
    content: Vec<u8>,
    link: Option<PathBuf>,
    label: Option<Vec<u8>>,
}

fn tree(root: &Path) -> BTreeMap<PathBuf, Meta> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Meta>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if p.extension().is_some_and(|x| x == "calls") {
                continue; // stand-ins' call logs
            }
            let ft = m.file_type();
            out.insert(
                p.strip_prefix(root).unwrap().to_path_buf(),
                Meta {
                    kind: m.mode() & 0o170000,
                    mode: m.mode() & 0o7777,
                    uid: m.uid(),
                    gid: m.gid(),
                    nlink: if ft.is_dir() { 0 } else { m.nlink() },
                    content: if ft.is_file() {
                        std::fs::read(&p).unwrap()
                    } else {
                        Vec::new()
                    },
                    link: ft.is_symlink().then(|| std::fs::read_link(&p).unwrap()),
                    label: if ft.is_symlink() {
                        None
                    } else {
                        kit::fs::get_label(&p).unwrap()
                    },
                },
            );
            if ft.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn differences(a: &BTreeMap<PathBuf, Meta>, b: &BTreeMap<PathBuf, Meta>) -> Vec<String> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.display().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Run a module binary on an argument file's raw bytes (or a given path) in the sandbox.
/// Returns the one JSON object it printed, checking the output contract.
fn run_raw(module: &str, sb: &Sandbox, args_path: &Path) -> Value {
    let t0 = Instant::now();
    let out = Command::new(bin_dir().join(module))
        .arg(args_path)
        .arg("--sandbox-root")
        .arg(sb.root())
        .env_clear()
        .output()
        .expect("run module");
    let took = t0.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "{module}: took {took:?} on {}",
        args_path.display()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // exactly one JSON object (serde_json refuses anything after it)
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "{module}: not exactly one JSON object ({e}): stdout={:?} stderr={:?}",
            clip(&stdout),
            clip(&String::from_utf8_lossy(&out.stderr))
        )
    });
    assert!(v.is_object(), "{module}: {v}");
    assert_eq!(stdout.trim().lines().count(), 1, "{module}: one line");
    let msg = v["msg"].as_str().unwrap_or_default();
    assert!(!msg.contains("crashed"), "{module}: {msg}");
    assert!(
        stdout.len() < 256 * 1024,
        "{module}: a {} byte result",
        stdout.len()
    );
    assert_eq!(
        out.status.success(),
        v["failed"] != Value::Bool(true),
        "{module}: exit code agrees with failed"
    );
    v
}

fn run_json(module: &str, sb: &Sandbox, args: &Value) -> Value {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), args.to_string()).unwrap();
    run_raw(module, sb, f.path())
}

fn clip(s: &str) -> String {
    s.chars().take(300).collect()
}

/// Set `value` at a dotted spec path of `args` (`remove.services`, `forward_ports.port`: a list
/// of dicts takes its first element). `None` removes the key.
fn set(args: &mut Value, path: &[&str], value: Option<Value>) {
    let mut cur = args;
    for (i, k) in path.iter().enumerate() {
        if i == path.len() - 1 {
            let obj = cur.as_object_mut().expect("a dict on the path");
            match value {
                Some(v) => {
                    obj.insert(k.to_string(), v);
                }
                None => {
                    obj.remove(*k);
                }
            }
            return;
        }
        let next = cur.get_mut(*k).unwrap_or_else(|| panic!("base lacks {k}"));
        cur = if next.is_array() {
            &mut next.as_array_mut().unwrap()[0]
        } else {
            next
        };
    }
}

/// The characters no value may carry, with a name for the report.
const FORBIDDEN: &[(&str, &str)] = &[
    ("NUL", "\u{0}"),
    ("SOH", "\u{1}"),
    ("ESC", "\u{1b}"),
    ("VT", "\u{b}"),
    ("FF", "\u{c}"),
    ("CR", "\r"),
    ("LF", "\n"),
    ("TAB", "\t"),
    ("DEL", "\u{7f}"),
    ("NEL", "\u{85}"),
    ("LS", "\u{2028}"),
    ("PS", "\u{2029}"),
    ("RLO", "\u{202e}"),
    ("U+FFFE", "\u{fffe}"),
    ("U+FFFF", "\u{ffff}"),
];

const TRAVERSAL: &[&str] = &[
    "../../etc/passwd",
    "../x",
    "x/../../y",
    "/etc/passwd",
    "..",
    ".",
    "a/b",
    "x\u{0}y",
];

struct Opt {
    path: Vec<String>,
    typ: String,
    elements: Option<String>,
    required: bool,
    choices: Vec<String>,
    suboptions: Option<serde_yaml::Mapping>,
}

fn options(doc: &serde_yaml::Value) -> Vec<Opt> {
    fn walk(prefix: &[String], opts: &serde_yaml::Mapping, out: &mut Vec<Opt>) {
        for (k, o) in opts {
            let mut path = prefix.to_vec();
            path.push(k.as_str().unwrap().to_string());
            let sub = o["suboptions"].as_mapping().cloned();
            out.push(Opt {
                path: path.clone(),
                typ: o["type"].as_str().unwrap_or("str").to_string(),
                elements: o["elements"].as_str().map(String::from),
                required: o["required"].as_bool().unwrap_or(false),
                choices: o["choices"]
                    .as_sequence()
                    .map(|s| s.iter().map(|c| c.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default(),
                suboptions: sub.clone(),
            });
            if let Some(sub) = &sub {
                walk(&path, sub, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &[],
        doc["DOCUMENTATION"]["options"].as_mapping().unwrap(),
        &mut out,
    );
    out
}

/// A value of the right type for an option, with `s` where a string goes.
fn shaped(o: &Opt, s: &str) -> Value {
    match (o.typ.as_str(), o.elements.as_deref()) {
        ("list", Some("str" | "path")) => json!([s]),
        _ => json!(s),
    }
}

/// (description, value, must_refuse) cases for one option.
fn cases_for(module: &str, o: &Opt) -> Vec<(String, Value, bool)> {
    let mut c: Vec<(String, Value, bool)> = Vec::new();
    let mut refuse = |d: &str, v: Value| c.push((d.to_string(), v, true));
    let is_text = o.typ == "str"
        || o.typ == "path"
        || (o.typ == "list" && matches!(o.elements.as_deref(), Some("str" | "path")));
    let multiline = module == "crypto_policy" && o.path.last().unwrap() == "content";
    // wrong types
    match o.typ.as_str() {
        "str" | "path" => {
            refuse("a list", json!(["x"]));
            refuse("a dict", json!({"x": 1}));
            refuse("a boolean", json!(true));
        }
        "bool" => {
            for v in [
                json!("maybe"),
                json!(2),
                json!(-1),
                json!(0.5),
                json!([]),
                json!({}),
                json!(""),
                json!("yes please"),
                json!("ture"),
                json!("nope"),
                json!("1.5"),
                json!("2"),
                json!("-1"),
                json!("null"),
                json!("None"),
                json!("[]"),
                json!("y\u{0}"),
                json!("yes\nno"),
                json!(1e300),
                json!(null_like()),
            ] {
                refuse("not a boolean", v);
            }
        }
        "int" => {
            for v in [
                json!("x"),
                json!(1.5),
                json!([]),
                json!({}),
                json!(true),
                json!("1e3"),
                json!(-1),
                json!(0),
                json!(i64::MAX),
                json!(i64::MIN),
                json!(1e300),
                json!("99999999999999999999999"),
            ] {
                refuse("a bad or out-of-range integer", v);
            }
        }
        "list" => {
            refuse("a dict", json!({"x": 1}));
            refuse("a boolean", json!(true));
            refuse("a number", json!(3));
            match o.elements.as_deref() {
                Some("dict") => {
                    refuse("a list of strings", json!(["x"]));
                    refuse("a list of lists", json!([[]]));
                    refuse("an unknown sub-option", json!([{"no_such_option": 1}]));
                }
                _ => {
                    refuse("a list of lists", json!([["x"]]));
                    refuse("a list of dicts", json!([{"x": 1}]));
                    refuse("a list of booleans", json!([true]));
                    refuse("a list with null", json!([null]));
                    let many: Vec<String> = (0..10_001).map(|i| format!("i{i}")).collect();
                    refuse("10001 items", json!(many));
                }
            }
        }
        "dict" => {
            refuse("a list", json!(["x"]));
            refuse("a number", json!(1));
            refuse("text that is not a dict", json!("not json"));
            refuse("a boolean", json!(true));
            if o.suboptions.is_some() {
                refuse("an unknown sub-option", json!({"no_such_option": 1}));
            } else {
                for (n, ch) in FORBIDDEN {
                    refuse(&format!("{n} in a key"), json!({ format!("k{ch}y"): 1 }));
                    refuse(
                        &format!("{n} in a value"),
                        json!({ "permissive": format!("1{ch}") }),
                    );
                }
                let mut deep = json!(1);
                for _ in 0..40 {
                    deep = json!({ "permissive": deep });
                }
                refuse("nested 40 deep", deep);
            }
        }
        _ => {}
    }
    if is_text {
        for (n, ch) in FORBIDDEN {
            if multiline && (*n == "LF" || *n == "TAB") {
                continue;
            }
            let valid = o.choices.first().cloned().unwrap_or_else(|| "abc".into());
            refuse(&format!("{n} inside"), shaped(o, &format!("{valid}{ch}x")));
            refuse(
                &format!("{n} at the start"),
                shaped(o, &format!("{ch}{valid}")),
            );
        }
        let max = if multiline { (1 << 20) + 1 } else { 4097 };
        refuse("an oversized string", shaped(o, &"a".repeat(max)));
    }
    if o.typ == "path" || o.elements.as_deref() == Some("path") {
        for v in ["relative/path", "", "/a/../b", "/.."] {
            refuse("a path that is not absolute and canonical", shaped(o, v));
        }
    }
    if !o.choices.is_empty() {
        let first = &o.choices[0];
        for v in [
            "".to_string(),
            first.to_uppercase(),
            format!("{first} "),
            format!(" {first}"),
            format!("{first}x"),
            "no_such_choice".to_string(),
        ] {
            if !o.choices.contains(&v) {
                refuse("an invalid choice", shaped(o, &v));
            }
        }
    }
    let dotted = o.path.join(".");
    if name_like(module, &dotted) {
        for t in TRAVERSAL {
            refuse("path traversal", shaped(o, t));
        }
        refuse("an over-long name", shaped(o, &"A".repeat(300)));
    }
    // may accept: the contract without a verdict
    if is_text && o.choices.is_empty() {
        for v in [
            "",
            " ",
            "ünïcödé ✓ 日本",
            "a\u{a0}b",
            "'\"<>&%;$`",
            &"b".repeat(4096),
        ] {
            c.push(("an unusual string".into(), shaped(o, v), false));
        }
    }
    c
}

/// A value that looks like a boolean to a careless reader.
fn null_like() -> Value {
    json!({"value": true})
}

fn sidecar(module: &str) -> serde_yaml::Value {
    let p = repo().join(format!("collection/plugins/modules/{module}.yml"));
    serde_yaml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn every_bad_input_is_refused_naming_the_parameter_and_nothing_is_written() {
    let mut report = Vec::new();
    let mut total = 0;
    let problems = std::cell::RefCell::new(Vec::<String>::new());
    let every: usize = std::env::var("HARDENING_ADVERSARIAL_EVERY")
        .ok()
        .map(|v| v.parse().expect("HARDENING_ADVERSARIAL_EVERY: a number"))
        .unwrap_or(1)
        .max(1);
    let ran = std::cell::Cell::new(0usize);
    for module in MODULES {
        let sb = world();
        let doc = sidecar(module);
        let opts = options(&doc);
        let mut n_refuse = 0;
        let mut n_other = 0;
        let seen = std::cell::Cell::new(0usize);
        let check = |desc: &str, at: &str, args: &Value, must_refuse: bool, name: &str| {
            // HARDENING_ADVERSARIAL_EVERY=N runs every Nth case (the aarch64 run under qemu)
            seen.set(seen.get() + 1);
            if (seen.get() - 1) % every != 0 {
                return;
            }
            ran.set(ran.get() + 1);
            // an accepted "may accept" case may have changed the tree: compare with just before
            let before = tree(sb.root());
            let v = run_json(module, &sb, args);
            let failed = v["failed"] == Value::Bool(true);
            let msg = v["msg"].as_str().unwrap_or_default();
            let mut bad = problems.borrow_mut();
            if must_refuse && !failed {
                bad.push(format!(
                    "{module}: {at} = {desc} was accepted: {}",
                    clip(&v.to_string())
                ));
            } else if must_refuse && !msg.contains(name) {
                bad.push(format!(
                    "{module}: {at} = {desc}: the message does not name {name}: {}",
                    clip(msg)
                ));
            }
            if failed || must_refuse {
                let after = tree(sb.root());
                let d = differences(&before, &after);
                if !d.is_empty() {
                    bad.push(format!(
                        "{module}: {at} = {desc} changed {d:?}: {}",
                        clip(&v.to_string())
                    ));
                }
            }
        };
        for o in &opts {
            let at = o.path.join(".");
            let leaf = o.path.last().unwrap().clone();
            let path: Vec<&str> = o.path.iter().map(String::as_str).collect();
            for (desc, value, must) in cases_for(module, o) {
                let mut args = base(module);
                if o.path.len() > 1 {
                    // the parent must be present in the base task
                    let parent = &path[..path.len() - 1];
                    let mut cur = &args;
                    let mut ok = true;
                    for k in parent {
                        match cur.get(*k) {
                            Some(Value::Array(a)) if !a.is_empty() => cur = &a[0],
                            Some(x @ Value::Object(_)) => cur = x,
                            _ => ok = false,
                        }
                    }
                    assert!(ok, "{module}: the base task lacks {}", parent.join("."));
                }
                set(&mut args, &path, Some(value));
                check(&desc, &at, &args, must, &leaf);
                if must {
                    n_refuse += 1;
                } else {
                    n_other += 1;
                }
            }
            if o.required {
                let mut args = base(module);
                set(&mut args, &path, None);
                check("missing", &at, &args, true, &leaf);
                n_refuse += 1;
            }
        }
        // unknown parameters, at the top and (where there are dicts) inside
        for key in [
            "no_such_param",
            "Name",
            "_ansible",
            "ansible_check_mode",
            "state ",
        ] {
            let mut args = base(module);
            args[key] = json!("x");
            check("unknown parameter", key, &args, true, key);
            n_refuse += 1;
        }
        let mut huge_key = base(module);
        huge_key["k".repeat(100_000)] = json!(1);
        check(
            "a huge unknown key",
            "(key)",
            &huge_key,
            true,
            "Unsupported",
        );
        n_refuse += 1;
        // never reject unknown _ansible_* keys
        let before = tree(sb.root());
        let mut internal = base(module);
        internal["_ansible_some_future_key"] = json!({"x": [1, 2]});
        internal["_ansible_check_mode"] = json!(true);
        let v = run_json(module, &sb, &internal);
        if v["msg"]
            .as_str()
            .unwrap_or_default()
            .contains("Unsupported")
        {
            problems
                .borrow_mut()
                .push(format!("{module}: an _ansible_ key refused: {v}"));
        }
        if !differences(&before, &tree(sb.root())).is_empty() {
            problems
                .borrow_mut()
                .push(format!("{module}: check mode wrote"));
        }
        // check mode by Ansible's boolean rules: a true spelling writes nothing
        for flag in [
            json!("yes"),
            json!(1),
            json!("on"),
            json!("True"),
            json!("1"),
        ] {
            let mut args = base(module);
            args["_ansible_check_mode"] = flag.clone();
            let before = tree(sb.root());
            let v = run_json(module, &sb, &args);
            let d = differences(&before, &tree(sb.root()));
            if !d.is_empty() {
                problems.borrow_mut().push(format!(
                    "{module}: check mode {flag} wrote {d:?}: {}",
                    clip(&v.to_string())
                ));
            }
            n_other += 1;
        }
        for flag in [json!("maybe"), json!([1]), json!(2), json!({})] {
            for key in ["_ansible_check_mode", "_ansible_diff"] {
                let mut args = base(module);
                args[key] = flag.clone();
                check("not a boolean", key, &args, true, key);
                n_refuse += 1;
            }
        }
        let n_files = args_file_cases(module, &sb, &tree(sb.root()), &problems);
        n_refuse += n_files;
        report.push(format!(
            "{module:17} {:4} refused  {:3} contract-only  ({} parameters)",
            n_refuse,
            n_other,
            opts.len()
        ));
        total += n_refuse + n_other;
        problems
            .borrow_mut()
            .extend((n_refuse < 100).then(|| format!("{module}: only {n_refuse} cases")));
    }
    println!("generated bad-input cases:\n{}", report.join("\n"));
    println!(
        "{total} cases in all; {} run through the generated-parameter checks (one in {every})",
        ran.get()
    );
    let problems = problems.into_inner();
    assert!(
        problems.is_empty(),
        "{} cases broke the contract:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The argument file itself: not JSON, not an object, nested past any limit, huge, missing, a
/// directory, not UTF-8, empty. The message must name the file or say what is wrong with it.
fn args_file_cases(
    module: &str,
    sb: &Sandbox,
    before: &BTreeMap<PathBuf, Meta>,
    problems: &std::cell::RefCell<Vec<String>>,
) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    let mut refused = |path: &Path, what: &str, needle: &str| {
        let v = run_raw(module, sb, path);
        let msg = v["msg"].as_str().unwrap_or_default();
        if v["failed"] != true || !msg.contains(needle) {
            problems
                .borrow_mut()
                .push(format!("{module}: args file {what}: {}", clip(msg)));
        }
        if !differences(before, &tree(sb.root())).is_empty() {
            problems
                .borrow_mut()
                .push(format!("{module}: args file {what} wrote"));
        }
        n += 1;
    };
    let file = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    refused(&file("bad", b"{\"state\": "), "truncated JSON", "not JSON");
    refused(&file("empty", b""), "empty", "not JSON");
    refused(&file("trail", b"{} {}"), "two objects", "not JSON");
    refused(&file("list", b"[1, 2]"), "a list", "JSON object");
    refused(&file("str", b"\"x\""), "a string", "JSON object");
    refused(&file("nul", b"null"), "null", "JSON object");
    refused(
        &file("latin1", b"{\"name\": \"\xe9\"}"),
        "not UTF-8",
        "arguments file",
    );
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    refused(
        &file("deep", deep.as_bytes()),
        "nested 100000 deep",
        "not JSON",
    );
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(5000), "}".repeat(5000));
    refused(
        &file("deepobj", deep_obj.as_bytes()),
        "objects nested 5000 deep",
        "not JSON",
    );
    let huge = format!("{{\"no_such_param\": \"{}\"}}", "x".repeat(50 << 20));
    refused(&file("huge", huge.as_bytes()), "50 MB", "no_such_param");
    refused(&dir.path().join("missing"), "missing", "arguments file");
    refused(dir.path(), "a directory", "arguments file");
    refused(
        &dir.path().join("huge/below"),
        "below a file",
        "arguments file",
    );
    n
}

#[test]
fn the_sandbox_switch_is_the_only_extra_argument() {
    // argv other than `<argsfile>` / `<argsfile> --sandbox-root DIR`: one JSON failure
    for args in [vec![], vec!["a", "b"], vec!["a", "--other", "/tmp"]] {
        let out = Command::new(bin_dir().join("selinux"))
            .args(&args)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["failed"], true);
        assert!(!out.status.success());
    }
}
