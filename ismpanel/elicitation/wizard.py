"""The two front ends of an interview: the terminal wizard (one rich screen and one keypress
per pair) and the plain line mode (one validated answer per line, pipe-friendly, no defaults).

Both drive :class:`~ismpanel.elicitation.interview.Session`, which commits each answer before
the next screen is drawn. An expert who has answered every pair gets the list of their pairs
with their letters (review): picking one asks it again, and the store keeps both answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from ismpanel.elicitation.interview import Screen, Session, one_line
from ismpanel.elicitation.store import NOTE_CHARS
from ismpanel.errors import InputError

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
    "help": "help",
    "?": "help",
}
PLAIN_COMMANDS = "v, a, x, o, skip, back, note TEXT, help or quit"
HELP = """\
For each pair, decide whether the first factor {relation} the second, the reverse, both or
neither. Judge the direct relation only; chains through other factors come out of the analysis.
  v  the first factor {relation} the second
  a  the second factor {relation} the first
  x  both ways
  o  neither
  b  go back one pair      s  skip for now (asked again before the end)
  n  add a note            q  save and quit (start again to resume)
Every answer is saved the moment you give it. Notes may be shown to the other experts in
later rounds, without your pseudonym."""
PLAIN_HELP = """\
For each pair, decide whether the first factor {relation} the second, the reverse, both or
neither. Judge the direct relation only; chains through other factors come out of the analysis.
  v  the first factor {relation} the second
  a  the second factor {relation} the first
  x  both ways
  o  neither
  skip       leave the pair for now (asked again before the end)
  back       go back one pair
  note TEXT  save a note on this pair
  quit       save and quit (run the same command to resume)
Every answer is saved the moment you give it. Notes may be shown to the other experts in
later rounds, without your pseudonym."""
ENTER_HINT = "Enter answers nothing (there is no default): press v, a, x or o; ? for help."
UNKNOWN_HINT = "Not a key of this screen: press v, a, x or o to answer; ? for help."
FIRST_PAIR = "This is the first pair: there is nothing before it."


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


def render_screen(screen: Screen, console: Console, status: str | None = None) -> None:
    """Draw one question on a cleared screen: what just happened (``status``: the answer
    saved, say), progress, both factors with their definitions, the four answers and, in a
    later round, the expert's previous answer, the panel's anonymous distribution and notes."""
    console.clear()
    if status:
        console.print(Text(status, style="green"))
    console.print(Rule(progress_line(screen), style="cyan"))
    for f in (screen.first, screen.second):
        line = Text.assemble((f"{f.id}  ", "bold"), (f.name, "bold"))
        if f.definition:
            line.append(f" — {one_line(f.definition)}", style="dim")
        console.print(line)
    console.print(Text(f"Relation: {screen.relation}", style="italic"))
    for key, words in option_lines(screen):
        console.print(Text.assemble(("  " + key + "  ", "bold cyan"), words))
    for line in earlier_round_lines(screen) + note_lines(screen):
        console.print(Text(line, style="yellow"))
    if screen.current:
        console.print(Text.assemble("Your current answer: ", (screen.current, "bold")))


def earlier_round_lines(screen: Screen) -> list[str]:
    """In a later round: the expert's previous answer (if any) and the panel's anonymous
    distribution of answers at the end of the round before, named."""
    lines = []
    if screen.previous:
        lines.append(f"Your previous answer: {screen.previous}")
    if screen.distribution is not None:
        counts = " · ".join(f"{k} {v}" for k, v in screen.distribution.items())
        lines.append(f"The panel after round {screen.feedback_round} (anonymous): {counts}")
    return lines


def note_lines(screen: Screen) -> list[str]:
    """The notes on the pair: other experts' from earlier rounds, anonymous, and the
    expert's own, marked."""
    if not screen.notes:
        return []
    return ["Notes on this pair:"] + [
        f"  - {'(yours) ' if n.mine else ''}{n.text}" for n in screen.notes
    ]


