#!/usr/bin/env bash
# A Docker daemon and an image registry of our own, for the tests and the demo: the daemon listens on
# a unix socket under DIR, the registry on 127.0.0.1 only, and both keep their state under DIR.
#
#   local_docker.sh start DIR   start both; prints the variables that point tools at them:
#                                 DOCKER_HOST=unix://DIR/docker.sock
#                                 DOCKER_ECS_E2E_REGISTRY=127.0.0.1:PORT
#                               and imports Debian's busybox-static as the image busybox:1.36, so
#                               Dockerfiles can start FROM it with no network.
#   local_docker.sh start-registry DIR   only the registry (no root needed), for a daemon of your own:
#                               any dockerd on this host's network pushes to 127.0.0.1 without TLS
#   local_docker.sh start-daemon DIR     only the daemon (with busybox:1.36)
#   local_docker.sh stop DIR    stop what the start commands started (DIR itself is left to the caller)
#
# Needs root (dockerd) and Debian's docker.io, docker-registry and busybox-static packages; .ci/run
# installs them. The daemon uses the vfs storage driver and no bridge or iptables rules, so it needs
# no kernel features beyond what a container build of FROM-scratch images uses.
set -euo pipefail

usage() {
    echo "usage: $0 start|start-registry|start-daemon|stop DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
command=$1
dir=$2

wait_for() { # what, seconds, command...
    local what=$1 seconds=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            echo "local_docker.sh: $what did not start within ${seconds}s" >&2
            return 1
        fi
        sleep 0.2
    done
}

running() { # pid: alive and not a zombie (a stopped daemon's parent may be slow to reap it)
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    case "$state" in Z*) return 1 ;; esac
}

stop_pid() { # pidfile
    local pidfile=$1 pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 100); do
            running "$pid" || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

import_busybox() {
    local rootfs="$dir/busybox-rootfs"
    rm -rf "$rootfs"
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in $("$rootfs/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
    echo 'root:x:0:' >"$rootfs/etc/group"
    tar -C "$rootfs" -c . | DOCKER_HOST="unix://$dir/docker.sock" docker import \
        --change 'CMD ["sh"]' - busybox:1.36 >/dev/null
    rm -rf "$rootfs"
}

need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null || {
            echo "local_docker.sh: $tool not found: install Debian's docker.io, docker-registry and busybox-static" >&2
            exit 1
        }
    done
}

start_registry() {
    need docker-registry
    mkdir -p "$dir/registry"
    cat >"$dir/registry.yml" <<EOF
version: 0.1
log: {level: info}
storage: {filesystem: {rootdirectory: $dir/registry}, delete: {enabled: true}}
http: {addr: "127.0.0.1:0"}
EOF
    docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
    echo $! >"$dir/registry.pid"
    wait_for "the registry" 20 grep -q 'listening on 127.0.0.1:' "$dir/registry.log" || {
        cat "$dir/registry.log" >&2
        exit 1
    }
    local port
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/registry.log" | head -n 1 | sed 's/.*://')
    echo "DOCKER_ECS_E2E_REGISTRY=127.0.0.1:$port"
}

start_daemon() {
    need dockerd docker busybox
    mkdir -p "$dir/data" "$dir/exec"
    dockerd --storage-driver=vfs --iptables=false --ip-masq=false --bridge=none \
        --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
        -H "unix://$dir/docker.sock" >"$dir/dockerd.log" 2>&1 &
    wait_for "dockerd" 60 env DOCKER_HOST="unix://$dir/docker.sock" docker version || {
        tail -n 20 "$dir/dockerd.log" >&2
        exit 1
    }
    import_busybox
    echo "DOCKER_HOST=unix://$dir/docker.sock"
}

start() {
    need dockerd docker-registry docker busybox
    local registry
    registry=$(start_registry)
    start_daemon
    echo "$registry"
}

# dockerd leaves exec/netns/default mounted once a container used the host network (`docker build
# --network host`), even after a clean shutdown; DIR could not be removed with it there.
unmount_leftovers() {
    [ -d "$dir" ] && [ -r /proc/self/mountinfo ] || return 0
    local root mount
    root=$(cd "$dir" && pwd -P)
    for mount in $(awk -v root="$root/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true
    done
}

stop() {
    stop_pid "$dir/registry.pid"
    stop_pid "$dir/dockerd.pid"
    unmount_leftovers
}

case "$command" in
start) start ;;
start-registry) start_registry ;;
start-daemon) start_daemon ;;
stop) stop ;;
*) usage ;;
esac
