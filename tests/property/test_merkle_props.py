"""Property tests of the audit-log Merkle tree: proofs of random trees verify, and any single
changed byte in a leaf, a proof element, a root or a tree-head signature is detected."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from defpact.core.merkle import (
    MerkleAccumulator,
    TreeHead,
    canonical_json,
    consistency_proof,
    generate_private_key,
    inclusion_proof,
    leaf_hash,
    root_hash,
    sign_tree_head,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)

SETTINGS = settings(max_examples=100, deadline=None)
SIGNING_KEY = generate_private_key()

leaf_lists = st.lists(st.binary(max_size=24), min_size=1, max_size=80, unique=True).map(
    lambda items: [leaf_hash(item) for item in items]
)


@st.composite
def mutations(draw: st.DrawFn, count: int) -> tuple[int, int, int]:
    """Which of `count` hashes to change, which byte, and a non-zero XOR mask."""
    return (
        draw(st.integers(0, count - 1)),
        draw(st.integers(0, 31)),
        draw(st.integers(1, 255)),
    )


def _mutate(hashes: list[bytes], mutation: tuple[int, int, int]) -> list[bytes]:
    which, position, mask = mutation
    changed = list(hashes)
    digest = changed[which]
    changed[which] = digest[:position] + bytes([digest[position] ^ mask]) + digest[position + 1 :]
    return changed


@SETTINGS
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_proofs_verify_and_any_changed_byte_breaks_them(
    leaves: list[bytes], data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, len(leaves)), label="tree_size")
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(leaves, index, size)
    root = root_hash(leaves[:size])
    assert verify_inclusion(leaves[index], index, size, proof, root)

    # Layout: [leaf, root, *proof]; change one byte of one of them.
    mutation = data.draw(mutations(2 + len(proof)), label="mutation")
    leaf, bad_root, *bad_proof = _mutate([leaves[index], root, *proof], mutation)
    assert not verify_inclusion(leaf, index, size, bad_proof, bad_root)


@SETTINGS
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_proof_is_bound_to_its_leaf_position(
    leaves: list[bytes], data: st.DataObject
) -> None:
    size = len(leaves)
    index = data.draw(st.integers(0, size - 1), label="index")
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other")
    proof = inclusion_proof(leaves, index, size)
    root = root_hash(leaves)
    assert not verify_inclusion(leaves[index], other, size, proof, root)
    assert not verify_inclusion(leaves[other], index, size, proof, root)


@SETTINGS
@given(leaves=leaf_lists, data=st.data())
def test_consistency_proofs_verify_and_any_changed_byte_breaks_them(
    leaves: list[bytes], data: st.DataObject
) -> None:
    second = data.draw(st.integers(1, len(leaves)), label="second")
    first = data.draw(st.integers(1, second), label="first")
    proof = consistency_proof(leaves, first, second)
    first_root, second_root = root_hash(leaves[:first]), root_hash(leaves[:second])
    assert verify_consistency(first, second, first_root, second_root, proof)
    if first < second:
        assert not verify_consistency(second, first, second_root, first_root, proof)

    mutation = data.draw(mutations(2 + len(proof)), label="mutation")
    bad_first, bad_second, *bad_proof = _mutate([first_root, second_root, *proof], mutation)
    assert not verify_consistency(first, second, bad_first, bad_second, bad_proof)


@SETTINGS
@given(leaves=leaf_lists, data=st.data())
def test_accumulator_restored_from_frontier_matches_full_recomputation(
    leaves: list[bytes], data: st.DataObject
) -> None:
    split = data.draw(st.integers(0, len(leaves)), label="split")
    stored = MerkleAccumulator.from_leaf_hashes(leaves[:split]).frontier()
    assert sum(1 << height for height, _ in stored) == split
    restored = MerkleAccumulator.from_frontier(stored)
    assert restored.root() == root_hash(leaves[:split])
    restored.extend(leaves[split:])
    assert restored.size == len(leaves)
    assert restored.root() == root_hash(leaves)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=16,
)


def _as_floats(value: object) -> object:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {key: _as_floats(item) for key, item in value.items()}
    assert isinstance(value, list)
    return [_as_floats(item) for item in value]


@SETTINGS
@given(value=json_values)
def test_canonical_json_is_valid_json_of_the_same_value_and_a_fixed_point(value: object) -> None:
    encoded = canonical_json(value)
    decoded = json.loads(encoded, parse_int=float)
    assert decoded == _as_floats(value)
    assert canonical_json(decoded) == encoded


@SETTINGS
@given(
    entries=st.dictionaries(st.text(max_size=6), st.integers(0, 9), min_size=2), rng=st.randoms()
)
def test_canonical_json_does_not_depend_on_key_insertion_order(
    entries: dict[str, int], rng: random.Random
) -> None:
    keys = list(entries)
    rng.shuffle(keys)
    assert canonical_json({key: entries[key] for key in keys}) == canonical_json(entries)


@SETTINGS
@given(
    size=st.integers(0, 2**64 - 1),
    timestamp=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    position=st.integers(0, 63),
    mask=st.integers(1, 255),
)
def test_tree_head_signature_detects_any_changed_signature_byte(
    size: int, timestamp: int, root: bytes, position: int, mask: int
) -> None:
    head = TreeHead(size, root, timestamp)
    signature = sign_tree_head(head, SIGNING_KEY)
    public = SIGNING_KEY.public_key()
    assert verify_tree_head(TreeHead.from_bytes(head.to_bytes()), signature, public)
    changed = bytearray(signature)
    changed[position] ^= mask
    assert not verify_tree_head(head, bytes(changed), public)
    assert not verify_tree_head(TreeHead(size ^ 1, root, timestamp), signature, public)
