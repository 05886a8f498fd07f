"""`pulse generate --format segment`: the generated scenario as Segment writes it to a warehouse.

The native sample (written clean to a temporary folder) is converted with DuckDB SQL, one
statement per table, so the Segment files hold the same scenario by construction:

- identifies.csv: one identify per visitor (id `idf_<visitor>`, user_id, anonymous_id
  `anon_<visitor>`, timestamp = the visitor's created_at, else its first event, else its
  account's created_at) with the traits email, role, created_at (the native text as it is;
  created_at empty where the native visitor has none).
- groups.csv: one server-side group call per account (anonymous_id `account-sync`, never
  identified, so it makes no visitor) with the account's traits name, plan, arr, seats,
  industry, region, csm, created_at, renewal_date, parent_group_id, churned_at; and one group
  call per visitor (id `grm_<visitor>`) that puts the visitor in its account, without traits.
- tracks.csv: every event that is not a page view. `event` is the slug Segment stores: a
  feature click's is the feature's `track_event` (the native features.csv gives one to every
  second feature) or its feature_id; a track's is its event name; any other type's is the
  type itself (guide_seen, guide_dismissed, form_submit, custom, identify). About one event in ten
  carries only the anonymous_id, so the visitor is known through its identify only.
- pages.csv: every page view, `name` = the page name.
- guide_seen.csv, guide_dismissed.csv: Segment's per-event tables of those two tracks, with
  the property guide_id (the native event_name).
- features.csv and the other native tables (NPS and poll responses, tickets, CSM
  activities, renewals, subscriptions) are copied as they are: Segment has none of them.

Timestamps are UTC ISO-8601 with milliseconds (`2026-03-01T10:15:00.000Z`), as Segment
writes them; received_at stays empty where the native event has none and sent_at equals
timestamp.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pulse.generator.conversion import native_table

NAME = "Segment"

# the files of a Segment sample, in the order they are written
SEGMENT_TABLES: tuple[str, ...] = (
    "identifies",
    "groups",
    "tracks",
    "pages",
    "guide_seen",
    "guide_dismissed",
)
# native tables a Segment workspace has no counterpart for: copied as written
COPIED_TABLES: tuple[str, ...] = (
    "features",
    "nps_responses",
    "poll_responses",
    "support_tickets",
    "crm_activities",
    "renewals",
    "subscriptions",
)
TABLES: tuple[str, ...] = (*SEGMENT_TABLES, *COPIED_TABLES)

# an event whose id ends in this digit carries only its anonymous_id (about one in ten)
ANONYMOUS_EVENT_DIGIT = "7"


def _utc(column: str) -> str:
    """The native timestamp text as Segment's UTC text (null stays null)."""
    return f"strftime(timezone('UTC', cast({column} as timestamptz)), '%Y-%m-%dT%H:%M:%S.%gZ')"


def _event_ids(alias: str) -> str:
    return (
        f"{alias}.event_id as id, 'anon_' || {alias}.visitor_id as anonymous_id, "
        f"case when right({alias}.event_id, 1) = '{ANONYMOUS_EVENT_DIGIT}' then null "
        f"else {alias}.visitor_id end as user_id"
    )


def _event_times(alias: str) -> str:
    occurred = _utc(f"{alias}.occurred_at")
    return (
        f"{occurred} as timestamp, {occurred} as sent_at, "
        f"{_utc(f'{alias}.received_at')} as received_at"
    )


def statements() -> dict[str, str]:
    """table -> the SELECT that writes it (views accounts, visitors, events, features)."""
    track_event = "coalesce(features.track_event, events.feature_id)"
    track = f"""
        select
            {_event_ids("events")},
            case
                when events.event_type = 'feature_click' then {track_event}
                when events.event_type = 'track' then events.event_name
                else events.event_type
            end as event,
            coalesce(events.event_name, events.event_type) as event_text,
            {_event_times("events")}
        from events
        left join features on events.feature_id = features.feature_id
        where events.event_type <> 'page_view'
        order by events.event_id
    """
    guide = """
        select
            {ids},
            events.event_type as event,
            events.event_type as event_text,
            {times},
            events.event_name as guide_id
        from events
        where events.event_type = '{kind}'
        order by events.event_id
    """
    return {
        "identifies": """
            select
                'idf_' || visitor_id as id,
                'anon_' || visitor_id as anonymous_id,
                visitor_id as user_id,
                identified_at as timestamp,
                identified_at as sent_at,
                identified_at as received_at,
                email,
                role,
                created_at
            from identified
            order by visitor_id
        """,
        "groups": f"""
            select
                'grp_' || account_id as id,
                'account-sync' as anonymous_id,
                null as user_id,
                account_id as group_id,
                {_utc("created_at")} as timestamp,
                {_utc("created_at")} as sent_at,
                {_utc("created_at")} as received_at,
                account_name as name,
                plan_tier as plan,
                arr_usd as arr,
                seats_purchased as seats,
                industry,
                region,
                csm_owner as csm,
                created_at,
                renewal_date,
                parent_account_id as parent_group_id,
                churned_at
            from accounts
            union all
            select
                'grm_' || visitor_id, 'anon_' || visitor_id, visitor_id, account_id,
                identified_at, identified_at, identified_at,
                null, null, null, null, null, null, null, null, null, null, null
            from identified
            order by 1
        """,
        "tracks": track,
        "pages": f"""
            select
                {_event_ids("events")},
                events.event_name as name,
                {_event_times("events")}
            from events
            where events.event_type = 'page_view'
            order by events.event_id
        """,
        "guide_seen": guide.format(
            ids=_event_ids("events"), times=_event_times("events"), kind="guide_seen"
        ),
        "guide_dismissed": guide.format(
            ids=_event_ids("events"), times=_event_times("events"), kind="guide_dismissed"
        ),
    }


def setup(con: duckdb.DuckDBPyConnection, native: Path) -> None:
    """The tables the statements read, from the native sample in `native`."""
    for table in ("accounts", "visitors", "events", "features"):
        con.execute(f"create view {table} as select * from {native_table(native, table)}")
    con.execute(
        f"""
        create table identified as
        select
            visitors.*,
            {
            _utc(
                "coalesce(visitors.created_at, first_events.first_occurred_at, accounts.created_at)"
            )
        } as identified_at
        from visitors
        inner join accounts on visitors.account_id = accounts.account_id
        left join (
            select
                visitor_id,
                cast(min(cast(occurred_at as timestamptz)) as varchar) as first_occurred_at
            from events
            group by visitor_id
        ) as first_events on visitors.visitor_id = first_events.visitor_id
        """
    )
