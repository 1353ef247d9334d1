"""Exploration helpers for notebooks: where the data is, documents to score, and tidy pandas tables of scorer
results and outlet comparisons (one row per observation, ready to sort, filter and plot).

    from newsstance import explore
    paths = explore.paths_from_env()              # NEWSSTANCE_SHARED, NEWSSTANCE_ALLSIDES, NEWSSTANCE_NB_ARTICLES
    name, documents = explore.exploration_corpus(paths)
    results = scorer.score_documents(documents)
    explore.document_frame(results)               # document x target scores with intervals
    explore.paragraph_frame(results)              # paragraph x target stance and sentiment

Environment variables (all optional):

| variable | meaning | default |
| --- | --- | --- |
| NEWSSTANCE_SHARED | the shared folder (seeds, data) | `../shared` beside the checkout |
| NEWSSTANCE_ALLSIDES | the AllSides subset (JSONL.gz); `none` to skip it | `<shared>/data/allsides-article-bias/articles_geo_subset.jsonl.gz` |
| NEWSSTANCE_NB_ARTICLES | how many AllSides articles to read | 300 |
| NEWSSTANCE_NB_TRAIN_PER_TARGET | training examples per target in a quick retraining | 300 |
"""
from __future__ import annotations

import itertools
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd

from .corpus import iter_articles

DEFAULT_ARTICLES = 300
DEFAULT_TRAIN_PER_TARGET = 300
ALLSIDES_FILE = Path("data") / "allsides-article-bias" / "articles_geo_subset.jsonl.gz"
NEWSMTSC_DIR = Path("data") / "newsmtsc"


def repo_root() -> Path:
    """The checkout this package is installed from (editable install)."""
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    """Where a notebook reads from. `allsides` and `newsmtsc` are None when absent."""

    repo: Path
    shared: Path
    seeds: Path
    allsides: Path | None
    newsmtsc: Path | None
    articles: int
    train_per_target: int = DEFAULT_TRAIN_PER_TARGET

    def describe(self) -> str:
        """A few lines saying what was found, for the top of a notebook."""
        seeds = sorted(self.seeds.glob("*.txt")) if self.seeds.is_dir() else []
        lines = [f"shared folder: {self.shared}",
                 f"seed corpus:   {self.seeds} ({len(seeds)} articles)",
                 f"AllSides:      {self.allsides or 'absent: the seed corpus stands in'}"
                 + (f" (first {self.articles} articles)" if self.allsides else ""),
                 f"NewsMTSC:      {self.newsmtsc or 'absent'}"]
        return "\n".join(lines)


def paths_from_env(environ: Mapping[str, str] | None = None) -> Paths:
    """Paths from the NEWSSTANCE_* variables (see the module docstring), with defaults relative to the repo."""
    environ = os.environ if environ is None else environ
    repo = repo_root()
    shared = Path(environ.get("NEWSSTANCE_SHARED") or repo.parent / "shared").expanduser().resolve()
    configured = environ.get("NEWSSTANCE_ALLSIDES")
    if configured and configured.strip().lower() in ("none", "off", "0"):
        allsides = None
    else:
        allsides = Path(configured).expanduser() if configured else shared / ALLSIDES_FILE
        allsides = allsides if allsides.exists() else None
    newsmtsc = shared / NEWSMTSC_DIR
    return Paths(repo=repo, shared=shared, seeds=shared / "seeds", allsides=allsides,
                 newsmtsc=newsmtsc if (newsmtsc / "train.jsonl").exists() else None,
                 articles=_count(environ, "NEWSSTANCE_NB_ARTICLES", DEFAULT_ARTICLES),
                 train_per_target=_count(environ, "NEWSSTANCE_NB_TRAIN_PER_TARGET", DEFAULT_TRAIN_PER_TARGET))


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"{name} must be 1 or more")
    return value


