//! /etc/os-release: which RHEL major release the managed system is.

use crate::error::Result;
use crate::Ctx;

pub const OS_RELEASE: &str = "/etc/os-release";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OsRelease {
    pub id: String,
    pub id_like: Vec<String>,
    pub version_id: String,
    pub pretty_name: String,
}

impl OsRelease {
    pub fn parse(text: &str) -> OsRelease {
        let mut os = OsRelease::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
            match k.trim() {
                "ID" => os.id = v,
                "ID_LIKE" => os.id_like = v.split_whitespace().map(String::from).collect(),
                "VERSION_ID" => os.version_id = v,
                "PRETTY_NAME" => os.pretty_name = v,
                _ => {}
            }
        }
        os
    }

    pub fn read(ctx: &Ctx) -> Result<OsRelease> {
        Ok(ctx
            .read(OS_RELEASE)?
            .map(|t| OsRelease::parse(&t))
            .unwrap_or_default())
    }

    /// The RHEL major release for RHEL and its rebuilds (`ID_LIKE` containing `rhel`).
    pub fn rhel_major(&self) -> Option<u32> {
        let rhel_like = self.id == "rhel" || self.id_like.iter().any(|l| l == "rhel");
        if !rhel_like {
            return None;
        }
        self.version_id.split('.').next()?.parse().ok()
    }

    pub fn describe(&self) -> String {
        if self.pretty_name.is_empty() {
            format!("{} {}", self.id, self.version_id)
        } else {
            self.pretty_name.clone()
        }
    }
}

/// Why `/` is not the root of the booted system, or `None` when it is. A chroot (Ansible's
/// chroot connection, an image pipeline's chroot builder: `/proc/1/root` is another directory
/// than `/`), or a root without `/proc` (an offline root). There the running kernel, systemd,
/// D-Bus and daemons seen through `/proc`, `/sys` or a bind-mounted `/run` are the host's, never
/// this root's: modules change only its files and leave every runtime alone. When it cannot be
/// told (`/proc/1/root` unreadable: not root), that is an error, never taken for either answer.
pub fn not_booted_root(ctx: &Ctx) -> Result<Option<String>> {
    use std::os::unix::fs::MetadataExt;
    let init_root = ctx.path("/proc/1/root");
    let init = match std::fs::metadata(&init_root) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Some(
                "no /proc/1/root: an offline root, not a booted system".into(),
            ))
        }
        Err(e) => return Err(crate::Error::io("stat", &init_root, e)),
    };
    let root = ctx.path("/");
    let root_meta = std::fs::metadata(&root).map_err(|e| crate::Error::io("stat", &root, e))?;
    Ok(
        ((root_meta.dev(), root_meta.ino()) != (init.dev(), init.ino())).then(|| {
            "/ is not the booted system's root (/proc/1/root is another directory: a chroot)".into()
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhel_family() {
        let rhel9 = OsRelease::parse("NAME=\"Red Hat Enterprise Linux\"\nVERSION_ID=\"9.4\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\n");
        assert_eq!(rhel9.rhel_major(), Some(9));
        let alma8 = OsRelease::parse(
            "ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.10\"\n",
        );
        assert_eq!(alma8.rhel_major(), Some(8));
        let debian = OsRelease::parse("ID=debian\nVERSION_ID=\"12\"\n");
        assert_eq!(debian.rhel_major(), None);
        assert_eq!(OsRelease::parse("").rhel_major(), None);
    }
}
