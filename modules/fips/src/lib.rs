//! `hardening.rhel.fips`: FIPS mode — the three signals fips-mode-setup used (kernel flag, fips
//! dracut module in the initramfs, FIPS crypto policy), and the steps to enable it on RHEL 8/9:
//! dracut config + initramfs regeneration, /etc/system-fips (RHEL 8), the FIPS crypto policy
//! (through the crypto_policy module's own plan), and `fips=1` (+ `boot=UUID=…` when /boot is a
//! separate file system) for every installed kernel. RHEL 10 supports FIPS mode only when enabled
//! at installation: the module says so instead of half-doing it.
//!
//! read ([`read_current`]) → pure plan ([`plan`]) → apply (skipped in check mode).

use crypto_policy::policy::PolicySpec;
use kit::kernel_args::{ArgEdit, BootConfig, Menu};
use kit::os::OsRelease;
use kit::{cmd, Ctx, Default, Diff, Error, Kind, Outcome, Param, Result};
use serde::{Deserialize, Serialize};

pub const FIPS_FLAG: &str = "/proc/sys/crypto/fips_enabled";
pub const DRACUT_CONF: &str = "/etc/dracut.conf.d/40-fips.conf";
pub const DRACUT_CONF_TEXT: &str = "add_dracutmodules+=\" fips \"\n";
pub const SYSTEM_FIPS: &str = "/etc/system-fips";
pub const SYSTEM_FIPS_TEXT: &str = "# FIPS module installation complete\n";
pub const UKI_STUB: &str =
    "/sys/firmware/efi/efivars/StubInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";
pub const OSTREE_MARKERS: [&str; 2] = ["/run/ostree-booted", "/ostree"];
pub use kit::kernel_args::BOOTC_DIR;
pub const KARGS_FILE: &str = "/usr/lib/bootc/kargs.d/40-hardening-fips.toml";
pub const KARGS_TEXT: &str =
    "# hardening.rhel fips: FIPS mode from the first boot of this image\nkargs = [\"fips=1\"]\n";
pub const CRYPTTAB: &str = "/etc/crypttab";
pub const MOUNTINFO: &str = "/proc/self/mountinfo";
pub const BY_UUID: &str = "/dev/disk/by-uuid";
pub const MODULES_DIR: &str = "/lib/modules";
pub const DRACUT: &str = "/usr/bin/dracut";
pub const LSINITRD: &str = "/usr/bin/lsinitrd";

pub struct Fips;

#[derive(Debug, Deserialize)]
pub struct Args {
    pub state: String,
    pub allow_disable: bool,
    pub boot_config: bool,
    pub initramfs: bool,
    pub allow_lockout: bool,
}

impl kit::Module for Fips {
    const NAME: &'static str = "fips";
    const DIRS: &'static [&'static str] = &["/etc/dracut.conf.d", "/boot/loader/entries"];
    const SPEC: &'static [Param] = &[
        Param::new("state", Kind::Str)
            .required()
            .choices(&["enabled", "disabled"]),
        Param::new("allow_disable", Kind::Bool).default(Default::Bool(false)),
        Param::new("boot_config", Kind::Bool).default(Default::Bool(true)),
        Param::new("initramfs", Kind::Bool).default(Default::Bool(true)),
        kit::lockout::ALLOW_LOCKOUT,
    ];
    type Args = Args;

    fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
        let enable = args.state == "enabled";
        if !enable && !args.allow_disable {
            return Err(Error::refused(
                "disabling FIPS mode after installation is not supported by Red Hat (the system must be \
                 reinstalled for a supported non-FIPS state); set allow_disable: true to do it anyway",
            ));
        }
        let current = read_current(ctx)?;
        let plan = plan(&current, &args)?;
        let mut out = Outcome::default();
        lockout_guard(ctx, &current, &plan, args.allow_lockout, &mut out)?;
        if !ctx.check_mode {
            apply(ctx, &current, &plan)?;
        }
        report(ctx, &current, &plan, &mut out);
        Ok(out)
    }
}

