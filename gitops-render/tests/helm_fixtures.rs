//! Live differential test against the real `helm template` (Helm v4.1.4, `$HELM_BIN`).
//!
//! Every case of [`CASES`] is a chart of `tests/fixtures/helm/charts/` and the arguments
//! of `helm template`. The charts are copied to a temporary directory (where the `.tgz`
//! archives are built: a packed subchart, a whole chart, archives escaping their base
//! directory), the real Helm runs there, and this crate renders the same arguments the
//! way `gitops helm template` (`bins/gitops/src/helm_cmd.rs`) does. On success stdout
//! must be identical byte for byte; on failure Helm's `Error: …` text must equal ours.
//!
//! [`KNOWN_DIFFERENCES`] lists the cases known to differ (with the cause): the test fails
//! when another case differs, and when a listed case starts to match.

#![allow(clippy::unwrap_used)] // a test: a failed set-up step is a failed test

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use gitops_render::helm::values::coalesce::{Options, merge_values};
use gitops_render::helm::{Chart, OutputOptions, RenderOptions, template};

/// (case name, `helm template` arguments run in the charts directory).
const CASES: &[(&str, &[&str])] = &[
    // Dependencies: conditions (comma lists, non-bool values), tags, aliases,
    // import-values, a packed subchart, nested subcharts and globals.
    ("deps-default", &["deps"]),
    (
        "deps-toggles",
        &[
            "rel",
            "deps",
            "--set",
            "suba.enabled=false",
            "--set",
            "global.suba=true",
            "--set",
            "second.enabled=false",
        ],
    ),
    (
        "deps-condition-fallback",
        &[
            "deps",
            "--set",
            "suba.enabled=null",
            "--set",
            "global.suba=true",
        ],
    ),
    ("deps-tags-on", &["deps", "--set", "tags.web=true"]),
    (
        "deps-tags-mixed",
        &[
            "deps",
            "--set",
            "tags.web=true",
            "--set",
            "tags.frontend=false",
        ],
    ),
    (
        "deps-non-bool-condition",
        &["deps", "--set", "subb.on=false"],
    ),
    (
        "deps-condition-string",
        &[
            "deps",
            "--set-string",
            "subb.on=true",
            "--set",
            "subb.enabled=false",
        ],
    ),
    (
        "deps-globals",
        &[
            "deps",
            "--set",
            "global.region=us",
            "--set",
            "suba.inner.local=override",
            "--set",
            "packed.global.region=ignored",
        ],
    ),
    (
        "deps-import-override",
        &[
            "deps",
            "--set",
            "imported.keep=user",
            "--set",
            "exportedKey=user",
        ],
    ),
    (
        "deps-show-only-nested",
        &[
            "deps",
            "--show-only",
            "charts/suba/charts/inner/templates/cm.yaml",
        ],
    ),
    (
        "deps-show-only-glob",
        &[
            "deps",
            "-s",
            "charts/*/templates/cm.yaml",
            "-s",
            "templates/parent.yaml",
        ],
    ),
    (
        "deps-show-only-missing",
        &["deps", "--show-only", "templates/nope.yaml"],
    ),
    ("deps-include-crds", &["deps", "--include-crds"]),
    (
        "deps-alias-values",
        &["deps", "--set", "first.greeting=cli"],
    ),
    (
        "deps-disabled-with-values",
        &[
            "deps",
            "--set",
            "tags.web=false",
            "--set",
            "tagged.x=1",
            "--set",
            "subb.on=false",
            "--set",
            "subb.enabled=false",
        ],
    ),
    ("deps2", &["deps2"]),
    (
        "deps2-enable-import",
        &["deps2", "--set", "offexp.enabled=true"],
    ),
    (
        "deps2-tags-decide",
        &["deps2", "--set", "both.enabled=null"],
    ),
    (
        "deps2-user-import-target",
        &[
            "deps2",
            "--set",
            "viaMid.leafValue=7",
            "--set",
            "mid.fromleaf.midOwn=2",
        ],
    ),
    ("chart-yaml-scalars", &["scalars"]),
    ("introspect", &["introspect"]),
    (
        "introspect-flags",
        &[
            "rel",
            "introspect",
            "-n",
            "ns1",
            "--is-upgrade",
            "--kube-version",
            "v1.31.2",
            "-a",
            "x.io/v1/Thing,x.io/v2",
        ],
    ),
    (
        "introspect-kid-off",
        &["introspect", "--set", "kid.enabled=false"],
    ),
    (
        "introspect-caps-json",
        &["introspect", "--set", "capsJson=true"],
    ),
    (
        "deps-set-braces",
        &["deps", "--set", "tplCase.a={{ .Release.Name }}"],
    ),
    (
        "deps-tpl-template-object",
        &[
            "deps",
            "-f",
            "deps/tplcase.yaml",
            "-s",
            "templates/tpl.yaml",
        ],
    ),
    (
        "deps-required-in-subchart",
        &["deps", "--set", "suba.must=null"],
    ),
    (
        "deps-null-deletes-sub-default",
        &[
            "deps",
            "--set",
            "suba.own=null",
            "--set",
            "suba.inner.local=null",
        ],
    ),
    ("deps-global-null", &["deps", "--set", "global.region=null"]),
    // Library charts.
    ("lib-user", &["lib-user"]),
    ("library-direct", &["library"]),
    // Hooks.
    ("hooks", &["hooks"]),
    ("hooks-no-hooks", &["hooks", "--no-hooks"]),
    ("hooks-skip-tests", &["hooks", "--skip-tests"]),
    (
        "hooks-show-only-test",
        &["hooks", "--show-only", "templates/tests/test-pod.yaml"],
    ),
    (
        "hooks-show-only-skipped-test",
        &[
            "hooks",
            "--skip-tests",
            "--show-only",
            "templates/tests/test-pod.yaml",
        ],
    ),
    ("hooks-subchart", &["hooks2"]),
    ("hooks-subchart-no-hooks", &["hooks2", "--no-hooks"]),
    ("hooks-subchart-skip-tests", &["hooks2", "--skip-tests"]),
    // Document splitting and install order.
    ("docs", &["docs"]),
    (
        "docs-show-only-comment",
        &["docs", "-s", "templates/comment-only.yaml"],
    ),
    ("docs-show-only-dir", &["docs", "-s", "templates/sub/*"]),
    (
        "hooks-show-only-no-hooks",
        &["hooks", "--no-hooks", "-s", "templates/hooks.yaml"],
    ),
    ("order-and-globs", &["order"]),
    ("order-show-only-json", &["order", "-s", "templates/x.json"]),
    // CRDs.
    ("crds", &["crds"]),
    ("crds-include", &["crds", "--include-crds"]),
    (
        "crds-include-skip",
        &["crds", "--include-crds", "--skip-crds"],
    ),
    ("crds-skip", &["crds", "--skip-crds"]),
    (
        "crds-show-only",
        &["crds", "--include-crds", "-s", "crds/a.yaml"],
    ),
    (
        "crds-show-only-sub",
        &["crds", "--include-crds", "-s", "charts/crdsub/crds/b.yaml"],
    ),
    (
        "crds-show-only-without-include",
        &["crds", "-s", "crds/a.yaml"],
    ),
    // Built-in objects, .Files, .helmignore, NOTES.txt, capabilities.
    ("objects", &["rel", "objects", "-n", "team"]),
    ("objects-upgrade", &["objects", "--is-upgrade"]),
    (
        "objects-capabilities",
        &[
            "objects",
            "--kube-version",
            "1.29.3",
            "--api-versions",
            "example.com/v1",
            "-a",
            "example.com/v1/Widget",
        ],
    ),
    (
        "objects-kube-version-v",
        &["objects", "--kube-version", "v1.30"],
    ),
    (
        "objects-kube-version-bad",
        &["objects", "--kube-version", "abc"],
    ),
    (
        "objects-kube-too-old",
        &["objects", "--kube-version", "1.19.0"],
    ),
    ("objects-tgz", &["objects-0.3.0.tgz"]),
    (
        "objects-api-versions-list",
        &[
            "objects",
            "--api-versions",
            "example.com/v1,example.com/v1/Widget",
        ],
    ),
    (
        "objects-kube-prerelease",
        &["objects", "--kube-version", "1.30.0-rc.1"],
    ),
    (
        "objects-show-only-notes",
        &["objects", "-s", "templates/NOTES.txt"],
    ),
    ("kubever", &["kubever"]),
    (
        "kube-version-zero-prefixed",
        &["objects", "--kube-version", "01.30"],
    ),
    (
        "kube-version-four-parts",
        &["objects", "--kube-version", "1.30.2.1"],
    ),
    (
        "kube-version-trailing-dot",
        &["objects", "--kube-version", "1.30."],
    ),
    (
        "kube-version-suffix",
        &["objects", "--kube-version", "v1.31.0+k3s1"],
    ),
    (
        "kube-version-huge",
        &["objects", "--kube-version", "1.99999999999999999999"],
    ),
    // apiVersion v1 with requirements.yaml.
    ("v1chart", &["v1chart"]),
    (
        "v1chart-enable",
        &["v1chart", "--set", "v1off.enabled=true"],
    ),
    // Values.
    (
        "values-all-sources",
        &[
            "values",
            "-f",
            "values/a.yaml",
            "-f",
            "values/b.yaml",
            "--set",
            "port=9090",
            "--set-string",
            "image.tag=3",
            "--set-json",
            "list=[3,{\"a\":null}]",
            "--set-file",
            "file=values/file.txt",
        ],
    ),
    (
        "values-comma-files",
        &["values", "-f", "values/a.yaml,values/b.yaml"],
    ),
    ("values-null-map", &["values", "--set", "image=null"]),
    (
        "values-missing-file",
        &["values", "-f", "values/missing.yaml"],
    ),
    ("values-not-a-map", &["values", "-f", "values/notmap.yaml"]),
    (
        "values-literal",
        &["values", "--set-literal", "lit=a,b={c}"],
    ),
    ("values-set-parse-error", &["values", "--set", "a.b[=1"]),
    // Errors.
    ("errors-none", &["errors"]),
    ("errors-required", &["errors", "--set", "mode=required"]),
    ("errors-fail", &["errors", "--set", "mode=fail"]),
    ("errors-include", &["errors", "--set", "mode=include"]),
    ("errors-yaml", &["errors", "--set", "mode=yaml"]),
    ("errors-head", &["errors", "--set", "mode=head"]),
    ("errors-nil", &["errors", "--set", "mode=nil"]),
    ("errors-index", &["errors", "--set", "mode=index"]),
    (
        "errors-include-fail",
        &["errors", "--set", "mode=include-fail"],
    ),
    ("errors-tpl", &["errors", "--set", "mode=tpl"]),
    (
        "errors-tpl-include",
        &["errors", "--set", "mode=tpl-include"],
    ),
    ("errors-yaml-block", &["errors", "--set", "mode=yaml-block"]),
    ("errors-dashes", &["errors", "--set", "mode=dashes"]),
    ("err-parse", &["err-parse"]),
    ("err-missing-dep", &["err-missing-dep"]),
    ("release-name-invalid", &["Bad_Name", "errors"]),
    (
        "release-name-too-long",
        &[
            "a-very-long-release-name-that-is-longer-than-fifty-three-chars",
            "errors",
        ],
    ),
    ("chart-missing", &["does-not-exist"]),
    (
        "chart-missing-bad-kube-version",
        &["does-not-exist", "--kube-version", "1"],
    ),
    ("chart-missing-dot", &["./does-not-exist"]),
    ("chart-missing-absolute", &["/does/not/exist"]),
    ("chart-missing-repo", &["some-repo/some-chart"]),
    ("archive-escape", &["evil-0.1.0.tgz"]),
    ("archive-escape-subchart", &["evil-parent"]),
    ("archive-no-chart-yaml", &["nochart-0.1.0.tgz"]),
    ("archive-not-gzip", &["plain-0.1.0.tgz"]),
    ("chart-is-yaml", &["values/values.yaml"]),
    ("dir-no-chart-yaml", &["nochart-dir"]),
    ("dir-bad-api-version", &["badapi"]),
    ("dir-bad-chart-yaml", &["badyaml"]),
    ("chart-no-version", &["v-no-version"]),
    ("chart-bad-version", &["v-bad-version"]),
    ("chart-no-name", &["v-no-name"]),
    ("chart-no-api-version", &["v-no-api"]),
    ("chart-bad-name", &["v-bad-name"]),
    ("chart-bad-type", &["v-bad-type"]),
    ("chart-bad-alias", &["v-bad-alias"]),
    ("chart-duplicate-dependency", &["v-dup-dep"]),
    ("chart-dir-name-differs", &["dir-name-differs"]),
    ("chart-bad-values-yaml", &["v-bad-values"]),
    ("chart-crlf-bom", &["crlf"]),
    ("subchart-values-not-map", &["bad-sub-values"]),
    ("notes-fail", &["notes-fail"]),
    ("values-yaml-multidoc", &["multidoc-values"]),
    ("values-yaml-bad-separator", &["bad-separator"]),
    ("values-yaml-bad-second-doc", &["bad-values-doc2"]),
    ("notes-fail-sub", &["notes-fail", "--set", "s.x=null"]),
];

