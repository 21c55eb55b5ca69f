//! `hardening.rhel.security_facts`: the posture of everything the collection manages — crypto
//! policy, FIPS, SELinux, firewalld, fapolicyd — read without changing anything, from files,
//! kernel interfaces and firewalld's D-Bus API (a program runs only where fips must ask
//! `lsinitrd` about an initramfs it cannot judge from file times). Returned as
//! `ansible_facts.hardening`; with `baseline`, also `findings` and `compliant`.
//!
//! Each section reads through the modules' own readers (one implementation of "what is the
//! state"), and a component that is missing is reported absent, never an error.

pub mod findings;
pub mod lockout;
pub mod references;

use findings::{evaluate, Baseline};
use kit::{Ctx, Default, Kind, Outcome, Param, Result};
use serde::Deserialize;
use serde_json::{json, Map, Value};

pub struct SecurityFacts;

pub const SECTIONS: &[&str] = &["crypto_policy", "fips", "selinux", "firewalld", "fapolicyd"];

#[derive(Debug, Deserialize)]
pub struct Args {
    pub gather_subset: Vec<String>,
    pub gather_timeout: Option<i64>,
    pub baseline: Option<Baseline>,
}

const SELINUX_OPTS: &[Param] = &[
    Param::new("state", Kind::Str).choices(&["enforcing", "permissive", "disabled"]),
    Param::new("policy", Kind::Str),
];
const FIREWALLD_OPTS: &[Param] = &[
    Param::new("running", Kind::Bool),
    Param::new("enabled", Kind::Bool),
    Param::new("default_zone", Kind::Str),
    Param::new("zones", Kind::Map),
];
const FAPOLICYD_OPTS: &[Param] = &[
    Param::new("running", Kind::Bool),
    Param::new("enabled", Kind::Bool),
    Param::new("default_deny", Kind::Str).choices(&["execute", "any"]),
    Param::new("permissive", Kind::Bool),
    Param::new("integrity", Kind::Str).choices(&["none", "size", "ima", "sha256"]),
];
const BASELINE_OPTS: &[Param] = &[
    Param::new("crypto_policy", Kind::Str),
    Param::new("fips", Kind::Bool),
    Param::new("selinux", Kind::Dict(SELINUX_OPTS)),
    Param::new("firewalld", Kind::Dict(FIREWALLD_OPTS)),
    Param::new("fapolicyd", Kind::Dict(FAPOLICYD_OPTS)),
];

/// The sections `gather_subset` selects (`all`, names, `!name` exclusions), as Ansible's setup.
pub fn selected(subset: &[String]) -> std::result::Result<Vec<&'static str>, String> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut excluded: Vec<&str> = Vec::new();
    let mut any_positive = false;
    for s in subset {
        let (neg, name) = match s.strip_prefix('!') {
            Some(n) => (true, n),
            None => (false, s.as_str()),
        };
        if name == "all" || name == "min" {
            if neg {
                excluded.extend(SECTIONS);
            } else {
                any_positive = true;
                out.extend(SECTIONS);
            }
            continue;
        }
        let Some(sec) = SECTIONS.iter().find(|x| **x == name) else {
            return Err(format!(
                "gather_subset: '{s}' is not one of all, {} (or !name)",
                SECTIONS.join(", ")
            ));
        };
        if neg {
            excluded.push(sec);
        } else {
            any_positive = true;
            out.push(sec);
        }
    }
    if !any_positive {
        out.extend(SECTIONS);
    }
    out.retain(|s| !excluded.contains(s));
    let mut uniq: Vec<&'static str> = SECTIONS
        .iter()
        .copied()
        .filter(|s| out.contains(s))
        .collect();
    uniq.dedup();
    Ok(uniq)
}

