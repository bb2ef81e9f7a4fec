//! `gitops_sources::artifact::pack_file` over a generated 10,000-file tree, next to the
//! reference GNU `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -czf`
//! over the same tree in the same run.
//!
//! The tree is deterministic: 100 directories of 100 YAML-like files (100 B to ~8 KiB), a
//! few executables. It is written under the system temp dir and removed at the end.

use std::fs;
use std::hint::black_box;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_sources::artifact::{self, IgnoreRules, SourceKind};

/// Writes the 10,000-file tree under `root`.
fn generate(root: &Path) {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    for d in 0..100 {
        let dir = root.join(format!("apps/team-{:02}/app-{d:03}", d % 17));
        if let Err(e) = fs::create_dir_all(&dir) {
            panic!("bench tree {}: {e}", dir.display());
        }
        for f in 0..100 {
            let lines = 3 + next(200);
            let mut body =
                format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{d}-{f}\ndata:\n");
            for l in 0..lines {
                body.push_str(&format!("  key{l}: value-{}\n", next(1_000_000)));
            }
            let path = dir.join(format!("cm-{f:03}.yaml"));
            if let Err(e) = fs::write(&path, body) {
                panic!("bench tree {}: {e}", path.display());
            }
            if f == 0 {
                let _ = fs::set_permissions(&path, fs::Permissions::from_mode(0o755));
            }
        }
    }
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn bench(c: &mut Criterion) {
    let scratch =
        Scratch(std::env::temp_dir().join(format!("gitops-bench-artifact-{}", std::process::id())));
    let tree = scratch.0.join("tree");
    generate(&tree);
    let out = scratch.0.join("out");
    if let Err(e) = fs::create_dir_all(&out) {
        panic!("bench output dir: {e}");
    }
    let rules = IgnoreRules::for_source(SourceKind::Git, None);

    let mut group = c.benchmark_group("artifact_10k_files");
    group.sample_size(10);
    group.bench_function("pack_file", |b| {
        b.iter(
            || match artifact::pack_file(&tree, &out.join("ours.tar.gz"), &rules) {
                Ok(digest) => black_box(digest),
                Err(e) => panic!("pack_file: {e}"),
            },
        )
    });
    group.bench_function("gnu_tar_czf", |b| {
        b.iter(|| {
            let status = Command::new("tar")
                .args([
                    "--sort=name",
                    "--mtime=@0",
                    "--owner=0",
                    "--group=0",
                    "--numeric-owner",
                    "-czf",
                ])
                .arg(out.join("tar.tar.gz"))
                .arg("-C")
                .arg(&tree)
                .arg(".")
                .status();
            match status {
                Ok(s) if s.success() => black_box(s),
                other => panic!("GNU tar (apt-get install -y tar gzip): {other:?}"),
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
