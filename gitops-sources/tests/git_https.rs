//! HTTPS fetches with a custom CA (`ca.crt`), bearer tokens and mTLS (`tls.crt`/`tls.key`)
//! against `git http-backend` behind a rustls server on loopback.
#![allow(clippy::unwrap_used)]

mod git_support;

use std::collections::BTreeMap;

use git_support::http::{pki, serve_with, tls_config};
use git_support::repo::fixture;
use gitops_core::api::source::git::{GitRepositoryRef, GitRepositorySpec};
use gitops_sources::git::{Auth, Outcome, fetch};

fn spec(url: &str) -> GitRepositorySpec {
    GitRepositorySpec {
        url: url.into(),
        interval: "1m".into(),
        timeout: Some("20s".into()),
        reference: Some(GitRepositoryRef {
            branch: Some("main".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn secret(pairs: &[(&str, &[u8])]) -> Auth {
    let data: BTreeMap<String, Vec<u8>> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect();
    Auth::from_secret(&data).unwrap()
}

#[test]
fn custom_ca_and_bearer_token() {
    let root = tempfile::tempdir().unwrap();
    let fx = fixture(root.path(), "repo");
    let certs = tempfile::tempdir().unwrap();
    let pki = pki(certs.path());
    let server = serve_with(
        root.path(),
        Some("Bearer tok-123456".into()),
        Some(tls_config(&pki, false)),
    );
    let url = format!("https://127.0.0.1:{}/repo", server.port);
    let work = tempfile::tempdir().unwrap();

    let auth = secret(&[("bearerToken", b"tok-123456"), ("ca.crt", &pki.ca_crt)]);
    match fetch(&spec(&url), &auth, &work.path().join("a"), None).expect("https fetch") {
        Outcome::Fetched(c) => assert_eq!(c.revision.to_string(), format!("main@sha1:{}", fx.main)),
        Outcome::Unchanged(r) => panic!("unchanged {r}"),
    }
    // Without the CA the server certificate is not trusted.
    let err = fetch(
        &spec(&url),
        &secret(&[("bearerToken", b"tok-123456")]),
        &work.path().join("b"),
        None,
    )
    .unwrap_err();
    eprintln!("untrusted: {err}");
    assert!(
        err.to_string().contains(&url) && err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    // A wrong token is rejected and not echoed.
    let err = fetch(
        &spec(&url),
        &secret(&[("bearerToken", b"bad-token-999"), ("ca.crt", &pki.ca_crt)]),
        &work.path().join("c"),
        None,
    )
    .unwrap_err();
    eprintln!("bad token: {err}");
    assert!(!err.to_string().contains("bad-token-999"), "{err}");
    // A malformed CA names the key.
    let data: BTreeMap<String, Vec<u8>> = [(
        "ca.crt".to_string(),
        b"-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n".to_vec(),
    )]
    .into();
    let err = Auth::from_secret(&data).unwrap_err();
    eprintln!("bad ca: {err}");
    assert!(err.to_string().contains("ca.crt"), "{err}");
}

#[test]
fn mutual_tls_with_basic_auth() {
    let root = tempfile::tempdir().unwrap();
    let fx = fixture(root.path(), "repo");
    let certs = tempfile::tempdir().unwrap();
    let pki = pki(certs.path());
    let expected = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "u:p4ss")
    );
    let server = serve_with(root.path(), Some(expected), Some(tls_config(&pki, true)));
    let url = format!("https://127.0.0.1:{}/repo", server.port);
    let work = tempfile::tempdir().unwrap();
    let auth = secret(&[
        ("username", b"u"),
        ("password", b"p4ss"),
        ("ca.crt", &pki.ca_crt),
        ("tls.crt", &pki.client_crt),
        ("tls.key", &pki.client_key),
    ]);
    match fetch(&spec(&url), &auth, &work.path().join("a"), None).expect("mTLS fetch") {
        Outcome::Fetched(c) => assert_eq!(c.revision.to_string(), format!("main@sha1:{}", fx.main)),
        Outcome::Unchanged(r) => panic!("unchanged {r}"),
    }
    // Without the client certificate the handshake fails.
    let err = fetch(
        &spec(&url),
        &secret(&[
            ("username", b"u"),
            ("password", b"p4ss"),
            ("ca.crt", &pki.ca_crt),
        ]),
        &work.path().join("b"),
        None,
    )
    .unwrap_err();
    eprintln!("no client cert: {err}");
    assert!(
        err.to_string().contains(&url) && !err.to_string().contains("p4ss"),
        "{err}"
    );
}

#[test]
fn proxy_from_proxy_secret() {
    let root = tempfile::tempdir().unwrap();
    let fx = fixture(root.path(), "repo");
    let proxy_auth = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "pu:proxy-pw")
    );
    let proxy = git_support::http::serve_proxy(root.path(), Some(proxy_auth));
    // The URL's own port is closed: only the proxy can answer.
    let url = format!("http://127.0.0.1:{}/repo", git_support::free_port());
    let work = tempfile::tempdir().unwrap();
    let proxy_secret = |password: &str| -> BTreeMap<String, Vec<u8>> {
        [
            (
                "address".to_string(),
                format!("http://127.0.0.1:{}", proxy.port).into_bytes(),
            ),
            ("username".to_string(), b"pu".to_vec()),
            ("password".to_string(), password.as_bytes().to_vec()),
        ]
        .into()
    };
    let auth = Auth::default()
        .with_proxy(gitops_sources::git::Proxy::from_secret(&proxy_secret("proxy-pw")).unwrap());
    match fetch(&spec(&url), &auth, &work.path().join("a"), None).expect("fetch through proxy") {
        Outcome::Fetched(c) => assert_eq!(c.revision.to_string(), format!("main@sha1:{}", fx.main)),
        Outcome::Unchanged(r) => panic!("unchanged {r}"),
    }
    let bad = Auth::default().with_proxy(
        gitops_sources::git::Proxy::from_secret(&proxy_secret("wrong-proxy-pw")).unwrap(),
    );
    let err = fetch(&spec(&url), &bad, &work.path().join("b"), None).unwrap_err();
    eprintln!("bad proxy auth: {err}");
    assert!(
        err.to_string().contains(&url) && !err.to_string().contains("wrong-proxy-pw"),
        "{err}"
    );
}
