//! OpenSSH, read natively for the lockout guards: public keys (the type and RSA modulus size from
//! the key blob, not from the text label), authorized_keys lines (options skipped as sshd skips
//! them), and the parts of sshd_config that decide who can still log in (Port, HostKey,
//! AuthorizedKeysFile, Include).
//!
//! sshd_config is read as sshd reads it for a connection that no `Match` block selects:
//! keywords are case-insensitive, `Keyword value` or `Keyword=value`, the first value obtained
//! wins (Port and HostKey accumulate), `Include` is expanded in place (relative to /etc/ssh,
//! glob patterns sorted). What a `Match` block sets is not evaluated (see
//! docs/lockout-guards.md).
//!
//! Base64 is decoded here (30 lines) rather than with a crate: the decoder is the whole need.

use crate::{Ctx, Error, Result};

/// A public key as the blob says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The key type of the blob, e.g. `ssh-rsa`, `ssh-ed25519`, `ssh-rsa-cert-v01@openssh.com`.
    pub key_type: String,
    /// RSA modulus size in bits (also of an RSA certificate's key).
    pub rsa_bits: Option<u32>,
}

impl PublicKey {
    /// The key type without a certificate suffix (`ssh-rsa` for an RSA certificate).
    pub fn base_type(&self) -> &str {
        self.key_type
            .strip_suffix("-cert-v01@openssh.com")
            .unwrap_or(&self.key_type)
    }

    pub fn is_cert(&self) -> bool {
        self.key_type.ends_with("-cert-v01@openssh.com")
    }

    /// The signature algorithms (as `PubkeyAcceptedAlgorithms`/`HostKeyAlgorithms` name them)
    /// with which this key can be used: any one of them accepted makes the key usable.
    pub fn algorithms(&self) -> Vec<String> {
        let base: Vec<&str> = match self.base_type() {
            "ssh-rsa" => vec!["ssh-rsa", "rsa-sha2-256", "rsa-sha2-512"],
            t => vec![t],
        };
        if self.is_cert() {
            base.iter()
                .map(|b| format!("{b}-cert-v01@openssh.com"))
                .collect()
        } else {
            base.iter().map(|b| b.to_string()).collect()
        }
    }

    pub fn describe(&self) -> String {
        match self.rsa_bits {
            Some(b) => format!("{} ({b} bits)", self.key_type),
            None => self.key_type.clone(),
        }
    }
}

/// Key types sshd knows (and their certificates).
pub const KEY_TYPES: &[&str] = &[
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ssh-ed448",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ssh-ed25519@openssh.com",
];

pub fn is_key_type(t: &str) -> bool {
    KEY_TYPES.contains(&t.strip_suffix("-cert-v01@openssh.com").unwrap_or(t))
}

/// Standard base64 (padding optional, no whitespace inside).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=').as_bytes();
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// Reader of the SSH wire format (RFC 4251 strings and mpints).
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn string(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_be_bytes(self.0.get(..4)?.try_into().ok()?) as usize;
        let s = self.0.get(4..4usize.checked_add(len)?)?;
        self.0 = &self.0[4 + len..];
        Some(s)
    }
}

/// Bits of an mpint (two's complement, big-endian, leading zero byte for positive numbers).
fn mpint_bits(m: &[u8]) -> u32 {
    let m = match m.iter().position(|b| *b != 0) {
        Some(i) => &m[i..],
        None => return 0,
    };
    (m.len() as u32 - 1) * 8 + (8 - m[0].leading_zeros())
}

/// Parse a key blob: its type, and for RSA (also in a certificate) the modulus size.
pub fn parse_blob(blob: &[u8]) -> std::result::Result<PublicKey, String> {
    let mut w = Wire(blob);
    let t = w.string().ok_or("the key blob is truncated")?;
    let key_type = std::str::from_utf8(t)
        .map_err(|_| "the key type is not text")?
        .to_string();
    if !is_key_type(&key_type) {
        return Err(format!(
            "unknown key type '{}'",
            crate::args::clip(&key_type)
        ));
    }
    let pk = PublicKey {
        key_type,
        rsa_bits: None,
    };
    if pk.base_type() != "ssh-rsa" {
        return Ok(pk);
    }
    if pk.is_cert() {
        w.string().ok_or("the certificate nonce is missing")?;
    }
    // ssh-rsa: e, n (a certificate has the same order after its nonce)
    w.string().ok_or("the RSA exponent is missing")?;
    let n = w.string().ok_or("the RSA modulus is missing")?;
    Ok(PublicKey {
        rsa_bits: Some(mpint_bits(n)),
        ..pk
    })
}

