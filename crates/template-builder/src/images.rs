//! `build:`: what `up` must build and push before deploying, and the template Parameter each built
//! service runs from. The template stays offline and deterministic: a built service's container
//! `Image` is `{Ref: <Service>Image}`, which `up` fills with `repository@sha256:...` once the image is
//! in Amazon ECR, so an unchanged source gives an unchanged template and a changed one always rolls
//! out (even when the tag is `latest`).
//!
//! Services with the same build definition (context, Dockerfile, args, target, platform...) share one
//! build; each distinct repository the result goes to is a [`ImageTarget`]. The repository is named
//! from `image:` (its path; an ECR host of the deploy account is allowed, another registry is not,
//! since `up` pushes only to ECR) or `<project>/<service>`.

use std::collections::BTreeMap;

use compose_model::{Build, Project, Service};
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::mounts::{Baked, BakedFile};
use crate::template::r#ref;
use crate::{Error, ParameterInput, ParameterSource};

/// Tag pushed when `image:` names none (compose's default).
pub const DEFAULT_TAG: &str = "latest";

/// One image to build, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageBuild {
    pub spec: BuildSpec,
    /// Each repository the built image is pushed to, with the services that run it from there.
    pub targets: Vec<ImageTarget>,
    /// Services that run it with files of the project added ([`DerivedImage`]), in name order.
    pub base_of: Vec<String>,
}

impl ImageBuild {
    /// The services that run this image, in name order.
    pub fn services(&self) -> Vec<&str> {
        let mut services: Vec<&str> = self
            .targets
            .iter()
            .flat_map(|t| t.services.iter().map(String::as_str))
            .chain(self.base_of.iter().map(String::as_str))
            .collect();
        services.sort_unstable();
        services
    }
}

/// A service's image with files of the project added (bind mounts, configs): FROM its image (its
/// build's result when it has `build:`) plus the files, pushed and deployed like a built image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedImage {
    pub service: String,
    pub base: BaseImage,
    pub files: Vec<BakedFile>,
    /// Where the result goes: the service's build target, else `<project>/<service>:latest`.
    pub target: ImageTarget,
    /// `linux/amd64` or `linux/arm64`: the platform the task runs on.
    pub platform: String,
}

/// What a derived image starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseImage {
    /// The service's `image:` from its registry.
    Registry(String),
    /// The result of `Built::images[index]`.
    Build(usize),
}

/// A repository (and tag) the image is pushed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageTarget {
    /// ECR repository name, e.g. `shop/web`.
    pub repository: String,
    pub tag: String,
    /// The ECR registry `image:` named (`<account>.dkr.ecr.<region>.amazonaws.com`); `up` checks it is
    /// the deploy account's and region's. None: the deploy account's own registry.
    pub registry: Option<String>,
    /// Services that run the image from this repository, in name order.
    pub services: Vec<String>,
}

/// What `docker build` needs, from the service's `build:` (paths absolute, as the loader resolved
/// them). Equal specs are one build.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BuildSpec {
    /// The first service (in name order) with this build, for messages.
    pub service: String,
    /// A directory, or a git / HTTP(S) URL.
    pub context: String,
    /// The Dockerfile: absolute, or relative to a remote context. None: `Dockerfile` in the context.
    pub dockerfile: Option<String>,
    pub dockerfile_inline: Option<String>,
    /// Build arguments with a value (an argument without one, not found in the environment, is left
    /// to the Dockerfile's default, as compose does).
    pub args: BTreeMap<String, String>,
    pub target: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    /// `host:ip` entries.
    pub extra_hosts: Vec<String>,
    pub network: Option<String>,
    pub shm_size: Option<u64>,
    /// `default` or `id=path` entries.
    pub ssh: Vec<String>,
    pub secrets: Vec<BuildSecret>,
    /// `name=location` entries.
    pub additional_contexts: Vec<String>,
    /// `name=soft:hard` entries.
    pub ulimits: Vec<String>,
    pub no_cache: bool,
    pub pull: bool,
    /// `linux/amd64` or `linux/arm64`: the platform the task runs on.
    pub platform: String,
}

/// A build secret: `docker build --secret id=<id>,src=<file>` or `env=<variable>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BuildSecret {
    pub id: String,
    pub source: BuildSecretSource,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum BuildSecretSource {
    File(String),
    Environment(String),
}

/// The template Parameter a built service's container runs from: `WebImage`.
pub fn parameter_name(ctx: &Ctx, service: &str) -> String {
    format!("{}Image", ctx.names.service(service))
}

