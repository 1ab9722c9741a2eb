"""Acceptance on real-shaped text: the example article users bring, and the sample corpus."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import uuid

import pytest

from helpers import clean, extract, paths

pytestmark = pytest.mark.slow
SEED = paths.PROJECT_ROOT.parent / "shared" / "seeds" / "000_4776d901254a8ef3.txt"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def run_corpus(raw) -> tuple[str, dict, object]:
    name = f"acc-{uuid.uuid4().hex[:8]}"
    documents = clean.clean_corpus(raw, progress=False)
    clean.write_documents(name, documents)
    extract.extract_corpus(name, progress=False)
    return name, extract.load_tables(name), documents


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    if not SEED.exists():
        pytest.skip(f"the example article is not at {SEED}")
    raw = tmp_path_factory.mktemp("seed")
    # The article was published on Friday 9 February 2024; a date in the file name is how
    # plain-text corpora often carry it.
    shutil.copy(SEED, raw / "2024-02-09_militias-statement.txt")
    return run_corpus(raw)[1]


def test_seed_spelling_variants_are_one_group(seed):
    mentions = seed["mentions"]
    variants = mentions[mentions["text"].str.contains("Kata")]
    assert set(variants["text"]) >= {"Katai'ib Hezbollah", "Kata'ib Hezbollah"}
    assert set(variants["entity_id"]) == {"kataib-hezbollah"}


def test_seed_short_name_and_metonymy(seed):
    mentions = seed["mentions"].set_index("text")
    assert mentions.loc["al-Saadi", "entity_id"] == mentions.loc["Abu Baqir al-Saadi", "entity_id"]
    washington = seed["mentions"][seed["mentions"]["text"] == "Washington"].iloc[0]
    assert washington["entity_id"] == "united-states" and washington["metonymy"]


def test_seed_relative_dates(seed):
    dates = seed["dates"].set_index("text")
    assert (dates.loc["early last week", "start_date"], dates.loc["early last week", "end_date"]) == \
        (dt.date(2024, 1, 29), dt.date(2024, 1, 31))
    assert dates.loc["this weekend", "start_date"] == dt.date(2024, 2, 10)
    assert dates.loc["Oct. 17", "start_date"] == dt.date(2023, 10, 17)
    assert dates.loc["Friday", "start_date"] == dt.date(2024, 2, 9)


def test_seed_quotes_and_events(seed):
    quotes = seed["quotes"]
    careful = quotes[quotes["quote"].str.startswith("We carefully select targets")].iloc[0]
    assert "official" in careful["speaker_text"] and careful["cue"] == "said"
    # "They said": the latest group that spoke, though the small model tags it a work of art.
    painful = quotes[quotes["quote"] == "painful strikes"].iloc[0]
    assert painful["speaker_entity_id"] == "islamic-resistance-in-iraq"
    events = seed["events"]
    strike = events[(events["label"] == "air/drone strike") & (events["actor1"] == "us-armed-forces")]
    assert not strike.empty and "kataib-hezbollah" in set(strike["actor2"])
    assert 160 in set(events["count"].dropna())


@pytest.fixture(scope="module")
def sample():
    return run_corpus(paths.raw_dir("sample"))


def test_sample_duplicates_are_found(sample):
    _, _, documents = sample
    status = documents.set_index("doc_id")
    duplicates = status[status["status"] == "duplicate"]
    assert set(duplicates["reason"]) == {"exact duplicate", "near duplicate"}


def test_sample_group_variants_are_one_entity(sample):
    _, tables, _ = sample
    mentions = tables["mentions"]
    variants = mentions[mentions["text"].str.contains("Rafid")]
    assert variants["text"].nunique() >= 4
    assert variants["entity_id"].nunique() == 1


def test_sample_capital_as_speaker_is_the_country(sample):
    _, tables, _ = sample
    mentions = tables["mentions"]
    speaking = mentions[(mentions["text"] == "Washington") & mentions["metonymy"]]
    assert not speaking.empty and set(speaking["entity_id"]) == {"united-states"}


def test_sample_weekdays_resolve_to_the_right_calendar_day(sample):
    _, tables, _ = sample
    dates = tables["dates"]
    checked = 0
    for row in dates.itertuples():
        match = re.fullmatch(r"(?:on )?(last )?(\w+day)", row.text.lower())
        if not match or match.group(2) not in WEEKDAYS or row.anchor is None:
            continue
        checked += 1
        assert row.start_date.weekday() == WEEKDAYS.index(match.group(2)), row
        assert dt.timedelta(0) <= abs(row.anchor - row.start_date) < dt.timedelta(days=14), row
    assert checked >= 20
    # What stays unresolved should be durations and frequencies ("three days", "weekly").
    lasting = dates["text"].str.lower().str.contains(r"\b(?:days?|weeks?|months?|years?|decades?|daily|weekly|"
                                                     r"annual|every)\b|^\d+-day$")
    pinned = dates.loc[~lasting | dates["start_date"].notna(), "start_date"]
    assert pinned.notna().mean() > 0.9


def test_sample_quotes_carry_speakers_and_events_actors_and_dates(sample):
    _, tables, _ = sample
    quotes = tables["quotes"]
    assert len(quotes) > 50 and quotes["speaker_text"].notna().mean() > 0.85
    assert quotes["speaker_entity_id"].notna().mean() > 0.6
    # "the group's spokesman", "The faction X said": speakers that stand for an organisation
    for_groups = quotes[quotes["speaker_text"].str.contains(r"\b(?:group|faction|movement)\b", case=False, na=False)]
    assert not for_groups.empty and for_groups["speaker_entity_id"].notna().all()
    events = tables["events"]
    happenings = events[events["event_type"].notna()]
    assert set(events["label"]) >= {"attack", "air/drone strike", "armed clash", "arrest", "protest",
                                    "agreement", "talks", "threat"}
    assert set(happenings["event_type"]) >= {"Battles", "Explosions/Remote violence", "Protests",
                                             "Strategic developments"}
    assert happenings["event_date"].notna().all()
    assert (happenings["actor1"].notna() | happenings["actor2"].notna()).mean() > 0.6
