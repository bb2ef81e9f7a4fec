//! The protobuf codec against `k8s-pb`'s prost encoding, its errors, and random bytes.
use gitops_devcluster::protobuf::{
    Error, MAGIC, decode_body, encode_object, is_protobuf, supported_kinds,
};
use k8s_pb::api::core::v1 as core;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use proptest::prelude::*;
use prost::Message;
use serde_json::json;

fn wrap(api_version: &str, kind: &str, raw: Vec<u8>, encoding: &str) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: Some(api_version.into()),
            kind: Some(kind.into()),
        }),
        raw: Some(raw),
        content_encoding: Some(encoding.into()),
        content_type: Some(String::new()),
    };
    let mut out = MAGIC.to_vec();
    out.extend(unknown.encode_to_vec());
    out
}

fn full_meta() -> meta::ObjectMeta {
    meta::ObjectMeta {
        name: Some("sh.helm.release.v1.web.v1".into()),
        generate_name: Some(String::new()),
        namespace: Some("apps".into()),
        uid: Some(String::new()),
        resource_version: Some("42".into()),
        generation: Some(0),
        creation_timestamp: Some(meta::Time {
            seconds: Some(1_764_201_600),
            nanos: Some(0),
        }),
        deletion_grace_period_seconds: Some(0),
        labels: [
            ("owner".to_string(), "helm".to_string()),
            ("status".into(), "deployed".into()),
        ]
        .into(),
        annotations: [("note".to_string(), String::new())].into(),
        owner_references: vec![meta::OwnerReference {
            api_version: Some("apps/v1".into()),
            kind: Some("Deployment".into()),
            name: Some("web".into()),
            uid: Some("u-1".into()),
            controller: Some(true),
            block_owner_deletion: Some(false),
        }],
        finalizers: vec!["example.com/keep".into()],
        managed_fields: vec![meta::ManagedFieldsEntry {
            manager: Some("helm".into()),
            operation: Some("Update".into()),
            api_version: Some("v1".into()),
            time: Some(meta::Time {
                seconds: Some(0),
                nanos: Some(0),
            }),
            fields_type: Some("FieldsV1".into()),
            fields_v1: Some(meta::FieldsV1 {
                raw: Some(br#"{"f:data":{}}"#.to_vec()),
            }),
            subresource: Some(String::new()),
        }],
        ..Default::default()
    }
}

#[test]
fn secret_with_every_metadata_field_decodes_like_json() {
    let secret = core::Secret {
        metadata: Some(full_meta()),
        immutable: Some(false),
        data: [("release".to_string(), b"\x1f\x8b\x00binary".to_vec())].into(),
        string_data: Default::default(),
        r#type: Some("helm.sh/release.v1".into()),
    };
    let body = wrap("v1", "Secret", secret.encode_to_vec(), "");
    let got = decode_body(&body).expect("decodes");
    let expected = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {
            "name": "sh.helm.release.v1.web.v1", "namespace": "apps", "resourceVersion": "42",
            "creationTimestamp": "2025-11-27T00:00:00Z", "deletionGracePeriodSeconds": 0,
            "labels": {"owner": "helm", "status": "deployed"}, "annotations": {"note": ""},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u-1",
                                 "controller": true, "blockOwnerDeletion": false}],
            "finalizers": ["example.com/keep"],
            "managedFields": [{"manager": "helm", "operation": "Update", "apiVersion": "v1",
                               "time": "1970-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {}}}]
        },
        "immutable": false,
        "data": {"release": "H4sAYmluYXJ5"},
        "type": "helm.sh/release.v1"
    });
    assert_eq!(got, expected);
    // Our encoder's bytes decode with prost to the same message.
    let ours = encode_object(&got).expect("encodes");
    let unknown = Unknown::decode(&ours[4..]).expect("prost reads our Unknown");
    let back = core::Secret::decode(unknown.raw.unwrap_or_default().as_slice())
        .expect("prost reads our Secret");
    assert_eq!(back.data, secret.data);
    let created = |m: Option<meta::ObjectMeta>| m.and_then(|m| m.creation_timestamp);
    assert_eq!(created(back.metadata), created(secret.metadata));
}

