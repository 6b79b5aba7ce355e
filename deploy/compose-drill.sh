#!/usr/bin/env bash
# A drill driven against the compose cluster: `emulator drill --attach` on PostgreSQL and the node services of
# docker-compose.yml with deploy/compose-attach.yml (host networking on 127.0.0.1). The driver starts no JVM:
# it starts each node service with compose, crashes one with `docker kill -s KILL`, and the drill checks that
# the split-brain resolver downs it, that its processes are restarted on the others from the checkpoint, and
# the invariants. At the end `down -v` must leave nothing behind.
#   deploy/compose-drill.sh                                      # breaker-crash, images from deploy/images.sh
#   deploy/compose-drill.sh scenarios/drills/paused-holder-fenced.yaml   # another drill on n1-n3
#   LEASE_CR_BASE_IMAGE=eclipse-temurin:17-jre LEASE_CR_PG_IMAGE=postgres:15 deploy/compose-drill.sh  # official
# Settings (environment): COMPOSE_PROJECT_NAME (default lease-cr-drill; containers, network and node image are
# named after it, so it runs beside deploy/compose-check.sh), LEASE_CR_DRILL_BASE_PORT (29100: the driver, the
# nodes on the next ports), LEASE_CR_ATTACH_PG_PORT (29432), LEASE_CR_DRILL_OUT (drill-out/compose).
# Build the jar first (mvn -B -DskipTests package). Exit: the drill's (0 PASS, 1 FAIL), 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
drill="${1:-scenarios/drills/breaker-crash.yaml}"
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-lease-cr-drill}"
export LEASE_CR_NETWORK="$COMPOSE_PROJECT_NAME-net"
export LEASE_CR_NODE_IMAGE="lease-cr-emulator:$COMPOSE_PROJECT_NAME"
export LEASE_CR_BASE_IMAGE="${LEASE_CR_BASE_IMAGE:-lease-cr/jre17:bookworm}"
export LEASE_CR_PG_IMAGE="${LEASE_CR_PG_IMAGE:-lease-cr/postgres:15}"
export LEASE_CR_ATTACH_PG_PORT="${LEASE_CR_ATTACH_PG_PORT:-29432}"
base_port="${LEASE_CR_DRILL_BASE_PORT:-29100}"
out="${LEASE_CR_DRILL_OUT:-drill-out/compose}"
# LEASE_CR_COMPOSE names the command ("docker compose" or "docker-compose"); else v2 where present, else 1.29
if [ -n "${LEASE_CR_COMPOSE:-}" ]; then read -r -a compose <<<"$LEASE_CR_COMPOSE"
elif docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
compose_words="${compose[*]}"
compose+=(-p "$COMPOSE_PROJECT_NAME" -f docker-compose.yml -f deploy/compose-attach.yml)
log() { echo "compose-drill: $*"; }
[ -f "$drill" ] || { log "no drill file $drill"; exit 2; }
[ -f emulator-node/target/emulator.jar ] || { log "build the jar first: mvn -B -DskipTests package"; exit 2; }
docker info >/dev/null 2>&1 || { log "no Docker engine answers: start one (deploy/docker-engine.sh start)"; exit 1; }
cleanup() {
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
}
trap cleanup EXIT
start=$SECONDS
log "using $compose_words ($("${compose[@]}" version --short 2>/dev/null || true)), project $COMPOSE_PROJECT_NAME, images $LEASE_CR_BASE_IMAGE, $LEASE_CR_PG_IMAGE"
"${compose[@]}" build n1 >"${TMPDIR:-/tmp}/compose-drill-build.log" 2>&1 \
  || { tail -20 "${TMPDIR:-/tmp}/compose-drill-build.log"; log "FAIL: the node image did not build"; exit 1; }
log "node image $LEASE_CR_NODE_IMAGE built from the jar in $((SECONDS - start)) s"

t=$SECONDS
"${compose[@]}" up -d postgres >/dev/null 2>&1 || { "${compose[@]}" up -d postgres; log "FAIL: compose up postgres"; exit 1; }
pg="$("${compose[@]}" ps -q postgres)"
for _ in $(seq 1 120); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$pg")" = healthy ] && break
  sleep 1
done
[ "$(docker inspect -f '{{.State.Health.Status}}' "$pg")" = healthy ] \
  || { docker logs --tail 20 "$pg"; log "FAIL: PostgreSQL did not become healthy within 120 s"; exit 1; }
log "PostgreSQL up on 127.0.0.1:$LEASE_CR_ATTACH_PG_PORT in $((SECONDS - t)) s"

export LEASE_CR_PG_URL="jdbc:postgresql://127.0.0.1:$LEASE_CR_ATTACH_PG_PORT/leasecr?reWriteBatchedInserts=true"
export LEASE_CR_PG_USER=leasecr LEASE_CR_PG_PASSWORD=leasecr
rm -rf "$out"
t=$SECONDS
set +e
java ${EMULATOR_JAVA_OPTS:-} -jar emulator-node/target/emulator.jar drill "$drill" --attach \
  --compose-project "$COMPOSE_PROJECT_NAME" --compose-command "$compose_words" --base-port "$base_port" --out "$out"
rc=$?
set -e
log "the drill ended with exit code $rc in $((SECONDS - t)) s (timeline, traces and node logs in $out)"

"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1
left="$(docker ps -aq --filter "name=^$COMPOSE_PROJECT_NAME-"; docker network ls -q --filter "name=^$LEASE_CR_NETWORK\$"; docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")"
if [ -n "$left" ]; then log "FAIL: down -v left: $left"; exit 1; fi
log "down -v left no container, network or volume"
[ "$rc" = 0 ] && log "PASS in $((SECONDS - start)) s" || log "FAIL (the drill's verdict above) after $((SECONDS - start)) s"
exit "$rc"
