"""Shared kernel: settings, database, nations and membership, identities, markings and audit."""
