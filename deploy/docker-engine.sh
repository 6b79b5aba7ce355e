#!/usr/bin/env bash
# A Docker engine for the compose cluster and Testcontainers, on a machine that has none running.
#   deploy/docker-engine.sh start   # as root: start dockerd (Debian's docker.io, installed with apt if missing)
#                                   # unless an engine already answers; waits until it does
#   deploy/docker-engine.sh stop    # stops the dockerd that `start` started (an engine it found is left alone)
#   deploy/docker-engine.sh env     # the environment Testcontainers needs here: eval "$(deploy/docker-engine.sh env)"
# Images come from deploy/images.sh (built from Debian packages; nothing is pulled from a registry).
set -euo pipefail
state="${TMPDIR:-/tmp}/lcr-dockerd"
log() { echo "docker-engine: $*" >&2; }

answers() { docker info >/dev/null 2>&1; }

start() {
  if answers; then log "an engine already answers; using it"; return 0; fi
  [ "$(id -u)" = 0 ] || { log "no engine answers, and starting dockerd needs root"; exit 1; }
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    log "installing Debian's docker.io with apt"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >&2
  fi
  mkdir -p "$state"
  dockerd >"$state/dockerd.log" 2>&1 &
  echo $! >"$state/pid"
  for _ in $(seq 1 60); do
    if answers; then log "dockerd $(docker version -f '{{.Server.Version}}') started (pid $(cat "$state/pid"), log $state/dockerd.log)"; return 0; fi
    kill -0 "$(cat "$state/pid")" 2>/dev/null || { log "dockerd exited; its log:"; tail -20 "$state/dockerd.log" >&2; exit 1; }
    sleep 0.5
  done
  log "dockerd did not answer within 30 s; see $state/dockerd.log"; exit 1
}

stop() {
  [ -f "$state/pid" ] || { log "no dockerd started by this script"; return 0; }
  pid="$(cat "$state/pid")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    log "dockerd (pid $pid) stopped"
  fi
  rm -f "$state/pid"
}

env_lines() {
  # No registry here: Ryuk's and the start-up checks' images cannot be pulled, so neither runs (containers
  # are stopped by the tests' own shutdown hooks). Inside a container (/.dockerenv) Testcontainers would find
  # the host through a helper container: with the engine on this machine, loopback is the host.
  echo "export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_CHECKS_DISABLE=true"
  [ -e /.dockerenv ] && echo "export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) env_lines ;;
  *) echo "usage: deploy/docker-engine.sh start|stop|env" >&2; exit 2 ;;
esac
