//! CPU and memory use of the project's ECS services, for `ps`'s `CPU %` and `MEM %` columns: the
//! `AWS/ECS` metrics `CPUUtilization` and `MemoryUtilization` of each service (dimensions
//! `ClusterName`, `ServiceName`), which ECS publishes every minute on every cluster, Container
//! Insights or not. Each value is the service's average over its running tasks (CPU and memory used
//! against what the task definitions reserve), taken from the latest one-minute datapoint of the last
//! ten minutes.
//!
//! One GetMetricData call asks for every service at once (two queries a service; a call takes 500).
//! Metrics are decoration: a service without a datapoint (new, or ECS has not published yet) has
//! none, and a call that fails (a policy without `cloudwatch:GetMetricData`, a CloudWatch that does
//! not answer within [`WAIT`]) leaves every value out with one warning, never failing `ps`.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use aws_sdk_cloudwatch::Client as CloudWatch;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::DateTime;

use crate::operate::stack_info::AppService;
use crate::Error;

const NAMESPACE: &str = "AWS/ECS";
const CPU_METRIC: &str = "CPUUtilization";
const MEMORY_METRIC: &str = "MemoryUtilization";
/// ECS publishes its service metrics once a minute.
const PERIOD_SECONDS: i32 = 60;
/// How far back the latest datapoint is looked for.
const WINDOW_SECONDS: i64 = 600;
/// GetMetricData accepts at most this many queries per call.
const MAX_QUERIES: usize = 500;
/// How long `ps` waits for CloudWatch before showing its table without the values.
pub const WAIT: Duration = Duration::from_secs(10);

/// The permission GetMetricData needs, as a policy names it.
const PERMISSION: &str = "cloudwatch:GetMetricData";

/// A service's CPU and memory use, in percent of what its tasks reserve (over 100 when a task
/// uses more than its containers reserve, within the task's size).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
}

/// The usage of each service that has a datapoint, by Compose service name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceUsage {
    by_service: BTreeMap<String, Usage>,
}

impl ServiceUsage {
    /// The usage of the Compose service `name`; none of either when CloudWatch had no datapoint.
    pub fn of(&self, name: &str) -> Usage {
        self.by_service.get(name).copied().unwrap_or_default()
    }

    /// Set a service's usage (tests, and services read from elsewhere).
    pub fn insert(&mut self, name: impl Into<String>, usage: Usage) {
        self.by_service.insert(name.into(), usage);
    }
}

/// What [`load`] found: the values, and why there are none when the call failed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    pub usage: ServiceUsage,
    /// One line for stderr when the metrics could not be read.
    pub warning: Option<String>,
}

/// The CPU and memory use of `services`, read in one GetMetricData call (one per 250 services).
pub async fn load(cloudwatch: &CloudWatch, services: &[AppService]) -> Loaded {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    match tokio::time::timeout(WAIT, load_at(cloudwatch, services, now)).await {
        Ok(loaded) => loaded,
        Err(_) => Loaded {
            usage: ServiceUsage::default(),
            warning: Some(format!(
                "CPU % and MEM % are not shown: CloudWatch GetMetricData did not answer within {} s",
                WAIT.as_secs()
            )),
        },
    }
}

/// [`load`] at `now` (seconds since the epoch), without the overall wait.
pub async fn load_at(cloudwatch: &CloudWatch, services: &[AppService], now: i64) -> Loaded {
    let (start, end) = window(now);
    let mut usage = ServiceUsage::default();
    for (batch, chunk) in services.chunks(MAX_QUERIES / 2).enumerate() {
        let offset = batch * (MAX_QUERIES / 2);
        let queries = chunk
            .iter()
            .enumerate()
            .flat_map(|(i, service)| queries(offset + i, service))
            .collect();
        let mut pages = cloudwatch
            .get_metric_data()
            .set_metric_data_queries(Some(queries))
            .start_time(DateTime::from_secs(start))
            .end_time(DateTime::from_secs(end))
            .scan_by(ScanBy::TimestampDescending)
            .into_paginator()
            .send();
        let mut latest = Latest::default();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    for result in page.metric_data_results() {
                        if let Some(id) = result.id() {
                            latest.add(id, result.timestamps(), result.values());
                        }
                    }
                }
                Err(err) => {
                    return Loaded {
                        usage: ServiceUsage::default(),
                        warning: Some(warning(err)),
                    }
                }
            }
        }
        for (i, service) in chunk.iter().enumerate() {
            let index = offset + i;
            let found = Usage {
                cpu: latest.value(&query_id("cpu", index)),
                memory: latest.value(&query_id("mem", index)),
            };
            if found != Usage::default() {
                usage.insert(service.name.clone(), found);
            }
        }
    }
    Loaded {
        usage,
        warning: None,
    }
}

/// The time range asked for: the last [`WINDOW_SECONDS`] up to the end of the current minute
/// (CloudWatch answers fastest for ranges on period boundaries).
fn window(now: i64) -> (i64, i64) {
    let period = i64::from(PERIOD_SECONDS);
    let end = (now.div_euclid(period) + 1) * period;
    (end - WINDOW_SECONDS, end)
}