/// The container `Image` of a built service: a Parameter `up` fills with the pushed digest.
pub fn image_parameter(ctx: &mut Ctx, service: &str) -> Value {
    let name = parameter_name(ctx, service);
    if !ctx.template.has_parameter(&name) {
        ctx.template.add_parameter(
            &name,
            json!({
                "Type": "String",
                "Description": format!(
                    "Image of service {service}, as `docker ecs up` built and pushed it to Amazon ECR (repository@sha256:digest)"
                ),
            }),
        );
        ctx.parameters.push(ParameterInput {
            name: name.clone(),
            source: ParameterSource::BuiltImage {
                service: service.to_string(),
            },
        });
    }
    r#ref(&name)
}

/// Every image the project builds, one entry per distinct build definition, and the derived
/// images of the services that get files of the project (`baked`, from `mounts::plan`).
pub fn plan(
    project: &Project,
    baked: &Baked,
) -> Result<(Vec<ImageBuild>, Vec<DerivedImage>), Error> {
    // spec -> (targets pushed as built, services whose derived image starts from it)
    type Uses = (Vec<ImageTarget>, Vec<String>);
    let mut builds: BTreeMap<BuildSpec, Uses> = BTreeMap::new();
    let mut built_specs: BTreeMap<&str, BuildSpec> = BTreeMap::new();
    for (name, service) in &project.services {
        let Some(build) = &service.build else {
            continue;
        };
        let mut spec = spec(name, service, build, project)?;
        let target = target(name, service, &project.name)?;
        // The first service of a shared build names it: compare without the name.
        let key = builds
            .keys()
            .find(|known| {
                BuildSpec {
                    service: known.service.clone(),
                    ..spec.clone()
                } == **known
            })
            .cloned();
        let key = key.unwrap_or_else(|| {
            spec.service = name.clone();
            builds.insert(spec.clone(), Default::default());
            spec
        });
        let uses = builds.get_mut(&key).expect("a known key");
        if baked.contains_key(name) {
            uses.1.push(name.clone());
        } else {
            uses.0.push(target);
        }
        built_specs.insert(name, key);
    }
    let mut plan: Vec<ImageBuild> = builds
        .into_iter()
        .map(|(spec, (targets, base_of))| ImageBuild {
            spec,
            targets: merge_targets(targets),
            base_of,
        })
        .collect();
    plan.sort_by(|a, b| a.spec.service.cmp(&b.spec.service));
    let mut derived = Vec::new();
    for (name, files) in baked {
        let service = &project.services[name];
        let (base, target) = match (built_specs.get(name.as_str()), &service.image) {
            (Some(spec), _) => (
                BaseImage::Build(
                    plan.iter()
                        .position(|b| b.spec == *spec)
                        .expect("every spec is planned"),
                ),
                target(name, service, &project.name)?,
            ),
            (None, Some(image)) => (
                BaseImage::Registry(image.clone()),
                target(name, &Service::default(), &project.name)?,
            ),
            // No image at all: the task definition says so.
            (None, None) => continue,
        };
        derived.push(DerivedImage {
            service: name.clone(),
            base,
            files: files.clone(),
            target,
            platform: service
                .platform
                .clone()
                .unwrap_or_else(|| "linux/amd64".to_string()),
        });
    }
    check_shared_repositories(&plan, &derived)?;
    Ok((plan, derived))
}

/// Services pushing to the same repository and tag share a target.
fn merge_targets(targets: Vec<ImageTarget>) -> Vec<ImageTarget> {
    let mut merged: Vec<ImageTarget> = Vec::new();
    for target in targets {
        match merged.iter_mut().find(|t| {
            t.repository == target.repository
                && t.tag == target.tag
                && t.registry == target.registry
        }) {
            Some(known) => known.services.extend(target.services),
            None => merged.push(target),
        }
    }
    merged
}

/// Two different images pushed under one repository and tag would overwrite each other.
fn check_shared_repositories(plan: &[ImageBuild], derived: &[DerivedImage]) -> Result<(), Error> {
    // repository:tag -> which image goes there: a build's index, or a derived image's service.
    let mut seen: BTreeMap<(&str, &str), (String, String)> = BTreeMap::new();
    let pushed =
        plan.iter()
            .enumerate()
            .flat_map(|(index, build)| {
                build.targets.iter().map(move |target| {
                    (target, format!("build {index}"), build.spec.service.clone())
                })
            })
            .chain(derived.iter().map(|d| {
                (
                    &d.target,
                    format!("derived {}", d.service),
                    d.service.clone(),
                )
            }));
    for (target, image, service) in pushed {
        let key = (target.repository.as_str(), target.tag.as_str());
        if let Some((other_image, other_service)) = seen.get(&key) {
            if *other_image != image {
                return Err(Error {
                    service: Some(service),
                    attribute: "image".into(),
                    message: format!(
                        "{}:{} is also the image of service {other_service:?}, which gets another image there \
                         (another build, or files of its own); give each its own image: name",
                        target.repository, target.tag
                    ),
                });
            }
            continue;
        }
        seen.insert(key, (image, service));
    }
    Ok(())
}

