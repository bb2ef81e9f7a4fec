//! Golden tests of `gitops create … --export`: every directory under
//! `tests/fixtures/create/` is one invocation (see the README there).
//!
//! - `args`: the arguments, one per line.
//! - `expected.yaml`: stdout, compared byte for byte.
//! - `expected.err`: a substring of stderr; the exit code must be non-zero.
//! - `expected.stderr`: stderr, compared byte for byte (successful runs).
//! - any other file: input the command reads (the command runs in the case directory).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/create")
}

fn read_opt(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

fn run(dir: &Path, args: &[String]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .current_dir(dir)
        .env_remove("FLUX_SYSTEM_NAMESPACE")
        .output()
        .expect("run gitops")
}

/// Checks one case; returns a description of what differs.
fn check(dir: &Path) -> Result<(), String> {
    let args_text = fs::read_to_string(dir.join("args")).map_err(|e| format!("no args: {e}"))?;
    let args: Vec<String> = args_text
        .strip_suffix('\n')
        .unwrap_or(&args_text)
        .split('\n')
        .map(str::to_string)
        .collect();
    let out = run(dir, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if let Some(err) = read_opt(&dir.join("expected.err")) {
        if out.status.success() {
            problems.push("expected a non-zero exit code".to_string());
        }
        if !stderr.contains(err.as_str()) {
            problems.push(format!(
                "stderr does not contain\n{err}\n--- stderr was:\n{stderr}"
            ));
        }
    } else if !out.status.success() {
        problems.push(format!(
            "exit code {:?}, stderr:\n{stderr}",
            out.status.code()
        ));
    }
    if let Some(expected) = read_opt(&dir.join("expected.yaml"))
        && stdout != expected
    {
        problems.push(format!(
            "stdout differs\n--- expected:\n{expected}--- actual:\n{stdout}---"
        ));
    }
    if let Some(expected) = read_opt(&dir.join("expected.stderr"))
        && stderr != expected
    {
        problems.push(format!(
            "stderr differs\n--- expected:\n{expected}--- actual:\n{stderr}---"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn golden_create_cases() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixtures())
        .expect("fixtures directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 35,
        "expected at least 35 golden cases, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        if let Err(why) = check(dir) {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            failures.push(format!("=== {name}\n{why}"));
        }
    }
    eprintln!(
        "golden create cases: {} passed, {} failed",
        dirs.len() - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n\n")
    );
}

#[test]
fn version_prints_the_client_version() {
    let out = run(&fixtures(), &["version".to_string()]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("gitops: v{}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn crds_print_a_yaml_stream() {
    let out = run(&fixtures(), &["crds".to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        ),
        "{text:.200}"
    );
    let docs = text.matches("\nkind: CustomResourceDefinition\n").count();
    assert_eq!(docs, gitops_core::api::crds().len());
    assert_eq!(text.lines().filter(|l| *l == "---").count(), docs);
    for kind in [
        "GitRepository",
        "Kustomization",
        "HelmRelease",
        "Alert",
        "Receiver",
        "ImagePolicy",
    ] {
        assert!(
            text.contains(&format!("    kind: {kind}\n")),
            "no CRD for {kind}"
        );
    }
}

#[test]
fn groups_without_a_command_print_help() {
    let out = run(&fixtures(), &["create".to_string(), "source".to_string()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("git") && text.contains("oci") && text.contains("bucket"),
        "{text}"
    );
}

#[test]
fn flux_system_namespace_env_sets_the_default() {
    let args = ["create", "ks", "apps", "--source=apps", "--export"];
    let out = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .env("FLUX_SYSTEM_NAMESPACE", "gitops-system")
        .output()
        .expect("run gitops");
    assert!(String::from_utf8_lossy(&out.stdout).contains("  namespace: gitops-system\n"));
    let out = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .env("FLUX_SYSTEM_NAMESPACE", "Not_Valid")
        .output()
        .expect("run gitops");
    assert!(String::from_utf8_lossy(&out.stdout).contains("  namespace: flux-system\n"));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("ignoring invalid FLUX_SYSTEM_NAMESPACE: \"Not_Valid\"")
    );
}
