//! `deploy:`: replicas, resources (cpus, memory in bytes, devices, generic resources), placement,
//! update/rollback config and restart policy.

use serde_yaml::Value;

use super::fields::{Cx, Fields};
use crate::loader::value::{index, kind, untag};
use crate::{
    AllDevices, Deploy, DeviceCount, DeviceRequest, DiscreteResourceSpec, Error, GenericResource,
    Placement, ResourceSpec, Resources, RestartPolicy, UpdateConfig,
};

pub(crate) fn normalize(cx: &Cx, value: &Value, path: &str) -> Result<Deploy, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let mut deploy = Deploy {
        mode: f.string("mode")?,
        replicas: f.unsigned("replicas")?,
        labels: f.string_map("labels")?,
        endpoint_mode: f.string("endpoint_mode")?,
        ..Default::default()
    };
    if let Some(v) = f.raw("update_config") {
        deploy.update_config = Some(update_config(cx, v, &f.path_of("update_config"))?);
    }
    if let Some(v) = f.raw("rollback_config") {
        deploy.rollback_config = Some(update_config(cx, v, &f.path_of("rollback_config"))?);
    }
    if let Some(v) = f.raw("resources") {
        deploy.resources = resources(cx, v, &f.path_of("resources"))?;
    }
    if let Some(v) = f.raw("restart_policy") {
        let mut r = Fields::new(cx, v, &f.path_of("restart_policy"))?;
        let mut policy = RestartPolicy {
            condition: r.string("condition")?,
            delay: r.duration("delay")?,
            max_attempts: r.unsigned("max_attempts")?,
            window: r.duration("window")?,
            ..Default::default()
        };
        r.finish(&[], None, Some(&mut policy.extensions))?;
        deploy.restart_policy = Some(policy);
    }
    if let Some(v) = f.raw("placement") {
        deploy.placement = placement(cx, v, &f.path_of("placement"))?;
    }
    f.finish(&[], None, Some(&mut deploy.extensions))?;
    Ok(deploy)
}

fn update_config(cx: &Cx, value: &Value, path: &str) -> Result<UpdateConfig, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let mut config = UpdateConfig {
        parallelism: f.unsigned("parallelism")?,
        delay: f.duration("delay")?,
        failure_action: f.string("failure_action")?,
        monitor: f.duration("monitor")?,
        max_failure_ratio: f.float("max_failure_ratio")?,
        order: f.string("order")?,
        ..Default::default()
    };
    f.finish(&[], None, Some(&mut config.extensions))?;
    Ok(config)
}

fn resources(cx: &Cx, value: &Value, path: &str) -> Result<Resources, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let mut r = Resources::default();
    if let Some(v) = f.raw("limits") {
        r.limits = Some(resource_spec(cx, v, &f.path_of("limits"))?);
    }
    if let Some(v) = f.raw("reservations") {
        r.reservations = Some(resource_spec(cx, v, &f.path_of("reservations"))?);
    }
    f.finish(&[], None, Some(&mut r.extensions))?;
    Ok(r)
}

fn resource_spec(cx: &Cx, value: &Value, path: &str) -> Result<ResourceSpec, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let cpus_path = f.path_of("cpus");
    let cpus = f.float("cpus")?;
    if cpus.is_some_and(|c| c < 0.0) {
        return Err(cx.error(&cpus_path, "cpus must not be negative"));
    }
    let mut spec = ResourceSpec {
        cpus,
        memory: f.size("memory")?,
        pids: f.integer("pids")?,
        ..Default::default()
    };
    if let Some(v) = f.raw("devices") {
        spec.devices = devices(cx, v, &f.path_of("devices"))?;
    }
    if let Some(v) = f.raw("generic_resources") {
        spec.generic_resources = generic_resources(cx, v, &f.path_of("generic_resources"))?;
    }
    f.finish(&[], None, Some(&mut spec.extensions))?;
    Ok(spec)
}

