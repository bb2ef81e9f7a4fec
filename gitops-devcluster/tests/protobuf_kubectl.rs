//! Protobuf bodies captured from the real `kubectl create …` decode to the JSON that
//! `kubectl create … --dry-run=client -o json` prints.
//!
//! A tiny loopback HTTP stub (this file) answers `/version`, legacy discovery and the POST
//! (echoing the decoded object with 201), and records every POST body with its content type.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};

use gitops_devcluster::protobuf::{decode_body, encode_object, is_protobuf};
use serde_json::{Value, json};

/// (group, version, plural, kind, namespaced)
const RESOURCES: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "configmaps", "ConfigMap", true),
    ("", "v1", "pods", "Pod", true),
    ("", "v1", "secrets", "Secret", true),
    ("", "v1", "namespaces", "Namespace", false),
    ("", "v1", "serviceaccounts", "ServiceAccount", true),
    ("", "v1", "services", "Service", true),
    ("", "v1", "resourcequotas", "ResourceQuota", true),
    ("apps", "v1", "deployments", "Deployment", true),
    ("batch", "v1", "jobs", "Job", true),
    ("batch", "v1", "cronjobs", "CronJob", true),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
    ),
    ("networking.k8s.io", "v1", "ingresses", "Ingress", true),
    (
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
    ),
    (
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
    ),
];

/// A recorded POST or PUT: (method path, content type, body).
type Posts = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

fn resource_list(group: &str, version: &str) -> Value {
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.0 == group && r.1 == version)
        .map(|r| {
            json!({"name": r.2, "singularName": r.3.to_lowercase(), "namespaced": r.4, "kind": r.3,
                   "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources})
}

fn not_found() -> (u16, Value) {
    (
        404,
        json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}),
    )
}

fn answer(method: &str, path: &str, ctype: &str, body: &[u8], posts: &Posts) -> (u16, Value) {
    let path = path.split('?').next().unwrap_or_default();
    if method == "POST" || method == "PUT" {
        posts.lock().expect("lock").push((
            format!("{method} {path}"),
            ctype.to_string(),
            body.to_vec(),
        ));
        let obj = if is_protobuf(ctype) {
            decode_body(body).ok()
        } else {
            serde_json::from_slice(body).ok()
        };
        return (
            201,
            obj.unwrap_or_else(
                || json!({"kind": "Status", "apiVersion": "v1", "status": "Success"}),
            ),
        );
    }
    match path {
        "/version" => (
            200,
            json!({"major": "1", "minor": "32", "gitVersion": "v1.32.4", "gitCommit": "0", "gitTreeState": "clean",
                   "buildDate": "2025-04-22T00:00:00Z", "goVersion": "go1.23.8", "compiler": "gc",
                   "platform": "linux/amd64"}),
        ),
        "/api" => (
            200,
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
        ),
        "/api/v1" => (200, resource_list("", "v1")),
        "/apis" => {
            let mut groups: Vec<&str> = RESOURCES
                .iter()
                .map(|r| r.0)
                .filter(|g| !g.is_empty())
                .collect();
            groups.dedup();
            let groups: Vec<Value> = groups
                .iter()
                .map(|g| {
                    let gv = json!({"groupVersion": format!("{g}/v1"), "version": "v1"});
                    json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
                })
                .collect();
            (
                200,
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
            )
        }
        p if p.starts_with("/apis/") => {
            let parts: Vec<&str> = p.trim_start_matches("/apis/").split('/').collect();
            if parts.len() == 2 {
                (200, resource_list(parts[0], parts[1]))
            } else {
                not_found()
            }
        }
        p if method == "GET" && p.ends_with("/secrets") => (
            200,
            json!({"kind": "SecretList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": []}),
        ),
        _ => not_found(),
    }
}

fn serve_one(stream: TcpStream, posts: &Posts) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut it = line.split_whitespace();
    let (method, path) = (
        it.next().unwrap_or_default().to_string(),
        it.next().unwrap_or_default().to_string(),
    );
    let (mut len, mut ctype) = (0usize, String::new());
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap_or((&h, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "content-length" => len = v.trim().parse().unwrap_or(0),
            "content-type" => ctype = v.trim().to_string(),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let (code, value) = answer(&method, &path, &ctype, &body, posts);
    let out = value.to_string();
    let mut s = stream;
    write!(
        s,
        "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{out}",
        out.len()
    )?;
    s.flush()
}

fn start_stub() -> (String, Posts) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let posts: Posts = Arc::default();
    let p = posts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let p = p.clone();
            std::thread::spawn(move || serve_one(stream, &p));
        }
    });
    (url, posts)
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn write_kubeconfig(dir: &std::path::Path, url: &str) {
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: stub\n  cluster:\n    server: {url}\n\
         contexts:\n- name: stub\n  context:\n    cluster: stub\n    user: stub\n    namespace: default\n\
         users:\n- name: stub\n  user: {{}}\ncurrent-context: stub\n"
    );
    std::fs::write(dir.join("kubeconfig"), kubeconfig).expect("write kubeconfig");
}

