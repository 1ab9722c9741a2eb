"""Time expressions: TimeML types and values, calendar ranges against a publication date, the
tense that decides past or future, each rule and each failure of issue 12, and the TimeML dev set."""

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
    # dates.PAST_SLACK (60 days, was a week): a past-tense sentence often governs a date ahead
    # ("extended the offer to Feb. 20"); only a day further on belongs to the year before.
    assert span("Feb. 12", FRIDAY) == (D(2024, 2, 12), D(2024, 2, 12), "day")
    assert span("Feb. 20", FRIDAY) == (D(2024, 2, 20), D(2024, 2, 20), "day")
    assert span("April 20", FRIDAY) == (D(2023, 4, 20), D(2023, 4, 20), "day")


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


# --- TimeML: one example per rule ------------------------------------------------------------------

WEDNESDAY_NOV = D(2026, 11, 25)  # a Wednesday, ISO week 48


RULE_EXAMPLES = [
    ("iso_date", "2024-10-17", "DATE", "2024-10-17"),
    ("numeric_date", "14/05/2022", "DATE", "2022-05-14"),
    ("clock_time", "7:15 p.m.", "TIME", "2026-11-25T19:15"),
    ("day_word", "yesterday afternoon", "TIME", "2026-11-24TAF"),
    ("weekday", "last Friday", "DATE", "2026-11-20"),
    ("month_day", "Oct. 17", "DATE", "2026-10-17"),
    ("day_month", "17 October 2025", "DATE", "2025-10-17"),
    ("relative_unit", "early last week", "DATE", "2026-W47"),
    ("the_quarter", "the quarter", "DATE", "2026-Q3"),
    ("ordinal_century", "the 20th century", "DATE", "19"),
    ("the_year", "the full year", "DATE", "2026"),
    ("part_of_current", "the end of the month", "DATE", "2026-11"),
    ("earlier_this", "earlier this week", "DATE", "2026-W48"),
    ("weekend", "the weekend", "DATE", "2026-W47-WE"),
    ("month", "June last year", "DATE", "2025-06"),
    ("season", "the spring of 2024", "DATE", "2024-SP"),
    ("quarter", "the third quarter of fiscal 2025", "DATE", "2025-Q3"),
    ("half_year", "the second half of the year", "DATE", "2026-H2"),
    ("fiscal_year", "fiscal 2025", "DATE", "2025"),
    ("fiscal_year", "the latest fiscal year", "DATE", "2025"),
    ("year_ago", "the year-ago quarter", "DATE", "2025"),
    ("year", "early 2020", "DATE", "2020"),
    ("spelled_out_year", "two thousand and eight", "DATE", "2008"),
    ("decade", "the '80s", "DATE", "198"),
    ("ago", "three years ago", "DATE", "2023"),
    ("period", "the past 10 days", "DURATION", "P10D"),
    ("duration", "an hour and a half", "DURATION", "PT1H30M"),
    ("vague_duration", "decades", "DURATION", "PXY"),
    ("recent_period", "recent years", "DATE", "PAST_REF"),
    ("frequency_word", "weekly", "SET", "P1W"),
    ("every", "every Friday", "SET", "XXXX-WXX-5"),
    ("times_per", "twice a month", "SET", "P1M"),
    ("weekday_plural", "Fridays", "SET", "XXXX-WXX-5"),
    ("reference", "currently", "DATE", "PRESENT_REF"),
    ("anaphor", "the following year", "DATE", None),  # valued from the date before it (below)
    ("year_end", "year-end", "DATE", "2026"),
]


@pytest.mark.parametrize(("rule", "text", "type_", "value"), RULE_EXAMPLES)
def test_each_rule_values_its_example(rule, text, type_, value):
    found_rule, timex = dates.match_rule(text, dates.Context(WEDNESDAY_NOV))
    assert (found_rule.name, timex.type, timex.value) == (rule, type_, value)


def test_every_rule_has_an_example_above():
    assert {example[0] for example in RULE_EXAMPLES} == {rule.name for rule in dates.RULES}


