//! A zone request applied to a zone's settings — the pure core of the plan for both paths
//! (D-Bus and offline XML): validation of every item, `exclusive` (lists become exactly what is
//! given) or additive, removal of named items, and rich rules compared in normalised form so that
//! re-runs are idempotent. Also DefaultZone in firewalld.conf, edited in place.

use crate::rich::{address_family, valid_mac, valid_port, valid_port_protocol, RichRule};
use crate::xml::{ForwardPort, Zone};

/// What exists on the system, for validation.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub services: Vec<String>,
    pub ipsets: Vec<String>,
    pub icmptypes: Vec<String>,
    /// Protocol names of /etc/protocols.
    pub protocols: Vec<String>,
}

/// One list of the request: items to have, and items to remove.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListRequest {
    pub present: Option<Vec<String>>,
    pub absent: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Request {
    pub target: Option<String>,
    pub short: Option<String>,
    pub description: Option<String>,
    pub services: ListRequest,
    /// `443/tcp`, `8000-8100/udp`.
    pub ports: ListRequest,
    pub protocols: ListRequest,
    pub source_ports: ListRequest,
    /// CIDR, MAC or `ipset:<name>`.
    pub sources: ListRequest,
    pub interfaces: ListRequest,
    pub icmp_blocks: ListRequest,
    pub rich_rules: ListRequest,
    pub forward_ports: Vec<ForwardPort>,
    /// forward_ports was given (so that `exclusive` makes it the exact set).
    pub forward_ports_given: bool,
    pub forward_ports_absent: Vec<ForwardPort>,
    pub masquerade: Option<bool>,
    pub forward: Option<bool>,
    pub icmp_block_inversion: Option<bool>,
    pub exclusive: bool,
}

pub const TARGETS: &[&str] = &["default", "ACCEPT", "DROP", "REJECT"];

/// `443/tcp` → (port, protocol).
pub fn split_port(item: &str) -> Result<(String, String), String> {
    let (p, proto) = item
        .split_once('/')
        .ok_or(format!("'{item}' is port/protocol, e.g. 443/tcp"))?;
    if !valid_port(p) {
        return Err(format!("'{item}': {p} is not a port or range (1-65535)"));
    }
    if !valid_port_protocol(proto) {
        return Err(format!("'{item}': the protocol is tcp, udp, sctp or dccp"));
    }
    Ok((p.to_string(), proto.to_string()))
}

fn check_item(list: &str, item: &str, known: &Known) -> Result<(), String> {
    let bad = |why: String| Err(format!("{list}: '{}' {why}", kit::args::clip(item)));
    match list {
        "services" if !known.services.iter().any(|s| s == item) => {
            bad("is not a service firewalld knows".into())
        }
        "ports" | "source_ports" => split_port(item)
            .map(|_| ())
            .map_err(|e| format!("{list}: {e}")),
        "protocols" if !known.protocols.iter().any(|p| p == item) => {
            bad("is not a protocol of /etc/protocols".into())
        }
        "icmp_blocks" if !known.icmptypes.iter().any(|p| p == item) => {
            bad("is not an ICMP type firewalld knows".into())
        }
        "interfaces"
            if item.is_empty()
                || item.len() > 15
                || item.contains(['/', ' ', ':'])
                || item == "."
                || item == ".." =>
        {
            bad("is not an interface name (1-15 characters, no '/', ':' or blanks)".into())
        }
        "sources" => match item.strip_prefix("ipset:") {
            Some(set) if known.ipsets.iter().any(|s| s == set) => Ok(()),
            Some(set) => bad(format!("names the ipset {set}, which does not exist")),
            None if address_family(item).is_some() || valid_mac(item) => Ok(()),
            None => bad("is not a CIDR address, a MAC address or ipset:<name>".into()),
        },
        "rich_rules" => RichRule::parse(item)
            .and_then(|r| {
                r.check_names(&crate::rich::Names {
                    services: &known.services,
                    ipsets: &known.ipsets,
                    icmptypes: &known.icmptypes,
                    protocols: &known.protocols,
                })
            })
            .map_err(|e| format!("{list}: '{}': {e}", kit::args::clip(item))),
        _ => Ok(()),
    }
}

