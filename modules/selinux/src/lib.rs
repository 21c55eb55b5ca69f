//! `hardening.rhel.selinux`: SELinux mode and policy type, persistent and at runtime.
//!
//! read ([`read_current`]) → pure plan ([`plan`]) → apply ([`apply`], skipped in check mode).
//!
//! What the running kernel can tell, and what it cannot:
//! * the mode: selinuxfs (`/sys/fs/selinux/enforce`) exists only while SELinux is enabled, and
//!   holds `1` (enforcing) or `0` (permissive);
//! * the loaded policy *type* is not exposed by the kernel. When this module changes
//!   `SELINUXTYPE=` on a running system it records the type that is loaded as a boot note
//!   ([`kit::boot`], `/run/hardening-rhel/selinux-loaded-policy`), so `reboot_required` stays
//!   true until that reboot, and turns false if the type is set back before it.

pub mod config;
pub mod guard;

use config::Mode;
use kit::boot::NoteStep;
use kit::kernel_args::{ArgEdit, BootConfig, FileChange, Menu};
use kit::os::OsRelease;
use kit::{Ctx, Default, Diff, Error, Kind, Outcome, Param, Result};
use serde::Deserialize;

pub const ENFORCE: &str = "/sys/fs/selinux/enforce";
/// Image mode: this module's kargs.d file (`selinux=0` on RHEL 9 and later when disabled).
pub const KARGS_FILE: &str = "/usr/lib/bootc/kargs.d/40-hardening-selinux.toml";
pub const KARGS_DISABLED: &str =
    "# hardening.rhel selinux: SELinux disabled from the first boot of this image\nkargs = [\"selinux=0\"]\n";
pub const AUTORELABEL: &str = "/.autorelabel";
/// The boot note (see [`kit::boot`]) holding the policy type loaded in this boot.
pub const LOADED_NOTE: &str = "selinux-loaded-policy";
const SELINUX_DIR: &str = "/etc/selinux";

pub struct Selinux;

#[derive(Debug, Deserialize)]
pub struct Args {
    pub state: String,
    pub policy: Option<String>,
    pub configfile: String,
    pub autorelabel: bool,
    pub kernel_args: bool,
    pub backup: bool,
    pub allow_lockout: bool,
}

impl kit::Module for Selinux {
    const NAME: &'static str = "selinux";
    const DIRS: &'static [&'static str] = &["/etc/selinux"];
    const SPEC: &'static [Param] = &[
        Param::new("state", Kind::Str)
            .required()
            .choices(&["enforcing", "permissive", "disabled"]),
        Param::new("policy", Kind::Str),
        Param::new("configfile", Kind::Path)
            .aliases(&["conf", "file"])
            .default(Default::Str("/etc/selinux/config")),
        Param::new("autorelabel", Kind::Bool).default(Default::Bool(true)),
        Param::new("kernel_args", Kind::Bool).default(Default::Bool(true)),
        Param::new("backup", Kind::Bool).default(Default::Bool(false)),
        kit::lockout::ALLOW_LOCKOUT,
    ];
    type Args = Args;

    fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
        let desired = Desired {
            state: Mode::parse(&args.state).expect("validated by choices"),
            policy: args.policy.clone(),
            autorelabel: args.autorelabel,
            kernel_args: args.kernel_args,
            allow_lockout: args.allow_lockout,
        };
        if let Some(p) = &desired.policy {
            check_policy_name(p)?;
        }
        let mut current = read_current(ctx, &args.configfile)?;
        read_marker_facts(ctx, &mut current, &desired)?;
        let plan = plan(&current, &desired)?;
        let mut out = Outcome::default();
        guard::check(ctx, &current, &plan, args.allow_lockout, &mut out)?;
        let backup_file = if ctx.check_mode {
            None
        } else {
            apply(ctx, &args, &current, &plan, &mut out)?
        };
        report(ctx, &args, &current, &plan, backup_file, &mut out);
        if let Some(why) = kit::os::not_booted_root(ctx)? {
            out.warn(format!(
                "the running SELinux mode was not read nor changed: {why}; the configuration \
                 takes effect when this root boots"
            ));
        }
        Ok(out)
    }
}

/// A policy type is a directory name under /etc/selinux.
fn check_policy_name(p: &str) -> Result<()> {
    let ok = !p.is_empty()
        && !p.starts_with('.')
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        kit::fs::check_file_name("policy", p, "")
    } else {
        Err(Error::invalid(format!(
            "policy must be the name of a policy directory under /etc/selinux (e.g. targeted, mls, minimum), got '{}'",
            kit::args::clip(p)
        )))
    }
}

/// The running kernel's SELinux state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// No selinuxfs: SELinux is disabled in the running kernel (or, in a container, the host's
    /// kernel does not run SELinux).
    Disabled,
    Enforcing,
    Permissive,
}

impl Runtime {
    pub fn as_mode(self) -> Mode {
        match self {
            Runtime::Disabled => Mode::Disabled,
            Runtime::Enforcing => Mode::Enforcing,
            Runtime::Permissive => Mode::Permissive,
        }
    }
}

