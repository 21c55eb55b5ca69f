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

/// The real path of `abs` (absolute, on the managed system whose root is `root`): every
/// symbolic link of every component followed, `..` taken after each link as the kernel does,
/// never above `root`. Components that do not exist are kept as they are.
pub fn real_path(root: &Path, abs: &str) -> Result<String> {
    let mut todo: Vec<String> = abs
        .split('/')
        .filter(|c| !c.is_empty())
        .rev()
        .map(String::from)
        .collect();
    let mut done: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(c) = todo.pop() {
        match c.as_str() {
            "." => continue,
            ".." => {
                done.pop();
                continue;
            }
            _ => {}
        }
        let here = root.join(done.join("/")).join(&c);
        match fs::symlink_metadata(&here) {
            Ok(m) if m.file_type().is_symlink() => {
                links += 1;
                if links > 40 {
                    return Err(Error::io(
                        "resolve",
                        &here,
                        std::io::Error::other("too many levels of symbolic links"),
                    ));
                }
                let target = fs::read_link(&here).map_err(|e| Error::io("read link", &here, e))?;
                let t = target.to_string_lossy();
                if t.starts_with('/') {
                    done.clear();
                }
                todo.extend(
                    t.split('/')
                        .filter(|x| !x.is_empty())
                        .rev()
                        .map(String::from),
                );
            }
            Ok(_) => done.push(c),
            Err(e) if e.kind() == ErrorKind::NotFound => done.push(c),
            Err(e) => return Err(Error::io("stat", &here, e)),
        }
    }
    Ok(format!("/{}", done.join("/")))
}

/// Replace the file at `path` with `content` atomically:
/// temp file → same owner, mode and SELinux label as the file it replaces → fsync → rename over
/// → fsync of the directory. A crash leaves either the old or the new file.
pub fn write_atomic(path: &Path, content: &[u8], opts: WriteOptions) -> Result<Written> {
    write_atomic_as(path, content, opts, None, None, None)
}

/// [`write_atomic`], but the new file gets `mode` and/or group `gid` whatever the replaced file
/// had (as tools like fagenrules set them explicitly). Set on the temp file, before the rename.
///
/// The temp file is an unnamed `O_TMPFILE` in the target's directory where the file system
/// supports it: a run killed while writing leaves nothing behind. It gets a name only for the
/// instant between `linkat` and `rename` — in `staging` when given (a directory beside one whose
/// consumer loads every file, as fapolicyd does trust.d), else beside the target, and always one
/// no consumer's pattern matches (`.<name>.hardening-<pid>-<n>.tmp`). Temp files of earlier runs
/// that were killed are removed by [`sweep`].
pub fn write_atomic_as(
    path: &Path,
    content: &[u8],
    opts: WriteOptions,
    mode: Option<u32>,
    gid: Option<u32>,
    staging: Option<&Path>,
) -> Result<Written> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| Error::io("write", path, std::io::Error::other("not a file name")))?;
    check_name_len(path, name.as_bytes())?;
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
    // The named phase happens in `staging` only when it is on the target's file system.
    let stage = match staging {
        Some(s) => match (fs::metadata(s), fs::metadata(dir)) {
            (Ok(a), Ok(b)) if a.dev() == b.dev() => s,
            _ => dir,
        },
        None => dir,
    };

    let mut written = Written::default();
    if opts.backup && old.is_some() {
        written.backup_file = Some(backup(path)?);
    }

    let mut tmp = create_temp(dir, stage, name.as_bytes())?;
    let result = (|| {
        let shown = tmp.shown().to_path_buf();
        tmp.file
            .write_all(content)
            .map_err(|e| Error::io("write", &shown, e))?;
        match &old {
            Some(m) => {
                std::os::unix::fs::fchown(&tmp.file, Some(m.uid()), Some(m.gid()))
                    .map_err(|e| Error::io("chown", &shown, e))?;
                tmp.file
                    .set_permissions(Permissions::from_mode(m.mode() & 0o7777))
                    .map_err(|e| Error::io("chmod", &shown, e))?;
            }
            None => tmp
                .file
                .set_permissions(Permissions::from_mode(opts.new_mode))
                .map_err(|e| Error::io("chmod", &shown, e))?,
        }
        if let Some(m) = mode {
            tmp.file
                .set_permissions(Permissions::from_mode(m))
                .map_err(|e| Error::io("chmod", &shown, e))?;
        }
        if gid.is_some() {
            std::os::unix::fs::fchown(&tmp.file, None, gid)
                .map_err(|e| Error::io("chgrp", &shown, e))?;
        }
        if let Some(label) = &label {
            set_label(&tmp.file, &shown, label)?;
        }
        tmp.file
            .sync_all()
            .map_err(|e| Error::io("fsync", &shown, e))?;
        let named = tmp.link(stage, name.as_bytes())?;
        fs::rename(&named, path).map_err(|e| Error::io("rename", path, e))?;
        tmp.named = None;
        // From here on the file holds the new content, whatever fails next.
        crate::note_changed();
        sync_dir(dir)?;
        if stage != dir {
            sync_dir(stage)?;
        }
        Ok(())
    })();
    if let Some(named) = &tmp.named {
        let _ = fs::remove_file(named);
    }
    result.map(|()| written)
}

