//! `gitops`: a drop-in for Flux's `flux` CLI (`create … --export`, artifacts, sources,
//! kustomize builds so far).

mod artifact_cmd;
mod canary_cmd;
mod cli;
mod cluster;
mod create;
mod devcluster_cmd;
mod errors;
mod export;
mod flags;
mod gostr;
mod gourl;
mod helm_cmd;
mod imageref;
mod kustomize_cmd;
mod logger;
mod source_cmd;
mod table;
mod up;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// mimalloc: builds allocate many small maps and strings (a fifth faster than glibc's
/// allocator on the kustomize benchmarks, at about the same peak memory).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `gitops helm …` (a hot path: scripts, kustomize builds) is parsed with the helm
    // command alone; building the whole command tree would touch code and memory it never
    // needs.
    if std::env::args_os().nth(1).is_some_and(|a| a == "helm") {
        return helm_cmd::main();
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return errors::report_clap(err),
    };
    let namespace = errors::namespace(cli.global.namespace.as_deref());
    match &cli.command {
        None => errors::print_help(&[]),
        Some(Command::Version) => {
            println!("gitops: v{}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(Command::Crds) => print(export::crds()),
        Some(Command::Canary(cmd)) => print(canary_cmd::run(cmd)),
        Some(Command::Kustomize(cmd)) => print(kustomize_cmd::run(cmd)),
        Some(Command::Helm(cmd)) => helm_cmd::execute(cmd, cli.global.namespace.as_deref()),
        Some(Command::Build(cmd)) => match &cmd.command {
            artifact_cmd::BuildCommand::Kustomization(args) => {
                print(cluster::build::build(args, &cli.global, &namespace))
            }
            artifact_cmd::BuildCommand::Artifact(_) => print(artifact_cmd::build(cmd)),
        },
        Some(Command::Diff(cmd)) => {
            match cluster::build::diff(&cmd.command, &cli.global, &namespace) {
                Ok((text, changed)) => {
                    print!("{text}");
                    if changed {
                        ExitCode::from(1)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => {
                    let _ = errors::fail(&e);
                    ExitCode::from(2)
                }
            }
        }
        Some(Command::Push(cmd)) => print(artifact_cmd::push(cmd)),
        Some(Command::Pull(cmd)) => print(artifact_cmd::pull(cmd)),
        Some(Command::List(cmd)) => print(artifact_cmd::list(cmd)),
        Some(Command::Source(cmd)) => print(source_cmd::run(cmd, &namespace)),
        Some(Command::Up(args)) => print(up::run(args, &cli.global).map(|()| String::new())),
        Some(Command::Devcluster(args)) => {
            print(devcluster_cmd::run(args, cli.global.kubeconfig.as_deref()))
        }
        Some(
            cmd @ (Command::Get(_)
            | Command::Reconcile(_)
            | Command::Suspend(_)
            | Command::Resume(_)
            | Command::Delete(_)
            | Command::Events(_)
            | Command::Tree(_)),
        ) => match cluster::run(cmd, &cli.global, &namespace) {
            Ok(cluster::Done::Text(out)) => write_out(&out, &[]),
            Ok(cluster::Done::Help(path)) => errors::print_help(&path),
            Err(e) => errors::fail(&e),
        },
        Some(Command::Create(create)) => match create::run(create, &namespace) {
            Ok(create::Outcome::Done(out)) => write_out(&out.stdout, &out.stderr),
            Ok(create::Outcome::Apply(out)) => {
                write_out("", &out.stderr);
                print(
                    cluster::create(&cli.global, &namespace, create, &out.stdout)
                        .map(|()| String::new()),
                )
            }
            Ok(create::Outcome::Help(path)) => errors::print_help(&path),
            Err((partial, message)) => {
                write_out(&partial.stdout, &partial.stderr);
                errors::fail(&message)
            }
        },
    }
}

/// Prints a command's output, or fails with its error.
fn print(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(text) => write_out(&text, &[]),
        Err(e) => errors::fail(&e),
    }
}

/// Prints the stderr notes, then the stdout text.
pub(crate) fn write_out(stdout: &str, stderr: &[String]) -> ExitCode {
    for line in stderr {
        eprintln!("{line}");
    }
    let mut out = std::io::stdout().lock();
    if out
        .write_all(stdout.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
