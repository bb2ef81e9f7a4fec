//! Custom OpenAPI documents (`openapi: {path: …}` / `openapi: {version: …}` in a
//! kustomization) and the build-wide schema state, as kyaml's global `openapi` package
//! keeps it.
//!
//! kustomize sets the schema from the top kustomization before building (replacing any
//! other); a kustomization below sets it only while nothing has set it yet. A custom
//! document replaces the built-in Kubernetes schema, unless the built-in one was already
//! loaded (by an earlier strategic merge) or its loading was deferred (an object of a kind
//! kyaml has no precomputed scope for was read earlier): then both are used, the one
//! loaded last winning for definitions both have. The `crds` field does not affect merges.
//!
//! The documents and the layered schema are [`gitops_core::merge`]'s; this module only
//! decides which layers a build's merges see.

use std::sync::Arc;

use gitops_core::Object;
use gitops_core::merge::{CustomDoc, Layer, Schema};

use super::Error;
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::Dir;

/// The only Kubernetes schema version kustomize v5.5 has built in (and its default).
pub const BUILTIN_VERSION: &str = "v1.21.2";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum BuiltinStatus {
    #[default]
    NotParsed,
    Delayed,
    Parsed,
}

/// The schema state of one build (kyaml's global openapi state).
#[derive(Debug)]
pub struct OpenApiState {
    /// `""` (unset), `custom`, or a built-in version.
    version: String,
    custom: Option<Arc<CustomDoc>>,
    init: bool,
    builtin: BuiltinStatus,
    schema: Schema,
}

impl Default for OpenApiState {
    fn default() -> Self {
        OpenApiState {
            version: String::new(),
            custom: None,
            init: false,
            builtin: BuiltinStatus::NotParsed,
            schema: Schema::new(Vec::new()),
        }
    }
}

impl OpenApiState {
    /// Applies a kustomization's `openapi` field; `top` for the kustomization being built
    /// (which replaces any schema set before), false for those below it.
    pub fn configure(&mut self, k: &Kustomization, dir: Dir<'_>, top: bool) -> Result<(), Error> {
        let field = k.openapi.as_ref();
        let path = field.and_then(|f| f.get("path"));
        let loaded = match path {
            Some(path) => Some(dir.read(path)?),
            None => None,
        };
        if (!self.version.is_empty() || self.custom.is_some()) && !top {
            return Ok(());
        }
        let version = field
            .and_then(|f| f.get("version"))
            .map(String::as_str)
            .unwrap_or("");
        let invalid = |message: &str| Error::Parse {
            source_name: dir.label(),
            message: message.to_string(),
        };
        if let Some((file, text)) = loaded {
            if field.is_some_and(|f| f.contains_key("version")) {
                return Err(invalid(
                    "builtin version and custom schema provided, cannot use both",
                ));
            }
            let doc = CustomDoc::parse(&text).map_err(|e| Error::Parse {
                source_name: file.clone(),
                message: e.to_string(),
            })?;
            self.custom = Some(Arc::new(doc));
            self.version = "custom".into();
            self.init = false;
            return Ok(());
        }
        self.version = version.to_string();
        if version.is_empty() {
            return Ok(());
        }
        if version != BUILTIN_VERSION {
            return Err(invalid("the specified OpenAPI version is not built in"));
        }
        self.custom = None;
        self.init = false;
        Ok(())
    }

    fn default_version(&self) -> bool {
        self.version.is_empty() || self.version == BUILTIN_VERSION
    }

    fn init_schema(&mut self) {
        if self.init {
            return;
        }
        self.init = true;
        match &self.custom {
            Some(doc) => self.schema.push(Layer::Custom(Arc::clone(doc))),
            None => {
                self.schema.push(Layer::Builtin);
                if self.default_version() {
                    self.builtin = BuiltinStatus::Parsed;
                }
            }
        }
        if self.builtin == BuiltinStatus::Delayed {
            self.schema.push(Layer::Builtin);
            self.builtin = BuiltinStatus::Parsed;
        }
    }

    /// Records that an object of this type was read (kyaml looks up its scope, which may
    /// load the schema or defer loading the built-in one).
    pub fn note_type(&mut self, api_version: &str, kind: &str) {
        if PRECOMPUTED
            .iter()
            .any(|(a, k)| *a == api_version && *k == kind)
            || self.init
        {
            return;
        }
        if self.custom.is_none() && self.default_version() {
            if self.builtin == BuiltinStatus::NotParsed {
                self.builtin = BuiltinStatus::Delayed;
            }
            return;
        }
        self.init_schema();
    }

