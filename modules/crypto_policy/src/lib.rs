//! `hardening.rhel.crypto_policy`: the system-wide crypto policy, its subpolicies, and custom
//! policy/subpolicy definitions.
//!
//! read ([`read_current`]) → pure plan ([`plan`]) → apply (skipped in check mode).
//!
//! The policy is applied with the platform tool (`update-crypto-policies --set`), and only when
//! needed: the configured policy differs, the system is not in the configured state (native
//! checks: state/current ≠ config, config newer than state/current as `--is-applied` judges,
//! back-end links into another policy's directory; optionally `--check`), or a definition the
//! policy uses changed. An unchanged request runs no program at all.

pub mod policy;
pub mod pq;
pub mod sshguard;
pub mod syntax;

use kit::{cmd, Ctx, Default, Diff, Error, Kind, Outcome, Param, Result};
use policy::PolicySpec;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub const CONFIG: &str = "/etc/crypto-policies/config";
pub const STATE_CURRENT: &str = "/etc/crypto-policies/state/current";
pub const STATE_POL: &str = "/etc/crypto-policies/state/CURRENT.pol";
pub const BACKENDS: &str = "/etc/crypto-policies/back-ends";
pub const ETC_POLICIES: &str = "/etc/crypto-policies/policies";
pub const SHARE: &str = "/usr/share/crypto-policies";
pub const SHARE_POLICIES: &str = "/usr/share/crypto-policies/policies";
pub const DEFAULT_CONFIG: &str = "/usr/share/crypto-policies/default-config";
pub const TOOL: &str = "/usr/bin/update-crypto-policies";
pub const FIPS_FLAG: &str = "/proc/sys/crypto/fips_enabled";
/// Boot note: the applied policy's fingerprint when this boot started (see [`kit::boot`]).
pub const BOOT_NOTE: &str = "crypto-policy-booted";

pub struct CryptoPolicy;

const DEF_OPTIONS: &[Param] = &[
    Param::new("name", Kind::Str).required(),
    Param::new("content", Kind::Str).multiline(),
    Param::new("state", Kind::Str)
        .choices(&["present", "absent"])
        .default(Default::Str("present")),
];

#[derive(Debug, Deserialize)]
pub struct DefArg {
    pub name: String,
    pub content: Option<String>,
    pub state: String,
}

#[derive(Debug, Deserialize)]
pub struct Args {
    pub policy: Option<String>,
    pub custom_modules: Vec<DefArg>,
    pub custom_policies: Vec<DefArg>,
    pub reload: bool,
    pub check_backends: bool,
    pub backup: bool,
    pub allow_lockout: bool,
}

impl kit::Module for CryptoPolicy {
    const NAME: &'static str = "crypto_policy";
    const DIRS: &'static [&'static str] = &[
        "/etc/crypto-policies",
        "/etc/crypto-policies/policies",
        "/etc/crypto-policies/policies/modules",
    ];
    const SPEC: &'static [Param] = &[
        Param::new("policy", Kind::Str),
        Param::new("custom_modules", Kind::List(&Kind::Dict(DEF_OPTIONS)))
            .default(Default::EmptyList),
        Param::new("custom_policies", Kind::List(&Kind::Dict(DEF_OPTIONS)))
            .default(Default::EmptyList),
        Param::new("reload", Kind::Bool).default(Default::Bool(true)),
        Param::new("check_backends", Kind::Bool).default(Default::Bool(false)),
        Param::new("backup", Kind::Bool).default(Default::Bool(false)),
        kit::lockout::ALLOW_LOCKOUT,
    ];
    type Args = Args;

    fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
        let desired = desired_from(&args)?;
        let current = read_current(ctx, &desired, args.check_backends)?;
        let plan = plan(&current, &desired, args.reload)?;
        let mut out = Outcome::default();
        guard(ctx, &current, &desired, &plan, args.allow_lockout, &mut out)?;
        let applied_fingerprint = if ctx.check_mode {
            None
        } else {
            Some(apply(ctx, &current, &plan, args.backup, &mut out)?)
        };
        report(ctx, &current, &plan, applied_fingerprint, &mut out)?;
        Ok(out)
    }
}

