"""``factors draft``: factors per dimension from a local OpenAI-compatible server, written in
the format ``init --factors`` reads, with empty and duplicate entries removed and reported."""

from __future__ import annotations

import csv
import json
import re

import pytest

from ismpanel.elicitation.llm.factors import id_prefixes
from ismpanel.elicitation.store import PanelStore
from tests.llm_servers import FakeServer, completion

DRAFTS = {
    "policy": [
        {"name": "Privacy law", "definition": "Laws on personal data."},
        {"name": "privacy  law.", "definition": "Another wording of the same factor."},
        {"name": "", "definition": "A factor without a name."},
        {"name": "Open data rules", "definition": "  "},
        {"name": "Data retention policy", "definition": "How long records are kept."},
    ],
    "technology": [
        {"name": "Anonymisation", "definition": "Masking before release."},
        {"name": "The Privacy Law", "definition": "Duplicate across dimensions."},
    ],
    "data": [
        {"name": "Data quality", "definition": "Accuracy of released datasets."},
        {"name": "Data Quality ", "definition": "Same name, other case."},
    ],
    "users": [
        {"name": "Awareness", "definition": "Citizens know their rights."},
        {"name": "Trust", "definition": "laws on personal data"},  # same definition as P1
    ],
}


def drafting(body: dict, server: FakeServer):
    dimension = re.search(r"Dimension: (\w+)", body["messages"][1]["content"]).group(1)
    reply = json.dumps({"factors": DRAFTS[dimension]})
    if dimension == "data":  # this one ignores the schema and fences its JSON
        reply = f"Sure, here are the factors:\n```json\n{reply}\n```"
    return completion(reply)


@pytest.fixture
def server(monkeypatch):
    for name in ("ISMPANEL_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeServer(drafting) as fake:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", fake.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        yield fake


def test_draft_writes_a_factors_file_without_empty_or_duplicate_entries(cli, tmp_path, server):
    out = tmp_path / "factors.csv"
    run = cli("factors", "draft", "Privacy in open government data", "-o", out)
    assert run.code == 0, run.err
    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["id", "dimension", "name", "definition"],
        ["P1", "policy", "Privacy law", "Laws on personal data."],
        ["P2", "policy", "Data retention policy", "How long records are kept."],
        ["T1", "technology", "Anonymisation", "Masking before release."],
        ["D1", "data", "Data quality", "Accuracy of released datasets."],
        ["U1", "users", "Awareness", "Citizens know their rights."],
    ]
    removed = [line for line in run.err.splitlines() if line.startswith("removed")]
    assert removed == [
        "removed policy: 'privacy law.' duplicates P1 'Privacy law' (policy)",
        "removed policy: entry without a name",
        "removed policy: entry 'Open data rules' without a definition",
        "removed technology: 'The Privacy Law' duplicates P1 'Privacy law' (policy)",
        "removed data: 'Data Quality' duplicates D1 'Data quality' (data)",
        "removed users: 'Trust' duplicates P1 'Privacy law' (policy)",
    ]
    assert "5 factor(s) drafted, 6 removed" in run.out
    assert "LLM usage (fake-model at " in run.err and "4 call(s)" in run.err
    asked = {
        re.search(r"Dimension: (\w+)", b["messages"][1]["content"]).group(1)
        for b in (server.requests)
    }
    assert asked == set(DRAFTS)
    assert "Privacy in open government data" in server.requests[0]["messages"][1]["content"]
    init = cli("init", tmp_path / "study", "--factors", out)
    assert init.code == 0, init.err
    assert PanelStore.open(tmp_path / "study").study.factor_ids == ("P1", "P2", "T1", "D1", "U1")


def test_draft_with_chosen_dimensions_and_xlsx(cli, tmp_path, server):
    out = tmp_path / "factors.xlsx"
    run = cli("factors", "draft", "Privacy", "--dimensions", "users,data", "-o", out)
    assert run.code == 0, run.err
    init = cli("init", tmp_path / "study", "--factors", out)
    assert init.code == 0, init.err
    # without policy, Trust no longer duplicates a policy definition
    assert PanelStore.open(tmp_path / "study").study.factor_ids == ("U1", "U2", "D1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dimensions", "policy,9x"], "--dimensions '9x' must start with a letter"),
        (["--dimensions", "policy,policy"], "--dimensions: policy given twice"),
        (["-o", "factors.txt"], "unknown output type; use .csv or .xlsx"),
    ],
)
def test_bad_draft_options_are_refused_in_one_line(cli, tmp_path, server, args, message):
    run = cli("factors", "draft", "Privacy", "-o", tmp_path / "f.csv", *args)
    assert run.code == 2 and message in run.err and run.err.count("\n") == 1
    assert server.requests == []


