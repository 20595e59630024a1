"""The STIX 2.1 store of the hybrid-threat hub.

Pure rules (timestamps, markings, validation, query filters) live in :mod:`stamps`,
:mod:`marking`, :mod:`validate` and :mod:`query`; :mod:`store` holds the tables and the SQL,
:mod:`service` the use cases the TAXII 2.1 server (:mod:`defpact.threats.taxii`) calls.
"""
