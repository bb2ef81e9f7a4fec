//! Config tracking: which ConfigMaps and Secrets the target's pod template uses, their
//! checksums (`status.trackedConfigs`), the `-primary` copies Flagger creates and the
//! renaming of the references in the primary's pod template (Flagger's
//! `pkg/canary/config_tracker.go`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use gitops_core::api::flagger::Canary;
use gitops_core::object::Object;
use gitops_gotmpl::gojson;
use sha2::{Digest, Sha256};

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
                out.insert(k.clone(), BASE64.encode(s.as_bytes()));
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
                gojson::write_string(&mut json, k, true);
                json.push(':');
                gojson::write_string(&mut json, v, true);
            }
            json.push('}');
        }
    }
    let digest = Sha256::digest(json.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Flagger's `ApplyPrimaryConfigs`: appends `-primary` to every reference to a tracked
/// config in volumes, projected volumes, and the `env` / `envFrom` of containers and
/// init containers.
pub fn apply_primary_configs(pod_spec: &mut Value, refs: &BTreeMap<String, ConfigRef>) {
    let rename = |v: &mut Value, key: &str, kind: ConfigKind| {
        if let Some(Value::String(name)) = v.get_mut(key)
            && refs.contains_key(&format!("{}/{}", kind.as_str(), name))
        {
            name.push_str("-primary");
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
    fn checksums_are_sha256_of_go_json() {
        let map = |k: &str, v: &str| Some(BTreeMap::from([(k.to_string(), v.to_string())]));
        // `printf '{"a":"b"}' | sha256sum | cut -c1-16`
        assert_eq!(checksum(&map("a", "b")), "db4a7ecb114bc66c");
        // Go's encoding/json escapes <, > and & in strings.
        assert_eq!(checksum(&map("k", "<&")), "73b54b22982e1c87");
        assert_eq!(checksum(&None), "74234e98afe7498f");
    }
}
