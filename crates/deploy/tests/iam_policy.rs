//! docs/iam-policy.json and docs/iam-policy-stack.json are the policies a user needs for every
//! command: each AWS action the code calls (read from the SDK calls in crates/deploy and crates/image-build: `.describe_stacks()` ...
//! `.send()` is `cloudformation:DescribeStacks`), each action CloudFormation performs with the
//! user's credentials for the resource types the template-builder can emit, and the few actions
//! neither shows (docker's push to ECR, CloudFormation reading an uploaded template). The test
//! fails when the code needs an action the policies lack, and when they name one nothing needs;
//! the resource table is checked against AWS's resource schemas as cfn-lint (in the test venv) ships
//! them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Rust files under `dir`, each without its test module (`#[cfg(test)]` to the end of the
/// file: calls made by tests need no permission of users).
fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&workspace().join(dir), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let code = match text.find("#[cfg(test)]") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            (path, code)
        })
        .collect()
}

/// Identifiers and single punctuation characters; comments dropped, string literals as `""`.
fn tokens(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push("\"\"".to_string());
        } else if c == 'r'
            && matches!(chars.get(i + 1), Some('#') | Some('"'))
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
        {
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push("r".into());
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push("\"\"".to_string());
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

fn is_ident(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The index after the bracket that closes the one at `open`.
fn after_brackets(tokens: &[String], open: usize) -> usize {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.as_str() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The SDK crate (`aws_sdk_<name>`) of a client held in a variable or field of this name: by
/// name, else by the type the file gives it (`client: &SecretsManager` with
/// `use aws_sdk_secretsmanager::Client as SecretsManager`).
fn crate_of_receiver(receiver: &str, tokens: &[String]) -> Option<String> {
    let known = match receiver {
        "cf" | "cloudformation" => "cloudformation",
        "ecs" => "ecs",
        "ecr" => "ecr",
        "ec2" => "ec2",
        "elbv2" => "elasticloadbalancingv2",
        "logs" => "cloudwatchlogs",
        "secrets" => "secretsmanager",
        "iam" => "iam",
        "s3" => "s3",
        "efs" => "efs",
        "sts" => "sts",
        "acm" => "acm",
        "route53" => "route53",
        _ => "",
    };
    if !known.is_empty() {
        return Some(known.to_string());
    }
    let typ = tokens
        .windows(4)
        .find_map(|w| (w[0] == receiver && w[1] == ":" && w[2] == "&").then(|| w[3].clone()))?;
    // `use aws_sdk_x :: Client as Type ;` or `use aws_sdk_x :: Client ;`
    tokens.windows(7).find_map(|w| {
        let sdk = w[1].strip_prefix("aws_sdk_")?;
        let is_use = w[0] == "use" && w[2] == ":" && w[3] == ":" && w[4] == "Client";
        let named = (w[5] == "as" && w[6] == typ) || (w[5] == ";" && typ == "Client");
        (is_use && named).then(|| sdk.to_string())
    })
}

/// The IAM action of operation `op` (snake case) of SDK crate `sdk`; `None` for calls that need
/// no permission.
fn action(sdk: &str, op: &str) -> Option<String> {
    let prefix = match sdk {
        "elasticloadbalancingv2" => "elasticloadbalancing",
        "cloudwatchlogs" => "logs",
        "efs" => "elasticfilesystem",
        other => other,
    };
    let name = match (prefix, op) {
        // Every identity may ask who it is.
        ("sts", "get_caller_identity") => return None,
        // S3's actions are not all named after the operations.
        ("s3", "head_bucket") => "ListBucket".to_string(),
        ("s3", "put_bucket_encryption") => "PutEncryptionConfiguration".to_string(),
        ("s3", "put_bucket_lifecycle_configuration") => "PutLifecycleConfiguration".to_string(),
        ("s3", "put_public_access_block") => "PutBucketPublicAccessBlock".to_string(),
        _ => op
            .split('_')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                    .unwrap_or_default()
            })
            .collect(),
    };
    Some(format!("{prefix}:{name}"))
}

/// The variable a statement `let [mut] NAME = receiver.op(...)...` assigns, when the chain at
/// `at` starts it (through fields: `= clients.ecs.op(`).
fn assigned_by(tokens: &[String], at: usize) -> Option<&String> {
    let mut start = at;
    while start > 0 && !matches!(tokens[start - 1].as_str(), ";" | "{" | "}") {
        start -= 1;
    }
    if tokens.get(start).map(String::as_str) != Some("let") {
        return None;
    }
    let name = match tokens.get(start + 1).map(String::as_str) {
        Some("mut") => tokens.get(start + 2)?,
        _ => tokens.get(start + 1)?,
    };
    let eq = start + tokens[start..at].iter().position(|t| t == "=")?;
    let path = &tokens[eq + 1..at];
    path.chunks(2)
        .all(|c| is_ident(&c[0]) && c.get(1).is_some_and(|d| d == "."))
        .then_some(name)
}

/// Every SDK call in the sources of `dirs`: (action, file). Panics on a `.send()` whose operation
/// or client it cannot tell, so a call through an unexpected name cannot slip by.
fn called_actions(dirs: &[&str]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for dir in dirs {
        for (path, code) in sources(dir) {
            let shown = path
                .strip_prefix(workspace())
                .unwrap_or(&path)
                .display()
                .to_string();
            let tokens = tokens(&code);
            let mut explained = BTreeSet::new();
            for i in 0..tokens.len().saturating_sub(3) {
                let (receiver, op) = (&tokens[i], &tokens[i + 2]);
                if !(is_ident(receiver)
                    && tokens[i + 1] == "."
                    && is_ident(op)
                    && tokens[i + 3] == "(")
                {
                    continue;
                }
                // Follow the builder chain to `.send()`.
                let mut j = after_brackets(&tokens, i + 3);
                let mut send = None;
                while j + 1 < tokens.len() && tokens[j] == "." && is_ident(&tokens[j + 1]) {
                    if tokens[j + 1] == "send" {
                        send = Some(j + 1);
                        break;
                    }
                    j += 2;
                    if tokens.get(j).map(String::as_str) == Some("(") {
                        j = after_brackets(&tokens, j);
                    }
                }
                if send.is_none() {
                    // `let request = client.op()...;` and later `request.send()`.
                    if let Some(name) = assigned_by(&tokens, i) {
                        send = (j..tokens.len().saturating_sub(4))
                            .find(|&s| {
                                tokens[s] == *name
                                    && tokens[s + 1] == "."
                                    && tokens[s + 2] == "send"
                                    && tokens[s + 3] == "("
                            })
                            .map(|s| s + 2);
                    }
                }
                let Some(send) = send else { continue };
                let Some(sdk) = crate_of_receiver(receiver, &tokens) else {
                    panic!(
                        "{shown}: cannot tell which AWS client `{receiver}` is (in `{receiver}.{op}()`): \
                         add it to crate_of_receiver"
                    );
                };
                explained.insert(send);
                if let Some(action) = action(&sdk, op) {
                    found.entry(action).or_insert(shown.clone());
                }
            }
            for s in 1..tokens.len().saturating_sub(2) {
                if tokens[s] == "send"
                    && tokens[s - 1] == "."
                    && tokens[s + 1] == "("
                    && tokens[s + 2] == ")"
                {
                    assert!(
                        explained.contains(&s),
                        "{shown}: a `.send()` whose AWS operation was not found (token {s})"
                    );
                }
            }
        }
    }
    found
}

/// What CloudFormation does with the user's credentials for each resource type the
/// template-builder can emit: the `handlers` permissions (create, read, update, delete, list) of
/// AWS's resource schemas (as cfn-lint 1.58.0 ships them, schema date 2026-10-20), without the
/// actions of features the templates never set (see [`UNUSED_FEATURES`]).
const RESOURCE_ACTIONS: &[(&str, &[&str])] = &[
    (
        "AWS::ApplicationAutoScaling::ScalableTarget",
        &[
            "application-autoscaling:DeregisterScalableTarget",
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:ListTagsForResource",
            "application-autoscaling:RegisterScalableTarget",
            "application-autoscaling:TagResource",
            "application-autoscaling:UntagResource",
            "cloudwatch:DeleteAlarms",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:PutMetricAlarm",
            "iam:CreateServiceLinkedRole",
            "iam:PassRole",
        ],
    ),
    (
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        &[
            "application-autoscaling:DeleteScalingPolicy",
            "application-autoscaling:DescribeScalingPolicies",
            "application-autoscaling:PutScalingPolicy",
            "cloudwatch:GetMetricData",
        ],
    ),
    (
        "AWS::AutoScaling::AutoScalingGroup",
        &[
            "autoscaling:CreateAutoScalingGroup",
            "autoscaling:CreateOrUpdateTags",
            "autoscaling:DeleteAutoScalingGroup",
            "autoscaling:DeleteTags",
            "autoscaling:Describe*",
            "autoscaling:UpdateAutoScalingGroup",
            "cloudwatch:PutMetricAlarm",
            "ec2:Describe*",
            "ec2:Get*",
            "ec2:RunInstances",
            "elasticloadbalancing:Describe*",
            "iam:CreateServiceLinkedRole",
            "iam:PassRole",
        ],
    ),
    (
        "AWS::CertificateManager::Certificate",
        &[
            "acm:AddTagsToCertificate",
            "acm:DeleteCertificate",
            "acm:DescribeCertificate",
            "acm:ListCertificates",
            "acm:ListTagsForCertificate",
            "acm:RemoveTagsFromCertificate",
            "acm:RequestCertificate",
            "route53:ChangeResourceRecordSets",
        ],
    ),
    ("AWS::CloudFormation::WaitConditionHandle", &[]),
    (
        "AWS::EC2::LaunchTemplate",
        &[
            "ec2:CreateLaunchTemplate",
            "ec2:CreateLaunchTemplateVersion",
            "ec2:CreateTags",
            "ec2:DeleteLaunchTemplate",
            "ec2:DeleteTags",
            "ec2:DescribeLaunchTemplates",
        ],
    ),
    (
        "AWS::EC2::SecurityGroup",
        &[
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:CreateSecurityGroup",
            "ec2:CreateTags",
            "ec2:DeleteSecurityGroup",
            "ec2:DeleteTags",
            "ec2:DescribeInstances",
            "ec2:DescribeSecurityGroups",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
            "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
        ],
    ),
    (
        "AWS::EC2::SecurityGroupIngress",
        &[
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:DescribeSecurityGroupRules",
            "ec2:DescribeSecurityGroups",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
        ],
    ),
    (
        "AWS::ECS::CapacityProvider",
        &[
            "autoscaling:CreateOrUpdateTags",
            "ecs:CreateCapacityProvider",
            "ecs:DeleteCapacityProvider",
            "ecs:DescribeCapacityProviders",
            "ecs:ListTagsForResource",
            "ecs:PutClusterCapacityProviders",
            "ecs:TagResource",
            "ecs:UntagResource",
            "ecs:UpdateCapacityProvider",
            "iam:CreateServiceLinkedRole",
            "iam:PassRole",
        ],
    ),
    (
        "AWS::ECS::Cluster",
        &[
            "ecs:CreateCluster",
            "ecs:DeleteCluster",
            "ecs:DescribeClusters",
            "ecs:ListClusters",
            "ecs:ListTagsForResource",
            "ecs:PutClusterCapacityProviders",
            "ecs:TagResource",
            "ecs:UntagResource",
            "ecs:UpdateCluster",
            "ecs:UpdateClusterSettings",
            "iam:CreateServiceLinkedRole",
            "kms:DescribeKey",
        ],
    ),
    (
        "AWS::ECS::ClusterCapacityProviderAssociations",
        &[
            "ecs:DescribeCapacityProviders",
            "ecs:DescribeClusters",
            "ecs:ListClusters",
            "ecs:PutClusterCapacityProviders",
        ],
    ),
    (
        "AWS::ECS::Service",
        &[
            "ecs:CreateService",
            "ecs:DeleteService",
            "ecs:DescribeServiceDeployments",
            "ecs:DescribeServices",
            "ecs:ListClusters",
            "ecs:ListServiceDeployments",
            "ecs:ListServices",
            "ecs:ListTagsForResource",
            "ecs:StopServiceDeployment",
            "ecs:TagResource",
            "ecs:UntagResource",
            "ecs:UpdateService",
            "iam:PassRole",
        ],
    ),
    (
        "AWS::ECS::TaskDefinition",
        &[
            "ecs:DeregisterTaskDefinition",
            "ecs:DescribeTaskDefinition",
            "ecs:ListTagsForResource",
            "ecs:ListTaskDefinitions",
            "ecs:RegisterTaskDefinition",
            "ecs:TagResource",
            "ecs:UntagResource",
            "iam:GetRole",
            "iam:PassRole",
        ],
    ),
    (
        "AWS::EFS::AccessPoint",
        &[
            "elasticfilesystem:CreateAccessPoint",
            "elasticfilesystem:DeleteAccessPoint",
            "elasticfilesystem:DescribeAccessPoints",
            "elasticfilesystem:ListTagsForResource",
            "elasticfilesystem:TagResource",
            "elasticfilesystem:UntagResource",
        ],
    ),
    (
        "AWS::EFS::FileSystem",
        &[
            "elasticfilesystem:CreateFileSystem",
            "elasticfilesystem:DeleteFileSystem",
            "elasticfilesystem:DeleteTags",
            "elasticfilesystem:DescribeBackupPolicy",
            "elasticfilesystem:DescribeFileSystems",
            "elasticfilesystem:DescribeLifecycleConfiguration",
            "elasticfilesystem:ListTagsForResource",
            "elasticfilesystem:PutBackupPolicy",
            "elasticfilesystem:PutLifecycleConfiguration",
            "elasticfilesystem:TagResource",
            "elasticfilesystem:UntagResource",
            "elasticfilesystem:UpdateFileSystem",
            "iam:CreateServiceLinkedRole",
            "iam:PassRole",
            "kms:CreateGrant",
            "kms:DescribeKey",
            "kms:GenerateDataKeyWithoutPlaintext",
        ],
    ),
    (
        "AWS::EFS::MountTarget",
        &[
            "elasticfilesystem:CreateMountTarget",
            "elasticfilesystem:DeleteMountTarget",
            "elasticfilesystem:DescribeMountTargetSecurityGroups",
            "elasticfilesystem:DescribeMountTargets",
            "elasticfilesystem:ModifyMountTargetSecurityGroups",
        ],
    ),
    (
        "AWS::ElasticLoadBalancingV2::Listener",
        &[
            "elasticloadbalancing:AddTags",
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:DeleteListener",
            "elasticloadbalancing:DescribeListenerAttributes",
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeTags",
            "elasticloadbalancing:ModifyListener",
            "elasticloadbalancing:ModifyListenerAttributes",
            "elasticloadbalancing:RemoveTags",
        ],
    ),
    ("AWS::ElasticLoadBalancingV2::ListenerCertificate", &[]),
    (
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        &[
            "elasticloadbalancing:AddTags",
            "elasticloadbalancing:CreateRule",
            "elasticloadbalancing:DeleteRule",
            "elasticloadbalancing:DescribeRules",
            "elasticloadbalancing:DescribeTags",
            "elasticloadbalancing:ModifyRule",
            "elasticloadbalancing:RemoveTags",
            "elasticloadbalancing:SetRulePriorities",
        ],
    ),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        &[
            "elasticloadbalancing:AddTags",
            "elasticloadbalancing:CreateLoadBalancer",
            "elasticloadbalancing:DeleteLoadBalancer",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeTags",
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
            "elasticloadbalancing:RemoveTags",
            "elasticloadbalancing:SetSecurityGroups",
            "elasticloadbalancing:SetSubnets",
        ],
    ),
    (
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        &[
            "ec2:DescribeVpcs",
            "elasticloadbalancing:AddTags",
            "elasticloadbalancing:CreateTargetGroup",
            "elasticloadbalancing:DeleteTargetGroup",
            "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:DescribeTags",
            "elasticloadbalancing:DescribeTargetGroupAttributes",
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:ModifyTargetGroup",
            "elasticloadbalancing:ModifyTargetGroupAttributes",
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:RemoveTags",
        ],
    ),
    (
        "AWS::IAM::InstanceProfile",
        &[
            "iam:AddRoleToInstanceProfile",
            "iam:CreateInstanceProfile",
            "iam:DeleteInstanceProfile",
            "iam:GetInstanceProfile",
            "iam:ListInstanceProfiles",
            "iam:PassRole",
            "iam:RemoveRoleFromInstanceProfile",
        ],
    ),
    (
        "AWS::IAM::Role",
        &[
            "iam:AttachRolePolicy",
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:DeleteRolePolicy",
            "iam:DetachRolePolicy",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies",
            "iam:ListRoles",
            "iam:PutRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
        ],
    ),
    (
        "AWS::Logs::LogGroup",
        &[
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:DeleteRetentionPolicy",
            "logs:DescribeLogGroups",
            "logs:ListTagsForResource",
            "logs:PutRetentionPolicy",
            "logs:TagResource",
            "logs:UntagResource",
        ],
    ),
    (
        "AWS::Route53::RecordSet",
        &[
            "route53:ChangeResourceRecordSets",
            "route53:GetChange",
            "route53:GetHostedZone",
            "route53:ListHostedZones",
            "route53:ListResourceRecordSets",
        ],
    ),
    (
        "AWS::Scheduler::Schedule",
        &[
            "iam:PassRole",
            "scheduler:CreateSchedule",
            "scheduler:DeleteSchedule",
            "scheduler:GetSchedule",
            "scheduler:ListSchedules",
            "scheduler:UpdateSchedule",
        ],
    ),
    (
        "AWS::SecretsManager::Secret",
        &[
            "secretsmanager:CreateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
            "secretsmanager:ListSecrets",
            "secretsmanager:TagResource",
            "secretsmanager:UntagResource",
            "secretsmanager:UpdateSecret",
        ],
    ),
    (
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        &[
            "ec2:DescribeRegions",
            "ec2:DescribeVpcs",
            "route53:ChangeResourceRecordSets",
            "route53:CreateHostedZone",
            "route53:GetHostedZone",
            "route53:ListHostedZonesByName",
            "servicediscovery:CreatePrivateDnsNamespace",
            "servicediscovery:DeleteNamespace",
            "servicediscovery:GetNamespace",
            "servicediscovery:GetOperation",
            "servicediscovery:ListNamespaces",
            "servicediscovery:ListTagsForResource",
            "servicediscovery:TagResource",
            "servicediscovery:UntagResource",
            "servicediscovery:UpdatePrivateDnsNamespace",
        ],
    ),
    (
        "AWS::ServiceDiscovery::Service",
        &[
            "servicediscovery:CreateService",
            "servicediscovery:DeleteService",
            "servicediscovery:DeleteServiceAttributes",
            "servicediscovery:GetNamespace",
            "servicediscovery:GetOperation",
            "servicediscovery:GetService",
            "servicediscovery:GetServiceAttributes",
            "servicediscovery:ListServices",
            "servicediscovery:ListTagsForResource",
            "servicediscovery:TagResource",
            "servicediscovery:UntagResource",
            "servicediscovery:UpdateService",
            "servicediscovery:UpdateServiceAttributes",
        ],
    ),
];

