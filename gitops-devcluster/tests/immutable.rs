//! Immutable fields over HTTP: a real `kube::Client` and the real `kubectl` get the 422
//! Invalid replies a Kubernetes API server gives on update, patch and server-side apply
//! (dry-run included), and the live object stays as it was.

mod support;

use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

fn api(
    client: &kube::Client,
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
) -> Api<DynamicObject> {
    let ar =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
    Api::namespaced_with(client.clone(), "default", &ar)
}

fn deployment(app: &str, replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "podinfo", "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}},
            "template": {"metadata": {"labels": {"app": app}},
                "spec": {"containers": [{"name": "podinfod", "image": "ghcr.io/stefanprodan/podinfo:6.0.0"}]}}}})
}

fn ssa(dry_run: bool) -> PatchParams {
    let mut p = PatchParams::apply("immutable-test").force();
    p.dry_run = dry_run;
    p
}

/// The API error of a failed call: (code, reason, message, causes as (field, message)).
fn api_error<T: std::fmt::Debug>(r: Result<T, kube::Error>) -> (u16, String, String) {
    match r {
        Err(kube::Error::Api(s)) => (s.code, s.reason.clone(), s.message.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn to_obj(v: Value) -> DynamicObject {
    serde_json::from_value(v).expect("object")
}

const SELECTOR_X: &str = "Deployment.apps \"podinfo\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_selector_is_immutable_on_apply_patch_and_update() {
    let env = support::start();
    let client = env.handle.client().expect("client");
    let deploys = api(&client, "apps", "v1", "Deployment", "deployments");
    let created = deploys
        .patch(
            "podinfo",
            &ssa(false),
            &Patch::Apply(deployment("podinfo", 1)),
        )
        .await
        .expect("first apply creates");
    let uid = created.metadata.uid.clone().expect("uid");

    // Mutable fields still change; an unchanged apply is accepted.
    deploys
        .patch(
            "podinfo",
            &ssa(false),
            &Patch::Apply(deployment("podinfo", 2)),
        )
        .await
        .expect("replicas change");
    deploys
        .patch(
            "podinfo",
            &ssa(false),
            &Patch::Apply(deployment("podinfo", 2)),
        )
        .await
        .expect("same apply");

    for dry_run in [true, false] {
        let (code, reason, message) = api_error(
            deploys
                .patch("podinfo", &ssa(dry_run), &Patch::Apply(deployment("x", 2)))
                .await,
        );
        assert_eq!(
            (code, reason.as_str()),
            (422, "Invalid"),
            "dry_run={dry_run}"
        );
        assert_eq!(message, SELECTOR_X, "dry_run={dry_run}");
    }
    let (code, _, message) = api_error(
        deploys
            .patch(
                "podinfo",
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"selector": {"matchLabels": {"app": "x"}},
                    "template": {"metadata": {"labels": {"app": "x"}}}}})),
            )
            .await,
    );
    assert_eq!((code, message.as_str()), (422, SELECTOR_X));
    let mut replaced = deploys.get("podinfo").await.expect("get");
    replaced.data["spec"]["selector"] = json!({"matchLabels": {"app": "x"}});
    replaced.data["spec"]["template"]["metadata"]["labels"] = json!({"app": "x"});
    let (code, _, message) = api_error(
        deploys
            .replace("podinfo", &PostParams::default(), &replaced)
            .await,
    );
    assert_eq!((code, message.as_str()), (422, SELECTOR_X));

    // The raw Status: kind in details, one cause naming the field.
    let raw = raw_error(
        &client,
        "/apis/apps/v1/namespaces/default/deployments/podinfo?fieldManager=immutable-test&force=true",
        &deployment("x", 2),
    )
    .await;
    assert_eq!(raw["code"], 422);
    assert_eq!(raw["details"]["kind"], "Deployment");
    assert_eq!(raw["details"]["group"], "apps");
    assert_eq!(raw["details"]["name"], "podinfo");
    assert_eq!(
        raw["details"]["causes"],
        json!([{"reason": "FieldValueInvalid", "field": "spec.selector",
            "message": "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"}])
    );

    let live = deploys.get("podinfo").await.expect("still there");
    assert_eq!(live.metadata.uid.as_deref(), Some(uid.as_str()));
    assert_eq!(
        live.data["spec"]["selector"],
        json!({"matchLabels": {"app": "podinfo"}})
    );
    assert_eq!(live.data["spec"]["replicas"], 2);
}