fn err(service: &str, attribute: &str, message: impl Into<String>) -> Error {
    Error {
        service: Some(service.to_string()),
        attribute: attribute.to_string(),
        message: message.into(),
    }
}

/// The repository a service's image is pushed to.
fn target(name: &str, service: &Service, project: &str) -> Result<ImageTarget, Error> {
    let Some(image) = &service.image else {
        return Ok(ImageTarget {
            repository: format!("{project}/{name}").to_ascii_lowercase(),
            tag: DEFAULT_TAG.into(),
            registry: None,
            services: vec![name.to_string()],
        });
    };
    let reference = parse_reference(image).map_err(|why| err(name, "image", why))?;
    if reference.digest {
        return Err(err(
            name,
            "image",
            format!(
                "{image:?} names a digest, but the service has build:: a built image gets its digest when it is pushed; remove the @sha256:... part"
            ),
        ));
    }
    let registry = match reference.registry {
        None => None,
        Some(host) if is_ecr_host(&host) => Some(host),
        Some(host) => {
            return Err(err(
                name,
                "image",
                format!(
                    "{image:?} is in registry {host}, but `docker ecs up` pushes built images to Amazon ECR \
                     (the deploy account's); write `{}` to push it there, or push it to {host} yourself and remove build:",
                    reference.path
                ),
            ))
        }
    };
    if !is_repository_name(&reference.path) {
        return Err(err(
            name,
            "image",
            format!(
                "{:?} is not a valid Amazon ECR repository name: lowercase letters, digits and . _ - separators, path parts joined by /",
                reference.path
            ),
        ));
    }
    Ok(ImageTarget {
        repository: reference.path,
        tag: reference.tag.unwrap_or_else(|| DEFAULT_TAG.into()),
        registry,
        services: vec![name.to_string()],
    })
}

struct Reference {
    registry: Option<String>,
    path: String,
    tag: Option<String>,
    digest: bool,
}

/// `[registry/]path[:tag][@digest]`, as docker reads an image reference: the first part is a
/// registry when it has a `.` or `:` or is `localhost`.
fn parse_reference(image: &str) -> Result<Reference, String> {
    let (rest, digest) = match image.split_once('@') {
        Some((rest, _)) => (rest, true),
        None => (image, false),
    };
    let (registry, remainder) = match rest.split_once('/') {
        Some((first, remainder))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first.to_string()), remainder)
        }
        _ => (None, rest),
    };
    // A `:` after the registry always starts the tag: one inside the path (`shop/web:1/x`) leaves a
    // `/` in the tag, which the tag's own check refuses.
    let (path, tag) = match remainder.rsplit_once(':') {
        Some((path, tag)) => (path, Some(tag.to_string())),
        None => (remainder, None),
    };
    if path.is_empty() {
        return Err(format!("{image:?} names no repository"));
    }
    if let Some(tag) = &tag {
        let valid = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && !tag.starts_with(['.', '-']);
        if !valid {
            return Err(format!(
                "{image:?} has an invalid tag {tag:?}: letters, digits, _ . - (at most 128, not starting with . or -)"
            ));
        }
    }
    Ok(Reference {
        registry,
        path: path.to_string(),
        tag,
        digest,
    })
}

/// `<account>.dkr.ecr.<region>.amazonaws.com` (or `.amazonaws.com.cn`).
pub fn is_ecr_host(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() >= 6
        && parts[0].len() == 12
        && parts[0].chars().all(|c| c.is_ascii_digit())
        && parts[1] == "dkr"
        && parts[2] == "ecr"
        && parts[4] == "amazonaws"
        && matches!(&parts[5..], ["com"] | ["com", "cn"])
}

