"""Corpus-level entity resolution against a list of pairs that must and must not merge
(``tests/gold/merge_pairs.jsonl``), and the rules behind it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from helpers import entities

CASES = [json.loads(line) for line in
         (Path(__file__).parent / "gold" / "merge_pairs.jsonl").read_text(encoding="utf-8").splitlines()]


def mentions_of(extractor, text, spans=()):
    """The mentions of a text, with ``spans`` ([substring, label]) forced as entities first where
    no entity holds them: the rules under test are resolution's, not the model's."""
    doc = extractor.nlp(text)
    forced = [doc.char_span(text.find(s), text.find(s) + len(s), label=label)
              for s, label in spans if s in text]
    # Not where the model already found a name holding it ("Alan Pritchard").
    forced = [f for f in forced if not any(e.start <= f.start and e.end >= f.end for e in doc.ents)]
    if forced:
        doc.ents = [e for e in doc.ents if not any(e.start < f.end and e.end > f.start for f in forced)] + forced
    return [m.as_dict() for m in entities.extract(doc, extractor.gazetteer.metonymy)]


def resolve(extractor, analyse, texts, gazetteer=None, spans=()):
    """Each text's mentions resolved together: list of (text, mentions with entity_id)."""
    per_doc = [mentions_of(extractor, t, spans) for t in texts]
    resolver = entities.Resolver(gazetteer or extractor.gazetteer)
    for mentions in per_doc:
        resolver.observe(mentions)
    resolver.build()
    return resolver, [(t, [dict(m, entity_id=resolver.entity_id(m)) for m in ms])
                      for t, ms in zip(texts, per_doc, strict=True)]


def id_at(resolved, form):
    """The id of the mention inside the first occurrence of ``form`` (the longest one there)."""
    for text, mentions in resolved:
        at = text.find(form)
        if at < 0:
            continue
        inside = [m for m in mentions if m["start_char"] < at + len(form) and m["end_char"] > at]
        assert inside, f"no mention in {form!r}: {[m['text'] for m in mentions]}"
        return max(inside, key=lambda m: m["end_char"] - m["start_char"])["entity_id"]
    raise AssertionError(form)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['a']}|{c['b']}" for c in CASES])
def test_merge_pairs(extractor, analyse, case):
    _, resolved = resolve(extractor, analyse, case["texts"], spans=case.get("spans", ()))
    same = id_at(resolved, case["a"]) == id_at(resolved, case["b"])
    assert same == case["merge"], case["note"]


def test_merge_list_names_every_wrong_merge_of_the_issue():
    wrong = {(c["a"], c["b"]) for c in CASES if not c["merge"]}
    assert {("Mrs Howard", "Michael Howard"), ("Prince of Wales", "Arts Council of Wales"),
            ("Briton", "Brixton"), ("South West", "South East"), ("London to Leeds", "UK"),
            ("Mr Brown", "Blair and Brown")} <= wrong


def test_merges_are_recorded_with_rule_and_score(extractor, analyse):
    resolver, _ = resolve(extractor, analyse, [
        "Prime Minister Tony Blair spoke in the Commons. Mr Blair said the economy was strong.",
        "Blair told reporters he would stay.", "The Tories have chosen a new chairman."])
    rows = {(m["from_form"], m["to_id"]): m for m in resolver.merges}
    assert rows[("Blair", "tony-blair")]["rule"] in {"short-name", "short-name-in-document"}
    assert rows[("Tories", "conservative-party")]["rule"] == "alias"
    assert all(0 < m["score"] <= 100 and m["n_mentions"] >= 1 for m in resolver.merges)


def test_aliases_exclude_undoes_a_merge(extractor, analyse, tmp_path):
    for path in entities.paths.GAZETTEER.glob("*.csv"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "aliases_exclude.csv").write_text("form,entity_id,note\nTories,conservative-party,test\n",
                                                  encoding="utf-8")
    gazetteer = entities.load_gazetteer(tmp_path)
    assert ("tories", "conservative-party") in gazetteer.exclude
    assert "aliases_exclude.csv" not in set(gazetteer.actors["file"])
    resolver, resolved = resolve(extractor, analyse, ["The Tories have chosen a new chairman."], gazetteer)
    assert id_at(resolved, "Tories") != "conservative-party"
    assert not [m for m in resolver.merges if m["from_form"] == "Tories"]


