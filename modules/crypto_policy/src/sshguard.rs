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
use kit::lockout::{Connection, Findings, Risk};
use kit::ssh::{self, glob, PublicKey};
use kit::{Ctx, Error, Result};

/// Scopes of the OpenSSH server back-end.
pub const SCOPES: [&str; 3] = ["ssh", "openssh", "openssh-server"];

/// Policy signature algorithm → OpenSSH name (its certificate name adds `-cert-v01@openssh.com`
/// before the `@`-less end, see [`cert_name`]).
pub const SIGN_MAP: [(&str, &str); 9] = [
    ("RSA-SHA1", "ssh-rsa"),
    // DSA-SHA1: no OpenSSH name. The generator gives it `ssh-dss` up to 2024-07 (RHEL 8 and 9)
    // and nothing from 2024-08 on ("openssh no longer recognizes it"); which one the host has is
    // not read, so a DSA key is never counted as accepted (a guard refuses rather than guess).
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
    scope_selects(scope, &SCOPES)
}

/// Whether a directive's scope (`*` when none) selects a back-end of these scopes.
pub fn scope_selects(scope: &str, scopes: &[&str]) -> bool {
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
        .any(|g| scopes.iter().any(|sc| glob(g.as_bytes(), sc.as_bytes())));
    any != neg
}

/// A list property (`group`, `key_exchange`, `hash`, `sign` …) as the back-end of `scopes` sees it
/// after the texts (.pol, then each .pmod): a plain list replaces, `+X` prepends, `X+` appends,
/// `-X` removes (a glob removes what it matches). A glob that adds stands for the names of
/// `universe` it matches — the only names whose presence the caller asks about.
pub fn eval_list(texts: &[&str], prop: &str, scopes: &[&str], universe: &[&str]) -> Vec<String> {
    let mut list = Vec::new();
    for text in texts {
        for (_, line) in syntax::logical_lines(text) {
            let Some((lhs, rhs)) = line.split_once('=') else {
                continue;
            };
            let lhs = lhs.trim();
            let (p, scope) = lhs.split_once('@').unwrap_or((lhs, "*"));
            if p.trim() == prop && scope_selects(scope.trim(), scopes) {
                apply_list(&mut list, rhs.trim(), universe);
            }
        }
    }
    list
}

fn expand_in(v: &str, universe: &[&str]) -> Vec<String> {
    if v.contains(['*', '?']) {
        universe
            .iter()
            .filter(|n| glob(v.as_bytes(), n.as_bytes()))
            .map(|n| n.to_string())
            .collect()
    } else {
        vec![v.to_string()]
    }
}

