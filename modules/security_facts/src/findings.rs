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
    /// firewalld.service wanted by multi-user.target (starts at boot).
    pub enabled: Option<bool>,
    pub default_zone: Option<String>,
    pub zones: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct FapolicydBaseline {
    pub running: Option<bool>,
    /// fapolicyd.service wanted by multi-user.target (SSG `service_fapolicyd_enabled`).
    pub enabled: Option<bool>,
    /// What the rules must deny to an access no narrower rule decided (the first catch-all
    /// rule for each permission): `execute` (the baseline: untrusted programs do not run) or
    /// `any` (SSG `fapolicy_default_deny`, the STIG).
    pub default_deny: Option<String>,
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
    /// SSG rule ids, STIG and CIS ids, NIST controls (references.rs).
    pub references: Value,
}

#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Pending {
    pub control: String,
    pub detail: String,
}

/// A control the baseline asked about, and how it stands: `pass`, `fail` (a finding) or
/// `pending` (configured, waiting for a reboot or reload).
#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Checked {
    pub control: String,
    pub status: &'static str,
    pub fixed_by: &'static str,
    pub references: Value,
    /// This control's findings and pending items (the reports print them in its row).
    pub findings: Vec<Finding>,
    pub pending: Vec<Pending>,
}

#[derive(Debug, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub pending_reboot: Vec<Pending>,
    /// The controls evaluated, in order, with the module that fixes each.
    pub checked: Vec<(String, &'static str)>,
}

/// Findings and pending items named more finely than the control they belong to.
fn owner_alias(name: &str) -> &str {
    match name {
        // the running mode is part of the state control (configured and running)
        "selinux.runtime" => "selinux.state",
        n => n,
    }
}

impl Evaluation {
    fn check(&mut self, control: impl Into<String>, fixed_by: &'static str) {
        self.checked.push((control.into(), fixed_by));
    }

    /// The checked control a finding or pending item belongs to: the longest one that is its
    /// name or a dotted prefix of it (`crypto_policy.applied` → `crypto_policy`,
    /// `firewalld.zones.public.runtime.services` → `firewalld.zones.public`).
    fn owner(&self, name: &str) -> Option<&str> {
        let name = owner_alias(name);
        self.checked
            .iter()
            .map(|(c, _)| c.as_str())
            .filter(|c| name == *c || name.starts_with(&format!("{c}.")))
            .max_by_key(|c| c.len())
    }

    /// Every control evaluated with its status: one row per control for JUnit and the fleet
    /// matrix, so that passing controls are reported too.
    pub fn controls(&self) -> Vec<Checked> {
        self.checked
            .iter()
            .map(|(c, fixed_by)| {
                let mine = |n: &str| self.owner(n) == Some(c.as_str());
                let findings: Vec<Finding> = self
                    .findings
                    .iter()
                    .filter(|f| mine(&f.control))
                    .cloned()
                    .collect();
                let pending: Vec<Pending> = self
                    .pending_reboot
                    .iter()
                    .filter(|p| mine(&p.control))
                    .cloned()
                    .collect();
                let status = match (findings.is_empty(), pending.is_empty()) {
                    (false, _) => "fail",
                    (true, false) => "pending",
                    (true, true) => "pass",
                };
                Checked {
                    control: c.clone(),
                    status,
                    fixed_by,
                    references: crate::references::of(c),
                    findings,
                    pending,
                }
            })
            .collect()
    }

