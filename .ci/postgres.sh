#!/usr/bin/env bash
# make test-postgres: the same dbt project on a throwaway PostgreSQL 15 cluster on 127.0.0.1.
# Installs PostgreSQL from Debian when missing, starts a private cluster in a temporary
# folder, loads the raw files (pulse load), runs `dbt build --target postgres` (then the unit
# tests, an incremental run, and validate / export / report on the same warehouse); then builds
# the Pendo and Segment sources from typed tables in schemas of their own (var source_schema)
# and compares every mart with DuckDB; and always stops and removes the cluster.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RAW="${1:?usage: postgres.sh RAW_DIR}"
BIN="$ROOT/.venv/bin"
# a free loopback port unless one is given (a server left by another run must not collide)
PORT="${PULSE_TEST_PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
    echo "test-postgres: installing PostgreSQL from Debian"
    if [ "$(id -u)" -ne 0 ]; then
        echo "test-postgres: PostgreSQL is not installed and this user cannot apt-get install it" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PGBIN="$(pg_bin)"

WORK="$(mktemp -d /tmp/pulse-pg.XXXXXX)"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$WORK"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

stop_cluster() {
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap stop_cluster EXIT

as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
    -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null

export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER=postgres PGDATABASE=pulse PGPASSWORD=""
"$PGBIN/createdb" pulse

export PULSE_TARGET=postgres PULSE_RAW_PATH="$RAW" PULSE_DB_PATH="$WORK/pulse.duckdb"
"$BIN/pulse" load --target postgres --raw-path "$RAW"
"$BIN/dbt" build --target postgres --exclude-resource-type unit_test
"$BIN/dbt" test --target postgres --select "test_type:unit"
# a second run takes the incremental path of every incremental model
"$BIN/dbt" build --target postgres --select "config.materialized:incremental+" --exclude-resource-type unit_test
# the Python side on the same warehouse: quality gate, export, reports
export PULSE_EXPORT_DIR="$WORK/exports"
"$BIN/pulse" validate
"$BIN/pulse" export --triggers
"$BIN/pulse" report --all
# pulse calibrate reads its training marts from PostgreSQL too; the small data set holds no
# trainable renewal decision, so it must refuse in one line and exit 1
if calibrated="$("$BIN/pulse" calibrate 2>&1)"; then
    echo "postgres.sh: pulse calibrate should refuse on the small data set: $calibrated" >&2
    exit 1
fi
grep -q "^pulse calibrate: too few renewal decisions to learn from: 0 trainable" <<<"$calibrated" \
    || { echo "postgres.sh: unexpected pulse calibrate output: $calibrated" >&2; exit 1; }

# Pendo and Segment read in place (README "Bring your Pendo or Segment data"): the generated
# scenario written into a schema as each source's own loader writes it (typed columns, no
# bookkeeping columns: .ci/as_source_schema.py), the other tables (tickets, CRM, ...) loaded
# by pulse load, and every mart compared row for row with a DuckDB build of the same tables.
for system in pendo segment; do
    echo "test-postgres: source_system $system, its tables read in place from schema $system"
    SOURCE_RAW="$WORK/raw-$system"
    SOURCE_VARS="{source_system: $system, source_schema: $system}"
    "$BIN/pulse" generate --format "$system" --accounts 12 --days 60 --seed 11 --out "$SOURCE_RAW" --quiet
    REFERENCE_DB="$WORK/reference-$system.duckdb"
    "$BIN/python" "$ROOT/.ci/as_source_schema.py" "$SOURCE_RAW" --system "$system" --schema "$system" \
        --duckdb "$REFERENCE_DB"
    PULSE_TARGET=duckdb PULSE_DB_PATH="$REFERENCE_DB" PULSE_RAW_PATH="$SOURCE_RAW" \
        "$BIN/dbt" build --target duckdb --vars "$SOURCE_VARS" --exclude-resource-type unit_test --quiet
    export PGDATABASE="pulse_$system" PULSE_RAW_PATH="$SOURCE_RAW"
    "$PGBIN/createdb" "$PGDATABASE"
    "$BIN/python" "$ROOT/.ci/as_source_schema.py" "$SOURCE_RAW" --system "$system" --schema "$system" --postgres
    "$BIN/pulse" load --target postgres --raw-path "$SOURCE_RAW" --vars "$SOURCE_VARS" \
        --landing-db "$WORK/landing-$system.duckdb"
    "$BIN/dbt" build --target postgres --vars "$SOURCE_VARS" --exclude-resource-type unit_test
    # the incremental run in a session with another time zone (a server's settings are not
    # ours, and may change between runs): it re-reads the last day's rows, which must keep their
    # ids and not count twice; the marts must equal DuckDB's. (DateStyle needs no test: dbt's
    # psycopg2 sets it to ISO on every connection.)
    PGOPTIONS="-c TimeZone=America/Los_Angeles" "$BIN/dbt" build --target postgres \
        --vars "$SOURCE_VARS" --select "config.materialized:incremental+" --exclude-resource-type unit_test
    "$BIN/python" -m pulse.compare --duckdb "$REFERENCE_DB" --postgres
done
