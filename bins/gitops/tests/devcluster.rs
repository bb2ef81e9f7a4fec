//! `gitops devcluster --kubeconfig FILE` as a process, used by the real kubectl.

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

#[test]
fn kubectl_uses_the_written_kubeconfig() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let kubeconfig = tmp.path().join("kubeconfig");
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_gitops"))
            .args([
                "devcluster",
                "--listen",
                &listen,
                "--kubeconfig",
                kubeconfig.to_str().unwrap_or(""),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gitops devcluster"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(kubeconfig.exists() && std::net::TcpStream::connect(&listen).is_ok()) {
        assert!(
            Instant::now() < deadline,
            "gitops devcluster did not start on {listen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let kubectl = |args: &[&str]| {
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(args)
            .output()
            .expect("run kubectl");
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    kubectl(&["create", "namespace", "apps"]);
    kubectl(&[
        "-n",
        "apps",
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=dev",
    ]);
    let value = kubectl(&[
        "-n",
        "apps",
        "get",
        "configmap",
        "settings",
        "-o",
        "jsonpath={.data.mode}",
    ]);
    assert_eq!(value, "dev");
    let names = kubectl(&["get", "namespaces", "-o", "name"]);
    assert!(names.lines().any(|l| l == "namespace/apps"), "{names}");

    // Ctrl-C stops it cleanly.
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.0.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "gitops devcluster ignored SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
