//! `docker ecs diff` (also `up --dry-run`): what `up` would change in the project's stack, read from a
//! change set that is deleted again. Nothing is deployed, and nothing remote is built or pushed: the
//! images of `build:` services are built locally only, to tell which would be new.

use std::process::ExitCode;

use ecs_deploy::images;

use crate::cli::{AwsArgs, DiffArgs, ProjectArgs};
use crate::commands::{
    aws_options, build_project, locate_image_problems, poll_interval, write_stdout, INTERRUPTED,
};

pub fn run(project_args: &ProjectArgs, aws: &AwsArgs, args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let (project, built) = build_project(project_args)?;
    let images = images::ImagePlan::of(&built);
    let result = super::runtime()?
        .block_on(async {
            let docker = match images.is_empty() {
                false => Some(images::prepare(&images).await?),
                true => None,
            };
            let clients = ecs_deploy::Clients::load(&aws_options(aws)).await?;
            let mut interrupts = super::interrupts();
            let (pushed, new_images) = match &docker {
                Some(docker) => {
                    let mut progress = ecs_deploy::progress::for_stderr();
                    let Some(local) = images::build(
                        docker,
                        &project.name,
                        &images,
                        progress.as_mut(),
                        &mut interrupts,
                    )
                    .await?
                    else {
                        return Ok(None);
                    };
                    images::preview(&clients, &images, &local).await?
                }
                None => Default::default(),
            };
            let plan = ecs_deploy::dryrun::dry_run(
                &clients,
                &project.name,
                &built,
                &pushed,
                poll_interval(),
                &mut interrupts,
            )
            .await?;
            Ok::<_, anyhow::Error>(Some((plan, new_images)))
        })
        .map_err(|err| locate_image_problems(err, project_args))?;
    let Some((plan, new_images)) = result else {
        eprintln!("Interrupted: nothing was changed");
        return Ok(ExitCode::from(INTERRUPTED));
    };
    let status = match plan {
        ecs_deploy::dryrun::Plan::Interrupted { .. } => ExitCode::from(INTERRUPTED),
        ecs_deploy::dryrun::Plan::Changes { .. } if args.exit_code => ExitCode::from(1),
        ecs_deploy::dryrun::Plan::NoChanges if args.exit_code && !new_images.is_empty() => {
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    };
    let mut out = String::new();
    if !new_images.is_empty() {
        out.push_str(&format!(
            "New images (built from changed sources, pushed by `docker ecs up`): {}\n",
            new_images.join(", ")
        ));
    }
    out.push_str(&ecs_deploy::dryrun::render(&project.name, &plan));
    if let (ecs_deploy::dryrun::Plan::Changes { .. }, Some(note)) =
        (&plan, ecs_deploy::dryrun::jobs_note(&built.jobs))
    {
        out.push_str(&note);
    }
    write_stdout(&out)?;
    Ok(status)
}
