"""The result schema, document scores, limits and properties of the scorer."""
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import newsstance
from newsstance import InputError, LimitError, Limits, Scorer, UnknownTargetError
from newsstance.scorer import bootstrap_interval

TEXT = ("Putin Visits Hanoi\n\n"
        "Russia's brutal war of aggression in Ukraine was condemned by Washington, which called the visit a "
        "disgrace.\n\n"
        "Vietnam kept its neutrality and balanced ties with China, Russia and the United States.\n\n"
        "Trade figures were published on Monday.\n\n"
        "Share this article")


def test_result_schema(scorer):
    result = scorer.score(TEXT, id="a1", outlet="Example")
    assert result["id"] == "a1" and result["outlet"] == "Example"
    assert result["model"] == scorer.model.info
    assert set(result["sentiment"]) == {"compound", "pos", "neu", "neg"}
    assert set(result["targets"]) == {"russia", "us", "neutrality"}
    for summary in result["targets"].values():
        assert set(summary) == {"score", "ci", "label", "paragraphs", "coverage", "mentions", "sentiment"}
    kinds = [p["kind"] for p in result["paragraphs"]]
    assert kinds == ["heading", "body", "body", "body", "boilerplate"]
    trade = result["paragraphs"][3]
    assert trade["stances"] == {"russia": None, "us": None, "neutrality": None}  # not addressed: null
    stance = result["paragraphs"][1]["stances"]["russia"]
    assert set(stance) == {"label", "score", "probabilities", "mentions"}
    assert stance["score"] == pytest.approx(stance["probabilities"]["favor"] - stance["probabilities"]["against"],
                                            abs=2e-4)
    assert sum(stance["probabilities"].values()) == pytest.approx(1, abs=1e-3)


def test_document_score_counts_body_and_headings_not_boilerplate(scorer):
    result = scorer.score(TEXT)
    russia = result["targets"]["russia"]
    addressed = [p for p in result["paragraphs"] if p["stances"]["russia"] and p["kind"] != "boilerplate"]
    assert russia["paragraphs"] == len(addressed) == 3
    body = [p for p in result["paragraphs"] if p["kind"] == "body"]
    assert russia["coverage"] == pytest.approx(sum(bool(p["stances"]["russia"]) for p in body) / len(body), abs=1e-4)
    scores = {p["kind"]: [] for p in addressed}
    for p in addressed:
        scores[p["kind"]].append(p["stances"]["russia"]["score"])
    weights = [1.0] * len(scores["body"]) + [0.25] * len(scores["heading"])
    expected = np.average(scores["body"] + scores["heading"], weights=weights)
    assert russia["score"] == pytest.approx(expected, abs=2e-4)
    lo, hi = russia["ci"]
    assert lo <= russia["score"] <= hi


def test_boilerplate_mentions_do_not_count(scorer):
    text = "Trade grew by four percent last year, officials said.\n\nNext Post\n\nRussia Holds Naval Drills Near Japan"
    result = scorer.score(text)
    assert result["paragraphs"][2]["kind"] == "boilerplate"
    assert result["targets"]["russia"]["paragraphs"] == 0 and result["targets"]["russia"]["score"] is None


def test_single_paragraph_has_no_interval(scorer):
    result = scorer.score("Russia condemned the sanctions.")
    assert result["targets"]["russia"]["paragraphs"] == 1 and result["targets"]["russia"]["ci"] is None


def test_explain_gives_signed_features(scorer):
    result = scorer.score(TEXT, explain=True)
    explanation = result["paragraphs"][1]["stances"]["russia"]["explanation"]
    assert 0 < len(explanation) <= scorer.explain_top
    assert all(isinstance(e["feature"], str) and isinstance(e["weight"], float) for e in explanation)
    assert abs(explanation[0]["weight"]) >= abs(explanation[-1]["weight"])
    assert "explanation" not in scorer.score(TEXT)["paragraphs"][1]["stances"]["russia"]


def test_request_targets_by_aliases_and_spans(scorer):
    text = "China and Russia signed a deal.\n\nBeijing praised the deal warmly."
    result = scorer.score(text, targets=["russia", {"name": "china", "aliases": ["China", "Beijing"]},
                                         {"name": "deal", "spans": [[26, 30]]}])
    assert list(result["targets"]) == ["russia", "china", "deal"]
    assert result["targets"]["china"]["paragraphs"] == 2
    assert result["paragraphs"][0]["stances"]["deal"]["mentions"] == [[26, 30]]
    assert result["paragraphs"][1]["stances"]["deal"] is None


