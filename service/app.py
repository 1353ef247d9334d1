"""The app factory.

Why APIFlask: it is Flask (blueprints, `init_app` extensions, the test client, gunicorn) and it builds
/openapi.json and /docs from the same marshmallow schemas that validate requests, so the contract cannot
drift from the code, and schemathesis can test the service against it. Flask + pydantic would need a
hand-written spec generator and docs page for the same result."""
from __future__ import annotations

from apiflask import APIFlask
from flask import Blueprint, send_from_directory

from newsstance import __version__

from . import problems
from .config import Config, TestingConfig, finish
from .extensions import Newsstance
from .openapi import finish_spec
from .routes import api, ops

DESCRIPTION = """Stance (favor / against / neutral) and VADER sentiment of news paragraphs toward Russia,
the United States and Vietnam's neutrality, or toward targets a request defines; document scores with
bootstrap intervals; outlet comparison; stored documents. Every response carries the model version in
`X-Model-Version`; every error is RFC 9457 `application/problem+json`."""


def _docs_assets(app) -> None:
    """Serve Swagger UI from the installed swagger-ui-bundle, so /docs needs no network."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # fall back to APIFlask's CDN links
        return
    assets = Blueprint("docs_assets", __name__)

    @assets.get("/docs/assets/<path:filename>")
    def asset(filename):
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    app.register_blueprint(assets)
    app.config.update(SWAGGER_UI_CSS="/docs/assets/swagger-ui.css",
                      SWAGGER_UI_BUNDLE_JS="/docs/assets/swagger-ui-bundle.js",
                      SWAGGER_UI_STANDALONE_PRESET_JS="/docs/assets/swagger-ui-standalone-preset.js",
                      DOCS_FAVICON="/docs/assets/favicon-32x32.png")


def create_app(test_config: dict | None = None) -> APIFlask:
    """The newsstance HTTP service. Configuration comes from NEWSSTANCE_* variables (see service.config);
    `test_config` switches to the testing defaults and overrides them (it may carry MODEL, a loaded
    StanceModel, to share one model between tests)."""
    app = APIFlask("newsstance", title="newsstance", version=__version__, docs_path="/docs",
                   spec_path="/openapi.json")
    settings = TestingConfig.from_env() if test_config is not None else Config.from_env()
    settings.update(test_config or {})
    app.config.update(finish(settings))
    app.config.update(
        OPENAPI_VERSION="3.0.3",  # Swagger UI 4 (bundled) renders 3.0
        DESCRIPTION=DESCRIPTION,
        AUTO_404_RESPONSE=False, AUTO_VALIDATION_ERROR_RESPONSE=False, AUTO_AUTH_ERROR_RESPONSE=False,
        AUTO_OPERATION_ID=True,
        JSON_SPEC_MIMETYPE="application/json",
    )
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    problems.register(app)
    Newsstance().init_app(app)
    app.register_blueprint(api)
    app.register_blueprint(ops)
    _docs_assets(app)
    app.spec_processor(lambda spec: finish_spec(spec, app.config))
    return app