fn apply_list(list: &mut Vec<String>, rhs: &str, universe: &[&str]) {
    let vals: Vec<&str> = rhs.split_whitespace().collect();
    let diff = |v: &&str| v.starts_with(['+', '-']) || v.ends_with('+');
    if !vals.iter().any(diff) {
        list.clear();
        for v in vals {
            for n in expand_in(v, universe) {
                if !list.contains(&n) {
                    list.push(n);
                }
            }
        }
        return;
    }
    for v in vals {
        if let Some(x) = v.strip_prefix('+') {
            for n in expand_in(x, universe).into_iter().rev() {
                list.retain(|e| *e != n);
                list.insert(0, n);
            }
        } else if let Some(x) = v.strip_suffix('+') {
            for n in expand_in(x, universe) {
                if !list.contains(&n) {
                    list.push(n);
                }
            }
        } else if let Some(x) = v.strip_prefix('-') {
            list.retain(|e| !glob(x.as_bytes(), e.as_bytes()));
        }
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
        let names: Vec<&str> = SIGN_MAP.iter().map(|(n, _)| *n).collect();
        apply_list(&mut self.sign, rhs, &names);
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

/// The definition texts of a policy string (.pol, then each .pmod) as update-crypto-policies
/// would find them after the task; `None` when the string does not parse or a definition is
/// missing (the plan refuses both before a guard runs).
pub fn policy_texts(ctx: &Ctx, desired: &Desired, policy: &str) -> Result<Option<Vec<String>>> {
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
    Ok(Some(texts))
}

/// The OpenSSH server back-end of a policy string; `None` when a definition is missing (the
/// plan refuses a missing definition before the guard runs).
pub fn server_for(ctx: &Ctx, desired: &Desired, policy: &str) -> Result<Option<SshServer>> {
    Ok(policy_texts(ctx, desired, policy)?.map(|texts| {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        SshServer::evaluate(&refs)
    }))
}

/// The keys a guard judges: the connecting user's ways in by public key (authorized keys usable
/// from the session's address, the CAs sshd trusts for certificates, an AuthorizedKeysCommand)
/// as sshd_config says for this session (its `Match` blocks evaluated), and the host keys.
#[derive(Debug, Default)]
pub struct Keys {
    pub user: Vec<(String, ssh::KeyLine)>,
    pub user_files: Vec<String>,
    /// TrustedUserCAKeys (file, key).
    pub cas: Vec<(String, PublicKey)>,
    pub host: Vec<(String, PublicKey)>,
    /// Keys may also come from an AuthorizedKeysCommand.
    pub keys_command: bool,
    pub pubkey_auth: bool,
    /// Keys that may or may not be usable from the session's address (`from=` with host names).
    pub maybe: Vec<(String, ssh::KeyLine)>,
    /// What cannot be told of this session's configuration.
    pub unknown: Vec<String>,
    /// The key the session authenticated with, where sshd exposes it (`ExposeAuthInfo yes`):
    /// (its SSH_USER_AUTH file, key).
    pub session_key: Option<(String, PublicKey)>,
}

/// Read the connecting user's ways in and the host public keys, as sshd_config says for this
/// session.
pub fn read_keys(ctx: &Ctx, conn: &Connection) -> Result<Option<Keys>> {
    let account = match conn.uid {
        Some(u) => kit::lockout::account(ctx, u)?,
        None => None,
    };
    let mut unknown = Vec::new();
    let m = match &account {
        Some(a) => Some(ssh::MatchCtx {
            user: a.name.clone(),
            groups: kit::lockout::groups_of(ctx, a)?,
            addr: conn.peer,
            laddr: conn.local,
            lport: conn.local_port,
        }),
        None => {
            unknown.push("the session's login user is not known (no login uid, no /etc/passwd entry), so sshd's Match blocks and the user's keys cannot be read".to_string());
            None
        }
    };
    let Some(cfg) = ssh::sshd_config_for(ctx, m.as_ref())? else {
        return Ok(None);
    };
    unknown.extend(cfg.unknown.iter().cloned());
    let mut k = Keys {
        keys_command: cfg.authorized_keys_command,
        pubkey_auth: cfg.pubkey_authentication,
        unknown,
        ..Keys::default()
    };
    if let Some(a) = &account {
        for pat in &cfg.authorized_keys_files {
            let Some(f) = ssh::expand_keys_file(pat, &a.name, a.uid, &a.home) else {
                continue;
            };
            if let Some(text) = ctx.read(&f)? {
                for l in ssh::authorized_keys(&text).0 {
                    match l.from.as_deref().map(|p| ssh::addr_matches(p, conn.peer)) {
                        None | Some(Some(true)) => k.user.push((f.clone(), l)),
                        // sshd refuses this key from the session's address: not its way in
                        Some(Some(false)) => {}
                        Some(None) => k.maybe.push((f.clone(), l)),
                    }
                }
            }
            k.user_files.push(f);
        }
        if let Some(ca) = &cfg.trusted_user_ca_keys {
            if let Some(f) = ssh::expand_keys_file(ca, &a.name, a.uid, &a.home) {
                match ctx.read(&f)? {
                    Some(text) => {
                        for l in ssh::authorized_keys(&text).0 {
                            k.cas.push((f.clone(), l.key));
                        }
                    }
                    None => k
                        .unknown
                        .push(format!("TrustedUserCAKeys {f} does not exist")),
                }
            }
        }
    }
    if let Some(f) = &conn.auth_info {
        if let Some(text) = ctx.read(f)? {
            // the last public key of the session's methods is the one it logged in with
            k.session_key = ssh::session_keys(&text).pop().map(|key| (f.clone(), key));
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

/// Whether `after` accepts every public-key algorithm, certificate and RSA size `before` does:
/// then no key, whatever it is, is cut.
pub fn accepts_all_of(after: &SshServer, before: &SshServer) -> bool {
    let a = after.pubkey_accepted();
    before.pubkey_accepted().iter().all(|x| a.contains(x))
        && {
            let ca = after.ca_signature();
            before.ca_signature().iter().all(|x| ca.contains(x))
        }
        && after.min_rsa_size <= before.min_rsa_size
}

/// One way in and what the change does to it.
enum Fate {
    Survives(String),
    Cut(String),
    Unknown(String),
}

/// What changing the OpenSSH server back-end from `before` to `after` does to the session's ways
/// in. Each way the user had before (a key accepted, a CA, an AuthorizedKeysCommand) survives,
/// is cut, or cannot be judged. `passed` (no risk, no unknown) only when every way survives:
/// which one the session used is not known here. All ways cut is a risk; a mix, or none found,
/// is unknown. The host keys: all usable ones cut is a risk.
pub fn findings(keys: &Keys, before: &SshServer, after: &SshServer, policy: &str) -> Findings {
    let mut out = Findings::default();
    for u in &keys.unknown {
        out.unknown(format!("sshd_config: {u}"));
    }
    let mut ways: Vec<Fate> = Vec::new();
    // the session's own key, as sshd exposes it: that is the way in (a certificate's CA is
    // not read from its blob here: certificates take the general judgement below)
    if let Some((f, key)) = keys.session_key.as_ref().filter(|(_, k)| !k.is_cert()) {
        let d = format!(
            "the key the session authenticated with ({f}: {})",
            key.describe()
        );
        match after.refuses(key, false) {
            None => out.path(format!("{d}: accepted under {policy}")),
            Some(why) => out.risk(format!("under {policy} sshd would refuse {d}: {why}")),
        }
        host_keys(keys, before, after, policy, &mut out);
        return out;
    }
    let desc = |f: &str, l: &ssh::KeyLine| {
        format!(
            "{f}:{} {}{}",
            l.line,
            l.key.describe(),
            if l.cert_authority {
                " (cert-authority)"
            } else {
                ""
            }
        )
    };
    if keys.pubkey_auth {
        for (f, l) in &keys.user {
            if before.refuses(&l.key, l.cert_authority).is_some() {
                continue; // not accepted today: not how the session came in
            }
            let d = desc(f, l);
            ways.push(match after.refuses(&l.key, l.cert_authority) {
                None if l.cert_authority && !accepts_all_of(after, before) => Fate::Unknown(format!(
                    "certificates signed by {d}: the CA is still accepted, but under {policy} sshd accepts fewer certificate key types, and the session's certificate is not known here"
                )),
                None => Fate::Survives(d),
                Some(why) => Fate::Cut(format!("{d}: {why}")),
            });
        }
        for (f, ca) in &keys.cas {
            if before.refuses(ca, true).is_some() {
                continue;
            }
            let d = format!(
                "certificates signed by the CA {} in {f} (TrustedUserCAKeys)",
                ca.describe()
            );
            ways.push(match after.refuses(ca, true) {
                Some(why) => Fate::Cut(format!("{d}: {why}")),
                None if !accepts_all_of(after, before) => Fate::Unknown(format!(
                    "{d}: the CA is still accepted, but under {policy} sshd accepts fewer key types, and the session's certificate is not known here"
                )),
                None => Fate::Survives(d),
            });
        }
        for (f, l) in &keys.maybe {
            if before.refuses(&l.key, l.cert_authority).is_some() {
                continue;
            }
            if let Some(why) = after.refuses(&l.key, l.cert_authority) {
                ways.push(Fate::Unknown(format!(
                    "{}: {why}; its from=\"{}\" names hosts, so whether the session may use it cannot be told",
                    desc(f, l),
                    l.from.as_deref().unwrap_or("")
                )));
            }
        }
        if keys.keys_command {
            ways.push(if accepts_all_of(after, before) {
                Fate::Survives(format!(
                    "keys from the AuthorizedKeysCommand: {policy} accepts every key type and size accepted before"
                ))
            } else {
                Fate::Unknown(format!(
                    "keys from the AuthorizedKeysCommand cannot be read here, and {policy} accepts fewer key types or sizes"
                ))
            });
        }
    }
    let survives: Vec<&String> = ways
        .iter()
        .filter_map(|w| match w {
            Fate::Survives(d) => Some(d),
            _ => None,
        })
        .collect();
    let cut: Vec<&String> = ways
        .iter()
        .filter_map(|w| match w {
            Fate::Cut(d) => Some(d),
            _ => None,
        })
        .collect();
    let unknown: Vec<&String> = ways
        .iter()
        .filter_map(|w| match w {
            Fate::Unknown(d) => Some(d),
            _ => None,
        })
        .collect();
    if ways.is_empty() {
        if accepts_all_of(after, before) {
            out.path(format!(
                "{policy} accepts every public key sshd accepted before (the session's way in is not known: no key of the user that sshd accepts today was found)"
            ));
        } else {
            out.unknown(format!(
                "no way in by public key that sshd accepts today was found for the user ({}{}{}), so the session may use a password, GSSAPI or a key the guard cannot read; under {policy} sshd accepts fewer key types or sizes",
                if keys.pubkey_auth {
                    "PubkeyAuthentication yes"
                } else {
                    "PubkeyAuthentication no for this session"
                },
                if keys.user_files.is_empty() {
                    String::new()
                } else {
                    format!(", AuthorizedKeysFile {}", keys.user_files.join(" "))
                },
                if keys.cas.is_empty() {
                    ""
                } else {
                    ", TrustedUserCAKeys"
                }
            ));
        }
    } else if cut.len() == ways.len() {
        out.risk(format!(
            "under {policy} sshd would accept none of the user's ways in ({})",
            cut.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else if !cut.is_empty() || !unknown.is_empty() {
        let mut what: Vec<String> = cut.iter().map(|c| format!("cut: {c}")).collect();
        what.extend(unknown.iter().map(|u| format!("cannot be judged: {u}")));
        out.unknown(format!(
            "which of the user's ways in the session used is not known here ({}{}) — remove the ways the policy cuts, or set ExposeAuthInfo yes in sshd_config so the guard can read the session's own key",
            what.join("; "),
            if survives.is_empty() {
                String::new()
            } else {
                format!(
                    "; survives: {}",
                    survives
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
    } else {
        for s in survives {
            out.path(format!("{s}: accepted under {policy}"));
        }
    }
    host_keys(keys, before, after, policy, &mut out);
    out
}

/// The host keys: every usable one cut is a risk; else one that stays usable is named.
fn host_keys(keys: &Keys, before: &SshServer, after: &SshServer, policy: &str, out: &mut Findings) {
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
        out.risk(format!(
            "under {policy} sshd would have no usable host key ({})",
            why.join(", ")
        ));
    } else if let Some((f, k)) = keys
        .host
        .iter()
        .find(|(_, k)| after.refuses(k, false).is_none())
    {
        out.path(format!(
            "host key {f} {}: usable under {policy}",
            k.describe()
        ));
    }
}

/// What changing the back-end from `before` to `after` would cut (see [`findings`]): the
/// risks only.
pub fn risks(keys: &Keys, before: &SshServer, after: &SshServer, policy: &str) -> Vec<Risk> {
    findings(keys, before, after, policy).risks
}

/// Everything OpenSSH can accept: what sshd accepts when the policy in force is not known.
fn everything() -> SshServer {
    SshServer {
        sign: SIGN_MAP.iter().map(|(n, _)| n.to_string()).collect(),
        min_rsa_size: 0,
        ssh_certs: true,
    }
}

/// What the configured policy (in force once applied) cuts, whatever is in force now
/// (security_facts): no key of the user, or no host key, accepted; what cannot be judged is
/// reported too.
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
    let f = findings(&keys, &everything(), &after, configured);
    let mut out = f.risks;
    out.extend(
        f.unknown
            .into_iter()
            .map(|u| Risk(format!("cannot be judged: {u}"))),
    );
    Ok(out)
}

/// The whole guard for a change of the configured policy `before` → `after`.
pub fn guard(
    ctx: &Ctx,
    conn: Option<&Connection>,
    desired: &Desired,
    before: &str,
    after: &str,
) -> Result<Findings> {
    let Some(conn) = conn else {
        return Ok(Findings::default());
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
    .unwrap_or_else(everything);
    let Some(keys) = read_keys(ctx, conn)? else {
        let mut f = Findings::default();
        f.unknown(format!(
            "{} does not exist, so how sshd authenticates the session cannot be read",
            ssh::SSHD_CONFIG
        ));
        return Ok(f);
    };
    Ok(findings(&keys, &before_s, &after_s, after))
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
        eval_in(DIR, policy)
    }

    /// Upstream's definitions of an earlier date (tests/fixtures/crypto-policies-history).
    fn history(set: &str) -> String {
        format!("{DIR}/../../crypto-policies-history/{set}/policies")
    }

    fn eval_in(dir: &str, policy: &str) -> SshServer {
        let texts = crate::policy::fixture_texts(dir, policy);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        SshServer::evaluate(&refs)
    }

    const MODERN: &str = "ecdsa-sha2-nistp256 sk-ecdsa-sha2-nistp256@openssh.com ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 ssh-ed25519 sk-ssh-ed25519@openssh.com rsa-sha2-256 rsa-sha2-512";
    const FIPS: &str =
        "ecdsa-sha2-nistp256 ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 rsa-sha2-256 rsa-sha2-512";

    const LEGACY: &str = "ecdsa-sha2-nistp256 sk-ecdsa-sha2-nistp256@openssh.com ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 ssh-ed25519 sk-ssh-ed25519@openssh.com rsa-sha2-256 rsa-sha2-512 ssh-rsa";
    const OSPP: &str = "ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 rsa-sha2-256 rsa-sha2-512";

    /// Every policy and subpolicy of a set of definitions is in the table (by name), and each
    /// evaluates to its row: the OpenSSH algorithms (CASignatureAlgorithms, i.e. without
    /// certificates), whether certificate algorithms follow each, and RequiredRSASize.
    fn check_set(dir: &str, table: &[(&str, &str, bool, u32)]) {
        let names = |d: String, ext: &str| -> std::collections::BTreeSet<String> {
            std::fs::read_dir(d)
                .unwrap()
                .filter_map(|e| {
                    let n = e.unwrap().file_name().to_string_lossy().into_owned();
                    n.strip_suffix(ext).map(str::to_string)
                })
                .collect()
        };
        let bases: std::collections::BTreeSet<String> = table
            .iter()
            .filter(|t| !t.0.contains(':'))
            .map(|t| t.0.to_string())
            .collect();
        let subs: std::collections::BTreeSet<String> = table
            .iter()
            .filter_map(|t| t.0.split_once(':'))
            .map(|t| t.1.to_string())
            .collect();
        assert_eq!(bases, names(dir.to_string(), ".pol"), "{dir}: policies");
        assert_eq!(
            subs,
            names(format!("{dir}/modules"), ".pmod"),
            "{dir}: subpolicies"
        );
        for (policy, algs, certs, rsa) in table {
            let s = eval_in(dir, policy);
            assert_eq!(s.ca_signature().join(" "), *algs, "{dir} {policy}");
            assert_eq!(s.ssh_certs, *certs, "{dir} {policy}");
            assert_eq!(s.min_rsa_size, *rsa, "{dir} {policy}");
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
            assert_eq!(s.pubkey_accepted(), expected, "{dir} {policy}");
        }
    }

    /// Every shipped policy, and every shipped subpolicy on the policy it is meant for — read
    /// from the definitions by hand, as the generator documents it (upstream, 2026-02-17).
    #[test]
    fn every_shipped_policy_and_subpolicy() {
        check_set(
            DIR,
            &[
                ("DEFAULT", MODERN, true, 2048),
                ("NEXT", MODERN, true, 2048),
                ("FEDORA42", MODERN, true, 2048),
                ("FEDORA43", MODERN, true, 2048),
                ("BSI", MODERN, true, 3072),
                ("FUTURE", MODERN, true, 3072),
                ("FIPS", FIPS, true, 2048),
                ("LEGACY", LEGACY, true, 1024),
                ("EMPTY", "", false, 0),
                ("GOST-ONLY", "", false, 2048),
                // subpolicies
                ("LEGACY:NO-SHA1", MODERN, true, 1024),
                ("DEFAULT:NO-SHA1", MODERN, true, 2048),
                ("DEFAULT:SHA1", LEGACY, true, 2048),
                ("FIPS:OSPP", OSPP, false, 3072),
                ("DEFAULT:AD-SUPPORT", MODERN, true, 2048),
                ("FIPS:ECDHE-ONLY", FIPS, true, 2048),
                ("DEFAULT:NO-CAMELLIA", MODERN, true, 2048),
                ("FIPS:NO-ENFORCE-EMS", FIPS, true, 2048),
                ("DEFAULT:NO-PQ", MODERN, true, 2048),
                ("DEFAULT:GOST", MODERN, true, 2048),
                ("DEFAULT:TEST-PQ", MODERN, true, 2048),
            ],
        );
    }

    /// Upstream's definitions of 2024-12-18 (RHEL 9.6 / 10.0's generation): FEDORA40 and
    /// TEST-FEDORA41, TEST-PQ without NO-PQ; OSPP as today.
    #[test]
    fn every_policy_of_2024_12() {
        check_set(
            &history("2024-12-18"),
            &[
                ("DEFAULT", MODERN, true, 2048),
                ("NEXT", MODERN, true, 2048),
                ("FEDORA40", MODERN, true, 2048),
                ("TEST-FEDORA41", MODERN, true, 2048),
                ("BSI", MODERN, true, 3072),
                ("FUTURE", MODERN, true, 3072),
                ("FIPS", FIPS, true, 2048),
                ("LEGACY", LEGACY, true, 1024),
                ("EMPTY", "", false, 0),
                ("GOST-ONLY", "", false, 2048),
                ("LEGACY:NO-SHA1", MODERN, true, 1024),
                ("DEFAULT:SHA1", LEGACY, true, 2048),
                ("FIPS:OSPP", OSPP, false, 3072),
                ("DEFAULT:AD-SUPPORT", MODERN, true, 2048),
                ("FIPS:ECDHE-ONLY", FIPS, true, 2048),
                ("DEFAULT:NO-CAMELLIA", MODERN, true, 2048),
                ("FIPS:NO-ENFORCE-EMS", FIPS, true, 2048),
                ("DEFAULT:GOST", MODERN, true, 2048),
                ("DEFAULT:TEST-PQ", MODERN, true, 2048),
            ],
        );
    }

    /// Upstream's definitions of 2023-08-07 (RHEL 8.10 / 9.3's package date): BSI still 2048-bit
    /// RSA, OSPP only drops SHA2-224 (ECDSA P-256 and 2048-bit RSA stay), FEDORA32 (SHA-1
    /// signatures back, ssh-rsa with them), no post-quantum subpolicy.
    #[test]
    fn every_policy_of_2023_08() {
        check_set(
            &history("2023-08-07"),
            &[
                ("DEFAULT", MODERN, true, 2048),
                ("NEXT", MODERN, true, 2048),
                ("FEDORA38", MODERN, true, 2048),
                ("TEST-FEDORA39", MODERN, true, 2048),
                ("BSI", MODERN, true, 2048),
                ("FUTURE", MODERN, true, 3072),
                ("FIPS", FIPS, true, 2048),
                ("LEGACY", LEGACY, true, 1024),
                ("EMPTY", "", false, 0),
                ("GOST-ONLY", "", false, 2048),
                ("LEGACY:NO-SHA1", MODERN, true, 1024),
                ("DEFAULT:SHA1", LEGACY, true, 2048),
                ("DEFAULT:FEDORA32", LEGACY, true, 2048),
                ("FIPS:OSPP", FIPS, false, 2048),
                ("DEFAULT:AD-SUPPORT", MODERN, true, 2048),
                ("FIPS:ECDHE-ONLY", FIPS, true, 2048),
                ("DEFAULT:NO-CAMELLIA", MODERN, true, 2048),
                ("FIPS:NO-ENFORCE-EMS", FIPS, true, 2048),
                ("DEFAULT:GOST", MODERN, true, 2048),
            ],
        );
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
                            from: None,
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
            ..Keys::default()
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
        // one key cut, one surviving: which one the session used is not known → unknown
        let f = findings(
            &keys(&[rsa2048.clone(), rsa3072.clone()], &hosts),
            &eval("DEFAULT"),
            &eval("FUTURE"),
            "FUTURE",
        );
        assert!(f.risks.is_empty(), "{f:?}");
        assert_eq!(f.unknown.len(), 1, "{f:?}");
        assert!(
            f.unknown[0].contains("cut: /home/admin/.ssh/authorized_keys:1 ssh-rsa (2048 bits)")
                && f.unknown[0].contains("survives: /home/admin/.ssh/authorized_keys:2")
                && f.unknown[0].contains("ExposeAuthInfo"),
            "{f:?}"
        );
        // every way survives: passed, each named
        let f = findings(
            &keys(std::slice::from_ref(&rsa3072), &hosts),
            &eval("DEFAULT"),
            &eval("FUTURE"),
            "FUTURE",
        );
        assert!(f.risks.is_empty() && f.unknown.is_empty(), "{f:?}");
        assert!(
            f.paths[0].contains("ssh-rsa (3072 bits): accepted under FUTURE"),
            "{f:?}"
        );
        assert!(!findings(
            &keys(&[ed.clone(), ecdsa.clone()], &hosts),
            &eval("DEFAULT"),
            &eval("FIPS"),
            "FIPS"
        )
        .unknown
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

    #[test]
    fn certificates_commands_from_and_no_keys() {
        let ed = key("ssh-ed25519", None);
        let rsa = key("ssh-rsa", Some(3072));
        let ecdsa = key("ecdsa-sha2-nistp256", None);
        let hosts = [ecdsa.clone()];
        // user certificates signed by an Ed25519 CA (TrustedUserCAKeys), no authorized key:
        // FIPS refuses the CA's signatures → cut
        let mut k = keys(&[], &hosts);
        k.cas = vec![("/etc/ssh/user_ca.pub".into(), ed.clone())];
        let f = findings(&k, &eval("DEFAULT"), &eval("FIPS"), "FIPS");
        assert_eq!(f.risks.len(), 1, "{f:?}");
        assert!(
            f.risks[0].0.contains("CA ssh-ed25519")
                && f.risks[0].0.contains("CASignatureAlgorithms"),
            "{f:?}"
        );
        // an RSA CA stays accepted, but FIPS accepts fewer certificate types: the session's
        // certificate is not known → unknown
        k.cas = vec![("/etc/ssh/user_ca.pub".into(), rsa.clone())];
        let f = findings(&k, &eval("DEFAULT"), &eval("FIPS"), "FIPS");
        assert!(f.risks.is_empty() && f.unknown.len() == 1, "{f:?}");
        // a change that accepts all it did: the CA path survives
        let f = findings(&k, &eval("DEFAULT"), &eval("LEGACY"), "LEGACY");
        assert!(f.risks.is_empty() && f.unknown.is_empty(), "{f:?}");
        assert!(f.paths[0].contains("TrustedUserCAKeys"), "{f:?}");
        // AuthorizedKeysCommand: keys not readable → unknown unless nothing is cut
        let mut k = keys(&[], &hosts);
        k.keys_command = true;
        let f = findings(&k, &eval("DEFAULT"), &eval("FUTURE"), "FUTURE");
        assert!(f.unknown[0].contains("AuthorizedKeysCommand"), "{f:?}");
        // no key at all: a password or GSSAPI session cannot be judged
        let k = keys(&[], &hosts);
        let f = findings(&k, &eval("DEFAULT"), &eval("FIPS"), "FIPS");
        assert!(f.risks.is_empty(), "{f:?}");
        assert!(f.unknown[0].contains("no way in by public key"), "{f:?}");
        // from= with host names: a key that may be the session's and is cut → unknown
        let mut k = keys(std::slice::from_ref(&rsa), &hosts);
        k.maybe = vec![(
            "/home/admin/.ssh/authorized_keys".into(),
            ssh::KeyLine {
                line: 3,
                key: ed.clone(),
                cert_authority: false,
                comment: String::new(),
                from: Some("*.example.com".into()),
            },
        )];
        let f = findings(&k, &eval("DEFAULT"), &eval("FIPS"), "FIPS");
        assert!(
            f.unknown.len() == 1 && f.unknown[0].contains("*.example.com"),
            "{f:?}"
        );
        // Match blocks that cannot be evaluated and set what the guard reads
        let mut k = keys(std::slice::from_ref(&rsa), &hosts);
        k.unknown =
            vec!["Match Host *.lab (host cannot be evaluated here) sets authorizedkeysfile".into()];
        let f = findings(&k, &eval("DEFAULT"), &eval("FIPS"), "FIPS");
        assert!(f.unknown[0].contains("Match Host"), "{f:?}");
    }
}
