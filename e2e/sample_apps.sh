#!/usr/bin/env bash
# Real Compose projects in the local sandbox (e2e/sandbox.sh): for each project folder given, `docker ecs up`
# and `down --rmi all`, with its compose file as written, and one line per project: deployed, or the first error.
#
#   e2e/sample_apps.sh DIR...     e.g. e2e/sample_apps.sh ~/src/awesome-compose/nginx-golang ...
#
# The sandbox reaches no registry and no package mirror, so two things are stand-ins, and only these: every image
# a service pulls is busybox tagged with its name, and a service's `build:` (whose Dockerfile would download its
# base image and packages) is replaced, in an override file, by such a stand-in image. Everything else is the
# project's own: bind mounts of the project and configs are copied into derived images built on the stand-ins,
# pushed to the sandbox's ECR and deployed by digest; anonymous and named volumes, ports, secrets, networks are
# deployed as written. The local AWS API runs no containers: "deployed" means the stack, its task definitions
# and its images were created, not that the app answers.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export VENV="${VENV:-$ROOT/.venv}"
DOCKER_ECS="${DOCKER_ECS:-$ROOT/target/debug/docker-ecs}"

[ $# -gt 0 ] || {
    echo "usage: $0 DIR...   (each DIR holds a compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml)" >&2
    exit 2
}
[ -x "$DOCKER_ECS" ] || {
    echo "sample_apps: no plugin binary at $DOCKER_ECS: run \`cargo build -p docker-ecs\`" >&2
    exit 1
}

if [ "${SAMPLE_APPS_IN_SANDBOX:-}" != 1 ]; then
    dirs=()
    for dir in "$@"; do dirs+=("$(cd "$dir" && pwd)"); done
    # The sandbox's own daemon has busybox:1.36, the stand-in; stand-in tags never reach the user's daemon.
    export SAMPLE_APPS_IN_SANDBOX=1 DOCKER_ECS_SANDBOX_DAEMON=own
    exec "$ROOT/e2e/sandbox.sh" "$0" "${dirs[@]}"
fi

PYTHON="$VENV/bin/python"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
deployed=0
total=0

compose_file() { # dir
    for name in compose.yaml compose.yml docker-compose.yaml docker-compose.yml; do
        [ -f "$1/$name" ] && { echo "$name"; return 0; }
    done
    return 1
}

for source in "$@"; do
    total=$((total + 1))
    name="$(basename "$source")"
    project="$WORK/$name"
    cp -R "$source" "$project"
    cd "$project"
    if ! file="$(compose_file .)"; then
        echo "FAILED   $name: no compose file"
        continue
    fi
    # The override: each built service runs a stand-in image instead (its own name when it has none).
    "$DOCKER_ECS" -f "$file" config --format json 2>/dev/null | "$PYTHON" -c '
import json, sys
project = json.load(sys.stdin)
lines = ["services:"]
for name, service in project.get("services", {}).items():
    if "build" in service:
        image = service.get("image") or f"sandbox-stand-in/{project['"'"'name'"'"']}-{name}"
        lines += [f"  {name}:", "    build: !reset null", f"    image: {json.dumps(image)}"]
print("\n".join(lines) if len(lines) > 1 else "{}")
' >"$WORK/$name.override.yaml" || true
    files=(-f "$file" -f "$WORK/$name.override.yaml")
    for image in $("$DOCKER_ECS" "${files[@]}" config --images 2>/dev/null); do
        docker image inspect "$image" >/dev/null 2>&1 || docker tag busybox:1.36 "$image"
    done
    if output="$("$DOCKER_ECS" "${files[@]}" up 2>&1)"; then
        deployed=$((deployed + 1))
        printf "%s\n" "$output" >"${SAMPLE_APPS_LOG_DIR:-$WORK}/$name.up.log"
        images=$(printf "%s\n" "$output" | grep -c " image: Pushed " || true)
        echo "DEPLOYED $name ($images images built and pushed)"
        "$DOCKER_ECS" "${files[@]}" down --rmi all >/dev/null 2>&1 || echo "         $name: down failed"
    else
        echo "FAILED   $name: $(printf '%s\n' "$output" | grep -m1 -E '^(error|Error)' || printf '%s\n' "$output" | tail -n 1)"
        "$DOCKER_ECS" "${files[@]}" down --rmi all >/dev/null 2>&1 || true
    fi
    cd "$WORK"
done
echo "deployed $deployed of $total projects"
