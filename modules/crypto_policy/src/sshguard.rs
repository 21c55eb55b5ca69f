//! The SSH lockout guard of crypto_policy and fips: which public-key algorithms and RSA sizes
//! the OpenSSH server will accept under a policy, computed from the policy definitions as
//! update-crypto-policies computes its `opensshserver` back-end, and whether the connecting
//! user's keys and the host keys survive the change.
//!
//! The back-end generator (crypto-policies' documented behaviour, python/policygenerators/
//! openssh.py): the directives whose scope matches `ssh`, `openssh` or `openssh-server` build the
//! `sign` list (plain list: replace; `+X` prepend, `X+` append, `-X` remove; `*`/`?` globs) and
//! the integers `min_rsa_size` and `ssh_certs`. Each enabled signature algorithm that OpenSSH
//! knows gives its name to `PubkeyAcceptedAlgorithms` and `HostKeyAlgorithms` (followed by its
//! certificate name when `ssh_certs` is 1), and to `CASignatureAlgorithms`; `min_rsa_size`
//! becomes `RequiredRSASize`.

use crate::{policy::PolicySpec, syntax, DefKind, Desired, ETC_POLICIES, SHARE_POLICIES};
use kit::lockout::{Connection, Risk};
use kit::ssh::{self, glob, PublicKey};
use kit::{Ctx, Error, Result};

/// Scopes of the OpenSSH server back-end.
pub const SCOPES: [&str; 3] = ["ssh", "openssh", "openssh-server"];

/// Policy signature algorithm → OpenSSH name (its certificate name adds `-cert-v01@openssh.com`
/// before the `@`-less end, see [`cert_name`]).
pub const SIGN_MAP: [(&str, &str); 10] = [
    ("RSA-SHA1", "ssh-rsa"),
    ("DSA-SHA1", "ssh-dss"),
    ("RSA-SHA2-256", "rsa-sha2-256"),
    ("RSA-SHA2-512", "rsa-sha2-512"),
    ("ECDSA-SHA2-256", "ecdsa-sha2-nistp256"),
    ("ECDSA-SHA2-256-FIDO", "sk-ecdsa-sha2-nistp256@openssh.com"),
    ("ECDSA-SHA2-384", "ecdsa-sha2-nistp384"),
    ("ECDSA-SHA2-512", "ecdsa-sha2-nistp521"),
    ("EDDSA-ED25519", "ssh-ed25519"),
    ("EDDSA-ED25519-FIDO", "sk-ssh-ed25519@openssh.com"),
];

/// The certificate algorithm of an OpenSSH algorithm name.
pub fn cert_name(alg: &str) -> String {
    match alg.strip_suffix("@openssh.com") {
        Some(b) => format!("{b}-cert-v01@openssh.com"),
        None => format!("{alg}-cert-v01@openssh.com"),
    }
}

/// What the OpenSSH server back-end of a policy says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SshServer {
    /// Enabled signature algorithms (policy names, in order).
    pub sign: Vec<String>,
    pub min_rsa_size: u32,
    pub ssh_certs: bool,
}

/// Whether a directive's scope (`*` when none) selects the OpenSSH server back-end.
pub fn scope_matches(scope: &str) -> bool {
    let s = scope.to_ascii_lowercase();
    if s == "*" {
        return true;
    }
    let (neg, p) = match s.strip_prefix('!') {
        Some(p) => (true, p),
        None => (false, s.as_str()),
    };
    let globs: Vec<&str> = match p.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
        Some(inner) => inner.split(',').collect(),
        None => vec![p],
    };
    let any = globs
        .iter()
        .any(|g| SCOPES.iter().any(|sc| glob(g.as_bytes(), sc.as_bytes())));
    any != neg
}

/// A value as the names it stands for: a glob expands to the SSH-relevant names it matches
/// (the only ones whose presence changes the back-end), a plain name is itself.
fn expand(v: &str) -> Vec<String> {
    if v.contains(['*', '?']) {
        SIGN_MAP
            .iter()
            .filter(|(n, _)| glob(v.as_bytes(), n.as_bytes()))
            .map(|(n, _)| n.to_string())
            .collect()
    } else {
        vec![v.to_string()]
    }
}

