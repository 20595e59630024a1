"""Pact governance: expert groups and meetings, documents and their approval by every ministry,
the action tracker of the declaration's provisions, and accession of new member states.

Pure rules live in ``approval`` (unanimity rounds), ``accession``, ``tracker``, ``textdiff``,
``markup``, ``ical`` and ``timeline``; ``store`` holds the tables, the ``*_service`` modules the
use cases (re-exported by ``service``), and ``api``, ``web`` and ``cli`` are the entry points.
"""