@pytest.mark.parametrize(("value", "mod", "expected"), [
    ("2024-W05", None, (D(2024, 1, 29), D(2024, 2, 4), "week")),
    ("2024-W05-WE", None, (D(2024, 2, 3), D(2024, 2, 4), "week")),
    ("2024-Q1", None, (D(2024, 1, 1), D(2024, 3, 31), "quarter")),
    ("2024-H2", None, (D(2024, 7, 1), D(2024, 12, 31), "half")),
    ("2024-WI", None, (D(2024, 12, 1), D(2025, 2, 28), "season")),
    ("2024-02-09TMO", None, (D(2024, 2, 9), D(2024, 2, 9), "day")),
    ("2024-10", "END", (D(2024, 10, 21), D(2024, 10, 31), "month")),
    ("199", None, (D(1990, 1, 1), D(1999, 12, 31), "year")),
])
def test_calendar_range_of_timex_values(value, mod, expected):
    found = dates.calendar_range(value, mod)
    assert (found.start, found.end, found.precision) == expected


@pytest.mark.parametrize("value", ["P3D", "XXXX-WXX-5", "PRESENT_REF", "XXXX-10-17", None])
def test_durations_sets_and_open_values_have_no_calendar_range(value):
    assert dates.calendar_range(value) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("nineteen ninety-eight", 1998), ("two thousand and twenty", 2020), ("twenty twenty-four", 2024),
    ("nineteen hundred", 1900), ("twenty five", None), ("forty", None)])
def test_spelled_years(text, expected):
    assert dates.spelled_year(text) == expected


# --- the failures of issue 12, through the pipeline ---------------------------------------------

def _mentions(analyse, text, published=WEDNESDAY_NOV):
    _, records = analyse(text, published)
    return {d["text"]: d for d in records["dates"]}


def test_ages_are_not_years(analyse):
    found = _mentions(analyse, "A local man, 52, was killed and a 7-year-old girl was hurt; "
                               "the victim was 30 years old.")
    assert found == {}


def test_counts_scores_and_money_are_not_dates(analyse):
    found = _mentions(analyse, "The club won 3-1 in front of 2000 fans, and the militia received "
                               "$5 million and 1,200 rifles.")
    assert found == {}


def test_last_summer_is_the_latest_summer_over(analyse):
    found = _mentions(analyse, "Last summer, the same villages were emptied by air strikes.")
    assert (found["Last summer"]["value"], found["Last summer"]["start_date"]) == ("2026-SU", D(2026, 6, 1))
    # In July the summer is under way: "last summer" is the one before.
    in_july = _mentions(analyse, "Last summer, the villages were emptied.", D(2026, 7, 10))
    assert in_july["Last summer"]["value"] == "2025-SU"


def test_last_june_resolves_to_the_latest_june(analyse):
    found = _mentions(analyse, "The envoy visited the border last June.")
    assert found["last June"]["value"] == "2026-06"
    assert found["last June"]["start_date"] == D(2026, 6, 1)


@pytest.mark.parametrize(("text", "expression", "value"), [
    ("The book is due out in May.", "May", "2027-05"),
    ("The government's emergency permit expires Dec. 3.", "Dec. 3", "2026-12-03"),
    ("The delegations will meet on Friday in Geneva.", "Friday", "2026-11-27"),
])
def test_future_references_follow_the_tense(analyse, text, expression, value):
    assert _mentions(analyse, text)[expression]["value"] == value


def test_past_tense_keeps_underspecified_dates_in_the_past(analyse):
    found = _mentions(analyse, "The bridge was damaged in May and inspected on Friday.")
    assert (found["May"]["value"], found["Friday"]["value"]) == ("2026-05", "2026-11-20")


def test_fiscal_and_calendar_quarters(analyse):
    found = _mentions(analyse, "Profit rose in the third quarter of fiscal 2025 and fell in Q1 2024; "
                               "the company reported a loss for the third quarter.")
    # Fiscal years are valued by the year they are named by, as TimeBank does.
    assert found["the third quarter of fiscal 2025"]["value"] == "2025-Q3"
    assert found["Q1 2024"]["value"] == "2024-Q1"
    assert (found["Q1 2024"]["start_date"], found["Q1 2024"]["end_date"]) == (D(2024, 1, 1), D(2024, 3, 31))
    assert found["the third quarter"]["value"] == "2026-Q3"
    # Published in November, a bare "fourth quarter" is this year's; in a future sentence, a
    # quarter already over is next year's.
    assert _mentions(analyse, "Sales fell in the first quarter.")["the first quarter"]["value"] == "2026-Q1"
    assert _mentions(analyse, "Sales will recover in the first quarter.")["the first quarter"]["value"] == "2027-Q1"
    # ... but the results of the quarter just over are still to come this year.
    assert _mentions(analyse, "It will report third-quarter results.")["third-quarter"]["value"] == "2026-Q3"


