//! The `images` transformer: kustomize's image-name parsing and matching, applied to every
//! `containers`/`initContainers` list (except in CRDs) and to the `images` field specs.

use std::cell::RefCell;
use std::collections::HashMap;

use regex_lite::Regex;
use serde_json::Value;

use super::{Error, apply_specs, edit};
use crate::kustomize::accumulate::Accumulator;
use crate::kustomize::fieldspec::FieldSpec;
use crate::kustomize::kustomization::Image;

/// Whether the image reference `s` is the image `name` with an optional tag and digest
/// (kustomize's pattern; `name` is used as a regular expression, as kustomize does).
pub fn is_image_matched(s: &str, name: &str) -> bool {
    thread_local! {
        /// Compiled patterns by image name (`None`: the name is not a valid expression).
        static PATTERNS: RefCell<HashMap<String, Option<Regex>>> = RefCell::new(HashMap::new());
    }
    PATTERNS.with_borrow_mut(|patterns| {
        patterns
            .entry(name.to_string())
            .or_insert_with(|| {
                let pattern = format!("^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{{}}-]*)?$");
                Regex::new(&pattern).ok()
            })
            .as_ref()
            .is_some_and(|re| re.is_match(s))
    })
}

/// Splits an image reference into name, tag and digest; a `:` before the first `/` is a
/// registry port, not a tag.
pub fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (c, Some(d)) if c.is_none_or(|c| d < c) => (
            image[..d].to_string(),
            String::new(),
            image[d + 1..].to_string(),
        ),
        (Some(c), Some(d)) => (
            image[..c].to_string(),
            image[c + 1..d].to_string(),
            image[d + 1..].to_string(),
        ),
        (Some(c), None) => (
            image[..c].to_string(),
            image[c + 1..].to_string(),
            String::new(),
        ),
        (None, Some(_)) => (image.to_string(), String::new(), String::new()),
    }
}

/// The new reference for `value`, if `image` applies to it.
fn updated(value: &str, image: &Image) -> Option<String> {
    if !is_image_matched(value, &image.name) {
        return None;
    }
    let (mut name, mut tag, mut digest) = split_image(value);
    if let Some(n) = image.new_name.as_deref().filter(|n| !n.is_empty()) {
        name = n.to_string();
    }
    let new_tag = image.new_tag.as_deref().unwrap_or("");
    let new_digest = image.digest.as_deref().unwrap_or("");
    let suffix = image.tag_suffix.as_deref().unwrap_or("");
    if !new_tag.is_empty() {
        tag = new_tag.to_string();
        digest = new_digest.to_string();
    } else if !new_digest.is_empty() {
        tag.clear();
        digest = new_digest.to_string();
    } else if !suffix.is_empty() {
        tag.push_str(suffix);
        digest.clear();
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    Some(name)
}

fn update_node(node: &mut Value, image: &Image) -> Result<(), String> {
    match node {
        Value::String(s) => {
            if let Some(new) = updated(s, image) {
                *s = new;
            }
            Ok(())
        }
        Value::Null => Ok(()),
        _ => Err("expected a scalar image reference".into()),
    }
}

/// Every `containers`/`initContainers` sequence anywhere in the object.
fn legacy_walk(node: &mut Value, image: &Image) {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                legacy_walk(value, image);
                if key == "containers" || key == "initContainers" {
                    if let Value::Array(items) = value {
                        for item in items {
                            if let Some(v) = item.get_mut("image") {
                                let _ = update_node(v, image);
                            }
                        }
                    }
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| legacy_walk(i, image)),
        _ => {}
    }
}

/// Applies one `images` entry to every resource.
pub(super) fn apply(
    acc: &mut Accumulator,
    image: &Image,
    specs: &[FieldSpec],
) -> Result<(), Error> {
    let specs: Vec<FieldSpec> = specs
        .iter()
        .map(|s| FieldSpec {
            create: false,
            ..s.clone()
        })
        .collect();
    for r in acc.resmap.resources_mut() {
        if r.object.kind() == "CustomResourceDefinition" {
            continue;
        }
        edit(&mut r.object, |v| legacy_walk(v, image));
        apply_specs(r, &specs, None, &mut |node| update_node(node, image))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_registries_ports_and_digests() {
        assert_eq!(split_image("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(
            split_image("reg:5000/app:1.0"),
            ("reg:5000/app".into(), "1.0".into(), "".into())
        );
        assert_eq!(
            split_image("app@sha256:abc"),
            ("app".into(), "".into(), "sha256:abc".into())
        );
        assert_eq!(
            split_image("r:1/app:t@sha256:abc"),
            ("r:1/app".into(), "t".into(), "sha256:abc".into())
        );
        assert!(is_image_matched("nginx:1.2", "nginx"));
        assert!(!is_image_matched("nginx-x:1.2", "nginx"));
    }
}
