"""WSGI entry point for gunicorn: `gunicorn service.wsgi:app` (`newsstance serve` runs it with
service/gunicorn_conf.py, which preloads it: the model loads once, in the master)."""
import logging
import sys

from newsstance.errors import NewsstanceError
from service import create_app
from service.config import ConfigError
from service.storage import StorageError

logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
try:
    app = create_app()
except (ConfigError, StorageError, NewsstanceError) as exc:
    sys.exit(f"newsstance: cannot start the service: {getattr(exc, 'detail', exc)}")