/// Everything the plan needs, read without changing anything.
#[derive(Clone, Debug)]
pub struct Current {
    pub config_text: Option<String>,
    pub runtime: Runtime,
    /// Policy types installed (`/etc/selinux/<type>/policy/` exists), sorted.
    pub installed: Vec<String>,
    pub boot_id: String,
    /// The loaded policy type recorded earlier in this boot, if any.
    pub recorded_loaded: Option<String>,
    pub autorelabel_pending: bool,
    /// The `security.selinux` label of an existing `/.autorelabel`.
    pub autorelabel_label: Option<String>,
    /// Per policy type read, the label its file_contexts gives `/.autorelabel` (see
    /// [`marker_context`]); read by [`read_marker_facts`] only when the plan can need it.
    pub marker_contexts: Vec<(String, Option<String>)>,
    /// Whether this process may set `security.*` attributes (CAP_SYS_ADMIN): not in an
    /// unprivileged container or a rootless image build. Read with `marker_contexts`.
    pub can_label: bool,
    pub boot: BootConfig,
    pub os: OsRelease,
    /// An image-mode (bootc) image being built ([`kit::kernel_args::image_build`]): no runtime
    /// of its own (the build host's selinuxfs is not read), no relabel marker (the image's
    /// labels come from its build), kernel arguments through a kargs.d file.
    pub image_mode: bool,
    /// This module's kargs.d file, if present.
    pub kargs_file: Option<String>,
    /// Other kargs.d files passing selinux=0 or enforcing=0.
    pub kargs_others: Vec<String>,
}

impl Current {
    pub fn configured_mode(&self) -> Option<Mode> {
        self.config_text.as_deref().and_then(config::mode)
    }

    pub fn configured_type(&self) -> String {
        self.config_text
            .as_deref()
            .and_then(config::policy_type)
            .unwrap_or_else(|| config::DEFAULT_TYPE.to_string())
    }

    /// The policy type loaded in the running kernel, as far as it can be known: the one recorded
    /// in this boot, else the configured one (what the system booted with, unless another tool
    /// changed the file since). `None` when SELinux is disabled in the kernel.
    pub fn loaded_type(&self) -> Option<String> {
        match self.runtime {
            Runtime::Disabled => None,
            _ => Some(
                self.recorded_loaded
                    .clone()
                    .unwrap_or_else(|| self.configured_type()),
            ),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Desired {
    pub state: Mode,
    pub policy: Option<String>,
    pub autorelabel: bool,
    pub kernel_args: bool,
    /// Lets a lockout refusal of the plan through (it becomes `forced`).
    pub allow_lockout: bool,
}

/// One change to the system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    WriteConfig {
        before: Option<String>,
        after: String,
    },
    /// Remember which policy type the running kernel has loaded (before SELINUXTYPE changes),
    /// or forget it once the configured type is the loaded one again.
    LoadedNote(NoteStep),
    CreateAutorelabel,
    /// Label `/.autorelabel` (made while SELinux is off, it has none) as the policy does.
    LabelAutorelabel(String),
    SetEnforce(bool),
    /// Kernel arguments of every boot entry (and of kernels installed later).
    BootArgs(Vec<FileChange>),
    /// No BLS entries: the GRUB menu generated from /etc/default/grub is generated again.
    RegenerateMenu(Menu),
    /// Image mode: this module's kargs.d file written (Some) or removed (None).
    KargsFile {
        before: Option<String>,
        after: Option<String>,
    },
}

/// The plan and the state it leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub state: Mode,
    pub policy: String,
    pub runtime_after: Runtime,
    pub reboot_required: bool,
    pub autorelabel_pending: bool,
    pub warnings: Vec<String>,
    /// Lockout refusals that `allow_lockout` let through.
    pub forced: Vec<String>,
}

/// Read the current state. Reads only.
pub fn read_current(ctx: &Ctx, configfile: &str) -> Result<Current> {
    let config_text = ctx.read(configfile)?;
    let boot = BootConfig::read(ctx)?;
    let image_mode = kit::kernel_args::image_build(ctx, &boot);
    let runtime = match if image_mode { None } else { enforce_file(ctx)? } {
        None => Runtime::Disabled,
        Some(v) => match v.trim() {
            "1" => Runtime::Enforcing,
            "0" => Runtime::Permissive,
            other => {
                return Err(Error::Command(format!(
                    "unexpected content '{other}' in {ENFORCE}"
                )))
            }
        },
    };
    // an unreadable /etc/selinux must not read as "no policy installed"
    let mut installed = Vec::new();
    for name in ctx.list(SELINUX_DIR)?.unwrap_or_default() {
        if ctx.path(format!("{SELINUX_DIR}/{name}/policy")).is_dir() {
            installed.push(name);
        }
    }
    let boot_id = kit::boot::boot_id(ctx)?;
    let recorded_loaded = kit::boot::booted_value(ctx, LOADED_NOTE, &boot_id)?;
    let autorelabel_pending = ctx.path(AUTORELABEL).exists();
    let autorelabel_label = if autorelabel_pending {
        kit::fs::get_label(&ctx.path(AUTORELABEL))?.map(|l| {
            String::from_utf8_lossy(&l)
                .trim_end_matches('\0')
                .to_string()
        })
    } else {
        None
    };
    Ok(Current {
        config_text,
        runtime,
        installed,
        boot_id,
        recorded_loaded,
        autorelabel_pending,
        autorelabel_label,
        marker_contexts: Vec::new(),
        can_label: false,
        boot,
        os: OsRelease::read(ctx)?,
        image_mode,
        kargs_file: if image_mode {
            ctx.read(KARGS_FILE)?
        } else {
            None
        },
        kargs_others: if image_mode {
            kit::kernel_args::kargs_d_others_with(ctx, KARGS_FILE, &["selinux=0", "enforcing=0"])?
        } else {
            Vec::new()
        },
    })
}

