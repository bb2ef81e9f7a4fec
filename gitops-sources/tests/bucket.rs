//! Buckets end to end against a real S3 API (`moto_server` with authentication on).
#![allow(clippy::unwrap_used)]

mod bucket_support;

use std::collections::BTreeMap;

use bucket_support::{Moto, start_moto};
use gitops_sources::bucket::{BucketOptions, Error, fetch_bucket, fetch_bucket_artifact};
use sha2::Digest as _;

const OBJECTS: &[(&str, &str)] = &[
    (".sourceignore", "*.txt\n"),
    ("manifests/a.yaml", "kind: A\n"),
    ("manifests/sub/b.yaml", "kind: B\n"),
    ("manifests/notes.txt", "ignored by .sourceignore\n"),
    ("manifests/README.md", "ignored by spec.ignore\n"),
    ("manifests/dir/", ""),
    ("other/c.yaml", "outside the prefix\n"),
];

fn options(moto: &Moto, bucket: &str) -> BucketOptions {
    let mut o = BucketOptions::generic(&moto.endpoint, bucket)
        .insecure(true)
        .credentials(&moto.access_key, &moto.secret_key);
    o.prefix = Some("manifests/".into());
    o.ignore = Some("*.md\n".into());
    o
}

/// Flux's revision recomputed from boto3's listing.
fn expected_revision(moto: &Moto, bucket: &str, keys: &[&str]) -> String {
    let out = moto.s3(&format!(
        "for o in s3.list_objects_v2(Bucket={bucket:?})['Contents']:\n    print(o['Key'], o['ETag'].strip('\"'))"
    ));
    let etags: BTreeMap<&str, &str> = out.lines().filter_map(|l| l.split_once(' ')).collect();
    let mut text = String::new();
    for k in keys {
        text.push_str(&format!("{k} {}\n", etags[k]));
    }
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(text)))
}

#[tokio::test]
async fn fetch_with_prefix_ignore_rules_and_stable_revision() {
    let moto = start_moto(false);
    moto.create_bucket("podinfo", OBJECTS);
    let opts = options(&moto, "podinfo");
    let dir = tempfile::tempdir().unwrap();
    let fetched = fetch_bucket(&opts, dir.path()).await.unwrap();
    let keys: Vec<&str> = fetched.index.keys().map(String::as_str).collect();
    assert_eq!(keys, ["manifests/a.yaml", "manifests/sub/b.yaml"]);
    assert_eq!(fetched.revision, expected_revision(&moto, "podinfo", &keys));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("manifests/sub/b.yaml")).unwrap(),
        "kind: B\n"
    );
    assert!(!dir.path().join("manifests/notes.txt").exists());
    assert!(!dir.path().join("other").exists());

    // The artifact: `<hex>.tar.gz`; the same bucket gives the same revision and file.
    let out = tempfile::tempdir().unwrap();
    let a1 = fetch_bucket_artifact(&opts, out.path()).await.unwrap();
    assert_eq!(a1.revision, fetched.revision);
    assert_eq!(
        a1.path,
        out.path().join(format!("{}.tar.gz", fetched.hex()))
    );
    assert_eq!(a1.objects, 2);
    let a2 = fetch_bucket_artifact(&opts, out.path()).await.unwrap();
    assert_eq!(
        (a2.revision.as_str(), a2.digest.as_str()),
        (a1.revision.as_str(), a1.digest.as_str())
    );
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "only the artifact remains: {leftovers:?}"
    );

    // A changed object changes the revision.
    moto.s3("s3.put_object(Bucket='podinfo', Key='manifests/a.yaml', Body=b'kind: A2\\n')");
    let a3 = fetch_bucket_artifact(&opts, out.path()).await.unwrap();
    assert_ne!(a3.revision, a1.revision);
}

#[tokio::test]
async fn wrong_credentials_and_missing_bucket() {
    let moto = start_moto(true);
    moto.create_bucket("present", &[("a.yaml", "a: 1\n")]);
    let dir = tempfile::tempdir().unwrap();
    let wrong = BucketOptions::generic(&moto.endpoint, "present")
        .insecure(true)
        .credentials("AKIAWRONGWRONGWRONG", "not-the-secret");
    let err = fetch_bucket(&wrong, dir.path()).await.unwrap_err();
    assert!(matches!(err, Error::List { .. }), "{err}");
    assert!(!err.to_string().contains("not-the-secret"));

    let mut missing = options(&moto, "absent-bucket");
    missing.prefix = None;
    // The right credentials read the bucket.
    let mut right = options(&moto, "present");
    right.prefix = None;
    let fetched = fetch_bucket(&right, dir.path()).await.unwrap();
    assert_eq!(fetched.index.len(), 1);
    let err = fetch_bucket(&missing, dir.path()).await.unwrap_err();
    assert!(matches!(err, Error::BucketNotFound { .. }), "{err}");
    assert!(err.to_string().contains("absent-bucket"));
}

#[test]
fn options_from_spec_and_secret() {
    let spec: gitops_sources::core::api::source::bucket::BucketSpec =
        serde_json::from_value(serde_json::json!({
            "bucketName": "b", "endpoint": "minio:9000", "interval": "1m", "insecure": true,
            "prefix": "p/", "timeout": "30s"
        }))
        .unwrap();
    let mut secret = BTreeMap::new();
    secret.insert("accesskey".to_string(), b"ak".to_vec());
    let err = BucketOptions::from_spec(&spec, Some("creds"), Some(&secret)).unwrap_err();
    assert!(matches!(err, Error::InvalidSecret { .. }), "{err}");
    secret.insert("secretkey".to_string(), b"sk".to_vec());
    let o = BucketOptions::from_spec(&spec, Some("creds"), Some(&secret)).unwrap();
    assert_eq!(
        (o.access_key.as_deref(), o.insecure, o.prefix.as_deref()),
        (Some("ak"), true, Some("p/"))
    );
    assert_eq!(o.timeout, Some(std::time::Duration::from_secs(30)));
    assert!(!format!("{o:?}").contains("\"sk\""));
}
