//! Registry credentials: `<user>[:<password>]` strings (`--creds`) and docker config JSON
//! (the `.dockerconfigjson` key of a `kubernetes.io/dockerconfigjson` Secret).
//!
//! Passwords never appear in `Debug` output or in error messages.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use oci_client::secrets::RegistryAuth;
use serde::Deserialize;

use super::Error;

/// How to authenticate to a registry.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    /// No credentials.
    #[default]
    Anonymous,
    /// HTTP basic credentials (also used for token exchange when the registry asks).
    Basic {
        /// The user name.
        username: String,
        /// The password or access token.
        password: String,
    },
    /// A docker config; the entry of the registry being contacted is used, anonymous
    /// access when none matches (as Flux's keychain does).
    DockerConfig(DockerConfig),
}

impl Credentials {
    /// Parses `--creds`: `<username>[:<password>]` (an empty string means anonymous).
    pub fn from_user_pass(creds: &str) -> Self {
        if creds.is_empty() {
            return Credentials::Anonymous;
        }
        let (username, password) = creds.split_once(':').unwrap_or((creds, ""));
        Credentials::Basic {
            username: username.to_string(),
            password: password.to_string(),
        }
    }

    /// Parses the bytes of a `.dockerconfigjson` Secret key.
    pub fn from_docker_config(json: &[u8]) -> Result<Self, Error> {
        DockerConfig::parse(json).map(Credentials::DockerConfig)
    }

    /// The client credentials for `registry` (host with port).
    pub(crate) fn for_registry(&self, registry: &str) -> Result<RegistryAuth, Error> {
        match self {
            Credentials::Anonymous => Ok(RegistryAuth::Anonymous),
            Credentials::Basic { username, password } => {
                Ok(RegistryAuth::Basic(username.clone(), password.clone()))
            }
            Credentials::DockerConfig(config) => config.lookup(registry),
        }
    }

    /// Secrets that must never show in messages.
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self {
            Credentials::Anonymous => Vec::new(),
            Credentials::Basic { password, .. } => vec![password.clone()],
            Credentials::DockerConfig(config) => config
                .auths
                .values()
                .flat_map(|e| [e.password.clone(), e.auth.clone(), e.registrytoken.clone()])
                .flatten()
                .collect(),
        }
        .into_iter()
        .filter(|s| s.len() >= 3)
        .collect()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Credentials::DockerConfig(c) => f.debug_tuple("DockerConfig").field(c).finish(),
        }
    }
}

/// A parsed docker config JSON (`{"auths": {"<registry>": {...}}}`).
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
}

#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    registrytoken: Option<String>,
}

impl fmt::Debug for DockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerConfig")
            .field("registries", &self.auths.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl DockerConfig {
    /// Parses docker config JSON. Errors never quote the document (it holds secrets).
    pub fn parse(json: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(json).map_err(|e| Error::Credentials {
            registry: String::new(),
            reason: format!(
                "invalid docker config JSON at line {} column {}",
                e.line(),
                e.column()
            ),
        })
    }

    /// The registries with an entry, normalised to `host[:port]`.
    pub fn registries(&self) -> Vec<String> {
        self.auths.keys().map(|k| normalize_registry(k)).collect()
    }

    fn lookup(&self, registry: &str) -> Result<RegistryAuth, Error> {
        let wanted = canonical_host(registry);
        let Some((_, entry)) = self
            .auths
            .iter()
            .find(|(k, _)| canonical_host(&normalize_registry(k)) == wanted)
        else {
            return Ok(RegistryAuth::Anonymous);
        };
        let bad = |reason: &str| Error::Credentials {
            registry: registry.to_string(),
            reason: reason.to_string(),
        };
        if let Some(token) = entry.registrytoken.as_deref().filter(|t| !t.is_empty()) {
            return Ok(RegistryAuth::Bearer(token.to_string()));
        }
        if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| bad("the 'auth' field is not valid base64"))?;
            let decoded =
                String::from_utf8(decoded).map_err(|_| bad("the 'auth' field is not UTF-8"))?;
            let (user, pass) = decoded
                .split_once(':')
                .ok_or_else(|| bad("the 'auth' field must encode '<username>:<password>'"))?;
            return Ok(RegistryAuth::Basic(user.to_string(), pass.to_string()));
        }
        match (&entry.username, &entry.password) {
            (Some(u), Some(p)) => Ok(RegistryAuth::Basic(u.clone(), p.clone())),
            (Some(u), None) => Ok(RegistryAuth::Basic(u.clone(), String::new())),
            _ => Err(bad(
                "the entry has neither 'auth' nor 'username'/'password'",
            )),
        }
    }
}

/// `https://host:port/v1/` → `host:port`.
fn normalize_registry(key: &str) -> String {
    let key = key.trim();
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key).to_ascii_lowercase()
}

/// Docker Hub goes by several names.
fn canonical_host(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    match host.as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        _ => host,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed step is a failed test
mod tests {
    use super::*;

    #[test]
    fn user_pass() {
        assert_eq!(Credentials::from_user_pass(""), Credentials::Anonymous);
        assert_eq!(
            Credentials::from_user_pass("bob:s3:cret")
                .for_registry("r")
                .unwrap(),
            RegistryAuth::Basic("bob".into(), "s3:cret".into())
        );
        assert!(!format!("{:?}", Credentials::from_user_pass("bob:s3cret")).contains("s3cret"));
    }

    #[test]
    fn docker_config_lookup() {
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:pw1");
        let json = format!(
            r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{auth}"}},"127.0.0.1:5000":{{"username":"u","password":"p"}}}}}}"#
        );
        let c = Credentials::from_docker_config(json.as_bytes()).unwrap();
        assert_eq!(
            c.for_registry("index.docker.io").unwrap(),
            RegistryAuth::Basic("alice".into(), "pw1".into())
        );
        assert_eq!(
            c.for_registry("127.0.0.1:5000").unwrap(),
            RegistryAuth::Basic("u".into(), "p".into())
        );
        assert_eq!(c.for_registry("ghcr.io").unwrap(), RegistryAuth::Anonymous);
        assert!(!format!("{c:?}").contains("pw1"));
    }

    #[test]
    fn docker_config_errors_hide_content() {
        let err = Credentials::from_docker_config(b"{\"auths\": {\"x\": \"hunter2\"")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let c = Credentials::from_docker_config(br#"{"auths":{"r.io":{"auth":"!!notbase64"}}}"#)
            .unwrap();
        let err = c.for_registry("r.io").unwrap_err().to_string();
        assert!(err.contains("r.io") && !err.contains("notbase64"), "{err}");
    }
}
