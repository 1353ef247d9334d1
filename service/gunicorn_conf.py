"""gunicorn settings for `newsstance serve` (bind and workers come from its command line).

The app is preloaded in the master, so the model is read once and shared copy-on-write by the workers;
gthread workers keep answering while one of their threads reads or refuses a slow or oversized upload."""
import os

wsgi_app = "service.wsgi:app"
preload_app = True
worker_class = os.environ.get("NEWSSTANCE_WORKER_CLASS", "gthread")
threads = int(os.environ.get("NEWSSTANCE_THREADS", "4"))
keepalive = int(os.environ.get("NEWSSTANCE_KEEPALIVE", "5"))
worker_connections = int(os.environ.get("NEWSSTANCE_WORKER_CONNECTIONS", "1000"))
timeout = 60
graceful_timeout = 30
accesslog = os.environ.get("NEWSSTANCE_ACCESS_LOG") or None


def child_exit(server, worker):
    """Drop the live gauges of a worker that exited (prometheus_client multiprocess mode)."""
    from service.metrics import mark_process_dead

    mark_process_dead(worker.pid)


def when_ready(server):
    for address in server.cfg.bind:
        base = address if address.startswith("unix:") else f"http://{address}"
        print(f"newsstance: serving {base}  (API docs: {base}/docs, contract: {base}/openapi.json)", flush=True)

# gunicorn 24+: the control socket of this run lives in its runtime directory (removed on exit).
if os.environ.get("NEWSSTANCE_RUNTIME_DIR"):
    control_socket = os.path.join(os.environ["NEWSSTANCE_RUNTIME_DIR"], "gunicorn.ctl")
else:
    control_socket_disable = True
