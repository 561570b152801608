//! The AWS side of `docker ecs`: deploy a built template through CloudFormation change sets with a
//! live progress view, tear it down, and operate the running app (ps, logs, secrets, ls).
//!
//! Knows nothing of Compose parsing: it takes a [`template_builder::Built`] and the project name.
//!
//! Layout: `lifecycle/` deploys and removes (up, its dry run, down), `operate/` works with what is
//! deployed (ps, logs, exec, secrets, ls, redeploy); the AWS plumbing both share is at the top:
//! `aws` (clients), `failed_calls` (what a call without a usable AWS answer says), `limits` (how
//! long AWS may take), `error` (the one path from an SDK error to ours), `stack` (the project's
//! CloudFormation stack), `interrupt` (Ctrl-C) and `table` (command output).

// A dependency nothing uses fails the lint (dev-dependencies are not part of the non-test build).
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod aws;
mod error;
mod failed_calls;
mod interrupt;
mod lifecycle;
mod limits;
mod operate;
mod stack;
mod table;

pub use aws::{AwsOptions, Clients};
pub use error::Error;
pub use interrupt::Interrupts;
pub use lifecycle::{down, dryrun, hosted_zones, images, parameters, preconditions, progress, up};
pub use limits::Limits;
pub use operate::{
    exec, jobs, log_format, logs, ls, metrics, ports, ps, redeploy, run, secrets, stack_info,
    time_args,
};
pub use table::render_json;
