"""Entities: folding, the gazetteer and its ruler, aliases, variants, short names, metonymy."""

from __future__ import annotations

import pytest

from helpers import entities, paths


@pytest.mark.parametrize(("text", "key"), [
    ("HEZBOLLAH", "hezbollah"),
    ("Erdoğan", "erdogan"),
    ("Médecins Sans Frontières", "medecins sans frontieres"),
    ("Kata\u2019ib Hezbollah", "kataib hezbollah"),
    ("Kata'ib Hezbollah", "kataib hezbollah"),
    ("Iraq's", "iraq"),
    ("Iraq\u2019s", "iraq"),
    ("the Houthis", "houthis"),
    ("The Pentagon", "pentagon"),
    ("President Joe Biden", "joe biden"),
    ("President Joe Biden's", "joe biden"),
    ("Defence Minister Lina Farouk", "lina farouk"),
    ("Prime Minister Karim Aziz", "karim aziz"),
    ("Lt. Gen. Omar Said", "omar said"),
    ("U.S.", "u s"),
    ("al-Hashimi", "al hashimi"),
    ("  Sheikh   Nasser  ", "nasser"),
])
def test_fold(text, key):
    assert entities.fold(text) == key


def test_fold_keeps_a_bare_title():
    # Stripping must never leave an empty key.
    assert entities.fold("President") == "president"


def test_fold_does_not_strip_titles_inside_a_name():
    assert entities.fold("Joe President") == "joe president"


@pytest.mark.parametrize(("text", "slug"), [
    ("Abu Hamza al-Tamimi", "abu-hamza-al-tamimi"),
    ("Kata\u2019ib Hezbollah", "kataib-hezbollah"),
    ("Médecins Sans Frontières", "medecins-sans-frontieres"),
    ("U.S. Army", "u-s-army"),
    ("!!!", "x"),
])
def test_slug(text, slug):
    assert entities.slug(text) == slug


# --- the gazetteer --------------------------------------------------------------------------------

def test_gazetteer_loads_with_unique_ids_and_valid_metonymy(extractor):
    gazetteer = extractor.gazetteer
    ids = gazetteer.actors["entity_id"].tolist()
    assert len(ids) > 100 and len(ids) == len(set(ids))
    assert set(gazetteer.metonymy.values()) <= set(ids)
    assert gazetteer.metonymy["washington"] == "united-states"
    assert gazetteer.metonymy["tehran"] == "iran"
    info = gazetteer.info("kataib-hezbollah")
    assert info["name"] == "Kata'ib Hezbollah" and info["actor_type"] == "armed group"
    assert gazetteer.info("no-such-actor") is None


def test_alias_table_maps_aliases_to_ids(extractor):
    table = extractor.gazetteer.alias_table()
    assert table[entities.fold("U.S.")] == table[entities.fold("United States")] == "united-states"
    assert table[entities.fold("Pentagon")] == "us-department-of-defense"
    assert table[entities.fold("Hizballah")] == "hezbollah"


def test_gazetteer_rejects_duplicate_ids(tmp_path):
    (tmp_path / "actors.csv").write_text(
        "entity_id,name,label\nfoo-front,Foo Front,ORG\nfoo-front,Foo Front Two,ORG\n", encoding="utf-8")
    with pytest.raises(ValueError, match="foo-front"):
        entities.load_gazetteer(tmp_path)


