//! `hardening.rhel.fapolicyd_rules`: one rules.d file of fapolicyd, checked against the rule
//! grammar, compiled into compiled.rules exactly as fagenrules does, and made effective in a
//! running daemon — `fapolicyd-cli --reload-rules` where the daemon has it (≥ 1.3), else a
//! restart (older daemons read rules only at start).
//!
//! read → pure plan → apply (skipped in check mode).

pub mod compile;
pub mod eval;
pub mod grammar;

use kit::{cmd, service, Ctx, Default, Diff, Error, Kind, Outcome, Param, Result};
use serde::Deserialize;
use std::collections::BTreeSet;

pub const LEGACY_RULES: &str = "/etc/fapolicyd/fapolicyd.rules";
pub const COMPILED: &str = "/etc/fapolicyd/compiled.rules";
pub const COMPILED_PREV: &str = "/etc/fapolicyd/compiled.rules.prev";
pub const PID_FILE: &str = "/run/fapolicyd.pid";
pub use kit::fapolicyd::CLI;

pub struct FapolicydRules;

#[derive(Debug, Deserialize)]
pub struct Args {
    pub name: String,
    pub rules: Vec<String>,
    pub state: String,
    pub compile: bool,
    pub reload: bool,
    pub backup: bool,
    pub allow_lockout: bool,
}

impl kit::Module for FapolicydRules {
    const NAME: &'static str = "fapolicyd_rules";
    const DIRS: &'static [&'static str] = &["/etc/fapolicyd", compile::RULES_D];
    const SPEC: &'static [Param] = &[
        Param::new("name", Kind::Str).required(),
        Param::new("rules", Kind::List(&Kind::Str)).default(Default::EmptyList),
        Param::new("state", Kind::Str)
            .choices(&["present", "absent"])
            .default(Default::Str("present")),
        Param::new("compile", Kind::Bool).default(Default::Bool(true)),
        Param::new("reload", Kind::Bool).default(Default::Bool(true)),
        Param::new("backup", Kind::Bool).default(Default::Bool(false)),
        kit::lockout::ALLOW_LOCKOUT,
    ];
    type Args = Args;

    fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
        let stem = check_name(&args.name)?;
        if args.state == "present" && args.rules.is_empty() {
            return Err(Error::invalid(
                "rules is required (a non-empty list) when state is present",
            ));
        }
        if args.state == "absent" && !args.rules.is_empty() {
            return Err(Error::invalid("rules must not be given with state=absent"));
        }
        let current = read_current(ctx)?;
        let plan = plan(ctx, &current, &args, &stem)?;
        let mut out = Outcome::default();
        // the rules as the daemon will enforce them: compiled.rules before → after
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let change = plan
            .compiled
            .as_ref()
            .map(|(b, a)| (b.as_deref().map(text), text(a)));
        // the rules the session is subject to now: the compiled ones only while a daemon
        // enforces them (running, not permissive)
        let enforced_now = current.daemon_pid.is_some() && eval::enforcing(ctx)?;
        let change = match &change {
            Some((b, a)) => Some(eval::Change::rules(
                ctx,
                b.as_deref().filter(|_| enforced_now),
                a.as_str(),
            )?),
            None => None,
        };
        eval::guard(
            ctx,
            change,
            &format!("the fapolicyd rules of {}", plan.path),
            args.allow_lockout,
            &mut out,
        )?;
        if !ctx.check_mode {
            apply(ctx, &current, &plan, &args, &mut out)?;
        }
        report(ctx, &current, &plan, &args, &mut out);
        let running = current.daemon_pid.is_some();
        out.set(
            "applied_at",
            service::applied_at(ctx, running, running && !args.reload && out.changed)?,
        );
        Ok(out)
    }
}

/// `80-myapp` (or `80-myapp.rules`) → `80-myapp`: two digits, a dash, a name.
fn check_name(name: &str) -> Result<String> {
    let stem = name.strip_suffix(".rules").unwrap_or(name);
    let b = stem.as_bytes();
    let ok = b.len() > 3
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && b[2] == b'-'
        && stem[3..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        kit::fs::check_file_name("name", stem, ".rules")?;
        Ok(stem.to_string())
    } else {
        Err(Error::invalid(format!(
            "name must be a rules.d file stem with a two-digit order prefix, e.g. 80-myapp (letters, digits, '-', '_', '.'), got '{}'",
            kit::args::clip(name)
        )))
    }
}

fn file_of(stem: &str) -> String {
    format!("{}/{stem}.rules", compile::RULES_D)
}

