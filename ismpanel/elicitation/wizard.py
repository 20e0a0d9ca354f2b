"""The two front ends of an interview: the terminal wizard (one rich screen and one keypress
per pair) and the plain line mode (one validated answer per line, pipe-friendly, no defaults).

Both drive :class:`~ismpanel.elicitation.interview.Session`, which commits each answer before
the next screen is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from ismpanel.analysis.errors import InputError
from ismpanel.elicitation.interview import Screen, Session
from ismpanel.elicitation.store import NOTE_CHARS

LINE_CHARS = NOTE_CHARS + 100  # a plain-mode line: a note with its "note " word and room
PLAIN_WORDS = {
    "v": "V",
    "a": "A",
    "x": "X",
    "o": "O",
    "skip": "skip",
    "s": "skip",
    "back": "back",
    "b": "back",
    "quit": "quit",
    "q": "quit",
}
HELP = """\
For each pair, decide whether the first factor {relation} the second, the reverse, both or
neither. Judge the direct relation only; chains through other factors come out of the analysis.
  v  the first factor {relation} the second
  a  the second factor {relation} the first
  x  both ways
  o  neither
  b  go back one pair      s  skip for now (asked again before the end)
  n  add a note            q  save and quit (start again to resume)
Every answer is saved the moment you give it."""


def option_lines(screen: Screen) -> list[tuple[str, str]]:
    """The four answers in words, each naming both factors."""
    a, b, rel = screen.first, screen.second, screen.relation
    return [
        ("v", f"{a.name} ({a.id}) {rel} {b.name} ({b.id})"),
        ("a", f"{b.name} ({b.id}) {rel} {a.name} ({a.id})"),
        ("x", "both ways"),
        ("o", "neither"),
    ]


def progress_line(screen: Screen) -> str:
    left = _duration(screen.seconds_left)
    return f"Pair {screen.position} of {screen.total} · {screen.answered} answered" + (
        f" · {left} left" if left else ""
    )


def render_screen(screen: Screen, console: Console) -> None:
    """Draw one question: progress, both factors with their definitions, the four answers and,
    in a later round, the expert's previous answer and the panel's anonymous distribution."""
    console.print(Rule(progress_line(screen), style="cyan"))
    for f in (screen.first, screen.second):
        line = Text.assemble((f"{f.id}  ", "bold"), (f.name, "bold"))
        if f.definition:
            line.append(f" — {f.definition}", style="dim")
        console.print(line)
    console.print(Text(f"Relation: {screen.relation}", style="italic"))
    for key, words in option_lines(screen):
        console.print(Text.assemble(("  " + key + "  ", "bold cyan"), words))
    for line in earlier_round_lines(screen):
        console.print(Text(line, style="yellow"))
    if screen.current:
        console.print(Text.assemble("Your current answer: ", (screen.current, "bold")))


def earlier_round_lines(screen: Screen) -> list[str]:
    """In a later round: the expert's previous answer (if any) and the panel's anonymous
    distribution of answers from the rounds before."""
    lines = []
    if screen.previous:
        lines.append(f"Your previous answer: {screen.previous}")
    if screen.distribution is not None:
        counts = " · ".join(f"{k} {v}" for k, v in screen.distribution.items())
        lines.append(f"The panel so far (anonymous): {counts}")
    return lines


def run_wizard(
    session: Session,
    console: Console,
    ask: Callable[[], str],
    ask_note: Callable[[], str | None],
    explain: Callable[[Screen], str] | None = None,
) -> str:
    """Run the keyboard interview until every pair is answered ("done") or the expert quits
    ("quit"); KeyboardInterrupt propagates after the answers given so far are saved. On
    ``?`` the help is shown and, below it, ``explain(screen)``: the assistant's explanation of
    the pair or a one-line note (it only ever shows text; it never answers)."""
    console.print(opening_line(session))
    while not session.done:
        render_screen(session.screen(), console)
        action = ask()
        if action in ("V", "A", "X", "O"):
            session.answer(action)
        elif action == "skip":
            session.skip()
        elif action == "back":
            session.back()
        elif action == "note":
            text = ask_note()
            if text and text.strip():
                console.print(save_note(session, text), style="dim")
        elif action == "help":
            console.print(HELP.format(relation=session.store.study.relation))
            if explain is not None:
                with console.status("Asking the assistant..."):
                    text = explain(session.screen())
                console.print(Text(text, style="italic"))
        elif action == "quit":
            return "quit"
    return "done"


def run_plain(session: Session, lines: IO[str], out: IO[str]) -> str:
    """Line mode: print each pair, read one line, accept only v, a, x, o, skip, back, quit (or
    ``note TEXT``); anything else is refused and asked again. End of input quits."""
    out.write(opening_line(session, plain=True) + "\n")
    while not session.done:
        screen = session.screen()
        out.write(
            f"{progress_line(screen)}: {screen.first.id} {screen.first.name} | "
            f"{screen.second.id} {screen.second.name}\n"
        )
        for key, words in option_lines(screen):
            out.write(f"  {key} = {words}\n")
        for line in earlier_round_lines(screen):
            out.write(f"  {line}\n")
        if screen.current:
            out.write(f"  current answer: {screen.current}\n")
        out.write("answer> ")
        out.flush()
        line = lines.readline(LINE_CHARS + 1)
        if not line:
            out.write("\n")
            return "quit"
        if len(line) > LINE_CHARS and not line.endswith("\n"):
            while line and not line.endswith("\n"):  # the rest of the line is no answer
                line = lines.readline(LINE_CHARS + 1)
            out.write(f"line too long (more than {LINE_CHARS:,} characters); not taken\n")
            continue
        word = line.strip()
        action = PLAIN_WORDS.get(word.lower())
        if word.lower().startswith("note ") and word[5:].strip():
            out.write(save_note(session, word[5:]) + "\n")
        elif action is None:
            out.write(f"not an answer: {word!r}; type v, a, x, o, skip, back or quit\n")
        elif action in ("V", "A", "X", "O"):
            session.answer(action)
            out.write(f"saved {screen.pair[0]}-{screen.pair[1]}: {action}\n")
        elif action == "skip":
            session.skip()
        elif action == "back":
            session.back()
        else:
            return "quit"
    return "done"


def save_note(session: Session, text: str) -> str:
    """Save a note on the current pair and say so, or say why it was not saved (too long)."""
    try:
        session.note(text)
    except InputError as err:
        return f"note not saved: {err}"
    return "note saved"


def opening_line(session: Session, plain: bool = False) -> str:
    """Greeting that says where the interview resumes."""
    head = f"Expert {session.expert.id}, round {session.round}: "
    if session.done:
        return head + f"all {session.total} pairs are answered."
    if session.answered:
        return head + (
            f"{session.answered} of {session.total} pairs answered; resuming at "
            f"pair {session.position + 1}."
        )
    hint = "Type v, a, x, o, skip, back or quit." if plain else "Press ? for help."
    return head + f"{session.total} pairs to answer. {hint}"


def closing_line(session: Session) -> str:
    """What the expert reads on leaving: all answered, or how far and how to resume (a skipped
    last pair ends the session but leaves the interview open)."""
    if session.answered == session.total:
        return f"All {session.total} pairs answered and saved. Thank you."
    return (
        f"Saved: {session.answered} of {session.total} pairs answered. Run the same "
        "command to resume."
    )


def _duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    minutes = round(seconds / 60)
    return f"about {minutes} min" if minutes >= 1 else "under a minute"
