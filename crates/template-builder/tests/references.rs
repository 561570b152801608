//! Property tests: for random projects, every reference in the built template points at something that
//! exists (a resource, a parameter, a condition, a pseudo parameter), conditional resources are only
//! referenced where their condition holds, and `build` never panics.
//!
//! Two generators (tests/common/generate.rs): valid projects must build; for wild ones an `Err` is fine
//! but a panic is not.

use crate::common;

use std::collections::BTreeSet;

use crate::common::generate::{valid_project, wild_project};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Pseudo parameters that are always defined (no condition needed to use them).
const PSEUDO_PARAMETERS: [&str; 8] = [
    "AWS::AccountId",
    "AWS::NoValue",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

// ---------------------------------------------------------------------------------------------
// Reference checking

/// Every dangling or out-of-condition reference of a template, as readable lines.
fn reference_problems(template: &Value) -> Vec<String> {
    let section = |name: &str| {
        template
            .get(name)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let resources = section("Resources");
    let parameters = section("Parameters");
    let conditions = section("Conditions");
    let outputs = section("Outputs");
    let checker = Checker {
        resources: &resources,
        parameters: &parameters,
        conditions: &conditions,
    };
    let mut problems = Vec::new();

    if resources.is_empty() {
        problems.push("the template has no Resources".to_string());
    }
    for (id, resource) in &resources {
        if !resource.get("Type").is_some_and(Value::is_string) {
            problems.push(format!("Resources.{id} has no Type"));
        }
        let mut scope = BTreeSet::new();
        if let Some(condition) = resource.get("Condition") {
            match condition.as_str() {
                Some(name) if conditions.contains_key(name) => {
                    scope.insert(name.to_string());
                }
                _ => problems.push(format!(
                    "Resources.{id}.Condition {condition} is not a condition"
                )),
            }
        }
        match resource.get("DependsOn") {
            None => {}
            Some(Value::String(target)) => checker.depends_on(id, target, &mut problems),
            Some(Value::Array(targets)) => {
                for target in targets {
                    match target.as_str() {
                        Some(target) => checker.depends_on(id, target, &mut problems),
                        None => problems
                            .push(format!("Resources.{id}.DependsOn: {target} is not a name")),
                    }
                }
            }
            Some(other) => problems.push(format!(
                "Resources.{id}.DependsOn: {other} is not a name or list"
            )),
        }
        for key in ["Properties", "Metadata"] {
            if let Some(value) = resource.get(key) {
                checker.walk(
                    value,
                    &format!("Resources.{id}.{key}"),
                    &scope,
                    &mut problems,
                );
            }
        }
    }
    for (id, output) in &outputs {
        let mut scope = BTreeSet::new();
        if let Some(name) = output.get("Condition").and_then(Value::as_str) {
            scope.insert(name.to_string());
        }
        checker.walk(output, &format!("Outputs.{id}"), &scope, &mut problems);
    }
    for (id, condition) in &conditions {
        checker.walk(
            condition,
            &format!("Conditions.{id}"),
            &BTreeSet::new(),
            &mut problems,
        );
    }
    problems
}

struct Checker<'t> {
    resources: &'t Map<String, Value>,
    parameters: &'t Map<String, Value>,
    conditions: &'t Map<String, Value>,
}

impl Checker<'_> {
    fn depends_on(&self, id: &str, target: &str, problems: &mut Vec<String>) {
        if !self.resources.contains_key(target) {
            problems.push(format!(
                "Resources.{id}.DependsOn: {target:?} is not a resource"
            ));
        } else if target == id {
            problems.push(format!("Resources.{id}.DependsOn: depends on itself"));
        }
    }

    /// A resource (by logical id) referenced from `at`, where the conditions in `scope` are known to hold.
    fn resource(
        &self,
        target: &str,
        at: &str,
        scope: &BTreeSet<String>,
        problems: &mut Vec<String>,
    ) {
        match self.resources.get(target) {
            None => problems.push(format!("{at}: {target:?} is not a resource")),
            Some(resource) => {
                if let Some(condition) = resource.get("Condition").and_then(Value::as_str) {
                    if !scope.contains(condition) {
                        problems.push(format!(
                            "{at}: {target:?} exists only when {condition:?} holds, which is not known here"
                        ));
                    }
                }
            }
        }
    }

    /// `Ref`: a parameter, a pseudo parameter or a resource.
    fn reference(
        &self,
        target: &str,
        at: &str,
        scope: &BTreeSet<String>,
        problems: &mut Vec<String>,
    ) {
        if self.parameters.contains_key(target) || PSEUDO_PARAMETERS.contains(&target) {
            return;
        }
        if target.starts_with("AWS::") {
            problems.push(format!("{at}: {target:?} is not a pseudo parameter"));
            return;
        }
        self.resource(target, at, scope, problems);
    }

    fn walk(&self, value: &Value, at: &str, scope: &BTreeSet<String>, problems: &mut Vec<String>) {
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk(item, &format!("{at}[{i}]"), scope, problems);
                }
            }
            Value::Object(map) if map.len() == 1 => {
                let (key, arg) = map.iter().next().expect("one entry");
                let here = format!("{at}.{key}");
                match key.as_str() {
                    "Ref" => match arg.as_str() {
                        Some(target) => self.reference(target, &here, scope, problems),
                        None => problems.push(format!("{here}: {arg} is not a name")),
                    },
                    "Fn::GetAtt" => self.get_att(arg, &here, scope, problems),
                    "Fn::Sub" => self.sub(arg, &here, scope, problems),
                    "Fn::If" => self.fn_if(arg, &here, scope, problems),
                    "Condition" => match arg.as_str() {
                        Some(name) if self.conditions.contains_key(name) => {}
                        _ => problems.push(format!("{here}: {arg} is not a condition")),
                    },
                    _ => self.walk(arg, &here, scope, problems),
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    self.walk(item, &format!("{at}.{key}"), scope, problems);
                }
            }
            _ => {}
        }
    }

    fn get_att(&self, arg: &Value, at: &str, scope: &BTreeSet<String>, problems: &mut Vec<String>) {
        let target = match arg {
            Value::Array(parts) if parts.len() == 2 && parts[1].is_string() => parts[0].as_str(),
            Value::String(dotted) => dotted.split_once('.').map(|(target, _)| target),
            _ => None,
        };
        match target {
            Some(target) => self.resource(target, at, scope, problems),
            None => problems.push(format!("{at}: {arg} is not [resource, attribute]")),
        }
    }

    fn sub(&self, arg: &Value, at: &str, scope: &BTreeSet<String>, problems: &mut Vec<String>) {
        let (text, variables) = match arg {
            Value::String(text) => (text.as_str(), Map::new()),
            Value::Array(parts) if parts.len() == 2 => match (&parts[0], &parts[1]) {
                (Value::String(text), Value::Object(variables)) => {
                    for (name, value) in variables {
                        self.walk(value, &format!("{at}[1].{name}"), scope, problems);
                    }
                    (text.as_str(), variables.clone())
                }
                _ => {
                    problems.push(format!("{at}: {arg} is not [text, variables]"));
                    return;
                }
            },
            _ => {
                problems.push(format!("{at}: {arg} is not a string or [text, variables]"));
                return;
            }
        };
        for name in sub_variables(text) {
            if variables.contains_key(&name) {
                continue;
            }
            match name.split_once('.') {
                Some((target, _attribute)) => self.resource(target, at, scope, problems),
                None => self.reference(&name, at, scope, problems),
            }
        }
    }

    fn fn_if(&self, arg: &Value, at: &str, scope: &BTreeSet<String>, problems: &mut Vec<String>) {
        let Some([condition, when_true, when_false]) = arg.as_array().map(Vec::as_slice) else {
            problems.push(format!("{at}: {arg} is not [condition, then, else]"));
            return;
        };
        let Some(condition) = condition
            .as_str()
            .filter(|c| self.conditions.contains_key(*c))
        else {
            problems.push(format!("{at}: {condition} is not a condition"));
            return;
        };
        let mut inner = scope.clone();
        inner.insert(condition.to_string());
        self.walk(when_true, &format!("{at}[1]"), &inner, problems);
        self.walk(when_false, &format!("{at}[2]"), scope, problems);
    }
}

