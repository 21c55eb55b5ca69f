//! Kernel command-line arguments for all installed kernels, edited the way
//! `grubby --update-kernel=ALL --args=… --remove-args=…` does, natively.
//!
//! Where the arguments live (platform-internals §C):
//! * BLS entries `/boot/loader/entries/*.conf`: the `options` line. RHEL 9/10 entries carry the
//!   arguments literally; RHEL 8 entries say `$kernelopts`, whose value is `kernelopts=` in
//!   `/boot/grub2/grubenv` (a 1024-byte GRUB environment block).
//! * `/etc/kernel/cmdline` and `GRUB_CMDLINE_LINUX` in `/etc/default/grub`: what kernels installed
//!   later, and grub2-mkconfig, start from. They are kept in step so that a new kernel keeps the
//!   argument (rhboot/grubby#55).
//!
//! * Without BLS entries (Debian, or RHEL with `GRUB_ENABLE_BLSCFG=false`) the boot menu is a
//!   `grub.cfg` generated from `/etc/default/grub` by `grub2-mkconfig` (`grub-mkconfig` on
//!   Debian): its `linux` lines are what the next boot uses, so they are what "configured" is
//!   judged on, and a [`Menu`] that lacks an edit is regenerated after `/etc/default/grub` is.
//!
//! Editing rules: order is kept; an added `key=value` replaces the first argument with the same
//! key in place (and drops later duplicates of that key), otherwise it is appended; removing
//! `key` removes every argument with that key, removing `key=value` only that exact argument.
//! Text that needs no change is returned unchanged, byte for byte.

use crate::error::{Error, Result};
use crate::Ctx;

pub const ENTRIES_DIR: &str = "/boot/loader/entries";
pub const GRUBENV: &str = "/boot/grub2/grubenv";
pub const KERNEL_CMDLINE: &str = "/etc/kernel/cmdline";
pub const DEFAULT_GRUB: &str = "/etc/default/grub";
pub const PROC_CMDLINE: &str = "/proc/cmdline";
/// Generated GRUB menus and the tool that generates each: RHEL's first, then Debian's.
pub const GRUB_MENUS: [(&str, &str); 2] = [
    ("/boot/grub2/grub.cfg", "/usr/sbin/grub2-mkconfig"),
    ("/boot/grub/grub.cfg", "/usr/sbin/grub-mkconfig"),
];
const GRUBENV_SIZE: usize = 1024;
const GRUBENV_HEADER: &str = "# GRUB Environment Block\n";

/// Arguments to add and to remove.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArgEdit {
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl ArgEdit {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

fn key(arg: &str) -> &str {
    arg.split_once('=').map_or(arg, |(k, _)| k)
}

/// Split a command line into arguments; double quotes keep blanks inside one argument.
pub fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The argument list after `edit`.
pub fn edited(args: &[String], edit: &ArgEdit) -> Vec<String> {
    let mut list: Vec<String> = args.to_vec();
    for r in &edit.remove {
        if r.contains('=') {
            list.retain(|a| a != r);
        } else {
            list.retain(|a| key(a) != r);
        }
    }
    for a in &edit.add {
        match list.iter().position(|x| key(x) == key(a)) {
            Some(pos) => {
                list[pos] = a.clone();
                let k = key(a).to_string();
                let mut seen = 0;
                list.retain(|x| {
                    if key(x) == k {
                        seen += 1;
                        seen == 1
                    } else {
                        true
                    }
                });
            }
            None => list.push(a.clone()),
        }
    }
    list
}

/// `line` after `edit`, unchanged when the edit changes no argument.
pub fn edit_line(line: &str, edit: &ArgEdit) -> String {
    let before = split(line);
    let after = edited(&before, edit);
    if after == before {
        line.to_string()
    } else {
        after.join(" ")
    }
}

/// Whether every argument of `wanted` (`key` or `key=value`) is in `args`, and none of `absent`.
pub fn satisfies(args: &[String], edit: &ArgEdit) -> bool {
    edited(args, edit) == args
}

/// A BLS entry file's text with its `options` line edited; `None` when the entry takes its
/// arguments from `$kernelopts` (edited in grubenv instead) or has no options line.
fn edit_entry(text: &str, edit: &ArgEdit) -> Option<String> {
    let mut changed = false;
    let mut found = false;
    let out: Vec<String> = text
        .split_inclusive('\n')
        .map(|l| {
            let body = l.strip_suffix('\n').unwrap_or(l);
            let Some(rest) = body.strip_prefix("options") else {
                return l.to_string();
            };
            if !rest.starts_with([' ', '\t']) {
                return l.to_string();
            }
            found = true;
            if rest.split_whitespace().any(|a| a == "$kernelopts") {
                return l.to_string();
            }
            let new = edit_line(rest.trim(), edit);
            if new == rest.trim() {
                return l.to_string();
            }
            changed = true;
            format!("options {new}{}", if l.ends_with('\n') { "\n" } else { "" })
        })
        .collect();
    (found && changed).then(|| out.concat())
}

/// The arguments an entry boots with (resolving `$kernelopts` from grubenv).
pub fn entry_args(text: &str, kernelopts: Option<&str>) -> Vec<String> {
    let Some(line) = text
        .lines()
        .find(|l| l.starts_with("options ") || l.starts_with("options\t"))
    else {
        return Vec::new();
    };
    line["options".len()..]
        .split_whitespace()
        .flat_map(|a| {
            if a == "$kernelopts" {
                kernelopts.map(split).unwrap_or_default()
            } else {
                vec![a.to_string()]
            }
        })
        .collect()
}

/// The `kernelopts` value of a grubenv block.
pub fn grubenv_get<'a>(env: &'a str, name: &str) -> Option<&'a str> {
    env.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
}

