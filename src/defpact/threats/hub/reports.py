"""Cyber incident and disinformation campaign reports, checked and turned into STIX 2.1 objects.

A report is what an analyst fills in; :func:`build_incident` and :func:`build_campaign` turn it
into the STIX objects the hub stores and shares, every one of them carrying the report's marking
(the TLP 2.0 marking definition and the defpact marking definition of its classification and
releasability), so that nothing in the report is more widely visible than the report itself.

Incident: an ``incident`` (STIX 2.1 defines only its name and description; type, dates, affected
nations and sectors travel as ``x_defpact_*`` properties), the observables as SCOs grouped by one
``observed-data``, one ``indicator`` per observable (when asked), ``based-on`` relationships from
each indicator to the observed data and ``related-to`` relationships to the incident.

Campaign: a ``campaign`` (name, description, objective, first/last seen; narratives, channels,
languages and affected nations as ``x_defpact_*`` properties), ``uses`` relationships to the
DISARM ``attack-pattern`` objects the node serves, the accounts as ``user-account`` SCOs under one
``observed-data`` ``related-to`` the campaign, and every example post as a ``note`` about it.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from defpact.core.marking import TLP, Marking
from defpact.threats.stix.marking import (
    TLP2_MARKING_IDS,
    DefpactMarking,
    defpact_marking_definition,
    defpact_marking_id,
)

__all__ = [
    "INCIDENT_TYPES",
    "OBSERVABLE_KINDS",
    "CampaignReport",
    "ExamplePost",
    "IncidentReport",
    "Observable",
    "ReportError",
    "SocialAccount",
    "build_campaign",
    "build_incident",
    "check_campaign",
    "check_incident",
    "guess_kind",
    "parse_observable_lines",
    "indicator_pattern",
    "stix_timestamp",
]

INCIDENT_TYPES = (
    "phishing", "malware", "ransomware", "intrusion", "denial-of-service", "defacement",
    "data-breach", "espionage", "sabotage", "other",
)  # fmt: skip
OBSERVABLE_KINDS = (
    "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "md5", "sha1", "sha256",
)  # fmt: skip
_HASH_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64}
_HASH_NAME = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)(?!-)([a-z0-9_-]{1,63}\.)+[a-z][a-z0-9-]{0,62}$", re.IGNORECASE
)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}$")
_URL = re.compile(r"^(https?|ftp)://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_HEX = re.compile(r"^[0-9a-f]+$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,8})?$")
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
_SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX 2.1, section 2.9
MAX_OBSERVABLES = 500
MAX_POSTS = 100
MAX_ACCOUNTS = 500


class ReportError(ValueError):
    """A report field is invalid; ``field`` names it (dotted, with an index for list items)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True, slots=True)
class Observable:
    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class IncidentReport:
    title: str
    description: str
    incident_type: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    affected_nations: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    observables: tuple[Observable, ...] = ()
    make_indicators: bool = True


@dataclass(frozen=True, slots=True)
class ExamplePost:
    text: str
    platform: str = ""
    url: str = ""
    published_at: datetime | None = None
    language: str = ""


@dataclass(frozen=True, slots=True)
class SocialAccount:
    platform: str
    login: str


@dataclass(frozen=True, slots=True)
class CampaignReport:
    name: str
    description: str
    objective: str = ""
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    narratives: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    affected_nations: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()  # DISARM technique ids, e.g. T0049.003
    example_posts: tuple[ExamplePost, ...] = ()
    accounts: tuple[SocialAccount, ...] = field(default=())


def stix_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _text(value: str, name: str, *, limit: int, required: bool = True) -> str:
    text = value.strip()
    if required and not text:
        raise ReportError(name, "is required")
    if len(text) > limit:
        raise ReportError(name, f"is longer than {limit} characters")
    return text


def _dates(first: datetime | None, last: datetime | None) -> None:
    for name, value in (("first_seen", first), ("last_seen", last)):
        if value is not None and value.tzinfo is None:
            raise ReportError(name, "needs a time zone (e.g. 2026-11-20T10:00:00Z)")
    if first is not None and last is not None and last < first:
        raise ReportError("last_seen", "is earlier than first_seen")


def _nations(codes: Iterable[str], name: str, known: frozenset[str]) -> tuple[str, ...]:
    result: list[str] = []
    for i, raw in enumerate(codes):
        code = raw.strip().upper()
        if code not in known:
            raise ReportError(f"{name}[{i}]", f"{raw!r} is not a known nation code")
        if code not in result:
            result.append(code)
    return tuple(result)


