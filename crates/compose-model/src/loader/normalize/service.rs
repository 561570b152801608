//! One service: every attribute of the Compose Specification either typed into [`Service`], kept in
//! `Service.other` (valid Compose the model does not type), or an `x-` extension. Anything else is
//! an unknown-key error.

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::fields::{Cx, Fields};
use super::{build, command, deploy, environment, healthcheck, ports, references, volumes};
use crate::loader::value::{child, index, key_string, kind, to_json, untag};
use crate::{Error, Logging, Service, Ulimit};

/// Service attributes of the spec that the model keeps as written in `Service.other`.
pub(crate) const UNTYPED: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "cgroup",
    "cgroup_parent",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "develop",
    "device_cgroup_rules",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "ipc",
    "isolation",
    "label_file",
    "links",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "post_start",
    "pre_stop",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "runtime",
    "scale",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tty",
    "use_api_socket",
    "userns_mode",
    "uts",
    "volumes_from",
];

pub(crate) fn normalize(cx: &Cx, name: &str, value: &Value, path: &str) -> Result<Service, Error> {
    if matches!(untag(value), Value::Null) {
        return Err(cx.error(path, "a service needs at least an `image` or a `build`"));
    }
    let mut f = Fields::new(cx, value, path)?;
    let mut s = Service {
        name: name.to_string(),
        image: f.string("image")?,
        working_dir: f.string("working_dir")?,
        user: f.string("user")?,
        labels: f.string_map("labels")?,
        expose: f.strings("expose")?,
        tmpfs: f.string_or_list("tmpfs")?,
        init: f.bool("init")?,
        cap_add: f.strings("cap_add")?,
        cap_drop: f.strings("cap_drop")?,
        read_only: f.bool("read_only")?,
        stop_grace_period: f.duration("stop_grace_period")?,
        platform: f.string("platform")?,
        profiles: f.strings("profiles")?,
        privileged: f.bool("privileged")?,
        restart: f.string("restart")?,
        hostname: f.string("hostname")?,
        container_name: f.string("container_name")?,
        ..Default::default()
    };
    if let Some(v) = f.raw("build") {
        s.build = Some(build::normalize(cx, v, &f.path_of("build"))?);
    }
    if let Some(v) = f.raw("command") {
        s.command = Some(command::normalize(cx, v, &f.path_of("command"))?);
    }
    if let Some(v) = f.raw("entrypoint") {
        s.entrypoint = Some(command::normalize(cx, v, &f.path_of("entrypoint"))?);
    }
    let env_file_path = f.path_of("env_file");
    let (files, file_vars) = environment::env_files(cx, f.raw("env_file"), &env_file_path)?;
    s.env_file = files;
    let env_path = f.path_of("environment");
    s.environment = environment::resolve(cx, f.raw("environment"), &env_path, file_vars)?;
    if let Some(v) = f.raw("ports") {
        s.ports = ports::normalize(cx, v, &f.path_of("ports"))?;
    }
    if let Some(v) = f.raw("volumes") {
        s.volumes = volumes::normalize(cx, v, &f.path_of("volumes"))?;
    }
    if let Some(v) = f.raw("secrets") {
        s.secrets = references::file_references(cx, v, &f.path_of("secrets"))?;
    }
    if let Some(v) = f.raw("configs") {
        s.configs = references::file_references(cx, v, &f.path_of("configs"))?;
    }
    if let Some(v) = f.raw("networks") {
        s.networks = references::networks(cx, v, &f.path_of("networks"))?;
    }
    if let Some(v) = f.raw("depends_on") {
        s.depends_on = references::depends_on(cx, v, &f.path_of("depends_on"))?;
    }
    if let Some(v) = f.raw("healthcheck") {
        s.healthcheck = Some(healthcheck::normalize(cx, v, &f.path_of("healthcheck"))?);
    }
    if let Some(v) = f.raw("deploy") {
        s.deploy = Some(deploy::normalize(cx, v, &f.path_of("deploy"))?);
    }
    if let Some(v) = f.raw("logging") {
        s.logging = Some(logging(cx, v, &f.path_of("logging"))?);
    }
    if let Some(v) = f.raw("ulimits") {
        s.ulimits = ulimits(cx, v, &f.path_of("ulimits"))?;
    }
    if let Some(v) = f.raw("devices") {
        s.devices = devices(cx, v, &f.path_of("devices"))?;
    }
    let mut other = BTreeMap::new();
    if let Some(v) = f.raw("extra_hosts") {
        let hosts = extra_hosts(cx, v, &f.path_of("extra_hosts"))?;
        other.insert("extra_hosts".to_string(), hosts.into());
    }
    if let Some(v) = f.raw("blkio_config") {
        no_extensions_in_blkio_config(cx, v, &f.path_of("blkio_config"))?;
        other.insert("blkio_config".to_string(), to_json(v));
    }
    if let Some(v) = f.raw("sysctls") {
        let sysctls = cx.string_map(v, &f.path_of("sysctls"))?;
        other.insert("sysctls".to_string(), serde_json::json!(sysctls));
    }
    let mut extensions = BTreeMap::new();
    f.finish(UNTYPED, Some(&mut other), Some(&mut extensions))?;
    s.extensions = extensions;
    if let Some(scale) = other.remove("scale") {
        fold_scale(cx, &mut s, &scale, path)?;
    }
    s.other = other;
    Ok(s)
}

