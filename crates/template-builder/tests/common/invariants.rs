//! Properties every generated template must have, whatever the project (docs/MAPPING.md), checked on
//! the examples, the feature projects and generated projects.

use std::collections::BTreeMap;

use compose_model::Project;
use serde_json::Value;

/// Security group rules that EC2 would refuse as duplicates ("the specified rule already exists"):
/// two `AWS::EC2::SecurityGroupIngress` resources, or two inline `SecurityGroupIngress` entries of one
/// group, with the same group, protocol, port range and source.
pub fn duplicate_ingress_rules(template: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let rule_key = |group: &Value, rule: &Value| {
        let field = |name: &str| rule.get(name).map(Value::to_string).unwrap_or_default();
        format!(
            "group={group} protocol={} ports={}-{} source={}{}{}",
            field("IpProtocol"),
            field("FromPort"),
            field("ToPort"),
            field("CidrIp"),
            field("CidrIpv6"),
            field("SourceSecurityGroupId"),
        )
    };
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut duplicates = Vec::new();
    let mut record = |key: String, at: String| {
        if let Some(first) = seen.get(&key) {
            duplicates.push(format!("{at} repeats {first} ({key})"));
        } else {
            seen.insert(key, at);
        }
    };
    let resources = template["Resources"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (id, resource) in &resources {
        let properties = &resource["Properties"];
        match resource["Type"].as_str() {
            Some("AWS::EC2::SecurityGroupIngress") => {
                record(rule_key(&properties["GroupId"], properties), id.clone());
            }
            Some("AWS::EC2::SecurityGroup") => {
                let group = serde_json::json!({ "Ref": id });
                for (i, rule) in properties["SecurityGroupIngress"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    record(
                        rule_key(&group, rule),
                        format!("{id}.SecurityGroupIngress[{i}]"),
                    );
                }
            }
            _ => {}
        }
    }
    duplicates
}

/// What MAPPING.md promises of every template, as a list of violations.
pub fn mapping_violations(project: &Project, template: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let resources = template["Resources"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let of_type = |kind: &'static str| {
        resources
            .iter()
            .filter(move |(_, r)| r["Type"] == kind)
            .map(|(id, r)| (id.clone(), r.clone()))
    };

    // ECS services: circuit breaker with rollback.
    for (id, service) in of_type("AWS::ECS::Service") {
        let breaker = &service["Properties"]["DeploymentConfiguration"]["DeploymentCircuitBreaker"];
        if breaker["Enable"] != true || breaker["Rollback"] != true {
            out.push(format!("{id}: no deployment circuit breaker with rollback"));
        }
    }

    // Task definitions: family <project>-<service>, every container logs to the project's log group.
    let prefix = format!("{}-", project.name);
    for (id, task) in of_type("AWS::ECS::TaskDefinition") {
        let properties = &task["Properties"];
        let family = properties["Family"].as_str().unwrap_or_default();
        if !family.starts_with(&prefix) {
            out.push(format!(
                "{id}: Family {family:?} does not start with {prefix:?}"
            ));
        }
        for container in properties["ContainerDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let name = container["Name"].as_str().unwrap_or("?");
            let log = &container["LogConfiguration"];
            if log["LogDriver"] != "awslogs" {
                out.push(format!("{id}: container {name} does not log with awslogs"));
            } else if log["Options"]["awslogs-stream-prefix"] != project.name.as_str() {
                out.push(format!(
                    "{id}: container {name} stream prefix is {} (want the project name)",
                    log["Options"]["awslogs-stream-prefix"]
                ));
            }
        }
    }

    // EFS: encrypted and retained.
    for (id, fs) in of_type("AWS::EFS::FileSystem") {
        if fs["Properties"]["Encrypted"] != true {
            out.push(format!("{id}: file system not encrypted"));
        }
        if fs["DeletionPolicy"] != "Retain" {
            out.push(format!(
                "{id}: file system not retained (DeletionPolicy {})",
                fs["DeletionPolicy"]
            ));
        }
    }

    // Secret contents only ever come in through NoEcho parameters.
    for (id, secret) in of_type("AWS::SecretsManager::Secret") {
        match &secret["Properties"]["SecretString"] {
            Value::Null => {}
            Value::Object(reference) if reference.contains_key("Ref") => {
                let parameter = reference["Ref"].as_str().unwrap_or_default();
                if template["Parameters"][parameter]["NoEcho"] != true {
                    out.push(format!(
                        "{id}: SecretString comes from parameter {parameter}, which is not NoEcho"
                    ));
                }
            }
            other => out.push(format!(
                "{id}: SecretString is written in the template: {other}"
            )),
        }
    }

    // The internet reaches the load balancer only: no other group admits 0.0.0.0/0.
    let open_to_world = |rule: &Value| rule["CidrIp"] == "0.0.0.0/0" || rule["CidrIpv6"] == "::/0";
    for (id, group) in of_type("AWS::EC2::SecurityGroup") {
        if id == "LoadBalancerSecurityGroup" {
            continue;
        }
        for rule in group["Properties"]["SecurityGroupIngress"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if open_to_world(rule) {
                out.push(format!("{id}: admits {rule} from anywhere"));
            }
        }
    }
    for (id, rule) in of_type("AWS::EC2::SecurityGroupIngress") {
        if open_to_world(&rule["Properties"])
            && rule["Properties"]["GroupId"]
                != serde_json::json!({"Ref": "LoadBalancerSecurityGroup"})
        {
            out.push(format!(
                "{id}: admits traffic from anywhere into {}",
                rule["Properties"]["GroupId"]
            ));
        }
    }

    // An existing cluster (x-aws-cluster) belongs to someone else: its capacity provider list, which an
    // association resource replaces wholesale and removes on delete, is not ours to manage.
    if project.extensions.contains_key("x-aws-cluster") {
        for (id, _) in of_type("AWS::ECS::ClusterCapacityProviderAssociations") {
            out.push(format!(
                "{id}: replaces the capacity providers of the existing cluster named by x-aws-cluster"
            ));
        }
        for (id, _) in of_type("AWS::ECS::Cluster") {
            out.push(format!(
                "{id}: a cluster is created although x-aws-cluster names one"
            ));
        }
    }

    // Every resource that takes tags carries the project tag.
    for (id, resource) in &resources {
        let kind = resource["Type"].as_str().unwrap_or_default();
        let Some((_, property)) = TAG_PROPERTIES.iter().find(|(t, _)| *t == kind) else {
            continue;
        };
        let tags = resource["Properties"][property].to_string();
        if !(tags.contains("\"com.docker.compose.project\"")
            && tags.contains(&format!("\"{}\"", project.name)))
        {
            out.push(format!(
                "{id} ({kind}): no com.docker.compose.project={} tag",
                project.name
            ));
        }
    }
    out
}

/// Resource types that take tags, and the property that holds them.
const TAG_PROPERTIES: [(&str, &str); 16] = [
    ("AWS::ECS::Cluster", "Tags"),
    ("AWS::ECS::Service", "Tags"),
    ("AWS::ECS::TaskDefinition", "Tags"),
    ("AWS::ECS::CapacityProvider", "Tags"),
    ("AWS::EC2::SecurityGroup", "Tags"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Tags"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "Tags"),
    ("AWS::Logs::LogGroup", "Tags"),
    ("AWS::IAM::Role", "Tags"),
    ("AWS::SecretsManager::Secret", "Tags"),
    ("AWS::ServiceDiscovery::Service", "Tags"),
    ("AWS::ServiceDiscovery::PrivateDnsNamespace", "Tags"),
    ("AWS::EFS::FileSystem", "FileSystemTags"),
    ("AWS::EFS::AccessPoint", "AccessPointTags"),
    ("AWS::AutoScaling::AutoScalingGroup", "Tags"),
    ("AWS::EC2::LaunchTemplate", "TagSpecifications"),
];
