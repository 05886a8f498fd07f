"""Support tickets and CRM activities."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pulse import catalog
from pulse.generator.arrow_text import timestamp_texts
from pulse.generator.common import DAY, NEVER, Counts, Row
from pulse.generator.dirty import FRESH_ID_BASE
from pulse.generator.small_tables import table_stream, write_small_table
from pulse.generator.vocabulary import CRM_TYPE_WEIGHTS
from pulse.generator.world import World


# support tickets --------------------------------------------------------------------------------
def write_tickets(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "support_tickets")
    span = world.span
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("acct", "vis", "opened", "fixed", "status", "prio", "offset")
    }
    for block_index, block in enumerate(world.blocks):
        h = block.health
        lo = np.maximum(block.created, span.t0)
        hi = np.minimum(block.churn, span.t1)
        ok = hi - lo >= 3600
        months = np.maximum(hi - lo, 0) / (30 * DAY)
        lam = months * (0.25 + 2.2 * (1 - h) ** 2) * np.sqrt(block.seats / 10)
        n_base = np.where(ok, rng.poisson(lam), 0)
        # struggling and stalled accounts: a burst of recent tickets
        recent_lam = np.where((block.stalled_from < NEVER) | (h < 0.35), 1.5 + 3 * (1 - h), 0.2)
        n_recent = np.where(ok & (hi > span.t1 - 21 * DAY), rng.poisson(recent_lam), 0)
        ab = np.repeat(np.arange(block.n), n_base)
        ar = np.repeat(np.arange(block.n), n_recent)
        acct = np.concatenate([ab, ar])
        opened = np.concatenate(
            [
                lo[ab] + rng.random(len(ab)) * (hi[ab] - lo[ab]),
                np.maximum(lo[ar], hi[ar] - rng.random(len(ar)) * 21 * DAY),
            ]
        ).astype(np.int64)
        order = np.lexsort((opened, acct))
        acct, opened = acct[order], opened[order]
        k = len(acct)
        hh = h[acct]
        urgent = 0.03 + 0.1 * (1 - hh)
        high = 0.12 + 0.12 * (1 - hh)
        low = 0.05 + 0.3 * hh
        u = rng.random(k)
        prio = (u >= low).astype(np.int64) + (u >= 1 - high - urgent) + (u >= 1 - urgent)
        mean_fix = (1 + 14 * (1 - hh) ** 2) * DAY * np.array([1.6, 1.0, 0.7, 0.4])[prio]
        fixed = (opened + rng.exponential(1.0, k) * mean_fix).astype(np.int64)
        done = (fixed < span.t1) & (rng.random(k) < 0.96)
        closed = done & (span.t1 - fixed > 7 * DAY) & (rng.random(k) < 0.7)
        pending = rng.random(k) < 0.35
        # status codes follow catalog.TICKET_STATUSES: open, pending, resolved, closed
        status = np.where(done, np.where(closed, 3, 2), np.where(pending, 1, 0))
        vis = (
            world.global_visitor_starts[block_index]
            + block.first_visitor[acct]
            + rng.integers(0, block.n_visitors[acct])
        )
        vis = np.where(rng.random(k) < 0.8, vis, -1)
        for key, value in (
            ("acct", block.first + acct),
            ("vis", vis),
            ("opened", opened),
            ("fixed", np.where(done, fixed, -1)),
            ("status", status),
            ("prio", prio),
            ("offset", block.offset[acct]),
        ):
            parts[key].append(value)
    t = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in parts.items()}
    opened_txt = timestamp_texts(t["opened"], rng, t["offset"])
    fixed_txt = timestamp_texts(np.maximum(t["fixed"], 0), rng, t["offset"])
    rows: list[Row] = []
    for j in range(len(t["acct"])):
        vis_j = int(t["vis"][j])
        rows.append(
            [
                f"tkt_{j + 1:07d}",
                world.account_ids[t["acct"][j]],
                world.visitor_ids[vis_j] if vis_j >= 0 else None,
                opened_txt[j],
                fixed_txt[j] if t["fixed"][j] >= 0 else None,
                catalog.TICKET_STATUSES[t["status"][j]],
                catalog.TICKET_PRIORITIES[t["prio"][j]],
            ]
        )

    def template(r: np.random.Generator, serial: int) -> Row:
        ai = int(r.integers(0, world.n_accounts))
        opened = int(span.t0 + r.random() * (span.t1 - span.t0))
        fixed = opened + 3 * DAY
        is_fixed = fixed < span.t1
        return [
            f"tkt_{FRESH_ID_BASE * 10 + serial:07d}",
            world.account_ids[ai],
            None,
            timestamp_texts([opened], r, [0])[0],
            timestamp_texts([fixed], r, [0])[0] if is_fixed else None,
            "resolved" if is_fixed else "open",
            "normal",
        ]

    return write_small_table(out_dir, world, "support_tickets", rows, template)


def write_crm(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "crm_activities")
    span = world.span
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("acct", "when", "type", "senti", "off")}
    for block in world.blocks:
        h = block.health
        lo = np.maximum(block.created, span.t0)
        hi = np.minimum(np.where(block.churn < NEVER, block.churn + 7 * DAY, NEVER), span.t1)
        hi = np.where(block.neglected, np.minimum(hi, block.last_touch), hi)
        ok = hi - lo >= 3600
        months = np.maximum(hi - lo, 0) / (30 * DAY)
        enterprise = block.tier == 3
        lam = months * (0.6 + 1.8 * h + 1.5 * enterprise + 0.6 * (block.tier == 2))
        lam = np.where(block.neglected, lam * 0.3, lam)
        n_base = np.where(ok, rng.poisson(lam), 0)
        # looked-after accounts had a touchpoint in the last three weeks
        recent = ok & (~block.neglected) & (block.churn == NEVER) & (rng.random(block.n) < 0.7)
        ab = np.repeat(np.arange(block.n), n_base)
        ar = np.nonzero(recent)[0]
        acct = np.concatenate([ab, ar])
        when = np.concatenate(
            [
                lo[ab] + rng.random(len(ab)) * (hi[ab] - lo[ab]),
                np.maximum(lo[ar], span.t1 - rng.uniform(1, 20, len(ar)) * DAY),
            ]
        ).astype(np.int64)
        order = np.lexsort((when, acct))
        acct, when = acct[order], when[order]
        k = len(acct)
        ent = enterprise[acct][:, None]
        tp = CRM_TYPE_WEIGHTS[None, :] * np.where(
            np.arange(5)[None, :] == 3,
            1 + 2 * ent,
            np.where(np.arange(5)[None, :] == 4, 1 + ent, 1),
        )
        cum = np.cumsum(tp / tp.sum(axis=1, keepdims=True), axis=1)
        types = (rng.random(k)[:, None] > cum[:, :4]).sum(axis=1)
        hh = h[acct]
        pos = 0.15 + 0.65 * hh
        neg = 0.05 + 0.45 * (1 - hh) ** 2
        u = rng.random(k)
        senti = np.where(u < pos, 0, np.where(u < 1 - neg, 1, 2))
        for key, value in (
            ("acct", block.first + acct),
            ("when", when),
            ("type", types),
            ("senti", senti),
            ("off", block.offset[acct]),
        ):
            parts[key].append(value)
    t = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in parts.items()}
    when_txt = timestamp_texts(t["when"], rng, t["off"])
    rows: list[Row] = [
        [
            f"crm_{j + 1:07d}",
            world.account_ids[t["acct"][j]],
            catalog.CRM_ACTIVITY_TYPES[t["type"][j]],
            when_txt[j],
            catalog.SENTIMENTS[t["senti"][j]],
        ]
        for j in range(len(t["acct"]))
    ]

    def template(r: np.random.Generator, serial: int) -> Row:
        ai = int(r.integers(0, world.n_accounts))
        when = int(span.t0 + r.random() * (span.t1 - span.t0))
        return [
            f"crm_{FRESH_ID_BASE * 10 + serial:07d}",
            world.account_ids[ai],
            "call",
            timestamp_texts([when], r, [0])[0],
            "neutral",
        ]

    return write_small_table(out_dir, world, "crm_activities", rows, template)
