//! API group module (types arrive in this module).

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

/// The CustomResourceDefinitions of this module's kinds.
pub fn crds() -> Vec<CustomResourceDefinition> {
    Vec::new()
}
