"""Storage of scored documents: the SQLite backend, idempotence, filters, URL schemes, and concurrent
writers through the HTTP app (8 threads x 100 documents: nothing lost, no 5xx)."""
from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from datetime import datetime, timezone

import pytest

from service.storage import (ConflictError, SQLiteStorage, StorageError, content_hash, derived_id, open_storage,
                             parse_time)

RESULT = {"id": "x", "model": {"name": "m", "version": "1"}, "targets": {}, "paragraphs": []}


@pytest.fixture
def storage(tmp_path):
    store = open_storage(f"sqlite:///{tmp_path}/sub/dir/db.sqlite3")
    yield store
    store.close()


def test_sqlite_file_is_created_in_wal_mode(storage, tmp_path):
    path = tmp_path / "sub" / "dir" / "db.sqlite3"
    assert path.exists() and isinstance(storage, SQLiteStorage)
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    storage.ping()


def test_put_is_idempotent_and_refuses_other_content(storage):
    doc = {"id": "a", "text": "t", "outlet": "o"}
    stored, created = storage.put("a", content_hash(doc), doc, RESULT)
    assert created and stored.document == doc and stored.result == RESULT and stored.outlet == "o"
    again, created = storage.put("a", content_hash(doc), doc, RESULT)
    assert not created and again == stored
    with pytest.raises(ConflictError):
        storage.put("a", content_hash({"text": "other"}), {"text": "other"}, RESULT)
    assert storage.get("a").document == doc
    assert storage.delete("a") and not storage.delete("a") and storage.get("a") is None


def test_content_hash_ignores_the_id_and_key_order():
    assert content_hash({"id": "1", "text": "t", "outlet": "o"}) == content_hash({"outlet": "o", "text": "t"})
    assert content_hash({"text": "t"}) != content_hash({"text": "t", "outlet": "o"})
    assert content_hash({"text": "t", "targets": ["us"]}) != content_hash({"text": "t"})
    assert derived_id(content_hash({"text": "t"})).startswith("sha256-")


def test_query_filters_by_outlet_and_time(storage):
    rows = [("1", "a", "2024-06-18"), ("2", "a", "2024-06-20T01:00:00+02:00"), ("3", "b", "2024-06-19T00:00:00Z"),
            ("4", "b", "not a date")]
    for doc_id, outlet, published in rows:
        doc = {"text": doc_id, "outlet": outlet, "published": published}
        storage.put(doc_id, content_hash(doc), doc, RESULT)
    assert [d.id for d in storage.query()][:3] == ["1", "3", "2"]
    assert [d.id for d in storage.query(outlets=["a"])] == ["1", "2"]
    since, until = parse_time("2024-06-19"), parse_time("2024-06-19T23:30:00Z")
    assert [d.id for d in storage.query(since=since, until=until)] == ["3", "2"]
    assert storage.count(outlets=["b"]) == 2 and storage.count(since=since) == 3
    assert [d.id for d in storage.query(limit=2, offset=1)] == ["3", "2"]
    outlets = storage.outlets(until=until)
    assert [(o["outlet"], o["documents"]) for o in outlets] == [("a", 2), ("b", 1)]


@pytest.mark.parametrize("text, expected", [
    ("2024-06-19", datetime(2024, 6, 19, tzinfo=timezone.utc)),
    ("2024-06-19T07:30:00+07:00", datetime(2024, 6, 19, 0, 30, tzinfo=timezone.utc)),
    ("2024-06-19t00:00:00z", datetime(2024, 6, 19, tzinfo=timezone.utc)),
    ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, tzinfo=timezone.utc)),
    ("2024-06-19 10:00", datetime(2024, 6, 19, 10, tzinfo=timezone.utc)),
    ("yesterday", None), ("", None), (None, None), (20240619, None), ("2024-13-01", None),
])
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("url, message", [
    ("postgresql://user@db/newsstance", "not implemented"),
    ("postgres://db/x", "not implemented"),
    ("mysql://db/x", "unsupported"),
    ("just-a-path.sqlite3", "unsupported"),
    ("sqlite:///:memory:", "in-memory"),
])
def test_database_url_scheme_chooses_the_backend(url, message):
    with pytest.raises(StorageError, match=message):
        open_storage(url)


def test_relative_sqlite_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = open_storage("sqlite:///rel/db.sqlite3")
    assert (tmp_path / "rel" / "db.sqlite3").exists()
    store.close()


def test_concurrent_writers_lose_nothing(app):
    """8 threads x 100 documents through the HTTP app, each thread also re-posting another thread's
    documents (the idempotent path under contention): every write lands once, no 5xx."""
    threads, per_thread = 8, 100
    statuses, errors = Counter(), []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def document(t, i):
        return {"id": f"t{t}-d{i}", "outlet": f"outlet-{t % 3}", "text": f"Russia and the United States, "
                                                                         f"note {t}-{i}.\n\nHanoi stays neutral."}

    def writer(t):
        client = app.test_client()
        start.wait()
        for i in range(per_thread):
            for doc in (document(t, i), document((t + 1) % threads, i)) if i % 10 == 0 else (document(t, i),):
                response = client.post("/v1/documents", json=doc)
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code not in (200, 201):
                        errors.append(response.get_data(as_text=True))

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not errors, errors[:3]
    assert statuses[201] == threads * per_thread
    assert statuses[200] == threads * per_thread // 10
    client = app.test_client()
    listing = client.get("/v1/documents?limit=1000").get_json()
    assert listing["total"] == threads * per_thread
    assert {d["id"] for d in listing["documents"]} == {f"t{t}-d{i}" for t in range(threads) for i in range(per_thread)}
    assert sum(o["documents"] for o in client.get("/v1/outlets").get_json()["outlets"]) == threads * per_thread
