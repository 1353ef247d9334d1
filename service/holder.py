"""The loaded model, held by the app and swapped atomically.

A request takes `holder.scorer` once and keeps that reference to its end, so a reload never changes the
model under a request in flight: the swap replaces one reference after the new model has loaded.

With several gunicorn workers, `POST /v1/model/reload` reaches one of them. That worker loads the
registry's current model, swaps it in and writes the model's name and version to `model.json` in the
run's runtime directory (created by `newsstance serve`). Every worker looks at that file at most once per
MODEL_SYNC_SECONDS (a stat, on a request) and, when it names another model, loads it in a background
thread and swaps when it is ready; until then it keeps answering with the model it has."""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from time import monotonic

from newsstance import Limits, Scorer, registry
from newsstance.model import StanceModel

log = logging.getLogger("newsstance.service")
POINTER = "model.json"


class ModelHolder:
    """The app's scorer (model + limits), loaded once and replaced whole on reload."""

    def __init__(self, *, root: str, limits: Limits, resamples: int, runtime_dir: str | None = None,
                 sync_seconds: float = 1.0, model: StanceModel | None = None):
        self.root, self.limits, self.resamples = root, limits, resamples
        self.runtime_dir = Path(runtime_dir) if runtime_dir else None
        self.sync_seconds = sync_seconds
        self._scorer: Scorer | None = self._make(model) if model is not None else None
        self._load_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._next_sync = 0.0
        self._seen_pointer: tuple | None = None
        self._syncing = False
        self.loaded_at: float | None = monotonic() if model is not None else None

    def _make(self, model: StanceModel) -> Scorer:
        return Scorer(model, limits=self.limits, resamples=self.resamples)

    @property
    def loaded(self) -> bool:
        return self._scorer is not None

    @property
    def info(self) -> dict | None:
        """Name and version of the loaded model, without loading one."""
        scorer = self._scorer
        return scorer.model.info if scorer is not None else None

    @property
    def scorer(self) -> Scorer:
        """The current scorer, loading the registry's current model on first use."""
        scorer = self._scorer
        if scorer is None:
            with self._load_lock:
                if self._scorer is None:
                    self._scorer = self._make(registry.load(root=self.root))
                    self.loaded_at = monotonic()
                scorer = self._scorer
        return scorer

    def load(self, name: str | None = None, version: str | None = None) -> tuple[dict | None, dict]:
        """Load a model (the registry's current one by default) and swap it in; (old info, new info).
        A model that fails to load raises ModelError and leaves the old one in place."""
        model = registry.load(name, version, root=self.root)
        new = self._make(model)
        with self._load_lock:
            old, self._scorer = self._scorer, new
            self.loaded_at = monotonic()
        return (old.model.info if old else None), new.model.info

    def reload(self) -> tuple[dict | None, dict]:
        """Load the registry's current model here and tell the other workers to follow."""
        old, new = self.load()
        self._publish(new)
        return old, new

    def _publish(self, info: dict) -> None:
        if self.runtime_dir is None:
            return
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        temporary = self.runtime_dir / f".{POINTER}.{os.getpid()}"
        temporary.write_text(json.dumps(info), encoding="utf-8")
        os.replace(temporary, self.runtime_dir / POINTER)

    def sync(self) -> None:
        """Follow a reload made by another worker (cheap; called on requests)."""
        if self.runtime_dir is None or self.sync_seconds <= 0 or self._syncing or monotonic() < self._next_sync:
            return
        if not self._sync_lock.acquire(blocking=False):
            return  # another thread of this worker is looking
        try:
            self._look()
        finally:
            self._sync_lock.release()

    def _look(self) -> None:
        self._next_sync = monotonic() + self.sync_seconds
        pointer = self.runtime_dir / POINTER
        try:
            stat = pointer.stat()
        except FileNotFoundError:
            return
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if key == self._seen_pointer:
            return
        try:
            wanted = json.loads(pointer.read_text(encoding="utf-8"))
            name, version = str(wanted["name"]), str(wanted["version"])
        except (OSError, ValueError, KeyError, TypeError):
            return  # being replaced; look again next time
        self._seen_pointer = key
        if self.info == {"name": name, "version": version}:
            return
        self._syncing = True
        threading.Thread(target=self._follow, args=(name, version), name="model-sync", daemon=True).start()

    def _follow(self, name: str, version: str) -> None:
        try:
            old, new = self.load(name, version)
            log.info("worker %d switched model %s -> %s", os.getpid(), old, new)
        except Exception:  # a worker keeps serving its model if the other one cannot load here
            log.exception("worker %d could not load model %s/%s", os.getpid(), name, version)
            self._seen_pointer = None
        finally:
            self._syncing = False
