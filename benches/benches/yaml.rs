//! Parsing and re-emitting a large multi-document manifest stream: the read/print path
//! every render goes through.
//!
//! Input: the corpus' 5,000-object kustomize output (`../shared/corpus/scale/kustomize-5k/
//! expected.yaml`) when present, otherwise a generated stream of the same shape. The
//! reference measurement runs `kubectl kustomize` over a directory holding that one stream
//! (parse + print of the same objects by the Go tool), so the ratio is measured in the same
//! run; it is skipped with a note when `kubectl` is absent.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gitops_core::ResourceSet;

fn input() -> (String, &'static str) {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/scale/kustomize-5k/expected.yaml");
    match std::fs::read_to_string(&corpus) {
        Ok(text) => (text, "corpus-kustomize-5k"),
        Err(_) => (gitops_benches::synthetic_stream(5000), "synthetic-5k"),
    }
}

fn parse_and_emit(c: &mut Criterion) {
    let (text, name) = input();
    let mut group = c.benchmark_group("yaml");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(format!("parse/{name}"), |b| {
        b.iter(|| ResourceSet::from_yaml_str(black_box(&text), "stream.yaml").map(|s| s.len()))
    });
    let set = ResourceSet::from_yaml_str(&text, "stream.yaml").expect("benchmark input is valid");
    group.bench_function(format!("emit/{name}"), |b| {
        b.iter(|| black_box(&set).to_yaml().len())
    });
    group.bench_function(format!("parse+emit/{name}"), |b| {
        b.iter(|| {
            ResourceSet::from_yaml_str(black_box(&text), "stream.yaml").map(|s| s.to_yaml().len())
        })
    });
    if let Some(dir) = kustomize_dir(&text) {
        group.bench_function(format!("reference-kubectl-kustomize/{name}"), |b| {
            b.iter(|| {
                Command::new("kubectl")
                    .args(["kustomize", "--reorder", "none"])
                    .arg(&dir)
                    .output()
                    .map(|o| o.stdout.len())
            })
        });
    } else {
        eprintln!("note: kubectl not found; the reference measurement is skipped");
    }
    group.finish();
}

/// A directory with the stream as the only resource of a kustomization.
fn kustomize_dir(text: &str) -> Option<PathBuf> {
    Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .ok()?;
    let dir = std::env::temp_dir().join(format!("gitops-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(dir.join("stream.yaml"), text).ok()?;
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources:\n- stream.yaml\n",
    )
    .ok()?;
    Some(dir)
}

criterion_group!(benches, parse_and_emit);
criterion_main!(benches);