impl SshServer {
    /// Evaluate a policy and its subpolicies, in order (texts of the .pol, then each .pmod).
    pub fn evaluate(texts: &[&str]) -> SshServer {
        let mut s = SshServer::default();
        for text in texts {
            for (_, line) in syntax::logical_lines(text) {
                let Some((lhs, rhs)) = line.split_once('=') else {
                    continue;
                };
                let lhs = lhs.trim();
                let (prop, scope) = lhs.split_once('@').unwrap_or((lhs, "*"));
                if !scope_matches(scope.trim()) {
                    continue;
                }
                let rhs = rhs.trim();
                match prop.trim() {
                    "sign" => s.apply_sign(rhs),
                    "min_rsa_size" => {
                        if let Ok(n) = rhs.parse() {
                            s.min_rsa_size = n
                        }
                    }
                    "ssh_certs" => {
                        if let Ok(n) = rhs.parse::<u32>() {
                            s.ssh_certs = n != 0
                        }
                    }
                    _ => {}
                }
            }
        }
        s
    }

    fn apply_sign(&mut self, rhs: &str) {
        let vals: Vec<&str> = rhs.split_whitespace().collect();
        let diff = |v: &&str| v.starts_with(['+', '-']) || v.ends_with('+');
        if !vals.iter().any(diff) {
            self.sign.clear();
            for v in vals {
                for n in expand(v) {
                    if !self.sign.contains(&n) {
                        self.sign.push(n);
                    }
                }
            }
            return;
        }
        for v in vals {
            if let Some(x) = v.strip_prefix('+') {
                for n in expand(x).into_iter().rev() {
                    self.sign.retain(|e| *e != n);
                    self.sign.insert(0, n);
                }
            } else if let Some(x) = v.strip_suffix('+') {
                for n in expand(x) {
                    if !self.sign.contains(&n) {
                        self.sign.push(n);
                    }
                }
            } else if let Some(x) = v.strip_prefix('-') {
                self.sign.retain(|e| !glob(x.as_bytes(), e.as_bytes()));
            }
        }
    }

    /// `PubkeyAcceptedAlgorithms` (= `HostKeyAlgorithms`) of the back-end.
    pub fn pubkey_accepted(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.sign {
            if let Some((_, alg)) = SIGN_MAP.iter().find(|(n, _)| n == s) {
                out.push(alg.to_string());
                if self.ssh_certs {
                    out.push(cert_name(alg));
                }
            }
        }
        out
    }

    /// `CASignatureAlgorithms` of the back-end.
    pub fn ca_signature(&self) -> Vec<String> {
        self.sign
            .iter()
            .filter_map(|s| {
                SIGN_MAP
                    .iter()
                    .find(|(n, _)| n == s)
                    .map(|(_, a)| a.to_string())
            })
            .collect()
    }

    /// Why a key (user or host key) would not be accepted, `None` when it would.
    pub fn refuses(&self, key: &PublicKey, cert_authority: bool) -> Option<String> {
        if let Some(bits) = key.rsa_bits {
            if bits < self.min_rsa_size {
                return Some(format!(
                    "RSA {bits} bits < RequiredRSASize {}",
                    self.min_rsa_size
                ));
            }
        }
        if cert_authority {
            let ca = self.ca_signature();
            if !key.algorithms().iter().any(|a| ca.contains(a)) {
                return Some(format!("{} is not in CASignatureAlgorithms", key.key_type));
            }
            if !self.ssh_certs {
                return Some("ssh_certs = 0: no certificate algorithm is accepted".into());
            }
            return None;
        }
        let ok = self.pubkey_accepted();
        if key.algorithms().iter().any(|a| ok.contains(a)) {
            None
        } else {
            Some(format!(
                "{} is not in PubkeyAcceptedAlgorithms",
                key.key_type
            ))
        }
    }
}

/// The text of a policy or subpolicy definition as update-crypto-policies would find it after
/// the task: this task's own definition, else /etc/crypto-policies/policies, else the shipped one.
fn def_text(ctx: &Ctx, desired: &Desired, kind: DefKind, name: &str) -> Result<Option<String>> {
    if let Some(d) = desired
        .defs
        .iter()
        .find(|d| d.kind == kind && d.name == name)
    {
        if let Some(c) = &d.content {
            return Ok(Some(c.clone()));
        }
    }
    let file = match kind {
        DefKind::Policy => format!("{name}.pol"),
        DefKind::Module => format!("modules/{name}.pmod"),
    };
    if let Some(t) = ctx.read(&format!("{ETC_POLICIES}/{file}"))? {
        return Ok(Some(t));
    }
    ctx.read(&format!("{SHARE_POLICIES}/{file}"))
}