def guess_kind(value: str) -> str:
    """The observable kind a bare value most likely is (for one-value-per-line forms)."""
    text = value.strip()
    try:
        net = ipaddress.ip_network(text, strict=False)
        return "ipv4-addr" if net.version == 4 else "ipv6-addr"
    except ValueError:
        pass
    if "://" in text:
        return "url"
    if "@" in text:
        return "email-addr"
    if _HEX.match(text.lower()):
        by_length = {v: k for k, v in _HASH_LENGTH.items()}
        if len(text) in by_length:
            return by_length[len(text)]
    return "domain-name"


def parse_observable_lines(text: str) -> tuple[Observable, ...]:
    """``kind value`` or a bare value per line (kind guessed); blank lines and ``#`` skipped."""
    result: list[Observable] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(" ")
        if head.rstrip(":").lower() in OBSERVABLE_KINDS and rest.strip():
            result.append(Observable(head.rstrip(":").lower(), rest.strip()))
        else:
            result.append(Observable(guess_kind(line), line))
    return tuple(result)


def normalise_observable(obs: Observable, index: int) -> Observable:
    """The canonical form of an observable, or :class:`ReportError` naming it."""
    name = f"observables[{index}]"
    kind, value = obs.kind.strip().lower(), obs.value.strip()
    if kind not in OBSERVABLE_KINDS:
        raise ReportError(f"{name}.kind", f"must be one of {', '.join(OBSERVABLE_KINDS)}")
    if not value:
        raise ReportError(f"{name}.value", "is required")
    if kind in ("ipv4-addr", "ipv6-addr"):
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ReportError(f"{name}.value", f"{value!r} is not an IP address or CIDR") from None
        if (net.version == 4) != (kind == "ipv4-addr"):
            raise ReportError(f"{name}.value", f"{value!r} is not an {kind} value")
        text = str(net.network_address) if net.num_addresses == 1 else str(net)
        return Observable(kind, text)
    if kind == "domain-name":
        host = value.rstrip(".").lower()
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ReportError(f"{name}.value", f"{value!r} is not a domain name") from None
        if not _DOMAIN.match(host):
            raise ReportError(f"{name}.value", f"{value!r} is not a domain name")
        return Observable(kind, host)
    if kind == "url":
        if not _URL.match(value) or len(value) > 2048:
            raise ReportError(f"{name}.value", f"{value!r} is not an http(s) or ftp URL")
        return Observable(kind, value)
    if kind == "email-addr":
        if not _EMAIL.match(value):
            raise ReportError(f"{name}.value", f"{value!r} is not an e-mail address")
        local, _, domain = value.partition("@")
        return Observable(kind, f"{local}@{domain.lower()}")
    digest = value.lower()
    if len(digest) != _HASH_LENGTH[kind] or not _HEX.match(digest):
        raise ReportError(
            f"{name}.value", f"a {kind} hash is {_HASH_LENGTH[kind]} hexadecimal digits"
        )
    return Observable(kind, digest)


def check_incident(report: IncidentReport, known_nations: frozenset[str]) -> IncidentReport:
    """The report with normalised values; :class:`ReportError` naming the first bad field."""
    if report.incident_type not in INCIDENT_TYPES:
        raise ReportError("incident_type", f"must be one of {', '.join(INCIDENT_TYPES)}")
    _dates(report.first_seen, report.last_seen)
    if len(report.observables) > MAX_OBSERVABLES:
        raise ReportError("observables", f"at most {MAX_OBSERVABLES} per report")
    observables: list[Observable] = []
    for i, obs in enumerate(report.observables):
        clean = normalise_observable(obs, i)
        if clean not in observables:
            observables.append(clean)
    return IncidentReport(
        _text(report.title, "title", limit=200),
        _text(report.description, "description", limit=20_000),
        report.incident_type,
        report.first_seen,
        report.last_seen,
        _nations(report.affected_nations, "affected_nations", known_nations),
        tuple(s for s in (_text(x, "sectors", limit=80) for x in report.sectors) if s),
        tuple(observables),
        report.make_indicators,
    )


