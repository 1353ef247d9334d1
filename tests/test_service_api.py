"""The HTTP service's endpoints, through the Flask test client with the shipped model."""
from __future__ import annotations

import threading

import pytest

from newsstance import Scorer

from conftest import SERVICE_TOKEN

TEXT = ("Russia's president arrived in Hanoi on Wednesday for talks on trade and energy.\n\n"
        "Washington criticized the visit and warned Vietnam against deepening ties with Moscow.\n\n"
        "Vietnamese officials said the country keeps its independent, balanced foreign policy and "
        "friendship with all partners.")
OTHER = ("The Kremlin praised the new partnership, while the United States said it was watching closely.\n\n"
         "Hanoi insisted that its bamboo diplomacy would not change.")
AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_score_returns_the_library_result_with_model_headers(client, model):
    response = client.post("/v1/score", json={"id": "d1", "outlet": "bbc", "text": TEXT})
    assert response.status_code == 200
    expected = Scorer(model, resamples=200).score_document({"id": "d1", "outlet": "bbc", "text": TEXT})
    assert response.get_json() == expected
    assert response.headers["X-Model-Version"] == model.version
    assert response.headers["X-Model-Name"] == model.name
    assert response.get_json()["model"] == model.info


def test_score_explain_adds_explanations(client):
    plain = client.post("/v1/score", json={"text": TEXT}).get_json()
    explained = client.post("/v1/score?explain=true", json={"text": TEXT}).get_json()
    stances = [s for p in explained["paragraphs"] for s in p["stances"].values() if s]
    assert stances and all("explanation" in s for s in stances)
    assert all("explanation" not in s for p in plain["paragraphs"] for s in p["stances"].values() if s)


def test_score_request_defined_targets(client):
    start = TEXT.index("Washington")
    body = {"text": TEXT, "targets": ["russia", {"name": "hanoi", "aliases": ["Hanoi"]},
                                      {"name": "dc", "spans": [[start, start + len("Washington")]]}]}
    result = client.post("/v1/score", json=body).get_json()
    assert list(result["targets"]) == ["russia", "hanoi", "dc"]
    assert result["targets"]["hanoi"]["mentions"] == 1
    assert result["targets"]["dc"]["paragraphs"] == 1


def test_batch_scores_in_input_order_with_one_model(client):
    documents = [{"id": str(i), "text": text} for i, text in enumerate([TEXT, OTHER, TEXT])]
    response = client.post("/v1/score/batch", json={"documents": documents})
    assert response.status_code == 200
    body = response.get_json()
    assert [r["id"] for r in body["results"]] == ["0", "1", "2"]
    assert body["results"][0]["targets"] == body["results"][2]["targets"]
    assert body["model"] == body["results"][0]["model"]


def test_batch_with_an_invalid_document_names_each_one(client):
    documents = [{"text": TEXT}, {"text": OTHER, "targets": ["china"]}, {"text": "x", "targets": [{"name": "t",
                                                                                                  "spans": [[0, 9]]}]}]
    body = problem(client.post("/v1/score/batch", json={"documents": documents}), 422)
    assert body["type"].endswith("unknown-target") and body["document"] == 1
    assert [e["document"] for e in body["errors"]] == [1, 2]
    assert "span" in body["errors"][1]["detail"]


def test_compare_posted_documents(client):
    documents = [{"outlet": "a", "text": TEXT}, {"outlet": "b", "text": OTHER}, {"outlet": "a", "text": OTHER}]
    response = client.post("/v1/compare", json={"documents": documents})
    assert response.status_code == 200
    report = response.get_json()
    assert [row["outlet"] for row in report["outlets"]] == ["a", "b"]
    assert report["documents"] == 3 and report["model"] == response.get_json()["model"]
    assert {d["target"] for d in report["differences"]} <= set(report["targets"])
    assert set(report) >= {"differences", "duplicates", "alignments", "largest_shifts", "settings"}


def test_compare_needs_an_outlet_per_document(client):
    body = problem(client.post("/v1/compare", json={"documents": [{"text": TEXT}]}), 422)
    assert any(e["field"] == "documents.0.outlet" for e in body["errors"])


def test_documents_store_get_delete(client):
    created = client.post("/v1/documents", json={"id": "bbc-1", "outlet": "bbc", "text": TEXT})
    assert created.status_code == 201
    assert created.headers["Location"] == "/v1/documents/bbc-1"
    record = created.get_json()
    assert record["created"] is True and record["result"]["id"] == "bbc-1"
    again = client.post("/v1/documents", json={"id": "bbc-1", "outlet": "bbc", "text": TEXT})
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert again.get_json()["content_hash"] == record["content_hash"]
    fetched = client.get("/v1/documents/bbc-1")
    assert fetched.status_code == 200
    assert fetched.get_json()["result"] == record["result"]
    assert fetched.get_json()["document"]["text"] == TEXT
    deleted = client.delete("/v1/documents/bbc-1")
    assert deleted.status_code == 204 and deleted.data == b""
    problem(client.get("/v1/documents/bbc-1"), 404)
    problem(client.delete("/v1/documents/bbc-1"), 404)


