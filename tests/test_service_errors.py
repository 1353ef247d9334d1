"""Every error the service answers is RFC 9457 problem+json with a clear 4xx (or 5xx for its own
failures), names the limit it enforces, and comes quickly: no input hangs or crashes a worker."""
from __future__ import annotations

import io
import time

import pytest

from conftest import SERVICE_TOKEN

TEXT = "Moscow and Washington traded accusations.\n\nVietnam called for calm."


def problem(response, status, kind=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["instance"] == response.request.path
    if kind:
        assert body["type"] == (kind if kind == "about:blank" else f"urn:newsstance:problem:{kind}"), body
    assert "X-Model-Version" in response.headers
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def post_raw(client, data, content_type="application/json", path="/v1/score", **kwargs):
    return client.post(path, data=data, content_type=content_type, **kwargs)


@pytest.mark.parametrize("data, detail", [
    (b"{\"text\": ", "Expecting value"),
    (b"{'text': 'single quotes'}", "double quotes"),
    (b"{\"text\": \"a\"} trailing", "Extra data"),
    (b"", "empty"),
    (b"   ", "empty"),
    (b"{\"text\": NaN}", "NaN"),
    (b"{\"text\": \"a\", \"n\": Infinity}", "Infinity"),
    (b"{\"n\": 1" + b"0" * 5000 + b"}", "digits"),
    (b"\xef\xbb\xbf{\"text\": \"bom\"}", "BOM"),
])
def test_invalid_json_is_400(client, data, detail):
    body = problem(post_raw(client, data), 400, "invalid-json")
    assert detail in body["detail"]


@pytest.mark.parametrize("data", [b"{\"text\": \"caf\xe9\"}", b"{\"text\": \"\xff\xfe\"}", b"{\"text\": \"\xed\xa0\x80\"}"])
def test_invalid_utf8_is_400(client, data):
    body = problem(post_raw(client, data), 400, "invalid-utf8")
    assert "UTF-8" in body["detail"] and isinstance(body["position"], int)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/json; charset=latin-1", None])
def test_wrong_content_type_is_415(client, content_type):
    response = client.post("/v1/score", data=b'{"text": "Russia"}',
                           headers={"Content-Type": content_type} if content_type else {})
    body = problem(response, 415, "unsupported-media-type")
    assert body["accepted"] == ["application/json"]


def test_json_with_a_charset_parameter_or_json_suffix_is_accepted(client):
    assert post_raw(client, b'{"text": "Russia"}', "application/json; charset=UTF-8").status_code == 200
    assert post_raw(client, b'{"text": "Russia"}', "application/merge-patch+json").status_code == 200


@pytest.mark.parametrize("depth", [33, 5000, 120_000])
def test_deeply_nested_json_is_refused_quickly(client, depth):
    started = time.perf_counter()
    body = problem(post_raw(client, b'{"text": "a", "x": ' + b"[" * depth + b"]" * depth + b"}"), 422,
                   "limit-exceeded")
    assert body["limit"] == "max_json_depth" and body["value"] == 32
    assert time.perf_counter() - started < 2


def test_nesting_at_the_limit_is_fine(client):
    assert post_raw(client, b'{"text": "Russia", "extra": ' + b"[" * 31 + b"]" * 31 + b"}").status_code == 200


def test_body_over_the_limit_is_413_before_reading_it(client):
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = readinto = read

    response = client.post("/v1/score", input_stream=Unreadable(), content_type="application/json",
                           environ_overrides={"CONTENT_LENGTH": str(10 * 1024 * 1024)})
    body = problem(response, 413, "limit-exceeded")
    assert body["limit"] == "max_body_bytes" and body["value"] == 256 * 1024


def test_chunked_body_over_the_limit_is_413(client):
    big = b'{"text": "' + b"a" * (300 * 1024) + b'"}'
    response = client.post("/v1/score", input_stream=io.BytesIO(big), content_type="application/json",
                           environ_overrides={"wsgi.input_terminated": True},
                           headers={"Transfer-Encoding": "chunked"})
    body = problem(response, 413, "limit-exceeded")
    assert body["limit"] == "max_body_bytes"


def test_text_over_the_limit_is_413_naming_it(client):
    started = time.perf_counter()
    body = problem(client.post("/v1/score", json={"text": "Putin. " * 3000}), 413, "limit-exceeded")
    assert (body["limit"], body["value"], body["actual"]) == ("max_text_chars", 20_000, 21_000)
    assert time.perf_counter() - started < 1


def test_too_many_paragraphs_is_422_naming_the_limit(client):
    body = problem(client.post("/v1/score", json={"text": "Russia.\n\n" * 201}), 422, "limit-exceeded")
    assert (body["limit"], body["value"]) == ("max_paragraphs", 200)


def test_batch_over_the_limit_is_413_naming_it(client):
    body = problem(client.post("/v1/score/batch", json={"documents": [{"text": TEXT}] * 9}), 413, "limit-exceeded")
    assert (body["limit"], body["value"], body["actual"]) == ("max_batch_size", 8, 9)
    body = problem(client.post("/v1/compare", json={"documents": [{"text": TEXT, "outlet": "a"}] * 9}), 413)
    assert body["limit"] == "max_batch_size"


def test_metadata_over_the_limit_is_413(client):
    body = problem(client.post("/v1/score", json={"text": TEXT, "title": "t" * 2001}), 413, "limit-exceeded")
    assert body["limit"] == "max_title_chars" and body["value"] == 2000


def test_too_many_targets_is_422(client):
    targets = [{"name": f"t{i}", "aliases": ["x"]} for i in range(21)]
    body = problem(client.post("/v1/score", json={"text": TEXT, "targets": targets}), 422, "limit-exceeded")
    assert body["limit"] == "max_targets"


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_empty_text_is_422(client, text):
    body = problem(client.post("/v1/score", json={"text": text}), 422, "validation")
    assert body["errors"][0]["field"] == "text"


def test_unknown_target_is_422_naming_it(client):
    body = problem(client.post("/v1/score", json={"text": TEXT, "targets": ["russia", "china"]}), 422,
                   "unknown-target")
    assert body["target"] == "china" and "russia, us, neutrality" in body["detail"]


@pytest.mark.parametrize("document, field", [
    ({}, "text"),
    ({"text": 12}, "text"),
    ({"text": ["a"]}, "text"),
    ({"text": TEXT, "outlet": 5}, "outlet"),
    ({"text": TEXT, "id": True}, "id"),
    ({"text": TEXT, "id": {"a": 1}}, "id"),
    ({"text": TEXT, "targets": "russia"}, "targets"),
    ({"text": TEXT, "targets": [5]}, "targets.0"),
    ({"text": TEXT, "targets": [{"name": "t", "aliases": ["x"], "color": "red"}]}, "targets.0"),
])
def test_wrong_types_are_422_naming_the_field(client, document, field):
    body = problem(client.post("/v1/score", json=document), 422, "validation")
    assert field in [e["field"] for e in body["errors"]]


@pytest.mark.parametrize("targets, detail", [
    ([{"name": "t", "spans": [[5, 1]]}], "span"),
    ([{"name": "t", "spans": [[0, 10_000]]}], "span"),
    ([{"name": "t", "aliases": []}], "aliases"),
    ([{"name": "t", "aliases": ["x"], "spans": [[0, 1]]}], "exactly one"),
    ([{"name": "russia", "aliases": ["x"]}], "built in"),
    ([{"name": "9bad", "aliases": ["x"]}], "name"),
    (["russia", "russia"], "twice"),
])
def test_invalid_target_definitions_are_422(client, targets, detail):
    body = problem(client.post("/v1/score", json={"text": TEXT, "targets": targets}), 422, "invalid-document")
    assert detail in body["detail"]


@pytest.mark.parametrize("path, data", [("/v1/score", b"[]"), ("/v1/score", b'"text"'), ("/v1/score", b"5"),
                                        ("/v1/score", b"null"), ("/v1/score/batch", b'[{"text": "a"}]'),
                                        ("/v1/score/batch", b'{"documents": {"text": "a"}}')])
def test_bodies_of_the_wrong_shape_are_422(client, path, data):
    problem(post_raw(client, data, path=path), 422, "validation")


def test_batch_wrapper_rejects_unknown_fields_and_empty_lists(client):
    body = problem(client.post("/v1/score/batch", json={"documents": [{"text": TEXT}], "explain": True}), 422)
    assert body["errors"][0]["field"] == "explain"
    problem(client.post("/v1/score/batch", json={"documents": []}), 422, "validation")
    problem(client.post("/v1/compare", json={"documents": [{"text": TEXT, "outlet": "a"}], "collapse": 1}), 422)


def test_invalid_query_parameters_are_422(client):
    assert problem(client.get("/v1/documents?limit=0"), 422, "validation")["errors"][0]["field"] == "limit"
    problem(client.get("/v1/documents?limit=many"), 422, "validation")
    problem(client.get("/v1/documents?since=last-week"), 422, "validation")
    problem(client.get("/v1/outlets/compare?until=2024-13-45"), 422, "validation")
    problem(client.post("/v1/score?explain=perhaps", json={"text": TEXT}), 422, "validation")


def test_stored_ids_must_be_addressable(client):
    body = problem(client.post("/v1/documents", json={"id": "a/b", "text": TEXT}), 422, "validation")
    assert body["errors"][0]["field"] == "id"


def test_unknown_path_is_404(client):
    body = problem(client.get("/v2/score"), 404, "about:blank")
    assert "/v2/score" in body["detail"]


def test_wrong_method_is_405_with_allow(client):
    response = client.get("/v1/score")
    body = problem(response, 405, "about:blank")
    assert "POST" in response.headers["Allow"] and "POST" in body["detail"]
    problem(client.put("/v1/documents/abc", json={}), 405)


def test_auth_errors_are_problems(client):
    problem(client.post("/v1/model/reload"), 401, "unauthorized")
    problem(client.post("/v1/model/reload", headers={"Authorization": "Bearer nope"}), 401, "unauthorized")


def test_conflict_is_409(client):
    client.post("/v1/documents", json={"id": "c", "text": TEXT})
    problem(client.post("/v1/documents", json={"id": "c", "text": TEXT + "!"}), 409, "conflict")


def test_unexpected_failure_is_a_500_problem_without_internals(client, monkeypatch, caplog):
    from service import operations

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal state")

    monkeypatch.setattr(operations, "score_one", broken)
    response = client.post("/v1/score", json={"text": TEXT})
    body = problem(response, 500, "internal")
    assert "logged" in body["detail"] and "secret" not in response.get_data(as_text=True)
    assert "secret internal state" in caplog.text
    assert client.get("/healthz/live").status_code == 200


def test_missing_model_is_503(tmp_path):
    from service import create_app

    empty = tmp_path / "no-models"
    empty.mkdir()
    client = create_app({"MODEL_ROOT": str(empty), "DATA_DIR": str(tmp_path / "data")}).test_client()
    body = problem(client.post("/v1/score", json={"text": TEXT}), 503, "model-unavailable")
    assert "current.json" in body["detail"]
    problem(client.get("/healthz/ready"), 503, "not-ready")
    assert client.get("/healthz/live").status_code == 200


def test_errors_do_not_disturb_the_next_request(client):
    for data in (b"{", b"\xff", b"[" * 10000):
        post_raw(client, data)
    assert client.post("/v1/score", json={"text": TEXT}).status_code == 200


def test_reload_with_a_body_of_any_type_still_checks_the_token(client):
    problem(client.post("/v1/model/reload", data=b"\xff", content_type="text/plain"), 401)
    assert client.post("/v1/model/reload", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}).status_code == 200
