"""Train the stance model: one pipeline per built-in target plus a target-agnostic one, each chosen by a
small article-grouped cross-validated search on training data only, then fitted with calibration."""
from __future__ import annotations

import hashlib
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import GroupKFold

from newsstance.model import GENERIC, LABELS, StanceModel, build_pipeline

from .data import Example
from .evaluate import macro_f1

DEV_SHARE = 5  # one article in five goes to the fixed dev split
# Paragraphs written here (source "written") may stand in only where the corpus lacks real ones: Vietnam's
# position between powers. Their labels for the other targets are not used.
WRITTEN_TARGETS = frozenset({"neutrality"})


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


@dataclass
class SearchResult:
    """The chosen parameters of one pipeline and the cross-validated scores behind the choice."""

    params: dict
    cv_macro_f1: float
    tried: list = field(default_factory=list)

    @property
    def pipeline_params(self) -> dict:
        """The chosen parameters that `build_pipeline` takes (the extra data set's weight is not one)."""
        return {k: v for k, v in self.params.items() if k != "extra_weight"}


def _fold_score(examples, extra, train_idx, test_idx, params) -> float:
    """Macro-F1 of one fold; `extra` examples (another data set) join every training fold."""
    test = [examples[i] for i in test_idx if not examples[i].uncertain]
    pipeline = fit([examples[i] for i in train_idx] + extra, **params, calibration_folds=0)
    predicted = list(pipeline.predict([e.instance() for e in test]))
    truth = [e.label for e in test]
    return macro_f1(truth, predicted)


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


DECISION_ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _fold_probabilities(examples, train_idx, test_idx, params) -> tuple:
    """Calibrated probabilities (LABELS order) of one fold's test part."""
    fold_model = StanceModel(fit([examples[i] for i in train_idx], **params))
    return test_idx, fold_model.predict_proba([examples[i].instance() for i in test_idx])


def choose_decision(examples: list[Example], params: dict, *, folds: int = 4, jobs: int = 2) -> dict:
    """Decision weights prior**-alpha for the labels, alpha chosen by macro-F1 of calibrated out-of-fold
    probabilities in article-grouped CV on the training part (ties go to the smaller alpha; 0 is argmax)."""
    groups = [e.group for e in examples]
    splits = GroupKFold(n_splits=min(folds, len(set(groups)))).split(examples, groups=groups)
    out_of_fold = np.zeros((len(examples), len(LABELS)))
    for test_idx, probabilities in Parallel(n_jobs=jobs)(
            delayed(_fold_probabilities)(examples, tr, te, params) for tr, te in splits):
        out_of_fold[test_idx] = probabilities
    counts = Counter(e.label for e in examples)
    prior = np.array([max(counts[label], 1) / len(examples) for label in LABELS])
    strict = [i for i, e in enumerate(examples) if not e.uncertain]
    truth = [examples[i].label for i in strict]
    scores = {}
    for alpha in DECISION_ALPHAS:
        predicted = [LABELS[k] for k in np.argmax(out_of_fold[strict] * prior ** -alpha, axis=1)]
        scores[alpha] = macro_f1(truth, predicted)
    best = max(DECISION_ALPHAS, key=lambda a: (round(scores[a], 4), -a))
    weights = prior ** -best
    weights = weights / weights.mean()
    return {"alpha": best, "weights": {label: round(float(w), 6) for label, w in zip(LABELS, weights)},
            "cv_macro_f1": {str(a): round(v, 4) for a, v in scores.items()}}


def _reweighted(examples: list[Example], weight: float) -> list[Example]:
    if not weight:
        return []
    return [Example(e.text, e.mentions, e.label, e.target, e.weight * weight, e.group, e.source, e.uncertain)
            for e in examples]


