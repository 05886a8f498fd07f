"""pulse bench: its arithmetic and summary on hand-made phase measurements (no build), and its
data preparation on a small generated sample."""

from pulse import bench


def _phase(seconds: float, peak: float, spill: float | None = None) -> dict:
    phase = {"seconds": seconds, "peak_rss_gb": peak}
    if spill is not None:
        phase["spill_peak_gb"] = spill
    return phase


def _results(rows: int, summary: dict) -> dict:
    return {"events": rows, "events_arriving_on_last_day": 1_000, "json_file": "b.json", **summary}


def test_ratios_and_targets_at_20m():
    summary = bench.summarize(
        20_000_000,
        _phase(100.0, 1.0, spill=30.0),
        _phase(250.0, 5.5, spill=2.0),
        _phase(240.0, 5.9, spill=3.0),
        _phase(30.0, 2.0, spill=0.5),
    )
    assert summary["ratios"] == {
        "full_vs_reference": 2.5,
        "incremental_vs_full": 0.12,
        "peak_rss_gb": 5.9,  # over every phase, the day-before build included
        "spill_peak_gb": 3.0,  # the builds only: the reference's 30 GB is not the target's
    }
    assert summary["targets_met"] == {
        "full_vs_reference": True,
        "incremental_vs_full": False,
        "peak_memory": True,
        "spill": True,
    }
    assert summary["full_build"]["events_per_second"] == 80_000
    text = bench.format_summary(_results(20_000_000, summary))
    assert "incremental / full    0.120    (target <= 0.1) NOT met" in text
    assert "full / reference      2.500    (target <= 3) met" in text


def test_full_only_at_100m_skips_the_incremental_lines():
    summary = bench.summarize(
        100_000_000, _phase(200.0, 3.0), _phase(1000.0, 6.5, spill=25.0), None, None
    )
    assert summary["targets"] is bench.TARGETS_100M
    assert summary["ratios"]["incremental_vs_full"] is None
    assert summary["targets_met"]["incremental_vs_full"] is None
    assert summary["targets_met"]["peak_memory"] is False
    assert summary["targets_met"]["spill"] is False
    text = bench.format_summary(_results(100_000_000, summary))
    assert "incremental day    not run (--full-only)" in text
    assert "incremental / full" not in text
    assert "full / reference      5.000    (target <= 4) NOT met" in text
    assert "peak spill           25.000 GB (target <= 20) NOT met" in text


def test_prepare_data_splits_the_events_and_drops_the_single_file(tmp_path):
    """The day folders hold every generated event; the single events.csv (15 GB at 100M
    events, read by no phase) is deleted after the split; a second call reuses the folders
    without generating again, and without them the events are generated again."""
    info = bench._prepare_data(tmp_path, events=3_000, seed=3)
    generated, days = tmp_path / "generated", tmp_path / "days"
    assert not (generated / "events.csv").exists()
    assert (generated / "accounts.csv").exists()
    assert info["total"] > 0 and info["last"] in info["folders"]
    assert sorted(p.name for p in days.iterdir()) == info["folders"]
    manifest_mtime = (generated / "_manifest.json").stat().st_mtime_ns

    again = bench._prepare_data(tmp_path, events=3_000, seed=3)
    assert again["total"] == info["total"]
    assert (generated / "_manifest.json").stat().st_mtime_ns == manifest_mtime

    (tmp_path / "_bench_days.json").unlink()
    regenerated = bench._prepare_data(tmp_path, events=3_000, seed=3)
    assert regenerated["total"] == info["total"]
    assert not (generated / "events.csv").exists()
