//! Drift-ignore rules (`spec.ignore` of a Kustomization; `fluxcd/pkg: ssa/jsondiff`,
//! `hasDriftedWithIgnore`, `computeDriftedPaths`).
//!
//! A rule is a list of RFC 6901 JSON pointers and an optional target selector: `group`,
//! `version`, `kind`, `name`, `namespace` are anchored regular expressions, `labelSelector`
//! and `annotationSelector` use the label-selector syntax. Ignored paths are removed from
//! both the live object and the dry-run result before the drift comparison. When an
//! ignored path did drift, the applied payload is fixed so the apply does not undo it:
//! the field is dropped when another Apply manager owns it, else the live value is
//! adopted.

use regex_lite::Regex;
use serde_json::{Map, Value};

use crate::api::kustomize::{IgnoreRule, Selector};

use super::drift;

/// Why a rule could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IgnoreError {
    /// A selector field is not a valid regular expression.
    #[error("failed to create ignore rule selector: invalid {field} regex '{pattern}': {reason}")]
    Regex {
        /// `group`, `version`, `kind`, `name` or `namespace`.
        field: &'static str,
        /// The pattern.
        pattern: String,
        /// The parser's message.
        reason: String,
    },
    /// A label or annotation selector does not parse.
    #[error("failed to create ignore rule selector: invalid {field} selector '{selector}'")]
    Selector {
        /// `label` or `annotation`.
        field: &'static str,
        /// The selector.
        selector: String,
    },
}

