"""The brief's section on what rests on contested judgments, read against a recomputation
that does not use the sensitivity engine: the panel's aggregation (elicitation.aggregate)
with a pair's letter replaced or an expert left out, then analyse_structure, on random panels
and on the bundled study (PL2-US2 and US2)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ismpanel.analysis.micmac import check_tiers
from ismpanel.analysis.ssim import irm_from_letters
from ismpanel.analysis.structure import analyse_structure
from ismpanel.elicitation.aggregate import aggregate
from ismpanel.elicitation.panel import panel_answers
from ismpanel.elicitation.store import PanelStore
from tests.test_brief_claims import EHR, brief_of, make_study

HEADING = "### How much rests on contested judgments"
ENTRY = re.compile(
    r"(?:(?P<pair>\w+-\w+) )?as (?P<letters>[VAXO](?: or [VAXO])*): level (?P<level>\d+) of "
    r"(?P<levels>\d+)(?P<moves>(?:, (?:surface|middle|deep|autonomous|dependent|linkage|"
    r"independent))*)"
)


OTHER = re.compile(
    r"^(?:tier|cluster|tier and cluster) changes? (?:under the .* threshold|without .*|"
    r"aggregated .*)$"
)
ASPECTS = ("tier", "cluster")


def said_each(parts: list[str]) -> list[str]:
    """``tier changes without E1 or E2`` as ``tier without E1``, ``tier without E2``."""
    found = []
    for part in parts:
        aspect, names = re.match(r"(.*?) changes? without (.*)$", part).groups()
        found += [f"{aspect} without {name}" for name in re.split(r", | or ", names)]
    return found


def section(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """The section's paragraphs and its table rows by factor id."""
    body = text.split(HEADING)[1].split("\n## ")[0]
    rows = {
        cells[0]: cells
        for line in body.splitlines()
        if line.startswith("| ") and not line.startswith("| Factor")
        for cells in [[c.strip() for c in line.strip("|").split(" | ")]]
    }
    paragraphs = [p for p in body.split("\n\n") if p.strip() and not p.lstrip().startswith("|")]
    return paragraphs, rows


def structure(study, letters: dict, options):
    """analyse_structure on a {pair: letter} SSIM of the study."""
    ids = study.factor_ids
    pos = {f: k for k, f in enumerate(ids)}
    grid = np.full((len(ids), len(ids)), "", dtype="<U1")
    for (a, b), letter in letters.items():
        grid[pos[a], pos[b]] = letter
    return analyse_structure(ids, irm_from_letters(grid), options)


def test_the_demo_brief_names_pl2_us2_and_us2s_change(cli, tmp_path):
    demo = tmp_path / "demo"
    assert cli("demo", "--out", demo).code == 0
    text = (demo / "brief.md").read_text()
    paragraphs, rows = section(text)
    us2 = rows["US2"]
    assert us2[1:3] == ["deep", "independent"]
    # without the arc US2→PL2 (PL2-US2 as O, 2 of 5 experts) US2 is at level 4 of 5 and
    # autonomous; the hierarchy has 6 levels with the panel's verdict A
    assert "PL2-US2 as O: level 4 of 5, autonomous" in us2[3]
    assert "ISM level 5 of 6 (deep tier), MICMAC independent" in text  # the summary's US2
    assert "18 contested pairs" in paragraphs[0]


