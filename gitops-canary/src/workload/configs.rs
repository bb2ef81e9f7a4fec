//! Config tracking: which ConfigMaps and Secrets the target's pod template uses, their
//! checksums (`status.trackedConfigs`), the `-primary` copies Flagger creates and the
//! renaming of the references in the primary's pod template (Flagger's
//! `pkg/canary/config_tracker.go`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use gitops_core::api::flagger::Canary;
use gitops_core::object::Object;

use super::{Error, Options, include_by_prefix, owner_reference, string_map};

/// The annotation that turns tracking off for one ConfigMap or Secret: a value starting
/// with `disable` (`disabled`).
pub const CONFIG_TRACKING_ANNOTATION: &str = "flagger.app/config-tracking";

/// The kind of a tracked config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfigKind {
    /// A ConfigMap.
    ConfigMap,
    /// A Secret.
    Secret,
}

impl ConfigKind {
    /// The prefix Flagger writes in `status.trackedConfigs` keys (`configmap`, `secret`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::ConfigMap => "configmap",
            ConfigKind::Secret => "secret",
        }
    }
}

/// A tracked ConfigMap or Secret and its checksum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigRef {
    /// ConfigMap or Secret.
    pub kind: ConfigKind,
    /// Name of the object.
    pub name: String,
    /// Flagger's checksum: the first 8 bytes of the SHA-256 of the Go JSON encoding of
    /// `data`, in hex.
    pub checksum: String,
}

impl ConfigRef {
    /// The key Flagger uses in `status.trackedConfigs`: `configmap/<name>` or `secret/<name>`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.name)
    }
}

/// The names the pod spec references, with whether each is required (not `optional`).
/// A later reference overrides an earlier one's requiredness, as in Flagger.
fn referenced_names(pod_spec: &Value) -> (BTreeMap<String, bool>, BTreeMap<String, bool>) {
    let mut cms = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    let required = |v: &Value| !v.get("optional").and_then(Value::as_bool).unwrap_or(false);
    let name_of = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    for volume in pod_spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(cm) = volume.get("configMap") {
            cms.insert(name_of(cm, "name").unwrap_or_default(), required(cm));
        }
        if let Some(s) = volume.get("secret") {
            secrets.insert(name_of(s, "secretName").unwrap_or_default(), required(s));
        }
        let sources = volume
            .pointer("/projected/sources")
            .and_then(Value::as_array);
        for source in sources.into_iter().flatten() {
            if let Some(cm) = source.get("configMap") {
                cms.insert(name_of(cm, "name").unwrap_or_default(), required(cm));
            }
            if let Some(s) = source.get("secret") {
                secrets.insert(name_of(s, "name").unwrap_or_default(), required(s));
            }
        }
    }
    for list in ["containers", "initContainers"] {
        for c in pod_spec
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for env in c.get("env").and_then(Value::as_array).into_iter().flatten() {
                let Some(from) = env.get("valueFrom") else {
                    continue;
                };
                if let Some(r) = from.get("configMapKeyRef") {
                    cms.insert(name_of(r, "name").unwrap_or_default(), required(r));
                } else if let Some(r) = from.get("secretKeyRef") {
                    secrets.insert(name_of(r, "name").unwrap_or_default(), required(r));
                }
            }
            for env in c
                .get("envFrom")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = env.get("configMapRef") {
                    cms.insert(name_of(r, "name").unwrap_or_default(), required(r));
                } else if let Some(r) = env.get("secretRef") {
                    secrets.insert(name_of(r, "name").unwrap_or_default(), required(r));
                }
            }
        }
    }
    (cms, secrets)
}

fn tracking_disabled(obj: &Object) -> bool {
    obj.annotation(CONFIG_TRACKING_ANNOTATION)
        .is_some_and(|v| v.starts_with("disable"))
}

/// Secret types Flagger tracks; registry and service-account secrets are ignored.
fn secret_type_tracked(secret: &Object) -> bool {
    let t = secret
        .as_value()
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Opaque");
    matches!(
        t,
        "" | "Opaque" | "kubernetes.io/basic-auth" | "kubernetes.io/ssh-auth" | "kubernetes.io/tls"
    )
}

