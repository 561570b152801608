"""The launcher's CloudFormation models, checked through boto3 against a running launcher.

    AWS_ENDPOINT_URL=http://127.0.0.1:PORT python -m unittest e2e/test_moto_launcher.py

Without AWS_ENDPOINT_URL the test starts its own launcher on a free 127.0.0.1 port and stops it afterwards.
The template has the shape docker-ecs generates: one stack with a cluster, a Fargate service behind a load
balancer, service discovery, a secret, EFS, autoscaling and a GPU capacity provider, wired with Ref and GetAtt.

EcrRegistry checks ECR with real pushes: it always starts its own launcher, daemon and registry (root, and Debian's
docker.io, docker-registry and busybox-static; skipped only where dockerd is not installed).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = "launcherapp"


def _tags(service: str | None = None) -> list[dict[str, str]]:
    tags = [{"Key": "com.docker.compose.project", "Value": PROJECT}]
    if service:
        tags.append({"Key": "com.docker.compose.service", "Value": service})
    return tags


def template(web_env_value: str = "one", secret_value: str = "s3cr3t", replicas: int = 2) -> dict:
    """A template with every resource type the launcher adds, referring to each other like ours do."""
    cluster_arn = {"Fn::GetAtt": ["Cluster", "Arn"]}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "VpcId": {"Type": "AWS::EC2::VPC::Id"},
            "PublicSubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>"},
        },
        "Resources": {
            "Cluster": {
                "Type": "AWS::ECS::Cluster",
                "Properties": {"ClusterName": PROJECT, "Tags": _tags()},
            },
            "LogGroup": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": f"/docker-compose/{PROJECT}"},
            },
            "DefaultNetwork": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": f"{PROJECT} default network",
                    "VpcId": {"Ref": "VpcId"},
                    "Tags": _tags(),
                },
            },
            "WebSecret": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "Name": f"{PROJECT}/db_password",
                    "Description": "db_password",
                    "SecretString": secret_value,
                    "Tags": _tags(),
                },
            },
            "GeneratedSecret": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "GenerateSecretString": {
                        "SecretStringTemplate": '{"username": "app"}',
                        "GenerateStringKey": "password",
                        "PasswordLength": 20,
                        "ExcludePunctuation": True,
                    }
                },
            },
            "CloudMap": {
                "Type": "AWS::ServiceDiscovery::PrivateDnsNamespace",
                "Properties": {"Name": f"{PROJECT}.local", "Vpc": {"Ref": "VpcId"}, "Tags": _tags()},
            },
            "WebDiscovery": {
                "Type": "AWS::ServiceDiscovery::Service",
                "Properties": {
                    "Name": "web",
                    "NamespaceId": {"Ref": "CloudMap"},
                    "DnsConfig": {
                        "DnsRecords": [{"Type": "A", "TTL": 60}],
                        "RoutingPolicy": "MULTIVALUE",
                    },
                    "HealthCheckCustomConfig": {"FailureThreshold": 1},
                },
            },
            "ExecutionRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "ManagedPolicyArns": [
                        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                        "arn:aws:iam::aws:policy/AmazonSQSFullAccess",
                    ],
                    "Policies": [
                        {
                            "PolicyName": "secrets",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "secretsmanager:GetSecretValue",
                                        "Resource": [{"Ref": "WebSecret"}],
                                    }
                                ],
                            },
                        }
                    ],
                },
            },
            "Volume": {
                "Type": "AWS::EFS::FileSystem",
                "DeletionPolicy": "Retain",
                "Properties": {"Encrypted": True, "FileSystemTags": _tags()},
            },
            "VolumeMountTarget": {
                "Type": "AWS::EFS::MountTarget",
                "Properties": {
                    "FileSystemId": {"Ref": "Volume"},
                    "SubnetId": {"Fn::Select": [0, {"Ref": "PublicSubnetIds"}]},
                    "SecurityGroups": [{"Ref": "DefaultNetwork"}],
                },
            },
            "VolumeAccessPoint": {
                "Type": "AWS::EFS::AccessPoint",
                "Properties": {
                    "FileSystemId": {"Ref": "Volume"},
                    "PosixUser": {"Uid": "1000", "Gid": "1000"},
                    "RootDirectory": {"Path": "/data"},
                },
            },
            "TaskRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "efs",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": ["elasticfilesystem:ClientMount"],
                                        "Resource": [{"Fn::GetAtt": ["Volume", "Arn"]}],
                                        "Condition": {
                                            "StringEquals": {
                                                "elasticfilesystem:AccessPointArn": {
                                                    "Fn::GetAtt": ["VolumeAccessPoint", "Arn"]
                                                }
                                            }
                                        },
                                    }
                                ],
                            },
                        }
                    ],
                },
            },
            "WebTaskDefinition": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "Family": f"{PROJECT}-web",
                    "Cpu": "256",
                    "Memory": "512",
                    "NetworkMode": "awsvpc",
                    "RequiresCompatibilities": ["FARGATE"],
                    "ExecutionRoleArn": {"Fn::GetAtt": ["ExecutionRole", "Arn"]},
                    "TaskRoleArn": {"Fn::GetAtt": ["TaskRole", "Arn"]},
                    "ContainerDefinitions": [
                        {
                            "Name": "web",
                            "Image": "nginx:1.27",
                            "Essential": True,
                            "PortMappings": [{"ContainerPort": 80, "Protocol": "tcp"}],
                            "Environment": [{"Name": "GREETING", "Value": web_env_value}],
                            "Secrets": [{"Name": "DB_PASSWORD", "ValueFrom": {"Ref": "WebSecret"}}],
                            "DockerLabels": {"com.docker.compose.service": "web", "Upper": "kept"},
                            "LogConfiguration": {
                                "LogDriver": "awslogs",
                                "Options": {
                                    "awslogs-group": {"Ref": "LogGroup"},
                                    "awslogs-region": {"Ref": "AWS::Region"},
                                    "awslogs-stream-prefix": PROJECT,
                                },
                            },
                            "MountPoints": [{"ContainerPath": "/data", "SourceVolume": "data"}],
                        }
                    ],
                    "Volumes": [
                        {
                            "Name": "data",
                            "EFSVolumeConfiguration": {
                                "FilesystemId": {"Ref": "Volume"},
                                "TransitEncryption": "ENABLED",
                                "AuthorizationConfig": {
                                    "AccessPointId": {"Ref": "VolumeAccessPoint"},
                                    "IAM": "ENABLED",
                                },
                            },
                        }
                    ],
                    "Tags": _tags("web"),
                },
            },
            "LoadBalancer": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {
                    "Scheme": "internet-facing",
                    "Type": "application",
                    "SecurityGroups": [{"Ref": "DefaultNetwork"}],
                    "Subnets": {"Ref": "PublicSubnetIds"},
                    "Tags": _tags(),
                },
            },
            "WebTargetGroup": {
                "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                "Properties": {
                    "Port": 80,
                    "Protocol": "HTTP",
                    "TargetType": "ip",
                    "VpcId": {"Ref": "VpcId"},
                    "Tags": _tags("web"),
                },
            },
            "WebListener": {
                "Type": "AWS::ElasticLoadBalancingV2::Listener",
                "Properties": {
                    "LoadBalancerArn": {"Ref": "LoadBalancer"},
                    "Port": 80,
                    "Protocol": "HTTP",
                    "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "WebTargetGroup"}}],
                },
            },
            "NetworkLoadBalancer": {
                "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "Properties": {
                    "Scheme": "internet-facing",
                    "Type": "network",
                    "Subnets": {"Ref": "PublicSubnetIds"},
                    "Tags": _tags(),
                },
            },
            "DbTargetGroup": {
                "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                "Properties": {
                    "Port": 5432,
                    "Protocol": "TCP",
                    "TargetType": "ip",
                    "VpcId": {"Ref": "VpcId"},
                },
            },
            "DbListener": {
                "Type": "AWS::ElasticLoadBalancingV2::Listener",
                "Properties": {
                    "LoadBalancerArn": {"Ref": "NetworkLoadBalancer"},
                    "Port": 5432,
                    "Protocol": "TCP",
                    "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "DbTargetGroup"}}],
                },
            },
            "WebService": {
                "Type": "AWS::ECS::Service",
                "DependsOn": ["WebListener"],
                "Properties": {
                    "Cluster": {"Ref": "Cluster"},
                    "ServiceName": "web",
                    "TaskDefinition": {"Ref": "WebTaskDefinition"},
                    "DesiredCount": replicas,
                    "LaunchType": "FARGATE",
                    "PlatformVersion": "1.4.0",
                    "PropagateTags": "SERVICE",
                    "DeploymentConfiguration": {
                        "MinimumHealthyPercent": 100,
                        "MaximumPercent": 200,
                        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
                    },
                    "LoadBalancers": [
                        {
                            "ContainerName": "web",
                            "ContainerPort": 80,
                            "TargetGroupArn": {"Ref": "WebTargetGroup"},
                        }
                    ],
                    "NetworkConfiguration": {
                        "AwsvpcConfiguration": {
                            "AssignPublicIp": "ENABLED",
                            "SecurityGroups": [{"Ref": "DefaultNetwork"}],
                            "Subnets": {"Ref": "PublicSubnetIds"},
                        }
                    },
                    "ServiceRegistries": [{"RegistryArn": {"Fn::GetAtt": ["WebDiscovery", "Arn"]}}],
                    "Tags": _tags("web"),
                },
            },
            "WebScalableTarget": {
                "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
                "Properties": {
                    "ServiceNamespace": "ecs",
                    "ScalableDimension": "ecs:service:DesiredCount",
                    "ResourceId": {
                        "Fn::Join": [
                            "/",
                            ["service", {"Ref": "Cluster"}, {"Fn::GetAtt": ["WebService", "Name"]}],
                        ]
                    },
                    "MinCapacity": 1,
                    "MaxCapacity": 4,
                },
            },
            "WebScalingPolicy": {
                "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
                "Properties": {
                    "PolicyName": "web-cpu",
                    "PolicyType": "TargetTrackingScaling",
                    "ScalingTargetId": {"Ref": "WebScalableTarget"},
                    "TargetTrackingScalingPolicyConfiguration": {
                        "TargetValue": 75,
                        "PredefinedMetricSpecification": {
                            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
                        },
                    },
                },
            },
            "GpuLaunchTemplate": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Properties": {
                    "LaunchTemplateData": {"ImageId": "ami-12c6146b", "InstanceType": "g4dn.xlarge"}
                },
            },
            "GpuAutoScalingGroup": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {
                    "LaunchTemplate": {
                        "LaunchTemplateId": {"Ref": "GpuLaunchTemplate"},
                        "Version": {"Fn::GetAtt": ["GpuLaunchTemplate", "LatestVersionNumber"]},
                    },
                    "MinSize": "0",
                    "MaxSize": "2",
                    "VPCZoneIdentifier": {"Ref": "PublicSubnetIds"},
                },
            },
            "GpuCapacityProvider": {
                "Type": "AWS::ECS::CapacityProvider",
                "Properties": {
                    "AutoScalingGroupProvider": {
                        "AutoScalingGroupArn": {"Ref": "GpuAutoScalingGroup"},
                        "ManagedScaling": {"Status": "ENABLED", "TargetCapacity": 100},
                    },
                    "Tags": _tags(),
                },
            },
            "ClusterCapacityProviders": {
                "Type": "AWS::ECS::ClusterCapacityProviderAssociations",
                "Properties": {
                    "Cluster": {"Ref": "Cluster"},
                    "CapacityProviders": [{"Ref": "GpuCapacityProvider"}],
                    "DefaultCapacityProviderStrategy": [
                        {"CapacityProvider": {"Ref": "GpuCapacityProvider"}, "Weight": 1}
                    ],
                },
            },
        },
        "Outputs": {
            "ClusterArn": {"Value": cluster_arn},
            "ServiceArn": {"Value": {"Ref": "WebService"}},
            "ServiceArnAttr": {"Value": {"Fn::GetAtt": ["WebService", "ServiceArn"]}},
            "TaskDefinitionArn": {"Value": {"Fn::GetAtt": ["WebTaskDefinition", "TaskDefinitionArn"]}},
            "SecretArn": {"Value": {"Ref": "WebSecret"}},
            "GeneratedSecretArn": {"Value": {"Ref": "GeneratedSecret"}},
            "NamespaceId": {"Value": {"Ref": "CloudMap"}},
            "NamespaceArn": {"Value": {"Fn::GetAtt": ["CloudMap", "Arn"]}},
            "NamespaceZone": {"Value": {"Fn::GetAtt": ["CloudMap", "HostedZoneId"]}},
            "DiscoveryId": {"Value": {"Fn::GetAtt": ["WebDiscovery", "Id"]}},
            "DiscoveryArn": {"Value": {"Fn::GetAtt": ["WebDiscovery", "Arn"]}},
            "ScalableTargetRef": {"Value": {"Ref": "WebScalableTarget"}},
            "ScalingPolicyArn": {"Value": {"Ref": "WebScalingPolicy"}},
            "CapacityProviderName": {"Value": {"Ref": "GpuCapacityProvider"}},
            "FileSystemId": {"Value": {"Ref": "Volume"}},
            "FileSystemArn": {"Value": {"Fn::GetAtt": ["Volume", "Arn"]}},
            "AccessPointId": {"Value": {"Ref": "VolumeAccessPoint"}},
            "AccessPointArn": {"Value": {"Fn::GetAtt": ["VolumeAccessPoint", "Arn"]}},
            "NlbArn": {"Value": {"Ref": "NetworkLoadBalancer"}},
            "NlbDns": {"Value": {"Fn::GetAtt": ["NetworkLoadBalancer", "DNSName"]}},
            "NlbFullName": {"Value": {"Fn::GetAtt": ["NetworkLoadBalancer", "LoadBalancerFullName"]}},
            "NlbZone": {"Value": {"Fn::GetAtt": ["NetworkLoadBalancer", "CanonicalHostedZoneID"]}},
            "AlbDns": {"Value": {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}},
        },
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(endpoint: str, process: subprocess.Popen | None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the launcher exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {endpoint}/moto-api/ within 30 s")


class LauncherModels(unittest.TestCase):
    endpoint: str
    server: subprocess.Popen | None = None

    @classmethod
    def setUpClass(cls) -> None:
        cls.endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
        if not cls.endpoint:
            port = _free_port()
            cls.server = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "moto_launcher.py"), "-H", "127.0.0.1", "-p", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            cls.endpoint = f"http://127.0.0.1:{port}"
        _wait_ready(cls.endpoint, cls.server)

    def setUp(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"))

    @classmethod
    def tearDownClass(cls) -> None:
        if cls.server is not None:
            cls.server.terminate()
            cls.server.wait(timeout=10)

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def parameters(self) -> list[dict[str, str]]:
        ec2 = self.client("ec2")
        vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
        self.vpc = vpc
        return [
            {"ParameterKey": "VpcId", "ParameterValue": vpc},
            {"ParameterKey": "PublicSubnetIds", "ParameterValue": ",".join(s["SubnetId"] for s in subnets[:2])},
        ]

    def deploy(self, body: dict, change_set_type: str) -> dict[str, str]:
        cfn = self.client("cloudformation")
        name = f"{PROJECT}-{change_set_type.lower()}-{time.monotonic_ns()}"
        cfn.create_change_set(
            StackName=PROJECT,
            ChangeSetName=name,
            ChangeSetType=change_set_type,
            TemplateBody=json.dumps(body),
            Parameters=self.parameters(),
            Capabilities=["CAPABILITY_IAM"],
        )
        change_set = cfn.describe_change_set(StackName=PROJECT, ChangeSetName=name)
        self.assertEqual(change_set["Status"], "CREATE_COMPLETE", change_set.get("StatusReason"))
        cfn.execute_change_set(StackName=PROJECT, ChangeSetName=name)
        stack = cfn.describe_stacks(StackName=PROJECT)["Stacks"][0]
        expected = "CREATE_COMPLETE" if change_set_type == "CREATE" else "UPDATE_COMPLETE"
        self.assertEqual(stack["StackStatus"], expected, stack.get("StackStatusReason"))
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def test_stack_lifecycle_with_the_added_types(self) -> None:
        out = self.deploy(template("one"), "CREATE")
        for key, value in out.items():
            self.assertTrue(value and value != "None", f"output {key} did not resolve: {value!r}")

        # Secrets: Ref is the ARN of a secret that exists with its value.
        sm = self.client("secretsmanager")
        self.assertTrue(out["SecretArn"].startswith("arn:aws:secretsmanager:us-east-1:"), out["SecretArn"])
        self.assertEqual(sm.get_secret_value(SecretId=out["SecretArn"])["SecretString"], "s3cr3t")
        self.assertEqual(sm.describe_secret(SecretId=out["SecretArn"])["Name"], f"{PROJECT}/db_password")
        generated = json.loads(sm.get_secret_value(SecretId=out["GeneratedSecretArn"])["SecretString"])
        self.assertEqual(generated["username"], "app")
        self.assertEqual(len(generated["password"]), 20)
        self.assertTrue(generated["password"].isalnum())

        # Cloud Map: namespace and service exist, GetAtt gives their ids and ARNs.
        sd = self.client("servicediscovery")
        namespace = sd.get_namespace(Id=out["NamespaceId"])["Namespace"]
        self.assertEqual(namespace["Name"], f"{PROJECT}.local")
        self.assertEqual(namespace["Type"], "DNS_PRIVATE")
        self.assertEqual(namespace["Arn"], out["NamespaceArn"])
        self.assertEqual(namespace["Properties"]["DnsProperties"]["HostedZoneId"], out["NamespaceZone"])
        discovery = sd.get_service(Id=out["DiscoveryId"])["Service"]
        self.assertEqual(discovery["Arn"], out["DiscoveryArn"])
        self.assertEqual(discovery["Name"], "web")
        self.assertEqual(discovery["NamespaceId"], out["NamespaceId"])

        # ECS: the service keeps what the template says (moto's own model drops it).
        ecs = self.client("ecs")
        self.assertEqual(out["ServiceArn"], out["ServiceArnAttr"])
        service = ecs.describe_services(cluster=PROJECT, services=["web"], include=["TAGS"])["services"][0]
        self.assertEqual(service["serviceArn"], out["ServiceArn"])
        self.assertEqual(service["launchType"], "FARGATE")
        self.assertEqual(service["desiredCount"], 2)
        self.assertEqual(service["taskDefinition"], out["TaskDefinitionArn"])
        self.assertEqual(service["loadBalancers"][0]["containerName"], "web")
        self.assertEqual(service["loadBalancers"][0]["containerPort"], 80)
        self.assertIn(":targetgroup/", service["loadBalancers"][0]["targetGroupArn"])
        self.assertEqual(service["serviceRegistries"], [{"registryArn": out["DiscoveryArn"]}])
        awsvpc = service["networkConfiguration"]["awsvpcConfiguration"]
        self.assertEqual(len(awsvpc["subnets"]), 2)
        self.assertEqual(awsvpc["assignPublicIp"], "ENABLED")
        self.assertIn({"key": "com.docker.compose.service", "value": "web"}, service["tags"])
        cluster = ecs.describe_clusters(clusters=[PROJECT], include=["TAGS"])["clusters"][0]
        self.assertEqual(cluster["clusterArn"], out["ClusterArn"])
        self.assertEqual(cluster["capacityProviders"], [out["CapacityProviderName"]])
        self.assertEqual(cluster["tags"], [{"key": "com.docker.compose.project", "value": PROJECT}])
        task_definition = ecs.describe_task_definition(taskDefinition=out["TaskDefinitionArn"])["taskDefinition"]
        self.assertEqual(task_definition["cpu"], "256")
        self.assertEqual(task_definition["networkMode"], "awsvpc")
        self.assertEqual(task_definition["requiresCompatibilities"], ["FARGATE"])
        self.assertTrue(task_definition["executionRoleArn"].startswith("arn:aws:iam::"))
        container = task_definition["containerDefinitions"][0]
        self.assertEqual(container["environment"], [{"name": "GREETING", "value": "one"}])
        self.assertEqual(container["secrets"], [{"name": "DB_PASSWORD", "valueFrom": out["SecretArn"]}])
        self.assertEqual(container["dockerLabels"]["Upper"], "kept")
        self.assertEqual(container["logConfiguration"]["options"]["awslogs-group"], f"/docker-compose/{PROJECT}")
        efs_volume = task_definition["volumes"][0]["efsVolumeConfiguration"]
        self.assertEqual(efs_volume["fileSystemId"], out["FileSystemId"])
        self.assertEqual(efs_volume["authorizationConfig"]["accessPointId"], out["AccessPointId"])
        providers = ecs.describe_capacity_providers(capacityProviders=[out["CapacityProviderName"]])
        self.assertEqual(providers["capacityProviders"][0]["status"], "ACTIVE")

        # Application Auto Scaling: Ref of the target is AWS's `resource|dimension|namespace`.
        aas = self.client("application-autoscaling")
        self.assertEqual(
            out["ScalableTargetRef"], f"service/{PROJECT}/web|ecs:service:DesiredCount|ecs"
        )
        targets = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
        self.assertEqual([(t["ResourceId"], t["MaxCapacity"]) for t in targets], [(f"service/{PROJECT}/web", 4)])
        policies = aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
        self.assertEqual([p["PolicyARN"] for p in policies], [out["ScalingPolicyArn"]])

        # EFS: Ref and GetAtt of the file system and the access point.
        efs = self.client("efs")
        access_point = efs.describe_access_points(AccessPointId=out["AccessPointId"])["AccessPoints"][0]
        self.assertEqual(access_point["AccessPointArn"], out["AccessPointArn"])
        self.assertEqual(access_point["FileSystemId"], out["FileSystemId"])
        file_system = efs.describe_file_systems(FileSystemId=out["FileSystemId"])["FileSystems"][0]
        self.assertEqual(file_system["FileSystemArn"], out["FileSystemArn"])
        # IAM: the roles exist, and so do the AWS managed policies they name (`up` checks x-aws-policies).
        iam = self.client("iam")
        roles = [r["RoleName"] for r in iam.list_roles()["Roles"]]
        self.assertTrue(any("ExecutionRole" in r for r in roles), roles)
        policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")["Policy"]
        self.assertEqual(policy["PolicyName"], "AmazonSQSFullAccess")

        # ELBv2: the load balancer has the type the template asks for, so TCP listeners work on an NLB.
        elbv2 = self.client("elbv2")
        nlb = elbv2.describe_load_balancers(LoadBalancerArns=[out["NlbArn"]])["LoadBalancers"][0]
        self.assertEqual(nlb["Type"], "network")
        self.assertEqual(nlb["DNSName"], out["NlbDns"])
        self.assertEqual(out["NlbFullName"], nlb["LoadBalancerArn"].split(":loadbalancer/")[1])
        self.assertEqual(out["NlbZone"], "Z26RNL4JYFTOTI")
        listeners = elbv2.describe_listeners(LoadBalancerArn=out["NlbArn"])["Listeners"]
        self.assertEqual([(l["Port"], l["Protocol"]) for l in listeners], [(5432, "TCP")])
        tags = elbv2.describe_tags(ResourceArns=[out["NlbArn"]])["TagDescriptions"][0]["Tags"]
        self.assertIn({"Key": "com.docker.compose.project", "Value": PROJECT}, tags)
        alb = elbv2.describe_load_balancers(Names=[out["AlbDns"].split("-1.")[0]])["LoadBalancers"]
        self.assertEqual([lb["Type"] for lb in alb], ["application"])

        # An update that changes the container: a new revision, and the service runs it.
        updated = self.deploy(template("two", secret_value="n3w", replicas=3), "UPDATE")
        self.assertNotEqual(updated["TaskDefinitionArn"], out["TaskDefinitionArn"])
        service = ecs.describe_services(cluster=PROJECT, services=["web"])["services"][0]
        self.assertEqual(service["taskDefinition"], updated["TaskDefinitionArn"])
        self.assertEqual(service["desiredCount"], 3)
        self.assertEqual(service["serviceRegistries"], [{"registryArn": out["DiscoveryArn"]}])
        self.assertEqual(sm.get_secret_value(SecretId=out["SecretArn"])["SecretString"], "n3w")
        self.assertEqual(updated["NlbArn"], out["NlbArn"], "an unchanged load balancer is kept")
        self.assertEqual(updated["SecretArn"], out["SecretArn"])
        self.assertEqual(updated["NamespaceId"], out["NamespaceId"])

        # Deleting the stack deletes what it created, except the retained file system.
        cfn = self.client("cloudformation")
        cfn.delete_stack(StackName=PROJECT)
        stacks = cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE", "UPDATE_COMPLETE"])["StackSummaries"]
        self.assertEqual(stacks, [])
        self.assertEqual(sm.list_secrets()["SecretList"], [])
        self.assertEqual(sd.list_namespaces()["Namespaces"], [])
        self.assertEqual(sd.list_services()["Services"], [])
        self.assertEqual(ecs.list_services(cluster=PROJECT)["serviceArns"], [])
        self.assertEqual(aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"], [])
        self.assertEqual(efs.describe_access_points(FileSystemId=out["FileSystemId"])["AccessPoints"], [])
        self.assertEqual(elbv2.describe_load_balancers()["LoadBalancers"], [])
        self.assertEqual(len(efs.describe_file_systems(FileSystemId=out["FileSystemId"])["FileSystems"]), 1)

    def test_an_update_keeps_what_deletion_policy_retains(self) -> None:
        """A resource with DeletionPolicy Retain that an update removes from the template stays in the account, and
        the change set says so (PolicyAction Retain; Delete for the others), as CloudFormation does."""
        volume = {
            "Type": "AWS::EFS::FileSystem",
            "DeletionPolicy": "Retain",
            "Properties": {"Encrypted": True, "FileSystemTags": _tags()},
        }
        group = {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "db", "VpcId": {"Ref": "VpcId"}},
        }
        params = {"VpcId": {"Type": "AWS::EC2::VPC::Id"}, "PublicSubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>"}}
        self.deploy({"Parameters": params, "Resources": {"Data": volume, "DbGroup": group}}, "CREATE")
        cfn = self.client("cloudformation")
        file_system = next(
            r["PhysicalResourceId"]
            for r in cfn.describe_stack_resources(StackName=PROJECT)["StackResources"]
            if r["LogicalResourceId"] == "Data"
        )

        keep_only = {"Parameters": params, "Resources": {"Other": dict(group, Properties={"GroupDescription": "x"})}}
        cfn.create_change_set(
            StackName=PROJECT,
            ChangeSetName="drop-volume",
            ChangeSetType="UPDATE",
            TemplateBody=json.dumps(keep_only),
            Parameters=self.parameters(),
        )
        changes = cfn.describe_change_set(StackName=PROJECT, ChangeSetName="drop-volume")["Changes"]
        removals = {
            c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"].get("PolicyAction")
            for c in changes
            if c["ResourceChange"]["Action"] == "Remove"
        }
        self.assertEqual(removals, {"Data": "Retain", "DbGroup": "Delete"})
        cfn.execute_change_set(StackName=PROJECT, ChangeSetName="drop-volume")

        stack = cfn.describe_stacks(StackName=PROJECT)["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "UPDATE_COMPLETE", stack.get("StackStatusReason"))
        left = [r["LogicalResourceId"] for r in cfn.describe_stack_resources(StackName=PROJECT)["StackResources"]]
        self.assertEqual(left, ["Other"])
        efs = self.client("efs")
        self.assertEqual(len(efs.describe_file_systems(FileSystemId=file_system)["FileSystems"]), 1)
        ec2 = self.client("ec2")
        old_group = ec2.describe_security_groups(Filters=[{"Name": "description", "Values": ["db"]}])["SecurityGroups"]
        self.assertEqual(old_group, [])

        # Brought back by a later update: created anew (a second file system, a new group), not the removed ones.
        self.deploy({"Parameters": params, "Resources": {"Data": volume, "DbGroup": group}}, "UPDATE")
        again = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cfn.describe_stack_resources(StackName=PROJECT)["StackResources"]
        }
        self.assertNotEqual(again["Data"], file_system)
        self.assertEqual(len(efs.describe_file_systems(FileSystemId=again["Data"])["FileSystems"]), 1)
        self.assertEqual(
            [g["GroupId"] for g in ec2.describe_security_groups(GroupIds=[again["DbGroup"]])["SecurityGroups"]],
            [again["DbGroup"]],
        )
        cfn.delete_stack(StackName=PROJECT)
        self.assertEqual(len(efs.describe_file_systems(FileSystemId=file_system)["FileSystems"]), 1)

    def test_a_changed_parameter_value_lists_the_resources_using_it(self) -> None:
        """The same template with another NoEcho value (a secret file's new content) modifies the secret that uses
        it, and the change set lists that change, as CloudFormation's does."""
        body = {
            "Parameters": {
                "DbPassword": {"Type": "String", "NoEcho": True},
                "Zones": {"Type": "CommaDelimitedList"},
            },
            "Resources": {
                "DbSecret": {
                    "Type": "AWS::SecretsManager::Secret",
                    "Properties": {"Name": f"{PROJECT}/db", "SecretString": {"Ref": "DbPassword"}},
                },
                "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "web"}},
            },
        }
        cfn = self.client("cloudformation")
        for kind, value in (("CREATE", "old"), ("UPDATE", "new")):
            name = f"secret-{kind.lower()}"
            cfn.create_change_set(
                StackName=PROJECT,
                ChangeSetName=name,
                ChangeSetType=kind,
                TemplateBody=json.dumps(body),
                Parameters=[
                    {"ParameterKey": "DbPassword", "ParameterValue": value},
                    {"ParameterKey": "Zones", "ParameterValue": "a,b"},
                ],
            )
            changes = cfn.describe_change_set(StackName=PROJECT, ChangeSetName=name)["Changes"]
            cfn.execute_change_set(StackName=PROJECT, ChangeSetName=name)
        self.assertEqual(
            [(c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"]) for c in changes],
            [("Modify", "DbSecret")],
        )
        secret = self.client("secretsmanager").get_secret_value(SecretId=f"{PROJECT}/db")
        self.assertEqual(secret["SecretString"], "new")
        stack = cfn.describe_stacks(StackName=PROJECT)["Stacks"][0]
        self.assertGreaterEqual(stack["LastUpdatedTime"], stack["CreationTime"])

        # The same template and values again: nothing to change, as the stack now has the new value (a list
        # parameter, as ours have, makes moto answer with a FAILED change set rather than a ValidationError).
        cfn.create_change_set(
            StackName=PROJECT,
            ChangeSetName="secret-again",
            ChangeSetType="UPDATE",
            TemplateBody=json.dumps(body),
            Parameters=[
                {"ParameterKey": "DbPassword", "ParameterValue": "new"},
                {"ParameterKey": "Zones", "ParameterValue": "a,b"},
            ],
        )
        again = cfn.describe_change_set(StackName=PROJECT, ChangeSetName="secret-again")
        self.assertEqual(again["Status"], "FAILED", again)
        self.assertIn("didn't contain changes", again["StatusReason"])
        cfn.delete_stack(StackName=PROJECT)

    def test_a_service_on_a_capacity_provider_strategy_has_no_launch_type(self) -> None:
        """ECS reports no launchType for a service placed by a capacity provider strategy (Fargate Spot)."""
        params = self.parameters()
        service = {
            "Type": "AWS::ECS::Service",
            "Properties": {
                "Cluster": {"Ref": "Cluster"},
                "TaskDefinition": {"Ref": "Task"},
                "DesiredCount": 1,
                "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": {"Ref": "PublicSubnetIds"}}},
            },
        }
        spot = copy.deepcopy(service)
        spot["Properties"].update(
            ServiceName="spot", CapacityProviderStrategy=[{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
        )
        fargate = copy.deepcopy(service)
        fargate["Properties"].update(ServiceName="fargate", LaunchType="FARGATE")
        body = {
            "Parameters": {"PublicSubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>"}},
            "Resources": {
                "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": "spotapp"}},
                "Task": {
                    "Type": "AWS::ECS::TaskDefinition",
                    "Properties": {
                        "Family": "spotapp-worker",
                        "Cpu": "256",
                        "Memory": "512",
                        "NetworkMode": "awsvpc",
                        "RequiresCompatibilities": ["FARGATE"],
                        "ContainerDefinitions": [{"Name": "worker", "Image": "busybox"}],
                    },
                },
                "Spot": spot,
                "Fargate": fargate,
            },
        }
        cfn = self.client("cloudformation")
        cfn.create_stack(StackName="spotapp", TemplateBody=json.dumps(body), Parameters=params[1:])
        stack = cfn.describe_stacks(StackName="spotapp")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE", stack.get("StackStatusReason"))
        described = self.client("ecs").describe_services(cluster="spotapp", services=["spot", "fargate"])["services"]
        by_name = {s["serviceName"]: s for s in described}
        self.assertNotIn("launchType", by_name["spot"])
        self.assertEqual(by_name["spot"]["capacityProviderStrategy"][0]["capacityProvider"], "FARGATE_SPOT")
        self.assertNotIn("launchType", by_name["spot"]["deployments"][0])
        self.assertEqual(by_name["fargate"]["launchType"], "FARGATE")
        cfn.delete_stack(StackName="spotapp")

    def test_a_domain_gets_its_certificate_validation_record_and_alias(self) -> None:
        """x-aws-domain's resources: the certificate is in ACM (issued) with its DNS validation record in the zone
        DomainValidationOptions names, the HTTPS listener uses it, a second one is added to the listener by a
        ListenerCertificate, the alias record points the name at the load balancer; deleting the stack removes all
        of them and leaves the zone as it was."""
        cfn, route53 = self.client("cloudformation"), self.client("route53")
        zone = route53.create_hosted_zone(Name="example.com", CallerReference="launcher")["HostedZone"]["Id"]
        zone = zone.split("/")[-1]
        before = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        params = self.parameters() + [{"ParameterKey": "ZoneId", "ParameterValue": zone}]
        body = {
            "Parameters": {
                "VpcId": {"Type": "AWS::EC2::VPC::Id"},
                "PublicSubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>"},
                "ZoneId": {"Type": "AWS::Route53::HostedZone::Id"},
            },
            "Resources": {
                "LoadBalancer": {
                    "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                    "Properties": {"Type": "application", "Subnets": {"Ref": "PublicSubnetIds"}},
                },
                "TargetGroup": {
                    "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                    "Properties": {"TargetType": "ip", "Port": 80, "Protocol": "HTTP", "VpcId": {"Ref": "VpcId"}},
                },
                "AppExampleComCertificate": {
                    "Type": "AWS::CertificateManager::Certificate",
                    "Properties": {
                        "DomainName": "app.example.com",
                        "ValidationMethod": "DNS",
                        "DomainValidationOptions": [{"DomainName": "app.example.com", "HostedZoneId": {"Ref": "ZoneId"}}],
                        "Tags": _tags(),
                    },
                },
                "Listener": {
                    "Type": "AWS::ElasticLoadBalancingV2::Listener",
                    "Properties": {
                        "LoadBalancerArn": {"Ref": "LoadBalancer"},
                        "Port": 443,
                        "Protocol": "HTTPS",
                        "Certificates": [{"CertificateArn": {"Ref": "AppExampleComCertificate"}}],
                        "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}],
                    },
                },
                "ApiExampleComCertificate": {
                    "Type": "AWS::CertificateManager::Certificate",
                    "Properties": {
                        "DomainName": "api.example.com",
                        "ValidationMethod": "DNS",
                        "DomainValidationOptions": [{"DomainName": "api.example.com", "HostedZoneId": {"Ref": "ZoneId"}}],
                    },
                },
                # A second service on the same port under its own name: its certificate added to the listener.
                "ApiListenerCertificate": {
                    "Type": "AWS::ElasticLoadBalancingV2::ListenerCertificate",
                    "Properties": {
                        "ListenerArn": {"Ref": "Listener"},
                        "Certificates": [{"CertificateArn": {"Ref": "ApiExampleComCertificate"}}],
                    },
                },
                "AppExampleComAliasRecord": {
                    "Type": "AWS::Route53::RecordSet",
                    "Properties": {
                        "HostedZoneId": {"Ref": "ZoneId"},
                        "Name": "app.example.com",
                        "Type": "A",
                        "AliasTarget": {
                            "DNSName": {"Fn::GetAtt": ["LoadBalancer", "DNSName"]},
                            "HostedZoneId": {"Fn::GetAtt": ["LoadBalancer", "CanonicalHostedZoneID"]},
                            "EvaluateTargetHealth": False,
                        },
                    },
                },
            },
            "Outputs": {
                "Certificate": {"Value": {"Ref": "AppExampleComCertificate"}},
                "ApiCertificate": {"Value": {"Ref": "ApiExampleComCertificate"}},
                "ListenerArn": {"Value": {"Ref": "Listener"}},
                "DNSName": {"Value": {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}},
                "LoadBalancerArn": {"Value": {"Ref": "LoadBalancer"}},
            },
        }
        cfn.create_stack(StackName="domainapp", TemplateBody=json.dumps(body), Parameters=params)
        stack = cfn.describe_stacks(StackName="domainapp")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE", stack.get("StackStatusReason"))
        out = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

        acm = self.client("acm")
        certificate = acm.describe_certificate(CertificateArn=out["Certificate"])["Certificate"]
        self.assertEqual(certificate["DomainName"], "app.example.com")
        self.assertEqual(certificate["Status"], "ISSUED")
        listener = self.client("elbv2").describe_listeners(LoadBalancerArn=out["LoadBalancerArn"])["Listeners"][0]
        # moto lists the added certificates after the default one here too (AWS lists only the default).
        self.assertEqual(listener["Certificates"][0], {"CertificateArn": out["Certificate"]})
        added = self.client("elbv2").describe_listener_certificates(ListenerArn=out["ListenerArn"])["Certificates"]
        self.assertIn(out["ApiCertificate"], [c["CertificateArn"] for c in added])

        records = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        by_type = {(r["Name"].rstrip("."), r["Type"]): r for r in records}
        alias = by_type[("app.example.com", "A")]
        self.assertEqual(alias["AliasTarget"]["DNSName"].rstrip("."), out["DNSName"])
        validation = certificate["DomainValidationOptions"][0]["ResourceRecord"]
        cname = by_type[(validation["Name"].rstrip("."), "CNAME")]
        self.assertEqual(cname["ResourceRecords"], [{"Value": validation["Value"]}])

        # Removing the listener certificate from the template takes the certificate off the listener.
        del body["Resources"]["ApiListenerCertificate"]
        cfn.update_stack(StackName="domainapp", TemplateBody=json.dumps(body), Parameters=params)
        added = self.client("elbv2").describe_listener_certificates(ListenerArn=out["ListenerArn"])["Certificates"]
        self.assertNotIn(out["ApiCertificate"], [c["CertificateArn"] for c in added])

        cfn.delete_stack(StackName="domainapp")
        self.assertEqual(route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"], before)
        with self.assertRaises(acm.exceptions.ResourceNotFoundException):
            acm.describe_certificate(CertificateArn=out["Certificate"])

    def test_two_namespaces_in_one_vpc(self) -> None:
        """Two projects in the default VPC each get their namespace (moto's own API refuses the second)."""
        cfn = self.client("cloudformation")
        params = self.parameters()
        for project in ("first", "second"):
            body = {
                "Parameters": {"VpcId": {"Type": "AWS::EC2::VPC::Id"}},
                "Resources": {
                    "CloudMap": {
                        "Type": "AWS::ServiceDiscovery::PrivateDnsNamespace",
                        "Properties": {"Name": f"{project}.local", "Vpc": {"Ref": "VpcId"}},
                    }
                },
            }
            cfn.create_stack(StackName=project, TemplateBody=json.dumps(body), Parameters=params[:1])
            stack = cfn.describe_stacks(StackName=project)["Stacks"][0]
            self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE", stack.get("StackStatusReason"))
        names = sorted(n["Name"] for n in self.client("servicediscovery").list_namespaces()["Namespaces"])
        self.assertEqual(names, ["first.local", "second.local"])
        for project in ("first", "second"):
            cfn.delete_stack(StackName=project)

    def test_ecs_exec_session(self) -> None:
        """ExecuteCommand answers with a session for a task run with ECS Exec, and refuses like ECS otherwise;
        ListTasks filters on the service; every container of a task has a runtime id."""
        params = self.parameters()
        subnets = params[1]["ParameterValue"].split(",")
        body = {
            "Parameters": {"PublicSubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>"}},
            "Resources": {
                "Cluster": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": "execapp"}},
                "Task": {
                    "Type": "AWS::ECS::TaskDefinition",
                    "Properties": {
                        "Family": "execapp-web",
                        "Cpu": "256",
                        "Memory": "512",
                        "NetworkMode": "awsvpc",
                        "RequiresCompatibilities": ["FARGATE"],
                        "ContainerDefinitions": [
                            {"Name": "web_ResolvConf_InitContainer", "Image": "busybox", "Essential": False},
                            {"Name": "web", "Image": "nginx"},
                        ],
                    },
                },
                **{
                    name: {
                        "Type": "AWS::ECS::Service",
                        "Properties": {
                            "Cluster": {"Ref": "Cluster"},
                            "ServiceName": name,
                            "TaskDefinition": {"Ref": "Task"},
                            "DesiredCount": 1,
                            "LaunchType": "FARGATE",
                            "EnableExecuteCommand": enabled,
                            "NetworkConfiguration": {
                                "AwsvpcConfiguration": {"Subnets": {"Ref": "PublicSubnetIds"}}
                            },
                        },
                    }
                    for name, enabled in (("web", True), ("worker", False))
                },
            },
        }
        cfn = self.client("cloudformation")
        cfn.create_stack(StackName="execapp", TemplateBody=json.dumps(body), Parameters=params[1:])
        stack = cfn.describe_stacks(StackName="execapp")["Stacks"][0]
        self.assertEqual(stack["StackStatus"], "CREATE_COMPLETE", stack.get("StackStatusReason"))
        ecs = self.client("ecs")
        services = ecs.describe_services(cluster="execapp", services=["web", "worker"])["services"]
        self.assertEqual({s["serviceName"]: s["enableExecuteCommand"] for s in services}, {"web": True, "worker": False})

        def run(service: str, enabled: bool) -> dict:
            return ecs.run_task(
                cluster="execapp",
                taskDefinition="execapp-web",
                launchType="FARGATE",
                group=f"service:{service}",
                enableExecuteCommand=enabled,
                networkConfiguration={"awsvpcConfiguration": {"subnets": subnets[:1], "securityGroups": []}},
            )["tasks"][0]

        # Tasks stay RUNNING (moto otherwise moves them towards STOPPED on every DescribeTasks).
        urllib.request.urlopen(
            urllib.request.Request(
                f"{self.endpoint}/moto-api/state-manager/set-transition",
                data=json.dumps(
                    {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000}}
                ).encode(),
                method="POST",
            )
        )
        worker = run("worker", False)
        web = run("web", True)
        self.assertEqual(ecs.list_tasks(cluster="execapp", serviceName="web")["taskArns"], [web["taskArn"]])
        self.assertEqual(ecs.list_tasks(cluster="execapp", serviceName="worker")["taskArns"], [worker["taskArn"]])
        self.assertEqual(len(ecs.list_tasks(cluster="execapp")["taskArns"]), 2)
        with self.assertRaises(ecs.exceptions.ServiceNotFoundException):
            ecs.list_tasks(cluster="execapp", serviceName="nothere")

        described = ecs.describe_tasks(cluster="execapp", tasks=[web["taskArn"]])["tasks"][0]
        self.assertTrue(described["enableExecuteCommand"])
        containers = {c["name"]: c["runtimeId"] for c in described["containers"]}
        self.assertEqual(sorted(containers), ["web", "web_ResolvConf_InitContainer"])
        task_id = web["taskArn"].split("/")[-1]
        for runtime_id in containers.values():
            self.assertTrue(runtime_id.startswith(task_id.replace("-", "") + "-"), runtime_id)

        out = ecs.execute_command(
            cluster="execapp", task=web["taskArn"], container="web", command="sh", interactive=True
        )
        self.assertEqual((out["taskArn"], out["containerName"]), (web["taskArn"], "web"))
        self.assertTrue(out["clusterArn"].endswith(":cluster/execapp"), out["clusterArn"])
        session = out["session"]
        self.assertTrue(session["sessionId"].startswith("ecs-execute-command-"), session)
        self.assertTrue(
            session["streamUrl"].startswith(
                f"wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/{session['sessionId']}?"
            ),
            session,
        )
        self.assertTrue(session["tokenValue"])

        refusals = [
            (dict(task=worker["taskArn"], container="web", interactive=True), "execute command was not enabled"),
            (dict(task=web["taskArn"], container="web", interactive=False), "Interactive is the only mode"),
            (dict(task=web["taskArn"], container="db", interactive=True), "container db was not found"),
            (dict(task="0123", container="web", interactive=True), "task was not found"),
        ]
        for call, message in refusals:
            with self.assertRaises(ecs.exceptions.InvalidParameterException) as refused:
                ecs.execute_command(cluster="execapp", command="sh", **call)
            self.assertIn(message, str(refused.exception))
        cfn.delete_stack(StackName="execapp")


