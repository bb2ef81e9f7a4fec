//! Discovery documents built from the [`Registry`](crate::registry::Registry): `/version`,
//! legacy `/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>` and aggregated discovery v2
//! (facts §1, #5: the aggregated form is recognised by the response Content-Type only).

use serde_json::{Value, json};

use crate::registry::{Registry, ResourceInfo};

/// The Content-Type of an aggregated discovery reply.
pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether an `Accept` header asks for aggregated discovery v2.
pub fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let p: Vec<&str> = part.split(';').map(str::trim).collect();
        p.contains(&"g=apidiscovery.k8s.io")
            && p.contains(&"v=v2")
            && p.contains(&"as=APIGroupDiscoveryList")
    })
}

/// `/version` (minor "32", facts #10).
pub fn version() -> Value {
    json!({"major": "1", "minor": "32", "gitVersion": "v1.32.4", "gitCommit": "gitops-devcluster",
        "gitTreeState": "clean", "buildDate": "2025-04-22T00:00:00Z", "goVersion": "go1.23.6",
        "compiler": "gc", "platform": "linux/amd64"})
}

/// Legacy `/api`.
pub fn core_versions() -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]})
}

fn group_json(name: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    json!({"name": name, "versions": vs, "preferredVersion": vs.first().cloned().unwrap_or(Value::Null)})
}

/// Legacy `/apis`.
pub fn group_list(reg: &Registry) -> Value {
    let groups: Vec<Value> = reg
        .groups()
        .iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| group_json(g, vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// Legacy `/apis/<group>`; `None` if the group is not served.
pub fn group(reg: &Registry, name: &str) -> Option<Value> {
    let groups = reg.groups();
    let (_, vs) = groups.iter().find(|(g, _)| g == name && !g.is_empty())?;
    let mut g = group_json(name, vs);
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    Some(g)
}

fn subresource_kind(r: &ResourceInfo, sub: &str) -> (String, String, String) {
    if sub == "scale" {
        ("autoscaling".into(), "v1".into(), "Scale".into())
    } else {
        (r.group.clone(), r.version.clone(), r.kind.clone())
    }
}

/// Legacy `/api/v1` or `/apis/<g>/<v>`; `None` if the group-version is not served.
pub fn resource_list(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let entries = reg.group_version(group, version);
    if entries.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for r in entries {
        let mut v = json!({"name": r.resource, "singularName": r.singular, "namespaced": r.namespaced,
            "kind": r.kind, "verbs": r.verbs});
        if !r.short_names.is_empty() {
            v["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            v["categories"] = json!(r.categories);
        }
        resources.push(v);
        for sub in &r.subresources {
            let (g, ver, k) = subresource_kind(r, sub);
            let mut s = json!({"name": format!("{}/{}", r.resource, sub), "singularName": "", "namespaced": r.namespaced,
                "kind": k, "verbs": ["get", "patch", "update"]});
            if sub == "scale" {
                s["group"] = json!(g);
                s["version"] = json!(ver);
            }
            resources.push(s);
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    )
}

fn aggregated_resource(r: &ResourceInfo) -> Value {
    let subs: Vec<Value> = r
        .subresources
        .iter()
        .map(|sub| {
            let (g, v, k) = subresource_kind(r, sub);
            json!({"subresource": sub, "responseKind": {"group": g, "version": v, "kind": k},
                "verbs": ["get", "patch", "update"]})
        })
        .collect();
    let mut v = json!({"resource": r.resource,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular, "verbs": r.verbs});
    if !r.short_names.is_empty() {
        v["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        v["categories"] = json!(r.categories);
    }
    if !subs.is_empty() {
        v["subresources"] = json!(subs);
    }
    v
}

/// Aggregated discovery v2: `/api` (`core = true`, one item named "") or `/apis`.
pub fn aggregated(reg: &Registry, core: bool) -> Value {
    let items: Vec<Value> = reg
        .groups()
        .iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(g, vs)| {
            let versions: Vec<Value> = vs
                .iter()
                .map(|v| {
                    let resources: Vec<Value> = reg
                        .group_version(g, v)
                        .into_iter()
                        .map(aggregated_resource)
                        .collect();
                    json!({"version": v, "freshness": "Current", "resources": resources})
                })
                .collect();
            json!({"metadata": {"name": g, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_detection_and_shapes() {
        assert!(wants_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        ));
        assert!(!wants_aggregated("application/json"));
        let reg = Registry::builtin();
        let core = aggregated(&reg, true);
        assert_eq!(core["items"][0]["metadata"]["name"], "");
        let apps = resource_list(&reg, "apps", "v1").expect("apps/v1");
        assert!(
            apps["resources"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x["name"] == "deployments/scale"))
        );
        assert!(group(&reg, "apps").is_some());
        assert!(resource_list(&reg, "nope", "v1").is_none());
    }
}