    /// [`Self::note_type`] for an object.
    pub fn note_object(&mut self, object: &Object) {
        self.note_type(object.api_version(), object.kind());
    }

    /// The schema for a strategic merge (loading it when needed).
    pub fn schema(&mut self) -> &Schema {
        self.init_schema();
        &self.schema
    }
}

/// The types kyaml knows the scope of without loading a schema.
const PRECOMPUTED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("apps/v1", "ControllerRevision"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "StatefulSet"),
    ("autoscaling/v1", "HorizontalPodAutoscaler"),
    ("autoscaling/v1", "Scale"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
    ("batch/v1", "CronJob"),
    ("batch/v1", "Job"),
    ("batch/v1beta1", "CronJob"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("coordination.k8s.io/v1", "Lease"),
    ("coordination.k8s.io/v1beta1", "Lease"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"),
    ("events.k8s.io/v1", "Event"),
    ("events.k8s.io/v1beta1", "Event"),
    ("extensions/v1beta1", "Ingress"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("networking.k8s.io/v1beta1", "Ingress"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1", "PodDisruptionBudget"),
    ("policy/v1beta1", "PodDisruptionBudget"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "Role"),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "ConfigMap"),
    ("v1", "Endpoints"),
    ("v1", "Event"),
    ("v1", "LimitRange"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "Pod"),
    ("v1", "PodAttachOptions"),
    ("v1", "PodExecOptions"),
    ("v1", "PodPortForwardOptions"),
    ("v1", "PodProxyOptions"),
    ("v1", "PodTemplate"),
    ("v1", "ReplicationController"),
    ("v1", "ResourceQuota"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("v1", "ServiceProxyOptions"),
];

#[cfg(test)]
mod tests {
    use super::OpenApiState;
    use crate::kustomize::kustomization::Kustomization;
    use crate::kustomize::loader::Dir;
    use crate::kustomize::{MemFs, Options};

    const SCHEMA: &str = r#"{"definitions": {"com.example.v1.Foo": {"type": "object",
  "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Foo"}]}}}"#;

    fn kustomization(text: &str) -> Kustomization {
        Kustomization::parse(text, "kustomization.yaml").expect("kustomization")
    }

    /// kyaml's global schema state: who sets it, and which definitions a merge then sees.
    #[test]
    fn state_layers() {
        let mut fs = MemFs::new();
        fs.add("base/s.yaml", SCHEMA);
        let options = Options::default();
        let dir = Dir {
            fs: &fs,
            path: "base",
            options: &options,
        };
        let base = kustomization("openapi:\n  path: s.yaml\n");
        let pinned = kustomization("openapi:\n  version: v1.21.2\n");
        let custom = |st: &mut OpenApiState| st.schema().has_type("example.com/v1", "Foo");
        let builtin = |st: &mut OpenApiState| st.schema().has_type("apps/v1", "Deployment");

        // Set by a base before any merge: the custom schema alone.
        let mut st = OpenApiState::default();
        st.configure(&base, dir, false).expect("configure");
        assert!(custom(&mut st) && !builtin(&mut st));
        // A later kustomization below the top does not change it; the top does.
        st.configure(&pinned, dir, false).expect("configure");
        assert!(custom(&mut st));

        // The built-in schema was loaded by an earlier merge: both.
        let mut st = OpenApiState::default();
        assert!(builtin(&mut st) && !custom(&mut st));
        st.configure(&base, dir, false).expect("configure");
        assert!(custom(&mut st) && builtin(&mut st));

        // An object of a kind without a precomputed scope was read: built-in loading deferred.
        let mut st = OpenApiState::default();
        st.note_type("x.io/v1", "Bar");
        st.configure(&base, dir, false).expect("configure");
        assert!(custom(&mut st) && builtin(&mut st));

        // A Deployment has a precomputed scope: nothing deferred.
        let mut st = OpenApiState::default();
        st.note_type("apps/v1", "Deployment");
        st.configure(&base, dir, false).expect("configure");
        assert!(custom(&mut st) && !builtin(&mut st));

        // The top kustomization replaces a schema set before.
        let mut st = OpenApiState::default();
        st.configure(&base, dir, false).expect("configure");
        st.configure(&pinned, dir, true).expect("configure");
        assert!(builtin(&mut st));
    }
}
