"""The sample data gives every outreach list (every rpt_ model) at least one row, so each list's
rule is exercised on realistic data, not only in its unit tests."""

from __future__ import annotations

from pulse import paths


def test_every_outreach_list_is_non_empty_on_the_sample(db):
    lists = sorted(p.stem for p in (paths.PROJECT_ROOT / "models" / "marts").rglob("rpt_*.sql"))
    assert len(lists) >= 8, lists
    counts = {n: db.execute(f"select count(*) from marts.{n}").fetchone()[0] for n in lists}
    empty = [name for name, rows in counts.items() if rows == 0]
    assert empty == [], counts
