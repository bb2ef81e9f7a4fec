//! The Prometheus provider: instant queries against the HTTP API (`GET /api/v1/query`),
//! as Flagger's `PrometheusProvider` makes them.
//!
//! - **Request**: `GET <address>/api/v1/query?query=<q>`, the address's path kept as a
//!   prefix (`http://host/prometheus` → `/prometheus/api/v1/query`). Every run of
//!   whitespace in the query is collapsed to one space first, so multi-line templates
//!   are sent on one line (Flagger trims the same way; a leading newline becomes one
//!   leading space).
//! - **Headers**: the template's `headers`, then `Authorization`: `Bearer <token>` when
//!   the secret has a `token` key, otherwise HTTP basic auth from `username` and
//!   `password` (both required when the template has a `secretRef` and no `token`).
//! - **Timeout**: 5 seconds per query ([`DEFAULT_TIMEOUT`]), Flagger's fixed value.
//! - **TLS**: `insecureSkipVerify: true` accepts any server certificate.
//! - **Answer**: a status of 400 or above is an [`Error::Http`]. For an instant vector,
//!   the value of the **last** series in the answer is the result (Flagger loops over the
//!   series and keeps the last one; it does not sum them, so a query should aggregate
//!   itself). An empty vector or a `NaN` value is [`Error::NoValues`]; a range vector
//!   (`values` instead of `value`) is [`Error::MultipleValues`]; `+Inf`/`-Inf` are
//!   returned as they are.
//! - **Online check**: the query `vector(1)` must answer 1.
//!
//! One deliberate difference: a `scalar` answer (`scalar(…)`, a bare number) is read as
//! its value. Flagger's decoder only understands vectors and fails such queries with
//! "error unmarshaling result".

use std::collections::BTreeMap;
use std::time::Duration;

use gitops_core::api::flagger::MetricTemplateProvider;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::factory::Credentials;
use super::{BoxFuture, Error, MetricsProvider};

/// Flagger's request timeout of a Prometheus query.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The query of the online check; Prometheus must answer 1.
pub const ONLINE_QUERY: &str = "vector(1)";

/// Why a Prometheus provider could not be built from its spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The address is empty or not an absolute `http`/`https` URL.
    #[error("prometheus address {address:?} is not a valid URL: {reason}")]
    InvalidAddress {
        /// The address as written.
        address: String,
        /// Why it was refused.
        reason: String,
    },
    /// The secret has neither a `token` nor a `username` key.
    #[error("prometheus credentials (secret {secret:?}) do not contain a username")]
    MissingUsername {
        /// Name of the secret (`spec.provider.secretRef.name`).
        secret: String,
    },
    /// The secret has a `username` but no `password` key.
    #[error("prometheus credentials (secret {secret:?}) do not contain a password")]
    MissingPassword {
        /// Name of the secret (`spec.provider.secretRef.name`).
        secret: String,
    },
    /// A header name or value (from `headers` or the credentials) cannot be sent.
    #[error("prometheus header {name:?} is invalid: {reason}")]
    InvalidHeader {
        /// The header name.
        name: String,
        /// Why it cannot be sent.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("prometheus HTTP client: {0}")]
    Client(String),
}

/// How requests authenticate.
#[derive(Clone)]
enum Auth {
    None,
    Bearer(String),
    Basic { username: String, password: String },
}

/// Queries a Prometheus server (or anything speaking its HTTP API: Thanos, Mimir,
/// VictoriaMetrics).
#[derive(Clone)]
pub struct PrometheusProvider {
    address: String,
    base: Url,
    headers: HeaderMap,
    auth: Auth,
    timeout: Duration,
    client: reqwest::Client,
}

