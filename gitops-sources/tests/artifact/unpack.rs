//! Unpacking refuses hostile archives, enforces limits and is atomic.

use std::fs;
use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use gitops_sources::artifact::{self, Error, IgnoreRules, Limits};

use super::{pack_bytes, write_tree};

/// One raw entry: name bytes written as-is (no validation), type, link target, data.
struct Raw<'a> {
    name: &'a str,
    kind: tar::EntryType,
    link: &'a str,
    data: &'a [u8],
}

fn raw(name: &str, kind: tar::EntryType) -> Raw<'_> {
    Raw {
        name,
        kind,
        link: "",
        data: b"",
    }
}

fn craft(entries: &[Raw<'_>]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    for e in entries {
        let mut header = tar::Header::new_ustar();
        let old = header.as_old_mut();
        old.name[..e.name.len()].copy_from_slice(e.name.as_bytes());
        old.linkname[..e.link.len()].copy_from_slice(e.link.as_bytes());
        header.set_entry_type(e.kind);
        header.set_mode(0o644);
        header.set_size(e.data.len() as u64);
        header.set_cksum();
        gz.write_all(header.as_bytes()).expect("write");
        gz.write_all(e.data).expect("write");
        let pad = (512 - e.data.len() % 512) % 512;
        gz.write_all(&vec![0u8; pad]).expect("write");
    }
    gz.write_all(&[0u8; 1024]).expect("write");
    gz.finish().expect("gzip")
}

/// Unpacks `archive` into a fresh target and checks that nothing is left behind on error.
fn refuse(archive: &[u8], limits: &Limits) -> Error {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("out");
    let err = artifact::unpack(archive, &target, limits).expect_err("must be refused");
    let left: Vec<_> = fs::read_dir(dir.path()).expect("ls").collect();
    assert!(left.is_empty(), "nothing may be left behind: {left:?}");
    let in_memory = artifact::unpack_to_memory(archive, limits).expect_err("refused in memory too");
    assert_eq!(
        in_memory.to_string(),
        err.to_string(),
        "both targets refuse alike"
    );
    err
}

#[test]
fn refuses_parent_and_absolute_paths() {
    let ok = raw("ok.yaml", tar::EntryType::Regular);
    for name in ["../evil", "a/../../evil", "a/..", "/etc/evil", "a\\..\\b"] {
        let err = refuse(
            &craft(&[ok.clone_ref(), raw(name, tar::EntryType::Regular)]),
            &Limits::default(),
        );
        assert!(
            matches!(&err, Error::InvalidEntryName { entry, .. } if entry == name),
            "{name}: {err}"
        );
        assert!(
            err.to_string().contains(&format!("{name:?}")),
            "error names the entry: {err}"
        );
    }
}

#[test]
fn refuses_symlinks_and_hard_links() {
    let link = Raw {
        name: "link",
        kind: tar::EntryType::Symlink,
        link: "/etc/passwd",
        data: b"",
    };
    let err = refuse(&craft(&[link]), &Limits::default());
    assert!(
        matches!(&err, Error::UnsupportedEntry { entry, kind } if entry == "link" && kind == "symlink"),
        "{err}"
    );

    let hard = Raw {
        name: "hard",
        kind: tar::EntryType::Link,
        link: "../../etc/passwd",
        data: b"",
    };
    let err = refuse(
        &craft(&[hard]),
        &Limits {
            skip_symlinks: true,
            ..Limits::default()
        },
    );
    assert!(
        matches!(&err, Error::UnsupportedEntry { entry, kind } if entry == "hard" && kind == "hard link"),
        "{err}"
    );

    for kind in [
        tar::EntryType::Fifo,
        tar::EntryType::Char,
        tar::EntryType::Block,
    ] {
        let err = refuse(&craft(&[raw("dev", kind)]), &Limits::default());
        assert!(
            matches!(&err, Error::UnsupportedEntry { entry, .. } if entry == "dev"),
            "{err}"
        );
    }
}

