"""ismpanel: expert-panel elicitation, ISM, MICMAC and fsQCA from the terminal."""

__version__ = "0.1.0"