#[test]
fn service_ports_int_or_string_and_zero_time() {
    let svc = core::Service {
        metadata: Some(meta::ObjectMeta {
            name: Some("svc".into()),
            creation_timestamp: Some(meta::Time::default()),
            ..Default::default()
        }),
        spec: Some(core::ServiceSpec {
            ports: vec![
                core::ServicePort {
                    name: Some("http".into()),
                    port: Some(80),
                    target_port: Some(IntOrString {
                        r#type: Some(1),
                        int_val: Some(0),
                        str_val: Some("web".into()),
                    }),
                    node_port: Some(0),
                    ..Default::default()
                },
                core::ServicePort {
                    port: Some(443),
                    target_port: Some(IntOrString {
                        r#type: Some(0),
                        int_val: Some(8443),
                        str_val: Some(String::new()),
                    }),
                    ..Default::default()
                },
            ],
            selector: [("app".to_string(), "web".to_string())].into(),
            r#type: Some("ClusterIP".into()),
            ..Default::default()
        }),
        status: Some(core::ServiceStatus::default()),
    };
    let got = decode_body(&wrap("v1", "Service", svc.encode_to_vec(), "")).expect("decodes");
    assert_eq!(
        got,
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
               "spec": {"ports": [{"name": "http", "port": 80, "targetPort": "web"}, {"port": 443, "targetPort": 8443}],
                        "selector": {"app": "web"}, "type": "ClusterIP"},
               "status": {}})
    );
    assert_eq!(decode_body(&encode_object(&got).expect("encodes")), Ok(got));
}

#[test]
fn errors_map_to_400_and_415() {
    let err = decode_body(b"{\"kind\":\"Secret\"}").expect_err("not protobuf");
    assert_eq!(err, Error::Magic);
    assert_eq!(err.to_status().code, 400);

    let crd = wrap(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        vec![],
        "",
    );
    let err = decode_body(&crd).expect_err("unsupported kind");
    assert_eq!(err.code(), 415);
    let status = err.to_status();
    assert_eq!(status.code, 415);
    assert!(
        status
            .message
            .contains("CustomResourceDefinition (apiextensions.k8s.io/v1)"),
        "{}",
        status.message
    );

    let gz = wrap("v1", "ConfigMap", vec![], "gzip");
    assert_eq!(decode_body(&gz), Err(Error::ContentEncoding("gzip".into())));

    let mut truncated = wrap(
        "v1",
        "ConfigMap",
        core::ConfigMap::default().encode_to_vec(),
        "",
    );
    truncated.push(0x12);
    truncated.push(0x40);
    let err = decode_body(&truncated).expect_err("truncated");
    assert!(matches!(err, Error::Malformed { .. }), "{err}");
    assert_eq!(err.code(), 400);

    let bad = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 3}});
    let err = encode_object(&bad).expect_err("name must be a string");
    assert_eq!(
        err.to_string(),
        "cannot encode .metadata.name as protobuf: expected a string"
    );
}

#[test]
fn media_type_and_kinds() {
    assert!(is_protobuf("application/vnd.kubernetes.protobuf"));
    assert!(is_protobuf(
        "application/vnd.kubernetes.protobuf; charset=utf-8"
    ));
    assert!(!is_protobuf("application/json"));
    let kinds: Vec<_> = supported_kinds().collect();
    for k in [
        ("v1", "Secret"),
        ("v1", "ConfigMap"),
        ("v1", "Namespace"),
        ("apps/v1", "Deployment"),
    ] {
        assert!(kinds.contains(&k), "{k:?}");
    }
}

const KINDS: [&str; 5] = ["Secret", "ConfigMap", "Namespace", "Pod", "Service"];

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_body(&bytes);
        let mut with_magic = MAGIC.to_vec();
        with_magic.extend(&bytes);
        let _ = decode_body(&with_magic);
    }

    #[test]
    fn random_raw_of_a_known_kind_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..512),
                                               kind in prop::sample::select(KINDS.to_vec())) {
        if let Ok(v) = decode_body(&wrap("v1", kind, raw, "")) {
            // Whatever decodes re-encodes without error.
            prop_assert!(encode_object(&v).is_ok());
        }
    }

    #[test]
    fn mutated_valid_bodies_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let secret = core::Secret { metadata: Some(full_meta()), ..Default::default() };
        let mut body = wrap("v1", "Secret", secret.encode_to_vec(), "");
        let i = pos.index(body.len());
        body[i] = byte;
        let _ = decode_body(&body);
    }

    #[test]
    fn encoding_arbitrary_strings_never_panics(ts in ".{0,40}", data in ".{0,40}", q in "[0-9a-zé.]{0,12}") {
        let obj = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "creationTimestamp": ts, "managedFields": [{"time": data}]},
            "spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": q}}}],
                     "overhead": {"memory": data}},
            "status": {"startTime": format!("2024-01-01T00:00:0{data}")}});
        if let Ok(bytes) = encode_object(&obj) {
            prop_assert!(decode_body(&bytes).is_ok());
        }
    }
}
