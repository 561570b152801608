//! Progress of builds and pushes, as values for whoever draws it: this crate prints nothing.

/// What a build or a push is doing; sent as it happens (a closed receiver is ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildEvent {
    /// The build of `service`'s image started (it may have waited for a free slot).
    Building {
        /// The service the build is named after.
        service: String,
    },
    /// A line the build printed (stdout or stderr), escape codes removed.
    Log {
        /// The service the build is named after.
        service: String,
        /// The line, without its line end.
        line: String,
    },
    /// The build succeeded.
    Built {
        /// The service the build is named after.
        service: String,
        /// The image id, `sha256:...`.
        id: String,
    },
    /// The build failed; [`crate::Error::BuildFailed`] follows with the same tail.
    Failed {
        /// The service the build is named after.
        service: String,
        /// The last lines the build printed.
        tail: Vec<String>,
    },
    /// `docker push` of `reference` started.
    Pushing {
        /// The service the image was built for.
        service: String,
        /// `host/repository:tag`.
        reference: String,
        /// The image's size (uncompressed, as `docker image inspect` reports it), when known.
        bytes: Option<u64>,
    },
    /// The registry has the image.
    Pushed {
        /// The service the image was built for.
        service: String,
        /// `host/repository:tag`.
        reference: String,
        /// The manifest digest the registry serves, `sha256:...`.
        digest: String,
    },
}
