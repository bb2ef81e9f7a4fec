//! Persistence (`Options::data_dir`): state survives a clean restart and a crash.
//!
//! The server tests use the machine's real `kubectl` (any kubectl ≥ 1.27 on PATH; install:
//! `apt-get install kubectl` from the Google Cloud SDK repository, or download from
//! https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl). Crashes are simulated at the
//! store level: the store is dropped without its final snapshot and the log is cut.

use std::path::Path;
use std::process::Command;

use gitops_devcluster::cluster::ClusterError;
use gitops_devcluster::persist::{self, PersistError, PersistOptions};
use gitops_devcluster::store::{
    DeleteOptions, ListParams, ResourceType, Store, StoreOptions, WriteOptions,
};
use gitops_devcluster::watch::{WatchError, WatchParams};
use gitops_devcluster::{DevCluster, Handle, Options};
use serde_json::{Value, json};

fn start(data: &Path) -> Handle {
    DevCluster::start(Options {
        data_dir: Some(data.to_path_buf()),
        ..Options::default()
    })
    .expect("devcluster starts on the data directory")
}

/// Runs kubectl against `handle` (kubeconfig and cache in `home`); panics on failure.
fn kubectl(handle: &Handle, home: &Path, args: &[&str]) -> String {
    let kubeconfig = home.join("kubeconfig");
    handle.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("--cache-dir")
        .arg(home.join("cache"))
        .args(args)
        .env("HOME", home)
        .output()
        .expect("kubectl runs: install kubectl (see the file header)");
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "kubectl {args:?}\nstdout: {so}\nstderr: {se}"
    );
    so.into_owned()
}

fn get_json(handle: &Handle, home: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    serde_json::from_str(&kubectl(handle, home, &all)).expect("kubectl prints JSON")
}

fn rv(obj: &Value) -> u64 {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("numeric resourceVersion")
}

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
"#;

const WIDGET: &str = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: apps\nspec:\n  size: 3\n";

