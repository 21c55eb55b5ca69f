//! Daemons and accounts, read natively: whether a daemon runs (its pid file and /proc), whether
//! systemd is init, restarting a unit, and user/group names from /etc/passwd and /etc/group
//! (never NSS: a static-enough binary must not load NSS modules, and the files are what RHEL's
//! local accounts are).

use crate::error::Result;
use crate::{cmd, Ctx};

pub const SYSTEMCTL: &str = "/usr/bin/systemctl";
/// Exists while systemd runs as init (sd_booted()).
pub const SYSTEMD_RUNNING: &str = "/run/systemd/system";

/// The pid in `pid_file` when a process of that pid runs `comm`.
/// Never in a root that is not the booted system's ([`crate::os::not_booted_root`]): its
/// `/proc` shows the host's processes.
pub fn running_pid(ctx: &Ctx, pid_file: &str, comm: &str) -> Result<Option<u32>> {
    if crate::os::not_booted_root(ctx)?.is_some() {
        return Ok(None);
    }
    let Some(text) = ctx.read(pid_file)? else {
        return Ok(None);
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        return Ok(None);
    };
    let running = ctx
        .read(&format!("/proc/{pid}/comm"))?
        .is_some_and(|c| c.trim() == comm);
    Ok(running.then_some(pid))
}

/// Whether systemd runs as init of this root: never in a root that is not the booted system's
/// (a chroot's bind-mounted /run shows the host's systemd), nor where that cannot be told.
pub fn systemd_running(ctx: &Ctx) -> bool {
    ctx.path(SYSTEMD_RUNNING).is_dir() && matches!(crate::os::not_booted_root(ctx), Ok(None))
}

/// Whether `unit` is enabled for `target` (its link in /etc/systemd/system/<target>.wants), read
/// natively, as `systemctl is-enabled` would report `enabled` for a unit installed by WantedBy=.
/// A link that cannot be examined is an error, not "disabled".
pub fn unit_enabled(ctx: &Ctx, unit: &str, target: &str) -> Result<bool> {
    let p = ctx.path(format!("/etc/systemd/system/{target}.wants/{unit}"));
    match p.symlink_metadata() {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(crate::Error::io("stat", &p, e)),
    }
}

/// `systemctl <verb> <unit>` (start, stop, enable, disable). `enable`/`disable` also work
/// without a running systemd (they only edit links).
/// Any other verb is refused in a root that is not the booted system's (the host's units).
pub fn systemctl(ctx: &Ctx, verb: &str, unit: &str) -> Result<()> {
    if !matches!(verb, "enable" | "disable") {
        refuse_offline(ctx, &format!("systemctl {verb} {unit}"))?;
    }
    cmd::run(ctx, SYSTEMCTL, &[verb, unit]).map(|_| ())
}

/// `systemctl restart <unit>`; refused in a root that is not the booted system's.
pub fn restart(ctx: &Ctx, unit: &str) -> Result<()> {
    systemctl(ctx, "restart", unit)
}

/// When a daemon's configuration takes effect, the `applied_at` of the results: `now` (the
/// running daemon has it), `restart` (the running daemon still has the old configuration), and
/// where no daemon runs `first_boot` (an image being built:
/// [`crate::kernel_args::image_build_root`]) or `service_start` (when it starts, at boot if it is
/// enabled). A running daemon decides: a bootc image run as a container looks like one being built.
pub fn applied_at(ctx: &Ctx, running: bool, stale: bool) -> Result<&'static str> {
    Ok(match (running, stale) {
        (true, false) => "now",
        (true, true) => "restart",
        (false, _) if crate::kernel_args::image_build_root(ctx)? => "first_boot",
        (false, _) => "service_start",
    })
}

/// The last line of defence: an action on the running system refused where `/` is not its root.
pub fn refuse_offline(ctx: &Ctx, action: &str) -> Result<()> {
    match crate::os::not_booted_root(ctx)? {
        Some(why) => Err(crate::Error::refused(format!(
            "not running {action}: {why}; only this root's files are changed"
        ))),
        None => Ok(()),
    }
}

fn names_in(ctx: &Ctx, file: &str) -> Result<Vec<(String, u32)>> {
    Ok(ctx
        .read(file)?
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?.to_string();
            let id = f.nth(1)?.parse().ok()?;
            Some((name, id))
        })
        .collect())
}

