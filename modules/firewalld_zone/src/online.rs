//! The online path: firewalld's D-Bus API (firewalld ≥ 0.9's `*Settings2`/`update2` calls).
//! Permanent configuration through the config objects, runtime through the runtime zone methods.
//! Never `firewall-cmd`, never a reload of its own (firewalld ≥ 2.0 reloads itself to change the
//! default zone: [`default_change_reloads`]).

use crate::rich::RichRule;
use crate::xml::{ForwardPort, Zone};
use kit::dbus::{dict_sv, Bus, DbusError, Value};
use std::time::Duration;

pub const NAME: &str = "org.fedoraproject.FirewallD1";
const PATH: &str = "/org/fedoraproject/FirewallD1";
const CONFIG: &str = "/org/fedoraproject/FirewallD1/config";
const IF_MAIN: &str = "org.fedoraproject.FirewallD1";
const IF_ZONE: &str = "org.fedoraproject.FirewallD1.zone";
const IF_CONFIG: &str = "org.fedoraproject.FirewallD1.config";
const IF_CONFIG_ZONE: &str = "org.fedoraproject.FirewallD1.config.zone";
const IF_IPSET: &str = "org.fedoraproject.FirewallD1.ipset";
const IF_POLICY: &str = "org.fedoraproject.FirewallD1.policy";

/// Whether firewalld of this version applies a default zone change by reloading: from 2.0
/// (firewalld PR #1098, "--set-default-zone now implicitly triggers a --reload") setDefaultZone
/// calls reload() after recording the zone, so the runtime becomes the permanent configuration
/// and what was only in the runtime is dropped; 0.9 and 1.x change only the default. A version
/// that cannot be read as `MAJOR.…` counts as reloading (the cautious reading).
pub fn default_change_reloads(version: &str) -> bool {
    match version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
    {
        Some(major) => major >= 2,
        None => true,
    }
}

/// Keys a runtime zone cannot change (firewalld answers INVALID_SETTING).
pub const PERMANENT_ONLY: &[&str] = &["version", "short", "description", "target"];

pub struct Firewalld {
    bus: Bus,
}

/// firewalld's error text: `INVALID_ZONE: corp` and the like.
pub fn fw_error(e: DbusError) -> String {
    match e {
        DbusError::Method { message, .. } if !message.is_empty() => message,
        other => other.to_string(),
    }
}

impl Firewalld {
    /// Connected to a running firewalld; `None` when the bus is absent or firewalld does not own
    /// its name (stopped). Asking does not start it.
    pub fn connect() -> Option<Firewalld> {
        let mut bus = Bus::system(Duration::from_secs(120)).ok()?;
        match bus.name_has_owner(NAME) {
            Ok(true) => Some(Firewalld { bus }),
            _ => None,
        }
    }

