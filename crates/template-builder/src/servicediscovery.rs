//! Service discovery: a private DNS namespace `<project>.local` and one multivalue A record entry
//! per service, so `redis` resolves from `web` by its Compose name. Short names need the search
//! domain, which an init container appends to /etc/resolv.conf (shared by the task's containers)
//! before the main container starts.

use serde_json::{json, Value};

use crate::context::Ctx;
use crate::logs;
use crate::naming::CLOUD_MAP;
use crate::parameters;
use crate::template::{get_att, r#ref, Resource};

/// Multi-arch, on a registry without anonymous pull limits; pinned so output is reproducible.
pub const INIT_IMAGE: &str = "public.ecr.aws/docker/library/busybox:1.36";

pub fn namespace_name(project: &str) -> String {
    format!("{project}.local")
}

pub fn add_namespace(ctx: &mut Ctx) {
    if ctx.project.services.is_empty() {
        return;
    }
    let vpc = parameters::vpc_id(ctx);
    let namespace = Resource::new("AWS::ServiceDiscovery::PrivateDnsNamespace")
        .prop("Name", namespace_name(ctx.project_name()))
        .prop("Vpc", vpc)
        .prop(
            "Description",
            format!("Service discovery for {}", ctx.project_name()),
        )
        .prop("Tags", ctx.project_tags());
    ctx.template.add(CLOUD_MAP, namespace);
}

pub fn entry_id(ctx: &Ctx, service: &str) -> String {
    format!("{}ServiceDiscoveryEntry", ctx.names.service(service))
}

pub fn add_entry(ctx: &mut Ctx, service: &str) {
    let entry = Resource::new("AWS::ServiceDiscovery::Service")
        .prop("Name", service)
        .prop("NamespaceId", r#ref(CLOUD_MAP))
        .prop(
            "Description",
            format!("{service} in {}", namespace_name(ctx.project_name())),
        )
        .prop(
            "DnsConfig",
            json!({
                "RoutingPolicy": "MULTIVALUE",
                "DnsRecords": [{ "Type": "A", "TTL": 60 }]
            }),
        )
        .prop("HealthCheckCustomConfig", json!({ "FailureThreshold": 1 }))
        .prop("Tags", ctx.service_tags(service));
    ctx.template.add(entry_id(ctx, service), entry);
}

/// What the ECS service's `ServiceRegistries` holds.
pub fn registry(ctx: &Ctx, service: &str) -> Value {
    json!([{ "RegistryArn": get_att(&entry_id(ctx, service), "Arn") }])
}

pub fn init_container_name(service: &str) -> String {
    format!("{service}_ResolvConf_InitContainer")
}

/// The container that adds `search <project>.local` to the task's resolv.conf.
pub fn init_container(ctx: &mut Ctx, service: &str) -> Value {
    let domain = namespace_name(ctx.project_name());
    let script = format!("echo 'search {domain}' >> /etc/resolv.conf");
    json!({
        "Name": init_container_name(service),
        "Image": INIT_IMAGE,
        "Essential": false,
        "Command": ["sh", "-c", script],
        "LogConfiguration": logs::log_configuration(ctx),
    })
}
