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

The platform part (docs/procurement.md, "In the platform"): ``catalogue`` (validation and
scenario assembly, pure), ``lifecycle`` (joint-order case states, pure), ``portfolio`` (cash
alone vs jointly, pure), ``charts`` (SVG, pure), ``records`` (what services return),
``store`` (tables), ``queries`` (reads through ``visible_to``), the services
``catalogue_service``, ``requirement_service``, ``budget_service``, ``planning_service``,
``case_service`` and ``transfer_service`` (import), ``seed`` (demo data), and the entry
points ``api``/``api_plans``/``api_cases``, ``web``/``web_records``/``web_cases`` and
``cli_records``/``cli_cases`` (mounted by ``cli``).
"""
