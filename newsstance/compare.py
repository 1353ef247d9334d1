"""Compare outlets: scores per outlet and target with document-level bootstrap intervals, pairwise differences
with permutation p-values corrected for multiple comparisons, near-duplicate groups (copies and rewrites)
and the stance shifts between aligned paragraphs of a group's documents.

    from newsstance.compare import compare
    report = compare([{"outlet": "A", "text": ...}, {"outlet": "B", "text": ...}, ...])

The statistics, in short (the docstring of `compare` has the details):

* **Outlet score** for a target: the mean of the document scores (scorer's document score, DESIGN.md) over
  the outlet's documents that address the target. The document, not the paragraph, is the unit: an outlet's
  framing is a choice made per article, and pooling paragraphs would let one long article dominate.
* **Interval**: percentile bootstrap that resamples the outlet's documents (clusters of paragraphs) with
  replacement, documents that do not address the target included, so the number that do varies too.
* **Pairwise difference** A - B: bootstrap interval from the two outlets' independent resamples; two-sided
  permutation p-value that reassigns the pooled documents (which address the target) to the two outlets,
  sequential Monte Carlo (Besag & Clifford 1991: stop a pair once it has `h` = 10 permutation statistics at
  least as extreme as the observed one, p = h / L, else p = (g + 1) / (R + 1)).
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

from . import dedup
from .errors import InputError
from .segment import BODY, paragraphs as segment_paragraphs

CORRECTIONS = {"bh": "benjamini-hochberg", "holm": "holm"}
SEQUENTIAL_H = 10  # Besag-Clifford: exceedances after which a pair's permutations stop
_PERMUTATION_BLOCK = 200
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


def _nan_quantiles(values: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """Quantiles along axis 0 ignoring NaN (linear interpolation); NaN where a column has no value."""
    ordered = np.sort(values, axis=0)  # NaN sorts last
    valid = np.sum(~np.isnan(values), axis=0)
    out = np.full((len(qs),) + values.shape[1:], np.nan)
    has = valid > 0
    for k, q in enumerate(qs):
        pos = q * np.maximum(valid - 1, 0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(valid - 1, 0))
        frac = pos - lo
        low = np.take_along_axis(ordered, lo[None, ...], axis=0)[0]
        high = np.take_along_axis(ordered, hi[None, ...], axis=0)[0]
        out[k] = np.where(has, low + frac * (high - low), np.nan)
    return out


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


def permutation_pvalues(pools: list[tuple[np.ndarray, np.ndarray, int]], permutations: int,
                        rng: np.random.Generator, h: int = SEQUENTIAL_H) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided permutation p-values of a difference of weighted means, one per pool.

    A pool is (num, den, n_a): per unit the weighted score sum and the weight, the first n_a units belonging
    to A. The statistic is |sum(num_A)/sum(den_A) - sum(num_B)/sum(den_B)|; a permutation reassigns n_a of
    the pooled units to A at random. Sequential Monte Carlo (Besag & Clifford 1991): a pool stops once h
    permutation statistics reach the observed one, p = h / L after L permutations; a pool that never does
    gets p = (g + 1) / (permutations + 1) from its g exceedances. Pools of one unit per side get p = 1 (both
    assignments are equally extreme). Returns the p-values (NaN: not testable, a side is empty) and the
    number of permutations used per pool."""
    n = len(pools)
    pvalues = np.full(n, np.nan)
    used = np.zeros(n, dtype=np.int64)
    sizes = np.array([len(p[0]) for p in pools], dtype=np.int64)
    n_a = np.array([p[2] for p in pools], dtype=np.int64)
    both_sides = (n_a >= 1) & (sizes - n_a >= 1)
    pvalues[both_sides & (sizes == 2)] = 1.0
    testable = np.flatnonzero(both_sides & (sizes >= 3))
    testable = testable[np.argsort(sizes[testable], kind="stable")]
    observed = np.zeros(n)
    for k in testable:
        num, den, a = pools[k]
        observed[k] = abs(num[:a].sum() / den[:a].sum() - num[a:].sum() / den[a:].sum())
    exceed = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    drawn = 0
    while drawn < permutations:
        block = min(_PERMUTATION_BLOCK, permutations - drawn)
        active = testable[~done[testable]]
        if not len(active):
            break
        start = 0
        while start < len(active):
            stop = start + 1  # sizes ascend: the batch is as wide as its last pool
            while stop < len(active) and (stop - start + 1) * block * sizes[active[stop]] <= _BATCH_ELEMENTS:
                stop += 1
            _permutation_block(pools, active[start:stop], int(sizes[active[stop - 1]]), block, drawn, rng,
                               observed, exceed, done, pvalues, used, h)
            start = stop
        drawn += block
    rest = testable[~done[testable]]
    pvalues[rest] = (exceed[rest] + 1) / (permutations + 1)
    used[rest] = permutations
    return pvalues, used