/// The list after the request; rich rules are compared (and kept) in normalised form.
fn apply_list(
    list: &str,
    current: &[String],
    req: &ListRequest,
    exclusive: bool,
    known: &Known,
) -> Result<Vec<String>, String> {
    let norm = |s: &str| -> Result<String, String> {
        if list == "rich_rules" {
            RichRule::parse(s)
                .map(|r| r.to_string())
                .map_err(|e| format!("{list}: '{}': {e}", kit::args::clip(s)))
        } else {
            Ok(s.trim().to_string())
        }
    };
    for item in req.present.iter().flatten().chain(req.absent.iter()) {
        check_item(list, item.trim(), known)?;
    }
    let wanted: Vec<String> = req
        .present
        .iter()
        .flatten()
        .map(|s| norm(s))
        .collect::<Result<_, _>>()?;
    let absent: Vec<String> = req
        .absent
        .iter()
        .map(|s| norm(s))
        .collect::<Result<_, _>>()?;
    if let Some(both) = wanted.iter().find(|w| absent.contains(w)) {
        return Err(format!("{list}: '{both}' is asked both present and absent"));
    }
    let current: Vec<String> = current
        .iter()
        .map(|s| norm(s).unwrap_or_else(|_| s.clone()))
        .collect();
    let mut out: Vec<String> = if exclusive && req.present.is_some() {
        Vec::new()
    } else {
        current.clone()
    };
    if exclusive && req.present.is_some() {
        // keep the current order for what stays, then the new ones in the order given
        out.extend(current.iter().filter(|c| wanted.contains(c)).cloned());
    }
    for w in &wanted {
        if !out.contains(w) {
            out.push(w.clone());
        }
    }
    out.retain(|x| !absent.contains(x));
    Ok(out)
}

fn ports_to_strings(p: &[(String, String)]) -> Vec<String> {
    p.iter()
        .map(|(port, proto)| format!("{port}/{proto}"))
        .collect()
}

fn strings_to_ports(v: &[String]) -> Vec<(String, String)> {
    v.iter().filter_map(|s| split_port(s).ok()).collect()
}

/// Validate a forward port.
pub fn check_forward_port(f: &ForwardPort) -> Result<(), String> {
    let at = format!("forward_ports: {}/{}", f.port, f.protocol);
    if !valid_port(&f.port) || !valid_port_protocol(&f.protocol) {
        return Err(format!(
            "{at}: port 1-65535 (or a range) and protocol tcp, udp, sctp or dccp are needed"
        ));
    }
    if f.to_port.is_empty() && f.to_addr.is_empty() {
        return Err(format!("{at}: to_port or to_addr is needed"));
    }
    if !f.to_port.is_empty() && !valid_port(&f.to_port) {
        return Err(format!(
            "{at}: to_port '{}' is not a port or range",
            f.to_port
        ));
    }
    if !f.to_addr.is_empty() && address_family(&f.to_addr).is_none_or(|_| f.to_addr.contains('/')) {
        return Err(format!(
            "{at}: to_addr '{}' is not an IP address",
            f.to_addr
        ));
    }
    Ok(())
}

