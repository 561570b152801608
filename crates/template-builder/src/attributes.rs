//! The one table of every Compose attribute and what becomes of it on ECS: mapped, ignored with a
//! warning, or an error. The checks below read it to report warnings and errors, and
//! docs/ATTRIBUTES.md is its rendering (a test keeps the two equal), so the doc cannot drift from the
//! behaviour.

use std::collections::BTreeSet;

use compose_model::{Project, Service};
use serde_json::Value;

use crate::{Error, Warning};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Translated into the template.
    Mapped,
    /// No ECS equivalent: ignored, with a warning.
    Warned,
    /// Cannot run as written: `convert` and `up` stop with an error.
    Error,
}

impl Support {
    fn label(self) -> &'static str {
        match self {
            Support::Mapped => "mapped",
            Support::Warned => "ignored (warning)",
            Support::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Attribute {
    /// `service.cap_add`, `service.deploy.restart_policy`, `network.driver`, `project.x-aws-vpc`...
    pub path: &'static str,
    pub support: Support,
    /// What it maps to, or why it cannot.
    pub note: &'static str,
}

const fn a(path: &'static str, support: Support, note: &'static str) -> Attribute {
    Attribute {
        path,
        support,
        note,
    }
}

use Support::{Error as E, Mapped as M, Warned as W};

/// Every attribute of the Compose specification, in the order the doc lists them.
pub const ATTRIBUTES: &[Attribute] = &[
    // Top level.
    a("project.name", M, "stack name, `<project>.local` Cloud Map namespace, log group `/docker-compose/<project>`, `com.docker.compose.project` tag"),
    a("project.services", M, "one ECS service + task definition each"),
    a("project.networks", M, "one security group each"),
    a("project.volumes", M, "one EFS file system (retained) + access point each"),
    a("project.secrets", M, "one Secrets Manager secret each (value passed as a NoEcho parameter at `up`)"),
    a("project.configs", M, "`file:`, `content:` (interpolated) or `environment:` (read where `up` runs): what services' `configs:` copy into their images; `external` is an error"),
    a("project.include", M, "resolved at load time"),
    a("project.x-aws-vpc", M, "the VPC to deploy into, by id or ARN (`arn:aws:ec2:REGION:ACCOUNT:vpc/vpc-...`, as Terraform prints it: the id inside is used); checked by `up`; `VpcId` stays a parameter"),
    a("project.x-aws-cluster", M, "use this existing ECS cluster instead of creating one"),
    a("project.x-aws-loadbalancer", M, "use this existing load balancer instead of creating one: its ARN, or its name (the `ExistingLoadBalancerArn` parameter, which `up` fills by looking the name up); `up` checks it exists and its type. The tasks accept its traffic from the VPC's own range only (the `VpcCidr` parameter, which `up` reads from the VPC)"),
    a("project.x-aws-certificate", M, "ACM certificate ARN for every HTTPS port without its own (a port published on 443 becomes HTTPS); HTTPS on 443 adds an HTTP :80 listener redirecting to it when no service publishes 80"),
    a("project.x-aws-domain", M, "a host name (`app.example.com`) the app is served on over HTTPS: every HTTPS port without its own domain or certificate gets an ACM certificate the stack requests for it (`AWS::CertificateManager::Certificate`, validated by DNS: CloudFormation writes the validation record in the hosted zone), a port published on 443 becomes HTTPS (HTTP :80 redirects to it when no service publishes 80), and an alias record (`AWS::Route53::RecordSet`, A) points the name at the load balancer; `up` prints `https://app.example.com`. The hosted zone is the `<Domain>HostedZoneId` parameter, which `up` fills with the public zone whose name is the longest the domain ends with (none: `up` stops before changing anything). `x-aws-certificate` wins over the requested certificate (no ACM resource; the record is still made). An error: no HTTPS port, a project on a Network Load Balancer, `x-aws-loadbalancer`, a wildcard or a name with a scheme, port or path"),
    a("project.x-aws-hosted_zone", M, "the Route 53 hosted zone id (`Z...`) of every domain without its own, instead of the `<Domain>HostedZoneId` parameter `up` looks up; `up` checks that the zone exists, is public and holds the domain before changing anything; ignored with a warning without a domain"),
    a("project.x-aws-subnets", M, "`{public: [subnet-...], private: [subnet-...]}`: the subnets `up` passes as `PublicSubnetIds` (load balancer, one per availability zone) and `PrivateSubnetIds` (tasks, EFS mount targets; tasks there get no public IP) instead of detecting them; the public ones when `private` is empty. `up` checks they exist in the VPC"),
    a("project.x-aws-loadbalancer_scheme", M, "`internal`: the load balancer gets `Scheme: internal` and sits in the private subnets (`PrivateSubnetIds`), reachable from inside the VPC only; `internet-facing` uses `PublicSubnetIds` (`up` stops when there is none). Unset: the `LoadBalancerScheme` parameter, which `up` sets to `internal` when the VPC (or `x-aws-subnets`) has no public subnet, else `internet-facing`"),
    a("project.x-aws-cloudformation", M, "merged into the generated template (maps merge, scalars and lists replace); a merge that leaves a resource without a Type, or a Ref, Fn::GetAtt or DependsOn naming nothing the template declares (an output of a removed or misspelt resource), is refused at convert"),
    a("project.x-aws-logs_retention", M, "log group `RetentionInDays`"),
    a("project.x-aws-container_insights", M, "Container Insights on the stack's cluster (per-service and per-task CPU, memory, network and storage metrics in CloudWatch, billed by CloudWatch): on by default; `false` turns it off, `enhanced` asks for enhanced observability. An existing cluster (`x-aws-cluster`) keeps its own setting, with a warning"),
    a("project.x-aws-unknown", W, "unknown `x-aws-*` extension at the top of the file or in a network, volume, secret or config (check the spelling and the place: Docker's `x-aws-securitygroup` on a network is not read), warned with its path"),
    // Services.
    a("service.image", M, "container `Image`; with `build:`, the Amazon ECR repository and tag the built image is pushed to (a path such as `shop/web:1.2`, or an ECR URI of the deploy account; another registry is an error)"),
    a("service.build", M, "`up` builds the image with your docker (`docker buildx build` when buildx is installed, else `docker build`) for the task's platform, pushes it to Amazon ECR (repository from `image:`, else `<project>/<service>`; created when missing) and deploys it by digest through the `<Service>Image` template parameter. Services with the same build share one build"),
    a("service.build.context", M, "`docker build` context: a directory (relative to the project) or a git / HTTP(S) URL"),
    a("service.build.dockerfile", M, "`--file`, relative to the context"),
    a("service.build.dockerfile_inline", M, "the Dockerfile, passed on standard input"),
    a("service.build.args", M, "`--build-arg`; an argument without a value takes it from the environment, else the Dockerfile's default"),
    a("service.build.target", M, "`--target`"),
    a("service.build.labels", M, "`--label`"),
    a("service.build.cache_from", M, "`--cache-from`"),
    a("service.build.cache_to", M, "`--cache-to` (buildx; without buildx an error before anything is built)"),
    a("service.build.extra_hosts", M, "`--add-host`"),
    a("service.build.network", M, "`--network`"),
    a("service.build.shm_size", M, "`--shm-size`"),
    a("service.build.ulimits", M, "`--ulimit`"),
    a("service.build.ssh", M, "`--ssh` (buildx; without buildx an error before anything is built)"),
    a("service.build.secrets", M, "`--secret id=...,src=FILE` or `env=VARIABLE` from the top-level secret (buildx; without buildx an error before anything is built)"),
    a("service.build.additional_contexts", M, "`--build-context` (buildx; without buildx an error before anything is built)"),
    a("service.build.platforms", M, "must include the task's platform (`platform:`, default linux/amd64), the only one built"),
    a("service.build.no_cache", M, "`--no-cache`"),
    a("service.build.pull", M, "`--pull`"),
    a("service.build.tags", W, "extra tags are not pushed: the image goes to Amazon ECR under `image:` (or `<project>/<service>:latest`)"),
    a("service.build.privileged", W, "builds run unprivileged"),
    a("service.build.entitlements", W, "builds run without extra entitlements"),
    a("service.build.isolation", W, "Windows containers only; ECS tasks here are Linux"),
    a("service.build.provenance", W, "no attestations are pushed: ECS deploys the image manifest by digest"),
    a("service.build.sbom", W, "no attestations are pushed: ECS deploys the image manifest by digest"),
    a("service.command", M, "container `Command`"),
    a("service.entrypoint", M, "container `EntryPoint`"),
    a("service.environment", M, "container `Environment`, sorted; variables without a value are left unset"),
    a("service.env_file", M, "read at load time into `Environment` (`environment` wins)"),
    a("service.working_dir", M, "container `WorkingDirectory`"),
    a("service.user", M, "container `User`"),
    a("service.labels", M, "container `DockerLabels`"),
    a("service.ports", M, "load balancer listener (published port) + target group (target port) + security group ingress. One load balancer for the project: an Application Load Balancer (HTTP) when every published port is HTTP, that is published on 80 or 443, or declared `x-aws-protocol: http|https` (or `app_protocol`), or given a certificate; otherwise a Network Load Balancer (TCP/UDP) for all ports. The published port decides, where Docker's ECS integration looked at the container port (and listened on it): `8080:80` gets a Network Load Balancer here and had an Application Load Balancer there, `80:8080` the reverse; a warning says so, naming the port and the `x-aws-protocol` that keeps Docker's choice. A port of a database, cache, message broker, debugger or the Docker API (5432, 3306, 6379, 27017, 9200, 1433, 11211, 5005, 9229, 2375...) on a load balancer that is not `internal` is warned about, naming the service and the port, with the ways out: `expose`, a `127.0.0.1:` binding, `x-aws-loadbalancer_scheme: internal`"),
    a("service.ports.x-aws-protocol", M, "`http` / `https`: listen with HTTP(S) (an Application Load Balancer when every port is HTTP); another value (`tcp`): not HTTP even when published on 80 or 443 (a Network Load Balancer)"),
    a("service.ports.x-aws-certificate", M, "ACM certificate ARN: the port is HTTPS (ALB listener with the certificate, forwarding to the container port); an error on a port declared otherwise, behind an NLB, or with an invalid ARN"),
    a("service.ports.x-aws-domain", M, "like the top-level `x-aws-domain`, for this port (long syntax), which it makes HTTPS; it wins over the top-level domain and certificate. An error on a port declared `http`/`tcp` or UDP, or behind a Network Load Balancer. Several services may publish the same port when each names its own `x-aws-domain` there: one listener (the first service's, in name order) with its certificate, the others' certificates added to it (`AWS::ElasticLoadBalancingV2::ListenerCertificate`) and a host-header rule per other domain (`AWS::ElasticLoadBalancingV2::ListenerRule`); a request for any other name goes to the first service"),
    a("service.ports.x-aws-hosted_zone", M, "the hosted zone id of this port's `x-aws-domain` (wins over the top-level one); ignored with a warning without a domain on the port"),
    a("service.ports.app_protocol", M, "like `x-aws-protocol` when that is not set"),
    a("service.ports.host_ip", W, "a load balancer listens on all its addresses (`0.0.0.0` and `::` say so already and are not warned about)"),
    a("service.ports.loopback", W, "published on a loopback address only (`127.0.0.1:5432:5432`), for the local machine: not put on the load balancer, which would open it to the internet; services on its networks still reach it"),
    a("service.ports.range", E, "a published port range cannot be load balanced; list the ports one by one"),
    a("service.ports.clash", E, "two services publish the same port on the one load balancer (unless each names its own `x-aws-domain` on it)"),
    a("service.expose", M, "nothing to do: services on a shared network reach each other on every port"),
    a("service.volumes", M, "EFS mount through the volume's access point (`read_only` respected)"),
    a("service.volumes.bind", M, "a file or folder of the project is copied into the service's image at the target (owner and mode kept), which `up` builds, pushes and deploys by digest; a read-write one gets a warning (writes stay in the task and are lost with it: use a named volume for data). A source outside the project is an error saying why: the Docker socket (tasks get no Docker API), a system path, a home folder, anywhere else"),
    a("service.volumes.host_time", W, "`/etc/localtime` and `/etc/timezone` of a host do not exist on Fargate: tasks run in UTC (set `TZ` in `environment` for another time zone)"),
    a("service.volumes.anonymous", M, "storage of the task's own (Fargate ephemeral storage, 20 GiB unless `x-aws-ephemeral_storage` asks for more), filled from the image at that path, gone with the task"),
    a("service.volumes.subpath", E, "EFS volumes are mounted whole (through one access point each); declare a volume of its own for this directory"),
    a("service.volumes.tmpfs", E, "tmpfs mounts are not supported on Fargate; remove it (the container's file system is writable unless `read_only: true`)"),
    a("service.volumes.other", E, "only named volumes (EFS) can be mounted"),
    a("service.tmpfs", E, "tmpfs mounts are not supported on Fargate; remove it (the container's file system is writable unless `read_only: true`)"),
    a("service.secrets", M, "file under /run/secrets/<target>, written by an init container from Secrets Manager (uid, gid, mode honoured)"),
    a("service.configs", M, "copied into the service's image at `target` (default `/<name>`) with `uid`, `gid` (numbers) and `mode` (default 0444), which `up` builds, pushes and deploys by digest"),
    a("service.networks", M, "the task joins each network's security group"),
    a("service.networks.aliases", W, "services are reachable by their service name only"),
    a("service.networks.ipv4_address", W, "task addresses come from the subnet"),
    a("service.networks.ipv6_address", W, "task addresses come from the subnet"),
    a("service.networks.priority", W, "all networks are security groups of one interface"),
    a("service.networks.mac_address", W, "the task's network interface gets its address from the subnet"),
    a("service.networks.link_local_ips", W, "task addresses come from the subnet"),
    a("service.networks.driver_opts", W, "networks are security groups"),
    a("service.networks.gw_priority", W, "all networks are security groups of one interface"),
    a("service.networks.interface_name", W, "all networks are security groups of one interface"),
    a("service.depends_on", M, "`DependsOn` between ECS services (creation order)"),
    a("service.depends_on.condition", W, "ECS cannot wait for a dependency to be healthy or to complete; only creation order is kept"),
    a("service.healthcheck", M, "container `HealthCheck` (interval 5-300 s, timeout 2-60 s, retries 1-10, start period 0-300 s: values outside are clamped with a warning)"),
    a("service.healthcheck.start_interval", W, "ECS has no start interval"),
    a("service.healthcheck.clamped", W, "value outside what ECS accepts: clamped"),
    a("service.deploy.mode", W, "`global` has no meaning on Fargate: the service runs `replicas` tasks"),
    a("service.deploy.replicas", M, "service `DesiredCount` (default 1)"),
    a("service.scale", M, "service `DesiredCount` when `deploy.replicas` is not set"),
    a("service.deploy.labels", M, "ECS service tags"),
    a("service.deploy.update_config.parallelism", M, "`DeploymentConfiguration` minimum/maximum percent (unless `x-aws-min_percent`/`x-aws-max_percent`)"),
    a("service.deploy.update_config.order", M, "`stop-first`: `parallelism` (default 1) tasks stopped at a time, none beyond `replicas` (MaximumPercent 100); `start-first`: new tasks start first (MinimumHealthyPercent 100). Unset, with no `parallelism`: a single task that writes to a named volume is replaced stop-first (0/100, as `docker compose up` recreates a container), anything else start-first (100/200)"),
    a("service.deploy.update_config.other", W, "only `parallelism` and `order` map; ECS rolls back failed deployments with its circuit breaker"),
    a("service.deploy.rollback_config", W, "ECS rolls back failed deployments with its circuit breaker"),
    a("service.deploy.resources.limits", M, "Fargate task size: the cheapest valid cpu/memory pair that fits (`cpus`, `memory`)"),
    a("service.deploy.resources.reservations", M, "task size when no limit is given; `devices` with capabilities [gpu] and `generic_resources` gpu select a GPU instance"),
    a("service.deploy.resources.pids", W, "ECS has no pids limit"),
    a("service.deploy.resources.devices", W, "only GPU device requests (capabilities [gpu]) map"),
    a("service.deploy.restart_policy", W, "ECS always replaces stopped tasks"),
    a("service.deploy.placement.constraints", M, "`node.machine == <type>` and `node.ami == ami-...` for GPU services; other constraints are ignored with a warning"),
    a("service.deploy.placement.preferences", W, "ECS spreads Fargate tasks across availability zones itself"),
    a("service.deploy.placement.max_replicas_per_node", W, "Fargate has no nodes"),
    a("service.deploy.endpoint_mode", W, "services are resolved through Cloud Map (multivalue A records)"),
    a("service.gpus", M, "GPU count, as `deploy.resources.reservations.devices` (`all`, or a request without a count, reserves 1 with a warning); anything but `all` or a list of requests is an error, as in Compose"),
    a("service.cpus", M, "task size, like `deploy.resources.limits.cpus`"),
    a("service.mem_limit", M, "task size, like `deploy.resources.limits.memory`"),
    a("service.mem_reservation", M, "task size, like `deploy.resources.reservations.memory`"),
    a("service.logging", M, "`awslogs` log configuration; the options ECS accepts besides where the logs go are passed through: `awslogs-datetime-format`, `awslogs-multiline-pattern`, `mode`, `max-buffer-size`"),
    a("service.logging.driver", W, "only the awslogs driver is available: logs go to CloudWatch Logs"),
    a("service.logging.options", W, "options of other log drivers (`tag`, `labels`, `env`...) do not apply: only the awslogs options ECS accepts do"),
    a("service.logging.options.rotation", M, "`max-size`, `max-file`, `compress` of the `json-file` and `local` drivers: nothing to do, CloudWatch Logs keeps logs for the log group's retention (`x-aws-logs_retention`)"),
    a("service.logging.options.managed", W, "`awslogs-group`, `awslogs-region`, `awslogs-stream-prefix` and `awslogs-create-group` are set by docker ecs: logs go to the stack's log group `/docker-compose/<project>` in its region, where `docker ecs logs` reads them"),
    a("service.logging.options.unsupported", E, "an `awslogs-*` option ECS does not accept (Docker's `awslogs-endpoint`, `awslogs-stream`, `awslogs-format`, `awslogs-max-buffer-size`..., or a misspelt one) would make ECS refuse the task definition at deploy time: remove it, or use the option ECS accepts that the error names"),
    a("service.init", M, "`LinuxParameters.InitProcessEnabled`"),
    a("service.cap_add", M, "`LinuxParameters.Capabilities.Add`; Fargate only allows SYS_PTRACE (anything else is an error)"),
    a("service.cap_drop", M, "`LinuxParameters.Capabilities.Drop`"),
    a("service.ulimits", M, "container `Ulimits` (Fargate: only `nofile`, at most 1048576, unlimited and higher values are capped with a warning; others are ignored with a warning)"),
    a("service.read_only", M, "`ReadonlyRootFilesystem`"),
    a("service.stop_grace_period", M, "`StopTimeout` (Fargate maximum 120 s: longer is capped with a warning)"),
    a("service.platform", M, "`RuntimePlatform` (linux/amd64 -> X86_64, linux/arm64 -> ARM64 on Graviton; anything else, or arm64 with a GPU, is an error)"),
    a("service.profiles", M, "applied when loading: only active services are deployed"),
    a("service.tty", M, "container `PseudoTerminal`"),
    a("service.stdin_open", M, "container `Interactive`"),
    a("service.sysctls", M, "container `SystemControls`"),
    a("service.privileged", E, "Fargate does not run privileged containers"),
    a("service.devices", E, "Fargate gives no access to host devices"),
    a("service.volumes_from", E, "tasks cannot share another service's volumes; use a named volume"),
    a("service.restart", W, "ECS always replaces stopped tasks, so a one-off job (a migration) would run again and again: mark it `x-aws-job: true` (or have the services that need it wait for it with `condition: service_completed_successfully`), and `up` runs it once per deployment"),
    a("service.hostname", W, "not supported with awsvpc networking"),
    a("service.domainname", W, "not supported with awsvpc networking"),
    a("service.container_name", W, "the container is named after the service"),
    a("service.network_mode", W, "ECS tasks always use awsvpc networking"),
    a("service.links", W, "services reach each other by name through Cloud Map, but not by a link alias (`db:database`); links without an alias are not warned about"),
    a("service.external_links", W, "services reach each other by name through Cloud Map"),
    a("service.dns", W, "tasks use the VPC resolver"),
    a("service.dns_opt", W, "tasks use the VPC resolver"),
    a("service.dns_search", W, "the search domain is `<project>.local`"),
    a("service.extra_hosts", W, "not supported with awsvpc networking"),
    a("service.stop_signal", W, "ECS stops containers with SIGTERM"),
    a("service.shm_size", W, "not supported on Fargate"),
    a("service.pid", W, "not supported"),
    a("service.ipc", W, "not supported"),
    a("service.uts", W, "not supported"),
    a("service.userns_mode", W, "not supported"),
    a("service.cgroup", W, "not supported"),
    a("service.cgroup_parent", W, "not supported"),
    a("service.security_opt", W, "not supported"),
    a("service.isolation", W, "not supported"),
    a("service.runtime", W, "not supported"),
    a("service.storage_opt", W, "not supported"),
    a("service.mac_address", W, "not supported"),
    a("service.group_add", W, "not supported"),
    a("service.credential_spec", W, "not supported"),
    a("service.oom_kill_disable", W, "not supported"),
    a("service.oom_score_adj", W, "not supported"),
    a("service.mem_swappiness", W, "not supported on Fargate"),
    a("service.memswap_limit", W, "not supported on Fargate"),
    a("service.pids_limit", W, "not supported"),
    a("service.cpu_count", W, "use `deploy.resources.limits.cpus`"),
    a("service.cpu_percent", W, "use `deploy.resources.limits.cpus`"),
    a("service.cpu_shares", W, "use `deploy.resources.limits.cpus`"),
    a("service.cpu_period", W, "use `deploy.resources.limits.cpus`"),
    a("service.cpu_quota", W, "use `deploy.resources.limits.cpus`"),
    a("service.cpu_rt_runtime", W, "not supported"),
    a("service.cpu_rt_period", W, "not supported"),
    a("service.cpuset", W, "not supported"),
    a("service.blkio_config", W, "not supported"),
    a("service.device_cgroup_rules", W, "not supported"),
    a("service.pull_policy", W, "ECS pulls the image when a task starts"),
    a("service.attach", W, "use `docker ecs logs`"),
    a("service.annotations", W, "not supported"),
    a("service.develop", W, "development-only"),
    a("service.post_start", W, "lifecycle hooks are not supported"),
    a("service.pre_stop", W, "lifecycle hooks are not supported"),
    a("service.provider", W, "not supported"),
    a("service.use_api_socket", W, "there is no Docker API on ECS"),
    a("service.label_file", M, "read at load time into `labels`"),
    a("service.extends", M, "resolved at load time"),
    a("service.other", W, "not supported"),
    a("service.x-aws-role", M, "inline policy of the task role; a document IAM would refuse (no statement, a statement without Effect Allow/Deny, Action or Resource) is refused at convert, naming the statement"),
    a("service.x-aws-policies", M, "managed policies of the task role (`up` checks they exist)"),
    a("service.x-aws-autoscaling", M, "`{min, max, cpu | memory}`: scalable target + target tracking policy; the service then has no `DesiredCount` (it starts at `min`, and `up` never resets what autoscaling did), so `deploy.replicas`/`scale` other than `min` are ignored with a warning"),
    a("service.x-aws-pull_credentials", M, "container `RepositoryCredentials` (Secrets Manager ARN; the execution role may read it)"),
    a("service.x-aws-min_percent", M, "`DeploymentConfiguration.MinimumHealthyPercent`"),
    a("service.x-aws-max_percent", M, "`DeploymentConfiguration.MaximumPercent`"),
    a("service.x-aws-healthcheck", M, "target group health check: `path` (default: the path the service's `healthcheck` requests from that container port, like `curl -f http://localhost:8000/health/`, else `/`), `matcher` (HTTP codes, default `200-399`; both ALB only), `interval` (5-300 s, default 10), `timeout` (2-120 s, below the interval, default 5), `healthy_threshold`/`unhealthy_threshold` (2-10, default 3), `grace_period` (service `HealthCheckGracePeriodSeconds`, default the container health check's start period, at least 60 s)"),
    a("service.x-aws-spot", M, "`true`: Fargate Spot (`CapacityProviderStrategy` FARGATE_SPOT instead of `LaunchType`; the stack's cluster gets the FARGATE and FARGATE_SPOT capacity providers); with a GPU it is an error"),
    a("service.x-aws-exec", M, "`true`: ECS Exec (`docker ecs exec`): service `EnableExecuteCommand` + the four `ssmmessages` channel permissions on the task role (created if needed); an error with `read_only: true`"),
    a("service.x-aws-job", M, "`true`: a one-off job (a migration, a seeder), as is a service with `restart: \"no\"` or `on-failure` that another service waits for with `condition: service_completed_successfully` (`false` keeps such a service a service). Its ECS service keeps zero tasks (so `docker ecs run`, `logs` and `ps -a` find it); `up` runs it once per deployment, after the other changes and before the services that `depends_on` it get their new version: those keep their running version (a new one is not created) until the job exits with 0, and its failure stops `up` with the job's log and exit code. Jobs that depend on jobs run after them. Published ports, `x-aws-autoscaling`, `x-aws-schedule` and more than one replica are refused"),
    a("service.x-aws-schedule", M, "`cron(0 3 * * ? *)` (6 fields, one day field `?`), `rate(1 hour)` or `at(2027-01-01T00:00:00)`: a scheduled job. No ECS service: an EventBridge Scheduler schedule runs the task definition (`deploy.replicas` tasks, default 1) in the service's subnets and security groups, through a role that may only run it and pass its roles; no retry of a run that failed to start. Published ports, `x-aws-autoscaling` and a GPU are refused; a service that `depends_on` a scheduled job is warned that the job runs on its schedule"),
    a("service.x-aws-ephemeral_storage", M, "task `EphemeralStorage` in GiB (21-200; Fargate gives 20 without it): room for anonymous volumes and the container's writable layer; an error on a GPU (EC2) service"),
    a("service.deploy.x-aws-autoscaling", M, "as `x-aws-autoscaling` at the service (where Docker's ECS integration documented it); set in both places, it is refused"),
    a("service.deploy.update_config.x-aws-min_percent", M, "as `x-aws-min_percent` at the service (where Docker's ECS integration read it; `deploy.x-aws-min_percent` too); set in two places, it is refused"),
    a("service.deploy.update_config.x-aws-max_percent", M, "as `x-aws-max_percent` at the service (where Docker's ECS integration read it; `deploy.x-aws-max_percent` too); set in two places, it is refused"),
    a("service.x-aws-unknown", W, "unknown `x-aws-*` extension at the service or anywhere below it (`deploy`, `deploy.update_config`, `build`, a port, a mount, a secret reference, a network attachment...; check the spelling and the place), warned with its path"),
    // Networks.
    a("network.external", M, "`external: true` with `name: sg-...` uses that security group"),
    a("network.name", M, "the security group id of an external network"),
    a("network.driver", W, "networks are security groups"),
    a("network.driver_opts", W, "networks are security groups"),
    a("network.internal", W, "tasks never receive traffic from outside except through the load balancer"),
    a("network.other", W, "networks are security groups (`ipam`, `attachable`, `enable_ipv6`... do not apply)"),
    a("network.labels", W, "not supported"),
    // Volumes.
    a("volume.external", M, "`external: true` with `name: fs-...` uses that EFS file system. The stack cannot change a file system it does not own, so `up` checks before deploying that the tasks can reach it and names what is missing: a mount target in the deploy VPC in every availability zone of the task subnets, whose security groups admit NFS (TCP 2049) from the task subnets' ranges (e.g. the VPC's CIDR) or from a security group the services carry (an external network)"),
    a("volume.name", M, "the file system id of an external volume"),
    a("volume.driver", W, "volumes are EFS file systems"),
    a("volume.driver_opts", M, "`uid`, `gid`, `root_directory`, `permissions` (access point); `performance_mode`, `throughput_mode`, `provisioned_throughput`, `lifecycle_policy`, `backup_policy`, `kms_key_id` (file system; `kms_key_id` is the KMS key, id, ARN or alias, it is encrypted with instead of AWS's key for EFS). Values EFS would refuse are refused at convert with the ones it takes: `performance_mode` generalPurpose|maxIO, `throughput_mode` bursting|provisioned|elastic (provisioned needs `provisioned_throughput`, a positive MiB/s; elastic needs generalPurpose), `lifecycle_policy` AFTER_1_DAY...AFTER_365_DAYS, `backup_policy` ENABLED|DISABLED; on an external volume the file system options are ignored with a warning"),
    a("volume.driver_opts.other", W, "not an EFS option"),
    a("volume.labels", W, "not supported"),
    // Secrets.
    a("secret.file", M, "the file's content is the secret value, passed by `up` as a NoEcho parameter"),
    a("secret.environment", M, "the variable's value is the secret value, passed by `up` as a NoEcho parameter"),
    a("secret.external", M, "`external: true` with `name:` uses an existing Secrets Manager secret (ARN or name) or SSM Parameter Store parameter (ARN)"),
    a("secret.name", M, "of an external secret: a Secrets Manager ARN or name (the execution role gets `secretsmanager:GetSecretValue` on it), or an SSM Parameter Store parameter ARN, `arn:aws:ssm:<region>:<account>:parameter/<name>` (`ssm:GetParameters`)"),
    a("secret.content", E, "inline secret content would end up in the template; use `file:` or `environment:`"),
    a("secret.x-aws-keys", M, "JSON keys of the secret to write as files under /run/secrets/<target>/ (`*` = all); Secrets Manager only (an error on an SSM parameter)"),
    a("secret.x-aws-kms_key", M, "ARN of the customer managed KMS key the secret or parameter is encrypted with (`arn:aws:kms:<region>:<account>:key/<id>`, not an alias): the execution role gets `kms:Decrypt` on it, and a secret the stack creates is encrypted with it (`KmsKeyId`)"),
    a("secret.labels", W, "not supported"),
    a("secret.driver", W, "secrets are kept in Secrets Manager"),
    a("secret.driver_opts", W, "secrets are kept in Secrets Manager"),
    a("secret.template_driver", W, "the secret value is used as it is, not rendered as a template"),
];

pub fn lookup(path: &str) -> Attribute {
    ATTRIBUTES
        .iter()
        .find(|attr| attr.path == path)
        .copied()
        .unwrap_or_else(|| {
            debug_assert!(false, "attribute {path} missing from the table");
            a("unknown", W, "not supported")
        })
}

/// A warning for a `Warned` attribute of the table. `shown` is the attribute as the user wrote it
/// (`deploy.restart_policy`, `networks.front.driver`).
pub fn warning(path: &str, service: Option<&str>, shown: &str) -> Warning {
    let attr = lookup(path);
    debug_assert!(attr.support != Support::Mapped, "{path} is mapped");
    Warning {
        service: service.map(str::to_string),
        attribute: shown.to_string(),
        message: format!("ignored: {}", attr.note),
    }
}

/// The error for an `Error` attribute of the table.
pub fn error(path: &str, service: Option<&str>, shown: &str) -> Error {
    let attr = lookup(path);
    debug_assert!(attr.support == Support::Error, "{path} is not an error");
    Error {
        service: service.map(str::to_string),
        attribute: shown.to_string(),
        message: attr.note.to_string(),
    }
}

/// Every attribute a service sets, as (table path, attribute as written). Only the attributes whose
/// mere presence decides something are listed; mapped modules report finer problems themselves.
fn present_in_service(service: &Service) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |path: &str, shown: &str| out.push((path.to_string(), shown.to_string()));
    if let Some(build) = &service.build {
        for key in build.other.keys() {
            let path = format!("service.build.{key}");
            if ATTRIBUTES.iter().any(|attr| attr.path == path) {
                add(&path, &format!("build.{key}"));
            }
        }
    }
    if !service.tmpfs.is_empty() {
        add("service.tmpfs", "tmpfs");
    }
    if service.privileged == Some(true) {
        add("service.privileged", "privileged");
    }
    if !service.devices.is_empty() {
        add("service.devices", "devices");
    }
    if let Some(restart) = &service.restart {
        if !matches!(restart.as_str(), "always" | "unless-stopped") {
            add("service.restart", "restart");
        }
    }
    if service.hostname.is_some() {
        add("service.hostname", "hostname");
    }
    if service.container_name.is_some() {
        add("service.container_name", "container_name");
    }
    for port in &service.ports {
        // Every address is what a load balancer listens on anyway.
        let all_addresses = port
            .host_ip
            .as_deref()
            .and_then(|ip| ip.trim_matches(['[', ']']).parse::<std::net::IpAddr>().ok())
            .is_some_and(|ip| ip.is_unspecified());
        if port.host_ip.is_some() && !all_addresses {
            add("service.ports.host_ip", "ports.host_ip");
        }
    }
    for (network, attachment) in &service.networks {
        if !attachment.aliases.is_empty() {
            add(
                "service.networks.aliases",
                &format!("networks.{network}.aliases"),
            );
        }
        if attachment.ipv4_address.is_some() {
            add(
                "service.networks.ipv4_address",
                &format!("networks.{network}.ipv4_address"),
            );
        }
        if attachment.ipv6_address.is_some() {
            add(
                "service.networks.ipv6_address",
                &format!("networks.{network}.ipv6_address"),
            );
        }
        if attachment.priority.is_some() {
            add(
                "service.networks.priority",
                &format!("networks.{network}.priority"),
            );
        }
        for (key, set) in [
            ("mac_address", attachment.mac_address.is_some()),
            ("link_local_ips", !attachment.link_local_ips.is_empty()),
            ("driver_opts", !attachment.driver_opts.is_empty()),
            ("gw_priority", attachment.gw_priority.is_some()),
            ("interface_name", attachment.interface_name.is_some()),
        ] {
            if set {
                add(
                    &format!("service.networks.{key}"),
                    &format!("networks.{network}.{key}"),
                );
            }
        }
    }
    if let Some(deploy) = &service.deploy {
        if deploy.mode.as_deref() == Some("global") {
            add("service.deploy.mode", "deploy.mode");
        }
        if let Some(update) = &deploy.update_config {
            if update.delay.is_some()
                || update.failure_action.is_some()
                || update.monitor.is_some()
                || update.max_failure_ratio.is_some()
            {
                add("service.deploy.update_config.other", "deploy.update_config");
            }
        }
        if deploy.rollback_config.is_some() {
            add("service.deploy.rollback_config", "deploy.rollback_config");
        }
        for (name, spec) in [
            ("limits", &deploy.resources.limits),
            ("reservations", &deploy.resources.reservations),
        ] {
            if spec.as_ref().is_some_and(|s| s.pids.is_some()) {
                add(
                    "service.deploy.resources.pids",
                    &format!("deploy.resources.{name}.pids"),
                );
            }
        }
        if deploy.restart_policy.is_some() {
            add("service.deploy.restart_policy", "deploy.restart_policy");
        }
        if !deploy.placement.preferences.is_empty() {
            add(
                "service.deploy.placement.preferences",
                "deploy.placement.preferences",
            );
        }
        if deploy.placement.max_replicas_per_node.is_some() {
            add(
                "service.deploy.placement.max_replicas_per_node",
                "deploy.placement.max_replicas_per_node",
            );
        }
        if deploy.endpoint_mode.as_deref().is_some_and(|m| m != "vip") {
            add("service.deploy.endpoint_mode", "deploy.endpoint_mode");
        }
    }
    for (key, value) in &service.other {
        if !is_set(value) {
            continue;
        }
        // `links: [db]` says what Cloud Map gives anyway; only an alias (`db:database`) is lost.
        if key == "links"
            && value.as_array().is_some_and(|links| {
                links
                    .iter()
                    .all(|l| l.as_str().is_some_and(|l| !l.contains(':')))
            })
        {
            continue;
        }
        let path = format!("service.{key}");
        if ATTRIBUTES.iter().any(|attr| attr.path == path) {
            add(&path, key);
        } else {
            add("service.other", key);
        }
    }
    for key in service.extensions.keys() {
        let path = format!("service.{key}");
        if key.starts_with("x-aws-") && !ATTRIBUTES.iter().any(|attr| attr.path == path) {
            add("service.x-aws-unknown", key);
        }
    }
    for shown in unknown_below_service(service) {
        add("service.x-aws-unknown", &shown);
    }
    out
}

/// `x-aws-*` keys below a service (under `deploy`, a port, a mount, a secret reference...) that
/// nothing reads, each as the path it was written at: Docker's tool read some of its extensions
/// there, so a misplaced or unknown one must be said, never dropped in silence.
fn unknown_below_service(service: &Service) -> Vec<String> {
    use crate::extensions::{known_below_service, Place};
    let mut out = Vec::new();
    let mut check = |shown: String, keys: &mut dyn Iterator<Item = &String>, known: &[&str]| {
        for key in keys {
            if key.starts_with("x-aws-") && !known.contains(&key.as_str()) {
                out.push(format!("{shown}{key}"));
            }
        }
    };
    if let Some(build) = &service.build {
        // `build:` keeps its `x-` keys among the attributes it does not type.
        check("build.".into(), &mut build.other.keys(), &[]);
    }
    if let Some(deploy) = &service.deploy {
        check(
            "deploy.".into(),
            &mut deploy.extensions.keys(),
            known_below_service(Place::Deploy),
        );
        if let Some(update) = &deploy.update_config {
            check(
                "deploy.update_config.".into(),
                &mut update.extensions.keys(),
                known_below_service(Place::UpdateConfig),
            );
        }
        if let Some(rollback) = &deploy.rollback_config {
            check(
                "deploy.rollback_config.".into(),
                &mut rollback.extensions.keys(),
                &[],
            );
        }
        check(
            "deploy.resources.".into(),
            &mut deploy.resources.extensions.keys(),
            &[],
        );
        check(
            "deploy.placement.".into(),
            &mut deploy.placement.extensions.keys(),
            &[],
        );
        if let Some(restart) = &deploy.restart_policy {
            check(
                "deploy.restart_policy.".into(),
                &mut restart.extensions.keys(),
                &[],
            );
        }
    }
    for (index, port) in service.ports.iter().enumerate() {
        check(
            format!("ports[{index}]."),
            &mut port.extensions.keys(),
            &[
                "x-aws-protocol",
                "x-aws-certificate",
                "x-aws-domain",
                "x-aws-hosted_zone",
            ],
        );
    }
    for (index, mount) in service.volumes.iter().enumerate() {
        let mut keys = mount
            .extensions()
            .map(|(key, _)| key)
            .chain(mount.volume.iter().flat_map(|v| v.extensions.keys()))
            .chain(mount.tmpfs.iter().flat_map(|t| t.extensions.keys()));
        check(format!("volumes[{index}]."), &mut keys, &[]);
    }
    for (list, references) in [("secrets", &service.secrets), ("configs", &service.configs)] {
        for (index, reference) in references.iter().enumerate() {
            check(
                format!("{list}[{index}]."),
                &mut reference.extensions.keys(),
                &[],
            );
        }
    }
    for (network, attachment) in &service.networks {
        check(
            format!("networks.{network}."),
            &mut attachment.extensions.keys(),
            &[],
        );
    }
    for (dependency, condition) in &service.depends_on {
        check(
            format!("depends_on.{dependency}."),
            &mut condition.extensions.keys(),
            &[],
        );
    }
    if let Some(healthcheck) = &service.healthcheck {
        check(
            "healthcheck.".into(),
            &mut healthcheck.extensions.keys(),
            &[],
        );
    }
    if let Some(logging) = &service.logging {
        check("logging.".into(), &mut logging.extensions.keys(), &[]);
    }
    out
}

/// Report every warned attribute of the project once, and return every error attribute (in
/// service-name order, so the same project always reports the same errors in the same order).
pub fn check(project: &Project, warnings: &mut BTreeSet<Warning>) -> Vec<Error> {
    let mut errors = Vec::new();
    for key in project.extensions.keys() {
        let path = format!("project.{key}");
        if key.starts_with("x-aws-") && !ATTRIBUTES.iter().any(|attr| attr.path == path) {
            warnings.insert(warning("project.x-aws-unknown", None, key));
        }
    }
    for (name, service) in &project.services {
        for (path, shown) in present_in_service(service) {
            // A job's `restart: "no"` is what makes it one (jobs.rs): it runs once, not again.
            if path == "service.restart" && crate::jobs::is_job(project, name) {
                continue;
            }
            match lookup(&path).support {
                Support::Mapped => {}
                Support::Warned => {
                    warnings.insert(warning(&path, Some(name), &shown));
                }
                Support::Error => errors.push(error(&path, Some(name), &shown)),
            }
        }
    }
    // Top-level networks, volumes, secrets and configs: only a secret's x-aws-keys and
    // x-aws-kms_key are read (Docker's `x-aws-securitygroup` on a network is not).
    let top_level = [
        (
            "networks",
            project
                .networks
                .iter()
                .map(|(n, v)| (n, &v.extensions))
                .collect::<Vec<_>>(),
            &[][..],
        ),
        (
            "volumes",
            project
                .volumes
                .iter()
                .map(|(n, v)| (n, &v.extensions))
                .collect(),
            &[][..],
        ),
        (
            "secrets",
            project
                .secrets
                .iter()
                .map(|(n, v)| (n, &v.extensions))
                .collect(),
            &["x-aws-keys", "x-aws-kms_key"][..],
        ),
        (
            "configs",
            project
                .configs
                .iter()
                .map(|(n, v)| (n, &v.extensions))
                .collect(),
            &[][..],
        ),
    ];
    for (kind, elements, known) in top_level {
        for (name, extensions) in elements {
            for key in extensions.keys() {
                if key.starts_with("x-aws-") && !known.contains(&key.as_str()) {
                    warnings.insert(warning(
                        "project.x-aws-unknown",
                        None,
                        &format!("{kind}.{name}.{key}"),
                    ));
                }
            }
        }
    }
    for (name, network) in &project.networks {
        let shown = |attr: &str| format!("networks.{name}.{attr}");
        // `driver: bridge`/`overlay` are what Compose files say by habit; nothing is lost.
        if network
            .driver
            .as_deref()
            .is_some_and(|d| !matches!(d, "bridge" | "overlay"))
        {
            warnings.insert(warning("network.driver", None, &shown("driver")));
        }
        if !network.driver_opts.is_empty() {
            warnings.insert(warning("network.driver_opts", None, &shown("driver_opts")));
        }
        if network.internal {
            warnings.insert(warning("network.internal", None, &shown("internal")));
        }
        if !network.labels.is_empty() {
            warnings.insert(warning("network.labels", None, &shown("labels")));
        }
        for key in network.other.keys() {
            warnings.insert(warning("network.other", None, &shown(key)));
        }
    }
    for (name, volume) in &project.volumes {
        let shown = |attr: &str| format!("volumes.{name}.{attr}");
        if volume
            .driver
            .as_deref()
            .is_some_and(|d| !matches!(d, "local" | "efs"))
        {
            warnings.insert(warning("volume.driver", None, &shown("driver")));
        }
        if !volume.labels.is_empty() {
            warnings.insert(warning("volume.labels", None, &shown("labels")));
        }
    }
    for (name, secret) in &project.secrets {
        if secret.content.is_some() {
            errors.push(error(
                "secret.content",
                None,
                &format!("secrets.{name}.content"),
            ));
        }
        if !secret.labels.is_empty() {
            warnings.insert(warning(
                "secret.labels",
                None,
                &format!("secrets.{name}.labels"),
            ));
        }
        for (key, set) in [
            ("driver", secret.driver.is_some()),
            ("driver_opts", !secret.driver_opts.is_empty()),
            ("template_driver", secret.template_driver.is_some()),
        ] {
            if set {
                warnings.insert(warning(
                    &format!("secret.{key}"),
                    None,
                    &format!("secrets.{name}.{key}"),
                ));
            }
        }
    }
    errors
}

/// Whether a JSON value from `Service::other` is set to something (not null/false/empty).
pub fn is_set(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(_) => true,
    }
}

