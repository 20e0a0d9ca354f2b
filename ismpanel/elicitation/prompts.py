"""Keyboard prompts of the interview, built on questionary (prompt_toolkit underneath).

One keypress answers: v, a, x, o; b back, s skip, n note, ? help, q save and quit. Nothing is
chosen by default: Enter and every other key do nothing. Ctrl-C raises KeyboardInterrupt and
Ctrl-D quits. The functions return :class:`questionary.Question` objects, so tests can drive
them with prompt_toolkit's pipe input.
"""

from __future__ import annotations

import sys
from typing import Any

import questionary
from prompt_toolkit import PromptSession
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.output.vt100 import Vt100_Output

KEYS = {
    "v": "V",
    "a": "A",
    "x": "X",
    "o": "O",
    "b": "back",
    "s": "skip",
    "n": "note",
    "?": "help",
    "q": "quit",
}
HINT = "v a x o · b back · s skip · n note · ? help · q save and quit"


def pair_question(message: str = "Your answer", **kwargs: Any) -> questionary.Question:
    """A single-key prompt returning "V", "A", "X", "O", "back", "skip", "note", "help" or
    "quit"; ``kwargs`` go to prompt_toolkit (``input``, ``output`` in tests)."""
    bindings = KeyBindings()

    def bind(key: str, action: str) -> None:
        @bindings.add(key)
        def _(event) -> None:
            event.app.exit(result=action)

    for key, action in KEYS.items():
        bind(key, action)
        if key.isalpha():
            bind(key.upper(), action)

    @bindings.add(Keys.ControlC)
    def _interrupt(event) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    @bindings.add(Keys.ControlD)
    def _eof(event) -> None:
        event.app.exit(result="quit")

    @bindings.add(Keys.Any)
    @bindings.add(Keys.Enter)
    @bindings.add(Keys.ControlJ)
    @bindings.add(Keys.Tab)
    @bindings.add(Keys.Backspace)
    def _ignore(event) -> None:
        """Every other key, Enter included, does nothing: there is no default answer."""

    kwargs.setdefault("output", _terminal_output())
    session = PromptSession(
        [("class:question", f"{message} ({HINT}): ")],
        key_bindings=bindings,
        **kwargs,
    )
    return questionary.Question(session.app)


def note_question(**kwargs: Any) -> questionary.Question:
    """Free text for a note on the current pair; empty cancels."""
    kwargs.setdefault("output", _terminal_output())
    return questionary.text("Note on this pair (Enter saves, empty cancels):", **kwargs)


def _terminal_output() -> Vt100_Output:
    """The terminal without cursor-position requests: a one-line prompt needs no layout, and a
    terminal that does not answer them (some SSH clients, multiplexers, test harnesses) would
    otherwise hold every answer for prompt_toolkit's one-second CPR timeout."""
    output = Vt100_Output.from_pty(sys.stdout)
    output.enable_cpr = False
    return output