def test_a_year_earlier_in_a_quarterly_report_is_the_same_quarter(analyse):
    found = _mentions(analyse, "Profit rose to $4 million in the third quarter from $3 million a year earlier.")
    assert found["a year earlier"]["value"] == "2025-Q3"
    assert _mentions(analyse, "The plant opened a year earlier.")["a year earlier"]["value"] == "2025"


def test_that_year_and_the_following_day_count_from_the_date_before(analyse):
    found = _mentions(analyse, "The dam was finished in 2019. The following year it flooded, and that "
                               "summer was dry. Rebels attacked on 3 May 2021; the next day they withdrew.")
    assert found["The following year"]["value"] == "2020"
    assert found["the next day"]["value"] == "2021-05-04"
    # With nothing before it to count from, "that day" is left out rather than guessed.
    assert "that day" not in _mentions(analyse, "Nobody slept that day.")


def test_model_entities_nothing_can_value_are_left_out(analyse):
    assert _mentions(analyse, "It was the night of the long knives.") == {}


def test_times_of_day_are_emitted(analyse):
    found = _mentions(analyse, "This morning, shops stayed shut. Explosions were heard at 18:30 GMT Sunday.")
    assert (found["This morning"]["type"], found["This morning"]["value"]) == ("TIME", "2026-11-25TMO")
    assert (found["18:30 GMT Sunday"]["type"], found["18:30 GMT Sunday"]["value"]) == ("TIME", "2026-11-22T18:30")
    assert found["18:30 GMT Sunday"]["start_date"] == D(2026, 11, 22)


def test_spelled_out_years_resolve(analyse):
    found = _mentions(analyse, "The group was founded in nineteen eighty-two.")
    assert found["nineteen eighty-two"]["value"] == "1982"
    assert found["nineteen eighty-two"]["precision"] == "year"


def test_around_a_day_keeps_the_day(analyse):
    found = _mentions(analyse, "The strike began around 7 May 2020.")
    assert found["around 7 May 2020"]["value"] == "2020-05-07"
    assert found["around 7 May 2020"]["precision"] == "day"


def test_numeric_dates_day_first_by_default_with_an_ambiguity_flag(extractor):
    doc = extractor.nlp("The report was published on 3/4/2020 and revised on 13/4/2020.")
    guessed = {m.text: m for m in dates.extract(doc, WEDNESDAY_NOV)}
    assert (guessed["3/4/2020"].value, guessed["3/4/2020"].ambiguous) == ("2020-04-03", True)
    assert (guessed["13/4/2020"].value, guessed["13/4/2020"].ambiguous) == ("2020-04-13", False)
    month_first = {m.text: m for m in dates.extract(doc, WEDNESDAY_NOV, day_first=False)}
    assert (month_first["3/4/2020"].value, month_first["3/4/2020"].ambiguous) == ("2020-03-04", False)
    day_first = {m.text: m for m in dates.extract(doc, WEDNESDAY_NOV, day_first=True)}
    assert (day_first["3/4/2020"].value, day_first["3/4/2020"].ambiguous) == ("2020-04-03", False)


def test_durations_are_typed_and_left_off_the_calendar(analyse):
    found = _mentions(analyse, "The ceasefire had held for three weeks; the mayor has led the town for a decade.")
    assert "for three weeks" not in found  # the preposition stays outside (TimeML extent)
    assert (found["three weeks"]["type"], found["three weeks"]["value"]) == ("DURATION", "P3W")
    assert found["three weeks"]["start_date"] is None
    assert found["a decade"]["value"] == "P10Y"