/// Cases known to differ from Helm, with the cause.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "errors-dashes",
        "go-yaml reports \"line 1: did not find expected node content\" for `-` followed by a mapping; gitops-yaml \"line 2: unexpected EOF while parsing a block sequence\"",
    ),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helm")
}

fn helm_bin() -> PathBuf {
    let bin = std::env::var_os("HELM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/gitops-tools/helm"));
    assert!(
        bin.is_file(),
        "the reference helm ({}) is missing: run scripts/test.sh, which installs it and exports HELM_BIN",
        bin.display()
    );
    bin
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A gzipped tar of `(path, content)` entries, paths written raw (so `../` survives).
fn tgz(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, data) in entries {
        let mut h = tar::Header::new_gnu();
        let name = path.as_bytes();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        tar.append(&h, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// The files of `dir` as archive entries under `prefix/`.
fn dir_entries(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
    let mut items: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    items.sort_by_key(|e| e.file_name());
    for e in items {
        let name = format!("{prefix}/{}", e.file_name().to_string_lossy());
        if e.file_type().unwrap().is_dir() {
            dir_entries(&e.path(), &name, out);
        } else {
            out.push((name, std::fs::read(e.path()).unwrap()));
        }
    }
}

/// The charts directory with the archives built at test time.
fn workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_dir(&fixtures().join("charts"), root);
    let mut packed = Vec::new();
    dir_entries(&fixtures().join("packed/packed"), "packed", &mut packed);
    std::fs::write(root.join("deps/charts/packed-0.1.0.tgz"), tgz(&packed)).unwrap();
    let mut objects = Vec::new();
    dir_entries(&root.join("objects"), "objects", &mut objects);
    std::fs::write(root.join("objects-0.3.0.tgz"), tgz(&objects)).unwrap();
    let evil = tgz(&[
        (
            "evil/Chart.yaml".into(),
            b"apiVersion: v2\nname: evil\nversion: 0.1.0\n".to_vec(),
        ),
        (
            "evil/templates/../../../escape.yaml".into(),
            b"a: 1\n".to_vec(),
        ),
    ]);
    std::fs::write(root.join("evil-0.1.0.tgz"), &evil).unwrap();
    std::fs::create_dir_all(root.join("evil-parent/charts")).unwrap();
    std::fs::write(
        root.join("evil-parent/Chart.yaml"),
        "apiVersion: v2\nname: evil-parent\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(root.join("evil-parent/charts/evil-0.1.0.tgz"), &evil).unwrap();
    let nochart = tgz(&[("nochart/values.yaml".into(), b"a: 1\n".to_vec())]);
    std::fs::write(root.join("nochart-0.1.0.tgz"), nochart).unwrap();
    std::fs::write(root.join("plain-0.1.0.tgz"), "not an archive\n").unwrap();
    std::fs::create_dir_all(root.join("nochart-dir/templates")).unwrap();
    std::fs::write(root.join("nochart-dir/values.yaml"), "a: 1\n").unwrap();
    std::fs::create_dir_all(root.join("badapi")).unwrap();
    std::fs::write(
        root.join("badapi/Chart.yaml"),
        "apiVersion: v9\nname: badapi\nversion: 0.1.0\n",
    )
    .unwrap();
    // Small charts with one defect each (or one detail of naming), written here.
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n";
    for (dir, chart_yaml) in [
        ("v-no-version", "apiVersion: v2\nname: v-no-version\n"),
        (
            "v-bad-version",
            "apiVersion: v2\nname: v-bad-version\nversion: abc\n",
        ),
        ("v-no-name", "apiVersion: v2\nversion: 0.1.0\n"),
        ("v-no-api", "name: v-no-api\nversion: 0.1.0\n"),
        ("v-bad-name", "apiVersion: v2\nname: a/b\nversion: 0.1.0\n"),
        (
            "v-bad-type",
            "apiVersion: v2\nname: v-bad-type\nversion: 0.1.0\ntype: plugin\n",
        ),
        (
            "v-bad-alias",
            "apiVersion: v2\nname: v-bad-alias\nversion: 0.1.0\ndependencies:\n- name: s\n  version: 0.1.0\n  alias: no_good!\n",
        ),
        (
            "v-dup-dep",
            "apiVersion: v2\nname: v-dup-dep\nversion: 0.1.0\ndependencies:\n- name: s\n  version: 0.1.0\n- name: s\n  version: 0.1.0\n",
        ),
        (
            "dir-name-differs",
            "apiVersion: v2\nname: realname\nversion: 0.1.0\n",
        ),
        (
            "v-bad-values",
            "apiVersion: v2\nname: v-bad-values\nversion: 0.1.0\n",
        ),
        ("crlf", "apiVersion: v2\r\nname: crlf\r\nversion: 0.1.0\r\n"),
    ] {
        write(&format!("{dir}/Chart.yaml"), chart_yaml);
        write(&format!("{dir}/templates/cm.yaml"), cm);
        write(
            &format!("{dir}/charts/s/Chart.yaml"),
            "apiVersion: v2\nname: s\nversion: 0.1.0\n",
        );
    }
    write("v-bad-values/values.yaml", "a: [1\n");
    write(
        "crlf/templates/crlf.yaml",
        "\u{feff}apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\ndata:\r\n  a: |\r\n    x\r\n    y\r\n---\r\nkind: Secret\r\n",
    );
    write("crlf/values.yaml", "\u{feff}a: 1\r\n");
    // A subchart whose directory is not named after it, and one with bad values.
    write(
        "dir-name-differs/charts/other-dir/Chart.yaml",
        "apiVersion: v2\nname: inner\nversion: 0.1.0\n",
    );
    write("dir-name-differs/charts/other-dir/templates/cm.yaml", cm);
    write(
        "bad-sub-values/Chart.yaml",
        "apiVersion: v2\nname: bad-sub-values\nversion: 0.1.0\n",
    );
    write(
        "bad-sub-values/charts/s/Chart.yaml",
        "apiVersion: v2\nname: s\nversion: 0.1.0\n",
    );
    write("bad-sub-values/charts/s/values.yaml", "- not\n- a map\n");
    // values.yaml as a stream of documents, merged.
    for (dir, values) in [
        (
            "multidoc-values",
            "a: 1\nb: {x: 1}\n---\n# only a comment\n--- # sep\nb: {y: 2}\n---\n",
        ),
        ("bad-separator", "a: 1\n----\nb: 2\n"),
        ("bad-values-doc2", "a: 1\n---\nb: [\n"),
    ] {
        write(
            &format!("{dir}/Chart.yaml"),
            &format!("apiVersion: v2\nname: {dir}\nversion: 0.1.0\n"),
        );
        write(&format!("{dir}/values.yaml"), values);
        write(
            &format!("{dir}/templates/v.yaml"),
            "values: {{ toJson .Values | quote }}\n",
        );
    }
    // NOTES.txt is rendered (and can fail) though never printed.
    write(
        "notes-fail/Chart.yaml",
        "apiVersion: v2\nname: notes-fail\nversion: 0.1.0\n",
    );
    write("notes-fail/templates/cm.yaml", cm);
    write(
        "notes-fail/templates/NOTES.txt",
        "{{ fail \"notes fail\" }}",
    );
    write(
        "notes-fail/charts/s/Chart.yaml",
        "apiVersion: v2\nname: s\nversion: 0.1.0\n",
    );
    write(
        "notes-fail/charts/s/templates/NOTES.txt",
        "{{ .Values.x.y }}",
    );
    std::fs::create_dir_all(root.join("badyaml")).unwrap();
    std::fs::write(root.join("badyaml/Chart.yaml"), "name: [unclosed\n").unwrap();
    tmp
}

/// What a run printed: stdout on success, the text from `Error: ` on failure.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok(String),
    Err(String),
}

fn run_helm(helm: &Path, dir: &Path, args: &[&str]) -> Outcome {
    let out = Command::new(helm)
        .arg("template")
        .args(args)
        .current_dir(dir)
        .env("HELM_CACHE_HOME", dir.join(".helm/cache"))
        .env("HELM_CONFIG_HOME", dir.join(".helm/config"))
        .env("HELM_DATA_HOME", dir.join(".helm/data"))
        .output()
        .unwrap();
    if out.status.success() {
        return Outcome::Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    match err.find("Error: ") {
        Some(i) => Outcome::Err(err[i..].to_string()),
        None => Outcome::Err(err),
    }
}

/// `helm template`'s flags, parsed as `bins/gitops/src/helm_cmd.rs` declares them.
#[derive(Default)]
struct Flags {
    positional: Vec<String>,
    values: Vec<String>,
    set: Vec<String>,
    set_string: Vec<String>,
    set_file: Vec<String>,
    set_json: Vec<String>,
    set_literal: Vec<String>,
    include_crds: bool,
    skip_crds: bool,
    kube_version: Option<String>,
    api_versions: Vec<String>,
    no_hooks: bool,
    skip_tests: bool,
    show_only: Vec<String>,
    is_upgrade: bool,
    skip_schema_validation: bool,
    namespace: Option<String>,
}

fn parse(args: &[&str]) -> Flags {
    let mut f = Flags::default();
    let mut it = args.iter().map(|s| s.to_string());
    while let Some(a) = it.next() {
        if !a.starts_with('-') {
            f.positional.push(a);
            continue;
        }
        let (flag, inline) = match a.split_once('=') {
            Some((k, v)) if a.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next()).unwrap();
        match flag.as_str() {
            "-f" | "--values" => f.values.extend(value().split(',').map(String::from)),
            "--set" => f.set.push(value()),
            "--set-string" => f.set_string.push(value()),
            "--set-file" => f.set_file.push(value()),
            "--set-json" => f.set_json.push(value()),
            "--set-literal" => f.set_literal.push(value()),
            "--kube-version" => f.kube_version = Some(value()),
            "-a" | "--api-versions" => f.api_versions.extend(value().split(',').map(String::from)),
            "-s" | "--show-only" => f.show_only.push(value()),
            "-n" | "--namespace" => f.namespace = Some(value()),
            "--include-crds" => f.include_crds = true,
            "--skip-crds" => f.skip_crds = true,
            "--no-hooks" => f.no_hooks = true,
            "--skip-tests" => f.skip_tests = true,
            "--is-upgrade" => f.is_upgrade = true,
            "--skip-schema-validation" => f.skip_schema_validation = true,
            other => panic!("flag {other} is not handled by this test"),
        }
    }
    f
}

/// Go's text for a failed open, with the path as given.
fn read(dir: &Path, path: &str) -> Result<String, String> {
    std::fs::read_to_string(dir.join(path)).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("open {path}: no such file or directory"),
        _ => format!("open {path}: {e}"),
    })
}

