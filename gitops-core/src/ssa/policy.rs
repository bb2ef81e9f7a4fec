//! Owner labels, per-object annotations and the apply/delete options kustomize-controller
//! passes to Flux's resource manager (`internal/controller/kustomization_controller.go`).
//!
//! | annotation or label (`<group>/…`) | value (any case) | effect |
//! |---|---|---|
//! | `reconcile` | `disabled` | never applied, never pruned |
//! | `ssa` | `Ignore` | never applied, never pruned |
//! | `ssa` | `IfNotPresent` | created when missing, otherwise left alone |
//! | `ssa` | `Merge` | applied, but other managers' fields are kept (no cleanup) |
//! | `force` | `Enabled` | recreated on immutable-field errors |
//! | `prune` | `disabled` | never pruned |

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::cleanup::CleanupOptions;
use super::ignore::IgnoreRules;
use super::order::GroupKind;
use crate::Object;

/// The default owner label prefix and annotation group.
pub const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
/// kustomize-controller's field manager.
pub const KUSTOMIZE_FIELD_MANAGER: &str = "kustomize-controller";

/// Who applies: the server-side apply field manager and the owner label prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Field manager of the apply requests (`kustomize-controller`).
    pub field_manager: String,
    /// Prefix of the owner labels and per-object annotations
    /// (`kustomize.toolkit.fluxcd.io`).
    pub group: String,
}

impl Owner {
    /// An owner from its parts.
    pub fn new(field_manager: impl Into<String>, group: impl Into<String>) -> Self {
        Owner {
            field_manager: field_manager.into(),
            group: group.into(),
        }
    }

    /// kustomize-controller's owner.
    pub fn kustomize_controller() -> Self {
        Owner::new(KUSTOMIZE_FIELD_MANAGER, KUSTOMIZE_GROUP)
    }

    /// The owner labels `<group>/name` and `<group>/namespace`.
    pub fn labels(&self, name: &str, namespace: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            (format!("{}/name", self.group), name.to_string()),
            (format!("{}/namespace", self.group), namespace.to_string()),
        ])
    }

    /// Sets the owner labels on every object (Flux's `SetOwnerLabels`).
    pub fn set_labels(&self, objects: &mut [Object], name: &str, namespace: &str) {
        let labels = self.labels(name, namespace);
        for o in objects {
            for (k, v) in &labels {
                o.set_label(k, v);
            }
        }
    }

    /// `<group>/<key>`.
    pub fn key(&self, key: &str) -> String {
        format!("{}/{key}", self.group)
    }
}

/// Key/value pairs matched against labels and annotations: an object matches when any
/// pair is present with a non-empty value equal ignoring case (Flux's `AnyInMetadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector(pub Vec<(String, String)>);

impl Selector {
    /// A selector from pairs.
    pub fn new<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Selector(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// Whether any pair is in the object's labels or annotations.
    pub fn matches(&self, object: &Value) -> bool {
        let meta = object.get("metadata");
        let get = |field: &str, key: &str| {
            meta.and_then(|m| m.get(field))
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        self.0.iter().any(|(k, v)| {
            let l = get("labels", k);
            let a = get("annotations", k);
            (!l.is_empty() && l.eq_ignore_ascii_case(v))
                || (!a.is_empty() && a.eq_ignore_ascii_case(v))
        })
    }
}

/// How to apply (Flux's `ApplyOptions` as kustomize-controller fills them).
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Recreate objects whose change hits an immutable field (`spec.force`).
    pub force: bool,
    /// Objects matching it are recreated on immutable-field errors (`<group>/force: Enabled`).
    pub force_selector: Selector,
    /// Objects matching it are skipped (`<group>/reconcile: disabled`, `<group>/ssa: Ignore`).
    pub exclusion_selector: Selector,
    /// Objects matching it are skipped when they exist (`<group>/ssa: IfNotPresent`).
    pub if_not_present_selector: Selector,
    /// Kinds applied in their own stage after the class stage.
    pub custom_stage_kinds: std::collections::BTreeSet<GroupKind>,
    /// Metadata cleaned from live objects before applying.
    pub cleanup: CleanupOptions,
    /// How often to poll definitions and classes for readiness.
    pub wait_interval: Duration,
    /// How long to wait for definitions and classes to become ready.
    pub wait_timeout: Duration,
    /// Drift-ignore rules (`spec.ignore`).
    pub drift_ignore_rules: IgnoreRules,
}

impl ApplyOptions {
    /// kustomize-controller's options for `owner` (no force, waits polled every 2s for
    /// up to 60s as Flux's defaults).
    pub fn flux(owner: &Owner) -> Self {
        ApplyOptions {
            force: false,
            force_selector: Selector::new([(owner.key("force"), "Enabled")]),
            exclusion_selector: Selector::new([
                (owner.key("reconcile"), "disabled"),
                (owner.key("ssa"), "Ignore"),
            ]),
            if_not_present_selector: Selector::new([(owner.key("ssa"), "IfNotPresent")]),
            custom_stage_kinds: Default::default(),
            cleanup: CleanupOptions::flux(owner),
            wait_interval: Duration::from_secs(2),
            wait_timeout: Duration::from_secs(60),
            drift_ignore_rules: IgnoreRules::default(),
        }
    }

