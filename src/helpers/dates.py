"""Pinning date expressions to the calendar, against the document's publication date.

:func:`resolve` turns "Friday", "early last week", "last month", "Oct. 17" or "this weekend"
into a :class:`Resolved` range (start, end, precision). News conventions guide the choices: a
bare weekday or a month-day without a year means the latest such day on or before publication,
unless the sentence speaks of the future (``future=True``). Rules cover the expressions news
uses most; dateparser handles the rest. Durations ("three days") stay unresolved.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

DAY = dt.timedelta(days=1)
WEEKDAYS = {name: i for i, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS |= {"sept": 9}
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
           "several": None, "few": None, "a few": None}
PARTS_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night|overnight))?"
MONTH_RE = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
WEEKDAY_RE = "(" + "|".join(WEEKDAYS) + ")"


@dataclass(frozen=True)
class Resolved:
    """A calendar range: ``start``..``end`` inclusive, at a ``precision``."""

    start: dt.date
    end: dt.date
    precision: str  # day | week | month | year


def _day(d: dt.date) -> Resolved:
    return Resolved(d, d, "day")


def _week(monday: dt.date, part: str | None = None) -> Resolved:
    """The week starting ``monday``, or its early (Mon–Wed) / mid (Tue–Thu) / late (Thu–Sun) part."""
    first, last = {"early": (0, 2), "mid": (1, 3), "late": (3, 6)}.get(part, (0, 6))
    return Resolved(monday + first * DAY, monday + last * DAY, "week")


def _month(year: int, month: int, part: str | None = None) -> Resolved:
    """A month, or its early (1–10), mid (11–20) or late (21–end) part."""
    length = calendar.monthrange(year, month)[1]
    first, last = {"early": (1, 10), "mid": (11, 20), "late": (21, length)}.get(part, (1, length))
    return Resolved(dt.date(year, month, first), dt.date(year, month, last), "month")


def _year(year: int, part: str | None = None) -> Resolved:
    first, last = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}.get(part, (1, 12))
    return Resolved(dt.date(year, first, 1), _month(year, last).end, "year")


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _clean(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2011", "-")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"^(?:on|in|at|by|since|from|until|till|during|as of|of|the)\s+", "", text.strip())
    text = re.sub(r"^(?:the)\s+", "", text)
    return " ".join(text.replace(",", " ").split())


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else NUMBERS.get(word)


def _weekday(anchor: dt.date, weekday: int, direction: str) -> dt.date:
    """Latest ``weekday`` on/before anchor (``past``), or the next one on/after it (``future``)."""
    if direction == "future":
        return anchor + ((weekday - anchor.weekday()) % 7) * DAY
    return anchor - ((anchor.weekday() - weekday) % 7) * DAY


def _month_day(anchor: dt.date, month: int, day: int, year: int | None, future: bool) -> dt.date | None:
    """A month-day; without a year, the occurrence nearest before (or after, for future) anchor."""
    def make(y: int) -> dt.date | None:
        try:
            return dt.date(y, month, day)
        except ValueError:
            return None

    if year is not None:
        return make(year)
    candidate = make(anchor.year)
    if candidate is None:
        return None
    # A week of slack: a story dated the 2nd may speak of "Oct. 3" in the same breath.
    if not future and candidate > anchor + 7 * DAY:
        return make(anchor.year - 1)
    if future and candidate < anchor - 7 * DAY:
        return make(anchor.year + 1)
    return candidate


def _rules(text: str, anchor: dt.date, future: bool) -> Resolved | None:
    """Rule-based resolution of common news date expressions; ``None`` when no rule fits."""
    direction = "future" if future else "past"
    monday = anchor - anchor.weekday() * DAY

    if re.fullmatch(r"(today|tonight|this (?:morning|afternoon|evening))", text):
        return _day(anchor)
    if text in ("yesterday", "last night") or re.fullmatch(r"yesterday" + PARTS_OF_DAY, text):
        return _day(anchor - DAY)
    if re.fullmatch(r"tomorrow" + PARTS_OF_DAY, text):
        return _day(anchor + DAY)
    if re.fullmatch(r"(?:the )?day before yesterday", text):
        return _day(anchor - 2 * DAY)

    # "last Friday", "this Friday", "next Friday", "Friday night", "on Friday"
    if m := re.fullmatch(r"(?:(last|this|next|past|coming) )?" + WEEKDAY_RE + PARTS_OF_DAY, text):
        which, weekday = m.group(1), WEEKDAYS[m.group(2)]
        if which == "last" or which == "past":
            day = _weekday(anchor - DAY, weekday, "past")
        elif which in ("next", "coming"):
            day = _weekday(anchor + DAY, weekday, "future")
        elif which == "this":
            day = monday + weekday * DAY
        else:
            day = _weekday(anchor, weekday, direction)
        return _day(day)

    # "early last week", "last week", "this week", "next week", "late last month", ...
    part = r"(?:(early|mid|late|(?:the )?(?:end|start|beginning|middle) of) )?"
    if m := re.fullmatch(part + r"(last|this|next|previous|coming) (week|weekend|month|year)", text):
        raw_part, which, unit = m.groups()
        raw_part = raw_part.removeprefix("the ") if raw_part else None
        part_name = {"end of": "late", "start of": "early", "beginning of": "early",
                     "middle of": "mid"}.get(raw_part, raw_part)
        step = {"last": -1, "previous": -1, "this": 0, "next": 1, "coming": 1}[which]
        if unit == "week":
            return _week(monday + 7 * step * DAY, part_name)
        if unit == "weekend":
            saturday = monday + 5 * DAY
            if which == "this" and not future and anchor.weekday() < 5:
                step = -1  # "this weekend" in a past-tense story written midweek: the one just gone
            saturday += 7 * step * DAY
            return Resolved(saturday, saturday + DAY, "week")
        if unit == "month":
            return _month(*_shift_month(anchor.year, anchor.month, step), part_name)
        return _year(anchor.year + step, part_name)
    if m := re.fullmatch(r"(earlier|later) this (week|month|year)", text):
        unit = {"week": _week(monday), "month": _month(anchor.year, anchor.month),
                "year": _year(anchor.year)}[m.group(2)]
        start, end = (unit.start, anchor) if m.group(1) == "earlier" else (anchor, unit.end)
        return Resolved(start, end, unit.precision)
    if text in ("the weekend", "weekend", "over the weekend"):
        saturday = monday + 5 * DAY - (7 * DAY if not future and anchor.weekday() < 5 else 0 * DAY)
        return Resolved(saturday, saturday + DAY, "week")

    # "two days ago", "three weeks ago", "a month ago"
    if m := re.fullmatch(r"(\w+|a few) (day|week|month|year)s? ago", text):
        n = _number(m.group(1))
        if n is None:
            return None
        unit = m.group(2)
        if unit == "day":
            return _day(anchor - n * DAY)
        if unit == "week":
            return _week(monday - 7 * n * DAY)
        if unit == "month":
            return _month(*_shift_month(anchor.year, anchor.month, -n))
        return _year(anchor.year - n)
    # "the past week", "the past two weeks", "the last three days" (ranges ending at anchor)
    if m := re.fullmatch(r"(?:past|last|previous) (?:(\w+) )?(day|week|month|year)s?", text):
        n = _number(m.group(1)) if m.group(1) else 1
        if n is None:
            return None
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[m.group(2)] * n
        precision = {"day": "day" if n == 1 else "week", "week": "week", "month": "month",
                     "year": "year"}[m.group(2)]
        return Resolved(anchor - days * DAY, anchor, precision)

    # "Oct. 17", "October 17, 2025", "17 October", "Oct. 3-5"
    if m := re.fullmatch(MONTH_RE + r" (\d{1,2})(?:st|nd|rd|th)?(?:\s*-\s*(\d{1,2}))?(?: (\d{4}))?", text):
        month, day, until, year = MONTHS[m.group(1)], int(m.group(2)), m.group(3), m.group(4)
        start = _month_day(anchor, month, day, int(year) if year else None, future)
        if start is None:
            return None
        if until:
            end = _month_day(anchor, month, int(until), start.year, future)
            return Resolved(start, end, "day") if end and end >= start else None
        return _day(start)
    if m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? (?:of )?" + MONTH_RE + r"(?: (\d{4}))?", text):
        start = _month_day(anchor, MONTHS[m.group(2)], int(m.group(1)),
                           int(m.group(3)) if m.group(3) else None, future)
        return _day(start) if start else None
    # "early October", "October", "October 2025", "mid-October"
    if m := re.fullmatch(r"(?:(early|mid|late)[ -])?" + MONTH_RE + r"(?: (\d{4}))?", text):
        part_name, month, year = m.group(1), MONTHS[m.group(2)], m.group(3)
        if year:
            return _month(int(year), month, part_name)
        year = anchor.year
        if not future and month > anchor.month:
            year -= 1
        elif future and month < anchor.month:
            year += 1
        return _month(year, month, part_name)
    if m := re.fullmatch(r"(?:(early|mid|late)[ -])?(\d{4})", text):
        year = int(m.group(2))
        return _year(year, m.group(1)) if 1900 <= year <= 2100 else None
    if m := re.fullmatch(r"(?:the )?(\d{3})0s", text):
        decade = int(m.group(1)) * 10
        return Resolved(dt.date(decade, 1, 1), dt.date(decade + 9, 12, 31), "year")
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            return _day(dt.date(*map(int, m.groups())))
        except ValueError:
            return None
    return None


# An article may lead ("a ten-year truce"): without it in the pattern, dateparser reads the
# number word as a day of the month ("a ten-year" → the 10th).
DURATION = re.compile(r"(?:for |about |nearly |almost |more than |over |at least )?(?:a |an )?"
                      r"(?:\w+|\d+)(?:-| )(?:day|week|month|year|hour|decade)s?(?:-long|-old)?"
                      r"|(?:decades|years|months|weeks|days)")


# Resolved dates outside [EARLIEST_YEAR, anchor's year + YEARS_AHEAD] are left unresolved:
# "October 0000" or "December 31, 9999" in a text are typos or traps, not dates to chart.
EARLIEST_YEAR = 1800
YEARS_AHEAD = 100


@lru_cache(maxsize=65536)
def resolve(text: str, anchor: dt.date | None, future: bool = False) -> Resolved | None:
    """Resolve a date expression against ``anchor`` (the publication date).

    ``future`` says the sentence speaks of what will happen (``will``, ``next``), so bare
    weekdays and month-days point forward. Returns ``None`` when the text is a duration, too
    vague, when a relative expression has no anchor, or when the date cannot exist or lies
    outside the sane range (:data:`EARLIEST_YEAR` to :data:`YEARS_AHEAD` years after the anchor).
    """
    try:
        found = _resolve(text, anchor, future)
    except (ValueError, OverflowError):  # year 0, year 10000: the calendar has no such day
        return None
    latest = (anchor or dt.date.today()).year + YEARS_AHEAD
    if found is not None and not (found.start.year >= EARLIEST_YEAR and found.end.year <= latest):
        return None
    return found


def _resolve(text: str, anchor: dt.date | None, future: bool = False) -> Resolved | None:
    cleaned = _clean(text)
    if not cleaned:
        return None
    if anchor is not None:
        found = _rules(cleaned, anchor, future) or _extended(cleaned, anchor, future)
        if found:
            return found
    elif re.fullmatch(MONTH_RE + r" (\d{1,2})(?:st|nd|rd|th)? (\d{4})|(\d{4})-(\d{2})-(\d{2})", cleaned) \
            or re.fullmatch(r"(?:(?:early|mid|late)[ -])?(?:" + MONTH_RE + r" )?\d{4}|\d{3}0s", cleaned):
        # Without an anchor only fully written dates can be placed; years ("2019", "March
        # 2022") and decades ("the 1990s") are absolute too, so they need no anchor either.
        return _rules(cleaned, dt.date(2000, 1, 1), future)
    if DURATION.fullmatch(cleaned) or anchor is None:
        return None
    # dateparser is slow and guesses freely; ask it only about text that names a date.
    if not re.search(r"\d", cleaned) and not re.search(rf"\b(?:{MONTH_RE}|{WEEKDAY_RE})\b", cleaned):
        return None
    return _dateparser(cleaned, anchor, future)


SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}  # first month (north)


def _season(anchor: dt.date, name: str, which: str | None, future: bool) -> Resolved:
    """A three-month season: "last spring", "this summer", "the winter" (the latest one begun)."""
    first = SEASONS[name]
    year = anchor.year if anchor.month >= first else anchor.year - 1
    if first == 12 and anchor.month < 3:
        year = anchor.year - 1
    step = {"last": -1, "previous": -1, "next": 1, "coming": 1}.get(which, 1 if future and which is None else 0)
    if which is None and future and (year, first) <= (anchor.year, anchor.month):
        step = 0 if anchor.month < first else 1
    year += step
    end_year, end_month = _shift_month(year, first, 2)
    return Resolved(dt.date(year, first, 1), _month(end_year, end_month).end, "month")


def _extended(text: str, anchor: dt.date, future: bool) -> Resolved | None:
    """Seasons, parts of named units, ranges ("between Aug. 17 and Sept. 7") and spans ahead."""
    if m := re.fullmatch(r"(?:(last|this|next|previous|coming) )?(spring|summer|autumn|fall|winter)", text):
        return _season(anchor, m.group(2), m.group(1), future)
    if m := re.fullmatch(r"(spring|summer|autumn|fall|winter) (?:of )?(\d{4})", text):
        return _season(dt.date(int(m.group(2)), 12, 31), m.group(1), None, False)
    if m := re.fullmatch(r"(spring|summer|autumn|fall|winter) (?:of )?(\\d{4})", text):
        return _season(dt.date(int(m.group(2)), 12, 31), m.group(1), None, False)
    # "the start of the year", "the end of August", "the first days of October"
    part = r"(?:the )?(start|beginning|end|middle|first days|last days|first week|last week) of (?:the )?"
    if m := re.fullmatch(part + r"(year|month|week)", text):
        unit = {"year": _year(anchor.year), "month": _month(anchor.year, anchor.month),
                "week": _week(anchor - anchor.weekday() * DAY)}[m.group(2)]
        return _part_of(unit, m.group(1))
    if m := re.fullmatch(part + r"(.+)", text):
        whole = _rules(m.group(2), anchor, future)
        return _part_of(whole, m.group(1)) if whole and whole.precision in {"month", "year"} else None
    # "between Aug. 17 and Sept. 7", "Sunday and Monday", "from March to May"
    if m := re.fullmatch(r"(?:between |from )?(.+?) (?:and|to|until|through) (.+)", text):
        first, last = resolve(m.group(1), anchor, future), resolve(m.group(2), anchor, future)
        if first and last and first.start <= last.end:
            precision = first.precision if first.precision == last.precision else "week"
            return Resolved(first.start, last.end, precision)
    # "the next two weeks", "the coming days"
    if m := re.fullmatch(r"(?:the )?(?:next|coming) (?:(\w+) )?(day|week|month)(s?)", text):
        # Without a number, "the coming days" are about a week and "the next weeks" about three.
        if m.group(1):
            n = _number(m.group(1))
            if n is None:
                return None
            days = {"day": 1, "week": 7, "month": 30}[m.group(2)] * n
        else:
            days = {"day": 7, "week": 21, "month": 90}[m.group(2)] if m.group(3) else \
                {"day": 1, "week": 7, "month": 30}[m.group(2)]
        return Resolved(anchor, anchor + days * DAY, "day" if days == 1 else "week" if days <= 31 else "month")
    return None


def _part_of(whole: Resolved, part: str) -> Resolved:
    """The opening or closing tenth (at least a day) of a range, or its middle tenth."""
    length = (whole.end - whole.start).days + 1
    share = max(length // 10, 1) if part not in {"first week", "last week"} else 7
    if part in {"start", "beginning", "first days", "first week"}:
        return Resolved(whole.start, whole.start + (share - 1) * DAY, whole.precision)
    if part in {"end", "last days", "last week"}:
        return Resolved(whole.end - (share - 1) * DAY, whole.end, whole.precision)
    middle = whole.start + (length // 2) * DAY
    return Resolved(middle - (share // 2) * DAY, middle + (share // 2) * DAY, whole.precision)


def _dateparser(text: str, anchor: dt.date, future: bool) -> Resolved | None:
    import dateparser

    settings = {"RELATIVE_BASE": dt.datetime.combine(anchor, dt.time(12)),
                "PREFER_DATES_FROM": "future" if future else "past",
                "RETURN_TIME_AS_PERIOD": True, "REQUIRE_PARTS": []}
    try:
        found = dateparser.parse(text, languages=["en"], settings=settings)
    except Exception:  # dateparser raises on odd inputs (overflows); the mention stays unresolved
        return None
    if found is None or not (1900 <= found.year <= 2100):
        return None
    # dateparser falls back to the base date for words it half understands; keep that only
    # when the text really says "now".
    if found.date() == anchor and not re.search(r"\b(?:today|now|tonight|currently)\b", text):
        return None
    return _day(found.date())


FUTURE_AUX = {"will", "shall", "'ll", "wo"}
FUTURE_WORDS = {"upcoming", "scheduled", "planned", "expected", "due", "next", "coming"}


def future_context(span) -> bool:
    """Whether a date mention speaks of the future.

    With a parse: the verb that governs the date has a future auxiliary ("will meet on
    Friday") or is a verb of planning ("scheduled for Oct. 3"). Without one: "will" or a
    planning word in the four tokens before the date.
    """
    doc = span.doc
    if doc.has_annotation("DEP"):
        verb = next((t for t in span.root.ancestors if t.pos_ in {"VERB", "AUX"}), None)
        if verb is None:
            return False
        auxiliaries = {c.lower_ for c in verb.children if c.dep_ in {"aux", "auxpass"}}
        return bool(auxiliaries & FUTURE_AUX) or verb.lower_ in FUTURE_WORDS or any(
            c.lower_ in FUTURE_WORDS for c in span.root.head.children)
    before = doc[max(span.start - 4, 0):span.start]
    return any(t.lower_ in FUTURE_AUX | FUTURE_WORDS for t in before)