/// Sends an apply PATCH and returns the Status body of its failure.
async fn raw_error(client: &kube::Client, path: &str, body: &Value) -> Value {
    let req = hyper::Request::patch(path)
        .header("Content-Type", "application/apply-patch+yaml")
        .body(serde_json::to_vec(body).expect("json"))
        .expect("request");
    match client.request_text(req).await {
        Err(kube::Error::Api(s)) => serde_json::to_value(&s).expect("status json"),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulset_job_service_pvc_rules() {
    let env = support::start();
    let client = env.handle.client().expect("client");

    // StatefulSet: template changes pass, volumeClaimTemplates do not.
    let sts = api(&client, "apps", "v1", "StatefulSet", "statefulsets");
    let sts_obj = |image: &str, size: &str| {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
            "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": image}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}}]}})
    };
    sts.patch(
        "db",
        &ssa(false),
        &Patch::Apply(sts_obj("postgres:16", "1Gi")),
    )
    .await
    .expect("create");
    sts.patch(
        "db",
        &ssa(false),
        &Patch::Apply(sts_obj("postgres:17", "1Gi")),
    )
    .await
    .expect("template changes");
    let (code, reason, message) = api_error(
        sts.patch(
            "db",
            &ssa(true),
            &Patch::Apply(sts_obj("postgres:17", "2Gi")),
        )
        .await,
    );
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    assert_eq!(
        message,
        "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    );

    // Job: the generated selector survives re-applies; the template is fixed.
    let jobs = api(&client, "batch", "v1", "Job", "jobs");
    let job = |image: &str| {
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": image}]}}}})
    };
    jobs.patch("migrate", &ssa(false), &Patch::Apply(job("migrate:1")))
        .await
        .expect("create");
    jobs.patch("migrate", &ssa(false), &Patch::Apply(job("migrate:1")))
        .await
        .expect("unchanged re-apply");
    let (code, _, message) = api_error(
        jobs.patch("migrate", &ssa(false), &Patch::Apply(job("migrate:2")))
            .await,
    );
    assert_eq!(code, 422);
    assert!(
        message.starts_with(
            "Job.batch \"migrate\" is invalid: spec.template: Invalid value: core.PodTemplateSpec{"
        ),
        "{message}"
    );
    assert!(message.ends_with(": field is immutable"), "{message}");

    // Service: the allocated clusterIP may not change.
    let svcs = api(&client, "", "v1", "Service", "services");
    let svc = |ip: Option<&str>| {
        let mut s = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}});
        if let Some(ip) = ip {
            s["spec"]["clusterIP"] = json!(ip);
        }
        s
    };
    let created = svcs
        .patch("web", &ssa(false), &Patch::Apply(svc(None)))
        .await
        .expect("create");
    let ip = created.data["spec"]["clusterIP"]
        .as_str()
        .expect("allocated")
        .to_string();
    let other = if ip == "10.96.0.200" {
        "10.96.0.201"
    } else {
        "10.96.0.200"
    };
    svcs.patch("web", &ssa(false), &Patch::Apply(svc(Some(&ip))))
        .await
        .expect("same IP is no change");
    let (code, _, message) = api_error(
        svcs.patch("web", &ssa(false), &Patch::Apply(svc(Some(other))))
            .await,
    );
    assert_eq!(code, 422);
    assert_eq!(
        message,
        format!(
            "Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: []string{{\"{other}\"}}: may not change once set"
        )
    );
    let live = svcs.get("web").await.expect("get");
    assert_eq!(live.data["spec"]["clusterIP"], json!(ip));

    // PersistentVolumeClaim: access modes are fixed.
    let pvcs = api(
        &client,
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
    );
    let pvc = |mode: &str| {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": {"accessModes": [mode], "resources": {"requests": {"storage": "1Gi"}}}})
    };
    pvcs.patch("data", &ssa(false), &Patch::Apply(pvc("ReadWriteOnce")))
        .await
        .expect("create");
    let (code, _, message) = api_error(
        pvcs.patch("data", &ssa(false), &Patch::Apply(pvc("ReadWriteMany")))
            .await,
    );
    assert_eq!(code, 422);
    assert!(
        message.starts_with("PersistentVolumeClaim \"data\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immutable_configmap_and_secret_type() {
    let env = support::start();
    let client = env.handle.client().expect("client");
    let cms = api(&client, "", "v1", "ConfigMap", "configmaps");
    cms.create(
        &PostParams::default(),
        &to_obj(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "frozen"},
            "immutable": true, "data": {"a": "1"}}),
        ),
    )
    .await
    .expect("create");
    let (code, _, message) = api_error(
        cms.patch(
            "frozen",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"a": "2"}})),
        )
        .await,
    );
    assert_eq!(
        (code, message.as_str()),
        (
            422,
            "ConfigMap \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
        )
    );
    let (code, _, message) = api_error(
        cms.patch(
            "frozen",
            &PatchParams::default(),
            &Patch::Merge(json!({"immutable": false})),
        )
        .await,
    );
    assert_eq!(
        (code, message.as_str()),
        (
            422,
            "ConfigMap \"frozen\" is invalid: immutable: Forbidden: field is immutable when `immutable` is set"
        )
    );
    // Metadata still changes.
    cms.patch(
        "frozen",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"l": "v"}}})),
    )
    .await
    .expect("labels change");
    assert_eq!(
        cms.get("frozen").await.expect("get").data["data"],
        json!({"a": "1"})
    );

    let secrets = api(&client, "", "v1", "Secret", "secrets");
    secrets
        .create(
            &PostParams::default(),
            &to_obj(
                json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                "data": {"a": "MQ=="}}),
            ),
        )
        .await
        .expect("create");
    let (code, _, message) = api_error(
        secrets
            .patch(
                "s",
                &PatchParams::default(),
                &Patch::Merge(json!({"type": "kubernetes.io/tls"})),
            )
            .await,
    );
    assert_eq!(
        (code, message.as_str()),
        (
            422,
            "Secret \"s\" is invalid: type: Invalid value: \"kubernetes.io/tls\": field is immutable"
        )
    );
}

