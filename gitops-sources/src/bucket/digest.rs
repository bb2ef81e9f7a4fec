//! The Bucket revision: source-controller's `index.Digester` over `key → etag`.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

/// `sha256:<hex>` over the lines `"<key> <etag>\n"` in byte-wise sorted key order (Go's
/// `sort.Strings`, which a `BTreeMap<String, _>` iterates in).
pub fn index_revision(index: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (key, etag) in index {
        h.update(key.as_bytes());
        h.update(b" ");
        h.update(etag.as_bytes());
        h.update(b"\n");
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_index_is_sha256_of_nothing() {
        assert_eq!(
            index_revision(&BTreeMap::new()),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn matches_the_text_form() {
        let mut i = BTreeMap::new();
        i.insert("b/x.yaml".to_string(), "e2".to_string());
        i.insert("a.yaml".to_string(), "e1".to_string());
        let text = "a.yaml e1\nb/x.yaml e2\n";
        assert_eq!(
            index_revision(&i),
            format!("sha256:{}", hex::encode(Sha256::digest(text)))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn insertion_order_does_not_matter(entries in proptest::collection::vec(("[a-z/._-]{1,12}", "[0-9a-f]{4}"), 0..20)) {
            let forward: BTreeMap<_, _> = entries.iter().cloned().collect();
            let backward: BTreeMap<_, _> = entries.iter().rev().cloned().collect();
            // The same key set with last-wins values on each side only when keys are unique.
            let unique = forward.len() == entries.len();
            prop_assume!(unique);
            prop_assert_eq!(index_revision(&forward), index_revision(&backward));
        }
    }
}
