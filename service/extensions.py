"""The service's state, wired into an app with `init_app`: the model holder and the storage, plus the
request hooks that every response goes through (body checks, model sync, metrics, model headers)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g

from newsstance import Limits

from . import metrics
from .batcher import MicroBatcher
from .bodies import check_json_body
from .holder import ModelHolder
from .storage import Storage, open_storage

UNLOADED = "none"


@dataclass
class ServiceState:
    holder: ModelHolder
    storage: Storage
    batcher: MicroBatcher

    @property
    def scorer(self):
        """The scorer for this request: taken once, kept to the end of the request (a reload meanwhile
        does not change it), and named in the response's model headers."""
        if "scorer" not in g:
            g.scorer = self.holder.scorer
        return g.scorer


class Newsstance:
    """Flask extension: `Newsstance().init_app(app)`; the state is `state()` inside a request."""

    def init_app(self, app) -> ServiceState:
        config = app.config
        holder = ModelHolder(
            root=config["MODEL_ROOT"],
            limits=Limits(max_text_chars=config["MAX_TEXT_CHARS"], max_paragraphs=config["MAX_PARAGRAPHS"],
                          max_meta_chars=config["MAX_META_CHARS"]),
            resamples=config["RESAMPLES"], runtime_dir=config.get("RUNTIME_DIR"),
            sync_seconds=config["MODEL_SYNC_SECONDS"], model=config.get("MODEL"))
        if config["MODEL_PRELOAD"]:
            holder.scorer  # fail at start-up, not on the first request, if the model cannot load
        state = ServiceState(holder=holder, storage=open_storage(config["DATABASE_URL"]),
                             batcher=MicroBatcher(config["MICRO_BATCH"]))
        app.extensions["newsstance"] = state
        app.before_request(metrics.start_timer)
        app.before_request(holder.sync)
        app.before_request(check_json_body)
        app.after_request(self._after)
        return state

    @staticmethod
    def _after(response):
        scorer = g.get("scorer")
        info = scorer.model.info if scorer is not None else state().holder.info
        response.headers["X-Model-Version"] = info["version"] if info else UNLOADED
        response.headers["X-Model-Name"] = info["name"] if info else UNLOADED
        metrics.report_model(info)
        return metrics.observe(response)


def state() -> ServiceState:
    return current_app.extensions["newsstance"]