def test_gazetteer_rejects_metonymy_to_unknown_entity(tmp_path):
    (tmp_path / "actors.csv").write_text("entity_id,name,label\nfooland,Fooland,GPE\n", encoding="utf-8")
    (tmp_path / "metonymy.csv").write_text("place,entity_id,note\nFoo City,barland,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="barland"):
        entities.load_gazetteer(tmp_path)


def test_project_gazetteer_folder_loads():
    gazetteer = entities.load_gazetteer(paths.GAZETTEER)
    assert "united-states" in set(gazetteer.actors["entity_id"])


# --- the entity ruler -----------------------------------------------------------------------------

def _ids(analyse, text, published=None):
    _, records = analyse(text, published)
    return {m["text"]: m["gazetteer_id"] for m in records["mentions"]}


def test_ruler_tags_gazetteer_names_with_ids(analyse):
    found = _ids(analyse, "Kata'ib Hezbollah fighters fired rockets, the Pentagon said, "
                          "while the IDF reported calm on the northern border.")
    assert found["Kata'ib Hezbollah"] == "kataib-hezbollah"
    assert found["Pentagon"] == "us-department-of-defense"
    assert found["IDF"] == "israel-defense-forces"


def test_ruler_matches_curly_apostrophes(analyse):
    found = _ids(analyse, "Kata\u2019ib Hezbollah fighters fired rockets at the airport.")
    assert found["Kata\u2019ib Hezbollah"] == "kataib-hezbollah"


def test_lowercase_us_is_not_the_united_states(analyse):
    _, records = analyse("The farmers told us that the harvest failed. Let us hope for rain.")
    assert not [m for m in records["mentions"] if m["text"].lower() == "us"]


def test_aliases_share_one_id(analyse):
    found = _ids(analyse, "U.S. officials met envoys from the United States and the US Navy.")
    assert found["U.S."] == found["United States"] == "united-states"
    assert found["US Navy"] == "us-navy"


# --- resolution across documents ------------------------------------------------------------------

def _resolve(extractor, analyse, texts, threshold=90.0):
    """Mentions of each text, resolved together as one corpus: list of (text, entity_id) per doc."""
    per_doc = [analyse(t)[1]["mentions"] for t in texts]
    resolver = entities.Resolver(extractor.gazetteer, threshold=threshold)
    for mentions in per_doc:
        resolver.observe(mentions)
    resolver.build()
    return [[(m, resolver.entity_id(m)) for m in mentions] for mentions in per_doc]


def _id_of(resolved, text):
    hits = [eid for doc in resolved for m, eid in doc if m["text"] == text]
    assert hits, f"{text!r} not found among {[m['text'] for doc in resolved for m, _ in doc]}"
    return hits[0]


def test_aliases_resolve_to_the_gazetteer_id(extractor, analyse):
    resolved = _resolve(extractor, analyse, ["The U.S. closed its consulate on Sunday.",
                                             "The United States sent more troops."])
    assert _id_of(resolved, "U.S.") == _id_of(resolved, "United States") == "united-states"


@pytest.mark.parametrize("variant", [
    "Katai'ib Hezbollah",
    "Katai\u2019ib Hezbollah",
    "Kata\u2019ib Hizbollah",
    "Katayib Hezbollah",
])
def test_spelling_variants_resolve_to_the_gazetteer_id(extractor, analyse, variant):
    resolved = _resolve(extractor, analyse, [f"Fighters loyal to {variant} fired rockets at the airport."])
    ids = {eid for doc in resolved for m, eid in doc if "Hezbollah" in m["text"] or "Hizbollah" in m["text"]}
    assert ids == {"kataib-hezbollah"}


def test_a_title_before_a_gazetteer_name_does_not_widen_it(analyse):
    found = _ids(analyse, "President Donald Trump and Prime Minister Netanyahu spoke by phone.")
    assert found == {"Donald Trump": "donald-trump", "Netanyahu": "benjamin-netanyahu"}


def test_a_gazetteer_name_alone_keeps_its_own_id(extractor, analyse):
    # The fix for variants must not swallow a plain mention of the shorter gazetteer name.
    resolved = _resolve(extractor, analyse, ["Hezbollah fighters fired rockets at the border post."])
    assert _id_of(resolved, "Hezbollah") == "hezbollah"


FICTIONAL = [
    "Saraya Nour al-Mahdawi claimed the attack on a checkpoint near Samarra on Monday.",
    "A statement from Saraya Nur al-Mahdawi claimed the attack on the checkpoint.",
    "Security forces arrested two members of Sarayat Nour al-Mahdawy in Tikrit.",
]


def _fictional_ids(resolved):
    return {eid for doc in resolved for m, eid in doc if "Mahdaw" in m["text"]}


def test_unknown_variants_cluster_across_documents(extractor, analyse):
    resolved = _resolve(extractor, analyse, FICTIONAL)
    ids = _fictional_ids(resolved)
    assert len(ids) == 1
    (entity_id,) = ids
    assert entity_id.endswith("mahdawi") or entity_id.endswith("mahdawy")
    assert entity_id.split(":")[0] in {"org", "person", "norp"}
    # Every one of the three documents contributes a mention.
    assert all(any("Mahdaw" in m["text"] for m, _ in doc) for doc in resolved)


def test_a_very_high_threshold_keeps_variants_apart(extractor, analyse):
    resolved = _resolve(extractor, analyse, FICTIONAL, threshold=99.5)
    assert len(_fictional_ids(resolved)) == 3


def test_short_name_resolves_to_the_full_name_in_its_document(extractor, analyse):
    text = ("Abu Karim al-Hashimi, a commander of the group, survived the strike. "
            "Two days later al-Hashimi appeared in a video.")
    _, records = analyse(text)
    short = [m for m in records["mentions"] if m["text"] == "al-Hashimi"]
    assert short and short[0]["full"] == "Abu Karim al-Hashimi"
    resolved = _resolve(extractor, analyse, [text])
    assert _id_of(resolved, "al-Hashimi") == _id_of(resolved, "Abu Karim al-Hashimi")
    assert _id_of(resolved, "al-Hashimi").endswith(":abu-karim-al-hashimi")


def test_transliterated_word_split_from_a_gazetteer_name_is_joined(extractor, analyse):
    # The model may tag "Katai'ib" and "Hezbollah" as two names; the apostrophe inside the
    # first word marks one transliterated name, which then resolves as a whole.
    text = "The strike killed the Katai\u2019ib Hezbollah commander on Wednesday."
    doc, records = analyse(text)
    forms = [m["text"] for m in records["mentions"] if "Hezbollah" in m["text"]]
    assert forms == ["Katai\u2019ib Hezbollah"]
    resolved = _resolve(extractor, analyse, [text])
    assert _id_of(resolved, "Katai\u2019ib Hezbollah") == "kataib-hezbollah"


def test_short_form_is_a_tail_or_a_head_before_a_qualifier():
    assert entities.short_form_of(["islamic", "resistance"],
                                  [(["islamic", "resistance", "in", "iraq"], "Islamic Resistance in Iraq")]) \
        == "Islamic Resistance in Iraq"
    assert entities.short_form_of(["islamic", "resistance"],
                                  [(["islamic", "resistance", "front"], "Islamic Resistance Front")]) is None


def test_head_of_a_qualified_name_resolves_to_it(extractor, analyse):
    text = ("The Popular Defence Committee in Sinjar said it would hold elections. "
            "The Popular Defence Committee did not give a date.")
    resolved = _resolve(extractor, analyse, [text])
    ids = {eid for doc in resolved for m, eid in doc if m["text"].endswith("Popular Defence Committee")
           or m["text"].endswith("Committee in Sinjar")}
    assert len(ids) == 1


def test_short_name_in_another_document_is_not_the_full_name_in_this_one(analyse):
    _, records = analyse("Later al-Hashimi appeared in a video filmed in the desert.")
    assert all(m["full"] is None for m in records["mentions"])


# --- metonymy -------------------------------------------------------------------------------------

def _mention(records, text):
    (hit,) = [m for m in records["mentions"] if m["text"] == text]
    return hit


def test_capital_as_speaker_is_its_government(extractor, analyse):
    texts = ["Washington said on Tuesday that it would send more air defence systems.",
             "Tehran warned of a firm response to any attack on its ships.",
             "He lives in Washington with his family."]
    docs = [analyse(t)[1] for t in texts]
    assert _mention(docs[0], "Washington")["metonymy"] is True
    assert _mention(docs[1], "Tehran")["metonymy"] is True
    assert _mention(docs[2], "Washington")["metonymy"] is False
    resolved = _resolve(extractor, analyse, texts)
    assert [eid for m, eid in resolved[0] if m["text"] == "Washington"] == ["united-states"]
    assert [eid for m, eid in resolved[1] if m["text"] == "Tehran"] == ["iran"]
    place = [eid for m, eid in resolved[2] if m["text"] == "Washington"]
    assert place and place[0] != "united-states"


def test_coordinated_capitals_both_count(analyse):
    _, records = analyse("Washington and Baghdad will resume talks on the troop withdrawal next month.")
    assert _mention(records, "Washington")["metonymy"] is True
    assert _mention(records, "Baghdad")["metonymy"] is True


def test_place_as_object_is_not_metonymy(analyse):
    _, records = analyse("The delegation flew to Baghdad on Sunday.")
    assert _mention(records, "Baghdad")["metonymy"] is False


def test_names_with_an_organisation_word_are_organisations(analyse):
    doc, records = analyse("Liwa al-Sahil said on Sunday that its fighters had left the port. "
                           "Nour Haddad, a fisherman, said the boats were back.")
    labels = {m["text"]: m["label"] for m in records["mentions"]}
    assert labels["Liwa al-Sahil"] == "ORG"
    assert labels["Nour Haddad"] == "PERSON"
    assert {ent.text: ent.label_ for ent in doc.ents}["Liwa al-Sahil"] == "ORG"
