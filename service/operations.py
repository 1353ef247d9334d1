"""What the endpoints do, as plain functions of the library, the model holder and the storage; the views
only unpack the request and call one of these."""
from __future__ import annotations

import hmac
from datetime import datetime

from newsstance.compare import compare
from newsstance.errors import LimitError
from newsstance.scorer import Scorer
from newsstance.targets import builtin_targets

from . import metrics
from .batcher import MicroBatcher
from .holder import ModelHolder
from .problems import Problem, library_problem
from .storage import ConflictError, Storage, content_hash, derived_id, parse_time


def _clean(document: dict) -> dict:
    """A validated document without null fields (the library treats absent and null alike)."""
    return {k: v for k, v in document.items() if v is not None}


def score_all(scorer: Scorer, documents: list[dict], *, explain: bool, max_batch: int, endpoint: str) -> list[dict]:
    """Score documents with one model call; any invalid one rejects the request, naming each bad document."""
    if len(documents) > max_batch:
        raise LimitError("max_batch_size", max_batch, len(documents),
                         detail=f"a request may hold at most max_batch_size={max_batch} documents; got {len(documents)}")
    results = scorer.score_each([_clean(d) for d in documents], explain=explain)
    failed = [(i, r) for i, r in enumerate(results) if isinstance(r, Exception)]
    if failed:
        raise _batch_problem(failed)
    metrics.count_scored(endpoint, results)
    return results


def _batch_problem(failed: list[tuple[int, Exception]]) -> Problem:
    """One problem for a request whose documents (index, error) are invalid: the first one's status, type
    and fields, and every one of them in `errors`."""
    problems = [library_problem(error, document=i) for i, error in failed]
    first = problems[0]
    more = f" (and {len(failed) - 1} more invalid documents)" if len(failed) > 1 else ""
    return Problem(first.status, first.slug, first.title, f"document {failed[0][0]}: {first.detail}{more}",
                   **first.extensions,
                   errors=[{"type": p.type_uri, "title": p.title, "detail": p.detail, **p.extensions} for p in problems])


def score_one(scorer: Scorer, document: dict, *, explain: bool, batcher: MicroBatcher | None = None,
              endpoint: str = "score") -> dict:
    """Score one document, together with other requests' documents when a batcher is given."""
    document = _clean(document)
    if batcher is None:
        outcome = scorer.score_each([document], explain=explain)[0]
    else:
        outcome = batcher.score(scorer, document, explain=explain)
    if isinstance(outcome, Exception):
        raise outcome
    metrics.count_scored(endpoint, [outcome])
    return outcome


def store(storage: Storage, scorer: Scorer, document: dict, batcher: MicroBatcher | None = None) -> tuple[dict, bool]:
    """Score and store a document, idempotently: (the stored record, whether it was created now)."""
    document = _clean(document)
    digest = content_hash(document)
    doc_id = str(document.get("id") or derived_id(digest))
    stored = storage.get(doc_id)
    if stored is None:
        result = score_one(scorer, {**document, "id": doc_id}, explain=False, batcher=batcher, endpoint="documents")
        try:
            stored, created = storage.put(doc_id, digest, {**document, "id": doc_id}, result)
        except ConflictError as exc:
            stored = None
            conflict = exc
        else:
            return {**stored.to_dict(), "created": created}, created
    else:
        conflict = None if stored.content_hash == digest else ConflictError(doc_id, stored.content_hash)
    if conflict is not None:
        raise Problem(409, "conflict", "Conflict",
                      f"document {doc_id!r} is stored with other content; DELETE it first or use another id",
                      id=doc_id, stored_content_hash=conflict.stored_hash, content_hash=digest)
    return {**stored.to_dict(), "created": False}, False


def get_stored(storage: Storage, doc_id: str) -> dict:
    stored = storage.get(doc_id)
    if stored is None:
        raise Problem(404, "not-found", "Not found", f"no stored document with id {doc_id!r}", id=doc_id)
    return stored.to_dict()


def delete_stored(storage: Storage, doc_id: str) -> None:
    if not storage.delete(doc_id):
        raise Problem(404, "not-found", "Not found", f"no stored document with id {doc_id!r}", id=doc_id)


def time_filters(query: dict) -> tuple[datetime | None, datetime | None]:
    """The since/until query parameters as UTC datetimes (422 for ones that are not ISO 8601)."""
    bounds = []
    for name in ("since", "until"):
        raw = query.get(name)
        moment = parse_time(raw) if raw is not None else None
        if raw is not None and moment is None:
            raise Problem(422, "validation", "Invalid request",
                          f"{name}: {raw[:100]!r} is not an ISO 8601 date or date-time",
                          errors=[{"location": "query", "field": name, "message": "not an ISO 8601 date or date-time"}])
        bounds.append(moment)
    return bounds[0], bounds[1]


