//! File access for modules: reads that tolerate absence, and atomic replacement that keeps
//! the replaced file's owner, mode and `security.selinux` label.
//!
//! All paths given here are already mapped into the context's root (see `Ctx::path`); callers
//! never join paths themselves.

use crate::error::{Error, Result};
use std::ffi::CString;
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{ErrorKind, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

const SELINUX_XATTR: &str = "security.selinux";

/// Read a text file; `None` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            Error::io(
                "read",
                path,
                std::io::Error::new(ErrorKind::InvalidData, "not UTF-8 text"),
            )
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

/// Options for [`write_atomic`].
#[derive(Clone, Copy, Debug)]
pub struct WriteOptions {
    /// Mode of a newly created file (an existing file keeps its own).
    pub new_mode: u32,
    /// Copy the existing file to `<path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~` first, as Ansible does.
    pub backup: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            new_mode: 0o644,
            backup: false,
        }
    }
}

/// What [`write_atomic`] did.
#[derive(Debug, Default)]
pub struct Written {
    pub backup_file: Option<PathBuf>,
}

/// Follow symbolic links at `path` (as Ansible's atomic_move does) without leaving `root`:
/// absolute link targets are taken relative to `root`.
pub fn resolve_links(root: &Path, path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&p).map_err(|e| Error::io("read link", &p, e))?;
                p = if target.is_absolute() {
                    root.join(target.strip_prefix("/").unwrap_or(&target))
                } else {
                    p.parent().unwrap_or(Path::new("/")).join(target)
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::io(
        "resolve",
        path,
        std::io::Error::other("too many levels of symbolic links"),
    ))
}

/// Replace the file at `path` with `content` atomically:
/// temp file in the same directory → same owner, mode and SELinux label as the file it replaces
/// → fsync → rename over → fsync of the directory. A crash leaves either the old or the new file.
pub fn write_atomic(path: &Path, content: &[u8], opts: WriteOptions) -> Result<Written> {
    write_atomic_as(path, content, opts, None, None)
}

/// [`write_atomic`], but the new file gets `mode` and/or group `gid` whatever the replaced file
/// had (as tools like fagenrules set them explicitly). Set on the temp file, before the rename.
pub fn write_atomic_as(
    path: &Path,
    content: &[u8],
    opts: WriteOptions,
    mode: Option<u32>,
    gid: Option<u32>,
) -> Result<Written> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| Error::io("write", path, std::io::Error::other("not a file name")))?;
    let old = match fs::metadata(path) {
        Ok(m) if m.is_file() => Some(m),
        Ok(_) => {
            return Err(Error::io(
                "write",
                path,
                std::io::Error::other("exists and is not a regular file"),
            ))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("stat", path, e)),
    };
    let label = if old.is_some() {
        get_label(path)?
    } else {
        None
    };

    let mut written = Written::default();
    if opts.backup && old.is_some() {
        written.backup_file = Some(backup(path)?);
    }

    let (tmp_path, mut tmp) = create_temp(dir, name.as_bytes())?;
    let result = (|| {
        tmp.write_all(content)
            .map_err(|e| Error::io("write", &tmp_path, e))?;
        match &old {
            Some(m) => {
                std::os::unix::fs::fchown(&tmp, Some(m.uid()), Some(m.gid()))
                    .map_err(|e| Error::io("chown", &tmp_path, e))?;
                tmp.set_permissions(Permissions::from_mode(m.mode() & 0o7777))
                    .map_err(|e| Error::io("chmod", &tmp_path, e))?;
            }
            None => tmp
                .set_permissions(Permissions::from_mode(opts.new_mode))
                .map_err(|e| Error::io("chmod", &tmp_path, e))?,
        }
        if let Some(m) = mode {
            tmp.set_permissions(Permissions::from_mode(m))
                .map_err(|e| Error::io("chmod", &tmp_path, e))?;
        }
        if gid.is_some() {
            std::os::unix::fs::fchown(&tmp, None, gid)
                .map_err(|e| Error::io("chgrp", &tmp_path, e))?;
        }
        if let Some(label) = &label {
            set_label(&tmp, &tmp_path, label)?;
        }
        tmp.sync_all()
            .map_err(|e| Error::io("fsync", &tmp_path, e))?;
        fs::rename(&tmp_path, path).map_err(|e| Error::io("rename", path, e))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result.map(|()| written)
}

/// Remove a file (no error when it is already gone), optionally keeping a backup copy first.
pub fn remove(path: &Path, backup_first: bool) -> Result<Written> {
    let mut written = Written::default();
    if backup_first && path.is_file() {
        written.backup_file = Some(backup(path)?);
    }
    match fs::remove_file(path) {
        Ok(()) => {
            sync_dir(path.parent().unwrap_or(Path::new("/")))?;
            Ok(written)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(written),
        Err(e) => Err(Error::io("remove", path, e)),
    }
}

/// Create a directory chain with `mode` for the directories it creates.
pub fn create_dirs(path: &Path, mode: u32) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
        .map_err(|e| Error::io("create directory", path, e))
}

fn create_temp(dir: &Path, name: &[u8]) -> Result<(PathBuf, File)> {
    let pid = std::process::id();
    for attempt in 0..100u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mut tmp_name = b".".to_vec();
        tmp_name.extend_from_slice(name);
        tmp_name.extend_from_slice(format!(".hardening-{pid}-{nanos:x}{attempt}.tmp").as_bytes());
        let tmp_path = dir.join(std::ffi::OsStr::from_bytes(&tmp_name));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&tmp_path)
        {
            Ok(f) => return Ok((tmp_path, f)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("create temporary file in", dir, e)),
        }
    }
    Err(Error::io(
        "create temporary file in",
        dir,
        std::io::Error::other("no free temporary name"),
    ))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("fsync directory", dir, e))
}

