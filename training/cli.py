"""`newsstance train` and `newsstance evaluate`."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path


def _progress(message: str) -> None:
    print(f"[train] {message}", file=sys.stderr, flush=True)


def cmd_train(args) -> int:
    """Train on labeled files, evaluate on the fixed dev split, register (current if not worse)."""
    from .data import LabeledDataError
    from .train import load_training_data, train_and_register

    version = args.version or datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    try:
        data = load_training_data(args.labels, args.corpus, args.newsmtsc, args.newsmtsc_dev)
    except (LabeledDataError, ValueError) as exc:
        print(f"newsstance train: {exc}", file=sys.stderr)
        return 2
    for target, examples in data.train.items():
        _progress(f"{target}: {len(examples)} training, {len(data.dev[target])} dev examples")
    metadata = train_and_register(data, name=args.name, version=version, root=args.models, force=args.force,
                                  progress=_progress, jobs=args.jobs)
    promotion = metadata["promotion"]
    print(json.dumps({"model": f"{args.name}/{version}", "metrics": metadata["metrics"],
                      "made_current": promotion["made_current"], "current_was": promotion["current"]}, indent=2))
    return 0


def cmd_evaluate(args) -> int:
    """Evaluate a model on labeled files; JSON and markdown reports."""
    from newsstance import registry

    from .data import LabeledDataError, load_labeled
    from .evaluate import evaluate, markdown
    from .train import in_dev_split

    try:
        examples = [e for path in args.labels for e in load_labeled(path, args.corpus)]
    except LabeledDataError as exc:
        print(f"newsstance evaluate: {exc}", file=sys.stderr)
        return 2
    examples = [e for e in examples if e.mentions and e.source != "written"]
    if args.split == "dev":
        examples = [e for e in examples if in_dev_split(e)]
    name, _, version = (args.model or "").partition("/")
    model = registry.load(name or None, version or None, root=args.models)
    sets: dict[str, list] = {}
    for e in examples:
        sets.setdefault(e.target, []).append(e)
    report = evaluate(model, sets)
    text = markdown(report, f"Evaluation of {model.name}/{model.version} ({args.split})")
    if args.out:
        Path(args.out).write_text(json.dumps({"model": model.info, "split": args.split, "report": report}, indent=2))
    if args.markdown:
        Path(args.markdown).write_text(text)
    print(text)
    return 0


def register(commands) -> None:
    """Add the train and evaluate subcommands."""
    train = commands.add_parser("train", help="train, evaluate and register a stance model")
    train.add_argument("--labels", nargs="+", required=True,
                       help="labeled files: by-reference labels (with --corpus), CSV/JSONL tables, NewsMTSC JSONL")
    train.add_argument("--corpus", help="the AllSides corpus (JSONL or .jsonl.gz) that by-reference labels point into")
    train.add_argument("--newsmtsc", help="NewsMTSC train.jsonl for the target-agnostic pipeline")
    train.add_argument("--newsmtsc-dev", help="NewsMTSC dev file to report (spans as request-defined targets)")
    train.add_argument("--name", default="newsstance")
    train.add_argument("--version", help="default: the UTC time")
    train.add_argument("--models", help="registry folder (default: $NEWSSTANCE_MODELS or models/)")
    train.add_argument("--force", action="store_true", help="make it current even if worse than the current model")
    train.add_argument("--jobs", type=int, default=2, help="parallel fits in the search")
    train.set_defaults(handler=cmd_train)

    evaluate = commands.add_parser("evaluate", help="evaluate a model on labeled data (macro-F1, confusion, calibration)")
    evaluate.add_argument("labels", nargs="+")
    evaluate.add_argument("--corpus")
    evaluate.add_argument("--model", help="NAME/VERSION (default: current)")
    evaluate.add_argument("--models", help="registry folder")
    evaluate.add_argument("--split", choices=("dev", "all"), default="dev",
                          help="dev: only the fixed held-out articles (default); all: every example")
    evaluate.add_argument("--out", help="JSON report file")
    evaluate.add_argument("--markdown", help="markdown report file")
    evaluate.set_defaults(handler=cmd_evaluate)
