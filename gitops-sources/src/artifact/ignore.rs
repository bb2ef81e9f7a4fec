//! Which files of a source tree go into its artifact, as Flux's `sourceignore` decides.
//!
//! Rules per source kind (as source-controller composes them):
//!
//! | kind | patterns | defaults |
//! |---|---|---|
//! | `Git`, `Oci` | every `.sourceignore` in the tree (each scoped to its directory, parents first, siblings by name; `.git` not searched), then `spec.ignore` | VCS exclusions always; when there is no pattern at all, also the default extension/CI/extra exclusions |
//! | `Bucket` | the `.sourceignore` at the bucket root, then `spec.ignore`; `.sourceignore` itself is never downloaded | none |
//! | `HelmChart` | `spec.ignore` only (chart packaging applies `.helmignore`, which is Helm's business) | none |
//!
//! The last matching pattern wins; `!pattern` re-includes. For a Bucket, filter object
//! keys with `is_ignored(key, false)` before download and pack the download directory
//! with [`IgnoreRules::none`], as Flux archives it without a filter.
//!
//! ```
//! use gitops_sources::artifact::{IgnoreRules, SourceKind};
//!
//! let rules = IgnoreRules::for_source(SourceKind::Git, None);
//! assert!(rules.is_ignored(".git", true));
//! assert!(rules.is_ignored("docs/logo.png", false));
//! assert!(!rules.is_ignored("deploy/app.yaml", false));
//!
//! let rules = IgnoreRules::for_source(SourceKind::Git, Some("/*\n!/deploy\n"));
//! assert!(rules.is_ignored("README.md", false));
//! assert!(!rules.is_ignored("deploy/app.yaml", false));
//! ```

use std::fs;
use std::path::Path;

use super::Error;
use super::pattern::{MatchResult, Pattern};

/// Name of the ignore files read from source trees.
pub const IGNORE_FILE: &str = ".sourceignore";
/// Version-control files always excluded from Git and OCI artifacts (Flux `ExcludeVCS`).
pub const EXCLUDE_VCS: &[&str] = &[".git/", ".gitignore", ".gitmodules", ".gitattributes"];
/// Default exclusions used when a Git or OCI source has no ignore pattern of its own
/// (Flux `ExcludeExt`, `ExcludeCI`, `ExcludeExtra`).
pub const EXCLUDE_DEFAULTS: &[&str] = &[
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.png",
    "*.wmv",
    "*.flv",
    "*.tar.gz",
    "*.zip",
    ".github/",
    ".circleci/",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    "**/.goreleaser.yml",
    "**/.sops.yaml",
    "**/.flux.yaml",
];

/// Default of `flux build artifact --ignore-paths` / `flux push artifact --ignore-paths`
/// (Flux CLI `excludeOCI`: the VCS and extension exclusions, no CI or extra ones).
pub const FLUX_CLI_IGNORE_DEFAULTS: &[&str] = &[
    ".git/",
    ".gitignore",
    ".gitmodules",
    ".gitattributes",
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.png",
    "*.wmv",
    "*.flv",
    "*.tar.gz",
    "*.zip",
];

/// The kind of source an artifact is built from; it decides the default exclusions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// `GitRepository`.
    Git,
    /// `OCIRepository` (layer extracted, then re-archived).
    Oci,
    /// `Bucket`.
    Bucket,
    /// `HelmChart`.
    HelmChart,
}

/// The ignore rules of one artifact build.
#[derive(Clone, Debug)]
pub struct IgnoreRules {
    kind: Option<SourceKind>,
    file_patterns: Vec<Pattern>,
    spec_patterns: Vec<Pattern>,
    effective: Vec<Pattern>,
    has_inclusions: bool,
}

impl IgnoreRules {
    /// Rules that ignore nothing (Flux archiving with a nil filter).
    pub fn none() -> IgnoreRules {
        IgnoreRules {
            kind: None,
            file_patterns: Vec::new(),
            spec_patterns: Vec::new(),
            effective: Vec::new(),
            has_inclusions: false,
        }
    }

    /// The rules for a source of `kind` with the given `spec.ignore` text (gitignore
    /// lines; `#` comments and blank lines skipped). `.sourceignore` files are added with
    /// [`IgnoreRules::with_sourceignore_files`].
    pub fn for_source(kind: SourceKind, spec_ignore: Option<&str>) -> IgnoreRules {
        let mut rules = IgnoreRules::none();
        rules.kind = Some(kind);
        if let Some(text) = spec_ignore {
            rules.spec_patterns = read_patterns(text, &[]);
        }
        rules.rebuild();
        rules
    }

