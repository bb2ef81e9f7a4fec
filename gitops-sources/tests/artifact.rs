//! Artifact packing, ignore rules and unpacking against the real `tar` and real trees.

#[path = "artifact/ignore.rs"]
mod ignore;
#[path = "artifact/pack.rs"]
mod pack;
#[path = "artifact/props.rs"]
mod props;
#[path = "artifact/unpack.rs"]
mod unpack;

use std::fs;
use std::path::Path;
use std::process::Command;

use gitops_sources::artifact::{self, IgnoreRules};

/// Writes `files` (path, content) under `root`, creating parent directories.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let full = root.join(path);
        fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        fs::write(full, content).expect("write");
    }
}

/// Packs `root` with `rules` into memory.
pub fn pack_bytes(root: &Path, rules: &IgnoreRules) -> Vec<u8> {
    let mut out = Vec::new();
    artifact::pack(root, &mut out, rules).expect("pack");
    out
}

/// Entry names of a tar.gz as the real GNU `tar -tzf` lists them.
pub fn tar_names(archive: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a.tar.gz");
    fs::write(&file, archive).expect("write archive");
    let out = Command::new("tar")
        .arg("-tzf")
        .arg(&file)
        .output()
        .expect("GNU tar is needed: apt-get install -y tar gzip");
    assert!(
        out.status.success(),
        "tar -tzf failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}
