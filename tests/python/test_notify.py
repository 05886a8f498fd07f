"""`pulse notify` against a real HTTP server on 127.0.0.1 that fails on purpose: every event
arrives exactly once, with its payload and idempotency key, and nothing is lost while the
endpoint is down."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from pulse.cli import main
from pulse.run import SUMMARY_FILE

AS_OF = "2026-03-31"
FAST = ["--retries", "3", "--backoff", "0.01", "--timeout", "0.3"]


class Hook:
    """A catch hook: answers each POST as its script says (an HTTP status, or "timeout": no
    answer before the client gives up), then 200. Records every request it got."""

    def __init__(self, script: list[int | str] | None = None) -> None:
        self.script = list(script or [])
        self.requests: list[dict] = []  # {"key", "body", "answer"}
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with hook.lock:
                    answer = hook.script.pop(0) if hook.script else 200
                    hook.requests.append(
                        {
                            "key": self.headers["Idempotency-Key"],
                            "content_type": self.headers["Content-Type"],
                            "body": body,
                            "answer": answer,
                        }
                    )
                if answer == "timeout":
                    time.sleep(0.8)  # the client (timeout 0.3 s) has given up
                    answer = 500
                try:
                    self.send_response(int(answer))
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/catch/123/abc"

    def acknowledged(self) -> list[str]:
        """The keys the hook answered 2xx to (what the receiver took in)."""
        return [r["key"] for r in self.requests if r["answer"] == 200]


@pytest.fixture()
def hook_factory() -> Iterator:
    hooks: list[Hook] = []

    def start(script: list[int | str] | None = None) -> Hook:
        hook = Hook(script)
        hook.thread.start()
        hooks.append(hook)
        return hook

    yield start
    for hook in hooks:
        hook.server.shutdown()
        hook.server.server_close()


def _refused_url() -> str:
    """A port on 127.0.0.1 nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@pytest.fixture()
def workdb(built_db: Path, tmp_path: Path, monkeypatch) -> Path:
    """A private copy of the test database, validated, and an empty export folder."""
    copy = tmp_path / "pulse.duckdb"
    shutil.copy(built_db, copy)
    monkeypatch.setenv("PULSE_DB_PATH", str(copy))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.delenv("PULSE_WEBHOOK_URL", raising=False)
    with duckdb.connect(str(copy), read_only=True) as con:
        invocation = con.execute(
            "select invocation_id from main.pulse_dbt_runs order by started_at desc limit 1"
        ).fetchone()[0]
    quality = tmp_path / "exports" / "quality"
    quality.mkdir(parents=True)
    (quality / "validation.json").write_text(
        json.dumps({"success": True, "dbt_invocation_id": invocation})
    )
    return copy


def _enter(db_file: Path, count: int) -> list[str]:
    """Put `count` accounts on the at-risk list and one visitor on the inactive list
    (members of rpt_trigger_states); the idempotency keys of the events to be sent."""
    with duckdb.connect(str(db_file)) as con:
        accounts = [
            r[0]
            for r in con.execute(
                "select account_id from marts.dim_accounts where account_id not in "
                "(select account_id from marts.rpt_at_risk_accounts) order by account_id limit ?",
                [count],
            ).fetchall()
        ]
        for account in accounts:
            con.execute(
                "insert into marts.rpt_trigger_states (trigger_type, subject_type, subject_id, "
                "account_id, as_of_date, account_name, health_score, health_band) "
                "values ('at_risk_accounts', 'account', ?, ?, ?, 'Acme', 31.5, 'at_risk')",
                [account, account, AS_OF],
            )
        visitor, account = con.execute(
            "select visitor_id, account_id from marts.dim_visitors where visitor_id not in "
            "(select visitor_id from marts.rpt_inactive_visitors) order by visitor_id limit 1"
        ).fetchone()
        con.execute(
            "insert into marts.rpt_trigger_states (trigger_type, subject_type, subject_id, "
            "account_id, visitor_id, as_of_date, days_since_last_active) "
            "values ('inactive_visitors', 'visitor', ?, ?, ?, ?, 45)",
            [visitor, account, visitor, AS_OF],
        )
    return [_key("account_entered_at_risk", a, None) for a in accounts] + [
        _key("visitor_became_inactive", account, visitor)
    ]


