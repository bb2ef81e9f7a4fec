//! Property tests: random trees survive pack → unpack; random archives never panic.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use gitops_sources::artifact::{self, IgnoreRules, Limits};
use proptest::prelude::*;

/// A file system entry as the artifact sees it: a directory, or contents + executable bit.
#[derive(Debug, PartialEq, Eq)]
enum Node {
    Dir,
    File(Vec<u8>, bool),
}

fn snapshot(root: &Path) -> BTreeMap<String, Node> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Node>) {
        for entry in fs::read_dir(dir).expect("ls") {
            let entry = entry.expect("entry");
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let meta = entry.metadata().expect("meta");
            if meta.is_dir() {
                out.insert(name.clone(), Node::Dir);
                walk(&entry.path(), &format!("{name}/"), out);
            } else {
                let exec = meta.permissions().mode() & 0o100 != 0;
                out.insert(
                    name,
                    Node::File(fs::read(entry.path()).expect("read"), exec),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, "", &mut out);
    out
}

fn tree_strategy() -> impl Strategy<Value = Vec<(Vec<String>, Vec<u8>, bool)>> {
    let segment = "[a-zA-Z0-9_.-]{1,12}".prop_filter("not . or ..", |s| s != "." && s != "..");
    let path = prop::collection::vec(segment, 1..4);
    prop::collection::vec(
        (
            path,
            prop::collection::vec(any::<u8>(), 0..2000),
            any::<bool>(),
        ),
        0..20,
    )
}

fn build(root: &Path, files: &[(Vec<String>, Vec<u8>, bool)]) {
    for (parts, content, exec) in files {
        let mut path = root.to_path_buf();
        let mut clash = false;
        for (i, part) in parts.iter().enumerate() {
            path.push(part);
            let last = i == parts.len() - 1;
            match fs::symlink_metadata(&path) {
                Ok(m) if m.is_file() => clash = true,
                Ok(_) if last => clash = true,
                Ok(_) => {}
                Err(_) if !last => fs::create_dir(&path).expect("mkdir"),
                Err(_) => {}
            }
            if clash {
                break;
            }
        }
        if clash {
            continue;
        }
        fs::write(&path, content).expect("write");
        let mode = if *exec { 0o755 } else { 0o644 };
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn pack_unpack_round_trips(files in tree_strategy()) {
        let src = tempfile::tempdir().expect("tempdir");
        build(src.path(), &files);
        let mut archive = Vec::new();
        artifact::pack(src.path(), &mut archive, &IgnoreRules::none()).expect("pack");
        let mut again = Vec::new();
        artifact::pack(src.path(), &mut again, &IgnoreRules::none()).expect("pack");
        prop_assert_eq!(&archive, &again);

        let out = tempfile::tempdir().expect("tempdir");
        let target = out.path().join("tree");
        artifact::unpack(&archive[..], &target, &Limits::default()).expect("unpack");
        prop_assert_eq!(snapshot(src.path()), snapshot(&target));

        let tree = artifact::unpack_to_memory(&archive[..], &Limits::default()).expect("unpack to memory");
        let on_disk: BTreeMap<String, Node> = snapshot(&target)
            .into_iter()
            .map(|(k, v)| (k, match v { Node::File(data, _) => Node::File(data, false), d => d }))
            .collect();
        let in_memory: BTreeMap<String, Node> = tree
            .dirs
            .iter()
            .map(|d| (d.clone(), Node::Dir))
            .chain(tree.files.iter().map(|(k, v)| (k.clone(), Node::File(v.clone(), false))))
            .collect();
        prop_assert_eq!(on_disk, in_memory);
    }

    #[test]
    fn random_headers_never_panic(
        entries in prop::collection::vec(
            (prop::collection::vec(any::<u8>(), 0..120), any::<u8>(), 0u64..3000, prop::collection::vec(any::<u8>(), 0..600), any::<u32>()),
            0..6,
        ),
        tail in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        for (name, kind, size, data, mode) in &entries {
            let mut header = tar::Header::new_ustar();
            let n = name.len().min(100);
            header.as_old_mut().name[..n].copy_from_slice(&name[..n]);
            header.set_entry_type(tar::EntryType::new(*kind));
            header.set_size(*size);
            header.set_mode(*mode);
            header.set_cksum();
            gz.write_all(header.as_bytes()).expect("write");
            gz.write_all(data).expect("write");
        }
        gz.write_all(&tail).expect("write");
        let archive = gz.finish().expect("gzip");
        let out = tempfile::tempdir().expect("tempdir");
        let target = out.path().join("tree");
        let limits = Limits { max_size: 1 << 20, max_entries: 100, skip_symlinks: false };
        let result = artifact::unpack(&archive[..], &target, &limits);
        if result.is_err() {
            prop_assert!(fs::read_dir(out.path()).expect("ls").next().is_none());
        } else {
            prop_assert!(target.is_dir());
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let out = tempfile::tempdir().expect("tempdir");
        let _ = artifact::unpack(&bytes[..], &out.path().join("t"), &Limits::default());
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&bytes).expect("write");
        let wrapped = gz.finish().expect("gzip");
        let _ = artifact::unpack(&wrapped[..], &out.path().join("u"), &Limits::default());
    }
}