/// Whether `user` (a name or a non-negative number) is a user of /etc/passwd (numbers always are).
pub fn user_exists(ctx: &Ctx, user: &str) -> Result<bool> {
    if user.parse::<u32>().is_ok() {
        return Ok(true);
    }
    Ok(names_in(ctx, "/etc/passwd")?.iter().any(|(n, _)| n == user))
}

/// Whether `group` (a name or a non-negative number) is a group of /etc/group.
pub fn group_exists(ctx: &Ctx, group: &str) -> Result<bool> {
    if group.parse::<u32>().is_ok() {
        return Ok(true);
    }
    Ok(names_in(ctx, "/etc/group")?.iter().any(|(n, _)| n == group))
}

/// The gid of `group` from /etc/group.
pub fn group_id(ctx: &Ctx, group: &str) -> Result<Option<u32>> {
    Ok(names_in(ctx, "/etc/group")?
        .into_iter()
        .find(|(n, _)| n == group)
        .map(|(_, id)| id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_daemons_from_files() {
        let d = tempfile::tempdir().unwrap();
        let ctx = Ctx::sandbox(d.path(), false, false);
        std::fs::create_dir_all(d.path().join("etc")).unwrap();
        std::fs::write(
            d.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/bash\nfapolicyd:x:998:996::/:/sbin/nologin\n",
        )
        .unwrap();
        std::fs::write(d.path().join("etc/group"), "root:x:0:\nfapolicyd:x:996:\n").unwrap();
        assert!(user_exists(&ctx, "fapolicyd").unwrap() && user_exists(&ctx, "1000").unwrap());
        assert!(!user_exists(&ctx, "nobody-here").unwrap() && !user_exists(&ctx, "-1").unwrap());
        assert_eq!(group_id(&ctx, "fapolicyd").unwrap(), Some(996));
        assert!(group_exists(&ctx, "root").unwrap() && !group_exists(&ctx, "wheel").unwrap());

        assert_eq!(
            running_pid(&ctx, "/run/fapolicyd.pid", "fapolicyd").unwrap(),
            None
        );
        std::fs::create_dir_all(d.path().join("run")).unwrap();
        std::fs::create_dir_all(d.path().join("proc/4242")).unwrap();
        // a booted root: init's root is this root
        std::fs::create_dir_all(d.path().join("proc/1")).unwrap();
        std::os::unix::fs::symlink("../..", d.path().join("proc/1/root")).unwrap();
        assert_eq!(crate::os::not_booted_root(&ctx).unwrap(), None);
        std::fs::write(d.path().join("run/fapolicyd.pid"), "4242\n").unwrap();
        std::fs::write(d.path().join("proc/4242/comm"), "bash\n").unwrap();
        assert_eq!(
            running_pid(&ctx, "/run/fapolicyd.pid", "fapolicyd").unwrap(),
            None,
            "a stale pid file"
        );
        std::fs::write(d.path().join("proc/4242/comm"), "fapolicyd\n").unwrap();
        assert_eq!(
            running_pid(&ctx, "/run/fapolicyd.pid", "fapolicyd").unwrap(),
            Some(4242)
        );
        // the same files seen from a chroot (init's root elsewhere) or an offline root (no
        // /proc/1/root): the daemon is the host's, never this root's; systemctl start refused
        std::fs::create_dir_all(d.path().join("run/systemd/system")).unwrap();
        assert!(systemd_running(&ctx));
        let link = d.path().join("proc/1/root");
        std::fs::remove_file(&link).unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), &link).unwrap();
        for no_proc in [false, true] {
            if no_proc {
                std::fs::remove_file(&link).unwrap();
            }
            assert!(crate::os::not_booted_root(&ctx).unwrap().is_some());
            assert_eq!(
                running_pid(&ctx, "/run/fapolicyd.pid", "fapolicyd").unwrap(),
                None
            );
            assert!(!systemd_running(&ctx));
            let e = restart(&ctx, "fapolicyd").unwrap_err().to_string();
            assert!(e.contains("not running systemctl restart fapolicyd"), "{e}");
        }
    }
}
