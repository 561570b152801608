"""Fixes to moto 5.2.5's CloudFormation behaviour that no resource model can make.

Applied by the launcher before the server starts. Each one makes moto behave like AWS for something docker-ecs
reads back; none changes what a template means.
"""

from __future__ import annotations

from typing import Any

from types import SimpleNamespace

from moto.cloudformation.models import CloudFormationBackend
from moto.ecs.models import EC2ContainerServiceBackend


def refresh_stack_after_change_set() -> None:
    """After ExecuteChangeSet, DescribeStacks must show the new template's Outputs and Description.

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
        return result

    CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]


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


def apply_all() -> None:
    refresh_stack_after_change_set()
    run_task_without_container_memory()
