//! `hardening.rhel.firewalld_zone` — IN PROGRESS (issue 4). This crate has no `main.rs` yet, so
//! `scripts/build.sh` does not ship it. What is here: the zone XML model, read from firewalld's
//! files and written byte for byte as firewalld 1.x's `zone_writer` writes them (element order,
//! attribute order, indentation, quoting); rich rules parsed, validated and printed in
//! firewalld's normalised form, and converted to and from zone XML. Still to do: validation of
//! the zone's own lists (services and ipsets that exist, ports, CIDRs, MACs — the helpers are in
//! `rich`), the D-Bus path, the plan, the module, docs, the Molecule scenarios (online and
//! offline) and the comparison with ansible.posix.firewalld.

pub mod rich;
pub mod xml;
