#!/usr/bin/env bash
# A local sandbox for docker ecs: a local AWS API (moto, through e2e/moto_launcher.py), an image registry and, when
# needed, a Docker daemon, all listening on 127.0.0.1 or a unix socket only. Runs COMMAND pointed at them, stops
# everything it started when COMMAND ends (or on Ctrl-C), and exits with COMMAND's status.
#
#   e2e/sandbox.sh COMMAND [ARG...]
#   e2e/sandbox.sh sh -c 'cd examples/build-web && docker ecs up && docker ecs ps && docker ecs down'
#
# COMMAND's environment:
#   AWS_ENDPOINT_URL=http://127.0.0.1:PORT   the local AWS API; AWS_ACCESS_KEY_ID=test, AWS_SECRET_ACCESS_KEY=test,
#                                            AWS_REGION=us-east-1, no AWS profile, config or credentials file
#   DOCKER_ECS_E2E_REGISTRY=127.0.0.1:PORT   the registry behind the local ECR (repositoryUri 127.0.0.1:PORT/NAME)
#   DOCKER_HOST=unix://DIR/docker.sock       when the sandbox started a daemon of its own (else yours as you set it,
#                                            or DOCKER_CONTEXT=your current context)
#   DOCKER_CONFIG=DIR                        a docker config of its own, so logins to the sandbox's registry never
#                                            reach yours; your cli-plugins and contexts are linked into it
#   DOCKER_ECS_POLL_INTERVAL_MS=500          unless set already
#
# The Docker daemon is yours when the docker CLI reaches one that reaches this machine's 127.0.0.1 (any dockerd
# pushes to a 127.0.0.0/8 registry over plain HTTP); a daemon in a VM (Docker Desktop), rootless or remote does
# not, and then the sandbox starts its own, which needs root and has busybox:1.36 so builds work offline.
# DOCKER_ECS_SANDBOX_DAEMON=own or =yours forces the choice. Needs the Python venv (`make venv`; VENV=DIR for
# another) and Debian's docker-registry (and docker.io, busybox-static for a daemon of its own).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="$VENV/bin/python"
DAEMON_CHOICE="${DOCKER_ECS_SANDBOX_DAEMON:-auto}"

say() { printf 'sandbox: %s\n' "$*" >&2; }
die() {
    printf 'sandbox: %s\n' "$*" >&2
    exit 1
}

[ $# -gt 0 ] || {
    echo "usage: $0 COMMAND [ARG...]   (runs COMMAND against a local AWS API, registry and Docker daemon)" >&2
    exit 2
}
case "$DAEMON_CHOICE" in auto | own | yours) ;; *) die "DOCKER_ECS_SANDBOX_DAEMON must be auto, own or yours" ;; esac
[ -x "$PYTHON" ] || die "no Python venv at $VENV: run \`make venv\` (or set VENV)"
"$PYTHON" -c 'import moto' 2>/dev/null || die "moto is not installed in $VENV: run \`make venv\`"
command -v docker >/dev/null || die "the docker CLI is not installed"
command -v docker-registry >/dev/null || die "docker-registry is not installed (Debian's docker-registry package)"

STATE="$(mktemp -d "${TMPDIR:-/tmp}/docker-ecs-sandbox.XXXXXX")"
MOTO_PID=""

