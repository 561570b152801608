//! The deploy crate's integration tests, in one binary so that an edit links the AWS SDK once, not
//! once per test file. `support` holds the mocked clients and CloudFormation fixtures they share.
//! The local-AWS tests (`operate_moto`) start their own server.

mod support;

mod account;
mod aws_errors;
mod concurrent;
mod down;
mod dryrun;
mod exec;
mod hosted_zones;
mod iam_policy;
mod interrupt;
mod operate_logs;
mod operate_ls;
mod operate_moto;
mod operate_ps;
mod operate_secrets;
mod redeploy;
mod run;
mod up;
