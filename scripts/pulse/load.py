"""`pulse load`: put the raw files into the `raw` schema of a PostgreSQL database.

The files are parsed exactly as dbt parses them on DuckDB: the dbt macro `land_raw_files`
lands them into a scratch DuckDB file (every contract column as text, plus one
`<table>__unparseable` table of lines that cannot be parsed), and those tables are then
copied to PostgreSQL in one transaction. So both targets quarantine the same rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from pulse.dbt import run_dbt
from pulse.errors import PulseError

_PG_TYPES = {"VARCHAR": "text", "BIGINT": "bigint", "UBIGINT": "bigint", "INTEGER": "integer"}


def land_to_duckdb(raw_dir: Path, db_file: Path) -> None:
    """Land the raw files of raw_dir into db_file's `raw` schema with the dbt macro."""
    if not raw_dir.is_dir():
        raise PulseError(f"raw folder not found: {raw_dir}")
    run_dbt(
        ["run-operation", "land_raw_files", "--target", "duckdb", "--quiet"],
        env={
            "PULSE_RAW_PATH": str(raw_dir),
            "PULSE_DB_PATH": str(db_file),
            "PULSE_TARGET": "duckdb",
        },
        quiet=True,
    )


def load_postgres(raw_dir: Path, schema: str = "raw", dsn: str = "") -> dict[str, int]:
    """Load every raw table of raw_dir into `schema` on PostgreSQL (libpq PG* variables or dsn).

    Returns the row count per table. Existing raw tables are replaced atomically.
    """
    import psycopg2  # imported here: only this command needs it

    with tempfile.TemporaryDirectory(prefix="pulse-load-") as tmp:
        scratch = Path(tmp) / "landing.duckdb"
        land_to_duckdb(raw_dir, scratch)
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
