#!/usr/bin/env bash
# Compose v2 (`docker compose`) on a Debian bookworm machine, which packages only docker-compose 1.29: the
# plugin binary of Debian trixie's docker-compose package (2.26.1-4, a Go binary needing libc6 >= 2.34, which
# bookworm has), fetched from deb.debian.org, checked against its pinned SHA-256 and installed as a Docker CLI
# plugin. Debian's own package, not a registry image; nothing else from trixie is installed.
#   deploy/compose-v2.sh            # as root: installs /usr/local/lib/docker/cli-plugins/docker-compose
#   deploy/compose-v2.sh DIR        # installs into DIR instead (e.g. ~/.docker/cli-plugins, no root needed)
# Afterwards `docker compose version` answers, and deploy/compose-check.sh / compose-drill.sh use v2 unless
# LEASE_CR_COMPOSE=docker-compose names 1.29 (how .ci/run checks the compose file under both).
set -euo pipefail
version=2.26.1-4
sha256=47681197cb2b1ab88206b42a1a92fc75f50d9530a6322d03494a473eed0408ea
url="http://deb.debian.org/debian/pool/main/d/docker-compose/docker-compose_${version}_amd64.deb"
dir="${1:-/usr/local/lib/docker/cli-plugins}"
log() { echo "compose-v2: $*" >&2; }
[ "$(uname -m)" = x86_64 ] || { log "only amd64 is pinned here (this machine is $(uname -m))"; exit 1; }
if [ -x "$dir/docker-compose" ] && "$dir/docker-compose" version 2>/dev/null | grep -q "$version"; then
  log "Compose $version already in $dir"; exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsS --retry 3 -m 120 -o "$tmp/c.deb" "$url" || { log "cannot fetch $url"; exit 1; }
got="$(sha256sum "$tmp/c.deb" | cut -d' ' -f1)"
[ "$got" = "$sha256" ] || { log "checksum mismatch for $url: got $got, want $sha256"; exit 1; }
dpkg-deb -x "$tmp/c.deb" "$tmp/x"
mkdir -p "$dir"
install -m 0755 "$tmp/x/usr/libexec/docker/cli-plugins/docker-compose" "$dir/docker-compose"
log "installed $("$dir/docker-compose" version) in $dir"
