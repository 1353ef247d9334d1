"""Features for the stance model: masked text, words around mentions, VADER figures.

An instance is a dict: ``text`` (the paragraph or sentence), ``mentions`` (``[start, end]`` pairs
relative to ``text``), optionally ``target`` (its name) and ``sentences`` (precomputed
:class:`~newsstance.sentiment.SentenceSentiment` rows relative to ``text``, so that the scorer does
not run VADER twice).
"""
from __future__ import annotations

import math
import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from .sentiment import analyzer, mentioning, sentence_sentiments

MASK = "tgtmention"
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


def masked_text(instance: dict, mask: str = MASK) -> str:
    """The text with every mention replaced by one mask token, so words, not names, carry the stance."""
    text, pieces, last = instance["text"], [], 0
    for start, end in sorted(instance["mentions"]):
        if start < last:
            continue
        pieces += [text[last:start], f" {mask} "]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def tokens_near_mentions(instance: dict, window: int, mask: str = MASK) -> tuple[list[str], set[int]]:
    """Lower-cased tokens of the masked text and the positions within `window` tokens of a mention."""
    tokens = _TOKEN.findall(masked_text(instance, mask).lower())
    near: set[int] = set()
    for i, token in enumerate(tokens):
        if token == mask:
            near.update(range(max(0, i - window), min(len(tokens), i + window + 1)))
    return tokens, near


class TargetMasker(TransformerMixin, BaseEstimator):
    """Instances -> their texts with target mentions masked."""

    def __init__(self, mask: str = MASK):
        self.mask = mask

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return [masked_text(x, self.mask) for x in X]

    def get_feature_names_out(self, input_features=None):
        return np.array(["masked_text"], dtype=object)


class MentionWindow(TransformerMixin, BaseEstimator):
    """Instances -> the words within `window` tokens of each mention, as one string."""

    def __init__(self, window: int = 6, mask: str = MASK):
        self.window = window
        self.mask = mask

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        windows = []
        for x in X:
            tokens, near = tokens_near_mentions(x, self.window, self.mask)
            windows.append(" ".join(tokens[i] for i in sorted(near) if tokens[i] != self.mask))
        return windows

    def get_feature_names_out(self, input_features=None):
        return np.array(["mention_window"], dtype=object)


def mention_sides(instance: dict, window: int, mask: str = MASK) -> tuple[list[str], list[str]]:
    """The tokens within `window` before and after each mention (other mentions left out)."""
    tokens, _ = tokens_near_mentions(instance, 0, mask)
    left, right = [], []
    for i, token in enumerate(tokens):
        if token == mask:
            left += [t for t in tokens[max(0, i - window):i] if t != mask]
            right += [t for t in tokens[i + 1:i + 1 + window] if t != mask]
    return left, right


class MentionSides(TransformerMixin, BaseEstimator):
    """Instances -> the words just before a mention marked `l_`, just after marked `r_` ("l_condemned",
    "r_praised"): which side of the target a word stands on tells agent from patient."""

    def __init__(self, window: int = 3, mask: str = MASK):
        self.window = window
        self.mask = mask

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        rows = []
        for x in X:
            left, right = mention_sides(x, self.window, self.mask)
            rows.append(" ".join(["l_" + t for t in left] + ["r_" + t for t in right]))
        return rows

    def get_feature_names_out(self, input_features=None):
        return np.array(["mention_sides"], dtype=object)


SIDE_SENTIMENT_FEATURES = ("left_compound", "left_pos", "left_neg", "right_compound", "right_pos", "right_neg")


class SideSentiment(TransformerMixin, BaseEstimator):
    """Instances -> VADER figures of the words just before and just after the mentions."""

    def __init__(self, window: int = 4, mask: str = MASK):
        self.window = window
        self.mask = mask

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        vader = analyzer()
        rows = np.zeros((len(X), len(SIDE_SENTIMENT_FEATURES)))
        for i, x in enumerate(X):
            for j, side in enumerate(mention_sides(x, self.window, self.mask)):
                if side:
                    s = vader.polarity_scores(" ".join(side))
                    rows[i, 3 * j : 3 * j + 3] = (s["compound"], s["pos"], s["neg"])
        return rows

    def get_feature_names_out(self, input_features=None):
        return np.array(SIDE_SENTIMENT_FEATURES, dtype=object)


SENTIMENT_FEATURES = (
    "targeted_compound", "targeted_pos", "targeted_neg", "targeted_min", "targeted_max",
    "paragraph_compound", "log_mentions", "mention_sentence_share",
)


class SentimentFeatures(TransformerMixin, BaseEstimator):
    """Instances -> VADER figures of the sentences that mention the target and of the whole text."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        rows = np.zeros((len(X), len(SENTIMENT_FEATURES)))
        for i, x in enumerate(X):
            sentences = x.get("sentences")
            if sentences is None:
                sentences = sentence_sentiments(x["text"])
            if not sentences:
                continue
            targeted = mentioning(sentences, x["mentions"]) or sentences
            compounds = [s.compound for s in targeted]
            rows[i] = (
                sum(compounds) / len(compounds),
                sum(s.pos for s in targeted) / len(targeted),
                sum(s.neg for s in targeted) / len(targeted),
                min(compounds),
                max(compounds),
                sum(s.compound for s in sentences) / len(sentences),
                math.log1p(len(x["mentions"])),
                len(targeted) / len(sentences),
            )
        return rows

    def get_feature_names_out(self, input_features=None):
        return np.array(SENTIMENT_FEATURES, dtype=object)


class CompactTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose saved state holds the vocabulary as one string, not a dict.

    skops rebuilds a dict entry by entry, which made a 60k-term model take ~9 s to load; one
    newline-joined string (terms never hold a newline: tokens are words) loads in milliseconds.
    """

    def transform(self, raw_documents):
        """Tf-idf rows: the same arithmetic as TfidfVectorizer.transform (counts, 1 + log tf, x idf, l2 rows)
        without its input validation, which costs more than the arithmetic on one document's paragraphs."""
        if self.norm not in ("l2", None) or not hasattr(self._tfidf, "idf_"):
            return super().transform(raw_documents)
        counts = CountVectorizer.transform(self, raw_documents).astype(np.float64)
        if self.sublinear_tf:
            np.log(counts.data, counts.data)
            counts.data += 1.0
        counts.data *= self._tfidf.idf_[counts.indices]
        if self.norm == "l2":
            inplace_csr_row_normalize_l2(counts)
        return counts

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: Python may hand back the live __dict__
        vocabulary = state.get("vocabulary_")
        if isinstance(vocabulary, dict) and not any("\n" in term for term in vocabulary):
            state["vocabulary_"] = "\n".join(sorted(vocabulary, key=vocabulary.get))
        return state

    def __setstate__(self, state):
        vocabulary = state.get("vocabulary_")
        if isinstance(vocabulary, str):
            state = {**state, "vocabulary_": {term: i for i, term in enumerate(vocabulary.split("\n"))}}
        super().__setstate__(state)
