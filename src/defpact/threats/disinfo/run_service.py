"""Detection runs on the platform: pool what the caller may see, detect, store the groups.

A run pools the posts of every batch the caller may read at that moment and that is not
withdrawn (``visible_to`` on the batch, the same filter as every read), streams them from the
database into :func:`.coordination.detect`, and stores the groups with their evidence (the
posts behind each shared object). The run is marked so that nothing crosses a marking:

* originator: the caller's nation, released to no other nation (only that nation sees it);
* classification: the highest of the pooled batches, TLP: the most restrictive of them, so a
  user of that nation with a lower clearance does not see a run built from data above it.

Reading a run or a group applies the batch filter again, now: evidence from a batch the viewer
may no longer read (withdrawn, re-marked, or the nation left) is left out, the group is
described from the rest, and the run's statistics and the group's score are withheld.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal
from defpact.core.marking import TLP, Marking
from defpact.core.releasability import visible_to
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.threats.disinfo.coordination import DetectionParams, Progress, detect
from defpact.threats.disinfo.ingest_service import WRITER_ROLES
from defpact.threats.disinfo.posts import Post
from defpact.threats.disinfo.records import EvidencePost, Run, StoredGroup
from defpact.threats.disinfo.result import DetectionResult, Group
from defpact.threats.disinfo.store import (
    BatchRow,
    EvidenceRow,
    GroupRow,
    PostRow,
    RunBatchRow,
    RunRow,
)

__all__ = [
    "RunRequest",
    "create_run",
    "evidence_of",
    "list_runs",
    "load_group",
    "load_run",
    "run_of",
    "stored_group",
]

_TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]
_MAX_OBJECTS = 200  # shared objects kept per group (the widest first)
_MAX_POSTS = 500  # evidence posts kept per shared object
_IN_CHUNK = 500
_STREAM = 10_000


@dataclass(frozen=True, slots=True)
class RunRequest:
    """The parameters an analyst sets for a run (the rest are the documented defaults)."""

    window_seconds: float = 60.0
    min_group_size: int = 3
    alpha: float = 1.0
    text_similarity: float = 0.5
    seed: int = 0

    def params(self) -> DetectionParams:
        try:
            return DetectionParams(
                window_seconds=self.window_seconds, min_group_size=self.min_group_size,
                alpha=self.alpha, text_similarity=self.text_similarity, seed=self.seed,
                max_objects_per_group=_MAX_OBJECTS, max_posts_per_object=_MAX_POSTS,
            )  # fmt: skip
        except ValueError as exc:
            name = str(exc).split(" ")[-1].split("=")[0]
            raise InvalidInput(str(exc), field=name) from None


def _analyst(actor: Actor) -> Principal:
    principal = actor.principal
    if principal is None or not principal.has_role(*WRITER_ROLES):
        raise PermissionDenied("detection runs need the analyst or intel role")
    return principal


def _pooled(session: Session, principal: Principal) -> list[BatchRow]:
    members = member_codes_in(session)
    stmt = (
        select(BatchRow)
        .where(visible_to(BatchRow, principal, members), BatchRow.withdrawn_at.is_(None))
        .order_by(BatchRow.id)
    )
    return list(session.scalars(stmt))


def _stream(session: Session, batches: Sequence[BatchRow]) -> Iterator[Post]:
    nation = {b.id: b.originator for b in batches}
    stmt = (
        select(PostRow.post_id, PostRow.account, PostRow.platform, PostRow.published_at,
               PostRow.text, PostRow.urls, PostRow.reply_to, PostRow.reshare_of,
               PostRow.language, PostRow.media_hash, PostRow.batch_id)
        .where(PostRow.batch_id.in_(list(nation)))
        .order_by(PostRow.id)
        .execution_options(yield_per=_STREAM)
    )  # fmt: skip
    for r in session.execute(stmt):
        yield Post(r[0], r[1], r[2], r[3], r[4], tuple(r[5] or ()), r[6], r[7], r[8], r[9],
                   nation[r[10]])  # fmt: skip


def _run_marking(principal: Principal, batches: Sequence[BatchRow]) -> Marking:
    level = max((b.classification for b in batches), default=0)
    tlps = [TLP(b.tlp) for b in batches] or [TLP.GREEN]
    return Marking(principal.nation, Clearance(level), frozenset(), max(tlps, key=_TLP_ORDER.index))


def _object_json(group: Group) -> list[dict[str, Any]]:
    return [
        {"kind": o.kind, "key": o.key, "accounts": o.accounts, "posts": o.posts, "idf": o.idf}
        for o in group.shared_objects
    ]


def _post_pks(session: Session, post_ids: set[str], batch_ids: list[int]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    ordered = sorted(post_ids)
    for start in range(0, len(ordered), _IN_CHUNK):
        stmt = select(PostRow.post_id, PostRow.id).where(
            PostRow.post_id.in_(ordered[start : start + _IN_CHUNK]),
            PostRow.batch_id.in_(batch_ids),
        )
        for post_id, pk in session.execute(stmt):
            found.setdefault(post_id, []).append(pk)
    return found


def _store_groups(
    session: Session, run: RunRow, result: DetectionResult, batch_ids: list[int]
) -> None:
    wanted = {p for g in result.groups for o in g.shared_objects for p in o.post_ids}
    pks = _post_pks(session, wanted, batch_ids)
    for rank, group in enumerate(result.groups, 1):
        row = GroupRow(
            run_id=run.id, rank=rank, accounts=list(group.accounts), score=group.score,
            edges=group.edges, posts=group.posts, shared_objects=_object_json(group),
            time_start=group.time_span.start, time_end=group.time_span.end,
            languages=group.languages, platforms=group.platforms, nations=group.nations,
            disarm=[],
        )  # fmt: skip
        session.add(row)
        session.flush()
        evidence = {
            (i, pk)
            for i, o in enumerate(group.shared_objects)
            for post_id in o.post_ids
            for pk in pks.get(post_id, ())
        }
        rows = [{"group_id": row.id, "obj": i, "post_pk": pk} for i, pk in sorted(evidence)]
        for start in range(0, len(rows), 5000):
            session.execute(insert(EvidenceRow), rows[start : start + 5000])


def create_run(
    uow: UnitOfWork, actor: Actor, request: RunRequest, progress: Progress | None = None
) -> int:
    """Run detection over every batch the caller may read; returns the new run's id."""
    principal = _analyst(actor)
    params = request.params()
    with uow:
        session = uow.session
        batches = _pooled(session, principal)
        if not batches:
            raise Conflict("there are no posts you may read to run detection on; ingest a batch")
        batch_ids = [b.id for b in batches]
        result = detect(_stream(session, batches), params, progress)
        run = RunRow(
            created_by_id=principal.user_id, created_by_name=principal.username,
            params=asdict(request), stats=result.to_dict()["stats"],
            posts_pooled=result.stats.posts, groups_found=len(result.groups),
        )  # fmt: skip
        run.apply_marking(_run_marking(principal, batches))
        session.add(run)
        session.flush()
        session.execute(insert(RunBatchRow), [{"run_id": run.id, "batch_id": b} for b in batch_ids])
        _store_groups(session, run, result, batch_ids)
        record_event(
            session, actor, "disinfo_run.create", "disinfo_run", run.id,
            object_nation=principal.nation,
            after={"params": asdict(request), "batches": batch_ids,
                   "posts": result.stats.posts, "groups": len(result.groups),
                   "classification": Clearance(run.classification).name},
        )  # fmt: skip
        uow.commit()
        return run.id