/// The kernel arguments a mode needs: RHEL 9 and later disable SELinux only with `selinux=0`
/// (SELINUX=disabled alone leaves the LSM on); enabling removes `selinux=0` and `enforcing=0`.
pub fn kernel_edit(state: Mode, os: &OsRelease) -> ArgEdit {
    match state {
        Mode::Disabled if os.rhel_major().is_some_and(|m| m >= 9) => ArgEdit {
            add: vec!["selinux=0".into()],
            remove: Vec::new(),
        },
        Mode::Disabled => ArgEdit::default(),
        _ => ArgEdit {
            add: Vec::new(),
            remove: vec!["selinux=0".into(), "enforcing=0".into()],
        },
    }
}

/// What labelling `/.autorelabel` needs, read only when SELinux is off in the kernel and the
/// task enables it with a relabel: the file_contexts of the policy type the task ends with (one
/// file of several hundred KB - not read on other runs, nor by security_facts) and whether this
/// process may set labels.
pub fn read_marker_facts(ctx: &Ctx, current: &mut Current, desired: &Desired) -> Result<()> {
    if current.runtime != Runtime::Disabled || !desired.state.enabled() || !desired.autorelabel {
        return Ok(());
    }
    let policy = desired
        .policy
        .clone()
        .unwrap_or_else(|| current.configured_type());
    let fc = format!("{SELINUX_DIR}/{policy}/contexts/files/file_contexts");
    let context = ctx.read(&fc)?.and_then(|t| marker_context(&t));
    current.marker_contexts = vec![(policy, context)];
    // a property of this process, not of the managed system: read from the real /proc
    current.can_label = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|st| has_sys_admin(&st))
        .unwrap_or(false);
    Ok(())
}

