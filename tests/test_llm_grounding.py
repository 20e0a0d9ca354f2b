"""The grounding checker on hand-written sentences against hand-written profiles: what it
accepts, and for each wrong claim the exact mismatch it reports.

The profiles describe a 5-factor hierarchy P1 → P2 → T1 → {U1 ⇄ U2} (4 levels; threshold
2.5): P1 deep and independent, a core condition of C1 and necessary (consistency 0.912);
P2 middle and independent; T1 middle and linkage, peripheral in C1 (present) and C2
(absent); U1 and U2 surface and dependent, in a feedback loop.
"""

from __future__ import annotations

import contextlib

import pytest

from ismpanel.analysis.recommend import FactorProfile, NecessityFact, QcaRole
from ismpanel.report.narrative.grounding import build_evidence, check_text, named_factors
from ismpanel.report.narrative.grounding_text import Figure, scan, sentences
from ismpanel.report.narrative.grounding_words import matches

# id: name, dimension, level, tier, cluster, driving power, dependence, score, rank
FACTS = {
    "P1": ("Privacy law", "policy", 4, "deep", "independent", 5, 1, 7, 1),
    "P2": ("Open data rules", "policy", 3, "middle", "independent", 4, 2, 3, 3),
    "T1": ("Web 2.0 platform", "technology", 2, "middle", "linkage", 3, 3, 4, 2),
    "U1": ("Awareness", "users", 1, "surface", "dependent", 2, 5, 0, 4),
    "U2": ("Trust", "users", 1, "surface", "dependent", 2, 5, 0, 4),  # tied with U1
}
# id: role, reaches, reached by, only through others, above and below in the diagram, points
# (ISM/MICMAC out of 4, fsQCA out of 3 for the fsQCA conditions P1, T1, U1), as the engines
# compute them (tests/test_llm_narrative.py checks that they agree)
REACH = {
    "P1": ("required", "P2 T1 U1 U2", "", "T1 U1 U2", "P2", "", ((4, 4), (3, 3))),
    "P2": ("lever", "T1 U1 U2", "P1", "U1 U2", "T1", "P1", ((3, 4),)),
    "T1": ("linkage", "U1 U2", "P1 P2", "", "", "P2", ((3, 4), (1, 3))),
    "U1": ("indicator", "U2", "P1 P2 T1 U2", "", "", "T1", ((0, 4), (0, 3))),
    "U2": ("indicator", "U1", "P1 P2 T1 U1", "", "", "T1", ((0, 4),)),
}
LINKS = {
    "P1": dict(
        drives=("P2",),
        is_condition=True,
        roles=(QcaRole("C1", "core_present"),),
        necessity=(
            NecessityFact("P1", 0.912, 0.705, 0.801, True),
            NecessityFact("~P1", 0.35, 0.9, 0.6, False),
        ),
    ),
    "P2": dict(drives=("T1",), driven_by=("P1",)),
    "T1": dict(
        above=("[U1 ⇄ U2]",),  # the diagram's box of the cycle
        drives=("U1", "U2"),
        driven_by=("P2",),
        is_condition=True,
        roles=(QcaRole("C1", "peripheral_present"), QcaRole("C2", "peripheral_absent")),
        necessity=(NecessityFact("T1", 0.62, 0.8, 0.7, False),),
    ),
    "U1": dict(drives=("U2",), driven_by=("T1", "U2"), in_cycle_with=("U2",), is_condition=True),
    "U2": dict(drives=("U1",), driven_by=("T1", "U1"), in_cycle_with=("U1",)),
}


