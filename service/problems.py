"""RFC 9457 problem details (`application/problem+json`) for every error the service answers.

One function, `problem_response`, writes them; the handlers below turn each kind of failure into one:
the service's own `Problem`, the library's errors (`InputError`, `LimitError`, `ModelError`, ...),
Werkzeug's HTTP errors (404, 405, 413 ...), APIFlask's validation errors, and anything unexpected
(500, logged with its traceback, never shown to the client)."""
from __future__ import annotations

import logging

from flask import Flask, current_app, json, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from newsstance.errors import InputError, LimitError, ModelError, NewsstanceError, UnknownTargetError

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:newsstance:problem:"
log = logging.getLogger("newsstance.service")

# Limits on the size of what is sent answer 413 (Content Too Large); limits on its shape answer 422.
SIZE_LIMITS = frozenset({"max_body_bytes", "max_text_chars", "max_batch_size", "max_meta_chars",
                         "max_id_chars", "max_outlet_chars", "max_title_chars", "max_url_chars",
                         "max_published_chars"})


class Problem(Exception):
    """An error answer: HTTP status, a type slug, a title, a detail and extension members."""

    def __init__(self, status: int, slug: str, title: str, detail: str, *, headers: dict | None = None,
                 **extensions):
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.headers = headers or {}
        self.extensions = extensions

    @property
    def type_uri(self) -> str:
        return self.slug if self.slug == "about:blank" else TYPE_PREFIX + self.slug

    def to_dict(self) -> dict:
        return {"type": self.type_uri, "title": self.title, "status": self.status, "detail": self.detail,
                "instance": request.path if request else None, **self.extensions}


def problem_response(problem: Problem):
    body = {k: v for k, v in problem.to_dict().items() if v is not None}
    response = Flask.response_class(json.dumps(body), status=problem.status, mimetype=MEDIA_TYPE)
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def limit_problem(error: LimitError, **extensions) -> Problem:
    status = 413 if error.limit in SIZE_LIMITS else 422
    extra = {"limit": error.limit, "value": error.value}
    if error.actual is not None:
        extra["actual"] = error.actual
    return Problem(status, "limit-exceeded", "Limit exceeded", error.detail, **extra, **extensions)


def library_problem(error: NewsstanceError, **extensions) -> Problem:
    """The problem for one of the library's errors."""
    if isinstance(error, LimitError):
        return limit_problem(error, **extensions)
    extra = {k: v for k, v in error.extra.items() if k not in ("type", "title", "status", "detail", "instance")}
    if isinstance(error, UnknownTargetError):
        return Problem(422, "unknown-target", "Unknown target", error.detail, **extra, **extensions)
    if isinstance(error, InputError):
        return Problem(422, "invalid-document", "Invalid document", error.detail, **extra, **extensions)
    if isinstance(error, ModelError):
        return Problem(503, "model-unavailable", "Model unavailable", error.detail, **extensions)
    return Problem(500, "internal", "Internal error", "the request could not be completed")


def _http_problem(error: HTTPException) -> Problem:
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if isinstance(error, RequestEntityTooLarge) or error.code == 413:
        limit = current_app.config["MAX_BODY_BYTES"]
        return Problem(413, "limit-exceeded", "Limit exceeded",
                       f"the request body is over max_body_bytes ({limit} bytes)",
                       limit="max_body_bytes", value=limit, headers=headers)
    detail = error.description or error.name
    if error.code == 405:
        detail = f"{request.method} is not allowed here; allowed: {headers.get('Allow', 'none')}"
    elif error.code == 404:
        detail = f"no resource at {request.path}"
    return Problem(error.code or 500, "about:blank", error.name, detail, headers=headers)


def _flatten(messages, path=()) -> list[dict]:
    """Marshmallow/webargs messages ({"json": {"documents": {"0": {"text": [...]}}}}) as a flat list."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            out += _flatten(value, path + (str(key),))
        return out
    if isinstance(messages, (list, tuple)) and messages and all(isinstance(m, str) for m in messages):
        where = list(path)
        location = where.pop(0) if where and where[0] in ("json", "query", "path", "view_args", "headers") else "json"
        return [{"location": location, "field": ".".join(where) or None, "message": m} for m in messages]
    if isinstance(messages, (list, tuple)):
        out = []
        for item in messages:
            out += _flatten(item, path)
        return out
    return [{"location": path[0] if path else None, "field": ".".join(path[1:]) or None, "message": str(messages)}]


def validation_problem(messages) -> Problem:
    errors = _flatten(messages)
    shown = "; ".join(f"{e['field'] or e['location']}: {e['message']}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return Problem(422, "validation", "Invalid request", f"{shown}{more}" or "the request is not valid",
                   errors=errors)


def register(app) -> None:
    """Answer every error of the app with problem+json."""
    # First: APIFlask's error_processor (re)registers its own handler for Werkzeug's errors, which the
    # handler below then replaces.
    @app.error_processor
    def _apiflask(error):
        """APIFlask's errors: request validation (422) and its `abort`/HTTPError."""
        if error.status_code == 422 and isinstance(error.detail, dict) and error.detail:
            return problem_response(validation_problem(error.detail))
        return problem_response(Problem(error.status_code, "about:blank", error.message or "Error",
                                        error.message or "error", headers=dict(error.headers or {}),
                                        **({"errors": _flatten(error.detail)} if error.detail else {})))

    @app.errorhandler(Problem)
    def _problem(error: Problem):
        return problem_response(error)

    @app.errorhandler(NewsstanceError)
    def _library(error: NewsstanceError):
        problem = library_problem(error)
        if problem.status >= 500:
            log.error("model or library failure on %s: %s", request.path, error.detail)
        return problem_response(problem)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return problem_response(_http_problem(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):  # pragma: no cover - the handler above takes these
            return _http(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(Problem(500, "internal", "Internal error",
                                        "the server could not complete the request; it has been logged"))
