//! Lockout guards, the shared part: which SSH connection a task runs over, and the one contract
//! every guard reports with.
//!
//! # The connection
//! Found natively, from the module's own process upwards: `/proc/<pid>/status` parents are
//! walked to the first sshd session process (`sshd`, or `sshd-session` from OpenSSH 9.8 / RHEL
//! 10). Its TCP sockets (`/proc/<pid>/fd/*` → `socket:[inode]`) are looked up in that process's
//! `/proc/<pid>/net/tcp` and `tcp6`: an ESTABLISHED one gives the local address and port (the
//! port sshd accepted the connection on) and the peer. When the session has more than one (port
//! forwarding), the one `SSH_CONNECTION` names is taken, else the one whose local port has a
//! listening socket. `become`/sudo do not hide it: the walk goes through sudo, and sudo's
//! cleared environment does not matter because `SSH_CONNECTION` is also read from the
//! ancestors' `/proc/<pid>/environ`. When the sockets cannot be read (a task without become
//! cannot see the privileged sshd's descriptors), `SSH_CONNECTION` alone is used.
//! The login user is the audit login uid (`/proc/self/loginuid`, kept across sudo), else the
//! owner of the sshd session process; its name and home come from /etc/passwd.
//!
//! # The contract
//! A guard computes the planned end state, then calls [`judge`] with what it would cut. Over SSH,
//! anything cut fails the task before any change, naming what and how to proceed, unless
//! `allow_lockout: true` (then it goes through with a warning). The result always carries
//! `lockout_check`: `passed`, `not_over_ssh` (local, podman or chroot connection: not guarded,
//! the risks become warnings) or `overridden`.

use crate::args::{self, Default, Kind, Param};
use crate::{Ctx, Error, Outcome, Result};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The parameter every guarded module takes.
pub const ALLOW_LOCKOUT: Param =
    Param::new("allow_lockout", Kind::Bool).default(Default::Bool(false));

/// The SSH connection a task runs over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Connection {
    pub peer: IpAddr,
    pub peer_port: u16,
    pub local: IpAddr,
    pub local_port: u16,
    /// The login user (uid, name and home from /etc/passwd when known).
    pub uid: Option<u32>,
    pub user: Option<String>,
    pub home: Option<String>,
    /// `socket` (the sshd session's TCP socket) or `SSH_CONNECTION`.
    pub found_by: &'static str,
    pub sshd_pid: Option<u32>,
    /// `SSH_USER_AUTH` of the session (sshd's `ExposeAuthInfo yes`): the file naming the
    /// methods and the public key the session authenticated with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_info: Option<String>,
}

impl Connection {
    pub fn describe(&self) -> String {
        format!(
            "the SSH connection from {} to {} port {}{}",
            self.peer,
            self.local,
            self.local_port,
            self.user
                .as_deref()
                .map(|u| format!(" (user {u})"))
                .unwrap_or_default()
        )
    }
}

/// Fields of `/proc/<pid>/status` the guards need.
pub struct Proc {
    pub ppid: u32,
    /// Real and effective uid.
    pub uid: u32,
    pub euid: u32,
    pub comm: String,
}

/// `/proc/<pid>/status` (`pid` may be `self`); `None` when the process is not there.
pub fn read_proc(ctx: &Ctx, pid: &str) -> Result<Option<Proc>> {
    // a process that ended meanwhile is simply not there
    let Some(status) = ctx.read(&format!("/proc/{pid}/status")).or_else(gone)? else {
        return Ok(None);
    };
    let field = |name: &str, n: usize| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().nth(n))
            .and_then(|v| v.parse::<u32>().ok())
    };
    let comm = status
        .lines()
        .find_map(|l| l.strip_prefix("Name:"))
        .unwrap_or("")
        .trim()
        .to_string();
    Ok(Some(Proc {
        ppid: field("PPid:", 0).unwrap_or(0),
        uid: field("Uid:", 0).unwrap_or(u32::MAX),
        euid: field("Uid:", 1).unwrap_or(u32::MAX),
        comm,
    }))
}

/// ESRCH/ENOENT of a vanished process, read as absent.
fn gone<T>(e: Error) -> Result<Option<T>> {
    match &e {
        Error::Io { source, .. } if source.raw_os_error() == Some(libc::ESRCH) => Ok(None),
        _ => Err(e),
    }
}

/// Whether a process name is an sshd session (OpenSSH < 9.8: `sshd`; 9.8+: `sshd-session`).
pub fn is_sshd(comm: &str) -> bool {
    comm == "sshd" || comm == "sshd-session" || comm == "sshd-auth"
}

/// One line of /proc/net/tcp{,6}.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpSocket {
    pub local: IpAddr,
    pub local_port: u16,
    pub remote: IpAddr,
    pub remote_port: u16,
    /// Kernel TCP state: 1 ESTABLISHED, 10 LISTEN.
    pub state: u8,
    pub inode: u64,
}