/// The `${Name}` / `${Resource.Attribute}` variables of an `Fn::Sub` text (`${!Literal}` is not one).
fn sub_variables(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let name = &rest[..end];
        if !name.starts_with('!') {
            names.push(name.trim().to_string());
        }
        rest = &rest[end + 1..];
    }
    names
}

#[test]
fn the_checker_finds_what_it_should() {
    let template = json!({
        "Parameters": { "VpcId": { "Type": "String" } },
        "Conditions": { "IsNew": { "Fn::Equals": [{ "Ref": "VpcId" }, ""] } },
        "Resources": {
            "A": { "Type": "T", "Properties": {
                "Ok": [{ "Ref": "VpcId" }, { "Ref": "AWS::Region" }, { "Fn::GetAtt": ["B", "Arn"] }, "B.Arn"],
                "Sub": { "Fn::Sub": "${B.Arn}/${AWS::StackName}/${!Literal}/${Missing}" },
                "SubVars": { "Fn::Sub": ["${X}", { "X": { "Ref": "Gone" } }] },
                "Guarded": { "Fn::If": ["IsNew", { "Ref": "C" }, { "Ref": "AWS::NoValue" }] },
                "Unguarded": { "Ref": "C" },
                "Pseudo": { "Ref": "AWS::Nothing" },
                "Dotted": { "Fn::GetAtt": "Nope.Arn" }
            }, "DependsOn": ["B", "Ghost"] },
            "B": { "Type": "T", "DependsOn": "A" },
            "C": { "Type": "T", "Condition": "IsNew", "Properties": { "X": { "Ref": "C2" } } },
            "C2": { "Type": "T", "Condition": "IsNew" }
        },
        "Outputs": { "O": { "Value": { "Fn::GetAtt": ["Absent", "Arn"] } } }
    });
    let problems = reference_problems(&template);
    let expected = [
        "\"Ghost\" is not a resource",
        "Sub.Fn::Sub: \"Missing\" is not a resource",
        "SubVars.Fn::Sub[1].X.Ref: \"Gone\" is not a resource",
        "Unguarded.Ref: \"C\" exists only when \"IsNew\" holds",
        "\"AWS::Nothing\" is not a pseudo parameter",
        "Dotted.Fn::GetAtt: \"Nope\" is not a resource",
        "Outputs.O.Value.Fn::GetAtt: \"Absent\" is not a resource",
    ];
    for wanted in expected {
        assert!(
            problems.iter().any(|p| p.contains(wanted)),
            "missing {wanted:?} in {problems:#?}"
        );
    }
    assert_eq!(
        problems.len(),
        expected.len(),
        "unexpected extra findings: {problems:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: common::regressions_next_to_the_test(),
        ..ProptestConfig::default()
    })]

    /// Projects a user could deploy build, and every reference in their template resolves.
    #[test]
    fn valid_projects_build_with_resolvable_references(project in valid_project()) {
        let built = template_builder::build(&project);
        prop_assert!(built.is_ok(), "a valid project failed to build: {}", built.err().map(|e| e.to_string()).unwrap_or_default());
        if let Ok(built) = built {
            let problems = reference_problems(&built.template);
            prop_assert!(problems.is_empty(), "dangling references:\n{}", problems.join("\n"));
            let violations = common::invariants::mapping_violations(&project, &built.template);
            prop_assert!(violations.is_empty(), "mapping invariants broken:\n{}", violations.join("\n"));
            let duplicates = common::invariants::duplicate_ingress_rules(&built.template);
            prop_assert!(duplicates.is_empty(), "duplicate security group rules:\n{}", duplicates.join("\n"));
            let again = template_builder::build(&project).map(|b| template_builder::to_yaml(&b.template));
            prop_assert_eq!(Ok(template_builder::to_yaml(&built.template)), again.map_err(|e| e.to_string()));
        }
    }

    /// Anything the model can hold: build may refuse it, but never panics, and what it builds is sound.
    #[test]
    fn any_project_builds_or_errors_without_panicking(project in wild_project()) {
        if let Ok(built) = template_builder::build(&project) {
            let problems = reference_problems(&built.template);
            prop_assert!(problems.is_empty(), "dangling references:\n{}", problems.join("\n"));
        }
    }
}
