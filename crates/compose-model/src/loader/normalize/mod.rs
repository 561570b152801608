//! The merged document into the model's long forms: one module per part of the spec.

pub(crate) mod build;
pub(crate) mod command;
pub(crate) mod deploy;
pub(crate) mod environment;
pub(crate) mod fields;
pub(crate) mod healthcheck;
pub(crate) mod ports;
pub(crate) mod references;
pub(crate) mod service;
pub(crate) mod top_level;
pub(crate) mod units;
pub(crate) mod volumes;

use std::collections::BTreeMap;

use serde_yaml::Value;

use fields::{Cx, Fields};

use crate::{Error, Project};

/// Everything of the project but its name and files (the caller knows those).
pub(crate) fn project(cx: &Cx, doc: &Value) -> Result<Project, Error> {
    let mut f = Fields::new(cx, doc, "")?;
    // Read by the caller (name) or already applied (include); `version` is obsolete.
    let _ = f.raw("name");
    let _ = f.raw("version");
    let mut project = Project::default();
    if let Some(v) = f.raw("services") {
        for (name, path, value) in cx.named_entries(v, "services")? {
            let service = service::normalize(cx, &name, value, &path)?;
            project.services.insert(name, service);
        }
    }
    if let Some(v) = f.raw("networks") {
        project.networks = top_level::networks(cx, v, "networks")?;
    }
    if let Some(v) = f.raw("volumes") {
        project.volumes = top_level::volumes(cx, v, "volumes")?;
    }
    if let Some(v) = f.raw("secrets") {
        project.secrets = top_level::secrets(cx, v, "secrets", "secret")?;
    }
    if let Some(v) = f.raw("configs") {
        project.configs = top_level::secrets(cx, v, "configs", "config")?;
    }
    let mut extensions = BTreeMap::new();
    f.finish(&["models"], None, Some(&mut extensions))?;
    project.extensions = extensions;
    Ok(project)
}
