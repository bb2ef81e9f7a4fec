//! Errors and help the way flux reports them: `✗ <message>` on stderr and exit code 1,
//! with pflag's wording for flag errors.

use std::process::ExitCode;

use clap::CommandFactory;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::cli::Cli;
use crate::gostr::quote;

/// Prints `✗ <message>` on stderr; the exit code is 1.
pub fn fail(message: &str) -> ExitCode {
    eprintln!("✗ {message}");
    ExitCode::FAILURE
}

/// Prints the help of the command at `path` (cobra does this for command groups run
/// without a sub-command) and succeeds.
pub fn print_help(path: &[&str]) -> ExitCode {
    let mut args = vec!["gitops"];
    args.extend_from_slice(path);
    args.push("--help");
    if let Err(err) = Cli::command().try_get_matches_from(args) {
        let _ = err.print();
    }
    ExitCode::SUCCESS
}

/// The namespace: `-n`, else a valid `FLUX_SYSTEM_NAMESPACE`, else `flux-system`.
pub fn namespace(flag: Option<&str>) -> String {
    let mut default = "flux-system".to_string();
    if let Ok(env) = std::env::var("FLUX_SYSTEM_NAMESPACE")
        && !env.is_empty()
    {
        if crate::flags::is_dns1123_label(&env) {
            default = env;
        } else {
            eprintln!(
                "⚠️  ignoring invalid FLUX_SYSTEM_NAMESPACE: {}",
                quote(&env)
            );
        }
    }
    flag.map_or(default, str::to_string)
}

fn context_str(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => v.first().cloned(),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Flags that have a one-letter form, for pflag's `-x, --name` spelling.
fn shorthand(long: &str) -> Option<char> {
    match long {
        "namespace" => Some('n'),
        "username" => Some('u'),
        "password" => Some('p'),
        "silent" => Some('s'),
        _ => None,
    }
}

/// The long name of the flag in an `InvalidArg` context (`--interval <INTERVAL>`).
fn flag_name(arg: &str) -> String {
    let first = arg.split([' ', '=', '[']).next().unwrap_or(arg);
    first.trim_start_matches('-').to_string()
}

/// The command path from a usage context (`Usage: gitops create source [OPTIONS] …`).
fn command_path(err: &clap::Error) -> String {
    let usage = context_str(err, ContextKind::Usage).unwrap_or_default();
    let line = usage.lines().find(|l| l.contains("Usage:")).unwrap_or("");
    let rest = line.split("Usage:").nth(1).unwrap_or("gitops").trim();
    rest.split_whitespace()
        .take_while(|w| !w.starts_with(['[', '<', '-']))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reports a command-line parsing error the way cobra/pflag words it.
pub fn report_clap(err: clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let message = match err.kind() {
        ErrorKind::UnknownArgument => {
            let arg = context_str(&err, ContextKind::InvalidArg).unwrap_or_default();
            if let Some(long) = arg.strip_prefix("--") {
                format!("unknown flag: --{}", long.split('=').next().unwrap_or(long))
            } else if let Some(short) = arg.strip_prefix('-') {
                let c = short.chars().next().unwrap_or('-');
                format!("unknown shorthand flag: '{c}' in -{short}")
            } else {
                format!(
                    "unknown command {} for {}",
                    quote(&arg),
                    quote(&command_path(&err))
                )
            }
        }
        ErrorKind::InvalidSubcommand => {
            let sub = context_str(&err, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!(
                "unknown command {} for {}",
                quote(&sub),
                quote(&command_path(&err))
            )
        }
        ErrorKind::ValueValidation => {
            let arg = context_str(&err, ContextKind::InvalidArg).unwrap_or_default();
            let value = context_str(&err, ContextKind::InvalidValue).unwrap_or_default();
            let long = flag_name(&arg);
            let name = match shorthand(&long) {
                Some(c) => format!("-{c}, --{long}"),
                None => format!("--{long}"),
            };
            let cause = std::error::Error::source(&err)
                .map(|s| s.to_string())
                .unwrap_or_default();
            format!(
                "invalid argument {} for {} flag: {cause}",
                quote(&value),
                quote(&name)
            )
        }
        ErrorKind::InvalidValue | ErrorKind::NoEquals => {
            let arg = context_str(&err, ContextKind::InvalidArg).unwrap_or_default();
            let long = flag_name(&arg);
            if arg.starts_with("--") {
                format!("flag needs an argument: --{long}")
            } else {
                format!("flag needs an argument: '{long}' in -{long}")
            }
        }
        _ => {
            let text = err.to_string();
            text.lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ")
                .to_string()
        }
    };
    fail(&message)
}