fn kubectl(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let cfg = dir.join("kubeconfig");
    let cache = dir.join("cache");
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&cfg)
        .arg("--cache-dir")
        .arg(&cache)
        .args(args)
        .env("HOME", dir)
        .output()
        .expect("kubectl must be installed (Google Cloud SDK kubectl or apt-get install kubectl)")
}

#[test]
fn kubectl_create_bodies_decode_to_the_json_kubectl_would_send() {
    let (url, posts) = start_stub();
    let dir = tempfile::tempdir().expect("tempdir");
    write_kubeconfig(dir.path(), &url);
    let cases: &[&[&str]] = &[
        &[
            "create",
            "configmap",
            "x",
            "--from-literal=a=b",
            "--from-literal=empty=",
        ],
        &[
            "create",
            "secret",
            "generic",
            "s",
            "--from-literal=k=v",
            "--from-literal=bin=\u{1}\u{2}",
        ],
        &[
            "create",
            "secret",
            "docker-registry",
            "reg",
            "--docker-server=r.io",
            "--docker-username=u",
            "--docker-password=p",
        ],
        &["create", "namespace", "team-a"],
        &["create", "serviceaccount", "sa"],
        &[
            "create",
            "role",
            "r",
            "--verb=get,list",
            "--resource=pods,configmaps",
            "--resource-name=x",
        ],
        &[
            "create",
            "rolebinding",
            "rb",
            "--role=r",
            "--serviceaccount=default:sa",
            "--user=alice",
        ],
        &[
            "create",
            "clusterrole",
            "cr",
            "--verb=get",
            "--non-resource-url=/healthz",
        ],
        &[
            "create",
            "clusterrolebinding",
            "crb",
            "--clusterrole=cr",
            "--group=devs",
        ],
        &[
            "create",
            "deployment",
            "web",
            "--image=nginx:1.27",
            "--replicas=0",
            "--port=80",
        ],
        &["create", "service", "clusterip", "svc", "--tcp=80:8080"],
        &["create", "job", "j", "--image=busybox", "--", "echo", "hi"],
        &[
            "create",
            "cronjob",
            "cj",
            "--image=busybox",
            "--schedule=*/5 * * * *",
        ],
        &["create", "quota", "q", "--hard=cpu=1,memory=1Gi,pods=2"],
        &["create", "ingress", "ing", "--rule=example.com/*=svc:80"],
        &[
            "create",
            "poddisruptionbudget",
            "pdb",
            "--selector=app=web",
            "--min-available=1",
        ],
        &[
            "create",
            "priorityclass",
            "high",
            "--value=1000",
            "--description=important",
        ],
    ];
    let mut protobuf_kinds = Vec::new();
    for args in cases {
        posts.lock().expect("lock").clear();
        let out = kubectl(dir.path(), args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let recorded = posts.lock().expect("lock").clone();
        assert_eq!(
            recorded.len(),
            1,
            "kubectl {args:?} should POST once: {recorded:?}"
        );
        let (path, ctype, body) = &recorded[0];
        let mut dry = args.to_vec();
        let at = dry.iter().position(|a| *a == "--").unwrap_or(dry.len());
        dry.splice(at..at, ["--dry-run=client", "-o", "json"]);
        let printed = kubectl(dir.path(), &dry);
        assert!(
            printed.status.success(),
            "dry run {args:?}: {}",
            String::from_utf8_lossy(&printed.stderr)
        );
        let mut expected: Value = serde_json::from_slice(&printed.stdout).expect("dry-run JSON");
        strip_nulls(&mut expected);
        let mut got = if is_protobuf(ctype) {
            protobuf_kinds.push(expected["kind"].as_str().unwrap_or_default().to_string());
            let decoded =
                decode_body(body).unwrap_or_else(|e| panic!("decode {args:?} ({path}): {e}"));
            // And back: encoding the decoded object and decoding again is lossless.
            let again = encode_object(&decoded).map(|b| decode_body(&b));
            assert_eq!(again, Ok(Ok(decoded.clone())), "{args:?} re-encodes");
            decoded
        } else {
            serde_json::from_slice(body).expect("JSON body")
        };
        strip_nulls(&mut got);
        assert_eq!(
            got, expected,
            "kubectl {args:?} ({ctype}) body differs from its dry-run JSON"
        );
    }
    eprintln!("protobuf bodies from kubectl: {protobuf_kinds:?}");
    // `create token` POSTs a TokenRequest to the serviceaccounts/token subresource.
    posts.lock().expect("lock").clear();
    let out = kubectl(
        dir.path(),
        &["create", "token", "sa", "--duration=1h", "--audience=api"],
    );
    let recorded = posts.lock().expect("lock").clone();
    let (path, ctype, body) = recorded
        .first()
        .unwrap_or_else(|| panic!("no token POST: {out:?}"));
    assert_eq!(
        path,
        "POST /api/v1/namespaces/default/serviceaccounts/sa/token"
    );
    assert!(is_protobuf(ctype), "{ctype}");
    let token = decode_body(body).expect("TokenRequest decodes");
    let expected = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "metadata": {},
        "spec": {"audiences": ["api"], "expirationSeconds": 3600},
        "status": {"token": "", "expirationTimestamp": null}});
    assert_eq!(token, expected, "Go's JSON for the same TokenRequest");
    for required in ["ConfigMap", "Secret", "Namespace"] {
        assert!(
            protobuf_kinds.iter().any(|k| k == required),
            "kubectl sent {required} as JSON, not protobuf"
        );
    }
}