def run_wizard(
    session: Session,
    console: Console,
    ask: Callable[[], str],
    ask_note: Callable[[], str | None],
    explain: Callable[[Screen], str] | None = None,
    ask_pick: Callable[[], str] | None = None,
) -> str:
    """Run the keyboard interview, one cleared screen per pair, until the expert quits
    ("quit") or every pair is answered ("done"). With ``ask_pick`` (a line of text), a
    finished expert then gets the review list instead, and leaves it with q ("done").
    KeyboardInterrupt propagates after the answers given so far are saved. On ``?`` the help
    is shown and, below it, ``explain(screen)``: the assistant's explanation of the pair or a
    one-line note (it only ever shows text; it never answers)."""
    status = opening_line(session)
    while True:
        if session.done:
            if ask_pick is None or not review(session, console, ask_pick, status):
                return "done"
            status = None
        render_screen(session.screen(), console, status)
        status = _answer_screen(session, console, ask, ask_note, explain)
        if status == "quit":
            return "quit"


def _answer_screen(
    session: Session,
    console: Console,
    ask: Callable[[], str],
    ask_note: Callable[[], str | None],
    explain: Callable[[Screen], str] | None,
) -> str | None:
    """Read keys on one screen until one moves to another pair; returns "quit" or the line
    to show at the top of the next screen. Help, notes and hints print below this screen."""
    screen = session.screen()
    pair = f"{screen.pair[0]}-{screen.pair[1]}"
    while True:
        action = ask()
        if action in ("V", "A", "X", "O"):
            session.answer(action)
            return f"saved: {action} for {pair}"
        if action == "skip":
            session.skip()
            kept = f"kept: {screen.current}" if screen.current else "still open"
            return f"skipped {pair} ({kept})"
        if action == "back":
            if session.back():
                return None
            console.print(FIRST_PAIR, style="yellow")
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
        else:
            console.print(ENTER_HINT if action == "enter" else UNKNOWN_HINT, style="yellow")


