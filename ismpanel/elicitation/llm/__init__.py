"""The LLM's parts in the panel: a synthetic panelist and its calibration against the human
experts, explanations in the interview (never a verdict), and factor drafts for a new study.

They ask through :mod:`ismpanel.llm`; nothing here imports ``openai`` at module level, so
every other command, ``ismpanel --help`` and the interview's start-up never load it.
"""
