//! Post-quantum key exchange a policy offers, computed from its definitions as
//! update-crypto-policies computes the back-ends (crypto-policies' documented generator
//! behaviour, python/policygenerators/openssh.py and openssl.py):
//!
//! - **SSH** (scopes `ssh`, `openssh`, `openssh-server`, the server back-end): for each
//!   `key_exchange`, each `hash`, each `group` in policy order, the triple names a key exchange
//!   method; the post-quantum ones are `SNTRUP`+`X25519`+`SHA2-512` (sntrup761x25519-sha512) and
//!   `KEM-ECDH` with an ML-KEM hybrid group (mlkem768x25519-sha256, mlkem768nistp256-sha256,
//!   mlkem1024nistp384-sha384).
//!   The names are those of the generator from 2025-11 on; an older one (2024, RHEL 9's
//!   generation) names only mlkem768x25519-sha256 and sntrup761x25519-sha512 of them, so whether
//!   anything post-quantum is offered is the same, the list may be longer than that back-end's.
//! - **TLS** (scopes `tls`, `ssl`, `openssl`): the ML-KEM (and early Kyber) groups of `group`.
//!
//! Which generation offers what differs: upstream's definitions before 2023-12 know no
//! post-quantum algorithm, from 2023-12 the `TEST-PQ` subpolicy adds them, from 2025-11 `DEFAULT`
//! has the ML-KEM hybrids and `NO-PQ` removes them (tests/fixtures/crypto-policies-history).

use crate::sshguard::{eval_list, policy_texts};
use crate::Desired;
use kit::{Ctx, Result};

/// Scopes of the OpenSSH server back-end.
pub const SSH_SCOPES: &[&str] = &["ssh", "openssh", "openssh-server"];
/// Scopes of the OpenSSL back-end.
pub const TLS_SCOPES: &[&str] = &["tls", "ssl", "openssl"];

/// (key_exchange, group, hash) → the OpenSSH method, for the post-quantum methods only.
pub const SSH_PQ_KEX: [(&str, &str, &str, &str); 4] = [
    ("SNTRUP", "X25519", "SHA2-512", "sntrup761x25519-sha512"),
    (
        "KEM-ECDH",
        "MLKEM768-X25519",
        "SHA2-256",
        "mlkem768x25519-sha256",
    ),
    (
        "KEM-ECDH",
        "P256-MLKEM768",
        "SHA2-256",
        "mlkem768nistp256-sha256",
    ),
    (
        "KEM-ECDH",
        "P384-MLKEM1024",
        "SHA2-384",
        "mlkem1024nistp384-sha384",
    ),
];

/// Every post-quantum group name the definitions of 2023 to 2026 use (what a glob in a policy
/// can stand for; a plain name counts when it names ML-KEM or Kyber).
pub const PQ_GROUPS: [&str; 15] = [
    "MLKEM512",
    "P256-MLKEM512",
    "X25519-MLKEM512",
    "MLKEM768",
    "P384-MLKEM768",
    "X448-MLKEM768",
    "X25519-MLKEM768",
    "MLKEM768-X25519",
    "P256-MLKEM768",
    "MLKEM1024",
    "P521-MLKEM1024",
    "P384-MLKEM1024",
    "MLKEM1024-X448",
    "P256-KYBER768",
    "X25519-KYBER768",
];

fn is_pq_group(g: &str) -> bool {
    g.contains("MLKEM") || g.contains("KYBER")
}

/// What a policy (its .pol then each .pmod, in order) offers of post-quantum key exchange.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PostQuantum {
    /// OpenSSH server `KexAlgorithms` that are post-quantum, in the back-end's order.
    pub ssh_kex: Vec<String>,
    /// OpenSSL groups that are post-quantum (policy names), in the policy's order.
    pub tls_groups: Vec<String>,
}

impl PostQuantum {
    pub fn evaluate(texts: &[&str]) -> PostQuantum {
        let kx_names: Vec<&str> = SSH_PQ_KEX.iter().map(|k| k.0).collect();
        let hash_names: Vec<&str> = SSH_PQ_KEX.iter().map(|k| k.2).collect();
        let mut group_names: Vec<&str> = SSH_PQ_KEX.iter().map(|k| k.1).collect();
        group_names.extend(PQ_GROUPS);
        let kx = eval_list(texts, "key_exchange", SSH_SCOPES, &kx_names);
        let hash = eval_list(texts, "hash", SSH_SCOPES, &hash_names);
        let group = eval_list(texts, "group", SSH_SCOPES, &group_names);
        let mut ssh_kex = Vec::new();
        for k in &kx {
            for h in &hash {
                for g in &group {
                    if let Some(m) = SSH_PQ_KEX.iter().find(|m| m.0 == k && m.1 == g && m.2 == h) {
                        if !ssh_kex.iter().any(|x| x == m.3) {
                            ssh_kex.push(m.3.to_string());
                        }
                    }
                }
            }
        }
        let tls_groups = eval_list(texts, "group", TLS_SCOPES, &PQ_GROUPS)
            .into_iter()
            .filter(|g| is_pq_group(g))
            .collect();
        PostQuantum {
            ssh_kex,
            tls_groups,
        }
    }

