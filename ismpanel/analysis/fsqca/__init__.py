"""Fuzzy-set QCA with R QCA's semantics (docs/architecture.md, Method definitions), one module
per step as R names it: ``data`` (the case table as numbers), ``calibrate``, ``truthtable``
(``truthTable``), ``necessity`` and ``fit`` (``pof``), ``implicants`` (prime implicants),
``order`` (R's listing order of them), ``chart`` (``makeChart``), ``cover`` (``solveChart``),
``solution`` (``minimize``: complex and parsimonious), ``intermediate``, ``configuration`` (core
and peripheral conditions), ``pipeline`` (the whole analysis in one call, within a ``budget``),
and ``robustness`` (Oana and Schneider's protocol, over ``reruns``, ``ranges`` and
``robust_fit``). Pure functions over numpy: no printing, no prompts, no files."""
