"""Load benchmark of the HTTP service under gunicorn, on loopback only (run on demand; not a test).

    .venv/bin/python benchmarks/bench_service.py [--workers 2] [--threads 4] [--requests 400] [--profile]

It starts `newsstance serve` on 127.0.0.1 with a throw-away data directory, sends bounded numbers of
`POST /v1/score` requests with ~600-word news articles (read at run time from
../shared/data/allsides-article-bias, or built from ../shared/seeds; nothing is copied into the
repository) at concurrency 1, 8 and 32, and reports p50/p99 latency, documents/s and the memory of each
worker. Then, while 8 clients keep scoring, it sends a 10 MB body and a 1,000,000-character text and
reports how fast each is refused and the latency of the other clients meanwhile. `--profile` adds an
in-process profile of one request: where the time goes (library scoring versus the service around it).

The load generator runs on the same machine as the server and takes part of its CPU: on a 2-core machine
the figures are a lower bound of what the server does with the cores to itself.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSSTANCE_SHARED", ROOT.parent / "shared"))
ALLSIDES = SHARED / "data" / "allsides-article-bias" / "articles_geo_subset.jsonl.gz"
HOST = "127.0.0.1"  # loopback only


def documents(count: int, words: tuple[int, int] = (550, 650)) -> list[dict]:
    """~600-word articles: AllSides articles of that length, else seed articles cut or repeated to it."""
    found = []
    if ALLSIDES.exists():
        with gzip.open(ALLSIDES, "rt", encoding="utf-8") as handle:
            for line in handle:
                article = json.loads(line)
                text = article.get("content_original") or ""
                if words[0] <= len(text.split()) <= words[1]:
                    found.append({"id": article["ID"], "outlet": article.get("source"), "text": text})
                if len(found) >= count:
                    break
    if not found:
        for path in sorted((SHARED / "seeds").glob("*.txt")):
            paragraphs = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
            text, i = [], 0
            while sum(len(p.split()) for p in text) < 600 and paragraphs:
                text.append(paragraphs[i % len(paragraphs)])
                i += 1
            found.append({"id": path.stem, "outlet": path.stem, "text": "\n\n".join(text)})
    if not found:
        sys.exit(f"no articles found under {SHARED}; set NEWSSTANCE_SHARED")
    return [found[i % len(found)] for i in range(count)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """`newsstance serve` in a child process, stopped (and its files removed) on exit."""

    def __init__(self, workers: int, threads: int):
        self.port = free_port()
        self.tmp = tempfile.TemporaryDirectory(prefix="bench-service-")
        env = {**os.environ, "TMPDIR": self.tmp.name}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.log = open(Path(self.tmp.name) / "serve.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newsstance.cli", "serve", "--host", HOST, "--port", str(self.port),
             "--workers", str(workers), "--threads", str(threads), "--data-dir", str(Path(self.tmp.name) / "data")],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"server exited:\n{(Path(self.tmp.name) / 'serve.log').read_text()}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/healthz/ready")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit("server did not become ready")

    def workers(self) -> list[int]:
        """Pids of the gunicorn workers (grandchildren of the serve process)."""
        def children(pid):
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as handle:
                    return [int(p) for p in handle.read().split()]
            except OSError:
                return []
        return [w for master in children(self.process.pid) for w in children(master)]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        self.tmp.cleanup()


def memory(pid: int) -> dict:
    """RSS and PSS (shared pages split between the processes sharing them) in MB, from /proc."""
    values = {}
    for name, key in (("status", "VmRSS"), ("smaps_rollup", "Pss")):
        try:
            text = Path(f"/proc/{pid}/{name}").read_text()
            values[key] = int(re.search(rf"^{key}:\s+(\d+) kB", text, re.M).group(1)) / 1024
        except (OSError, AttributeError):
            values[key] = None
    return {"rss_mb": values["VmRSS"], "pss_mb": values["Pss"]}


def micro_batches(port: int) -> tuple[float, float]:
    """(documents, model calls) of the service's micro-batcher so far, from /metrics (all workers)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    connection.close()
    found = {name: float(value) for name, value in
             re.findall(r"^newsstance_micro_batch_documents_(sum|count) (\S+)$", text, re.M)}
    return found.get("sum", 0.0), found.get("count", 0.0)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


