"""The world of one run: the selected blocks, ids and positions of every account and visitor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np

from pulse.errors import PulseError
from pulse.generator.activity import expected_events
from pulse.generator.common import MAX_ACCOUNTS, Span, make_span
from pulse.generator.plan import AccountBlock, block_size, plan_block


@dataclass
class World:
    """Everything the table writers need: the selected account blocks in output order."""

    span: Span
    seed: int
    fmt: str
    rate: float
    blocks: list[AccountBlock]
    account_ids: list[str]
    visitor_ids: list[str]
    global_visitor_starts: list[int]  # global index of each block's first visitor
    position: dict[int, int]  # plan account number -> position in the output

    @property
    def n_accounts(self) -> int:
        return len(self.account_ids)

    def accounts(self) -> Iterator[tuple[AccountBlock, int]]:
        for block in self.blocks:
            for i in range(block.n):
                yield block, i


def plan_world(
    seed: int,
    days: int,
    end_date: date,
    fmt: str,
    rate: float,
    accounts: int,
    events: int | None,
) -> World:
    """Plan the accounts of a run: the first `accounts`, or (`events` given) as many as give
    about that many event rows."""
    span = make_span(end_date, days)
    size = block_size(days)
    if events is None:
        blocks = plan_blocks_for_accounts(seed, span, size, accounts)
    else:
        blocks = []
        plan_blocks_for_events(seed, span, size, events, rate, blocks)
    return make_world(span, seed, fmt, rate, blocks)


def plan_blocks_for_accounts(seed: int, span: Span, size: int, accounts: int) -> list[AccountBlock]:
    """The blocks of the first `accounts` accounts of the plan."""
    blocks = []
    for block_index in range((accounts + size - 1) // size):
        block = plan_block(seed, block_index, size, span)
        block = block.select(np.arange(block.n) < accounts - block_index * size)
        block.expected = expected_events(block, span)
        blocks.append(block)
    return blocks


def plan_blocks_for_events(
    seed: int, span: Span, size: int, events: int, rate: float, blocks: list[AccountBlock]
) -> int:
    """Choose accounts (in plan order) until the expected event rows reach `events`.

    An account that would overshoot the target is skipped, so the total lands close to the
    target even when single accounts are large. Fills `blocks`; returns the number of accounts.
    """
    target = events / (1 + 2 * rate)  # duplicates (rate) and bad rows (about rate) come on top
    ceiling = target * 1.03
    expected_total = 0.0
    chosen = 0
    block_index = 0
    while expected_total < 0.985 * target:
        if block_index * size >= MAX_ACCOUNTS:
            if chosen:
                break
            raise PulseError(f"events={events:,} needs more than {MAX_ACCOUNTS:,} accounts")
        if chosen == 0 and block_index * size >= 4096:
            # no single account is small enough: take the first one
            block = plan_block(seed, 0, size, span)
            block = block.select(np.arange(block.n) == 0)
            block.expected = expected_events(block, span)
            blocks.append(block)
            return 1
        block = plan_block(seed, block_index, size, span)
        expected = expected_events(block, span)
        keep = np.zeros(block.n, dtype=bool)
        for i in range(block.n):
            if expected_total >= 0.985 * target:
                break
            if expected_total + expected[i] <= ceiling:
                keep[i] = True
                expected_total += float(expected[i])
        if keep.any():
            block = block.select(keep)
            block.expected = expected[keep]
            blocks.append(block)
            chosen += int(keep.sum())
        block_index += 1
    return chosen


def make_world(span: Span, seed: int, fmt: str, rate: float, blocks: list[AccountBlock]) -> World:
    """Number the selected accounts and visitors in output order (ids derive from the plan)."""
    account_ids: list[str] = []
    visitor_ids: list[str] = []
    global_visitor_starts: list[int] = []
    position: dict[int, int] = {}
    for block in blocks:
        block.first = len(account_ids)
        global_visitor_starts.append(len(visitor_ids))
        plan = block.plan_index.tolist()
        for i, p in enumerate(plan):
            position[p] = block.first + i
        account_ids.extend(f"acc_{p + 1:06d}" for p in plan)
        visitor_ids.extend(
            f"vis_{plan[a] + 1:06d}_{k + 1:03d}"
            for a, k in zip(
                block.visitor_account.tolist(), block.visitor_number.tolist(), strict=True
            )
        )
    return World(
        span, seed, fmt, rate, blocks, account_ids, visitor_ids, global_visitor_starts, position
    )
