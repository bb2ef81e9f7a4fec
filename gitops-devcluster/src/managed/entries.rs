//! `metadata.managedFields` entries ⇄ [`Managers`], as the API server's field manager
//! encodes them.
//!
//! A manager is identified by the JSON of its entry without time and fields:
//! `{"manager":"kubectl","operation":"Apply"}`, or with `apiVersion` for updates
//! (`{"manager":"kubectl-create","operation":"Update","apiVersion":"v1"}`) and
//! `subresource` when set. Entries are written sorted by operation (`Apply` first), time,
//! manager, apiVersion and subresource.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::ManagedError;
use super::fieldpath::{PathElement, Set};
use super::updater::{Managers, VersionedSet};

/// When each manager last changed the object (RFC 3339).
pub type Times = BTreeMap<String, String>;

/// The most `Update` entries an object keeps; older ones merge into `ancient-changes`.
pub const MAX_UPDATE_MANAGERS: usize = 10;

/// The manager identifier of an entry.
pub fn identifier(manager: &str, operation: &str, api_version: &str, subresource: &str) -> String {
    let mut m = Map::new();
    if !manager.is_empty() {
        m.insert("manager".into(), json!(manager));
    }
    if !operation.is_empty() {
        m.insert("operation".into(), json!(operation));
    }
    if operation != "Apply" && !api_version.is_empty() {
        m.insert("apiVersion".into(), json!(api_version));
    }
    if !subresource.is_empty() {
        m.insert("subresource".into(), json!(subresource));
    }
    Value::Object(m).to_string()
}

fn parse_identifier(id: &str) -> Map<String, Value> {
    match serde_json::from_str(id) {
        Ok(Value::Object(m)) => m,
        _ => {
            let mut m = Map::new();
            m.insert("manager".into(), json!(id));
            m
        }
    }
}

fn field<'a>(m: &'a Map<String, Value>, k: &str) -> &'a str {
    m.get(k).and_then(Value::as_str).unwrap_or("")
}

/// How conflict messages name a manager: `"kubectl"`, `"m" with subresource "status"`,
/// `"kubectl-client-side-apply" using apps/v1` for updaters.
pub fn describe(id: &str) -> String {
    let m = parse_identifier(id);
    let mut s = format!("{:?}", field(&m, "manager"));
    if !field(&m, "subresource").is_empty() {
        s = format!("{s} with subresource {:?}", field(&m, "subresource"));
    }
    if field(&m, "operation") == "Update" {
        s = format!("{s} using {}", field(&m, "apiVersion"));
    }
    s
}

/// Whether a request's `managedFields` asks for a reset (`[]` or `[{}]`).
pub fn is_reset(managed_fields: Option<&Value>) -> bool {
    match managed_fields {
        Some(Value::Array(a)) => {
            a.is_empty() || (a.len() == 1 && a[0].as_object().is_some_and(Map::is_empty))
        }
        _ => false,
    }
}

/// Reads an object's `metadata.managedFields`.
pub fn decode(obj: &Value) -> Result<(Managers, Times), ManagedError> {
    let mut managers = Managers::new();
    let mut times = Times::new();
    let Some(entries) = obj
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
    else {
        return Ok((managers, times));
    };
    for (i, e) in entries.iter().enumerate() {
        let m = e
            .as_object()
            .ok_or_else(|| ManagedError::FieldsV1(format!("managedFields[{i}]: not an object")))?;
        let op = field(m, "operation");
        if !matches!(op, "Apply" | "Update") {
            return Err(ManagedError::FieldsV1(format!(
                "managedFields[{i}]: operation {op:?} is not Apply or Update"
            )));
        }
        let fields_type = field(m, "fieldsType");
        if fields_type != "FieldsV1" {
            return Err(ManagedError::FieldsV1(format!(
                "managedFields[{i}]: fieldsType {fields_type:?} is not FieldsV1"
            )));
        }
        let set = match m.get("fieldsV1") {
            Some(v) => Set::from_fields_v1(v)?,
            None => Set::new(),
        };
        let id = identifier(
            field(m, "manager"),
            op,
            field(m, "apiVersion"),
            field(m, "subresource"),
        );
        if let Some(t) = m.get("time").and_then(Value::as_str) {
            times.insert(id.clone(), t.to_string());
        }
        let vs = VersionedSet {
            set,
            api_version: field(m, "apiVersion").to_string(),
            applied: op == "Apply",
        };
        match managers.get_mut(&id) {
            Some(prev) => prev.set.union_with(&vs.set),
            None => {
                managers.insert(id, vs);
            }
        }
    }
    Ok((managers, times))
}

