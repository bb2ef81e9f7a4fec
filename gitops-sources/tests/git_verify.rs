//! Commit and tag signature verification with real signatures made by `git` + `gpg` and
//! `git` + `ssh-keygen`, fetched over `file://`.
#![allow(clippy::unwrap_used)]

mod git_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use git_support::repo::{git, git_env, write};
use gitops_core::api::source::git::{GitRepositoryRef, GitRepositorySpec, GitVerificationMode};
use gitops_sources::git::verify::{TrustedKeys, VerifyError, verify_commit};
use gitops_sources::git::{Auth, Commit, Outcome, fetch};

fn gpg(home: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("gpg")
        .env("GNUPGHOME", home)
        .args([
            "--batch",
            "--quiet",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ])
        .args(args)
        .output()
        .expect("run gpg (apt-get install -y gnupg)");
    assert!(
        out.status.success(),
        "gpg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn gpg_key(home: &Path, email: &str, algo: &str) -> Vec<u8> {
    std::fs::create_dir_all(home).unwrap();
    std::fs::set_permissions(home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    gpg(
        home,
        &[
            "--quick-gen-key",
            &format!("Test <{email}>"),
            algo,
            "sign",
            "never",
        ],
    );
    gpg(home, &["--armor", "--export", email])
}

fn fetch_ref(path: &Path, reference: GitRepositoryRef) -> Commit {
    let spec = GitRepositorySpec {
        url: format!("file://{}", path.display()),
        interval: "1m".into(),
        reference: Some(reference),
        ..Default::default()
    };
    let out = tempfile::tempdir().unwrap();
    match fetch(&spec, &Auth::default(), &out.path().join("c"), None).expect("fetch") {
        Outcome::Fetched(c) => c,
        Outcome::Unchanged(r) => panic!("unchanged {r}"),
    }
}

fn keys(pairs: &[(&str, &[u8])]) -> TrustedKeys {
    let data: BTreeMap<String, Vec<u8>> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect();
    TrustedKeys::from_secret(&data).expect("keys")
}

#[test]
fn pgp_signed_commits_and_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("gnupg");
    let armored = gpg_key(&home, "signer@example.com", "ed25519");
    let other = gpg_key(&tmp.path().join("gnupg2"), "other@example.com", "rsa2048");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let home_s = home.display().to_string();
    let env = [("GNUPGHOME", home_s.as_str())];
    git(&repo, &["init", "-q"]);
    write(&repo, "a.txt", "a\n");
    git(&repo, &["add", "-A"]);
    git_env(
        &repo,
        &[
            "-c",
            "user.signingkey=signer@example.com",
            "commit",
            "-q",
            "-S",
            "-m",
            "signed",
        ],
        &env,
    );
    git_env(
        &repo,
        &[
            "-c",
            "user.signingkey=signer@example.com",
            "tag",
            "-s",
            "v1.0.0",
            "-m",
            "signed tag",
        ],
        &env,
    );
    git(&repo, &["tag", "-a", "unsigned-tag", "-m", "no signature"]);
    write(&repo, "b.txt", "b\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "unsigned"]);
    git(&repo, &["branch", "unsigned-branch"]);

    let trusted = keys(&[("signer.asc", &armored), ("other.asc", &other)]);
    let tagged = fetch_ref(
        &repo,
        GitRepositoryRef {
            tag: Some("v1.0.0".into()),
            ..Default::default()
        },
    );
    let v = verify_commit(&tagged, GitVerificationMode::TagAndHead, &trusted)
        .expect("tag and head verified");
    assert!(v.commit_signer.is_some() && v.tag_signer == v.commit_signer);
    // Unsuffixed keys are PGP keyrings too.
    verify_commit(
        &tagged,
        GitVerificationMode::Head,
        &keys(&[("keyring", &armored)]),
    )
    .expect("keyring");
    // A key that did not sign is refused.
    let err = verify_commit(
        &tagged,
        GitVerificationMode::Head,
        &keys(&[("other.asc", &other)]),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::Untrusted { .. }), "{err}");
    assert!(err.to_string().contains(&tagged.id), "{err}");
    // Unsigned HEAD, unsigned tag, and Tag mode on a branch.
    let head = fetch_ref(
        &repo,
        GitRepositoryRef {
            branch: Some("master".into()),
            ..Default::default()
        },
    );
    let err = verify_commit(&head, GitVerificationMode::Head, &trusted).unwrap_err();
    assert!(matches!(err, VerifyError::Unsigned { .. }), "{err}");
    let err = verify_commit(&head, GitVerificationMode::Tag, &trusted).unwrap_err();
    assert!(matches!(err, VerifyError::NoTag { .. }), "{err}");
    let unsigned_tag = fetch_ref(
        &repo,
        GitRepositoryRef {
            tag: Some("unsigned-tag".into()),
            ..Default::default()
        },
    );
    let err = verify_commit(&unsigned_tag, GitVerificationMode::Tag, &trusted).unwrap_err();
    assert!(
        err.to_string().contains("tag unsigned-tag is not signed"),
        "{err}"
    );
    // The unsigned tag points at the signed commit, so HEAD mode passes.
    verify_commit(&unsigned_tag, GitVerificationMode::Head, &trusted)
        .expect("commit under unsigned tag is signed");
}

#[test]
fn ssh_signed_commits_and_tags() {
    let tmp = tempfile::tempdir().unwrap();
    git_support::sshd::keygen(&tmp.path().join("signer"), "");
    git_support::sshd::keygen(&tmp.path().join("other"), "");
    let signer_pub = std::fs::read(tmp.path().join("signer.pub")).unwrap();
    let other_pub = std::fs::read(tmp.path().join("other.pub")).unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let key = tmp.path().join("signer.pub").display().to_string();
    let sign = ["-c", "gpg.format=ssh", "-c"];
    let signing_key = format!("user.signingkey={key}");
    git(&repo, &["init", "-q"]);
    write(&repo, "a.txt", "a\n");
    git(&repo, &["add", "-A"]);
    git(
        &repo,
        &[
            &sign[..],
            &[
                signing_key.as_str(),
                "commit",
                "-q",
                "-S",
                "-m",
                "ssh signed",
            ],
        ]
        .concat(),
    );
    git(
        &repo,
        &[
            &sign[..],
            &[signing_key.as_str(), "tag", "-s", "v2.0.0", "-m", "ssh tag"],
        ]
        .concat(),
    );

    let c = fetch_ref(
        &repo,
        GitRepositoryRef {
            semver: Some(">=2.0.0".into()),
            ..Default::default()
        },
    );
    assert!(c.revision.to_string().starts_with("v2.0.0@sha1:"));
    // An allowed_signers-style line (principal first) and a plain authorized_keys line.
    let principal_line = [b"signer@example.com ".as_slice(), &signer_pub].concat();
    let v = verify_commit(
        &c,
        GitVerificationMode::TagAndHead,
        &keys(&[("a.sshpub", &other_pub), ("b.sshpub", &principal_line)]),
    )
    .expect("verified");
    assert!(
        v.commit_signer
            .as_deref()
            .is_some_and(|f| f.starts_with("SHA256:"))
    );
    verify_commit(
        &c,
        GitVerificationMode::Tag,
        &keys(&[("k.sshpub", &signer_pub)]),
    )
    .expect("plain line");
    let err = verify_commit(
        &c,
        GitVerificationMode::Head,
        &keys(&[("k.sshpub", &other_pub)]),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::Untrusted { .. }), "{err}");
}
