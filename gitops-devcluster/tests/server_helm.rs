//! The reference Helm 3 against a devcluster: install (protobuf release Secret), list,
//! uninstall (protobuf DeleteOptions). Helm 4 needs server-side apply (not served yet).
//!
//! Needs the reference helm: `/work/shared/tools/install-reference-tools.sh /tmp/helmtools`
//! (or set `HELM3` to a helm v3 binary).

use std::path::PathBuf;
use std::process::Command;

use gitops_devcluster::{DevCluster, Options};

/// The reference Helm 3: `$HELM3`, else `helm3` beside `$HELM_BIN` (what scripts/test.sh
/// installs and exports), else `/tmp/helmtools/helm3`.
fn helm3() -> PathBuf {
    let beside_helm_bin = std::env::var_os("HELM_BIN")
        .and_then(|b| PathBuf::from(b).parent().map(|d| d.join("helm3")));
    let p = std::env::var_os("HELM3")
        .map(PathBuf::from)
        .or(beside_helm_bin)
        .unwrap_or_else(|| PathBuf::from("/tmp/helmtools/helm3"));
    assert!(
        p.exists(),
        "helm 3 not found at {}: run ../shared/tools/install-reference-tools.sh /var/tmp/gitops-tools (scripts/test.sh does)",
        p.display()
    );
    p
}

#[test]
fn server_helm3_install_list_uninstall() {
    let helm = helm3();
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
        assert!(out.status.success(), "helm {args:?} failed:\n{text}");
        text
    };
    run(&["create", "chart"]);
    assert!(run(&["install", "demo", "./chart"]).contains("STATUS: deployed"));
    let list = run(&["list"]);
    assert!(list.contains("demo") && list.contains("deployed"), "{list}");
    assert!(run(&["uninstall", "demo"]).contains("uninstalled"));
    assert!(!run(&["list"]).contains("demo"));
}
