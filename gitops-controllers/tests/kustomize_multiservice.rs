//! A second pipeline of the user's journey: a microservices-demo-style application, one
//! multi-document `release/kubernetes-manifests.yaml` with twelve Deployments, their
//! Services and ServiceAccounts and no kustomization.yaml (Flux generates one), reconciled
//! into `onlineboutique` by `targetNamespace` with `wait`; a new image rolls out and a
//! removed service is pruned while the others are left alone.
#![allow(clippy::unwrap_used)]

mod kustomize_support;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gitops_core::api::kustomize::Kustomization;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, PostParams};
use kustomize_support::*;
use serde_json::{Value, json};

const NAMESPACE: &str = "onlineboutique";
const REGISTRY: &str = "us-central1-docker.pkg.dev/google-samples/microservices-demo";

/// How a service's container is probed.
#[derive(Clone, Copy, PartialEq)]
enum Probe {
    /// gRPC health checking on the container port.
    Grpc,
    /// `GET path` on the container port.
    Http(&'static str),
    /// A TCP connection to the container port.
    Tcp,
    /// No probes (the load generator).
    None,
}

/// One service of the application.
struct Svc {
    name: &'static str,
    /// The container port; the Service listens on `service_port`.
    port: Option<u16>,
    service_port: u16,
    env: &'static [(&'static str, &'static str)],
    probe: Probe,
    /// CPU request/limit (millicores) and memory request/limit (Mi).
    cpu: (u32, u32),
    memory: (u32, u32),
}

const SERVICES: &[Svc] = &[
    Svc {
        name: "emailservice",
        port: Some(8080),
        service_port: 5000,
        env: &[("PORT", "8080"), ("DISABLE_PROFILER", "1")],
        probe: Probe::Grpc,
        cpu: (100, 200),
        memory: (64, 128),
    },
    Svc {
        name: "checkoutservice",
        port: Some(5050),
        service_port: 5050,
        env: &[
            ("PORT", "5050"),
            ("PRODUCT_CATALOG_SERVICE_ADDR", "productcatalogservice:3550"),
            ("SHIPPING_SERVICE_ADDR", "shippingservice:50051"),
            ("PAYMENT_SERVICE_ADDR", "paymentservice:50051"),
            ("EMAIL_SERVICE_ADDR", "emailservice:5000"),
            ("CURRENCY_SERVICE_ADDR", "currencyservice:7000"),
            ("CART_SERVICE_ADDR", "cartservice:7070"),
        ],
        probe: Probe::Grpc,
        cpu: (100, 200),
        memory: (64, 128),
    },
    Svc {
        name: "recommendationservice",
        port: Some(8080),
        service_port: 8080,
        env: &[
            ("PORT", "8080"),
            ("PRODUCT_CATALOG_SERVICE_ADDR", "productcatalogservice:3550"),
            ("DISABLE_PROFILER", "1"),
        ],
        probe: Probe::Grpc,
        cpu: (100, 200),
        memory: (220, 450),
    },
    Svc {
        name: "frontend",
        port: Some(8080),
        service_port: 80,
        env: &[
            ("PORT", "8080"),
            ("PRODUCT_CATALOG_SERVICE_ADDR", "productcatalogservice:3550"),
            ("CURRENCY_SERVICE_ADDR", "currencyservice:7000"),
            ("CART_SERVICE_ADDR", "cartservice:7070"),
            ("RECOMMENDATION_SERVICE_ADDR", "recommendationservice:8080"),
            ("SHIPPING_SERVICE_ADDR", "shippingservice:50051"),
            ("CHECKOUT_SERVICE_ADDR", "checkoutservice:5050"),
            ("AD_SERVICE_ADDR", "adservice:9555"),
            ("ENABLE_PROFILER", "0"),
        ],
        probe: Probe::Http("/_healthz"),
        cpu: (100, 200),
        memory: (64, 128),
    },
    Svc {
        name: "paymentservice",
        port: Some(50051),
        service_port: 50051,
        env: &[("PORT", "50051"), ("DISABLE_PROFILER", "1")],
        probe: Probe::Grpc,
        cpu: (100, 200),
        memory: (64, 128),
    },
    Svc {
        name: "productcatalogservice",
        port: Some(3550),
        service_port: 3550,
        env: &[("PORT", "3550"), ("DISABLE_PROFILER", "1")],
        probe: Probe::Grpc,
        cpu: (100, 200),
        memory: (64, 128),
    },
    Svc {
        name: "cartservice",
        port: Some(7070),
        service_port: 7070,
        env: &[("REDIS_ADDR", "redis-cart:6379")],
        probe: Probe::Grpc,
        cpu: (200, 300),
        memory: (64, 128),
    },
    Svc {
        name: "loadgenerator",
        port: None,
        service_port: 0,
        env: &[
            ("FRONTEND_ADDR", "frontend:80"),
            ("USERS", "10"),
            ("RATE", "1"),
        ],
        probe: Probe::None,
        cpu: (300, 500),
        memory: (256, 512),
    },
    Svc {
        name: "currencyservice",
        port: Some(7000),
        service_port: 7000,
        env: &[("PORT", "7000"), ("DISABLE_PROFILER", "1")],
        probe: Probe::Grpc,
        cpu: (100, 200),
        memory: (64, 128),
    },
    Svc {
        name: "shippingservice",
        port: Some(50051),
        service_port: 50051,
        env: &[("PORT", "50051"), ("DISABLE_PROFILER", "1")],
        probe: Probe::Grpc,
        cpu: (100, 200),
        memory: (64, 128),
    },
    Svc {
        name: "redis-cart",
        port: Some(6379),
        service_port: 6379,
        env: &[],
        probe: Probe::Tcp,
        cpu: (70, 125),
        memory: (200, 256),
    },
    Svc {
        name: "adservice",
        port: Some(9555),
        service_port: 9555,
        env: &[("PORT", "9555")],
        probe: Probe::Grpc,
        cpu: (200, 300),
        memory: (180, 300),
    },
];

/// The image of `name` at `tag` (redis-cart runs the public redis image).
fn image(name: &str, tag: &str) -> String {
    if name == "redis-cart" {
        "redis:7.2-alpine".to_string()
    } else {
        format!("{REGISTRY}/{name}:{tag}")
    }
}

/// The probes of a container, indented for a container entry.
fn probes(svc: &Svc) -> String {
    let Some(port) = svc.port else {
        return String::new();
    };
    let check = match svc.probe {
        Probe::Grpc => format!("          grpc:\n            port: {port}\n"),
        Probe::Http(path) => format!(
            "          httpGet:\n            path: {path}\n            port: {port}\n            httpHeaders:\n            - name: Cookie\n              value: shop_session-id=x-probe\n"
        ),
        Probe::Tcp => format!("          tcpSocket:\n            port: {port}\n"),
        Probe::None => return String::new(),
    };
    format!(
        "        readinessProbe:\n          periodSeconds: 5\n{check}        livenessProbe:\n          periodSeconds: 10\n          initialDelaySeconds: 10\n{check}"
    )
}

/// The application's `kubernetes-manifests.yaml`: for every service a ServiceAccount,
/// a Deployment and (when it listens) a Service, `---`-separated. `tags` overrides the
/// image tag per service (default `v0.10.1`); services in `without` are left out.
fn manifests(tags: &BTreeMap<&str, &str>, without: &[&str]) -> String {
    let mut out = String::from(
        "# Online Boutique: twelve services of a demo shop, deployed as one release file.\n",
    );
    for svc in SERVICES.iter().filter(|s| !without.contains(&s.name)) {
        let name = svc.name;
        let tag = tags.get(name).copied().unwrap_or("v0.10.1");
        let _ = write!(
            out,
            "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\n"
        );
        let mut env = String::new();
        if !svc.env.is_empty() {
            env.push_str("        env:\n");
            for (k, v) in svc.env {
                let _ = write!(env, "        - name: {k}\n          value: \"{v}\"\n");
            }
        }
        let ports = svc.port.map_or_else(String::new, |p| {
            format!("        ports:\n        - containerPort: {p}\n")
        });
        let (volume_mounts, volumes) = if name == "redis-cart" {
            (
                "        volumeMounts:\n        - name: redis-data\n          mountPath: /data\n",
                "      volumes:\n      - name: redis-data\n        emptyDir: {}\n",
            )
        } else {
            ("", "")
        };
        let container = if name == "redis-cart" {
            "redis"
        } else {
            "server"
        };
        let _ = write!(
            out,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      serviceAccountName: {name}\n      terminationGracePeriodSeconds: 5\n      securityContext:\n        fsGroup: 1000\n        runAsGroup: 1000\n        runAsNonRoot: true\n        runAsUser: 1000\n      containers:\n      - name: {container}\n        image: {image}\n        securityContext:\n          allowPrivilegeEscalation: false\n          privileged: false\n          readOnlyRootFilesystem: true\n          capabilities:\n            drop:\n            - ALL\n{ports}{env}{probes}{volume_mounts}        resources:\n          requests:\n            cpu: {cpu_req}m\n            memory: {mem_req}Mi\n          limits:\n            cpu: {cpu_lim}m\n            memory: {mem_lim}Mi\n{volumes}",
            image = image(name, tag),
            probes = probes(svc),
            cpu_req = svc.cpu.0,
            cpu_lim = svc.cpu.1,
            mem_req = svc.memory.0,
            mem_lim = svc.memory.1,
        );
        if let Some(port) = svc.port {
            let port_name = match svc.probe {
                Probe::Http(_) => "http",
                Probe::Tcp => "tcp-redis",
                Probe::Grpc | Probe::None => "grpc",
            };
            let _ = write!(
                out,
                "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n  type: ClusterIP\n  selector:\n    app: {name}\n  ports:\n  - name: {port_name}\n    port: {service_port}\n    targetPort: {port}\n",
                service_port = svc.service_port,
            );
        }
    }
    out
}

/// The inventory ids of a Kustomization, sorted.
fn inventory(obj: &Value) -> Vec<String> {
    let mut ids: Vec<String> = obj["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// The ids Flux records for `services`: `<ns>_<name>_<group>_<kind>`.
fn expected_ids(without: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for svc in SERVICES.iter().filter(|s| !without.contains(&s.name)) {
        ids.push(format!("{NAMESPACE}_{}__ServiceAccount", svc.name));
        ids.push(format!("{NAMESPACE}_{}_apps_Deployment", svc.name));
        if svc.port.is_some() {
            ids.push(format!("{NAMESPACE}_{}__Service", svc.name));
        }
    }
    ids.sort();
    ids
}

/// The three APIs of the application's kinds in `onlineboutique`.
fn apis(client: &kube::Client) -> [(&'static str, Api<DynamicObject>); 3] {
    [
        (
            "ServiceAccount",
            dynamic(client, "v1", "ServiceAccount", "serviceaccounts", NAMESPACE),
        ),
        (
            "Deployment",
            dynamic(client, "apps/v1", "Deployment", "deployments", NAMESPACE),
        ),
        (
            "Service",
            dynamic(client, "v1", "Service", "services", NAMESPACE),
        ),
    ]
}

/// `Kind/name` → uid of every object of the application's kinds in `onlineboutique`,
/// checking each carries Flux's owner labels for Kustomization `default/boutique`.
async fn owned_uids(client: &kube::Client) -> BTreeMap<String, String> {
    let mut uids = BTreeMap::new();
    for (kind, api) in apis(client) {
        for obj in api.list(&Default::default()).await.unwrap().items {
            let v = serde_json::to_value(&obj).unwrap();
            let name = v["metadata"]["name"].as_str().unwrap().to_string();
            assert_eq!(v["metadata"]["namespace"], NAMESPACE, "{kind}/{name}");
            assert_eq!(
                v["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"], "boutique",
                "{kind}/{name}: {v}"
            );
            assert_eq!(
                v["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/namespace"], "default",
                "{kind}/{name}: {v}"
            );
            uids.insert(
                format!("{kind}/{name}"),
                v["metadata"]["uid"].as_str().unwrap().to_string(),
            );
        }
    }
    uids
}

fn image_of(d: &Value) -> &str {
    d["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_boutique_deploys_rolls_out_an_image_and_prunes_a_removed_service() {
    let release = manifests(&BTreeMap::new(), &[]);
    assert_eq!(release.matches("kind: Deployment").count(), 12);
    let (env, rev1) = start(&[("release/kubernetes-manifests.yaml", Some(&release))]).await;
    let client = env.client.clone();
    // The platform team's namespace, as a cluster has it before the app is deployed.
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": NAMESPACE}})).unwrap(),
        )
        .await
        .unwrap();
    env.git_repository().await;
    create::<Kustomization>(
        &client,
        kustomization(
            "boutique",
            "./release",
            json!({"targetNamespace": NAMESPACE, "wait": true}),
        ),
    )
    .await;

    // A reconcile queued behind the first one (the source's watch event) keeps Ready=True
    // while it re-runs the health checks, as Flux does: wait for the checks to finish.
    let obj = wait_ks(
        &client,
        "boutique",
        "Ready and healthy at the first revision",
        |o| applied(o, &rev1) && has(o, "Healthy", "True", Some("Succeeded")),
    )
    .await;
    assert_eq!(
        condition(&obj, "Ready").unwrap()["message"],
        format!("Applied revision: {rev1}")
    );
    assert!(rev1.starts_with("main@sha1:") && rev1.len() == "main@sha1:".len() + 40);
    assert!(has(&obj, "Healthy", "True", Some("Succeeded")), "{obj}");
    let ids = inventory(&obj);
    assert_eq!(ids, expected_ids(&[]));
    assert_eq!(ids.len(), 35);
    assert!(ids.contains(&"onlineboutique_frontend_apps_Deployment".to_string()));
    assert!(ids.contains(&"onlineboutique_redis-cart__Service".to_string()));
    let uids = owned_uids(&client).await;
    assert_eq!(uids.len(), 35, "{uids:?}");
    let default_deployments = dynamic(&client, "apps/v1", "Deployment", "deployments", "default");
    assert!(
        default_deployments
            .list(&Default::default())
            .await
            .unwrap()
            .items
            .is_empty(),
        "nothing lands outside the target namespace"
    );
    let deployments = dynamic(&client, "apps/v1", "Deployment", "deployments", NAMESPACE);
    let frontend = get_json(&deployments, "frontend").await.unwrap();
    assert_eq!(image_of(&frontend), format!("{REGISTRY}/frontend:v0.10.1"));
    assert_eq!(frontend["status"]["availableReplicas"], 1, "{frontend}");
    let cart = get_json(&deployments, "cartservice").await.unwrap();
    assert_eq!(
        cart["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"]["port"],
        7070
    );
    assert_eq!(
        cart["spec"]["template"]["spec"]["serviceAccountName"],
        "cartservice"
    );
    let services = dynamic(&client, "v1", "Service", "services", NAMESPACE);
    let svc = get_json(&services, "frontend").await.unwrap();
    assert_eq!(svc["spec"]["ports"][0]["port"], 80);
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 8080);

    // A new frontend image: rolled out, the simulated workload becomes available, and
    // the Kustomization is Ready again on the new revision.
    let tags = BTreeMap::from([("frontend", "v0.10.2")]);
    let rev2 = commit(
        &env.repo,
        &[(
            "release/kubernetes-manifests.yaml",
            Some(&manifests(&tags, &[])),
        )],
    );
    let obj = wait_ks(&client, "boutique", "the new image applied", |o| {
        applied(o, &rev2)
    })
    .await;
    assert_eq!(
        condition(&obj, "Ready").unwrap()["message"],
        format!("Applied revision: {rev2}")
    );
    let frontend = get_json(&deployments, "frontend").await.unwrap();
    assert_eq!(image_of(&frontend), format!("{REGISTRY}/frontend:v0.10.2"));
    assert_eq!(frontend["metadata"]["generation"], 2, "{frontend}");
    assert_eq!(frontend["status"]["observedGeneration"], 2, "{frontend}");
    assert_eq!(frontend["status"]["updatedReplicas"], 1, "{frontend}");
    assert_eq!(frontend["status"]["availableReplicas"], 1, "{frontend}");
    let cart = get_json(&deployments, "cartservice").await.unwrap();
    assert_eq!(
        cart["metadata"]["generation"], 1,
        "untouched services are not rolled"
    );
    let evs = events(&client, "boutique").await;
    assert!(
        evs.iter().any(|(t, _, m)| t == "Normal"
            && m.contains("Deployment/onlineboutique/frontend configured")),
        "{evs:?}"
    );
    assert_eq!(
        owned_uids(&client).await,
        uids,
        "an image change keeps every object"
    );

    // adservice removed from the release: its Deployment, Service and ServiceAccount are
    // pruned; every other object keeps its uid.
    let rev3 = commit(
        &env.repo,
        &[(
            "release/kubernetes-manifests.yaml",
            Some(&manifests(&tags, &["adservice"])),
        )],
    );
    let obj = wait_ks(&client, "boutique", "adservice pruned", |o| {
        applied(o, &rev3)
    })
    .await;
    assert_eq!(inventory(&obj), expected_ids(&["adservice"]));
    for (kind, api) in apis(&client) {
        assert!(
            get_json(&api, "adservice").await.is_none(),
            "{kind}/adservice pruned"
        );
    }
    let mut kept = uids.clone();
    kept.retain(|k, _| !k.ends_with("/adservice"));
    assert_eq!(kept.len(), 32);
    assert_eq!(owned_uids(&client).await, kept);
    let evs = events(&client, "boutique").await;
    for gone in [
        "Deployment/onlineboutique/adservice deleted",
        "Service/onlineboutique/adservice deleted",
        "ServiceAccount/onlineboutique/adservice deleted",
    ] {
        assert!(
            evs.iter().any(|(_, _, m)| m.contains(gone)),
            "{gone}: {evs:?}"
        );
    }
}
