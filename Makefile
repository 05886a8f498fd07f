# Customer Pulse — the two commands: `make build` (the main job) and `make test`.
# Works from any directory (`make -C path/to/customer-pulse build`); a second run reuses the
# installed environment (.venv is rebuilt only when requirements.lock or pyproject.toml change).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
PYTHON ?= python3
UV_VERSION := 0.13.8

export PULSE_PROJECT_DIR := $(ROOT)
export DBT_PROFILES_DIR := $(ROOT)/profiles
export DBT_PROJECT_DIR := $(ROOT)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

# the README "Knobs" (relative paths are taken from the project root)
export PULSE_RAW_PATH ?= data/raw
export PULSE_DB_PATH ?= warehouse/pulse.duckdb
export PULSE_EXPORT_DIR ?= exports
export PULSE_SERVE_PATH ?= warehouse/pulse_marts.duckdb

# the small data set the tests build on (seconds, not minutes)
TEST_DIR := $(ROOT)/.test
TEST_RAW := $(TEST_DIR)/raw
TEST_DB := $(TEST_DIR)/pulse.duckdb
TEST_GENERATE := --accounts 40 --days 120 --seed 7 --bad-row-rate 0.02

DBT := $(BIN)/dbt
PULSE := $(BIN)/pulse

.PHONY: help install build generate dbt-build validate publish export report notify test lint test-python test-dbt test-postgres test-spark clean browser

help:
	@echo "make build          install, sample data (only into an empty data/raw), dbt build, validate, publish, export, report"
	@echo "make test           install, lint (ruff, sqlfluff), dbt build + tests on a small data set, pytest"
	@echo "make test-postgres  the same dbt project on a throwaway PostgreSQL 15 cluster"
	@echo "make test-spark     the same dbt project on Apache Spark (in-process), every mart compared with DuckDB"
	@echo "make clean          remove generated data, databases and dbt artefacts (not .venv)"

$(VENV)/.installed: $(ROOT)/requirements.lock $(ROOT)/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found (Python 3.11 is required)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' \
		|| { echo "make: $(PYTHON) is not Python 3.11 (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r $(ROOT)/requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e $(ROOT)
	touch $@

install: $(VENV)/.installed

# Sample data only for the default sample folder (data/raw), and only when it is empty or
# missing. A PULSE_RAW_PATH of your own is never written to: a missing folder or table is a
# one-line error from dbt's landing step.
generate: install
	$(PULSE) generate --if-missing

# The production build skips dbt unit tests (they run in `make test`): a unit test of an
# incremental model needs the model to exist already.
# One writer at a time: `pulse locked` holds <PULSE_DB_PATH>.lock while dbt runs (a second
# build exits at once, saying who holds the database). FULL_REFRESH=1 rebuilds the incremental
# models (needed after a change of raw path, timezone, window_days or raw contract);
# VARS='{...}' is dbt's --vars; DBT_ARGS='...' is passed on to dbt.
dbt-build: install
	@mkdir -p "$$($(BIN)/python -c 'from pulse import paths; print(paths.db_path().parent)')"
	$(PULSE) locked --name "make dbt-build" -- \
		$(DBT) build --exclude-resource-type unit_test $(if $(FULL_REFRESH),--full-refresh) \
		$(if $(VARS),--vars '$(VARS)') $(DBT_ARGS)

# the steps of the main job, one at a time
validate: install
	$(PULSE) validate

publish: install
	$(PULSE) publish

export: install
	$(PULSE) export --triggers

report: install
	$(PULSE) report --all

# the new trigger events posted to PULSE_WEBHOOK_URL (the last step of `pulse run` when it is set)
notify: install
	$(PULSE) notify

# the main job is `pulse run` (what a scheduler runs): the lock once around generate,
# dbt build, validate, publish, export, report and notify (only with PULSE_WEBHOOK_URL); it
# stops at the first failed step and writes PULSE_EXPORT_DIR/run_summary.json. VARS,
# FULL_REFRESH and DBT_ARGS as for dbt-build.
build: install
	$(PULSE) run $(if $(VARS),--vars '$(VARS)') $(if $(FULL_REFRESH),--full-refresh) \
		$(if $(DBT_ARGS),--dbt-args '$(DBT_ARGS)')

