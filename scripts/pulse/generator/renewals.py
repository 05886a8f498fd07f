"""Contract renewals of the planned accounts (every contract term, churn at a renewal)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from pulse.generator.common import DAY, NEVER, Span
from pulse.generator.vocabulary import CONTRACT_TERMS

EPOCH = date(1970, 1, 1)


@dataclass
class Renewal:
    renewal_date: date
    outcome: str
    arr_before: float
    arr_after: float


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, min(d.day, calendar.monthrange(d.year + y, m + 1)[1]))


def plan_renewals(
    rng: np.random.Generator,
    tier: np.ndarray,
    created: np.ndarray,
    health: np.ndarray,
    arr_start: np.ndarray,
    span: Span,
    first_visitor: np.ndarray,
    visitor_start: np.ndarray,
    visitor_stop: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[list[Renewal]], list[date | None]]:
    """Renewals inside the span, every contract term after `created`: (churn time, current ARR,
    renewals, next renewal date) per account. Churn happens at a renewal, with a chance that
    falls with health (per term: a monthly contract has twelve chances a year to be cancelled,
    each smaller); expansions and contractions likewise. An account where nobody uses the
    product any more (all its visitors stopped) rarely renews. Usage fades before a churn
    (`activity_chances`)."""
    n = len(tier)
    u_term = rng.random(n)
    term = np.zeros(n, dtype=np.int64)
    for t, (months, p_first) in enumerate(CONTRACT_TERMS):
        term = np.where(tier == t, np.where(u_term < p_first, months[0], months[-1]), term)
    slots = span.days // 28 + 2  # at most one renewal every 28 days
    u_outcome = rng.random((n, slots))
    u_factor = rng.random((n, slots))
    u_hour = rng.random((n, slots))
    # chance per annual renewal; a term of m months takes (m / 12) ** 0.3 of it
    p_churn_year = 0.005 + 0.95 / (1 + np.exp((health - 0.42) / 0.07))
    p_contract_year = np.clip(0.5 - 0.6 * health, 0.04, 0.35)
    p_expand_year = np.clip(1.2 * health - 0.35, 0.03, 0.5)
    share = (term / 12) ** 0.3
    churn = np.full(n, NEVER, dtype=np.int64)
    arr_now = arr_start.copy()
    renewals: list[list[Renewal]] = []
    renewal_next: list[date | None] = []
    for i in range(n):
        users = slice(int(first_visitor[i]), int(first_visitor[i + 1]) if i + 1 < n else None)
        account = _AccountTerms(
            created_day=EPOCH + timedelta(days=int(created[i] // DAY)),
            term=int(term[i]),
            arr=float(arr_start[i]),
            p_churn=p_churn_year[i] * share[i],
            p_contract=p_contract_year[i] * share[i],
            p_expand=p_expand_year[i] * share[i],
            visitor_start=visitor_start[users],
            visitor_stop=visitor_stop[users],
        )
        rows, arr, churned_at, next_day = _account_renewals(
            account, span, u_outcome[i], u_factor[i], u_hour[i]
        )
        if churned_at is not None:
            churn[i] = churned_at
        arr_now[i] = arr
        renewals.append(rows)
        renewal_next.append(next_day)
    return churn, arr_now, renewals, renewal_next


@dataclass
class _AccountTerms:
    created_day: date
    term: int  # months
    arr: float  # ARR before the first renewal in the span
    p_churn: float  # chances per renewal (of this term)
    p_contract: float
    p_expand: float
    visitor_start: np.ndarray  # the account's visitors
    visitor_stop: np.ndarray


def _account_renewals(
    account: _AccountTerms,
    span: Span,
    u_outcome: np.ndarray,
    u_factor: np.ndarray,
    u_hour: np.ndarray,
) -> tuple[list[Renewal], float, int | None, date]:
    """One account's renewals in the span (the j-th uses the j-th draws): the renewals, the
    ARR after them, the churn time (None: no churn) and the next renewal date."""
    created_day, term = account.created_day, account.term
    # the first term that ends on or after the span start
    behind = (span.start.year - created_day.year) * 12 + span.start.month - created_day.month
    k = max(1, behind // term)
    while k > 1 and add_months(created_day, (k - 1) * term) >= span.start:
        k -= 1
    rows: list[Renewal] = []
    arr = account.arr
    while True:
        day = add_months(created_day, k * term)
        if day > span.end:
            break
        if day >= span.start:
            j = len(rows)
            u, factor = u_outcome[j], u_factor[j]
            p_churn = account.p_churn
            noon = (day - EPOCH).days * DAY + DAY // 2
            using = (account.visitor_start < noon) & (account.visitor_stop > noon)
            if not using.any():
                p_churn = max(p_churn, 0.85)
            if u < p_churn:
                rows.append(Renewal(day, "churned", arr, 0.0))
                t = (day - EPOCH).days * DAY + int((9 + 8 * u_hour[j]) * 3600)
                return rows, arr, min(t, span.t1 - 60), day
            if u < p_churn + account.p_contract:
                outcome, after = "contracted", round(arr * (0.5 + 0.4 * factor), -2)
            elif u > 1 - account.p_expand:
                outcome, after = "expanded", round(arr * (1.1 + 0.5 * factor), -2)
            else:
                outcome, after = "renewed", arr
            rows.append(Renewal(day, outcome, arr, after))
            arr = after
        k += 1
    return rows, arr, None, day
