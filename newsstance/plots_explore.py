"""Exploration figures beyond `newsstance.plots` (matplotlib, safe under Agg; each function returns the Figure):

    document_forest_plot(results)         each document's score per target with its paragraph-bootstrap interval
    shift_plot(report)                    stance of aligned paragraphs in two versions of a story, largest shifts
    explanation_plot(result, index, t)    the features behind one paragraph's score
    sentiment_stance_scatter(frame)       VADER sentiment against stance, per target, with binned means
"""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .explore import feature_label
from .plots import UNITS

FAVOUR, AGAINST, NEUTRAL = "#2958bf", "#bf2929", "#8c8c8c"
LABEL_COLOURS = {"favor": FAVOUR, "against": AGAINST, "neutral": NEUTRAL}
SENTIMENT_UNITS = "VADER compound (-1 to 1)"


def _short(name: str, width: int = 28) -> str:
    return textwrap.shorten(str(name), width=width, placeholder="…") if len(str(name)) > width else str(name)


def _limit(values) -> float:
    """A symmetric x-limit around 0 that shows every value and interval: at least 0.5, at most 1.05, in
    steps of 0.25, so that small differences stay visible and 0 stays in the middle."""
    finite = [abs(v) for v in values if v is not None and np.isfinite(v)]
    top = max(finite, default=0.0) + 0.05
    return float(min(1.05, max(0.5, np.ceil(top / 0.25) * 0.25)))


def _ordered(targets) -> list[str]:
    """Targets in the built-in order (russia, us, neutrality), then any others in their given order."""
    from .targets import BUILTIN_NAMES

    targets = list(dict.fromkeys(targets))
    return [t for t in BUILTIN_NAMES if t in targets] + [t for t in targets if t not in BUILTIN_NAMES]


def _forest_panel(ax, rows: list[tuple[str, float, list | None]], limit: float) -> None:
    """One forest panel: rows (label, score, interval or None) drawn bottom-up in the given order."""
    ys = np.arange(len(rows))
    for y, (_, score, ci) in zip(ys, rows):
        if ci:
            ax.plot(ci, [y, y], color="#4a6fa5", linewidth=2.2, solid_capstyle="butt")
            ax.plot([ci[0], ci[0]], [y - 0.15, y + 0.15], color="#4a6fa5", linewidth=1.2)
            ax.plot([ci[1], ci[1]], [y - 0.15, y + 0.15], color="#4a6fa5", linewidth=1.2)
        ax.scatter([score], [y], s=30, color="#1f3b63", zorder=3)
    ax.axvline(0, color="#888888", linewidth=0.8, linestyle="--")
    ax.set_xlim(-limit, limit)
    ax.set_yticks(ys, [label for label, _, _ in rows], fontsize=8)
    ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
    ax.set_xlabel(UNITS, fontsize=9)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)


def outlet_forest_plot(report: dict, targets: list[str] | None = None, *, min_documents: int = 3,
                       max_outlets: int = 15, counting: str | None = None) -> Figure:
    """Outlet x target forest plot of a comparison report: one panel per target, outlets sorted by score (the
    highest on top), 95% document-bootstrap intervals with caps, the x-axis zoomed symmetrically around 0 so
    that intervals stay visible. Only outlets with at least `min_documents` documents addressing the target
    (an interval needs two; a mean of one or two says little), at most `max_outlets` of them (those with the
    most documents). `newsstance.plots.forest_plot` draws every outlet on the full [-1, 1] scale."""
    from .explore import outlet_frame

    frame = outlet_frame(report, counting)
    targets = _ordered(targets or report["targets"])
    if not (frame["documents"] >= min_documents).any():
        min_documents = 1  # e.g. the seeds, one document per outlet: points without intervals
    kept = frame[frame["documents"] >= min_documents]
    limit = _limit(list(kept["score"]) + list(kept["ci_low"]) + list(kept["ci_high"]))
    counts = [min(max_outlets, int((kept["target"] == t).sum())) for t in targets]
    figure = Figure(figsize=(4.6 * len(targets), 1.5 + 0.3 * max(counts + [3])), layout="constrained")
    axes = figure.subplots(1, len(targets), squeeze=False)[0]
    for ax, target in zip(axes, targets):
        part = kept[kept["target"] == target].nlargest(max_outlets, "documents").sort_values("score")
        rows = [(f"{_short(r.outlet)} (n={int(r.documents)})", r.score,
                 None if pd.isna(r.ci_low) else [r.ci_low, r.ci_high]) for r in part.itertuples()]
        _forest_panel(ax, rows, limit)
        ax.set_title(target, fontsize=11)
        if not rows:
            ax.text(0.5, 0.5, f"no outlet has {min_documents}+ documents\naddressing {target}", ha="center",
                    va="center", transform=ax.transAxes, fontsize=9, color="#777777")
            ax.set_yticks([])
        elif any(ci is None for _, _, ci in rows):
            ax.text(0.99, 0.01, "no interval: fewer than 2 documents", transform=ax.transAxes, fontsize=7,
                    color="#777777", ha="right")
    level = int(round(report["settings"]["level"] * 100))
    mode = ("near-duplicate groups counted once" if (counting or report["settings"]["counting"]) == "groups_once"
            else "every document counted")
    figure.suptitle(f"Outlet stance per target: mean document score with {level}% bootstrap interval over documents"
                    f"\n(n = documents addressing the target; outlets with {min_documents}+ of them; {mode})",
                    fontsize=10)
    return figure


