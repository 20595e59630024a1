"""Merkle tree, canonical JSON and signed tree heads, checked against pymerkle and RFC vectors.

pymerkle's InmemoryTree(algorithm="sha256") hashes the raw bytes it is given with the RFC 6962
prefixes (leaf H(0x00||d), node H(0x01||l||r), empty root H("")), numbers leaves from 1 and
returns inclusion paths as [leaf hash, sibling hashes from the leaf up]: the siblings are the
RFC audit path, so proofs can be compared element by element and verified both ways. Its
consistency proofs use a different layout than RFC 9162, so those are checked through roots.
"""

from __future__ import annotations

import json
import math
import random

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from pymerkle import InclusionProof, InmemoryTree
from pymerkle import verify_inclusion as pymerkle_verify_inclusion

from defpact.core.merkle import (
    EMPTY_ROOT,
    CanonicalJSONError,
    FrontierError,
    HashFormatError,
    KeyFormatError,
    MerkleAccumulator,
    MerkleError,
    TreeHead,
    TreeRangeError,
    canonical_json,
    consistency_proof,
    consistency_proof_ranges,
    generate_private_key,
    inclusion_proof,
    inclusion_proof_ranges,
    json_leaf_hash,
    key_id,
    leaf_hash,
    node_hash,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_to_pem,
    root_hash,
    sign_tree_head,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)

ORACLE_SIZE = 1000
DATA = [f"event-{i}".encode() for i in range(ORACLE_SIZE)]
LEAVES = [leaf_hash(d) for d in DATA]

# Test vectors of the certificate-transparency / trillian RFC 6962 test suites.
CT_DATA = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
CT_LEAVES = [leaf_hash(d) for d in CT_DATA]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.fixture(scope="module")
def oracle() -> InmemoryTree:
    return InmemoryTree.init_from_entries(DATA, algorithm="sha256")


def _flip(digest: bytes, position: int = 0) -> bytes:
    return digest[:position] + bytes([digest[position] ^ 0x01]) + digest[position + 1 :]


def _sample_indices(size: int) -> set[int]:
    return {0, size - 1, random.Random(size).randrange(size)}


def _sample_first_sizes(size: int) -> set[int]:
    power = 1 << (size.bit_length() - 1)
    return {1, size, power, random.Random(-size).randint(1, size)}


# --- oracle: pymerkle ------------------------------------------------------------------------


def test_roots_match_pymerkle_for_every_size_up_to_1000() -> None:
    tree = InmemoryTree(algorithm="sha256")
    acc = MerkleAccumulator()
    assert root_hash([]) == acc.root() == tree.get_root() == EMPTY_ROOT
    for size, data in enumerate(DATA, start=1):
        tree.append_entry(data)
        assert acc.append(LEAVES[size - 1]) == size - 1
        assert tree.get_leaf(size) == LEAVES[size - 1], "pymerkle must hash raw data as a leaf"
        expected = tree.get_root()
        assert acc.root() == expected, size
        assert root_hash(LEAVES[:size]) == expected, size


def test_inclusion_proofs_equal_pymerkle_and_verify_both_ways(oracle: InmemoryTree) -> None:
    for size in range(1, ORACLE_SIZE + 1):
        root = oracle.get_root(size)
        for index in _sample_indices(size):
            ours = inclusion_proof(LEAVES, index, size)
            theirs = oracle.prove_inclusion(index + 1, size)
            assert ours == theirs.path[1:], (index, size)
            assert verify_inclusion(LEAVES[index], index, size, theirs.path[1:], root)
            as_pymerkle = InclusionProof(
                "sha256", True, size, index + 1, theirs.rule, [LEAVES[index], *ours]
            )
            pymerkle_verify_inclusion(LEAVES[index], root, as_pymerkle, index + 1, size)


def test_consistency_proofs_verify_against_pymerkle_roots(oracle: InmemoryTree) -> None:
    for size in range(1, ORACLE_SIZE + 1):
        later = oracle.get_root(size)
        for first in _sample_first_sizes(size):
            prior = oracle.get_root(first)
            proof = consistency_proof(LEAVES, first, size)
            assert verify_consistency(first, size, prior, later, proof), (first, size)
            assert not verify_consistency(first, size, _flip(prior), later, proof)
            assert not verify_consistency(first, size, prior, _flip(later), proof)


# --- RFC 6962 vectors ------------------------------------------------------------------------


def test_roots_match_certificate_transparency_vectors() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert [root_hash(CT_LEAVES[:n]).hex() for n in range(1, 9)] == CT_ROOTS


