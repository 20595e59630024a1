"""From a detected group to STIX 2.1 campaign intelligence, and who it may be released to.

**Release rule.** A campaign is derived from the posts behind the group; it may be released
only where every batch those posts came from may go. For the chosen marking M and each source
batch B: M.classification ≥ B.classification, M's TLP is at least as restrictive as B's, and
every nation M releases to now (its named members, or all members for ``PACT``) may read B
(:func:`core.marking.can_read` at M's classification). ``PACT`` in M also needs ``PACT`` in B
(a nation joining later would otherwise read B's content through the campaign).

**Campaign report.** The group becomes the hub's campaign report
(:class:`hub.reports.CampaignReport`, stored by ``hub.service.submit_campaign``): a ``campaign``
(name, description, objective, first/last seen from the evidence; platforms as channels,
languages), ``uses`` relationships to the DISARM ``attack-pattern`` objects the node serves,
the accounts as ``user-account`` SCOs (platform, login) under one ``observed-data``
``related-to`` the campaign, and up to ``examples`` example posts as ``note`` objects; every
object carries the chosen marking.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from defpact.core.marking import PACT, TLP, Marking, can_read, resolve_release
from defpact.threats.disinfo.records import DisarmTechnique, EvidencePost, GroupView
from defpact.threats.hub.reports import MAX_ACCOUNTS, CampaignReport, ExamplePost, SocialAccount

__all__ = [
    "DISARM_ID",
    "CampaignDraft",
    "campaign_report",
    "parse_disarm",
    "release_problem",
]

DISARM_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
_URL = re.compile(r"^(https?|ftp)://[^\s/?#]+[^\s]*$", re.IGNORECASE)  # as the hub checks
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,8})?$")
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


def _accounts(evidence: Sequence[EvidencePost]) -> tuple[SocialAccount, ...]:
    """Each account with the platform it used most in the evidence."""
    counts: dict[str, Counter[str]] = {}
    for post in evidence:
        counts.setdefault(post.account, Counter())[post.platform] += 1
    return tuple(
        SocialAccount(c.most_common(1)[0][0], account) for account, c in sorted(counts.items())
    )


def _example(post: EvidencePost) -> ExamplePost:
    url = next((u for u in post.urls if _URL.match(u)), "")
    language = post.language if post.language and _LANG.match(post.language) else ""
    return ExamplePost(post.text or "(no text)", post.platform, url, post.published_at, language)


def campaign_report(view: GroupView, draft: CampaignDraft) -> CampaignReport:
    """The hub's campaign report of a reviewed group."""
    summary = view.summary
    languages = tuple(lang for lang in summary.languages if _LANG.match(lang))
    return CampaignReport(
        name=draft.name,
        description=draft.description or f"Coordinated group of {len(summary.accounts)} accounts",
        objective="coordinated inauthentic behaviour (disinformation)",
        first_seen=summary.time_start, last_seen=summary.time_end,
        channels=tuple(summary.platforms), languages=languages,
        techniques=tuple(t.id for t in draft.disarm),
        example_posts=tuple(_example(p) for p in _example_posts(view.evidence, draft.examples)),
        accounts=_accounts(view.evidence)[:MAX_ACCOUNTS],
    )  # fmt: skip
