"""Generate the SYNTHETIC data bundled with the open-gov-privacy study (seeded, reproducible).

Nothing here was observed: it exists to demonstrate the method chain on a plausible structure.

Panel: five synthetic experts answer every pair of the 17 factors. Their answers start from the
ground-truth structure below (deep policy factors drive technology and data factors, user
factors sit near the surface, data quality and public feedback form a cycle) and each expert
misreads a share of the pairs (6 % to 22 %, a random other letter). Expert E4 leaves blank the
four pairs on which the other four disagree most, as experts do with hard pairs; those pairs
are answered by four experts, so majority ties can occur.

Questionnaire: 240 synthetic respondents (administrative agencies, enterprises, institutions)
rate three 7-point Likert items per condition (PL1, PL3, TE1, TE2, DA5, US2) and three items on
the outcome (PRIV, privacy security). The outcome follows a configurational model, membership
of PRIV = max of three recipes, each the minimum of its conditions:

    C1  PL1 * PL3 * TE1     law, supervision and de-identification together
    C2  TE2 * DA5 * US2     access control, lifecycle management and literate staff
    C3  PL3 * US2 * ~TE2    strong supervision and staff compensate for weak access control

plus noise. Run from the repository root:  python scripts/generate_open_gov_privacy.py
(``--out DIR`` writes elsewhere, e.g. to check that the bundled files are reproduced).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

SEED = 20261129
STUDY = Path(__file__).resolve().parent.parent / "ismpanel/templates/studies/open-gov-privacy"
FACTORS = [
    "PL1",
    "PL2",
    "PL3",
    "PL4",
    "TE1",
    "TE2",
    "TE3",
    "TE4",
    "DA1",
    "DA2",
    "DA3",
    "DA4",
    "DA5",
    "US1",
    "US2",
    "US3",
    "US4",
]
# ground truth: i directly influences j
ARCS = [
    ("PL1", "PL2"),
    ("PL1", "PL3"),
    ("PL1", "US1"),
    ("PL4", "PL2"),
    ("PL4", "PL3"),
    ("PL4", "TE4"),
    ("PL4", "US2"),
    ("PL2", "TE1"),
    ("PL2", "TE2"),
    ("PL2", "DA1"),
    ("PL2", "DA5"),
    ("PL3", "DA5"),
    ("PL3", "US3"),
    ("PL3", "US4"),
    ("US2", "TE1"),
    ("US2", "DA5"),
    ("TE4", "TE2"),
    ("TE4", "TE3"),
    ("TE3", "DA3"),
    ("TE1", "DA3"),
    ("TE1", "DA1"),
    ("TE2", "US3"),
    ("DA5", "DA2"),
    ("DA5", "DA4"),
    ("DA2", "DA3"),
    ("DA4", "US4"),
    ("US4", "DA4"),
    ("US1", "US4"),
]
MISREAD = {"E1": 0.06, "E2": 0.10, "E3": 0.12, "E4": 0.15, "E5": 0.22}
BLANK_PAIRS = 4
CONDITIONS = ["PL1", "PL3", "TE1", "TE2", "DA5", "US2"]
SECTORS = {"agency": 90, "enterprise": 85, "institution": 65}
ITEMS = 3


def truth_letters() -> dict[tuple[str, str], str]:
    arcs = set(ARCS)
    letters = {}
    for a in range(len(FACTORS)):
        for b in range(a + 1, len(FACTORS)):
            i, j = FACTORS[a], FACTORS[b]
            letters[(i, j)] = {
                (True, True): "X",
                (True, False): "V",
                (False, True): "A",
                (False, False): "O",
            }[((i, j) in arcs, (j, i) in arcs)]
    return letters


def panel(rng: np.random.Generator) -> dict[str, dict[tuple[str, str], str]]:
    truth = truth_letters()
    answers = {}
    for expert, rate in MISREAD.items():
        mine = {}
        for pair, letter in truth.items():
            if rng.random() < rate:
                letter = str(rng.choice([x for x in "VAXO" if x != letter]))
            mine[pair] = letter
        answers[expert] = mine
    others = [e for e in MISREAD if e != "E4"]
    split = sorted(truth, key=lambda p: (_agreement([answers[e][p] for e in others]), p))
    for pair in split[:BLANK_PAIRS]:
        del answers["E4"][pair]
    return answers


def _agreement(letters: list[str]) -> float:
    forward = sum(x in "VX" for x in letters) / len(letters)
    backward = sum(x in "AX" for x in letters) / len(letters)
    return min(max(forward, 1 - forward), max(backward, 1 - backward))


def write_panel(answers: dict[str, dict[tuple[str, str], str]], out: Path) -> None:
    folder = out / "panel"
    folder.mkdir(parents=True, exist_ok=True)
    for expert, mine in answers.items():
        rows = [[f"SYNTHETIC expert {expert}", *FACTORS]]
        for a, i in enumerate(FACTORS):
            row = [i]
            for b, j in enumerate(FACTORS):
                row.append(mine.get((i, j), "") if b > a else "")
            rows.append(row)
        with open(folder / f"{expert}.csv", "w", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)


def questionnaire(rng: np.random.Generator) -> list[list[str]]:
    header = ["respondent", "sector", "source"]
    header += [f"{c}_{k}" for c in [*CONDITIONS, "PRIV"] for k in range(1, ITEMS + 1)]
    rows = [header]
    number = 0
    for sector, count in SECTORS.items():
        shift = {"agency": 0.3, "enterprise": -0.2, "institution": 0.0}[sector]
        for _ in range(count):
            number += 1
            latent = rng.normal(shift, 1.0, len(CONDITIONS))
            member = dict(zip(CONDITIONS, 1 / (1 + np.exp(-1.6 * latent)), strict=True))
            recipes = [
                min(member["PL1"], member["PL3"], member["TE1"]),
                min(member["TE2"], member["DA5"], member["US2"]),
                min(member["PL3"], member["US2"], 1 - member["TE2"]),
            ]
            outcome = float(np.clip(max(recipes) + rng.normal(0, 0.12), 0.01, 0.99))
            row = [f"synthetic-{number:03d}", sector, "synthetic"]
            for value in [*member.values(), outcome]:
                row += [str(_likert(rng, value)) for _ in range(ITEMS)]
            rows.append(row)
    return rows


def _likert(rng: np.random.Generator, membership: float) -> int:
    """A 1-7 answer around the membership, with item noise."""
    return int(np.clip(np.rint(1 + 6 * membership + rng.normal(0, 0.7)), 1, 7))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=STUDY, help="folder to write into")
    out = parser.parse_args().out
    rng = np.random.default_rng(SEED)
    write_panel(panel(rng), out)
    with open(out / "questionnaire.csv", "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(questionnaire(rng))
    print(f"wrote synthetic panel and questionnaire under {out}")


if __name__ == "__main__":
    main()
