//! Fixture repositories built with the real `git` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `git` in `dir` with a fixed identity and no user config; returns trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    git_env(dir, args, &[])
}

/// Like [`git`] with extra environment variables.
pub fn git_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Author")
        .env("GIT_COMMITTER_EMAIL", "author@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .envs(env.iter().copied())
        .args([
            "-c",
            "init.defaultBranch=master",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .output()
        .expect("run git (apt-get install -y git)");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Writes `content` at `rel` under `dir`, creating parents.
pub fn write(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, content).expect("write");
}

/// A fixture repository and the commits it holds.
pub struct Fixture {
    /// The non-bare repository (served as `<root>/<name>`).
    pub path: PathBuf,
    /// `master` tip.
    pub master: String,
    /// `main` tip.
    pub main: String,
    /// First `master` commit (not a tip).
    pub first: String,
    /// Commit of lightweight tag `v1.0.0`.
    pub v1_0_0: String,
    /// Commit of annotated tag `v1.2.0`.
    pub v1_2_0: String,
    /// Commit of `refs/pull/1/head`.
    pub pull: String,
}

/// Builds `root/name`: `master` (3 commits; tags `v1.0.0` lightweight on the 1st,
/// `v1.2.0` annotated on the 2nd, `v2.0.0-rc.1` on the 3rd), `main` (another commit),
/// `refs/pull/1/head`. Files: `README.md`, `deploy/app.yaml`, `charts/c/Chart.yaml`,
/// `scripts/run.sh` (executable), `link` (symlink).
pub fn fixture(root: &Path, name: &str) -> Fixture {
    let path = root.join(name);
    std::fs::create_dir_all(&path).expect("mkdir");
    git(&path, &["init", "-q"]);
    write(&path, "README.md", "# fixture\n");
    write(&path, "deploy/app.yaml", "kind: ConfigMap\n");
    write(&path, "charts/c/Chart.yaml", "name: c\n");
    write(&path, "scripts/run.sh", "#!/bin/sh\necho hi\n");
    std::os::unix::fs::symlink("README.md", path.join("link")).expect("symlink");
    let mut perms = std::fs::metadata(path.join("scripts/run.sh"))
        .expect("meta")
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(path.join("scripts/run.sh"), perms).expect("chmod");
    git(&path, &["add", "-A"]);
    git(&path, &["commit", "-q", "-m", "first commit\n\nbody"]);
    let first = git(&path, &["rev-parse", "HEAD"]);
    git(&path, &["tag", "v1.0.0"]);
    write(&path, "deploy/app.yaml", "kind: ConfigMap\nversion: 2\n");
    git(&path, &["commit", "-q", "-am", "second commit"]);
    let v1_2_0 = git(&path, &["rev-parse", "HEAD"]);
    git(&path, &["tag", "-a", "v1.2.0", "-m", "release 1.2.0"]);
    write(&path, "deploy/app.yaml", "kind: ConfigMap\nversion: 3\n");
    git(&path, &["commit", "-q", "-am", "third commit"]);
    git(&path, &["tag", "v2.0.0-rc.1"]);
    let master = git(&path, &["rev-parse", "HEAD"]);
    git(&path, &["checkout", "-q", "-b", "main"]);
    write(&path, "main.txt", "main\n");
    git(&path, &["add", "-A"]);
    git(&path, &["commit", "-q", "-m", "main commit"]);
    let main = git(&path, &["rev-parse", "HEAD"]);
    git(&path, &["checkout", "-q", "-b", "pr"]);
    write(&path, "pr.txt", "pr\n");
    git(&path, &["add", "-A"]);
    git(&path, &["commit", "-q", "-m", "pull request"]);
    let pull = git(&path, &["rev-parse", "HEAD"]);
    git(&path, &["update-ref", "refs/pull/1/head", &pull]);
    git(&path, &["checkout", "-q", "master"]);
    git(&path, &["branch", "-q", "-D", "pr"]);
    Fixture {
        path,
        master,
        main,
        v1_0_0: first.clone(),
        first,
        v1_2_0,
        pull,
    }
}

/// Adds a commit on `master` and returns its id.
pub fn commit_on_master(fixture: &Fixture, file: &str) -> String {
    write(&fixture.path, file, "new\n");
    git(&fixture.path, &["add", "-A"]);
    git(&fixture.path, &["commit", "-q", "-m", "another commit"]);
    git(&fixture.path, &["rev-parse", "HEAD"])
}
