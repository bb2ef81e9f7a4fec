//! The project's own kustomize fixtures (`tests/fixtures/<case>/`): each is built the way
//! its `CMD` line built it with `kubectl kustomize` and compared byte for byte with
//! `expected.yaml`, or expected to fail with the text in `expected.err`.

use std::path::{Path, PathBuf};

use gitops_render::kustomize::{self, DiskFs, LoadRestrictor, Options, Reorder};

/// The fixtures directory; `KUSTOMIZE_FIXTURES_DIR` points the test at another one (handy
/// for checking cases before they join the suite).
fn fixtures() -> PathBuf {
    match std::env::var_os("KUSTOMIZE_FIXTURES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
    }
}

fn run(case: &Path) -> Result<(), String> {
    let cmd = std::fs::read_to_string(case.join("CMD")).map_err(|e| e.to_string())?;
    let line = cmd.lines().next().unwrap_or_default();
    let args: Vec<&str> = line
        .split(": ")
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let reorder = if args.windows(2).any(|w| w == ["--reorder", "none"]) {
        Reorder::None
    } else {
        Reorder::Legacy
    };
    let load_restrictor = if args
        .windows(2)
        .any(|w| w == ["--load-restrictor", "LoadRestrictionsNone"])
    {
        LoadRestrictor::None
    } else {
        LoadRestrictor::RootOnly
    };
    let input = args
        .iter()
        .rev()
        .find(|a| a.starts_with("input"))
        .ok_or("CMD names no input")?;
    let dir = input
        .strip_prefix("input")
        .unwrap_or(input)
        .trim_start_matches('/');
    let fs = DiskFs::new(case.join("input")).map_err(|e| e.to_string())?;
    let result = kustomize::build(
        &fs,
        dir,
        &Options {
            reorder,
            load_restrictor,
            ..Options::default()
        },
    );
    if let Ok(want) = std::fs::read_to_string(case.join("expected.yaml")) {
        let got = result.map_err(|e| format!("build failed: {e}"))?.to_yaml();
        return if got == want {
            Ok(())
        } else {
            Err(format!("output differs:\n--- got\n{got}--- want\n{want}"))
        };
    }
    let want = std::fs::read_to_string(case.join("expected.err")).map_err(|e| e.to_string())?;
    match result {
        Ok(_) => Err(format!("expected an error containing '{}'", want.trim())),
        Err(e) if e.to_string().contains(want.trim()) => Ok(()),
        Err(e) => Err(format!("error '{e}' does not contain '{}'", want.trim())),
    }
}

#[test]
fn fixtures_match_kubectl_kustomize() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("CMD").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run(c).err().map(|e| format!("{}: {e}", c.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
