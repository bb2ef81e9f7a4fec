//! Semver selection, submodules, sparse checkout and includes against real servers.
#![allow(clippy::unwrap_used)]

mod git_support;

use std::path::Path;

use git_support::repo::{fixture, git, write};
use gitops_core::api::meta::LocalObjectReference;
use gitops_core::api::source::git::{GitRepositoryInclude, GitRepositoryRef, GitRepositorySpec};
use gitops_sources::git::include::apply_includes;
use gitops_sources::git::{Auth, Commit, Outcome, fetch};

fn spec(url: &str, reference: GitRepositoryRef) -> GitRepositorySpec {
    GitRepositorySpec {
        url: url.into(),
        interval: "1m".into(),
        reference: Some(reference),
        ..Default::default()
    }
}

fn fetched(spec: &GitRepositorySpec, dir: &Path) -> Commit {
    match fetch(spec, &Auth::default(), dir, None).expect("fetch") {
        Outcome::Fetched(c) => c,
        Outcome::Unchanged(r) => panic!("unchanged {r}"),
    }
}

#[test]
fn semver_ranges_over_git_daemon() {
    let root = tempfile::tempdir().unwrap();
    let fx = fixture(root.path(), "repo");
    let daemon = git_support::git_daemon(root.path());
    let url = format!("git://127.0.0.1:{}/repo", daemon.port);
    let work = tempfile::tempdir().unwrap();
    let semver = |range: &str| GitRepositoryRef {
        semver: Some(range.into()),
        tag: Some("v1.0.0".into()),
        ..Default::default()
    };
    let c = fetched(&spec(&url, semver("1.x")), &work.path().join("a"));
    assert_eq!(c.revision.to_string(), format!("v1.2.0@sha1:{}", fx.v1_2_0));
    let c = fetched(&spec(&url, semver("<1.1.0")), &work.path().join("b"));
    assert_eq!(c.revision.to_string(), format!("v1.0.0@sha1:{}", fx.v1_0_0));
    let c = fetched(&spec(&url, semver(">=2.0.0-0")), &work.path().join("c"));
    assert_eq!(
        c.revision.to_string(),
        format!("v2.0.0-rc.1@sha1:{}", fx.master)
    );
    let err = fetch(
        &spec(&url, semver(">=3.0.0")),
        &Auth::default(),
        &work.path().join("d"),
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(">=3.0.0") && err.to_string().contains(&url),
        "{err}"
    );
}

#[test]
fn submodules_are_checked_out_recursively_when_asked() {
    let root = tempfile::tempdir().unwrap();
    // leaf ← sub ← repo, with relative URLs resolved against the superproject URL.
    let leaf = root.path().join("leaf");
    std::fs::create_dir_all(&leaf).unwrap();
    git(&leaf, &["init", "-q"]);
    write(&leaf, "leaf.txt", "leaf\n");
    git(&leaf, &["add", "-A"]);
    git(&leaf, &["commit", "-q", "-m", "leaf"]);
    let sub = root.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    git(&sub, &["init", "-q"]);
    write(&sub, "sub.txt", "sub\n");
    git(&sub, &["add", "-A"]);
    git(&sub, &["commit", "-q", "-m", "sub"]);
    git(
        &sub,
        &[
            "submodule",
            "add",
            "-q",
            &format!("file://{}", leaf.display()),
            "nested/leaf",
        ],
    );
    git(
        &sub,
        &[
            "config",
            "-f",
            ".gitmodules",
            "submodule.nested/leaf.url",
            "../leaf",
        ],
    );
    git(&sub, &["commit", "-q", "-am", "add leaf"]);
    let fx = fixture(root.path(), "repo");
    git(
        &fx.path,
        &[
            "submodule",
            "add",
            "-q",
            &format!("file://{}", sub.display()),
            "vendor/sub",
        ],
    );
    git(
        &fx.path,
        &[
            "config",
            "-f",
            ".gitmodules",
            "submodule.vendor/sub.url",
            "../sub",
        ],
    );
    git(&fx.path, &["commit", "-q", "-am", "add sub"]);

    let daemon = git_support::git_daemon(root.path());
    let url = format!("git://127.0.0.1:{}/repo", daemon.port);
    let work = tempfile::tempdir().unwrap();
    let branch = GitRepositoryRef {
        branch: Some("master".into()),
        ..Default::default()
    };
    // Without recursion the gitlink is an empty directory.
    fetched(&spec(&url, branch.clone()), &work.path().join("plain"));
    assert!(work.path().join("plain/vendor/sub").is_dir());
    assert!(!work.path().join("plain/vendor/sub/sub.txt").exists());
    let s = GitRepositorySpec {
        recurse_submodules: Some(true),
        ..spec(&url, branch)
    };
    fetched(&s, &work.path().join("rec"));
    assert_eq!(
        std::fs::read_to_string(work.path().join("rec/vendor/sub/sub.txt")).unwrap(),
        "sub\n"
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("rec/vendor/sub/nested/leaf/leaf.txt")).unwrap(),
        "leaf\n"
    );
    // A submodule that cannot be fetched is a clear error naming the superproject.
    git(
        &fx.path,
        &[
            "config",
            "-f",
            ".gitmodules",
            "submodule.vendor/sub.url",
            "../missing",
        ],
    );
    git(&fx.path, &["commit", "-q", "-am", "break sub"]);
    let err = fetch(&s, &Auth::default(), &work.path().join("broken"), None).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
    assert!(!work.path().join("broken").exists(), "no partial checkout");
}

#[test]
fn sparse_checkout_and_includes() {
    let root = tempfile::tempdir().unwrap();
    let fx = fixture(root.path(), "repo");
    let url = format!("file://{}", fx.path.display());
    let work = tempfile::tempdir().unwrap();
    let branch = GitRepositoryRef {
        branch: Some("master".into()),
        ..Default::default()
    };
    let s = GitRepositorySpec {
        sparse_checkout: Some(vec!["charts/c".into(), "./scripts/".into()]),
        ..spec(&url, branch.clone())
    };
    let dir = work.path().join("sparse");
    fetched(&s, &dir);
    assert!(dir.join("charts/c/Chart.yaml").exists());
    assert!(dir.join("scripts/run.sh").exists());
    assert!(!dir.join("deploy").exists() && !dir.join("README.md").exists());

    // Include `deploy` of another checkout as `base`, and the whole sparse checkout.
    let main_dir = work.path().join("main");
    fetched(
        &spec(
            &url,
            GitRepositoryRef {
                branch: Some("main".into()),
                ..Default::default()
            },
        ),
        &main_dir,
    );
    let includes = [
        GitRepositoryInclude {
            repository: LocalObjectReference {
                name: "sparse".into(),
            },
            from_path: None,
            to_path: None,
        },
        GitRepositoryInclude {
            repository: LocalObjectReference {
                name: "main".into(),
            },
            from_path: Some("deploy".into()),
            to_path: Some("base".into()),
        },
    ];
    let target = work.path().join("target");
    fetched(&spec(&url, branch), &target);
    apply_includes(&target, &includes, &[&dir, &main_dir]).expect("includes");
    assert!(target.join("sparse/charts/c/Chart.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(target.join("base/app.yaml")).unwrap(),
        "kind: ConfigMap\nversion: 3\n"
    );
}