/// Parts of action names the handlers need only for properties the templates never set (Lambda
/// scaling targets, instance refreshes, lifecycle hooks, data protection, replication, KMS keys of
/// log groups, IPAM pools...): left out of [`RESOURCE_ACTIONS`] and of the policy.
const UNUSED_FEATURES: &[&str] = &[
    // Certificates from a private certificate authority, and certificate transparency options.
    "acm-pca:",
    "UpdateCertificateOptions",
    "lambda:",
    "managed-fleets:",
    "vpc-lattice:",
    "firehose:",
    "cognito-idp:",
    "s3:REST.",
    "ssm:Get*",
    "InstanceRefresh",
    "LifecycleHook",
    "NotificationConfiguration",
    "MetricsCollection",
    "TrafficSources",
    "LoadBalancerTargetGroups",
    "autoscaling:AttachLoadBalancers",
    "autoscaling:DetachLoadBalancers",
    "DataProtectionPolicy",
    "IndexPolic",
    "KmsKey",
    "logs:PutResourcePolicy",
    "logs:DeleteResourcePolicy",
    "logs:DescribeResourcePolicies",
    "DeletionProtection",
    "BearerToken",
    "LogDelivery",
    "ReplicationConfiguration",
    "ReplicateSecret",
    "RemoveRegionsFromReplication",
    "FileSystemPolicy",
    "ScheduledAction",
    "CapacityReservation",
    "IpPools",
    "IpamPools",
    "IpAddressType",
    "PutAccountSetting",
    "PermissionsBoundary",
    "ResumeProcesses",
    "SuspendProcesses",
    "UpdateFileSystemProtection",
    "GetRandomPassword",
];

