"""Blueprints: `api` (/v1: scoring, comparison, stored documents, model) and `ops` (health, metrics).
Each view unpacks the request and calls one function of `service.operations`."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app, request, url_for

from . import metrics, operations
from .bodies import takes_json
from .extensions import state
from .problems import Problem
from .schemas import (BatchIn, BatchOut, CompareIn, CompareOut, CompareQuery, DocumentIn, ExplainQuery, Health,
                      ListQuery, ModelOut, OutletsOut, ReloadOut, Result, StoredDocumentIn, StoredList, StoredOut,
                      FilterQuery)

api = APIBlueprint("api", __name__, url_prefix="/v1", tag="newsstance")
ops = APIBlueprint("ops", __name__, tag="operations")


def respond(body, status: int = 200, headers: dict | None = None):
    response = current_app.json.response(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


@api.post("/score")
@takes_json
@api.input(DocumentIn, arg_name="document")
@api.input(ExplainQuery, location="query", arg_name="query")
@api.output(Result)
def score(document, query):
    """Score one document"""
    return respond(operations.score_one(state().scorer, document, explain=query["explain"],
                                        batcher=state().batcher))


@api.post("/score/batch")
@takes_json
@api.input(BatchIn, arg_name="body")
@api.input(ExplainQuery, location="query", arg_name="query")
@api.output(BatchOut)
def score_batch(body, query):
    """Score several documents (one model call); any invalid document rejects the request"""
    scorer = state().scorer
    results = operations.score_all(scorer, body["documents"], explain=query["explain"],
                                   max_batch=current_app.config["MAX_BATCH_SIZE"], endpoint="batch")
    return respond({"model": scorer.model.info, "results": results})


@api.post("/compare")
@takes_json
@api.input(CompareIn, arg_name="body")
@api.output(CompareOut)
def compare(body):
    """Compare outlets over the posted documents"""
    return respond(operations.compare_posted(state().scorer, body,
                                             max_batch=current_app.config["MAX_BATCH_SIZE"]))


@api.post("/documents")
@takes_json
@api.input(StoredDocumentIn, arg_name="document")
@api.output(StoredOut, status_code=201, description="Scored and stored")
@api.doc(responses={200: {"description": "The same content was already stored under this id",
                          "content": {"application/json": {"schema": StoredOut}}}})
def store_document(document):
    """Score and store a document (idempotent by id, or by content hash without one)"""
    record, created = operations.store(state().storage, state().scorer, document, state().batcher)
    if not created:
        return respond(record)
    return respond(record, 201, {"Location": url_for("api.get_document", doc_id=record["id"])})


@api.get("/documents")
@api.input(ListQuery, location="query", arg_name="query")
@api.output(StoredList)
def list_documents(query):
    """List stored documents, filtered by outlet and time"""
    return respond(operations.list_stored(state().storage, query))


@api.get("/documents/<doc_id>")
@api.output(StoredOut)
def get_document(doc_id):
    """A stored document with its result"""
    return respond(operations.get_stored(state().storage, doc_id))


@api.delete("/documents/<doc_id>")
@api.output({}, status_code=204, description="Deleted")
def delete_document(doc_id):
    """Delete a stored document"""
    operations.delete_stored(state().storage, doc_id)
    return current_app.response_class(status=204)


@api.get("/outlets")
@api.input(FilterQuery, location="query", arg_name="query")
@api.output(OutletsOut)
def outlets(query):
    """Outlets of the stored documents, with counts and time range"""
    return respond(operations.list_outlets(state().storage, query))


@api.get("/outlets/compare")
@api.input(CompareQuery, location="query", arg_name="query")
@api.output(CompareOut)
def compare_outlets(query):
    """Compare outlets over stored documents (their stored results; nothing is rescored)"""
    return respond(operations.compare_stored(state().storage, state().scorer, query,
                                             max_documents=current_app.config["MAX_STORED_COMPARE"]))


@api.get("/model")
@api.output(ModelOut)
def model():
    """The model: name, version, targets, metrics, training-data hash, limits"""
    return respond(operations.describe_model(state().scorer, current_app.config))


@api.post("/model/reload")
@api.output(ReloadOut)
def reload_model():
    """Swap in the registry's current model without a restart (bearer token)"""
    return respond(operations.reload_model(state().holder, current_app.config,
                                           request.headers.get("Authorization")))


@ops.get("/healthz/live")
@ops.output(Health)
def live():
    """Liveness: the process answers"""
    return respond({"status": "alive", "model": state().holder.info})


@ops.get("/healthz/ready")
@ops.output(Health)
def ready():
    """Readiness: a model is loaded (no model work is done here)"""
    info = state().holder.info
    if info is None:
        raise Problem(503, "not-ready", "Not ready", "no model is loaded yet", headers={"Retry-After": "1"})
    return respond({"status": "ready", "model": info})


@ops.get("/metrics")
@ops.doc(responses={200: {"description": "Prometheus text format, merged over all workers",
                          "content": {"text/plain": {"schema": {"type": "string"}}}}})
def prometheus():
    """Prometheus metrics"""
    body, content_type = metrics.exposition()
    return current_app.response_class(body, mimetype=None, content_type=content_type)