/// This crate, driven as `gitops helm template` drives it.
fn run_ours(dir: &Path, args: &[&str]) -> Outcome {
    match render_ours(dir, args) {
        Ok(s) => Outcome::Ok(s),
        Err(e) => Outcome::Err(format!("Error: {e}\n")),
    }
}

fn render_ours(dir: &Path, args: &[&str]) -> Result<String, String> {
    let a = parse(args);
    let (name, chart) = match a.positional.as_slice() {
        [chart] => ("release-name".to_string(), chart),
        [name, chart] => (name.clone(), chart),
        _ => return Err("expected [NAME] CHART".into()),
    };
    // `--kube-version` is checked while the flags are read, before anything else.
    if let Some(k) = &a.kube_version {
        gitops_render::helm::objects::KubeVersion::parse(k)
            .map_err(|e| format!("invalid kube version '{k}': {e}"))?;
    }
    let path = template::locate_chart(dir, chart)?;
    let mut values = Options::default();
    for f in &a.values {
        values.value_files.push((f.clone(), read(dir, f)?));
    }
    values.values = a.set.clone();
    values.string_values = a.set_string.clone();
    values.file_values = a.set_file.clone();
    values.json_values = a.set_json.clone();
    values.literal_values = a.set_literal.clone();
    let user = merge_values(&values, &mut |p| read(dir, p)).map_err(|e| e.to_string())?;
    let chart = Chart::load(&path).map_err(|e| e.to_string())?;
    let opts = RenderOptions {
        release_name: name,
        namespace: a.namespace.unwrap_or_else(|| "default".into()),
        kube_version: a.kube_version.clone(),
        api_versions: a.api_versions.clone(),
        is_upgrade: a.is_upgrade,
        skip_schema_validation: a.skip_schema_validation,
    };
    let out = OutputOptions {
        include_crds: a.include_crds,
        skip_crds: a.skip_crds,
        no_hooks: a.no_hooks,
        skip_tests: a.skip_tests,
        show_only: a.show_only.clone(),
    };
    template::template(&chart, &user, &opts, &out).map_err(|e| e.cli_message())
}

