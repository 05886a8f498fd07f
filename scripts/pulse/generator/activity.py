"""How active each visitor is on each day, and the events an account is expected to have."""

from __future__ import annotations

import numpy as np

from pulse.generator.common import DAY, Span
from pulse.generator.plan import AccountBlock
from pulse.generator.vocabulary import PERSONA_ACTIVE_CHANCE, PERSONA_EVENTS_PER_DAY, WEEKEND_FACTOR


def activity_chances(block: AccountBlock, span: Span) -> np.ndarray:
    """Chance that each visitor (row) is active on each day of the span (column): by persona
    and account health, lower on weekends, ramping up after the visitor starts, fading before
    the account churns, almost nil once it stalls; none outside the visitor's time or on a
    break."""
    day_number = np.arange(span.days)
    day_start = (span.t0 + day_number * DAY)[None, :]
    mid = day_start + DAY // 2
    weekday = (span.weekday0 + day_number) % 7
    weekend = np.where(weekday >= 5, WEEKEND_FACTOR, 1.0)[None, :]
    account = block.visitor_account
    start = block.visitor_start[:, None]
    churn = block.churn[account][:, None]
    ok = (day_start + DAY > start) & (day_start < block.visitor_stop[:, None]) & (day_start < churn)
    ok &= ~(
        (day_start >= block.visitor_break_start[:, None])
        & (day_start < block.visitor_break_end[:, None])
    )
    ramp = 0.35 + 0.65 * np.clip((mid - start) / (18 * DAY), 0.0, 1.0)
    fade = np.clip((churn - mid) / (60 * DAY), 0.0, 1.0) ** 1.3
    stall = np.where(day_start >= block.stalled_from[account][:, None], 0.005, 1.0)
    base = (PERSONA_ACTIVE_CHANCE[block.visitor_persona] * (0.35 + 0.75 * block.health[account]))[
        :, None
    ]
    chance = base * weekend * ramp * fade * stall
    return np.where(ok, np.minimum(chance, 0.97), 0.0)


def expected_events(block: AccountBlock, span: Span) -> np.ndarray:
    """Expected events per account of the block (activity + setup steps)."""
    chance = activity_chances(block, span)
    per_visitor = chance.sum(axis=1) * PERSONA_EVENTS_PER_DAY[block.visitor_persona]
    per_account = np.bincount(block.visitor_account, weights=per_visitor, minlength=block.n)
    in_span = (block.setup_times >= span.t0) & (block.setup_times < span.t1)
    steps = np.arange(block.setup_times.shape[1])[None, :] < block.setup_steps_done[:, None]
    return per_account + (in_span & steps).sum(axis=1)