pub const TCP_ESTABLISHED: u8 = 1;
pub const TCP_LISTEN: u8 = 10;

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
pub fn unmap(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

fn parse_addr(s: &str) -> Option<(IpAddr, u16)> {
    let (a, p) = s.split_once(':')?;
    let port = u16::from_str_radix(p, 16).ok()?;
    // the kernel prints each 32-bit word of the address as a native-endian number
    let words: Vec<u32> = (0..a.len() / 8)
        .map(|i| u32::from_str_radix(a.get(i * 8..i * 8 + 8)?, 16).ok())
        .collect::<Option<_>>()?;
    let ip = match (a.len(), words.as_slice()) {
        (8, [w]) => IpAddr::V4(Ipv4Addr::from(w.to_ne_bytes())),
        (32, [a, b, c, d]) => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some((unmap(ip), port))
}

/// The sockets of /proc/net/tcp or tcp6 text (lines that do not parse are skipped: the
/// header, and nothing else the kernel writes).
pub fn parse_tcp(text: &str) -> Vec<TcpSocket> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (local, local_port) = parse_addr(f.get(1)?)?;
            let (remote, remote_port) = parse_addr(f.get(2)?)?;
            Some(TcpSocket {
                local,
                local_port,
                remote,
                remote_port,
                state: u8::from_str_radix(f.get(3)?, 16).ok()?,
                inode: f.get(9)?.parse().ok()?,
            })
        })
        .collect()
}

/// TCP sockets of a network namespace, seen through the process `pid`.
pub fn tcp_sockets(ctx: &Ctx, pid: &str) -> Result<Vec<TcpSocket>> {
    let mut all = Vec::new();
    for f in ["tcp", "tcp6"] {
        if let Some(t) = ctx.read(&format!("/proc/{pid}/net/{f}")).or_else(gone)? {
            all.extend(parse_tcp(&t));
        }
    }
    Ok(all)
}

/// Socket inodes of a process's descriptors, in descriptor order; `None` when they cannot be
/// read (another user's process without privileges).
fn socket_inodes(ctx: &Ctx, pid: u32) -> Option<Vec<u64>> {
    let dir = ctx.path(format!("/proc/{pid}/fd"));
    let mut fds: Vec<(u32, u64)> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let fd: u32 = e.file_name().to_str()?.parse().ok()?;
            let target = std::fs::read_link(e.path()).ok()?;
            let inode = target
                .to_str()?
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse()
                .ok()?;
            Some((fd, inode))
        })
        .collect();
    fds.sort();
    Some(fds.into_iter().map(|(_, i)| i).collect())
}

/// Every sshd process (`sshd`, `sshd-session`, `sshd-auth`): pid and status; processes that
/// end meanwhile are skipped.
fn sshd_processes(ctx: &Ctx) -> Result<Vec<(u32, Proc)>> {
    let mut out = Vec::new();
    for name in ctx.list("/proc")?.unwrap_or_default() {
        let Ok(pid) = name.parse::<u32>() else {
            continue;
        };
        if let Some(p) = read_proc(ctx, &name)?.filter(|p| is_sshd(&p.comm)) {
            out.push((pid, p));
        }
    }
    Ok(out)
}

/// The TCP ports sshd processes listen on (every process named sshd/sshd-session, its
/// sockets in LISTEN state). Processes that end meanwhile, or whose descriptors cannot be read,
/// are skipped.
pub fn sshd_listening(ctx: &Ctx) -> Result<Vec<u16>> {
    let mut ports = Vec::new();
    for (pid, _) in sshd_processes(ctx)? {
        let name = pid.to_string();
        let Some(inodes) = socket_inodes(ctx, pid) else {
            continue;
        };
        for s in tcp_sockets(ctx, &name)? {
            if s.state == TCP_LISTEN && inodes.contains(&s.inode) && !ports.contains(&s.local_port)
            {
                ports.push(s.local_port);
            }
        }
    }
    ports.sort_unstable();
    Ok(ports)
}

/// `SSH_CONNECTION` ("peer peer_port local local_port") of an environ block.
fn ssh_connection_env(environ: &[u8]) -> Option<(IpAddr, u16, IpAddr, u16)> {
    let v = environ
        .split(|b| *b == 0)
        .find_map(|e| e.strip_prefix(b"SSH_CONNECTION="))?;
    let f: Vec<&str> = std::str::from_utf8(v).ok()?.split_whitespace().collect();
    match f.as_slice() {
        [p, pp, l, lp] => Some((
            unmap(p.parse().ok()?),
            pp.parse().ok()?,
            unmap(l.parse().ok()?),
            lp.parse().ok()?,
        )),
        _ => None,
    }
}

fn environ_of(ctx: &Ctx, pid: &str) -> Option<(IpAddr, u16, IpAddr, u16)> {
    let b = std::fs::read(ctx.path(format!("/proc/{pid}/environ"))).ok()?;
    ssh_connection_env(&b)
}

/// `SSH_USER_AUTH` of a process's environment (an absolute path).
fn user_auth_of(ctx: &Ctx, pid: &str) -> Option<String> {
    let b = std::fs::read(ctx.path(format!("/proc/{pid}/environ"))).ok()?;
    let v = b
        .split(|c| *c == 0)
        .find_map(|e| e.strip_prefix(b"SSH_USER_AUTH="))?;
    let v = std::str::from_utf8(v).ok()?;
    v.starts_with('/').then(|| v.to_string())
}

