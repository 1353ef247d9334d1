"""Inter-annotator agreement: Cohen's kappa against scikit-learn, joins, uncertain marks, boilerplate."""
import json
import math
import random
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score

from training.agreement import agreement, agreement_rows, cohen_kappa

LABELS = Path(__file__).resolve().parent.parent / "training" / "labels"


def test_kappa_matches_scikit_learn_on_random_labelings():
    rng = random.Random(7)
    for _ in range(50):
        n = rng.randint(2, 60)
        first = [rng.choice("abc") for _ in range(n)]
        second = [x if rng.random() < 0.6 else rng.choice("abc") for x in first]
        expected = cohen_kappa_score(first, second)
        got = cohen_kappa(first, second)
        if math.isnan(expected):
            assert got is None
        else:
            assert got == pytest.approx(expected)


def test_kappa_known_values_and_undefined_cases():
    assert cohen_kappa(list("aabb"), list("aabb")) == pytest.approx(1.0)
    assert cohen_kappa(list("aabb"), list("bbaa")) == pytest.approx(-1.0)
    assert cohen_kappa([], []) is None
    assert cohen_kappa(list("aaa"), list("aaa")) is None  # chance agreement is 1: undefined
    with pytest.raises(ValueError):
        cohen_kappa(["a"], ["a", "b"])


def row(article, paragraph, russia, us="neutral", neutrality="neutral", kind="body"):
    return {"article": article, "paragraph": paragraph, "sha": "x", "kind": kind, "russia": russia, "us": us,
            "neutrality": neutrality}


def test_agreement_joins_by_reference_and_handles_uncertain_and_boilerplate():
    first = [row("a", 0, "against"), row("a", 1, "favor?"), row("b", 0, "neutral"), row("b", 1, "neutral"),
             row("c", 0, "against", kind="boilerplate"), row("only-first", 0, "favor")]
    second = [row("b", 1, "against"), row("a", 0, "against?"), row("a", 1, "favor"), row("b", 0, "neutral"),
              row("c", 0, "favor", kind="boilerplate"), row("only-second", 0, "favor")]
    report = agreement(first, second)
    assert report["joined"] == 5
    russia = report["russia"]
    assert russia["n"] == 4  # boilerplate left out
    assert russia["observed"] == pytest.approx(0.75)  # '?' dropped: a/0 and a/1 agree
    assert russia["kappa"] == pytest.approx(cohen_kappa_score(["against", "favor", "neutral", "neutral"],
                                                              ["against", "favor", "neutral", "against"]), abs=1e-4)
    assert russia["n_certain"] == 2  # b/0 and b/1
    matrix = russia["confusion"]["rows_first_cols_second"]
    labels = russia["confusion"]["labels"]
    assert matrix[labels.index("neutral")][labels.index("against")] == 1
    assert report["us"]["kappa"] is None  # all neutral: undefined, not 0 or 1
    assert report["us"]["observed"] == 1.0
    assert report["kind"]["n"] == 5 and report["kind"]["kappa"] == pytest.approx(1.0)
    table = agreement_rows(report)
    assert [r["labels"] for r in table] == ["russia", "us", "neutrality", "kind"]


def test_agreement_reads_files_and_plain_ids(tmp_path):
    first, second = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first.write_text("\n".join(json.dumps({"id": i, "russia": l}) for i, l in enumerate(["favor", "against"])))
    second.write_text("\n".join(json.dumps({"id": i, "russia": l}) for i, l in enumerate(["favor", "neutral"])))
    report = agreement(first, second, targets=["russia"])
    assert report["russia"]["n"] == 2 and report["russia"]["observed"] == 0.5
    assert "kind" not in report


def test_project_second_labels_agree_substantially():
    report = agreement(LABELS / "allsides.jsonl", LABELS / "allsides_second.jsonl")
    assert report["joined"] >= 400
    assert report["russia"]["kappa"] > 0.4 and report["us"]["kappa"] > 0.4
