"""The hand-coded event dev set (benchmarks/devsets/events_dev.csv) meets issue 11's targets,
and the ACLED export keeps ACLED's layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from helpers import acled, evaluate

ROOT = Path(__file__).resolve().parents[1]


def test_dev_set_meets_the_targets():
    """Scored by ``newsdesk evaluate --kind events`` (each note a document dated its event_date)."""
    result = evaluate.evaluate("events", ROOT / "benchmarks" / "devsets" / "events_dev.csv")
    figures = {name: found["accuracy"] for name, found in result["accuracy"].items()}
    assert result["counts"]["notes"] >= 80
    assert figures["event_type"] >= 0.85
    assert figures["actor1"] >= 0.40
    assert figures["location"] >= 0.75
    assert figures["event_date"] >= 0.97
    assert 1.0 <= result["counts"]["asserted events per note"] <= 1.1
    # negated, denied, hypothetical and threatened events and political "attacks" are not counted
    assert figures["no asserted event where the gold codes none"] >= 0.9


def _events_frame():
    base = {"sentence": "s", "start_char": 0, "label": "air/drone strike", "trigger": "strike",
            "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
            "modality": "asserted", "actor1": "us", "actor1_text": "US", "actor1_type": 1.0,
            "actor2": None, "actor2_text": None, "actor2_type": None, "location": "Mosul",
            "location_text": "Mosul", "event_date": dt.date(2024, 2, 7), "date_text": "Wednesday",
            "date_precision": "day", "fatalities": 2.0, "count": None, "event_id": "ev-1", "n_reports": 2}
    rows = [base | {"doc_id": "a"}, base | {"doc_id": "b", "fatalities": 3.0},
            base | {"doc_id": "c", "event_id": "ev-2", "modality": "future"},
            base | {"doc_id": "d", "event_id": "ev-3", "label": "statement", "event_type": None}]
    return pd.DataFrame(rows)


def test_acled_export_one_row_per_asserted_event():
    documents = pd.DataFrame({"doc_id": ["a", "b"], "source": ["Wire A", "Wire B"]})
    entity_table = pd.DataFrame({"entity_id": ["us"], "name": ["US"], "actor_type": ["state"]})
    out = acled.to_acled(_events_frame(), documents, entity_table)
    assert list(out.columns) == acled.COLUMNS
    assert len(out) == 1
    row = out.iloc[0]
    assert row["event_date"] == "2024-02-07" and row["year"] == 2024 and row["time_precision"] == 1
    assert row["source"] == "Wire A; Wire B" and row["fatalities"] == 3
    assert row["interaction"] == 10 and row["country"] == "Iraq"
    assert row["latitude"] is not None and abs(row["latitude"] - 36.3) < 0.5


def test_coordinates_only_for_unambiguous_places():
    assert "latitude" in acled.place("Mosul")
    assert acled.place("Iraq") == {"country": "Iraq", "iso": 368}
    assert acled.place("Nowhere-on-earth") == {}


def test_acled_actor_names():
    assert acled.actor_name("Israeli forces", 1) == "Military Forces of Israel"
    assert acled.actor_name("unidentified gunmen", 3, "Iraq") == "Unidentified Armed Group (Iraq)"
    assert acled.actor_name("students", 6, "Egypt") == "Protesters (Egypt)"
    assert acled.actor_name("Kataib Hezbollah fighters", 3) == "Kataib Hezbollah"


def test_stage_two_writes_the_acled_export_one_row_per_event(tmp_path):
    from helpers import extract, paths, store

    from test_extract import make_corpus

    name, _ = make_corpus(tmp_path, 6)
    extract.extract_corpus(name, progress=False)
    exported = pd.read_csv(paths.processed_dir(name) / "events_acled.csv")
    assert list(exported.columns) == acled.COLUMNS
    event_rows = store.read_table(name, "events")
    counted = event_rows[event_rows["event_type"].notna() & (event_rows["modality"] == "asserted")]
    assert len(exported) == counted["event_id"].nunique() > 0
    assert (event_rows.groupby("event_id")["n_reports"].first()
            == event_rows.groupby("event_id").size()).all()


def test_x_based_and_targeting(extractor):
    def main(text):
        found = extractor.analyse(extractor.nlp(text), dt.date(2024, 2, 9))["events"]
        return next(e for e in found if e["modality"] == "asserted" and e["event_type"])

    strike = main("A drone strike targeting a militia commander hit a car near Qaim.")
    assert strike["actor2_text"] == "a militia commander"
    based = main("A Baghdad-based militia fired rockets at the base.")
    assert based["location_text"] == "Baghdad"
    assert based["actor1_type"] == 3
