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
pub fn running_pid(ctx: &Ctx, pid_file: &str, comm: &str) -> Result<Option<u32>> {
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

pub fn systemd_running(ctx: &Ctx) -> bool {
    ctx.path(SYSTEMD_RUNNING).is_dir()
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
pub fn systemctl(ctx: &Ctx, verb: &str, unit: &str) -> Result<()> {
    cmd::run(ctx, SYSTEMCTL, &[verb, unit]).map(|_| ())
}

/// `systemctl restart <unit>`.
pub fn restart(ctx: &Ctx, unit: &str) -> Result<()> {
    cmd::run(ctx, SYSTEMCTL, &["restart", unit]).map(|_| ())
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
    }
}
