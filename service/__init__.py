"""newsstance HTTP service: `create_app()` builds the Flask (APIFlask) app; `newsstance serve` runs it
under gunicorn. See service/app.py for the factory and why APIFlask.

Importing this package stays light (the command line imports `service.cli` for every command): the app
and prometheus_client load on first use of `create_app`, after `serve` has set PROMETHEUS_MULTIPROC_DIR."""


def create_app(test_config: dict | None = None):
    """The service app; see `service.app.create_app`."""
    from .app import create_app as factory

    return factory(test_config)


__all__ = ["create_app"]