/// `scale: N` is another way to write `deploy.replicas: N` (compose-go keeps them equal).
fn fold_scale(
    cx: &Cx,
    s: &mut Service,
    scale: &serde_json::Value,
    path: &str,
) -> Result<(), Error> {
    let scale_path = child(path, "scale");
    let n = scale
        .as_u64()
        .or_else(|| scale.as_str().and_then(|t| t.trim().parse().ok()))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            cx.error(
                &scale_path,
                format!("must be a non-negative integer, not {scale}"),
            )
        })?;
    let deploy = s.deploy.get_or_insert_with(Default::default);
    match deploy.replicas {
        Some(r) if r != n => Err(cx.error(
            &scale_path,
            format!("scale ({n}) and deploy.replicas ({r}) differ: set only one of them"),
        )),
        _ => {
            deploy.replicas = Some(n);
            Ok(())
        }
    }
}

/// `blkio_config` is kept as written, but compose's schema allows no `x-` key in it or in its
/// device entries: such a key is refused here as compose refuses it.
fn no_extensions_in_blkio_config(cx: &Cx, value: &Value, path: &str) -> Result<(), Error> {
    let Value::Mapping(map) = untag(value) else {
        return Ok(());
    };
    let extension = |map: &serde_yaml::Mapping, at: &str| {
        map.keys()
            .filter_map(key_string)
            .find(|key| key.starts_with("x-"))
            .map(|key| {
                cx.error(
                    &child(at, &key),
                    format!("additional property {key:?} is not allowed"),
                )
            })
    };
    if let Some(err) = extension(map, path) {
        return Err(err);
    }
    for (key, entries) in map {
        let (Some(key), Value::Sequence(entries)) = (key_string(key), untag(entries)) else {
            continue;
        };
        let at = child(path, &key);
        for (i, entry) in entries.iter().enumerate() {
            if let Value::Mapping(entry) = untag(entry) {
                if let Some(err) = extension(entry, &index(&at, i)) {
                    return Err(err);
                }
            }
        }
    }
    Ok(())
}

fn logging(cx: &Cx, value: &Value, path: &str) -> Result<Logging, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let mut l = Logging {
        driver: f.string("driver")?,
        options: f.string_map("options")?,
        ..Default::default()
    };
    f.finish(&[], None, Some(&mut l.extensions))?;
    Ok(l)
}