/// Actions no SDK call or resource handler shows, each with why, and a text of the sources that
/// shows the need is still there (file, text).
const OTHER_NEEDS: &[(&str, &str, (&str, &str))] = &[
    (
        "elasticloadbalancing:AddListenerCertificates",
        "CloudFormation adds a shared listener's certificates (AWS's schema of AWS::ElasticLoadBalancingV2::ListenerCertificate lists no handler permissions)",
        (
            "crates/template-builder/src/loadbalancer.rs",
            "AWS::ElasticLoadBalancingV2::ListenerCertificate",
        ),
    ),
    (
        "elasticloadbalancing:RemoveListenerCertificates",
        "CloudFormation removes a shared listener's certificates",
        (
            "crates/template-builder/src/loadbalancer.rs",
            "AWS::ElasticLoadBalancingV2::ListenerCertificate",
        ),
    ),
    (
        "elasticloadbalancing:DescribeListenerCertificates",
        "CloudFormation reads a shared listener's certificates",
        (
            "crates/template-builder/src/loadbalancer.rs",
            "AWS::ElasticLoadBalancingV2::ListenerCertificate",
        ),
    ),
    (
        "ecr:BatchCheckLayerAvailability",
        "docker push with ECR's token",
        (
            "crates/deploy/src/lifecycle/registry.rs",
            "get_authorization_token",
        ),
    ),
    (
        "ecr:InitiateLayerUpload",
        "docker push with ECR's token",
        (
            "crates/deploy/src/lifecycle/registry.rs",
            "get_authorization_token",
        ),
    ),
    (
        "ecr:UploadLayerPart",
        "docker push with ECR's token",
        (
            "crates/deploy/src/lifecycle/registry.rs",
            "get_authorization_token",
        ),
    ),
    (
        "ecr:CompleteLayerUpload",
        "docker push with ECR's token",
        (
            "crates/deploy/src/lifecycle/registry.rs",
            "get_authorization_token",
        ),
    ),
    (
        "ecr:PutImage",
        "docker push with ECR's token",
        (
            "crates/deploy/src/lifecycle/registry.rs",
            "get_authorization_token",
        ),
    ),
    (
        "ecr:BatchGetImage",
        "docker push asks whether the manifest is there",
        (
            "crates/deploy/src/lifecycle/registry.rs",
            "get_authorization_token",
        ),
    ),
    (
        "ecr:TagResource",
        "CreateRepository with tags",
        ("crates/deploy/src/lifecycle/registry.rs", ".set_tags("),
    ),
    (
        "s3:GetObject",
        "CloudFormation reads an uploaded template with the caller's credentials",
        ("crates/deploy/src/lifecycle/changeset.rs", "template_url("),
    ),
    (
        "ssm:GetParameters",
        "CloudFormation resolves the GPU AMI parameter with the caller's credentials",
        (
            "crates/template-builder/src/parameters.rs",
            "AWS::SSM::Parameter::Value<",
        ),
    ),
];

