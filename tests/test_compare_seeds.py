"""`compare` on the seed corpus with the shipped model: rewrites grouped, boilerplate ignored, shifts shown.

Reading the five seed articles: 000, 001 and 003 are rewrites of one source article (the Lenin statue in
Ba Dinh, Soviet help since the 1950s, "loyalty and gratitude", Russian-made arms and oil in the South China
Sea, bamboo diplomacy, the US criticism, Thailand, the party resignations, in that order). 004 is another
article on the visit (the defence pact in Pyongyang, the airport welcome, trade of $3.5bn, the Nhan Dan
op-ed) that borrows a few of the source's points. 002 is a third article built on other sources (Vuving,
Ian Storey, Zarubezhneft). The tests read the texts at run time; no seed text is copied here.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from newsstance.compare import compare

REWRITES = {"000", "001", "003"}


def seed_documents(seed_texts) -> list[dict]:
    return [{"id": name, "outlet": name[:3], "text": text} for name, text in sorted(seed_texts.items())]


@pytest.fixture(scope="module")
def seed_report(scorer, seed_texts):
    return compare(seed_documents(seed_texts), scorer=scorer, resamples=300)


def test_rewrites_are_grouped_apart_from_the_other_articles(seed_report):
    groups = seed_report["duplicates"]["groups"]
    assert len(groups) == 1
    group = groups[0]
    assert set(group["outlets"]) == REWRITES
    assert all(p["kind"] == "rewrite" for p in group["pairs"])
    assert 0 < group["min_similarity"] <= group["similarity"] < 1
    assert len(group["pairs"]) == 3 and all(p["aligned_share"] >= 0.6 for p in group["pairs"])
    outlets = {o["outlet"]: o for o in seed_report["outlets"]}
    assert outlets["004"]["in_duplicate_groups"] == 0 and outlets["002"]["in_duplicate_groups"] == 0


def test_grouping_holds_within_a_larger_collection(scorer, seed_texts):
    """Mixed with unrelated generated articles, the same group comes out (and the fillers stay apart)."""
    rng = np.random.default_rng(0)
    syllables = ["ka", "lo", "mi", "ren", "to", "sa", "vi", "dor", "pe", "lan", "gu", "ste", "ri", "na", "bo"]
    words = sorted({"".join(rng.choice(syllables, size=int(rng.integers(2, 5)))) for _ in range(4000)})
    filler = []
    for k in range(30):
        paragraphs = [" ".join(rng.choice(words, size=40)).capitalize() + f" in {rng.integers(1900, 2024)}."
                      for _ in range(5)]
        filler.append({"outlet": f"filler{k}", "text": "\n\n".join(paragraphs)})
    report = compare(seed_documents(seed_texts) + filler, scorer=scorer, resamples=100)
    assert [set(g["outlets"]) for g in report["duplicates"]["groups"]] == [REWRITES]


def test_boilerplate_plays_no_part(scorer, seed_texts):
    """Heavy shared boilerplate does not make 004 a copy of 000, nor does it change the seeds' grouping."""
    documents = seed_documents(seed_texts)
    navigation = ("Share this article\n\nShareable URL\nPrev Post\n\nVietnam Hosts Putin In Hanoi Amid Ties\n\n"
                  "Next Post\n\nRussia and Vietnam Sign Energy Deals in Hanoi\n\nLeave a Reply\n\n"
                  "Your email address will not be published. Required fields are marked *\n\nRead more\n\n"
                  "Similar news")
    for document in documents:
        document["text"] = document["text"].rstrip() + "\n\n" + navigation
    report = compare(documents, scorer=scorer, resamples=100)
    assert [set(g["outlets"]) for g in report["duplicates"]["groups"]] == [REWRITES]
    # every aligned paragraph is a body paragraph of its document
    kinds = {}
    results = scorer.score_documents(documents)
    for position, result in enumerate(results):
        for paragraph in result["paragraphs"]:
            kinds[(position, paragraph["index"])] = paragraph["kind"]
    for pair in report["alignments"]:
        for row in pair["paragraphs"]:
            assert kinds[(pair["a"]["position"], row["a"]["index"])] == "body"
            assert kinds[(pair["b"]["position"], row["b"]["index"])] == "body"


def test_aligned_paragraphs_show_stance_shifts_with_offsets(seed_report, seed_texts):
    documents = seed_documents(seed_texts)
    alignments = seed_report["alignments"]
    assert {(a["a"]["outlet"], a["b"]["outlet"]) for a in alignments} == {("000", "001"), ("000", "003"),
                                                                          ("001", "003")}
    shifts = [entry["shift"] for pair in alignments for row in pair["paragraphs"]
              for entry in row["targets"].values() if entry.get("shift") is not None]
    assert len(shifts) >= 10 and max(abs(s) for s in shifts) >= 0.3
    largest = seed_report["largest_shifts"]
    assert largest and abs(largest[0]["shift"]) >= max(abs(s["shift"]) for s in largest)
    top = largest[0]
    assert re.match(r"^\d{3}'s version of this paragraph is \d\.\d\d more (favourable to|against) \w+$",
                    top["description"])
    for side in ("a", "b"):
        text = documents[top[side]["position"]]["text"]
        ref = top[side]["paragraph"]
        excerpt = ref["excerpt"].rstrip("…")
        assert " ".join(text[ref["start"] : ref["end"]].split()).startswith(excerpt)
    # 000's paragraph on the Lenin statue and Soviet help aligns with 003's paragraphs on the same points
    pair = next(a for a in alignments if (a["a"]["outlet"], a["b"]["outlet"]) == ("000", "003"))
    text_a, text_b = documents[pair["a"]["position"]]["text"], documents[pair["b"]["position"]]["text"]
    statue = [row for row in pair["paragraphs"] if "Lenin" in text_a[row["a"]["start"] : row["a"]["end"]]]
    best = max(statue, key=lambda row: row["similarity"])
    assert re.search("Lenin|Soviet", text_b[best["b"]["start"] : best["b"]["end"]])


def test_outlet_table_and_differences_cover_every_outlet_and_target(seed_report):
    assert [o["outlet"] for o in seed_report["outlets"]] == ["000", "001", "002", "003", "004"]
    assert seed_report["targets"] == ["russia", "us", "neutrality"]
    assert len(seed_report["differences"]) == 10 * 3
    assert all(d["p_value"] is None for d in seed_report["differences"])  # one document each: no test
    for outlet in seed_report["outlets"]:
        for summary in outlet["targets"].values():
            assert summary["ci"] is None  # one document per outlet: no interval
            assert summary["score"] is None or -1 <= summary["score"] <= 1
            assert summary["groups_once"]["weight"] <= summary["all_documents"]["weight"]
    assert seed_report["model"]["name"]
