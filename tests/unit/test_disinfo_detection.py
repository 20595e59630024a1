"""Coordination detection: planted groups are found, organic look-alikes are not."""

from __future__ import annotations

import importlib.util
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from defpact.threats.disinfo import table
from defpact.threats.disinfo.coordination import DetectionParams, detect
from defpact.threats.disinfo.posts import Post

_START = datetime(2025, 3, 1, tzinfo=UTC)


def _generator() -> ModuleType:
    name = "disinfo_generate"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "bench" / "disinfo_generate.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _post(row: dict[str, Any]) -> Post:
    return Post(
        id=row["id"],
        account=row["account"],
        platform=row["platform"],
        published_at=datetime.fromisoformat(row["published_at"]),
        text=row["text"],
        urls=tuple(row["urls"]),
        reply_to=row["reply_to"] or None,
        reshare_of=row["reshare_of"] or None,
        language=row["language"] or None,
        media_hash=row["media_hash"] or None,
        nation=row["nation"] or None,
    )


def _world(posts: int, seed: int, **kwargs: Any) -> tuple[list[Post], dict[str, str]]:
    gen = _generator()
    config = gen.GeneratorConfig(posts=posts, seed=seed, posts_per_account=8, **kwargs)
    data = gen.generate(config)
    return [_post(r) for r in data.rows], data.truth


def _organic(n_accounts: int, n_posts: int, seed: int) -> list[Post]:
    """Accounts posting popular links and one copypasta at random times over a week."""
    rng = random.Random(seed)
    posts = []
    for i in range(n_posts):
        t = _START + timedelta(seconds=rng.uniform(0, 7 * 86400))
        words = " ".join(rng.choice(("mir", "rat", "vlada", "istina", "gorivo")) for _ in range(8))
        kind = rng.random()
        urls = (f"https://news.example/{rng.randrange(5)}?utm_source=x",) if kind < 0.5 else ()
        text = (
            "Copy this before they delete it: the truth about the border!" if kind > 0.8 else words
        )
        posts.append(Post(f"o{i}", f"acc{rng.randrange(n_accounts)}", "x", t, f"{text} {i}", urls))
    return posts


def _campaign(accounts: list[str], actions: int, gap: float, seed: int) -> list[Post]:
    """Each action: every account posts the same message (half in Cyrillic) ``gap`` s apart."""
    rng = random.Random(seed)
    posts = []
    for k in range(actions):
        t0 = _START + timedelta(seconds=rng.uniform(0, 6 * 86400))
        latin = f"Vlada krije istinu o ratu broj {k}, podelite odmah pre nego sto obrisu"
        cyrillic = f"Влада крије истину о рату број {k}, поделите одмах пре него што обришу"
        for j, account in enumerate(accounts):
            text, lang = (cyrillic, "sr-Cyrl") if j % 2 else (latin, "sr-Latn")
            at = t0 + timedelta(seconds=gap * j)
            nation = "XK" if j % 3 else "HR"
            link = (f"https://bit.ly/camp{k}",)
            posts.append(Post(f"c{k}-{j}", account, "telegram", at, text, link, None, None,
                              lang, None, nation))  # fmt: skip
    return posts


@pytest.mark.parametrize("seed", [5, 6])
def test_planted_groups_are_found_with_high_precision_and_recall(seed: int) -> None:
    posts, truth = _world(6000, seed, groups=4)
    result = detect(posts)
    scores = _generator().score_accounts([g.accounts for g in result.groups], truth)
    assert scores["precision"] >= 0.95
    assert scores["recall"] >= 0.95
    assert result.stats.posts == 6000


def test_hard_negatives_alone_make_no_group() -> None:
    posts, truth = _world(6000, 8, groups=0)
    assert truth == {}
    result = detect(posts)
    assert result.groups == ()
    assert result.stats.co_actions > 0


def test_popular_links_and_organic_copypasta_do_not_create_groups() -> None:
    result = detect(_organic(300, 6000, seed=1))
    assert result.groups == ()
    assert result.stats.objects["url"] == 5


def test_mixed_script_campaign_is_one_group_with_its_evidence() -> None:
    crew = [f"bot{i}" for i in range(6)]
    result = detect(_organic(300, 6000, seed=2) + _campaign(crew, actions=8, gap=4.0, seed=3))
    assert len(result.groups) == 1
    group = result.groups[0]
    assert group.accounts == tuple(sorted(crew))
    assert set(group.languages) == {"sr-Latn", "sr-Cyrl"}
    assert set(group.nations) == {"XK", "HR"}
    assert group.platforms == {"telegram": 48}
    kinds = {o.kind for o in group.shared_objects}
    assert kinds == {"text", "url"}
    assert all(o.accounts == 6 for o in group.shared_objects)
    assert group.score > 1.0
    assert group.time_span.seconds > 86400


def test_co_actions_further_apart_than_the_window_do_not_count() -> None:
    crew = [f"bot{i}" for i in range(6)]
    posts = _organic(300, 6000, seed=2) + _campaign(crew, actions=8, gap=300.0, seed=3)
    assert detect(posts).groups == ()
    wide = detect(posts, DetectionParams(window_seconds=3600))
    assert [g.accounts for g in wide.groups] == [tuple(sorted(crew))]


def test_reposting_the_same_post_twice_counts_it_once_and_adds_the_nation() -> None:
    crew = [f"bot{i}" for i in range(4)]
    campaign = _campaign(crew, actions=6, gap=2.0, seed=4)
    again = [Post(p.id, p.account, p.platform, p.published_at, p.text, p.urls, None, None,
                  p.language, None, "AL") for p in campaign]  # fmt: skip
    result = detect(_organic(200, 3000, seed=5) + campaign + again)
    assert result.stats.duplicates_merged == len(again)
    assert result.stats.posts == 3000 + len(campaign)
    assert "AL" in result.groups[0].nations


def test_result_does_not_depend_on_the_order_of_posts() -> None:
    posts, _ = _world(3000, 9, groups=3)
    shuffled = posts[:]
    random.Random(1).shuffle(shuffled)
    first, second = detect(posts), detect(shuffled)
    assert [g.accounts for g in first.groups] == [g.accounts for g in second.groups]
    assert first.stats.threshold == pytest.approx(second.stats.threshold)


def test_invalid_parameters_are_refused_with_their_name() -> None:
    with pytest.raises(ValueError, match="window_seconds"):
        DetectionParams(window_seconds=0)
    with pytest.raises(ValueError, match="min_group_size"):
        DetectionParams(min_group_size=1)


def test_hashing_texts_in_a_background_process_gives_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(table, "_TEXT_CHUNK", 500)  # several chunks go to the worker
    posts, _ = _world(3000, 11, groups=3)
    inline = detect(posts)
    background = detect(posts, DetectionParams(workers=1))
    assert [g.to_dict() for g in background.groups] == [g.to_dict() for g in inline.groups]
    assert background.stats.threshold == inline.stats.threshold
