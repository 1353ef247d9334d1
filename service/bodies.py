"""Strict reading of JSON request bodies, before any view or schema sees them.

Order of checks, cheapest first: the declared length against MAX_BODY_BYTES (Werkzeug refuses a larger
declared body without reading it; a chunked one is read up to the limit and refused if it goes on), the
media type (415), strict UTF-8 (400), JSON syntax including NaN/Infinity and huge integers (400), nesting
depth (422, limit `max_json_depth`). Parsing is iterative in the C decoder and bounded by the body limit, so no
input hangs a worker or reaches a 500."""
from __future__ import annotations

import json

from flask import current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from newsstance.errors import LimitError

from .problems import Problem

JSON_MEDIA_TYPES = ("application/json",)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_depth(value, limit: int) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0), walking at most until `limit` is passed."""
    depth, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth = max(depth, level)
        if depth > limit:
            return depth
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return depth


def read_json():
    """The request's JSON body, checked; cached on `g` for the request."""
    if "json_body" in g:
        return g.json_body
    mimetype = request.mimetype
    if mimetype not in JSON_MEDIA_TYPES and not mimetype.endswith("+json"):
        raise Problem(415, "unsupported-media-type", "Unsupported media type",
                      f"send the body as application/json, not {mimetype or 'a body without Content-Type'}",
                      accepted=list(JSON_MEDIA_TYPES))
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise Problem(415, "unsupported-media-type", "Unsupported media type",
                      f"JSON bodies must be UTF-8, not {charset}", accepted=list(JSON_MEDIA_TYPES))
    raw = request.get_data(cache=True)  # 413 from Werkzeug past a declared MAX_CONTENT_LENGTH
    limit = current_app.config["MAX_BODY_BYTES"]
    if request.content_length is None and len(raw) >= limit and request.environ["wsgi.input"].read(1):
        # A streamed (chunked) body is cut at the limit by Werkzeug without an error: refuse it.
        raise RequestEntityTooLarge()
    if not raw.strip():
        raise Problem(400, "invalid-json", "Invalid JSON", "the request body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, "invalid-utf8", "Invalid UTF-8",
                      f"the body is not valid UTF-8 (byte {exc.start}: {exc.reason})", position=exc.start) from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise Problem(400, "invalid-json", "Invalid JSON",
                      f"{exc.msg} at line {exc.lineno}, column {exc.colno}", line=exc.lineno,
                      column=exc.colno) from None
    except RecursionError:
        limit = current_app.config["MAX_JSON_DEPTH"]
        raise LimitError("max_json_depth", limit, detail=f"JSON nesting is over max_json_depth ({limit})") from None
    except ValueError as exc:  # NaN/Infinity, integers over Python's digit limit
        raise Problem(400, "invalid-json", "Invalid JSON", str(exc)) from None
    limit = current_app.config["MAX_JSON_DEPTH"]
    depth = json_depth(value, limit)
    if depth > limit:
        raise LimitError("max_json_depth", limit, detail=f"JSON nesting is over max_json_depth ({limit})")
    g.json_body = value
    return value


def takes_json(view):
    """Mark a view whose request body is JSON; `check_json_body` reads and checks it before the view."""
    view._takes_json = True
    return view


def check_json_body() -> None:
    """before_request: strict checks of the body of views marked with `takes_json`."""
    if request.method not in ("POST", "PUT", "PATCH") or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_takes_json", False):
        read_json()
