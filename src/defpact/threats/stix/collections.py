"""TAXII collections of the hub, who may read or write each, and the seed.

Seeded collections (``seed_threats``, idempotent):

* one collection per nation of the reference list (id = UUID v5 of the nation code), writable
  by that nation and readable by every current member; it is listed to a caller when its owner
  is or has been a member of the pact, or is the caller's own nation;
* the read-only pact-wide collection, a view of every object in every collection releasable to
  the caller, which also holds what the node itself serves (the defpact marking extension, the
  pact identity and the TLP 2.0 marking definitions).

A right row names a nation, or ``*`` for every current member. Inside any collection an object
is visible only when its marking releases it to the caller; rights only say who may ask.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.errors import NotFound
from defpact.core.identity import Clearance, Principal
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.nations import NATIONS
from defpact.core.releasability import decode_release, encode_release
from defpact.core.store import MembershipRepository
from defpact.core.uow import UnitOfWork
from defpact.threats.stix.marking import TLP2_MARKING_IDS, reference_objects
from defpact.threats.stix.stamps import now_us
from defpact.threats.stix.store import (
    EVERY_MEMBER,
    CollectionRightRow,
    CollectionRow,
    MarkingDefinitionRow,
    StixObjectRow,
    insert_objects,
    lock_clock,
    register_markings,
)
from defpact.threats.stix.validate import ValidObject, validate_object

__all__ = [
    "NODE_ORIGINATOR",
    "PACT_COLLECTION_ID",
    "CollectionInfo",
    "collection_for",
    "collection_infos",
    "nation_collection_id",
    "seed_threats",
]

PACT_COLLECTION_ID = "3d5c6a0e-6f1b-4c55-9a4e-1f0d2b7c8e91"
NODE_ORIGINATOR = "--"  # objects the node itself serves; released to every member
_NATION_NAMESPACE = uuid.UUID("5f7f3c3e-2b1d-4a57-8d36-0f1e2c3b4a59")


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    id: str
    title: str
    description: str
    alias: str | None
    kind: str
    owner: str | None
    can_read: bool
    can_write: bool
    default_marking: Marking

    @property
    def scope(self) -> str | None:
        """The scope reads use: None for the pact-wide view, else the collection id."""
        return None if self.kind == "pact" else self.id


@lru_cache(maxsize=64)
def nation_collection_id(code: str) -> str:
    return str(uuid.uuid5(_NATION_NAMESPACE, code))


def _grants(rights: Sequence[CollectionRightRow], nation: str, member: bool) -> tuple[bool, bool]:
    mine = [r for r in rights if r.nation == nation or (r.nation == EVERY_MEMBER and member)]
    return any(r.can_read for r in mine), any(r.can_write for r in mine)


def _info(row: CollectionRow, can_read: bool, can_write: bool, nation: str) -> CollectionInfo:
    default = Marking(
        originator=nation,
        classification=Clearance(row.default_classification),
        releasable_to=decode_release(row.default_releasable_to),
        tlp=TLP(row.default_tlp),
    )
    return CollectionInfo(
        row.id, row.title, row.description, row.alias, row.kind, row.owner,
        can_read, can_write, default,
    )  # fmt: skip


def _rights_by_collection(session: Session) -> dict[str, list[CollectionRightRow]]:
    rights: dict[str, list[CollectionRightRow]] = {}
    for right in session.scalars(select(CollectionRightRow)):
        rights.setdefault(right.collection_id, []).append(right)
    return rights


def collection_infos(
    session: Session, principal: Principal, members: frozenset[str]
) -> list[CollectionInfo]:
    """The collections the caller may read or write, pact-wide first, then by title."""
    ever = {m.nation_code for m in MembershipRepository(session).all()} | {principal.nation}
    rights = _rights_by_collection(session)
    member = principal.nation in members
    infos = []
    for row in session.scalars(select(CollectionRow)):
        if row.kind == "nation" and row.owner not in ever:
            continue
        can_read, can_write = _grants(rights.get(row.id, []), principal.nation, member)
        if can_read or can_write:
            infos.append(_info(row, can_read, can_write, principal.nation))
    return sorted(infos, key=lambda i: (i.kind != "pact", i.title))


def collection_for(
    session: Session, principal: Principal, members: frozenset[str], collection_id: str
) -> CollectionInfo:
    """The collection as the caller sees it; NotFound when it has no right on it."""
    row = session.get(CollectionRow, collection_id)
    if row is not None:
        rights = session.scalars(
            select(CollectionRightRow).where(CollectionRightRow.collection_id == row.id)
        ).all()
        can_read, can_write = _grants(rights, principal.nation, principal.nation in members)
        if can_read or can_write:
            return _info(row, can_read, can_write, principal.nation)
    raise NotFound(f"no collection {collection_id!r}")


def _ensure_collections(session: Session) -> int:
    existing = set(session.scalars(select(CollectionRow.id)))
    rights: list[CollectionRightRow] = []
    created = 0
    if PACT_COLLECTION_ID not in existing:
        session.add(
            CollectionRow(
                id=PACT_COLLECTION_ID,
                alias="pact",
                title="Pact-wide",
                description="Every object in every collection that is releasable to you "
                "(read-only), and the marking definitions this node serves.",
                kind="pact",
                owner=None,
            )
        )
        rights.append(CollectionRightRow(collection_id=PACT_COLLECTION_ID, nation=EVERY_MEMBER,
                                         can_read=True, can_write=False))  # fmt: skip
        created += 1
    for code, nation in sorted(NATIONS.items()):
        cid = nation_collection_id(code)
        if cid in existing:
            continue
        session.add(
            CollectionRow(
                id=cid,
                alias=f"nation-{code.lower()}",
                title=f"{nation.name} ({code})",
                description=f"Intelligence shared by {nation.name}; writable by {code}, "
                "readable by every member as far as each object's marking allows.",
                kind="nation",
                owner=code,
                default_releasable_to=encode_release(frozenset({PACT})),
            )
        )
        rights.append(CollectionRightRow(collection_id=cid, nation=EVERY_MEMBER,
                                         can_read=True, can_write=False))  # fmt: skip
        rights.append(CollectionRightRow(collection_id=cid, nation=code,
                                         can_read=True, can_write=True))  # fmt: skip
        created += 1
    session.flush()  # collections first: rights refer to them
    session.add_all(rights)
    session.flush()
    return created


def _served_rows(session: Session) -> list[dict[str, object]]:
    present = set(
        session.scalars(
            select(StixObjectRow.stix_id).where(StixObjectRow.collection_id == PACT_COLLECTION_ID)
        )
    )
    clock = lock_clock(session)
    stamp = max(now_us(), clock.last_date_added + 1)
    rows: list[dict[str, object]] = []
    for obj in reference_objects():
        checked = validate_object(obj)
        if not isinstance(checked, ValidObject):  # pragma: no cover - fixed, tested data
            raise RuntimeError(f"reference object {obj['id']} is invalid: {checked.message}")
        if checked.stix_id in present:
            continue
        rows.append(
            {
                "collection_id": PACT_COLLECTION_ID, "stix_id": checked.stix_id,
                "type": checked.type, "spec_version": checked.spec_version,
                "version": checked.version_us, "versioned": True, "date_added": stamp,
                "revoked": False, "raw": checked.raw, "originator": NODE_ORIGINATOR,
                "classification": int(Clearance.UNCLASSIFIED), "releasable_to": ",PACT,",
                "tlp": TLP.CLEAR.value, "withdrawn_at": None,
            }
        )  # fmt: skip
        stamp += 1
    clock.last_date_added = max(clock.last_date_added, stamp - 1)
    return rows


def seed_threats(uow: UnitOfWork) -> int:
    """Create the seeded collections and served objects that are missing; returns how many
    collections were created. Safe to run at every ``defpact init``."""
    with uow:
        session = uow.session
        created = _ensure_collections(session)
        rows = _served_rows(session)
        insert_objects(session, rows)
        known = set(session.scalars(select(MarkingDefinitionRow.id)))
        register_markings(
            session,
            [{"id": m, "defpact": False, "classification": None, "releasable_to": None}
             for m in TLP2_MARKING_IDS.values() if m not in known],
        )  # fmt: skip
        if created or rows:
            record_event(
                session,
                Actor.console("init"),
                "taxii.seed",
                "taxii_collection",
                PACT_COLLECTION_ID,
                after={"collections_created": created, "served_objects_added": len(rows)},
            )
        uow.commit()
    return created