/// The SSH guard: the crypto policy step of the plan, judged as crypto_policy judges it (FIPS
/// mode's effect on OpenSSH is its policy: no Ed25519, no FIDO keys, RSA >= 2048 bits).
fn lockout_guard(
    ctx: &Ctx,
    c: &Current,
    plan: &Plan,
    allow: bool,
    out: &mut Outcome,
) -> Result<()> {
    match plan.steps.iter().find_map(|s| match s {
        Step::CryptoPolicy(cp) => Some(cp),
        _ => None,
    }) {
        Some(cp) => {
            let none = crypto_policy::Desired {
                policy: None,
                defs: Vec::new(),
            };
            crypto_policy::guard(ctx, &c.crypto, &none, cp, allow, out)
        }
        None => {
            kit::lockout::nothing_to_cut(ctx, out);
            Ok(())
        }
    }
}

/// An installed kernel's initramfs and whether it carries the fips dracut module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub kver: String,
    pub path: String,
    pub has_fips: bool,
}

/// Everything the plan needs, read without changing anything.
#[derive(Clone, Debug)]
pub struct Current {
    pub os: OsRelease,
    pub kernel_fips: bool,
    /// Some dracut configuration adds the fips module.
    pub dracut_config: bool,
    /// The content of this module's own dracut file, if present.
    pub dracut_conf_file: Option<String>,
    pub images: Vec<Image>,
    /// The kernels installed (the directories of /lib/modules); 0 in a root without a kernel
    /// (a container image, a root being built), where no initramfs exists to regenerate.
    pub kernels: usize,
    pub system_fips: Option<String>,
    pub boot: BootConfig,
    /// `Some(uuid)` when /boot is a separate file system.
    pub boot_uuid: Option<String>,
    pub boot_separate: bool,
    pub uki: bool,
    pub ostree: bool,
    /// An image-mode (bootc) image being built: /usr/lib/bootc exists, the system is not a
    /// booted OSTree deployment, /boot has no entries. Kernel arguments go to a kargs.d file; the running kernel is
    /// the build host's and says nothing about this image.
    pub image_mode: bool,
    /// This module's kargs.d file, if present.
    pub kargs_file: Option<String>,
    /// LUKS2 devices whose key slots use Argon2 (not FIPS-approved).
    pub argon2_luks: Vec<String>,
    pub warnings: Vec<String>,
    pub crypto: crypto_policy::Current,
    pub dracut_present: bool,
}

fn adds_fips(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        (l.starts_with("add_dracutmodules+=") || l.starts_with("add_dracutmodules="))
            && l.split(['"', ' ', '=']).any(|t| t == "fips")
    })
}

