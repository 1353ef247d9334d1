"""Near-duplicate detection and paragraph alignment on synthetic rewrites made here (no model needed)."""
from __future__ import annotations

import numpy as np
import pytest

from newsstance import dedup
from newsstance.compare import compare

SYLLABLES = ("ka", "lo", "mi", "ren", "to", "sa", "vi", "dor", "pe", "lan", "gu", "ste", "ri", "na", "bo", "zel",
             "tam", "er", "os", "quin")


class Writer:
    """Generated news-like text: common words, a story's own names, topic words and numbers."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        words = set()
        while len(words) < 3000:
            words.add("".join(self.rng.choice(SYLLABLES, size=int(self.rng.integers(2, 5)))))
        self.words = sorted(words)
        ranks = np.arange(1, len(self.words) + 1)
        self.cdf = np.cumsum(1 / ranks) / np.sum(1 / ranks)
        self.synonyms: dict[str, str] = {}

    def topic(self):
        names = [self.words[i].capitalize() for i in self.rng.choice(len(self.words), 6, replace=False)]
        topic = [self.words[i] for i in self.rng.choice(np.arange(500, 3000), 12, replace=False)]
        return names, topic

    def sentence(self, names, topic) -> str:
        rng = self.rng
        n = int(rng.integers(12, 22))
        words = [self.words[min(i, len(self.words) - 1)] for i in np.searchsorted(self.cdf, rng.random(n))]
        words[int(rng.integers(1, n))] = topic[int(rng.integers(len(topic)))]
        words[int(rng.integers(1, n))] = topic[int(rng.integers(len(topic)))]
        words.insert(int(rng.integers(1, n)), names[int(rng.integers(len(names)))])
        if rng.random() < 0.4:
            words.insert(int(rng.integers(1, n)), str(int(rng.integers(10, 5000))))
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def story(self, paragraphs: int = 8, names_topic=None) -> list[list[str]]:
        names, topic = names_topic or self.topic()
        return [[self.sentence(names, topic) for _ in range(3)] for _ in range(paragraphs)]

    def rewrite(self, story, substitute: float = 0.3, drop: float = 0.1) -> list[list[str]]:
        """Substitute a share of the lower-case words, swap sentences, drop a few."""
        rng = self.rng
        out = []
        for paragraph in story:
            sentences = []
            for sentence in paragraph:
                if rng.random() < drop:
                    continue
                words = sentence.rstrip(".").split()
                words = [self.synonyms.setdefault(w, self.words[int(rng.integers(len(self.words)))])
                         if k and w.islower() and rng.random() < substitute else w for k, w in enumerate(words)]
                sentences.append(" ".join(words) + ".")
            if len(sentences) > 1 and rng.random() < 0.5:
                sentences[0], sentences[1] = sentences[1], sentences[0]
            out.append(sentences or paragraph[:1])
        return out


def paragraphs_of(story) -> list[str]:
    return [" ".join(sentences) for sentences in story]


@pytest.fixture(scope="module")
def collection():
    w = Writer(1)
    source_topic = w.topic()
    source = w.story(names_topic=source_topic)
    rewrite_1 = w.rewrite(source)
    merged = w.rewrite(source, substitute=0.25)
    merged = merged[:2] + [merged[2] + merged[3]] + merged[5:]  # paragraphs 2 and 3 merged, 4 dropped
    same_story = w.story(names_topic=source_topic)  # the story's names and words, other sentences
    unrelated = [w.story() for _ in range(30)]
    docs = [source, rewrite_1, merged, [list(p) for p in source], same_story] + unrelated
    return [paragraphs_of(d) for d in docs]


def test_rewrites_and_copies_group_apart_from_same_story_and_unrelated(collection):
    found = dedup.find_duplicates(dedup.build_index(collection))
    assert found.groups == [[0, 1, 2, 3]]
    kinds = {(p["a"], p["b"]): p["kind"] for p in found.pairs}
    assert kinds[(0, 3)] == "copy" and kinds[(0, 1)] == "rewrite"
    for p in found.pairs:
        assert 0 < p["similarity"] <= 1 and p["aligned_share"] >= 0.6
    assert found.group_of[4] == -1 and np.all(found.group_of[5:] == -1)


def test_blocking_does_not_scan_all_pairs():
    w = Writer(2)
    docs = [paragraphs_of(w.story()) for _ in range(400)]
    index = dedup.build_index(docs)
    pairs = dedup.candidate_pairs(index, dedup.Settings())
    assert len(pairs) < 0.005 * 400 * 399 / 2
    assert dedup.find_duplicates(index).groups == []


def test_monotone_alignment_keeps_order_and_allows_splits():
    sims = np.array([[0.9, 0.1, 0.1, 0.0],
                     [0.1, 0.6, 0.5, 0.1],
                     [0.8, 0.1, 0.1, 0.7]])  # row 2's 0.8 at column 0 would cross row 0's match
    cells = dedup.monotone_alignment(sims, 0.3)
    assert cells == [(0, 0), (1, 1), (1, 2), (2, 3)]
    assert dedup.monotone_alignment(np.zeros((3, 2)), 0.3) == []
    assert dedup.monotone_alignment(np.zeros((0, 2)), 0.3) == []


def test_alignment_maps_rewritten_paragraphs_to_their_sources(collection):
    index = dedup.build_index(collection)
    straight = dedup.align_documents(index, 0, 1, 0.25)
    assert straight.aligned_share == 1.0
    assert sum(i == j for i, j, _ in straight.matches) >= 0.8 * len(collection[0])
    merged = dedup.align_documents(index, 0, 2, 0.25)
    pairs = {(i, j) for i, j, _ in merged.matches}
    assert {(0, 0), (1, 1), (2, 2), (3, 2), (5, 3), (7, 5)} <= pairs  # 2 and 3 merged into 2; 4 dropped
    assert not any(i == 4 for i, _, _ in merged.matches)


def test_collapse_counts_a_group_once():
    """Outlet A ran one story three times (scores +0.8) and three other stories (scores 0.0)."""
    w = Writer(3)
    story = w.story()
    texts = ["\n\n".join(paragraphs_of(w.rewrite(story, substitute=0.1))) for _ in range(3)]
    texts += ["\n\n".join(paragraphs_of(w.story())) for _ in range(3)]
    texts += ["\n\n".join(paragraphs_of(w.story())) for _ in range(3)]
    scores = [0.8, 0.8, 0.8, 0.0, 0.0, 0.0, -0.2, -0.1, -0.3]
    documents, results = [], []
    for k, (text, score) in enumerate(zip(texts, scores)):
        documents.append({"outlet": "A" if k < 6 else "B", "text": text, "id": str(k)})
        spans, start = [], 0
        for i, block in enumerate(text.split("\n\n")):
            spans.append({"index": i, "start": start, "end": start + len(block), "kind": "body",
                          "stances": {"t": {"score": score}}})
            start += len(block) + 2
        results.append({"id": str(k), "paragraphs": spans,
                        "targets": {"t": {"score": score, "paragraphs": len(spans), "coverage": 1.0}}})
    plain = compare(documents, results=results, resamples=300)
    collapsed = compare(documents, results=results, resamples=300, collapse=True)
    assert [g["size"] for g in plain["duplicates"]["groups"]] == [3]
    a_plain, a_once = plain["outlets"][0]["targets"]["t"], collapsed["outlets"][0]["targets"]["t"]
    assert a_plain["score"] == pytest.approx(0.4) and a_plain["groups_once"]["score"] == pytest.approx(0.2)
    assert a_once["score"] == pytest.approx(0.2) and a_once["all_documents"]["score"] == pytest.approx(0.4)
    assert a_once["weight"] == pytest.approx(4.0) and a_plain["weight"] == pytest.approx(6.0)
    assert collapsed["settings"]["counting"] == "groups_once" and plain["settings"]["counting"] == "all_documents"
    assert plain["outlets"][0]["in_duplicate_groups"] == 3 and plain["outlets"][0]["duplicate_groups"] == 1
    # aligned paragraphs carry offsets into the documents' texts and per-target stance pairs
    pair = plain["alignments"][0]
    row = pair["paragraphs"][0]
    text_a = documents[pair["a"]["position"]]["text"]
    assert text_a[row["a"]["start"] : row["a"]["end"]].startswith(row["a"]["excerpt"][:20])
    assert row["targets"]["t"]["shift"] == pytest.approx(0.0)
