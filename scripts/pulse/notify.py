"""`pulse notify`: each new trigger event posted as JSON to a webhook (Zapier / Make "catch
hook" style), at most once per idempotency key, nothing lost while the endpoint is down.

1. Which accounts and visitors are on each trigger list is the mart `rpt_trigger_states`;
   today's members are compared with the members of the last notify run (table
   `pulse_notifications.members`): every change is an event (pulse.triggers). The first run
   only sets that baseline.
2. New events are queued in `pulse_notifications.deliveries` (key: the idempotency key, the
   SHA-256 of event_type|account_id|visitor_id|as_of_date) together with the new baseline, in
   one transaction: an event is queued once, whatever happens next.
3. Every queued event not yet delivered is posted (its JSON, with the key also in the
   `Idempotency-Key` header), retried with exponential back-off on a refused connection, a
   timeout, 408, 429 or 5xx. A 2xx records `delivered_at` at once: it is never posted again.
   An event that still fails stays queued and is posted by the next run (exit 1 says how many
   wait); the remaining events wait behind it, in order.

The tables live in the build database (DuckDB file or PostgreSQL), so notify writes it and
runs under the build lock (`pulse run` runs it as its last step when PULSE_WEBHOOK_URL is set).
Standard library HTTP (urllib) only.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from pulse import paths, triggers, warehouse
from pulse.errors import PulseError, Refused

URL_ENV = "PULSE_WEBHOOK_URL"
SCHEMA = "pulse_notifications"
RETRY_STATUS = {408, 429}
USER_AGENT = "customer-pulse-notify/1"

DDL = [
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {SCHEMA}.baseline (
        set_at timestamp not null,
        as_of_date varchar not null
    )""",
    f"""create table if not exists {SCHEMA}.members (
        trigger_type varchar not null,
        subject_id varchar not null,
        account_id varchar not null,
        visitor_id varchar,
        as_of_date varchar not null,
        primary key (trigger_type, subject_id)
    )""",
    f"""create table if not exists {SCHEMA}.deliveries (
        idempotency_key varchar primary key,
        event_type varchar not null,
        account_id varchar not null,
        visitor_id varchar,
        as_of_date varchar not null,
        payload varchar not null,
        queued_at timestamp not null,
        attempts bigint not null,
        last_attempt_at timestamp,
        last_status bigint,
        last_error varchar,
        delivered_at timestamp
    )""",
]


@dataclass
class Settings:
    url: str
    retries: int = 3  # attempts after the first, per event and run
    backoff_s: float = 1.0  # waits backoff, 2 x backoff, 4 x backoff, ...
    timeout_s: float = 10.0


