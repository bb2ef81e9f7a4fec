//! `create secret git|helm|oci|tls|proxy|githubapp` (flux's `create_secret_*.go` and
//! `pkg/manifestgen/sourcesecret`).
//!
//! Secrets print as `sourcesecret` renders them (`---` and the YAML, untrimmed), through
//! cobra's `Println` (one more new line) except `tls`, which uses `Print`.

use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use serde_json::Value;

use super::{CmdResult, Ctx, Generated, OrFail, fail, read_file};
use crate::cli::NameArg;
use crate::export::{Obj, metadata, secret_manifest};
use crate::flags;
use crate::gourl;

/// The secret kinds.
#[derive(Subcommand, Debug)]
pub enum SecretCommand {
    /// Create or update a Kubernetes secret for Git authentication
    Git(SecretGitArgs),
    /// Create or update a Kubernetes secret for Helm repository authentication
    Helm(SecretHelmArgs),
    /// Create or update a Kubernetes image pull secret
    Oci(SecretOciArgs),
    /// Create or update a Kubernetes secret with TLS certificates
    Tls(SecretTlsArgs),
    /// Create or update a Kubernetes secret for proxy authentication
    Proxy(SecretProxyArgs),
    /// Create or update a GitHub App secret
    Githubapp(SecretGitHubAppArgs),
    /// Create or update a Kubernetes secret for a Receiver webhook
    Receiver(SecretReceiverArgs),
}

impl SecretCommand {
    /// The name argument of the chosen command.
    pub fn name(&self) -> &NameArg {
        match self {
            SecretCommand::Git(a) => &a.name,
            SecretCommand::Helm(a) => &a.name,
            SecretCommand::Oci(a) => &a.name,
            SecretCommand::Tls(a) => &a.name,
            SecretCommand::Proxy(a) => &a.name,
            SecretCommand::Githubapp(a) => &a.name,
            SecretCommand::Receiver(a) => &a.name,
        }
    }
}

/// Runs the chosen secret command.
pub fn run(ctx: &Ctx, cmd: &SecretCommand) -> CmdResult {
    match cmd {
        SecretCommand::Git(a) => git(ctx, a),
        SecretCommand::Helm(a) => helm(ctx, a),
        SecretCommand::Oci(a) => oci(ctx, a),
        SecretCommand::Tls(a) => tls(ctx, a),
        SecretCommand::Proxy(a) => proxy(ctx, a),
        SecretCommand::Githubapp(a) => github_app(ctx, a),
        SecretCommand::Receiver(a) => receiver(ctx, a),
    }
}

/// A `v1/Secret` with `stringData` and an optional `type`.
fn secret(
    ctx: &Ctx,
    labels: &BTreeMap<String, String>,
    data: &BTreeMap<String, String>,
    kind: &str,
) -> Value {
    Obj::new()
        .set("apiVersion", "v1")
        .set("kind", "Secret")
        .set("metadata", metadata(&ctx.name, &ctx.namespace, labels))
        .map("stringData", data)
        .str("type", kind)
        .into()
}

/// What `rootCmd.Println(secret.Content)` prints.
fn println(secret: &Value) -> Generated {
    Generated::stdout(format!("{}\n", secret_manifest(secret)))
}

/// Flags of `create secret git`.
#[derive(Args, Debug)]
pub struct SecretGitArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// git address, e.g. ssh://git@host/org/repository
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub url: String,
    /// basic authentication username
    #[arg(short = 'u', long, default_value = "", allow_hyphen_values = true)]
    pub username: String,
    /// basic authentication password
    #[arg(short = 'p', long, default_value = "", allow_hyphen_values = true)]
    pub password: String,
    /// SSH public key algorithm
    #[arg(long, value_parser = flags::key_algorithm, default_value = "ecdsa", allow_hyphen_values = true)]
    pub ssh_key_algorithm: String,
    /// SSH RSA public key bit size (multiplies of 8, min 1024)
    #[arg(long, value_parser = flags::rsa_bits, default_value = "2048", allow_hyphen_values = true)]
    pub ssh_rsa_bits: u32,
    /// SSH ECDSA public key curve
    #[arg(long, value_parser = flags::ecdsa_curve, default_value = "p384", allow_hyphen_values = true)]
    pub ssh_ecdsa_curve: String,
    /// path to TLS CA certificate file used for validating self-signed certificates
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub ca_crt_file: String,
    /// path to a passwordless private key file used for authenticating to the Git SSH server
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub private_key_file: String,
    /// bearer authentication token
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub bearer_token: String,
}

