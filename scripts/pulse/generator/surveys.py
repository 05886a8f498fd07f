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

    acct: np.ndarray  # global account index
    persona: np.ndarray
    role: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    health: np.ndarray
    churn: np.ndarray
    offset: np.ndarray


def visitor_view(world: World) -> VisitorView:
    parts: dict[str, list[np.ndarray]] = {k: [] for k in VisitorView.__dataclass_fields__}
    for block in world.blocks:
        a = block.visitor_account
        parts["acct"].append(block.first + a)
        parts["persona"].append(block.visitor_persona)
        parts["role"].append(block.visitor_role)
        parts["start"].append(block.visitor_start)
        parts["stop"].append(block.visitor_stop)
        parts["health"].append(block.health[a])
        parts["churn"].append(block.churn[a])
        parts["offset"].append(block.visitor_offset)
    return VisitorView(**{k: np.concatenate(v) for k, v in parts.items()})


def survey_window(vv: VisitorView, span: Span) -> tuple[np.ndarray, np.ndarray]:
    """When each visitor can answer a survey: [lo, hi) (hi <= lo: never)."""
    lo = np.maximum(vv.start, span.t0)
    hi = np.minimum(np.minimum(vv.stop + 14 * DAY, vv.churn), span.t1)
    return lo, hi


def write_nps(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "nps_responses")
    vv = visitor_view(world)
    lo, hi = survey_window(vv, world.span)
    v = len(vv.acct)
    answers = np.where(
        (rng.random(v) < 0.35) & (hi - lo > 3600),
        1 + (rng.random(v) < 0.25) + (rng.random(v) < 0.06),
        0,
    )
    who = np.repeat(np.arange(v), answers)
    k = len(who)
    when = (lo[who] + rng.random(k) * (hi[who] - lo[who])).astype(np.int64)
    order = np.lexsort((who, when))
    who, when = who[order], when[order]
    usage = PERSONA_USAGE_LEVEL[vv.persona[who]] * (0.55 + 0.45 * vv.health[who])
    score = np.clip(np.round(rng.normal(3.6 + 7.5 * usage, 1.3)), 0, 10).astype(np.int64)
    exception = rng.random(k) < 0.1
    score = np.where(
        exception & (usage > 0.5),
        rng.integers(0, 5, k),
        np.where(exception & (usage <= 0.5), rng.integers(9, 11, k), score),
    )
    stamp = timestamp_texts(when, rng, vv.offset[who])
    comment_u = rng.random(k)
    comment_pick = rng.integers(0, 100, k)
    acct_blank = rng.random(k) < 0.08
    rows: list[Row] = []
    for i in range(k):
        s = int(score[i])
        group = "promoter" if s >= 9 else "passive" if s >= 7 else "detractor"
        pool = NPS_COMMENTS[group]
        comment = None if comment_u[i] < 0.55 else pool[comment_pick[i] % len(pool)]
        rows.append(
            [
                f"nps_{i + 1:07d}",
                world.visitor_ids[who[i]],
                None if acct_blank[i] else world.account_ids[vv.acct[who[i]]],
                str(s),
                comment,
                stamp[i],
            ]
        )
    if world.rate > 0 and rows:
        rows[min(len(rows) - 1, 5)][4] = TRICKY_COMMENT

    def template(r: np.random.Generator, serial: int) -> Row:
        vi = int(r.integers(0, v))
        t = int(world.span.t0 + r.random() * (world.span.t1 - world.span.t0))
        return [
            f"nps_{FRESH_ID_BASE * 10 + serial:07d}",
            world.visitor_ids[vi],
            world.account_ids[vv.acct[vi]],
            str(int(r.integers(0, 11))),
            None,
            timestamp_texts([t], r, [vv.offset[vi]])[0],
        ]

    eol = "\r\n" if world.rate > 0 else "\n"
    return write_small_table(
        out_dir, world, "nps_responses", rows, template, eol=eol, bom=world.rate > 0
    )


# polls ------------------------------------------------------------------------------------------
def write_polls(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "poll_responses")
    vv = visitor_view(world)
    lo, hi = survey_window(vv, world.span)
    span = world.span
    n_polls = len(catalog.POLLS)
    rows: list[Row] = []
    serial = 0
    for p, poll in enumerate(catalog.POLLS):
        w0 = span.t0 + (span.t1 - span.t0) * p // n_polls
        w1 = span.t0 + (span.t1 - span.t0) * (p + 1) // n_polls
        a = np.maximum(lo, w0)
        b = np.minimum(hi, w1)
        who = np.nonzero((b - a > 3600) & (rng.random(len(lo)) < 0.18))[0]
        when = (a[who] + rng.random(len(who)) * (b[who] - a[who])).astype(np.int64)
        order = np.argsort(when, kind="stable")
        who, when = who[order], when[order]
        weights = np.linspace(1.6, 0.6, len(poll.answers))
        pick = rng.choice(len(poll.answers), len(who), p=weights / weights.sum())
        stamp = timestamp_texts(when, rng, vv.offset[who])
        blank = rng.random(len(who)) < 0.05
        for i in range(len(who)):
            serial += 1
            rows.append(
                [
                    f"poll_{serial:07d}",
                    poll.poll_id,
                    poll.question,
                    world.visitor_ids[who[i]],
                    None if blank[i] else world.account_ids[vv.acct[who[i]]],
                    poll.answers[pick[i]],
                    stamp[i],
                ]
            )
    v = len(lo)

    def template(r: np.random.Generator, s: int) -> Row:
        poll = catalog.POLLS[int(r.integers(0, n_polls))]
        vi = int(r.integers(0, v))
        t = int(span.t0 + r.random() * (span.t1 - span.t0))
        return [
            f"poll_{FRESH_ID_BASE * 10 + s:07d}",
            poll.poll_id,
            poll.question,
            world.visitor_ids[vi],
            world.account_ids[vv.acct[vi]],
            poll.answers[0],
            timestamp_texts([t], r, [vv.offset[vi]])[0],
        ]

    return write_small_table(out_dir, world, "poll_responses", rows, template)
