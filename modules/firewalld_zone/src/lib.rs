//! `hardening.rhel.firewalld_zone` — IN PROGRESS (issue 4). This crate has no `main.rs` yet, so
//! `scripts/build.sh` does not ship it. What is here: the zone XML model, read from firewalld's
//! files and written byte for byte as firewalld 1.x's `zone_writer` writes them (element order,
//! attribute order, indentation, quoting); rich rules parsed, validated and printed in
//! firewalld's normalised form, and converted to and from zone XML; a zone request applied to a
//! zone (validation of every item, additive or `exclusive`, removal, rich rules compared
//! normalised) and DefaultZone edited in firewalld.conf; the offline layer (what exists on the
//! system, a zone loaded from /etc or the built-in, written with `.xml.old` and a 0750 zones dir).
//! Still to do: the D-Bus path (runtime + permanent, no reload, no firewall-cmd), the module
//! (params, plan over both paths, returns, diff), sidecar docs, the online and offline Molecule
//! scenarios and the comparison with ansible.posix.firewalld.

pub mod offline;
pub mod rich;
pub mod settings;
pub mod xml;
