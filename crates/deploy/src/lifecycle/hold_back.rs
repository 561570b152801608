//! The first of the two stack updates of a project with one-off jobs: everything new, except the
//! services that wait for a job. A waiting service that runs keeps its running task definition
//! (named by ARN, so that its new revision is registered but not used yet); a waiting service the
//! stack does not have yet is left out, with whatever refers to it. `up` runs the jobs against
//! this stack, then deploys the whole template: a failed job leaves every waiting service on the
//! version that matches what the job did not change.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use template_builder::jobs::Job;

/// What the stack holds now, for the services that wait for a job.
pub struct Deployed<'a> {
    pub template: &'a Value,
    /// Parameter values as deployed.
    pub parameters: &'a [(String, String)],
    /// Physical id by logical id (a task definition's is its ARN).
    pub physical_ids: &'a BTreeMap<String, String>,
}

/// The first update's template and what it holds back.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstPhase {
    pub template: Value,
    /// Running services kept on their running version until the jobs succeed.
    pub held: Vec<String>,
    /// Services created only once the jobs succeed.
    pub deferred: Vec<String>,
}

/// The template of the first update. `parameters` are the values this deployment passes.
pub fn first_phase(
    template: &Value,
    parameters: &[(String, String)],
    jobs: &[Job],
    deployed: Option<&Deployed>,
) -> FirstPhase {
    let mut first = template.clone();
    let mut held = Vec::new();
    let mut deferred = Vec::new();
    let mut seen = BTreeSet::new();
    for waiting in jobs.iter().flat_map(|job| &job.waiting) {
        if !seen.insert(waiting.service.as_str()) {
            continue;
        }
        let running = deployed.and_then(|d| {
            d.physical_ids.get(&waiting.service_id)?;
            // An earlier `up` whose job failed left the service on a task definition named by
            // ARN: that one runs, not the (newer) revision the stack registered.
            let pinned = d
                .template
                .pointer(&format!(
                    "/Resources/{}/Properties/TaskDefinition",
                    waiting.service_id
                ))
                .and_then(Value::as_str);
            match pinned {
                Some(arn) => Some((d, arn.to_string(), true)),
                None => d
                    .physical_ids
                    .get(&waiting.task_definition_id)
                    .map(|arn| (d, arn.clone(), false)),
            }
        });
        match running {
            Some((deployed, arn, pinned)) => {
                if !pinned
                    && !task_definition_changes(
                        template,
                        parameters,
                        deployed,
                        &waiting.task_definition_id,
                    )
                {
                    continue;
                }
                // The service as deployed, so that CloudFormation leaves it alone (an update
                // would name its task definition, which the stack may have deregistered as it
                // registered the new one); as the new template has it when the deployed one
                // refers to something the new template no longer has.
                let as_deployed = deployed
                    .template
                    .pointer(&format!("/Resources/{}", waiting.service_id))
                    .filter(|body| refers_only_to_what_exists(body, &first))
                    .cloned();
                let Some(resource) =
                    first.pointer_mut(&format!("/Resources/{}", waiting.service_id))
                else {
                    continue;
                };
                if let Some(body) = as_deployed {
                    *resource = body;
                }
                if let Some(properties) = resource
                    .get_mut("Properties")
                    .and_then(Value::as_object_mut)
                {
                    properties.insert("TaskDefinition".into(), Value::String(arn));
                    held.push(waiting.service.clone());
                }
            }
            None => {
                if resources(&first).contains_key(&waiting.service_id) {
                    remove_with_referrers(&mut first, &waiting.service_id);
                    deferred.push(waiting.service.clone());
                }
            }
        }
    }
    FirstPhase {
        template: first,
        held,
        deferred,
    }
}

/// Whether every resource, parameter or condition a resource refers to (`DependsOn` included) is in
/// the template (or is a pseudo parameter such as `AWS::Region`).
fn refers_only_to_what_exists(resource: &Value, template: &Value) -> bool {
    let mut names = referenced_names(resource);
    names.extend(depends_on(resource));
    if let Some(Value::String(condition)) = resource.get("Condition") {
        names.insert(condition.clone());
    }
    names.iter().all(|name| {
        name.starts_with("AWS::")
            || ["Resources", "Parameters", "Conditions"]
                .iter()
                .any(|section| template.pointer(&format!("/{section}/{name}")).is_some())
    })
}

