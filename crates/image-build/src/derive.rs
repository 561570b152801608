//! Derived images: a service's image plus files of the project (bind mounts, configs) at their
//! targets, so what a laptop Compose file mounts reaches a task that has no host to mount from.
//!
//! Each is an ordinary build (same events, errors, builder) of a context this module assembles:
//! `files/<n>` holds each file or folder, copied with its mode and modification time (so an
//! unchanged project gives docker's cache, hence the same image id, hence nothing new to push),
//! and an inline Dockerfile `FROM <base>` with one `COPY --chown=<uid>:<gid>` per file: the
//! source's own owner for a bind mount, the config's `uid`/`gid` (default root) for a config.
//!
//! A folder copied where the image has files keeps them (a bind mount would hide them): COPY adds,
//! it cannot remove without a shell in the image. Everything that would stop a derived build is
//! checked first, all at once: a missing source, a socket or device, an unset variable, and a folder
//! whose target is a file in the base image.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use template_builder::{BakedFile, BaseImage, BuildSpec, DerivedImage, FileSource};
use tokio::sync::mpsc::UnboundedSender;

use crate::{BuildEvent, Docker, Error, LocalImage, Problem};

/// A config written from text or a variable has no file of its own: its time is fixed, so the same
/// text gives the same build.
const FIXED_TIME: std::time::SystemTime = std::time::UNIX_EPOCH;

