"""Property-based contract test: schemathesis reads /openapi.json, generates requests (valid and invalid,
boundary values included), sends them to the app in-process (WSGI) and checks every answer against the
spec (status codes, content types, headers, response schemas) and that nothing is a 5xx.

It runs schemathesis' own engine (the phases of `schemathesis run`: examples, coverage, fuzzing) rather
than its pytest plugin, whose fixture-based loader does not work with pytest 9. Fixed seed, deterministic
generation, a bounded number of examples per operation."""
from __future__ import annotations

import schemathesis
from schemathesis.engine import Status, from_schema
from schemathesis.engine import events

# A schema cannot say everything the service checks (a span must lie inside the text, target names must
# not repeat, ...), so a schema-valid request may rightly get a 422: `positive_data_acceptance` is off.
# 413 joins the statuses that reject invalid data (a text over max_text_chars is refused with 413).
CONFIG = {
    "seed": 20240619,
    "generation": {"mode": "all", "max-examples": 25, "deterministic": True, "database": "none"},
    "checks": {
        "positive_data_acceptance": {"enabled": False},
        "negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 405, 409, 413, 415, 422]},
    },
    "phases": {"stateful": {"enabled": False}},
}


def _describe(event) -> list[str]:
    found = []
    for case_id, checks in event.recorder.checks.items():
        for check in checks:
            if check.status != Status.SUCCESS and check.failure_info is not None:
                case = event.recorder.cases[case_id].value
                found.append(f"{event.label}: {check.name}: {check.failure_info.failure.title} "
                             f"{getattr(check.failure_info.failure, 'message', '')}\n  {case.method} {case.formatted_path}"
                             f" query={case.query} body={str(case.body)[:300]}")
    return found or [f"{event.label}: {event.status}"]


def test_openapi_contract(app):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=schemathesis.Config.from_dict(CONFIG))
    problems, operations = [], set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.label)
            if event.status in (Status.FAILURE, Status.ERROR):
                problems += _describe(event)
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            problems.append(f"{getattr(event, 'label', 'engine')}: {event.info.message if hasattr(event, 'info') else event}")
    assert len(operations) == 14, operations
    assert not problems, "\n".join(dict.fromkeys(problems))
