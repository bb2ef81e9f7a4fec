//! `gitops_sources::semver`: Flux's tag selection (`latest`) over 10,000 generated tags for a
//! few constraint shapes, plus the version and constraint parsers alone.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_sources::semver::{Constraints, Version, latest};

/// 10,000 tag names as a busy registry or repository has them: mostly `vX.Y.Z`, some
/// without `v`, prereleases, build metadata, and non-version tags (`latest`, `sha-…`).
fn tags() -> Vec<String> {
    // A fixed linear congruential sequence: the same tags on every run.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    (0..10_000)
        .map(|_| {
            let (major, minor, patch) = (next(8), next(20), next(30));
            match next(20) {
                0 => "latest".to_owned(),
                1 => format!("sha-{:08x}", next(u64::from(u32::MAX))),
                2 => format!("v{major}.{minor}"),
                3 | 4 => format!("v{major}.{minor}.{patch}-rc.{}", next(5)),
                5 => format!("{major}.{minor}.{patch}-beta"),
                6 => format!("v{major}.{minor}.{patch}+build.{}", next(100)),
                7..=9 => format!("{major}.{minor}.{patch}"),
                _ => format!("v{major}.{minor}.{patch}"),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let tags = tags();
    for shape in [">=1.0.0 <2.0.0", "~1.2", "^0.3.x || >= 5.0.0-0"] {
        let constraints = match Constraints::parse(shape) {
            Ok(cs) => cs,
            Err(e) => panic!("bench constraint {shape:?}: {e}"),
        };
        c.bench_function(&format!("semver latest 10k tags {shape}"), |b| {
            b.iter(|| latest(tags.iter().map(String::as_str), black_box(&constraints)))
        });
    }
    c.bench_function("semver parse 10k tags", |b| {
        b.iter(|| {
            tags.iter()
                .filter(|t| Version::parse(black_box(t)).is_ok())
                .count()
        })
    });
    c.bench_function("semver constraint parse", |b| {
        b.iter(|| Constraints::parse(black_box(">= 1.2.3, < 2.0.0 || ~3.1 || 4.0.0 - 4.5.x")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
