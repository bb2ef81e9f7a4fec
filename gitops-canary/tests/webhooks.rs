//! Webhook calls against real HTTP servers on loopback (hyper; rustls for TLS).

#![allow(clippy::unwrap_used)]

mod http_server;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gitops_canary::core::api::flagger::{Canary, CanaryPhase, CanaryWebhook};
use gitops_canary::webhooks::{
    Backoff, CanaryWebhookPayload, Delivered, Error, WebhookClient, call_event_webhook,
    call_webhook, payload,
};
use http_server::{Reply, Seen, closed_port, handler, serve};

fn canary(status: serde_json::Value) -> Canary {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "podinfo", "namespace": "default"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "service": {"port": 9898},
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10}
        },
        "status": status
    }))
    .expect("canary")
}

fn hook(name: &str, url: String) -> CanaryWebhook {
    CanaryWebhook {
        name: name.into(),
        url,
        ..CanaryWebhook::default()
    }
}

/// A client whose retries wait 10ms instead of Flagger's 1s, 2s, 4s…
fn fast() -> WebhookClient {
    WebhookClient {
        backoff: Backoff {
            min: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
    }
}

/// A server that records every request and answers `status`.
async fn recorder(status: u16) -> (http_server::Server, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let server = serve(handler(move |s: Seen| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(s);
            Reply::new(status, "")
        }
    }))
    .await;
    (server, seen)
}

/// A server that answers `fail` for the first `failures` requests, then 202.
async fn flaky(failures: u32, fail: Reply) -> (http_server::Server, Arc<AtomicU32>) {
    let count = Arc::new(AtomicU32::new(0));
    let c = count.clone();
    let server = serve(handler(move |_| {
        let n = c.fetch_add(1, Ordering::SeqCst);
        let fail = fail.clone();
        async move {
            if n < failures {
                fail
            } else {
                Reply::new(202, "")
            }
        }
    }))
    .await;
    (server, count)
}

#[tokio::test]
async fn payload_is_posted_as_flagger_sends_it() {
    let (server, seen) = recorder(202).await;
    let canary = canary(serde_json::json!({
        "phase": "Progressing",
        "trackedConfigs": {"test-config-map": "484637c76acaa7c6"},
        "lastAppliedSpec": "4cb74184589"
    }));
    let mut webhook = hook("validation", format!("{}/testing", server.url()));
    webhook.timeout = Some("10s".into());
    webhook.metadata = Some(BTreeMap::from([("key1".into(), "val1".into())]));

    let delivered = call_webhook(&canary, CanaryPhase::Progressing, &webhook)
        .await
        .unwrap();
    assert_eq!(
        delivered,
        Delivered {
            status: 202,
            attempts: 1
        }
    );

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/testing")
    );
    assert_eq!(
        request.header("content-type"),
        vec!["application/json".to_string()]
    );
    // The checksum is the one Flagger computes for these tracked configs and spec.
    assert_eq!(
        std::str::from_utf8(&request.body).unwrap(),
        r#"{"name":"podinfo","namespace":"default","phase":"Progressing","checksum":"569bdb7cb9","metadata":{"key1":"val1"}}"#
    );
    let decoded: CanaryWebhookPayload = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        decoded,
        payload(&canary, CanaryPhase::Progressing, &webhook)
    );
}

#[tokio::test]
async fn payload_without_metadata_or_status() {
    let (server, seen) = recorder(200).await;
    let canary = canary(serde_json::Value::Null);
    let webhook = hook("load-test", server.url());
    call_webhook(&canary, CanaryPhase::Waiting, &webhook)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&seen.lock().unwrap()[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "name": "podinfo", "namespace": "default", "phase": "Waiting",
            // Flagger's checksum of a nil trackedConfigs and an empty lastAppliedSpec.
            "checksum": "758df7c9fc"
        })
    );
}

#[tokio::test]
async fn status_codes_decide_pass_or_fail() {
    let canary = canary(serde_json::Value::Null);
    for status in [200, 201, 202] {
        let (server, _) = recorder(status).await;
        let result = fast()
            .call(
                &hook("gate", server.url()),
                &payload(
                    &canary,
                    CanaryPhase::Progressing,
                    &hook("gate", server.url()),
                ),
            )
            .await;
        assert_eq!(
            result,
            Ok(Delivered {
                status,
                attempts: 1
            }),
            "status {status}"
        );
    }
    for status in [203, 204, 302, 400, 403, 404, 500, 501] {
        let (server, seen) = recorder(status).await;
        let webhook = hook("gate", format!("{}/check", server.url()));
        let err = fast()
            .call(
                &webhook,
                &payload(&canary, CanaryPhase::Progressing, &webhook),
            )
            .await
            .unwrap_err();
        match &err {
            Error::Status {
                webhook: name,
                url,
                status: got,
                attempts,
                ..
            } => {
                assert_eq!((name.as_str(), *got, *attempts), ("gate", status, 1));
                assert_eq!(url, &webhook.url);
            }
            other => panic!("status {status}: expected a status error, got {other:?}"),
        }
        assert!(err.to_string().contains("webhook gate ("), "{err}");
        assert_eq!(
            seen.lock().unwrap().len(),
            1,
            "status {status} must not be retried without retries"
        );
    }
}

