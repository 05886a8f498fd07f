"""NPS responses and poll responses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pulse import catalog
from pulse.generator.arrow_text import timestamp_texts
from pulse.generator.common import DAY, Counts, Row, Span
from pulse.generator.dirty import FRESH_ID_BASE
from pulse.generator.small_tables import table_stream, write_small_table
from pulse.generator.vocabulary import NPS_COMMENTS, PERSONA_USAGE_LEVEL, TRICKY_COMMENT
from pulse.generator.world import World


# NPS --------------------------------------------------------------------------------------------
@dataclass
class VisitorView:
    """All visitors of the world as flat arrays (global index order)."""

    account: np.ndarray  # global account index
    persona: np.ndarray
    role: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    health: np.ndarray
    churn: np.ndarray
    offset: np.ndarray


def visitor_view(world: World) -> VisitorView:
    """The visitors of every block, joined."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in VisitorView.__dataclass_fields__}
    for block in world.blocks:
        account = block.visitor_account
        parts["account"].append(block.first + account)
        parts["persona"].append(block.visitor_persona)
        parts["role"].append(block.visitor_role)
        parts["start"].append(block.visitor_start)
        parts["stop"].append(block.visitor_stop)
        parts["health"].append(block.health[account])
        parts["churn"].append(block.churn[account])
        parts["offset"].append(block.visitor_offset)
    return VisitorView(**{k: np.concatenate(v) for k, v in parts.items()})


def survey_window(visitors: VisitorView, span: Span) -> tuple[np.ndarray, np.ndarray]:
    """When each visitor can answer a survey: [lo, hi) (hi <= lo: never)."""
    lo = np.maximum(visitors.start, span.t0)
    hi = np.minimum(np.minimum(visitors.stop + 14 * DAY, visitors.churn), span.t1)
    return lo, hi


def write_nps(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "nps_responses")
    visitors = visitor_view(world)
    v = len(visitors.account)
    respondent, when, score = _nps_answers(rng, visitors, world.span)
    k = len(respondent)
    stamp = timestamp_texts(when, rng, visitors.offset[respondent])
    comment_u = rng.random(k)
    comment_pick = rng.integers(0, 100, k)
    account_blank = rng.random(k) < 0.08
    rows: list[Row] = []
    for i in range(k):
        value = int(score[i])
        group = "promoter" if value >= 9 else "passive" if value >= 7 else "detractor"
        pool = NPS_COMMENTS[group]
        comment = None if comment_u[i] < 0.55 else pool[comment_pick[i] % len(pool)]
        rows.append(
            [
                f"nps_{i + 1:07d}",
                world.visitor_ids[respondent[i]],
                None if account_blank[i] else world.account_ids[visitors.account[respondent[i]]],
                str(value),
                comment,
                stamp[i],
            ]
        )
    if world.rate > 0 and rows:
        rows[min(len(rows) - 1, 5)][4] = TRICKY_COMMENT

    def template(r: np.random.Generator, serial: int) -> Row:
        visitor = int(r.integers(0, v))
        t = int(world.span.t0 + r.random() * (world.span.t1 - world.span.t0))
        return [
            f"nps_{FRESH_ID_BASE * 10 + serial:07d}",
            world.visitor_ids[visitor],
            world.account_ids[visitors.account[visitor]],
            str(int(r.integers(0, 11))),
            None,
            timestamp_texts([t], r, [visitors.offset[visitor]])[0],
        ]

    eol = "\r\n" if world.rate > 0 else "\n"
    return write_small_table(
        out_dir, world, "nps_responses", rows, template, eol=eol, bom=world.rate > 0
    )


def _nps_answers(
    rng: np.random.Generator, visitors: VisitorView, span: Span
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who answers the NPS survey (about a third of the visitors, some twice or more), when,
    and their score: it follows how much they use the product, with some exceptions."""
    lo, hi = survey_window(visitors, span)
    v = len(visitors.account)
    answers = np.where(
        (rng.random(v) < 0.35) & (hi - lo > 3600),
        1 + (rng.random(v) < 0.25) + (rng.random(v) < 0.06),
        0,
    )
    respondent = np.repeat(np.arange(v), answers)
    k = len(respondent)
    when = (lo[respondent] + rng.random(k) * (hi[respondent] - lo[respondent])).astype(np.int64)
    order = np.lexsort((respondent, when))
    respondent, when = respondent[order], when[order]
    usage = PERSONA_USAGE_LEVEL[visitors.persona[respondent]] * (
        0.55 + 0.45 * visitors.health[respondent]
    )
    score = np.clip(np.round(rng.normal(3.6 + 7.5 * usage, 1.3)), 0, 10).astype(np.int64)
    exception = rng.random(k) < 0.1
    score = np.where(
        exception & (usage > 0.5),
        rng.integers(0, 5, k),
        np.where(exception & (usage <= 0.5), rng.integers(9, 11, k), score),
    )
    return respondent, when, score


# polls ------------------------------------------------------------------------------------------
def write_polls(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "poll_responses")
    visitors = visitor_view(world)
    lo, hi = survey_window(visitors, world.span)
    span = world.span
    n_polls = len(catalog.POLLS)
    rows: list[Row] = []
    serial = 0
    for poll_number, poll in enumerate(catalog.POLLS):
        # each poll runs in its own part of the span
        poll_start = span.t0 + (span.t1 - span.t0) * poll_number // n_polls
        poll_end = span.t0 + (span.t1 - span.t0) * (poll_number + 1) // n_polls
        open_from = np.maximum(lo, poll_start)
        open_until = np.minimum(hi, poll_end)
        respondent = np.nonzero((open_until - open_from > 3600) & (rng.random(len(lo)) < 0.18))[0]
        when = (
            open_from[respondent]
            + rng.random(len(respondent)) * (open_until[respondent] - open_from[respondent])
        ).astype(np.int64)
        order = np.argsort(when, kind="stable")
        respondent, when = respondent[order], when[order]
        weights = np.linspace(1.6, 0.6, len(poll.answers))
        pick = rng.choice(len(poll.answers), len(respondent), p=weights / weights.sum())
        stamp = timestamp_texts(when, rng, visitors.offset[respondent])
        blank = rng.random(len(respondent)) < 0.05
        for i in range(len(respondent)):
            serial += 1
            rows.append(
                [
                    f"poll_{serial:07d}",
                    poll.poll_id,
                    poll.question,
                    world.visitor_ids[respondent[i]],
                    None if blank[i] else world.account_ids[visitors.account[respondent[i]]],
                    poll.answers[pick[i]],
                    stamp[i],
                ]
            )
    v = len(lo)

    def template(r: np.random.Generator, serial: int) -> Row:
        poll = catalog.POLLS[int(r.integers(0, n_polls))]
        visitor = int(r.integers(0, v))
        t = int(span.t0 + r.random() * (span.t1 - span.t0))
        return [
            f"poll_{FRESH_ID_BASE * 10 + serial:07d}",
            poll.poll_id,
            poll.question,
            world.visitor_ids[visitor],
            world.account_ids[visitors.account[visitor]],
            poll.answers[0],
            timestamp_texts([t], r, [visitors.offset[visitor]])[0],
        ]

    return write_small_table(out_dir, world, "poll_responses", rows, template)
