"""Charts: shown inline, ISO weeks, what timelines leave out, labels, normalisation, the map."""

from __future__ import annotations

import datetime as dt

import matplotlib as mpl
import matplotlib.dates as mdates
import pandas as pd
import pytest
import shapely

from helpers import charts, paths, places

DAY = dt.date(2026, 9, 16)  # a Wednesday


def entities_table(rows: list[tuple]) -> pd.DataFrame:
    """Entities from ``(entity_id, name, label, n_mentions, country, actor_type)`` tuples."""
    frame = pd.DataFrame(rows, columns=["entity_id", "name", "label", "n_mentions", "country", "actor_type"])
    return frame.assign(n_docs=1, aliases=[[n] for n in frame["name"]], in_gazetteer=False)


def events_table(dates: list[dt.date | None], kind: str = "Battles") -> pd.DataFrame:
    """Asserted events, one report each, of ACLED type ``kind`` on ``dates``."""
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(dates))], "event_type": kind,
                         "sub_event_type": "Armed clash", "label": "armed clash", "modality": "asserted",
                         "event_id": [f"ev-{i}" for i in range(len(dates))], "n_reports": 1,
                         "event_date": dates, "actor1": None, "actor2": None, "location": None,
                         "sentence": "x", "count": None, "start_char": 0, "trigger": "attack"})


def test_charts_display_as_png_in_a_notebook_without_pyplot():
    from IPython.core.formatters import DisplayFormatter

    fig = charts.events_timeline(events_table([DAY]))
    data, _ = DisplayFormatter().format(fig)
    assert data["image/png"].startswith(b"\x89PNG")


def test_a_saved_chart_shows_the_saved_png_until_it_changes(tmp_path):
    from IPython.core.formatters import DisplayFormatter

    fig = charts.events_timeline(events_table([DAY]))
    charts.save(fig, "timeline", tmp_path)
    saved = (tmp_path / "timeline.png").read_bytes()
    assert DisplayFormatter().format(fig)[0]["image/png"] == saved  # not drawn a third time
    fig.axes[0].set_title("Another title")
    redrawn = DisplayFormatter().format(fig)[0]["image/png"]
    assert redrawn.startswith(b"\x89PNG") and redrawn != saved