/// `extra_hosts` as compose-go prints it: one `host=ip` per address, from a mapping (`host: ip` or
/// `host: [ip, ...]`) or a list of `host=ip` / `host:ip` (split at the first `:`, so `h:::1` is
/// `h=::1`).
pub(crate) fn extra_hosts(cx: &Cx, value: &Value, path: &str) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    match untag(value) {
        Value::Mapping(map) => {
            for (k, v) in map {
                let host = cx.key(k, path)?;
                let p = child(path, &host);
                let addresses = match untag(v) {
                    Value::Sequence(_) => cx.strings(v, &p)?,
                    _ => vec![cx.string(v, &p)?],
                };
                out.extend(addresses.iter().map(|ip| format!("{host}={ip}")));
            }
        }
        Value::Sequence(_) => {
            for entry in cx.strings(value, path)? {
                out.push(match (entry.contains('='), entry.split_once(':')) {
                    (false, Some((host, ip))) => format!("{host}={ip}"),
                    _ => entry,
                });
            }
        }
        other => {
            return Err(cx.error(
                path,
                format!(
                    "must be a mapping or a list of host=ip, not {}",
                    kind(other)
                ),
            ))
        }
    }
    Ok(out)
}

/// `nofile: 65535` (soft = hard) or `nofile: {soft: 1024, hard: 65535}`.
fn ulimits(cx: &Cx, value: &Value, path: &str) -> Result<BTreeMap<String, Ulimit>, Error> {
    let map = cx.mapping(value, path)?;
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let name = cx.key(k, path)?;
        let p = child(path, &name);
        let limit = match untag(v) {
            Value::Mapping(_) => {
                let mut f = Fields::new(cx, v, &p)?;
                let soft = f.integer("soft")?;
                let hard = f.integer("hard")?;
                f.finish(&[], None, None)?;
                match (soft, hard) {
                    (Some(soft), Some(hard)) => {
                        if soft > hard {
                            return Err(cx.error(
                                &p,
                                format!("soft limit {soft} is above the hard limit {hard}"),
                            ));
                        }
                        Ulimit { soft, hard }
                    }
                    _ => return Err(cx.error(&p, "a ulimit mapping needs both `soft` and `hard`")),
                }
            }
            _ => {
                let n = cx.convert(v, &p, super::units::integer)?;
                Ulimit { soft: n, hard: n }
            }
        };
        out.insert(name, limit);
    }
    Ok(out)
}

