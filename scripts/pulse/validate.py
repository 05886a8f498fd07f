"""`pulse validate`: Great Expectations suites for every mart, derived from the dbt tests.

The suites are not written by hand: every data test the dbt project declares on a model of the
`marts` schema (dim_, fct_, rpt_) becomes a GX 1.x expectation, so the two never drift apart:

    unique               -> ExpectColumnValuesToBeUnique
    not_null             -> ExpectColumnValuesToNotBeNull
    accepted_values      -> ExpectColumnValuesToBeInSet (nulls ignored, as dbt does)
    value_between        -> ExpectColumnValuesToBeBetween
    unique_combination   -> ExpectCompoundColumnsToBeUnique
    same_row_count       -> ExpectTableRowCountToEqual (rows of compare_model)
    expect_row_count     -> ExpectTableRowCountToEqual
    relationships        -> ExpectColumnValuesToBeInSet (values of the referenced column)

plus ExpectTableRowCountToBeBetween(min_value=1) on every dim_ and fct_ mart: an empty one means
a broken build. An rpt_ list may rightly be empty, and so may a fct_ mart whose yml meta says
`may_be_empty: <why>` (a list of events that may not have happened): they get no row-count
check. A mart whose meta says `may_be_empty_without: [<optional raw table>, ...]` (e.g.
fct_nps_responses without nps_responses) gets min_value 0 when one of those tables is empty in
this warehouse, and the page says which.
Tests that cannot be mapped are listed as "not_mapped" in the results.

Everything comes from dbt's own artefacts, nothing from reading the YAML again:
- the tests, their columns and arguments from target/manifest.json (`test_metadata.kwargs`);
  the models a `ref()` argument points to are the test's parents in `depends_on`;
- dbt keeps an argument such as `min_value: "{{ var('inactive_visitor_min_days') }}"` as
  unrendered Jinja in the manifest (it renders it when it compiles the test, with that
  invocation's vars). validate renders it the same way (Jinja, native types) with the vars the
  validated run used: the run log (pulse_dbt_runs.vars_json) records every declared var with
  its effective value, `--vars` included. Any Jinja other than var() is "not_mapped".
The manifest is the one of the validated run when target/ still holds it; otherwise (a later
`dbt test` or `dbt parse` wrote target/) the results say which invocation's manifest was used.

The marts are read once, read-only, through `pulse.warehouse` (DuckDB or PostgreSQL); the
connection is closed before GX runs on the in-memory dataframes (GX's pandas data source: its
SQL data source does not work on DuckDB). Results go to PULSE_EXPORT_DIR/quality/:
validation.json (the quality gate `pulse export` reads) and data_docs/index.html, one
self-contained HTML page (no scripts, styles or fonts from the network: it reads offline).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.nativetypes import NativeEnvironment
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pulse import paths, warehouse
from pulse.dbt import run_dbt
from pulse.errors import PulseError, Refused
from pulse.files import DIR_MODE, write_atomic

if TYPE_CHECKING:
    import pandas as pd

QUALITY_DIR = "quality"
RESULTS_FILE = "validation.json"
DOCS_DIR = "data_docs"
DOCS_PAGE = "index.html"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# files whose change makes target/manifest.json stale (tests/python holds no dbt tests)
DBT_SOURCE_DIRS = ("models", "macros", "tests/generic", "seeds", "snapshots", "analyses")
DBT_SOURCE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv"}
EXAMPLES = 3


# -- the plan: which expectations each mart gets ------------------------------------------------
@dataclass(frozen=True)
class Relation:
    """A table or view in the warehouse; `name` is the dbt name messages use."""

    name: str
    schema: str
    table: str

    @property
    def sql(self) -> str:
        return f"{_quoted(self.schema)}.{_quoted(self.table)}"


@dataclass
class Check:
    """One GX expectation on one mart, derived from one dbt data test (or added by pulse)."""

    model: str
    expectation: str  # GX class name, e.g. ExpectColumnValuesToBeBetween
    kwargs: dict[str, Any]
    dbt_test: str | None = None  # dbt test name, e.g. value_between; None for pulse's own
    dbt_test_id: str | None = None
    severity: str = "error"  # dbt severity: a failed "warn" test does not fail validation
    count_of: Relation | None = None  # ExpectTableRowCountToEqual(value=rows of this relation)
    # the optional raw tables the mart is built from: when one is empty, it may be empty too
    unless_empty: tuple[Relation, ...] = ()
    values_of: tuple[Relation, str] | None = None  # InSet(value_set=values of this column)
    jinja: tuple[str, ...] = ()  # the dbt test arguments rendered with the run's vars, as written

    @property
    def column(self) -> str | None:
        if "column" in self.kwargs:
            return str(self.kwargs["column"])
        if "column_list" in self.kwargs:
            return ", ".join(self.kwargs["column_list"])
        return None


@dataclass
class Plan:
    """What to validate: the marts (dbt name -> relation), their checks, the unmapped tests."""

    marts: dict[str, Relation]
    checks: dict[str, list[Check]]
    not_mapped: list[dict[str, Any]] = field(default_factory=list)


class _NotMapped(Exception):
    """A dbt test pulse cannot turn into an expectation (the reason is the message)."""


def manifest_file() -> Path:
    target_dir = os.environ.get("DBT_TARGET_PATH") or "target"
    return paths.resolve(paths.PROJECT_ROOT / target_dir / "manifest.json")


def _newest_source_mtime() -> float:
    root = paths.PROJECT_ROOT
    newest = (root / "dbt_project.yml").stat().st_mtime
    for folder in DBT_SOURCE_DIRS:
        for dirpath, _dirs, files in os.walk(root / folder):
            for name in files:
                if Path(name).suffix in DBT_SOURCE_SUFFIXES:
                    newest = max(newest, (Path(dirpath) / name).stat().st_mtime)
    return newest


def load_manifest() -> dict[str, Any]:
    """target/manifest.json, re-parsed with `dbt parse` when missing or older than the project."""
    path = manifest_file()
    if not path.exists() or path.stat().st_mtime < _newest_source_mtime():
        print("validate: parsing the dbt project (dbt parse)", file=sys.stderr)
        run_dbt(["parse", "--quiet"], quiet=True)
    for attempt in (1, 2):
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise PulseError(f"dbt parse wrote no manifest at {path}") from None
        except json.JSONDecodeError:
            if attempt == 2:
                raise PulseError(f"{path} is not valid JSON: run `dbt parse`") from None
            run_dbt(["parse", "--quiet"], quiet=True)  # half-written by a concurrent dbt run
    raise AssertionError("unreachable")


def manifest_run(manifest: dict[str, Any]) -> dict[str, Any]:
    """Which dbt invocation wrote the manifest: its id and when."""
    meta = manifest.get("metadata", {})
    return {
        "path": str(manifest_file()),
        "invocation_id": meta.get("invocation_id"),
        "generated_at": meta.get("generated_at"),
    }


def run_vars(last_run: dict[str, Any] | None) -> dict[str, Any] | None:
    """The vars the logged dbt run used (pulse_dbt_runs.vars_json), or None when not recorded."""
    text = (last_run or {}).get("vars_json")
    if not text:
        return None
    try:
        values = json.loads(text)
    except json.JSONDecodeError:
        raise PulseError("pulse_dbt_runs.vars_json of the last dbt run is not JSON") from None
    if not isinstance(values, dict):
        raise PulseError("pulse_dbt_runs.vars_json of the last dbt run is not a JSON object")
    return values


class _ArgumentJinja(NativeEnvironment, ImmutableSandboxedEnvironment):
    """Renders a test argument: native types like dbt's rendering, sandboxed; the caller
    passes var() as the only function."""


def _is_jinja(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _render(value: Any, dbt_vars: dict[str, Any] | None) -> Any:
    """A test argument as dbt renders it when it compiles the test: Jinja with native types
    (`{{ var('x') }}` gives the number, not text), var() reading the run's vars. An argument
    with other Jinja (env_var, a macro) is not mapped; dbt_vars None: the run recorded none."""
    if isinstance(value, list):
        return [_render(item, dbt_vars) for item in value]
    if isinstance(value, dict):
        return {k: _render(v, dbt_vars) for k, v in value.items()}
    if not _is_jinja(value):
        return value

    def var(name: str, *default: Any) -> Any:
        if dbt_vars is None:
            raise PulseError(
                f"the last dbt run logged no vars, so {value!r} cannot be checked as dbt did "
                "(a run from before pulse recorded vars): run make build again"
            )
        if name in dbt_vars:
            return dbt_vars[name]
        if default:
            return default[0]
        raise _NotMapped(f"var {name!r} is not in the vars of the dbt run")

    try:
        return _ArgumentJinja(undefined=jinja2.StrictUndefined).from_string(value).render(var=var)
    except jinja2.TemplateError as exc:
        raise _NotMapped(f"argument {value!r} is Jinja pulse cannot render ({exc})") from None


def _relation(node: dict[str, Any]) -> Relation:
    table = node.get("alias") or node.get("identifier") or node["name"]
    return Relation(name=node["name"], schema=node["schema"], table=table)


def _other_model(test: dict[str, Any], manifest: dict[str, Any], argument: str) -> Relation:
    """The model (or source) a `ref()` / `source()` argument points to, as dbt resolved it: the
    test's parent other than the model it is attached to (that model itself when it is the only
    parent, a reference to itself)."""
    attached = test.get("attached_node")
    parents = list(dict.fromkeys(test.get("depends_on", {}).get("nodes", [])))
    others = [unique_id for unique_id in parents if unique_id != attached] or parents
    if len(others) != 1:
        raise _NotMapped(f"cannot tell which model {argument} is ({len(others)} parents)")
    node = manifest["nodes"].get(others[0]) or manifest.get("sources", {}).get(others[0])
    if node is None:
        raise _NotMapped(f"{argument} {others[0]!r} is not in the manifest")
    return _relation(node)


def _number(value: Any, name: str) -> int | float | None:
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    try:
        return float(value) if "." in str(value) else int(value)
    except ValueError:
        raise _NotMapped(f"{name} {value!r} is not a number") from None


def _check_for(
    test: dict[str, Any], model: str, manifest: dict[str, Any], dbt_vars: dict[str, Any] | None
) -> Check:
    """The Check for one generic dbt test; raises _NotMapped when there is no faithful mapping."""
    meta = test["test_metadata"]
    name = meta["name"]
    if meta.get("namespace") not in (None, manifest["metadata"].get("project_name")):
        raise _NotMapped(f"test from package {meta['namespace']!r}")
    config = test.get("config", {})
    if config.get("where"):
        raise _NotMapped("tests with a `where` config are not mapped")
    for key in ("warn_if", "error_if"):
        if str(config.get(key, "!= 0")).replace(" ", "") != "!=0":
            raise _NotMapped(f"tests with a {key} threshold are not mapped")
    kwargs = {
        k: _render(v, dbt_vars)
        for k, v in meta.get("kwargs", {}).items()
        if k not in ("model", "column_name")
    }
    column = test.get("column_name") or meta.get("kwargs", {}).get("column_name")
    base = {
        "model": model,
        "dbt_test": name,
        "dbt_test_id": test["unique_id"],
        "severity": "warn" if str(config.get("severity")).lower() == "warn" else "error",
        "jinja": tuple(
            f"{k}: {v}"
            for k, v in meta.get("kwargs", {}).items()
            if k not in ("model", "column_name") and _is_jinja(v)
        ),
    }
    needs_column = {"unique", "not_null", "accepted_values", "value_between", "relationships"}
    if name in needs_column and not column:
        raise _NotMapped("no column")
    if name == "unique":
        return Check(expectation="ExpectColumnValuesToBeUnique", kwargs={"column": column}, **base)
    if name == "not_null":
        return Check(expectation="ExpectColumnValuesToNotBeNull", kwargs={"column": column}, **base)
    if name == "accepted_values":
        values = kwargs.get("values")
        if not isinstance(values, list):
            raise _NotMapped("accepted_values without a list of values")
        return Check(
            expectation="ExpectColumnValuesToBeInSet",
            kwargs={"column": column, "value_set": values},
            **base,
        )
    if name == "value_between":
        low = _number(kwargs.get("min_value"), "min_value")
        high = _number(kwargs.get("max_value"), "max_value")
        if low is None and high is None:
            raise _NotMapped("value_between without min_value or max_value")
        return Check(
            expectation="ExpectColumnValuesToBeBetween",
            kwargs={"column": column, "min_value": low, "max_value": high},
            **base,
        )
    if name == "unique_combination":
        columns = kwargs.get("columns")
        if not isinstance(columns, list) or not columns:
            raise _NotMapped("unique_combination without a list of columns")
        # dbt groups by the columns, so rows with nulls in every column are duplicates too
        return Check(
            expectation="ExpectCompoundColumnsToBeUnique",
            kwargs={"column_list": [str(c) for c in columns], "ignore_row_if": "never"},
            **base,
        )
    if name == "same_row_count":
        other = _other_model(test, manifest, "compare_model")
        return Check(expectation="ExpectTableRowCountToEqual", kwargs={}, count_of=other, **base)
    if name == "expect_row_count":
        count = _number(kwargs.get("count"), "count")
        if not isinstance(count, int):
            raise _NotMapped(f"count {kwargs.get('count')!r} is not a whole number")
        return Check(expectation="ExpectTableRowCountToEqual", kwargs={"value": count}, **base)
    if name == "relationships":
        other = _other_model(test, manifest, "to")
        target_field = kwargs.get("field")
        if not isinstance(target_field, str) or not target_field:
            raise _NotMapped("relationships without a field")
        return Check(
            expectation="ExpectColumnValuesToBeInSet",
            kwargs={"column": column},
            values_of=(other, target_field),
            **base,
        )
    raise _NotMapped(f"no Great Expectations mapping for the dbt test {name!r}")


def _meta(node: dict[str, Any]) -> dict[str, Any]:
    return node.get("meta") or (node.get("config") or {}).get("meta") or {}


def _may_be_empty_without(manifest: dict[str, Any]) -> Callable[[str], tuple[Relation, ...]]:
    """unique_id -> the optional raw tables (raw contract `optional`) the mart declares it is
    empty without (model meta `may_be_empty_without`), as source relations, or as the model
    raw_<system>__<table> where the build's source system provides that table (the manifest
    holds the models its var source_system enabled; the dbt macro pulse_raw_relation). A name
    that is not an optional raw table is a one-line error."""
    optional = {
        node["name"]: Relation(
            name=node["name"], schema=node["schema"], table=node.get("identifier") or node["name"]
        )
        for node in manifest.get("sources", {}).values()
        if (_meta(node).get("raw_contract") or {}).get("optional")
    }
    for node in manifest.get("nodes", {}).values():
        system_table = re.fullmatch(r"raw_[a-z]+__(\w+)", node["name"])
        if node["resource_type"] == "model" and system_table and system_table[1] in optional:
            optional[system_table[1]] = _relation(node)

    def declared(unique_id: str) -> tuple[Relation, ...]:
        node = manifest["nodes"][unique_id]
        names = _meta(node).get("may_be_empty_without") or []
        unknown = [name for name in names if name not in optional]
        if unknown:
            raise PulseError(
                f"{node['name']}: may_be_empty_without names {', '.join(unknown)}, which is not "
                f"an optional raw table ({', '.join(sorted(optional))})"
            )
        return tuple(optional[name] for name in sorted(names))

    return declared


def build_plan(manifest: dict[str, Any], dbt_vars: dict[str, Any] | None) -> Plan:
    """The checks of every model in the marts schema, from the manifest's data tests, with
    var() in their arguments taken from dbt_vars (the validated run's, see run_vars)."""
    project = manifest["metadata"].get("project_name")
    ids = {  # unique_id -> model name
        unique_id: node["name"]
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node.get("package_name", project) == project
        and (node.get("config", {}).get("schema") or node.get("schema")) == warehouse.MART_SCHEMA
    }
    marts = {name: _relation(manifest["nodes"][unique_id]) for unique_id, name in ids.items()}
    declared = _may_be_empty_without(manifest)
    checks: dict[str, list[Check]] = {
        name: (
            []
            if name.startswith("rpt_") or _meta(manifest["nodes"][unique_id]).get("may_be_empty")
            else [
                Check(
                    model=name,
                    expectation="ExpectTableRowCountToBeBetween",
                    kwargs={"min_value": 1},
                    unless_empty=declared(unique_id),
                )
            ]
        )
        for unique_id, name in ids.items()
    }
    not_mapped: list[dict[str, Any]] = []
    for unique_id, test in sorted(manifest["nodes"].items()):
        if test["resource_type"] != "test":
            continue
        meta = test.get("test_metadata")
        attached = test.get("attached_node")
        if meta is None:  # a singular test (SQL file): list it on every mart it reads
            for parent in test.get("depends_on", {}).get("nodes", []):
                if parent in ids:
                    not_mapped.append(
                        {
                            "model": ids[parent],
                            "dbt_test": test["name"],
                            "dbt_test_id": unique_id,
                            "column": None,
                            "reason": "singular test (SQL), not mapped",
                        }
                    )
            continue
        if attached not in ids:
            continue
        model = ids[attached]
        try:
            checks[model].append(_check_for(test, model, manifest, dbt_vars))
        except _NotMapped as exc:
            not_mapped.append(
                {
                    "model": model,
                    "dbt_test": meta["name"],
                    "dbt_test_id": unique_id,
                    "column": test.get("column_name"),
                    "reason": str(exc),
                }
            )
    for name in checks:
        checks[name].sort(key=lambda c: (c.column or "", c.expectation, c.dbt_test_id or ""))
    return Plan(marts=dict(sorted(marts.items())), checks=checks, not_mapped=not_mapped)


def select_models(plan: Plan, select: Sequence[str] | None) -> list[str]:
    """The marts to validate: all, or the ones named (unknown names are a one-line error)."""
    if not plan.marts:
        raise PulseError("the dbt project has no models in the marts schema")
    if not select:
        return list(plan.marts)
    wanted = list(dict.fromkeys(select))
    unknown = [name for name in wanted if name not in plan.marts]
    if unknown:
        raise PulseError(
            f"unknown model{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
            f"valid names are {', '.join(plan.marts)}"
        )
    return wanted


# -- reading the warehouse -----------------------------------------------------------------------
@dataclass
class Snapshot:
    """Everything GX needs, read in one read-only session that is closed before GX runs."""

    target: str
    frames: dict[str, pd.DataFrame]
    counts: dict[Relation, int]
    values: dict[tuple[Relation, str], list[Any]]
    last_run: dict[str, Any] | None
    plan: Plan
    models: list[str]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _plain(value: Any) -> Any:
    """A database value as a plain Python value GX can store and render."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value


def _query(wh: warehouse.Warehouse, sql: str, what: str) -> pd.DataFrame:
    """wh.query with database errors (DuckDB, PostgreSQL) turned into a one-line PulseError."""
    try:
        return wh.query(sql)
    except Exception as exc:
        if type(exc).__module__.split(".")[0].lstrip("_") not in ("duckdb", "psycopg2"):
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PulseError(f"cannot read {what}: {first}") from None


def read_snapshot(
    manifest: dict[str, Any], select: Sequence[str] | None = None, progress: bool = True
) -> Snapshot:
    """In one read-only session: the last logged dbt run (refused when it never finished), the
    plan with that run's vars, then the selected marts and the counts / key values their checks
    compare with. The connection is closed on return."""
    frames: dict[str, pd.DataFrame] = {}
    counts: dict[Relation, int] = {}
    values: dict[tuple[Relation, str], list[Any]] = {}
    with warehouse.connect() as wh:
        last_run = wh.last_dbt_run()
        unfinished = warehouse.never_finished(last_run)
        if unfinished:
            raise Refused(unfinished)
        plan = build_plan(manifest, run_vars(last_run))
        models = select_models(plan, select)
        needed = [check for model in models for check in plan.checks[model]]
        count_rels = {c.count_of for c in needed if c.count_of is not None}
        count_rels |= {rel for c in needed for rel in c.unless_empty}
        value_refs = {c.values_of for c in needed if c.values_of is not None}
        present: dict[str, set[str]] = {}

        def exists(rel: Relation) -> bool:
            if rel.schema not in present:
                present[rel.schema] = set(wh.tables(rel.schema))
            return rel.table in present[rel.schema]

        missing = [plan.marts[m] for m in models if not exists(plan.marts[m])]
        missing += sorted(
            {rel for rel in count_rels | {ref for ref, _ in value_refs} if not exists(rel)},
            key=lambda r: r.name,
        )
        if missing:
            names = ", ".join(f"{rel.schema}.{rel.table}" for rel in dict.fromkeys(missing))
            raise PulseError(f"not in the warehouse: {names}: run `make build` (dbt build) first")
        start = time.monotonic()
        for model in models:
            rel = plan.marts[model]
            frames[model] = _query(wh, f"select * from {rel.sql}", f"{rel.schema}.{rel.table}")
        for rel in sorted(count_rels, key=lambda r: r.name):
            frame = _query(wh, f"select count(*) as n from {rel.sql}", f"{rel.schema}.{rel.table}")
            counts[rel] = int(frame.iloc[0, 0])
        for rel, column in sorted(value_refs, key=lambda r: (r[0].name, r[1])):
            col = _quoted(column)
            frame = _query(
                wh,
                f"select distinct {col} as v from {rel.sql} where {col} is not null",
                f"{rel.schema}.{rel.table}.{column}",
            )
            values[(rel, column)] = [_plain(v) for v in frame["v"].tolist()]
        kind = wh.kind
    if progress:
        rows = sum(len(frame) for frame in frames.values())
        print(
            f"validate: read {_plural(len(frames), 'mart')} ({rows:,} rows) from {kind} "
            f"in {time.monotonic() - start:.1f}s",
            file=sys.stderr,
        )
    return Snapshot(kind, frames, counts, values, last_run, plan, models)


# -- running Great Expectations ------------------------------------------------------------------
@dataclass
class Outcome:
    """The result of one check: passed or not, the readable detail when not, and GX's
    observed value when the expectation has one (a row count)."""

    check: Check
    success: bool
    detail: str = ""
    observed: Any = None


def _gx_context() -> Any:
    """An ephemeral GX context: nothing on disk, no Data Docs site (validate writes its own
    self-contained page: GX's pages load their styles and scripts from CDNs)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _expectation(check: Check, snapshot: Snapshot, index: int) -> Any:
    """The GX expectation of a check; meta["pulse_check"] maps its result back to the check."""
    import great_expectations.expectations as gxe

    kwargs = dict(check.kwargs)
    kwargs["meta"] = {"pulse_check": index}
    if check.count_of is not None:
        kwargs["value"] = snapshot.counts[check.count_of]
    if check.values_of is not None:
        kwargs["value_set"] = snapshot.values[check.values_of]
    empty = _empty_optional(check, snapshot)
    if empty:
        kwargs["min_value"] = 0
    if check.dbt_test:
        kwargs["notes"] = f"dbt test `{check.dbt_test}` ({check.dbt_test_id})"
    elif empty:
        kwargs["notes"] = f"added by pulse validate: may be empty, {empty} is empty"
    else:
        kwargs["notes"] = "added by pulse validate: shows the row count (never fails)"
    if check.severity == "warn":
        kwargs["severity"] = "warning"
    return getattr(gxe, check.expectation)(**kwargs)


def run_gx(snapshot: Snapshot, progress: bool = True) -> dict[str, list[Outcome]]:
    """Validate each selected mart's dataframe against its suite."""
    import logging

    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = _gx_context()
    source = context.data_sources.add_pandas(name="pulse_marts")
    outcomes: dict[str, list[Outcome]] = {}
    models = snapshot.models
    for index, model in enumerate(models, start=1):
        start = time.monotonic()
        checks = snapshot.plan.checks[model]
        batch = source.add_dataframe_asset(name=model).add_batch_definition_whole_dataframe(
            name=f"{model}_whole"
        )
        expectations = [_expectation(check, snapshot, i) for i, check in enumerate(checks)]
        suite = context.suites.add(gx.ExpectationSuite(name=model, expectations=expectations))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=model, data=batch, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": snapshot.frames[model]}, result_format="SUMMARY"
        )
        outcomes[model] = [
            _outcome(checks[res.expectation_config.meta["pulse_check"]], res)
            for res in result.results
        ]
        outcomes[model].sort(key=lambda o: checks.index(o.check))
        if progress:
            failed = sum(not o.success for o in outcomes[model])
            state = "ok" if failed == 0 else f"{failed} FAILED"
            print(
                f"validate [{index}/{len(models)}] {model}: "
                f"{_plural(len(snapshot.frames[model]), 'row')}, "
                f"{_plural(len(checks), 'expectation')}, {state} ({time.monotonic() - start:.1f}s)",
                file=sys.stderr,
            )
    return outcomes


# -- readable failures ---------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "null"
    if isinstance(value, float):
        return format(value, ".10g")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return "(" + ", ".join(_fmt(v) for v in value.values()) + ")"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _examples(result: dict[str, Any]) -> str:
    shown: list[str] = []
    for value in result.get("partial_unexpected_list") or []:
        text = _fmt(value)
        if text not in shown:
            shown.append(text)
        if len(shown) == EXAMPLES:
            break
    return f" (e.g. {', '.join(shown)})" if shown else ""


def _exception_message(info: Any) -> str | None:
    """The first exception message of a GX result's exception_info (flat or per metric)."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "unknown error").splitlines()[0]
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


def _outcome(check: Check, res: Any) -> Outcome:
    if res.success:
        return Outcome(check, True, observed=_plain((res.result or {}).get("observed_value")))
    message = _exception_message(res.exception_info)
    if message:
        return Outcome(check, False, f"could not be checked: {message}")
    result = res.result or {}
    n = int(result.get("unexpected_count") or 0)
    kwargs = res.expectation_config.kwargs
    examples = _examples(result)
    kind = check.expectation
    if kind == "ExpectColumnValuesToBeBetween":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None and high is not None:
            where = f"outside [{_fmt(low)}, {_fmt(high)}]"
        elif low is not None:
            where = f"below {_fmt(low)}"
        else:
            where = f"above {_fmt(high)}"
        detail = f"{_plural(n, 'value')} {where}{examples}"
    elif kind == "ExpectColumnValuesToNotBeNull":
        total = result.get("element_count")
        detail = f"{_plural(n, 'null value')}" + (f" in {total:,} rows" if total else "")
    elif kind == "ExpectColumnValuesToBeUnique":
        detail = f"{_plural(n, 'row')} with a duplicated value{examples}"
    elif kind == "ExpectCompoundColumnsToBeUnique":
        detail = f"{_plural(n, 'row')} with a duplicated combination{examples}"
    elif kind == "ExpectColumnValuesToBeInSet" and check.values_of is not None:
        rel, column = check.values_of
        detail = f"{_plural(n, 'value')} not found in {rel.name}.{column}{examples}"
    elif kind == "ExpectColumnValuesToBeInSet":
        accepted = ", ".join(_fmt(v) for v in kwargs.get("value_set", []))
        detail = f"{_plural(n, 'value')} not in [{accepted}]{examples}"
    elif kind == "ExpectTableRowCountToEqual":
        observed = result.get("observed_value")
        expected = kwargs.get("value")
        why = f" (the rows of {check.count_of.name})" if check.count_of else ""
        detail = f"{_fmt(observed)} rows, expected {_fmt(expected)}{why}"
    else:
        detail = f"failed (observed {_fmt(result.get('observed_value'))})"
    return Outcome(check, False, detail)


def failure_line(outcome: Outcome) -> str:
    """`model.column: detail` (or `model: detail` for a table-level check)."""
    check = outcome.check
    if check.column is None:
        where = check.model
    elif "column_list" in check.kwargs:
        where = f"{check.model}.({check.column})"
    else:
        where = f"{check.model}.{check.column}"
    prefix = "warning: " if check.severity == "warn" else ""
    return f"{prefix}{where}: {outcome.detail}"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _failure_record(outcome: Outcome) -> dict[str, Any]:
    check = outcome.check
    return {
        "model": check.model,
        "expectation": _snake(check.expectation),
        "column": check.column,
        "detail": outcome.detail,
        "dbt_test": check.dbt_test,
        "dbt_test_id": check.dbt_test_id,
    }


# -- the outputs: validation.json and the HTML page -----------------------------------------------
def _make_dirs(path: Path) -> None:
    """Create path and its missing parents, each DIR_MODE whatever the umask."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    try:
        for folder in reversed(missing):
            folder.mkdir(exist_ok=True)
            os.chmod(folder, DIR_MODE)
    except OSError as exc:
        raise PulseError(f"cannot create {path}: {exc.strerror}") from None


def _replace_dir(new: Path, old: Path) -> None:
    if old.exists():
        shutil.rmtree(old)
    new.rename(old)


def _empty_optional(check: Check, snapshot: Snapshot) -> str:
    """The empty optional raw tables the check's mart is built from, named ('' when none)."""
    empty = [rel.name for rel in check.unless_empty if snapshot.counts.get(rel) == 0]
    return ("optional raw table " + ", ".join(empty)) if empty else ""


def _arguments(check: Check, snapshot: Snapshot) -> str:
    """The arguments of a check as the page shows them (the bound, not a list of key values)."""
    if check.values_of is not None:
        rel, column = check.values_of
        return f"in {rel.name}.{column}"
    if check.count_of is not None:
        return f"value={snapshot.counts[check.count_of]:,} (the rows of {check.count_of.name})"
    shown = {
        k: v for k, v in check.kwargs.items() if k not in ("column", "column_list", "ignore_row_if")
    }
    text = ", ".join(f"{k}={_fmt(v)}" for k, v in shown.items() if v is not None)
    if check.jinja:  # where a value came from: `min_value: {{ var('x') }}`
        text += f" (dbt: {'; '.join(check.jinja)})"
    empty = _empty_optional(check, snapshot)
    if empty:  # the mart may be empty: an optional table it is built from is
        text = f"min_value=0 ({empty} is empty)"
    return text


def _page(results: dict[str, Any], outcomes: dict[str, list[Outcome]], snapshot: Snapshot) -> str:
    """The self-contained HTML page: one table per mart, every expectation and its result."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["thousands"] = lambda n: f"{n:,}"
    marts = []
    for model, summary in results["models"].items():
        rel = snapshot.plan.marts[model]
        rows = []
        for outcome in outcomes[model]:
            check = outcome.check
            detail = outcome.detail
            if outcome.success and outcome.observed is not None:
                detail = f"observed {_fmt(outcome.observed)}"
            rows.append(
                {
                    "success": outcome.success,
                    "warn": check.severity == "warn",
                    "column": check.column,
                    "expectation": _snake(check.expectation),
                    "arguments": _arguments(check, snapshot),
                    "dbt_test": check.dbt_test,
                    "detail": detail,
                }
            )
        marts.append(
            {
                "name": model,
                "anchor": f"mart-{model}",
                "relation": f"{rel.schema}.{rel.table}",
                **summary,
                "checks": rows,
            }
        )
    run = snapshot.last_run or {}
    dbt_vars = results["dbt_vars"]
    return env.get_template("validation.html").render(
        headline=_headline(results),
        success=results["success"],
        validated_at=results["validated_at"],
        target=results["target"],
        complete=results["complete"],
        run=run,
        manifest=results["dbt_manifest"],
        marts=marts,
        not_mapped=results["not_mapped"],
        dbt_vars=None
        if dbt_vars is None
        else [(k, json.dumps(v)) for k, v in sorted(dbt_vars.items())],
    )


def _write_page(quality: Path, html: str) -> None:
    """data_docs/index.html, built in a temporary folder and swapped in."""
    build_dir = Path(tempfile.mkdtemp(prefix=f".{DOCS_DIR}.", dir=quality))
    try:
        os.chmod(build_dir, DIR_MODE)  # mkdtemp creates 0700
        write_atomic(build_dir / DOCS_PAGE, html)
        _replace_dir(build_dir, quality / DOCS_DIR)
    finally:
        if build_dir.exists():
            shutil.rmtree(build_dir, ignore_errors=True)


# -- the command ---------------------------------------------------------------------------------
@dataclass
class Validation:
    """What `validate` wrote to validation.json, and one readable line per failed expectation."""

    results: dict[str, Any]
    lines: list[str]
    quality_dir: Path


def validate(select: Sequence[str] | None = None, progress: bool = True) -> Validation:
    """Run the suites; write validation.json and data_docs/index.html under
    PULSE_EXPORT_DIR/quality."""
    manifest = load_manifest()
    quality = paths.export_dir() / QUALITY_DIR
    started = time.monotonic()
    snapshot = read_snapshot(manifest, select, progress=progress)  # the connection is closed
    plan, models = snapshot.plan, snapshot.models
    _make_dirs(quality)
    if progress:
        print("validate: loading Great Expectations", file=sys.stderr)
    outcomes = run_gx(snapshot, progress=progress)

    failed = [o for model in models for o in outcomes[model] if not o.success]
    errors = [o for o in failed if o.check.severity != "warn"]
    warnings = [o for o in failed if o.check.severity == "warn"]
    selected = set(models)
    last_run = snapshot.last_run or {}
    used = manifest_run(manifest)
    used["same_run"] = bool(used["invocation_id"]) and used["invocation_id"] == last_run.get(
        "invocation_id"
    )
    results: dict[str, Any] = {
        "success": not errors,
        "validated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dbt_invocation_id": last_run.get("invocation_id"),
        "dbt_run_finished_at": last_run.get("finished_at"),
        "dbt_run_status": last_run.get("status"),
        "dbt_manifest": used,
        "dbt_vars": run_vars(snapshot.last_run),
        "target": snapshot.target,
        "complete": selected == set(plan.marts),
        "seconds": round(time.monotonic() - started, 1),
        "models": {
            model: {
                "success": not any(
                    not o.success and o.check.severity != "warn" for o in outcomes[model]
                ),
                "rows": len(snapshot.frames[model]),
                "expectations": len(outcomes[model]),
                "failed": sum(not o.success for o in outcomes[model]),
            }
            for model in models
        },
        "failures": [_failure_record(o) for o in errors],
        "warnings": [_failure_record(o) for o in warnings],
        "not_mapped": [item for item in plan.not_mapped if item["model"] in selected],
        "data_docs": str(quality / DOCS_DIR / DOCS_PAGE),
    }
    _write_page(quality, _page(results, outcomes, snapshot))
    write_atomic(quality / RESULTS_FILE, json.dumps(results, indent=2, default=str) + "\n")
    return Validation(results, [failure_line(o) for o in errors + warnings], quality)


def _headline(results: dict[str, Any]) -> str:
    """`N marts, M expectations on duckdb: all passed` (or how many failed where)."""
    models = results["models"]
    total = sum(m["expectations"] for m in models.values())
    errors = len(results["failures"])
    head = f"{_plural(len(models), 'mart')}, {_plural(total, 'expectation')} on {results['target']}"
    if errors:
        bad = sum(not m["success"] for m in models.values())
        return f"{head}: {errors:,} failed in {_plural(bad, 'mart')}"
    return f"{head}: all passed"


def _summary(run: Validation) -> Iterable[str]:
    results, quality = run.results, run.quality_dir
    yield f"validate: {_headline(results)}"
    if results["warnings"]:
        yield f"validate: {_plural(len(results['warnings']), 'warning')} (dbt severity warn)"
    if results["not_mapped"]:
        skipped = ", ".join(f"{item['model']}:{item['dbt_test']}" for item in results["not_mapped"])
        yield f"validate: dbt tests not mapped to GX: {skipped}"
    used = results["dbt_manifest"]
    if not used["same_run"]:
        yield (
            f"validate: dbt tests read from {used['path']} of dbt invocation "
            f"{used['invocation_id']} ({used['generated_at']}), not of the validated run "
            f"{results['dbt_invocation_id']}; its var() arguments use that run's vars"
        )
    yield f"validate: results {quality / RESULTS_FILE}, page {quality / DOCS_DIR / DOCS_PAGE}"


def run_cli(args: argparse.Namespace) -> int:
    """`pulse validate [--select MODEL ...]`: 0 when every expectation passed, else 1."""
    run = validate(getattr(args, "select", None))
    for line in [*run.lines, *_summary(run)]:
        print(line)
    return 0 if run.results["success"] else 1
