//! `docker ecs secret create|ls|inspect|rm` on AWS Secrets Manager.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use ecs_deploy::secrets::{self, NewSecret, SecretValue};
use ecs_deploy::Clients;

use super::write_stdout;
use crate::cli::{AwsArgs, SecretCommand, SecretCreateArgs, TableFormat};

pub fn run(aws: &AwsArgs, cmd: SecretCommand) -> anyhow::Result<ExitCode> {
    // Read and check the input before any AWS call.
    let new_secret = match &cmd {
        SecretCommand::Create(args) => Some(new_secret(args, &mut std::io::stdin().lock())?),
        _ => None,
    };
    super::runtime()?.block_on(async {
        let clients = Clients::load(&super::aws_options(aws)).await?;
        let client = &clients.secrets;
        match cmd {
            SecretCommand::Create(_) => {
                if let Some(secret) = new_secret {
                    write_stdout(&format!("{}\n", secrets::create(client, &secret).await?))?;
                }
            }
            SecretCommand::Ls(args) => {
                let list = secrets::list(client).await?;
                write_stdout(&match args.format {
                    TableFormat::Json => ecs_deploy::render_json(&list),
                    TableFormat::Table => secrets::render_table(&list),
                })?;
            }
            // As docker secret inspect/rm: a name that fails does not stop the others; each
            // failure is reported and the exit status says one happened.
            SecretCommand::Inspect(args) => {
                let mut found = Vec::new();
                let mut failed = false;
                for name in &args.names {
                    match secrets::inspect(client, std::slice::from_ref(name)).await {
                        Ok(info) => found.extend(info),
                        Err(err) => {
                            super::print_error(&err.into());
                            failed = true;
                        }
                    }
                }
                if !found.is_empty() || !failed {
                    write_stdout(&ecs_deploy::render_json(&found))?;
                }
                return Ok(if failed {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                });
            }
            SecretCommand::Rm(args) => {
                let mut failed = false;
                for name in &args.names {
                    match secrets::remove(client, name, args.recover).await {
                        Ok(()) => write_stdout(&format!("{name}\n"))?,
                        Err(err) => {
                            super::print_error(&err.into());
                            failed = true;
                        }
                    }
                }
                return Ok(if failed {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                });
            }
        }
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    })
}

/// The secret `create` describes: registry credentials (`--username` + password on stdin), or the
/// content of FILE, `-` meaning standard input.
fn new_secret(args: &SecretCreateArgs, stdin: &mut dyn Read) -> anyhow::Result<NewSecret> {
    let labels = secrets::parse_labels(&args.labels)?;
    let value = match (&args.username, args.password_stdin, &args.file) {
        (Some(_), _, Some(_)) => {
            anyhow::bail!(
                "secret create: give either FILE or --username with --password-stdin, not both"
            )
        }
        (Some(username), true, None) => {
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .context("reading the password from standard input")?;
            let password = secrets::password_from_stdin_text(&text)?;
            SecretValue::Text(secrets::registry_credentials(username, &password))
        }
        (Some(_), false, None) => {
            anyhow::bail!("secret create: --username needs --password-stdin (the password is never taken on the command line)")
        }
        (None, true, _) => anyhow::bail!("secret create: --password-stdin needs --username"),
        (None, false, Some(file)) if file == Path::new("-") => {
            let mut bytes = Vec::new();
            stdin
                .read_to_end(&mut bytes)
                .context("reading the secret from standard input")?;
            SecretValue::from_bytes(bytes)
        }
        (None, false, Some(file)) => SecretValue::from_bytes(
            std::fs::read(file)
                .with_context(|| format!("reading secret file {}", file.display()))?,
        ),
        (None, false, None) => {
            anyhow::bail!(
                "secret create: give a FILE with the secret's content, or - to read standard input"
            )
        }
    };
    Ok(NewSecret {
        name: args.name.clone(),
        description: args.description.clone(),
        labels,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(file: Option<&str>, username: Option<&str>, password_stdin: bool) -> SecretCreateArgs {
        SecretCreateArgs {
            name: "creds".into(),
            file: file.map(Into::into),
            description: Some("registry".into()),
            labels: vec!["team=web".into()],
            username: username.map(Into::into),
            password_stdin,
        }
    }

    #[test]
    fn username_and_stdin_password_become_repository_credentials() {
        let secret =
            new_secret(&args(None, Some("bob"), true), &mut "hunter2\n".as_bytes()).unwrap();
        assert_eq!(
            secret.value,
            SecretValue::Text(r#"{"username":"bob","password":"hunter2"}"#.into())
        );
        assert_eq!(secret.labels, [("team".to_string(), "web".to_string())]);
        assert_eq!(secret.description.as_deref(), Some("registry"));
    }

    #[test]
    fn dash_reads_standard_input_as_is() {
        let secret = new_secret(&args(Some("-"), None, false), &mut "line\n".as_bytes()).unwrap();
        assert_eq!(secret.value, SecretValue::Text("line\n".into()));
    }

    #[test]
    fn file_content_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw.txt");
        std::fs::write(&path, "s3cret").unwrap();
        let secret = new_secret(&args(path.to_str(), None, false), &mut "".as_bytes()).unwrap();
        assert_eq!(secret.value, SecretValue::Text("s3cret".into()));
        let missing = dir.path().join("missing.txt");
        let err = new_secret(&args(missing.to_str(), None, false), &mut "".as_bytes()).unwrap_err();
        assert!(format!("{err:#}").contains("missing.txt"), "{err:#}");
    }

    #[test]
    fn inconsistent_flags_are_refused() {
        for (file, user, stdin) in [
            (None, None, false),
            (None, Some("bob"), false),
            (None, None, true),
            (Some("-"), Some("bob"), true),
        ] {
            assert!(new_secret(&args(file, user, stdin), &mut "x".as_bytes()).is_err());
        }
        let err = new_secret(&args(None, Some("bob"), true), &mut "".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("standard input is empty"), "{err}");
    }
}