def test_inclusion_and_consistency_proofs_match_certificate_transparency_vectors() -> None:
    path = [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]
    assert [p.hex() for p in inclusion_proof(CT_LEAVES, 0, 8)] == path
    assert [p.hex() for p in consistency_proof(CT_LEAVES, 1, 8)] == path
    assert [p.hex() for p in consistency_proof(CT_LEAVES, 6, 8)] == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]


def test_proof_ranges_follow_the_rfc_recursion() -> None:
    assert inclusion_proof_ranges(0, 1) == []
    assert inclusion_proof_ranges(5, 7) == [(4, 5), (6, 7), (0, 4)]
    assert consistency_proof_ranges(4, 7) == [(4, 7)]
    assert consistency_proof_ranges(3, 7) == [(2, 3), (3, 4), (0, 2), (4, 7)]
    assert consistency_proof_ranges(0, 7) == consistency_proof_ranges(7, 7) == []


# --- failures --------------------------------------------------------------------------------


def test_forged_leaf_fails_inclusion() -> None:
    root = root_hash(LEAVES[:100])
    proof = inclusion_proof(LEAVES, 42, 100)
    assert verify_inclusion(LEAVES[42], 42, 100, proof, root)
    assert not verify_inclusion(leaf_hash(b"forged"), 42, 100, proof, root)
    assert not verify_inclusion(DATA[42] + bytes(32 - len(DATA[42])), 42, 100, proof, root)


def test_wrong_index_fails_inclusion_for_every_other_position() -> None:
    size = 37
    root = root_hash(LEAVES[:size])
    for index in range(size):
        proof = inclusion_proof(LEAVES, index, size)
        for other in range(-1, size + 1):
            verified = verify_inclusion(LEAVES[index], other, size, proof, root)
            assert verified == (other == index), (index, other)


def test_tampered_path_element_or_root_fails_inclusion() -> None:
    root = root_hash(LEAVES[:300])
    proof = inclusion_proof(LEAVES, 123, 300)
    for position in range(len(proof)):
        tampered = list(proof)
        tampered[position] = _flip(proof[position], position)
        assert not verify_inclusion(LEAVES[123], 123, 300, tampered, root)
    assert not verify_inclusion(LEAVES[123], 123, 300, proof, _flip(root))
    assert not verify_inclusion(LEAVES[123], 123, 300, proof[:-1], root)
    assert not verify_inclusion(LEAVES[123], 123, 300, [*proof, proof[0]], root)
    assert not verify_inclusion(LEAVES[123], 123, 300, [*proof[:-1], proof[-1][:31]], root)


def test_swapped_or_wrong_sizes_fail_consistency() -> None:
    first_root, second_root = root_hash(LEAVES[:300]), root_hash(LEAVES[:700])
    proof = consistency_proof(LEAVES, 300, 700)
    assert verify_consistency(300, 700, first_root, second_root, proof)
    assert not verify_consistency(700, 300, second_root, first_root, proof)
    assert not verify_consistency(700, 300, first_root, second_root, proof)
    assert not verify_consistency(301, 700, first_root, second_root, proof)
    assert not verify_consistency(300, 700, first_root, second_root, [])
    for position in range(len(proof)):
        tampered = list(proof)
        tampered[position] = _flip(proof[position], 31)
        assert not verify_consistency(300, 700, first_root, second_root, tampered)


def test_consistency_edge_cases() -> None:
    root = root_hash(LEAVES[:9])
    assert consistency_proof(LEAVES, 9, 9) == []
    assert verify_consistency(9, 9, root, root, [])
    assert not verify_consistency(9, 9, root, _flip(root), [])
    assert not verify_consistency(9, 9, root, root, [root])
    assert consistency_proof(LEAVES, 0, 9) == []
    assert verify_consistency(0, 9, EMPTY_ROOT, root, [])
    assert not verify_consistency(0, 9, root, root, [])
    assert not verify_consistency(-1, 9, EMPTY_ROOT, root, [])


@pytest.mark.parametrize(
    ("index", "size", "message"),
    [(-1, 5, "leaf index -1"), (5, 5, "leaf index 5"), (0, 0, "tree of size 0")],
)
def test_inclusion_proof_rejects_index_outside_tree(index: int, size: int, message: str) -> None:
    with pytest.raises(TreeRangeError, match=message):
        inclusion_proof(LEAVES, index, size)


