//! The normalised Compose project: what every short/long syntax becomes after loading.
//!
//! These types are the contract between the loader (this crate) and the template builder. Every field
//! is in its long, canonical form (ports expanded, durations parsed, sizes in bytes, environment
//! resolved), so consumers never re-parse Compose syntax. Serialising a [`Project`] gives the output of
//! `docker ecs config` (like `docker compose config`).
//!
//! Maps are `BTreeMap` so that output is sorted and deterministic.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::duration::Duration;

/// `x-*` extension fields, kept verbatim at every level where the spec allows them.
pub type Extensions = BTreeMap<String, serde_json::Value>;

fn is_false(b: &bool) -> bool {
    !*b
}

/// `source[:target][:permissions]` as compose-go reads it: the target defaults to the source, the
/// permissions to `rwm`, and a second part made only of `r`, `w` and `m` is the permissions.
fn device_parts(device: &str) -> (&str, &str, &str) {
    let is_permissions =
        |p: &str| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| matches!(c, 'r' | 'w' | 'm'));
    match device.splitn(3, ':').collect::<Vec<_>>().as_slice() {
        [source, permissions] if is_permissions(permissions) => (source, source, permissions),
        [source, target] => (source, target, "rwm"),
        [source, target, permissions] => (source, target, permissions),
        _ => (device, device, "rwm"),
    }
}

fn devices_long_form<S: serde::Serializer>(devices: &[String], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Device<'a> {
        source: &'a str,
        target: &'a str,
        permissions: &'a str,
    }
    s.collect_seq(devices.iter().map(|device| {
        let (source, target, permissions) = device_parts(device);
        Device {
            source,
            target,
            permissions,
        }
    }))
}

fn is_not_true(b: &Option<bool>) -> bool {
    *b != Some(true)
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Project {
    /// Normalised project name (lowercase, `[a-z0-9_-]`, starting with a letter or digit).
    pub name: String,
    /// Directory relative paths are resolved against (`--project-directory`, else the first file's dir).
    pub working_dir: PathBuf,
    /// The files that were loaded, in merge order (includes and extends sources excluded).
    pub compose_files: Vec<PathBuf>,
    /// Services in active profiles only, sorted by name.
    pub services: BTreeMap<String, Service>,
    pub networks: BTreeMap<String, Network>,
    pub volumes: BTreeMap<String, Volume>,
    pub secrets: BTreeMap<String, Secret>,
    pub configs: BTreeMap<String, Config>,
    /// Top-level `x-*` fields (e.g. `x-aws-vpc`, `x-aws-cluster`, `x-aws-cloudformation`).
    pub extensions: Extensions,
    /// Profiles named anywhere in the files (for `config --profiles`), sorted.
    pub all_profiles: Vec<String>,
    /// Services dropped because their profiles are not active (for `config --services` semantics).
    pub disabled_services: BTreeMap<String, Service>,
    /// The values went through interpolation, which turned each `$$` into a literal `$`. Serialised,
    /// every `$` is then written `$$` again (as `docker compose config` does), so the printed
    /// project means the same when it is loaded again. `false` (`config --no-interpolate`): values
    /// are printed as written.
    pub interpolated: bool,
}

/// What `config` prints of a [`Project`], in this order.
#[derive(Serialize)]
struct PrintedProject<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    services: &'a BTreeMap<String, Service>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    networks: &'a BTreeMap<String, Network>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    volumes: &'a BTreeMap<String, Volume>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    secrets: &'a BTreeMap<String, Secret>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    configs: &'a BTreeMap<String, Config>,
    #[serde(flatten)]
    extensions: &'a Extensions,
}

impl Serialize for Project {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let printed = PrintedProject {
            name: &self.name,
            services: &self.services,
            networks: &self.networks,
            volumes: &self.volumes,
            secrets: &self.secrets,
            configs: &self.configs,
            extensions: &self.extensions,
        };
        if !self.interpolated {
            return printed.serialize(serializer);
        }
        let mut value = serde_json::to_value(&printed).map_err(serde::ser::Error::custom)?;
        escape_dollars(&mut value);
        value.serialize(serializer)
    }
}

