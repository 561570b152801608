//! What every concern module works on: the project, the template under construction, and what the
//! build reports besides the template (warnings, parameters for `up`, preconditions).

use std::collections::BTreeSet;

use compose_model::Project;
use serde_json::Value;

use crate::attributes;
use crate::naming::{self, Names};
use crate::template::{self, Template};
use crate::{Error, ParameterInput, Precondition, Warning};

pub const PROJECT_TAG: &str = "com.docker.compose.project";
pub const SERVICE_TAG: &str = "com.docker.compose.service";

pub struct Ctx<'a> {
    pub project: &'a Project,
    pub names: Names,
    pub template: Template,
    pub warnings: BTreeSet<Warning>,
    pub parameters: Vec<ParameterInput>,
    pub preconditions: Vec<Precondition>,
    /// Services that run an image with files of the project added (`mounts`).
    pub derived_services: BTreeSet<String>,
    /// What refuses the project so far, in the order found, one per service and attribute: the
    /// build goes on after a refusal to report every one in a single run.
    pub errors: Vec<Error>,
}

impl<'a> Ctx<'a> {
    pub fn new(project: &'a Project, names: Names) -> Self {
        Ctx {
            project,
            names,
            template: Template::new(format!(
                "docker ecs: Compose project {:?} on Amazon ECS",
                project.name
            )),
            warnings: BTreeSet::new(),
            parameters: Vec::new(),
            preconditions: Vec::new(),
            derived_services: BTreeSet::new(),
            errors: Vec::new(),
        }
    }

    /// Record a refusal; a second one about the same service and attribute adds nothing (a later
    /// step may trip over what an earlier one refused).
    pub fn refuse(&mut self, error: Error) {
        if !self
            .errors
            .iter()
            .any(|e| e.service == error.service && e.attribute == error.attribute)
        {
            self.errors.push(error);
        }
    }

    /// The value of a step that may refuse the project: on a refusal, record it and go on
    /// without the value.
    pub fn keep<T>(&mut self, result: Result<T, Error>) -> Option<T> {
        result.map_err(|error| self.refuse(error)).ok()
    }

    /// Warn about an attribute the table lists as ignored.
    pub fn warn(&mut self, path: &str, service: Option<&str>, shown: &str) {
        self.warnings
            .insert(attributes::warning(path, service, shown));
    }

    /// Warn about a mapped attribute whose value had to be adjusted (clamped, capped, ...).
    pub fn warn_value(&mut self, service: Option<&str>, attribute: &str, message: String) {
        self.warnings.insert(Warning {
            service: service.map(str::to_string),
            attribute: attribute.to_string(),
            message,
        });
    }

    pub fn add_precondition(&mut self, precondition: Precondition) {
        if !self.preconditions.contains(&precondition) {
            self.preconditions.push(precondition);
        }
    }

    pub fn project_name(&self) -> &str {
        &self.project.name
    }

    /// `[{Key, Value}]` with the project tag.
    pub fn project_tags(&self) -> Value {
        template::tags(&[(PROJECT_TAG, &self.project.name)])
    }

    /// `[{Key, Value}]` with the project and service tags.
    pub fn service_tags(&self, service: &str) -> Value {
        template::tags(&[(PROJECT_TAG, &self.project.name), (SERVICE_TAG, service)])
    }

    /// The cluster every service runs in: ours, or the one `x-aws-cluster` names.
    pub fn cluster(&self) -> Value {
        match self.existing_cluster() {
            Some(name) => Value::String(name.to_string()),
            None => template::r#ref(naming::CLUSTER),
        }
    }

    pub fn existing_cluster(&self) -> Option<&str> {
        self.project
            .extensions
            .get("x-aws-cluster")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A top-level `x-aws-*` string extension.
    pub fn project_extension_str(&self, key: &str) -> Option<&str> {
        self.project
            .extensions
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}
