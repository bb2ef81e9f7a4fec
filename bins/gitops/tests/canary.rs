//! `gitops canary simulate` and `gitops canary render`, run as a user runs them.

use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/canary/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn gitops(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .output()
        .expect("run gitops");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn simulate_json_prints_the_timeline_of_a_healthy_canary() {
    let canary = fixture("podinfo-canary.yaml");
    let (ok, stdout, stderr) = gitops(&["canary", "simulate", "--canary", &canary, "-o", "json"]);
    assert!(ok, "{stderr}");
    let steps: Vec<Value> = serde_json::from_str(&stdout).expect("json array");
    let keys: Vec<&str> = steps[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "time",
            "phase",
            "primaryWeight",
            "canaryWeight",
            "mirrorWeight",
            "failedChecks",
            "iterations",
            "commands"
        ]
    );
    let times: Vec<u64> = steps
        .iter()
        .map(|s| s["time"].as_u64().expect("time"))
        .collect();
    assert_eq!(times, [0, 60, 120, 180, 240, 300, 360, 420, 480]);
    assert_eq!(steps.last().expect("steps")["phase"], "Succeeded");
    assert_eq!(
        steps[1]["commands"][1],
        "webhook pre-rollout acceptance-test"
    );
}

#[test]
fn simulate_with_a_scenario_rolls_back() {
    let canary = fixture("podinfo-canary.yaml");
    let scenario = fixture("failing.scenario.yaml");
    let (ok, stdout, stderr) = gitops(&[
        "canary",
        "simulate",
        "--canary",
        &canary,
        "--scenario",
        &scenario,
    ]);
    assert!(ok, "{stderr}");
    let header = stdout.lines().next().expect("header");
    assert!(header.starts_with("TIME  PHASE"), "{header}");
    assert!(
        stdout.contains("Halt podinfo.test advancement success rate 80.00% < 99%"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Halt podinfo.test advancement external check load-test failed"),
        "{stdout}"
    );
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.starts_with(' '))
        .expect("last row");
    assert!(last.contains(" Failed "), "{last}");
}

#[test]
fn simulate_errors_name_the_file() {
    let scenario = fixture("podinfo-deployment.yaml");
    let (ok, _, stderr) = gitops(&["canary", "simulate", "--canary", &scenario]);
    assert!(!ok);
    assert!(
        stderr.contains("podinfo-deployment.yaml: no Canary"),
        "{stderr}"
    );
    let canary = fixture("podinfo-canary.yaml");
    let (ok, _, stderr) = gitops(&[
        "canary",
        "simulate",
        "--canary",
        &canary,
        "--scenario",
        &canary,
    ]);
    assert!(!ok);
    assert!(stderr.contains("podinfo-canary.yaml"), "{stderr}");
}

#[test]
fn render_prints_what_flagger_creates_at_initialization() {
    let canary = fixture("podinfo-canary.yaml");
    let target = fixture("podinfo-deployment.yaml");
    let (ok, stdout, stderr) =
        gitops(&["canary", "render", "--canary", &canary, "--target", &target]);
    assert!(ok, "{stderr}");
    let objects: Vec<(String, String)> = stdout
        .split("\n---\n")
        .map(|doc| {
            let kind = doc
                .lines()
                .find_map(|l| l.strip_prefix("kind: "))
                .unwrap_or_default();
            let name = doc
                .lines()
                .find_map(|l| l.strip_prefix("  name: "))
                .unwrap_or_default();
            (kind.to_string(), name.to_string())
        })
        .collect();
    let expected = [
        ("ConfigMap", "podinfo-env-primary"),
        ("Deployment", "podinfo-primary"),
        ("Service", "podinfo-canary"),
        ("Service", "podinfo-primary"),
        ("Service", "podinfo"),
        ("DestinationRule", "podinfo-canary"),
        ("DestinationRule", "podinfo-primary"),
        ("VirtualService", "podinfo"),
    ];
    let got: Vec<(&str, &str)> = objects
        .iter()
        .map(|(k, n)| (k.as_str(), n.as_str()))
        .collect();
    assert_eq!(got, expected);
    assert!(stdout.contains("apiVersion: networking.istio.io/v1beta1"));
    assert!(
        stdout.contains("        name: podinfo-env-primary"),
        "configMapRef renamed:\n{stdout}"
    );
}

#[test]
fn render_at_a_weight_prints_the_routing() {
    let canary = fixture("podinfo-canary.yaml");
    let (ok, stdout, stderr) = gitops(&[
        "canary",
        "render",
        "--canary",
        &canary,
        "--canary-weight",
        "10",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.starts_with("apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\n"),
        "{stdout}"
    );
    let weights: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("weight: "))
        .collect();
    assert_eq!(weights, ["90", "10"]);
    let (ok, _, stderr) = gitops(&[
        "canary",
        "render",
        "--canary",
        &canary,
        "--canary-weight",
        "101",
    ]);
    assert!(!ok);
    assert!(stderr.contains("101"), "{stderr}");
}
