"""The optional raw tables (raw contract `optional: true`): a folder with only the required
tables (accounts, visitors, events, features) builds every model green, says once per table
that it is taken as empty, and what needs a missing table is null or empty, never a made-up
value."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pulse import cli, contract
from pulse.generate import generate

OPTIONAL = sorted(t.name for t in contract.load().values() if t.optional)


@pytest.fixture(scope="module")
def only_required(tmp_path_factory: pytest.TempPathFactory, dbt) -> tuple[Path, str]:
    """A small generated folder without its optional tables, built by dbt (no unit tests)."""
    root = tmp_path_factory.mktemp("optional")
    raw = root / "raw"
    generate(raw, accounts=8, days=45, seed=11, bad_row_rate=0.02, progress=False)
    for table in OPTIONAL:
        (raw / f"{table}.csv").unlink()
    db_file = root / "pulse.duckdb"
    result = dbt(["build", "--exclude-resource-type", "unit_test"], db_file, raw)
    assert result.returncode == 0, result.stdout[-3000:]
    return db_file, result.stdout


def test_the_optional_tables_are_the_non_usage_ones() -> None:
    assert OPTIONAL == [
        "crm_activities",
        "nps_responses",
        "poll_responses",
        "renewals",
        "subscriptions",
        "support_tickets",
    ]


def test_each_missing_table_is_said_once(only_required: tuple[Path, str]) -> None:
    _, log = only_required
    for table in OPTIONAL:
        assert log.count(f"optional raw table '{table}' is not in") == 1, table


def test_what_needs_a_missing_table_is_null_or_empty(only_required: tuple[Path, str]) -> None:
    db_file, _ = only_required
    con = duckdb.connect(str(db_file), read_only=True)
    try:

        def one(sql: str) -> tuple:
            row = con.execute(sql).fetchone()
            assert row is not None
            return row

        accounts, scored, support, sentiment, relationship, interaction = one(
            "select count(*), count(health_score), count(support_score), "
            "count(sentiment_score), count(relationship_score), "
            "count(interaction_sentiment_score) from marts.fct_account_health"
        )
        assert accounts > 0 and scored == accounts
        # no ticket table: support is unknown (not a perfect 100); likewise NPS and CSM
        assert (support, sentiment, relationship, interaction) == (0, 0, 0, 0)
        assert one("select count(*) from marts.fct_nps_responses") == (0,)
        assert one("select count(*) from marts.fct_renewal_decisions") == (0,)
        # every account is one account-wide subscription, scored as the account
        subs = one(
            "select count(*), count(*) filter (where is_account_wide), "
            "count(*) filter (where health_score = account_health_score) "
            "from marts.fct_subscription_health"
        )
        assert subs == (accounts, accounts, accounts)
    finally:
        con.close()


def test_validate_passes_and_says_which_marts_may_be_empty(
    only_required: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quality gate: an empty dim_ / fct_ mart fails it, unless an optional raw table it
    is built from is empty; then the page says so."""
    db_file, _ = only_required
    monkeypatch.setenv("PULSE_DB_PATH", str(db_file))
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path))
    assert cli.main(["validate"]) == 0
    results = json.loads((tmp_path / "quality" / "validation.json").read_text())
    assert results["success"] is True
    assert results["models"]["fct_nps_responses"]["rows"] == 0
    page = (tmp_path / "quality" / "data_docs" / "index.html").read_text()
    assert "optional raw table nps_responses" in page