/// The first differing line of two texts, for the report.
fn first_difference(helm: &str, ours: &str) -> String {
    let (h, o): (Vec<&str>, Vec<&str>) = (helm.lines().collect(), ours.lines().collect());
    for i in 0..h.len().max(o.len()) {
        let (hl, ol) = (h.get(i), o.get(i));
        if hl != ol {
            return format!("line {}:\n      helm: {hl:?}\n      ours: {ol:?}", i + 1);
        }
    }
    "texts differ only in line endings".into()
}

#[test]
fn helm_template_matches_the_real_helm() {
    let helm = helm_bin();
    let ws = workspace();
    let dir = ws.path();
    let mut identical = 0;
    let mut differ = Vec::new();
    let mut report = String::new();
    for (name, args) in CASES {
        let expected = run_helm(&helm, dir, args);
        let ours = run_ours(dir, args);
        if expected == ours {
            identical += 1;
            continue;
        }
        let detail = match (&expected, &ours) {
            (Outcome::Ok(h), Outcome::Ok(o)) => first_difference(h, o),
            (Outcome::Err(h), Outcome::Err(o)) => first_difference(h, o),
            (Outcome::Ok(_), Outcome::Err(o)) => format!("helm succeeded, ours failed: {o}"),
            (Outcome::Err(h), Outcome::Ok(_)) => format!("helm failed, ours succeeded: {h}"),
        };
        report.push_str(&format!("  {name} ({}):\n    {detail}\n", args.join(" ")));
        differ.push(*name);
    }
    let mut out = std::io::stdout();
    writeln!(out, "{identical} identical, {} differ", differ.len()).unwrap();
    if !report.is_empty() {
        writeln!(out, "differing cases:\n{report}").unwrap();
    }
    let known: Vec<&str> = KNOWN_DIFFERENCES.iter().map(|(n, _)| *n).collect();
    for (name, cause) in KNOWN_DIFFERENCES {
        writeln!(out, "known difference {name}: {cause}").unwrap();
        assert!(
            CASES.iter().any(|(n, _)| n == name),
            "known difference {name} is not a case"
        );
    }
    let unexpected: Vec<&&str> = differ.iter().filter(|n| !known.contains(n)).collect();
    let fixed: Vec<&&str> = known.iter().filter(|n| !differ.contains(n)).collect();
    assert!(
        unexpected.is_empty(),
        "cases differing from helm: {unexpected:?}"
    );
    assert!(
        fixed.is_empty(),
        "cases listed in KNOWN_DIFFERENCES now match helm, remove them: {fixed:?}"
    );
}
