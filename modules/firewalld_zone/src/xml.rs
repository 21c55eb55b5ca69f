//! Zone XML, as firewalld reads and writes `/usr/lib/firewalld/zones/<z>.xml` and
//! `/etc/firewalld/zones/<z>.xml`.
//!
//! firewalld's writer: `<?xml version="1.0" encoding="utf-8"?>`, then `<zone [version] [target]>`
//! and, indented by two blanks, one line each: short, description, service, port, protocol,
//! icmp-block, masquerade, forward-port, source-port, rule (children indented by four), interface,
//! source, icmp-block-inversion, forward. Target `default` is not written. Rules are kept as
//! element trees here and written back in the order read.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// An XML element (rules and their children).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
}

/// A forward port: port, protocol, to-port, to-addr (empty when absent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForwardPort {
    pub port: String,
    pub protocol: String,
    pub to_port: String,
    pub to_addr: String,
}

/// A zone's permanent settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Zone {
    pub version: String,
    /// `default`, `ACCEPT`, `DROP` or `%%REJECT%%`.
    pub target: String,
    pub short: String,
    pub description: String,
    pub services: Vec<String>,
    pub ports: Vec<(String, String)>,
    pub protocols: Vec<String>,
    pub icmp_blocks: Vec<String>,
    pub masquerade: bool,
    pub forward_ports: Vec<ForwardPort>,
    pub source_ports: Vec<(String, String)>,
    pub rules: Vec<Element>,
    pub interfaces: Vec<String>,
    /// Addresses, MACs, or `ipset:<name>`.
    pub sources: Vec<String>,
    pub icmp_block_inversion: bool,
    pub forward: bool,
    /// firewalld ≥ 2.0: the zone's `ingress-priority` and `egress-priority` (0 when absent, the
    /// default, not written). Not managed by the module: kept as read.
    pub ingress_priority: i32,
    pub egress_priority: i32,
}

/// The attributes firewalld (2.x) reads on `<zone>`; `name` and `immutable` are deprecated there
/// (ignored with a warning, never written back), the priorities came with 2.0. Any other is
/// refused, as firewalld's own reader refuses the file: nothing it carries may be dropped.
const ZONE_ATTRS: &[&str] = &[
    "name",
    "immutable",
    "target",
    "version",
    "ingress-priority",
    "egress-priority",
];

/// A zone priority as firewalld reads it: an integer in [-32768, 32767].
fn priority(attrs: &[(String, String)], name: &str) -> Result<i32, String> {
    let v = attr(attrs, name);
    if v.is_empty() && !attrs.iter().any(|(k, _)| k == name) {
        return Ok(0);
    }
    // Python's int(): surrounding blanks and one sign allowed, digits only
    v.trim()
        .parse::<i32>()
        .ok()
        .filter(|p| (-32768..=32767).contains(p))
        .ok_or_else(|| format!("<zone {name}=\"{v}\">: not an integer in [-32768, 32767]"))
}

/// Characters XML 1.0 forbids (firewalld's expat reader refuses the file: "not well-formed").
fn xml_chars(s: &str) -> Result<(), String> {
    match s.chars().find(|&c| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
    }) {
        Some(c) => Err(format!(
            "the character U+{:04X}, which XML forbids",
            c as u32
        )),
        None => Ok(()),
    }
}

/// Raw (escaped) XML text as a parser hands it on: line ends normalised (`\r\n` and `\r` are
/// `\n`), then unescaped.
fn text_value(raw: &[u8]) -> Result<String, String> {
    let raw = std::str::from_utf8(raw).map_err(|e| e.to_string())?;
    let norm = raw.replace("\r\n", "\n").replace('\r', "\n");
    let v = quick_xml::escape::unescape(&norm)
        .map_err(|e| e.to_string())?
        .into_owned();
    xml_chars(&v)?;
    Ok(v)
}

/// An XML 1.0 Name, as expat (firewalld's reader) requires of element and attribute names:
/// not empty, a letter, `_` or `:` first, then also digits, `-`, `.` (the fuzzer found `<\n>`,
/// an element without a name, which quick-xml passes and expat refuses).
fn xml_name(n: &str) -> Result<(), String> {
    let mut c = n.chars();
    let ok = c
        .next()
        .is_some_and(|f| f.is_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_alphanumeric() || matches!(x, '_' | ':' | '-' | '.' | '\u{b7}'));
    if ok {
        Ok(())
    } else {
        Err(format!("'{}' is not an XML name", n.escape_debug()))
    }
}

