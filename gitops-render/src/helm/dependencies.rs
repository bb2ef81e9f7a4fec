//! Helm's dependency processing (`ProcessDependencies`): subcharts renamed by `alias`,
//! disabled by `condition` or `tags`, and `import-values` merged into the parent's
//! values. It works on a per-render [`Node`] tree, leaving the loaded [`Chart`] as is.

use gitops_gotmpl::{Map, Value};

use super::chart::{Chart, Dependency, Metadata};
use super::objects::{values_path_value as path_value, values_table};
use super::values::coalesce::{self, ChartValues};

/// A chart as one render sees it: metadata with dependency processing applied (aliases
/// as names, disabled subcharts gone), default values (with imports), subcharts.
#[derive(Clone, Debug)]
pub struct Node<'c> {
    /// The loaded chart (templates and files).
    pub chart: &'c Chart,
    /// The metadata; `name` is the alias when the parent gives one.
    pub metadata: Metadata,
    /// The chart's default values.
    pub values: Value,
    /// The enabled subcharts.
    pub dependencies: Vec<Node<'c>>,
}

/// Helm's `IsCompatibleRange`: whether `version` satisfies the semver range
/// `constraint` (false when either does not parse).
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Ok(c) = gitops_semver::Constraints::parse(constraint) else {
        return false;
    };
    gitops_semver::Version::parse(version).is_ok_and(|v| c.matches(&v))
}

impl<'c> Node<'c> {
    /// The tree of a loaded chart, before processing.
    pub fn new(chart: &'c Chart) -> Node<'c> {
        Node {
            chart,
            metadata: chart.metadata.clone(),
            values: Value::from_json(&chart.values),
            dependencies: chart.dependencies.iter().map(Node::new).collect(),
        }
    }

    /// The name templates and coalescing use (the alias, when given one).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The tree as value coalescing needs it.
    pub fn chart_values(&self) -> ChartValues {
        ChartValues {
            name: self.metadata.name.clone(),
            values: self.values.clone(),
            dependencies: self.dependencies.iter().map(Node::chart_values).collect(),
        }
    }

    /// [`Node::chart_values`], moving the values out of the tree (they are left nil):
    /// for the last coalescing, after which the tree only serves templates and files.
    pub fn take_chart_values(&mut self) -> ChartValues {
        ChartValues {
            name: self.metadata.name.clone(),
            values: std::mem::take(&mut self.values),
            dependencies: self
                .dependencies
                .iter_mut()
                .map(Node::take_chart_values)
                .collect(),
        }
    }

    /// Helm's `ProcessDependencies` with the user's values.
    pub fn process(&mut self, user: &Value) -> Result<(), coalesce::Error> {
        self.process_enabled(user, "")?;
        self.import_values();
        Ok(())
    }

    fn process_enabled(&mut self, v: &Value, path: &str) -> Result<(), coalesce::Error> {
        if self.metadata.dependencies.is_empty() {
            return Ok(());
        }
        let existing = std::mem::take(&mut self.dependencies);
        let mut deps: Vec<Node<'c>> = existing
            .iter()
            .filter(|e| {
                !self.metadata.dependencies.iter().any(|r| {
                    e.name() == r.name && is_compatible_range(&r.version, &e.metadata.version)
                })
            })
            .cloned()
            .collect();
        for req in &mut self.metadata.dependencies {
            if let Some(found) = existing.iter().find(|c| {
                c.name() == req.name && is_compatible_range(&req.version, &c.metadata.version)
            }) {
                let mut copy = found.clone();
                if !req.alias.is_empty() {
                    copy.metadata.name = req.alias.clone();
                }
                deps.push(copy);
            }
            if !req.alias.is_empty() {
                req.name = req.alias.clone();
            }
        }
        self.dependencies = deps;
        for r in &mut self.metadata.dependencies {
            r.enabled = true;
        }
        let (cvals, _) = coalesce::coalesce_values(&self.chart_values(), v)?;
        process_tags(&mut self.metadata.dependencies, &cvals);
        process_conditions(&mut self.metadata.dependencies, &cvals, path);
        let disabled: Vec<String> = self
            .metadata
            .dependencies
            .iter()
            .filter(|r| !r.enabled)
            .map(|r| r.name.clone())
            .collect();
        self.dependencies
            .retain(|d| !disabled.contains(&d.metadata.name));
        self.metadata
            .dependencies
            .retain(|r| !disabled.contains(&r.name));
        for t in &mut self.dependencies {
            let sub = format!("{path}{}.", t.metadata.name);
            t.process_enabled(&cvals, &sub)?;
        }
        Ok(())
    }

    fn import_values(&mut self) {
        for d in &mut self.dependencies {
            d.import_values();
        }
        if self.metadata.dependencies.is_empty() {
            return;
        }
        let Ok(cvals) = coalesce::merge_chart_values(&self.chart_values(), &Value::map(Map::new()))
        else {
            return;
        };
        let b = Value::map(Map::new());
        for r in &mut self.metadata.dependencies {
            let mut out = Vec::new();
            for iv in &r.import_values {
                let (child, parent) = match iv {
                    serde_json::Value::Object(m) => {
                        let v = |k: &str| go_v(m.get(k));
                        (v("child"), v("parent"))
                    }
                    serde_json::Value::String(s) => (format!("exports.{s}"), ".".to_string()),
                    _ => continue,
                };
                out.push(serde_json::json!({"child": child, "parent": parent}));
                let Some(vv) = values_table(&cvals, &format!("{}.{child}", r.name)) else {
                    continue;
                };
                let vv = match vv {
                    Value::Map(m, _) => Value::Map(m, gitops_gotmpl::MapType::Interface),
                    other => other,
                };
                coalesce::merge_tables(&b, &path_to_map(&parent, vv));
            }
            r.import_values = out;
        }
        let merged = coalesce::deep_copy(&cvals);
        coalesce::merge_tables(&merged, &b);
        self.values = merged;
    }
}

/// `%v` of an `import-values` map entry.
fn go_v(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "<nil>".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => gitops_gotmpl::fmt::sprint(&[Value::from_json(other)]),
    }
}

fn path_to_map(path: &str, data: Value) -> Value {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        cur = Value::map(Map::from([(part.to_string(), cur)]));
    }
    cur
}

fn process_tags(reqs: &mut [Dependency], cvals: &Value) {
    let Some(tags) = values_table(cvals, "tags") else {
        return;
    };
    let Some(tags) = tags.as_map().map(|m| m.clone()) else {
        return;
    };
    for r in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            if let Some(Value::Bool(b)) = tags.get(k) {
                if *b {
                    has_true = true;
                } else {
                    has_false = true;
                }
            }
        }
        if !has_true && has_false {
            r.enabled = false;
        } else {
            r.enabled = true;
        }
    }
}

fn process_conditions(reqs: &mut [Dependency], cvals: &Value, path: &str) {
    for r in reqs {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = path_value(cvals, &format!("{path}{c}")) {
                r.enabled = b;
                break;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn compatible_ranges() {
        assert!(is_compatible_range("^1.2.0", "1.4.0"));
        assert!(!is_compatible_range("~1.2.0", "1.4.0"));
        assert!(!is_compatible_range("bad range", "1.0.0"));
    }

    #[test]
    fn path_values_skip_tables() {
        let v = Value::from_json(&serde_json::json!({"a": {"b": true, "t": {}}}));
        assert!(matches!(path_value(&v, "a.b"), Some(Value::Bool(true))));
        assert!(path_value(&v, "a.t").is_none());
        assert!(path_value(&v, "x.y").is_none());
    }
}
