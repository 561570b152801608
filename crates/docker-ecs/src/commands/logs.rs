//! `docker ecs logs [SERVICE...]`: the project's CloudWatch Logs, prefixed and coloured per service
//! like `docker compose logs`. `--follow` polls until Ctrl-C.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use ecs_deploy::log_format::{format_line, prefix_width, LogLine, LogStyle};
use ecs_deploy::logs::{self, LogEvent, LogSelection, LogWindow, Polling};
use ecs_deploy::{stack_info, time_args, Clients, Error};

use crate::cli::{AwsArgs, LogsArgs, ProjectArgs};

pub fn run(project: &ProjectArgs, aws: &AwsArgs, args: &LogsArgs) -> anyhow::Result<ExitCode> {
    let name = super::ps::project_name(project)?;
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
        let clients = Clients::load(&super::up::aws_options(aws)).await?;
        let app = stack_info::load(
            &clients.cloudformation,
            &clients.ecs,
            &name,
            &clients.region,
        )
        .await?;
        let selection = LogSelection::new(
            &name,
            app.service_names(),
            args.services.clone(),
            args.init_containers,
        )?;
        let mut printer = Printer::new(style, selection.shown_services());
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
                result = follow => result?,
                _ = tokio::signal::ctrl_c() => {}
            }
        } else {
            let events = logs::fetch(&clients.logs, &selection, window, Polling::default()).await?;
            printer.widen(logs::containers(&events));
            for event in &events {
                printer.print(event)?;
            }
        }
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    })
}

/// Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org).
fn colour_wanted(no_color_flag: bool) -> bool {
    !no_color_flag
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Writes formatted events to stdout; the prefix width grows when a longer name shows up (an init
/// container first seen while following), as `docker compose logs` does.
struct Printer {
    style: LogStyle,
    width: usize,
}

impl Printer {
    fn new(style: LogStyle, services: &[String]) -> Self {
        Printer {
            style,
            width: prefix_width(services.iter().map(String::as_str)),
        }
    }

    fn widen<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.width = self.width.max(prefix_width(names));
    }

    fn print(&mut self, event: &LogEvent) -> Result<(), Error> {
        self.widen([event.container.as_str()]);
        let text = format_line(
            self.style,
            self.width,
            &LogLine {
                name: &event.container,
                colour_index: event.colour_index,
                timestamp_ms: event.timestamp_ms,
                message: &event.message,
            },
        );
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|source| Error::Io {
                context: "writing logs to standard output".into(),
                source,
            })
    }
}
