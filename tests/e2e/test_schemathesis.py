"""schemathesis against the app's OpenAPI, in process (ASGI), every check, a fixed seed.

Identities: the demo analysts of XK, AL and HR (HTTP Basic, demo password), listed in a Web
Fuzzing Commons auth document as *peers*, so that ``object_level_authorization`` replays each
identity's reads of its own objects as the two other nations and fails on any leak; operations
an identity may not call escalate to the next one (and to no credentials at all). Every check
of the installed version runs (``not_a_server_error``, status code, content type, headers and
response schema conformance, positive and negative data, ``use_after_free``,
``ensure_resource_availability``, ``ignored_auth``, ``object_level_authorization``,
``unsupported_method``, ``allow_header_conformance``, ``missing_required_header``) in every
phase (examples, coverage, fuzzing, stateful), and any server exception fails the run.

One configuration choice, explained in docs/security.md: ``positive_data_acceptance`` also
accepts 422, because the API documents 422 for input JSON Schema cannot judge (membership at
the time of the request, the caller's clearance, cross-field rules such as
``index < tree_size``). The login throttle is raised in this node so that probes with invalid
credentials cannot lock out the identities under test.

Each area of the API is its own test case, so a failure names the context that owns it;
``other`` covers paths no listed area matches (contexts added later).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis import engine
from schemathesis.engine import events

from defpact.app import create_app
from defpact.core.config import Settings
from defpact.core.runtime import Node
from defpact.core.seed import seed_demo, seed_reference
from defpact.threats.stix.service import seed_threats
from support import DEMO_PASSWORD

SEED = 20250318
PEERS = ("xk.analyst", "al.analyst", "hr.analyst")
AREAS = {
    "core": r"^/api/(health|nations|members|users|tokens)(/|$)",
    "audit": r"^/api/audit/",
    "intel": r"^/api/intel/",
    "governance": r"^/api/governance/",
    "procurement": r"^/api/procurement/",
    "threats": r"^/api/threats/",
    "training": r"^/api/training/",
    "disinfo": r"^/api/disinfo/",
    "federation": r"^/api/federation/",
    "taxii": r"^/taxii2(/|$)",
}
_POSITIVE_OK = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]


@dataclass(frozen=True)
class Budget:
    """How much each area generates: examples per operation (fuzzing) and stateful steps."""

    max_examples: int
    max_steps: int


FULL = Budget(max_examples=4, max_steps=15)  # `make slow`
QUICK = Budget(max_examples=1, max_steps=5)  # `make test` (CI)

pytestmark = [
    # Hypothesis's own cost warning about printing a huge generated example, not an app problem
    # (schemathesis silences it in its stateful phase only).
    pytest.mark.filterwarnings(
        "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
    ),
]


@pytest.fixture
def api_node(tmp_path: Path, sqlite_template: Path) -> Any:
    """A SQLite node as ``defpact init`` and ``defpact demo`` leave it (the founding pact, the
    demo users, the TAXII collections); no fsync (speed only)."""
    db = tmp_path / "defpact.db"
    shutil.copyfile(sqlite_template, db)
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{db}",
        sqlite_synchronous="OFF",
        login_max_failures_account=10**6,
        login_max_failures_address=10**6,
    )
    node = Node.from_settings(settings)
    seed_reference(node.uow())
    seed_demo(node.uow())
    seed_threats(node.uow())
    yield node
    node.dispose()


def _auth_document(path: Path) -> Path:
    def basic(user: str) -> str:
        return "Basic " + base64.b64encode(f"{user}:{DEMO_PASSWORD}".encode()).decode()

    doc = {
        "auth": [
            {"name": user, "fixedHeaders": [{"name": "Authorization", "value": basic(user)}]}
            for user in PEERS
        ]
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _config(auth_document: Path, budget: Budget) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},
            "generation": {"max-examples": budget.max_examples, "database": "none"},
            "phases": {"stateful": {"max-steps": budget.max_steps}},
            "checks": {"positive_data_acceptance": {"expected-statuses": _POSITIVE_OK}},
            "auth": {"wfc": {"path": str(auth_document), "peers": list(PEERS)}},
        }
    )


@dataclass
class Outcome:
    cases: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)  # check name -> times it ran


def _run(schema: Any) -> Outcome:
    outcome = Outcome()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            _record(outcome, event.recorder)
        elif isinstance(event, events.NonFatalError):
            outcome.failures.append(f"{event.label}: error {event.info.title}: {event.value}")
        elif isinstance(event, events.FatalError):
            outcome.failures.append(f"fatal: {event.exception}")
        elif isinstance(event, events.EngineFinished):
            outcome.failures.extend(f"after run: {f.title}" for f in event.failures)
    return outcome


def _record(outcome: Outcome, recorder: Any) -> None:
    outcome.cases += len(recorder.cases)
    for interaction in recorder.interactions.values():
        outcome.requests += 1
        if interaction.response is not None:
            code = interaction.response.status_code
            outcome.statuses[code] = outcome.statuses.get(code, 0) + 1
    for checks in recorder.checks.values():
        for check in checks:
            outcome.checks[check.name] = outcome.checks.get(check.name, 0) + 1
            if check.failure_info is not None:
                failure = check.failure_info.failure
                outcome.failures.append(
                    f"{recorder.label} [{check.name}] {failure.title}: {failure.message}\n"
                    f"    {check.failure_info.code_sample}"
                )


def _select(schema: Any, area: str) -> Any:
    if area != "other":
        return schema.include(path_regex=AREAS[area])
    return schema.exclude(path_regex="|".join(f"(?:{p})" for p in AREAS.values()))


@pytest.mark.slow
@pytest.mark.parametrize("area", [*AREAS, "other"])
def test_api_conforms_to_its_openapi_full(area: str, api_node: Node, tmp_path: Path) -> None:
    """The full run (``make slow``): every phase, 4 examples per operation, 15 stateful steps."""
    _conforms(area, api_node, tmp_path, FULL)


@pytest.mark.parametrize("area", [*AREAS, "other"])
def test_api_conforms_to_its_openapi_quick(area: str, api_node: Node, tmp_path: Path) -> None:
    """The bounded run in ``make test``: the same checks, phases, identities and seed, one
    generated example per operation and 5 stateful steps."""
    _conforms(area, api_node, tmp_path, QUICK)


def _conforms(area: str, api_node: Node, tmp_path: Path, budget: Budget) -> None:
    app = create_app(node=api_node)
    paths = [p for p in app.openapi()["paths"] if _in_area(p, area)]
    if not paths:
        pytest.skip(f"no API path in area {area!r}")
    config = _config(_auth_document(tmp_path / "identities.json"), budget)
    schema = _select(schemathesis.openapi.from_asgi("/api/openapi.json", app, config=config), area)
    outcome = _run(schema)
    summary = (
        f"schemathesis {schemathesis.__version__} {area} ({budget}): {len(paths)} paths, "
        f"{outcome.cases} cases, {outcome.requests} requests, statuses "
        f"{dict(sorted(outcome.statuses.items()))}, {len(outcome.failures)} failures; "
        f"checks run: {dict(sorted(outcome.checks.items()))}"
    )
    sys.stdout.write(summary + "\n")  # shown with -rP or -s
    assert outcome.cases > 0, summary
    unique = list(dict.fromkeys(outcome.failures))
    assert not unique, summary + "\n" + "\n".join(unique[:20])


def _in_area(path: str, area: str) -> bool:
    if area != "other":
        return re.search(AREAS[area], path) is not None
    return not any(re.search(p, path) for p in AREAS.values())