def document_forest_plot(results: list[dict], targets: list[str] | None = None, *, label: str = "outlet") -> Figure:
    """One panel per target; one row per document (sorted by score) with its score and the scorer's 95%
    paragraph-bootstrap interval. For corpora with one document per outlet (the seeds), where an outlet
    interval cannot be computed. label: the result field naming a row ('outlet' or 'id')."""
    targets = _ordered(targets or results[0]["targets"])
    summaries = [s for r in results for s in r["targets"].values() if s.get("score") is not None]
    limit = _limit([s["score"] for s in summaries] + [v for s in summaries for v in (s.get("ci") or [])])
    figure = Figure(figsize=(4.4 * len(targets), 1.4 + 0.38 * len(results)), layout="constrained")
    axes = figure.subplots(1, len(targets), squeeze=False)[0]
    for ax, target in zip(axes, targets):
        named = [(r.get(label) or r.get("id") or "?", r["targets"].get(target) or {}) for r in results]
        scored = sorted([n for n in named if n[1].get("score") is not None], key=lambda n: n[1]["score"])
        _forest_panel(ax, [(f"{_short(name)} ({s['paragraphs']} ¶)", s["score"], s.get("ci")) for name, s in scored],
                      limit)
        ax.set_title(target, fontsize=11)
        missing = [name for name, s in named if s.get("score") is None]
        if missing:
            ax.text(0.01, 0.01, "not addressed: " + ", ".join(_short(m, 16) for m in missing[:4]),
                    transform=ax.transAxes, fontsize=7, color="#777777")
    figure.suptitle("Document stance per target: weighted mean over paragraphs, 95% bootstrap interval over "
                    "paragraphs (¶ = paragraphs addressing the target)", fontsize=10)
    return figure


