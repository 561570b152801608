//! What real apps mount from the machine they run on, delivered into the task: a bind mount of a
//! file or folder of the project (`./nginx.conf:/etc/nginx/nginx.conf:ro`) and a config (`file:`,
//! `content:` or `environment:`) become files of a derived image (the service's image plus those
//! files at their targets), which `up` builds, pushes and deploys by digest like a built service.
//! Secrets stay secrets: never baked into an image.
//!
//! A source outside the project directory has no meaning on AWS's hosts and is refused, each kind
//! with its own reason: the Docker socket, host system paths, home folders, anything else. A host's
//! `/etc/localtime` or `/etc/timezone` is dropped with a warning (tasks run in UTC; `TZ` sets a zone).
//!
//! Whether a source exists and is a file or a folder is only known where `up` runs; those checks
//! happen there, before anything is built.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use compose_model::{Project, Service, VolumeType};

use crate::context::Ctx;
use crate::Error;

/// Mode of a config file when the service does not give one (compose's default).
pub const CONFIG_MODE: u32 = 0o444;

/// A file or folder `up` copies into a service's image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BakedFile {
    /// Where the service asked for it, in messages: `volumes[0]`, `configs[1]`.
    pub attribute: String,
    pub source: FileSource,
    /// Absolute path in the container.
    pub target: String,
    /// Owner and mode for configs (uid, gid and mode as written, else 0, 0, 0444); None for bind
    /// mounts, which keep the source's own.
    pub owner: Option<(u32, u32)>,
    pub mode: Option<u32>,
    /// `:ro`: the task cannot change it (the image's copy is what it reads either way).
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileSource {
    /// A file or folder of the project (absolute).
    Path(PathBuf),
    /// A config's `content:` (interpolated when the project was loaded).
    Content(String),
    /// A config's `environment:`: the variable's value where `up` runs.
    Environment(String),
}

/// Service name -> the files baked into its image.
pub type Baked = BTreeMap<String, Vec<BakedFile>>;

/// Every service's baked files, in service order (services without any are left out), with the
/// warnings they call for.
pub fn plan(ctx: &mut Ctx) -> Baked {
    let project = ctx.project;
    let mut plan = BTreeMap::new();
    for (name, service) in &project.services {
        // Each refused mount is reported (in `ctx.errors`); the others are planned.
        let mut files = bind_mounts(ctx, name, service, &project.working_dir);
        if let Some(configs) = ctx.keep(configs(name, service, project)) {
            files.extend(configs);
        }
        ctx.keep(check_secret_targets(name, service, &files));
        if !files.is_empty() {
            plan.insert(name.clone(), files);
        }
    }
    plan
}

fn err(service: &str, attribute: &str, message: impl Into<String>) -> Error {
    Error {
        service: Some(service.to_string()),
        attribute: attribute.to_string(),
        message: message.into(),
    }
}

/// `/etc/localtime` or `/etc/timezone` of the host, mounted read-only where the container has its
/// own: Compose files do this to run in the host's time zone, which has no meaning on Fargate.
pub(crate) fn is_host_clock(source: &str, target: &str, read_only: bool) -> bool {
    const FILES: [&str; 2] = ["/etc/localtime", "/etc/timezone"];
    read_only && FILES.contains(&source) && FILES.contains(&target)
}