def check_campaign(
    report: CampaignReport, known_nations: frozenset[str], techniques: Mapping[str, str]
) -> CampaignReport:
    """As :func:`check_incident`; ``techniques`` maps known DISARM ids to their STIX ids."""
    _dates(report.first_seen, report.last_seen)
    for i, lang in enumerate(report.languages):
        if not _LANG.match(lang.strip()):
            raise ReportError(f"languages[{i}]", f"{lang!r} is not a language tag such as sr-Latn")
    chosen: list[str] = []
    for i, technique in enumerate(report.techniques):
        ext = technique.strip().upper()
        if not _TECHNIQUE.match(ext):
            raise ReportError(f"techniques[{i}]", f"{technique!r} is not a DISARM id like T0049")
        if ext not in techniques:
            raise ReportError(
                f"techniques[{i}]",
                f"{ext} is not in the imported DISARM framework "
                "(run: defpact threats disarm import)",
            )
        if ext not in chosen:
            chosen.append(ext)
    if len(report.example_posts) > MAX_POSTS:
        raise ReportError("example_posts", f"at most {MAX_POSTS} per report")
    if len(report.accounts) > MAX_ACCOUNTS:
        raise ReportError("accounts", f"at most {MAX_ACCOUNTS} per report")
    posts = []
    for i, post in enumerate(report.example_posts):
        if post.published_at is not None and post.published_at.tzinfo is None:
            raise ReportError(f"example_posts[{i}].published_at", "needs a time zone")
        if post.url and not _URL.match(post.url):
            raise ReportError(f"example_posts[{i}].url", f"{post.url!r} is not a URL")
        posts.append(
            ExamplePost(
                _text(post.text, f"example_posts[{i}].text", limit=10_000),
                post.platform.strip()[:80], post.url.strip(), post.published_at,
                post.language.strip(),
            )
        )  # fmt: skip
    accounts: list[SocialAccount] = []
    for i, acc in enumerate(report.accounts):
        clean = SocialAccount(
            _text(acc.platform, f"accounts[{i}].platform", limit=80).lower(),
            _text(acc.login, f"accounts[{i}].login", limit=200),
        )
        if clean not in accounts:
            accounts.append(clean)

    def _list(values: Sequence[str], name: str) -> tuple[str, ...]:
        return tuple(v for v in (_text(x, name, limit=500, required=False) for x in values) if v)

    return CampaignReport(
        _text(report.name, "name", limit=200),
        _text(report.description, "description", limit=20_000),
        _text(report.objective, "objective", limit=2000, required=False),
        report.first_seen,
        report.last_seen,
        _list(report.narratives, "narratives"),
        _list(report.channels, "channels"),
        tuple(x.strip() for x in report.languages),
        _nations(report.affected_nations, "affected_nations", known_nations),
        tuple(chosen),
        tuple(posts),
        tuple(accounts),
    )


# --- building STIX -----------------------------------------------------------------------------


def _marking_refs(marking: Marking) -> tuple[list[str], dict[str, Any]]:
    definition = defpact_marking_definition(
        DefpactMarking(marking.classification, marking.releasable_to)
    )
    refs = [TLP2_MARKING_IDS[TLP(marking.tlp)], defpact_marking_id(
        DefpactMarking(marking.classification, marking.releasable_to)
    )]  # fmt: skip
    return refs, definition


def _sdo(kind: str, stamp: str, refs: list[str], **props: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": kind, "spec_version": "2.1", "id": f"{kind}--{uuid.uuid4()}",
        "created": stamp, "modified": stamp,
    }  # fmt: skip
    obj.update({k: v for k, v in props.items() if v not in (None, "", [], ())})
    obj["object_marking_refs"] = list(refs)
    return obj