def test_variants_need_more_than_a_ratio():
    assert entities.variants_compatible("saraya nour al mahdawi", "sarayat nour al mahdawy")
    assert not entities.variants_compatible("briton", "brixton")  # length floor
    assert not entities.variants_compatible("south west england", "south east england")  # contradicting
    assert not entities.variants_compatible("kataib hezbollah", "hezbollah")  # word count


def test_a_tail_never_starts_with_a_function_word():
    groups = entities.cluster_names(Counter({"arts council of wales": 3, "of wales": 2}), 90.0)
    assert groups["of wales"] == "of wales"


def test_short_name_takes_the_dominant_full_name_only(extractor, analyse):
    _, resolved = resolve(extractor, analyse, [
        "Gordon Brown will present the budget. Gordon Brown said growth would return.",
        "Gordon Brown met union leaders. Gordon Brown promised more money for schools.",
        "James Brown, a singer, played in London.",
        "Mr Brown said the figures were sound."])
    assert id_at(resolved, "Mr Brown") == "gordon-brown"
    _, resolved = resolve(extractor, analyse, [
        "Mark Pritchard will present the budget, he said.", "Ann Pritchard, the mayor, met union leaders.",
        "Pritchard said the figures were sound."], spans=[("Pritchard", "PERSON")])
    full_names = {id_at(resolved, "Mark Pritchard"), id_at(resolved, "Ann Pritchard")}
    assert id_at(resolved, "Pritchard said") not in full_names


def test_a_name_gets_one_label_class_by_majority(extractor):
    resolver = entities.Resolver(extractor.gazetteer)
    mentions = [{"text": "Harbour Alliance", "label": "ORG"}] * 3 + [{"text": "Harbour Alliance", "label": "GPE"}]
    resolver.observe(mentions)
    resolver.build()
    assert {resolver.entity_id(m) for m in mentions} == {"org:harbour-alliance"}


def test_titles_kept_as_evidence(analyse):
    _, records = analyse("Michael Howard spoke first. Mr Howard thanked the hall. Mrs Howard spoke after him.")
    mrs = [m for m in records["mentions"] if m["text"].endswith("Howard") and m["title"] == "mrs"]
    assert mrs and mrs[0]["title"] == "mrs" and mrs[0]["full"] is None


def test_a_title_of_the_other_gender_splits_a_joined_name(extractor, analyse):
    _, resolved = resolve(extractor, analyse, [
        "Michael Howard spoke first. Mrs Howard spoke after him.",
        "Mr Howard said the party was ready.", "Mr Howard visited Kent.",
        "Michael Howard met farmers. Mr Howard promised lower taxes."])
    assert id_at(resolved, "Mrs Howard") != "michael-howard"
    assert id_at(resolved, "Mr Howard said") == "michael-howard"


# --- metonymy and labels ---------------------------------------------------------------------------

def _metonymy(analyse, text, place):
    _, records = analyse(text)
    (hit,) = [m for m in records["mentions"] if m["text"] == place]
    return hit["metonymy"]


def test_metonymy_needs_a_verb_of_speech_or_decision(analyse):
    assert _metonymy(analyse, "Moscow rejected the offer on Monday.", "Moscow") is True
    assert _metonymy(analyse, "Passengers on the London to Leeds express were stuck for hours.", "London") is False
    assert _metonymy(analyse, "London hosted the games in 2012.", "London") is False


def test_decision_verbs_are_data():
    forms = entities.agency_forms()
    assert {"said", "rejected", "imposed", "sent", "vetoed"} <= forms
    assert "hosted" not in forms


def test_titled_names_the_model_calls_organisations_are_people(analyse):
    _, records = analyse("Councillor Diane Holt opened the meeting.")
    assert {m["text"]: m["label"] for m in records["mentions"]}["Councillor Diane Holt"] == "PERSON"


# --- the tables -------------------------------------------------------------------------------------

