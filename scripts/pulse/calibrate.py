"""`pulse calibrate`: which signals predict renewal, and suggested health weights and targets.

It reads the training data dbt built (README "Calibration"): `fct_renewal_decisions`, one row
per renewal decision with the account as it was `calibration_lead_days` (90) days before, and
`fct_renewal_decision_features`, its per-feature usage then; `rpt_renewal_outcomes_by_milestone`
gives the churn rate by journey stage and for setup / activation. SQL decides what a decision,
a cut-off and an outcome are; this module fits, evaluates and formats.

- Cross-validated ROC AUC (stratified folds, grouped by account so that one account's renewals
  never sit on both sides) of today's health score alone, a logistic regression and a random
  forest, with the spread across folds. A model "beats chance" only when its mean AUC exceeds
  0.5 by more than that spread.
- Permutation importance of every predictor on the held-out folds (the forest; the columns of
  one predictor are shuffled together), beside its adoption (share of decisions whose account
  used it), grouped into "matters and widely used", "matters but rarely used: push adoption"
  and "rarely matters".
- A suggested `health_components` seed (same columns as the shipped one): weights from the
  logistic coefficients of the component metrics, targets from the median of the kept
  (renewed or expanded) decisions. Printed as a diff against the shipped seed; copying it over
  the seed is the user's step. Without a signal the shipped values are kept.

With too few decisions it says so in one line and exits non-zero instead of fitting.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pulse import paths, warehouse
from pulse.errors import PulseError, Refused
from pulse.files import write_atomic

SEED_FILE = paths.PROJECT_ROOT / "seeds" / "health_components.csv"
SUGGESTED_FILE = "health_components.suggested.csv"
REPORT_FILE = "calibration.html"
RESULTS_FILE = "calibration.json"

MIN_DECISIONS = 30  # fewer trainable decisions: refuse to fit
MIN_PER_OUTCOME = 5  # fewer lost (or kept) decisions: refuse to fit
FOLDS = 5
PERMUTATION_REPEATS = 3  # shuffles of each predictor per fold (permutation importance)
NULL_PERMUTATIONS = 19  # copies with shuffled outcomes: what chance reaches
SIGNIFICANCE = 0.05
MATTERS_MIN_AUC_DROP = 0.01  # a predictor "matters" when shuffling it costs >= 1 AUC point ...
WIDELY_USED_MIN_SHARE = 0.5  # ... and is "widely used" when >= half the decisions' accounts used it

MILESTONES = ("is_setup_complete", "is_activated", "is_utilizing", "is_mature")
SEGMENTS = (
    "is_never_active",
    "is_churn_risk",
    "is_healthy",
    "is_inactive",
    "is_new",
    "is_onboarding_cohort",
    "is_enterprise",
    "is_smb",
)
GROUPS = (
    "matters and widely used",
    "matters but rarely used: push adoption",
    "rarely matters",
    "matters (a component, the journey stage or a segment flag: no adoption to push)",
)
FITTED_MODELS = ("logistic regression", "random forest")
HEALTH_SCORE = "health score"
REWEIGHTED_SCORE = "re-weighted health score"


@dataclass
class Predictor:
    """One thing the models learn from: a component metric, a milestone, a segment flag or a
    product feature (two columns: clicks per active visitor and used or not)."""

    name: str
    kind: str  # component | milestone | segment | feature
    columns: list[str]
    label: str
    adoption: float | None = None  # share of decisions using it (features, milestones, flags)
    importance: float = 0.0  # mean AUC drop when shuffled (held-out folds)
    importance_spread: float = 0.0  # its standard deviation across folds
    group: str = ""


@dataclass
class ModelScore:
    name: str
    fold_aucs: list[float]
    null_aucs: list[float]  # mean AUC of the same procedure on data with shuffled outcomes

    @property
    def mean(self) -> float:
        return float(np.mean(self.fold_aucs))

    @property
    def spread(self) -> float:
        return float(np.std(self.fold_aucs))

    @property
    def p_value(self) -> float:
        """Share of the shuffled copies (and the data itself) scoring at least this AUC."""
        higher = sum(1 for auc in self.null_aucs if auc >= self.mean)
        return (1 + higher) / (1 + len(self.null_aucs))

    @property
    def beats_chance(self) -> bool:
        return self.mean - 0.5 > self.spread and self.p_value <= SIGNIFICANCE


@dataclass
class Calibration:
    count_decisions: int
    count_lost: int
    count_accounts: int
    folds: int
    seed: int
    models: list[ModelScore]
    predictors: list[Predictor]
    suggested: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def has_signal(self) -> bool:
        return any(m.beats_chance for m in self.models if m.name in FITTED_MODELS)

    def ranked(self) -> list[Predictor]:
        return sorted(self.predictors, key=lambda p: (-p.importance, p.name))


# -- data -------------------------------------------------------------------------------------
def read_training(wh: warehouse.Warehouse) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    decisions = wh.read_table("fct_renewal_decisions")
    features = wh.read_table("fct_renewal_decision_features")
    milestones = wh.read_table("rpt_renewal_outcomes_by_milestone")
    return decisions, features, milestones


SEED_NUMBERS = ("weight", "floor_value", "target_value")


def read_seed(path: Path = SEED_FILE) -> pd.DataFrame:
    if not path.is_file():
        raise PulseError(f"{path}: the health_components seed is missing")
    return pd.read_csv(path, dtype={"component": str, "metric": str, "description": str})


def read_seed_text(path: Path = SEED_FILE) -> pd.DataFrame:
    """The seed as written (every value as text), so that a suggestion changes only the
    numbers it changes."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def training_frame(
    decisions: pd.DataFrame, features: pd.DataFrame, seed: pd.DataFrame
) -> tuple[pd.DataFrame, list[Predictor]]:
    """The trainable decisions as one numeric frame (one column per predictor column, plus
    account_id and is_lost) and the predictors."""
    rows = decisions[decisions["is_trainable"].astype(bool)].copy()
    rows = rows.sort_values(["account_id", "renewal_date"]).reset_index(drop=True)
    frame = pd.DataFrame(
        {"account_id": rows["account_id"].astype(str), "is_lost": rows["is_lost"].astype(bool)}
    )
    # today's health score is the baseline every model is compared with, not a predictor
    frame["health_score"] = pd.to_numeric(rows["health_score"], errors="coerce").astype(float)
    predictors: list[Predictor] = []
    for component, metric in zip(seed["component"], seed["metric"], strict=True):
        # the component's score (0-100, computed in SQL) is what a suggested weight multiplies
        score = f"{component}_score"
        if score in rows.columns:
            frame[_score_column(component)] = pd.to_numeric(rows[score], errors="coerce")
        if metric not in rows.columns:
            continue
        frame[metric] = pd.to_numeric(rows[metric], errors="coerce").astype(float)
        predictors.append(Predictor(component, "component", [metric], f"{component} ({metric})"))
    # the stage's position in the ladder, as the SQL orders the stages (pulse_journey_stages)
    frame["journey_stage_order"] = pd.to_numeric(rows["journey_stage_order"]).astype(float)
    predictors.append(
        Predictor(
            "journey_stage", "milestone", ["journey_stage_order"], "journey stage (1 = not set up)"
        )
    )
    for name in MILESTONES:  # adoption: the share of decisions whose account had reached it
        frame[name] = rows[name].astype(bool).astype(float)
        adoption = float(frame[name].mean()) if len(frame) else None
        predictors.append(Predictor(name, "milestone", [name], name, adoption=adoption))
    for name in SEGMENTS:  # a flag (churn risk, SMB, ...) is not something to adopt
        frame[name] = rows[name].astype(bool).astype(float)
        predictors.append(Predictor(name, "segment", [name], name))
    keys = rows[["account_id", "renewal_date"]].astype({"account_id": str})
    usage = features.astype({"account_id": str}).merge(keys, on=["account_id", "renewal_date"])
    names = usage.drop_duplicates("feature_id").set_index("feature_id")["feature_name"]
    for feature_id in sorted(names.index):
        one = keys.merge(
            usage[usage["feature_id"] == feature_id], on=["account_id", "renewal_date"], how="left"
        )
        clicks, used = f"{feature_id}__clicks_per_active_visitor", f"{feature_id}__is_used"
        frame[clicks] = pd.to_numeric(one["clicks_per_active_visitor"]).fillna(0.0).astype(float)
        frame[used] = one["is_used"].fillna(False).astype(bool).astype(float)
        label = str(names[feature_id]) if pd.notna(names[feature_id]) else feature_id
        predictors.append(
            Predictor(
                feature_id, "feature", [clicks, used], label, adoption=float(frame[used].mean())
            )
        )
    return frame, predictors


