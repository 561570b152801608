//! The images of `build:` services, on their way to the stack: built with the user's docker
//! (`image_build`), pushed to Amazon ECR (`registry`), and handed to `up` as the `<Service>Image`
//! parameter values (`repository@sha256:...`).
//!
//! Order, so that bad input or a failing build leaves nothing in the account: the docker daemon is
//! checked first, then every build is checked, then everything is built locally; only then does the
//! account see a call (login, repositories, pushes). An image whose build ECR already holds is not
//! pushed again: each push also carries a tag naming the local image id (`build-<id>`), which the
//! next `up` looks for. So an unchanged source (the build comes from docker's cache) gives the same
//! digest, hence an unchanged template and a no-op `up`; a changed one always rolls out.

use image_build::{BuildEvent, Docker, LocalImage, RegistryAuth};
use template_builder::ImageBuild;
use tokio::sync::mpsc;

use crate::interrupt::Interrupts;
use crate::lifecycle::parameters::PushedImages;
use crate::lifecycle::progress::{ImageState, Progress, ProgressEvent};
use crate::lifecycle::registry::{self, Registry};
use crate::{Clients, Error};

/// The tag that says which local image a pushed one was built as.
pub fn build_tag(image: &LocalImage) -> String {
    format!("build-{}", image.id.trim_start_matches("sha256:"))
}

/// The builds that concern `services` (all when empty): a build is kept when one of its services
/// is named. Unknown names are an error listing the services that build.
pub fn select(builds: &[ImageBuild], services: &[String]) -> Result<Vec<ImageBuild>, Error> {
    if services.is_empty() {
        return Ok(builds.to_vec());
    }
    let known: Vec<&str> = builds.iter().flat_map(|b| b.services()).collect();
    let unknown: Vec<&str> = services
        .iter()
        .map(String::as_str)
        .filter(|s| !known.contains(s))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "no service with build: named {}; the services that build are: {}",
            unknown.join(", "),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    Ok(builds
        .iter()
        .filter(|b| b.services().iter().any(|s| services.iter().any(|n| n == s)))
        .cloned()
        .collect())
}

/// Connect to the user's docker and check every build can be done, before anything is built.
pub async fn prepare(builds: &[ImageBuild]) -> Result<Docker, Error> {
    let docker = Docker::connect().await.map_err(Error::Image)?;
    docker.check(builds).map_err(Error::Image)?;
    Ok(docker)
}

/// Build every image locally, with the build output as progress. None: interrupted (the docker
/// processes are stopped).
pub async fn build(
    docker: &Docker,
    project: &str,
    builds: &[ImageBuild],
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<Option<Vec<LocalImage>>, Error> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let building = docker.build_all(project, builds, &sender);
    following(interrupts, progress, receiver, async {
        building.await.map_err(Error::Image)
    })
    .await
}

/// Push the images `build` made for `builds` to Amazon ECR, unless it holds them already; the image
/// each of their services runs. None: interrupted.
pub async fn push(
    clients: &Clients,
    project: &str,
    docker: &Docker,
    builds: &[ImageBuild],
    images: &[LocalImage],
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<Option<PushedImages>, Error> {
    if builds.is_empty() {
        return Ok(Some(PushedImages::new()));
    }
    let Some(registry) = interrupts
        .unless_interrupted(registry::login(&clients.ecr))
        .await
        .transpose()?
    else {
        return Ok(None);
    };
    check_registries(builds, &registry)?;
    let mut pushed = PushedImages::new();
    for (build, image) in builds.iter().zip(images) {
        for target in &build.targets {
            let Some(reference) = interrupts
                .unless_interrupted(push_target(
                    clients, project, docker, &registry, image, target, progress,
                ))
                .await
                .transpose()?
            else {
                return Ok(None);
            };
            for service in &target.services {
                pushed.insert(service.clone(), reference.clone());
            }
        }
    }
    Ok(Some(pushed))
}

/// What `diff` needs without changing anything remote: each built service's image as ECR holds it
/// when this build was pushed before, and the services whose build is new (they would get a new
/// image; their parameter gets a stand-in digest so the change set shows what changes).
pub async fn preview(
    clients: &Clients,
    builds: &[ImageBuild],
    images: &[LocalImage],
) -> Result<(PushedImages, Vec<String>), Error> {
    let mut images_of = PushedImages::new();
    let mut new = Vec::new();
    for (build, image) in builds.iter().zip(images) {
        for target in &build.targets {
            let uri = registry::repository_uri(&clients.ecr, &target.repository).await?;
            let digest = match &uri {
                Some(_) => {
                    registry::image_digest(&clients.ecr, &target.repository, &build_tag(image))
                        .await?
                }
                None => None,
            };
            let reference = match (uri, digest) {
                (Some(uri), Some(digest)) => format!("{uri}@{digest}"),
                (uri, _) => {
                    new.extend(target.services.iter().cloned());
                    let uri = uri.unwrap_or_else(|| target.repository.clone());
                    format!("{uri}@{}", stand_in_digest(image))
                }
            };
            for service in &target.services {
                images_of.insert(service.clone(), reference.clone());
            }
        }
    }
    new.sort();
    Ok((images_of, new))
}

/// A digest-shaped value that differs from every deployed one: the local image id (never a
/// manifest digest ECR serves).
fn stand_in_digest(image: &LocalImage) -> String {
    if image.id.starts_with("sha256:") {
        image.id.clone()
    } else {
        format!("sha256:{}", image.id)
    }
}

/// `--no-build`: the image each target's tag points at now.
pub async fn last_pushed(
    clients: &Clients,
    builds: &[ImageBuild],
    progress: &mut dyn Progress,
) -> Result<PushedImages, Error> {
    let mut pushed = PushedImages::new();
    for build in builds {
        for target in &build.targets {
            let missing = || {
                Error::Precondition(format!(
                    "--no-build: {} has no image tagged {} in Amazon ECR for service {}: run `docker ecs up` without --no-build (or `docker ecs push`) first",
                    target.repository,
                    target.tag,
                    target.services.join(", ")
                ))
            };
            let uri = registry::repository_uri(&clients.ecr, &target.repository)
                .await?
                .ok_or_else(missing)?;
            let digest = registry::image_digest(&clients.ecr, &target.repository, &target.tag)
                .await?
                .ok_or_else(missing)?;
            for service in &target.services {
                progress.report(ProgressEvent::Image {
                    service: service.clone(),
                    state: ImageState::UpToDate {
                        digest: digest.clone(),
                    },
                });
                pushed.insert(service.clone(), format!("{uri}@{digest}"));
            }
        }
    }
    Ok(pushed)
}

/// An `image:` naming an ECR registry must name the deploy account's, in the deploy region.
fn check_registries(builds: &[ImageBuild], registry: &Registry) -> Result<(), Error> {
    let wrong: Vec<String> = builds
        .iter()
        .flat_map(|b| &b.targets)
        .filter_map(|t| {
            let host = t.registry.as_ref()?;
            (*host != registry.host).then(|| {
                format!(
                    "service {}: image: names registry {host}, but this account's registry in this region is {}",
                    t.services.join(", "),
                    registry.host
                )
            })
        })
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(Error::Precondition(format!(
            "{}; remove the registry from image: (the repository path is enough) or deploy with that account and region",
            wrong.join("; ")
        )))
    }
}

