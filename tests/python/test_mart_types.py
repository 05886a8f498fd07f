"""Every mart keeps its column types whatever the data: the enforced contracts.

Two different generated data sets (seed, accounts, days, bad-row rate) are built into two
databases. In both, every mart column has one of the mart types (BIGINT, DOUBLE, DATE,
TIMESTAMP, VARCHAR, BOOLEAN: never HUGEINT or DECIMAL), every mart has the same columns with
the same types in both, and a Parquet export of every mart (and of a profile that renames
columns) has the same schema from both, nulls or not.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from pulse import paths
from pulse.export import export
from pulse.generate import generate

# mart type -> its Parquet type in `pulse export --format parquet`
MART_TYPES = {
    "BIGINT": "int64",
    "DOUBLE": "double",
    "DATE": "date32[day]",
    "TIMESTAMP": "timestamp[us]",
    "VARCHAR": "string",
    "BOOLEAN": "bool",
}
DATA_SETS = {
    "small": {"accounts": 15, "days": 60, "seed": 3, "bad_row_rate": 0.0},
    "other": {"accounts": 9, "days": 45, "seed": 29, "bad_row_rate": 0.05, "fmt": "parquet"},
}


def _mart_columns(db_file: Path) -> dict[str, list[tuple[str, str]]]:
    """mart -> [(column, type)] in column order."""
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    marts: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        marts.setdefault(table, []).append((column, data_type))
    return marts


def _parquet_schemas(
    db_file: Path, profile: str, export_dir: Path
) -> dict[str, list[tuple[str, str]]]:
    """file -> [(column, Parquet type)] of `pulse export --format parquet` on db_file."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_DB_PATH", str(db_file))
        mp.setenv("PULSE_TARGET", "duckdb")
        # forced past the quality gate: these databases are never validated
        manifest = export(profile_name=profile, fmt="parquet", force=True, export_dir=export_dir)
    folder = Path(manifest["path"])
    schemas = {}
    for entry in manifest["files"]:
        schema = pq.read_schema(folder / entry["file"])
        assert not schema.metadata, f"{entry['file']}: schema metadata {schema.metadata}"
        schemas[entry["file"]] = [(field.name, str(field.type)) for field in schema]
    return schemas


@pytest.fixture(scope="module")
def builds(dbt, tmp_path_factory) -> dict[str, Path]:
    """Two databases dbt built from two different generated data sets."""
    root = tmp_path_factory.mktemp("mart_types")
    databases = {}
    for name, options in DATA_SETS.items():
        raw = root / name / "raw"
        generate(raw, progress=False, **options)
        db_file = root / name / "pulse.duckdb"
        # seeds and models (the contracts are checked as each mart is built), no data tests
        args = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
        result = dbt(args, db_file, raw)
        assert result.returncode == 0, result.stdout[-3000:]
        databases[name] = db_file
    return databases


@pytest.fixture(scope="module")
def every_mart_profile(builds, tmp_path_factory) -> Path:
    """An export profile with one file per mart, every column as it is."""
    marts = sorted(_mart_columns(builds["small"]))
    path = tmp_path_factory.mktemp("profile") / "every_mart.yml"
    path.write_text(yaml.safe_dump({"files": {mart: {"model": mart} for mart in marts}}))
    return path


def test_every_mart_column_has_a_mart_type(builds):
    for name, db_file in builds.items():
        marts = _mart_columns(db_file)
        # every mart model of the project is built (its .sql file under models/marts)
        expected = {p.stem for p in (paths.PROJECT_ROOT / "models" / "marts").rglob("*.sql")}
        assert set(marts) == expected, f"{name}: {sorted(set(marts) ^ expected)}"
        wrong = [
            f"{mart}.{column} {data_type}"
            for mart, columns in marts.items()
            for column, data_type in columns
            if data_type not in MART_TYPES
        ]
        assert not wrong, f"{name}: not a mart type: {', '.join(wrong)}"


def test_mart_columns_and_types_do_not_depend_on_the_data(builds):
    small, other = (_mart_columns(builds[name]) for name in DATA_SETS)
    assert small.keys() == other.keys()
    for mart in small:
        assert small[mart] == other[mart], mart


@pytest.mark.parametrize("profile", ["every_mart", "salesforce"])
def test_parquet_schema_does_not_depend_on_the_data(builds, every_mart_profile, profile, tmp_path):
    name = str(every_mart_profile) if profile == "every_mart" else profile
    small, other = (
        _parquet_schemas(builds[data_set], name, tmp_path / data_set) for data_set in DATA_SETS
    )
    assert small.keys() == other.keys() and small
    for file in small:
        assert small[file] == other[file], file
    if profile == "every_mart":  # each column typed as its mart column
        marts = _mart_columns(builds["small"])
        for mart, columns in marts.items():
            expected = [(column, MART_TYPES[data_type]) for column, data_type in columns]
            assert small[f"{mart}.parquet"] == expected, mart
