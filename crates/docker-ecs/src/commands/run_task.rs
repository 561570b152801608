//! `docker ecs run SERVICE [COMMAND...]`: a one-off task of a service, as `docker compose run`:
//! its log on stdout, its exit code as ours; `-d` prints the task id and returns.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use ecs_deploy::run::{self, Ended, RunRequest};
use ecs_deploy::Clients;

use crate::cli::{AwsArgs, ProjectArgs, RunArgs};

/// How often the task's state and log are read.
const POLL: Duration = Duration::from_secs(2);

pub fn run(project: &ProjectArgs, aws: &AwsArgs, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let name = super::project_name(project)?;
    let request = RunRequest {
        service: args.service.clone(),
        command: args.command.clone(),
        environment: run::parse_environment(&args.env, |key| std::env::var(key).ok())?,
        entrypoint: args.entrypoint.clone(),
        workdir: args.workdir.clone(),
        user: args.user.clone(),
        name: args.name.clone(),
        group: None,
    };
    let runtime = super::runtime()?;
    runtime.block_on(async {
        let mut interrupts = super::interrupts();
        let clients = Clients::load(&super::aws_options(aws)).await?;
        let started = run::start(&clients, &name, &request).await?;
        if args.detach {
            println!("{}", started.task_id());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "Started task {} of service {} (docker ecs ps shows it)",
            started.task_id(),
            request.service
        );
        if started.log.is_none() {
            eprintln!(
                "The {} container does not log to CloudWatch Logs: only its exit code is shown",
                started.container
            );
        }
        let mut stdout = std::io::stdout();
        let mut print = |line: &str| {
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
        };
        let ended = run::follow(&clients, &started, POLL, &mut interrupts, &mut print).await?;
        Ok(match ended {
            Ended::Exited(code) => {
                if code != 0 {
                    eprintln!("Task {} exited with code {code}", started.task_id());
                }
                // Exit codes beyond a byte wrap as a shell sees them.
                ExitCode::from((code & 0xff) as u8)
            }
            Ended::Failed(why) => {
                anyhow::bail!(
                    "task {} stopped before its command ran: {why}",
                    started.task_id()
                )
            }
            Ended::Interrupted => {
                eprintln!("Interrupted: task {} is being stopped", started.task_id());
                ExitCode::from(super::INTERRUPTED)
            }
        })
    })
}
