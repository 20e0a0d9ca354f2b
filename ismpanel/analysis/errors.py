"""Errors raised by the engines; the CLI turns them into one line and an exit code."""


class InputError(ValueError):
    """The input is malformed (exit 2). The message names the offending cell, factor or value;
    ``option`` names the parameter at fault when it came from one (e.g. ``"tiers"``), so that a
    front end can name its own option."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class AnalysisError(RuntimeError):
    """The input is well-formed but the analysis cannot be done on it (exit 1)."""
