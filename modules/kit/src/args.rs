//! Parameter declarations and validation, in the spirit of Ansible's `argument_spec`.
//!
//! The controller applies no defaults, aliases or type coercion to a binary module's arguments
//! (platform-internals §A), so this is where all of it happens:
//!
//! * unknown task parameters are rejected; any `_ansible_*` key is accepted and ignored;
//! * aliases map onto the canonical name (giving both is an error);
//! * strings from ad-hoc `-a "k=v"` are coerced: booleans (`yes`, `on`, `1`, `true`, …), integers,
//!   comma-separated lists;
//! * `choices`, `required` and defaults are enforced;
//! * nested dicts (`Kind::Dict`) are validated against their own specs, with the path named in errors.
//!
//! The result is a normalised JSON object keyed by canonical names, holding every declared
//! parameter (`null` where unset and without default), ready for `serde_json::from_value`.

use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// The type of a parameter.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Str,
    Bool,
    Int,
    /// A string holding an absolute path.
    Path,
    /// A list; a string is split at commas, as Ansible does for `type: list`.
    List(&'static Kind),
    /// A dict with its own parameter spec (Ansible's `options`).
    Dict(&'static [Param]),
    /// A free-form dict whose keys the module validates itself.
    Map,
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Str => "a string".into(),
            Kind::Bool => "a boolean".into(),
            Kind::Int => "an integer".into(),
            Kind::Path => "an absolute path".into(),
            Kind::List(k) => format!("a list of {}s", k.noun()),
            Kind::Dict(_) | Kind::Map => "a dict".into(),
        }
    }

    fn noun(&self) -> &'static str {
        match self {
            Kind::Str => "string",
            Kind::Bool => "boolean",
            Kind::Int => "integer",
            Kind::Path => "path",
            Kind::List(_) => "list",
            Kind::Dict(_) | Kind::Map => "dict",
        }
    }
}

/// A default value (const-constructible).
#[derive(Clone, Copy, Debug)]
pub enum Default {
    Str(&'static str),
    Bool(bool),
    Int(i64),
    EmptyList,
}

impl Default {
    fn to_value(self) -> Value {
        match self {
            Default::Str(s) => Value::String(s.into()),
            Default::Bool(b) => Value::Bool(b),
            Default::Int(i) => Value::from(i),
            Default::EmptyList => Value::Array(Vec::new()),
        }
    }
}

/// One declared parameter. Built with const builder methods:
/// `Param::new("state", Kind::Str).required().choices(&["a", "b"])`.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub default: Option<Default>,
    pub choices: &'static [&'static str],
    pub aliases: &'static [&'static str],
    /// Never echo the value (in errors or in `invocation`).
    pub no_log: bool,
}

impl Param {
    pub const fn new(name: &'static str, kind: Kind) -> Self {
        Param {
            name,
            kind,
            required: false,
            default: None,
            choices: &[],
            aliases: &[],
            no_log: false,
        }
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn default(mut self, d: Default) -> Self {
        self.default = Some(d);
        self
    }
    pub const fn choices(mut self, c: &'static [&'static str]) -> Self {
        self.choices = c;
        self
    }
    pub const fn aliases(mut self, a: &'static [&'static str]) -> Self {
        self.aliases = a;
        self
    }
    pub const fn no_log(mut self) -> Self {
        self.no_log = true;
        self
    }

    fn answers_to(&self, key: &str) -> bool {
        self.name == key || self.aliases.contains(&key)
    }
}

/// Keys Ansible adds to every module's arguments; new releases add more, so all are accepted.
pub fn is_internal_key(key: &str) -> bool {
    key.starts_with("_ansible_")
}

/// Validate `raw` against `spec`. `module` names the module in messages (e.g. `hardening.rhel.selinux`).
pub fn validate(
    module: &str,
    spec: &[Param],
    raw: &Map<String, Value>,
) -> Result<Map<String, Value>> {
    validate_at(module, "", spec, raw, true)
}

