"""A corpus of malformed files, each given to the command that reads it as the
console script runs it: every case must end with one line on stderr naming the problem, a
non-zero exit and no traceback, within 10 seconds and 1 GB of memory."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from ismpanel.elicitation.store import PanelStore
from tests.helpers import SMALL_FACTORS, small_study, write_csv

SECONDS = 10
MEMORY_KB = 1024 * 1024  # ru_maxrss is in kilobytes on Linux
ROWS = [("P1", "P2"), ("P1", "T1"), ("P1", "U1"), ("P2", "T1"), ("P2", "U1"), ("T1", "U1")]
SSIM = "id,P1,P2,T1,U1\nP1,,V,V,V\nP2,,,O,X\nT1,,,,A\nU1,,,,\n"
FACTORS = "\n".join(",".join(r) for r in SMALL_FACTORS) + "\n"
ENV = {**os.environ, "COLUMNS": "200"}


RUNNER = """
import contextlib, io, json, resource, signal, sys, time
from ismpanel.cli.app import main


def alarm(signum, frame):
    raise TimeoutError("case ran past its time limit")


signal.signal(signal.SIGALRM, alarm)
limit = int(sys.argv[3]) * 1024  # private memory beyond it fails as MemoryError
resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
results = []
for name, argv in json.load(open(sys.argv[1])):
    err = io.StringIO()
    start = time.monotonic()
    signal.alarm(int(sys.argv[2]) * 2)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            main(argv)
        code = 0
    except SystemExit as exit:
        code = exit.code
    except BaseException as exc:  # a traceback the console script would print
        code, err = None, io.StringIO(f"Traceback: {type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
    seconds = time.monotonic() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results.append([name, code, err.getvalue(), seconds, peak])
json.dump(results, sys.stdout)
"""


def run_corpus(cases: dict[str, list[str]], tmp: Path) -> list[tuple[str, int, str, float, int]]:
    """Run every case as ``main(argv)`` in one child process (one start-up for all), each
    under an alarm and the whole under a 1 GB data limit; per case the exit code, stderr,
    seconds and the process's peak resident memory so far (the last peak bounds them all)."""
    listing = tmp / "cases.json"
    listing.write_text(json.dumps(list(cases.items())))
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(listing), str(SECONDS), str(MEMORY_KB)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=len(cases) * SECONDS,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _sparse(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of ``size`` bytes that takes no disk space (a hole after ``head``)."""
    with path.open("wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def _zip_bomb(path: Path) -> Path:
    """A small .xlsx whose one part unpacks to 200 MB."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part,
    ):
        for _ in range(200):
            part.write(b" " * (1 << 20))
    return path


def _study_with(base: Path, tmp: Path, edit: Callable[[Path], None]) -> Path:
    folder = Path(shutil.copytree(base, tmp / "study"))
    edit(folder)
    return folder


def _append(text: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        with (folder / "study.toml").open("a", encoding="utf-8") as fh:
            fh.write("\n" + text + "\n")

    return edit


def _instead(key: str, value: str) -> Callable[[Path], None]:
    """study.toml with a top-level ``key = value`` in place of its ``[[key]]`` tables."""

    def edit(folder: Path) -> None:
        target = folder / "study.toml"
        text = target.read_text(encoding="utf-8").replace(f"[[{key}]]", "[[unused]]")
        target.write_text(f"{key} = {value}\n{text}", encoding="utf-8")

    return edit


def _replace_study(text: str | bytes) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        target = folder / "study.toml"
        target.unlink()
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")

    return edit


def _special_study_file(kind: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        target = folder / "study.toml"
        target.unlink()
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "folder":
            target.mkdir()
        else:
            target.symlink_to("/dev/zero")

    return edit


def _qca(data: str) -> Callable[[Path], None]:
    return _append(
        f'[qca]\ndata = "{data}"\noutcome = "Y"\n[qca.items]\nP1 = ["a"]\nP2 = ["b"]\nY = ["y"]\n'
    )


def _db(content: bytes | None) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        db = folder / "panel.db"
        db.unlink()
        if content is None:
            db.mkdir()
        else:
            db.write_bytes(content)

    return edit


def _cases(base: Path, root: Path) -> dict[str, Callable[[Path], list[str]]]:
    """Case name: a builder that writes the case's files in its own folder and returns the
    command line to run there."""
    rng = random.Random(15)
    deep = "x = " + "[" * 5000 + "]" * 5000 + "\n"

    def table(name: str, content: bytes | str, *command: str) -> Callable[[Path], list[str]]:
        def build(tmp: Path) -> list[str]:
            path = tmp / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            return [c.replace("FILE", str(path)).replace("NEW", str(tmp / "new")) for c in command]

        return build

    def special(kind: str, *command: str) -> Callable[[Path], list[str]]:
        def build(tmp: Path) -> list[str]:
            if kind == "fifo":
                path = tmp / "fifo.csv"
                os.mkfifo(path)
            elif kind == "folder":
                path = tmp / "folder.csv"
                path.mkdir()
            elif kind == "huge":
                path = _sparse(tmp / "huge.csv", 100 * 2**20, SSIM.encode())
            elif kind == "bomb":
                path = _zip_bomb(tmp / "bomb.xlsx")
            else:
                path = Path("/dev/zero")
            return [c.replace("FILE", str(path)).replace("NEW", str(tmp / "new")) for c in command]

        return build

    def study(edit: Callable[[Path], None], *command: str) -> Callable[[Path], list[str]]:
        def build(tmp: Path) -> list[str]:
            folder = _study_with(base, tmp, edit)
            return [
                c.replace("DIR", str(folder)).replace("OUT", str(tmp / "b.md")) for c in command
            ]

        return build

    ism = ("ism", "FILE")
    init = ("init", "NEW", "--factors", "FILE")
    qca = ("qca", "FILE", "--outcome", "Y")
    cal = ("qca", str(root / "ok.csv"), "--outcome", "Y", "--calibrate-file", "FILE")
    long_cell = "x" * 200_000
    cases: dict[str, Callable[[Path], list[str]]] = {
        # tables
        "csv field over the limit (ism)": table("a.csv", f'id,P1\nP1,"{long_cell}"\n', *ism),
        "csv field over the limit (init)": table(
            "f.csv", FACTORS + f'Z1,policy,"{long_cell}",d\n', *init
        ),
        "csv field over the limit (qca)": table("q.csv", f'id,Y\nc1,"{long_cell}"\n', *qca),
        "csv field over the limit (ssim import)": table(
            "a.csv",
            f'id,P1\nP1,"{long_cell}"\n',
            "ssim",
            "import",
            str(base),
            "FILE",
            "--expert",
            "E1",
        ),
        "csv with NUL bytes": table("a.csv", b"id,P1\x00\nP1,\x00V\n", *ism),
        "csv not UTF-8": table("a.csv", b"id,P1\n\xff\xfe\xfa,V\n", *ism),
        "csv broken UTF-16": table("a.csv", b"\xff\xfei\x00d\x00\x00\xd8", *ism),
        "csv empty": table("a.csv", b"", *ism),
        "csv blanks only": table("a.csv", b" \n\t\n", *qca),
        "csv random bytes": table("a.csv", bytes(rng.randrange(256) for _ in range(4096)), *ism),
        "csv ragged ssim": table("a.csv", "id,P1,P2\nP1,,V,V,V,V\nP2\n", *ism),
        "csv unclosed quote": table("a.csv", 'id,P1,P2\nP1,,"V\nP2,,\n', *ism),
        "csv 100k columns": table("a.csv", "id," + ",".join(f"F{k}" for k in range(10**5)), *ism),
        "csv 100 MB": special("huge", *ism),
        "csv 100 MB (qca)": special("huge", *qca),
        "csv is a FIFO": special("fifo", *ism),
        "csv is a folder": special("folder", *qca),
        "csv is /dev/zero": special("zero", *ism),
        "xlsx not a zip": table("a.xlsx", b"PK\x03\x04 not really", *ism),
        "xlsx zip of nothing": table("a.xlsx", b"PK\x05\x06" + b"\x00" * 18, *qca),
        "xlsx unpacking to 200 MB": special("bomb", *ism),
        "factors csv with a bad id": table("f.csv", FACTORS + "9x,policy,n,d\n", *init),
        # TOML files
        "factors toml: factors = 5": table("f.toml", "factors = 5\n", *init),
        "factors toml: dimensions = 5": table(
            "f.toml", 'dimensions = 5\n[[factors]]\nid = "A"\nname = "a"\ndimension = "p"\n', *init
        ),
        "factors toml: factors = [1]": table("f.toml", "factors = [1, 2]\n", *init),
        "factors toml: name = 5": table(
            "f.toml", '[[factors]]\nid = "A"\nname = 5\ndimension = "p"\n', *init
        ),
        "factors toml: study = 5": table("f.toml", "study = 5\n", *init),
        "factors toml nested 5,000 deep": table("f.toml", deep, *init),
        "factors toml not UTF-8": table("f.toml", b'title = "\xff"\n', *init),
        "factors toml 100 MB": lambda tmp: [
            "init",
            str(tmp / "new"),
            "--factors",
            str(_sparse(tmp / "f.toml", 100 * 2**20, b"# x\n")),
        ],
        "calibration: calibration = 5": table("c.toml", "calibration = 5\n", *cal),
        "calibration: conditions = 5": table("c.toml", "[calibration]\nconditions = 5\n", *cal),
        "calibration: anchors of words": table(
            "c.toml", '[calibration.conditions]\nA = ["a", "b", "c"]\n', *cal
        ),
        "calibration nested 5,000 deep": table("c.toml", deep, *cal),
        "calibration is /dev/zero": lambda tmp: [*cal[:-1], "/dev/zero"],
        # study folders
        "study.toml: [study] = 5": study(_replace_study("study = 5\n"), "status", "DIR"),
        "study.toml: factors = 5": study(_instead("factors", "5"), "status", "DIR"),
        "study.toml: dimensions = 5": study(_instead("dimensions", "5"), "status", "DIR"),
        "study.toml: factors = ['a']": study(_instead("factors", "['a']"), "status", "DIR"),
        "study.toml nested 5,000 deep": study(_append(deep), "status", "DIR"),
        "study.toml not TOML": study(_replace_study("[study\n"), "ism", "DIR"),
        "study.toml not UTF-8": study(
            _replace_study(b"[study]\ntitle = '\xff'\n"), "status", "DIR"
        ),
        "study.toml 100 MB": study(
            lambda f: _sparse(f / "study.toml", 100 * 2**20, (f / "study.toml").read_bytes()),
            "status",
            "DIR",
        ),
        "study.toml is a FIFO": study(_special_study_file("fifo"), "status", "DIR"),
        "study.toml is a folder": study(_special_study_file("folder"), "status", "DIR"),
        "study.toml links to /dev/zero": study(_special_study_file("zero"), "status", "DIR"),
        "study.toml: [ism] = 5": study(_instead("ism", "5"), "ism", "DIR"),
        "study.toml: [ism] horizon = 1e9": study(
            _append("[ism]\nhorizon = 1000000000"), "ism", "DIR"
        ),
        "study.toml: [ism] horizon = 1e9 (brief)": study(
            _append("[ism]\nhorizon = 1000000000"), "brief", "DIR", "-o", "OUT"
        ),
        "study.toml: [qca] = 5": study(_instead("qca", "5"), "brief", "DIR", "-o", "OUT"),
        "study.toml: [qca] items = 5": study(
            _append('[qca]\ndata = "q.csv"\noutcome = "Y"\nitems = 5'), "brief", "DIR", "-o", "OUT"
        ),
        "study.toml: [qca] data = /dev/zero": study(_qca("/dev/zero"), "brief", "DIR", "-o", "OUT"),
        "study.toml: [qca] data = /etc/passwd": study(
            _qca("/etc/passwd"), "brief", "DIR", "-o", "OUT"
        ),
        "study.toml: [qca] data is a FIFO": study(
            lambda f: (_qca("q.csv")(f), os.mkfifo(f / "q.csv")), "brief", "DIR", "-o", "OUT"
        ),
        "panel.db random bytes": study(
            _db(bytes(rng.randrange(256) for _ in range(8192))), "status", "DIR"
        ),
        "panel.db empty": study(_db(b""), "aggregate", "DIR"),
        "panel.db is a folder": study(_db(None), "status", "DIR"),
    }
    return cases


def test_every_malformed_file_gives_one_line_and_a_nonzero_exit(tmp_path):
    base = tmp_path / "base"
    small_study(base, experts=1)
    store = PanelStore.open(base)
    store.record_many("E1", 1, dict(zip(ROWS, "VVVOXA", strict=True)), "interview")
    store.close()
    write_csv(tmp_path / "ok.csv", [["id", "Y", "A"], ["c1", "0.2", "0.9"], ["c2", "0.8", "0.1"]])
    cases = {}
    for k, (name, build) in enumerate(_cases(base, tmp_path).items()):
        folder = tmp_path / f"case{k}"
        folder.mkdir()
        cases[name] = build(folder)
    failures = []
    results = run_corpus(cases, tmp_path)
    for name, code, err, seconds, peak_kb in results:
        lines = err.splitlines()
        if (
            code in (0, None)
            or len(lines) != 1
            or not lines[0].startswith("error: ")
            or seconds > SECONDS
            or peak_kb > MEMORY_KB
        ):
            failures.append(f"{name}: exit {code}, {seconds:.1f} s, {peak_kb} kB, {err[-300:]!r}")
    assert len(results) == len(cases) and not failures, "\n".join(failures)
    slowest = max(r[3] for r in results)
    print(f"{len(results)} cases; slowest {slowest:.2f} s; peak memory {results[-1][4] // 1024} MB")
