//! GitRepository fetches against real servers on loopback: `file://`, `git daemon`,
//! `git http-backend` with basic auth, and `sshd` with key auth.
#![allow(clippy::unwrap_used)]

mod git_support;

use std::collections::BTreeMap;
use std::path::Path;

use git_support::repo::{Fixture, commit_on_master, fixture};
use gitops_core::api::source::git::{GitRepositoryRef, GitRepositorySpec};
use gitops_sources::git::{Auth, Commit, LastObserved, Outcome, fetch};

fn spec(url: &str, reference: GitRepositoryRef) -> GitRepositorySpec {
    GitRepositorySpec {
        url: url.to_string(),
        interval: "1m".into(),
        timeout: Some("20s".into()),
        reference: Some(reference),
        ..Default::default()
    }
}

fn branch(name: &str) -> GitRepositoryRef {
    GitRepositoryRef {
        branch: Some(name.into()),
        ..Default::default()
    }
}

fn fetched(outcome: Outcome) -> Commit {
    match outcome {
        Outcome::Fetched(commit) => commit,
        Outcome::Unchanged(rev) => panic!("expected a fetch, got unchanged {rev}"),
    }
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Runs the reference matrix against one URL.
fn check_refs(url: &str, fx: &Fixture, auth: &Auth) {
    let work = tempfile::tempdir().expect("tempdir");
    // Default branch master, shallow.
    let dir = work.path().join("default");
    let s = GitRepositorySpec {
        reference: None,
        ..spec(url, branch("x"))
    };
    let c = fetched(fetch(&s, auth, &dir, None).expect("default branch"));
    assert_eq!(c.revision.to_string(), format!("master@sha1:{}", fx.master));
    assert_eq!(c.subject(), "third commit");
    assert_eq!(
        read(&dir, "deploy/app.yaml"),
        "kind: ConfigMap\nversion: 3\n"
    );
    assert!(!dir.join(".git").exists());
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.join("scripts/run.sh"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o111, 0o111, "executable bit kept");
    assert_eq!(
        std::fs::read_link(dir.join("link")).unwrap(),
        Path::new("README.md")
    );

    // Branch main.
    let dir = work.path().join("main");
    let c = fetched(fetch(&spec(url, branch("main")), auth, &dir, None).expect("main"));
    assert_eq!(c.revision.to_string(), format!("main@sha1:{}", fx.main));
    assert_eq!(read(&dir, "main.txt"), "main\n");

    // Lightweight and annotated tags.
    let dir = work.path().join("tag1");
    let r = GitRepositoryRef {
        tag: Some("v1.0.0".into()),
        ..branch("main")
    };
    let c = fetched(fetch(&spec(url, r), auth, &dir, None).expect("tag"));
    assert_eq!(c.revision.to_string(), format!("v1.0.0@sha1:{}", fx.v1_0_0));
    assert!(c.tag.is_none());
    let dir = work.path().join("tag12");
    let r = GitRepositoryRef {
        tag: Some("v1.2.0".into()),
        ..Default::default()
    };
    let c = fetched(fetch(&spec(url, r), auth, &dir, None).expect("annotated tag"));
    assert_eq!(c.revision.to_string(), format!("v1.2.0@sha1:{}", fx.v1_2_0));
    let tag = c.tag.expect("annotated tag object");
    assert!(String::from_utf8_lossy(&tag.raw).contains("release 1.2.0"));
    assert_eq!(
        read(&dir, "deploy/app.yaml"),
        "kind: ConfigMap\nversion: 2\n"
    );

    // Ref name wins over tag and branch.
    let dir = work.path().join("pull");
    let r = GitRepositoryRef {
        name: Some("refs/pull/1/head".into()),
        tag: Some("v1.0.0".into()),
        ..branch("main")
    };
    let c = fetched(fetch(&spec(url, r), auth, &dir, None).expect("ref name"));
    assert_eq!(
        c.revision.to_string(),
        format!("pull/1/head@sha1:{}", fx.pull)
    );
    assert_eq!(read(&dir, "pr.txt"), "pr\n");

    // Commit wins over everything; with a branch the revision names it.
    let dir = work.path().join("commit");
    let r = GitRepositoryRef {
        commit: Some(fx.first.clone()),
        name: Some("refs/pull/1/head".into()),
        ..Default::default()
    };
    let c = fetched(fetch(&spec(url, r), auth, &dir, None).expect("commit"));
    assert_eq!(c.revision.to_string(), format!("sha1:{}", fx.first));
    assert_eq!(read(&dir, "deploy/app.yaml"), "kind: ConfigMap\n");
    let dir = work.path().join("commit-branch");
    let r = GitRepositoryRef {
        commit: Some(fx.first.clone()),
        ..branch("master")
    };
    let c = fetched(fetch(&spec(url, r), auth, &dir, None).expect("commit on branch"));
    assert_eq!(c.revision.to_string(), format!("master@sha1:{}", fx.first));
}

#[test]
fn file_url_reference_matrix() {
    let root = tempfile::tempdir().expect("tempdir");
    let fx = fixture(root.path(), "repo");
    check_refs(
        &format!("file://{}", fx.path.display()),
        &fx,
        &Auth::default(),
    );
}

#[test]
fn git_daemon_reference_matrix_and_unchanged() {
    let root = tempfile::tempdir().expect("tempdir");
    let fx = fixture(root.path(), "repo");
    let daemon = git_support::git_daemon(root.path());
    let url = format!("git://127.0.0.1:{}/repo", daemon.port);
    check_refs(&url, &fx, &Auth::default());

    // Same revision and inputs: nothing fetched or written.
    let work = tempfile::tempdir().expect("tempdir");
    let s = spec(&url, branch("master"));
    let c = fetched(fetch(&s, &Auth::default(), &work.path().join("a"), None).expect("fetch"));
    let last = LastObserved::new(&c.revision, &s);
    let again = fetch(&s, &Auth::default(), &work.path().join("b"), Some(&last)).expect("refetch");
    assert_eq!(again, Outcome::Unchanged(c.revision.clone()));
    assert!(!work.path().join("b").exists());
    // Changed inputs (sparse checkout) fetch again.
    let sparse = GitRepositorySpec {
        sparse_checkout: Some(vec!["deploy".into()]),
        ..s.clone()
    };
    let c2 = fetched(
        fetch(
            &sparse,
            &Auth::default(),
            &work.path().join("c"),
            Some(&last),
        )
        .expect("sparse"),
    );
    assert_eq!(c2.revision, c.revision);
    assert!(work.path().join("c/deploy/app.yaml").exists());
    assert!(!work.path().join("c/README.md").exists());
    assert!(!work.path().join("c/charts").exists());
    // A new commit on the branch is fetched.
    let new = commit_on_master(&fx, "new.txt");
    let c3 = fetched(
        fetch(&s, &Auth::default(), &work.path().join("d"), Some(&last)).expect("new commit"),
    );
    assert_eq!(c3.revision.to_string(), format!("master@sha1:{new}"));
}

#[test]
fn http_basic_auth_and_errors() {
    let root = tempfile::tempdir().expect("tempdir");
    let fx = fixture(root.path(), "repo");
    let server = git_support::http::serve(root.path(), Some(("flux", "s3cr3t-pass")));
    let url = format!("http://127.0.0.1:{}/repo", server.port);
    let secret: BTreeMap<String, Vec<u8>> = [
        ("username".to_string(), b"flux".to_vec()),
        ("password".to_string(), b"s3cr3t-pass".to_vec()),
    ]
    .into();
    let auth = Auth::from_secret(&secret).expect("auth");
    check_refs(&url, &fx, &auth);

    let work = tempfile::tempdir().expect("tempdir");
    // Wrong credentials: a clear error naming the URL, no secret.
    let bad: BTreeMap<String, Vec<u8>> = [
        ("username".to_string(), b"flux".to_vec()),
        ("password".to_string(), b"wrong-password".to_vec()),
    ]
    .into();
    let err = fetch(
        &spec(&url, branch("master")),
        &Auth::from_secret(&bad).unwrap(),
        &work.path().join("x"),
        None,
    )
    .expect_err("wrong password");
    eprintln!("wrong password: {err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&url) && !msg.contains("wrong-password"),
        "{msg}"
    );
    // No credentials at all.
    let err = fetch(
        &spec(&url, branch("master")),
        &Auth::default(),
        &work.path().join("x"),
        None,
    )
    .expect_err("no auth");
    eprintln!("no auth: {err}");
    assert!(err.to_string().contains(&url), "{err}");
    // Missing branch and tag name the ref.
    let err = fetch(
        &spec(&url, branch("nope")),
        &auth,
        &work.path().join("x"),
        None,
    )
    .expect_err("missing branch");
    eprintln!("missing branch: {err}");
    assert!(
        err.to_string().contains("refs/heads/nope") && err.to_string().contains(&url),
        "{err}"
    );
    let r = GitRepositoryRef {
        tag: Some("v9".into()),
        ..Default::default()
    };
    let err = fetch(&spec(&url, r), &auth, &work.path().join("x"), None).expect_err("missing tag");
    assert!(err.to_string().contains("refs/tags/v9"), "{err}");
    let r = GitRepositoryRef {
        commit: Some("0".repeat(40)),
        ..Default::default()
    };
    let err =
        fetch(&spec(&url, r), &auth, &work.path().join("x"), None).expect_err("missing commit");
    eprintln!("missing commit: {err}");
    assert!(err.to_string().contains(&"0".repeat(40)), "{err}");
    assert!(!work.path().join("x").exists(), "no partial checkout");
    // Credentials in the URL are redacted too.
    let url_with_pw = format!("http://flux:url-secret@127.0.0.1:{}/missing", server.port);
    let err = fetch(
        &spec(&url_with_pw, branch("master")),
        &Auth::default(),
        &work.path().join("y"),
        None,
    )
    .expect_err("404");
    eprintln!("404: {err}");
    assert!(!err.to_string().contains("url-secret"), "{err}");
}

#[test]
fn unreachable_host_fails_within_timeout() {
    let port = git_support::free_port();
    let work = tempfile::tempdir().expect("tempdir");
    let mut s = spec(&format!("http://127.0.0.1:{port}/repo"), branch("master"));
    s.timeout = Some("2s".into());
    let err = fetch(&s, &Auth::default(), &work.path().join("x"), None).expect_err("unreachable");
    eprintln!("unreachable: {err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    // A listener that never answers: the timeout ends the attempt with a clear error.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    for url in [
        format!("http://127.0.0.1:{silent_port}/repo"),
        format!("git://127.0.0.1:{silent_port}/repo"),
    ] {
        let s = GitRepositorySpec {
            timeout: Some("2s".into()),
            ..spec(&url, branch("master"))
        };
        let err =
            fetch(&s, &Auth::default(), &work.path().join("x"), None).expect_err("silent server");
        eprintln!("silent: {err}");
        assert!(err.to_string().contains(&url), "{err}");
    }
    drop(silent);
}

#[test]
fn ssh_key_auth_with_known_hosts() {
    let root = tempfile::tempdir().expect("tempdir");
    let fx = fixture(root.path(), "repo");
    let keys = tempfile::tempdir().expect("tempdir");
    let sshd = git_support::sshd::start(keys.path(), "");
    let url = format!(
        "ssh://{}@127.0.0.1:{}{}",
        sshd.user,
        sshd.server.port,
        fx.path.display()
    );
    let secret: BTreeMap<String, Vec<u8>> = [
        ("identity".to_string(), sshd.identity.clone()),
        ("known_hosts".to_string(), sshd.known_hosts.clone()),
    ]
    .into();
    let auth = Auth::from_secret(&secret).expect("auth");
    check_refs(&url, &fx, &auth);

    let work = tempfile::tempdir().expect("tempdir");
    // A wrong host key is refused.
    let other = tempfile::tempdir().expect("tempdir");
    git_support::sshd::keygen(&other.path().join("k"), "");
    let other_pub = std::fs::read_to_string(other.path().join("k.pub")).unwrap();
    let mut fields = other_pub.split_whitespace();
    let wrong_kh = format!(
        "[127.0.0.1]:{} {} {}\n",
        sshd.server.port,
        fields.next().unwrap(),
        fields.next().unwrap()
    );
    let mut bad = secret.clone();
    bad.insert("known_hosts".into(), wrong_kh.into_bytes());
    let err = fetch(
        &spec(&url, branch("master")),
        &Auth::from_secret(&bad).unwrap(),
        &work.path().join("x"),
        None,
    )
    .expect_err("host key mismatch");
    eprintln!("host key mismatch: {err}");
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    // An unknown client key is refused.
    let mut bad = secret.clone();
    bad.insert(
        "identity".into(),
        std::fs::read(other.path().join("k")).unwrap(),
    );
    let err = fetch(
        &spec(&url, branch("master")),
        &Auth::from_secret(&bad).unwrap(),
        &work.path().join("x"),
        None,
    )
    .expect_err("unknown key");
    eprintln!("unknown key: {err}");
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    // Missing known_hosts is a secret error.
    let mut bad = secret.clone();
    bad.remove("known_hosts");
    let err = fetch(
        &spec(&url, branch("master")),
        &Auth::from_secret(&bad).unwrap(),
        &work.path().join("x"),
        None,
    )
    .expect_err("no known_hosts");
    assert!(err.to_string().contains("known_hosts"), "{err}");
}

#[test]
fn ssh_passphrase_protected_identity() {
    let root = tempfile::tempdir().expect("tempdir");
    let fx = fixture(root.path(), "repo");
    let keys = tempfile::tempdir().expect("tempdir");
    let sshd = git_support::sshd::start(keys.path(), "key-passphrase");
    let url = format!(
        "ssh://{}@127.0.0.1:{}{}",
        sshd.user,
        sshd.server.port,
        fx.path.display()
    );
    let secret: BTreeMap<String, Vec<u8>> = [
        ("identity".to_string(), sshd.identity.clone()),
        ("known_hosts".to_string(), sshd.known_hosts.clone()),
        ("password".to_string(), b"key-passphrase".to_vec()),
    ]
    .into();
    let work = tempfile::tempdir().expect("tempdir");
    let c = fetched(
        fetch(
            &spec(&url, branch("main")),
            &Auth::from_secret(&secret).unwrap(),
            &work.path().join("a"),
            None,
        )
        .expect("fetch"),
    );
    assert_eq!(c.revision.to_string(), format!("main@sha1:{}", fx.main));
}