@pytest.mark.parametrize("seed", range(6))
def test_every_statement_of_the_section_holds_on_random_panels(tmp_path, seed):
    folder = make_study(tmp_path / "s", EHR[: 5 + seed % 3], experts=3 + seed % 3, seed=seed)
    text, built = brief_of(folder, allow_incomplete=True)
    results = built.results
    study, model, agg = results.study, results.model, results.aggregate
    paragraphs, rows = section(text)
    verdicts = agg.letters()
    contested = agg.contested(results.options.below)
    base = {f: (model.ism.tiers[i], model.quadrants[i]) for i, f in enumerate(study.factor_ids)}

    moved: dict[str, set[str]] = {f: set() for f in study.factor_ids}
    where: dict[tuple[str, str, str], tuple[int, int, str, str]] = {}
    for p in contested:
        label = f"{p.pair[0]}-{p.pair[1]}"
        for letter, count in p.votes.items():
            if not count or letter == p.result:
                continue
            other = structure(study, {**verdicts, p.pair: letter}, model.options)
            for i, f in enumerate(study.factor_ids):
                place = (other.ism.tiers[i], other.quadrants[i])
                where[(f, label, letter)] = (
                    int(other.ism.levels[i]),
                    other.ism.n_levels,
                    *place,
                )
                if place != base[f]:
                    moved[f].add(label)
    assert set(rows) == set(study.factor_ids)
    for f, cells in rows.items():
        assert (cells[1], cells[2]) == base[f]
        segments = cells[3].split("; ")
        by_pair = "; ".join(x for x in segments if not OTHER.match(x))
        if not moved[f]:
            assert not by_pair, cells
            continue
        assert by_pair.startswith("depends on "), cells
        pair = None
        named = set()
        for m in ENTRY.finditer(by_pair):
            pair = m["pair"] or pair
            named.add(pair)
            for letter in m["letters"].split(" or "):
                level, n_levels, tier, cluster = where[(f, pair, letter)]
                assert (int(m["level"]), int(m["levels"])) == (level, n_levels), cells
                said = m["moves"].split(", ")[1:]
                expected = [x for x, b in zip((tier, cluster), base[f], strict=True) if x != b]
                assert said == expected, cells
        more = re.search(r"and (\d+) more pairs?$", by_pair)
        assert len(named) + (int(more[1]) if more else 0) == len(moved[f])
        assert named <= moved[f]
    stable = sorted(f for f in study.factor_ids if not moved[f])
    first = paragraphs[0]
    if not contested:
        assert first.startswith("No pair is contested")
    elif len(stable) == len(study.factor_ids):
        assert "Every factor keeps its ISM tier and MICMAC cluster" in first
    elif stable:
        assert f"{', '.join(sorted(stable, key=study.factor_ids.index))} keep" in first
    else:
        assert "Every factor's tier or cluster changes" in first

    # leave one expert out: the counts in the table, recomputed
    store = PanelStore.open(folder, read_only=True)
    answers = panel_answers(store)
    store.close()
    kept_tier = dict.fromkeys(study.factor_ids, 0)
    kept_cluster = dict.fromkeys(study.factor_ids, 0)
    without: dict[str, list[str]] = {f: [] for f in study.factor_ids}
    for expert in answers:
        rest = {e: a for e, a in answers.items() if e != expert}
        other = aggregate(store.pairs, rest, rule=agg.rule, quorum=agg.quorum).letters()
        m = structure(study, other, model.options)
        for i, f in enumerate(study.factor_ids):
            kept_tier[f] += m.ism.tiers[i] == base[f][0]
            kept_cluster[f] += m.quadrants[i] == base[f][1]
            aspect = [
                a
                for a, x, b in zip(ASPECTS, (m.ism.tiers[i], m.quadrants[i]), base[f], strict=True)
                if x != b
            ]
            if aspect:
                without[f].append(f"{' and '.join(aspect)} without {expert}")
    for f, cells in rows.items():
        said = [x for x in cells[3].split("; ") if " without " in x]
        assert sorted(said_each(said)) == sorted(without[f]), cells
    for f, cells in rows.items():
        assert cells[4:] == [
            f"{kept_tier[f]} of {len(answers)}",
            f"{kept_cluster[f]} of {len(answers)}",
        ]

    # the panel's answers aggregated per letter (the most frequent letter)
    letter = aggregate(store.pairs, answers, rule="letter", quorum=agg.quorum)
    rest = paragraphs[1].replace("\n", " ")
    rule = "per letter, the most frequent letter"
    if all(p.result is not None for p in letter.pairs):
        m = structure(study, letter.letters(), model.options)
        moved_by_rule = [
            f for i, f in enumerate(study.factor_ids) if (m.ism.tiers[i], m.quadrants[i]) != base[f]
        ]
        k = sum(p.result != q.result for p, q in zip(agg.pairs, letter.pairs, strict=True))
        if moved_by_rule:
            verb = "changes" if k == 1 else "change"
            assert f"Aggregated {rule}, {k} verdict{'s' if k != 1 else ''} {verb}, and " in rest
            assert f"the tier or cluster of {', '.join(moved_by_rule)}." in rest
        elif k == 0:
            keeps = re.search(r"Aggregated ([^.]*), every factor keeps its level", rest)
            assert keeps and rule in keeps[1].split("; or "), rest

    # the MICMAC thresholds: tiers against clusters under each rule, and the clusters that
    # change against the study's threshold (half), in the verdicts and the paragraph
    agreeing = []
    by_threshold: dict[str, list[str]] = {f: [] for f in study.factor_ids}
    for rule in ("half", "mean", "median"):
        m = analyse_structure(
            study.factor_ids, model.ism.irm, model.options.overridden(threshold=rule)
        )
        expected = sum(t != "middle" for t in m.ism.tiers)
        agreeing.append(expected - len(check_tiers(m.ism.tiers, m.quadrants).breaks))
        changed = [f for i, f in enumerate(study.factor_ids) if m.quadrants[i] != base[f][1]]
        for f in changed:
            by_threshold[f].append(rule)
        if rule != "half" and changed:
            assert f"Under the {rule}, {', '.join(changed)} change" in rest
    if not any(by_threshold.values()):
        assert "No factor changes MICMAC cluster under the mean or the median." in rest
    for f, cells in rows.items():
        said = [x for x in cells[3].split("; ") if x.endswith(" threshold")]
        rules = by_threshold[f]
        assert said == (
            [f"cluster changes under the {' or '.join(rules)} threshold"] if rules else []
        )
    stable_all = [f for f in study.factor_ids if rows[f][3] == "stable"]
    assert all(not moved[f] and not without[f] and not by_threshold[f] for f in stable_all)
    if stable_all and len(stable_all) < len(rows):
        assert f"Under every variation analysed, {', '.join(stable_all)} keep" in rest
    if expected:
        assert (
            f"for {agreeing[0]} under n/2 (the study's threshold), {agreeing[1]} under the mean "
            f"and {agreeing[2]} under the median of the {expected} surface- and deep-tier"
        ) in paragraphs[1].replace("\n", " ")