#[derive(Clone, Debug)]
pub struct Current {
    pub legacy_rules: bool,
    /// Every file of rules.d (name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    pub compiled: Option<Vec<u8>>,
    pub daemon_pid: Option<u32>,
}

pub fn read_current(ctx: &Ctx) -> Result<Current> {
    // Every read error but "does not exist" fails the task: a rules.d listed short would
    // compile without the other files' rules (the deny rules among them).
    let mut files = Vec::new();
    for name in ctx.list(compile::RULES_D)?.unwrap_or_default() {
        let path = ctx.path(format!("{}/{name}", compile::RULES_D));
        let meta = std::fs::metadata(&path).map_err(|e| Error::io("stat", &path, e))?;
        if meta.is_file() {
            let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
            files.push((name, bytes));
        }
    }
    files.sort();
    let legacy = ctx.path(LEGACY_RULES);
    Ok(Current {
        legacy_rules: match std::fs::symlink_metadata(&legacy) {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(Error::io("stat", &legacy, e)),
        },
        files,
        compiled: kit::fs::read_bytes_optional(&ctx.path(COMPILED))?,
        daemon_pid: service::running_pid(ctx, PID_FILE, "fapolicyd")?,
    })
}

/// Users and groups of /etc/passwd and /etc/group; a read error is kept and fails the task
/// (never taken for "no such user").
struct SystemAccounts<'a>(&'a Ctx, std::cell::RefCell<Option<Error>>);