/// The grubenv block with `name` set to `value`, padded with `#` to 1024 bytes as GRUB needs.
pub fn grubenv_set(env: &str, name: &str, value: &str) -> Result<String> {
    let mut lines: Vec<String> = env
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(String::from)
        .collect();
    match lines.iter_mut().find(|l| key(l) == name) {
        Some(l) => *l = format!("{name}={value}"),
        None => lines.push(format!("{name}={value}")),
    }
    let mut out = String::from(GRUBENV_HEADER);
    for l in &lines {
        out.push_str(l);
        out.push('\n');
    }
    if out.len() > GRUBENV_SIZE {
        return Err(Error::refused(format!(
            "{GRUBENV} would exceed GRUB's {GRUBENV_SIZE}-byte environment block"
        )));
    }
    out.push_str(&"#".repeat(GRUBENV_SIZE - out.len()));
    Ok(out)
}

/// A `GRUB_CMDLINE_LINUX=` or `GRUB_CMDLINE_LINUX_DEFAULT=` line of /etc/default/grub: its key
/// (with `=`) and its value without the quotes. None for any other line.
pub fn default_grub_cmdline(line: &str) -> Option<(&'static str, &str)> {
    const KEY: &str = "GRUB_CMDLINE_LINUX=";
    const KEY_DEFAULT: &str = "GRUB_CMDLINE_LINUX_DEFAULT=";
    let (key, v) = if let Some(v) = line.strip_prefix(KEY) {
        (KEY, v)
    } else {
        (KEY_DEFAULT, line.strip_prefix(KEY_DEFAULT)?)
    };
    Some((key, v.trim().trim_matches(|c| c == '"' || c == '\'')))
}

/// `GRUB_CMDLINE_LINUX="…"` of /etc/default/grub, edited (the line is added when missing and
/// something is to be added). `GRUB_CMDLINE_LINUX_DEFAULT`, which grub-mkconfig appends for
/// normal (not recovery) entries, loses the removed arguments and other values of added keys,
/// so that it cannot undo the edit.
fn edit_default_grub(text: &str, edit: &ArgEdit) -> String {
    const KEY: &str = "GRUB_CMDLINE_LINUX=";
    let default_edit = ArgEdit {
        add: Vec::new(),
        remove: edit.remove.clone(),
    };
    let mut found = false;
    let mut out: Vec<String> = text
        .split_inclusive('\n')
        .map(|l| {
            let body = l.strip_suffix('\n').unwrap_or(l);
            let Some((name, inner)) = default_grub_cmdline(body) else {
                return l.to_string();
            };
            let new = if name != KEY {
                let before = split(inner);
                let mut args = edited(&before, &default_edit);
                args.retain(|a| !edit.add.iter().any(|x| key(x) == key(a) && x != a));
                if args == before {
                    inner.to_string()
                } else {
                    args.join(" ")
                }
            } else {
                found = true;
                edit_line(inner, edit)
            };
            if new == inner {
                return l.to_string();
            }
            format!(
                "{name}\"{new}\"{}",
                if l.ends_with('\n') { "\n" } else { "" }
            )
        })
        .collect();
    if !found && !edit.add.is_empty() {
        if out.last().is_some_and(|l| !l.ends_with('\n')) {
            out.push("\n".into());
        }
        out.push(format!("{KEY}\"{}\"\n", edit_line("", edit)));
    }
    out.concat()
}

