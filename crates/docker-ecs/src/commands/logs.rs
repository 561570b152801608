//! `docker ecs logs [SERVICE...]`: the project's CloudWatch Logs, prefixed per task (`web-1`, as `ps`
//! names it) and coloured per service like `docker compose logs`. `--follow` polls until Ctrl-C.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use ecs_deploy::log_format::{LogLine, LogPrinter, LogStyle};
use ecs_deploy::logs::{self, LogEvent, LogSelection, LogWindow, Polling};
use ecs_deploy::{ps, stack_info, time_args, Clients, Error};

use crate::cli::{AwsArgs, LogsArgs, ProjectArgs};

pub fn run(project: &ProjectArgs, aws: &AwsArgs, args: &LogsArgs) -> anyhow::Result<ExitCode> {
    let name = super::project_name(project)?;
    let now = time_args::now();
    let window = LogWindow {
        start_ms: args
            .since
            .as_deref()
            .map(|v| time_args::parse_point_in_time("--since", v, now))
            .transpose()?,
        end_ms: args
            .until
            .as_deref()
            .map(|v| time_args::parse_point_in_time("--until", v, now))
            .transpose()?,
        tail: args.tail,
    };
    let style = LogStyle {
        colour: colour_wanted(args.no_color),
        prefix: !args.no_log_prefix,
        timestamps: args.timestamps,
    };
    super::runtime()?.block_on(async {
        let clients = Clients::load(&super::aws_options(aws)).await?;
        let app = stack_info::load(
            &clients.cloudformation,
            &clients.ecs,
            &name,
            &clients.region,
        )
        .await?;
        // Each task's lines are named as `ps` names the task (`worker-2`).
        let tasks = ps::tasks(&clients.ecs, &app.services, &[], true).await?;
        let selection = LogSelection::new(
            &name,
            app.service_names(),
            args.services.clone(),
            args.init_containers,
        )?
        .with_replicas(ps::replica_numbers(&tasks));
        let shown = selection.shown_names();
        let mut printer = Printer(LogPrinter::new(style, shown.iter().map(String::as_str)));
        if args.follow {
            let mut emit = |event: &LogEvent| printer.print(event);
            let follow = logs::follow(
                &clients.logs,
                &selection,
                window,
                Polling::default(),
                &mut emit,
            );
            tokio::select! {
                result = follow => result.or_else(reader_gone)?,
                // Following ends only this way: the status of an interrupted command, as up and down.
                _ = tokio::signal::ctrl_c() => return Ok(ExitCode::from(super::INTERRUPTED)),
            }
        } else {
            let events = logs::fetch(&clients.logs, &selection, window, Polling::default()).await?;
            printer.0.widen(logs::containers(&events));
            for event in &events {
                if let Err(err) = printer.print(event) {
                    reader_gone(err)?;
                    break;
                }
            }
        }
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    })
}

/// `docker ecs logs | head` closing the pipe ends the output, like SIGPIPE would: not an error.
fn reader_gone(err: Error) -> Result<(), Error> {
    match &err {
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        _ => Err(err),
    }
}

/// Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org).
fn colour_wanted(no_color_flag: bool) -> bool {
    !no_color_flag
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Writes formatted events to stdout, flushing each so `--follow` output appears at once.
struct Printer(LogPrinter);

impl Printer {
    fn print(&mut self, event: &LogEvent) -> Result<(), Error> {
        let text = self.0.format(&LogLine {
            name: &event.container,
            colour_index: event.colour_index,
            timestamp_ms: event.timestamp_ms,
            message: &event.message,
        });
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|source| Error::Io {
                context: "writing logs to standard output".into(),
                source,
            })
    }
}
