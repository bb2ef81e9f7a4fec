//! Conformance with `helm template` (Helm v4.1.4) on the shared corpus, when present:
//! every `helm template` line of `../shared/corpus/helm/<case>/CMD` (and of
//! `../shared/corpus/scale/*/CMD`) is rendered with this crate and compared byte for byte
//! with the recorded output. Prints `N passed, M failed` and fails under [`MIN_PASSING`]
//! (raise it as cases pass) or when the corpus has no case at all while present.

use std::path::{Path, PathBuf};

use gitops_render::helm::values::coalesce::{Options, merge_values};
use gitops_render::helm::{Chart, OutputOptions, RenderOptions, template};

/// The committed floor of identical renderings.
const MIN_PASSING: usize = 38;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

struct Case {
    dir: PathBuf,
    expected: String,
    args: Vec<String>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for group in ["helm", "scale"] {
        let Ok(dirs) = std::fs::read_dir(corpus().join(group)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = dirs.filter_map(|d| d.ok().map(|d| d.path())).collect();
        dirs.sort();
        for dir in dirs {
            let Ok(cmd) = std::fs::read_to_string(dir.join("CMD")) else {
                continue;
            };
            for line in cmd.lines() {
                let Some((expected, command)) = line.split_once(": ") else {
                    continue;
                };
                let args: Vec<String> = command.split_whitespace().map(str::to_string).collect();
                if args.first().map(String::as_str) != Some("helm")
                    || args.get(1).map(String::as_str) != Some("template")
                {
                    continue;
                }
                out.push(Case {
                    dir: dir.clone(),
                    expected: expected.to_string(),
                    args: args[2..].to_vec(),
                });
            }
        }
    }
    out
}

/// Runs one case's arguments the way `gitops helm template` parses them.
fn run(case: &Case) -> Result<String, String> {
    let mut opts = RenderOptions::default();
    let mut out = OutputOptions::default();
    let mut values = Options::default();
    let mut positional = Vec::new();
    let mut it = case.args.iter();
    while let Some(a) = it.next() {
        let mut next = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "--namespace" | "-n" => opts.namespace = next()?,
            "--kube-version" => opts.kube_version = Some(next()?),
            "--skip-tests" => out.skip_tests = true,
            "--include-crds" => out.include_crds = true,
            "-f" | "--values" => {
                let f = next()?;
                let text =
                    std::fs::read_to_string(case.dir.join(&f)).map_err(|e| format!("{f}: {e}"))?;
                values.value_files.push((f, text));
            }
            "--set" => values.values.push(next()?),
            other if other.starts_with('-') => return Err(format!("unsupported flag {other}")),
            other => positional.push(other.to_string()),
        }
    }
    let [name, chart] = positional.as_slice() else {
        return Err(format!("expected NAME CHART, got {positional:?}"));
    };
    opts.release_name = name.clone();
    let chart = Chart::load(&case.dir.join(chart)).map_err(|e| e.to_string())?;
    let user = merge_values(&values, &mut |p| Err(format!("no --set-file here: {p}")))
        .map_err(|e| e.to_string())?;
    template::template(&chart, &user, &opts, &out).map_err(|e| e.cli_message())
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}: got {x:?}, want {y:?}", i + 1);
        }
    }
    format!(
        "lengths differ: got {} lines, want {}",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn corpus_renders_like_helm_template() {
    if !corpus().join("helm").is_dir() {
        eprintln!(
            "corpus not present at {}: nothing to compare",
            corpus().display()
        );
        return;
    }
    let cases = cases();
    assert!(
        !cases.is_empty(),
        "the corpus is present but has no helm template case"
    );
    let (mut passed, mut failed) = (0, 0);
    for case in &cases {
        let label = format!(
            "{}/{}",
            case.dir.file_name().unwrap_or_default().to_string_lossy(),
            case.expected
        );
        let want = std::fs::read_to_string(case.dir.join(&case.expected)).unwrap_or_default();
        match run(case) {
            Ok(got) if got == want => {
                passed += 1;
                println!("ok   {label}");
            }
            Ok(got) => {
                failed += 1;
                println!("FAIL {label}: {}", first_difference(&got, &want));
            }
            Err(e) => {
                failed += 1;
                println!(
                    "FAIL {label}: error: {}",
                    e.lines().take(6).collect::<Vec<_>>().join(" | ")
                );
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    assert!(
        passed >= MIN_PASSING,
        "{passed} passed, fewer than the committed {MIN_PASSING}"
    );
}