def train_model(by_target: dict[str, list[Example]], generic: list[Example], *, grid: dict,
                generic_params: dict | None = None, generic_weights=(0,), progress=print, jobs: int = 2):
    """Search and fit one pipeline per target, and the target-agnostic pipeline.

    `generic` (NewsMTSC) examples may join a target's search at the given weights; by default they do not,
    as grouped CV showed them lowering macro-F1 on our labels. The target-agnostic pipeline is fitted on
    `generic` alone (its NewsMTSC dev_rw macro-F1 fell from 0.680 to 0.638 when our labels joined), or on
    all targets' examples when there is no generic data; its features are chosen by grouped CV over
    GENERIC_GRID unless `generic_params` are given. Every searched pipeline also gets decision weights
    (`choose_decision`)."""
    pipelines, searches, decisions = {}, {}, {}
    started = time.perf_counter()
    for target, examples in by_target.items():
        if len({e.label for e in examples}) < 2 or len({e.group for e in examples}) < 2:
            progress(f"{target}: too few labeled examples ({len(examples)}) for a pipeline of its own; "
                     f"its mentions are scored by the target-agnostic pipeline")
            continue
        result = search(examples, grid, extra_sets={w: generic for w in generic_weights}, jobs=jobs)
        searches[target] = result
        params = result.pipeline_params
        extra = _reweighted(generic, result.params["extra_weight"])
        progress(f"{target}: chose {result.params} (grouped CV macro-F1 {result.cv_macro_f1:.3f})")
        decisions[target] = choose_decision(examples + extra, params, jobs=jobs)
        progress(f"{target}: decision alpha {decisions[target]['alpha']} "
                 f"(calibrated grouped CV {decisions[target]['cv_macro_f1']}); fitting")
        pipelines[target] = fit(examples + extra, **params)
    agnostic = generic or [e for examples in by_target.values() for e in examples]
    if generic_params is None and len({e.group for e in agnostic}) >= 2:
        result = search(agnostic, GENERIC_GRID, jobs=jobs)
        searches[GENERIC] = result
        generic_params = result.pipeline_params
        progress(f"{GENERIC}: chose {result.params} (grouped CV macro-F1 {result.cv_macro_f1:.3f})")
        decisions[GENERIC] = choose_decision(agnostic, generic_params, jobs=jobs)
        progress(f"{GENERIC}: decision alpha {decisions[GENERIC]['alpha']}")
    progress(f"{GENERIC}: fitting the target-agnostic pipeline on {len(agnostic)} examples")
    pipelines[GENERIC] = fit(agnostic, **(generic_params or {}))
    return pipelines, searches, decisions, time.perf_counter() - started


@dataclass
class TrainingData:
    """Examples by target, split by article, the target-agnostic examples and what they came from."""

    train: dict[str, list[Example]]
    dev: dict[str, list[Example]]
    generic: list[Example]
    generic_dev: list[Example]
    files: list[str]
    unaddressed: dict[str, dict[str, int]]


def load_training_data(label_files, corpus=None, newsmtsc=None, newsmtsc_dev=None) -> TrainingData:
    """Load labeled files (any supported form) and NewsMTSC; keep examples whose paragraph addresses the
    target (the only ones the scorer ever asks the model about) and split them by article."""
    from newsstance.targets import BUILTIN_NAMES

    from .data import load_labeled, load_newsmtsc

    examples = [e for path in label_files for e in load_labeled(path, corpus)
                if e.source != "written" or e.target in WRITTEN_TARGETS]
    unknown = sorted({e.target for e in examples} - set(BUILTIN_NAMES))
    if unknown:
        raise ValueError(f"labels for unknown targets {unknown}; built-in targets are {', '.join(BUILTIN_NAMES)}")
    unaddressed: dict[str, dict[str, int]] = {}
    for e in examples:
        if not e.mentions:
            counts = unaddressed.setdefault(e.target, {})
            counts[e.label] = counts.get(e.label, 0) + 1
    train, dev = split([e for e in examples if e.mentions])
    by_target = lambda part: {t: [e for e in part if e.target == t] for t in BUILTIN_NAMES}  # noqa: E731
    generic = load_newsmtsc(newsmtsc) if newsmtsc else []
    generic_dev = load_newsmtsc(newsmtsc_dev) if newsmtsc_dev else []
    files = [str(p) for p in label_files] + [str(p) for p in (newsmtsc,) if p]
    return TrainingData(by_target(train), by_target(dev), generic, generic_dev, files, unaddressed)