/// The OpenSSH server back-end of a policy string; `None` when a definition is missing (the
/// plan refuses a missing definition before the guard runs).
pub fn server_for(ctx: &Ctx, desired: &Desired, policy: &str) -> Result<Option<SshServer>> {
    let Ok(spec) = PolicySpec::parse(policy) else {
        return Ok(None);
    };
    let mut texts = Vec::new();
    match def_text(ctx, desired, DefKind::Policy, &spec.base)? {
        Some(t) => texts.push(t),
        None => return Ok(None),
    }
    for s in &spec.subs {
        match def_text(ctx, desired, DefKind::Module, s)? {
            Some(t) => texts.push(t),
            None => return Ok(None),
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    Ok(Some(SshServer::evaluate(&refs)))
}

/// The keys a guard judges: the connecting user's authorized keys (file, line, key,
/// cert-authority) and the host keys (file, key).
#[derive(Debug, Default)]
pub struct Keys {
    pub user: Vec<(String, ssh::KeyLine)>,
    pub user_files: Vec<String>,
    pub host: Vec<(String, PublicKey)>,
    /// Keys may also come from an AuthorizedKeysCommand.
    pub keys_command: bool,
    pub pubkey_auth: bool,
}

/// Read the connecting user's authorized keys and the host public keys, as sshd_config says.
pub fn read_keys(ctx: &Ctx, conn: &Connection) -> Result<Option<Keys>> {
    let Some(cfg) = ssh::sshd_config(ctx)? else {
        return Ok(None);
    };
    let mut k = Keys {
        keys_command: cfg.authorized_keys_command,
        pubkey_auth: cfg.pubkey_authentication,
        ..Keys::default()
    };
    if let (Some(user), Some(uid), Some(home)) = (&conn.user, conn.uid, &conn.home) {
        for pat in &cfg.authorized_keys_files {
            let Some(f) = ssh::expand_keys_file(pat, user, uid, home) else {
                continue;
            };
            if let Some(text) = ctx.read(&f)? {
                k.user.extend(
                    ssh::authorized_keys(&text)
                        .0
                        .into_iter()
                        .map(|l| (f.clone(), l)),
                );
            }
            k.user_files.push(f);
        }
    }
    for hk in &cfg.host_keys {
        let p = format!("{hk}.pub");
        if let Some(text) = ctx.read(&p)? {
            if let Some(l) = ssh::authorized_keys(&text).0.into_iter().next() {
                k.host.push((p, l.key));
            }
        }
    }
    Ok(Some(k))
}

/// What changing the OpenSSH server back-end from `before` to `after` would cut: every
/// authorized key of the user usable before and none after; every host key usable before and
/// none after. (A key set that nothing accepts today is not how the user logged in: it is no
/// risk of this change.)
pub fn risks(keys: &Keys, before: &SshServer, after: &SshServer, policy: &str) -> Vec<Risk> {
    let mut out = Vec::new();
    if keys.pubkey_auth && !keys.user.is_empty() {
        let usable = |s: &SshServer| {
            keys.user
                .iter()
                .filter(|(_, l)| s.refuses(&l.key, l.cert_authority).is_none())
                .count()
        };
        if usable(before) > 0 && usable(after) == 0 && !keys.keys_command {
            let why: Vec<String> = keys
                .user
                .iter()
                .map(|(f, l)| {
                    format!(
                        "{f}:{} {}{}: {}",
                        l.line,
                        l.key.describe(),
                        if l.cert_authority {
                            " (cert-authority)"
                        } else {
                            ""
                        },
                        after.refuses(&l.key, l.cert_authority).unwrap_or_default()
                    )
                })
                .collect();
            out.push(Risk(format!(
                "under {policy} sshd would accept none of the user's keys ({})",
                why.join(", ")
            )));
        }
    }
    let usable_hosts = |s: &SshServer| {
        keys.host
            .iter()
            .filter(|(_, k)| s.refuses(k, false).is_none())
            .count()
    };
    if !keys.host.is_empty() && usable_hosts(before) > 0 && usable_hosts(after) == 0 {
        let why: Vec<String> = keys
            .host
            .iter()
            .map(|(f, k)| {
                format!(
                    "{f} {}: {}",
                    k.describe(),
                    after.refuses(k, false).unwrap_or_default()
                )
            })
            .collect();
        out.push(Risk(format!(
            "under {policy} sshd would have no usable host key ({})",
            why.join(", ")
        )));
    }
    out
}

/// What the configured policy (in force once applied) cuts, whatever is in force now
/// (security_facts): no key of the user, or no host key, accepted.
pub fn configured_risks(ctx: &Ctx, conn: &Connection, configured: &str) -> Result<Vec<Risk>> {
    let none = Desired {
        policy: None,
        defs: Vec::new(),
    };
    let Some(after) = server_for(ctx, &none, configured)? else {
        return Ok(Vec::new());
    };
    let Some(keys) = read_keys(ctx, conn)? else {
        return Ok(Vec::new());
    };
    let everything = SshServer {
        sign: SIGN_MAP.iter().map(|(n, _)| n.to_string()).collect(),
        min_rsa_size: 0,
        ssh_certs: true,
    };
    Ok(risks(&keys, &everything, &after, configured))
}

/// The whole guard for a change of the configured policy `before` → `after`.
pub fn guard(
    ctx: &Ctx,
    conn: Option<&Connection>,
    desired: &Desired,
    before: &str,
    after: &str,
) -> Result<Vec<Risk>> {
    let Some(conn) = conn else {
        return Ok(Vec::new());
    };
    let Some(after_s) = server_for(ctx, desired, after)? else {
        return Err(Error::refused(format!(
            "lockout guard: the definitions of {after} cannot be read, so its effect on SSH cannot be judged"
        )));
    };
    // what sshd accepts now: the configured policy's back-end (unknown: everything)
    let before_s = server_for(
        ctx,
        &Desired {
            policy: None,
            defs: Vec::new(),
        },
        before,
    )?
    .unwrap_or_else(|| SshServer {
        sign: SIGN_MAP.iter().map(|(n, _)| n.to_string()).collect(),
        min_rsa_size: 0,
        ssh_certs: true,
    });
    let Some(keys) = read_keys(ctx, conn)? else {
        return Ok(Vec::new());
    };
    Ok(risks(&keys, &before_s, &after_s, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/crypto-policies/policies"
    );

    /// The real definitions (../shared/data/crypto-policies, copied to the fixtures).
    fn eval(policy: &str) -> SshServer {
        let spec = PolicySpec::parse(policy).unwrap();
        let mut texts = vec![std::fs::read_to_string(format!("{DIR}/{}.pol", spec.base)).unwrap()];
        for s in &spec.subs {
            texts.push(std::fs::read_to_string(format!("{DIR}/modules/{s}.pmod")).unwrap());
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        SshServer::evaluate(&refs)
    }

    const MODERN: &str = "ecdsa-sha2-nistp256 sk-ecdsa-sha2-nistp256@openssh.com ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 ssh-ed25519 sk-ssh-ed25519@openssh.com rsa-sha2-256 rsa-sha2-512";
    const FIPS: &str =
        "ecdsa-sha2-nistp256 ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 rsa-sha2-256 rsa-sha2-512";

    /// Every shipped policy, and every shipped subpolicy on the policy it is meant for: the
    /// OpenSSH algorithms (CASignatureAlgorithms, i.e. without certificates), whether
    /// certificate algorithms follow each, and RequiredRSASize — read from the definitions by
    /// hand, as the generator documents it.
    #[test]
    fn every_shipped_policy_and_subpolicy() {
        let table: &[(&str, &str, bool, u32)] = &[
            ("DEFAULT", MODERN, true, 2048),
            ("NEXT", MODERN, true, 2048),
            ("FEDORA42", MODERN, true, 2048),
            ("FEDORA43", MODERN, true, 2048),
            ("BSI", MODERN, true, 3072),
            ("FUTURE", MODERN, true, 3072),
            ("FIPS", FIPS, true, 2048),
            (
                "LEGACY",
                "ecdsa-sha2-nistp256 sk-ecdsa-sha2-nistp256@openssh.com ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 ssh-ed25519 sk-ssh-ed25519@openssh.com rsa-sha2-256 rsa-sha2-512 ssh-rsa ssh-dss",
                true,
                1024,
            ),
            ("EMPTY", "", false, 0),
            ("GOST-ONLY", "", false, 2048),
            // subpolicies
            (
                "LEGACY:NO-SHA1",
                "ecdsa-sha2-nistp256 sk-ecdsa-sha2-nistp256@openssh.com ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 ssh-ed25519 sk-ssh-ed25519@openssh.com rsa-sha2-256 rsa-sha2-512",
                true,
                1024,
            ),
            ("DEFAULT:NO-SHA1", MODERN, true, 2048),
            (
                "DEFAULT:SHA1",
                "ecdsa-sha2-nistp256 sk-ecdsa-sha2-nistp256@openssh.com ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 ssh-ed25519 sk-ssh-ed25519@openssh.com rsa-sha2-256 rsa-sha2-512 ssh-rsa",
                true,
                2048,
            ),
            (
                "FIPS:OSPP",
                "ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 rsa-sha2-256 rsa-sha2-512",
                false,
                3072,
            ),
            ("DEFAULT:AD-SUPPORT", MODERN, true, 2048),
            ("FIPS:ECDHE-ONLY", FIPS, true, 2048),
            ("DEFAULT:NO-CAMELLIA", MODERN, true, 2048),
            ("FIPS:NO-ENFORCE-EMS", FIPS, true, 2048),
            ("DEFAULT:NO-PQ", MODERN, true, 2048),
            ("DEFAULT:GOST", MODERN, true, 2048),
            ("DEFAULT:TEST-PQ", MODERN, true, 2048),
        ];
        let shipped_policies = std::fs::read_dir(DIR).unwrap().count() - 1; // modules/
        let shipped_modules = std::fs::read_dir(format!("{DIR}/modules")).unwrap().count();
        let bases: std::collections::BTreeSet<&str> = table
            .iter()
            .filter(|t| !t.0.contains(':'))
            .map(|t| t.0)
            .collect();
        let subs: std::collections::BTreeSet<&str> = table
            .iter()
            .filter_map(|t| t.0.split_once(':'))
            .map(|t| t.1)
            .collect();
        assert_eq!(
            bases.len(),
            shipped_policies,
            "a shipped policy is not in the table"
        );
        assert_eq!(
            subs.len(),
            shipped_modules,
            "a shipped subpolicy is not in the table"
        );
        for (policy, algs, certs, rsa) in table {
            let s = eval(policy);
            assert_eq!(s.ca_signature().join(" "), *algs, "{policy}");
            assert_eq!(s.ssh_certs, *certs, "{policy}");
            assert_eq!(s.min_rsa_size, *rsa, "{policy}");
            let expected: Vec<String> = algs
                .split_whitespace()
                .flat_map(|a| {
                    let mut v = vec![a.to_string()];
                    if *certs {
                        v.push(cert_name(a));
                    }
                    v
                })
                .collect();
            assert_eq!(s.pubkey_accepted(), expected, "{policy}");
        }
    }

    /// Lines of update-crypto-policies' own expected back-end files (its tests/outputs,
    /// FUTURE-opensshserver.txt and FEDORA43-opensshserver.txt of the 2025 tree, whose
    /// definitions match the fixtures in what SSH uses).
    #[test]
    fn the_generators_own_outputs() {
        let future_pub = "ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521,ecdsa-sha2-nistp521-cert-v01@openssh.com,ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com";
        let future_ca = "ecdsa-sha2-nistp256,sk-ecdsa-sha2-nistp256@openssh.com,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,ssh-ed25519,sk-ssh-ed25519@openssh.com,rsa-sha2-256,rsa-sha2-512";
        for (p, rsa) in [("FUTURE", 3072), ("FEDORA43", 2048)] {
            let s = eval(p);
            assert_eq!(s.pubkey_accepted().join(","), future_pub, "{p}");
            assert_eq!(s.ca_signature().join(","), future_ca, "{p}");
            assert_eq!(s.min_rsa_size, rsa);
        }
    }

    #[test]
    fn scopes_and_globs() {
        assert!(scope_matches("*") && scope_matches("SSH") && scope_matches("openssh-server"));
        assert!(scope_matches("{openssh,sequoia}") && scope_matches("!ipsec"));
        assert!(!scope_matches("!{ssh,tls}") && !scope_matches("openssh-client"));
        assert!(scope_matches("openssh*") && !scope_matches("tls"));
        let s = SshServer::evaluate(&[
            "sign = ECDSA-SHA2-* EDDSA-ED25519\nsign@openssh-client = -EDDSA-ED25519\nmin_rsa_size@SSH = 4096\nssh_certs = 0\n",
        ]);
        assert_eq!(
            s.ca_signature(),
            vec![
                "ecdsa-sha2-nistp256",
                "sk-ecdsa-sha2-nistp256@openssh.com",
                "ecdsa-sha2-nistp384",
                "ecdsa-sha2-nistp521",
                "ssh-ed25519"
            ]
        );
        assert_eq!(s.min_rsa_size, 4096);
        let s2 =
            SshServer::evaluate(&["sign = RSA-SHA2-256\n", "sign = +EDDSA-ED25519 RSA-SHA1+\n"]);
        assert_eq!(
            s2.ca_signature(),
            vec!["ssh-ed25519", "rsa-sha2-256", "ssh-rsa"]
        );
    }

    fn key(t: &str, bits: Option<u32>) -> PublicKey {
        PublicKey {
            key_type: t.into(),
            rsa_bits: bits,
        }
    }

    fn keys(user: &[PublicKey], host: &[PublicKey]) -> Keys {
        Keys {
            user: user
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    (
                        "/home/admin/.ssh/authorized_keys".to_string(),
                        ssh::KeyLine {
                            line: i + 1,
                            key: k.clone(),
                            cert_authority: false,
                            comment: String::new(),
                        },
                    )
                })
                .collect(),
            user_files: vec![],
            host: host
                .iter()
                .map(|k| ("/etc/ssh/ssh_host_x_key.pub".to_string(), k.clone()))
                .collect(),
            keys_command: false,
            pubkey_auth: true,
        }
    }

    #[test]
    fn the_issues_examples_are_caught() {
        let ed = key("ssh-ed25519", None);
        let rsa2048 = key("ssh-rsa", Some(2048));
        let rsa3072 = key("ssh-rsa", Some(3072));
        let ecdsa = key("ecdsa-sha2-nistp256", None);
        let hosts = [ecdsa.clone(), ed.clone()];
        // FIPS with only ssh-ed25519 keys
        let r = risks(
            &keys(std::slice::from_ref(&ed), &hosts),
            &eval("DEFAULT"),
            &eval("FIPS"),
            "FIPS",
        );
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(
            r[0].0
                .contains("ssh-ed25519 is not in PubkeyAcceptedAlgorithms"),
            "{r:?}"
        );
        // FUTURE with only 2048-bit RSA keys
        let r = risks(
            &keys(std::slice::from_ref(&rsa2048), &hosts),
            &eval("DEFAULT"),
            &eval("FUTURE"),
            "FUTURE",
        );
        assert!(
            r[0].0.contains("RSA 2048 bits < RequiredRSASize 3072"),
            "{r:?}"
        );
        // one usable key is enough
        assert!(risks(
            &keys(&[rsa2048.clone(), rsa3072], &hosts),
            &eval("DEFAULT"),
            &eval("FUTURE"),
            "FUTURE"
        )
        .is_empty());
        assert!(risks(
            &keys(&[ed.clone(), ecdsa.clone()], &hosts),
            &eval("DEFAULT"),
            &eval("FIPS"),
            "FIPS"
        )
        .is_empty());
        // host keys: only an ed25519 host key under FIPS
        let r = risks(
            &keys(std::slice::from_ref(&ecdsa), std::slice::from_ref(&ed)),
            &eval("DEFAULT"),
            &eval("FIPS"),
            "FIPS",
        );
        assert_eq!(r.len(), 1);
        assert!(r[0].0.contains("no usable host key"), "{r:?}");
        // keys nothing accepts today are not how the user logged in: no risk of this change
        let p384 = [key("ecdsa-sha2-nistp384", None)];
        assert!(risks(
            &keys(&[ed], &p384),
            &eval("FIPS"),
            &eval("FIPS:OSPP"),
            "FIPS:OSPP"
        )
        .is_empty());
        // ... while OSPP's removal of ECDSA P-256 takes the last P-256 host key
        let r = risks(
            &keys(&[], &hosts),
            &eval("FIPS"),
            &eval("FIPS:OSPP"),
            "FIPS:OSPP",
        );
        assert!(r[0].0.contains("ecdsa-sha2-nistp256 is not in"), "{r:?}");
    }
}
