"""Date resolution: rules against a publication date, and the future/past choice of the pipeline."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import dates

D = dt.date
FRIDAY = D(2024, 2, 9)  # a Friday
WEDNESDAY = D(2024, 2, 7)  # a Wednesday, two days earlier in the same week


def span(text, anchor, future=False):
    found = dates.resolve(text, anchor, future=future)
    return None if found is None else (found.start, found.end, found.precision)


@pytest.mark.parametrize(("text", "anchor", "expected"), [
    # Bare weekdays: the latest such day on or before publication.
    ("Friday", FRIDAY, (D(2024, 2, 9), D(2024, 2, 9), "day")),
    ("on Friday", FRIDAY, (D(2024, 2, 9), D(2024, 2, 9), "day")),
    ("Friday", WEDNESDAY, (D(2024, 2, 2), D(2024, 2, 2), "day")),
    ("Tuesday", WEDNESDAY, (D(2024, 2, 6), D(2024, 2, 6), "day")),
    ("Thursday night", FRIDAY, (D(2024, 2, 8), D(2024, 2, 8), "day")),
    # "last Friday" on a Friday is a week earlier, never the day itself.
    ("last Friday", FRIDAY, (D(2024, 2, 2), D(2024, 2, 2), "day")),
    ("last Friday", WEDNESDAY, (D(2024, 2, 2), D(2024, 2, 2), "day")),
    ("next Tuesday", FRIDAY, (D(2024, 2, 13), D(2024, 2, 13), "day")),
    # Weeks and their parts (Monday-based weeks).
    ("early last week", FRIDAY, (D(2024, 1, 29), D(2024, 1, 31), "week")),
    ("late last week", FRIDAY, (D(2024, 2, 1), D(2024, 2, 4), "week")),
    ("late last week", WEDNESDAY, (D(2024, 2, 1), D(2024, 2, 4), "week")),
    ("next week", FRIDAY, (D(2024, 2, 12), D(2024, 2, 18), "week")),
    ("this week", WEDNESDAY, (D(2024, 2, 5), D(2024, 2, 11), "week")),
    # Months and their parts.
    ("last month", FRIDAY, (D(2024, 1, 1), D(2024, 1, 31), "month")),
    ("early last month", FRIDAY, (D(2024, 1, 1), D(2024, 1, 10), "month")),
    ("late last month", D(2024, 3, 15), (D(2024, 2, 21), D(2024, 2, 29), "month")),  # leap year
    ("last month", D(2024, 1, 20), (D(2023, 12, 1), D(2023, 12, 31), "month")),  # across a year
    # Month-days: without a year, a day after publication belongs to the previous year.
    ("Oct. 17", FRIDAY, (D(2023, 10, 17), D(2023, 10, 17), "day")),
    ("Oct. 17", D(2024, 11, 2), (D(2024, 10, 17), D(2024, 10, 17), "day")),
    ("17 October", FRIDAY, (D(2023, 10, 17), D(2023, 10, 17), "day")),
    ("Sept. 3", FRIDAY, (D(2023, 9, 3), D(2023, 9, 3), "day")),
    ("Jan. 30", FRIDAY, (D(2024, 1, 30), D(2024, 1, 30), "day")),
    ("October 17, 2023", FRIDAY, (D(2023, 10, 17), D(2023, 10, 17), "day")),
    ("October 17, 2021", FRIDAY, (D(2021, 10, 17), D(2021, 10, 17), "day")),
    ("Feb. 30", FRIDAY, None),  # no such day
    ("mid-October", FRIDAY, (D(2023, 10, 11), D(2023, 10, 20), "month")),
    ("early January", FRIDAY, (D(2024, 1, 1), D(2024, 1, 10), "month")),
    ("March 2022", FRIDAY, (D(2022, 3, 1), D(2022, 3, 31), "month")),
    # Relative days and ranges ending at publication.
    ("yesterday", FRIDAY, (D(2024, 2, 8), D(2024, 2, 8), "day")),
    ("yesterday", D(2024, 3, 1), (D(2024, 2, 29), D(2024, 2, 29), "day")),
    ("two days ago", FRIDAY, (D(2024, 2, 7), D(2024, 2, 7), "day")),
    ("two days ago", WEDNESDAY, (D(2024, 2, 5), D(2024, 2, 5), "day")),
    ("the past two weeks", FRIDAY, (D(2024, 1, 26), D(2024, 2, 9), "week")),
    # Years and decades.
    ("2019", FRIDAY, (D(2019, 1, 1), D(2019, 12, 31), "year")),
    ("the 1990s", FRIDAY, (D(1990, 1, 1), D(1999, 12, 31), "year")),
    ("last year", FRIDAY, (D(2023, 1, 1), D(2023, 12, 31), "year")),
])
def test_resolve_rules(text, anchor, expected):
    assert span(text, anchor) == expected


def test_this_weekend_points_back_in_a_past_story_and_forward_in_a_future_one():
    # Written on a Wednesday: a past-tense story means the weekend just gone.
    assert span("this weekend", WEDNESDAY) == (D(2024, 2, 3), D(2024, 2, 4), "week")
    assert span("this weekend", WEDNESDAY, future=True) == (D(2024, 2, 10), D(2024, 2, 11), "week")
    # Written on a Sunday, the weekend in progress either way.
    assert span("this weekend", D(2024, 2, 11)) == (D(2024, 2, 10), D(2024, 2, 11), "week")


def test_future_flag_moves_weekdays_and_month_days_forward():
    assert span("Friday", WEDNESDAY, future=True) == (D(2024, 2, 9), D(2024, 2, 9), "day")
    assert span("Oct. 17", FRIDAY, future=True) == (D(2024, 10, 17), D(2024, 10, 17), "day")
    assert span("mid-January", FRIDAY, future=True)[0] == D(2025, 1, 11)


def test_a_month_day_just_after_publication_keeps_the_year():
    # A week of slack (see dates._month_day): three days later is this year, not last year.
    assert span("Feb. 12", FRIDAY) == (D(2024, 2, 12), D(2024, 2, 12), "day")
    assert span("Feb. 20", FRIDAY) == (D(2023, 2, 20), D(2023, 2, 20), "day")


@pytest.mark.parametrize("text", ["three days", "decades", "for two weeks", "several months",
                                  "years", "a ten-year", "banana", "the reporter", ""])
def test_durations_and_non_dates_stay_unresolved(text):
    assert dates.resolve(text, FRIDAY) is None


@pytest.mark.parametrize("text", ["Friday", "last week", "yesterday", "two days ago", "Oct. 17",
                                  "next month", "this weekend"])
def test_relative_dates_without_anchor_are_none(text):
    assert dates.resolve(text, None) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("October 17, 2023", (D(2023, 10, 17), D(2023, 10, 17), "day")),
    ("2023-10-17", (D(2023, 10, 17), D(2023, 10, 17), "day")),
    ("2019", (D(2019, 1, 1), D(2019, 12, 31), "year")),
    ("the 1990s", (D(1990, 1, 1), D(1999, 12, 31), "year")),
    ("March 2022", (D(2022, 3, 1), D(2022, 3, 31), "month")),
])
def test_absolute_dates_need_no_anchor(text, expected):
    assert span(text, None) == expected


# --- through the pipeline: DATE mentions and the future/past choice --------------------------

def _dates_of(analyse, text, published):
    _, records = analyse(text, published)
    return {d["text"]: (d["start_date"], d["end_date"], d["precision"]) for d in records["dates"]}


def test_pipeline_future_verb_points_forward(analyse):
    found = _dates_of(analyse, "The two delegations will meet on Friday in Geneva.", WEDNESDAY)
    assert found["Friday"] == (D(2024, 2, 9), D(2024, 2, 9), "day")


def test_pipeline_past_verb_points_backward(analyse):
    found = _dates_of(analyse, "The two delegations met on Friday in Geneva.", WEDNESDAY)
    assert found["Friday"] == (D(2024, 2, 2), D(2024, 2, 2), "day")


def test_pipeline_records_anchor_and_parts_of_weeks(analyse):
    _, records = analyse("Fighting in the north intensified early last week, officials said.", FRIDAY)
    (record,) = [d for d in records["dates"] if "week" in d["text"]]
    assert record["anchor"] == FRIDAY
    assert (record["start_date"], record["end_date"]) == (D(2024, 1, 29), D(2024, 1, 31))
    assert record["precision"] == "week"


def test_pipeline_without_publication_date_leaves_relative_dates_unresolved(analyse):
    _, records = analyse("The bridge was reopened on Tuesday after repairs.", None)
    (record,) = records["dates"]
    assert record["text"] == "Tuesday"
    assert record["start_date"] is None and record["precision"] is None


def test_pipeline_duration_is_unresolved(analyse):
    _, records = analyse("The siege of the town lasted three months.", FRIDAY)
    durations = [d for d in records["dates"] if "months" in d["text"]]
    assert durations and all(d["start_date"] is None for d in durations)


def test_future_context_on_a_parsed_doc(extractor):
    doc = extractor.nlp("The council will vote on Thursday. The council voted on Monday.")
    by_text = {e.text: dates.future_context(e) for e in doc.ents if e.label_ == "DATE"}
    assert by_text == {"Thursday": True, "Monday": False}


# --- seasons, parts of units, ranges, spans ahead ------------------------------------------------

MID_SEPTEMBER = dt.date(2026, 9, 15)


@pytest.mark.parametrize("text, start, end, precision", [
    # Seasons have their own precision (TimeML values 2026-SP, 2025-WI).
    ("the spring", dt.date(2026, 3, 1), dt.date(2026, 5, 31), "season"),
    # "last spring" is the latest spring over by publication: this year's, by September.
    ("last spring", dt.date(2026, 3, 1), dt.date(2026, 5, 31), "season"),
    ("the spring of 2025", dt.date(2025, 3, 1), dt.date(2025, 5, 31), "season"),
    ("winter", dt.date(2025, 12, 1), dt.date(2026, 2, 28), "season"),
    # "the start of" is TimeML's mod START, the same part as "early" (days 1-10 of a month).
    ("the start of August", dt.date(2026, 8, 1), dt.date(2026, 8, 10), "month"),
    ("the end of the month", dt.date(2026, 9, 21), dt.date(2026, 9, 30), "month"),
    ("between Aug. 17 and Sept. 7", dt.date(2026, 8, 17), dt.date(2026, 9, 7), "day"),
    ("Sunday and Monday", dt.date(2026, 9, 13), dt.date(2026, 9, 14), "day"),
    ("the next two weeks", dt.date(2026, 9, 15), dt.date(2026, 9, 29), "week"),
    ("the coming days", dt.date(2026, 9, 15), dt.date(2026, 9, 22), "week"),
])
def test_seasons_parts_ranges_and_spans_ahead(text, start, end, precision):
    assert dates.resolve(text, MID_SEPTEMBER) == dates.Resolved(start, end, precision)


@pytest.mark.parametrize("text", ["every Tuesday", "daily", "annual", "the days", "Forty"])
def test_frequencies_and_vague_words_stay_unresolved(text):
    assert dates.resolve(text, MID_SEPTEMBER) is None