def _score_column(component: str) -> str:
    return f"score__{component}"


def score_matrix(frame: pd.DataFrame, components: list[str]) -> np.ndarray:
    """The component scores (0-100, NaN without data) of the given components, one column each
    (all NaN for a component the training data does not have)."""
    return (
        np.column_stack(
            [
                frame[_score_column(c)].to_numpy(dtype=float)
                if _score_column(c) in frame
                else np.full(len(frame), np.nan)
                for c in components
            ]
        )
        if components
        else np.empty((len(frame), 0))
    )


def fit_weights(scores: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Weights for the component scores from a logistic regression of "kept" on them (scores
    / 100, a missing score at its median): the coefficient where it is positive, else 0.
    A component without any score gets NaN (not fitted)."""
    from sklearn.linear_model import LogisticRegression

    weights = np.full(scores.shape[1], np.nan)
    usable = [j for j in range(scores.shape[1]) if np.isfinite(scores[:, j]).any()]
    if not usable or kept.all() or not kept.any():
        return weights
    x = scores[:, usable] / 100.0
    medians = np.nanmedian(x, axis=0)
    x = np.where(np.isnan(x), medians, x)
    model = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit(x, kept)
    weights[usable] = np.maximum(model.coef_[0], 0.0)
    return weights


def weighted_score(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The health score with these weights: sum(weight x score) / sum(weight) over the
    components that have a score (as the SQL renormalises); NaN when none has."""
    w = np.where(np.isnan(weights), 0.0, weights)
    present = np.isfinite(scores) & (w > 0)
    total = np.where(present, w, 0.0).sum(axis=1)
    points = np.where(present, np.nan_to_num(scores) * w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, points / total, np.nan)


def check_enough(frame: pd.DataFrame, min_decisions: int, min_per_outcome: int) -> None:
    n, lost = len(frame), int(frame["is_lost"].sum())
    kept = n - lost
    if n < min_decisions or lost < min_per_outcome or kept < min_per_outcome:
        raise Refused(
            f"too few renewal decisions to learn from: {n} trainable ({lost} lost, {kept} kept); "
            f"calibration needs at least {min_decisions} and {min_per_outcome} of each outcome "
            "(more history, or a lower calibration_lead_days); nothing was fitted"
        )


# -- models -----------------------------------------------------------------------------------
def _models(seed: int) -> dict[str, Any]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    impute = {"strategy": "median", "keep_empty_features": True}
    return {
        "logistic regression": make_pipeline(
            SimpleImputer(**impute),
            StandardScaler(),
            LogisticRegression(C=0.3, class_weight="balanced", max_iter=5000),
        ),
        "random forest": make_pipeline(
            SimpleImputer(**impute),
            RandomForestClassifier(
                n_estimators=60,
                min_samples_leaf=3,
                class_weight="balanced_subsample",
                random_state=seed,
                n_jobs=1,
            ),
        ),
    }


def _folds(frame: pd.DataFrame, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds grouped by account (StratifiedGroupKFold): as many as both outcomes'
    accounts allow, at most FOLDS, each with both outcomes among its held-out rows."""
    from sklearn.model_selection import StratifiedGroupKFold

    y, groups = frame["is_lost"].to_numpy(), frame["account_id"].to_numpy()
    accounts_lost = len(set(groups[y]))
    accounts_kept = len(set(groups[~y]))
    k = min(FOLDS, accounts_lost, accounts_kept)
    if k < 2:
        raise Refused(
            f"the lost renewals come from {accounts_lost} account(s) and the kept ones from "
            f"{accounts_kept}: cross-validation needs at least 2 accounts of each; "
            "nothing was fitted"
        )
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    folds = []
    for train, test in splitter.split(np.zeros(len(y)), y, groups):
        if y[test].all() or not y[test].any() or y[train].all() or not y[train].any():
            continue
        folds.append((train, test))
    if len(folds) < 2:
        raise Refused("fewer than 2 folds hold both outcomes; nothing was fitted")
    return folds


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def _health_auc(y: np.ndarray, health: np.ndarray, train: np.ndarray, test: np.ndarray) -> float:
    """AUC of a health score on the held-out rows (a lower score means more risk, so the loss
    is scored by -health; missing scores get the training rows' median)."""
    fill = np.nanmedian(health[train]) if np.isfinite(health[train]).any() else 50.0
    return _auc(y[test], -np.where(np.isnan(health[test]), fill, health[test]))


def _cross_validate(
    x: np.ndarray,
    y: np.ndarray,
    health: np.ndarray | None,
    component_scores: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    seed: int,
    keep_forests: bool = False,
) -> tuple[dict[str, list[float]], list[Any]]:
    """Held-out AUC per fold of today's health score, the health score re-weighted with
    weights fitted on the training rows, and each model (and the fitted forests)."""
    from sklearn.base import clone

    scores: dict[str, list[float]] = {HEALTH_SCORE: []} if health is not None else {}
    reweight = component_scores.shape[1] > 0 and np.isfinite(component_scores).any()
    if reweight:
        scores[REWEIGHTED_SCORE] = []
    forests = []
    for name in _models(seed):
        scores[name] = []
    for train, test in folds:
        if health is not None:
            scores[HEALTH_SCORE].append(_health_auc(y, health, train, test))
        if reweight:
            weights = fit_weights(component_scores[train], ~y[train])
            if not (np.nan_to_num(weights) > 0).any():
                weights = np.ones(component_scores.shape[1])
            score = weighted_score(component_scores, weights)
            scores[REWEIGHTED_SCORE].append(_health_auc(y, score, train, test))
        for name, model in _models(seed).items():
            fitted = clone(model).fit(x[train], y[train])
            scores[name].append(_auc(y[test], fitted.predict_proba(x[test])[:, 1]))
            if keep_forests and name == "random forest":
                forests.append(fitted)
    return scores, forests


def calibrate(
    frame: pd.DataFrame,
    predictors: list[Predictor],
    seed_table: pd.DataFrame,
    seed: int = 42,
    min_decisions: int = MIN_DECISIONS,
    min_per_outcome: int = MIN_PER_OUTCOME,
) -> Calibration:
    """Fit and evaluate on the training frame (see training_frame); raises Refused when there
    is too little to learn from.

    A model beats chance when its mean held-out AUC exceeds 0.5 by more than its spread across
    folds and also exceeds the mean AUC the same procedure reaches on every one of
    NULL_PERMUTATIONS copies of the data with the outcomes shuffled (a permutation test at
    1 / (NULL_PERMUTATIONS + 1) = 5%)."""
    check_enough(frame, min_decisions, min_per_outcome)
    columns = [c for p in predictors for c in p.columns]
    x = frame[columns].to_numpy(dtype=float)
    y = frame["is_lost"].to_numpy(dtype=bool)
    health = frame["health_score"].to_numpy(dtype=float) if "health_score" in frame else None
    components = [str(c) for c in seed_table["component"]]
    component_scores = score_matrix(frame, components)
    folds = _folds(frame, seed)
    scores, forests = _cross_validate(
        x, y, health, component_scores, folds, seed, keep_forests=True
    )
    # the same procedure on shuffled outcomes: what "chance" reaches on data of this size
    rng = np.random.default_rng(seed)
    null: dict[str, list[float]] = {name: [] for name in scores}
    for _ in range(NULL_PERMUTATIONS):
        shuffled = frame.assign(is_lost=shuffle_by_account(frame, rng))
        y_null = shuffled["is_lost"].to_numpy(dtype=bool)
        null_scores, _ = _cross_validate(
            x, y_null, health, component_scores, _folds(shuffled, seed), seed
        )
        for name, aucs in null_scores.items():
            null[name].append(float(np.mean(aucs)))
    model_scores = [ModelScore(name, aucs, null[name]) for name, aucs in scores.items()]
    # permutation importance on the held-out rows of each fold (the forest)
    position = {c: i for i, c in enumerate(columns)}
    for predictor in predictors:
        cols = [position[c] for c in predictor.columns]
        drops = []
        for (_, test), forest in zip(folds, forests, strict=True):
            base = _auc(y[test], forest.predict_proba(x[test])[:, 1])
            fold_drops = []
            for _ in range(PERMUTATION_REPEATS):
                permuted = x[test].copy()
                permuted[:, cols] = permuted[rng.permutation(len(test))][:, cols]
                fold_drops.append(base - _auc(y[test], forest.predict_proba(permuted)[:, 1]))
            drops.append(float(np.mean(fold_drops)))
        predictor.importance = float(np.mean(drops))
        predictor.importance_spread = float(np.std(drops))
    # importance means something only when the forest it comes from beats chance
    forest_beats_chance = any(m.beats_chance for m in model_scores if m.name == "random forest")
    for predictor in predictors:
        predictor.group = _group(predictor) if forest_beats_chance else GROUPS[2]
    result = Calibration(
        count_decisions=len(frame),
        count_lost=int(y.sum()),
        count_accounts=int(frame["account_id"].nunique()),
        folds=len(folds),
        seed=seed,
        models=model_scores,
        predictors=predictors,
        suggested=seed_table.copy(),
    )
    if not forest_beats_chance:
        result.notes.append("the forest does not beat chance: no predictor is said to matter")
    by_name = {m.name: m for m in model_scores}
    reweighted_better = (
        REWEIGHTED_SCORE in by_name
        and HEALTH_SCORE in by_name
        and by_name[REWEIGHTED_SCORE].mean > by_name[HEALTH_SCORE].mean
    )
    result.suggested, notes = suggest(
        frame, seed_table, result.has_signal, reweighted_better, component_scores
    )
    result.notes.extend(notes)
    return result


def shuffle_by_account(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Outcomes shuffled between accounts, each account's outcomes kept together (the folds
    are grouped by account, so the null must keep that clustering): the outcome sequences are
    permuted among accounts with the same number of decisions."""
    y = frame["is_lost"].to_numpy(dtype=bool)
    rows = frame.groupby("account_id", sort=True).indices
    shuffled = y.copy()
    by_size: dict[int, list[str]] = {}
    for account, index in rows.items():
        by_size.setdefault(len(index), []).append(account)
    for size in sorted(by_size):
        accounts = by_size[size]
        order = rng.permutation(len(accounts))
        for account, source in zip(accounts, order, strict=True):
            shuffled[rows[account]] = y[rows[accounts[source]]]
    return shuffled


def _group(predictor: Predictor) -> str:
    matters = (
        predictor.importance >= MATTERS_MIN_AUC_DROP
        and predictor.importance > predictor.importance_spread
    )
    if not matters:
        return GROUPS[2]
    if predictor.adoption is None:
        return GROUPS[3]
    if predictor.adoption >= WIDELY_USED_MIN_SHARE:
        return GROUPS[0]
    return GROUPS[1]


# -- suggestions ------------------------------------------------------------------------------
def suggest(
    frame: pd.DataFrame,
    seed_table: pd.DataFrame,
    has_signal: bool,
    reweighted_better: bool,
    component_scores: np.ndarray,
) -> tuple[pd.DataFrame, list[str]]:
    """The suggested health_components seed and what was changed (or why not). Nothing is
    suggested unless a model beats chance.

    Weights (only when the re-weighted health score saw renewals better than today's in the
    cross-validation): a logistic regression of "kept" on the component scores (0-100, from
    SQL) of all trainable decisions; a component's weight is its coefficient, 0 when it points
    the wrong way, scaled so that the fitted components share what their shipped weights sum
    to; a component without any score keeps its shipped weight. Targets: the median of the
    kept decisions' metric, when it lies on the good side of the floor."""
    suggested = seed_table.copy()
    notes: list[str] = []
    if not has_signal:
        notes.append("no model beats chance: the shipped weights and targets are kept")
        return suggested, notes
    kept = ~frame["is_lost"].to_numpy(dtype=bool)
    fitted = fit_weights(component_scores, kept) if component_scores.shape[1] else np.array([])
    usable = np.isfinite(fitted) if len(fitted) else np.zeros(len(suggested), dtype=bool)
    for i in np.flatnonzero(~usable):
        notes.append(f"{suggested.at[i, 'component']}: no score in the data; weight kept")
    if not reweighted_better:
        notes.append(
            "the re-weighted health score does not see renewals coming better than today's "
            "(cross-validated AUC): the shipped weights are kept"
        )
    elif not usable.any() or fitted[usable].sum() <= 0:
        notes.append("no component score points the right way: the shipped weights are kept")
    else:
        budget = float(suggested.loc[usable, "weight"].sum())
        new = np.round(fitted[usable] / fitted[usable].sum() * budget, 2)
        new[int(np.argmax(new))] += round(budget - float(new.sum()), 2)  # keep the sum
        suggested.loc[usable, "weight"] = np.round(new, 2)
    good = np.where(suggested["target_value"] >= suggested["floor_value"], 1.0, -1.0)
    for i, row in suggested.iterrows():
        metric = row["metric"]
        values = frame.loc[kept, metric].dropna() if metric in frame.columns else pd.Series()
        if values.empty:
            notes.append(f"{row['component']}: no {metric} among the kept decisions; target kept")
            continue
        target = round(float(values.median()), 2)
        better = target > row["floor_value"] if good[i] > 0 else target < row["floor_value"]
        if better:
            suggested.at[i, "target_value"] = target
        else:
            notes.append(
                f"{row['component']}: the kept decisions' median {target} is not better than the "
                f"floor {row['floor_value']}; target kept"
            )
    return suggested, notes


def seed_csv(suggested: pd.DataFrame, shipped_text: pd.DataFrame) -> str:
    """The suggested seed in the shipped seed's columns and text: a number the suggestion did
    not change keeps its shipped spelling (0.20 stays 0.20)."""
    table = shipped_text.copy()
    for column in SEED_NUMBERS:
        for i, text in table[column].items():
            new = float(suggested.at[i, column])
            if not math.isclose(new, float(text), abs_tol=1e-12):
                table.at[i, column] = f"{new:g}"
    out = io.StringIO()
    table.to_csv(out, index=False, lineterminator="\n")
    return out.getvalue()


def seed_diff(shipped_csv: str, suggested_csv: str, suggested_name: str) -> str:
    return "".join(
        difflib.unified_diff(
            shipped_csv.splitlines(keepends=True),
            suggested_csv.splitlines(keepends=True),
            fromfile="seeds/health_components.csv",
            tofile=suggested_name,
        )
    )


# -- output -----------------------------------------------------------------------------------
def results_json(result: Calibration) -> dict[str, Any]:
    return {
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "count_decisions": result.count_decisions,
        "count_lost": result.count_lost,
        "count_accounts": result.count_accounts,
        "folds": result.folds,
        "seed": result.seed,
        "has_signal": result.has_signal,
        "models": [
            {
                "name": m.name,
                "auc_mean": m.mean,
                "auc_spread": m.spread,
                "fold_aucs": m.fold_aucs,
                "p_value": m.p_value,
                "null_auc_max": max(m.null_aucs, default=None),
                "beats_chance": m.beats_chance,
            }
            for m in result.models
        ],
        "predictors": [asdict(p) for p in result.ranked()],
        "notes": result.notes,
    }


def _pct(value: float | None) -> str:
    return (
        "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0%}"
    )


def scatter_svg(predictors: list[Predictor]) -> str:
    """Importance (AUC drop) against adoption, one dot per product feature, milestone and flag."""
    from html import escape

    points = [p for p in predictors if p.adoption is not None]
    width, height, left, right, top, bottom = 640, 320, 56, 16, 20, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = max([0.05, *(p.importance for p in points)])
    y_min = min([0.0, *(p.importance for p in points)])
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Importance against adoption"><title>Importance against adoption</title>'
    ]

    def sy(v: float) -> float:
        return top + plot_h * (y_max - v) / (y_max - y_min)

    for i in range(5):
        v = y_min + (y_max - y_min) * i / 4
        parts.append(
            f'<line class="grid" x1="{left}" y1="{sy(v):.1f}" x2="{width - right}" '
            f'y2="{sy(v):.1f}"/><text class="axis" x="{left - 6}" y="{sy(v) + 4:.1f}" '
            f'text-anchor="end">{v:.3f}</text>'
        )
    for i in range(5):
        x = left + plot_w * i / 4
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{i * 25}%</text>"
        )
    parts.append(
        f'<text class="axis" x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">'
        "adoption (share of decisions whose account used it)</text>"
        f'<text class="axis" x="{left}" y="{top - 6}">AUC drop when shuffled</text>'
        f'<line class="grid" x1="{left + plot_w * WIDELY_USED_MIN_SHARE:.1f}" y1="{top}" '
        f'x2="{left + plot_w * WIDELY_USED_MIN_SHARE:.1f}" y2="{top + plot_h}" '
        'stroke-dasharray="4 4"/>'
        f'<line class="grid" x1="{left}" y1="{sy(MATTERS_MIN_AUC_DROP):.1f}" x2="{width - right}" '
        f'y2="{sy(MATTERS_MIN_AUC_DROP):.1f}" stroke-dasharray="4 4"/>'
    )
    for p in points:
        x, y = left + plot_w * (p.adoption or 0.0), sy(p.importance)
        css = {"feature": "#2563eb", "milestone": "#16a34a", "segment": "#9333ea"}.get(
            p.kind, "#555"
        )
        label = escape(f"{p.label}: importance {p.importance:.3f}, adoption {_pct(p.adoption)}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{css}" fill-opacity="0.75">'
            f"<title>{label}</title></circle>"
        )
        if p.group != GROUPS[2]:
            parts.append(
                f'<text class="value" x="{x + 6:.1f}" y="{y - 4:.1f}">{escape(p.label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def render_html(
    result: Calibration, milestones: pd.DataFrame, diff: str, shipped: pd.DataFrame
) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    from pulse.report import TEMPLATE_DIR, bar_chart_svg

    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR), undefined=StrictUndefined, autoescape=True
    )
    stages = milestones[milestones["breakdown"] == "journey_stage"].sort_values("breakdown_order")
    bars = [
        (
            str(r.breakdown_value).replace("_", " "),
            100 * float(r.loss_rate),
            False,
            f"{r.breakdown_value}: {r.count_lost} of {r.count_decisions} lost",
        )
        for r in stages.itertuples()
    ]
    tables = {
        name: milestones[milestones["breakdown"] == name]
        .sort_values("breakdown_order")
        .to_dict("records")
        for name in ("journey_stage", "activation", "setup_and_activation")
    }
    comparison = shipped.merge(
        result.suggested[["component", "weight", "target_value"]],
        on="component",
        suffixes=("", "_suggested"),
    ).to_dict("records")
    return env.get_template("calibration.html").render(
        result=result,
        ranked=result.ranked(),
        groups=GROUPS,
        fitted_models=FITTED_MODELS,
        scatter=Markup(scatter_svg(result.predictors)),
        stage_chart=bar_chart_svg(
            bars, "Share of renewal decisions lost by journey stage", unit="% lost"
        ),
        milestone_tables=tables,
        comparison=comparison,
        diff=diff,
        pct=_pct,
        matters_min=MATTERS_MIN_AUC_DROP,
        widely_used_min=WIDELY_USED_MIN_SHARE,
        suggested_file=SUGGESTED_FILE,
    )


