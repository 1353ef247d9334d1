"""The model holder: atomic swaps, and workers following a reload made by another worker."""
from __future__ import annotations

import time

import pytest

from newsstance import Limits, ModelError
from service.holder import ModelHolder


def make_holder(root, runtime_dir=None, model=None, sync_seconds=0.01):
    return ModelHolder(root=str(root), limits=Limits(), resamples=50, runtime_dir=runtime_dir,
                       sync_seconds=sync_seconds, model=model)


def wait_for(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_lazy_load_and_atomic_swap(model_registry):
    holder = make_holder(model_registry.root)
    assert not holder.loaded and holder.info is None
    first = holder.scorer
    assert holder.info == {"name": "newsmtsc-baseline", "version": "1"}
    assert holder.scorer is first
    model_registry.set_current("candidate", "2")
    old, new = holder.load()
    assert old == {"name": "newsmtsc-baseline", "version": "1"} and new == {"name": "candidate", "version": "2"}
    assert holder.scorer is not first and first.model.info == old  # a request holding `first` keeps it


def test_a_failed_load_keeps_the_current_model(model_registry):
    holder = make_holder(model_registry.root)
    holder.scorer
    model_registry.set_current("nothing", "0")
    with pytest.raises(ModelError):
        holder.reload()
    assert holder.info == {"name": "newsmtsc-baseline", "version": "1"}


def test_other_workers_follow_a_reload(model_registry, model, tmp_path):
    """Two holders stand for two gunicorn workers sharing a runtime directory."""
    runtime = tmp_path / "run"
    reloading = make_holder(model_registry.root, runtime, model=model)
    other = make_holder(model_registry.root, runtime, model=model)
    other.sync()  # no pointer yet: nothing to do
    assert other.info == model.info
    model_registry.set_current("candidate", "2")
    reloading.reload()
    assert (runtime / "model.json").exists()
    time.sleep(0.02)
    other.sync()  # starts loading in the background; keeps serving the old model meanwhile
    assert wait_for(lambda: other.info == {"name": "candidate", "version": "2"})
    reloading.sync()  # the worker that reloaded has nothing to follow
    assert reloading.info == {"name": "candidate", "version": "2"}


def test_sync_is_off_without_a_runtime_dir(model_registry, model):
    holder = make_holder(model_registry.root, None, model=model)
    holder.sync()
    assert holder.info == model.info
