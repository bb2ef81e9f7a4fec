//! The kustomize-controller pipeline on a real kustomize build: decrypt sources, build,
//! decrypt objects, substitute variables, guard against leftovers — with the
//! kustomize-controller SOPS fixtures (see `tests/fixtures/sops/README.md`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gitops_render::kustomize::{self, MemFs, Options};
use gitops_render::postbuild;
use gitops_render::sops::{self, Keys};

fn fixture(path: &str) -> Vec<u8> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sops")
        .join(path);
    std::fs::read(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()))
}

const KUSTOMIZATION: &str = "resources:\n- age.yaml\n- inside.yaml\n- cm.yaml\n\
generatorOptions:\n  disableNameSuffixHash: true\n\
secretGenerator:\n- name: files\n  files:\n  - key=file.txt\n- name: envs\n  envs:\n  - env.env\n";

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns:=default}\ndata:\n  cluster: ${cluster}\n";

#[test]
fn decrypt_then_substitute_a_kustomize_build() {
    let keys = Keys::from_secret_data(&BTreeMap::from([(
        "age.agekey".to_string(),
        fixture("kustomize-controller/age.agekey"),
    )]))
    .expect("keys");

    // sources referenced by generators are decrypted before the build
    let env = sops::decrypt_source_file(
        "env.env",
        &fixture("kustomize-controller/env.env"),
        true,
        &keys,
    )
    .expect("decrypt env")
    .expect("env.env is encrypted");
    assert_eq!(env, b"key=value\n");
    assert_eq!(
        sops::decrypt_source_file("cm.yaml", CM.as_bytes(), false, &keys),
        Ok(None)
    );

    let mut fs = MemFs::new();
    fs.add("app/kustomization.yaml", KUSTOMIZATION)
        .add("app/age.yaml", fixture("kustomize-controller/age.yaml"))
        .add(
            "app/inside.yaml",
            fixture("kustomize-controller/inside-secret.yaml"),
        )
        .add("app/file.txt", fixture("kustomize-controller/file.txt"))
        .add("app/env.env", env)
        .add("app/cm.yaml", CM);
    let mut set = kustomize::build(&fs, "app", &Options::flux()).expect("build");

    // without decryption the apply guard names the first encrypted Secret
    let err = sops::check_decrypted(set.objects()).expect_err("encrypted");
    assert_eq!(
        err.to_string(),
        "Secret/age is SOPS encrypted, configuring decryption is required for this secret to be reconciled"
    );

    let changed = sops::decrypt_objects(set.objects_mut(), &keys).expect("decrypt");
    assert_eq!(changed, 3);
    sops::check_decrypted(set.objects()).expect("all decrypted");
    let vars = BTreeMap::from([("cluster".to_string(), "prod-eu".to_string())]);
    postbuild::substitute(set.objects_mut(), &vars, &postbuild::Options::flux())
        .expect("substitute");

    let get = |name: &str| {
        set.objects()
            .iter()
            .find(|o| o.name() == name)
            .expect(name)
            .as_value()
            .clone()
    };
    let decode = |v: &serde_json::Value| STANDARD.decode(v.as_str().expect("str")).expect("base64");
    assert_eq!(get("age")["stringData"]["key"], "value");
    assert_eq!(decode(&get("secret")["data"]["key"]), b"value");
    assert_eq!(decode(&get("files")["data"]["key"]), b"value");
    assert_eq!(decode(&get("envs")["data"]["key"]), b"value");
    assert_eq!(get("settings")["metadata"]["namespace"], "default");
    assert_eq!(get("settings")["data"]["cluster"], "prod-eu");
}
