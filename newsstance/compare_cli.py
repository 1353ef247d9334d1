"""`newsstance compare FILES...`: outlet x target table with intervals, pairwise differences, near-duplicate
groups and the largest stance shifts between aligned paragraphs; JSON and CSV out."""
from __future__ import annotations

import csv
import json
import sys

from tqdm import tqdm

FORMATS = ("table", "json", "csv")
CSV_COLUMNS = ("section", "target", "outlet", "outlet_b", "score", "ci_low", "ci_high", "documents", "paragraphs",
               "coverage", "weight", "score_all_documents", "score_groups_once", "difference", "p_value",
               "p_adjusted", "significant", "group", "position", "position_b", "paragraph", "paragraph_b",
               "similarity", "detail")


def register(commands) -> None:
    """Add the `compare` subcommand to the CLI's subparsers."""
    from .cli import _positive

    parser = commands.add_parser(
        "compare", help="compare outlets: scores with intervals, pairwise differences, rewrites, aligned shifts",
        description=__doc__)
    parser.add_argument("files", nargs="+", help="input files (JSONL, CSV with text and outlet columns, text "
                                                 "files: outlet from the file name); '-' reads JSONL from stdin")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="output format (default: table on a terminal, json otherwise)")
    parser.add_argument("--out", "-o", help="output file (default: stdout)")
    parser.add_argument("--collapse", action="store_true",
                        help="count each group of near-duplicate documents once in outlet scores and differences")
    parser.add_argument("--resamples", type=_positive, default=2000, help="bootstrap resamples")
    parser.add_argument("--permutations", type=_positive, default=None,
                        help="permutations per test (default: as many as resamples); the smallest p-value is "
                             "1/(permutations+1), so many outlets need many permutations")
    parser.add_argument("--min-documents", type=int, default=2,
                        help="test a pair of outlets for a target when both have this many documents on it")
    parser.add_argument("--seed", type=int, default=0, help="random seed (results are deterministic given it)")
    parser.add_argument("--correction", choices=("bh", "holm"), default="bh",
                        help="multiple-comparison correction: Benjamini-Hochberg (default) or Holm")
    parser.add_argument("--jobs", "-j", type=_positive, default=1, help="worker processes for scoring")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(handler=cmd_compare)


