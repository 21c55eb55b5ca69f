//! The lockout guard of `selinux`: going enforcing (or changing the policy type while enforcing)
//! with sshd on a TCP port that the policy does not label `ssh_port_t` means sshd cannot bind
//! that port at its next start — after a reboot, or a crypto-policy change that restarts it —
//! and new connections fail.
//!
//! sshd's ports: the LISTEN sockets of the running sshd processes (/proc), and every `Port` of
//! sshd_config (what the next start binds). The labelled ports: the base policy's `tcp 22`, and
//! the local customisations of the policy store (`semanage port -a`), `ports.local` of
//! /var/lib/selinux/<type>/active (RHEL 8-10) or /etc/selinux/<type>/active. Labels that a custom
//! policy module adds are not read (see docs/lockout-guards.md).

use crate::{Current, Mode, Plan, Runtime};
use kit::lockout::{self, Risk};
use kit::{Ctx, Outcome, Result};

/// Port ranges labelled `ssh_port_t` by a policy store's ports.local text.
pub fn ssh_ports_local(text: &str) -> Vec<(u16, u16)> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            match f.as_slice() {
                ["portcon", "tcp", range, ctx] if ctx.split(':').nth(2) == Some("ssh_port_t") => {
                    let (a, b) = range.split_once('-').unwrap_or((range, range));
                    Some((a.parse().ok()?, b.parse().ok()?))
                }
                _ => None,
            }
        })
        .collect()
}

/// Ranges labelled `ssh_port_t` under policy type `policy`.
pub fn ssh_ports(ctx: &Ctx, policy: &str) -> Result<Vec<(u16, u16)>> {
    let mut ranges = vec![(22, 22)];
    for store in ["/var/lib/selinux", "/etc/selinux"] {
        if let Some(t) = ctx.read(&format!("{store}/{policy}/active/ports.local"))? {
            ranges.extend(ssh_ports_local(&t));
        }
    }
    Ok(ranges)
}

/// The ports sshd listens on or will listen on, and where each was seen.
pub fn sshd_ports(ctx: &Ctx) -> Result<Vec<(u16, &'static str)>> {
    let mut out: Vec<(u16, &'static str)> = lockout::sshd_listening(ctx)?
        .into_iter()
        .map(|p| (p, "sshd listens on it"))
        .collect();
    if let Some(cfg) = kit::ssh::sshd_config(ctx)? {
        for p in cfg.ports {
            if !out.iter().any(|(q, _)| *q == p) {
                out.push((p, "Port in sshd_config"));
            }
        }
    }
    Ok(out)
}

/// The risks of enforcing `policy` for these sshd ports (pure).
pub fn port_risks(ports: &[(u16, &str)], labelled: &[(u16, u16)], policy: &str) -> Vec<Risk> {
    ports
        .iter()
        .filter(|(p, _)| !labelled.iter().any(|(a, b)| a <= p && p <= b))
        .map(|(p, why)| {
            Risk(format!(
                "tcp port {p} ({why}) is not labelled ssh_port_t in policy {policy}: enforcing, sshd \
                 cannot bind it at its next start (label it first: semanage port -a -t ssh_port_t -p tcp {p})"
            ))
        })
        .collect()
}

/// Whether the plan makes SELinux enforce (now or at the next boot) where it did not, or
/// changes the policy type of an enforcing system.
pub fn goes_enforcing(current: &Current, plan: &Plan) -> bool {
    plan.state == Mode::Enforcing
        && (current.configured_mode() != Some(Mode::Enforcing)
            || (plan.runtime_after == Runtime::Enforcing && current.runtime != Runtime::Enforcing)
            || plan.policy != current.configured_type())
}

pub fn check(
    ctx: &Ctx,
    current: &Current,
    plan: &Plan,
    allow: bool,
    out: &mut Outcome,
) -> Result<()> {
    if !goes_enforcing(current, plan) && plan.forced.is_empty() {
        lockout::nothing_to_cut(ctx, out);
        return Ok(());
    }
    let session = lockout::session(ctx)?;
    let mut f = lockout::Findings::default();
    if goes_enforcing(current, plan) {
        let sshd = sshd_ports(ctx)?;
        let allowed = ssh_ports(ctx, &plan.policy)?;
        f.risks = port_risks(&sshd, &allowed, &plan.policy);
        // the session's own port, named (its label is what enforcing mode checks)
        if let Some(c) = session.conn() {
            if allowed
                .iter()
                .any(|(a, b)| *a <= c.local_port && c.local_port <= *b)
            {
                f.path(format!(
                    "sshd may bind tcp port {} (ssh_port_t in policy {})",
                    c.local_port, plan.policy
                ));
            } else if f.risks.is_empty() {
                f.risk(format!(
                    "the session's tcp port {} is not labelled ssh_port_t in policy {}",
                    c.local_port, plan.policy
                ));
            }
        }
    }
    f.risks.extend(plan.forced.iter().map(|f| Risk(f.clone())));
    lockout::judge(
        &session,
        &format!("SELinux {} ({})", plan.state.as_str(), plan.policy),
        &f,
        allow,
        out,
    )?;
    if !plan.forced.is_empty() {
        // refused regardless of the connection: a boot without policy locks out the console too
        out.set("lockout_check", "overridden");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_local_and_risks() {
        let t = "portcon tcp 2222 system_u:object_r:ssh_port_t:s0\nportcon tcp 8000-8010 system_u:object_r:ssh_port_t:s0\nportcon tcp 9090 system_u:object_r:http_port_t:s0\nportcon udp 2223 system_u:object_r:ssh_port_t:s0\n";
        let mut l = vec![(22, 22)];
        l.extend(ssh_ports_local(t));
        assert_eq!(l, vec![(22, 22), (2222, 2222), (8000, 8010)]);
        assert!(port_risks(&[(22, "x"), (2222, "x"), (8005, "x")], &l, "targeted").is_empty());
        let r = port_risks(
            &[(9090, "Port in sshd_config"), (2223, "x")],
            &l,
            "targeted",
        );
        assert_eq!(r.len(), 2);
        assert!(r[0].0.contains("tcp port 9090 (Port in sshd_config)"));
        assert!(r[0]
            .0
            .contains("semanage port -a -t ssh_port_t -p tcp 9090"));
    }
}
