//! What a deployed project consists of, read back from AWS: its stack, the ECS services the stack
//! created (with the Compose service each one runs and its cluster) and their load balancer targets.
//! Shared by `ps` and `logs`; needs only the project name, never the Compose file.

use crate::error::AwsContext;
use std::collections::BTreeMap;

use aws_sdk_cloudformation::Client as CloudFormation;
use aws_sdk_ecs::types::{Service, ServiceField};
use aws_sdk_ecs::Client as Ecs;

use crate::{stack, Error};

/// Tag naming the Compose service an AWS resource belongs to.
pub const SERVICE_TAG: &str = "com.docker.compose.service";

const ECS_SERVICE: &str = "AWS::ECS::Service";
const ECS_CLUSTER: &str = "AWS::ECS::Cluster";
/// DescribeServices accepts at most this many services per call.
const DESCRIBE_SERVICES_BATCH: usize = 10;

/// A deployed project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppStack {
    pub project: String,
    /// The stack's id (ARN).
    pub stack_id: String,
    pub stack_status: String,
    /// The cluster the stack's tasks run in, when the stack names one (its own, or the cluster of
    /// its services).
    pub cluster: Option<String>,
    /// Sorted by Compose service name.
    pub services: Vec<AppService>,
}

impl AppStack {
    /// The Compose service names, in order.
    pub fn service_names(&self) -> Vec<String> {
        self.services.iter().map(|s| s.name.clone()).collect()
    }

    /// The service a command names: by its Compose name, else by its ECS service name.
    pub fn service(&self, name: &str) -> Result<&AppService, Error> {
        self.services
            .iter()
            .find(|s| s.name == name)
            .or_else(|| self.services.iter().find(|s| s.ecs_name == name))
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "no service {name:?} in application {} (services: {})",
                    self.project,
                    self.service_names().join(", ")
                ))
            })
    }
}

/// One ECS service of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppService {
    /// The Compose service name.
    pub name: String,
    /// The ECS service name (the Compose name unless the template chose otherwise).
    pub ecs_name: String,
    pub arn: String,
    pub cluster: String,
    /// ECS status, lowercase (`active`, `draining`, `inactive`).
    pub status: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub targets: Vec<LoadBalancerTarget>,
    /// The task definition the service runs (its primary deployment's).
    pub task_definition: Option<String>,
    /// The image of the service's own container; read on demand (`ps`), `None` until then.
    pub image: Option<String>,
}

/// A target group the service registers a container port in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBalancerTarget {
    pub target_group_arn: String,
    pub container_port: Option<i32>,
}

/// An ECS service as the stack lists it: the physical id is the service ARN (AWS) or its name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ServiceRef {
    cluster: Option<String>,
    id: String,
}

/// Find the project's stack and its ECS services. A missing stack is [`Error::NoStack`].
pub async fn load(
    cf: &CloudFormation,
    ecs: &Ecs,
    project: &str,
    region: &str,
) -> Result<AppStack, Error> {
    let found = stack::describe(cf, project)
        .await?
        .ok_or_else(|| Error::NoStack {
            project: project.to_string(),
            region: region.to_string(),
        })?;
    if !found.managed {
        return Err(Error::Precondition(format!(
            "stack {project} was not deployed by docker ecs (it has no {} tag): it is not an \
             application of this tool; check --project-name",
            stack::PROJECT_TAG
        )));
    }
    let stack_status = found.status;
    let stack_id = found.id;
    let (cluster, refs) = service_refs(cf, project).await?;
    let mut task_cluster = cluster.clone();
    let mut by_cluster: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for service in refs {
        // An existing cluster (x-aws-cluster) has no stack resource: the service ARN names it.
        let Some(cluster) = service.cluster.or_else(|| cluster.clone()) else {
            return Err(Error::Precondition(format!(
                "cannot tell which cluster runs ECS service {} of stack {project}",
                service.id
            )));
        };
        task_cluster.get_or_insert_with(|| cluster.clone());
        by_cluster.entry(cluster).or_default().push(service.id);
    }
    let mut services = Vec::new();
    for (cluster, ids) in by_cluster {
        for batch in ids.chunks(DESCRIBE_SERVICES_BATCH) {
            let out = ecs
                .describe_services()
                .cluster(&cluster)
                .set_services(Some(batch.to_vec()))
                .include(ServiceField::Tags)
                .send()
                .await
                .with_context(|| format!("describing the ECS services of {project}"))?;
            services.extend(out.services().iter().map(|s| app_service(s, &cluster)));
        }
    }
    services.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.arn.cmp(&b.arn)));
    Ok(AppStack {
        project: project.to_string(),
        stack_id,
        stack_status,
        cluster: task_cluster,
        services,
    })
}