#[derive(Clone, Debug)]
enum Requirement {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

fn parse_selector(s: &str, field: &'static str) -> Result<Vec<Requirement>, IgnoreError> {
    let err = || IgnoreError::Selector {
        field,
        selector: s.to_string(),
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    let set = |v: &str| -> Result<Vec<String>, IgnoreError> {
        let inner = v
            .trim()
            .strip_prefix('(')
            .and_then(|v| v.strip_suffix(')'))
            .ok_or_else(err)?;
        Ok(inner.split(',').map(|x| x.trim().to_string()).collect())
    };
    let mut reqs = Vec::new();
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let r = if let Some((k, v)) = p.split_once("!=") {
            Requirement::NotEq(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
            Requirement::Eq(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = p.split_once(" notin ") {
            Requirement::NotIn(k.trim().into(), set(v)?)
        } else if let Some((k, v)) = p.split_once(" in ") {
            Requirement::In(k.trim().into(), set(v)?)
        } else if let Some(k) = p.strip_prefix('!') {
            Requirement::NotExists(k.trim().into())
        } else if p.contains(char::is_whitespace) {
            return Err(err());
        } else {
            Requirement::Exists(p.into())
        };
        reqs.push(r);
    }
    Ok(reqs)
}

fn selector_matches(reqs: &[Requirement], map: Option<&Map<String, Value>>) -> bool {
    let get = |k: &str| map.and_then(|m| m.get(k)).and_then(Value::as_str);
    reqs.iter().all(|r| match r {
        Requirement::Eq(k, v) => get(k) == Some(v.as_str()),
        Requirement::NotEq(k, v) => get(k) != Some(v.as_str()),
        Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        Requirement::NotIn(k, vs) => get(k).is_none_or(|x| vs.iter().all(|v| v != x)),
        Requirement::Exists(k) => get(k).is_some(),
        Requirement::NotExists(k) => get(k).is_none(),
    })
}

#[derive(Clone, Debug)]
struct CompiledSelector {
    fields: Vec<(&'static str, Regex)>,
    labels: Option<Vec<Requirement>>,
    annotations: Option<Vec<Requirement>>,
}

impl CompiledSelector {
    fn compile(s: &Selector) -> Result<Self, IgnoreError> {
        let mut fields = Vec::new();
        for (field, pattern) in [
            ("group", &s.group),
            ("version", &s.version),
            ("kind", &s.kind),
            ("name", &s.name),
            ("namespace", &s.namespace),
        ] {
            if let Some(p) = pattern.as_deref().filter(|p| !p.is_empty()) {
                let re = Regex::new(&format!("^(?:{p})$")).map_err(|e| IgnoreError::Regex {
                    field,
                    pattern: p.to_string(),
                    reason: e.to_string(),
                })?;
                fields.push((field, re));
            }
        }
        let sel = |v: &Option<String>, f| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| parse_selector(v, f))
                .transpose()
        };
        Ok(CompiledSelector {
            fields,
            labels: sel(&s.label_selector, "label")?,
            annotations: sel(&s.annotation_selector, "annotation")?,
        })
    }

    fn matches(&self, obj: &Value) -> bool {
        let s = |p: &str| obj.pointer(p).and_then(Value::as_str).unwrap_or("");
        let api_version = s("/apiVersion");
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let value_of = |field: &str| match field {
            "group" => group,
            "version" => version,
            "kind" => s("/kind"),
            "name" => s("/metadata/name"),
            _ => s("/metadata/namespace"),
        };
        let map = |f: &str| {
            obj.pointer(&format!("/metadata/{f}"))
                .and_then(Value::as_object)
        };
        self.fields.iter().all(|(f, re)| re.is_match(value_of(f)))
            && self
                .labels
                .as_ref()
                .is_none_or(|r| selector_matches(r, map("labels")))
            && self
                .annotations
                .as_ref()
                .is_none_or(|r| selector_matches(r, map("annotations")))
    }
}

/// Compiled drift-ignore rules.
#[derive(Clone, Debug, Default)]
pub struct IgnoreRules(Vec<(Option<CompiledSelector>, Vec<String>)>);

/// What to do with a drifted ignored path in the applied payload.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// Drop the field from the payload (another Apply manager owns it).
    Strip(String),
    /// Send the live value (we are its only Apply owner); `None` when it is absent live.
    Adopt(String, Option<Value>),
}

impl IgnoreRules {
    /// Compiles the rules of `spec.ignore`.
    pub fn compile(rules: &[IgnoreRule]) -> Result<Self, IgnoreError> {
        let compiled = rules
            .iter()
            .map(|r| {
                Ok((
                    r.target
                        .as_ref()
                        .map(CompiledSelector::compile)
                        .transpose()?,
                    r.paths.clone(),
                ))
            })
            .collect::<Result<Vec<_>, IgnoreError>>()?;
        Ok(IgnoreRules(compiled))
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The ignored paths of the rules whose selector matches `obj`.
    pub fn paths_for(&self, obj: &Value) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(s, _)| s.as_ref().is_none_or(|s| s.matches(obj)))
            .flat_map(|(_, p)| p.iter().map(String::as_str))
            .collect()
    }

    /// [`drift::has_drifted`] with the ignored paths (selected on `dry_run`) removed
    /// from both sides.
    pub fn has_drifted(&self, live: &Value, dry_run: &Value) -> bool {
        let paths = self.paths_for(dry_run);
        if paths.is_empty() {
            return drift::has_drifted(live, dry_run);
        }
        let (mut l, mut d) = (live.clone(), dry_run.clone());
        remove_paths(&mut l, &paths);
        remove_paths(&mut d, &paths);
        drift::has_drifted(&l, &d)
    }

    /// The resolutions of the ignored paths whose values differ between `live` and
    /// `dry_run`; `field_manager` is ours.
    pub fn drifted_paths(
        &self,
        live: &Value,
        dry_run: &Value,
        field_manager: &str,
    ) -> Vec<Resolution> {
        let mut out = Vec::new();
        for path in self.paths_for(dry_run) {
            let (l, d) = (live.pointer(path), dry_run.pointer(path));
            if l == d {
                continue;
            }
            if owned_by_other_applier(live, path, field_manager) {
                out.push(Resolution::Strip(path.to_string()));
            } else {
                out.push(Resolution::Adopt(path.to_string(), l.cloned()));
            }
        }
        out
    }
}

/// Applies resolutions to the payload.
pub fn resolve(payload: &mut Value, resolutions: &[Resolution]) {
    for r in resolutions {
        match r {
            Resolution::Strip(p) | Resolution::Adopt(p, None) => {
                remove_paths(payload, &[p.as_str()])
            }
            Resolution::Adopt(p, Some(v)) => {
                if let Some(slot) = payload.pointer_mut(p) {
                    *slot = v.clone();
                }
            }
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

/// Removes JSON pointers (missing ones are ignored; `""` empties the document).
pub fn remove_paths(obj: &mut Value, paths: &[&str]) {
    for p in paths {
        if p.is_empty() {
            *obj = Value::Null;
            continue;
        }
        let Some((parent, last)) = p.rsplit_once('/') else {
            continue;
        };
        let last = unescape(last);
        match obj.pointer_mut(parent) {
            Some(Value::Object(m)) => {
                m.shift_remove(&last);
            }
            Some(Value::Array(a)) => {
                if let Ok(i) = last.parse::<usize>()
                    && i < a.len()
                {
                    a.remove(i);
                }
            }
            _ => {}
        }
    }
}

/// Whether an Apply manager other than ours owns the field at `pointer` of `obj`.
fn owned_by_other_applier(obj: &Value, pointer: &str, field_manager: &str) -> bool {
    let appliers: Vec<(&str, &Value)> = obj
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("operation").and_then(Value::as_str) == Some("Apply"))
        .filter(|e| {
            e.get("subresource")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        })
        .filter_map(|e| Some((e.get("manager")?.as_str()?, e.get("fieldsV1")?)))
        .collect();
    let mut segments: Vec<String> = Vec::new();
    let mut cur = Some(obj);
    for raw in pointer.trim_start_matches('/').split('/').map(unescape) {
        let node = cur;
        cur = node.and_then(|n| match n {
            Value::Array(a) => raw.parse::<usize>().ok().and_then(|i| a.get(i)),
            other => other.get(&raw),
        });
        if let (Some(Value::Array(_)), Ok(_)) = (node, raw.parse::<usize>()) {
            let Some(item) = cur.and_then(Value::as_object) else {
                return false;
            };
            let key = appliers.iter().find_map(|(_, f)| {
                let parent = segments.iter().try_fold(*f, |n, s| n.get(s))?;
                parent.as_object()?.keys().find(|k| {
                    k.strip_prefix("k:")
                        .and_then(|j| serde_json::from_str::<Map<String, Value>>(j).ok())
                        .is_some_and(|kv| kv.iter().all(|(k, v)| item.get(k) == Some(v)))
                })
            });
            let Some(key) = key else { return false };
            segments.push(key.clone());
        } else {
            segments.push(format!("f:{raw}"));
        }
    }
    appliers
        .iter()
        .filter(|(m, _)| *m != field_manager)
        .any(|(_, f)| segments.iter().try_fold(*f, |n, s| n.get(s)).is_some())
}
