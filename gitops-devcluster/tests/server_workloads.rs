//! Workload simulation and the `/scale` subresource, driven by the real clients:
//! `kubectl rollout status|wait|scale`, kube-rs `get_scale`/`patch_scale`, `helm install
//! --wait`.
//!
//! Needs `kubectl` on PATH (Google Cloud SDK's dispatcher with `kubectl.1.32`, or any
//! kubectl ≥ 1.27; https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl) and the
//! reference Helm 3 (`../shared/tools/install-reference-tools.sh /var/tmp/gitops-tools`,
//! or set `HELM3`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gitops_devcluster::{DevCluster, Options};
use serde_json::{Value, json};

mod support;
use support::Env;

const DELAY: Duration = Duration::from_millis(50);

fn start(simulate: bool) -> Env {
    support::start_with(Options {
        simulate_workloads: simulate,
        workload_delay: DELAY,
        ..Options::default()
    })
}

impl Env {
    fn apply(&self, name: &str, text: &str) {
        let p = self.file(name, text);
        self.ok(&["apply", "-f", &p]);
    }
}

fn deployment(name: &str, replicas: u32, annotations: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  annotations: {{{annotations}}}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n"
    )
}

const STS: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 2\n  serviceName: db\n  selector:\n    matchLabels:\n      app: db\n  template:\n    metadata:\n      labels:\n        app: db\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n";

const DS: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  selector:\n    matchLabels:\n      app: agent\n  template:\n    metadata:\n      labels:\n        app: agent\n    spec:\n      containers:\n      - name: agent\n        image: busybox:1.36\n";

fn job(name: &str, annotations: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations: {{{annotations}}}\nspec:\n  backoffLimit: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: pi\n        image: perl:5.34\n        command: [perl, -e, 'print 1']\n"
    )
}

const FAIL: &str = "devcluster.gitops.dev/fail: \"true\"";

