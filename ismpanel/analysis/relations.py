"""The four relation letters of an SSIM (no numpy here: the interview imports it)."""

LETTERS = ("V", "A", "X", "O")
"""V: i influences j; A: j influences i; X: both; O: neither."""

SWAPPED = {"V": "A", "A": "V", "X": "X", "O": "O"}
"""The letter for the same relation with the pair written the other way round."""
