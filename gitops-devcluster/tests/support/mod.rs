//! Shared test support: a devcluster with a kubeconfig and the machine's real `kubectl`.
//!
//! Needs `kubectl` on PATH (Google Cloud SDK's dispatcher with `kubectl.1.32`, or any
//! kubectl ≥ 1.27). Install: `apt-get install kubectl` from the Google Cloud SDK repository,
//! or download from https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl.
#![allow(dead_code)]

use std::process::{Command, Output};

use gitops_devcluster::{DevCluster, Handle, Options};

/// A running devcluster and a scratch directory holding its kubeconfig.
pub struct Env {
    /// The server.
    pub handle: Handle,
    /// Scratch directory (kubeconfig, kubectl cache, manifests).
    pub dir: tempfile::TempDir,
}

/// Starts a devcluster with default options.
pub fn start() -> Env {
    start_with(Options::default())
}

/// Starts a devcluster with `opts`.
pub fn start_with(opts: Options) -> Env {
    let handle = DevCluster::start(opts).expect("devcluster starts");
    let dir = tempfile::tempdir().expect("tempdir");
    handle
        .write_kubeconfig(&dir.path().join("kubeconfig"))
        .expect("kubeconfig written");
    Env { handle, dir }
}

impl Env {
    /// A `kubectl` command against the server.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("kubectl");
        c.arg("--kubeconfig")
            .arg(self.dir.path().join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env("HOME", self.dir.path());
        c
    }

    /// Runs kubectl.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args)
            .output()
            .expect("kubectl runs: install kubectl (see tests/support/mod.rs)")
    }

    /// Runs kubectl, asserting success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let (so, se) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            out.status.success(),
            "kubectl {args:?} failed\nstdout: {so}\nstderr: {se}"
        );
        so.into_owned()
    }

    /// Runs kubectl, asserting success; returns stdout and stderr.
    pub fn ok_both(&self, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        let (so, se) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            out.status.success(),
            "kubectl {args:?} failed\nstdout: {so}\nstderr: {se}"
        );
        (so.into_owned(), se.into_owned())
    }

    /// Runs kubectl, asserting failure; returns stdout followed by stderr.
    pub fn fail(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let (so, se) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            !out.status.success(),
            "kubectl {args:?} should fail\nstdout: {so}\nstderr: {se}"
        );
        format!("{so}{se}")
    }

    /// Writes a file into the scratch directory; returns its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("file written");
        p.display().to_string()
    }

    /// `kubectl get … -o json` parsed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = args.to_vec();
        a.extend(["-o", "json", "--show-managed-fields"]);
        serde_json::from_str(&self.ok(&a)).expect("kubectl prints JSON")
    }
}