def test_documents_without_id_are_idempotent_by_content(client):
    first = client.post("/v1/documents", json={"outlet": "vn", "text": OTHER}).get_json()
    second = client.post("/v1/documents", json={"outlet": "vn", "text": OTHER})
    assert second.status_code == 200 and second.get_json()["id"] == first["id"]
    assert first["id"].startswith("sha256-")
    other_outlet = client.post("/v1/documents", json={"outlet": "bbc", "text": OTHER})
    assert other_outlet.status_code == 201 and other_outlet.get_json()["id"] != first["id"]


def test_documents_other_content_under_a_stored_id_is_a_conflict(client):
    client.post("/v1/documents", json={"id": "x1", "text": TEXT})
    body = problem(client.post("/v1/documents", json={"id": "x1", "text": OTHER}), 409)
    assert body["id"] == "x1"
    assert client.get("/v1/documents/x1").get_json()["document"]["text"] == TEXT


def test_list_documents_filters_and_pages(client):
    for i, (outlet, published) in enumerate([("a", "2024-06-18"), ("a", "2024-06-20T10:00:00+07:00"),
                                             ("b", "2024-06-19T12:00:00Z"), ("b", None)]):
        doc = {"id": f"d{i}", "outlet": outlet, "text": f"{TEXT}\n\nNumber {i}."}
        if published:
            doc["published"] = published
        assert client.post("/v1/documents", json=doc).status_code == 201
    listing = client.get("/v1/documents").get_json()
    assert listing["total"] == 4 and [d["id"] for d in listing["documents"]][:3] == ["d0", "d2", "d1"]
    assert "result" not in listing["documents"][0]
    only_a = client.get("/v1/documents?outlet=a").get_json()
    assert {d["id"] for d in only_a["documents"]} == {"d0", "d1"}
    window = client.get("/v1/documents?since=2024-06-19&until=2024-06-20T03:00:00Z").get_json()
    assert [d["id"] for d in window["documents"]] == ["d2", "d1"]
    page = client.get("/v1/documents?limit=1&offset=1").get_json()
    assert page["total"] == 4 and [d["id"] for d in page["documents"]] == ["d2"]
    several = client.get("/v1/documents?outlet=a&outlet=b&until=2024-06-19T23:59:59Z").get_json()
    assert [d["id"] for d in several["documents"]] == ["d0", "d2"]


def test_outlets_and_their_comparison_use_stored_results(client, app, monkeypatch):
    for i, outlet in enumerate(["a", "a", "b"]):
        client.post("/v1/documents", json={"id": f"s{i}", "outlet": outlet, "text": [TEXT, OTHER][i % 2],
                                           "published": f"2024-06-1{i + 1}"})
    client.post("/v1/documents", json={"id": "no-outlet", "text": TEXT, "published": "2024-06-15"})
    outlets = client.get("/v1/outlets").get_json()["outlets"]
    assert [(o["outlet"], o["documents"]) for o in outlets] == [(None, 1), ("a", 2), ("b", 1)]
    assert outlets[1]["first"].startswith("2024-06-11") and outlets[1]["last"].startswith("2024-06-12")

    holder = app.extensions["newsstance"].holder
    monkeypatch.setattr(holder.scorer, "score_each", lambda *a, **k: pytest.fail("stored documents were rescored"))
    report = client.get("/v1/outlets/compare").get_json()
    assert [row["outlet"] for row in report["outlets"]] == ["a", "b"] and report["documents"] == 3
    assert report["without_outlet"] == 1
    filtered = client.get("/v1/outlets/compare?outlet=a&since=2024-06-12").get_json()
    assert [row["outlet"] for row in filtered["outlets"]] == ["a"] and filtered["documents"] == 1
    assert filtered["filters"] == {"outlet": ["a"], "since": "2024-06-12", "until": None}


def test_outlets_compare_refuses_too_many_stored_documents(model, tmp_path):
    from service import create_app

    app = create_app({"MODEL": model, "DATA_DIR": str(tmp_path), "MAX_STORED_COMPARE": 1})
    client = app.test_client()
    for i in range(2):
        client.post("/v1/documents", json={"outlet": "a", "text": f"{TEXT} {i}"})
    body = problem(client.get("/v1/outlets/compare"), 422)
    assert body["limit"] == "max_stored_compare" and body["value"] == 1 and body["actual"] == 2