impl Docker {
    /// Everything that would stop a derived build, before anything is built, all problems in one
    /// error: a source that does not exist, is neither a file nor a folder (a socket, a device) or
    /// cannot be read, and a config variable that is not set (in docker's environment).
    pub fn check_derived(&self, derived: &[DerivedImage]) -> Result<(), Error> {
        let mut problems = Vec::new();
        for image in derived {
            for file in &image.files {
                if let Some(message) = self.file_problem(file) {
                    problems.push(Problem {
                        service: image.service.clone(),
                        attribute: file.attribute.clone(),
                        message,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Unsupported(problems))
        }
    }

    fn file_problem(&self, file: &BakedFile) -> Option<String> {
        match &file.source {
            FileSource::Path(path) => {
                let shown = format!("{}:{}", path.display(), file.target);
                match std::fs::metadata(path) {
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => Some(format!(
                        "{shown}: {} does not exist (a bind mount would have created an empty folder; \
                         create the file or folder in the project)",
                        path.display()
                    )),
                    Err(error) => Some(format!("{shown}: cannot read {}: {error}", path.display())),
                    Ok(meta) if meta.is_file() || meta.is_dir() => None,
                    Ok(_) => Some(format!(
                        "{shown}: {} is neither a file nor a folder (a socket or a device belongs to \
                         this machine, not to a task)",
                        path.display()
                    )),
                }
            }
            FileSource::Content(_) => None,
            FileSource::Environment(variable) => self
                .var(variable)
                .is_none()
                .then(|| format!("the config's environment variable {variable} is not set")),
        }
    }

    /// Build each derived image, FROM its base: a registry image, or the local image of
    /// `bases[index]` (the results of [`Docker::build_all`] for the same plan). Images come back in
    /// the order of `derived`. A folder whose target is a file in the base image is refused before
    /// that image is built.
    pub async fn build_derived(
        &self,
        project: &str,
        derived: &[DerivedImage],
        bases: &[LocalImage],
        events: &UnboundedSender<BuildEvent>,
    ) -> Result<Vec<LocalImage>, Error> {
        self.check_derived(derived)?;
        let mut images = Vec::with_capacity(derived.len());
        for image in derived {
            let base = match &image.base {
                BaseImage::Registry(reference) => reference.clone(),
                BaseImage::Build(index) => {
                    bases
                        .get(*index)
                        .map(|b| b.id.clone())
                        .ok_or_else(|| Error::Docker {
                            command: "build".into(),
                            detail: format!(
                                "the base image of service {:?} (build {index}) was not built",
                                image.service
                            ),
                        })?
                }
            };
            self.check_folder_targets(image, &base).await?;
            let context = tempfile::Builder::new()
                .prefix("docker-ecs-derive-")
                .tempdir_in(self.temp_dir())
                .map_err(Error::io(format!(
                    "creating a temporary directory for the image of service {:?}",
                    image.service
                )))?;
            let dockerfile = self.stage(image, &base, context.path())?;
            let spec = BuildSpec {
                service: image.service.clone(),
                context: context.path().to_string_lossy().into_owned(),
                dockerfile: None,
                dockerfile_inline: Some(dockerfile),
                args: BTreeMap::new(),
                target: None,
                labels: BTreeMap::new(),
                cache_from: Vec::new(),
                cache_to: Vec::new(),
                extra_hosts: Vec::new(),
                network: None,
                shm_size: None,
                ssh: Vec::new(),
                secrets: Vec::new(),
                additional_contexts: Vec::new(),
                ulimits: Vec::new(),
                no_cache: false,
                pull: false,
                platform: image.platform.clone(),
            };
            images.push(self.build(project, &spec, events).await?);
        }
        Ok(images)
    }

    /// Copy the files into `context` and return the Dockerfile that adds them to `base`.
    fn stage(&self, image: &DerivedImage, base: &str, context: &Path) -> Result<String, Error> {
        let mut dockerfile = format!("FROM {base}\n");
        for (index, file) in image.files.iter().enumerate() {
            let name = format!("files/{index}");
            let staged = context.join(&name);
            std::fs::create_dir_all(context.join("files")).map_err(Error::io(format!(
                "creating the build context of service {:?}",
                image.service
            )))?;
            let (owner, folder) = match &file.source {
                FileSource::Path(path) => {
                    let meta = std::fs::metadata(path)
                        .map_err(Error::io(format!("reading {}", path.display())))?;
                    copy_tree(path, &staged)?;
                    let owner = file.owner.unwrap_or((meta.uid(), meta.gid()));
                    if let Some(mode) = file.mode {
                        set_mode(&staged, mode)?;
                    }
                    (owner, meta.is_dir())
                }
                FileSource::Content(text) => {
                    write_config(&staged, text.as_bytes(), file.mode)?;
                    (file.owner.unwrap_or((0, 0)), false)
                }
                FileSource::Environment(variable) => {
                    let value = self.var(variable).unwrap_or_default();
                    write_config(&staged, value.as_encoded_bytes(), file.mode)?;
                    (file.owner.unwrap_or((0, 0)), false)
                }
            };
            let (source, target) = if folder {
                (
                    format!("{name}/"),
                    format!("{}/", file.target.trim_end_matches('/')),
                )
            } else {
                (name, file.target.clone())
            };
            dockerfile.push_str(&format!(
                "COPY --chown={}:{} {}\n",
                owner.0,
                owner.1,
                serde_json::json!([source, target])
            ));
        }
        Ok(dockerfile)
    }

    /// A folder copied onto a path that is a file in the base image cannot work (docker would
    /// fail half-way with a cryptic message): say which mount and why, before building.
    async fn check_folder_targets(&self, image: &DerivedImage, base: &str) -> Result<(), Error> {
        let folders: Vec<&BakedFile> = image
            .files
            .iter()
            .filter(|f| matches!(&f.source, FileSource::Path(p) if p.is_dir()))
            .collect();
        if folders.is_empty() {
            return Ok(());
        }
        let created = self
            .output(self.command(["create", "--platform", &image.platform, base, "true"]))
            .await?;
        if !created.status.success() {
            return Err(Error::Docker {
                command: format!("create {base}"),
                detail: crate::docker::said(&created),
            });
        }
        let container = String::from_utf8_lossy(&created.stdout).trim().to_string();
        let mut problems = Vec::new();
        for file in folders {
            let copied = self
                .output(self.command(["cp", &format!("{container}:{}", file.target), "-"]))
                .await?;
            // A tar stream: the first header's type flag (byte 156) says what the path is.
            let is_file = copied.status.success()
                && copied
                    .stdout
                    .get(156)
                    .is_some_and(|flag| matches!(flag, b'0' | 0 | b'7'));
            if is_file {
                problems.push(Problem {
                    service: image.service.clone(),
                    attribute: file.attribute.clone(),
                    message: format!(
                        "{}:{}: the source is a folder, but {} is a file in image {base}: mount a file there, \
                         or the folder somewhere else",
                        match &file.source {
                            FileSource::Path(p) => p.display().to_string(),
                            _ => String::new(),
                        },
                        file.target,
                        file.target
                    ),
                });
            }
        }
        let _ = self.output(self.command(["rm", "-f", &container])).await;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Unsupported(problems))
        }
    }
}

/// Copy a file or a folder (recursively), keeping modes and modification times; symbolic links are
/// followed, as a bind mount shows their targets.
fn copy_tree(from: &Path, to: &Path) -> Result<(), Error> {
    let meta = std::fs::metadata(from).map_err(Error::io(format!("reading {}", from.display())))?;
    if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(Error::io(format!("creating {}", to.display())))?;
        let mut entries: Vec<PathBuf> = std::fs::read_dir(from)
            .map_err(Error::io(format!("listing {}", from.display())))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(Error::io(format!("listing {}", from.display())))?;
        entries.sort();
        for entry in entries {
            let name = entry.file_name().unwrap_or_default();
            copy_tree(&entry, &to.join(name))?;
        }
    } else if meta.is_file() {
        std::fs::copy(from, to).map_err(Error::io(format!(
            "copying {} into the build context",
            from.display()
        )))?;
    } else {
        return Err(Error::Io {
            context: format!("copying {} into the build context", from.display()),
            error: std::io::Error::other("neither a file nor a folder (a socket or a device?)"),
        });
    }
    std::fs::set_permissions(to, meta.permissions())
        .map_err(Error::io(format!("setting the mode of {}", to.display())))?;
    let modified = meta
        .modified()
        .map_err(Error::io(format!("reading the time of {}", from.display())))?;
    set_time(to, modified)
}

