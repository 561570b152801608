//! How ECS replaces a service's tasks on an update: `DeploymentConfiguration` percents from
//! `deploy.update_config` and `x-aws-min_percent` / `x-aws-max_percent`, and the task count they are
//! percents of. Shared by the ECS service and by the GPU capacity, which keeps room for a rolling
//! deployment.

use compose_model::Service;
use serde_json::Value;

use crate::{extensions, Error};

/// (MinimumHealthyPercent, MaximumPercent): `x-aws-min_percent`/`x-aws-max_percent`, else from
/// `update_config`: `order: stop-first` replaces `parallelism` (default 1) tasks at a time with no
/// task beyond `replicas` (4 replicas, parallelism 2 -> 50/100), `start-first` starts them before
/// stopping the old ones (-> 100/150), `parallelism` alone does both (-> 50/150). Without any, a
/// single task writing to a named volume is replaced stop-first (0/100), as `docker compose up`
/// recreates a container: two database servers must not share its files, even for a minute.
/// Anything else 100/200.
pub fn percents(name: &str, service: &Service) -> Result<(u32, u32), Error> {
    let (mut min, mut max) = (100, 200);
    let update = service
        .deploy
        .as_ref()
        .and_then(|d| d.update_config.as_ref());
    let parallelism = update.and_then(|u| u.parallelism).filter(|p| *p > 0);
    let order = update.and_then(|u| u.order.as_deref());
    let replicas = u64::from(desired_count(service).max(1));
    let p = u64::from(parallelism.unwrap_or(1)).min(replicas);
    let lowered = ((replicas - p) * 100 / replicas) as u32;
    let raised = ((replicas + p) * 100).div_ceil(replicas) as u32;
    match order {
        Some("stop-first") => (min, max) = (lowered, 100),
        Some("start-first") => (min, max) = (100, raised),
        Some(other) => {
            return Err(Error {
                service: Some(name.to_string()),
                attribute: "deploy.update_config.order".into(),
                message: format!("{other:?}: expected stop-first or start-first"),
            })
        }
        None if parallelism.is_some() => (min, max) = (lowered, raised),
        None if replicas == 1 && writes_a_volume(service) => (min, max) = (0, 100),
        None => {}
    }
    if let Some(value) = percent_extension(name, service, "x-aws-min_percent")? {
        min = value;
    }
    if let Some(value) = percent_extension(name, service, "x-aws-max_percent")? {
        max = value;
    }
    if min > 100 || max < 100 || max <= min {
        return Err(Error {
            service: Some(name.to_string()),
            attribute: "x-aws-min_percent".into(),
            message: format!(
                "minimum healthy {min}% and maximum {max}%: ECS needs minimum <= 100 <= maximum, with minimum < maximum"
            ),
        });
    }
    Ok((min, max))
}

/// The task count the service asks for: `deploy.replicas`, else `scale`, else 1.
pub fn desired_count(service: &Service) -> u32 {
    service
        .deploy
        .as_ref()
        .and_then(|d| d.replicas)
        .or_else(|| {
            service
                .other
                .get("scale")
                .and_then(Value::as_u64)
                .map(|n| n as u32)
        })
        .unwrap_or(1)
}

/// Whether the service mounts a named volume read-write.
fn writes_a_volume(service: &Service) -> bool {
    service
        .volumes
        .iter()
        .any(|v| v.kind == compose_model::VolumeType::Volume && v.source.is_some() && !v.read_only)
}

fn percent_extension(name: &str, service: &Service, key: &str) -> Result<Option<u32>, Error> {
    let Some(found) = extensions::find(name, service, key, extensions::PERCENTS)? else {
        return Ok(None);
    };
    let value = found.value;
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
        .map(|n| Some(n as u32))
        .ok_or_else(|| Error {
            service: Some(name.to_string()),
            attribute: found.attribute(key),
            message: format!("expected a whole percentage, got {value}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use compose_model::{Deploy, UpdateConfig};
    use serde_json::json;

    fn service(replicas: u32, parallelism: Option<u32>) -> Service {
        Service {
            deploy: Some(Deploy {
                replicas: Some(replicas),
                update_config: parallelism.map(|p| UpdateConfig {
                    parallelism: Some(p),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn percents_default_to_100_200() {
        assert_eq!(percents("web", &service(1, None)).unwrap(), (100, 200));
    }

    #[test]
    fn parallelism_sets_percents() {
        assert_eq!(percents("web", &service(4, Some(2))).unwrap(), (50, 150));
        assert_eq!(percents("web", &service(3, Some(1))).unwrap(), (66, 134));
        assert_eq!(percents("web", &service(1, Some(5))).unwrap(), (0, 200));
    }

    #[test]
    fn a_parallelism_of_0_counts_as_unset() {
        assert_eq!(percents("web", &service(4, Some(0))).unwrap(), (100, 200));
        let mut stop_first = service(4, Some(0));
        stop_first.deploy.as_mut().unwrap().update_config = Some(UpdateConfig {
            parallelism: Some(0),
            order: Some("stop-first".into()),
            ..Default::default()
        });
        assert_eq!(percents("web", &stop_first).unwrap(), (75, 100));
    }

    #[test]
    fn update_order_decides_which_side_of_replicas_moves() {
        let ordered = |replicas, parallelism, order: &str| {
            let mut s = service(replicas, parallelism);
            let deploy = s.deploy.as_mut().unwrap();
            deploy
                .update_config
                .get_or_insert_with(Default::default)
                .order = Some(order.into());
            percents("web", &s)
        };
        assert_eq!(ordered(4, Some(2), "stop-first").unwrap(), (50, 100));
        assert_eq!(ordered(4, Some(2), "start-first").unwrap(), (100, 150));
        assert_eq!(ordered(1, None, "stop-first").unwrap(), (0, 100));
        assert_eq!(ordered(3, None, "start-first").unwrap(), (100, 134));
        let err = ordered(1, None, "rolling").unwrap_err();
        assert_eq!(err.attribute, "deploy.update_config.order");
    }

    #[test]
    fn a_single_task_writing_a_volume_is_replaced_stop_first() {
        let mount = |read_only| compose_model::ServiceVolume {
            kind: compose_model::VolumeType::Volume,
            source: Some("pgdata".into()),
            target: "/var/lib/postgresql/data".into(),
            read_only,
            volume: None,
            tmpfs: None,
            other: Default::default(),
        };
        let mut db = service(1, None);
        db.volumes.push(mount(false));
        assert_eq!(percents("db", &db).unwrap(), (0, 100));
        // Read-only, or several replicas sharing it on purpose: rolling as usual.
        db.volumes[0] = mount(true);
        assert_eq!(percents("db", &db).unwrap(), (100, 200));
        let mut shared = service(2, None);
        shared.volumes.push(mount(false));
        assert_eq!(percents("web", &shared).unwrap(), (100, 200));
    }

    #[test]
    fn extensions_win() {
        let mut s = service(4, Some(2));
        s.extensions.insert("x-aws-min_percent".into(), json!(25));
        s.extensions
            .insert("x-aws-max_percent".into(), json!("125"));
        assert_eq!(percents("web", &s).unwrap(), (25, 125));
        s.extensions.insert("x-aws-max_percent".into(), json!(90));
        let err = percents("web", &s).unwrap_err();
        assert!(err.message.contains("90%"), "{err}");
    }
}
