"""Benchmark of `newsstance.compare` (run on demand, not a test).

    .venv/bin/python benchmarks/bench_compare.py [--allsides PATH] [--sizes 1000 4658] [--synthetic 5000 150]
                                                 [--cache /tmp/newsstance-bench] [--resamples 2000]

* AllSides subset: the articles are scored once (time reported separately, results cached as JSONL under
  --cache), then compared at each size (the first N articles); time per phase and peak resident memory
  (the process's high-water mark, reset before the comparison, and what the comparison added) are reported.
* Synthetic: N documents from K outlets with generated text (about 600 words in 12 paragraphs), a share of them
  rewrites of common source stories (word substitutions, reordered and dropped sentences), with made-up
  scorer results; the target is under 60 s on 2 cores.
Each comparison runs in a fresh process so that peak-memory figures do not carry over.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_ALLSIDES = ROOT.parent / "shared" / "data" / "allsides-article-bias" / "articles_geo_subset.jsonl.gz"
TARGETS = ("russia", "us", "neutrality")


# ------------------------------------------------------------------------------------------ AllSides


def allsides_documents(path: Path) -> list[dict]:
    from newsstance.corpus import iter_articles

    return [{"id": a["ID"], "outlet": a.get("source") or "unknown", "title": a.get("title") or None,
             "text": a.get("content_original") or " "} for a in iter_articles(path)]


def scored_allsides(path: Path, cache: Path) -> tuple[list[dict], list[dict], float | None]:
    """Documents and their results; scoring time, or None when the results came from the cache."""
    from newsstance.scorer import Scorer

    documents = allsides_documents(path)
    cache.mkdir(parents=True, exist_ok=True)
    cached = cache / "allsides_results.jsonl"
    if cached.exists():
        results = [json.loads(line) for line in cached.open(encoding="utf-8")]
        if len(results) == len(documents) and all(r.get("id") == d["id"] for r, d in zip(results, documents)
                                                  if "error" not in r):
            return documents, results, None
    scorer = Scorer()
    scorer.model  # load before timing
    start = time.perf_counter()
    results = []
    for i in range(0, len(documents), 16):
        for outcome in scorer.score_each(documents[i : i + 16]):
            results.append(outcome if isinstance(outcome, dict) else {"error": outcome.to_dict()})
    elapsed = time.perf_counter() - start
    with cached.open("w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(result) + "\n")
    return documents, results, elapsed


# ------------------------------------------------------------------------------------------ synthetic

_SYLLABLES = ("ka", "lo", "mi", "ren", "to", "sa", "vi", "dor", "pe", "lan", "gu", "ste", "ri", "na", "bo", "zel")


def _words(rng: np.random.Generator, n: int, size: int) -> list[str]:
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(_SYLLABLES, size=rng.integers(2, size + 1))))
    return sorted(words)


class Synthetic:
    """Generated news-like text: a Zipfian vocabulary, names and numbers, sentences in paragraphs."""

    def __init__(self, seed: int = 0, vocabulary: int = 20_000, names: int = 3000):
        self.rng = np.random.default_rng(seed)
        self.vocab = _words(self.rng, vocabulary, 4)
        self.names = [w.capitalize() for w in _words(self.rng, names, 3)]
        ranks = np.arange(1, vocabulary + 1)
        self.cdf = np.cumsum(1 / ranks) / np.sum(1 / ranks)
        self.synonyms = {}

    def sentence(self, topic_names: list[str], topic_words: list[str]) -> str:
        rng = self.rng
        n = int(rng.integers(12, 24))
        picks = np.minimum(np.searchsorted(self.cdf, rng.random(n)), len(self.vocab) - 1)
        words = [self.vocab[i] for i in picks]
        for _ in range(int(rng.integers(1, 3))):
            words[int(rng.integers(1, n))] = topic_words[int(rng.integers(len(topic_words)))]
        words.insert(int(rng.integers(2, n)), topic_names[int(rng.integers(len(topic_names)))])
        if rng.random() < 0.3:
            words.insert(int(rng.integers(2, n)), str(int(rng.integers(2, 3000))))
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def story(self, paragraphs: int = 12) -> list[list[str]]:
        rng = self.rng
        names = list(rng.choice(self.names, size=6, replace=False))
        topic = list(rng.choice(self.vocab[2000:], size=15, replace=False))
        return [[self.sentence(names, topic) for _ in range(int(rng.integers(2, 5)))] for _ in range(paragraphs)]

    def rewrite(self, story: list[list[str]], substitute: float = 0.3) -> list[list[str]]:
        """Substitute a share of the words (not names or numbers), reorder and drop some sentences."""
        rng = self.rng
        out = []
        for paragraph in story:
            sentences = []
            for sentence in paragraph:
                if rng.random() < 0.1:
                    continue
                words = sentence.rstrip(".").split()
                for i, w in enumerate(words):
                    if i > 0 and w.islower() and rng.random() < substitute:
                        words[i] = self.synonyms.setdefault(w, self.vocab[int(rng.integers(len(self.vocab)))])
                sentences.append(" ".join(words) + ".")
            if len(sentences) > 1 and rng.random() < 0.3:
                sentences[0], sentences[1] = sentences[1], sentences[0]
            if sentences:
                out.append(sentences)
        return out


def synthetic_corpus(n_docs: int, n_outlets: int, seed: int = 0, rewrite_share: float = 0.3,
                     paragraphs: int = 12) -> tuple[list[dict], list[dict]]:
    """Documents and made-up scorer results (outlet effects on the scores; rewrites of shared stories)."""
    gen = Synthetic(seed)
    rng = gen.rng
    outlets = [f"outlet{k:03d}" for k in range(n_outlets)]
    effects = rng.normal(0, 0.15, size=(n_outlets, len(TARGETS)))
    bodies, outlet_of, source_of = [], [], []
    n_rewrites = int(n_docs * rewrite_share)
    stories = 0
    while len(bodies) < n_rewrites:
        source = gen.story(paragraphs)
        for outlet in rng.choice(n_outlets, size=int(rng.integers(2, 6)), replace=False):
            bodies.append(gen.rewrite(source))
            outlet_of.append(int(outlet))
            source_of.append(stories)
        stories += 1
    while len(bodies) < n_docs:
        bodies.append(gen.story(paragraphs))
        outlet_of.append(int(rng.integers(n_outlets)))
        source_of.append(None)
    bodies, outlet_of, source_of = bodies[:n_docs], outlet_of[:n_docs], source_of[:n_docs]
    documents, results = [], []
    for d, (body, o, story) in enumerate(zip(bodies, outlet_of, source_of)):
        text, para_results, per_target = "", [], {t: [] for t in TARGETS}
        for i, sentences in enumerate(body):
            block = " ".join(sentences)
            start = len(text)
            text += block + "\n\n"
            stances = {}
            for k, t in enumerate(TARGETS):
                if rng.random() < 0.5:
                    score = float(np.clip(effects[o, k] + rng.normal(0, 0.4), -1, 1))
                    stances[t] = {"label": "neutral", "score": round(score, 4)}
                    per_target[t].append(score)
                else:
                    stances[t] = None
            para_results.append({"index": i, "start": start, "end": start + len(block), "kind": "body",
                                 "stances": stances})
        targets = {t: {"score": round(float(np.mean(v)), 4) if v else None, "paragraphs": len(v),
                       "coverage": round(len(v) / len(body), 4)} for t, v in per_target.items()}
        documents.append({"id": f"doc{d}", "outlet": outlets[o], "text": text, "source_story": story})
        results.append({"id": f"doc{d}", "outlet": outlets[o], "model": {"name": "synthetic", "version": "0"},
                        "targets": targets, "paragraphs": para_results})
    return documents, results


# ------------------------------------------------------------------------------------------ running


def _rss(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MiB."""
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _grouping_quality(documents, report) -> dict | None:
    """Pairwise precision and recall of the detected groups against the synthetic stories."""
    truth = [d.get("source_story") for d in documents]
    if all(t is None for t in truth):
        return None
    found = {(a, b) for g in report["duplicates"]["groups"]
             for a in (m["position"] for m in g["documents"]) for b in (m["position"] for m in g["documents"]) if a < b}
    by_story: dict[int, list[int]] = {}
    for position, story in enumerate(truth):
        if story is not None:
            by_story.setdefault(story, []).append(position)
    true_pairs = {(a, b) for members in by_story.values() for a in members for b in members if a < b}
    hits = len(found & true_pairs)
    return {"pair_precision": round(hits / max(1, len(found)), 4),
            "pair_recall": round(hits / max(1, len(true_pairs)), 4)}


