//! Command-line surface: the flags of `docker compose` for loading a project, plus AWS flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "docker ecs",
    bin_name = "docker ecs",
    version,
    about = "Deploy Docker Compose applications to Amazon ECS (one CloudFormation stack per project)",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// None: `docker ecs` alone prints the help and exits 0, as `docker compose` does.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The heading of the Compose project flags in every command's help.
pub const PROJECT_HEADING: &str = "Compose project options";
/// The heading of the AWS flags in every command's help.
pub const AWS_HEADING: &str = "AWS options";

/// How to find and load the Compose project (same flags and variables as `docker compose`).
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = PROJECT_HEADING)]
pub struct ProjectArgs {
    /// Compose configuration files (repeatable; COMPOSE_FILE is used when absent)
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Project name (COMPOSE_PROJECT_NAME is used when absent)
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    pub project_name: Option<String>,
    /// Alternate working directory (default: the directory of the first Compose file)
    #[arg(long, global = true, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Alternate environment files (repeatable)
    #[arg(long = "env-file", global = true, value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Compose profiles to enable (repeatable; COMPOSE_PROFILES is used when absent)
    #[arg(long = "profile", global = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
}

/// Where to talk to AWS. `--profile` belongs to Compose (profiles of services), as in `docker
/// compose`, so the AWS named profile is `--aws-profile` (AWS_PROFILE works as usual).
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = AWS_HEADING)]
pub struct AwsArgs {
    /// AWS region (default: AWS_REGION or the profile's region)
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// AWS named profile (default: AWS_PROFILE)
    #[arg(long = "aws-profile", global = true, value_name = "NAME")]
    pub aws_profile: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

/// The `--format` help of the commands that print a table.
const TABLE_FORMAT_HELP: &str = "Output format: a table for people, or JSON for scripts";

/// `convert` output: the template, or a picture of the app and the AWS resources it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ConvertFormat {
    #[default]
    Yaml,
    Json,
    /// Graphviz DOT (`dot -Tsvg`)
    Dot,
    /// Mermaid flowchart
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TableFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Clone, Args, Default)]
pub struct DiffArgs {
    /// Exit with status 1 when `up` would change something (a resource or an image), 0 when not:
    /// for CI
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update the application's CloudFormation stack and wait for it
    Up(UpArgs),
    /// Show what `up` would add, modify, replace or remove, without changing anything
    Diff(DiffArgs),
    /// Run a command in a running task of a service (ECS Exec; needs `x-aws-exec: true` and the
    /// AWS Session Manager plugin)
    Exec(ExecArgs),
    /// Run a one-off task from a service's task definition (a migration, a seeder), stream its
    /// log and exit with its exit code
    Run(RunArgs),
    /// Delete the application's stack (EFS volumes are retained)
    Down(DownArgs),
    /// Build the images of services with `build:` with your docker (nothing is pushed)
    Build(BuildArgs),
    /// Build and push the images of services with `build:` to Amazon ECR (nothing is deployed)
    Push(BuildArgs),
    /// List the application's tasks and services
    ///
    /// CPU % and MEM % are each service's average CPU and memory use (CloudWatch's AWS/ECS metrics,
    /// the last minute with data), on the rows of its running tasks; "-" when there is none yet.
    Ps(PsArgs),
    /// Show the application's logs from CloudWatch Logs
    Logs(LogsArgs),
    /// Print the CloudFormation template for the application (no AWS access needed)
    Convert(ConvertArgs),
    /// Validate and print the normalised Compose model
    Config(ConfigArgs),
    /// Manage secrets in AWS Secrets Manager
    #[command(subcommand)]
    Secret(SecretCommand),
    /// List the applications deployed in the account and region
    Ls(LsArgs),
    /// Replace the tasks of services (all when none named) with new ones, and wait for them
    Restart(RestartArgs),
    /// Not supported: explains how to stop services without drift from the stack
    Stop(UnsupportedArgs),
    /// Not supported: explains how services are started
    Start(UnsupportedArgs),
    /// Not supported: explains how to change a service's number of tasks
    Scale(UnsupportedArgs),
    /// Show version information
    Version,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Return once the change set is executing, without waiting
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Only show what would change (as `docker ecs diff`): the change set is deleted, nothing is deployed
    #[arg(long, conflicts_with = "detach")]
    pub dry_run: bool,
    /// After deploying, replace every service's tasks so images behind an unchanged tag (`:latest`)
    /// are pulled again
    #[arg(long, conflicts_with_all = ["detach", "dry_run"])]
    pub force_new_deployment: bool,
    /// Build images before deploying (what `up` always does: docker's cache keeps an unchanged
    /// build quick, and a changed one must not be missed)
    #[arg(long)]
    pub build: bool,
    /// Do not build: deploy the images last pushed to Amazon ECR under each service's tag
    #[arg(long, conflicts_with_all = ["build", "dry_run"])]
    pub no_build: bool,
    /// Also print the ids of what is used (VPC, subnets), not only how many
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Services to build (default: every service with `build:`)
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Compose service name
    pub service: String,
    /// Task id or ARN (default: the first RUNNING task of the service)
    #[arg(long, value_name = "ID")]
    pub task: Option<String>,
    /// Container name (default: the service's own container)
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// Keep standard input open (ECS Exec sessions always are; accepted as in `docker exec`)
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a terminal (ECS Exec sessions always do; accepted as in `docker exec`)
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Command and arguments to run
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Start the task and print its id, without waiting for it
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Set an environment variable (`KEY=VALUE`, or `KEY` to pass this shell's value)
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Override the image's entrypoint (a one-off task definition is registered for the run)
    #[arg(long, value_name = "CMD")]
    pub entrypoint: Option<String>,
    /// Working directory inside the container (a one-off task definition is registered)
    #[arg(short = 'w', long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// User to run as, `name|uid[:group|gid]` (a one-off task definition is registered)
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,
    /// A name for the task, shown as its `startedBy` (at most 36 characters are kept)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Accepted as in `docker compose run`: the task is never kept (ECS removes stopped tasks)
    #[arg(long)]
    pub rm: bool,
    /// Compose service name
    pub service: String,
    /// Command and arguments (default: the service's own)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Return once the deletion has started, without waiting
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Also remove images: `all` deletes the Amazon ECR repositories `up` created for the
    /// project, with their images (after the stack is gone)
    #[arg(long, value_enum, value_name = "TYPE", conflicts_with = "detach")]
    pub rmi: Option<RemoveImages>,
    /// Also delete the project's EFS file systems and their data (the stack retains them), after
    /// the stack is gone; asks first unless -y
    #[arg(short = 'v', long, conflicts_with = "detach")]
    pub volumes: bool,
    /// Do not ask before deleting the EFS file systems of `--volumes` (needed when standard input
    /// is not a terminal)
    #[arg(short = 'y', long)]
    pub yes: bool,
}

/// `down --rmi`: which images go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RemoveImages {
    /// The repositories `up` created for the project's `build:` services
    All,
    /// Images without a custom `image:` name; none here: every pushed image is named (accepted for
    /// compatibility, removes nothing)
    Local,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all tasks: also the stopped ones ECS still lists (by default, the tasks it runs or starts)
    #[arg(short = 'a', long)]
    pub all: bool,
    #[arg(long, value_enum, help = TABLE_FORMAT_HELP)]
    pub format: Option<TableFormat>,
    /// Only display task ids
    #[arg(short, long)]
    pub quiet: bool,
    /// Display the services' names, one per line as docker compose does (`--format table` shows
    /// their task counts, `--format json` their rows)
    #[arg(long)]
    pub services: bool,
    /// Filter tasks by status (e.g. running, stopped, pending)
    #[arg(long)]
    pub status: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Services to show (all when none)
    pub services: Vec<String>,
    /// Follow log output until Ctrl-C (`-f` after `logs` works too, as in docker compose)
    #[arg(long)]
    pub follow: bool,
    /// Show logs since a timestamp (RFC 3339) or relative duration (e.g. 42m)
    #[arg(long)]
    pub since: Option<String>,
    /// Show logs before a timestamp (RFC 3339) or relative duration
    #[arg(long)]
    pub until: Option<String>,
    /// Number of lines to show from the end of the logs of each task (each container of it)
    #[arg(short = 'n', long)]
    pub tail: Option<usize>,
    /// Show timestamps
    #[arg(short, long)]
    pub timestamps: bool,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Also show the init containers' logs (secrets, service discovery)
    #[arg(long)]
    pub init_containers: bool,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Output format: the template as YAML or JSON, or a picture of the project and its resources
    #[arg(long, value_enum, default_value_t)]
    pub format: ConvertFormat,
    /// Write the template to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Output format of the normalised model
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the service names, one per line
    #[arg(long)]
    pub services: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    pub volumes: bool,
    /// Print the profile names, one per line
    // Own id: the global `--profile` flag's field is also called `profiles`.
    #[arg(long = "profiles", id = "list_profiles")]
    pub profiles: bool,
    /// Print the image names, one per line
    #[arg(long)]
    pub images: bool,
    /// Don't interpolate environment variables
    #[arg(long)]
    pub no_interpolate: bool,
    /// Only validate the configuration, don't print anything
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Create a secret from a file or standard input (`-`)
    Create(SecretCreateArgs),
    /// List secrets
    Ls(SecretLsArgs),
    /// Show a secret's details (never its value)
    Inspect(SecretInspectArgs),
    /// Delete secrets
    Rm(SecretRmArgs),
}

