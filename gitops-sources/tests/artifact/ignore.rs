//! Ignore rules: Flux's defaults per source kind, `.sourceignore` files and `spec.ignore`.

use gitops_sources::artifact::{IgnoreRules, SourceKind};

use super::{pack_bytes, tar_names, write_tree};

fn repo_tree(root: &std::path::Path) {
    write_tree(
        root,
        &[
            (".git/config", "[core]\n"),
            (".git/objects/ab/cdef", "blob"),
            (".gitignore", "target/\n"),
            (".github/workflows/ci.yaml", "on: push\n"),
            ("docs/logo.png", "png"),
            ("deploy/app.yaml", "kind: Deployment\n"),
            ("deploy/.sops.yaml", "creation_rules: []\n"),
            ("release.tar.gz", "gz"),
            ("README.md", "# r\n"),
        ],
    );
}

#[test]
fn git_defaults_exclude_vcs_ci_and_binary_files() {
    let src = tempfile::tempdir().expect("tempdir");
    repo_tree(src.path());
    let rules = IgnoreRules::for_source(SourceKind::Git, None)
        .with_sourceignore_files(src.path())
        .expect("load");
    let names = tar_names(&pack_bytes(src.path(), &rules));
    assert_eq!(
        names,
        [".", "README.md", "deploy", "deploy/app.yaml", "docs"]
    );
    assert!(rules.is_ignored(".git", true));
    assert!(rules.is_ignored("a/b/.flux.yaml", false));
    assert!(!rules.is_ignored("", true), "the root is never ignored");
}

#[test]
fn any_pattern_replaces_the_non_vcs_defaults_as_in_flux() {
    let src = tempfile::tempdir().expect("tempdir");
    repo_tree(src.path());
    write_tree(
        src.path(),
        &[(".sourceignore", "# only markdown\n*.md\n\n")],
    );
    let rules = IgnoreRules::for_source(SourceKind::Git, None)
        .with_sourceignore_files(src.path())
        .expect("load");
    let names = tar_names(&pack_bytes(src.path(), &rules));
    // VCS files stay excluded; *.png, .github/, .sops.yaml, *.tar.gz come back.
    assert_eq!(
        names,
        [
            ".",
            ".github",
            ".github/workflows",
            ".github/workflows/ci.yaml",
            ".sourceignore",
            "deploy",
            "deploy/.sops.yaml",
            "deploy/app.yaml",
            "docs",
            "docs/logo.png",
            "release.tar.gz",
        ]
    );
}

#[test]
fn nested_sourceignore_applies_to_its_directory_only() {
    let src = tempfile::tempdir().expect("tempdir");
    write_tree(
        src.path(),
        &[
            ("a.yaml", "a"),
            (
                "apps/.sourceignore",
                "*.yaml\n!keep.yaml\n/local-only.txt\n",
            ),
            ("apps/x.yaml", "x"),
            ("apps/keep.yaml", "k"),
            ("apps/sub/y.yaml", "y"),
            ("apps/local-only.txt", "l"),
            ("apps/sub/local-only.txt", "l"),
            ("other/z.yaml", "z"),
        ],
    );
    let rules = IgnoreRules::for_source(SourceKind::Oci, None)
        .with_sourceignore_files(src.path())
        .expect("load");
    assert!(rules.is_ignored("apps/x.yaml", false));
    assert!(rules.is_ignored("apps/sub/y.yaml", false));
    assert!(
        !rules.is_ignored("apps/keep.yaml", false),
        "negation re-includes"
    );
    assert!(
        rules.is_ignored("apps/local-only.txt", false),
        "anchored to the file's directory"
    );
    assert!(!rules.is_ignored("apps/sub/local-only.txt", false));
    assert!(!rules.is_ignored("a.yaml", false), "outside the domain");
    assert!(!rules.is_ignored("other/z.yaml", false));
}

#[test]
fn spec_ignore_comes_last_and_wins() {
    let src = tempfile::tempdir().expect("tempdir");
    write_tree(
        src.path(),
        &[
            (".sourceignore", "*.md\n"),
            ("README.md", "r"),
            ("NOTES.md", "n"),
            ("deploy/app.yaml", "a"),
            ("tests/t.yaml", "t"),
        ],
    );
    let spec = "# flux docs example\n/*\n!/deploy\n!README.md\n";
    let rules = IgnoreRules::for_source(SourceKind::Git, Some(spec))
        .with_sourceignore_files(src.path())
        .expect("load");
    let names = tar_names(&pack_bytes(src.path(), &rules));
    assert_eq!(names, [".", "README.md", "deploy", "deploy/app.yaml"]);
}

#[test]
fn negation_can_rescue_a_file_below_an_excluded_directory() {
    // Unlike git, Flux's matcher checks every path on its own, so this keeps the file
    // (its directory entry is left out of the archive).
    let src = tempfile::tempdir().expect("tempdir");
    write_tree(
        src.path(),
        &[("charts/a.yaml", "a"), ("charts/keep.yaml", "k")],
    );
    let rules = IgnoreRules::for_source(SourceKind::Git, Some("charts/\n!charts/keep.yaml\n"));
    let names = tar_names(&pack_bytes(src.path(), &rules));
    assert_eq!(names, [".", "charts/keep.yaml"]);
}

#[test]
fn bucket_reads_only_the_root_sourceignore_and_has_no_defaults() {
    let src = tempfile::tempdir().expect("tempdir");
    write_tree(
        src.path(),
        &[
            (".sourceignore", "*.txt\n"),
            ("sub/.sourceignore", "*.yaml\n"),
            ("sub/a.yaml", "a"),
            ("b.txt", "b"),
            ("logo.png", "p"),
        ],
    );
    let rules = IgnoreRules::for_source(SourceKind::Bucket, Some("secret/\n"))
        .with_sourceignore_files(src.path())
        .expect("load");
    assert!(rules.is_ignored(".sourceignore", false), "never downloaded");
    assert!(rules.is_ignored("b.txt", false));
    assert!(rules.is_ignored("secret/key", false));
    assert!(
        !rules.is_ignored("sub/a.yaml", false),
        "nested files are not read for buckets"
    );
    assert!(
        !rules.is_ignored("logo.png", false),
        "no default exclusions"
    );
    assert!(!rules.is_ignored(".git/config", false));
    let text = IgnoreRules::for_source(SourceKind::Bucket, None).with_root_patterns("*.png\n");
    assert!(text.is_ignored("x/logo.png", false));
}

#[test]
fn helm_chart_rules_are_spec_only() {
    let rules = IgnoreRules::for_source(SourceKind::HelmChart, Some("*.bak\n"));
    assert!(rules.is_ignored("templates/x.bak", false));
    assert!(!rules.is_ignored(".git/config", false));
    assert!(!IgnoreRules::none().is_ignored("anything", false));
}

#[test]
fn flux_cli_ignore_paths_defaults() {
    use gitops_sources::artifact::ignore::FLUX_CLI_IGNORE_DEFAULTS;
    let rules = IgnoreRules::from_patterns(FLUX_CLI_IGNORE_DEFAULTS);
    assert!(rules.is_ignored(".git/HEAD", false));
    assert!(rules.is_ignored("img/a.png", false));
    assert!(
        !rules.is_ignored(".github/workflows/ci.yaml", false),
        "CI files are kept by the CLI"
    );
    assert!(!rules.is_ignored("deploy/.sops.yaml", false));
    let custom = IgnoreRules::from_patterns(&["*.md", "!README.md"]);
    assert!(custom.is_ignored("docs/x.md", false));
    assert!(!custom.is_ignored("README.md", false));
}
