//! `docker ecs ps`: the project's tasks (or services) from ECS, with each service's CPU and memory
//! use from CloudWatch. Needs only the project name, so `-p`/COMPOSE_PROJECT_NAME work without the
//! Compose file.

use std::process::ExitCode;

use ecs_deploy::{jobs, metrics, ports, ps, stack_info, Clients};

use crate::cli::{AwsArgs, ProjectArgs, PsArgs, TableFormat};

pub fn run(project: &ProjectArgs, aws: &AwsArgs, args: &PsArgs) -> anyhow::Result<ExitCode> {
    let name = super::project_name(project)?;
    let states = ps::parse_status_filter(&args.status)?;
    if args.services && !states.is_empty() {
        anyhow::bail!("--status filters tasks: it cannot be combined with --services");
    }
    let output = super::runtime()?.block_on(async {
        let clients = Clients::load(&super::aws_options(aws)).await?;
        let mut app = stack_info::load(
            &clients.cloudformation,
            &clients.ecs,
            &name,
            &clients.region,
        )
        .await?;
        let targets: Vec<_> = app
            .services
            .iter()
            .flat_map(|s| s.targets.clone())
            .collect();
        let port_map = ports::load(&clients.elbv2, &targets).await?;
        let load_balancer = ps::named_load_balancer(&app.services, &port_map);
        let header = ps::render_header(&name, &app.stack_status, load_balancer.as_deref());
        if !args.quiet {
            ps::service_images(&clients.ecs, &mut app.services).await?;
        }
        if args.services {
            let mut rows = ps::service_rows(&app.services, &port_map);
            if !args.quiet && args.format.is_some() {
                let usage = service_usage(&clients, &app.services).await;
                ps::add_service_usage(&mut rows, &usage);
            }
            // As docker compose: names, one per line, unless a format is asked for.
            return Ok::<_, ecs_deploy::Error>(match (args.quiet, args.format) {
                (true, _) | (false, None) => ps::render_service_names(&rows),
                (false, Some(TableFormat::Json)) => ecs_deploy::render_json(&rows),
                (false, Some(TableFormat::Table)) => {
                    header + &ps::render_services_table(&rows, load_balancer.as_deref())
                }
            });
        }
        // The metrics are read while the tasks are listed: they add no wait of their own.
        let (tasks, usage) = tokio::join!(
            ps::tasks(&clients.ecs, &app.services, &states, args.all),
            async {
                if args.quiet {
                    metrics::ServiceUsage::default()
                } else {
                    service_usage(&clients, &app.services).await
                }
            }
        );
        let mut rows = ps::task_rows(&app.services, &tasks?, &port_map, !states.is_empty());
        ps::add_task_usage(&mut rows, &usage);
        // Jobs follow the tasks: scheduled ones have no ECS service, and a one-off job's service
        // never has a task (up runs the job outside it), so its "no task" line says nothing.
        let jobs = jobs::load(&clients, &app).await?;
        rows.retain(|row| {
            !(row.task_arn.is_empty()
                && jobs
                    .iter()
                    .any(|job| job.is_one_off() && job.service == row.service))
        });
        Ok(match (args.quiet, args.format.unwrap_or_default()) {
            (true, _) => ps::render_task_ids(&rows),
            (false, TableFormat::Json) => ecs_deploy::render_json(&rows),
            (false, TableFormat::Table) => {
                let mut out = header + &ps::render_tasks_table(&rows, load_balancer.as_deref());
                if !jobs.is_empty() {
                    out.push('\n');
                    out.push_str(&jobs::render_table(&jobs));
                }
                out
            }
        })
    })?;
    super::write_stdout(&output)?;
    Ok(ExitCode::SUCCESS)
}

/// The services' CPU and memory use; when CloudWatch cannot say, none, and one warning on stderr.
async fn service_usage(
    clients: &Clients,
    services: &[stack_info::AppService],
) -> metrics::ServiceUsage {
    let loaded = metrics::load(&clients.cloudwatch, services).await;
    if let Some(warning) = &loaded.warning {
        eprintln!("WARN {warning}");
    }
    loaded.usage
}
