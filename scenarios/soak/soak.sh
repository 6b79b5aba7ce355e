#!/usr/bin/env bash
# The nemesis soak (issue 12 item 8): runs scenarios/drills/nemesis-soak.yaml RUNS times back to back, each
# with the next seed for its random fault schedule, and sums up: runs, faults injected, invariant
# violations, checkpoints lost, checkpoints not committed, node JVMs left running, aborted runs and why.
#
# usage: scenarios/soak/soak.sh [RUNS (20)] [FIRST_SEED (1)]
# env:   LEASE_CR_PG_URL/USER/PASSWORD and LEASE_CR_PG_DIR of a PostgreSQL the drill may stop and start
#        (journal faults): LEASE_CR_PG_PORT=56432 bash .ci/postgres.sh prints them;
#        SOAK_OUT (default soak-out), SOAK_BASE_PORT (default 25700), SOAK_DRILL (default the file above),
#        SOAK_EMULATOR (default ./emulator; e.g. "java -jar /copy/of/emulator.jar" to soak a fixed build while
#        the sources change).
set -uo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-20}"
first="${2:-1}"
out="$(mkdir -p "${SOAK_OUT:-soak-out}" && cd "${SOAK_OUT:-soak-out}" && pwd)"
port="${SOAK_BASE_PORT:-25700}"
drill="${SOAK_DRILL:-$home/scenarios/drills/nemesis-soak.yaml}"
if [ -z "${LEASE_CR_PG_DIR:-}${LEASE_CR_PG_STOP_CMD:-}" ]; then
  echo "soak: journal faults need a PostgreSQL the drill may stop: eval \"\$(LEASE_CR_PG_PORT=56432 bash .ci/postgres.sh)\"" >&2
  exit 2
fi
total_faults=0; violations=0; lost=0; uncommitted=0; left=0; aborted=0; passed=0; failed=0
summary="$out/summary.txt"
: > "$summary"
start=$(date +%s)
for ((i = 0; i < runs; i++)); do
  seed=$((first + i))
  dir="$out/run-$seed"
  rm -rf "$dir"; mkdir -p "$dir"
  sed -E "s/(faults: \{seed: )[0-9]+/\1$seed/" "$drill" > "$dir/drill.yaml"
  t0=$(date +%s)
  ${SOAK_EMULATOR:-$home/emulator} drill "$dir/drill.yaml" --out "$dir" --base-port "$port" > "$dir/output.txt" 2>&1
  code=$?
  secs=$(( $(date +%s) - t0 ))
  sleep 5
  jvms=$(pgrep -f -- "--trace $dir/" | wc -l)
  faults=$(grep -c '^  - {at: ' "$dir/output.txt")
  inv=$(grep -m1 '^invariants' "$dir/output.txt" | grep -oE '[0-9]+ violated' | grep -oE '[0-9]+' || true)
  inv=${inv:-0}
  cplost=$(grep -cE '^FAIL: committed checkpoint .* (is not in the journal any more|changed in the journal)' "$dir/output.txt")
  notc=$(grep -cE '^FAIL: checkpoint .* was not committed' "$dir/output.txt")
  why=$(grep -m1 '^ABORTED: ' "$dir/output.txt" | cut -c10- || true)
  verdict=$(grep -m1 -oE '^(PASS|ABORTED)' "$dir/output.txt" || echo FAIL)
  total_faults=$((total_faults + faults)); violations=$((violations + inv)); lost=$((lost + cplost))
  uncommitted=$((uncommitted + notc)); left=$((left + jvms))
  case "$verdict" in PASS) passed=$((passed + 1));; ABORTED) aborted=$((aborted + 1));; *) failed=$((failed + 1));; esac
  line="run $((i + 1))/$runs seed $seed: $verdict (exit $code, ${secs} s): $faults faults, $inv invariant violations, $cplost checkpoints lost, $notc not committed, $jvms JVMs left${why:+; aborted: $why}"
  echo "$line" | tee -a "$summary"
done
{
  echo "soak: $runs runs (seeds $first..$((first + runs - 1))) in $(( $(date +%s) - start )) s: $passed PASS, $failed FAIL, $aborted ABORTED"
  echo "faults injected: $total_faults; invariant violations: $violations; committed checkpoints lost: $lost; checkpoints not committed (taken during a fault): $uncommitted; node JVMs left running: $left"
} | tee -a "$summary"
[ "$violations" = 0 ] && [ "$lost" = 0 ] && [ "$left" = 0 ]