/// Device mappings as `host:container[:permissions]` strings, whatever form they were written in.
fn devices(cx: &Cx, value: &Value, path: &str) -> Result<Vec<String>, Error> {
    let Value::Sequence(seq) = untag(value) else {
        return Err(cx.error(path, format!("must be a list, not {}", kind(value))));
    };
    let mut out = Vec::new();
    for (i, item) in seq.iter().enumerate() {
        let p = crate::loader::value::index(path, i);
        match untag(item) {
            Value::Mapping(_) => {
                let mut f = Fields::new(cx, item, &p)?;
                let source = f
                    .string("source")?
                    .ok_or_else(|| cx.error(&p, "a device needs a `source`"))?;
                let target = f.string("target")?.unwrap_or_else(|| source.clone());
                let permissions = f.string("permissions")?;
                f.finish(&[], None, None)?;
                out.push(match permissions {
                    Some(perm) => format!("{source}:{target}:{perm}"),
                    None => format!("{source}:{target}"),
                });
            }
            _ => out.push(cx.string(item, &p)?),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::normalize::fields::with_doc;

    fn service(yaml: &str) -> Result<Service, String> {
        with_doc(yaml, |cx, doc| {
            normalize(cx, "web", doc, "services.web").map_err(|e| e.to_string())
        })
    }

    #[test]
    fn typed_untyped_and_extension_keys() {
        let s = service("image: nginx\ndns: [1.1.1.1]\nx-aws-role: {a: 1}\ncommand: echo 'a b'\n")
            .unwrap();
        assert_eq!(s.image.as_deref(), Some("nginx"));
        assert_eq!(s.other.get("dns"), Some(&serde_json::json!(["1.1.1.1"])));
        assert!(s.extensions.contains_key("x-aws-role"));
        assert_eq!(s.command, Some(vec!["echo".to_string(), "a b".to_string()]));
    }

    #[test]
    fn ulimits_and_devices() {
        let s = service("image: x\nulimits: {nofile: {soft: 1, hard: 2}, nproc: 3}\ndevices: [/dev/a, {source: /dev/b, permissions: r}]\n").unwrap();
        assert_eq!(s.ulimits["nofile"], Ulimit { soft: 1, hard: 2 });
        assert_eq!(s.ulimits["nproc"], Ulimit { soft: 3, hard: 3 });
        // A soft limit equal to the hard one is allowed.
        // A string or a list; a null is as good as absent.
        let s2 = service("image: x\ntmpfs: [/a, /b]\nhostname:\n").unwrap();
        assert_eq!(s2.tmpfs, vec!["/a", "/b"]);
        assert_eq!(s2.hostname, None);
        let equal = service("image: x\nulimits: {nofile: {soft: 2, hard: 2}}\n").unwrap();
        assert_eq!(equal.ulimits["nofile"], Ulimit { soft: 2, hard: 2 });
        assert_eq!(s.devices, vec!["/dev/a", "/dev/b:/dev/b:r"]);
        let err = service("image: x\nulimits: {nofile: {soft: 5, hard: 2}}\n").unwrap_err();
        assert!(
            err.contains("services.web.ulimits.nofile: soft limit 5 is above the hard limit 2"),
            "{err}"
        );
    }

    #[test]
    fn extra_hosts_and_sysctls_as_compose_prints_them() {
        let s = service("image: x\nextra_hosts: {a: 1.2.3.4, b: [\"::1\", 5.6.7.8]}\nsysctls: [net.core.somaxconn=1024, k]\n").unwrap();
        assert_eq!(
            s.other["extra_hosts"],
            serde_json::json!(["a=1.2.3.4", "b=::1", "b=5.6.7.8"])
        );
        assert_eq!(
            s.other["sysctls"],
            serde_json::json!({"k": "", "net.core.somaxconn": "1024"})
        );
        let s = service(
            "image: x\nextra_hosts: [\"a:1.2.3.4\", \"b=::1\", \"c:::2\"]\nsysctls: {n: 1}\n",
        )
        .unwrap();
        assert_eq!(
            s.other["extra_hosts"],
            serde_json::json!(["a=1.2.3.4", "b=::1", "c=::2"])
        );
        assert_eq!(s.other["sysctls"], serde_json::json!({"n": "1"}));
        let err = service("image: x\nextra_hosts: 1.2.3.4\n").unwrap_err();
        assert!(
            err.contains("services.web.extra_hosts: must be a mapping or a list"),
            "{err}"
        );
    }

    #[test]
    fn scale_becomes_deploy_replicas() {
        let s = service("image: x\nscale: 3\n").unwrap();
        assert_eq!(s.deploy.and_then(|d| d.replicas), Some(3));
        assert!(!s.other.contains_key("scale"));
        assert!(service("image: x\nscale: 2\ndeploy: {replicas: 2}\n").is_ok());
        let err = service("image: x\nscale: 2\ndeploy: {replicas: 3}\n").unwrap_err();
        assert!(
            err.contains("services.web.scale: scale (2) and deploy.replicas (3) differ"),
            "{err}"
        );
    }

    #[test]
    fn empty_command_is_explicit() {
        assert_eq!(
            service("image: x\ncommand: []\n").unwrap().command,
            Some(vec![])
        );
        assert_eq!(service("image: x\n").unwrap().command, None);
    }

    #[test]
    fn typos_get_a_hint() {
        let err = service("imgae: nginx\n").unwrap_err();
        // The test document is the service itself, so the path has no line in it.
        assert_eq!(err, "compose.yaml: services.web.imgae: additional property \"imgae\" is not allowed (did you mean \"image\"?)");
    }
}
