"""Land the raw files into the `raw` schema of Spark (the `spark` dbt target).

Spark reads the CSV / Parquet files itself; the layout rule (pulse.rawfiles) says which
files make up a table and the raw contract (pulse.contract, the sources YAML) which columns
it has. The tables are the ones dbt's macro `land_raw_files` writes on DuckDB:

- raw.<table>: every contract column as text (read by header name, any order, extras
  ignored, missing optional columns null), plus `_source_file` (the file's path),
  `_source_row` (the row's number among the parsed rows of one landing, in file order) and
  `_load_id` (the landing that read it);
- raw.<table>__unparseable: the CSV records Spark cannot parse (a wrong number of fields:
  Spark's PERMISSIVE mode; bytes that are not UTF-8: Spark decodes them as U+FFFD), with
  `_line_number` = the record's number + 1 (the header), which is the physical line unless a
  quoted field before it spans lines; `error_type` is Spark's wording, not DuckDB's;
- raw._pulse_files: the files landed before. Only new files are read; a changed or removed
  file stops with one line (rebuild with --full-refresh), as on DuckDB.

Run with the Spark environment's Python (make test-spark): it needs pyspark, which the
default install does not have. The session settings are those of the `spark` profile in
profiles/profiles.yml (the same metastore and warehouse folder).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pulse import contract, paths, rawfiles

CORRUPT = "_pulse_corrupt_record"


def spark_dir() -> Path:
    return paths.resolve(os.environ.get("PULSE_SPARK_DIR") or ".spark")


def session_conf(root: Path) -> dict[str, str]:
    """The settings of the `spark` profile (profiles/profiles.yml, server_side_parameters)."""
    return {
        "spark.master": "local[2]",
        "spark.driver.memory": os.environ.get("PULSE_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.legacy.createHiveTableByDefault": "false",
    }


def session():
    """The running session (a cluster's notebook or job: its own settings stay, only the
    session time zone becomes UTC), else a local one with the `spark` profile's settings."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.conf.set("spark.sql.session.timeZone", "UTC")
        return active
    root = spark_dir()
    root.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("pulse-land").enableHiveSupport()
    for key, value in session_conf(root).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _lit(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class LandingError(Exception):
    """One line for the user."""


def _create_tables(spark, schema: str, table: contract.Table) -> None:
    cols = ", ".join(f"{_q(c)} string" for c in table.columns)
    spark.sql(f"drop table if exists {schema}.{_q(table.name)}")
    spark.sql(f"drop table if exists {schema}.{_q(table.name + '__unparseable')}")
    spark.sql(
        f"create table {schema}.{_q(table.name)} ({cols}, _source_file string, "
        "_source_row bigint, _load_id bigint) using parquet"
    )
    spark.sql(
        f"create table {schema}.{_q(table.name + '__unparseable')} (_source_file string, "
        "_line_number bigint, error_type string, error_message string, raw_line string, "
        "_load_id bigint) using parquet"
    )


def _classify(spark, rows, n_columns: int):
    """The unparseable records (few: collected) with DuckDB's error types: TOO MANY COLUMNS,
    MISSING COLUMNS (counted by Python's csv module), INVALID ENCODING."""
    import csv

    from pyspark.sql.types import LongType, StringType, StructField, StructType

    out = []
    for row in rows:
        line = row.raw_line.rstrip("\r\n")
        if row._pulse_bad_unicode:
            kind, message = "INVALID ENCODING", "bytes that are not UTF-8 (read as U+FFFD)"
        else:
            found = len(next(csv.reader([line]), []))
            kind = "TOO MANY COLUMNS" if found > n_columns else "MISSING COLUMNS"
            message = f"Expected Number of Columns: {n_columns} Found: {found}"
        out.append((row._source_file, row._line_number, kind, message, line))
    schema = StructType(
        [
            StructField("_source_file", StringType()),
            StructField("_line_number", LongType()),
            StructField("error_type", StringType()),
            StructField("error_message", StringType()),
            StructField("raw_line", StringType()),
        ]
    )
    return spark.createDataFrame(out, schema)


def _read_group(spark, paths_: list[str], kind: str, header: list[str], table: contract.Table):
    """One read of files with the same format and header: (parsed rows with the contract
    columns as text + _pulse_file + _pulse_ordinal, unparseable rows or None)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    # input_file_name() is a URI (file:///a/b%20c.csv): decoded ('+' kept), it is the path,
    # which the map gives back exactly as listed
    by_path = F.create_map(*[F.lit(x) for p in paths_ for x in (os.path.normpath(p), p)])

    def to_path(column: str):
        decoded = F.regexp_replace(
            F.url_decode(F.replace(F.col(column), F.lit("+"), F.lit("%2B"))), "^file:/+", "/"
        )
        return F.coalesce(by_path[decoded], decoded)

    names = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [c for c in table.required if c not in names]
    if missing:
        first = paths_[0] + (
            f" (and {len(paths_) - 1} more files with the same header)" if len(paths_) > 1 else ""
        )
        raise LandingError(
            f"{first} has no column '{missing[0]}' (required by the raw contract of "
            f"{table.name}); columns found: {', '.join(names)}"
        )
    if kind == "csv":
        fields = [f"_c{i}" for i in range(len(header))]
        schema = StructType(
            [StructField(f, StringType()) for f in fields] + [StructField(CORRUPT, StringType())]
        )
        reader = (
            spark.read.option("header", True)
            # a file is never split: its rows keep their order within one partition
            .option("multiLine", True)
            .option("quote", '"')
            .option("escape", '"')
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .option("encoding", "UTF-8")
            .schema(schema)
            .csv(paths_)
        )
        column = {c: F.col(fields[names[c]]) for c in table.columns if c in names}
    else:
        reader = spark.read.option("mergeSchema", True).parquet(*paths_)
        column = {
            c: F.col(_q(header[names[c]])).cast("string") for c in table.columns if c in names
        }
    df = (
        reader.withColumn("_pulse_uri", F.input_file_name())
        .withColumn("_pulse_id", F.monotonically_increasing_id())
        .withColumn(
            "_pulse_ordinal",
            F.col("_pulse_id") - F.min("_pulse_id").over(Window.partitionBy("_pulse_uri")),
        )
        .cache()
    )
    if kind == "csv":
        bad_unicode = F.lit(False)
        for f in fields:
            bad_unicode = bad_unicode | F.coalesce(F.instr(F.col(f), "\ufffd") > 0, F.lit(False))
        bad = F.col(CORRUPT).isNotNull() | bad_unicode
    else:
        bad = F.lit(False)
    parsed = df.where(~bad).select(
        *[column.get(c, F.lit(None).cast("string")).alias(c) for c in table.columns],
        to_path("_pulse_uri").alias("_pulse_file"),
        "_pulse_ordinal",
    )
    if kind != "csv":
        return parsed, None
    unparseable = _classify(
        spark,
        df.where(bad)
        .select(
            to_path("_pulse_uri").alias("_source_file"),
            (F.col("_pulse_ordinal") + 2).alias("_line_number"),
            F.col(CORRUPT).isNull().alias("_pulse_bad_unicode"),
            F.coalesce(
                F.col(CORRUPT),
                F.concat_ws(",", *[F.coalesce(F.col(f), F.lit("")) for f in fields]),
            ).alias("raw_line"),
        )
        .collect(),
        len(header),
    )
    return parsed, unparseable


def _groups(spark, files: list[dict]) -> list[tuple[str, list[str], list[dict]]]:
    """The files of one table by (format, header): each group is read by one statement.
    A Parquet group's header is the union of its files' columns."""
    groups: dict[tuple[str, tuple[str, ...]], list[dict]] = {}
    parquet: list[dict] = []
    for f in files:
        if f["format"] == "csv":
            key = ("csv", tuple(rawfiles.csv_header(f["path"])))
            groups.setdefault(key, []).append(f)
        else:
            parquet.append(f)
    out = [(kind, list(header), group) for (kind, header), group in groups.items()]
    if parquet:
        paths_ = [f["path"] for f in parquet]
        header = spark.read.option("mergeSchema", True).parquet(*paths_).columns
        out.append(("parquet", header, parquet))
    return out


def land(raw_dir: Path, schema: str = "raw", full_refresh: bool = False) -> dict[str, int]:
    """Land the new files of every raw table; return the rows landed per table."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = session()
    spark.sql(f"create database if not exists {schema}")
    log = f"{schema}._pulse_files"
    spark.sql(
        f"create table if not exists {log} (table_name string, raw_path string, "
        "source_file string, file_format string, file_size bigint, mtime_ns bigint, "
        "sha256 string, load_id bigint, rows_loaded bigint, lines_unparseable bigint) "
        "using parquet"
    )
    if full_refresh:
        spark.sql(f"truncate table {log}")
    load_id = (spark.sql(f"select coalesce(max(load_id), 0) + 1 from {log}").first()[0]) or 1
    existing = {r.tableName for r in spark.sql(f"show tables in {schema}").collect()}
    logged: dict[str, dict[str, object]] = {}
    for row in spark.sql(f"select * from {log}").collect():
        logged.setdefault(row.table_name, {})[row.source_file] = row
    counts: dict[str, int] = {}
    for table in contract.load().values():
        try:
            files = rawfiles.table_files(raw_dir, table.name)
        except rawfiles.RawTableMissing as exc:
            if not table.optional:
                raise LandingError(str(exc)) from None
            files = []  # an optional table that is not given: landed empty
            print(f"optional raw table '{table.name}' is not in {raw_dir}; it is taken as empty")
        except rawfiles.RawLayoutError as exc:
            raise LandingError(str(exc)) from None
        if full_refresh or not {table.name, table.name + "__unparseable"} <= existing:
            _create_tables(spark, schema, table)
            logged.pop(table.name, None)
        else:
            have = spark.table(f"{schema}.{_q(table.name)}").columns
            lacking = [c for c in table.columns if c not in have]
            if lacking:
                raise LandingError(
                    f"raw table '{table.name}' was landed under an older raw contract (no column "
                    f"{', '.join(lacking)}); land every file again with --full-refresh"
                )
        before = logged.get(table.name, {})
        listed = {f["path"] for f in files}
        for path in before:
            if path not in listed:
                raise LandingError(
                    f"raw file {path} removed since it was landed; the models built from "
                    f"{table.name} cannot follow it in place: rebuild from scratch with "
                    "--full-refresh"
                )
        to_land = []
        for f in files:
            row = before.get(f["path"])
            if row is None:
                to_land.append(f)
            elif (row.file_size, row.mtime_ns) != (f["size"], f["mtime_ns"]) and row.sha256 != (
                rawfiles.sha256(f["path"])
            ):
                raise LandingError(
                    f"raw file {f['path']} changed since it was landed; the models built from "
                    f"{table.name} cannot follow it in place: add new rows as new files, or "
                    "rebuild from scratch with --full-refresh"
                )
        landed = 0
        for kind, header, group in _groups(spark, to_land):
            parsed, unparseable = _read_group(
                spark, [f["path"] for f in group], kind, header, table
            )
            # _source_row: the row's number among the parsed rows of this read, in file
            # order (files sorted by path), as DuckDB's landing numbers them
            per_file = dict(parsed.groupBy("_pulse_file").count().collect())
            offsets, total = {}, landed
            for f in group:
                offsets[f["path"]] = total
                total += per_file.get(f["path"], 0)
            offset_of = F.create_map(*[F.lit(x) for item in offsets.items() for x in item])
            parsed.select(
                *table.columns,
                F.col("_pulse_file").alias("_source_file"),
                (
                    offset_of[F.col("_pulse_file")]
                    + F.row_number().over(
                        Window.partitionBy("_pulse_file").orderBy("_pulse_ordinal")
                    )
                )
                .cast("bigint")
                .alias("_source_row"),
                F.lit(load_id).cast("bigint").alias("_load_id"),
            ).write.insertInto(f"{schema}.{table.name}")
            lines: dict[str, int] = {}
            if unparseable is not None:
                unparseable.select(
                    "_source_file",
                    F.col("_line_number").cast("bigint"),
                    "error_type",
                    "error_message",
                    "raw_line",
                    F.lit(load_id).cast("bigint").alias("_load_id"),
                ).write.insertInto(f"{schema}.{table.name}__unparseable")
                lines = dict(unparseable.groupBy("_source_file").count().collect())
            landed = total
            spark.createDataFrame(
                [
                    (
                        table.name,
                        str(raw_dir),
                        f["path"],
                        f["format"],
                        f["size"],
                        f["mtime_ns"],
                        rawfiles.sha256(f["path"]),
                        load_id,
                        per_file.get(f["path"], 0),
                        lines.get(f["path"], 0),
                    )
                    for f in group
                ],
                spark.table(log).schema,
            ).write.insertInto(log)
            spark.catalog.clearCache()
        offset = landed
        counts[table.name] = offset
        if table.contract.get("must_have_rows"):
            total = spark.sql(f"select count(*) from {schema}.{_q(table.name)}").first()[0]
            if total == 0:
                raise LandingError(
                    f"raw table '{table.name}' has no rows ({', '.join(sorted(listed))}); "
                    f"a build needs at least one row of {table.name}"
                )
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pulse.spark_land",
        description="land the raw files into the raw schema of the Spark target",
    )
    parser.add_argument("--raw-path", default=None, help="raw folder (default: $PULSE_RAW_PATH)")
    parser.add_argument("--schema", default="raw")
    parser.add_argument("--full-refresh", action="store_true", help="land every file again")
    args = parser.parse_args(argv)
    raw_dir = paths.resolve(args.raw_path) if args.raw_path else paths.raw_path()
    try:
        counts = land(raw_dir, args.schema, args.full_refresh)
    except LandingError as exc:
        print(f"pulse spark-land: {exc}", file=sys.stderr)
        return 1
    for name, rows in counts.items():
        print(f"landed {rows:>9,} new rows of {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