/// Amazon ECR's repository name rule: `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`,
/// 2 to 256 characters.
fn is_repository_name(name: &str) -> bool {
    let component = |part: &str| {
        !part.is_empty()
            && part.split(['.', '_', '-']).all(|piece| {
                !piece.is_empty()
                    && piece
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
    };
    (2..=256).contains(&name.len()) && name.split('/').all(component)
}

fn spec(
    name: &str,
    service: &Service,
    build: &Build,
    project: &Project,
) -> Result<BuildSpec, Error> {
    let other = |key: &str| build.other.get(key);
    let attribute = |key: &str| format!("build.{key}");
    let strings = |key: &str| -> Result<Vec<String>, Error> {
        match other(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(value) => string_list(value)
                .ok_or_else(|| err(name, &attribute(key), "expected a list of strings")),
        }
    };
    let string = |key: &str| -> Result<Option<String>, Error> {
        match other(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(err(name, &attribute(key), "expected a string")),
        }
    };
    let flag = |key: &str| -> Result<bool, Error> {
        match other(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
            Some(_) => Err(err(name, &attribute(key), "expected true or false")),
        }
    };
    let dockerfile_inline = string("dockerfile_inline")?;
    if dockerfile_inline.is_some() && build.dockerfile.is_some() {
        return Err(err(
            name,
            "build.dockerfile_inline",
            "dockerfile and dockerfile_inline are mutually exclusive: keep one",
        ));
    }
    let remote = is_remote(&build.context);
    let dockerfile = build.dockerfile.as_ref().map(|file| {
        if remote || file.starts_with('/') {
            file.clone()
        } else {
            format!("{}/{file}", build.context.trim_end_matches('/'))
        }
    });
    let platform = service
        .platform
        .clone()
        .unwrap_or_else(|| "linux/amd64".to_string());
    let platforms = strings("platforms")?;
    if !platforms.is_empty() && !platforms.contains(&platform) {
        return Err(err(
            name,
            "build.platforms",
            format!(
                "the task runs on {platform}, which build.platforms ({}) leaves out: add it, or set platform: to one of them",
                platforms.join(", ")
            ),
        ));
    }
    let shm_size = match other("shm_size") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_u64()
                .ok_or_else(|| err(name, "build.shm_size", "expected a size in bytes"))?,
        ),
        Some(Value::String(s)) => Some(parse_size(s).ok_or_else(|| {
            err(
                name,
                "build.shm_size",
                format!("invalid size {s:?}: bytes, or a number with b, k, m or g (\"64m\")"),
            )
        })?),
        Some(_) => {
            return Err(err(
                name,
                "build.shm_size",
                "expected a size such as \"64m\"",
            ))
        }
    };
    Ok(BuildSpec {
        service: name.to_string(),
        context: build.context.clone(),
        dockerfile,
        dockerfile_inline,
        args: build
            .args
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect(),
        target: build.target.clone(),
        labels: key_values(other("labels")).ok_or_else(|| {
            err(
                name,
                "build.labels",
                "expected a mapping or a list of key=value",
            )
        })?,
        cache_from: strings("cache_from")?,
        cache_to: strings("cache_to")?,
        extra_hosts: extra_hosts(other("extra_hosts")).ok_or_else(|| {
            err(
                name,
                "build.extra_hosts",
                "expected a list of host:ip (or host=ip) or a mapping of host to ip",
            )
        })?,
        network: string("network")?,
        shm_size,
        ssh: ssh(other("ssh"))
            .ok_or_else(|| err(name, "build.ssh", "expected a list of default or id=path"))?,
        secrets: secrets(name, other("secrets"), project)?,
        additional_contexts: key_values(other("additional_contexts"))
            .ok_or_else(|| {
                err(
                    name,
                    "build.additional_contexts",
                    "expected a mapping or a list of name=location",
                )
            })?
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        ulimits: ulimits(name, other("ulimits"))?,
        no_cache: flag("no_cache")?,
        pull: flag("pull")?,
        platform,
    })
}

fn is_remote(context: &str) -> bool {
    context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/")
}

/// A list (a single string is refused, as compose refuses it: `cache_from: x` must be `[x]`).
fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<String>>>(),
        _ => None,
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A mapping, or a list of `key=value` (a bare key has an empty value).
fn key_values(value: Option<&Value>) -> Option<BTreeMap<String, String>> {
    match value {
        None | Some(Value::Null) => Some(BTreeMap::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                Some((
                    k.clone(),
                    if v.is_null() {
                        String::new()
                    } else {
                        scalar(v)?
                    },
                ))
            })
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let text = scalar(item)?;
                Some(match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (text, String::new()),
                })
            })
            .collect(),
        _ => None,
    }
}

