"""Statistics of `newsstance.compare` on synthetic data with known answers (no model needed)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from newsstance.compare import _Units, _units, adjust_pvalues, compare, permutation_pvalues
from newsstance.errors import InputError


def fake_corpus(means: dict[str, float], n: dict[str, int] | int, rng: np.random.Generator, sd: float = 0.3,
                target: str = "t", address: float = 1.0):
    """Documents (tiny distinct texts) and scorer-like results whose document scores are drawn per outlet."""
    documents, results = [], []
    for outlet, mu in means.items():
        count = n if isinstance(n, int) else n[outlet]
        for i in range(count):
            addressed = rng.random() < address
            score = float(np.clip(rng.normal(mu, sd), -1, 1)) if addressed else None
            documents.append({"outlet": outlet, "text": f"{outlet} item {i}", "id": f"{outlet}-{i}"})
            results.append({"id": f"{outlet}-{i}", "outlet": outlet, "paragraphs": [],
                            "targets": {target: {"score": score, "paragraphs": int(addressed),
                                                 "coverage": float(addressed)}}})
    return documents, results


def test_bh_and_holm_match_hand_computed_values():
    p = [0.01, 0.04, 0.03, 0.005]
    # BH: sorted 0.005, 0.01, 0.03, 0.04 -> x4/1, x4/2, x4/3, x4/4 = .02, .02, .04, .04 (monotone from the top)
    assert np.allclose(adjust_pvalues(p, "bh"), [0.02, 0.04, 0.04, 0.02])
    # Holm: x4, x3, x2, x1 = .02, .03, .06, .04 -> running max .02, .03, .06, .06
    assert np.allclose(adjust_pvalues(p, "holm"), [0.03, 0.06, 0.06, 0.02])
    assert np.allclose(adjust_pvalues([0.9, 0.95], "bh"), [0.95, 0.95])
    assert adjust_pvalues([], "bh").size == 0
    with pytest.raises(ValueError):
        adjust_pvalues([0.1], "bonferroni")


def test_bh_controls_false_discoveries_under_a_mixture():
    """With 90 true nulls and 10 strong effects, BH at 0.1 keeps the false discovery proportion low on average."""
    rng = np.random.default_rng(3)
    proportions = []
    for _ in range(300):
        p = np.concatenate([rng.random(90), rng.random(10) * 1e-4])
        rejected = adjust_pvalues(p, "bh") <= 0.1
        proportions.append(rejected[:90].sum() / max(1, rejected.sum()))
    assert np.mean(proportions) <= 0.1 + 0.02


def test_difference_interval_covers_the_true_difference_at_about_its_level():
    rng = np.random.default_rng(7)
    truth, covered, reps = 0.25 - (-0.05), 0, 300
    for rep in range(reps):
        documents, results = fake_corpus({"A": 0.25, "B": -0.05}, 40, rng)
        report = compare(documents, results=results, resamples=400, seed=rep)
        ci = report["differences"][0]["ci"]
        covered += ci[0] <= truth <= ci[1]
    rate = covered / reps
    # nominal 0.95; the percentile bootstrap runs a little narrow at n = 40 (binomial sd over 300 reps ~ 0.013)
    assert 0.90 <= rate <= 0.985, rate


def test_outlet_interval_covers_the_true_mean_with_partial_coverage():
    """Documents that do not address the target are part of the resampling (their number varies too)."""
    rng = np.random.default_rng(11)
    covered, reps = 0, 300
    for rep in range(reps):
        documents, results = fake_corpus({"A": 0.4}, 60, rng, address=0.6)
        report = compare(documents, results=results, resamples=400, seed=rep)
        ci = report["outlets"][0]["targets"]["t"]["ci"]
        covered += ci[0] <= 0.4 <= ci[1]
    assert 0.90 <= covered / reps <= 0.985


def test_permutation_pvalues_are_uniform_under_no_difference():
    """600 independent outlet pairs drawn from one distribution (unequal sizes, unequal weights)."""
    rng = np.random.default_rng(5)
    pairs_n = 600
    outlet = np.repeat(np.arange(2 * pairs_n), np.tile([8, 13], pairs_n))
    weights = rng.choice([1.0, 0.5, 1 / 3], size=len(outlet))
    scores = rng.normal(0.1, 0.4, size=(len(outlet), 1))
    units = _units(outlet, np.arange(len(outlet)), weights, scores, 2 * pairs_n)
    pairs = np.stack([np.arange(0, 2 * pairs_n, 2), np.arange(1, 2 * pairs_n, 2)], axis=1)
    p = permutation_pvalues(units, 0, pairs, 400, np.random.default_rng(1))
    assert np.all((p > 0) & (p <= 1))
    assert stats.kstest(p, "uniform").pvalue > 0.01
    counts, _ = np.histogram(p, bins=10, range=(0, 1))
    assert np.all(np.abs(counts - pairs_n / 10) <= 30), counts  # binned check (expected 60 per bin, sd ~7)
    assert 0.02 <= np.mean(p <= 0.05) <= 0.09


def test_permutation_pvalue_matches_exact_enumeration():
    """The all-pairs scheme (hypergeometric K, random K-subsets of each side) gives the exact permutation p."""
    num = np.array([0.9, 0.4, 0.7, -0.1, 0.2, -0.5, 0.0])
    den = np.array([1.0, 0.5, 1.0, 1.0, 1.0, 0.5, 1.0])
    outlet = np.array([0, 0, 0, 1, 1, 1, 1])
    units = _Units(outlet, num[:, None], den[:, None], np.array([0, 3]), np.array([3, 4]))

    def statistic(members):
        rest = [i for i in range(7) if i not in members]
        return abs(num[list(members)].sum() / den[list(members)].sum() - num[rest].sum() / den[rest].sum())

    observed = statistic((0, 1, 2))
    subsets = list(itertools.combinations(range(7), 3))
    exact = np.mean([statistic(s) >= observed - 1e-12 for s in subsets])
    p = permutation_pvalues(units, 0, np.array([[0, 1]]), 20000, np.random.default_rng(0))[0]
    assert abs(p - exact) < 0.01, (p, exact)


def test_real_difference_is_detected_and_survives_correction():
    rng = np.random.default_rng(2)
    documents, results = fake_corpus({"A": 0.4, "B": 0.4, "C": -0.2}, 30, rng, sd=0.25)
    report = compare(documents, results=results, resamples=999)
    by_pair = {(d["a"], d["b"]): d for d in report["differences"]}
    assert by_pair[("A", "C")]["significant"] and by_pair[("B", "C")]["significant"]
    assert by_pair[("A", "C")]["p_value"] == pytest.approx(1 / 1000)
    assert not by_pair[("A", "B")]["significant"]
    assert by_pair[("A", "B")]["ci"][0] < 0 < by_pair[("A", "B")]["ci"][1]
    assert report["settings"]["correction"] == "benjamini-hochberg"
    holm = compare(documents, results=results, resamples=999, correction="holm")
    assert holm["settings"]["correction"] == "holm"
    assert all(h["p_adjusted"] >= b["p_adjusted"] - 1e-12
               for h, b in zip(holm["differences"], report["differences"]))


def test_deterministic_given_seed():
    rng = np.random.default_rng(9)
    documents, results = fake_corpus({"A": 0.1, "B": 0.0, "C": -0.1}, 12, rng)
    first = compare(documents, results=results, resamples=300, seed=4)
    again = compare(documents, results=results, resamples=300, seed=4)
    other = compare(documents, results=results, resamples=300, seed=5)
    assert first == again
    assert first["outlets"][0]["targets"]["t"]["ci"] != other["outlets"][0]["targets"]["t"]["ci"]
    assert first["outlets"][0]["targets"]["t"]["score"] == other["outlets"][0]["targets"]["t"]["score"]


def test_schema_counts_and_single_document_outlets():
    rng = np.random.default_rng(1)
    documents, results = fake_corpus({"A": 0.3, "B": -0.3}, {"A": 5, "B": 1}, rng, address=1.0)
    results[1]["targets"]["t"]["score"] = None  # A's second document does not address the target
    results[1]["targets"]["t"]["coverage"] = 0.0
    report = compare(documents, results=results, resamples=200)
    a, b = report["outlets"]
    assert (a["outlet"], a["documents"], a["targets"]["t"]["documents"]) == ("A", 5, 4)
    expected = np.mean([r["targets"]["t"]["score"] for r in results[:5] if r["targets"]["t"]["score"] is not None])
    assert a["targets"]["t"]["score"] == pytest.approx(expected, abs=1e-4)
    assert a["targets"]["t"]["coverage"] == pytest.approx(0.8)
    assert b["targets"]["t"]["ci"] is None  # one document: no interval
    diff = report["differences"][0]
    assert diff["ci"] is None and diff["p_value"] is None and diff["significant"] is None  # B: one document
    assert report["settings"]["tests"] == 0 and report["settings"]["smallest_p"] == pytest.approx(1 / 201, abs=1e-6)
    assert set(a["targets"]["t"]) >= {"score", "ci", "documents", "paragraphs", "coverage", "weight",
                                      "all_documents", "groups_once"}


def test_error_results_are_excluded_and_bad_input_raises():
    rng = np.random.default_rng(1)
    documents, results = fake_corpus({"A": 0.3, "B": -0.3}, 3, rng)
    results[2] = {"id": "A-2", "error": {"type": "InputError", "detail": "'text' is empty"}}
    report = compare(documents, results=results, resamples=100)
    assert report["documents"] == 5 and report["excluded"][0]["position"] == 2
    with pytest.raises(InputError, match="outlet"):
        compare([{"text": "x"}], results=[results[0]])
    with pytest.raises(InputError, match="differ"):
        compare(documents, results=results[:2])
    with pytest.raises(InputError, match="correction"):
        compare(documents, results=results, correction="bonferroni")
