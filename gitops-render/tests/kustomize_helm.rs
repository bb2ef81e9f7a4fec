//! kustomize `helmCharts` inflated by our Helm engine, compared byte for byte with
//! `kubectl kustomize --enable-helm` (kustomize v5.5 running Helm 3), whose output
//! `tests/fixtures/kustomize-helm/record.sh` recorded in each case's `expected.yaml`.

use std::path::{Path, PathBuf};

use gitops_render::kustomize::{self, DiskFs, MemFs, Options};

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kustomize-helm")
}

fn helm_options() -> Options {
    Options {
        enable_helm: true,
        ..Options::default()
    }
}

fn build_case(case: &Path, options: &Options) -> Result<String, String> {
    let fs = DiskFs::new(case.join("input")).map_err(|e| e.to_string())?;
    kustomize::build(&fs, "", options)
        .map(|set| set.to_yaml())
        .map_err(|e| e.to_string())
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("expected.yaml").is_file())
        .collect();
    cases.sort();
    cases
}

#[test]
fn charts_inflate_as_kubectl_kustomize_enable_helm() {
    let cases = cases();
    assert_eq!(cases.len(), 13, "{cases:?}");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let want = std::fs::read_to_string(case.join("expected.yaml")).expect("expected");
            match build_case(case, &helm_options()) {
                Ok(got) if got == want => None,
                Ok(got) => Some(format!(
                    "{}: output differs:\n--- got\n{got}--- want\n{want}",
                    case.display()
                )),
                Err(e) => Some(format!("{}: build failed: {e}", case.display())),
            }
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Without `enable_helm`, every case fails with kubectl's message (config as YAML).
#[test]
fn without_enable_helm_charts_fail_as_in_kubectl() {
    for case in cases() {
        let err = build_case(&case, &Options::default()).expect_err("helm disabled");
        assert!(
            err.contains(
                "trouble configuring builtin HelmChartInflationGenerator with config: `\n"
            ) && err.ends_with("`: must specify --enable-helm"),
            "{}: {err}",
            case.display()
        );
    }
    let err = build_case(&cases_dir().join("release-namespace"), &Options::default())
        .expect_err("helm disabled");
    assert_eq!(
        err,
        "kustomization.yaml: trouble configuring builtin HelmChartInflationGenerator with config: `\nname: demo\nnamespace: apps\nreleaseName: prod\nskipTests: true\n`: must specify --enable-helm"
    );
}

fn mem_chart(fs: &mut MemFs, dir: &str) {
    fs.add(
        &format!("{dir}/Chart.yaml"),
        "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    )
    .add(&format!("{dir}/values.yaml"), "x: 1\n")
    .add(
        &format!("{dir}/templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  x: {{ .Values.x | quote }}\n",
    );
}

/// A chart only in a repository is never pulled: the error names the chart, the repo
/// and the path searched.
#[test]
fn a_remote_only_chart_fails_clearly() {
    let mut fs = MemFs::new();
    fs.add(
        "app/kustomization.yaml",
        "helmCharts:\n- name: podinfo\n  repo: https://stefanprodan.github.io/podinfo\n  version: 6.7.0\n  releaseName: p\n",
    );
    let err = kustomize::build(&fs, "app", &helm_options()).expect_err("not vendored");
    assert_eq!(
        err.to_string(),
        "app: HelmChartInflationGenerator: chart 'podinfo': chart version 6.7.0 from repo 'https://stefanprodan.github.io/podinfo' is not in 'app/charts/podinfo-6.7.0/podinfo': remote charts are never pulled during a build; vendor it there first (helm pull --untar --untardir app/charts/podinfo-6.7.0 --repo https://stefanprodan.github.io/podinfo podinfo --version 6.7.0)"
    );
    // Without a repo there is nothing to pull (kubectl: no repo specified for pull).
    let mut fs = MemFs::new();
    fs.add("app/kustomization.yaml", "helmCharts:\n- name: absent\n");
    let err = kustomize::build(&fs, "app", &helm_options()).expect_err("no chart");
    assert_eq!(
        err.to_string(),
        "app: HelmChartInflationGenerator: chart 'absent': no repo specified for pull, no chart found at 'app/charts/absent'"
    );
}

/// Charts are read through the build's `Fs` (here in memory); kustomize's argument
/// checks come before any generator runs.
#[test]
fn charts_load_through_the_fs_and_arguments_are_checked() {
    let mut fs = MemFs::new();
    mem_chart(&mut fs, "app/charts/demo");
    fs.add(
        "app/kustomization.yaml",
        "namePrefix: p-\nhelmCharts:\n- name: demo\n  releaseName: r\n  valuesInline: {x: 2}\n",
    );
    let out = kustomize::build(&fs, "app", &helm_options()).expect("inflated");
    assert_eq!(
        out.to_yaml(),
        "apiVersion: v1\ndata:\n  x: \"2\"\nkind: ConfigMap\nmetadata:\n  name: p-r-cm\n"
    );
    for (kustomization, message) in [
        (
            "helmCharts:\n- releaseName: r\n",
            "app: HelmChartInflationGenerator: chart '': chart name cannot be empty",
        ),
        (
            "helmCharts:\n- name: demo\n  valuesMerge: deep\n",
            "app: HelmChartInflationGenerator: chart 'demo': valuesMerge must be one of [merge override replace]",
        ),
        (
            "helmCharts:\n- name: demo\n  additionalValuesFiles: [../outside.yaml]\n",
            "app: HelmChartInflationGenerator: chart 'demo': could not load additionalValuesFile: security; file 'outside.yaml' is not in or below 'app'",
        ),
        (
            "helmCharts:\n- name: demo\n  releaseName: Bad_Name\n",
            "app: HelmChartInflationGenerator: chart 'demo': release name check failed: release name \"Bad_Name\": invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53",
        ),
    ] {
        let mut fs = fs.clone();
        fs.add("outside.yaml", "x: 3\n")
            .add("app/kustomization.yaml", kustomization);
        let err = kustomize::build(&fs, "app", &helm_options()).expect_err(kustomization);
        assert_eq!(err.to_string(), message);
    }
}

/// Without `releaseName`, kustomize passes `--generate-name`: Helm names the release
/// after the chart and the current Unix time.
#[test]
fn a_release_without_a_name_gets_helms_generated_name() {
    let mut fs = MemFs::new();
    mem_chart(&mut fs, "app/charts/demo");
    fs.add("app/kustomization.yaml", "helmCharts:\n- name: demo\n");
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs()
    };
    let before = now();
    let out = kustomize::build(&fs, "app", &helm_options()).expect("inflated");
    let after = now();
    let name = out.objects()[0].name().to_string();
    let secs: u64 = name
        .strip_prefix("demo-")
        .and_then(|n| n.strip_suffix("-cm"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected name {name}"));
    assert!((before..=after).contains(&secs), "{name}");
}

/// Extension: a chart archive where `helm pull` without `--untar` leaves it
/// (`<chartHome>/<name>-<version>.tgz`) renders as the chart directory does (the archive
/// here is `helm package` of `release-namespace`'s chart, with the same kustomization).
#[test]
fn a_chart_archive_renders_as_its_directory() {
    let dir = cases_dir();
    let got = build_case(&dir.join("ext-archive"), &helm_options()).expect("archive");
    let want =
        std::fs::read_to_string(dir.join("release-namespace/expected.yaml")).expect("expected");
    assert_eq!(got, want);
}