/// Longest file name (NAME_MAX).
pub const NAME_MAX: usize = 255;

fn check_name_len(path: &Path, name: &[u8]) -> Result<()> {
    if name.len() > NAME_MAX {
        return Err(Error::io(
            "write",
            path,
            std::io::Error::other(format!(
                "the file name is {} bytes long; file systems allow {NAME_MAX}",
                name.len()
            )),
        ));
    }
    Ok(())
}

/// Validate a file name built from a task parameter (`param`): one path component, not `.` or
/// `..`, no `/`, at most [`NAME_MAX`] bytes once `suffix` is added — so that check mode predicts
/// what the real run can create.
pub fn check_file_name(param: &str, name: &str, suffix: &str) -> Result<()> {
    let full = format!("{name}{suffix}");
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(Error::invalid(format!(
            "{param} must be a file name (no '/', not '.' or '..'), got '{}'",
            crate::args::clip(name)
        )));
    }
    if full.len() > NAME_MAX {
        return Err(Error::invalid(format!(
            "{param} makes a file name of {} bytes ('{}'); file systems allow {NAME_MAX}",
            full.len(),
            crate::args::clip(&full)
        )));
    }
    Ok(())
}

/// Remove a file (no error when it is already gone), optionally keeping a backup copy first.
pub fn remove(path: &Path, backup_first: bool) -> Result<Written> {
    let mut written = Written::default();
    if backup_first && path.is_file() {
        written.backup_file = Some(backup(path)?);
    }
    match fs::remove_file(path) {
        Ok(()) => {
            crate::note_changed();
            sync_dir(path.parent().unwrap_or(Path::new("/")))?;
            Ok(written)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(written),
        Err(e) => Err(Error::io("remove", path, e)),
    }
}

/// Create a directory chain with `mode` for the directories it creates.
/// Creating one is a change of the system, whatever fails next.
pub fn create_dirs(path: &Path, mode: u32) -> Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    // the first missing ancestor: once it exists, something was created
    let mut first = path;
    while let Some(p) = first.parent() {
        if p.as_os_str().is_empty() || p.exists() {
            break;
        }
        first = p;
    }
    let r = fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
        .map_err(|e| Error::io("create directory", path, e));
    if first.is_dir() {
        crate::note_changed();
    }
    r
}

/// A temp file being written: unnamed (`O_TMPFILE`) or, where the file system has no
/// `O_TMPFILE`, named from the start.
struct Temp {
    file: File,
    dir: PathBuf,
    /// Its name while it has one.
    named: Option<PathBuf>,
}

impl Temp {
    /// A path to name in messages.
    fn shown(&self) -> &Path {
        self.named.as_deref().unwrap_or(&self.dir)
    }

    /// Give the file a name in `stage` (nothing to do when it has one already).
    fn link(&mut self, stage: &Path, name: &[u8]) -> Result<PathBuf> {
        if let Some(p) = &self.named {
            return Ok(p.clone());
        }
        for attempt in 0..100u32 {
            let p = stage.join(temp_name(name, attempt));
            let to = CString::new(p.as_os_str().as_bytes())
                .map_err(|_| Error::io("link", &p, ErrorKind::InvalidInput.into()))?;
            // SAFETY: valid fd and NUL-terminated paths.
            let mut rc = unsafe {
                libc::linkat(
                    self.file.as_raw_fd(),
                    c"".as_ptr(),
                    libc::AT_FDCWD,
                    to.as_ptr(),
                    libc::AT_EMPTY_PATH,
                )
            };
            let mut err = std::io::Error::last_os_error();
            if rc != 0 && matches!(err.raw_os_error(), Some(libc::ENOENT) | Some(libc::EPERM)) {
                // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd does not.
                let from = CString::new(format!("/proc/self/fd/{}", self.file.as_raw_fd()))
                    .expect("no NUL");
                // SAFETY: NUL-terminated paths.
                rc = unsafe {
                    libc::linkat(
                        libc::AT_FDCWD,
                        from.as_ptr(),
                        libc::AT_FDCWD,
                        to.as_ptr(),
                        libc::AT_SYMLINK_FOLLOW,
                    )
                };
                err = std::io::Error::last_os_error();
            }
            if rc == 0 {
                self.named = Some(p.clone());
                return Ok(p);
            }
            if err.raw_os_error() != Some(libc::EEXIST) {
                return Err(Error::io("link temporary file into", stage, err));
            }
        }
        Err(Error::io(
            "link temporary file into",
            stage,
            std::io::Error::other("no free temporary name"),
        ))
    }
}

