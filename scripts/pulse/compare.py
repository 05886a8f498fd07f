"""Compare every mart of a DuckDB build with the same mart of a Spark or PostgreSQL build,
row for row.

`python -m pulse.compare --duckdb .test/pulse.duckdb --spark-warehouse .spark/warehouse`
(make test-spark runs it). The Spark tables are read from their Parquet files in the
warehouse folder (`<schema>.db/<table>/`, partition folders included), so no Spark session
is needed. `--postgres` compares with the database of the libpq PG* variables instead (make
test-postgres, for the Pendo and Segment sources): each mart is copied out as CSV into a
Parquet folder of the same layout, as text cast back to the DuckDB column's type.
Bookkeeping stamps of the run's clock (columns `_..._at`, e.g. _pulse_batch_at) are left
out. Each mart of the DuckDB schema is compared as a multiset of rows: the same columns, the
same number of rows, and after sorting both sides the same values: exact for integers, text,
dates, timestamps and booleans, within 1e-9 relative for doubles, NULL where the other side
is NULL. One line per mart; the exit status is 1 when any mart differs or is missing on the
other side.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import duckdb

REL_TOL = 1e-9
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def compare_table(
    con, table: str, schema: str, folder: Path, other: str = "Spark"
) -> tuple[bool, str]:
    """(equal, one-line description) of duck.<schema>.<table> versus the Parquet folder."""
    if not folder.is_dir() or not any(folder.rglob("*.parquet")):
        return False, f"missing on {other}"
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'duck' "
        "and schema_name = ? and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()
    spark_rel = (
        f"read_parquet({_lit(str(folder / '**' / '*.parquet'))}, hive_partitioning = true, "
        "union_by_name = true)"
    )
    spark_columns = {
        row[0].lower() for row in con.execute(f"describe select * from {spark_rel}").fetchall()
    }
    # the run's clock in the bookkeeping stamps (_pulse_batch_at, ...) differs by nature
    columns = [(n, kind) for n, kind in columns if not (n.startswith("_") and n.endswith("_at"))]
    names = [name for name, _ in columns]
    missing = [n for n in names if n.lower() not in spark_columns]
    extra = sorted(c for c in spark_columns - {n.lower() for n in names} if not c.endswith("_at"))
    if missing or extra:
        return False, f"columns differ (missing on {other}: {missing}, extra on {other}: {extra})"
    floats = [n for n, kind in columns if kind.upper() in _FLOAT_TYPES]
    exact = [n for n in names if n not in floats]
    order = ", ".join(_q(n) for n in exact + floats) or "1"
    select = ", ".join(f"cast({_q(n)} as {kind}) as {_q(n)}" for n, kind in columns)
    con.execute(
        f"create or replace temp table d as select row_number() over (order by {order}) "
        f"as _rn, * from (select {select} from duck.{_q(schema)}.{_q(table)})"
    )
    con.execute(
        f"create or replace temp table s as select row_number() over (order by {order}) "
        f"as _rn, * from (select {select} from {spark_rel})"
    )
    n_duck = con.execute("select count(*) from d").fetchone()[0]
    n_spark = con.execute("select count(*) from s").fetchone()[0]
    if n_duck != n_spark:
        return False, f"{n_duck} rows on DuckDB, {n_spark} on {other}"
    checks = [f"d.{_q(n)} is distinct from s.{_q(n)}" for n in exact]
    checks += [
        f"(d.{_q(n)} is null) <> (s.{_q(n)} is null) or (d.{_q(n)} <> s.{_q(n)} and "
        f"abs(d.{_q(n)} - s.{_q(n)}) > {REL_TOL} * greatest(abs(d.{_q(n)}), abs(s.{_q(n)})))"
        for n in floats
    ]
    where = " or ".join(f"({c})" for c in checks) or "false"
    bad = con.execute(f"select count(*) from d join s using (_rn) where {where}").fetchone()[0]
    if bad:
        first_bad = []
        for n, c in zip(exact + floats, checks, strict=True):
            row = con.execute(
                f"select cast(d.{_q(n)} as varchar), cast(s.{_q(n)} as varchar) "
                f"from d join s using (_rn) where {c} limit 1"
            ).fetchone()
            if row:
                first_bad.append(f"{n}: duckdb {row[0]!r} {other.lower()} {row[1]!r}")
        return False, f"{bad} of {n_duck} rows differ (first: {'; '.join(first_bad[:3])})"
    return True, f"equal ({n_duck} rows, {len(floats)} double columns within {REL_TOL:g})"


def postgres_to_parquet(con, schema: str, tables: list[str], folder: Path) -> None:
    """Copy <schema>.<table> of PostgreSQL (PG* variables) to folder/<schema>.db/<table>/ as
    Parquet, every column as text (CSV out of PostgreSQL; booleans t/f, NULL unquoted)."""
    import psycopg2

    pg = psycopg2.connect("")
    try:
        with pg.cursor() as cur:
            for table in tables:
                cur.execute(
                    "select 1 from information_schema.tables where table_schema = %s "
                    "and table_name = %s",
                    [schema, table],
                )
                if cur.fetchone() is None:
                    continue
                out = folder / f"{schema}.db" / table
                out.mkdir(parents=True)
                csv_file = out.parent / f"{table}.csv"
                with csv_file.open("w", encoding="utf-8") as handle:
                    cur.copy_expert(
                        f"copy {_q(schema)}.{_q(table)} to stdout with (format csv, header true)",
                        handle,
                    )
                con.execute(
                    f"copy (select * from read_csv({_lit(str(csv_file))}, header = true, "
                    "all_varchar = true, allow_quoted_nulls = false, auto_detect = true)) "
                    f"to {_lit(str(out / 'data.parquet'))} (format parquet)"
                )
                csv_file.unlink()
    finally:
        pg.close()


def compare(duckdb_path: Path, warehouse: Path | None, schema: str = "marts") -> bool:
    """Every mart of duckdb_path versus the Spark warehouse folder, or versus PostgreSQL
    when warehouse is None."""
    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")
        con.execute(f"attach {_lit(str(duckdb_path))} as duck (read_only)")
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where database_name = 'duck' "
                "and schema_name = ? order by table_name",
                [schema],
            ).fetchall()
        ]
        if not tables:
            print(f"compare: no tables in schema {schema} of {duckdb_path}")
            return False
        other = "Spark" if warehouse is not None else "PostgreSQL"
        with tempfile.TemporaryDirectory(prefix="pulse-compare-") as tmp:
            if warehouse is None:
                warehouse = Path(tmp)
                postgres_to_parquet(con, schema, tables, warehouse)
            all_equal = True
            for table in tables:
                equal, text = compare_table(
                    con, table, schema, warehouse / f"{schema}.db" / table, other
                )
                all_equal &= equal
                print(f"{'OK  ' if equal else 'DIFF'} {schema}.{table}: {text}", flush=True)
        print(
            f"compare: {len(tables)} marts, "
            + ("all equal" if all_equal else f"DIFFERENCES between DuckDB and {other}")
        )
        return all_equal
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pulse.compare",
        description="compare every mart of a DuckDB build with the Spark or PostgreSQL build, "
        "row for row",
    )
    parser.add_argument("--duckdb", required=True, type=Path, help="the DuckDB database file")
    other = parser.add_mutually_exclusive_group(required=True)
    other.add_argument("--spark-warehouse", type=Path, help="spark.sql.warehouse.dir")
    other.add_argument("--postgres", action="store_true", help="the database of the PG* variables")
    parser.add_argument("--schema", default="marts")
    args = parser.parse_args(argv)
    return 0 if compare(args.duckdb, args.spark_warehouse, args.schema) else 1


if __name__ == "__main__":
    sys.exit(main())