/// Helm 3 and Helm 4 write their release Secrets as protobuf; they decode to the documented shape.
#[test]
fn helm_release_secrets_decode() {
    // scripts/test.sh exports HELM_BIN (its directory also holds helm3 and helm4).
    let candidates = [
        std::env::var_os("HELM_BIN").and_then(|b| {
            std::path::PathBuf::from(b)
                .parent()
                .map(|p| p.to_path_buf())
        }),
        std::env::var_os("GITOPS_TOOLS_DIR").map(std::path::PathBuf::from),
        Some("/var/tmp/gitops-tools".into()),
        Some("/tmp/helmtools".into()),
    ];
    let helm_dir = candidates
        .into_iter()
        .flatten()
        .find(|d| d.join("helm3").exists() && d.join("helm4").exists());
    let helm_dir = helm_dir.expect(
        "helm3/helm4 missing: run ../shared/tools/install-reference-tools.sh /var/tmp/gitops-tools \
         (scripts/test.sh does)",
    );
    for helm in ["helm3", "helm4"] {
        let bin = helm_dir.join(helm);
        let (url, posts) = start_stub();
        let dir = tempfile::tempdir().expect("tempdir");
        write_kubeconfig(dir.path(), &url);
        let chart = dir.path().join("chart");
        std::fs::create_dir_all(&chart).expect("chart dir");
        std::fs::write(
            chart.join("Chart.yaml"),
            "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
        )
        .expect("Chart.yaml");
        let out = Command::new(&bin)
            .args(["install", "demo"])
            .arg(&chart)
            .arg("--kubeconfig")
            .arg(dir.path().join("kubeconfig"))
            .env("HOME", dir.path())
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .output()
            .expect("run helm");
        assert!(
            out.status.success(),
            "{helm} install: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let recorded = posts.lock().expect("lock").clone();
        let writes: Vec<_> = recorded
            .iter()
            .filter(|(p, _, _)| p.contains("/secrets"))
            .collect();
        assert_eq!(
            writes.len(),
            2,
            "{helm}: create then update of the release Secret: {recorded:?}"
        );
        for ((path, ctype, body), status) in writes.iter().zip(["pending-install", "deployed"]) {
            assert!(is_protobuf(ctype), "{helm} {path} sent {ctype}");
            let secret = decode_body(body).unwrap_or_else(|e| panic!("{helm} {path}: {e}"));
            assert_eq!(secret["kind"], "Secret");
            assert_eq!(secret["type"], "helm.sh/release.v1");
            assert_eq!(secret["metadata"]["name"], "sh.helm.release.v1.demo.v1");
            let labels = &secret["metadata"]["labels"];
            let got = [
                &labels["name"],
                &labels["owner"],
                &labels["status"],
                &labels["version"],
            ];
            assert_eq!(
                got,
                [&json!("demo"), &json!("helm"), &json!(status), &json!("1")]
            );
            let release = secret["data"]["release"].as_str().expect("data.release");
            use base64::Engine as _;
            let b64 = &base64::engine::general_purpose::STANDARD;
            let once = b64
                .decode(release)
                .expect("base64 (JSON encoding of bytes)");
            let twice = b64.decode(&once).expect("helm's own base64");
            assert_eq!(&twice[..2], b"\x1f\x8b", "gzip inside");
            assert_eq!(
                decode_body(&encode_object(&secret).expect("encodes")),
                Ok(secret.clone())
            );
        }
    }
}
