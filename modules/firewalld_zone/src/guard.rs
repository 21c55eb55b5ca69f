//! The lockout guard of `firewalld_zone`: after the change, would firewalld still accept the
//! SSH connection's traffic (peer → local TCP port)?
//!
//! Evaluated as firewalld dispatches incoming traffic (nftables and iptables back ends alike,
//! without zone drifting, firewalld ≥ 0.9):
//! * the loopback interface is always accepted;
//! * the zone is the one a `source` of which holds the peer address, else the one the ingress
//!   interface is bound to, else the default zone;
//! * in the zone: rich rules with a negative priority (ascending), then rich rules that drop or
//!   reject, then what accepts (services whose definition has the port, `ports`, `protocols`,
//!   accepting rich rules), then rich rules with a positive priority, and last the target
//!   (`ACCEPT` accepts; `default`, `REJECT`, `DROP` do not).
//!
//! The ingress interface is the one of the route to the peer (/proc/net/route, ipv6_route: the
//! longest matching prefix), `lo` for a loopback or local peer. What cannot be known here counts
//! against the connection: an `ipset:` or MAC source, or an ipset in a rich rule, never matches
//! an accepting item and always matches a dropping one.

use crate::rich::{ActionKind, RichRule, RuleElement};
use crate::xml::Zone;
use kit::{Ctx, Result};
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

/// Every zone in the end state, and the default zone.
pub struct World<'a> {
    pub zones: Vec<(String, &'a Zone)>,
    pub default_zone: String,
    pub service_ports: ServicePorts<'a>,
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

/// Whether a source entry of a zone holds the peer: `Some(false)`/`Some(true)`, `None` unknown
/// (ipset, MAC).
fn source_holds(src: &str, peer: IpAddr) -> Option<bool> {
    if src.starts_with("ipset:") || src.contains(':') && src.len() == 17 && !src.contains("::") {
        return None;
    }
    addr_in(src, peer)
}

/// How a rich rule applies to the traffic: `Some(true)` matches, `Some(false)` does not,
/// `None` cannot be known.
fn rule_matches(r: &RichRule, t: &Traffic, w: &World) -> Option<bool> {
    let fam = if t.peer.is_ipv4() { "ipv4" } else { "ipv6" };
    if let Some(f) = &r.family {
        if f != fam {
            return Some(false);
        }
    }
    let addr = |a: &crate::rich::Addr, x: IpAddr| -> Option<bool> {
        let m = match a.kind.as_str() {
            "address" => addr_in(&a.value, x)?,
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
        Some(RuleElement::Port(p, proto)) => proto == "tcp" && port_in(p, t.port),
        Some(RuleElement::Protocol(p)) => p == "tcp" || p == "6",
        Some(RuleElement::Service(s)) => (w.service_ports)(s)
            .unwrap_or_default()
            .iter()
            .any(|(p, proto)| proto == "tcp" && port_in(p, t.port)),
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

/// Accepted (by what) or not (why).
pub fn verdict(w: &World, t: &Traffic) -> std::result::Result<String, String> {
    if t.iface.as_deref() == Some("lo") {
        return Ok("the loopback interface (always accepted)".into());
    }
    // dispatch
    let mut unknown_source = Vec::new();
    let by_source = w.zones.iter().find(|(n, z)| {
        z.sources.iter().any(|s| match source_holds(s, t.peer) {
            Some(m) => m,
            None => {
                unknown_source.push(format!("{s} of zone {n}"));
                false
            }
        })
    });
    let (name, zone, how) = if let Some((n, z)) = by_source {
        (
            n.as_str(),
            *z,
            format!("zone {n} (its sources hold {})", t.peer),
        )
    } else if let Some((n, z)) = t.iface.as_ref().and_then(|i| {
        w.zones
            .iter()
            .find(|(_, z)| z.interfaces.iter().any(|x| x == i))
    }) {
        (
            n.as_str(),
            *z,
            format!("zone {n} (interface {})", t.iface.as_deref().unwrap_or("")),
        )
    } else {
        match w.zones.iter().find(|(n, _)| *n == w.default_zone) {
            Some((n, z)) => (
                n.as_str(),
                *z,
                format!(
                    "the default zone {n}{}",
                    t.iface
                        .as_deref()
                        .map(|i| format!(" (interface {i} is in no zone)"))
                        .unwrap_or_default()
                ),
            ),
            None => {
                return Err(format!(
                    "the default zone {} does not exist",
                    w.default_zone
                ))
            }
        }
    };
    let _ = name;
    let caveat = if unknown_source.is_empty() {
        String::new()
    } else {
        format!(
            " (not known here whether {} holds the peer)",
            unknown_source.join(", ")
        )
    };
    let rules: Vec<RichRule> = zone
        .rules
        .iter()
        .filter_map(|e| RichRule::from_element(e).ok())
        .collect();
    let decide = |r: &RichRule| -> Option<std::result::Result<String, String>> {
        let act = r.action.as_ref()?;
        let m = rule_matches(r, t, w);
        match &act.kind {
            ActionKind::Accept if m == Some(true) => Some(Ok(format!("{how}: rich rule '{}'", r))),
            ActionKind::Drop | ActionKind::Reject(_) if m != Some(false) => Some(Err(format!(
                "{how}: rich rule '{}' {}",
                r,
                if m.is_none() {
                    "may drop it"
                } else {
                    "drops or rejects it"
                }
            ))),
            _ => None,
        }
    };
    let mut pre: Vec<&RichRule> = rules.iter().filter(|r| r.priority < 0).collect();
    pre.sort_by_key(|r| r.priority);
    for r in pre {
        if let Some(v) = decide(r) {
            return v.map_err(|e| e + &caveat);
        }
    }
    for r in rules.iter().filter(|r| r.priority == 0) {
        if let Some(Err(e)) = decide(r) {
            return Err(e + &caveat);
        }
    }
    for s in &zone.services {
        if (w.service_ports)(s)
            .unwrap_or_default()
            .iter()
            .any(|(p, proto)| proto == "tcp" && port_in(p, t.port))
        {
            return Ok(format!("{how}: service {s}"));
        }
    }
    if let Some((p, _)) = zone
        .ports
        .iter()
        .find(|(p, proto)| proto == "tcp" && port_in(p, t.port))
    {
        return Ok(format!("{how}: port {p}/tcp"));
    }
    if zone.protocols.iter().any(|p| p == "tcp") {
        return Ok(format!("{how}: protocol tcp"));
    }
    for r in rules.iter().filter(|r| r.priority == 0) {
        if let Some(Ok(a)) = decide(r) {
            return Ok(a);
        }
    }
    let mut post: Vec<&RichRule> = rules.iter().filter(|r| r.priority > 0).collect();
    post.sort_by_key(|r| r.priority);
    for r in post {
        if let Some(v) = decide(r) {
            return v.map_err(|e| e + &caveat);
        }
    }
    match zone.target.as_str() {
        "ACCEPT" => Ok(format!("{how}: target ACCEPT")),
        t2 => Err(format!(
            "{how} has no service, port or rule accepting tcp port {} and its target is {}{caveat}",
            t.port,
            if t2 == "%%REJECT%%" { "REJECT" } else { t2 }
        )),
    }
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
        let w = World {
            zones: zones.iter().map(|(n, z)| (n.to_string(), *z)).collect(),
            default_zone: default.into(),
            service_ports: &services,
        };
        verdict(&w, tr)
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
        assert!(e.contains("may drop"), "{e}");
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