def read_documents(path: str | Path, limit: int | None = None) -> list[dict]:
    """Documents ({id, outlet, title?, text}) from the AllSides JSONL(.gz) or a folder of .txt files (the seeds:
    outlet = file name); articles without text are skipped; at most `limit` of them."""
    documents = []
    for article in iter_articles(path):
        text = article.get("content_original") or ""
        if not text.strip():
            continue
        document = {"id": str(article["ID"]), "outlet": article.get("source") or str(article["ID"]), "text": text}
        if article.get("title"):
            document["title"] = article["title"]
        documents.append(document)
        if limit is not None and len(documents) >= limit:
            break
    return documents


def seed_documents(paths: Paths) -> list[dict]:
    """The seed corpus, one document per outlet; an error that says where it looked when it is missing."""
    documents = read_documents(paths.seeds) if paths.seeds.is_dir() else []
    if not documents:
        raise FileNotFoundError(f"no seed articles (*.txt) under {paths.seeds}: set NEWSSTANCE_SHARED")
    return documents


def exploration_corpus(paths: Paths) -> tuple[str, list[dict]]:
    """(description, documents): the first `paths.articles` AllSides articles, or the seeds when it is absent."""
    if paths.allsides is not None:
        documents = read_documents(paths.allsides, paths.articles)
        return f"AllSides subset, first {len(documents)} articles", documents
    return "seed corpus (AllSides subset absent)", seed_documents(paths)


# --------------------------------------------------------------------------------------------- tables


def document_frame(results: list[dict]) -> pd.DataFrame:
    """One row per document and target: score, interval, paragraphs, coverage, mentions, sentiment."""
    rows = []
    for result in results:
        overall = (result.get("sentiment") or {}).get("compound")
        for target, summary in result["targets"].items():
            ci = summary.get("ci") or [None, None]
            rows.append({"id": result.get("id"), "outlet": result.get("outlet"), "model": _model(result),
                         "target": target, "score": summary.get("score"), "ci_low": ci[0], "ci_high": ci[1],
                         "label": summary.get("label"), "paragraphs": summary.get("paragraphs"),
                         "coverage": summary.get("coverage"), "mentions": summary.get("mentions"),
                         "targeted_sentiment": summary.get("sentiment"), "document_sentiment": overall})
    return pd.DataFrame(rows)


def _model(result: dict) -> str | None:
    model = result.get("model") or {}
    return f"{model['name']}/{model['version']}" if model.get("name") else None


def paragraph_frame(results: list[dict], kinds=("body",)) -> pd.DataFrame:
    """One row per paragraph (of the given kinds) and target it addresses: stance score, label,
    probabilities, paragraph sentiment (VADER compound, mean over sentences)."""
    rows = []
    for result in results:
        for paragraph in result["paragraphs"]:
            if kinds and paragraph["kind"] not in kinds:
                continue
            sentiment = (paragraph.get("sentiment") or {}).get("compound")
            for target, stance in paragraph["stances"].items():
                if stance is None:
                    continue
                p = stance["probabilities"]
                rows.append({"id": result.get("id"), "outlet": result.get("outlet"), "paragraph": paragraph["index"],
                             "kind": paragraph["kind"], "target": target, "score": stance["score"],
                             "label": stance["label"], "p_favor": p["favor"], "p_against": p["against"],
                             "p_neutral": p["neutral"], "sentiment": sentiment,
                             "mentions": len(stance["mentions"])})
    return pd.DataFrame(rows)


def outlet_frame(report: dict, counting: str | None = None, *, min_documents: int = 1,
                 wide: bool = False) -> pd.DataFrame:
    """Outlet x target scores of a comparison report (`newsstance.compare.compare`), sorted by target then
    score. counting: 'all_documents' or 'groups_once' (default: the report's). wide=True gives one row per
    outlet with a 'score [low, high] (n)' cell per target."""
    counting = counting or report["settings"]["counting"]
    rows = []
    for outlet in report["outlets"]:
        for target, entry in outlet["targets"].items():
            way = entry.get(counting) or {}
            ci = way.get("ci") or [None, None]
            if entry.get("documents", 0) < min_documents:
                continue
            rows.append({"outlet": outlet["outlet"], "target": target, "score": way.get("score"), "ci_low": ci[0],
                         "ci_high": ci[1], "documents": entry.get("documents"), "paragraphs": entry.get("paragraphs"),
                         "coverage": entry.get("coverage")})
    frame = pd.DataFrame(rows, columns=["outlet", "target", "score", "ci_low", "ci_high", "documents", "paragraphs",
                                        "coverage"])
    if frame.empty or not wide:
        return frame.sort_values(["target", "score"], ignore_index=True)
    frame["cell"] = [_cell(r.score, r.ci_low, r.ci_high, r.documents) for r in frame.itertuples()]
    table = frame.pivot(index="outlet", columns="target", values="cell").fillna("-")
    return table[[t for t in report["targets"] if t in table.columns]]