/// `host:ip` or `host=ip` entries (the loader turns a mapping into `host=ip` ones); written as
/// `host:ip` (an IPv6 address keeps its colons).
fn extra_hosts(value: Option<&Value>) -> Option<Vec<String>> {
    match value {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let text = scalar(item)?;
                match text.split_once('=') {
                    Some((host, ip)) => Some(format!("{host}:{ip}")),
                    None => text.contains(':').then_some(text),
                }
            })
            .collect(),
        _ => None,
    }
}

fn ssh(value: Option<&Value>) -> Option<Vec<String>> {
    match value {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(id, path)| Some(format!("{id}={}", scalar(path)?)))
            .collect(),
        Some(other) => string_list(other),
    }
}

/// `secrets:` entries name top-level secrets (short or long form); their `file` or `environment` is
/// what the build reads. The id is the entry's `target`, else the secret's name.
fn secrets(
    service: &str,
    value: Option<&Value>,
    project: &Project,
) -> Result<Vec<BuildSecret>, Error> {
    let Some(Value::Array(items)) = value else {
        return match value {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(_) => Err(err(
                service,
                "build.secrets",
                "expected a list of secret names",
            )),
        };
    };
    let mut out = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let attribute = format!("build.secrets[{index}]");
        let (source, id) = match item {
            Value::String(source) => (source.clone(), source.clone()),
            Value::Object(map) => {
                let source = map.get("source").and_then(Value::as_str).ok_or_else(|| {
                    err(
                        service,
                        &attribute,
                        "a long-form build secret needs source:",
                    )
                })?;
                let id = map.get("target").and_then(Value::as_str).unwrap_or(source);
                (source.to_string(), id.to_string())
            }
            _ => return Err(err(service, &attribute, "expected a secret name")),
        };
        let secret = project.secrets.get(&source).ok_or_else(|| {
            err(
                service,
                &attribute,
                format!("no top-level secret named {source:?}"),
            )
        })?;
        let from = match (&secret.file, &secret.environment) {
            (Some(file), _) => BuildSecretSource::File(file.to_string_lossy().into_owned()),
            (None, Some(variable)) => BuildSecretSource::Environment(variable.clone()),
            (None, None) => {
                return Err(err(
                    service,
                    &attribute,
                    format!(
                        "secret {source:?} has no file: or environment: for the build to read (an external secret lives in AWS, not on this machine)"
                    ),
                ))
            }
        };
        out.push(BuildSecret { id, source: from });
    }
    Ok(out)
}

/// `ulimits: {nofile: 1024}` or `{nofile: {soft: 1024, hard: 2048}}`, as `name=soft:hard`.
fn ulimits(service: &str, value: Option<&Value>) -> Result<Vec<String>, Error> {
    let invalid = || {
        err(
            service,
            "build.ulimits",
            "expected a mapping of name to a number or {soft, hard}",
        )
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, limit)| match limit {
                Value::Number(n) => Ok(format!("{name}={n}")),
                Value::Object(pair) => {
                    let soft = pair
                        .get("soft")
                        .and_then(Value::as_u64)
                        .ok_or_else(invalid)?;
                    let hard = pair
                        .get("hard")
                        .and_then(Value::as_u64)
                        .ok_or_else(invalid)?;
                    Ok(format!("{name}={soft}:{hard}"))
                }
                _ => Err(invalid()),
            })
            .collect(),
        Some(_) => Err(invalid()),
    }
}

