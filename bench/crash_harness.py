"""The crash-consistency harness: writer threads, the ledger of acknowledged writes, the kill
loop and the check after every restart (model and control: ``soak_crash.py``'s docstring and
docs/security.md, "Crash consistency").
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from crash_node import NATIONS, NodeProcess, PostgresSnapshot, SqliteSnapshot, parse_audit_report

__all__ = ["CrashConfig", "CrashResult", "run_crash"]

_CLASSIFICATIONS = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET")
_TLPS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT")


@dataclass
class CrashConfig:
    backend: str  # "sqlite" or "postgres"
    kills: int
    workdir: Path
    postgres_url: str | None = None  # a dedicated database; required for "postgres"
    control_kills: int = 3  # then durability off and a storage that loses recent writes
    clients: int = 6
    seed: int = 20250318
    max_run_seconds: float = 0.5  # after a write is acknowledged, kill within uniform(0, this)
    log: Callable[[str], None] = lambda _line: None


@dataclass
class CrashResult:
    backend: str
    control: bool
    kills: int = 0
    attempted: int = 0
    acknowledged: int = 0
    lost: list[int] = field(default_factory=list)  # report ids of lost acknowledged writes
    phantoms: int = 0  # stored reports nobody attempted, and repeated contents
    audit_runs: int = 0
    audit_failures: list[str] = field(default_factory=list)
    audit_events: int = 0
    errors: list[str] = field(default_factory=list)  # answers other than 200/201 while up
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Real run: nothing lost, no phantom, no error, audit verified. Control: loss seen."""
        if self.control:
            return bool(self.lost)
        return not (self.lost or self.phantoms or self.audit_failures or self.errors)


@dataclass(frozen=True)
class _Ack:
    report_id: int
    nation: str
    content: tuple[Any, ...]


class _Ledger:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acks: list[_Ack] = []
        self.attempted: set[str] = set()  # titles, unique per attempt
        self.errors: list[str] = []

    def snapshot(self) -> tuple[list[_Ack], set[str]]:
        with self.lock:
            return list(self.acks), set(self.attempted)

    def take_errors(self) -> list[str]:
        with self.lock:
            errors, self.errors = self.errors, []
            return errors


def _content(report: dict[str, Any]) -> tuple[Any, ...]:
    """What must survive: every field the author sent, as the API returns it."""
    m = report["marking"]
    return (
        report["title"],
        report["summary"],
        report["body"],
        report["region"],
        tuple(report["tags"]),
        report["reliability"],
        report["credibility"],
        m["classification"],
        tuple(sorted(m["releasable_to"])),
        m["tlp"],
    )


def _new_report(rng: random.Random, title: str) -> dict[str, Any]:
    words = " ".join(secrets.token_hex(8) for _ in range(rng.randint(4, 120)))
    return {
        "title": title,
        "summary": f"summary {secrets.token_hex(8)}",
        "body": f"# Findings\n\n{words}",
        "region": rng.choice(("Western Balkans", "Adriatic", "")),
        "tags": rng.sample(["phishing", "apt", "ddos", "disinfo", "ics"], rng.randint(0, 3)),
        "reliability": rng.choice("ABCDEF"),
        "credibility": rng.choice("123456"),
        "marking": {
            "classification": rng.choice(_CLASSIFICATIONS),
            "releasable_to": rng.choice((["PACT"], ["XK", "AL", "HR"], [])),
            "tlp": rng.choice(_TLPS),
        },
    }