/// `create secret git`.
pub fn git(ctx: &Ctx, a: &SecretGitArgs) -> CmdResult {
    if a.url.is_empty() {
        return fail("url is required");
    }
    let url = gourl::parse(&a.url)
        .map_err(|e| format!("git URL parse failed: {e}"))
        .or_fail()?;
    let labels = ctx.labels().or_fail()?;
    let mut data = BTreeMap::new();
    match url.scheme.as_str() {
        "ssh" => {
            return fail(format!(
                "SSH secrets are not supported in this build: they need an SSH key pair ({}) and a host key scan of {}; use an http(s) URL with --username/--password or --bearer-token",
                if a.private_key_file.is_empty() {
                    "generated"
                } else {
                    "loaded from --private-key-file"
                },
                url.host
            ));
        }
        "http" | "https" => {
            if (a.username.is_empty() || a.password.is_empty()) && a.bearer_token.is_empty() {
                return fail(
                    "for Git over HTTP/S the username and password, or a bearer token is required",
                );
            }
            if !a.username.is_empty() && !a.password.is_empty() && !a.bearer_token.is_empty() {
                return fail("user credentials and bearer token cannot be used together");
            }
            let ca = if a.ca_crt_file.is_empty() {
                Vec::new()
            } else {
                read_file(&a.ca_crt_file)
                    .map_err(|e| format!("unable to read TLS CA file: {e}"))
                    .or_fail()?
            };
            if !a.username.is_empty() && !a.password.is_empty() {
                data.insert("username".to_string(), a.username.clone());
                data.insert("password".to_string(), a.password.clone());
            }
            if !a.bearer_token.is_empty() {
                data.insert("bearerToken".to_string(), a.bearer_token.clone());
            }
            if !ca.is_empty() {
                data.insert(
                    "ca.crt".to_string(),
                    String::from_utf8_lossy(&ca).into_owned(),
                );
            }
        }
        other => {
            return fail(format!(
                "git URL scheme '{other}' not supported, can be: ssh, http and https"
            ));
        }
    }
    Ok(println(&secret(ctx, &labels, &data, "")))
}

/// The TLS flags shared by `create secret tls` and `create secret helm`.
#[derive(Args, Debug, Clone)]
pub struct TlsFiles {
    /// TLS authentication cert file path
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub tls_crt_file: String,
    /// TLS authentication key file path
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub tls_key_file: String,
    /// TLS authentication CA file path
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub ca_crt_file: String,
}

/// The contents of the files named by [`TlsFiles`] (empty when not given).
struct TlsData {
    ca: Vec<u8>,
    cert: Vec<u8>,
    key: Vec<u8>,
}

fn read_tls(files: &TlsFiles) -> Result<TlsData, String> {
    let read = |path: &str, what: &str| -> Result<Vec<u8>, String> {
        if path.is_empty() {
            Ok(Vec::new())
        } else {
            read_file(path).map_err(|e| format!("{what}: {e}"))
        }
    };
    Ok(TlsData {
        ca: read(&files.ca_crt_file, "unable to read TLS CA file")?,
        cert: read(&files.tls_crt_file, "failed to read cert file")?,
        key: read(&files.tls_key_file, "failed to read key file")?,
    })
}

/// `secrets.MakeTLSSecret`: `kubernetes.io/tls` with a pair, `Opaque` with a CA only.
fn tls_secret_data(t: &TlsData) -> Result<(BTreeMap<String, String>, &'static str), String> {
    let (has_cert, has_key, has_ca) = (!t.cert.is_empty(), !t.key.is_empty(), !t.ca.is_empty());
    if has_cert != has_key {
        return Err(if has_cert {
            "found certificate but missing private key".into()
        } else {
            "found private key but missing certificate".into()
        });
    }
    if !has_cert && !has_ca {
        return Err("no CA certificate or client certificate pair found".into());
    }
    let mut data = BTreeMap::new();
    let mut kind = "Opaque";
    if has_cert && has_key {
        check_key_pair(&t.cert, &t.key)
            .map_err(|e| format!("invalid TLS certificate and key pair: {e}"))?;
        data.insert(
            "tls.crt".to_string(),
            String::from_utf8_lossy(&t.cert).into_owned(),
        );
        data.insert(
            "tls.key".to_string(),
            String::from_utf8_lossy(&t.key).into_owned(),
        );
        kind = "kubernetes.io/tls";
    }
    if has_ca {
        data.insert(
            "ca.crt".to_string(),
            String::from_utf8_lossy(&t.ca).into_owned(),
        );
    }
    Ok((data, kind))
}