/// The pure plan: what to change to reach `desired` from `current`.
pub fn plan(current: &Current, desired: &Desired) -> Result<Plan> {
    let mut warnings = Vec::new();
    let mut forced = Vec::new();
    let installed_list = || {
        if current.installed.is_empty() {
            "none".to_string()
        } else {
            current.installed.join(", ")
        }
    };
    if let Some(p) = &desired.policy {
        if !current.installed.contains(p) {
            return Err(Error::invalid(format!(
                "value of policy must be an installed policy type (a directory {SELINUX_DIR}/<type>/policy/), \
                 got: {p}; installed: {}",
                installed_list()
            )));
        }
    }
    let policy_after = desired
        .policy
        .clone()
        .unwrap_or_else(|| current.configured_type());
    if desired.state.enabled() && !current.installed.contains(&policy_after) {
        let msg = format!(
            "the configured policy type '{policy_after}' is not installed ({SELINUX_DIR}/{policy_after}/policy/ \
             is missing; installed: {})",
            installed_list()
        );
        if desired.state == Mode::Enforcing {
            let why = format!("{msg}: booting enforcing without a loadable policy stops the boot");
            if !desired.allow_lockout {
                return Err(Error::refused(format!(
                    "{why}. Install the policy package or choose an installed one with the policy \
                     parameter (allow_lockout: true makes the change anyway)"
                )));
            }
            forced.push(why);
        } else {
            warnings.push(format!(
                "{msg}: the next boot will run without SELinux policy"
            ));
        }
    }

    let mut steps = Vec::new();
    let new_text = match &current.config_text {
        Some(text) => config::edit(text, desired.state, desired.policy.as_deref()),
        None => config::standard(desired.state, &policy_after),
    };
    if current.config_text.as_deref() != Some(new_text.as_str()) {
        steps.push(Step::WriteConfig {
            before: current.config_text.clone(),
            after: new_text,
        });
    }

    let loaded = current.loaded_type();
    // Record / clear what the kernel has loaded when the configured type moves away / back.
    if let Some(loaded) = &loaded {
        let recorded = current.recorded_loaded.as_deref();
        if let Some(step) = kit::boot::plan_note(recorded, loaded, &policy_after) {
            steps.push(Step::LoadedNote(step));
        }
    }

    // A relabel is needed when SELinux comes back after running disabled (files made meanwhile
    // carry no label), or when the loaded policy type is replaced.
    let relabel_needed = desired.state.enabled()
        && !current.image_mode
        && (current.runtime == Runtime::Disabled
            || loaded.as_deref() != Some(policy_after.as_str()));
    let mut autorelabel_pending = current.autorelabel_pending;
    if desired.autorelabel && relabel_needed && !current.autorelabel_pending {
        steps.push(Step::CreateAutorelabel);
        autorelabel_pending = true;
    }
    // A marker made while SELinux is off (by this module, or by selinux-autorelabel-mark.service
    // at a boot without SELinux) has no label; booting with SELinux on, an enforcing policy then
    // denies the autorelabel generator even a getattr of it (unlabeled_t; measured on the
    // real-kernel guest) and the relabel silently does not happen. Give it the policy's label.
    if desired.state.enabled()
        && desired.autorelabel
        && !current.image_mode
        && current.runtime == Runtime::Disabled
        && autorelabel_pending
    {
        let wanted = current
            .marker_contexts
            .iter()
            .find(|(p, _)| *p == policy_after)
            .and_then(|(_, c)| c.clone());
        match wanted {
            Some(w) if current.autorelabel_label.as_deref() != Some(w.as_str()) => {
                if current.can_label {
                    steps.push(Step::LabelAutorelabel(w));
                } else {
                    warnings.push(format!(
                        "{AUTORELABEL} could not be labelled {w} (no CAP_SYS_ADMIN here): an \
                         enforcing boot may not see it; boot permissive for the relabel"
                    ));
                }
            }
            Some(_) => {}
            None => warnings.push(format!(
                "the file_contexts of policy type '{policy_after}' give {AUTORELABEL} no label: the \
                 marker stays unlabelled and an enforcing boot may not see it; boot permissive for the relabel"
            )),
        }
    }

    if desired.kernel_args && current.image_mode {
        // bootc applies kargs.d at installation and upgrade; arguments can only be added there
        let edit = kernel_edit(desired.state, &current.os);
        if !edit.remove.is_empty() && !current.kargs_others.is_empty() {
            return Err(Error::refused(format!(
                "kargs.d file(s) of this image pass {}: SELinux would stay off or permissive at \
                 boot; remove those arguments from them first; nothing was changed",
                current.kargs_others.join(", ")
            )));
        }
        let want = edit
            .add
            .iter()
            .any(|a| a == "selinux=0")
            .then_some(KARGS_DISABLED);
        if current.kargs_file.as_deref() != want {
            steps.push(Step::KargsFile {
                before: current.kargs_file.clone(),
                after: want.map(String::from),
            });
        }
    } else if desired.kernel_args {
        let edit = kernel_edit(desired.state, &current.os);
        if !edit.is_empty() {
            let changes = current.boot.plan(&edit)?;
            if !changes.is_empty() {
                steps.push(Step::BootArgs(changes));
            }
            match current.boot.menu_to_regenerate(&edit) {
                Some(m) if m.tool_present => steps.push(Step::RegenerateMenu(m.clone())),
                Some(m) => warnings.push(m.missing_tool_warning()),
                None => {}
            }
        }
    }

    // Runtime: enforcing <-> permissive at once; going to disabled means permissive now.
    let runtime_after = match (current.runtime, desired.state) {
        (Runtime::Disabled, _) => Runtime::Disabled,
        (Runtime::Permissive, Mode::Enforcing) => {
            steps.push(Step::SetEnforce(true));
            Runtime::Enforcing
        }
        (Runtime::Enforcing, Mode::Permissive | Mode::Disabled) => {
            steps.push(Step::SetEnforce(false));
            Runtime::Permissive
        }
        (r, _) => r,
    };

    let reboot_required = match (runtime_after, desired.state) {
        (Runtime::Disabled, m) => m.enabled(),
        (_, Mode::Disabled) => true,
        _ => loaded.as_deref() != Some(policy_after.as_str()),
    };
    Ok(Plan {
        steps,
        state: desired.state,
        policy: policy_after,
        runtime_after,
        reboot_required,
        autorelabel_pending,
        warnings,
        forced,
    })
}

/// Carry out the plan. Returns the config backup's path when one was made.
fn apply(
    ctx: &Ctx,
    args: &Args,
    current: &Current,
    plan: &Plan,
    out: &mut Outcome,
) -> Result<Option<String>> {
    let mut backup_file = None;
    for step in &plan.steps {
        match step {
            Step::WriteConfig { after, .. } => {
                let w = ctx.write(
                    &args.configfile,
                    after.as_bytes(),
                    kit::fs::WriteOptions {
                        new_mode: 0o644,
                        backup: args.backup,
                    },
                )?;
                backup_file = w.backup_file.map(|p| p.display().to_string());
            }
            Step::LoadedNote(NoteStep::Record(policy)) => {
                let what = "the SELinux policy type loaded";
                kit::boot::record(ctx, LOADED_NOTE, &current.boot_id, policy, what)?;
            }
            Step::LoadedNote(NoteStep::Clear) => kit::boot::clear(ctx, LOADED_NOTE)?,
            Step::BootArgs(changes) => {
                for ch in changes {
                    ctx.write(
                        &ch.path,
                        ch.after.as_bytes(),
                        kit::fs::WriteOptions::default(),
                    )?;
                }
            }
            Step::RegenerateMenu(menu) => {
                let edit = kernel_edit(plan.state, &current.os);
                kit::kernel_args::regenerate_menu(ctx, menu, &edit)?;
            }
            Step::KargsFile { after, .. } => match after {
                Some(text) => {
                    kit::fs::create_dirs(&ctx.path(kit::kernel_args::KARGS_D), 0o755)?;
                    ctx.write(
                        KARGS_FILE,
                        text.as_bytes(),
                        kit::fs::WriteOptions::default(),
                    )?;
                }
                None => {
                    ctx.remove(KARGS_FILE, false)?;
                }
            },
            Step::CreateAutorelabel => {
                ctx.write(
                    AUTORELABEL,
                    b"",
                    kit::fs::WriteOptions {
                        new_mode: 0o644,
                        backup: false,
                    },
                )?;
            }
            Step::LabelAutorelabel(label) => {
                kit::fs::label_file(&ctx.path(AUTORELABEL), label.as_bytes())?;
                ctx.mark_changed();
            }
            Step::SetEnforce(on) => {
                if let Err(e) = ctx.write_kernel(ENFORCE, if *on { "1" } else { "0" }) {
                    // e.g. a read-only selinuxfs inside a container: the configuration is
                    // written; say what did not happen instead of failing.
                    out.warn(format!(
                        "could not switch the running SELinux mode to {}: {e}; the configuration \
                         takes effect at the next boot",
                        if *on { "enforcing" } else { "permissive" }
                    ));
                }
            }
        }
    }
    Ok(backup_file)
}