impl kit::Module for SecurityFacts {
    const NAME: &'static str = "security_facts";
    const SPEC: &'static [Param] = &[
        Param::new("gather_subset", Kind::List(&Kind::Str)).default(Default::EmptyList),
        Param::new("gather_timeout", Kind::Int).range(1, 86400),
        Param::new("baseline", Kind::Dict(BASELINE_OPTS)),
    ];
    type Args = Args;

    fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
        let sections = selected(&args.gather_subset).map_err(kit::Error::invalid)?;
        if let Some(b) = &args.baseline {
            b.validate().map_err(kit::Error::invalid)?;
        }
        let mut facts = Map::new();
        for s in &sections {
            let v = match *s {
                "crypto_policy" => crypto(ctx),
                "fips" => fips_facts(ctx),
                "selinux" => selinux_facts(ctx),
                "firewalld" => firewalld(ctx),
                _ => fapolicyd(ctx),
            };
            facts.insert((*s).to_string(), v);
        }
        let mut out = Outcome::default();
        // the same judgement as the modules' lockout guards, on the configuration as it is
        match kit::lockout::session(ctx) {
            Ok(kit::lockout::Session::Ssh(c)) => {
                let risks = lockout::risks(ctx, &c, &sections);
                let unknown = |r: &Value| {
                    r["risk"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("cannot be judged"))
                };
                out.set(
                    "lockout_check",
                    if risks.is_empty() {
                        "passed"
                    } else if risks.iter().all(unknown) {
                        "unknown"
                    } else {
                        "at_risk"
                    },
                );
                out.set(
                    "lockout_basis",
                    kit::lockout::Session::Ssh(c.clone()).basis(),
                );
                out.set("lockout_connection", &c);
                out.set("lockout_risks", risks);
            }
            Ok(s @ kit::lockout::Session::Local(_)) => {
                out.set("lockout_check", "not_over_ssh");
                out.set("lockout_basis", s.basis());
                out.set("lockout_risks", Vec::<Value>::new());
            }
            Ok(kit::lockout::Session::Unknown(why)) => {
                out.set("lockout_check", "unknown");
                out.set(
                    "lockout_risks",
                    vec![json!({"module": "kit", "risk": format!("cannot be judged: the SSH session cannot be found: {why}")})],
                );
            }
            Err(e) => {
                out.set("lockout_check", "unknown");
                out.set(
                    "lockout_risks",
                    vec![json!({"module": "kit", "risk": format!("cannot be judged: {e}")})],
                );
            }
        }
        let hardening = Value::Object(facts);
        let mut said = format!("posture read: {}", sections.join(", "));
        if let Some(b) = &args.baseline {
            let ev = evaluate(b, &hardening);
            said = format!(
                "{said}; {} finding(s){}",
                ev.findings.len(),
                if ev.pending_reboot.is_empty() {
                    String::new()
                } else {
                    format!(", {} waiting for a reboot", ev.pending_reboot.len())
                }
            );
            out.set("findings", &ev.findings);
            out.set("controls", ev.controls());
            out.set("pending_reboot", &ev.pending_reboot);
            out.set("compliant", ev.findings.is_empty());
        }
        out.msg = said;
        out.facts.insert("hardening".into(), hardening);
        Ok(out)
    }
}

/// A section that could not be read says why instead of failing the whole module.
fn guarded(f: impl FnOnce() -> Result<Value>) -> Value {
    f().unwrap_or_else(|e| json!({"error": e.to_string()}))
}

fn crypto(ctx: &Ctx) -> Value {
    guarded(|| {
        let present = ctx.path(crypto_policy::SHARE_POLICIES).is_dir()
            || ctx.path(crypto_policy::CONFIG).exists();
        if !present {
            return Ok(json!({"present": false}));
        }
        let none = crypto_policy::Desired {
            policy: None,
            defs: Vec::new(),
        };
        let c = crypto_policy::read_current(ctx, &none, false)?;
        let applied = c.state_current.clone();
        let is_applied = applied.as_deref() == Some(c.configured.as_str())
            && c.applied_by_mtime
            && c.backend_drift.is_empty();
        // post-quantum key exchange of the policy in force (applied, else configured), from its
        // definitions as the generator reads them; null when a definition cannot be found
        let in_force = applied.clone().unwrap_or_else(|| c.configured.clone());
        let post_quantum = match crypto_policy::pq::PostQuantum::of_policy(ctx, &in_force)? {
            Some(pq) => json!({
                "policy": in_force,
                "offered": pq.offered(),
                "ssh_kex": pq.ssh_kex,
                "tls_groups": pq.tls_groups,
            }),
            None => json!({"policy": in_force, "offered": null,
                "reason": format!("a definition of {in_force} was not found")}),
        };
        let pols: std::collections::BTreeSet<&String> =
            c.share_policies.iter().chain(&c.etc_policies).collect();
        let mods: std::collections::BTreeSet<&String> =
            c.share_modules.iter().chain(&c.etc_modules).collect();
        Ok(json!({
            "present": true,
            "configured": c.configured,
            "applied": applied,
            "is_applied": is_applied,
            "backend_drift": c.backend_drift,
            "available_policies": pols,
            "available_modules": mods,
            "reboot_required": c.booted.as_ref().is_some_and(|b| *b != c.fingerprint),
            "post_quantum": post_quantum,
        }))
    })
}