def test_proof_generation_rejects_bad_sizes_and_hashes() -> None:
    with pytest.raises(TreeRangeError, match="first=5, second=4"):
        consistency_proof(LEAVES, 5, 4)
    with pytest.raises(TreeRangeError, match="first=-1"):
        consistency_proof_ranges(-1, 4)
    with pytest.raises(TreeRangeError, match="tree_size=11 is outside the 10 leaf hashes"):
        inclusion_proof(LEAVES[:10], 0, 11)
    with pytest.raises(TreeRangeError, match="second=11"):
        consistency_proof(LEAVES[:10], 1, 11)
    with pytest.raises(HashFormatError, match="leaf hash 2"):
        root_hash([LEAVES[0], LEAVES[1], b"short"])
    with pytest.raises(HashFormatError, match="leaf hash 3"):
        inclusion_proof([*LEAVES[:3], LEAVES[3].hex().encode()], 0)
    with pytest.raises(HashFormatError, match="right"):
        node_hash(LEAVES[0], b"")
    assert issubclass(TreeRangeError, ValueError)


def test_malformed_inputs_fail_verification_without_raising() -> None:
    proof = inclusion_proof(LEAVES, 1, 4)
    root = root_hash(LEAVES[:4])
    assert not verify_inclusion(LEAVES[1], 1, 4, [*proof[:-1], "x" * 32], root)  # type: ignore[list-item]
    assert not verify_inclusion(LEAVES[1], 1, 4, proof, root.hex())  # type: ignore[arg-type]
    assert not verify_inclusion(LEAVES[1], 4, 4, proof, root)


# --- accumulator -----------------------------------------------------------------------------


def test_accumulator_frontier_round_trip_continues_the_same_tree() -> None:
    acc = MerkleAccumulator.from_leaf_hashes(LEAVES[:613])
    frontier = acc.frontier()
    assert [height for height, _ in frontier] == [9, 6, 5, 2, 0]  # 613 = 0b1001100101
    restored = MerkleAccumulator.from_frontier(frontier)
    assert restored == acc and restored.size == 613 and restored.root() == acc.root()
    assert restored.append(LEAVES[613]) == 613
    restored.extend(LEAVES[614:])
    assert restored.root() == root_hash(LEAVES)
    assert acc.size == 613, "restoring must not share state"


def test_accumulator_copy_is_independent() -> None:
    acc = MerkleAccumulator.from_leaf_hashes(LEAVES[:5])
    clone = acc.copy()
    clone.append(LEAVES[5])
    assert acc.root() == root_hash(LEAVES[:5]) and clone.root() == root_hash(LEAVES[:6])


@pytest.mark.parametrize(
    ("frontier", "message"),
    [
        ([(1, LEAVES[0]), (1, LEAVES[1])], "entry 1: height 1 must be below"),
        ([(0, LEAVES[0]), (2, LEAVES[1])], "entry 1: height 2 must be below"),
        ([(64, LEAVES[0])], "entry 0: height 64 not in 0..63"),
        ([(-1, LEAVES[0])], "height -1"),
        ([(3, LEAVES[0][:31])], "entry 0: hash must be 32 bytes"),
        ([(3, LEAVES[0], "extra")], r"entry 0: expected \(height, hash\)"),
        ([(True, LEAVES[0])], "height True"),
    ],
)
def test_accumulator_rejects_invalid_frontier(
    frontier: list[tuple[int, bytes]], message: str
) -> None:
    with pytest.raises(FrontierError, match=message):
        MerkleAccumulator.from_frontier(frontier)


def test_accumulator_rejects_non_hash_leaf() -> None:
    with pytest.raises(HashFormatError, match="leaf_hash must be 32 bytes"):
        MerkleAccumulator().append(b"raw event")


# --- canonical JSON --------------------------------------------------------------------------


def test_canonical_json_sorts_keys_by_utf16_and_drops_whitespace() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(canonical_json(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    nested = {"b": [1, 2, {"z": None, "a": True}], "a": ("é", False, -0.5)}
    assert canonical_json(nested) == '{"a":["é",false,-0.5],"b":[1,2,{"a":true,"z":null}]}'.encode()


def test_canonical_json_escapes_like_json_stringify() -> None:
    assert (
        canonical_json('\x01\x1f"\\\n\x7f\u2028/') == b'"\\u0001\\u001f\\"\\\\\\n\x7f\xe2\x80\xa8/"'
    )


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (5e-324, "5e-324"),
        (-5e-324, "-5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (9007199254740992.0, "9007199254740992"),
        (295147905179352825856.0, "295147905179352830000"),
        (9.999999999999997e22, "9.999999999999997e+22"),
        (1e23, "1e+23"),
        (1e21, "1e+21"),
        (0.000001, "0.000001"),
        (9.999999999999997e-7, "9.999999999999997e-7"),
        (333333333.3333332, "333333333.3333332"),
        (123.456, "123.456"),
        (9007199254740991, "9007199254740991"),
        (-9007199254740991, "-9007199254740991"),
    ],
)
def test_canonical_json_numbers_follow_rfc_8785(number: float, text: str) -> None:
    assert canonical_json(number) == text.encode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": [1, math.nan]}, r"\$\.a\[1\]: nan has no JSON form"),
        ({"x": math.inf}, r"\$\.x: inf"),
        (-math.inf, "-inf"),
        ({"n": 2**53}, "integer 9007199254740992 is outside"),
        ({1: "a"}, "object key 1 is not a string"),
        ({"when": {1, 2}}, r"\$\.when: set is not a JSON value"),
        ({"s": "\ud800"}, "lone surrogate"),
        (b"bytes", "bytes is not a JSON value"),
    ],
)
def test_canonical_json_rejects_values_without_canonical_form(value: object, message: str) -> None:
    with pytest.raises(CanonicalJSONError, match=message):
        canonical_json(value)