#[tokio::test]
async fn error_body_is_reported() {
    let server = serve(handler(|_| async {
        Reply::new(403, "load test not approved")
    }))
    .await;
    let canary = canary(serde_json::Value::Null);
    let webhook = hook("approval", server.url());
    let err = call_webhook(&canary, CanaryPhase::Progressing, &webhook)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "webhook approval ({}) answered status 403 after 1 attempt(s): load test not approved",
            server.url()
        )
    );
}

#[tokio::test]
async fn timeout_fails_the_call() {
    let server = serve(handler(|_| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Reply::new(200, "")
    }))
    .await;
    let canary = canary(serde_json::Value::Null);
    let mut webhook = hook("slow", server.url());
    webhook.timeout = Some("300ms".into());
    let err = call_webhook(&canary, CanaryPhase::Progressing, &webhook)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Timeout {
            webhook: "slow".into(),
            url: server.url(),
            timeout: "300ms".into(),
            attempts: 1,
        }
    );
}

#[tokio::test]
async fn retries_until_success_or_exhaustion() {
    let canary = canary(serde_json::Value::Null);
    let send = |webhook: &CanaryWebhook| payload(&canary, CanaryPhase::Progressing, webhook);

    // Two failures, two retries: the third attempt passes.
    let (server, count) = flaky(2, Reply::new(500, "boom")).await;
    let mut webhook = hook("retry", server.url());
    webhook.retries = Some(2);
    assert_eq!(
        fast().call(&webhook, &send(&webhook)).await,
        Ok(Delivered {
            status: 202,
            attempts: 3
        })
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);

    // Three failures, one retry: two requests, then the last status.
    let (server, count) = flaky(3, Reply::new(503, "unavailable")).await;
    let mut webhook = hook("retry", server.url());
    webhook.retries = Some(1);
    match fast().call(&webhook, &send(&webhook)).await {
        Err(Error::Status {
            status,
            body,
            attempts,
            ..
        }) => {
            assert_eq!((status, body.as_str(), attempts), (503, "unavailable", 2));
        }
        other => panic!("expected 503 after 2 attempts, got {other:?}"),
    }
    assert_eq!(count.load(Ordering::SeqCst), 2);

    // 429 is retried; 4xx and 501 are not.
    let (server, count) = flaky(1, Reply::new(429, "slow down").header("Retry-After", "0")).await;
    let mut webhook = hook("retry", server.url());
    webhook.retries = Some(1);
    assert_eq!(
        fast().call(&webhook, &send(&webhook)).await,
        Ok(Delivered {
            status: 202,
            attempts: 2
        })
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);
    for status in [400, 404, 501] {
        let (server, count) = flaky(1, Reply::new(status, "no")).await;
        let mut webhook = hook("retry", server.url());
        webhook.retries = Some(3);
        assert!(
            fast().call(&webhook, &send(&webhook)).await.is_err(),
            "status {status}"
        );
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "status {status} is not retried"
        );
    }

    // A timed-out attempt is retried too.
    let count = Arc::new(AtomicU32::new(0));
    let c = count.clone();
    let server = serve(handler(move |_| {
        let first = c.fetch_add(1, Ordering::SeqCst) == 0;
        async move {
            if first {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            Reply::new(200, "")
        }
    }))
    .await;
    let mut webhook = hook("retry", server.url());
    webhook.retries = Some(1);
    webhook.timeout = Some("300ms".into());
    assert_eq!(
        fast().call(&webhook, &send(&webhook)).await,
        Ok(Delivered {
            status: 200,
            attempts: 2
        })
    );

    // Nothing listening: connection errors are retried, then reported.
    let url = format!("http://127.0.0.1:{}/hook", closed_port());
    let mut webhook = hook("gone", url.clone());
    webhook.retries = Some(2);
    match fast().call(&webhook, &send(&webhook)).await {
        Err(Error::Transport {
            webhook,
            url: got,
            attempts,
            ..
        }) => {
            assert_eq!((webhook.as_str(), got, attempts), ("gone", url, 3));
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn flaggers_backoff_waits_a_second_before_the_first_retry() {
    let (server, count) = flaky(1, Reply::new(500, "")).await;
    let canary = canary(serde_json::Value::Null);
    let mut webhook = hook("retry", server.url());
    webhook.retries = Some(1);
    let started = Instant::now();
    let delivered = call_webhook(&canary, CanaryPhase::Progressing, &webhook)
        .await
        .unwrap();
    assert_eq!(delivered.attempts, 2);
    assert_eq!(count.load(Ordering::SeqCst), 2);
    // A lower bound only: the client must have waited go-retryablehttp's 1s.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn event_webhook_metadata() {
    let (server, seen) = recorder(202).await;
    let canary = canary(serde_json::json!({"phase": "Progressing"}));
    let mut webhook = hook("events", server.url());
    webhook.metadata = Some(BTreeMap::from([
        ("eventMessage".into(), "cannot override".into()),
        ("cluster".into(), "prod-eu".into()),
    ]));
    let now_ms = || {
        i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis(),
        )
        .unwrap()
    };
    let before = now_ms();
    call_event_webhook(
        &canary,
        &webhook,
        "Starting canary analysis for podinfo.default",
        "Normal",
    )
    .await
    .unwrap();
    let after = now_ms();

    let body: CanaryWebhookPayload = serde_json::from_slice(&seen.lock().unwrap()[0].body).unwrap();
    assert_eq!(
        (body.name.as_str(), body.namespace.as_str()),
        ("podinfo", "default")
    );
    assert_eq!(body.phase, CanaryPhase::Progressing);
    assert_eq!(body.checksum, "758df7c9fc");
    let timestamp: i64 = body.metadata["timestamp"].parse().unwrap();
    assert!(
        (before..=after).contains(&timestamp),
        "{before} <= {timestamp} <= {after}"
    );
    let mut rest = body.metadata.clone();
    rest.remove("timestamp");
    assert_eq!(
        rest,
        BTreeMap::from([
            ("cluster".to_string(), "prod-eu".to_string()),
            (
                "eventMessage".to_string(),
                "Starting canary analysis for podinfo.default".to_string()
            ),
            ("eventType".to_string(), "Normal".to_string()),
        ])
    );
}

/// A one-request-per-connection HTTPS server (rustls over std sockets) with a
/// self-signed certificate made by `openssl`; answers 202.
fn tls_server(dir: &std::path::Path) -> (u16, Arc<AtomicU32>) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl is needed for the TLS test: apt-get install openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-days",
        "1",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
    ]);
    run(&[
        "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
    ]);
    run(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.der",
    ]);
    let cert =
        rustls::pki_types::CertificateDer::from(std::fs::read(dir.join("cert.der")).unwrap());
    let key =
        rustls::pki_types::PrivateKeyDer::Pkcs8(std::fs::read(dir.join("key.der")).unwrap().into());
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server config"),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicU32::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, stream);
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head and the body (Content-Length).
            let complete = loop {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break false,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break true;
                    }
                }
            };
            if complete {
                count.fetch_add(1, Ordering::SeqCst);
                let _ = tls.write_all(
                    b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        }
    });
    (port, served)
}

#[tokio::test]
async fn disable_tls_accepts_a_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (port, served) = tls_server(dir.path());
    let canary = canary(serde_json::Value::Null);
    let url = format!("https://127.0.0.1:{port}/hook");

    // Verified TLS refuses the self-signed certificate, and that is not retried.
    let mut webhook = hook("tls", url.clone());
    webhook.retries = Some(2);
    match fast()
        .call(
            &webhook,
            &payload(&canary, CanaryPhase::Progressing, &webhook),
        )
        .await
    {
        Err(Error::Transport {
            attempts, message, ..
        }) => {
            assert_eq!(attempts, 1, "{message}");
            assert!(message.to_lowercase().contains("certificate"), "{message}");
        }
        other => panic!("expected a certificate error, got {other:?}"),
    }
    assert_eq!(served.load(Ordering::SeqCst), 0);

    webhook.disable_tls = Some(true);
    assert_eq!(
        fast()
            .call(
                &webhook,
                &payload(&canary, CanaryPhase::Progressing, &webhook)
            )
            .await,
        Ok(Delivered {
            status: 202,
            attempts: 1
        })
    );
    assert_eq!(served.load(Ordering::SeqCst), 1);
}
