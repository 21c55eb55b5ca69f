//! `lockout_risks`: what the configuration on disk — applied at the next reload, restart or
//! boot — would cut of the SSH connection security_facts runs over, judged by the same
//! evaluators as the modules' lockout guards, changing nothing.

use kit::lockout::Connection;
use kit::{Ctx, Result};
use serde_json::{json, Value};

fn risk(module: &str, what: String) -> Value {
    json!({"module": module, "risk": what})
}

/// The risks of each area (an area that cannot be read says so as a risk of its own: a guard
/// that cannot judge does not pass).
pub fn risks(ctx: &Ctx, conn: &Connection, sections: &[&str]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut area = |module: &str, f: &dyn Fn() -> Result<Vec<String>>| match sections
        .contains(&module)
        .then(f)
    {
        None => {}
        Some(r) => match r {
            Ok(v) => out.extend(v.into_iter().map(|r| risk(module, r))),
            Err(e) => out.push(risk(module, format!("cannot be judged: {e}"))),
        },
    };
    area("crypto_policy", &|| {
        if !ctx.path(crypto_policy::SHARE_POLICIES).is_dir() {
            return Ok(Vec::new());
        }
        let none = crypto_policy::Desired {
            policy: None,
            defs: Vec::new(),
        };
        let c = crypto_policy::read_current(ctx, &none, false)?;
        Ok(
            crypto_policy::sshguard::configured_risks(ctx, conn, &c.configured)?
                .into_iter()
                .map(|r| r.0)
                .collect(),
        )
    });
    area("selinux", &|| {
        let c = selinux::read_current(ctx, "/etc/selinux/config")?;
        if c.configured_mode() != Some(selinux::config::Mode::Enforcing) {
            return Ok(Vec::new());
        }
        let policy = c.configured_type();
        Ok(selinux::guard::port_risks(
            &selinux::guard::sshd_ports(ctx)?,
            &selinux::guard::ssh_ports(ctx, &policy)?,
            &policy,
        )
        .into_iter()
        .map(|r| r.0)
        .collect())
    });
    area("firewalld", &|| {
        Ok(match firewalld_zone::permanent_verdict(ctx, conn)? {
            Some(firewalld_zone::guard::Fw::Denied(why)) => vec![format!(
                "the permanent configuration (loaded at firewalld's next reload or start) does not accept it: {why}"
            )],
            Some(firewalld_zone::guard::Fw::Unknown(why)) => vec![format!(
                "cannot be judged: whether the permanent configuration (loaded at firewalld's next reload or start) accepts it: {why}"
            )],
            _ => Vec::new(),
        })
    });
    area("fapolicyd", &|| {
        // judged only where the rules are enforced: the daemon running or starting at boot,
        // not permissive
        let Some(conf) = ctx.read(fapolicyd_config::CONF)? else {
            return Ok(Vec::new());
        };
        let permissive = fapolicyd_config::value(&conf, "permissive").is_some_and(|v| v == "1");
        let active = kit::service::running_pid(ctx, fapolicyd_config::PID_FILE, "fapolicyd")?
            .is_some()
            || kit::service::unit_enabled(ctx, fapolicyd_config::UNIT, "multi-user.target")?;
        if permissive || !active {
            return Ok(Vec::new());
        }
        let Some(compiled) = ctx.read(fapolicyd_rules::COMPILED)? else {
            return Ok(Vec::new());
        };
        Ok(fapolicyd_rules::eval::risks(ctx, conn, None, &compiled)?
            .into_iter()
            .map(|r| format!("enforcing, {}", r.0))
            .collect())
    });
    out
}