def _visible_runs(session: Session, principal: Principal) -> Select[RunRow]:
    return select(RunRow).where(visible_to(RunRow, principal, member_codes_in(session)))


def load_run(session: Session, principal: Principal, run_id: int) -> RunRow:
    row = session.scalars(_visible_runs(session, principal).where(RunRow.id == run_id)).first()
    if row is None:
        raise NotFound(f"no detection run {run_id}")
    return row


def _hidden_batches(session: Session, principal: Principal, run_id: int) -> tuple[list[int], bool]:
    """The run's pooled batches the principal may read now, and whether any is hidden."""
    pooled = list(session.scalars(select(RunBatchRow.batch_id).where(RunBatchRow.run_id == run_id)))
    members = member_codes_in(session)
    visible = set(
        session.scalars(
            select(BatchRow.id).where(
                BatchRow.id.in_(pooled), visible_to(BatchRow, principal, members)
            )
        )
    )
    return sorted(visible), len(visible) < len(pooled)


def run_of(session: Session, principal: Principal, row: RunRow) -> Run:
    batch_ids, partial = _hidden_batches(session, principal, row.id)
    return Run(
        id=row.id, marking=row.marking, created_by=row.created_by_name,
        created_at=row.created_at, params=dict(row.params),
        stats=None if partial else dict(row.stats), batch_ids=tuple(batch_ids),
        partial=partial, posts_pooled=None if partial else row.posts_pooled,
    )  # fmt: skip