/// The ConfigMaps and Secrets of `pod_spec` Flagger tracks, found among `configmaps` and
/// `secrets` (objects of the canary's namespace), keyed by [`ConfigRef::key`].
///
/// Objects annotated `flagger.app/config-tracking: disabled` and Secrets of other types
/// than Opaque, basic-auth, ssh-auth and tls are skipped; a missing `optional` reference
/// is skipped; a missing required one is [`Error::MissingConfig`].
pub fn target_config_refs(
    namespace: &str,
    pod_spec: &Value,
    configmaps: &[Object],
    secrets: &[Object],
) -> Result<BTreeMap<String, ConfigRef>, Error> {
    let (cm_names, secret_names) = referenced_names(pod_spec);
    let mut out = BTreeMap::new();
    let lists = [
        (ConfigKind::ConfigMap, cm_names, configmaps),
        (ConfigKind::Secret, secret_names, secrets),
    ];
    for (kind, names, objects) in lists {
        for (name, required) in names {
            let found = objects.iter().find(|o| o.name() == name);
            let Some(obj) = found else {
                if required {
                    return Err(Error::MissingConfig {
                        kind: kind.as_str(),
                        namespace: namespace.to_string(),
                        name,
                    });
                }
                continue;
            };
            if tracking_disabled(obj) || (kind == ConfigKind::Secret && !secret_type_tracked(obj)) {
                continue;
            }
            let r = ConfigRef {
                kind,
                name: name.clone(),
                checksum: checksum(&config_data(obj, kind)),
            };
            out.insert(r.key(), r);
        }
    }
    Ok(out)
}

/// `status.trackedConfigs` for a pod spec: `configmap/<name>` / `secret/<name>` to
/// checksum, as Flagger computes them (see [`target_config_refs`]).
pub fn tracked_configs(
    namespace: &str,
    pod_spec: &Value,
    configmaps: &[Object],
    secrets: &[Object],
) -> Result<BTreeMap<String, String>, Error> {
    Ok(
        target_config_refs(namespace, pod_spec, configmaps, secrets)?
            .into_iter()
            .map(|(k, r)| (k, r.checksum))
            .collect(),
    )
}

/// `data` of a ConfigMap, or of a Secret with `stringData` merged in base64 as the API
/// server stores it. `None` when the object has no `data`.
fn config_data(obj: &Object, kind: ConfigKind) -> Option<BTreeMap<String, String>> {
    let data = obj.as_value().get("data").and_then(Value::as_object);
    let string_data = obj.as_value().get("stringData").and_then(Value::as_object);
    if data.is_none() && (kind == ConfigKind::ConfigMap || string_data.is_none()) {
        return None;
    }
    let mut out: BTreeMap<String, String> = data
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect();
    if kind == ConfigKind::Secret {
        for (k, v) in string_data.into_iter().flatten() {
            if let Some(s) = v.as_str() {
                out.insert(k.clone(), base64(s.as_bytes()));
            }
        }
    }
    Some(out)
}

