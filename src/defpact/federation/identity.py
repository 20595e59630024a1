"""This node's federation identity: its id, the nations it serves and its Ed25519 key pair.

The key (``var/federation-key.pem``, mode 0600) is created by ``defpact init``; its public half
is served at ``/api/federation/node`` and pinned by every peer. Each feed page a node serves is
signed with it over ``node id, peer nation, added_after, last date_added, body`` (joined by
newlines), so a page cannot be forged, altered, or replayed for another peer or cursor.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from defpact.core.audit_keys import ensure_signing_key
from defpact.core.config import Settings

__all__ = [
    "NodeIdentity",
    "decode_public_key",
    "encode_public_key",
    "ensure_node_identity",
    "page_message",
    "sign_page",
    "verify_page",
]


@dataclass(frozen=True, slots=True)
class NodeIdentity:
    node_id: str
    nations: frozenset[str]
    key: Ed25519PrivateKey

    @property
    def public_key(self) -> str:
        return encode_public_key(self.key.public_key())


def ensure_node_identity(settings: Settings) -> NodeIdentity:
    """The node's identity, creating its id file and key (0600) on first use."""
    key = ensure_signing_key(settings.federation_key_path)
    return NodeIdentity(settings.effective_node_id(), settings.served_nations, key)


def encode_public_key(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key, base64 (standard alphabet, padded)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def decode_public_key(text: str) -> Ed25519PublicKey:
    """Raises ValueError naming the expected form."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the public key must be base64 of 32 raw Ed25519 bytes") from None
    if len(raw) != 32:
        raise ValueError("the public key must be base64 of 32 raw Ed25519 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def page_message(
    node_id: str, peer_nation: str, added_after: str, last_added: str, body: bytes
) -> bytes:
    """What a feed page's signature covers: who served it, to whom, for which cursor."""
    return f"{node_id}\n{peer_nation}\n{added_after}\n{last_added}\n".encode() + body


def sign_page(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode("ascii")


def verify_page(public_key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
