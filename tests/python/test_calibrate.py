"""`pulse calibrate` (README "Calibration") on a year of generated data and on too little data.

The calibration sample (`pulse generate --accounts 300 --days 365`, seed 42: about 3.3M
events, 385 trainable renewal decisions of 146 accounts, 67 lost) is built once for this
module. The default sample (200 accounts, 180 days) holds only 93 trainable decisions: too
few to tell a signal from chance once the outcomes are shuffled by account, which is what
`pulse calibrate` then says. The small data set of `make test` has no trainable decision
(its 120 days leave no cut-off with a full window), which is what the refusal test uses.
The leakage tests of the training data are dbt unit tests (`fct_renewal_decisions_no_leakage`,
`fct_renewal_decisions_arr_in_force_at_cutoff`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pulse import calibrate, paths
from pulse.dbt import dbt_env, dbt_executable

PULSE = str(Path(sys.executable).with_name("pulse"))
SAMPLE_GENERATE = [PULSE, "generate", "--quiet", "--accounts", "300", "--days", "365"]


def _pulse(*args: str, db: Path, exports: Path) -> subprocess.CompletedProcess[str]:
    env = dbt_env({"PULSE_DB_PATH": str(db), "PULSE_EXPORT_DIR": str(exports)})
    return subprocess.run(
        [PULSE, *args], env=env, cwd=paths.PROJECT_ROOT, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory, dbt) -> Path:
    """The calibration sample, generated and built (every model, no unit tests)."""
    root = tmp_path_factory.mktemp("calibration_sample")
    done = subprocess.run(
        [*SAMPLE_GENERATE, "--out", str(root / "raw")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    built = dbt(
        ["build", "--exclude-resource-type", "unit_test"],
        root / "pulse.duckdb",
        root / "raw",
    )
    assert built.returncode == 0, built.stdout[-4000:]
    return root


@pytest.fixture(scope="module")
def calibrated(sample: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    shipped = calibrate.SEED_FILE.read_bytes()
    done = _pulse("calibrate", db=sample / "pulse.duckdb", exports=sample / "exports")
    # suggestions, never silent changes: the shipped seed is untouched
    assert calibrate.SEED_FILE.read_bytes() == shipped
    return done, sample / "exports" / "calibration"


def _results(out: Path) -> dict:
    return json.loads((out / calibrate.RESULTS_FILE).read_text())


def test_calibrate_writes_report_and_suggested_seed(calibrated) -> None:
    done, out = calibrated
    assert done.returncode == 0, done.stderr
    html = (out / calibrate.REPORT_FILE).read_text()
    for heading in ("Does it see renewals coming?", "What matters", "Milestones and retention"):
        assert heading in html
    assert html.count("<svg") >= 2  # importance vs adoption, loss rate by stage
    assert "<script" not in html and "http" not in html.split("<body>")[1]  # self-contained
    shipped = pd.read_csv(calibrate.SEED_FILE)
    suggested = pd.read_csv(out / calibrate.SUGGESTED_FILE)
    assert list(suggested.columns) == list(shipped.columns)
    assert list(suggested["component"]) == list(shipped["component"])
    assert suggested["weight"].sum() == pytest.approx(shipped["weight"].sum(), abs=1e-9)
    assert (suggested["weight"] >= 0).all()
    assert not suggested[["weight", "target_value"]].equals(shipped[["weight", "target_value"]])
    # the diff against the shipped seed is printed
    assert "--- seeds/health_components.csv" in done.stdout
    assert f"+++ {out / calibrate.SUGGESTED_FILE}" in done.stdout


def test_models_beat_chance_on_the_sample(calibrated) -> None:
    """The generator makes churn depend on the account's hidden health, which also drives its
    usage (SPEC §9): the models must beat chance by more than their fold spread, and beat
    every copy of the data with the outcomes shuffled between accounts."""
    _, out = calibrated
    results = _results(out)
    assert results["count_decisions"] >= calibrate.MIN_DECISIONS
    models = {m["name"]: m for m in results["models"]}
    assert set(models) == {
        calibrate.HEALTH_SCORE,
        calibrate.REWEIGHTED_SCORE,
        "logistic regression",
        "random forest",
    }
    for name in calibrate.FITTED_MODELS:
        model = models[name]
        assert model["auc_mean"] - 0.5 > model["auc_spread"], model
        assert model["beats_chance"] and model["auc_mean"] > model["null_auc_max"], model
        assert model["p_value"] <= calibrate.SIGNIFICANCE
    assert results["has_signal"]


def test_loss_rate_by_milestone_on_the_sample(sample: Path) -> None:
    """rpt_renewal_outcomes_by_milestone has every breakdown, and each breakdown counts every
    trainable decision once."""
    con = duckdb.connect(str(sample / "pulse.duckdb"), read_only=True)
    try:
        totals = dict(
            con.sql(
                "select breakdown, sum(count_decisions) "
                "from marts.rpt_renewal_outcomes_by_milestone group by breakdown"
            ).fetchall()
        )
        trainable = con.sql(
            "select count(*) from marts.fct_renewal_decisions where is_trainable"
        ).fetchone()[0]
    finally:
        con.close()
    assert totals == dict.fromkeys(
        ("journey_stage", "activation", "setup_and_activation"), trainable
    )


def test_strongest_generated_effect_ranks_near_the_top(calibrated) -> None:
    """In the generator an account's hidden health sets its churn chance at each renewal
    (generator/renewals.py) and its value events per seat (value_share, generator/plan.py),
    which is what utilization measures; contract size is drawn apart from it. is_utilizing
    must be among the three most important predictors, in a "matters" group."""
    _, out = calibrated
    ranked = _results(out)["predictors"]
    top = [p["name"] for p in ranked[:3]]
    assert "is_utilizing" in top, top
    utilizing = next(p for p in ranked if p["name"] == "is_utilizing")
    assert utilizing["group"] in calibrate.GROUPS[:2], utilizing


def test_random_outcomes_claim_no_signal(sample: Path) -> None:
    """The same decisions with the outcomes shuffled (so nothing can predict them): no model
    may beat chance, and the suggestion is the shipped seed."""
    con = duckdb.connect(str(sample / "pulse.duckdb"), read_only=True)
    try:
        decisions = con.sql("select * from marts.fct_renewal_decisions").df()
        features = con.sql("select * from marts.fct_renewal_decision_features").df()
    finally:
        con.close()
    shipped = calibrate.read_seed()
    frame, predictors = calibrate.training_frame(decisions, features, shipped)
    frame["is_lost"] = np.random.default_rng(2026).permutation(frame["is_lost"].to_numpy())
    result = calibrate.calibrate(frame, predictors, shipped)
    assert not result.has_signal, [(m.name, m.mean, m.spread, m.p_value) for m in result.models]
    assert not any(m.beats_chance for m in result.models)
    pd.testing.assert_frame_equal(result.suggested, shipped)
    assert all(p.group == calibrate.GROUPS[2] for p in result.predictors)
    summary = " ".join(calibrate.summary_lines(result))
    assert "no signal" in summary and "matters most" not in summary


def test_too_few_decisions_is_one_line(built_db: Path, tmp_path: Path) -> None:
    """The small test data set has no trainable decision: one line, exit 1, nothing written."""
    db = tmp_path / built_db.name
    shutil.copy(built_db, db)
    done = _pulse("calibrate", "--out", str(tmp_path / "out"), db=db, exports=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("pulse calibrate: too few renewal decisions to learn from")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_min_decisions_is_a_knob(sample: Path, tmp_path: Path) -> None:
    done = _pulse(
        "calibrate",
        "--min-decisions",
        "100000",
        "--out",
        str(tmp_path / "out"),
        db=sample / "pulse.duckdb",
        exports=tmp_path,
    )
    assert done.returncode == 1
    assert "calibration needs at least 100000" in done.stderr


def test_project_builds_with_the_suggested_seed(calibrated, sample: Path, tmp_path: Path) -> None:
    """Using the suggestion is the user's step (README "Calibration"): copy it over the seed
    and rebuild. A copy of the project with the suggested seed builds the health models and
    their tests, and the scores change."""
    _, out = calibrated
    project = tmp_path / "project"
    shutil.copytree(
        paths.PROJECT_ROOT,
        project,
        ignore=shutil.ignore_patterns(
            ".venv*",
            ".git",
            ".test",
            "target",
            "logs",
            "data",
            "warehouse",
            "exports",
            "dbt_packages",
        ),
    )
    shutil.copy(out / calibrate.SUGGESTED_FILE, project / "seeds" / "health_components.csv")
    db = tmp_path / "pulse.duckdb"
    shutil.copy(sample / "pulse.duckdb", db)
    env = dbt_env(
        {
            "PULSE_DB_PATH": str(db),
            "PULSE_RAW_PATH": str(sample / "raw"),
            "PULSE_PROJECT_DIR": str(project),
            "DBT_PROJECT_DIR": str(project),
        }
    )
    built = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--full-refresh",
            "--exclude-resource-type",
            "unit_test",
            "--select",
            "health_components+",
        ],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        seeded = con.sql("select component, weight from seeds.health_components").df()
        scores = con.sql("select account_id, health_score from marts.fct_account_health").df()
    finally:
        con.close()
    suggested = pd.read_csv(out / calibrate.SUGGESTED_FILE)
    assert dict(zip(seeded["component"], seeded["weight"], strict=True)) == pytest.approx(
        dict(zip(suggested["component"], suggested["weight"], strict=True))
    )
    before = duckdb.connect(str(sample / "pulse.duckdb"), read_only=True)
    try:
        old = before.sql("select account_id, health_score from marts.fct_account_health").df()
    finally:
        before.close()
    merged = old.merge(scores, on="account_id", suffixes=("_shipped", "_suggested"))
    assert len(merged) == len(old) and merged["health_score_suggested"].notna().any()
    assert not np.allclose(
        merged["health_score_shipped"].fillna(-1), merged["health_score_suggested"].fillna(-1)
    )
