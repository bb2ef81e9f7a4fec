#!/usr/bin/env python3
"""Generates gitops-devcluster/src/openapi/builtin.json: the OpenAPI v3 component schemas of
the built-in kinds the devcluster serves, plus its resource table, from the `_definitions.json`
shipped by the PyPI package kubernetes-validate (`pip install kubernetes-validate`).

The JSON-schema flavour of kubernetes-validate is turned back into OpenAPI 3.0 as the
kube-apiserver serves it: `type: [T, "null"]` becomes `type: T`, the `enum` pinned on
`apiVersion`/`kind` is dropped, `$ref`s point at `#/components/schemas/…` and a `$ref` with
sibling keywords becomes `allOf: [{$ref}]` (as in `api/openapi-spec/v3`). The Rust side
(`src/openapi/mod.rs`) builds the per-group-version documents (paths with the
`x-kubernetes-group-version-kind` extension and a `fieldValidation` parameter) at run time.

Usage: python3 gitops-devcluster/scripts/gen-openapi.py [--version v1.33.0] [--out PATH]
"""

import argparse
import json
import os

# (group, version) -> [(kind, plural, namespaced)]: what the devcluster serves.
RESOURCES = {
    ("", "v1"): [
        ("ConfigMap", "configmaps", True), ("Endpoints", "endpoints", True), ("Event", "events", True),
        ("LimitRange", "limitranges", True), ("Namespace", "namespaces", False), ("Node", "nodes", False),
        ("PersistentVolumeClaim", "persistentvolumeclaims", True),
        ("PersistentVolume", "persistentvolumes", False), ("Pod", "pods", True),
        ("PodTemplate", "podtemplates", True), ("ReplicationController", "replicationcontrollers", True),
        ("ResourceQuota", "resourcequotas", True), ("Secret", "secrets", True),
        ("ServiceAccount", "serviceaccounts", True), ("Service", "services", True),
    ],
    ("apps", "v1"): [
        ("ControllerRevision", "controllerrevisions", True), ("DaemonSet", "daemonsets", True),
        ("Deployment", "deployments", True), ("ReplicaSet", "replicasets", True),
        ("StatefulSet", "statefulsets", True),
    ],
    ("batch", "v1"): [("CronJob", "cronjobs", True), ("Job", "jobs", True)],
    ("autoscaling", "v1"): [("HorizontalPodAutoscaler", "horizontalpodautoscalers", True)],
    ("autoscaling", "v2"): [("HorizontalPodAutoscaler", "horizontalpodautoscalers", True)],
    ("policy", "v1"): [("PodDisruptionBudget", "poddisruptionbudgets", True)],
    ("networking.k8s.io", "v1"): [
        ("IngressClass", "ingressclasses", False), ("Ingress", "ingresses", True),
        ("NetworkPolicy", "networkpolicies", True),
    ],
    ("rbac.authorization.k8s.io", "v1"): [
        ("ClusterRoleBinding", "clusterrolebindings", False), ("ClusterRole", "clusterroles", False),
        ("RoleBinding", "rolebindings", True), ("Role", "roles", True),
    ],
    ("storage.k8s.io", "v1"): [
        ("CSIDriver", "csidrivers", False), ("CSINode", "csinodes", False),
        ("CSIStorageCapacity", "csistoragecapacities", True), ("StorageClass", "storageclasses", False),
        ("VolumeAttachment", "volumeattachments", False),
    ],
    ("coordination.k8s.io", "v1"): [("Lease", "leases", True)],
    ("events.k8s.io", "v1"): [("Event", "events", True)],
    ("discovery.k8s.io", "v1"): [("EndpointSlice", "endpointslices", True)],
    ("admissionregistration.k8s.io", "v1"): [
        ("MutatingWebhookConfiguration", "mutatingwebhookconfigurations", False),
        ("ValidatingAdmissionPolicy", "validatingadmissionpolicies", False),
        ("ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", False),
        ("ValidatingWebhookConfiguration", "validatingwebhookconfigurations", False),
    ],
    ("apiextensions.k8s.io", "v1"): [("CustomResourceDefinition", "customresourcedefinitions", False)],
    ("scheduling.k8s.io", "v1"): [("PriorityClass", "priorityclasses", False)],
}