def list_stored(storage: Storage, query: dict) -> dict:
    since, until = time_filters(query)
    outlets = query.get("outlet") or None
    rows = storage.query(outlets=outlets, since=since, until=until, limit=query["limit"], offset=query["offset"],
                         full=False)
    return {"documents": [row.to_dict(full=False) for row in rows],
            "total": storage.count(outlets=outlets, since=since, until=until),
            "limit": query["limit"], "offset": query["offset"]}


def list_outlets(storage: Storage, query: dict) -> dict:
    since, until = time_filters(query)
    rows = storage.outlets(since=since, until=until)
    if query.get("outlet"):
        rows = [row for row in rows if row["outlet"] in query["outlet"]]
    return {"outlets": rows}


def compare_posted(scorer: Scorer, body: dict, *, max_batch: int) -> dict:
    documents = [_clean(d) for d in body["documents"]]
    results = score_all(scorer, documents, explain=False, max_batch=max_batch, endpoint="compare")
    return compare(documents, results=results, scorer=scorer, collapse=body["collapse"])


def compare_stored(storage: Storage, scorer: Scorer, query: dict, *, max_documents: int) -> dict:
    """The comparison over stored documents (their stored results: nothing is rescored)."""
    since, until = time_filters(query)
    outlets = query.get("outlet") or None
    total = storage.count(outlets=outlets, since=since, until=until)
    if total > max_documents:
        raise LimitError("max_stored_compare", max_documents, total,
                         detail=f"{total} stored documents match; at most max_stored_compare={max_documents} "
                                "can be compared at once: narrow the outlet or time filters")
    rows = storage.query(outlets=outlets, since=since, until=until, limit=None)
    with_outlet = [row for row in rows if row.outlet and row.outlet.strip()]
    report = compare([row.document for row in with_outlet], results=[row.result for row in with_outlet],
                     scorer=scorer, collapse=query["collapse"])
    return {**report, "filters": {"outlet": outlets, "since": query.get("since"), "until": query.get("until")},
            "without_outlet": len(rows) - len(with_outlet)}


def describe_model(scorer: Scorer, config: dict) -> dict:
    model = scorer.model
    metadata = model.metadata or {}
    return {**model.info, "targets": [t.to_dict() for t in builtin_targets().values()],
            "metrics": metadata.get("metrics", {}), "training_data_sha256": metadata.get("training_data_sha256"),
            "decision": metadata.get("decision", {}),
            "created": metadata.get("created"), "libraries": metadata.get("libraries", {}),
            "limits": {"max_body_bytes": config["MAX_BODY_BYTES"], "max_text_chars": config["MAX_TEXT_CHARS"],
                       "max_paragraphs": config["MAX_PARAGRAPHS"], "max_batch_size": config["MAX_BATCH_SIZE"],
                       "max_json_depth": config["MAX_JSON_DEPTH"], "max_meta_chars": config["MAX_META_CHARS"]}}


def check_token(configured: str | None, authorization: str | None) -> None:
    """Bearer token check in constant time; 403 when reload is not configured, 401 otherwise."""
    if not configured:
        raise Problem(403, "forbidden", "Forbidden", "model reload is disabled: set NEWSSTANCE_RELOAD_TOKEN")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "unauthorized", "Unauthorized", "send Authorization: Bearer <token>",
                      headers={"WWW-Authenticate": 'Bearer realm="newsstance"'})
    if not hmac.compare_digest(token.strip().encode("utf-8"), configured.encode("utf-8")):
        raise Problem(401, "unauthorized", "Unauthorized", "the bearer token is not valid",
                      headers={"WWW-Authenticate": 'Bearer realm="newsstance", error="invalid_token"'})


def reload_model(holder: ModelHolder, config: dict, authorization: str | None) -> dict:
    check_token(config.get("RELOAD_TOKEN"), authorization)
    try:
        previous, model = holder.reload()
    except Exception:
        metrics.RELOADS.labels("failed").inc()
        raise
    metrics.RELOADS.labels("ok").inc()
    detail = "loaded the registry's current model; requests in flight finished on the previous one"
    if holder.runtime_dir is not None:
        detail += f"; the other workers switch within about {holder.sync_seconds:g} s plus their load time"
    return {"model": model, "previous": previous, "detail": detail}