/// A user of /etc/passwd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    pub home: String,
    pub shell: String,
}

/// The users of /etc/passwd (read once; a read error fails, an absent file has none).
pub fn accounts(ctx: &Ctx) -> Result<Vec<Account>> {
    Ok(ctx
        .read("/etc/passwd")?
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 7).then_some(())?;
            Some(Account {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5].to_string(),
                shell: f[6].to_string(),
            })
        })
        .collect())
}

/// The names of the groups `a` is in: its primary group and those of /etc/group that list it
/// (a read error fails, an absent file has none).
pub fn groups_of(ctx: &Ctx, a: &Account) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for l in ctx.read("/etc/group")?.unwrap_or_default().lines() {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 4 {
            continue;
        }
        if f[2].parse::<u32>().ok() == Some(a.gid) || f[3].split(',').any(|m| m == a.name) {
            out.push(f[0].to_string());
        }
    }
    Ok(out)
}

/// The user of `uid` in /etc/passwd.
pub fn account(ctx: &Ctx, uid: u32) -> Result<Option<Account>> {
    Ok(accounts(ctx)?.into_iter().find(|a| a.uid == uid))
}

/// The SSH connection this module runs over; `None` when it does not run under sshd and no
/// `SSH_CONNECTION` is in its environment or its ancestors'. An sshd ancestor whose connection
/// cannot be found at all is an error: a guard must not pass by not knowing.
pub fn connection(ctx: &Ctx) -> Result<Option<Connection>> {
    let mut chain: Vec<(u32, Proc)> = Vec::new();
    let mut pid = "self".to_string();
    let mut env = environ_of(ctx, "self");
    let mut auth_info = user_auth_of(ctx, "self");
    for _ in 0..256 {
        let Some(p) = read_proc(ctx, &pid)? else {
            break;
        };
        let ppid = p.ppid;
        let num = if pid == "self" {
            0
        } else {
            pid.parse().unwrap_or(0)
        };
        if num != 0 {
            env = env.or_else(|| environ_of(ctx, &pid));
            auth_info = auth_info.or_else(|| user_auth_of(ctx, &pid));
        }
        chain.push((num, p));
        if ppid == 0 || ppid == num {
            break;
        }
        pid = ppid.to_string();
    }
    let sessions: Vec<&(u32, Proc)> = chain
        .iter()
        .filter(|(n, p)| *n != 0 && is_sshd(&p.comm))
        .collect();
    let login_uid = ctx
        .read("/proc/self/loginuid")
        .ok()
        .flatten()
        .and_then(|t| t.trim().parse::<u32>().ok())
        .filter(|u| *u != u32::MAX);
    let mut found: Option<Found> = None;
    for (pid, _) in &sessions {
        let Some(inodes) = socket_inodes(ctx, *pid) else {
            continue;
        };
        let socks = tcp_sockets(ctx, &pid.to_string())?;
        let est: Vec<&TcpSocket> = inodes
            .iter()
            .filter_map(|i| {
                socks
                    .iter()
                    .find(|s| s.inode == *i && s.state == TCP_ESTABLISHED)
            })
            .collect();
        let listening = |s: &&&TcpSocket| {
            socks
                .iter()
                .any(|l| l.state == TCP_LISTEN && l.local_port == s.local_port)
        };
        let pick = est
            .iter()
            .find(|s| {
                env.is_some_and(|(p, pp, l, lp)| {
                    s.remote == p && s.remote_port == pp && s.local == l && s.local_port == lp
                })
            })
            .or_else(|| est.iter().find(listening))
            .or_else(|| est.first());
        if let Some(s) = pick {
            found = Some((
                s.remote,
                s.remote_port,
                s.local,
                s.local_port,
                "socket",
                Some(*pid),
            ));
            break;
        }
    }
    if found.is_none() {
        if let Some((p, pp, l, lp)) = env {
            found = Some((
                p,
                pp,
                l,
                lp,
                "SSH_CONNECTION",
                sessions.first().map(|s| s.0),
            ));
        }
    }
    let Some((peer, peer_port, local, local_port, found_by, sshd_pid)) = found else {
        if let Some((pid, _)) = sessions.first() {
            return Err(Error::refused(format!(
                "lockout guard: this module runs under the sshd session process {pid}, but neither its TCP socket nor SSH_CONNECTION can be read, so the connection cannot be judged; run the task with become (root can read the session's sockets), or set allow_lockout: true"
            )));
        }
        return Ok(None);
    };
    let uid = login_uid.or_else(|| sessions.first().map(|(_, p)| p.uid));
    let (user, home) = match uid {
        Some(u) => match account(ctx, u)? {
            Some(a) => (Some(a.name), Some(a.home)),
            None => (None, None),
        },
        None => (None, None),
    };
    Ok(Some(Connection {
        peer,
        peer_port,
        local,
        local_port,
        uid,
        user,
        home,
        found_by,
        sshd_pid,
        auth_info,
    }))
}

