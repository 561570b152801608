//! `docker ecs build` and `docker ecs push`, as in docker compose: build the images of the services
//! with `build:` using the user's docker; `push` then sends them to Amazon ECR, where `up` would.
//! Neither deploys anything.

use std::process::ExitCode;

use ecs_deploy::images;
use ecs_deploy::{progress, Clients};

use crate::cli::{AwsArgs, BuildArgs, ProjectArgs};
use crate::commands::{
    aws_options, build_project, locate_image_problems, write_stdout, INTERRUPTED,
};

pub fn run_build(project_args: &ProjectArgs, args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let (project, built) = build_project(project_args)?;
    let plan = images::ImagePlan::of(&built).select(&args.services)?;
    if plan.is_empty() {
        eprintln!("No services to build");
        return Ok(ExitCode::SUCCESS);
    }
    let built_images = super::runtime()?
        .block_on(async {
            let docker = images::prepare(&plan).await?;
            let mut progress = progress::for_stderr();
            let mut interrupts = super::interrupts();
            images::build(
                &docker,
                &project.name,
                &plan,
                progress.as_mut(),
                &mut interrupts,
            )
            .await
        })
        .map_err(|err| locate_image_problems(err.into(), project_args))?;
    let Some(built_images) = built_images else {
        return Ok(ExitCode::from(INTERRUPTED));
    };
    let mut out = String::new();
    for (build, image) in plan.builds.iter().zip(&built_images.builds) {
        for service in build.targets.iter().flat_map(|t| &t.services) {
            out.push_str(&format!("{service}\t{}\n", image.id));
        }
    }
    for (derived, image) in plan.derived.iter().zip(&built_images.derived) {
        out.push_str(&format!("{}\t{}\n", derived.service, image.id));
    }
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_push(
    project_args: &ProjectArgs,
    aws: &AwsArgs,
    args: &BuildArgs,
) -> anyhow::Result<ExitCode> {
    let (project, built) = build_project(project_args)?;
    let plan = images::ImagePlan::of(&built).select(&args.services)?;
    if plan.is_empty() {
        eprintln!("No services to push");
        return Ok(ExitCode::SUCCESS);
    }
    let pushed = super::runtime()?
        .block_on(async {
            // The daemon and every build are checked before AWS is asked anything.
            let docker = images::prepare(&plan).await?;
            let clients = Clients::load(&aws_options(aws)).await?;
            let mut progress = progress::for_stderr();
            let mut interrupts = super::interrupts();
            let Some(local) = images::build(
                &docker,
                &project.name,
                &plan,
                progress.as_mut(),
                &mut interrupts,
            )
            .await?
            else {
                return Ok(None);
            };
            images::push(
                &clients,
                &project.name,
                &docker,
                &plan,
                &local,
                progress.as_mut(),
                &mut interrupts,
            )
            .await
        })
        .map_err(|err| locate_image_problems(err.into(), project_args))?;
    let Some(pushed) = pushed else {
        return Ok(ExitCode::from(INTERRUPTED));
    };
    let out: String = pushed
        .iter()
        .map(|(service, image)| format!("{service}\t{image}\n"))
        .collect();
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
