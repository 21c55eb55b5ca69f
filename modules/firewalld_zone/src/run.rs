//! read → plan → apply of one zone, whichever back end holds it.
//!
//! [`read_state`] reads the zone from firewalld's D-Bus API (daemon running: permanent and
//! runtime) or from the files (daemon stopped: permanent only) into one [`State`]; [`plan`] is a
//! pure function of that state and the request; the lockout guard and check mode read that plan;
//! [`apply_online`] / [`apply_offline`] carry it out; [`report`] describes it.

use crate::online::{changed_keys, settings_dict, Firewalld, KEYS, PERMANENT_ONLY};
use crate::xml::Zone;
use crate::{check_removable, fail, new_zone, offline, settings, Args, Config, Extra, Moves, CONF};
use kit::{Ctx, Diff, Error, Outcome, Result};
use serde_json::{json, Value as Json};

/// One zone as the back end holds it.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    /// firewalld runs (D-Bus); otherwise the files are the configuration.
    pub daemon: bool,
    pub builtin: bool,
    /// The permanent settings; `None` when the zone does not exist permanently.
    pub perm: Option<Zone>,
    /// Online: the zone's permanent config object.
    pub perm_path: Option<String>,
    /// Offline: where the zone comes from, and the text of its /etc file.
    pub origin: offline::Origin,
    pub etc_text: Option<String>,
    pub conf: Option<String>,
    pub perm_default: String,
    /// Online: the runtime settings (`None`: not in the runtime) and default zone.
    pub runtime: Option<Zone>,
    pub rt_default: Option<String>,
    /// Online: the daemon's version, and whether it changes the default zone by reloading
    /// (firewalld ≥ 2.0).
    pub version: Option<String>,
    pub default_reloads: bool,
}

impl State {
    /// A zone of this name that can be removed (online: a permanent config object; offline:
    /// a file in /etc/firewalld/zones).
    fn removable_exists(&self) -> bool {
        if self.daemon {
            self.perm_path.is_some()
        } else {
            self.etc_text.is_some()
        }
    }
}

/// Read the zone, from the daemon when `fw` is given, else from the files.
pub fn read_state(ctx: &Ctx, name: &str, fw: Option<&mut Firewalld>) -> Result<State> {
    let builtin = crate::is_builtin(ctx, name);
    let (conf, perm_default) = offline::read_conf(ctx)?;
    match fw {
        Some(fw) => {
            let perm_path = fw
                .config_zone(name)
                .map_err(fail("reading the permanent zone"))?;
            let perm = match &perm_path {
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
            let runtime = if in_runtime {
                Some(
                    fw.runtime_settings(name)
                        .map_err(fail("reading the runtime zone"))?,
                )
            } else {
                None
            };
            let rt_default = fw
                .runtime_default()
                .map_err(fail("reading the default zone"))?;
            let version = fw
                .daemon_version()
                .map_err(fail("reading firewalld's version"))?;
            Ok(State {
                name: name.into(),
                daemon: true,
                builtin,
                perm,
                perm_path,
                origin: offline::Origin::Etc,
                etc_text: None,
                conf,
                perm_default,
                runtime,
                rt_default: Some(rt_default),
                default_reloads: crate::online::default_change_reloads(&version),
                version: Some(version),
            })
        }
        None => {
            let (origin, zone, etc_text) = offline::read_zone(ctx, name)?;
            Ok(State {
                name: name.into(),
                daemon: false,
                builtin,
                perm: (origin != offline::Origin::New).then_some(zone),
                perm_path: None,
                origin,
                etc_text,
                conf,
                perm_default,
                runtime: None,
                rt_default: None,
                version: None,
                default_reloads: false,
            })
        }
    }
}

/// What the task changes.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// state=absent: the zone is removed (permanently).
    pub remove: bool,
    /// The permanent settings after the task (`None`: absent).
    pub perm_after: Option<Zone>,
    /// A new permanent zone.
    pub perm_new: bool,
    /// Keys of the permanent zone that change (firewalld's update), and whether the zone as a
    /// whole differs (the file written offline).
    pub perm_keys: Vec<&'static str>,
    pub perm_differs: bool,
    /// The runtime after the task, its changed keys, and what the runtime cannot take.
    pub rt_after: Option<Zone>,
    pub rt_keys: Vec<&'static str>,
    pub rt_pending: Vec<&'static str>,
    /// setDefaultZone (runtime, and firewalld records it permanently).
    pub set_rt_default: bool,
    /// That call reloads firewalld (2.x): the runtime becomes the permanent configuration.
    pub reload: bool,
    /// firewalld.conf rewritten with the new DefaultZone.
    pub new_conf: Option<String>,
}

