"""The source formats of `pulse generate` (`--format segment|pendo`): the native sample,
written clean to a temporary folder, converted by DuckDB statements (README "Sample data").

A converter module (segment.py, pendo.py) has NAME, TABLES (the files it writes, in order),
COPIED_TABLES (native files it copies as they are), setup(con, native) (the tables its
statements read, from the native folder) and statements() (table -> the SELECT that writes
it). One definition of the mapping per source; this module runs it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType

import duckdb

from pulse.errors import PulseError


def native_table(native: Path, table: str) -> str:
    """A native CSV file as a DuckDB relation (text columns, file order kept)."""
    return f"read_csv('{native / (table + '.csv')}', all_varchar = true, header = true)"


def convert(
    converter: ModuleType, native: Path, native_rows: dict[str, int], out_dir: Path
) -> dict[str, int]:
    """Write converter's tables from the native sample in `native` (native_rows: the rows of
    each native table, from its manifest) to out_dir; return the rows written per table."""
    rows: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")
        converter.setup(con, native)
        for table, select in converter.statements().items():
            target = out_dir / f"{table}.csv"
            con.execute(f"copy ({select}) to '{target}' (header true)")
            rows[table] = con.execute(
                f"select count(*) from read_csv('{target}', all_varchar = true, header = true)"
            ).fetchone()[0]
    except duckdb.Error as exc:
        raise PulseError(f"cannot write the {converter.NAME} sample to {out_dir}: {exc}") from None
    finally:
        con.close()
    for table in converter.COPIED_TABLES:
        source = native / f"{table}.csv"
        try:
            shutil.copyfile(source, out_dir / source.name)
        except OSError as exc:
            raise PulseError(f"cannot write {out_dir / source.name}: {exc.strerror}") from None
        rows[table] = native_rows[table]
    return {table: rows[table] for table in converter.TABLES}
