"""Benchmark `newsstance score` on the AllSides subset (run on demand; not a test).

Reports documents/s and words/s of the full scorer (one core), a VADER-only pass over the same paragraphs
(sentence split + VADER, the floor any scorer pays), the --jobs 2 speed-up, peak memory while streaming all
articles, and how time grows when a long document doubles.

    .venv/bin/python benchmarks/bench_score.py [--corpus PATH] [--articles 2000]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsstance.corpus import iter_articles  # noqa: E402
from newsstance.segment import paragraphs  # noqa: E402
from newsstance.sentiment import sentence_sentiments  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "allsides-article-bias" / "articles_geo_subset.jsonl.gz"


def write_documents(corpus: Path, limit: int | None, path: Path) -> tuple[int, int]:
    """Write the first `limit` articles as JSONL documents; return (documents, words)."""
    count = words = 0
    with open(path, "w", encoding="utf-8") as handle:
        for article in iter_articles(corpus):
            text = article.get("content_original") or ""
            if not text.strip():
                continue
            handle.write(json.dumps({"id": article["ID"], "outlet": article.get("source"), "text": text}) + "\n")
            count += 1
            words += len(text.split())
            if limit and count >= limit:
                break
    return count, words


def run_cli(documents: Path, jobs: int) -> tuple[float, int]:
    """Seconds and peak RSS (MB, the largest process) of one `newsstance score` run."""
    command = [str(ROOT / ".venv" / "bin" / "newsstance"), "score", str(documents), "--quiet", "--jobs", str(jobs),
               "--out", "/dev/null"]
    started = time.perf_counter()
    subprocess.run(command, check=False)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kb // 1024


def vader_only(documents: Path) -> float:
    """Seconds for segmentation + VADER on every sentence of every paragraph, as the scorer runs it."""
    texts = [json.loads(line)["text"] for line in open(documents, encoding="utf-8")]
    started = time.perf_counter()
    for text in texts:
        for block in paragraphs(text):
            sentence_sentiments(text, block.start, block.end)
    return time.perf_counter() - started


def doubling() -> list[tuple[int, float]]:
    """Time to score a long document and the same document doubled, twice."""
    from newsstance import Scorer

    scorer = Scorer()
    scorer.model  # load before timing
    base = "\n\n".join(article["content_original"] for _, article in zip(range(40), iter_articles(DEFAULT_CORPUS)))
    timings = []
    for factor in (1, 2, 4):
        text = "\n\n".join([base] * factor)
        started = time.perf_counter()
        scorer.score(text)
        timings.append((len(text), time.perf_counter() - started))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sample, everything = Path(tmp) / "sample.jsonl", Path(tmp) / "all.jsonl"
        n, words = write_documents(args.corpus, args.articles, sample)
        n_all, words_all = write_documents(args.corpus, None, everything)
        all_seconds, peak_mb = run_cli(everything, 1)  # first: RUSAGE_CHILDREN keeps the maximum so far
        vader_seconds = vader_only(sample)
        one_seconds, _ = run_cli(sample, 1)
        two_seconds, _ = run_cli(sample, 2)
    results = {
        "articles": n, "words": words,
        "score_jobs1": {"seconds": round(one_seconds, 1), "docs_per_s": round(n / one_seconds, 1),
                        "words_per_s": round(words / one_seconds)},
        "vader_only": {"seconds": round(vader_seconds, 1), "docs_per_s": round(n / vader_seconds, 1),
                       "words_per_s": round(words / vader_seconds)},
        "full_vs_vader_speed": round(vader_seconds / one_seconds, 3),
        "score_jobs2": {"seconds": round(two_seconds, 1), "speedup_vs_jobs1": round(one_seconds / two_seconds, 2)},
        "stream_all": {"articles": n_all, "words": words_all, "seconds": round(all_seconds, 1),
                       "peak_rss_mb": peak_mb},
        "doubling": [{"chars": c, "seconds": round(s, 3)} for c, s in doubling()],
    }
    times = [d["seconds"] for d in results["doubling"]]
    results["doubling_ratios"] = [round(b / a, 2) for a, b in zip(times, times[1:])]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