def test_the_past_n_days_is_a_duration_reaching_publication(analyse):
    found = _mentions(analyse, "Bread prices have doubled over the past 10 days.")
    record = found["the past 10 days"]
    assert (record["type"], record["value"]) == ("DURATION", "P10D")
    assert (record["start_date"], record["end_date"]) == (D(2026, 11, 15), WEDNESDAY_NOV)


def test_sets_are_typed(analyse):
    found = _mentions(analyse, "Aid convoys will cross every Friday, and the committee meets weekly.")
    assert (found["every Friday"]["type"], found["every Friday"]["value"]) == ("SET", "XXXX-WXX-5")
    assert (found["weekly"]["type"], found["weekly"]["value"]) == ("SET", "P1W")
    assert found["every Friday"]["start_date"] is None


def test_since_early_july_is_flagged_as_a_range_start(analyse):
    found = _mentions(analyse, "Fighting has displaced 40,000 people since early July.")
    record = found["early July"]
    assert record["range_start"] is True
    assert (record["value"], record["start_date"], record["end_date"]) == ("2026-07", D(2026, 7, 1), D(2026, 7, 10))
    assert _mentions(analyse, "Fighting broke out in early July.")["early July"]["range_start"] is False


def test_datelines_and_headlines_are_read(analyse):
    found = _mentions(analyse, "Flights resume after 48-hour shutdown\n\nBEIRUT, Nov. 25 (Newsdesk) - "
                               "Ferries stayed in port.")
    assert found["48-hour"]["value"] == "PT48H"
    assert found["Nov. 25"]["value"] == "2026-11-25"


def test_extent_keeps_modifiers_and_drops_prepositions(analyse):
    found = _mentions(analyse, "The talks collapsed last week, on Friday, after about three days.")
    assert {"last week", "Friday", "about three days"} <= set(found)
    assert found["about three days"]["value"] == "P3D"


def test_month_names_that_are_words_are_not_dates(analyse):
    assert _mentions(analyse, "Officials may march on the capital, the minister said.") == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("The council will vote on Thursday.", "future"),
    ("The council voted on Thursday.", "past"),
    ("The permit expires on Thursday.", "present"),
    ("The council has met since Thursday.", "past"),
    ("The council plans to vote on Thursday.", "future"),
    ("The offer had been due to expire on Thursday.", "past"),
])
def test_tense_of_the_governing_verb(extractor, text, expected):
    doc = extractor.nlp(text)
    (day,) = [t for t in doc if t.text == "Thursday"]
    assert dates.tense(doc[day.i:day.i + 1]) == expected


def test_extract_returns_frozen_records_with_the_table_columns(extractor):
    from dataclasses import FrozenInstanceError, fields

    from helpers import schema

    (mention,) = dates.extract(extractor.nlp("They met on Friday."), WEDNESDAY_NOV)
    columns = [c.name for c in schema.TABLES["dates"]]
    assert ["doc_id"] + [f.name for f in fields(mention)] == columns
    with pytest.raises(FrozenInstanceError):
        mention.value = "x"


def _find_everywhere(text):
    """dates.find without its shortcut: every rule searched through the whole text."""
    found = [(m.start(), m.end(), rule.name) for rule, finder in zip(dates.RULES, dates._FINDERS, strict=True)
             for m in finder.finditer(text)
             if m.end() > m.start() and dates._plausible(text, m.start(), m.end(), rule.name)]
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken = []
    for start, end, name in found:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, name))
    return sorted(taken)


def test_find_tries_rules_only_where_a_start_word_is_but_misses_nothing():
    import re

    from helpers import paths

    texts = [" ".join(example[1] for example in RULE_EXAMPLES)]
    devset = paths.PROJECT_ROOT / "benchmarks" / "devsets" / "timeml"
    texts += [re.sub(r"<[^>]+>", "", p.read_text()) for p in devset.glob("*.tml")]
    texts += ["In Q4 and FY2025, the '90s, 3/4/2020 at 18:30 GMT Sunday, year-ago results came every Friday."]
    for text in texts:
        assert dates.find(text) == _find_everywhere(text)


# --- the TimeML dev set, scored the TempEval-3 way --------------------------------------------------

