//! `gitops build|push|list|pull artifact` as processes, against a real Debian
//! `docker-registry` on a loopback port (the registry support of gitops-sources' tests).

#[path = "../../../gitops-sources/tests/oci_support/mod.rs"]
mod oci_support;

use std::path::Path;
use std::process::{Command, Output};

fn gitops(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .output()
        .expect("run gitops")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "gitops failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write_tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("apps")).expect("mkdir");
    std::fs::write(
        dir.join("apps/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources: [apps/cm.yaml]\n",
    )
    .expect("write");
}

#[test]
fn build_artifact_prints_a_digest_that_only_the_content_decides() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write_tree(&a);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    write_tree(&b);
    let out_a = tmp.path().join("a.tgz");
    let out_b = tmp.path().join("b.tgz");
    let digest_a = ok(&gitops(&[
        "build",
        "artifact",
        "--path",
        a.to_str().unwrap_or(""),
        "--output",
        out_a.to_str().unwrap_or(""),
    ]));
    let digest_b = ok(&gitops(&[
        "build",
        "artifact",
        "--path",
        b.to_str().unwrap_or(""),
        "--output",
        out_b.to_str().unwrap_or(""),
    ]));
    assert!(
        digest_a.starts_with("sha256:") && digest_a.ends_with('\n'),
        "{digest_a}"
    );
    assert_eq!(digest_a, digest_b);
    assert_eq!(
        std::fs::read(&out_a).expect("a"),
        std::fs::read(&out_b).expect("b")
    );
    let sum = Command::new("sha256sum")
        .arg(&out_a)
        .output()
        .expect("sha256sum");
    let hex = String::from_utf8_lossy(&sum.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(digest_a.trim(), format!("sha256:{hex}"));

    let missing = gitops(&["build", "artifact", "--path", "/nonexistent/dir"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("invalid path '/nonexistent/dir'"));
}

#[test]
fn push_list_and_pull_round_trip() {
    let registry = oci_support::Registry::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = tmp.path().join("src");
    write_tree(&src);
    let url = format!("oci://{}/apps/manifests:v1.0.0", registry.host);
    let push = gitops(&[
        "push",
        "artifact",
        &url,
        "--path",
        src.to_str().unwrap_or(""),
        "--source",
        "https://example.com/repo.git",
        "--revision",
        "main@sha1:0123456789abcdef0123456789abcdef01234567",
        "--insecure-registry",
        "--reproducible",
    ]);
    ok(&push);
    let stderr = String::from_utf8_lossy(&push.stderr);
    assert!(stderr.contains("► pushing artifact to"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "✔ artifact successfully pushed to {}/apps/manifests@sha256:",
            registry.host
        )),
        "{stderr}"
    );

    let repo = format!("oci://{}/apps/manifests", registry.host);
    let table = ok(&gitops(&[
        "list",
        "artifacts",
        &repo,
        "--insecure-registry",
        "--filter-semver",
        ">=1.0.0",
    ]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[0].starts_with("ARTIFACT"), "{table}");
    assert!(
        lines[1].contains(&format!("{}/apps/manifests:v1.0.0", registry.host)),
        "{table}"
    );
    assert!(
        lines[1].contains("https://example.com/repo.git") && lines[1].contains("main@sha1:"),
        "{table}"
    );

    let out = tmp.path().join("pulled");
    let pull = gitops(&[
        "pull",
        "artifact",
        &url,
        "--output",
        out.to_str().unwrap_or(""),
        "--insecure-registry",
    ]);
    ok(&pull);
    assert!(
        String::from_utf8_lossy(&pull.stderr)
            .contains("✔ revision main@sha1:0123456789abcdef0123456789abcdef01234567")
    );
    assert_eq!(
        std::fs::read_to_string(out.join("apps/cm.yaml")).expect("pulled file"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
    );

    // The same artifact as an OCIRepository would fetch it, selected by semver.
    let fetched = tmp.path().join("fetched");
    let fetch = ok(&gitops(&[
        "source",
        "fetch",
        "oci",
        "apps",
        "--url",
        &repo,
        "--tag-semver",
        "^1.0",
        "--insecure",
        "--output",
        fetched.to_str().unwrap_or(""),
    ]));
    let digest = push_digest(&stderr);
    assert_eq!(
        fetch.lines().next(),
        Some(format!("revision: v1.0.0@{digest}").as_str()),
        "{fetch}"
    );
    assert!(
        fetch
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("digest: sha256:")),
        "{fetch}"
    );
    assert!(fetched.join("apps/cm.yaml").is_file());
}

/// The manifest digest in push's `✔ artifact successfully pushed to <repo>@<digest>` line.
fn push_digest(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("✔ artifact successfully pushed to "))
        .and_then(|rest| rest.rsplit_once('@'))
        .map(|(_, digest)| digest.to_string())
        .unwrap_or_default()
}
