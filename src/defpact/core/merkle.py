"""Merkle tree, canonical JSON and signed tree heads of the tamper-evident audit log.

Each audit event is serialised as canonical JSON (RFC 8785 style: object keys sorted by their
UTF-16 code units, no whitespace, UTF-8, numbers written as ECMAScript does, NaN/Infinity
rejected) and becomes one leaf of a Merkle tree hashed as in RFC 6962 section 2.1 and
RFC 9162 section 2.1, with SHA-256 as H:

    leaf hash    MLH(d)     = H(0x00 || d)
    node hash    HN(l, r)   = H(0x01 || l || r)
    empty tree   MTH({})    = H("")
    one leaf     MTH({d0})  = MLH(d0)
    n > 1        MTH(D[n])  = HN(MTH(D[0:k]), MTH(D[k:n])),  k = largest power of two < n

Leaves are numbered from 0. The inclusion proof (audit path) of leaf m in a tree of size n is
    PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])      if m < k
                  = PATH(m - k, D[k:n]) : MTH(D[0:k])  if m >= k,   PATH(0, D[1]) = []
and the consistency proof from size m to size n is PROOF(m, D[n]) = SUBPROOF(m, D[n], true):
    SUBPROOF(m, D[m], true) = [],  SUBPROOF(m, D[m], false) = [MTH(D[m])]
    SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])          if m <= k
                         = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  if m > k
Proofs are checked with the bit-walking algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2.

Generation is split in two: `inclusion_proof_ranges` / `consistency_proof_ranges` give the leaf
ranges [start, end) whose MTH make up the proof (a store may answer them from cached subtree
roots), and `inclusion_proof` / `consistency_proof` hash those ranges from a list of leaf hashes.
The ranges are disjoint, so a proof costs at most n - 1 node hashes.

`MerkleAccumulator` keeps the compact range of [0, n): the roots s_1..s_j of the perfect
subtrees given by the binary digits of n, left to right, heights strictly decreasing. An append
merges equal heights like a binary counter and MTH(D[n]) = HN(s_1, HN(s_2, ... HN(s_j-1, s_j))),
so append and root cost O(log n) hashes and the frontier is all that needs to be persisted.

A tree head is signed with Ed25519 (RFC 8032) over the RFC 6962 section 3.5 TreeHeadSignature
layout: version (uint8, 0 = v1), signature_type (uint8, 1 = tree_hash), timestamp (uint64,
milliseconds since 1970-01-01T00:00:00Z), tree_size (uint64), root hash (32 bytes), big-endian.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CanonicalJSONError",
    "FrontierError",
    "HashFormatError",
    "KeyFormatError",
    "LeafRange",
    "MerkleAccumulator",
    "MerkleError",
    "TreeHead",
    "TreeRangeError",
    "canonical_json",
    "consistency_proof",
    "consistency_proof_ranges",
    "generate_private_key",
    "inclusion_proof",
    "inclusion_proof_ranges",
    "json_leaf_hash",
    "key_id",
    "leaf_hash",
    "node_hash",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_pem",
    "public_key_to_pem",
    "read_private_key",
    "root_hash",
    "sign_tree_head",
    "verify_consistency",
    "verify_inclusion",
    "verify_tree_head",
    "write_private_key",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_MAX_UINT64 = 2**64 - 1
_MAX_SAFE_INTEGER = 2**53 - 1
_TREE_HEAD_FORMAT = struct.Struct(">BBQQ")
_SIGNATURE_SIZE = 64

LeafRange: TypeAlias = tuple[int, int]


class MerkleError(ValueError):
    """A bad argument to a function of this module; the message names it."""


class TreeRangeError(MerkleError):
    """A leaf index or tree size outside the tree, or a first size above the second."""


class HashFormatError(MerkleError):
    """A value used as a hash is not bytes of length 32."""


class FrontierError(MerkleError):
    """A persisted frontier is not a valid compact range."""


class CanonicalJSONError(MerkleError):
    """A value has no canonical JSON form (NaN, Infinity, unsafe integer, unknown type...)."""


class KeyFormatError(MerkleError):
    """A PEM blob is not an unencrypted Ed25519 key."""


# --- hashing -------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """MLH(d) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """HN(l, r) = SHA-256(0x01 || l || r) for two 32-byte hashes."""
    _check_hash(left, "left")
    _check_hash(right, "right")
    return _node(left, right)