/// peer, peer port, local, local port, found by, sshd pid
type Found = (IpAddr, u16, IpAddr, u16, &'static str, Option<u32>);

/// What a guard found the change would cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Risk(pub String);

/// What a guard found, over SSH: what the change cuts, what it cannot judge, and the ways in
/// that it showed survive the change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Proven cuts: refused unless `allow_lockout`.
    pub risks: Vec<Risk>,
    /// What the guard cannot judge (an element it does not model, keys it cannot read, a
    /// configuration that does not explain the session): refused as `unknown` unless
    /// `allow_lockout`.
    pub unknown: Vec<String>,
    /// The way(s) the session comes in by, shown to survive the change (`lockout_path`).
    pub paths: Vec<String>,
}

impl Findings {
    pub fn risk(&mut self, r: impl Into<String>) {
        self.risks.push(Risk(r.into()));
    }
    pub fn unknown(&mut self, u: impl Into<String>) {
        self.unknown.push(u.into());
    }
    pub fn path(&mut self, p: impl Into<String>) {
        self.paths.push(p.into());
    }
    pub fn extend(&mut self, o: Findings) {
        self.risks.extend(o.risks);
        self.unknown.extend(o.unknown);
        self.paths.extend(o.paths);
    }
}

/// The key of the module arguments under which the collection's action plugins describe
/// Ansible's connection to the host. Not a task parameter: the kit takes it out before the
/// arguments are validated.
pub const HINT_KEY: &str = "_hardening_connection";

/// How Ansible reaches the host (from the action plugin). It can only make a guard stricter:
/// a hint that says SSH turns "no SSH session found" into `unknown`; a hint that says otherwise
/// changes nothing of today's detection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// Ansible's connection plugin (`ssh`, `paramiko_ssh`, `local`, `containers.podman.podman` …).
    pub transport: String,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// The login user (`remote_user`).
    pub user: Option<String>,
    pub become_method: Option<String>,
}

impl Hint {
    /// Parse the action plugin's object; anything unexpected fails the task, naming it.
    pub fn parse(v: &serde_json::Value) -> std::result::Result<Hint, String> {
        let bad = |what: &str| format!("{HINT_KEY}: {what}");
        let obj = v.as_object().ok_or_else(|| bad("must be an object"))?;
        let mut h = Hint::default();
        for (k, v) in obj {
            let text = || -> std::result::Result<Option<String>, String> {
                match v {
                    serde_json::Value::Null => Ok(None),
                    serde_json::Value::String(s) if s.len() <= 1024 => Ok(Some(s.clone())),
                    _ => Err(bad(&format!("{k} must be a string"))),
                }
            };
            match k.as_str() {
                "transport" => h.transport = text()?.unwrap_or_default(),
                "host" => h.host = text()?,
                "user" => h.user = text()?,
                "become_method" => h.become_method = text()?,
                "port" => {
                    h.port = match v {
                        serde_json::Value::Null => None,
                        serde_json::Value::Number(n) => Some(
                            n.as_u64()
                                .and_then(|p| u16::try_from(p).ok())
                                .ok_or_else(|| bad("port must be a TCP port number"))?,
                        ),
                        serde_json::Value::String(s) => Some(
                            s.parse()
                                .map_err(|_| bad("port must be a TCP port number"))?,
                        ),
                        _ => return Err(bad("port must be a TCP port number")),
                    }
                }
                other => return Err(bad(&format!("unknown key {}", args::clip(other)))),
            }
        }
        if h.transport.is_empty() {
            return Err(bad("transport is missing"));
        }
        Ok(h)
    }

    /// Whether Ansible's connection is SSH (OpenSSH, paramiko, libssh).
    pub fn is_ssh(&self) -> bool {
        let t = self.transport.rsplit('.').next().unwrap_or("");
        matches!(t, "ssh" | "paramiko" | "paramiko_ssh" | "libssh")
    }
}

/// The session a guard protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    /// The SSH connection, found.
    Ssh(Connection),
    /// Not over SSH (local, podman, chroot): not guarded; why it was taken so.
    Local(String),
    /// Over SSH (or it may be), but the connection cannot be found: nothing can be proven.
    Unknown(String),
}

impl Session {
    pub fn conn(&self) -> Option<&Connection> {
        match self {
            Session::Ssh(c) => Some(c),
            _ => None,
        }
    }

    /// How the verdict's session was established (`lockout_basis`).
    pub fn basis(&self) -> String {
        match self {
            Session::Ssh(c) => match c.found_by {
                "socket" => "the sshd session's TCP socket, found from this process's ancestors".into(),
                "SSH_CONNECTION" => "SSH_CONNECTION of this process or an ancestor".into(),
                _ => "the sshd session of Ansible's connection (user and port), found among all sshd processes: this process does not run under sshd".into(),
            },
            Session::Local(why) | Session::Unknown(why) => why.clone(),
        }
    }
}

