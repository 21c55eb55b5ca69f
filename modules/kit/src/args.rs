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
    /// The value is file content: line feeds and tabs are allowed (see [`check_text`]).
    pub multiline: bool,
    /// Inclusive bounds of an integer.
    pub range: Option<(i64, i64)>,
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
            multiline: false,
            range: None,
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
    /// Multi-line text (file content): `\n` and `\t` are allowed, up to [`MAX_TEXT`] bytes.
    pub const fn multiline(mut self) -> Self {
        self.multiline = true;
        self
    }
    /// An integer from `min` to `max` (inclusive).
    pub const fn range(mut self, min: i64, max: i64) -> Self {
        self.range = Some((min, max));
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
                .take(20)
                .map(|k| format!("{prefix}{}", clip(k)))
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
        Value::String(s) => format!("'{}'", clip(s)),
        other => clip(&other.to_string()),
    }
}

/// Most characters of a value echoed in a message: a huge value must not make a huge result.
pub const ECHO_MAX: usize = 80;

/// `s` as it may be echoed in a message: at most [`ECHO_MAX`] characters, control characters
/// escaped (a message is read on a terminal), and the full length said when cut.
pub fn clip(s: &str) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == ECHO_MAX {
            out.push_str(&format!("… ({} bytes in all)", s.len()));
            break;
        }
        if forbidden(c, false).is_some() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Longest single-line string value: PATH_MAX, far beyond any name, address or rule.
pub const MAX_LINE: usize = 4096;
/// Longest multi-line value (file content).
pub const MAX_TEXT: usize = 1 << 20;
/// Most items in one list.
pub const MAX_ITEMS: usize = 10_000;

/// Why `c` may not appear in a value written to a configuration file, if it may not.
///
/// Every value ends up in a file that another program reads: zone XML, fapolicyd rules and trust
/// lists, crypto-policy definitions, key=value configs. Refused are the characters that XML 1.0
/// forbids (C0 controls, U+FFFE/U+FFFF), those a reader takes as the end of a line or of a C
/// string (NUL, CR, VT, FF, the C1 controls with NEL, U+2028/U+2029 — Python's `splitlines`
/// splits at all of them), the other noncharacters, and the format characters that make a human
/// read a line in another order than the program does (bidirectional overrides and isolates).
/// Tab and line feed are allowed only in multi-line content.
pub fn forbidden(c: char, multiline: bool) -> Option<&'static str> {
    let u = c as u32;
    match c {
        '\n' | '\t' if multiline => None,
        '\0' => Some("a NUL character"),
        '\n' => Some("a line break"),
        '\r' => Some("a carriage return (read as a line break)"),
        '\t' => Some("a tab"),
        _ if u < 0x20 => Some("a control character"),
        _ if (0x7f..=0x9f).contains(&u) => Some("a control character"),
        '\u{2028}' | '\u{2029}' => Some("a Unicode line or paragraph separator"),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            Some("a bidirectional override (text reads in another order than it is parsed)")
        }
        _ if (0xfdd0..=0xfdef).contains(&u) || u & 0xfffe == 0xfffe => {
            Some("a Unicode noncharacter")
        }
        _ => None,
    }
}

/// Refuse a string value that a configuration file cannot carry: see [`forbidden`]; also longer
/// than [`MAX_LINE`] bytes (single-line) or [`MAX_TEXT`] (multi-line). `name` is the parameter.
pub fn check_text(name: &str, s: &str, multiline: bool) -> Result<()> {
    let max = if multiline { MAX_TEXT } else { MAX_LINE };
    if s.len() > max {
        return Err(Error::invalid(format!(
            "{name} is {} bytes long; at most {max} are accepted",
            s.len()
        )));
    }
    if let Some((i, c, why)) = s
        .chars()
        .enumerate()
        .find_map(|(i, c)| forbidden(c, multiline).map(|w| (i, c, w)))
    {
        return Err(Error::invalid(format!(
            "{name} contains {why} (U+{:04X}) at character {}: no configuration file can carry \
             it safely, got '{}'",
            c as u32,
            i + 1,
            clip(s)
        )));
    }
    Ok(())
}

