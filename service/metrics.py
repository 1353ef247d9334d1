"""Prometheus metrics, correct across gunicorn workers.

`newsstance serve` sets PROMETHEUS_MULTIPROC_DIR to a fresh directory before anything imports
prometheus_client; each worker then writes its samples to files there, `GET /metrics` merges the files of
all workers (MultiProcessCollector), and the gunicorn `child_exit` hook removes the live gauges of a
worker that exits. Without that variable (tests, `flask run`) the process's own registry is served."""
from __future__ import annotations

import os
from time import perf_counter

from flask import g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest)
from prometheus_client import multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("newsstance_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("newsstance_http_request_duration_seconds", "Time to answer a request", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
IN_FLIGHT = Gauge("newsstance_http_requests_in_flight", "Requests being answered", multiprocess_mode="livesum")
DOCUMENTS = Counter("newsstance_documents_scored", "Documents scored", ["endpoint"])
PARAGRAPHS = Counter("newsstance_paragraphs_scored", "Paragraphs scored", ["endpoint"])
ERRORS = Counter("newsstance_problems", "Problem responses by type", ["type", "status"])
MODEL = Gauge("newsstance_model_info", "Model a live worker serves (1), per worker pid in multiprocess mode",
              ["name", "version"], multiprocess_mode="liveall")
BATCH_SIZE = Histogram("newsstance_micro_batch_documents", "Documents per model call of the micro-batcher",
                       buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32))
RELOADS = Counter("newsstance_model_reloads", "Model reloads requested", ["outcome"])


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition() -> tuple[bytes, str]:
    """The metrics text of all workers (multiprocess mode) or of this process."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST


_reported: tuple[int, dict | None] | None = None


def report_model(info: dict | None) -> None:
    """Set the model gauge of this process when its model changed (checked per request, in the worker
    itself: a gauge set in the gunicorn master before forking would stay there)."""
    global _reported
    if _reported == (os.getpid(), info):
        return
    old = _reported[1] if _reported and _reported[0] == os.getpid() else None
    if old and old != info:
        MODEL.labels(old["name"], old["version"]).set(0)
    if info:
        MODEL.labels(info["name"], info["version"]).set(1)
    _reported = (os.getpid(), info)


def count_scored(endpoint: str, results: list[dict]) -> None:
    DOCUMENTS.labels(endpoint).inc(len(results))
    PARAGRAPHS.labels(endpoint).inc(sum(len(r.get("paragraphs", ())) for r in results))


def start_timer() -> None:
    g.metrics_started = perf_counter()
    IN_FLIGHT.inc()


def observe(response):
    started = g.pop("metrics_started", None)
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    if started is not None:
        LATENCY.labels(request.method, route).observe(perf_counter() - started)
        IN_FLIGHT.dec()
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    if response.status_code >= 400 and response.mimetype == "application/problem+json":
        problem_type = (response.get_json(silent=True) or {}).get("type", "about:blank")
        ERRORS.labels(problem_type, str(response.status_code)).inc()
    return response


def mark_process_dead(pid: int) -> None:
    """gunicorn child_exit: drop the live gauges of a worker that exited."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)