/// The SSH lockout guard of a plan (see [`sshguard`]): a change of the policy in force is judged
/// against the keys of the connection the task runs over. Also used by the fips module.
pub fn guard(
    ctx: &Ctx,
    current: &Current,
    desired: &Desired,
    plan: &Plan,
    allow: bool,
    out: &mut Outcome,
) -> Result<()> {
    let before = current
        .state_current
        .clone()
        .unwrap_or_else(|| current.configured.clone());
    if !plan.sets_policy() {
        kit::lockout::nothing_to_cut(ctx, out);
        return Ok(());
    }
    let session = kit::lockout::session(ctx)?;
    let findings = sshguard::guard(ctx, session.conn(), desired, &before, &plan.policy_after)?;
    kit::lockout::judge(
        &session,
        &format!("the crypto policy {}", plan.policy_after),
        &findings,
        allow,
        out,
    )
}

/// Policy (.pol) or subpolicy (.pmod).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DefKind {
    Policy,
    Module,
}

impl DefKind {
    fn param(self) -> &'static str {
        match self {
            DefKind::Policy => "custom_policies",
            DefKind::Module => "custom_modules",
        }
    }

    fn dir(self, base: &str) -> String {
        match self {
            DefKind::Policy => base.to_string(),
            DefKind::Module => format!("{base}/modules"),
        }
    }

    fn ext(self) -> &'static str {
        match self {
            DefKind::Policy => "pol",
            DefKind::Module => "pmod",
        }
    }

    /// Where this module writes a definition.
    pub fn etc_path(self, name: &str) -> String {
        format!("{}/{name}.{}", self.dir(ETC_POLICIES), self.ext())
    }
}

/// A definition wanted: `content: None` means absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Def {
    pub kind: DefKind,
    pub name: String,
    pub content: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Desired {
    pub policy: Option<PolicySpec>,
    pub defs: Vec<Def>,
}

/// Validate the arguments into what is wanted; nothing is read from the system.
pub fn desired_from(args: &Args) -> Result<Desired> {
    let policy = args
        .policy
        .as_deref()
        .map(|p| PolicySpec::parse(p).map_err(|e| Error::invalid(format!("policy: {e}"))))
        .transpose()?;
    let mut defs: Vec<Def> = Vec::new();
    for (kind, list) in [
        (DefKind::Module, &args.custom_modules),
        (DefKind::Policy, &args.custom_policies),
    ] {
        for (i, d) in list.iter().enumerate() {
            let at = format!("{}[{i}]", kind.param());
            let name = d.name.trim().to_ascii_uppercase();
            if !policy::valid_name(&name) {
                return Err(Error::invalid(format!(
                    "{at}.name must be a definition name (letters, digits, '-' and '_'), got '{}'",
                    kit::args::clip(&d.name)
                )));
            }
            kit::fs::check_file_name(&format!("{at}.name"), &name, &format!(".{}", kind.ext()))?;
            if defs.iter().any(|o| o.kind == kind && o.name == name) {
                return Err(Error::invalid(format!(
                    "{at}.name: {name} is given twice in {}",
                    kind.param()
                )));
            }
            let content = match (d.state.as_str(), &d.content) {
                ("present", None) => {
                    return Err(Error::invalid(format!(
                        "{at}.content is required when state is present ({name})"
                    )))
                }
                ("present", Some(c)) => {
                    syntax::check(c).map_err(|e| {
                        Error::invalid(format!("{at}.content ({name}.{}): {e}", kind.ext()))
                    })?;
                    // files end with a newline, as the shipped definitions do
                    let mut c = c.clone();
                    if !c.ends_with('\n') {
                        c.push('\n');
                    }
                    Some(c)
                }
                _ => None,
            };
            defs.push(Def {
                kind,
                name,
                content,
            });
        }
    }
    Ok(Desired { policy, defs })
}

/// What `update-crypto-policies --check` said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckProbe {
    Matches,
    Mismatch,
    /// The installed tool has no --check (RHEL 8) or it failed; the text says which.
    Unavailable(String),
}

