"""Stored documents and their results, behind a small interface that another database can implement.

`open_storage(url)` picks the backend from the URL scheme: `sqlite:///path/file.sqlite3` (the default,
a file in the data directory, created on first use). A `postgresql://` URL is recognised but not implemented yet and fails at start-up with a
clear message; any other scheme is refused the same way.

Storing is idempotent: a document is keyed by its id, or, without one, by an id made from the hash of its
content (`sha256-<first 32 hex digits>`). Storing the same content again returns the stored row
(`created` false); storing different content under an existing id is a conflict. SQLite runs in WAL mode
with a busy timeout, one connection per thread and process, and `INSERT ... ON CONFLICT DO NOTHING`, so
concurrent writers, threads or gunicorn workers, lose nothing."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

CONTENT_FIELDS = ("text", "outlet", "title", "url", "published", "targets")


class StorageError(RuntimeError):
    """A storage URL or database that cannot be used."""


class ConflictError(Exception):
    """Different content stored under an id that already exists."""

    def __init__(self, doc_id: str, stored_hash: str):
        super().__init__(doc_id)
        self.doc_id, self.stored_hash = doc_id, stored_hash


@dataclass(frozen=True)
class StoredDocument:
    id: str
    content_hash: str
    outlet: str | None
    time: str
    stored_at: str
    model: dict
    document: dict | None
    result: dict | None

    def to_dict(self, *, full: bool = True) -> dict:
        record = {"id": self.id, "content_hash": self.content_hash, "outlet": self.outlet, "time": self.time,
                  "stored_at": self.stored_at, "model": self.model}
        if full:
            record.update(document=self.document, result=self.result)
        return record


def content_hash(document: dict) -> str:
    """sha256 of the fields that decide a document's result, in canonical JSON (id excluded)."""
    content = {k: document.get(k) for k in CONTENT_FIELDS if document.get(k) is not None}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def derived_id(digest: str) -> str:
    return f"sha256-{digest[:32]}"


