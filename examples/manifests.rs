//! Reads a multi-document manifest, prints each object's id and the stream as
//! `kubectl kustomize` would print it.
//!
//! ```text
//! cargo run -p gitops-examples --example manifests [FILE]
//! ```

use anyhow::Context;
use gitops_core::ResourceSet;

const SAMPLE: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: v1
kind: ConfigMap
metadata:
  namespace: demo
  name: settings
data:
  mode: 0755      # an octal number to go-yaml v3: printed as 493
  enabled: 'yes'  # a string that must stay quoted
";

fn main() -> anyhow::Result<()> {
    let (text, file) = match std::env::args().nth(1) {
        Some(path) => (
            std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?,
            path,
        ),
        None => (SAMPLE.to_string(), "sample.yaml".to_string()),
    };
    let set = ResourceSet::from_yaml_str(&text, &file)?;
    for object in &set {
        eprintln!("{}", object.id());
    }
    print!("{}", set.to_yaml());
    Ok(())
}