# Definitions every document needs for its operations.
META_EXTRA = [
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
]


# (schema, property) -> default: list-map key fields with a `+default` in Kubernetes.
KEY_DEFAULTS = {
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): "TCP",
    ("io.k8s.api.core.v1.ServicePort", "protocol"): "TCP",
}


def load_definitions(version):
    import kubernetes_validate  # noqa: PLC0415 (optional dependency of this script only)

    base = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema")
    with open(os.path.join(base, f"{version}-local", "_definitions.json"), encoding="utf-8") as f:
        doc = json.load(f)
    return doc.get("$defs") or doc["definitions"]


def ref(name):
    return "#/components/schemas/" + name


def conv(s, top=False):
    if isinstance(s, list):
        return [conv(x) for x in s]
    if not isinstance(s, dict):
        return s
    out = {}
    for k, v in s.items():
        if k == "type" and isinstance(v, list):
            ts = [t for t in v if t != "null"]
            out[k] = ts[0] if len(ts) == 1 else ts
        elif k == "$ref":
            out[k] = ref(v.rsplit("/", 1)[-1])
        elif k == "properties":
            props = {}
            for pn, pv in v.items():
                pv = conv(pv)
                if top and pn in ("apiVersion", "kind"):
                    pv.pop("enum", None)
                props[pn] = pv
            out[k] = props
        elif k in ("x-kubernetes-group-version-kind", "required", "enum") or k.startswith("x-kubernetes-list"):
            out[k] = v
        else:
            out[k] = conv(v)
    if "$ref" in out and len(out) > 1:
        out["allOf"] = [{"$ref": out.pop("$ref")}]
    return out


def refs_of(s, acc):
    if isinstance(s, dict):
        for k, v in s.items():
            if k == "$ref" and isinstance(v, str):
                acc.add(v.rsplit("/", 1)[-1])
            else:
                refs_of(v, acc)
    elif isinstance(s, list):
        for x in s:
            refs_of(x, acc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="v1.33.0")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "src", "openapi", "builtin.json"))
    args = parser.parse_args()
    defs = load_definitions(args.version)

    by_gvk = {}
    for name, schema in defs.items():
        for g in schema.get("x-kubernetes-group-version-kind", []):
            if not name.startswith("io.k8s.apimachinery."):
                by_gvk[(g.get("group", ""), g["version"], g["kind"])] = name

    group_versions = []
    wanted = set(META_EXTRA)
    for (group, version), resources in sorted(RESOURCES.items()):
        rows = []
        for kind, plural, namespaced in resources:
            name = by_gvk[(group, version, kind)]
            list_name = by_gvk[(group, version, kind + "List")]
            wanted.update([name, list_name])
            rows.append({"kind": kind, "plural": plural, "namespaced": namespaced,
                         "schema": name, "listSchema": list_name})
        group_versions.append({"group": group, "version": version, "resources": rows})

    todo = list(wanted)
    while todo:
        acc = set()
        refs_of(defs[todo.pop()], acc)
        for r in acc - wanted:
            wanted.add(r)
            todo.append(r)

    schemas = {n: conv(defs[n], top=True) for n in sorted(wanted)}
    # kubernetes-validate drops `default`; the API server's own documents carry the
    # `+default` markers, and server-side apply needs the ones on list-map keys.
    for (name, field), value in KEY_DEFAULTS.items():
        schemas[name]["properties"][field]["default"] = value
    doc = {"source": f"kubernetes-validate {args.version} _definitions.json",
           "groupVersions": group_versions, "schemas": schemas}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"wrote {args.out}: {len(schemas)} schemas, {len(group_versions)} group-versions")


if __name__ == "__main__":
    main()