/// The stack's cluster (when it creates one) and its ECS services.
async fn service_refs(
    cf: &CloudFormation,
    stack: &str,
) -> Result<(Option<String>, Vec<ServiceRef>), Error> {
    let mut cluster = None;
    let mut services = Vec::new();
    for (kind, id) in stack::live_resources(cf, stack).await? {
        match kind.as_str() {
            ECS_CLUSTER => cluster = Some(cluster_name(&id)),
            ECS_SERVICE => services.push(parse_service_id(&id)),
            _ => {}
        }
    }
    Ok((cluster, services))
}

/// `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>` names its cluster; the old ARN form
/// (`service/<name>`) and a bare name do not.
fn parse_service_id(id: &str) -> ServiceRef {
    if let Some(resource) = id
        .strip_prefix("arn:")
        .and_then(|rest| rest.splitn(5, ':').nth(4))
    {
        let parts: Vec<&str> = resource.split('/').collect();
        if let ["service", cluster, _name] = parts.as_slice() {
            return ServiceRef {
                cluster: Some(cluster.to_string()),
                id: id.to_string(),
            };
        }
    }
    ServiceRef {
        cluster: None,
        id: id.to_string(),
    }
}

/// A cluster physical id is its name; accept an ARN too.
fn cluster_name(id: &str) -> String {
    match id.rsplit_once(":cluster/") {
        Some((_, name)) => name.to_string(),
        None => id.to_string(),
    }
}

fn app_service(service: &Service, cluster: &str) -> AppService {
    let ecs_name = service.service_name().unwrap_or_default().to_string();
    let name = service
        .tags()
        .iter()
        .find(|t| t.key() == Some(SERVICE_TAG))
        .and_then(|t| t.value())
        .map(str::to_string)
        .unwrap_or_else(|| ecs_name.clone());
    AppService {
        name,
        ecs_name,
        arn: service.service_arn().unwrap_or_default().to_string(),
        cluster: cluster.to_string(),
        status: service.status().unwrap_or_default().to_ascii_lowercase(),
        desired: service.desired_count(),
        running: service.running_count(),
        pending: service.pending_count(),
        targets: service
            .load_balancers()
            .iter()
            .filter_map(|lb| {
                Some(LoadBalancerTarget {
                    target_group_arn: lb.target_group_arn()?.to_string(),
                    container_port: lb.container_port(),
                })
            })
            .collect(),
        task_definition: service.task_definition().map(str::to_string),
        image: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_arns_name_their_cluster() {
        assert_eq!(
            parse_service_id("arn:aws:ecs:eu-west-1:123456789012:service/shared/web"),
            ServiceRef {
                cluster: Some("shared".into()),
                id: "arn:aws:ecs:eu-west-1:123456789012:service/shared/web".into()
            }
        );
        assert_eq!(
            parse_service_id("arn:aws:ecs:eu-west-1:123456789012:service/web").cluster,
            None
        );
        assert_eq!(parse_service_id("web").cluster, None);
    }

    #[test]
    fn cluster_names_from_names_or_arns() {
        assert_eq!(cluster_name("demo-Cluster-AbC"), "demo-Cluster-AbC");
        assert_eq!(
            cluster_name("arn:aws:ecs:us-east-1:123456789012:cluster/demo"),
            "demo"
        );
    }
}
