"""The panel store: ``panel.db`` (SQLite), the only place where answers live.

Every write is its own ``BEGIN IMMEDIATE`` transaction, committed before the caller moves on,
with WAL journaling, ``synchronous=FULL`` and a busy timeout, so that answers survive Ctrl-C, a
dropped SSH connection or ``kill -9``, and many experts can answer at once. History is
append-only: a changed answer adds a row, and the current answer is the latest row.

Schema 2 adds the LLM tables (``llm_panelists``, ``llm_calls``: every prompt, reply, model and
parameter); a schema 1 database is migrated to 2 in one transaction when it is opened.
"""

from __future__ import annotations

import grp
import hashlib
import hmac
import json
import os
import secrets
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ismpanel.analysis.relations import LETTERS
from ismpanel.elicitation.study import Study, load_study
from ismpanel.errors import InputError
from ismpanel.text import printable

DB_FILE = "panel.db"
NOTE_CHARS = 2_000
APP_ID = "ismpanel panel"
SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 60_000
_DEFERRED = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE experts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('human', 'llm')),
    token_hash TEXT,
    seed INTEGER NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE rounds (
    number INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    below REAL
);
CREATE TABLE round_pairs (
    round INTEGER NOT NULL REFERENCES rounds(number),
    i TEXT NOT NULL,
    j TEXT NOT NULL,
    PRIMARY KEY (round, i, j)
);
CREATE TABLE answers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    expert TEXT NOT NULL REFERENCES experts(id),
    round INTEGER NOT NULL REFERENCES rounds(number),
    i TEXT NOT NULL,
    j TEXT NOT NULL,
    relation TEXT NOT NULL CHECK (relation IN ('V', 'A', 'X', 'O')),
    source TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX answers_by_expert ON answers (expert, round, i, j, seq);
CREATE TABLE notes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    expert TEXT NOT NULL REFERENCES experts(id),
    round INTEGER NOT NULL,
    i TEXT NOT NULL,
    j TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
"""

# Schema 2: an LLM panelist's settings, and every call made to a language model (panelist
# samples and interview explanations), each with its prompt, reply, model and parameters.
_LLM_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_panelists (
    expert TEXT PRIMARY KEY REFERENCES experts(id),
    model TEXT NOT NULL,
    base_url TEXT,
    temperature REAL NOT NULL,
    samples INTEGER NOT NULL,
    persona TEXT,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS llm_calls (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose TEXT NOT NULL,
    expert TEXT NOT NULL REFERENCES experts(id),
    round INTEGER NOT NULL,
    i TEXT NOT NULL,
    j TEXT NOT NULL,
    sample INTEGER,
    model TEXT NOT NULL,
    base_url TEXT,
    params TEXT NOT NULL,
    prompt TEXT NOT NULL,
    reply TEXT,
    outcome TEXT NOT NULL,
    detail TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS llm_calls_by_pair ON llm_calls (expert, round, i, j, purpose);
"""

# Experts' non-identifying attributes (free keys); made by the first one recorded, so that
# panels created before it need no migration.
_PROFILE_SCHEMA = """
CREATE TABLE IF NOT EXISTS expert_profiles (
    expert TEXT NOT NULL REFERENCES experts(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (expert, key)
)
"""
PROFILE_KEY_MAX, PROFILE_VALUE_MAX = 40, 200