class EcrRegistry(unittest.TestCase):
    """ECR backed by a real registry (moto_ext/ecr_registry.py): `docker login` with the token, `docker push` to the
    repositoryUri, then the ECR API sees the pushed image. Starts its own daemon and registry (e2e/local_docker.sh,
    which needs root) and its own launcher pointed at that registry; the user's docker config is never used."""

    endpoint: str
    registry: str
    work: str
    server: subprocess.Popen | None = None
    server_log: Any = None
    docker_env: dict[str, str]

    @classmethod
    def setUpClass(cls) -> None:
        if shutil.which("dockerd") is None:
            raise unittest.SkipTest("dockerd is not installed (Debian's docker.io): no daemon to push images with")
        cls.work = tempfile.mkdtemp(prefix="docker-ecs-ecr-test-")
        try:
            cls._start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _start(cls) -> None:
        started = subprocess.run(
            ["bash", os.path.join(HERE, "local_docker.sh"), "start", os.path.join(cls.work, "docker")],
            capture_output=True,
            text=True,
            timeout=180,
        )
        if started.returncode != 0:
            raise RuntimeError(f"local_docker.sh start failed ({started.returncode}):\n{started.stderr}")
        printed = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
        cls.registry = printed["DOCKER_ECS_E2E_REGISTRY"]
        config = os.path.join(cls.work, "docker-config")
        os.makedirs(config)
        cls.docker_env = {**os.environ, "DOCKER_HOST": printed["DOCKER_HOST"], "DOCKER_CONFIG": config}
        port = _free_port()
        cls.server_log = open(os.path.join(cls.work, "moto.log"), "w")
        cls.server = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "moto_launcher.py"), "-H", "127.0.0.1", "-p", str(port)],
            env={**os.environ, "DOCKER_ECS_E2E_REGISTRY": cls.registry},
            stdout=subprocess.DEVNULL,
            stderr=cls.server_log,
        )
        cls.endpoint = f"http://127.0.0.1:{port}"
        _wait_ready(cls.endpoint, cls.server)

    @classmethod
    def tearDownClass(cls) -> None:
        if cls.server is not None:
            cls.server.terminate()
            cls.server.wait(timeout=10)
            cls.server = None
        if cls.server_log is not None:
            cls.server_log.close()
        subprocess.run(["bash", os.path.join(HERE, "local_docker.sh"), "stop", os.path.join(cls.work, "docker")])
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"))
        self.ecr = boto3.client(
            "ecr",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def docker(self, *args: str, stdin: str | None = None, cwd: str | None = None) -> str:
        run = subprocess.run(
            ["docker", *args], input=stdin, cwd=cwd, env=self.docker_env, capture_output=True, text=True, timeout=300
        )
        self.assertEqual(run.returncode, 0, f"docker {' '.join(args)}:\n{run.stdout}\n{run.stderr}")
        return run.stdout

    def registry_get(self, path: str) -> tuple[int, bytes]:
        """GET on the registry's own API v2, as docker pull would (schema 2 manifests)."""
        request = urllib.request.Request(
            f"http://{self.registry}/v2/{path}",
            headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def login(self) -> str:
        """`docker login` with GetAuthorizationToken's answer, the way a tool logs in to ECR."""
        data = self.ecr.get_authorization_token()["authorizationData"][0]
        user, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
        self.assertEqual(user, "AWS")
        self.assertEqual(data["proxyEndpoint"], f"https://{self.registry}")
        self.assertGreater(data["expiresAt"], datetime.now(timezone.utc) + timedelta(hours=11))
        self.docker("login", "--username", user, "--password-stdin", data["proxyEndpoint"], stdin=password)
        return data["proxyEndpoint"]

    def build_and_push(self, uri: str, tag: str, content: str) -> str:
        """Builds FROM busybox:1.36 with a file of its own, pushes it as uri:tag; the digest docker push printed."""
        context = tempfile.mkdtemp(dir=self.work)
        with open(os.path.join(context, "Dockerfile"), "w") as f:
            f.write(f"FROM busybox:1.36\nRUN echo {content} > /content\n")
        self.docker("build", "--quiet", "--tag", f"{uri}:{tag}", context)
        pushed = self.docker("push", f"{uri}:{tag}")
        found = re.search(rf"^{re.escape(tag)}: digest: (sha256:[0-9a-f]{{64}}) size: \d+$", pushed, re.MULTILINE)
        self.assertIsNotNone(found, pushed)
        return found.group(1)  # type: ignore[union-attr]

    def test_push_then_describe_get_and_delete(self) -> None:
        created = self.ecr.create_repository(
            repositoryName="ecrtest/web",
            encryptionConfiguration={"encryptionType": "AES256"},
            imageScanningConfiguration={"scanOnPush": True},
            tags=[{"Key": "com.docker.compose.project", "Value": "ecrtest"}],
        )["repository"]
        uri = created["repositoryUri"]
        self.assertEqual(uri, f"{self.registry}/ecrtest/web")
        self.assertEqual(self.ecr.describe_images(repositoryName="ecrtest/web")["imageDetails"], [])
        self.login()
        digest = self.build_and_push(uri, "1", "one")

        by_tag = self.ecr.describe_images(repositoryName="ecrtest/web", imageIds=[{"imageTag": "1"}])["imageDetails"]
        self.assertEqual([(d["imageDigest"], d["imageTags"]) for d in by_tag], [(digest, ["1"])])
        detail = by_tag[0]
        self.assertEqual(detail["repositoryName"], "ecrtest/web")
        self.assertEqual(detail["imageManifestMediaType"], "application/vnd.docker.distribution.manifest.v2+json")
        self.assertGreater(detail["imageSizeInBytes"], 0)
        self.assertLessEqual(detail["imagePushedAt"], datetime.now(timezone.utc))
        by_digest = self.ecr.describe_images(repositoryName="ecrtest/web", imageIds=[{"imageDigest": digest}])
        self.assertEqual(by_digest["imageDetails"], by_tag, "the same image, with the same push time")
        self.assertEqual(self.ecr.describe_images(repositoryName="ecrtest/web")["imageDetails"], by_tag)
        both = self.ecr.describe_images(
            repositoryName="ecrtest/web", imageIds=[{"imageTag": "1", "imageDigest": digest}]
        )
        self.assertEqual(both["imageDetails"], by_tag)

        # A second tag on the same image, and another image.
        self.docker("tag", f"{uri}:1", f"{uri}:latest")
        self.docker("push", f"{uri}:latest")
        other = self.build_and_push(uri, "2", "two")
        self.assertNotEqual(other, digest)
        described = self.ecr.describe_images(repositoryName="ecrtest/web")["imageDetails"]
        self.assertEqual(
            sorted((d["imageDigest"], d["imageTags"]) for d in described),
            sorted([(digest, ["1", "latest"]), (other, ["2"])]),
        )
        listed = self.ecr.list_images(repositoryName="ecrtest/web")["imageIds"]
        self.assertEqual(
            sorted((i["imageTag"], i["imageDigest"]) for i in listed), [("1", digest), ("2", other), ("latest", digest)]
        )

        # BatchGetImage: the manifest as pushed (its sha256 is the digest), failures for what is not there.
        got = self.ecr.batch_get_image(
            repositoryName="ecrtest/web",
            imageIds=[
                {"imageTag": "1"},
                {"imageDigest": other},
                {"imageTag": "nope"},
                {"imageTag": "2", "imageDigest": digest},
            ],
        )
        self.assertEqual(
            [i["imageId"] for i in got["images"]], [{"imageDigest": digest, "imageTag": "1"}, {"imageDigest": other}]
        )
        for image in got["images"]:
            self.assertEqual(
                "sha256:" + hashlib.sha256(image["imageManifest"].encode()).hexdigest(), image["imageId"]["imageDigest"]
            )
            self.assertEqual(json.loads(image["imageManifest"])["schemaVersion"], 2)
        self.assertEqual(
            [(f["imageId"], f["failureCode"]) for f in got["failures"]],
            [
                ({"imageTag": "nope"}, "ImageNotFound"),
                ({"imageTag": "2", "imageDigest": digest}, "ImageTagDoesNotMatchDigest"),
            ],
        )

        # What is not there.
        with self.assertRaises(self.ecr.exceptions.ImageNotFoundException):
            self.ecr.describe_images(repositoryName="ecrtest/web", imageIds=[{"imageTag": "nope"}])
        with self.assertRaises(self.ecr.exceptions.ImageNotFoundException):
            self.ecr.describe_images(repositoryName="ecrtest/web", imageIds=[{"imageDigest": "sha256:" + "0" * 64}])
        for call in (self.ecr.describe_images, self.ecr.list_images):
            with self.assertRaises(self.ecr.exceptions.RepositoryNotFoundException):
                call(repositoryName="ecrtest/nothere")
        with self.assertRaises(self.ecr.exceptions.RepositoryNotFoundException):
            self.ecr.batch_get_image(repositoryName="ecrtest/nothere", imageIds=[{"imageTag": "1"}])

        # Deleting: refused while images are there, unless forced; forced, the images go from the registry.
        with self.assertRaises(self.ecr.exceptions.RepositoryNotEmptyException):
            self.ecr.delete_repository(repositoryName="ecrtest/web")
        self.assertEqual(len(self.ecr.describe_images(repositoryName="ecrtest/web")["imageDetails"]), 2)
        self.ecr.delete_repository(repositoryName="ecrtest/web", force=True)
        with self.assertRaises(self.ecr.exceptions.RepositoryNotFoundException):
            self.ecr.describe_repositories(repositoryNames=["ecrtest/web"])
        status, body = self.registry_get("ecrtest/web/tags/list")
        self.assertFalse(status == 200 and json.loads(body).get("tags"), body)
        for gone in (digest, other):
            self.assertEqual(self.registry_get(f"ecrtest/web/manifests/{gone}")[0], 404)

    def test_a_repository_created_again_after_a_reset_is_empty(self) -> None:
        """The registry outlives moto's state; a repository created anew has no images, as on AWS."""
        uri = self.ecr.create_repository(repositoryName="ecrtest/again")["repository"]["repositoryUri"]
        self.login()
        self.build_and_push(uri, "1", "again")
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"))
        with self.assertRaises(self.ecr.exceptions.RepositoryNotFoundException):
            self.ecr.describe_images(repositoryName="ecrtest/again")
        self.ecr.create_repository(repositoryName="ecrtest/again")
        self.assertEqual(self.ecr.describe_images(repositoryName="ecrtest/again")["imageDetails"], [])
        self.assertEqual(self.ecr.list_images(repositoryName="ecrtest/again")["imageIds"], [])

    def test_repository_settings_as_on_aws(self) -> None:
        """What moto already does like ECR, checked here with the registry's URIs."""
        tags = [{"Key": "com.docker.compose.project", "Value": "ecrtest"}]
        self.ecr.create_repository(
            repositoryName="ecrtest/api",
            encryptionConfiguration={"encryptionType": "AES256"},
            imageScanningConfiguration={"scanOnPush": True},
            tags=tags,
        )
        self.ecr.create_repository(repositoryName="ecrtest/worker")
        with self.assertRaises(self.ecr.exceptions.RepositoryAlreadyExistsException):
            self.ecr.create_repository(repositoryName="ecrtest/api")

        everything = self.ecr.describe_repositories()["repositories"]
        self.assertEqual(sorted(r["repositoryName"] for r in everything), ["ecrtest/api", "ecrtest/worker"])
        api = self.ecr.describe_repositories(repositoryNames=["ecrtest/api"])["repositories"]
        self.assertEqual(len(api), 1)
        self.assertEqual(api[0]["repositoryUri"], f"{self.registry}/ecrtest/api")
        self.assertEqual(api[0]["repositoryArn"], "arn:aws:ecr:us-east-1:123456789012:repository/ecrtest/api")
        self.assertEqual(api[0]["encryptionConfiguration"], {"encryptionType": "AES256"})
        self.assertEqual(api[0]["imageScanningConfiguration"], {"scanOnPush": True})
        self.assertEqual(api[0]["imageTagMutability"], "MUTABLE")
        with self.assertRaises(self.ecr.exceptions.RepositoryNotFoundException):
            self.ecr.describe_repositories(repositoryNames=["ecrtest/api", "ecrtest/nothere"])
        self.assertEqual(self.ecr.list_tags_for_resource(resourceArn=api[0]["repositoryArn"])["tags"], tags)

        with self.assertRaises(self.ecr.exceptions.LifecyclePolicyNotFoundException):
            self.ecr.get_lifecycle_policy(repositoryName="ecrtest/api")
        policy = json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "description": "untagged images go after a day",
                        "selection": {
                            "tagStatus": "untagged",
                            "countType": "sinceImagePushed",
                            "countUnit": "days",
                            "countNumber": 1,
                        },
                        "action": {"type": "expire"},
                    }
                ]
            }
        )
        put = self.ecr.put_lifecycle_policy(repositoryName="ecrtest/api", lifecyclePolicyText=policy)
        self.assertEqual((put["repositoryName"], put["lifecyclePolicyText"]), ("ecrtest/api", policy))
        got = self.ecr.get_lifecycle_policy(repositoryName="ecrtest/api")
        self.assertEqual((got["registryId"], got["lifecyclePolicyText"]), ("123456789012", policy))

        # An empty repository is deleted without force.
        self.ecr.delete_repository(repositoryName="ecrtest/worker")

    def test_cloudformation_repository(self) -> None:
        """AWS::ECR::Repository: GetAtt RepositoryUri names the registry; EmptyOnDelete empties it with the stack."""
        cfn = boto3.client(
            "cloudformation",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        body = {
            "Resources": {
                "Repository": {
                    "Type": "AWS::ECR::Repository",
                    "Properties": {"RepositoryName": "ecrtest/stacked", "EmptyOnDelete": True},
                }
            },
            "Outputs": {"Uri": {"Value": {"Fn::GetAtt": ["Repository", "RepositoryUri"]}}},
        }
        cfn.create_stack(StackName="ecrtest", TemplateBody=json.dumps(body))
        stack = cfn.describe_stacks(StackName="ecrtest")["Stacks"][0]
        self.assertEqual(stack["Outputs"][0]["OutputValue"], f"{self.registry}/ecrtest/stacked")
        self.login()
        digest = self.build_and_push(stack["Outputs"][0]["OutputValue"], "1", "stacked")
        cfn.delete_stack(StackName="ecrtest")
        self.assertEqual(self.ecr.describe_repositories()["repositories"], [])
        self.assertEqual(self.registry_get(f"ecrtest/stacked/manifests/{digest}")[0], 404)


if __name__ == "__main__":
    unittest.main()
