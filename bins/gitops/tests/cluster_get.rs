//! `gitops get …`, `events` and `tree` against a dev cluster seeded with Flux objects.
#![allow(clippy::unwrap_used)]

mod cluster_support;

use cluster_support::{Cluster, SHA, git_repository, kustomization, ready};
use serde_json::json;

const SRC: &str = "source.toolkit.fluxcd.io/v1";
const KS: &str = "kustomize.toolkit.fluxcd.io/v1";

fn seed(c: &Cluster) {
    let rev = format!("main@sha1:{SHA}");
    c.create(SRC, "gitrepositories", "flux-system", git_repository("podinfo", "flux-system"), Some(json!({
        "conditions": [ready("True", &format!("stored artifact for revision '{rev}'"))],
        "artifact": {"revision": rev, "path": "p", "url": "http://x/p", "digest": format!("sha256:{}", "0".repeat(64)),
                     "lastUpdateTime": "2026-01-01T00:00:00Z"}})));
    let mut suspended = git_repository("infra", "flux-system");
    suspended["spec"]["suspend"] = json!(true);
    c.create(SRC, "gitrepositories", "flux-system", suspended, None);
    c.create(
        KS,
        "kustomizations",
        "flux-system",
        kustomization("apps", "flux-system", "podinfo"),
        Some(json!({
        "conditions": [ready("True", &format!("Applied revision: {rev}"))],
        "lastAppliedRevision": rev})),
    );
    c.create(
        KS,
        "kustomizations",
        "apps",
        kustomization("broken", "apps", "podinfo"),
        Some(json!({
        "conditions": [ready("False", "kustomization path not found")]})),
    );
}