def json_leaf_hash(value: object) -> bytes:
    """Leaf hash of the canonical JSON of an event."""
    return leaf_hash(canonical_json(value))


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of the given leaf hashes (EMPTY_ROOT for none), with n - 1 node hashes."""
    _check_leaf_hashes(leaf_hashes, len(leaf_hashes))
    return _mth(list(leaf_hashes))


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _mth(level: list[bytes]) -> bytes:
    # Pairing level by level and carrying an odd last node up unchanged builds exactly the
    # left-balanced tree of RFC 6962 (split at the largest power of two below n).
    if not level:
        return EMPTY_ROOT
    sha256 = hashlib.sha256
    while len(level) > 1:
        paired = [
            sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _check_hash(value: object, name: str) -> None:
    if not _is_hash(value):
        raise HashFormatError(f"{name} must be {HASH_SIZE} bytes, got {value!r:.80}")


def _check_leaf_hashes(leaf_hashes: Sequence[bytes], count: int) -> None:
    for i in range(count):
        if not _is_hash(leaf_hashes[i]):
            _check_hash(leaf_hashes[i], f"leaf hash {i}")


def _split(size: int) -> int:
    """Largest power of two strictly below size (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


# --- proofs ----------------------------------------------------------------------------------


def inclusion_proof_ranges(index: int, tree_size: int) -> list[LeafRange]:
    """Leaf ranges [start, end) whose MTH form PATH(index, D[tree_size]), leaf side first."""
    if not 0 <= index < tree_size:
        raise TreeRangeError(
            f"leaf index {index} is outside a tree of size {tree_size} "
            "(need 0 <= index < tree_size)"
        )
    ranges: list[LeafRange] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_proof_ranges(first: int, second: int) -> list[LeafRange]:
    """Leaf ranges [start, end) whose MTH form PROOF(first, D[second]), deepest first."""
    _check_sizes(first, second)
    if first in (0, second):
        return []
    ranges: list[LeafRange] = []
    start, end, m, whole = 0, second, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def inclusion_proof(
    leaf_hashes: Sequence[bytes], index: int, tree_size: int | None = None
) -> list[bytes]:
    """Audit path of leaf `index` in the tree of the first `tree_size` leaves (default: all)."""
    size = len(leaf_hashes) if tree_size is None else tree_size
    _check_available(size, len(leaf_hashes), "tree_size")
    return _hash_ranges(leaf_hashes, size, inclusion_proof_ranges(index, size))


def consistency_proof(
    leaf_hashes: Sequence[bytes], first: int, second: int | None = None
) -> list[bytes]:
    """Consistency proof from tree size `first` to `second` (default: all leaves)."""
    size = len(leaf_hashes) if second is None else second
    _check_available(size, len(leaf_hashes), "second")
    return _hash_ranges(leaf_hashes, size, consistency_proof_ranges(first, size))


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does `proof` show leaf `index` of tree `tree_size` is `leaf_hash`?"""
    if not 0 <= index < tree_size or not all(map(_is_hash, [leaf_hash, root, *proof])):
        return False
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(r, root)


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the tree (second, second_root) an extension of (first, first_root)?"""
    if not 0 <= first <= second or not all(map(_is_hash, [first_root, second_root, *proof])):
        return False
    if first == 0:
        return not proof and hmac.compare_digest(first_root, EMPTY_ROOT)
    if first == second:
        return not proof and hmac.compare_digest(first_root, second_root)
    if not proof:
        return False
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root)


def _check_sizes(first: int, second: int) -> None:
    if not 0 <= first <= second:
        raise TreeRangeError(
            f"tree sizes first={first}, second={second} are invalid (need 0 <= first <= second)"
        )


def _check_available(size: int, available: int, name: str) -> None:
    if not 0 <= size <= available:
        raise TreeRangeError(f"{name}={size} is outside the {available} leaf hashes given")