def test_model_description(client, model):
    body = client.get("/v1/model").get_json()
    assert body["name"] == model.name and body["version"] == model.version
    assert body["training_data_sha256"] == model.metadata.get("training_data_sha256")
    assert body["metrics"] == model.metadata.get("metrics", {})
    assert body["decision"] == model.metadata.get("decision", {})
    assert {t["name"] for t in body["targets"]} >= {"russia", "us", "neutrality"}
    assert body["limits"]["max_batch_size"] == 8


def test_reload_needs_the_bearer_token(client):
    missing = problem(client.post("/v1/model/reload"), 401)
    assert "Bearer" in client.post("/v1/model/reload").headers["WWW-Authenticate"]
    problem(client.post("/v1/model/reload", headers={"Authorization": "Bearer wrong"}), 401)
    problem(client.post("/v1/model/reload", headers={"Authorization": f"Basic {SERVICE_TOKEN}"}), 401)
    assert missing["type"].endswith("unauthorized")


def test_reload_is_forbidden_without_a_configured_token(model, tmp_path):
    from service import create_app

    client = create_app({"MODEL": model, "DATA_DIR": str(tmp_path)}).test_client()
    body = problem(client.post("/v1/model/reload", headers=AUTH), 403)
    assert "NEWSSTANCE_RELOAD_TOKEN" in body["detail"]


@pytest.fixture
def registry_app(model, model_registry, tmp_path):
    from service import create_app

    return create_app({"MODEL_ROOT": str(model_registry.root), "DATA_DIR": str(tmp_path / "data"),
                       "RELOAD_TOKEN": SERVICE_TOKEN})


def test_reload_swaps_in_the_registry_current_model(registry_app, model_registry):
    client = registry_app.test_client()
    assert client.post("/v1/score", json={"text": TEXT}).get_json()["model"]["name"] == "newsmtsc-baseline"
    model_registry.set_current("candidate", "2")
    response = client.post("/v1/model/reload", headers=AUTH)
    assert response.status_code == 200
    body = response.get_json()
    assert body["previous"] == {"name": "newsmtsc-baseline", "version": "1"}
    assert body["model"] == {"name": "candidate", "version": "2"}
    assert response.headers["X-Model-Version"] == "2"
    scored = client.post("/v1/score", json={"text": TEXT})
    assert scored.get_json()["model"] == {"name": "candidate", "version": "2"}
    assert scored.headers["X-Model-Version"] == "2" and scored.headers["X-Model-Name"] == "candidate"
    assert client.get("/v1/model").get_json()["version"] == "2"


def test_reload_of_a_broken_model_keeps_the_old_one(registry_app, model_registry):
    client = registry_app.test_client()
    client.post("/v1/score", json={"text": TEXT})
    model_registry.set_current("missing", "9")
    body = problem(client.post("/v1/model/reload", headers=AUTH), 503)
    assert "missing/9" in body["detail"]
    assert client.post("/v1/score", json={"text": TEXT}).get_json()["model"]["name"] == "newsmtsc-baseline"


def test_a_request_in_flight_finishes_on_the_model_it_started_with(registry_app, model_registry):
    """The reload swaps the model while a scoring request is blocked inside the old model."""
    client = registry_app.test_client()
    holder = registry_app.extensions["newsstance"].holder
    old_scorer = holder.scorer
    entered, release = threading.Event(), threading.Event()
    real_predict = old_scorer.model.predict

    def slow_predict(*args, **kwargs):
        entered.set()
        assert release.wait(30)
        return real_predict(*args, **kwargs)

    old_scorer.model.predict = slow_predict
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(r=registry_app.test_client().post("/v1/score",
                                                                                              json={"text": TEXT})))
    worker.start()
    try:
        assert entered.wait(30)
        model_registry.set_current("candidate", "2")
        assert client.post("/v1/model/reload", headers=AUTH).status_code == 200
        assert client.get("/v1/model").get_json()["name"] == "candidate"
    finally:
        release.set()
        worker.join(30)
    response = outcome["r"]
    assert response.status_code == 200
    assert response.get_json()["model"] == {"name": "newsmtsc-baseline", "version": "1"}
    assert response.headers["X-Model-Name"] == "newsmtsc-baseline"
    assert client.post("/v1/score", json={"text": OTHER}).get_json()["model"]["name"] == "candidate"


def test_liveness_and_readiness(client, model):
    live = client.get("/healthz/live")
    assert live.status_code == 200 and live.get_json()["status"] == "alive"
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200 and ready.get_json()["model"] == model.info


