"""Read the AllSides corpus (JSONL, optionally gzipped) and address its paragraphs by reference."""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Iterator

from .segment import paragraphs


def text_hash(text: str) -> str:
    """Short sha256 of a paragraph's text, stored with a label to detect drift in the corpus."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def open_text(path: str | Path):
    """Open a text file for reading, gunzipping it when its name ends in .gz."""
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def iter_articles(path: str | Path) -> Iterator[dict]:
    """Articles of the corpus, one dict a line; a folder of .txt files gives one article a file (ID: the file
    name, source: its stem), as for the seed corpus."""
    path = Path(path)
    if path.is_dir():
        for file in sorted(path.glob("*.txt")):
            yield {"ID": file.name, "source": file.stem, "content_original": file.read_text(encoding="utf-8")}
        return
    with open_text(path) as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def iter_corpus_paragraphs(path: str | Path) -> Iterator[dict]:
    """Every paragraph of the corpus with its reference: article id, paragraph index, hash, kind."""
    for article in iter_articles(path):
        for paragraph in paragraphs(article.get("content_original") or ""):
            yield {
                "article": article["ID"],
                "paragraph": paragraph.index,
                "sha": text_hash(paragraph.text),
                "kind": paragraph.kind,
                "outlet": article.get("source", ""),
                "title": article.get("title", ""),
                "text": paragraph.text,
            }
