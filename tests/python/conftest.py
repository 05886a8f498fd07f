"""Shared fixtures: the small data set and the DuckDB file `make test` builds with dbt."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pulse import paths
from pulse.dbt import dbt_env, dbt_executable

DbtRunner = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The generated raw folder the test database was built from (make test sets it)."""
    path = paths.raw_path()
    if not (path / "_manifest.json").exists():
        pytest.skip(f"no generated data in {path}: run the tests through `make test`")
    return path


@pytest.fixture(scope="session")
def manifest(raw_dir: Path) -> dict:
    return json.loads((raw_dir / "_manifest.json").read_text())


@pytest.fixture(scope="session")
def built_db() -> Path:
    """The DuckDB file dbt built for the tests (PULSE_DB_PATH, set by make test)."""
    path = paths.db_path()
    if "PULSE_DB_PATH" not in os.environ or not path.exists():
        pytest.skip("no test database: run the tests through `make test`")
    return path


@pytest.fixture()
def db(built_db: Path):
    """A read-only connection to the test database, closed after the test."""
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _run_dbt(
    args: list[str], db_file: Path, raw_dir: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` on db_file with raw files from raw_dir; never raises (check returncode)."""
    overrides = {"PULSE_DB_PATH": str(db_file), "PULSE_RAW_PATH": str(raw_dir), **env}
    return subprocess.run(
        [dbt_executable(), *args],
        env=dbt_env(overrides),
        cwd=paths.PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def dbt() -> DbtRunner:
    """Run dbt against a given DuckDB file and raw folder: dbt(args, db_file, raw_dir)."""
    return _run_dbt