fn bind_mounts(ctx: &mut Ctx, name: &str, service: &Service, project_dir: &Path) -> Vec<BakedFile> {
    let mut files = Vec::new();
    for (index, mount) in service.volumes.iter().enumerate() {
        if mount.kind != VolumeType::Bind {
            continue;
        }
        let attribute = format!("volumes[{index}]");
        let source = mount.source.as_deref().unwrap_or_default();
        if is_host_clock(source, &mount.target, mount.read_only) {
            ctx.warn("service.volumes.host_time", Some(name), &attribute);
            continue;
        }
        let shown = format!("{source}:{}", mount.target);
        let path = Path::new(source);
        if !path.starts_with(project_dir) || project_dir.as_os_str().is_empty() {
            ctx.refuse(err(
                name,
                &attribute,
                outside_project(&shown, path, project_dir),
            ));
            continue;
        }
        if !mount.target.starts_with('/') {
            ctx.refuse(err(
                name,
                &attribute,
                format!("{shown}: the target must be an absolute path in the container"),
            ));
            continue;
        }
        if !mount.read_only {
            ctx.warn_value(
                Some(name),
                &attribute,
                format!(
                    "{shown}: copied into the service's image; writes stay inside the task and are lost when it is \
                     replaced (use a named volume for data, or mount it :ro)"
                ),
            );
        }
        files.push(BakedFile {
            attribute,
            source: FileSource::Path(path.to_path_buf()),
            target: mount.target.clone(),
            owner: None,
            mode: None,
            read_only: mount.read_only,
        });
    }
    files
}

/// Why a bind mount from outside the project cannot be delivered, by kind of source.
fn outside_project(shown: &str, source: &Path, project_dir: &Path) -> String {
    let text = source.to_string_lossy();
    let under = |dir: &str| text == dir || text.starts_with(&format!("{dir}/"));
    let why = if text.ends_with("/docker.sock") {
        "the Docker socket: ECS offers tasks no Docker API (nothing on AWS's hosts is yours to control \
         through it); a service that manages containers does not run on ECS as it is"
            .to_string()
    } else if [
        "/etc", "/sys", "/proc", "/dev", "/run", "/var/run", "/boot", "/lib", "/usr",
    ]
    .iter()
    .any(|dir| under(dir))
    {
        "a path of this machine's system: the task runs on AWS's hosts, where it means something else or \
         nothing; copy what the service needs into the project directory"
            .to_string()
    } else if under("/root") || under("/home") || under("/Users") {
        "a home folder of this machine: copy what the service needs into the project directory (up copies \
         the project's files into the service's image), or use a named volume for data"
            .to_string()
    } else {
        format!(
            "outside the project directory {}: up copies only the project's own files into the service's \
             image; move it into the project, or use a named volume for data",
            project_dir.display()
        )
    };
    format!("{shown}: {why}")
}

/// A service's `configs:` entries.
/// Where a config lands: compose mounts it at /<name> unless the target says otherwise.
pub(crate) fn config_target(target: &str) -> String {
    if target.starts_with('/') {
        target.to_string()
    } else {
        format!("/{target}")
    }
}

fn configs(name: &str, service: &Service, project: &Project) -> Result<Vec<BakedFile>, Error> {
    let mut files = Vec::new();
    for (index, reference) in service.configs.iter().enumerate() {
        let attribute = format!("configs[{index}]");
        let config = project.configs.get(&reference.source).ok_or_else(|| {
            err(
                name,
                &attribute,
                format!("no top-level config named {:?}", reference.source),
            )
        })?;
        let source = match (&config.file, &config.content, &config.environment) {
            (Some(file), _, _) => FileSource::Path(file.clone()),
            (None, Some(content), _) => FileSource::Content(content.clone()),
            (None, None, Some(variable)) => FileSource::Environment(variable.clone()),
            // The loader refuses a config with none of them unless it is `external: true`.
            (None, None, None) => {
                return Err(err(
                    name,
                    &attribute,
                    format!(
                        "config {:?} is external (kept by a swarm): ECS has no config store; give it a file:, \
                         content: or environment: to copy into the image",
                        reference.source
                    ),
                ))
            }
        };
        let number = |value: &Option<String>, what: &str| -> Result<u32, Error> {
            match value {
                None => Ok(0),
                Some(text) => text.trim().parse().map_err(|_| {
                    err(
                        name,
                        &format!("{attribute}.{what}"),
                        format!(
                            "{what} {text:?} must be a number (a name is not known in the image)"
                        ),
                    )
                }),
            }
        };
        let target = config_target(&reference.target);
        files.push(BakedFile {
            attribute: attribute.clone(),
            source,
            target,
            owner: Some((
                number(&reference.uid, "uid")?,
                number(&reference.gid, "gid")?,
            )),
            mode: Some(reference.mode.unwrap_or(CONFIG_MODE)),
            read_only: true,
        });
    }
    Ok(files)
}

