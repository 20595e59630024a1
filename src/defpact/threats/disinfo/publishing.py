"""From a detected group to STIX 2.1 campaign intelligence, and who it may be released to.

**Release rule.** A campaign is derived from the posts behind the group; it may be released
only where every batch those posts came from may go. For the chosen marking M and each source
batch B: M.classification ≥ B.classification, M's TLP is at least as restrictive as B's, and
every nation M releases to now (its named members, or all members for ``PACT``) may read B
(:func:`core.marking.can_read` at M's classification). ``PACT`` in M also needs ``PACT`` in B
(a nation joining later would otherwise read B's content through the campaign).

**Objects** (STIX 2.1, all carrying M as a defpact marking definition plus the TLP 2.0
marking): a ``campaign`` (name, description, first/last seen from the evidence), one
``user-account`` SCO per account (deterministic id from ``user_id`` and ``account_type``),
``related-to`` relationships campaign → account, up to ``examples`` ``note`` objects holding
example posts (text, links, time, platform) that refer to the campaign and the account, and
per DISARM technique an ``attack-pattern`` (external reference ``DISARM``/technique id) with a
``uses`` relationship from the campaign.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stix2

from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking, can_read, resolve_release
from defpact.threats.disinfo.records import DisarmTechnique, EvidencePost, GroupView
from defpact.threats.stix.marking import (
    TLP2_MARKING_IDS,
    DefpactMarking,
    defpact_marking_definition,
    defpact_marking_id,
)

__all__ = [
    "DISARM_ID",
    "CampaignDraft",
    "campaign_objects",
    "parse_disarm",
    "release_problem",
]

DISARM_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
_TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    name: str
    description: str
    disarm: tuple[DisarmTechnique, ...]
    marking: Marking
    examples: int = 10


def parse_disarm(lines: Sequence[str]) -> tuple[DisarmTechnique, ...]:
    """Techniques from ``"T0049 Flooding the information space"`` lines (id, then name);
    raises ValueError naming the bad line."""
    found: dict[str, DisarmTechnique] = {}
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        tid, _, name = line.partition(" ")
        tid = tid.strip().upper().rstrip(":")
        if not DISARM_ID.match(tid):
            raise ValueError(
                f"DISARM technique {line[:40]!r}: the id must look like T0049 or T0049.001"
            )
        name = name.strip(" :-–") or tid
        if len(name) > 200:
            raise ValueError(f"DISARM technique {tid}: the name is longer than 200 characters")
        found.setdefault(tid, DisarmTechnique(tid, name))
    if len(found) > 50:
        raise ValueError("at most 50 DISARM techniques per campaign")
    return tuple(found.values())


def release_problem(
    chosen: Marking, sources: Sequence[Marking], members: frozenset[str]
) -> str | None:
    """Why ``chosen`` would release more than one of the ``sources`` allows, or None."""
    audience = resolve_release(chosen, members) | {chosen.originator}
    for source in sources:
        if chosen.classification < source.classification:
            return (
                f"classification must be at least {source.classification.name}: the group is "
                f"derived from a batch of {source.originator} marked {source.classification.name}"
            )
        if _TLP_ORDER.index(chosen.tlp) < _TLP_ORDER.index(source.tlp):
            return (
                f"TLP must be at least {source.tlp.value}: a source batch is TLP:{source.tlp.value}"
            )
        if PACT in chosen.releasable_to and PACT not in source.releasable_to:
            return (
                f"cannot release to PACT: a source batch of {source.originator} is released "
                "only to named nations"
            )
        for nation in sorted(audience):
            if not can_read(nation, chosen.classification, source, members):
                return (
                    f"{nation} may not read a source batch of {source.originator}; "
                    "remove it from releasable_to"
                )
    return None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _common(kind: str, now: str, refs: list[str]) -> dict[str, Any]:
    return {
        "type": kind, "spec_version": "2.1", "id": f"{kind}--{uuid.uuid4()}",
        "created": now, "modified": now, "object_marking_refs": refs,
    }  # fmt: skip


def _relationship(source: str, kind: str, target: str, now: str, refs: list[str]) -> dict[str, Any]:
    rel = _common("relationship", now, refs)
    rel.update(relationship_type=kind, source_ref=source, target_ref=target)
    return rel


def _account_platforms(evidence: Sequence[EvidencePost]) -> dict[str, str]:
    counts: dict[str, Counter[str]] = {}
    for post in evidence:
        counts.setdefault(post.account, Counter())[post.platform] += 1
    return {a: c.most_common(1)[0][0] for a, c in counts.items()}


def _accounts(
    view: GroupView, now: str, refs: list[str], campaign: str
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    objects: list[dict[str, Any]] = []
    ids: dict[str, str] = {}
    for account, platform in sorted(_account_platforms(view.evidence).items()):
        sco = stix2.UserAccount(
            user_id=account, account_type=platform, display_name=account, object_marking_refs=refs
        )
        ids[account] = sco.id
        objects.append(json.loads(sco.serialize()))
        objects.append(_relationship(campaign, "related-to", sco.id, now, refs))
    return objects, ids


def _example_posts(evidence: Sequence[EvidencePost], limit: int) -> list[EvidencePost]:
    """One post per account first (in time order), then more, up to ``limit``."""
    by_time = sorted(
        {p.pk: p for p in evidence}.values(), key=lambda p: (p.published_at, p.post_id)
    )
    first: dict[str, EvidencePost] = {}
    for post in by_time:
        first.setdefault(post.account, post)
    chosen = {p.pk for p in first.values()}
    rest = [p for p in by_time if p.pk not in chosen]
    return (sorted(first.values(), key=by_time.index) + rest)[:limit]


def _note(post: EvidencePost, refs: list[str], now: str, about: list[str]) -> dict[str, Any]:
    note = _common("note", now, refs)
    links = "\n".join(post.urls)
    note.update(
        abstract=f"Example post {post.post_id[:80]} by {post.account[:80]} on {post.platform}",
        content=f"{_stamp(post.published_at)} ({post.language or 'und'})\n{post.text}"
        + (f"\n{links}" if links else ""),
        object_refs=about,
    )
    return note


def campaign_objects(view: GroupView, draft: CampaignDraft, now: datetime) -> list[dict[str, Any]]:
    """The STIX objects that publish ``view`` as a campaign (marking definition first)."""
    m = draft.marking
    definition = defpact_marking_definition(DefpactMarking(m.classification, m.releasable_to))
    refs = [defpact_marking_id(DefpactMarking(m.classification, m.releasable_to)),
            TLP2_MARKING_IDS[m.tlp]]  # fmt: skip
    stamp = _stamp(now)
    campaign = _common("campaign", stamp, refs)
    summary = view.summary
    campaign.update(name=draft.name, description=draft.description,
                    objective="coordinated inauthentic behaviour (disinformation)")  # fmt: skip
    if summary.time_start is not None and summary.time_end is not None:
        campaign.update(first_seen=_stamp(summary.time_start), last_seen=_stamp(summary.time_end))
    objects = [definition, campaign]
    accounts, ids = _accounts(view, stamp, refs, campaign["id"])
    objects += accounts
    for post in _example_posts(view.evidence, draft.examples):
        objects.append(_note(post, refs, stamp, [campaign["id"], ids[post.account]]))
    for technique in draft.disarm:
        pattern = _common("attack-pattern", stamp, refs)
        pattern.update(
            name=technique.name,
            external_references=[{"source_name": "DISARM", "external_id": technique.id}],
        )
        objects += [pattern, _relationship(campaign["id"], "uses", pattern["id"], stamp, refs)]
    return objects


def most_restrictive(markings: Sequence[Marking]) -> tuple[Clearance, TLP]:
    """The lowest classification and TLP that cover every one of ``markings``."""
    level = max((m.classification for m in markings), default=Clearance.UNCLASSIFIED)
    tlp = max((m.tlp for m in markings), key=_TLP_ORDER.index, default=TLP.CLEAR)
    return level, tlp