/// `cpu_3`: a query id must start with a lowercase letter.
fn query_id(metric: &str, index: usize) -> String {
    format!("{metric}_{index}")
}

/// The CPU and memory queries of the service at `index`.
fn queries(index: usize, service: &AppService) -> [MetricDataQuery; 2] {
    let query = |id: &str, metric: &str| {
        MetricDataQuery::builder()
            .id(query_id(id, index))
            .metric_stat(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .namespace(NAMESPACE)
                            .metric_name(metric)
                            .dimensions(
                                Dimension::builder()
                                    .name("ClusterName")
                                    .value(&service.cluster)
                                    .build(),
                            )
                            .dimensions(
                                Dimension::builder()
                                    .name("ServiceName")
                                    .value(&service.ecs_name)
                                    .build(),
                            )
                            .build(),
                    )
                    .period(PERIOD_SECONDS)
                    .stat("Average")
                    .build(),
            )
            .return_data(true)
            .build()
    };
    [query("cpu", CPU_METRIC), query("mem", MEMORY_METRIC)]
}

/// The newest datapoint of each query, over every page of the answer.
#[derive(Debug, Default)]
struct Latest {
    /// Query id -> (timestamp in seconds, value).
    by_id: BTreeMap<String, (f64, f64)>,
}

impl Latest {
    fn add(&mut self, id: &str, timestamps: &[DateTime], values: &[f64]) {
        for (at, value) in timestamps.iter().zip(values) {
            let at = at.as_secs_f64();
            if !value.is_finite() {
                continue;
            }
            let newer = self.by_id.get(id).is_none_or(|(latest, _)| at > *latest);
            if newer {
                self.by_id.insert(id.to_string(), (at, *value));
            }
        }
    }

    fn value(&self, id: &str) -> Option<f64> {
        self.by_id.get(id).map(|(_, value)| *value)
    }
}

/// The warning line of a failed call: a missing permission named as a policy names it.
fn warning<E>(err: E) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let denied = err
        .code()
        .is_some_and(|code| code.starts_with("AccessDenied") || code == "UnauthorizedOperation");
    if denied {
        let said = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_string(),
            _ => String::new(),
        };
        format!(
            "CPU % and MEM % are not shown: these credentials may not call {PERMISSION} ({said}); \
             add it to your docker-ecs policy (docs/iam-policy.json)"
        )
    } else {
        let err = Error::aws("reading the services' CPU and memory use", err);
        format!("CPU % and MEM % are not shown: {err}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_the_last_ten_minutes_to_the_end_of_this_minute() {
        assert_eq!(window(1_000_000_030), (1_000_000_020 - 540, 1_000_000_080));
        // On a minute boundary the current minute is still included.
        assert_eq!(window(1_000_000_020), (1_000_000_020 - 540, 1_000_000_080));
    }

    #[test]
    fn the_newest_datapoint_wins_whatever_the_order_and_page() {
        let mut latest = Latest::default();
        latest.add(
            "cpu_0",
            &[DateTime::from_secs(120), DateTime::from_secs(180)],
            &[10.0, 30.0],
        );
        latest.add("cpu_0", &[DateTime::from_secs(60)], &[99.0]);
        latest.add("mem_0", &[], &[]);
        latest.add("mem_1", &[DateTime::from_secs(60)], &[f64::NAN]);
        assert_eq!(latest.value("cpu_0"), Some(30.0));
        assert_eq!(latest.value("mem_0"), None);
        assert_eq!(latest.value("mem_1"), None);
    }

    #[test]
    fn each_service_is_asked_by_its_cluster_and_ecs_name() {
        let service = AppService {
            name: "web".into(),
            ecs_name: "app-WebService-AbC".into(),
            arn: String::new(),
            cluster: "app-Cluster-XyZ".into(),
            status: "active".into(),
            desired: 1,
            running: 1,
            pending: 0,
            targets: vec![],
            task_definition: None,
            image: None,
        };
        let [cpu, memory] = queries(7, &service);
        assert_eq!(cpu.id(), Some("cpu_7"));
        assert_eq!(memory.id(), Some("mem_7"));
        let stat = memory.metric_stat().unwrap();
        assert_eq!((stat.period(), stat.stat()), (Some(60), Some("Average")));
        let metric = stat.metric().unwrap();
        assert_eq!(metric.namespace(), Some("AWS/ECS"));
        assert_eq!(metric.metric_name(), Some("MemoryUtilization"));
        let dimensions: Vec<(&str, &str)> = metric
            .dimensions()
            .iter()
            .map(|d| (d.name().unwrap(), d.value().unwrap()))
            .collect();
        assert_eq!(
            dimensions,
            [
                ("ClusterName", "app-Cluster-XyZ"),
                ("ServiceName", "app-WebService-AbC")
            ]
        );
    }
}
