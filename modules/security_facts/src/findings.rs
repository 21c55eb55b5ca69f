//! The baseline and its evaluation against the facts: a pure function, facts → findings.
//!
//! A finding is a control whose configuration (or running state that can be changed without a
//! reboot) differs from the baseline. A control that is configured as asked but waits for a
//! reboot to take effect (SELinux enabled in the config while the running kernel has it off,
//! FIPS boot arguments without a FIPS kernel) is not a finding: it is listed in
//! `pending_reboot`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Debug, Deserialize, Default, Clone)]
pub struct SelinuxBaseline {
    pub state: Option<String>,
    pub policy: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct FirewalldBaseline {
    pub running: Option<bool>,
    pub default_zone: Option<String>,
    pub zones: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct FapolicydBaseline {
    pub running: Option<bool>,
    pub permissive: Option<bool>,
    pub integrity: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct Baseline {
    pub crypto_policy: Option<String>,
    pub fips: Option<bool>,
    pub selinux: Option<SelinuxBaseline>,
    pub firewalld: Option<FirewalldBaseline>,
    pub fapolicyd: Option<FapolicydBaseline>,
}

const ZONE_KEYS: &[&str] = &["services", "ports", "target"];

impl Baseline {
    /// Checks the free-form part (firewalld zones) — the rest is typed by the argument spec.
    pub fn validate(&self) -> Result<(), String> {
        let Some(zones) = self.firewalld.as_ref().and_then(|f| f.zones.as_ref()) else {
            return Ok(());
        };
        for (name, z) in zones {
            let Some(obj) = z.as_object() else {
                return Err(format!(
                    "baseline.firewalld.zones.{name} must be a dict of {}",
                    ZONE_KEYS.join(", ")
                ));
            };
            for (k, v) in obj {
                match k.as_str() {
                    "services" | "ports" => {
                        if !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                            return Err(format!(
                                "baseline.firewalld.zones.{name}.{k} must be a list of strings"
                            ));
                        }
                    }
                    "target" => {
                        if !v
                            .as_str()
                            .is_some_and(|t| ["default", "ACCEPT", "DROP", "REJECT"].contains(&t))
                        {
                            return Err(format!(
                                "baseline.firewalld.zones.{name}.target is one of default, ACCEPT, DROP, REJECT"
                            ));
                        }
                    }
                    other => {
                        return Err(format!(
                            "baseline.firewalld.zones.{name}: unknown key '{other}' (known: {})",
                            ZONE_KEYS.join(", ")
                        ))
                    }
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Finding {
    pub control: String,
    pub expected: Value,
    pub actual: Value,
    pub severity: &'static str,
    /// The module (FQCN) that brings the control to the baseline.
    pub fixed_by: &'static str,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Pending {
    pub control: String,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub pending_reboot: Vec<Pending>,
}

impl Evaluation {
    fn find(
        &mut self,
        control: impl Into<String>,
        expected: Value,
        actual: Value,
        severity: &'static str,
        fixed_by: &'static str,
    ) {
        self.findings.push(Finding {
            control: control.into(),
            expected,
            actual,
            severity,
            fixed_by,
        });
    }
}

fn sorted(v: &Value) -> Vec<String> {
    let mut s: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    s.sort();
    s.dedup();
    s
}

/// Evaluate `facts` (the `hardening` facts) against the baseline.
pub fn evaluate(b: &Baseline, facts: &Value) -> Evaluation {
    let mut ev = Evaluation::default();
    const CRYPTO: &str = "hardening.rhel.crypto_policy";
    const FIPS: &str = "hardening.rhel.fips";
    const SELINUX: &str = "hardening.rhel.selinux";
    const FW: &str = "hardening.rhel.firewalld_zone";
    const FAPO: &str = "hardening.rhel.fapolicyd_config";

    if let Some(want) = &b.crypto_policy {
        let c = &facts["crypto_policy"];
        if c["present"] != true {
            ev.find(
                "crypto_policy",
                json!(want),
                json!("absent"),
                "medium",
                CRYPTO,
            );
        } else if c["configured"] != json!(want) {
            ev.find(
                "crypto_policy",
                json!(want),
                c["configured"].clone(),
                "medium",
                CRYPTO,
            );
        } else if c["is_applied"] != true {
            ev.find(
                "crypto_policy.applied",
                json!(want),
                json!({"applied": c["applied"], "backend_drift": c["backend_drift"]}),
                "medium",
                CRYPTO,
            );
        } else if c["reboot_required"] == true {
            ev.pending_reboot.push(Pending {
                control: "crypto_policy".into(),
                detail: "applied since boot: services started before keep the previous policy until restarted".into(),
            });
        }
    }

    if let Some(want) = b.fips {
        let f = &facts["fips"];
        let configured = f["boot_args"] == true && f["crypto_policy"] == true;
        let kernel = f["kernel"] == true;
        if want && configured && f["initramfs"] == true && !kernel {
            ev.pending_reboot.push(Pending {
                control: "fips".into(),
                detail: "FIPS configured for the next boot; the running kernel is not in FIPS mode"
                    .into(),
            });
        } else if want != (f["mode"] == "enabled") {
            ev.find(
                "fips",
                json!(if want { "enabled" } else { "disabled" }),
                f["mode"].clone(),
                "high",
                FIPS,
            );
        }
    }

    if let Some(s) = &b.selinux {
        let f = &facts["selinux"];
        if let Some(want) = &s.state {
            let configured = f["configured_mode"].as_str().unwrap_or("absent");
            let runtime = f["runtime"].as_str().unwrap_or("disabled");
            if configured != want {
                ev.find(
                    "selinux.state",
                    json!(want),
                    json!(configured),
                    "high",
                    SELINUX,
                );
            } else if runtime != want {
                // enforcing ↔ permissive can change now; enabling or disabling needs a reboot
                let needs_boot = (runtime == "disabled") != (want == "disabled");
                if needs_boot {
                    ev.pending_reboot.push(Pending {
                        control: "selinux.state".into(),
                        detail: format!(
                            "configured {want}, the running kernel has SELinux {runtime}"
                        ),
                    });
                } else {
                    ev.find(
                        "selinux.runtime",
                        json!(want),
                        json!(runtime),
                        "high",
                        SELINUX,
                    );
                }
            }
        }
        if let Some(want) = &s.policy {
            if f["configured_policy"] != json!(want) {
                ev.find(
                    "selinux.policy",
                    json!(want),
                    f["configured_policy"].clone(),
                    "medium",
                    SELINUX,
                );
            } else if f["runtime"] != "disabled" && f["loaded_policy"] != json!(want) {
                ev.pending_reboot.push(Pending {
                    control: "selinux.policy".into(),
                    detail: format!("configured {want}, loaded {}", f["loaded_policy"]),
                });
            }
        }
    }

    if let Some(fw) = &b.firewalld {
        let f = &facts["firewalld"];
        if let Some(want) = fw.running {
            if f["running"] != want {
                let actual = if f["installed"] == false {
                    json!("not installed")
                } else {
                    f["running"].clone()
                };
                ev.find(
                    "firewalld.running",
                    json!(want),
                    actual,
                    "high",
                    "ansible.builtin.systemd_service",
                );
            }
        }
        if let Some(want) = &fw.default_zone {
            if f["default_zone"] != json!(want) {
                ev.find(
                    "firewalld.default_zone",
                    json!(want),
                    f["default_zone"].clone(),
                    "medium",
                    FW,
                );
            }
        }
        for (name, spec) in fw.zones.iter().flatten() {
            let zone = &f["zones"][name];
            for layer in ["permanent", "runtime"] {
                let z = &zone[layer];
                if z.is_null() {
                    if layer == "permanent" {
                        ev.find(
                            format!("firewalld.zones.{name}"),
                            spec.clone(),
                            json!("absent"),
                            "medium",
                            FW,
                        );
                    }
                    continue;
                }
                for key in ZONE_KEYS {
                    let Some(want) = spec.get(*key) else { continue };
                    let differs = if *key == "target" {
                        z[*key] != *want
                    } else {
                        sorted(&z[*key]) != sorted(want)
                    };
                    if !differs {
                        continue;
                    }
                    if layer == "runtime" && *key == "target" {
                        // firewalld changes a runtime target only when it loads its configuration
                        ev.pending_reboot.push(Pending {
                            control: format!("firewalld.zones.{name}.runtime.target"),
                            detail: format!(
                                "runtime target {} until firewalld is reloaded or restarted",
                                z[*key]
                            ),
                        });
                        continue;
                    }
                    ev.find(
                        format!("firewalld.zones.{name}.{layer}.{key}"),
                        want.clone(),
                        z[*key].clone(),
                        "medium",
                        FW,
                    );
                }
            }
        }
    }

    if let Some(fa) = &b.fapolicyd {
        let f = &facts["fapolicyd"];
        if let Some(want) = fa.running {
            if f["running"] != want {
                let actual = if f["installed"] == false {
                    json!("not installed")
                } else {
                    f["running"].clone()
                };
                ev.find("fapolicyd.running", json!(want), actual, "high", FAPO);
            }
        }
        if let Some(want) = fa.permissive {
            if f["permissive"] != want {
                ev.find(
                    "fapolicyd.permissive",
                    json!(want),
                    f["permissive"].clone(),
                    "high",
                    FAPO,
                );
            }
        }
        if let Some(want) = &fa.integrity {
            if f["integrity"] != json!(want) {
                ev.find(
                    "fapolicyd.integrity",
                    json!(want),
                    f["integrity"].clone(),
                    "low",
                    FAPO,
                );
            }
        }
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Value {
        json!({
            "crypto_policy": {"present": true, "configured": "DEFAULT", "applied": "DEFAULT", "is_applied": true, "backend_drift": []},
            "fips": {"kernel": false, "boot_args": false, "initramfs": false, "crypto_policy": false, "mode": "disabled"},
            "selinux": {"present": true, "configured_mode": "permissive", "configured_policy": "targeted", "runtime": "disabled", "loaded_policy": null},
            "firewalld": {"installed": true, "running": true, "default_zone": "public",
                "zones": {"public": {
                    "permanent": {"services": ["ssh", "dhcpv6-client"], "ports": [], "target": "default"},
                    "runtime": {"services": ["dhcpv6-client", "ssh"], "ports": [], "target": "default"}}}},
            "fapolicyd": {"installed": true, "running": false, "permissive": false, "integrity": "none"},
        })
    }

    fn baseline() -> Baseline {
        serde_json::from_value(json!({
            "crypto_policy": "DEFAULT:NO-SHA1",
            "fips": false,
            "selinux": {"state": "enforcing", "policy": "targeted"},
            "firewalld": {"running": true, "default_zone": "public",
                          "zones": {"public": {"services": ["ssh"], "ports": [], "target": "default"}}},
            "fapolicyd": {"running": true, "permissive": false, "integrity": "sha256"},
        }))
        .unwrap()
    }

    fn controls(ev: &Evaluation) -> Vec<&str> {
        ev.findings.iter().map(|f| f.control.as_str()).collect()
    }

    #[test]
    fn fresh_host_findings() {
        let ev = evaluate(&baseline(), &facts());
        assert_eq!(
            controls(&ev),
            vec![
                "crypto_policy",
                "selinux.state",
                "firewalld.zones.public.permanent.services",
                "firewalld.zones.public.runtime.services",
                "fapolicyd.running",
                "fapolicyd.integrity",
            ]
        );
        let sel = &ev.findings[1];
        assert_eq!(
            (
                sel.expected.clone(),
                sel.actual.clone(),
                sel.severity,
                sel.fixed_by
            ),
            (
                json!("enforcing"),
                json!("permissive"),
                "high",
                "hardening.rhel.selinux"
            )
        );
    }

    #[test]
    fn hardened_host_is_compliant_with_reboot_pending() {
        let mut f = facts();
        f["crypto_policy"]["configured"] = json!("DEFAULT:NO-SHA1");
        f["crypto_policy"]["applied"] = json!("DEFAULT:NO-SHA1");
        f["crypto_policy"]["reboot_required"] = json!(false);
        f["selinux"]["configured_mode"] = json!("enforcing");
        f["firewalld"]["zones"]["public"]["permanent"]["services"] = json!(["ssh"]);
        f["firewalld"]["zones"]["public"]["runtime"]["services"] = json!(["ssh"]);
        f["fapolicyd"]["running"] = json!(true);
        f["fapolicyd"]["integrity"] = json!("sha256");
        let ev = evaluate(&baseline(), &f);
        assert!(ev.findings.is_empty(), "{:?}", ev.findings);
        // SELinux configured enforcing, kernel without SELinux: a reboot, not a finding
        assert_eq!(ev.pending_reboot.len(), 1);
        assert_eq!(ev.pending_reboot[0].control, "selinux.state");
        // a policy applied since boot: services keep the old one until restarted
        let mut g = f.clone();
        g["crypto_policy"]["reboot_required"] = json!(true);
        let pending: Vec<String> = evaluate(&baseline(), &g)
            .pending_reboot
            .into_iter()
            .map(|p| p.control)
            .collect();
        assert_eq!(pending, vec!["crypto_policy", "selinux.state"]);
        // permissive at runtime while configured enforcing is a finding (fixable now)
        f["selinux"]["runtime"] = json!("permissive");
        assert_eq!(
            controls(&evaluate(&baseline(), &f)),
            vec!["selinux.runtime"]
        );
        // crypto configured but not applied
        f["selinux"]["runtime"] = json!("enforcing");
        f["crypto_policy"]["is_applied"] = json!(false);
        assert_eq!(
            controls(&evaluate(&baseline(), &f)),
            vec!["crypto_policy.applied"]
        );
    }

    #[test]
    fn missing_components_are_findings_not_errors() {
        let f = json!({
            "crypto_policy": {"present": false},
            "selinux": {"present": false, "runtime": "disabled"},
            "firewalld": {"installed": false, "running": false},
            "fapolicyd": {"installed": false, "running": false},
            "fips": {"error": "no boot loader"},
        });
        let ev = evaluate(&baseline(), &f);
        assert!(controls(&ev).contains(&"firewalld.running"));
        assert_eq!(
            ev.findings
                .iter()
                .find(|x| x.control == "fapolicyd.running")
                .unwrap()
                .actual,
            json!("not installed")
        );
    }

    #[test]
    fn zone_spec_validated() {
        let mut b = baseline();
        b.firewalld.as_mut().unwrap().zones =
            Some(serde_json::from_value(json!({"public": {"services": "ssh"}})).unwrap());
        assert!(b.validate().unwrap_err().contains("list of strings"));
        b.firewalld.as_mut().unwrap().zones =
            Some(serde_json::from_value(json!({"public": {"sources": []}})).unwrap());
        assert!(b.validate().unwrap_err().contains("unknown key 'sources'"));
    }
}