fn fips_facts(ctx: &Ctx) -> Value {
    guarded(|| {
        let c = fips::read_current(ctx)?;
        let s = fips::signals(&c);
        let all = [s.kernel, s.initramfs, s.crypto_policy, s.boot_args];
        let mode = if all.iter().all(|x| *x) {
            "enabled"
        } else if all.iter().all(|x| !x) {
            "disabled"
        } else {
            "inconsistent"
        };
        Ok(json!({
            "kernel": s.kernel,
            "boot_args": s.boot_args,
            "initramfs": s.initramfs,
            "dracut_config": c.dracut_config,
            // RHEL 8's marker (fips-mode-setup writes it); null where the release has none
            "system_fips": (c.os.rhel_major() == Some(8)).then_some(c.system_fips.is_some()),
            "crypto_policy": s.crypto_policy,
            "mode": mode,
            "consistent": mode != "inconsistent",
            // configured for the next boot, but the running kernel differs
            "reboot_required": s.boot_args != s.kernel,
        }))
    })
}

fn selinux_facts(ctx: &Ctx) -> Value {
    guarded(|| {
        let c = selinux::read_current(ctx, "/etc/selinux/config")?;
        let present = c.config_text.is_some() || !c.installed.is_empty();
        if !present && c.runtime == selinux::Runtime::Disabled {
            return Ok(json!({"present": false, "runtime": "disabled"}));
        }
        let mode = c.configured_mode();
        let configured_type = c.configured_type();
        let runtime = c.runtime.as_mode();
        let enabled_mismatch = mode.is_some_and(|m| m.enabled() != runtime.enabled());
        let type_mismatch = c
            .loaded_type()
            .is_some_and(|t| mode.is_some_and(|m| m.enabled()) && t != configured_type);
        Ok(json!({
            "present": true,
            "configured_mode": mode.map(|m| m.as_str()),
            "configured_policy": configured_type,
            "runtime": runtime.as_str(),
            "loaded_policy": c.loaded_type(),
            "installed_policies": c.installed,
            "reboot_required": enabled_mismatch || type_mismatch,
            "autorelabel_pending": c.autorelabel_pending,
            "boot_args": selinux_boot_args(ctx, &c)?,
        }))
    })
}

/// The kernel arguments that switch SELinux off (`selinux=0`) or to permissive (`enforcing=0`)
/// where the boot configuration passes them, as "<path> (<arg>)": each BLS entry (or, without
/// them, the generated GRUB menu), `/etc/kernel/cmdline`, `GRUB_CMDLINE_LINUX[_DEFAULT]` of
/// `/etc/default/grub`, and bootc's kargs.d files.
pub fn selinux_boot_args(ctx: &Ctx, c: &selinux::Current) -> Result<Vec<String>> {
    use kit::kernel_args::{default_grub_cmdline, split, DEFAULT_GRUB, KARGS_D, KERNEL_CMDLINE};
    const ARGS: [&str; 2] = ["selinux=0", "enforcing=0"];
    let mut out = Vec::new();
    let mut note = |path: &str, args: &[String]| {
        for a in ARGS {
            if args.iter().any(|x| x == a) {
                out.push(format!("{path} ({a})"));
            }
        }
    };
    for (path, args) in c.boot.entry_args() {
        note(&path, &args);
    }
    if c.boot.entries.is_empty() {
        if let Some(m) = &c.boot.menu {
            for args in &m.entries {
                note(&m.path, args);
            }
        }
    }
    if let Some(t) = &c.boot.kernel_cmdline {
        note(KERNEL_CMDLINE, &split(t));
    }
    // read as the selinux module edits it (one reader of these lines, in the kit)
    for line in c.boot.default_grub.as_deref().unwrap_or("").lines() {
        if let Some((_, v)) = default_grub_cmdline(line) {
            note(DEFAULT_GRUB, &split(v));
        }
    }
    if ctx.path(KARGS_D).is_dir() {
        out.extend(kit::kernel_args::kargs_d_others_with(ctx, "", &ARGS)?);
    }
    out.dedup();
    Ok(out)
}