/// The resource types the template-builder can emit: every `"AWS::Service::Type"` literal of its
/// sources.
fn emitted_resource_types() -> BTreeSet<String> {
    let mut types = BTreeSet::new();
    for (_, code) in sources("crates/template-builder/src") {
        for (at, _) in code.match_indices("\"AWS::") {
            let rest = &code[at + 1..];
            let Some(end) = rest.find('"') else { continue };
            let name = &rest[..end];
            let parts: Vec<&str> = name.split("::").collect();
            if parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(char::is_alphanumeric))
            {
                types.insert(name.to_string());
            }
        }
    }
    types
}

/// Every action (or pattern) of the policy, and its text.
/// The two managed policies a user attaches: the tool's own calls (with the image push and the
/// template bucket), and what CloudFormation does with the user's credentials for the stack's
/// resources. Two, because one managed policy holds at most 6,144 characters.
const POLICY_FILES: [&str; 2] = ["docs/iam-policy.json", "docs/iam-policy-stack.json"];

/// Every action the policies allow, and each file with its text.
fn policy() -> (Vec<String>, Vec<(&'static str, String)>) {
    let mut actions = Vec::new();
    let mut texts = Vec::new();
    for file in POLICY_FILES {
        let path = workspace().join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
        assert_eq!(doc["Version"], "2012-10-17", "{file}");
        for statement in doc["Statement"].as_array().expect("Statement list") {
            assert_eq!(statement["Effect"], "Allow", "{file}: {statement}");
            assert!(
                statement["Sid"].is_string(),
                "{file}: every statement says what it is for: {statement}"
            );
            for action in statement["Action"].as_array().expect("Action list") {
                actions.push(action.as_str().expect("an action is text").to_string());
            }
        }
        texts.push((file, text));
    }
    (actions, texts)
}

/// IAM's matching of an action against a pattern with `*` (service prefixes are lower case).
fn matches(pattern: &str, action: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == action,
        Some((head, tail)) => {
            action.len() >= head.len() + tail.len()
                && action.starts_with(head)
                && matches_rest(tail, &action[head.len()..])
        }
    }
}