/// One key line of an authorized_keys (or `.pub`) file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLine {
    pub line: usize,
    pub key: PublicKey,
    /// `cert-authority`: the key is a CA users authenticate under with certificates.
    pub cert_authority: bool,
    pub comment: String,
    /// `from="pattern-list"`: the key is accepted only from these client addresses.
    pub from: Option<String>,
}

/// The value of an option (`name="value"`) of an authorized_keys options field.
fn option_value(opts: &str, name: &str) -> Option<String> {
    let mut quoted = false;
    let mut esc = false;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in opts.char_indices() {
        if esc {
            esc = false;
            continue;
        }
        match c {
            '\\' if quoted => esc = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&opts[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&opts[start..]);
    parts.into_iter().find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.eq_ignore_ascii_case(name)
            .then(|| v.trim_matches('"').replace("\\\"", "\""))
    })
}

/// Whether a client address matches an sshd pattern-list (`from=`, `Match Address`): comma
/// separated, `!` negates, `*`/`?` wildcards, CIDR (`192.0.2.0/24`). `None` when it cannot be
/// told here: no pattern holds the address and some look like host names (sshd may compare
/// them with the client's name from DNS).
pub fn addr_matches(list: &str, addr: std::net::IpAddr) -> Option<bool> {
    let text = addr.to_string();
    let mut hit = false;
    let mut named = false;
    for raw in list.split(',') {
        let p = raw.trim();
        let (neg, p) = match p.strip_prefix('!') {
            Some(x) => (true, x),
            None => (false, p),
        };
        if p.is_empty() {
            continue;
        }
        let m = if p.contains('/') {
            cidr(p, addr)
        } else {
            glob(p.to_ascii_lowercase().as_bytes(), text.as_bytes())
        };
        // an address pattern has digits, dots, wildcards, and (IPv6) hex digits and colons only
        let letters = p.chars().any(|c| c.is_ascii_alphabetic());
        let address_like = p
            .chars()
            .all(|c| c.is_ascii_hexdigit() || ".:*?/".contains(c))
            && (!letters || p.contains(':'));
        if !m && !address_like {
            named = true;
        }
        if m && neg {
            return Some(false);
        }
        hit |= m && !neg;
    }
    if hit {
        Some(true)
    } else if named {
        None
    } else {
        Some(false)
    }
}

fn cidr(spec: &str, a: std::net::IpAddr) -> bool {
    let Some((net, len)) = spec.split_once('/') else {
        return false;
    };
    let (Ok(net), Ok(len)) = (net.parse::<std::net::IpAddr>(), len.parse::<u32>()) else {
        return false;
    };
    let bits = |ip: std::net::IpAddr| -> (u128, u32) {
        match ip {
            std::net::IpAddr::V4(v) => (u32::from(v) as u128, 32),
            std::net::IpAddr::V6(v) => (u128::from(v), 128),
        }
    };
    let ((n, w), (x, xw)) = (bits(net), bits(a));
    if w != xw || len > w {
        return false;
    }
    len == 0 || (n >> (w - len)) == (x >> (w - len))
}

/// Skip an options field (comma-separated, double quotes may hold spaces, `\"` inside them).
fn skip_options(s: &str) -> (&str, &str) {
    let mut quoted = false;
    let mut esc = false;
    for (i, c) in s.char_indices() {
        if esc {
            esc = false;
            continue;
        }
        match c {
            '\\' if quoted => esc = true,
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return (&s[..i], s[i..].trim_start()),
            _ => {}
        }
    }
    (s, "")
}

