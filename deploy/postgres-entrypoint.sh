#!/bin/sh
# Entry point of the PostgreSQL image built from Debian's packages (deploy/images.sh), a stand-in for the
# official `postgres` image where no registry can be reached. It honours what that image's users rely on:
# POSTGRES_USER (default postgres), POSTGRES_PASSWORD, POSTGRES_DB (default: the user), PGDATA, and a command
# `postgres -c name=value ...`. As in the official image, a new cluster is first started on a private socket
# to create the database, then stopped, and the real server started: "database system is ready to accept
# connections" is logged twice, which is what Testcontainers' PostgreSQLContainer waits for.
set -eu
bin=/usr/lib/postgresql/15/bin
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
[ "${1:-postgres}" = postgres ] || exec "$@"   # any other command runs as given
[ $# -gt 0 ] && shift
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "postgres-entrypoint: POSTGRES_PASSWORD is not set" >&2; exit 1; }
  pw="$(mktemp)"; printf '%s\n' "$POSTGRES_PASSWORD" > "$pw"; chown postgres "$pw"
  as_postgres "$bin/initdb" -D "$PGDATA" -U "$user" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pw"
  printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  as_postgres "$bin/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses='' -k /var/run/postgresql" start
  if [ "$db" != postgres ]; then
    as_postgres "$bin/psql" -h /var/run/postgresql -U "$user" -d postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE DATABASE \"$db\""
  fi
  as_postgres "$bin/pg_ctl" -D "$PGDATA" -w -m fast stop
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$PGDATA" \
  -c listen_addresses='*' -k /var/run/postgresql "$@"