class _Clients:
    """Writer threads; they wait while the server is down or being checked."""

    def __init__(self, tokens: dict[str, str], ledger: _Ledger, config: CrashConfig) -> None:
        self.tokens, self.ledger, self.config = tokens, ledger, config
        self.running = threading.Event()
        self.stopping = threading.Event()
        self.base_url = ""
        self.threads = [
            threading.Thread(target=self._loop, args=(i,), daemon=True)
            for i in range(config.clients)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def resume(self, base_url: str) -> None:
        self.base_url = base_url
        self.running.set()

    def pause(self) -> None:
        self.running.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.running.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _loop(self, index: int) -> None:
        nation = NATIONS[index % len(NATIONS)]
        headers = {"Authorization": f"Bearer {self.tokens[nation]}"}
        rng = random.Random(self.config.seed * 1000 + index)
        mine: list[int] = []
        seq = 0
        with httpx.Client(headers=headers, timeout=120) as client:
            while not self.stopping.is_set():
                self.running.wait()
                base, seq = self.base_url, seq + 1
                try:
                    self._step(client, base, rng, (nation, f"crash c{index} n{seq}"), mine)
                except httpx.TransportError:
                    time.sleep(0.02)  # the server is gone; wait for the harness to resume us

    def _step(
        self,
        client: httpx.Client,
        base: str,
        rng: random.Random,
        write: tuple[str, str],
        mine: list[int],
    ) -> None:
        roll = rng.random()
        if roll < 0.05:
            self._expect(client.get(base + "/api/audit/sth"), 200)  # stores a tree head
            return
        if roll < 0.2 and mine:  # an audited read when RESTRICTED or above
            self._expect(client.get(f"{base}/api/intel/reports/{rng.choice(mine)}"), 200)
            return
        nation, title = write
        with self.ledger.lock:
            self.ledger.attempted.add(title)
        response = client.post(base + "/api/intel/reports", json=_new_report(rng, title))
        if self._expect(response, 201):
            report = response.json()
            with self.ledger.lock:
                self.ledger.acks.append(_Ack(report["id"], nation, _content(report)))
            mine.append(report["id"])

    def _expect(self, response: httpx.Response, status: int) -> bool:
        if response.status_code == status:
            return True
        request = response.request
        with self.ledger.lock:
            self.ledger.errors.append(
                f"{request.method} {request.url.path}: {response.status_code} {response.text[:160]}"
            )
        return False


def _list_all(client: httpx.Client, base: str, nation: str) -> dict[int, dict[str, Any]]:
    """Every report of the author's nation, as the author lists them (withdrawn included)."""
    found: dict[int, dict[str, Any]] = {}
    offset, total = 0, 1
    while offset < total:
        params = {"originator": nation, "limit": 500, "offset": offset, "include_withdrawn": True}
        page = client.get(base + "/api/intel/reports", params=params)
        page.raise_for_status()
        data = page.json()
        found.update((item["id"], item) for item in data["items"])
        offset, total = offset + 500, data["total"]
    return found


def _verify(
    base: str, tokens: dict[str, str], ledger: _Ledger, since: int, lost: set[int]
) -> tuple[int, int]:
    """Add to ``lost`` the ledger indices of missing or changed acknowledged writes.

    Every write is checked in its author's listing; those acknowledged since the last check
    (from index ``since``) also by ``GET /api/intel/reports/{id}`` as their author. Returns
    (writes checked, phantoms).
    """
    acks, attempted = ledger.snapshot()
    clients = {n: httpx.Client(headers={"Authorization": f"Bearer {t}"}) for n, t in tokens.items()}
    try:
        stored = {nation: _list_all(clients[nation], base, nation) for nation in tokens}
        for index, ack in enumerate(acks):
            item = stored[ack.nation].get(ack.report_id)
            if item is None or _content(item) != ack.content:
                lost.add(index)
        for index in range(since, len(acks)):
            ack = acks[index]
            got = clients[ack.nation].get(f"{base}/api/intel/reports/{ack.report_id}")
            if got.status_code != 200 or _content(got.json()) != ack.content:
                lost.add(index)
    finally:
        for client in clients.values():
            client.close()
    titles = [item["title"] for reports in stored.values() for item in reports.values()]
    phantoms = sum(1 for t in titles if t not in attempted) + len(titles) - len(set(titles))
    return len(acks), phantoms


def _wait_for_acks(ledger: _Ledger, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while len(ledger.acks) < count and time.monotonic() < deadline:
        time.sleep(0.005)


def _run_until_kill(
    config: CrashConfig,
    rng: random.Random,
    ledger: _Ledger,
    snapshot: SqliteSnapshot | PostgresSnapshot | None,
) -> None:
    """Let the clients write until one more write is acknowledged, then a random while more;
    the control takes its snapshot there and waits for three more acknowledged writes."""
    _wait_for_acks(ledger, len(ledger.acks) + 1)
    time.sleep(rng.uniform(0.0, config.max_run_seconds))
    if snapshot is not None:
        snapshot.take()  # the storage's last durable point
        _wait_for_acks(ledger, len(ledger.acks) + 3)  # writes the storage will lose


def _collect_audit(result: CrashResult, audit: Any) -> None:
    out, err = audit.communicate(timeout=600)
    report = parse_audit_report(out, err)
    result.audit_runs += 1
    result.audit_events = max(result.audit_events, int(report.get("events") or 0))
    if audit.returncode != 0 or not report.get("ok"):
        problems = "; ".join(report.get("problems") or []) or err.strip()
        result.audit_failures.append(f"after kill {result.kills}: {problems}")


def run_crash(config: CrashConfig) -> tuple[CrashResult, CrashResult | None]:
    """Set up a node; ``config.kills`` times write, SIGKILL, restart and verify; then the
    control (``config.control_kills`` kills, durability off, storage restored from a snapshot
    taken before each kill) on the same node. Returns (real run, control run or None)."""
    node = NodeProcess(config.workdir, config.postgres_url, durable=True)
    tokens = node.setup()
    ledger = _Ledger()
    clients = _Clients(tokens, ledger, config)
    node.start()
    node.wait_ready()
    clients.start()
    try:
        real = _phase(config, node, (tokens, clients, ledger), None)
        control = None
        if config.control_kills:
            node.durable(False)
            node.kill()  # a clean restart with durability off; not one of the counted kills
            node.start()
            node.wait_ready()
            control = _phase(config, node, (tokens, clients, ledger), node.snapshot())
    finally:
        clients.stop()
        node.kill()
    return real, control


def _phase(
    config: CrashConfig,
    node: NodeProcess,
    writers: tuple[dict[str, str], _Clients, _Ledger],
    snapshot: SqliteSnapshot | PostgresSnapshot | None,
) -> CrashResult:
    tokens, clients, ledger = writers
    started, first = time.monotonic(), len(ledger.acks)
    attempted_before = len(ledger.snapshot()[1])
    control = snapshot is not None
    result = CrashResult(config.backend, control)
    rng = random.Random(config.seed + int(control))
    lost: set[int] = set()
    checked = first
    for kill in range(1, (config.control_kills if control else config.kills) + 1):
        clients.resume(node.base_url)
        _run_until_kill(config, rng, ledger, snapshot)
        node.kill()
        clients.pause()
        result.kills = kill
        if snapshot is not None:
            snapshot.restore()
        audit = node.audit_verify()  # on what the crash left: nothing writes meanwhile
        node.start()
        node.wait_ready()
        _collect_audit(result, audit)
        checked, phantoms = _verify(node.base_url, tokens, ledger, checked, lost)
        result.phantoms = max(result.phantoms, phantoms)
        config.log(_progress(result, checked - first, len(lost)))
    _collect_audit(result, node.audit_verify())  # also covers the audited reads of the check
    acks, attempted = ledger.snapshot()
    result.attempted = len(attempted) - attempted_before
    result.acknowledged = len(acks) - first
    result.lost = [acks[i].report_id for i in sorted(lost)]
    result.errors = ledger.take_errors()
    result.seconds = time.monotonic() - started
    return result


def _progress(result: CrashResult, acks: int, lost: int) -> str:
    failed = len(result.audit_failures)
    return (
        f"  {result.backend}{' control' if result.control else ''}: kill {result.kills}, "
        f"{acks} acknowledged, {lost} lost, audit verify {result.audit_runs - failed} ok, "
        f"{failed} failed"
    )
