"""The small tables (everything but events): the shared writer of clean + dirty rows, and
accounts, visitors, features and renewals."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from pulse import catalog
from pulse.generator.arrow_text import arrow_strings, timestamp_texts
from pulse.generator.common import (
    DAY as DAY_SECONDS,
)
from pulse.generator.common import (
    NEVER,
    STREAM_DIRT,
    STREAM_EXTRA_COLUMN,
    STREAM_TABLE,
    Counts,
    Row,
    random_stream,
)
from pulse.generator.csv_text import csv_field
from pulse.generator.dirty import (
    FRESH_ID_BASE,
    UNPARSEABLE_LINE,
    applicable_kinds,
    bad_row_counts,
    break_row,
    unparseable_line,
)
from pulse.generator.raw_tables import COLUMNS, TABLES
from pulse.generator.vocabulary import BOOL_TEXTS, CSM_OWNERS, INDUSTRIES, REGIONS, SIGNUP_SOURCES
from pulse.generator.world import World
from pulse.generator.writers import open_writer


def write_small_table(
    out_dir: Path,
    world: World,
    table: str,
    rows: list[Row],
    make_template: Callable[[np.random.Generator, int], Row],
    columns: Sequence[str] | None = None,
    eol: str = "\n",
    bom: bool = False,
    extra_column: tuple[str, Callable[[np.random.Generator, int], list[str | None]]] | None = None,
) -> tuple[Counts, str]:
    """Write a small table: clean rows + its bad rows (fresh ids) + raw unparseable lines."""
    contract = COLUMNS[table]
    column_at = {c: i for i, c in enumerate(contract)}
    # the output columns (a different order is a dirty-run feature) and their contract index
    out_cols = tuple(columns) if columns is not None else contract
    order = [column_at[c] for c in out_cols]
    header = list(out_cols)
    extra_name = None
    if extra_column is not None:
        extra_name, make_extra = extra_column
        header.append(extra_name)
    rng = random_stream(world.seed, STREAM_DIRT, TABLES.index(table))
    counts = Counts(clean=len(rows))
    bad_rows, raw = _bad_rows(
        rng, world, table, len(rows), make_template, order, extra_name is not None, eol, counts
    )
    all_rows, raw_after = _mix_in(rng, rows, bad_rows, raw)
    writer = open_writer(out_dir, table, header, world.fmt, eol=eol, bom=bom)
    try:
        arrays = [arrow_strings([r[i] for r in all_rows]) for i in order]
        if extra_column is not None:
            extra_rng = random_stream(world.seed, STREAM_EXTRA_COLUMN, TABLES.index(table))
            arrays.append(arrow_strings(make_extra(extra_rng, len(all_rows))))
        writer.write_columns(arrays, raw_after=raw_after)
    finally:
        writer.close()
    return counts, writer.file_name


def _bad_rows(
    rng: np.random.Generator,
    world: World,
    table: str,
    n_clean: int,
    make_template: Callable[[np.random.Generator, int], Row],
    order: list[int],
    has_extra_column: bool,
    eol: str,
    counts: Counts,
) -> tuple[list[Row], list[bytes]]:
    """The table's bad rows (fresh copies of clean ones, each broken one way) and its
    unparseable raw lines; counts them by reason."""
    column_at = {c: i for i, c in enumerate(COLUMNS[table])}
    kinds = applicable_kinds(table, world.fmt)
    bad_rows: list[Row] = []
    raw: list[bytes] = []
    serial = 0
    for kind, count in bad_row_counts(world.rate, n_clean, kinds).items():
        for nth in range(count):
            row = make_template(rng, serial)
            serial += 1
            break_row(table, kind, row, column_at, nth)
            if kind == UNPARSEABLE_LINE:
                fields = [csv_field(row[i]) for i in order]
                if has_extra_column:
                    fields.append(SIGNUP_SOURCES[0])
                variant = nth + TABLES.index(table)  # vary the kind of broken line
                raw.append(unparseable_line(fields, variant, eol))
            else:
                bad_rows.append(row)
        counts.bad[kind] = count
    return bad_rows, raw


def _mix_in(
    rng: np.random.Generator, rows: list[Row], bad_rows: list[Row], raw: list[bytes]
) -> tuple[list[Row], dict[int, list[bytes]]]:
    """Bad rows at random positions between the clean ones; raw lines after random rows
    (not among the first lines: CSV sniffing)."""
    positions = np.sort(rng.integers(0, len(rows) + 1, len(bad_rows))).tolist()
    all_rows: list[Row] = []
    prev = 0
    for pos, row in zip(positions, bad_rows, strict=True):
        all_rows.extend(rows[prev:pos])
        all_rows.append(row)
        prev = pos
    all_rows.extend(rows[prev:])
    lo = min(10, len(all_rows))
    raw_after: dict[int, list[bytes]] = {}
    for line in raw:
        raw_after.setdefault(int(rng.integers(lo, len(all_rows) + 1)), []).append(line)
    return all_rows, raw_after


def money_text(x: float, mode: int) -> str | None:
    """An amount: 0 whole dollars, 1 with cents, 2 empty."""
    if mode == 2:
        return None
    return f"{x:.2f}" if mode == 1 else str(round(x))


def tier_text(tier: int, variant: int) -> str:
    """A plan tier, spelled one of five ways (case, stray spaces)."""
    name = catalog.PLAN_TIERS[tier].plan_tier
    return (name, name.title(), name.upper() + " ", " " + name, name.title() + " ")[variant]


def seats_text(seats: int, mode: int) -> str | None:
    return (str(seats), None, "0")[mode]


def table_stream(world: World, table: str) -> np.random.Generator:
    """The random stream of a small table's clean rows."""
    return random_stream(world.seed, STREAM_TABLE, TABLES.index(table))


