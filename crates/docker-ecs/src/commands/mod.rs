//! One module per command; this one only dispatches and holds what several commands share.

mod build;
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
mod restart;
mod run_task;
mod secret;
mod up;
mod version;

use std::process::ExitCode;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use ecs_deploy::{AwsOptions, Interrupts};

use crate::cli::{AwsArgs, Cli, Command};

pub use project::{build_project, load_project, locate_image_problems, project_name};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        use clap::CommandFactory;
        crate::cli::Cli::command().print_help()?;
        return Ok(ExitCode::SUCCESS);
    };
    // The commands that handle Ctrl-C catch it from here on, before the project is even loaded: a
    // Ctrl-C while they start is theirs to report, not the default death by signal.
    if matches!(
        command,
        Command::Up(_)
            | Command::Down(_)
            | Command::Build(_)
            | Command::Push(_)
            | Command::Diff(_)
            | Command::Run(_)
            | Command::Restart(_)
    ) {
        catch_interrupts()?;
    }
    match command {
        Command::Convert(args) => convert::run(&cli.project, &args),
        Command::Config(args) => config::run(&cli.project, &args),
        Command::Version => version::run(),
        Command::Up(args) => up::run(&cli.project, &cli.aws, &args),
        Command::Diff(args) => diff::run(&cli.project, &cli.aws, &args),
        Command::Exec(args) => exec::run(&cli.project, &cli.aws, &args),
        Command::Run(args) => run_task::run(&cli.project, &cli.aws, &args),
        Command::Down(args) => down::run(&cli.project, &cli.aws, &args),
        Command::Build(args) => build::run_build(&cli.project, &args),
        Command::Push(args) => build::run_push(&cli.project, &cli.aws, &args),
        Command::Ps(args) => ps::run(&cli.project, &cli.aws, &args),
        Command::Logs(args) => logs::run(&cli.project, &cli.aws, &args),
        Command::Secret(cmd) => secret::run(&cli.aws, cmd),
        Command::Ls(args) => ls::run(&cli.aws, &args),
        Command::Restart(args) => restart::run(&cli.project, &cli.aws, &args),
        Command::Stop(_) => restart::unsupported("stop"),
        Command::Start(_) => restart::unsupported("start"),
        Command::Scale(_) => restart::unsupported("scale"),
    }
}

/// Print an error chain once, docker-style: the error, then each cause on its own line.
pub fn print_error(err: &anyhow::Error) {
    eprint!("{}", error_text(err));
}

/// An AWS error's text already is the best its SDK source has to say, so the chain stops there.
fn error_text(err: &anyhow::Error) -> String {
    let mut text = format!("error: {err}\n");
    for (cause, parent) in err.chain().skip(1).zip(err.chain()) {
        if matches!(parent.downcast_ref(), Some(ecs_deploy::Error::Aws { .. })) {
            break;
        }
        text.push_str(&format!("  caused by: {cause}\n"));
    }
    text
}

static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// The Tokio runtime of the commands that talk to AWS, made on first use.
pub fn runtime() -> anyhow::Result<&'static tokio::runtime::Runtime> {
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// Ctrl-C caught since [`catch_interrupts`], waiting for the command to take them.
static CAUGHT: Mutex<Option<Interrupts>> = Mutex::new(None);

/// Catch Ctrl-C from now on, for the command to handle once it runs.
fn catch_interrupts() -> anyhow::Result<()> {
    let runtime = runtime()?;
    let _inside = runtime.enter();
    let interrupts = Interrupts::ctrl_c();
    if let Ok(mut caught) = CAUGHT.lock() {
        *caught = Some(interrupts);
    }
    Ok(())
}

/// Every Ctrl-C since the command started (caught early by [`run`]); must be called inside the
/// runtime.
pub fn interrupts() -> Interrupts {
    CAUGHT
        .lock()
        .ok()
        .and_then(|mut caught| caught.take())
        .unwrap_or_else(Interrupts::ctrl_c)
}

/// Exit status after Ctrl-C, as shells report a SIGINT death.
pub const INTERRUPTED: u8 = 130;

/// Where the AWS commands talk to, from the command line.
pub fn aws_options(aws: &AwsArgs) -> AwsOptions {
    AwsOptions {
        region: aws.region.clone(),
        profile: aws.aws_profile.clone(),
    }
}

/// Time between two looks at the stack: DOCKER_ECS_POLL_INTERVAL_MS (tests against a local API use
/// a short one), else 5 seconds.
pub fn poll_interval() -> Duration {
    std::env::var("DOCKER_ECS_POLL_INTERVAL_MS")
        .ok()
        .and_then(|ms| ms.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(5))
}

/// Print command output; a reader that closed the pipe early (`| head`) is not an error.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(err).context("writing to standard output"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_printed_under_the_error() {
        let err = anyhow::Error::new(std::io::Error::other("disk full"))
            .context("writing to standard output");
        assert_eq!(
            error_text(&err),
            "error: writing to standard output\n  caused by: disk full\n"
        );
    }

    #[test]
    fn an_aws_error_is_not_followed_by_its_sdk_source() {
        let aws = ecs_deploy::Error::Aws {
            action: "listing secrets".into(),
            message: "AccessDenied: no".into(),
            source: Some(Box::new(std::io::Error::other("service error"))),
        };
        let err = anyhow::Error::new(aws).context("docker ecs secret ls");
        assert_eq!(
            error_text(&err),
            "error: docker ecs secret ls\n  caused by: listing secrets: AccessDenied: no\n"
        );
    }
}