impl SystemAccounts<'_> {
    fn keep(&self, r: Result<bool>) -> bool {
        r.unwrap_or_else(|e| {
            self.1.borrow_mut().get_or_insert(e);
            false
        })
    }
    fn error(&self) -> Result<()> {
        match self.1.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl grammar::Accounts for SystemAccounts<'_> {
    fn user(&self, name: &str) -> bool {
        self.keep(service::user_exists(self.0, name))
    }
    fn group(&self, name: &str) -> bool {
        self.keep(service::group_exists(self.0, name))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The rules.d file managed.
    pub path: String,
    /// The rules.d file: before → after (`None` = absent).
    pub file_before: Option<Vec<u8>>,
    pub file_after: Option<Vec<u8>>,
    /// compiled.rules before → after, when it changes.
    pub compiled: Option<(Option<Vec<u8>>, Vec<u8>)>,
}

impl Plan {
    fn file_changes(&self) -> bool {
        self.file_before != self.file_after
    }
}

/// The file's text for `rules`.
pub fn render(rules: &[String]) -> Vec<u8> {
    let mut text = String::from("# Managed by hardening.rhel.fapolicyd_rules\n");
    for r in rules {
        text.push_str(r.trim());
        text.push('\n');
    }
    text.into_bytes()
}

pub fn plan(ctx: &Ctx, current: &Current, args: &Args, stem: &str) -> Result<Plan> {
    if current.legacy_rules {
        return Err(Error::refused(format!(
            "{LEGACY_RULES} exists: fapolicyd reads it instead of rules.d, and fagenrules refuses to run. \
             Move its rules into /etc/fapolicyd/rules.d/ (e.g. with fagenrules' migration, or by hand) and \
             remove it first"
        )));
    }
    let file_name = format!("{stem}.rules");
    // Sets defined by the rules.d files the daemon reads before this one.
    let mut sets: BTreeSet<String> = BTreeSet::new();
    let names: Vec<String> = current.files.iter().map(|(n, _)| n.clone()).collect();
    for n in compile::selected(&names) {
        if compile::filevercmp(&n, &file_name) == std::cmp::Ordering::Less {
            let text = String::from_utf8_lossy(
                &current
                    .files
                    .iter()
                    .find(|(m, _)| *m == n)
                    .expect("listed")
                    .1,
            )
            .into_owned();
            sets.extend(grammar::sets_defined(&text));
        }
    }
    let acc = SystemAccounts(ctx, std::cell::RefCell::new(None));
    for (i, rule) in args.rules.iter().enumerate() {
        let line = rule.trim();
        if line.contains('\n') {
            return Err(Error::invalid(format!(
                "rules[{i}]: one rule per list item (it holds a line break)"
            )));
        }
        if grammar::is_blank_or_comment(line) {
            continue;
        }
        let checked = grammar::check_line(line, &sets, &acc);
        acc.error()?;
        match checked {
            Ok(grammar::Line::Set(n)) => {
                sets.insert(n);
            }
            Ok(grammar::Line::Rule) => {}
            Err(e) => {
                return Err(Error::invalid(format!(
                    "rules[{i}] ({}): {e}",
                    kit::args::clip(line)
                )))
            }
        }
    }
    let file_before = current
        .files
        .iter()
        .find(|(n, _)| *n == file_name)
        .map(|(_, b)| b.clone());
    let file_after = (args.state == "present").then(|| render(&args.rules));
    let mut compiled = None;
    if args.compile {
        let mut files: Vec<(String, Vec<u8>)> = current
            .files
            .iter()
            .filter(|(n, _)| *n != file_name)
            .cloned()
            .collect();
        if let Some(after) = &file_after {
            files.push((file_name.clone(), after.clone()));
        }
        if let Some(new) = compile::compile(&files) {
            if current.compiled.as_ref() != Some(&new) {
                compiled = Some((current.compiled.clone(), new));
            }
        }
    }
    Ok(Plan {
        path: file_of(stem),
        file_before,
        file_after,
        compiled,
    })
}

/// Whether the installed fapolicyd-cli can reload rules in a running daemon (1.3 and later).
fn has_reload_rules(ctx: &Ctx) -> Result<bool> {
    let help = cmd::run_status(ctx, CLI, &["--help"])?;
    Ok(format!("{}{}", help.stdout, help.stderr).contains("--reload-rules"))
}

fn apply(ctx: &Ctx, current: &Current, plan: &Plan, args: &Args, out: &mut Outcome) -> Result<()> {
    let path = &plan.path;
    if plan.file_changes() {
        match &plan.file_after {
            Some(bytes) => {
                kit::fs::create_dirs(&ctx.path(compile::RULES_D), 0o755)?;
                let w = ctx.write(
                    path,
                    bytes,
                    kit::fs::WriteOptions {
                        new_mode: 0o644,
                        backup: args.backup,
                    },
                )?;
                if let Some(b) = w.backup_file {
                    out.set("backup_file", b.display().to_string());
                }
            }
            None => {
                ctx.remove(path, args.backup)?;
            }
        }
    }
    if let Some((before, after)) = &plan.compiled {
        if let Some(prev) = before {
            ctx.write(COMPILED_PREV, prev, kit::fs::WriteOptions::default())?;
        }
        let gid = service::group_id(ctx, "fapolicyd")?;
        let opts = kit::fs::WriteOptions {
            new_mode: 0o644,
            backup: false,
        };
        ctx.write_with(COMPILED, after, opts, Some(0o644), gid)?;
        if args.reload {
            let said = match current.daemon_pid {
                None => {
                    "fapolicyd is not running: the rules take effect when it starts".to_string()
                }
                Some(_) if has_reload_rules(ctx)? => {
                    cmd::run(ctx, CLI, &["--reload-rules"])?;
                    "rules reloaded with fapolicyd-cli --reload-rules".to_string()
                }
                Some(_) => {
                    service::restart(ctx, "fapolicyd")?;
                    "fapolicyd restarted: this version reads its rules only at start (no --reload-rules)".to_string()
                }
            };
            out.set("reload", said);
        }
    }
    Ok(())
}

fn report(ctx: &Ctx, current: &Current, plan: &Plan, args: &Args, out: &mut Outcome) {
    let path = &plan.path;
    let would = if ctx.check_mode { "would be " } else { "" };
    let text = |b: &Option<Vec<u8>>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
    let mut said = Vec::new();
    if plan.file_changes() {
        said.push(format!(
            "{path} {would}{}",
            match (&plan.file_before, &plan.file_after) {
                (None, _) => "created",
                (_, None) => "removed",
                _ => "updated",
            }
        ));
        out.diff.push(Diff::file(
            path,
            text(&plan.file_before).as_deref(),
            text(&plan.file_after).as_deref(),
        ));
    }
    if let Some((before, after)) = &plan.compiled {
        said.push(format!("{COMPILED} {would}recompiled"));
        out.diff.push(Diff::file(
            COMPILED,
            text(before).as_deref(),
            Some(&String::from_utf8_lossy(after)),
        ));
        if ctx.check_mode && args.reload {
            said.push(if current.daemon_pid.is_some() {
                "the running fapolicyd would be made to load them".into()
            } else {
                "fapolicyd is not running".into()
            });
        }
    }
    if let Some(r) = out.values.get("reload").and_then(|v| v.as_str()) {
        said.push(r.to_string());
    }
    out.changed = plan.file_changes() || plan.compiled.is_some();
    out.msg = if said.is_empty() {
        format!("{path} and {COMPILED} already as requested")
    } else {
        said.join("; ")
    };
    out.set("path", path);
    out.set("compiled_changed", plan.compiled.is_some());
    out.set("daemon_running", current.daemon_pid.is_some());
}
