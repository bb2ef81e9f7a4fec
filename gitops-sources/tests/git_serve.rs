//! The local repository server with the real `git` client: clone and fetch new commits
//! over smart HTTP; pushes are refused.

use std::path::Path;
use std::process::Command;

use gitops_sources::git::serve::serve;

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.version=2",
        ])
        .args(args)
        .output()
        .expect("git runs: apt-get install -y git")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_a_working_copy_for_fetches_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("fleet");
    std::fs::create_dir(&repo).expect("mkdir");
    ok(&repo, &["init", "-q"]);
    std::fs::write(repo.join("a.yaml"), "a: 1\n").expect("write");
    ok(&repo, &["add", "."]);
    ok(&repo, &["commit", "-qm", "first"]);
    let server = serve(&repo, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("serves");
    assert!(server.url().ends_with("/fleet"), "{}", server.url());
    let url = server.url().to_string();
    let clone = tmp.path().join("clone");
    let cloned = tokio::task::spawn_blocking({
        let (tmp, url, clone) = (tmp.path().to_path_buf(), url.clone(), clone.clone());
        move || {
            ok(
                &tmp,
                &["clone", "-q", &url, clone.to_str().unwrap_or_default()],
            );
            std::fs::read_to_string(clone.join("a.yaml")).unwrap_or_default()
        }
    })
    .await
    .expect("clone");
    assert_eq!(cloned, "a: 1\n");
    std::fs::write(repo.join("a.yaml"), "a: 2\n").expect("write");
    ok(&repo, &["commit", "-qam", "second"]);
    let head = ok(&repo, &["rev-parse", "HEAD"]);
    let remote = tokio::task::spawn_blocking({
        let (clone, url) = (clone.clone(), url.clone());
        move || {
            ok(&clone, &["pull", "-q"]);
            let push = git(&clone, &["push", &url, "HEAD:refs/heads/other"]);
            (
                ok(&clone, &["rev-parse", "HEAD"]),
                push.status.success(),
                ok(&clone, &["ls-remote", &url]),
            )
        }
    })
    .await
    .expect("pull");
    assert_eq!(remote.0, head, "the new commit is fetched");
    assert!(!remote.1, "pushes are refused");
    assert!(remote.2.contains("refs/heads/main"), "{}", remote.2);
    // Our own fetch (gix over HTTP, what the GitRepository reconciler uses) follows it too.
    let spec: gitops_core::api::source::GitRepositorySpec =
        serde_json::from_value(serde_json::json!({
        "url": url, "interval": "1m", "ref": {"branch": "main"}}))
        .expect("spec");
    let out = tmp.path().join("checkout");
    let fetched = tokio::task::spawn_blocking(move || {
        gitops_sources::git::fetch(&spec, &gitops_sources::git::Auth::default(), &out, None)
    })
    .await
    .expect("join")
    .expect("fetches");
    match fetched {
        gitops_sources::git::Outcome::Fetched(c) => assert_eq!(format!("{}\n", c.id), head),
        other => panic!("{other:?}"),
    }
    let not_repo = serve(tmp.path(), "127.0.0.1:0".parse().expect("addr")).await;
    assert!(not_repo.is_err());
    server.shutdown().await;
}
