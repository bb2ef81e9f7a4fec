//! `create helmrelease` (flux's `create_helmrelease.go`).

use clap::{ArgAction, Args};
use gitops_core::duration::Duration;
use gitops_core::yaml::{LoadOptions, Schema, load_documents};
use serde_json::{Map, Number, Value};

use super::kustomization::{depends_on, kubeconfig_ref};
use super::{CmdResult, Ctx, Generated, OrFail, fail, read_file};
use crate::cli::NameArg;
use crate::export::{Obj, object, print_export};
use crate::flags::{self, SourceRef};

/// Flags of `create helmrelease`.
#[derive(Args, Debug)]
pub struct HelmReleaseArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// name used for the Helm release, defaults to a composition of '[<target-namespace>-]<HelmRelease-name>'
    #[arg(long = "release-name", default_value = "", allow_hyphen_values = true)]
    pub release_name: String,
    /// source that contains the chart in the format '<kind>/<name>.<namespace>', where kind must be one of: (HelmRepository, GitRepository, Bucket)
    #[arg(long, value_parser = flags::helm_chart_source, allow_hyphen_values = true)]
    pub source: Option<SourceRef>,
    /// Helm chart name or path
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub chart: String,
    /// Helm chart version, accepts a semver range (ignored for charts from GitRepository sources)
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub chart_version: String,
    /// HelmReleases that must be ready before this release can be installed, supported formats '<name>' and '<namespace>/<name>'
    #[arg(long, action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub depends_on: Vec<String>,
    /// namespace to install this release, defaults to the HelmRelease namespace
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub target_namespace: String,
    /// namespace to store the Helm release, defaults to the target namespace
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub storage_namespace: String,
    /// create the target namespace if it does not exist
    #[arg(long = "create-target-namespace", action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub create_namespace: bool,
    /// the name of the service account to impersonate when reconciling this HelmRelease
    #[arg(
        long = "service-account",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub sa_name: String,
    /// the reconcile strategy for helm chart created by the helm release(accepted values: Revision and ChartRevision)
    #[arg(long, default_value = "ChartVersion", allow_hyphen_values = true)]
    pub reconcile_strategy: String,
    /// the interval of which to check for new chart versions
    #[arg(long, value_parser = flags::duration, default_value = "0s", allow_hyphen_values = true)]
    pub chart_interval: Duration,
    /// local path to values.yaml files, also accepts comma-separated values
    #[arg(long = "values", action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub values_files: Vec<String>,
    /// a Kubernetes object reference that contains the values.yaml data key in the format '<kind>/<name>', where kind must be one of: (Secret,ConfigMap)
    #[arg(long, action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub values_from: Vec<String>,
    /// upgrade CRDs policy
    #[arg(long, value_parser = flags::crds_policy, allow_hyphen_values = true)]
    pub crds: Option<String>,
    /// the name of the Kubernetes Secret that contains a key with the kubeconfig file for connecting to a remote cluster
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub kubeconfig_secret_ref: String,
    /// the name of the HelmChart resource to use as source for the HelmRelease, in the format '<kind>/<name>.<namespace>', where kind must be one of: (OCIRepository,HelmChart)
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub chart_ref: String,
}

