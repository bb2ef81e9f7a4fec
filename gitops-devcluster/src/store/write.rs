//! Create, update, delete and deletecollection with the API server's bookkeeping.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::meta::{
    generate_name, get_str, has_finalizers, metadata_mut, rfc3339, set_str, uuid_v4,
};
use super::{GenerationPolicy, ListParams, ObjKey, ResourceType, Store, StoreError};
use crate::status::{FieldError, GroupResource, OPTIMISTIC_LOCK_MSG};
use crate::watch::EventType;

/// Options of create and update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// `dryRun=All`: run every check, store nothing, emit no event.
    pub dry_run: bool,
    /// Never bump `metadata.generation` (status-subresource writes).
    pub keep_generation: bool,
}

/// Options of delete (the `DeleteOptions` body merged with query parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `Orphan` (adds finalizer `orphan`), `Foreground` (adds `foregroundDeletion`),
    /// `Background` or `None` (adds nothing). The garbage collector must remove the
    /// added finalizers; the store only records them.
    pub propagation_policy: Option<String>,
    /// `preconditions.uid`.
    pub precondition_uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub precondition_resource_version: Option<String>,
}

/// What a delete did.
#[derive(Debug, Clone, PartialEq)]
pub enum DeleteOutcome {
    /// The object is gone; this is its final state (answer with a Success Status).
    Deleted(Value),
    /// Finalizers remain: the object now carries `deletionTimestamp` (answer 200 with it).
    Pending(Value),
}

impl DeleteOutcome {
    /// The object either way.
    pub fn object(&self) -> &Value {
        match self {
            Self::Deleted(o) | Self::Pending(o) => o,
        }
    }
}

const NS_MISMATCH: &str =
    "the namespace of the provided object does not match the namespace sent on the request";

