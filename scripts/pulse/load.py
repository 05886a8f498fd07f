"""`pulse load`: put the raw files into the `raw` schema of a PostgreSQL database.

The files are parsed exactly as dbt parses them on DuckDB: the dbt macro `land_raw_files`
lands them into a landing DuckDB file (every contract column as text, plus `_source_file`,
`_source_row`, `_load_id` and one `<table>__unparseable` table of lines that cannot be
parsed), and those tables are then copied to PostgreSQL in one transaction. So both targets
quarantine the same rows.

The landing file persists (default `pulse_landing.duckdb` beside PULSE_DB_PATH): like dbt on
DuckDB it lands only new files, and every row keeps the `_load_id` of the landing that read
it, which the incremental staging of events on PostgreSQL relies on. A changed or removed
events file stops the load with one line (rebuild with `--full-refresh` here, then
`dbt build --full-refresh`).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import duckdb
import yaml

from pulse import paths
from pulse.dbt import run_dbt
from pulse.errors import PulseError

_PG_TYPES = {"VARCHAR": "text", "BIGINT": "bigint", "UBIGINT": "bigint", "INTEGER": "integer"}


def land_to_duckdb(
    raw_dir: Path, db_file: Path, full_refresh: bool = False, dbt_vars: str | None = None
) -> None:
    """Land the new raw files of raw_dir into db_file's `raw` schema with the dbt macro
    (dbt_vars: the build's --vars, e.g. its source_system, which decide the tables read)."""
    if not raw_dir.is_dir():
        raise PulseError(f"raw folder not found: {raw_dir}")
    db_file.parent.mkdir(parents=True, exist_ok=True)
    args = ["run-operation", "land_raw_files", "--target", "duckdb", "--quiet"]
    given = _parse_vars(dbt_vars)
    if full_refresh:
        given["reload_raw"] = True
    if given:
        args += ["--vars", json.dumps(given)]
    run_dbt(
        args,
        env={
            "PULSE_RAW_PATH": str(raw_dir),
            "PULSE_DB_PATH": str(db_file),
            "PULSE_TARGET": "duckdb",
        },
        quiet=True,
    )


def _parse_vars(dbt_vars: str | None) -> dict:
    """The --vars text as a mapping (YAML, as dbt reads it); one line when it is none."""
    if not dbt_vars:
        return {}
    try:
        given = yaml.safe_load(dbt_vars)
    except yaml.YAMLError as exc:
        raise PulseError(f"--vars is not YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(given, dict):
        raise PulseError(
            f"--vars must be a YAML mapping such as '{{source_system: pendo}}', not {dbt_vars!r}"
        )
    return dict(given)


def landing_db() -> Path:
    return paths.db_path().with_name("pulse_landing.duckdb")


def load_postgres(
    raw_dir: Path,
    schema: str = "raw",
    dsn: str = "",
    landing: Path | None = None,
    full_refresh: bool = False,
    dbt_vars: str | None = None,
) -> dict[str, int]:
    """Load every raw table of raw_dir into `schema` on PostgreSQL (libpq PG* variables or dsn).

    Returns the row count per table. Existing raw tables are replaced atomically.
    """
    import psycopg2  # imported here: only this command needs it

    with tempfile.TemporaryDirectory(prefix="pulse-load-") as tmp:
        scratch = landing or landing_db()
        land_to_duckdb(raw_dir, scratch, full_refresh, dbt_vars)
        con = duckdb.connect(str(scratch), read_only=True)
        try:
            tables = [
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'raw' and not starts_with(table_name, '_') "
                    "order by table_name"
                ).fetchall()
            ]
            counts: dict[str, int] = {}
            try:
                pg = psycopg2.connect(dsn)
            except psycopg2.Error as exc:
                raise PulseError(f"cannot connect to PostgreSQL: {str(exc).strip()}") from None
            try:
                with pg, pg.cursor() as cur:
                    cur.execute(f'create schema if not exists "{schema}"')
                    for table in tables:
                        counts[table] = _copy_table(con, cur, table, schema, Path(tmp))
            except psycopg2.Error as exc:
                raise PulseError(f"loading into PostgreSQL failed: {str(exc).strip()}") from None
            finally:
                pg.close()
        finally:
            con.close()
    return counts


def _copy_table(con, cur, table: str, schema: str, tmp: Path) -> int:
    """Recreate raw.<table> of the DuckDB connection as <schema>.<table> on PostgreSQL."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    ddl = ", ".join(f'"{name}" {_PG_TYPES.get(kind, "text")}' for name, kind in columns)
    cur.execute(f'drop table if exists "{schema}"."{table}"')
    cur.execute(f'create table "{schema}"."{table}" ({ddl})')
    # PostgreSQL text cannot hold NUL bytes: they are dropped from the copy
    select = ", ".join(
        f'replace("{name}", chr(0), \'\') as "{name}"' if kind == "VARCHAR" else f'"{name}"'
        for name, kind in columns
    )
    csv_file = tmp / f"{table}.csv"
    con.execute(
        f"copy (select {select} from raw.\"{table}\") to '{csv_file}' (format csv, header true)"
    )
    with csv_file.open("r", encoding="utf-8") as handle:
        cur.copy_expert(
            f'copy "{schema}"."{table}" from stdin with (format csv, header true)', handle
        )
    csv_file.unlink()
    return cur.rowcount
