"""Micro-batching of single-document requests: same results, fewer model calls, failures contained."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from newsstance import InputError, ModelError, Scorer
from service.batcher import MicroBatcher

TEXTS = [f"Russia and the United States disagreed on point {i}.\n\nVietnam stayed neutral, officials said."
         for i in range(24)]


class CountingScorer(Scorer):
    """A scorer that counts its model calls and can hold them until released."""

    def __init__(self, model, gate=None):
        super().__init__(model, resamples=100)
        self.calls, self.sizes, self.gate = 0, [], gate

    def score_each(self, documents, *, explain=False):
        if self.gate is not None:
            self.gate.wait(30)
        self.calls += 1
        self.sizes.append(len(documents))
        return super().score_each(documents, explain=explain)


def test_results_equal_scoring_alone(model):
    scorer, batcher = CountingScorer(model), MicroBatcher(8)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda t: batcher.score(scorer, {"text": t}), TEXTS))
    plain = Scorer(model, resamples=100)
    assert results == [plain.score_document({"text": t}) for t in TEXTS]


def test_waiting_requests_share_a_model_call(model):
    gate = threading.Event()
    scorer, batcher = CountingScorer(model, gate), MicroBatcher(8)
    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(batcher.score, scorer, {"text": t}) for t in TEXTS[:12]]
        for _ in range(500):  # until the others queue up behind the first call, which holds the gate
            if batcher._queue is not None and batcher._queue.qsize() + sum(scorer.sizes) >= 11:
                break
            threading.Event().wait(0.01)
        gate.set()
        assert all(isinstance(f.result(30), dict) for f in futures)
    assert scorer.calls < 12 and max(scorer.sizes) <= 8 and sum(scorer.sizes) == 12


def test_invalid_documents_get_their_own_error(model):
    scorer, batcher = CountingScorer(model), MicroBatcher(8)
    outcomes = [batcher.score(scorer, {"text": t}) for t in ("Moscow.", "   ")]
    assert isinstance(outcomes[0], dict) and isinstance(outcomes[1], InputError)


def test_a_failing_model_call_reaches_the_request_and_the_thread_survives(model):
    scorer, batcher = CountingScorer(model), MicroBatcher(8)
    original = scorer.score_each

    def broken(documents, *, explain=False):
        raise ModelError("model file vanished")

    scorer.score_each = broken
    with pytest.raises(ModelError):
        batcher.score(scorer, {"text": "Moscow."})
    scorer.score_each = original
    assert batcher.score(scorer, {"text": "Moscow."})["model"] == model.info


def test_documents_of_different_scorers_are_not_mixed(model):
    first, second = CountingScorer(model), CountingScorer(model)
    batcher = MicroBatcher(8)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: batcher.score(first if i % 2 else second, {"text": TEXTS[i]}), range(16)))
    assert sum(first.sizes) == 8 and sum(second.sizes) == 8


def test_batch_of_one_scores_in_the_calling_thread(model):
    scorer, batcher = CountingScorer(model), MicroBatcher(1)
    assert batcher.score(scorer, {"text": "Hanoi."})["model"] == model.info
    assert batcher._queue is None


def test_service_with_micro_batching_off(model, tmp_path):
    from service import create_app

    client = create_app({"MODEL": model, "DATA_DIR": str(tmp_path), "MICRO_BATCH": 1}).test_client()
    assert client.post("/v1/score", json={"text": TEXTS[0]}).status_code == 200
    assert client.post("/v1/documents", json={"text": TEXTS[0]}).status_code == 201
