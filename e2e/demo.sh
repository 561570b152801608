#!/usr/bin/env bash
# `make demo`: start a local AWS API (moto, through e2e/moto_launcher.py, on 127.0.0.1 only), then run
# `docker ecs up`, `ps` and `down` on examples/web-redis against it. The server is always stopped on exit.
#
#   VENV=.venv bash e2e/demo.sh          (the Makefile builds target/debug/docker-ecs first)
#   DOCKER_ECS=path/to/docker-ecs EXAMPLE=examples/other bash e2e/demo.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="$VENV/bin/python"
DOCKER_ECS="${DOCKER_ECS:-$ROOT/target/debug/docker-ecs}"
EXAMPLE="${EXAMPLE:-$ROOT/examples/web-redis}"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ -x "$PYTHON" ] || die "no Python venv at $VENV: run \`make venv\`"
"$PYTHON" -c 'import moto' 2>/dev/null || die "moto is not installed in $VENV: run \`make venv\`"
[ -x "$DOCKER_ECS" ] || die "no plugin binary at $DOCKER_ECS: run \`cargo build -p docker-ecs\`"
[ -f "$EXAMPLE/compose.yaml" ] || die "no compose.yaml in $EXAMPLE"

PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
LOG="$(mktemp -t docker-ecs-demo-moto.XXXXXX.log)"
ENDPOINT="http://127.0.0.1:$PORT"

say "Starting a local AWS API (moto) on $ENDPOINT (log: $LOG)"
"$PYTHON" "$ROOT/e2e/moto_launcher.py" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
MOTO_PID=$!
stop_server() {
    local status=$?
    if kill -0 "$MOTO_PID" 2>/dev/null; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
        echo "Stopped the local AWS API."
    fi
    if [ "$status" -ne 0 ]; then
        echo "demo failed (exit $status); last lines of the AWS API log ($LOG):" >&2
        tail -n 20 "$LOG" >&2 || true
    else
        rm -f "$LOG"
    fi
    exit "$status"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

"$PYTHON" - "$ENDPOINT" <<'PY' || die "the local AWS API did not start"
import sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.2)
PY
echo "Ready."

# Point the AWS SDK at the local API with test credentials; nothing here can reach real AWS.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
export AWS_ENDPOINT_URL="$ENDPOINT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

cd "$EXAMPLE"
say "Compose application: $EXAMPLE"
sed 's/^/    /' compose.yaml

say "docker ecs up      (create the CloudFormation stack and wait for it)"
"$DOCKER_ECS" up

say "docker ecs ps      (services, tasks and load balancer ports)"
echo "(the local AWS API runs no containers, so each service shows no running task)"
"$DOCKER_ECS" ps

say "docker ecs down    (delete the stack)"
"$DOCKER_ECS" down

say "Done: up, ps and down ran against the local AWS API."