def profile(fid: str) -> FactorProfile:
    name, dim, level, tier, cluster, driving, dependence, score, rank = FACTS[fid]
    none = dict(drives=(), driven_by=(), in_cycle_with=(), roles=(), necessity=())
    role, reaches, reached_by, through, above, below, points = REACH[fid]
    reach = dict(
        role=role,
        **{
            key: tuple(text.split())
            for key, text in zip(
                ("reaches", "reached_by", "through_others", "above", "below"),
                (reaches, reached_by, through, above, below),
                strict=True,
            )
        },
    )
    links = none | reach | dict(is_condition=False) | LINKS[fid]
    return FactorProfile(
        fid,
        name,
        dim,
        level,
        4,
        tier,
        cluster,
        driving,
        dependence,
        score=score,
        max_score=sum(top for _, top in points),
        points=tuple(
            (source, got, top)
            for source, (got, top) in zip(("ISM/MICMAC", "fsQCA"), points, strict=False)
        ),
        rank=rank,
        **links,
    )


PROFILES = [profile(fid) for fid in FACTS]
EVIDENCE = build_evidence(PROFILES, dimensions=3)


@pytest.mark.parametrize(
    "text",
    [
        "Privacy law (P1) sits at level 4 of 4, in the deep tier, and is independent, with "
        "driving power 5 and dependence 1.",
        "P1 is a core condition of C1 and is necessary for the outcome (consistency 0.91).",
        "The necessity consistency of P1 is 91 %, its coverage 0.801.",
        "T1 (level 2, linkage) drives U1 and U2 directly.",
        "P1 (level 4, independent) drives T1 (level 2).",  # each bracket is its factor's
        "U1 and U2 form a feedback loop in the surface tier.",
        "P1 drives U2 through P2 and T1.",  # a path, not a direct link
        "U1 is driven by T1.",
        "P1 ranks first, with priority score 7: high priority.",
        "The 5 factors span 4 levels.",  # figures of the study
        "T1 is not necessary for the outcome.",  # a negated claim that holds
        "U1, which is dependent, has low priority.",
        "The absence of T1 is a peripheral condition of C2.",
        "Web 2.0 platform (T1) is a linkage factor.",  # the 2.0 of a name is not a figure
        "P1 and P2 sit at levels 4 and 3.",
        "P1, P2 and T1 are drivers.",
        "P1 and P2 are the two independent factors.",  # how many factors the sentence names
        "Start with P1. Measures on U1 show progress, e.g. surveys.",
        "P1 sits at the fourth level, at the bottom of the hierarchy. U1 is at the top.",
        "P1 has the highest driving power and is a top priority.",
        "U1 does not drive T1.",  # a negated relation that holds
        "P1 sits at level 4 of 4 and drives P2.",  # the object of "drives" is not at level 4
        "P1 has high priority and drives P2, T1 and U1.",
        "P1 sits at level 4, at the bottom of the hierarchy; U1 is at the top.",
        # counts tied to their fact by the noun after them
        "P1 drives 4 factors.",
        "P1 directly drives 1 factor.",
        "T1 is driven by 2 factors.",
        "P1 drives 5 of the factors (its own included).",  # as driving power counts
        "The study has 5 factors in 3 dimensions, and the results have 2 configurations.",
        "T1 appears in 2 configurations.",
        "T1 is a peripheral condition of both configurations.",
        # rank words, overall or within the dimension the clause names
        "P1 is the top priority.",
        "P1 is the most important factor.",
        "T1 is the first priority of the technology dimension.",
        "P2 is the second priority of the policy dimension.",
        # vague words that match the facts
        "P1 is at the root of the hierarchy.",
        "P1 is indispensable for the outcome.",
        "P1 is a core condition of C1 only.",
        "Only P1 is a core condition.",
        # links by other words and arrows, along paths of the hierarchy
        "P1 \u2192 P2.",
        "T1 requires P2.",
        "P1 underpins U2.",
        "U2 is enabled by P1.",
        "U1 and U2 are linked.",
        "U1 \u2194 U2.",
        "U1 and U2 influence each other.",
        "P1 has driving power 5 while T1 has driving power 3.",
        # a factor named twice in a clause is no link between two factors (slot prose)
        "Fund Privacy law (P1) because P1 is at level 4 of 4 (deep tier).",
    ],
)
def test_grounded_sentences_pass(text):
    assert check_text(text, EVIDENCE) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P1 sits at level 3.", ["sentence 1 says P1 is at level 3; it is at level 4"]),
        ("DA9 also matters.", ["sentence 1 names factor DA9, which is not in the study"]),
        ("We start with p1.", ["sentence 1 writes p1; the study's id is P1"]),
        (
            "P1 is a core condition of C3.",
            ["sentence 1 names configuration C3, which is not in the results"],
        ),
        ("T1 is independent.", ["sentence 1 says T1 is independent; it is linkage"]),
        (
            "P2 is in the deep tier.",
            ["sentence 1 says P2 is in the deep tier; it is in the middle tier"],
        ),
        (
            "P1 has driving power 6.",
            ["sentence 1 says P1 has driving power 6; it has driving power 5"],
        ),
        (
            "P1 drives 6 factors.",
            ["sentence 1 says P1 drives 6 factors; it drives 4 in all, 1 directly"],
        ),
        (
            "P1 drives eight factors.",  # number words count as figures
            ["sentence 1 says P1 drives eight factors; it drives 4 in all, 1 directly"],
        ),
        (
            "P1 is necessary (consistency 0.93).",
            [
                "sentence 1 says P1 has necessity consistency 0.93; it has necessity "
                "consistency 0.912 or 0.35"
            ],
        ),
        (
            "P1 is necessary (consistency 0.9).",  # 0.9 stands for 0.90, and 0.912 is not
            [
                "sentence 1 says P1 has necessity consistency 0.9; it has necessity "
                "consistency 0.912 or 0.35"
            ],
        ),
        (
            "P2 is necessary for the outcome.",
            ["sentence 1 says P2 is necessary; it is not necessary"],
        ),
        (
            "Its coverage is 80 %.",
            ["sentence 1 gives a necessity coverage (80 %) without naming the factor"],
        ),
        (
            "U1 drives P1.",
            ["sentence 1 says U1 drives P1; there is no path from U1 to P1 in the hierarchy"],
        ),
        (
            "P1 directly drives T1.",
            ["sentence 1 says P1 directly drives T1; its direct links go to P2"],
        ),
        (
            "P1 is driven by P2.",
            ["sentence 1 says P2 drives P1; there is no path from P2 to P1 in the hierarchy"],
        ),
        (
            "P1 and P2 form a feedback loop.",
            [
                "sentence 1 says P1 is in a feedback loop with the others named; it is in no "
                "feedback loop",
                "sentence 1 says P2 is in a feedback loop with the others named; it is in no "
                "feedback loop",
            ],
        ),
        (
            "Independent factors come first.",
            [
                "sentence 1 gives a rank (first) without naming the factor",
                "sentence 1 says 'Independent' without naming the factor it is about",
            ],
        ),
        ("U1 has high priority.", ["sentence 1 says U1 is high priority; it is low priority"]),
        (
            "P1 and P2 both sit at level 4.",
            ["sentence 1 says P2 is at level 4; it is at level 3"],
        ),
        (
            "P1, P2 and T1 are independent.",  # a list across commas is one group
            ["sentence 1 says T1 is independent; it is linkage"],
        ),
        (
            "P2, which is linkage, drives T1.",  # the clause after P2 is about P2
            ["sentence 1 says P2 is linkage; it is independent"],
        ),
        (
            "P1 drives T1, which is in the deep tier.",  # ... and the one after T1 about T1
            ["sentence 1 says T1 is in the deep tier; it is in the middle tier"],
        ),
        (
            "U1 is not dependent.",
            ["sentence 1 says U1 is not dependent; it is dependent"],
        ),
        (
            "T1 is a core condition of C1.",
            [
                "sentence 1 says T1 is a core condition; its roles: peripheral present in C1, "
                "peripheral absent in C2"
            ],
        ),
        (
            "U1 appears in C1.",
            ["sentence 1 links U1 to configuration C1, in which it plays no role"],
        ),
        (
            "P1 sits at level 4 of 5.",
            ["sentence 1 says there are 5 levels; there are 4"],
        ),
        (
            "P2 sits at the fourth level.",
            ["sentence 1 says P2 is at level fourth; it is at level 3"],
        ),
        (
            "P2 is at the bottom of the hierarchy.",
            ["sentence 1 says P2 is at the bottom of the hierarchy; it is at level 3 of 4"],
        ),
        (
            "T1 has the highest driving power.",
            ["sentence 1 says T1 has the highest driving power (3); the highest is 5"],
        ),
        ("U2 is a top priority.", ["sentence 1 says U2 is top priority; it is low priority"]),
        ("P1 does not drive T1.", ["sentence 1 says P1 does not drive T1; it does"]),
        (
            "T1, unlike P2, is independent.",  # a clause naming none: all named before it
            [
                "sentence 1 says T1 is independent; it is linkage",
                "sentence 1 relates T1 to P2 by 'unlike', which the checker cannot verify",
            ],
        ),
        (
            "P1 drives P2 at level 4.",  # both are named before the claim
            ["sentence 1 says P2 is at level 4; it is at level 3"],
        ),
        ("It sits at level 4.", ["sentence 1 gives a level (4) without naming the factor"]),
        (
            "The deep tier drives P2.",
            [
                "sentence 1 says 'deep' without naming the factor it is about",
                "sentence 1 says 'drives' without naming the factor it is about",
            ],
        ),
        (
            "P1 leads. P2 follows at level 2 in 2024.",  # numbered by sentence
            [
                "sentence 2 has the figure 2024, which is not a fact of P2 or of the study",
                "sentence 2 says P2 is at level 2; it is at level 3",
            ],
        ),
    ],
)
def test_each_wrong_claim_is_reported(text, expected):
    assert check_text(text, EVIDENCE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a figure must be tied to its fact by a label, even when it equals some fact
        (
            "U1 has 5.",
            [
                "sentence 1 has the figure 5 without saying which fact it is (a label such as "
                "level, rank, driving power, consistency or factors)"
            ],
        ),
        (
            "P1 (level 4 of 4) drives 4 factors directly.",
            ["sentence 1 says P1 directly drives 4 factors; it drives 4 in all, 1 directly"],
        ),
        (
            "P1 and T1 are the two linkage factors.",
            [
                "sentence 1 says there are two linkage factors; there are 1",
                "sentence 1 says P1 is linkage; it is independent",
            ],
        ),
        # quantifiers over configurations
        (
            "P1 is a core condition of both configurations.",
            ["sentence 1 says P1 is core in both configurations; its roles: core present in C1"],
        ),
        (
            "T1 is a peripheral condition in 3 configurations.",
            [
                "sentence 1 says T1 is peripheral in 3 configurations; its roles: peripheral "
                "present in C1, peripheral absent in C2"
            ],
        ),
        (
            "P1 is the only necessary condition.",  # "only" outside configurations
            ["sentence 1 says 'only' of P1, which the checker cannot verify"],
        ),
        (
            "T1 is the only core condition of C1.",
            [
                "sentence 1 says T1 is a core condition; its roles: peripheral present in C1, "
                "peripheral absent in C2",
                "sentence 1 says only T1 is core in C1; so is P1",
            ],
        ),
        # rank words next to priority or rank
        (
            "P2 is the first priority of the policy dimension.",
            ["sentence 1 says P2 ranks first in its dimension; it ranks 2 in its dimension"],
        ),
        # U1 and U2 share rank 4, so each is first in the users dimension
        ("U2 is the first priority of the users dimension.", []),
        (
            "U1 is the top priority.",
            [
                "sentence 1 says U1 is top priority; it is low priority",
                "sentence 1 says U1 is 'the top priority'; it ranks 4 of 5",
            ],
        ),
        (
            "T1 is the most important factor.",
            ["sentence 1 says T1 is 'most important'; it ranks 2 of 5"],
        ),
        # vague claims of necessity or position
        ("U2 is indispensable.", ["sentence 1 says U2 is indispensable; it is not necessary"]),
        (
            "P2 is at the root of the hierarchy.",
            ["sentence 1 says P2 is at the root of the hierarchy; it is at level 3 of 4"],
        ),
        (
            "P1 is sufficient for the outcome.",
            [
                "sentence 1 calls P1 'sufficient', which the results do not state "
                "(configurations are sufficient, single factors are not assessed)"
            ],
        ),
        # any word or arrow linking two factors must follow a path
        (
            "U1 enables P1.",
            [
                "sentence 1 says U1 drives P1 ('enables'); there is no path from U1 to P1 in "
                "the hierarchy"
            ],
        ),
        (
            "P1 requires U1.",  # U1 would come first
            [
                "sentence 1 says U1 drives P1 ('requires'); there is no path from U1 to P1 in "
                "the hierarchy"
            ],
        ),
        (
            "U1 \u2192 P2.",
            [
                "sentence 1 says U1 drives P2 ('\u2192'); there is no path from U1 to P2 in the "
                "hierarchy"
            ],
        ),
        (
            "P1 \u2194 U1.",
            [
                "sentence 1 says P1 and U1 drive each other ('\u2194'); P1 and U1 are not in a "
                "feedback loop"
            ],
        ),
        (
            "P1 and U1 are unrelated.",
            [
                "sentence 1 says P1 and U1 are unrelated ('are unrelated'); there is a path "
                "from P1 to U1"
            ],
        ),
        (
            "P1 drives T1 through U1.",
            ["sentence 1 says P1 drives T1 through U1; U1 is not on a path from P1 to T1"],
        ),
        (
            "P1 has a higher driving power than T1.",  # comparisons are not checked: rejected
            [
                "sentence 1 relates P1 to T1 by 'has a higher driving power than', which the "
                "checker cannot verify"
            ],
        ),
        (
            "T1 drives U1 and, through it, P2.",  # a chain the "drives" does not cover
            ["sentence 1 relates U1 to P2 by 'through it', which the checker cannot verify"],
        ),
        (
            "P2 comes before P1.",
            ["sentence 1 relates P2 to P1 by 'comes before', which the checker cannot verify"],
        ),
    ],
)
def test_claims_the_checker_cannot_confirm_are_rejected(text, expected):
    assert check_text(text, EVIDENCE) == expected