/// Every `$` of every string and key written `$$`: compose's escape, which interpolation undoes.
fn escape_dollars(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(text) => *text = text.replace('$', "$$"),
        Value::Array(items) => items.iter_mut().for_each(escape_dollars),
        Value::Object(map) => {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(key, mut item)| {
                    escape_dollars(&mut item);
                    (key.replace('$', "$$"), item)
                })
                .collect();
        }
        _ => {}
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Service {
    #[serde(skip)]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    /// Exec form; a string `command:` is split like a shell would (compose-go semantics).
    /// `Some(vec![])` means explicitly empty (overrides the image's CMD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// Resolved environment: `env_file` contents first, then `environment` (which wins). A `None` value
    /// is a variable named without a value and not found in the process environment.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, Option<String>>,
    /// The env files that were read (absolute paths). Not printed by `config`: `environment` already
    /// holds what they set (compose's `config` drops them too once it has read them).
    #[serde(skip)]
    pub env_file: Vec<EnvFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// One entry per (published, target) pair: ranges are expanded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<ServiceVolume>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<FileReference>,
    /// Networks the service joins. A service with no `networks:` joins `default` (the loader adds it,
    /// and adds the `default` network to the project when any service uses it).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, ServiceNetwork>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub depends_on: BTreeMap<String, DependsOn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ulimits: BTreeMap<String, Ulimit>,
    /// Printed only when true, as compose prints it (false is the default).
    #[serde(skip_serializing_if = "is_not_true")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// Printed only when true, as compose prints it (false is the default).
    #[serde(skip_serializing_if = "is_not_true")]
    pub privileged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// Device mappings in the short form `/dev/x:/dev/y:rwm` (the long form is read into it). Printed
    /// in compose's long form, `{source, target, permissions}`, with its defaults filled.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "devices_long_form"
    )]
    pub devices: Vec<String>,
    /// Spec attributes that are valid Compose but that this model does not type (`dns`, `extra_hosts`,
    /// `sysctls`, `pid`, ...), kept as parsed JSON so `config` shows them and the template builder can
    /// warn about each one. Unknown (non-spec, non `x-`) keys are a load error, never land here.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
    /// `x-*` fields on the service (`x-aws-role`, `x-aws-policies`, `x-aws-autoscaling`, ...).
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Build {
    pub context: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Other `build:` attributes, kept as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvFile {
    pub path: PathBuf,
    pub required: bool,
    /// `raw` (lines taken literally), as written; `None` for the dotenv format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Port {
    /// Container port.
    pub target: u16,
    /// Host/load-balancer port as written after range expansion: `"8080"`, or a range `"8000-8010"`
    /// when a host range maps to a single container port (compose-go keeps it as a string too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    /// `tcp` (default) or `udp`, lowercase.
    pub protocol: String,
    /// `ingress` (default) or `host`.
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `x-aws-protocol`, `x-aws-certificate`, ... on the long form.
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeType {
    Volume,
    Bind,
    Tmpfs,
    Npipe,
    Cluster,
    Image,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceVolume {
    #[serde(rename = "type")]
    pub kind: VolumeType,
    /// Named volume, or absolute host path for binds. `None` for anonymous volumes and tmpfs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub target: String,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<TmpfsOptions>,
    /// Other long-form attributes (`bind`, `consistency`, ...) and the mount's `x-*` fields, kept as
    /// written ([`ServiceVolume::extensions`] lists the latter).
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

impl ServiceVolume {
    /// The mount's `x-*` fields (kept in `other`, next to the spec attributes the model does not type).
    pub fn extensions(&self) -> impl Iterator<Item = (&String, &serde_json::Value)> {
        self.other.iter().filter(|(key, _)| key.starts_with("x-"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct VolumeOptions {
    #[serde(skip_serializing_if = "is_false")]
    pub nocopy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subpath: Option<String>,
    /// `x-*` fields of a volume mount's `volume:` options.
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct TmpfsOptions {
    /// Bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// `x-*` fields of a volume mount's `tmpfs:` options.
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A service's reference to a top-level secret or config (short form normalised to long form).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct FileReference {
    pub source: String,
    /// Defaults to `source` when omitted (the loader fills it), so consumers can rely on it.
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ServiceNetwork {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Engine-level attachment options (`driver_opts` .. `mac_address`): kept so `config` shows
    /// them, and so convert can say they have no effect on Fargate.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gw_priority: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DependsOnCondition {
    #[default]
    ServiceStarted,
    ServiceHealthy,
    ServiceCompletedSuccessfully,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct DependsOn {
    pub condition: DependsOnCondition,
    #[serde(skip_serializing_if = "is_false")]
    pub restart: bool,
    /// `required: false` lets the dependency be absent (compose 2.20+).
    pub required: bool,
    /// `x-*` fields of the entry.
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Healthcheck {
    /// Normalised: `["CMD", ...]`, `["CMD-SHELL", "cmd"]` (a string test becomes this) or `["NONE"]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<Duration>,
    #[serde(skip_serializing_if = "is_false")]
    pub disable: bool,
    /// `x-*` fields of `healthcheck:`.
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Logging {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// `x-*` fields of `logging:`.
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ulimit {
    pub soft: i64,
    pub hard: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Deploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    #[serde(skip_serializing_if = "Placement::is_empty")]
    pub placement: Placement,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_mode: Option<String>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct UpdateConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitor: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failure_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// `x-*` fields (`x-aws-min_percent`, `x-aws-max_percent` where Docker documents them).
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<ResourceSpec>,
    /// `x-*` fields of `resources:`.
    #[serde(flatten)]
    pub extensions: Extensions,
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        self.limits.is_none() && self.reservations.is_none() && self.extensions.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ResourceSpec {
    /// vCPUs (`cpus: "0.5"` or `0.5`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<f64>,
    /// Bytes (`memory: 512M` becomes 536870912).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pids: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generic_resources: Vec<GenericResource>,
    /// `x-*` fields of `limits:` / `reservations:`.
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct DeviceRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<DeviceCount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_ids: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DeviceCount {
    Count(u32),
    /// `count: all`
    All(AllDevices),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AllDevices {
    All,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct GenericResource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discrete_resource_spec: Option<DiscreteResourceSpec>,
    /// `x-*` fields of the entry.
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct DiscreteResourceSpec {
    pub kind: String,
    pub value: i64,
    /// `x-*` fields of `discrete_resource_spec:`.
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RestartPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
    /// `x-*` fields of `restart_policy:`.
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Placement {
    /// e.g. `node.machine == g4dn.xlarge`, `node.ami == ami-123`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    /// `spread` preferences as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replicas_per_node: Option<u32>,
    /// `x-*` fields of `placement:`.
    #[serde(flatten)]
    pub extensions: Extensions,
}

impl Placement {
    pub fn is_empty(&self) -> bool {
        self.constraints.is_empty()
            && self.preferences.is_empty()
            && self.max_replicas_per_node.is_none()
            && self.extensions.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Network {
    /// The actual name (`name:`), e.g. an existing security group id `sg-...` when external.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub internal: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `ipam`, `attachable`, `enable_ipv6`, ... kept as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Volume {
    /// The actual name (`name:`), e.g. an existing EFS id `fs-...` when external.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// EFS options: uid, gid, root_directory, permissions, performance_mode, throughput_mode, ...
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extensions: Extensions,
}

/// A top-level secret (configs have the same shape).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Secret {
    /// For external secrets: the Secrets Manager ARN or name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Absolute path (resolved against the project directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// Name of an environment variable holding the content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Inline content (configs only in the spec, accepted for both).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Engine secret/config store options: kept so `config` shows them, and so convert can say
    /// they have no effect on ECS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_driver: Option<String>,
    /// `x-aws-keys`, ...
    #[serde(flatten)]
    pub extensions: Extensions,
}

pub type Config = Secret;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_split_as_compose_go_splits_them() {
        assert_eq!(device_parts("/dev/fuse"), ("/dev/fuse", "/dev/fuse", "rwm"));
        assert_eq!(device_parts("/dev/a:/dev/b"), ("/dev/a", "/dev/b", "rwm"));
        assert_eq!(device_parts("/dev/a:r"), ("/dev/a", "/dev/a", "r"));
        assert_eq!(device_parts("/dev/a:/dev/b:rw"), ("/dev/a", "/dev/b", "rw"));
        // Four letters are more than the three permissions: the second part is a target.
        assert_eq!(device_parts("/dev/a:rwmr"), ("/dev/a", "rwmr", "rwm"));
    }

    #[test]
    fn config_prints_what_compose_prints_for_flags_and_devices() {
        let service = Service {
            read_only: Some(false),
            privileged: Some(true),
            init: Some(false),
            devices: vec!["/dev/sda:/dev/xvda".into()],
            env_file: vec![EnvFile {
                path: "/p/app.env".into(),
                required: true,
                format: None,
            }],
            ..Default::default()
        };
        let printed = serde_json::to_value(&service).expect("serialise");
        assert_eq!(
            printed,
            serde_json::json!({
                "devices": [{"source": "/dev/sda", "target": "/dev/xvda", "permissions": "rwm"}],
                "init": false,
                "privileged": true,
            })
        );
    }

    #[test]
    fn config_prints_resources_with_only_limits_or_only_reservations() {
        let spec = ResourceSpec {
            cpus: Some(0.5),
            ..Default::default()
        };
        for (resources, printed) in [
            (
                Resources {
                    limits: Some(spec.clone()),
                    ..Default::default()
                },
                serde_json::json!({"limits": {"cpus": 0.5}}),
            ),
            (
                Resources {
                    reservations: Some(spec.clone()),
                    ..Default::default()
                },
                serde_json::json!({"reservations": {"cpus": 0.5}}),
            ),
        ] {
            let deploy = Deploy {
                resources,
                ..Default::default()
            };
            let deploy = serde_json::to_value(&deploy).expect("serialise");
            assert_eq!(deploy, serde_json::json!({ "resources": printed }));
        }
        let empty = serde_json::to_value(Deploy::default()).expect("serialise");
        assert_eq!(empty, serde_json::json!({}));
    }
}
