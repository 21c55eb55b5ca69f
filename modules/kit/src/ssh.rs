//! OpenSSH, read natively for the lockout guards: public keys (the type and RSA modulus size from
//! the key blob, not from the text label), authorized_keys lines (options skipped as sshd skips
//! them), and the parts of sshd_config that decide who can still log in (Port, HostKey,
//! AuthorizedKeysFile, Include).
//!
//! sshd_config is read as sshd reads it for a connection that no `Match` block selects:
//! keywords are case-insensitive, `Keyword value` or `Keyword=value`, the first value obtained
//! wins (Port and HostKey accumulate), `Include` is expanded in place (relative to /etc/ssh,
//! glob patterns sorted). What a `Match` block sets is not evaluated (see the README's "Lockout
//! guards" section).
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
                comment: f.collect::<Vec<_>>().join(" "),
            }),
            Err(e) => bad.push((i + 1, e)),
        }
    }
    (keys, bad)
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
}

pub const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";

/// sshd's defaults on RHEL where the file says nothing.
pub const DEFAULT_HOST_KEYS: &[&str] = &[
    "/etc/ssh/ssh_host_rsa_key",
    "/etc/ssh/ssh_host_ecdsa_key",
    "/etc/ssh/ssh_host_ed25519_key",
];

#[derive(Default)]
struct Acc {
    ports: Vec<u16>,
    host_keys: Vec<String>,
    akf: Option<Vec<String>>,
    akc: Option<bool>,
    pubkey: Option<bool>,
    in_match: bool,
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

fn include(ctx: &Ctx, pattern: &str, acc: &mut Acc, depth: u32) -> Result<()> {
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

fn read_into(ctx: &Ctx, text: &str, acc: &mut Acc, depth: u32) -> Result<()> {
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
            acc.in_match = true;
            continue;
        }
        if k == "include" {
            for p in v.split_whitespace() {
                include(ctx, p, acc, depth)?;
            }
            continue;
        }
        if acc.in_match {
            continue;
        }
        match k.as_str() {
            "port" => {
                if let Ok(p) = v.parse() {
                    acc.ports.push(p);
                }
            }
            "hostkey" => acc.host_keys.push(v.to_string()),
            "authorizedkeysfile" if acc.akf.is_none() => {
                acc.akf = Some(v.split_whitespace().map(String::from).collect())
            }
            "authorizedkeyscommand" if acc.akc.is_none() => {
                acc.akc = Some(!v.eq_ignore_ascii_case("none") && !v.is_empty())
            }
            "pubkeyauthentication" if acc.pubkey.is_none() => acc.pubkey = Some(yes(v)),
            _ => {}
        }
    }
    Ok(())
}

/// sshd_config as it applies to a connection no `Match` selects; sshd's defaults where silent.
pub fn sshd_config(ctx: &Ctx) -> Result<Option<SshdConfig>> {
    let Some(text) = ctx.read(SSHD_CONFIG)? else {
        return Ok(None);
    };
    let mut acc = Acc::default();
    read_into(ctx, &text, &mut acc, 0)?;
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
        authorized_keys_files: acc.akf.unwrap_or_else(|| {
            vec![
                ".ssh/authorized_keys".into(),
                ".ssh/authorized_keys2".into(),
            ]
        }),
        authorized_keys_command: acc.akc.unwrap_or(false),
        pubkey_authentication: acc.pubkey.unwrap_or(true),
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
}
