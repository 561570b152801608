#!/usr/bin/env bash
# What build: costs `up`, measured in the local sandbox (e2e/sandbox.sh): examples/build-web's first
# `up` (two images built and pushed at once), `up` with nothing changed (both images rebuilt from
# docker's cache, found in Amazon ECR, nothing pushed), and `up` after one source file changed (one
# image pushed and rolled out). The overhead of build: is the no-change `up` of build-web minus the
# no-change `up` of the same project with prebuilt images (no build:). Prints seconds, best of RUNS.
#
#   make bench-build            (or: bash e2e/bench_build.sh; RUNS=5 for more runs)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export VENV="${VENV:-$ROOT/.venv}"
DOCKER_ECS="${DOCKER_ECS:-$ROOT/target/debug/docker-ecs}"
RUNS="${RUNS:-3}"

[ -x "$DOCKER_ECS" ] || {
    echo "no plugin binary at $DOCKER_ECS: run \`cargo build -p docker-ecs\`" >&2
    exit 1
}
if [ "${1:-}" != "--in-sandbox" ]; then
    exec "$ROOT/e2e/sandbox.sh" "$0" --in-sandbox
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -R "$ROOT/examples/build-web" "$WORK/build-web"

now() { date +%s.%N; }
# Seconds one command takes, its output kept out of the way.
timed() {
    local start end
    start=$(now)
    "$@" >"$WORK/last.log" 2>&1 || {
        cat "$WORK/last.log" >&2
        return 1
    }
    end=$(now)
    echo "$end - $start" | bc -l
}
best() { printf '%s\n' "$@" | sort -n | head -n 1; }
up() { (cd "$1" && "$DOCKER_ECS" up); }

cd "$WORK/build-web"
first=$(timed up "$WORK/build-web")

# The same project with the pushed images written as image: (no build:).
digests=$("$DOCKER_ECS" push 2>/dev/null | sort)
web=$(echo "$digests" | awk '$1 == "web" {print $2}')
worker=$(echo "$digests" | awk '$1 == "worker" {print $2}')
mkdir -p "$WORK/prebuilt"
sed -e "s|build: ./web|image: $web|" \
    -e "/^    build:$/,/^        INTERVAL:/d" \
    -e "s|    image: build-web/visit-counter:1.0|    image: $worker|" \
    "$WORK/build-web/compose.yaml" >"$WORK/prebuilt/compose.yaml"
sed -i 's/^services:/name: prebuilt\nservices:/' "$WORK/prebuilt/compose.yaml"
up "$WORK/prebuilt" >/dev/null 2>&1

unchanged=()
prebuilt=()
changed=()
for run in $(seq 1 "$RUNS"); do
    unchanged+=("$(timed up "$WORK/build-web")")
    prebuilt+=("$(timed up "$WORK/prebuilt")")
    echo "<p>run $run</p>" >>"$WORK/build-web/web/site/index.html"
    changed+=("$(timed up "$WORK/build-web")")
done
grep -q 'web image: Pushed' "$WORK/last.log" || {
    echo "the last up after a change did not push web's new image" >&2
    exit 1
}

u=$(best "${unchanged[@]}")
p=$(best "${prebuilt[@]}")
printf 'first up (2 images built and pushed at once, stack created): %6.2f s\n' "$first"
printf 'up, nothing changed, with build:                            %6.2f s\n' "$u"
printf 'up, nothing changed, same app from prebuilt images          %6.2f s\n' "$p"
printf 'overhead of build: on a no-change up                        %6.2f s (goal: under 5 s)\n' "$(echo "$u - $p" | bc -l)"
printf 'up after one source file changed (1 image pushed, rolled out) %4.2f s\n' "$(best "${changed[@]}")"