/// Flagger's checksum: `sha256(json.Marshal(data))[:8]` in hex. Go marshals a map with
/// sorted keys and HTML-escaped strings; a nil map is `null`.
fn checksum(data: &Option<BTreeMap<String, String>>) -> String {
    let mut json = String::new();
    match data {
        None => json.push_str("null"),
        Some(map) => {
            json.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                go_json_string(&mut json, k);
                json.push(':');
                go_json_string(&mut json, v);
            }
            json.push('}');
        }
    }
    let digest = sha256(json.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A string as Go's `encoding/json` writes it (with its HTML escaping).
fn go_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
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

/// SHA-256 (FIPS 180-4), enough for checksums of config data.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ ((!e) & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Flagger's `ApplyPrimaryConfigs`: appends `-primary` to every reference to a tracked
/// config in volumes, projected volumes, and the `env` / `envFrom` of containers and
/// init containers.
pub fn apply_primary_configs(pod_spec: &mut Value, refs: &BTreeMap<String, ConfigRef>) {
    let rename = |v: &mut Value, key: &str, kind: ConfigKind| {
        if let Some(Value::String(name)) = v.get_mut(key) {
            if refs.contains_key(&format!("{}/{}", kind.as_str(), name)) {
                name.push_str("-primary");
            }
        }
    };
    if let Some(volumes) = pod_spec.get_mut("volumes").and_then(Value::as_array_mut) {
        for volume in volumes {
            if let Some(cm) = volume.get_mut("configMap") {
                rename(cm, "name", ConfigKind::ConfigMap);
            }
            if let Some(s) = volume.get_mut("secret") {
                rename(s, "secretName", ConfigKind::Secret);
            }
            if let Some(sources) = volume
                .pointer_mut("/projected/sources")
                .and_then(Value::as_array_mut)
            {
                for source in sources {
                    if let Some(cm) = source.get_mut("configMap") {
                        rename(cm, "name", ConfigKind::ConfigMap);
                    }
                    if let Some(s) = source.get_mut("secret") {
                        rename(s, "name", ConfigKind::Secret);
                    }
                }
            }
        }
    }
    for list in ["containers", "initContainers"] {
        let Some(containers) = pod_spec.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for c in containers {
            if let Some(envs) = c.get_mut("env").and_then(Value::as_array_mut) {
                for env in envs {
                    let Some(from) = env.get_mut("valueFrom") else {
                        continue;
                    };
                    if from.get("configMapKeyRef").is_some() {
                        if let Some(r) = from.get_mut("configMapKeyRef") {
                            rename(r, "name", ConfigKind::ConfigMap);
                        }
                    } else if let Some(r) = from.get_mut("secretKeyRef") {
                        rename(r, "name", ConfigKind::Secret);
                    }
                }
            }
            if let Some(envs) = c.get_mut("envFrom").and_then(Value::as_array_mut) {
                for env in envs {
                    if env.get("configMapRef").is_some() {
                        if let Some(r) = env.get_mut("configMapRef") {
                            rename(r, "name", ConfigKind::ConfigMap);
                        }
                    } else if let Some(r) = env.get_mut("secretRef") {
                        rename(r, "name", ConfigKind::Secret);
                    }
                }
            }
        }
    }
}

/// The `<name>-primary` copies Flagger creates of the tracked configs (Flagger's
/// `CreatePrimaryConfigs`): labels filtered by `-include-label-prefix`, the canary as
/// controller owner, `data` (and a Secret's `type`) copied; a ConfigMap's `binaryData`
/// and all annotations are not copied. Ordered ConfigMaps first, then Secrets, by name.
pub fn primary_configs(
    canary: &Canary,
    refs: &BTreeMap<String, ConfigRef>,
    configmaps: &[Object],
    secrets: &[Object],
    options: &Options,
) -> Vec<Object> {
    let namespace = canary.metadata.namespace.clone().unwrap_or_default();
    let mut out = Vec::new();
    for r in refs.values() {
        let (list, api_kind) = match r.kind {
            ConfigKind::ConfigMap => (configmaps, "ConfigMap"),
            ConfigKind::Secret => (secrets, "Secret"),
        };
        let Some(obj) = list.iter().find(|o| o.name() == r.name) else {
            continue;
        };
        let labels = include_by_prefix(
            &string_map(obj.as_value().pointer("/metadata/labels")),
            &options.include_label_prefix,
        );
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(format!("{}-primary", r.name)));
        metadata.insert("namespace".into(), json!(namespace));
        if !labels.is_empty() {
            metadata.insert("labels".into(), Value::Object(labels));
        }
        metadata.insert("ownerReferences".into(), json!([owner_reference(canary)]));
        let mut value = Map::new();
        value.insert("apiVersion".into(), json!("v1"));
        value.insert("kind".into(), json!(api_kind));
        value.insert("metadata".into(), Value::Object(metadata));
        if r.kind == ConfigKind::Secret {
            let t = obj
                .as_value()
                .get("type")
                .cloned()
                .unwrap_or(json!("Opaque"));
            value.insert("type".into(), t);
        }
        if let Some(data) = config_data(obj, r.kind) {
            let data: Map<String, Value> = data.into_iter().map(|(k, v)| (k, json!(v))).collect();
            value.insert("data".into(), Value::Object(data));
        }
        if let Ok(o) = Object::from_value(Value::Object(value)) {
            out.push(o);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_and_base64_known_answers() {
        let hex: String = sha256(b"abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"a"), "YQ==");
    }

    #[test]
    fn go_json_escapes_html() {
        let mut s = String::new();
        go_json_string(&mut s, "<a&b>\n");
        assert_eq!(s, r#""\u003ca\u0026b\u003e\n""#);
    }
}