/// The keys of an authorized_keys text; lines that are not keys (comments, blank, damaged) are
/// skipped as sshd skips them, and reported as (line, why).
pub fn authorized_keys(text: &str) -> (Vec<KeyLine>, Vec<(usize, String)>) {
    let mut keys = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let first = l.split_whitespace().next().unwrap_or("");
        let (opts, rest) = if is_key_type(first) {
            ("", l)
        } else {
            skip_options(l)
        };
        let mut f = rest.split_whitespace();
        let (Some(t), Some(b64)) = (f.next(), f.next()) else {
            bad.push((i + 1, "no key type and key".into()));
            continue;
        };
        let parsed = base64_decode(b64)
            .ok_or_else(|| "the key is not base64".to_string())
            .and_then(|b| parse_blob(&b))
            .and_then(|k| {
                if k.key_type == t {
                    Ok(k)
                } else {
                    Err(format!("the line says {t} but the key is {}", k.key_type))
                }
            });
        match parsed {
            Ok(key) => keys.push(KeyLine {
                line: i + 1,
                key,
                cert_authority: opts
                    .split(',')
                    .any(|o| o.eq_ignore_ascii_case("cert-authority")),
                from: option_value(opts, "from"),
                comment: f.collect::<Vec<_>>().join(" "),
            }),
            Err(e) => bad.push((i + 1, e)),
        }
    }
    (keys, bad)
}

/// The public keys a session authenticated with, from its `SSH_USER_AUTH` file (sshd's
/// `ExposeAuthInfo yes`: one line per method, `publickey <type> <base64 blob>`).
pub fn session_keys(text: &str) -> Vec<PublicKey> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            (f.next()? == "publickey").then_some(())?;
            let _t = f.next()?;
            parse_blob(&base64_decode(f.next()?)?).ok()
        })
        .collect()
}

/// What the guards need of sshd_config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshdConfig {
    pub ports: Vec<u16>,
    pub host_keys: Vec<String>,
    /// AuthorizedKeysFile patterns (`%h`, `%u`, `%U`, `%%`; relative to the home).
    pub authorized_keys_files: Vec<String>,
    pub authorized_keys_command: bool,
    pub pubkey_authentication: bool,
    /// TrustedUserCAKeys (a file of CA public keys; `none`: none).
    pub trusted_user_ca_keys: Option<String>,
    /// Match blocks that set what the guards read, and whose criteria cannot be evaluated for
    /// the session (Host, RDomain, …): each says which and what it sets.
    pub unknown: Vec<String>,
}

/// What a `Match` line is evaluated against: the session's user, its groups and addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchCtx {
    pub user: String,
    pub groups: Vec<String>,
    pub addr: std::net::IpAddr,
    pub laddr: std::net::IpAddr,
    pub lport: u16,
}

/// sshd's pattern-list match of one name: `Some(true)` a pattern matches, `Some(false)` a
/// negated one does (that wins), `None` none does.
fn pattern_list(list: &str, name: &str) -> Option<bool> {
    let mut hit = None;
    for p in list.split(',') {
        let (neg, p) = match p.strip_prefix('!') {
            Some(x) => (true, x),
            None => (false, p),
        };
        if glob(p.as_bytes(), name.as_bytes()) {
            if neg {
                return Some(false);
            }
            hit = Some(true);
        }
    }
    hit
}

/// Whether a `Match` line's criteria select the session: `Ok(bool)`, or `Err(criterion)` when
/// one cannot be evaluated here.
pub fn match_applies(line: &str, m: &MatchCtx) -> std::result::Result<bool, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut i = 0;
    let mut all = true;
    let mut unknown = None;
    while i < words.len() {
        let k = words[i].to_ascii_lowercase();
        if k == "all" {
            i += 1;
            continue;
        }
        let Some(v) = words.get(i + 1) else {
            return Err(format!("{k} without a value"));
        };
        let r = match k.as_str() {
            "user" => Some(pattern_list(v, &m.user) == Some(true)),
            "group" => {
                let per: Vec<Option<bool>> = m.groups.iter().map(|g| pattern_list(v, g)).collect();
                Some(!per.contains(&Some(false)) && per.contains(&Some(true)))
            }
            "address" => addr_matches(v, m.addr),
            "localaddress" => addr_matches(v, m.laddr),
            "localport" => Some(v.split(',').any(|p| p.parse() == Ok(m.lport))),
            _ => None,
        };
        match r {
            Some(true) => {}
            Some(false) => all = false,
            None => unknown = Some(format!("{} {v}", words[i])),
        }
        i += 2;
    }
    match (all, unknown) {
        (false, _) => Ok(false),
        (true, Some(u)) => Err(u),
        (true, None) => Ok(true),
    }
}

