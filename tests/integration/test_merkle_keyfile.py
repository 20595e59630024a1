"""The audit signing key file: created owner-only (0600), never overwritten, read back intact."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from defpact.core.merkle import (
    KeyFormatError,
    TreeHead,
    generate_private_key,
    public_key_to_pem,
    read_private_key,
    sign_tree_head,
    verify_tree_head,
    write_private_key,
)


def test_private_key_file_is_owner_only_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "audit-signing-key.pem"
    key = generate_private_key()
    write_private_key(path, key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    restored = read_private_key(path)
    assert public_key_to_pem(restored.public_key()) == public_key_to_pem(key.public_key())
    head = TreeHead(3, bytes(32), 0)
    assert verify_tree_head(head, sign_tree_head(head, restored), key.public_key())


def test_private_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "audit-signing-key.pem"
    write_private_key(path, generate_private_key())
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        write_private_key(path, generate_private_key())
    assert path.read_bytes() == before


def test_reading_a_file_that_is_not_a_key_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "not-a-key.pem"
    path.write_text("hello\n")
    with pytest.raises(KeyFormatError, match="not an unencrypted PKCS#8 PEM private key"):
        read_private_key(path)
