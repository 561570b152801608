//! Build and push the images of `build:` sections with the user's own docker CLI, so the daemon,
//! context, BuildKit and credentials the user already has are the ones used. Knows nothing of AWS:
//! its input is the build plan of the template builder ([`template_builder::ImageBuild`]), its
//! output image ids and pushed manifest digests; the registry credentials come from the caller.
//!
//! [`Docker::connect`] finds the CLI and its daemon, [`Docker::check`] reports everything that
//! would stop a build before anything is built, [`Docker::build_all`] builds several images at once,
//! [`Docker::push`] pushes one with credentials that never reach the user's docker config or any
//! command line. Progress is a stream of [`BuildEvent`]s; this crate prints nothing.
//!
//! One file per concern: `docker` (the CLI and its daemon), `check`, `args` (the `docker build`
//! command line of a spec), `build`, `derive` (a service's image plus files of the project), `push`
//! (temporary docker config, digest), `output` (docker's output as clean lines), `events`, `error`.

// Every dependency in Cargo.toml is used, or clippy -D warnings says which is not. (Unit-test builds
// also see the dev-dependencies, which only some targets use.)
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod args;
mod build;
mod check;
mod derive;
mod docker;
mod error;
mod events;
mod output;
mod push;

pub use build::{local_tag, LocalImage, LOCAL_REGISTRY, TAIL_LINES};
pub use docker::{Docker, DOCKER_CLI_VARIABLE};
pub use error::{Error, Problem};
pub use events::BuildEvent;
pub use push::RegistryAuth;