def review(
    session: Session, console: Console, ask_pick: Callable[[], str], status: str | None
) -> bool:
    """The finished expert's pairs with their letters, a page at a time on a cleared screen;
    True once a pair is picked (the session then stands on it), False when the expert leaves."""
    entries = review_entries(session)
    width = max(len(e) for e in entries) + 3
    columns = max(1, (console.width + 3) // width)
    rows = [entries[k : k + columns] for k in range(0, len(entries), columns)]
    per_page = max(1, console.height - 6)
    pages = [rows[k : k + per_page] for k in range(0, len(rows), per_page)]
    page = 0
    while True:
        console.clear()
        if status:
            console.print(Text(status, style="green"))
        console.print(Rule(review_heading(session), style="cyan"))
        for row in pages[page]:
            console.print(Text("   ".join(e.ljust(width - 3) for e in row).rstrip()))
        more = f" n/p next/previous page ({page + 1} of {len(pages)})." if len(pages) > 1 else ""
        console.print(
            f"Type a pair's number and Enter to answer it again (s there keeps it); q to "
            f"leave.{more}",
            style="dim",
        )
        reply = ask_pick().strip().lower()
        status = None
        if reply in ("q", "quit"):
            return False
        if reply == "n" and len(pages) > 1:
            page = (page + 1) % len(pages)
        elif reply == "p" and len(pages) > 1:
            page = (page - 1) % len(pages)
        elif reply.isdigit() and 1 <= int(reply) <= session.total:
            session.go_to(int(reply) - 1)
            return True
        else:
            status = f"Not a pair number: type 1 to {session.total}, or q to leave."


def review_entries(session: Session) -> list[str]:
    """One short entry per pair in interview order: number, pair, current letter (- open)."""
    digits = len(str(session.total))
    return [
        f"{k:>{digits}} {i}-{j} {session.answers.get((i, j), '-')}"
        for k, (i, j) in enumerate(session.order, start=1)
    ]


def review_heading(session: Session) -> str:
    head = f"Round {session.round}: "
    if session.answered == session.total:
        return head + f"all {session.total} pairs answered"
    return head + f"{session.answered} of {session.total} pairs answered (- open)"


def run_plain(session: Session, lines: IO[str], out: IO[str]) -> str:
    """Line mode: print each pair, read one line, accept only v, a, x, o, skip, back, help,
    quit (or ``note TEXT``); anything else is refused and asked again. A finished expert gets
    the numbered list of their pairs to change one ("done" on leaving it). End of input quits."""
    out.write(opening_line(session, plain=True) + "\n")
    listed = False
    while True:
        if session.done:
            if not review_plain(session, lines, out, show_list=not listed):
                return "done" if session.done else "quit"
            listed = True
        if _plain_pair(session, lines, out) == "quit":
            return "quit"


def _plain_pair(session: Session, lines: IO[str], out: IO[str]) -> str | None:
    """One pair in line mode: its text, then lines until one moves on; "quit" to stop."""
    screen = session.screen()
    out.write(
        f"{progress_line(screen)}: {screen.first.id} {screen.first.name} | "
        f"{screen.second.id} {screen.second.name}\n"
    )
    for f in (screen.first, screen.second):
        if f.definition:
            out.write(f"  {f.id}: {one_line(f.definition)}\n")
    for key, words in option_lines(screen):
        out.write(f"  {key} = {words}\n")
    for line in earlier_round_lines(screen) + note_lines(screen):
        out.write(f"  {line}\n")
    if screen.current:
        out.write(f"  current answer: {screen.current}\n")
    while True:
        word = _read_line(lines, out, "answer> ")
        if word is None:
            out.write("\n")
            return "quit"
        action = PLAIN_WORDS.get(word.lower())
        if word.lower().startswith("note ") and word[5:].strip():
            out.write(save_note(session, word[5:]) + "\n")
        elif action is None:
            out.write(f"not an answer: {word!r}; type {PLAIN_COMMANDS}\n")
        elif action in ("V", "A", "X", "O"):
            session.answer(action)
            out.write(f"saved {screen.pair[0]}-{screen.pair[1]}: {action}\n")
            return None
        elif action == "skip":
            session.skip()
            return None
        elif action == "back":
            if session.back():
                return None
            out.write(FIRST_PAIR + "\n")
        elif action == "help":
            out.write(PLAIN_HELP.format(relation=session.store.study.relation) + "\n")
        else:
            return "quit"


def review_plain(session: Session, lines: IO[str], out: IO[str], show_list: bool) -> bool:
    """Line mode's review: the numbered pairs with their letters (on entering, and on
    ``list``), then a pair's number to answer it again; False on quit or end of input."""
    out.write(
        f"{review_heading(session)}. Type a pair's number to answer it again, list to see "
        "the pairs, or quit.\n"
    )
    if show_list:
        _write_pair_list(session, out)
    while True:
        word = _read_line(lines, out, "change> ")
        if word is None:
            out.write("\n")
            return False
        if word.lower() in ("q", "quit"):
            return False
        if word.lower() == "list":
            _write_pair_list(session, out)
        elif word.isdigit() and 1 <= int(word) <= session.total:
            session.go_to(int(word) - 1)
            return True
        else:
            out.write(f"not a pair number: {word!r}; type 1 to {session.total}, list or quit\n")


def _write_pair_list(session: Session, out: IO[str]) -> None:
    study = session.store.study
    digits = len(str(session.total))
    for k, (i, j) in enumerate(session.order, start=1):
        letter = session.answers.get((i, j), "-")
        out.write(
            f"  {k:>{digits}}  {i} {study.factor(i).name} | {j} {study.factor(j).name}: {letter}\n"
        )


def _read_line(lines: IO[str], out: IO[str], prompt: str) -> str | None:
    """Write the prompt and read one line, stripped; None at end of input. A line over
    :data:`LINE_CHARS` is refused (and read to its end) and the prompt written again."""
    while True:
        out.write(prompt)
        out.flush()
        line = lines.readline(LINE_CHARS + 1)
        if not line:
            return None
        if len(line) <= LINE_CHARS or line.endswith("\n"):
            return line.strip()
        while line and not line.endswith("\n"):  # the rest of the line is no answer
            line = lines.readline(LINE_CHARS + 1)
        out.write(f"line too long (more than {LINE_CHARS:,} characters); not taken\n")


def save_note(session: Session, text: str) -> str:
    """Save a note on the current pair and say so, or say why it was not saved (too long)."""
    try:
        session.note(text)
    except InputError as err:
        return f"note not saved: {err}"
    return "note saved; other experts may read it in a later round, without your name"


def opening_line(session: Session, plain: bool = False) -> str:
    """Greeting that says where the interview resumes."""
    head = f"Expert {session.expert.id}, round {session.round}: "
    if session.done:
        return head + f"all {session.total} pairs are answered; you may change any of them."
    if session.answered:
        return head + (
            f"{session.answered} of {session.total} pairs answered; resuming at "
            f"pair {session.position + 1}."
        )
    hint = f"Type {PLAIN_COMMANDS}." if plain else "Press ? for help."
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