lint: install $(TEST_RAW)/_manifest.json
	$(BIN)/ruff check $(ROOT)/scripts $(ROOT)/tests/python
	$(BIN)/ruff format --check $(ROOT)/scripts $(ROOT)/tests/python
	@mkdir -p $(TEST_DIR)
	@# the health models read their component columns from the seed health_components when they
	@# compile (dbt seed lands the test data too, as every dbt command on DuckDB does)
	cd $(ROOT) && PULSE_RAW_PATH=$(TEST_RAW) PULSE_DB_PATH=$(TEST_DIR)/lint.duckdb \
		$(DBT) --quiet seed --select health_components --target-path $(TEST_DIR)/lint-target
	cd $(ROOT) && PULSE_RAW_PATH=$(TEST_RAW) PULSE_DB_PATH=$(TEST_DIR)/lint.duckdb \
		$(BIN)/sqlfluff lint --processes 2 models tests macros analyses
	@# a source system's models are enabled only under its var source_system
	for system in segment pendo; do \
		cd $(ROOT) && PULSE_RAW_PATH=$(TEST_RAW) PULSE_DB_PATH=$(TEST_DIR)/lint.duckdb \
			$(BIN)/sqlfluff lint --config .sqlfluff-$$system models/staging/$$system || exit 1; \
	done

# new test data: the test database is built again from scratch (--full-refresh in test-dbt)
$(TEST_RAW)/_manifest.json: $(VENV)/.installed $(wildcard $(ROOT)/scripts/pulse/generate.py $(ROOT)/scripts/pulse/generator/*.py \
		$(ROOT)/scripts/pulse/generator/writers/*.py $(ROOT)/scripts/pulse/catalog.py)
	$(PULSE) generate $(TEST_GENERATE) --out $(TEST_RAW) --quiet

test-dbt: install $(TEST_RAW)/_manifest.json
	PULSE_RAW_PATH=$(TEST_RAW) PULSE_DB_PATH=$(TEST_DB) $(PULSE) locked --name "make test-dbt" -- \
		$(DBT) build --full-refresh --exclude-resource-type unit_test
	PULSE_RAW_PATH=$(TEST_RAW) PULSE_DB_PATH=$(TEST_DB) $(PULSE) locked --name "make test-dbt" -- \
		$(DBT) test --select "test_type:unit"

# The dashboard test drives a real browser: Debian's chromium and chromium-driver, installed
# here when missing and this runs as root with apt-get (as on CI); otherwise the test skips,
# saying why (with env CI set it fails instead).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make: installing chromium and chromium-driver (apt-get) for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver >/dev/null; \
	else \
		echo "make: no chromium/chromedriver and no root apt-get: the browser test will skip"; \
	fi

test-python: install browser $(TEST_RAW)/_manifest.json
	PULSE_RAW_PATH=$(TEST_RAW) PULSE_DB_PATH=$(TEST_DB) $(BIN)/pytest $(ROOT)/tests/python -q --durations=25

# lint first, then dbt (the only writer of the test database), then pytest (readers)
test: lint test-dbt test-python

test-postgres: install $(TEST_RAW)/_manifest.json
	bash $(ROOT)/.ci/postgres.sh $(TEST_RAW)

# Spark (dbt-spark, PySpark) only for make test-spark: its own lock and venv, so the default
# install stays small. Java 17 is installed by .ci/spark.sh when missing.
SPARK_VENV := $(ROOT)/.venv-spark

$(SPARK_VENV)/.installed: $(ROOT)/requirements-spark.lock $(ROOT)/pyproject.toml $(VENV)/.installed
	$(PYTHON) -m venv $(SPARK_VENV)
	$(BIN)/uv pip install --quiet --python $(SPARK_VENV)/bin/python -r $(ROOT)/requirements-spark.lock
	$(BIN)/uv pip install --quiet --python $(SPARK_VENV)/bin/python --no-deps -e $(ROOT)
	touch $@

test-spark: install $(SPARK_VENV)/.installed $(TEST_RAW)/_manifest.json
	bash $(ROOT)/.ci/spark.sh $(TEST_RAW)

clean:
	rm -rf $(ROOT)/target $(ROOT)/logs $(ROOT)/.test $(ROOT)/warehouse $(ROOT)/.spark