    fn call(
        &mut self,
        path: &str,
        iface: &str,
        member: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, String> {
        self.bus
            .call(NAME, path, iface, member, args)
            .map_err(fw_error)
    }

    /// Path of the permanent zone object, `None` when the zone does not exist.
    pub fn config_zone(&mut self, name: &str) -> Result<Option<String>, String> {
        match self.bus.call(
            NAME,
            CONFIG,
            IF_CONFIG,
            "getZoneByName",
            &[Value::Str(name.into())],
        ) {
            Ok(r) => Ok(r.first().and_then(Value::as_str).map(String::from)),
            Err(DbusError::Method { message, .. }) if message.starts_with("INVALID_ZONE") => {
                Ok(None)
            }
            Err(e) => Err(fw_error(e)),
        }
    }

    pub fn permanent_settings(&mut self, path: &str) -> Result<Zone, String> {
        let r = self.call(path, IF_CONFIG_ZONE, "getSettings2", &[])?;
        zone_from_dict(r.first().ok_or("getSettings2 answered nothing")?)
    }

    pub fn update_permanent(&mut self, path: &str, settings: Value) -> Result<(), String> {
        self.call(path, IF_CONFIG_ZONE, "update2", &[settings])
            .map(|_| ())
    }

    pub fn add_permanent(&mut self, name: &str, settings: Value) -> Result<(), String> {
        self.call(
            CONFIG,
            IF_CONFIG,
            "addZone2",
            &[Value::Str(name.into()), settings],
        )
        .map(|_| ())
    }

    pub fn remove_permanent(&mut self, path: &str) -> Result<(), String> {
        self.call(path, IF_CONFIG_ZONE, "remove", &[]).map(|_| ())
    }

    /// Zones the runtime has (a zone added permanently appears there only after a reload).
    pub fn runtime_zones(&mut self) -> Result<Vec<String>, String> {
        let r = self.call(PATH, IF_ZONE, "getZones", &[])?;
        Ok(r.first().map(Value::str_list).unwrap_or_default())
    }

    pub fn runtime_settings(&mut self, name: &str) -> Result<Zone, String> {
        let r = self.call(
            PATH,
            IF_ZONE,
            "getZoneSettings2",
            &[Value::Str(name.into())],
        )?;
        zone_from_dict(r.first().ok_or("getZoneSettings2 answered nothing")?)
    }

    pub fn set_runtime(&mut self, name: &str, settings: Value) -> Result<(), String> {
        self.call(
            PATH,
            IF_ZONE,
            "setZoneSettings2",
            &[Value::Str(name.into()), settings],
        )
        .map(|_| ())
    }

    /// The runtime ipsets with their entries (`getIPSets`, `getIPSetSettings` → (version,
    /// short, description, type, options, entries); firewalld 0.9, 1.x, 2.x alike).
    pub fn runtime_ipsets(
        &mut self,
    ) -> Result<std::collections::BTreeMap<String, crate::guard::IpSet>, String> {
        let r = self.call(PATH, IF_IPSET, "getIPSets", &[])?;
        let mut out = std::collections::BTreeMap::new();
        for name in r.first().map(Value::str_list).unwrap_or_default() {
            let r = self.call(
                PATH,
                IF_IPSET,
                "getIPSetSettings",
                &[Value::Str(name.clone())],
            )?;
            let f = r.first().map(Value::items).unwrap_or_default();
            let kind = f.get(3).and_then(Value::as_str).unwrap_or("").to_string();
            let timeout = f.get(4).and_then(|o| o.get("timeout")).is_some();
            let entries = f.get(5).map(Value::str_list).unwrap_or_default();
            out.insert(
                name,
                crate::guard::IpSet {
                    kind,
                    entries,
                    // runtime entries are what the set holds now; timed ones may expire
                    // before the next connection
                    timeout,
                },
            );
        }
        Ok(out)
    }

    /// The runtime policies that filter traffic to the host (`getPolicies`,
    /// `getPolicySettings`).
    pub fn runtime_policies(&mut self) -> Result<Vec<crate::guard::Policy>, String> {
        let r = self.call(PATH, IF_POLICY, "getPolicies", &[])?;
        let mut out = Vec::new();
        for name in r.first().map(Value::str_list).unwrap_or_default() {
            let r = self.call(
                PATH,
                IF_POLICY,
                "getPolicySettings",
                &[Value::Str(name.clone())],
            )?;
            let d = r.first().ok_or("getPolicySettings answered nothing")?;
            let egress = d
                .get("egress_zones")
                .map(Value::str_list)
                .unwrap_or_default();
            if !egress.iter().any(|z| z == "HOST") {
                continue;
            }
            let mut body = zone_from_dict(d)?;
            body.rules = d
                .get("rich_rules")
                .map(Value::str_list)
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    RichRule::parse(r).map(|r| r.to_element()).map_err(|e| {
                        format!("firewalld holds a rich rule this module cannot read: {r}: {e}")
                    })
                })
                .collect::<Result<_, _>>()?;
            if body.target == "default" {
                body.target = "CONTINUE".into();
            }
            let priority = match d.get("priority") {
                Some(Value::I32(p)) => *p,
                Some(Value::Variant(v)) => match **v {
                    Value::I32(p) => p,
                    _ => -1,
                },
                _ => -1,
            };
            out.push(crate::guard::Policy {
                name,
                priority,
                ingress: d
                    .get("ingress_zones")
                    .map(Value::str_list)
                    .unwrap_or_default(),
                body,
            });
        }
        Ok(out)
    }

    pub fn runtime_default(&mut self) -> Result<String, String> {
        let r = self.call(PATH, IF_MAIN, "getDefaultZone", &[])?;
        Ok(r.first().and_then(Value::as_str).unwrap_or("").to_string())
    }

    /// The daemon's version (the `version` property of the main object: "0.9.3", "1.3.3",
    /// "2.3.1").
    pub fn daemon_version(&mut self) -> Result<String, String> {
        let r = self.call(
            PATH,
            "org.freedesktop.DBus.Properties",
            "Get",
            &[Value::Str(IF_MAIN.into()), Value::Str("version".into())],
        )?;
        r.first()
            .and_then(Value::as_str)
            .map(String::from)
            .ok_or_else(|| "the version property is not a string".to_string())
    }

    /// Runtime default zone (firewalld also writes it to firewalld.conf; from firewalld 2.0 on,
    /// setDefaultZone then reloads the whole configuration: see [`default_change_reloads`]).
    pub fn set_runtime_default(&mut self, name: &str) -> Result<(), String> {
        self.call(PATH, IF_MAIN, "setDefaultZone", &[Value::Str(name.into())])
            .map(|_| ())
    }
}

fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.map(|a| {
        a.items()
            .iter()
            .map(|s| {
                let f = s.str_list();
                (
                    f.first().cloned().unwrap_or_default(),
                    f.get(1).cloned().unwrap_or_default(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// A zone from firewalld's a{sv} settings (absent keys are empty/false, as firewalld omits them).
pub fn zone_from_dict(d: &Value) -> Result<Zone, String> {
    let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let l = |k: &str| d.get(k).map(Value::str_list).unwrap_or_default();
    let b = |k: &str| d.get(k).and_then(Value::as_bool).unwrap_or(false);
    // firewalld 2.x: int32 (absent before 2.0: 0, the default)
    let prio = |k: &str| match d.get(k) {
        None => Ok(0),
        Some(Value::I32(p)) => Ok(*p),
        Some(other) => Err(format!("firewalld's {k} is not an int32: {other:?}")),
    };
    let (ingress_priority, egress_priority) = (prio("ingress_priority")?, prio("egress_priority")?);
    let rules = l("rules_str")
        .iter()
        .map(|r| {
            RichRule::parse(r).map(|r| r.to_element()).map_err(|e| {
                format!("firewalld holds a rich rule this module cannot read: {r}: {e}")
            })
        })
        .collect::<Result<_, _>>()?;
    let target = s("target");
    Ok(Zone {
        version: s("version"),
        target: if target.is_empty() {
            "default".into()
        } else {
            target
        },
        short: s("short"),
        description: s("description"),
        services: l("services"),
        ports: pairs(d.get("ports")),
        protocols: l("protocols"),
        icmp_blocks: l("icmp_blocks"),
        masquerade: b("masquerade"),
        forward_ports: d
            .get("forward_ports")
            .map(|a| {
                a.items()
                    .iter()
                    .map(|f| {
                        let f = f.str_list();
                        let at = |i: usize| f.get(i).cloned().unwrap_or_default();
                        ForwardPort {
                            port: at(0),
                            protocol: at(1),
                            to_port: at(2),
                            to_addr: at(3),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        source_ports: pairs(d.get("source_ports")),
        rules,
        interfaces: l("interfaces"),
        sources: l("sources"),
        icmp_block_inversion: b("icmp_block_inversion"),
        forward: b("forward"),
        ingress_priority,
        egress_priority,
    })
}

fn pair_array(p: &[(String, String)]) -> Value {
    Value::Array(
        "(ss)".into(),
        p.iter()
            .map(|(a, b)| Value::Struct(vec![Value::Str(a.clone()), Value::Str(b.clone())]))
            .collect(),
    )
}

/// The a{sv} value of one settings key of a zone.
fn key_value(z: &Zone, key: &str) -> Value {
    match key {
        "version" => Value::Str(z.version.clone()),
        "short" => Value::Str(z.short.clone()),
        "description" => Value::Str(z.description.clone()),
        "target" => Value::Str(z.target.clone()),
        "services" => Value::strs(&z.services),
        "ports" => pair_array(&z.ports),
        "protocols" => Value::strs(&z.protocols),
        "icmp_blocks" => Value::strs(&z.icmp_blocks),
        "masquerade" => Value::Bool(z.masquerade),
        "forward_ports" => Value::Array(
            "(ssss)".into(),
            z.forward_ports
                .iter()
                .map(|f| {
                    Value::Struct(
                        [&f.port, &f.protocol, &f.to_port, &f.to_addr]
                            .iter()
                            .map(|s| Value::Str((*s).clone()))
                            .collect(),
                    )
                })
                .collect(),
        ),
        "source_ports" => pair_array(&z.source_ports),
        "rules_str" => Value::strs(&rule_strings(z)),
        "interfaces" => Value::strs(&z.interfaces),
        "sources" => Value::strs(&z.sources),
        "icmp_block_inversion" => Value::Bool(z.icmp_block_inversion),
        "forward" => Value::Bool(z.forward),
        _ => unreachable!("unknown zone key {key}"),
    }
}

pub const KEYS: &[&str] = &[
    "short",
    "description",
    "target",
    "services",
    "ports",
    "protocols",
    "icmp_blocks",
    "masquerade",
    "forward_ports",
    "source_ports",
    "rules_str",
    "interfaces",
    "sources",
    "icmp_block_inversion",
    "forward",
];

/// Rich rules of a zone in firewalld's normalised text.
pub fn rule_strings(z: &Zone) -> Vec<String> {
    z.rules
        .iter()
        .map(|e| {
            RichRule::from_element(e)
                .map(|r| r.to_string())
                .unwrap_or_else(|err| format!("<unreadable rule: {err}>"))
        })
        .collect()
}

/// Keys whose values differ (lists compared as sets: firewalld does not keep their order).
pub fn changed_keys(before: &Zone, after: &Zone, keys: &[&'static str]) -> Vec<&'static str> {
    keys.iter()
        .copied()
        .filter(|k| !same(&key_value(before, k), &key_value(after, k)))
        .collect()
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(_, x), Value::Array(_, y)) => {
            x.len() == y.len() && x.iter().all(|i| y.contains(i))
        }
        _ => a == b,
    }
}

/// The a{sv} settings for the given keys.
pub fn settings_dict(z: &Zone, keys: &[&str]) -> Value {
    dict_sv(keys.iter().map(|k| (*k, key_value(z, k))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/firewalld-dbus.md names every member this file calls (its table is checked against
    /// each generation's daemon by the Molecule scenario).
    #[test]
    fn every_dbus_member_called_is_in_the_documented_table() {
        let doc = include_str!("../../../docs/firewalld-dbus.md");
        let src = include_str!("online.rs");
        let src = &src[..src.find("#[cfg(test)]").unwrap()];
        let mut called = Vec::new();
        for iface in [
            "IF_MAIN",
            "IF_ZONE",
            "IF_CONFIG",
            "IF_CONFIG_ZONE",
            "IF_IPSET",
            "IF_POLICY",
        ] {
            for (i, _) in src.match_indices(&format!("{iface},")) {
                let rest = src[i..].split_once('"').map(|(_, r)| r).unwrap_or("");
                if let Some((member, _)) = rest.split_once('"') {
                    called.push(member.to_string());
                }
            }
        }
        // the version property, read through org.freedesktop.DBus.Properties.Get
        assert!(src.contains(r#"Value::Str("version".into())"#));
        called.push("version".into());
        assert!(called.len() >= 15, "{called:?}");
        for m in &called {
            assert!(
                doc.contains(&format!("| `{m}`")),
                "online.rs calls {m}, which docs/firewalld-dbus.md does not name"
            );
        }
    }

    #[test]
    fn dict_roundtrip_and_changed_keys() {
        let z = Zone::parse(
            r#"<?xml version="1.0" encoding="utf-8"?>
<zone target="DROP">
  <short>Corp</short>
  <service name="ssh"/>
  <port port="443" protocol="tcp"/>
  <forward-port port="80" protocol="tcp" to-port="8080"/>
  <rule family="ipv4">
    <source address="10.0.0.0/8"/>
    <accept/>
  </rule>
  <source address="192.0.2.0/24"/>
  <forward/>
</zone>
"#,
        )
        .unwrap();
        let d = settings_dict(&z, KEYS);
        let back = zone_from_dict(&d).unwrap();
        assert_eq!(back, z);
        assert!(changed_keys(&z, &back, KEYS).is_empty());
        let mut other = z.clone();
        other.services = vec!["https".into()];
        other.target = "%%REJECT%%".into();
        assert_eq!(changed_keys(&z, &other, KEYS), vec!["target", "services"]);
        // order of list items does not matter to firewalld
        let mut reordered = z.clone();
        reordered.services = vec!["ssh".into()];
        reordered.ports.insert(0, ("22".into(), "tcp".into()));
        let mut swapped = reordered.clone();
        swapped.ports.reverse();
        assert!(changed_keys(&reordered, &swapped, KEYS).is_empty());
    }

    #[test]
    fn firewalld_2_zone_priorities_are_read_and_never_sent() {
        let d = dict_sv(vec![
            ("services", Value::strs(&["ssh"])),
            ("ingress_priority", Value::I32(-10)),
            ("egress_priority", Value::I32(7)),
        ]);
        let z = zone_from_dict(&d).unwrap();
        assert_eq!((z.ingress_priority, z.egress_priority), (-10, 7));
        // update2 carries only the keys the module manages: the priorities stay as firewalld has them
        let sent = settings_dict(&z, KEYS);
        assert!(sent.get("ingress_priority").is_none() && sent.get("egress_priority").is_none());
        let bad = dict_sv(vec![("ingress_priority", Value::Str("1".into()))]);
        assert!(zone_from_dict(&bad)
            .unwrap_err()
            .contains("ingress_priority"));
    }

    #[test]
    fn omitted_keys_are_empty() {
        let d = dict_sv(vec![("services", Value::strs(&["ssh"]))]);
        let z = zone_from_dict(&d).unwrap();
        assert_eq!(z.target, "default");
        assert_eq!(z.services, vec!["ssh"]);
        assert!(z.ports.is_empty() && !z.masquerade);
    }
}