fn matches_rest(pattern: &str, rest: &str) -> bool {
    if pattern.is_empty() {
        return true;
    }
    (0..=rest.len()).any(|skip| rest.is_char_boundary(skip) && matches(pattern, &rest[skip..]))
}

/// Everything a user needs: (action, why).
fn needed() -> BTreeMap<String, String> {
    let mut needed = BTreeMap::new();
    for (action, at) in called_actions(&["crates/deploy/src", "crates/image-build/src"]) {
        needed.insert(action, format!("called in {at}"));
    }
    let emitted = emitted_resource_types();
    let table: BTreeMap<&str, &[&str]> = RESOURCE_ACTIONS.iter().copied().collect();
    for resource in &emitted {
        let actions = table.get(resource.as_str()).unwrap_or_else(|| {
            panic!("the template-builder emits {resource}: add what CloudFormation needs for it to RESOURCE_ACTIONS and docs/iam-policy-stack.json")
        });
        for action in *actions {
            needed
                .entry(action.to_string())
                .or_insert(format!("CloudFormation, for {resource}"));
        }
    }
    for (resource, _) in RESOURCE_ACTIONS {
        assert!(
            emitted.contains(*resource),
            "{resource} is in RESOURCE_ACTIONS, but the template-builder no longer emits it"
        );
    }
    for (action, why, (file, text)) in OTHER_NEEDS {
        let code = std::fs::read_to_string(workspace().join(file)).unwrap();
        assert!(
            code.contains(text),
            "{action} ({why}): {file} no longer shows `{text}`"
        );
        needed.entry(action.to_string()).or_insert(why.to_string());
    }
    needed
}

