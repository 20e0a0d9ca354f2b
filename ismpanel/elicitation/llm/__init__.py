"""LLM assistance through any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp,
DeepSeek, Qwen...): a synthetic panelist, explanations in the interview, factor drafts, and
the brief's narrative, checked claim by claim against the results.

Optional by design: nothing here imports ``openai`` at module level, so every other command,
``ismpanel --help`` and the interview's start-up never load it.
"""