def _hash_ranges(leaf_hashes: Sequence[bytes], size: int, ranges: list[LeafRange]) -> list[bytes]:
    _check_leaf_hashes(leaf_hashes, size)
    return [_mth(list(leaf_hashes[start:end])) for start, end in ranges]


# --- incremental tree ------------------------------------------------------------------------


class MerkleAccumulator:
    """Append-only Merkle tree that keeps only its frontier (compact range of [0, size))."""

    __slots__ = ("_frontier", "_size")

    def __init__(self) -> None:
        self._frontier: list[tuple[int, bytes]] = []
        self._size = 0

    @classmethod
    def from_frontier(cls, frontier: Iterable[tuple[int, bytes]]) -> MerkleAccumulator:
        """Rebuild from `frontier()` output: (height, root) pairs, heights strictly decreasing."""
        acc = cls()
        for position, item in enumerate(frontier):
            if not isinstance(item, tuple | list) or len(item) != 2:
                raise FrontierError(f"frontier entry {position}: expected (height, hash)")
            height, digest = item
            if isinstance(height, bool) or not isinstance(height, int) or not 0 <= height < 64:
                raise FrontierError(f"frontier entry {position}: height {height!r} not in 0..63")
            if acc._frontier and height >= acc._frontier[-1][0]:
                raise FrontierError(
                    f"frontier entry {position}: height {height} must be below the previous "
                    f"height {acc._frontier[-1][0]}"
                )
            if not _is_hash(digest):
                raise FrontierError(f"frontier entry {position}: hash must be {HASH_SIZE} bytes")
            acc._frontier.append((height, digest))
            acc._size += 1 << height
        return acc

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MerkleAccumulator:
        acc = cls()
        acc.extend(leaf_hashes)
        return acc

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def frontier(self) -> list[tuple[int, bytes]]:
        """(height, subtree root) pairs, left to right; sum of 2**height equals `size`."""
        return list(self._frontier)

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash; return its 0-based index."""
        _check_hash(leaf_hash, "leaf_hash")
        frontier = self._frontier
        height, digest = 0, leaf_hash
        while frontier and frontier[-1][0] == height:
            digest = _node(frontier.pop()[1], digest)
            height += 1
        frontier.append((height, digest))
        self._size += 1
        return self._size - 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for digest in leaf_hashes:
            self.append(digest)

    def root(self) -> bytes:
        """MTH of all leaves appended so far (EMPTY_ROOT when empty)."""
        if not self._frontier:
            return EMPTY_ROOT
        digest = self._frontier[-1][1]
        for _, left in reversed(self._frontier[:-1]):
            digest = _node(left, digest)
        return digest

    def copy(self) -> MerkleAccumulator:
        return MerkleAccumulator.from_frontier(self._frontier)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MerkleAccumulator):
            return NotImplemented
        return self._frontier == other._frontier

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"MerkleAccumulator(size={self._size}, root={self.root().hex()})"


# --- canonical JSON --------------------------------------------------------------------------


def canonical_json(value: object) -> bytes:
    """RFC 8785 style canonical JSON as UTF-8 bytes.

    Accepts None, bool, int (within +-(2**53 - 1)), finite float, str (no lone surrogates),
    list/tuple and Mapping with str keys; anything else raises CanonicalJSONError naming the
    JSON path of the offending value, e.g. "$.after.tags[2]".
    """
    parts: list[str] = []
    _write_json(value, parts, "$")
    return "".join(parts).encode("utf-8")


def _write_json(value: object, out: list[str], path: str) -> None:
    if value is None or isinstance(value, bool):
        out.append({None: "null", True: "true", False: "false"}[value])
    elif isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise CanonicalJSONError(f"{path}: integer {value} is outside +-(2**53 - 1)")
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(_format_float(value, path))
    elif isinstance(value, str):
        out.append(_quote(value, path))
    elif isinstance(value, Mapping):
        _write_object(value, out, path)
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write_json(item, out, f"{path}[{i}]")
        out.append("]")
    else:
        raise CanonicalJSONError(f"{path}: {type(value).__name__} is not a JSON value")


def _write_object(value: Mapping[object, object], out: list[str], path: str) -> None:
    items = []
    for key, item in value.items():
        if not isinstance(key, str):
            raise CanonicalJSONError(f"{path}: object key {key!r} is not a string")
        items.append((key.encode("utf-16-be", "surrogatepass"), _quote(key, path), key, item))
    items.sort(key=lambda entry: entry[0])
    out.append("{")
    for i, (_, quoted, key, item) in enumerate(items):
        out.append("," + quoted + ":" if i else quoted + ":")
        _write_json(item, out, f"{path}.{key}")
    out.append("}")


def _quote(text: str, path: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalJSONError(f"{path}: string {text!r:.60} has a lone surrogate") from exc
    return json.dumps(text, ensure_ascii=False)


def _format_float(value: float, path: str) -> str:
    """ECMAScript Number::toString (RFC 8785 section 3.2.2.3) from Python's shortest repr."""
    if not math.isfinite(value):
        raise CanonicalJSONError(f"{path}: {value!r} has no JSON form (NaN/Infinity rejected)")
    if value == 0:
        return "0"
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    n = len(whole) + int(exponent or 0)
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        text = (
            digits[0] + ("." + digits[1:] if k > 1 else "") + f"e{'+' if e >= 0 else '-'}{abs(e)}"
        )
    return "-" + text if value < 0 else text


