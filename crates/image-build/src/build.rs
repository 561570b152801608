//! Building the images: every build checked first, then several at once, each streaming its output
//! as events. The first failure stops the others: their futures are dropped, which kills their
//! docker processes (`kill_on_drop`), and the daemon cancels a build whose client went away.

use std::future::Future;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Mutex, PoisonError};
use std::task::Poll;

use template_builder::{BuildSpec, ImageBuild};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::Semaphore;

use crate::args::build_command;
use crate::output::{read_lines, Tail};
use crate::{BuildEvent, Docker, Error};

/// How many of a failed build's last lines its error keeps.
pub const TAIL_LINES: usize = 20;

/// The registry part of local tags: a name no one pushes to, so a local tag is never mistaken for a
/// pushed image.
pub const LOCAL_REGISTRY: &str = "docker-ecs.local";

/// A built image in the daemon's image store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalImage {
    /// The service the build is named after ([`BuildSpec::service`]).
    pub service: String,
    /// The image id, `sha256:...` (read from `--iidfile`).
    pub id: String,
    /// The tag that keeps it from being pruned: `docker-ecs.local/<project>/<service>:latest`.
    pub local_tag: String,
}

type Running<'a> = Pin<Box<dyn Future<Output = Result<LocalImage, Error>> + Send + 'a>>;

impl Docker {
    /// Build every image (after [`Docker::check`]), [`Docker::parallelism`] at once, each for its
    /// `spec.platform`: `docker buildx build --load` with buildx, else the classic `docker build`.
    /// Each result is tagged [`LocalImage::local_tag`]. Progress goes to `events`; the build output
    /// streams as [`BuildEvent::Log`] lines. The first failure returns [`Error::BuildFailed`] with
    /// the last [`TAIL_LINES`] lines and stops the other builds. The images come back in the order
    /// of `builds`.
    pub async fn build_all(
        &self,
        project: &str,
        builds: &[ImageBuild],
        events: &UnboundedSender<BuildEvent>,
    ) -> Result<Vec<LocalImage>, Error> {
        self.check(builds)?;
        let slots = Semaphore::new(self.parallelism);
        let slots = &slots;
        // One future per build, polled here (not spawned): dropping this future drops them all.
        let mut running: Vec<Option<Running<'_>>> = builds
            .iter()
            .map(|build| {
                Some(Box::pin(async move {
                    let _slot = slots
                        .acquire()
                        .await
                        .expect("the semaphore is never closed");
                    self.build(project, &build.spec, events).await
                }) as Running<'_>)
            })
            .collect();
        let mut built: Vec<Option<LocalImage>> = vec![None; builds.len()];
        std::future::poll_fn(|cx| {
            for (index, slot) in running.iter_mut().enumerate() {
                let Some(future) = slot else { continue };
                if let Poll::Ready(result) = future.as_mut().poll(cx) {
                    *slot = None;
                    match result {
                        Ok(image) => built[index] = Some(image),
                        Err(error) => return Poll::Ready(Err(error)),
                    }
                }
            }
            if running.iter().all(Option::is_none) {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await?;
        Ok(built.into_iter().flatten().collect())
    }

    /// One build, start to end.
    pub(crate) async fn build(
        &self,
        project: &str,
        spec: &BuildSpec,
        events: &UnboundedSender<BuildEvent>,
    ) -> Result<LocalImage, Error> {
        let service = spec.service.as_str();
        let send = |event: BuildEvent| {
            // A closed receiver only means no one is watching.
            let _ = events.send(event);
        };
        send(BuildEvent::Building {
            service: service.into(),
        });
        let scratch = tempfile::Builder::new()
            .prefix("docker-ecs-build-")
            .tempdir_in(self.temp_dir())
            .map_err(Error::io(format!(
                "creating a temporary directory for the build of service {service:?}"
            )))?;
        let iidfile = scratch.path().join("image-id");
        let local_tag = local_tag(project, service);
        let plan = build_command(spec, self.buildx, &local_tag, &iidfile);
        let mut command = self.command(&plan.args);
        command.envs(plan.env.iter().copied());
        if plan.stdin.is_some() {
            command.stdin(Stdio::piped());
        }
        let mut child = command.spawn().map_err(|error| self.spawn_error(error))?;
        let (stdin, stdout, stderr) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take());

        let tail = Mutex::new(Tail::new(TAIL_LINES));
        let on_line = |line: String| {
            tail.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(&line);
            send(BuildEvent::Log {
                service: service.into(),
                line,
            });
        };
        let write = async {
            if let (Some(mut stdin), Some(text)) = (stdin, &plan.stdin) {
                // docker stops reading when it fails early; its exit status tells why.
                let _ = stdin.write_all(text.as_bytes()).await;
            }
        };
        let stdout = async {
            if let Some(stdout) = stdout {
                read_lines(stdout, &on_line).await;
            }
        };
        let stderr = async {
            if let Some(stderr) = stderr {
                read_lines(stderr, &on_line).await;
            }
        };
        let (status, (), (), ()) = tokio::join!(child.wait(), write, stdout, stderr);
        let status = status.map_err(Error::io(format!(
            "waiting for the build of service {service:?}"
        )))?;
        if !status.success() {
            let tail = tail
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .into_lines();
            send(BuildEvent::Failed {
                service: service.into(),
                tail: tail.clone(),
            });
            return Err(Error::BuildFailed {
                service: service.into(),
                tail,
            });
        }
        let id = std::fs::read_to_string(&iidfile)
            .map_err(Error::io(format!(
                "reading the image id of service {service:?} from {}",
                iidfile.display()
            )))?
            .trim()
            .to_string();
        if !id.starts_with("sha256:") {
            return Err(Error::Docker {
                command: if self.buildx { "buildx build" } else { "build" }.into(),
                detail: format!("the image id written to --iidfile is {id:?}, not sha256:..."),
            });
        }
        send(BuildEvent::Built {
            service: service.into(),
            id: id.clone(),
        });
        Ok(LocalImage {
            service: service.into(),
            id,
            local_tag,
        })
    }
}

/// `docker-ecs.local/<project>/<service>:latest`, each part made a valid reference component.
pub fn local_tag(project: &str, service: &str) -> String {
    format!(
        "{LOCAL_REGISTRY}/{}/{}:latest",
        component(project),
        component(service)
    )
}

/// A reference path component: lowercase letters and digits, separated by `.`, `_`, `__` or dashes
/// (other characters and separator runs become `-`).
fn component(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let mut out = String::new();
    let mut separator = String::new();
    for c in lower.chars() {
        if c.is_ascii_alphanumeric() {
            if !out.is_empty() && !separator.is_empty() {
                let valid = matches!(separator.as_str(), "." | "_" | "__")
                    || separator.chars().all(|s| s == '-');
                out.push_str(if valid { &separator } else { "-" });
            }
            separator.clear();
            out.push(c);
        } else {
            separator.push(c);
        }
    }
    if out.is_empty() {
        "unnamed".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_tags_are_valid_references() {
        assert_eq!(local_tag("shop", "web"), "docker-ecs.local/shop/web:latest");
        assert_eq!(
            local_tag("my_app", "Web.API"),
            "docker-ecs.local/my_app/web.api:latest"
        );
        assert_eq!(
            local_tag("a--b", "_x..y__z-"),
            "docker-ecs.local/a--b/x-y__z:latest"
        );
        assert_eq!(
            local_tag("", "é"),
            "docker-ecs.local/unnamed/unnamed:latest"
        );
    }
}
