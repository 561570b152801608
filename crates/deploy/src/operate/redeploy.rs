//! `up --force-new-deployment`: start a new deployment of every ECS service of the project's stack,
//! so tasks are replaced and pull their image again. A rebuilt `:latest` (same tag, so the same
//! template and no change for CloudFormation) rolls out this way.

use crate::operate::stack_info;
use crate::{Clients, Error};

/// A service whose new deployment ECS accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeployed {
    /// The Compose service name.
    pub service: String,
    /// The ECS deployment that replaces the tasks (`ecs-svc/...`), when ECS reported it.
    pub deployment: Option<String>,
}

/// Force a new deployment of each service of the project. Every service is tried; the services that
/// could not be redeployed are named in one error.
pub async fn force_new_deployment(
    clients: &Clients,
    project: &str,
) -> Result<Vec<Redeployed>, Error> {
    let app = stack_info::load(
        &clients.cloudformation,
        &clients.ecs,
        project,
        &clients.region,
    )
    .await?;
    let mut done = Vec::new();
    let mut failures = Vec::new();
    for service in &app.services {
        let target = if service.arn.is_empty() {
            &service.ecs_name
        } else {
            &service.arn
        };
        match clients
            .ecs
            .update_service()
            .cluster(&service.cluster)
            .service(target)
            .force_new_deployment(true)
            .send()
            .await
        {
            Ok(out) => {
                // The PRIMARY deployment is the one just started.
                let deployment = out.service().and_then(|s| {
                    s.deployments()
                        .iter()
                        .find(|d| d.status() == Some("PRIMARY"))
                        .and_then(|d| d.id())
                        .map(str::to_string)
                });
                done.push(Redeployed {
                    service: service.name.clone(),
                    deployment,
                });
            }
            Err(err) => failures.push(format!(
                "{}: {}",
                service.name,
                Error::aws("UpdateService", err)
            )),
        }
    }
    if !failures.is_empty() {
        return Err(Error::DeployFailed(format!(
            "could not force a new deployment of {} service(s) of {project} ({} started):\n  - {}",
            failures.len(),
            done.len(),
            failures.join("\n  - ")
        )));
    }
    Ok(done)
}

/// One line per service, for the terminal.
pub fn render(redeployed: &[Redeployed]) -> String {
    if redeployed.is_empty() {
        return "No ECS services to redeploy\n".to_string();
    }
    redeployed
        .iter()
        .map(|r| match &r.deployment {
            Some(id) => format!("Forced a new deployment of service {} ({id})\n", r.service),
            None => format!("Forced a new deployment of service {}\n", r.service),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_names_each_service_and_its_deployment() {
        assert_eq!(
            render(&[
                Redeployed {
                    service: "redis".into(),
                    deployment: None
                },
                Redeployed {
                    service: "web".into(),
                    deployment: Some("ecs-svc/42".into())
                },
            ]),
            "Forced a new deployment of service redis\nForced a new deployment of service web (ecs-svc/42)\n"
        );
        assert_eq!(render(&[]), "No ECS services to redeploy\n");
    }
}
