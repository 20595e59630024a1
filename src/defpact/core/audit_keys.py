"""The node's Ed25519 key that signs audit tree heads (created once at ``defpact init``)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from defpact.core.merkle import generate_private_key, read_private_key, write_private_key

__all__ = ["ensure_signing_key", "load_signing_key"]


def ensure_signing_key(path: Path) -> Ed25519PrivateKey:
    """Load the key, creating it (file mode 0600) if it does not exist yet."""
    if path.exists():
        return read_private_key(path)
    key = generate_private_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_key(path, key)
    return key


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    return ensure_signing_key(path)