#[test]
fn the_policy_allows_every_action_the_commands_need() {
    let (policy, _) = policy();
    let missing: Vec<String> = needed()
        .into_iter()
        .filter(|(action, _)| !policy.iter().any(|p| matches(p, action)))
        .map(|(action, why)| format!("{action} ({why})"))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/iam-policy.json and docs/iam-policy-stack.json lack: {missing:#?}"
    );
}

#[test]
fn the_policy_names_no_action_nothing_needs() {
    let (policy, _) = policy();
    let needed = needed();
    let unneeded: Vec<&String> = policy
        .iter()
        .filter(|p| !needed.keys().any(|action| matches(p, action)))
        .collect();
    assert!(
        unneeded.is_empty(),
        "the policies in docs/ name actions nothing needs: {unneeded:?}"
    );
    for action in &policy {
        assert!(
            !UNUSED_FEATURES.iter().any(|f| action.contains(f)),
            "{action} serves a feature the templates never set"
        );
    }
}

#[test]
fn each_policy_fits_in_one_managed_policy() {
    // IAM counts a managed policy's characters without white space: at most 6,144.
    for (file, text) in policy().1 {
        let size = text.chars().filter(|c| !c.is_whitespace()).count();
        assert!(
            size <= 6144,
            "{file} has {size} characters, over IAM's 6,144"
        );
    }
}

