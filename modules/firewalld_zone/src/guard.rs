//! The lockout guard of `firewalld_zone`: after the change, would firewalld still accept the
//! SSH connection's traffic (peer → local TCP port), by every way it may have come in?
//!
//! Evaluated as firewalld dispatches incoming traffic (nftables and iptables back ends alike,
//! without zone drifting, firewalld ≥ 0.9):
//! * the loopback interface is always accepted;
//! * the zone is the one a `source` of which holds the peer address (addresses, networks, and
//!   `ipset:` sources by their entries: hash:ip and hash:net sets), else the one the ingress
//!   interface is bound to (in the zone, or by a NetworkManager profile's `zone=` or an ifcfg
//!   file's `ZONE=`), else the default zone. Where that cannot be told (a MAC source, an ipset of
//!   another type or whose entries time out, several source zones holding the peer, a profile
//!   binding a zone without naming its interface), every zone it could be is judged, and they
//!   must agree;
//! * policies whose egress is `HOST` and whose ingress is that zone (or `ANY`) come first when
//!   their priority is negative; one with a positive priority that would decide the traffic is
//!   not modelled (unknown);
//! * in the zone: rich rules with a negative priority (ascending), then rich rules that drop or
//!   reject, then what accepts (services whose definition has the port, `ports`, `protocols`,
//!   accepting rich rules), then rich rules with a positive priority, and last the target
//!   (`ACCEPT` accepts; `default`, `REJECT`, `DROP` do not);
//! * a forward port of the zone (or a rich rule's) whose destination is the session's port on
//!   this host is another way in: traffic to its port is accepted after the DNAT.
//!
//! The ingress interface is the one of the route to the peer (/proc/net/route, ipv6_route: the
//! longest matching prefix), `lo` for a loopback or local peer; for an IPv6 link-local peer the
//! interface that holds the session's local address (/proc/net/if_inet6), never the first
//! `fe80::/64` route. What cannot be known here makes the verdict `Unknown`, never accepted.

use crate::rich::{ActionKind, RichRule, RuleElement};
use crate::xml::Zone;
use kit::{Ctx, Result};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The traffic to judge.
#[derive(Debug, Clone)]
pub struct Traffic {
    pub peer: IpAddr,
    pub peer_port: u16,
    pub local: IpAddr,
    pub port: u16,
    /// Ingress interface (`None` when no route was found).
    pub iface: Option<String>,
}

/// Ports (`port`, `protocol`) of a service definition; `None` when there is no such service.
pub type ServicePorts<'a> = &'a dyn Fn(&str) -> Option<Vec<(String, String)>>;

/// An ipset of firewalld: its type, entries, and whether they time out (then the permanent
/// configuration does not hold them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpSet {
    pub kind: String,
    pub entries: Vec<String>,
    pub timeout: bool,
}

/// A policy object (firewalld ≥ 0.9) that filters traffic to the host itself.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub priority: i32,
    pub ingress: Vec<String>,
    /// Its target (`CONTINUE`, `ACCEPT`, `REJECT`, `DROP`) and elements, read as a zone.
    pub body: Zone,
}

/// An interface bound to a zone outside the zone files (NetworkManager, ifcfg): `iface` `None`
/// when the profile does not name its interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub iface: Option<String>,
    pub zone: String,
    pub from: String,
}

/// Every zone in the end state, and the default zone; the ipsets, HOST policies and interface
/// bindings that configuration has.
pub struct World<'a> {
    pub zones: Vec<(String, &'a Zone)>,
    pub default_zone: String,
    pub service_ports: ServicePorts<'a>,
    pub ipsets: &'a BTreeMap<String, IpSet>,
    pub policies: &'a [Policy],
    pub bindings: &'a [Binding],
}

/// A way in: the session's port itself, or a forward port (its port) whose destination it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entry {
    Direct,
    Forward(String),
}

/// What firewalld does with the traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fw {
    /// Accepted, by each way in (with what accepts it).
    Accepted(Vec<(Entry, String)>),
    Denied(String),
    Unknown(String),
}

impl Fw {
    pub fn entries(&self) -> Vec<&Entry> {
        match self {
            Fw::Accepted(v) => v.iter().map(|(e, _)| e).collect(),
            _ => Vec::new(),
        }
    }
}

/// An address matches a source/destination spec (`192.0.2.0/24`, `2001:db8::1`, …).
pub fn addr_in(spec: &str, a: IpAddr) -> Option<bool> {
    let (net, len) = match spec.split_once('/') {
        Some((n, l)) => (n, Some(l)),
        None => (spec, None),
    };
    let net: IpAddr = net.parse().ok()?;
    let bits = |ip: IpAddr| -> (u128, u32) {
        match ip {
            IpAddr::V4(v) => (u32::from(v) as u128, 32),
            IpAddr::V6(v) => (u128::from(v), 128),
        }
    };
    let (n, width) = bits(net);
    let (x, xw) = bits(a);
    if width != xw {
        return Some(false);
    }
    let len: u32 = match len {
        None => width,
        Some(l) => match l.parse() {
            Ok(l) if l <= width => l,
            // an IPv4 netmask (255.255.255.0)
            _ => match l.parse::<std::net::Ipv4Addr>() {
                Ok(m) if width == 32 => u32::from(m).count_ones(),
                _ => return None,
            },
        },
    };
    if len == 0 {
        return Some(true);
    }
    let shift = width - len;
    Some((n >> shift) == (x >> shift))
}

fn port_in(spec: &str, port: u16) -> bool {
    let (a, b) = spec.split_once('-').unwrap_or((spec, spec));
    match (a.parse::<u16>(), b.parse::<u16>()) {
        (Ok(a), Ok(b)) => a <= port && port <= b,
        _ => false,
    }
}

