"""`pulse generate --format pendo`: the generated scenario as Fivetran's Pendo connector writes it.

The native sample (written clean to a temporary folder) is converted with DuckDB SQL, one
statement per table, into the tables of SPEC section 7 with Fivetran's column names
(README "Sample data"):

- account_history / visitor_history: one version per account / visitor with the attributes
  in `agent_*` columns (agent_name, agent_planlevel, agent_arr, agent_seats, agent_csm,
  agent_industry, agent_region, agent_renewaldate, agent_creationdate, agent_parentaccountid,
  agent_churnedat; agent_email, agent_role, agent_creationdate), plus an older version of
  every third account (plan `trial`, no ARR) and every fourth visitor (role `viewer`), so the
  latest version per id must be taken; visitor_account_history links each visitor to its
  account.
- feature_history (is_core_event as true / false; group_id names the product area in
  `group`; app_id is the feature's product, as a Pendo app is a product), page_history (one
  page per page name), guide_history (one guide per guide id).
- event: the activity events (page views, feature clicks, tracks) aggregated per visitor x
  account x UTC hour: num_events, and num_minutes = the distinct clock minutes with activity;
  feature_event / page_event: the feature clicks / page views per feature / page and hour,
  likewise (subsets of event, as in Pendo).
- guide_event: one row per guide seen / dismissed (type guideSeen / guideDismissed).
- poll / poll_event: the NPS answers as responses to the poll `nps_rating` (attribute_type
  NPSRating), their comments as responses to its follow-up poll `nps_comment` one second
  later, and the poll answers to their polls; event_id is the native response_id (the
  comment's: response_id + `_comment`).

Pendo has no counterpart for the native track events outside `event` (no track table in
SPEC section 7), for the event types form_submit / custom / identify, nor for tickets, CSM
activities, renewals and subscriptions: those four files are copied as they are. Timestamps
are UTC without offset, as Fivetran writes them (`2026-03-01 10:00:00.000`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pulse.generator.conversion import native_table

NAME = "Pendo"

PENDO_TABLES: tuple[str, ...] = (
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
)
COPIED_TABLES: tuple[str, ...] = ("support_tickets", "crm_activities", "renewals", "subscriptions")
TABLES: tuple[str, ...] = (*PENDO_TABLES, *COPIED_TABLES)

# what every aggregate row says about where it came from (Pendo's grain includes them)
CLIENT = (
    "'app.example.com' as server_name, '198.51.100.7' as remote_ip, 'Mozilla/5.0' as user_agent"
)
APP_ID = "'-323232' as app_id"
ACTIVITY_TYPES = "('page_view', 'feature_click', 'track')"


def _ts(expression: str) -> str:
    """A timestamp as Fivetran's UTC text (null stays null)."""
    return f"strftime({expression}, '%Y-%m-%d %H:%M:%S.%g')"


def _utc(column: str) -> str:
    return f"timezone('UTC', cast({column} as timestamptz))"


def _hourly(where: str, key: str | None = None, alias: str | None = None, page_id: str = "") -> str:
    """Activity events aggregated per visitor x account x UTC hour (and key, named alias)."""
    key_select = f"{key} as {alias}," if key else ""
    key_group = f", {key}" if key else ""
    page_select = f"{page_id} as page_id," if page_id else ""
    return f"""
        select
            account_id,
            {key_select}
            {_ts("hour_at")} as timestamp,
            visitor_id,
            {_ts("max(synced_at)")} as _fivetran_synced,
            {APP_ID},
            {CLIENT},
            {page_select}
            count(*) as num_events,
            count(distinct date_trunc('minute', occurred_at)) as num_minutes
        from activity
        where {where}
        group by account_id, visitor_id, hour_at{key_group}
        order by timestamp, account_id, visitor_id{key_group}
    """