# The panel's lifecycle: experts who withdrew (from a round on) and rounds the facilitator
# closed; made by the first withdrawal or closure, so that older panels need no migration.
_LIFECYCLE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS withdrawals (
    expert TEXT PRIMARY KEY REFERENCES experts(id),
    round INTEGER NOT NULL,
    reason TEXT,
    at TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS closed_rounds (
    round INTEGER PRIMARY KEY REFERENCES rounds(number),
    at TEXT NOT NULL
)""",
)
REASON_CHARS = 200

Pair = tuple[str, str]


@dataclass(frozen=True)
class Expert:
    """A panel member as the facilitator sees it; ``name`` never reaches an expert's screen."""

    id: str
    name: str
    kind: str
    seed: int
    created: str


@dataclass(frozen=True)
class LlmPanelist:
    """The settings an LLM panelist answers with; fixed when it is registered."""

    expert: str
    model: str
    base_url: str | None
    temperature: float
    samples: int
    persona: str | None


@dataclass(frozen=True)
class LlmCall:
    """One call to a language model as stored: what was sent (``prompt``: the messages as
    JSON; ``params``: temperature, reply format and the like), what came back, and what it
    was taken to mean (``outcome``: a letter, ``unsure``, ``invalid`` or ``failed`` for a
    panelist sample; ``shown``, ``withheld`` or ``failed`` for an explanation)."""

    purpose: str
    expert: str
    round: int
    pair: Pair
    sample: int | None
    model: str
    base_url: str | None
    params: dict
    prompt: list[dict]
    reply: str | None
    outcome: str
    detail: str | None
    prompt_tokens: int | None
    completion_tokens: int | None


@dataclass(frozen=True)
class Withdrawal:
    """An expert who left the panel: their answers from round ``round`` on no longer count
    (those given before it do); the answers themselves stay in the history."""

    expert: str
    round: int
    reason: str | None
    at: str


@dataclass(frozen=True)
class Answer:
    expert: str
    round: int
    pair: Pair
    relation: str
    source: str
    at: str


def now() -> str:
    """UTC timestamp with milliseconds, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def study_pairs(study: Study) -> list[Pair]:
    """Every unordered pair once, row by row as in an SSIM form: (i, j) with i before j."""
    ids = study.factor_ids
    return [(ids[a], ids[b]) for a in range(len(ids)) for b in range(a + 1, len(ids))]


def fingerprint(study: Study) -> str:
    """Identifies the factor list a panel was created for; answers refer to these ids."""
    return hashlib.sha256("\n".join(study.factor_ids).encode()).hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PanelStore:
    """An open ``panel.db`` together with the study it belongs to."""

    def __init__(self, folder: Path, study: Study, conn: sqlite3.Connection) -> None:
        self.folder = folder
        self.study = study
        self.conn = conn
        self.pairs = study_pairs(study)

    # -- opening and creating -------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path, study: Study, group: str | None = None) -> PanelStore:
        """Create ``panel.db`` for a study: readable and writable by its owner only, or also by
        ``group`` (the folder then becomes group-writable and setgid, so that the WAL files
        SQLite creates next to the database stay usable by every member). The database is
        built under a temporary name and linked into place, so it appears whole or not at all."""
        path = folder / DB_FILE
        if path.exists():
            raise InputError(f"{path}: already exists; this folder already holds a panel")
        gid = group_id(group) if group else None
        mode = 0o660 if group else 0o600
        tmp = folder / f".{DB_FILE}.{secrets.token_hex(4)}.tmp"
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode))
        try:
            os.chmod(tmp, mode)
            if gid is not None:
                os.chown(tmp, -1, gid)
            conn = sqlite3.connect(tmp, isolation_level=None)
            conn.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}{_LLM_SCHEMA}COMMIT;")
            with _transaction(conn):
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("app", APP_ID),
                        ("schema", str(SCHEMA_VERSION)),
                        ("study", fingerprint(study)),
                        ("created", now()),
                    ],
                )
                conn.execute("INSERT INTO rounds (number, started) VALUES (1, ?)", (now(),))
            conn.close()
            os.link(tmp, path)
        except FileExistsError:
            raise InputError(f"{path}: already exists; this folder already holds a panel") from None
        finally:
            tmp.unlink(missing_ok=True)
        if gid is not None:
            os.chown(folder, -1, gid)
            os.chmod(folder, 0o2770)
        return cls(folder, study, _connect(path))

    @classmethod
    def open(cls, folder: Path, *, read_only: bool = False) -> PanelStore:
        """Open a study folder's store; a missing, corrupted or foreign database is refused
        with one line naming it. ``read_only`` is for commands that only read: they then
        work in a folder the user cannot write, and never change the database."""
        study = load_study(folder)
        path = folder / DB_FILE
        if not path.is_file():
            raise InputError(f"{folder}: no {DB_FILE}; create the study with init")
        _refuse_links(path)
        try:
            conn = _connect_read_only(path) if read_only else _connect_plain(path)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as err:
            if "readonly" in str(err):
                raise InputError(
                    f"{path}: read-only for you, and this command writes to the panel; run it "
                    "as a user who may write the study folder"
                ) from None
            raise InputError(f"{path}: not an ismpanel panel database ({err})") from None
        if meta.get("app") != APP_ID:
            conn.close()
            raise InputError(f"{path}: not an ismpanel panel database")
        if meta.get("schema") not in ("1", str(SCHEMA_VERSION)):
            conn.close()
            raise InputError(
                f"{path}: panel database schema {meta.get('schema')} is not "
                f"supported (expected {SCHEMA_VERSION})"
            )
        if meta.get("study") != fingerprint(study):
            conn.close()
            raise InputError(
                f"{path}: the factors in study.toml differ from those this panel was created "
                "for; restore study.toml's factor ids and their order"
            )
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as err:
            problems = [str(err)]
        if problems != ["ok"]:
            conn.close()
            lines = "\n".join(problems).splitlines()
            first = next((x for x in lines if x.strip() and not x.startswith("***")), lines[0])
            raise InputError(f"{path}: database is damaged ({first}); restore it from a backup")
        if meta["schema"] == "1" and read_only:  # migrated once by a command that writes
            conn.close()
            return cls.open(folder)
        if not read_only:
            _configure(conn)
        if meta["schema"] == "1":
            _migrate_to_2(conn)
        return cls(folder, study, conn)

    def close(self) -> None:
        self.conn.close()

    # -- experts -------------------------------------------------------------------------

    def add_expert(self, name: str, kind: str = "human") -> tuple[Expert, str | None]:
        """Register an expert under the next pseudonym (E1, E2... or L1, L2... for LLM
        panelists); human experts get a one-time token, of which only the hash is stored."""
        name = printable(name)
        if not name.strip():
            raise InputError("expert name is empty")
        token = secrets.token_urlsafe(12) if kind == "human" else None
        with _transaction(self.conn):
            expert = self._insert_expert(name, kind, hash_token(token) if token else None)
        return expert, token

    def _insert_expert(self, name: str, kind: str, token_hash: str | None) -> Expert:
        """Insert an expert under the next free pseudonym of its kind (inside a transaction)."""
        prefix = "L" if kind == "llm" else "E"
        numbers = [
            int(row[0][1:])
            for row in self.conn.execute("SELECT id FROM experts WHERE kind = ?", (kind,))
        ]
        eid = f"{prefix}{max(numbers, default=0) + 1}"
        seed = secrets.randbits(31)
        created = now()
        self.conn.execute(
            "INSERT INTO experts (id, name, kind, token_hash, seed, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (eid, name.strip(), kind, token_hash, seed, created),
        )
        return Expert(eid, name.strip(), kind, seed, created)

    def experts(self, kind: str | None = None) -> list[Expert]:
        rows = self.conn.execute(
            "SELECT id, name, kind, seed, created FROM experts ORDER BY kind, "
            "CAST(substr(id, 2) AS INTEGER)"
        ).fetchall()
        found = [_expert(row) for row in rows]
        return [e for e in found if kind is None or e.kind == kind]

    def expert(self, eid: str) -> Expert:
        row = self.conn.execute(
            "SELECT id, name, kind, seed, created FROM experts WHERE id = ?", (eid,)
        ).fetchone()
        if row is None:
            known = ", ".join(e.id for e in self.experts()) or "none yet"
            raise InputError(
                f"no such expert {eid} in {self.folder} (known: {known})", option="expert"
            )
        return _expert(row)

    def set_profile(self, eid: str, attributes: dict[str, str]) -> dict[str, str]:
        """Record non-identifying attributes of an expert (sector, role, years of
        experience: free keys); an empty value removes the key. Returns the whole profile."""
        self.expert(eid)
        for key, value in attributes.items():
            check_profile_entry(key, value)
        with _transaction(self.conn):
            self.conn.execute(_PROFILE_SCHEMA)
            for key, value in attributes.items():
                if value.strip():
                    self.conn.execute(
                        "INSERT INTO expert_profiles (expert, key, value) VALUES (?, ?, ?) "
                        "ON CONFLICT (expert, key) DO UPDATE SET value = excluded.value",
                        (eid, key, printable(value).strip()),
                    )
                else:
                    self.conn.execute(
                        "DELETE FROM expert_profiles WHERE expert = ? AND key = ?", (eid, key)
                    )
        return self.profiles().get(eid, {})

    def settings(self, prefix: str) -> dict[str, str]:
        """Values kept in the panel's ``meta`` table under keys starting with ``prefix + ' '``
        (what an LLM server supports, panelists' calibrations), by the rest of the key."""
        rows = self.conn.execute(
            "SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?",
            (len(prefix) + 1, f"{prefix} "),
        )
        return {key[len(prefix) + 1 :]: value for key, value in rows}

    def keep_setting(self, prefix: str, name: str, value: str) -> bool:
        """Keep one such value; False when the panel cannot be written (a read-only study
        folder), which only costs the next run what this one learnt."""
        try:
            with _transaction(self.conn):
                self.conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (f"{prefix} {name}", value),
                )
        except sqlite3.Error:
            return False
        return True

    def profiles(self) -> dict[str, dict[str, str]]:
        """Each expert's recorded attributes, keys in the order first recorded."""
        if not self._has_table("expert_profiles"):  # made by the first profile recorded
            return {}
        out: dict[str, dict[str, str]] = {}
        for eid, key, value in self.conn.execute(
            "SELECT expert, key, value FROM expert_profiles ORDER BY rowid"
        ):  # cleaned again: in a shared folder anyone in the group can write panel.db
            key = printable(str(key)).strip()
            if valid_profile_key(key):
                out.setdefault(str(eid), {})[key] = printable(str(value)).strip()
        return out

    def check_token(self, eid: str, token: str | None) -> None:
        """Refuse a missing or wrong token for a human expert (constant-time comparison)."""
        row = self.conn.execute("SELECT token_hash FROM experts WHERE id = ?", (eid,)).fetchone()
        if row is None:
            self.expert(eid)
        if row[0] is None:
            return
        if not token:
            raise InputError(f"expert {eid} needs the token given at invitation", option="token")
        if not hmac.compare_digest(row[0], hash_token(token)):
            raise InputError(f"wrong token for expert {eid}", option="token")

    def reissue_token(self, eid: str) -> str:
        """A new token for a human expert; the old one stops working with this commit."""
        if self.expert(eid).kind != "human":
            raise InputError(f"{eid} is an LLM panelist, which has no token", option="expert")
        token = secrets.token_urlsafe(12)
        with _transaction(self.conn):
            self.conn.execute(
                "UPDATE experts SET token_hash = ? WHERE id = ?", (hash_token(token), eid)
            )
        return token

    # -- lifecycle: withdrawals and closed rounds -----------------------------------------

    def withdraw(
        self, eid: str, from_round: int | None = None, reason: str | None = None
    ) -> Withdrawal:
        """Take an expert out of the panel from a round on (default: the current one): their
        answers from that round on stop counting and they leave the completeness checks;
        nothing is deleted. Withdrawing again replaces the round and reason."""
        self.expert(eid)
        number = self.current_round() if from_round is None else from_round
        if not 1 <= number <= self.current_round():
            raise InputError(
                f"round {number} does not exist; the panel has rounds 1 to {self.current_round()}",
                option="from-round",
            )
        text = printable(reason or "").strip() or None
        if text is not None and len(text) > REASON_CHARS:
            raise InputError(f"at most {REASON_CHARS} characters", option="reason")
        with _transaction(self.conn):
            self._lifecycle_tables()
            self.conn.execute(
                "INSERT OR REPLACE INTO withdrawals (expert, round, reason, at) "
                "VALUES (?, ?, ?, ?)",
                (eid, number, text, now()),
            )
        return self.withdrawals()[eid]

    def reinstate(self, eid: str) -> None:
        """Undo a withdrawal: the expert's answers count again and they are asked again."""
        if eid not in self.withdrawals():
            raise InputError(f"{eid} has not withdrawn", option="expert")
        with _transaction(self.conn):
            self.conn.execute("DELETE FROM withdrawals WHERE expert = ?", (eid,))

    def withdrawals(self) -> dict[str, Withdrawal]:
        """The experts who withdrew, by id."""
        if not self._has_table("withdrawals"):
            return {}
        rows = self.conn.execute("SELECT expert, round, reason, at FROM withdrawals ORDER BY at")
        return {
            str(e): Withdrawal(str(e), int(r), printable(why) if why else None, str(at))
            for e, r, why, at in rows
        }

    def close_round(self) -> int:
        """Close the current round: its unanswered pairs become missing answers, and the
        panel counts as complete for it. Returns the round's number."""
        number = self.current_round()
        with _transaction(self.conn):
            self._lifecycle_tables()
            if self.conn.execute(
                "SELECT 1 FROM closed_rounds WHERE round = ?", (number,)
            ).fetchone():
                raise InputError(f"round {number} is already closed")
            self.conn.execute(
                "INSERT INTO closed_rounds (round, at) VALUES (?, ?)", (number, now())
            )
        return number

    def reopen_round(self) -> int:
        """Undo the closure of the current round: experts may answer it again."""
        number = self.current_round()
        if not self.round_closed(number):
            raise InputError(f"round {number} is not closed")
        with _transaction(self.conn):
            self.conn.execute("DELETE FROM closed_rounds WHERE round = ?", (number,))
        return number

    def round_closed(self, number: int) -> bool:
        """Whether the facilitator closed a round."""
        if not self._has_table("closed_rounds"):
            return False
        row = self.conn.execute("SELECT 1 FROM closed_rounds WHERE round = ?", (number,))
        return row.fetchone() is not None

    def check_open(self, eid: str | None) -> None:
        """Refuse to take answers from a withdrawn expert or in a closed round, with the
        command that undoes it, before a session or an import starts."""
        if eid is not None and eid in self.withdrawals():
            raise InputError(
                f"expert {eid} has withdrawn from the panel; expert withdraw --undo reinstates"
            )
        number = self.current_round()
        if self.round_closed(number):
            raise InputError(
                f"round {number} is closed; round close --reopen opens it again, round start "
                "opens the next"
            )

    def _lifecycle_tables(self) -> None:
        for statement in _LIFECYCLE_SCHEMA:
            self.conn.execute(statement)

    def _has_table(self, name: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).fetchone()
            is not None
        )

    # -- rounds ----------------------------------------------------------------------------

    def current_round(self) -> int:
        return int(self.conn.execute("SELECT max(number) FROM rounds").fetchone()[0])

    def round_pairs(self, number: int) -> list[Pair]:
        """The pairs asked in a round, in study order: all in round 1, the reopened ones after."""
        if number == 1:
            return list(self.pairs)
        chosen = set(
            self.conn.execute("SELECT i, j FROM round_pairs WHERE round = ?", (number,)).fetchall()
        )
        return [p for p in self.pairs if p in chosen]

    def expert_pairs(self, expert: str, number: int | None = None) -> list[Pair]:
        """The pairs an expert is asked in a round, in study order: the round's pairs and,
        after round 1, every pair the expert has not answered in an earlier round (an expert
        who had not finished, or joined late, is never left with pairs nobody asks)."""
        number = self.current_round() if number is None else number
        reopened = set(self.round_pairs(number))
        if number == 1:
            return [p for p in self.pairs if p in reopened]
        earlier = set(
            self.conn.execute(
                "SELECT DISTINCT i, j FROM answers WHERE expert = ? AND round < ?",
                (expert, number),
            ).fetchall()
        )
        return [p for p in self.pairs if p in reopened or p not in earlier]

    def start_round(self, pairs: list[Pair], below: float | None, force: bool = False) -> int:
        """Open the next round on the given pairs; returns its number. Refused while the
        current round has no answer at all (two rounds opened back to back on the same pairs
        is a slip), unless ``force``."""
        if not pairs:
            raise InputError("no pair to reopen")
        with _transaction(self.conn):
            current = self.current_round()
            if (
                not force
                and not self.conn.execute(
                    "SELECT 1 FROM answers WHERE round = ? LIMIT 1", (current,)
                ).fetchone()
            ):
                raise InputError(
                    f"round {current} has no answer yet; --force opens round {current + 1} anyway"
                )  # the message names its remedy: no option is at fault
            number = current + 1
            self.conn.execute(
                "INSERT INTO rounds (number, started, below) VALUES (?, ?, ?)",
                (number, now(), below),
            )
            self.conn.executemany(
                "INSERT INTO round_pairs (round, i, j) VALUES (?, ?, ?)",
                [(number, i, j) for i, j in pairs],
            )
        return number

    # -- answers ---------------------------------------------------------------------------

    def record(self, expert: str, round_: int, pair: Pair, relation: str, source: str) -> None:
        """Store one answer durably (committed and synced when this returns); refused, with
        why, once its round is no longer open to the expert (see :meth:`_check_accepting`)."""
        relation = relation.upper()
        if relation not in LETTERS:
            raise InputError(f"relation {relation!r}: expected V, A, X or O")
        with _transaction(self.conn):
            self._check_accepting(expert, round_)
            self.conn.execute(
                "INSERT INTO answers (expert, round, i, j, relation, source, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (expert, round_, pair[0], pair[1], relation, source, now()),
            )

    def record_many(self, expert: str, round_: int, answers: dict[Pair, str], source: str) -> None:
        """Store a whole set of answers (an imported SSIM) in one transaction: all or none."""
        stamp = now()
        with _transaction(self.conn):
            self._check_accepting(expert, round_)
            self.conn.executemany(
                "INSERT INTO answers (expert, round, i, j, relation, source, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(expert, round_, i, j, rel, source, stamp) for (i, j), rel in answers.items()],
            )

    def _check_accepting(self, expert: str, round_: int) -> None:
        """Inside a write transaction: an answer belongs to the current round, still open, of
        an expert still in the panel. A session opened before the facilitator closed the round,
        started the next or withdrew the expert is told so, instead of writing an answer that
        would not count, or would pass for newer than the next round's."""
        current = self.current_round()
        if round_ != current:
            raise InputError(
                f"round {round_} is over (round {current} is open); start the interview again"
            )
        if self.round_closed(round_):
            raise InputError(
                f"round {round_} was closed by the facilitator; the answer was not saved"
            )
        left = self.withdrawals().get(expert)
        if left is not None and left.round <= round_:
            raise InputError(
                f"expert {expert} has withdrawn from the panel; the answer was not saved"
            )

    def add_note(self, expert: str, round_: int, pair: Pair, text: str) -> None:
        """Store an expert's note on a pair, without control characters (a note pasted over
        SSH may hold terminal escapes meant for the facilitator's screen); an empty note or
        one longer than :data:`NOTE_CHARS` is refused."""
        text = printable(text).strip()
        if not text:
            raise InputError("the note is empty")
        if len(text) > NOTE_CHARS:
            raise InputError(
                f"a note holds at most {NOTE_CHARS:,} characters ({len(text):,} given)"
            )
        with _transaction(self.conn):
            self.conn.execute(
                "INSERT INTO notes (expert, round, i, j, text, at) VALUES (?, ?, ?, ?, ?, ?)",
                (expert, round_, pair[0], pair[1], text, now()),
            )

    def round_answers(self, expert: str, round_: int) -> dict[Pair, str]:
        """An expert's current answer to each pair answered in a given round."""
        rows = self.conn.execute(
            "SELECT i, j, relation FROM answers WHERE expert = ? AND round = ? ORDER BY seq",
            (expert, round_),
        )
        return {(i, j): rel for i, j, rel in rows}

    def latest_answers(self, up_to_round: int | None = None) -> dict[str, dict[Pair, str]]:
        """Each expert's latest answer per pair over all rounds (up to a round, if given)."""
        limit = self.current_round() if up_to_round is None else up_to_round
        rows = self.conn.execute(
            "SELECT expert, i, j, relation FROM answers WHERE round <= ? ORDER BY round, seq",
            (limit,),
        )
        found: dict[str, dict[Pair, str]] = {}
        for expert, i, j, rel in rows:
            found.setdefault(expert, {})[(i, j)] = rel
        return found

    def history(self, expert: str | None = None) -> list[Answer]:
        query = "SELECT expert, round, i, j, relation, source, at FROM answers"
        args: tuple = ()
        if expert:
            query += " WHERE expert = ?"
            args = (expert,)
        rows = self.conn.execute(query + " ORDER BY seq", args)
        return [Answer(e, r, (i, j), rel, src, at) for e, r, i, j, rel, src, at in rows]

    def notes(self, expert: str | None = None) -> list[tuple[str, int, Pair, str, str]]:
        query = "SELECT expert, round, i, j, text, at FROM notes"
        args: tuple = ()
        if expert:
            query += " WHERE expert = ?"
            args = (expert,)
        return [
            (e, r, (i, j), printable(t), at)
            for e, r, i, j, t, at in self.conn.execute(query + " ORDER BY seq", args)
        ]

    # -- LLM panelists and calls ---------------------------------------------------------

    def add_llm_panelist(self, name: str, settings: LlmPanelist) -> LlmPanelist:
        """Register an LLM panelist (the next L pseudonym) with its settings, in one
        transaction; ``settings.expert`` is ignored and the new pseudonym returned in it."""
        with _transaction(self.conn):
            expert = self._insert_expert(name, "llm", None)
            found = LlmPanelist(expert.id, *_panelist_values(settings)[1:])
            self._insert_panelist(found)
        return found

    def set_llm_settings(self, settings: LlmPanelist) -> None:
        """Give an LLM expert registered by ``expert add --llm`` its settings (once)."""
        with _transaction(self.conn):
            self._insert_panelist(settings)

    def llm_panelists(self) -> dict[str, LlmPanelist]:
        rows = self.conn.execute(
            "SELECT expert, model, base_url, temperature, samples, persona FROM llm_panelists"
        )
        return {row[0]: LlmPanelist(*row) for row in rows}

    def record_llm_call(self, call: LlmCall, answer: str | None = None) -> None:
        """Store one model call; with ``answer``, also record that letter as the expert's
        answer to the pair (source ``llm``) in the same transaction."""
        values = (
            call.purpose,
            call.expert,
            call.round,
            call.pair[0],
            call.pair[1],
            call.sample,
            call.model,
            call.base_url,
            json.dumps(call.params, ensure_ascii=False),
            json.dumps(call.prompt, ensure_ascii=False),
            call.reply,
            call.outcome,
            call.detail,
            call.prompt_tokens,
            call.completion_tokens,
        )
        with _transaction(self.conn):
            if answer is not None:
                self._check_accepting(call.expert, call.round)
            self.conn.execute(
                "INSERT INTO llm_calls (purpose, expert, round, i, j, sample, model, base_url, "
                "params, prompt, reply, outcome, detail, prompt_tokens, completion_tokens, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, now()),
            )
            if answer is not None:
                self.conn.execute(
                    "INSERT INTO answers (expert, round, i, j, relation, source, at) "
                    "VALUES (?, ?, ?, ?, ?, 'llm', ?)",
                    (call.expert, call.round, call.pair[0], call.pair[1], answer, now()),
                )

    def llm_calls(self, expert: str, purpose: str, round_: int | None = None) -> list[LlmCall]:
        """An expert's stored model calls for one purpose (in one round, if given), oldest
        first."""
        query = (
            "SELECT purpose, expert, round, i, j, sample, model, base_url, params, prompt, "
            "reply, outcome, detail, prompt_tokens, completion_tokens FROM llm_calls "
            "WHERE expert = ? AND purpose = ?"
        )
        args: tuple = (expert, purpose)
        if round_ is not None:
            query += " AND round = ?"
            args += (round_,)
        return [
            LlmCall(p, e, r, (i, j), s, m, b, json.loads(pa), json.loads(pr), *rest)
            for p, e, r, i, j, s, m, b, pa, pr, *rest in self.conn.execute(
                query + " ORDER BY seq", args
            )
        ]

    def _insert_panelist(self, settings: LlmPanelist) -> None:
        self.conn.execute(
            "INSERT INTO llm_panelists (expert, model, base_url, temperature, samples, persona, "
            "created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*_panelist_values(settings), now()),
        )

    def last_activity(self, expert: str) -> str | None:
        row = self.conn.execute(
            "SELECT max(at) FROM (SELECT at FROM answers WHERE expert = ? "
            "UNION ALL SELECT at FROM notes WHERE expert = ?)",
            (expert, expert),
        ).fetchone()
        return row[0]

    def answer_times(self, expert: str) -> list[str]:
        """Timestamps of an expert's interview answers, oldest first (for the pace estimate)."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT at FROM answers WHERE expert = ? AND source IN ('interview', 'plain') "
                "ORDER BY seq",
                (expert,),
            )
        ]


def _expert(row: tuple) -> Expert:
    """An expert as stored, the name without control characters (in a shared folder anyone
    in the group can write panel.db, and names reach the facilitator's terminal)."""
    eid, name, kind, seed, created = row
    return Expert(eid, printable(name), kind, seed, created)


def valid_profile_key(key: str) -> bool:
    """A profile key is a short word: 1 to PROFILE_KEY_MAX letters, digits, ``_`` or ``-``."""
    return 0 < len(key) <= PROFILE_KEY_MAX and all(c.isalnum() or c in "_-" for c in key)


def check_profile_entry(key: str, value: str) -> None:
    """A profile key is a short word (letters, digits, ``_``, ``-``); a value is short text."""
    if not valid_profile_key(key):
        raise InputError(
            f"{printable(key)!r}: a key is 1 to {PROFILE_KEY_MAX} letters, digits, _ or -",
            option="attr",
        )
    if len(value) > PROFILE_VALUE_MAX:
        raise InputError(
            f"{key!r}: the value is over {PROFILE_VALUE_MAX} characters", option="attr"
        )


def _panelist_values(settings: LlmPanelist) -> tuple:
    s = settings
    return (s.expert, s.model, s.base_url, s.temperature, s.samples, s.persona)


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    """Schema 1 to 2: add the LLM tables. The version is read again inside the write
    transaction, so that two processes opening the same old database migrate it once."""
    with _transaction(conn):
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row[0] != "1":
            return
        for statement in _LLM_SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))


