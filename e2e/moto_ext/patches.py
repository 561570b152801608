"""Fixes to moto 5.2.5's CloudFormation behaviour that no resource model can make.

Applied by the launcher before the server starts. Each one makes moto behave like AWS for something docker-ecs
reads back; none changes what a template means.
"""

from __future__ import annotations

import re
from typing import Any

from types import SimpleNamespace

from moto.cloudformation.models import Change, ChangeSet, CloudFormationBackend
from moto.cloudformation.parsing import ResourceMap
from moto.core.responses import ActionResult
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.models import Container, EC2ContainerServiceBackend, Task
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random


def refresh_stack_after_change_set() -> None:
    """After ExecuteChangeSet, DescribeStacks must show the new template's Outputs and Description (and, after an
    update, LastUpdatedTime), and the next change set is compared with the parameter values just deployed.

    moto executes the change set on the resource map but keeps the Stack's parsed template and output map from
    before (an empty template for a CREATE change set), so a stack deployed through change sets has no Outputs.
    """
    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> Any:
        result = original(self, change_set_name, stack_name)
        change_set = self.change_sets.get(change_set_name) or next(
            (cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name), None
        )
        if change_set is not None:
            stack = self.stacks[change_set.stack_id]
            stack._parse_template()
            stack.description = stack.template_dict.get("Description")
            stack.output_map = stack._create_output_map()
            # The values the next change set is compared with: without this, a stack whose parameter values
            # once changed (a secret's content) never again reported "no changes".
            stack.parameters = change_set.parameters
            if change_set.change_set_type == "UPDATE":
                stack.last_updated_time = utcnow()  # DescribeStacks LastUpdatedTime, shown by `docker ecs ls`
        return result

    CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]