/// Everything the plan needs, read without changing anything.
#[derive(Clone, Debug, Default)]
pub struct Current {
    /// The configured policy, as the tool reads it (with its fallbacks when config is missing).
    pub configured: String,
    pub config_exists: bool,
    pub state_current: Option<String>,
    /// `--is-applied`'s rule: state/current is not older than config.
    pub applied_by_mtime: bool,
    /// Back-end links into another policy's directory (drift), described.
    pub backend_drift: Vec<String>,
    /// Existing definitions under /etc for the names the task mentions.
    pub etc_defs: BTreeMap<(DefKind, String), String>,
    pub etc_policies: BTreeSet<String>,
    pub etc_modules: BTreeSet<String>,
    pub share_policies: BTreeSet<String>,
    pub share_modules: BTreeSet<String>,
    pub fips_kernel: bool,
    pub init_running: bool,
    pub tool_present: bool,
    pub check_probe: Option<CheckProbe>,
    /// SHA-256 of state/current and state/CURRENT.pol: what is applied.
    pub fingerprint: String,
    pub boot_id: String,
    /// The fingerprint recorded when this boot started, if a change was made since.
    pub booted: Option<String>,
}

/// Definitions in a directory; a directory that cannot be read is an error (a policy taken for
/// missing would be refused, or one taken for absent be written over).
fn names_in(ctx: &Ctx, dir: &str, ext: &str) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for name in ctx.list(dir)?.unwrap_or_default() {
        if let Some(stem) = name.strip_suffix(&format!(".{ext}")) {
            if ctx.path(format!("{dir}/{name}")).is_file() {
                out.insert(stem.to_string());
            }
        }
    }
    Ok(out)
}

fn mtime(ctx: &Ctx, abs: &str) -> Option<std::time::SystemTime> {
    std::fs::metadata(ctx.path(abs))
        .and_then(|m| m.modified())
        .ok()
}

/// Back-end configs that link into another policy's pre-generated directory.
fn backend_drift(ctx: &Ctx, configured: &str) -> Result<Vec<String>> {
    let mut drift = Vec::new();
    for name in ctx.list(BACKENDS)?.unwrap_or_default() {
        let path = ctx.path(format!("{BACKENDS}/{name}"));
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io("stat", &path, e))?;
        if !meta.file_type().is_symlink() {
            continue;
        }
        let target = std::fs::read_link(&path).map_err(|e| Error::io("read link", &path, e))?;
        let Ok(rest) = target.strip_prefix(SHARE) else {
            continue;
        };
        let linked = rest
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        if let Some(linked) = linked {
            if linked != configured {
                drift.push(format!(
                    "back-ends/{name} links to the {linked} policy's file"
                ));
            }
        }
    }
    Ok(drift)
}

/// Read the current state. Runs no program, except `--check` when `check_backends`.
pub fn read_current(ctx: &Ctx, desired: &Desired, check_backends: bool) -> Result<Current> {
    let config_text = ctx.read(CONFIG)?;
    let fips_kernel = ctx
        .read(FIPS_FLAG)?
        .is_some_and(|v| v.trim().parse::<i64>().unwrap_or(0) > 0);
    let configured = match &config_text {
        Some(t) => policy::read_config(t).unwrap_or_default(),
        None if fips_kernel => "FIPS".to_string(),
        None => ctx
            .read(DEFAULT_CONFIG)?
            .and_then(|t| policy::read_config(&t))
            .unwrap_or_default(),
    };
    let state_raw = ctx.read(STATE_CURRENT)?;
    let state_current = state_raw.as_deref().map(|s| s.trim().to_string());
    let applied_by_mtime = match (mtime(ctx, STATE_CURRENT), mtime(ctx, CONFIG)) {
        (Some(s), Some(c)) => s >= c,
        _ => false,
    };
    let mut etc_defs = BTreeMap::new();
    for d in &desired.defs {
        if let Some(text) = ctx.read(&d.kind.etc_path(&d.name))? {
            etc_defs.insert((d.kind, d.name.clone()), text);
        }
    }
    let tool_present = cmd::exists(ctx, TOOL);
    let check_probe = if check_backends && tool_present {
        let out = cmd::run_status(ctx, TOOL, &["--check"])?;
        Some(match out.code {
            0 => CheckProbe::Matches,
            1 => CheckProbe::Mismatch,
            _ if out.stderr.contains("unrecognized arguments") => CheckProbe::Unavailable(
                "this update-crypto-policies has no --check (RHEL 8)".into(),
            ),
            code => CheckProbe::Unavailable(format!(
                "update-crypto-policies --check exited with code {code}: {}",
                out.stderr.trim()
            )),
        })
    } else {
        None
    };
    let fingerprint = fingerprint(ctx, state_raw.as_deref())?;
    let boot_id = kit::boot::boot_id(ctx)?;
    Ok(Current {
        backend_drift: backend_drift(ctx, &configured)?,
        configured,
        config_exists: config_text.is_some(),
        state_current,
        applied_by_mtime,
        etc_defs,
        etc_policies: names_in(ctx, ETC_POLICIES, "pol")?,
        etc_modules: names_in(ctx, &format!("{ETC_POLICIES}/modules"), "pmod")?,
        share_policies: names_in(ctx, SHARE_POLICIES, "pol")?,
        share_modules: names_in(ctx, &format!("{SHARE_POLICIES}/modules"), "pmod")?,
        fips_kernel,
        init_running: kit::service::systemd_running(ctx),
        tool_present,
        check_probe,
        fingerprint,
        booted: kit::boot::booted_value(ctx, BOOT_NOTE, &boot_id)?,
        boot_id,
    })
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    WriteDef {
        kind: DefKind,
        name: String,
        before: Option<String>,
        after: String,
    },
    RemoveDef {
        kind: DefKind,
        name: String,
        before: String,
    },
    SetPolicy {
        policy: String,
        no_reload: bool,
        reasons: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub policy_after: String,
    pub available_policies: Vec<String>,
    pub available_modules: Vec<String>,
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn sets_policy(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::SetPolicy { .. }))
    }
}