/// Whether an ipset holds an address: `None` when it cannot be told (a type other than
/// hash:ip/hash:net, entries that time out, an entry not understood, no such set).
pub fn ipset_holds(sets: &BTreeMap<String, IpSet>, name: &str, a: IpAddr) -> Option<bool> {
    let set = sets.get(name)?;
    if set.timeout || !matches!(set.kind.as_str(), "hash:ip" | "hash:net") {
        return None;
    }
    let mut hit = false;
    for e in &set.entries {
        let m = match e.split_once('-') {
            Some((lo, hi)) => {
                let (lo, hi) = (lo.parse::<IpAddr>().ok()?, hi.parse::<IpAddr>().ok()?);
                match (lo, hi, a) {
                    (IpAddr::V4(l), IpAddr::V4(h), IpAddr::V4(x)) => l <= x && x <= h,
                    (IpAddr::V6(l), IpAddr::V6(h), IpAddr::V6(x)) => l <= x && x <= h,
                    _ => false,
                }
            }
            None => addr_in(e, a)?,
        };
        hit |= m;
    }
    Some(hit)
}

/// Whether a source entry of a zone holds the peer: `Some(false)`/`Some(true)`, `None` unknown
/// (MAC, an ipset that cannot be read).
fn source_holds(src: &str, peer: IpAddr, sets: &BTreeMap<String, IpSet>) -> Option<bool> {
    if let Some(name) = src.strip_prefix("ipset:") {
        return ipset_holds(sets, name, peer);
    }
    if src.contains(':') && src.len() == 17 && !src.contains("::") {
        return None;
    }
    addr_in(src, peer)
}