pub const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";

/// sshd's defaults on RHEL where the file says nothing.
pub const DEFAULT_HOST_KEYS: &[&str] = &[
    "/etc/ssh/ssh_host_rsa_key",
    "/etc/ssh/ssh_host_ecdsa_key",
    "/etc/ssh/ssh_host_ed25519_key",
];

/// The keywords the guards read that a Match block may set (first value wins).
#[derive(Default, Clone)]
struct Auth {
    akf: Option<Vec<String>>,
    akc: Option<bool>,
    pubkey: Option<bool>,
    ca: Option<String>,
}

/// Where the lines being read are: the global section, a Match block that applies to the
/// session, one that does not, or one that cannot be told (its line).
#[derive(Default, Clone, PartialEq, Eq)]
enum Block {
    #[default]
    Global,
    Applies,
    Skip,
    Unknown(String),
}

#[derive(Default)]
struct Acc<'m> {
    ports: Vec<u16>,
    host_keys: Vec<String>,
    global: Auth,
    matched: Auth,
    block: Block,
    session: Option<&'m MatchCtx>,
    unknown: Vec<String>,
}

/// Glob match (`*`, `?`) of a whole string: Include patterns, crypto-policy globs.
pub fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

fn include(ctx: &Ctx, pattern: &str, acc: &mut Acc<'_>, depth: u32) -> Result<()> {
    let abs = if pattern.starts_with('/') {
        pattern.to_string()
    } else {
        format!("/etc/ssh/{pattern}")
    };
    let (dir, name) = abs.rsplit_once('/').unwrap_or(("", &abs));
    let dir = if dir.is_empty() { "/" } else { dir };
    if !name.contains(['*', '?']) {
        if let Some(t) = ctx.read(&abs)? {
            read_into(ctx, &t, acc, depth + 1)?;
        }
        return Ok(());
    }
    for n in ctx.list(dir)?.unwrap_or_default() {
        if glob(name.as_bytes(), n.as_bytes()) {
            let p = format!("{dir}/{n}");
            if let Some(t) = ctx.read(&p)? {
                read_into(ctx, &t, acc, depth + 1)?;
            }
        }
    }
    Ok(())
}

fn yes(v: &str) -> bool {
    v.eq_ignore_ascii_case("yes")
}

