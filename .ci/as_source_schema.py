"""CI helper: write a Pendo- or Segment-shaped raw folder into a schema as the source's own
loader would (Fivetran's Pendo connector, Segment's warehouse sync): typed columns, no
bookkeeping columns, one table per source table. make test-postgres reads such a schema with
var source_schema.

    python .ci/as_source_schema.py RAW_DIR --system pendo --schema pendo --postgres
    python .ci/as_source_schema.py RAW_DIR --system pendo --schema pendo --duckdb FILE

Types: the raw contract's data_type (timestamp -> timestamp with time zone, integer ->
bigint, text -> text); a column outside the contract (Pendo's agent_* fields) gets the
first of bigint, double, date (plain YYYY-MM-DD only), timestamp with time zone that every
value casts to, else text; under pendo a date field is written as a timestamp with time zone
(midnight UTC), as Fivetran types Pendo's date fields, so the in-place read of a date typed as
a timestamp is tested (Segment keeps date); Pendo's `event` is written without
`_fivetran_id`, so rows identified by their key (and the hour's timestamp) are tested too.
A Segment table gets Segment's load time `uuid_ts` (its received_at, never empty). A table
with no file in RAW_DIR is not created (an optional table the loader never wrote).
PostgreSQL is reached through the libpq PG* variables.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from pulse import contract, rawfiles

_CONTRACT_TYPES = {"timestamp": "TIMESTAMPTZ", "integer": "BIGINT", "text": "VARCHAR"}
_SNIFFED = ("BIGINT", "DOUBLE", "DATE", "TIMESTAMPTZ")
_PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMPTZ": "timestamptz",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _typed_select(
    con, table: contract.Table, files: list[str], system: str
) -> tuple[str, dict[str, str]]:
    """The select of the typed table over its files, and its column types."""
    listing = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    con.execute(
        f"create or replace temp table landed as select * from read_csv({listing}, header = true, "
        "all_varchar = true, union_by_name = true)"
    )
    names = [row[0] for row in con.execute("describe landed").fetchall()]
    if system == "pendo" and table.name == "event":
        # one table without Fivetran's row id: its rows are identified by their key (with the
        # hour's timestamp), the path a table synced without _fivetran_id takes
        names = [name for name in names if name != "_fivetran_id"]
    types: dict[str, str] = {}
    for name in names:
        kind = _CONTRACT_TYPES.get(table.types.get(name, ""))
        if kind is None:
            kind = "VARCHAR"
            for candidate in _SNIFFED:
                value = f"nullif(trim({_q(name)}), '')"
                if candidate == "DATE":  # a timestamp also casts to a date: only plain dates
                    plain = "'\\d{4}-\\d{2}-\\d{2}'"
                    value = f"case when regexp_full_match({value}, {plain}) then {value} end"
                present, casts = con.execute(
                    f"select count(nullif(trim({_q(name)}), '')), "
                    f"count(try_cast({value} as {candidate})) from landed"
                ).fetchone()
                if present and present == casts:
                    kind = candidate
                    break
        types[name] = kind
    columns = []
    for n, k in types.items():
        value = f"try_cast(nullif(trim({_q(n)}), '') as {k})"
        if k == "DATE" and system == "pendo":
            value = f"timezone('UTC', cast({value} as TIMESTAMP))"
            types[n] = "TIMESTAMPTZ"
        columns.append(_q(n) if k == "VARCHAR" else f"{value} as {_q(n)}")
    select = ", ".join(columns)
    if "received_at" in types and "_fivetran_synced" not in types and "uuid_ts" not in types:
        # Segment's load time, never empty: the generator writes none, so rows load as they
        # are received (a row without a valid received_at with the latest)
        received = "try_cast(nullif(trim(received_at), '') as TIMESTAMPTZ)"
        select += f", coalesce({received}, max({received}) over ()) as uuid_ts"
        types["uuid_ts"] = "TIMESTAMPTZ"
    return f"select {select} from landed", types


def write(raw_dir: Path, system: str, schema: str, duckdb_file: Path | None) -> None:
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    pg = None
    if duckdb_file is None:
        import psycopg2

        pg = psycopg2.connect("")
        pg.autocommit = False
        cur = pg.cursor()
        cur.execute(f"create schema if not exists {_q(schema)}")
    else:
        con.execute(f"attach '{duckdb_file}' as target")
        con.execute(f"create schema if not exists target.{_q(schema)}")
    with tempfile.TemporaryDirectory(prefix="pulse-source-schema-") as tmp:
        for name, table in contract.load(source_system=system).items():
            try:
                files = [f["path"] for f in rawfiles.table_files(raw_dir, name)]
            except rawfiles.RawTableMissing:
                continue
            select, types = _typed_select(con, table, files, system)
            if pg is None:
                con.execute(f"create or replace table target.{_q(schema)}.{_q(name)} as {select}")
            else:
                ddl = ", ".join(f"{_q(n)} {_PG_TYPES[k]}" for n, k in types.items())
                cur.execute(f"drop table if exists {_q(schema)}.{_q(name)}")
                cur.execute(f"create table {_q(schema)}.{_q(name)} ({ddl})")
                csv_file = Path(tmp) / f"{name}.csv"
                con.execute(f"copy ({select}) to '{csv_file}' (format csv, header true)")
                with csv_file.open(encoding="utf-8") as handle:
                    cur.copy_expert(
                        f"copy {_q(schema)}.{_q(name)} from stdin with (format csv, header true)",
                        handle,
                    )
            print(f"{schema}.{name}: {len(types)} typed columns", flush=True)
    if pg is not None:
        pg.commit()
        pg.close()
    con.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("--system", required=True, choices=["pendo", "segment"])
    parser.add_argument("--schema", required=True)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--postgres", action="store_true")
    target.add_argument("--duckdb", type=Path)
    args = parser.parse_args()
    write(args.raw_dir, args.system, args.schema, None if args.postgres else args.duckdb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