/// The names in a resource's `DependsOn` (one or a list).
fn depends_on(resource: &Value) -> BTreeSet<String> {
    match resource.get("DependsOn") {
        Some(Value::String(one)) => BTreeSet::from([one.clone()]),
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn resources(template: &Value) -> serde_json::Map<String, Value> {
    template
        .get("Resources")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Whether this deployment registers a new revision of the task definition: its template text
/// changes, or a parameter it reads (a built image's digest) gets another value.
fn task_definition_changes(
    template: &Value,
    parameters: &[(String, String)],
    deployed: &Deployed,
    id: &str,
) -> bool {
    let new = template.pointer(&format!("/Resources/{id}"));
    let old = deployed.template.pointer(&format!("/Resources/{id}"));
    if new != old {
        return true;
    }
    let value = |list: &[(String, String)], name: &str| {
        list.iter()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v.clone())
    };
    new.map(referenced_names)
        .unwrap_or_default()
        .iter()
        .any(|name| {
            value(parameters, name).is_some_and(|now| value(deployed.parameters, name) != Some(now))
        })
}

/// Every logical name a value refers to: `Ref`, `Fn::GetAtt`, and `${Name}` / `${Name.Attr}` in
/// `Fn::Sub` strings.
fn referenced_names(value: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    collect_references(value, &mut names);
    names
}

fn collect_references(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("Ref", Value::String(name)) => {
                        names.insert(name.clone());
                    }
                    ("Fn::GetAtt", Value::Array(parts)) => {
                        if let Some(Value::String(name)) = parts.first() {
                            names.insert(name.clone());
                        }
                    }
                    ("Fn::GetAtt", Value::String(dotted)) => {
                        names.insert(dotted.split('.').next().unwrap_or(dotted).to_string());
                    }
                    ("Fn::Sub", Value::String(text)) => sub_names(text, names),
                    ("Fn::Sub", Value::Array(parts)) => {
                        if let Some(Value::String(text)) = parts.first() {
                            sub_names(text, names);
                        }
                        for part in parts.iter().skip(1) {
                            collect_references(part, names);
                        }
                    }
                    _ => collect_references(inner, names),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_references(item, names);
            }
        }
        _ => {}
    }
}

fn sub_names(text: &str, names: &mut BTreeSet<String>) {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = &after[..end];
        // `${!Literal}` is not a reference.
        if !inner.starts_with('!') {
            names.insert(inner.split('.').next().unwrap_or(inner).to_string());
        }
        // From the `}`: no reference starts there.
        rest = &after[end..];
    }
}

