//! `create image repository|policy|update` (flux's `create_image_*.go`).

use clap::{Args, Subcommand};

use super::{CmdResult, Ctx, Generated, OrFail, fail};
use crate::cli::NameArg;
use crate::export::{Obj, local_ref, local_ref_opt, object, print_export};
use crate::flags;
use crate::imageref;
use gitops_core::duration::Duration;

const REFLECTOR_API: &str = "image.toolkit.fluxcd.io/v1";

/// The image automation kinds.
#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    /// Create or update an ImageRepository object
    Repository(ImageRepositoryArgs),
    /// Create or update an ImagePolicy object
    Policy(ImagePolicyArgs),
    /// Create or update an ImageUpdateAutomation object
    Update(ImageUpdateArgs),
}

impl ImageCommand {
    /// The name argument of the chosen command.
    pub fn name(&self) -> &NameArg {
        match self {
            ImageCommand::Repository(a) => &a.name,
            ImageCommand::Policy(a) => &a.name,
            ImageCommand::Update(a) => &a.name,
        }
    }
}

/// Runs the chosen image command.
pub fn run(ctx: &Ctx, cmd: &ImageCommand) -> CmdResult {
    match cmd {
        ImageCommand::Repository(a) => repository(ctx, a),
        ImageCommand::Policy(a) => policy(ctx, a),
        ImageCommand::Update(a) => update(ctx, a),
    }
}

/// Flags of `create image repository`.
#[derive(Args, Debug)]
pub struct ImageRepositoryArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// the image repository to scan; e.g., library/alpine
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub image: String,
    /// the name of a docker-registry secret to use for credentials
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub secret_ref: String,
    /// the name of a secret to use for TLS certificates
    #[arg(long = "cert-ref", default_value = "", allow_hyphen_values = true)]
    pub cert_secret_ref: String,
    /// a timeout for scanning; this defaults to the interval if not set
    #[arg(long = "scan-timeout", value_parser = flags::duration, default_value = "0s", allow_hyphen_values = true)]
    pub timeout: Duration,
}

/// `create image repository`.
pub fn repository(ctx: &Ctx, a: &ImageRepositoryArgs) -> CmdResult {
    if a.image.is_empty() {
        return fail("an image repository (--image) is required");
    }
    imageref::new_repository(&a.image)
        .map_err(|e| format!("unable to parse image value: {e}"))
        .or_fail()?;
    let labels = ctx.labels().or_fail()?;
    let mut spec = Obj::new()
        .str("image", &a.image)
        .set("interval", ctx.interval().to_string());
    if a.timeout.as_nanos() != 0 {
        spec = spec.set("timeout", a.timeout.to_string());
    }
    spec = spec
        .opt("secretRef", local_ref_opt(&a.secret_ref))
        .opt("certSecretRef", local_ref_opt(&a.cert_secret_ref));
    let obj = object(
        REFLECTOR_API,
        "ImageRepository",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}

/// Flags of `create image policy`. Its `--interval` is its own (default 0), shadowing
/// `create`'s: the shared flag is read and taken as this command's when given.
#[derive(Args, Debug)]
pub struct ImagePolicyArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// the name of an image repository object
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub image_ref: String,
    /// a semver range to apply to tags; e.g., '1.x'
    #[arg(long = "select-semver", default_value = "", allow_hyphen_values = true)]
    pub semver: String,
    /// use alphabetical sorting to select image; either "asc" meaning select the last, or "desc" meaning select the first
    #[arg(long = "select-alpha", default_value = "", allow_hyphen_values = true)]
    pub alpha: String,
    /// use numeric sorting to select image; either "asc" meaning select the last, or "desc" meaning select the first
    #[arg(
        long = "select-numeric",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub numeric: String,
    /// regular expression pattern used to filter the image tags
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub filter_regex: String,
    /// replacement pattern (using capture groups from --filter-regex) to use for sorting
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub filter_extract: String,
    /// the digest reflection policy to use when observing latest image tags (one of 'Never', 'IfNotPresent', 'Never')
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub reflect_digest: String,
}