fn list(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "none".into()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// The pure plan.
pub fn plan(current: &Current, desired: &Desired, reload: bool) -> Result<Plan> {
    let mut warnings = Vec::new();
    // What is available once this task's definitions are in place.
    let (mut etc_pol, mut etc_mod) = (current.etc_policies.clone(), current.etc_modules.clone());
    for d in &desired.defs {
        let set = if d.kind == DefKind::Policy {
            &mut etc_pol
        } else {
            &mut etc_mod
        };
        match d.content {
            Some(_) => set.insert(d.name.clone()),
            None => set.remove(&d.name),
        };
    }
    let policies: BTreeSet<String> = etc_pol.union(&current.share_policies).cloned().collect();
    let modules: BTreeSet<String> = etc_mod.union(&current.share_modules).cloned().collect();

    if let Some(p) = &desired.policy {
        if !policies.contains(&p.base) {
            return Err(Error::invalid(format!(
                "policy: {} is not an installed policy (no {}.pol under {ETC_POLICIES} or {SHARE_POLICIES}); installed: {}",
                p.base,
                p.base,
                list(&policies)
            )));
        }
        if let Some(sub) = p.subs.iter().find(|s| !modules.contains(*s)) {
            return Err(Error::invalid(format!(
                "policy: {sub} is not an installed subpolicy (no modules/{sub}.pmod under {ETC_POLICIES} or {SHARE_POLICIES}); installed: {}",
                list(&modules)
            )));
        }
    }
    let policy_after = desired
        .policy
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| current.configured.clone());
    let after_parts: Vec<&str> = policy_after.split(':').collect();
    let uses = |d: &Def| match d.kind {
        DefKind::Policy => after_parts.first() == Some(&d.name.as_str()),
        DefKind::Module => after_parts.iter().skip(1).any(|s| *s == d.name),
    };

    let mut steps = Vec::new();
    let mut changed_defs_used = Vec::new();
    for d in &desired.defs {
        let before = current.etc_defs.get(&(d.kind, d.name.clone()));
        match &d.content {
            Some(c) if before != Some(c) => {
                steps.push(Step::WriteDef {
                    kind: d.kind,
                    name: d.name.clone(),
                    before: before.cloned(),
                    after: c.clone(),
                });
                if uses(d) {
                    changed_defs_used.push(d.name.clone());
                }
            }
            None if before.is_some() => {
                let shipped = match d.kind {
                    DefKind::Policy => current.share_policies.contains(&d.name),
                    DefKind::Module => current.share_modules.contains(&d.name),
                };
                if uses(d) && !shipped {
                    return Err(Error::invalid(format!(
                        "{}: cannot remove {}: the policy in force after this task, {policy_after}, uses it; \
                         set another policy first (or in this task)",
                        d.kind.param(),
                        d.name
                    )));
                }
                steps.push(Step::RemoveDef {
                    kind: d.kind,
                    name: d.name.clone(),
                    before: before.cloned().unwrap_or_default(),
                });
                if uses(d) {
                    changed_defs_used.push(d.name.clone());
                }
            }
            _ => {}
        }
    }

    let mut reasons = Vec::new();
    if policy_after != current.configured {
        reasons.push(format!("the configured policy is {}", current.configured));
    }
    match &current.state_current {
        Some(s) if *s == current.configured => {}
        Some(s) => reasons.push(format!(
            "state/current says {s}, not the configured {}",
            current.configured
        )),
        None => reasons.push("no policy was ever applied (state/current is missing)".into()),
    }
    if current.config_exists && current.state_current.is_some() && !current.applied_by_mtime {
        reasons.push("config is newer than state/current (not applied)".into());
    }
    reasons.extend(current.backend_drift.iter().cloned());
    for n in &changed_defs_used {
        reasons.push(format!("the definition {n} it uses changed"));
    }
    match &current.check_probe {
        Some(CheckProbe::Mismatch) => reasons
            .push("update-crypto-policies --check: the back-ends do not match the policy".into()),
        Some(CheckProbe::Unavailable(why)) => {
            warnings.push(format!("back-ends not verified: {why}"))
        }
        _ => {}
    }
    if !reasons.is_empty() {
        steps.push(Step::SetPolicy {
            policy: policy_after.clone(),
            no_reload: !reload || !current.init_running,
            reasons,
        });
        let base = after_parts.first().copied().unwrap_or_default();
        if current.fips_kernel && base != "FIPS" {
            warnings.push(format!(
                "the kernel runs in FIPS mode (fips=1) and {policy_after} is not a FIPS policy: the system \
                 leaves FIPS compliance"
            ));
        }
    }
    Ok(Plan {
        steps,
        policy_after,
        available_policies: policies.into_iter().collect(),
        available_modules: modules.into_iter().collect(),
        warnings,
    })
}