fn devices(cx: &Cx, value: &Value, path: &str) -> Result<Vec<DeviceRequest>, Error> {
    let Value::Sequence(seq) = untag(value) else {
        return Err(cx.error(path, format!("must be a list, not {}", kind(value))));
    };
    let mut out = Vec::new();
    for (i, item) in seq.iter().enumerate() {
        let p = index(path, i);
        let mut f = Fields::new(cx, item, &p)?;
        let count_path = f.path_of("count");
        let count = match f.raw("count") {
            None => None,
            Some(v) => match untag(v) {
                Value::String(s) if s.eq_ignore_ascii_case("all") => {
                    Some(DeviceCount::All(AllDevices::All))
                }
                // compose-go's own spelling of "all" (what `docker compose config` prints).
                Value::Number(n) if n.as_i64() == Some(-1) => {
                    Some(DeviceCount::All(AllDevices::All))
                }
                _ => Some(DeviceCount::Count(cx.convert(v, &count_path, |v| {
                    crate::loader::normalize::units::unsigned::<u32>(v)
                        .map_err(|_| "count must be a number or \"all\"".to_string())
                })?)),
            },
        };
        if f.raw("capabilities").is_none() {
            return Err(cx.error(&p, "a device request needs `capabilities` (e.g. [gpu])"));
        }
        let device_ids = f.strings("device_ids")?;
        // Neither a count nor device ids: every device, as compose-go reads it (it prints
        // `count: -1`).
        let count = match count {
            None if device_ids.is_empty() => Some(DeviceCount::All(AllDevices::All)),
            count => count,
        };
        let device = DeviceRequest {
            capabilities: f.strings("capabilities")?,
            driver: f.string("driver")?,
            count,
            device_ids,
            options: f.string_map("options")?,
        };
        f.finish(&[], None, None)?;
        out.push(device);
    }
    Ok(out)
}

fn generic_resources(cx: &Cx, value: &Value, path: &str) -> Result<Vec<GenericResource>, Error> {
    let Value::Sequence(seq) = untag(value) else {
        return Err(cx.error(path, format!("must be a list, not {}", kind(value))));
    };
    let mut out = Vec::new();
    for (i, item) in seq.iter().enumerate() {
        let p = index(path, i);
        let mut f = Fields::new(cx, item, &p)?;
        let mut resource = GenericResource::default();
        if let Some(v) = f.raw("discrete_resource_spec") {
            let sp = f.path_of("discrete_resource_spec");
            let mut d = Fields::new(cx, v, &sp)?;
            let kind_name = d
                .string("kind")?
                .ok_or_else(|| cx.error(&sp, "a discrete_resource_spec needs a `kind`"))?;
            let mut spec = DiscreteResourceSpec {
                kind: kind_name,
                value: d.integer("value")?.unwrap_or(0),
                ..Default::default()
            };
            d.finish(&[], None, Some(&mut spec.extensions))?;
            resource.discrete_resource_spec = Some(spec);
        }
        f.finish(&[], None, Some(&mut resource.extensions))?;
        out.push(resource);
    }
    Ok(out)
}