/// One file to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub before: String,
    pub after: String,
}

/// A generated GRUB menu (read only when there are no BLS entries).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Menu {
    pub path: String,
    /// The program that generates it (`grub2-mkconfig`, `grub-mkconfig`).
    pub tool: String,
    /// The arguments of each `linux` line, in menu order.
    pub entries: Vec<Vec<String>>,
    /// Whether the generating program is installed.
    pub tool_present: bool,
}

impl Menu {
    /// The kernel arguments of every `linux`/`linux16`/`linuxefi` line of a grub.cfg.
    pub fn parse(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .filter_map(|l| {
                let mut words = split(l.trim()).into_iter();
                let first = words.next()?;
                matches!(first.as_str(), "linux" | "linux16" | "linuxefi").then(|| {
                    words.next()?; // the kernel image
                    Some(words.collect())
                })?
            })
            .collect()
    }

    /// The regeneration the module runs (`<tool> -o <path>`).
    pub fn command(&self) -> String {
        format!("{} -o {}", self.tool, self.path)
    }

    /// What to tell when the menu lacks an edit and its generator is not installed.
    pub fn missing_tool_warning(&self) -> String {
        format!(
            "{} does not boot with the kernel arguments of {DEFAULT_GRUB} yet and {} is not \
             installed: regenerate the menu before rebooting",
            self.path, self.tool
        )
    }
}

/// The boot configuration as read from disk.
#[derive(Clone, Debug, Default)]
pub struct BootConfig {
    /// (path, text) of each BLS entry, sorted by path.
    pub entries: Vec<(String, String)>,
    /// Without BLS entries: the generated GRUB menu, when one with `linux` lines exists.
    pub menu: Option<Menu>,
    pub grubenv: Option<String>,
    pub kernel_cmdline: Option<String>,
    pub default_grub: Option<String>,
    /// The arguments the running kernel was booted with.
    pub running: Vec<String>,
}

impl BootConfig {
    pub fn read(ctx: &Ctx) -> Result<BootConfig> {
        let mut entries = Vec::new();
        // An unreadable entries directory is an error, never "no entries": the module would
        // then write no boot entry and report success.
        for name in ctx.list(ENTRIES_DIR)?.unwrap_or_default() {
            if name.ends_with(".conf") {
                let path = format!("{ENTRIES_DIR}/{name}");
                if let Some(text) = ctx.read(&path)? {
                    entries.push((path, text));
                }
            }
        }
        entries.sort();
        let mut menu = None;
        if entries.is_empty() {
            for (path, tool) in GRUB_MENUS {
                if let Some(text) = ctx.read(path)? {
                    let found = Menu::parse(&text);
                    if !found.is_empty() {
                        menu = Some(Menu {
                            path: path.into(),
                            tool: tool.into(),
                            entries: found,
                            tool_present: crate::cmd::exists(ctx, tool),
                        });
                        break;
                    }
                }
            }
        }
        Ok(BootConfig {
            entries,
            menu,
            grubenv: ctx.read(GRUBENV)?,
            kernel_cmdline: ctx.read(KERNEL_CMDLINE)?,
            default_grub: ctx.read(DEFAULT_GRUB)?,
            running: ctx
                .read(PROC_CMDLINE)?
                .map(|s| split(&s))
                .unwrap_or_default(),
        })
    }

    fn kernelopts(&self) -> Option<&str> {
        self.grubenv
            .as_deref()
            .and_then(|g| grubenv_get(g, "kernelopts"))
    }

    /// The arguments each entry boots with.
    pub fn entry_args(&self) -> Vec<(String, Vec<String>)> {
        self.entries
            .iter()
            .map(|(p, t)| (p.clone(), entry_args(t, self.kernelopts())))
            .collect()
    }

    /// Whether every boot entry (there is at least one) boots with the edit already made: the
    /// BLS entries, or without them the generated GRUB menu's entries.
    pub fn configured(&self, edit: &ArgEdit) -> bool {
        if !self.entries.is_empty() {
            return self.entry_args().iter().all(|(_, a)| satisfies(a, edit));
        }
        self.menu
            .as_ref()
            .is_some_and(|m| m.entries.iter().all(|a| satisfies(a, edit)))
    }