/// Carry out the plan; returns the fingerprint of what is applied afterwards. Also used by
/// the fips module, which sets the FIPS policy through this module's plan.
pub fn apply(
    ctx: &Ctx,
    current: &Current,
    plan: &Plan,
    backup: bool,
    out: &mut Outcome,
) -> Result<String> {
    if plan.sets_policy() && !current.tool_present {
        return Err(Error::refused(format!(
            "{TOOL} is not installed (package crypto-policies-scripts): cannot apply {}; nothing was changed",
            plan.policy_after
        )));
    }
    let opts = kit::fs::WriteOptions {
        new_mode: 0o644,
        backup,
    };
    let mut done: Vec<&Step> = Vec::new();
    let mut backups: Vec<String> = Vec::new();
    let mut keep =
        |w: kit::fs::Written| backups.extend(w.backup_file.map(|b| b.display().to_string()));
    for step in &plan.steps {
        let result = match step {
            Step::WriteDef {
                kind, name, after, ..
            } => kit::fs::create_dirs(&ctx.path(kind.dir(ETC_POLICIES)), 0o755)
                .and_then(|()| ctx.write(&kind.etc_path(name), after.as_bytes(), opts))
                .map(&mut keep),
            Step::RemoveDef { kind, name, .. } => {
                ctx.remove(&kind.etc_path(name), backup).map(&mut keep)
            }
            Step::SetPolicy {
                policy, no_reload, ..
            } => {
                if current.booted.is_none() {
                    let what = "the applied crypto policy's fingerprint";
                    kit::boot::record(
                        ctx,
                        BOOT_NOTE,
                        &current.boot_id,
                        &current.fingerprint,
                        what,
                    )?;
                }
                let mut argv = vec!["--set", policy.as_str()];
                if *no_reload {
                    argv.push("--no-reload");
                }
                cmd::run(ctx, TOOL, &argv).map(|_| ())
            }
        };
        if let Err(e) = result {
            // Put back the definitions this run wrote, so a rejected task leaves them as found.
            let restored = rollback(ctx, &done);
            return Err(match restored {
                Ok(()) if !done.is_empty() => {
                    Error::Command(format!("{e}; the definition files were restored"))
                }
                Ok(()) => e,
                Err(r) => Error::Command(format!(
                    "{e}; restoring the definition files failed too: {r}"
                )),
            });
        }
        done.push(step);
    }
    if !backups.is_empty() {
        out.set("backup_files", backups);
    }
    // the tool rewrote the state files: read them again
    fingerprint(ctx, ctx.read(STATE_CURRENT)?.as_deref())
}

