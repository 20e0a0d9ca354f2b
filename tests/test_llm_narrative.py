"""``brief --narrative`` behind the scenes: each section's prose from a local OpenAI-compatible
server, kept only when it checks against the profiles. The servers write their prose from the
facts they are sent (altered on purpose for the bad ones); none of them may get a wrong
factor or figure into the result."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest

from ismpanel.analysis import recommend
from ismpanel.analysis.recommend import NecessityFact, QcaEvidence, QcaRole
from ismpanel.analysis.structure import analyse_structure
from ismpanel.elicitation.study import Dimension, Factor, Study
from ismpanel.errors import InputError
from ismpanel.llm.client import LlmClient
from ismpanel.llm.config import LlmConfig
from ismpanel.report.narrative.prose import (
    NO_PROSE,
    Narrative,
    Section,
    narrate,
    section_facts,
    validate_paragraphs,
)
from tests.llm_servers import FakeServer, Reply, completion, error

IDS = ("P1", "P2", "T1", "U1", "U2")
NAMES = {
    "P1": "Privacy law",
    "P2": "Open data rules",
    "T1": "Web 2.0 platform",
    "U1": "Awareness",
    "U2": "Trust",
}
DIMS = {"P1": "policy", "P2": "policy", "T1": "technology", "U1": "users", "U2": "users"}
EDGES = [("P1", "P2"), ("P2", "T1"), ("T1", "U1"), ("T1", "U2"), ("U1", "U2"), ("U2", "U1")]
QCA = QcaEvidence(
    ("P1", "T1", "U1"),
    {
        "P1": (QcaRole("C1", "core_present"),),
        "T1": (QcaRole("C1", "peripheral_present"), QcaRole("C2", "peripheral_absent")),
    },
    {
        "P1": (
            NecessityFact("P1", 0.912, 0.705, 0.801, True),
            NecessityFact("~P1", 0.35, 0.9, 0.6, False),
        ),
        "T1": (NecessityFact("T1", 0.62, 0.8, 0.7, False),),
    },
)
STUDY = Study(
    "Privacy in open data",
    "directly influences",
    "privacy protection",
    tuple(Dimension(d, d.capitalize()) for d in ("policy", "technology", "users", "data")),
    tuple(Factor(f, NAMES[f], DIMS[f], f"About {NAMES[f].lower()}.") for f in IDS),
)


def computed_profiles() -> list[recommend.FactorProfile]:
    """The profiles the engines compute for P1 → P2 → T1 → {U1 ⇄ U2} with the fsQCA facts."""
    irm = np.eye(len(IDS), dtype=int)
    for a, b in EDGES:
        irm[IDS.index(a), IDS.index(b)] = 1
    return recommend.profiles(analyse_structure(IDS, irm), NAMES, DIMS, QCA)


PROFILES = computed_profiles()


def sections() -> list[Section]:
    """One section per dimension with a short template text (data has no factor)."""
    found = []
    for d in STUDY.dimensions:
        mine = tuple(p for p in sorted(PROFILES, key=lambda p: p.rank) if p.dimension == d.id)
        items = "\n".join(f"- **{p.name} ({p.id})**: {p.priority} priority." for p in mine)
        found.append(Section(d, f"### {d.name}\n\n{items}", mine))
    return found


def facts_of(body: dict) -> dict:
    """The facts JSON a narrative request carries."""
    user = body["messages"][1]["content"]
    return json.loads(user.split("Facts:\n", 1)[1].split("\n\nTemplate text to rewrite:")[0])


def prose(facts: dict) -> str:
    """Prose written from the facts the way a careful model would."""
    out = []
    for f in facts["factors"]:
        fid = f["id"]
        out.append(
            f"{f['name']} ({fid}) sits at level {f['level']} of {f['levels_in_hierarchy']} in "
            f"the {f['tier']} tier and is {f['micmac_cluster']}, with driving power "
            f"{f['driving_power']} and dependence {f['dependence']}."
        )
        if f["drives_directly"]:
            out.append(f"{fid} drives {' and '.join(f['drives_directly'])} directly.")
        for n in f["necessity"]:
            if n["necessary"]:
                share = round(n["consistency"] * 100)
                out.append(f"{fid} is necessary for the outcome (consistency {share} %).")
        for r in f["configurations"]:
            kind, side = r["role"].split("_")
            who = f"The absence of {fid}" if side == "absent" else fid
            out.append(f"{who} is a {kind} condition of {r['configuration']}.")
        out.append(f"{fid} has {f['priority']} priority (rank {f['priority_rank']}).")
    return " ".join(out)


Alteration = Callable[[dict], str]


def writer(alter: dict[str, Alteration] | None = None) -> Callable[[dict, FakeServer], Reply]:
    """A server that answers each section with prose from its facts; ``alter`` maps a
    dimension to a function that changes the facts (or adds text) and returns the prose."""

    def behaviour(body: dict, server: FakeServer) -> Reply:
        facts = facts_of(body)
        change = (alter or {}).get(facts["dimension"]["id"], prose)
        return completion(json.dumps({"paragraphs": [change(facts)]}))

    return behaviour


def config(server: FakeServer, timeout: float = 5.0) -> LlmConfig:
    return LlmConfig("fake-model", server.url, "no-key", timeout, 0, 2, 0.01)


@pytest.fixture(autouse=True)
def local_only(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def run(behaviour, timeout: float = 5.0) -> tuple[Narrative, FakeServer]:
    with FakeServer(behaviour) as server:
        return narrate(config(server, timeout), STUDY, sections(), PROFILES, "free"), server


def by_dimension(narrative: Narrative) -> dict:
    return {s.dimension: s for s in narrative.sections}


def test_the_profiles_are_those_the_grounding_tests_use():
    from tests.test_llm_grounding import PROFILES as HAND_WRITTEN

    assert HAND_WRITTEN == PROFILES


def test_a_well_behaved_server_gets_its_prose_into_every_section():
    narrative, server = run(writer())
    assert narrative.notes == []
    got = by_dimension(narrative)
    for section in sections()[:3]:
        text = got[section.dimension.id].prose
        assert text is not None and narrative.text(section) == text
        heading, body, note = text.split("\n\n")
        assert heading == f"### {section.dimension.name}"
        assert body == prose(section_facts(STUDY, section, PROFILES))
        assert note == (  # what was checked, and what was not
            "*Written by the LLM fake-model from the factor profiles. Its factor ids, figures, "
            "levels, tiers, MICMAC clusters, priorities and ranks, fsQCA roles, necessity and "
            "the links it states between factors were checked against the results; the rest "
            "of its wording (the measures and their reasons) was not.*"
        )
        assert got[section.dimension.id].draft == body
    assert "Privacy law (P1) sits at level 4 of 4 in the deep tier" in got["policy"].prose
    assert "P1 is necessary for the outcome (consistency 91 %)." in got["policy"].prose
    assert "The absence of T1 is a peripheral condition of C2." in got["technology"].prose
    # the data dimension has no factor: nothing asked, its template text stays
    assert got["data"].prose is None and narrative.text(sections()[3]) == sections()[3].text
    assert len(server.requests) == 3
    first = server.requests[0]
    assert first["response_format"]["type"] == "json_schema"
    assert {f["id"] for body in server.requests for f in facts_of(body)["factors"]} == set(IDS)
    assert "fake-model at http://127.0.0.1" in narrative.usage
    assert "3 call(s), 0 retried, 0 failed" in narrative.usage


def test_the_request_gives_the_facts_and_the_rules():
    _, server = run(writer())
    body = next(b for b in server.requests if facts_of(b)["dimension"]["id"] == "technology")
    facts = facts_of(body)
    assert [f["id"] for f in facts["factors"]] == ["T1"]
    assert facts["other_factors"] == {"P2": "Open data rules", "U1": "Awareness", "U2": "Trust"}
    t1 = facts["factors"][0]
    assert (t1["level"], t1["micmac_cluster"], t1["driving_power"]) == (2, "linkage", 3)
    assert t1["necessity"] == [
        {
            "condition": "T1",
            "consistency": 0.62,
            "coverage": 0.7,
            "relevance": 0.8,
            "necessary": False,
        }
    ]
    system = body["messages"][0]["content"]
    assert "never another factor" in system and "no other numbers" in system
    assert "- **Web 2.0 platform (T1)**: high priority." in body["messages"][1]["content"]


def bad_sections(narrative: Narrative, expected: dict[str, list[str]], wrong: str = "") -> None:
    """The sections in ``expected`` keep their template text and list exactly those
    mismatches; the others keep their prose; ``wrong`` (the bad claim) is in no prose."""
    got = by_dimension(narrative)
    for dim in ("policy", "technology", "users"):
        if dim in expected:
            assert got[dim].prose is None
            assert list(got[dim].mismatches) == expected[dim]
        else:
            assert got[dim].prose is not None and got[dim].mismatches == ()
        assert not wrong or wrong not in (got[dim].prose or "")
    closing = [NO_PROSE] if len(expected) == 3 else []  # said plainly when no prose at all
    assert narrative.notes == [line for dim in expected for line in expected[dim]] + closing


def test_an_invented_factor_keeps_the_template():
    narrative, _ = run(writer({"technology": lambda f: "DA9 supports it as well. " + prose(f)}))
    bad_sections(
        narrative,
        {"technology": ["technology: sentence 1 names factor DA9, which is not in the study"]},
        "DA9",
    )


def test_a_wrong_level_keeps_the_template():
    def lower(facts):
        facts["factors"][0]["level"] -= 1  # P1 at level 3 instead of 4
        return prose(facts)

    narrative, _ = run(writer({"policy": lower}))
    bad_sections(
        narrative,
        {"policy": ["policy: sentence 1 says P1 is at level 3; it is at level 4"]},
        "level 3 of 4 in the deep",
    )
    # the rejected paragraphs stay at hand to find sentence 1, but never as prose
    draft = by_dimension(narrative)["policy"].draft
    assert draft.startswith("Privacy law (P1) sits at level 3 of 4 in the deep tier")


def test_a_wrong_cluster_keeps_the_template():
    def recluster(facts):
        facts["factors"][0]["micmac_cluster"] = "independent"  # T1 is linkage
        return prose(facts)

    narrative, _ = run(writer({"technology": recluster}))
    bad_sections(
        narrative,
        {"technology": ["technology: sentence 1 says T1 is independent; it is linkage"]},
        "middle tier and is independent, with driving power 3",
    )


def test_wrong_figures_keep_the_template():
    def inflate(facts):
        facts["factors"][1]["driving_power"] += 1  # P2: 5 instead of 4
        facts["factors"][0]["necessity"][0]["consistency"] = 0.95  # P1: 0.912
        return prose(facts) + " P1 reaches 9 factors."

    narrative, _ = run(writer({"policy": inflate}))
    bad_sections(
        narrative,
        {
            "policy": [
                "policy: sentence 3 says P1 has necessity consistency 95 %; it has necessity "
                "consistency 0.912 or 0.35",
                "policy: sentence 6 says P2 has driving power 5; it has driving power 4",
                "policy: sentence 9 says P1 drives 9 factors; it drives 4 in all, 1 directly",
            ]
        },
        "95 %",
    )


def test_a_wrong_relation_keeps_the_template():
    narrative, _ = run(writer({"users": lambda f: prose(f) + " U2 drives T1."}))
    bad_sections(
        narrative,
        {
            "users": [
                "users: sentence 7 says U2 drives T1; there is no path from U2 to T1 in the "
                "hierarchy"
            ]
        },
        "U2 drives T1",
    )


def test_false_ranks_links_and_vague_claims_keep_the_template():
    narrative, _ = run(
        writer(
            {
                "policy": lambda f: prose(f) + " P2 is the first priority of the policy dimension.",
                "technology": lambda f: prose(f) + " T1 enables P2.",
                "users": lambda f: prose(f) + " U2 is indispensable, at the root of the hierarchy.",
            }
        )
    )
    bad_sections(
        narrative,
        {
            "policy": [
                "policy: sentence 9 says P2 ranks first in its dimension; it ranks 2 in its "
                "dimension"
            ],
            "technology": [
                "technology: sentence 6 says T1 drives P2 ('enables'); there is no path from T1 "
                "to P2 in the hierarchy"
            ],
            "users": [
                "users: sentence 7 says U2 is indispensable; it is not necessary",
                "users: sentence 7 says U2 is at the root of the hierarchy; it is at level 1 of 4",
            ],
        },
    )


def test_leaving_out_a_factor_keeps_the_template():
    def drop(facts):
        # U1 only, and not its link to U2
        facts["factors"] = [
            f | {"drives_directly": []} for f in facts["factors"] if f["id"] == "U1"
        ]
        return prose(facts)

    narrative, _ = run(writer({"users": drop}))
    bad_sections(narrative, {"users": ["users: leaves out U2 (Trust)"]})


def test_a_server_that_times_out_changes_nothing():
    def slow(body, server):
        return Reply(completion(json.dumps({"paragraphs": [prose(facts_of(body))]})).body, 200, 1)

    narrative, _ = run(slow, timeout=0.3)
    assert [s.prose for s in narrative.sections] == [None] * 4
    assert narrative.notes == [
        f"{d}: no reply (timed out: nothing came for 0.3 s (not asked again while the server "
        "may still be computing it)); template kept"
        for d in ("policy", "technology", "users")
    ] + [NO_PROSE]
    assert "3 call(s), 0 retried, 3 failed" in narrative.usage
    assert narrative.text(sections()[0]) == sections()[0].text


@pytest.mark.parametrize(
    ("reply", "note"),
    [
        (
            completion("Sure! P1 is the key lever with 99 % certainty."),
            "no usable reply (the reply holds no JSON object); template kept",
        ),
        (
            completion(json.dumps({"text": "P1 leads."})),
            'no usable reply (expected an object with a "paragraphs" list of strings); '
            "template kept",
        ),
        (
            completion(json.dumps({"paragraphs": ["## P1\n- P1 is at level 9"]})),
            "no usable reply (paragraphs must be plain prose: no headings, lists, tables, "
            "code or links); template kept",
        ),
        (
            Reply("<html>P1 at level 9</html>"),
            "no reply (the reply is not a chat completion (not JSON: '<html>P1 at level "
            "9</html>'); check the server address (it usually ends in /v1))",
        ),
    ],
    ids=["not-json", "wrong-object", "markdown", "not-a-completion"],
)
def test_a_server_that_returns_garbage_changes_nothing(reply, note):
    narrative, server = run(lambda body, server: reply)
    assert [s.prose for s in narrative.sections] == [None] * 4
    suffix = "" if "; template kept" in note else "; template kept"
    assert narrative.notes == [
        *(f"{d}: {note}{suffix}" for d in ("policy", "technology", "users")),
        NO_PROSE,
    ]
    usable_json = reply.body != "<html>P1 at level 9</html>"
    assert len(server.requests) == (6 if usable_json else 3)  # one repair request each


def test_a_server_that_rejects_json_schemas_is_asked_without_them():
    def no_schemas(body, server):
        if "response_format" in body:
            return error(400, "response_format is not supported")
        return writer()(body, server)

    narrative, server = run(no_schemas)
    assert narrative.notes == []
    assert all(s.prose for s in narrative.sections[:3])
    assert any("response_format" not in body for body in server.requests)
    assert "refused a reply format" in narrative.usage


def test_a_refused_key_stops_with_one_line():
    with (
        FakeServer(lambda body, server: error(401, "bad key")) as server,
        pytest.raises(InputError, match="refused the key"),
    ):
        narrate(config(server), STUDY, sections(), PROFILES)


def test_a_client_given_is_left_open_and_counts_the_calls():
    with FakeServer(writer()) as server:
        client = LlmClient(config(server))
        first = narrate(client, STUDY, sections(), PROFILES)
        second = narrate(client, STUDY, sections()[:1], PROFILES)
        client.close()
    assert "3 call(s)" in first.usage and "4 call(s)" in second.usage
    assert second.sections[0].prose is not None


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"paragraphs": ["  P1 leads.\n  P2 follows. ", ""]}, (["P1 leads. P2 follows."], None)),
        ({"paragraphs": []}, (None, "expected 1 to 6 non-empty paragraphs")),
        ({"paragraphs": ["a"] * 7}, (None, "expected 1 to 6 non-empty paragraphs")),
        ({"paragraphs": [3]}, (None, 'expected an object with a "paragraphs" list of strings')),
        (
            {"paragraphs": ["See [the law](http://x)."]},
            (None, "paragraphs must be plain prose: no headings, lists, tables, code or links"),
        ),
    ],
)
def test_paragraphs_are_validated(obj, expected):
    assert validate_paragraphs(obj) == expected
