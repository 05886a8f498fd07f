#!/usr/bin/env bash
# make test-spark: the same dbt project on Apache Spark (dbt-spark's session method: PySpark
# in-process, tables as Parquet under a throwaway warehouse folder), proved equal to DuckDB.
#
# Day 1: the test data set with its events split into daily files (events/<day>.csv) up to a
# cutoff; Spark lands the raw files (pulse.spark_land), `dbt build --target spark` builds every
# model and runs every data test, then the unit tests Spark supports; DuckDB builds the same
# folder; every mart is compared row for row (pulse.compare). Day 2: new daily files, late
# events and re-deliveries arrive; both engines land them and run incrementally; the marts are
# compared again. Java 17 comes from Debian when missing; the Python packages are the
# separate lock requirements-spark.lock, in .venv-spark (the Makefile installs it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RAW_SRC="${1:?usage: spark.sh RAW_DIR}"
BIN="$ROOT/.venv/bin"
SPARK_BIN="$ROOT/.venv-spark/bin"

if ! command -v java >/dev/null; then
    echo "test-spark: installing Java 17 (openjdk-17-jre-headless) from Debian"
    if [ "$(id -u)" -ne 0 ]; then
        echo "test-spark: Java is not installed and this user cannot apt-get install it" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

WORK="$(mktemp -d /tmp/pulse-spark.XXXXXX)"
# removed after a pass; kept after a failure, for a look at the logs and the warehouse
trap 'status=$?; if [ "$status" -eq 0 ]; then rm -rf "$WORK"; else echo "test-spark: failed; work folder kept: $WORK" >&2; fi' EXIT
started=$SECONDS
step() { echo "test-spark: $* ($((SECONDS - started)) s)"; }

# day 1 and day 2 of the same data: events as daily files (the incremental test's split)
"$BIN/python" "$ROOT/.ci/split_days.py" "$RAW_SRC" "$WORK/raw" "$WORK/day2"

export PULSE_PROJECT_DIR="$ROOT" DBT_PROFILES_DIR="$ROOT/profiles" DBT_PROJECT_DIR="$ROOT"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1
export PULSE_RAW_PATH="$WORK/raw" PULSE_SPARK_DIR="$WORK/spark" PULSE_DB_PATH="$WORK/pulse.duckdb"
# the dbt artefacts of the Spark runs stay apart from the DuckDB ones
spark_dbt() { DBT_TARGET_PATH="$WORK/target-spark" DBT_LOG_PATH="$WORK/logs-spark" "$SPARK_BIN/dbt" "$@"; }
duck_dbt() { DBT_TARGET_PATH="$WORK/target-duckdb" DBT_LOG_PATH="$WORK/logs-duckdb" "$BIN/dbt" "$@"; }
# No as_of_date var: each build takes the default, the last activity day of the files landed
# so far (day 1 ends before the last NPS responses and tickets of the data set; day 2 moves
# as_of_date forward, as a nightly run does)
# Spark: run from the work folder (derby.log, spark-warehouse of stray sessions land there)
cd "$WORK"

step "day 1: landing the raw files on Spark"
"$SPARK_BIN/python" -m pulse.spark_land
step "day 1: dbt build --target spark (every model and data test)"
spark_dbt build --target spark --exclude-resource-type unit_test
step "day 1: unit tests on Spark"
spark_dbt test --target spark --select "test_type:unit"
step "day 1: the DuckDB build of the same files"
duck_dbt build --target duckdb --exclude-resource-type unit_test --quiet
step "day 1: every mart, DuckDB vs Spark"
"$BIN/python" -m pulse.compare --duckdb "$PULSE_DB_PATH" --spark-warehouse "$WORK/spark/warehouse"

# day 2: new daily files, late events, re-deliveries (new files only: nothing changes in place)
cp -r "$WORK/day2/." "$WORK/raw/events/"
step "day 2: landing the new files on Spark"
"$SPARK_BIN/python" -m pulse.spark_land
step "day 2: incremental dbt build --target spark"
spark_dbt build --target spark --exclude-resource-type unit_test
step "day 2: incremental DuckDB build"
duck_dbt build --target duckdb --exclude-resource-type unit_test --quiet
step "day 2: every mart, DuckDB vs Spark"
"$BIN/python" -m pulse.compare --duckdb "$PULSE_DB_PATH" --spark-warehouse "$WORK/spark/warehouse"
step "done"
