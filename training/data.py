"""Labeled data for training and evaluation: examples with text, mentions, label, weight and group."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from newsstance.model import LABELS

NEWSMTSC_POLARITY = {2.0: "against", 4.0: "neutral", 6.0: "favor"}


class LabeledDataError(ValueError):
    """Labeled data that cannot be used; says which file and line."""

    def __init__(self, path, line: int | None, problem: str):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = str(path), line, problem


@dataclass(slots=True)
class Example:
    """One labeled instance: a paragraph or sentence, the target's mentions in it, its stance label."""

    text: str
    mentions: list
    label: str
    target: str = ""
    weight: float = 1.0
    group: str = ""
    source: str = ""
    uncertain: bool = False
    meta: dict = field(default_factory=dict)

    def instance(self) -> dict:
        """The model's input for this example."""
        return {"text": self.text, "mentions": self.mentions, "target": self.target}


def newsmtsc_group(gid: str) -> str:
    """The article a NewsMTSC sentence comes from ('allsides_1000_401_25_...' -> 'allsides_1000_401')."""
    return "_".join(gid.split("_")[:3])


def load_newsmtsc(path: str | Path) -> list[Example]:
    """NewsMTSC JSONL: one example per target mention, coreferent mentions included."""
    examples = []
    path = Path(path)
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise LabeledDataError(path, None, f"cannot read: {exc.strerror}") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text = row["sentence_normalized"]
                for target in row["targets"]:
                    label = NEWSMTSC_POLARITY[float(target["polarity"])]
                    mentions = [(target["from"], target["to"])]
                    mentions += [(m["from"], m["to"]) for m in target.get("further_mentions") or []]
                    mentions = sorted({(s, e) for s, e in mentions if 0 <= s < e <= len(text)})
                    if not mentions:
                        raise ValueError("no valid mention span")
                    examples.append(Example(text, mentions, label, target="request", group=newsmtsc_group(
                        row["primary_gid"]), source="newsmtsc"))
            except (ValueError, KeyError, TypeError) as exc:
                raise LabeledDataError(path, number, f"not a NewsMTSC record: {exc!r}") from None
    assert all(e.label in LABELS for e in examples)
    return examples


LABEL_VALUES = {f"{label}{mark}" for label in LABELS for mark in ("", "?")}
UNCERTAIN_WEIGHT = 0.5
BOILERPLATE = "boilerplate"


def parse_label(value, path, line: int) -> tuple[str, bool]:
    """'favor' -> ('favor', False); 'against?' -> ('against', True); anything else is an error."""
    if not isinstance(value, str) or value.strip().lower() not in LABEL_VALUES:
        raise LabeledDataError(path, line, f"unknown label {value!r}; use favor, against or neutral, "
                                           f"optionally with '?' for an uncertain label")
    value = value.strip().lower()
    return value.rstrip("?"), value.endswith("?")