/// The PEM block types in `data`, in order.
fn pem_types(data: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut types = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(t) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            let end = format!("-----END {t}-----");
            if text.contains(&end) {
                types.push(t.to_string());
            }
        }
    }
    types
}

/// The PEM part of Go's `tls.X509KeyPair` (the DER contents and the match between the
/// certificate and the key are not verified in this build).
fn check_key_pair(cert: &[u8], key: &[u8]) -> Result<(), String> {
    let cert_types = pem_types(cert);
    if !cert_types.iter().any(|t| t == "CERTIFICATE") {
        if cert_types.is_empty() {
            return Err("tls: failed to find any PEM data in certificate input".into());
        }
        if cert_types
            .iter()
            .any(|t| t.ends_with(" PRIVATE KEY") || t == "PRIVATE KEY")
        {
            return Err("tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched".into());
        }
        return Err(format!(
            "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: [{}]",
            cert_types.join(" ")
        ));
    }
    let key_types = pem_types(key);
    if !key_types
        .iter()
        .any(|t| t == "PRIVATE KEY" || t.ends_with(" PRIVATE KEY"))
    {
        if key_types.is_empty() {
            return Err("tls: failed to find any PEM data in key input".into());
        }
        if key_types.iter().all(|t| t == "CERTIFICATE") {
            return Err(
                "tls: found a certificate rather than a key in the PEM for the private key".into(),
            );
        }
        return Err(format!(
            "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM blocks of the following types: [{}]",
            key_types.join(" ")
        ));
    }
    Ok(())
}

/// Flags of `create secret helm`.
#[derive(Args, Debug)]
pub struct SecretHelmArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// basic authentication username
    #[arg(short = 'u', long, default_value = "", allow_hyphen_values = true)]
    pub username: String,
    /// basic authentication password
    #[arg(short = 'p', long, default_value = "", allow_hyphen_values = true)]
    pub password: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub tls: TlsFiles,
}

/// `create secret helm` (`sourcesecret.GenerateHelm`).
pub fn helm(ctx: &Ctx, a: &SecretHelmArgs) -> CmdResult {
    let labels = ctx.labels().or_fail()?;
    let t = read_tls(&a.tls).or_fail()?;
    let has_basic_auth = !a.username.is_empty() || !a.password.is_empty();
    let has_client_cert = !t.cert.is_empty() || !t.key.is_empty();
    let (data, kind) = if has_client_cert {
        let pair = TlsData {
            ca: t.ca.clone(),
            cert: t.cert.clone(),
            key: t.key.clone(),
        };
        tls_secret_data(&pair).or_fail()?
    } else if has_basic_auth {
        if a.username.is_empty() {
            return fail("username is required");
        }
        if a.password.is_empty() {
            return fail("password is required");
        }
        let mut data = BTreeMap::new();
        data.insert("username".to_string(), a.username.clone());
        data.insert("password".to_string(), a.password.clone());
        if !t.ca.is_empty() {
            data.insert(
                "ca.crt".to_string(),
                String::from_utf8_lossy(&t.ca).into_owned(),
            );
        }
        (data, "kubernetes.io/basic-auth")
    } else if !t.ca.is_empty() {
        tls_secret_data(&t).or_fail()?
    } else {
        (BTreeMap::new(), "")
    };
    Ok(println(&secret(ctx, &labels, &data, kind)))
}

/// Flags of `create secret oci`.
#[derive(Args, Debug)]
pub struct SecretOciArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// oci repository address e.g ghcr.io/stefanprodan/charts
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub url: String,
    /// basic authentication username
    #[arg(short = 'u', long, default_value = "", allow_hyphen_values = true)]
    pub username: String,
    /// basic authentication password
    #[arg(short = 'p', long, default_value = "", allow_hyphen_values = true)]
    pub password: String,
}

