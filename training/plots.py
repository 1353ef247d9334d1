"""Figures about labeled data and model quality (matplotlib, safe under Agg; each function returns the Figure):

    class_balance_plot(diagnostics.class_balance(frame))   labels per target and class, certain / uncertain
    agreement_plot(agreement(first, second))                the two annotators' confusion tables with kappa
    confusion_plot({"current": report, "new": report})      confusion matrices, one row per model
    reliability_plot({"current": table, "new": table})      calibration: confidence against accuracy
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from newsstance.model import LABELS

COLOURS = {"favor": "#2958bf", "against": "#bf2929", "neutral": "#8c8c8c"}
MODEL_COLOURS = ["#1f3b63", "#d9822b", "#3a923a", "#8e44ad"]


def class_balance_plot(counts: pd.DataFrame, title: str | None = None) -> Figure:
    """Grouped bars: per split (panel) and target, the number of examples of each label; the hatched top of
    a bar is the uncertain ('?') labels. `counts`: `diagnostics.class_balance(label_frame)`. Log scale, so
    that rare classes stay visible next to 'neutral'."""
    splits = list(dict.fromkeys(counts["split"])) or ["train"]
    figure = Figure(figsize=(5.2 * len(splits), 4.2), layout="constrained")
    axes = figure.subplots(1, len(splits), squeeze=False, sharey=True)[0]
    width = 0.26
    for ax, split in zip(axes, splits):
        part = counts[counts["split"] == split]
        targets = list(dict.fromkeys(part["target"]))
        for k, label in enumerate(LABELS):
            rows = part[part["label"] == label].set_index("target").reindex(targets).fillna(0)
            xs = np.arange(len(targets)) + (k - 1) * width
            certain, uncertain = rows["certain"].to_numpy(), rows["uncertain"].to_numpy()
            ax.bar(xs, certain, width, color=COLOURS[label])
            ax.bar(xs, uncertain, width, bottom=certain, color=COLOURS[label], alpha=0.45, hatch="///",
                   edgecolor="white")
            for x, total in zip(xs, certain + uncertain):
                if total > 0:
                    ax.text(x, total * 1.08, f"{int(total)}", ha="center", va="bottom", fontsize=7)
        ax.set_yscale("log")
        ax.set_xticks(np.arange(len(targets)), targets)
        ax.set_title(f"{split} split", fontsize=10)
        ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
        ax.set_xlabel("target")
    axes[0].set_ylabel("labeled paragraphs (count, log scale)")
    handles = [Patch(color=COLOURS[label], label=label) for label in LABELS]
    handles.append(Patch(facecolor="#bbbbbb", hatch="///", edgecolor="white", label="uncertain ('?') share"))
    axes[-1].legend(handles=handles, fontsize=8, loc="upper right")
    top = counts[["certain", "uncertain"]].sum(axis=1).max() if not counts.empty else 1
    axes[0].set_ylim(0.8, max(10, top) * 3)
    figure.suptitle(title or "Class balance: labeled paragraphs that address each target", fontsize=11)
    return figure


def _matrix(ax, matrix: np.ndarray, labels, *, xlabel: str, ylabel: str, title: str) -> object:
    """A row-normalised heatmap (share of the row) annotated with counts."""
    totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, totals, out=np.zeros_like(matrix, dtype=float), where=totals > 0)
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(j, i, f"{int(matrix[i, j])}", ha="center", va="center", fontsize=9,
                    color="white" if shares[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, fontsize=9)
    return image


def agreement_plot(report: dict) -> Figure:
    """One confusion table per target (and the paragraph kind): first labeling in rows, second in columns,
    coloured by the share of the row, with Cohen's kappa in the title. `report`: `training.agreement.agreement`."""
    names = [k for k, v in report.items() if isinstance(v, dict)]
    figure = Figure(figsize=(3.3 * len(names) + 0.8, 3.6), layout="constrained")
    axes = figure.subplots(1, len(names), squeeze=False)[0]
    image = None
    for ax, name in zip(axes, names):
        entry = report[name]
        matrix = np.array(entry["confusion"]["rows_first_cols_second"])
        kappa = "undefined (one label only)" if entry["kappa"] is None else f"{entry['kappa']:.2f}"
        image = _matrix(ax, matrix, entry["confusion"]["labels"], xlabel="second labeling", ylabel="first labeling",
                        title=f"{name}: κ = {kappa}\nn = {entry['n']}, agreement {entry['observed']:.0%}")
    bar = figure.colorbar(image, ax=list(axes), shrink=0.8)
    bar.set_label("share of the first labeling's row")
    figure.suptitle(f"Inter-annotator agreement on {report.get('joined', '?')} paragraphs labeled twice "
                    "(Cohen's κ; '?' marks ignored)", fontsize=10)
    return figure


