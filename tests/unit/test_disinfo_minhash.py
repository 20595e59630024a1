"""MinHash LSH: near-duplicate texts end up in one cluster, unrelated texts do not."""

from __future__ import annotations

import random

import numpy as np
import pytest

from defpact.threats.disinfo.minhash import (
    EMPTY,
    MinHashParams,
    cluster_texts,
    estimate_jaccard,
    minhash_signatures,
)
from defpact.threats.disinfo.normalise import normalise_batch

_WORDS = [
    "".join(random.Random(i).choices("abcdefghijklmnoprstuvz", k=random.Random(-i).randint(3, 9)))
    for i in range(2000)
]


def _sentence(rng: random.Random, n: int = 20) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def _swap_words(text: str, k: int, rng: random.Random) -> str:
    words = text.split()
    for _ in range(k):
        words[rng.randrange(len(words))] = rng.choice(_WORDS)
    return " ".join(words)


def _shingles(text: str, n: int = 5) -> set[str]:
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def test_near_duplicates_with_one_changed_word_are_clustered_together() -> None:
    rng = random.Random(7)
    originals = [_sentence(rng) for _ in range(300)]
    texts = [v for o in originals for v in (o, _swap_words(o, 1, rng), _swap_words(o, 1, rng))]
    texts += [_sentence(rng) for _ in range(3000)]
    labels, _ = cluster_texts(texts)
    triples = labels[: 3 * len(originals)].reshape(-1, 3)
    together = np.mean((triples == triples[:, :1]).all(axis=1))
    assert together >= 0.97
    noise = labels[3 * len(originals) :]
    assert len(np.unique(noise)) == len(noise)
    assert not np.isin(noise, triples).any()


def test_the_signature_estimate_tracks_the_true_jaccard_similarity() -> None:
    rng = random.Random(3)
    pairs = []
    for k in (0, 1, 3, 6, 10, 20):
        base = _sentence(rng, 24)
        pairs.append((base, _swap_words(base, k, rng)))
    batch = normalise_batch([t for pair in pairs for t in pair])
    sig = minhash_signatures(batch, MinHashParams(num_perm=256, bands=64))
    for i in range(len(pairs)):
        a, b = _shingles(batch.text(2 * i)), _shingles(batch.text(2 * i + 1))
        true = len(a & b) / len(a | b)
        assert estimate_jaccard(sig[2 * i], sig[2 * i + 1]) == pytest.approx(true, abs=0.12)


def test_texts_shorter_than_a_shingle_get_no_signature_and_no_cluster() -> None:
    labels, lengths = cluster_texts(["ok", "", "no", "a much longer text here"])
    assert labels.tolist()[:3] == [-1, -1, -1]
    assert lengths.tolist() == [2, 0, 2, 23]
    sig = minhash_signatures(normalise_batch(["ok"]), MinHashParams())
    assert (sig == EMPTY).all()


def test_cyrillic_and_latin_spellings_of_one_message_cluster_together() -> None:
    texts = [
        "Влада крије истину о рату, делите пре него што обришу!",
        "Vlada krije istinu o ratu, delite pre nego što obrišu!!",
        "vlada krije istinu o ratu delite pre nego sto obrisu #istina",
        "Something entirely different about football results today",
    ]
    labels, _ = cluster_texts(texts)
    assert labels[0] == labels[1] == labels[2] != labels[3]


@pytest.mark.parametrize(
    ("field", "value"), [("num_perm", 48), ("bands", 5), ("threshold", 0.0), ("ngram", 0)]
)
def test_invalid_parameters_are_refused_with_their_name(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        MinHashParams(**{field: value})  # type: ignore[arg-type]