impl std::fmt::Debug for PrometheusProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match self.auth {
            Auth::None => "none",
            Auth::Bearer(_) => "bearer",
            Auth::Basic { .. } => "basic",
        };
        f.debug_struct("PrometheusProvider")
            .field("address", &self.address)
            .field("auth", &auth)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl PrometheusProvider {
    /// A provider from a MetricTemplate's `spec.provider` and the data of the secret
    /// named by its `secretRef` (ignored when the spec has no `secretRef`, as in Flagger).
    pub fn new(
        spec: &MetricTemplateProvider,
        credentials: Option<&Credentials>,
    ) -> Result<Self, ConfigError> {
        let address = spec.address.clone().unwrap_or_default();
        let base = parse_address(&address)?;
        let headers = header_map(spec.headers.as_ref())?;
        let auth = match &spec.secret_ref {
            None => Auth::None,
            Some(secret) => auth_from(&secret.name, credentials)?,
        };
        if let Auth::Bearer(token) = &auth {
            check_header_value("Authorization", &format!("Bearer {token}"))?;
        }
        let client = build_client(spec.insecure_skip_verify.unwrap_or(false))?;
        Ok(PrometheusProvider {
            address,
            base,
            headers,
            auth,
            timeout: DEFAULT_TIMEOUT,
            client,
        })
    }

    /// A provider for a bare address without credentials or headers: Flagger's global
    /// `-metrics-server` and a Canary's `spec.metricsServer`, used by the built-in
    /// metrics.
    pub fn from_address(address: &str) -> Result<Self, ConfigError> {
        let spec = MetricTemplateProvider {
            address: Some(address.to_string()),
            ..MetricTemplateProvider::default()
        };
        Self::new(&spec, None)
    }

    /// The same provider with another request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The address as written in the spec.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The URL an instant query is sent to.
    pub fn query_url(&self, query: &str) -> Url {
        let mut url = self.base.clone();
        let path = format!("{}/api/v1/query", self.base.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(None);
        url.set_fragment(None);
        url.query_pairs_mut()
            .append_pair("query", &collapse_whitespace(query));
        url
    }

    async fn run(&self, query: &str) -> Result<f64, Error> {
        let url = self.query_url(query);
        let mut request = self
            .client
            .get(url)
            .headers(self.headers.clone())
            .timeout(self.timeout);
        match &self.auth {
            Auth::None => {}
            Auth::Bearer(token) => {
                request = request.header(AUTHORIZATION, format!("Bearer {token}"));
            }
            Auth::Basic { username, password } => {
                request = request.basic_auth(username, Some(password));
            }
        }
        let response = request.send().await.map_err(|e| self.request_error(&e))?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| self.request_error(&e))?;
        if status >= 400 {
            return Err(Error::Http {
                address: self.address.clone(),
                status,
                body,
            });
        }
        match read_value(&body) {
            Answer::Value(v) if v.is_nan() => Err(self.no_values(query)),
            Answer::Value(v) => Ok(v),
            Answer::Empty => Err(self.no_values(query)),
            Answer::Range => Err(Error::MultipleValues {
                address: self.address.clone(),
                query: collapse_whitespace(query),
            }),
            Answer::Invalid(message) => Err(Error::Decode {
                address: self.address.clone(),
                message,
                body,
            }),
        }
    }

    fn no_values(&self, query: &str) -> Error {
        Error::NoValues {
            address: self.address.clone(),
            query: collapse_whitespace(query),
        }
    }

    fn request_error(&self, err: &reqwest::Error) -> Error {
        if err.is_timeout() {
            Error::Timeout {
                address: self.address.clone(),
                timeout: go_duration(self.timeout),
            }
        } else {
            Error::Transport {
                address: self.address.clone(),
                message: error_chain(err),
            }
        }
    }
}

impl MetricsProvider for PrometheusProvider {
    fn query<'a>(&'a self, query: &'a str) -> BoxFuture<'a, Result<f64, Error>> {
        Box::pin(self.run(query))
    }

    fn is_online(&self) -> BoxFuture<'_, Result<bool, Error>> {
        Box::pin(async move {
            let value = self.run(ONLINE_QUERY).await?;
            if value == 1.0 {
                Ok(true)
            } else {
                Err(Error::NotOnline {
                    address: self.address.clone(),
                    query: ONLINE_QUERY.to_string(),
                })
            }
        })
    }
}

/// Installs rustls' `ring` provider for the process unless one is installed already
/// (reqwest is built without a provider of its own).
pub(crate) fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race; either way a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

fn build_client(insecure: bool) -> Result<reqwest::Client, ConfigError> {
    ensure_crypto_provider();
    reqwest::Client::builder()
        .danger_accept_invalid_certs(insecure)
        .build()
        .map_err(|e| ConfigError::Client(error_chain(&e)))
}

fn parse_address(address: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidAddress {
        address: address.to_string(),
        reason,
    };
    if address.is_empty() {
        return Err(invalid("the address is empty".into()));
    }
    let url = Url::parse(address).map_err(|e| invalid(e.to_string()))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(invalid(format!("scheme {other:?} is not http or https"))),
    }
}