def parse_time(value) -> datetime | None:
    """An ISO 8601 date or date-time (RFC 3339 included) as an aware UTC datetime; None if not one."""
    if not isinstance(value, str) or not 4 <= len(value) <= 64:
        return None
    text = value.strip().upper().replace(" ", "T", 1)
    if len(text) >= 19 and text[17:19] == "60":  # RFC 3339 leap second
        text = text[:17] + "59" + text[19:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Storage(Protocol):
    """What the service needs from a database of scored documents."""

    url: str

    def put(self, doc_id: str, digest: str, document: dict, result: dict) -> tuple[StoredDocument, bool]:
        """Store a scored document; (the stored row, whether it was created). Raises ConflictError."""

    def get(self, doc_id: str) -> StoredDocument | None: ...

    def delete(self, doc_id: str) -> bool: ...

    def query(self, *, outlets: list[str] | None = None, since: datetime | None = None,
              until: datetime | None = None, limit: int | None = 100, offset: int = 0,
              full: bool = True) -> list[StoredDocument]:
        """Stored documents filtered by outlet and time (`published`, else when stored), oldest first;
        without `full`, their document and result are left out (None)."""

    def count(self, *, outlets=None, since=None, until=None) -> int: ...

    def outlets(self, *, since=None, until=None) -> list[dict]:
        """Per outlet: number of documents and their first and last time."""

    def ping(self) -> None: ...

    def close(self) -> None: ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    outlet TEXT,
    time TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    model_name TEXT NOT NULL,
    model_version TEXT NOT NULL,
    document TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_outlet_time ON documents (outlet, time);
CREATE INDEX IF NOT EXISTS documents_time ON documents (time);
"""
COLUMNS = "id, content_hash, outlet, time, stored_at, model_name, model_version, document, result"
SUMMARY_COLUMNS = "id, content_hash, outlet, time, stored_at, model_name, model_version, NULL, NULL"


class SQLiteStorage:
    """The default backend: one SQLite file, WAL mode, a connection per thread and process."""

    def __init__(self, path: str, *, busy_timeout_ms: int = 30_000):
        self.path = path
        self.url = f"sqlite:///{path}"
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open SQLite database {self.path}: {exc}") from None
        return conn

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection; a forked worker opens its own (never shares its parent's)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = self._connect()
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @staticmethod
    def _row(row) -> StoredDocument:
        doc_id, digest, outlet, time, stored_at, name, version, document, result = row
        return StoredDocument(doc_id, digest, outlet, time, stored_at, {"name": name, "version": version},
                              None if document is None else json.loads(document),
                              None if result is None else json.loads(result))

    def put(self, doc_id, digest, document, result):
        now = datetime.now(timezone.utc)
        published = parse_time(document.get("published"))
        model = result.get("model") or {}
        row = (doc_id, digest, document.get("outlet"), iso(published or now), iso(now),
               str(model.get("name")), str(model.get("version")),
               json.dumps(document, ensure_ascii=False), json.dumps(result, ensure_ascii=False))
        conn = self._connection()
        cursor = conn.execute(f"INSERT INTO documents ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                              "ON CONFLICT (id) DO NOTHING", row)
        created = cursor.rowcount == 1
        stored = self.get(doc_id)
        if stored is None:  # deleted between the insert and the read: store again
            return self.put(doc_id, digest, document, result)
        if stored.content_hash != digest:
            raise ConflictError(doc_id, stored.content_hash)
        return stored, created

    def get(self, doc_id):
        row = self._connection().execute(f"SELECT {COLUMNS} FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return self._row(row) if row else None

    def delete(self, doc_id):
        return self._connection().execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount == 1

    @staticmethod
    def _where(outlets, since, until) -> tuple[str, list]:
        clauses, params = [], []
        if outlets:
            clauses.append(f"outlet IN ({', '.join('?' for _ in outlets)})")
            params += list(outlets)
        if since is not None:
            clauses.append("time >= ?")
            params.append(iso(since))
        if until is not None:
            clauses.append("time <= ?")
            params.append(iso(until))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def query(self, *, outlets=None, since=None, until=None, limit=100, offset=0, full=True):
        where, params = self._where(outlets, since, until)
        sql = f"SELECT {COLUMNS if full else SUMMARY_COLUMNS} FROM documents{where} ORDER BY time, id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [int(limit), int(offset)]
        return [self._row(r) for r in self._connection().execute(sql, params)]

    def count(self, *, outlets=None, since=None, until=None):
        where, params = self._where(outlets, since, until)
        return self._connection().execute(f"SELECT COUNT(*) FROM documents{where}", params).fetchone()[0]

    def outlets(self, *, since=None, until=None):
        where, params = self._where(None, since, until)
        sql = (f"SELECT outlet, COUNT(*), MIN(time), MAX(time) FROM documents{where} "
               "GROUP BY outlet ORDER BY outlet")
        return [{"outlet": o, "documents": n, "first": first, "last": last}
                for o, n, first, last in self._connection().execute(sql, params)]

    def ping(self):
        self._connection().execute("SELECT 1").fetchone()

    def close(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def open_storage(url: str) -> Storage:
    """The storage backend for a database URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # As SQLAlchemy writes them: sqlite:///relative/file, sqlite:////absolute/file.
        rest = unquote(url[len("sqlite://"):])
        path = rest[1:] if rest.startswith("/") else rest
        if path in ("", ":memory:"):
            raise StorageError("an in-memory SQLite database is not shared between workers; give a file: "
                               "sqlite:///path/to/file.sqlite3")
        return SQLiteStorage(path)
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        raise StorageError(f"PostgreSQL storage ({scheme}://) is not implemented yet; implement the Storage "
                           "protocol in service/storage.py, or use a sqlite:/// URL")
    raise StorageError(f"unsupported database URL scheme {scheme or '(none)'!r} in {url!r}; "
                       "use sqlite:///path/to/file.sqlite3")

