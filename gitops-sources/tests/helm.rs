//! Helm repositories end to end: charts packaged and indexed by the reference `helm`,
//! served over HTTP by a loopback server, pushed to a real `docker-registry`.
#![allow(clippy::unwrap_used)]

mod helm_support;

use std::path::Path;

use gitops_sources::helm::{
    self, Error, IndexError, OciOptions, RepositoryOptions, fetch_chart, fetch_chart_from_index,
    fetch_index, fetch_oci_chart,
};
use helm_support::*;

/// A repository directory with `demo` 0.1.0, 0.2.0, 1.0.0-rc.1 and `other` 3.0.0.
fn build_repo(root: &Path, url: Option<&str>) -> std::path::PathBuf {
    let home = root.join("home");
    let src = root.join("src");
    let repo = root.join("repo");
    for v in ["0.1.0", "0.2.0", "1.0.0-rc.1"] {
        package_chart(&home, &src, &repo, "demo", v);
    }
    package_chart(&home, &src, &repo, "other", "3.0.0");
    repo_index(&home, &repo, url);
    repo
}

#[tokio::test]
async fn http_index_artifact_and_chart_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = build_repo(tmp.path(), None);
    let server = serve_dir(repo.clone(), ServeOptions::default()).await;
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let opts = RepositoryOptions::default();

    let index = fetch_index(&server.url(), &opts, &out).await.unwrap();
    let served = sha256_file(&repo.join("index.yaml"));
    assert_eq!(index.revision, format!("sha256:{served}"));
    assert_eq!(index.path, out.join(format!("index-{served}.yaml")));
    assert_eq!(
        std::fs::read(&index.path).unwrap(),
        std::fs::read(repo.join("index.yaml")).unwrap()
    );
    assert_eq!((index.summary.charts, index.summary.versions), (2, 4));

    // Latest stable by default; ranges; prereleases only when asked for.
    let chart = fetch_chart(&format!("{}/", server.url()), "demo", "", &opts, &out)
        .await
        .unwrap();
    assert_eq!(chart.version, "0.2.0");
    assert_eq!(chart.path, out.join("demo-0.2.0.tgz"));
    let packaged = sha256_file(&repo.join("demo-0.2.0.tgz"));
    assert_eq!(chart.digest, format!("sha256:{packaged}"));
    assert_eq!(sha256_file(&chart.path), packaged);
    let c = fetch_chart(&server.url(), "demo", "~0.1", &opts, &out)
        .await
        .unwrap();
    assert_eq!(c.version, "0.1.0");
    let c = fetch_chart(&server.url(), "demo", ">=1.0.0-0", &opts, &out)
        .await
        .unwrap();
    assert_eq!(c.version, "1.0.0-rc.1");
    let c = fetch_chart_from_index(&index.path, &server.url(), "other", "*", &opts, &out)
        .await
        .unwrap();
    assert_eq!(c.version, "3.0.0");
    // Only artifacts are left in the output directory.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
}

#[tokio::test]
async fn missing_chart_and_version() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = build_repo(tmp.path(), None);
    let server = serve_dir(repo, ServeOptions::default()).await;
    let opts = RepositoryOptions::default();
    let err = fetch_chart(&server.url(), "absent", "*", &opts, tmp.path())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoChart { .. }), "{err}");
    let err = fetch_chart(&server.url(), "demo", "5.x", &opts, tmp.path())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoVersion { .. }), "{err}");
    assert!(err.to_string().contains("5.x"));
    let err = fetch_index(&format!("{}/nothing-here", server.url()), &opts, tmp.path())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { status: 404, .. }), "{err}");
}

#[tokio::test]
async fn basic_auth_and_wrong_credentials() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = build_repo(tmp.path(), None);
    let auth = Some(("flux".to_string(), "s3cret-pw".to_string()));
    let server = serve_dir(
        repo,
        ServeOptions {
            auth,
            ..Default::default()
        },
    )
    .await;
    let anonymous = RepositoryOptions::default();
    let err = fetch_index(&server.url(), &anonymous, tmp.path())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { status: 401, .. }), "{err}");
    let wrong = RepositoryOptions {
        username: Some("flux".into()),
        password: Some("wrong-pw".into()),
        ..Default::default()
    };
    let err = fetch_chart(&server.url(), "demo", "*", &wrong, tmp.path())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { status: 401, .. }), "{err}");
    assert!(!err.to_string().contains("wrong-pw"));
    let mut secret = std::collections::BTreeMap::new();
    secret.insert("username".to_string(), b"flux".to_vec());
    secret.insert("password".to_string(), b"s3cret-pw".to_vec());
    let right = RepositoryOptions::from_secret_data(Some(&secret), None);
    fetch_index(&server.url(), &right, tmp.path())
        .await
        .unwrap();
    let c = fetch_chart(&server.url(), "demo", "0.1.0", &right, tmp.path())
        .await
        .unwrap();
    assert_eq!(c.version, "0.1.0");
}

