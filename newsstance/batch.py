"""Score a stream of documents in input order, in this process or in worker processes."""
from __future__ import annotations

import multiprocessing
from collections import deque
from itertools import islice
from typing import Iterable, Iterator

from .io import Record
from .scorer import Scorer

_worker_scorer: Scorer | None = None


def _init_worker(scorer: Scorer | None) -> None:
    global _worker_scorer
    _worker_scorer = scorer or Scorer()


def _score_chunk(records: list[Record], explain: bool, scorer: Scorer | None = None) -> list[dict]:
    """Results (or error records) for a chunk of records, in order."""
    scorer = scorer or _worker_scorer
    readable = [r for r in records if r.error is None]
    outcomes = iter(scorer.score_each([r.document for r in readable], explain=explain))
    results = []
    for record in records:
        if record.error is not None:
            results.append(record.error_record())
            continue
        outcome = next(outcomes)
        results.append(record.error_record(outcome) if isinstance(outcome, Exception) else outcome)
    return results


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def score_records(records: Iterable[Record], *, scorer: Scorer | None = None, jobs: int = 1,
                  explain: bool = False, chunk_size: int = 8) -> Iterator[dict]:
    """Results in input order; with jobs > 1, chunks go to worker processes, a bounded number in flight."""
    if jobs <= 1:
        scorer = scorer or Scorer()
        for chunk in _chunks(records, chunk_size):
            yield from _score_chunk(chunk, explain, scorer)
        return
    if scorer is not None:
        scorer.model  # load once before forking so workers share its memory
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_init_worker, initargs=(scorer,)) as pool:
        pending: deque = deque()
        for chunk in _chunks(records, chunk_size):
            pending.append(pool.apply_async(_score_chunk, (chunk, explain)))
            if len(pending) >= jobs * 4:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()
