"""Joint procurement: member nations buy together and share the bill fairly.

Pure domain modules (no web framework, ORM or CLI library):

- ``cost``: the cost of an order c(S) with price tiers and a learning curve;
- ``sharing``: exact Shapley value by dynamic programming, the proportional rule;
- ``money``: rounding to cents so that shares sum exactly to the joint cost;
- ``fairness``: individual rationality, the core check and the nearest-core allocation;
- ``allocation``: the per-item composition of the above for a chosen rule;
- ``schedule``: LOA signature, award, production line and joint delivery split;
- ``payments``: cash by fiscal year and budget breaches;
- ``scenario``: parsing and validation of scenario files;
- ``plan`` and ``joiner``: the reports of ``defpact procurement plan`` and ``joiner``.

``cli`` is the thin Typer entry point over ``plan`` and ``joiner``.
"""