/// `create image policy`.
pub fn policy(ctx: &Ctx, a: &ImagePolicyArgs) -> CmdResult {
    if a.image_ref.is_empty() {
        return fail("the name of an ImageRepository in the namespace is required (--image-ref)");
    }
    let labels = ctx.labels().or_fail()?;
    let (semver, alpha, numeric) = (
        !a.semver.is_empty(),
        !a.alpha.is_empty(),
        !a.numeric.is_empty(),
    );
    // flux's switch: the first two conflicting combinations are silently accepted
    // and leave the policy empty; only alpha+numeric is rejected.
    let choice = if semver && (alpha || numeric) {
        Obj::new()
    } else if alpha && numeric {
        return fail(
            "only one of --select-semver, --select-alpha or --select-numeric can be specified",
        );
    } else if semver {
        Obj::new().set("semver", Obj::new().set("range", a.semver.as_str()))
    } else if alpha {
        if a.alpha != "desc" && a.alpha != "asc" {
            return fail("--select-alpha must be one of [\"asc\", \"desc\"]");
        }
        Obj::new().set("alphabetical", Obj::new().str("order", &a.alpha))
    } else if numeric {
        if a.numeric != "desc" && a.numeric != "asc" {
            return fail("--select-numeric must be one of [\"asc\", \"desc\"]");
        }
        Obj::new().set("numerical", Obj::new().str("order", &a.numeric))
    } else {
        return fail("a policy must be provided with either --select-semver or --select-alpha");
    };
    let mut spec = Obj::new()
        .set("imageRepositoryRef", local_ref(&a.image_ref))
        .set("policy", choice);

    if !a.filter_regex.is_empty() {
        let Ok(re) = regex_lite::Regex::new(&a.filter_regex) else {
            return fail("--filter-regex is an invalid regex pattern");
        };
        let mut filter = Obj::new().set("pattern", a.filter_regex.as_str());
        if !a.filter_extract.is_empty() {
            let names: Vec<&str> = re.capture_names().flatten().collect();
            validate_extract(&a.filter_extract, &names).or_fail()?;
            filter = filter.set("extract", a.filter_extract.as_str());
        }
        spec = spec.set("filterTags", filter);
    } else if !a.filter_extract.is_empty() {
        return fail("cannot specify --filter-extract without specifying --filter-regex");
    }

    if !a.reflect_digest.is_empty() {
        if !matches!(
            a.reflect_digest.as_str(),
            "Never" | "IfNotPresent" | "Always"
        ) {
            return fail(
                "invalid value for --reflect-digest, must be one of 'Never', 'IfNotPresent', 'Always'",
            );
        }
        spec = spec.set("digestReflectionPolicy", a.reflect_digest.as_str());
    }
    if let Some(interval) = ctx.common.interval.filter(|d| d.as_nanos() != 0) {
        if a.reflect_digest != "Always" {
            return fail(
                "the --interval flag can only be used with the 'Always' digest reflection policy, use --reflect-digest=Always",
            );
        }
        spec = spec.set("interval", interval.to_string());
    }
    let obj = object(
        REFLECTOR_API,
        "ImagePolicy",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}

/// flux's `validateExtractStr`: every named `$name`/`${name}` must be a capture group.
fn validate_extract(template: &str, cap_names: &[&str]) -> Result<(), String> {
    let mut t = template;
    while !t.is_empty() {
        let Some(i) = t.find('$') else { return Ok(()) };
        t = &t[i..];
        if t.len() > 1 && t.as_bytes()[1] == b'$' {
            t = &t[2..];
            continue;
        }
        let Some((name, num, rest)) = extract(t) else {
            return Err("--filter-extract is malformed".into());
        };
        t = rest;
        if num.is_none() && !cap_names.contains(&name) {
            return Err(format!(
                "capture group ${name} used in --filter-extract not found in --filter-regex"
            ));
        }
    }
    Ok(())
}

/// regexp's `extract`: the name (or number) after `$`, and the rest.
fn extract(s: &str) -> Option<(&str, Option<u32>, &str)> {
    let body = s.strip_prefix('$')?;
    let (brace, body) = match body.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let end = body
        .find(|c: char| !(c.is_alphabetic() || c.is_numeric() || c == '_'))
        .unwrap_or(body.len());
    if end == 0 {
        return None;
    }
    let name = &body[..end];
    let mut rest = &body[end..];
    if brace {
        rest = rest.strip_prefix('}')?;
    }
    let mut num: Option<u32> = Some(0);
    for b in name.bytes() {
        match num {
            Some(n) if b.is_ascii_digit() && n < 100_000_000 => {
                num = Some(n * 10 + u32::from(b - b'0'))
            }
            _ => {
                num = None;
                break;
            }
        }
    }
    if name.starts_with('0') && name.len() > 1 {
        num = None;
    }
    Some((name, num, rest))
}

/// Flags of `create image update`.
#[derive(Args, Debug)]
pub struct ImageUpdateArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// the name of a GitRepository resource with details of the upstream Git repository
    #[arg(long = "git-repo-ref", default_value = "", allow_hyphen_values = true)]
    pub git_repo_name: String,
    /// the namespace of the GitRepository resource, defaults to the ImageUpdateAutomation namespace
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub git_repo_namespace: String,
    /// path to the directory containing the manifests to be updated, defaults to the repository root
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub git_repo_path: String,
    /// the branch to checkout
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub checkout_branch: String,
    /// the branch to push commits to, defaults to the checkout branch if not specified
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub push_branch: String,
    /// a template for commit messages
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub commit_template: String,
    /// the name to use for commit author
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub author_name: String,
    /// the email to use for commit author
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub author_email: String,
    /// name of the Secret containing the signing key referenced in spec.git.commit.signingKey
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub signing_key_secret: String,
    /// signing-key format: gpg or ssh (defaults to gpg when --signing-key-secret is set)
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub signing_key_type: String,
}

