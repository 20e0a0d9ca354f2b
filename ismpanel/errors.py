"""The errors every layer raises; the command line (``cli/app.py``) turns them into one line
and an exit code, naming the option at fault in the command's own words."""


class InputError(ValueError):
    """The input is malformed (exit 2). The message names the offending cell, factor or value
    but no command-line flag: ``option`` names the parameter at fault when it came from one
    (e.g. ``"tiers"``), and ``remedy`` a parameter that would get past the problem (e.g.
    ``"dropna"``), so that each front end names them in its own words once."""

    def __init__(
        self, message: str, *, option: str | None = None, remedy: str | None = None
    ) -> None:
        super().__init__(message)
        self.option = option
        self.remedy = remedy


class AnalysisError(RuntimeError):
    """The input is well-formed but the analysis cannot be done on it (exit 1)."""