fn validate_at(
    module: &str,
    prefix: &str,
    spec: &[Param],
    raw: &Map<String, Value>,
    top: bool,
) -> Result<Map<String, Value>> {
    // Unknown keys first: a typo must not silently fall back to a default.
    let mut unknown: Vec<&str> = raw
        .keys()
        .map(String::as_str)
        .filter(|k| !(top && is_internal_key(k)))
        .filter(|k| !spec.iter().any(|p| p.answers_to(k)))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        let mut supported: Vec<String> = spec
            .iter()
            .flat_map(|p| std::iter::once(p.name).chain(p.aliases.iter().copied()))
            .map(String::from)
            .collect();
        supported.sort();
        let scope = if top {
            format!("({module}) module")
        } else {
            format!("{} of ({module}) module", prefix.trim_end_matches('.'))
        };
        return Err(Error::invalid(format!(
            "Unsupported parameters for {scope}: {}. Supported parameters include: {}.",
            unknown
                .iter()
                .map(|k| format!("{prefix}{k}"))
                .collect::<Vec<_>>()
                .join(", "),
            supported.join(", ")
        )));
    }

    let mut out = Map::new();
    let mut missing = Vec::new();
    for p in spec {
        let given: Vec<&str> = std::iter::once(p.name)
            .chain(p.aliases.iter().copied())
            .filter(|k| raw.get(*k).is_some_and(|v| !v.is_null()))
            .collect();
        if given.len() > 1 {
            return Err(Error::invalid(format!(
                "parameters are aliases of each other and only one may be given: {}",
                given
                    .iter()
                    .map(|k| format!("{prefix}{k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let name = format!("{prefix}{}", p.name);
        let value = match given.first() {
            Some(key) => {
                let v = coerce(module, &name, p, &p.kind, &raw[*key])?;
                check_choices(&name, p, &v)?;
                v
            }
            None if p.required => {
                missing.push(name);
                continue;
            }
            None => p.default.map(Default::to_value).unwrap_or(Value::Null),
        };
        out.insert(p.name.to_string(), value);
    }
    if !missing.is_empty() {
        return Err(Error::invalid(format!(
            "missing required arguments: {}",
            missing.join(", ")
        )));
    }
    Ok(out)
}

fn shown(p: &Param, v: &Value) -> String {
    if p.no_log {
        return "(value hidden: no_log)".into();
    }
    match v {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a dict",
    }
}

/// Ansible's boolean spellings (module_utils.parsing.convert_bool), case-insensitive for strings.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "on" | "1" | "true" | "t" | "1.0" => Some(true),
        "n" | "no" | "off" | "0" | "false" | "f" | "0.0" => Some(false),
        _ => None,
    }
}

fn coerce(module: &str, name: &str, p: &Param, kind: &Kind, v: &Value) -> Result<Value> {
    let wrong = || {
        Error::invalid(format!(
            "{name} must be {}, got {} {}",
            kind.describe(),
            type_name(v),
            shown(p, v)
        ))
    };
    match kind {
        Kind::Str => match v {
            Value::String(_) => Ok(v.clone()),
            // `mode: 0644`-style YAML numbers are meant as text.
            Value::Number(n) => Ok(Value::String(n.to_string())),
            _ => Err(wrong()),
        },
        Kind::Path => match v {
            Value::String(s) if s.starts_with('/') && !s.contains('\0') => Ok(v.clone()),
            Value::String(s) => Err(Error::invalid(format!(
                "{name} must be an absolute path, got {}",
                shown(p, &Value::String(s.clone()))
            ))),
            _ => Err(wrong()),
        },
        Kind::Bool => match v {
            Value::Bool(_) => Ok(v.clone()),
            Value::String(s) => parse_bool(s).map(Value::Bool).ok_or_else(|| {
                Error::invalid(format!(
                    "{name} must be a boolean (yes/no, true/false, on/off, 1/0), got {}",
                    shown(p, v)
                ))
            }),
            Value::Number(n) => match n.as_f64() {
                Some(1.0) => Ok(Value::Bool(true)),
                Some(0.0) => Ok(Value::Bool(false)),
                _ => Err(wrong()),
            },
            _ => Err(wrong()),
        },
        Kind::Int => match v {
            Value::Number(n) if n.is_i64() => Ok(v.clone()),
            Value::Number(n) => match n.as_f64() {
                Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Ok(Value::from(x as i64)),
                _ => Err(wrong()),
            },
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| wrong()),
            _ => Err(wrong()),
        },
        Kind::List(elem) => {
            let items: Vec<Value> = match v {
                Value::Array(a) => a.clone(),
                Value::String(s) if s.trim().is_empty() => Vec::new(),
                Value::String(s) if !matches!(elem, Kind::Dict(_)) => s
                    .split(',')
                    .map(|x| Value::String(x.trim().to_string()))
                    .collect(),
                _ => return Err(wrong()),
            };
            items
                .iter()
                .enumerate()
                .map(|(i, item)| coerce(module, &format!("{name}[{i}]"), p, elem, item))
                .collect::<Result<Vec<_>>>()
                .map(Value::Array)
        }
        Kind::Map => match v {
            Value::Object(_) => Ok(v.clone()),
            Value::String(s) if s.trim_start().starts_with('{') => {
                match serde_json::from_str::<Value>(s) {
                    Ok(o @ Value::Object(_)) => Ok(o),
                    _ => Err(wrong()),
                }
            }
            _ => Err(wrong()),
        },
        Kind::Dict(sub) => {
            let obj = match v {
                Value::Object(o) => o.clone(),
                // ad-hoc `-a` can only pass text: accept a JSON object in a string.
                Value::String(s) if s.trim_start().starts_with('{') => {
                    match serde_json::from_str::<Value>(s) {
                        Ok(Value::Object(o)) => o,
                        _ => return Err(wrong()),
                    }
                }
                _ => return Err(wrong()),
            };
            validate_at(module, &format!("{name}."), sub, &obj, false).map(Value::Object)
        }
    }
}

fn check_choices(name: &str, p: &Param, v: &Value) -> Result<()> {
    if p.choices.is_empty() {
        return Ok(());
    }
    let bad: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
    .into_iter()
    .filter(|x| !x.as_str().is_some_and(|s| p.choices.contains(&s)))
    .collect();
    match bad.first() {
        None => Ok(()),
        Some(x) => Err(Error::invalid(format!(
            "value of {name} must be one of: {}, got: {}",
            p.choices.join(", "),
            x.as_str()
                .map(String::from)
                .unwrap_or_else(|| x.to_string())
        ))),
    }
}

/// The task's arguments with `no_log` values masked, for the `invocation` key of the result.
pub fn masked(spec: &[Param], args: &Map<String, Value>) -> Map<String, Value> {
    args.iter()
        .map(|(k, v)| {
            let hidden = spec.iter().any(|p| p.name == k && p.no_log) && !v.is_null();
            let v = if hidden {
                Value::String("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER".into())
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SUB: &[Param] = &[
        Param::new("name", Kind::Str).required(),
        Param::new("state", Kind::Str)
            .choices(&["present", "absent"])
            .default(Default::Str("present")),
    ];
    const SPEC: &[Param] = &[
        Param::new("state", Kind::Str)
            .required()
            .choices(&["enforcing", "permissive", "disabled"]),
        Param::new("configfile", Kind::Path)
            .aliases(&["conf"])
            .default(Default::Str("/etc/selinux/config")),
        Param::new("backup", Kind::Bool).default(Default::Bool(false)),
        Param::new("count", Kind::Int),
        Param::new("items", Kind::List(&Kind::Str)).default(Default::EmptyList),
        Param::new("defs", Kind::List(&Kind::Dict(SUB))),
        Param::new("secret", Kind::Str).no_log(),
    ];

    fn run(v: Value) -> Result<Map<String, Value>> {
        validate("hardening.rhel.test", SPEC, v.as_object().unwrap())
    }

    fn err(v: Value) -> String {
        run(v).unwrap_err().to_string()
    }

    #[test]
    fn defaults_and_canonical_names() {
        let out = run(json!({"state": "enforcing", "conf": "/tmp/c"})).unwrap();
        assert_eq!(out["configfile"], "/tmp/c");
        assert_eq!(out["backup"], false);
        assert_eq!(out["items"], json!([]));
        assert_eq!(out["count"], Value::Null);
        assert!(!out.contains_key("conf"));
    }

    #[test]
    fn internal_keys_accepted_unknown_rejected() {
        assert!(run(
            json!({"state": "enforcing", "_ansible_check_mode": true, "_ansible_future_key": 1})
        )
        .is_ok());
        let e = err(json!({"state": "enforcing", "stat": 1}));
        assert!(
            e.contains("Unsupported parameters for (hardening.rhel.test) module: stat"),
            "{e}"
        );
        assert!(e.contains("conf, configfile"), "{e}");
    }

    #[test]
    fn choices_message_names_parameter_and_values() {
        let e = err(json!({"state": "enforce"}));
        assert_eq!(
            e,
            "value of state must be one of: enforcing, permissive, disabled, got: enforce"
        );
    }

    #[test]
    fn required_missing() {
        assert_eq!(err(json!({})), "missing required arguments: state");
        // null counts as not given
        assert_eq!(
            err(json!({"state": null})),
            "missing required arguments: state"
        );
    }

    #[test]
    fn adhoc_string_coercion() {
        let out =
            run(json!({"state": "permissive", "backup": "YES", "count": "12", "items": "a, b,c"}))
                .unwrap();
        assert_eq!(out["backup"], true);
        assert_eq!(out["count"], 12);
        assert_eq!(out["items"], json!(["a", "b", "c"]));
        for (s, b) in [
            ("no", false),
            ("off", false),
            ("0", false),
            ("on", true),
            ("1", true),
            ("True", true),
        ] {
            assert_eq!(
                run(json!({"state": "permissive", "backup": s})).unwrap()["backup"],
                b,
                "{s}"
            );
        }
        assert_eq!(
            run(json!({"state": "permissive", "backup": 1})).unwrap()["backup"],
            true
        );
    }

    #[test]
    fn wrong_types() {
        assert_eq!(
            err(json!({"state": ["enforcing"]})),
            "state must be a string, got a list [\"enforcing\"]"
        );
        assert!(err(json!({"state": "enforcing", "backup": "maybe"}))
            .starts_with("backup must be a boolean"));
        assert!(err(json!({"state": "enforcing", "count": "x"}))
            .starts_with("count must be an integer"));
        assert!(err(json!({"state": "enforcing", "count": 1.5}))
            .starts_with("count must be an integer"));
        assert_eq!(
            err(json!({"state": "enforcing", "configfile": "etc/x"})),
            "configfile must be an absolute path, got 'etc/x'"
        );
        assert!(err(json!({"state": "enforcing", "items": {"a": 1}}))
            .starts_with("items must be a list of strings"));
    }

    #[test]
    fn alias_and_name_together_rejected() {
        let e = err(json!({"state": "enforcing", "conf": "/a", "configfile": "/b"}));
        assert!(e.contains("configfile, conf"), "{e}");
    }

    #[test]
    fn nested_dicts_validated_with_path() {
        let out = run(json!({"state": "enforcing", "defs": [{"name": "A"}]})).unwrap();
        assert_eq!(out["defs"], json!([{"name": "A", "state": "present"}]));
        let e = err(
            json!({"state": "enforcing", "defs": [{"name": "A"}, {"name": "B", "state": "gone"}]}),
        );
        assert_eq!(
            e,
            "value of defs[1].state must be one of: present, absent, got: gone"
        );
        let e = err(json!({"state": "enforcing", "defs": [{"nme": "A"}]}));
        assert!(
            e.starts_with(
                "Unsupported parameters for defs[0] of (hardening.rhel.test) module: defs[0].nme"
            ),
            "{e}"
        );
        // `_ansible_` keys are only special at the top level
        assert!(
            run(json!({"state": "enforcing", "defs": [{"name": "A", "_ansible_x": 1}]})).is_err()
        );
        let e = err(json!({"state": "enforcing", "defs": [{"state": "absent"}]}));
        assert_eq!(e, "missing required arguments: defs[0].name");
    }

    #[test]
    fn no_log_values_never_echoed() {
        let e = err(json!({"state": "enforcing", "secret": ["hunter2"]}));
        assert!(!e.contains("hunter2"), "{e}");
        let m = masked(
            SPEC,
            run(json!({"state": "enforcing", "secret": "hunter2"}))
                .as_ref()
                .unwrap(),
        );
        assert_eq!(m["secret"], "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER");
    }
}
