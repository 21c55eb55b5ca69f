//! `hardening.rhel.fapolicyd_config`: settings of /etc/fapolicyd/fapolicyd.conf, each validated,
//! edited in place (every other line, comment and unknown key stays), and a restart of a running
//! daemon when a setting changed — fapolicyd reads its configuration only at start.
//!
//! read → pure plan ([`edit`]) → apply (skipped in check mode).

use kit::{service, Ctx, Default, Diff, Error, Kind, Outcome, Param, Result};
use serde::Deserialize;
use serde_json::{Map, Value};

pub use kit::fapolicyd::CONF;
pub const PID_FILE: &str = "/run/fapolicyd.pid";
pub const UNIT: &str = "fapolicyd.service";

pub struct FapolicydConfig;

#[derive(Debug, Deserialize)]
pub struct Args {
    pub settings: Map<String, Value>,
    pub restart: bool,
    pub backup: bool,
    pub service: Option<String>,
    pub enabled: Option<bool>,
    pub allow_lockout: bool,
}

impl kit::Module for FapolicydConfig {
    const NAME: &'static str = "fapolicyd_config";
    const DIRS: &'static [&'static str] = &["/etc/fapolicyd"];
    const SPEC: &'static [Param] = &[
        Param::new("settings", Kind::Map).required(),
        Param::new("restart", Kind::Bool).default(Default::Bool(true)),
        Param::new("backup", Kind::Bool).default(Default::Bool(false)),
        Param::new("service", Kind::Str).choices(&["started", "stopped"]),
        Param::new("enabled", Kind::Bool),
        kit::lockout::ALLOW_LOCKOUT,
    ];
    type Args = Args;

    fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
        let wanted = validate(ctx, &args.settings)?;
        let text = ctx.read(CONF)?.ok_or_else(|| {
            Error::refused(format!("{CONF} does not exist: is fapolicyd installed?"))
        })?;
        let after = edit(&text, &wanted);
        let changed = after != text;
        let pid = service::running_pid(ctx, PID_FILE, "fapolicyd")?;
        let mut out = Outcome::default();
        let mut restarted = false;
        let systemd = service::systemd_running(ctx);
        let stop = args.service.as_deref() == Some("stopped") && pid.is_some();
        let start = args.service.as_deref() == Some("started") && pid.is_none();
        let enabled_now = match args.enabled {
            Some(_) => service::unit_enabled(ctx, UNIT, "multi-user.target")?,
            None => false,
        };
        let enable_to = args.enabled.filter(|e| *e != enabled_now);
        // The lockout guard: fapolicyd becomes enforcing (permissive 1 → 0, or an enforcing
        // daemon started or enabled) → the compiled rules are judged as it will enforce them.
        let enforcing = |conf: &str| value(conf, "permissive").is_none_or(|v| v.trim() != "1");
        let enabled_before = service::unit_enabled(ctx, UNIT, "multi-user.target")?;
        let enabled_after = args.enabled.unwrap_or(enabled_before);
        // active: running, or starting at the next boot
        let active_before = pid.is_some() || enabled_before;
        let active_after = (pid.is_some() && !stop) || start || enabled_after;
        let becomes_enforcing =
            !(active_before && enforcing(&text)) && active_after && enforcing(&after);
        // ... and an enforcing daemon whose trust decisions change (integrity, the trust back
        // ends): the same rules judged with the trust as it will be decided
        use fapolicyd_rules::eval::{Change, TrustMode};
        let (mode_before, mode_after) = (
            TrustMode::from_conf(Some(&text)),
            TrustMode::from_conf(Some(&after)),
        );
        let trust_changes = mode_before != mode_after
            && active_before
            && enforcing(&text)
            && active_after
            && enforcing(&after);
        let compiled = if becomes_enforcing || trust_changes {
            Some(ctx.read(fapolicyd_rules::COMPILED)?.unwrap_or_default())
        } else {
            None
        };
        fapolicyd_rules::eval::guard(
            ctx,
            compiled.as_deref().map(|c| Change {
                before: (!becomes_enforcing).then(|| (c, mode_before.clone())),
                after: (c, mode_after.clone()),
            }),
            if becomes_enforcing {
                "making fapolicyd enforce its rules"
            } else {
                "changing how fapolicyd decides trust (integrity, trust back ends)"
            },
            args.allow_lockout,
            &mut out,
        )?;
        if changed && !ctx.check_mode {
            let w = ctx.write(
                CONF,
                after.as_bytes(),
                kit::fs::WriteOptions {
                    new_mode: 0o644,
                    backup: args.backup,
                },
            )?;
            // the installed fapolicyd reads the new file before anything restarts: a key or value
            // its version does not take would keep the daemon from starting - then the file is
            // put back as it was and the task fails with the daemon's own words
            match kit::fapolicyd::check_conf(ctx)? {
                kit::fapolicyd::ConfCheck::Rejected(why) => {
                    // nothing of the attempt stays: the backup just made is the file as it is again
                    if let Some(b) = &w.backup_file {
                        std::fs::remove_file(b)
                            .map_err(|e| Error::io("removing the backup", b, e))?;
                    }
                    ctx.write(
                        CONF,
                        text.as_bytes(),
                        kit::fs::WriteOptions {
                            new_mode: 0o644,
                            backup: false,
                        },
                    )?;
                    return Err(Error::invalid(format!(
                        "the installed fapolicyd rejects these settings ({} --check-config: {why}); {CONF} is back as it was and nothing was restarted",
                        kit::fapolicyd::CLI
                    )));
                }
                kit::fapolicyd::ConfCheck::Accepted => out.set("checked_by_fapolicyd", true),
                kit::fapolicyd::ConfCheck::NotChecked(why) => {
                    out.set("checked_by_fapolicyd", false);
                    out.warn(format!(
                        "the settings were not checked by the installed fapolicyd: {why}"
                    ));
                }
            }
            if let Some(b) = w.backup_file {
                out.set("backup_file", b.display().to_string());
            }
            if pid.is_some() && args.restart && !stop {
                service::restart(ctx, "fapolicyd")?;
                restarted = true;
            }
        }
        if !ctx.check_mode {
            if let Some(e) = enable_to {
                service::systemctl(ctx, if e { "enable" } else { "disable" }, UNIT)?;
                ctx.mark_changed();
            }
            if systemd && (start || stop) {
                // restart, not start: a start job still pending (a boot-time start hanging on
                // the old settings) would make `start` wait for it and share its failure
                service::systemctl(ctx, if start { "restart" } else { "stop" }, UNIT)?;
                ctx.mark_changed();
            }
        }
        // A running daemon that started before the file's last change runs the old settings.
        let stale = match pid {
            Some(p) if !restarted && !stop => {
                let started = std::fs::metadata(ctx.path(format!("/proc/{p}")))
                    .and_then(|m| m.modified())
                    .ok();
                let written = std::fs::metadata(ctx.path(CONF))
                    .and_then(|m| m.modified())
                    .ok();
                (changed && !args.restart)
                    || matches!((started, written), (Some(s), Some(w)) if w > s)
            }
            _ => false,
        };
        let would = if ctx.check_mode { "would be " } else { "" };
        let mut said = Vec::new();
        if changed {
            let keys: Vec<&String> = wanted.iter().map(|(k, _)| k).collect();
            said.push(format!(
                "{CONF} {would}updated ({})",
                keys.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            out.diff.push(Diff::file(CONF, Some(&text), Some(&after)));
            match (pid, ctx.check_mode, args.restart) {
                (Some(_), true, true) => said.push("fapolicyd would be restarted".into()),
                (Some(_), false, true) => said
                    .push("fapolicyd restarted (it reads its configuration only at start)".into()),
                (None, _, _) => {
                    said.push("fapolicyd is not running: the settings apply when it starts".into())
                }
                _ => {}
            }
        }
        if stale {
            said.push(
                "restart required: the running fapolicyd started before the configuration changed"
                    .into(),
            );
        }
        if let Some(e) = enable_to {
            said.push(format!(
                "fapolicyd.service {would}{}",
                if e { "enabled" } else { "disabled" }
            ));
        }
        match (start, stop, systemd) {
            (true, _, true) => said.push(format!("fapolicyd {would}started")),
            (_, true, true) => said.push(format!("fapolicyd {would}stopped")),
            (true, _, false) | (_, true, false) => said.push(
                "systemd is not running: fapolicyd was not started or stopped (enabled units start at boot)"
                    .into(),
            ),
            _ => {}
        }
        out.changed = changed || enable_to.is_some() || (systemd && (start || stop));
        out.msg = if said.is_empty() {
            format!("{CONF} already as requested")
        } else {
            said.join("; ")
        };
        out.set(
            "settings",
            wanted
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect::<Map<_, _>>(),
        );
        out.set("restarted", restarted);
        out.set("restart_required", stale);
        let running_after = (pid.is_some() && !(stop && systemd)) || (start && systemd);
        out.set("daemon_running", running_after);
        out.set(
            "applied_at",
            service::applied_at(ctx, running_after, stale)?,
        );
        Ok(out)
    }
}

