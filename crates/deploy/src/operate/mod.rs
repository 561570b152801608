//! Operating a deployed app: `ps` (with the published `ports` and the services' CPU and memory use,
//! `metrics`), `logs` (printed by `log_format`),
//! `exec`, `secret`, `ls` and `up --force-new-deployment` (`redeploy`). Each reads what the project's
//! stack holds through `stack_info`; `time_args` reads the `--since`/`--until` points in time.

pub mod exec;
pub mod jobs;
pub mod log_format;
pub mod logs;
pub mod ls;
pub mod metrics;
pub mod ports;
pub mod ps;
pub mod redeploy;
pub mod run;
pub mod secrets;
pub mod stack_info;
pub mod time_args;