def test_id_prefixes_are_short_and_distinct():
    assert id_prefixes(["policy", "technology", "data", "users"]) == {
        "policy": "P",
        "technology": "T",
        "data": "D",
        "users": "U",
    }
    assert id_prefixes(["policy", "privacy", "data", "database", "g2"]) == {
        "policy": "Po",
        "privacy": "Pr",
        "data": "Data_",
        "database": "Datab",
        "g2": "G",
    }


@pytest.mark.parametrize(
    "dimensions",
    [
        ["data", "data_quality"],
        ["policy", "Policy"],
        ["Data", "data_x", "datum"],
        ["policy", "Policy", "policy2"],
        ["x_", "x"],
    ],
)
def test_id_prefixes_differ_whatever_the_case(dimensions):
    prefixes = id_prefixes(dimensions)
    assert len({p.lower() for p in prefixes.values()}) == len(dimensions)
    assert all(not p[-1].isdigit() for p in prefixes.values())  # "D1" + "2" never meets "D12"
    assert id_prefixes(["data", "data_quality"]) == {"data": "Data_", "data_quality": "Data_q"}
    assert id_prefixes(["policy", "Policy"]) == {"policy": "Policy_", "Policy": "Policy2_"}


def test_drafts_for_dimensions_alike_get_distinct_ids_and_init_reads_them(
    cli, tmp_path, monkeypatch
):
    def two_each(body: dict, server: FakeServer):
        dimension = re.search(r"Dimension: (\w+)", body["messages"][1]["content"]).group(1)
        case = "capitalised" if dimension[0].isupper() else "lowercase"
        factors = [
            {"name": f"{dimension} ({case}) factor {k}", "definition": f"{case} {dimension} {k}."}
            for k in (1, 2)
        ]
        return completion(json.dumps({"factors": factors}))

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeServer(two_each) as fake:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", fake.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        out = tmp_path / "factors.csv"
        dims = "data,data_quality,policy,Policy"
        run = cli("factors", "draft", "Privacy", "--dimensions", dims, "-o", out)
    assert run.code == 0, run.err
    init = cli("init", tmp_path / "study", "--factors", out)
    assert init.code == 0, init.err
    ids = PanelStore.open(tmp_path / "study").study.factor_ids
    assert ids == (
        "Data_1",
        "Data_2",
        "Data_q1",
        "Data_q2",
        "Policy_1",
        "Policy_2",
        "Policy2_1",
        "Policy2_2",
    )


def test_factors_draft_shares_the_model_and_server_options_of_llm_expert():
    from ismpanel.cli import factors, llm_expert

    assert factors.ModelOpt is llm_expert.ModelOpt
    assert factors.BaseUrlOpt is llm_expert.BaseUrlOpt


def test_near_duplicates_are_merged_or_flagged():
    from ismpanel.elicitation.llm.factors import clean_entries

    entries = [
        ("technology", {"name": "Encryption", "definition": "Encrypting stored personal data."}),
        ("technology", {"name": "Data Encryption", "definition": "Encrypting personal data."}),
        ("policy", {"name": "Data access controls", "definition": "Who may read records."}),
        ("policy", {"name": "Data Access Control", "definition": "Rules on reading data."}),
        ("policy", {"name": "Privacy", "definition": "The right to be left alone."}),
        ("policy", {"name": "Privacy policies", "definition": "An agency's published rules."}),
        ("policy", {"name": "Open data policies", "definition": "What agencies release."}),
    ]
    kept, removed, flagged = clean_entries(entries, {"technology": "T", "policy": "P"})
    assert [(f.id, f.name) for f in kept] == [
        ("T1", "Encryption"),
        ("P1", "Data access controls"),
        ("P2", "Privacy"),
        ("P3", "Privacy policies"),
        ("P4", "Open data policies"),
    ]
    assert removed == [
        "technology: 'Data Encryption' merged into T1 'Encryption' (technology): a name within "
        "the other and a definition alike",
        "policy: 'Data Access Control' duplicates P1 'Data access controls' (policy)",
    ]
    assert flagged == [
        "P3 'Privacy policies' may duplicate P2 'Privacy': one name holds the other, the "
        "definitions differ"
    ]