/// A secret is written at its target when the task starts: a baked file in the same place would be
/// hidden or would hide it.
fn check_secret_targets(name: &str, service: &Service, files: &[BakedFile]) -> Result<(), Error> {
    for secret in &service.secrets {
        let path = if secret.target.starts_with('/') {
            secret.target.clone()
        } else {
            format!("/run/secrets/{}", secret.target)
        };
        let overlaps = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}/"));
        if let Some(file) = files
            .iter()
            .find(|f| overlaps(&f.target, &path) || overlaps(&path, &f.target))
        {
            return Err(err(
                name,
                &file.attribute,
                format!(
                    "{} overlaps secret {:?} at {path}: secrets are written when the task starts and are never \
                     baked into the image; give one of them another target",
                    file.target, secret.source
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{project, service};
    use compose_model::{FileReference, Secret, ServiceVolume};

    fn bind(source: &str, target: &str, read_only: bool) -> ServiceVolume {
        ServiceVolume {
            kind: VolumeType::Bind,
            source: Some(source.into()),
            target: target.into(),
            read_only,
            volume: None,
            tmpfs: None,
            other: Default::default(),
        }
    }

    fn with_volumes(volumes: Vec<ServiceVolume>) -> Project {
        let mut web = service("nginx:1.27");
        web.volumes = volumes;
        let mut p = project(vec![("web", web)]);
        p.working_dir = "/src/shop".into();
        p
    }

    fn planned(p: &Project) -> Result<(Baked, Vec<String>), Error> {
        let names = crate::naming::Names::new(p)?;
        let mut ctx = Ctx::new(p, names);
        let plan = plan(&mut ctx);
        if let Some(error) = ctx.errors.into_iter().next() {
            return Err(error);
        }
        let warnings = ctx.warnings.iter().map(|w| w.to_string()).collect();
        Ok((plan, warnings))
    }

    #[test]
    fn project_files_are_baked_and_read_write_ones_warned_about() {
        let p = with_volumes(vec![
            bind("/src/shop/nginx.conf", "/etc/nginx/nginx.conf", true),
            bind("/src/shop/html", "/usr/share/nginx/html", false),
        ]);
        let (plan, warnings) = planned(&p).unwrap();
        assert_eq!(
            plan["web"],
            [
                BakedFile {
                    attribute: "volumes[0]".into(),
                    source: FileSource::Path("/src/shop/nginx.conf".into()),
                    target: "/etc/nginx/nginx.conf".into(),
                    owner: None,
                    mode: None,
                    read_only: true,
                },
                BakedFile {
                    attribute: "volumes[1]".into(),
                    source: FileSource::Path("/src/shop/html".into()),
                    target: "/usr/share/nginx/html".into(),
                    owner: None,
                    mode: None,
                    read_only: false,
                },
            ]
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("volumes[1]") && warnings[0].contains("lost when it is replaced"),
            "{warnings:?}"
        );
    }

    #[test]
    fn sources_outside_the_project_are_refused_with_their_own_reason() {
        for (source, says) in [
            ("/var/run/docker.sock", "no Docker API"),
            ("/run/docker.sock", "no Docker API"),
            ("/etc/nginx", "this machine's system"),
            ("/proc", "this machine's system"),
            ("/root/minecraft_data", "home folder"),
            ("/home/ann/media", "home folder"),
            ("/media/plex", "outside the project directory /src/shop"),
            ("/src/shopping/file", "outside the project directory"),
        ] {
            let p = with_volumes(vec![bind(source, "/data", true)]);
            let e = planned(&p).unwrap_err();
            assert_eq!(e.attribute, "volumes[0]", "{source}");
            assert_eq!(e.service.as_deref(), Some("web"));
            assert!(e.message.contains(source), "{source}: {}", e.message);
            assert!(e.message.contains(says), "{source}: {}", e.message);
        }
    }

    #[test]
    fn the_hosts_clock_is_dropped_with_a_warning() {
        let p = with_volumes(vec![bind("/etc/localtime", "/etc/localtime", true)]);
        let (plan, warnings) = planned(&p).unwrap();
        assert!(plan.is_empty());
        assert!(warnings[0].contains("TZ"), "{warnings:?}");
        // A zone file of the project's own is what it says: copied into the image.
        let p = with_volumes(vec![bind("/src/shop/tz/localtime", "/etc/localtime", true)]);
        let (plan, warnings) = planned(&p).unwrap();
        assert_eq!(plan["web"][0].target, "/etc/localtime");
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    fn with_config(config: Secret, reference: FileReference) -> Project {
        let mut web = service("nginx:1.27");
        web.configs = vec![reference];
        let mut p = project(vec![("web", web)]);
        p.configs.insert("site".into(), config);
        p
    }

    #[test]
    fn configs_are_baked_with_their_owner_and_mode() {
        let content = Secret {
            content: Some("server {}".into()),
            ..Default::default()
        };
        let reference = FileReference {
            source: "site".into(),
            target: "/etc/nginx/conf.d/site.conf".into(),
            uid: Some("101".into()),
            gid: Some("102".into()),
            mode: Some(0o440),
            ..Default::default()
        };
        let (plan, _) = planned(&with_config(content, reference)).unwrap();
        assert_eq!(
            plan["web"],
            [BakedFile {
                attribute: "configs[0]".into(),
                source: FileSource::Content("server {}".into()),
                target: "/etc/nginx/conf.d/site.conf".into(),
                owner: Some((101, 102)),
                mode: Some(0o440),
                read_only: true,
            }]
        );
        // Defaults: /<target>, root, 0444.
        let from_env = Secret {
            environment: Some("SITE_CONF".into()),
            ..Default::default()
        };
        let reference = FileReference {
            source: "site".into(),
            target: "site".into(),
            ..Default::default()
        };
        let (plan, _) = planned(&with_config(from_env, reference)).unwrap();
        let file = &plan["web"][0];
        assert_eq!(file.source, FileSource::Environment("SITE_CONF".into()));
        assert_eq!(file.target, "/site");
        assert_eq!((file.owner, file.mode), (Some((0, 0)), Some(0o444)));
    }

    #[test]
    fn external_configs_and_names_as_owners_are_refused() {
        let external = Secret {
            external: true,
            ..Default::default()
        };
        let reference = FileReference {
            source: "site".into(),
            target: "/site".into(),
            ..Default::default()
        };
        let e = planned(&with_config(external, reference)).unwrap_err();
        assert!(e.message.contains("external"), "{}", e.message);
        let content = Secret {
            content: Some("x".into()),
            ..Default::default()
        };
        let by_name = FileReference {
            source: "site".into(),
            target: "/site".into(),
            uid: Some("nginx".into()),
            ..Default::default()
        };
        let e = planned(&with_config(content, by_name)).unwrap_err();
        assert_eq!(e.attribute, "configs[0].uid");
    }

    #[test]
    fn a_baked_file_where_a_secret_goes_is_refused() {
        let mut p = with_volumes(vec![bind("/src/shop/token", "/run/secrets/token", true)]);
        let web = p.services.get_mut("web").unwrap();
        web.secrets = vec![FileReference {
            source: "token".into(),
            target: "token".into(),
            ..Default::default()
        }];
        let e = planned(&p).unwrap_err();
        assert!(e.message.contains("secret \"token\""), "{}", e.message);
        // A folder over the secret, or a file inside the secret's own folder (x-aws-keys writes one).
        for (source, target) in [
            ("/src/shop/secrets", "/run/secrets"),
            ("/src/shop/key.json", "/run/secrets/token/key.json"),
        ] {
            p.services.get_mut("web").unwrap().volumes = vec![bind(source, target, true)];
            let e = planned(&p).unwrap_err();
            assert!(
                e.message.contains("overlaps secret \"token\""),
                "{target}: {}",
                e.message
            );
        }
    }
}
