"""The sample data gives every outreach list (every rpt_ model of models/marts/outreach) at least
one row, so each list's rule is exercised on realistic data, not only in its unit tests. (The
other rpt_ models are reports, e.g. rpt_renewal_outcomes_by_milestone, which needs a year of
data: tests/python/test_calibrate.py.)"""

from __future__ import annotations

from pulse import paths


def test_every_outreach_list_is_non_empty_on_the_sample(db):
    outreach = paths.PROJECT_ROOT / "models" / "marts" / "outreach"
    lists = sorted(p.stem for p in outreach.rglob("rpt_*.sql"))
    assert len(lists) >= 8, lists
    counts = {n: db.execute(f"select count(*) from marts.{n}").fetchone()[0] for n in lists}
    empty = [name for name, rows in counts.items() if rows == 0]
    assert empty == [], counts
