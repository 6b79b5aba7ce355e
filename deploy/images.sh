#!/usr/bin/env bash
# Builds the project's Docker images from Debian's packages, with nothing pulled from an image registry:
#   lease-cr/jre17:bookworm   debootstrap (minbase) + Debian's OpenJDK 17 runtime: the nodes' base
#   lease-cr/postgres:15      debootstrap (minbase) + Debian's PostgreSQL 15, deploy/postgres-entrypoint.sh
#                             (POSTGRES_USER/_PASSWORD/_DB like the official image; Testcontainers' stand-in)
#   lease-cr-emulator:latest  deploy/Dockerfile on lease-cr/jre17:bookworm, with the jar `mvn package` built
# Usage (root; a Docker engine answering, e.g. deploy/docker-engine.sh start):
#   deploy/images.sh            # build all three (the base images anew)
#   deploy/images.sh --reuse    # keep base images that exist already
# LEASE_CR_DEBIAN_MIRROR picks the mirror (default http://deb.debian.org/debian). With a registry, the official
# images do as well: docker build --build-arg BASE=eclipse-temurin:17-jre -f deploy/Dockerfile .
set -euo pipefail
cd "$(dirname "$0")/.."
mirror="${LEASE_CR_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
reuse=false
[ "${1:-}" = --reuse ] && reuse=true
log() { echo "images: $*" >&2; }
docker info >/dev/null 2>&1 || { log "no Docker engine answers (deploy/docker-engine.sh start starts one)"; exit 1; }
[ "$(id -u)" = 0 ] || { log "debootstrap needs root"; exit 1; }
if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap with apt"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/lcr-images.XXXXXX")"
trap 'rm -rf "$work"' EXIT
have() { docker image inspect "$1" >/dev/null 2>&1; }

# debootstrap NAME PACKAGES: a minimal Debian 12 root file system in $work/NAME, without caches and docs
rootfs() {
  local name="$1" pkgs="$2" start=$SECONDS
  if ! debootstrap --variant=minbase --include="$pkgs" bookworm "$work/$name" "$mirror" >"$work/$name.log" 2>&1; then
    log "debootstrap of $name failed; the end of its log:"; tail -15 "$work/$name.log" >&2; return 1
  fi
  rm -rf "$work/$name"/var/cache/apt/archives/*.deb "$work/$name"/var/lib/apt/lists/* \
    "$work/$name"/usr/share/doc "$work/$name"/usr/share/man
  log "$name: root file system in $((SECONDS - start)) s"
}

# import NAME TAG CHANGES...: the root file system as a one-layer image
import() {
  local name="$1" tag="$2"; shift 2
  local changes=()
  for c in "$@"; do changes+=(-c "$c"); done
  tar -C "$work/$name" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
  log "$tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1e6}')"
}

total=$SECONDS
pids=()
if ! { $reuse && have lease-cr/jre17:bookworm; }; then
  rootfs jre openjdk-17-jre-headless & pids+=($!)
fi
if ! { $reuse && have lease-cr/postgres:15; }; then
  rootfs pg postgresql-15 & pids+=($!)
fi
for p in "${pids[@]}"; do wait "$p"; done
if [ -d "$work/jre" ]; then
  import jre lease-cr/jre17:bookworm 'ENV LANG=C.UTF-8' 'CMD ["/bin/bash"]'
fi
if [ -d "$work/pg" ]; then
  install -m 755 deploy/postgres-entrypoint.sh "$work/pg/usr/local/bin/docker-entrypoint.sh"
  import pg lease-cr/postgres:15 'ENV LANG=C.UTF-8' 'EXPOSE 5432' \
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' 'CMD ["postgres"]'
fi

start=$SECONDS
if [ ! -f emulator-node/target/emulator.jar ]; then
  log "building the jar (mvn package)"
  mvn -B -q -DskipTests package >&2
fi
docker build -q --build-arg BASE=lease-cr/jre17:bookworm -f deploy/Dockerfile -t lease-cr-emulator:latest . >/dev/null
log "lease-cr-emulator:latest built in $((SECONDS - start)) s"
log "done in $((SECONDS - total)) s"