def _deliveries(db_file: Path) -> list[tuple]:
    with duckdb.connect(str(db_file), read_only=True) as con:
        return con.execute(
            "select idempotency_key, attempts, delivered_at is not null "
            "from pulse_notifications.deliveries order by queued_at, idempotency_key"
        ).fetchall()


def _key(event_type: str, account: str, visitor: str | None) -> str:
    return hashlib.sha256(f"{event_type}|{account}|{visitor or ''}|{AS_OF}".encode()).hexdigest()


def test_each_event_arrives_once_and_nothing_is_lost_while_the_hook_is_down(
    workdb, hook_factory, capsys
):
    hook = hook_factory()
    assert main(["notify", "--webhook-url", hook.url, *FAST]) == 0  # the baseline
    assert hook.requests == []
    assert "baseline set" in capsys.readouterr().err
    expected = _enter(workdb, 2)

    # the endpoint is down (connection refused): nothing sent, everything stays queued
    assert main(["notify", "--webhook-url", _refused_url(), *FAST]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "3 event(s) not delivered to http://127.0.0.1:" in err[0]
    assert "(connection refused)" in err[0] and "stay queued and are sent by the next run" in err[0]
    assert "/hook" not in err[0]  # a hook URL is a secret: host and port only
    queued = _deliveries(workdb)
    assert len(queued) == 3 and not any(delivered for _, _, delivered in queued)
    assert queued[0][1] == 4  # the first event was tried 1 + 3 times, the others wait

    # back up, but failing: 500, 500, a timeout, then 200
    flaky = hook_factory([500, 500, "timeout"])
    assert main(["notify", "--webhook-url", flaky.url, *FAST]) == 0
    assert "notified 3 event(s)" in capsys.readouterr().out
    sent = flaky.acknowledged()
    assert sorted(sent) == sorted(expected)
    assert len(sent) == len(set(sent)) == 3, "each event acknowledged exactly once"
    assert [r["answer"] for r in flaky.requests[:4]] == [500, 500, "timeout", 200]
    assert len({r["key"] for r in flaky.requests[:4]}) == 1  # retries carry the same key
    assert len({json.dumps(r["body"]) for r in flaky.requests[:4]}) == 1  # and the same body

    # every request: JSON, its key in the header and the body
    for request in flaky.requests:
        body = request["body"]
        assert request["content_type"] == "application/json"
        assert request["key"] == body["idempotency_key"]
        assert body["idempotency_key"] == _key(
            body["event_type"], body["account_id"], body["visitor_id"]
        )
        assert body["as_of_date"] == AS_OF and body["detected_at"].endswith("Z")
    bodies = {r["body"]["event_type"]: r["body"] for r in flaky.requests}
    at_risk = bodies["account_entered_at_risk"]
    assert at_risk["trigger_type"] == "at_risk_accounts" and at_risk["subject_type"] == "account"
    assert at_risk["visitor_id"] is None
    assert (
        at_risk["values"]["health_score"] == 31.5 and at_risk["values"]["health_band"] == "at_risk"
    )
    inactive = bodies["visitor_became_inactive"]
    assert inactive["subject_type"] == "visitor" and inactive["visitor_id"]
    assert inactive["values"]["days_since_last_active"] == 45
    assert all(delivered for _, _, delivered in _deliveries(workdb))

    # the next run: nothing new, nothing sent again
    again = hook_factory()
    assert main(["notify", "--webhook-url", again.url, *FAST]) == 0
    assert again.requests == []


def test_an_event_is_never_sent_twice_even_when_it_comes_back(workdb, hook_factory, capsys):
    hook = hook_factory()
    assert main(["notify", "--webhook-url", hook.url, *FAST]) == 0
    _enter(workdb, 1)
    assert main(["notify", "--webhook-url", hook.url, *FAST]) == 0
    keys = hook.acknowledged()
    assert len(keys) == 2
    # the accounts leave and come back on the same as-of date: the same keys, not sent again
    with duckdb.connect(str(workdb)) as con:
        saved = con.execute(
            "select * from marts.rpt_trigger_states where trigger_type = 'at_risk_accounts' "
            "and subject_id in "
            "(select account_id from pulse_notifications.deliveries "
            " where event_type = 'account_entered_at_risk')"
        ).fetchall()
        con.execute(
            "delete from marts.rpt_trigger_states where trigger_type = 'at_risk_accounts' "
            "and subject_id in "
            "(select account_id from pulse_notifications.deliveries "
            " where event_type = 'account_entered_at_risk')"
        )
    assert main(["notify", "--webhook-url", hook.url, *FAST]) == 0
    left = [r["body"]["event_type"] for r in hook.requests[2:]]
    assert left == ["account_left_at_risk"]
    with duckdb.connect(str(workdb)) as con:
        con.executemany(
            "insert into marts.rpt_trigger_states values (" + ", ".join("?" * 14) + ")", saved
        )
    assert main(["notify", "--webhook-url", hook.url, *FAST]) == 0
    assert len(hook.requests) == 3, "entered again on the same day: already delivered"
    assert len(hook.acknowledged()) == len(set(hook.acknowledged()))


def test_retries_back_off_and_a_5xx_outage_waits_for_the_next_run(workdb, hook_factory, capsys):
    hook = hook_factory()
    assert main(["notify", "--webhook-url", hook.url, *FAST]) == 0
    _enter(workdb, 1)
    down = hook_factory([503] * 10)
    started = time.monotonic()
    assert main(["notify", "--webhook-url", down.url, "--retries", "2", "--backoff", "0.2"]) == 1
    took = time.monotonic() - started
    assert len(down.requests) == 3  # 1 + 2 retries, then the run gives up
    assert took >= 0.2 + 0.4  # waited 0.2 s, then 0.4 s
    assert "(HTTP 503)" in capsys.readouterr().err
    assert not any(delivered for _, _, delivered in _deliveries(workdb))
    up = hook_factory()
    assert main(["notify", "--webhook-url", up.url, *FAST]) == 0
    assert len(up.acknowledged()) == 2 == len(set(up.acknowledged()))


def test_a_missing_or_bad_url_is_one_line(workdb, capsys, monkeypatch):
    assert main(["notify"]) == 1
    assert capsys.readouterr().err.strip() == (
        "pulse notify: error: no webhook URL: pass --webhook-url or set PULSE_WEBHOOK_URL"
    )
    monkeypatch.setenv("PULSE_WEBHOOK_URL", "ftp://example.com/x")
    assert main(["notify"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "must be http(s)://host/" in err[0]


def test_notify_is_the_last_step_of_pulse_run_when_a_url_is_set(site, hook_factory):
    skip = [
        arg for step in ("generate", "dbt-build", "validate", "report") for arg in ("--skip", step)
    ]
    hook = hook_factory()
    done = site.pulse("run", *skip, PULSE_WEBHOOK_URL=hook.url)
    assert done.returncode == 0, done.stderr
    summary = json.loads((site.exports / SUMMARY_FILE).read_text())
    assert summary["steps"][-1] == {**summary["steps"][-1], "name": "notify", "status": "ok"}
    _enter(site.db, 1)
    done = site.pulse("run", *skip, PULSE_WEBHOOK_URL=hook.url)
    assert done.returncode == 0, done.stderr
    assert len(hook.acknowledged()) == 2
    done = site.pulse("run", *skip)  # no URL: the step is skipped
    summary = json.loads((site.exports / SUMMARY_FILE).read_text())
    assert summary["steps"][-1]["status"] == "skipped"