/// `create helmrelease`.
pub fn run(ctx: &Ctx, a: &HelmReleaseArgs) -> CmdResult {
    let storage_namespace = if a.storage_namespace.is_empty() {
        a.target_namespace.clone()
    } else {
        a.storage_namespace.clone()
    };
    if a.chart.is_empty() && a.chart_ref.is_empty() {
        return fail("chart or chart-ref is required");
    }
    if !a.chart.is_empty() && !a.chart_ref.is_empty() {
        return fail("cannot use --chart in combination with --chart-ref");
    }
    let labels = ctx.labels().or_fail()?;
    if a.reconcile_strategy != "Revision" && a.reconcile_strategy != "ChartVersion" {
        return fail(format!(
            "'{}' is an invalid reconcile strategy(valid: Revision, ChartVersion)",
            a.reconcile_strategy
        ));
    }

    let mut spec = Obj::new()
        .str("releaseName", &a.release_name)
        .set("interval", ctx.interval().to_string())
        .str("targetNamespace", &a.target_namespace)
        .str("storageNamespace", &storage_namespace)
        .list("dependsOn", depends_on(&a.depends_on));

    if !a.chart.is_empty() {
        let source = a.source.clone().unwrap_or_default();
        let mut chart_spec = Obj::new()
            .set("chart", a.chart.as_str())
            .str("version", &a.chart_version)
            .set(
                "sourceRef",
                Obj::new()
                    .str("kind", &source.kind)
                    .set("name", source.name.as_str())
                    .str("namespace", &source.namespace),
            )
            .str("reconcileStrategy", &a.reconcile_strategy);
        if a.chart_interval.as_nanos() != 0 {
            chart_spec = chart_spec.set("interval", a.chart_interval.to_string());
        }
        spec = spec.set("chart", Obj::new().set("spec", chart_spec));
    } else {
        let (kind, name, namespace) = flags::parse_object_kind_name_namespace(&a.chart_ref);
        if kind != "HelmChart" && kind != "OCIRepository" {
            return fail(format!(
                "chart reference kind '{kind}' is not supported, must be one of: OCIRepository, HelmChart"
            ));
        }
        spec = spec.set(
            "chartRef",
            Obj::new()
                .set("kind", kind)
                .set("name", name)
                .str("namespace", &namespace),
        );
    }

    spec = spec.opt("kubeConfig", kubeconfig_ref(&a.kubeconfig_secret_ref));

    let mut install: Option<Obj> = None;
    if a.create_namespace {
        install = Some(install.unwrap_or_default().set("createNamespace", true));
    }
    spec = spec.str("serviceAccountName", &a.sa_name);
    if let Some(policy) = a.crds.as_deref().filter(|p| !p.is_empty()) {
        install = Some(install.unwrap_or_default().set("crds", "Create"));
        spec = spec.set("upgrade", Obj::new().set("crds", policy));
    }
    spec = spec.opt("install", install);

    let files = flags::slice(&a.values_files);
    if !files.is_empty() {
        let mut values = Map::new();
        for file in &files {
            let data = read_file(file)
                .map_err(|e| format!("reading values from {file} failed: {e}"))
                .or_fail()?;
            let json = yaml_to_json(&data)
                .map_err(|e| format!("converting values to JSON from {file} failed: {e}"))
                .or_fail()?;
            let map = match json {
                Value::Null => Map::new(),
                Value::Object(m) => m,
                other => {
                    return fail(format!(
                        "unmarshaling values from {file} failed: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                        json_type(&other)
                    ));
                }
            };
            values = merge_maps(values, map);
        }
        spec = spec.set("values", Value::Object(values));
    }

    let values_from = flags::slice(&a.values_from);
    if !values_from.is_empty() {
        let mut refs = Vec::new();
        for value in &values_from {
            let (kind, name) = flags::parse_object_kind_name(value);
            if kind.is_empty() {
                return fail(format!(
                    "invalid Kubernetes object reference '{value}', must be in format <kind>/<name>"
                ));
            }
            let Some(clean) = ["Secret", "ConfigMap"]
                .into_iter()
                .find(|k| k.eq_ignore_ascii_case(&kind))
            else {
                return fail(format!(
                    "reference kind '{kind}' is not supported, must be one of: Secret, ConfigMap"
                ));
            };
            refs.push(Obj::new().set("kind", clean).set("name", name).into());
        }
        spec = spec.list("valuesFrom", refs);
    }

    let obj = object(
        "helm.toolkit.fluxcd.io/v2",
        "HelmRelease",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        _ => "object",
    }
}

/// `sigs.k8s.io/yaml.YAMLToJSON` of the first document (go-yaml v2 rules), then the
/// `encoding/json` round trip flux does: every number becomes a float64.
fn yaml_to_json(data: &[u8]) -> Result<Value, String> {
    let text = String::from_utf8_lossy(data);
    let options = LoadOptions {
        schema: Schema::GoYamlV2,
        ..LoadOptions::default()
    };
    let docs = load_documents(&text, &options).map_err(|e| e.to_string())?;
    Ok(docs
        .into_iter()
        .next()
        .map_or(Value::Null, |d| as_float64(d.value)))
}

/// What a number looks like after `json.Unmarshal` into `interface{}` (float64),
/// `json.Marshal` and go-yaml's re-reading of that JSON.
fn as_float64(v: Value) -> Value {
    match v {
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if f.fract() == 0.0 && f.abs() < 1e21 {
                if f >= i64::MIN as f64 && f < i64::MAX as f64 {
                    return Value::Number(Number::from(f as i64));
                }
                if f >= 0.0 && f < u64::MAX as f64 {
                    return Value::Number(Number::from(f as u64));
                }
            }
            Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(as_float64).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, as_float64(v))).collect()),
        other => other,
    }
}

/// `transform.MergeMaps`: nested maps merge, everything else is replaced.
fn merge_maps(a: Map<String, Value>, b: Map<String, Value>) -> Map<String, Value> {
    let mut out = a;
    for (k, v) in b {
        match (out.remove(&k), v) {
            (Some(Value::Object(existing)), Value::Object(new)) => {
                out.insert(k, Value::Object(merge_maps(existing, new)));
            }
            (_, v) => {
                out.insert(k, v);
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_like_helm() {
        let a = json!({"a": {"b": 1, "c": 2}, "d": [1], "e": "x"});
        let b = json!({"a": {"c": 3}, "d": [2], "e": {"f": 1}});
        let (Value::Object(a), Value::Object(b)) = (a, b) else {
            unreachable!()
        };
        assert_eq!(
            Value::Object(merge_maps(a, b)),
            json!({"a": {"b": 1, "c": 3}, "d": [2], "e": {"f": 1}})
        );
    }

    #[test]
    fn numbers_go_through_float64() {
        assert_eq!(
            as_float64(json!({"a": 1.0, "b": 1.5, "c": [3]})),
            json!({"a": 1, "b": 1.5, "c": [3]})
        );
    }
}