def statements() -> dict[str, str]:
    """table -> the SELECT that writes it (reads the tables made by setup())."""
    synced = "sample_end.synced_at"
    return {
        "account_history": f"""
            select
                account_id as id,
                {_ts(synced)} as last_updated_at,
                {_ts(synced)} as _fivetran_synced,
                account_name as agent_name,
                plan_tier as agent_planlevel,
                arr_usd as agent_arr,
                seats_purchased as agent_seats,
                csm_owner as agent_csm,
                industry as agent_industry,
                region as agent_region,
                renewal_date as agent_renewaldate,
                {_ts(_utc("created_at"))} as agent_creationdate,
                parent_account_id as agent_parentaccountid,
                {_ts(_utc("churned_at"))} as agent_churnedat
            from accounts
            cross join sample_end
            union all
            select
                account_id, {_ts(_utc("created_at"))}, {_ts(_utc("created_at"))},
                account_name, 'trial', null, seats_purchased, csm_owner, industry, region,
                renewal_date, {_ts(_utc("created_at"))}, parent_account_id, null
            from accounts
            where position % 3 = 0
            order by id, last_updated_at
        """,
        "visitor_history": f"""
            select
                visitor_id as id,
                {_ts(synced)} as last_updated_at,
                {_ts(synced)} as _fivetran_synced,
                account_id,
                email as agent_email,
                role as agent_role,
                {_ts(_utc("created_at"))} as agent_creationdate,
                {_ts("first_visit_at")} as first_visit,
                {_ts("last_visit_at")} as last_visit
            from known_visitors
            cross join sample_end
            union all
            select
                visitor_id, {_ts("first_visit_at")}, {_ts("first_visit_at")}, account_id,
                email, 'viewer', {_ts(_utc("created_at"))}, {_ts("first_visit_at")},
                {_ts("first_visit_at")}
            from known_visitors
            where position % 4 = 0
            order by id, last_updated_at
        """,
        "visitor_account_history": f"""
            select
                account_id,
                visitor_id,
                {_ts(synced)} as visitor_last_updated_at,
                {_ts(synced)} as _fivetran_synced
            from known_visitors
            cross join sample_end
            order by visitor_id
        """,
        "feature_history": f"""
            select
                feature_id as id,
                {_ts(synced)} as last_updated_at,
                {_ts(synced)} as _fivetran_synced,
                product as app_id,
                'grp_' || product_area as group_id,
                feature_name as name,
                case
                    when lower(trim(is_core_event)) in ('true', 't', '1', 'yes', 'y') then 'true'
                    else 'false'
                end as is_core_event
            from features
            cross join sample_end
            order by position
        """,
        "group": f"""
            select distinct
                'grp_' || product_area as id,
                {_ts(synced)} as _fivetran_synced,
                {APP_ID},
                product_area as name
            from features
            cross join sample_end
            where product_area is not null
            order by id
        """,
        "page_history": f"""
            select distinct
                'page_' || event_name as id,
                {_ts(synced)} as last_updated_at,
                {_ts(synced)} as _fivetran_synced,
                {APP_ID},
                event_name as name
            from activity
            cross join sample_end
            where event_type = 'page_view' and event_name is not null
            order by id
        """,
        "guide_history": f"""
            select distinct
                event_name as id,
                {_ts(synced)} as last_updated_at,
                {_ts(synced)} as _fivetran_synced,
                {APP_ID},
                event_name as name,
                'public' as state
            from activity
            cross join sample_end
            where event_type in ('guide_seen', 'guide_dismissed') and event_name is not null
            order by id
        """,
        "event": _hourly(f"event_type in {ACTIVITY_TYPES}", page_id="'allevents'"),
        "feature_event": _hourly(
            "event_type = 'feature_click' and feature_id is not null", "feature_id", "feature_id"
        ),
        "page_event": _hourly(
            "event_type = 'page_view' and event_name is not null",
            "'page_' || event_name",
            "page_id",
        ),
        "guide_event": f"""
            select
                account_id,
                event_name as guide_id,
                {_ts("occurred_at")} as timestamp,
                visitor_id,
                {_ts("synced_at")} as _fivetran_synced,
                {APP_ID},
                {CLIENT},
                case event_type when 'guide_seen' then 'guideSeen' else 'guideDismissed' end
                    as type,
                '' as event_id
            from activity
            where event_type in ('guide_seen', 'guide_dismissed') and event_name is not null
            order by timestamp, visitor_id, guide_id
        """,
        "poll": f"""
            select
                'nps_rating' as id,
                {_ts(synced)} as _fivetran_synced,
                'nps_comment' as attribute_follow_up,
                'NPSRating' as attribute_type,
                'How likely are you to recommend us to a friend or colleague?' as question
            from sample_end
            union all
            select
                'nps_comment', {_ts(synced)}, null, 'FreeForm',
                'What is the main reason for your score?'
            from sample_end
            union all
            select distinct
                poll_id, {_ts(synced)}, null, 'FreeForm', question
            from polls
            cross join sample_end
            order by id
        """,
        "poll_event": f"""
            select
                account_id, 'guide_nps_prompt' as guide_id, 'nps_rating' as poll_id,
                {_ts("responded_at")} as timestamp, visitor_id,
                {_ts("responded_at")} as _fivetran_synced,
                score as poll_response, 'ui:web:pollResponse' as type, response_id as event_id
            from nps
            union all
            select
                account_id, 'guide_nps_prompt', 'nps_comment',
                {_ts("responded_at + interval 1 second")}, visitor_id,
                {_ts("responded_at + interval 1 second")}, comment, 'ui:web:pollResponse',
                response_id || '_comment'
            from nps
            where comment is not null
            union all
            select
                account_id, 'guide_poll_' || poll_id, poll_id, {_ts("responded_at")},
                visitor_id, {_ts("responded_at")}, response, 'ui:web:pollResponse', response_id
            from polls
            order by timestamp, visitor_id, poll_id
        """,
    }