def test_json_leaf_hash_ignores_key_order() -> None:
    event = {"action": "create", "actor": "al-1", "n": 3}
    reordered = {"n": 3, "actor": "al-1", "action": "create"}
    assert json_leaf_hash(event) == json_leaf_hash(reordered) == leaf_hash(canonical_json(event))
    assert json_leaf_hash(event) != json_leaf_hash({**event, "n": 4})


# --- signed tree heads -----------------------------------------------------------------------


def _head() -> TreeHead:
    return TreeHead(tree_size=1000, root_hash=root_hash(LEAVES), timestamp=1_700_000_000_123)


def test_tree_head_bytes_follow_rfc_6962_tree_head_signature() -> None:
    head = _head()
    encoded = head.to_bytes()
    assert encoded[:2] == b"\x00\x01"
    assert encoded[2:10] == (1_700_000_000_123).to_bytes(8, "big")
    assert encoded[10:18] == (1000).to_bytes(8, "big")
    assert encoded[18:] == head.root_hash and len(encoded) == 50
    assert TreeHead.from_bytes(encoded) == head
    with pytest.raises(MerkleError, match="unknown tree head version 1"):
        TreeHead.from_bytes(b"\x01" + encoded[1:])
    with pytest.raises(MerkleError, match="50 bytes"):
        TreeHead.from_bytes(encoded[:-1])


def test_signed_tree_head_verifies_and_detects_tampering() -> None:
    key = generate_private_key()
    head = _head()
    signature = sign_tree_head(head, key)
    public = key.public_key()
    assert verify_tree_head(head, signature, public)
    assert not verify_tree_head(TreeHead(999, head.root_hash, head.timestamp), signature, public)
    assert not verify_tree_head(TreeHead(1000, _flip(head.root_hash), 1), signature, public)
    assert not verify_tree_head(TreeHead(1000, head.root_hash, 1), signature, public)
    assert not verify_tree_head(head, _flip(signature, 63), public)
    assert not verify_tree_head(head, signature[:63], public)


def test_signed_tree_head_fails_with_another_key() -> None:
    head = _head()
    signature = sign_tree_head(head, generate_private_key())
    assert not verify_tree_head(head, signature, generate_private_key().public_key())


@pytest.mark.parametrize(
    ("size", "root", "timestamp", "message"),
    [
        (-1, EMPTY_ROOT, 0, "tree_size=-1"),
        (2**64, EMPTY_ROOT, 0, "tree_size=18446744073709551616"),
        (0, EMPTY_ROOT, -5, "timestamp=-5"),
        (True, EMPTY_ROOT, 0, "tree_size must be an int"),
        (0, EMPTY_ROOT[:31], 0, "root_hash must be 32 bytes"),
    ],
)
def test_tree_head_rejects_bad_fields(size: int, root: bytes, timestamp: int, message: str) -> None:
    with pytest.raises(MerkleError, match=message):
        TreeHead(size, root, timestamp)


def test_keys_round_trip_through_standard_pem() -> None:
    key = generate_private_key()
    private_pem = private_key_to_pem(key)
    public_pem = public_key_to_pem(key.public_key())
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    restored = private_key_from_pem(private_pem)
    head = _head()
    assert verify_tree_head(head, sign_tree_head(head, restored), public_key_from_pem(public_pem))
    assert key_id(public_key_from_pem(public_pem)) == key_id(key.public_key())
    assert len(key_id(key.public_key())) == 32


def test_pem_loaders_reject_other_keys_and_garbage() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_private = ec_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    ec_public = ec_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(KeyFormatError, match="expected an Ed25519 private key"):
        private_key_from_pem(ec_private)
    with pytest.raises(KeyFormatError, match="expected an Ed25519 public key"):
        public_key_from_pem(ec_public)
    with pytest.raises(KeyFormatError, match="not an unencrypted PKCS#8 PEM private key"):
        private_key_from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(KeyFormatError, match="not a SubjectPublicKeyInfo PEM public key"):
        public_key_from_pem(b"hello")
