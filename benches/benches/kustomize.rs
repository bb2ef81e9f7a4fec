//! `kustomize::build` on real and synthetic trees of the corpus, against `kubectl
//! kustomize` on the same trees in the same run.
//!
//! Trees (read from `../shared/corpus` when present, skipped with a note otherwise):
//! microservices-demo with all Istio components (55 objects) and the synthetic scale
//! tree's one-cluster overlay (625 objects) — both also measured with kubectl — and the
//! whole 5,000-object scale tree (ours only: kubectl needs minutes per build there).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_render::kustomize::{self, DiskFs, Options};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

fn ours(root: &Path, dir: &str) -> usize {
    let fs = DiskFs::new(root).expect("corpus tree");
    kustomize::build(&fs, dir, &Options::default()).map(|s| s.to_yaml().len()).unwrap_or(0)
}

fn kubectl(path: &Path) -> usize {
    Command::new("kubectl").arg("kustomize").arg(path).output().map(|o| o.stdout.len()).unwrap_or(0)
}

fn bench(c: &mut Criterion) {
    let trees = [
        ("msd-istio-all-components", "kustomize/msd-istio-all-components/input", "tests/service-mesh-istio-with-all-components", true),
        ("scale-625", "scale/kustomize-5k/input", "clusters/us-east-1", true),
        ("scale-5k", "scale/kustomize-5k/input", "", false),
    ];
    let has_kubectl = Command::new("kubectl").args(["version", "--client"]).output().is_ok();
    let mut group = c.benchmark_group("kustomize");
    group.sample_size(10);
    for (name, root, dir, with_kubectl) in trees {
        let root = corpus().join(root);
        if !root.is_dir() {
            eprintln!("note: {} is absent; {name} skipped", root.display());
            continue;
        }
        group.bench_function(format!("gitops/{name}"), |b| b.iter(|| ours(black_box(&root), dir)));
        if with_kubectl && has_kubectl {
            let path = root.join(dir);
            group.bench_function(format!("kubectl/{name}"), |b| b.iter(|| kubectl(black_box(&path))));
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
