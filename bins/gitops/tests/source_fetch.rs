//! `gitops source fetch git` as a process, against `git http-backend` with basic auth on a
//! loopback port (the Git server support of gitops-sources' tests).

#[path = "../../../gitops-sources/tests/git_support/mod.rs"]
mod git_support;

use std::process::{Command, Output};

fn gitops(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops"))
        .args(args)
        .output()
        .expect("run gitops")
}

#[test]
fn fetch_git_with_credentials_from_a_secret_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("repos");
    let fixture = git_support::repo::fixture(&root, "app");
    let server = git_support::http::serve(&root, Some(("flux", "s3cret")));
    let url = format!("http://127.0.0.1:{}/app", server.port);
    let secret = tmp.path().join("secret.yaml");
    std::fs::write(&secret, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  username: flux\n  password: s3cret\n")
        .expect("write secret");
    let fetch = |out: &str, secret: &str| {
        gitops(&[
            "source",
            "fetch",
            "git",
            "app",
            "--url",
            &url,
            "--tag",
            "v1.2.0",
            "--secret-ref",
            "creds",
            "--secret-file",
            secret,
            "--output",
            tmp.path().join(out).to_str().unwrap_or(""),
        ])
    };
    let first = fetch("one", secret.to_str().unwrap_or(""));
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("revision: v1.2.0@sha1:{}", fixture.v1_2_0)
    );
    assert!(
        lines[1].starts_with("digest: sha256:") && lines[1].len() == "digest: sha256:".len() + 64,
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("one/deploy/app.yaml")).expect("checked out"),
        "kind: ConfigMap\nversion: 2\n"
    );
    let second = fetch("two", secret.to_str().unwrap_or(""));
    assert_eq!(
        String::from_utf8_lossy(&second.stdout),
        stdout,
        "same commit, same digest"
    );

    let wrong = tmp.path().join("wrong.yaml");
    std::fs::write(&wrong, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  username: flux\n  password: wrong-pass\n")
        .expect("write secret");
    let denied = fetch("three", wrong.to_str().unwrap_or(""));
    assert!(!denied.status.success());
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert!(stderr.contains(&url), "{stderr}");
    assert!(!stderr.contains("wrong-pass"), "{stderr}");
}