def summary_lines(result: Calibration) -> list[str]:
    lines = [
        f"{result.count_decisions} renewal decisions ({result.count_lost} lost) of "
        f"{result.count_accounts} accounts, {result.folds} folds grouped by account:"
    ]
    for m in result.models:
        verdict = "beats chance" if m.beats_chance else "no better than chance"
        lines.append(
            f"  {m.name:<20} ROC AUC {m.mean:.3f} ± {m.spread:.3f}  p {m.p_value:.2f}  {verdict}"
        )
    top = [p for p in result.ranked() if p.group != GROUPS[2]][:5]
    if top:
        lines.append("  matters most: " + ", ".join(f"{p.label} ({p.importance:.3f})" for p in top))
    if not result.has_signal:
        lines.append("  no signal: the models do not beat chance, nothing is suggested")
    return lines


def run(
    out: Path,
    seed: int = 42,
    min_decisions: int = MIN_DECISIONS,
    min_per_outcome: int = MIN_PER_OUTCOME,
) -> Calibration:
    with warehouse.connect() as wh:
        decisions, features, milestones = read_training(wh)
    shipped = read_seed()
    frame, predictors = training_frame(decisions, features, shipped)
    result = calibrate(frame, predictors, shipped, seed, min_decisions, min_per_outcome)
    suggested_path = out / SUGGESTED_FILE
    suggested_csv = seed_csv(result.suggested, read_seed_text())
    diff = seed_diff(SEED_FILE.read_text(encoding="utf-8"), suggested_csv, str(suggested_path))
    page = render_html(result, milestones, diff, shipped)  # everything rendered, then written
    results = json.dumps(results_json(result), indent=2) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(suggested_path, suggested_csv)
    write_atomic(out / RESULTS_FILE, results)
    write_atomic(out / REPORT_FILE, page)
    for line in summary_lines(result):
        print(line)
    for note in result.notes:
        print(f"  note: {note}")
    print(diff.rstrip("\n") if diff else "  the suggested seed equals the shipped one")
    print(f"wrote {out / REPORT_FILE} and {suggested_path}")
    print(f"to use the suggestion: cp {suggested_path} {SEED_FILE} && make build FULL_REFRESH=1")
    return result


def run_cli(args: argparse.Namespace) -> int:
    out = paths.resolve(args.out) if args.out else paths.export_dir() / "calibration"
    run(out, seed=args.seed, min_decisions=args.min_decisions, min_per_outcome=args.min_per_outcome)
    return 0
