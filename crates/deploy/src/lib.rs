//! The AWS side of `docker ecs`: deploy a built template through CloudFormation change sets with a
//! live progress view, tear it down, and operate the running app (ps, logs, secrets, ls).
//!
//! Knows nothing of Compose parsing: it takes a [`template_builder::Built`] and the project name.

pub mod aws;
pub mod error;
pub mod exec;
// ps / logs / secret / ls
pub mod log_format;
pub mod logs;
pub mod ls;
pub mod ports;
pub mod ps;
pub mod secrets;
pub mod stack_info;
pub mod table;
pub mod time_args;
// up / down
pub mod changeset;
pub mod cleanup;
pub mod down;
pub mod dryrun;
pub mod events;
pub mod interrupt;
pub mod parameters;
pub mod preconditions;
pub mod progress;
pub mod redeploy;
pub mod resource_names;
pub mod rollouts;
pub mod stack;
pub mod up;
pub mod upload;
pub mod watch;

pub use aws::{AwsOptions, Clients};
pub use error::Error;