def test_extraction_writes_entity_merges_and_quote_kinds(tmp_path):
    import uuid

    from helpers import clean, extract, store

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "2026-03-01_a.txt").write_text(
        "Tory leader Michael Howard spoke in Kent. Mr Howard said the Tories would win.\n\n"
        '"We are ready for the election," Mr Howard told activists.', encoding="utf-8")
    (raw / "2026-03-02_b.txt").write_text(
        "The Conservatives lost two seats. Labour's candidate won in Dover.", encoding="utf-8")
    name = f"m-{uuid.uuid4().hex[:8]}"
    clean.write_documents(name, clean.clean_corpus(raw, progress=False))
    summary = extract.extract_corpus(name, progress=False)
    tables = extract.load_tables(name)
    merges = tables["entity_merges"]
    assert summary["rows"]["entity_merges"] == len(merges) > 0
    assert set(merges.loc[merges["from_form"] == "Tories", "to_id"]) == {"conservative-party"}
    assert set(merges.columns) >= {"from_form", "to_id", "rule", "score"}
    quotes = tables["quotes"]
    assert list(quotes["kind"]) == ["direct"]
    row = quotes.iloc[0]
    documents = store.read_table(name, "documents").set_index("doc_id")
    text = documents.loc[row["doc_id"], "text"]
    assert text[row["speaker_start"]:row["speaker_end"]] == row["speaker_text"]
    assert row["speaker_entity_id"] == "michael-howard"


POLITICS = [
    "Tony Blair told Labour's conference that the party would win a third term. Mr Blair said the economy was strong.",
    "Chancellor Gordon Brown and Tony Blair campaigned together in Dover. Mr Brown said Labour had kept its promises.",
    "Tory leader Michael Howard attacked Mr Blair over immigration. "
    "The Conservatives want annual limits, Mr Howard said.",
    "The Liberal Democrats, led by Charles Kennedy, promised to scrap tuition fees. "
    "Mr Kennedy said the Lib Dems were the real opposition.",
    "The Conservative Party unveiled its manifesto on Monday. Tory candidates will campaign on crime.",
    "Labour Party officials said Blair would lead the campaign. The Tories said Brown was the real power.",
    "A Lib Dem spokesman said the party had gained support. Liberal Democrat leader Charles Kennedy visited Cardiff.",
    "Michael Howard's wife, Mrs Howard, joined him in Folkestone. Mr Howard thanked the voters.",
]


def test_every_party_and_leader_is_one_entity(extractor, analyse):
    _, resolved = resolve(extractor, analyse, POLITICS)
    ids: dict[str, set] = {}
    for _, mentions in resolved:
        for m in mentions:
            ids.setdefault(m["entity_id"], set()).add(m["text"])
    by_form = {form: entity_id for entity_id, forms in ids.items() for form in forms}
    expected = {
        "labour-party": {"Labour", "Labour Party"},
        "conservative-party": {"Conservative Party", "Conservatives", "Tories", "Tory"},
        "liberal-democrats": {"Lib Dem", "Lib Dems", "Liberal Democrat", "Liberal Democrats"},
        "tony-blair": {"Tony Blair", "Blair"},
        "gordon-brown": {"Gordon Brown", "Brown"},
        "charles-kennedy": {"Charles Kennedy", "Kennedy"},
    }
    for entity_id, forms in expected.items():
        assert {by_form[f] for f in forms} == {entity_id}, (entity_id, ids.get(entity_id))
    assert by_form["Mrs Howard"] != "michael-howard"


def test_a_surname_joins_only_full_names_written_in_the_corpus(extractor):
    resolver = entities.Resolver(extractor.gazetteer)
    kennedy = {"text": "Kennedy", "label": "PERSON", "title": "mr"}
    resolver.observe([kennedy, {"text": "Chicago", "label": "GPE"}])
    resolver.build()
    assert resolver.entity_id(kennedy) == "person:kennedy"


def test_an_institution_word_after_a_party_name_is_another_organisation(analyse):
    _, records = analyse("The Labour Ministry invited both sides to talks. Labour MPs backed the offer.")
    found = {m["text"]: m["gazetteer_id"] for m in records["mentions"]}
    assert found["Labour Ministry"] is None
    assert found["Labour"] == "labour-party"


def test_a_short_name_joined_in_its_document_is_recorded(extractor, analyse):
    resolver, _ = resolve(extractor, analyse, ["Abu Karim al-Hashimi survived the strike. Later al-Hashimi spoke."])
    rows = [m for m in resolver.merges if m["from_form"] == "al-Hashimi"]
    assert rows and rows[0]["rule"] == "short-name-in-document"
    assert not [m for m in resolver.merges if m["from_form"] == "Abu Karim al-Hashimi"]