fn attrs_of(e: &BytesStart) -> Result<Vec<(String, String)>, String> {
    e.attributes()
        .map(|a| {
            let a = a.map_err(|err| err.to_string())?;
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            xml_name(&key)?;
            // attribute-value normalisation: a literal tab or line end is a blank
            let raw: Vec<u8> = a
                .value
                .iter()
                .map(|&b| {
                    if matches!(b, b'\t' | b'\n' | b'\r') {
                        b' '
                    } else {
                        b
                    }
                })
                .collect();
            let value = text_value(&raw)?;
            Ok((key, value))
        })
        .collect()
}

/// An attribute firewalld's reader requires (`attrs["name"]`: a KeyError fails the zone).
fn need<'a>(attrs: &'a [(String, String)], el: &str, name: &str) -> Result<&'a str, String> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| format!("<{el}> without its {name} attribute"))
}

/// Add to a list as firewalld's reader does: a repeated item is ignored.
fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> &'a str {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

impl Zone {
    /// Read a zone file.
    pub fn parse(text: &str) -> Result<Zone, String> {
        let mut reader = Reader::from_str(text);
        // text is taken as firewalld's reader takes it: verbatim, each line end a blank
        reader.config_mut().trim_text(false);
        let mut zone = Zone {
            target: "default".into(),
            ..Zone::default()
        };
        let mut seen_zone = false;
        // the root element's depth: 0 before <zone>, 1 inside, and nothing may follow </zone>
        let mut depth = 0usize;
        let mut closed = false;
        // open elements: (element, depth-in-rule); text goes to short/description
        let mut stack: Vec<Element> = Vec::new();
        let mut text_of: Option<String> = None;
        loop {
            let ev = reader
                .read_event()
                .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
            match ev {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(ev, Event::Empty(_));
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    xml_name(&name)?;
                    let attrs = attrs_of(e)?;
                    if closed {
                        return Err(format!("<{name}> after the end of the zone"));
                    }
                    if depth == 0 && name != "zone" {
                        return Err(format!("<{name}> outside <zone>"));
                    }
                    if !empty {
                        depth += 1;
                    }
                    if !stack.is_empty() || (name == "rule" && !empty) {
                        let el = Element {
                            name,
                            attrs,
                            children: Vec::new(),
                        };
                        if empty {
                            stack.last_mut().expect("inside a rule").children.push(el);
                        } else {
                            stack.push(el);
                        }
                        continue;
                    }
                    match name.as_str() {
                        "zone" if seen_zone => return Err("a second <zone> element".into()),
                        "zone" => {
                            seen_zone = true;
                            if empty {
                                closed = true;
                            }
                            if let Some((k, _)) = attrs
                                .iter()
                                .find(|(k, _)| !ZONE_ATTRS.contains(&k.as_str()))
                            {
                                return Err(format!(
                                    "unknown attribute {k} of <zone> (firewalld refuses the file)"
                                ));
                            }
                            zone.version = attr(&attrs, "version").to_string();
                            zone.ingress_priority = priority(&attrs, "ingress-priority")?;
                            zone.egress_priority = priority(&attrs, "egress-priority")?;
                            let t = attr(&attrs, "target");
                            zone.target = if t.is_empty() {
                                "default".into()
                            } else {
                                t.to_string()
                            };
                        }
                        "short" | "description" if !empty => {
                            if name == "short" {
                                zone.short.clear();
                            } else {
                                zone.description.clear();
                            }
                            text_of = Some(name)
                        }
                        "short" | "description" => {}
                        "service" => {
                            push_unique(&mut zone.services, need(&attrs, &name, "name")?.into())
                        }
                        "port" => push_unique(
                            &mut zone.ports,
                            (
                                need(&attrs, &name, "port")?.into(),
                                need(&attrs, &name, "protocol")?.into(),
                            ),
                        ),
                        "protocol" => {
                            push_unique(&mut zone.protocols, need(&attrs, &name, "value")?.into())
                        }
                        "icmp-block" => {
                            push_unique(&mut zone.icmp_blocks, need(&attrs, &name, "name")?.into())
                        }
                        "masquerade" => zone.masquerade = true,
                        "forward-port" => push_unique(
                            &mut zone.forward_ports,
                            ForwardPort {
                                port: need(&attrs, &name, "port")?.into(),
                                protocol: need(&attrs, &name, "protocol")?.into(),
                                to_port: attr(&attrs, "to-port").into(),
                                to_addr: attr(&attrs, "to-addr").into(),
                            },
                        ),
                        "source-port" => push_unique(
                            &mut zone.source_ports,
                            (
                                need(&attrs, &name, "port")?.into(),
                                need(&attrs, &name, "protocol")?.into(),
                            ),
                        ),
                        "rule" => zone.rules.push(Element {
                            name,
                            attrs,
                            children: Vec::new(),
                        }),
                        "interface" => {
                            push_unique(&mut zone.interfaces, need(&attrs, &name, "name")?.into())
                        }
                        "source" => {
                            let ipset = attr(&attrs, "ipset");
                            let mac = attr(&attrs, "mac");
                            if ipset.is_empty()
                                && mac.is_empty()
                                && attr(&attrs, "address").is_empty()
                            {
                                return Err("<source> without address, mac or ipset".into());
                            }
                            push_unique(
                                &mut zone.sources,
                                if !ipset.is_empty() {
                                    format!("ipset:{ipset}")
                                } else if !mac.is_empty() {
                                    mac.to_string()
                                } else {
                                    attr(&attrs, "address").to_string()
                                },
                            );
                        }
                        "icmp-block-inversion" => zone.icmp_block_inversion = true,
                        "forward" => zone.forward = true,
                        other => return Err(format!("unknown element <{other}> in a zone")),
                    }
                }
                Event::End(ref e) if !stack.is_empty() => {
                    xml_name(&String::from_utf8_lossy(e.name().as_ref()))?;
                    depth -= 1;
                    let done = stack.pop().expect("open element");
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => zone.rules.push(done),
                    }
                }
                Event::End(ref e) => {
                    xml_name(&String::from_utf8_lossy(e.name().as_ref()))?;
                    text_of = None;
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        closed = true;
                    }
                }
                Event::Text(_) | Event::CData(_) => {
                    let s = match &ev {
                        Event::Text(t) => text_value(t.as_ref())?,
                        Event::CData(c) => {
                            let v = String::from_utf8(c.to_vec()).map_err(|e| e.to_string())?;
                            let v = v.replace("\r\n", "\n").replace('\r', "\n");
                            xml_chars(&v)?;
                            v
                        }
                        _ => unreachable!(),
                    };
                    if depth == 0 && !s.trim().is_empty() {
                        return Err("text outside <zone>".into());
                    }
                    // firewalld: `self._element += content.replace('\n', ' ')`
                    let s = s.replace('\n', " ");
                    match text_of.as_deref() {
                        Some("short") => zone.short.push_str(&s),
                        Some("description") => zone.description.push_str(&s),
                        _ => {}
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !seen_zone {
            return Err("no <zone> element".into());
        }
        Ok(zone)
    }

    /// The file as firewalld writes it.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        let mut zone_attrs = Vec::new();
        if !self.version.is_empty() {
            zone_attrs.push(("version", self.version.as_str()));
        }
        if self.target != "default" && !self.target.is_empty() {
            zone_attrs.push(("target", self.target.as_str()));
        }
        let (ingress, egress) = (
            self.ingress_priority.to_string(),
            self.egress_priority.to_string(),
        );
        if self.ingress_priority != 0 {
            zone_attrs.push(("ingress-priority", ingress.as_str()));
        }
        if self.egress_priority != 0 {
            zone_attrs.push(("egress-priority", egress.as_str()));
        }
        out.push_str(&format!("<zone{}>\n", attrs_text(&zone_attrs)));
        let mut line = |s: String| {
            out.push_str("  ");
            out.push_str(&s);
            out.push('\n');
        };
        if !self.short.is_empty() {
            line(format!("<short>{}</short>", text_escape(&self.short)));
        }
        if !self.description.is_empty() {
            line(format!(
                "<description>{}</description>",
                text_escape(&self.description)
            ));
        }
        for s in uniq(&self.services) {
            line(empty("service", &[("name", s)]));
        }
        for (p, proto) in uniq(&self.ports) {
            line(empty("port", &[("port", p), ("protocol", proto)]));
        }
        for p in uniq(&self.protocols) {
            line(empty("protocol", &[("value", p)]));
        }
        for i in uniq(&self.icmp_blocks) {
            line(empty("icmp-block", &[("name", i)]));
        }
        if self.masquerade {
            line(empty("masquerade", &[]));
        }
        for f in uniq(&self.forward_ports) {
            let mut a = vec![("port", f.port.as_str()), ("protocol", f.protocol.as_str())];
            if !f.to_port.is_empty() {
                a.push(("to-port", &f.to_port));
            }
            if !f.to_addr.is_empty() {
                a.push(("to-addr", &f.to_addr));
            }
            line(empty("forward-port", &a));
        }
        for (p, proto) in uniq(&self.source_ports) {
            line(empty("source-port", &[("port", p), ("protocol", proto)]));
        }
        for r in &self.rules {
            line(element_text(r, 1));
        }
        for i in uniq(&self.interfaces) {
            line(empty("interface", &[("name", i)]));
        }
        for s in uniq(&self.sources) {
            line(match s.strip_prefix("ipset:") {
                Some(set) => empty("source", &[("ipset", set)]),
                None => empty("source", &[("address", s)]),
            });
        }
        if self.icmp_block_inversion {
            line(empty("icmp-block-inversion", &[]));
        }
        if self.forward {
            line(empty("forward", &[]));
        }
        out.push_str("</zone>\n");
        out
    }
}

