"""Train the stance model: one pipeline per built-in target plus a target-agnostic one, each chosen by a
small article-grouped cross-validated search on training data only, then fitted with calibration."""
from __future__ import annotations

import hashlib
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from newsstance.model import GENERIC, LABELS, StanceModel, build_pipeline

from .data import Example

DEV_SHARE = 5  # one article in five goes to the fixed dev split


def data_hash(paths) -> str:
    """sha256 over the bytes of the training-data files, in the given order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def in_dev_split(example: Example) -> bool:
    """The fixed evaluation split: real (not written) examples of one article in five, by a stable hash."""
    if example.source == "written":
        return False
    return int(hashlib.sha256(example.group.encode("utf-8")).hexdigest(), 16) % DEV_SHARE == 0


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """Train and dev parts; no article is on both sides."""
    train, dev = [], []
    for example in examples:
        (dev if in_dev_split(example) else train).append(example)
    return train, dev


def fit(examples: list[Example], **params):
    """Fit the stance pipeline on examples, weighting each by its weight."""
    pipeline = build_pipeline(**params)
    pipeline.fit([e.instance() for e in examples], [e.label for e in examples],
                 classifier__sample_weight=[e.weight for e in examples])
    return pipeline


def predicted_labels(model: StanceModel, examples: list[Example]) -> list[str]:
    """The most probable label of each example."""
    return [LABELS[i] for i in model.predict_proba([e.instance() for e in examples]).argmax(axis=1)]


def macro_f1(model: StanceModel, examples: list[Example]) -> float:
    """Macro-F1 over favor, against, neutral."""
    return float(f1_score([e.label for e in examples], predicted_labels(model, examples), labels=list(LABELS),
                          average="macro", zero_division=0))


@dataclass
class SearchResult:
    """The chosen parameters of one pipeline and the cross-validated scores behind the choice."""

    params: dict
    cv_macro_f1: float
    tried: list = field(default_factory=list)


def _fold_score(examples, extra, train_idx, test_idx, params) -> float:
    """Macro-F1 of one fold; `extra` examples (another data set) join every training fold."""
    train = [examples[i] for i in train_idx] + extra
    test = [examples[i] for i in test_idx if not examples[i].uncertain]
    pipeline = build_pipeline(**params, calibration_folds=0)
    pipeline.fit([e.instance() for e in train], [e.label for e in train],
                 classifier__sample_weight=[e.weight for e in train])
    predicted = pipeline.predict([e.instance() for e in test])
    return float(f1_score([e.label for e in test], predicted, labels=list(LABELS), average="macro", zero_division=0))


def search(examples: list[Example], grid: dict, *, extra_sets: dict | None = None, folds: int = 4,
           jobs: int = 2) -> SearchResult:
    """Article-grouped cross-validated grid search (uncalibrated, for speed); `extra_sets` maps a weight
    to examples of another data set to add at that weight (0 leaves them out)."""
    extra_sets = extra_sets or {0: []}
    groups = [e.group for e in examples]
    splits = list(GroupKFold(n_splits=min(folds, len(set(groups)))).split(examples, groups=groups))
    candidates = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    jobs_list = [(params, weight) for params in candidates for weight in extra_sets]
    scores = Parallel(n_jobs=jobs)(
        delayed(_fold_score)(examples, _reweighted(extra_sets[weight], weight), tr, te, params)
        for params, weight in jobs_list for tr, te in splits)
    tried = []
    for k, (params, weight) in enumerate(jobs_list):
        fold_scores = scores[k * len(splits):(k + 1) * len(splits)]
        tried.append({"params": {**params, "extra_weight": weight}, "cv_macro_f1": round(float(np.mean(fold_scores)), 4),
                      "cv_sd": round(float(np.std(fold_scores)), 4)})
    best = max(tried, key=lambda t: t["cv_macro_f1"])
    return SearchResult(best["params"], best["cv_macro_f1"], tried)


def _reweighted(examples: list[Example], weight: float) -> list[Example]:
    if not weight:
        return []
    return [Example(e.text, e.mentions, e.label, e.target, e.weight * weight, e.group, e.source, e.uncertain)
            for e in examples]


def train_model(by_target: dict[str, list[Example]], generic: list[Example], *, grid: dict,
                generic_params: dict | None = None, progress=print, jobs: int = 2):
    """Search and fit one pipeline per target (NewsMTSC-style `generic` examples may join at a searched
    weight) and the target-agnostic pipeline on `generic` plus all targets' examples."""
    pipelines, searches = {}, {}
    started = time.perf_counter()
    for target, examples in by_target.items():
        result = search(examples, grid, extra_sets={0: [], 0.3: generic}, jobs=jobs)
        searches[target] = result
        params = {k: v for k, v in result.params.items() if k != "extra_weight"}
        extra = _reweighted(generic, result.params["extra_weight"])
        progress(f"{target}: chose {result.params} (grouped CV macro-F1 {result.cv_macro_f1:.3f}); fitting")
        pipelines[target] = fit(examples + extra, **params)
    everything = generic + [e for examples in by_target.values() for e in examples]
    progress(f"{GENERIC}: fitting the target-agnostic pipeline on {len(everything)} examples")
    pipelines[GENERIC] = fit(everything, **(generic_params or {}))
    return pipelines, searches, time.perf_counter() - started
