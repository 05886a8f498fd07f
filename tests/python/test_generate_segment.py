"""`pulse generate --format segment`: the native scenario as Segment's warehouse tables.

Every check reads the Segment files back and compares them with a native sample of the same
arguments (written clean, as the Segment sample is): the same events with the same instants,
visitors (through user_id, or an anonymous_id an identify links), accounts and traits. The
rules are written out here, not imported from the generator, so a wrong converter fails them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from pulse.cli import main
from pulse.errors import PulseError
from pulse.generate import generate

ARGS = {"accounts": 8, "days": 45, "seed": 11}
SEGMENT_FILES = {"identifies", "groups", "tracks", "pages", "guide_seen", "guide_dismissed"}
COPIED = {"nps_responses", "poll_responses", "support_tickets", "crm_activities", "renewals"}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    native = tmp_path_factory.mktemp("native")
    segment = tmp_path_factory.mktemp("segment")
    generate(native, bad_row_rate=0.0, progress=False, **ARGS)
    manifest = generate(segment, fmt="segment", progress=False, **ARGS)
    return native, segment, manifest


def _con(native: Path, segment: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    for folder, prefix in ((native, "n_"), (segment, "s_")):
        for path in folder.glob("*.csv"):
            con.execute(
                f"create view {prefix}{path.stem} as select * from "
                f"read_csv('{path}', all_varchar = true, header = true)"
            )
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    return con.execute(sql).fetchone()


def test_files_and_manifest(samples: tuple[Path, Path, dict]) -> None:
    native, segment, manifest = samples
    names = {p.stem for p in segment.glob("*.csv")}
    assert names == SEGMENT_FILES | COPIED | {"features", "subscriptions"}
    assert manifest["format"] == "segment" and manifest["complete"]
    assert manifest["bad_row_rate"] == 0
    con = _con(native, segment)
    for table, entry in manifest["tables"].items():
        assert entry["rows_written"] == _one(con, f"select count(*) from s_{table}")[0], table
    # the tables Segment has no counterpart for are the native files, byte for byte
    for table in COPIED:
        assert (segment / f"{table}.csv").read_bytes() == (native / f"{table}.csv").read_bytes()


def test_every_event_once_with_its_instant_visitor_and_account(
    samples: tuple[Path, Path, dict],
) -> None:
    native, segment, _ = samples
    con = _con(native, segment)
    con.execute(
        """
        create view s_events as
        select id, anonymous_id, user_id, timestamp, received_at, 'track' as kind, event as name
        from s_tracks
        union all
        select id, anonymous_id, user_id, timestamp, received_at, 'page', name from s_pages
        """
    )
    # identity: user_id, else the user_id an identify gives the anonymous_id
    con.execute(
        """
        create view s_resolved as
        select
            e.*,
            coalesce(e.user_id, i.user_id) as visitor_id,
            g.group_id as account_id
        from s_events as e
        left join s_identifies as i on e.user_id is null and e.anonymous_id = i.anonymous_id
        left join s_groups as g on g.user_id = coalesce(e.user_id, i.user_id)
        """
    )
    total, distinct_ids, anonymous = _one(
        con,
        "select count(*), count(distinct id), count(*) filter (where user_id is null) "
        "from s_events",
    )
    assert total == distinct_ids == _one(con, "select count(*) from n_events")[0]
    assert 0 < anonymous < total / 4, "some events should carry only an anonymous_id"
    mismatches = _one(
        con,
        """
        select count(*)
        from n_events as n
        left join s_resolved as s on n.event_id = s.id
        left join n_visitors as v on n.visitor_id = v.visitor_id
        where s.id is null
            or s.visitor_id is distinct from n.visitor_id
            or s.account_id is distinct from coalesce(n.account_id, v.account_id)
            or cast(s.timestamp as timestamptz) <> cast(n.occurred_at as timestamptz)
            or cast(s.received_at as timestamptz)
                is distinct from cast(n.received_at as timestamptz)
            or (s.kind = 'page') <> (n.event_type = 'page_view')
        """,
    )[0]
    assert mismatches == 0


def test_track_names_features_and_guides(samples: tuple[Path, Path, dict]) -> None:
    native, segment, _ = samples
    con = _con(native, segment)
    # feature clicks: the feature's track_event, else its feature_id; tracks: the event name;
    # any other type: the type
    wrong = _one(
        con,
        """
        select count(*)
        from n_events as n
        inner join s_tracks as t on n.event_id = t.id
        left join s_features as f on n.feature_id = f.feature_id
        where t.event <> case
            when n.event_type = 'feature_click' then coalesce(f.track_event, n.feature_id)
            when n.event_type = 'track' then n.event_name
            else n.event_type
        end
        """,
    )[0]
    assert wrong == 0
    with_slug, features = _one(con, "select count(track_event), count(*) from s_features")
    assert 0 < with_slug < features
    assert (
        _one(
            con,
            "select count(*) from s_features as s full join n_features as n using (feature_id) "
            "where s.feature_name is distinct from n.feature_name "
            "or s.is_core_event is distinct from n.is_core_event",
        )[0]
        == 0
    )
    for kind in ("guide_seen", "guide_dismissed"):
        native_rows = _one(con, f"select count(*) from n_events where event_type = '{kind}'")[0]
        assert native_rows > 0
        assert (
            _one(
                con,
                f"""
            select count(*) from n_events as n
            inner join s_{kind} as g on n.event_id = g.id and n.event_name = g.guide_id
            where n.event_type = '{kind}'
            """,
            )[0]
            == native_rows
        )


def test_visitors_and_accounts_with_their_traits(samples: tuple[Path, Path, dict]) -> None:
    native, segment, _ = samples
    con = _con(native, segment)
    assert (
        _one(
            con,
            """
        select count(*)
        from n_visitors as v
        full join s_identifies as i on v.visitor_id = i.user_id
        where i.user_id is null or v.visitor_id is null
            or i.email is distinct from v.email or i.role is distinct from v.role
            or i.created_at is distinct from v.created_at
        """,
        )[0]
        == 0
    )
    # one group call per visitor (membership), one per account with the traits, never identified
    assert (
        _one(
            con,
            """
        select count(*)
        from n_visitors as v
        full join (select * from s_groups where user_id is not null) as g
            on v.visitor_id = g.user_id
        where g.user_id is null or v.visitor_id is null or g.group_id <> v.account_id
        """,
        )[0]
        == 0
    )
    assert (
        _one(
            con,
            """
        select count(*)
        from n_accounts as a
        full join (select * from s_groups where user_id is null) as g
            on a.account_id = g.group_id
        where g.group_id is null or a.account_id is null
            or g.anonymous_id <> 'account-sync'
            or g.name is distinct from a.account_name or g.plan is distinct from a.plan_tier
            or g.arr is distinct from a.arr_usd or g.seats is distinct from a.seats_purchased
            or g.industry is distinct from a.industry or g.region is distinct from a.region
            or g.csm is distinct from a.csm_owner or g.created_at is distinct from a.created_at
            or g.renewal_date is distinct from a.renewal_date
            or g.parent_group_id is distinct from a.parent_account_id
            or g.churned_at is distinct from a.churned_at
        """,
        )[0]
        == 0
    )
    assert (
        _one(
            con,
            "select count(*) from s_identifies where anonymous_id = 'account-sync'",
        )[0]
        == 0
    )


def test_same_arguments_give_identical_files(
    samples: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, segment, _ = samples
    again = tmp_path / "again"
    generate(again, fmt="segment", progress=False, **ARGS)

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.csv")}

    assert digests(again) == digests(segment)


def test_bad_rows_are_refused_for_segment(tmp_path: Path, capsys) -> None:
    with pytest.raises(PulseError, match="written clean"):
        generate(tmp_path / "x", fmt="segment", bad_row_rate=0.01, progress=False, **ARGS)
    out = tmp_path / "cli"
    assert (
        main(
            [
                "generate",
                "--format",
                "segment",
                "--accounts",
                "3",
                "--days",
                "10",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    assert "events) to" in capsys.readouterr().out
    assert (out / "tracks.csv").is_file()
    assert (
        main(
            [
                "generate",
                "--format",
                "segment",
                "--bad-row-rate",
                "0.2",
                "--out",
                str(tmp_path / "cli2"),
                "--quiet",
            ]
        )
        != 0
    )
    assert "written clean" in capsys.readouterr().err
