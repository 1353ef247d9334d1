"""Text in, paragraph, target and document scores out: the one result schema of DESIGN.md."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from . import registry
from .errors import InputError, LimitError
from .model import LABELS, StanceModel
from .segment import BOILERPLATE, BODY, HEADING, Paragraph, paragraphs
from .sentiment import mean_sentiment, mentioning, sentence_sentiments
from .targets import Target, resolve_targets

META_FIELDS = ("id", "outlet", "title", "url", "published")
KIND_WEIGHTS = {BODY: 1.0, HEADING: 0.25, BOILERPLATE: 0.0}


@dataclass(frozen=True)
class Limits:
    """Input limits; the service sets tighter ones from its config."""

    max_text_chars: int = 2_000_000
    max_paragraphs: int = 20_000
    max_meta_chars: int = 2_000


def bootstrap_interval(scores: np.ndarray, weights: np.ndarray, rng: np.random.Generator,
                       resamples: int = 1000, level: float = 0.95) -> list[float] | None:
    """Percentile bootstrap interval of a weighted mean; None with fewer than two values."""
    if len(scores) < 2:
        return None
    picks = rng.integers(0, len(scores), size=(resamples, len(scores)))
    w = weights[picks]
    totals = w.sum(axis=1)
    means = np.where(totals > 0, (w * scores[picks]).sum(axis=1) / np.where(totals > 0, totals, 1), np.nan)
    means = means[~np.isnan(means)]
    tail = (1 - level) / 2 * 100
    return [round(float(np.percentile(means, tail)), 4), round(float(np.percentile(means, 100 - tail)), 4)]


def _check_document(document) -> tuple[str, dict]:
    """The text and metadata of a document dict, with clear errors for wrong types."""
    if not isinstance(document, dict):
        raise InputError(f"a document must be a JSON object, not {type(document).__name__}")
    text = document.get("text")
    if text is None:
        raise InputError("document has no 'text'", field="text")
    if not isinstance(text, str):
        raise InputError(f"'text' must be a string, not {type(text).__name__}", field="text")
    meta = {}
    for name in META_FIELDS:
        value = document.get(name)
        if value is not None and not isinstance(value, (str, int)) or isinstance(value, bool):
            raise InputError(f"'{name}' must be a string", field=name)
        meta[name] = None if value is None else str(value)
    return text, meta


class Scorer:
    """Scores documents with a stance model (the registry's current one unless given) and VADER."""

    def __init__(self, model: StanceModel | None = None, *, limits: Limits | None = None,
                 resamples: int = 1000, seed: int = 0, explain_top: int = 8):
        self._model = model
        self._lock = threading.Lock()
        self.limits = limits or Limits()
        self.resamples = resamples
        self.seed = seed
        self.explain_top = explain_top

    @property
    def model(self) -> StanceModel:
        """The stance model, loaded from the registry on first use."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = registry.load()
        return self._model

    def score(self, text: str, *, targets=None, explain: bool = False, **meta) -> dict:
        """Score one text; `meta` may carry id, outlet, title, url, published."""
        return self.score_document({"text": text, "targets": targets, **meta}, explain=explain)

    def score_document(self, document: dict, *, explain: bool = False) -> dict:
        """Score one document dict ({text, targets?, id?, outlet?, title?, url?, published?})."""
        return self.score_documents([document], explain=explain)[0]

    def score_documents(self, documents: Sequence[dict], *, explain: bool = False) -> list[dict]:
        """Score several documents with one model call; raises on the first invalid one."""
        results = self.score_each(documents, explain=explain)
        for result in results:
            if isinstance(result, Exception):
                raise result
        return results

    def score_each(self, documents: Sequence, *, explain: bool = False) -> list[dict | InputError]:
        """Score several documents with one model call; an invalid one gives its error in its place."""
        prepared = []
        for document in documents:
            try:
                prepared.append(self._prepare(document))
            except InputError as exc:
                prepared.append(exc)
        instances = [i for doc in prepared if isinstance(doc, dict) for i in doc["instances"]]
        probabilities, explanations = self.model.predict(instances, explain=self.explain_top if explain else 0)
        results, offset = [], 0
        for doc in prepared:
            if not isinstance(doc, dict):
                results.append(doc)
                continue
            n = len(doc["instances"])
            results.append(self._assemble(doc, probabilities[offset : offset + n],
                                          explanations[offset : offset + n] if explain else None))
            offset += n
        return results

    def _prepare(self, document: dict) -> dict:
        """Validate, segment, find mentions and score sentences; the model inputs of one document."""
        text, meta = _check_document(document)
        if len(text) > self.limits.max_text_chars:
            raise LimitError("max_text_chars", self.limits.max_text_chars, len(text))
        if not text.strip():
            raise InputError("'text' is empty", field="text")
        for name, value in meta.items():
            if value is not None and len(value) > self.limits.max_meta_chars:
                raise LimitError(f"max_{name}_chars", self.limits.max_meta_chars, len(value))
        targets = resolve_targets(document.get("targets"), len(text))
        blocks = paragraphs(text)
        if len(blocks) > self.limits.max_paragraphs:
            raise LimitError("max_paragraphs", self.limits.max_paragraphs, len(blocks))
        units, instances = [], []
        for block in blocks:
            sentences = sentence_sentiments(text, block.start, block.end)
            found = {}
            for target in targets:
                mentions = target.mentions(text, block.start, block.end)
                if mentions:
                    found[target.name] = (mentions, len(instances))
                    instances.append(_instance(text, block, mentions, sentences, target.name))
            units.append((block, sentences, found))
        return {"text": text, "meta": meta, "targets": targets, "units": units, "instances": instances}

    def _assemble(self, doc: dict, probabilities: np.ndarray, explanations) -> dict:
        """The result dict of one document from its prepared units and model outputs."""
        targets: list[Target] = doc["targets"]
        paragraph_results = []
        per_target = {t.name: {"scores": [], "weights": [], "probs": [], "mentions": 0, "sentences": [],
                               "body": 0} for t in targets}
        body_count = 0
        body_sentences = []
        for block, sentences, found in doc["units"]:
            weight = KIND_WEIGHTS[block.kind]
            paragraph_sentiment = mean_sentiment(sentences)
            if block.kind == BODY:
                body_count += 1
                body_sentences.append(paragraph_sentiment)
            stances = {}
            for target in targets:
                if target.name not in found:
                    stances[target.name] = None
                    continue
                mentions, row = found[target.name]
                p = probabilities[row]
                stance = {
                    "label": self.model.label(p, target.name),
                    "score": round(float(p[0] - p[1]), 4),
                    "probabilities": {label: round(float(v), 4) for label, v in zip(LABELS, p)},
                    "mentions": [list(m) for m in mentions],
                }
                if explanations is not None:
                    stance["explanation"] = explanations[row]
                stances[target.name] = stance
                if weight > 0:
                    acc = per_target[target.name]
                    acc["scores"].append(p[0] - p[1])
                    acc["weights"].append(weight)
                    acc["probs"].append(p * weight)
                    acc["mentions"] += len(mentions)
                    acc["sentences"] += mentioning(sentences, mentions)
                    acc["body"] += block.kind == BODY
            paragraph_results.append({
                "index": block.index, "start": block.start, "end": block.end, "kind": block.kind,
                "sentiment": paragraph_sentiment, "stances": stances,
            })
        rng = np.random.default_rng(self.seed)
        target_results = {name: self._target_summary(name, acc, body_count, rng) for name, acc in per_target.items()}
        return {
            **{k: v for k, v in doc["meta"].items() if k in ("id", "outlet")},
            **{k: v for k, v in doc["meta"].items() if k not in ("id", "outlet") and v is not None},
            "model": self.model.info,
            "sentiment": _mean_dicts([s for s in body_sentences if s]),
            "targets": target_results,
            "paragraphs": paragraph_results,
        }

    def _target_summary(self, name: str, acc: dict, body_count: int, rng: np.random.Generator) -> dict:
        """Document score of one target: weighted mean, bootstrap interval, counts, targeted sentiment."""
        scores, weights = np.array(acc["scores"]), np.array(acc["weights"])
        summary = {"score": None, "ci": None, "label": None, "paragraphs": len(scores),
                   "coverage": round(acc["body"] / body_count, 4) if body_count else 0.0,
                   "mentions": acc["mentions"], "sentiment": None}
        if len(scores):
            summary["score"] = round(float(np.average(scores, weights=weights)), 4)
            summary["ci"] = bootstrap_interval(scores, weights, rng, self.resamples)
            summary["label"] = self.model.label(np.sum(acc["probs"], axis=0), name)
            targeted = mean_sentiment(acc["sentences"])
            summary["sentiment"] = targeted["compound"] if targeted else None
        return summary


def _instance(text: str, block: Paragraph, mentions, sentences, target: str) -> dict:
    """The model input for one paragraph and target, offsets made relative to the paragraph."""
    shift = block.start
    return {
        "text": block.text,
        "mentions": [(s - shift, e - shift) for s, e in mentions],
        "target": target,
        "sentences": [type(s)(s.start - shift, s.end - shift, s.compound, s.pos, s.neu, s.neg) for s in sentences],
    }


def _mean_dicts(rows: Iterable[dict]) -> dict | None:
    """Field-wise mean of sentiment dicts."""
    rows = list(rows)
    if not rows:
        return None
    return {key: round(sum(r[key] for r in rows) / len(rows), 4) for key in rows[0]}


_default: Scorer | None = None


def default_scorer() -> Scorer:
    """A process-wide scorer with the registry's current model."""
    global _default
    if _default is None:
        _default = Scorer()
    return _default


def score(text: str, **meta) -> dict:
    """Score one text with the current model: `newsstance.score(text, outlet="BBC", explain=True)`."""
    explain = meta.pop("explain", False)
    targets = meta.pop("targets", None)
    return default_scorer().score(text, targets=targets, explain=explain, **meta)