/// docker's RAMInBytes: a number with an optional b/k/m/g/t unit (binary multiples).
fn parse_size(text: &str) -> Option<u64> {
    let lower = text.trim().to_ascii_lowercase();
    let end = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let number: f64 = lower[..end].parse().ok()?;
    let multiplier = match lower[end..].trim() {
        "" | "b" => 1u64,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    // The number has no sign (a `-` ends it before it starts) and an overflow is infinite: one
    // bound says both.
    let bytes = number * multiplier as f64;
    (bytes < u64::MAX as f64).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{main_container, project, service};
    use crate::{build, ParameterInput, ParameterSource};

    #[test]
    fn sizes_read_every_unit() {
        for (text, bytes) in [
            ("512", 512),
            ("2b", 2),
            ("2k", 2 << 10),
            ("2KB", 2 << 10),
            ("2kib", 2 << 10),
            ("3m", 3 << 20),
            ("1.5g", 3 << 29),
            ("1t", 1 << 40),
        ] {
            assert_eq!(parse_size(text), Some(bytes), "{text}");
        }
        assert_eq!(parse_size("2x"), None);
        assert_eq!(parse_size("-2m"), None);
        // 2^64 bytes, and a number too long for a float, do not fit.
        assert_eq!(parse_size("16777215t"), Some(16777215 << 40));
        assert_eq!(parse_size("16777216t"), None);
        assert_eq!(parse_size(&"9".repeat(400)), None);
    }

    fn builds(p: &Project) -> Result<Vec<ImageBuild>, Error> {
        plan(p, &BTreeMap::new()).map(|(builds, _)| builds)
    }

    fn built_service(image: Option<&str>, context: &str) -> Service {
        let mut s = service("unused");
        s.image = image.map(str::to_string);
        s.build = Some(Build {
            context: context.into(),
            ..Default::default()
        });
        s
    }

    #[test]
    fn a_service_without_image_goes_to_project_slash_service_latest() {
        let p = project(vec![("Web", built_service(None, "/src/web"))]);
        let plan = builds(&p).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].spec.context, "/src/web");
        assert_eq!(plan[0].spec.platform, "linux/amd64");
        assert_eq!(
            plan[0].targets,
            [ImageTarget {
                repository: "demo/web".into(),
                tag: "latest".into(),
                registry: None,
                services: vec!["Web".into()],
            }]
        );
    }

    #[test]
    fn image_names_the_repository_and_tag() {
        let p = project(vec![(
            "api",
            built_service(Some("shop/api:1.4"), "/src/api"),
        )]);
        let target = &builds(&p).unwrap()[0].targets[0];
        assert_eq!(
            (target.repository.as_str(), target.tag.as_str()),
            ("shop/api", "1.4")
        );
        let ecr = project(vec![(
            "api",
            built_service(
                Some("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api"),
                "/src/api",
            ),
        )]);
        let target = &builds(&ecr).unwrap()[0].targets[0];
        assert_eq!(target.repository, "shop/api");
        assert_eq!(
            target.registry.as_deref(),
            Some("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
        );
    }

    #[test]
    fn another_registry_a_digest_or_an_invalid_name_is_refused() {
        for (image, says) in [
            ("ghcr.io/acme/api:1", "pushes built images to Amazon ECR"),
            ("localhost:5000/api", "pushes built images to Amazon ECR"),
            ("acme/api@sha256:0123", "names a digest"),
            ("Acme/API", "not a valid Amazon ECR repository name"),
            ("acme/api:-bad", "invalid tag"),
            ("acme/api:1.0/extra", "invalid tag \"1.0/extra\""),
        ] {
            let p = project(vec![("api", built_service(Some(image), "/src"))]);
            let e = builds(&p).unwrap_err();
            assert_eq!(e.attribute, "image", "{image}");
            assert!(e.message.contains(says), "{image}: {}", e.message);
        }
    }

    #[test]
    fn one_build_definition_is_built_once_for_every_service_and_repository() {
        let p = project(vec![
            ("web", built_service(None, "/src/app")),
            ("worker", built_service(None, "/src/app")),
            ("admin", built_service(Some("shop/app"), "/src/app")),
            ("other", built_service(Some("shop/app"), "/src/app")),
            ("cron", built_service(None, "/src/cron")),
        ]);
        let plan = builds(&p).unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].spec.service, "admin");
        assert_eq!(plan[0].services(), ["admin", "other", "web", "worker"]);
        let repos: Vec<(&str, Vec<String>)> = plan[0]
            .targets
            .iter()
            .map(|t| (t.repository.as_str(), t.services.clone()))
            .collect();
        assert_eq!(
            repos,
            [
                ("shop/app", vec!["admin".to_string(), "other".into()]),
                ("demo/web", vec!["web".into()]),
                ("demo/worker", vec!["worker".into()]),
            ]
        );
        assert_eq!(plan[1].spec.service, "cron");
    }

    #[test]
    fn one_image_name_for_two_different_builds_is_refused() {
        let p = project(vec![
            ("a", built_service(Some("shop/app"), "/src/a")),
            ("b", built_service(Some("shop/app"), "/src/b")),
        ]);
        let e = builds(&p).unwrap_err();
        assert!(
            e.message.contains("gets another image there"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_different_platform_is_a_different_build() {
        let mut arm = built_service(None, "/src/app");
        arm.platform = Some("linux/arm64".into());
        let p = project(vec![("a", built_service(None, "/src/app")), ("b", arm)]);
        let plan = builds(&p).unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[1].spec.platform, "linux/arm64");
    }

    #[test]
    fn build_attributes_are_read_into_the_spec() {
        let mut s = built_service(None, "/src/app");
        let build = s.build.as_mut().unwrap();
        build.dockerfile = Some("docker/Dockerfile.prod".into());
        build.args.insert("A".into(), Some("1".into()));
        build.args.insert("UNSET".into(), None);
        let other: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "labels": ["team=shop", "tier"],
            "cache_from": ["shop/app:cache"],
            "extra_hosts": ["db=10.0.0.5", "cache:10.0.0.6"],
            "network": "host",
            "shm_size": "64m",
            "ssh": ["default"],
            "secrets": ["token", {"source": "token", "target": "npm"}],
            "ulimits": {"nofile": {"soft": 1024, "hard": 2048}, "nproc": 64},
            "no_cache": true,
            "pull": "true",
            "platforms": ["linux/amd64", "linux/arm64"]
        }))
        .unwrap();
        build.other = other.into_iter().collect();
        let mut p = project(vec![("app", s)]);
        p.secrets.insert(
            "token".into(),
            compose_model::Secret {
                file: Some("/src/token.txt".into()),
                ..Default::default()
            },
        );
        let spec = &builds(&p).unwrap()[0].spec;
        assert_eq!(
            spec.dockerfile.as_deref(),
            Some("/src/app/docker/Dockerfile.prod")
        );
        assert_eq!(spec.args, BTreeMap::from([("A".into(), "1".into())]));
        assert_eq!(
            spec.labels,
            BTreeMap::from([
                ("team".into(), "shop".into()),
                ("tier".into(), String::new())
            ])
        );
        assert_eq!(spec.cache_from, ["shop/app:cache"]);
        assert_eq!(spec.extra_hosts, ["db:10.0.0.5", "cache:10.0.0.6"]);
        assert_eq!(spec.network.as_deref(), Some("host"));
        assert_eq!(spec.shm_size, Some(64 << 20));
        assert_eq!(spec.ssh, ["default"]);
        assert_eq!(
            spec.secrets,
            [
                BuildSecret {
                    id: "token".into(),
                    source: BuildSecretSource::File("/src/token.txt".into())
                },
                BuildSecret {
                    id: "npm".into(),
                    source: BuildSecretSource::File("/src/token.txt".into())
                }
            ]
        );
        assert_eq!(spec.ulimits, ["nofile=1024:2048", "nproc=64"]);
        assert!(spec.no_cache && spec.pull);
    }

    #[test]
    fn a_relative_dockerfile_is_joined_to_a_local_context_only() {
        let dockerfile = |context: &str, file: &str| {
            let mut s = built_service(None, context);
            s.build.as_mut().unwrap().dockerfile = Some(file.into());
            builds(&project(vec![("app", s)])).unwrap()[0]
                .spec
                .dockerfile
                .clone()
                .unwrap()
        };
        assert_eq!(
            dockerfile("/src/app", "docker/Dockerfile"),
            "/src/app/docker/Dockerfile"
        );
        assert_eq!(
            dockerfile("/src/app", "/src/shared/Dockerfile"),
            "/src/shared/Dockerfile"
        );
        // A remote context's Dockerfile is a path inside the repository docker fetches.
        for remote in [
            "https://github.com/shop/app.git#main",
            "git@github.com:shop/app.git",
            "github.com/shop/app",
        ] {
            assert_eq!(
                dockerfile(remote, "docker/Dockerfile"),
                "docker/Dockerfile",
                "{remote}"
            );
        }
    }

    #[test]
    fn labels_and_extra_hosts_may_be_mappings_with_any_scalar_values() {
        let project = crate::test_support::load_yaml(
            "services:\n  app:\n    build:\n      context: .\n\
             \x20     labels: {version: 2, beta: true}\n      extra_hosts: {db: 10.0.0.5}\n",
        );
        let spec = &builds(&project).unwrap()[0].spec;
        assert_eq!(
            spec.labels,
            BTreeMap::from([
                ("beta".into(), "true".into()),
                ("version".into(), "2".into())
            ])
        );
        assert_eq!(spec.extra_hosts, ["db:10.0.0.5"]);
    }

    #[test]
    fn invalid_build_attributes_name_the_attribute() {
        for (key, value, attribute, says) in [
            ("shm_size", json!("lots"), "build.shm_size", "invalid size"),
            (
                "extra_hosts",
                json!(["nohost"]),
                "build.extra_hosts",
                "host:ip",
            ),
            (
                "secrets",
                json!(["missing"]),
                "build.secrets[0]",
                "no top-level secret",
            ),
            (
                "platforms",
                json!(["linux/arm64"]),
                "build.platforms",
                "leaves out",
            ),
            (
                "no_cache",
                json!("maybe"),
                "build.no_cache",
                "true or false",
            ),
            // A single string where compose wants a list: compose refuses it too.
            (
                "cache_from",
                json!("shop/app:cache"),
                "build.cache_from",
                "list of strings",
            ),
            ("ssh", json!("default"), "build.ssh", "list of default"),
            (
                "dockerfile_inline",
                json!("FROM scratch"),
                "build.dockerfile_inline",
                "mutually exclusive",
            ),
        ] {
            let mut s = built_service(None, "/src/app");
            let build = s.build.as_mut().unwrap();
            build.dockerfile = (key == "dockerfile_inline").then(|| "Dockerfile".to_string());
            build.other.insert(key.into(), value);
            let e = builds(&project(vec![("app", s)])).unwrap_err();
            assert_eq!(e.attribute, attribute, "{key}");
            assert!(e.message.contains(says), "{key}: {}", e.message);
        }
    }

    #[test]
    fn a_built_service_runs_the_pushed_image_through_a_parameter() {
        let s = Service {
            image: Some("shop/app:2".into()),
            build: Some(Build {
                context: "/src/app".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let built = build(&project(vec![("app", s)])).unwrap();
        let container = main_container(&built, "app");
        assert_eq!(container["Image"], json!({"Ref": "AppImage"}));
        assert_eq!(built.template["Parameters"]["AppImage"]["Type"], "String");
        assert!(built.parameters.contains(&ParameterInput {
            name: "AppImage".into(),
            source: ParameterSource::BuiltImage {
                service: "app".into()
            },
        }));
        assert_eq!(built.images.len(), 1);
        assert_eq!(built.images[0].targets[0].repository, "shop/app");
        assert!(built.warnings.is_empty(), "{:?}", built.warnings);
    }

    fn baked(target: &str) -> Vec<BakedFile> {
        vec![BakedFile {
            attribute: "volumes[0]".into(),
            source: crate::FileSource::Path(format!("/src{target}").into()),
            target: target.into(),
            owner: None,
            mode: None,
            read_only: true,
        }]
    }

    #[test]
    fn a_service_with_files_of_the_project_gets_a_derived_image() {
        let p = project(vec![
            ("proxy", service("nginx:1.27")),
            ("api", built_service(Some("shop/api:2"), "/src/api")),
            ("worker", built_service(None, "/src/api")),
        ]);
        let mut files = BTreeMap::new();
        files.insert("proxy".to_string(), baked("/etc/nginx/nginx.conf"));
        files.insert("api".to_string(), baked("/app/config.yaml"));
        let (builds, derived) = plan(&p, &files).unwrap();
        // api and worker share one build; api runs it with a file added, worker as built.
        assert_eq!(builds.len(), 1);
        assert_eq!(builds[0].base_of, ["api"]);
        assert_eq!(builds[0].targets.len(), 1);
        assert_eq!(builds[0].targets[0].services, ["worker"]);
        assert_eq!(builds[0].services(), ["api", "worker"]);
        assert_eq!(derived.len(), 2);
        assert_eq!(derived[0].service, "api");
        assert_eq!(derived[0].base, BaseImage::Build(0));
        assert_eq!(
            (
                derived[0].target.repository.as_str(),
                derived[0].target.tag.as_str()
            ),
            ("shop/api", "2")
        );
        assert_eq!(derived[1].service, "proxy");
        assert_eq!(derived[1].base, BaseImage::Registry("nginx:1.27".into()));
        assert_eq!(derived[1].target.repository, "demo/proxy");
        assert_eq!(derived[1].files, files["proxy"]);
        assert_eq!(derived[1].platform, "linux/amd64");
    }

    #[test]
    fn a_derived_image_cannot_share_a_repository_with_another_image() {
        let mut proxy = service("nginx:1.27");
        proxy.image = Some("nginx:1.27".into());
        let p = project(vec![
            ("a", built_service(Some("demo/proxy"), "/src/a")),
            ("proxy", proxy),
        ]);
        let mut files = BTreeMap::new();
        files.insert("proxy".to_string(), baked("/etc/nginx/nginx.conf"));
        let e = plan(&p, &files).unwrap_err();
        assert!(e.message.contains("demo/proxy:latest"), "{}", e.message);
    }

    #[test]
    fn ecr_hosts_are_recognised() {
        assert!(is_ecr_host("123456789012.dkr.ecr.us-east-1.amazonaws.com"));
        assert!(is_ecr_host(
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"
        ));
        assert!(!is_ecr_host("ghcr.io"));
        assert!(!is_ecr_host("12345.dkr.ecr.us-east-1.amazonaws.com"));
    }
}
