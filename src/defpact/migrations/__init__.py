"""Alembic revisions of the defpact schema (one linear history for every context)."""
