//! The AWS side of `docker ecs`: deploy a built template through CloudFormation change sets with a
//! live progress view, tear it down, and operate the running app (ps, logs, secrets, ls).
//!
//! Knows nothing of Compose parsing: it takes a [`template_builder::Built`] and the project name.

pub mod aws;
pub mod error;

pub use aws::{AwsOptions, Clients};
pub use error::Error;
