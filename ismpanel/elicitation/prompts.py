"""Keyboard prompts of the interview, built on questionary (prompt_toolkit underneath).

One keypress answers: v, a, x, o; b back, s skip, n note, ? help, q save and quit. Nothing is
chosen by default: Enter and every other key answer nothing (the prompt returns "enter" or
"unknown", so that the wizard can say which keys work). Ctrl-C raises KeyboardInterrupt and
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
# Keys that are no keypress of the expert's, or that the prompt handles itself; every other
# key the terminal can send (the line editor's own ones included: Tab, Ctrl-A, arrows...) is
# bound, so that it answers "unknown" instead of editing an invisible line.
NOT_KEYPRESSES = {
    Keys.ControlC,
    Keys.ControlD,
    Keys.SIGINT,
    Keys.Enter,
    Keys.ControlJ,
    Keys.Ignore,
    Keys.CPRResponse,
    Keys.Vt100MouseEvent,
    Keys.WindowsMouseEvent,
    Keys.ScrollUp,
    Keys.ScrollDown,
}
NOTE_PROMPT = "Note (others may see it unnamed in later rounds; Enter saves, empty cancels):"
HINT = "v a x o · b back · s skip · n note · ? help · q save and quit"


def pair_question(message: str = "Your answer", **kwargs: Any) -> questionary.Question:
    """A single-key prompt returning "V", "A", "X", "O", "back", "skip", "note", "help",
    "quit", "enter" (a bare Enter) or "unknown" (any other key); ``kwargs`` go to
    prompt_toolkit (``input``, ``output`` in tests)."""
    bindings = KeyBindings()

    def bind(key: str, action: str) -> None:
        @bindings.add(key)
        def _(event) -> None:
            event.app.exit(result=action)

    for key, action in KEYS.items():
        bind(key, action)
        if key.isalpha():
            bind(key.upper(), action)

    _interrupt_and_eof(bindings, "quit")

    @bindings.add(Keys.Enter)
    @bindings.add(Keys.ControlJ)
    def _enter(event) -> None:
        """Enter answers nothing: there is no default answer."""
        event.app.exit(result="enter")

    def other(event) -> None:
        event.app.exit(result="unknown")

    for key in Keys:
        if key not in NOT_KEYPRESSES:
            bindings.add(key)(other)

    kwargs.setdefault("output", _terminal_output())
    session = PromptSession(
        [("class:question", f"{message} ({HINT}): ")],
        key_bindings=bindings,
        **kwargs,
    )
    return questionary.Question(session.app)


def note_question(**kwargs: Any) -> questionary.Question:
    """Free text for a note on the current pair; empty (or Ctrl-D) cancels."""
    return _line_question(NOTE_PROMPT, "", **kwargs)


def pick_question(message: str, **kwargs: Any) -> questionary.Question:
    """A line of text (a pair's number, a page key or q) for the review list; Ctrl-D gives
    "q" (leave)."""
    return _line_question(message, "q", **kwargs)


def _line_question(message: str, eof_result: str, **kwargs: Any) -> questionary.Question:
    """One line of text, Enter accepts; Ctrl-C raises KeyboardInterrupt and Ctrl-D returns
    ``eof_result`` (prompt_toolkit would raise EOFError, a traceback on the expert's screen)."""
    bindings = KeyBindings()
    _interrupt_and_eof(bindings, eof_result)
    kwargs.setdefault("output", _terminal_output())
    session = PromptSession([("class:question", f"{message} ")], key_bindings=bindings, **kwargs)
    return questionary.Question(session.app)


def _interrupt_and_eof(bindings: KeyBindings, eof_result: str) -> None:
    """Ctrl-C (or a SIGINT) raises KeyboardInterrupt; Ctrl-D returns ``eof_result``."""

    @bindings.add(Keys.ControlC)
    @bindings.add(Keys.SIGINT)
    def _interrupt(event) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    @bindings.add(Keys.ControlD)
    def _eof(event) -> None:
        event.app.exit(result=eof_result)


def _terminal_output() -> Vt100_Output:
    """The terminal without cursor-position requests: a one-line prompt needs no layout, and a
    terminal that does not answer them (some SSH clients, multiplexers, test harnesses) would
    otherwise hold every answer for prompt_toolkit's one-second CPR timeout."""
    output = Vt100_Output.from_pty(sys.stdout)
    output.enable_cpr = False
    return output
