"""Tidy tables about labeled data and model predictions, for notebooks and reports: labels per target and
class, predictions with their probabilities, and reliability (calibration) bins with intervals.

    from training import diagnostics
    diagnostics.label_frame(data)                      # one row per example: target, label, uncertain, split
    frame = diagnostics.predictions(model, examples_by_target)
    diagnostics.reliability_table(frame)               # confidence bins: mean confidence, accuracy, interval
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from newsstance.model import LABELS, StanceModel

from .data import Example
from .train import TrainingData


def label_frame(data: TrainingData | dict[str, dict[str, list[Example]]]) -> pd.DataFrame:
    """One row per example: split, target, label, uncertain, source, group. `data`: TrainingData (splits
    'train' and 'dev') or a dict {split: {target: examples}}."""
    if isinstance(data, TrainingData):
        splits = {"train": data.train, "dev": data.dev}
    else:
        splits = data
    rows = [{"split": split, "target": target, "label": e.label, "uncertain": e.uncertain, "source": e.source,
             "group": e.group}
            for split, by_target in splits.items() for target, examples in by_target.items() for e in examples]
    return pd.DataFrame(rows, columns=["split", "target", "label", "uncertain", "source", "group"])


def class_balance(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts per split, target and label, certain and uncertain, with the label's share of the target."""
    if frame.empty:
        return pd.DataFrame(columns=["split", "target", "label", "certain", "uncertain", "total", "share"])
    counts = (frame.assign(certain=~frame["uncertain"], uncertain=frame["uncertain"])
              .groupby(["split", "target", "label"], sort=False)[["certain", "uncertain"]].sum().astype(int))
    counts = counts.reindex(pd.MultiIndex.from_product(
        [list(dict.fromkeys(frame["split"])), list(dict.fromkeys(frame["target"])), list(LABELS)],
        names=["split", "target", "label"]), fill_value=0).reset_index()
    counts["total"] = counts["certain"] + counts["uncertain"]
    totals = counts.groupby(["split", "target"])["total"].transform("sum")
    counts["share"] = (counts["total"] / totals.where(totals > 0)).round(3)
    return counts[counts.groupby(["split", "target"])["total"].transform("sum") > 0].reset_index(drop=True)


def predictions(model: StanceModel, sets: dict[str, list[Example]]) -> pd.DataFrame:
    """The model's probabilities on examples by target: one row per example with truth, prediction,
    P(favor), P(against), P(neutral), confidence (the probability of the predicted label), correct, uncertain."""
    rows = []
    for target, examples in sets.items():
        if not examples:
            continue
        probabilities = model.predict_proba([e.instance() for e in examples])
        for e, p in zip(examples, probabilities):
            predicted = model.label(p, e.target)
            rows.append({"target": target, "truth": e.label, "predicted": predicted, "p_favor": p[0],
                         "p_against": p[1], "p_neutral": p[2], "confidence": float(p[LABELS.index(predicted)]),
                         "correct": predicted == e.label, "uncertain": e.uncertain})
    return pd.DataFrame(rows, columns=["target", "truth", "predicted", "p_favor", "p_against", "p_neutral",
                                       "confidence", "correct", "uncertain"])


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (well behaved near 0 and 1 and for small n)."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # The interval holds p; rounding can put an end a hair inside it (p = 1 gave 0.9999999999999999).
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def reliability_table(frame: pd.DataFrame, bins: int = 10, strict: bool = True) -> pd.DataFrame:
    """Top-label reliability: predictions binned by confidence; per bin the mean confidence, the observed
    accuracy with its 95% Wilson interval, and the count. strict leaves out uncertain labels (as the strict
    metrics do). Empty bins are dropped. The weighted gap |accuracy - confidence| is the ECE."""
    if strict and not frame.empty:
        frame = frame[~frame["uncertain"]]
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = frame[(frame["confidence"] > low) & (frame["confidence"] <= high)] if not frame.empty else frame
        n = len(inside)
        if n == 0:
            continue
        correct = int(inside["correct"].sum())
        lo, hi = wilson_interval(correct, n)
        rows.append({"bin_low": round(low, 3), "bin_high": round(high, 3), "confidence": inside["confidence"].mean(),
                     "accuracy": correct / n, "accuracy_low": lo, "accuracy_high": hi, "count": n})
    return pd.DataFrame(rows, columns=["bin_low", "bin_high", "confidence", "accuracy", "accuracy_low",
                                       "accuracy_high", "count"])


def expected_calibration_error(table: pd.DataFrame) -> float:
    """ECE from a reliability table: the count-weighted mean of |accuracy - confidence|."""
    if table.empty:
        return math.nan
    weights = table["count"] / table["count"].sum()
    return float((weights * (table["accuracy"] - table["confidence"]).abs()).sum())


def compare_models(models: dict[str, StanceModel], sets: dict[str, dict[str, list[Example]]]) -> dict:
    """`training.evaluate.evaluate` reports of every model on every evaluation set:
    {set name: {model name: report}}. `sets`: {set name: {target: examples}} (`sandbox.evaluation_sets`)."""
    from .evaluate import evaluate

    return {set_name: {name: evaluate(model, by_target) for name, model in models.items()}
            for set_name, by_target in sets.items()}


def metrics_frame(reports: dict[str, dict]) -> pd.DataFrame:
    """Headline metrics of evaluation reports {model name: `evaluate()` report}: one row per model and target
    (strict labels), with the two baselines beside."""
    rows = []
    for model_name, report in reports.items():
        for target, r in report.items():
            if not r.get("strict_examples"):
                continue
            rows.append({"model": model_name, "target": target, "strict examples": r["strict_examples"],
                         "macro-F1": r["model"]["macro_f1"], "majority baseline": r["majority_baseline"]["macro_f1"],
                         "targeted VADER": r["vader_baseline"]["macro_f1"], "Brier": r["model"]["brier"],
                         "ECE": r["model"]["ece"]})
    return pd.DataFrame(rows, columns=["model", "target", "strict examples", "macro-F1", "majority baseline",
                                       "targeted VADER", "Brier", "ECE"])


def comparison_frame(compared: dict[str, dict[str, dict]]) -> pd.DataFrame:
    """`metrics_frame` of every set of `compare_models(...)`, with a `set` column first."""
    frames = [metrics_frame(by_model).assign(set=set_name) for set_name, by_model in compared.items()]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    return frame[["set"] + [c for c in frame.columns if c != "set"]]