def _run_compare(queue, documents, results, resamples, collapse):
    from newsstance.compare import compare

    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")  # reset the peak resident set size to the current one
    except OSError:
        pass
    before = _rss("VmRSS")
    timings = {}
    start = time.perf_counter()
    report = compare(documents, results=results, resamples=resamples, collapse=collapse, timings=timings)
    elapsed = time.perf_counter() - start
    peak = _rss("VmHWM")
    groups = report["duplicates"]["groups"]
    queue.put({"seconds": round(elapsed, 2), "phases": {k: round(v, 2) for k, v in timings.items()},
               "rss_before_mib": round(before, 1), "peak_rss_mib": round(peak, 1),
               "peak_added_mib": round(peak - before, 1),
               "documents": report["documents"], "outlets": len(report["outlets"]),
               "differences": len(report["differences"]),
               "significant": sum(1 for d in report["differences"] if d.get("significant")),
               "groups": len(groups), "grouped_documents": sum(g["size"] for g in groups),
               "candidates": report["duplicates"]["candidates"], "checked": report["duplicates"]["checked"],
               "grouping": _grouping_quality(documents, report)})


def measure(documents, results, resamples: int, collapse: bool = False) -> dict:
    """Compare in a fresh (forked) process; its time, phases and peak memory."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_run_compare, args=(queue, documents, results, resamples, collapse))
    process.start()
    outcome = queue.get()
    process.join()
    return outcome


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 4658])
    parser.add_argument("--synthetic", type=int, nargs=2, default=[5000, 150], metavar=("DOCS", "OUTLETS"))
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/newsstance-bench"))
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--collapse", action="store_true")
    args = parser.parse_args(argv)
    print(f"cores: {os.cpu_count()}, resamples/permutations: {args.resamples}, collapse: {args.collapse}")
    if args.sizes and args.allsides.exists():
        documents, results, scoring = scored_allsides(args.allsides, args.cache)
        print(f"AllSides: {len(documents)} articles; scoring "
              + (f"{scoring:.1f} s ({len(documents) / scoring:.1f} docs/s, one process)" if scoring
                 else f"taken from cache {args.cache} (delete it to time scoring)"))
        for size in args.sizes:
            outcome = measure(documents[:size], results[:size], args.resamples, args.collapse)
            print(f"  compare {size:5d} articles: {json.dumps(outcome)}")
    elif args.sizes:
        print(f"AllSides subset not found at {args.allsides}; skipped")
    if not args.no_synthetic:
        n_docs, n_outlets = args.synthetic
        start = time.perf_counter()
        documents, results = synthetic_corpus(n_docs, n_outlets)
        print(f"synthetic: {n_docs} documents, {n_outlets} outlets (generated in {time.perf_counter() - start:.1f} s)")
        outcome = measure(documents, results, args.resamples, args.collapse)
        verdict = "under" if outcome["seconds"] < 60 else "OVER"
        print(f"  compare: {json.dumps(outcome)}\n  {verdict} the 60 s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
