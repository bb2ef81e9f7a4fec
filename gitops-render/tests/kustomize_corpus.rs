//! Conformance against the reference corpus (`../shared/corpus/kustomize`, read when
//! present): every case is built with both orderings and compared byte for byte with
//! `kubectl kustomize`'s output. Prints `N passed, M failed` with the failing cases, and
//! fails when fewer than [`THRESHOLD`] builds match; raise it as the engine grows.

use std::path::{Path, PathBuf};

use gitops_render::kustomize::{self, DiskFs, Options, Reorder};

/// Builds (case × ordering) that must match byte for byte.
const THRESHOLD: usize = 266;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/kustomize");
    dir.is_dir().then_some(dir)
}

/// `(expected file, input path, reorder)` from a case's CMD lines.
fn commands(case: &Path) -> Vec<(String, String, Reorder)> {
    let Ok(text) = std::fs::read_to_string(case.join("CMD")) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            let (expected, cmd) = line.split_once(": ")?;
            let args: Vec<&str> = cmd.split_whitespace().skip(2).collect();
            let reorder = if args.windows(2).any(|w| w == ["--reorder", "none"]) {
                Reorder::None
            } else {
                Reorder::Legacy
            };
            let input = args.iter().rev().find(|a| a.starts_with("input"))?;
            Some((expected.to_string(), (*input).to_string(), reorder))
        })
        .collect()
}

fn build(case: &Path, input: &str, reorder: Reorder) -> Result<String, String> {
    let fs = DiskFs::new(case.join("input")).map_err(|e| e.to_string())?;
    let dir = input
        .strip_prefix("input")
        .unwrap_or(input)
        .trim_start_matches('/');
    let options = Options {
        reorder,
        ..Options::default()
    };
    let set = std::panic::catch_unwind(|| kustomize::build(&fs, dir, &options))
        .map_err(|_| "panicked".to_string())?
        .map_err(|e| e.to_string())?;
    Ok(set.to_yaml())
}

#[test]
fn corpus_cases_match_kubectl_kustomize() {
    let Some(root) = corpus() else {
        eprintln!("note: ../shared/corpus/kustomize is absent; conformance not measured");
        return;
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("CMD").is_file())
        .collect();
    cases.sort();
    let (mut passed, mut failed) = (0usize, Vec::new());
    for case in &cases {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        for (expected_file, input, reorder) in commands(case) {
            let expected = std::fs::read_to_string(case.join(&expected_file)).unwrap_or_default();
            match build(case, &input, reorder) {
                Ok(out) if out == expected => passed += 1,
                Ok(_) => failed.push(format!("{name} ({expected_file}): output differs")),
                Err(e) => failed.push(format!(
                    "{name} ({expected_file}): {}",
                    e.lines().next().unwrap_or("")
                )),
            }
        }
    }
    for f in &failed {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "kustomize conformance: {passed} passed, {} failed",
        failed.len()
    );
    assert!(
        passed >= THRESHOLD,
        "{passed} builds match, below the threshold of {THRESHOLD}"
    );
}
