//! `hardening.rhel.firewalld_zone`: a whole firewalld zone in one task.
//!
//! * firewalld running: its D-Bus API — permanent config objects (`getSettings2`/`update2`,
//!   `addZone2`, `remove`, the `DefaultZone` property) and runtime zone methods
//!   (`getZoneSettings2`/`setZoneSettings2`, `setDefaultZone`). No firewall-cmd, no reload.
//! * firewalld not running (image build, chroot, container without systemd): the zone file in
//!   /etc/firewalld/zones written as firewalld writes it, `<zone>.xml.old` kept, DefaultZone set in
//!   firewalld.conf; `runtime_applied: false` with a message.
//!
//! read → pure plan ([`settings::apply`], [`online::changed_keys`]) → apply (skipped in check mode).

pub mod guard;
pub mod offline;
pub mod online;
pub mod rich;
pub mod settings;
pub mod xml;

use kit::{Ctx, Default, Diff, Error, Kind, Outcome, Param, Result};
use online::{changed_keys, rule_strings, settings_dict, Firewalld, KEYS, PERMANENT_ONLY};
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

fn new_zone() -> Zone {
    Zone {
        target: "default".into(),
        ..Zone::default()
    }
}

fn is_builtin(ctx: &Ctx, name: &str) -> bool {
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
        // A sandbox never talks to the host's bus.
        let fw = if ctx.sandbox_root().is_none() {
            Firewalld::connect()
        } else {
            None
        };
        match fw {
            Some(fw) => run_online(ctx, &args, &req, &known, fw),
            None => run_offline(ctx, &args, &req, &known),
        }
    }
}

