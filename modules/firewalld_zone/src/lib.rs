//! `hardening.rhel.firewalld_zone`: a whole firewalld zone in one task.
//!
//! * firewalld running: its D-Bus API — permanent config objects (`getSettings2`/`update2`,
//!   `addZone2`, `remove`, the `DefaultZone` property) and runtime zone methods
//!   (`getZoneSettings2`/`setZoneSettings2`, `setDefaultZone`). No firewall-cmd, no reload.
//! * firewalld not running (image build, chroot, container without systemd): the zone file in
//!   /etc/firewalld/zones written as firewalld writes it, `<zone>.xml.old` kept, DefaultZone set in
//!   firewalld.conf; `runtime_applied: false` with a message.
//!
//! read → pure plan → lockout guard → apply (skipped in check mode) → report, in [`run`]: one
//! zone state read from either back end, one plan, an applier per back end.

pub mod guard;
pub mod offline;
pub mod online;
pub mod rich;
pub mod run;
pub mod settings;
pub mod xml;

use kit::{Ctx, Default, Error, Kind, Outcome, Param, Result};
use online::{rule_strings, Firewalld};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use settings::{ListRequest, Request};
use xml::{ForwardPort, Zone};

pub struct FirewalldZone;

#[derive(Debug, Deserialize, Clone)]
pub struct FwdArg {
    pub port: String,
    pub protocol: String,
    pub to_port: Option<String>,
    pub to_addr: Option<String>,
}

