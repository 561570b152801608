//! `docker-ecs`: a Docker CLI plugin. The docker CLI runs it as `docker-ecs ecs <command> ...` (the
//! plugin name first), asks `docker-ecs docker-cli-plugin-metadata` what it is, and for `docker help
//! ecs` runs `docker-ecs help ecs`. Run directly, `docker-ecs <command>` works too.

mod cli;
mod commands;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

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
    out.extend(args);
    PluginCall::Run(out)
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
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        cli::Cli::command().debug_assert();
    }
}
