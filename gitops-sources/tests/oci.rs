//! OCI artifacts against a real `docker-registry` on loopback: push → list → pull round
//! trips and the blocking API.
// A failed step is a failed test.
#![allow(clippy::unwrap_used)]

mod oci_support;

use gitops_sources::oci::{self, Credentials, ListOptions, PushMetadata};
use oci_support::{Registry, meta, opts, push_tree, read_tree, tree};

#[test]
fn push_list_pull_round_trip() {
    let reg = Registry::start();
    let src = tree(&[
        ("deploy/app.yaml", "kind: ConfigMap\n"),
        ("README.md", "hi\n"),
        (".git/config", "[core]\n"),
    ]);
    let m = PushMetadata {
        annotations: oci::parse_annotations(["org.opencontainers.image.licenses=Apache-2.0"])
            .unwrap(),
        ..meta("main@sha1:0123")
    };
    let pushed = oci::push(
        &reg.url("org/manifests:v1.0.0"),
        src.path(),
        &m,
        None,
        &Credentials::Anonymous,
        &opts(),
    )
    .unwrap();
    assert_eq!(pushed.repository, format!("{}/org/manifests", reg.host));
    assert_eq!(pushed.tag, "v1.0.0");
    assert!(
        pushed.digest.starts_with("sha256:") && pushed.digest.len() == 71,
        "{}",
        pushed.digest
    );

    // The manifest is Flux's: media types and annotations.
    let manifest = reg.manifest_json("org/manifests", ":v1.0.0");
    assert_eq!(manifest["config"]["mediaType"], oci::FLUX_CONFIG_MEDIA_TYPE);
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        oci::FLUX_CONTENT_MEDIA_TYPE
    );
    assert_eq!(
        manifest["annotations"][oci::SOURCE_ANNOTATION],
        "https://github.com/org/app"
    );
    assert_eq!(
        manifest["annotations"][oci::REVISION_ANNOTATION],
        "main@sha1:0123"
    );
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.licenses"],
        "Apache-2.0"
    );
    assert!(
        manifest["annotations"][oci::CREATED_ANNOTATION]
            .as_str()
            .is_some_and(|c| c.ends_with('Z'))
    );

    push_tree(&reg, "org/manifests:v1.1.0", "second");
    push_tree(&reg, "org/manifests:latest", "third");
    let listed = oci::list(
        &reg.url("org/manifests"),
        &ListOptions::default(),
        &Credentials::Anonymous,
        &opts(),
    )
    .unwrap();
    let urls: Vec<&str> = listed
        .iter()
        .map(|m| m.url.rsplit(':').next().unwrap())
        .collect();
    assert_eq!(urls, ["v1.1.0", "v1.0.0", "latest"]);
    assert_eq!(listed[1].digest, pushed.digest);
    assert_eq!(listed[1].source, "https://github.com/org/app");
    assert_eq!(listed[1].revision, "main@sha1:0123");
    let filtered = oci::list(
        &reg.url("org/manifests"),
        &ListOptions {
            semver: Some(">=1.1.0".into()),
            ..Default::default()
        },
        &Credentials::Anonymous,
        &opts(),
    )
    .unwrap();
    assert_eq!(filtered.len(), 1);
    assert!(filtered[0].url.ends_with(":v1.1.0"));
    let by_regex = oci::list(
        &reg.url("org/manifests"),
        &ListOptions {
            regex: Some("^lat".into()),
            ..Default::default()
        },
        &Credentials::Anonymous,
        &opts(),
    )
    .unwrap();
    assert_eq!(by_regex.len(), 1);

    // Pull by tag and by digest: the tree minus the default exclusions (.git).
    for url in [
        reg.url("org/manifests:v1.0.0"),
        format!("{}@{}", reg.url("org/manifests"), pushed.digest),
    ] {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join("existing.txt"), "kept").unwrap();
        let got = oci::pull(&url, out.path(), &Credentials::Anonymous, &opts()).unwrap();
        assert_eq!(
            got.digest,
            format!("{}@{}", pushed.repository, pushed.digest)
        );
        assert_eq!(got.revision, "main@sha1:0123");
        assert_eq!(
            read_tree(out.path()),
            [
                ("README.md".to_string(), "hi\n".to_string()),
                ("deploy/app.yaml".into(), "kind: ConfigMap\n".into()),
                ("existing.txt".into(), "kept".into())
            ]
        );
    }
}

#[test]
fn reproducible_push_gives_the_same_digest() {
    let reg = Registry::start();
    let src = tree(&[("a.yaml", "a: 1\n")]);
    let m = PushMetadata {
        created: Some(oci::REPRODUCIBLE_CREATED.into()),
        ..meta("v1@sha1:1")
    };
    let a = oci::push(
        &reg.url("r:one"),
        src.path(),
        &m,
        None,
        &Credentials::Anonymous,
        &opts(),
    )
    .unwrap();
    let b = oci::push(
        &reg.url("r:two"),
        src.path(),
        &m,
        None,
        &Credentials::Anonymous,
        &opts(),
    )
    .unwrap();
    assert_eq!(a.digest, b.digest);
}

#[test]
fn blocking_api_works_inside_a_runtime() {
    let reg = Registry::start();
    push_tree(&reg, "rt:v1", "x");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listed = rt
        .block_on(async {
            oci::list(
                &reg.url("rt"),
                &ListOptions::default(),
                &Credentials::Anonymous,
                &opts(),
            )
        })
        .unwrap();
    assert_eq!(listed.len(), 1);
    let listed = rt
        .block_on(oci::asynchronous::list(
            &reg.url("rt"),
            &ListOptions::default(),
            &Credentials::Anonymous,
            &opts(),
        ))
        .unwrap();
    assert_eq!(listed.len(), 1);
}
