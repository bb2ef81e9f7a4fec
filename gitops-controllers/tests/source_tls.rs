//! TLS and proxy settings of OCIRepository and Bucket (`certSecretRef`, `proxySecretRef`,
//! `insecure`) against real servers on loopback: Debian's `docker-registry` and
//! `moto_server` serving HTTPS with a CA made by `openssl` in the test, Debian's
//! `tinyproxy` with basic auth, and an mTLS-terminating relay in front of moto.
#![allow(clippy::unwrap_used)]

mod source_support;

use gitops_core::api::source::{Bucket, OCIRepository};
use gitops_core::k8s::k8s_openapi::api::core::v1::Secret;
use gitops_sources::oci::{self, Credentials, PushMetadata, RegistryOptions};
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use source_support::servers::Registry;
use source_support::tls::{MtlsRelay, Pki, Tinyproxy, start_moto_tls};
use source_support::{condition, create, download, has_condition, read, ready_at, start, wait_for};

/// Pushes a one-file artifact to `registry` (HTTPS without verification, as
/// `flux push artifact --insecure-registry`) and returns its digest.
fn push(registry: &Registry, tag: &str, content: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), content).unwrap();
    let meta = PushMetadata {
        source: "https://github.com/org/app".into(),
        revision: format!("main@sha1:{}", "a".repeat(40)),
        ..Default::default()
    };
    let opts = RegistryOptions {
        insecure: true,
        ..Default::default()
    };
    oci::push(
        &registry.url(&format!("app:{tag}")),
        dir.path(),
        &meta,
        None,
        &Credentials::Anonymous,
        &opts,
    )
    .expect("push")
    .digest
}

async fn secret(client: &kube::Client, name: &str, data: Value) {
    let api: Api<Secret> = Api::namespaced(client.clone(), "default");
    let secret: Secret =
        serde_json::from_value(json!({"metadata": {"name": name}, "stringData": data})).unwrap();
    api.create(&PostParams::default(), &secret).await.unwrap();
}

async fn oci_repository(client: &kube::Client, name: &str, url: &str, extra: Value) {
    let mut spec = json!({"url": url, "interval": "1m", "ref": {"tag": "v1"}});
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    create::<OCIRepository>(
        client,
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository",
               "metadata": {"name": name, "namespace": "default"}, "spec": spec}),
    )
    .await;
}

/// A Bucket `manifests` at `endpoint`, signing with the keys of Secret `s3-creds` (moto
/// runs without authentication but refuses unsigned object reads), with `extra` spec.
async fn bucket(client: &kube::Client, name: &str, endpoint: &str, extra: Value) {
    let mut spec = json!({"bucketName": "manifests", "endpoint": endpoint, "interval": "1m",
                          "provider": "generic", "secretRef": {"name": "s3-creds"}});
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    create::<Bucket>(
        client,
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "Bucket",
               "metadata": {"name": name, "namespace": "default"}, "spec": spec}),
    )
    .await;
}

/// Waits until `name` failed to fetch; returns its `Ready` condition.
async fn failed<K>(client: &kube::Client, name: &str) -> Value
where
    K: kube::Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug,
{
    let obj = wait_for::<K>(client, name, "fetch failure", |o| {
        has_condition(o, "FetchFailed", "True") && has_condition(o, "Ready", "False")
    })
    .await;
    assert!(obj["status"]["artifact"].is_null(), "{obj}");
    let fetch = condition(&obj, "FetchFailed").unwrap().clone();
    let ready = condition(&obj, "Ready").unwrap().clone();
    assert_eq!(fetch["reason"], ready["reason"], "{obj}");
    assert_eq!(fetch["message"], ready["message"], "{obj}");
    ready
}

