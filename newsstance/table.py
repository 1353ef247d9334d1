"""Print an outlet x target table from `newsstance score --format csv` output (stdin)."""
from __future__ import annotations

import csv
import sys


def render(rows: list[dict]) -> str:
    """Outlets as rows, targets as columns: score [low, high] (paragraphs)."""
    targets = list(dict.fromkeys(r["target"] for r in rows if r.get("target")))
    cells: dict[str, dict[str, str]] = {}
    for r in rows:
        if not r.get("target"):
            continue
        if r["score"] in ("", None):
            cell = "-"
        else:
            ci = f" [{float(r['ci_low']):+.2f}, {float(r['ci_high']):+.2f}]" if r["ci_low"] not in ("", None) else ""
            cell = f"{float(r['score']):+.2f}{ci} n={r['paragraphs']}"
        cells.setdefault(r["outlet"] or r["id"], {})[r["target"]] = cell
    width = max([len("outlet")] + [len(o) for o in cells])
    widths = {t: max([len(t)] + [len(c.get(t, "")) for c in cells.values()]) for t in targets}
    lines = ["  ".join(["outlet".ljust(width)] + [t.ljust(widths[t]) for t in targets])]
    for outlet, row in cells.items():
        lines.append("  ".join([outlet.ljust(width)] + [row.get(t, "-").ljust(widths[t]) for t in targets]))
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(list(csv.DictReader(sys.stdin))))