/// `create secret oci` (`secrets.MakeRegistrySecret`). flux passes no labels here.
pub fn oci(ctx: &Ctx, a: &SecretOciArgs) -> CmdResult {
    if a.url.is_empty() {
        return fail("--url is required");
    }
    if a.username.is_empty() {
        return fail("--username is required");
    }
    if a.password.is_empty() {
        return fail("--password is required");
    }
    crate::imageref::parse_reference(&a.url)
        .map_err(|e| format!("error parsing url: '{e}'"))
        .or_fail()?;
    let auth = base64(format!("{}:{}", a.username, a.password).as_bytes());
    let config = format!(
        "{{\n  \"auths\": {{\n    {}: {{\n      \"username\": {},\n      \"password\": {},\n      \"auth\": {}\n    }}\n  }}\n}}",
        go_json_string(&a.url),
        go_json_string(&a.username),
        go_json_string(&a.password),
        go_json_string(&auth)
    );
    let mut data = BTreeMap::new();
    data.insert(".dockerconfigjson".to_string(), config);
    Ok(println(&secret(
        ctx,
        &BTreeMap::new(),
        &data,
        "kubernetes.io/dockerconfigjson",
    )))
}

/// Flags of `create secret tls`.
#[derive(Args, Debug)]
pub struct SecretTlsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub tls: TlsFiles,
}

/// `create secret tls` (`sourcesecret.GenerateTLS`), printed without a trailing blank line.
pub fn tls(ctx: &Ctx, a: &SecretTlsArgs) -> CmdResult {
    let labels = ctx.labels().or_fail()?;
    let t = read_tls(&a.tls).or_fail()?;
    let (data, kind) = tls_secret_data(&t).or_fail()?;
    Ok(Generated::stdout(secret_manifest(&secret(
        ctx, &labels, &data, kind,
    ))))
}

/// Flags of `create secret proxy`.
#[derive(Args, Debug)]
pub struct SecretProxyArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// proxy address
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub address: String,
    /// basic authentication username
    #[arg(short = 'u', long, default_value = "", allow_hyphen_values = true)]
    pub username: String,
    /// basic authentication password
    #[arg(short = 'p', long, default_value = "", allow_hyphen_values = true)]
    pub password: String,
}

/// `create secret proxy` (`secrets.MakeProxySecret`).
pub fn proxy(ctx: &Ctx, a: &SecretProxyArgs) -> CmdResult {
    let labels = ctx.labels().or_fail()?;
    if a.address.is_empty() {
        return fail("address is required");
    }
    gourl::parse(&a.address)
        .map_err(|e| format!("invalid proxy address: {e}"))
        .or_fail()?;
    let mut data = BTreeMap::new();
    data.insert("address".to_string(), a.address.clone());
    if !a.username.is_empty() {
        data.insert("username".to_string(), a.username.clone());
    }
    if !a.password.is_empty() {
        data.insert("password".to_string(), a.password.clone());
    }
    Ok(println(&secret(ctx, &labels, &data, "Opaque")))
}

/// Flags of `create secret githubapp`.
#[derive(Args, Debug)]
pub struct SecretGitHubAppArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// github app ID
    #[arg(long = "app-id", default_value = "", allow_hyphen_values = true)]
    pub app_id: String,
    /// github app installation owner (user or organization)
    #[arg(
        long = "app-installation-owner",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub installation_owner: String,
    /// github app installation ID
    #[arg(
        long = "app-installation-id",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub installation_id: String,
    /// github app private key file path
    #[arg(
        long = "app-private-key",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub private_key_file: String,
    /// github app base URL
    #[arg(long = "app-base-url", default_value = "", allow_hyphen_values = true)]
    pub base_url: String,
}

