"""`pulse generate --format pendo`: the native scenario as Fivetran's Pendo tables.

Every check reads the Pendo files back and compares them with a native sample of the same
arguments (written clean, as the Pendo sample is): the hourly aggregates add up to the
native events hour by hour, the latest version of each account and visitor carries the
native attributes, guides and polls are the native ones. The rules are written out here, not
imported from the generator.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from pulse.errors import PulseError
from pulse.generate import generate

ARGS = {"accounts": 8, "days": 45, "seed": 5}
PENDO = {
    "account_history",
    "visitor_history",
    "visitor_account_history",
    "feature_history",
    "group",
    "page_history",
    "guide_history",
    "event",
    "feature_event",
    "page_event",
    "guide_event",
    "poll",
    "poll_event",
}
COPIED = {"support_tickets", "crm_activities", "renewals", "subscriptions"}
UTC = "timezone('UTC', cast({} as timestamptz))"


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    native = tmp_path_factory.mktemp("native")
    pendo = tmp_path_factory.mktemp("pendo")
    generate(native, bad_row_rate=0.0, progress=False, **ARGS)
    manifest = generate(pendo, fmt="pendo", progress=False, **ARGS)
    connection = duckdb.connect()
    connection.execute("set timezone = 'UTC'")
    for folder, prefix in ((native, "n_"), (pendo, "p_")):
        for path in folder.glob("*.csv"):
            connection.execute(
                f'create view "{prefix}{path.stem}" as select * from '
                f"read_csv('{path}', all_varchar = true, header = true)"
            )
    connection.execute(
        f"""
        create view n_activity as
        select e.*, coalesce(e.account_id, v.account_id) as account,
            date_trunc('hour', {UTC.format("e.occurred_at")}) as hour_at,
            date_trunc('minute', {UTC.format("e.occurred_at")}) as minute_at
        from n_events as e inner join n_visitors as v using (visitor_id)
        """
    )
    yield connection, native, pendo, manifest
    connection.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    return con.execute(sql).fetchone()


def test_files_and_manifest(con) -> None:
    db, native, pendo, manifest = con
    assert {p.stem for p in pendo.glob("*.csv")} == PENDO | COPIED
    assert manifest["format"] == "pendo" and manifest["complete"]
    for table, entry in manifest["tables"].items():
        assert entry["rows_written"] == _one(db, f'select count(*) from "p_{table}"')[0], table
    for table in COPIED:
        assert (pendo / f"{table}.csv").read_bytes() == (native / f"{table}.csv").read_bytes()


@pytest.mark.parametrize(
    ("table", "native_filter", "key"),
    [
        ("event", "event_type in ('page_view', 'feature_click', 'track')", None),
        ("feature_event", "event_type = 'feature_click'", ("feature_id", "feature_id")),
        ("page_event", "event_type = 'page_view'", ("'page_' || event_name", "page_id")),
    ],
)
def test_hourly_aggregates_add_up_to_the_native_events(con, table, native_filter, key) -> None:
    db = con[0]
    native_key, pendo_key = (f"{key[0]} as k, ", f"{key[1]} as k, ") if key else ("", "")
    native_group = f", {key[0]}" if key else ""
    native = f"""
        select account, visitor_id, hour_at, {native_key}
            count(*) as num_events, count(distinct minute_at) as num_minutes
        from n_activity where {native_filter}
        group by account, visitor_id, hour_at{native_group}
    """
    pendo = f"""
        select account_id, visitor_id, cast(timestamp as timestamp), {pendo_key}
            cast(num_events as bigint), cast(num_minutes as bigint)
        from "p_{table}"
    """
    assert _one(db, f"select count(*) from ({native} except {pendo})")[0] == 0
    assert _one(db, f"select count(*) from ({pendo} except {native})")[0] == 0
    assert _one(db, f"select count(*) from ({native})")[0] > 0


def test_guide_events_are_the_native_ones(con) -> None:
    db = con[0]
    native = f"""
        select account, visitor_id, event_name,
            case event_type when 'guide_seen' then 'guideSeen' else 'guideDismissed' end,
            {UTC.format("occurred_at")}
        from n_activity where event_type in ('guide_seen', 'guide_dismissed')
    """
    pendo = """
        select account_id, visitor_id, guide_id, type, cast(timestamp as timestamp)
        from p_guide_event
    """
    assert _one(db, f"select count(*) from ({native} except all {pendo})")[0] == 0
    assert _one(db, f"select count(*) from ({pendo} except all {native})")[0] == 0
    assert _one(db, "select count(*) from p_guide_event")[0] > 0


def test_latest_versions_carry_the_native_attributes(con) -> None:
    db = con[0]
    latest = """
        select * exclude (rank_in_id) from (
            select *, row_number() over (partition by id order by last_updated_at desc)
                as rank_in_id
            from "{}"
        ) where rank_in_id = 1
    """
    assert _one(db, "select count(*) - count(distinct id) from p_account_history")[0] > 0
    assert _one(db, "select count(*) - count(distinct id) from p_visitor_history")[0] > 0
    assert (
        _one(
            db,
            f"""
        select count(*)
        from n_accounts as a full join ({latest.format("p_account_history")}) as p
            on a.account_id = p.id
        where p.id is null or a.account_id is null
            or p.agent_name is distinct from a.account_name
            or p.agent_planlevel is distinct from a.plan_tier
            or p.agent_arr is distinct from a.arr_usd
            or p.agent_seats is distinct from a.seats_purchased
            or p.agent_csm is distinct from a.csm_owner
            or p.agent_industry is distinct from a.industry
            or p.agent_region is distinct from a.region
            or p.agent_renewaldate is distinct from a.renewal_date
            or p.agent_parentaccountid is distinct from a.parent_account_id
            or cast(p.agent_creationdate as timestamp) <> {UTC.format("a.created_at")}
            or cast(p.agent_churnedat as timestamp) is distinct from {UTC.format("a.churned_at")}
        """,
        )[0]
        == 0
    )
    assert (
        _one(
            db,
            f"""
        select count(*)
        from n_visitors as v full join ({latest.format("p_visitor_history")}) as p
            on v.visitor_id = p.id
        left join p_visitor_account_history as h on h.visitor_id = v.visitor_id
        where p.id is null or v.visitor_id is null
            or p.account_id <> v.account_id or h.account_id <> v.account_id
            or p.agent_email is distinct from v.email or p.agent_role is distinct from v.role
            or cast(p.agent_creationdate as timestamp) is distinct from
                {UTC.format("v.created_at")}
        """,
        )[0]
        == 0
    )


def test_features_pages_and_polls(con) -> None:
    db = con[0]
    assert (
        _one(
            db,
            """
        select count(*)
        from n_features as n full join p_feature_history as p on n.feature_id = p.id
        left join p_group as g on p.group_id = g.id
        where p.id is null or n.feature_id is null or p.name <> n.feature_name
            or g.name is distinct from n.product_area
            or p.is_core_event <> case when lower(trim(n.is_core_event)) in ('true', 't', '1',
                'yes', 'y') then 'true' else 'false' end
        """,
        )[0]
        == 0
    )
    pages = _one(
        db, "select count(distinct event_name) from n_activity where event_type = 'page_view'"
    )[0]
    assert _one(db, "select count(*) from p_page_history")[0] == pages > 0
    nps, comments = _one(db, "select count(*), count(comment) from n_nps_responses")
    ratings = _one(
        db,
        f"""
        select count(*) from p_poll_event as e
        inner join p_poll as p on e.poll_id = p.id and p.attribute_type = 'NPSRating'
        inner join n_nps_responses as n
            on n.visitor_id = e.visitor_id and n.score = e.poll_response
            and {UTC.format("n.responded_at")} = cast(e.timestamp as timestamp)
        """,
    )[0]
    assert ratings == nps > 0
    assert (
        _one(db, "select count(*) from p_poll_event where poll_id = 'nps_comment'")[0] == comments
    )
    answers = _one(db, "select count(*) from n_poll_responses")[0]
    assert (
        _one(
            db,
            "select count(*) from p_poll_event where poll_id not in ('nps_rating', 'nps_comment')",
        )[0]
        == answers
        > 0
    )


def test_same_arguments_give_identical_files(con, tmp_path: Path) -> None:
    _, _, pendo, _ = con
    again = tmp_path / "again"
    generate(again, fmt="pendo", progress=False, **ARGS)

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.csv")}

    assert digests(again) == digests(pendo)
    with pytest.raises(PulseError, match="written clean"):
        generate(tmp_path / "dirty", fmt="pendo", bad_row_rate=0.05, progress=False, **ARGS)
