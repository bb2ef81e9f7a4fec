//! `helmCharts` (kustomize's `HelmChartInflationGenerator`), inflated by this crate's
//! Helm engine instead of a `helm` binary.
//!
//! What `kubectl kustomize --enable-helm` (kustomize v5.5) does, step by step:
//!
//! - **Configure** every chart before any generator runs: `--enable-helm` is required,
//!   `name` must be set, `additionalValuesFiles` are loaded (load restrictor applies),
//!   `valuesMerge` is `override` (default), `merge` or `replace`. The deprecated
//!   `helmChartInflationGenerator` entries are converted and appended to `helmCharts`.
//! - **Locate** the chart under `helmGlobals.chartHome` (default `charts`, relative to
//!   the kustomization): `<chartHome>/<name>`, or `<chartHome>/<name>-<version>/<name>`
//!   when both `version` and `repo` are set. Only a directory counts. A chart that is
//!   not there would be pulled by kustomize; this engine never fetches during a build and
//!   reports the chart, its repo and the path searched instead.
//! - **Values**: the values file (`valuesFile`, default the chart's `values.yaml`), with
//!   `valuesInline` merged as kyaml's `merge2` does (`override`: inline wins; `merge`: the
//!   file wins; `replace`: inline alone), printed as `sigs.k8s.io/yaml` prints it, then
//!   the `additionalValuesFiles`, as `-f` files of `helm template`.
//! - **Render** as `helm template RELEASE CHART`: release name `releaseName`,
//!   `nameTemplate` (Sprig template) or Helm's generated `<chart>-<unix time>`;
//!   `--namespace`, `--kube-version`, `--api-versions`, `--include-crds`, `--skip-tests`,
//!   `--no-hooks` (`skipHooks`).
//! - **Absorb** the printed documents as resources (lists expanded), behaviour `create`;
//!   the kustomization's transformers then apply to them as to any resource.
//!
//! Differences from kubectl: Helm's default namespace comes from the kubeconfig there and
//! is always `default` here; the engine is Helm 4's (kubectl runs the Helm 3 binary it is
//! given), so `.Capabilities` defaults are Helm 4.1's. As an extension, a chart archive
//! `<chartHome>/<name>-<version>.tgz` or `<chartHome>/<name>.tgz` (what `helm pull`
//! without `--untar` leaves) is used when the chart directory is missing; its own
//! `values.yaml` is then the default values file.

use gitops_core::yaml::{self as gyaml, emit};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::super::kustomization::Kustomization;
use super::super::loader::Dir;
use super::super::{accumulate, fs};
use super::Error;
use crate::helm::chart::{self, File};
use crate::helm::ignore::Rules;
use crate::helm::template::{OutputOptions, RenderOptions};
use crate::helm::values::coalesce;
use crate::kustomize::resource::Resource;

/// `helmGlobals`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Globals {
    chart_home: String,
    /// Where kustomize points Helm's config and cache; nothing is read from it here.
    #[allow(dead_code)]
    config_home: String,
}

/// One `helmCharts` entry (kustomize's `types.HelmChart`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ChartArgs {
    name: String,
    version: String,
    repo: String,
    release_name: String,
    namespace: String,
    name_template: String,
    additional_values_files: Vec<String>,
    values_file: String,
    values_inline: Option<Map<String, Value>>,
    values_merge: String,
    #[serde(rename = "includeCRDs")]
    include_crds: bool,
    skip_hooks: bool,
    api_versions: Vec<String>,
    kube_version: String,
    skip_tests: bool,
    /// `--debug` only adds Helm's diagnostics; accepted without effect here.
    #[allow(dead_code)]
    debug: bool,
}

/// A chart entry once configured: the arguments and the loaded additional values files.
pub(super) struct Configured {
    args: ChartArgs,
    chart_home: String,
    /// `additionalValuesFiles`: (path as written, text).
    additional: Vec<(String, String)>,
}

