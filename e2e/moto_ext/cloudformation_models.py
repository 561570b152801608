"""CloudFormation resource types that moto 5.2.5 ignores or mishandles, backed by moto's own service backends.

moto builds its CloudFormation type map from ``CloudFormationModel.__subclasses__()`` the first time a template is
parsed (``moto/cloudformation/parsing.py``, ``get_model_map``, cached). Importing this module before the server
starts adds the classes below to that list; for a type moto already knows, the class defined later wins, which is
how the ECS and EFS types are replaced. Only direct subclasses of ``CloudFormationModel`` are found, so shared
behaviour lives in the ``_Resource`` mixin, never in an intermediate model class.

Each resource is created through the real moto backend of its service, so what a stack creates is visible through
the ordinary AWS APIs (``DescribeSecret``, ``GetNamespace``, ``DescribeServices``...), and ``Ref`` / ``Fn::GetAtt``
return what AWS documents for the type. Nothing here changes what the templates contain.
"""

from __future__ import annotations

import json
import secrets as _random
import string
from typing import Any

from moto.acm.models import acm_backends
from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.ecs.models import ecs_backends
from moto.efs.models import efs_backends
from moto.elbv2.models import elbv2_backends
from moto.route53.models import route53_backends
from moto.scheduler.models import scheduler_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.servicediscovery.models import Namespace, servicediscovery_backends
from moto.utilities.utils import get_partition

# Keys whose values are user-chosen maps (labels, driver options): their keys keep their spelling.
_FREE_FORM_KEYS = {"DockerLabels", "Options", "DriverOpts", "Labels"}


# Where the ECS API's camelCase is not the PascalCase name with a lowercase first letter.
_ECS_KEY_EXCEPTIONS = {
    "FSxWindowsFileServerVolumeConfiguration": "fsxWindowsFileServerVolumeConfiguration",
    "FilesystemId": "fileSystemId",  # EFSVolumeConfiguration in CloudFormation
}


def camel_key(key: str) -> str:
    """`AssignPublicIp` -> `assignPublicIp`, `EFSVolumeConfiguration` -> `efsVolumeConfiguration`, `IAM` -> `iam`."""
    if key in _ECS_KEY_EXCEPTIONS:
        return _ECS_KEY_EXCEPTIONS[key]
    if key.isupper():
        return key.lower()
    run = len(key) - len(key.lstrip(string.ascii_uppercase))
    if run > 1:  # an acronym first: lowercase it, keeping the capital that starts the next word
        return key[: run - 1].lower() + key[run - 1 :]
    return key[:1].lower() + key[1:]


def camel_keys(value: Any) -> Any:
    """CloudFormation spells ECS structures in PascalCase, the ECS API in camelCase."""
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            new_key = camel_key(key)
            out[new_key] = inner if key in _FREE_FORM_KEYS else camel_keys(inner)
        return out
    return value