def update_keeps_retained_resources() -> None:
    """A resource with DeletionPolicy Retain that an update removes from the template stays in the account, and the
    change set says what becomes of each removed resource (PolicyAction Retain or Delete), as CloudFormation does.

    moto honours Retain when the stack is deleted but deletes such a resource when an update drops it, so an EFS file
    system whose volume no service uses any more was lost with its data, and its change set rows carry no
    PolicyAction, nor the resources an update modifies only through a changed parameter value. It also kept every
    removed resource in its cache, so a later update that added the same logical id
    again (a service removed, then brought back) silently got the deleted one instead of a new resource.
    """

    def retained(resource_json: dict[str, Any]) -> bool:
        return resource_json.get("DeletionPolicy") == "Retain"

    original_delete = ResourceMap._delete_resource

    def _delete_resource(self: ResourceMap, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
        if not retained(resource_json):
            original_delete(self, parsed_resource, resource_json)

    ResourceMap._delete_resource = _delete_resource  # type: ignore[method-assign]

    original_update = ResourceMap.update

    def update(self: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        removed = self.build_resource_diff(template, parameters)["Remove"]
        original_update(self, template, parameters)
        for logical_id in removed:
            self._parsed_resources.pop(logical_id, None)

    ResourceMap.update = update  # type: ignore[method-assign]

    original_diff = ChangeSet.diff

    def diff(self: ChangeSet) -> list[Any]:
        changes = original_diff(self)
        resource_map = self.stack.resource_map
        deployed = resource_map._resource_json_map
        for change in changes:
            if change.action == "Remove":
                change.policy_action = "Retain" if retained(deployed.get(change.logical_resource_id, {})) else "Delete"
        # A resource whose JSON is unchanged but which uses a parameter whose value changed (a secret's content) is
        # modified too: ExecuteChangeSet updates it, so the change set must list it.
        if self.change_set_type == "UPDATE" and self.parameters:
            listed = {c.logical_resource_id for c in changes}
            for logical_id in resource_map.build_resource_diff(self.template_dict, self.parameters)["Modify"]:
                if logical_id not in listed:
                    resource_type = self.template_dict["Resources"][logical_id]["Type"]
                    changes.append(Change(action="Modify", logical_resource_id=logical_id, resource_type=resource_type))
        return changes

    ChangeSet.diff = diff  # type: ignore[method-assign]


def run_task_without_container_memory() -> None:
    """RunTask must accept containers with no cpu/memory of their own (Fargate sizes the task, not each container).

    moto adds each container's memory to an integer and fails with a TypeError (HTTP 500) when it is absent.
    """
    original = EC2ContainerServiceBackend._calculate_task_resource_requirements

    def calculate(task_definition: Any) -> dict[str, Any]:
        containers = []
        for container in task_definition.container_definitions:
            container = dict(container)
            if not any(container.get(k) for k in ("memory", "memoryReservation", "Memory", "MemoryReservation")):
                container["memory"] = 0
            containers.append(container)
        return original(SimpleNamespace(container_definitions=containers))

    EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(calculate)  # type: ignore[method-assign]


def task_containers_like_ecs() -> None:
    """A task has one container per container definition, each with the runtime id ECS reports once it runs.

    moto builds a single container from the first definition and gives it no runtime id, so the container a
    service's init containers precede is missing, and ECS Exec's target (`ecs:<cluster>_<task>_<runtime id>`)
    cannot be formed. Tasks also start with ECS Exec off, as on AWS (RunTask's flag is kept by
    `run_task_keeps_exec_flag`).
    """
    original = Task.__init__

    def __init__(self: Task, cluster: Any, task_definition: Any, *args: Any, **kwargs: Any) -> None:
        original(self, cluster, task_definition, *args, **kwargs)
        containers = []
        for definition in task_definition.container_definitions:
            container = Container(task_definition)
            container.name = definition.get("name")
            container.image = definition.get("image")
            container.cpu = definition.get("cpu", 0)
            container.memory = definition.get("memory")
            container.environment = definition.get("environment")
            container.command = definition.get("command")
            # AWS's form: the task id without dashes, a dash, a number.
            container.runtime_id = f"{self.id.replace('-', '')}-{mock_random.randint(10**9, 10**10 - 1)}"
            containers.append(container)
        self.containers = containers
        self.enable_execute_command = False

    Task.__init__ = __init__  # type: ignore[method-assign]


def run_task_keeps_exec_flag() -> None:
    """RunTask's `enableExecuteCommand` is kept on the tasks and reported by DescribeTasks (moto drops it)."""
    original = EC2ContainerServiceResponse.run_task

    def run_task(self: EC2ContainerServiceResponse) -> ActionResult:
        result = original(self)
        enabled = bool(self._get_param("enableExecuteCommand", False))
        for task in result.result["tasks"]:  # type: ignore[index]
            task.enable_execute_command = enabled
        return result

    EC2ContainerServiceResponse.run_task = run_task  # type: ignore[method-assign]


def list_tasks_by_service() -> None:
    """ListTasks with `serviceName` lists that service's tasks only (moto ignores the filter and lists them all).

    ECS starts a service's tasks in the group `service:<service name>`; that is what the filter matches here, so
    a test starts a service's task with RunTask and that group (moto's services start none themselves). An
    unknown service is ServiceNotFoundException, as on AWS.
    """
    original = EC2ContainerServiceBackend.list_tasks

    def list_tasks(
        self: EC2ContainerServiceBackend,
        cluster_str: str | None = None,
        container_instance: str | None = None,
        family: str | None = None,
        started_by: str | None = None,
        service_name: str | None = None,
        desiredStatus: str | None = None,
    ) -> list[Any]:
        tasks = original(self, cluster_str, container_instance, family, started_by, None, desiredStatus)
        if not service_name:
            return tasks
        service = self._get_service(cluster_str or "default", service_name)
        return [t for t in tasks if t.group == f"service:{service.name}"]

    EC2ContainerServiceBackend.list_tasks = list_tasks  # type: ignore[method-assign]


def stopped_tasks_report_exit_codes() -> None:
    """A stopped task's containers report how they exited, as ECS does.

    moto runs no containers: it moves a task towards STOPPED on each DescribeTasks (unless a test keeps tasks
    running) and reports exit code 0 for every container. Here a container whose command (its task definition's,
    or RunTask's override) ends in `exit N`, as in `sh -c "...; exit 3"`, reports N, so that a failing one-off job
    can be told from a successful one; a stopped task says why, as ECS does.
    """
    original = EC2ContainerServiceBackend.describe_tasks

    def describe_tasks(self: EC2ContainerServiceBackend, cluster_str: str, tasks: list[str]) -> list[Task]:
        described = original(self, cluster_str, tasks)
        for task in described:
            if task.last_status != "STOPPED":
                continue
            overrides = {o.get("name"): o for o in task.overrides.get("containerOverrides", [])}
            for container in task.containers:
                command = overrides.get(container.name, {}).get("command") or container.command or []
                found = re.search(r"\bexit\s+(\d+)\s*$", " ".join(command))
                container.exitCode = int(found.group(1)) if found else 0
                container.last_status = "STOPPED"
            task.desired_status = "STOPPED"
            task.stopped_reason = task.stopped_reason or "Essential container in task exited"
        return described

    EC2ContainerServiceBackend.describe_tasks = describe_tasks  # type: ignore[method-assign]


# What ECS answers when ExecuteCommand targets a task that was not started with ECS Exec enabled.
EXEC_NOT_ENABLED = (
    "The execute command failed because execute command was not enabled when the task was run or the execute "
    "command agent isn't running. Wait and try again or run a new task with execute command enabled and try again."
)


def execute_command() -> None:
    """ECS ExecuteCommand, which moto 5.2.5 does not implement.

    Answers like ECS: the task and container it ran in and a Session Manager session (sessionId, streamUrl,
    tokenValue). Nothing listens at the stream URL; a test hands the session to a program that stands in for the
    Session Manager plugin. Refused like ECS for non-interactive calls and for tasks run without ECS Exec.
    """

    def execute_command(self: EC2ContainerServiceResponse) -> ActionResult:
        backend = self.ecs_backend
        cluster = backend._get_cluster(self._get_param("cluster", "default"))
        wanted = self._get_param("task") or ""
        if not self._get_param("interactive"):
            raise InvalidParameterException("Interactive is the only mode supported currently.")
        task = next(
            (
                t
                for t in backend.tasks.get(cluster.name, {}).values()
                if wanted in (t.task_arn, t.id)
            ),
            None,
        )
        if task is None:
            raise InvalidParameterException("The specified task was not found.")
        name = self._get_param("container")
        if name is None and len(task.containers) == 1:
            container = task.containers[0]
        else:
            container = next((c for c in task.containers if c.name == name), None)
        if container is None:
            raise InvalidParameterException(f"The specified container {name} was not found in the task.")
        if task.last_status != "RUNNING" or not getattr(task, "enable_execute_command", False):
            raise InvalidParameterException(EXEC_NOT_ENABLED)
        session_id = f"ecs-execute-command-{mock_random.get_random_hex(17)}"
        return ActionResult(
            {
                "clusterArn": cluster.arn,
                "containerArn": container.container_arn,
                "containerName": container.name,
                "interactive": True,
                "session": {
                    "sessionId": session_id,
                    "streamUrl": (
                        f"wss://ssmmessages.{self.region}.amazonaws.com/v1/data-channel/{session_id}"
                        "?role=publish_subscribe&cell-number=AAEAAQ"
                    ),
                    "tokenValue": mock_random.get_random_hex(64),
                },
                "taskArn": task.task_arn,
            }
        )

    EC2ContainerServiceResponse.execute_command = execute_command  # type: ignore[attr-defined]


def apply_all() -> None:
    refresh_stack_after_change_set()
    update_keeps_retained_resources()
    run_task_without_container_memory()
    task_containers_like_ecs()
    run_task_keeps_exec_flag()
    list_tasks_by_service()
    execute_command()
    stopped_tasks_report_exit_codes()
