"""Properties of the service extensions (x-aws-healthcheck) that moto 5.2.5's CloudFormation drops or never updates.

Applied by the launcher before the server starts, after the models in cloudformation_models.py are registered.
Each fix keeps a property the template sets so that the AWS API reports it, as AWS does; none changes what a
template means. What moto already keeps (HTTPS listener certificate and SSL policy, redirect actions, target group
health check path/matcher/interval, RuntimePlatform, CapacityProviderStrategy, EnableExecuteCommand) needs nothing.
A stack update changes a target group's health check in place, and deleting a stack deletes its listeners and
target groups, so a test can check a changed x-aws-healthcheck and that `down` leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

from moto.ecs.models import ecs_backends
from moto.elbv2.exceptions import ListenerNotFoundError
from moto.elbv2.models import FakeListener, FakeTargetGroup, elbv2_backends

from moto_ext.cloudformation_models import EcsService


def target_group_attributes() -> None:
    """AWS::ElasticLoadBalancingV2::TargetGroup `TargetGroupAttributes` (e.g. deregistration_delay.timeout_seconds)
    are set on the target group, so DescribeTargetGroupAttributes reports them.

    moto creates the target group from the health check and port properties only, leaving every attribute at its
    default (a 300 s deregistration delay instead of the 30 s the template asks for).
    """
    original = FakeTargetGroup.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_from_cloudformation_json(
        cls: type[FakeTargetGroup],
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> FakeTargetGroup:
        target_group = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        attributes = (cloudformation_json.get("Properties") or {}).get("TargetGroupAttributes") or []
        if attributes:
            # Through the backend, so the values are validated as ModifyTargetGroupAttributes validates them.
            elbv2_backends[account_id][region_name].modify_target_group_attributes(
                target_group.arn, {a["Key"]: str(a["Value"]) for a in attributes}
            )
        return target_group

    FakeTargetGroup.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]


# Target group properties whose change makes CloudFormation replace the group (the others change in place).
_REPLACING = {"Port": "port", "Protocol": "protocol", "TargetType": "target_type", "VpcId": "vpc_id"}


def _move_to_replacement(account_id: str, region: str, old: str, new: FakeTargetGroup) -> None:
    """Listeners and ECS services that forwarded to a replaced target group use its replacement, and the old group
    is deleted. They refer to it by Ref, so CloudFormation updates them; moto only re-evaluates resources whose
    own JSON changed, and has no cleanup phase to delete the old group.
    """
    backend = elbv2_backends[account_id][region]
    for load_balancer in backend.load_balancers.values():
        for listener in load_balancer.listeners.values():
            for rule in listener.rules.values():
                for action in rule.actions:
                    data = action.data
                    forwards = [data, *(data.get("ForwardConfig") or {}).get("TargetGroups", [])]
                    for forward in forwards:
                        if forward.get("TargetGroupArn") == old:
                            forward["TargetGroupArn"] = new.arn
                            if load_balancer.arn not in new.load_balancer_arns:
                                new.load_balancer_arns.append(load_balancer.arn)
                    action.__dict__.update(data)  # FakeAction mirrors its data as attributes
    for service in ecs_backends[account_id][region].services.values():
        for attachment in service.load_balancers:
            if attachment.get("targetGroupArn") == old:
                attachment["targetGroupArn"] = new.arn
    backend.delete_target_group(old)


def target_group_updates() -> None:
    """A stack update changes a target group's health check and attributes in place, as CloudFormation does.

    moto's TargetGroup model has no update: a changed `x-aws-healthcheck` (path, matcher, interval...) was
    accepted and ignored. A change to a property that replaces the group (a new container port) creates the new
    group and moves what forwarded to the old one to it.
    """

    def update_from_cloudformation_json(
        cls: type[FakeTargetGroup],
        original_resource: FakeTargetGroup,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> FakeTargetGroup:
        props = cloudformation_json.get("Properties") or {}
        replaced = any(
            key in props and str(props[key]) != str(getattr(original_resource, attr))
            for key, attr in _REPLACING.items()
        )
        if replaced:
            replacement = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            _move_to_replacement(account_id, region_name, original_resource.arn, replacement)
            return replacement
        backend = elbv2_backends[account_id][region_name]
        backend.modify_target_group(
            original_resource.arn,
            health_check_proto=props.get("HealthCheckProtocol"),
            health_check_port=props.get("HealthCheckPort"),
            health_check_path=props.get("HealthCheckPath"),
            health_check_interval=props.get("HealthCheckIntervalSeconds"),
            health_check_timeout=props.get("HealthCheckTimeoutSeconds"),
            healthy_threshold_count=props.get("HealthyThresholdCount"),
            unhealthy_threshold_count=props.get("UnhealthyThresholdCount"),
            http_codes=(props.get("Matcher") or {}).get("HttpCode"),
        )
        attributes = props.get("TargetGroupAttributes") or []
        if attributes:
            backend.modify_target_group_attributes(
                original_resource.arn, {a["Key"]: str(a["Value"]) for a in attributes}
            )
        return original_resource

    FakeTargetGroup.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[method-assign,assignment]


def service_health_check_grace_period() -> None:
    """AWS::ECS::Service `HealthCheckGracePeriodSeconds` is kept, so DescribeServices reports
    `healthCheckGracePeriodSeconds` (the service model in cloudformation_models.py does not pass it on).
    """
    original_create = EcsService.create.__func__  # type: ignore[attr-defined]
    original_update = EcsService.apply_update

    def keep_grace_period(resource: EcsService, props: dict[str, Any]) -> None:
        service = ecs_backends[resource.account_id][resource.region_name].services[
            f"{resource.cluster}:{resource.name}"
        ]
        grace = props.get("HealthCheckGracePeriodSeconds")
        # ECS reports no grace period for a service created without one.
        service.health_check_grace_period_seconds = None if grace is None else int(grace)

    def create(cls: type[EcsService], props: dict[str, Any], name: str, account_id: str, region: str) -> EcsService:
        resource = original_create(cls, props, name, account_id, region)
        keep_grace_period(resource, props)
        return resource

    def apply_update(self: EcsService, props: dict[str, Any], new_name: str) -> EcsService:
        resource = original_update(self, props, new_name)
        keep_grace_period(resource, props)
        return resource

    EcsService.create = classmethod(create)  # type: ignore[method-assign,assignment]
    EcsService.apply_update = apply_update  # type: ignore[method-assign]


def listeners_and_target_groups_deleted_with_the_stack() -> None:
    """Deleting a stack (or removing the resource from its template) deletes its listeners and target groups.

    moto's Listener and TargetGroup models have no delete: a listener goes only with its load balancer, a target
    group never, so target groups outlive `down`, and a listener the stack added to an existing load balancer
    (x-aws-loadbalancer) stays on it.
    """

    def delete_listener(self: FakeListener, account_id: str, region: str) -> None:
        try:
            elbv2_backends[account_id][region].delete_listener(self.arn)
        except ListenerNotFoundError:  # its load balancer was deleted first, and the listener with it
            pass

    def delete_target_group(self: FakeTargetGroup, account_id: str, region: str) -> None:
        backend = elbv2_backends[account_id][region]
        if self.arn in backend.target_groups:
            # Refused while a listener still forwards to it, as on AWS: moto's stack deletion retries the
            # resources that failed once the others are gone.
            backend.delete_target_group(self.arn)

    FakeListener.delete = delete_listener  # type: ignore[attr-defined]
    FakeTargetGroup.delete = delete_target_group  # type: ignore[attr-defined]


def apply_all() -> None:
    target_group_attributes()
    target_group_updates()
    service_health_check_grace_period()
    listeners_and_target_groups_deleted_with_the_stack()