fn generation_changed(policy: GenerationPolicy, old: &Value, new: &Value) -> bool {
    let spec = || old.get("spec") != new.get("spec");
    match policy {
        GenerationPolicy::None => false,
        GenerationPolicy::Spec => spec(),
        GenerationPolicy::SpecOrAnnotations => {
            spec() || old.pointer("/metadata/annotations") != new.pointer("/metadata/annotations")
        }
        GenerationPolicy::NonMetadata => {
            let strip = |v: &Value| -> Map<String, Value> {
                v.as_object()
                    .map(|m| {
                        m.iter()
                            .filter(|(k, _)| *k != "metadata")
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            strip(old) != strip(new)
        }
    }
}

impl Store {
    fn key_for(rt: &ResourceType, namespace: &str, name: &str) -> ObjKey {
        (
            if rt.namespaced {
                namespace.to_string()
            } else {
                String::new()
            },
            name.to_string(),
        )
    }

    /// Checks the request namespace against the body and scope, and fixes `metadata.namespace`.
    fn place(rt: &ResourceType, namespace: &str, obj: &mut Value) -> Result<(), StoreError> {
        if !obj.is_object() {
            return Err(StoreError::BadRequest(format!(
                "the body of the request must be a {} object",
                rt.kind
            )));
        }
        let meta = metadata_mut(obj);
        if rt.namespaced {
            if namespace.is_empty() {
                return Err(StoreError::BadRequest(
                    "the server could not find the requested resource".into(),
                ));
            }
            let body_ns = meta.get("namespace").and_then(Value::as_str).unwrap_or("");
            if !body_ns.is_empty() && body_ns != namespace {
                return Err(StoreError::BadRequest(NS_MISMATCH.into()));
            }
            meta.insert("namespace".into(), json!(namespace));
        } else {
            meta.remove("namespace");
        }
        Ok(())
    }

    fn check_namespace(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        if !self.opts.require_namespaces || !rt.namespaced {
            return Ok(());
        }
        let ns_type = ResourceType::cluster("", "v1", "namespaces", "Namespace");
        match self.current(&ns_type, "", namespace) {
            None => Err(StoreError::NotFound {
                gr: GroupResource::new("", "namespaces"),
                name: namespace.into(),
            }),
            Some(ns) if !get_str(ns, "deletionTimestamp").is_empty() => {
                Err(StoreError::Forbidden {
                    gr: rt.group_resource(),
                    name: name.into(),
                    cause: format!(
                        "unable to create new content in namespace {namespace} because it is being terminated"
                    ),
                })
            }
            Some(_) => Ok(()),
        }
    }

    /// POST: creates an object in `namespace` (ignored for cluster-scoped types). Sets
    /// uid, creationTimestamp, resourceVersion and generation; honours `generateName`.
    /// Dry-run results carry no resourceVersion.
    pub fn create(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        mut obj: Value,
        opts: &WriteOptions,
    ) -> Result<Value, StoreError> {
        Self::place(rt, namespace, &mut obj)?;
        if !get_str(&obj, "resourceVersion").is_empty() {
            return Err(StoreError::Internal(
                "resourceVersion should not be set on objects to be created".into(),
            ));
        }
        let mut name = get_str(&obj, "name").to_string();
        let prefix = get_str(&obj, "generateName").to_string();
        if name.is_empty() && prefix.is_empty() {
            return Err(StoreError::Invalid {
                group: rt.group.clone(),
                kind: rt.kind.clone(),
                name: String::new(),
                errors: vec![FieldError::required(
                    "metadata.name",
                    "name or generateName is required",
                )],
            });
        }
        if name.is_empty() {
            for _ in 0..8 {
                name = generate_name(&prefix, &mut self.rng);
                if self.current(rt, namespace, &name).is_none() {
                    break;
                }
            }
            set_str(&mut obj, "name", &name);
        }
        if self.current(rt, namespace, &name).is_some() {
            return Err(StoreError::AlreadyExists {
                gr: rt.group_resource(),
                name,
            });
        }
        self.check_namespace(rt, namespace, &name)?;
        let now = rfc3339((self.opts.clock)());
        let pending = self
            .pending_uid
            .take()
            .filter(|u| u == get_str(&obj, "uid"));
        let uid = pending.unwrap_or_else(|| uuid_v4(&mut self.rng));
        let meta = metadata_mut(&mut obj);
        for f in [
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
            "resourceVersion",
        ] {
            meta.remove(f);
        }
        meta.insert("uid".into(), json!(uid));
        meta.insert("creationTimestamp".into(), json!(now));
        if rt.generation == GenerationPolicy::None {
            meta.remove("generation");
        } else {
            meta.insert("generation".into(), json!(1));
        }
        if opts.dry_run {
            return Ok(obj);
        }
        let key = Self::key_for(rt, namespace, &name);
        Ok((*self.commit(rt, key, obj, EventType::Added)?).clone())
    }

    /// Gives `obj` the uid the next [`Store::create`] of it will keep (creates otherwise
    /// always assign a fresh uid), for defaults that embed it (a Job's selector).
    pub fn assign_uid(&mut self, obj: &mut Value) {
        let uid = uuid_v4(&mut self.rng);
        metadata_mut(obj).insert("uid".into(), json!(uid));
        self.pending_uid = Some(uid);
    }

    /// PUT: replaces an object. A non-empty `metadata.resourceVersion` must equal the live
    /// one (else 409 Conflict); empty = unconditional. Server-owned metadata (uid,
    /// creationTimestamp, deletion fields, generation) is kept; generation is bumped per the
    /// type's policy. A no-op write returns the live object unchanged (same RV, no event).
    /// Removing the last finalizer of an object being deleted deletes it. Returns the
    /// object and whether it was created (AllowCreateOnUpdate types only).
    pub fn update(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        mut obj: Value,
        opts: &WriteOptions,
    ) -> Result<(Value, bool), StoreError> {
        Self::place(rt, namespace, &mut obj)?;
        let body_name = get_str(&obj, "name").to_string();
        if !body_name.is_empty() && body_name != name {
            return Err(StoreError::BadRequest(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        set_str(&mut obj, "name", name);
        let Some(old) = self.current(rt, namespace, name).cloned() else {
            if rt.allow_create_on_update {
                metadata_mut(&mut obj).remove("resourceVersion");
                return self.create(rt, namespace, obj, opts).map(|o| (o, true));
            }
            return Err(StoreError::NotFound {
                gr: rt.group_resource(),
                name: name.into(),
            });
        };
        let live_rv = get_str(&old, "resourceVersion").to_string();
        let body_rv = get_str(&obj, "resourceVersion");
        if !body_rv.is_empty() && body_rv != live_rv {
            return Err(StoreError::Conflict {
                gr: rt.group_resource(),
                name: name.into(),
                cause: OPTIMISTIC_LOCK_MSG.into(),
            });
        }
        let (body_uid, live_uid) = (get_str(&obj, "uid"), get_str(&old, "uid"));
        if !body_uid.is_empty() && body_uid != live_uid {
            return Err(StoreError::Conflict {
                gr: rt.group_resource(),
                name: name.into(),
                cause: format!(
                    "Precondition failed: UID in precondition: {body_uid}, UID in object meta: {live_uid}"
                ),
            });
        }
        let bump = !opts.keep_generation && generation_changed(rt.generation, &old, &obj);
        let old_meta = old
            .get("metadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let meta = metadata_mut(&mut obj);
        for f in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
        ] {
            match old_meta.get(f) {
                Some(v) => meta.insert(f.into(), v.clone()),
                None => meta.remove(f),
            };
        }
        meta.remove("selfLink");
        meta.insert("resourceVersion".into(), json!(live_rv));
        if bump {
            let g = old_meta
                .get("generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            meta.insert("generation".into(), json!(g + 1));
        }
        if obj == *old || opts.dry_run {
            return Ok((obj, false));
        }
        let key = Self::key_for(rt, namespace, name);
        let finishing = !get_str(&obj, "deletionTimestamp").is_empty() && !has_finalizers(&obj);
        let event = if finishing {
            EventType::Deleted
        } else {
            EventType::Modified
        };
        Ok(((*self.commit(rt, key, obj, event)?).clone(), false))
    }

    /// DELETE: checks preconditions; with finalizers (existing or added by the propagation
    /// policy) marks the object (`deletionTimestamp`, `deletionGracePeriodSeconds: 0`,
    /// generation + 1) and returns [`DeleteOutcome::Pending`]; otherwise removes it.
    pub fn delete(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<DeleteOutcome, StoreError> {
        let Some(old) = self.current(rt, namespace, name).cloned() else {
            return Err(StoreError::NotFound {
                gr: rt.group_resource(),
                name: name.into(),
            });
        };
        let kind_gr = GroupResource::new(&rt.group, &rt.kind);
        if let Some(uid) = &opts.precondition_uid {
            let live = get_str(&old, "uid");
            if uid != live {
                return Err(StoreError::Conflict {
                    gr: kind_gr,
                    name: name.into(),
                    cause: format!(
                        "the UID in the precondition ({uid}) does not match the UID in record ({live}). The object might have been deleted and then recreated"
                    ),
                });
            }
        }
        if let Some(rv) = &opts.precondition_resource_version {
            let live = get_str(&old, "resourceVersion");
            if rv != live {
                return Err(StoreError::Conflict {
                    gr: kind_gr,
                    name: name.into(),
                    cause: format!(
                        "the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({live}). The object might have been modified"
                    ),
                });
            }
        }
        let added = match opts.propagation_policy.as_deref() {
            None | Some("Background") => None,
            Some("Orphan") => Some("orphan"),
            Some("Foreground") => Some("foregroundDeletion"),
            Some(other) => {
                return Err(StoreError::Invalid {
                    group: "meta.k8s.io".into(),
                    kind: "DeleteOptions".into(),
                    name: String::new(),
                    errors: vec![FieldError {
                        kind: crate::status::FieldErrorType::NotSupported,
                        field: "propagationPolicy".into(),
                        bad_value: Some(crate::status::go_quote(other)),
                        detail: "supported values: \"Foreground\", \"Background\", \"Orphan\""
                            .into(),
                    }],
                });
            }
        };
        if !get_str(&old, "deletionTimestamp").is_empty() {
            return Ok(DeleteOutcome::Pending((*old).clone()));
        }
        let mut obj = (*old).clone();
        if let Some(f) = added {
            let meta = metadata_mut(&mut obj);
            let list = meta.entry("finalizers").or_insert_with(|| json!([]));
            if let Value::Array(items) = list
                && !items.iter().any(|i| i == f)
            {
                items.push(json!(f));
            }
        }
        let key = Self::key_for(rt, namespace, name);
        if has_finalizers(&obj) {
            let now = rfc3339((self.opts.clock)());
            let meta = metadata_mut(&mut obj);
            meta.insert("deletionTimestamp".into(), json!(now));
            meta.insert("deletionGracePeriodSeconds".into(), json!(0));
            if let Some(g) = meta.get("generation").and_then(Value::as_i64) {
                meta.insert("generation".into(), json!(g + 1));
            }
            if opts.dry_run {
                return Ok(DeleteOutcome::Pending(obj));
            }
            return Ok(DeleteOutcome::Pending(
                (*self.commit(rt, key, obj, EventType::Modified)?).clone(),
            ));
        }
        if opts.dry_run {
            return Ok(DeleteOutcome::Deleted(obj));
        }
        let fin: Arc<Value> = self.commit(rt, key, obj, EventType::Deleted)?;
        Ok(DeleteOutcome::Deleted((*fin).clone()))
    }

    /// DELETE on a collection: deletes every current object matching the namespace and
    /// selectors of `params` (its paging fields are ignored); returns each outcome.
    pub fn delete_collection(
        &mut self,
        rt: &ResourceType,
        params: &ListParams,
        opts: &DeleteOptions,
    ) -> Result<Vec<DeleteOutcome>, StoreError> {
        let all = ListParams {
            limit: 0,
            continue_token: None,
            resource_version: None,
            resource_version_match: None,
            ..params.clone()
        };
        let items = self.list(rt, &all)?.items;
        let opts = DeleteOptions {
            precondition_uid: None,
            precondition_resource_version: None,
            ..opts.clone()
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let (ns, name) = (
                get_str(&item, "namespace").to_string(),
                get_str(&item, "name").to_string(),
            );
            out.push(self.delete(rt, &ns, &name, &opts)?);
        }
        Ok(out)
    }
}
