"""`newsstance serve`: the HTTP service under gunicorn.

gunicorn runs as a child process whose environment is set up first: PROMETHEUS_MULTIPROC_DIR (metrics
merged over workers) and NEWSSTANCE_RUNTIME_DIR (where workers agree on the model after a reload), both
in a fresh temporary directory that is removed when the server stops."""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def register(commands) -> None:
    serve = commands.add_parser("serve", help="run the HTTP service (gunicorn; docs at /docs)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--workers", "-w", type=_positive, default=os.cpu_count() or 1,
                       help="worker processes (default: one per core)")
    serve.add_argument("--threads", type=_positive, default=4, help="threads per worker (default: 4)")
    serve.add_argument("--data-dir", help="where the SQLite database lives (default: $NEWSSTANCE_DATA_DIR or ./var)")
    serve.add_argument("--access-log", action="store_true", help="log every request to stderr")
    serve.set_defaults(handler=cmd_serve)


def gunicorn_command(args) -> list[str]:
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    return [sys.executable, "-m", "gunicorn", "--config", "python:service.gunicorn_conf", "--bind", bind,
            "--workers", str(args.workers), "--threads", str(args.threads)]


def serve_environment(args, runtime: Path) -> dict:
    env = dict(os.environ)
    metrics_dir = runtime / "metrics"
    metrics_dir.mkdir()
    env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    env["NEWSSTANCE_RUNTIME_DIR"] = str(runtime)
    if args.data_dir:
        env["NEWSSTANCE_DATA_DIR"] = str(Path(args.data_dir).resolve())
    if args.access_log:
        env["NEWSSTANCE_ACCESS_LOG"] = "-"
    # gunicorn imports service.* from the project, wherever the command is run from.
    project = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (project, env.get("PYTHONPATH")) if p)
    return env


def preflight(env: dict) -> str | None:
    """A clear message for a configuration or model pointer that cannot work, before gunicorn starts."""
    from newsstance import registry
    from newsstance.errors import NewsstanceError

    from .config import Config, ConfigError, finish

    try:
        config = finish(Config.from_env(env))
        registry.current(config["MODEL_ROOT"])
    except ConfigError as exc:
        return str(exc)
    except NewsstanceError as exc:
        return exc.detail
    return None


def cmd_serve(args) -> int:
    runtime = Path(tempfile.mkdtemp(prefix="newsstance-serve-"))
    child = None
    try:
        env = serve_environment(args, runtime)
        problem = preflight(env)
        if problem:
            print(f"newsstance: cannot start the service: {problem}", file=sys.stderr)
            return 2
        child = subprocess.Popen(gunicorn_command(args), env=env)

        def forward(signum, frame):
            child.send_signal(signum)

        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, forward)
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # gunicorn stops on SIGINT (a terminal sends it to both of us)
                child.send_signal(signal.SIGINT)
    finally:
        if child is not None and child.poll() is None:
            child.terminate()
            child.wait(timeout=60)
        shutil.rmtree(runtime, ignore_errors=True)