/// Copy `path` to `<path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~` (Ansible's backup name), keeping
/// owner, mode, times and SELinux label. Returns the backup's path.
pub fn backup(path: &Path) -> Result<PathBuf> {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.{}~", std::process::id(), local_timestamp()));
    let dest = PathBuf::from(name);
    let meta = fs::metadata(path).map_err(|e| Error::io("stat", path, e))?;
    let label = get_label(path)?;
    fs::copy(path, &dest).map_err(|e| Error::io("back up", path, e))?;
    let f = File::options()
        .write(true)
        .open(&dest)
        .map_err(|e| Error::io("open", &dest, e))?;
    std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid()))
        .map_err(|e| Error::io("chown", &dest, e))?;
    f.set_permissions(Permissions::from_mode(meta.mode() & 0o7777))
        .map_err(|e| Error::io("chmod", &dest, e))?;
    if let Some(label) = label {
        set_label(&f, &dest, &label)?;
    }
    let times = fs::FileTimes::new()
        .set_accessed(meta.accessed().map_err(|e| Error::io("stat", path, e))?)
        .set_modified(meta.modified().map_err(|e| Error::io("stat", path, e))?);
    f.set_times(times)
        .map_err(|e| Error::io("set times", &dest, e))?;
    f.sync_all().map_err(|e| Error::io("fsync", &dest, e))?;
    Ok(dest)
}

/// Local time as `YYYY-MM-DD@HH:MM:SS` (the format of Ansible's backup file names).
fn local_timestamp() -> String {
    // SAFETY: time(NULL) and localtime_r with valid pointers; tm is plain data.
    unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return format!("{t}");
        }
        format!(
            "{:04}-{:02}-{:02}@{:02}:{:02}:{:02}",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday,
            tm.tm_hour,
            tm.tm_min,
            tm.tm_sec
        )
    }
}

/// The file's `security.selinux` label, `None` when it has none or the file system keeps none.
pub fn get_label(path: &Path) -> Result<Option<Vec<u8>>> {
    let cpath = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::io("read label of", path, ErrorKind::InvalidInput.into()))?;
    let cname = CString::new(SELINUX_XATTR).expect("static name");
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: valid NUL-terminated strings and a buffer of the given length.
        let n = unsafe {
            libc::getxattr(
                cpath.as_ptr(),
                cname.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if n >= 0 {
            buf.truncate(n as usize);
            return Ok(Some(buf));
        }
        let err = std::io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::ERANGE) if buf.len() < 65536 => buf.resize(buf.len() * 4, 0),
            Some(libc::ENODATA) | Some(libc::ENOTSUP) => return Ok(None),
            _ => return Err(Error::io("read SELinux label of", path, err)),
        }
    }
}

/// Give an existing file a `security.selinux` label (nothing when the file system keeps none).
/// With SELinux disabled in the kernel the label is stored as it is, which is how a file made
/// then can carry the label the policy gives it once SELinux is back.
pub fn label_file(path: &Path, label: &[u8]) -> Result<()> {
    let f = File::open(path).map_err(|e| Error::io("open", path, e))?;
    set_label(&f, path, label)
}