/// The keys fapolicyd.conf knows (1.1–1.3), and what each takes.
#[derive(Clone, Copy)]
enum Check {
    Bool01,
    Int(i64, i64),
    User,
    Group,
    /// comma list of names made of [a-z0-9_.]
    FsList,
    /// comma list of these
    OneOfList(&'static [&'static str]),
    OneOf(&'static [&'static str]),
    /// comma list of fields (syslog_format)
    Fields,
}

pub const KEYS: &[&str] = &[
    "permissive",
    "nice_val",
    "q_size",
    "uid",
    "gid",
    "do_stat_report",
    "detailed_report",
    "db_max_size",
    "subj_cache_size",
    "obj_cache_size",
    "watch_fs",
    "trust",
    "integrity",
    "syslog_format",
    "rpm_sha256_only",
    "allow_filesystem_mark",
    "report_interval",
];

fn check_of(key: &str) -> Option<Check> {
    Some(match key {
        "permissive"
        | "do_stat_report"
        | "detailed_report"
        | "rpm_sha256_only"
        | "allow_filesystem_mark" => Check::Bool01,
        "nice_val" => Check::Int(0, 19),
        "q_size" | "db_max_size" | "subj_cache_size" | "obj_cache_size" => {
            Check::Int(1, i64::from(u32::MAX))
        }
        "report_interval" => Check::Int(0, i64::from(u32::MAX)),
        "uid" => Check::User,
        "gid" => Check::Group,
        "watch_fs" => Check::FsList,
        "trust" => Check::OneOfList(kit::fapolicyd::TRUST_BACKENDS),
        "integrity" => Check::OneOf(&["none", "size", "ima", "sha256"]),
        "syslog_format" => Check::Fields,
        _ => return None,
    })
}