def confusion_plot(reports: dict[str, dict], targets: list[str] | None = None, set_name: str = "") -> Figure:
    """Confusion matrices (strict labels): one row of panels per model, one column per target; cells hold
    counts, colour is the share of the true class (recall). `reports`: {model name: evaluate() report}."""
    names = list(reports)
    targets = targets or [t for t in next(iter(reports.values())) if reports[names[0]][t].get("strict_examples")]
    figure = Figure(figsize=(3.1 * len(targets) + 1.0, 3.0 * len(names) + 0.6), layout="constrained")
    axes = figure.subplots(len(names), len(targets), squeeze=False)
    image = None
    for row, name in zip(axes, names):
        for ax, target in zip(row, targets):
            r = reports[name].get(target) or {}
            if not r.get("strict_examples"):
                ax.set_axis_off()
                ax.text(0.5, 0.5, f"{target}: no examples", ha="center", va="center", transform=ax.transAxes)
                continue
            m = r["model"]
            matrix = np.array(m["confusion_matrix"]["rows_true_cols_predicted"])
            image = _matrix(ax, matrix, m["confusion_matrix"]["labels"], xlabel="predicted", ylabel="true label",
                            title=f"{name} · {target}\nmacro-F1 {m['macro_f1']:.2f} (n={r['strict_examples']})")
    if image is not None:
        bar = figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.7)
        bar.set_label("share of the true class (recall)")
    figure.suptitle("Confusion matrices" + (f" on the {set_name}" if set_name else "")
                    + ": counts, coloured by recall", fontsize=10)
    return figure


def reliability_plot(tables: dict[str, pd.DataFrame], *, title: str | None = None) -> Figure:
    """Reliability diagram: per model, observed accuracy (with 95% Wilson intervals) against mean top-label
    confidence per bin, with the diagonal of perfect calibration; below, how many predictions fall in each
    bin. `tables`: {model name: `diagnostics.reliability_table(...)`}."""
    from .diagnostics import expected_calibration_error

    figure = Figure(figsize=(6.4, 6.4), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1, label="perfect calibration")
    offsets = np.linspace(-0.012, 0.012, max(1, len(tables)))
    for k, (name, table) in enumerate(tables.items()):
        colour = MODEL_COLOURS[k % len(MODEL_COLOURS)]
        if table.empty:
            continue
        xs = table["confidence"] + offsets[k]
        top.errorbar(xs, table["accuracy"], yerr=[table["accuracy"] - table["accuracy_low"],
                                                  table["accuracy_high"] - table["accuracy"]],
                     color=colour, marker="o", markersize=5, capsize=3, linewidth=1.4,
                     label=f"{name} (ECE {expected_calibration_error(table):.3f}, n={int(table['count'].sum())})")
        centres = (table["bin_low"] + table["bin_high"]) / 2
        bar_width = (table["bin_high"] - table["bin_low"]).iloc[0] / (len(tables) + 0.5)
        bottom.bar(centres + (k - (len(tables) - 1) / 2) * bar_width, table["count"], width=bar_width, color=colour,
                   alpha=0.8, label=name)
    top.set_xlim(0.3, 1.0)
    top.set_ylim(0, 1.02)
    top.set_ylabel("observed accuracy (share correct)")
    top.legend(fontsize=8, loc="upper left")
    top.grid(color="#eeeeee", linewidth=0.6)
    top.set_title(title or "Reliability: is a prediction made with confidence p right a share p of the time?",
                  fontsize=10)
    bottom.set_xlabel("top-label confidence: the predicted class's probability (binned by 0.1)")
    bottom.set_ylabel("predictions\n(count)")
    bottom.grid(axis="y", color="#eeeeee", linewidth=0.6)
    return figure