# --- signed tree heads -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TreeHead:
    """Tree size, root hash and time (ms since the Unix epoch, UTC) of one state of the log."""

    tree_size: int
    root_hash: bytes
    timestamp: int

    def __post_init__(self) -> None:
        for name in ("tree_size", "timestamp"):
            number = getattr(self, name)
            if isinstance(number, bool) or not isinstance(number, int):
                raise MerkleError(f"{name} must be an int, got {number!r}")
            if not 0 <= number <= _MAX_UINT64:
                raise MerkleError(f"{name}={number} is outside 0..2**64-1")
        _check_hash(self.root_hash, "root_hash")

    def to_bytes(self) -> bytes:
        """RFC 6962 3.5 TreeHeadSignature bytes (50 bytes): what the signature covers."""
        return _TREE_HEAD_FORMAT.pack(0, 1, self.timestamp, self.tree_size) + self.root_hash

    @classmethod
    def from_bytes(cls, data: bytes) -> TreeHead:
        if len(data) != _TREE_HEAD_FORMAT.size + HASH_SIZE:
            raise MerkleError(f"a tree head is {_TREE_HEAD_FORMAT.size + HASH_SIZE} bytes")
        version, kind, timestamp, tree_size = _TREE_HEAD_FORMAT.unpack_from(data)
        if (version, kind) != (0, 1):
            raise MerkleError(f"unknown tree head version {version} or signature type {kind}")
        return cls(tree_size, data[_TREE_HEAD_FORMAT.size :], timestamp)


def sign_tree_head(head: TreeHead, private_key: Ed25519PrivateKey) -> bytes:
    """64-byte Ed25519 signature over `head.to_bytes()`."""
    return private_key.sign(head.to_bytes())


def verify_tree_head(head: TreeHead, signature: bytes, public_key: Ed25519PublicKey) -> bool:
    if not isinstance(signature, bytes) or len(signature) != _SIGNATURE_SIZE:
        return False
    try:
        public_key.verify(signature, head.to_bytes())
    except InvalidSignature:
        return False
    return True


# --- keys ------------------------------------------------------------------------------------


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_pem(private_key: Ed25519PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM."""
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key_from_pem(data: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"not an unencrypted PKCS#8 PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError(f"expected an Ed25519 private key, got {type(key).__name__}")
    return key


def public_key_to_pem(public_key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_from_pem(data: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFormatError(f"not a SubjectPublicKeyInfo PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFormatError(f"expected an Ed25519 public key, got {type(key).__name__}")
    return key


def key_id(public_key: Ed25519PublicKey) -> bytes:
    """SHA-256 of the DER SubjectPublicKeyInfo (the RFC 6962 3.2 log ID)."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).digest()


def write_private_key(path: Path, private_key: Ed25519PrivateKey) -> None:
    """Create `path` with mode 0600 holding the PEM key; never overwrites (FileExistsError)."""
    pem = private_key_to_pem(private_key)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def read_private_key(path: Path) -> Ed25519PrivateKey:
    return private_key_from_pem(path.read_bytes())