impl FwdArg {
    fn to_forward(&self) -> ForwardPort {
        ForwardPort {
            port: self.port.clone(),
            protocol: self.protocol.clone(),
            to_port: self.to_port.clone().unwrap_or_default(),
            to_addr: self.to_addr.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct Lists {
    pub services: Option<Vec<String>>,
    pub ports: Option<Vec<String>>,
    pub protocols: Option<Vec<String>>,
    pub source_ports: Option<Vec<String>>,
    pub sources: Option<Vec<String>>,
    pub interfaces: Option<Vec<String>>,
    pub icmp_blocks: Option<Vec<String>>,
    pub rich_rules: Option<Vec<String>>,
    pub forward_ports: Option<Vec<FwdArg>>,
}

impl Lists {
    /// Whether any list is given.
    pub fn any(&self) -> bool {
        [
            &self.services,
            &self.ports,
            &self.protocols,
            &self.source_ports,
            &self.sources,
            &self.interfaces,
            &self.icmp_blocks,
            &self.rich_rules,
        ]
        .iter()
        .any(|l| l.is_some())
            || self.forward_ports.is_some()
    }
}

#[derive(Debug, Deserialize)]
pub struct Args {
    pub name: String,
    pub state: String,
    pub target: Option<String>,
    #[serde(flatten)]
    pub lists: Lists,
    pub masquerade: Option<bool>,
    pub forward: Option<bool>,
    pub icmp_block_inversion: Option<bool>,
    pub short: Option<String>,
    pub description: Option<String>,
    pub default: bool,
    pub exclusive: bool,
    pub remove: Option<Lists>,
    pub permanent: bool,
    pub runtime: bool,
    /// firewalld.service enabled for multi-user.target (its wants link; works offline).
    pub enabled: Option<bool>,
    pub allow_lockout: bool,
}

const FWD_OPTIONS: &[Param] = &[
    Param::new("port", Kind::Str).required(),
    Param::new("protocol", Kind::Str).required(),
    Param::new("to_port", Kind::Str),
    Param::new("to_addr", Kind::Str),
];

const STR_LIST: Kind = Kind::List(&Kind::Str);

const REMOVE_OPTIONS: &[Param] = &[
    Param::new("services", STR_LIST),
    Param::new("ports", STR_LIST),
    Param::new("protocols", STR_LIST),
    Param::new("source_ports", STR_LIST),
    Param::new("sources", STR_LIST),
    Param::new("interfaces", STR_LIST),
    Param::new("icmp_blocks", STR_LIST),
    Param::new("rich_rules", STR_LIST),
    Param::new("forward_ports", Kind::List(&Kind::Dict(FWD_OPTIONS))),
];

const CONF: &str = offline::CONF;
const UNIT: &str = "firewalld.service";

fn list_request(present: &Option<Vec<String>>, absent: Option<&Vec<String>>) -> ListRequest {
    ListRequest {
        present: present.clone(),
        absent: absent.cloned().unwrap_or_default(),
    }
}

/// The request of the task's arguments.
pub fn request(args: &Args) -> Request {
    let none = Lists::default();
    let rm = args.remove.as_ref().unwrap_or(&none);
    let l = &args.lists;
    Request {
        target: args.target.clone(),
        short: args.short.clone(),
        description: args.description.clone(),
        services: list_request(&l.services, rm.services.as_ref()),
        ports: list_request(&l.ports, rm.ports.as_ref()),
        protocols: list_request(&l.protocols, rm.protocols.as_ref()),
        source_ports: list_request(&l.source_ports, rm.source_ports.as_ref()),
        sources: list_request(&l.sources, rm.sources.as_ref()),
        interfaces: list_request(&l.interfaces, rm.interfaces.as_ref()),
        icmp_blocks: list_request(&l.icmp_blocks, rm.icmp_blocks.as_ref()),
        rich_rules: list_request(&l.rich_rules, rm.rich_rules.as_ref()),
        forward_ports: l
            .forward_ports
            .iter()
            .flatten()
            .map(FwdArg::to_forward)
            .collect(),
        forward_ports_given: l.forward_ports.is_some(),
        forward_ports_absent: rm
            .forward_ports
            .iter()
            .flatten()
            .map(FwdArg::to_forward)
            .collect(),
        masquerade: args.masquerade,
        forward: args.forward,
        icmp_block_inversion: args.icmp_block_inversion,
        exclusive: args.exclusive,
    }
}

/// The zone as the module reports it (target `REJECT`, ports as `443/tcp`, rules normalised).
pub fn view(z: &Zone) -> Json {
    let ports = |p: &[(String, String)]| {
        p.iter()
            .map(|(a, b)| format!("{a}/{b}"))
            .collect::<Vec<_>>()
    };
    json!({
        "target": if z.target == "%%REJECT%%" { "REJECT" } else { z.target.as_str() },
        "short": z.short,
        "description": z.description,
        "services": z.services,
        "ports": ports(&z.ports),
        "protocols": z.protocols,
        "source_ports": ports(&z.source_ports),
        "sources": z.sources,
        "interfaces": z.interfaces,
        "icmp_blocks": z.icmp_blocks,
        "rich_rules": rule_strings(z),
        "forward_ports": z.forward_ports.iter().map(|f| json!({
            "port": f.port, "protocol": f.protocol, "to_port": f.to_port, "to_addr": f.to_addr,
        })).collect::<Vec<_>>(),
        "masquerade": z.masquerade,
        "forward": z.forward,
        "icmp_block_inversion": z.icmp_block_inversion,
    })
}

/// A readable listing, in the spirit of `firewall-cmd --list-all` (diff of the runtime).
pub fn listing(name: &str, z: &Zone) -> String {
    let ports = |p: &[(String, String)]| {
        p.iter()
            .map(|(a, b)| format!("{a}/{b}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let yn = |b: bool| if b { "yes" } else { "no" };
    let mut s = format!(
        "{name}\n  target: {}\n  icmp-block-inversion: {}\n  interfaces: {}\n  sources: {}\n  services: {}\n  ports: {}\n  protocols: {}\n  forward: {}\n  masquerade: {}\n  forward-ports:\n",
        if z.target == "%%REJECT%%" { "REJECT" } else { &z.target },
        yn(z.icmp_block_inversion),
        z.interfaces.join(" "),
        z.sources.join(" "),
        z.services.join(" "),
        ports(&z.ports),
        z.protocols.join(" "),
        yn(z.forward),
        yn(z.masquerade),
    );
    for f in &z.forward_ports {
        s += &format!(
            "\tport={}:proto={}:toport={}:toaddr={}\n",
            f.port, f.protocol, f.to_port, f.to_addr
        );
    }
    s += &format!(
        "  source-ports: {}\n  icmp-blocks: {}\n  rich rules:\n",
        ports(&z.source_ports),
        z.icmp_blocks.join(" ")
    );
    for r in rule_strings(z) {
        s += &format!("\t{r}\n");
    }
    s
}

pub(crate) fn new_zone() -> Zone {
    Zone {
        target: "default".into(),
        ..Zone::default()
    }
}

pub(crate) fn is_builtin(ctx: &Ctx, name: &str) -> bool {
    ctx.path(format!("{}/zones/{name}.xml", offline::LIB))
        .exists()
}

impl kit::Module for FirewalldZone {
    const NAME: &'static str = "firewalld_zone";
    const DIRS: &'static [&'static str] = &["/etc/firewalld", "/etc/firewalld/zones"];
    const SPEC: &'static [Param] = &[
        Param::new("name", Kind::Str).required().aliases(&["zone"]),
        Param::new("state", Kind::Str)
            .choices(&["present", "absent"])
            .default(Default::Str("present")),
        Param::new("target", Kind::Str).choices(&["default", "ACCEPT", "DROP", "REJECT"]),
        Param::new("services", STR_LIST),
        Param::new("ports", STR_LIST),
        Param::new("protocols", STR_LIST),
        Param::new("source_ports", STR_LIST),
        Param::new("sources", STR_LIST),
        Param::new("interfaces", STR_LIST),
        Param::new("icmp_blocks", STR_LIST),
        Param::new("rich_rules", STR_LIST),
        Param::new("forward_ports", Kind::List(&Kind::Dict(FWD_OPTIONS))),
        Param::new("masquerade", Kind::Bool),
        Param::new("forward", Kind::Bool),
        Param::new("icmp_block_inversion", Kind::Bool),
        Param::new("short", Kind::Str),
        Param::new("description", Kind::Str),
        Param::new("default", Kind::Bool).default(Default::Bool(false)),
        Param::new("exclusive", Kind::Bool).default(Default::Bool(false)),
        Param::new("remove", Kind::Dict(REMOVE_OPTIONS)),
        Param::new("permanent", Kind::Bool).default(Default::Bool(true)),
        Param::new("runtime", Kind::Bool).default(Default::Bool(true)),
        Param::new("enabled", Kind::Bool),
        kit::lockout::ALLOW_LOCKOUT,
    ];
    type Args = Args;

    fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
        offline::check_name(&args.name)?;
        if !args.permanent && !args.runtime {
            return Err(Error::invalid(
                "permanent and runtime are both false: there is nothing to configure",
            ));
        }
        if args.state == "absent" {
            let given = args.target.is_some()
                || args.short.is_some()
                || args.description.is_some()
                || args.remove.is_some()
                || args.default
                || [args.masquerade, args.forward, args.icmp_block_inversion]
                    .iter()
                    .any(Option::is_some)
                || args.lists.any();
            if given {
                return Err(Error::invalid(
                    "state=absent removes the whole zone: give only name (and permanent/runtime)",
                ));
            }
        }
        let known = offline::read_known(ctx)?;
        let req = request(&args);
        // Validate the whole request before reading the daemon or changing anything.
        settings::apply(&new_zone(), &req, &known).map_err(Error::invalid)?;
        // A sandbox never talks to the host's bus, nor does a chroot (its bus is the host's).
        let offline = kit::os::not_booted_root(ctx)?;
        let mut fw = if ctx.sandbox_root().is_none() && offline.is_none() {
            Firewalld::connect()
        } else {
            None
        };
        // read → plan (pure) → guard → apply (not in check mode) → report
        let state = run::read_state(ctx, &args.name, fw.as_mut())?;
        let plan = run::plan(&state, &args, &req, &known)?;
        // the unit's wants link: read natively, changed by `systemctl enable/disable`, which
        // only edits links (in a chroot or an image build too)
        let enabled_now = match args.enabled {
            Some(_) => kit::service::unit_enabled(ctx, UNIT, "multi-user.target")?,
            None => false,
        };
        let enable_to = args.enabled.filter(|e| *e != enabled_now);
        let mut out = Outcome::default();
        // enabling the unit makes the next boot start firewalld with the permanent
        // configuration, and asking it enabled while it is stopped means a start is near (the
        // harden playbook starts it right after this task): judged like a change of it
        let starts = enable_to == Some(true) || (args.enabled == Some(true) && !state.daemon);
        lockout_guard(
            ctx,
            &args,
            plan.changed(&state) || starts,
            || run::moves(ctx, &state, &plan, fw.as_mut()),
            &mut out,
        )?;
        if !ctx.check_mode {
            match fw.as_mut() {
                Some(fw) => run::apply_online(ctx, fw, &state, &plan)?,
                None => run::apply_offline(ctx, &state, &plan)?,
            }
            if let Some(e) = enable_to {
                kit::service::systemctl(ctx, if e { "enable" } else { "disable" }, UNIT)?;
            }
        }
        run::report(ctx, &args, &state, &plan, &mut out);
        if let Some(e) = enable_to {
            out.changed = true;
            let said = format!(
                "{UNIT} {}{}",
                would(ctx),
                if e { "enabled" } else { "disabled" }
            );
            out.msg = if out.msg.is_empty() {
                said
            } else {
                format!("{}; {said}", out.msg)
            };
        }
        if let Some(e) = args.enabled {
            out.set("enabled", e);
        }
        out.set(
            "applied_at",
            // the running daemon keeps the old zone when only the permanent one changed
            kit::service::applied_at(
                ctx,
                state.daemon,
                state.daemon && !args.runtime && plan.changed(&state),
            )?,
        );
        if let Some(why) = offline {
            out.warn(format!(
                "the running firewall was not asked nor changed: {why}"
            ));
        }
        Ok(out)
    }
}

/// Every zone of the permanent configuration, as firewalld loads it (/etc before /usr/lib).
pub(crate) fn zone_files(ctx: &Ctx) -> Result<Vec<(String, Zone)>> {
    let mut names = std::collections::BTreeSet::new();
    for dir in [offline::LIB, offline::ETC] {
        for n in ctx.list(&format!("{dir}/zones"))?.unwrap_or_default() {
            if let Some(b) = n.strip_suffix(".xml") {
                names.insert(b.to_string());
            }
        }
    }
    names
        .into_iter()
        .map(|n| offline::read_zone(ctx, &n).map(|(_, z, _)| (n, z)))
        .collect()
}

/// The ipsets, HOST policies and interface bindings of a configuration (the permanent one:
/// files; the runtime: firewalld over D-Bus).
#[derive(Debug, Default)]
pub struct Extra {
    pub ipsets: std::collections::BTreeMap<String, guard::IpSet>,
    pub policies: Vec<guard::Policy>,
    pub bindings: Vec<guard::Binding>,
}

impl Extra {
    /// The permanent configuration's (what firewalld loads at its next start or reload).
    pub fn permanent(ctx: &Ctx) -> Result<Extra> {
        Ok(Extra {
            ipsets: guard::read_ipsets(ctx)?,
            policies: guard::read_policies(ctx)?,
            bindings: guard::read_bindings(ctx)?,
        })
    }
}

/// A whole configuration: zones, default zone, and the rest.
pub struct Config {
    pub zones: Vec<(String, Zone)>,
    pub default_zone: String,
    pub extra: Extra,
}

/// What the lockout guard judges: the configuration filtering the session now (`None`:
/// firewalld is not running, nothing does), and each configuration the change makes.
pub struct Moves {
    pub now: Option<Config>,
    pub after: Vec<(&'static str, Config)>,
}

/// Ports of each service definition (`None`: no such service).
type ServiceTable = std::collections::BTreeMap<String, Option<Vec<(String, String)>>>;

/// Service definitions of every zone and HOST policy of the configurations, read once (a read
/// error fails the task, never "no ports").
fn service_table(ctx: &Ctx, configs: &[&Config]) -> Result<ServiceTable> {
    let mut services = std::collections::BTreeMap::new();
    for c in configs {
        let bodies = c
            .zones
            .iter()
            .map(|(_, z)| z)
            .chain(c.extra.policies.iter().map(|p| &p.body));
        for z in bodies {
            let in_rules = z.rules.iter().filter_map(|e| {
                match rich::RichRule::from_element(e).ok()?.element? {
                    rich::RuleElement::Service(s) => Some(s),
                    _ => None,
                }
            });
            for s in z.services.iter().cloned().chain(in_rules) {
                if let std::collections::btree_map::Entry::Vacant(e) = services.entry(s) {
                    let ports = guard::read_service_ports(ctx, e.key())?;
                    e.insert(ports);
                }
            }
        }
    }
    Ok(services)
}

fn verdict_of(c: &Config, lookup: guard::ServicePorts<'_>, t: &guard::Traffic) -> guard::Fw {
    let w = guard::World {
        zones: c.zones.iter().map(|(n, z)| (n.clone(), z)).collect(),
        default_zone: c.default_zone.clone(),
        service_ports: lookup,
        ipsets: &c.extra.ipsets,
        policies: &c.extra.policies,
        bindings: &c.extra.bindings,
    };
    guard::verdict(&w, t)
}

/// Whether firewalld's permanent configuration (what it loads at its next start or reload)
/// accepts the SSH connection: `None` when firewalld is not installed, else the verdict.
pub fn permanent_verdict(ctx: &Ctx, conn: &kit::lockout::Connection) -> Result<Option<guard::Fw>> {
    if !ctx.path(format!("{}/zones", offline::LIB)).is_dir() {
        return Ok(None);
    }
    let (_, default_zone) = offline::read_conf(ctx)?;
    let c = Config {
        zones: zone_files(ctx)?,
        default_zone,
        extra: Extra::permanent(ctx)?,
    };
    let services = service_table(ctx, &[&c])?;
    let lookup = |s: &str| services.get(s).cloned().flatten();
    let traffic = guard::traffic(ctx, conn)?;
    Ok(Some(verdict_of(&c, &lookup, &traffic)))
}

/// `zones` with zone `name` replaced by `z` (removed when `None`).
pub(crate) fn with_zone(
    zones: &[(String, Zone)],
    name: &str,
    z: Option<&Zone>,
) -> Vec<(String, Zone)> {
    let mut v: Vec<(String, Zone)> = zones.iter().filter(|(n, _)| n != name).cloned().collect();
    if let Some(z) = z {
        v.push((name.to_string(), z.clone()));
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// What the change does to the session (see [`guard`]): the ways in by which the configuration
/// filtering it now accepts it (firewalld not running: its port, directly) must all still be
/// accepted by each configuration the change makes. One of them lost while another remains is
/// unknown (which one the session used is not known); none left is a risk; a configuration now
/// that does not accept the session as read is unknown (the model does not explain it).
pub fn findings(
    ctx: &Ctx,
    conn: &kit::lockout::Connection,
    moves: &Moves,
) -> Result<kit::lockout::Findings> {
    let traffic = guard::traffic(ctx, conn)?;
    let mut all: Vec<&Config> = moves.after.iter().map(|(_, c)| c).collect();
    all.extend(moves.now.as_ref());
    let services = service_table(ctx, &all)?;
    let lookup = |s: &str| services.get(s).cloned().flatten();
    let mut f = kit::lockout::Findings::default();
    let now: Vec<(guard::Entry, String)> = match &moves.now {
        None => vec![(
            guard::Entry::Direct,
            format!(
                "its port {} itself (firewalld is not running: nothing filters the session now)",
                conn.local_port
            ),
        )],
        Some(c) => match verdict_of(c, &lookup, &traffic) {
            guard::Fw::Accepted(v) => v,
            guard::Fw::Denied(why) => {
                f.unknown(format!(
                    "the running firewall, as read, does not accept the session ({why}), so the guard cannot tell how it came in"
                ));
                Vec::new()
            }
            guard::Fw::Unknown(why) => {
                f.unknown(format!("the running firewall: {why}"));
                Vec::new()
            }
        },
    };
    for (label, c) in &moves.after {
        match verdict_of(c, &lookup, &traffic) {
            guard::Fw::Denied(why) => f.risk(format!("{label}: {why}")),
            guard::Fw::Unknown(why) => f.unknown(format!("{label}: {why}")),
            guard::Fw::Accepted(v) => {
                let lost: Vec<&String> = now
                    .iter()
                    .filter(|(e, _)| !v.iter().any(|(x, _)| x == e))
                    .map(|(_, by)| by)
                    .collect();
                if lost.is_empty() {
                    for (e, by) in &v {
                        if now.iter().any(|(x, _)| x == e) {
                            f.path(format!("{label}: {by}"));
                        }
                    }
                } else {
                    f.unknown(format!(
                        "{label}: the session may have come in by {}, which would no longer be accepted (still accepted: {})",
                        lost.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                        v.iter().map(|(_, b)| b.as_str()).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        }
    }
    Ok(f)
}

/// The lockout guard (see [`guard`] and [`findings`]).
fn lockout_guard(
    ctx: &Ctx,
    args: &Args,
    changed: bool,
    moves: impl FnOnce() -> Result<Moves>,
    out: &mut Outcome,
) -> Result<()> {
    if !changed {
        kit::lockout::nothing_to_cut(ctx, out);
        return Ok(());
    }
    let session = kit::lockout::session(ctx)?;
    let f = match session.conn() {
        Some(conn) => findings(ctx, conn, &moves()?)?,
        None => kit::lockout::Findings::default(),
    };
    kit::lockout::judge(
        &session,
        &format!("the change of zone {}", args.name),
        &f,
        args.allow_lockout,
        out,
    )
}

pub(crate) fn would(ctx: &Ctx) -> &'static str {
    if ctx.check_mode {
        "would be "
    } else {
        ""
    }
}

pub(crate) fn fail(what: &str) -> impl Fn(String) -> Error + '_ {
    move |e| Error::refused(format!("{what}: {e}"))
}

pub(crate) fn check_removable(name: &str, builtin: bool, default: &str) -> Result<()> {
    if builtin {
        return Err(Error::refused(format!(
            "zone {name} is built in (/usr/lib/firewalld/zones): it cannot be removed; to drop local changes to it, give its settings with exclusive: true"
        )));
    }
    if default == name {
        return Err(Error::refused(format!(
            "zone {name} is the default zone: make another zone the default first"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(body: &str) -> Zone {
        Zone::parse(&format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>{body}</zone>"
        ))
        .unwrap()
    }

    fn config(z: Zone) -> Config {
        Config {
            zones: vec![("public".into(), z)],
            default_zone: "public".into(),
            extra: Extra::default(),
        }
    }

    /// The runtime accepts the session (sshd on 2222) by a forward port 22 → 2222, and maybe
    /// directly: which one the session used is not known.
    #[test]
    fn a_lost_forward_port_is_unknown_or_a_risk() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("proc/net")).unwrap();
        std::fs::write(
            d.path().join("proc/net/route"),
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
        )
        .unwrap();
        let ctx = Ctx::sandbox(d.path(), false, false);
        let conn = kit::lockout::Connection {
            peer: "192.0.2.10".parse().unwrap(),
            peer_port: 50000,
            local: "10.0.0.1".parse().unwrap(),
            local_port: 2222,
            uid: Some(1000),
            user: Some("admin".into()),
            home: Some("/home/admin".into()),
            found_by: "socket",
            sshd_pid: Some(100),
            auth_info: None,
        };
        let fwd = "<forward-port port=\"22\" protocol=\"tcp\" to-port=\"2222\"/>";
        let port = "<port port=\"2222\" protocol=\"tcp\"/>";
        let judge = |now: &str, after: &str| {
            let m = Moves {
                now: Some(config(zone(now))),
                after: vec![("runtime (now)", config(zone(after)))],
            };
            findings(&ctx, &conn, &m).unwrap()
        };
        // only the forward port, removed: the session is cut
        let f = judge(fwd, "");
        assert_eq!(f.risks.len(), 1, "{f:?}");
        // both ways, the forward port removed: the session may have used it
        let f = judge(&format!("{port}{fwd}"), port);
        assert!(f.risks.is_empty() && f.unknown.len() == 1, "{f:?}");
        assert!(f.unknown[0].contains("forward port 22/tcp"), "{f:?}");
        // both ways kept: passed, both named
        let f = judge(&format!("{port}{fwd}"), &format!("{port}{fwd}"));
        assert!(
            f.risks.is_empty() && f.unknown.is_empty() && f.paths.len() == 2,
            "{f:?}"
        );
        // the running firewall does not accept the session as read: the model does not explain it
        let f = judge("", port);
        assert!(
            f.unknown[0].contains("does not accept the session"),
            "{f:?}"
        );
        // firewalld stopped: the port itself must be accepted by what it will load
        let m = Moves {
            now: None,
            after: vec![("permanent", config(zone(fwd)))],
        };
        let f = findings(&ctx, &conn, &m).unwrap();
        assert!(
            f.unknown[0].contains("nothing filters the session now"),
            "{f:?}"
        );
    }
}