    /// Whether there is anything that boots: BLS entries or a generated menu.
    pub fn has_entries(&self) -> bool {
        !self.entries.is_empty() || self.menu.is_some()
    }

    /// The generated menu to regenerate (after /etc/default/grub is edited) so that the next
    /// boot has the edit: without BLS entries, when the menu lacks it and /etc/default/grub,
    /// which the menu is generated from, exists.
    pub fn menu_to_regenerate(&self, edit: &ArgEdit) -> Option<&Menu> {
        let menu = self.menu.as_ref()?;
        (self.entries.is_empty() && self.default_grub.is_some() && !self.configured(edit))
            .then_some(menu)
    }

    /// Whether the running kernel was booted with the edit already made.
    pub fn running_satisfies(&self, edit: &ArgEdit) -> bool {
        satisfies(&self.running, edit)
    }

    /// The file changes that make `edit` true for all kernels, present and future.
    pub fn plan(&self, edit: &ArgEdit) -> Result<Vec<FileChange>> {
        let mut changes = Vec::new();
        let mut uses_kernelopts = false;
        for (path, text) in &self.entries {
            if text.lines().any(|l| {
                l.starts_with("options") && l.split_whitespace().any(|a| a == "$kernelopts")
            }) {
                uses_kernelopts = true;
            }
            if let Some(after) = edit_entry(text, edit) {
                changes.push(FileChange {
                    path: path.clone(),
                    before: text.clone(),
                    after,
                });
            }
        }
        if uses_kernelopts {
            let env = self.grubenv.as_deref().ok_or_else(|| {
                Error::refused(format!(
                    "boot entries use $kernelopts but {GRUBENV} is missing"
                ))
            })?;
            let opts = grubenv_get(env, "kernelopts").ok_or_else(|| {
                Error::refused(format!(
                    "boot entries use $kernelopts but {GRUBENV} has no kernelopts"
                ))
            })?;
            let new = edit_line(opts, edit);
            if new != opts {
                changes.push(FileChange {
                    path: GRUBENV.into(),
                    before: env.to_string(),
                    after: grubenv_set(env, "kernelopts", &new)?,
                });
            }
        }
        if let Some(text) = &self.kernel_cmdline {
            let line = text.trim_end_matches('\n');
            let new = edit_line(line, edit);
            if new != line {
                changes.push(FileChange {
                    path: KERNEL_CMDLINE.into(),
                    before: text.clone(),
                    after: format!("{new}\n"),
                });
            }
        }
        if let Some(text) = &self.default_grub {
            let new = edit_default_grub(text, edit);
            if new != *text {
                changes.push(FileChange {
                    path: DEFAULT_GRUB.into(),
                    before: text.clone(),
                    after: new,
                });
            }
        }
        Ok(changes)
    }
}

/// Regenerate a GRUB menu (`<tool> -o <path>`) and check that it now boots with `edit`.
pub fn regenerate_menu(ctx: &Ctx, menu: &Menu, edit: &ArgEdit) -> Result<()> {
    crate::cmd::run(ctx, &menu.tool, &["-o", &menu.path])?;
    ctx.mark_changed();
    let entries = Menu::parse(&ctx.read(&menu.path)?.unwrap_or_default());
    if entries.is_empty() || !entries.iter().all(|a| satisfies(a, edit)) {
        return Err(Error::Command(format!(
            "{} ran, but the menu it generated does not boot with the kernel arguments written to \
             {DEFAULT_GRUB}: check GRUB's scripts under /etc/grub.d",
            menu.command()
        )));
    }
    Ok(())
}

/// bootc's directory in an image (image mode): kernel arguments come from kargs.d files.
pub const BOOTC_DIR: &str = "/usr/lib/bootc";
/// The kargs.d directory bootc reads (`kargs = ["…"]` TOML files) at installation and upgrade.
pub const KARGS_D: &str = "/usr/lib/bootc/kargs.d";
/// Present on a booted OSTree/bootc system, never in an image being built.
pub const OSTREE_BOOTED: &str = "/run/ostree-booted";

/// An image-mode (bootc) image being built: bootc's directory, not a booted OSTree deployment,
/// and no boot entries (a package-mode host with the bootc package still has its own).
pub fn image_build(ctx: &Ctx, boot: &BootConfig) -> bool {
    ctx.path(BOOTC_DIR).is_dir() && !ctx.path(OSTREE_BOOTED).exists() && boot.entries.is_empty()
}