fn mtime(path: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The dracut files that add the fips module, with the newest modification time among them.
fn dracut_fips_config(ctx: &Ctx) -> Result<(bool, Option<std::time::SystemTime>)> {
    let mut files = vec!["/etc/dracut.conf".to_string()];
    let names = ctx.list("/etc/dracut.conf.d")?.unwrap_or_default();
    files.extend(
        names
            .into_iter()
            .filter(|n| n.ends_with(".conf"))
            .map(|n| format!("/etc/dracut.conf.d/{n}")),
    );
    let (mut found, mut newest) = (false, None);
    for f in files {
        if ctx.read(&f)?.is_some_and(|t| adds_fips(&t)) {
            found = true;
            newest = newest.max(mtime(&ctx.path(&f)));
        }
    }
    Ok((found, newest))
}

/// Initramfs images of the installed kernels. An image built after the dracut configuration
/// that adds fips carries it; otherwise `lsinitrd -m` (read-only) is asked.
/// Also returns how many kernels are installed (the directories of /lib/modules).
fn images(ctx: &Ctx, config: (bool, Option<std::time::SystemTime>)) -> Result<(Vec<Image>, usize)> {
    let kvers: Vec<String> = ctx
        .list(MODULES_DIR)?
        .unwrap_or_default()
        .into_iter()
        .filter(|k| ctx.path(format!("{MODULES_DIR}/{k}")).is_dir())
        .collect();
    let kernels = kvers.len();
    let lsinitrd = cmd::exists(ctx, LSINITRD);
    let mut out = Vec::new();
    for kver in kvers {
        // /boot (package mode), else the kernel's own directory: image mode (bootc) keeps the
        // initramfs at /usr/lib/modules/<kver>/initramfs.img, /boot is empty in the image
        let Some((path, img_time)) = [
            format!("/boot/initramfs-{kver}.img"),
            format!("{MODULES_DIR}/{kver}/initramfs.img"),
        ]
        .into_iter()
        .find_map(|p| mtime(&ctx.path(&p)).map(|t| (p, t))) else {
            continue;
        };
        let built_after_config = config.0 && config.1.is_some_and(|c| img_time >= c);
        let has_fips = built_after_config
            || (lsinitrd
                && cmd::run_status(ctx, LSINITRD, &["-m", &path])?
                    .stdout
                    .lines()
                    .any(|l| l.trim() == "fips"));
        out.push(Image {
            kver,
            path,
            has_fips,
        });
    }
    Ok((out, kernels))
}

/// `boot=UUID=…` is needed when /boot is its own file system (fips-mode-setup step 8).
fn boot_fs(ctx: &Ctx) -> Result<(bool, Option<String>)> {
    let Some(info) = ctx.read(MOUNTINFO)? else {
        return Ok((false, None));
    };
    let source = info.lines().find_map(|l| {
        let fields: Vec<&str> = l.split(' ').collect();
        let sep = fields.iter().position(|f| *f == "-")?;
        (fields.get(4) == Some(&"/boot")).then(|| fields.get(sep + 2).map(|s| s.to_string()))?
    });
    let Some(source) = source else {
        return Ok((false, None));
    };
    // the device's kernel name (vda1, dm-3), following /dev/mapper links
    let device = std::fs::read_link(ctx.path(&source))
        .ok()
        .and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| source.rsplit('/').next().unwrap_or(&source).to_string());
    // an unreadable by-uuid directory must not pass for "no UUID": the boot= argument would
    // silently be left out and the FIPS boot fail its integrity check
    let mut uuid = None;
    for name in ctx.list(BY_UUID)?.unwrap_or_default() {
        let link = ctx.path(format!("{BY_UUID}/{name}"));
        let target = match std::fs::read_link(&link) {
            Ok(t) => t,
            Err(e) if e.raw_os_error() == Some(22) => continue, // EINVAL: not a link
            Err(e) => return Err(kit::Error::io("read link", &link, e)),
        };
        if target
            .file_name()
            .is_some_and(|n| n.to_string_lossy() == device)
        {
            uuid = Some(name);
            break;
        }
    }
    Ok((true, uuid))
}

/// LUKS2 devices (from /etc/crypttab) whose key slots use Argon2, read from the header natively.
fn argon2_luks(ctx: &Ctx, warnings: &mut Vec<String>) -> Result<Vec<String>> {
    let Some(tab) = ctx.read(CRYPTTAB)? else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for line in tab
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let Some(spec) = line.split_whitespace().nth(1) else {
            continue;
        };
        let dev = match spec.split_once('=') {
            Some(("UUID", u)) => format!("{BY_UUID}/{u}"),
            Some(("PARTUUID", u)) => format!("/dev/disk/by-partuuid/{u}"),
            Some(("LABEL", u)) => format!("/dev/disk/by-label/{u}"),
            _ => spec.to_string(),
        };
        let mut header = vec![0u8; 64 * 1024];
        let read = std::fs::File::open(ctx.path(&dev)).and_then(|mut f| {
            use std::io::Read;
            f.read(&mut header)
        });
        let n = match read {
            Ok(n) => n,
            Err(e) => {
                warnings.push(format!(
                    "could not read the LUKS header of {dev} ({e}): its PBKDF was not checked"
                ));
                continue;
            }
        };
        header.truncate(n);
        let luks2 = n > 4096 && header.starts_with(b"LUKS\xba\xbe") && header[6..8] == [0, 2];
        if luks2 {
            let hdr_size = u64::from_be_bytes(header[8..16].try_into().expect("8 bytes")) as usize;
            let json = &header[4096..hdr_size.clamp(4096, n)];
            if String::from_utf8_lossy(json).contains("\"argon2") {
                found.push(dev);
            }
        }
    }
    Ok(found)
}

