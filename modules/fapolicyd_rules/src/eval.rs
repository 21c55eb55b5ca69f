//! The lockout guard of fapolicyd_rules and fapolicyd_config: with the rules as compiled and the
//! daemon enforcing, may the connecting user still execute what keeps the host reachable — the
//! module's own binary in Ansible's remote tmp (this process's `/proc/self/exe`), their login
//! shell, sshd, sudo and systemctl?
//!
//! The evaluator decides as fapolicyd does: the first rule whose permission, subject and object
//! all match decides (`allow*` allows, `deny*` denies); no matching rule allows. Attributes the
//! module can know: `uid`, `auid`, `gid` (primary group), `exe`, `comm`, `dir` and `trust` of the
//! subject (the program that executes), `path`, `dir`, `trust`, `sha256hash` and `ftype` (ELF
//! executables only) of the object; `pattern` matches nothing here (a plain exec of a dynamic
//! executable). Trust is the daemon's database (`fapolicyd-cli --dump-db`, every back end),
//! else the trust files only. What cannot be known (pid, device, ftype of a script, the dir
//! keywords, trust of a file not in the files when the database cannot be read) makes an
//! allowing rule not match and a denying rule "may deny" — the guard then refuses, saying so.

use std::collections::BTreeMap;

/// A rule of compiled.rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub line: usize,
    pub text: String,
    pub allow: bool,
    pub perm: String,
    pub subject: Vec<(String, Vec<String>)>,
    pub object: Vec<(String, Vec<String>)>,
}

/// Parse compiled.rules text: its rules, with `%set` references expanded.
pub fn parse(text: &str) -> Vec<Rule> {
    let mut sets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rules = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(def) = l.strip_prefix('%') {
            if let Some((n, v)) = def.split_once('=') {
                sets.insert(
                    n.trim().to_string(),
                    v.split(',').map(|s| s.trim().to_string()).collect(),
                );
            }
            continue;
        }
        let toks: Vec<&str> = l.split_whitespace().collect();
        let Some(decision) = toks.first() else {
            continue;
        };
        let (subj, obj): (Vec<String>, Vec<String>) = match toks.iter().position(|t| *t == ":") {
            Some(p) => (
                toks[1..p].iter().map(|t| t.to_string()).collect(),
                toks[p + 1..].iter().map(|t| t.to_string()).collect(),
            ),
            None => {
                // `subject:object` without blanks around the colon
                let rest = toks[1..].join(" ");
                match rest.split_once(':') {
                    Some((a, b)) => (
                        a.split_whitespace().map(String::from).collect(),
                        b.split_whitespace().map(String::from).collect(),
                    ),
                    None => continue,
                }
            }
        };
        let fields = |ts: &[String]| -> Vec<(String, Vec<String>)> {
            ts.iter()
                .filter(|t| *t != "all")
                .filter_map(|t| t.split_once('='))
                .map(|(k, v)| {
                    let vals = v
                        .split(',')
                        .flat_map(|x| match x.strip_prefix('%') {
                            Some(set) => sets.get(set).cloned().unwrap_or_default(),
                            None => vec![x.to_string()],
                        })
                        .collect();
                    (k.to_string(), vals)
                })
                .collect()
        };
        let all_subj = fields(&subj);
        let perm = all_subj
            .iter()
            .find(|(k, _)| k == "perm")
            .and_then(|(_, v)| v.first().cloned())
            .unwrap_or_else(|| "open".into());
        rules.push(Rule {
            line: i + 1,
            text: l.to_string(),
            allow: decision.starts_with("allow"),
            perm,
            subject: all_subj.into_iter().filter(|(k, _)| k != "perm").collect(),
            object: fields(&obj),
        });
    }
    rules
}