fn header_map(headers: Option<&BTreeMap<String, Vec<String>>>) -> Result<HeaderMap, ConfigError> {
    let mut map = HeaderMap::new();
    for (name, values) in headers.into_iter().flatten() {
        let header =
            HeaderName::from_bytes(name.as_bytes()).map_err(|e| ConfigError::InvalidHeader {
                name: name.clone(),
                reason: e.to_string(),
            })?;
        for value in values {
            map.append(header.clone(), check_header_value(name, value)?);
        }
    }
    Ok(map)
}

fn check_header_value(name: &str, value: &str) -> Result<HeaderValue, ConfigError> {
    HeaderValue::from_str(value).map_err(|e| ConfigError::InvalidHeader {
        name: name.to_string(),
        reason: e.to_string(),
    })
}

/// Flagger's reading of the secret: `token` wins; otherwise `username` and `password`
/// are both required. Empty values are kept but send no `Authorization` header.
fn auth_from(secret: &str, credentials: Option<&Credentials>) -> Result<Auth, ConfigError> {
    let get = |key: &str| {
        credentials
            .and_then(|c| c.get(key))
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    if let Some(token) = get("token") {
        return Ok(if token.is_empty() {
            Auth::None
        } else {
            Auth::Bearer(token)
        });
    }
    let username = get("username").ok_or_else(|| ConfigError::MissingUsername {
        secret: secret.to_string(),
    })?;
    let password = get("password").ok_or_else(|| ConfigError::MissingPassword {
        secret: secret.to_string(),
    })?;
    Ok(if username.is_empty() || password.is_empty() {
        Auth::None
    } else {
        Auth::Basic { username, password }
    })
}

/// Every run of whitespace (Go's `\s`: tab, newline, form feed, carriage return, space)
/// replaced by one space.
pub fn collapse_whitespace(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut in_space = false;
    for c in query.chars() {
        if matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ') {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// What an answer of `/api/v1/query` holds.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    /// The value (possibly `NaN`).
    Value(f64),
    /// No sample.
    Empty,
    /// A range vector.
    Range,
    /// Not an answer of the API.
    Invalid(String),
}

/// Reads the value of an instant-query answer the way Flagger does (see the module
/// documentation).
fn read_value(body: &str) -> Answer {
    let root: serde_json::Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => return Answer::Invalid(e.to_string()),
    };
    let Some(data) = root.get("data").filter(|d| !d.is_null()) else {
        return Answer::Empty;
    };
    let result = data.get("result").unwrap_or(&serde_json::Value::Null);
    if data.get("resultType").and_then(|t| t.as_str()) == Some("scalar") {
        return match result.get(1) {
            Some(serde_json::Value::String(s)) => parse_float(s),
            _ => Answer::Invalid("a scalar result is not [time, \"value\"]".into()),
        };
    }
    let series = match result {
        serde_json::Value::Null => return Answer::Empty,
        serde_json::Value::Array(series) => series,
        other => return Answer::Invalid(format!("result is not a list: {other}")),
    };
    let mut value = None;
    for (i, s) in series.iter().enumerate() {
        let Some(s) = s.as_object() else {
            return Answer::Invalid(format!("result[{i}] is not an object"));
        };
        if s.get("values").is_some_and(|v| !v.is_null()) {
            return Answer::Range;
        }
        let sample = s.get("value").and_then(|v| v.as_array());
        match sample.and_then(|v| v.get(1)) {
            Some(serde_json::Value::String(text)) => match parse_float(text) {
                Answer::Value(v) => value = Some(v),
                other => return other,
            },
            // Flagger skips a sample whose value is not a string.
            Some(_) => {}
            None => return Answer::Invalid(format!("result[{i}].value is not [time, \"value\"]")),
        }
    }
    value.map_or(Answer::Empty, Answer::Value)
}

/// Go's `strconv.ParseFloat` for the texts Prometheus writes (`95`, `0.25`, `NaN`,
/// `+Inf`, `-Inf`, exponents).
fn parse_float(text: &str) -> Answer {
    let lower = text.to_ascii_lowercase();
    let (negative, unsigned) = match lower.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, lower.strip_prefix('+').unwrap_or(&lower)),
    };
    let signed = unsigned.len() != lower.len();
    let value = match unsigned {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" if !signed => Some(f64::NAN),
        s if s.starts_with(|c: char| c.is_ascii_digit() || c == '.') => s.parse::<f64>().ok(),
        _ => None,
    };
    match value {
        Some(v) if negative => Answer::Value(-v),
        Some(v) => Answer::Value(v),
        None => Answer::Invalid(format!(
            "strconv.ParseFloat: parsing {text:?}: invalid syntax"
        )),
    }
}