/// How a rich rule applies to the traffic (`port`: its destination port, the session's or a
/// forward port's): `Some(true)` matches, `Some(false)` does not, `None` cannot be known.
fn rule_matches(r: &RichRule, t: &Traffic, port: u16, w: &World) -> Option<bool> {
    let fam = if t.peer.is_ipv4() { "ipv4" } else { "ipv6" };
    if let Some(f) = &r.family {
        if f != fam {
            return Some(false);
        }
    }
    let addr = |a: &crate::rich::Addr, x: IpAddr| -> Option<bool> {
        let m = match a.kind.as_str() {
            "address" => addr_in(&a.value, x)?,
            "ipset" => ipset_holds(w.ipsets, &a.value, x)?,
            _ => return None,
        };
        Some(m != a.invert)
    };
    let mut unknown = false;
    for (spec, x) in [(&r.source, t.peer), (&r.destination, t.local)] {
        if let Some(a) = spec {
            match addr(a, x) {
                Some(false) => return Some(false),
                None => unknown = true,
                Some(true) => {}
            }
        }
    }
    let elem = match &r.element {
        None => true,
        Some(RuleElement::Port(p, proto)) => proto == "tcp" && port_in(p, port),
        Some(RuleElement::Protocol(p)) => p == "tcp" || p == "6",
        Some(RuleElement::Service(s)) => (w.service_ports)(s)
            .unwrap_or_default()
            .iter()
            .any(|(p, proto)| proto == "tcp" && port_in(p, port)),
        Some(RuleElement::SourcePort(p, proto)) => proto == "tcp" && port_in(p, t.peer_port),
        Some(_) => false,
    };
    if !elem {
        return Some(false);
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

/// What one zone's (or HOST policy's) elements do with traffic to `port`: `Some` decided,
/// `None` nothing in it decides (a policy's CONTINUE).
fn elements(
    zone: &Zone,
    t: &Traffic,
    port: u16,
    w: &World,
    how: &str,
    policy: bool,
) -> Option<std::result::Result<String, (bool, String)>> {
    // Err((unknown, why))
    let rules: Vec<RichRule> = zone
        .rules
        .iter()
        .filter_map(|e| RichRule::from_element(e).ok())
        .collect();
    let decide = |r: &RichRule| -> Option<std::result::Result<String, (bool, String)>> {
        let act = r.action.as_ref()?;
        let m = rule_matches(r, t, port, w);
        match (&act.kind, m) {
            (_, Some(false)) => None,
            (ActionKind::Accept, Some(true)) => Some(Ok(format!("{how}: rich rule '{r}'"))),
            (ActionKind::Accept, None) => Some(Err((
                true,
                format!("{how}: whether rich rule '{r}' accepts it cannot be told"),
            ))),
            (ActionKind::Drop | ActionKind::Reject(_), Some(true)) => Some(Err((
                false,
                format!("{how}: rich rule '{r}' drops or rejects it"),
            ))),
            (ActionKind::Drop | ActionKind::Reject(_), None) => {
                Some(Err((true, format!("{how}: rich rule '{r}' may drop it"))))
            }
            _ => None,
        }
    };
    let mut pre: Vec<&RichRule> = rules.iter().filter(|r| r.priority < 0).collect();
    pre.sort_by_key(|r| r.priority);
    for r in pre {
        if let Some(v) = decide(r) {
            return Some(v);
        }
    }
    for r in rules.iter().filter(|r| r.priority == 0) {
        if let Some(Err(e)) = decide(r) {
            return Some(Err(e));
        }
    }
    for s in &zone.services {
        if (w.service_ports)(s)
            .unwrap_or_default()
            .iter()
            .any(|(p, proto)| proto == "tcp" && port_in(p, port))
        {
            return Some(Ok(format!("{how}: service {s}")));
        }
    }
    if let Some((p, _)) = zone
        .ports
        .iter()
        .find(|(p, proto)| proto == "tcp" && port_in(p, port))
    {
        return Some(Ok(format!("{how}: port {p}/tcp")));
    }
    if zone.protocols.iter().any(|p| p == "tcp") {
        return Some(Ok(format!("{how}: protocol tcp")));
    }
    for r in rules.iter().filter(|r| r.priority == 0) {
        if let Some(v @ Ok(_)) = decide(r) {
            return Some(v);
        }
    }
    let mut post: Vec<&RichRule> = rules.iter().filter(|r| r.priority > 0).collect();
    post.sort_by_key(|r| r.priority);
    for r in post {
        if let Some(v) = decide(r) {
            return Some(v);
        }
    }
    match zone.target.as_str() {
        "ACCEPT" => Some(Ok(format!("{how}: target ACCEPT"))),
        "CONTINUE" | "" if policy => None,
        "default" if policy => None,
        t2 => Some(Err((
            false,
            format!(
                "{how} has no service, port or rule accepting tcp port {port} and its target is {}",
                if t2 == "%%REJECT%%" || t2 == "default" {
                    "REJECT"
                } else {
                    t2
                }
            ),
        ))),
    }
}

/// What the zone `name` does with the session's traffic, by each way in.
fn zone_verdict(w: &World, name: &str, zone: &Zone, t: &Traffic, how: &str) -> Fw {
    let judge_port = |port: u16, how: &str| -> std::result::Result<String, (bool, String)> {
        let mut host: Vec<&Policy> = w
            .policies
            .iter()
            .filter(|p| p.ingress.iter().any(|z| z == name || z == "ANY"))
            .collect();
        host.sort_by_key(|p| p.priority);
        for p in host.iter().filter(|p| p.priority < 0) {
            let ph = format!("policy {} (priority {}) before {how}", p.name, p.priority);
            if let Some(v) = elements(&p.body, t, port, w, &ph, true) {
                return v;
            }
        }
        let v = elements(zone, t, port, w, how, false).expect("a zone always decides");
        for p in host.iter().filter(|p| p.priority > 0) {
            let ph = format!("policy {} (priority {})", p.name, p.priority);
            if elements(&p.body, t, port, w, &ph, true).is_some() {
                return Err((
                    true,
                    format!("{ph} applies to traffic to the host and may decide it; policies with a positive priority are not modelled"),
                ));
            }
        }
        v
    };
    let mut ways = Vec::new();
    let direct = judge_port(t.port, how);
    // forward ports to the session's port on this host (to-addr empty or the local address)
    let mut fwd: Vec<(String, String)> = zone
        .forward_ports
        .iter()
        .filter(|f| {
            f.protocol == "tcp"
                && (f.to_addr.is_empty() || f.to_addr.parse::<IpAddr>().ok() == Some(t.local))
                && port_in(
                    if f.to_port.is_empty() {
                        &f.port
                    } else {
                        &f.to_port
                    },
                    t.port,
                )
        })
        .map(|f| {
            (
                f.port.clone(),
                format!("{how}: forward port {}/tcp to port {}", f.port, t.port),
            )
        })
        .collect();
    for e in &zone.rules {
        let Ok(r) = RichRule::from_element(e) else {
            continue;
        };
        if let Some(RuleElement::ForwardPort {
            port,
            protocol,
            to_port,
            to_addr,
        }) = &r.element
        {
            let local = to_addr.is_empty() || to_addr.parse::<IpAddr>().ok() == Some(t.local);
            let dst = if to_port.is_empty() { port } else { to_port };
            if protocol == "tcp" && local && port_in(dst, t.port) {
                fwd.push((
                    port.clone(),
                    format!(
                        "{how}: rich rule '{r}' forwards port {port}/tcp to port {}",
                        t.port
                    ),
                ));
            }
        }
    }
    match direct {
        Ok(by) => ways.push((Entry::Direct, by)),
        Err((true, why)) => return Fw::Unknown(why),
        Err((false, why)) if fwd.is_empty() => return Fw::Denied(why),
        Err(_) => {}
    }
    for (p, by) in fwd {
        ways.push((Entry::Forward(p), by));
    }
    Fw::Accepted(ways)
}

/// What firewalld does with the traffic, by each way in.
pub fn verdict(w: &World, t: &Traffic) -> Fw {
    if t.iface.as_deref() == Some("lo") {
        return Fw::Accepted(vec![(
            Entry::Direct,
            "the loopback interface (always accepted)".into(),
        )]);
    }
    // dispatch: the zones it may be, each with why
    let mut known: Vec<(String, String)> = Vec::new();
    let mut maybe: Vec<(String, String)> = Vec::new();
    for (n, z) in &w.zones {
        let mut hit = false;
        let mut unknown = Vec::new();
        for s in &z.sources {
            match source_holds(s, t.peer, w.ipsets) {
                Some(true) => hit = true,
                Some(false) => {}
                None => unknown.push(s.clone()),
            }
        }
        if hit {
            known.push((n.clone(), format!("zone {n} (its sources hold {})", t.peer)));
        } else if !unknown.is_empty() {
            maybe.push((
                n.clone(),
                format!(
                    "zone {n} (if its source {} holds {}: not known here)",
                    unknown.join(", "),
                    t.peer
                ),
            ));
        }
    }
    let mut candidates = known.clone();
    candidates.extend(maybe);
    if known.is_empty() {
        let iface = t.iface.as_deref();
        let in_xml = iface.and_then(|i| {
            w.zones
                .iter()
                .find(|(_, z)| z.interfaces.iter().any(|x| x == i))
                .map(|(n, _)| n.clone())
        });
        let bound = iface.and_then(|i| {
            w.bindings
                .iter()
                .find(|b| b.iface.as_deref() == Some(i))
                .map(|b| (b.zone.clone(), b.from.clone()))
        });
        let fallback = match (in_xml, bound) {
            (Some(n), _) => (
                n.clone(),
                format!("zone {n} (interface {})", iface.unwrap_or("")),
            ),
            (None, Some((n, from))) => (
                n.clone(),
                format!(
                    "zone {n} (interface {} bound by {from})",
                    iface.unwrap_or("")
                ),
            ),
            (None, None) => (
                w.default_zone.clone(),
                format!(
                    "the default zone {}{}",
                    w.default_zone,
                    iface
                        .map(|i| format!(" (interface {i} is in no zone)"))
                        .unwrap_or_default()
                ),
            ),
        };
        // no route to the peer: the interface, and so its zone, cannot be told
        if iface.is_none() {
            for (n, z) in &w.zones {
                if !z.interfaces.is_empty() && *n != fallback.0 {
                    candidates.push((
                        n.clone(),
                        format!(
                            "zone {n} (if the session's interface, which no route names, is one of {})",
                            z.interfaces.join(", ")
                        ),
                    ));
                }
            }
        }
        // a profile that binds a zone to an interface it does not name may be the session's
        for b in w
            .bindings
            .iter()
            .filter(|b| b.iface.is_none() || iface.is_none())
        {
            if b.zone != fallback.0 {
                candidates.push((
                    b.zone.clone(),
                    format!(
                        "zone {} (if {} is the session's interface: not known here)",
                        b.zone, b.from
                    ),
                ));
            }
        }
        candidates.push(fallback);
    }
    let mut results = Vec::new();
    for (n, how) in &candidates {
        let r = match w.zones.iter().find(|(zn, _)| zn == n) {
            Some((_, z)) => zone_verdict(w, n, z, t, how),
            None => Fw::Denied(format!("{how}: zone {n} does not exist")),
        };
        results.push(r);
    }
    if results.len() == 1 {
        return results.pop().expect("one");
    }
    // several zones it may be: they must agree
    if results.iter().all(|r| matches!(r, Fw::Accepted(_))) {
        let mut common: Vec<(Entry, String)> = Vec::new();
        let first = match &results[0] {
            Fw::Accepted(v) => v.clone(),
            _ => Vec::new(),
        };
        for (e, by) in first {
            let everywhere: Vec<String> = results
                .iter()
                .filter_map(|r| match r {
                    Fw::Accepted(v) => v.iter().find(|(x, _)| *x == e).map(|(_, b)| b.clone()),
                    _ => None,
                })
                .collect();
            if everywhere.len() == results.len() {
                let _ = by;
                common.push((e, everywhere.join(" and ")));
            }
        }
        if !common.is_empty() {
            return Fw::Accepted(common);
        }
    }
    if results.iter().all(|r| matches!(r, Fw::Denied(_))) {
        return results.swap_remove(0);
    }
    Fw::Unknown(format!(
        "the zone that takes the traffic cannot be told, and they differ: {}",
        candidates
            .iter()
            .zip(&results)
            .map(|((_, how), r)| match r {
                Fw::Accepted(v) => format!(
                    "{how} accepts it ({})",
                    v.iter()
                        .map(|(_, b)| b.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Fw::Denied(why) => format!("{how} does not ({why})"),
                Fw::Unknown(why) => format!("{how}: {why}"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    ))
}

/// An ipset XML file (`<ipset type="hash:ip"><option name="timeout" …/><entry>…</entry>`).
pub fn parse_ipset(text: &str) -> std::result::Result<IpSet, String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(text);
    let mut set = IpSet::default();
    let mut in_entry = false;
    let mut seen = false;
    loop {
        match r.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) | Event::Empty(e) => {
                let get = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .and_then(|a| a.unescape_value().ok().map(|v| v.to_string()))
                        .unwrap_or_default()
                };
                match e.name().as_ref() {
                    b"ipset" => {
                        seen = true;
                        set.kind = get(b"type");
                    }
                    b"option" if get(b"name") == "timeout" => set.timeout = true,
                    b"entry" => in_entry = true,
                    _ => {}
                }
            }
            Event::Text(t) if in_entry => {
                let v = t.unescape().map_err(|e| e.to_string())?;
                set.entries.push(v.trim().to_string());
            }
            Event::End(e) if e.name().as_ref() == b"entry" => in_entry = false,
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen {
        return Err("no <ipset> element".into());
    }
    Ok(set)
}

/// A policy XML file, when it filters traffic to the host (its egress zones hold `HOST`).
pub fn parse_policy(name: &str, text: &str) -> std::result::Result<Option<Policy>, String> {
    // a policy's body is a zone's: read it as one, with the policy's own elements taken out
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(text);
    let mut ingress = Vec::new();
    let mut egress = Vec::new();
    let mut priority = -1;
    let mut target = "CONTINUE".to_string();
    loop {
        match r.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) | Event::Empty(e) => {
                let get = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .and_then(|a| a.unescape_value().ok().map(|v| v.to_string()))
                };
                match e.name().as_ref() {
                    b"policy" => {
                        if let Some(p) = get(b"priority") {
                            priority = p.parse().map_err(|_| format!("priority {p}"))?;
                        }
                        if let Some(t) = get(b"target") {
                            target = t;
                        }
                    }
                    b"ingress-zone" => ingress.extend(get(b"name")),
                    b"egress-zone" => egress.extend(get(b"name")),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !egress.iter().any(|z| z == "HOST") {
        return Ok(None);
    }
    let body_text = text
        .replacen("<policy", "<zone", 1)
        .replace("</policy>", "</zone>");
    let mut body = Zone::parse(&strip_policy_only(&body_text))?;
    body.target = target;
    Ok(Some(Policy {
        name: name.to_string(),
        priority,
        ingress,
        body,
    }))
}

/// A policy's XML without the elements a zone does not have (ingress/egress zones), and with
/// the root's attributes a zone does not take removed.
fn strip_policy_only(text: &str) -> String {
    let mut out = String::new();
    for l in text.lines() {
        let t = l.trim_start();
        if t.starts_with("<ingress-zone") || t.starts_with("<egress-zone") {
            continue;
        }
        if let Some(rest) = t.strip_prefix("<zone") {
            // keep only the version attribute
            let version = rest
                .split("version=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .map(|v| format!(" version=\"{v}\""))
                .unwrap_or_default();
            let tail = if rest.trim_end().ends_with("/>") {
                "/>"
            } else {
                ">"
            };
            out.push_str(&format!("<zone{version}{tail}\n"));
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// The ipsets of the permanent configuration (/usr/lib, then /etc replacing).
pub fn read_ipsets(ctx: &Ctx) -> Result<BTreeMap<String, IpSet>> {
    let mut out = BTreeMap::new();
    for dir in [crate::offline::LIB, crate::offline::ETC] {
        for n in ctx.list(&format!("{dir}/ipsets"))?.unwrap_or_default() {
            let Some(b) = n.strip_suffix(".xml") else {
                continue;
            };
            if let Some(t) = ctx.read(&format!("{dir}/ipsets/{n}"))? {
                match parse_ipset(&t) {
                    Ok(s) => {
                        out.insert(b.to_string(), s);
                    }
                    // an ipset firewalld cannot load: no entries known
                    Err(_) => {
                        out.remove(b);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The HOST policies of the permanent configuration (/usr/lib, then /etc replacing). A policy
/// file that cannot be read as one fails the task: it might accept or drop anything.
pub fn read_policies(ctx: &Ctx) -> Result<Vec<Policy>> {
    let mut by = BTreeMap::new();
    for dir in [crate::offline::LIB, crate::offline::ETC] {
        for n in ctx.list(&format!("{dir}/policies"))?.unwrap_or_default() {
            let Some(b) = n.strip_suffix(".xml") else {
                continue;
            };
            if let Some(t) = ctx.read(&format!("{dir}/policies/{n}"))? {
                let p = parse_policy(b, &t).map_err(|e| {
                    kit::Error::refused(format!(
                        "lockout guard: the policy {dir}/policies/{n} cannot be read ({e}), so what it does to SSH cannot be judged"
                    ))
                })?;
                by.insert(b.to_string(), p);
            }
        }
    }
    Ok(by.into_values().flatten().collect())
}

/// Interfaces bound to zones by NetworkManager profiles (`[connection]` `zone=`,
/// `interface-name=`) and ifcfg files (`ZONE=`, `DEVICE=`).
pub fn read_bindings(ctx: &Ctx) -> Result<Vec<Binding>> {
    let mut out = Vec::new();
    for dir in [
        "/etc/NetworkManager/system-connections",
        "/run/NetworkManager/system-connections",
        "/usr/lib/NetworkManager/system-connections",
    ] {
        for n in ctx.list(dir)?.unwrap_or_default() {
            let Some(t) = ctx.read(&format!("{dir}/{n}"))? else {
                continue;
            };
            let mut section = String::new();
            let (mut zone, mut iface) = (None, None);
            for l in t.lines() {
                let l = l.trim();
                if let Some(s) = l.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                    section = s.to_string();
                } else if section == "connection" {
                    if let Some((k, v)) = l.split_once('=') {
                        match k.trim() {
                            "zone" if !v.trim().is_empty() => zone = Some(v.trim().to_string()),
                            "interface-name" if !v.trim().is_empty() => {
                                iface = Some(v.trim().to_string())
                            }
                            _ => {}
                        }
                    }
                }
            }
            if let Some(z) = zone {
                out.push(Binding {
                    iface,
                    zone: z,
                    from: format!("the NetworkManager profile {dir}/{n}"),
                });
            }
        }
    }
    let dir = "/etc/sysconfig/network-scripts";
    for n in ctx.list(dir)?.unwrap_or_default() {
        if !n.starts_with("ifcfg-") {
            continue;
        }
        let Some(t) = ctx.read(&format!("{dir}/{n}"))? else {
            continue;
        };
        let val = |k: &str| {
            t.lines().find_map(|l| {
                l.trim()
                    .strip_prefix(k)
                    .and_then(|v| v.strip_prefix('='))
                    .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
            })
        };
        if let Some(z) = val("ZONE").filter(|z| !z.is_empty()) {
            out.push(Binding {
                iface: val("DEVICE").or_else(|| n.strip_prefix("ifcfg-").map(String::from)),
                zone: z,
                from: format!("{dir}/{n}"),
            });
        }
    }
    Ok(out)
}

/// The traffic of an SSH connection, with its ingress interface.
pub fn traffic(ctx: &Ctx, conn: &kit::lockout::Connection) -> Result<Traffic> {
    Ok(Traffic {
        peer: conn.peer,
        peer_port: conn.peer_port,
        local: conn.local,
        port: conn.local_port,
        iface: ingress_iface(ctx, conn.peer, conn.local)?,
    })
}

/// The ingress interface of traffic from `peer` (to `local`): `lo` for loopback or local
/// peers, else the interface of the longest matching route.
pub fn ingress_iface(ctx: &Ctx, peer: IpAddr, local: IpAddr) -> Result<Option<String>> {
    if peer.is_loopback() || peer == local {
        return Ok(Some("lo".into()));
    }
    let mut best: Option<(u32, String)> = None;
    match peer {
        IpAddr::V4(p) => {
            let x = u32::from(p);
            for l in ctx
                .read("/proc/net/route")?
                .unwrap_or_default()
                .lines()
                .skip(1)
            {
                let f: Vec<&str> = l.split_whitespace().collect();
                if f.len() < 8 {
                    continue;
                }
                let (Ok(d), Ok(m)) = (u32::from_str_radix(f[1], 16), u32::from_str_radix(f[7], 16))
                else {
                    continue;
                };
                // printed in host byte order (as the kernel holds a __be32)
                let d = u32::from_be_bytes(d.to_ne_bytes());
                let m = u32::from_be_bytes(m.to_ne_bytes());
                let len = m.count_ones();
                if x & m == d & m && best.as_ref().is_none_or(|(b, _)| len > *b) {
                    best = Some((len, f[0].to_string()));
                }
            }
        }
        IpAddr::V6(p) if (u128::from(p) >> 118) == 0x3fa => {
            // link-local (fe80::/10): every interface has a fe80::/64 route, so the route says
            // nothing; the session's local address is on the interface it came in by
            let IpAddr::V6(l) = local else {
                return Ok(None);
            };
            let want = format!("{:032x}", u128::from(l));
            let mut on: Vec<String> = ctx
                .read("/proc/net/if_inet6")?
                .unwrap_or_default()
                .lines()
                .filter_map(|line| {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    (f.len() >= 6 && f[0] == want).then(|| f[5].to_string())
                })
                .collect();
            on.dedup();
            // the same link-local address on several interfaces: which one cannot be told
            return Ok((on.len() == 1).then(|| on.remove(0)));
        }
        IpAddr::V6(p) => {
            let x = u128::from(p);
            for l in ctx
                .read("/proc/net/ipv6_route")?
                .unwrap_or_default()
                .lines()
            {
                let f: Vec<&str> = l.split_whitespace().collect();
                if f.len() < 10 {
                    continue;
                }
                let (Ok(d), Ok(len)) = (
                    u128::from_str_radix(f[0], 16),
                    u32::from_str_radix(f[1], 16),
                ) else {
                    continue;
                };
                if len > 128 || f[9] == "lo" {
                    continue;
                }
                let shift = 128 - len;
                let hit = len == 0 || (d >> shift) == (x >> shift);
                if hit && best.as_ref().is_none_or(|(b, _)| len > *b) {
                    best = Some((len, f[9].to_string()));
                }
            }
        }
    }
    Ok(best.map(|(_, i)| i))
}

/// Ports of a service definition (`<port port="22" protocol="tcp"/>`), the /etc file before the
/// shipped one; `None` when neither exists.
pub fn read_service_ports(ctx: &Ctx, name: &str) -> Result<Option<Vec<(String, String)>>> {
    for dir in [crate::offline::ETC, crate::offline::LIB] {
        if let Some(text) = ctx.read(&format!("{dir}/services/{name}.xml"))? {
            return Ok(Some(service_ports(&text)));
        }
    }
    Ok(None)
}

/// The `port` elements of a service XML text.
pub fn service_ports(text: &str) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match r.read_event() {
            Ok(Event::Empty(e)) | Ok(Event::Start(e)) if e.name().as_ref() == b"port" => {
                let get = |k: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .and_then(|a| a.unescape_value().ok().map(|v| v.to_string()))
                        .unwrap_or_default()
                };
                out.push((get(b"port"), get(b"protocol")));
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(xml: &str) -> Zone {
        Zone::parse(&format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone{}",
            xml
        ))
        .unwrap()
    }

    fn services(s: &str) -> Option<Vec<(String, String)>> {
        match s {
            "ssh" => Some(vec![("22".into(), "tcp".into())]),
            "https" => Some(vec![("443".into(), "tcp".into())]),
            _ => None,
        }
    }

    fn t(peer: &str, port: u16, iface: &str) -> Traffic {
        Traffic {
            peer: peer.parse().unwrap(),
            peer_port: 50000,
            local: "10.0.0.1".parse().unwrap(),
            port,
            iface: Some(iface.into()),
        }
    }

    fn judge(
        zones: &[(&str, &Zone)],
        default: &str,
        tr: &Traffic,
    ) -> std::result::Result<String, String> {
        judge_with(zones, default, tr, &BTreeMap::new(), &[], &[])
    }

    fn judge_with(
        zones: &[(&str, &Zone)],
        default: &str,
        tr: &Traffic,
        ipsets: &BTreeMap<String, IpSet>,
        policies: &[Policy],
        bindings: &[Binding],
    ) -> std::result::Result<String, String> {
        let w = World {
            zones: zones.iter().map(|(n, z)| (n.to_string(), *z)).collect(),
            default_zone: default.into(),
            service_ports: &services,
            ipsets,
            policies,
            bindings,
        };
        match verdict(&w, tr) {
            Fw::Accepted(v) => Ok(v
                .iter()
                .map(|(e, b)| format!("{e:?}: {b}"))
                .collect::<Vec<_>>()
                .join("; ")),
            Fw::Denied(why) => Err(why),
            Fw::Unknown(why) => Err(format!("UNKNOWN {why}")),
        }
    }

    fn sets(name: &str, kind: &str, entries: &[&str], timeout: bool) -> BTreeMap<String, IpSet> {
        let mut m = BTreeMap::new();
        m.insert(
            name.to_string(),
            IpSet {
                kind: kind.into(),
                entries: entries.iter().map(|e| e.to_string()).collect(),
                timeout,
            },
        );
        m
    }

    #[test]
    fn ipset_sources_are_judged_by_their_entries() {
        // SSH allowed only from the admins ipset in zone mgmt; the default zone drops
        let mgmt = zone("><service name=\"ssh\"/><source ipset=\"admins\"/></zone>");
        let empty_mgmt = zone("><source ipset=\"admins\"/></zone>");
        let drop = zone(" target=\"DROP\"></zone>");
        let admins = sets("admins", "hash:net", &["10.0.0.0/24", "192.0.2.7"], false);
        let tr = t("10.0.0.10", 22, "eth0");
        let ok = judge_with(
            &[("mgmt", &mgmt), ("drop", &drop)],
            "drop",
            &tr,
            &admins,
            &[],
            &[],
        );
        assert!(ok.unwrap().contains("zone mgmt (its sources hold"));
        // the case: the zone's ports emptied (exclusive) → denied, not passed
        let e = judge_with(
            &[("mgmt", &empty_mgmt), ("drop", &drop)],
            "drop",
            &tr,
            &admins,
            &[],
            &[],
        )
        .unwrap_err();
        assert!(e.contains("zone mgmt") && !e.starts_with("UNKNOWN"), "{e}");
        // not in the set: the default zone
        let e = judge_with(
            &[("mgmt", &mgmt), ("drop", &drop)],
            "drop",
            &t("198.51.100.1", 22, "eth0"),
            &admins,
            &[],
            &[],
        )
        .unwrap_err();
        assert!(e.contains("default zone drop"), "{e}");
        // ranges of hash:ip
        let r = sets("admins", "hash:ip", &["10.0.0.5-10.0.0.20"], false);
        assert!(judge_with(
            &[("mgmt", &mgmt), ("drop", &drop)],
            "drop",
            &tr,
            &r,
            &[],
            &[]
        )
        .is_ok());
        // a set whose entries cannot be judged (timeout, mac, unknown set): unknown, never passed
        for s in [
            sets("admins", "hash:net", &["10.0.0.0/24"], true),
            sets("admins", "hash:mac", &["52:54:00:12:34:56"], false),
            sets("other", "hash:net", &["10.0.0.0/24"], false),
        ] {
            let e = judge_with(
                &[("mgmt", &mgmt), ("drop", &drop)],
                "drop",
                &tr,
                &s,
                &[],
                &[],
            )
            .unwrap_err();
            assert!(
                e.starts_with("UNKNOWN") && e.contains("ipset:admins"),
                "{e}"
            );
        }
        // ... unless both zones it may be accept it
        let public = zone("><service name=\"ssh\"/></zone>");
        let s = sets("admins", "hash:mac", &["52:54:00:12:34:56"], false);
        assert!(judge_with(
            &[("mgmt", &mgmt), ("public", &public)],
            "public",
            &tr,
            &s,
            &[],
            &[]
        )
        .is_ok());
    }

    #[test]
    fn ipset_rich_rules() {
        let z = zone("><rule family=\"ipv4\"><source ipset=\"admins\"/><service name=\"ssh\"/><accept/></rule></zone>");
        let admins = sets("admins", "hash:ip", &["10.0.0.10"], false);
        let tr = t("10.0.0.10", 22, "eth0");
        assert!(
            judge_with(&[("public", &z)], "public", &tr, &admins, &[], &[])
                .unwrap()
                .contains("rich rule")
        );
        let none = BTreeMap::new();
        let e = judge_with(&[("public", &z)], "public", &tr, &none, &[], &[]).unwrap_err();
        assert!(e.starts_with("UNKNOWN"), "{e}");
    }

    #[test]
    fn forward_ports_are_ways_in() {
        // sshd on 2222, reached through forward port 22 → 2222 only
        let z = zone("><forward-port port=\"22\" protocol=\"tcp\" to-port=\"2222\"/></zone>");
        let v = judge(&[("public", &z)], "public", &t("10.0.0.10", 2222, "eth0")).unwrap();
        assert!(
            v.contains("Forward(\"22\")") && !v.contains("Direct"),
            "{v}"
        );
        // another host's forward port is not a way in here
        let z = zone("><forward-port port=\"22\" protocol=\"tcp\" to-port=\"2222\" to-addr=\"10.9.9.9\"/></zone>");
        assert!(judge(&[("public", &z)], "public", &t("10.0.0.10", 2222, "eth0")).is_err());
        // both ways
        let z = zone("><port port=\"2222\" protocol=\"tcp\"/><forward-port port=\"22\" protocol=\"tcp\" to-port=\"2222\"/></zone>");
        let v = judge(&[("public", &z)], "public", &t("10.0.0.10", 2222, "eth0")).unwrap();
        assert!(v.contains("Direct") && v.contains("Forward"), "{v}");
    }

    #[test]
    fn host_policies() {
        let public = zone("><service name=\"ssh\"/></zone>");
        let body = |x: &str| {
            Zone::parse(&format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone{x}"
            ))
            .unwrap()
        };
        let pol = |prio: i32, x: &str, target: &str| {
            let mut b = body(x);
            b.target = target.into();
            Policy {
                name: "p".into(),
                priority: prio,
                ingress: vec!["ANY".into()],
                body: b,
            }
        };
        let tr = t("10.0.0.10", 22, "eth0");
        let none = BTreeMap::new();
        // a CONTINUE policy with nothing for tcp/22 (RHEL's allow-host-ipv6) changes nothing
        let p = [pol(-15000, "><rule family=\"ipv6\"><icmp-type name=\"neighbour-solicitation\"/><accept/></rule></zone>", "CONTINUE")];
        assert!(judge_with(&[("public", &public)], "public", &tr, &none, &p, &[]).is_ok());
        // a negative-priority policy that rejects comes first
        let p = [pol(
            -1,
            "><rule family=\"ipv4\"><source address=\"10.0.0.0/8\"/><reject/></rule></zone>",
            "CONTINUE",
        )];
        let e = judge_with(&[("public", &public)], "public", &tr, &none, &p, &[]).unwrap_err();
        assert!(e.contains("policy p"), "{e}");
        // ... or accepts
        let drop = zone(" target=\"DROP\"></zone>");
        let p = [pol(-1, "><service name=\"ssh\"/></zone>", "CONTINUE")];
        assert!(judge_with(&[("drop", &drop)], "drop", &tr, &none, &p, &[])
            .unwrap()
            .contains("policy p"));
        // a positive priority that would decide: not modelled → unknown
        let p = [pol(10, "></zone>", "REJECT")];
        let e = judge_with(&[("public", &public)], "public", &tr, &none, &p, &[]).unwrap_err();
        assert!(e.starts_with("UNKNOWN"), "{e}");
        // a policy file as firewalld writes it
        let text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<policy target=\"CONTINUE\" priority=\"-5\">\n  <service name=\"ssh\"/>\n  <ingress-zone name=\"ANY\"/>\n  <egress-zone name=\"HOST\"/>\n</policy>\n";
        let p = parse_policy("allow-ssh", text).unwrap().unwrap();
        assert_eq!(
            (p.priority, p.ingress.clone(), p.body.services.clone()),
            (-5, vec!["ANY".to_string()], vec!["ssh".to_string()])
        );
        let fwd = text.replace("HOST", "public");
        assert!(parse_policy("x", &fwd).unwrap().is_none());
    }

    #[test]
    fn interfaces_bound_outside_the_zone_files() {
        let public = zone("><service name=\"ssh\"/></zone>");
        let internal = zone(" target=\"DROP\"></zone>");
        let zs = [("public", &public), ("internal", &internal)];
        let none = BTreeMap::new();
        let tr = t("10.0.0.10", 22, "eth0");
        let b = [Binding {
            iface: Some("eth0".into()),
            zone: "internal".into(),
            from: "the NetworkManager profile x".into(),
        }];
        let e = judge_with(&zs, "public", &tr, &none, &[], &b).unwrap_err();
        assert!(e.contains("bound by the NetworkManager profile x"), "{e}");
        // a profile that does not name its interface may be the session's
        let b = [Binding {
            iface: None,
            zone: "internal".into(),
            from: "the NetworkManager profile y".into(),
        }];
        let e = judge_with(&zs, "public", &tr, &none, &[], &b).unwrap_err();
        assert!(e.starts_with("UNKNOWN"), "{e}");
        // no route to the peer: any interface-bound zone may take it
        let bound = zone(" target=\"DROP\"><interface name=\"eth1\"/></zone>");
        let mut tr2 = tr.clone();
        tr2.iface = None;
        let e = judge(&[("public", &public), ("internal", &bound)], "public", &tr2).unwrap_err();
        assert!(e.starts_with("UNKNOWN"), "{e}");
    }

    #[test]
    fn link_local_peers_use_the_local_address_interface() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("proc/net")).unwrap();
        // the first fe80::/64 route is eth0's; the session's address is on eth1
        std::fs::write(
            d.path().join("proc/net/ipv6_route"),
            "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\nfe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth1\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("proc/net/if_inet6"),
            "fe80000000000000505400fffe123401 02 40 20 80     eth0\nfe80000000000000505400fffe123402 03 40 20 80     eth1\n",
        )
        .unwrap();
        let ctx = Ctx::sandbox(d.path(), false, false);
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            ingress_iface(&ctx, a("fe80::1"), a("fe80::5054:ff:fe12:3402"))
                .unwrap()
                .as_deref(),
            Some("eth1")
        );
        assert_eq!(
            ingress_iface(&ctx, a("fe80::1"), a("fe80::9")).unwrap(),
            None
        );
    }

    #[test]
    fn ipset_files() {
        let s = parse_ipset("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ipset type=\"hash:net\">\n  <entry>10.0.0.0/24</entry>\n  <entry>192.0.2.7</entry>\n</ipset>\n").unwrap();
        assert_eq!(s.kind, "hash:net");
        assert_eq!(s.entries, vec!["10.0.0.0/24", "192.0.2.7"]);
        assert!(!s.timeout);
        let s =
            parse_ipset("<ipset type=\"hash:ip\"><option name=\"timeout\" value=\"60\"/></ipset>")
                .unwrap();
        assert!(s.timeout);
        assert!(parse_ipset("<zone/>").is_err());
    }

    #[test]
    fn dispatch_source_then_interface_then_default() {
        let public = zone("><service name=\"ssh\"/></zone>");
        let drop = zone(" target=\"DROP\"></zone>");
        let trusted = zone(" target=\"ACCEPT\"><interface name=\"eth1\"/></zone>");
        let admin = zone(
            "><port port=\"2222\" protocol=\"tcp\"/><source address=\"192.0.2.0/24\"/></zone>",
        );
        let zs = [
            ("public", &public),
            ("drop", &drop),
            ("trusted", &trusted),
            ("admin", &admin),
        ];
        assert!(judge(&zs, "public", &t("10.0.0.10", 22, "eth0"))
            .unwrap()
            .contains("service ssh"));
        // sshd on 2222: public does not have it
        let e = judge(&zs, "public", &t("10.0.0.10", 2222, "eth0")).unwrap_err();
        assert!(
            e.contains("default zone public") && e.contains("tcp port 2222"),
            "{e}"
        );
        // the source zone wins over the interface and the default
        assert!(judge(&zs, "drop", &t("192.0.2.7", 2222, "eth1"))
            .unwrap()
            .contains("zone admin (its sources"));
        // the interface's zone
        assert!(judge(&zs, "drop", &t("10.0.0.10", 2222, "eth1"))
            .unwrap()
            .contains("target ACCEPT"));
        // default switched to drop
        let e = judge(&zs, "drop", &t("10.0.0.10", 22, "eth0")).unwrap_err();
        assert!(
            e.contains("default zone drop") && e.contains("target is DROP"),
            "{e}"
        );
        // loopback is always accepted
        assert!(judge(&zs, "drop", &t("127.0.0.1", 22, "lo")).is_ok());
    }

    #[test]
    fn rich_rules_in_firewalld_order() {
        let z = zone("><service name=\"ssh\"/><rule family=\"ipv4\"><source address=\"10.0.0.0/8\"/><reject/></rule></zone>");
        let e = judge(&[("public", &z)], "public", &t("10.0.0.10", 22, "eth0")).unwrap_err();
        assert!(e.contains("drops or rejects"), "{e}");
        assert!(judge(&[("public", &z)], "public", &t("192.0.2.1", 22, "eth0")).is_ok());
        // a negative priority accept comes before the deny
        let z = zone("><rule priority=\"-10\"><source address=\"10.0.0.10\"/><service name=\"ssh\"/><accept/></rule><rule family=\"ipv4\"><source address=\"10.0.0.0/8\"/><drop/></rule></zone>");
        assert!(
            judge(&[("public", &z)], "public", &t("10.0.0.10", 22, "eth0"))
                .unwrap()
                .contains("rich rule")
        );
        // accept by rich rule for the source only
        let z = zone("><rule family=\"ipv4\"><source address=\"10.0.0.10\"/><port port=\"2222\" protocol=\"tcp\"/><accept/></rule></zone>");
        assert!(judge(&[("public", &z)], "public", &t("10.0.0.10", 2222, "eth0")).is_ok());
        assert!(judge(&[("public", &z)], "public", &t("10.0.0.11", 2222, "eth0")).is_err());
        // an ipset drop cannot be ruled out
        let z = zone("><service name=\"ssh\"/><rule><source ipset=\"bad\"/><drop/></rule></zone>");
        let e = judge(&[("public", &z)], "public", &t("10.0.0.10", 22, "eth0")).unwrap_err();
        assert!(e.starts_with("UNKNOWN") && e.contains("may drop"), "{e}");
    }

    #[test]
    fn addresses_and_routes() {
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(addr_in("10.0.0.0/8", a("10.1.2.3")), Some(true));
        assert_eq!(addr_in("10.0.0.0/255.0.0.0", a("10.1.2.3")), Some(true));
        assert_eq!(addr_in("10.0.0.0/8", a("11.1.2.3")), Some(false));
        assert_eq!(addr_in("2001:db8::/32", a("2001:db8::1")), Some(true));
        assert_eq!(addr_in("2001:db8::/32", a("10.0.0.1")), Some(false));
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("proc/net")).unwrap();
        std::fs::write(
            d.path().join("proc/net/route"),
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\neth1\t0002000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n",
        )
        .unwrap();
        let ctx = Ctx::sandbox(d.path(), false, false);
        let l = a("10.0.0.1");
        assert_eq!(
            ingress_iface(&ctx, a("10.0.2.9"), l).unwrap().as_deref(),
            Some("eth1")
        );
        assert_eq!(
            ingress_iface(&ctx, a("192.0.2.9"), l).unwrap().as_deref(),
            Some("eth0")
        );
        assert_eq!(
            ingress_iface(&ctx, a("127.0.0.1"), l).unwrap().as_deref(),
            Some("lo")
        );
        assert_eq!(
            service_ports("<service><port protocol=\"tcp\" port=\"22\"/><port protocol=\"udp\" port=\"53\"/></service>"),
            vec![("22".to_string(), "tcp".to_string()), ("53".into(), "udp".into())]
        );
    }
}
