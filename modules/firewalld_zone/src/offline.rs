//! The offline path (daemon not running: image builds, containers without systemd, chroots):
//! what exists on the system, a zone as firewalld would load it, and the zone written as
//! firewalld writes it — /etc/firewalld/zones/<zone>.xml, the previous file kept as
//! `<zone>.xml.old`, a new zones directory created 0750.

use crate::settings::Known;
use crate::xml::Zone;
use kit::{Ctx, Error, Result};

pub const LIB: &str = "/usr/lib/firewalld";
pub const ETC: &str = "/etc/firewalld";
pub const CONF: &str = "/etc/firewalld/firewalld.conf";

/// The `*.xml` definitions of a directory; one that cannot be listed is an error (a service
/// taken for unknown, or a zone for absent, would be a wrong answer).
fn xml_names(ctx: &Ctx, dir: &str) -> Result<Vec<String>> {
    Ok(ctx
        .list(dir)?
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| n.strip_suffix(".xml").map(String::from))
        .collect())
}

/// Services, ipsets and ICMP types of /usr/lib/firewalld and /etc/firewalld, and the protocol
/// names (and aliases) of /etc/protocols.
pub fn read_known(ctx: &Ctx) -> Result<Known> {
    let both = |kind: &str| -> Result<Vec<String>> {
        let mut v = xml_names(ctx, &format!("{LIB}/{kind}"))?;
        v.extend(xml_names(ctx, &format!("{ETC}/{kind}"))?);
        v.sort();
        v.dedup();
        Ok(v)
    };
    let protocols = ctx
        .read("/etc/protocols")?
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // name number [aliases…]
            match f.as_slice() {
                [name, _num, aliases @ ..] => std::iter::once(*name)
                    .chain(aliases.iter().copied())
                    .map(String::from)
                    .collect(),
                _ => Vec::new(),
            }
        })
        .collect();
    Ok(Known {
        services: both("services")?,
        ipsets: both("ipsets")?,
        icmptypes: both("icmptypes")?,
        protocols,
    })
}

/// firewalld.conf (`None` when absent) and the DefaultZone it names (firewalld's fallback: public).
pub fn read_conf(ctx: &Ctx) -> Result<(Option<String>, String)> {
    let conf = ctx.read(CONF)?;
    let default = conf
        .as_deref()
        .map(crate::settings::default_zone)
        .unwrap_or_else(|| "public".into());
    Ok((conf, default))
}

/// Replace firewalld.conf (a new one is 0644, as firewalld's package installs it).
pub fn write_conf(ctx: &Ctx, text: &str) -> Result<()> {
    ctx.write(
        CONF,
        text.as_bytes(),
        kit::fs::WriteOptions {
            new_mode: 0o644,
            backup: false,
        },
    )
    .map(|_| ())
}

/// Where a zone comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// /etc/firewalld/zones/<z>.xml (an override or a zone of the administrator's).
    Etc,
    /// Only the built-in in /usr/lib/firewalld/zones.
    Builtin,
    /// Neither: a new zone.
    New,
}

/// A zone name firewalld accepts (≤ 17 characters, no path).
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 17
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '.'))
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "name must be a zone name of 1-17 letters, digits, '_', '-', '+', '.', got '{}'",
            kit::args::clip(name)
        )))
    }
}

/// The zone as firewalld would load it: the /etc file, else the built-in, else an empty zone.
pub fn read_zone(ctx: &Ctx, name: &str) -> Result<(Origin, Zone, Option<String>)> {
    let parse = |path: &str, text: &str| {
        Zone::parse(text).map_err(|e| Error::refused(format!("{path}: {e}")))
    };
    let etc = format!("{ETC}/zones/{name}.xml");
    if let Some(text) = ctx.read(&etc)? {
        return Ok((Origin::Etc, parse(&etc, &text)?, Some(text)));
    }
    let lib = format!("{LIB}/zones/{name}.xml");
    if let Some(text) = ctx.read(&lib)? {
        return Ok((Origin::Builtin, parse(&lib, &text)?, None));
    }
    Ok((
        Origin::New,
        Zone {
            target: "default".into(),
            ..Zone::default()
        },
        None,
    ))
}