    /// Rules made of the given gitignore lines only, without any per-kind default and
    /// without `.sourceignore` files: what the Flux CLI's `--ignore-paths` gives (use
    /// [`FLUX_CLI_IGNORE_DEFAULTS`] for its default).
    pub fn from_patterns<S: AsRef<str>>(patterns: &[S]) -> IgnoreRules {
        let text: Vec<&str> = patterns.iter().map(AsRef::as_ref).collect();
        let mut rules = IgnoreRules::none();
        rules.spec_patterns = read_patterns(&text.join("\n"), &[]);
        rules.rebuild();
        rules
    }

    /// Adds the `.sourceignore` files under `root` as the source kind reads them: the whole
    /// tree for Git and OCI, the root file only for a Bucket, none for a HelmChart.
    pub fn with_sourceignore_files(mut self, root: &Path) -> Result<IgnoreRules, Error> {
        match self.kind {
            Some(SourceKind::Git | SourceKind::Oci) => {
                let mut found = Vec::new();
                load_tree(root, &mut Vec::new(), &mut found)?;
                self.file_patterns = found;
            }
            Some(SourceKind::Bucket) => {
                self.file_patterns = read_ignore_file(&root.join(IGNORE_FILE), &[])?;
            }
            Some(SourceKind::HelmChart) | None => {}
        }
        self.rebuild();
        Ok(self)
    }

    /// Adds patterns read from `text` as if they came from a `.sourceignore` file at the
    /// root (e.g. a Bucket's `.sourceignore` object fetched before download).
    pub fn with_root_patterns(mut self, text: &str) -> IgnoreRules {
        self.file_patterns.extend(read_patterns(text, &[]));
        self.rebuild();
        self
    }

    /// Whether `rel_path` (relative to the artifact root, `/`-separated) is excluded.
    pub fn is_ignored(&self, rel_path: &str, is_dir: bool) -> bool {
        let parts: Vec<&str> = rel_path
            .split('/')
            .filter(|part| !part.is_empty() && *part != ".")
            .collect();
        if parts.is_empty() {
            return false;
        }
        if self.kind == Some(SourceKind::Bucket) && parts == [IGNORE_FILE] {
            return true;
        }
        self.matches(&parts, is_dir)
    }

    /// Whether the components `parts` are excluded (last matching pattern wins).
    pub(crate) fn matches(&self, parts: &[&str], is_dir: bool) -> bool {
        for pattern in self.effective.iter().rev() {
            match pattern.matches(parts, is_dir) {
                MatchResult::NoMatch => continue,
                result => return result == MatchResult::Exclude,
            }
        }
        false
    }

    /// Whether an excluded directory's whole subtree is excluded too, so a walk may skip
    /// it: true unless some pattern re-includes (a negation can rescue a file below).
    pub(crate) fn excluded_dirs_are_closed(&self) -> bool {
        !self.has_inclusions
    }

    fn rebuild(&mut self) {
        let user: Vec<Pattern> = self
            .file_patterns
            .iter()
            .chain(&self.spec_patterns)
            .cloned()
            .collect();
        self.effective = match self.kind {
            Some(SourceKind::Git | SourceKind::Oci) => {
                let mut all = parse_list(EXCLUDE_VCS);
                if user.is_empty() {
                    all.extend(parse_list(EXCLUDE_DEFAULTS));
                }
                all.extend(user);
                all
            }
            _ => user,
        };
        self.has_inclusions = self.effective.iter().any(Pattern::is_inclusion);
    }
}

fn parse_list(list: &[&str]) -> Vec<Pattern> {
    list.iter().map(|p| Pattern::parse(p, &[])).collect()
}

/// Reads gitignore lines as Flux does: lines starting with `#` and blank lines skipped.
fn read_patterns(text: &str, domain: &[String]) -> Vec<Pattern> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| Pattern::parse(line, domain))
        .collect()
}

fn read_ignore_file(path: &Path, domain: &[String]) -> Result<Vec<Pattern>, Error> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Ok(Vec::new()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    }
    let bytes = fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(read_patterns(&String::from_utf8_lossy(&bytes), domain))
}

/// Depth-first over real directories (not symlinks), siblings sorted by name, `.git` skipped.
fn load_tree(dir: &Path, domain: &mut Vec<String>, out: &mut Vec<Pattern>) -> Result<(), Error> {
    out.extend(read_ignore_file(&dir.join(IGNORE_FILE), domain)?);
    let mut subdirs = Vec::new();
    let entries = fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let file_type = entry.file_type().map_err(|source| Error::Io {
            path: entry.path(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if file_type.is_dir() && name != ".git" {
            subdirs.push(name);
        }
    }
    subdirs.sort();
    for name in subdirs {
        let path = dir.join(&name);
        domain.push(name);
        let result = load_tree(&path, domain, out);
        domain.pop();
        result?;
    }
    Ok(())
}
