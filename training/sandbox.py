"""Retraining in a sandbox, for notebooks and trials: a temporary registry holding a copy of the current model,
the labeled files to use (with a fallback when the AllSides corpus is absent), a capped training set for a
quick run, and the evaluation sets to compare models on.

    from training import sandbox
    root = sandbox.temporary_registry()               # copy of models/'s current model, never models/ itself
    sources = sandbox.label_sources(paths)            # paths: newsstance.explore.paths_from_env()
    data = sandbox.capped(load_training_data(sources.files, sources.corpus), per_target=paths.train_per_target)
    train_and_register(data, name="notebook", version="1", root=root, grid=sandbox.QUICK_GRID)
"""
from __future__ import annotations

import random
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from newsstance import registry
from newsstance.explore import Paths

from . import registry as writer
from .data import Example, load_labeled
from .train import TrainingData

LABELS_DIR = Path(__file__).resolve().parent / "labels"
QUICK_GRID = {"C": [1.0]}  # one point (the shipped model searched 1, 3, 10): grouped CV still reports its F1


def temporary_registry(source: str | Path | None = None, prefix: str = "newsstance-registry-") -> Path:
    """A new temporary registry folder holding a copy of the source registry's current model, made current
    there. The caller removes it (shutil.rmtree) when done; the source registry is only read."""
    source = Path(source) if source else registry.default_root()
    name, version = registry.current(source)
    root = Path(tempfile.mkdtemp(prefix=prefix))
    shutil.copytree(source / name / version, root / name / version)
    writer.set_current(name, version, root)
    return root


def registry_listing(root: str | Path) -> list[dict]:
    """The models of a registry folder: name, version, whether current, created time, headline metrics."""
    import json

    root = Path(root)
    try:
        current = registry.current(root)
    except Exception:
        current = None
    rows = []
    for metadata_file in sorted(root.glob(f"*/*/{registry.METADATA_FILE}")):
        metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
        name, version = metadata_file.parent.parent.name, metadata_file.parent.name
        rows.append({"name": name, "version": version, "current": (name, version) == current,
                     "created": metadata.get("created"), **metadata.get("metrics", {})})
    return rows


@dataclass(frozen=True)
class LabelSources:
    """Labeled files to train on and the corpus their by-reference labels need (None: none needed)."""

    files: list[Path]
    corpus: Path | None
    description: str


def label_sources(paths: Paths, labels_dir: Path = LABELS_DIR) -> LabelSources:
    """The project's AllSides labels joined to the corpus, plus the written neutrality paragraphs; when the
    corpus is absent, the written paragraphs alone (they carry their text)."""
    written = labels_dir / "written_neutrality.jsonl"
    if paths.allsides is not None:
        return LabelSources([labels_dir / "allsides.jsonl", written], paths.allsides,
                            f"AllSides paragraphs by reference (joined to {paths.allsides.name}) + written neutrality "
                            "paragraphs")
    return LabelSources([written], None, "written neutrality paragraphs only (AllSides corpus absent)")


def capped(data: TrainingData, per_target: int, seed: int = 0, min_examples: int = 20) -> TrainingData:
    """The training data with at most about `per_target` training examples per target, taken by whole
    articles in a seeded random order (so grouped cross-validation still holds); targets with fewer than
    `min_examples` examples (or `per_target`, if smaller), a single label or a single article are left out (the target-agnostic pipeline scores them).
    The dev split is kept whole, so models are compared on the same examples."""
    rng = random.Random(seed)
    train: dict[str, list[Example]] = {}
    for target, examples in data.train.items():
        by_group: dict[str, list[Example]] = {}
        for example in examples:
            by_group.setdefault(example.group, []).append(example)
        groups = sorted(by_group)
        rng.shuffle(groups)
        kept: list[Example] = []
        for group in groups:
            if len(kept) >= per_target:
                break
            kept.extend(by_group[group])
        if len(kept) >= min(min_examples, per_target) and len({e.label for e in kept}) > 1 and len({e.group for e in kept}) > 1:
            train[target] = kept
    return replace(data, train=train, dev={t: v for t, v in data.dev.items() if t in train})


def seed_evaluation(paths: Paths, labels_dir: Path = LABELS_DIR) -> dict[str, list[Example]]:
    """The seed articles' labeled paragraphs (evaluation only, never trained on), by target; empty when the
    seeds are absent. Only paragraphs that address the target (the model is never asked about others)."""
    labels = labels_dir / "seeds_eval.jsonl"
    if not paths.seeds.is_dir() or not labels.exists():
        return {}
    sets: dict[str, list[Example]] = {}
    for example in load_labeled(labels, paths.seeds):
        if example.mentions:
            sets.setdefault(example.target, []).append(example)
    return sets


def evaluation_sets(paths: Paths, data: TrainingData) -> dict[str, dict[str, list[Example]]]:
    """Named evaluation sets, each by target: the fixed dev split of the training data (when it has real
    paragraphs) and the seed articles."""
    sets = {}
    dev = {t: v for t, v in data.dev.items() if v}
    if dev:
        sets["dev split"] = dev
    seeds = seed_evaluation(paths)
    if seeds:
        sets["seed articles"] = seeds
    return sets