fn set_time(path: &Path, time: std::time::SystemTime) -> Result<(), Error> {
    let opened = std::fs::File::open(path).and_then(|f| f.set_modified(time));
    opened.map_err(Error::io(format!("setting the time of {}", path.display())))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), Error> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(Error::io(format!("setting the mode of {}", path.display())))
}

/// A config from text: its mode (0444 unless given) and a fixed time.
fn write_config(path: &Path, content: &[u8], mode: Option<u32>) -> Result<(), Error> {
    std::fs::write(path, content).map_err(Error::io(format!("writing {}", path.display())))?;
    set_mode(path, mode.unwrap_or(0o444))?;
    set_time(path, FIXED_TIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_copied_with_its_modes_and_times() {
        let from = tempfile::tempdir().unwrap();
        std::fs::create_dir(from.path().join("sub")).unwrap();
        let script = from.path().join("sub/run.sh");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        set_mode(&script, 0o750).unwrap();
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        set_time(&script, when).unwrap();
        let to = tempfile::tempdir().unwrap();
        copy_tree(from.path(), &to.path().join("copy")).unwrap();
        let copied = std::fs::metadata(to.path().join("copy/sub/run.sh")).unwrap();
        assert_eq!(copied.permissions().mode() & 0o777, 0o750);
        assert_eq!(copied.modified().unwrap(), when);
    }

    #[test]
    fn a_config_from_text_has_its_mode_and_a_fixed_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("banner");
        write_config(&path, b"hello", Some(0o440)).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o440);
        assert_eq!(meta.modified().unwrap(), FIXED_TIME);
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    }
}