def shift_plot(report: dict, top: int = 10) -> Figure:
    """The aligned paragraph pairs with the largest stance shift: for each, the stance of version A (circle)
    and version B (triangle) joined by an arrow, per target. Reads `report["largest_shifts"]`."""
    shifts = report.get("largest_shifts", [])[:top]
    figure = Figure(figsize=(10, 1.6 + 0.45 * max(1, len(shifts))), layout="constrained")
    ax = figure.subplots()
    if not shifts:
        ax.text(0.5, 0.5, "no aligned paragraphs: no near-duplicate groups found", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return figure
    labels = []
    for y, s in enumerate(reversed(shifts)):
        a, b = s["stance_a"], s["stance_b"]
        colour = FAVOUR if s["shift"] > 0 else AGAINST
        ax.annotate("", xy=(b, y), xytext=(a, y), arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.6})
        ax.scatter([a], [y], s=40, marker="o", color="#444444", zorder=3)
        ax.scatter([b], [y], s=48, marker="^", color=colour, zorder=3)
        ax.text(1.08, y, f"{s['shift']:+.2f}", va="center", fontsize=8, color=colour)
        labels.append(f"{s['target']}: {_short(s['a']['outlet'], 22)} ¶{s['a']['paragraph']['index']} → "
                      f"{_short(s['b']['outlet'], 22)} ¶{s['b']['paragraph']['index']}")
    ax.set_yticks(np.arange(len(shifts)), labels, fontsize=8)
    ax.axvline(0, color="#888888", linewidth=0.8, linestyle="--")
    ax.set_xlim(-1.05, 1.25)
    ax.set_xticks(np.linspace(-1, 1, 5))
    ax.set_xlabel(UNITS + " of the paragraph", fontsize=9)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.legend(handles=[Line2D([], [], marker="o", color="#444444", linestyle="", label="version A"),
                       Line2D([], [], marker="^", color=FAVOUR, linestyle="", label="version B, more favourable"),
                       Line2D([], [], marker="^", color=AGAINST, linestyle="", label="version B, more against")],
              fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
    ax.set_title(f"Largest stance shifts between aligned paragraphs of rewritten stories (top {len(shifts)}; "
                 "number = shift B - A)", fontsize=10)
    return figure


def explanation_plot(result: dict, index: int, target: str, *, text: str | None = None) -> Figure:
    """The features behind one paragraph's stance toward a target: value x (favor - against) coefficient,
    blue pushing toward favour, red toward against. Needs a result scored with explain=True."""
    paragraph = next(p for p in result["paragraphs"] if p["index"] == index)
    stance = paragraph["stances"].get(target)
    if stance is None:
        raise ValueError(f"paragraph {index} does not address {target}")
    if "explanation" not in stance:
        raise ValueError("the result has no explanations: score it with explain=True")
    features = sorted(stance["explanation"], key=lambda f: f["weight"])
    figure = Figure(figsize=(8, 1.8 + 0.32 * max(1, len(features))), layout="constrained")
    ax = figure.subplots()
    ys = np.arange(len(features))
    weights = [f["weight"] for f in features]
    ax.barh(ys, weights, color=[FAVOUR if w > 0 else AGAINST for w in weights], height=0.6)
    ax.set_yticks(ys, [feature_label(f["feature"]) for f in features], fontsize=8)
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.legend(handles=[Patch(color=FAVOUR, label="pushes toward favour"),
                       Patch(color=AGAINST, label="pushes toward against")], fontsize=8, loc="lower right")
    ax.set_xlabel("contribution to the score: feature value x (favor - against) coefficient (log-odds)", fontsize=9)
    p = stance["probabilities"]
    title = (f"¶{index} toward {target}: {stance['label']} (score {stance['score']:+.2f}; P(favor) {p['favor']:.2f}, "
             f"P(against) {p['against']:.2f}, P(neutral) {p['neutral']:.2f})")
    if text is not None:
        excerpt = textwrap.shorten(" ".join(text[paragraph["start"]:paragraph["end"]].split()), 110, placeholder="…")
        title += "\n" + "\n".join(textwrap.wrap(f"“{excerpt}”", 100))
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    return figure


def _binned(frame: pd.DataFrame, x: str, y: str, edges: np.ndarray) -> pd.DataFrame:
    """Mean of y per bin of x with a normal 95% interval; bins with fewer than 5 points are dropped."""
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = frame[(frame[x] >= low) & ((frame[x] < high) | (high == edges[-1]) & (frame[x] <= high))]
        values = inside[y].to_numpy(dtype=float)
        if len(values) < 5:
            continue
        half = 1.96 * values.std(ddof=1) / np.sqrt(len(values))
        rows.append({"x": inside[x].mean(), "mean": values.mean(), "low": values.mean() - half,
                     "high": values.mean() + half, "n": len(values)})
    return pd.DataFrame(rows)


def sentiment_stance_scatter(frame: pd.DataFrame, *, x: str = "sentiment", y: str = "score",
                             targets: list[str] | None = None, bins: int = 8,
                             xlabel: str = "paragraph sentiment, " + SENTIMENT_UNITS, title: str | None = None
                             ) -> Figure:
    """Sentiment against stance, one panel per target: a point per row (coloured by stance label), the binned
    mean stance with its 95% interval, and the Pearson and Spearman correlations. `frame`: e.g.
    `explore.paragraph_frame(results)` (columns target, label, and the x and y columns)."""
    data = frame.dropna(subset=[x, y])
    targets = _ordered(targets or data["target"])
    figure = Figure(figsize=(4.6 * max(1, len(targets)), 4.8), layout="constrained")
    axes = figure.subplots(1, max(1, len(targets)), squeeze=False, sharey=True)[0]
    edges = np.linspace(-1, 1, bins + 1)
    for ax, target in zip(axes, targets):
        part = data[data["target"] == target]
        for label, colour in LABEL_COLOURS.items():
            points = part[part["label"] == label]
            ax.scatter(points[x], points[y], s=9, alpha=0.35, color=colour, linewidths=0,
                       label=f"model says {label}" if ax is axes[0] else None)
        means = _binned(part, x, y, edges)
        if not means.empty:
            ax.errorbar(means["x"], means["mean"], yerr=[means["mean"] - means["low"], means["high"] - means["mean"]],
                        color="black", marker="s", markersize=4, linewidth=1.2, capsize=3,
                        label="mean stance per sentiment bin, 95% interval" if ax is axes[0] else None)
        if len(part) >= 3 and part[x].nunique() > 1 and part[y].nunique() > 1:
            pearson = part[x].corr(part[y])
            spearman = part[x].corr(part[y], method="spearman")
            ax.text(0.02, 0.98, f"n = {len(part)} paragraphs\nPearson r = {pearson:+.2f}\nSpearman ρ = {spearman:+.2f}",
                    transform=ax.transAxes, va="top", fontsize=8,
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "#cccccc"})
        ax.axhline(0, color="#888888", linewidth=0.8, linestyle="--")
        ax.axvline(0, color="#888888", linewidth=0.8, linestyle="--")
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_title(target, fontsize=11)
        ax.grid(color="#eeeeee", linewidth=0.6)
    axes[0].set_ylabel(UNITS, fontsize=9)
    figure.legend(loc="outside lower center", ncol=4, fontsize=8, frameon=False, markerscale=2)
    figure.suptitle(title or "Sentiment is not stance: VADER sentiment (mean compound over a paragraph's sentences) "
                    "against the model's stance score", fontsize=10)
    return figure
