"""Federation of national nodes: peering, the export feed and pull synchronisation over TAXII 2.1.

An integration layer above the bounded contexts: it may call core and each context's
replication functions; no context imports it (see pyproject's import contracts).
"""
