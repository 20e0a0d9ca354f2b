"""Fuzzy-set QCA with R QCA's semantics (docs/architecture.md, Method definitions): ``calibrate``
(direct method, both log-odds conventions, percentiles, crisp), ``truthtable``, ``necessity``,
``minimize`` (exact prime implicants and minimum covers), ``solution`` (complex, parsimonious and
intermediate solutions, counterfactuals, core/peripheral), ``pipeline`` (the whole analysis in one
call), ``core_rule`` (core conditions under model ambiguity), ``robustness`` (Oana and Schneider's
protocol, over ``reruns``, ``ranges`` and ``robust_fit``) and ``data`` (the case table as numbers).
Pure functions over numpy: no printing, no prompts, no files."""