/// SHA-256 of state/current (its text, as read) and state/CURRENT.pol: what is applied.
fn fingerprint(ctx: &Ctx, state_current: Option<&str>) -> Result<String> {
    let mut applied = state_current.unwrap_or_default().to_string();
    applied.push_str(&ctx.read(STATE_POL)?.unwrap_or_default());
    Ok(kit::fs::sha256_hex(applied.as_bytes()))
}

fn rollback(ctx: &Ctx, done: &[&Step]) -> Result<()> {
    let opts = kit::fs::WriteOptions::default();
    for step in done.iter().rev() {
        match step {
            Step::WriteDef {
                kind,
                name,
                before: Some(b),
                ..
            }
            | Step::RemoveDef {
                kind,
                name,
                before: b,
            } => {
                ctx.write(&kind.etc_path(name), b.as_bytes(), opts)?;
            }
            Step::WriteDef {
                kind,
                name,
                before: None,
                ..
            } => {
                ctx.remove(&kind.etc_path(name), false)?;
            }
            Step::SetPolicy { .. } => {}
        }
    }
    Ok(())
}

fn report(
    ctx: &Ctx,
    current: &Current,
    plan: &Plan,
    applied_fp: Option<String>,
    out: &mut Outcome,
) -> Result<()> {
    let would = if ctx.check_mode { "would " } else { "" };
    let mut said = Vec::new();
    for step in &plan.steps {
        match step {
            Step::WriteDef {
                kind,
                name,
                before,
                after,
            } => {
                let path = kind.etc_path(name);
                said.push(format!(
                    "{path} {would}{}",
                    if before.is_some() {
                        "updated"
                    } else {
                        "created"
                    }
                ));
                out.diff
                    .push(Diff::file(&path, before.as_deref(), Some(after)));
            }
            Step::RemoveDef { kind, name, before } => {
                let path = kind.etc_path(name);
                said.push(format!("{path} {would}removed"));
                out.diff.push(Diff::file(&path, Some(before), None));
            }
            Step::SetPolicy {
                policy,
                no_reload,
                reasons,
            } => {
                said.push(format!(
                    "{}update-crypto-policies --set {policy}{} ({})",
                    if ctx.check_mode { "would run " } else { "ran " },
                    if *no_reload { " --no-reload" } else { "" },
                    reasons.join("; ")
                ));
                if *no_reload && !current.init_running {
                    said.push("no init system is running: services were not reloaded".into());
                }
                out.diff.push(Diff {
                    before: format!("{}\n", current.state_current.as_deref().unwrap_or("")),
                    after: format!("{policy}\n"),
                    before_header: "crypto policy (applied)".into(),
                    after_header: "crypto policy (applied)".into(),
                });
            }
        }
    }
    let reboot_required = match applied_fp {
        // after a real run: what is applied now differs from what this boot started with
        Some(fp) => {
            let booted = current
                .booted
                .clone()
                .or_else(|| plan.sets_policy().then(|| current.fingerprint.clone()));
            booted.is_some_and(|b| b != fp)
        }
        None => {
            plan.sets_policy()
                || current
                    .booted
                    .as_ref()
                    .is_some_and(|b| *b != current.fingerprint)
        }
    };
    if reboot_required {
        said.push(
            "reboot required: running services keep the policy they started with until restarted"
                .into(),
        );
    }
    if plan.steps.is_empty() {
        said.insert(
            0,
            format!("crypto policy {} already applied", plan.policy_after),
        );
    }
    out.changed = !plan.steps.is_empty();
    out.msg = said.join("; ");
    for w in &plan.warnings {
        out.warn(w.clone());
    }
    out.set("policy", &plan.policy_after);
    out.set("previous", &current.configured);
    out.set("applied", plan.sets_policy());
    out.set("reboot_required", reboot_required);
    out.set(
        "applied_at",
        kit::kernel_args::applied_at(kit::kernel_args::image_build_root(ctx)?, reboot_required),
    );
    out.set("available_policies", &plan.available_policies);
    out.set("available_modules", &plan.available_modules);
    Ok(())
}

#[cfg(test)]
mod tests;
