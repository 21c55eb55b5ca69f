//! firewalld rich rules: parsed from the rich language, validated, and printed in the normalised
//! form firewalld itself prints (`Rich_Rule.__str__`), so that a rule given in any spelling
//! compares equal to the one firewalld reports back — the key to idempotent rich rules. Also
//! converted to and from the `<rule>` element of zone XML for the offline path.
//!
//! ```text
//! rule [family="ipv4|ipv6"] [priority="N"]
//!   [source [not] address="a[/m]"|mac="m"|ipset="s"] [destination [not] address="a[/m]"|ipset="s"]
//!   [service name=".." | port port=".." protocol=".." | protocol value=".." | icmp-block name=".."
//!    | icmp-type name=".." | masquerade | forward-port port=".." protocol=".." [to-port=".."] [to-addr=".."]
//!    | source-port port=".." protocol=".." | tcp-mss-clamp [value=".."]]
//!   [log [prefix=".."] [level=".."] [limit value=".."] | nflog [group=".."] [prefix=".."] [queue-size=".."] [limit value=".."]]
//!   [audit [limit value=".."]]
//!   [accept | reject [type=".."] | drop | mark set=".."] [limit value=".."]
//! ```

use crate::xml::Element;
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Addr {
    pub invert: bool,
    /// `address`, `mac` or `ipset`.
    pub kind: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleElement {
    Service(String),
    Port(String, String),
    Protocol(String),
    IcmpBlock(String),
    IcmpType(String),
    Masquerade,
    ForwardPort {
        port: String,
        protocol: String,
        to_port: String,
        to_addr: String,
    },
    SourcePort(String, String),
    TcpMssClamp(Option<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Logging {
    Log {
        prefix: Option<String>,
        level: Option<String>,
        limit: Option<String>,
    },
    NfLog {
        group: Option<String>,
        prefix: Option<String>,
        queue_size: Option<String>,
        limit: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind {
    Accept,
    Reject(Option<String>),
    Drop,
    Mark(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    pub limit: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RichRule {
    pub family: Option<String>,
    pub priority: i32,
    pub source: Option<Addr>,
    pub destination: Option<Addr>,
    pub element: Option<RuleElement>,
    pub log: Option<Logging>,
    /// `Some(limit)` when audit is on.
    pub audit: Option<Option<String>>,
    pub action: Option<Action>,
}

/// firewalld splits a rule with Python's `shlex` (POSIX mode: blanks are space, tab, CR and LF
/// only) and then each token at `=`, refusing a token with more than one `=` or an empty side.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Words and `key=value` pairs; values may be quoted with `"` or `'`.
///
/// Only what firewalld's lexer reads the same way is accepted: a value holding `"` or `\\`
/// (firewalld prints every value as `"…"` without escaping, so such a rule would not parse back
/// from what firewalld reports), `=` (its lexer refuses it) or nothing at all is refused, as is a
/// quote or backslash in a word or key (shlex would join or drop it).
fn tokenize(s: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| is_blank(*c)) {
            chars.next();
        }
        let Some(_) = chars.peek() else { break };
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if is_blank(c) || c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.contains(['"', '\'', '\\']) {
            return Err(format!(
                "'{key}': quotes and backslashes belong only around a value (key=\"value\")"
            ));
        }
        if chars.peek() == Some(&'=') {
            chars.next();
            let value = match chars.peek() {
                Some(&q @ ('"' | '\'')) => {
                    chars.next();
                    let mut v = String::new();
                    loop {
                        match chars.next() {
                            Some(c) if c == q => break,
                            Some(c) => v.push(c),
                            None => return Err(format!("unterminated quote in {key}=")),
                        }
                    }
                    if chars.peek().is_some_and(|c| !is_blank(*c)) {
                        return Err(format!(
                            "{key}=: a blank must follow the closing quote of the value"
                        ));
                    }
                    v
                }
                _ => {
                    let mut v = String::new();
                    while let Some(&c) = chars.peek() {
                        if is_blank(c) {
                            break;
                        }
                        v.push(c);
                        chars.next();
                    }
                    v
                }
            };
            if key.is_empty() {
                return Err(format!("'={value}': a value without a name"));
            }
            if value.is_empty() {
                return Err(format!("{key}= has an empty value"));
            }
            if let Some(c) = value.chars().find(|c| matches!(c, '"' | '\\' | '=')) {
                return Err(format!(
                    "{key}=: the value may not contain '{c}' (firewalld cannot read it back)"
                ));
            }
            out.push((key, Some(value)));
        } else {
            out.push((key, None));
        }
    }
    Ok(out)
}

fn limit_normalised(v: &str) -> Result<String, String> {
    let (rate, unit) = v
        .split_once('/')
        .ok_or_else(|| format!("limit value '{v}' is rate/unit, e.g. 3/m"))?;
    let unit = match unit {
        "s" | "second" => "s",
        "m" | "minute" => "m",
        "h" | "hour" => "h",
        "d" | "day" => "d",
        _ => return Err(format!("limit value '{v}': the unit is s, m, h or d")),
    };
    let rate: u32 = rate
        .parse()
        .map_err(|_| format!("limit value '{v}': the rate is a whole number"))?;
    if rate < 1 || (rate == 1 && unit == "d") {
        return Err(format!("limit value '{v}' is out of range"));
    }
    Ok(format!("{rate}/{unit}"))
}

/// A port or port range `N` / `N-M` (1–65535).
pub fn valid_port(p: &str) -> bool {
    let ok = |x: &str| x.parse::<u16>().is_ok_and(|n| n >= 1);
    match p.split_once('-') {
        Some((a, b)) => ok(a) && ok(b) && a.parse::<u16>().ok() <= b.parse::<u16>().ok(),
        None => ok(p),
    }
}

pub fn valid_port_protocol(p: &str) -> bool {
    matches!(p, "tcp" | "udp" | "sctp" | "dccp")
}

/// An IPv4/IPv6 address with an optional prefix length; the family it belongs to.
pub fn address_family(a: &str) -> Option<&'static str> {
    let (addr, mask) = match a.split_once('/') {
        Some((x, m)) => (x, Some(m)),
        None => (a, None),
    };
    if addr.parse::<Ipv4Addr>().is_ok() {
        return match mask {
            None => Some("ipv4"),
            Some(m) if m.parse::<u8>().is_ok_and(|n| n <= 32) || m.parse::<Ipv4Addr>().is_ok() => {
                Some("ipv4")
            }
            _ => None,
        };
    }
    if addr.parse::<Ipv6Addr>().is_ok() {
        return match mask {
            None => Some("ipv6"),
            Some(m) if m.parse::<u8>().is_ok_and(|n| n <= 128) => Some("ipv6"),
            _ => None,
        };
    }
    None
}

pub fn valid_mac(m: &str) -> bool {
    let parts: Vec<&str> = m.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The reject types firewalld accepts per family (`firewall.core.base.REJECT_TYPES`).
pub fn reject_types(family: &str) -> &'static [&'static str] {
    match family {
        "ipv4" => &[
            "icmp-host-prohibited",
            "host-prohib",
            "icmp-net-unreachable",
            "net-unreach",
            "icmp-host-unreachable",
            "host-unreach",
            "icmp-port-unreachable",
            "port-unreach",
            "icmp-proto-unreachable",
            "proto-unreach",
            "icmp-net-prohibited",
            "net-prohib",
            "tcp-reset",
            "tcp-rst",
            "icmp-admin-prohibited",
            "admin-prohib",
        ],
        "ipv6" => &[
            "icmp6-adm-prohibited",
            "adm-prohibited",
            "icmp6-no-route",
            "no-route",
            "icmp6-addr-unreachable",
            "addr-unreach",
            "icmp6-port-unreachable",
            "port-unreach",
            "tcp-reset",
        ],
        _ => &[],
    }
}

/// What a rule names must exist, as firewalld checks when it loads the rule: services, ipsets
/// and ICMP types it knows, protocols of /etc/protocols (or a number 0-255).
pub struct Names<'a> {
    pub services: &'a [String],
    pub ipsets: &'a [String],
    pub icmptypes: &'a [String],
    pub protocols: &'a [String],
}

impl RichRule {
    /// Check the names the rule refers to (see [`Names`]).
    pub fn check_names(&self, known: &Names) -> Result<(), String> {
        let has = |list: &[String], x: &str| list.iter().any(|s| s == x);
        for (w, a) in [("source", &self.source), ("destination", &self.destination)] {
            if let Some(a) = a.as_ref().filter(|a| a.kind == "ipset") {
                if !has(known.ipsets, &a.value) {
                    return Err(format!("{w} ipset \"{}\" does not exist", a.value));
                }
            }
        }
        match &self.element {
            Some(RuleElement::Service(n)) if !has(known.services, n) => {
                Err(format!("service \"{n}\" is not a service firewalld knows"))
            }
            Some(RuleElement::IcmpBlock(n) | RuleElement::IcmpType(n))
                if !has(known.icmptypes, n) =>
            {
                Err(format!("\"{n}\" is not an ICMP type firewalld knows"))
            }
            Some(RuleElement::Protocol(p))
                if !has(known.protocols, p) && p.parse::<u8>().is_err() =>
            {
                Err(format!(
                    "protocol \"{p}\" is neither a protocol of /etc/protocols nor a number 0-255"
                ))
            }
            _ => Ok(()),
        }
    }
}

const LOG_LEVELS: &[&str] = &[
    "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
];

impl RichRule {
    /// Parse and validate a rule in the rich language.
    pub fn parse(text: &str) -> Result<RichRule, String> {
        let toks = tokenize(text)?;
        let mut i = 0;
        let word = |i: usize| {
            toks.get(i)
                .filter(|(_, v)| v.is_none())
                .map(|(k, _)| k.as_str())
        };
        if word(0) != Some("rule") {
            return Err("a rich rule starts with 'rule'".into());
        }
        i += 1;
        let mut r = RichRule::default();
        // attributes of an element: consecutive key=value tokens
        let take_attrs = |i: &mut usize| {
            let mut a = Vec::new();
            while let Some((k, Some(v))) = toks.get(*i) {
                a.push((k.clone(), v.clone()));
                *i += 1;
            }
            a
        };
        let get = |a: &[(String, String)], k: &str| {
            a.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone())
        };
        let limit_after = |i: &mut usize| -> Result<Option<String>, String> {
            if toks.get(*i).map(|(k, v)| (k.as_str(), v.is_none())) == Some(("limit", true)) {
                *i += 1;
                let a = take_attrs(i);
                let v = get(&a, "value").ok_or("limit needs value=\"rate/unit\"")?;
                return limit_normalised(&v).map(Some);
            }
            Ok(None)
        };
        for (k, v) in take_attrs(&mut i) {
            match k.as_str() {
                "family" if v == "ipv4" || v == "ipv6" => r.family = Some(v),
                "family" => return Err(format!("family \"{v}\": ipv4 or ipv6")),
                "priority" => {
                    r.priority = v
                        .parse::<i32>()
                        .ok()
                        .filter(|p| (-32768..=32767).contains(p))
                        .ok_or(format!(
                            "priority \"{v}\": a whole number from -32768 to 32767"
                        ))?
                }
                other => return Err(format!("'{other}=' is not an attribute of rule")),
            }
        }
        while i < toks.len() {
            let Some(w) = word(i) else {
                return Err(format!(
                    "unexpected '{}={}'",
                    toks[i].0,
                    toks[i].1.clone().unwrap_or_default()
                ));
            };
            i += 1;
            match w {
                "source" | "destination" => {
                    let invert = word(i) == Some("not") || word(i) == Some("NOT");
                    if invert {
                        i += 1;
                    }
                    let a = take_attrs(&mut i);
                    let [(kind, value)] = a.as_slice() else {
                        return Err(format!("{w} takes one of address=, mac=, ipset="));
                    };
                    match kind.as_str() {
                        "address" => {
                            let fam = address_family(value).ok_or(format!(
                                "{w} address \"{value}\" is not an IP address or network"
                            ))?;
                            if r.family.as_deref().is_some_and(|f| f != fam) {
                                return Err(format!(
                                    "{w} address \"{value}\" is not of family {}",
                                    r.family.clone().unwrap_or_default()
                                ));
                            }
                        }
                        "mac" if w == "source" && valid_mac(value) => {}
                        // firewalld keeps and prints MAC addresses upper-case
                        "mac" if w == "source" => {
                            return Err(format!("source mac \"{value}\" is not a MAC address"))
                        }
                        "ipset" if !value.is_empty() => {}
                        _ => {
                            return Err(format!(
                                "{w} takes address=, {}ipset=",
                                if w == "source" { "mac=, " } else { "" }
                            ))
                        }
                    }
                    let addr = Addr {
                        invert,
                        kind: kind.clone(),
                        value: if kind == "mac" {
                            value.to_ascii_uppercase()
                        } else {
                            value.clone()
                        },
                    };
                    let slot = if w == "source" {
                        &mut r.source
                    } else {
                        &mut r.destination
                    };
                    if slot.replace(addr).is_some() {
                        return Err(format!("more than one {w}"));
                    }
                }
                "service" | "port" | "protocol" | "icmp-block" | "icmp-type" | "masquerade"
                | "forward-port" | "source-port" | "tcp-mss-clamp" => {
                    if r.element.is_some() {
                        return Err(format!(
                            "'{w}': a rule has at most one element (service, port, …)"
                        ));
                    }
                    let a = take_attrs(&mut i);
                    let need = |k: &str| get(&a, k).ok_or(format!("{w} needs {k}="));
                    let port_proto =
                        |p: String, proto: String| -> Result<(String, String), String> {
                            if !valid_port(&p) {
                                return Err(format!(
                                    "{w} port \"{p}\" is not a port or range (1-65535)"
                                ));
                            }
                            if !valid_port_protocol(&proto) {
                                return Err(format!(
                                    "{w} protocol \"{proto}\": tcp, udp, sctp or dccp"
                                ));
                            }
                            Ok((p, proto))
                        };
                    r.element = Some(match w {
                        "service" => RuleElement::Service(need("name")?),
                        "port" => {
                            let (p, pr) = port_proto(need("port")?, need("protocol")?)?;
                            RuleElement::Port(p, pr)
                        }
                        "source-port" => {
                            let (p, pr) = port_proto(need("port")?, need("protocol")?)?;
                            RuleElement::SourcePort(p, pr)
                        }
                        "protocol" => RuleElement::Protocol(need("value")?),
                        "icmp-block" => RuleElement::IcmpBlock(need("name")?),
                        "icmp-type" => RuleElement::IcmpType(need("name")?),
                        "masquerade" => RuleElement::Masquerade,
                        "tcp-mss-clamp" => RuleElement::TcpMssClamp(get(&a, "value")),
                        _ => {
                            let (port, protocol) = port_proto(need("port")?, need("protocol")?)?;
                            let to_port = get(&a, "to-port").unwrap_or_default();
                            let to_addr = get(&a, "to-addr").unwrap_or_default();
                            if to_port.is_empty() && to_addr.is_empty() {
                                return Err("forward-port needs to-port= or to-addr=".into());
                            }
                            if !to_port.is_empty() && !valid_port(&to_port) {
                                return Err(format!(
                                    "forward-port to-port \"{to_port}\" is not a port or range"
                                ));
                            }
                            if !to_addr.is_empty() && address_family(&to_addr).is_none() {
                                return Err(format!(
                                    "forward-port to-addr \"{to_addr}\" is not an IP address"
                                ));
                            }
                            RuleElement::ForwardPort {
                                port,
                                protocol,
                                to_port,
                                to_addr,
                            }
                        }
                    });
                }
                "log" | "nflog" => {
                    if r.log.is_some() {
                        return Err("a rule has at most one log or nflog".into());
                    }
                    let a = take_attrs(&mut i);
                    let limit = limit_after(&mut i)?;
                    if let Some(p) = get(&a, "prefix") {
                        if p.len() > 127 {
                            return Err(format!("{w} prefix is longer than 127 characters"));
                        }
                    }
                    r.log = Some(if w == "log" {
                        let level = get(&a, "level");
                        if let Some(l) = &level {
                            if !LOG_LEVELS.contains(&l.as_str()) {
                                return Err(format!(
                                    "log level \"{l}\": one of {}",
                                    LOG_LEVELS.join(", ")
                                ));
                            }
                        }
                        Logging::Log {
                            prefix: get(&a, "prefix"),
                            level,
                            limit,
                        }
                    } else {
                        for k in ["group", "queue-size"] {
                            if let Some(v) = get(&a, k) {
                                if v.parse::<u16>().is_err() {
                                    return Err(format!("nflog {k} \"{v}\": 0-65535"));
                                }
                            }
                        }
                        Logging::NfLog {
                            group: get(&a, "group"),
                            prefix: get(&a, "prefix"),
                            queue_size: get(&a, "queue-size"),
                            limit,
                        }
                    });
                }
                "audit" => {
                    if r.audit.is_some() {
                        return Err("more than one audit".into());
                    }
                    r.audit = Some(limit_after(&mut i)?);
                }
                "accept" | "reject" | "drop" | "mark" => {
                    if r.action.is_some() {
                        return Err(
                            "a rule has at most one action (accept, reject, drop, mark)".into()
                        );
                    }
                    let a = take_attrs(&mut i);
                    let kind = match w {
                        "accept" => ActionKind::Accept,
                        "drop" => ActionKind::Drop,
                        "reject" => {
                            let t = get(&a, "type");
                            if let Some(t) = &t {
                                let Some(fam) = r.family.as_deref() else {
                                    return Err("reject type= needs the rule's family".into());
                                };
                                let types = reject_types(fam);
                                if !types.contains(&t.as_str()) {
                                    return Err(format!(
                                        "reject type \"{t}\" is not a reject type of {fam}: one of {}",
                                        types.join(", ")
                                    ));
                                }
                            }
                            ActionKind::Reject(t)
                        }
                        _ => {
                            let set = get(&a, "set").ok_or("mark needs set=")?;
                            let ok = set.split('/').all(|x| {
                                x.parse::<u32>().is_ok()
                                    || x.strip_prefix("0x")
                                        .is_some_and(|h| u32::from_str_radix(h, 16).is_ok())
                            }) && set.split('/').count() <= 2;
                            if !ok {
                                return Err(format!("mark set \"{set}\" is not mark[/mask]"));
                            }
                            ActionKind::Mark(set)
                        }
                    };
                    let limit = limit_after(&mut i)?;
                    r.action = Some(Action { kind, limit });
                }
                other => return Err(format!("'{other}' is not part of the rich rule language")),
            }
        }
        if r.element.is_none() && r.source.is_none() && r.destination.is_none() {
            return Err("a rule needs a source, destination or element (service, port, …)".into());
        }
        let needs_action = !matches!(
            r.element,
            Some(
                RuleElement::Masquerade
                    | RuleElement::IcmpBlock(_)
                    | RuleElement::ForwardPort { .. }
                    | RuleElement::TcpMssClamp(_)
            )
        );
        if needs_action && r.action.is_none() && r.log.is_none() && r.audit.is_none() {
            return Err("the rule has no action (accept, reject, drop, mark) nor log/audit".into());
        }
        Ok(r)
    }
}

fn opt(k: &str, v: &Option<String>) -> String {
    v.as_ref()
        .filter(|s| !s.is_empty())
        .map(|s| format!(" {k}=\"{s}\""))
        .unwrap_or_default()
}

fn limit_text(l: &Option<String>) -> String {
    l.as_ref()
        .map(|v| format!(" limit value=\"{v}\""))
        .unwrap_or_default()
}

impl std::fmt::Display for RichRule {
    /// firewalld's normalised form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rule")?;
        if self.priority != 0 {
            write!(f, " priority=\"{}\"", self.priority)?;
        }
        if let Some(fam) = &self.family {
            write!(f, " family=\"{fam}\"")?;
        }
        for (w, a) in [("source", &self.source), ("destination", &self.destination)] {
            if let Some(a) = a {
                write!(
                    f,
                    " {w}{} {}=\"{}\"",
                    if a.invert { " NOT" } else { "" },
                    a.kind,
                    a.value
                )?;
            }
        }
        if let Some(e) = &self.element {
            match e {
                RuleElement::Service(n) => write!(f, " service name=\"{n}\""),
                RuleElement::Port(p, pr) => write!(f, " port port=\"{p}\" protocol=\"{pr}\""),
                RuleElement::SourcePort(p, pr) => {
                    write!(f, " source-port port=\"{p}\" protocol=\"{pr}\"")
                }
                RuleElement::Protocol(v) => write!(f, " protocol value=\"{v}\""),
                RuleElement::IcmpBlock(n) => write!(f, " icmp-block name=\"{n}\""),
                RuleElement::IcmpType(n) => write!(f, " icmp-type name=\"{n}\""),
                RuleElement::Masquerade => write!(f, " masquerade"),
                RuleElement::TcpMssClamp(v) => write!(f, " tcp-mss-clamp{}", opt("value", v)),
                RuleElement::ForwardPort {
                    port,
                    protocol,
                    to_port,
                    to_addr,
                } => write!(
                    f,
                    " forward-port port=\"{port}\" protocol=\"{protocol}\"{}{}",
                    opt("to-port", &Some(to_port.clone())),
                    opt("to-addr", &Some(to_addr.clone()))
                ),
            }?;
        }
        match &self.log {
            Some(Logging::Log {
                prefix,
                level,
                limit,
            }) => write!(
                f,
                " log{}{}{}",
                opt("prefix", prefix),
                opt("level", level),
                limit_text(limit)
            )?,
            Some(Logging::NfLog {
                group,
                prefix,
                queue_size,
                limit,
            }) => write!(
                f,
                " nflog{}{}{}{}",
                opt("group", group),
                opt("prefix", prefix),
                opt("queue-size", queue_size),
                limit_text(limit)
            )?,
            None => {}
        }
        if let Some(limit) = &self.audit {
            write!(f, " audit{}", limit_text(limit))?;
        }
        if let Some(a) = &self.action {
            match &a.kind {
                ActionKind::Accept => f.write_str(" accept")?,
                ActionKind::Drop => f.write_str(" drop")?,
                ActionKind::Reject(t) => write!(f, " reject{}", opt("type", t))?,
                ActionKind::Mark(s) => write!(f, " mark set={s}")?,
            }
            f.write_str(&limit_text(&a.limit))?;
        }
        Ok(())
    }
}

fn el(name: &str, attrs: Vec<(&str, Option<String>)>, children: Vec<Element>) -> Element {
    Element {
        name: name.into(),
        attrs: attrs
            .into_iter()
            .filter_map(|(k, v)| v.filter(|s| !s.is_empty()).map(|v| (k.to_string(), v)))
            .collect(),
        children,
    }
}

fn limit_children(l: &Option<String>) -> Vec<Element> {
    l.iter()
        .map(|v| el("limit", vec![("value", Some(v.clone()))], vec![]))
        .collect()
}

impl RichRule {
    /// The `<rule>` element, as firewalld's zone writer writes it.
    pub fn to_element(&self) -> Element {
        let mut children = Vec::new();
        for (w, a) in [("source", &self.source), ("destination", &self.destination)] {
            if let Some(a) = a {
                let mut attrs = vec![(a.kind.as_str(), Some(a.value.clone()))];
                if a.invert {
                    attrs.push(("invert", Some("True".into())));
                }
                children.push(el(w, attrs, vec![]));
            }
        }
        if let Some(e) = &self.element {
            children.push(match e {
                RuleElement::Service(n) => el("service", vec![("name", Some(n.clone()))], vec![]),
                RuleElement::Port(p, pr) => el(
                    "port",
                    vec![("port", Some(p.clone())), ("protocol", Some(pr.clone()))],
                    vec![],
                ),
                RuleElement::SourcePort(p, pr) => el(
                    "source-port",
                    vec![("port", Some(p.clone())), ("protocol", Some(pr.clone()))],
                    vec![],
                ),
                RuleElement::Protocol(v) => {
                    el("protocol", vec![("value", Some(v.clone()))], vec![])
                }
                RuleElement::IcmpBlock(n) => {
                    el("icmp-block", vec![("name", Some(n.clone()))], vec![])
                }
                RuleElement::IcmpType(n) => {
                    el("icmp-type", vec![("name", Some(n.clone()))], vec![])
                }
                RuleElement::Masquerade => el("masquerade", vec![], vec![]),
                RuleElement::TcpMssClamp(v) => {
                    el("tcp-mss-clamp", vec![("value", v.clone())], vec![])
                }
                RuleElement::ForwardPort {
                    port,
                    protocol,
                    to_port,
                    to_addr,
                } => el(
                    "forward-port",
                    vec![
                        ("port", Some(port.clone())),
                        ("protocol", Some(protocol.clone())),
                        ("to-port", Some(to_port.clone())),
                        ("to-addr", Some(to_addr.clone())),
                    ],
                    vec![],
                ),
            });
        }
        match &self.log {
            Some(Logging::Log {
                prefix,
                level,
                limit,
            }) => children.push(el(
                "log",
                vec![("prefix", prefix.clone()), ("level", level.clone())],
                limit_children(limit),
            )),
            Some(Logging::NfLog {
                group,
                prefix,
                queue_size,
                limit,
            }) => children.push(el(
                "nflog",
                vec![
                    ("group", group.clone()),
                    ("prefix", prefix.clone()),
                    ("queue-size", queue_size.clone()),
                ],
                limit_children(limit),
            )),
            None => {}
        }
        if let Some(limit) = &self.audit {
            children.push(el("audit", vec![], limit_children(limit)));
        }
        if let Some(a) = &self.action {
            children.push(match &a.kind {
                ActionKind::Accept => el("accept", vec![], limit_children(&a.limit)),
                ActionKind::Drop => el("drop", vec![], limit_children(&a.limit)),
                ActionKind::Reject(t) => el(
                    "reject",
                    vec![("type", t.clone())],
                    limit_children(&a.limit),
                ),
                ActionKind::Mark(s) => el(
                    "mark",
                    vec![("set", Some(s.clone()))],
                    limit_children(&a.limit),
                ),
            });
        }
        let priority = (self.priority != 0).then(|| self.priority.to_string());
        el(
            "rule",
            vec![("family", self.family.clone()), ("priority", priority)],
            children,
        )
    }

    /// A `<rule>` element of zone XML, as a rule (through the rich language, so it is validated
    /// and normalised the same way).
    pub fn from_element(e: &Element) -> Result<RichRule, String> {
        fn words(e: &Element, out: &mut String) {
            out.push(' ');
            out.push_str(&e.name);
            let invert = e
                .attrs
                .iter()
                .any(|(k, v)| k == "invert" && v.eq_ignore_ascii_case("true"));
            if invert {
                out.push_str(" not");
            }
            for (k, v) in e.attrs.iter().filter(|(k, _)| k != "invert") {
                out.push_str(&format!(" {k}=\"{v}\""));
            }
            for c in &e.children {
                words(c, out);
            }
        }
        if e.name != "rule" {
            return Err(format!("<{}> is not a rule", e.name));
        }
        let mut text = String::from("rule");
        for (k, v) in &e.attrs {
            text.push_str(&format!(" {k}=\"{v}\""));
        }
        for c in &e.children {
            words(c, &mut text);
        }
        RichRule::parse(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        RichRule::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .to_string()
    }

    #[test]
    fn spellings_normalise_to_firewalds_form() {
        assert_eq!(
            norm("rule family=ipv4 source address=192.0.2.0/24 service name=http accept"),
            "rule family=\"ipv4\" source address=\"192.0.2.0/24\" service name=\"http\" accept"
        );
        // order of rule attributes, quoting, 'not', limit units
        assert_eq!(
            norm("rule priority='-5' family=\"ipv6\" source not address=\"2001:db8::/32\" port protocol=tcp port=8080 log prefix=\"x \" level=info limit value=3/minute reject type=icmp6-adm-prohibited"),
            "rule priority=\"-5\" family=\"ipv6\" source NOT address=\"2001:db8::/32\" port port=\"8080\" protocol=\"tcp\" log prefix=\"x \" level=\"info\" limit value=\"3/m\" reject type=\"icmp6-adm-prohibited\""
        );
        assert_eq!(
            norm("rule family=ipv4 forward-port port=80 protocol=tcp to-port=8080 to-addr=10.0.0.2"),
            "rule family=\"ipv4\" forward-port port=\"80\" protocol=\"tcp\" to-port=\"8080\" to-addr=\"10.0.0.2\""
        );
        assert_eq!(
            norm("rule source mac=00:11:22:AA:bb:cc drop"),
            "rule source mac=\"00:11:22:AA:BB:CC\" drop"
        );
        assert_eq!(
            norm("rule source ipset=blocklist audit limit value=1/h drop"),
            "rule source ipset=\"blocklist\" audit limit value=\"1/h\" drop"
        );
        assert_eq!(
            norm("rule service name=ssh mark set=0x1/0xff limit value=10/s"),
            "rule service name=\"ssh\" mark set=0x1/0xff limit value=\"10/s\""
        );
        // normalising twice changes nothing
        for s in [
            "rule family=ipv4 source address=192.0.2.1 service name=http log limit value=1/m accept",
            "rule family=ipv6 destination not ipset=v6set port port=1000-2000 protocol=udp drop",
            "rule source address=198.51.100.7 nflog group=5 prefix=\"p\" queue-size=10 limit value=2/d accept",
            "rule family=ipv4 source address=10.1.0.0/255.255.0.0 masquerade",
            "rule protocol value=gre accept",
            "rule family=ipv4 icmp-block name=echo-request",
            "rule tcp-mss-clamp value=pmtu",
        ] {
            assert_eq!(norm(&norm(s)), norm(s));
        }
    }

    #[test]
    fn malformed_rules_name_the_part() {
        for (bad, want) in [
            ("family=ipv4 accept", "starts with 'rule'"),
            ("rule family=ipv5 service name=http accept", "ipv4 or ipv6"),
            (
                "rule family=ipv4 source address=2001:db8::1 service name=http accept",
                "not of family ipv4",
            ),
            ("rule source address=300.1.2.3 accept", "not an IP address"),
            (
                "rule source address=10.0.0.0/33 accept",
                "not an IP address",
            ),
            ("rule port port=0 protocol=tcp accept", "not a port"),
            (
                "rule port port=80 protocol=icmp accept",
                "tcp, udp, sctp or dccp",
            ),
            ("rule service name=http", "no action"),
            (
                "rule service name=http port port=80 protocol=tcp accept",
                "at most one element",
            ),
            (
                "rule reject type=icmp-host-prohibited service name=x",
                "needs the rule's family",
            ),
            (
                "rule service name=http accept limit value=5/fortnight",
                "s, m, h or d",
            ),
            ("rule service name=http log level=loud accept", "log level"),
            ("rule source mac=00:11:22 drop", "not a MAC"),
            ("rule service name=http accept drop", "at most one action"),
            (
                "rule teleport name=x accept",
                "not part of the rich rule language",
            ),
            (
                "rule source address=\"10.0.0.1 accept",
                "unterminated quote",
            ),
            (
                "rule priority=40000 service name=x accept",
                "-32768 to 32767",
            ),
        ] {
            let e = RichRule::parse(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn rules_firewalld_refuses_or_cannot_read_back_are_refused() {
        for (bad, want) in [
            (
                "rule family=ipv4 service name=http reject type=bogus",
                "not a reject type of ipv4",
            ),
            (
                "rule family=ipv4 service name=http reject type=icmp6-adm-prohibited",
                "not a reject type of ipv4",
            ),
            (
                "rule family=ipv6 service name=http reject type=tcp-rst",
                "not a reject type of ipv6",
            ),
            // the quote firewalld would print unescaped
            (
                "rule service name=http log prefix='x\"/><rule>' accept",
                "may not contain '\"'",
            ),
            ("rule service name=http log prefix=\"a=b\" accept", "'='"),
            ("rule service name=http log prefix=\"a\\b\" accept", "'\\'"),
            ("rule service name=\"\" accept", "empty value"),
            ("rule service name=\"ht\"tp accept", "blank must follow"),
            (
                "rule \"service\" name=http accept",
                "quotes and backslashes",
            ),
            ("rule service =http accept", "without a name"),
        ] {
            let e = RichRule::parse(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
        }
        for t in reject_types("ipv4") {
            norm(&format!(
                "rule family=ipv4 service name=http reject type={t}"
            ));
        }
        for t in reject_types("ipv6") {
            norm(&format!(
                "rule family=ipv6 service name=http reject type={t}"
            ));
        }
    }

    #[test]
    fn names_must_exist() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (services, ipsets, icmptypes, protocols) = (
            s(&["http", "ssh"]),
            s(&["allow"]),
            s(&["echo-request"]),
            s(&["gre", "tcp"]),
        );
        let known = Names {
            services: &services,
            ipsets: &ipsets,
            icmptypes: &icmptypes,
            protocols: &protocols,
        };
        let check = |r: &str| RichRule::parse(r).unwrap().check_names(&known);
        assert!(check("rule service name=http accept").is_ok());
        assert!(check("rule service name=nosuch accept")
            .unwrap_err()
            .contains("not a service"));
        assert!(check("rule source ipset=nosuch drop")
            .unwrap_err()
            .contains("ipset"));
        assert!(check("rule destination ipset=allow accept").is_ok());
        assert!(check("rule icmp-block name=nosuch").is_err());
        assert!(check("rule icmp-type name=echo-request accept").is_ok());
        assert!(check("rule protocol value=gre accept").is_ok());
        assert!(check("rule protocol value=47 accept").is_ok());
        assert!(check("rule protocol value=nosuch accept").is_err());
    }

    #[test]
    fn every_printed_rule_parses_back_to_itself() {
        let values = [
            "x",
            "a b",
            "it's",
            "ünï",
            "a\u{2003}b",
            "%s",
            "<rule>",
            "&amp;",
            "x/y",
            "-1",
        ];
        for v in values {
            for text in [
                format!("rule service name=http log prefix=\"{v}\" accept"),
                format!("rule source ipset=\"{v}\" drop"),
                format!("rule service name=ssh nflog prefix=\"{v}\" group=1 accept"),
            ] {
                let r = RichRule::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                let printed = r.to_string();
                assert_eq!(RichRule::parse(&printed).as_ref(), Ok(&r), "{printed}");
                assert_eq!(RichRule::from_element(&r.to_element()).as_ref(), Ok(&r));
            }
        }
    }

    #[test]
    fn xml_element_round_trip() {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>\n  <rule family=\"ipv4\">\n    <source address=\"192.0.2.0/24\" invert=\"True\"/>\n    \
                   <service name=\"http\"/>\n    <log prefix=\"web\" level=\"info\">\n      <limit value=\"3/m\"/>\n    </log>\n    <accept/>\n  </rule>\n</zone>\n";
        let zone = crate::xml::Zone::parse(xml).unwrap();
        let r = RichRule::from_element(&zone.rules[0]).unwrap();
        assert_eq!(
            r.to_string(),
            "rule family=\"ipv4\" source NOT address=\"192.0.2.0/24\" service name=\"http\" log prefix=\"web\" level=\"info\" limit value=\"3/m\" accept"
        );
        assert_eq!(r.to_element(), zone.rules[0]);
        let mut z = zone.clone();
        z.rules = vec![RichRule::parse(&r.to_string()).unwrap().to_element()];
        assert_eq!(z.to_xml(), xml);
    }
}