/// Validate and normalise the settings to the text fapolicyd.conf holds (booleans as 0/1,
/// lists comma-joined), in the order given.
pub fn validate(ctx: &Ctx, settings: &Map<String, Value>) -> Result<Vec<(String, String)>> {
    if settings.is_empty() {
        return Err(Error::invalid(
            "settings must name at least one fapolicyd.conf key",
        ));
    }
    let mut out = Vec::new();
    for (key, v) in settings {
        let check = check_of(key).ok_or_else(|| {
            Error::invalid(format!(
                "settings.{key}: unknown fapolicyd.conf key (known: {})",
                KEYS.join(", ")
            ))
        })?;
        let bad = |why: String| Error::invalid(format!("settings.{key}: {why}, got {v}"));
        let text = match v {
            Value::Bool(b) => (if *b { "1" } else { "0" }).to_string(),
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_string(),
            Value::Array(a) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(|s| s.trim().to_string())
                        .ok_or_else(|| bad("list items must be strings".into()))
                })
                .collect::<Result<Vec<_>>>()?
                .join(","),
            _ => return Err(bad("a string, number, boolean or list is needed".into())),
        };
        let items = || text.split(',').map(str::trim);
        match check {
            Check::Bool01 => {
                let b = kit::args::parse_bool(&text)
                    .ok_or_else(|| bad("0 or 1 (or a boolean) is needed".into()))?;
                out.push((key.clone(), (if b { "1" } else { "0" }).to_string()));
                continue;
            }
            Check::Int(lo, hi) => match text.parse::<i64>() {
                Ok(n) if (lo..=hi).contains(&n) => {}
                _ => return Err(bad(format!("an integer from {lo} to {hi} is needed"))),
            },
            Check::User if !service::user_exists(ctx, &text)? => {
                return Err(bad("no such user in /etc/passwd".into()))
            }
            Check::Group if !service::group_exists(ctx, &text)? => {
                return Err(bad("no such group in /etc/group".into()))
            }
            Check::FsList if items().any(|i| !name_ok(i, false)) => {
                return Err(bad(
                    "a comma list of file system types (e.g. ext4,xfs,tmpfs) is needed".into(),
                ))
            }
            Check::OneOfList(allowed) => {
                if let Some(x) = items().find(|i| !allowed.contains(i)) {
                    return Err(bad(format!("'{x}' is not one of {}", allowed.join(", "))));
                }
            }
            Check::OneOf(allowed) if !allowed.contains(&text.as_str()) => {
                return Err(bad(format!("one of {} is needed", allowed.join(", "))))
            }
            Check::Fields if items().any(|i| !name_ok(i, true)) => {
                return Err(bad("a comma list of field names is needed".into()))
            }
            _ => {}
        }
        out.push((key.clone(), items().collect::<Vec<_>>().join(",")));
    }
    Ok(out)
}

