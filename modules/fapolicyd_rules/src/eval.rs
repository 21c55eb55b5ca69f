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

use std::collections::{BTreeMap, BTreeSet};

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

/// What the trust database says of a path.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    pub paths: BTreeSet<String>,
    /// The daemon's whole database was read; otherwise only the trust files were, and a path
    /// not in them has unknown trust (an rpm/deb back end may hold it).
    pub complete: bool,
}

impl Trust {
    pub fn of(&self, path: &str) -> Option<bool> {
        if self.paths.contains(path) {
            Some(true)
        } else if self.complete {
            Some(false)
        } else {
            None
        }
    }
}

/// One execution to judge.
#[derive(Debug, Clone)]
pub struct Exec {
    /// What it is, for the message ("the login shell /bin/bash of admin").
    pub what: String,
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
        if r.perm != "execute" && r.perm != "any" {
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

/// The trust paths of a `fapolicyd-cli --dump-db` output ("source path size sha256"; the path
/// may hold blanks).
pub fn dump_paths(dump: &str) -> BTreeSet<String> {
    dump.lines()
        .filter_map(|l| {
            let (_, rest) = l.split_once(' ')?;
            let mut it = rest.rsplitn(3, ' ');
            let _sha = it.next()?;
            let _size = it.next()?;
            it.next().map(String::from)
        })
        .collect()
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

fn percent_unescape(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        // bytes, not str slices: the two characters after a `%` need not be ASCII
        if let (b'%', Some(h), Some(l)) = (
            b[i],
            b.get(i + 1).and_then(|c| hex(*c)),
            b.get(i + 2).and_then(|c| hex(*c)),
        ) {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Trust: the daemon's database when `fapolicyd-cli --dump-db` works, else the trust files.
pub fn read_trust(ctx: &Ctx) -> Result<Trust> {
    if cmd::exists(ctx, crate::CLI) {
        let out = cmd::run_status(ctx, crate::CLI, &["--dump-db"])?;
        if out.code == 0 {
            return Ok(Trust {
                paths: dump_paths(&out.stdout),
                complete: true,
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
    let mut paths = BTreeSet::new();
    for t in texts {
        let v2 = t.starts_with("# AUTOGENERATED FILE VERSION 2");
        for l in t
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            if let Some(p) = l.rsplitn(3, ' ').nth(2) {
                paths.insert(if v2 {
                    percent_unescape(p)
                } else {
                    p.to_string()
                });
            }
        }
    }
    Ok(Trust {
        paths,
        complete: false,
    })
}

/// The executions that keep the host reachable for the connection's user.
pub fn execs(ctx: &Ctx, conn: &Connection) -> Result<Vec<Exec>> {
    let mut v = Vec::new();
    let mk = |what: String, uid: u32, auid: Option<u32>, subj: &str, path: &str| Exec {
        what,
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
    Ok(v)
}

/// Risks of enforcing `after` (compiled.rules text) where `before` was enforced (`None`: nothing
/// enforced — the daemon stopped or permissive): see [`findings`]; what cannot be judged counts
/// as a risk here (security_facts).
pub fn risks(ctx: &Ctx, conn: &Connection, before: Option<&str>, after: &str) -> Result<Vec<Risk>> {
    let f = findings(ctx, conn, before, after)?;
    let mut out = f.risks;
    out.extend(f.unknown.into_iter().map(Risk));
    Ok(out)
}

/// What enforcing `after` where `before` was enforced does to the session's executions: each
/// one the rules still allow is a way in shown to survive (`paths`); one they newly deny is a
/// risk; one they may deny (an attribute not known here), or deny before and after alike (the
/// rules as read do not explain the session running), cannot be judged (`unknown`).
pub fn findings(
    ctx: &Ctx,
    conn: &Connection,
    before: Option<&str>,
    after: &str,
) -> Result<kit::lockout::Findings> {
    let execs = execs(ctx, conn)?;
    let trust = read_trust(ctx)?;
    // user names of `uid=`/`auid=` values: /etc/passwd read once, a read error fails the task
    let accounts = kit::lockout::accounts(ctx)?;
    let names =
        |u: u32| -> Option<String> { accounts.iter().find(|a| a.uid == u).map(|a| a.name.clone()) };
    let (rb, ra) = (before.map(parse), parse(after));
    let mut out = kit::lockout::Findings::default();
    for e in &execs {
        let after_v = decide(&ra, e, &trust, &names);
        let before_v = rb
            .as_ref()
            .map(|r| decide(r, e, &trust, &names))
            .unwrap_or(Verdict::Allowed(None));
        let what = format!("executing {} ({} by uid {})", e.what, e.path, e.uid);
        let why = match &after_v {
            Verdict::Allowed(rule) => {
                out.path(format!(
                    "{what}: allowed{}",
                    rule.map(|l| format!(" by rule {l}"))
                        .unwrap_or_else(|| " (no rule decides it)".into())
                ));
                continue;
            }
            Verdict::Denied(l, t) => format!("rule {l} '{t}' denies it"),
            Verdict::MayBeDenied(l, t) => format!(
                "rule {l} '{t}' may deny it ({})",
                if trust.complete {
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
    if before.is_none() && trust.complete && trust.paths.is_empty() {
        out.risk(
            "the trust database is empty: an enforcing fapolicyd would deny every program the rules do not allow by path",
        );
    }
    Ok(out)
}

/// The whole guard: `lockout_check` and, over SSH, the verdict (see [`kit::lockout::judge`]).
pub fn guard(
    ctx: &Ctx,
    change: Option<(Option<&str>, &str)>,
    what: &str,
    allow: bool,
    out: &mut kit::Outcome,
) -> Result<()> {
    let Some((before, after)) = change else {
        kit::lockout::nothing_to_cut(ctx, out);
        return Ok(());
    };
    let session = kit::lockout::session(ctx)?;
    let mut f = kit::lockout::Findings::default();
    if let Some(conn) = session.conn() {
        f = findings(ctx, conn, before, after)?;
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
            paths: paths.iter().map(|s| s.to_string()).collect(),
            complete,
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
        assert_eq!(
            dump_paths("rpmdb /usr/bin/bash 1234 abc\nfile /opt/my app/run 10 def\n"),
            ["/opt/my app/run", "/usr/bin/bash"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
    }

    #[test]
    fn trust_file_paths_unescape_without_splitting_characters() {
        assert_eq!(percent_unescape("/opt/my%20app"), "/opt/my app");
        assert_eq!(percent_unescape("/opt/%€x%2"), "/opt/%€x%2");
        assert_eq!(percent_unescape("%41%e2%82%ac"), "A€");
    }
}