def _permutation_block(pools, batch, width, block, drawn, rng, observed, exceed, done, pvalues, used, h):
    """`block` permutations for the pools of a batch, padded to a common width."""
    m = len(batch)
    num = np.zeros((m, width))
    den = np.zeros((m, width))
    size = np.zeros(m, dtype=np.int64)
    n_a = np.zeros(m, dtype=np.int64)
    for row, k in enumerate(batch):
        p_num, p_den, p_a = pools[k]
        num[row, : len(p_num)] = p_num
        den[row, : len(p_den)] = p_den
        size[row], n_a[row] = len(p_num), p_a
    keys = rng.random((m, block, width))
    keys[np.broadcast_to((np.arange(width)[None, :] >= size[:, None])[:, None, :], keys.shape)] = np.inf
    order = np.argsort(keys, axis=2)
    take = (n_a - 1)[:, None, None]
    num_a = np.take_along_axis(np.cumsum(np.take_along_axis(np.broadcast_to(num[:, None, :], keys.shape), order, 2),
                                         axis=2), np.broadcast_to(take, (m, block, 1)), 2)[..., 0]
    den_a = np.take_along_axis(np.cumsum(np.take_along_axis(np.broadcast_to(den[:, None, :], keys.shape), order, 2),
                                         axis=2), np.broadcast_to(take, (m, block, 1)), 2)[..., 0]
    total_num, total_den = num.sum(axis=1)[:, None], den.sum(axis=1)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.abs(num_a / den_a - (total_num - num_a) / (total_den - den_a))
    obs = observed[batch][:, None]
    hits = stat >= obs - 1e-9 * np.maximum(1.0, obs)
    running = exceed[batch][:, None] + np.cumsum(hits, axis=1)
    reached = running[:, -1] >= h
    first = np.argmax(running >= h, axis=1)
    stopped = batch[reached]
    stop_at = drawn + first[reached] + 1
    pvalues[stopped], used[stopped], done[stopped] = h / stop_at, stop_at, True
    exceed[batch[~reached]] = running[~reached, -1]


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


def largest_shifts(alignments: list[dict], top: int = 10) -> list[dict]:
    """The aligned paragraph pairs with the largest absolute stance shift, over all groups and targets."""
    found = []
    for pair in alignments:
        for row in pair["paragraphs"]:
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
            alpha: float = 0.05, correction: str = "bh", settings: dedup.Settings | None = None,
            timings: dict | None = None) -> dict:
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
    settings: thresholds of near-duplicate detection (`newsstance.dedup.Settings`).
    timings: a dict to receive the seconds spent in each phase.

    Deterministic given `seed`. Output schema: see `SCHEMA` in this module's source and docs/compare.md.
    """
    clock = time.perf_counter()
    phases = timings if timings is not None else {}
    if correction not in CORRECTIONS:
        raise InputError(f"unknown correction {correction!r}: use 'bh' or 'holm'", field="correction")
    if not isinstance(documents, (list, tuple)):
        raise InputError("documents must be a list")
    if resamples < 1 or (permutations is not None and permutations < 1):
        raise InputError("resamples and permutations must be 1 or more")
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
        bounds = _nan_quantiles(boot.reshape(resamples, -1), (tail, 1 - tail)).reshape(2, n_outlets, n_targets)
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
    differences, pools, pool_rows = [], [], []
    unit_lists = [[np.flatnonzero((units.outlet == o) & (units.den[:, k] > 0)) for o in range(n_outlets)]
                  for k in range(n_targets)]
    for k, t in enumerate(targets):
        estimate, boot = data["estimate"][:, k], data["boot"][:, :, k]
        valid_pairs = [(i, j) for i, j in pairs if not np.isnan(estimate[i]) and not np.isnan(estimate[j])]
        if not valid_pairs:
            continue
        left = np.array([i for i, _ in valid_pairs])
        right = np.array([j for _, j in valid_pairs])
        bounds = _nan_quantiles(boot[:, left] - boot[:, right], (tail, 1 - tail))
        for n, (i, j) in enumerate(valid_pairs):
            enough = data["addressing"][i, k] >= 2 and data["addressing"][j, k] >= 2
            differences.append({"target": t, "a": outlet_names[i], "b": outlet_names[j],
                                "difference": round(float(estimate[i] - estimate[j]), 4),
                                "ci": _ci(bounds[0, n], bounds[1, n]) if enough else None})
            ua, ub = unit_lists[k][i], unit_lists[k][j]
            both = np.concatenate([ua, ub])
            pools.append((units.num[both, k], units.den[both, k], len(ua)))
            pool_rows.append(len(differences) - 1)
    pvalues, used = permutation_pvalues(pools, permutations, rng) if pools else (np.zeros(0), np.zeros(0))
    tested = ~np.isnan(pvalues)
    adjusted = np.full(len(pvalues), np.nan)
    adjusted[tested] = adjust_pvalues(pvalues[tested], correction)
    for row, p, q, n_perm in zip(pool_rows, pvalues, adjusted, used):
        differences[row].update({"p_value": _round(p), "p_adjusted": _round(q),
                                 "significant": bool(q <= alpha) if not np.isnan(q) else None,
                                 "permutations": int(n_perm)})
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
            "permutations": permutations, "sequential_h": SEQUENTIAL_H, "seed": seed, "level": level,
            "alpha": alpha, "correction": CORRECTIONS[correction],
            "score": "mean of document scores (P(favor) - P(against)) over the outlet's documents that "
                     "address the target; documents in a near-duplicate group weigh 1/g when groups count once",
            "interval": "percentile bootstrap over documents (clusters of paragraphs) within each outlet",
            "test": "two-sided permutation test of the difference, documents reassigned between the two "
                    "outlets, sequential Monte Carlo (Besag-Clifford)",
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
