//! One module per command; this one only dispatches and holds what several commands share.

mod config;
mod convert;
mod diff;
mod down;
mod exec;
mod logs;
mod ls;
mod project;
mod ps;
mod redeploy;
mod secret;
mod up;
mod version;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub use project::load_project;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Convert(args) => convert::run(&cli.project, &args),
        Command::Config(args) => config::run(&cli.project, &args),
        Command::Version => version::run(),
        Command::Up(args) => up::run(&cli.project, &cli.aws, &args),
        Command::Diff => diff::run(&cli.project, &cli.aws),
        Command::Exec(args) => exec::run(&cli.project, &cli.aws, &args),
        Command::Down(args) => down::run(&cli.project, &cli.aws, &args),
        Command::Ps(args) => ps::run(&cli.project, &cli.aws, &args),
        Command::Logs(args) => logs::run(&cli.project, &cli.aws, &args),
        Command::Secret(cmd) => secret::run(&cli.aws, cmd),
        Command::Ls(args) => ls::run(&cli.aws, &args),
    }
}

/// Print an error chain once, docker-style: the error, then each cause on its own line.
pub fn print_error(err: &anyhow::Error) {
    eprintln!("error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

/// A Tokio runtime for the commands that talk to AWS.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