/// Write the zone to /etc/firewalld/zones as firewalld does; `previous` is the current /etc file.
pub fn write_zone(ctx: &Ctx, name: &str, zone: &Zone, previous: Option<&str>) -> Result<()> {
    let dir = format!("{ETC}/zones");
    if !ctx.path(&dir).is_dir() {
        kit::fs::create_dirs(&ctx.path(ETC), 0o750)?;
        kit::fs::create_dirs(&ctx.path(&dir), 0o750)?;
    }
    let path = format!("{dir}/{name}.xml");
    if let Some(prev) = previous {
        ctx.write(
            &format!("{path}.old"),
            prev.as_bytes(),
            kit::fs::WriteOptions::default(),
        )?;
    }
    ctx.write(
        &path,
        zone.to_xml().as_bytes(),
        kit::fs::WriteOptions::default(),
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn sandbox() -> (tempfile::TempDir, Ctx) {
        let d = tempfile::tempdir().unwrap();
        let fixtures = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/firewalld/zones"
        );
        std::fs::create_dir_all(d.path().join("usr/lib/firewalld/zones")).unwrap();
        for e in std::fs::read_dir(fixtures).unwrap().flatten() {
            std::fs::copy(
                e.path(),
                d.path().join("usr/lib/firewalld/zones").join(e.file_name()),
            )
            .unwrap();
        }
        for (dir, names) in [
            ("usr/lib/firewalld/services", &["ssh", "http"][..]),
            ("etc/firewalld/services", &["myapp"][..]),
            ("usr/lib/firewalld/icmptypes", &["echo-request"][..]),
        ] {
            std::fs::create_dir_all(d.path().join(dir)).unwrap();
            for n in names {
                std::fs::write(d.path().join(dir).join(format!("{n}.xml")), "<service/>").unwrap();
            }
        }
        std::fs::write(
            d.path().join("etc/protocols"),
            "# comment\nip\t0\tIP\nesp\t50\tIPSEC-ESP\t# Encap Security Payload\n",
        )
        .unwrap();
        let ctx = Ctx::sandbox(d.path(), false, false);
        (d, ctx)
    }

    #[test]
    fn known_from_both_trees_and_protocols() {
        let (_d, ctx) = sandbox();
        let k = read_known(&ctx).unwrap();
        assert_eq!(k.services, vec!["http", "myapp", "ssh"]);
        assert_eq!(k.icmptypes, vec!["echo-request"]);
        assert_eq!(k.protocols, vec!["ip", "IP", "esp", "IPSEC-ESP"]);
    }

    #[test]
    fn zone_origin_write_and_old_copy() {
        let (d, ctx) = sandbox();
        let (origin, public, prev) = read_zone(&ctx, "public").unwrap();
        assert_eq!(origin, Origin::Builtin);
        assert!(prev.is_none());
        let mut z = public.clone();
        z.services.push("http".into());
        write_zone(&ctx, "public", &z, None).unwrap();
        let zones = d.path().join("etc/firewalld/zones");
        assert_eq!(
            std::fs::metadata(&zones).unwrap().permissions().mode() & 0o777,
            0o750
        );
        assert!(!zones.join("public.xml.old").exists());
        let (origin, again, prev) = read_zone(&ctx, "public").unwrap();
        assert_eq!((origin, &again), (Origin::Etc, &z));
        let mut z2 = again.clone();
        z2.masquerade = true;
        write_zone(&ctx, "public", &z2, prev.as_deref()).unwrap();
        assert_eq!(
            std::fs::read_to_string(zones.join("public.xml.old")).unwrap(),
            z.to_xml()
        );
        assert_eq!(read_zone(&ctx, "corp").unwrap().0, Origin::New);
    }

    #[test]
    fn zone_names() {
        assert!(check_name("public").is_ok() && check_name("a-b_c+d.e").is_ok());
        for bad in ["", "../x", "a/b", "eighteen-chars-xxx", ".hidden"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
