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