/// The zone after the request.
pub fn apply(zone: &Zone, req: &Request, known: &Known) -> Result<Zone, String> {
    let mut z = zone.clone();
    if let Some(t) = &req.target {
        if !TARGETS.contains(&t.as_str()) {
            return Err(format!("target: '{t}' is one of {}", TARGETS.join(", ")));
        }
        // firewalld writes REJECT as %%REJECT%%
        z.target = if t == "REJECT" {
            "%%REJECT%%".into()
        } else {
            t.clone()
        };
    }
    if let Some(s) = &req.short {
        z.short = s.clone();
    }
    if let Some(d) = &req.description {
        z.description = d.clone();
    }
    let ex = req.exclusive;
    z.services = apply_list("services", &z.services, &req.services, ex, known)?;
    z.ports = strings_to_ports(&apply_list(
        "ports",
        &ports_to_strings(&z.ports),
        &req.ports,
        ex,
        known,
    )?);
    z.protocols = apply_list("protocols", &z.protocols, &req.protocols, ex, known)?;
    z.source_ports = strings_to_ports(&apply_list(
        "source_ports",
        &ports_to_strings(&z.source_ports),
        &req.source_ports,
        ex,
        known,
    )?);
    z.sources = apply_list("sources", &z.sources, &req.sources, ex, known)?;
    z.interfaces = apply_list("interfaces", &z.interfaces, &req.interfaces, ex, known)?;
    z.icmp_blocks = apply_list("icmp_blocks", &z.icmp_blocks, &req.icmp_blocks, ex, known)?;
    let current_rules: Vec<String> = z
        .rules
        .iter()
        .map(|e| RichRule::from_element(e).map(|r| r.to_string()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the zone's existing rich rule is not valid: {e}"))?;
    let rules = apply_list("rich_rules", &current_rules, &req.rich_rules, ex, known)?;
    z.rules = rules
        .iter()
        .map(|r| {
            RichRule::parse(r).map(|r| r.to_element()).map_err(|e| {
                format!(
                    "rich_rules: '{}' does not parse back: {e}",
                    kit::args::clip(r)
                )
            })
        })
        .collect::<Result<_, _>>()?;
    for f in req.forward_ports.iter().chain(&req.forward_ports_absent) {
        check_forward_port(f)?;
    }
    if ex && req.forward_ports_given {
        z.forward_ports.retain(|f| req.forward_ports.contains(f));
    }
    for f in &req.forward_ports {
        if !z.forward_ports.contains(f) {
            z.forward_ports.push(f.clone());
        }
    }
    z.forward_ports
        .retain(|f| !req.forward_ports_absent.contains(f));
    if let Some(m) = req.masquerade {
        z.masquerade = m;
    }
    if let Some(f) = req.forward {
        z.forward = f;
    }
    if let Some(i) = req.icmp_block_inversion {
        z.icmp_block_inversion = i;
    }
    Ok(z)
}

/// firewalld.conf with `DefaultZone=<zone>`, every other line kept.
pub fn set_default_zone(conf: &str, zone: &str) -> String {
    let mut found = false;
    let mut out: Vec<String> = conf
        .split_inclusive('\n')
        .map(|l| {
            if l.trim_start().starts_with("DefaultZone=") && !found {
                found = true;
                let eol = if l.ends_with('\n') { "\n" } else { "" };
                if l.trim() == format!("DefaultZone={zone}") {
                    return l.to_string();
                }
                return format!("DefaultZone={zone}{eol}");
            }
            l.to_string()
        })
        .collect();
    if !found {
        if out.last().is_some_and(|l| !l.ends_with('\n')) {
            out.push("\n".into());
        }
        out.push(format!("DefaultZone={zone}\n"));
    }
    out.concat()
}

/// The DefaultZone firewalld.conf names (firewalld's default: public).
pub fn default_zone(conf: &str) -> String {
    conf.lines()
        .find_map(|l| l.trim_start().strip_prefix("DefaultZone="))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "public".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            services: ["ssh", "http", "https", "dhcpv6-client", "cockpit"]
                .map(String::from)
                .to_vec(),
            ipsets: vec!["blocklist".into()],
            icmptypes: vec!["echo-request".into(), "timestamp-request".into()],
            protocols: vec!["gre".into(), "esp".into()],
        }
    }

    fn public() -> Zone {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/firewalld/zones/public.xml"
        ))
        .unwrap();
        Zone::parse(&text).unwrap()
    }

    fn present(items: &[&str]) -> ListRequest {
        ListRequest {
            present: Some(items.iter().map(|s| s.to_string()).collect()),
            absent: Vec::new(),
        }
    }

    #[test]
    fn additive_by_default_exclusive_when_asked() {
        let req = Request {
            services: present(&["https"]),
            ports: present(&["8443/tcp", "8000-8100/udp"]),
            ..Default::default()
        };
        let z = apply(&public(), &req, &known()).unwrap();
        assert_eq!(z.services, vec!["ssh", "dhcpv6-client", "https"]);
        assert_eq!(
            z.ports,
            vec![
                ("8443".into(), "tcp".into()),
                ("8000-8100".into(), "udp".into())
            ]
        );
        // the same request again changes nothing
        assert_eq!(apply(&z, &req, &known()).unwrap(), z);
        let ex = Request {
            exclusive: true,
            services: present(&["ssh"]),
            ..Default::default()
        };
        let z2 = apply(&z, &ex, &known()).unwrap();
        assert_eq!(z2.services, vec!["ssh"], "dhcpv6-client and https removed");
        assert_eq!(
            z2.ports, z.ports,
            "a list not given is left alone, even with exclusive"
        );
    }

    #[test]
    fn removal_without_exclusive_and_rich_rules_idempotent_in_any_spelling() {
        let req = Request {
            services: ListRequest {
                present: None,
                absent: vec!["dhcpv6-client".into()],
            },
            rich_rules: present(&[
                "rule family=ipv4 source address=192.0.2.0/24 service name=http accept",
            ]),
            ..Default::default()
        };
        let z = apply(&public(), &req, &known()).unwrap();
        assert_eq!(z.services, vec!["ssh"]);
        assert_eq!(z.rules.len(), 1);
        // firewalld's own spelling of the same rule: nothing to add
        let again = Request {
            rich_rules: present(&[
                "rule family=\"ipv4\" source address=\"192.0.2.0/24\" service name=\"http\" accept",
            ]),
            ..Default::default()
        };
        assert_eq!(apply(&z, &again, &known()).unwrap(), z);
    }

    #[test]
    fn targets_forward_ports_and_booleans() {
        let fp = ForwardPort {
            port: "80".into(),
            protocol: "tcp".into(),
            to_port: "8080".into(),
            to_addr: "10.0.0.2".into(),
        };
        let req = Request {
            target: Some("REJECT".into()),
            forward_ports: vec![fp.clone()],
            masquerade: Some(true),
            forward: Some(false),
            ..Default::default()
        };
        let z = apply(&public(), &req, &known()).unwrap();
        assert_eq!(z.target, "%%REJECT%%");
        assert!(z.masquerade && !z.forward);
        assert_eq!(z.forward_ports, vec![fp.clone()]);
        assert!(z.to_xml().contains("<zone target=\"%%REJECT%%\">"));
        // exclusive touches only the lists given: forward ports stay when not given
        let other = Request {
            services: ListRequest {
                present: Some(vec!["ssh".into()]),
                absent: vec![],
            },
            exclusive: true,
            ..Default::default()
        };
        assert_eq!(
            apply(&z, &other, &known()).unwrap().forward_ports,
            vec![fp.clone()]
        );
        let none = Request {
            forward_ports_given: true,
            exclusive: true,
            ..Default::default()
        };
        assert!(apply(&z, &none, &known()).unwrap().forward_ports.is_empty());
        let rm = Request {
            forward_ports_absent: vec![fp],
            ..Default::default()
        };
        assert!(apply(&z, &rm, &known()).unwrap().forward_ports.is_empty());
    }

    #[test]
    fn every_bad_item_is_named() {
        for (req, want) in [
            (
                Request {
                    services: present(&["htp"]),
                    ..Default::default()
                },
                "services: 'htp' is not a service",
            ),
            (
                Request {
                    ports: present(&["443"]),
                    ..Default::default()
                },
                "ports: '443' is port/protocol",
            ),
            (
                Request {
                    ports: present(&["70000/tcp"]),
                    ..Default::default()
                },
                "70000 is not a port",
            ),
            (
                Request {
                    sources: present(&["10.0.0.0/40"]),
                    ..Default::default()
                },
                "sources: '10.0.0.0/40'",
            ),
            (
                Request {
                    sources: present(&["ipset:nope"]),
                    ..Default::default()
                },
                "the ipset nope, which does not exist",
            ),
            (
                Request {
                    protocols: present(&["bogus"]),
                    ..Default::default()
                },
                "not a protocol of /etc/protocols",
            ),
            (
                Request {
                    icmp_blocks: present(&["ping"]),
                    ..Default::default()
                },
                "not an ICMP type",
            ),
            (
                Request {
                    interfaces: present(&["eth0/1"]),
                    ..Default::default()
                },
                "not an interface name",
            ),
            (
                Request {
                    rich_rules: present(&["rule service name=http"]),
                    ..Default::default()
                },
                "rich_rules: 'rule service name=http': the rule has no action",
            ),
            (
                Request {
                    target: Some("reject".into()),
                    ..Default::default()
                },
                "target: 'reject'",
            ),
            (
                Request {
                    services: ListRequest {
                        present: Some(vec!["ssh".into()]),
                        absent: vec!["ssh".into()],
                    },
                    ..Default::default()
                },
                "both present and absent",
            ),
        ] {
            let e = apply(&public(), &req, &known()).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
        assert!(apply(
            &public(),
            &Request {
                sources: present(&["00:11:22:33:44:55", "2001:db8::/64", "ipset:blocklist"]),
                ..Default::default()
            },
            &known()
        )
        .is_ok());
    }

    #[test]
    fn default_zone_edited_in_place() {
        let conf = "# firewalld config file\n\n# default zone\nDefaultZone=public\n\n# Clean up on exit\nCleanupOnExit=yes\nMyLocal=kept\n";
        assert_eq!(default_zone(conf), "public");
        let out = set_default_zone(conf, "work");
        assert_eq!(out, conf.replace("DefaultZone=public", "DefaultZone=work"));
        assert_eq!(set_default_zone(&out, "work"), out);
        assert_eq!(
            set_default_zone("IPv6_rpfilter=yes", "drop"),
            "IPv6_rpfilter=yes\nDefaultZone=drop\n"
        );
        assert_eq!(default_zone("# nothing\n"), "public");
    }
}