def _refuse_links(path: Path) -> None:
    """Refuse a panel.db, or a -wal, -shm or -journal file beside it, that is a symbolic link:
    in a group-writable folder a member could plant one, and SQLite, following it, would write
    or truncate a file of the member's choosing with the facilitator's rights."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.is_symlink():
            raise InputError(
                f"{candidate}: is a symbolic link; refused (SQLite would write where it points)"
            )


def _connect(path: Path) -> sqlite3.Connection:
    conn = _connect_plain(path)
    _configure(conn)
    return conn


def _connect_plain(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write. SQLite reads a WAL database read-only only where it
    can create the -shm file or finds it; in a folder the user cannot write and without a
    -wal file (so no writer holds uncheckpointed answers), the file is read as immutable."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(
        f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
    )
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        if Path(f"{path}-wal").exists():
            raise
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _configure(conn: sqlite3.Connection) -> None:
    """WAL, full sync, a long busy timeout and foreign keys, on a validated panel database
    (never on a foreign file: switching to WAL rewrites the file's header)."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``: the write lock is taken up front, so concurrent
    writers queue on the busy timeout instead of failing half-way; any error rolls back.
    Ctrl-C, a hang-up or a termination request arriving meanwhile waits until the commit is
    done, so an answer the expert gave is never rolled back by it."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def group_id(name: str) -> int:
    """The id of a group named on the command line; an unknown group is refused."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise InputError(f"{name!r}: no such group on this machine", option="group") from None