fn read_into(ctx: &Ctx, text: &str, acc: &mut Acc<'_>, depth: u32) -> Result<()> {
    if depth > 16 {
        return Err(Error::refused(
            "sshd_config: Include nested more than 16 deep",
        ));
    }
    for raw in text.lines() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let (k, v) = match l.find([' ', '\t', '=']) {
            Some(i) => (
                &l[..i],
                l[i..]
                    .trim_start_matches([' ', '\t'])
                    .trim_start_matches('='),
            ),
            None => (l, ""),
        };
        let v = v.trim();
        let k = k.to_ascii_lowercase();
        if k == "match" {
            acc.block = match acc.session {
                None => Block::Skip,
                Some(m) => match match_applies(v, m) {
                    Ok(true) => Block::Applies,
                    Ok(false) => Block::Skip,
                    Err(c) => Block::Unknown(format!("Match {v} ({c} cannot be evaluated here)")),
                },
            };
            continue;
        }
        if k == "include" {
            for p in v.split_whitespace() {
                let block = acc.block.clone();
                include(ctx, p, acc, depth)?;
                acc.block = block;
            }
            continue;
        }
        let auth = match &acc.block {
            Block::Global => &mut acc.global,
            Block::Applies => &mut acc.matched,
            Block::Skip => continue,
            Block::Unknown(line) => {
                if matches!(
                    k.as_str(),
                    "authorizedkeysfile"
                        | "authorizedkeyscommand"
                        | "pubkeyauthentication"
                        | "trustedusercakeys"
                ) {
                    acc.unknown.push(format!("{line} sets {k}"));
                }
                continue;
            }
        };
        match k.as_str() {
            "authorizedkeysfile" if auth.akf.is_none() => {
                auth.akf = Some(v.split_whitespace().map(String::from).collect())
            }
            "authorizedkeyscommand" if auth.akc.is_none() => {
                auth.akc = Some(!v.eq_ignore_ascii_case("none") && !v.is_empty())
            }
            "pubkeyauthentication" if auth.pubkey.is_none() => auth.pubkey = Some(yes(v)),
            "trustedusercakeys" if auth.ca.is_none() => auth.ca = Some(v.to_string()),
            "port" if acc.block == Block::Global => {
                if let Ok(p) = v.parse() {
                    acc.ports.push(p);
                }
            }
            "hostkey" if acc.block == Block::Global => acc.host_keys.push(v.to_string()),
            _ => {}
        }
    }
    Ok(())
}

/// sshd_config as it applies to a connection no `Match` selects; sshd's defaults where silent.
pub fn sshd_config(ctx: &Ctx) -> Result<Option<SshdConfig>> {
    sshd_config_for(ctx, None)
}

/// sshd_config as it applies to the session `m` (its `Match` blocks evaluated; a block
/// selected overrides the global section, the first value obtained wins); `None`: as
/// [`sshd_config`]. sshd's defaults where silent.
pub fn sshd_config_for(ctx: &Ctx, m: Option<&MatchCtx>) -> Result<Option<SshdConfig>> {
    let Some(text) = ctx.read(SSHD_CONFIG)? else {
        return Ok(None);
    };
    let mut acc = Acc {
        session: m,
        ..Acc::default()
    };
    read_into(ctx, &text, &mut acc, 0)?;
    let g = acc.global.clone();
    let x = acc.matched.clone();
    let auth = Auth {
        akf: x.akf.or(g.akf),
        akc: x.akc.or(g.akc),
        pubkey: x.pubkey.or(g.pubkey),
        ca: x.ca.or(g.ca),
    };
    Ok(Some(SshdConfig {
        ports: if acc.ports.is_empty() {
            vec![22]
        } else {
            acc.ports
        },
        host_keys: if acc.host_keys.is_empty() {
            DEFAULT_HOST_KEYS.iter().map(|s| s.to_string()).collect()
        } else {
            acc.host_keys
        },
        authorized_keys_files: auth.akf.unwrap_or_else(|| {
            vec![
                ".ssh/authorized_keys".into(),
                ".ssh/authorized_keys2".into(),
            ]
        }),
        authorized_keys_command: auth.akc.unwrap_or(false),
        pubkey_authentication: auth.pubkey.unwrap_or(true),
        trusted_user_ca_keys: auth.ca.filter(|c| !c.eq_ignore_ascii_case("none")),
        unknown: acc.unknown,
    }))
}