def setup(con: duckdb.DuckDBPyConnection, native: Path) -> None:
    """The tables the statements read, from the native sample in `native` (with each row's
    position in its file)."""
    for table, name in (
        ("accounts", "accounts"),
        ("visitors", "visitors"),
        ("features", "features"),
        ("poll_responses", "polls"),
    ):
        con.execute(
            f"create table {name} as select *, row_number() over () as position "
            f"from {native_table(native, table)}"
        )
    con.execute(
        f"""
        create table activity as
        select
            events.event_id,
            events.visitor_id,
            coalesce(events.account_id, visitors.account_id) as account_id,
            events.event_type,
            events.event_name,
            events.feature_id,
            {_utc("events.occurred_at")} as occurred_at,
            date_trunc('hour', {_utc("events.occurred_at")}) as hour_at,
            coalesce({_utc("events.received_at")}, {_utc("events.occurred_at")}) as synced_at
        from {native_table(native, "events")} as events
        inner join visitors on events.visitor_id = visitors.visitor_id
        """
    )
    con.execute(
        f"""
        create table nps as
        select
            response_id, visitor_id, account_id, score, comment,
            {_utc("responded_at")} as responded_at
        from {native_table(native, "nps_responses")}
        """
    )
    con.execute(
        "alter table polls add column responded_at_utc timestamp; "
        f"update polls set responded_at_utc = {_utc('responded_at')}; "
        "alter table polls drop column responded_at; "
        "alter table polls rename column responded_at_utc to responded_at"
    )
    con.execute("create table sample_end as select max(synced_at) as synced_at from activity")
    con.execute(
        """
        create table known_visitors as
        select
            visitors.*,
            coalesce(visits.first_at, {created}) as first_visit_at,
            coalesce(visits.last_at, {created}) as last_visit_at
        from visitors
        left join (
            select visitor_id, min(occurred_at) as first_at, max(occurred_at) as last_at
            from activity
            group by visitor_id
        ) as visits on visitors.visitor_id = visits.visitor_id
        """.format(created=_utc("visitors.created_at"))
    )