    /// Whether the object is skipped: excluded (desired or live), or `IfNotPresent` and live.
    pub fn skips(&self, desired: &Value, live: Option<&Value>) -> bool {
        if self.exclusion_selector.matches(desired)
            || live.is_some_and(|l| self.exclusion_selector.matches(l))
        {
            return true;
        }
        live.is_some() && self.if_not_present_selector.matches(desired)
    }

    /// Whether an immutable-field error may be resolved by recreating the object.
    pub fn recreates(&self, desired: &Value, live: Option<&Value>) -> bool {
        self.force
            || self.force_selector.matches(desired)
            || live.is_some_and(|l| self.force_selector.matches(l))
    }
}

/// How to prune (Flux's `DeleteOptions` as kustomize-controller fills them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteOptions {
    /// Labels the live object must all carry (the owner labels).
    pub inclusions: BTreeMap<String, String>,
    /// Objects matching it are skipped (`prune: disabled`, `reconcile: disabled`, `ssa: Ignore`).
    pub exclusions: Selector,
    /// Propagation policy of the delete requests (`Background`).
    pub propagation_policy: String,
}

impl DeleteOptions {
    /// kustomize-controller's prune options for the Kustomization `name`/`namespace`.
    pub fn flux(owner: &Owner, name: &str, namespace: &str) -> Self {
        DeleteOptions {
            inclusions: owner.labels(name, namespace),
            exclusions: Selector::new([
                (owner.key("prune"), "disabled"),
                (owner.key("reconcile"), "disabled"),
                (owner.key("ssa"), "Ignore"),
            ]),
            propagation_policy: "Background".into(),
        }
    }

    /// Whether a live object may be deleted: it carries every inclusion label and matches
    /// no exclusion.
    pub fn may_delete(&self, live: &Value) -> bool {
        let labels = live.pointer("/metadata/labels");
        let owned = self.inclusions.iter().all(|(k, v)| {
            labels.and_then(|l| l.get(k)).and_then(Value::as_str) == Some(v.as_str())
        });
        owned && !self.exclusions.matches(live)
    }
}

/// Flux's `IsImmutableError`: a Conflict (409) or Invalid (422) status, or a message
/// saying a field is immutable (`is immutable`, `immutable field`: admission webhooks and
/// CEL `self == oldSelf` rules). Such a dry-run failure on an existing object recreates it
/// when forced.
pub fn is_immutable_error(code: u16, reason: &str, message: &str) -> bool {
    if code == 409 || code == 422 || reason == "Conflict" || reason == "Invalid" {
        return true;
    }
    static IMMUTABLE: std::sync::LazyLock<Option<regex_lite::Regex>> =
        std::sync::LazyLock::new(|| regex_lite::Regex::new(r"is\simmutable|immutable\sfield").ok());
    IMMUTABLE.as_ref().is_some_and(|re| re.is_match(message))
}