# accounts ---------------------------------------------------------------------------------------
def write_accounts(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "accounts")
    blocks = world.blocks
    created = np.concatenate([block.created for block in blocks])
    churn = np.concatenate([block.churn for block in blocks])
    offset = np.concatenate([block.offset for block in blocks])
    created_text = timestamp_texts(created, rng, offset)
    churn_text = timestamp_texts(np.minimum(churn, world.span.t1), rng, offset)
    no_csm = rng.random(len(created)) < 0.03
    no_renewal_date = rng.random(len(created)) < 0.04
    rows: list[Row] = []
    for block, i in world.accounts():
        position = block.first + i
        parent = world.position.get(int(block.parent[i]), -1)
        next_renewal = block.renewal_next[i]
        rows.append(
            [
                world.account_ids[position],
                block.names[i],
                world.account_ids[parent] if parent >= 0 else None,
                tier_text(int(block.tier[i]), int(block.tier_variant[i])),
                money_text(float(block.arr_now[i]), int(block.arr_mode[i])),
                seats_text(int(block.seats[i]), int(block.seats_mode[i])),
                INDUSTRIES[block.industry[i]],
                REGIONS[block.region[i]],
                None if no_csm[position] else CSM_OWNERS[block.csm[i]],
                created_text[position],
                next_renewal.isoformat()
                if next_renewal is not None and not no_renewal_date[position]
                else None,
                churn_text[position] if churn[position] < NEVER else None,
            ]
        )

    def template(r: np.random.Generator, serial: int) -> Row:
        row = list(rows[int(r.integers(0, len(rows)))])
        row[0] = f"acc_{FRESH_ID_BASE + serial:06d}"
        row[2] = None
        return row

    eol = "\r\n" if world.rate > 0 else "\n"
    return write_small_table(out_dir, world, "accounts", rows, template, eol=eol)


# visitors ---------------------------------------------------------------------------------------
def write_visitors(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "visitors")
    rows: list[Row] = []
    for block_index, block in enumerate(world.blocks):
        first_visitor = world.global_visitor_starts[block_index]
        created = timestamp_texts(block.visitor_start, rng, block.visitor_offset)
        blank = rng.random(len(block.visitor_account)) < 0.03
        for j in range(len(block.visitor_account)):
            rows.append(
                [
                    world.visitor_ids[first_visitor + j],
                    world.account_ids[block.first + int(block.visitor_account[j])],
                    block.visitor_email[j],
                    catalog.ROLES[block.visitor_role[j]],
                    None if blank[j] else created[j],
                ]
            )

    def template(r: np.random.Generator, serial: int) -> Row:
        row = list(rows[int(r.integers(0, len(rows)))])
        row[0] = f"vis_{FRESH_ID_BASE + serial:06d}_001"
        row[2] = f"new.user{serial}@example.com"
        return row

    if world.rate > 0:
        order = ("email", "visitor_id", "role", "created_at", "account_id")

        def extra(r: np.random.Generator, n: int) -> list[str | None]:
            pick = r.integers(0, len(SIGNUP_SOURCES), n)
            return [SIGNUP_SOURCES[p] for p in pick.tolist()]

        return write_small_table(
            out_dir,
            world,
            "visitors",
            rows,
            template,
            columns=order,
            extra_column=("signup_source", extra),
        )
    return write_small_table(out_dir, world, "visitors", rows, template)


# features ---------------------------------------------------------------------------------------


def track_event_slug(feature_name: str) -> str:
    """The Segment track slug of a click on a feature: `Export report` -> export_report_clicked."""
    return re.sub("[^a-z0-9]+", "_", feature_name.lower()) + "_clicked"


