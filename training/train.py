"""Train a stance model on labeled examples, evaluate it on held-out data, and register it."""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

from sklearn.metrics import f1_score

from newsstance.model import LABELS, StanceModel, build_pipeline

from . import registry
from .data import Example


def data_hash(paths) -> str:
    """sha256 over the bytes of the training-data files, in the given order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def fit(examples: list[Example], **params):
    """Fit the stance pipeline on examples, weighting each by its weight."""
    pipeline = build_pipeline(**params)
    weights = [e.weight for e in examples]
    pipeline.fit([e.instance() for e in examples], [e.label for e in examples],
                 classifier__sample_weight=weights)
    return pipeline


def macro_f1(model: StanceModel, examples: list[Example]) -> float:
    """Macro-F1 over favor, against, neutral."""
    predicted = [LABELS[i] for i in model.predict_proba([e.instance() for e in examples]).argmax(axis=1)]
    return float(f1_score([e.label for e in examples], predicted, labels=list(LABELS), average="macro"))


def train_and_register(train: list[Example], evaluations: dict[str, list[Example]], *, name: str, version: str,
                       data_files, params: dict | None = None, root=None, make_current=False) -> tuple[Path, dict]:
    """Fit, evaluate on each named held-out set, and save under the registry with metadata."""
    params = params or {}
    started = time.perf_counter()
    pipeline = fit(train, **params)
    seconds = time.perf_counter() - started
    model = StanceModel(pipeline)
    metrics = {f"{key}_macro_f1": round(macro_f1(model, examples), 4) for key, examples in evaluations.items()}
    metadata = {
        "labels": list(LABELS), "params": params, "training_examples": len(train), "train_seconds": round(seconds, 1),
        "training_data_sha256": data_hash(data_files), "training_data": [Path(p).name for p in data_files],
        "metrics": metrics,
    }
    folder = registry.save(pipeline, name, version, metadata, root=root, make_current=make_current)
    return folder, metadata