def _cell(score, low, high, n) -> str:
    if score is None or pd.isna(score):
        return "-"
    interval = f" [{low:+.2f}, {high:+.2f}]" if low is not None and not pd.isna(low) else ""
    return f"{score:+.2f}{interval} (n={int(n)})"


def differences_frame(report: dict, *, significant_only: bool = False, with_interval: bool = True,
                      top: int | None = None) -> pd.DataFrame:
    """Pairwise outlet differences (A - B) per target with intervals and corrected p-values; the smallest
    corrected p-value first, then the largest difference. with_interval: only pairs of outlets that both
    have the two documents an interval needs."""
    rows = []
    for d in report["differences"]:
        if significant_only and not d.get("significant"):
            continue
        if with_interval and not d.get("ci"):
            continue
        ci = d.get("ci") or [None, None]
        rows.append({"target": d["target"], "a": d["a"], "b": d["b"], "difference": d["difference"],
                     "ci_low": ci[0], "ci_high": ci[1], "p_value": d.get("p_value"),
                     "p_adjusted": d.get("p_adjusted"), "significant": d.get("significant")})
    frame = pd.DataFrame(rows, columns=["target", "a", "b", "difference", "ci_low", "ci_high", "p_value",
                                        "p_adjusted", "significant"])
    frame = (frame.assign(size=frame["difference"].abs())
             .sort_values(["p_adjusted", "size"], ascending=[True, False], na_position="last")
             .drop(columns="size").reset_index(drop=True))
    return frame.head(top) if top else frame


def groups_frame(report: dict) -> pd.DataFrame:
    """Near-duplicate groups: one row per member document, with the group's kind and similarity."""
    rows = []
    for group in report["duplicates"]["groups"]:
        for member in group["documents"]:
            rows.append({"group": group["group"], "size": group["size"], "kinds": ", ".join(group["kinds"]),
                         "mean_similarity": group["similarity"], "outlet": member["outlet"], "id": member["id"],
                         "representative": member["position"] == group["representative"]})
    return pd.DataFrame(rows, columns=["group", "size", "kinds", "mean_similarity", "outlet", "id",
                                       "representative"])


def alignments_frame(report: dict) -> pd.DataFrame:
    """Aligned document pairs of the near-duplicate groups: per target, the mean stance shift B - A over the
    aligned paragraphs that both versions address."""
    rows = []
    for pair in report["alignments"]:
        for target, summary in pair["targets"].items():
            rows.append({"group": pair["group"], "a": pair["a"]["outlet"], "b": pair["b"]["outlet"],
                         "aligned_share": pair["aligned_share"], "aligned_paragraphs": len(pair["paragraphs"]),
                         "target": target, "paragraphs_both": summary["paragraphs"],
                         "mean_shift": summary["mean_shift"], "largest_shift": summary["largest_shift"]})
    return pd.DataFrame(rows)


def shifts_frame(report: dict, top: int | None = None) -> pd.DataFrame:
    """The aligned paragraph pairs with the largest stance shift (B - A), with both excerpts."""
    rows = []
    for s in report.get("largest_shifts", [])[:top]:
        rows.append({"target": s["target"], "a": s["a"]["outlet"], "paragraph_a": s["a"]["paragraph"]["index"],
                     "stance_a": s["stance_a"], "b": s["b"]["outlet"], "paragraph_b": s["b"]["paragraph"]["index"],
                     "stance_b": s["stance_b"], "shift": s["shift"], "similarity": s["similarity"],
                     "excerpt_a": s["a"]["paragraph"]["excerpt"], "excerpt_b": s["b"]["paragraph"]["excerpt"]})
    return pd.DataFrame(rows)


