//! Selecting one chart's latest version from a huge Helm repository index.
//!
//! The index is generated into a temp file: 2,000 charts × 50 versions (≈ 100 MB, the
//! size of the Artifactory indexes that OOM-killed source-controller, fluxcd/source-controller#192).
//! Benches:
//! - `select_latest`: stream the file, keep the last chart's entries, resolve `*`;
//! - `validate_whole_index`: check every chart entry, as a HelmRepository reconcile does.
//!
//! Peak memory is printed to stderr from `/proc/self/status` (`VmHWM`, the resident
//! high-water mark of the process) before and after the selection; the reader's own
//! footprint is the difference. To see the whole process peak:
//! `/usr/bin/time -v cargo bench -p gitops-benches --bench helm_index` ("Maximum resident
//! set size").

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_sources::helm::{resolve_version, select_chart, validate_index};

const CHARTS: usize = 2_000;
const VERSIONS: usize = 50;

/// Writes an index shaped like `helm repo index` output.
fn generate(path: &Path) -> std::io::Result<u64> {
    let mut w = BufWriter::new(File::create(path)?);
    writeln!(w, "apiVersion: v1\nentries:")?;
    for c in 0..CHARTS {
        writeln!(w, "  chart-{c:04}:")?;
        for v in 0..VERSIONS {
            let version = if v % 10 == 9 {
                format!("{}.{}.0-rc.1", v / 10, v % 10)
            } else {
                format!("{}.{}.0", v / 10, v % 10)
            };
            writeln!(
                w,
                "  - annotations:\n      category: Infrastructure\n      licenses: Apache-2.0"
            )?;
            writeln!(w, "    apiVersion: v2\n    appVersion: {version}")?;
            writeln!(
                w,
                "    created: \"2024-05-{:02}T10:00:00.000000000Z\"",
                1 + v % 28
            )?;
            writeln!(
                w,
                "    dependencies:\n    - name: common\n      repository: oci://registry.example/charts\n      tags:\n      - bitnami-common\n      version: 2.x.x"
            )?;
            writeln!(
                w,
                "    description: Chart number {c} packages an application with a long description line that is realistic."
            )?;
            writeln!(
                w,
                "    digest: {:064x}",
                (c * VERSIONS + v) as u128 * 0x9e37_79b9_7f4a_7c15
            )?;
            writeln!(
                w,
                "    home: https://charts.example/chart-{c:04}\n    icon: https://charts.example/icons/{c}.svg"
            )?;
            writeln!(
                w,
                "    keywords:\n    - chart-{c:04}\n    - example\n    maintainers:\n    - name: Example Maintainers\n      url: https://example.invalid/team"
            )?;
            writeln!(
                w,
                "    name: chart-{c:04}\n    sources:\n    - https://src.example/chart-{c:04}"
            )?;
            writeln!(
                w,
                "    urls:\n    - https://charts.example/chart-{c:04}-{version}.tgz\n    version: {version}"
            )?;
        }
    }
    writeln!(w, "generated: \"2024-05-30T10:00:00.000000000Z\"")?;
    w.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// The process's resident-set high-water mark in KiB (Linux), if readable.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn select_latest(path: &Path, chart: &str) -> String {
    let file = File::open(path).expect("index file");
    let versions =
        select_chart(BufReader::with_capacity(1 << 16, file), chart).expect("valid index");
    resolve_version(chart, &versions, "*")
        .expect("a version")
        .version
        .clone()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile_dir();
    let path = dir.join("index.yaml");
    let size = generate(&path).expect("generate index");
    let before = peak_rss_kib();
    let latest = select_latest(&path, "chart-1999");
    let after = peak_rss_kib();
    eprintln!(
        "helm_index: index {:.1} MB, {CHARTS} charts x {VERSIONS} versions; latest chart-1999 = {latest}; \
         peak RSS before selection {before:?} KiB, after {after:?} KiB",
        size as f64 / 1e6
    );
    let summary = validate_index(BufReader::new(File::open(&path).expect("index"))).expect("valid");
    eprintln!(
        "helm_index: whole-index check {} charts, {} versions; peak RSS now {:?} KiB",
        summary.charts,
        summary.versions,
        peak_rss_kib()
    );

    let mut group = c.benchmark_group("helm_index");
    group.sample_size(10);
    group.bench_function("select_latest", |b| {
        b.iter(|| select_latest(&path, "chart-1999"))
    });
    group.bench_function("validate_whole_index", |b| {
        b.iter(|| validate_index(BufReader::new(File::open(&path).expect("index"))).expect("valid"))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh directory under the system temp dir (the benches crate has no `tempfile`).
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("helm-index-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

criterion_group!(benches, bench);
criterion_main!(benches);
