"""`pulse report` on the DuckDB file dbt built from the small data set: one self-contained
customer report and one CSM brief per account, and the portfolio dashboard. No customer report
holds another account's id, name, users or ARR, nor any internal score; the brief explains the
health components with the real values they were scored on."""

from __future__ import annotations

import html
import json
import math
import os
import re
import time
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
def exports(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pulse report --all` into the default folders, PULSE_EXPORT_DIR/reports and /briefs."""
    export_dir = tmp_path_factory.mktemp("exports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PULSE_EXPORT_DIR", str(export_dir))
        mp.setenv("PULSE_TARGET", "duckdb")
        assert main(["report", "--all"]) == 0
    return export_dir


@pytest.fixture(scope="module")
def all_reports(exports: Path) -> Path:
    return exports / "reports"


@pytest.fixture(scope="module")
def all_briefs(exports: Path) -> Path:
    return exports / "briefs"


def visible_text(page: str) -> str:
    """What a reader sees: no style sheet, script, tags or attributes; entities decoded."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def assert_self_contained(name: str, text: str, scripts: int = 0) -> None:
    assert text.startswith("<!DOCTYPE html>"), name
    assert "<style>" in text, name
    lowered = text.lower()
    fetching = [m for m in FETCHING if m in lowered and m != "<script"]
    assert fetching == [], name
    assert lowered.count("<script") == scripts, name
    assert "<script src" not in lowered and 'href="http' not in lowered, name


def test_all_writes_one_self_contained_report_and_brief_per_account(
    all_reports, all_briefs, accounts
):
    names = {p.name for p in all_reports.iterdir()}  # hidden temp files included
    assert names == {f"{a}.html" for a in accounts}  # nothing internal among customer files
    briefs = {p.name for p in all_briefs.iterdir()}
    assert briefs == {f"{a}.html" for a in accounts} | {report.DASHBOARD_FILE}
    for name in sorted(names):
        text = (all_reports / name).read_text(encoding="utf-8")
        assert_self_contained(name, text)
        assert text.count("<svg") >= 1, f"{name}: weekly bars expected"
        brief = (all_briefs / name).read_text(encoding="utf-8")
        assert_self_contained(f"briefs/{name}", brief)
        assert "<polyline" in brief or "<circle" in brief or "No health score" in brief, name
        assert f'href="../reports/{name}"' in brief
    dashboard = (all_briefs / report.DASHBOARD_FILE).read_text(encoding="utf-8")
    assert_self_contained(report.DASHBOARD_FILE, dashboard, scripts=1)
    for account_id in accounts:
        assert f'href="{account_id}.html"' in dashboard
        assert f'href="../reports/{account_id}.html"' in dashboard


# words only the internal pages may hold (checked on the text a reader sees, lower case)
INTERNAL_WORDS = (
    "health",
    "nps",
    "promoter",
    "detractor",
    "at risk",
    "at-risk",
    "churn",
    "neutral",
    "sentiment",
    "csm",
    "arr",
    "renewal",
    "score",
    "segment",
)


def _internal_words(text: str) -> set[str]:
    seen = visible_text(text).lower()
    return {w for w in INTERNAL_WORDS if re.search(rf"\b{re.escape(w)}\b", seen)}


def test_customer_reports_hold_no_internal_scores(all_reports, all_briefs, accounts):
    found = {
        account_id: _internal_words((all_reports / f"{account_id}.html").read_text("utf-8"))
        for account_id in accounts
    }
    # the account's own name may contain such a word ("Healthy Foods"): not a leak
    found = {
        a: {w for w in words if w not in accounts[a].name.lower()} for a, words in found.items()
    }
    assert {a: w for a, w in found.items() if w} == {}
    # control: the same check finds them in the briefs (it can fail)
    brief = (all_briefs / f"{min(accounts)}.html").read_text("utf-8")
    assert {"health", "nps", "score", "csm", "arr", "renewal"} <= _internal_words(brief)


def _leaks(folder: Path, accounts: dict[str, Account]) -> list[tuple[str, str, str]]:
    leaks: list[tuple[str, str, str]] = []
    for account in accounts.values():
        text = (folder / f"{account.account_id}.html").read_text(encoding="utf-8")
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
    return leaks


def test_no_report_or_brief_holds_another_accounts_data(
    all_reports, all_briefs, accounts, tmp_path
):
    assert _leaks(all_reports, accounts) == []  # every customer report
    assert _leaks(all_briefs, accounts) == []  # every brief
    # control: the forms searched for are how names really appear in rendered HTML, and a
    # page holding every account (the dashboard) is caught
    dashboard = (all_briefs / report.DASHBOARD_FILE).read_text(encoding="utf-8")
    for account in accounts.values():
        assert any(f in dashboard for f in forms(account.name)), account.name
    two = dict(sorted(accounts.items())[:2])
    for account_id in two:
        (tmp_path / f"{account_id}.html").write_text(dashboard, encoding="utf-8")
    assert {(a, b) for a, b, _ in _leaks(tmp_path, two)} == {tuple(two), tuple(two)[::-1]}


def test_brief_explains_each_component_with_its_real_values(db, all_briefs):
    rows = db.execute(
        "select u.account_id, u.count_active_visitors_in_window, u.breadth_denominator, "
        "u.count_depth_features_used_in_window, h.breadth_pct, h.depth_pct, h.breadth_score "
        "from marts.fct_account_usage_daily as u "
        "inner join marts.fct_account_health as h using (account_id) "
        "inner join marts.dim_report_window as w on u.metric_date = w.as_of_date "
        "where h.breadth_pct is not null and h.depth_pct is not null order by u.account_id"
    ).fetchall()
    core = db.execute("select count(*) from marts.dim_features where is_depth_feature").fetchone()
    assert rows and core[0] > 0
    # the one whose breadth score differs most from its share (the mislabel this replaces)
    row = max(rows, key=lambda r: (abs(r[6] - 100 * r[4]), r[0]))
    account_id, active, seats, depth_used, breadth, depth, _ = row
    text = visible_text((all_briefs / f"{account_id}.html").read_text("utf-8"))
    assert f"{active} of {seats} seats active ({breadth * 100:.0f}%)" in text
    assert f"{depth_used} of {core[0]} core features used ({depth * 100:.0f}%)" in text


def test_brief_holds_the_accounts_rows_of_every_outreach_list(db, all_briefs):
    lists = {
        "Inactive users to win back": "rpt_inactive_visitors",
        "Feature-adoption gaps": "rpt_feature_adoption_gaps",
        "Review requests": "rpt_review_requests",
        "Champions gone inactive": "rpt_champion_risk",
    }
    counts = {
        table: dict(
            db.execute(f"select account_id, count(*) from marts.{table} group by 1").fetchall()
        )
        for table in lists.values()
    }
    at_risk = {
        r[0] for r in db.execute("select account_id from marts.rpt_at_risk_accounts").fetchall()
    }
    for account_id in db.execute("select account_id from marts.dim_accounts").fetchall():
        text = visible_text((all_briefs / f"{account_id[0]}.html").read_text("utf-8"))
        for title, table in lists.items():
            assert f"{title} ({counts[table].get(account_id[0], 0)})" in text, (account_id, title)
        on_list = "This account is on the at-risk accounts list." in text
        assert on_list == (account_id[0] in at_risk)
    # the check can fail: some account is on some list
    assert any(counts[t] for t in lists.values()) and at_risk


def test_customer_report_names_its_top_10_peer_group(db, all_reports):
    row = db.execute(
        "select b.account_id, b.peer_group, f.feature_name "
        "from marts.fct_account_feature_benchmarks as b "
        "inner join marts.dim_features as f using (feature_id) "
        "where b.is_top_10_pct and b.peer_group_dimension = 'plan_tier' "
        "order by b.account_id, f.feature_name limit 1"
    ).fetchone()
    assert row is not None, "the test data has a top-10% account"
    account_id, group, feature = row
    text = visible_text((all_reports / f"{account_id}.html").read_text("utf-8"))
    found = re.search(rf"Top 10% of {group.capitalize()} plan accounts for ([^.]+)\.", text)
    assert found and feature in found.group(1)


def test_not_set_up_is_explained_not_shown_as_healthy(db, all_briefs):
    rows = db.execute(
        "select account_id, count_setup_steps_done, count_setup_steps "
        "from marts.fct_account_milestones where journey_stage = 'not_set_up' order by 1"
    ).fetchall()
    assert rows, "the test data has accounts not set up"
    dashboard = (all_briefs / report.DASHBOARD_FILE).read_text("utf-8")
    for account_id, done, total in rows:
        text = visible_text((all_briefs / f"{account_id}.html").read_text("utf-8"))
        assert f"Not set up: {done} of {total} setup steps done." in text
        assert "every tracked step" in text
        row = re.search(rf'<tr data-account="{account_id}".*?</tr>', dashboard, flags=re.S)
        assert row and f"{done} of {total} setup steps done" in visible_text(row.group(0))


def test_brief_for_one_account_goes_to_the_briefs_folder(accounts, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path))
    account_id = min(accounts)
    assert main(["report", "--account", account_id, "--brief"]) == 0
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        report.LEDGER_FILE,
        "briefs",
        f"briefs/{account_id}.html",
    ]


def test_pages_of_accounts_gone_are_pruned_after_the_retention_days(
    accounts, tmp_path, monkeypatch
):
    """Only files `pulse report` wrote are ever deleted: a page it wrote for an account that
    is gone is removed once older than PULSE_RETENTION_DAYS; a recent one is kept; a file of
    the user's own in the same folder is never touched; a one-account run prunes nothing."""
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setenv("PULSE_RETENTION_DAYS", "7")
    out = tmp_path / "my_reports"
    out.mkdir()
    assert main(["report", "--all", "--out", str(out)]) == 0
    old = time.time() - 8 * 86400
    gone, recent, mine = out / "acc_gone.html", out / "acc_recent.html", out / "mine.html"
    for page in (gone, recent, mine):
        page.write_text("<!DOCTYPE html>")
    for page in (gone, mine):
        os.utime(page, (old, old))
    # as if an earlier run had written the two account pages
    ledger_file = tmp_path / "exports" / report.LEDGER_FILE
    ledger = json.loads(ledger_file.read_text())
    ledger[str(out.resolve())] += ["acc_gone.html", "acc_recent.html"]
    ledger_file.write_text(json.dumps(ledger))
    assert main(["report", "--account", min(accounts), "--out", str(out)]) == 0
    assert gone.exists() and recent.exists() and mine.exists()  # one account: no pruning
    assert main(["report", "--all", "--out", str(out)]) == 0
    assert not gone.exists()
    assert recent.exists() and mine.exists()
    assert {p.name for p in out.iterdir()} == {f"{a}.html" for a in accounts} | {
        "acc_recent.html",
        "mine.html",
    }


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
    label = {
        "not_set_up": "Not set up",
        "set_up": "Set up",
        "activated": "Activated",
        "utilizing": "Utilizing",
        "mature": "Mature",
    }[stage]
    assert f'class="stage-current">{label}<' in text
    # the ladder shows every stage, in order
    ladder = [
        text.find(f">{name}<")
        for name in ("Not set up", "Set up", "Activated", "Utilizing", "Mature")
    ]
    assert all(position > 0 for position in ladder) and ladder == sorted(ladder)
    assert any(str(markupsafe.escape(e)) in text for e in account.emails)
    assert _internal_words(text) - set(account.name.lower().split()) == set()


def test_file_names_are_safe_and_unique():
    ids = ["acc_000001", "../../etc/passwd", "a/b", "a_b", "A B", "index", "", "ACC_000001"]
    names = report.report_filenames(ids)
    assert names["acc_000001"] == "acc_000001.html"
    assert len({n.casefold() for n in names.values()}) == len(ids)
    assert "index.html" not in {n.casefold() for n in names.values()}
    assert report.report_filenames(["dashboard"])["dashboard"] != report.DASHBOARD_FILE
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


def test_pages_name_the_window_and_the_band_thresholds_of_the_build(built_db, monkeypatch):
    """The window's length and the frequency band thresholds come from the build (the report
    window and the run's vars), never a literal 30 / 13 / 5 in a template."""
    import dataclasses

    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    with report.warehouse.connect() as wh:
        shared = report.read_shared(wh)
        account_id = report.account_ids(wh)[0]
        own = report.read_account(wh, account_id, shared.as_of, report.CUSTOMER_QUERIES)
    assert shared.window_days == 30 and shared.frequency_bands == (13, 5)
    env = report.environment()
    other = dataclasses.replace(shared, window_days=14, frequency_bands=(6, 3))
    page = visible_text(
        env.get_template("report.html").render(**report.customer_context(account_id, own, other))
    )
    assert "last 14 days" in page and "30 days" not in page
    assert "active on 6 or more of the last 14 days" in page
    assert "weekly: 3 to 5 days" in page and "monthly: 1 to 2 days" in page