#[test]
fn persist_restart_keeps_objects_revisions_and_crds() {
    let data = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let crd = h.join("crd.yaml");
    let widget = h.join("w.yaml");
    std::fs::write(&crd, CRD).expect("write");
    std::fs::write(&widget, WIDGET).expect("write");

    let first = start(data.path());
    kubectl(&first, h, &["create", "namespace", "apps"]);
    kubectl(
        &first,
        h,
        &[
            "-n",
            "apps",
            "create",
            "configmap",
            "a",
            "--from-literal=k=1",
        ],
    );
    kubectl(
        &first,
        h,
        &[
            "-n",
            "apps",
            "create",
            "configmap",
            "b",
            "--from-literal=k=2",
        ],
    );
    kubectl(&first, h, &["-n", "apps", "delete", "configmap", "b"]);
    kubectl(&first, h, &["apply", "-f", crd.to_str().expect("utf-8")]);
    kubectl(&first, h, &["apply", "-f", widget.to_str().expect("utf-8")]);
    let before = [
        get_json(&first, h, &["get", "namespace", "apps"]),
        get_json(&first, h, &["get", "namespace", "default"]),
        get_json(&first, h, &["-n", "apps", "get", "configmap", "a"]),
        get_json(&first, h, &["get", "crd", "widgets.example.com"]),
        get_json(&first, h, &["-n", "apps", "get", "widget", "w1"]),
    ];
    let revision = first.state().store.lock().expect("lock").revision();
    first.shutdown();
    assert!(data.path().join("snapshot.json").exists());

    let second = start(data.path());
    assert_eq!(
        second.state().store.lock().expect("lock").revision(),
        revision
    );
    let after = [
        get_json(&second, h, &["get", "namespace", "apps"]),
        get_json(&second, h, &["get", "namespace", "default"]),
        get_json(&second, h, &["-n", "apps", "get", "configmap", "a"]),
        get_json(&second, h, &["get", "crd", "widgets.example.com"]),
        get_json(&second, h, &["-n", "apps", "get", "widget", "w1"]),
    ];
    // Byte for byte: uid, resourceVersion, creationTimestamp, generation, managedFields.
    assert_eq!(before, after);
    let missing = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(h.join("kubeconfig"))
        .args(["-n", "apps", "get", "configmap", "b"])
        .env("HOME", h)
        .output()
        .expect("kubectl runs");
    assert!(
        !missing.status.success(),
        "the deleted configmap stays deleted"
    );
    let names = kubectl(&second, h, &["get", "namespaces", "-o", "name"]);
    assert_eq!(
        names.lines().filter(|l| *l == "namespace/default").count(),
        1,
        "{names}"
    );

    // The CRD is served again: kubectl get prints its printer columns.
    let table = kubectl(&second, h, &["-n", "apps", "get", "widgets"]);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows.first().and_then(|r| r.get(..2)),
        Some(&["NAME", "SIZE"][..]),
        "{table}"
    );
    assert_eq!(
        rows.get(1).and_then(|r| r.get(..2)),
        Some(&["w1", "3"][..]),
        "{table}"
    );

    // New writes continue the global revision.
    kubectl(
        &second,
        h,
        &[
            "-n",
            "apps",
            "create",
            "configmap",
            "c",
            "--from-literal=k=3",
        ],
    );
    let c = get_json(&second, h, &["-n", "apps", "get", "configmap", "c"]);
    assert!(rv(&c) > revision, "{} > {revision}", rv(&c));

    // A watch from a resourceVersion before the restart is expired (410 in the stream).
    let old = rv(&before[2]) - 1;
    let query = format!("/api/v1/namespaces/apps/configmaps?watch=1&resourceVersion={old}");
    let stream = kubectl(&second, h, &["get", "--raw", &query]);
    assert!(
        stream.contains("\"ERROR\"") && stream.contains("410"),
        "{stream}"
    );
    second.shutdown();

    // And once more: the write made after the first restart survives too.
    let third = start(data.path());
    assert_eq!(
        get_json(&third, h, &["-n", "apps", "get", "configmap", "c"]),
        c
    );
    third.shutdown();
}

#[test]
fn persist_second_server_on_the_same_dir_fails() {
    let data = tempfile::tempdir().expect("tempdir");
    let first = start(data.path());
    let err = DevCluster::start(Options {
        data_dir: Some(data.path().to_path_buf()),
        ..Options::default()
    })
    .expect_err("the directory is locked");
    assert!(
        matches!(err, ClusterError::Persist(PersistError::Locked { .. })),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&data.path().display().to_string()), "{msg}");
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    first.shutdown();
    // Released on shutdown.
    start(data.path()).shutdown();
}

#[test]
fn persist_corrupt_snapshot_names_the_file() {
    let data = tempfile::tempdir().expect("tempdir");
    std::fs::write(data.path().join("snapshot.json"), "{\"format\": 1, \"rev").expect("write");
    let err = DevCluster::start(Options {
        data_dir: Some(data.path().to_path_buf()),
        ..Options::default()
    })
    .expect_err("corrupt snapshot");
    let msg = err.to_string();
    assert!(
        msg.contains(&data.path().join("snapshot.json").display().to_string())
            && msg.contains("corrupt"),
        "{msg}"
    );
    let file = data.path().join("not-a-dir");
    std::fs::write(&file, "x").expect("write");
    let err = DevCluster::start(Options {
        data_dir: Some(file.clone()),
        ..Options::default()
    })
    .expect_err("not a directory");
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
}

fn cm() -> ResourceType {
    ResourceType::namespaced("", "v1", "configmaps", "ConfigMap")
}

fn open(dir: &Path, every: u64) -> persist::Recovered {
    let store_opts = StoreOptions {
        seed: 3,
        ..StoreOptions::default()
    };
    persist::open(
        dir,
        store_opts,
        &PersistOptions {
            snapshot_every: every,
        },
    )
    .expect("opens")
}

