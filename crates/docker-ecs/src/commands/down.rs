//! `docker ecs down`: delete the project's stack and follow the deletion. Needs only the project
//! name, so `-p`/COMPOSE_PROJECT_NAME work without the Compose file. `--volumes` lists the project's
//! EFS file systems and asks before anything is deleted (unless `-y`); without a terminal to ask
//! on, it refuses rather than guess.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use ecs_deploy::down::{DownOptions, DownOutcome, ProjectFileSystem};
use ecs_deploy::{progress, Clients};

use crate::cli::{AwsArgs, DownArgs, ProjectArgs, RemoveImages};
use crate::commands::{aws_options, poll_interval, project_name, INTERRUPTED};

pub fn run(project_args: &ProjectArgs, aws: &AwsArgs, args: &DownArgs) -> anyhow::Result<ExitCode> {
    let name = project_name(project_args)?;
    let mut options = DownOptions {
        detach: args.detach,
        poll_interval: poll_interval(),
        remove_images: args.rmi == Some(RemoveImages::All),
        delete_file_systems: Vec::new(),
    };
    let outcome = super::runtime()?.block_on(async {
        let clients = Clients::load(&aws_options(aws)).await?;
        if args.volumes {
            let found = ecs_deploy::down::project_file_systems(&clients, &name).await?;
            if !found.is_empty() {
                let stdin = std::io::stdin();
                let confirmed = confirm_deletion(
                    &name,
                    &found,
                    args.yes,
                    stdin.is_terminal(),
                    &mut stdin.lock(),
                    &mut std::io::stderr(),
                )?;
                if !confirmed {
                    eprintln!("Nothing was deleted");
                    return Ok(None);
                }
                options.delete_file_systems = found.into_iter().map(|fs| fs.id).collect();
            }
        }
        let mut interrupts = super::interrupts();
        let mut progress = progress::for_stderr();
        let outcome = ecs_deploy::down::down(
            &clients,
            &name,
            &options,
            progress.as_mut(),
            &mut interrupts,
        )
        .await?;
        Ok::<_, anyhow::Error>(Some(outcome))
    })?;
    Ok(match outcome {
        None
        | Some(DownOutcome::NothingToRemove)
        | Some(DownOutcome::Removed { .. })
        | Some(DownOutcome::Detached) => ExitCode::SUCCESS,
        Some(DownOutcome::StoppedWaiting) | Some(DownOutcome::Cancelled) => {
            ExitCode::from(INTERRUPTED)
        }
    })
}

/// Whether `down --volumes` may delete `found`: yes with `-y`; else the person at the terminal says
/// so (`y` or `yes`); with no terminal to ask on, an error saying how to confirm.
fn confirm_deletion(
    project: &str,
    found: &[ProjectFileSystem],
    yes: bool,
    terminal: bool,
    input: &mut dyn BufRead,
    prompt: &mut dyn Write,
) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    let listed: Vec<String> = found.iter().map(ToString::to_string).collect();
    let what = format!(
        "down --volumes deletes the EFS file system(s) of project {project} with all their data: {}",
        listed.join(", ")
    );
    if !terminal {
        anyhow::bail!(
            "{what}; standard input is not a terminal, so there is no one to ask: add -y/--yes to \
             confirm (nothing was deleted)"
        );
    }
    write!(prompt, "{what}\nDelete them? [y/N] ")?;
    prompt.flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found() -> Vec<ProjectFileSystem> {
        vec![
            ProjectFileSystem {
                id: "fs-1".into(),
                volume: Some("pgdata".into()),
            },
            ProjectFileSystem {
                id: "fs-2".into(),
                volume: None,
            },
        ]
    }

    fn ask(yes: bool, terminal: bool, answer: &str) -> (anyhow::Result<bool>, String) {
        let mut prompt = Vec::new();
        let result = confirm_deletion(
            "app",
            &found(),
            yes,
            terminal,
            &mut answer.as_bytes(),
            &mut prompt,
        );
        (result, String::from_utf8(prompt).unwrap())
    }

    #[test]
    fn the_terminal_is_asked_and_only_yes_deletes() {
        let (result, prompt) = ask(false, true, "y\n");
        assert!(result.unwrap());
        assert_eq!(
            prompt,
            "down --volumes deletes the EFS file system(s) of project app with all their data: \
             fs-1 (volume pgdata), fs-2\nDelete them? [y/N] "
        );
        assert!(ask(false, true, "YES\n").0.unwrap());
        assert!(!ask(false, true, "\n").0.unwrap());
        assert!(!ask(false, true, "no\n").0.unwrap());
        assert!(!ask(false, true, "").0.unwrap());
    }

    #[test]
    fn yes_asks_nothing_and_no_terminal_is_refused() {
        let (result, prompt) = ask(true, false, "");
        assert!(result.unwrap());
        assert!(prompt.is_empty());
        let (result, prompt) = ask(false, false, "y\n");
        let err = result.unwrap_err().to_string();
        assert!(prompt.is_empty());
        assert!(
            err.contains("fs-1 (volume pgdata), fs-2")
                && err.contains("standard input is not a terminal")
                && err.contains("-y/--yes"),
            "{err}"
        );
    }
}
