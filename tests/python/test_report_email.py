"""`pulse report --email` against a real SMTP server (aiosmtpd on 127.0.0.1): each account with
recipients gets one multipart/alternative message (plain text + the HTML customer report) to
its own addresses only, holding nothing of another account; accounts without recipients are
skipped and counted; --dry-run writes .eml files and connects to nothing."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from pathlib import Path

import duckdb
import pytest

from pulse.cli import main

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_server():
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def people(built_db: Path) -> dict[str, dict]:
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        found = {
            a: {"name": n, "needles": {a, n}}
            for a, n in con.execute(
                "select account_id, account_name from marts.dim_accounts"
            ).fetchall()
        }
        for account_id, visitor_id, address in con.execute(
            "select account_id, visitor_id, email from marts.dim_visitors"
        ).fetchall():
            found[account_id]["needles"] |= {visitor_id} | ({address} if address else set())
    finally:
        con.close()
    return found


def _env(monkeypatch, tmp_path: Path, rows: list[tuple[str, str]], port: int) -> None:
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("account_id,email\n" + "".join(f"{a},{e}\n" for a, e in rows))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setenv("PULSE_REPORT_RECIPIENTS", str(recipients))
    monkeypatch.setenv("PULSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PULSE_SMTP_PORT", str(port))
    monkeypatch.setenv("PULSE_SMTP_FROM", "Customer Success <cs@pulse.test>")
    for name in ("PULSE_SMTP_USER", "PULSE_SMTP_PASSWORD", "PULSE_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)


def _parts(raw: bytes) -> dict[str, str]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def test_email_sends_each_report_to_its_own_recipients(
    smtp_server, people, tmp_path, monkeypatch, capsys
):
    inbox, port = smtp_server
    first, second, third = sorted(people)[:3]
    rows = [
        (first, "ops@first.test"),
        (first, "boss@first.test"),
        (second, "team@second.test"),
        ("acc_not_chosen", "nobody@else.test"),
    ]
    _env(monkeypatch, tmp_path, rows, port)
    assert main(["report", "--account", first, second, third, "--email"]) == 0
    out = capsys.readouterr().out
    assert "sent 2 report(s) to 3 recipient(s)" in out
    assert "skipped 1 account(s) without recipients" in out

    by_rcpt = {tuple(sorted(rcpt)): (sender, raw) for sender, rcpt, raw in inbox.received}
    assert set(by_rcpt) == {("boss@first.test", "ops@first.test"), ("team@second.test",)}
    for rcpt, account_id in (
        (("boss@first.test", "ops@first.test"), first),
        (("team@second.test",), second),
    ):
        sender, raw = by_rcpt[rcpt]
        assert sender == "cs@pulse.test"
        parts = _parts(raw)
        assert set(parts) == {"text/plain", "text/html"}
        assert people[account_id]["name"] in parts["text/plain"]
        assert parts["text/html"].startswith("<!DOCTYPE html>")
        whole = raw.decode("utf-8", errors="replace") + "".join(parts.values())
        for other, info in people.items():
            if other == account_id:
                continue
            leaked = {
                n
                for n in info["needles"] - people[account_id]["needles"]
                if n and n in whole and n not in people[account_id]["name"]
            }
            assert leaked == set(), (account_id, other)
        plain = parts["text/plain"].lower()
        assert not re.search(r"\b(health|nps|score)\b", plain), account_id


def test_dry_run_writes_eml_files_and_sends_nothing(people, tmp_path, monkeypatch, capsys):
    first, second = sorted(people)[:2]
    _env(monkeypatch, tmp_path, [(first, "ops@first.test")], _free_port())  # nobody listens
    assert main(["report", "--account", first, second, "--email", "--dry-run"]) == 0
    outbox = tmp_path / "exports" / "outbox"
    assert [p.name for p in outbox.iterdir()] == [f"{first}.eml"]
    message = email.message_from_bytes((outbox / f"{first}.eml").read_bytes())
    assert message["To"] == "ops@first.test"
    assert "skipped 1 account(s)" in capsys.readouterr().out


def test_email_without_a_server_is_a_one_line_error(people, tmp_path, monkeypatch, capsys):
    first = min(people)
    _env(monkeypatch, tmp_path, [(first, "ops@first.test")], _free_port())  # nobody listens
    assert main(["report", "--account", first, "--email"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the SMTP server 127.0.0.1" in err[0]