/// An AuthorizedKeysFile pattern for a user, as sshd expands it (`none` gives nothing).
pub fn expand_keys_file(pattern: &str, user: &str, uid: u32, home: &str) -> Option<String> {
    if pattern.eq_ignore_ascii_case("none") {
        return None;
    }
    let mut out = String::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('h') => out.push_str(home),
            Some('u') => out.push_str(user),
            Some('U') => out.push_str(&uid.to_string()),
            Some('%') => out.push('%'),
            _ => return None,
        }
    }
    Some(if out.starts_with('/') {
        out
    } else {
        format!("{}/{out}", home.trim_end_matches('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made for these tests with ssh-keygen (public halves only).
    pub const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKYj9Q2kwgd2NTDoapfFIM9jTc+nyxwH9jT+S5Zhe/Cn admin@test";
    pub const ECDSA256: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFu8SIjyEmpIrE906YOElJxSe4Xbzf25YmWFY00ylm5lY6xemQCNYYXgeDtQ94KZuJvXeM+i4u41H5AUPTi6eUg= x";

    fn rsa_line(bits: u32) -> String {
        // a syntactically valid RSA public key blob: e = 65537, n of `bits` bits
        let mut blob = Vec::new();
        let put = |b: &mut Vec<u8>, s: &[u8]| {
            b.extend_from_slice(&(s.len() as u32).to_be_bytes());
            b.extend_from_slice(s);
        };
        put(&mut blob, b"ssh-rsa");
        put(&mut blob, &[1, 0, 1]);
        let mut n = vec![0u8];
        n.push(0xC5);
        n.extend(std::iter::repeat_n(0xAB, (bits / 8 - 1) as usize));
        put(&mut blob, &n);
        format!("ssh-rsa {} rsa{bits}", encode(&blob))
    }

    fn encode(b: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in b.chunks(3) {
            let n = ((c[0] as u32) << 16)
                | ((*c.get(1).unwrap_or(&0) as u32) << 8)
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    #[test]
    fn key_types_and_rsa_sizes_come_from_the_blob() {
        let text = format!(
            "# keys\n{ED25519}\n{}\nfrom=\"10.0.0.0/8,192.168.1.1\",command=\"echo a b\" {}\ncert-authority,principals=\"x\" {ECDSA256}\nssh-rsa AAAA!!!! broken\nssh-ed25519 {}\n",
            rsa_line(2048),
            rsa_line(4096),
            ECDSA256.split_whitespace().nth(1).unwrap()
        );
        let (keys, bad) = authorized_keys(&text);
        assert_eq!(keys.len(), 4, "{bad:?}");
        assert_eq!(keys[0].key.key_type, "ssh-ed25519");
        assert_eq!(keys[1].key.rsa_bits, Some(2048));
        assert_eq!(keys[2].key.rsa_bits, Some(4096));
        assert!(keys[3].cert_authority);
        assert_eq!(keys[3].key.key_type, "ecdsa-sha2-nistp256");
        // a line whose label lies about its blob is not taken at its word
        assert_eq!(bad.len(), 2);
        assert!(
            bad[1].1.contains("the key is ecdsa-sha2-nistp256"),
            "{bad:?}"
        );
        assert_eq!(
            keys[1].key.algorithms(),
            vec!["ssh-rsa", "rsa-sha2-256", "rsa-sha2-512"]
        );
    }

    #[test]
    fn base64_round_trips() {
        for n in 0..40u8 {
            let b: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64_decode(&encode(&b)).unwrap(), b);
        }
        assert!(base64_decode("A").is_none());
        assert!(base64_decode("AB$D").is_none());
    }

    #[test]
    fn sshd_config_first_value_wins_ports_accumulate_includes_expand() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("etc/ssh/sshd_config.d")).unwrap();
        std::fs::write(
            d.path().join("etc/ssh/sshd_config"),
            "Include /etc/ssh/sshd_config.d/*.conf\nPort 22\nport=2222\nAuthorizedKeysFile .ssh/other\nMatch User x\n  Port 9\n  AuthorizedKeysFile /nope\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("etc/ssh/sshd_config.d/50-local.conf"),
            "AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u\nHostKey /etc/ssh/ssh_host_ed25519_key\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("etc/ssh/sshd_config.d/ignored.txt"),
            "Port 1\n",
        )
        .unwrap();
        let ctx = Ctx::sandbox(d.path(), false, false);
        let c = sshd_config(&ctx).unwrap().unwrap();
        assert_eq!(c.ports, vec![22, 2222]);
        assert_eq!(
            c.authorized_keys_files,
            vec![".ssh/authorized_keys", "/etc/ssh/keys/%u"]
        );
        assert_eq!(c.host_keys, vec!["/etc/ssh/ssh_host_ed25519_key"]);
        assert_eq!(
            expand_keys_file("/etc/ssh/keys/%u", "admin", 1000, "/home/admin").as_deref(),
            Some("/etc/ssh/keys/admin")
        );
        assert_eq!(
            expand_keys_file(".ssh/authorized_keys", "admin", 1000, "/home/admin/").as_deref(),
            Some("/home/admin/.ssh/authorized_keys")
        );
        assert_eq!(expand_keys_file("none", "a", 1, "/"), None);
    }

    #[test]
    fn from_options_and_address_patterns() {
        let a = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let text = format!(
            "from=\"10.0.0.0/8,!10.0.0.66\",no-pty {ED25519}\nfrom=\"*.example.com\" {ED25519}\n"
        );
        let (k, _) = authorized_keys(&text);
        assert_eq!(k[0].from.as_deref(), Some("10.0.0.0/8,!10.0.0.66"));
        assert_eq!(
            addr_matches("10.0.0.0/8,!10.0.0.66", a("10.1.2.3")),
            Some(true)
        );
        assert_eq!(
            addr_matches("10.0.0.0/8,!10.0.0.66", a("10.0.0.66")),
            Some(false)
        );
        assert_eq!(addr_matches("192.0.2.*", a("192.0.2.9")), Some(true));
        assert_eq!(addr_matches("192.0.2.*", a("198.51.100.9")), Some(false));
        assert_eq!(addr_matches("2001:db8::/32", a("2001:db8::5")), Some(true));
        // host names: sshd may compare them with the client's DNS name
        assert_eq!(
            addr_matches(k[1].from.as_deref().unwrap(), a("10.1.2.3")),
            None
        );
        assert_eq!(
            addr_matches("*.example.com,10.1.2.3", a("10.1.2.3")),
            Some(true)
        );
    }

    #[test]
    fn match_blocks_are_evaluated_for_the_session() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("etc/ssh")).unwrap();
        std::fs::write(
            d.path().join("etc/ssh/sshd_config"),
            "AuthorizedKeysFile .ssh/authorized_keys\nMatch User admin Address 10.0.0.0/8\n  AuthorizedKeysFile /etc/ssh/keys/%u\n  TrustedUserCAKeys /etc/ssh/ca.pub\nMatch Group wheel LocalPort 2222\n  PubkeyAuthentication no\nMatch Host *.lab\n  AuthorizedKeysCommand /usr/bin/keys\nMatch all\n  AuthorizedKeysFile .ssh/other\n",
        )
        .unwrap();
        let ctx = Ctx::sandbox(d.path(), false, false);
        let m = |user: &str, groups: &[&str], addr: &str, lport: u16| MatchCtx {
            user: user.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            addr: addr.parse().unwrap(),
            laddr: "10.0.0.1".parse().unwrap(),
            lport,
        };
        let c = sshd_config_for(&ctx, Some(&m("admin", &["admin"], "10.0.0.10", 22)))
            .unwrap()
            .unwrap();
        // the first matching block wins over the global value and later blocks
        assert_eq!(c.authorized_keys_files, vec!["/etc/ssh/keys/%u"]);
        assert_eq!(c.trusted_user_ca_keys.as_deref(), Some("/etc/ssh/ca.pub"));
        assert!(c.pubkey_authentication);
        // Match Host cannot be evaluated and sets what the guard reads: said
        assert_eq!(c.unknown.len(), 1, "{:?}", c.unknown);
        assert!(c.unknown[0].contains("Match Host *.lab"));
        let c = sshd_config_for(&ctx, Some(&m("ops", &["ops", "wheel"], "192.0.2.1", 2222)))
            .unwrap()
            .unwrap();
        assert_eq!(c.authorized_keys_files, vec![".ssh/other"]);
        assert!(!c.pubkey_authentication);
        assert_eq!(c.trusted_user_ca_keys, None);
        // without a session: Match blocks are not read (as before)
        let c = sshd_config(&ctx).unwrap().unwrap();
        assert_eq!(c.authorized_keys_files, vec![".ssh/authorized_keys"]);
        assert!(c.unknown.is_empty());
    }
}