/// The `managedFields` array of `managers`, sorted as the API server sorts it.
pub fn encode(managers: &Managers, times: &Times) -> Value {
    let mut entries: Vec<(String, String, String, String, String, Value)> = Vec::new();
    for (id, vs) in managers {
        let m = parse_identifier(id);
        let mut e = Map::new();
        e.insert("manager".into(), json!(field(&m, "manager")));
        e.insert("operation".into(), json!(field(&m, "operation")));
        e.insert("apiVersion".into(), json!(vs.api_version));
        if let Some(t) = times.get(id) {
            e.insert("time".into(), json!(t));
        }
        e.insert("fieldsType".into(), json!("FieldsV1"));
        e.insert("fieldsV1".into(), vs.set.to_fields_v1());
        if !field(&m, "subresource").is_empty() {
            e.insert("subresource".into(), json!(field(&m, "subresource")));
        }
        entries.push((
            field(&m, "operation").to_string(),
            times.get(id).cloned().unwrap_or_default(),
            field(&m, "manager").to_string(),
            vs.api_version.clone(),
            field(&m, "subresource").to_string(),
            Value::Object(e),
        ));
    }
    entries.sort_by(|a, b| (&a.0, &a.1, &a.2, &a.3, &a.4).cmp(&(&b.0, &b.1, &b.2, &b.3, &b.4)));
    Value::Array(entries.into_iter().map(|e| e.5).collect())
}

/// Removes the fields no manager owns: `apiVersion`, `kind`, and the system fields of
/// `metadata` (name, namespace, uid, resourceVersion, generation, creationTimestamp,
/// selfLink, managedFields).
pub fn strip_meta(mut set: Set) -> Set {
    for f in ["apiVersion", "kind", "metadata"] {
        set.members.remove(&PathElement::Field(f.into()));
    }
    if let Some(meta) = set.children.get_mut(&PathElement::Field("metadata".into())) {
        for f in [
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
        ] {
            meta.members.remove(&PathElement::Field(f.into()));
            meta.children.remove(&PathElement::Field(f.into()));
        }
    }
    set.normalized()
}

/// Keeps at most [`MAX_UPDATE_MANAGERS`] `Update` entries: the oldest merge into one
/// `ancient-changes` entry, as the API server does.
pub fn cap_updaters(managers: &mut Managers, times: &mut Times) {
    let mut updaters: Vec<(String, String)> = managers
        .iter()
        .filter(|(_, vs)| !vs.applied)
        .map(|(id, _)| (times.get(id).cloned().unwrap_or_default(), id.clone()))
        .collect();
    if updaters.len() <= MAX_UPDATE_MANAGERS {
        return;
    }
    updaters.sort();
    let excess = updaters.len() - MAX_UPDATE_MANAGERS + 1;
    let mut ancient: Option<VersionedSet> = None;
    let mut newest = String::new();
    for (time, id) in updaters.into_iter().take(excess) {
        if let Some(vs) = managers.remove(&id) {
            times.remove(&id);
            newest = newest.max(time);
            match &mut ancient {
                Some(a) => a.set.union_with(&vs.set),
                None => ancient = Some(vs),
            }
        }
    }
    if let Some(a) = ancient {
        let id = identifier("ancient-changes", "Update", &a.api_version, "");
        let a = match managers.remove(&id) {
            Some(mut prev) => {
                prev.set.union_with(&a.set);
                prev
            }
            None => a,
        };
        times.insert(id.clone(), newest);
        managers.insert(id, a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_descriptions() {
        let a = identifier("kubectl", "Apply", "v1", "");
        assert_eq!(a, r#"{"manager":"kubectl","operation":"Apply"}"#);
        assert_eq!(describe(&a), "\"kubectl\"");
        let u = identifier("kubectl-client-side-apply", "Update", "apps/v1", "");
        assert_eq!(describe(&u), "\"kubectl-client-side-apply\" using apps/v1");
        let s = identifier("ctrl", "Update", "v1", "status");
        assert_eq!(
            describe(&s),
            "\"ctrl\" with subresource \"status\" using v1"
        );
    }

    #[test]
    fn decode_encode_round_trip_sorted() {
        let obj = json!({"metadata": {"managedFields": [
            {"manager": "z", "operation": "Update", "apiVersion": "v1", "time": "2026-01-01T00:00:00Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}},
            {"manager": "a", "operation": "Apply", "apiVersion": "v1", "time": "2026-01-02T00:00:00Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:b": {}}}}]}});
        let (m, t) = decode(&obj).expect("decodes");
        assert_eq!(m.len(), 2);
        let enc = encode(&m, &t);
        assert_eq!(enc[0]["manager"], "a");
        assert_eq!(enc[1]["fieldsV1"], json!({"f:data": {"f:a": {}}}));
        assert!(is_reset(Some(&json!([]))) && is_reset(Some(&json!([{}]))) && !is_reset(None));
        let bad = json!({"metadata": {"managedFields": [{"manager": "x", "operation": "Nope", "fieldsType": "FieldsV1"}]}});
        assert!(decode(&bad).is_err());
    }

    #[test]
    fn caps_update_managers() {
        let mut m = Managers::new();
        let mut t = Times::new();
        for i in 0..12 {
            let id = identifier(&format!("m{i:02}"), "Update", "v1", "");
            let mut set = Set::new();
            set.insert(&[PathElement::Field(format!("f{i}"))]);
            m.insert(
                id.clone(),
                VersionedSet {
                    set,
                    api_version: "v1".into(),
                    applied: false,
                },
            );
            t.insert(id, format!("2026-01-01T00:00:{i:02}Z"));
        }
        cap_updaters(&mut m, &mut t);
        assert_eq!(m.len(), 10);
        let ancient = &m[&identifier("ancient-changes", "Update", "v1", "")];
        assert_eq!(ancient.set.paths().len(), 3);
    }
}
