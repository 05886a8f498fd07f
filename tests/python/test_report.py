"""`pulse report` on the DuckDB file dbt built from the small data set: one self-contained
HTML file per account, and no report holds another account's id, name, users or ARR."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import markupsafe
import pytest

from pulse import report
from pulse.cli import main

# what a report that opens offline must not contain (checked on the raw HTML, lower case)
FETCHING = ("<script", 'src="http', "src='http", "@import", "url(", "<link", "<iframe", "<img")


@dataclass
class Account:
    account_id: str
    name: str
    arr_usd: float | None
    journey_stage: str | None
    visitor_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)


def forms(text: str) -> set[str]:
    """The ways text can appear in HTML: as is and escaped (html and jinja2/markupsafe)."""
    return {text, html.escape(text), html.escape(text, quote=False), str(markupsafe.escape(text))}


def arr_forms(value: float | None) -> set[str]:
    """Distinctive ARR values only (5 digits or more), as an integer and with separators."""
    if value is None or math.isnan(value) or abs(value) < 10_000:
        return set()
    whole = round(value)
    return {str(whole), f"{whole:,}"}


@pytest.fixture(scope="module")
def accounts(built_db: Path) -> dict[str, Account]:
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        rows = con.execute(
            "select a.account_id, a.account_name, a.arr_usd, m.journey_stage "
            "from marts.dim_accounts a "
            "left join marts.fct_account_milestones m using (account_id)"
        ).fetchall()
        visitors = con.execute(
            "select account_id, visitor_id, email from marts.dim_visitors"
        ).fetchall()
    finally:
        con.close()
    found = {r[0]: Account(r[0], r[1], r[2], r[3]) for r in rows}
    for account_id, visitor_id, email in visitors:
        found[account_id].visitor_ids.add(visitor_id)
        if email:
            found[account_id].emails.add(email)
    assert len(found) > 1, "the isolation test needs several accounts"
    return found


@pytest.fixture(scope="module")
def all_reports(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pulse report --all` into the default folder, PULSE_EXPORT_DIR/reports."""
    export_dir = tmp_path_factory.mktemp("exports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_EXPORT_DIR", str(export_dir))
        mp.setenv("PULSE_TARGET", "duckdb")
        assert main(["report", "--all"]) == 0
    return export_dir / "reports"


def test_all_writes_one_self_contained_report_per_account(all_reports, accounts):
    names = {p.name for p in all_reports.iterdir()}  # hidden temp files included
    assert names == {f"{a}.html" for a in accounts} | {"index.html"}
    for name in sorted(names):
        text = (all_reports / name).read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>"), name
        assert "<style>" in text, name
        lowered = text.lower()
        assert [m for m in FETCHING if m in lowered] == [], name
        assert 'href="http' not in lowered, name
        if name != "index.html":
            assert text.count("<svg") >= 2, f"{name}: weekly bars and health line expected"
            assert "<polyline" in text or "<circle" in text or "No health score" in text, name
    index = (all_reports / "index.html").read_text(encoding="utf-8")
    for account_id in accounts:
        assert f'href="{account_id}.html"' in index


def test_no_report_holds_another_accounts_data(all_reports, accounts):
    index = (all_reports / "index.html").read_text(encoding="utf-8")
    # control: the forms searched for are how names really appear in rendered HTML
    for account in accounts.values():
        assert any(f in index for f in forms(account.name)), account.name

    leaks: list[tuple[str, str, str]] = []
    for account in accounts.values():
        text = (all_reports / f"{account.account_id}.html").read_text(encoding="utf-8")
        # the account's own name may contain another account's name ("Atlas Énergie Inc")
        for form in sorted(forms(account.name), key=len, reverse=True):
            text = text.replace(form, "")
        # what is the account's own (two accounts can share a name, so emails) is no leak
        own = {account.account_id, account.name, *account.visitor_ids, *account.emails}
        own_arr = arr_forms(account.arr_usd)
        for other in accounts.values():
            if other.account_id == account.account_id:
                continue
            needles = {other.account_id, other.name, *other.visitor_ids, *other.emails} - own
            hits = {n for n in needles if any(f in text for f in forms(n))}
            hits |= {a for a in arr_forms(other.arr_usd) - own_arr if a in text}
            leaks += [(account.account_id, other.account_id, hit) for hit in sorted(hits)]
    assert leaks == []


def test_unknown_account_is_a_one_line_error(built_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    assert main(["report", "--account", "acc_does_not_exist"]) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "acc_does_not_exist" in lines[0]
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_one_account_report_shows_its_name_stage_and_users(accounts, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    # prefer a name that must be escaped (quotes, &, <) to prove it is escaped
    account = min(
        (a for a in accounts.values() if a.emails and a.journey_stage),
        key=lambda a: (markupsafe.escape(a.name) == a.name, a.account_id),
    )
    out = tmp_path / "one"
    assert main(["report", "--account", account.account_id, "--out", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == [f"{account.account_id}.html"]  # no index
    text = (out / f"{account.account_id}.html").read_text(encoding="utf-8")

    escaped = str(markupsafe.escape(account.name))
    assert f"<h1>{escaped}</h1>" in text
    if escaped != account.name:
        assert account.name not in text
    stage = account.journey_stage
    assert f'data-journey-stage="{stage}"' in text
    assert f'class="stage-current">{report.STAGE_LABELS[stage]}<' in text
    assert any(str(markupsafe.escape(e)) in text for e in account.emails)


def test_file_names_are_safe_and_unique():
    ids = ["acc_000001", "../../etc/passwd", "a/b", "a_b", "A B", "index", "", "ACC_000001"]
    names = report.report_filenames(ids)
    assert names["acc_000001"] == "acc_000001.html"
    assert len({n.casefold() for n in names.values()}) == len(ids)
    assert "index.html" not in {n.casefold() for n in names.values()}
    for name in names.values():
        assert name.endswith(".html")
        assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_charts_escape_text_and_handle_missing_data():
    svg = report.bar_chart_svg([("<b>", 0.0, False, 'x"y')], "T & <t>")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "T &amp; &lt;t&gt;" in svg
    assert "x&quot;y" in svg and "No activity recorded" in svg
    day = date(2026, 3, 31)
    line = report.line_chart_svg([], day - timedelta(days=89), day)
    assert line.startswith("<svg") and "No health score" in line
    days = [day - timedelta(days=d) for d in (10, 9, 8, 3, 2, 1)]  # a 4-day hole
    line = report.line_chart_svg([(d, 50.0) for d in days], day - timedelta(days=89), day)
    assert line.count("<polyline") == 2
