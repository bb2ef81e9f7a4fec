//! Kustomize builds on real and synthetic trees of the corpus, against `kubectl kustomize`
//! on the same trees in the same run.
//!
//! Three measurements per tree: `lib/…` calls `kustomize::build` and prints the result in
//! process; `gitops/…` runs the whole `gitops kustomize build` process; `kubectl/…` runs
//! `kubectl kustomize`. The process benches need the release binary
//! ([`gitops_benches::gitops_bin`]: `$GITOPS_BIN`, or `scripts/build-release.sh`'s or
//! `cargo build --release -p gitops`'s beside the bench); without it they are skipped with
//! a note.
//!
//! Trees (read from `../shared/corpus` when present, skipped with a note otherwise):
//! microservices-demo with all Istio components (55 objects) and the synthetic scale tree's
//! one-cluster overlay (625 objects), both also measured with kubectl, and the whole
//! 5,000-object scale tree (ours only: kubectl needs minutes per build there, so its time
//! is measured once by hand and reported in the issue note).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_render::kustomize::{self, DiskFs, Options};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

fn library(root: &Path, dir: &str) -> usize {
    let fs = DiskFs::new(root).expect("corpus tree");
    kustomize::build(&fs, dir, &Options::default())
        .map(|s| s.to_yaml().len())
        .unwrap_or(0)
}

/// Runs a build process and returns the length of what it printed.
fn process(program: &Path, args: &[&str], path: &Path) -> usize {
    let output = Command::new(program)
        .args(args)
        .arg(path)
        .output()
        .expect("run build process");
    assert!(
        output.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout.len()
}

fn bench(c: &mut Criterion) {
    let trees = [
        (
            "msd-istio-all-components",
            "kustomize/msd-istio-all-components/input",
            "tests/service-mesh-istio-with-all-components",
            true,
        ),
        (
            "scale-625",
            "scale/kustomize-5k/input",
            "clusters/us-east-1",
            true,
        ),
        ("scale-5k", "scale/kustomize-5k/input", "", false),
    ];
    let kubectl = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok()
        .then(|| PathBuf::from("kubectl"));
    let gitops = gitops_benches::gitops_bin();
    if gitops.is_none() {
        eprintln!(
            "note: no release gitops binary ($GITOPS_BIN, or scripts/build-release.sh); process benches skipped"
        );
    }
    let mut group = c.benchmark_group("kustomize");
    group.sample_size(10);
    for (name, root, dir, with_kubectl) in trees {
        let root = corpus().join(root);
        if !root.is_dir() {
            eprintln!("note: {} is absent; {name} skipped", root.display());
            continue;
        }
        let path = root.join(dir);
        group.bench_function(format!("lib/{name}"), |b| {
            b.iter(|| library(black_box(&root), dir))
        });
        if let Some(bin) = &gitops {
            let args = ["kustomize", "build"];
            group.bench_function(format!("gitops/{name}"), |b| {
                b.iter(|| process(bin, &args, black_box(&path)))
            });
        }
        if let Some(bin) = kubectl.as_ref().filter(|_| with_kubectl) {
            group.bench_function(format!("kubectl/{name}"), |b| {
                b.iter(|| process(bin, &["kustomize"], black_box(&path)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