/// A duration as Go prints it (`5s`, `1.5s`, `500ms`).
pub(crate) fn go_duration(d: Duration) -> String {
    gitops_core::duration::Duration::from_std(d).to_string()
}

/// An error and its sources, joined by `: `.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = e.source();
    }
    message
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_collapsed_like_flagger() {
        assert_eq!(
            collapse_whitespace("\n\tsum(\n\t\trate(x[1m])\n\t) \n * 100"),
            " sum( rate(x[1m]) ) * 100"
        );
        assert_eq!(collapse_whitespace("a\x0bb"), "a\x0bb");
    }

    #[test]
    fn vector_answer_keeps_the_last_series() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"a":"1"},"value":[1,"3"]},{"metric":{"a":"2"},"value":[1,"7.5"]}]}}"#;
        assert_eq!(read_value(body), Answer::Value(7.5));
    }

    #[test]
    fn empty_missing_and_nan_answers() {
        let empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(read_value(empty), Answer::Empty);
        assert_eq!(read_value(r#"{"status":"success"}"#), Answer::Empty);
        let nan = r#"{"data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#;
        assert!(matches!(read_value(nan), Answer::Value(v) if v.is_nan()));
    }

    #[test]
    fn matrix_answer_is_multiple_values() {
        let body = r#"{"data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]}]}}"#;
        assert_eq!(read_value(body), Answer::Range);
    }

    #[test]
    fn scalar_answer_is_read() {
        let body = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"42"]}}"#;
        assert_eq!(read_value(body), Answer::Value(42.0));
    }

    #[test]
    fn infinities_and_garbage() {
        assert_eq!(parse_float("+Inf"), Answer::Value(f64::INFINITY));
        assert_eq!(parse_float("-Inf"), Answer::Value(f64::NEG_INFINITY));
        assert_eq!(parse_float("1e3"), Answer::Value(1000.0));
        assert!(matches!(parse_float("abc"), Answer::Invalid(m) if m.contains("\"abc\"")));
        assert!(matches!(read_value("not json"), Answer::Invalid(_)));
    }

    #[test]
    fn query_url_keeps_the_path_prefix() {
        let p = PrometheusProvider::from_address("http://prom.example:9090/prometheus/").unwrap();
        let url = p.query_url("sum(x)\n * 100");
        assert_eq!(url.path(), "/prometheus/api/v1/query");
        let pairs: Vec<_> = url.query_pairs().collect();
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].1, "sum(x) * 100");
    }

    #[test]
    fn addresses_and_credentials_are_checked() {
        let err = PrometheusProvider::from_address("").unwrap_err();
        assert!(err.to_string().contains("is not a valid URL"), "{err}");
        let err = PrometheusProvider::from_address("ftp://x").unwrap_err();
        assert!(err.to_string().contains("\"ftp\""), "{err}");

        let spec = MetricTemplateProvider {
            address: Some("http://prom:9090".into()),
            secret_ref: Some(gitops_core::api::meta::LocalObjectReference {
                name: "prom-auth".into(),
            }),
            ..Default::default()
        };
        let mut creds = Credentials::new();
        creds.insert("username".into(), b"u".to_vec());
        let err = PrometheusProvider::new(&spec, Some(&creds)).unwrap_err();
        assert_eq!(
            err,
            ConfigError::MissingPassword {
                secret: "prom-auth".into()
            }
        );
        let err = PrometheusProvider::new(&spec, None).unwrap_err();
        assert!(matches!(err, ConfigError::MissingUsername { .. }));
        creds.insert("password".into(), b"p".to_vec());
        let p = PrometheusProvider::new(&spec, Some(&creds)).unwrap();
        assert!(format!("{p:?}").contains("basic"));
        // `token` wins over username/password.
        creds.insert("token".into(), b"t".to_vec());
        let p = PrometheusProvider::new(&spec, Some(&creds)).unwrap();
        assert!(format!("{p:?}").contains("bearer"));
        // Without a secretRef the credentials are not read at all.
        let spec = MetricTemplateProvider {
            secret_ref: None,
            ..spec
        };
        let p = PrometheusProvider::new(&spec, None).unwrap();
        assert!(format!("{p:?}").contains("none"));
    }
}