def _sco_id(kind: str, contributing: Mapping[str, Any]) -> str:
    """The deterministic SCO id of STIX 2.1 section 2.9 (UUIDv5 of the canonical JSON)."""
    import json

    canonical = json.dumps(contributing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{kind}--{uuid.uuid5(_SCO_NAMESPACE, canonical)}"


def _sco_key(body: Mapping[str, Any], refs: list[str]) -> dict[str, Any]:
    """Deterministic per value *and marking*: the same value reported under two markings is two
    objects, each visible exactly as far as its own marking allows."""
    return {**body, "x_defpact_marking": sorted(refs)}


def _sco(obs: Observable, refs: list[str]) -> dict[str, Any]:
    if obs.kind in _HASH_NAME:
        hashes = {_HASH_NAME[obs.kind]: obs.value}
        body: dict[str, Any] = {"hashes": hashes}
        kind = "file"
    else:
        body = {"value": obs.value}
        kind = obs.kind
    return {
        "type": kind, "spec_version": "2.1", "id": _sco_id(kind, _sco_key(body, refs)), **body,
        "object_marking_refs": list(refs),
    }  # fmt: skip


def indicator_pattern(obs: Observable) -> str:
    value = obs.value.replace("\\", "\\\\").replace("'", "\\'")
    if obs.kind in _HASH_NAME:
        return f"[file:hashes.'{_HASH_NAME[obs.kind]}' = '{value}']"
    return f"[{obs.kind}:value = '{value}']"


def _relationship(
    kind: str, source: str, target: str, stamp: str, refs: list[str]
) -> dict[str, Any]:
    return _sdo("relationship", stamp, refs, relationship_type=kind, source_ref=source,
                target_ref=target)  # fmt: skip


def build_incident(report: IncidentReport, marking: Marking, now: datetime) -> list[dict[str, Any]]:
    """The STIX objects of a checked incident report; the ``incident`` is the second object."""
    stamp = stix_timestamp(now)
    refs, definition = _marking_refs(marking)
    incident = _sdo(
        "incident", stamp, refs,
        name=report.title, description=report.description,
        x_defpact_incident_type=report.incident_type,
        x_defpact_first_seen=stix_timestamp(report.first_seen) if report.first_seen else None,
        x_defpact_last_seen=stix_timestamp(report.last_seen) if report.last_seen else None,
        x_defpact_affected_nations=list(report.affected_nations),
        x_defpact_sectors=list(report.sectors),
    )  # fmt: skip
    objects: list[dict[str, Any]] = [definition, incident]
    if not report.observables:
        return objects
    scos = [_sco(obs, refs) for obs in report.observables]
    seen_first = stix_timestamp(report.first_seen or now)
    seen_last = stix_timestamp(report.last_seen or report.first_seen or now)
    observed = _sdo(
        "observed-data", stamp, refs, first_observed=seen_first, last_observed=seen_last,
        number_observed=1, object_refs=[s["id"] for s in scos],
    )  # fmt: skip
    objects += [*scos, observed, _relationship("related-to", observed["id"], incident["id"],
                                               stamp, refs)]  # fmt: skip
    if report.make_indicators:
        for obs in report.observables:
            indicator = _sdo(
                "indicator", stamp, refs,
                name=f"{obs.kind} {obs.value} ({report.title})"[:250],
                indicator_types=["malicious-activity"],
                pattern=indicator_pattern(obs), pattern_type="stix", pattern_version="2.1",
                valid_from=stamp,
            )  # fmt: skip
            objects += [
                indicator,
                _relationship("based-on", indicator["id"], observed["id"], stamp, refs),
                _relationship("related-to", indicator["id"], incident["id"], stamp, refs),
            ]
    return objects


def build_campaign(
    report: CampaignReport, marking: Marking, now: datetime, techniques: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The STIX objects of a checked campaign report; the ``campaign`` is the second object.
    ``techniques`` maps DISARM ids to the STIX ids of the served ``attack-pattern`` objects."""
    stamp = stix_timestamp(now)
    refs, definition = _marking_refs(marking)
    campaign = _sdo(
        "campaign", stamp, refs,
        name=report.name, description=report.description, objective=report.objective,
        first_seen=stix_timestamp(report.first_seen) if report.first_seen else None,
        last_seen=stix_timestamp(report.last_seen) if report.last_seen else None,
        x_defpact_narratives=list(report.narratives), x_defpact_channels=list(report.channels),
        x_defpact_languages=list(report.languages),
        x_defpact_affected_nations=list(report.affected_nations),
        x_defpact_disarm_techniques=list(report.techniques),
    )  # fmt: skip
    objects: list[dict[str, Any]] = [definition, campaign]
    for ext in report.techniques:
        objects.append(_relationship("uses", campaign["id"], techniques[ext], stamp, refs))
    if report.accounts:
        accounts = []
        for acc in report.accounts:
            body = {"account_type": acc.platform, "account_login": acc.login}
            accounts.append({
                "type": "user-account", "spec_version": "2.1",
                "id": _sco_id("user-account", _sco_key(body, refs)), **body,
                "object_marking_refs": list(refs),
            })  # fmt: skip
        observed = _sdo(
            "observed-data", stamp, refs,
            first_observed=stix_timestamp(report.first_seen or now),
            last_observed=stix_timestamp(report.last_seen or report.first_seen or now),
            number_observed=1, object_refs=[a["id"] for a in accounts],
        )  # fmt: skip
        link = _relationship("related-to", observed["id"], campaign["id"], stamp, refs)
        objects += [*accounts, observed, link]
    for post in report.example_posts:
        where = f" on {post.platform}" if post.platform else ""
        when = f" at {stix_timestamp(post.published_at)}" if post.published_at else ""
        content = post.text + (f"\n\n{post.url}" if post.url else "")
        objects.append(
            _sdo(
                "note", stamp, refs, abstract=f"Example post{where}{when}"[:250],
                content=content, object_refs=[campaign["id"]],
                x_defpact_post_url=post.url or None, x_defpact_language=post.language or None,
            )
        )  # fmt: skip
    return objects
