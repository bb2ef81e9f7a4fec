//! Criterion benchmarks of the render, plan and canary hot paths (see `benches/`), and the
//! input generators they share.

use std::path::PathBuf;

/// The release `gitops` binary the whole-process benches run: `$GITOPS_BIN`, else the
/// shipped build (`scripts/build-release.sh`, in `<target>/<host triple>/release/`) beside
/// the running bench, else `cargo build --release -p gitops`'s `<target>/release/gitops`.
pub fn gitops_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GITOPS_BIN") {
        return Some(PathBuf::from(path));
    }
    // <target>/release/deps/<bench>-HASH
    let exe = std::env::current_exe().ok()?;
    let release = exe.parent()?.parent()?;
    let target = release.parent()?;
    let shipped = std::fs::read_dir(target)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("release").join("gitops"))
        .find(|path| path.is_file());
    shipped.or_else(|| Some(release.join("gitops")).filter(|p| p.is_file()))
}

/// A multi-document stream of `objects` Deployments, Services and ConfigMaps in rotation,
/// shaped like real application manifests (labels, selectors, containers, env, probes).
pub fn synthetic_stream(objects: usize) -> String {
    let mut out = String::new();
    for i in 0..objects {
        if i > 0 {
            out.push_str("---\n");
        }
        let app = format!("app-{:04}", i / 3);
        match i % 3 {
            0 => out.push_str(&format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  namespace: team-{ns}\n  labels:\n    app.kubernetes.io/name: {app}\n    app.kubernetes.io/part-of: bench\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {app}\n      annotations:\n        prometheus.io/scrape: \"true\"\n    spec:\n      containers:\n      - name: main\n        image: ghcr.io/example/{app}:1.2.{i}\n        args: [\"--port=8080\", \"--log-level=info\"]\n        ports:\n        - containerPort: 8080\n          name: http\n        env:\n        - name: FEATURE_FLAG\n          value: \"yes\"\n        - name: GREETING\n          value: a fairly long sentence that the emitter will have to fold because it runs past eighty columns\n        readinessProbe:\n          httpGet:\n            path: /readyz\n            port: 8080\n        resources:\n          limits:\n            cpu: 500m\n            memory: 128Mi\n",
                ns = i % 17
            )),
            1 => out.push_str(&format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {app}\n  namespace: team-{ns}\nspec:\n  selector:\n    app.kubernetes.io/name: {app}\n  ports:\n  - name: http\n    port: 80\n    targetPort: http\n",
                ns = i % 17
            )),
            _ => out.push_str(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {app}-config\n  namespace: team-{ns}\ndata:\n  mode: \"0755\"\n  config.yaml: |\n    server:\n      port: 8080\n    replicas: {i}\n",
                ns = i % 17
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn synthetic_stream_is_valid() {
        let set =
            gitops_core::ResourceSet::from_yaml_str(&super::synthetic_stream(30), "synthetic.yaml")
                .expect("valid stream");
        assert_eq!(set.len(), 30);
    }
}