@dataclass
class Outcome:
    queued: int  # new events queued by this run
    delivered: int  # events delivered by this run (queued now or before)
    pending: int  # events still waiting (sent by a later run)
    baseline: bool  # this run only set the baseline
    error: str | None  # why the first waiting event could not be delivered


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def endpoint_label(url: str) -> str:
    """The URL without its path and query (a hook URL is a secret: never print it whole)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def webhook_url(given: str | None) -> str:
    url = (given or os.environ.get(URL_ENV) or "").strip()
    if not url:
        raise PulseError(f"no webhook URL: pass --webhook-url or set {URL_ENV}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PulseError(f"the webhook URL must be http(s)://host/..., got {url[:40]!r}")
    return url


# -- the warehouse side ---------------------------------------------------------------------------
class Store:
    """A read-write connection to the build database (under the build lock), autocommit."""

    def __init__(self, kind: str, con: Any) -> None:
        self.kind = kind
        self.con = con
        self.wh = warehouse.Warehouse(kind, con)

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        if self.kind == "duckdb":
            self.con.execute(sql, params or [])
        else:
            with self.con.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params or None)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        if self.kind == "duckdb":
            return self.con.execute(sql, params or []).fetchall()
        with self.con.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), params or None)
            return cur.fetchall()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("begin")
        try:
            yield
        except BaseException:
            self.execute("rollback")
            raise
        self.execute("commit")


@contextmanager
def open_store() -> Iterator[Store]:
    """The build database opened for writing (DuckDB file or PostgreSQL); closed at the end."""
    with warehouse.connect(read_only=False) as wh:
        yield Store(wh.kind, wh.con)


def _previous(store: Store) -> tuple[bool, set[triggers.Member]]:
    """Whether a baseline exists, and the members the last run saw."""
    has_baseline = bool(store.rows(f"select count(*) from {SCHEMA}.baseline")[0][0])
    rows = store.rows(f"select trigger_type, account_id, visitor_id from {SCHEMA}.members")
    members = {triggers.Member(str(t), str(a), None if v is None else str(v)) for t, a, v in rows}
    return has_baseline, members


def queue_events(store: Store, frame: pd.DataFrame, as_of: str) -> tuple[int, bool]:
    """Queue the events since the last run and move the baseline, in one transaction. The
    number of events queued, and whether this run only set the baseline."""
    for statement in DDL:
        store.execute(statement)
    current = triggers.current_members(frame)
    now = _now()
    detected_at = now.isoformat(timespec="seconds") + "Z"
    queued = 0
    with store.transaction():
        has_baseline, previous = _previous(store)
        events = triggers.diff(previous, current, as_of, detected_at) if has_baseline else []
        for event in events:
            before = store.rows(
                f"select count(*) from {SCHEMA}.deliveries where idempotency_key = ?",
                [event["idempotency_key"]],
            )[0][0]
            if before:
                continue  # the same change was queued before (and maybe delivered): once only
            store.execute(
                f"insert into {SCHEMA}.deliveries (idempotency_key, event_type, account_id, "
                "visitor_id, as_of_date, payload, queued_at, attempts) "
                "values (?, ?, ?, ?, ?, ?, ?, 0)",
                [
                    event["idempotency_key"],
                    event["event_type"],
                    event["account_id"],
                    event["visitor_id"],
                    as_of,
                    json.dumps(payload(event), sort_keys=True),
                    now,
                ],
            )
            queued += 1
        store.execute(f"delete from {SCHEMA}.members")
        for member in sorted(current, key=lambda m: m.key):
            store.execute(
                f"insert into {SCHEMA}.members values (?, ?, ?, ?, ?)",
                [
                    member.trigger_type,
                    member.subject_id,
                    member.account_id,
                    member.visitor_id,
                    as_of,
                ],
            )
        store.execute(f"delete from {SCHEMA}.baseline")
        store.execute(f"insert into {SCHEMA}.baseline values (?, ?)", [now, as_of])
    return queued, not has_baseline


def payload(event: dict[str, Any]) -> dict[str, Any]:
    """The JSON object posted for one event."""
    keys = (
        "idempotency_key",
        "event_type",
        "trigger_type",
        "subject_type",
        "account_id",
        "visitor_id",
        "as_of_date",
        "detected_at",
        "values",
    )
    return {key: event.get(key) for key in keys}


# -- the HTTP side --------------------------------------------------------------------------------
@dataclass
class Attempt:
    ok: bool
    status: int | None
    error: str | None
    retry: bool  # worth trying again


def post_once(settings: Settings, key: str, body: bytes) -> Attempt:
    request = urllib.request.Request(
        settings.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            "User-Agent": USER_AGENT,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_s) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        retry = status >= 500 or status in RETRY_STATUS
        return Attempt(False, status, f"HTTP {status}", retry)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            text = f"no answer within {settings.timeout_s:g} s"
        elif isinstance(reason, OSError) and reason.strerror:
            text = reason.strerror.lower()  # "connection refused", not "[Errno 111] ..."
        else:
            text = (str(reason).strip().splitlines() or ["no response"])[0]
        return Attempt(False, None, text, True)
    if 200 <= status < 300:
        return Attempt(True, status, None, False)
    return Attempt(False, status, f"HTTP {status}", status >= 500 or status in RETRY_STATUS)


def post_with_retries(settings: Settings, key: str, body: bytes) -> tuple[Attempt, int]:
    """Post until a 2xx, a response not worth retrying, or the retries are used up."""
    attempts = 0
    while True:
        attempt = post_once(settings, key, body)
        attempts += 1
        if attempt.ok or not attempt.retry or attempts > settings.retries:
            return attempt, attempts
        time.sleep(settings.backoff_s * 2 ** (attempts - 1))


def deliver(store: Store, settings: Settings) -> tuple[int, int, str | None]:
    """Post the waiting events in order; (delivered, still waiting, first error)."""
    waiting = store.rows(
        f"select idempotency_key, payload from {SCHEMA}.deliveries "
        "where delivered_at is null order by queued_at, idempotency_key"
    )
    delivered = 0
    for index, (key, body) in enumerate(waiting):
        attempt, tries = post_with_retries(settings, key, str(body).encode("utf-8"))
        store.execute(
            f"update {SCHEMA}.deliveries set attempts = attempts + ?, last_attempt_at = ?, "
            "last_status = ?, last_error = ?, delivered_at = ? where idempotency_key = ?",
            [tries, _now(), attempt.status, attempt.error, _now() if attempt.ok else None, key],
        )
        if not attempt.ok:
            # the endpoint is down or refuses: this one and the rest wait for the next run
            return delivered, len(waiting) - index, attempt.error
        delivered += 1
    return delivered, 0, None


def notify(settings: Settings) -> Outcome:
    from pulse.export import gate_problems

    with open_store() as store:
        last_run = store.wh.last_dbt_run()
        unfinished = warehouse.never_finished(last_run)
        if unfinished:
            raise Refused(unfinished)
        problems = gate_problems(paths.export_dir(), last_run)
        if problems:
            raise Refused("notify refused: " + "; ".join(problems))
        missing = {triggers.MODEL, "dim_report_window"} - set(store.wh.tables())
        if missing:
            raise PulseError(f"mart(s) not built: {', '.join(sorted(missing))} (run `make build`)")
        frame = store.wh.read_table(triggers.MODEL)
        window = store.wh.read_table("dim_report_window")
        as_of = str(window["as_of_date"].iloc[0]) if not window.empty else ""
        queued, baseline = queue_events(store, frame, as_of)
        delivered, pending, error = deliver(store, settings)
    return Outcome(queued, delivered, pending, baseline, error)


def run_cli(args: Any) -> int:
    settings = Settings(
        url=webhook_url(args.webhook_url),
        retries=args.retries,
        backoff_s=args.backoff,
        timeout_s=args.timeout,
    )
    outcome = notify(settings)
    where = endpoint_label(settings.url)
    if outcome.baseline:
        print("pulse notify: baseline set (the next run posts what changes)", file=sys.stderr)
    if outcome.pending:
        raise PulseError(
            f"{outcome.pending} event(s) not delivered to {where} ({outcome.error}); they stay "
            f"queued and are sent by the next run ({outcome.delivered} delivered now)"
        )
    print(f"notified {outcome.delivered} event(s) to {where} ({outcome.queued} new)")
    return 0