/// [`image_build`] for modules that do not otherwise read the boot entries: they are read only
/// where bootc's directory exists (an unreadable entries directory is an error, as there).
pub fn image_build_root(ctx: &Ctx) -> Result<bool> {
    if !ctx.path(BOOTC_DIR).is_dir() {
        return Ok(false);
    }
    Ok(image_build(ctx, &BootConfig::read(ctx)?))
}

/// When a boot-time setting takes effect, the `applied_at` of the results: `first_boot` (an
/// image being built), `next_boot` (a reboot is required) or `now`.
pub fn applied_at(image_build: bool, reboot_required: bool) -> &'static str {
    match (image_build, reboot_required) {
        (true, _) => "first_boot",
        (false, true) => "next_boot",
        (false, false) => "now",
    }
}

/// The kargs.d files other than `ours` that pass any of `args`, as "<path> (<arg>)": a quoted
/// `"arg"` outside comment lines. Unreadable files are errors, never "no argument".
pub fn kargs_d_others_with(ctx: &Ctx, ours: &str, args: &[&str]) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for name in ctx.list(KARGS_D)?.unwrap_or_default() {
        let path = format!("{KARGS_D}/{name}");
        if path == ours || !name.ends_with(".toml") {
            continue;
        }
        let text = ctx.read(&path)?.unwrap_or_default();
        for a in args {
            let quoted = [format!("\"{a}\""), format!("'{a}'")];
            if text
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .any(|l| quoted.iter().any(|q| l.contains(q.as_str())))
            {
                found.push(format!("{path} ({a})"));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kargs_d_files_passing_an_argument() {
        let d = tempfile::tempdir().unwrap();
        let ctx = Ctx::sandbox(d.path(), false, false);
        assert!(
            !image_build(&ctx, &BootConfig::default()),
            "no /usr/lib/bootc"
        );
        let dir = d.path().join("usr/lib/bootc/kargs.d");
        std::fs::create_dir_all(&dir).unwrap();
        let w = |n: &str, t: &str| std::fs::write(dir.join(n), t).unwrap();
        w(
            "10-a.toml",
            "# \"enforcing=0\" was here\nkargs = [\"quiet\"]\n",
        );
        w(
            "20-b.toml",
            "kargs = [\n  \"console=ttyS0\",\n  'enforcing=0',\n]\n",
        );
        w("30-c.conf", "kargs = [\"selinux=0\"]\n");
        w("40-ours.toml", "kargs = [\"selinux=0\"]\n");
        w("50-d.toml", "kargs = [\"enforcing=01\", \"selinux=0\"]\n");
        let ours = format!("{KARGS_D}/40-ours.toml");
        assert_eq!(
            kargs_d_others_with(&ctx, &ours, &["selinux=0", "enforcing=0"]).unwrap(),
            vec![
                format!("{KARGS_D}/20-b.toml (enforcing=0)"),
                format!("{KARGS_D}/50-d.toml (selinux=0)"),
            ]
        );
        assert!(image_build(&ctx, &BootConfig::default()));
        std::fs::create_dir_all(d.path().join("run")).unwrap();
        std::fs::write(d.path().join("run/ostree-booted"), "").unwrap();
        assert!(
            !image_build(&ctx, &BootConfig::default()),
            "a booted deployment"
        );
    }

    fn e(add: &[&str], remove: &[&str]) -> ArgEdit {
        ArgEdit {
            add: add.iter().map(|s| s.to_string()).collect(),
            remove: remove.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn edit_rules() {
        let line = "root=/dev/mapper/rhel-root ro crashkernel=auto fips=0 rhgb quiet";
        assert_eq!(
            edit_line(line, &e(&["fips=1"], &[])),
            "root=/dev/mapper/rhel-root ro crashkernel=auto fips=1 rhgb quiet"
        );
        assert_eq!(
            edit_line(line, &e(&["fips=0"], &[])),
            line,
            "unchanged text is returned as is"
        );
        assert_eq!(edit_line("a  b", &e(&["a"], &[])), "a  b");
        assert_eq!(
            edit_line(line, &e(&["boot=UUID=1234"], &[])),
            format!("{line} boot=UUID=1234")
        );
        assert_eq!(
            edit_line("a x=1 b x=2", &e(&["x=3"], &[])),
            "a x=3 b",
            "later duplicates dropped"
        );
        assert_eq!(
            edit_line(
                "a selinux=0 enforcing=0 b",
                &e(&[], &["selinux", "enforcing"])
            ),
            "a b"
        );
        assert_eq!(
            edit_line("a fips=1 b", &e(&[], &["fips=0"])),
            "a fips=1 b",
            "exact removal only"
        );
        assert_eq!(edit_line("a fips=1 b", &e(&[], &["fips=1"])), "a b");
        assert_eq!(split("a \"b c\" d"), vec!["a", "\"b c\"", "d"]);
    }

    const RHEL9_ENTRY: &str = "title Red Hat Enterprise Linux (5.14.0-362.el9.x86_64) 9.3 (Plow)\n\
version 5.14.0-362.el9.x86_64\nlinux /vmlinuz-5.14.0-362.el9.x86_64\ninitrd /initramfs-5.14.0-362.el9.x86_64.img $tuned_initrd\n\
options root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M resume=/dev/mapper/rhel-swap rhgb quiet $tuned_params\n\
grub_users $grub_users\ngrub_arg --unrestricted\ngrub_class rhel\n";
    const RHEL8_ENTRY: &str = "title Red Hat Enterprise Linux (4.18.0-513.el8.x86_64) 8.9 (Ootpa)\n\
version 4.18.0-513.el8.x86_64\nlinux /vmlinuz-4.18.0-513.el8.x86_64\ninitrd /initramfs-4.18.0-513.el8.x86_64.img $tuned_initrd\n\
options $kernelopts $tuned_params\nid rhel-20231001-4.18.0-513.el8.x86_64\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n";

    fn grubenv(opts: &str) -> String {
        grubenv_set(
            &format!("{GRUBENV_HEADER}saved_entry=x\n"),
            "kernelopts",
            opts,
        )
        .unwrap()
    }

    #[test]
    fn rhel9_literal_options_and_rescue_entries() {
        let bc = BootConfig {
            entries: vec![
                ("/boot/loader/entries/a-5.14.0-362.el9.x86_64.conf".into(), RHEL9_ENTRY.into()),
                ("/boot/loader/entries/a-0-rescue.conf".into(), RHEL9_ENTRY.replace("5.14.0-362.el9.x86_64", "0-rescue-abc")),
            ],
            kernel_cmdline: Some("root=/dev/mapper/rhel-root ro rhgb quiet\n".into()),
            default_grub: Some("GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"crashkernel=1G-4G:192M rhgb quiet\"\nGRUB_DISABLE_RECOVERY=\"true\"\n".into()),
            ..Default::default()
        };
        let edit = e(&["fips=1"], &[]);
        assert!(!bc.configured(&edit));
        let ch = bc.plan(&edit).unwrap();
        assert_eq!(ch.len(), 4);
        assert!(ch[0].after.contains("options root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M resume=/dev/mapper/rhel-swap rhgb quiet $tuned_params fips=1\n"));
        assert!(ch[1].after.contains("quiet $tuned_params fips=1\n"));
        assert_eq!(
            ch[2].after,
            "root=/dev/mapper/rhel-root ro rhgb quiet fips=1\n"
        );
        assert!(ch[3].after.contains(
            "GRUB_CMDLINE_LINUX=\"crashkernel=1G-4G:192M rhgb quiet fips=1\"\nGRUB_DISABLE"
        ));
        // applied: nothing more to do
        let mut done = bc.clone();
        for c in &ch {
            if let Some(en) = done.entries.iter_mut().find(|(p, _)| *p == c.path) {
                en.1 = c.after.clone();
            }
        }
        done.kernel_cmdline = Some(ch[2].after.clone());
        done.default_grub = Some(ch[3].after.clone());
        assert!(done.configured(&edit));
        assert!(done.plan(&edit).unwrap().is_empty());
    }

    #[test]
    fn rhel8_kernelopts_in_grubenv() {
        let env = grubenv("root=/dev/mapper/rhel-root ro crashkernel=auto fips=0 rhgb quiet");
        assert_eq!(env.len(), 1024);
        let bc = BootConfig {
            entries: vec![("/boot/loader/entries/x.conf".into(), RHEL8_ENTRY.into())],
            grubenv: Some(env.clone()),
            ..Default::default()
        };
        let edit = e(&["fips=1", "boot=UUID=0f0e"], &[]);
        let ch = bc.plan(&edit).unwrap();
        assert_eq!(ch.len(), 1, "{ch:?}");
        assert_eq!(ch[0].path, GRUBENV);
        assert_eq!(ch[0].after.len(), 1024);
        assert_eq!(
            grubenv_get(&ch[0].after, "kernelopts"),
            Some("root=/dev/mapper/rhel-root ro crashkernel=auto fips=1 rhgb quiet boot=UUID=0f0e")
        );
        assert_eq!(grubenv_get(&ch[0].after, "saved_entry"), Some("x"));
        let done = BootConfig {
            grubenv: Some(ch[0].after.clone()),
            ..bc
        };
        assert!(done.configured(&edit));
        assert!(done.entry_args()[0].1.contains(&"fips=1".to_string()));
    }

    #[test]
    fn grubenv_overflow_refused() {
        assert!(grubenv_set(GRUBENV_HEADER, "kernelopts", &"x".repeat(1100)).is_err());
    }

    const DEBIAN_MENU: &str = "### BEGIN /etc/grub.d/10_linux ###\n\
menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple-0f0e' {\n\
\tload_video\n\tinsmod ext2\n\
\tlinux\t/boot/vmlinuz-6.1.0-28-amd64 root=UUID=0f0e ro  console=ttyS0 security=selinux selinux=1\n\
\tinitrd\t/boot/initrd.img-6.1.0-28-amd64\n}\n\
submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-0f0e' {\n\
\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-28-amd64 (recovery mode)' {\n\
\t\tlinux\t/boot/vmlinuz-6.1.0-28-amd64 root=UUID=0f0e ro single console=ttyS0 security=selinux selinux=1\n\
\t}\n}\n";

    #[test]
    fn generated_menu_judged_and_regenerated_without_bls_entries() {
        let entries = Menu::parse(DEBIAN_MENU);
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0],
            [
                "root=UUID=0f0e",
                "ro",
                "console=ttyS0",
                "security=selinux",
                "selinux=1"
            ]
        );
        let default_grub = "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet fips=0\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0 security=selinux selinux=1\"\n";
        let bc = BootConfig {
            menu: Some(Menu {
                path: "/boot/grub/grub.cfg".into(),
                tool: "/usr/sbin/grub-mkconfig".into(),
                entries,
                tool_present: true,
            }),
            default_grub: Some(default_grub.into()),
            ..Default::default()
        };
        let fips = e(&["fips=1"], &[]);
        assert!(bc.has_entries());
        assert!(!bc.configured(&fips));
        assert_eq!(
            bc.menu_to_regenerate(&fips).map(Menu::command).as_deref(),
            Some("/usr/sbin/grub-mkconfig -o /boot/grub/grub.cfg")
        );
        assert!(bc
            .menu
            .as_ref()
            .unwrap()
            .missing_tool_warning()
            .starts_with(
            "/boot/grub/grub.cfg does not boot with the kernel arguments of /etc/default/grub yet \
             and /usr/sbin/grub-mkconfig is not installed"
        ));
        let ch = bc.plan(&fips).unwrap();
        assert_eq!(ch.len(), 1);
        assert_eq!(
            ch[0].after,
            "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0 security=selinux selinux=1 fips=1\"\n",
            "the default line cannot undo fips=1 any more"
        );
        // selinux=1 is there, selinux=0 nowhere: both kinds of edit already hold
        assert!(bc.configured(&e(&["selinux=1"], &[])));
        assert!(bc.configured(&e(&[], &["selinux=0"])));
        assert!(bc.menu_to_regenerate(&e(&[], &["selinux=0"])).is_none());
        assert!(!bc.configured(&e(&[], &["selinux"])));
        // BLS entries take precedence; no /etc/default/grub: nothing to regenerate from
        let without_source = BootConfig {
            default_grub: None,
            ..bc.clone()
        };
        assert!(without_source.menu_to_regenerate(&fips).is_none());
        assert!(!BootConfig::default().configured(&fips));
        assert!(!BootConfig::default().has_entries());
    }

    #[test]
    fn default_grub_line_added_when_missing() {
        assert_eq!(
            edit_default_grub("GRUB_TIMEOUT=5", &e(&["selinux=0"], &[])),
            "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"selinux=0\"\n"
        );
        assert_eq!(
            edit_default_grub("GRUB_TIMEOUT=5\n", &e(&[], &["selinux"])),
            "GRUB_TIMEOUT=5\n"
        );
    }
}
