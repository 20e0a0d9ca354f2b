"""``brief --narrative``: the recommendations rewritten as prose by an LLM (:mod:`.prose`),
kept only when every claim in it checks against the computed results (:mod:`.grounding`).
"""