/// `create secret githubapp` (`secrets.MakeGitHubAppSecret`). flux passes no labels here.
pub fn github_app(ctx: &Ctx, a: &SecretGitHubAppArgs) -> CmdResult {
    let key = read_file(&a.private_key_file)
        .map_err(|e| format!("unable to read private key file: {e}"))
        .or_fail()?;
    if a.app_id.is_empty() {
        return fail("githubAppID is required");
    }
    if key.is_empty() {
        return fail("githubAppPrivateKey is required");
    }
    let mut data = BTreeMap::new();
    data.insert("githubAppID".to_string(), a.app_id.clone());
    data.insert(
        "githubAppPrivateKey".to_string(),
        String::from_utf8_lossy(&key).into_owned(),
    );
    if !a.installation_owner.is_empty() {
        data.insert(
            "githubAppInstallationOwner".to_string(),
            a.installation_owner.clone(),
        );
    }
    if !a.installation_id.is_empty() {
        data.insert(
            "githubAppInstallationID".to_string(),
            a.installation_id.clone(),
        );
    }
    if !a.base_url.is_empty() {
        data.insert("githubAppBaseURL".to_string(), a.base_url.clone());
    }
    if a.installation_owner.is_empty() == a.installation_id.is_empty() {
        return fail(
            "exactly one of githubAppInstallationOwner or githubAppInstallationID must be provided",
        );
    }
    Ok(println(&secret(ctx, &BTreeMap::new(), &data, "Opaque")))
}

/// Flags of `create secret receiver`.
#[derive(Args, Debug)]
pub struct SecretReceiverArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// the receiver type
    #[arg(long = "type", value_parser = flags::receiver_type, allow_hyphen_values = true)]
    pub receiver_type: Option<String>,
    /// webhook token used for payload validation and URL computation, auto-generated if not specified
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub token: String,
    /// hostname for the webhook URL e.g. flux.example.com
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub hostname: String,
    /// IAM service account email, required for gcr type
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub email_claim: String,
    /// custom OIDC token audience for gcr type, defaults to the webhook URL
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub audience_claim: String,
}

/// `create secret receiver` (`sourcesecret.GenerateReceiver`): the token (random when
/// not given) and the webhook URL notification-controller will serve.
pub fn receiver(ctx: &Ctx, a: &SecretReceiverArgs) -> CmdResult {
    let receiver_type = a.receiver_type.clone().unwrap_or_default();
    if receiver_type.is_empty() {
        return fail("--type is required");
    }
    if a.hostname.is_empty() {
        return fail("--hostname is required");
    }
    if receiver_type == "gcr" && a.email_claim.is_empty() {
        return fail("--email-claim is required for gcr receiver type");
    }
    let labels = ctx.labels().or_fail()?;
    let token = if a.token.is_empty() {
        random_token().or_fail()?
    } else {
        a.token.clone()
    };
    let path = gitops_core::api::notification::webhook_path(&token, &ctx.name, &ctx.namespace);
    let url = format!("https://{}{path}", a.hostname);
    let mut data = BTreeMap::new();
    data.insert("token".to_string(), token);
    if receiver_type == "gcr" {
        data.insert("email".to_string(), a.email_claim.clone());
        let audience = if a.audience_claim.is_empty() {
            url.clone()
        } else {
            a.audience_claim.clone()
        };
        data.insert("audience".to_string(), audience);
    }
    let mut annotations = BTreeMap::new();
    annotations.insert("notification.toolkit.fluxcd.io/webhook".to_string(), url);
    let secret: Value = Obj::new()
        .set("apiVersion", "v1")
        .set("kind", "Secret")
        .set(
            "metadata",
            metadata(&ctx.name, &ctx.namespace, &labels).map("annotations", &annotations),
        )
        .map("stringData", &data)
        .into();
    Ok(println(&secret))
}

/// 32 random bytes, hex encoded (flux uses `crypto/rand`).
fn random_token() -> Result<String, String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("failed to generate random token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A string as Go's `encoding/json` writes it (HTML-safe escaping included).
fn go_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn base64_standard() {
        assert_eq!(
            base64(b"stefanprodan:password"),
            "c3RlZmFucHJvZGFuOnBhc3N3b3Jk"
        );
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn json_strings_like_go() {
        assert_eq!(
            go_json_string("a<b>&\"c"),
            "\"a\\u003cb\\u003e\\u0026\\\"c\""
        );
    }

    #[test]
    fn pem_checks() {
        let cert = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let key = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        assert_eq!(check_key_pair(cert, key), Ok(()));
        assert!(
            check_key_pair(key, cert)
                .unwrap_err()
                .contains("PEM inputs may have been switched")
        );
        assert_eq!(
            check_key_pair(b"x", key).unwrap_err(),
            "tls: failed to find any PEM data in certificate input"
        );
    }
}