    /// What an installed policy string offers (its definitions under /etc/crypto-policies/policies,
    /// else /usr/share/crypto-policies/policies); `None` when one of them is missing.
    pub fn of_policy(ctx: &Ctx, policy: &str) -> Result<Option<PostQuantum>> {
        let none = Desired {
            policy: None,
            defs: Vec::new(),
        };
        Ok(policy_texts(ctx, &none, policy)?.map(|texts| {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            PostQuantum::evaluate(&refs)
        }))
    }

    pub fn offered(&self) -> bool {
        !self.ssh_kex.is_empty() || !self.tls_groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

    fn eval(set: &str, policy: &str) -> PostQuantum {
        let dir = if set == "2026-02-17" {
            format!("{FIXTURES}/crypto-policies/policies")
        } else {
            format!("{FIXTURES}/crypto-policies-history/{set}/policies")
        };
        let texts = crate::policy::fixture_texts(&dir, policy);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        PostQuantum::evaluate(&refs)
    }

    /// Per generation of upstream's definitions, read off the files by hand: the SSH methods
    /// and TLS groups each offers (empty: none).
    #[test]
    fn each_generation_offers_what_its_definitions_say() {
        const SSH26: &str =
            "mlkem768x25519-sha256 mlkem768nistp256-sha256 mlkem1024nistp384-sha384";
        const TLS26: &str = "MLKEM768-X25519 P256-MLKEM768 P384-MLKEM1024 MLKEM1024-X448";
        let table: &[(&str, &str, &str, &str)] = &[
            // 2023-08: nothing post-quantum anywhere, no TEST-PQ
            ("2023-08-07", "DEFAULT", "", ""),
            ("2023-08-07", "FUTURE", "", ""),
            ("2023-08-07", "LEGACY", "", ""),
            ("2023-08-07", "FIPS", "", ""),
            // 2024-12: DEFAULT without, TEST-PQ adds SNTRUP and KEM-ECDH with the ML-KEM groups
            ("2024-12-18", "DEFAULT", "", ""),
            ("2024-12-18", "FIPS", "", ""),
            (
                "2024-12-18",
                "DEFAULT:TEST-PQ",
                // (the generator of that time names only the first and the last of these)
                "mlkem768x25519-sha256 mlkem768nistp256-sha256 mlkem1024nistp384-sha384 sntrup761x25519-sha512",
                "X25519-KYBER768 P256-KYBER768 MLKEM512 P256-MLKEM512 X25519-MLKEM512 MLKEM768 P384-MLKEM768 X448-MLKEM768 MLKEM768-X25519 X25519-MLKEM768 P256-MLKEM768 MLKEM1024 P521-MLKEM1024 P384-MLKEM1024",
            ),
            // 2026-02: the ML-KEM hybrids in DEFAULT (RHEL 10.1+), NO-PQ takes them out
            ("2026-02-17", "DEFAULT", SSH26, TLS26),
            ("2026-02-17", "FUTURE", SSH26, TLS26),
            ("2026-02-17", "LEGACY", SSH26, TLS26),
            ("2026-02-17", "DEFAULT:NO-PQ", "", ""),
            ("2026-02-17", "FUTURE:NO-PQ", "", ""),
            ("2026-02-17", "BSI", "", ""),
            // FIPS: OpenSSH loses the X25519 hybrid (not FIPS), OpenSSL puts P256 first
            (
                "2026-02-17",
                "FIPS",
                "mlkem768nistp256-sha256 mlkem1024nistp384-sha384",
                "P256-MLKEM768 MLKEM768-X25519 P384-MLKEM1024",
            ),
        ];
        for (set, policy, ssh, tls) in table {
            let pq = eval(set, policy);
            assert_eq!(pq.ssh_kex.join(" "), *ssh, "{set} {policy}: ssh");
            assert_eq!(pq.tls_groups.join(" "), *tls, "{set} {policy}: tls");
            assert_eq!(pq.offered(), !ssh.is_empty() || !tls.is_empty());
        }
    }

    #[test]
    fn globs_and_scopes() {
        let pq = PostQuantum::evaluate(&[
            "group = X25519 MLKEM768-X25519\nkey_exchange = KEM-ECDH ECDHE\nhash = SHA2-*\n",
            "group@openssl = -*MLKEM*\n",
        ]);
        assert_eq!(pq.ssh_kex, vec!["mlkem768x25519-sha256"]);
        assert!(pq.tls_groups.is_empty());
        let pq = PostQuantum::evaluate(&[
            "group = *MLKEM768*\nkey_exchange = KEM-ECDH\nhash = SHA2-256\n",
            "key_exchange@ssh = -KEM-ECDH\n",
        ]);
        assert!(pq.ssh_kex.is_empty());
        // a glob stands for the names it matches (in PQ_GROUPS' order)
        assert_eq!(
            pq.tls_groups,
            vec![
                "MLKEM768",
                "P384-MLKEM768",
                "X448-MLKEM768",
                "X25519-MLKEM768",
                "MLKEM768-X25519",
                "P256-MLKEM768"
            ]
        );
    }
}
