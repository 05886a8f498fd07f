"""Shared fixtures: the small data set and the DuckDB file `make test` builds with dbt."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pulse import lock, paths
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


# -- a private warehouse for the commands that publish (pulse publish, pulse run) -------------
@dataclass
class Site:
    """A private copy of the test database with its own export folder and served file; the
    `pulse` command runs on it as a separate process, as a user or a scheduler runs it."""

    root: Path
    raw: Path

    @property
    def db(self) -> Path:
        return self.root / "db" / "pulse.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def served(self) -> Path:
        return self.root / "served" / "pulse_marts.duckdb"

    def env(self) -> dict[str, str]:
        # not the lock token of this process: another process takes the lock itself
        env = {
            k: v for k, v in os.environ.items() if k not in (lock.ENV_TOKEN, "PULSE_WEBHOOK_URL")
        }
        env.update(
            PULSE_DB_PATH=str(self.db),
            PULSE_RAW_PATH=str(self.raw),
            PULSE_EXPORT_DIR=str(self.exports),
            PULSE_SERVE_PATH=str(self.served),
            PULSE_TARGET="duckdb",
        )
        return env

    def pulse(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        """`pulse ARGS` on this site; never raises (check returncode)."""
        return subprocess.run(
            [str(Path(sys.executable).with_name("pulse")), *args],
            env={**self.env(), **extra},
            cwd=paths.PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )


@pytest.fixture(scope="session")
def published_site(built_db: Path, raw_dir: Path, tmp_path_factory) -> Site:
    """The test database copied (same file name: its views name the catalog after it),
    validated and published once; tests work on copies of this folder (see `site`)."""
    site = Site(tmp_path_factory.mktemp("published_site"), raw_dir)
    site.db.parent.mkdir()
    shutil.copy(built_db, site.db)
    for step in (["validate"], ["publish"]):
        done = site.pulse(*step)
        assert done.returncode == 0, done.stderr
    return site


@pytest.fixture()
def site(published_site: Site, tmp_path: Path) -> Site:
    """A copy of the published site of its own: validated, published, free to break."""
    copy = Site(tmp_path / "site", published_site.raw)
    shutil.copytree(published_site.root, copy.root, symlinks=True)
    return copy
