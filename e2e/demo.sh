#!/usr/bin/env bash
# `make demo`: in the local sandbox (e2e/sandbox.sh: a local AWS API, an image registry behind its
# Amazon ECR and, when needed, a Docker daemon, all on 127.0.0.1 or a unix socket), run
# `docker ecs up`, `up` again, `ps` and `down --rmi all` on examples/build-web: two images built
# from the project and pushed, a third from a registry. Everything the sandbox started is stopped
# on exit.
#
#   VENV=.venv bash e2e/demo.sh          (the Makefile builds target/debug/docker-ecs first)
#   DOCKER_ECS=path/to/docker-ecs EXAMPLE=examples/other bash e2e/demo.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export VENV="${VENV:-$ROOT/.venv}"
DOCKER_ECS="${DOCKER_ECS:-$ROOT/target/debug/docker-ecs}"
EXAMPLE="${EXAMPLE:-$ROOT/examples/build-web}"

die() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

[ -x "$DOCKER_ECS" ] || die "no plugin binary at $DOCKER_ECS: run \`cargo build -p docker-ecs\`"
[ -f "$EXAMPLE/compose.yaml" ] || die "no compose.yaml in $EXAMPLE"

if [ "${1:-}" != "--in-sandbox" ]; then
    exec "$ROOT/e2e/sandbox.sh" "$0" --in-sandbox
fi

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# A copy, so the demo never leaves anything in the repository.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -R "$EXAMPLE" "$WORK/"
cd "$WORK/$(basename "$EXAMPLE")"

say "Compose application: $EXAMPLE (AWS API $AWS_ENDPOINT_URL, registry $DOCKER_ECS_E2E_REGISTRY)"
sed 's/^/    /' compose.yaml

say "docker ecs up      (build and push the images, create the CloudFormation stack, wait for it)"
"$DOCKER_ECS" up

say "docker ecs up      (again: nothing changed, so nothing is pushed and the stack is left alone)"
"$DOCKER_ECS" up

say "docker ecs ps      (services, tasks and load balancer ports)"
echo "(the local AWS API runs no containers, so each service shows no running task)"
"$DOCKER_ECS" ps

say "docker ecs down --rmi all    (delete the stack and the image repositories up created)"
"$DOCKER_ECS" down --rmi all

say "Done: up, up, ps and down ran against the local sandbox."