#[test]
fn kubectl_apply_reports_the_immutable_selector() {
    let env = support::start();
    let write = |name: &str, app: &str| {
        let path = env.dir.path().join(name);
        let yaml = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n  namespace: default\nspec:\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n    spec:\n      containers:\n      - name: podinfod\n        image: ghcr.io/stefanprodan/podinfo:6.0.0\n"
        );
        std::fs::write(&path, yaml).expect("write manifest");
        path.to_string_lossy().into_owned()
    };
    let first = write("a.yaml", "podinfo");
    let second = write("b.yaml", "other");
    env.ok(&["apply", "-f", &first]);
    for extra in [&[][..], &["--server-side"][..], &["--dry-run=server"][..]] {
        let mut args = vec!["apply", "-f", second.as_str()];
        args.extend_from_slice(extra);
        let out = env.run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra:?}: {stderr}");
        assert!(
            stderr.contains("The Deployment \"podinfo\" is invalid"),
            "{extra:?}: {stderr}"
        );
        assert!(
            stderr.contains("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"),
            "{extra:?}: {stderr}"
        );
    }
    let live = env.ok(&[
        "get",
        "deployment",
        "podinfo",
        "-o",
        "jsonpath={.spec.selector.matchLabels.app}",
    ]);
    assert_eq!(live, "podinfo");
    // kubectl's own answer to an immutable field: replace --force deletes and recreates.
    env.ok(&["replace", "--force", "-f", &second]);
    let live = env.ok(&[
        "get",
        "deployment",
        "podinfo",
        "-o",
        "jsonpath={.spec.selector.matchLabels.app}",
    ]);
    assert_eq!(live, "other");
}