pub fn read_current(ctx: &Ctx) -> Result<Current> {
    let mut warnings = Vec::new();
    let boot = BootConfig::read(ctx)?;
    // bootc's directory, not booted as OSTree, and no boot entries: a package-mode host with the
    // bootc package installed still has its /boot/loader/entries
    let image_mode = kit::kernel_args::image_build(ctx, &boot);
    let config = dracut_fips_config(ctx)?;
    let (images, kernels) = images(ctx, config)?;
    let (boot_separate, boot_uuid) = boot_fs(ctx)?;
    let no_defs = crypto_policy::Desired {
        policy: None,
        defs: Vec::new(),
    };
    Ok(Current {
        os: OsRelease::read(ctx)?,
        kernel_fips: !image_mode && ctx.read(FIPS_FLAG)?.is_some_and(|v| v.trim() == "1"),
        dracut_config: config.0,
        dracut_conf_file: ctx.read(DRACUT_CONF)?,
        images,
        kernels,
        system_fips: ctx.read(SYSTEM_FIPS)?,
        boot,
        boot_uuid,
        boot_separate,
        uki: ctx.path(UKI_STUB).exists(),
        ostree: OSTREE_MARKERS.iter().any(|m| ctx.path(m).exists()),
        image_mode,
        kargs_file: ctx.read(KARGS_FILE)?,
        argon2_luks: argon2_luks(ctx, &mut warnings)?,
        crypto: crypto_policy::read_current(ctx, &no_defs, false)?,
        dracut_present: cmd::exists(ctx, DRACUT),
        warnings,
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    WriteFile {
        path: String,
        before: Option<String>,
        after: String,
    },
    RemoveFile {
        path: String,
        before: String,
    },
    RegenerateInitramfs,
    CryptoPolicy(Box<crypto_policy::Plan>),
    /// No BLS entries: the GRUB menu generated from /etc/default/grub is generated again.
    RegenerateMenu(Menu, ArgEdit),
}

/// The three signals (and the boot arguments), as they are or will be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Signals {
    pub kernel: bool,
    pub initramfs: bool,
    pub crypto_policy: bool,
    pub boot_args: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub after: Signals,
    /// Whether the next boot runs with `fips=1` (every boot entry carries it).
    pub boots_fips: bool,
    pub warnings: Vec<String>,
}

fn base_is_fips(policy: &str) -> bool {
    policy.split(':').next() == Some("FIPS")
}

/// `fips=1`, the argument every boot entry carries in FIPS mode.
fn fips1() -> ArgEdit {
    ArgEdit {
        add: vec!["fips=1".into()],
        remove: Vec::new(),
    }
}

/// The signals now.
pub fn signals(c: &Current) -> Signals {
    Signals {
        kernel: c.kernel_fips,
        // without a kernel, what the initramfs of a kernel installed later will carry
        initramfs: if c.kernels == 0 {
            c.dracut_config
        } else {
            !c.images.is_empty() && c.images.iter().all(|i| i.has_fips)
        },
        crypto_policy: c.crypto.state_current.as_deref().is_some_and(base_is_fips),
        boot_args: if c.image_mode {
            c.kargs_file.as_deref() == Some(KARGS_TEXT)
        } else {
            c.boot.configured(&fips1())
        },
    }
}

fn boot_edit(c: &Current, enable: bool) -> ArgEdit {
    if enable {
        let mut add = vec!["fips=1".to_string()];
        if let Some(uuid) = &c.boot_uuid {
            add.push(format!("boot=UUID={uuid}"));
        }
        ArgEdit {
            add,
            remove: Vec::new(),
        }
    } else {
        ArgEdit {
            add: Vec::new(),
            remove: vec!["fips".into()],
        }
    }
}

/// The pure plan.
pub fn plan(c: &Current, args: &Args) -> Result<Plan> {
    let enable = args.state == "enabled";
    let mut warnings = c.warnings.clone();
    let edit = boot_edit(c, enable);
    let now = signals(c);
    let major = c.os.rhel_major();

    // (an image is FIPS from its first boot, which is how RHEL 10 supports it)
    if enable && major.is_some_and(|m| m >= 10) && !c.image_mode {
        if now.kernel && now.initramfs && now.crypto_policy {
            return Ok(Plan {
                steps: Vec::new(),
                after: now,
                boots_fips: now.boot_args,
                warnings,
            });
        }
        return Err(Error::refused(format!(
            "{}: enabling FIPS mode after installation is not supported by Red Hat on RHEL 10; FIPS mode \
             must be enabled when the system is installed (fips=1 on the installer's kernel command line). \
             Now: kernel {}, initramfs {}, crypto policy {}",
            c.os.describe(),
            on(now.kernel),
            on(now.initramfs),
            on(now.crypto_policy)
        )));
    }
    if major.is_none() {
        warnings.push(format!(
            "{} is not RHEL 8 or 9 (by /etc/os-release): acting as on RHEL 9",
            c.os.describe()
        ));
    }
    // Refusals stop changes; on a system already configured they are warnings.
    let mut refusals = Vec::new();
    if enable && args.boot_config && !c.image_mode && (c.uki || c.ostree) {
        refusals.push(format!(
            "this system boots {}: its kernel command line is not edited through boot entries, so the \
             boot part of FIPS mode cannot be configured here; set boot_config: false and add fips=1 \
             through the image's own tooling",
            if c.uki { "a Unified Kernel Image" } else { "an OSTree deployment" }
        ));
    }
    if enable && !c.argon2_luks.is_empty() {
        refusals.push(format!(
            "LUKS2 volume(s) {} use the Argon2 key derivation, which is not FIPS-approved: a FIPS kernel \
             could not unlock them at boot. Convert each key slot to PBKDF2 first \
             (cryptsetup luksConvertKey --pbkdf pbkdf2 <device>)",
            c.argon2_luks.join(", ")
        ));
    }
    if enable && c.boot_separate && c.boot_uuid.is_none() && args.boot_config {
        return Err(Error::refused(
            "/boot is a separate file system but its UUID was not found under /dev/disk/by-uuid: the \
             boot=UUID= argument FIPS needs cannot be written",
        ));
    }

    let mut steps = Vec::new();
    let mut after = now;
    if args.initramfs {
        let mut regenerate = false;
        if enable && !c.dracut_config {
            steps.push(Step::WriteFile {
                path: DRACUT_CONF.into(),
                before: c.dracut_conf_file.clone(),
                after: DRACUT_CONF_TEXT.into(),
            });
            regenerate = true;
        }
        if !enable {
            if let Some(before) = &c.dracut_conf_file {
                steps.push(Step::RemoveFile {
                    path: DRACUT_CONF.into(),
                    before: before.clone(),
                });
                regenerate = true;
            }
        }
        if enable && !now.initramfs {
            regenerate = true;
        }
        if regenerate {
            // no kernel, no initramfs: the dracut configuration is what a kernel installed
            // later gets (regenerating would build nothing, and be planned again every run)
            if c.kernels > 0 {
                steps.push(Step::RegenerateInitramfs);
            }
            after.initramfs = enable;
        }
    }
    if major == Some(8) {
        match (&c.system_fips, enable) {
            (None, true) => steps.push(Step::WriteFile {
                path: SYSTEM_FIPS.into(),
                before: None,
                after: SYSTEM_FIPS_TEXT.into(),
            }),
            (Some(b), false) => steps.push(Step::RemoveFile {
                path: SYSTEM_FIPS.into(),
                before: b.clone(),
            }),
            _ => {}
        }
    }
    // The crypto policy, through the crypto_policy module's own plan (FIPS:SUBS is kept).
    let configured = &c.crypto.configured;
    let target = match (enable, base_is_fips(configured)) {
        (true, true) | (false, false) => configured.clone(),
        (true, false) => "FIPS".into(),
        (false, true) => "DEFAULT".into(),
    };
    let spec =
        PolicySpec::parse(&target).map_err(|e| Error::refused(format!("crypto policy: {e}")))?;
    let desired = crypto_policy::Desired {
        policy: Some(spec),
        defs: Vec::new(),
    };
    // fips-mode-setup applies the policy with --no-reload: the reboot restarts everything.
    let cp = crypto_policy::plan(&c.crypto, &desired, false)?;
    if !cp.steps.is_empty() {
        after.crypto_policy = enable;
        steps.push(Step::CryptoPolicy(Box::new(cp)));
    }
    let mut boots_fips = now.boot_args;
    if args.boot_config && c.image_mode {
        // image mode: bootc applies kargs.d at installation and upgrades; /boot is not the image's
        match (enable, &c.kargs_file) {
            (true, f) if f.as_deref() != Some(KARGS_TEXT) => steps.push(Step::WriteFile {
                path: KARGS_FILE.into(),
                before: f.clone(),
                after: KARGS_TEXT.into(),
            }),
            (false, Some(before)) => steps.push(Step::RemoveFile {
                path: KARGS_FILE.into(),
                before: before.clone(),
            }),
            _ => {}
        }
        boots_fips = enable;
        after.boot_args = enable;
    } else if args.boot_config {
        for ch in c.boot.plan(&edit)? {
            steps.push(Step::WriteFile {
                path: ch.path,
                before: Some(ch.before),
                after: ch.after,
            });
        }
        // whether the next boot has the edit: BLS entries are written above; a generated menu
        // has it already, or is regenerated
        let boots_with_edit = if !c.boot.entries.is_empty() {
            true
        } else {
            match c.boot.menu_to_regenerate(&edit) {
                Some(m) if m.tool_present => {
                    steps.push(Step::RegenerateMenu(m.clone(), edit.clone()));
                    true
                }
                Some(m) => {
                    warnings.push(m.missing_tool_warning());
                    false
                }
                None => c.boot.configured(&edit),
            }
        };
        if !c.boot.has_entries() {
            warnings.push(
                "no boot entries under /boot/loader/entries and no generated GRUB menu: no kernel \
                 argument was written"
                    .into(),
            );
        } else if boots_with_edit {
            boots_fips = enable;
            after.boot_args = enable;
        }
    }
    if !enable {
        warnings.push(
            "FIPS mode disabled after installation: Red Hat does not support this state".into(),
        );
    }
    if !refusals.is_empty() {
        if !steps.is_empty() {
            return Err(Error::refused(format!(
                "{}; nothing was changed",
                refusals.join("; ")
            )));
        }
        warnings.extend(refusals);
    }
    Ok(Plan {
        steps,
        after,
        boots_fips,
        warnings,
    })
}

fn on(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// The dracut runs that regenerate every kernel's initramfs where it is: `--regenerate-all` for
/// /boot (package mode; also where a kernel has no image yet), each image-mode image in place
/// (`dracut -f /usr/lib/modules/<kver>/initramfs.img <kver>`: --regenerate-all would write /boot).
pub fn dracut_runs(c: &Current) -> Vec<Vec<String>> {
    let in_modules: Vec<&Image> = c
        .images
        .iter()
        .filter(|i| i.path.starts_with(MODULES_DIR))
        .collect();
    let mut runs = Vec::new();
    if in_modules.is_empty() || in_modules.len() < c.images.len() || c.images.len() < c.kernels {
        runs.push(vec!["-f".to_string(), "--regenerate-all".to_string()]);
    }
    for i in in_modules {
        runs.push(vec!["-f".to_string(), i.path.clone(), i.kver.clone()]);
    }
    runs
}

fn apply(ctx: &Ctx, c: &Current, plan: &Plan) -> Result<()> {
    if plan.steps.contains(&Step::RegenerateInitramfs) && !c.dracut_present {
        return Err(Error::refused(format!(
            "{DRACUT} is not installed: the initramfs cannot be regenerated; nothing was changed"
        )));
    }
    let opts = kit::fs::WriteOptions::default();
    for step in &plan.steps {
        match step {
            Step::WriteFile { path, after, .. } => {
                if let Some(dir) = std::path::Path::new(path).parent() {
                    kit::fs::create_dirs(&ctx.path(dir), 0o755)?;
                }
                ctx.write(path, after.as_bytes(), opts)?;
            }
            Step::RemoveFile { path, .. } => {
                ctx.remove(path, false)?;
            }
            Step::RegenerateInitramfs => {
                for argv in dracut_runs(c) {
                    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
                    cmd::run(ctx, DRACUT, &argv)?;
                }
                ctx.mark_changed();
            }
            Step::CryptoPolicy(cp) => {
                crypto_policy::apply(ctx, &c.crypto, cp, false, &mut Outcome::default())?;
            }
            Step::RegenerateMenu(menu, edit) => {
                kit::kernel_args::regenerate_menu(ctx, menu, edit)?;
            }
        }
    }
    Ok(())
}

fn report(ctx: &Ctx, c: &Current, plan: &Plan, out: &mut Outcome) {
    let would = if ctx.check_mode { "would " } else { "" };
    let mut done = Vec::new();
    for step in &plan.steps {
        match step {
            Step::WriteFile {
                path,
                before,
                after,
            } => {
                done.push(format!("{would}write {path}"));
                out.diff
                    .push(Diff::file(path, before.as_deref(), Some(after)));
            }
            Step::RemoveFile { path, before } => {
                done.push(format!("{would}remove {path}"));
                out.diff.push(Diff::file(path, Some(before), None));
            }
            Step::RegenerateMenu(menu, _) => done.push(format!(
                "{would}regenerate the boot menu ({})",
                menu.command()
            )),
            Step::RegenerateInitramfs => done.push(format!(
                "{would}regenerate the initramfs of every kernel ({})",
                dracut_runs(c)
                    .iter()
                    .map(|a| format!("dracut {}", a.join(" ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Step::CryptoPolicy(cp) => {
                done.push(format!("{would}set the crypto policy {}", cp.policy_after));
                out.diff.push(Diff {
                    before: format!("{}\n", c.crypto.state_current.as_deref().unwrap_or("")),
                    after: format!("{}\n", cp.policy_after),
                    before_header: "crypto policy (applied)".into(),
                    after_header: "crypto policy (applied)".into(),
                });
            }
        }
    }
    let after = plan.after;
    // the kernel turns FIPS on or off only by booting with(out) fips=1
    let configured = after.boot_args && after.initramfs && after.crypto_policy;
    // an image being built has no running kernel of its own: it all applies at its first boot
    let reboot_required = !c.image_mode && c.kernel_fips != plan.boots_fips;
    let consistent = after.kernel == after.initramfs && after.initramfs == after.crypto_policy;
    out.changed = !plan.steps.is_empty();
    let mut msg = if done.is_empty() {
        vec!["FIPS mode already as requested".to_string()]
    } else {
        done.clone()
    };
    if c.kernels == 0 && after.initramfs {
        msg.push(format!(
            "no kernel installed (nothing in {MODULES_DIR}): the initramfs of a kernel installed \
             later carries the fips module by the dracut configuration"
        ));
    }
    if c.image_mode {
        msg.push(format!(
            "image mode (bootc, {BOOTC_DIR}): FIPS mode {} from the image's first boot",
            on(plan.boots_fips)
        ));
    }
    if reboot_required {
        msg.push(format!(
            "reboot required: the kernel runs with FIPS mode {}",
            on(c.kernel_fips)
        ));
    }
    out.msg = msg.join("; ");
    for w in &plan.warnings {
        out.warn(w.clone());
    }
    out.set("fips_enabled", c.kernel_fips);
    out.set("configured", configured);
    out.set("consistent", consistent);
    out.set("reboot_required", reboot_required);
    out.set(
        "applied_at",
        kit::kernel_args::applied_at(c.image_mode, reboot_required),
    );
    out.set("signals", after);
    out.set("steps", done);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dracut_lines_adding_fips() {
        assert!(adds_fips(DRACUT_CONF_TEXT));
        assert!(adds_fips("add_dracutmodules=\"fips crypt\"\n"));
        assert!(!adds_fips(
            "# add_dracutmodules+=\" fips \"\nomit_dracutmodules+=\" fips \"\n"
        ));
        assert!(!adds_fips("add_dracutmodules+=\" fipsx \"\n"));
    }
}
