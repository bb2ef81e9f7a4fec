//! OpenSSH's `sshd` on loopback with public-key auth for the current user.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{Server, require, wait_for_port};

/// A running sshd and the client material to reach it.
pub struct Sshd {
    /// The server process (killed on drop).
    pub server: Server,
    /// The client's private key (OpenSSH format).
    pub identity: Vec<u8>,
    /// A `known_hosts` line for `[127.0.0.1]:<port>`.
    pub known_hosts: Vec<u8>,
    /// The login user.
    pub user: String,
}

/// Generates an ed25519 key at `path` (with `passphrase`, may be empty).
pub fn keygen(path: &Path, passphrase: &str) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", passphrase, "-C", "test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .expect("run ssh-keygen (apt-get install -y openssh-client)");
    assert!(status.success(), "ssh-keygen failed");
}

/// Starts `sshd` in `dir` accepting the generated client key (with `passphrase`).
pub fn start(dir: &Path, passphrase: &str) -> Sshd {
    require("/usr/sbin/sshd", "apt-get install -y openssh-server");
    require("ssh", "apt-get install -y openssh-client");
    std::fs::create_dir_all("/run/sshd").expect("create /run/sshd (sshd privilege separation dir)");
    let host_key = dir.join("host_key");
    keygen(&host_key, "");
    let client_key = dir.join("client_key");
    keygen(&client_key, passphrase);
    let authorized = dir.join("authorized_keys");
    std::fs::copy(dir.join("client_key.pub"), &authorized).expect("authorized_keys");
    let port = super::free_port();
    let config: PathBuf = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nPidFile {}\n\
             StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nLogLevel ERROR\n\
             SetEnv PATH=/usr/local/bin:/usr/bin:/bin\n",
            host_key.display(),
            authorized.display(),
            dir.join("sshd.pid").display()
        ),
    )
    .expect("write sshd_config");
    let child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sshd");
    wait_for_port(port, "sshd");
    let host_pub = std::fs::read_to_string(dir.join("host_key.pub")).expect("host key");
    let mut fields = host_pub.split_whitespace();
    let known_hosts = format!(
        "[127.0.0.1]:{port} {} {}\n",
        fields.next().unwrap_or(""),
        fields.next().unwrap_or("")
    )
    .into_bytes();
    let user = String::from_utf8_lossy(&Command::new("id").arg("-un").output().expect("id").stdout)
        .trim()
        .to_string();
    Sshd {
        server: Server { child, port },
        identity: std::fs::read(&client_key).expect("client key"),
        known_hosts,
        user,
    }
}
