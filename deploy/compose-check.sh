#!/usr/bin/env bash
# The compose cluster, checked end to end: PostgreSQL and three nodes come up (docker-compose.yml), the nodes
# form one cluster, n2's container is killed with SIGKILL, the split-brain resolver on the others downs and
# removes it, the journal is reachable from a surviving node, and `down -v` leaves nothing behind.
#   deploy/compose-check.sh            # on the images deploy/images.sh built (no registry needed)
#   LEASE_CR_BASE_IMAGE=eclipse-temurin:17-jre LEASE_CR_PG_IMAGE=postgres:15 deploy/compose-check.sh  # official ones
# Uses `docker compose` (v2) where present, else Debian's `docker-compose` (1.29). Build the jar first
# (mvn -B -DskipTests package). Exit 0 when every check passed, 1 otherwise (the nodes' logs are printed).
set -euo pipefail
cd "$(dirname "$0")/.."
export LEASE_CR_BASE_IMAGE="${LEASE_CR_BASE_IMAGE:-lease-cr/jre17:bookworm}"
export LEASE_CR_PG_IMAGE="${LEASE_CR_PG_IMAGE:-lease-cr/postgres:15}"
# LEASE_CR_COMPOSE names the command ("docker compose" or "docker-compose"); else v2 where present, else 1.29
if [ -n "${LEASE_CR_COMPOSE:-}" ]; then read -r -a compose <<<"$LEASE_CR_COMPOSE"
elif docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
log() { echo "compose-check: $*"; }
fail() {
  log "FAIL: $*"
  for c in lease-cr-n1 lease-cr-n2 lease-cr-n3; do echo "--- $c (last 30 lines)"; docker logs --tail 30 "$c" 2>&1 || true; done
  exit 1
}
cleanup() { "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT
[ -f emulator-node/target/emulator.jar ] || { log "build the jar first: mvn -B -DskipTests package"; exit 2; }
log "using ${compose[*]} ($("${compose[@]}" version --short 2>/dev/null || true)), images $LEASE_CR_BASE_IMAGE, $LEASE_CR_PG_IMAGE"

start=$SECONDS
"${compose[@]}" up -d --build >/dev/null 2>&1 || { "${compose[@]}" up -d --build; fail "compose up"; }
log "containers started in $((SECONDS - start)) s"

# wait_log CONTAINER REGEX SECONDS: until the container's log matches
wait_log() {
  local deadline=$((SECONDS + $3))
  until docker logs "$1" 2>&1 | grep -Eq "$2"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 1
  done
}

up=$SECONDS
# a node prints "[n1] EPOCH-MS member up|downed|removed: ADDRESS [ROLES]" for every member event it sees
for n in n1 n2 n3; do
  wait_log lease-cr-n1 "member up: pekko://lease-cr@$n:25520" 120 || fail "$n never came Up in n1's view within 120 s"
done
log "cluster of n1, n2, n3 up $((SECONDS - up)) s after the containers started"

docker exec lease-cr-n1 java -jar /app/emulator.jar checkpoint list --journal postgres >/dev/null 2>&1 \
  || fail "the journal (PostgreSQL) is not reachable from n1"
log "the journal answers from n1 (checkpoint list --journal postgres)"

kill_at=$SECONDS
docker kill -s KILL lease-cr-n2 >/dev/null
wait_log lease-cr-n1 "member downed: pekko://lease-cr@n2:25520" 60 \
  || fail "n2 was not downed within 60 s of its kill"
log "n2 downed by the split-brain resolver $((SECONDS - kill_at)) s after docker kill -s KILL"
wait_log lease-cr-n1 "member removed: pekko://lease-cr@n2:25520" 60 || fail "n2 was not removed within 60 s"
log "n2 removed from the cluster $((SECONDS - kill_at)) s after the kill"
for n in n1 n3; do
  [ "$(docker inspect -f '{{.State.Running}}' lease-cr-$n)" = true ] || fail "$n is not running any more"
done
log "n1 and n3 still running"

"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1
left="$(docker ps -aq --filter name=lease-cr-; docker network ls -q --filter name=lease-cr-net; docker volume ls -q --filter label=com.docker.compose.project=lease-cr)"
[ -z "$left" ] || fail "down -v left: $left"
log "down -v left no container, network or volume"
log "PASS in $((SECONDS - start)) s"