def cmd_compare(args) -> int:
    """Score the documents, compare their outlets, write the report."""
    from .batch import score_records
    from .cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, _output
    from .compare import compare
    from .io import read_records
    from .scorer import Scorer

    records = list(read_records(args.files))
    documents, results, failed = [], [], 0
    progress = tqdm(desc="scoring", unit="doc", total=len(records), disable=True if args.quiet else None,
                    file=sys.stderr)
    for record, result in zip(records, score_records(iter(records), scorer=Scorer(), jobs=args.jobs)):
        progress.update()
        if "error" in result:
            failed += 1
            print(f"newsstance: skipped {record.source}" + (f" line {record.line}" if record.line else "")
                  + f": {result['error'].get('detail')}", file=sys.stderr)
            continue
        document = record.document
        if not isinstance(document.get("outlet"), str) or not document["outlet"].strip():
            failed += 1
            print(f"newsstance: skipped {record.source}" + (f" line {record.line}" if record.line else "")
                  + ": no 'outlet'", file=sys.stderr)
            continue
        documents.append(document)
        results.append(result)
    progress.close()
    if not documents:
        print("newsstance: no document to compare", file=sys.stderr)
        return EXIT_USAGE
    report = compare(documents, results=results, collapse=args.collapse, resamples=args.resamples,
                     permutations=args.permutations, seed=args.seed, correction=args.correction,
                     min_documents=args.min_documents)
    fmt = args.format or ("table" if args.out in (None, "-") and sys.stdout.isatty() else "json")
    with _output(args.out) as handle:
        if fmt == "json":
            json.dump(report, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        elif fmt == "csv":
            write_csv(report, handle)
        else:
            handle.write(render_table(report) + "\n")
    if failed:
        print(f"newsstance: {failed} document(s) could not be compared", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else EXIT_OK


# --------------------------------------------------------------------------------------------- table


def _num(value, signed: bool = True) -> str:
    return "-" if value is None else (f"{value:+.2f}" if signed else f"{value:.2f}")


def _interval(ci) -> str:
    return "" if not ci else f"[{ci[0]:+.2f}, {ci[1]:+.2f}]"


def _bar(score, ci, width: int = 21) -> str:
    """A one-line picture of the interval on [-1, 1]: '|' at 0, '=' over the interval, 'o' at the score."""
    if score is None:
        return " " * width
    cells = [" "] * width
    to_cell = lambda v: int(round((max(-1.0, min(1.0, v)) + 1) / 2 * (width - 1)))  # noqa: E731
    cells[to_cell(0.0)] = "|"
    if ci:
        for k in range(to_cell(ci[0]), to_cell(ci[1]) + 1):
            cells[k] = "="
    cells[to_cell(score)] = "o"
    return "".join(cells)


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    widths = [max([len(h)] + [len(r[k]) for r in rows]) for k, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.rjust(widths[k]) if k in right else c.ljust(widths[k]) for k, c in enumerate(cells)).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def render_table(report: dict, top_differences: int = 10, top_shifts: int = 8) -> str:
    """A readable report: per target, outlets sorted by score with intervals; then the strongest pairwise
    differences, the near-duplicate groups and the largest aligned-paragraph stance shifts."""
    settings = report["settings"]
    counting = "each near-duplicate group counted once" if settings["collapse"] else "every document counted"
    level = int(round(settings["level"] * 100))
    out = [f"{report['documents']} documents, {len(report['outlets'])} outlets; score = P(favor) - P(against) "
           f"in [-1, 1], {level}% bootstrap intervals over documents; {counting}."]
    if report["excluded"]:
        out.append(f"{len(report['excluded'])} document(s) excluded (could not be scored).")
    other = "groups_once" if not settings["collapse"] else "all_documents"
    other_label = "groups once" if other == "groups_once" else "all docs"
    for target in report["targets"]:
        rows = [(o["outlet"], o["targets"][target]) for o in report["outlets"] if target in o["targets"]]
        rows.sort(key=lambda r: (r[1]["score"] is None, -(r[1]["score"] or 0), r[0]))
        table_rows = [[name, _num(t["score"]), _interval(t["ci"]), _bar(t["score"], t["ci"]), str(t["documents"]),
                       str(t["paragraphs"]), _num(t["coverage"], signed=False), _num(t[other]["score"])]
                      for name, t in rows]
        out += ["", f"target: {target}"]
        out += _table(["outlet", "score", f"{level}% interval", "-1    0    +1".center(21), "docs", "paras",
                       "coverage", other_label], table_rows, right={1, 4, 5, 6, 7})
    differences = [d for d in report["differences"] if d.get("p_value") is not None]
    differences.sort(key=lambda d: (d["p_adjusted"], -abs(d["difference"]), d["target"], d["a"], d["b"]))
    if not differences:
        out += ["", f"pairwise differences: no test (no two outlets have {settings['min_documents']} or more "
                    "documents addressing the same target)"]
    else:
        significant = sum(1 for d in differences if d["significant"])
        out += ["", f"pairwise differences: {significant} of {len(differences)} tests significant at "
                    f"{settings['correction']} adjusted p <= {settings['alpha']} (permutation tests, smallest "
                    f"possible p {settings['smallest_p']:.4f}); strongest:"]
        out += _table(["target", "outlet A", "outlet B", "A - B", f"{level}% interval", "p", "p adjusted"],
                      [[d["target"], d["a"], d["b"], _num(d["difference"]), _interval(d["ci"]),
                        f"{d['p_value']:.4f}", f"{d['p_adjusted']:.4f}" + (" *" if d["significant"] else "")]
                       for d in differences[:top_differences]], right={3, 5, 6})
        floor = settings.get("tests_at_smallest_p", 0)
        if floor and not significant:
            out.append(f"note: {floor} test(s) are at the smallest p a {settings['permutations']}-permutation test "
                       f"can give; with {len(differences)} tests the correction cannot go lower. More "
                       "permutations (--permutations) resolve them.")
    groups = report["duplicates"]["groups"]
    out += ["", f"near-duplicate groups: {len(groups)}"
                + (" (copies or rewrites of one source; body paragraphs only)" if groups else "")]
    for g in groups[:20]:
        members = ", ".join(f"{d['outlet']}#{d['position']}" for d in g["documents"])
        out.append(f"  group {g['group']}: {g['size']} documents ({members}); similarity {g['similarity']:.2f}"
                   f" (min {g['min_similarity']:.2f}); {'/'.join(g['kinds'])}")
    if len(groups) > 20:
        out.append(f"  ... {len(groups) - 20} more")
    shifts = report.get("largest_shifts") or []
    if shifts:
        out += ["", "largest stance shifts between aligned paragraphs:"]
        for s in shifts[:top_shifts]:
            a, b = s["a"], s["b"]
            out.append(f"  {s['target']:<11} {s['shift']:+.2f}  {b['outlet']} #{b['paragraph']['index']} vs "
                       f"{a['outlet']} #{a['paragraph']['index']} (group {s['group']}, paragraph similarity "
                       f"{s['similarity']:.2f}): {s['description']}")
            out.append(f"      {a['outlet']}: {a['paragraph']['excerpt']}")
            out.append(f"      {b['outlet']}: {b['paragraph']['excerpt']}")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------- csv


def csv_rows(report: dict):
    """Long-format rows: one per outlet and target, pairwise difference, group member and aligned shift."""
    for outlet in report["outlets"]:
        for target, t in outlet["targets"].items():
            ci = t["ci"] or [None, None]
            yield {"section": "outlet", "target": target, "outlet": outlet["outlet"], "score": t["score"],
                   "ci_low": ci[0], "ci_high": ci[1], "documents": t["documents"], "paragraphs": t["paragraphs"],
                   "coverage": t["coverage"], "weight": t["weight"],
                   "score_all_documents": t["all_documents"]["score"], "score_groups_once": t["groups_once"]["score"]}
    for d in report["differences"]:
        ci = d["ci"] or [None, None]
        yield {"section": "difference", "target": d["target"], "outlet": d["a"], "outlet_b": d["b"],
               "difference": d["difference"], "ci_low": ci[0], "ci_high": ci[1], "p_value": d["p_value"],
               "p_adjusted": d["p_adjusted"], "significant": d["significant"]}
    for g in report["duplicates"]["groups"]:
        for member in g["documents"]:
            yield {"section": "group", "group": g["group"], "outlet": member["outlet"], "position": member["position"],
                   "similarity": g["similarity"], "detail": member.get("id")}
    for pair in report["alignments"]:
        for row in pair["paragraphs"]:
            for target, entry in row["targets"].items():
                yield {"section": "aligned", "group": pair["group"], "target": target, "outlet": pair["a"]["outlet"],
                       "outlet_b": pair["b"]["outlet"], "position": pair["a"]["position"],
                       "position_b": pair["b"]["position"], "paragraph": row["a"]["index"],
                       "paragraph_b": row["b"]["index"], "similarity": row["similarity"],
                       "difference": entry.get("shift"), "detail": entry.get("description")}


def write_csv(report: dict, handle) -> None:
    writer = csv.DictWriter(handle, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(csv_rows(report))