#[derive(Debug, Args)]
pub struct SecretCreateArgs {
    /// Name of the secret in AWS Secrets Manager
    pub name: String,
    /// File with the secret's content, or `-` for standard input
    pub file: Option<PathBuf>,
    /// Description stored with the secret
    #[arg(long)]
    pub description: Option<String>,
    /// Tags as key=value (repeatable)
    #[arg(long = "label", short = 'l', value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Registry username: the secret becomes the JSON ECS repository credentials expect
    #[arg(long)]
    pub username: Option<String>,
    /// Read the registry password from standard input
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct SecretLsArgs {
    #[arg(long, value_enum, default_value_t, help = TABLE_FORMAT_HELP)]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct SecretInspectArgs {
    /// Names or ARNs of the secrets
    #[arg(required = true)]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SecretRmArgs {
    /// Names or ARNs of the secrets
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Keep the secret recoverable for 30 days instead of deleting it at once
    #[arg(long)]
    pub recover: bool,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    #[arg(long, value_enum, default_value_t, help = TABLE_FORMAT_HELP)]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Services to restart (all when none)
    pub services: Vec<String>,
}

/// Whatever a compose user would pass: the command explains instead of failing to parse.
#[derive(Debug, Args)]
pub struct UnsupportedArgs {
    /// Whatever follows: the command explains what to do instead
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub args: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command, with its path (`docker ecs secret create`).
    fn commands() -> Vec<(String, clap::Command)> {
        fn walk(command: &clap::Command, path: String, found: &mut Vec<(String, clap::Command)>) {
            for sub in command.get_subcommands() {
                walk(sub, format!("{path} {}", sub.get_name()), found);
            }
            found.push((path, command.clone()));
        }
        let mut root = Cli::command();
        // Propagates the global flags into every command, and adds --help and --version.
        root.build();
        let mut found = Vec::new();
        walk(&root, "docker ecs".into(), &mut found);
        found
    }

