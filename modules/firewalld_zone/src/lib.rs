//! `hardening.rhel.firewalld_zone` — IN PROGRESS (issue 4). This crate has no `main.rs` yet, so
//! `scripts/build.sh` does not ship it. What is here: the zone XML model, read from firewalld's
//! files and written byte for byte as firewalld 1.x's `zone_writer` writes them (element order,
//! attribute order, indentation, quoting). Still to do: rich-rule string parsing and
//! normalisation, validation (services, ipsets, ports, CIDRs, MACs), the D-Bus path, the plan,
//! the module, docs and the Molecule scenarios.

pub mod xml;
