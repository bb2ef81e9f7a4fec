//! The artifact store: layout, atomic writes, locks, verification, retention, HTTP server.

use std::fs;
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, SystemTime};

use gitops_sources::artifact::{self, IgnoreRules, SourceKind};
use gitops_sources::store::{self, ArtifactRef, Error, Store};

fn podinfo() -> ArtifactRef {
    ArtifactRef::new("GitRepository", "flux-system", "podinfo")
}

#[test]
fn put_uses_flux_layout_and_urls() {
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::new(
        root.path(),
        "source-controller.flux-system.svc.cluster.local.",
    );
    let artifact = store
        .put(&podinfo(), "abc.tar.gz", &b"hello"[..])
        .expect("put");
    assert_eq!(
        artifact.path,
        "gitrepository/flux-system/podinfo/abc.tar.gz"
    );
    assert_eq!(
        artifact.url,
        "http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/podinfo/abc.tar.gz"
    );
    assert_eq!(
        artifact.digest,
        artifact::sha256_digest(b"hello").to_string()
    );
    assert_eq!(artifact.size, Some(5));
    assert_eq!(
        fs::read(root.path().join(&artifact.path)).expect("read"),
        b"hello"
    );
    assert!(store.exists(&artifact));
    store.verify(&artifact).expect("verify");

    let https = Store::new(root.path(), "https://artifacts.example.com/");
    let helm = ArtifactRef::new("HelmRepository", "default", "bitnami");
    let index = https
        .put(&helm, "index-0123.yaml", &b"entries: {}\n"[..])
        .expect("put");
    assert_eq!(
        index.url,
        "https://artifacts.example.com/helmrepository/default/bitnami/index-0123.yaml"
    );
}

#[test]
fn paths_that_leave_the_store_are_refused() {
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::new(root.path(), "localhost");
    for (kind, ns, name, file) in [
        ("GitRepository", "..", "x", "a"),
        ("GitRepository", "ns", "a/b", "a"),
        ("GitRepository", "ns", "x", "../../etc"),
        ("", "ns", "x", "a"),
    ] {
        let err = store
            .put(&ArtifactRef::new(kind, ns, name), file, &b""[..])
            .expect_err("refused");
        assert!(matches!(err, Error::InvalidPath { .. }), "{err}");
    }
    assert!(store.local_path("gitrepository/../../etc/passwd").is_err());
}

#[test]
fn put_replaces_atomically_and_leaves_no_temp_files() {
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::new(root.path(), "localhost");
    store.put(&podinfo(), "a.tar.gz", &b"one"[..]).expect("put");
    // A reader failing half-way leaves the previous file in place.
    struct Failing(u8);
    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("network reset"));
            }
            self.0 -= 1;
            buf[0] = b'x';
            Ok(1)
        }
    }
    let err = store
        .put(&podinfo(), "a.tar.gz", Failing(3))
        .expect_err("fails");
    assert!(err.to_string().contains("a.tar.gz"), "{err}");
    let dir = root.path().join("gitrepository/flux-system/podinfo");
    assert_eq!(fs::read(dir.join("a.tar.gz")).expect("read"), b"one");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("ls")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.tar.gz", "a.tar.gz.lock"]);
}

#[test]
fn concurrent_puts_of_one_artifact_never_mix() {
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::new(root.path(), "localhost");
    let bodies: Vec<Vec<u8>> = (0..6u8).map(|i| vec![b'a' + i; 200_000]).collect();
    std::thread::scope(|s| {
        for body in &bodies {
            let store = store.clone();
            s.spawn(move || {
                store
                    .put(&podinfo(), "same.tar.gz", &body[..])
                    .expect("put")
            });
        }
    });
    let got = fs::read(
        root.path()
            .join("gitrepository/flux-system/podinfo/same.tar.gz"),
    )
    .expect("read");
    assert!(bodies.contains(&got), "the file is one whole body");
}