#[test]
fn get_prints_flux_tables() {
    let c = Cluster::start();
    seed(&c);

    let run = c.gitops(&["get", "sources", "git"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "NAME   \tREVISION          \tSUSPENDED\tREADY\tMESSAGE                                          \t\n\
         infra  \t                  \tTrue     \tFalse\twaiting to be reconciled                         \t\n\
         podinfo\tmain@sha1:696f056d\tFalse    \tTrue \tstored artifact for revision 'main@sha1:696f056d'\t\n"
    );

    let run = c.gitops(&["get", "ks", "-A"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "NAMESPACE  \tNAME  \tREVISION          \tSUSPENDED\tREADY\tMESSAGE                             \t\n\
         apps       \tbroken\t                  \tFalse    \tFalse\tkustomization path not found        \t\n\
         flux-system\tapps  \tmain@sha1:696f056d\tFalse    \tTrue \tApplied revision: main@sha1:696f056d\t\n"
    );

    let run = c.gitops(
        &[
            "get",
            "kustomizations",
            "--status-selector",
            "ready=false",
            "-A",
            "--no-header",
        ],
        None,
    );
    assert_eq!(
        run.stdout,
        "apps\tbroken\t\tFalse\tFalse\tkustomization path not found\t\n"
    );

    let run = c.gitops(&["get", "all"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "NAME                 \tREVISION          \tSUSPENDED\tREADY\tMESSAGE                                          \t\n\
         gitrepository/infra  \t                  \tTrue     \tFalse\twaiting to be reconciled                         \t\n\
         gitrepository/podinfo\tmain@sha1:696f056d\tFalse    \tTrue \tstored artifact for revision 'main@sha1:696f056d'\t\n\
         \n\
         NAME              \tREVISION          \tSUSPENDED\tREADY\tMESSAGE                             \t\n\
         kustomization/apps\tmain@sha1:696f056d\tFalse    \tTrue \tApplied revision: main@sha1:696f056d\t\n\
         \n"
    );

    let run = c.gitops(&["get", "ks", "nope"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "✗ Kustomization object 'nope' not found in \"flux-system\" namespace\n"
    );
    let run = c.gitops(&["get", "sources", "bucket"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "✗ no Bucket objects found in \"flux-system\" namespace\n"
    );
    let run = c.gitops(&["get", "sources", "oci", "-n", "apps"], None);
    assert_eq!(
        run.stderr,
        "✗ no OCIRepository objects found in \"apps\" namespace\n"
    );
}

#[test]
fn get_watch_prints_changes() {
    let c = Cluster::start();
    seed(&c);
    let api = c.api.clone();
    let patcher = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(1200));
        api.must(
            "PATCH",
            "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/infra",
            &json!({"spec": {"suspend": false}}),
        );
    });
    let run = c.gitops(&["get", "sources", "git", "--watch", "--timeout=3s"], None);
    patcher.join().unwrap();
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "✗ timed out waiting for the condition\n");
    assert_eq!(
        run.stdout,
        "NAME \tREVISION\tSUSPENDED\tREADY\tMESSAGE                 \t\n\
         infra\t        \tTrue     \tFalse\twaiting to be reconciled\t\n\
         podinfo\tmain@sha1:696f056d\tFalse\tTrue\tstored artifact for revision 'main@sha1:696f056d'\t\n\
         infra\t\tFalse\tFalse\twaiting to be reconciled\t\n"
    );
}

#[test]
fn events_and_tree() {
    let c = Cluster::start();
    seed(&c);
    let now = gitops_devcluster::store::rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    );
    for (i, (kind, name, reason, message)) in [
        (
            "GitRepository",
            "podinfo",
            "NewArtifact",
            "stored artifact for commit 'Update'",
        ),
        (
            "Kustomization",
            "apps",
            "ReconciliationSucceeded",
            "Reconciliation finished",
        ),
        ("Pod", "web", "Started", "not a Flux object"),
    ]
    .into_iter()
    .enumerate()
    {
        c.must(
            "POST",
            "/api/v1/namespaces/flux-system/events",
            &json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("e{i}"), "namespace": "flux-system"},
            "involvedObject": {"kind": kind, "name": name, "namespace": "flux-system"},
            "reason": reason, "message": message, "type": "Normal",
            "firstTimestamp": now, "lastTimestamp": now, "count": 1}),
        );
    }
    let run = c.gitops(&["events"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // LAST SEEN is the age ("0s", "1s"): normalise the digit.
    let normal: String = run
        .stdout
        .lines()
        .map(|l| {
            let (age, rest) = l.split_once('\t').unwrap();
            format!(
                "{}\t{rest}\n",
                if age.starts_with("LAST") {
                    age.to_string()
                } else {
                    age.replace(|c: char| c.is_ascii_digit(), "N")
                }
            )
        })
        .collect();
    assert_eq!(
        normal,
        "LAST SEEN\tTYPE  \tREASON                 \tOBJECT               \tMESSAGE                            \t\n\
         Ns       \tNormal\tNewArtifact            \tGitRepository/podinfo\tstored artifact for commit 'Update'\t\n\
         Ns       \tNormal\tReconciliationSucceeded\tKustomization/apps   \tReconciliation finished            \t\n"
    );
    let run = c.gitops(&["events", "--for", "Kustomization/apps"], None);
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    let run = c.gitops(&["events", "--for", "Pod/web"], None);
    assert_eq!(run.stderr, "✗ 'Pod' is not a recognized Flux kind\n");
    let run = c.gitops(&["events", "-n", "apps"], None);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (0, "✗ No events found in apps namespace.\n")
    );

    // tree: an inventory with a nested Kustomization.
    c.create(KS, "kustomizations", "flux-system", kustomization("infra", "flux-system", "podinfo"), Some(json!({
        "conditions": [ready("True", "ok")],
        "inventory": {"entries": [
            {"id": "_cert-manager__Namespace", "v": "v1"},
            {"id": "cert-manager_cert-manager_source.toolkit.fluxcd.io_HelmRepository", "v": "v1"}]}})));
    c.create(
        KS,
        "kustomizations",
        "flux-system",
        kustomization("flux-system", "flux-system", "podinfo"),
        Some(json!({
        "conditions": [ready("True", "ok")],
        "inventory": {"entries": [
            {"id": "_flux-system__Namespace", "v": "v1"},
            {"id": "flux-system_source-controller_apps_Deployment", "v": "v1"},
            {"id": "flux-system_flux-system_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"},
            {"id": "flux-system_infra_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"},
            {"id": "flux-system_podinfo_source.toolkit.fluxcd.io_GitRepository", "v": "v1"}]}})),
    );
    let run = c.gitops(&["tree", "kustomization", "flux-system"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Kustomization/flux-system/flux-system\n\
         ├── Namespace/flux-system\n\
         ├── Deployment/flux-system/source-controller\n\
         ├── Kustomization/flux-system/infra\n\
         │   ├── Namespace/cert-manager\n\
         │   └── HelmRepository/cert-manager/cert-manager\n\
         └── GitRepository/flux-system/podinfo\n\n"
    );
    let run = c.gitops(&["tree", "ks", "flux-system", "--compact"], None);
    assert_eq!(
        run.stdout,
        "Kustomization/flux-system/flux-system\n\
         ├── Kustomization/flux-system/infra\n\
         │   └── HelmRepository/cert-manager/cert-manager\n\
         └── GitRepository/flux-system/podinfo\n\n"
    );
    let run = c.gitops(&["tree", "ks", "missing"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "✗ kustomizations.kustomize.toolkit.fluxcd.io \"missing\" not found\n"
    );
}