fn set_label(f: &File, path: &Path, label: &[u8]) -> Result<()> {
    let cname = CString::new(SELINUX_XATTR).expect("static name");
    // SAFETY: valid fd, NUL-terminated name, buffer of the given length.
    let rc = unsafe {
        libc::fsetxattr(
            f.as_raw_fd(),
            cname.as_ptr(),
            label.as_ptr().cast(),
            label.len(),
            0,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        // The file system keeps no labels: there is nothing to lose.
        Some(libc::ENOTSUP) => Ok(()),
        _ => Err(Error::io("set SELinux label of", path, err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn label_supported(dir: &Path) -> bool {
        let p = dir.join("probe");
        fs::write(&p, "x").unwrap();
        let f = File::open(&p).unwrap();
        let ok = set_label(&f, &p, b"system_u:object_r:etc_t:s0").is_ok()
            && get_label(&p).unwrap().is_some();
        fs::remove_file(&p).unwrap();
        ok
    }

    #[test]
    fn replaces_content_keeping_mode_owner_and_label() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(&p, "old\n").unwrap();
        fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
        let labelled = label_supported(d.path());
        if labelled {
            set_label(
                &File::open(&p).unwrap(),
                &p,
                b"system_u:object_r:selinux_config_t:s0",
            )
            .unwrap();
        }
        let w = write_atomic(&p, b"new\n", WriteOptions::default()).unwrap();
        assert!(w.backup_file.is_none());
        assert_eq!(fs::read_to_string(&p).unwrap(), "new\n");
        assert_eq!(fs::metadata(&p).unwrap().mode() & 0o7777, 0o640);
        if labelled {
            assert_eq!(
                get_label(&p).unwrap().unwrap(),
                b"system_u:object_r:selinux_config_t:s0"
            );
        }
        // no temp files left behind
        let names: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("config")]);
    }

    #[test]
    fn new_file_gets_new_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fresh");
        write_atomic(
            &p,
            b"x",
            WriteOptions {
                new_mode: 0o600,
                backup: true,
            },
        )
        .unwrap();
        assert_eq!(fs::metadata(&p).unwrap().mode() & 0o7777, 0o600);
    }

    #[test]
    fn backup_named_like_ansible_and_identical() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(&p, "before\n").unwrap();
        fs::set_permissions(&p, Permissions::from_mode(0o600)).unwrap();
        let w = write_atomic(
            &p,
            b"after\n",
            WriteOptions {
                backup: true,
                ..Default::default()
            },
        )
        .unwrap();
        let b = w.backup_file.unwrap();
        let name = b.file_name().unwrap().to_str().unwrap().to_string();
        let pid = std::process::id().to_string();
        assert!(name.starts_with(&format!("config.{pid}.")), "{name}");
        assert!(name.ends_with('~') && name.contains('@'), "{name}");
        assert_eq!(fs::read_to_string(&b).unwrap(), "before\n");
        assert_eq!(fs::metadata(&b).unwrap().mode() & 0o7777, 0o600);
        assert_eq!(fs::read_to_string(&p).unwrap(), "after\n");
    }

    #[test]
    fn refuses_to_replace_a_directory() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("dir");
        fs::create_dir(&p).unwrap();
        assert!(write_atomic(&p, b"x", WriteOptions::default()).is_err());
        assert!(p.is_dir());
    }

    #[test]
    fn symlinks_resolve_inside_root() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("etc/selinux")).unwrap();
        fs::write(root.path().join("etc/selinux/config"), "x").unwrap();
        // an absolute link target is taken inside the root, never on the host
        symlink(
            "/etc/selinux/config",
            root.path().join("etc/sysconfig-selinux"),
        )
        .unwrap();
        let r = resolve_links(root.path(), &root.path().join("etc/sysconfig-selinux")).unwrap();
        assert_eq!(r, root.path().join("etc/selinux/config"));
    }

    #[test]
    fn read_optional_absent_is_none() {
        let d = tempfile::tempdir().unwrap();
        assert!(read_optional(&d.path().join("nope")).unwrap().is_none());
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `data` as lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}

/// Size and SHA-256 (lower-case hex) of a file, read in blocks.
pub fn sha256_file(path: &Path) -> Result<(u64, String)> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io("read", path, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((size, hex(&h.finalize())))
}

#[cfg(test)]
mod hash_tests {
    #[test]
    fn sha256_known_vector() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
