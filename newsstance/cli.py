"""The `newsstance` command line: score, compare, serve, train, evaluate."""
from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import sys

from tqdm import tqdm

from .errors import NewsstanceError

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


@contextlib.contextmanager
def _output(path: str | None):
    """The output stream: stdout, or a file written as results arrive (partial work survives a crash)."""
    if path in (None, "-"):
        yield sys.stdout
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            yield handle


def cmd_score(args) -> int:
    """Score documents from files or stdin; one result or error record per input document, in order."""
    from .batch import score_records
    from .io import ResultWriter, read_records
    from .scorer import Scorer

    failed = 0
    records = read_records(args.files)
    scorer = Scorer()
    progress = tqdm(desc="scoring", unit="doc", disable=None if not args.quiet else True, file=sys.stderr)
    with _output(args.out) as handle:
        writer = ResultWriter(handle, args.format)
        for result in score_records(records, scorer=scorer, jobs=args.jobs, explain=args.explain):
            failed += "error" in result
            writer.write(result)
            progress.update()
    progress.close()
    if failed:
        print(f"newsstance: {failed} document(s) could not be scored; see their error records", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsstance", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    score = commands.add_parser("score", help="score documents (JSONL, CSV with a text column, text files, - for stdin)")
    score.add_argument("files", nargs="+", help="input files; '-' reads JSONL from stdin")
    score.add_argument("--out", "-o", help="output file (default: stdout)")
    score.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    score.add_argument("--explain", action="store_true", help="add the features behind each paragraph's stance")
    score.add_argument("--jobs", "-j", type=_positive, default=1, help="worker processes")
    score.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    score.set_defaults(handler=cmd_score)

    # Each part of the project adds its own subcommands.
    for module in ("newsstance.compare_cli", "service.cli", "training.cli"):
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module).register(commands)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except NewsstanceError as exc:
        print(f"newsstance: {exc.detail}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