def write_features(out_dir: Path, world: World) -> tuple[Counts, str]:
    rows: list[Row] = [
        [
            f.feature_id,
            f.feature_name,
            f.product_area,
            BOOL_TEXTS[f.is_core_event][i % 3],
            # the optional product column, spelled as people do (case varies)
            product.title() if i % 4 == 1 else product,
            # every second feature is tracked in Segment under a slug of its own
            track_event_slug(f.feature_name) if i % 2 == 1 else None,
        ]
        for i, f in enumerate(catalog.FEATURES)
        for product in (catalog.AREA_PRODUCTS[f.product_area],)
    ]

    def template(r: np.random.Generator, serial: int) -> Row:
        area = catalog.PRODUCT_AREAS[int(r.integers(0, len(catalog.PRODUCT_AREAS)))]
        return [
            f"legacy_widget_{serial + 1}",
            f"Legacy widget {serial + 1}",
            area,
            "false",
            catalog.AREA_PRODUCTS[area],
            None,
        ]

    return write_small_table(out_dir, world, "features", rows, template)


# renewals ---------------------------------------------------------------------------------------
def write_renewals(out_dir: Path, world: World) -> tuple[Counts, str]:
    rng = table_stream(world, "renewals")
    rows: list[Row] = []
    taken: set[tuple[int, date]] = set()
    for block, i in world.accounts():
        for ren in block.renewals[i]:
            mode = int(rng.integers(0, 6) == 0)
            rows.append(
                [
                    world.account_ids[block.first + i],
                    ren.renewal_date.isoformat(),
                    ren.outcome,
                    money_text(ren.arr_before, mode),
                    money_text(ren.arr_after, mode),
                ]
            )
            taken.add((block.first + i, ren.renewal_date))
    span = world.span

    def template(r: np.random.Generator, serial: int) -> Row:
        for attempt in range(1000):
            ai = int(r.integers(0, world.n_accounts))
            day = span.start + timedelta(days=int(r.integers(0, span.days)))
            if attempt > 100:  # tiny runs: a day after the span is free
                day = span.end + timedelta(days=attempt)
            if (ai, day) not in taken:
                break
        taken.add((ai, day))
        arr = round(float(r.uniform(5_000, 90_000)), -2)
        return [
            world.account_ids[ai],
            day.isoformat(),
            "renewed",
            money_text(arr, 0),
            money_text(arr, 0),
        ]

    return write_small_table(out_dir, world, "renewals", rows, template)


# subscriptions ----------------------------------------------------------------------------------
def write_subscriptions(out_dir: Path, world: World) -> tuple[Counts, str]:
    """The optional subscriptions table: of every three accounts, one has no row (it is one
    account-wide subscription), one subscribes to the main product only and one to both
    products (the second from a few weeks after its creation, unless the data ends or the
    account churns before; a fifth of those end it early). A churned account's subscriptions
    end when it churns."""
    rng = table_stream(world, "subscriptions")
    main, second = catalog.PRODUCTS
    rows: list[Row] = []
    for block, i in world.accounts():
        position = block.first + i
        if position % 3 == 0:
            continue
        account_id = world.account_ids[position]
        created = int(block.created[i])
        churn = int(block.churn[i])
        ended = churn if churn < min(NEVER, world.span.t1) else None
        seats = int(block.seats[i])
        arr = float(block.arr_now[i])
        tier = tier_text(int(block.tier[i]), int(block.tier_variant[i]))
        offset = [int(block.offset[i])]
        both = position % 3 == 2
        starts = [created]
        ends = [ended]
        if both:
            start = created + int(rng.integers(7, 60)) * DAY_SECONDS
            end = ended
            if rng.random() < 0.2:
                latest = max(start + 2 * DAY_SECONDS, world.span.t1)
                end = int(rng.integers(start + DAY_SECONDS, latest))
                end = end if ended is None else min(end, ended)
            # no second subscription that would start after the data ends or the account churns
            if start < world.span.t1 - DAY_SECONDS and (end is None or end > start):
                starts.append(start)
                ends.append(end)
        for n, (product, start, end) in enumerate(zip((main, second), starts, ends, strict=False)):
            share = (0.7 if n == 0 else 0.3) if len(starts) == 2 else 1.0
            rows.append(
                [
                    f"sub_{position:06d}_{n + 1}",
                    account_id,
                    product.title() if position % 5 == 0 else product,
                    tier,
                    str(max(1, seats // 2) if n == 1 else seats),
                    money_text(round(arr * share, 2), 1),
                    timestamp_texts([start], rng, offset)[0],
                    None
                    if end is None or end >= world.span.t1
                    else timestamp_texts([end], rng, offset)[0],
                ]
            )

    def template(r: np.random.Generator, serial: int) -> Row:
        row = list(rows[int(r.integers(0, len(rows)))])
        row[0] = f"sub_{FRESH_ID_BASE + serial:06d}_1"
        return row

    return write_small_table(out_dir, world, "subscriptions", rows, template)
