"""The raw contract (README "Your own data"): the tables the generator writes, their
columns and required columns (from models/staging/*/_*__sources.yml)."""

from __future__ import annotations

from pulse import contract

# the order fixes each table's random stream: append new tables at the end
TABLES: tuple[str, ...] = (
    "accounts",
    "visitors",
    "events",
    "features",
    "nps_responses",
    "poll_responses",
    "support_tickets",
    "crm_activities",
    "renewals",
    "subscriptions",
)

# columns and required columns come from the one raw contract (models/staging/*/_*__sources.yml)
_CONTRACT = contract.load()
if set(_CONTRACT) != set(TABLES):
    raise RuntimeError(
        f"the generator writes {sorted(TABLES)}, the raw contract has {sorted(_CONTRACT)}"
    )
# contract columns the native sample leaves out: its events are single events, not a
# source's aggregates (README "The activity grain")
NOT_WRITTEN: dict[str, tuple[str, ...]] = {"events": ("num_events", "num_minutes")}
COLUMNS: dict[str, tuple[str, ...]] = {
    t: tuple(c for c in _CONTRACT[t].columns if c not in NOT_WRITTEN.get(t, ())) for t in TABLES
}
REQUIRED: dict[str, tuple[str, ...]] = {t: _CONTRACT[t].required for t in TABLES}