impl Plan {
    /// Whether the permanent zone is written (online: added or updated; offline: file written).
    pub fn writes_perm(&self, daemon: bool) -> bool {
        if daemon {
            self.perm_new || !self.perm_keys.is_empty()
        } else {
            self.perm_new || self.perm_differs
        }
    }

    pub fn changed(&self, s: &State) -> bool {
        self.remove
            || self.writes_perm(s.daemon)
            || !self.rt_keys.is_empty()
            || self.set_rt_default
            || self.new_conf.is_some()
    }

    /// The permanent default zone after the task.
    pub fn perm_default_after(&self, s: &State) -> String {
        if self.new_conf.is_some() || (self.set_rt_default && s.daemon) {
            s.name.clone()
        } else {
            s.perm_default.clone()
        }
    }
}

/// The pure plan.
pub fn plan(
    s: &State,
    args: &Args,
    req: &settings::Request,
    known: &settings::Known,
) -> Result<Plan> {
    let name = s.name.as_str();
    if !s.daemon && !args.permanent {
        return Err(Error::refused(
            "firewalld is not running, so there is no runtime to change, and permanent is false",
        ));
    }
    if args.state == "absent" {
        check_removable(name, s.builtin, &s.perm_default)?;
        if s.daemon && !args.permanent {
            return Err(Error::invalid(
                "state=absent with permanent=false: firewalld cannot remove a zone from its runtime",
            ));
        }
        return Ok(Plan {
            remove: s.removable_exists(),
            perm_after: None,
            ..Plan::default()
        });
    }
    let base = s.perm.clone().unwrap_or_else(new_zone);
    let perm_after = if args.permanent {
        Some(settings::apply(&base, req, known).map_err(Error::invalid)?)
    } else {
        s.perm.clone()
    };
    let perm_new = args.permanent && s.perm.is_none();
    let (perm_keys, perm_differs) = match (&s.perm, &perm_after) {
        (Some(b), Some(a)) if args.permanent => (changed_keys(b, a, KEYS), a != b),
        _ => (Vec::new(), false),
    };
    // the runtime (daemon only)
    let runtime_keys: Vec<&'static str> = KEYS
        .iter()
        .copied()
        .filter(|k| !PERMANENT_ONLY.contains(k))
        .collect();
    let rt_desired = match (&s.runtime, args.runtime) {
        (Some(b), true) => Some(settings::apply(b, req, known).map_err(Error::invalid)?),
        _ => s.runtime.clone(),
    };
    let (rt_keys, rt_pending) = match (&s.runtime, &rt_desired) {
        (Some(b), Some(a)) if args.runtime => (
            changed_keys(b, a, &runtime_keys),
            changed_keys(b, a, PERMANENT_ONLY),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    let rt_after = match (&s.runtime, rt_desired) {
        (Some(b), Some(mut a)) => {
            // what firewalld cannot change at runtime keeps its value there
            a.version = b.version.clone();
            a.short = b.short.clone();
            a.description = b.description.clone();
            a.target = b.target.clone();
            Some(a)
        }
        (_, d) => d,
    };
    let set_rt_default = s.daemon
        && args.default
        && args.runtime
        && s.runtime.is_some()
        && s.rt_default.as_deref() != Some(name);
    // firewalld 2.x changes the default zone by reloading: the runtime becomes the permanent
    // configuration (this zone's included, its target too), and runtime-only state is dropped
    let reload = set_rt_default && s.default_reloads;
    if reload && !args.permanent {
        return Err(Error::refused(format!(
            "default=true with permanent=false: firewalld {} changes the default zone by reloading, which would replace this task's runtime-only changes with the permanent configuration; set permanent: true, or leave default out",
            s.version.as_deref().unwrap_or("2.x")
        )));
    }
    let (rt_keys, rt_pending, rt_after) = if reload {
        let keys = match (&s.runtime, &perm_after) {
            (Some(b), Some(a)) => changed_keys(b, a, KEYS),
            _ => Vec::new(),
        };
        (keys, Vec::new(), perm_after.clone())
    } else {
        (rt_keys, rt_pending, rt_after)
    };
    // firewalld's setDefaultZone records the default in firewalld.conf too; without it (zone not
    // in the runtime yet, runtime: false, or no daemon) firewalld.conf is edited as
    // firewall-offline-cmd does, every other line kept (the D-Bus DefaultZone property is
    // read-only).
    let new_conf = (args.default && args.permanent && s.perm_default != name && !set_rt_default)
        .then(|| settings::set_default_zone(s.conf.as_deref().unwrap_or(""), name));
    Ok(Plan {
        remove: false,
        perm_after,
        perm_new,
        perm_keys,
        perm_differs,
        rt_after,
        rt_keys,
        rt_pending,
        set_rt_default,
        reload,
        new_conf,
    })
}

/// What the lockout guard judges: the runtime filtering the session now (firewalld running),
/// and the configurations the plan makes: the permanent one always, the runtime when it
/// changes.
pub fn moves(ctx: &Ctx, s: &State, p: &Plan, fw: Option<&mut Firewalld>) -> Result<Moves> {
    let files = crate::zone_files(ctx)?;
    let mut after = vec![(
        if p.reload {
            "permanent configuration (loaded now: firewalld 2.x reloads to change the default zone)"
        } else if s.daemon {
            "permanent configuration (from the next reload or reboot)"
        } else {
            "permanent configuration (firewalld is not running: from its next start)"
        },
        Config {
            zones: crate::with_zone(&files, &s.name, p.perm_after.as_ref()),
            default_zone: p.perm_default_after(s),
            extra: Extra::permanent(ctx)?,
        },
    )];
    let Some(fw) = fw else {
        return Ok(Moves { now: None, after });
    };
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
    let mut runtime_extra = || -> Result<Extra> {
        Ok(Extra {
            ipsets: fw
                .runtime_ipsets()
                .map_err(fail("reading the runtime ipsets"))?,
            policies: fw
                .runtime_policies()
                .map_err(fail("reading the runtime policies"))?,
            // the runtime zones hold the interfaces NetworkManager bound
            bindings: Vec::new(),
        })
    };
    let rt_default = s.rt_default.clone().unwrap_or_default();
    if (!p.rt_keys.is_empty() || p.set_rt_default) && !p.reload {
        after.push((
            "runtime (now)",
            Config {
                zones: crate::with_zone(&rt, &s.name, p.rt_after.as_ref()),
                default_zone: if p.set_rt_default {
                    s.name.clone()
                } else {
                    rt_default.clone()
                },
                extra: runtime_extra()?,
            },
        ));
    }
    let now = Config {
        zones: rt,
        default_zone: rt_default,
        extra: runtime_extra()?,
    };
    Ok(Moves {
        now: Some(now),
        after,
    })
}

/// Carry out the plan through firewalld's D-Bus API.
pub fn apply_online(ctx: &Ctx, fw: &mut Firewalld, s: &State, p: &Plan) -> Result<()> {
    let name = s.name.as_str();
    if p.remove {
        fw.remove_permanent(s.perm_path.as_deref().expect("exists"))
            .map_err(fail("removing the permanent zone"))?;
        ctx.mark_changed();
        return Ok(());
    }
    if p.perm_new {
        let z = p.perm_after.as_ref().expect("planned");
        fw.add_permanent(name, settings_dict(z, KEYS))
            .map_err(fail("adding the permanent zone"))?;
        ctx.mark_changed();
    } else if !p.perm_keys.is_empty() {
        let z = p.perm_after.as_ref().expect("planned");
        fw.update_permanent(
            s.perm_path.as_deref().expect("exists"),
            settings_dict(z, &p.perm_keys),
        )
        .map_err(fail("updating the permanent zone"))?;
        ctx.mark_changed();
    }
    // (a reload applies the runtime from the permanent configuration just written)
    if !p.rt_keys.is_empty() && !p.reload {
        let z = p.rt_after.as_ref().expect("planned");
        fw.set_runtime(name, settings_dict(z, &p.rt_keys))
            .map_err(fail("updating the runtime zone"))?;
        ctx.mark_changed();
    }
    if p.set_rt_default {
        fw.set_runtime_default(name)
            .map_err(fail("setting the runtime default zone"))?;
        ctx.mark_changed();
    }
    if let Some(c) = &p.new_conf {
        offline::write_conf(ctx, c)?;
    }
    Ok(())
}

/// Carry out the plan in the files (firewalld not running).
pub fn apply_offline(ctx: &Ctx, s: &State, p: &Plan) -> Result<()> {
    let etc = format!("{}/zones/{}.xml", offline::ETC, s.name);
    if p.remove {
        let text = s.etc_text.as_deref().expect("exists");
        ctx.write(
            &format!("{etc}.old"),
            text.as_bytes(),
            kit::fs::WriteOptions::default(),
        )?;
        ctx.remove(&etc, false)?;
        return Ok(());
    }
    if p.writes_perm(false) {
        let after = p.perm_after.as_ref().expect("planned");
        offline::write_zone(ctx, &s.name, after, s.etc_text.as_deref())?;
    }
    if let Some(c) = &p.new_conf {
        offline::write_conf(ctx, c)?;
    }
    Ok(())
}

/// The result: message, diff and return values.
pub fn report(ctx: &Ctx, args: &Args, s: &State, p: &Plan, out: &mut Outcome) {
    let name = s.name.as_str();
    let w = crate::would(ctx);
    let etc = format!("{}/zones/{name}.xml", offline::ETC);
    let mut said: Vec<String> = Vec::new();
    out.changed = p.changed(s);
    out.set("daemon_running", s.daemon);
    if let Some(v) = &s.version {
        out.set("firewalld_version", v.as_str());
    }
    if args.state == "absent" {
        if p.remove {
            if s.daemon {
                said.push(format!("permanent zone {name} {w}removed"));
                out.diff.push(Diff::file(
                    &etc,
                    s.perm.as_ref().map(Zone::to_xml).as_deref(),
                    None,
                ));
            } else {
                said.push(format!("{etc} {w}removed (previous contents in {etc}.old)"));
                out.diff.push(Diff::file(&etc, s.etc_text.as_deref(), None));
            }
        } else {
            said.push(format!("zone {name} does not exist"));
        }
        let in_runtime = s.runtime.is_some();
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
        out.set("runtime_applied", s.daemon && !in_runtime);
        out.set("default_zone", &s.perm_default);
        return;
    }
    if !s.daemon {
        if p.writes_perm(false) {
            said.push(format!("{etc} {w}written"));
            let before = s.etc_text.clone().unwrap_or_else(|| {
                if s.origin == offline::Origin::Builtin {
                    s.perm.as_ref().map(Zone::to_xml).unwrap_or_default()
                } else {
                    String::new()
                }
            });
            out.diff.push(Diff::file(
                &etc,
                Some(&before),
                p.perm_after.as_ref().map(Zone::to_xml).as_deref(),
            ));
        }
        if let Some(c) = &p.new_conf {
            said.push(format!("DefaultZone {w}set to {name} in {CONF}"));
            out.diff
                .push(Diff::file(CONF, s.conf.as_deref(), Some(c.as_str())));
        }
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
            json!({"name": name, "builtin": s.builtin,
                   "permanent": p.perm_after.as_ref().map(crate::view), "runtime": null}),
        );
        out.set("runtime_applied", false);
        out.set("default_zone", p.perm_default_after(s));
        return;
    }
    // online
    if p.perm_new {
        said.push(format!("permanent zone {name} {w}created"));
    } else if !p.perm_keys.is_empty() {
        said.push(format!(
            "permanent zone {name} {w}updated ({})",
            p.perm_keys.join(", ")
        ));
    }
    if !p.rt_keys.is_empty() {
        said.push(format!(
            "runtime zone {name} {w}updated ({})",
            p.rt_keys.join(", ")
        ));
    }
    if p.set_rt_default {
        said.push(format!("default zone {w}set to {name}"));
    }
    if p.reload {
        said.push(format!(
            "firewalld {} changes the default zone by reloading: the runtime {} the permanent configuration, and what was only in the runtime (in any zone, policy or ipset) {} dropped",
            s.version.as_deref().unwrap_or("2.x"),
            if ctx.check_mode { "would become" } else { "is now" },
            if ctx.check_mode { "would be" } else { "was" },
        ));
    }
    if let Some(c) = &p.new_conf {
        said.push(format!(
            "DefaultZone {w}set to {name} in {CONF} (the runtime default changes when firewalld next loads its configuration)"
        ));
        out.diff
            .push(Diff::file(CONF, s.conf.as_deref(), Some(c.as_str())));
    }
    let mut runtime_applied = args.runtime;
    if args.runtime && s.runtime.is_none() {
        runtime_applied = false;
        said.push(format!(
            "zone {name} is not in firewalld's runtime (a zone added permanently appears there at the next reload or restart of firewalld, which this module does not do: a reload drops runtime-only state); the runtime was not changed"
        ));
    }
    if !p.rt_pending.is_empty() {
        runtime_applied = false;
        said.push(format!(
            "firewalld cannot change {} of a runtime zone: the runtime keeps the old value until firewalld is reloaded or restarted",
            p.rt_pending.join(", ")
        ));
    }
    if args.default && args.runtime && !args.permanent && p.set_rt_default {
        said.push("firewalld's setDefaultZone also records the default zone permanently".into());
    }
    if said.is_empty() {
        said.push(format!("zone {name} already as requested"));
    }
    out.msg = said.join("; ");
    if s.perm != p.perm_after {
        out.diff.push(Diff {
            before: s.perm.as_ref().map(Zone::to_xml).unwrap_or_default(),
            after: p.perm_after.as_ref().map(Zone::to_xml).unwrap_or_default(),
            before_header: format!("permanent {etc}"),
            after_header: format!("permanent {etc}"),
        });
    }
    if p.rt_keys.len() + usize::from(p.set_rt_default) > 0 {
        let rt_default = s.rt_default.clone().unwrap_or_default();
        out.diff.push(Diff {
            before: s
                .runtime
                .as_ref()
                .map(|z| crate::listing(name, z))
                .unwrap_or_default()
                + &format!("default zone: {rt_default}\n"),
            after: p
                .rt_after
                .as_ref()
                .map(|z| crate::listing(name, z))
                .unwrap_or_default()
                + &format!(
                    "default zone: {}\n",
                    if p.set_rt_default { name } else { &rt_default }
                ),
            before_header: format!("runtime zone {name}"),
            after_header: format!("runtime zone {name}"),
        });
    }
    out.set(
        "zone",
        json!({
            "name": name,
            "builtin": s.builtin,
            "permanent": p.perm_after.as_ref().map(crate::view),
            "runtime": p.rt_after.as_ref().map(crate::view),
        }),
    );
    out.set("runtime_applied", runtime_applied);
    out.set(
        "default_zone",
        if p.set_rt_default || p.new_conf.is_some() {
            name.to_string()
        } else {
            s.perm_default.clone()
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: serde_json::Value) -> Args {
        let mut m = json!({"state": "present", "default": false, "exclusive": false,
                           "permanent": true, "runtime": true, "allow_lockout": false});
        for (k, x) in v.as_object().unwrap() {
            m[k] = x.clone();
        }
        serde_json::from_value(m).unwrap()
    }

    fn known() -> settings::Known {
        settings::Known {
            services: vec!["ssh".into(), "https".into()],
            ipsets: vec![],
            icmptypes: vec![],
            protocols: vec!["tcp".into()],
        }
    }

    fn public() -> Zone {
        Zone::parse(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone><service name=\"ssh\"/></zone>",
        )
        .unwrap()
    }

    fn state(daemon: bool) -> State {
        State {
            name: "public".into(),
            daemon,
            builtin: true,
            perm: Some(public()),
            perm_path: daemon.then(|| "/org/fedoraproject/FirewallD1/config/zone/0".into()),
            origin: offline::Origin::Builtin,
            etc_text: None,
            conf: Some("DefaultZone=public\n".into()),
            perm_default: "public".into(),
            runtime: daemon.then(public),
            rt_default: daemon.then(|| "public".into()),
            version: daemon.then(|| "1.3.3".into()),
            default_reloads: false,
        }
    }

    fn plan_of(s: &State, a: serde_json::Value) -> Result<Plan> {
        let a = args(a);
        plan(s, &a, &crate::request(&a), &known())
    }

    #[test]
    fn one_plan_for_both_back_ends() {
        let a = json!({"name": "public", "ports": ["2222/tcp"]});
        let on = plan_of(&state(true), a.clone()).unwrap();
        assert_eq!(on.perm_keys, vec!["ports"]);
        assert_eq!(on.rt_keys, vec!["ports"]);
        assert!(on.writes_perm(true) && on.changed(&state(true)));
        let off = plan_of(&state(false), a).unwrap();
        assert!(off.perm_differs && off.writes_perm(false));
        assert!(off.rt_keys.is_empty() && off.rt_after.is_none());
        assert_eq!(
            off.perm_after, on.perm_after,
            "the same permanent end state"
        );
        // nothing to do
        let same = plan_of(&state(true), json!({"name": "public", "services": ["ssh"]})).unwrap();
        assert!(!same.changed(&state(true)));
    }

    #[test]
    fn default_switch_runtime_or_file() {
        let mut s = state(true);
        s.name = "drop".into();
        s.runtime = Some(Zone::default());
        let p = plan_of(&s, json!({"name": "drop", "default": true})).unwrap();
        assert!(p.set_rt_default && p.new_conf.is_none());
        assert_eq!(p.perm_default_after(&s), "drop");
        let mut s = state(false);
        s.name = "drop".into();
        let p = plan_of(&s, json!({"name": "drop", "default": true})).unwrap();
        assert!(!p.set_rt_default);
        assert_eq!(p.new_conf.as_deref(), Some("DefaultZone=drop\n"));
    }

    #[test]
    fn firewalld_2_reloads_to_change_the_default_zone() {
        let mut s = state(true);
        s.name = "drop".into();
        s.perm = Some(Zone::default());
        s.runtime = Some(Zone::default());
        s.version = Some("2.3.1".into());
        s.default_reloads = true;
        let a = json!({"name": "drop", "default": true, "target": "DROP", "ports": ["2222/tcp"]});
        let p = plan_of(&s, a.clone()).unwrap();
        // the reload applies the whole permanent zone, the target included: nothing pending
        assert!(p.set_rt_default && p.reload);
        assert!(p.rt_pending.is_empty());
        assert_eq!(p.rt_after, p.perm_after);
        assert!(p.rt_keys.contains(&"target") && p.rt_keys.contains(&"ports"));
        // firewalld 1.x: only the default changes; the target waits for a reload
        s.version = Some("1.3.3".into());
        s.default_reloads = false;
        let p = plan_of(&s, a.clone()).unwrap();
        assert!(p.set_rt_default && !p.reload);
        assert_eq!(p.rt_pending, vec!["target"]);
        // runtime-only changes and a reload contradict each other: refused
        s.version = Some("2.0.0".into());
        s.default_reloads = true;
        let mut ro = a;
        ro["permanent"] = json!(false);
        let e = plan_of(&s, ro).unwrap_err();
        assert!(e.to_string().contains("by reloading"), "{e}");
        // no default change: no reload, on 2.x as on 1.x
        let p = plan_of(&s, json!({"name": "drop", "target": "DROP"})).unwrap();
        assert!(!p.reload && p.rt_pending == vec!["target"]);
    }

    #[test]
    fn which_versions_reload() {
        use crate::online::default_change_reloads as r;
        assert!(!r("0.9.3") && !r("1.3.3") && !r("1.0.0"));
        assert!(r("2.0.0") && r("2.3.1") && r("10.1"));
        assert!(r("unknown"), "unreadable: the cautious reading");
    }

    #[test]
    fn absent_refusals_and_removal() {
        let e = plan_of(&state(false), json!({"name": "public", "state": "absent"})).unwrap_err();
        assert!(e.to_string().contains("built in"));
        let mut s = state(false);
        s.builtin = false;
        s.name = "web".into();
        s.etc_text = Some("<zone/>".into());
        s.origin = offline::Origin::Etc;
        let p = plan_of(&s, json!({"name": "web", "state": "absent"})).unwrap();
        assert!(p.remove && p.perm_after.is_none() && p.changed(&s));
        let e = plan_of(&state(false), json!({"name": "web", "permanent": false})).unwrap_err();
        assert!(e.to_string().contains("not running"));
    }
}
