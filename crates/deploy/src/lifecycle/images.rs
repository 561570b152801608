//! The images `up` makes, on their way to the stack: the images of `build:` services and the
//! derived images of services that get files of the project (bind mounts, configs), built with the
//! user's docker (`image_build`), pushed to Amazon ECR (`registry`), and handed to `up` as the
//! `<Service>Image` parameter values (`repository@sha256:...`).
//!
//! Order, so that bad input or a failing build leaves nothing in the account: the docker daemon is
//! checked first, then every build and every file, then everything is built locally (derived images
//! after the builds they start from); only then does the account see a call (login, repositories,
//! pushes). An image ECR already holds is not pushed again: each push also carries a tag naming the
//! local image id (`build-<id>`), which the next `up` looks for. So an unchanged source (docker's
//! cache gives the same image id) gives the same digest, hence an unchanged template and a no-op
//! `up`; a changed one always rolls out.

use image_build::{BuildEvent, Docker, LocalImage, RegistryAuth};
use template_builder::{BaseImage, Built, DerivedImage, ImageBuild, ImageTarget};
use tokio::sync::mpsc;

use crate::interrupt::Interrupts;
use crate::lifecycle::parameters::PushedImages;
use crate::lifecycle::progress::{ImageState, Progress, ProgressEvent};
use crate::lifecycle::registry::{self, Registry};
use crate::{Clients, Error};

/// What `up` builds: the template's build plan ([`Built::images`], [`Built::derived`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImagePlan {
    pub builds: Vec<ImageBuild>,
    /// Derived images; their [`BaseImage::Build`] indexes `builds`.
    pub derived: Vec<DerivedImage>,
}

/// What [`build`] made: one local image per build and per derived image, in plan order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalImages {
    pub builds: Vec<LocalImage>,
    pub derived: Vec<LocalImage>,
}

impl ImagePlan {
    pub fn of(built: &Built) -> ImagePlan {
        ImagePlan {
            builds: built.images.clone(),
            derived: built.derived.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.builds.is_empty() && self.derived.is_empty()
    }

    /// The services whose image `up` makes, in name order.
    pub fn services(&self) -> Vec<&str> {
        let mut services: Vec<&str> = self
            .builds
            .iter()
            .flat_map(|b| b.targets.iter().flat_map(|t| &t.services))
            .chain(self.derived.iter().map(|d| &d.service))
            .map(String::as_str)
            .collect();
        services.sort_unstable();
        services.dedup();
        services
    }

    /// The part of the plan that concerns `services` (all when empty): their builds and derived
    /// images, and the builds those start from. Unknown names are an error listing the services
    /// whose image `up` makes.
    pub fn select(&self, services: &[String]) -> Result<ImagePlan, Error> {
        if services.is_empty() {
            return Ok(self.clone());
        }
        let known = self.services();
        let unknown: Vec<&str> = services
            .iter()
            .map(String::as_str)
            .filter(|s| !known.contains(s))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "no service with build:, bind mounts or configs named {}; those are: {}",
                unknown.join(", "),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
        let named = |service: &String| services.contains(service);
        let derived: Vec<&DerivedImage> =
            self.derived.iter().filter(|d| named(&d.service)).collect();
        // Builds kept: those a named service runs, or a kept derived image starts from.
        let kept: Vec<usize> = (0..self.builds.len())
            .filter(|&index| {
                self.builds[index]
                    .targets
                    .iter()
                    .any(|t| t.services.iter().any(named))
                    || derived.iter().any(|d| d.base == BaseImage::Build(index))
            })
            .collect();
        let builds = kept
            .iter()
            .map(|&index| {
                let mut build = self.builds[index].clone();
                for target in &mut build.targets {
                    target.services.retain(named);
                }
                build.targets.retain(|t| !t.services.is_empty());
                build
            })
            .collect();
        let derived = derived
            .into_iter()
            .map(|d| {
                let mut d = d.clone();
                if let BaseImage::Build(index) = d.base {
                    let moved = kept.iter().position(|&k| k == index);
                    d.base = BaseImage::Build(moved.expect("the base of a kept image is kept"));
                }
                d
            })
            .collect();
        Ok(ImagePlan { builds, derived })
    }

    /// Each repository an image goes to, with the local image that goes there.
    fn destinations<'a>(
        &'a self,
        images: &'a LocalImages,
    ) -> impl Iterator<Item = (&'a ImageTarget, &'a LocalImage)> {
        let built = self
            .builds
            .iter()
            .zip(&images.builds)
            .flat_map(|(build, image)| build.targets.iter().map(move |t| (t, image)));
        let derived = self
            .derived
            .iter()
            .zip(&images.derived)
            .map(|(d, image)| (&d.target, image));
        built.chain(derived)
    }

    fn targets(&self) -> impl Iterator<Item = &ImageTarget> {
        self.builds
            .iter()
            .flat_map(|b| &b.targets)
            .chain(self.derived.iter().map(|d| &d.target))
    }
}

/// The tag that says which local image a pushed one was built as.
pub fn build_tag(image: &LocalImage) -> String {
    format!("build-{}", image.id.trim_start_matches("sha256:"))
}

/// Connect to the user's docker and check every build and every file, before anything is built.
pub async fn prepare(plan: &ImagePlan) -> Result<Docker, Error> {
    let docker = Docker::connect().await?;
    docker.check(&plan.builds)?;
    docker.check_derived(&plan.derived)?;
    Ok(docker)
}