def test_a_chart_drawn_again_from_equal_inputs_is_copied_not_rendered(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    table = events_table([DAY, DAY + dt.timedelta(days=8)])
    first = charts.FigureBook(tmp_path / "one", reuse_dir=tmp_path / "kept")
    first.add("timeline", charts.events_timeline, table)
    rendered = (tmp_path / "one" / "timeline.svg").read_bytes()

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")
    monkeypatch.setattr(Figure, "savefig", no_rendering)
    again = charts.FigureBook(tmp_path / "two", reuse_dir=tmp_path / "kept")
    shown = again.add("timeline", charts.events_timeline, table.copy())
    assert (tmp_path / "two" / "timeline.svg").read_bytes() == rendered
    assert shown._repr_png_() == (tmp_path / "one" / "timeline.png").read_bytes()
    assert again.entries[0]["alt"] == first.entries[0]["alt"]
    # Another table, another argument, another style: drawn anew.
    with pytest.raises(AssertionError, match="rendered again"):
        again.add("timeline", charts.events_timeline, table.assign(event_type="Protests"))
    with pytest.raises(AssertionError, match="rendered again"):
        again.add("timeline", charts.events_timeline, table, start=DAY)
    with mpl.rc_context({"font.size": 13}), pytest.raises(AssertionError, match="rendered again"):
        again.add("timeline", charts.events_timeline, table)


def test_drawing_keys_follow_table_content_and_refuse_what_they_cannot_hash():
    table = events_table([DAY])
    key = charts.drawing_key(charts.events_timeline, (table,), {})
    assert key == charts.drawing_key(charts.events_timeline, (table.copy(),), {})
    assert key != charts.drawing_key(charts.events_timeline, (table.assign(sentence="y"),), {})
    assert key != charts.drawing_key(charts.top_entities, (table,), {})
    assert charts.drawing_key(charts.events_timeline, (table, object()), {}) is None


def test_places_are_read_back_from_their_cache_as_built(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path)
    for loader in (places.countries, places.cities):
        loader.cache_clear()
    built = places.cities().copy(), places.countries().drop(columns="shape")
    assert sorted(p.name for p in places.cache_dir().iterdir()) == ["cities.parquet", "countries.parquet"]
    (places.cache_dir() / "cities.parquet").write_bytes(b"not parquet")  # a damaged cache is rebuilt
    for loader in (places.countries, places.cities):
        loader.cache_clear()
    pd.testing.assert_frame_equal(places.cities(), built[0])
    pd.testing.assert_frame_equal(places.countries().drop(columns="shape"), built[1])
    assert places.countries().set_index("iso3").loc["IRQ", "shape"].contains(shapely.Point(44.4, 33.3))
    for loader in (places.countries, places.cities):
        loader.cache_clear()


def test_timeline_weeks_start_on_monday_and_ticks_are_whole_numbers():
    fig = charts.events_timeline(events_table([DAY, DAY + dt.timedelta(days=4), DAY + dt.timedelta(days=9)]))
    ax = fig.axes[0]
    starts = {mdates.num2date(bar.get_x()).date() for bar in ax.patches}
    assert starts == {dt.date(2026, 9, 14), dt.date(2026, 9, 21)}
    assert all(float(t).is_integer() for t in ax.get_yticks())


def test_timeline_keeps_a_few_old_dates_off_the_axis_and_says_so():
    dates = [DAY] * 30 + [dt.date(1968, 5, 1), dt.date(2004, 3, 2), None]
    fig = charts.events_timeline(events_table(dates), start=dt.date(2026, 6, 1), end=dt.date(2026, 10, 1))
    left, right = (mdates.num2date(x).date() for x in fig.axes[0].get_xlim())
    assert left.year == right.year == 2026
    assert "2 events dated outside" in charts.alt_text(fig) and "1 undated events" in charts.alt_text(fig)


def test_timeline_axis_spans_the_weeks_the_footnote_names():
    fig = charts.events_timeline(events_table([DAY] * 3), start=dt.date(2026, 6, 2), end=dt.date(2026, 10, 1))
    left, right = (mdates.num2date(x).date() for x in fig.axes[0].get_xlim())
    assert left == dt.date(2026, 6, 1)  # the Monday of the span's first week, months before the events
    assert right == dt.date(2026, 10, 5)  # the end of the span's last week
    fig = charts.events_timeline(events_table([DAY] * 3))  # no span: the events' own weeks
    left, _ = (mdates.num2date(x).date() for x in fig.axes[0].get_xlim())
    assert left >= dt.date(2026, 9, 1)


def test_undated_corpus_timeline_keeps_to_the_bulk_of_the_events():
    dates = [DAY + dt.timedelta(days=i % 40) for i in range(60)] + [dt.date(1968, 5, 1), dt.date(2004, 3, 2)]
    fig = charts.events_timeline(events_table(dates))  # no span: nothing to derive it from
    left, right = (mdates.num2date(x).date() for x in fig.axes[0].get_xlim())
    assert left.year == right.year == 2026
    assert "dated outside" in charts.alt_text(fig)


def test_busiest_week_has_headroom():
    fig = charts.events_timeline(events_table([DAY] * 7))
    ax = fig.axes[0]
    tallest = max(bar.get_y() + bar.get_height() for bar in ax.patches)
    assert ax.get_ylim()[1] >= 1.1 * tallest


def test_mentions_per_article_divides_by_the_articles_of_the_week():
    documents = pd.DataFrame({"doc_id": ["a", "b", "c"], "published": [DAY] * 3, "source": "X"})
    # c names only a place: it is still one of the week's three articles.
    mentions = pd.DataFrame({"doc_id": ["a"] * 4 + ["b"] * 2 + ["c"], "label": ["PERSON"] * 6 + ["GPE"],
                             "entity_id": ["p"] * 6 + ["g"]})
    raw = charts.mentions_over_time(mentions, documents, ["PERSON"])
    normalised = charts.mentions_over_time(mentions, documents, ["PERSON"], per_article=True)
    assert list(raw.axes[0].lines[0].get_ydata()) == [6]
    assert list(normalised.axes[0].lines[0].get_ydata()) == [2.0]


def test_labels_are_the_entities_labels_in_every_entity_chart():
    entities = entities_table([("p", "Ann Person", "PERSON", 5, None, None), ("g", "Iraq", "GPE", 9, "IRQ", "state")])
    # The model tagged one mention of the person GPE: the entity's label decides, not the mention's.
    mentions = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "label": ["GPE", "PERSON", "GPE", "PERSON"],
                             "entity_id": ["p", "g", "g", "p"], "sentence": [0, 0, 0, 0]})
    documents = pd.DataFrame({"doc_id": ["a", "b"], "published": [DAY, DAY], "source": ["X", "Y"]})
    heatmap = charts.sources_heatmap(mentions, documents, entities, labels=["PERSON"])
    assert [t.get_text() for t in heatmap.axes[0].get_xticklabels()] == ["Ann Person"]
    cooccurrence = pd.DataFrame({"entity_a": ["g"], "entity_b": ["p"], "n_docs": [2], "n_sentences": [2]})
    both = charts.cooccurrence_network(cooccurrence, entities, labels=["PERSON", "GPE"])
    assert "2 entities" in charts.alt_text(both)
    assert "No pair" in charts.alt_text(charts.cooccurrence_network(cooccurrence, entities, labels=["PERSON"]))
    quotes = pd.DataFrame({"doc_id": ["a", "b"], "speaker_text": ["Ann", "Baghdad"], "speaker_entity_id": ["p", "g"],
                           "cue": "said", "quote": "q", "start_char": 0, "end_char": 1})
    assert "Iraq" not in charts.alt_text(charts.quotes_per_speaker(quotes, entities, labels=["PERSON"]))
    assert "The chosen labels include no place" in charts.alt_text(charts.places_map(entities, labels=["PERSON"]))


