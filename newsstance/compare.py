"""Compare outlets: scores per outlet and target with document-level bootstrap intervals, pairwise differences
with permutation p-values corrected for multiple comparisons, near-duplicate groups (copies and rewrites)
and the stance shifts between aligned paragraphs of a group's documents.

    from newsstance.compare import compare
    report = compare([{"outlet": "A", "text": ...}, {"outlet": "B", "text": ...}, ...])

The statistics, in short (the docstring of `compare` has the details):

* **Outlet score** for a target: the mean of the document scores (scorer's document score, DESIGN.md) over
  the outlet's documents that address the target. The document, not the paragraph, is the unit: an outlet's
  framing is a choice made per article, and pooling paragraphs would let one long article dominate.
* **Interval**: bootstrap that resamples the outlet's documents (clusters of paragraphs) with replacement,
  documents that do not address the target included, so the number that do varies too; the expanded
  percentile interval (Hesterberg 2015), which corrects the plain percentile interval's undercoverage in small
  samples (measured for a 95% interval of a difference, 40 documents per outlet: plain 0.927, expanded 0.933
  with 400 resamples and 0.945 with 2000).
* **Pairwise difference** A - B: expanded percentile interval from the two outlets' independent resamples;
  two-sided Monte Carlo permutation p-value, p = (g + 1) / (R + 1), that reassigns the pooled documents (those
  that address the target) between the two outlets; all pairs are permuted at once (`permutation_pvalues`).
* **Correction**: Benjamini-Hochberg false discovery rate over all tests of the comparison (every pair of
  outlets for every target) by default; Holm (family-wise error) on request.
* **Collapse**: a group of g near-duplicate documents carries the weight of one document: each member
  weighs 1/g, and an outlet's members of one group are resampled and permuted together as one unit.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import special

from . import dedup
from .errors import InputError
from .segment import BODY, paragraphs as segment_paragraphs

CORRECTIONS = {"bh": "benjamini-hochberg", "holm": "holm"}
_BATCH_ELEMENTS = 1_500_000
_EXCERPT = 100


# --------------------------------------------------------------------------------------------- inputs


def _outlet(document, position: int) -> str:
    if not isinstance(document, dict):
        raise InputError(f"document {position} must be a JSON object, not {type(document).__name__}")
    outlet = document.get("outlet")
    if not isinstance(outlet, str) or not outlet.strip():
        raise InputError(f"document {position} has no 'outlet' (a non-empty string is needed to compare)",
                         field="outlet", position=position)
    if not isinstance(document.get("text"), str):
        raise InputError(f"document {position} has no 'text' string", field="text", position=position)
    return outlet.strip()


@dataclass
class _Doc:
    position: int
    outlet: str
    result: dict
    text: str
    body: list[dict]  # the result's body paragraphs, in order


def _body_paragraphs(result: dict, text: str) -> list[dict]:
    """Body paragraphs of a scored document; from the result when it has them, else segmented again."""
    if isinstance(result.get("paragraphs"), list):
        return [p for p in result["paragraphs"] if p.get("kind") == BODY]
    return [{"index": p.index, "start": p.start, "end": p.end, "kind": p.kind, "stances": {}}
            for p in segment_paragraphs(text) if p.kind == BODY]


def _meta(doc: _Doc) -> dict:
    return {"position": doc.position, "id": doc.result.get("id"), "outlet": doc.outlet,
            **({"title": doc.result["title"]} if doc.result.get("title") else {})}


# --------------------------------------------------------------------------------------------- statistics


def _nan_quantiles(values: np.ndarray, qs) -> np.ndarray:
    """Quantiles along axis 0 ignoring NaN (linear interpolation); NaN where a column has no value.
    qs: a sequence of quantile levels, each a number or an array with one level per column."""
    ordered = np.sort(values, axis=0)  # NaN sorts last
    valid = np.sum(~np.isnan(values), axis=0)
    out = np.full((len(qs),) + values.shape[1:], np.nan)
    has = valid > 0
    for k, q in enumerate(qs):
        pos = np.asarray(q) * np.maximum(valid - 1, 0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(valid - 1, 0))
        frac = pos - lo
        low = np.take_along_axis(ordered, lo[None, ...], axis=0)[0]
        high = np.take_along_axis(ordered, hi[None, ...], axis=0)[0]
        out[k] = np.where(has, low + frac * (high - low), np.nan)
    return out


def expanded_tail(level: float, n, df) -> np.ndarray:
    """Lower tail probability of the expanded percentile bootstrap interval (Hesterberg 2015): the percentile
    interval is too narrow for small samples (its variance lacks the n/(n-1) factor, and normal quantiles stand
    in for t quantiles); using the quantile at Phi(-sqrt(n/(n-1)) t_{df, 1-alpha/2}) corrects both."""
    n = np.maximum(np.asarray(n, dtype=float), 2.0)
    df = np.maximum(np.asarray(df, dtype=float), 1.0)
    return special.ndtr(-np.sqrt(n / (n - 1)) * special.stdtrit(df, 1 - (1 - level) / 2))


def adjust_pvalues(pvalues, method: str = "bh") -> np.ndarray:
    """Adjusted p-values: Benjamini-Hochberg q-values ('bh') or Holm's step-down ('holm')."""
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "bh":
        adjusted = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    elif method == "holm":
        adjusted = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:
        raise ValueError(f"unknown correction {method!r}: use 'bh' or 'holm'")
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


