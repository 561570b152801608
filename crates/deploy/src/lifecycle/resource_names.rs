//! Human descriptions of stack resources ("Load balancer", "web service", "web task definition"),
//! read from the template: the Compose service a resource belongs to is its
//! `com.docker.compose.service` tag.

use std::collections::HashMap;

use serde_json::Value;
use template_builder::template::tag_value;

const SERVICE_TAG: &str = "com.docker.compose.service";
const VOLUME_TAG: &str = "com.docker.compose.volume";
const NETWORK_TAG: &str = "com.docker.compose.network";

/// Logical id -> description, for every resource of a template.
#[derive(Debug, Clone, Default)]
pub struct ResourceNames {
    by_logical_id: HashMap<String, String>,
    /// Logical id -> the Compose service the resource belongs to.
    services: HashMap<String, String>,
}

impl ResourceNames {
    pub fn from_template(template: &Value) -> Self {
        let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
            return Self::default();
        };
        let services = resources
            .iter()
            .filter_map(|(logical_id, resource)| {
                let service = tag_value(resource.get("Properties"), SERVICE_TAG)?;
                Some((logical_id.clone(), service.to_string()))
            })
            .collect();
        let mut described: Vec<(String, String)> = resources
            .iter()
            .map(|(logical_id, resource)| {
                (logical_id.clone(), describe_resource(logical_id, resource))
            })
            .collect();
        // Two resources with the same description (two listeners, say) keep their logical ids apart.
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (_, description) in &described {
            *counts.entry(description.clone()).or_default() += 1;
        }
        for (logical_id, description) in &mut described {
            if counts[description.as_str()] > 1 {
                *description = format!("{description} ({logical_id})");
            }
        }
        ResourceNames {
            by_logical_id: described.into_iter().collect(),
            services,
        }
    }

    /// How many resources the template has.
    pub fn len(&self) -> usize {
        self.by_logical_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_logical_id.is_empty()
    }

    /// The Compose service a resource belongs to.
    pub fn service(&self, logical_id: &str) -> Option<&str> {
        self.services.get(logical_id).map(String::as_str)
    }

    /// The description of a resource; the stack itself is "Stack <name>"; a resource the template does
    /// not know (renamed since) gets its type's label and logical id.
    pub fn describe(&self, logical_id: &str, resource_type: &str) -> String {
        if resource_type == "AWS::CloudFormation::Stack" {
            return format!("Stack {logical_id}");
        }
        match self.by_logical_id.get(logical_id) {
            Some(description) => description.clone(),
            None => format!("{} ({logical_id})", type_label(resource_type)),
        }
    }
}

fn describe_resource(logical_id: &str, resource: &Value) -> String {
    let resource_type = resource.get("Type").and_then(Value::as_str).unwrap_or("");
    let properties = resource.get("Properties");
    let owner = tag_value(properties, SERVICE_TAG)
        .or_else(|| tag_value(properties, VOLUME_TAG))
        .or_else(|| tag_value(properties, NETWORK_TAG));
    let label = type_label(resource_type);
    let label = match resource_type {
        // The execution role and the task role are both roles: say which.
        "AWS::IAM::Role" if logical_id.to_ascii_lowercase().contains("execution") => {
            "task execution role".to_string()
        }
        "AWS::IAM::Role" if logical_id.to_ascii_lowercase().contains("taskrole") => {
            "task role".to_string()
        }
        "AWS::ElasticLoadBalancingV2::Listener" => {
            match properties.and_then(|p| p.get("Port")).and_then(port_text) {
                Some(port) => format!("Listener on port {port}"),
                None => label.to_string(),
            }
        }
        _ => label.to_string(),
    };
    match owner {
        Some(owner) => format!("{owner} {}", lowercase_first(&label)),
        None => label,
    }
}

fn port_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // Keep acronyms as they are ("EFS file system").
        Some(first) if chars.clone().next().is_some_and(char::is_uppercase) => {
            format!("{first}{}", chars.as_str())
        }
        Some(first) => format!("{}{}", first.to_lowercase(), chars.as_str()),
        None => String::new(),
    }
}