/// What the rules deny to an access no narrower rule decided: for execution and for opening,
/// the first catch-all rule (`<decision> [perm=…] all : all`, read by [`parse`]) covering it
/// decides (fapolicyd stops at the first match). `any` (both denied: a `deny perm=any all :
/// all`, or one rule for each), `execute`, `open`, or `none`. The upstream sample rules end in
/// `allow perm=open all : all` after `deny_audit perm=execute all : all`: `execute`.
pub fn default_deny(rules: &str) -> &'static str {
    let mut execute = None;
    let mut open = None;
    for r in parse(rules) {
        let decision = r.text.split_whitespace().next().unwrap_or("");
        let known = matches!(
            decision,
            "allow"
                | "allow_audit"
                | "allow_syslog"
                | "allow_log"
                | "deny"
                | "deny_audit"
                | "deny_syslog"
                | "deny_log"
        );
        if !known || !r.subject.is_empty() || !r.object.is_empty() {
            continue;
        }
        if matches!(r.perm.as_str(), "execute" | "any") && execute.is_none() {
            execute = Some(!r.allow);
        }
        if matches!(r.perm.as_str(), "open" | "any") && open.is_none() {
            open = Some(!r.allow);
        }
    }
    match (execute == Some(true), open == Some(true)) {
        (true, true) => "any",
        (true, false) => "execute",
        (false, true) => "open",
        (false, false) => "none",
    }
}

/// One entry of the trust database: its back end (`rpmdb`, `debdb`, `filedb`), size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustEntry {
    pub source: String,
    pub size: u64,
    pub sha256: String,
}

/// How fapolicyd decides trust (fapolicyd.conf): `integrity` (none, size, sha256, ima) and the
/// `trust` back ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustMode {
    pub integrity: String,
    pub backends: Vec<String>,
}

impl TrustMode {
    /// From fapolicyd.conf's text (fapolicyd's defaults where it says nothing: integrity none,
    /// trust rpmdb,file).
    pub fn from_conf(conf: Option<&str>) -> TrustMode {
        let conf = conf.unwrap_or("");
        TrustMode {
            integrity: kit::fapolicyd::value(conf, "integrity").unwrap_or_else(|| "none".into()),
            backends: kit::fapolicyd::trust_backends(conf),
        }
    }

    fn serves(&self, source: &str) -> bool {
        // the back ends' names in fapolicyd.conf and in the database dump
        self.backends
            .iter()
            .any(|b| b == source || (b == "file" && source == "filedb"))
    }
}

/// What the trust database says, and the files the guard judges as they are on disk.
#[derive(Debug, Clone)]
pub struct Trust {
    pub entries: BTreeMap<String, Vec<TrustEntry>>,
    /// The daemon's whole database was read; otherwise only the trust files were, and a path
    /// not in them has unknown trust (an rpm/deb back end may hold it).
    pub complete: bool,
    /// Size and SHA-256 of the files judged (`None`: unreadable).
    pub files: BTreeMap<String, Option<(u64, String)>>,
    pub mode: TrustMode,
}

impl Trust {
    /// Whether fapolicyd trusts `path`: an entry of a back end in use whose size (integrity
    /// size) or size and SHA-256 (sha256) are the file's; `None` when it cannot be told (no
    /// database, integrity ima, the file unreadable).
    pub fn of(&self, path: &str) -> Option<bool> {
        let es: Vec<&TrustEntry> = self
            .entries
            .get(path)
            .map(|v| v.iter().filter(|e| self.mode.serves(&e.source)).collect())
            .unwrap_or_default();
        if es.is_empty() {
            return if self.complete { Some(false) } else { None };
        }
        match self.mode.integrity.as_str() {
            "none" => Some(true),
            i @ ("size" | "sha256") => {
                let (size, sha) = self.files.get(path).cloned().flatten()?;
                Some(es.iter().any(|e| {
                    e.size == size && (i == "size" || e.sha256.eq_ignore_ascii_case(&sha))
                }))
            }
            _ => None,
        }
    }

    /// Why `path` is not trusted although the database lists it (stale size or hash).
    pub fn stale(&self, path: &str) -> Option<String> {
        let es = self.entries.get(path)?;
        let (size, sha) = self.files.get(path).cloned().flatten()?;
        let e = es.iter().find(|e| self.mode.serves(&e.source))?;
        if self.of(path) == Some(false) {
            Some(format!(
                "the trust database lists {path} with size {} and SHA-256 {}…, the file has {size} and {}… (integrity = {})",
                e.size,
                e.sha256.get(..12).unwrap_or(&e.sha256),
                sha.get(..12).unwrap_or(&sha),
                self.mode.integrity
            ))
        } else {
            None
        }
    }