/// A file system type (`[a-z0-9_.]`) or, with `field`, a syslog_format field (`[A-Za-z0-9_:]`).
fn name_ok(s: &str, field: bool) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            if field {
                c.is_ascii_alphanumeric() || c == '_' || c == ':'
            } else {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
            }
        })
}

use kit::fapolicyd::key_of;
pub use kit::fapolicyd::value;

/// The file with each setting in place: the first line of the key gets the value (kept as it is
/// when it already says it), later duplicates are commented out, a missing key is appended.
pub fn edit(text: &str, settings: &[(String, String)]) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(String::from).collect();
    for (key, value) in settings {
        let idx: Vec<usize> = (0..lines.len())
            .filter(|&i| key_of(&lines[i]) == Some(key.as_str()))
            .collect();
        match idx.first() {
            Some(&first) => {
                let current = lines[first]
                    .split_once('=')
                    .map(|(_, v)| v.trim().to_string())
                    .unwrap_or_default();
                if current != *value {
                    let eol = if lines[first].ends_with('\n') {
                        "\n"
                    } else {
                        ""
                    };
                    lines[first] = format!("{key} = {value}{eol}");
                }
                for &i in &idx[1..] {
                    lines[i] = format!("#{}", lines[i]);
                }
            }
            None => {
                if lines.last().is_some_and(|l| !l.ends_with('\n')) {
                    lines.last_mut().expect("a last line").push('\n');
                }
                lines.push(format!("{key} = {value}\n"));
            }
        }
    }
    lines.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_as_fapolicyd_reads_it() {
        let t = "# permissive = 1\npermissive = 0\nintegrity = sha256\ntrust = rpmdb,file\npermissive = 1\n";
        assert_eq!(value(t, "permissive").as_deref(), Some("0"));
        assert_eq!(value(t, "trust").as_deref(), Some("rpmdb,file"));
        assert_eq!(value(t, "uid"), None);
    }

    const DEBIAN: &str = include_str!("../../../tests/fixtures/fapolicyd/fapolicyd.conf.debian");

    fn s(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn edits_in_place_keeping_everything_else() {
        let out = edit(DEBIAN, &s(&[("permissive", "1"), ("integrity", "sha256")]));
        assert_eq!(
            out,
            DEBIAN
                .replace("permissive = 0", "permissive = 1")
                .replace("integrity = none", "integrity = sha256")
        );
        assert_eq!(
            edit(&out, &s(&[("permissive", "1"), ("integrity", "sha256")])),
            out
        );
        assert_eq!(
            edit(DEBIAN, &s(&[("permissive", "0")])),
            DEBIAN,
            "already so: untouched"
        );
    }

    #[test]
    fn unknown_keys_stay_duplicates_go_missing_added() {
        let text = "# c\nmy_local_key = x\npermissive=1\npermissive = 0\n";
        assert_eq!(
            edit(text, &s(&[("permissive", "0"), ("report_interval", "60")])),
            "# c\nmy_local_key = x\npermissive = 0\n#permissive = 0\nreport_interval = 60\n"
        );
        assert_eq!(
            edit("permissive = 1", &s(&[("q_size", "800")])),
            "permissive = 1\nq_size = 800\n"
        );
    }
}