@pytest.fixture(scope="module")
def demo_evidence(tmp_path_factory):
    """The evidence of the bundled study's results (the demo's panel and questionnaire), as
    ``brief --narrative`` builds it."""
    from ismpanel.cli.app import main
    from ismpanel.elicitation.aggregate import PanelOptions
    from ismpanel.report.results import BriefOptions, compute

    folder = tmp_path_factory.mktemp("demo") / "demo"
    with contextlib.suppress(SystemExit):
        main(["demo", "--out", str(folder)])
    report = compute(folder, BriefOptions(PanelOptions(allow_incomplete=True)))
    evidence = build_evidence(report.profiles, len(report.study.dimensions))
    f = evidence.factors  # the facts the reviewer's sentences get wrong
    assert (f["US1"].rank, f["US2"].rank, f["US2"].dimension) == (10, 2, "users")
    assert [r.configuration for r in f["PL1"].roles if r.core] == ["C1"]
    assert evidence.configurations == {"C1", "C2", "C3", "C4", "C5"}
    assert (f["PL1"].driving, f["PL1"].level, f["PL1"].n_levels, len(f["PL1"].drives)) == (
        13,
        5,
        6,
        3,
    )
    assert "PL4" not in evidence.reach["US1"] and "PL1" not in evidence.reach["US1"]
    assert not f["DA1"].necessary and f["US2"].level == 5
    return evidence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Public privacy awareness (US1) is the first priority of the users dimension.",
            ["sentence 1 says US1 ranks first in its dimension; it ranks 2 in its dimension"],
        ),
        (
            "PL1 is a core condition of all five configurations.",
            [
                "sentence 1 says PL1 is core in five configurations; its roles: core present "
                "in C1, peripheral present in C2, peripheral present in C3, peripheral present "
                "in C4",
                "sentence 1 says PL1 is core in all five configurations; its roles: core "
                "present in C1, peripheral present in C2, peripheral present in C3, peripheral "
                "present in C4",
            ],
        ),
        (
            "US1 enables Leadership commitment (PL4).",
            [
                "sentence 1 says US1 drives PL4 ('enables'); there is no path from US1 to PL4 "
                "in the hierarchy"
            ],
        ),
        (
            "US1 determines PL4 and PL1.",
            [
                "sentence 1 says US1 drives PL4 ('determines'); there is no path from US1 to "
                "PL4 in the hierarchy",
                "sentence 1 says US1 drives PL1 ('determines'); there is no path from US1 to "
                "PL1 in the hierarchy",
            ],
        ),
        (
            "PL1 (level 5 of 6) drives 6 factors.",
            ["sentence 1 says PL1 drives 6 factors; it drives 12 in all, 3 directly"],
        ),
        (
            "DA1 is indispensable for the outcome.",
            ["sentence 1 says DA1 is indispensable; it is not necessary"],
        ),
        (
            "US2 is at the root of the hierarchy.",
            ["sentence 1 says US2 is at the root of the hierarchy; it is at level 5 of 6"],
        ),
    ],
)
def test_false_claims_about_the_demo_study_are_rejected(demo_evidence, text, expected):
    assert check_text(text, demo_evidence) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Staff privacy literacy (US2) is the first priority of the users dimension.",
        "PL1 is a core condition of C1 only, and a peripheral condition in 3 configurations.",
        "Personal information legislation (PL1) sits at level 5 of 6 and drives US1, PL2 and "
        "PL3 directly.",
        "PL1 drives 12 factors.",
        "Leadership commitment (PL4) is at the root of the hierarchy.",
        "PL1 is the top priority, with driving power 13.",
        "US1 requires PL1.",
        "The study's 17 factors form 6 levels in 4 dimensions.",
    ],
)
def test_true_claims_about_the_demo_study_pass(demo_evidence, text):
    assert check_text(text, demo_evidence) == []