fn create(store: &mut Store, name: &str) -> Value {
    let obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"n": name}});
    store
        .create(&cm(), "default", obj, &WriteOptions::default())
        .expect("created")
}

fn names(store: &Store) -> Vec<String> {
    let list = store.list(&cm(), &ListParams::default()).expect("lists");
    list.items
        .iter()
        .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn persist_crash_keeps_every_written_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut r = open(dir.path(), 4);
    assert!(r.fresh);
    let mut created = Vec::new();
    for i in 0..10 {
        created.push(create(&mut r.store, &format!("cm{i}")));
    }
    r.store
        .delete(&cm(), "default", "cm3", &DeleteOptions::default())
        .expect("deleted");
    let revision = r.store.revision();
    // Crash: no final snapshot (the periodic ones happened after 4 and 8 records).
    drop(r);

    let r = open(dir.path(), 4);
    assert!(!r.fresh);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.replayed, 3);
    assert_eq!(r.store.revision(), revision);
    let mut expected: Vec<String> = (0..10)
        .filter(|i| *i != 3)
        .map(|i| format!("cm{i}"))
        .collect();
    expected.sort();
    assert_eq!(names(&r.store), expected);
    assert_eq!(
        r.store.get(&cm(), "default", "cm5", None).expect("present"),
        created[5]
    );

    // Watches from before the restart are expired; from the recovered revision they work.
    let old = WatchParams {
        resource_version: Some((revision - 1).to_string()),
        ..WatchParams::default()
    };
    assert!(matches!(
        r.store.watch(&cm(), &old),
        Err(WatchError::Expired { .. })
    ));
    let now = WatchParams {
        resource_version: Some(revision.to_string()),
        ..WatchParams::default()
    };
    assert!(r.store.watch(&cm(), &now).is_ok());
}

#[test]
fn persist_torn_last_record_is_dropped_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 5;
    let mut r = open(dir.path(), 1_000);
    for i in 0..n {
        create(&mut r.store, &format!("cm{i}"));
    }
    let revision = r.store.revision();
    drop(r);
    // A crash in the middle of the last append: cut the log inside its last record.
    let log = dir.path().join(persist::LOG);
    let len = std::fs::metadata(&log).expect("log exists").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .expect("open");
    file.set_len(len - 7).expect("truncate");
    drop(file);

    let mut r = open(dir.path(), 1_000);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(
        r.warnings[0].contains(&log.display().to_string()),
        "{}",
        r.warnings[0]
    );
    assert!(r.warnings[0].contains("torn"), "{}", r.warnings[0]);
    assert_eq!(names(&r.store).len(), n - 1);
    assert_eq!(r.store.revision(), revision - 1);
    // The next write takes the lost record's revision and lands in a clean log.
    let again = create(&mut r.store, "cm4");
    assert_eq!(again["metadata"]["resourceVersion"], revision.to_string());
    drop(r);
    let r = open(dir.path(), 1_000);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(names(&r.store).len(), n);
}

#[test]
fn persist_closed_store_refuses_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut r = open(dir.path(), 1_000);
    create(&mut r.store, "kept");
    r.store.close_persistence().expect("final snapshot");
    r.store.close_persistence().expect("idempotent");
    let err = r
        .store
        .create(
            &cm(),
            "default",
            json!({"metadata": {"name": "late"}}),
            &WriteOptions::default(),
        )
        .expect_err("closed");
    assert_eq!(err.to_status().code, 500);
    assert_eq!(names(&r.store), ["kept"]);
    // The directory is unlocked although the store is still alive.
    let r2 = open(dir.path(), 1_000);
    assert_eq!(names(&r2.store), ["kept"]);
    assert_eq!(
        std::fs::metadata(dir.path().join(persist::LOG))
            .expect("log")
            .len(),
        0
    );
}