/// The session this module runs in: the SSH connection found from its ancestors; else, when
/// Ansible says it connects over SSH, that connection's sshd session found among all sshd
/// processes, or `Unknown`; else `Local`.
pub fn session(ctx: &Ctx) -> Result<Session> {
    let found = match connection(ctx) {
        Ok(Some(c)) => return Ok(Session::Ssh(c)),
        Ok(None) => None,
        Err(Error::Refused(why)) => Some(why),
        Err(e) => return Err(e),
    };
    let hint = ctx.hint.as_ref().filter(|h| h.is_ssh());
    let Some(h) = hint else {
        return Ok(match found {
            Some(why) => Session::Unknown(why),
            None => Session::Local(format!(
                "no sshd process among this module's ancestors and no SSH_CONNECTION{}",
                ctx.hint
                    .as_ref()
                    .map(|h| format!("; Ansible's connection is {}", h.transport))
                    .unwrap_or_default()
            )),
        });
    };
    match by_hint(ctx, h)? {
        Ok(c) => Ok(Session::Ssh(c)),
        Err(why) => Ok(Session::Unknown(format!(
            "Ansible connects over SSH ({}{}{}), but {}{}",
            h.transport,
            h.user
                .as_deref()
                .map(|u| format!(" as {u}"))
                .unwrap_or_default(),
            h.become_method
                .as_deref()
                .map(|b| format!(", become {b}"))
                .unwrap_or_default(),
            found.map(|f| f + "; ").unwrap_or_default(),
            why
        ))),
    }
}