    #[test]
    fn every_command_flag_and_argument_is_described() {
        let mut missing = Vec::new();
        for (path, command) in commands() {
            if command.get_about().is_none() {
                missing.push(format!("{path}: the command"));
            }
            for arg in command.get_arguments() {
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path}: {}", arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "no help text for: {missing:#?}");
    }

    #[test]
    fn compose_and_aws_flags_are_grouped_apart_from_each_command_s_own() {
        for (path, command) in commands() {
            for arg in command.get_arguments() {
                let expected = match arg.get_id().as_str() {
                    "files" | "project_name" | "project_directory" | "env_files" | "profiles" => {
                        Some(PROJECT_HEADING)
                    }
                    "region" | "aws_profile" => Some(AWS_HEADING),
                    _ => None,
                };
                assert_eq!(arg.get_help_heading(), expected, "{path}: {}", arg.get_id());
            }
        }
        let mut root = Cli::command();
        root.build();
        let help = root
            .find_subcommand_mut("up")
            .expect("up")
            .render_help()
            .to_string();
        let own = help.find("Options:").expect("own options");
        let project = help
            .find(&format!("{PROJECT_HEADING}:"))
            .expect("project heading");
        let aws = help.find(&format!("{AWS_HEADING}:")).expect("AWS heading");
        assert!(own < project && project < aws, "{help}");
        assert!(help[own..project].contains("--detach"), "{help}");
        assert!(help[project..aws].contains("--file"), "{help}");
        assert!(help[aws..].contains("--aws-profile"), "{help}");
    }
}