/// The marker every temp file name of the kit carries; [`sweep`] recognises them by it.
const TEMP_MARK: &str = ".hardening-";

fn temp_name(name: &[u8], attempt: u32) -> std::ffi::OsString {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut n = b".".to_vec();
    // keep the temp name within NAME_MAX whatever the target's length
    n.extend_from_slice(&name[..name.len().min(200)]);
    n.extend_from_slice(
        format!("{TEMP_MARK}{}-{nanos:x}{attempt}.tmp", std::process::id()).as_bytes(),
    );
    std::ffi::OsStr::from_bytes(&n).to_owned()
}

fn create_temp(dir: &Path, stage: &Path, name: &[u8]) -> Result<Temp> {
    match OpenOptions::new()
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE | libc::O_CLOEXEC)
        .open(dir)
    {
        Ok(file) => {
            return Ok(Temp {
                file,
                dir: dir.to_path_buf(),
                named: None,
            })
        }
        // No O_TMPFILE on this file system (or kernel): a named temp file instead.
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EOPNOTSUPP) | Some(libc::EISDIR) | Some(libc::EINVAL)
            ) => {}
        Err(e) => return Err(Error::io("create temporary file in", dir, e)),
    }
    for attempt in 0..100u32 {
        let tmp_path = stage.join(temp_name(name, attempt));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&tmp_path)
        {
            Ok(file) => {
                return Ok(Temp {
                    file,
                    dir: dir.to_path_buf(),
                    named: Some(tmp_path),
                })
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("create temporary file in", stage, e)),
        }
    }
    Err(Error::io(
        "create temporary file in",
        stage,
        std::io::Error::other("no free temporary name"),
    ))
}

