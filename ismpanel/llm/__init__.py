"""The LLM plumbing every LLM feature shares: one client for any OpenAI-compatible server
(OpenAI, Ollama, vLLM, llama.cpp, DeepSeek, Qwen...), where its settings and key come from,
JSON replies in the best format the server takes, and calls run a few at a time.

It knows nothing of panels, interviews or briefs: the panelist and the interview assistant
live in :mod:`ismpanel.elicitation.llm`, the brief's narrative in
:mod:`ismpanel.report.narrative`. Optional by design: nothing here imports ``openai`` at
module level, so every other command and ``ismpanel --help`` never load it.
"""