class Client:
    """One keep-alive connection."""

    def __init__(self, port: int):
        self.port = port
        self.connection = None

    def post(self, path: str, body: bytes) -> tuple[int, float, dict]:
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
            started = time.perf_counter()
            try:
                self.connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                response = response_ = self.connection.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - started
                headers = dict(response_.getheaders())
                if response.will_close:
                    self.close()
                return response.status, elapsed, {"headers": headers, "body": data}
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def load(port: int, bodies: list[bytes], concurrency: int, requests: int, path: str = "/v1/score",
         stop: threading.Event | None = None) -> dict:
    """`requests` POSTs from `concurrency` keep-alive clients; latencies in ms and throughput."""
    latencies, statuses, lock = [], {}, threading.Lock()
    counter = iter(range(requests))

    def run(worker: int):
        client = Client(port)
        for n in counter:
            if stop is not None and stop.is_set():
                break
            status, elapsed, _ = client.post(path, bodies[(n * 7 + worker) % len(bodies)])
            with lock:
                latencies.append(elapsed * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        client.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(run, range(concurrency)))
    wall = time.perf_counter() - started
    return {"concurrency": concurrency, "requests": len(latencies), "statuses": statuses,
            "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1),
            "mean_ms": round(statistics.fmean(latencies), 1), "per_s": round(len(latencies) / wall, 1)}


def oversized(port: int, body_bytes: int) -> dict:
    """Send a body of `body_bytes` bytes; seconds until the status line, the status, bytes sent by then."""
    sock = socket.create_connection((HOST, port), timeout=30)
    head = (f"POST /v1/score HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {body_bytes}\r\n\r\n").encode()
    sent = [0]
    started = time.perf_counter()

    def send():
        try:
            sock.sendall(head)
            chunk = b'{"text": "' + b"a" * (65536 - 10)
            while sent[0] < body_bytes:
                piece = chunk[: body_bytes - sent[0]]
                sock.sendall(piece)
                sent[0] += len(piece)
        except OSError:
            pass

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    data = b""
    try:
        while b"\r\n" not in data:
            more = sock.recv(4096)
            if not more:
                break
            data += more
    except OSError as exc:
        return {"error": str(exc)}
    elapsed = time.perf_counter() - started
    sock.close()
    sender.join(5)
    status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "?"
    return {"status": status, "seconds": round(elapsed, 3), "body_bytes_sent_by_then": sent[0]}


