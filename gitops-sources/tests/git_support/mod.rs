//! Real Git servers on loopback for the git tests: `git daemon`, `git http-backend` behind a
//! small CGI-forwarding HTTP server with basic auth, and OpenSSH's `sshd`.
#![allow(dead_code)]

pub mod http;
pub mod repo;
pub mod sshd;

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind loopback")
        .local_addr()
        .expect("addr")
        .port()
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what} did not start listening on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Fails with the install step when a tool is missing.
pub fn require(tool: &str, install: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool} || test -x {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "'{tool}' is required by this test: install it with `{install}`"
    );
}

/// A child process killed on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `git daemon` serving every repository under `root` at `git://127.0.0.1:<port>/<name>`.
pub fn git_daemon(root: &Path) -> Server {
    require("git", "apt-get install -y git");
    let port = free_port();
    // Run `git-daemon` itself: the `git daemon` wrapper would leave it orphaned on kill.
    let exec = Command::new("git")
        .arg("--exec-path")
        .output()
        .expect("git --exec-path");
    let daemon =
        std::path::PathBuf::from(String::from_utf8_lossy(&exec.stdout).trim()).join("git-daemon");
    let child = Command::new(daemon)
        .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1"])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", root.display()))
        .arg(root)
        .spawn()
        .expect("spawn git daemon");
    wait_for_port(port, "git daemon");
    Server { child, port }
}
