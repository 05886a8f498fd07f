"""Trigger events: what changed in the lists since they were last delivered.

Which accounts and visitors are on each list is decided in SQL, by the mart
`rpt_trigger_states` (one row per trigger type and member, read from the rpt_ lists and the
milestone flags). Python only compares today's members with the members a channel delivered
last time (`pulse export --triggers`: triggers/state.json; `pulse notify`: a table in the
warehouse) and names the difference: a new member is an "entered" event, and for the lists
that have one, a member gone is a "left" event.

An event's idempotency key is the SHA-256 of `event_type|account_id|visitor_id|as_of_date`:
the same change seen twice (a rerun, a retry) has the same key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pandas as pd

MODEL = "rpt_trigger_states"

# trigger_type (rpt_trigger_states) -> (event when a member enters, event when one leaves)
EVENTS: dict[str, tuple[str, str | None]] = {
    "at_risk_accounts": ("account_entered_at_risk", "account_left_at_risk"),
    "inactive_visitors": ("visitor_became_inactive", None),
    "review_request_candidates": ("promoter_became_review_candidate", None),
    "champion_risk": ("champion_became_inactive", None),
    "milestone_set_up": ("milestone_reached_set_up", None),
    "milestone_activated": ("milestone_reached_activated", None),
    "milestone_utilizing": ("milestone_reached_utilizing", None),
    "milestone_mature": ("milestone_reached_mature", None),
}
# the columns of rpt_trigger_states an event carries as its `values`
VALUE_COLUMNS = (
    "account_name",
    "csm_owner",
    "arr_usd",
    "email",
    "health_score",
    "health_band",
    "days_since_last_active",
    "nps_score",
)


@dataclass(frozen=True)
class Member:
    """One member of one trigger list."""

    trigger_type: str
    account_id: str
    visitor_id: str | None

    @property
    def subject_type(self) -> str:
        return "account" if self.visitor_id is None else "visitor"

    @property
    def subject_id(self) -> str:
        return self.account_id if self.visitor_id is None else self.visitor_id

    @property
    def key(self) -> tuple[str, str]:
        return (self.trigger_type, self.subject_id)


def _plain(value: Any) -> Any:
    """A JSON-ready value: None for nulls, int for whole numbers of an integer column."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def current_members(frame: pd.DataFrame) -> dict[Member, dict[str, Any]]:
    """The rows of rpt_trigger_states as members and their values."""
    members: dict[Member, dict[str, Any]] = {}
    for row in frame.to_dict("records"):
        visitor = _plain(row.get("visitor_id"))
        member = Member(str(row["trigger_type"]), str(row["account_id"]), visitor and str(visitor))
        members[member] = {c: _plain(row.get(c)) for c in VALUE_COLUMNS if c in row}
    return members


def idempotency_key(event_type: str, account_id: str, visitor_id: str | None, as_of: str) -> str:
    text = f"{event_type}|{account_id}|{visitor_id or ''}|{as_of}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_names(trigger_type: str) -> tuple[str, str | None]:
    """The entered / left event of a trigger type (a type the code does not know yet: entered
    only, named after it)."""
    return EVENTS.get(trigger_type, (f"entered_{trigger_type}", None))


def diff(
    previous: set[Member],
    current: dict[Member, dict[str, Any]],
    as_of: str,
    detected_at: str,
) -> list[dict[str, Any]]:
    """The events between the members delivered last time and today's, in a stable order."""
    before = {m.key: m for m in previous}
    now = {m.key: m for m in current}
    events: list[dict[str, Any]] = []
    for key in sorted(set(before) | set(now)):
        trigger_type = key[0]
        entered, left = event_names(trigger_type)
        if key in now and key not in before:
            member, event_type, values = now[key], entered, current[now[key]]
        elif key in before and key not in now and left is not None:
            member, event_type, values = before[key], left, {}
        else:
            continue
        events.append(
            {
                "idempotency_key": idempotency_key(
                    event_type, member.account_id, member.visitor_id, as_of
                ),
                "event_type": event_type,
                "trigger_type": trigger_type,
                "subject_type": member.subject_type,
                "subject_id": member.subject_id,
                "account_id": member.account_id,
                "visitor_id": member.visitor_id,
                "as_of_date": as_of,
                "detected_at": detected_at,
                "values": values,
            }
        )
    order = {name: i for i, name in enumerate(EVENTS)}
    events.sort(key=lambda e: (order.get(e["trigger_type"], len(order)), e["event_type"]))
    return events