def profile(docs: list[dict], requests: int = 100) -> list[tuple[str, float]]:
    """In-process breakdown of POST /v1/score (ms per request): the library's scoring, split into its
    stages by cProfile, and the service around it (the rest of the request's wall time)."""
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    from newsstance import Scorer, registry
    from service import create_app

    bodies = [json.dumps(d).encode() for d in docs]
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app({"MODEL": registry.load(), "DATA_DIR": data_dir, "RESAMPLES": 1000,
                          "MAX_TEXT_CHARS": 200_000, "MAX_PARAGRAPHS": 2000})
        client = app.test_client()
        scorer = app.extensions["newsstance"].holder.scorer
        library = [0.0]
        score_each = scorer.score_each

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return score_each(*args, **kwargs)
            finally:
                library[0] += time.perf_counter() - started

        scorer.score_each = timed
        for body in bodies[:8]:
            client.post("/v1/score", data=body, content_type="application/json")
        library[0] = 0.0
        started = time.perf_counter()
        for i in range(requests):
            client.post("/v1/score", data=bodies[i % len(bodies)], content_type="application/json")
        wall = (time.perf_counter() - started) / requests * 1000
        library_ms = library[0] / requests * 1000

    plain = Scorer(registry.load(), resamples=1000)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(requests):
        plain.score_document(docs[i % len(docs)])
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(own for (_, _, own, _, _) in stats.values())

    def cumulative(file_end: str, function: str) -> float:
        return sum(ct for (f, _, name), (_, _, _, ct, _) in stats.items() if f.endswith(file_end) and name == function)

    stages = [
        ("  VADER per sentence", cumulative("sentiment.py", "sentence_sentiments")),
        ("  paragraphs and their kinds", cumulative("segment.py", "paragraphs")),
        ("  target mentions", cumulative("targets.py", "mentions")),
        ("  stance model: features + classifier", cumulative("model.py", "predict")),
        ("  document scores: bootstrap intervals, assembly", cumulative("scorer.py", "_assemble")),
    ]
    scale = library_ms / total if total else 0
    rows = [("request wall time, in-process (ms)", wall), ("library scoring, Scorer.score_each (ms)", library_ms)]
    rows += [(name, seconds * scale) for name, seconds in stages]
    rows.append(("service around it: JSON, validation, Flask, metrics, serialization (ms)", wall - library_ms))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400, help="requests per concurrency level (max 5000)")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--profile", action="store_true", help="also profile one request in-process")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args(argv)
    requests = max(10, min(args.requests, 5000))
    docs = documents(64)
    words = statistics.fmean(len(d["text"].split()) for d in docs)
    bodies = [json.dumps(d).encode() for d in docs]
    report = {"documents": len(docs), "mean_words": round(words), "workers": args.workers,
              "threads": args.threads, "cores": os.cpu_count(), "levels": []}
    print(f"{len(docs)} distinct documents, {words:.0f} words on average; gunicorn {args.workers} workers x "
          f"{args.threads} threads on {os.cpu_count()} cores (the load generator shares them)")

    server = Server(args.workers, args.threads)
    try:
        server.wait_ready()
        connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
        connection.request("GET", "/v1/model")
        report["model"] = {k: v for k, v in json.loads(connection.getresponse().read()).items()
                           if k in ("name", "version")}
        connection.close()
        print(f"model served: {report['model']['name']}/{report['model']['version']}; "
              f"load average before: {os.getloadavg()[0]:.2f}")
        load(server.port, bodies, min(8, args.workers * args.threads), 4 * len(bodies))  # warm up every worker
        workers = server.workers()
        print("\n| concurrency | requests | p50 ms | p99 ms | docs/s | server CPU ms/doc | docs per model call | "
              "load avg | statuses |\n|---|---|---|---|---|---|---|---|---|")
        for level in (int(c) for c in args.concurrency.split(",")):
            cpu, batches = cpu_seconds(workers), micro_batches(server.port)
            figures = load(server.port, bodies, level, requests)
            figures["server_cpu_ms_per_doc"] = round((cpu_seconds(workers) - cpu) * 1000 / figures["requests"], 1)
            after = micro_batches(server.port)
            figures["docs_per_model_call"] = round((after[0] - batches[0]) / max(1, after[1] - batches[1]), 2)
            figures["load_average_1min"] = round(os.getloadavg()[0], 2)
            report["levels"].append(figures)
            print(f"| {level} | {figures['requests']} | {figures['p50_ms']} | {figures['p99_ms']} | "
                  f"{figures['per_s']} | {figures['server_cpu_ms_per_doc']} | {figures['docs_per_model_call']} | "
                  f"{figures['load_average_1min']} | {figures['statuses']} |")
        batch = json.dumps({"documents": docs[:16]}).encode()
        figures = load(server.port, [batch], args.workers, max(8, requests // 16), path="/v1/score/batch")
        report["batch16"] = {**figures, "docs_per_s": round(figures["per_s"] * 16, 1)}
        print(f"| batch of 16, concurrency {args.workers} | {figures['requests']} | {figures['p50_ms']} | "
              f"{figures['p99_ms']} | {report['batch16']['docs_per_s']} | | 16 | | {figures['statuses']} |")
        cpu_ms = statistics.fmean(level["server_cpu_ms_per_doc"] for level in report["levels"])
        report["capacity_docs_per_s"] = round((os.cpu_count() or 1) * 1000 / cpu_ms, 1)
        print(f"\nserver CPU per document {cpu_ms:.1f} ms: with its {os.cpu_count()} cores to itself the server would "
              f"score at most ~{report['capacity_docs_per_s']} docs/s")

        report["memory"] = {str(pid): memory(pid) for pid in server.workers()}
        print("\nworker memory after the load (MB): " + ", ".join(
            f"pid {pid}: RSS {m['rss_mb']:.0f}, PSS {m['pss_mb']:.0f}" for pid, m in report["memory"].items()
            if m["rss_mb"] is not None))

        # Oversized input while 8 clients keep scoring.
        stop = threading.Event()
        background = {}
        runner = threading.Thread(target=lambda: background.update(load(server.port, bodies, 8, 100_000,
                                                                        stop=stop)))
        runner.start()
        time.sleep(1.0)
        big_body = oversized(server.port, 10 * 1024 * 1024)
        client = Client(server.port)
        million = json.dumps({"text": ("Putin visits Hanoi. " * 50_000)[:1_000_000]}).encode()
        status, seconds, answer = client.post("/v1/score", million)
        client.close()
        time.sleep(1.0)
        stop.set()
        runner.join(120)
        problem = json.loads(answer["body"])
        report["refusals"] = {
            "body_10MB": big_body,
            "text_1M_chars": {"status": status, "seconds": round(seconds, 3), "limit": problem.get("limit"),
                              "value": problem.get("value")},
            "others_meanwhile": background,
        }
        print(f"\n10 MB body: HTTP {big_body.get('status')} after {big_body.get('seconds')} s "
              f"({big_body.get('body_bytes_sent_by_then', 0) / 1e6:.1f} MB sent by then)")
        print(f"1,000,000-character text: HTTP {status} ({problem.get('limit')} = {problem.get('value')}) "
              f"after {seconds:.3f} s")
        print(f"meanwhile 8 other clients: {background['requests']} requests, statuses {background['statuses']}, "
              f"p50 {background['p50_ms']} ms, p99 {background['p99_ms']} ms")
    finally:
        server.stop()

    if args.profile:
        rows = profile(docs)
        report["profile"] = rows
        print("\nwhere the time of one POST /v1/score goes (in-process, one thread, ms per request):")
        for name, value in rows:
            print(f"  {name}: {value:.1f}")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
