"""Read the marts dbt built, on DuckDB (read-only, closed promptly) or PostgreSQL.

DuckDB lets one writer or several readers hold a file, never both: every reader here opens
the file read-only and closes it when the `with` block ends, so run dbt first, then read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pulse import paths
from pulse.errors import PulseError

MART_SCHEMA = "marts"
SEED_SCHEMA = "seeds"  # the dbt seeds (dbt_project.yml: seeds +schema)
HEALTH_COMPONENTS = "health_components"  # the seed that defines the health components


def target() -> str:
    """The dbt target the project builds on: env PULSE_TARGET, default duckdb."""
    value = os.environ.get("PULSE_TARGET", "duckdb").strip().lower()
    if value not in ("duckdb", "postgres"):
        raise PulseError(f"PULSE_TARGET must be duckdb or postgres, got {value!r}")
    return value


def run_log_schema() -> str:
    """The schema of the pulse_dbt_runs log table (dbt's target schema)."""
    return "main" if target() == "duckdb" else os.environ.get("PULSE_PG_SCHEMA", "analytics")


@dataclass
class Warehouse:
    """A connection to the warehouse the marts live in (read-only unless opened for writing)."""

    kind: str
    con: Any

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        if self.kind == "duckdb":
            # through Arrow so that DATE columns stay dates (not midnight timestamps)
            table = self.con.execute(sql, params or []).to_arrow_table()
            return table.to_pandas(date_as_object=True)
        with self.con.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), params or None)
            columns = [d[0] for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=columns)

    def tables(self, schema: str = MART_SCHEMA) -> list[str]:
        frame = self.query(
            "select table_name from information_schema.tables where table_schema = ? "
            "order by table_name",
            [schema],
        )
        return [str(name) for name in frame["table_name"]]

    def read_table(self, name: str, schema: str = MART_SCHEMA) -> pd.DataFrame:
        if name not in self.tables(schema):
            raise PulseError(f"table {schema}.{name} not found: run `make build` (dbt build) first")
        return self.query(f'select * from "{schema}"."{name}"')

    def last_dbt_run(self) -> dict[str, Any] | None:
        """The latest row of pulse_dbt_runs (the last dbt run/build started), or None.

        dbt's on-run-start logs a run as 'running' and on-run-end finishes it: a row still
        'running' is a build that was killed (or is still going)."""
        schema = run_log_schema()
        if "pulse_dbt_runs" not in self.tables(schema):
            return None
        frame = self.query(
            f'select * from "{schema}".pulse_dbt_runs order by started_at desc, '
            "finished_at desc nulls first limit 1"
        )
        if frame.empty:
            return None
        row = frame.iloc[0].to_dict()
        return {
            k: (None if _is_null(v) else v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in row.items()
        }


@dataclass(frozen=True)
class HealthComponent:
    """One row of the seed health_components: a component of the health score."""

    component: str
    metric: str
    weight: float
    description: str

    @property
    def label(self) -> str:
        """In words, first letter capitalised: interaction_sentiment -> Interaction sentiment."""
        return component_label(self.component)

    @property
    def title(self) -> str:
        """In Title Case: interaction_sentiment -> Interaction Sentiment."""
        return " ".join(w[:1].upper() + w[1:] for w in self.component.split("_") if w)


def component_label(component: str) -> str:
    """A component's name in words, first letter capitalised ("" for "")."""
    words = component.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def health_components(wh: Warehouse) -> list[HealthComponent]:
    """The health components of the seed health_components (the one definition of the set)
    that count (weight > 0), in the seed file's row order: the order dbt loaded its rows in
    (DuckDB rowid, PostgreSQL ctid; the seed has no order column). Without a row order (a view
    in its place) by name, as the SQL orders them where it has none (pulse_health_metrics)."""
    if HEALTH_COMPONENTS not in wh.tables(SEED_SCHEMA):
        raise PulseError(
            f"table {SEED_SCHEMA}.{HEALTH_COMPONENTS} not found: run `make build` (dbt build) first"
        )
    select = (
        "select component, metric, weight, description "
        f'from "{SEED_SCHEMA}"."{HEALTH_COMPONENTS}" where weight > 0 order by '
    )
    try:
        frame = wh.query(select + ("rowid" if wh.kind == "duckdb" else "ctid"))
    except Exception:  # no physical row order (not a table)
        frame = wh.query(select + "component")
    return [
        HealthComponent(
            component=str(row["component"]).strip(),
            metric=str(row["metric"]).strip(),
            weight=float(row["weight"]),
            description="" if _is_null(row["description"]) else str(row["description"]).strip(),
        )
        for row in frame.to_dict("records")
    ]


def _is_null(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def never_finished(last_run: dict[str, Any] | None) -> str | None:
    """The one-line reason to refuse the marts when the last dbt run never finished, else None."""
    if last_run is None or last_run.get("finished_at") or last_run.get("status") != "running":
        return None
    started = str(last_run.get("started_at") or "")[:16].replace("T", " ")
    command = last_run.get("command") or "build"
    return (
        f"the last dbt {command} (started {started} UTC) never finished; the marts may be half "
        "old, half new. Run make build again."
    )


def _busy(duckdb_message: str) -> PulseError:
    """DuckDB's "Conflicting lock" as one line: who holds the database (from our lock file
    when the writer took it, else the PID DuckDB names)."""
    import re

    from pulse import lock

    holder = lock.current_holder()
    if holder is not None and holder.get("token") == os.environ.get(lock.ENV_TOKEN):
        holder = None  # that is us (or the build that started us): the writer is someone else
    found = re.search(r"\(PID (\d+)\)", duckdb_message)
    if holder is None and found:
        # the writer did not go through `pulse locked` (a direct `dbt build`?): ask DuckDB
        holder = _process(int(found.group(1)))
    return lock.Busy(lock.busy_message(holder or {}))


def _process(pid: int) -> dict[str, Any]:
    """pid, command and start time of a running process (Linux /proc), as far as known."""
    from datetime import UTC, datetime

    info: dict[str, Any] = {"pid": pid}
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            parts = [p.decode(errors="replace") for p in handle.read().split(b"\0") if p]
        started = os.stat(f"/proc/{pid}").st_mtime
    except OSError:
        return info
    # "python .../bin/dbt build ..." -> "dbt build ..."
    words = [os.path.basename(p) if i < 2 else p for i, p in enumerate(parts)]
    if len(words) > 1 and words[0].startswith("python"):
        words = words[1:]
    info["command"] = " ".join(words[:4]) or None
    info["started_at"] = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return info


@contextmanager
def connect(read_only: bool = True) -> Iterator[Warehouse]:
    """Open the warehouse (read-only unless said otherwise: writers hold the build lock);
    closed when the block ends."""
    if target() == "duckdb":
        import duckdb

        db_file = paths.db_path()
        if not db_file.exists():
            raise PulseError(f"no database at {db_file}: run `make build` (dbt build) first")
        try:
            con = duckdb.connect(str(db_file), read_only=read_only)
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            if "Conflicting lock" in first:
                raise _busy(first) from None
            mode = " read-only" if read_only else ""
            raise PulseError(f"cannot open {db_file}{mode}: {first}") from None
        try:
            yield Warehouse("duckdb", con)
        finally:
            con.close()
    else:
        import psycopg2

        try:
            con = psycopg2.connect("")
        except psycopg2.Error as exc:
            first_line = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise PulseError(f"cannot connect to PostgreSQL: {first_line}") from None
        con.set_session(readonly=read_only, autocommit=True)
        try:
            yield Warehouse("postgres", con)
        finally:
            con.close()
