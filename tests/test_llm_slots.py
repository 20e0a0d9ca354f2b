"""``brief --narrative`` in the slot style: the model writes tags, the program fills them with
clauses written from the results. Every clause must pass the grounding checker on any study
(hand-written profiles, the bundled study with its fsQCA, random panels of another domain);
a reply with made-up tags or with claims of its own is not kept; ``auto`` falls back to slots
for the sections whose free prose failed; and the brief says which sections used slots."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import replace

import pytest

from ismpanel.report.narrative.grounding import build_evidence, check_text
from ismpanel.report.narrative.prose import NO_PROSE, narrate
from ismpanel.report.narrative.slots import fill, slot_values
from tests.llm_servers import FakeServer, Reply, completion
from tests.test_brief_claims import EHR, brief_of, make_study
from tests.test_llm_narrative import PROFILES, STUDY, config, sections, writer

FACTOR = re.compile(r"^Factor (\w+): ", re.MULTILINE)


def factors_of(body: dict) -> list[str]:
    """The factor ids a slot-style request asks texts for, in order."""
    return FACTOR.findall(body["messages"][1]["content"])


def slot_texts(body: dict, extra: str = "") -> dict[str, str]:
    """What a small model that follows the slot rules writes: advice and tags per factor."""
    return {
        fid: f"Policy makers should fund it and review it every year, because [{fid} position]."
        + extra
        for fid in factors_of(body)
    }


def slot_writer(extra: str = "") -> Callable[[dict, FakeServer], Reply]:
    """A server that answers slot-style requests with :func:`slot_texts` (``extra`` added to
    each text) and free-style ones with a wrong level, so that only slot prose gets through."""

    def behaviour(body: dict, server: FakeServer):
        if "Facts:\n" in body["messages"][1]["content"]:
            return completion(json.dumps({"paragraphs": ["P1 is at level 9 of 4."]}))
        return completion(json.dumps(slot_texts(body, extra)))

    return behaviour


def every_clause_passes(profiles, dimensions: int) -> int:
    evidence = build_evidence(profiles, dimensions)
    checked = 0
    for p in profiles:
        for tag, clause in slot_values(p, len(profiles)).items():
            filled, unknown = fill(f"We note that {tag}.", slot_values(p, len(profiles)))
            assert unknown == []
            assert check_text(filled, evidence) == [], (tag, filled)
            assert clause in filled
            checked += 1
    return checked


def test_every_clause_of_the_hand_written_profiles_passes_the_checker():
    # P1, T1 and U1 are fsQCA conditions (U1 in no configuration)
    assert every_clause_passes(PROFILES, len(STUDY.dimensions)) == 5 * 4 + 3


def test_the_clauses_state_the_results():
    values = {k: v for p in PROFILES for k, v in slot_values(p, 5).items()}
    # P1 → P2 → T1 → {U1 ⇄ U2}: levels 4..1, P1 core in C1 and necessary (0.912)
    assert values["[P1 position]"].startswith("P1 is at level 4 of 4 (deep tier)")
    assert values["[P1 links]"] == "P1 drives P2 directly"
    assert values["[U1 links]"] == (
        "U1 drives U2 directly; U1 is driven directly by T1 and U2; U1 and U2 are in a "
        "feedback loop"
    )
    assert values["[P1 fsqca]"] == (
        "P1 is a core condition of C1; P1 is necessary for the outcome (consistency 0.91)"
    )
    assert values["[T1 fsqca]"] == (
        "T1 is a peripheral condition of C1; the absence of T1 is a peripheral condition of C2"
    )
    assert "[P2 fsqca]" not in values  # not a condition: no tag offered
    assert values["[P2]"] == "Open data rules (P2)"


@pytest.mark.parametrize("seed", [1, 7, 23])
def test_every_clause_passes_the_checker_on_random_panels(tmp_path, seed):
    folder = make_study(tmp_path / "s", EHR, experts=5, seed=seed)
    _, built = brief_of(folder)
    profiles = built.results.profiles
    assert every_clause_passes(profiles, len(built.results.study.dimensions)) >= 4 * len(EHR)


def test_every_clause_passes_the_checker_on_the_bundled_study(tmp_path):
    from ismpanel.cli.app import main

    with contextlib.suppress(SystemExit):
        main(["demo", "--out", str(tmp_path / "demo")])
    _, built = brief_of(tmp_path / "demo", allow_incomplete=True)
    profiles = built.results.profiles
    conditions = sum(p.is_condition for p in profiles)
    assert conditions > 0  # the demo's questionnaire makes fsQCA tags
    assert every_clause_passes(profiles, 4) == 4 * len(profiles) + conditions


def test_tags_are_filled_whatever_their_case_and_unknown_ones_are_named():
    values = slot_values(PROFILES[0], 5)
    text, unknown = fill("[p1  POSITION], so act. [P1 level] and [PL9] too.", values)
    assert text.startswith("P1 is at level 4 of 4 (deep tier)")
    assert unknown == ["[P1 level]", "[PL9]"]
    assert fill("[P1 fsqca].", {"[P1 fsqca]": "the absence of P1 is ..."})[0].startswith("The ")
    # lower-case ids and the model's own words are never re-cased
    assert (
        fill("e.g. the plan. [p1] works.", {"[p1]": "Law (p1)"})[0]
        == "e.g. the plan. Law (p1) works."
    )


def test_two_tags_in_one_sentence_pass_the_checker_in_either_order():
    # a links clause ends on the factors it names; before another clause of the same
    # sentence they read as the subject of its figures, so the program puts links clauses
    # last within their sentence (the facts stated are the same)
    evidence = build_evidence(PROFILES, len(STUDY.dimensions))
    failed = []
    for p in PROFILES:
        values = slot_values(p, len(PROFILES))
        for first, second in itertools.permutations(values, 2):
            for joiner in (" and ", ", and ", "; "):
                filled, unknown = fill(f"Fund it because {first}{joiner}{second}.", values)
                assert unknown == []
                assert values[first] in filled and values[second] in filled
                failed += [(first, second, joiner)] if check_text(filled, evidence) else []
    assert failed == []
    values = slot_values(PROFILES[0], 5)
    assert fill("[P1 links] and [P1 priority]. [P1 links].", values)[0] == (
        f"{values['[P1 priority]']} and {values['[P1 links]']}. {values['[P1 links]']}."
    )


def test_ids_that_differ_by_case_alone_are_two_factors():
    from ismpanel.report.narrative.slots import slot_validator

    upper, lower = PROFILES[0], replace(PROFILES[1], id="p1")
    values = {**slot_values(upper, 5), **slot_values(lower, 5)}
    assert fill("[P1 priority].", values)[0].startswith("P1 is a")
    assert fill("[p1 priority].", values)[0].startswith("p1 is a")
    assert fill("[p1 PRIORITY].", values)[1] == []  # the kind's case never matters
    # with one such id, any case of it fills its tag
    assert fill("[p1 priority].", slot_values(upper, 5))[1] == []
    validate = slot_validator((upper, lower))
    advice = "Pass the law and fund its regulator well."
    texts, problem = validate({"P1": advice + " One.", "p1": advice + " Two."})
    assert problem is None and texts == {"P1": advice + " One.", "p1": advice + " Two."}
    # one key for two factors whose ids differ by case: the other gets no text from it
    texts, problem = validate({"P1": advice})
    assert problem is None and texts == {"P1": advice}
    texts, problem = validate({"p1": advice})
    assert problem is None and texts == {"p1": advice}
    texts, problem = validate({"P1": "P1"})
    assert texts is None and problem.endswith("(more than the factor's name) for P1, p1")


@pytest.mark.parametrize(
    "text",
    [
        "It is not the case that [P1 links].",
        "It is false that [P1 position].",
        "Earlier studies claimed [T1 fsqca].",
        "If [U1 links], fund it.",
        "Fund [P1 position.] now.",
        "Fund [[P1 links]] now.",
    ],
)
def test_a_tag_under_a_negation_or_a_malformed_tag_is_unusable(text):
    values = {k: v for p in PROFILES for k, v in slot_values(p, 5).items()}
    assert fill(text, values)[1] != []


def test_ids_and_tags_are_no_words_of_advice():
    from ismpanel.report.narrative.slots import _says_more_than_its_name

    p1 = PROFILES[0]
    assert not _says_more_than_its_name("P1 P1 P1 P1 P1 Privacy law", p1)
    assert not _says_more_than_its_name("[P1 position] [P1 links] [P1 priority]", p1)
    assert _says_more_than_its_name("Pass the law and fund its regulator.", p1)


# the study with a measure for P1 and instruments for the policy dimension
MEASURED = replace(
    STUDY,
    dimensions=(replace(STUDY.dimensions[0], instruments="laws and audits"), *STUDY.dimensions[1:]),
    factors=(replace(STUDY.factors[0], action="Pass a privacy law."), *STUDY.factors[1:]),
)


def run(behaviour, style: str):
    with FakeServer(behaviour) as server:
        asked = [
            replace(s, dimension=d) for s, d in zip(sections(), MEASURED.dimensions, strict=True)
        ]
        return narrate(config(server), MEASURED, asked, PROFILES, style), server


def test_slot_prose_is_filled_checked_and_kept():
    narrative, server = run(slot_writer(), "slots")
    assert narrative.notes == []
    policy = next(s for s in narrative.sections if s.dimension == "policy")
    assert policy.style == "slots"
    first = policy.draft.split("\n\n")[0]
    assert first == (  # the program's lead sentence, then the model's text with its tag filled
        "Privacy law (P1) is a high priority (rank 1 of 5). Policy makers should fund it and "
        "review it every year, because P1 is at level 4 of 4 (deep tier) and in the "
        "independent cluster of MICMAC (driving power 5, dependence 1)."
    )
    assert len(policy.draft.split("\n\n")) == 2  # one paragraph per factor: P1, P2
    assert "around clauses the program wrote from the results" in policy.prose
    request = next(b for b in server.requests if "Factor P1: " in b["messages"][1]["content"])
    user = request["messages"][1]["content"]
    assert "Facts:\n" not in user
    assert "[P1 position] = its level in the hierarchy" in user
    assert "Measure: Pass a privacy law." in user
    assert "Instruments that fit this dimension: laws and audits" in user
    # no result reaches the model: neither the template's bullets nor any figure
    assert "- **" not in user and "high priority" not in user and "level 4" not in user
    assert request["response_format"]["json_schema"]["schema"]["required"] == ["P1", "P2"]
    assert len(server.requests) == 3


def test_a_text_with_the_priority_tag_gets_no_lead_sentence():
    def tagged(body, server):
        return completion(
            json.dumps({f: f"[{f} priority], so fund it well now." for f in factors_of(body)})
        )

    narrative, _ = run(tagged, "slots")
    policy = next(s for s in narrative.sections if s.dimension == "policy")
    assert policy.draft.startswith("P1 is a high priority (rank 1 of 5), so fund it well now.")


def test_a_text_that_is_only_the_factors_name_is_unusable():
    def names(body, server):
        return completion(json.dumps({f: f"{f} Privacy law" for f in factors_of(body)}))

    narrative, server = run(names, "slots")
    assert all(s.prose is None for s in narrative.sections)
    assert narrative.notes[0] == (
        "policy: no usable reply (slot style) (no usable text for P1, P2, asked with the "
        "section and then alone: expected a text of advice (more than the factor's name)); "
        "template kept"
    )
    # each of the 3 sections, then each of the 5 factors alone, once repaired
    assert len(server.requests) == 2 * 3 + 2 * 5


def test_factors_a_section_reply_leaves_out_are_asked_alone():
    """A small model that writes some of a section's texts: the others are asked for one
    factor at a time, and the section is kept once every factor has its text."""

    def forgetful(body, server):
        texts = slot_texts(body)
        if len(texts) > 1:  # a section: the second factor gets its name only
            second = list(texts)[1]
            texts[second] = second
        return completion(json.dumps(texts))

    narrative, server = run(forgetful, "slots")
    assert narrative.notes == []
    asked = [factors_of(b) for b in server.requests]
    assert sorted(asked[:3]) == [["P1", "P2"], ["T1"], ["U1", "U2"]]  # two calls in flight
    assert sorted(asked[3:]) == [["P2"], ["U2"]]  # no repair of a partly usable reply
    policy = next(s for s in narrative.sections if s.dimension == "policy")
    assert policy.draft.count("Policy makers should fund it") == 2
    single = next(b for b in server.requests if factors_of(b) == ["P2"])
    assert single["response_format"]["json_schema"]["schema"]["required"] == ["P2"]


def test_a_factor_without_advice_alone_too_is_named_with_its_reasons():
    """P1 gets advice with its section; P2 writes a list with it and only its name alone; U2
    writes a heading when alone: the notes name each factor still without advice and why,
    and the sections keep their template text."""

    def stubborn(body, server):
        asked = factors_of(body)
        texts = slot_texts(body)
        if "P2" in asked:
            texts["P2"] = "P2" if len(asked) == 1 else "Fund it.\n- Review it every year."
        if "U2" in asked:
            texts["U2"] = "# Advice\nFund the users' training and review it every year."
        return completion(json.dumps(texts))

    narrative, server = run(stubborn, "slots")
    notes = {n.split(":")[0]: n for n in narrative.notes}
    assert notes["policy"] == (
        "policy: no usable reply (slot style) (no usable text for P2, asked with the section "
        "and then alone: expected a text of advice (more than the factor's name)); template "
        "kept"
    )
    assert notes["users"] == (
        "users: no usable reply (slot style) (no usable text for U2, asked with the section "
        "and then alone: expected plain prose (no headings, lists, tables, code or links)); "
        "template kept"
    )
    kept = {s.dimension for s in narrative.sections if s.prose}
    assert kept == {"technology"}
    # the partly usable replies were not repaired; each factor left out was asked alone once
    # and, its reply unusable, repaired once
    assert sorted(map(tuple, map(factors_of, server.requests))) == sorted(
        [("P1", "P2"), ("T1",), ("U1", "U2"), ("P2",), ("P2",), ("U2",), ("U2",)]
    )


def test_a_section_whose_call_failed_is_not_asked_again_factor_by_factor():
    def down(body, server):
        return Reply({"error": {"message": "overloaded", "type": "x", "code": None}}, 503)

    narrative, server = run(down, "slots")
    assert all(s.prose is None for s in narrative.sections)
    assert all("no reply (slot style) (HTTP 503" in n for n in narrative.notes[:-1])
    assert len(server.requests) == 3  # one per section, no retries configured, none alone


def test_made_up_tags_are_an_unusable_reply():
    narrative, _ = run(slot_writer(" See [P1 level] and [ID position]."), "slots")
    assert narrative.notes[0] == (
        "policy: no usable reply (slot style) (tags it uses that the program cannot fill as "
        "written: "
        "[P1 level], [ID position]); template kept"
    )
    assert narrative.notes[-1] == NO_PROSE
    assert all(s.prose is None for s in narrative.sections)


def test_claims_in_the_models_own_words_are_still_checked():
    narrative, _ = run(slot_writer(" P2 drives P1."), "slots")
    policy = next(s for s in narrative.sections if s.dimension == "policy")
    assert policy.prose is None
    assert any("says P2 drives P1; there is no path" in m for m in policy.mismatches)
    assert all(m.endswith("(slot style)") for m in policy.mismatches)


def test_auto_asks_again_in_slots_only_for_the_sections_free_prose_failed():
    def mixed(body, server):
        content = body["messages"][1]["content"]
        if "Facts:\n" in content:  # free prose: right for policy, wrong elsewhere
            good = writer()(body, server)
            return good if '"id": "policy"' in content else slot_writer()(body, server)
        return slot_writer()(body, server)

    narrative, server = run(mixed, "auto")
    assert narrative.notes == []
    styles = {s.dimension: s.style for s in narrative.sections if s.prose}
    assert styles == {"policy": "free", "technology": "slots", "users": "slots"}
    assert len(server.requests) == 3 + 2
    free = next(s for s in narrative.sections if s.dimension == "policy")
    assert free.draft.startswith("Privacy law (P1) sits at level 4 of 4 in the deep tier")


def test_auto_reports_both_attempts_when_slots_fail_too():
    def neither(body, server):
        if "Facts:\n" in body["messages"][1]["content"]:
            return completion(json.dumps({"paragraphs": ["P1 is at level 9 of 4."]}))
        return completion(
            json.dumps({f: f"[{f} level] matters a lot for every agency" for f in factors_of(body)})
        )

    narrative, _ = run(neither, "auto")
    policy = next(s for s in narrative.sections if s.dimension == "policy")
    assert policy.prose is None and policy.style == "slots"
    notes = [n for n in narrative.notes if n.startswith("policy:")]
    assert "says P1 is at level 9" in notes[0] and not notes[0].endswith("(slot style)")
    assert any("(slot style)" in n and "[P1 level]" in n for n in notes[1:])
    assert narrative.notes[-1] == NO_PROSE


def test_free_style_never_asks_for_slots():
    narrative, server = run(slot_writer(), "free")
    assert all(s.prose is None for s in narrative.sections)
    assert len(server.requests) == 3  # well-formed, so no repair request
    assert all("Facts:\n" in b["messages"][1]["content"] for b in server.requests)


def test_brief_says_which_sections_used_slots(cli, tmp_path, monkeypatch):
    from tests.helpers import answered_study

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    answered = answered_study(tmp_path / "study")
    with FakeServer(slot_writer()) as server:
        run_ = cli(
            "brief",
            answered,
            "-o",
            tmp_path / "out.md",
            "--narrative",
            "--narrative-style",
            "slots",
            "--model",
            "fake-model",
            "--base-url",
            server.url,
            "--retries",
            "0",
        )
    assert run_.code == 0, run_.err
    text = (tmp_path / "out.md").read_text()
    assert "in the slot style: each paragraph opens with the program's sentence" in text
    assert "around clauses the program wrote from the results" in text
    assert re.search(r"\[\w+ (position|links|priority|fsqca)\]", text) is None
    assert "Policy makers should fund it and review it every year, because" in text


def test_a_factor_name_with_markup_is_inert_in_the_kept_prose():
    named = replace(PROFILES[0], name="Law <img src=x>")
    profiles = [named, *PROFILES[1:]]
    asked = [
        replace(s, profiles=tuple(named if p.id == "P1" else p for p in s.profiles))
        for s in sections()
    ]
    with FakeServer(slot_writer()) as server:
        narrative = narrate(config(server), MEASURED, asked, profiles, "slots")
    policy = next(s for s in narrative.sections if s.dimension == "policy")
    assert "Law \\<img src=x\\> (P1) is a high priority" in policy.prose
    assert re.search(r"(?<!\\)[<>]", policy.prose) is None  # every angle bracket escaped