/// Build every image locally, derived ones after their bases, with the build output as progress.
/// None: interrupted (the docker processes are stopped).
pub async fn build(
    docker: &Docker,
    project: &str,
    plan: &ImagePlan,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<Option<LocalImages>, Error> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let building = async {
        let builds = docker.build_all(project, &plan.builds, &sender).await?;
        let derived = docker
            .build_derived(project, &plan.derived, &builds, &sender)
            .await?;
        Ok(LocalImages { builds, derived })
    };
    following(interrupts, progress, receiver, building).await
}

/// Push what `build` made to Amazon ECR, unless it holds it already; the image each service runs.
/// None: interrupted.
pub async fn push(
    clients: &Clients,
    project: &str,
    docker: &Docker,
    plan: &ImagePlan,
    images: &LocalImages,
    progress: &mut dyn Progress,
    interrupts: &mut Interrupts,
) -> Result<Option<PushedImages>, Error> {
    if plan.is_empty() {
        return Ok(Some(PushedImages::new()));
    }
    let Some(registry) = interrupts
        .unless_interrupted(registry::login(&clients.ecr))
        .await
        .transpose()?
    else {
        return Ok(None);
    };
    check_registries(plan, &registry)?;
    let mut pushed = PushedImages::new();
    for (target, image) in plan.destinations(images) {
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
    Ok(Some(pushed))
}

/// What `diff` needs without changing anything remote: each service's image as ECR holds it when
/// this build was pushed before, and the services whose image is new (they would get a new image;
/// their parameter gets a stand-in digest so the change set shows what changes).
pub async fn preview(
    clients: &Clients,
    plan: &ImagePlan,
    images: &LocalImages,
) -> Result<(PushedImages, Vec<String>), Error> {
    let mut images_of = PushedImages::new();
    let mut new = Vec::new();
    for (target, image) in plan.destinations(images) {
        let uri = registry::repository_uri(&clients.ecr, &target.repository).await?;
        let digest = match &uri {
            Some(_) => {
                registry::image_digest(&clients.ecr, &target.repository, &build_tag(image)).await?
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
    plan: &ImagePlan,
    progress: &mut dyn Progress,
) -> Result<PushedImages, Error> {
    let mut pushed = PushedImages::new();
    for target in plan.targets() {
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
    Ok(pushed)
}

/// An `image:` naming an ECR registry must name the deploy account's, in the deploy region.
fn check_registries(plan: &ImagePlan, registry: &Registry) -> Result<(), Error> {
    let wrong: Vec<String> = plan
        .targets()
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

/// Push one image to one repository unless ECR already holds it; `uri@digest`.
async fn push_target(
    clients: &Clients,
    project: &str,
    docker: &Docker,
    registry: &Registry,
    image: &LocalImage,
    target: &ImageTarget,
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

#[cfg(test)]
mod tests {
    use super::*;
    use template_builder::BuildSpec;

    fn target(repository: &str, services: &[&str]) -> ImageTarget {
        ImageTarget {
            repository: repository.into(),
            tag: "latest".into(),
            registry: None,
            services: services.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn build(service: &str, targets: Vec<ImageTarget>, base_of: &[&str]) -> ImageBuild {
        ImageBuild {
            spec: BuildSpec {
                service: service.into(),
                context: format!("/src/{service}"),
                dockerfile: None,
                dockerfile_inline: None,
                args: Default::default(),
                target: None,
                labels: Default::default(),
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
                platform: "linux/amd64".into(),
            },
            targets,
            base_of: base_of.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn derived(service: &str, base: BaseImage) -> DerivedImage {
        DerivedImage {
            service: service.into(),
            base,
            files: Vec::new(),
            target: target(&format!("shop/{service}"), &[service]),
            platform: "linux/amd64".into(),
        }
    }

    fn plan() -> ImagePlan {
        ImagePlan {
            builds: vec![
                build("api", vec![target("shop/api", &["api"])], &[]),
                build(
                    "web",
                    vec![target("shop/web", &["web", "admin"])],
                    &["proxy"],
                ),
            ],
            derived: vec![
                derived("proxy", BaseImage::Build(1)),
                derived("docs", BaseImage::Registry("nginx:1.27".into())),
            ],
        }
    }

    #[test]
    fn the_services_of_a_plan_are_those_of_its_builds_and_derived_images() {
        assert_eq!(plan().services(), ["admin", "api", "docs", "proxy", "web"]);
    }

    #[test]
    fn selecting_a_derived_image_keeps_the_build_it_starts_from() {
        let selected = plan().select(&["proxy".to_string()]).unwrap();
        assert_eq!(selected.builds.len(), 1);
        assert_eq!(selected.builds[0].spec.service, "web");
        // The base build is built, not pushed: no selected service runs it as it is.
        assert!(selected.builds[0].targets.is_empty());
        assert_eq!(selected.derived.len(), 1);
        assert_eq!(selected.derived[0].base, BaseImage::Build(0));
    }

    #[test]
    fn selecting_keeps_only_the_named_services_of_a_shared_build() {
        let selected = plan()
            .select(&["admin".to_string(), "docs".to_string()])
            .unwrap();
        assert_eq!(selected.builds.len(), 1);
        assert_eq!(selected.builds[0].targets[0].services, ["admin"]);
        assert_eq!(selected.derived.len(), 1);
        assert_eq!(selected.derived[0].service, "docs");
    }

    #[test]
    fn an_unknown_service_is_named_with_the_known_ones() {
        let err = plan().select(&["db".to_string()]).unwrap_err().to_string();
        assert!(err.contains("db"), "{err}");
        assert!(err.contains("admin, api, docs, proxy, web"), "{err}");
    }
}
