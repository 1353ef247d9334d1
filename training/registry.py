"""Write models into the registry atomically and move the `current` pointer."""
from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from datetime import datetime, timezone
from importlib.metadata import version as package_version
from pathlib import Path

import skops.io

from newsstance import registry

LIBRARIES = ("scikit-learn", "skops", "numpy", "scipy", "vaderSentiment", "newsstance")


def library_versions() -> dict:
    """Versions of the libraries a model depends on, recorded in its metadata."""
    versions = {name: package_version(name) for name in LIBRARIES}
    versions["python"] = platform.python_version()
    return versions


def _write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON to a temporary file beside `path`, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(pipeline, name: str, version: str, metadata: dict, root: str | Path | None = None,
         make_current: bool = False) -> Path:
    """Save a fitted pipeline and its metadata as `<root>/<name>/<version>/`, all or nothing."""
    root = Path(root) if root else registry.default_root()
    final = root / name / version
    if final.exists():
        raise FileExistsError(f"model {name}/{version} already exists under {root}")
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{version}."))
    try:
        skops.io.dump(pipeline, staging / registry.MODEL_FILE, compression=8)
        metadata = {**metadata, "name": name, "version": version, "libraries": library_versions(),
                    "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        _write_json_atomic(staging / registry.METADATA_FILE, metadata)
        registry.load_file(staging / registry.MODEL_FILE)  # refuse to register what we could not load
        staging.chmod(0o755)  # mkdtemp/mkstemp make owner-only files; a model is read by services too
        for path in staging.iterdir():
            path.chmod(0o644)
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if make_current:
        set_current(name, version, root)
    return final


def set_current(name: str, version: str, root: str | Path | None = None) -> None:
    """Point `current.json` at a registered model."""
    root = Path(root) if root else registry.default_root()
    if not (root / name / version / registry.METADATA_FILE).exists():
        raise FileNotFoundError(f"model {name}/{version} is not registered under {root}")
    _write_json_atomic(root / registry.CURRENT_FILE, {"name": name, "version": version})