#[tokio::test]
async fn credentials_follow_pass_credentials_to_other_hosts() {
    let tmp = tempfile::tempdir().unwrap();
    // Charts on a second server (the "CDN"), which wants the same credentials.
    let auth = Some(("u".to_string(), "p".to_string()));
    let charts_dir = tmp.path().join("cdn");
    std::fs::create_dir_all(&charts_dir).unwrap();
    let cdn = serve_dir(
        charts_dir.clone(),
        ServeOptions {
            auth: auth.clone(),
            ..Default::default()
        },
    )
    .await;
    let repo = build_repo(tmp.path(), Some(&cdn.url()));
    for e in std::fs::read_dir(&repo).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "tgz") {
            std::fs::copy(&p, charts_dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let index_server = serve_dir(
        repo,
        ServeOptions {
            auth,
            ..Default::default()
        },
    )
    .await;
    let creds = RepositoryOptions {
        username: Some("u".into()),
        password: Some("p".into()),
        ..Default::default()
    };
    let err = fetch_chart(&index_server.url(), "demo", "*", &creds, tmp.path())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Status { status: 401, .. }),
        "credentials leaked to another host: {err}"
    );
    let pass = RepositoryOptions {
        pass_credentials: true,
        ..creds
    };
    let c = fetch_chart(&index_server.url(), "demo", "*", &pass, tmp.path())
        .await
        .unwrap();
    assert_eq!(c.version, "0.2.0");
}

#[tokio::test]
async fn malformed_index_names_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = build_repo(tmp.path(), None);
    let text = std::fs::read_to_string(repo.join("index.yaml")).unwrap();
    // Break the flow sequence of the first `urls` entry of `other`.
    let broken = text.replacen("- other-3.0.0.tgz", "- [other-3.0.0.tgz", 1);
    assert_ne!(broken, text);
    let line = broken
        .lines()
        .position(|l| l.contains("[other-3.0.0.tgz"))
        .unwrap()
        + 1;
    std::fs::write(repo.join("index.yaml"), broken).unwrap();
    let server = serve_dir(repo, ServeOptions::default()).await;
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let err = fetch_index(&server.url(), &RepositoryOptions::default(), &out)
        .await
        .unwrap_err();
    match &err {
        Error::Index {
            source: IndexError::Malformed { line: l, .. },
            ..
        } => {
            assert!(
                (line..=line + 2).contains(l),
                "error at line {l}, broken line {line}: {err}"
            )
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains("line"), "{err}");
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "no partial artifact"
    );
}

#[tokio::test]
async fn digest_mismatch_and_truncated_download() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = build_repo(tmp.path(), None);
    let real = sha256_file(&repo.join("demo-0.2.0.tgz"));
    let text = std::fs::read_to_string(repo.join("index.yaml")).unwrap();
    std::fs::write(
        repo.join("index.yaml"),
        text.replace(&real, &"0".repeat(64)),
    )
    .unwrap();
    let server = serve_dir(repo.clone(), ServeOptions::default()).await;
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let opts = RepositoryOptions::default();
    let err = fetch_chart(&server.url(), "demo", "0.2.0", &opts, &out)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    std::fs::write(repo.join("index.yaml"), &text).unwrap();
    let cutting = serve_dir(
        repo,
        ServeOptions {
            truncate_charts: true,
            ..Default::default()
        },
    )
    .await;
    let err = fetch_chart(&cutting.url(), "demo", "0.2.0", &opts, &out)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Request { .. } | Error::DigestMismatch { .. }),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "no partial artifact"
    );
}

#[tokio::test]
async fn oci_charts_from_docker_registry() {
    let registry = start_registry();
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let src = tmp.path().join("src");
    let pkgs = tmp.path().join("pkgs");
    let repo_url = format!("oci://{}/charts", registry.host);
    for v in ["0.1.0", "0.2.0", "0.3.0+build.1", "1.0.0-rc.1"] {
        let tgz = package_chart(&home, &src, &pkgs, "ocidemo", v);
        helm(
            &home,
            &["push", tgz.to_str().unwrap(), &repo_url, "--plain-http"],
        );
    }
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let opts = OciOptions {
        insecure: true,
        ..Default::default()
    };
    let c = fetch_oci_chart(&repo_url, "ocidemo", "0.1.0", &opts, &out)
        .await
        .unwrap();
    assert_eq!(c.version, "0.1.0");
    assert_eq!(
        sha256_file(&c.path),
        sha256_file(&pkgs.join("ocidemo-0.1.0.tgz"))
    );
    let via_url = RepositoryOptions::default();
    let c = helm::fetch_repository_chart(&repo_url, "ocidemo", "*", &via_url, true, &out)
        .await
        .unwrap();
    assert_eq!(c.version, "0.3.0+build.1", "tags with `_` read back as `+`");
    assert_eq!(c.path, out.join("ocidemo-0.3.0+build.1.tgz"));
    let c = fetch_oci_chart(&repo_url, "ocidemo", "0.3.0+build.1", &opts, &out)
        .await
        .unwrap();
    assert_eq!(
        c.digest,
        format!(
            "sha256:{}",
            sha256_file(&pkgs.join("ocidemo-0.3.0+build.1.tgz"))
        )
    );
    let err = fetch_oci_chart(&repo_url, "ocidemo", "9.x", &opts, &out)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoVersion { .. }), "{err}");
    let err = fetch_oci_chart(&repo_url, "absent", "1.0.0", &opts, &out)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Oci { .. }), "{err}");
    assert!(matches!(
        fetch_index(&repo_url, &RepositoryOptions::default(), &out).await,
        Err(Error::InvalidUrl { .. })
    ));
    let _ = helm::HELM_CONFIG_MEDIA_TYPE;
}