#[test]
fn the_source_reading_finds_the_calls_it_should() {
    let called = called_actions(&["crates/deploy/src"]);
    for action in [
        "cloudformation:CreateChangeSet",
        "cloudformation:DescribeStacks",
        "ecs:ExecuteCommand",
        "ecr:GetAuthorizationToken",
        "secretsmanager:CreateSecret",
        "s3:PutEncryptionConfiguration",
        "logs:FilterLogEvents",
        "route53:ListHostedZonesByName",
    ] {
        assert!(
            called.contains_key(action),
            "{action} not found in {called:#?}"
        );
    }
    assert!(!called.keys().any(|a| a.starts_with("sts:")), "{called:#?}");
    assert!(matches("ec2:Describe*", "ec2:DescribeVpcs"));
    assert!(!matches("ec2:Describe*", "ec2:CreateTags"));
    assert!(!matches("iam:Get*", "iam:PassRole"));
}

/// The handler permissions of `types` in the resource schemas cfn-lint ships, read by the venv's
/// Python (`$ECS_TEST_VENV`, default `<workspace>/.venv`, made by `make venv`).
fn schema_permissions(types: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let venv = std::env::var_os("ECS_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".venv"));
    let python = venv.join("bin/python");
    let script = r#"
import glob, json, os, sys
import cfnlint
wanted = set(sys.argv[1:])
found = {}
root = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas", "resources")
for path in glob.glob(os.path.join(root, "*.json")):
    try:
        schema = json.load(open(path))
    except Exception:
        continue
    if not isinstance(schema, dict) or schema.get("typeName") not in wanted:
        continue
    handlers = schema.get("handlers", {})
    found[schema["typeName"]] = sorted({p for h in handlers.values() for p in h.get("permissions", [])})
print(json.dumps(found))
"#;
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .args(types)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "no Python venv at {} ({e}): run `make venv` (or set ECS_TEST_VENV)",
                venv.display()
            )
        });
    assert!(
        out.status.success(),
        "{} cannot read cfn-lint's schemas: {}",
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the schemas' permissions as JSON")
}

#[test]
fn resource_actions_are_aws_s_handler_permissions_without_unused_features() {
    let types: Vec<&str> = RESOURCE_ACTIONS.iter().map(|(t, _)| *t).collect();
    let schemas = schema_permissions(&types);
    for (resource, actions) in RESOURCE_ACTIONS {
        let expected: BTreeSet<String> = schemas
            .get(*resource)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|a| !UNUSED_FEATURES.iter().any(|f| a.contains(f)))
            .collect();
        let ours: BTreeSet<String> = actions.iter().map(|a| a.to_string()).collect();
        assert_eq!(
            ours, expected,
            "{resource}: RESOURCE_ACTIONS differs from the handler permissions of AWS's schema \
             (left: the table, right: the schema without UNUSED_FEATURES)"
        );
    }
}
