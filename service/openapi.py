"""Finishing touches on the generated OpenAPI document: every error response is documented as RFC 9457
`application/problem+json`, every response declares the model headers, and the configured limits appear
as maxLength/maxItems where the request schemas are."""
from __future__ import annotations

PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details. Limit problems add `limit`, `value` and `actual`; validation "
                   "problems add `errors` (one per field); batch problems add `errors` (one per document).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "urn:newsstance:problem:<kind>, or about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "limit": {"type": "string", "description": "name of the limit that was exceeded"},
        "value": {"type": "integer", "description": "the limit's value"},
        "actual": {"type": "integer"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}

ERRORS = {
    400: "Malformed request: invalid JSON or UTF-8",
    401: "Missing or invalid bearer token",
    403: "Model reload is not enabled",
    404: "No such resource",
    409: "Another document is stored under this id",
    413: "Over a size limit (body bytes, text characters, batch size); the problem names the limit and its value",
    415: "The body is not application/json",
    422: "Invalid request or document, unknown target, or over a shape limit (paragraphs, targets, JSON depth)",
    500: "Unexpected server error (logged)",
    503: "No model is loaded, or it cannot be loaded",
}
HEADERS = {
    "ModelVersion": {"description": "version of the model this worker serves ('none' before one is loaded)",
                     "required": True, "schema": {"type": "string"}},
    "ModelName": {"description": "name of the model this worker serves ('none' before one is loaded)",
                  "required": True, "schema": {"type": "string"}},
}
MODEL_HEADERS = {"X-Model-Version": {"$ref": "#/components/headers/ModelVersion"},
                 "X-Model-Name": {"$ref": "#/components/headers/ModelName"}}


def _error(status: int) -> dict:
    return {"description": ERRORS[status], "headers": dict(MODEL_HEADERS),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _expected_errors(path: str, method: str, operation: dict) -> set[int]:
    errors = {500}
    if operation.get("requestBody"):
        errors |= {400, 413, 415, 422}
    if any(p.get("in") == "query" for p in operation.get("parameters", [])):
        errors.add(422)
    if "{" in path:
        errors.add(404)
    if path.startswith("/v1/"):
        errors.add(503)
    if path == "/healthz/ready":
        errors.add(503)
    if path == "/v1/model/reload":
        errors |= {401, 403}
    if path == "/v1/documents" and method == "post":
        errors.add(409)
    if path.startswith("/v1/outlets/compare"):
        errors.add(413)
    return errors


def _set_limit(schemas: dict, name: str, field: str, key: str, value: int) -> None:
    prop = schemas.get(name, {}).get("properties", {}).get(field)
    if prop is not None:
        prop[key] = value


def _nullable_refs(node):
    """apispec writes a nullable nested schema as anyOf [any object or null, $ref]; say it exactly:
    the referenced schema or null."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if (isinstance(options, list) and len(options) == 2 and options[0] == {"type": "object", "nullable": True}
                and "$ref" in options[1]):
            node.pop("anyOf")
            node.update(nullable=True, allOf=[options[1]])
        for value in node.values():
            _nullable_refs(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_refs(value)


def finish_spec(spec: dict, config: dict) -> dict:
    _nullable_refs(spec.get("components", {}).get("schemas", {}))
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    spec["components"]["headers"] = HEADERS
    spec["components"]["responses"] = {f"Problem{status}": _error(status) for status in ERRORS}
    schemas.pop("ValidationError", None)
    schemas.pop("HTTPError", None)
    for name in ("DocumentIn", "StoredDocumentIn", "CompareDocumentIn"):
        _set_limit(schemas, name, "text", "maxLength", config["MAX_TEXT_CHARS"])
    for name in ("BatchIn", "CompareIn"):
        _set_limit(schemas, name, "documents", "maxItems", config["MAX_BATCH_SIZE"])
    spec["components"].setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer", "description": "NEWSSTANCE_RELOAD_TOKEN"}
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code in list(responses):
                if str(code).startswith(("4", "5")):
                    del responses[code]
            for status in sorted(_expected_errors(path, method, operation)):
                responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
            for response in responses.values():
                if "$ref" not in response:
                    response.setdefault("headers", {}).update(MODEL_HEADERS)
            if path == "/v1/model/reload":
                operation["security"] = [{"bearer": []}]
    return spec