@dataclass
class _Units:
    """Resampling units (documents, or an outlet's documents of one group) and their per-target sums."""

    outlet: np.ndarray  # outlet index per unit, units sorted by outlet
    num: np.ndarray  # (units, targets): sum of weight x document score over documents addressing the target
    den: np.ndarray  # (units, targets): sum of weights of those documents
    starts: np.ndarray  # first unit of each outlet
    sizes: np.ndarray  # units per outlet


def _units(doc_outlet: np.ndarray, unit_key: np.ndarray, weights: np.ndarray, scores: np.ndarray,
           n_outlets: int) -> _Units:
    """Sum documents into units; `unit_key` equal for documents resampled together (same outlet)."""
    order = np.lexsort((unit_key, doc_outlet))
    keys = np.stack([doc_outlet[order], unit_key[order]], axis=1)
    new = np.ones(len(order), dtype=bool)
    new[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    unit_of = np.cumsum(new) - 1
    n_units = int(unit_of[-1]) + 1 if len(order) else 0
    has = ~np.isnan(scores[order])
    w = weights[order][:, None] * has
    num = np.zeros((n_units, scores.shape[1]))
    den = np.zeros((n_units, scores.shape[1]))
    np.add.at(num, unit_of, w * np.nan_to_num(scores[order]))
    np.add.at(den, unit_of, w)
    outlet = keys[new, 0]
    sizes = np.bincount(outlet, minlength=n_outlets)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return _Units(outlet, num, den, starts, sizes)


def _bootstrap(units: _Units, n_outlets: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, outlets, targets) bootstrap means; units resampled with replacement within each outlet."""
    n_units, n_targets = units.num.shape
    out = np.full((resamples, n_outlets, n_targets), np.nan)
    if n_units == 0:
        return out
    present = np.flatnonzero(units.sizes > 0)
    slot_start = np.repeat(units.starts, units.sizes)
    slot_size = np.repeat(units.sizes, units.sizes)
    chunk = max(1, _BATCH_ELEMENTS // max(1, n_units * n_targets))
    for begin in range(0, resamples, chunk):
        count = min(chunk, resamples - begin)
        picks = slot_start + (rng.random((count, n_units)) * slot_size).astype(np.int64)
        num = np.add.reduceat(units.num[picks], units.starts[present], axis=1)
        den = np.add.reduceat(units.den[picks], units.starts[present], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[begin : begin + count, present] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return out


def _estimates(units: _Units, n_outlets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point estimates, effective weight and number of addressing units per outlet and target."""
    num = np.zeros((n_outlets, units.num.shape[1]))
    den = np.zeros_like(num)
    addressing = np.zeros_like(num)
    np.add.at(num, units.outlet, units.num)
    np.add.at(den, units.outlet, units.den)
    np.add.at(addressing, units.outlet, units.den > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return estimate, den, addressing


def permutation_pvalues(units: _Units, target: int, pairs: np.ndarray, permutations: int,
                        rng: np.random.Generator, chunk: int = 100) -> np.ndarray:
    """Two-sided permutation p-values of the difference of weighted means between outlets, one per pair.

    For outlets A and B (`pairs` rows, outlet indexes) the units that address the target are pooled; a
    permutation gives A a uniformly random subset of the pool of A's size, and the statistic is
    |sum(num)/sum(den) over A - the same over B|; p = (g + 1) / (permutations + 1) with g the permutations at
    least as extreme as the observed difference (NaN when a side has no unit).

    All pairs at once: a uniformly random subset of the pool of size n_A is A minus a random K-subset of A
    plus a random K-subset of B, with K hypergeometric (the number of B's units drawn into A). So each
    permutation draws one random order of every outlet's units (prefix sums give the K-subset sums) and one
    K per pair; the pairs' tests share those random orders (they are dependent; each one is exact)."""
    has = units.den[:, target] > 0
    num, den, outlet = units.num[has, target], units.den[has, target], units.outlet[has]
    n_outlets = len(units.sizes)
    sizes = np.bincount(outlet, minlength=n_outlets)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    a, b = pairs[:, 0], pairs[:, 1]
    n_a, n_b = sizes[a], sizes[b]
    pvalues = np.full(len(pairs), np.nan)
    ok = (n_a > 0) & (n_b > 0)
    if not ok.any():
        return pvalues
    a, b, n_a, n_b = a[ok], b[ok], n_a[ok], n_b[ok]
    tot_num = np.bincount(outlet, weights=num, minlength=n_outlets)
    tot_den = np.bincount(outlet, weights=den, minlength=n_outlets)
    all_num, all_den = tot_num[a] + tot_num[b], tot_den[a] + tot_den[b]
    observed = np.abs(tot_num[a] / tot_den[a] - tot_num[b] / tot_den[b])
    tolerance = observed - 1e-9 * np.maximum(1.0, observed)
    exceed = np.zeros(len(a), dtype=np.int64)
    for begin in range(0, permutations, chunk):
        count = min(chunk, permutations - begin)
        order = np.argsort(outlet[None, :] + rng.random((count, len(outlet))), axis=1)
        cum_num = np.concatenate([np.zeros((count, 1)), np.cumsum(num[order], axis=1)], axis=1)
        cum_den = np.concatenate([np.zeros((count, 1)), np.cumsum(den[order], axis=1)], axis=1)
        moved = rng.hypergeometric(n_b, n_a, n_a, size=(count, len(a)))  # B's units drawn into A
        from_a, from_b = starts[a][None, :] + moved, starts[b][None, :] + moved
        num_a = (tot_num[a] - (np.take_along_axis(cum_num, from_a, 1) - cum_num[:, starts[a]])
                 + (np.take_along_axis(cum_num, from_b, 1) - cum_num[:, starts[b]]))
        den_a = (tot_den[a] - (np.take_along_axis(cum_den, from_a, 1) - cum_den[:, starts[a]])
                 + (np.take_along_axis(cum_den, from_b, 1) - cum_den[:, starts[b]]))
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.abs(num_a / den_a - (all_num - num_a) / (all_den - den_a))
        exceed += np.sum(stat >= tolerance, axis=0)
    pvalues[ok] = (exceed + 1) / (permutations + 1)
    return pvalues


def _ci(lo: float, hi: float) -> list[float] | None:
    return None if (math.isnan(lo) or math.isnan(hi)) else [round(float(lo), 4), round(float(hi), 4)]


def _round(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 4)


# --------------------------------------------------------------------------------------------- alignment


def _stance(paragraph: dict, target: str) -> float | None:
    stance = (paragraph.get("stances") or {}).get(target)
    return None if stance is None else stance.get("score")


def _paragraph_ref(doc: _Doc, paragraph: dict) -> dict:
    excerpt = " ".join(doc.text[paragraph["start"] : paragraph["end"]].split())
    return {"index": paragraph["index"], "start": paragraph["start"], "end": paragraph["end"],
            "excerpt": excerpt if len(excerpt) <= _EXCERPT else excerpt[: _EXCERPT - 1] + "…"}


def _describe(outlet: str, target: str, shift: float) -> str:
    direction = "more favourable to" if shift > 0 else "more against"
    return f"{outlet}'s version of this paragraph is {abs(shift):.2f} {direction} {target}"


def _aligned_pair(docs: list[_Doc], alignment: dedup.PairAlignment, targets: list[str], group: int) -> dict:
    a, b = docs[alignment.a], docs[alignment.b]
    rows, shifts = [], {t: [] for t in targets}
    for ia, ib, similarity in alignment.matches:
        pa, pb = a.body[ia], b.body[ib]
        per_target = {}
        for t in targets:
            sa, sb = _stance(pa, t), _stance(pb, t)
            if sa is None and sb is None:
                continue
            entry = {"a": sa, "b": sb}
            if sa is not None and sb is not None:
                shift = round(sb - sa, 4)
                entry["shift"] = shift
                entry["description"] = _describe(b.outlet, t, shift)
                shifts[t].append(shift)
            else:
                entry["shift"] = None
                entry["description"] = (f"only {a.outlet}'s version addresses {t}" if sb is None
                                        else f"only {b.outlet}'s version addresses {t}")
            per_target[t] = entry
        rows.append({"a": _paragraph_ref(a, pa), "b": _paragraph_ref(b, pb), "similarity": round(similarity, 4),
                     "targets": per_target})
    summary = {t: {"mean_shift": round(float(np.mean(v)), 4) if v else None, "paragraphs": len(v),
                   "largest_shift": max(v, key=abs) if v else None} for t, v in shifts.items()}
    return {"group": group, "a": _meta(a), "b": _meta(b), "aligned_share": round(alignment.aligned_share, 4),
            "similarity": round(alignment.similarity, 4), "targets": summary, "paragraphs": rows}


def largest_shifts(alignments: list[dict], top: int = 10, min_similarity: float = 0.3) -> list[dict]:
    """The aligned paragraph pairs (cosine at least `min_similarity`) with the largest absolute stance shift,
    over all groups and targets."""
    found = []
    for pair in alignments:
        for row in pair["paragraphs"]:
            if row["similarity"] < min_similarity:
                continue
            for target, entry in row["targets"].items():
                if entry.get("shift") is not None:
                    found.append({"group": pair["group"], "target": target, "shift": entry["shift"],
                                  "description": entry["description"],
                                  "a": {**pair["a"], "paragraph": row["a"]}, "b": {**pair["b"], "paragraph": row["b"]},
                                  "stance_a": entry["a"], "stance_b": entry["b"], "similarity": row["similarity"]})
    found.sort(key=lambda r: (-abs(r["shift"]), r["group"], r["a"]["position"], r["b"]["position"]))
    return found[:top]


# --------------------------------------------------------------------------------------------- compare


def compare(documents: list[dict], *, scorer=None, results: list | None = None, collapse: bool = False,
            resamples: int = 2000, seed: int = 0, permutations: int | None = None, level: float = 0.95,
            alpha: float = 0.05, correction: str = "bh", min_documents: int = 2,
            settings: dedup.Settings | None = None, timings: dict | None = None) -> dict:
    """Compare outlets' stance per target, with near-duplicate groups and aligned-paragraph stance shifts.

    documents: dicts with `outlet` and `text` (optional `id`, `title`, `published`, `targets`).
    results: the scorer's results for the documents, in the same order (not rescored); an error record
        (`{"error": ...}`) or exception in place of a result excludes that document.
    scorer: a `newsstance.Scorer` for documents without results (default: the process-wide scorer).
    collapse: count each near-duplicate group once (each of its g members weighs 1/g; an outlet's members of
        one group form one resampling unit). Outlet scores are reported both ways either way; `collapse`
        chooses the one used for the main score and the pairwise differences.
    resamples: bootstrap resamples; permutations: maximum permutations per test (default: resamples).
    level: interval level; alpha: level at which `significant` is set on the corrected p-value.
    correction: 'bh' (Benjamini-Hochberg q-values, false discovery rate, the default) or 'holm' (Holm's
        step-down, family-wise error rate), over all pairwise tests of all targets.
    min_documents: a pair of outlets gets an interval and a test for a target when both have at least this
        many documents (units) that address it; other pairs report the difference only (p_value None) and do
        not count in the correction. The smallest p-value a test can give is 1 / (permutations + 1).
    settings: thresholds of near-duplicate detection (`newsstance.dedup.Settings`).
    timings: a dict to receive the seconds spent in each phase.

    Deterministic given `seed` (and the inputs). Returns:

        {"model": {...} | None, "targets": [names], "documents": n compared,
         "excluded": [{"position", "id", "outlet", "error"}],
         "settings": {"counting": "all_documents" | "groups_once", "collapse", "resamples", "permutations",
                      "seed", "level", "alpha", "correction", "score", "interval", "test", "duplicates": {...}},
         "outlets": [{"outlet", "documents", "in_duplicate_groups", "duplicate_groups",
                      "targets": {target: {"score", "ci": [lo, hi] | None, "documents" (that address it),
                                           "paragraphs", "coverage", "weight" (documents' total weight),
                                           "all_documents": {"score", "ci", "weight"},
                                           "groups_once": {"score", "ci", "weight"}}}}],   # sorted by name
         "differences": [{"target", "a", "b", "difference" (a - b), "ci", "p_value", "p_adjusted",
                          "significant"}],   # ci and p None: a side has fewer than min_documents
         "duplicates": {"method", "candidates", "checked",
                        "groups": [{"group", "size", "documents": [{"position", "id", "outlet", "title"?}],
                                    "outlets", "representative" (position), "similarity", "min_similarity",
                                    "kinds", "pairs": [{"a", "b" (positions), "kind": "copy" | "rewrite",
                                                        "similarity", "content_cosine", "name_cosine",
                                                        "aligned_share", "paragraph_similarity"}]}]},
         "alignments": [{"group", "a", "b" (document refs), "aligned_share", "similarity",
                         "targets": {target: {"mean_shift", "paragraphs", "largest_shift"}},
                         "paragraphs": [{"a": {"index", "start", "end", "excerpt"}, "b": {...}, "similarity",
                                         "targets": {target: {"a", "b" (stance scores), "shift" (b - a),
                                                              "description"}}}]}],
         "largest_shifts": [the aligned paragraph pairs with the largest |shift|, with both paragraphs]}

    A score is None where no document of the outlet addresses the target; an interval is None with fewer
    than two such documents (units).
    """
    clock = time.perf_counter()
    phases = timings if timings is not None else {}
    if correction not in CORRECTIONS:
        raise InputError(f"unknown correction {correction!r}: use 'bh' or 'holm'", field="correction")
    if not isinstance(documents, (list, tuple)):
        raise InputError("documents must be a list")
    if resamples < 1 or (permutations is not None and permutations < 1):
        raise InputError("resamples and permutations must be 1 or more")
    if min_documents < 2:
        raise InputError("min_documents must be 2 or more", field="min_documents")
    if not 0 < level < 1:
        raise InputError("level must be between 0 and 1", field="level")
    permutations = resamples if permutations is None else permutations
    outlets_in = [_outlet(d, i) for i, d in enumerate(documents)]
    if results is None:
        if scorer is None:
            from .scorer import default_scorer
            scorer = default_scorer()
        results = scorer.score_each(documents)
    elif len(results) != len(documents):
        raise InputError(f"results ({len(results)}) and documents ({len(documents)}) differ in number")
    phases["score"] = time.perf_counter() - clock

    docs: list[_Doc] = []
    excluded = []
    for position, (document, result, outlet) in enumerate(zip(documents, results, outlets_in)):
        if isinstance(result, Exception) or not isinstance(result, dict) or "error" in result:
            detail = result.to_dict() if hasattr(result, "to_dict") else (
                result.get("error") if isinstance(result, dict) else str(result))
            excluded.append({"position": position, "id": document.get("id"), "outlet": outlet, "error": detail})
            continue
        docs.append(_Doc(position, outlet, result, document["text"], _body_paragraphs(result, document["text"])))

    targets: list[str] = list(dict.fromkeys(t for d in docs for t in d.result.get("targets", {})))
    outlet_names = sorted({d.outlet for d in docs})
    outlet_index = {name: i for i, name in enumerate(outlet_names)}
    n_docs, n_outlets, n_targets = len(docs), len(outlet_names), len(targets)
    doc_outlet = np.array([outlet_index[d.outlet] for d in docs], dtype=np.int64)
    scores = np.full((n_docs, n_targets), np.nan)
    paragraphs = np.zeros((n_docs, n_targets))
    coverage = np.zeros((n_docs, n_targets))
    for i, d in enumerate(docs):
        for k, t in enumerate(targets):
            summary = d.result.get("targets", {}).get(t) or {}
            if summary.get("score") is not None:
                scores[i, k] = summary["score"]
            paragraphs[i, k] = summary.get("paragraphs") or 0
            coverage[i, k] = summary.get("coverage") or 0.0

    # near duplicates
    clock = time.perf_counter()
    settings = settings or dedup.Settings()
    index = dedup.build_index([[d.text[p["start"] : p["end"]] for p in d.body] for d in docs])
    found = dedup.find_duplicates(index, settings)
    phases["duplicates"] = time.perf_counter() - clock

    group_size = np.ones(n_docs)
    for members in found.groups:
        group_size[members] = len(members)
    group_key = np.where(found.group_of >= 0, found.group_of, n_docs + np.arange(n_docs))
    modes = {
        "all_documents": (np.arange(n_docs), np.ones(n_docs)),
        "groups_once": (group_key, 1.0 / group_size),
    }
    chosen = "groups_once" if collapse else "all_documents"

    # outlet scores, both ways
    clock = time.perf_counter()
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2
    per_mode = {}
    for mode, (unit_key, weights) in modes.items():
        units = _units(doc_outlet, unit_key, weights, scores, n_outlets)
        boot = _bootstrap(units, n_outlets, resamples, rng)
        estimate, weight, addressing = _estimates(units, n_outlets)
        low = expanded_tail(level, addressing, addressing - 1).ravel()
        bounds = _nan_quantiles(boot.reshape(resamples, -1), (low, 1 - low)).reshape(2, n_outlets, n_targets)
        per_mode[mode] = {"units": units, "boot": boot, "estimate": estimate, "weight": weight,
                          "addressing": addressing, "bounds": bounds}
    phases["bootstrap"] = time.perf_counter() - clock

    outlet_rows = []
    for o, name in enumerate(outlet_names):
        members = doc_outlet == o
        in_group = found.group_of[members]
        entry = {"outlet": name, "documents": int(members.sum()),
                 "in_duplicate_groups": int((in_group >= 0).sum()),
                 "duplicate_groups": int(len(np.unique(in_group[in_group >= 0]))), "targets": {}}
        for k, t in enumerate(targets):
            addressing = members & ~np.isnan(scores[:, k])
            ways = {}
            for mode, data in per_mode.items():
                enough = data["addressing"][o, k] >= 2
                ways[mode] = {"score": _round(data["estimate"][o, k]),
                              "ci": _ci(*data["bounds"][:, o, k]) if enough else None,
                              "weight": round(float(data["weight"][o, k]), 4)}
            main = ways[chosen]
            weights_o = modes[chosen][1][members]
            entry["targets"][t] = {
                "score": main["score"], "ci": main["ci"], "documents": int(addressing.sum()),
                "paragraphs": int(paragraphs[addressing, k].sum()),
                "coverage": round(float(np.average(coverage[members, k], weights=weights_o)), 4),
                "weight": main["weight"], **ways,
            }
        outlet_rows.append(entry)

    # pairwise differences (chosen counting)
    clock = time.perf_counter()
    data = per_mode[chosen]
    units = data["units"]
    pairs = [(i, j) for i in range(n_outlets) for j in range(i + 1, n_outlets)]
    differences, pvalues, tested_rows = [], [], []
    for k, t in enumerate(targets):
        estimate, boot = data["estimate"][:, k], data["boot"][:, :, k]
        valid_pairs = np.array([(i, j) for i, j in pairs if not np.isnan(estimate[i]) and not np.isnan(estimate[j])],
                               dtype=np.int64).reshape(-1, 2)
        if not len(valid_pairs):
            continue
        left, right = valid_pairs[:, 0], valid_pairs[:, 1]
        n_left, n_right = data["addressing"][left, k], data["addressing"][right, k]
        low = expanded_tail(level, 2 / (1 / np.maximum(n_left, 1) + 1 / np.maximum(n_right, 1)),
                            n_left + n_right - 2)
        bounds = np.empty((2, len(valid_pairs)))
        step = max(1, _BATCH_ELEMENTS // resamples)
        for begin in range(0, len(valid_pairs), step):
            part = slice(begin, begin + step)
            bounds[:, part] = _nan_quantiles(boot[:, left[part]] - boot[:, right[part]], (low[part], 1 - low[part]))
        enough = (n_left >= min_documents) & (n_right >= min_documents)
        if enough.any():
            pvalues.append(permutation_pvalues(units, k, valid_pairs[enough], permutations, rng))
        for n, (i, j) in enumerate(valid_pairs):
            if enough[n]:
                tested_rows.append(len(differences))
            differences.append({"target": t, "a": outlet_names[i], "b": outlet_names[j],
                                "difference": round(float(estimate[i] - estimate[j]), 4),
                                "ci": _ci(bounds[0, n], bounds[1, n]) if enough[n] else None,
                                "p_value": None, "p_adjusted": None, "significant": None})
    pvalues = np.concatenate(pvalues) if pvalues else np.zeros(0)
    adjusted = adjust_pvalues(pvalues, correction)
    for row, p, q in zip(tested_rows, pvalues, adjusted):
        differences[row].update({"p_value": _round(p), "p_adjusted": _round(q), "significant": bool(q <= alpha)})
    phases["differences"] = time.perf_counter() - clock

    # groups and aligned paragraphs
    clock = time.perf_counter()
    groups_out = []
    for g, members in enumerate(found.groups):
        group_pairs = [p for p in found.pairs if found.group_of[p["a"]] == g]
        totals = {m: 0.0 for m in members}
        for p in group_pairs:
            totals[p["a"]] += p["similarity"]
            totals[p["b"]] += p["similarity"]
        representative = max(members, key=lambda m: (totals[m], -m))
        sims = [p["similarity"] for p in group_pairs]
        groups_out.append({
            "group": g, "size": len(members), "documents": [_meta(docs[m]) for m in members],
            "outlets": sorted({docs[m].outlet for m in members}),
            "representative": docs[representative].position,
            "similarity": round(float(np.mean(sims)), 4), "min_similarity": round(float(np.min(sims)), 4),
            "kinds": sorted({p["kind"] for p in group_pairs}),
            "pairs": [{**p, "a": docs[p["a"]].position, "b": docs[p["b"]].position} for p in group_pairs],
        })
    aligned = [_aligned_pair(docs, found.alignments[(p["a"], p["b"])], targets, int(found.group_of[p["a"]]))
               for p in found.pairs]
    phases["alignment"] = time.perf_counter() - clock

    model = next((d.result.get("model") for d in docs if d.result.get("model")), None)
    return {
        "model": model,
        "targets": targets,
        "documents": n_docs,
        "excluded": excluded,
        "settings": {
            "counting": chosen, "collapse": bool(collapse), "resamples": resamples,
            "permutations": permutations, "seed": seed, "level": level, "min_documents": min_documents,
            "smallest_p": round(1 / (permutations + 1), 6), "tests": int(len(pvalues)),
            "tests_at_smallest_p": int(np.sum(pvalues <= 1 / (permutations + 1) + 1e-12)),
            "alpha": alpha, "correction": CORRECTIONS[correction],
            "score": "mean of document scores (P(favor) - P(against)) over the outlet's documents that "
                     "address the target; documents in a near-duplicate group weigh 1/g when groups count once",
            "interval": "expanded percentile bootstrap (Hesterberg 2015) over documents (clusters of paragraphs) "
                        "within each outlet",
            "test": "two-sided permutation test of the difference, documents (units) reassigned at random "
                    "between the two outlets, p = (g + 1) / (permutations + 1)",
            "duplicates": settings.to_dict(),
        },
        "outlets": outlet_rows,
        "differences": differences,
        "duplicates": {"method": "rare-term blocking, local-idf cosine of content words and names/numbers, "
                                 "monotone paragraph alignment of body paragraphs",
                       "candidates": found.candidates, "checked": found.checked, "groups": groups_out},
        "alignments": aligned,
        "largest_shifts": largest_shifts(aligned),
    }