def list_runs(
    uow: UnitOfWork, principal: Principal, limit: int = 50, offset: int = 0
) -> tuple[list[Run], int]:
    with uow:
        session = uow.session
        stmt = _visible_runs(session, principal)
        total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        rows = session.scalars(stmt.order_by(RunRow.id.desc()).limit(limit).offset(offset))
        return [run_of(session, principal, r) for r in rows], total


def stored_group(row: GroupRow) -> StoredGroup:
    return StoredGroup(
        row.id, row.run_id, row.rank, row.score, row.edges, list(row.shared_objects),
        row.campaign_stix_id, row.campaign_name, list(row.disarm), row.published_at,
    )  # fmt: skip


def evidence_of(
    session: Session, principal: Principal, group_ids: Sequence[int]
) -> tuple[dict[int, list[EvidencePost]], dict[int, int]]:
    """Visible evidence posts per group, and the number of evidence rows per group in all."""
    members = member_codes_in(session)
    stmt = (
        select(EvidenceRow.group_id, EvidenceRow.obj, PostRow.id, PostRow.batch_id,
               PostRow.post_id, PostRow.account, PostRow.platform, PostRow.published_at,
               PostRow.text, PostRow.urls, PostRow.language, BatchRow.originator)
        .join(PostRow, PostRow.id == EvidenceRow.post_pk)
        .join(BatchRow, BatchRow.id == PostRow.batch_id)
        .where(EvidenceRow.group_id.in_(list(group_ids)), visible_to(BatchRow, principal, members))
    )  # fmt: skip
    found: dict[int, list[EvidencePost]] = {g: [] for g in group_ids}
    for r in session.execute(stmt):
        found[r[0]].append(
            EvidencePost(r[2], r[3], r[4], r[5], r[6], r[7], r[8], tuple(r[9] or ()), r[10],
                         r[11], r[1])
        )  # fmt: skip
    totals_stmt = (
        select(EvidenceRow.group_id, func.count())
        .where(EvidenceRow.group_id.in_(list(group_ids)))
        .group_by(EvidenceRow.group_id)
    )
    totals = {int(g): int(n) for g, n in session.execute(totals_stmt)}
    return found, totals


def load_group(session: Session, principal: Principal, group_id: int) -> tuple[GroupRow, RunRow]:
    """A group whose run the principal may see; NotFound otherwise."""
    row = session.get(GroupRow, group_id)
    if row is None:
        raise NotFound(f"no group {group_id}")
    try:
        run = load_run(session, principal, row.run_id)
    except NotFound:
        raise NotFound(f"no group {group_id}") from None
    return row, run