fn zone_names(ctx: &Ctx) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for dir in [
        format!("{}/zones", firewalld_zone::offline::LIB),
        format!("{}/zones", firewalld_zone::offline::ETC),
    ] {
        for n in ctx.list(&dir)?.unwrap_or_default() {
            if let Some(n) = n.strip_suffix(".xml") {
                names.push(n.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

fn firewalld(ctx: &Ctx) -> Value {
    guarded(|| {
        let installed = ctx
            .path(format!("{}/zones", firewalld_zone::offline::LIB))
            .is_dir();
        if !installed {
            return Ok(json!({"installed": false, "running": false}));
        }
        let conf = ctx.read(firewalld_zone::offline::CONF)?;
        let default_zone = conf
            .as_deref()
            .map(firewalld_zone::settings::default_zone)
            .unwrap_or_else(|| "public".into());
        let mut fw = if ctx.sandbox_root().is_none() && kit::os::not_booted_root(ctx)?.is_none() {
            firewalld_zone::online::Firewalld::connect()
        } else {
            None
        };
        let runtime_zones = match fw.as_mut() {
            Some(f) => f.runtime_zones().unwrap_or_default(),
            None => Vec::new(),
        };
        let mut zones = Map::new();
        let mut names = zone_names(ctx)?;
        names.extend(runtime_zones.iter().cloned());
        names.sort();
        names.dedup();
        for name in names {
            // a zone removed permanently stays in the runtime until firewalld reloads
            let permanent = match firewalld_zone::offline::read_zone(ctx, &name) {
                Ok((firewalld_zone::offline::Origin::New, _, _)) => Value::Null,
                Ok((_, z, _)) => firewalld_zone::view(&z),
                Err(e) => json!({"error": e.to_string()}),
            };
            let runtime = match fw.as_mut() {
                Some(f) if runtime_zones.contains(&name) => f
                    .runtime_settings(&name)
                    .map(|z| firewalld_zone::view(&z))
                    .unwrap_or_else(|e| json!({"error": e})),
                _ => Value::Null,
            };
            zones.insert(name, json!({"permanent": permanent, "runtime": runtime}));
        }
        let runtime_default = fw.as_mut().and_then(|f| f.runtime_default().ok());
        Ok(json!({
            "installed": true,
            "running": fw.is_some(),
            "enabled": kit::service::unit_enabled(ctx, "firewalld.service", "multi-user.target")?,
            "default_zone": default_zone,
            "runtime_default_zone": runtime_default,
            "zones": zones,
        }))
    })
}

pub const FAPOLICYD: &str = "/usr/sbin/fapolicyd";

fn fapolicyd(ctx: &Ctx) -> Value {
    guarded(|| {
        if !ctx.path(FAPOLICYD).exists() {
            return Ok(json!({"installed": false, "running": false}));
        }
        let conf = ctx.read(fapolicyd_config::CONF)?.unwrap_or_default();
        let running =
            kit::service::running_pid(ctx, fapolicyd_trust::PID_FILE, "fapolicyd")?.is_some();
        let rules: Vec<String> = ctx
            .list(fapolicyd_rules::compile::RULES_D)?
            .unwrap_or_default()
            .into_iter()
            .filter(|n| n.ends_with(".rules"))
            .collect();
        let count =
            |text: &str| fapolicyd_trust::parse(text, fapolicyd_trust::version_of(text)).len();
        let mut trust_entries = ctx
            .read(fapolicyd_trust::TRUST_FILE)?
            .map(|t| count(&t))
            .unwrap_or(0);
        for name in ctx.list(fapolicyd_trust::TRUST_D)?.unwrap_or_default() {
            if let Some(t) = ctx.read(&format!("{}/{name}", fapolicyd_trust::TRUST_D))? {
                trust_entries += count(&t);
            }
        }
        // what the daemon loads: compiled.rules (fagenrules), else the legacy single file
        let loaded = match ctx.read(fapolicyd_rules::COMPILED)? {
            Some(t) => Some(t),
            None => ctx.read(fapolicyd_rules::LEGACY_RULES)?,
        };
        let last = loaded.as_deref().and_then(final_rule);
        Ok(json!({
            "installed": true,
            "running": running,
            "enabled": kit::service::unit_enabled(ctx, "fapolicyd.service", "multi-user.target")?,
            "final_rule": last,
            "default_deny": loaded.as_deref().map(default_deny).unwrap_or("none"),
            "permissive": fapolicyd_config::value(&conf, "permissive").map(|v| v == "1"),
            "integrity": fapolicyd_config::value(&conf, "integrity"),
            "trust_backends": fapolicyd_config::value(&conf, "trust")
                .map(|t| t.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>())
                .unwrap_or_default(),
            "rules_files": rules,
            "legacy_rules": ctx.path(fapolicyd_rules::LEGACY_RULES).exists(),
            "trust_entries": trust_entries,
        }))
    })
}

/// The last rule fapolicyd evaluates: the last line that is not blank, a comment or a set
/// definition (`%name=…`).
pub fn final_rule(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('%'))
        .map(str::to_string)
}

/// What the rules deny to an access no narrower rule decided (see
/// [`fapolicyd_rules::eval::default_deny`]: the one rule reader of the collection).
pub fn default_deny(rules: &str) -> &'static str {
    fapolicyd_rules::eval::default_deny(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_rule_and_what_it_denies() {
        let text = "## generated\n%langs=a,b\ndeny_audit perm=any pattern=ld_so : all\n\nallow perm=execute all : trust=1\ndeny_audit perm=execute all : all\n# end\n";
        assert_eq!(
            final_rule(text).as_deref(),
            Some("deny_audit perm=execute all : all")
        );
        assert_eq!(final_rule("# only comments\n%s=1\n"), None);
        for (rules, want) in [
            ("deny_audit perm=execute all : all", "execute"),
            ("deny perm=any all : all", "any"),
            ("deny_syslog all : all", "open"),
            ("deny perm=open all : all", "open"),
            ("allow perm=any all : all", "none"),
            ("deny perm=any uid=1000 : all", "none"),
            ("deny perm=any all : dir=/tmp/", "none"),
            ("deny perm=bogus all : all", "none"),
            ("deny", "none"),
            // RHEL's sample rules: execution denied, opening allowed at the end
            (
                "allow perm=execute all : trust=1\ndeny_audit perm=execute all : all\nallow perm=open all : all",
                "execute",
            ),
            // the first catch-all decides: an earlier allow of everything wins
            (
                "allow perm=any all : all\ndeny perm=any all : all",
                "none",
            ),
            (
                "deny_audit perm=execute all : all\ndeny perm=open all : all",
                "any",
            ),
            (
                "allow perm=execute all : all\ndeny perm=any all : all",
                "open",
            ),
        ] {
            assert_eq!(default_deny(rules), want, "{rules}");
        }
    }

    #[test]
    fn subsets() {
        let s = |v: &[&str]| selected(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&[]).unwrap(), SECTIONS);
        assert_eq!(s(&["all"]).unwrap(), SECTIONS);
        assert_eq!(s(&["selinux", "fips"]).unwrap(), vec!["fips", "selinux"]);
        assert_eq!(
            s(&["!firewalld"]).unwrap(),
            vec!["crypto_policy", "fips", "selinux", "fapolicyd"]
        );
        assert!(s(&["network"]).unwrap_err().contains("network"));
    }
}
