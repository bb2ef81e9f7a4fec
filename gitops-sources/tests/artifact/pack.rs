//! Packing: determinism and Flux's normalisation, read back with the real `tar`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, SystemTime};

use gitops_sources::artifact::{self, Error, IgnoreRules, Limits};

use super::{pack_bytes, tar_names, write_tree};

fn sample(root: &std::path::Path) {
    write_tree(
        root,
        &[
            ("deploy/app.yaml", "kind: Deployment\n"),
            ("deploy/svc.yaml", "kind: Service\n"),
            ("README.md", "# demo\n"),
            ("scripts/run.sh", "#!/bin/sh\necho hi\n"),
            ("z/empty/.keep", ""),
        ],
    );
    fs::set_permissions(
        root.join("scripts/run.sh"),
        fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
}

#[test]
fn pack_is_deterministic_whatever_the_times_owners_and_modes() {
    let src = tempfile::tempdir().expect("tempdir");
    sample(src.path());
    let out = tempfile::tempdir().expect("tempdir");
    let rules = IgnoreRules::none();
    let first =
        artifact::pack_file(src.path(), &out.path().join("a.tar.gz"), &rules).expect("pack");
    let again =
        artifact::pack_file(src.path(), &out.path().join("b.tar.gz"), &rules).expect("pack");
    assert_eq!(first, again);
    assert_eq!(
        fs::read(out.path().join("a.tar.gz")).expect("read"),
        fs::read(out.path().join("b.tar.gz")).expect("read")
    );

    // Touch every mtime, change non-executable modes and (as root) owners.
    let past = SystemTime::now() - Duration::from_secs(86_400 * 400);
    for path in [
        "deploy/app.yaml",
        "README.md",
        "scripts/run.sh",
        "z/empty/.keep",
    ] {
        let file = fs::File::options()
            .write(true)
            .open(src.path().join(path))
            .expect("open");
        file.set_modified(past).expect("set mtime");
    }
    fs::set_permissions(
        src.path().join("README.md"),
        fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    fs::set_permissions(src.path().join("deploy"), fs::Permissions::from_mode(0o777))
        .expect("chmod");
    fs::set_permissions(
        src.path().join("scripts/run.sh"),
        fs::Permissions::from_mode(0o711),
    )
    .expect("chmod");
    if is_root() {
        std::os::unix::fs::chown(src.path().join("README.md"), Some(1234), Some(4321))
            .expect("chown");
    }
    let touched =
        artifact::pack_file(src.path(), &out.path().join("c.tar.gz"), &rules).expect("pack");
    assert_eq!(
        first, touched,
        "times, owners and permission bits other than exec must not matter"
    );
    assert_eq!(
        first.to_string(),
        artifact::digest_file(&out.path().join("c.tar.gz"))
            .expect("digest")
            .to_string()
    );

    // The executable bit and contents do matter.
    fs::set_permissions(
        src.path().join("README.md"),
        fs::Permissions::from_mode(0o744),
    )
    .expect("chmod");
    let exec = artifact::pack_file(src.path(), &out.path().join("d.tar.gz"), &rules).expect("pack");
    assert_ne!(first, exec);
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

#[test]
fn digest_displays_and_parses_as_sha256() {
    let digest = artifact::sha256_digest(b"");
    let text = digest.to_string();
    assert_eq!(
        text,
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let parsed: artifact::Digest = text.parse().expect("parse");
    assert_eq!(parsed, digest);
    assert!("sha256:xyz".parse::<artifact::Digest>().is_err());
}

#[test]
fn headers_are_normalised_as_real_tar_lists_them() {
    let src = tempfile::tempdir().expect("tempdir");
    sample(src.path());
    let archive = pack_bytes(src.path(), &IgnoreRules::none());
    // gzip header: magic, deflate, no flags, zero mtime, OS unknown (255) like Go's gzip.
    assert_eq!(&archive[..4], &[0x1f, 0x8b, 8, 0]);
    assert_eq!(&archive[4..8], &[0, 0, 0, 0]);
    assert_eq!(archive[9], 255);

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a.tar.gz");
    fs::write(&file, &archive).expect("write");
    let out = Command::new("tar")
        .args(["--numeric-owner", "--utc", "-tvzf"])
        .arg(&file)
        .env("TZ", "UTC")
        .output()
        .expect("GNU tar is needed: apt-get install -y tar gzip");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = listing
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r[0].to_string(),
                r[1].to_string(),
                format!("{} {}", r[3], r[4]),
                r[5].to_string(),
            )
        })
        .collect();
    let epoch = "1970-01-01 00:00".to_string();
    let expect = |mode: &str, name: &str| {
        (
            mode.to_string(),
            "0/0".to_string(),
            epoch.clone(),
            name.to_string(),
        )
    };
    assert_eq!(
        got,
        vec![
            expect("drwxr-x---", "."),
            expect("-rw-------", "README.md"),
            expect("drwxr-x---", "deploy"),
            expect("-rw-------", "deploy/app.yaml"),
            expect("-rw-------", "deploy/svc.yaml"),
            expect("drwxr-x---", "scripts"),
            expect("-rwx------", "scripts/run.sh"),
            expect("drwxr-x---", "z"),
            expect("drwxr-x---", "z/empty"),
            expect("-rw-------", "z/empty/.keep"),
        ]
    );
}

#[test]
fn symlinks_and_special_files_are_skipped() {
    let src = tempfile::tempdir().expect("tempdir");
    write_tree(src.path(), &[("real/file.yaml", "a: 1\n")]);
    std::os::unix::fs::symlink("real/file.yaml", src.path().join("link.yaml")).expect("symlink");
    std::os::unix::fs::symlink("real", src.path().join("linkdir")).expect("symlink");
    std::os::unix::fs::symlink("/etc", src.path().join("escape")).expect("symlink");
    let status = Command::new("mkfifo")
        .arg(src.path().join("fifo"))
        .status()
        .expect("mkfifo (coreutils) is needed");
    assert!(status.success());
    let names = tar_names(&pack_bytes(src.path(), &IgnoreRules::none()));
    assert_eq!(names, [".", "real", "real/file.yaml"]);
}

#[test]
fn long_and_non_ascii_names_round_trip_through_real_tar() {
    let src = tempfile::tempdir().expect("tempdir");
    let deep = format!(
        "{}/{}/{}.yaml",
        "d".repeat(90),
        "e".repeat(90),
        "f".repeat(120)
    );
    let split = format!("{}/{}.yaml", "p".repeat(120), "n".repeat(40));
    write_tree(
        src.path(),
        &[
            (deep.as_str(), "deep\n"),
            (split.as_str(), "split\n"),
            ("naïve/日本.yaml", "utf8\n"),
        ],
    );
    let archive = pack_bytes(src.path(), &IgnoreRules::none());
    let names = tar_names(&archive);
    assert!(names.contains(&deep), "{names:?}");
    assert!(names.contains(&split), "{names:?}");
    assert!(names.iter().any(|n| n == "naïve/日本.yaml"), "{names:?}");

    let out = tempfile::tempdir().expect("tempdir");
    let target = out.path().join("tree");
    artifact::unpack(&archive[..], &target, &Limits::default()).expect("unpack");
    assert_eq!(
        fs::read_to_string(target.join(&deep)).expect("deep"),
        "deep\n"
    );
    assert_eq!(
        fs::read_to_string(target.join("naïve/日本.yaml")).expect("utf8"),
        "utf8\n"
    );

    let real = out.path().join("real");
    fs::create_dir(&real).expect("mkdir");
    fs::write(out.path().join("a.tar.gz"), &archive).expect("write");
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(out.path().join("a.tar.gz"))
        .arg("-C")
        .arg(&real)
        .status()
        .expect("tar");
    assert!(status.success());
    assert_eq!(
        fs::read_to_string(real.join(&split)).expect("split"),
        "split\n"
    );
}

#[test]
fn pack_file_is_atomic_and_leaves_no_temp_files() {
    let src = tempfile::tempdir().expect("tempdir");
    sample(src.path());
    let out = tempfile::tempdir().expect("tempdir");
    let target = out.path().join("art.tar.gz");
    fs::write(&target, "previous artifact").expect("write");

    // A failing pack (missing source) leaves the previous file untouched and no temp file.
    let err = artifact::pack_file(&src.path().join("missing"), &target, &IgnoreRules::none())
        .expect_err("must fail");
    assert!(matches!(err, Error::NotADirectory { .. }), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
    assert_eq!(
        fs::read_to_string(&target).expect("read"),
        "previous artifact"
    );

    let digest = artifact::pack_file(src.path(), &target, &IgnoreRules::none()).expect("pack");
    assert_eq!(digest, artifact::digest_file(&target).expect("digest"));
    let names: Vec<String> = fs::read_dir(out.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["art.tar.gz"]);
    assert_eq!(
        fs::metadata(&target).expect("meta").permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn output_inside_the_tree_is_not_packed_into_itself() {
    let src = tempfile::tempdir().expect("tempdir");
    sample(src.path());
    let outside = tempfile::tempdir().expect("tempdir");
    let rules = IgnoreRules::none();
    let reference =
        artifact::pack_file(src.path(), &outside.path().join("a.tgz"), &rules).expect("pack");
    let inside = src.path().join("artifact.tgz");
    let first = artifact::pack_file(src.path(), &inside, &rules).expect("pack");
    let second = artifact::pack_file(src.path(), &inside, &rules)
        .expect("pack again over the previous output");
    assert_eq!(first, reference);
    assert_eq!(second, reference);
}