/// Push one build to one repository unless ECR already holds it; `uri@digest`.
async fn push_target(
    clients: &Clients,
    project: &str,
    docker: &Docker,
    registry: &Registry,
    image: &LocalImage,
    target: &template_builder::ImageTarget,
    progress: &mut dyn Progress,
) -> Result<String, Error> {
    let repository = registry::ensure_repository(&clients.ecr, project, &target.repository).await?;
    let content_tag = build_tag(image);
    if let Some(digest) =
        registry::image_digest(&clients.ecr, &target.repository, &content_tag).await?
    {
        for service in &target.services {
            progress.report(ProgressEvent::Image {
                service: service.clone(),
                state: ImageState::UpToDate {
                    digest: digest.clone(),
                },
            });
        }
        return Ok(format!("{}@{digest}", repository.uri));
    }
    let auth = RegistryAuth {
        registry: registry.host.clone(),
        username: registry.username.clone(),
        password: registry.password.clone(),
    };
    // The build's own tag carries the layers; the image's tag is then only a new name for it.
    let (sender, receiver) = mpsc::unbounded_channel();
    let reference = format!("{}:{content_tag}", repository.uri);
    let pushing = docker.push(image, &reference, &auth, &sender);
    let pushed = following(&mut Interrupts::none(), progress, receiver, async {
        pushing.await.map_err(Error::Image)
    })
    .await?;
    let (quiet, _) = mpsc::unbounded_channel();
    let reference = format!("{}:{}", repository.uri, target.tag);
    let digest = docker.push(image, &reference, &auth, &quiet).await?;
    debug_assert!(pushed.is_none_or(|first| first == digest));
    for service in &target.services {
        progress.report(ProgressEvent::Image {
            service: service.clone(),
            state: ImageState::Pushed {
                digest: digest.clone(),
            },
        });
    }
    Ok(format!("{}@{digest}", repository.uri))
}

/// Run `work` while its events become progress; stop it on Ctrl-C (None).
async fn following<T>(
    interrupts: &mut Interrupts,
    progress: &mut dyn Progress,
    mut receiver: mpsc::UnboundedReceiver<BuildEvent>,
    work: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<Option<T>, Error> {
    let mut work = std::pin::pin!(interrupts.unless_interrupted(work));
    loop {
        tokio::select! {
            biased;
            Some(event) = receiver.recv() => report(progress, event),
            done = &mut work => {
                while let Ok(event) = receiver.try_recv() {
                    report(progress, event);
                }
                return done.transpose();
            }
        }
    }
}

fn report(progress: &mut dyn Progress, event: BuildEvent) {
    let (service, state) = match event {
        BuildEvent::Building { service } => (service, ImageState::Building),
        BuildEvent::Log { service, line } => {
            progress.report(ProgressEvent::BuildLog { service, line });
            return;
        }
        BuildEvent::Built { service, id } => (service, ImageState::Built { id }),
        BuildEvent::Failed { service, .. } => (service, ImageState::Failed),
        BuildEvent::Pushing { service, bytes, .. } => (service, ImageState::Pushing { bytes }),
        // Reported once per target by push_target, after both tags.
        BuildEvent::Pushed { .. } => return,
    };
    progress.report(ProgressEvent::Image { service, state });
}
