"""Every name dbt turns into a relation fits PostgreSQL's identifiers (63 bytes; longer ones
fail there and nowhere else): models and seeds with the `__dbt_backup` suffix dbt-postgres
adds while it swaps a table, and unit tests, whose name is the relation of their expected
rows. Read from the manifest of the test build."""

from __future__ import annotations

import json

import pytest

from pulse import paths

POSTGRES_MAX = 63
SWAP_SUFFIX = "__dbt_backup"


@pytest.fixture(scope="module")
def manifest_nodes(built_db) -> dict:
    path = paths.PROJECT_ROOT / "target" / "manifest.json"
    if not path.exists():
        pytest.skip(f"no {path}: run the tests through `make test`")
    manifest = json.loads(path.read_text())
    return {**manifest["nodes"], **manifest.get("unit_tests", {})}


def test_relation_names_fit_postgres(manifest_nodes: dict) -> None:
    too_long = []
    for node in manifest_nodes.values():
        kind = node["resource_type"]
        if kind in ("model", "seed", "snapshot"):
            name = (node.get("alias") or node["name"]) + SWAP_SUFFIX
        elif kind == "unit_test":
            name = node["name"]
        else:
            continue
        if len(name.encode()) > POSTGRES_MAX:
            too_long.append(f"{kind} {node['name']} ({len(name.encode())} bytes as {name})")
    assert not too_long, "longer than PostgreSQL's 63-byte identifiers: " + "; ".join(too_long)


def test_the_manifest_has_unit_tests(manifest_nodes: dict) -> None:
    # the check above reads them: an empty list would pass it without looking at any
    assert sum(n["resource_type"] == "unit_test" for n in manifest_nodes.values()) > 100
