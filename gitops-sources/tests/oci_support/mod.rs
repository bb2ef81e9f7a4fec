//! Test support: a real Debian `docker-registry` (distribution 2.8) on a loopback port,
//! optionally behind htpasswd (bcrypt) basic auth, and helpers to push hand-made
//! manifests with oci-client directly.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// A running registry, stopped (by its pid) on drop.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub host: String,
    _dir: tempfile::TempDir,
    /// Basic-auth user and password, when the registry requires them.
    pub credentials: Option<(String, String)>,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    free_port()
}

fn require_tool(path: &str, install: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install it with `{install}`"
    );
}

impl Registry {
    /// An open registry.
    pub fn start() -> Registry {
        Self::spawn(None)
    }

    /// A registry requiring `user`/`password` (htpasswd, bcrypt).
    pub fn start_with_auth(user: &str, password: &str) -> Registry {
        Self::spawn(Some((user.to_string(), password.to_string())))
    }

    fn spawn(credentials: Option<(String, String)>) -> Registry {
        require_tool(REGISTRY_BIN, "apt-get install -y docker-registry");
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        let mut auth = String::new();
        if let Some((user, password)) = &credentials {
            require_tool("/usr/bin/htpasswd", "apt-get install -y apache2-utils");
            let out = Command::new("/usr/bin/htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .expect("run htpasswd");
            assert!(
                out.status.success(),
                "htpasswd failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, &out.stdout).expect("write htpasswd");
            auth = format!(
                "auth:\n  htpasswd:\n    realm: test-realm\n    path: {}\n",
                file.display()
            );
        }
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n{auth}",
            dir.path().join("data").display()
        );
        let config_path: PathBuf = dir.path().join("config.yml");
        std::fs::write(&config_path, config).expect("write registry config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log file");
        let child = Command::new(REGISTRY_BIN)
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let mut registry = Registry {
            child,
            host,
            _dir: dir,
            credentials,
        };
        registry.wait_ready();
        registry
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self._dir.path().join("registry.log"))
                    .unwrap_or_default();
                panic!("docker-registry exited with {status}: {log}");
            }
            if TcpStream::connect(&self.host).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not listen on {} within 30s", self.host);
    }

    /// `oci://<host>/<repo>`.
    pub fn url(&self, repo: &str) -> String {
        format!("oci://{}/{repo}", self.host)
    }

    /// Pushes a manifest with the given config media type, layers and annotations with
    /// oci-client directly; returns the manifest digest.
    pub fn push_raw(&self, repo: &str, tag: &str, layers: Vec<(&str, Vec<u8>)>) -> String {
        use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
        gitops_sources::tls::ensure_provider();
        let client = oci_client::Client::new(ClientConfig {
            protocol: ClientProtocol::Http,
            ..Default::default()
        });
        let reference =
            oci_client::Reference::with_tag(self.host.clone(), repo.to_string(), tag.to_string());
        let auth = match &self.credentials {
            Some((u, p)) => oci_client::secrets::RegistryAuth::Basic(u.clone(), p.clone()),
            None => oci_client::secrets::RegistryAuth::Anonymous,
        };
        let layers: Vec<ImageLayer> = layers
            .into_iter()
            .map(|(mt, data)| ImageLayer::new(data, mt.to_string(), None))
            .collect();
        let config = Config::new(
            b"{}".to_vec(),
            "application/vnd.cncf.flux.config.v1+json".to_string(),
            None,
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            client
                .push(&reference, &layers, config, &auth, None)
                .await
                .expect("push raw manifest");
            client
                .fetch_manifest_digest(&reference, &auth)
                .await
                .expect("manifest digest")
        })
    }

    /// The raw manifest JSON at `repo:tag_or_digest`.
    pub fn manifest_json(&self, repo: &str, reference: &str) -> serde_json::Value {
        use oci_client::client::{ClientConfig, ClientProtocol};
        gitops_sources::tls::ensure_provider();
        let client = oci_client::Client::new(ClientConfig {
            protocol: ClientProtocol::Http,
            ..Default::default()
        });
        let r: oci_client::Reference = format!("{}/{repo}{reference}", self.host)
            .parse()
            .expect("reference");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (bytes, _) = rt
            .block_on(client.pull_manifest_raw(
                &r,
                &oci_client::secrets::RegistryAuth::Anonymous,
                &[oci_client::manifest::OCI_IMAGE_MEDIA_TYPE],
            ))
            .expect("pull manifest");
        serde_json::from_slice(&bytes).expect("manifest JSON")
    }
}

/// Writes `files` (relative path, content) under a new temp dir.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, content).expect("write");
    }
    dir
}

/// The files under `dir` as sorted (relative path, content) pairs.
pub fn read_tree(dir: &Path) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .expect("prefix")
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

// Shared fixtures of the OCI tests.

use gitops_core::api::source::oci::{OCIRepositoryRef, OCIRepositorySpec};
use gitops_sources::oci::{self, Credentials, PushMetadata, RegistryOptions};

/// Flux's content layer media type.
pub const CONTENT: &str = "application/vnd.cncf.flux.content.v1.tar+gzip";

/// Options for the loopback registry.
pub fn opts() -> RegistryOptions {
    RegistryOptions {
        insecure: true,
        timeout: Duration::from_secs(30),
    }
}

/// Push metadata with a fixed source.
pub fn meta(rev: &str) -> PushMetadata {
    PushMetadata {
        source: "https://github.com/org/app".into(),
        revision: rev.into(),
        ..Default::default()
    }
}

/// An OCIRepository spec on the loopback registry.
pub fn spec(url: String, reference: Option<OCIRepositoryRef>) -> OCIRepositorySpec {
    OCIRepositorySpec {
        url,
        reference,
        interval: "1m".into(),
        insecure: Some(true),
        timeout: Some("30s".into()),
        ..Default::default()
    }
}

/// Pushes a one-file tree whose content is `marker`; returns the digest.
pub fn push_tree(reg: &Registry, repo_tag: &str, marker: &str) -> String {
    let dir = tree(&[("app.yaml", marker)]);
    oci::push(
        &reg.url(repo_tag),
        dir.path(),
        &meta(marker),
        None,
        &Credentials::Anonymous,
        &opts(),
    )
    .expect("push")
    .digest
}

/// A packed tarball of `files`.
pub fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
    let dir = tree(files);
    let mut out = Vec::new();
    gitops_sources::artifact::pack(
        dir.path(),
        &mut out,
        &gitops_sources::artifact::IgnoreRules::none(),
    )
    .expect("pack");
    out
}