MIDDLE_EAST = [("iraq", "Iraq", "GPE", 20, "IRQ", "state"), ("lebanon", "Lebanon", "GPE", 5, None, None)]


def test_countries_sit_inside_their_outline_not_on_their_capital():
    located = places.locate(entities_table(MIDDLE_EAST)).set_index("name")
    iraq = places.countries().set_index("iso3").loc["IRQ", "shape"]
    point = located.loc["Iraq"]
    assert shapely.contains_xy(iraq, point["lon"], point["lat"])
    assert (round(point["lon"], 1), round(point["lat"], 1)) != (44.4, 33.3)  # Baghdad
    assert located.loc["Lebanon", "country"] == "LBN"


def test_towns_are_placed_only_when_one_candidate_lies_in_the_corpus_countries():
    named = entities_table([*MIDDLE_EAST, ("mosul", "Mosul", "GPE", 4, None, None),
                             ("dome", "Dome", "FAC", 3, None, None),
                             ("tripoli", "Tripoli", "GPE", 2, None, None)])
    located = places.locate(named).set_index("name")
    assert located.loc["Mosul", "country"] == "IRQ"
    assert "Dome" not in located.index  # a town in Ghana: not this corpus's country
    assert located.loc["Tripoli", "country"] == "LBN"  # Libya is not in the news here
    with_libya = places.locate(pd.concat([named, entities_table([("libya", "Libya", "GPE", 2, None, None)])]))
    assert "Tripoli" not in set(with_libya["name"])  # Lebanon's or Libya's: ambiguous, left out


def test_population_floor_leaves_small_towns_out():
    named = entities_table([*MIDDLE_EAST, ("mosul", "Mosul", "GPE", 4, None, None)])
    assert "Mosul" not in set(places.locate(named, min_population=5_000_000)["name"])


def test_map_draws_country_outlines_offline(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the map must not reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    fig = charts.places_map(entities_table([*MIDDLE_EAST, ("mosul", "Mosul", "GPE", 4, None, None)]))
    outlines = [p for p in fig.axes[0].patches if p.get_zorder() == 1]
    assert len(outlines) >= 5  # Iraq, its neighbours
    assert "Natural Earth" in charts.alt_text(fig)


@pytest.mark.parametrize("chart", ["top_entities", "quotes_per_speaker"])
def test_count_axes_have_whole_number_ticks(chart):
    entities = entities_table([("p", "Ann Person", "PERSON", 3, None, None)])
    quotes = pd.DataFrame({"doc_id": ["a"], "speaker_text": ["Ann"], "speaker_entity_id": ["p"], "cue": "said",
                           "quote": "q", "start_char": 0, "end_char": 1})
    fig = charts.top_entities(entities, ["PERSON"]) if chart == "top_entities" else \
        charts.quotes_per_speaker(quotes, entities)
    assert all(float(t).is_integer() for t in fig.axes[0].get_xticks())


def test_documents_by_status_counts_every_input_by_reason():
    documents = pd.DataFrame({"status": ["kept", "kept", "duplicate", "rejected", "rejected"],
                              "reason": [None, None, "exact duplicate", "empty text", "binary file"]})
    fig = charts.documents_by_status(documents)
    bars = {patch.get_width() for patch in fig.axes[0].patches}
    assert sorted(p.get_width() for p in fig.axes[0].patches) == [1, 1, 1, 2] and bars == {1, 2}
    assert "kept (2)" in fig.get_label() and "rejected · empty text (1)" in fig.get_label()