def read_timeml(path):
    """A TimeML file → (text, publication date, gold [(start, end, type, value)]), tags stripped."""
    import html
    import re

    raw = path.read_text(encoding="utf-8")
    published = dt.date.fromisoformat(re.search(r'<DCT>.*?value="(\d{4}-\d{2}-\d{2})', raw, re.S).group(1))
    body = re.search(r"<TEXT>(.*)</TEXT>", raw, re.S).group(1)
    text, gold, position, opened = "", [], 0, None
    for tag in re.finditer(r"<(/?)(\w+)([^>]*)>", body):
        text += html.unescape(body[position:tag.start()])
        position = tag.end()
        if tag.group(2) == "TIMEX3" and not tag.group(1):
            opened = (len(text), dict(re.findall(r'(\w+)="([^"]*)"', tag.group(3))))
        elif tag.group(2) == "TIMEX3":
            gold.append((opened[0], len(text), opened[1]["type"], opened[1]["value"]))
    return text + html.unescape(body[position:]), published, gold


def span_and_value_f1(gold, predicted):
    """Strict and relaxed span F1 and value F1 (right values among relaxed matches, precision over
    predictions, recall over gold) of ``(start, end, type, value)`` lists, as TempEval-3 counts."""
    strict = relaxed = value = 0
    used = set()
    for g in gold:
        match = next((i for i, p in enumerate(predicted) if i not in used and p[:2] == g[:2]), None)
        if match is None:
            match = next((i for i, p in enumerate(predicted) if i not in used and p[0] < g[1] and g[0] < p[1]), None)
        if match is None:
            continue
        used.add(match)
        relaxed += 1
        strict += predicted[match][:2] == g[:2]
        value += predicted[match][3] == g[3]

    def f1(hits):
        precision, recall = hits / max(len(predicted), 1), hits / max(len(gold), 1)
        return 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"strict": f1(strict), "relaxed": f1(relaxed), "value": f1(value)}


def test_span_and_value_f1_counts_the_tempeval_way():
    gold = [(0, 9, "DATE", "2024-W05"), (20, 26, "DATE", "2024-02-09")]
    predicted = [(0, 9, "DATE", "2024-W05"), (17, 26, "DATE", "2024-02-02"), (40, 45, "SET", "P1W")]
    scores = span_and_value_f1(gold, predicted)
    assert scores == {"strict": pytest.approx(0.4), "relaxed": pytest.approx(0.8), "value": pytest.approx(0.4)}


def test_dev_set_meets_the_issue_targets(extractor):
    from helpers import paths

    gold, predicted = [], []
    for path in sorted((paths.PROJECT_ROOT / "benchmarks" / "devsets" / "timeml").glob("*.tml")):
        text, published, spans = read_timeml(path)
        offset = len(gold) and max(s[1] for s in gold) + 1000  # keep documents apart
        gold += [(s + offset, e + offset, t, v) for s, e, t, v in spans]
        predicted += [(m.start_char + offset, m.end_char + offset, m.type, m.value)
                      for m in dates.extract(extractor.nlp(text), published)]
    assert len(gold) >= 150
    scores = span_and_value_f1(gold, predicted)
    assert scores["value"] >= 0.80 and scores["strict"] >= 0.82, scores


@pytest.mark.parametrize(("country", "expected"), [("US", False), ("United States", False), ("ph", False),
                                                   ("GB", True), ("Lebanon", True), ("", None), (None, None)])
def test_day_first_follows_the_source_country(country, expected):
    assert dates.day_first_for(country) is expected


def test_fractions_of_seconds_are_decimal_durations():
    assert dates._duration_value(1.5, "seconds") == "PT1.5S"
    assert dates._duration_value(1.5, "minutes") == "PT1M30S"


def test_a_rule_that_fails_on_a_text_leaves_it_unvalued_instead_of_stopping(extractor, monkeypatch):
    def broken(text, ctx):
        raise KeyError("no such unit")

    monkeypatch.setattr(dates, "value_of", broken)
    doc = extractor.nlp("The sprinter finished in 9.5 seconds on Friday.")
    found = dates.extract(doc, dt.date(2024, 2, 9))  # no exception
    assert all(d.value is None or d.type for d in found)
