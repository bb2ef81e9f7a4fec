//! OCIRepository fetches against a real `docker-registry` on loopback: the ref rules
//! (tag, semver + semverFilter, digest), layerSelector, auth and failures.
// A failed step is a failed test.
#![allow(clippy::unwrap_used)]

mod oci_support;

use std::collections::BTreeMap;

use base64::Engine as _;
use gitops_core::api::source::oci::{
    LayerOperation, OCILayerSelector, OCIRepositoryRef, OCIRepositorySpec,
};
use gitops_sources::oci::{self, Content, Credentials, Error, ListOptions};
use oci_support::{CONTENT, Registry, meta, opts, push_tree, read_tree, spec, tgz, tree};

#[test]
fn fetch_by_tag_semver_and_digest() {
    let reg = Registry::start();
    let mut digests = BTreeMap::new();
    for tag in [
        "1.0.0",
        "1.10.0",
        "1.2.0",
        "2.0.0-rc.1",
        "v1.5.0",
        "latest",
        "1.9.0-dev",
    ] {
        digests.insert(tag, push_tree(&reg, &format!("app:{tag}"), tag));
    }
    let url = reg.url("app");
    let fetch = |reference: Option<OCIRepositoryRef>| {
        let dir = tempfile::tempdir().unwrap();
        let out = oci::fetch(
            &spec(url.clone(), reference),
            &Credentials::Anonymous,
            dir.path(),
        )
        .unwrap();
        let files = read_tree(dir.path());
        (out, files)
    };

    // Default: tag latest.
    let (out, files) = fetch(None);
    assert_eq!(out.revision, format!("latest@{}", digests["latest"]));
    assert_eq!(out.tag.as_deref(), Some("latest"));
    assert_eq!(files, [("app.yaml".to_string(), "latest".to_string())]);
    assert_eq!(out.metadata[oci::REVISION_ANNOTATION], "latest");
    assert!(matches!(out.content, Content::Extracted { .. }));

    // Semver picks the highest in range (numeric order, not lexical); v-prefixed counts.
    let (out, _) = fetch(Some(OCIRepositoryRef {
        semver: Some(">=1.0.0 <2.0.0".into()),
        ..Default::default()
    }));
    assert_eq!(out.revision, format!("1.10.0@{}", digests["1.10.0"]));
    // semverFilter is applied before the range.
    let (out, _) = fetch(Some(OCIRepositoryRef {
        semver: Some(">=1.0.0".into()),
        semver_filter: Some("^v".into()),
        ..Default::default()
    }));
    assert_eq!(out.revision, format!("v1.5.0@{}", digests["v1.5.0"]));
    let (out, _) = fetch(Some(OCIRepositoryRef {
        semver: Some(">=1.0.0-0".into()),
        semver_filter: Some(".*-rc.*".into()),
        ..Default::default()
    }));
    assert_eq!(out.tag.as_deref(), Some("2.0.0-rc.1"));

    // Precedence: digest > semver > tag.
    let (out, files) = fetch(Some(OCIRepositoryRef {
        digest: Some(digests["1.0.0"].clone()),
        semver: Some("*".into()),
        tag: Some("1.2.0".into()),
        ..Default::default()
    }));
    assert_eq!(out.revision, digests["1.0.0"]);
    assert_eq!(out.tag, None);
    assert_eq!(files, [("app.yaml".to_string(), "1.0.0".to_string())]);
    let (out, _) = fetch(Some(OCIRepositoryRef {
        semver: Some("~1.2".into()),
        tag: Some("1.0.0".into()),
        ..Default::default()
    }));
    assert_eq!(out.tag.as_deref(), Some("1.2.0"));
    let (out, _) = fetch(Some(OCIRepositoryRef {
        tag: Some("1.2.0".into()),
        ..Default::default()
    }));
    assert_eq!(out.revision, format!("1.2.0@{}", digests["1.2.0"]));

    // resolve agrees with fetch without downloading.
    let resolved = oci::resolve(
        &spec(
            url.clone(),
            Some(OCIRepositoryRef {
                tag: Some("1.2.0".into()),
                ..Default::default()
            }),
        ),
        &Credentials::Anonymous,
    )
    .unwrap();
    assert_eq!(resolved.revision, out.revision);

    // No match, bad range, bad regex.
    let dir = tempfile::tempdir().unwrap();
    let err = oci::fetch(
        &spec(
            url.clone(),
            Some(OCIRepositoryRef {
                semver: Some(">=5.0.0".into()),
                ..Default::default()
            }),
        ),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::NoSemverMatch { .. }), "{err}");
    assert!(err.to_string().contains(">=5.0.0"), "{err}");
    let err = oci::fetch(
        &spec(
            url.clone(),
            Some(OCIRepositoryRef {
                semver: Some("not a range".into()),
                ..Default::default()
            }),
        ),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidSemver { .. }), "{err}");
    let err = oci::fetch(
        &spec(
            url,
            Some(OCIRepositoryRef {
                semver: Some("*".into()),
                semver_filter: Some("(".into()),
                ..Default::default()
            }),
        ),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidFilter { .. }), "{err}");
}