/// Every zone of the permanent configuration, as firewalld loads it (/etc before /usr/lib).
fn zone_files(ctx: &Ctx) -> Result<Vec<(String, Zone)>> {
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

/// Whether firewalld's permanent configuration (what it loads at its next start or reload)
/// accepts the SSH connection: `None` when firewalld is not installed, else the verdict.
pub fn permanent_verdict(
    ctx: &Ctx,
    conn: &kit::lockout::Connection,
) -> Result<Option<std::result::Result<String, String>>> {
    if !ctx.path(format!("{}/zones", offline::LIB)).is_dir() {
        return Ok(None);
    }
    let zones = zone_files(ctx)?;
    let (_, default_zone) = offline::read_conf(ctx)?;
    let mut services = std::collections::BTreeMap::new();
    for (_, z) in &zones {
        for s in &z.services {
            if !services.contains_key(s) {
                services.insert(s.clone(), guard::read_service_ports(ctx, s)?);
            }
        }
    }
    let lookup = |s: &str| services.get(s).cloned().flatten();
    let world = guard::World {
        zones: zones.iter().map(|(n, z)| (n.clone(), z)).collect(),
        default_zone,
        service_ports: &lookup,
    };
    let traffic = guard::Traffic {
        peer: conn.peer,
        peer_port: conn.peer_port,
        local: conn.local,
        port: conn.local_port,
        iface: guard::ingress_iface(ctx, conn.peer, conn.local)?,
    };
    Ok(Some(guard::verdict(&world, &traffic)))
}

/// `zones` with zone `name` replaced by `z` (removed when `None`).
fn with_zone(zones: &[(String, Zone)], name: &str, z: Option<&Zone>) -> Vec<(String, Zone)> {
    let mut v: Vec<(String, Zone)> = zones.iter().filter(|(n, _)| n != name).cloned().collect();
    if let Some(z) = z {
        v.push((name.to_string(), z.clone()));
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// One configuration the change moves from `before` to `after` (zones, default zone).
struct Moves {
    label: &'static str,
    before: (Vec<(String, Zone)>, String),
    after: (Vec<(String, Zone)>, String),
}

/// The lockout guard (see [`guard`]): the SSH traffic, accepted by a configuration before the
/// change, must still be accepted after it.
fn lockout_guard(
    ctx: &Ctx,
    args: &Args,
    changed: bool,
    moves: impl FnOnce() -> Result<Vec<Moves>>,
    out: &mut Outcome,
) -> Result<()> {
    if !changed {
        kit::lockout::nothing_to_cut(ctx, out);
        return Ok(());
    }
    let Some(conn) = kit::lockout::connection(ctx)? else {
        out.set("lockout_check", "not_over_ssh");
        return Ok(());
    };
    let traffic = guard::Traffic {
        peer: conn.peer,
        peer_port: conn.peer_port,
        local: conn.local,
        port: conn.local_port,
        iface: guard::ingress_iface(ctx, conn.peer, conn.local)?,
    };
    let moves = moves()?;
    // service definitions, read once (a read error fails the task, never "no ports")
    let mut services = std::collections::BTreeMap::new();
    for m in &moves {
        for (_, z) in m.before.0.iter().chain(m.after.0.iter()) {
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
    let lookup = |s: &str| services.get(s).cloned().flatten();
    let mut risks = Vec::new();
    fn world<'a>(
        c: &'a (Vec<(String, Zone)>, String),
        lookup: guard::ServicePorts<'a>,
    ) -> guard::World<'a> {
        guard::World {
            zones: c.0.iter().map(|(n, z)| (n.clone(), z)).collect(),
            default_zone: c.1.clone(),
            service_ports: lookup,
        }
    }
    for m in &moves {
        let before = guard::verdict(&world(&m.before, &lookup), &traffic);
        let after = guard::verdict(&world(&m.after, &lookup), &traffic);
        if let (Ok(_), Err(why)) = (before, after) {
            risks.push(kit::lockout::Risk(format!("{}: {why}", m.label)));
        }
    }
    kit::lockout::judge(
        Some(&conn),
        &format!("the change of zone {}", args.name),
        &risks,
        args.allow_lockout,
        out,
    )
}

fn would(ctx: &Ctx) -> &'static str {
    if ctx.check_mode {
        "would be "
    } else {
        ""
    }
}

fn fail(what: &str) -> impl Fn(String) -> Error + '_ {
    move |e| Error::refused(format!("{what}: {e}"))
}

fn run_online(
    ctx: &Ctx,
    args: &Args,
    req: &Request,
    known: &settings::Known,
    mut fw: Firewalld,
) -> Result<Outcome> {
    let name = args.name.as_str();
    let mut out = Outcome::default();
    let mut said: Vec<String> = Vec::new();
    let w = would(ctx);
    let builtin = is_builtin(ctx, name);

    // ---- read ----
    let perm_path = fw
        .config_zone(name)
        .map_err(fail("reading the permanent zone"))?;
    let perm_before = match &perm_path {
        Some(p) => Some(
            fw.permanent_settings(p)
                .map_err(fail("reading the permanent zone"))?,
        ),
        None => None,
    };
    let in_runtime = fw
        .runtime_zones()
        .map_err(fail("listing the runtime zones"))?
        .iter()
        .any(|z| z == name);
    let rt_before = if in_runtime {
        Some(
            fw.runtime_settings(name)
                .map_err(fail("reading the runtime zone"))?,
        )
    } else {
        None
    };
    let (conf, perm_default) = offline::read_conf(ctx)?;
    let rt_default = fw
        .runtime_default()
        .map_err(fail("reading the default zone"))?;

    if args.state == "absent" {
        return absent_online(
            ctx,
            args,
            &mut fw,
            perm_path,
            perm_before,
            builtin,
            &perm_default,
            in_runtime,
        );
    }

    // ---- plan ----
    let perm_after = if args.permanent {
        let base = perm_before.clone().unwrap_or_else(new_zone);
        Some(settings::apply(&base, req, known).map_err(Error::invalid)?)
    } else {
        perm_before.clone()
    };
    let perm_keys: Vec<&str> = match (&perm_before, &perm_after) {
        (Some(b), Some(a)) if args.permanent => changed_keys(b, a, KEYS),
        _ => Vec::new(),
    };
    let perm_new = args.permanent && perm_before.is_none();
    let runtime_keys: Vec<&'static str> = KEYS
        .iter()
        .copied()
        .filter(|k| !PERMANENT_ONLY.contains(k))
        .collect();
    let rt_desired = match (&rt_before, args.runtime) {
        (Some(b), true) => Some(settings::apply(b, req, known).map_err(Error::invalid)?),
        _ => rt_before.clone(),
    };
    let rt_keys: Vec<&str> = match (&rt_before, &rt_desired) {
        (Some(b), Some(a)) if args.runtime => changed_keys(b, a, &runtime_keys),
        _ => Vec::new(),
    };
    // what firewalld cannot change at runtime: asked for, but the runtime keeps its value
    let rt_pending: Vec<&str> = match (&rt_before, &rt_desired) {
        (Some(b), Some(a)) if args.runtime => changed_keys(b, a, PERMANENT_ONLY),
        _ => Vec::new(),
    };
    let rt_after = match (&rt_before, rt_desired) {
        (Some(b), Some(mut a)) => {
            a.version = b.version.clone();
            a.short = b.short.clone();
            a.description = b.description.clone();
            a.target = b.target.clone();
            Some(a)
        }
        (_, d) => d,
    };
    let exists_after_perm = perm_before.is_some() || perm_new;
    let set_rt_default = args.default && args.runtime && in_runtime && rt_default != name;
    // firewalld's setDefaultZone records the default in firewalld.conf too; without it (zone not
    // in the runtime yet, or runtime: false) firewalld has no D-Bus call for the permanent default
    // alone (its DefaultZone property is read-only), so firewalld.conf is edited as
    // firewall-offline-cmd does, every other line kept.
    let new_conf = if args.default && args.permanent && perm_default != name && !set_rt_default {
        Some(settings::set_default_zone(
            conf.as_deref().unwrap_or(""),
            name,
        ))
    } else {
        None
    };
    let set_perm_default = new_conf.is_some();
    if args.default && args.permanent && !exists_after_perm {
        return Err(Error::refused(format!(
            "default: zone {name} does not exist permanently (permanent is false)"
        )));
    }
    let changed = perm_new
        || !perm_keys.is_empty()
        || !rt_keys.is_empty()
        || new_conf.is_some()
        || set_rt_default;
    let perm_default_after = if new_conf.is_some() || (set_rt_default && args.permanent) {
        name.to_string()
    } else {
        perm_default.clone()
    };
    lockout_guard(
        ctx,
        args,
        changed,
        || {
            let files = zone_files(ctx)?;
            let mut m = vec![Moves {
                label: "permanent configuration (from the next reload or reboot)",
                before: (files.clone(), perm_default.clone()),
                after: (
                    with_zone(&files, name, perm_after.as_ref()),
                    perm_default_after.clone(),
                ),
            }];
            if !rt_keys.is_empty() || set_rt_default {
                let mut rt = Vec::new();
                for z in fw
                    .runtime_zones()
                    .map_err(fail("listing the runtime zones"))?
                {
                    let settings = fw
                        .runtime_settings(&z)
                        .map_err(fail("reading the runtime zone"))?;
                    rt.push((z, settings));
                }
                m.push(Moves {
                    label: "runtime (now)",
                    before: (rt.clone(), rt_default.clone()),
                    after: (
                        with_zone(&rt, name, rt_after.as_ref()),
                        if set_rt_default {
                            name.to_string()
                        } else {
                            rt_default.clone()
                        },
                    ),
                });
            }
            Ok(m)
        },
        &mut out,
    )?;

    // ---- apply ----
    if !ctx.check_mode {
        if perm_new {
            let z = perm_after.as_ref().expect("planned");
            fw.add_permanent(name, settings_dict(z, KEYS))
                .map_err(fail("adding the permanent zone"))?;
            ctx.mark_changed();
        } else if !perm_keys.is_empty() {
            let z = perm_after.as_ref().expect("planned");
            fw.update_permanent(
                perm_path.as_deref().expect("exists"),
                settings_dict(z, &perm_keys),
            )
            .map_err(fail("updating the permanent zone"))?;
            ctx.mark_changed();
        }
        if !rt_keys.is_empty() {
            let z = rt_after.as_ref().expect("planned");
            fw.set_runtime(name, settings_dict(z, &rt_keys))
                .map_err(fail("updating the runtime zone"))?;
            ctx.mark_changed();
        }
        if set_rt_default {
            fw.set_runtime_default(name)
                .map_err(fail("setting the runtime default zone"))?;
            ctx.mark_changed();
        }
        if let Some(c) = &new_conf {
            offline::write_conf(ctx, c)?;
        }
    }

    // ---- report ----
    if perm_new {
        said.push(format!("permanent zone {name} {w}created"));
    } else if !perm_keys.is_empty() {
        said.push(format!(
            "permanent zone {name} {w}updated ({})",
            perm_keys.join(", ")
        ));
    }
    if !rt_keys.is_empty() {
        said.push(format!(
            "runtime zone {name} {w}updated ({})",
            rt_keys.join(", ")
        ));
    }
    if set_rt_default {
        said.push(format!("default zone {w}set to {name}"));
    }
    if set_perm_default {
        said.push(format!(
            "DefaultZone {w}set to {name} in {CONF} (the runtime default changes when firewalld next loads its configuration)"
        ));
        out.diff
            .push(Diff::file(CONF, conf.as_deref(), new_conf.as_deref()));
    }
    let mut runtime_applied = args.runtime;
    if args.runtime && !in_runtime {
        runtime_applied = false;
        said.push(format!(
            "zone {name} is not in firewalld's runtime (a zone added permanently appears there at the next reload or restart of firewalld, which this module does not do: a reload drops runtime-only state); the runtime was not changed"
        ));
    }
    if !rt_pending.is_empty() {
        runtime_applied = false;
        said.push(format!(
            "firewalld cannot change {} of a runtime zone: the runtime keeps the old value until firewalld is reloaded or restarted",
            rt_pending.join(", ")
        ));
    }
    if args.default && args.runtime && !args.permanent && set_rt_default {
        said.push("firewalld's setDefaultZone also records the default zone permanently".into());
    }
    if said.is_empty() {
        said.push(format!("zone {name} already as requested"));
    }
    out.changed = changed;
    out.msg = said.join("; ");
    let etc = format!("{}/zones/{name}.xml", offline::ETC);
    if perm_before != perm_after {
        out.diff.push(Diff {
            before: perm_before.as_ref().map(Zone::to_xml).unwrap_or_default(),
            after: perm_after.as_ref().map(Zone::to_xml).unwrap_or_default(),
            before_header: format!("permanent {etc}"),
            after_header: format!("permanent {etc}"),
        });
    }
    if rt_keys.len() + usize::from(set_rt_default) > 0 {
        out.diff.push(Diff {
            before: rt_before
                .as_ref()
                .map(|z| listing(name, z))
                .unwrap_or_default()
                + &format!("default zone: {rt_default}\n"),
            after: rt_after
                .as_ref()
                .map(|z| listing(name, z))
                .unwrap_or_default()
                + &format!(
                    "default zone: {}\n",
                    if set_rt_default { name } else { &rt_default }
                ),
            before_header: format!("runtime zone {name}"),
            after_header: format!("runtime zone {name}"),
        });
    }
    let default_after = if set_rt_default || set_perm_default {
        name.to_string()
    } else {
        perm_default.clone()
    };
    out.set(
        "zone",
        json!({
            "name": name,
            "builtin": builtin,
            "permanent": perm_after.as_ref().map(view),
            "runtime": rt_after.as_ref().map(view),
        }),
    );
    out.set("runtime_applied", runtime_applied);
    out.set("default_zone", default_after);
    out.set("daemon_running", true);
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn absent_online(
    ctx: &Ctx,
    args: &Args,
    fw: &mut Firewalld,
    perm_path: Option<String>,
    perm_before: Option<Zone>,
    builtin: bool,
    perm_default: &str,
    in_runtime: bool,
) -> Result<Outcome> {
    let name = args.name.as_str();
    check_removable(name, builtin, perm_default)?;
    if !args.permanent {
        return Err(Error::invalid(
            "state=absent with permanent=false: firewalld cannot remove a zone from its runtime",
        ));
    }
    let mut out = Outcome::default();
    lockout_guard(
        ctx,
        args,
        perm_path.is_some(),
        || {
            let files = zone_files(ctx)?;
            Ok(vec![Moves {
                label: "permanent configuration (from the next reload or reboot)",
                before: (files.clone(), perm_default.to_string()),
                after: (with_zone(&files, name, None), perm_default.to_string()),
            }])
        },
        &mut out,
    )?;
    let w = would(ctx);
    let mut said = Vec::new();
    if let Some(path) = &perm_path {
        if !ctx.check_mode {
            fw.remove_permanent(path)
                .map_err(fail("removing the permanent zone"))?;
            ctx.mark_changed();
        }
        out.changed = true;
        said.push(format!("permanent zone {name} {w}removed"));
        let etc = format!("{}/zones/{name}.xml", offline::ETC);
        out.diff.push(Diff::file(
            &etc,
            perm_before.as_ref().map(Zone::to_xml).as_deref(),
            None,
        ));
    } else {
        said.push(format!("zone {name} does not exist"));
    }
    if in_runtime {
        said.push(format!(
            "zone {name} stays in the runtime until firewalld is reloaded or restarted"
        ));
    }
    out.msg = said.join("; ");
    out.set(
        "zone",
        json!({"name": name, "builtin": false, "permanent": null,
               "runtime": if in_runtime { json!("present until reload") } else { Json::Null }}),
    );
    out.set("runtime_applied", !in_runtime);
    out.set("default_zone", perm_default);
    out.set("daemon_running", true);
    Ok(out)
}

fn check_removable(name: &str, builtin: bool, default: &str) -> Result<()> {
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

fn run_offline(ctx: &Ctx, args: &Args, req: &Request, known: &settings::Known) -> Result<Outcome> {
    let name = args.name.as_str();
    let mut out = Outcome::default();
    let w = would(ctx);
    let mut said: Vec<String> = Vec::new();
    let builtin = is_builtin(ctx, name);
    let (origin, before, prev) = offline::read_zone(ctx, name)?;
    let (conf, default_before) = offline::read_conf(ctx)?;
    let etc = format!("{}/zones/{name}.xml", offline::ETC);
    if !args.permanent {
        return Err(Error::refused(
            "firewalld is not running, so there is no runtime to change, and permanent is false",
        ));
    }
    if args.state == "absent" {
        check_removable(name, builtin, &default_before)?;
        lockout_guard(
            ctx,
            args,
            prev.is_some(),
            || {
                let files = zone_files(ctx)?;
                Ok(vec![Moves {
                    label:
                        "permanent configuration (firewalld is not running: from its next start)",
                    before: (files.clone(), default_before.clone()),
                    after: (with_zone(&files, name, None), default_before.clone()),
                }])
            },
            &mut out,
        )?;
        if let Some(text) = &prev {
            if !ctx.check_mode {
                ctx.write(
                    &format!("{etc}.old"),
                    text.as_bytes(),
                    kit::fs::WriteOptions::default(),
                )?;
                ctx.remove(&etc, false)?;
            }
            out.changed = true;
            said.push(format!("{etc} {w}removed (previous contents in {etc}.old)"));
            out.diff.push(Diff::file(&etc, Some(text), None));
        } else {
            said.push(format!("zone {name} does not exist"));
        }
        out.msg = said.join("; ");
        out.set(
            "zone",
            json!({"name": name, "builtin": false, "permanent": null, "runtime": null}),
        );
        out.set("runtime_applied", false);
        out.set("default_zone", default_before);
        out.set("daemon_running", false);
        return Ok(out);
    }
    let after = settings::apply(&before, req, known).map_err(Error::invalid)?;
    let write_zone = after != before || origin == offline::Origin::New;
    let new_conf = if args.default && default_before != name {
        Some(settings::set_default_zone(
            conf.as_deref().unwrap_or(""),
            name,
        ))
    } else {
        None
    };
    lockout_guard(
        ctx,
        args,
        write_zone || new_conf.is_some(),
        || {
            let files = zone_files(ctx)?;
            Ok(vec![Moves {
                label: "permanent configuration (firewalld is not running: from its next start)",
                before: (files.clone(), default_before.clone()),
                after: (
                    with_zone(&files, name, Some(&after)),
                    if new_conf.is_some() {
                        name.to_string()
                    } else {
                        default_before.clone()
                    },
                ),
            }])
        },
        &mut out,
    )?;
    if !ctx.check_mode {
        if write_zone {
            offline::write_zone(ctx, name, &after, prev.as_deref())?;
        }
        if let Some(c) = &new_conf {
            offline::write_conf(ctx, c)?;
        }
    }
    if write_zone {
        said.push(format!("{etc} {w}written"));
        out.diff.push(Diff::file(
            &etc,
            Some(&prev.clone().unwrap_or_else(|| {
                if origin == offline::Origin::Builtin {
                    before.to_xml()
                } else {
                    String::new()
                }
            })),
            Some(&after.to_xml()),
        ));
    }
    if let Some(c) = &new_conf {
        said.push(format!("DefaultZone {w}set to {name} in {CONF}"));
        out.diff
            .push(Diff::file(CONF, conf.as_deref(), Some(c.as_str())));
    }
    out.changed = write_zone || new_conf.is_some();
    if said.is_empty() {
        said.push(format!("zone {name} already as requested"));
    }
    if args.runtime {
        said.push(
            "firewalld is not running: the permanent configuration was changed, the runtime was not (firewalld loads it when it starts)"
                .into(),
        );
    }
    out.msg = said.join("; ");
    out.set(
        "zone",
        json!({"name": name, "builtin": builtin, "permanent": view(&after), "runtime": null}),
    );
    out.set("runtime_applied", false);
    out.set(
        "default_zone",
        if new_conf.is_some() {
            name.to_string()
        } else {
            default_before
        },
    );
    out.set("daemon_running", false);
    Ok(out)
}