#[test]
fn server_workloads_rollout_status_completes_for_deployment_statefulset_daemonset() {
    let env = start(true);
    env.apply(
        "w.yaml",
        &format!("{}---\n{STS}---\n{DS}", deployment("web", 2, "")),
    );
    let out = env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    assert!(
        out.contains("deployment \"web\" successfully rolled out"),
        "{out}"
    );
    let out = env.ok(&["rollout", "status", "statefulset/db", "--timeout=60s"]);
    assert!(out.contains("roll out complete"), "{out}");
    let out = env.ok(&["rollout", "status", "daemonset/agent", "--timeout=60s"]);
    assert!(
        out.contains("daemon set \"agent\" successfully rolled out"),
        "{out}"
    );
    let table = env.ok(&["get", "deployment", "web"]);
    assert!(table.contains("2/2"), "{table}");
    let history = env.ok(&["rollout", "history", "deployment/web"]);
    assert!(
        history.lines().any(|l| l.trim_start().starts_with('1')),
        "{history}"
    );

    let d = env.json(&["get", "deployment", "web"]);
    assert_eq!(
        d["metadata"]["generation"], 1,
        "status writes keep the generation"
    );
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    let st = &d["status"];
    assert_eq!(
        (st["observedGeneration"].clone(), st["replicas"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(
        (st["readyReplicas"].clone(), st["availableReplicas"].clone()),
        (json!(2), json!(2))
    );
    let reasons: Vec<String> = st["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .map(|c| {
            format!(
                "{}={}/{}",
                c["type"].as_str().unwrap_or(""),
                c["status"].as_str().unwrap_or(""),
                c["reason"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        reasons.contains(&"Available=True/MinimumReplicasAvailable".to_string()),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"Progressing=True/NewReplicaSetAvailable".to_string()),
        "{reasons:?}"
    );

    let rs = env.json(&["get", "replicasets", "-l", "app=web"]);
    let items = rs["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{rs}");
    let hash = items[0]["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .expect("hash label");
    assert_eq!(hash.len(), 10);
    assert_eq!(items[0]["metadata"]["name"], format!("web-{hash}"));
    let owner = &items[0]["metadata"]["ownerReferences"][0];
    assert_eq!(
        (owner["kind"].clone(), owner["controller"].clone()),
        (json!("Deployment"), json!(true))
    );
    assert_eq!(owner["uid"], d["metadata"]["uid"]);
    assert_eq!(owner["blockOwnerDeletion"], true);

    let sts = env.json(&["get", "statefulset", "db"]);
    assert_eq!(sts["status"]["readyReplicas"], 2);
    assert_eq!(
        sts["status"]["currentRevision"],
        sts["status"]["updateRevision"]
    );
    let ds = env.json(&["get", "daemonset", "agent"]);
    assert_eq!(
        (
            ds["status"]["desiredNumberScheduled"].clone(),
            ds["status"]["numberReady"].clone()
        ),
        (json!(1), json!(1))
    );
}

#[test]
fn server_workloads_fail_annotation_fails_rollouts_and_jobs() {
    let env = start(true);
    env.apply("bad.yaml", &deployment("bad", 1, FAIL));
    let err = env.fail(&["rollout", "status", "deployment/bad", "--timeout=60s"]);
    assert!(err.contains("exceeded its progress deadline"), "{err}");
    let d = env.json(&["get", "deployment", "bad"]);
    let conds = d["status"]["conditions"]
        .as_array()
        .expect("conditions")
        .clone();
    let find = |t: &str| {
        conds
            .iter()
            .find(|c| c["type"] == t)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(find("Progressing")["status"], "False");
    assert_eq!(find("Progressing")["reason"], "ProgressDeadlineExceeded");
    assert_eq!(find("Available")["status"], "False");

    env.apply("badjob.yaml", &job("badjob", FAIL));
    env.ok(&[
        "wait",
        "--for=condition=failed",
        "job/badjob",
        "--timeout=60s",
    ]);
    let j = env.json(&["get", "job", "badjob"]);
    assert!(
        j["status"]["conditions"]
            .as_array()
            .expect("conditions")
            .iter()
            .any(|c| c["type"] == "Failed" && c["reason"] == "BackoffLimitExceeded"),
        "{j}"
    );

    let bad_sts = STS.replacen(
        "  name: db\n",
        &format!("  name: db\n  annotations: {{{FAIL}}}\n"),
        1,
    );
    env.apply("badsts.yaml", &bad_sts);
    env.fail(&["rollout", "status", "statefulset/db", "--timeout=2s"]);
    let sts = env.json(&["get", "statefulset", "db"]);
    assert_eq!(
        sts["status"]["observedGeneration"], 1,
        "observed but never ready: {sts}"
    );
    assert!(sts["status"].get("readyReplicas").is_none(), "{sts}");
}

#[test]
fn server_workloads_template_change_makes_a_second_replicaset() {
    let env = start(true);
    env.apply("web.yaml", &deployment("web", 2, ""));
    env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    env.ok(&[
        "patch",
        "deployment",
        "web",
        "--type=merge",
        "-p",
        r#"{"spec":{"template":{"metadata":{"annotations":{"restarted":"1"}}}}}"#,
    ]);
    env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    let d = env.json(&["get", "deployment", "web"]);
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    assert_eq!(
        d["status"]["observedGeneration"],
        d["metadata"]["generation"]
    );
    let rs = replicasets(&env, "app=web");
    assert_eq!(rs, vec![("1".to_string(), 0, 0), ("2".to_string(), 2, 2)]);
    // A third template with revisionHistoryLimit 1 prunes the oldest ReplicaSet.
    env.ok(&[
        "patch",
        "deployment",
        "web",
        "--type=merge",
        "-p",
        r#"{"spec":{"revisionHistoryLimit":1,"template":{"metadata":{"annotations":{"restarted":"2"}}}}}"#,
    ]);
    env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    let want = vec![("2".to_string(), 0, 0), ("3".to_string(), 2, 2)];
    wait_for_replicasets(&env, &want);
    // Rolling back reuses the old ReplicaSet under the next revision.
    env.ok(&["rollout", "undo", "deployment/web"]);
    env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    wait_for_replicasets(&env, &[("3".to_string(), 0, 0), ("4".to_string(), 2, 2)]);
}

fn wait_for_replicasets(env: &Env, want: &[(String, i64, i64)]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = replicasets(env, "app=web");
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "{got:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn server_workloads_paused_deployment_waits_for_resume() {
    let env = start(true);
    env.apply("web.yaml", &deployment("web", 1, ""));
    env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    env.ok(&["rollout", "pause", "deployment/web"]);
    let patch = r#"{"spec":{"template":{"metadata":{"annotations":{"restarted":"1"}}}}}"#;
    env.ok(&["patch", "deployment", "web", "--type=merge", "-p", patch]);
    std::thread::sleep(DELAY * 4);
    assert_eq!(replicasets(&env, "app=web"), vec![("1".to_string(), 1, 1)]);
    let progressing = |env: &Env| {
        let d = env.json(&["get", "deployment", "web"]);
        d["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["type"] == "Progressing")
            .map(|c| c["reason"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(progressing(&env).as_deref(), Some("DeploymentPaused"));
    env.ok(&["rollout", "resume", "deployment/web"]);
    env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    wait_for_replicasets(&env, &[("1".to_string(), 0, 0), ("2".to_string(), 1, 1)]);
    assert_eq!(progressing(&env).as_deref(), Some("NewReplicaSetAvailable"));
}

/// (revision, spec.replicas, status.replicas) of the ReplicaSets matching `selector`, sorted.
fn replicasets(env: &Env, selector: &str) -> Vec<(String, i64, i64)> {
    let rs = env.json(&["get", "replicasets", "-l", selector]);
    let mut items: Vec<(String, i64, i64)> = rs["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                r["spec"]["replicas"].as_i64().unwrap_or(-1),
                r["status"]["replicas"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    items.sort();
    items
}

#[test]
fn server_workloads_job_completes() {
    let env = start(true);
    env.apply("job.yaml", &job("pi", ""));
    env.ok(&[
        "wait",
        "--for=condition=complete",
        "job/pi",
        "--timeout=60s",
    ]);
    let j = env.json(&["get", "job", "pi"]);
    assert_eq!(j["status"]["succeeded"], 1);
    assert!(
        j["status"]["startTime"].is_string() && j["status"]["completionTime"].is_string(),
        "{j}"
    );
    let types: Vec<&str> = j["status"]["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .filter_map(|c| c["type"].as_str())
        .collect();
    assert_eq!(types, vec!["SuccessCriteriaMet", "Complete"]);
}

#[test]
fn server_workloads_kubectl_scale() {
    let env = start(true);
    env.apply(
        "web.yaml",
        &format!("{}---\n{STS}", deployment("web", 1, "")),
    );
    env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    let out = env.ok(&["scale", "deployment/web", "--replicas=3"]);
    assert!(out.contains("deployment.apps/web scaled"), "{out}");
    env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    let d = env.json(&["get", "deployment", "web"]);
    assert_eq!(
        (
            d["spec"]["replicas"].clone(),
            d["status"]["availableReplicas"].clone()
        ),
        (json!(3), json!(3))
    );
    assert_eq!(d["metadata"]["generation"], 2);
    let scalers: Vec<&Value> = d["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["subresource"] == "scale")
        .collect();
    // kubectl scale sends no fieldManager: the manager is the user agent's product name.
    assert_eq!(scalers.len(), 1, "{d}");
    assert_eq!(scalers[0]["manager"], "kubectl", "{d}");
    assert_eq!(
        scalers[0]["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}}}),
        "{d}"
    );
    let rs = env.json(&["get", "replicasets", "-l", "app=web"]);
    assert_eq!(rs["items"][0]["spec"]["replicas"], 3, "{rs}");
    env.ok(&[
        "scale",
        "statefulset/db",
        "--replicas=4",
        "--current-replicas=2",
    ]);
    env.ok(&["rollout", "status", "statefulset/db", "--timeout=60s"]);
    assert_eq!(
        env.json(&["get", "statefulset", "db"])["status"]["readyReplicas"],
        4
    );
    let err = env.fail(&["scale", "daemonset/agent", "--replicas=2"]);
    assert!(
        err.contains("NotFound") || err.contains("not found"),
        "{err}"
    );
}

#[test]
fn server_workloads_deleting_a_deployment_collects_its_replicasets() {
    let env = start(true);
    env.apply("web.yaml", &deployment("web", 1, ""));
    env.ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    assert_eq!(
        env.json(&["get", "replicasets"])["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    env.ok(&["delete", "deployment", "web"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = env.json(&["get", "replicasets"])["items"]
            .as_array()
            .map_or(0, Vec::len);
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{left} ReplicaSets left after the Deployment was deleted"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn server_workloads_simulation_off_writes_no_status() {
    let env = start(false);
    env.apply(
        "web.yaml",
        &format!("{}---\n{}", deployment("web", 1, ""), job("pi", "")),
    );
    std::thread::sleep(DELAY * 6);
    let d = env.json(&["get", "deployment", "web"]);
    assert!(
        d.get("status")
            .is_none_or(|s| s.as_object().is_none_or(serde_json::Map::is_empty)),
        "{d}"
    );
    assert!(
        d["metadata"]["annotations"]
            .get("deployment.kubernetes.io/revision")
            .is_none(),
        "{d}"
    );
    assert_eq!(
        env.json(&["get", "replicasets"])["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let j = env.json(&["get", "job", "pi"]);
    assert!(j["status"].get("startTime").is_none(), "{j}");
}

/// The reference Helm 3: `$HELM3`, else `helm3` beside `$HELM_BIN`, else
/// `/var/tmp/gitops-tools/helm3`.
fn helm3() -> PathBuf {
    let beside_helm_bin = std::env::var_os("HELM_BIN")
        .and_then(|b| PathBuf::from(b).parent().map(|d| d.join("helm3")));
    let p = std::env::var_os("HELM3")
        .map(PathBuf::from)
        .or(beside_helm_bin)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/gitops-tools/helm3"));
    assert!(
        p.exists(),
        "helm 3 not found at {}: run ../shared/tools/install-reference-tools.sh /var/tmp/gitops-tools (scripts/test.sh does)",
        p.display()
    );
    p
}

/// The reference Helm 4: `helm4` beside `$HELM_BIN` (what scripts/test.sh exports), else
/// `/var/tmp/gitops-tools/helm4`.
fn helm4() -> PathBuf {
    let p = std::env::var_os("HELM_BIN")
        .and_then(|b| PathBuf::from(b).parent().map(|d| d.join("helm4")))
        .unwrap_or_else(|| PathBuf::from("/var/tmp/gitops-tools/helm4"));
    assert!(
        p.exists(),
        "helm 4 not found at {}: run ../shared/tools/install-reference-tools.sh /var/tmp/gitops-tools (scripts/test.sh does)",
        p.display()
    );
    p
}

#[test]
fn server_workloads_helm3_install_wait_completes() {
    helm_install_wait(&helm3());
}

#[test]
fn server_workloads_helm4_install_wait_completes() {
    helm_install_wait(&helm4());
}

/// `helm install --wait --wait-for-jobs` of a chart with every simulated kind returns once
/// the simulated rollouts are done.
fn helm_install_wait(helm: &Path) {
    let env = start(true);
    let chart = env.dir.path().join("chart");
    std::fs::create_dir_all(chart.join("templates")).expect("chart dir");
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: tiny\nversion: 0.1.0\n",
    )
    .expect("Chart.yaml");
    let templates = [
        ("deployment.yaml", deployment("{{ .Release.Name }}", 2, "")),
        ("statefulset.yaml", STS.to_string()),
        ("daemonset.yaml", DS.to_string()),
        ("job.yaml", job("pi", "")),
    ];
    for (file, text) in templates {
        std::fs::write(chart.join("templates").join(file), text).expect("template");
    }
    let out = Command::new(helm)
        .arg("--kubeconfig")
        .arg(env.dir.path().join("kubeconfig"))
        .args(["install", "demo", "./chart", "--wait", "--wait-for-jobs"])
        .args(["--timeout", "60s"])
        .env("HOME", env.dir.path())
        .env("HELM_CACHE_HOME", env.dir.path().join("cache"))
        .env("HELM_CONFIG_HOME", env.dir.path().join("config"))
        .env("HELM_DATA_HOME", env.dir.path().join("data"))
        .current_dir(env.dir.path())
        .output()
        .expect("helm runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "helm install --wait failed:\n{text}");
    assert!(text.contains("STATUS: deployed"), "{text}");
    assert_eq!(
        env.json(&["get", "deployment", "demo"])["status"]["availableReplicas"],
        2
    );
    assert_eq!(
        env.json(&["get", "statefulset", "db"])["status"]["readyReplicas"],
        2
    );
    assert_eq!(env.json(&["get", "job", "pi"])["status"]["succeeded"], 1);
}

const WIDGET_CRD: &str = r#"{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.example.com"},
  "spec": {"group": "example.com", "scope": "Namespaced",
    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
      "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.size",
        "statusReplicasPath": ".status.size", "labelSelectorPath": ".status.selector"}}}]}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_workloads_kube_get_scale_and_patch_scale() {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::api::{
        Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
    };

    let handle = DevCluster::start(Options {
        simulate_workloads: true,
        workload_delay: DELAY,
        ..Options::default()
    })
    .expect("devcluster starts");
    let client = handle.client().expect("client");
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let d: Deployment = serde_json::from_value(json!({"metadata": {"name": "web"}, "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}))
    .expect("deployment");
    deployments
        .patch("web", &PatchParams::apply("test"), &Patch::Apply(&d))
        .await
        .expect("applied");
    let scale = deployments.get_scale("web").await.expect("get_scale");
    assert_eq!(scale.spec.as_ref().and_then(|s| s.replicas), Some(1));
    assert_eq!(scale.metadata.name.as_deref(), Some("web"));
    let patched = deployments
        .patch_scale(
            "web",
            &PatchParams {
                field_manager: Some("hpa".into()),
                ..PatchParams::default()
            },
            &Patch::Merge(json!({"spec": {"replicas": 4}})),
        )
        .await
        .expect("patch_scale");
    assert_eq!(patched.spec.as_ref().and_then(|s| s.replicas), Some(4));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = deployments.get_scale("web").await.expect("get_scale");
        let st = s.status.expect("scale status");
        if st.replicas == 4 {
            assert_eq!(st.selector.as_deref(), Some("app=web"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "status.replicas stays {}",
            st.replicas
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let live = deployments.get("web").await.expect("get");
    let scaler = live
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .find(|e| e.subresource.as_deref() == Some("scale"));
    assert_eq!(
        scaler.and_then(|e| e.manager.as_deref()),
        Some("hpa"),
        "{:?}",
        live.metadata.managed_fields
    );
    assert_eq!(live.spec.and_then(|s| s.replicas), Some(4));
    let negative = deployments
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Json::<()>(
                serde_json::from_value(
                    json!([{"op": "replace", "path": "/spec/replicas", "value": -1}]),
                )
                .expect("json patch"),
            ),
        )
        .await
        .expect_err("negative replicas");
    assert!(
        format!("{negative:?}").contains("must be greater than or equal to 0"),
        "{negative:?}"
    );

    // A custom resource whose CRD declares the scale subresource.
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd: CustomResourceDefinition = serde_json::from_str(WIDGET_CRD).expect("crd");
    crds.create(&PostParams::default(), &crd)
        .await
        .expect("crd created");
    let gvk = GroupVersionKind::gvk("example.com", "v1", "Widget");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let w: DynamicObject =
        serde_json::from_value(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w1"}, "spec": {"size": 2}}))
        .expect("widget");
    widgets
        .create(&PostParams::default(), &w)
        .await
        .expect("widget created");
    widgets
        .patch_status(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"size": 2, "selector": "app=w1"}})),
        )
        .await
        .expect("status patched");
    let s = widgets.get_scale("w1").await.expect("widget scale");
    assert_eq!(s.spec.as_ref().and_then(|s| s.replicas), Some(2));
    let st = s.status.expect("status");
    assert_eq!((st.replicas, st.selector.as_deref()), (2, Some("app=w1")));
    let s = widgets
        .patch_scale(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .expect("widget patch_scale");
    assert_eq!(s.spec.and_then(|s| s.replicas), Some(5));
    let live = widgets.get("w1").await.expect("widget");
    assert_eq!(live.data["spec"]["size"], 5);
    assert_eq!(live.metadata.generation, Some(2));
    let mut stale = widgets.get_scale("w1").await.expect("scale");
    stale.metadata.resource_version = Some("1".into());
    let conflict = widgets
        .replace_scale("w1", &PostParams::default(), &stale)
        .await
        .expect_err("stale");
    assert!(format!("{conflict:?}").contains("Conflict"), "{conflict:?}");
    handle.shutdown();
}
