//! Deploying and removing the app: `up` (and its dry run, `diff`) and `down`, each through
//! CloudFormation. `up` reads the account (`parameters`, `preconditions`, `hosted_zones` of custom domains), makes a change set
//! (`changeset`, `upload` for large templates), executes it and follows the stack (`watch`: its
//! `events` and the ECS `rollouts`, shown through `progress` with `resource_names`); what a run
//! leaves behind when it stops early is removed by `cleanup`. The images of `build:` services are
//! built and pushed to Amazon ECR first (`images`, `registry`).

pub mod down;
pub mod dryrun;
pub mod hosted_zones;
pub mod images;
pub mod parameters;
pub mod preconditions;
pub mod progress;
pub mod up;

mod changeset;
mod cleanup;
mod contention;
mod events;
mod hold_back;
mod live_view;
mod mount_targets;
mod one_off;
mod property_diff;
mod registry;
mod resource_names;
pub(crate) mod rollouts;
mod upload;
mod watch;
