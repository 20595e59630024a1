"""The hybrid-threat hub: STIX intelligence, incidents, correlation across nations and
disinformation campaigns shared among the pact's nations.

Sub-packages hold the pure domain of each part (for example :mod:`defpact.threats.disinfo`,
coordinated-behaviour detection); storage, API and web entry points build on them.
"""