    fn find(
        &mut self,
        control: impl Into<String>,
        expected: Value,
        actual: Value,
        severity: &'static str,
        fixed_by: &'static str,
    ) {
        let control = control.into();
        self.findings.push(Finding {
            references: crate::references::of(owner_alias(&control)),
            control,
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

/// `<service>.enabled`: its wants link, judged where the component is installed (an absent one
/// is the `running` control's finding).
fn check_enabled(
    ev: &mut Evaluation,
    f: &Value,
    want: Option<bool>,
    control: &str,
    fixed_by: &'static str,
) {
    let Some(want) = want else { return };
    ev.check(control, fixed_by);
    if f["installed"] == true && f["enabled"] != want {
        ev.find(control, json!(want), f["enabled"].clone(), "high", fixed_by);
    }
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
        ev.check("crypto_policy", CRYPTO);
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
        ev.check("fips", FIPS);
        let f = &facts["fips"];
        if want {
            ev.check("fips.dracut_module", FIPS);
            if f["system_fips"].is_boolean() {
                ev.check("fips.system_fips", FIPS);
            }
        }
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
        // what every future initramfs (and, on RHEL 8, FIPS-aware libraries) depends on
        if want && f["dracut_config"] == false {
            ev.find(
                "fips.dracut_module",
                json!("add_dracutmodules fips"),
                json!("absent"),
                "high",
                FIPS,
            );
        }
        if want && f["system_fips"] == false {
            ev.find(
                "fips.system_fips",
                json!("/etc/system-fips present"),
                json!("absent"),
                "medium",
                FIPS,
            );
        }
    }

    if let Some(s) = &b.selinux {
        let f = &facts["selinux"];
        if let Some(want) = &s.state {
            ev.check("selinux.state", SELINUX);
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
        // kernel arguments that override the configuration at boot
        if let Some(want) = s.state.as_deref().filter(|w| *w != "disabled") {
            ev.check("selinux.boot_args", SELINUX);
            let overriding: Vec<&str> = f["boot_args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|a| {
                    a.ends_with("(selinux=0)")
                        || (want == "enforcing" && a.ends_with("(enforcing=0)"))
                })
                .collect();
            if !overriding.is_empty() {
                ev.find(
                    "selinux.boot_args",
                    json!(if want == "enforcing" {
                        "neither selinux=0 nor enforcing=0"
                    } else {
                        "no selinux=0"
                    }),
                    json!(overriding),
                    "high",
                    SELINUX,
                );
            }
        }
        if let Some(want) = &s.policy {
            ev.check("selinux.policy", SELINUX);
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
            ev.check("firewalld.running", "ansible.builtin.systemd_service");
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
        check_enabled(&mut ev, f, fw.enabled, "firewalld.enabled", FW);
        if let Some(want) = &fw.default_zone {
            ev.check("firewalld.default_zone", FW);
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
            ev.check(format!("firewalld.zones.{name}"), FW);
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
            ev.check("fapolicyd.running", FAPO);
            if f["running"] != want {
                let actual = if f["installed"] == false {
                    json!("not installed")
                } else {
                    f["running"].clone()
                };
                ev.find("fapolicyd.running", json!(want), actual, "high", FAPO);
            }
        }
        check_enabled(&mut ev, f, fa.enabled, "fapolicyd.enabled", FAPO);
        if let Some(want) = fa.default_deny.as_deref() {
            ev.check("fapolicyd.default_deny", "hardening.rhel.fapolicyd_rules");
            let have = f["default_deny"].as_str().unwrap_or("none");
            let enough = have == "any" || (want == "execute" && have == "execute");
            if f["installed"] == true && !enough {
                ev.find(
                    "fapolicyd.default_deny",
                    json!(want),
                    json!({"default_deny": have, "final_rule": f["final_rule"]}),
                    "high",
                    "hardening.rhel.fapolicyd_rules",
                );
            }
        }
        if let Some(want) = fa.permissive {
            ev.check("fapolicyd.permissive", FAPO);
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
            ev.check("fapolicyd.integrity", FAPO);
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

    /// Every control the evaluation can check, and every finding, has its entry in the
    /// generated reference table (scripts/gen-references.py lists them all).
    #[test]
    fn every_control_has_references() {
        let mut b = baseline();
        b.fips = Some(true);
        b.firewalld.as_mut().unwrap().enabled = Some(true);
        let fa = b.fapolicyd.as_mut().unwrap();
        fa.enabled = Some(true);
        fa.default_deny = Some("any".into());
        let mut f = facts();
        f["fips"]["system_fips"] = json!(false);
        f["fips"]["dracut_config"] = json!(false);
        let ev = evaluate(&b, &f);
        assert_eq!(ev.checked.len(), 16);
        for c in ev.controls() {
            assert!(crate::references::known(&c.control), "{}", c.control);
            assert!(c.references["ssg"].is_array());
        }
        for f in &ev.findings {
            let name = owner_alias(&f.control);
            assert!(crate::references::known(name), "{}", f.control);
        }
        let sel = ev.findings.iter().find(|f| f.control == "selinux.state");
        assert_eq!(
            sel.unwrap().references["stig_rhel9"],
            json!(["RHEL-09-431010"])
        );
        // a finding named more finely than its control has the control's references
        assert!(!crate::references::known("selinux.runtime"));
        let mut ev2 = Evaluation::default();
        ev2.find("selinux.runtime", json!(1), json!(2), "high", "x");
        assert_eq!(ev2.findings[0].references, sel.unwrap().references);
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

    fn statuses(ev: &Evaluation) -> Vec<(String, &'static str)> {
        ev.controls()
            .into_iter()
            .map(|c| (c.control, c.status))
            .collect()
    }

    /// Every control asked about has a row - passing ones too - and each finding or pending
    /// item counts against the control it belongs to.
    #[test]
    fn every_control_has_a_status() {
        let s = |v: &[(&str, &'static str)]| -> Vec<(String, &'static str)> {
            v.iter().map(|(c, st)| (c.to_string(), *st)).collect()
        };
        let ev = evaluate(&baseline(), &facts());
        assert_eq!(
            statuses(&ev),
            s(&[
                ("crypto_policy", "fail"),
                ("fips", "pass"),
                ("selinux.state", "fail"),
                ("selinux.boot_args", "pass"),
                ("selinux.policy", "pass"),
                ("firewalld.running", "pass"),
                ("firewalld.default_zone", "pass"),
                ("firewalld.zones.public", "fail"),
                ("fapolicyd.running", "fail"),
                ("fapolicyd.permissive", "pass"),
                ("fapolicyd.integrity", "fail"),
            ])
        );
        assert_eq!(ev.controls()[2].fixed_by, "hardening.rhel.selinux");
        // a control's row carries its findings: both zone layers under firewalld.zones.public
        let zone = &ev.controls()[7];
        assert_eq!(
            zone.findings
                .iter()
                .map(|f| f.control.as_str())
                .collect::<Vec<_>>(),
            vec![
                "firewalld.zones.public.permanent.services",
                "firewalld.zones.public.runtime.services"
            ]
        );
        // configured enforcing, running permissive: the state control fails (selinux.runtime);
        // a kernel without SELinux: pending
        let mut f = facts();
        f["selinux"]["configured_mode"] = json!("enforcing");
        f["selinux"]["runtime"] = json!("permissive");
        let ev = evaluate(&baseline(), &f);
        assert_eq!(controls(&ev)[1], "selinux.runtime");
        assert_eq!(statuses(&ev)[2], ("selinux.state".to_string(), "fail"));
        f["selinux"]["runtime"] = json!("disabled");
        assert_eq!(
            statuses(&evaluate(&baseline(), &f))[2],
            ("selinux.state".to_string(), "pending")
        );
        // crypto_policy.applied belongs to crypto_policy
        f["crypto_policy"]["configured"] = json!("DEFAULT:NO-SHA1");
        f["crypto_policy"]["is_applied"] = json!(false);
        let ev = evaluate(&baseline(), &f);
        assert_eq!(controls(&ev)[0], "crypto_policy.applied");
        assert_eq!(statuses(&ev)[0], ("crypto_policy".to_string(), "fail"));
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

    /// The controls SSG checks that the first audit missed: services enabled at boot, what the
    /// final fapolicyd rule denies, SELinux-disabling kernel arguments, the FIPS dracut module
    /// and RHEL 8's /etc/system-fips.
    #[test]
    fn enablement_rule_content_boot_args_and_fips_pieces() {
        let mut f = facts();
        f["crypto_policy"]["configured"] = json!("DEFAULT:NO-SHA1");
        f["selinux"]["configured_mode"] = json!("enforcing");
        f["selinux"]["runtime"] = json!("enforcing");
        f["firewalld"]["zones"]["public"]["permanent"]["services"] = json!(["ssh"]);
        f["firewalld"]["zones"]["public"]["runtime"]["services"] = json!(["ssh"]);
        f["fapolicyd"]["running"] = json!(true);
        f["fapolicyd"]["integrity"] = json!("sha256");
        let mut b = baseline();
        b.firewalld.as_mut().unwrap().enabled = Some(true);
        b.fapolicyd.as_mut().unwrap().enabled = Some(true);
        b.fapolicyd.as_mut().unwrap().default_deny = Some("execute".into());
        // running but not enabled, rules that allow what reaches their end, selinux=0 and
        // enforcing=0 in the boot configuration
        f["firewalld"]["enabled"] = json!(false);
        f["fapolicyd"]["enabled"] = json!(false);
        f["fapolicyd"]["default_deny"] = json!("none");
        f["fapolicyd"]["final_rule"] = json!("allow perm=any all : all");
        f["selinux"]["boot_args"] = json!([
            "/boot/loader/entries/a.conf (selinux=0)",
            "/etc/default/grub (enforcing=0)"
        ]);
        let ev = evaluate(&b, &f);
        assert_eq!(
            controls(&ev),
            vec![
                "selinux.boot_args",
                "firewalld.enabled",
                "fapolicyd.enabled",
                "fapolicyd.default_deny"
            ]
        );
        assert_eq!(ev.findings[0].actual, f["selinux"]["boot_args"]);
        assert_eq!(ev.findings[3].fixed_by, "hardening.rhel.fapolicyd_rules");
        // permissive is what the baseline asks: enforcing=0 then does not matter
        let mut p = b.clone();
        p.selinux.as_mut().unwrap().state = Some("permissive".into());
        let mut g = f.clone();
        g["selinux"]["configured_mode"] = json!("permissive");
        g["selinux"]["runtime"] = json!("permissive");
        g["selinux"]["boot_args"] = json!(["/etc/default/grub (enforcing=0)"]);
        assert!(!controls(&evaluate(&p, &g)).contains(&"selinux.boot_args"));
        // the execute deny satisfies "execute", not "any"; a deny of any satisfies both
        f["firewalld"]["enabled"] = json!(true);
        f["fapolicyd"]["enabled"] = json!(true);
        f["selinux"]["boot_args"] = json!([]);
        f["fapolicyd"]["default_deny"] = json!("execute");
        assert!(evaluate(&b, &f).findings.is_empty());
        b.fapolicyd.as_mut().unwrap().default_deny = Some("any".into());
        assert_eq!(controls(&evaluate(&b, &f)), vec!["fapolicyd.default_deny"]);
        f["fapolicyd"]["default_deny"] = json!("any");
        assert!(evaluate(&b, &f).findings.is_empty());
        // FIPS asked: the dracut module and (RHEL 8) /etc/system-fips are controls of their own
        b.fips = Some(true);
        f["fips"] = json!({"kernel": true, "boot_args": true, "initramfs": true,
                           "crypto_policy": true, "mode": "enabled",
                           "dracut_config": false, "system_fips": false});
        assert_eq!(
            controls(&evaluate(&b, &f)),
            vec!["fips.dracut_module", "fips.system_fips"]
        );
        f["fips"]["dracut_config"] = json!(true);
        f["fips"]["system_fips"] = Value::Null; // not RHEL 8
        assert!(evaluate(&b, &f).findings.is_empty());
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
