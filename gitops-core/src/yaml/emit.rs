//! go-yaml v2 compatible emitter (work in progress).

/// Prints `value` as one YAML document, as `sigs.k8s.io/yaml.Marshal` does.
pub fn to_string(value: &serde_json::Value) -> String {
    let _ = value;
    String::new()
}
