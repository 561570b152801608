//! `docker-ecs`: a Docker CLI plugin. The docker CLI runs it as `docker-ecs ecs <command> ...` (the
//! plugin name first), asks `docker-ecs docker-cli-plugin-metadata` what it is, and for `docker help
//! ecs` runs `docker-ecs help ecs`. Run directly, `docker-ecs <command>` works too.

// A dependency nothing uses fails the lint (dev-dependencies are not part of the non-test build).
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod cli;
mod commands;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

/// mimalloc: `convert` of a large project spends a quarter of its time allocating and freeing
/// small values (YAML and JSON trees), which it does in a fraction of the system allocator's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PLUGIN_NAME: &str = "ecs";
const METADATA: &str = include_str!("../../../docker-cli-plugin-metadata.json");

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let args = match plugin_args(args) {
        PluginCall::Metadata => {
            print!("{METADATA}");
            return ExitCode::SUCCESS;
        }
        PluginCall::Run(args) => args,
    };
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout with exit 0 and usage errors to stderr with exit 2.
            let _ = err.print();
            return ExitCode::from(err.exit_code() as u8);
        }
    };
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            commands::print_error(&err);
            ExitCode::FAILURE
        }
    }
}

enum PluginCall {
    Metadata,
    Run(Vec<OsString>),
}

/// Turn the argument vector the docker CLI passes into the one clap expects (`docker ecs <command>`).
fn plugin_args(mut args: Vec<OsString>) -> PluginCall {
    let program = if args.is_empty() {
        OsString::from("docker-ecs")
    } else {
        args.remove(0)
    };
    let first = args.first().and_then(|a| a.to_str()).map(str::to_owned);
    match first.as_deref() {
        Some("docker-cli-plugin-metadata") => return PluginCall::Metadata,
        Some(PLUGIN_NAME) => {
            args.remove(0);
        }
        // `docker help ecs [command]` runs `docker-ecs help ecs [command]`.
        Some("help") => {
            args.remove(0);
            if args.first().and_then(|a| a.to_str()) == Some(PLUGIN_NAME) {
                args.remove(0);
            }
            args.push(OsString::from("--help"));
        }
        _ => {}
    }
    let mut out = vec![program];
    out.extend(follow_flag_after_logs(args));
    PluginCall::Run(out)
}

/// Global options that take a value (so their value is not mistaken for the command name).
const GLOBAL_OPTIONS_WITH_VALUE: &[&str] = &[
    "-f",
    "--file",
    "-p",
    "--project-name",
    "--project-directory",
    "--env-file",
    "--profile",
    "--region",
    "--aws-profile",
];

/// As in `docker compose`, `-f` is `--file` before the command but `--follow` after `logs`
/// (`docker ecs logs -f`). clap cannot give one short flag two meanings, so rewrite it here.
fn follow_flag_after_logs(args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    let mut in_logs = false;
    while let Some(arg) = iter.next() {
        let text = arg.to_str().unwrap_or_default().to_owned();
        if in_logs {
            if text == "--" {
                out.push(arg);
                out.extend(iter.by_ref());
                break;
            }
            out.push(if text == "-f" {
                OsString::from("--follow")
            } else {
                arg
            });
            continue;
        }
        if GLOBAL_OPTIONS_WITH_VALUE.contains(&text.as_str()) {
            out.push(arg);
            out.extend(iter.next());
            continue;
        }
        if !text.starts_with('-') {
            // The first word that is not an option is the command.
            in_logs = text == "logs";
            if !in_logs {
                out.push(arg);
                out.extend(iter.by_ref());
                break;
            }
        }
        out.push(arg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_args(args: &[&str]) -> Vec<String> {
        match plugin_args(args.iter().map(OsString::from).collect()) {
            PluginCall::Run(a) => a.into_iter().map(|a| a.into_string().unwrap()).collect(),
            PluginCall::Metadata => vec!["<metadata>".into()],
        }
    }

    #[test]
    fn strips_the_plugin_name_docker_passes_first() {
        assert_eq!(
            run_args(&["docker-ecs", "ecs", "up", "-d"]),
            ["docker-ecs", "up", "-d"]
        );
    }

    #[test]
    fn direct_invocation_is_left_alone() {
        assert_eq!(
            run_args(&["docker-ecs", "convert"]),
            ["docker-ecs", "convert"]
        );
    }

    #[test]
    fn answers_metadata() {
        assert_eq!(
            run_args(&["docker-ecs", "docker-cli-plugin-metadata"]),
            ["<metadata>"]
        );
        let v: serde_json::Value = serde_json::from_str(METADATA).unwrap();
        assert_eq!(v["SchemaVersion"], "0.1.0");
        assert!(v["ShortDescription"].as_str().unwrap().contains("ECS"));
    }

    #[test]
    fn help_ecs_becomes_help_flag() {
        assert_eq!(
            run_args(&["docker-ecs", "help", "ecs"]),
            ["docker-ecs", "--help"]
        );
        assert_eq!(
            run_args(&["docker-ecs", "help", "ecs", "up"]),
            ["docker-ecs", "up", "--help"]
        );
    }

    #[test]
    fn dash_f_after_logs_means_follow_like_docker_compose() {
        assert_eq!(
            run_args(&["docker-ecs", "ecs", "-f", "a.yaml", "logs", "-f", "web"]),
            ["docker-ecs", "-f", "a.yaml", "logs", "--follow", "web"]
        );
        assert_eq!(
            run_args(&["docker-ecs", "--project-name", "logs", "up", "-f", "x.yaml"]),
            ["docker-ecs", "--project-name", "logs", "up", "-f", "x.yaml"]
        );
        assert_eq!(
            run_args(&["docker-ecs", "logs", "--", "-f"]),
            ["docker-ecs", "logs", "--", "-f"]
        );
    }

    #[test]
    fn logs_follow_parses_after_rewrite() {
        let args = run_args(&["docker-ecs", "ecs", "logs", "-f", "web"]);
        let cli = cli::Cli::try_parse_from(args).unwrap();
        match cli.command {
            Some(cli::Command::Logs(logs)) => {
                assert!(logs.follow);
                assert_eq!(logs.services, ["web"]);
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        cli::Cli::command().debug_assert();
    }
}