    pub fn with_mode(&self, mode: &TrustMode) -> Trust {
        Trust {
            mode: mode.clone(),
            ..self.clone()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One execution to judge.
#[derive(Debug, Clone)]
pub struct Exec {
    /// What it is, for the message ("the login shell /bin/bash of admin").
    pub what: String,
    /// `execute`, or `open` (a file the session's programs must read).
    pub perm: &'static str,
    pub uid: u32,
    pub auid: Option<u32>,
    pub gid: Option<u32>,
    /// The program that executes it.
    pub subject_exe: String,
    /// The program executed.
    pub path: String,
    /// `application/x-executable` for an ELF executable; `None` unknown.
    pub ftype: Option<String>,
    pub sha256: Option<String>,
}

/// The verdict on one execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed(Option<usize>),
    Denied(usize, String),
    MayBeDenied(usize, String),
}

fn parent_dir(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "/",
    }
}

fn num_or_name(v: &str, id: u32, names: &dyn Fn(u32) -> Option<String>) -> bool {
    v.parse::<u32>().ok() == Some(id) || names(id).as_deref() == Some(v)
}

/// `Some(true)` match, `Some(false)` no match, `None` unknown.
fn field(
    key: &str,
    vals: &[String],
    e: &Exec,
    subject: bool,
    trust: &Trust,
    users: &dyn Fn(u32) -> Option<String>,
) -> Option<bool> {
    let any = |f: &dyn Fn(&str) -> Option<bool>| -> Option<bool> {
        let mut unknown = false;
        for v in vals {
            match f(v) {
                Some(true) => return Some(true),
                None => unknown = true,
                Some(false) => {}
            }
        }
        if unknown {
            None
        } else {
            Some(false)
        }
    };
    let path = if subject { &e.subject_exe } else { &e.path };
    match key {
        "uid" if subject => any(&|v| Some(num_or_name(v, e.uid, users))),
        "auid" if subject => match e.auid {
            Some(a) => any(&|v| Some(num_or_name(v, a, users))),
            None => Some(false),
        },
        "gid" if subject => match e.gid {
            // supplementary groups are not known: a gid that is not the primary one is unknown
            Some(g) => any(&|v| {
                if v.parse::<u32>().ok() == Some(g) {
                    Some(true)
                } else {
                    None
                }
            }),
            None => None,
        },
        "exe" if subject => any(&|v| Some(v == e.subject_exe)),
        "comm" if subject => {
            let comm: String = e
                .subject_exe
                .rsplit('/')
                .next()
                .unwrap_or("")
                .chars()
                .take(15)
                .collect();
            any(&|v| Some(v == comm))
        }
        "path" if !subject => any(&|v| Some(v == e.path)),
        "dir" => any(&|v| match v {
            "execdirs" | "systemdirs" | "untrusted" => None,
            d => Some(parent_dir(path).starts_with(d) || path.starts_with(d)),
        }),
        "trust" => {
            let t = trust.of(path)?;
            any(&|v| Some((v == "1") == t))
        }
        "ftype" if !subject => match &e.ftype {
            Some(f) => any(&|v| Some(v == f)),
            None => None,
        },
        "sha256hash" if !subject => match &e.sha256 {
            Some(h) => any(&|v| Some(v.eq_ignore_ascii_case(h))),
            None => None,
        },
        "pattern" => Some(false),
        _ => None,
    }
}

/// Decide one execution under `rules` as an enforcing daemon would.
pub fn decide(
    rules: &[Rule],
    e: &Exec,
    trust: &Trust,
    users: &dyn Fn(u32) -> Option<String>,
) -> Verdict {
    // an allowing rule that may have matched makes a later denial uncertain
    let mut uncertain = false;
    for r in rules {
        if r.perm != e.perm && r.perm != "any" {
            continue;
        }
        let mut unknown = false;
        let mut miss = false;
        for (k, v) in &r.subject {
            match field(k, v, e, true, trust, users) {
                Some(false) => miss = true,
                None => unknown = true,
                Some(true) => {}
            }
        }
        for (k, v) in &r.object {
            match field(k, v, e, false, trust, users) {
                Some(false) => miss = true,
                None => unknown = true,
                Some(true) => {}
            }
        }
        if miss {
            continue;
        }
        match (r.allow, unknown || uncertain) {
            (true, _) if !unknown => return Verdict::Allowed(Some(r.line)),
            (true, _) => uncertain = true,
            (false, false) => return Verdict::Denied(r.line, r.text.clone()),
            (false, true) => return Verdict::MayBeDenied(r.line, r.text.clone()),
        }
    }
    Verdict::Allowed(None)
}

/// The entries of a `fapolicyd-cli --dump-db` output ("source path size sha256"; the path may
/// hold blanks).
pub fn dump_entries(dump: &str) -> BTreeMap<String, Vec<TrustEntry>> {
    let mut out: BTreeMap<String, Vec<TrustEntry>> = BTreeMap::new();
    for l in dump.lines() {
        let Some((source, rest)) = l.split_once(' ') else {
            continue;
        };
        let mut it = rest.rsplitn(3, ' ');
        let (Some(sha), Some(size), Some(path)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let Ok(size) = size.parse() else {
            continue;
        };
        out.entry(path.to_string()).or_default().push(TrustEntry {
            source: source.to_string(),
            size,
            sha256: sha.to_string(),
        });
    }
    out
}

// ---- the guard: what to judge, read from the system ----

use kit::lockout::{Connection, Risk};
use kit::{cmd, Ctx, Error, Result};

pub const TRUST_FILE: &str = "/etc/fapolicyd/fapolicyd.trust";
pub const TRUST_D: &str = "/etc/fapolicyd/trust.d";

fn link(ctx: &Ctx, abs: &str) -> Option<String> {
    std::fs::read_link(ctx.path(abs)).ok().and_then(|p| {
        p.to_str()
            .map(|s| s.trim_end_matches(" (deleted)").to_string())
    })
}

/// `application/x-executable` for an ELF file, else unknown.
fn ftype(ctx: &Ctx, path: &str) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 4];
    std::fs::File::open(ctx.path(path))
        .and_then(|mut f| f.read_exact(&mut head))
        .ok()?;
    (head == *b"\x7fELF").then(|| "application/x-executable".to_string())
}

