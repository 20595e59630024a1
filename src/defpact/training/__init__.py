"""Joint training: the yearly exercise programme, academy seat exchange and their outputs.

The pure domain lives in ``model`` (reference data and validation), ``holidays`` (national
holiday weeks), ``scheduler`` (CP-SAT programme scheduler), ``checker`` (independent plan
checker), ``seats`` (academy seat allocation by maximum Nash welfare or round-robin), ``gantt``
(SVG, iCalendar and CSV outputs) and ``instance`` (JSON file format and a seeded generator).
``cli`` is the file-based Typer entry point.
"""