/// `create image update`.
pub fn update(ctx: &Ctx, a: &ImageUpdateArgs) -> CmdResult {
    if a.git_repo_name.is_empty() {
        return fail("a reference to a GitRepository is required (--git-repo-ref)");
    }
    if a.checkout_branch.is_empty() {
        return fail("the Git repository branch is required (--checkout-branch)");
    }
    if a.author_name.is_empty() {
        return fail("the author name is required (--author-name)");
    }
    if a.author_email.is_empty() {
        return fail("the author email is required (--author-email)");
    }
    if !a.signing_key_type.is_empty() && a.signing_key_secret.is_empty() {
        return fail("--signing-key-type requires --signing-key-secret");
    }
    if !a.signing_key_type.is_empty() && a.signing_key_type != "gpg" && a.signing_key_type != "ssh"
    {
        return fail("--signing-key-type must be one of: gpg, ssh");
    }
    let labels = ctx.labels().or_fail()?;

    let mut commit = Obj::new()
        .set(
            "author",
            Obj::new()
                .str("name", &a.author_name)
                .set("email", a.author_email.as_str()),
        )
        .str("messageTemplate", &a.commit_template);
    if !a.signing_key_secret.is_empty() {
        commit = commit.set(
            "signingKey",
            Obj::new()
                .set("secretRef", local_ref(&a.signing_key_secret))
                .str("type", &a.signing_key_type),
        );
    }
    let mut git = Obj::new()
        .set(
            "checkout",
            Obj::new().set("ref", Obj::new().str("branch", &a.checkout_branch)),
        )
        .set("commit", commit);
    if !a.push_branch.is_empty() {
        git = git.set("push", Obj::new().str("branch", &a.push_branch));
    }
    let mut spec = Obj::new()
        .set(
            "sourceRef",
            Obj::new()
                .set("kind", "GitRepository")
                .set("name", a.git_repo_name.as_str())
                .str("namespace", &a.git_repo_namespace),
        )
        .set("git", git)
        .set("interval", ctx.interval().to_string());
    if !a.git_repo_path.is_empty() {
        spec = spec.set(
            "update",
            Obj::new()
                .str("path", &a.git_repo_path)
                .str("strategy", "Setters"),
        );
    }
    let obj = object(
        REFLECTOR_API,
        "ImageUpdateAutomation",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn extract_templates() {
        assert_eq!(validate_extract("$ts", &["ts"]), Ok(()));
        assert_eq!(validate_extract("${ts}-x", &["ts"]), Ok(()));
        assert_eq!(validate_extract("$1", &[]), Ok(()));
        assert_eq!(validate_extract("$$", &[]), Ok(()));
        assert_eq!(
            validate_extract("$foo", &["ts"]).unwrap_err(),
            "capture group $foo used in --filter-extract not found in --filter-regex"
        );
        assert_eq!(
            validate_extract("${ts", &["ts"]).unwrap_err(),
            "--filter-extract is malformed"
        );
    }
}