fn sha256(ctx: &Ctx, path: &str) -> Option<String> {
    std::fs::read(ctx.path(path))
        .ok()
        .map(|b| kit::fs::sha256_hex(&b))
}

/// Trust: the daemon's database when `fapolicyd-cli --dump-db` works, else the trust files
/// (read by the one trust-file reader, fapolicyd_trust's, as fapolicyd reads them); how trust
/// is decided from fapolicyd.conf.
pub fn read_trust(ctx: &Ctx) -> Result<Trust> {
    let mode = TrustMode::from_conf(ctx.read(CONF)?.as_deref());
    if cmd::exists(ctx, crate::CLI) {
        let out = cmd::run_status(ctx, crate::CLI, &["--dump-db"])?;
        if out.code == 0 {
            return Ok(Trust {
                entries: dump_entries(&out.stdout),
                complete: true,
                files: BTreeMap::new(),
                mode,
            });
        }
    }
    let mut texts = Vec::new();
    if let Some(t) = ctx.read(TRUST_FILE)? {
        texts.push(t);
    }
    for n in ctx.list(TRUST_D)?.unwrap_or_default() {
        if let Some(t) = ctx.read(&format!("{TRUST_D}/{n}"))? {
            texts.push(t);
        }
    }
    let mut entries: BTreeMap<String, Vec<TrustEntry>> = BTreeMap::new();
    for t in texts {
        for e in fapolicyd_trust::parse(&t, fapolicyd_trust::version_of(&t)) {
            entries.entry(e.path).or_default().push(TrustEntry {
                source: "filedb".into(),
                size: e.size,
                sha256: e.sha256,
            });
        }
    }
    Ok(Trust {
        entries,
        complete: false,
        files: BTreeMap::new(),
        mode,
    })
}

/// Size and SHA-256 of a file (`None`: absent or unreadable).
fn identity(ctx: &Ctx, path: &str) -> Option<(u64, String)> {
    let b = std::fs::read(ctx.path(path)).ok()?;
    Some((b.len() as u64, kit::fs::sha256_hex(&b)))
}