fn placement(cx: &Cx, value: &Value, path: &str) -> Result<Placement, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let mut p = Placement {
        constraints: f.strings("constraints")?,
        max_replicas_per_node: f.unsigned("max_replicas_per_node")?,
        ..Default::default()
    };
    if let Some(v) = f.raw("preferences") {
        let pp = f.path_of("preferences");
        let Value::Sequence(seq) = untag(v) else {
            return Err(cx.error(&pp, format!("must be a list, not {}", kind(v))));
        };
        for (i, item) in seq.iter().enumerate() {
            p.preferences.push(cx.string_map(item, &index(&pp, i))?);
        }
    }
    f.finish(&[], None, Some(&mut p.extensions))?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::normalize::fields::with_doc;

    fn deploy(yaml: &str) -> Result<Deploy, String> {
        with_doc(yaml, |cx, doc| {
            normalize(cx, doc, "d").map_err(|e| e.to_string())
        })
    }

    #[test]
    fn resources_in_bytes_and_vcpus() {
        let d = deploy("replicas: \"2\"\nresources:\n  limits: {cpus: '0.5', memory: 512M}\n  reservations: {cpus: 1, memory: 1gb}\n").unwrap();
        assert_eq!(d.replicas, Some(2));
        let limits = d.resources.limits.unwrap();
        assert_eq!(limits.cpus, Some(0.5));
        assert_eq!(limits.memory, Some(512 * 1024 * 1024));
        assert_eq!(d.resources.reservations.unwrap().memory, Some(1 << 30));
        // No CPUs at all is a value; fewer than none is not.
        let d = deploy("resources: {limits: {cpus: 0}}\n").unwrap();
        assert_eq!(d.resources.limits.unwrap().cpus, Some(0.0));
        let err = deploy("resources: {reservations: {devices: [{count: some}]}}\n").unwrap_err();
        assert!(err.contains("count"), "{err}");
        let err = deploy("resources: {limits: {cpus: -0.5}}\n").unwrap_err();
        assert!(err.contains("cpus must not be negative"), "{err}");
    }

    #[test]
    fn devices_and_generic_resources() {
        let d = deploy("resources:\n  reservations:\n    devices: [{capabilities: [gpu], count: all}, {capabilities: [gpu], count: 2}, {capabilities: [gpu], count: -1}, {capabilities: [gpu]}, {capabilities: [gpu], device_ids: ['0']}]\n    generic_resources: [{discrete_resource_spec: {kind: gpus, value: 1}}]\n").unwrap();
        let r = d.resources.reservations.unwrap();
        assert_eq!(r.devices[0].count, Some(DeviceCount::All(AllDevices::All)));
        assert_eq!(r.devices[1].count, Some(DeviceCount::Count(2)));
        assert_eq!(r.devices[2].count, Some(DeviceCount::All(AllDevices::All)));
        // No count and no device ids: all of them, as compose-go reads it.
        assert_eq!(r.devices[3].count, Some(DeviceCount::All(AllDevices::All)));
        assert_eq!(r.devices[4].count, None);
        assert_eq!(
            deploy("resources: {reservations: {devices: [{driver: nvidia}]}}\n").unwrap_err(),
            "compose.yaml: d.resources.reservations.devices[0]: a device request needs `capabilities` (e.g. [gpu])"
        );
        assert_eq!(
            r.generic_resources[0]
                .discrete_resource_spec
                .as_ref()
                .unwrap()
                .value,
            1
        );
    }

    #[test]
    fn placement_update_config_and_extensions() {
        let d = deploy("placement: {constraints: [node.ami == ami-1], preferences: [{spread: zone}]}\nupdate_config: {parallelism: 2, delay: 10s}\nx-aws-autoscaling: {max: 3}\n").unwrap();
        assert_eq!(d.placement.constraints, vec!["node.ami == ami-1"]);
        assert_eq!(
            d.update_config.unwrap().delay.map(|x| x.as_secs()),
            Some(10)
        );
        assert!(d.extensions.contains_key("x-aws-autoscaling"));
    }

    #[test]
    fn x_keys_are_kept_where_compose_keeps_them() {
        let d = deploy(concat!(
            "update_config: {parallelism: 1, x-aws-min_percent: 50, x-aws-max_percent: 200}\n",
            "rollback_config: {x-a: 1}\n",
            "restart_policy: {condition: any, x-b: 2}\n",
            "placement: {x-c: 3}\n",
            "resources:\n  x-r: 0\n  limits: {cpus: 1, x-d: 4}\n",
            "  reservations:\n    generic_resources: [{x-e: 5, discrete_resource_spec: {kind: g, value: 1, x-f: 6}}]\n",
        ))
        .unwrap();
        let update = d.update_config.unwrap();
        assert_eq!(update.parallelism, Some(1));
        assert_eq!(update.extensions["x-aws-min_percent"], 50);
        assert_eq!(update.extensions["x-aws-max_percent"], 200);
        assert_eq!(d.rollback_config.unwrap().extensions["x-a"], 1);
        assert_eq!(d.restart_policy.unwrap().extensions["x-b"], 2);
        assert!(!d.placement.is_empty());
        assert_eq!(d.placement.extensions["x-c"], 3);
        assert_eq!(d.resources.extensions["x-r"], 0);
        assert_eq!(d.resources.limits.unwrap().extensions["x-d"], 4);
        let generic = &d.resources.reservations.unwrap().generic_resources[0];
        assert_eq!(generic.extensions["x-e"], 5);
        let spec = generic.discrete_resource_spec.as_ref().unwrap();
        assert_eq!(spec.extensions["x-f"], 6);
    }

    #[test]
    fn errors_name_the_field() {
        let err = deploy("resources: {limits: {cpus: lots}}\n").unwrap_err();
        assert!(
            err.contains("d.resources.limits.cpus: must be a number, not \"lots\""),
            "{err}"
        );
        let err = deploy("replicas: -1\n").unwrap_err();
        assert!(err.contains("d.replicas"), "{err}");
        let err = deploy("resources: {limits: {memroy: 1g}}\n").unwrap_err();
        assert!(err.contains("did you mean \"memory\""), "{err}");
    }
}
