//! image-build's integration tests, in one binary: a real Docker daemon and registry
//! (e2e/local_docker.sh, through `support`), the real docker CLI, no mocks. They need root and
//! Debian's docker.io, docker-registry and busybox-static; there is no network and no buildx, so
//! images build `FROM busybox:1.36` (imported by local_docker.sh) with the classic builder.

mod support;

mod build;
mod connect;
mod push;
