"""Inter-annotator agreement of two labelings of the same paragraphs: Cohen's kappa per target (and on the
paragraph kind), with the observed agreement and the confusion table behind it.

    from training.agreement import agreement
    report = agreement("training/labels/allsides.jsonl", "training/labels/allsides_second.jsonl")
    report["russia"]["kappa"]

Rows are joined on their reference: (`article`, `paragraph`) for by-reference labels, else `id`. The '?' of an
uncertain label is dropped for `kappa` ('against?' and 'against' agree); `kappa_certain` uses only the rows
that both labelings marked certain. Paragraphs that either labeling calls boilerplate carry no stance and are
left out of the targets' figures (not of the kind's)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from newsstance.model import LABELS
from newsstance.targets import BUILTIN_NAMES

KINDS = ("body", "heading", "boilerplate")


def cohen_kappa(first: list[str], second: list[str], labels: Iterable[str] | None = None) -> float | None:
    """Cohen's kappa of two equally long label sequences; None when it is undefined (no rows, or both
    labelings use one and the same label throughout, so that chance agreement is 1)."""
    if len(first) != len(second):
        raise ValueError(f"the labelings differ in length ({len(first)} and {len(second)})")
    n = len(first)
    if n == 0:
        return None
    labels = list(labels) if labels is not None else sorted(set(first) | set(second))
    a, b = Counter(first), Counter(second)
    observed = sum(x == y for x, y in zip(first, second)) / n
    expected = sum(a[label] * b[label] for label in labels) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def _rows(source) -> list[dict]:
    """Rows of a JSONL file (path) or an iterable of dicts."""
    if isinstance(source, (str, Path)):
        with open(source, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    return list(source)


def _key(row: dict):
    if "article" in row and "paragraph" in row:
        return (row["article"], row["paragraph"])
    if "id" in row:
        return row["id"]
    raise ValueError(f"a labeled row needs ('article', 'paragraph') or 'id' to be joined: {sorted(row)}")


def _label(value) -> tuple[str, bool]:
    text = str(value).strip().lower()
    return text.rstrip("?"), text.endswith("?")


def _summary(pairs: list[tuple[str, str]], labels: Iterable[str]) -> dict:
    labels = list(labels)
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    matrix = [[sum(1 for a, b in pairs if a == row and b == column) for column in labels] for row in labels]
    kappa = cohen_kappa(first, second, labels)
    return {
        "n": len(pairs),
        "kappa": None if kappa is None else round(kappa, 4),
        "observed": round(sum(a == b for a, b in pairs) / len(pairs), 4) if pairs else None,
        "confusion": {"labels": labels, "rows_first_cols_second": matrix},
    }


def agreement(first, second, targets: Iterable[str] = BUILTIN_NAMES) -> dict:
    """Agreement between two labelings (paths to JSONL files, or lists of row dicts) of the same paragraphs.

    Returns {target: {n, kappa, observed, kappa_certain, n_certain, confusion}} for each target, plus
    "kind" when both labelings have paragraph kinds, and "joined" (rows present in both)."""
    one = {_key(r): r for r in _rows(first)}
    two = {_key(r): r for r in _rows(second)}
    shared = [k for k in one if k in two]
    report: dict = {"joined": len(shared)}
    kinds = [(one[k].get("kind"), two[k].get("kind")) for k in shared]
    has_kinds = all(a and b for a, b in kinds) and kinds
    for target in targets:
        pairs, certain = [], []
        for key in shared:
            a, b = one[key], two[key]
            if "boilerplate" in (a.get("kind"), b.get("kind")):
                continue
            if a.get(target) in (None, "") or b.get(target) in (None, ""):
                continue
            (label_a, unsure_a), (label_b, unsure_b) = _label(a[target]), _label(b[target])
            pairs.append((label_a, label_b))
            if not unsure_a and not unsure_b:
                certain.append((label_a, label_b))
        entry = _summary(pairs, LABELS)
        strict = _summary(certain, LABELS)
        entry["kappa_certain"], entry["n_certain"] = strict["kappa"], strict["n"]
        report[target] = entry
    if has_kinds:
        report["kind"] = _summary(kinds, KINDS)
    return report


def agreement_rows(report: dict, set_name: str | None = None) -> list[dict]:
    """One flat row per target (and kind) of an `agreement` report, for a table; `set_name` adds a first
    column naming the labeled set."""
    rows = []
    for name, entry in report.items():
        if not isinstance(entry, dict):
            continue
        rows.append({**({"set": set_name} if set_name else {}), "labels": name, "paragraphs": entry["n"], "observed agreement": entry["observed"],
                     "kappa": entry["kappa"], "certain paragraphs": entry.get("n_certain"),
                     "kappa (both certain)": entry.get("kappa_certain")})
    return rows
