"""Service configuration: defaults, read from NEWSSTANCE_* environment variables, checked at start-up.

| variable | config key | default |
| --- | --- | --- |
| NEWSSTANCE_DATA_DIR | DATA_DIR | `var/` of the working directory |
| NEWSSTANCE_DATABASE_URL | DATABASE_URL | `sqlite:///<DATA_DIR>/newsstance.sqlite3` |
| NEWSSTANCE_MODELS | MODEL_ROOT | the library's registry folder (`models/` of the checkout) |
| NEWSSTANCE_RELOAD_TOKEN | RELOAD_TOKEN | unset: `POST /v1/model/reload` answers 403 |
| NEWSSTANCE_MAX_BODY_BYTES | MAX_BODY_BYTES | 2 MiB |
| NEWSSTANCE_MAX_TEXT_CHARS | MAX_TEXT_CHARS | 200,000 |
| NEWSSTANCE_MAX_PARAGRAPHS | MAX_PARAGRAPHS | 2,000 |
| NEWSSTANCE_MAX_BATCH_SIZE | MAX_BATCH_SIZE | 64 documents |
| NEWSSTANCE_MAX_JSON_DEPTH | MAX_JSON_DEPTH | 32 levels |
| NEWSSTANCE_MAX_STORED_COMPARE | MAX_STORED_COMPARE | 2,000 stored documents in one comparison (memory) |
| NEWSSTANCE_RESAMPLES | RESAMPLES | 1,000 bootstrap resamples |
| NEWSSTANCE_MICRO_BATCH | MICRO_BATCH | 8: concurrent single-document requests scored in one model call (1: off) |
| NEWSSTANCE_RUNTIME_DIR | RUNTIME_DIR | unset (set by `newsstance serve`: where workers agree on the model) |
| NEWSSTANCE_MODEL_SYNC_SECONDS | MODEL_SYNC_SECONDS | 1.0 |
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from newsstance import registry

PREFIX = "NEWSSTANCE_"


class ConfigError(ValueError):
    """A configuration value that cannot be used; raised at start-up, never during a request."""


class Config:
    """Production defaults; `from_env` overlays the environment."""

    TESTING = False
    DATA_DIR = "var"
    DATABASE_URL: str | None = None
    MODEL_ROOT: str | None = None
    MODEL_PRELOAD = True
    RELOAD_TOKEN: str | None = None
    MAX_BODY_BYTES = 2 * 1024 * 1024
    MAX_TEXT_CHARS = 200_000
    MAX_PARAGRAPHS = 2_000
    MAX_META_CHARS = 2_000
    MAX_BATCH_SIZE = 64
    MAX_JSON_DEPTH = 32
    MAX_STORED_COMPARE = 2_000
    RESAMPLES = 1_000
    MICRO_BATCH = 8
    RUNTIME_DIR: str | None = None
    MODEL_SYNC_SECONDS = 1.0

    # name -> (environment variable, type)
    ENV = {
        "DATA_DIR": ("DATA_DIR", str),
        "DATABASE_URL": ("DATABASE_URL", str),
        "MODEL_ROOT": ("MODELS", str),
        "RELOAD_TOKEN": ("RELOAD_TOKEN", str),
        "MAX_BODY_BYTES": ("MAX_BODY_BYTES", int),
        "MAX_TEXT_CHARS": ("MAX_TEXT_CHARS", int),
        "MAX_PARAGRAPHS": ("MAX_PARAGRAPHS", int),
        "MAX_BATCH_SIZE": ("MAX_BATCH_SIZE", int),
        "MAX_JSON_DEPTH": ("MAX_JSON_DEPTH", int),
        "MAX_STORED_COMPARE": ("MAX_STORED_COMPARE", int),
        "RESAMPLES": ("RESAMPLES", int),
        "MICRO_BATCH": ("MICRO_BATCH", int),
        "RUNTIME_DIR": ("RUNTIME_DIR", str),
        "MODEL_SYNC_SECONDS": ("MODEL_SYNC_SECONDS", float),
    }

    @classmethod
    def defaults(cls) -> dict:
        return {key: getattr(cls, key) for key in dir(cls) if key.isupper() and key != "ENV"}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> dict:
        """The defaults of this class overlaid by the NEWSSTANCE_* variables that are set."""
        environ = os.environ if environ is None else environ
        values = cls.defaults()
        for key, (suffix, kind) in cls.ENV.items():
            raw = environ.get(PREFIX + suffix)
            if raw is None or raw == "":
                continue
            try:
                values[key] = kind(raw)
            except ValueError:
                raise ConfigError(f"{PREFIX}{suffix}={raw!r} is not a valid {kind.__name__}") from None
        return values


class TestingConfig(Config):
    """For tests: no environment, the model loaded on first use (or injected as MODEL), small limits."""

    TESTING = True
    MODEL_PRELOAD = False
    RESAMPLES = 200
    MAX_TEXT_CHARS = 20_000
    MAX_PARAGRAPHS = 200
    MAX_BATCH_SIZE = 8
    MAX_BODY_BYTES = 256 * 1024
    MODEL_SYNC_SECONDS = 0.0

    @classmethod
    def from_env(cls, environ=None) -> dict:
        return cls.defaults()


POSITIVE = ("MAX_BODY_BYTES", "MAX_TEXT_CHARS", "MAX_PARAGRAPHS", "MAX_META_CHARS", "MAX_BATCH_SIZE",
            "MAX_JSON_DEPTH", "MAX_STORED_COMPARE", "RESAMPLES", "MICRO_BATCH")


def finish(config: dict) -> dict:
    """Check the values and fill in the derived ones (the database URL, the model root)."""
    for key in POSITIVE:
        value = config.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{key} must be a positive integer, not {value!r}")
    data_dir = Path(config["DATA_DIR"]).expanduser().resolve()
    config["DATA_DIR"] = str(data_dir)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{data_dir / 'newsstance.sqlite3'}"
    config["MODEL_ROOT"] = str(Path(config["MODEL_ROOT"]).expanduser() if config.get("MODEL_ROOT")
                               else registry.default_root())
    # Flask refuses larger bodies itself (before reading them) with this key.
    config["MAX_CONTENT_LENGTH"] = config["MAX_BODY_BYTES"]
    return config