/// An absolute path in canonical spelling: `//` and `/./` collapsed, no trailing `/`. A `..`
/// component is refused: on a symbolic link it means something else than it seems, and no
/// consumer (fapolicyd's trust list, a config path) matches the spelling.
pub fn canonical_path(name: &str, s: &str) -> Result<String> {
    if !s.starts_with('/') {
        return Err(Error::invalid(format!(
            "{name} must be an absolute path, got '{}'",
            clip(s)
        )));
    }
    let mut out = String::new();
    for comp in s.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                return Err(Error::invalid(format!(
                    "{name} must not contain '..' components, got '{}': name the path itself",
                    clip(s)
                )))
            }
            c => {
                out.push('/');
                out.push_str(c);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    if out.len() >= 4096 {
        return Err(Error::invalid(format!(
            "{name} is {} bytes long; a path has at most 4095 (PATH_MAX)",
            out.len()
        )));
    }
    Ok(out)
}

/// Check every string of a free-form value (keys too), single-line.
fn check_tree(name: &str, v: &Value, depth: usize) -> Result<()> {
    if depth > 32 {
        return Err(Error::invalid(format!("{name} is nested too deeply")));
    }
    match v {
        Value::String(s) => check_text(name, s, false),
        Value::Array(a) => {
            if a.len() > MAX_ITEMS {
                return Err(Error::invalid(format!(
                    "{name} has {} items; at most {MAX_ITEMS} are accepted",
                    a.len()
                )));
            }
            a.iter()
                .enumerate()
                .try_for_each(|(i, x)| check_tree(&format!("{name}[{i}]"), x, depth + 1))
        }
        Value::Object(o) => {
            if o.len() > MAX_ITEMS {
                return Err(Error::invalid(format!(
                    "{name} has {} keys; at most {MAX_ITEMS} are accepted",
                    o.len()
                )));
            }
            o.iter().try_for_each(|(k, x)| {
                check_text(&format!("a key of {name}"), k, false)?;
                check_tree(&format!("{name}.{}", clip(k)), x, depth + 1)
            })
        }
        _ => Ok(()),
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

/// A no_log parameter's error must not carry its value.
fn hide(p: &Param, name: &str, e: Error) -> Error {
    if p.no_log {
        Error::invalid(format!("{name} is not valid (value hidden: no_log)"))
    } else {
        e
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
            Value::String(s) => {
                check_text(name, s, p.multiline).map_err(|e| hide(p, name, e))?;
                Ok(v.clone())
            }
            // `mode: 0644`-style YAML numbers are meant as text.
            Value::Number(n) => Ok(Value::String(n.to_string())),
            _ => Err(wrong()),
        },
        Kind::Path => match v {
            Value::String(s) => {
                check_text(name, s, false).map_err(|e| hide(p, name, e))?;
                canonical_path(name, s)
                    .map(Value::String)
                    .map_err(|e| hide(p, name, e))
            }
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
        }
        .and_then(|n| match (p.range, n.as_i64()) {
            (Some((lo, hi)), Some(x)) if x < lo || x > hi => Err(Error::invalid(format!(
                "{name} must be from {lo} to {hi}, got {x}"
            ))),
            _ => Ok(n),
        }),
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
            if items.len() > MAX_ITEMS {
                return Err(Error::invalid(format!(
                    "{name} has {} items; at most {MAX_ITEMS} are accepted",
                    items.len()
                )));
            }
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
        }
        .and_then(|m| {
            check_tree(name, &m, 0).map_err(|e| hide(p, name, e))?;
            Ok(m)
        }),
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
            x.as_str().map(clip).unwrap_or_else(|| clip(&x.to_string()))
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
    fn characters_no_config_file_can_carry_are_refused_naming_the_parameter() {
        for bad in [
            "a\u{1}b",
            "a\0b",
            "a\u{1b}[31m",
            "a\u{b}b",
            "a\u{c}b",
            "a\rb",
            "a\nb",
            "a\tb",
            "a\u{85}b",
            "a\u{7f}",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{fffe}",
            "a\u{ffff}",
            "a\u{1fffe}",
            "a\u{fdd0}",
            "a\u{202e}b",
            "a\u{2066}b",
        ] {
            let e = err(json!({"state": "enforcing", "items": ["ok", bad]}));
            assert!(e.starts_with("items[1] contains "), "{bad:?}: {e}");
            // the message shows the value escaped, never the raw character
            assert!(!e.contains(bad), "{e}");
            let e = err(json!({"state": "enforcing", "configfile": format!("/etc/{bad}")}));
            assert!(e.starts_with("configfile contains "), "{e}");
        }
        for good in ["plain", "ünïcödé ✓", "a'b\"c", "日本", "a\u{a0}b"] {
            assert!(
                run(json!({"state": "enforcing", "items": [good]})).is_ok(),
                "{good}"
            );
        }
        // free-form dicts: keys and values, nested
        const M: &[Param] = &[Param::new("m", Kind::Map)];
        let e = validate(
            "t",
            M,
            json!({"m": {"k": ["x", "a\nb"]}}).as_object().unwrap(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("m.k[1] contains a line break"), "{e}");
        let e = validate("t", M, json!({"m": {"k\u{0}": 1}}).as_object().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("a key of m contains a NUL"), "{e}");
    }

    #[test]
    fn multiline_text_allows_lf_and_tab_only() {
        const T: &[Param] = &[Param::new("content", Kind::Str).multiline()];
        let v = |c: &str| validate("t", T, json!({ "content": c }).as_object().unwrap());
        assert!(v("a = b\n\tc = d\n").is_ok());
        for bad in [
            "a = b\rcipher = NULL",
            "a\u{b}b",
            "a\u{c}",
            "a\u{1c}",
            "a\u{85}",
            "a\u{2028}",
        ] {
            assert!(v(bad).is_err(), "{bad:?}");
        }
        assert!(v(&"x".repeat(MAX_TEXT + 1)).is_err());
        assert!(v(&"x".repeat(MAX_LINE + 1)).is_ok());
    }

    #[test]
    fn lengths_and_ranges() {
        let e = err(json!({"state": "enforcing", "items": ["x".repeat(MAX_LINE + 1)]}));
        assert!(e.contains("bytes long"), "{e}");
        let many: Vec<String> = (0..=MAX_ITEMS).map(|i| i.to_string()).collect();
        assert!(err(json!({"state": "enforcing", "items": many})).contains("items"));
        const R: &[Param] = &[Param::new("n", Kind::Int).range(1, 10)];
        let v = |n: Value| validate("t", R, json!({ "n": n }).as_object().unwrap());
        assert!(v(json!(1)).is_ok() && v(json!("10")).is_ok());
        assert_eq!(
            v(json!(0)).unwrap_err().to_string(),
            "n must be from 1 to 10, got 0"
        );
        assert!(v(json!(i64::MAX)).is_err());
    }

    #[test]
    fn echoed_values_are_cut() {
        let e = err(json!({"state": "v".repeat(1 << 20)}));
        assert!(e.len() < 400, "{}", e.len());
        let e = err(json!({"state": "v".repeat(4000)}));
        assert!(e.len() < 400, "{}", e.len());
        assert!(e.contains("(4000 bytes in all)"), "{e}");
        let e = err(json!({"state": "enforcing", "backup": ["x".repeat(1 << 20)]}));
        assert!(e.len() < 400, "{}", e.len());
        let mut o = serde_json::Map::new();
        o.insert("k".repeat(1 << 20), json!(1));
        o.insert("state".into(), json!("enforcing"));
        let e = validate("t", SPEC, &o).unwrap_err().to_string();
        assert!(e.len() < 1000, "{}", e.len());
    }

    #[test]
    fn paths_are_canonical() {
        let p = |s: &str| run(json!({"state": "enforcing", "configfile": s}));
        assert_eq!(
            p("//etc//selinux/./config/").unwrap()["configfile"],
            "/etc/selinux/config"
        );
        assert_eq!(p("/").unwrap()["configfile"], "/");
        for bad in ["/../../etc/passwd", "/etc/selinux/../passwd", "/a/.."] {
            let e = p(bad).unwrap_err().to_string();
            assert!(e.contains("'..'"), "{bad}: {e}");
        }
        assert!(p(&format!("/{}", "a/".repeat(2100))).is_err());
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