def test_readiness_waits_for_the_model_and_does_not_load_it(model_registry, tmp_path):
    from service import create_app

    app = create_app({"MODEL_ROOT": str(model_registry.root), "DATA_DIR": str(tmp_path)})
    client = app.test_client()
    body = problem(client.get("/healthz/ready"), 503)
    assert body["type"].endswith("not-ready")
    assert client.get("/healthz/ready").headers["X-Model-Version"] == "none"
    assert client.get("/healthz/live").status_code == 200
    assert not app.extensions["newsstance"].holder.loaded
    client.post("/v1/score", json={"text": TEXT})
    assert client.get("/healthz/ready").status_code == 200


def test_production_config_loads_the_model_at_start(model_registry, tmp_path, monkeypatch):
    from service import create_app
    from service.config import Config

    monkeypatch.setenv("NEWSSTANCE_MODELS", str(model_registry.root))
    monkeypatch.setenv("NEWSSTANCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSSTANCE_MAX_BATCH_SIZE", "3")
    app = create_app()
    assert app.config["MAX_BATCH_SIZE"] == 3 and not app.config["TESTING"]
    assert app.extensions["newsstance"].holder.loaded
    assert (tmp_path / "data" / "newsstance.sqlite3").exists()
    assert Config.from_env({"NEWSSTANCE_MAX_TEXT_CHARS": "10"})["MAX_TEXT_CHARS"] == 10


def test_bad_configuration_fails_at_start(tmp_path):
    from service import create_app
    from service.config import Config, ConfigError
    from service.storage import StorageError

    with pytest.raises(ConfigError, match="NEWSSTANCE_MAX_BODY_BYTES"):
        Config.from_env({"NEWSSTANCE_MAX_BODY_BYTES": "lots"})
    with pytest.raises(ConfigError, match="MAX_BATCH_SIZE"):
        create_app({"MAX_BATCH_SIZE": 0, "DATA_DIR": str(tmp_path)})
    with pytest.raises(StorageError, match="PostgreSQL"):
        create_app({"DATABASE_URL": "postgresql://db/newsstance", "DATA_DIR": str(tmp_path)})


def test_metrics_count_requests_and_documents(client):
    client.post("/v1/score/batch", json={"documents": [{"text": TEXT}, {"text": OTHER}]})
    client.get("/nowhere")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'newsstance_http_requests_total{method="POST",route="/v1/score/batch",status="200"}' in text
    assert 'newsstance_documents_scored_total{endpoint="batch"}' in text
    assert 'route="(unmatched)",status="404"' in text
    assert "newsstance_http_request_duration_seconds_bucket" in text
    assert 'newsstance_problems_total{status="404",type="about:blank"}' in text
    assert "newsstance_model_info" in text


def test_openapi_documents_every_endpoint_and_problem_responses(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.0")
    operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert operations == {
        ("POST", "/v1/score"), ("POST", "/v1/score/batch"), ("POST", "/v1/compare"), ("POST", "/v1/documents"),
        ("GET", "/v1/documents"), ("GET", "/v1/documents/{doc_id}"), ("DELETE", "/v1/documents/{doc_id}"),
        ("GET", "/v1/outlets"), ("GET", "/v1/outlets/compare"), ("GET", "/v1/model"),
        ("POST", "/v1/model/reload"), ("GET", "/healthz/live"), ("GET", "/healthz/ready"), ("GET", "/metrics")}
    components = spec["components"]["responses"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "500" in responses
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    resolved = components[response["$ref"].rsplit("/", 1)[1]]
                    assert list(resolved["content"]) == ["application/problem+json"]
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= set(responses)
    score = spec["components"]["schemas"]["DocumentIn"]["properties"]["text"]
    assert score["maxLength"] == 20_000
    assert spec["paths"]["/v1/model/reload"]["post"]["security"] == [{"bearer": []}]


def test_docs_page_works_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200 and b"swagger-ui" in page.data
    assert b"/docs/assets/swagger-ui-bundle.js" in page.data and b"cdn." not in page.data
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


@pytest.mark.parametrize("method, path, body", [
    ("get", "/healthz/live", None), ("get", "/metrics", None), ("get", "/openapi.json", None),
    ("post", "/v1/score", {"text": ""}), ("get", "/missing", None), ("put", "/v1/score", None),
    ("get", "/v1/documents/none", None), ("post", "/v1/model/reload", None),
])
def test_every_response_carries_the_model_version(client, model, method, path, body):
    response = getattr(client, method)(path, json=body)
    assert response.headers["X-Model-Version"] == model.version
    assert response.headers["X-Model-Name"] == model.name


def test_seed_articles_over_http_match_the_library(client, scorer, seed_texts):
    documents = [{"id": name, "outlet": name.split(".")[0], "text": text} for name, text in seed_texts.items()]
    response = client.post("/v1/score/batch", json={"documents": documents})
    assert response.status_code == 200
    assert response.get_json()["results"] == scorer.score_documents(documents)
