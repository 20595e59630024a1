"""The hybrid-threat hub on top of the STIX store: DISARM, incident and campaign reports, STIX and
MISP import, bundle export, the threat board and object graphs."""
