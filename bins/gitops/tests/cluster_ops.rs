//! `gitops reconcile|suspend|resume|delete|create` against a dev cluster with a simulated
//! controller.
#![allow(clippy::unwrap_used)]

mod cluster_support;

use cluster_support::{Cluster, Controller, SHA, git_repository, kustomization};

const SRC: &str = "source.toolkit.fluxcd.io/v1";
const KS: &str = "kustomize.toolkit.fluxcd.io/v1";
const KS_PATH: &str = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations";
const GIT_PATH: &str = "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories";

#[test]
fn reconcile_waits_for_the_controller() {
    let c = Cluster::start();
    c.create(
        SRC,
        "gitrepositories",
        "flux-system",
        git_repository("podinfo", "flux-system"),
        None,
    );
    c.create(
        KS,
        "kustomizations",
        "flux-system",
        kustomization("apps", "flux-system", "podinfo"),
        None,
    );

    // Nobody handles the request: the wait times out.
    let run = c.gitops(&["reconcile", "ks", "apps", "--timeout=1s"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "► annotating Kustomization apps in flux-system namespace\n\
         ✔ Kustomization annotated\n\
         ◎ waiting for Kustomization reconciliation\n\
         ✗ context deadline exceeded\n"
    );

    let _controller = Controller::start(&c);
    // Let the controller handle the first request before asking again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while c.get(&format!("{KS_PATH}/apps"))["status"]["lastHandledReconcileAt"].is_null() {
        assert!(
            std::time::Instant::now() < deadline,
            "the simulated controller did not run"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let run = c.gitops(
        &["reconcile", "kustomization", "apps", "--with-source"],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "► annotating GitRepository podinfo in flux-system namespace\n\
             ✔ GitRepository annotated\n\
             ◎ waiting for GitRepository reconciliation\n\
             ✔ fetched revision main@sha1:{SHA}\n\
             ► annotating Kustomization apps in flux-system namespace\n\
             ✔ Kustomization annotated\n\
             ◎ waiting for Kustomization reconciliation\n\
             ✔ applied revision main@sha1:{SHA}\n"
        )
    );
    let ks = c.get(&format!("{KS_PATH}/apps"));
    assert_eq!(
        ks["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"],
        ks["status"]["lastHandledReconcileAt"]
    );

    let run = c.gitops(&["reconcile", "source", "git", "missing"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "✗ gitrepositories.source.toolkit.fluxcd.io \"missing\" not found\n"
    );
    let run = c.gitops(&["reconcile", "source", "git"], None);
    assert_eq!(run.stderr, "✗ GitRepository name is required\n");
}

#[test]
fn suspend_resume_and_delete() {
    let c = Cluster::start();
    let _controller = Controller::start(&c);
    c.create(
        SRC,
        "gitrepositories",
        "flux-system",
        git_repository("podinfo", "flux-system"),
        None,
    );
    c.create(
        KS,
        "kustomizations",
        "flux-system",
        kustomization("apps", "flux-system", "podinfo"),
        None,
    );
    c.create(
        KS,
        "kustomizations",
        "flux-system",
        kustomization("infra", "flux-system", "podinfo"),
        None,
    );

    let run = c.gitops(&["suspend", "ks", "apps"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "► suspending kustomization apps in flux-system namespace\n✔ kustomization suspended\n"
    );
    assert_eq!(c.get(&format!("{KS_PATH}/apps"))["spec"]["suspend"], true);

    let run = c.gitops(&["reconcile", "ks", "apps"], None);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (1, "✗ resource is suspended\n")
    );

    let run = c.gitops(&["suspend", "ks", "nope"], None);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            0,
            "✗ Kustomization nope not found in flux-system namespace\n"
        )
    );

    let run = c.gitops(&["resume", "ks", "apps"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "► resuming kustomization apps in flux-system namespace\n\
             ✔ kustomization resumed\n\
             ◎ waiting for Kustomization reconciliation\n\
             ✔ Kustomization apps reconciliation completed\n\
             ✔ applied revision main@sha1:{SHA}\n"
        )
    );
    assert!(
        c.get(&format!("{KS_PATH}/apps"))["spec"]
            .get("suspend")
            .is_none()
    );

    let run = c.gitops(&["suspend", "ks", "--all"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr.matches("✔ kustomization suspended").count(), 2);
    assert_eq!(c.get(&format!("{KS_PATH}/infra"))["spec"]["suspend"], true);
    let run = c.gitops(&["resume", "ks", "--all"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr.matches("✔ kustomization resumed").count(), 2);
    assert!(
        !run.stderr.contains('◎'),
        "--all without --wait does not wait: {}",
        run.stderr
    );

    let run = c.gitops(&["suspend", "source", "git", "podinfo"], None);
    assert_eq!(
        run.stderr,
        "► suspending source git podinfo in flux-system namespace\n✔ source git suspended\n"
    );
    assert_eq!(
        c.get(&format!("{GIT_PATH}/podinfo"))["spec"]["suspend"],
        true
    );

    // delete asks first; "n" aborts, --silent does not ask.
    let run = c.gitops(&["delete", "ks", "apps"], Some("n\n"));
    assert_eq!(run.code, 1);
    assert!(run.stderr.ends_with("✗ aborting\n"), "{}", run.stderr);
    assert_eq!(
        c.http("GET", &format!("{KS_PATH}/apps"), "application/json", None)
            .0,
        200
    );
    let run = c.gitops(&["delete", "ks", "apps"], Some("y\n"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "? Are you sure you want to delete this kustomization? [y/N] ► deleting kustomization apps in flux-system namespace\n✔ kustomization deleted\n"
    );
    let run = c.gitops(&["delete", "source", "git", "podinfo", "--silent"], None);
    assert_eq!(
        run.stderr,
        "► deleting source git podinfo in flux-system namespace\n✔ source git deleted\n"
    );
    assert_eq!(
        c.http(
            "GET",
            &format!("{GIT_PATH}/podinfo"),
            "application/json",
            None
        )
        .0,
        404
    );
    let run = c.gitops(&["delete", "ks", "apps", "-s"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "✗ kustomizations.kustomize.toolkit.fluxcd.io \"apps\" not found\n"
    );
}

#[test]
fn create_without_export_applies_and_waits() {
    let c = Cluster::start();
    let _controller = Controller::start(&c);
    let run = c.gitops(
        &[
            "create",
            "source",
            "git",
            "podinfo",
            "--url=https://github.com/stefanprodan/podinfo",
            "--branch=master",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "✚ generating GitRepository source\n\
             ► applying GitRepository source\n\
             ✔ GitRepository source created\n\
             ◎ waiting for GitRepository source reconciliation\n\
             ✔ GitRepository source reconciliation completed\n\
             ✔ fetched revision: main@sha1:{SHA}\n"
        )
    );
    let repo = c.get(&format!("{GIT_PATH}/podinfo"));
    assert_eq!(repo["spec"]["ref"]["branch"], "master");
    assert_eq!(repo["spec"]["interval"], "1m0s");

    let run = c.gitops(
        &[
            "create",
            "ks",
            "apps",
            "--source=podinfo",
            "--path=./kustomize",
            "--prune",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "✚ generating Kustomization\n\
             ► applying Kustomization\n\
             ✔ Kustomization created\n\
             ◎ waiting for Kustomization reconciliation\n\
             ✔ Kustomization apps is ready\n\
             ✔ applied revision main@sha1:{SHA}\n"
        )
    );
    assert_eq!(
        c.get(&format!("{KS_PATH}/apps"))["spec"]["path"],
        "./kustomize"
    );

    // Again with another path: an update.
    let run = c.gitops(
        &[
            "create",
            "ks",
            "apps",
            "--source=podinfo",
            "--path=./deploy",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("✔ Kustomization updated\n"),
        "{}",
        run.stderr
    );
    let ks = c.get(&format!("{KS_PATH}/apps"));
    assert_eq!(
        (ks["spec"]["path"].as_str(), ks["spec"]["prune"].as_bool()),
        (Some("./deploy"), Some(false))
    );

    let run = c.gitops(
        &[
            "create",
            "source",
            "oci",
            "manifests",
            "--url=oci://ghcr.io/stefanprodan/manifests/podinfo",
            "--tag=latest",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "► applying OCIRepository\n\
             ✔ OCIRepository created\n\
             ◎ waiting for OCIRepository reconciliation\n\
             ✔ OCIRepository reconciliation completed\n\
             ✔ fetched revision: main@sha1:{SHA}\n"
        )
    );

    let run = c.gitops(
        &[
            "create",
            "source",
            "bucket",
            "podinfo",
            "--bucket-name=podinfo",
            "--endpoint=minio:9000",
            "--access-key=myaccesskey",
            "--secret-key=mysecretkey",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "✚ generating Bucket source\n\
             ► applying secret with the bucket credentials\n\
             ✔ authentication configured\n\
             ► applying Bucket source\n\
             ✔ Bucket source created\n\
             ◎ waiting for Bucket source reconciliation\n\
             ✔ Bucket source reconciliation completed\n\
             ✔ fetched revision: main@sha1:{SHA}\n"
        )
    );
    let bucket = c.get("/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/buckets/podinfo");
    assert_eq!(bucket["spec"]["secretRef"]["name"], "bucket-podinfo");
    let secret = c.get("/api/v1/namespaces/flux-system/secrets/bucket-podinfo");
    // A real API server folds stringData into data; the dev cluster keeps stringData.
    assert!(
        secret["data"]["accesskey"] == "bXlhY2Nlc3NrZXk="
            || secret["stringData"]["accesskey"] == "myaccesskey",
        "{secret}"
    );

    // --export still only prints.
    let run = c.gitops(
        &["create", "ks", "other", "--source=podinfo", "--export"],
        None,
    );
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .starts_with("---\napiVersion: kustomize.toolkit.fluxcd.io/v1\n")
    );
    assert_eq!(
        c.http("GET", &format!("{KS_PATH}/other"), "application/json", None)
            .0,
        404
    );
}