/// A readable name for a resource type.
pub fn type_label(resource_type: &str) -> &str {
    match resource_type {
        "AWS::ECS::Cluster" => "Cluster",
        "AWS::ECS::Service" => "Service",
        "AWS::ECS::TaskDefinition" => "Task definition",
        "AWS::ECS::CapacityProvider" => "Capacity provider",
        "AWS::ECS::ClusterCapacityProviderAssociations" => "Cluster capacity providers",
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => "Load balancer",
        "AWS::ElasticLoadBalancingV2::Listener" => "Listener",
        "AWS::ElasticLoadBalancingV2::ListenerRule" => "Listener rule",
        "AWS::ElasticLoadBalancingV2::TargetGroup" => "Target group",
        "AWS::EC2::SecurityGroup" => "Security group",
        "AWS::EC2::SecurityGroupIngress" => "Security group rule",
        "AWS::EC2::LaunchTemplate" => "Launch template",
        "AWS::AutoScaling::AutoScalingGroup" => "Auto Scaling group",
        "AWS::IAM::Role" => "Role",
        "AWS::IAM::InstanceProfile" => "Instance profile",
        "AWS::IAM::Policy" => "Policy",
        "AWS::Logs::LogGroup" => "Log group",
        "AWS::ServiceDiscovery::PrivateDnsNamespace" => "Service discovery namespace",
        "AWS::ServiceDiscovery::Service" => "Service discovery entry",
        "AWS::SecretsManager::Secret" => "Secret",
        "AWS::EFS::FileSystem" => "EFS file system",
        "AWS::EFS::MountTarget" => "EFS mount target",
        "AWS::EFS::AccessPoint" => "EFS access point",
        "AWS::ApplicationAutoScaling::ScalableTarget" => "Autoscaling target",
        "AWS::ApplicationAutoScaling::ScalingPolicy" => "Autoscaling policy",
        "AWS::CloudFormation::Stack" => "Stack",
        other => other.rsplit("::").next().unwrap_or(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describes_resources_by_service_and_type() {
        let template = json!({"Resources": {
            "LoadBalancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer"},
            "WebService": {"Type": "AWS::ECS::Service", "Properties": {"Tags": [
                {"Key": "com.docker.compose.project", "Value": "app"},
                {"Key": "com.docker.compose.service", "Value": "web"}]}},
            "WebTaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Tags": [
                {"Key": "com.docker.compose.service", "Value": "web"}]}},
            "WebTaskExecutionRole": {"Type": "AWS::IAM::Role", "Properties": {"Tags": [
                {"Key": "com.docker.compose.service", "Value": "web"}]}},
            "DataFilesystem": {"Type": "AWS::EFS::FileSystem", "Properties": {"FileSystemTags": [
                {"Key": "com.docker.compose.volume", "Value": "data"}]}},
            "Listener80": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"Port": 80}},
            "Listener443": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"Port": 443}},
            "RuleA": {"Type": "AWS::EC2::SecurityGroupIngress"},
            "RuleB": {"Type": "AWS::EC2::SecurityGroupIngress"}
        }});
        let names = ResourceNames::from_template(&template);
        assert_eq!(
            names.describe("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
            "Load balancer"
        );
        assert_eq!(
            names.describe("WebService", "AWS::ECS::Service"),
            "web service"
        );
        assert_eq!(
            names.describe("WebTaskDefinition", "AWS::ECS::TaskDefinition"),
            "web task definition"
        );
        assert_eq!(
            names.describe("WebTaskExecutionRole", "AWS::IAM::Role"),
            "web task execution role"
        );
        assert_eq!(
            names.describe("DataFilesystem", "AWS::EFS::FileSystem"),
            "data EFS file system"
        );
        assert_eq!(
            names.describe("Listener80", "AWS::ElasticLoadBalancingV2::Listener"),
            "Listener on port 80"
        );
        assert_eq!(
            names.describe("RuleA", "AWS::EC2::SecurityGroupIngress"),
            "Security group rule (RuleA)"
        );
        assert_eq!(
            names.describe("app", "AWS::CloudFormation::Stack"),
            "Stack app"
        );
        assert_eq!(
            names.describe("Gone", "AWS::Logs::LogGroup"),
            "Log group (Gone)"
        );
    }
}
