"""`newsstance serve`: its arguments, and the service under real gunicorn workers (metrics merged
across workers, a reload followed by every worker, clean shutdown)."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newsstance.cli import build_parser
from service.cli import gunicorn_command, serve_environment

ROOT = Path(__file__).resolve().parent.parent


def test_serve_is_a_newsstance_subcommand():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.workers >= 1, args.data_dir) == ("127.0.0.1", 8000, True, None)
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000", "--workers", "3",
                                      "--data-dir", "/tmp/x"])
    command = gunicorn_command(args)
    assert command[:3] == [sys.executable, "-m", "gunicorn"]
    assert "0.0.0.0:9000" in command and command[command.index("--workers") + 1] == "3"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--workers", "0"])


def test_serve_environment(tmp_path):
    args = build_parser().parse_args(["serve", "--data-dir", str(tmp_path / "data")])
    env = serve_environment(args, tmp_path)
    assert env["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "metrics") and (tmp_path / "metrics").is_dir()
    assert env["NEWSSTANCE_RUNTIME_DIR"] == str(tmp_path)
    assert env["NEWSSTANCE_DATA_DIR"] == str(tmp_path / "data")
    assert str(ROOT) in env["PYTHONPATH"].split(os.pathsep)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json",
                                                                **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_serve_under_gunicorn(model_registry, tmp_path):
    port = free_port()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "NEWSSTANCE_MODELS": str(model_registry.root), "NEWSSTANCE_RELOAD_TOKEN": "tok",
           "NEWSSTANCE_MODEL_SYNC_SECONDS": "0.2", "TMPDIR": str(temporary)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "newsstance.cli", "serve", "--port", str(port),
                                   "--workers", "2", "--data-dir", str(tmp_path / "data")],
                                  env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if call(port, "GET", "/healthz/ready")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"server did not become ready:\n{log.read_text()}")
        assert f"API docs: http://127.0.0.1:{port}/docs" in log.read_text()
        [runtime] = temporary.glob("newsstance-serve-*")

        # Concurrent scoring requests until both workers have answered some; the merged counter then
        # equals the number of requests made.
        document = {"text": "Moscow and Washington traded accusations while Hanoi called for calm. " * 60}
        sent = 0
        with ThreadPoolExecutor(8) as pool:
            while len(list((runtime / "metrics").glob("counter_*.db"))) < 2 and sent < 400:
                answers = list(pool.map(lambda _: call(port, "POST", "/v1/score", document), range(16)))
                assert {(a[0], a[1]["X-Model-Version"]) for a in answers} == {(200, "1")}
                sent += len(answers)
        assert len(list((runtime / "metrics").glob("counter_*.db"))) == 2, "one worker answered everything"
        metrics = call(port, "GET", "/metrics")[2].decode()
        served = re.search(r'newsstance_http_requests_total\{method="POST",route="/v1/score",status="200"\} '
                           r'(\S+)', metrics)
        assert served and float(served.group(1)) == sent
        assert len(re.findall(r'newsstance_model_info\{name="newsmtsc-baseline",pid="\d+",version="1"\} 1.0',
                              metrics)) == 2

        # A reload reaches one worker; the other follows on its next requests (sync interval + load time).
        model_registry.set_current("candidate", "2")
        status, _, body = call(port, "POST", "/v1/model/reload", headers={"Authorization": "Bearer tok"})
        assert status == 200 and json.loads(body)["model"] == {"name": "candidate", "version": "2"}
        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(8) as pool:
            while time.monotonic() < deadline:
                list(pool.map(lambda _: call(port, "POST", "/v1/score", document), range(16)))
                metrics = call(port, "GET", "/metrics")[2].decode()
                if len(re.findall(r'newsstance_model_info\{name="candidate",pid="\d+",version="2"\} 1.0',
                                  metrics)) == 2:
                    break
        assert len(re.findall(r'name="candidate",pid="\d+",version="2"\} 1.0', metrics)) == 2, metrics
        assert not re.findall(r'name="newsmtsc-baseline",pid="\d+",version="1"\} 1.0', metrics)
        answers = [call(port, "POST", "/v1/score", document) for _ in range(6)]
        assert {json.loads(a[2])["model"]["name"] for a in answers} == {"candidate"}
        assert (tmp_path / "data" / "newsstance.sqlite3").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(60) == 0
    assert not list(temporary.glob("newsstance-serve-*"))  # metrics and runtime files removed


def test_serve_refuses_to_start_without_a_model_or_with_bad_settings(tmp_path, monkeypatch, capsys):
    from newsstance.cli import main

    monkeypatch.setenv("NEWSSTANCE_MODELS", str(tmp_path / "empty"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "data")]) == 2
    assert "current.json is missing" in capsys.readouterr().err
    monkeypatch.delenv("NEWSSTANCE_MODELS")
    monkeypatch.setenv("NEWSSTANCE_MAX_BATCH_SIZE", "many")
    assert main(["serve", "--port", str(free_port())]) == 2
    assert "NEWSSTANCE_MAX_BATCH_SIZE='many'" in capsys.readouterr().err
    assert not list(tmp_path.glob("newsstance-serve-*"))
