"""Evaluate a stance model on labeled examples: macro-F1, per-class precision/recall, confusion matrix,
calibration (Brier score, expected calibration error), against two baselines (majority class, targeted VADER)."""
from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from newsstance.model import LABELS, StanceModel
from newsstance.sentiment import mean_sentiment, mentioning, sentence_sentiments

from .data import Example

VADER_THRESHOLD = 0.05  # VADER's own suggested cut-off for positive/negative compound scores


def vader_labels(examples: list[Example]) -> list[str]:
    """Baseline: compound of the sentences that mention the target, mapped to favor/against/neutral."""
    labels = []
    for e in examples:
        sentences = sentence_sentiments(e.text)
        targeted = mean_sentiment(mentioning(sentences, e.mentions) or sentences)
        compound = targeted["compound"] if targeted else 0.0
        labels.append("favor" if compound >= VADER_THRESHOLD else "against" if compound <= -VADER_THRESHOLD
                      else "neutral")
    return labels


def expected_calibration_error(probabilities: np.ndarray, truth: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE: |accuracy - confidence| per confidence bin, weighted by the bin's share."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth
    edges = np.linspace(0, 1, bins + 1)
    error = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def present_labels(truth, predicted) -> list[str]:
    """Labels that occur in the truth or the predictions: macro-F1 averages over these (a class absent from
    both has no defined F1 and would otherwise count as 0)."""
    return [label for label in LABELS if label in set(truth) | set(predicted)]


def macro_f1(truth, predicted) -> float:
    """Macro-F1 over the labels present in truth or predictions (see `present_labels`)."""
    return float(f1_score(truth, predicted, labels=present_labels(truth, predicted), average="macro",
                          zero_division=0))


def _scores(truth: list[str], predicted: list[str]) -> dict:
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=list(LABELS),
                                                                     zero_division=0)
    return {
        "macro_f1": round(macro_f1(truth, predicted), 4),
        "per_class": {label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                              "support": int(s)} for label, p, r, f, s in zip(LABELS, precision, recall, f1, support)},
    }


def evaluate_examples(model: StanceModel, examples: list[Example], majority: str = "neutral") -> dict:
    """Metrics of the model and the baselines on examples; 'strict' leaves out uncertain labels."""
    if not examples:
        return {"examples": 0}
    probabilities = model.predict_proba([e.instance() for e in examples])
    predicted = [model.label(p, e.target) for p, e in zip(probabilities, examples)]
    vader = vader_labels(examples)
    truth = [e.label for e in examples]
    strict = [i for i, e in enumerate(examples) if not e.uncertain]
    pick = lambda values: [values[i] for i in strict]  # noqa: E731
    truth_index = np.array([LABELS.index(label) for label in pick(truth)])
    strict_probabilities = probabilities[strict]
    onehot = np.eye(len(LABELS))[truth_index] if len(strict) else np.zeros((0, len(LABELS)))
    report = {
        "examples": len(examples), "strict_examples": len(strict),
        "label_counts": dict(Counter(pick(truth))),
        "model": {
            **_scores(pick(truth), pick(predicted)),
            "macro_f1_with_uncertain": round(macro_f1(truth, predicted), 4),
            "confusion_matrix": {"labels": list(LABELS),
                                 "rows_true_cols_predicted": confusion_matrix(pick(truth), pick(predicted),
                                                                              labels=list(LABELS)).tolist()},
            "brier": round(float(((strict_probabilities - onehot) ** 2).sum(axis=1).mean()), 4) if strict else None,
            "ece": round(expected_calibration_error(strict_probabilities, truth_index), 4) if strict else None,
        },
        "majority_baseline": {**_scores(pick(truth), [majority] * len(strict)), "label": majority},
        "vader_baseline": _scores(pick(truth), pick(vader)),
    }
    return report


def evaluate(model: StanceModel, sets: dict[str, list[Example]], majority: dict[str, str] | None = None) -> dict:
    """Reports for several named example sets (one per target, or per data set)."""
    majority = majority or {}
    return {name: evaluate_examples(model, examples, majority.get(name, "neutral")) for name, examples in sets.items()}


def markdown(report: dict, title: str = "Evaluation") -> str:
    """A short markdown report: one table of macro-F1 against the baselines, then confusion matrices."""
    lines = [f"# {title}", "", "| set | strict n | model macro-F1 | majority | targeted VADER | with uncertain | "
             "Brier | ECE |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in report.items():
        if not r.get("strict_examples"):
            lines.append(f"| {name} | 0 | - | - | - | - | - | - |")
            continue
        m = r["model"]
        lines.append(f"| {name} | {r['strict_examples']} | {m['macro_f1']:.3f} | {r['majority_baseline']['macro_f1']:.3f}"
                     f" | {r['vader_baseline']['macro_f1']:.3f} | {m['macro_f1_with_uncertain']:.3f} | {m['brier']:.3f}"
                     f" | {m['ece']:.3f} |")
    for name, r in report.items():
        if not r.get("strict_examples"):
            continue
        m = r["model"]
        lines += ["", f"## {name}", "", "| true \\ predicted | " + " | ".join(LABELS) + " | recall |",
                  "|---|" + "---:|" * (len(LABELS) + 1)]
        for label, row in zip(LABELS, m["confusion_matrix"]["rows_true_cols_predicted"]):
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + f" | {m['per_class'][label]['recall']:.2f} |")
        lines.append("| precision | " + " | ".join(f"{m['per_class'][label]['precision']:.2f}" for label in LABELS)
                     + " | |")
    return "\n".join(lines) + "\n"