/// The sshd session of Ansible's connection when this process does not descend from it (a
/// become method that starts the command outside the session: run0, machinectl, systemd-run):
/// every sshd process of the login user (its audit login uid) with an established socket on
/// the connection's port. One peer and local address and port among them is the connection;
/// none, or several that differ, cannot be told apart.
fn by_hint(ctx: &Ctx, h: &Hint) -> Result<std::result::Result<Connection, String>> {
    let who = match &h.user {
        Some(u) => match accounts(ctx)?.into_iter().find(|a| &a.name == u) {
            Some(a) => Some(a),
            None => return Ok(Err(format!("the login user {u} is not in /etc/passwd"))),
        },
        None => None,
    };
    let mut found: Vec<(u32, TcpSocket)> = Vec::new();
    for (pid, p) in sshd_processes(ctx)? {
        let name = pid.to_string();
        if let Some(a) = &who {
            // the audit login uid (the privileged sshd process has the user's once logged in)
            let login = ctx
                .read(&format!("/proc/{name}/loginuid"))
                .or_else(gone)?
                .and_then(|t| t.trim().parse::<u32>().ok())
                .filter(|u| *u != u32::MAX);
            if login.unwrap_or(p.uid) != a.uid {
                continue;
            }
        }
        let Some(inodes) = socket_inodes(ctx, pid) else {
            continue;
        };
        let socks = tcp_sockets(ctx, &name)?;
        for s in socks.iter().filter(|s| {
            s.state == TCP_ESTABLISHED
                && inodes.contains(&s.inode)
                && socks
                    .iter()
                    .any(|l| l.state == TCP_LISTEN && l.local_port == s.local_port)
        }) {
            found.push((pid, s.clone()));
        }
    }
    let distinct_of = |f: &[(u32, TcpSocket)]| {
        let mut d: Vec<(IpAddr, IpAddr, u16)> = f
            .iter()
            .map(|(_, s)| (s.remote, s.local, s.local_port))
            .collect();
        d.sort();
        d.dedup();
        d
    };
    // Ansible's port is sshd's only without NAT or port publishing: it narrows several
    // sessions of the user down, it never rules out the only one
    let mut distinct = distinct_of(&found);
    if let (true, Some(p)) = (distinct.len() > 1, h.port) {
        let on_port: Vec<(u32, TcpSocket)> = found
            .iter()
            .filter(|(_, s)| s.local_port == p)
            .cloned()
            .collect();
        if !on_port.is_empty() {
            found = on_port;
            distinct = distinct_of(&found);
        }
    }
    let user = h.user.as_deref().unwrap_or("any user");
    match distinct.len() {
        0 => Ok(Err(format!(
            "this module does not run under sshd and no sshd session of {user} was found"
        ))),
        1 => {
            let (pid, s) = &found[0];
            Ok(Ok(Connection {
                peer: s.remote,
                peer_port: s.remote_port,
                local: s.local,
                local_port: s.local_port,
                uid: who.as_ref().map(|a| a.uid),
                user: who.as_ref().map(|a| a.name.clone()),
                home: who.as_ref().map(|a| a.home.clone()),
                found_by: "ansible_connection",
                sshd_pid: Some(*pid),
                auth_info: None,
            }))
        }
        _ => Ok(Err(format!(
            "this module does not run under sshd, and sshd sessions of {user} from several places could be Ansible's: {}",
            distinct
                .iter()
                .map(|(p, l, lp)| format!("{p} to {l} port {lp}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Report a guard's verdict. Over SSH: risks fail the task (`lockout_check: refused`), what the
/// guard cannot judge fails it too (`unknown`), unless `allow_lockout` (`overridden`, with a
/// warning); otherwise `passed`, with the ways in shown to survive (`lockout_path`). A session
/// that cannot be found while Ansible says SSH is `unknown` (refused) the same way. Not over
/// SSH: `not_over_ssh`, risks and unknowns as warnings. `what` names the change ("switching
/// to FIPS"). The result gets `lockout_basis`: how the session was established.
pub fn judge(
    session: &Session,
    what: &str,
    f: &Findings,
    allow: bool,
    out: &mut Outcome,
) -> Result<()> {
    out.set("lockout_basis", session.basis());
    let c = match session {
        Session::Local(_) => {
            out.set("lockout_check", "not_over_ssh");
            for r in &f.risks {
                out.warn(format!(
                    "{what} would cut SSH access (not guarded: this task does not run over SSH): {}",
                    r.0
                ));
            }
            for u in &f.unknown {
                out.warn(format!(
                    "{what}: the lockout guard cannot judge (not guarded: this task does not run over SSH): {u}"
                ));
            }
            return Ok(());
        }
        Session::Unknown(why) => {
            let reasons = vec![format!("the SSH session cannot be found: {why}")];
            return unknown(
                what,
                "the SSH connection this task runs over",
                reasons,
                allow,
                out,
            );
        }
        Session::Ssh(c) => c,
    };
    out.set("lockout_connection", c);
    if !f.risks.is_empty() {
        let reasons: Vec<String> = f.risks.iter().map(|r| r.0.clone()).collect();
        let list = reasons.join("; ");
        if allow {
            out.set("lockout_check", "overridden");
            out.set("lockout_risks", &reasons);
            out.warn(format!(
                "allow_lockout: true: {what} goes ahead although it would cut {}: {list}",
                c.describe()
            ));
            return Ok(());
        }
        return Err(Error::Lockout {
            verdict: "refused",
            msg: format!(
                "lockout guard: {what} would cut {} this task runs over: {list}. Nothing was changed. Fix that first, or set allow_lockout: true to make the change anyway (keep a console open: an established session, and an SSH ControlPersist master, can outlive the change, so a lockout may show only at the next new connection)",
                c.describe()
            ),
            reasons,
        });
    }
    if !f.unknown.is_empty() {
        return unknown(what, &c.describe(), f.unknown.clone(), allow, out);
    }
    out.set("lockout_check", "passed");
    out.set("lockout_path", &f.paths);
    Ok(())
}

fn unknown(
    what: &str,
    conn: &str,
    reasons: Vec<String>,
    allow: bool,
    out: &mut Outcome,
) -> Result<()> {
    let list = reasons.join("; ");
    if allow {
        out.set("lockout_check", "overridden");
        out.set("lockout_risks", &reasons);
        out.warn(format!(
            "allow_lockout: true: {what} goes ahead although the lockout guard cannot show that {conn} survives it: {list}"
        ));
        return Ok(());
    }
    Err(Error::Lockout {
        verdict: "unknown",
        msg: format!(
            "lockout guard: cannot show that {conn} survives {what}: {list}. Nothing was changed. A guard passes only what it can prove; make the way in one the guard can judge, or set allow_lockout: true to make the change anyway (keep a console open)"
        ),
        reasons,
    })
}

/// `lockout_check` of a run that changes nothing a guard judges: `passed` over SSH (nothing
/// is cut, also when the session cannot be found), else `not_over_ssh`.
pub fn nothing_to_cut(ctx: &Ctx, out: &mut Outcome) {
    let s = session(ctx);
    match &s {
        Ok(Session::Local(_)) => out.set("lockout_check", "not_over_ssh"),
        _ => {
            if let Ok(Session::Ssh(c)) = &s {
                out.set("lockout_connection", c);
            }
            out.set("lockout_check", "passed");
            out.set(
                "lockout_path",
                ["nothing the lockout guard judges is changed"],
            );
        }
    }
    if let Ok(s) = &s {
        out.set("lockout_basis", s.basis());
    }
}

/// A connection to use in the guards' messages and unit tests.
#[cfg(test)]
pub fn test_connection() -> Connection {
    Connection {
        peer: "192.0.2.10".parse().unwrap(),
        peer_port: 50000,
        local: "192.0.2.1".parse().unwrap(),
        local_port: 2222,
        uid: Some(1000),
        user: Some("admin".into()),
        home: Some("/home/admin".into()),
        found_by: "socket",
        sshd_pid: Some(100),
        auth_info: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:08AE 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0\n   1: 0100000A:08AE 0A00000A:C350 01 00000000:00000000 02:000A7F2D 00000000     0        0 2222 4 0000000000000000 20 4 1 10 -1\n   2: 0100000A:D431 08080808:0050 01 00000000:00000000 02:000A7F2D 00000000     0        0 3333 4 0000000000000000 20 4 1 10 -1\n";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0000000000000000FFFF00000100007F:0016 0000000000000000FFFF00000200007F:D6D8 01 00000000:00000000 02:0009F2E5 00000000     0        0 4444 2 0000000000000000 20 4 30 10 -1\n   1: 000080FE00000000FF005450525412FE:0016 000080FE000000000000000002000000:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 20 4 30 10 -1\n";

    #[test]
    fn proc_net_tcp_is_read_as_the_kernel_prints_it() {
        let s = parse_tcp(TCP);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].state, TCP_LISTEN);
        assert_eq!(s[0].local_port, 2222);
        assert_eq!(s[1].local, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(s[1].remote, "10.0.0.10".parse::<IpAddr>().unwrap());
        assert_eq!(s[1].remote_port, 50000);
        assert_eq!(s[1].inode, 2222);
        let s6 = parse_tcp(TCP6);
        // an IPv4-mapped address is the IPv4 address
        assert_eq!(s6[0].local, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(s6[0].remote, "127.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(s6[0].local_port, 22);
        assert_eq!(
            s6[1].local,
            "fe80::5054:ff:fe12:5452".parse::<IpAddr>().unwrap()
        );
    }

    struct Fake(tempfile::TempDir);
    impl Fake {
        fn new() -> Fake {
            let d = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(d.path().join("etc")).unwrap();
            std::fs::write(
                d.path().join("etc/passwd"),
                "root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000::/home/admin:/bin/bash\n",
            )
            .unwrap();
            Fake(d)
        }
        fn proc(&self, pid: &str, ppid: u32, uid: u32, name: &str) -> std::path::PathBuf {
            let p = self.0.path().join("proc").join(pid);
            std::fs::create_dir_all(p.join("fd")).unwrap();
            std::fs::write(
                p.join("status"),
                format!(
                    "Name:\t{name}\nState:\tS\nPPid:\t{ppid}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n"
                ),
            )
            .unwrap();
            p
        }
        fn ctx(&self) -> Ctx {
            Ctx::sandbox(self.0.path(), false, false)
        }
    }

    /// sshd (listener, 1) → sshd [priv] (100, root) → sshd user@notty (101, admin) → sh (102)
    /// → sudo (103) → sh (104) → module (self).
    fn session(f: &Fake, with_sockets: bool) {
        f.proc("self", 104, 0, "firewalld_zone");
        f.proc("104", 103, 0, "sh");
        f.proc("103", 102, 0, "sudo");
        f.proc("102", 101, 1000, "sh");
        let net = f.proc("101", 100, 1000, "sshd");
        let priv_ = f.proc("100", 1, 0, "sshd");
        f.proc("1", 0, 0, "systemd");
        for p in [&net, &priv_] {
            std::fs::create_dir_all(p.join("net")).unwrap();
            std::fs::write(p.join("net/tcp"), TCP).unwrap();
            std::fs::write(p.join("net/tcp6"), TCP6).unwrap();
        }
        if with_sockets {
            symlink("/dev/null", priv_.join("fd/0")).unwrap();
            symlink("socket:[3333]", priv_.join("fd/3")).unwrap();
            symlink("socket:[2222]", priv_.join("fd/4")).unwrap();
        }
    }

    #[test]
    fn the_walk_finds_the_session_socket_through_sudo() {
        let f = Fake::new();
        session(&f, true);
        std::fs::write(f.0.path().join("proc/self/loginuid"), "1000").unwrap();
        let c = connection(&f.ctx()).unwrap().unwrap();
        // 3333 is an outgoing forwarded connection (no listener on its local port)
        assert_eq!(c.peer, "10.0.0.10".parse::<IpAddr>().unwrap());
        assert_eq!(c.local_port, 2222);
        assert_eq!(c.found_by, "socket");
        assert_eq!(c.sshd_pid, Some(100));
        assert_eq!(c.user.as_deref(), Some("admin"));
        assert_eq!(c.home.as_deref(), Some("/home/admin"));
    }

    #[test]
    fn ssh_connection_of_an_ancestor_when_sockets_are_unreadable() {
        let f = Fake::new();
        session(&f, false);
        // sudo cleared the module's environment; the user's shell still has it
        std::fs::write(
            f.0.path().join("proc/102/environ"),
            b"HOME=/home/admin\0SSH_CONNECTION=192.0.2.7 40000 192.0.2.1 22\0",
        )
        .unwrap();
        let c = connection(&f.ctx()).unwrap().unwrap();
        assert_eq!(c.found_by, "SSH_CONNECTION");
        assert_eq!(c.peer, "192.0.2.7".parse::<IpAddr>().unwrap());
        assert_eq!(c.local_port, 22);
        // no loginuid: the owner of the first sshd session process
        assert_eq!(c.uid, Some(1000));
    }

    #[test]
    fn an_sshd_session_that_cannot_be_read_is_refused_not_passed() {
        let f = Fake::new();
        session(&f, false);
        let e = connection(&f.ctx()).unwrap_err().to_string();
        assert!(e.contains("cannot be judged"), "{e}");
    }

    #[test]
    fn no_sshd_ancestor_is_not_over_ssh() {
        let f = Fake::new();
        f.proc("self", 50, 0, "selinux");
        f.proc("50", 1, 0, "conmon");
        f.proc("1", 0, 0, "systemd");
        assert_eq!(connection(&f.ctx()).unwrap(), None);
    }

    #[test]
    fn verdicts() {
        let c = Session::Ssh(test_connection());
        let local = Session::Local("podman".into());
        let risky = Findings {
            risks: vec![Risk("port 2222/tcp is not open in zone public".into())],
            ..Findings::default()
        };
        let mut o = Outcome::default();
        judge(&local, "x", &risky, false, &mut o).unwrap();
        assert_eq!(o.values["lockout_check"], "not_over_ssh");
        assert_eq!(o.warnings.len(), 1);
        let mut o = Outcome::default();
        let proven = Findings {
            paths: vec!["zone public: service ssh".into()],
            ..Findings::default()
        };
        judge(&c, "x", &proven, false, &mut o).unwrap();
        assert_eq!(o.values["lockout_check"], "passed");
        assert_eq!(o.values["lockout_path"][0], "zone public: service ssh");
        let e = judge(&c, "making zone public exclusive", &risky, false, &mut o).unwrap_err();
        assert!(matches!(
            e,
            Error::Lockout {
                verdict: "refused",
                ..
            }
        ));
        let e = e.to_string();
        assert!(e.contains("192.0.2.10") && e.contains("2222/tcp") && e.contains("allow_lockout"));
        let mut o = Outcome::default();
        judge(&c, "x", &risky, true, &mut o).unwrap();
        assert_eq!(o.values["lockout_check"], "overridden");
        assert!(o.warnings[0].contains("allow_lockout"));
    }

    #[test]
    fn what_cannot_be_judged_is_unknown_and_refused() {
        let c = Session::Ssh(test_connection());
        let f = Findings {
            unknown: vec!["ipset admins cannot be read".into()],
            paths: vec!["something".into()],
            ..Findings::default()
        };
        let mut o = Outcome::default();
        let e = judge(&c, "the change", &f, false, &mut o).unwrap_err();
        match &e {
            Error::Lockout {
                verdict, reasons, ..
            } => {
                assert_eq!(*verdict, "unknown");
                assert_eq!(reasons[0], "ipset admins cannot be read");
            }
            _ => panic!("{e}"),
        }
        assert!(!o.values.contains_key("lockout_check"));
        let mut o = Outcome::default();
        judge(&c, "the change", &f, true, &mut o).unwrap();
        assert_eq!(o.values["lockout_check"], "overridden");
        // a session that cannot be found is unknown, never passed, whatever the findings
        let s = Session::Unknown("no sshd session of admin".into());
        let mut o = Outcome::default();
        let e = judge(&s, "the change", &Findings::default(), false, &mut o).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Lockout {
                    verdict: "unknown",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("no sshd session of admin"));
        assert_eq!(o.values["lockout_basis"], "no sshd session of admin");
    }

    #[test]
    fn the_hint_is_strict() {
        let h = Hint::parse(&serde_json::json!({"transport": "ssh", "host": "h", "port": 2222, "user": "admin", "become_method": "run0"})).unwrap();
        assert!(h.is_ssh());
        assert_eq!(h.port, Some(2222));
        assert!(
            Hint::parse(&serde_json::json!({"transport": "ansible.netcommon.libssh"}))
                .unwrap()
                .is_ssh()
        );
        assert!(
            !Hint::parse(&serde_json::json!({"transport": "containers.podman.podman"}))
                .unwrap()
                .is_ssh()
        );
        for bad in [
            serde_json::json!("ssh"),
            serde_json::json!({"transport": "ssh", "port": 70000}),
            serde_json::json!({"transport": "ssh", "sure": true}),
            serde_json::json!({"host": "h"}),
            serde_json::json!({"transport": ["ssh"]}),
        ] {
            assert!(Hint::parse(&bad).is_err(), "{bad}");
        }
    }

    /// become that leaves sshd's process tree (systemd-run, run0): the module's ancestors are
    /// systemd only; the session is still there among all processes.
    fn outside_session(f: &Fake) {
        session(f, true);
        f.proc("self", 1, 0, "firewalld_zone");
        std::fs::write(f.0.path().join("proc/100/loginuid"), "1000").unwrap();
    }

    #[test]
    fn become_outside_sshd_is_found_by_the_hint_or_unknown() {
        let f = Fake::new();
        outside_session(&f);
        let mut ctx = f.ctx();
        // without a hint: today's detection (not over SSH)
        assert!(matches!(super::session(&ctx).unwrap(), Session::Local(_)));
        ctx.hint = Some(Hint {
            transport: "ssh".into(),
            user: Some("admin".into()),
            port: Some(2222),
            become_method: Some("run0".into()),
            ..Hint::default()
        });
        let Session::Ssh(c) = super::session(&ctx).unwrap() else {
            panic!("not found")
        };
        assert_eq!(c.found_by, "ansible_connection");
        assert_eq!(c.peer, "10.0.0.10".parse::<IpAddr>().unwrap());
        assert_eq!(c.user.as_deref(), Some("admin"));
        // Ansible's port differs (NAT, a published port): the user's only session is it
        ctx.hint.as_mut().unwrap().port = Some(22222);
        assert!(matches!(super::session(&ctx).unwrap(), Session::Ssh(_)));
        // another user: no such session → unknown, never not_over_ssh
        ctx.hint.as_mut().unwrap().user = Some("root".into());
        let s = super::session(&ctx).unwrap();
        assert!(
            matches!(&s, Session::Unknown(w) if w.contains("run0") && w.contains("no sshd session of root")),
            "{s:?}"
        );
        // a local connection's hint changes nothing
        ctx.hint = Some(Hint {
            transport: "local".into(),
            ..Hint::default()
        });
        assert!(matches!(super::session(&ctx).unwrap(), Session::Local(_)));
    }

    #[test]
    fn an_unreadable_session_is_unknown() {
        let f = Fake::new();
        session(&f, false);
        assert!(matches!(
            super::session(&f.ctx()).unwrap(),
            Session::Unknown(w) if w.contains("cannot be judged")
        ));
    }
}
