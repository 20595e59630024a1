"""Columnar form of a post stream: numpy arrays of codes instead of one object per post.

Each post becomes a row of small integers (account, platform, language, nation bit mask) and
a time in seconds; what it shares becomes *incidences* (post, object), where an object is a
canonical URL (co-link), the post it reshares (co-reshare), the post it replies to
(co-reply), a media hash (co-media) or its near-duplicate text cluster (co-similar-text). As
in the coordination-network toolkit, a reshare contributes only its reshare object: its
text and links are the original's. Posts with an ``id`` seen before are merged into the first
one (their nations are added) instead of counted twice.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np
import numpy.typing as npt

from defpact.threats.disinfo.minhash import MinHashParams, TextSigner, lsh_clusters
from defpact.threats.disinfo.normalise import normalise_url
from defpact.threats.disinfo.posts import Post

__all__ = ["KINDS", "PostTable", "build_table"]

KINDS = ("url", "text", "reshare", "reply", "media")
_MAX_NATIONS = 63
_TEXT_CHUNK = 25_000  # distinct texts handed to the signer at a time
_BATCH = 4096  # posts added column by column at a time
UNKNOWN_LANGUAGE = "und"


class _Vocabulary(dict[str, int]):
    """Interns strings as consecutive integer codes: ``vocab[name]`` is the code of name."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def __missing__(self, name: str) -> int:
        code = self[name] = len(self.names)
        self.names.append(name)
        return code


class _NationBits(dict[str | None, int]):
    """Bit of each nation code in a post's nation mask (no nation: 0)."""

    def __init__(self) -> None:
        super().__init__({None: 0, "": 0})
        self.names = _Vocabulary()

    def __missing__(self, nation: str | None) -> int:
        bit = self[nation] = 1 << min(self.names[str(nation).upper()], _MAX_NATIONS - 1)
        return bit


@dataclass(frozen=True, slots=True)
class PostTable:
    """Posts and incidences as arrays; ``obj_key[o]`` describes object ``o``."""

    post_ids: list[str]
    account: npt.NDArray[np.int32]
    time: npt.NDArray[np.float64]
    platform: npt.NDArray[np.int32]
    language: npt.NDArray[np.int32]
    nations: npt.NDArray[np.int64]
    inc_post: npt.NDArray[np.int32]
    inc_obj: npt.NDArray[np.int32]
    obj_kind: npt.NDArray[np.int8]
    obj_key: list[str]
    accounts: list[str]
    platforms: list[str]
    languages: list[str]
    nation_names: list[str]
    duplicates_merged: int
    unique_texts: int

    @property
    def n_posts(self) -> int:
        return len(self.post_ids)


class _Builder:
    def __init__(self) -> None:
        self.post_ids: list[str] = []
        self.account, self.platform, self.language = array("i"), array("i"), array("i")
        self.time, self.nations = array("d"), array("q")
        self.accounts, self.platforms, self.languages = _Vocabulary(), _Vocabulary(), _Vocabulary()
        self.nation_bits = _NationBits()
        self.objects = {kind: _Vocabulary() for kind in KINDS if kind != "text"}
        self.url_cache: dict[str, int] = {}
        self.texts = _Vocabulary()
        self.text_of_post = array("i")
        self.inc = {kind: (array("i"), array("i")) for kind in KINDS if kind != "text"}

    def add_batch(self, posts: list[Post]) -> None:
        """Append a batch of posts column by column (much cheaper than post by post)."""
        first = len(self.post_ids)
        accounts, platforms, languages = self.accounts, self.platforms, self.languages
        self.post_ids.extend([p.id for p in posts])
        self.account.extend([accounts[p.account] for p in posts])
        self.platform.extend([platforms[p.platform] for p in posts])
        self.language.extend([languages[p.language or UNKNOWN_LANGUAGE] for p in posts])
        self.time.extend([p.published_at.timestamp() for p in posts])
        nation_bits = self.nation_bits
        self.nations.extend([nation_bits[p.nation] for p in posts])
        texts = self.texts
        self.text_of_post.extend(
            [
                texts[p.text] if p.text and not p.reshare_of and not p.text.isspace() else -1
                for p in posts
            ]
        )
        for index, post in enumerate(posts, first):
            if post.reshare_of:
                self._incidence("reshare", index, post.reshare_of)
                continue
            if post.reply_to:
                self._incidence("reply", index, post.reply_to)
            if post.media_hash:
                self._incidence("media", index, post.media_hash.lower())
            if post.urls:
                url_posts, url_objs = self.inc["url"]
                for code in {self._url_code(url) for url in post.urls} - {-1}:
                    url_posts.append(index)
                    url_objs.append(code)

    def _incidence(self, kind: str, index: int, key: str) -> None:
        posts, objs = self.inc[kind]
        posts.append(index)
        objs.append(self.objects[kind][key])

    def _url_code(self, url: str) -> int:
        code = self.url_cache.get(url)
        if code is None:
            canonical = normalise_url(url)
            code = -1 if canonical is None else self.objects["url"][canonical]
            self.url_cache[url] = code
        return code