@pytest.mark.parametrize(
    ("written", "fact", "fraction", "expected"),
    [
        (("0.86", 0.86, 2, False), 0.864, True, True),  # rounds to the decimals written
        (("0.87", 0.87, 2, False), 0.864, True, False),
        (("86 %", 86, 0, True), 0.864, True, True),  # a percentage of a fraction
        (("86.4 %", 86.4, 1, True), 0.864, True, True),
        (("86.5 %", 86.5, 1, True), 0.864, True, False),
        (("0.9", 0.9, 1, False), 0.864, True, False),  # two decimals at least: 0.9 is 0.90
        (("0.9", 0.9, 1, False), 0.9, True, True),
        (("15", 15, 0, False), 15, False, True),
        (("15.0", 15.0, 1, False), 15, False, True),
        (("15 %", 15, 0, True), 15, False, False),  # no percentages of whole numbers
        (("14", 14, 0, False), 15, False, False),
    ],
)
def test_figures_match_facts_with_sensible_rounding(written, fact, fraction, expected):
    text, value, decimals, percent = written
    assert matches(Figure(0, len(text), text, value, decimals, percent), fact, fraction) is expected


def test_sentences_split_at_full_stops_but_not_in_decimals_or_abbreviations():
    text = "P1 has consistency 0.912. It leads, e.g. through law.\n\nP2 follows! Then T1?"
    assert sentences(text) == [
        "P1 has consistency 0.912.",
        "It leads, e.g. through law.",
        "P2 follows!",
        "Then T1?",
    ]


def test_a_scan_masks_ids_and_names_so_their_digits_are_no_figures():
    s = scan("Web 2.0 platform (T1) drives U1 in 3 steps.", EVIDENCE.factors, EVIDENCE.names, [])
    assert s.named == ("T1", "U1")
    assert [f.text for f in s.figures] == ["3"]


def test_named_factors_by_id_or_full_name():
    text = "Privacy law comes first. Then T1, and trust (U2) follows."
    assert named_factors(text, EVIDENCE) == ["P1", "T1", "U2"]
