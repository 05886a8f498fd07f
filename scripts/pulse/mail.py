"""`pulse report --email`: send each account's customer report to its report recipients.

Recipients come from a CSV file named by PULSE_REPORT_RECIPIENTS with the columns
account_id,email (one row per address; an account may have several). Accounts without a row
are skipped and counted. Each message is multipart/alternative: a plain-text part and the HTML
report (the same customer report `pulse report` writes, so it holds no internal score and no
other account's data). `--dry-run` writes one .eml file per account to PULSE_EXPORT_DIR/outbox
instead of sending.

SMTP settings (env): PULSE_SMTP_HOST, PULSE_SMTP_PORT (default 587 with STARTTLS, else 25),
PULSE_SMTP_STARTTLS (1/true/yes to upgrade the connection), PULSE_SMTP_USER and
PULSE_SMTP_PASSWORD (login when the user is set), PULSE_SMTP_FROM (the sender, required).
"""

from __future__ import annotations

import csv
import os
import re
import smtplib
import ssl
import time
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from pulse import paths, report
from pulse.errors import PulseError

ADDRESS = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
TRUE = ("1", "true", "yes", "on")


def read_recipients(path: Path) -> dict[str, list[str]]:
    """account_id -> addresses, from a CSV file with the header account_id,email."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"account_id", "email"} <= set(reader.fieldnames):
                raise PulseError(f"{path}: the recipients file needs the columns account_id,email")
            found: dict[str, list[str]] = {}
            for line, row in enumerate(reader, start=2):
                account_id = (row["account_id"] or "").strip()
                address = (row["email"] or "").strip()
                if not account_id and not address:
                    continue
                if not account_id or not ADDRESS.match(address):
                    raise PulseError(f"{path}, line {line}: not an account id and one address")
                if address.casefold() not in {a.casefold() for a in found.get(account_id, [])}:
                    found.setdefault(account_id, []).append(address)
    except OSError as exc:
        raise PulseError(f"cannot read the recipients file {path}: {exc.strerror}") from None
    return found


def _settings(dry_run: bool) -> dict[str, Any]:
    sender = os.environ.get("PULSE_SMTP_FROM", "").strip()
    if not ADDRESS.match(sender.rsplit("<", 1)[-1].rstrip(">").strip() if sender else ""):
        raise PulseError("set PULSE_SMTP_FROM to the sender's address (e.g. cs@example.com)")
    starttls = os.environ.get("PULSE_SMTP_STARTTLS", "").strip().lower() in TRUE
    host = os.environ.get("PULSE_SMTP_HOST", "").strip()
    if not host and not dry_run:
        raise PulseError("set PULSE_SMTP_HOST (and PULSE_SMTP_PORT) to send, or use --dry-run")
    port_text = os.environ.get("PULSE_SMTP_PORT", "").strip() or ("587" if starttls else "25")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise PulseError(f"PULSE_SMTP_PORT must be a port number, got {port_text!r}")
    return {
        "host": host,
        "port": int(port_text),
        "starttls": starttls,
        "user": os.environ.get("PULSE_SMTP_USER", ""),
        "password": os.environ.get("PULSE_SMTP_PASSWORD", ""),
        "sender": sender,
    }


def build_message(context: dict[str, Any], recipients: list[str], sender: str) -> EmailMessage:
    """The customer report as an email: plain text first, the HTML report as the alternative."""
    env = report.environment()
    message = EmailMessage()
    name = " ".join(str(context["name"]).split())  # no line break can reach a header
    message["Subject"] = f"{name}: your usage report to {context['as_of']}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rsplit("@", 1)[-1].rstrip(">").strip() or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(env.get_template("report.txt").render(**context))
    message.add_alternative(env.get_template("report.html").render(**context), subtype="html")
    return message


def _connect(settings: dict[str, Any]) -> smtplib.SMTP:
    try:
        smtp = smtplib.SMTP(settings["host"], settings["port"], timeout=60)
        if settings["starttls"]:
            smtp.starttls(context=ssl.create_default_context())
        if settings["user"]:
            smtp.login(settings["user"], settings["password"])
    except (OSError, smtplib.SMTPException) as exc:
        raise PulseError(
            f"cannot reach the SMTP server {settings['host']}:{settings['port']}: {exc}"
        ) from None
    return smtp


def run_cli(args: Any, wanted: Sequence[str] | None) -> int:
    """Send (or with --dry-run write) the customer reports of the chosen accounts."""
    started = time.monotonic()
    dry_run = bool(args.dry_run)
    source = os.environ.get("PULSE_REPORT_RECIPIENTS", "").strip()
    if not source:
        raise PulseError("set PULSE_REPORT_RECIPIENTS to a CSV file with account_id,email")
    recipients = read_recipients(paths.resolve(source))
    settings = _settings(dry_run)
    contexts = report.read_customer_reports(wanted)
    to_send = {a: c for a, c in contexts.items() if recipients.get(a)}
    skipped = len(contexts) - len(to_send)
    names = report.report_filenames(contexts)

    if dry_run:
        outbox = paths.export_dir() / "outbox"
        try:
            outbox.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PulseError(f"cannot create the folder {outbox}: {exc.strerror}") from None
        for account_id, context in to_send.items():
            message = build_message(context, recipients[account_id], settings["sender"])
            eml = outbox / names[account_id].removesuffix(".html")
            report.write_text(eml.with_name(eml.name + ".eml"), message.as_string())
        print(
            f"wrote {len(to_send)} email(s) to {outbox} (dry run, nothing sent); skipped "
            f"{skipped} account(s) without recipients in {time.monotonic() - started:.1f}s"
        )
        return 0

    sent = addresses = 0
    refused: list[str] = []
    if to_send:
        smtp = _connect(settings)
        try:
            for account_id, context in to_send.items():
                message = build_message(context, recipients[account_id], settings["sender"])
                try:
                    rejected = smtp.send_message(message)
                except smtplib.SMTPRecipientsRefused as exc:
                    refused += list(exc.recipients)
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    raise PulseError(
                        f"sending the report of {account_id} failed after {sent} sent: {exc}"
                    ) from None
                refused += list(rejected)
                sent += 1
                addresses += len(recipients[account_id]) - len(rejected)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    print(
        f"sent {sent} report(s) to {addresses} recipient(s) through "
        f"{settings['host']}:{settings['port']}; skipped {skipped} account(s) without recipients"
        + (f"; refused: {', '.join(sorted(refused))}" if refused else "")
        + f" in {time.monotonic() - started:.1f}s"
    )
    return 1 if refused else 0