def feature_label(name: str) -> str:
    """A readable name for a model feature: 'words__vietnam' -> 'word: vietnam', 'context__with' -> 'near the
    mention: with', 'sentiment__targeted_neg' -> 'VADER: targeted_neg'."""
    from .features import MASK

    group, _, rest = name.partition("__")
    rest = " ".join("[mention]" if token == MASK else token for token in rest.split(" "))
    prefix = {"words": "word", "context": "near the mention", "sentiment": "VADER"}.get(group)
    return f"{prefix}: {rest}" if prefix and rest else name


def explanation_frame(result: dict, target: str, *, text: str | None = None, top: int = 3,
                      excerpt_chars: int = 70) -> pd.DataFrame:
    """Paragraph by paragraph for one target: kind, stance, and the features that pushed the score most toward
    favour (+) and toward against (-). Needs a result scored with explain=True."""
    rows = []
    for paragraph in result["paragraphs"]:
        stance = paragraph["stances"].get(target)
        if stance is None:
            continue
        if "explanation" not in stance:
            raise ValueError("the result has no explanations: score it with explain=True")
        features = stance["explanation"]
        toward = sorted((f for f in features if f["weight"] > 0), key=lambda f: -f["weight"])[:top]
        away = sorted((f for f in features if f["weight"] < 0), key=lambda f: f["weight"])[:top]
        row = {"paragraph": paragraph["index"], "kind": paragraph["kind"], "label": stance["label"],
               "score": stance["score"],
               "toward favour": "; ".join(f"{feature_label(f['feature'])} ({f['weight']:+.2f})" for f in toward),
               "toward against": "; ".join(f"{feature_label(f['feature'])} ({f['weight']:+.2f})" for f in away)}
        if text is not None:
            row["excerpt"] = textwrap.shorten(" ".join(text[paragraph["start"]:paragraph["end"]].split()),
                                              width=excerpt_chars, placeholder="…")
        rows.append(row)
    return pd.DataFrame(rows)


def strongest_paragraph(result: dict, target: str) -> int | None:
    """Index of the body paragraph with the largest absolute stance score toward the target."""
    best = None
    for paragraph in result["paragraphs"]:
        stance = paragraph["stances"].get(target)
        if stance is None or paragraph["kind"] != "body":
            continue
        if best is None or abs(stance["score"]) > abs(best[1]):
            best = (paragraph["index"], stance["score"])
    return None if best is None else best[0]


def preview(value, max_items: int = 2, max_chars: int = 120):
    """A copy of a JSON value cut down for display: lists keep their first `max_items` items (plus a note of
    how many were left out), long strings are shortened."""
    if isinstance(value, dict):
        return {k: preview(v, max_items, max_chars) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
            return value  # an interval or a span
        kept = [preview(v, max_items, max_chars) for v in itertools.islice(value, max_items)]
        if len(value) > max_items:
            kept.append(f"... {len(value) - max_items} more")
        return kept
    if isinstance(value, str) and len(value) > max_chars:
        return value[: max_chars - 1] + "…"
    return value


def json_text(value, indent: int = 2, width: int = 100) -> str:
    """JSON for reading: like json.dumps(indent=2), but any object or list that fits on one line of `width`
    characters stays on one line (intervals, spans, probabilities, sentiment)."""
    return _json_lines(value, indent, width, 0, 0)


def _json_lines(value, indent: int, width: int, level: int, prefix: int) -> str:
    import json

    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or not value or level * indent + prefix + len(flat) <= width:
        return flat
    pad, close = " " * (indent * (level + 1)), " " * (indent * level)
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            head = f"{json.dumps(str(key), ensure_ascii=False)}: "
            items.append(pad + head + _json_lines(item, indent, width, level + 1, len(head)))
        return "{\n" + ",\n".join(items) + "\n" + close + "}"
    items = [pad + _json_lines(item, indent, width, level + 1, 0) for item in value]
    return "[\n" + ",\n".join(items) + "\n" + close + "]"
