"""Coordination detection, side by side with the peer coordination-network-toolkit (PyPI).

    bash bench/setup_peer_venv.sh                # once: the peer in its own virtualenv
    python bench/bench_disinfo.py                # 200k and 1M posts (peer bounded by a timeout)
    python bench/bench_disinfo.py --quick        # 20k posts, short: for CI

Per size the same generated posts (bench/disinfo_generate.py, seeded, with planted groups
and hard negatives) go to both tools, each run as a subprocess: ours is the CLI
``defpact disinfo detect FILE --format json``; the peer runs ``preprocess``, ``compute
co_link`` and ``compute co_similar_tweet`` (its defaults: window 60 s like ours, minimum edge
weight 2, Jaccard 0.8, 2 CPUs); the connected components (at least 3 accounts) of the union
of its two networks, read from its SQLite database, are its groups. Reported: wall time, CPU
time (user + system, with reaped children: wall time alone misleads on a shared machine),
peak memory (ru_maxrss of the subprocess and its reaped children, i.e. the largest single
process), account-level precision and recall of the planted accounts, the stricter
pair-level scores, and the ratios. The load average is printed with the results.
The peer's input is converted to its CSV format beforehand (not timed); ours reads our CSV.

A second table compares our numpy MinHash LSH with ``datasketch`` (num_perm 64, Jaccard
threshold 0.5 on the same normalised texts and 5-character shingles) on a sample of
near-duplicate texts: time per 1,000 texts and recall of near-duplicate pairs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import disinfo_generate as gen  # noqa: E402

OURS = [sys.executable, "-c", "from defpact.threats.disinfo.cli import app; app()"]
PEER_VENV = Path(os.environ.get("PEER_VENV", ROOT / ".venv-bench"))
_COLUMNS = ["tool", "wall s", "cpu s", "peak MiB", "precision", "recall", "pair P", "pair R",
            "groups"]  # fmt: skip
TARGET_SECONDS, TARGET_GIB, TARGET_QUALITY, TARGET_SPEEDUP = 60.0, 4.0, 0.95, 3.0


@dataclass
class Run:
    tool: str
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_mib: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)
    groups: int = 0
    note: str = ""


def _measure(
    cmd: list[str], stdout: Path, timeout: float
) -> tuple[float, float, float, int | None]:
    """Run ``cmd``; return (wall s, CPU s (user + system, with reaped children), peak RSS MiB,
    exit code or None on timeout)."""
    start = time.perf_counter()
    with stdout.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, start_new_session=True)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = None
                break
            time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
        print(f"  ! {' '.join(cmd[:4])} exited {proc.returncode}: {err}", file=sys.stderr)
    if proc.stderr:
        proc.stderr.close()
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, proc.returncode


def _dataset(size: int, args: argparse.Namespace) -> tuple[Path, Path]:
    stem = args.workdir / f"posts-{size}-s{args.seed}-n{round(100 * args.noise)}"
    posts, truth = stem.with_suffix(".csv"), stem.with_suffix(".truth.csv")
    if not (posts.exists() and truth.exists()):
        print(f"generating {size} posts -> {posts}", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "disinfo_generate.py"),
                "--posts",
                str(size),
                "--seed",
                str(args.seed),
                "--noise",
                str(args.noise),
                "--out",
                str(posts),
                "--truth",
                str(truth),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return posts, truth


def _peer_csv(posts: Path) -> Path:
    """The peer's CSV: message_id, user_id, username, repost_id, reply_id, message,
    timestamp (epoch seconds), urls (space separated, as posted)."""
    target = posts.with_suffix(".peer.csv")
    if target.exists():
        return target
    with (
        posts.open(encoding="utf-8", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        writer = csv.writer(dst)
        writer.writerow(
            [
                "message_id",
                "user_id",
                "username",
                "repost_id",
                "reply_id",
                "message",
                "timestamp",
                "urls",
            ]
        )
        for row in csv.DictReader(src):
            moment = datetime.fromisoformat(row["published_at"]).timestamp()
            urls = " ".join(json.loads(row["urls"]) if row["urls"] else [])
            writer.writerow(
                [
                    row["id"],
                    row["account"],
                    row["account"],
                    row["reshare_of"],
                    row["reply_to"],
                    row["text"],
                    int(moment),
                    urls,
                ]
            )
    return target


def _components(edges: list[tuple[str, str]], min_size: int) -> list[list[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for node in list(parent):
        groups.setdefault(find(node), []).append(node)
    return [sorted(g) for g in groups.values() if len(g) >= min_size]


def run_ours(posts: Path, truth: dict[str, str], args: argparse.Namespace) -> Run:
    out = posts.with_suffix(".ours.json")
    cmd = [*OURS, "detect", str(posts), "--window", str(args.window), "--format", "json"]
    seconds, cpu, peak, code = _measure(cmd, out, 3600)
    run = Run("defpact", seconds, cpu, peak)
    if code == 0:
        groups = [g["accounts"] for g in json.loads(out.read_text())["groups"]]
        run.scores, run.groups = gen.score_accounts(groups, truth), len(groups)
    else:
        run.note = f"failed (exit {code})"
    return run


def _peer_edges(db: Path) -> list[tuple[str, str]]:
    """The peer's co-link and co-similar-tweet edges, read from its SQLite tables (its CSV
    export crashes in 1.5.2: ``output_gephi_csv() got an unexpected keyword argument``)."""
    with sqlite3.connect(db) as conn:
        return [
            (str(a), str(b))
            for table in ("co_link_network", "co_similar_tweet_network")
            for a, b in conn.execute(f"select user_1, user_2 from {table} where user_1 != user_2")  # noqa: S608
        ]


def run_peer(posts: Path, truth: dict[str, str], args: argparse.Namespace) -> Run:
    python = PEER_VENV / "bin" / "python"
    run = Run("coordination-network-toolkit")
    if not python.exists():
        run.note = "peer venv missing: run bench/setup_peer_venv.sh"
        return run
    peer_csv = _peer_csv(posts)
    db = posts.with_suffix(".peer.db")
    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    base = [str(python), "-m", "coordination_network_toolkit", str(db)]
    window = ["--time_window", str(int(args.window)), "--min_edge_weight", "2", "--n_cpus", "2"]
    steps = [
        ("preprocess", [*base, "preprocess", "--format", "csv", str(peer_csv)]),
        ("co_link", [*base, "compute", "co_link", *window]),
        (
            "co_similar_tweet",
            [*base, "compute", "co_similar_tweet", *window, "--similarity_threshold", "0.8"],
        ),
    ]
    log = posts.with_suffix(".peer.log")
    for name, cmd in steps:
        left = args.peer_timeout - run.seconds
        seconds, cpu, peak, code = _measure(cmd, log, max(left, 1.0))
        run.seconds += seconds
        run.cpu_seconds += cpu
        run.peak_mib = max(run.peak_mib, peak)
        if code is None:
            run.note = f"timeout: stopped after {run.seconds:.0f} s during {name}"
            return run
        if code:
            run.note = f"{name} failed (exit {code})"
            return run
    edges = _peer_edges(db)
    for used in db.parent.glob(db.name + "*"):
        used.unlink()  # hundreds of MB at 1M posts
    groups = _components(edges, 3)
    run.scores, run.groups = gen.score_accounts(groups, truth), len(groups)
    return run


def _fmt(run: Run) -> list[str]:
    head = [run.tool, f"{run.seconds:.1f}", f"{run.cpu_seconds:.1f}", f"{run.peak_mib:.0f}"]
    s = run.scores
    if not s:
        return [*head, "-", "-", "-", "-", "-"]
    quality = [s["precision"], s["recall"], s["pair_precision"], s["pair_recall"]]
    return [*head, *(f"{q:.3f}" for q in quality), str(run.groups)]


def _print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def _verdict(size: int, ours: Run, peer: Run) -> list[str]:
    lines = []
    if ours.scores:
        ok_q = min(ours.scores["precision"], ours.scores["recall"]) >= TARGET_QUALITY
        lines.append(f"  quality P,R >= {TARGET_QUALITY}: {'yes' if ok_q else 'NO'}")
    if size >= 1_000_000:
        fast = "yes" if ours.seconds < TARGET_SECONDS else "NO"
        small = "yes" if ours.peak_mib < TARGET_GIB * 1024 else "NO"
        lines.append(
            f"  1M under {TARGET_SECONDS:.0f} s: {fast} ({ours.seconds:.1f} s); "
            f"under {TARGET_GIB} GiB: {small}"
        )
    if peer.seconds and ours.seconds:
        ratio = peer.seconds / ours.seconds
        bound = " (at least: the peer was stopped)" if peer.note.startswith("timeout") else ""
        lines.append(
            f"  speed-up vs peer: {ratio:.1f}x{bound}; memory ratio peer/ours: "
            f"{peer.peak_mib / max(ours.peak_mib, 1):.2f}"
        )
    if peer.scores and ours.scores:
        lines.append(
            f"  recall ours - peer: {ours.scores['recall'] - peer.scores['recall']:+.3f}; "
            f"precision ours - peer: "
            f"{ours.scores['precision'] - peer.scores['precision']:+.3f}"
        )
    return lines


def _minhash_sample(sample: int, seed: int) -> tuple[list[str], list[tuple[int, int]], int]:
    """Normalised texts: triples of near-duplicates first, then unrelated texts; and the
    pairs of a triple whose true 5-shingle Jaccard similarity is at least 0.5."""
    from defpact.threats.disinfo.normalise import normalise_batch

    world = gen._World(gen.GeneratorConfig(posts=1000, seed=seed))
    raw: list[str] = []
    bases = sample // 10
    for _ in range(bases):
        lang = world._lang_code()
        text = world.sentence(lang, 14, 26)
        raw += [text, world.variant(text, lang, 0.1), world.variant(text, lang, 0.1)]
    raw += [world.sentence(world._lang_code()) for _ in range(sample - len(raw))]
    batch = normalise_batch(raw)
    texts = [batch.text(i) for i in range(len(raw))]
    shingles = [{t[i : i + 5] for i in range(len(t) - 4)} for t in texts]
    pairs = [
        (i, j)
        for b in range(bases)
        for i, j in ((3 * b, 3 * b + 1), (3 * b, 3 * b + 2), (3 * b + 1, 3 * b + 2))
        if len(shingles[i] & shingles[j]) / max(len(shingles[i] | shingles[j]), 1) >= 0.5
    ]
    return texts, pairs, 3 * bases


def _labels_from_links(n: int, links: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        parent[find(a)] = find(b)
    return [find(i) for i in range(n)]


def compare_minhash(sample: int, seed: int) -> dict[str, Any]:
    """Our numpy MinHash LSH against datasketch on the same normalised texts."""
    from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]

    from defpact.threats.disinfo.minhash import MinHashParams, lsh_clusters, minhash_signatures
    from defpact.threats.disinfo.normalise import normalise_batch

    texts, pairs, dup_count = _minhash_sample(sample, seed)
    start = time.perf_counter()
    batch = normalise_batch(texts)  # already normalised: this only re-encodes them
    ours = lsh_clusters(minhash_signatures(batch, MinHashParams()), MinHashParams()).tolist()
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    lsh, sketches = MinHashLSH(threshold=0.5, num_perm=64), []
    for i, text in enumerate(texts):
        sketch = MinHash(num_perm=64, seed=1)
        sketch.update_batch([text[k : k + 5].encode() for k in range(len(text) - 4)])
        sketches.append(sketch)
        lsh.insert(i, sketch)
    links = [
        (i, j)
        for i, sk in enumerate(sketches)
        for j in lsh.query(sk)
        if j != i and sk.jaccard(sketches[j]) >= 0.5
    ]
    theirs = _labels_from_links(len(texts), links)
    ds_s = time.perf_counter() - start
    report: dict[str, Any] = {"texts": len(texts), "true_pairs": len(pairs)}
    rows = []
    for name, labels, seconds in (("defpact numpy", ours, ours_s), ("datasketch", theirs, ds_s)):
        recall = sum(labels[i] == labels[j] for i, j in pairs) / max(len(pairs), 1)
        sizes: dict[int, int] = {}
        for label in labels:
            sizes[label] = sizes.get(label, 0) + 1
        spurious = sum(sizes[labels[i]] > 1 for i in range(dup_count, len(texts)))
        report[name] = {"seconds": seconds, "pair_recall": recall, "spurious": spurious}
        rows.append(
            [
                name,
                f"{seconds:.2f}",
                f"{1e6 * seconds / len(texts):.1f}",
                f"{recall:.3f}",
                str(spurious),
            ]
        )
    print(f"\nMinHash LSH, {len(texts)} texts ({len(pairs)} near-duplicate pairs, J >= 0.5):")
    _print_table(
        rows,
        ["implementation", "seconds", "ms / 1k texts", "pair recall", "unrelated texts merged"],
    )
    print(f"  speed ratio datasketch/ours: {ds_s / max(ours_s, 1e-9):.1f}x")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20k posts, bounded, for CI")
    parser.add_argument("--sizes", type=str, default=None, help="comma-separated post counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--noise", type=float, default=0.3)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--peer-timeout", type=float, default=None, help="seconds per size")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--minhash-sample", type=int, default=None)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-disinfo")
    args = parser.parse_args()
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([20_000] if args.quick else [200_000, 1_000_000])
    )
    args.peer_timeout = args.peer_timeout or (240.0 if args.quick else 900.0)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"cpus": os.cpu_count(), "load": os.getloadavg(), "sizes": {}}
    print(
        f"bench_disinfo: sizes {sizes}, seed {args.seed}, noise {args.noise}, window "
        f"{args.window:g} s, peer timeout {args.peer_timeout:.0f} s, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    for size in sizes:
        posts, truth_path = _dataset(size, args)
        truth = gen.read_truth(truth_path)
        ours = run_ours(posts, truth, args)
        peer = Run("coordination-network-toolkit", note="skipped")
        if not args.no_peer:
            peer = run_peer(posts, truth, args)
        groups = len(set(truth.values()))
        print(f"\n{size:,} posts, {len(truth)} planted accounts in {groups} groups")
        _print_table(
            [_fmt(ours), _fmt(peer)],
            _COLUMNS,
        )
        for line in _verdict(size, ours, peer) + ([f"  peer: {peer.note}"] if peer.note else []):
            print(line)
        results["sizes"][size] = {"ours": ours.__dict__, "peer": peer.__dict__}
    sample = args.minhash_sample or (2_000 if args.quick else 20_000)
    results["minhash"] = compare_minhash(sample, args.seed)
    (args.workdir / "results.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