#[test]
fn skip_symlinks_drops_them_like_flux() {
    let archive = craft(&[
        Raw {
            name: "link",
            kind: tar::EntryType::Symlink,
            link: "/etc",
            data: b"",
        },
        Raw {
            name: "a.yaml",
            kind: tar::EntryType::Regular,
            link: "",
            data: b"a: 1\n",
        },
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("out");
    artifact::unpack(
        &archive[..],
        &target,
        &Limits {
            skip_symlinks: true,
            ..Limits::default()
        },
    )
    .expect("unpack");
    assert!(fs::symlink_metadata(target.join("link")).is_err());
    assert_eq!(
        fs::read_to_string(target.join("a.yaml")).expect("read"),
        "a: 1\n"
    );
}

#[test]
fn enforces_size_and_entry_limits() {
    let data = vec![b'x'; 600];
    let archive = craft(&[
        Raw {
            name: "small",
            kind: tar::EntryType::Regular,
            link: "",
            data: &data[..100],
        },
        Raw {
            name: "big",
            kind: tar::EntryType::Regular,
            link: "",
            data: &data,
        },
    ]);
    let err = refuse(
        &archive,
        &Limits {
            max_size: 500,
            ..Limits::default()
        },
    );
    assert!(
        matches!(&err, Error::TooLarge { entry, limit: 500 } if entry == "big"),
        "{err}"
    );

    let many: Vec<String> = (0..5).map(|i| format!("f{i}")).collect();
    let entries: Vec<Raw<'_>> = many
        .iter()
        .map(|n| raw(n, tar::EntryType::Regular))
        .collect();
    let err = refuse(
        &craft(&entries),
        &Limits {
            max_entries: 4,
            ..Limits::default()
        },
    );
    assert!(
        matches!(&err, Error::TooManyEntries { entry, limit: 4 } if entry == "f4"),
        "{err}"
    );
}

#[test]
fn caps_metadata_entries_too() {
    // A PAX header carries no file data but must not be buffered without bound: the
    // decompressed stream is capped at 2 * max_size + 64 MiB.
    let limits = Limits {
        max_size: 1024,
        ..Limits::default()
    };
    let huge = vec![0u8; 70 << 20];
    let archive = craft(&[Raw {
        name: "PaxHeaders/y",
        kind: tar::EntryType::XHeader,
        link: "",
        data: &huge,
    }]);
    let err = refuse(&archive, &limits);
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
}

#[test]
fn refuses_garbage_and_truncated_archives() {
    let err = refuse(b"not gzip at all", &Limits::default());
    assert!(matches!(err, Error::Read { .. }), "{err}");

    let src = tempfile::tempdir().expect("tempdir");
    write_tree(src.path(), &[("a.txt", &"a".repeat(5000)), ("b.txt", "b")]);
    let archive = pack_bytes(src.path(), &IgnoreRules::none());
    let err = refuse(&archive[..archive.len() / 2], &Limits::default());
    assert!(matches!(err, Error::Read { .. }), "{err}");
}

#[test]
fn target_must_be_missing_or_empty() {
    let src = tempfile::tempdir().expect("tempdir");
    write_tree(src.path(), &[("a.txt", "a")]);
    let archive = pack_bytes(src.path(), &IgnoreRules::none());
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("out");
    fs::create_dir(&target).expect("mkdir");
    artifact::unpack(&archive[..], &target, &Limits::default()).expect("empty dir is fine");
    assert_eq!(fs::read_to_string(target.join("a.txt")).expect("read"), "a");
    let err = artifact::unpack(&archive[..], &target, &Limits::default()).expect_err("not empty");
    assert!(matches!(err, Error::TargetNotEmpty { .. }), "{err}");
}

#[test]
fn unpacks_archives_made_by_real_tar() {
    let src = tempfile::tempdir().expect("tempdir");
    write_tree(
        src.path(),
        &[
            ("deploy/app.yaml", "kind: Deployment\n"),
            ("x/y/z.txt", "z\n"),
        ],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("real.tar.gz");
    let status = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&file)
        .arg("-C")
        .arg(src.path())
        .arg(".")
        .status()
        .expect("GNU tar is needed: apt-get install -y tar gzip");
    assert!(status.success());
    let target = dir.path().join("out");
    artifact::unpack(
        fs::File::open(&file).expect("open"),
        &target,
        &Limits::default(),
    )
    .expect("unpack");
    assert_eq!(
        fs::read_to_string(target.join("x/y/z.txt")).expect("read"),
        "z\n"
    );
}

impl Raw<'_> {
    fn clone_ref(&self) -> Raw<'_> {
        Raw {
            name: self.name,
            kind: self.kind,
            link: self.link,
            data: self.data,
        }
    }
}

#[test]
fn unpacks_git_archive_output_with_its_pax_global_header() {
    let repo = tempfile::tempdir().expect("tempdir");
    write_tree(repo.path(), &[("deploy/app.yaml", "kind: Deployment\n")]);
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(repo.path())
            .output()
            .expect("git is needed: apt-get install -y git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "init"]);
    let archive = git(&["archive", "--format=tar.gz", "HEAD"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("out");
    artifact::unpack(&archive[..], &target, &Limits::default()).expect("unpack");
    assert_eq!(
        fs::read_to_string(target.join("deploy/app.yaml")).expect("read"),
        "kind: Deployment\n"
    );
    assert!(!target.join("pax_global_header").exists());
}
