"""Read documents from JSONL, CSV, text files or stdin; write results as JSONL or CSV, in input order."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Iterator

from .errors import InputError

# A CSV field may hold a whole article.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class Record:
    """One input document, or the error that stopped it being read, with where it came from."""

    __slots__ = ("source", "line", "document", "error")

    def __init__(self, source: str, line: int | None, document: dict | None = None, error: InputError | None = None):
        self.source, self.line, self.document, self.error = source, line, document, error

    def error_record(self, error: Exception | None = None) -> dict:
        """The output line for a document that could not be scored."""
        error = error or self.error
        detail = error.to_dict() if hasattr(error, "to_dict") else {"type": type(error).__name__, "detail": str(error)}
        doc_id = self.document.get("id") if isinstance(self.document, dict) else None
        return {"id": doc_id if isinstance(doc_id, (str, int)) else None, "source": self.source,
                "line": self.line, "error": detail}


def _jsonl_records(handle, source: str) -> Iterator[Record]:
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(source, number, error=InputError(f"invalid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(document, dict):
            yield Record(source, number, error=InputError("a JSONL line must be a JSON object with 'text'"))
            continue
        yield Record(source, number, document)


def _csv_records(handle, source: str) -> Iterator[Record]:
    reader = csv.DictReader(handle)
    if not reader.fieldnames or "text" not in reader.fieldnames:
        yield Record(source, 1, error=InputError("CSV input needs a header row with a 'text' column"))
        return
    for number, row in enumerate(reader, 2):
        document = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
        document.setdefault("text", "")
        yield Record(source, number, document)


def outlet_from_name(path: Path) -> str:
    """Outlet of a text file: its name without extension ('bbc.txt' -> 'bbc', '003_ab12.txt' -> '003_ab12')."""
    return path.stem


def read_records(paths: list[str], stdin=None) -> Iterator[Record]:
    """Documents from each path in order: .jsonl/.json lines, .csv rows, any other file as one text; '-' is
    stdin read as JSONL."""
    for name in paths:
        if name == "-":
            yield from _jsonl_records(stdin or sys.stdin, "-")
            continue
        path = Path(name)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            yield Record(name, None, error=InputError(f"cannot read {name}: {exc.strerror}"))
            continue
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield Record(name, None, error=InputError(f"{name} is not UTF-8 text (byte {exc.start})"))
            continue
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".json", ".ndjson"):
            yield from _jsonl_records(io.StringIO(content), name)
        elif suffix == ".csv":
            yield from _csv_records(io.StringIO(content, newline=""), name)
        else:
            yield Record(name, None, {"id": path.name, "outlet": outlet_from_name(path), "text": content})


CSV_COLUMNS = ("id", "outlet", "target", "score", "ci_low", "ci_high", "label", "paragraphs", "coverage",
               "mentions", "sentiment", "doc_compound", "model_version", "error")


def csv_rows(result: dict) -> Iterator[dict]:
    """One CSV row per target of a result (or one row carrying the error)."""
    if "error" in result:
        yield {"id": result.get("id"), "error": result["error"].get("detail")}
        return
    for target, summary in result["targets"].items():
        ci = summary["ci"] or [None, None]
        yield {"id": result.get("id"), "outlet": result.get("outlet"), "target": target, "score": summary["score"],
               "ci_low": ci[0], "ci_high": ci[1], "label": summary["label"], "paragraphs": summary["paragraphs"],
               "coverage": summary["coverage"], "mentions": summary["mentions"], "sentiment": summary["sentiment"],
               "doc_compound": (result.get("sentiment") or {}).get("compound"),
               "model_version": f"{result['model']['name']}/{result['model']['version']}"}


class ResultWriter:
    """Writes results in order as JSONL or CSV."""

    def __init__(self, handle, fmt: str = "jsonl"):
        if fmt not in ("jsonl", "csv"):
            raise ValueError(f"unknown format {fmt!r}: use jsonl or csv")
        self.handle, self.fmt = handle, fmt
        self._csv = csv.DictWriter(handle, CSV_COLUMNS, extrasaction="ignore") if fmt == "csv" else None
        if self._csv:
            self._csv.writeheader()

    def write(self, result: dict) -> None:
        if self._csv:
            self._csv.writerows(csv_rows(result))
        else:
            self.handle.write(json.dumps(result, ensure_ascii=False) + "\n")

