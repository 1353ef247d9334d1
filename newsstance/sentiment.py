"""VADER sentiment per sentence, averaged per paragraph; targeted sentiment from sentences with mentions."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .segment import Span, sentence_spans

FIELDS = ("compound", "pos", "neu", "neg")


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    """VADER scores of one sentence, with its offsets."""

    start: int
    end: int
    compound: float
    pos: float
    neu: float
    neg: float


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    """One VADER analyzer per process (loading its lexicon takes ~0.1 s)."""
    return SentimentIntensityAnalyzer()


def score_sentences(text: str, spans: Sequence[Span]) -> list[SentenceSentiment]:
    """VADER scores for each sentence span of text (spans are kept short by the segmenter)."""
    vader = analyzer()
    scored = []
    for span in spans:
        s = vader.polarity_scores(text[span.start : span.end])
        scored.append(SentenceSentiment(span.start, span.end, s["compound"], s["pos"], s["neu"], s["neg"]))
    return scored


def sentence_sentiments(text: str, start: int = 0, end: int | None = None) -> list[SentenceSentiment]:
    """Split text[start:end] into sentences and score each."""
    return score_sentences(text, sentence_spans(text, start, end))


def mean_sentiment(sentences: Sequence[SentenceSentiment]) -> dict | None:
    """Mean of each VADER field over sentences; None when there are none."""
    if not sentences:
        return None
    compound = pos = neu = neg = 0.0
    for s in sentences:
        compound += s.compound
        pos += s.pos
        neu += s.neu
        neg += s.neg
    n = len(sentences)
    return {"compound": round(compound / n, 4), "pos": round(pos / n, 4), "neu": round(neu / n, 4),
            "neg": round(neg / n, 4)}


def mentioning(sentences: Sequence[SentenceSentiment], mentions: Sequence[tuple[int, int]]):
    """The sentences that overlap at least one mention."""
    return [s for s in sentences if any(ms < s.end and s.start < me for ms, me in mentions)]