fn message(cond: &Value) -> &str {
    cond["message"].as_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oci_repository_trusts_the_ca_of_its_cert_secret_ref() {
    let env = start().await;
    let pki = Pki::generate();
    let registry = Registry::start_tls(&pki.path("server.crt"), &pki.path("server.key"));
    let digest = push(&registry, "v1", "kind: ConfigMap\n");
    let revision = format!("v1@{digest}");
    let url = registry.url("app");
    let c = &env.client;
    secret(c, "registry-ca", json!({"ca.crt": pki.pem("ca.crt")})).await;
    secret(c, "legacy-ca", json!({"caFile": pki.pem("ca.crt")})).await;
    secret(c, "other-ca", json!({"ca.crt": pki.pem("other-ca.crt")})).await;

    oci_repository(
        c,
        "trusted",
        &url,
        json!({"certSecretRef": {"name": "registry-ca"}}),
    )
    .await;
    oci_repository(
        c,
        "legacy",
        &url,
        json!({"certSecretRef": {"name": "legacy-ca"}}),
    )
    .await;
    oci_repository(c, "untrusted", &url, json!({})).await;
    oci_repository(
        c,
        "wrong-ca",
        &url,
        json!({"certSecretRef": {"name": "other-ca"}}),
    )
    .await;
    oci_repository(c, "insecure", &url, json!({"insecure": true})).await;

    let obj = wait_for::<OCIRepository>(c, "trusted", "Ready", |o| ready_at(o, &revision)).await;
    let artifact = &obj["status"]["artifact"];
    let tree = download(
        artifact["url"].as_str().unwrap(),
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(read(tree.path(), "app.yaml"), "kind: ConfigMap\n");
    wait_for::<OCIRepository>(c, "legacy", "Ready with caFile", |o| ready_at(o, &revision)).await;
    // `insecure` without a certSecretRef skips verification (Flux's one exception).
    wait_for::<OCIRepository>(c, "insecure", "Ready", |o| ready_at(o, &revision)).await;

    for name in ["untrusted", "wrong-ca"] {
        let ready = failed::<OCIRepository>(c, name).await;
        assert_eq!(ready["reason"], "OCIArtifactPullFailed", "{name}: {ready}");
        let text = message(&ready);
        assert!(
            text.starts_with("failed to determine artifact digest: ")
                && text.contains("invalid peer certificate: UnknownIssuer"),
            "{name}: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oci_repository_cert_secret_ref_errors_follow_flux() {
    let env = start().await;
    let pki = Pki::generate();
    let c = &env.client;
    let url = "oci://127.0.0.1:9/app";
    secret(c, "half", json!({"tls.crt": pki.pem("client.crt")})).await;
    secret(c, "empty", json!({"other": "x"})).await;
    secret(
        c,
        "client-cert",
        json!({"ca.crt": pki.pem("ca.crt"), "tls.crt": pki.pem("client.crt"), "tls.key": pki.pem("client.key")}),
    )
    .await;
    oci_repository(c, "half", url, json!({"certSecretRef": {"name": "half"}})).await;
    oci_repository(c, "empty", url, json!({"certSecretRef": {"name": "empty"}})).await;
    oci_repository(
        c,
        "missing",
        url,
        json!({"certSecretRef": {"name": "nope"}}),
    )
    .await;
    oci_repository(
        c,
        "client-cert",
        url,
        json!({"certSecretRef": {"name": "client-cert"}}),
    )
    .await;

    let cases = [
        (
            "half",
            "secret 'default/half' contains 'tls.crt' but missing 'tls.key'",
        ),
        (
            "empty",
            "secret 'default/empty' must contain either 'ca.crt' or both 'tls.crt' and 'tls.key'",
        ),
        ("missing", "secret 'default/nope' not found"),
    ];
    for (name, cause) in cases {
        let ready = failed::<OCIRepository>(c, name).await;
        assert_eq!(ready["reason"], "AuthenticationFailed", "{name}: {ready}");
        assert_eq!(
            message(&ready),
            format!("failed to generate transport for '{url}': {cause}"),
            "{name}"
        );
    }
    // oci-client has no client certificates: refused by name, and stalled.
    let ready = failed::<OCIRepository>(c, "client-cert").await;
    assert_eq!(ready["reason"], "AuthenticationFailed");
    assert!(
        message(&ready).starts_with(&format!(
            "failed to generate transport for '{url}': secret 'default/client-cert': client certificate authentication"
        )),
        "{ready}"
    );
    let obj = wait_for::<OCIRepository>(c, "client-cert", "Stalled", |o| {
        has_condition(o, "Stalled", "True")
    })
    .await;
    assert_eq!(
        condition(&obj, "Stalled").unwrap()["reason"],
        "AuthenticationFailed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oci_repository_goes_through_the_proxy_of_its_proxy_secret_ref() {
    let env = start().await;
    let pki = Pki::generate();
    let registry = Registry::start_tls(&pki.path("server.crt"), &pki.path("server.key"));
    let plain = Registry::start();
    let digest = push(&registry, "v1", "kind: ConfigMap\n");
    let plain_digest = push(&plain, "v1", "kind: Secret\n");
    let proxy = Tinyproxy::start("flux", "pr0xy-pass");
    let c = &env.client;
    secret(c, "registry-ca", json!({"ca.crt": pki.pem("ca.crt")})).await;
    secret(
        c,
        "proxy",
        json!({"address": proxy.address(), "username": "flux", "password": "pr0xy-pass"}),
    )
    .await;
    secret(
        c,
        "wrong-password",
        json!({"address": proxy.address(), "username": "flux", "password": "nope"}),
    )
    .await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_address = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    secret(c, "closed", json!({"address": closed_address})).await;
    secret(c, "no-address", json!({"username": "flux"})).await;
    secret(c, "anonymous", json!({"address": proxy.address()})).await;

    let url = registry.url("app");
    let tls = |proxy: &str| json!({"certSecretRef": {"name": "registry-ca"}, "proxySecretRef": {"name": proxy}});
    oci_repository(c, "proxied", &url, tls("proxy")).await;
    oci_repository(
        c,
        "proxied-plain",
        &plain.url("app"),
        json!({"insecure": true, "proxySecretRef": {"name": "proxy"}}),
    )
    .await;
    oci_repository(c, "wrong-password", &url, tls("wrong-password")).await;
    oci_repository(c, "closed", &url, tls("closed")).await;
    oci_repository(c, "no-address", &url, tls("no-address")).await;
    oci_repository(c, "anonymous", &url, tls("anonymous")).await;

    let revision = format!("v1@{digest}");
    wait_for::<OCIRepository>(c, "proxied", "Ready", |o| ready_at(o, &revision)).await;
    let plain_revision = format!("v1@{plain_digest}");
    wait_for::<OCIRepository>(c, "proxied-plain", "Ready", |o| {
        ready_at(o, &plain_revision)
    })
    .await;
    let requests = proxy.requests();
    assert!(
        requests
            .iter()
            .any(|r| *r == format!("CONNECT {} HTTP/1.1", registry.host)),
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with(&format!("GET http://{}/v2/app/manifests/v1 ", plain.host))),
        "{requests:?}"
    );

    for name in ["wrong-password", "closed", "anonymous"] {
        let ready = failed::<OCIRepository>(c, name).await;
        assert_eq!(ready["reason"], "OCIArtifactPullFailed", "{name}: {ready}");
        assert!(
            message(&ready).starts_with("failed to determine artifact digest: "),
            "{name}: {ready}"
        );
        assert!(!message(&ready).contains("nope"), "{ready}");
    }
    // Without credentials tinyproxy answers 407 (with a wrong password, 401 as if it
    // were the registry).
    let ready = failed::<OCIRepository>(c, "anonymous").await;
    assert!(
        message(&ready).ends_with(&format!(
            "the proxy '{}' refused the request: 407 Proxy Authentication Required",
            proxy.address()
        )),
        "{ready}"
    );
    let ready = failed::<OCIRepository>(c, "no-address").await;
    assert_eq!(ready["reason"], "AuthenticationFailed");
    assert_eq!(
        message(&ready),
        "failed to get proxy address: secret 'default/no-address': secret key 'address' is required in the proxy secret"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_trusts_the_ca_of_its_cert_secret_ref() {
    let env = start().await;
    let pki = Pki::generate();
    let moto = start_moto_tls(&pki);
    moto.create_bucket("manifests", &[("deploy/app.yaml", "kind: ConfigMap\n")]);
    let c = &env.client;
    secret(
        c,
        "s3-creds",
        json!({"accesskey": "flux", "secretkey": "flux-secret"}),
    )
    .await;
    secret(c, "s3-ca", json!({"ca.crt": pki.pem("ca.crt")})).await;
    secret(c, "legacy-ca", json!({"caFile": pki.pem("ca.crt")})).await;
    secret(c, "other-ca", json!({"ca.crt": pki.pem("other-ca.crt")})).await;
    secret(c, "half", json!({"tls.key": pki.pem("client.key")})).await;
    let ep = &moto.endpoint;
    bucket(
        c,
        "trusted",
        ep,
        json!({"certSecretRef": {"name": "s3-ca"}}),
    )
    .await;
    bucket(
        c,
        "legacy",
        ep,
        json!({"certSecretRef": {"name": "legacy-ca"}}),
    )
    .await;
    bucket(c, "untrusted", ep, json!({})).await;
    bucket(
        c,
        "wrong-ca",
        ep,
        json!({"certSecretRef": {"name": "other-ca"}}),
    )
    .await;
    bucket(c, "half", ep, json!({"certSecretRef": {"name": "half"}})).await;

    let obj =
        wait_for::<Bucket>(c, "trusted", "Ready", |o| has_condition(o, "Ready", "True")).await;
    let artifact = &obj["status"]["artifact"];
    let tree = download(
        artifact["url"].as_str().unwrap(),
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(read(tree.path(), "deploy/app.yaml"), "kind: ConfigMap\n");
    wait_for::<Bucket>(c, "legacy", "Ready with caFile", |o| {
        o["status"]["artifact"]["revision"] == artifact["revision"]
    })
    .await;

    for name in ["untrusted", "wrong-ca"] {
        let ready = failed::<Bucket>(c, name).await;
        assert_eq!(ready["reason"], "BucketOperationFailed", "{name}: {ready}");
        assert!(
            message(&ready).contains("invalid peer certificate: UnknownIssuer"),
            "{name}: {ready}"
        );
    }
    let ready = failed::<Bucket>(c, "half").await;
    assert_eq!(ready["reason"], "AuthenticationFailed");
    assert_eq!(
        message(&ready),
        "failed to get TLS config: secret 'default/half' contains 'tls.key' but missing 'tls.crt'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_presents_the_client_certificate_of_its_cert_secret_ref() {
    let env = start().await;
    let pki = Pki::generate();
    let moto = source_support::moto::start_moto(false);
    moto.create_bucket("manifests", &[("app.yaml", "kind: ConfigMap\n")]);
    let moto_port: u16 = moto.endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let relay = MtlsRelay::start(&pki, moto_port);
    let c = &env.client;
    secret(
        c,
        "s3-creds",
        json!({"accesskey": "flux", "secretkey": "flux-secret"}),
    )
    .await;
    secret(
        c,
        "mtls",
        json!({"ca.crt": pki.pem("ca.crt"), "tls.crt": pki.pem("client.crt"), "tls.key": pki.pem("client.key")}),
    )
    .await;
    secret(c, "ca-only", json!({"ca.crt": pki.pem("ca.crt")})).await;
    bucket(
        c,
        "mtls",
        &relay.endpoint,
        json!({"certSecretRef": {"name": "mtls"}}),
    )
    .await;
    bucket(
        c,
        "no-client-cert",
        &relay.endpoint,
        json!({"certSecretRef": {"name": "ca-only"}}),
    )
    .await;

    let obj = wait_for::<Bucket>(c, "mtls", "Ready", |o| has_condition(o, "Ready", "True")).await;
    let artifact = &obj["status"]["artifact"];
    let tree = download(
        artifact["url"].as_str().unwrap(),
        artifact["digest"].as_str().unwrap(),
    )
    .await;
    assert_eq!(read(tree.path(), "app.yaml"), "kind: ConfigMap\n");
    assert!(
        relay.log().contains("client: flux-client"),
        "{}",
        relay.log()
    );

    let ready = failed::<Bucket>(c, "no-client-cert").await;
    assert_eq!(ready["reason"], "BucketOperationFailed", "{ready}");
    assert!(relay.log().contains("refused: "), "{}", relay.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_goes_through_the_proxy_of_its_proxy_secret_ref() {
    let env = start().await;
    let pki = Pki::generate();
    let moto = start_moto_tls(&pki);
    moto.create_bucket("manifests", &[("app.yaml", "kind: ConfigMap\n")]);
    let proxy = Tinyproxy::start("flux", "pr0xy-pass");
    let c = &env.client;
    secret(
        c,
        "s3-creds",
        json!({"accesskey": "flux", "secretkey": "flux-secret"}),
    )
    .await;
    secret(c, "s3-ca", json!({"ca.crt": pki.pem("ca.crt")})).await;
    secret(
        c,
        "proxy",
        json!({"address": proxy.address(), "username": "flux", "password": "pr0xy-pass"}),
    )
    .await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_address = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    secret(c, "closed", json!({"address": closed_address})).await;
    secret(c, "ftp", json!({"address": "ftp://127.0.0.1:21"})).await;
    let ep = &moto.endpoint;
    let spec = |proxy: &str| json!({"certSecretRef": {"name": "s3-ca"}, "proxySecretRef": {"name": proxy}});
    bucket(c, "proxied", ep, spec("proxy")).await;
    bucket(c, "closed", ep, spec("closed")).await;
    bucket(c, "ftp", ep, spec("ftp")).await;

    wait_for::<Bucket>(c, "proxied", "Ready", |o| has_condition(o, "Ready", "True")).await;
    let requests = proxy.requests();
    assert!(
        requests
            .iter()
            .any(|r| *r == format!("CONNECT {ep} HTTP/1.1")),
        "{requests:?}"
    );

    let ready = failed::<Bucket>(c, "closed").await;
    assert_eq!(ready["reason"], "BucketOperationFailed", "{ready}");
    let ready = failed::<Bucket>(c, "ftp").await;
    assert_eq!(ready["reason"], "AuthenticationFailed");
    assert!(
        message(&ready).starts_with("failed to get proxy URL: secret 'default/ftp': secret key 'address' must be an http:// or https:// proxy URL"),
        "{ready}"
    );
}