#[test]
fn layer_selector_copy_and_extract() {
    let reg = Registry::start();
    let content = tgz(&[("deploy.yaml", "kind: Deployment\n")]);
    reg.push_raw(
        "multi",
        "v1",
        vec![
            ("text/plain", b"not a tarball".to_vec()),
            (CONTENT, content.clone()),
        ],
    );
    let select = |media_type: Option<&str>, operation: Option<LayerOperation>| OCIRepositorySpec {
        layer_selector: Some(OCILayerSelector {
            media_type: media_type.map(str::to_string),
            operation,
        }),
        ..spec(
            reg.url("multi"),
            Some(OCIRepositoryRef {
                tag: Some("v1".into()),
                ..Default::default()
            }),
        )
    };

    let dir = tempfile::tempdir().unwrap();
    let out = oci::fetch(
        &select(Some(CONTENT), None),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap();
    assert_eq!(
        out.content,
        Content::Extracted {
            dir: dir.path().to_path_buf()
        }
    );
    assert_eq!(
        read_tree(dir.path()),
        [("deploy.yaml".to_string(), "kind: Deployment\n".to_string())]
    );

    let dir = tempfile::tempdir().unwrap();
    let out = oci::fetch(
        &select(Some(CONTENT), Some(LayerOperation::Copy)),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap();
    let Content::Copied { file } = &out.content else {
        panic!("expected a copied layer: {out:?}")
    };
    assert_eq!(std::fs::read(file).unwrap(), content);
    let hex = out.digest.strip_prefix("sha256:").unwrap();
    assert_eq!(
        file.file_name().unwrap().to_string_lossy(),
        format!("{hex}.tgz")
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp files left"
    );

    // Default selector: the first layer, which is not a tarball.
    let dir = tempfile::tempdir().unwrap();
    let err = oci::fetch(&select(None, None), &Credentials::Anonymous, dir.path()).unwrap_err();
    assert!(matches!(err, Error::Extract { .. }), "{err}");
    assert!(err.to_string().contains("multi@sha256:"), "{err}");
    let err = oci::fetch(
        &select(Some("application/x-none"), None),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::LayerNotFound { .. })
            && err.to_string().contains("application/x-none"),
        "{err}"
    );
}

#[test]
fn basic_auth_and_docker_config() {
    let reg = Registry::start_with_auth("flux", "s3cr3t-pw");
    let good = Credentials::from_user_pass("flux:s3cr3t-pw");
    let src = tree(&[("a.yaml", "a\n")]);
    let pushed = oci::push(
        &reg.url("private:v1"),
        src.path(),
        &meta("v1"),
        None,
        &good,
        &opts(),
    )
    .unwrap();

    let encoded = base64::engine::general_purpose::STANDARD.encode("flux:s3cr3t-pw");
    let config = format!(
        r#"{{"auths":{{"http://{}":{{"auth":"{encoded}"}}}}}}"#,
        reg.host
    );
    let docker = Credentials::from_docker_config(config.as_bytes()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = spec(
        reg.url("private"),
        Some(OCIRepositoryRef {
            tag: Some("v1".into()),
            ..Default::default()
        }),
    );
    let out = oci::fetch(&s, &docker, dir.path()).unwrap();
    assert_eq!(out.digest, pushed.digest);
    let listed = oci::list(&reg.url("private"), &ListOptions::default(), &good, &opts()).unwrap();
    assert_eq!(listed.len(), 1);

    let bad = Credentials::from_user_pass("flux:wrong-password-123");
    for creds in [bad, Credentials::Anonymous] {
        let err = oci::fetch(&s, &creds, tempfile::tempdir().unwrap().path()).unwrap_err();
        assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains(&reg.host) && !text.contains("wrong-password-123"),
            "{text}"
        );
    }
    let err = oci::push(
        &reg.url("private:v2"),
        src.path(),
        &meta("v2"),
        None,
        &Credentials::from_user_pass("flux:nope-nope"),
        &opts(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { .. }) && !err.to_string().contains("nope-nope"),
        "{err}"
    );
}

#[test]
fn wrong_references_and_unreachable_registry() {
    let reg = Registry::start();
    push_tree(&reg, "exists:v1", "x");
    let dir = tempfile::tempdir().unwrap();
    let err = oci::fetch(
        &spec(
            reg.url("exists"),
            Some(OCIRepositoryRef {
                tag: Some("v9".into()),
                ..Default::default()
            }),
        ),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::NotFound { .. }) && err.to_string().contains("exists:v9"),
        "{err}"
    );
    let err = oci::pull(
        &reg.url("missing/repo:v1"),
        dir.path(),
        &Credentials::Anonymous,
        &opts(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::NotFound { .. }) && err.to_string().contains("missing/repo"),
        "{err}"
    );
    let err = oci::fetch(
        &spec(reg.url("exists:v1"), None),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::InvalidUrl { .. }) && err.to_string().contains("remove ':v1'"),
        "{err}"
    );
    let err = oci::fetch(
        &spec("https://example.com/x".into(), None),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err}");

    let host = format!("127.0.0.1:{}", oci_support::closed_port());
    let err = oci::fetch(
        &spec(format!("oci://{host}/app"), None),
        &Credentials::Anonymous,
        dir.path(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, Error::Registry { .. }) && text.contains(&host),
        "{text}"
    );
    assert!(text.to_lowercase().contains("connect"), "{text}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written on failure"
    );
}

#[test]
fn helm_chart_layers_read_underscore_tags_as_build_metadata() {
    const HELM: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
    let reg = Registry::start();
    for (tag, marker) in [
        ("1.0.0", "plain"),
        ("1.0.1_build.7", "meta"),
        ("0.9.0", "old"),
    ] {
        reg.push_raw("chart", tag, vec![(HELM, tgz(&[("Chart.yaml", marker)]))]);
    }
    let s = OCIRepositorySpec {
        layer_selector: Some(OCILayerSelector {
            media_type: Some(HELM.into()),
            operation: Some(LayerOperation::Copy),
        }),
        ..spec(
            reg.url("chart"),
            Some(OCIRepositoryRef {
                semver: Some(">=1.0.0".into()),
                ..Default::default()
            }),
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let out = oci::fetch(&s, &Credentials::Anonymous, dir.path()).unwrap();
    assert_eq!(out.tag.as_deref(), Some("1.0.1_build.7"));
    assert!(
        out.revision.starts_with("1.0.1_build.7@sha256:"),
        "{}",
        out.revision
    );
}
