//! What can stop a build or a push, worded for the person who typed `docker ecs up`: each message
//! names the service and the Compose attribute, or the image reference, and what to do next. No
//! message ever holds a registry password (push.rs redacts docker's output before it gets here).

use std::fmt;

/// Why the images could not be built or pushed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The docker CLI is not installed (or `DOCKER_ECS_DOCKER_CLI` names nothing runnable).
    #[error(
        "the docker CLI ({program}) was not found: building images needs Docker; install it, or set \
         DOCKER_ECS_DOCKER_CLI to the docker program"
    )]
    DockerNotFound {
        /// The program we tried to run.
        program: String,
    },

    /// `docker version` could not reach the daemon (not running, wrong socket, unknown context...).
    #[error(
        "the Docker daemon is not reachable: is the Docker daemon running? {endpoint}\n  docker: {detail}"
    )]
    DaemonUnreachable {
        /// Where the CLI looked: `DOCKER_HOST=...`, `DOCKER_CONTEXT=...`, the current context, or
        /// the default socket.
        endpoint: String,
        /// What docker said.
        detail: String,
    },

    /// What [`crate::Docker::check`] found: everything that would stop a build, all at once.
    #[error("the images cannot be built:\n{}", lines(.0))]
    Unsupported(Vec<Problem>),

    /// A `docker build` exited with an error.
    #[error("building the image of service {service:?} failed; the last lines docker printed:\n{}", indent(.tail))]
    BuildFailed {
        /// The service the build is named after ([`template_builder::BuildSpec::service`]).
        service: String,
        /// The last lines of the build's output (stdout and stderr), escape codes removed.
        tail: Vec<String>,
    },

    /// Tagging or `docker push` failed, or the pushed digest could not be read.
    #[error("pushing {reference} failed: {detail}")]
    PushFailed {
        /// `host/repository:tag`.
        reference: String,
        /// What docker said (the registry password removed).
        detail: String,
    },

    /// A docker command we rely on failed in a way not covered above.
    #[error("`docker {command}` failed: {detail}")]
    Docker {
        /// The command, without the program: `image inspect ...`.
        command: String,
        /// What docker said.
        detail: String,
    },

    /// A local file operation failed (the temporary files of a build or a push).
    #[error("{context}: {error}")]
    Io {
        /// What we were doing.
        context: String,
        #[source]
        error: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |error| Error::Io { context, error }
    }
}

/// One thing that stops a build, found before anything is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The service the build is named after.
    pub service: String,
    /// The Compose attribute: `build.ssh`, `build.secrets`, `platform`...
    pub attribute: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "service {:?}: {}: {}",
            self.service, self.attribute, self.message
        )
    }
}

fn lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|problem| format!("  {problem}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn indent(tail: &[String]) -> String {
    tail.iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_and_a_build_tail_are_one_line_each() {
        let problem = |service: &str, attribute: &str| Problem {
            service: service.into(),
            attribute: attribute.into(),
            message: "needs BuildKit (docker buildx), which is not installed".into(),
        };
        let error = Error::Unsupported(vec![
            problem("web", "build.ssh"),
            problem("api", "build.secrets"),
        ]);
        assert_eq!(
            error.to_string(),
            "the images cannot be built:\n  \
             service \"web\": build.ssh: needs BuildKit (docker buildx), which is not installed\n  \
             service \"api\": build.secrets: needs BuildKit (docker buildx), which is not installed"
        );
        let error = Error::BuildFailed {
            service: "web".into(),
            tail: vec!["Step 2/2 : RUN make".into(), "make: *** No rule".into()],
        };
        assert_eq!(
            error.to_string(),
            "building the image of service \"web\" failed; the last lines docker printed:\n  \
             Step 2/2 : RUN make\n  make: *** No rule"
        );
    }
}