def ecs_tags(tags: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return [{"key": t["Key"], "value": t["Value"]} for t in tags or []]


def _flag(value: Any) -> bool:
    """A CloudFormation Boolean, given as a JSON boolean or as the string "true"/"false"."""
    return str(value).lower() == "true"


def name_of(value: Any) -> str:
    """A name or ARN given as a Ref result or a literal, e.g. `arn:...:cluster/foo` -> `foo`."""
    return str(value).split("/")[-1]


class _Resource:
    """Shared plumbing for the models below (a mixin, so each model stays a direct CloudFormationModel subclass).

    A subclass sets ``TYPE``, ``NAME_PROPERTY`` and ``ATTRIBUTES`` (GetAtt name -> instance attribute), and implements
    ``create(props, name, account_id, region)`` returning an instance, ``delete_resource()`` and optionally
    ``apply_update(props)`` (returning the instance to keep; the default replaces the resource like CloudFormation).
    """

    TYPE = ""
    NAME_PROPERTY = ""
    ATTRIBUTES: dict[str, str] = {}
    REF = "physical_id"

    account_id: str
    region_name: str

    @property
    def physical_resource_id(self) -> str:
        return getattr(self, self.REF)

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.ATTRIBUTES[attribute_name])

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        return cls.create(cloudformation_json.get("Properties") or {}, resource_name, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        props = cloudformation_json.get("Properties") or {}
        return original_resource.apply_update(props, new_resource_name)

    def apply_update(self, props: dict[str, Any], new_name: str) -> Any:
        replacement = self.create(props, new_name, self.account_id, self.region_name)
        self.delete_resource()
        return replacement

    def delete(self, account_id: str, region_name: str) -> None:
        """Called by moto's ResourceMap when the stack deletes the resource."""
        self.delete_resource()

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> Any:
        raise NotImplementedError

    def delete_resource(self) -> None:
        raise NotImplementedError


# --- Secrets Manager -------------------------------------------------------------------------------------------


def _generated_secret(spec: dict[str, Any]) -> str:
    """A value for GenerateSecretString: random characters, optionally under a key of a JSON template."""
    length = int(spec.get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    excluded = spec.get("ExcludeCharacters", "")
    alphabet = "".join(c for c in alphabet if c not in excluded)
    password = "".join(_random.choice(alphabet) for _ in range(length))
    template, key = spec.get("SecretStringTemplate"), spec.get("GenerateStringKey")
    if template and key:
        document = json.loads(template)
        document[key] = password
        return json.dumps(document)
    return password


class SecretsManagerSecret(_Resource, CloudFormationModel):
    """AWS::SecretsManager::Secret: Ref is the secret's ARN; the secret exists in moto's Secrets Manager."""

    TYPE = "AWS::SecretsManager::Secret"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Id": "arn"}
    REF = "arn"

    def __init__(self, account_id: str, region: str, arn: str, name: str):
        self.account_id, self.region_name, self.arn, self.name = account_id, region, arn, name

    @staticmethod
    def _value(props: dict[str, Any]) -> str | None:
        if "SecretString" in props:
            return str(props["SecretString"])
        if "GenerateSecretString" in props:
            return _generated_secret(props["GenerateSecretString"])
        return None

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> SecretsManagerSecret:
        backend = secretsmanager_backends[account_id][region]
        created = backend.create_secret(
            name=name,
            secret_string=cls._value(props),
            secret_binary=None,
            description=props.get("Description"),
            tags=props.get("Tags") or [],
            kms_key_id=props.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        arn = json.loads(created)["ARN"] if isinstance(created, str) else created["ARN"]
        return cls(account_id, region, arn, name)

    def apply_update(self, props: dict[str, Any], new_name: str) -> SecretsManagerSecret:
        if new_name != self.name:
            return super().apply_update(props, new_name)
        backend = secretsmanager_backends[self.account_id][self.region_name]
        value = self._value(props)
        if value is not None:
            backend.put_secret_value(
                secret_id=self.arn,
                secret_string=value,
                secret_binary=None,
                client_request_token=None,
                version_stages=["AWSCURRENT"],
            )
        return self

    def delete_resource(self) -> None:
        backend = secretsmanager_backends[self.account_id][self.region_name]
        backend.delete_secret(self.arn, recovery_window_in_days=None, force_delete_without_recovery=True)


# --- Certificate Manager -----------------------------------------------------------------------------------------
#
# moto has no CloudFormation model for AWS::CertificateManager::Certificate: without this, a Ref to it is null and
# the HTTPS listener that uses it has no certificate.


class AcmCertificate(_Resource, CloudFormationModel):
    """AWS::CertificateManager::Certificate (x-aws-domain): Ref is the ARN of a certificate in moto's ACM. With
    DNS validation and a HostedZoneId in DomainValidationOptions, CloudFormation writes the validation CNAME in
    that zone itself, and so does this (the record ACM's DescribeCertificate names); moto issues the certificate
    at once (MOTO_ACM_VALIDATION_WAIT=0 in the launcher). Deleting the certificate removes the record again."""

    TYPE = "AWS::CertificateManager::Certificate"
    REF = "arn"

    def __init__(self, account_id: str, region: str, arn: str, records: list[tuple[str, dict[str, Any]]]):
        self.account_id, self.region_name, self.arn = account_id, region, arn
        # (hosted zone id, record) for each validation record written.
        self.records = records

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> AcmCertificate:
        backend = acm_backends[account_id][region]
        domain = props["DomainName"]
        arn = backend.request_certificate(
            domain,
            idempotency_token=None,
            subject_alt_names=list(props.get("SubjectAlternativeNames") or []),
            tags=list(props.get("Tags") or []),
        )
        records = []
        if props.get("ValidationMethod") == "DNS":
            described = backend.get_certificate(arn).describe()["Certificate"]
            validations = {v["DomainName"]: v["ResourceRecord"] for v in described.get("DomainValidationOptions", [])}
            zones = route53_backends[account_id][get_partition(region)]
            for option in props.get("DomainValidationOptions") or []:
                zone_id, record = option.get("HostedZoneId"), validations.get(option.get("DomainName"))
                if not zone_id or record is None:
                    continue
                rrset = {"Name": record["Name"], "Type": record["Type"], "TTL": 300, "ResourceRecords": [record["Value"]]}
                zones.get_hosted_zone(zone_id).add_rrset(rrset)
                records.append((zone_id, rrset))
        return cls(account_id, region, arn, records)

    def delete_resource(self) -> None:
        zones = route53_backends[self.account_id][get_partition(self.region_name)]
        for zone_id, rrset in self.records:
            try:
                zones.get_hosted_zone(zone_id).delete_rrset({"Name": rrset["Name"], "Type": rrset["Type"]})
            except Exception:  # the zone went first
                pass
        try:
            acm_backends[self.account_id][self.region_name].delete_certificate(self.arn)
        except Exception:  # already deleted
            pass


# --- EventBridge Scheduler -------------------------------------------------------------------------------------


class SchedulerSchedule(_Resource, CloudFormationModel):
    """AWS::Scheduler::Schedule (scheduled jobs): Ref is the name; GetAtt Arn. Scheduler's API spells the target
    as CloudFormation does, so it is stored as written."""

    TYPE = "AWS::Scheduler::Schedule"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Arn": "arn"}
    REF = "name"

    def __init__(self, account_id: str, region: str, schedule: Any, group: str | None):
        self.account_id, self.region_name = account_id, region
        self.name, self.arn, self.group = schedule.name, schedule.arn, group

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> SchedulerSchedule:
        group = props.get("GroupName")
        schedule = scheduler_backends[account_id][region].create_schedule(
            description=props.get("Description"),
            end_date=props.get("EndDate"),
            flexible_time_window=props.get("FlexibleTimeWindow") or {"Mode": "OFF"},
            group_name=group,
            kms_key_arn=props.get("KmsKeyArn"),
            name=name,
            schedule_expression=props["ScheduleExpression"],
            schedule_expression_timezone=props.get("ScheduleExpressionTimezone"),
            start_date=props.get("StartDate"),
            state=props.get("State") or "ENABLED",
            target=props["Target"],
            action_after_completion=None,
        )
        return cls(account_id, region, schedule, group)

    def apply_update(self, props: dict[str, Any], new_name: str) -> SchedulerSchedule:
        # Scheduler's UpdateSchedule replaces the whole definition: so does this.
        self.delete_resource()
        return self.create(props, self.name, self.account_id, self.region_name)

    def delete_resource(self) -> None:
        backend = scheduler_backends[self.account_id][self.region_name]
        try:
            backend.delete_schedule(self.group, self.name)
        except Exception:  # already gone
            pass


# --- Cloud Map (service discovery) -----------------------------------------------------------------------------


class PrivateDnsNamespace(_Resource, CloudFormationModel):
    """AWS::ServiceDiscovery::PrivateDnsNamespace: Ref is the namespace id; GetAtt Id, Arn, HostedZoneId.

    Built directly instead of through moto's CreatePrivateDnsNamespace, which refuses a second namespace in the
    same VPC even with a different name (AWS allows it; two projects in the default VPC need it).
    """

    TYPE = "AWS::ServiceDiscovery::PrivateDnsNamespace"
    ATTRIBUTES = {"Id": "namespace_id", "Arn": "arn", "HostedZoneId": "hosted_zone_id"}
    REF = "namespace_id"

    def __init__(self, account_id: str, region: str, namespace: Namespace):
        self.account_id, self.region_name, self.namespace = account_id, region, namespace
        self.namespace_id, self.arn = namespace.id, namespace.arn
        self.hosted_zone_id = namespace.dns_properties["HostedZoneId"]

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> PrivateDnsNamespace:
        backend = servicediscovery_backends[account_id][region]
        ns_name, vpc = props["Name"], props["Vpc"]
        for existing in backend.namespaces.values():
            if existing.name == ns_name and existing.vpc == vpc:
                raise ValueError(f"namespace {ns_name} already exists in {vpc}")
        zone = route53_backends[account_id][get_partition(region)].create_hosted_zone(
            ns_name, private_zone=True, vpcid=vpc, vpcregion=region, comment=f"namespace {ns_name}"
        )
        dns_properties = dict((props.get("Properties") or {}).get("DnsProperties") or {})
        dns_properties["HostedZoneId"] = zone.id
        namespace = Namespace(
            account_id=account_id,
            region=region,
            name=ns_name,
            ns_type="DNS_PRIVATE",
            creator_request_id=name,
            description=props.get("Description", ""),
            dns_properties=dns_properties,
            http_properties={},
            vpc=vpc,
        )
        backend.namespaces[namespace.id] = namespace
        if props.get("Tags"):
            backend.tagger.tag_resource(namespace.arn, props["Tags"])
        return cls(account_id, region, namespace)

    def apply_update(self, props: dict[str, Any], new_name: str) -> PrivateDnsNamespace:
        if props.get("Name") == self.namespace.name and props.get("Vpc") == self.namespace.vpc:
            self.namespace.description = props.get("Description", "")
            return self
        return super().apply_update(props, new_name)

    def delete_resource(self) -> None:
        servicediscovery_backends[self.account_id][self.region_name].namespaces.pop(self.namespace_id, None)
        zones = route53_backends[self.account_id][get_partition(self.region_name)]
        zones.zones.pop(self.hosted_zone_id.replace("/hostedzone/", ""), None)


class DiscoveryService(_Resource, CloudFormationModel):
    """AWS::ServiceDiscovery::Service: Ref is the service id; GetAtt Id, Arn, Name."""

    TYPE = "AWS::ServiceDiscovery::Service"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Id": "service_id", "Arn": "arn", "Name": "name"}
    REF = "service_id"

    def __init__(self, account_id: str, region: str, service: Any):
        self.account_id, self.region_name = account_id, region
        self.service_id, self.arn, self.name = service.id, service.arn, service.name

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> DiscoveryService:
        dns_config = dict(props.get("DnsConfig") or {})
        namespace_id = props.get("NamespaceId") or dns_config.pop("NamespaceId", None)
        service = servicediscovery_backends[account_id][region].create_service(
            name=name,
            namespace_id=namespace_id,
            creator_request_id=name,
            description=props.get("Description", ""),
            dns_config=dns_config,
            health_check_config=props.get("HealthCheckConfig") or {},
            health_check_custom_config=props.get("HealthCheckCustomConfig") or {},
            tags=props.get("Tags") or [],
            service_type=props.get("Type") or "DNS_HTTP",
        )
        return cls(account_id, region, service)

    def delete_resource(self) -> None:
        servicediscovery_backends[self.account_id][self.region_name].delete_service(self.service_id)


# --- ECS: cluster, task definition, service, capacity providers --------------------------------------------------
#
# moto's own ECS models drop most properties (tags, launch type, network configuration, load balancers, service
# registries, cpu, roles...), have no delete, and GetAtt knows only Cluster.Arn and Service.Name.


class EcsCluster(_Resource, CloudFormationModel):
    """AWS::ECS::Cluster: Ref is the name; GetAtt Arn."""

    TYPE = "AWS::ECS::Cluster"
    NAME_PROPERTY = "ClusterName"
    ATTRIBUTES = {"Arn": "arn"}
    REF = "name"

    def __init__(self, account_id: str, region: str, cluster: Any):
        self.account_id, self.region_name = account_id, region
        self.name, self.arn = cluster.name, cluster.arn

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> EcsCluster:
        cluster = ecs_backends[account_id][region].create_cluster(
            cluster_name=name,
            tags=ecs_tags(props.get("Tags")),
            cluster_settings=camel_keys(props.get("ClusterSettings")),
            configuration=camel_keys(props.get("Configuration")),
            capacity_providers=props.get("CapacityProviders"),
            default_capacity_provider_strategy=camel_keys(props.get("DefaultCapacityProviderStrategy")),
        )
        return cls(account_id, region, cluster)

    def apply_update(self, props: dict[str, Any], new_name: str) -> EcsCluster:
        if new_name != self.name:
            return super().apply_update(props, new_name)
        backend = ecs_backends[self.account_id][self.region_name]
        cluster = backend.clusters[self.name]
        cluster.tags = ecs_tags(props.get("Tags"))
        if "ClusterSettings" in props:
            cluster.settings = camel_keys(props["ClusterSettings"])
        return self

    def delete_resource(self) -> None:
        backend = ecs_backends[self.account_id][self.region_name]
        if self.name in backend.clusters:
            backend.delete_cluster(self.name)


class EcsTaskDefinition(_Resource, CloudFormationModel):
    """AWS::ECS::TaskDefinition: Ref is the ARN; GetAtt TaskDefinitionArn. Every update registers a new revision.

    CloudFormation then updates every resource that refers to the task definition; moto only re-evaluates
    resources whose own JSON changed, so the services that ran the old revision are moved to the new one here.
    """

    TYPE = "AWS::ECS::TaskDefinition"
    ATTRIBUTES = {"TaskDefinitionArn": "arn"}
    REF = "arn"

    def __init__(self, account_id: str, region: str, task_definition: Any):
        self.account_id, self.region_name = account_id, region
        self.arn, self.family = task_definition.arn, task_definition.family

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> EcsTaskDefinition:
        task_definition = ecs_backends[account_id][region].register_task_definition(
            family=props.get("Family") or name,
            container_definitions=camel_keys(props.get("ContainerDefinitions") or []),
            volumes=camel_keys(props.get("Volumes")),
            network_mode=props.get("NetworkMode"),
            tags=ecs_tags(props.get("Tags")),
            placement_constraints=camel_keys(props.get("PlacementConstraints")),
            requires_compatibilities=props.get("RequiresCompatibilities"),
            cpu=props.get("Cpu"),
            memory=props.get("Memory"),
            task_role_arn=props.get("TaskRoleArn"),
            execution_role_arn=props.get("ExecutionRoleArn"),
            proxy_configuration=camel_keys(props.get("ProxyConfiguration")),
            runtime_platform=camel_keys(props.get("RuntimePlatform")),
            ipc_mode=props.get("IpcMode"),
            pid_mode=props.get("PidMode"),
            ephemeral_storage=camel_keys(props.get("EphemeralStorage")),
        )
        return cls(account_id, region, task_definition)

    def apply_update(self, props: dict[str, Any], new_name: str) -> EcsTaskDefinition:
        replacement = self.create(props, new_name, self.account_id, self.region_name)
        backend = ecs_backends[self.account_id][self.region_name]
        for service in backend.services.values():
            if service.task_definition == self.arn:
                service.task_definition = replacement.arn
                for deployment in service.deployments:
                    deployment["taskDefinition"] = replacement.arn
        self.delete_resource()
        return replacement

    def delete_resource(self) -> None:
        backend = ecs_backends[self.account_id][self.region_name]
        try:
            backend.deregister_task_definition(self.arn)
        except Exception:  # already gone: deletion is idempotent in CloudFormation too
            pass


class EcsService(_Resource, CloudFormationModel):
    """AWS::ECS::Service: Ref is the ARN; GetAtt Name, ServiceArn. Keeps every property ECS reports."""

    TYPE = "AWS::ECS::Service"
    NAME_PROPERTY = "ServiceName"
    ATTRIBUTES = {"Name": "name", "ServiceArn": "arn"}
    REF = "arn"

    def __init__(self, account_id: str, region: str, cluster: str, service: Any):
        self.account_id, self.region_name, self.cluster = account_id, region, cluster
        self.name, self.arn = service.name, service.arn

    @staticmethod
    def _network(props: dict[str, Any]) -> dict[str, Any] | None:
        network = camel_keys(props.get("NetworkConfiguration"))
        if network and "awsvpcConfiguration" in network:
            network["awsvpcConfiguration"].setdefault("securityGroups", [])
        return network

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> EcsService:
        cluster = name_of(props.get("Cluster") or "default")
        backend = ecs_backends[account_id][region]
        service = backend.create_service(
            cluster,
            name,
            int(props.get("DesiredCount", 1)),
            task_definition_str=props.get("TaskDefinition"),
            load_balancers=camel_keys(props.get("LoadBalancers") or []),
            scheduling_strategy=props.get("SchedulingStrategy"),
            tags=ecs_tags(props.get("Tags")),
            deployment_controller=camel_keys(props.get("DeploymentController")),
            launch_type=props.get("LaunchType") or ("EC2" if props.get("CapacityProviderStrategy") else "FARGATE"),
            service_registries=camel_keys(props.get("ServiceRegistries") or []),
            platform_version=props.get("PlatformVersion"),
            propagate_tags=props.get("PropagateTags", "NONE"),
            network_configuration=cls._network(props),
            role_arn=props.get("Role"),
        )
        service.capacity_provider_strategy = camel_keys(props.get("CapacityProviderStrategy"))
        if service.capacity_provider_strategy and not props.get("LaunchType"):
            # ECS reports no launch type for a service its capacity provider strategy places.
            service.launch_type = None
            fargate = all(
                p.get("capacityProvider") in ("FARGATE", "FARGATE_SPOT") for p in service.capacity_provider_strategy
            )
            for deployment in service.deployments:
                deployment.pop("launchType", None)
                deployment["platformFamily"] = "FARGATE" if fargate else "EC2"
        service.deployment_configuration = camel_keys(props.get("DeploymentConfiguration"))
        service.enable_execute_command = _flag(props.get("EnableExecuteCommand"))
        return cls(account_id, region, cluster, service)

    def apply_update(self, props: dict[str, Any], new_name: str) -> EcsService:
        cluster = name_of(props.get("Cluster") or "default")
        if new_name != self.name or cluster != self.cluster:
            return super().apply_update(props, new_name)
        backend = ecs_backends[self.account_id][self.region_name]
        backend.update_service(
            {
                "cluster": cluster,
                "service": self.name,
                "task_definition": props.get("TaskDefinition"),
                "desired_count": int(props.get("DesiredCount", 1)),
                "load_balancers": camel_keys(props.get("LoadBalancers") or []),
                "service_registries": camel_keys(props.get("ServiceRegistries") or []),
                "network_configuration": self._network(props),
                "tags": ecs_tags(props.get("Tags")),
            }
        )
        backend.services[f"{cluster}:{self.name}"].enable_execute_command = _flag(props.get("EnableExecuteCommand"))
        return self

    def delete_resource(self) -> None:
        backend = ecs_backends[self.account_id][self.region_name]
        key = f"{self.cluster}:{self.name}"
        if key in backend.services:
            backend.delete_service(self.cluster, self.name, force=True)
            # A deleted service drains and then disappears from ListServices on AWS.
            backend.services.pop(key, None)


class EcsCapacityProvider(_Resource, CloudFormationModel):
    """AWS::ECS::CapacityProvider: Ref is the name."""

    TYPE = "AWS::ECS::CapacityProvider"
    NAME_PROPERTY = "Name"
    REF = "name"

    def __init__(self, account_id: str, region: str, name: str, arn: str):
        self.account_id, self.region_name, self.name, self.arn = account_id, region, name, arn

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> EcsCapacityProvider:
        provider = ecs_backends[account_id][region].create_capacity_provider(
            name, camel_keys(props.get("AutoScalingGroupProvider") or {}), ecs_tags(props.get("Tags"))
        )
        return cls(account_id, region, provider.name, provider.capacity_provider_arn)

    def apply_update(self, props: dict[str, Any], new_name: str) -> EcsCapacityProvider:
        if new_name != self.name:
            return super().apply_update(props, new_name)
        backend = ecs_backends[self.account_id][self.region_name]
        backend.update_capacity_provider(self.name, camel_keys(props.get("AutoScalingGroupProvider") or {}))
        return self

    def delete_resource(self) -> None:
        backend = ecs_backends[self.account_id][self.region_name]
        if backend._get_provider(self.name) is not None:
            backend.delete_capacity_provider(self.name)


class EcsClusterCapacityProviderAssociations(_Resource, CloudFormationModel):
    """AWS::ECS::ClusterCapacityProviderAssociations: Ref is the cluster name."""

    TYPE = "AWS::ECS::ClusterCapacityProviderAssociations"
    REF = "cluster"

    def __init__(self, account_id: str, region: str, cluster: str):
        self.account_id, self.region_name, self.cluster = account_id, region, cluster

    @classmethod
    def create(
        cls, props: dict[str, Any], name: str, account_id: str, region: str
    ) -> EcsClusterCapacityProviderAssociations:
        cluster = name_of(props["Cluster"])
        ecs_backends[account_id][region].put_cluster_capacity_providers(
            cluster,
            props.get("CapacityProviders") or [],
            camel_keys(props.get("DefaultCapacityProviderStrategy") or []),
        )
        return cls(account_id, region, cluster)

    def delete_resource(self) -> None:
        backend = ecs_backends[self.account_id][self.region_name]
        if self.cluster in backend.clusters:
            backend.put_cluster_capacity_providers(self.cluster, [], [])


# --- Application Auto Scaling -----------------------------------------------------------------------------------


class ScalableTarget(_Resource, CloudFormationModel):
    """AWS::ApplicationAutoScaling::ScalableTarget: Ref is `resource-id|dimension|namespace` like AWS; GetAtt Id."""

    TYPE = "AWS::ApplicationAutoScaling::ScalableTarget"
    ATTRIBUTES = {"Id": "target_id"}
    REF = "target_id"

    def __init__(self, account_id: str, region: str, namespace: str, resource_id: str, dimension: str):
        self.account_id, self.region_name = account_id, region
        self.namespace, self.resource_id, self.dimension = namespace, resource_id, dimension
        self.target_id = f"{resource_id}|{dimension}|{namespace}"

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> ScalableTarget:
        target = applicationautoscaling_backends[account_id][region].register_scalable_target(
            namespace=props["ServiceNamespace"],
            r_id=props["ResourceId"],
            dimension=props["ScalableDimension"],
            min_capacity=int(props["MinCapacity"]),
            max_capacity=int(props["MaxCapacity"]),
            role_arn=props.get("RoleARN", ""),
            suspended_state=props.get("SuspendedState"),
        )
        return cls(account_id, region, target.service_namespace, target.resource_id, target.scalable_dimension)

    def delete_resource(self) -> None:
        backend = applicationautoscaling_backends[self.account_id][self.region_name]
        if backend._scalable_target_exists(self.resource_id, self.dimension):
            backend.deregister_scalable_target(self.namespace, self.resource_id, self.dimension)


class ScalingPolicy(_Resource, CloudFormationModel):
    """AWS::ApplicationAutoScaling::ScalingPolicy: Ref and GetAtt Arn are the policy ARN."""

    TYPE = "AWS::ApplicationAutoScaling::ScalingPolicy"
    ATTRIBUTES = {"Arn": "arn"}
    REF = "arn"

    def __init__(self, account_id: str, region: str, policy: Any):
        self.account_id, self.region_name, self.arn = account_id, region, policy.policy_arn
        self.policy_name, self.namespace = policy.policy_name, policy.service_namespace
        self.resource_id, self.dimension = policy.resource_id, policy.scalable_dimension

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> ScalingPolicy:
        if props.get("ScalingTargetId"):
            resource_id, dimension, namespace = str(props["ScalingTargetId"]).split("|")
        else:
            resource_id, dimension, namespace = (
                props["ResourceId"],
                props["ScalableDimension"],
                props["ServiceNamespace"],
            )
        policy = applicationautoscaling_backends[account_id][region].put_scaling_policy(
            policy_name=props.get("PolicyName") or name,
            service_namespace=namespace,
            resource_id=resource_id,
            scalable_dimension=dimension,
            policy_body=props.get("TargetTrackingScalingPolicyConfiguration")
            or props.get("StepScalingPolicyConfiguration"),
            policy_type=props.get("PolicyType"),
        )
        return cls(account_id, region, policy)

    def delete_resource(self) -> None:
        backend = applicationautoscaling_backends[self.account_id][self.region_name]
        try:
            backend.delete_scaling_policy(self.policy_name, self.namespace, self.resource_id, self.dimension)
        except Exception:  # already gone with its target
            pass


# --- EFS -----------------------------------------------------------------------------------------------------------
#
# moto's FileSystem has no GetAtt (Arn, FileSystemId) and no update; its AccessPoint has no Ref (the object itself
# leaks into the template) and no GetAtt (Arn, AccessPointId).


class EfsFileSystem(_Resource, CloudFormationModel):
    """AWS::EFS::FileSystem: Ref is the file system id; GetAtt Arn, FileSystemId."""

    TYPE = "AWS::EFS::FileSystem"
    ATTRIBUTES = {"Arn": "arn", "FileSystemId": "file_system_id"}
    REF = "file_system_id"

    def __init__(self, account_id: str, region: str, file_system: Any):
        self.account_id, self.region_name = account_id, region
        self.file_system_id, self.arn = file_system.file_system_id, file_system.file_system_arn

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> EfsFileSystem:
        backend = efs_backends[account_id][region]
        file_system = backend.create_file_system(
            name,
            performance_mode=props.get("PerformanceMode", "generalPurpose"),
            encrypted=bool(props.get("Encrypted", False)),
            kms_key_id=props.get("KmsKeyId"),
            throughput_mode=props.get("ThroughputMode", "bursting"),
            provisioned_throughput_in_mibps=props.get("ProvisionedThroughputInMibps", 0),
            availability_zone_name=props.get("AvailabilityZoneName"),
            backup=(props.get("BackupPolicy") or {}).get("Status") == "ENABLED",
            tags=props.get("FileSystemTags") or [],
        )
        if props.get("LifecyclePolicies"):
            backend.put_lifecycle_configuration(
                file_system_id=file_system.file_system_id, policies=props["LifecyclePolicies"]
            )
        return cls(account_id, region, file_system)

    def apply_update(self, props: dict[str, Any], new_name: str) -> EfsFileSystem:
        # Every property our templates set can be updated in place on AWS: never replace a file system (data).
        backend = efs_backends[self.account_id][self.region_name]
        file_system = backend.file_systems_by_id[self.file_system_id]
        file_system.throughput_mode = props.get("ThroughputMode", file_system.throughput_mode)
        backend.put_lifecycle_configuration(
            file_system_id=self.file_system_id, policies=props.get("LifecyclePolicies") or []
        )
        return self

    def delete_resource(self) -> None:
        backend = efs_backends[self.account_id][self.region_name]
        if self.file_system_id in backend.file_systems_by_id:
            backend.delete_file_system(self.file_system_id)


class EfsAccessPoint(_Resource, CloudFormationModel):
    """AWS::EFS::AccessPoint: Ref is the access point id; GetAtt Arn, AccessPointId."""

    TYPE = "AWS::EFS::AccessPoint"
    ATTRIBUTES = {"Arn": "arn", "AccessPointId": "access_point_id"}
    REF = "access_point_id"

    def __init__(self, account_id: str, region: str, access_point: Any):
        self.account_id, self.region_name = account_id, region
        self.access_point_id, self.arn = access_point.access_point_id, access_point.access_point_arn

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> EfsAccessPoint:
        access_point = efs_backends[account_id][region].create_access_point(
            name,
            file_system_id=props["FileSystemId"],
            posix_user=props.get("PosixUser") or {},
            root_directory=props.get("RootDirectory") or {},
            tags=props.get("AccessPointTags") or [],
        )
        return cls(account_id, region, access_point)

    def delete_resource(self) -> None:
        backend = efs_backends[self.account_id][self.region_name]
        if self.access_point_id in backend.access_points:
            backend.delete_access_point(self.access_point_id)


# --- Elastic Load Balancing v2 ---------------------------------------------------------------------------------------
#
# moto's LoadBalancer model passes only name, subnets, security groups and scheme: every load balancer becomes an
# Application Load Balancer (so TCP listeners of a Network Load Balancer are refused) without its tags.

# Route 53 zone ids of ELB in us-east-1 (what AWS returns as CanonicalHostedZoneID).
_ELB_ZONE_IDS = {"application": "Z35SXDOTRQ7X7K", "network": "Z26RNL4JYFTOTI"}


class ElbV2LoadBalancer(_Resource, CloudFormationModel):
    """AWS::ElasticLoadBalancingV2::LoadBalancer: Ref is the ARN; GetAtt DNSName, LoadBalancerName,
    LoadBalancerFullName, LoadBalancerArn, CanonicalHostedZoneID, SecurityGroups."""

    TYPE = "AWS::ElasticLoadBalancingV2::LoadBalancer"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {
        "DNSName": "dns_name",
        "LoadBalancerName": "name",
        "LoadBalancerFullName": "full_name",
        "LoadBalancerArn": "arn",
        "CanonicalHostedZoneID": "zone_id",
        "SecurityGroups": "security_groups",
    }
    REF = "arn"

    def __init__(self, account_id: str, region: str, load_balancer: Any, lb_type: str, scheme: str):
        self.account_id, self.region_name = account_id, region
        self.arn, self.name, self.dns_name = load_balancer.arn, load_balancer.name, load_balancer.dns_name
        self.lb_type, self.scheme = lb_type, scheme
        self.full_name = self.arn.split(":loadbalancer/", 1)[-1]
        self.zone_id = _ELB_ZONE_IDS.get(lb_type, _ELB_ZONE_IDS["application"])
        self.security_groups = list(load_balancer.security_groups or [])

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> ElbV2LoadBalancer:
        lb_type = props.get("Type", "application")
        scheme = props.get("Scheme", "internet-facing")
        load_balancer = elbv2_backends[account_id][region].create_load_balancer(
            name,
            props.get("SecurityGroups") or [],
            props.get("Subnets") or [],
            subnet_mappings=props.get("SubnetMappings"),
            scheme=scheme,
            loadbalancer_type=lb_type,
            ip_address_type=props.get("IpAddressType", "ipv4"),
            tags=props.get("Tags") or [],
        )
        return cls(account_id, region, load_balancer, lb_type, scheme)

    def apply_update(self, props: dict[str, Any], new_name: str) -> ElbV2LoadBalancer:
        same = (
            new_name == self.name
            and props.get("Type", "application") == self.lb_type
            and props.get("Scheme", "internet-facing") == self.scheme
        )
        if not same:  # replacement properties, as on AWS
            return super().apply_update(props, new_name)
        backend = elbv2_backends[self.account_id][self.region_name]
        if props.get("SecurityGroups"):
            backend.set_security_groups(self.arn, props["SecurityGroups"])
            self.security_groups = list(props["SecurityGroups"])
        if props.get("Tags"):
            backend.add_tags([self.arn], props["Tags"])
        return self

    def delete_resource(self) -> None:
        elbv2_backends[self.account_id][self.region_name].delete_load_balancer(self.arn)


class ElbV2ListenerCertificate(_Resource, CloudFormationModel):
    """AWS::ElasticLoadBalancingV2::ListenerCertificate (services sharing a port under their own domains): the
    certificates are added to the listener, as AddListenerCertificates does, and removed with the resource. moto
    has no CloudFormation model for it. Ref is the listener's ARN and the certificates', as on AWS."""

    TYPE = "AWS::ElasticLoadBalancingV2::ListenerCertificate"

    def __init__(self, account_id: str, region: str, listener_arn: str, certificates: list[dict[str, Any]]):
        self.account_id, self.region_name = account_id, region
        self.listener_arn, self.certificates = listener_arn, certificates
        self.physical_id = "|".join([listener_arn, *(c["CertificateArn"] for c in certificates)])

    @classmethod
    def create(cls, props: dict[str, Any], name: str, account_id: str, region: str) -> ElbV2ListenerCertificate:
        certificates = [{"CertificateArn": c["CertificateArn"]} for c in props.get("Certificates") or []]
        elbv2_backends[account_id][region].add_listener_certificates(props["ListenerArn"], certificates)
        return cls(account_id, region, props["ListenerArn"], certificates)

    def delete_resource(self) -> None:
        try:
            elbv2_backends[self.account_id][self.region_name].remove_listener_certificates(
                self.listener_arn, self.certificates
            )
        except Exception:  # the listener went first, and its certificates with it
            pass