/// Temp files of this kit in `dir` left by runs that were killed (their process is gone).
pub fn stale_temps(dir: &Path) -> Result<Vec<PathBuf>> {
    let Some(names) = list_dir(dir)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for n in names {
        let b = n.as_bytes();
        let Some(s) = std::str::from_utf8(b).ok() else {
            continue;
        };
        if !s.starts_with('.') || !s.ends_with(".tmp") {
            continue;
        }
        let Some(at) = s.rfind(TEMP_MARK) else {
            continue;
        };
        let Some(pid) = s[at + TEMP_MARK.len()..]
            .split('-')
            .next()
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only checks whether the process exists.
        let alive = pid > 0
            && (unsafe { libc::kill(pid, 0) } == 0
                || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM));
        if !alive {
            let p = dir.join(&n);
            if fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The names in a directory; `None` when the directory does not exist. Any other failure —
/// the directory unreadable, an entry that cannot be read — is an error: a listing that is
/// silently short would be taken for the truth.
pub fn list_dir(dir: &Path) -> Result<Option<Vec<std::ffi::OsString>>> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    let mut out = Vec::new();
    for e in rd {
        let e = e.map_err(|e| Error::io("list", dir, e))?;
        out.push(e.file_name());
    }
    out.sort();
    Ok(Some(out))
}

/// [`list_dir`] as text: a name that is not UTF-8 is an error naming it (a consumer would load
/// it, and no module can judge it).
pub fn list_names(dir: &Path) -> Result<Option<Vec<String>>> {
    let Some(names) = list_dir(dir)? else {
        return Ok(None);
    };
    names
        .into_iter()
        .map(|n| {
            n.into_string().map_err(|n| {
                Error::io(
                    "list",
                    &dir.join(&n),
                    std::io::Error::new(ErrorKind::InvalidData, "the file name is not UTF-8"),
                )
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Read a file's bytes; `None` when it does not exist, an error for any other failure.
pub fn read_bytes_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path, e)),
    }
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
    fn stale_temps_of_dead_runs_are_found_live_ones_kept() {
        let d = tempfile::tempdir().unwrap();
        // a pid that cannot exist (above pid_max) and ours (alive)
        let dead = d.path().join(".config.hardening-2147483000-1a0.tmp");
        let live = d
            .path()
            .join(format!(".config.hardening-{}-1a0.tmp", std::process::id()));
        let other = d.path().join(".config.swp");
        for p in [&dead, &live, &other] {
            fs::write(p, "").unwrap();
        }
        assert_eq!(stale_temps(d.path()).unwrap(), vec![dead]);
        assert!(stale_temps(&d.path().join("absent")).unwrap().is_empty());
    }

    #[test]
    fn listing_errors_are_errors_not_empty() {
        let d = tempfile::tempdir().unwrap();
        assert!(list_dir(&d.path().join("absent")).unwrap().is_none());
        let f = d.path().join("file");
        fs::write(&f, "").unwrap();
        // ENOTDIR: not "no entries"
        assert!(list_dir(&f).is_err());
        fs::write(d.path().join("b"), "").unwrap();
        assert_eq!(
            list_names(d.path()).unwrap().unwrap(),
            vec!["b".to_string(), "file".to_string()]
        );
        fs::write(
            d.path().join(std::ffi::OsStr::from_bytes(b"\xff.rules")),
            "",
        )
        .unwrap();
        assert!(list_names(d.path()).is_err());
    }

    #[test]
    fn file_names_are_checked_before_check_mode_predicts() {
        assert!(check_file_name("name", &"a".repeat(249), ".rules").is_ok());
        let e = check_file_name("name", &"a".repeat(250), ".rules").unwrap_err();
        assert!(e.to_string().contains("256 bytes"), "{e}");
        for bad in ["", ".", "..", "a/b"] {
            assert!(check_file_name("name", bad, "").is_err());
        }
        let d = tempfile::tempdir().unwrap();
        let long = d.path().join("x".repeat(300));
        assert!(write_atomic(&long, b"x", WriteOptions::default()).is_err());
    }

    #[test]
    fn staging_keeps_the_named_phase_out_of_the_target_directory() {
        let d = tempfile::tempdir().unwrap();
        let trust = d.path().join("trust.d");
        fs::create_dir(&trust).unwrap();
        write_atomic_as(
            &trust.join("app"),
            b"x",
            WriteOptions::default(),
            None,
            None,
            Some(d.path()),
        )
        .unwrap();
        let names = |p: &Path| -> Vec<_> {
            fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect()
        };
        assert_eq!(names(&trust), vec![std::ffi::OsString::from("app")]);
        assert_eq!(names(d.path()), vec![std::ffi::OsString::from("trust.d")]);
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
        let r = real_path(root.path(), "/etc/sysconfig-selinux").unwrap();
        assert_eq!(r, "/etc/selinux/config");
        // a relative link never climbs above the root either
        symlink(
            "../../../../../etc/selinux/config",
            root.path().join("etc/up"),
        )
        .unwrap();
        assert_eq!(
            real_path(root.path(), "/etc/up").unwrap(),
            "/etc/selinux/config"
        );
    }

    #[test]
    fn real_path_follows_every_link_inside_root() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        fs::create_dir_all(r.join("usr/bin")).unwrap();
        fs::write(r.join("usr/bin/prog"), "x").unwrap();
        symlink("usr/bin", r.join("bin")).unwrap();
        symlink("/usr", r.join("u")).unwrap();
        symlink("../../../../../etc", r.join("usr/esc")).unwrap();
        assert_eq!(real_path(r, "/bin/prog").unwrap(), "/usr/bin/prog");
        assert_eq!(real_path(r, "/u/bin/prog").unwrap(), "/usr/bin/prog");
        assert_eq!(real_path(r, "/usr/bin/prog").unwrap(), "/usr/bin/prog");
        assert_eq!(real_path(r, "/usr/esc/passwd").unwrap(), "/etc/passwd");
        assert_eq!(real_path(r, "/nope/x").unwrap(), "/nope/x");
    }

    #[test]
    fn read_optional_absent_is_none() {
        let d = tempfile::tempdir().unwrap();
        assert!(read_optional(&d.path().join("nope")).unwrap().is_none());
    }
}

/// `bytes` as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
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