@pytest.mark.parametrize("document, error", [
    ({"text": ""}, InputError),
    ({"text": "   \n\n "}, InputError),
    ({"text": 42}, InputError),
    ({"text": None}, InputError),
    ({}, InputError),
    ({"text": "ok", "outlet": ["x"]}, InputError),
    ({"text": "ok", "targets": ["mars"]}, UnknownTargetError),
    ("just a string", InputError),
])
def test_bad_documents_are_clear_errors(scorer, document, error):
    with pytest.raises(error) as info:
        scorer.score_document(document)
    assert info.value.detail


def test_limits_name_the_limit_and_value(model):
    scorer = Scorer(model, limits=Limits(max_text_chars=100, max_paragraphs=3))
    with pytest.raises(LimitError) as info:
        scorer.score("x" * 101)
    assert (info.value.limit, info.value.value) == ("max_text_chars", 100)
    with pytest.raises(LimitError) as info:
        scorer.score("a\n\nb\n\nc\n\nd")
    assert (info.value.limit, info.value.value, info.value.actual) == ("max_paragraphs", 3, 4)


def test_score_each_keeps_going_after_a_bad_document(scorer):
    results = scorer.score_each([{"text": "Russia spoke."}, {"text": ""}, {"text": "The US spoke."}])
    assert isinstance(results[1], InputError)
    assert results[0]["targets"]["russia"]["paragraphs"] == 1 and results[2]["targets"]["us"]["paragraphs"] == 1


def test_library_shortcut_matches_scorer(scorer, monkeypatch):
    monkeypatch.setattr(newsstance.scorer, "_default", scorer)
    assert newsstance.score(TEXT, outlet="x") == scorer.score(TEXT, outlet="x")


def test_bootstrap_interval_is_seeded_and_covers_the_mean():
    scores, weights = np.array([0.1, 0.5, -0.2, 0.4]), np.ones(4)
    first = bootstrap_interval(scores, weights, np.random.default_rng(0))
    assert first == bootstrap_interval(scores, weights, np.random.default_rng(0))
    assert first[0] <= scores.mean() <= first[1]
    assert bootstrap_interval(scores[:1], weights[:1], np.random.default_rng(0)) is None


def test_seed_corpus_scores_end_to_end(scorer, seed_texts):
    for name, text in seed_texts.items():
        result = scorer.score(text, outlet=name)
        russia = result["targets"]["russia"]
        assert russia["paragraphs"] >= 5 and russia["coverage"] > 0.5, name
        assert json.loads(json.dumps(result)) == result  # plain JSON all the way down


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=3000).filter(str.strip))
def test_any_text_scores_within_bounds_and_deterministically(scorer, text):
    result = scorer.score(text)
    assert result == scorer.score(text)
    for summary in result["targets"].values():
        if summary["score"] is not None:
            assert -1 <= summary["score"] <= 1
            if summary["ci"]:
                assert -1 <= summary["ci"][0] <= summary["ci"][1] <= 1
    for paragraph in result["paragraphs"]:
        block = text[paragraph["start"]:paragraph["end"]]
        assert block.strip()
        for stance in paragraph["stances"].values():
            if stance:
                assert -1 <= stance["score"] <= 1
                for start, end in stance["mentions"]:
                    assert paragraph["start"] <= start < end <= paragraph["end"]


ALIAS_WORDS = st.sampled_from(["Russia", "Putin", "the US", "Washington", "Vietnam", "neutrality", "China",
                               "praised", "condemned", "aggression", "friendship", ".", "\n\n", "\n", " "])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ALIAS_WORDS, min_size=1, max_size=80).map(" ".join).filter(str.strip))
def test_mention_rich_text_spans_slice_back(scorer, text):
    result = scorer.score(text)
    for paragraph in result["paragraphs"]:
        for name, stance in paragraph["stances"].items():
            for start, end in (stance or {}).get("mentions", []):
                assert text[start:end].strip() == text[start:end] and text[start:end]