/// What libmagic would call a file the session's programs read: `text/plain` for printable
/// text without a shebang, `application/x-executable` for ELF; `None` otherwise (unknown).
fn data_ftype(ctx: &Ctx, path: &str) -> Option<String> {
    let b = std::fs::read(ctx.path(path)).ok()?;
    if b.starts_with(b"\x7fELF") {
        return Some("application/x-executable".into());
    }
    let text = std::str::from_utf8(&b).ok()?;
    (!text.starts_with("#!")
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r')))
    .then(|| "text/plain".to_string())
}

/// The executions that keep the host reachable for the connection's user.
pub fn execs(ctx: &Ctx, conn: &Connection) -> Result<Vec<Exec>> {
    let mut v = Vec::new();
    let mk = |what: String, uid: u32, auid: Option<u32>, subj: &str, path: &str| Exec {
        what,
        perm: "execute",
        uid,
        auid,
        gid: None,
        subject_exe: subj.to_string(),
        path: path.to_string(),
        ftype: ftype(ctx, path),
        sha256: sha256(ctx, path),
    };
    let shell = match conn.uid {
        Some(u) => kit::lockout::account(ctx, u)?.map(|a| a.shell),
        None => None,
    };
    // the path the kernel executes, as fapolicyd sees it (/bin/bash is /usr/bin/bash on RHEL)
    let root = ctx.sandbox_root().unwrap_or(std::path::Path::new("/"));
    let real = |p: &str| kit::fs::real_path(root, p).unwrap_or_else(|_| p.to_string());
    let shell = shell.map(|s| real(&s));
    let uid = conn.uid.unwrap_or(0);
    let user = conn.user.clone().unwrap_or_else(|| uid.to_string());
    let sshd = conn
        .sshd_pid
        .and_then(|p| link(ctx, &format!("/proc/{p}/exe")))
        .unwrap_or_else(|| "/usr/sbin/sshd".into());
    // the module itself, as Ansible starts it: from its remote tmp, or the binary cache
    let me = link(ctx, "/proc/self/exe").ok_or_else(|| {
        Error::refused("lockout guard: /proc/self/exe cannot be read, so the module's own execution cannot be judged")
    })?;
    // the process table says who runs this module and from which program; not knowing is an
    // error (a guess of root would make `uid=0` rules match)
    let me_proc = kit::lockout::read_proc(ctx, "self")?
        .filter(|p| p.euid != u32::MAX)
        .ok_or_else(|| {
            Error::refused("lockout guard: /proc/self/status cannot be read, so the module's own execution cannot be judged")
        })?;
    let parent =
        link(ctx, &format!("/proc/{}/exe", me_proc.ppid)).unwrap_or_else(|| "/bin/sh".into());
    let my_uid = me_proc.euid;
    let dir = me.rsplit_once('/').map(|(d, _)| d).unwrap_or("/");
    v.push(mk(
        if dir.ends_with("/.ansible/hardening-rhel") {
            // the collection's action plugins run it from the verified binary cache
            format!("this module from the collection's binary cache ({dir})")
        } else {
            format!("this module in Ansible's remote tmp ({dir})")
        },
        my_uid,
        conn.uid,
        &parent,
        &me,
    ));
    let login = shell.clone().unwrap_or_else(|| "/bin/sh".into());
    if let Some(sh) = &shell {
        v.push(mk(
            format!("the login shell of {user}"),
            uid,
            conn.uid,
            &sshd,
            sh,
        ));
    }
    v.push(mk(
        "sshd".into(),
        0,
        None,
        "/usr/lib/systemd/systemd",
        &sshd,
    ));
    for (what, path, run_uid) in [
        ("sudo", "/usr/bin/sudo", uid),
        ("systemctl", "/usr/bin/systemctl", 0),
    ] {
        if ctx.path(path).exists() {
            let path = real(path);
            v.push(mk(
                format!("{what} from {user}'s shell"),
                run_uid,
                conn.uid,
                &login,
                &path,
            ));
        }
    }
    // what sshd must open to let the user in: its configuration and the user's authorized
    // keys files (as sshd_config names them), those that exist
    let mut reads = vec![kit::ssh::SSHD_CONFIG.to_string()];
    if let (Some(cfg), Some(u), Some(h)) = (kit::ssh::sshd_config(ctx)?, &conn.user, &conn.home) {
        for pat in &cfg.authorized_keys_files {
            if let Some(f) = kit::ssh::expand_keys_file(pat, u, uid, h) {
                reads.push(f);
            }
        }
    }
    for path in reads {
        if ctx.path(&path).is_file() {
            v.push(Exec {
                what: format!("sshd reading {path}"),
                perm: "open",
                uid: 0,
                auid: None,
                gid: None,
                subject_exe: sshd.clone(),
                ftype: data_ftype(ctx, &path),
                sha256: sha256(ctx, &path),
                path,
            });
        }
    }
    Ok(v)
}

/// fapolicyd's settings file.
pub const CONF: &str = "/etc/fapolicyd/fapolicyd.conf";

/// Whether fapolicyd.conf has the daemon enforce its rules (`permissive` not 1).
pub fn enforcing(ctx: &Ctx) -> Result<bool> {
    let conf = ctx.read(CONF)?.unwrap_or_default();
    Ok(!conf.lines().any(|l| {
        l.split_once('=')
            .is_some_and(|(k, v)| k.trim() == "permissive" && v.trim() == "1")
    }))
}

/// A change the guard judges: the rules (compiled.rules text) and trust settings enforced
/// before (`None`: nothing enforced — the daemon stopped or permissive) and after.
pub struct Change<'a> {
    pub before: Option<(&'a str, TrustMode)>,
    pub after: (&'a str, TrustMode),
}

impl<'a> Change<'a> {
    /// New rules under the trust settings in force (fapolicyd.conf as it is).
    pub fn rules(ctx: &Ctx, before: Option<&'a str>, after: &'a str) -> Result<Change<'a>> {
        let mode = TrustMode::from_conf(ctx.read(CONF)?.as_deref());
        Ok(Change {
            before: before.map(|b| (b, mode.clone())),
            after: (after, mode),
        })
    }
}

/// Risks of enforcing `after` (compiled.rules text) where `before` was enforced (`None`: nothing
/// enforced — the daemon stopped or permissive), trust as configured: see [`findings`]; what
/// cannot be judged counts as a risk here (security_facts).
pub fn risks(ctx: &Ctx, conn: &Connection, before: Option<&str>, after: &str) -> Result<Vec<Risk>> {
    let f = findings(ctx, conn, &Change::rules(ctx, before, after)?)?;
    let mut out = f.risks;
    out.extend(f.unknown.into_iter().map(Risk));
    Ok(out)
}

/// What enforcing the change does to the session's executions and reads: each one the rules
/// still allow is a way in shown to survive (`paths`); one they newly deny is a risk; one they
/// may deny (an attribute not known here), or deny before and after alike (the rules as read do
/// not explain the session running), cannot be judged (`unknown`). Trust is the database's
/// entry checked against the file as the trust settings say (integrity size/sha256, the back
/// ends in use): a stale hash is untrusted.
pub fn findings(ctx: &Ctx, conn: &Connection, change: &Change) -> Result<kit::lockout::Findings> {
    let execs = execs(ctx, conn)?;
    let mut trust = read_trust(ctx)?;
    for e in &execs {
        for p in [&e.path, &e.subject_exe] {
            if !trust.files.contains_key(p) {
                trust.files.insert(p.clone(), identity(ctx, p));
            }
        }
    }
    let trust_before = change.before.as_ref().map(|(_, m)| trust.with_mode(m));
    let trust_after = trust.with_mode(&change.after.1);
    let (before, after) = (change.before.as_ref().map(|(r, _)| *r), change.after.0);
    // user names of `uid=`/`auid=` values: /etc/passwd read once, a read error fails the task
    let accounts = kit::lockout::accounts(ctx)?;
    let names =
        |u: u32| -> Option<String> { accounts.iter().find(|a| a.uid == u).map(|a| a.name.clone()) };
    let (rb, ra) = (before.map(parse), parse(after));
    let mut out = kit::lockout::Findings::default();
    for e in &execs {
        let after_v = decide(&ra, e, &trust_after, &names);
        let before_v = match (&rb, &trust_before) {
            (Some(r), Some(t)) => decide(r, e, t, &names),
            _ => Verdict::Allowed(None),
        };
        let what = if e.perm == "open" {
            format!("{} (uid {})", e.what, e.uid)
        } else {
            format!("executing {} ({} by uid {})", e.what, e.path, e.uid)
        };
        // a denial that comes from a stale trust entry says so
        let stale = [&e.path, &e.subject_exe]
            .iter()
            .find_map(|p| trust_after.stale(p))
            .map(|s| format!("; {s}"))
            .unwrap_or_default();
        let why = match &after_v {
            Verdict::Allowed(rule) => {
                out.path(format!(
                    "{what}: allowed{}",
                    rule.map(|l| format!(" by rule {l}"))
                        .unwrap_or_else(|| " (no rule decides it)".into())
                ));
                continue;
            }
            Verdict::Denied(l, t) => format!("rule {l} '{t}' denies it{stale}"),
            Verdict::MayBeDenied(l, t) => format!(
                "rule {l} '{t}' may deny it ({}){stale}",
                if trust_after.complete && trust_after.mode.integrity != "ima" {
                    "an attribute it or an earlier allow rule uses is not known here"
                } else {
                    "the trust database cannot be read (no fapolicyd-cli --dump-db), only the trust files"
                }
            ),
        };
        match (&before_v, &after_v) {
            (Verdict::Allowed(_), _) => out.risk(format!("{what}: {why}")),
            (Verdict::Denied(..), Verdict::Denied(..)) => out.unknown(format!(
                "{what}: {why}, and the rules enforced now deny it too, so they do not explain how this session runs"
            )),
            _ => out.unknown(format!("{what}: {why}")),
        }
    }
    if before.is_none() && trust.complete && trust.is_empty() {
        out.risk(
            "the trust database is empty: an enforcing fapolicyd would deny every program the rules do not allow by path",
        );
    }
    Ok(out)
}

/// The whole guard: `lockout_check` and, over SSH, the verdict (see [`kit::lockout::judge`]).
pub fn guard(
    ctx: &Ctx,
    change: Option<Change>,
    what: &str,
    allow: bool,
    out: &mut kit::Outcome,
) -> Result<()> {
    let Some(change) = change else {
        kit::lockout::nothing_to_cut(ctx, out);
        return Ok(());
    };
    let session = kit::lockout::session(ctx)?;
    let mut f = kit::lockout::Findings::default();
    if let Some(conn) = session.conn() {
        f = findings(ctx, conn, &change)?;
    }
    kit::lockout::judge(&session, what, &f, allow, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RHEL 9's shipped rules.d, compiled (fapolicyd 1.3), less the language rules.
    const RHEL: &str = "%languages=application/x-bytecode.ocaml,text/x-python\nallow perm=any uid=0 : dir=/var/tmp/\nallow perm=any uid=0 trust=1 : all\ndeny_audit perm=any pattern=ld_so : all\ndeny_audit perm=any all : ftype=application/x-bad-elf\nallow perm=open all : ftype=application/x-sharedlib trust=1\ndeny_audit perm=open all : ftype=application/x-sharedlib\nallow perm=execute all : trust=1\nallow perm=open all : ftype=%languages trust=1\ndeny_audit perm=any all : ftype=%languages\nallow perm=any all : ftype=text/x-shellscript\ndeny_audit perm=execute all : all\nallow perm=open all : all\n";

    fn users(u: u32) -> Option<String> {
        (u == 1000).then(|| "admin".to_string())
    }

    fn exec(uid: u32, subj: &str, path: &str) -> Exec {
        Exec {
            what: path.into(),
            perm: "execute",
            uid,
            auid: Some(1000),
            gid: Some(uid),
            subject_exe: subj.into(),
            path: path.into(),
            ftype: Some("application/x-executable".into()),
            sha256: None,
        }
    }

    fn trust(paths: &[&str], complete: bool) -> Trust {
        Trust {
            entries: paths
                .iter()
                .map(|s| {
                    (
                        s.to_string(),
                        vec![TrustEntry {
                            source: "rpmdb".into(),
                            size: 1,
                            sha256: "aa".into(),
                        }],
                    )
                })
                .collect(),
            complete,
            files: BTreeMap::new(),
            mode: TrustMode::from_conf(None),
        }
    }

    #[test]
    fn the_shipped_rules_allow_trusted_and_root_but_not_the_remote_tmp_of_a_user() {
        let rules = parse(RHEL);
        assert_eq!(rules.len(), 12);
        assert_eq!(
            rules[7].object[0],
            (
                "ftype".to_string(),
                vec![
                    "application/x-bytecode.ocaml".to_string(),
                    "text/x-python".to_string()
                ]
            )
        );
        let t = trust(&["/usr/bin/bash", "/usr/sbin/sshd", "/usr/bin/sudo"], true);
        // root running a module from its remote tmp: the updaters rule (uid 0, trusted shell)
        let m = exec(
            0,
            "/usr/bin/bash",
            "/root/.ansible/tmp/ansible-tmp-1/selinux",
        );
        assert_eq!(decide(&rules, &m, &t, &users), Verdict::Allowed(Some(3)));
        // a user's login shell: trusted
        let s = exec(1000, "/usr/sbin/sshd", "/usr/bin/bash");
        assert_eq!(decide(&rules, &s, &t, &users), Verdict::Allowed(Some(8)));
        // a module run without become from the user's home: denied by the last execute rule
        let m = exec(1000, "/usr/bin/bash", "/home/admin/.ansible/tmp/x/selinux");
        assert!(matches!(
            decide(&rules, &m, &t, &users),
            Verdict::Denied(12, _)
        ));
        // trust unknown (no database): the trusted-exec rule cannot be relied on
        let s = exec(1000, "/usr/sbin/sshd", "/usr/bin/zsh");
        assert!(matches!(
            decide(&rules, &s, &trust(&[], false), &users),
            Verdict::MayBeDenied(12, _)
        ));
    }

    #[test]
    fn sets_names_and_colons() {
        let r = parse(
            "%admins=admin,0\ndeny perm=execute uid=%admins : dir=/home/\nallow perm=any all:all\n",
        );
        assert_eq!(r.len(), 2);
        let e = exec(1000, "/usr/bin/bash", "/home/admin/bin/x");
        assert!(matches!(
            decide(&r, &e, &trust(&[], true), &users),
            Verdict::Denied(2, _)
        ));
        let e = exec(1001, "/usr/bin/bash", "/home/admin/bin/x");
        assert_eq!(
            decide(&r, &e, &trust(&[], true), &users),
            Verdict::Allowed(Some(3))
        );
        let d = dump_entries("rpmdb /usr/bin/bash 1234 abc\nfiledb /opt/my app/run 10 def\n");
        assert_eq!(
            d.keys().cloned().collect::<Vec<_>>(),
            vec!["/opt/my app/run".to_string(), "/usr/bin/bash".to_string()]
        );
        assert_eq!(d["/usr/bin/bash"][0].size, 1234);
        assert_eq!(d["/opt/my app/run"][0].source, "filedb");
    }

    #[test]
    fn trust_follows_integrity_and_back_ends() {
        let mut t = trust(&["/usr/bin/sudo"], true);
        t.entries.get_mut("/usr/bin/sudo").unwrap()[0] = TrustEntry {
            source: "rpmdb".into(),
            size: 10,
            sha256: "AB12".into(),
        };
        t.files
            .insert("/usr/bin/sudo".into(), Some((10, "ab12".into())));
        let mode = |i: &str, b: &str| {
            TrustMode::from_conf(Some(&format!("integrity = {i}\ntrust = {b}\n")))
        };
        assert_eq!(
            t.with_mode(&mode("sha256", "rpmdb,file"))
                .of("/usr/bin/sudo"),
            Some(true)
        );
        // a stale hash: untrusted under sha256, trusted under size or none
        t.files
            .insert("/usr/bin/sudo".into(), Some((10, "ffff".into())));
        let sha = t.with_mode(&mode("sha256", "rpmdb,file"));
        assert_eq!(sha.of("/usr/bin/sudo"), Some(false));
        assert!(sha
            .stale("/usr/bin/sudo")
            .unwrap()
            .contains("integrity = sha256"));
        assert_eq!(
            t.with_mode(&mode("size", "rpmdb,file")).of("/usr/bin/sudo"),
            Some(true)
        );
        assert_eq!(
            t.with_mode(&mode("none", "rpmdb,file")).of("/usr/bin/sudo"),
            Some(true)
        );
        // IMA cannot be checked here; a back end not in use does not trust
        assert_eq!(
            t.with_mode(&mode("ima", "rpmdb,file")).of("/usr/bin/sudo"),
            None
        );
        assert_eq!(
            t.with_mode(&mode("none", "file")).of("/usr/bin/sudo"),
            Some(false)
        );
        // the file back end is "filedb" in the database
        t.entries.get_mut("/usr/bin/sudo").unwrap()[0].source = "filedb".into();
        assert_eq!(
            t.with_mode(&mode("none", "file")).of("/usr/bin/sudo"),
            Some(true)
        );
        // defaults: integrity none, trust rpmdb,file
        assert_eq!(
            TrustMode::from_conf(Some("# integrity = sha256\n")),
            mode("none", "rpmdb,file")
        );
    }

    #[test]
    fn open_rules_judge_what_sshd_reads() {
        let r = parse("deny perm=open all : dir=/home/\nallow perm=any all : all\n");
        let mut e = exec(0, "/usr/sbin/sshd", "/home/admin/.ssh/authorized_keys");
        e.perm = "open";
        assert!(matches!(
            decide(&r, &e, &trust(&[], true), &users),
            Verdict::Denied(1, _)
        ));
        // an execute rule does not decide an open
        let r = parse("deny perm=execute all : dir=/home/\n");
        assert_eq!(
            decide(&r, &e, &trust(&[], true), &users),
            Verdict::Allowed(None)
        );
    }
}
