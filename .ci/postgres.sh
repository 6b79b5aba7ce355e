#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on loopback for the tests (installing it with apt if needed), and
# prints the environment that points the tests at it. Usage: eval "$(bash .ci/postgres.sh)"
# LEASE_CR_PG_PORT chooses the port (default 55432), TMPDIR where its directory goes (default /tmp), so
# that two sessions on one machine can each have their own.
set -euo pipefail
port="${LEASE_CR_PG_PORT:-55432}"
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
bin="$(find_bin || true)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres.sh: installing PostgreSQL with apt" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bin="$(find_bin)"
fi
dir="$(mktemp -d "${TMPDIR:-/tmp}/lcr-pg.XXXXXX")"
chown postgres:postgres "$dir"
su postgres -s /bin/sh -c "'$bin/initdb' -D '$dir/data' -A trust -U postgres" >&2
su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w \
  -o \"-p $port -k $dir -c listen_addresses=127.0.0.1\" start" >&2
psql="$bin/psql -h 127.0.0.1 -p $port -U postgres -v ON_ERROR_STOP=1 -q"
$psql -c "create role leasecr login password 'leasecr'" >&2
$psql -c "create database leasecr owner leasecr" >&2
echo "export LEASE_CR_PG_URL='jdbc:postgresql://127.0.0.1:$port/leasecr?reWriteBatchedInserts=true'"
echo "export LEASE_CR_PG_USER=leasecr LEASE_CR_PG_PASSWORD=leasecr"
echo "export LEASE_CR_PG_DIR='$dir'"
