"""Errors the library raises for bad input, limits and missing models."""
from __future__ import annotations


class NewsstanceError(Exception):
    """Base of every error newsstance raises on purpose."""

    title = "Newsstance error"

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def to_dict(self) -> dict:
        """The error as a JSON-ready record (an error line or a problem+json body's core)."""
        return {"type": type(self).__name__, "title": self.title, "detail": self.detail, **self.extra}


class InputError(NewsstanceError, ValueError):
    """A document or request that cannot be scored as given."""

    title = "Invalid input"


class UnknownTargetError(InputError):
    """A target name that is neither built in nor defined in the request."""

    title = "Unknown target"


class LimitError(InputError):
    """Input over a configured limit; says which limit and its value."""

    title = "Limit exceeded"

    def __init__(self, limit: str, value: int, actual: int | None = None, detail: str | None = None):
        detail = detail or f"{limit} is {value}" + (f"; got {actual}" if actual is not None else "")
        super().__init__(detail, limit=limit, value=value, **({"actual": actual} if actual is not None else {}))
        self.limit, self.value, self.actual = limit, value, actual


class ModelError(NewsstanceError):
    """A model that is missing, untrusted or made by an incompatible library version."""

    title = "Model unavailable"