stop_all() {
    local status=$?
    trap - EXIT INT TERM HUP
    if [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null; then
        for _ in $(seq 1 50); do
            kill -0 "$MOTO_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    bash "$ROOT/e2e/local_docker.sh" stop "$STATE/docker" || true
    rm -rf "$STATE" 2>/dev/null || say "could not remove $STATE"
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Services run in a session of their own (setsid), so a Ctrl-C reaches COMMAND but not what COMMAND talks to
# while it winds down; stop_all stops them afterwards.
DETACHED=()
if command -v setsid >/dev/null; then DETACHED=(setsid); fi

show_log() { # file
    [ -f "$1" ] && tail -n 20 "$1" | sed 's/^/    /' >&2
    return 0
}

# The registry, in the sandbox's own directory.
mkdir -p "$STATE/docker"
registry_line="$("${DETACHED[@]}" bash "$ROOT/e2e/local_docker.sh" start-registry "$STATE/docker")" ||
    die "the registry did not start"
REGISTRY="${registry_line#DOCKER_ECS_E2E_REGISTRY=}"

# A docker config of the sandbox's own, with the caller's CLI plugins and contexts.
CALLER_CONFIG="${DOCKER_CONFIG:-$HOME/.docker}"
mkdir -p "$STATE/docker-config"
for shared in cli-plugins contexts; do
    if [ -d "$CALLER_CONFIG/$shared" ]; then ln -s "$CALLER_CONFIG/$shared" "$STATE/docker-config/$shared"; fi
done
if [ -z "${DOCKER_HOST:-}" ]; then
    DOCKER_CONTEXT="$(docker context inspect --format '{{.Name}}' 2>/dev/null || echo default)"
    export DOCKER_CONTEXT
fi
export DOCKER_CONFIG="$STATE/docker-config"

# Which daemon: the caller's when it can pull from our registry (its answer, "manifest unknown", proves it
# reached it), else our own.
reaches_registry() {
    local answer
    timeout 15 docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || return 1
    answer="$(timeout 60 docker pull "$REGISTRY/docker-ecs-sandbox-probe:none" 2>&1)" && return 0
    case "$answer" in *"manifest unknown"*) return 0 ;; esac
    say "your Docker daemon cannot pull from $REGISTRY: ${answer##*$'\n'}"
    return 1
}
use_yours=false
case "$DAEMON_CHOICE" in
own) ;;
yours)
    reaches_registry || die "DOCKER_ECS_SANDBOX_DAEMON=yours, but your Docker daemon cannot reach $REGISTRY"
    use_yours=true
    ;;
auto) if reaches_registry; then use_yours=true; fi ;;
esac
if $use_yours; then
    say "docker daemon: yours (${DOCKER_HOST:-context $DOCKER_CONTEXT})"
else
    [ "$(id -u)" -eq 0 ] || die "no Docker daemon that reaches $REGISTRY, and starting one needs root"
    daemon_line="$("${DETACHED[@]}" bash "$ROOT/e2e/local_docker.sh" start-daemon "$STATE/docker")" || {
        show_log "$STATE/docker/dockerd.log"
        die "the Docker daemon did not start"
    }
    export DOCKER_HOST="${daemon_line#DOCKER_HOST=}"
    unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
    say "docker daemon: the sandbox's own ($DOCKER_HOST), with busybox:1.36"
fi

# The local AWS API, with ECR in the registry.
PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
ENDPOINT="http://127.0.0.1:$PORT"
DOCKER_ECS_E2E_REGISTRY="$REGISTRY" "${DETACHED[@]}" "$PYTHON" "$ROOT/e2e/moto_launcher.py" -H 127.0.0.1 -p "$PORT" \
    >"$STATE/moto.log" 2>&1 &
MOTO_PID=$!
"$PYTHON" - "$ENDPOINT" "$MOTO_PID" <<'PY' || {
import os, sys, time, urllib.request
endpoint, pid = sys.argv[1], int(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
deadline = time.monotonic() + 60
while True:
    try:
        opener.open(endpoint + "/moto-api/", timeout=1)
        break
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit("it exited")
        if time.monotonic() > deadline:
            sys.exit("no answer within 60 s")
        time.sleep(0.2)
PY
    show_log "$STATE/moto.log"
    die "the local AWS API did not start on $ENDPOINT"
}
say "AWS API: $ENDPOINT (moto); ECR registry: $REGISTRY"

# Nothing can reach real AWS: test credentials, no profile, config or credentials file.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
export AWS_ENDPOINT_URL="$ENDPOINT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export DOCKER_ECS_E2E_REGISTRY="$REGISTRY"
export DOCKER_ECS_POLL_INTERVAL_MS="${DOCKER_ECS_POLL_INTERVAL_MS:-500}"

set +e
"$@"
status=$?
set -e
exit "$status"