/// A boolean `x-` field of a service (`x-aws-exec`, `x-aws-spot`): absent or null is false; `true`/
/// `false` are also accepted as strings in any case, as YAML 1.1 writers quote them; anything else is
/// an error naming the service and the field.
pub(crate) fn service_flag(name: &str, service: &Service, attribute: &str) -> Result<bool, Error> {
    match service.extensions.get(attribute) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(Error {
            service: Some(name.to_string()),
            attribute: attribute.into(),
            message: format!("expected true or false, got {other}"),
        }),
    }
}

/// docs/ATTRIBUTES.md.
pub fn render_markdown() -> String {
    let mut out = String::from(
        "# Compose attributes on ECS\n\n\
         Generated from `crates/template-builder/src/attributes.rs` (a unit test keeps this file equal to \
         it). Every Compose attribute is either **mapped** into the CloudFormation template, **ignored \
         (warning)**: reported once on stderr by `convert` and `up`, naming the service and the \
         attribute, or an **error**: the project cannot be deployed as written (`convert` and `up` \
         report every error of a project in one run, each with its file and line).\n",
    );
    let sections = [
        ("project.", "Top level"),
        ("service.", "Services"),
        ("network.", "Networks"),
        ("volume.", "Volumes"),
        ("secret.", "Secrets"),
    ];
    for (prefix, title) in sections {
        out.push_str(&format!(
            "\n## {title}\n\n| attribute | support | notes |\n| --- | --- | --- |\n"
        ));
        for attr in ATTRIBUTES
            .iter()
            .filter(|attr| attr.path.starts_with(prefix))
        {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                &attr.path[prefix.len()..],
                attr.support.label(),
                attr.note
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use compose_model::{Deploy, RestartPolicy, Secret, Service};
    use serde_json::{json, Value};

    use crate::build;
    use crate::test_support::{project, service};

    #[test]
    fn boolean_fields_and_their_spellings() {
        let with = |value: Value| {
            let mut service = Service::default();
            service.extensions.insert("x-flag".into(), value);
            service
        };
        let flag = |service: &Service| service_flag("w", service, "x-flag");
        assert!(!flag(&Service::default()).unwrap());
        assert!(!flag(&with(Value::Null)).unwrap());
        assert!(flag(&with(json!(true))).unwrap());
        assert!(flag(&with(json!("TRUE"))).unwrap());
        assert!(flag(&with(json!("True"))).unwrap());
        assert!(!flag(&with(json!(false))).unwrap());
        assert!(!flag(&with(json!("false"))).unwrap());
        for wrong in [json!(1), json!("spot")] {
            let err = flag(&with(wrong)).unwrap_err();
            assert_eq!(err.attribute, "x-flag");
            assert_eq!(err.service.as_deref(), Some("w"));
            assert!(err.message.contains("true or false"), "{err}");
        }
    }

    #[test]
    fn the_doc_is_the_rendering_of_the_table() {
        let doc = include_str!("../../../docs/ATTRIBUTES.md");
        assert!(
            doc == render_markdown(),
            "docs/ATTRIBUTES.md is out of date: regenerate it with \
             `UPDATE_ATTRIBUTES_DOC=1 cargo test -p template-builder attributes -- --ignored`"
        );
    }

    #[test]
    #[ignore = "writes docs/ATTRIBUTES.md; run with UPDATE_ATTRIBUTES_DOC=1 --ignored"]
    fn regenerate_doc() {
        if std::env::var_os("UPDATE_ATTRIBUTES_DOC").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ATTRIBUTES.md");
            std::fs::write(path, render_markdown()).unwrap();
        }
    }

    #[test]
    fn paths_are_unique() {
        let mut seen = BTreeSet::new();
        for attr in ATTRIBUTES {
            assert!(seen.insert(attr.path), "{} listed twice", attr.path);
        }
    }

    fn project_with(service: Service) -> Project {
        let mut project = Project {
            name: "demo".into(),
            ..Default::default()
        };
        project.services.insert("web".into(), service);
        project
    }

    #[test]
    fn warned_attributes_are_reported_once_with_service_and_attribute() {
        let mut service = Service {
            image: Some("nginx".into()),
            hostname: Some("h".into()),
            deploy: Some(Deploy {
                restart_policy: Some(RestartPolicy::default()),
                ..Default::default()
            }),
            ..Default::default()
        };
        service
            .other
            .insert("dns".into(), Value::String("8.8.8.8".into()));
        service.extensions.insert("x-aws-rol".into(), Value::Null);
        let mut warnings = BTreeSet::new();
        assert!(check(&project_with(service), &mut warnings).is_empty());
        let shown: Vec<_> = warnings.iter().map(|w| w.attribute.as_str()).collect();
        assert_eq!(
            shown,
            ["deploy.restart_policy", "dns", "hostname", "x-aws-rol"]
        );
        assert!(warnings.iter().all(|w| w.service.as_deref() == Some("web")));
        let dns = warnings.iter().find(|w| w.attribute == "dns").unwrap();
        assert_eq!(
            dns.message,
            format!("ignored: {}", lookup("service.dns").note)
        );
    }

    #[test]
    fn engine_network_and_secret_options_are_warned() {
        let mut service = Service {
            image: Some("nginx".into()),
            ..Default::default()
        };
        service.networks.insert(
            "front".into(),
            compose_model::ServiceNetwork {
                mac_address: Some("02:42:ac:11:65:43".into()),
                link_local_ips: vec!["169.254.8.8".into()],
                ..Default::default()
            },
        );
        let mut project = project_with(service);
        project.secrets.insert(
            "token".into(),
            Secret {
                file: Some("/p/token".into()),
                driver: Some("vault".into()),
                template_driver: Some("golang".into()),
                ..Default::default()
            },
        );
        let mut warnings = BTreeSet::new();
        assert!(check(&project, &mut warnings).is_empty());
        let shown: Vec<_> = warnings.iter().map(|w| w.attribute.as_str()).collect();
        assert_eq!(
            shown,
            [
                "secrets.token.driver",
                "secrets.token.template_driver",
                "networks.front.link_local_ips",
                "networks.front.mac_address",
            ]
        );
    }

    #[test]
    fn error_attributes_stop_the_build() {
        let service = Service {
            image: Some("nginx".into()),
            privileged: Some(true),
            ..Default::default()
        };
        let errors = check(&project_with(service), &mut BTreeSet::new());
        assert_eq!(errors.len(), 1, "{errors:?}");
        let err = &errors[0];
        assert_eq!(err.service.as_deref(), Some("web"));
        assert_eq!(err.attribute, "privileged");
    }

    #[test]
    fn build_attributes_that_cannot_be_honoured_are_warned_about() {
        let mut build = compose_model::Build::default();
        build
            .other
            .insert("tags".into(), serde_json::json!(["shop/web:extra"]));
        build
            .other
            .insert("shm_size".into(), serde_json::json!("64m"));
        let built = Service {
            build: Some(build),
            ..Default::default()
        };
        let mut warnings = BTreeSet::new();
        assert!(check(&project_with(built), &mut warnings).is_empty());
        let shown: Vec<_> = warnings.iter().map(|w| w.attribute.as_str()).collect();
        assert_eq!(shown, ["build.tags"]);
    }

    #[test]
    fn a_build_s_x_keys_are_free_form_but_an_unknown_x_aws_one_is_warned() {
        let shown = warned(
            "services:\n  web:\n    build:\n      context: .\n      x-cache-note: weekly\n\
             \x20     x-aws-platform: arm64\n      tags: [shop/web:extra]\n",
        );
        assert_eq!(shown, ["web: build.tags", "web: build.x-aws-platform"]);
    }

    #[test]
    fn inline_secret_content_is_refused() {
        let mut project = project_with(Service {
            image: Some("nginx".into()),
            ..Default::default()
        });
        project.secrets.insert(
            "token".into(),
            Secret {
                content: Some("hunter2".into()),
                ..Default::default()
            },
        );
        let errors = check(&project, &mut BTreeSet::new());
        let err = &errors[0];
        assert_eq!(err.attribute, "secrets.token.content");
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn a_one_off_job_is_told_it_would_run_again_and_again() {
        let mut migrate = service("app");
        migrate.restart = Some("no".into());
        let mut web = service("app");
        web.restart = Some("unless-stopped".into());
        let built = build(&project(vec![("migrate", migrate), ("web", web)])).unwrap();
        let shown: Vec<String> = built.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(
            shown[0].starts_with("service \"migrate\": restart: ignored: ECS always replaces stopped tasks, so a one-off job"),
            "{shown:?}"
        );
    }

    /// The warnings `check` gives a whole Compose file (which it must not refuse), as
    /// `service: attribute` (`attribute` alone at the top level), in the order they are printed.
    fn warned(yaml: &str) -> Vec<String> {
        let project = crate::test_support::load_yaml(yaml);
        let mut warnings = BTreeSet::new();
        let errors = check(&project, &mut warnings);
        assert!(errors.is_empty(), "{errors:?}");
        warnings
            .iter()
            .map(|w| match &w.service {
                Some(service) => format!("{service}: {}", w.attribute),
                None => w.attribute.clone(),
            })
            .collect()
    }

    #[test]
    fn unknown_x_aws_keys_at_the_top_are_warned_and_read_ones_are_not() {
        let shown = warned(
            "x-aws-vpc: vpc-0123456789abcdef0\nx-aws-vpcs: vpc-0123456789abcdef0\nx-notes: free-form\n\
             services:\n  web:\n    image: nginx\n",
        );
        assert_eq!(shown, ["x-aws-vpcs"]);
    }

    #[test]
    fn update_config_keys_other_than_parallelism_and_order_are_each_warned() {
        let with = |update_config: &str| {
            warned(&format!(
                "services:\n  web:\n    image: nginx\n    deploy:\n      update_config: {update_config}\n"
            ))
        };
        assert!(with("{parallelism: 2, order: start-first}").is_empty());
        for alone in [
            "{delay: 10s}",
            "{failure_action: pause}",
            "{monitor: 30s}",
            "{max_failure_ratio: 0.2}",
        ] {
            assert_eq!(with(alone), ["web: deploy.update_config"], "{alone}");
        }
    }

    #[test]
    fn only_a_non_vip_endpoint_mode_is_warned() {
        let with = |mode: &str| {
            warned(&format!(
                "services:\n  web:\n    image: nginx\n    deploy:\n      endpoint_mode: {mode}\n"
            ))
        };
        assert!(with("vip").is_empty());
        assert_eq!(with("dnsrr"), ["web: deploy.endpoint_mode"]);
    }

    #[test]
    fn a_spec_attribute_the_table_does_not_list_is_warned_as_not_supported() {
        let project = crate::test_support::load_yaml(
            "services:\n  web:\n    image: nginx\n    pull_refresh_after: 1h\n",
        );
        let mut warnings = BTreeSet::new();
        assert!(check(&project, &mut warnings).is_empty());
        let shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["service \"web\": pull_refresh_after: ignored: not supported"]
        );
    }

    #[test]
    fn attributes_set_to_nothing_are_not_warned() {
        let shown = warned(
            "services:\n  web:\n    image: nginx\n    dns: []\n    dns_search: \"\"\n\
             \x20   oom_kill_disable: false\n    blkio_config: {}\n",
        );
        assert!(shown.is_empty(), "{shown:?}");
        let shown = warned(
            "services:\n  web:\n    image: nginx\n    dns: [10.0.0.2]\n    dns_search: corp\n\
             \x20   oom_kill_disable: true\n    blkio_config: {weight: 300}\n    cpu_count: 2\n",
        );
        assert_eq!(
            shown,
            [
                "web: blkio_config",
                "web: cpu_count",
                "web: dns",
                "web: dns_search",
                "web: oom_kill_disable"
            ]
        );
    }

    #[test]
    fn network_and_volume_drivers_are_warned_unless_they_are_the_usual_ones() {
        let shown = warned(
            "services:\n  web:\n    image: nginx\n    networks: [a, b, c]\n\
             \x20   volumes: [d:/d, e:/e, f:/f]\n\
             networks:\n  a: {driver: bridge}\n  b: {driver: overlay}\n  c: {driver: macvlan}\n\
             volumes:\n  d: {driver: local}\n  e: {driver: efs}\n  f: {driver: nfs}\n",
        );
        assert_eq!(shown, ["networks.c.driver", "volumes.f.driver"]);
    }

    #[test]
    fn links_are_warned_about_only_when_an_alias_would_be_lost() {
        let links = |list: Value| {
            let mut app = service("app");
            app.other.insert("links".into(), list);
            build(&project(vec![("app", app), ("db", service("mariadb"))]))
                .unwrap()
                .warnings
                .iter()
                .map(|w| w.attribute.clone())
                .collect::<Vec<_>>()
        };
        assert!(links(json!(["db"])).is_empty());
        assert_eq!(links(json!(["db:database"])), ["links"]);
    }
}