/// Remove a resource and, again and again, every resource and output that refers to what was
/// removed (by `Ref`, `Fn::GetAtt`, `Fn::Sub` or `DependsOn`).
fn remove_with_referrers(template: &mut Value, id: &str) {
    let mut removed = BTreeSet::from([id.to_string()]);
    loop {
        let Some(resources) = template.get_mut("Resources").and_then(Value::as_object_mut) else {
            return;
        };
        resources.retain(|logical, _| !removed.contains(logical));
        let referrers: Vec<String> = resources
            .iter()
            .filter(|(_, resource)| {
                let mut names = referenced_names(resource);
                names.extend(depends_on(resource));
                names.iter().any(|name| removed.contains(name))
            })
            .map(|(logical, _)| logical.clone())
            .collect();
        if referrers.is_empty() {
            break;
        }
        removed.extend(referrers);
    }
    if let Some(outputs) = template.get_mut("Outputs").and_then(Value::as_object_mut) {
        outputs.retain(|_, output| referenced_names(output).is_disjoint(&removed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use template_builder::jobs::Waiting;

    fn jobs() -> Vec<Job> {
        vec![Job {
            service: "migrate".into(),
            service_id: "MigrateService".into(),
            waiting: vec![Waiting {
                service: "web".into(),
                service_id: "WebService".into(),
                task_definition_id: "WebTaskDefinition".into(),
            }],
        }]
    }

    fn template(image: &str) -> Value {
        json!({
            "Parameters": { "WebImage": { "Type": "String" } },
            "Resources": {
                "MigrateTaskDefinition": { "Type": "AWS::ECS::TaskDefinition", "Properties": { "Image": "migrate:2" } },
                "MigrateService": { "Type": "AWS::ECS::Service", "Properties": { "TaskDefinition": { "Ref": "MigrateTaskDefinition" }, "DesiredCount": 0 } },
                "WebTaskDefinition": { "Type": "AWS::ECS::TaskDefinition", "Properties": { "Image": image, "Digest": { "Ref": "WebImage" } } },
                "WebService": { "Type": "AWS::ECS::Service", "DependsOn": ["MigrateService"], "Properties": { "TaskDefinition": { "Ref": "WebTaskDefinition" } } },
                "WebScalableTarget": { "Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": { "ResourceId": { "Fn::Sub": "service/${Cluster}/${WebService.Name}" } } },
                "WebScalingPolicy": { "Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": { "ScalingTargetId": { "Ref": "WebScalableTarget" } } },
                "Dashboard": { "Type": "AWS::CloudWatch::Dashboard", "DependsOn": "WebService", "Properties": {} },
                "Alarm": { "Type": "AWS::CloudWatch::Alarm", "DependsOn": ["LogGroup", "WebService"], "Properties": {} },
                "LogGroup": { "Type": "AWS::Logs::LogGroup", "Properties": { "Name": { "Fn::Sub": "${!NotARef}-${AWS::StackName}" } } }
            },
            "Outputs": {
                "WebServiceName": { "Value": { "Fn::GetAtt": ["WebService", "Name"] } },
                "Cluster": { "Value": { "Ref": "Cluster" } }
            }
        })
    }

    const RUNNING_ARN: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app-web:7";

    fn physical_ids() -> BTreeMap<String, String> {
        BTreeMap::from([
            (
                "WebService".to_string(),
                "arn:aws:ecs:eu-west-1:123456789012:service/app/app-web".to_string(),
            ),
            ("WebTaskDefinition".to_string(), RUNNING_ARN.to_string()),
        ])
    }

    #[test]
    fn a_running_waiting_service_keeps_its_running_task_definition() {
        let new = template("web:2");
        let old = template("web:1");
        let ids = physical_ids();
        let deployed_parameters = vec![("WebImage".to_string(), "sha256:a".to_string())];
        let deployed = Deployed {
            template: &old,
            parameters: &deployed_parameters,
            physical_ids: &ids,
        };
        let first = first_phase(&new, &deployed_parameters, &jobs(), Some(&deployed));
        assert_eq!(first.held, ["web"]);
        assert!(first.deferred.is_empty());
        assert_eq!(
            first.template["Resources"]["WebService"]["Properties"]["TaskDefinition"],
            RUNNING_ARN
        );
        // Everything else is the new template: the new revision is registered, the job's too.
        let mut expected = new.clone();
        expected["Resources"]["WebService"]["Properties"]["TaskDefinition"] = json!(RUNNING_ARN);
        assert_eq!(first.template, expected);
    }

    /// A held service stays as deployed, so CloudFormation does not touch it; unless the deployed
    /// one refers to what the new template removed: then the new one, on the running revision.
    #[test]
    fn a_held_service_stays_as_deployed_when_it_can() {
        let new = template("web:2");
        let mut old = template("web:1");
        old["Resources"]["WebService"]["Properties"]["DesiredCount"] = json!(2);
        let ids = physical_ids();
        let deployed = Deployed {
            template: &old,
            parameters: &[],
            physical_ids: &ids,
        };
        let first = first_phase(&new, &[], &jobs(), Some(&deployed));
        let mut expected = old["Resources"]["WebService"].clone();
        expected["Properties"]["TaskDefinition"] = json!(RUNNING_ARN);
        assert_eq!(first.template["Resources"]["WebService"], expected);

        old["Resources"]["WebService"]["Properties"]["LoadBalancers"] =
            json!([{ "TargetGroupArn": { "Ref": "RemovedTargetGroup" } }]);
        let deployed = Deployed {
            template: &old,
            parameters: &[],
            physical_ids: &ids,
        };
        let first = first_phase(&new, &[], &jobs(), Some(&deployed));
        let mut expected = new["Resources"]["WebService"].clone();
        expected["Properties"]["TaskDefinition"] = json!(RUNNING_ARN);
        assert_eq!(first.template["Resources"]["WebService"], expected);
        assert_eq!(first.held, ["web"]);
    }

    /// After a failed job, the stack holds the new revision but the service runs the old one, by
    /// ARN: the next `up` holds it back again, on the revision it runs.
    #[test]
    fn a_service_held_back_by_a_failed_job_stays_on_what_it_runs() {
        let new = template("web:2");
        let mut left = template("web:2");
        let old_arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app-web:6";
        left["Resources"]["WebService"]["Properties"]["TaskDefinition"] = json!(old_arn);
        let ids = physical_ids();
        let deployed = Deployed {
            template: &left,
            parameters: &[],
            physical_ids: &ids,
        };
        let first = first_phase(&new, &[], &jobs(), Some(&deployed));
        assert_eq!(first.held, ["web"]);
        assert_eq!(
            first.template["Resources"]["WebService"]["Properties"]["TaskDefinition"],
            old_arn
        );
    }

    #[test]
    fn a_new_image_digest_in_a_parameter_is_a_new_version_too() {
        let same = template("web:1");
        let ids = physical_ids();
        let old_parameters = vec![("WebImage".to_string(), "sha256:a".to_string())];
        let deployed = Deployed {
            template: &same,
            parameters: &old_parameters,
            physical_ids: &ids,
        };
        let new_parameters = vec![("WebImage".to_string(), "sha256:b".to_string())];
        let first = first_phase(&same, &new_parameters, &jobs(), Some(&deployed));
        assert_eq!(first.held, ["web"]);
        // Nothing new for web: nothing to hold back, one update does it all.
        let first = first_phase(&same, &old_parameters, &jobs(), Some(&deployed));
        assert!(
            first.held.is_empty() && first.deferred.is_empty(),
            "{first:?}"
        );
        assert_eq!(first.template, same);
    }

    #[test]
    fn a_waiting_service_not_running_yet_is_left_out_with_what_refers_to_it() {
        let new = template("web:1");
        for deployed_ids in [None, Some(BTreeMap::new())] {
            let old = template("web:1");
            let deployed = deployed_ids.as_ref().map(|ids| Deployed {
                template: &old,
                parameters: &[],
                physical_ids: ids,
            });
            let first = first_phase(&new, &[], &jobs(), deployed.as_ref());
            assert_eq!(first.deferred, ["web"]);
            assert!(first.held.is_empty());
            let mut kept: Vec<&String> = first.template["Resources"]
                .as_object()
                .unwrap()
                .keys()
                .collect();
            kept.sort();
            assert_eq!(
                kept,
                [
                    "LogGroup",
                    "MigrateService",
                    "MigrateTaskDefinition",
                    "WebTaskDefinition"
                ]
            );
            let outputs: Vec<&String> = first.template["Outputs"]
                .as_object()
                .unwrap()
                .keys()
                .collect();
            assert_eq!(outputs, ["Cluster"]);
        }
    }

    #[test]
    fn references_are_read_from_every_form() {
        let names = referenced_names(&json!({
            "a": { "Ref": "One" },
            "b": [{ "Fn::GetAtt": ["Two", "Arn"] }, { "Fn::GetAtt": "Three.Name" }],
            "c": { "Fn::Sub": "x-${Four}-${Five.Arn}-${!Six}" },
            "d": { "Fn::Sub": ["${Seven}", { "V": { "Ref": "Eight" } }] }
        }));
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["Eight", "Five", "Four", "One", "Seven", "Three", "Two"]
        );
    }
}
