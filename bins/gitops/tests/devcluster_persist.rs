//! `gitops devcluster --data-dir DIR` as a process: what `kubectl create` wrote survives a
//! `kill -9` and a Ctrl-C, and a second server on the same directory is refused.
//!
//! Needs `kubectl` on PATH (any kubectl ≥ 1.27; install: `apt-get install kubectl` from the
//! Google Cloud SDK repository, or https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn command(data: &Path, kubeconfig: &Path, listen: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gitops"));
    c.arg("devcluster")
        .args(["--listen", listen, "--data-dir"])
        .arg(data)
        .arg("--kubeconfig")
        .arg(kubeconfig);
    c
}

/// Starts the server and waits until it answers.
fn serve(data: &Path, kubeconfig: &Path) -> Server {
    let _ = std::fs::remove_file(kubeconfig);
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = Server(
        command(data, kubeconfig, &listen)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gitops devcluster"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(kubeconfig.exists() && std::net::TcpStream::connect(&listen).is_ok()) {
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("gitops devcluster exited: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "gitops devcluster did not start on {listen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn kubectl(home: &Path, kubeconfig: &Path, args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(home.join("cache"))
        .args(args)
        .env("HOME", home)
        .output()
        .expect("run kubectl: install kubectl (see the file header)");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_exit(server: &mut Server) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.0.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "gitops devcluster did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn devcluster_data_dir_survives_kill_9_and_ctrl_c() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let data: PathBuf = home.join("data");
    let kubeconfig = home.join("kubeconfig");
    let k = |args: &[&str]| kubectl(home, &kubeconfig, args);

    let mut server = serve(&data, &kubeconfig);
    k(&["create", "namespace", "apps"]);
    k(&[
        "-n",
        "apps",
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=dev",
    ]);
    let uid = k(&[
        "-n",
        "apps",
        "get",
        "configmap",
        "settings",
        "-o",
        "jsonpath={.metadata.uid}",
    ]);
    assert!(!uid.is_empty());

    // A second server on the same directory is refused, naming the directory.
    let out = command(
        &data,
        &home.join("other-kubeconfig"),
        &format!("127.0.0.1:{}", free_port()),
    )
    .output()
    .expect("run gitops devcluster");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&data.display().to_string()) && stderr.contains("in use"),
        "{stderr}"
    );

    // kill -9: no final snapshot, only the log.
    server.0.kill().expect("kill -9");
    wait_exit(&mut server);
    let mut server = serve(&data, &kubeconfig);
    let after = k(&[
        "-n",
        "apps",
        "get",
        "configmap",
        "settings",
        "-o",
        "jsonpath={.metadata.uid} {.data.mode}",
    ]);
    assert_eq!(after, format!("{uid} dev"));
    k(&[
        "-n",
        "apps",
        "create",
        "configmap",
        "second",
        "--from-literal=n=2",
    ]);

    // Ctrl-C: a clean stop writes the final snapshot.
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill")
            .success()
    );
    assert!(wait_exit(&mut server).success());
    assert!(data.join("snapshot.json").exists());
    let _server = serve(&data, &kubeconfig);
    let names = k(&["-n", "apps", "get", "configmaps", "-o", "name"]);
    assert!(
        names.contains("configmap/settings") && names.contains("configmap/second"),
        "{names}"
    );
}
