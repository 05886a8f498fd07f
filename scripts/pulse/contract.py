"""The raw contract (README "Your own data") for Python: read from the same YAML dbt reads.

The contract is data in models/staging/<source>/_<source>__sources.yml: each raw table's
`config.meta.raw_contract` and its columns (data_type = the type the raw text must parse
as, column `config.meta` = required, accepted values, references, ...). dbt's macro
`pulse_raw_contract()` reads it from the graph; the generator, `pulse load` and the tests
read it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pulse import paths


@dataclass(frozen=True)
class Table:
    name: str
    source: str
    columns: tuple[str, ...]
    types: dict[str, str]
    meta: dict[str, dict[str, Any]]
    contract: dict[str, Any] = field(default_factory=dict)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if self.meta[c].get("required"))

    @property
    def optional(self) -> bool:
        """An optional table may be missing from the raw folder: it is then landed empty."""
        return bool(self.contract.get("optional"))

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(self.contract["key"])

    def columns_of_type(self, *types: str) -> tuple[str, ...]:
        return tuple(c for c in self.columns if self.types[c] in types)


def source_files(root: Path | None = None) -> list[Path]:
    root = root or paths.PROJECT_ROOT
    return sorted((root / "models" / "staging").glob("*/_*__sources.yml"))


@cache
def load(root: Path | None = None, source_system: str = "native") -> dict[str, Table]:
    """The raw tables of the contract, by name, in the order of the sources files: the
    native contract (README "Your own data"), or the own tables of a source system (the
    tables whose raw_contract names it in `source_system`, e.g. Segment's identifies)."""
    tables: dict[str, Table] = {}
    for path in source_files(root):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for source in document.get("sources", []):
            for table in source.get("tables", []):
                contract = ((table.get("config") or {}).get("meta") or {}).get("raw_contract")
                if contract is None or contract.get("source_system", "native") != source_system:
                    continue
                columns = [c for c in table.get("columns", []) if c.get("data_type")]
                tables[table["name"]] = Table(
                    name=table["name"],
                    source=source["name"],
                    columns=tuple(c["name"] for c in columns),
                    types={c["name"]: c["data_type"] for c in columns},
                    meta={
                        c["name"]: dict(((c.get("config") or {}).get("meta")) or {})
                        for c in columns
                    },
                    contract=dict(contract),
                )
    return tables


def staged_model(table: Table) -> str:
    """stg_<source>__<table without its source prefix> (the dbt macro pulse_staged_model)."""
    prefix = f"{table.source}_"
    entity = table.name[len(prefix) :] if table.name.startswith(prefix) else table.name
    return f"stg_{table.source}__{entity}"
