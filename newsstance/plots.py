"""Plots for notebooks, built on matplotlib (safe under the Agg backend; each function returns the Figure).

    from newsstance.plots import forest_plot, paragraph_heatmap
    forest_plot(compare(documents)).savefig("outlets.png")
    paragraph_heatmap(newsstance.score(text), text=text).savefig("paragraphs.png")
"""
from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

UNITS = "stance score, P(favor) - P(against)"


def forest_plot(report: dict, targets: list[str] | None = None, *, max_outlets: int = 40,
                counting: str | None = None) -> Figure:
    """Outlet x target forest plot: one panel per target, outlets sorted by score, bootstrap intervals.

    report: the output of `newsstance.compare.compare`. counting: 'all_documents' or 'groups_once' (default:
    the report's own). With more than `max_outlets` outlets, the ones with most documents are shown."""
    targets = list(targets or report["targets"])
    counting = counting or report["settings"]["counting"]
    outlets = sorted(report["outlets"], key=lambda o: -o["documents"])[:max_outlets]
    height = 1.2 + 0.28 * max(1, len(outlets))
    figure = Figure(figsize=(4.2 * max(1, len(targets)), height), layout="constrained")
    axes = figure.subplots(1, max(1, len(targets)), squeeze=False)[0]
    level = int(round(report["settings"]["level"] * 100))
    for ax, target in zip(axes, targets):
        rows = [(o["outlet"], o["targets"].get(target, {}).get(counting) or {}, o["targets"].get(target, {}))
                for o in outlets]
        scored = sorted([r for r in rows if r[1].get("score") is not None], key=lambda r: r[1]["score"])
        missing = [r for r in rows if r[1].get("score") is None]
        ys = np.arange(len(scored))
        lows, highs = [0.0], [0.0]
        for y, (_, way, entry) in zip(ys, scored):
            ci = way.get("ci")
            if ci:
                ax.plot(ci, [y, y], color="#4a6fa5", linewidth=2, solid_capstyle="butt", zorder=2)
                ax.plot([ci[0], ci[0]], [y - 0.15, y + 0.15], color="#4a6fa5", linewidth=1, zorder=2)
                ax.plot([ci[1], ci[1]], [y - 0.15, y + 0.15], color="#4a6fa5", linewidth=1, zorder=2)
                lows.append(ci[0])
                highs.append(ci[1])
            size = min(60.0, 10 + 2.5 * np.sqrt(max(0, entry.get("documents", 1))))
            ax.scatter([way["score"]], [y], s=size, color="#1f3b63", zorder=3)
            lows.append(way["score"])
            highs.append(way["score"])
        ax.axvline(0, color="#888888", linewidth=0.8, linestyle="--", zorder=1)
        pad = 0.1 * max(0.2, max(highs) - min(lows))
        ax.set_xlim(max(-1.05, min(lows) - pad), min(1.05, max(highs) + pad))
        labels = [f"{name} (n={entry.get('documents', 0)})" for name, _, entry in scored]
        ax.set_yticks(ys, labels, fontsize=8)
        ax.set_ylim(-0.7, max(len(scored), 1) - 0.3)
        notes = []
        if any(not way.get("ci") for _, way, _ in scored):
            notes.append("no bar: fewer than 2 documents")
        if missing:
            names = ", ".join(m[0] for m in missing[:4]) + (" ..." if len(missing) > 4 else "")
            notes.append(textwrap.shorten(f"not addressed by: {names}", width=50, placeholder=" ..."))
        ax.set_xlabel(UNITS + "".join("\n" + note for note in notes), fontsize=9)
        ax.set_title(target, fontsize=11)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    mode = "near-duplicate groups counted once" if counting == "groups_once" else "every document counted"
    figure.suptitle(f"Outlet stance per target: mean document score, {level}% bootstrap interval ({mode})",
                    fontsize=10)
    return figure


def paragraph_heatmap(result: dict, targets: list[str] | None = None, *, text: str | None = None,
                      label_chars: int = 48) -> Figure:
    """A document's paragraph x target heatmap of stance scores (red against, blue favour); paragraphs that do
    not address a target are blank, boilerplate rows are greyed and marked, headings are marked.

    result: a scorer result (`newsstance.score(...)`); text: the document's text, for paragraph excerpts."""
    targets = list(targets or result["targets"])
    paragraphs = result["paragraphs"]
    values = np.full((len(paragraphs), len(targets)), np.nan)
    for i, p in enumerate(paragraphs):
        for k, t in enumerate(targets):
            stance = (p.get("stances") or {}).get(t)
            if stance is not None:
                values[i, k] = stance["score"]
    height = 1.5 + 0.3 * max(1, len(paragraphs))
    figure = Figure(figsize=(3.0 + 1.3 * len(targets) + 0.06 * label_chars, height), layout="constrained")
    ax = figure.subplots()
    cmap = ListedColormap(_diverging()).with_extremes(bad="#ffffff")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=-1, vmax=1, aspect="auto",
                      interpolation="nearest")
    labels = []
    for i, p in enumerate(paragraphs):
        excerpt = ""
        if text is not None:
            excerpt = " ".join(text[p["start"] : p["end"]].split())
            excerpt = textwrap.shorten(excerpt, width=label_chars, placeholder="…")
        kind = p.get("kind", "body")
        marker = {"boilerplate": "[boilerplate] ", "heading": "[heading] "}.get(kind, "")
        labels.append(f"{p['index']}: {marker}{excerpt}".rstrip())
        if kind == "boilerplate":
            ax.axhspan(i - 0.5, i + 0.5, color="#bbbbbb", alpha=0.85, zorder=2)
        for k in range(len(targets)):
            if not np.isnan(values[i, k]):
                ax.text(k, i, f"{values[i, k]:+.2f}", ha="center", va="center", fontsize=7, zorder=3,
                        color="white" if abs(values[i, k]) > 0.6 else "black")
    ax.set_yticks(np.arange(len(paragraphs)), labels, fontsize=7)
    for tick, p in zip(ax.get_yticklabels(), paragraphs):
        if p.get("kind") == "boilerplate":
            tick.set_color("#888888")
        elif p.get("kind") == "heading":
            tick.set_fontweight("bold")
    ax.set_xticks(np.arange(len(targets)), targets)
    ax.xaxis.tick_top()
    ax.set_ylabel("paragraph (index: kind, text)")
    bar = figure.colorbar(image, ax=ax, shrink=0.6)
    bar.set_label(UNITS)
    name = result.get("id") or result.get("outlet") or "document"
    ax.set_title(f"{name}: stance per paragraph (blank = target not addressed, grey = boilerplate, not counted)",
                 fontsize=9)
    return figure


def _diverging(n: int = 256) -> np.ndarray:
    """Red (against) - white - blue (favour)."""
    red, white, blue = np.array([0.75, 0.16, 0.16]), np.array([0.97, 0.97, 0.97]), np.array([0.16, 0.35, 0.75])
    half = n // 2
    lower = red + (white - red) * np.linspace(0, 1, half)[:, None]
    upper = white + (blue - white) * np.linspace(0, 1, n - half)[:, None]
    return np.concatenate([lower, upper])