#[test]
fn lock_is_an_os_file_lock_held_until_dropped() {
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::new(root.path(), "localhost");
    let lock = store.lock(&podinfo(), "a.tar.gz").expect("lock");
    let lock_path = root
        .path()
        .join("gitrepository/flux-system/podinfo/a.tar.gz.lock");
    let other = fs::File::options()
        .write(true)
        .open(&lock_path)
        .expect("open");
    assert!(other.try_lock().is_err(), "held by the store");
    drop(lock);
    other.try_lock().expect("free after drop");
}

#[test]
fn verify_detects_tampering_and_missing_files() {
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::new(root.path(), "localhost");
    let artifact = store
        .put(&podinfo(), "a.tar.gz", &b"content"[..])
        .expect("put");
    fs::write(root.path().join(&artifact.path), b"tampered").expect("write");
    let err = store.verify(&artifact).expect_err("mismatch");
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&artifact.path), "{err}");
    store.remove(&artifact).expect("remove");
    assert!(!store.exists(&artifact));
    assert!(matches!(
        store.verify(&artifact),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn archive_packs_into_the_store() {
    let src = tempfile::tempdir().expect("tempdir");
    fs::create_dir(src.path().join("deploy")).expect("mkdir");
    fs::write(src.path().join("deploy/app.yaml"), "kind: Deployment\n").expect("write");
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::new(root.path(), "localhost");
    let rules = IgnoreRules::for_source(SourceKind::Git, None);
    let artifact = store
        .archive(&podinfo(), "sha.tar.gz", src.path(), &rules)
        .expect("archive");
    let direct = artifact::pack_file(src.path(), &src.path().join("../direct.tar.gz"), &rules)
        .expect("pack");
    assert_eq!(artifact.digest, direct.to_string());
    let _ = fs::remove_file(src.path().join("../direct.tar.gz"));
    store.verify(&artifact).expect("verify");
}

fn aged(store: &Store, name: &str, age_secs: u64) {
    store.put(&podinfo(), name, name.as_bytes()).expect("put");
    let path = store
        .root()
        .join("gitrepository/flux-system/podinfo")
        .join(name);
    let file = fs::File::options().write(true).open(path).expect("open");
    file.set_modified(SystemTime::now() - Duration::from_secs(age_secs))
        .expect("mtime");
}

fn listing(store: &Store) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(store.root().join("gitrepository/flux-system/podinfo"))
            .expect("ls")
            .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
            .collect();
    names.sort();
    names
}

#[test]
fn gc_keeps_the_newest_records_and_expires_by_ttl() {
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::new(root.path(), "localhost");
    // Flux defaults: --artifact-retention-records 2, --artifact-retention-ttl 1m.
    aged(&store, "r1.tar.gz", 600);
    aged(&store, "r2.tar.gz", 300);
    aged(&store, "r3.tar.gz", 20);
    aged(&store, "r4.tar.gz", 10);
    let removed = store
        .gc(&podinfo(), 2, Duration::from_secs(60))
        .expect("gc");
    assert_eq!(removed.len(), 2);
    assert_eq!(
        listing(&store),
        ["r3.tar.gz", "r3.tar.gz.lock", "r4.tar.gz", "r4.tar.gz.lock"]
    );

    // With a long TTL only the record count applies.
    aged(&store, "r5.tar.gz", 5);
    store
        .gc(&podinfo(), 2, Duration::from_secs(3600))
        .expect("gc");
    assert_eq!(
        listing(&store),
        ["r4.tar.gz", "r4.tar.gz.lock", "r5.tar.gz", "r5.tar.gz.lock"]
    );

    // The current artifact survives even when it is the oldest and expired.
    aged(&store, "r6.tar.gz", 1);
    let mut current = store
        .put(&podinfo(), "r4.tar.gz", &b"r4.tar.gz"[..])
        .expect("put");
    current.revision = "main@sha1:0000000000000000000000000000000000000004".into();
    fs::File::options()
        .write(true)
        .open(store.root().join(&current.path))
        .expect("open")
        .set_modified(SystemTime::now() - Duration::from_secs(7200))
        .expect("mtime");
    store
        .gc_artifact(&current, 2, Duration::from_secs(60))
        .expect("gc");
    assert_eq!(
        listing(&store),
        ["r4.tar.gz", "r4.tar.gz.lock", "r6.tar.gz", "r6.tar.gz.lock"]
    );
    assert!(
        store
            .gc(
                &ArtifactRef::new("Bucket", "none", "none"),
                2,
                Duration::ZERO
            )
            .expect("gc")
            .is_empty()
    );
}

fn curl(args: &[&str]) -> (u16, String, String) {
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "-o", "/dev/stderr", "-w", "%{http_code}"])
        .args(args)
        .output()
        .expect("curl is needed: apt-get install -y curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = text
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or(0);
    (
        code,
        text,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn http_server_serves_files_with_real_curl() {
    let root = tempfile::tempdir().expect("tempdir");
    let store = Store::new(root.path(), "localhost");
    let artifact = store
        .put(&podinfo(), "abc.tar.gz", &b"\x1f\x8bpayload"[..])
        .expect("put");
    store
        .put(&podinfo(), "index.yaml", &b"entries: {}\n"[..])
        .expect("put");
    fs::write(root.path().join("../outside-secret"), "secret").expect("write");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let handle = runtime
        .block_on(store::serve(
            root.path(),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        ))
        .expect("serve");
    let base = format!("http://{}", handle.local_addr());
    assert_ne!(handle.local_addr().port(), 0);

    let (code, headers, body) = curl(&[&format!("{base}/{}", artifact.path)]);
    assert_eq!(code, 200, "{headers}");
    assert_eq!(body, String::from_utf8_lossy(b"\x1f\x8bpayload"));
    let lower = headers.to_lowercase();
    assert!(lower.contains("content-length: 9"), "{headers}");
    assert!(
        lower.contains("content-type: application/x-gzip"),
        "{headers}"
    );

    let (code, headers, body) = curl(&[&format!(
        "{base}/gitrepository/flux-system/podinfo/index.yaml"
    )]);
    assert_eq!((code, body.as_str()), (200, "entries: {}\n"), "{headers}");
    assert!(
        headers.to_lowercase().contains("content-type: text/plain"),
        "{headers}"
    );

    let (code, headers, body) = curl(&["-I", &format!("{base}/{}", artifact.path)]);
    assert_eq!(code, 200, "{headers}");
    assert!(
        headers.to_lowercase().contains("content-length: 9"),
        "{headers}"
    );
    assert!(body.is_empty() || !body.contains("payload"));

    for path in [
        "/gitrepository/flux-system/podinfo/missing.tar.gz",
        "/gitrepository/flux-system/podinfo",
        "/gitrepository/flux-system/podinfo/",
        "/",
        "/../outside-secret",
        "/gitrepository/%2e%2e/%2e%2e/%2e%2e/outside-secret",
        "/gitrepository/flux-system/podinfo/abc.tar.gz.lock",
    ] {
        let (code, headers, body) = curl(&["--path-as-is", &format!("{base}{path}")]);
        assert_eq!(code, 404, "{path}: {headers}");
        assert!(!body.contains("secret"), "{path}");
    }
    let (code, headers, _) = curl(&["-X", "POST", &format!("{base}/{}", artifact.path)]);
    assert_eq!(code, 405, "{headers}");
    assert!(
        headers.to_lowercase().contains("allow: get, head"),
        "{headers}"
    );

    runtime.block_on(handle.shutdown());
    let (code, _, _) = curl(&["--max-time", "5", &format!("{base}/{}", artifact.path)]);
    assert_eq!(code, 0, "refused after shutdown");
    let _ = fs::remove_file(root.path().join("../outside-secret"));
}