DEFAULT_GRID = {"C": [1.0, 3.0, 10.0]}
GENERIC_GRID = {"C": [1.0], "rich_context": [False, True]}


def comparable(report: dict) -> bool:
    """A target's dev report can rank models: its strict labels hold at least two classes. (With one class,
    macro-F1 only punishes predicting any other: a model that never leaves `neutral` would score 1.0.)"""
    return len(report.get("label_counts", {})) >= 2


def mean_dev_f1(report: dict) -> float:
    """Mean strict macro-F1 over the targets whose dev labels hold two classes or more: the promotion
    criterion."""
    values = [r["model"]["macro_f1"] for r in report.values() if comparable(r)]
    return float(np.mean(values)) if values else 0.0


def train_and_register(data: TrainingData, *, name: str, version: str, root=None, force: bool = False,
                       grid: dict | None = None, progress=print, jobs: int = 2) -> dict:
    """Train, evaluate on the fixed dev split (and NewsMTSC dev), register, and make the model current if it
    is not worse than the current one on the same dev split (or if forced). Returns the metadata."""
    from newsstance import registry as reader
    from newsstance.errors import ModelError

    from . import registry as writer
    from .evaluate import evaluate

    pipelines, searches, decisions, seconds = train_model(data.train, data.generic, grid=grid or DEFAULT_GRID,
                                                          progress=progress, jobs=jobs)
    model = StanceModel(pipelines, metadata={"decision": decisions})
    majority = {t: majority_label(examples) for t, examples in data.train.items()}
    dev_report = evaluate(model, data.dev, majority)
    metrics = {f"{t}_dev_macro_f1": r["model"]["macro_f1"] for t, r in dev_report.items() if r.get("strict_examples")}
    if data.generic_dev:
        generic_report = evaluate(model, {"newsmtsc_dev": data.generic_dev})
        dev_report.update(generic_report)
        metrics["newsmtsc_dev_macro_f1"] = generic_report["newsmtsc_dev"]["model"]["macro_f1"]
    try:
        current = reader.load(root=root)
        current_score = mean_dev_f1(evaluate(current, data.dev, majority))
    except ModelError:
        current, current_score = None, None
    new_score = mean_dev_f1({t: dev_report[t] for t in data.dev})
    evaluable = any(comparable(r) for t, r in dev_report.items() if t in data.dev)
    # Without dev examples nothing shows the new model is not worse: it replaces a current one only if forced.
    promote = force or current is None or (evaluable and new_score >= current_score)
    metadata = {
        "labels": list(LABELS), "targets": list(data.train), "train_seconds": round(seconds, 1),
        "training_data_sha256": data_hash(data.files), "training_data": [Path(f).name for f in data.files],
        "training_examples": {t: len(v) for t, v in data.train.items()} | {"*": len(data.generic)},
        "dev_examples": {t: len(v) for t, v in data.dev.items()},
        "unaddressed_labels": data.unaddressed,
        "search": {t: {"chosen": s.params, "cv_macro_f1": s.cv_macro_f1, "tried": s.tried} for t, s in searches.items()},
        "decision": decisions,
        "metrics": metrics, "evaluation": dev_report,
        "promotion": {"mean_dev_macro_f1": round(new_score, 4),
                      "current": {**current.info, "mean_dev_macro_f1": round(current_score, 4)} if current else None,
                      "forced": force, "made_current": promote},
    }
    writer.save(pipelines, name, version, metadata, root=root, make_current=promote)
    return metadata


def majority_label(examples: list[Example]) -> str:
    """The most common label of a training set (the majority baseline's constant answer)."""
    counts = Counter(e.label for e in examples)
    return counts.most_common(1)[0][0] if counts else "neutral"