/// Whether a `/proc/<pid>/status` text shows CAP_SYS_ADMIN (bit 21) among the effective
/// capabilities.
pub fn has_sys_admin(status: &str) -> Option<bool> {
    let hex = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))?
        .trim();
    u64::from_str_radix(hex, 16)
        .ok()
        .map(|caps| caps & (1 << 21) != 0)
}

/// The context `file_contexts` gives `path` (an exact-path entry), if any.
pub fn context_for(file_contexts: &str, path: &str) -> Option<String> {
    let escaped = path.replace('.', "\\.");
    file_contexts.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        (f.next() == Some(escaped.as_str()))
            .then(|| f.last().map(String::from))
            .flatten()
            .filter(|c| c != "<<none>>")
    })
}

/// The label for `/.autorelabel`: the policy's own entry (RHEL's policies have one,
/// `etc_runtime_t`); for a policy without one (Debian's reference policy) the same type, when
/// the policy has it, at the level of the root directory's entry.
pub fn marker_context(file_contexts: &str) -> Option<String> {
    if let Some(c) = context_for(file_contexts, AUTORELABEL) {
        return Some(c);
    }
    let root = context_for(file_contexts, "/")?;
    let level = root.splitn(4, ':').nth(3)?;
    file_contexts
        .contains(":etc_runtime_t:")
        .then(|| format!("system_u:object_r:etc_runtime_t:{level}"))
}

/// The running mode file, `None` without SELinux in the kernel, and also where `/` is not the
/// booted system's root: the selinuxfs a chroot sees is the host's, never read or written for
/// this root (which then has no runtime: only its configuration is managed).
fn enforce_file(ctx: &Ctx) -> Result<Option<String>> {
    if kit::os::not_booted_root(ctx)?.is_some() {
        return Ok(None);
    }
    ctx.read(ENFORCE)
}

fn runtime_now(ctx: &Ctx, plan: &Plan) -> Runtime {
    if ctx.check_mode {
        return plan.runtime_after;
    }
    match enforce_file(ctx).ok().flatten().as_deref().map(str::trim) {
        Some("1") => Runtime::Enforcing,
        Some("0") => Runtime::Permissive,
        _ => Runtime::Disabled,
    }
}

