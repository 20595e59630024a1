"""Generated post files with planted coordinated groups, for the platform's tests.

Each nation's file comes from the seeded benchmark generator (``bench/disinfo_generate.py``),
with account names and post ids prefixed so that two files never share an account or post.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from defpact.core.context import Actor
from defpact.core.runtime import Node
from defpact.threats.hub import service as hub_service
from defpact.threats.hub.disarm import read_disarm_file
from defpact.threats.stix.service import seed_threats

__all__ = ["World", "import_disarm", "make_world"]

_DATA = Path(__file__).parent / "data"


def _generator() -> ModuleType:
    name = "disinfo_generate"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "bench" / "disinfo_generate.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@dataclass(frozen=True)
class World:
    path: Path
    truth: dict[str, str]
    """planted account -> its group"""
    rows: list[dict[str, Any]]


def _prefixed(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    out = dict(row)
    out["account"] = prefix + row["account"]
    out["id"] = prefix + row["id"]
    for name in ("reply_to", "reshare_of"):
        if row.get(name):
            out[name] = prefix + row[name]
    out["nation"] = ""
    return out


def make_world(
    directory: Path, prefix: str, seed: int, posts: int = 3000, fmt: str = "csv", groups: int = 2
) -> World:
    gen = _generator()
    config = gen.GeneratorConfig(posts=posts, seed=seed, groups=groups, posts_per_account=8)
    data = gen.generate(config)
    rows = [_prefixed(r, prefix) for r in data.rows]
    path = directory / f"{prefix.strip('-') or 'posts'}.{fmt}"
    gen.write_posts(rows, path, fmt)
    truth = {prefix + a: g for a, g in data.truth.items()}
    return World(path, truth, rows)


def import_disarm(node: Node) -> None:
    """Seed the TAXII collections and import the small DISARM framework of ``tests/data``."""
    seed_threats(node.uow())
    hub_service.import_disarm(
        node.uow(), Actor.console("test"), read_disarm_file(_DATA / "disarm_mini.json")
    )
