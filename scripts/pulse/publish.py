"""`pulse publish`: the marts, copied into one self-contained DuckDB file for BI tools.

The build database belongs to its writer (dbt): DuckDB lets one writer or several readers hold
a file, never both, so a BI tool that kept the build database open would block the next build.
BI tools read the served file instead (PULSE_SERVE_PATH, default warehouse/pulse_marts.duckdb):

- every `dim_`, `fct_` and `rpt_` relation of the `marts` schema, as real tables under the same
  schema name (`select * from marts.fct_account_health` works on both files), no views that
  point back into the build database;
- `main.pulse_published`: one row saying what was published (when, from which dbt run, the
  as-of date).

The file is written next to the served one under a temporary name and moved over it with one
`os.replace`: a reader that has the old file open keeps reading the old, complete version (the
old inode lives until it closes), a new connection sees the new one, and a failure part-way
leaves the served file as it was. The build database is opened read-only.

Publishing refuses, with one line, the marts `pulse export` refuses (the same gate: the last
dbt run unfinished or failed, validation failed, missing or of an older run).
On PostgreSQL there is nothing to copy: BI tools read the `marts` schema itself.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pulse import paths, warehouse
from pulse.errors import PulseError, Refused

MART_PREFIXES = ("dim_", "fct_", "rpt_")
PUBLISHED_TABLE = "pulse_published"
# the name the served file is attached under while it is written (never a dbt catalog name)
_OUT = "pulse_publish_out"


@dataclass
class Published:
    """What one publish wrote (or, on PostgreSQL, where BI tools read instead)."""

    target: str
    path: Path | None
    published_at: str | None = None
    dbt_invocation_id: str | None = None
    as_of_date: str | None = None
    rows: dict[str, int] = field(default_factory=dict)  # "marts.fct_x" -> rows
    seconds: float = 0.0


def mart_tables(wh: warehouse.Warehouse) -> list[str]:
    """The published relations of the marts schema (tables and views), by name."""
    return [t for t in wh.tables(warehouse.MART_SCHEMA) if t.startswith(MART_PREFIXES)]


def _gate(last_run: dict[str, Any] | None) -> None:
    # one gate for everything that leaves the build database: the export's
    from pulse.export import gate_problems

    problems = gate_problems(paths.export_dir(), last_run)
    if problems:
        raise Refused("publish refused: " + "; ".join(problems))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _as_of_date(wh: warehouse.Warehouse) -> str | None:
    schema = warehouse.MART_SCHEMA
    if "dim_report_window" not in wh.tables(schema):
        return None
    frame = wh.query(f'select max(as_of_date) as d from "{schema}".dim_report_window')
    value = None if frame.empty else frame.iloc[0, 0]
    return None if value is None or pd.isna(value) else str(value)[:10]


def read_marts_rows() -> tuple[dict[str, int], str | None]:
    """Rows of every mart and the as-of date, read where the marts are (PostgreSQL: no copy)."""
    schema = warehouse.MART_SCHEMA
    with warehouse.connect() as wh:
        rows = {
            f"{schema}.{name}": int(
                wh.query(f'select count(*) as n from "{schema}"."{name}"').iloc[0, 0]
            )
            for name in mart_tables(wh)
        }
        return rows, _as_of_date(wh)


def publish(serve_path: Path | None = None) -> Published:
    """Copy the marts into a new file and move it over the served file in one rename."""
    started = time.monotonic()
    if warehouse.target() == "postgres":
        return Published("postgres", None)
    served = serve_path or paths.serve_path()
    if served == paths.db_path():
        raise PulseError(f"PULSE_SERVE_PATH must not be the build database ({served})")
    if served.stem == warehouse.MART_SCHEMA:
        # DuckDB names a file's catalog after it: `marts.fct_x` would be ambiguous
        raise PulseError(f"PULSE_SERVE_PATH must not be named {served.name} (any other name)")
    try:
        served.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PulseError(f"cannot create {served.parent}: {exc.strerror}") from None
    # leftovers of a publish that was killed (publishing runs under the build lock)
    for stale in served.parent.glob(f".{served.name}.tmp-*"):
        stale.unlink(missing_ok=True)
    tmp = served.with_name(f".{served.name}.tmp-{os.getpid()}")
    with warehouse.connect() as wh:  # the build database, read-only
        last_run = wh.last_dbt_run()
        _gate(last_run)
        tables = mart_tables(wh)
        if not tables:
            raise PulseError(
                f"no dim_, fct_ or rpt_ relations in schema {warehouse.MART_SCHEMA} of "
                f"{paths.db_path()}: run `make build` first"
            )
        as_of = _as_of_date(wh)
        now = datetime.now(UTC)
        info = Published(
            "duckdb",
            served,
            published_at=now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            dbt_invocation_id=(last_run or {}).get("invocation_id"),
            as_of_date=as_of,
        )
        schema = warehouse.MART_SCHEMA
        con = wh.con
        try:
            con.execute(f"attach '{_sql_text(tmp)}' as {_OUT} (read_write)")
            con.execute(f'create schema {_OUT}."{schema}"')
            for name in tables:
                con.execute(
                    f'create table {_OUT}."{schema}"."{name}" as select * from "{schema}"."{name}"'
                )
                count = con.execute(f'select count(*) from {_OUT}."{schema}"."{name}"').fetchone()
                info.rows[f"{schema}.{name}"] = int(count[0]) if count else 0
            con.execute(
                f"create table {_OUT}.main.{PUBLISHED_TABLE} as select "
                "cast(? as timestamp) as published_at, cast(? as varchar) as dbt_invocation_id, "
                "cast(? as timestamp) as dbt_run_finished_at, cast(? as date) as as_of_date, "
                "cast(? as varchar) as source_database, cast(? as bigint) as count_tables",
                [
                    now.replace(tzinfo=None),
                    info.dbt_invocation_id,
                    (last_run or {}).get("finished_at"),
                    as_of,
                    str(paths.db_path()),
                    len(tables),
                ],
            )
            con.execute(f"checkpoint {_OUT}")
            con.execute(f"detach {_OUT}")
        except Exception as exc:
            _remove(tmp)
            if type(exc).__module__.split(".")[0].lstrip("_") != "duckdb":
                raise
            raise PulseError(
                f"cannot write {tmp.name} in {served.parent}: {_first_line(exc)}"
            ) from None
        except BaseException:
            _remove(tmp)
            raise
    try:
        # a write-ahead log beside the served file is a read-write reader's, of the old version
        served.with_name(served.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, served)  # the one moment the served file changes
    except OSError as exc:
        _remove(tmp)
        raise PulseError(f"cannot replace {served}: {exc.strerror}") from None
    info.seconds = round(time.monotonic() - started, 1)
    return info


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def _remove(tmp: Path) -> None:
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)


def describe(info: Published) -> str:
    """The one line saying what was published (or where BI tools read on PostgreSQL)."""
    if info.path is None:
        return (
            f"publish: nothing to copy on {info.target}: BI tools read the "
            f"{warehouse.MART_SCHEMA} schema of the database itself"
        )
    rows = sum(info.rows.values())
    return (
        f"published {len(info.rows)} marts ({rows:,} rows) as of {info.as_of_date or '?'} "
        f"to {info.path} in {info.seconds:.1f}s"
    )


def run_cli(args: argparse.Namespace) -> int:
    """`pulse publish`: 0 when the served file was replaced (or on PostgreSQL, nothing to do)."""
    print(describe(publish()))
    return 0
