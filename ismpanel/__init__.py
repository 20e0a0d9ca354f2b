"""ismpanel: expert-panel elicitation, ISM, MICMAC and fsQCA from the terminal, and the same
method chain as Python functions (:mod:`ismpanel.api`, loaded on first use so that the command
line does not pay for pandas)."""

__version__ = "0.1.0"

__all__ = [
    "calibrate",
    "fsqca",
    "ism",
    "micmac",
    "open_panel",
    "panel_ssim",
    "read_ssim",
]


def __getattr__(name: str) -> object:
    """The API's functions, imported when first asked for."""
    if name in __all__:
        from ismpanel import api

        return getattr(api, name)
    raise AttributeError(f"module 'ismpanel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