fn report(
    ctx: &Ctx,
    args: &Args,
    current: &Current,
    plan: &Plan,
    backup_file: Option<String>,
    out: &mut Outcome,
) {
    let runtime = if current.image_mode {
        plan.runtime_after
    } else {
        runtime_now(ctx, plan)
    };
    // an image being built has no running kernel of its own: it all applies at its first boot
    let reboot_required =
        !current.image_mode && (plan.reboot_required || runtime != plan.runtime_after);
    let would = if ctx.check_mode { "would be " } else { "" };
    let mut said = Vec::new();
    for step in &plan.steps {
        match step {
            Step::WriteConfig { before, after } => {
                said.push(format!(
                    "{} {would}set to SELINUX={} SELINUXTYPE={}",
                    args.configfile, plan.state, plan.policy
                ));
                out.diff
                    .push(Diff::file(&args.configfile, before.as_deref(), Some(after)));
            }
            Step::LabelAutorelabel(label) => {
                said.push(format!("{AUTORELABEL} {would}labelled {label}"));
            }
            Step::CreateAutorelabel => {
                said.push(format!(
                    "{AUTORELABEL} {would}created (full relabel at next boot)"
                ));
                out.diff.push(Diff::file(AUTORELABEL, None, Some("")));
            }
            Step::SetEnforce(on) => {
                let (b, a) = if *on {
                    ("permissive", "enforcing")
                } else {
                    ("enforcing", "permissive")
                };
                said.push(format!("running mode {would}switched to {a}"));
                out.diff.push(Diff {
                    before: format!("{b}\n"),
                    after: format!("{a}\n"),
                    before_header: format!("{ENFORCE} (running mode)"),
                    after_header: format!("{ENFORCE} (running mode)"),
                });
            }
            Step::LoadedNote(_) => {}
            Step::KargsFile { before, after } => {
                said.push(format!(
                    "{KARGS_FILE} {would}{}",
                    if after.is_some() {
                        "written"
                    } else {
                        "removed"
                    }
                ));
                out.diff
                    .push(Diff::file(KARGS_FILE, before.as_deref(), after.as_deref()));
            }
            Step::RegenerateMenu(menu) => {
                said.push(format!("boot menu {would}regenerated ({})", menu.command()));
            }
            Step::BootArgs(changes) => {
                let edit = kernel_edit(plan.state, &current.os);
                let what: Vec<String> = edit
                    .add
                    .iter()
                    .map(|a| format!("+{a}"))
                    .chain(edit.remove.iter().map(|r| format!("-{r}")))
                    .collect();
                said.push(format!(
                    "kernel arguments {} {would}set in {} file(s)",
                    what.join(" "),
                    changes.len()
                ));
                for ch in changes {
                    out.diff
                        .push(Diff::file(&ch.path, Some(&ch.before), Some(&ch.after)));
                }
            }
        }
    }
    if current.image_mode {
        said.push(format!(
            "image mode (bootc): SELinux {} from the image's first boot",
            plan.state
        ));
    } else if current.runtime == Runtime::Disabled && plan.state.enabled() {
        said.push("SELinux is disabled in the running kernel (no selinuxfs): the mode takes effect at the next boot".into());
    }
    if reboot_required {
        said.push("reboot required".into());
    }
    out.changed = !plan.steps.is_empty();
    out.msg = if said.is_empty() {
        "SELinux already as requested".into()
    } else {
        said.join("; ")
    };
    for w in &plan.warnings {
        out.warn(w.clone());
    }
    out.set("state", plan.state.as_str());
    out.set("policy", &plan.policy);
    out.set("runtime_state", runtime.as_mode().as_str());
    out.set("configfile", &args.configfile);
    out.set("reboot_required", reboot_required);
    out.set(
        "applied_at",
        kit::kernel_args::applied_at(current.image_mode, reboot_required),
    );
    out.set("autorelabel", plan.autorelabel_pending);
    if let Some(b) = backup_file {
        out.set("backup_file", b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(text: Option<&str>, runtime: Runtime) -> Current {
        Current {
            config_text: text.map(String::from),
            runtime,
            installed: vec!["mls".into(), "targeted".into()],
            boot_id: "b1".into(),
            recorded_loaded: None,
            autorelabel_pending: false,
            autorelabel_label: None,
            marker_contexts: Vec::new(),
            can_label: true,
            boot: BootConfig::default(),
            os: OsRelease::default(),
            image_mode: false,
            kargs_file: None,
            kargs_others: Vec::new(),
        }
    }

    fn want(state: Mode, policy: Option<&str>) -> Desired {
        Desired {
            state,
            policy: policy.map(String::from),
            autorelabel: true,
            kernel_args: true,
            allow_lockout: false,
        }
    }

    const ENF: &str = "SELINUX=enforcing\nSELINUXTYPE=targeted\n";
    const PERM: &str = "SELINUX=permissive\nSELINUXTYPE=targeted\n";

    #[test]
    fn marker_context_from_file_contexts() {
        let fc = "/.*\tsystem_u:object_r:default_t:s0\n/\\.autorelabel\t--\tsystem_u:object_r:etc_runtime_t:s0\n/\\.autofsck\t--\tsystem_u:object_r:etc_runtime_t:s0\n/lost\\+found\t-d\t<<none>>\n";
        assert_eq!(
            context_for(fc, "/.autorelabel").as_deref(),
            Some("system_u:object_r:etc_runtime_t:s0")
        );
        assert_eq!(context_for(fc, "/.missing"), None);
        assert_eq!(context_for("/x\t<<none>>\n", "/x"), None);
        assert_eq!(
            marker_context(fc).as_deref(),
            Some("system_u:object_r:etc_runtime_t:s0")
        );
        // Debian's reference policy: no entry of its own, the type exists, level of "/"
        let debian = "/\t-d\tsystem_u:object_r:root_t:s0-s15:c0.c1023\n/etc/nologin\t--\tsystem_u:object_r:etc_runtime_t:s0\n";
        assert_eq!(
            marker_context(debian).as_deref(),
            Some("system_u:object_r:etc_runtime_t:s0-s15:c0.c1023")
        );
        assert_eq!(marker_context("/\t-d\tsystem_u:object_r:root_t:s0\n"), None);
    }

    #[test]
    fn nothing_to_do() {
        let p = plan(
            &cur(Some(ENF), Runtime::Enforcing),
            &want(Mode::Enforcing, Some("targeted")),
        )
        .unwrap();
        assert!(p.steps.is_empty());
        assert!(!p.reboot_required);
        assert_eq!(p.runtime_after, Runtime::Enforcing);
    }

    #[test]
    fn permissive_to_enforcing_switches_runtime_no_reboot() {
        let p = plan(
            &cur(Some(PERM), Runtime::Permissive),
            &want(Mode::Enforcing, None),
        )
        .unwrap();
        assert_eq!(
            p.steps,
            vec![
                Step::WriteConfig {
                    before: Some(PERM.into()),
                    after: ENF.into()
                },
                Step::SetEnforce(true)
            ]
        );
        assert!(!p.reboot_required);
        assert!(!p.autorelabel_pending);
    }

    #[test]
    fn runtime_drift_repaired_even_when_file_is_right() {
        // someone ran `setenforce 0`
        let p = plan(
            &cur(Some(ENF), Runtime::Permissive),
            &want(Mode::Enforcing, None),
        )
        .unwrap();
        assert_eq!(p.steps, vec![Step::SetEnforce(true)]);
    }

    #[test]
    fn to_disabled_goes_permissive_now_and_needs_reboot() {
        let p = plan(
            &cur(Some(ENF), Runtime::Enforcing),
            &want(Mode::Disabled, None),
        )
        .unwrap();
        assert!(matches!(p.steps[0], Step::WriteConfig { .. }));
        assert_eq!(p.steps[1], Step::SetEnforce(false));
        assert!(p.reboot_required);
        assert_eq!(p.runtime_after, Runtime::Permissive);
        // re-run: nothing to change, still reboot_required
        let mut c = cur(
            Some("SELINUX=disabled\nSELINUXTYPE=targeted\n"),
            Runtime::Permissive,
        );
        c.autorelabel_pending = false;
        let p = plan(&c, &want(Mode::Disabled, None)).unwrap();
        assert!(p.steps.is_empty());
        assert!(p.reboot_required);
    }

    #[test]
    fn disabled_to_enabled_relabels_and_needs_reboot_once() {
        let c = cur(
            Some("SELINUX=disabled\nSELINUXTYPE=targeted\n"),
            Runtime::Disabled,
        );
        let p = plan(&c, &want(Mode::Enforcing, None)).unwrap();
        assert!(p.steps.contains(&Step::CreateAutorelabel));
        assert!(p.reboot_required && p.autorelabel_pending);
        // second run after the first applied: no change, still reboot_required
        let mut c2 = cur(Some(ENF), Runtime::Disabled);
        c2.autorelabel_pending = true;
        let p = plan(&c2, &want(Mode::Enforcing, None)).unwrap();
        assert!(p.steps.is_empty());
        assert!(p.reboot_required);
        // autorelabel: false
        let mut d = want(Mode::Enforcing, None);
        d.autorelabel = false;
        let p = plan(&c, &d).unwrap();
        assert!(!p.steps.contains(&Step::CreateAutorelabel));
        assert!(!p.autorelabel_pending);
    }

    #[test]
    fn marker_made_while_disabled_gets_the_policy_label() {
        const ETC_RUNTIME: &str = "system_u:object_r:etc_runtime_t:s0";
        // the marker selinux-autorelabel-mark.service left at a boot without SELinux
        let mut c = cur(Some(ENF), Runtime::Disabled);
        c.autorelabel_pending = true;
        c.marker_contexts = vec![
            ("mls".into(), None),
            ("targeted".into(), Some(ETC_RUNTIME.into())),
        ];
        let p = plan(&c, &want(Mode::Enforcing, None)).unwrap();
        assert_eq!(p.steps, vec![Step::LabelAutorelabel(ETC_RUNTIME.into())]);
        assert!(p.reboot_required && p.autorelabel_pending);
        // labelled: nothing left to do
        c.autorelabel_label = Some(ETC_RUNTIME.into());
        assert!(plan(&c, &want(Mode::Enforcing, None))
            .unwrap()
            .steps
            .is_empty());
        // created and labelled in one run
        let mut fresh = cur(Some(ENF), Runtime::Disabled);
        fresh.marker_contexts = c.marker_contexts.clone();
        let p = plan(&fresh, &want(Mode::Enforcing, None)).unwrap();
        assert_eq!(
            p.steps,
            vec![
                Step::CreateAutorelabel,
                Step::LabelAutorelabel(ETC_RUNTIME.into())
            ]
        );
        // a policy without a label for it: said, not guessed
        let p = plan(&c, &want(Mode::Enforcing, Some("mls"))).unwrap();
        assert!(!p
            .steps
            .iter()
            .any(|s| matches!(s, Step::LabelAutorelabel(_))));
        assert!(p.warnings.iter().any(|w| w.contains("stays unlabelled")));
        // no CAP_SYS_ADMIN (unprivileged container): said, and the same on every run
        let mut unprivileged = c.clone();
        unprivileged.autorelabel_label = None;
        unprivileged.can_label = false;
        let p = plan(&unprivileged, &want(Mode::Enforcing, None)).unwrap();
        assert!(p.steps.is_empty());
        assert!(p.warnings.iter().any(|w| w.contains("no CAP_SYS_ADMIN")));
        assert_eq!(has_sys_admin("CapEff:\t000001ffffffffff\n"), Some(true));
        assert_eq!(has_sys_admin("CapEff:\t00000000a80425fb\n"), Some(false));
        assert_eq!(has_sys_admin("Name: x\n"), None);
        // autorelabel: false - the marker someone else made is left as it is
        let mut hands_off = want(Mode::Enforcing, None);
        hands_off.autorelabel = false;
        let mut unlabelled = c.clone();
        unlabelled.autorelabel_label = None;
        assert!(plan(&unlabelled, &hands_off).unwrap().steps.is_empty());
        // SELinux running: the kernel labels what is made, nothing to do
        let mut on = cur(Some(ENF), Runtime::Permissive);
        on.autorelabel_pending = true;
        on.marker_contexts = c.marker_contexts.clone();
        assert!(!plan(&on, &want(Mode::Enforcing, None))
            .unwrap()
            .steps
            .iter()
            .any(|s| matches!(s, Step::LabelAutorelabel(_))));
    }

    #[test]
    fn policy_type_change_records_loaded_type_until_reboot() {
        let c = cur(Some(ENF), Runtime::Enforcing);
        let p = plan(&c, &want(Mode::Enforcing, Some("mls"))).unwrap();
        assert!(p
            .steps
            .contains(&Step::LoadedNote(NoteStep::Record("targeted".into()))));
        assert!(p.steps.contains(&Step::CreateAutorelabel));
        assert!(p.reboot_required);
        // second run in the same boot: record present, nothing to do, reboot still required
        let mut c2 = cur(
            Some("SELINUX=enforcing\nSELINUXTYPE=mls\n"),
            Runtime::Enforcing,
        );
        c2.recorded_loaded = Some("targeted".into());
        c2.autorelabel_pending = true;
        let p = plan(&c2, &want(Mode::Enforcing, Some("mls"))).unwrap();
        assert!(p.steps.is_empty(), "{:?}", p.steps);
        assert!(p.reboot_required);
        // set back before rebooting: record cleared, no reboot needed
        let p = plan(&c2, &want(Mode::Enforcing, Some("targeted"))).unwrap();
        assert!(p.steps.contains(&Step::LoadedNote(NoteStep::Clear)));
        assert!(!p.reboot_required);
        // after the reboot (record stale → not read): configured type is loaded
        let mut c3 = c2.clone();
        c3.recorded_loaded = None;
        assert!(
            !plan(&c3, &want(Mode::Enforcing, Some("mls")))
                .unwrap()
                .reboot_required
        );
    }

    #[test]
    fn uninstalled_policy_rejected_with_the_list() {
        let e = plan(
            &cur(Some(ENF), Runtime::Enforcing),
            &want(Mode::Enforcing, Some("minimum")),
        )
        .unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("value of policy")
                && m.contains("minimum")
                && m.contains("installed: mls, targeted"),
            "{m}"
        );
    }

    #[test]
    fn enforcing_on_a_missing_configured_policy_refused() {
        let c = cur(
            Some("SELINUX=permissive\nSELINUXTYPE=minimum\n"),
            Runtime::Permissive,
        );
        assert!(plan(&c, &want(Mode::Enforcing, None)).is_err());
        let p = plan(&c, &want(Mode::Permissive, None)).unwrap();
        assert_eq!(p.warnings.len(), 1);
        assert!(plan(&c, &want(Mode::Disabled, None))
            .unwrap()
            .warnings
            .is_empty());
    }

    #[test]
    fn missing_file_created_standard() {
        let p = plan(&cur(None, Runtime::Disabled), &want(Mode::Permissive, None)).unwrap();
        match &p.steps[0] {
            Step::WriteConfig {
                before: None,
                after,
            } => {
                assert_eq!(config::mode(after), Some(Mode::Permissive));
                assert_eq!(config::policy_type(after).as_deref(), Some("targeted"));
            }
            other => panic!("{other:?}"),
        }
    }

    fn on_rhel(major: u32, options: &str) -> Current {
        let mut c = cur(Some(ENF), Runtime::Enforcing);
        c.os = OsRelease::parse(&format!("ID=rhel\nVERSION_ID={major}.4\n"));
        c.boot.entries = vec![(
            "/boot/loader/entries/k.conf".into(),
            format!("linux /vmlinuz\noptions {options}\n"),
        )];
        c
    }

    fn boot_changes(p: &Plan) -> Vec<String> {
        p.steps
            .iter()
            .filter_map(|s| match s {
                Step::BootArgs(ch) => Some(ch.iter().map(|c| c.after.clone()).collect::<Vec<_>>()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    #[test]
    fn kernel_args_rhel9_disable_adds_selinux0_enable_removes() {
        let p = plan(&on_rhel(9, "root=/dev/sda ro"), &want(Mode::Disabled, None)).unwrap();
        assert_eq!(
            boot_changes(&p),
            vec!["linux /vmlinuz\noptions root=/dev/sda ro selinux=0\n"]
        );
        assert!(p.reboot_required);
        let p = plan(
            &on_rhel(9, "root=/dev/sda ro selinux=0 enforcing=0 quiet"),
            &want(Mode::Enforcing, None),
        )
        .unwrap();
        assert_eq!(
            boot_changes(&p),
            vec!["linux /vmlinuz\noptions root=/dev/sda ro quiet\n"]
        );
        // RHEL 8: SELINUX=disabled is enough, no argument added
        let p = plan(&on_rhel(8, "root=/dev/sda ro"), &want(Mode::Disabled, None)).unwrap();
        assert!(boot_changes(&p).is_empty());
        // kernel_args: false leaves the boot entries alone
        let mut d = want(Mode::Disabled, None);
        d.kernel_args = false;
        assert!(boot_changes(&plan(&on_rhel(9, "ro"), &d).unwrap()).is_empty());
        // already there: nothing
        assert!(boot_changes(
            &plan(&on_rhel(9, "ro selinux=0"), &want(Mode::Disabled, None)).unwrap()
        )
        .is_empty());
    }

    #[test]
    fn policy_names_checked() {
        assert!(check_policy_name("targeted").is_ok());
        for bad in ["", "../etc", "a/b", ".hidden", "x y"] {
            assert!(check_policy_name(bad).is_err(), "{bad}");
        }
    }
}