/// firewalld's `uniqify`: first occurrences, in order.
fn uniq<T: PartialEq>(items: &[T]) -> Vec<&T> {
    let mut out: Vec<&T> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn text_escape(s: &str) -> String {
    // a CR written raw would be read back as a line end (a blank): keep it a reference
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\r', "&#13;")
}

/// Python's `saxutils.quoteattr`: double quotes, unless the value has `"` and no `'`.
fn quote_attr(v: &str) -> String {
    let v = text_escape(v)
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;");
    if v.contains('"') {
        if v.contains('\'') {
            format!("\"{}\"", v.replace('"', "&quot;"))
        } else {
            format!("'{v}'")
        }
    } else {
        format!("\"{v}\"")
    }
}

fn attrs_text(attrs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push('=');
        out.push_str(&quote_attr(v));
    }
    out
}

fn empty(name: &str, attrs: &[(&str, &str)]) -> String {
    format!("<{name}{}/>", attrs_text(attrs))
}

/// A rule element: start tag, children one per line indented by two more blanks, end tag.
fn element_text(e: &Element, depth: usize) -> String {
    let attrs: Vec<(&str, &str)> = e
        .attrs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if e.children.is_empty() {
        return empty(&e.name, &attrs);
    }
    let mut s = format!("<{}{}>\n", e.name, attrs_text(&attrs));
    for c in &e.children {
        s.push_str(&"  ".repeat(depth + 1));
        s.push_str(&element_text(c, depth + 1));
        s.push('\n');
    }
    s.push_str(&"  ".repeat(depth));
    s.push_str(&format!("</{}>", e.name));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtins() -> Vec<(String, String)> {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/firewalld/zones"
        );
        let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        assert!(v.len() >= 9, "fixtures missing");
        v
    }

    #[test]
    fn every_debian_builtin_zone_round_trips_byte_for_byte() {
        for (name, text) in builtins() {
            let z = Zone::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(z.to_xml(), text, "{name}");
        }
    }

    #[test]
    fn firewalld_2_zone_priorities_survive_a_write() {
        // firewalld 2.x writes them after version and target, only when not 0
        let text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone target=\"DROP\" ingress-priority=\"-10\" egress-priority=\"5\">\n  <short>Edge</short>\n  <service name=\"ssh\"/>\n</zone>\n";
        let z = Zone::parse(text).unwrap();
        assert_eq!((z.ingress_priority, z.egress_priority), (-10, 5));
        assert_eq!(z.to_xml(), text);
        let mut changed = z.clone();
        changed.services.push("https".into());
        let again = Zone::parse(&changed.to_xml()).unwrap();
        assert_eq!((again.ingress_priority, again.egress_priority), (-10, 5));
        // 0 is the default: not written, as firewalld does
        let zero = Zone::parse("<zone ingress-priority=\"0\"><short>x</short></zone>").unwrap();
        assert!(!zero.to_xml().contains("priority"));
        for bad in ["x", "", "40000", "-32769", "1.5"] {
            let e = Zone::parse(&format!("<zone ingress-priority=\"{bad}\"/>")).unwrap_err();
            assert!(e.contains("ingress-priority"), "{bad}: {e}");
        }
        // what firewalld does not know on <zone> is refused, never dropped by a write
        let e = Zone::parse("<zone target=\"DROP\" future=\"1\"/>").unwrap_err();
        assert!(e.contains("unknown attribute future"), "{e}");
        // deprecated ones firewalld ignores (and does not write back) are read
        assert!(Zone::parse("<zone name=\"x\" immutable=\"yes\"/>").is_ok());
    }

    #[test]
    fn writer_order_targets_sources_and_rules() {
        let text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone target=\"%%REJECT%%\">\n  <short>Corp</short>\n  \
            <description>A &amp; B</description>\n  <service name=\"ssh\"/>\n  <port port=\"8000-8100\" protocol=\"udp\"/>\n  \
            <protocol value=\"gre\"/>\n  <icmp-block name=\"echo-request\"/>\n  <masquerade/>\n  \
            <forward-port port=\"80\" protocol=\"tcp\" to-port=\"8080\" to-addr=\"10.0.0.2\"/>\n  \
            <source-port port=\"53\" protocol=\"udp\"/>\n  <rule family=\"ipv4\">\n    <source address=\"192.0.2.0/24\"/>\n    \
            <service name=\"http\"/>\n    <accept/>\n  </rule>\n  <interface name=\"eth1\"/>\n  \
            <source address=\"198.51.100.0/24\"/>\n  <source ipset=\"blocklist\"/>\n  <icmp-block-inversion/>\n  <forward/>\n</zone>\n";
        let z = Zone::parse(text).unwrap();
        assert_eq!(z.target, "%%REJECT%%");
        assert_eq!(z.description, "A & B");
        assert_eq!(z.sources, vec!["198.51.100.0/24", "ipset:blocklist"]);
        assert_eq!(z.rules[0].children.len(), 3);
        assert_eq!(z.to_xml(), text);
        // duplicates are written once, as firewalld's uniqify does; default target not written
        let mut d = z.clone();
        d.services.push("ssh".into());
        d.target = "default".into();
        assert_eq!(d.to_xml().matches("<service name=\"ssh\"/>").count(), 1);
        assert!(d.to_xml().contains("<zone>\n"));
    }

    #[test]
    fn what_firewalld_refuses_or_ignores_is_read_the_same_way() {
        let head = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
        for bad in [
            "<zone/><zone/>",
            "<zone></zone><service name=\"ssh\"/>",
            "<zone></zone>junk",
            "<service name=\"ssh\"/><zone/>",
            "<zone><service nQme=\"ssh\"/></zone>",
            "<zone><port port=\"22\"/></zone>",
            "<zone><source/></zone>",
            "<zone><interface/></zone>",
        ] {
            assert!(Zone::parse(&format!("{head}{bad}")).is_err(), "{bad}");
        }
        // text as firewalld reads it: verbatim, line ends as blanks, CDATA too; no forbidden
        // characters (found by the fuzzer: a description with U+0017 and a trailing CR)
        let z = Zone::parse(&format!(
            "{head}<zone>\n  <short> Web\r\nsite </short><description><![CDATA[a<b]]> &amp; c</description></zone>"
        ))
        .unwrap();
        assert_eq!(z.short, " Web site ");
        assert_eq!(z.description, "a<b & c");
        for bad in ["\u{17}", "\u{0}", "&#1;", "\u{ffff}"] {
            let doc = format!("{head}<zone><description>x{bad}</description></zone>");
            assert!(Zone::parse(&doc).is_err(), "{bad:?}");
            let doc = format!("{head}<zone><service name=\"x{bad}\"/></zone>");
            assert!(Zone::parse(&doc).is_err(), "{bad:?}");
        }
        // repeated items are ignored, as firewalld's reader does
        let z = Zone::parse(&format!(
            "{head}<zone><service name=\"ssh\"/><service name=\"ssh\"/><port port=\"1\" protocol=\"tcp\"/><port port=\"1\" protocol=\"tcp\"/></zone>"
        ))
        .unwrap();
        assert_eq!(z.services, ["ssh"]);
        assert_eq!(z.ports.len(), 1);
    }

    #[test]
    fn broken_files_are_errors() {
        assert!(Zone::parse("<?xml version=\"1.0\"?><nothing/>").is_err());
        assert!(Zone::parse("<zone><bogus/></zone>").is_err());
        assert!(Zone::parse("<zone><service name=\"a\"></zone>").is_err());
    }

    #[test]
    fn elements_without_a_name_are_refused_as_expat_refuses_them() {
        // found by the fuzzer (tests/fuzz/regressions/zone_xml/crash-b01df515…)
        let z = "<?xml version=\"1.0\"?>\n<zone><rule>\n<\n\n>x</></rule></zone>";
        assert!(Zone::parse(z).unwrap_err().contains("not an XML name"));
        assert!(Zone::parse("<zone><short a=\"1\">x</short></zone>").is_ok());
    }
}
