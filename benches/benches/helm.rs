//! Helm chart rendering: gitops-render's `helm template` against the reference Helm, on
//! charts of the shared corpus (`../shared/corpus`, skipped with a note when absent):
//! podinfo (small), prometheus with its subcharts, grafana and ingress-nginx
//! (template-heavy), and the scale chart `scale/helm-2k` (2,000 objects from range loops).
//!
//! Per chart:
//! - `helm/<chart>/render`: the loaded chart rendered to `helm template`'s text (values,
//!   dependencies, templates, sorting) in this process;
//! - `helm/<chart>/load_render`: the same, chart loading from disk included;
//! - `helm/<chart>/gitops_process` and `helm/<chart>/helm_process`: the whole
//!   `gitops helm template` process against the whole `helm template` process (`$HELM_BIN`,
//!   or `/var/tmp/gitops-tools/helm`), same arguments, same run. The `gitops` binary is
//!   [`gitops_benches::gitops_bin`]: `$GITOPS_BIN`, or the shipped build
//!   (`scripts/build-release.sh`) or `cargo build --release -p gitops`'s beside this
//!   bench; either process is skipped with a note when absent.
//!
//! After the timings, each chart's peak resident memory of both processes is printed
//! (from `/usr/bin/time -f %M`, when present).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_render::helm::values::coalesce::{Options, merge_values};
use gitops_render::helm::{Chart, OutputOptions, RenderOptions, template};

/// (label, case directory under the corpus, release name, namespace, values files)
const CASES: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "podinfo",
        "helm/podinfo",
        "podinfo",
        "test",
        &["values-default.yaml"],
    ),
    (
        "prometheus",
        "helm/prometheus",
        "prometheus",
        "monitoring",
        &["values-default.yaml"],
    ),
    (
        "grafana",
        "helm/grafana",
        "grafana",
        "grafana",
        &["values-default.yaml", "values-pin.yaml"],
    ),
    (
        "ingress-nginx",
        "helm/ingress-nginx",
        "ingress-nginx",
        "ingress-nginx",
        &["values-default.yaml"],
    ),
    (
        "helm-2k",
        "scale/helm-2k",
        "scale",
        "scale",
        &["values-default.yaml"],
    ),
];

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

fn helm_bin() -> Option<PathBuf> {
    let path = std::env::var_os("HELM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/gitops-tools/helm"));
    path.is_file().then_some(path)
}

fn args(name: &str, ns: &str, values: &[&str]) -> Vec<String> {
    let mut a = vec![
        "template".to_string(),
        name.to_string(),
        "chart".to_string(),
        "--namespace".to_string(),
        ns.to_string(),
        "--kube-version".to_string(),
        "v1.32.0".to_string(),
    ];
    for v in values {
        a.push("-f".into());
        a.push(v.to_string());
    }
    a
}

fn run_process(cmd: &mut Command) -> usize {
    let out = cmd.stderr(Stdio::null()).output().expect("process runs");
    assert!(out.status.success(), "{cmd:?} failed");
    out.stdout.len()
}

/// Peak resident memory of a command in KiB, via GNU time.
fn peak_kib(program: &Path, pre: &[&str], args: &[String], dir: &Path) -> Option<u64> {
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(program)
        .args(pre)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines().last()?.trim().parse().ok()
}

fn bench(c: &mut Criterion) {
    if !corpus().join("helm").is_dir() {
        eprintln!("helm: corpus not found at {}; skipped", corpus().display());
        return;
    }
    let helm = helm_bin();
    let gitops = gitops_benches::gitops_bin();
    if helm.is_none() {
        eprintln!("helm: no reference helm ($HELM_BIN); helm_process skipped");
    }
    if gitops.is_none() {
        eprintln!(
            "helm: no gitops binary ($GITOPS_BIN, or scripts/build-release.sh); gitops_process skipped"
        );
    }
    let mut memory = Vec::new();
    for (label, case, name, ns, values) in CASES {
        let dir = corpus().join(case);
        if !dir.is_dir() {
            eprintln!("helm: {} missing; skipped", dir.display());
            continue;
        }
        let mut opts = Options::default();
        for v in *values {
            let text = std::fs::read_to_string(dir.join(v)).expect("values file");
            opts.value_files.push((v.to_string(), text));
        }
        let render_opts = RenderOptions {
            release_name: name.to_string(),
            namespace: ns.to_string(),
            kube_version: Some("v1.32.0".into()),
            ..RenderOptions::default()
        };
        let out = OutputOptions::default();
        let chart = Chart::load(&dir.join("chart")).expect("chart loads");
        let mut group = c.benchmark_group(format!("helm/{label}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(5));
        group.bench_function("render", |b| {
            b.iter(|| {
                let user = merge_values(&opts, &mut |p| Err(p.to_string())).expect("values");
                black_box(
                    template::template(&chart, &user, &render_opts, &out)
                        .expect("renders")
                        .len(),
                )
            })
        });
        group.bench_function("load_render", |b| {
            b.iter(|| {
                let chart = Chart::load(&dir.join("chart")).expect("chart loads");
                let user = merge_values(&opts, &mut |p| Err(p.to_string())).expect("values");
                black_box(
                    template::template(&chart, &user, &render_opts, &out)
                        .expect("renders")
                        .len(),
                )
            })
        });
        let a = args(name, ns, values);
        if let Some(g) = &gitops {
            group.bench_function("gitops_process", |b| {
                b.iter(|| {
                    black_box(run_process(
                        Command::new(g).arg("helm").args(&a).current_dir(&dir),
                    ))
                })
            });
        }
        if let Some(h) = &helm {
            group.bench_function("helm_process", |b| {
                b.iter(|| black_box(run_process(Command::new(h).args(&a).current_dir(&dir))))
            });
        }
        group.finish();
        let ours = gitops
            .as_ref()
            .and_then(|g| peak_kib(g, &["helm"], &a, &dir));
        let theirs = helm.as_ref().and_then(|h| peak_kib(h, &[], &a, &dir));
        memory.push((label, ours, theirs));
    }
    for (label, ours, theirs) in memory {
        let show = |k: Option<u64>| {
            k.map_or("n/a".to_string(), |k| {
                format!("{:.1} MiB", k as f64 / 1024.0)
            })
        };
        eprintln!(
            "helm/{label}: peak resident memory gitops {} vs helm {}",
            show(ours),
            show(theirs)
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