def _text_incidences(
    builder: _Builder,
    labels: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    min_chars: int,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], list[str]]:
    """(post, text cluster) incidences of clusters used by two or more posts, and the first
    text of each cluster as its example."""
    texts = builder.texts.names
    builder.texts.clear()
    labels[lengths < min_chars] = -1
    text_of_post = np.frombuffer(builder.text_of_post, dtype=np.int32)
    has_text = np.flatnonzero(text_of_post >= 0)
    cluster = labels[text_of_post[has_text]]
    used = cluster >= 0
    posts, cluster = has_text[used], cluster[used]
    kept, dense, uses = np.unique(cluster, return_inverse=True, return_counts=True)
    shared = uses[dense] >= 2  # a text cluster used by one post cannot link accounts
    kept = kept[uses >= 2]
    dense = np.searchsorted(kept, cluster[shared])
    all_labels, first = np.unique(labels, return_index=True)
    examples = [texts[int(i)] for i in first[np.searchsorted(all_labels, kept)]]
    return posts[shared].astype(np.int32), dense.astype(np.int32), examples


def _merge_duplicates(
    id_hash: npt.NDArray[np.int64], nations: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Mark every repeat of an earlier post id and add its nations to the first, in place."""
    order = np.argsort(id_hash, kind="stable")
    ordered = id_hash[order]
    repeat = np.concatenate(([False], ordered[1:] == ordered[:-1]))
    duplicate = np.zeros(len(id_hash), dtype=np.bool_)
    if repeat.any():
        first_pos = np.maximum.accumulate(np.where(repeat, 0, np.arange(len(order))))
        np.bitwise_or.at(nations, order[first_pos[repeat]], nations[order[repeat]])
        duplicate[order[repeat]] = True
    return duplicate


Progress = Callable[[str, int, int], None]


def _batches(posts: Iterable[Post]) -> Iterator[list[Post]]:
    iterator = iter(posts)
    while batch := list(islice(iterator, _BATCH)):
        yield batch


def _consume(
    posts: Iterable[Post], builder: _Builder, signer: TextSigner, progress: Progress | None
) -> None:
    """Add every post; hand new distinct texts to the signer in chunks as they appear."""
    try:
        signed, count = 0, 0
        for batch in _batches(posts):
            builder.add_batch(batch)
            count += len(batch)
            if len(builder.texts) - signed >= _TEXT_CHUNK:
                signer.submit(builder.texts.names[signed:])
                signed = len(builder.texts)
            if progress is not None:
                progress("read", count, 0)
        signer.submit(builder.texts.names[signed:], last=True)
    except BaseException:
        signer.close()
        raise


def _incidences(
    builder: _Builder,
    text: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], list[str]],
    duplicate: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.int8], list[str]]:
    """All incidences with global object codes, the kind and the key of every object."""
    inc_post, inc_obj, kinds = [], [], []
    keys: list[str] = []
    for kind_code, kind in enumerate(KINDS):
        if kind == "text":
            posts_k, objs_k, names = text
        else:
            posts_k = np.frombuffer(builder.inc[kind][0], dtype=np.int32)
            objs_k = np.frombuffer(builder.inc[kind][1], dtype=np.int32)
            names = builder.objects[kind].names
            original = ~duplicate[posts_k]
            posts_k, objs_k = posts_k[original], objs_k[original]
        inc_post.append(posts_k)
        inc_obj.append(objs_k + len(keys))
        kinds.append(np.full(len(names), kind_code, dtype=np.int8))
        keys.extend(names)
    return (
        np.concatenate(inc_post).astype(np.int32),
        np.concatenate(inc_obj).astype(np.int32),
        np.concatenate(kinds),
        keys,
    )


def _finish(
    builder: _Builder,
    signed: tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]],
    text_params: MinHashParams,
    min_text_chars: int,
) -> PostTable:
    """Cluster the signed texts, merge repeated post ids and assemble the table."""
    sig, lengths = signed
    labels = lsh_clusters(sig, text_params)
    del sig, signed
    nations = np.array(builder.nations, dtype=np.int64)
    ids = builder.post_ids
    id_hash = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
    duplicate = _merge_duplicates(id_hash, nations)
    if duplicate.any():
        text_of_post = np.frombuffer(builder.text_of_post, dtype=np.int32).copy()
        text_of_post[duplicate] = -1
        builder.text_of_post = array("i", text_of_post.tobytes())
    text = _text_incidences(builder, labels, lengths, min_text_chars)
    inc_post, inc_obj, obj_kind, obj_key = _incidences(builder, text, duplicate)
    return PostTable(
        post_ids=builder.post_ids,
        account=np.frombuffer(builder.account, dtype=np.int32),
        time=np.frombuffer(builder.time, dtype=np.float64),
        platform=np.frombuffer(builder.platform, dtype=np.int32),
        language=np.frombuffer(builder.language, dtype=np.int32),
        nations=nations,
        inc_post=inc_post,
        inc_obj=inc_obj,
        obj_kind=obj_kind,
        obj_key=obj_key,
        accounts=builder.accounts.names,
        platforms=builder.platforms.names,
        languages=builder.languages.names,
        nation_names=builder.nation_bits.names.names,
        duplicates_merged=int(duplicate.sum()),
        unique_texts=len(builder.texts.names),
    )


def build_table(
    posts: Iterable[Post],
    text_params: MinHashParams,
    min_text_chars: int,
    progress: Progress | None = None,
    seconds: dict[str, float] | None = None,
    workers: int = 0,
) -> PostTable:
    """Consume the posts into columns and cluster their texts (timings go to ``seconds``)."""
    seconds = {} if seconds is None else seconds
    clock = time.perf_counter()
    builder = _Builder()
    signer = TextSigner(text_params, workers)
    _consume(posts, builder, signer, progress)
    seconds["read"] = time.perf_counter() - clock
    clock = time.perf_counter()
    signed = signer.finish(
        None if progress is None else lambda done, total: progress("texts", done, total)
    )
    table = _finish(builder, signed, text_params, min_text_chars)
    seconds["texts"] = time.perf_counter() - clock
    return table
