//! The reference Helm 3 and Helm 4 against a devcluster: install, list, upgrade, history,
//! rollback, uninstall of a real chart (`helm create`). Helm 3 writes release Secrets as
//! protobuf and deletes with protobuf DeleteOptions; Helm 4 installs with server-side
//! apply and waits through watch-list streams.
//!
//! Needs the reference helm: `../shared/tools/install-reference-tools.sh /var/tmp/gitops-tools`
//! (scripts/test.sh does it and exports `HELM_BIN`), or set `HELM3`/`HELM4`.

use std::path::{Path, PathBuf};
use std::process::Command;

use gitops_devcluster::{DevCluster, Options};

/// `$HELM3`/`$HELM4`, else `helm3`/`helm4` beside `$HELM_BIN`, else under `/tmp/helmtools`.
fn helm(major: u8) -> PathBuf {
    let name = format!("helm{major}");
    let beside_helm_bin =
        std::env::var_os("HELM_BIN").and_then(|b| PathBuf::from(b).parent().map(|d| d.join(&name)));
    let p = std::env::var_os(name.to_uppercase())
        .map(PathBuf::from)
        .or(beside_helm_bin)
        .unwrap_or_else(|| Path::new("/tmp/helmtools").join(&name));
    assert!(
        p.exists(),
        "helm {major} not found at {}: run ../shared/tools/install-reference-tools.sh /var/tmp/gitops-tools (scripts/test.sh does)",
        p.display()
    );
    p
}

fn lifecycle(major: u8) {
    let helm = helm(major);
    let handle = DevCluster::start(Options::default()).expect("starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    handle.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let run = |args: &[&str]| {
        let out = Command::new(&helm)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(args)
            .env("HOME", dir.path())
            .env("HELM_CACHE_HOME", dir.path().join("cache"))
            .env("HELM_CONFIG_HOME", dir.path().join("config"))
            .env("HELM_DATA_HOME", dir.path().join("data"))
            .current_dir(dir.path())
            .output()
            .expect("helm runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "helm {major} {args:?} failed:\n{text}"
        );
        text
    };
    run(&["create", "chart"]);
    assert!(run(&["install", "demo", "./chart"]).contains("STATUS: deployed"));
    let list = run(&["list"]);
    assert!(list.contains("demo") && list.contains("deployed"), "{list}");
    let up = run(&["upgrade", "demo", "./chart", "--set", "replicaCount=2"]);
    assert!(up.contains("REVISION: 2"), "{up}");
    let values = run(&["get", "values", "demo"]);
    assert!(values.contains("replicaCount: 2"), "{values}");
    let history = run(&["history", "demo"]);
    assert!(
        history.contains("superseded") && history.lines().count() >= 3,
        "{history}"
    );
    assert!(run(&["rollback", "demo", "1"]).contains("Rollback was a success"));
    let history = run(&["history", "demo"]);
    assert!(history.contains("Rollback to 1"), "{history}");
    // The release records are Secrets the server stored and reads back.
    let secrets = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "secrets", "-l", "owner=helm,name=demo", "-o", "name"])
        .env("HOME", dir.path())
        .output()
        .expect("kubectl runs: install kubectl");
    let names = String::from_utf8_lossy(&secrets.stdout);
    for rev in 1..=3 {
        assert!(
            names.contains(&format!("secret/sh.helm.release.v1.demo.v{rev}")),
            "{names}"
        );
    }
    let manifest = run(&["get", "manifest", "demo"]);
    assert!(
        manifest.contains("kind: Deployment") && manifest.contains("kind: Service"),
        "{manifest}"
    );
    assert!(run(&["uninstall", "demo"]).contains("uninstalled"));
    assert!(!run(&["list"]).contains("demo"));
}

#[test]
fn server_helm3_install_upgrade_rollback_uninstall() {
    lifecycle(3);
}

#[test]
fn server_helm4_install_upgrade_rollback_uninstall() {
    lifecycle(4);
}
