//! The plugin's integration tests, in one binary: the real `docker-ecs` binary run as a user runs
//! it, directly and through the docker CLI, against a local AWS API (moto) that each test starts and
//! stops itself. One binary links the crates once and lets the end-to-end tests run in parallel.
//! `common` holds the shared helpers (running the binary, the moto server, example copies).

mod common;

mod aws_errors_cli;
mod compose_reference;
mod config_cli;
mod convert_errors;
mod e2e_build;
mod e2e_diff;
mod e2e_domains;
mod e2e_examples;
mod e2e_exec;
mod e2e_features;
mod e2e_mounts;
mod e2e_operate;
mod e2e_subnets;
mod e2e_up_down;
mod exec_cli;
mod moto_launcher;
mod plugin_cli;