def _read_rows(path: Path) -> list[tuple[int, dict]]:
    """(line number, row) pairs of a JSONL or CSV file, with clear errors for unreadable content."""
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise LabeledDataError(path, None, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise LabeledDataError(path, None, f"not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() == ".csv":
        import csv
        import io
        reader = csv.DictReader(io.StringIO(content, newline=""))
        if not reader.fieldnames:
            raise LabeledDataError(path, 1, "empty CSV: a header row is needed")
        return [(number, row) for number, row in enumerate(reader, 2)]
    rows = []
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabeledDataError(path, number, f"invalid JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise LabeledDataError(path, number, "each line must be a JSON object")
        rows.append((number, row))
    return rows


def _require(row: dict, columns, path, line: int) -> None:
    missing = [c for c in columns if row.get(c) in (None, "")]
    if missing:
        raise LabeledDataError(path, line, f"missing {', '.join(repr(c) for c in missing)}")


def _check_unique(keys: dict, key, path, line: int) -> None:
    if key in keys:
        raise LabeledDataError(path, line, f"duplicate id {key!r} (first on line {keys[key]})")
    keys[key] = line


def _example(text: str, target: str, label: str, uncertain: bool, *, weight: float, group: str, source: str,
             mentions=None) -> Example:
    """An example whose mentions are the target's as the scorer finds them (unless given)."""
    from newsstance.targets import builtin_targets

    if mentions is None:
        found = builtin_targets().get(target)
        mentions = found.mentions(text) if found else []
    return Example(text, [tuple(m) for m in mentions], label, target=target,
                   weight=weight * (UNCERTAIN_WEIGHT if uncertain else 1.0), group=group, source=source,
                   uncertain=uncertain)


def load_table(path: str | Path) -> list[Example]:
    """Plain labeled data, CSV or JSONL. Long form: `text,target,label[,weight,group,id]`; wide form (no
    `target` column): `text` plus one label column per built-in target (`russia,us,neutrality`)."""
    from newsstance.targets import BUILTIN_NAMES

    path = Path(path)
    examples, ids = [], {}
    rows = _read_rows(path)
    if not rows:
        raise LabeledDataError(path, None, "no labeled rows")
    for number, row in rows:
        _require(row, ["text"], path, number)
        text = row["text"]
        if not isinstance(text, str) or not text.strip():
            raise LabeledDataError(path, number, "'text' must be non-empty text")
        if row.get("id") not in (None, ""):
            _check_unique(ids, row["id"], path, number)
        try:
            weight = float(row.get("weight") or 1.0)
        except (TypeError, ValueError):
            raise LabeledDataError(path, number, f"weight {row.get('weight')!r} is not a number") from None
        if not weight > 0:
            raise LabeledDataError(path, number, "weight must be positive")
        group = str(row.get("group") or row.get("story") or row.get("id") or f"{path.name}:{number}")
        source = str(row.get("source") or path.name)
        if "target" in row:
            _require(row, ["target", "label"], path, number)
            label, uncertain = parse_label(row["label"], path, number)
            examples.append(_example(text, str(row["target"]), label, uncertain, weight=weight, group=group,
                                     source=source))
            continue
        labeled = [t for t in BUILTIN_NAMES if row.get(t) not in (None, "")]
        if not labeled:
            raise LabeledDataError(path, number, "missing 'target' and 'label' (or a label column per target: "
                                                 f"{', '.join(BUILTIN_NAMES)})")
        for target in labeled:
            label, uncertain = parse_label(row[target], path, number)
            examples.append(_example(text, target, label, uncertain, weight=weight, group=group, source=source))
    return examples


def load_references(path: str | Path, corpus: str | Path) -> list[Example]:
    """The project's by-reference labels joined to the AllSides corpus: one example per labeled
    non-boilerplate paragraph and built-in target. A paragraph whose text hash differs from the label's
    is an error (the corpus drifted)."""
    from newsstance.corpus import iter_articles, text_hash
    from newsstance.segment import paragraph_spans
    from newsstance.targets import BUILTIN_NAMES

    path = Path(path)
    rows = _read_rows(path)
    wanted, keys = {}, {}
    for number, row in rows:
        _require(row, ["article", "paragraph", "sha", "kind"], path, number)
        key = (row["article"], row["paragraph"])
        _check_unique(keys, key, path, number)
        for target in BUILTIN_NAMES:
            _require(row, [target], path, number)
            parse_label(row[target], path, number)
        wanted[key] = (number, row)
    texts, articles = {}, {article for article, _ in wanted}
    try:
        for article in iter_articles(corpus):
            if article.get("ID") not in articles:
                continue
            content = article.get("content_original") or ""
            for index, span in enumerate(paragraph_spans(content)):
                if (article["ID"], index) in wanted:
                    texts[(article["ID"], index)] = content[span.start:span.end]
    except (OSError, ValueError, EOFError) as exc:
        raise LabeledDataError(corpus, None, f"cannot read the corpus: {exc}") from None
    examples = []
    for key, (number, row) in wanted.items():
        text = texts.get(key)
        if text is None:
            raise LabeledDataError(path, number, f"article {key[0]} paragraph {key[1]} is not in {corpus}")
        if text_hash(text) != row["sha"]:
            raise LabeledDataError(path, number, f"article {key[0]} paragraph {key[1]} changed in the corpus "
                                                 f"(hash {text_hash(text)}, label made on {row['sha']})")
        if row["kind"] == BOILERPLATE:
            continue
        for target in BUILTIN_NAMES:
            label, uncertain = parse_label(row[target], path, number)
            examples.append(_example(text, target, label, uncertain, weight=1.0, group=row["article"],
                                     source="allsides"))
    return examples


def load_labeled(path: str | Path, corpus: str | Path | None = None) -> list[Example]:
    """Any supported labeled file, by its first record: NewsMTSC, by-reference labels (needs `corpus`),
    or a plain table."""
    path = Path(path)
    rows = _read_rows(path)
    if not rows:
        raise LabeledDataError(path, None, "no labeled rows")
    first = rows[0][1]
    if "sentence_normalized" in first:
        return load_newsmtsc(path)
    if "sha" in first and "article" in first:
        if corpus is None:
            raise LabeledDataError(path, None, "by-reference labels need the corpus path (--corpus)")
        return load_references(path, corpus)
    return load_table(path)
