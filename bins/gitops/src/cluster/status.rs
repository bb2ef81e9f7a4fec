//! Reading Flux objects' status the way the flux CLI does: the `Ready` condition,
//! kstatus' `Compute` for Flux kinds, `isObjectReady`, and `TruncateHex`.

use serde_json::Value;

use super::{int_at, str_at};

/// kstatus' verdict on an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kstatus {
    /// Reconciled and ready.
    Current,
    /// Still working; the message says on what.
    InProgress(String),
    /// Stalled: will not make progress (the condition's message).
    Failed(String),
    /// Being deleted.
    Terminating,
}

/// The conditions of `obj` (`status.conditions`).
pub fn conditions(obj: &Value) -> &[Value] {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The condition of `type_` (exact match, as `apimeta.FindStatusCondition`).
pub fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    conditions(obj)
        .iter()
        .find(|c| c["type"].as_str() == Some(type_))
}

/// flux's `statusAndMessage`: the Ready condition's status and message, or
/// `False`/`waiting to be reconciled`.
pub fn status_and_message(obj: &Value) -> (String, String) {
    match condition(obj, "Ready") {
        Some(c) => (
            str_at(c, "/status").to_string(),
            str_at(c, "/message").to_string(),
        ),
        None => ("False".to_string(), "waiting to be reconciled".to_string()),
    }
}

/// flux's `statusMatches`: the last condition whose type equals `type_` ignoring case has
/// a status equal to `status` ignoring case.
pub fn status_matches(obj: &Value, type_: &str, status: &str) -> bool {
    conditions(obj)
        .iter()
        .rev()
        .find(|c| str_at(c, "/type").eq_ignore_ascii_case(type_))
        .is_some_and(|c| str_at(c, "/status").eq_ignore_ascii_case(status))
}

/// kstatus `Compute` for objects with standard conditions (Flux kinds).
pub fn compute(obj: &Value) -> Kstatus {
    if !str_at(obj, "/metadata/deletionTimestamp").is_empty() {
        return Kstatus::Terminating;
    }
    let generation = obj.pointer("/metadata/generation").and_then(Value::as_i64);
    let observed = obj
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64);
    if let (Some(g), Some(o)) = (generation, observed)
        && g != o
    {
        let kind = str_at(obj, "/kind");
        return Kstatus::InProgress(format!(
            "{kind} generation is {g}, but latest observed generation is {o}"
        ));
    }
    for c in conditions(obj) {
        let (t, s) = (str_at(c, "/type"), str_at(c, "/status"));
        if t == "Reconciling" && s == "True" {
            return Kstatus::InProgress(str_at(c, "/message").to_string());
        }
        if t == "Stalled" && s == "True" {
            return Kstatus::Failed(str_at(c, "/message").to_string());
        }
    }
    match condition(obj, "Ready") {
        Some(c) if str_at(c, "/status") == "True" => Kstatus::Current,
        Some(c) if matches!(str_at(c, "/status"), "False" | "Unknown") => {
            Kstatus::InProgress(str_at(c, "/message").to_string())
        }
        _ => Kstatus::Current,
    }
}

/// Maps a kstatus verdict to flux's poll result: `Current` is done, in progress waits,
/// anything else fails with its message.
pub fn poll_result(result: Kstatus) -> Result<bool, String> {
    match result {
        Kstatus::Current => Ok(true),
        Kstatus::InProgress(_) => Ok(false),
        Kstatus::Failed(m) => Err(m),
        Kstatus::Terminating => Err("Resource scheduled for deletion".to_string()),
    }
}

/// flux's `isObjectReady` for an object with dynamic status: reconciled at least once,
/// a Ready condition for the latest generation, and kstatus `Current`.
pub fn is_object_ready(obj: &Value) -> Result<bool, String> {
    let observed = int_at(obj, "/status/observedGeneration");
    if observed < 1 {
        return Ok(false);
    }
    let generation = int_at(obj, "/metadata/generation");
    let Some(ready) = condition(obj, "Ready") else {
        return Ok(false);
    };
    let cond_generation = int_at(ready, "/observedGeneration");
    if cond_generation != 0 && cond_generation != generation {
        return Ok(false);
    }
    if cond_generation == 0 && observed != generation {
        return Ok(false);
    }
    poll_result(compute(obj))
}

/// flux's `TruncateHex`: every 40 to 128 character lower-case hex word shortened to 8.
pub fn truncate_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let is_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    let mut i = 0;
    while i < chars.len() {
        let boundary_before = i == 0 || !is_word(chars[i - 1]);
        if boundary_before && is_hex(chars[i]) {
            let mut j = i;
            while j < chars.len() && is_hex(chars[j]) {
                j += 1;
            }
            let boundary_after = j == chars.len() || !is_word(chars[j]);
            let len = j - i;
            if boundary_after && (40..=128).contains(&len) {
                out.extend(&chars[i..i + 8]);
                i = j;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn truncates_hex_like_flux() {
        let sha = "696f056df216eea4f9401adbee0ff744d4df390f";
        assert_eq!(
            truncate_hex(&format!("main@sha1:{sha}")),
            "main@sha1:696f056d"
        );
        assert_eq!(
            truncate_hex(&format!("Applied revision: main@sha1:{sha}")),
            "Applied revision: main@sha1:696f056d"
        );
        assert_eq!(truncate_hex("abc123"), "abc123");
        assert_eq!(truncate_hex(&format!("x{sha}")), format!("x{sha}"));
    }

    #[test]
    fn readiness_needs_the_latest_generation() {
        let mut obj = json!({"metadata": {"generation": 2}, "status": {"observedGeneration": 1,
            "conditions": [{"type": "Ready", "status": "True", "message": "ok"}]}});
        assert_eq!(is_object_ready(&obj), Ok(false));
        obj["status"]["observedGeneration"] = json!(2);
        assert_eq!(is_object_ready(&obj), Ok(true));
        obj["status"]["conditions"] = json!([{"type": "Stalled", "status": "True", "message": "bad"},
            {"type": "Ready", "status": "False", "message": "bad"}]);
        assert_eq!(is_object_ready(&obj), Err("bad".to_string()));
        assert_eq!(
            status_and_message(&json!({})),
            ("False".into(), "waiting to be reconciled".into())
        );
        assert!(status_matches(&obj, "ready", "false"));
    }
}