/// The chart entries of `k` (`helmCharts`, then the converted deprecated
/// `helmChartInflationGenerator` ones) with the globals each is configured with, as raw
/// config objects (globals merged in, as kustomize's config struct embeds them).
fn entries(k: &Kustomization) -> Vec<Value> {
    let mut globals = k
        .helm_globals
        .clone()
        .and_then(|g| match g {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    let mut old_globals = Map::new();
    let mut charts: Vec<Map<String, Value>> = k
        .helm_charts
        .iter()
        .flatten()
        .map(|c| c.as_object().cloned().unwrap_or_default())
        .collect();
    for old in k.helm_chart_inflation_generator.iter().flatten() {
        let get = |key: &str| old.get(key).cloned();
        let mut c = Map::new();
        for (from, to) in [
            ("chartName", "name"),
            ("chartVersion", "version"),
            ("chartRepoUrl", "repo"),
            ("values", "valuesFile"),
            ("valuesLocal", "valuesInline"),
            ("valuesMerge", "valuesMerge"),
            ("releaseName", "releaseName"),
        ] {
            if let Some(v) = get(from) {
                c.insert(to.into(), v);
            }
        }
        // The last non-empty home wins; used only without `helmGlobals`.
        for (from, to) in [("helmHome", "configHome"), ("chartHome", "chartHome")] {
            if let Some(v) = get(from).filter(|v| v.as_str().is_some_and(|s| !s.is_empty())) {
                old_globals.insert(to.into(), v);
            }
        }
        charts.push(c);
    }
    if k.helm_globals.is_none() && !old_globals.is_empty() {
        globals = old_globals;
    }
    charts
        .into_iter()
        .map(|c| {
            let mut config = globals.clone();
            config.extend(c);
            Value::Object(config)
        })
        .collect()
}

/// Configures every chart of `k` (kustomize's `Config` and `validateArgs`), in order;
/// the first failure stops the build before any generator runs.
pub(super) fn configure(k: &Kustomization, dir: Dir<'_>) -> Result<Vec<Configured>, Error> {
    let mut out = Vec::new();
    for config in entries(k) {
        let chart_name = config
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let fail = |message: String| Error::HelmChart {
            dir: dir.label(),
            chart: chart_name.clone(),
            message,
        };
        if !dir.options.enable_helm {
            return Err(Error::Helm {
                dir: dir.label(),
                config: emit::to_string(&config),
            });
        }
        let globals: Globals = serde_json::from_value(config.clone())
            .map_err(|e| fail(format!("invalid helmGlobals: {e}")))?;
        let mut args: ChartArgs = serde_json::from_value(config)
            .map_err(|e| fail(format!("invalid helmCharts entry: {e}")))?;
        if args.name.is_empty() {
            return Err(fail("chart name cannot be empty".into()));
        }
        let chart_home = if globals.chart_home.is_empty() {
            "charts".to_string()
        } else {
            globals.chart_home
        };
        let mut additional = Vec::new();
        for file in &args.additional_values_files {
            let (_, text) = dir
                .read(file)
                .map_err(|e| fail(format!("could not load additionalValuesFile: {e}")))?;
            additional.push((file.clone(), text));
        }
        match args.values_merge.as_str() {
            "" => args.values_merge = "override".into(),
            "override" | "merge" | "replace" => {}
            _ => {
                return Err(fail(
                    "valuesMerge must be one of [merge override replace]".into(),
                ));
            }
        }
        out.push(Configured {
            args,
            chart_home,
            additional,
        });
    }
    Ok(out)
}

/// The chart home as a path relative to the kustomization directory, with the
/// `<name>-<version>` level when both `version` and `repo` are set (kustomize's
/// `absChartHome`). An absolute chart home is taken from the file system's root.
fn chart_home_rel(c: &Configured, dir: Dir<'_>) -> String {
    let home = match c.chart_home.strip_prefix('/') {
        Some(abs) => {
            let ups = dir.path.split('/').filter(|s| !s.is_empty()).count();
            format!("{}{abs}", "../".repeat(ups))
        }
        None => c.chart_home.clone(),
    };
    if !c.args.version.is_empty() && !c.args.repo.is_empty() {
        format!("{home}/{}-{}", c.args.name, c.args.version)
    } else {
        home
    }
}

/// A chart as found: its files and, for an archive, the text of its `values.yaml`.
struct Found {
    chart: chart::Chart,
    /// For a chart archive, the text of its own `values.yaml` (the default values file);
    /// `None` for a chart directory, whose `values.yaml` is read as a kustomization file.
    archive_values: Option<String>,
}

/// Finds and loads the chart, through the build's file system.
fn locate(c: &Configured, dir: Dir<'_>) -> Result<Found, Error> {
    let args = &c.args;
    let home = chart_home_rel(c, dir);
    let fail = |message: String| Error::HelmChart {
        dir: dir.label(),
        chart: args.name.clone(),
        message,
    };
    let resolve = |rel: &str| {
        dir.resolve(rel)
            .map_err(|e| fail(format!("chart home '{}': {e}", c.chart_home)))
    };
    let home_path = resolve(&home)?;
    let chart_path = resolve(&format!("{home}/{}", args.name))?;
    if dir.fs.is_dir(&chart_path) {
        let files = collect_chart_files(dir.fs, &chart_path)
            .map_err(|e| fail(format!("loading chart at '{chart_path}': {e}")))?;
        let chart = chart::Chart::from_files(files)
            .map_err(|e| fail(format!("loading chart at '{chart_path}': {e}")))?;
        return Ok(Found {
            chart,
            archive_values: None,
        });
    }
    let mut archives = Vec::new();
    if !args.version.is_empty() {
        archives.push(format!("{home_path}/{}-{}.tgz", args.name, args.version));
    }
    archives.push(format!("{chart_path}.tgz"));
    for archive in archives {
        let archive = fs::clean(&archive).unwrap_or(archive);
        if !dir.fs.exists(&archive) || dir.fs.is_dir(&archive) {
            continue;
        }
        let load = |e: String| fail(format!("loading chart archive '{archive}': {e}"));
        let bytes = dir.fs.read(&archive).map_err(|e| load(e.to_string()))?;
        let files = chart::archive_files(&bytes).map_err(|e| load(e.to_string()))?;
        let values = files
            .iter()
            .find(|f| f.name == "values.yaml")
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())
            .unwrap_or_default();
        let chart = chart::Chart::from_files(files).map_err(|e| load(e.to_string()))?;
        return Ok(Found {
            chart,
            archive_values: Some(values),
        });
    }
    if args.repo.is_empty() {
        return Err(fail(format!(
            "no repo specified for pull, no chart found at '{chart_path}'"
        )));
    }
    let version = if args.version.is_empty() {
        String::new()
    } else {
        format!(" version {}", args.version)
    };
    Err(fail(format!(
        "chart{version} from repo '{}' is not in '{chart_path}': remote charts are never pulled during a build; vendor it there first (helm pull --untar --untardir {home_path} --repo {} {}{})",
        args.repo,
        args.repo,
        args.name,
        if args.version.is_empty() {
            String::new()
        } else {
            format!(" --version {}", args.version)
        }
    )))
}

/// Helm's `LoadDir` over an [`fs::Fs`]: every file under `root` not excluded by its
/// `.helmignore` (and the default rule), in lexical walk order, a UTF-8 BOM stripped.
pub fn collect_chart_files(fs: &dyn fs::Fs, root: &str) -> Result<Vec<File>, String> {
    let ignore_path = format!("{root}/.helmignore");
    let mut rules = if fs.exists(&ignore_path) && !fs.is_dir(&ignore_path) {
        let data = fs.read(&ignore_path).map_err(|e| e.to_string())?;
        Rules::parse(&String::from_utf8_lossy(&data)).map_err(|e| e.to_string())?
    } else {
        Rules::default()
    };
    rules.add_defaults();
    let mut out = Vec::new();
    walk(fs, root, "", &rules, &mut out, 0)?;
    Ok(out)
}

fn walk(
    fs: &dyn fs::Fs,
    root: &str,
    rel: &str,
    rules: &Rules,
    out: &mut Vec<File>,
    depth: usize,
) -> Result<(), String> {
    if depth > 64 {
        return Err(format!("{rel}: too many nested directories"));
    }
    let dir = if rel.is_empty() {
        root.to_string()
    } else {
        format!("{root}/{rel}")
    };
    for name in fs.read_dir(&dir).map_err(|e| e.to_string())? {
        let n = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let full = format!("{root}/{n}");
        if fs.is_dir(&full) {
            if !rules.ignore(&n, true) {
                walk(fs, root, &n, rules, out, depth + 1)?;
            }
            continue;
        }
        if rules.ignore(&n, false) {
            continue;
        }
        let mut data = fs
            .read(&full)
            .map_err(|e| format!("error reading {n}: {e}"))?;
        if data.starts_with(&[0xef, 0xbb, 0xbf]) {
            data.drain(..3);
        }
        out.push(File { name: n, data });
    }
    Ok(())
}

/// kyaml's `merge2.Merge(src, dest)` on plain values: `src` wins; a `null` in `src`
/// removes the field; lists are replaced (no schema, so no associative lists); a `null`
/// only in `dest` stays. `None` is a removed (or missing) value.
fn merge2(dest: Option<&Value>, src: Option<&Value>) -> Result<Option<Value>, String> {
    let first = [dest, src].into_iter().flatten().find(|v| !v.is_null());
    match first {
        Some(Value::Object(_)) => {
            if let Some(bad) = [dest, src]
                .into_iter()
                .flatten()
                .find(|v| !v.is_null() && !v.is_object())
            {
                return Err(format!("wrong node kind: expected MappingNode, got {bad}"));
            }
            let (dest_map, src_map) = match (dest, src) {
                (_, Some(Value::Null)) if dest.is_some_and(Value::is_object) => return Ok(None),
                (Some(Value::Object(d)), s) => (d.clone(), s.and_then(Value::as_object)),
                (_, Some(Value::Object(s))) => (s.clone(), Some(s)),
                _ => return Ok(None),
            };
            let mut keys: Vec<String> = dest_map
                .keys()
                .chain(src_map.into_iter().flat_map(|m| m.keys()))
                .cloned()
                .collect();
            keys.sort();
            keys.dedup();
            let mut out = Map::new();
            for key in keys {
                if let Some(v) = merge2(dest_map.get(&key), src_map.and_then(|m| m.get(&key)))? {
                    out.insert(key, v);
                }
            }
            Ok(Some(Value::Object(out)))
        }
        Some(Value::Array(_)) => {
            if let Some(bad) = [dest, src]
                .into_iter()
                .flatten()
                .find(|v| !v.is_null() && !v.is_array())
            {
                return Err(format!("wrong node kind: expected SequenceNode, got {bad}"));
            }
            Ok(match src {
                Some(Value::Null) => None,
                Some(v) => Some(v.clone()),
                None => dest.cloned(),
            })
        }
        Some(_) => {
            if let Some(bad) = [dest, src]
                .into_iter()
                .flatten()
                .find(|v| v.is_object() || v.is_array())
            {
                return Err(format!("wrong node kind: expected ScalarNode, got {bad}"));
            }
            Ok(match src {
                Some(Value::Null) => None,
                Some(v) => Some(v.clone()),
                None => dest.cloned(),
            })
        }
        // Only nulls: a null kept in `dest` stays (kyaml keeps explicit nulls).
        None => Ok(match (dest, src) {
            (Some(Value::Null), None) => Some(Value::Null),
            _ => None,
        }),
    }
}

/// The values file kustomize hands to `helm template -f` first: (name, text).
fn main_values(c: &Configured, found: &Found, dir: Dir<'_>) -> Result<(String, String), Error> {
    let args = &c.args;
    let fail = |message: String| Error::HelmChart {
        dir: dir.label(),
        chart: args.name.clone(),
        message,
    };
    let file = if !args.values_file.is_empty() {
        args.values_file.clone()
    } else {
        format!("{}/{}/values.yaml", chart_home_rel(c, dir), args.name)
    };
    let read = || -> Result<String, Error> {
        match (&found.archive_values, args.values_file.is_empty()) {
            (Some(text), true) => Ok(text.clone()),
            _ => dir
                .read(&file)
                .map(|(_, t)| t)
                .map_err(|e| fail(e.to_string())),
        }
    };
    let inline = args.values_inline.clone().unwrap_or_default();
    if inline.is_empty() {
        let text = read()?;
        return Ok((file, text));
    }
    let inline = Value::Object(inline);
    let merged = match args.values_merge.as_str() {
        "replace" => Some(inline),
        mode => {
            let text = read()?;
            let docs = gyaml::load_documents(&text, &gyaml::LoadOptions::default())
                .map_err(|e| fail(format!("could not parse values file into rnode: {e}")))?;
            let values = docs
                .into_iter()
                .next()
                .map(|d| d.value)
                .unwrap_or(Value::Null);
            let merged = if mode == "merge" {
                merge2(Some(&inline), Some(&values))
            } else {
                merge2(Some(&values), Some(&inline))
            };
            merged.map_err(|e| fail(format!("could not merge values: {e}")))?
        }
    };
    let merged = merged.unwrap_or(Value::Object(Map::new()));
    Ok((
        format!("{}-kustomize-values.yaml", args.name),
        emit::to_string(&merged),
    ))
}

/// Helm's release name for `helm template [NAME] CHART` as kustomize calls it.
fn release_name(args: &ChartArgs) -> Result<String, String> {
    if !args.name_template.is_empty() {
        if !args.release_name.is_empty() {
            return Err("cannot set --name-template and also specify a name".into());
        }
        let mut t = gitops_gotmpl::Templates::new("name-template");
        t.funcs(gitops_gotmpl::sprig::funcs());
        t.parse("name-template", &args.name_template)
            .map_err(|e| e.to_string())?;
        return t
            .execute("name-template", &gitops_gotmpl::Value::Nil)
            .map_err(|e| e.to_string());
    }
    if !args.release_name.is_empty() {
        return Ok(args.release_name.clone());
    }
    // `--generate-name`: the chart path's base name up to its first dot, and the time.
    let base = args.name.split('.').next().unwrap_or_default();
    let base = if base.is_empty() { "chart" } else { base };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Ok(format!("{base}-{now}"))
}

/// Inflates one configured chart into resources.
pub(super) fn generate(c: &Configured, dir: Dir<'_>) -> Result<Vec<Resource>, Error> {
    let args = &c.args;
    let fail = |message: String| Error::HelmChart {
        dir: dir.label(),
        chart: args.name.clone(),
        message,
    };
    let found = locate(c, dir)?;
    let mut value_files = vec![main_values(c, &found, dir)?];
    value_files.extend(c.additional.iter().cloned());
    let values = coalesce::merge_values(
        &coalesce::Options {
            value_files,
            ..Default::default()
        },
        &mut |p: &str| Err(format!("{p}: --set-file is not used by kustomize")),
    )
    .map_err(|e| fail(e.to_string()))?;
    let opts = RenderOptions {
        release_name: release_name(args).map_err(fail)?,
        namespace: if args.namespace.is_empty() {
            "default".into()
        } else {
            args.namespace.clone()
        },
        kube_version: (!args.kube_version.is_empty()).then(|| args.kube_version.clone()),
        api_versions: args.api_versions.clone(),
        ..RenderOptions::default()
    };
    let rendered = crate::helm::template::render(&found.chart, &values, &opts)
        .map_err(|e| fail(e.cli_message()))?;
    let text = rendered
        .template_output(&OutputOptions {
            include_crds: args.include_crds,
            no_hooks: args.skip_hooks,
            skip_tests: args.skip_tests,
            ..OutputOptions::default()
        })
        .map_err(|e| fail(e.cli_message()))?;
    let objects = accumulate::read_objects(&text, &format!("helm template {}", args.name))
        .map_err(|e| fail(format!("could not parse the rendered chart: {e}")))?;
    Ok(objects
        .into_iter()
        .map(|o| Resource::new(o, None))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge2_override_and_merge() {
        let file = json!({"a": 1, "m": {"x": 1, "y": 2}, "l": [1, 2], "n": null, "d": 5});
        let inline = json!({"a": 2, "m": {"y": 3, "z": 4}, "l": [3], "d": null});
        let over = merge2(Some(&file), Some(&inline)).expect("merge");
        assert_eq!(
            over,
            Some(json!({"a": 2, "l": [3], "m": {"x": 1, "y": 3, "z": 4}, "n": null}))
        );
        let merged = merge2(Some(&inline), Some(&file)).expect("merge");
        assert_eq!(
            merged,
            Some(json!({"a": 1, "d": 5, "l": [1, 2], "m": {"x": 1, "y": 2, "z": 4}}))
        );
        assert!(merge2(Some(&json!({"m": 1})), Some(&json!({"m": {"a": 1}}))).is_err());
    }

    #[test]
    fn generated_release_names() {
        let mut args = ChartArgs {
            name: "demo".into(),
            ..ChartArgs::default()
        };
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs();
        let name = release_name(&args).expect("name");
        let secs: u64 = name
            .strip_prefix("demo-")
            .expect("prefix")
            .parse()
            .expect("seconds");
        assert!(secs >= before && secs <= before + 5, "{name}");
        args.name_template = "{{ \"abc\" | upper | lower }}-x".into();
        assert_eq!(release_name(&args).expect("template"), "abc-x");
        args.release_name = "r".into();
        assert_eq!(
            release_name(&args).expect_err("both"),
            "cannot set --name-template and also specify a name"
        );
    }
}
