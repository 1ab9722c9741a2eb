"""Time expressions: found in a ``Doc``, typed and valued the TimeML way, pinned to the calendar.

:func:`extract` turns a parsed ``Doc`` and its publication date into :class:`DateMention` records:
each expression's span (TimeML extent: "last week", "the third quarter", "about three weeks";
never the preposition before it), its TIMEX3 ``type`` (DATE, TIME, DURATION, SET) and ``value``
(``2024-02-09``, ``2024-W05``, ``2024-Q1``, ``2024-SU``, ``2024-02-09TMO``, ``P3D``,
``XXXX-WXX-5``, ``PRESENT_REF``) and, where the value is a stretch of the calendar, its first and
last day and precision. :func:`resolve` does the same for one expression given as text.

Rules are small functions, each with the pattern it answers to (``RULES``, in ``_rule`` order):
the same patterns find expressions in running text and value them. The tense of the verb that
governs an expression decides which way an underspecified date points ("will meet on Friday"
looks ahead, "met on Friday" back). dateparser values what no rule knows, as a last resort.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from . import lexicons
from .records import Record

DAY = dt.timedelta(days=1)
WEEKDAYS = {name: i for i, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS |= {"sept": 9}
UNITS = {"second": "TS", "minute": "TM", "hour": "TH", "day": "D", "night": "D", "week": "W",
         "fortnight": "W", "month": "M", "year": "Y", "decade": "Y", "century": "Y"}
UNIT_SIZE = {"fortnight": 2, "decade": 10, "century": 100}  # counted in the unit of UNITS
SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
SEASON_START = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}  # first month, northern hemisphere
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI",
                "overnight": "NI", "tonight": "NI"}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
            "last": 4, "final": 4}
SMALL = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
         "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
         "nineteen": 19, "half a": 0.5, "a half": 0.5}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
VAGUE = {"several", "a few", "few", "many", "some", "a couple of", "couple of", "dozens of",
         "a number of"}
# Words before an expression that make it the start of an open range ("since early July").
RANGE_START_WORDS = {"since"}
# "about three weeks", "around 7 May 2020": TimeML keeps the modifier inside the expression.
APPROX_MODS = {"about": "APPROX", "around": "APPROX", "approximately": "APPROX",
               "roughly": "APPROX", "some": "APPROX", "nearly": "LESS_THAN", "almost": "LESS_THAN",
               "less than": "LESS_THAN", "under": "LESS_THAN", "more than": "MORE_THAN",
               "over": "MORE_THAN", "at least": "EQUAL_OR_MORE", "up to": "EQUAL_OR_LESS"}


@dataclass(frozen=True)
class Resolved:
    """A calendar range: ``start``..``end`` inclusive, at a ``precision``."""

    start: dt.date
    end: dt.date
    precision: str  # day | week | month | quarter | half | season | year


@dataclass(frozen=True)
class Timex:
    """What a rule makes of an expression: TIMEX3 type and value, plus its calendar range."""

    type: str  # DATE | TIME | DURATION | SET
    value: str | None
    mod: str | None = None  # TIMEX3 mod: START, MID, END, APPROX, ...
    span: Resolved | None = None  # set by rules whose range is not the value's (durations, "earlier this week")
    ambiguous: bool = False  # a numeric date read day-first or month-first by a guess
    refers: tuple[int, str] | None = None  # "the following year": (+1, "year") from the date before

    @property
    def resolved(self) -> Resolved | None:
        return self.span or calendar_range(self.value, self.mod)


@dataclass(frozen=True)
class DateMention(Record):
    """One time expression of a document: the per-document columns of the ``dates`` table."""

    start_char: int
    end_char: int
    text: str
    type: str
    value: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    precision: str | None
    anchor: dt.date | None
    range_start: bool = False
    ambiguous: bool = False


@dataclass(frozen=True)
class Context:
    """What valuing an expression may depend on besides its text."""

    anchor: dt.date | None  # publication date
    tense: str = "past"  # past | present | future: of the verb governing the expression
    day_first: bool | None = None  # numeric dates; None: day-first, flagged ambiguous


# --- calendar helpers --------------------------------------------------------------------------

def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _months(year: int, first: int, count: int, precision: str) -> Resolved:
    last_year, last = _shift_month(year, first, count - 1)
    return Resolved(dt.date(year, first, 1), _month_end(last_year, last), precision)


def _narrow(whole: Resolved, mod: str | None) -> Resolved:
    """The early / mid / late part of a range: weeks Mon–Wed, Tue–Thu, Thu–Sun; otherwise thirds
    (months 1–10, 11–20, 21–end; years Jan–Apr, May–Aug, Sep–Dec)."""
    if mod not in {"START", "MID", "END"}:
        return whole
    if whole.precision == "week":
        first, last = {"START": (0, 2), "MID": (1, 3), "END": (3, 6)}[mod]
        return Resolved(whole.start + first * DAY, whole.start + last * DAY, "week")
    if whole.precision == "month":
        first, last = {"START": (1, 10), "MID": (11, 20), "END": (21, whole.end.day)}[mod]
        return Resolved(whole.start.replace(day=first), whole.start.replace(day=last), "month")
    months = (whole.end.year - whole.start.year) * 12 + whole.end.month - whole.start.month + 1
    if months % 3:
        return whole
    third = months // 3
    index = {"START": 0, "MID": 1, "END": 2}[mod] * third
    year, month = _shift_month(whole.start.year, whole.start.month, index)
    return _months(year, month, third, whole.precision)


def calendar_range(value: str | None, mod: str | None = None) -> Resolved | None:
    """The calendar days a TIMEX3 value covers: ``"2024-W05"`` → Mon 29 Jan..Sun 4 Feb 2024, week.

    Times (``2024-02-09TMO``, ``2024-02-09T18:30``) cover their day; ``mod`` START/MID/END
    narrows the range. Durations, sets, ``*_REF`` and values with X's give ``None``.
    """
    if not value or "X" in value:
        return None
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:T.*)?", value):
        day = dt.date(*map(int, m.groups()))
        return Resolved(day, day, "day")
    if m := re.fullmatch(r"(\d{4})-W(\d{2})(-WE)?", value):
        monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        if m.group(3):
            return Resolved(monday + 5 * DAY, monday + 6 * DAY, "week")
        return _narrow(Resolved(monday, monday + 6 * DAY, "week"), mod)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        return _narrow(_months(int(m.group(1)), int(m.group(2)), 1, "month"), mod)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        return _narrow(_months(int(m.group(1)), 3 * int(m.group(2)) - 2, 3, "quarter"), mod)
    if m := re.fullmatch(r"(\d{4})-H([12])", value):
        return _narrow(_months(int(m.group(1)), 6 * int(m.group(2)) - 5, 6, "half"), mod)
    if m := re.fullmatch(r"(\d{4})-(SP|SU|FA|WI)", value):
        return _narrow(_months(int(m.group(1)), SEASON_START[m.group(2)], 3, "season"), mod)
    if re.fullmatch(r"\d{4}", value):
        return _narrow(_months(int(value), 1, 12, "year"), mod)
    if re.fullmatch(r"\d{3}", value):  # a decade
        return _narrow(Resolved(dt.date(int(value) * 10, 1, 1), dt.date(int(value) * 10 + 9, 12, 31),
                                "year"), mod)
    return None


# --- numbers -----------------------------------------------------------------------------------

NUMBER_WORD = ("(?:(?:" + "|".join(TENS) + r")(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|"
               + "|".join(sorted(SMALL, key=len, reverse=True)) + ")")
NUMBER = (rf"(?:\d+ 1/2|\d+(?:\.\d+)?|{NUMBER_WORD}|a couple of|couple of|a few|few|several|many|a dozen|dozens of|"
          r"a number of|hundreds of|thousands of)")


def number(text: str) -> float | None:
    """ "three" → 3, "twenty-four" → 24, "12" → 12, "a" → 1; vague words ("several") → None."""
    text = text.lower().strip()
    if m := re.fullmatch(r"(\d+) 1/2", text):
        return int(m.group(1)) + 0.5
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        value = float(text)
        return int(value) if value.is_integer() else value
    if text in SMALL:
        return SMALL[text]
    if text in {"a dozen", "dozen"}:
        return 12
    if text in {"a couple of", "couple of"}:
        return 2
    parts = re.split(r"[- ]", text)
    if parts[0] in TENS and len(parts) <= 2:
        return TENS[parts[0]] + (SMALL.get(parts[1], 0) if len(parts) == 2 else 0)
    return None


def spelled_year(text: str) -> int | None:
    """ "nineteen ninety-eight" → 1998, "two thousand and twenty" → 2020, "twenty twenty-four" → 2024."""
    text = text.lower().replace(" and ", " ")
    if m := re.fullmatch(r"two thousand(?: (.+))?", text):
        rest = number(m.group(1)) if m.group(1) else 0
        return 2000 + rest if isinstance(rest, int) and rest < 100 else None
    if m := re.fullmatch(r"(nineteen|eighteen|twenty) (hundred|[a-z]+(?:-[a-z]+)?)", text):
        century = SMALL.get(m.group(1)) or TENS.get(m.group(1))
        if m.group(2) == "hundred":
            return century * 100
        rest = number(m.group(2))
        return century * 100 + rest if isinstance(rest, int) and 10 <= rest < 100 else None
    return None


# --- the rules ---------------------------------------------------------------------------------

# Full names, then abbreviations with their optional period (a sentence's full stop after
# "October." is not part of the name).
MONTH = ("(?:" + "|".join(name.lower() for name in calendar.month_name if name) + "|(?:"
         + "|".join(sorted((m for m in MONTHS if m not in {n.lower() for n in calendar.month_name}),
                           key=len, reverse=True))
         + r")\.?)")
WEEKDAY = "(?:" + "|".join(WEEKDAYS) + ")"
SEASON = "(?:" + "|".join(SEASONS) + ")"
UNIT = "(?:" + "|".join(UNITS) + ")"
RELATIVE = r"(?:last|this|next|past|previous|coming|current|latest)"
PART = r"(?:(?:early|mid|late)[- ]?|(?:the )?(?:start|beginning|middle|end) of (?:the )?)"
# "over" is a modifier before a number ("over 72 hours"), a preposition before "the".
APPROX = "(?:" + "|".join(sorted(APPROX_MODS, key=len, reverse=True)) + ") (?!the )"
YEAR = r"(?:1[6-9]\d\d|20\d\d)"


SPELLED_YEAR = (rf"(?:(?:nineteen|eighteen|twenty) (?:hundred|{NUMBER_WORD})"
                rf"|two thousand(?: and)?(?: {NUMBER_WORD})?)")


@dataclass(frozen=True)
class Rule:
    """A pattern (matched case-insensitively, whole expression) and what it is worth."""

    name: str
    pattern: re.Pattern
    value: Callable[[re.Match, Context], Timex | None]


RULES: list[Rule] = []


def _rule(pattern: str) -> Callable:
    """Register ``value`` as the rule for ``pattern`` (named groups feed it)."""
    def register(value: Callable[[re.Match, Context], Timex | None]):
        RULES.append(Rule(value.__name__, re.compile(pattern, re.IGNORECASE), value))
        return value
    return register


def _words(text: str | None) -> str:
    return " ".join(text.lower().split()) if text else ""


def _part_mod(text: str | None) -> str | None:
    """ "early", "the start of" → START; "mid", "the middle of" → MID; "late", "the end of" → END."""
    text = _words(text)
    if not text:
        return None
    if re.match(r"(?:early|(?:the )?(?:start|beginning))", text):
        return "START"
    if re.match(r"(?:mid|(?:the )?middle)", text):
        return "MID"
    return "END"


def _approx(text: str | None) -> str | None:
    return APPROX_MODS.get(_words(text)) if text else None


def _step(which: str | None) -> int:
    return {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(_words(which), 0)


def _direction(ctx: Context) -> int:
    return {"past": -1, "future": 1}.get(ctx.tense, 0)


# A past-tense sentence often governs a date still ahead ("extended the offer to Nov. 20", "set
# Friday as the deadline"): dates up to this many days after publication stay in its year.
PAST_SLACK = 60


def _nearest(candidates: list[dt.date], anchor: dt.date, direction: int, slack: int = 0) -> dt.date:
    """Of candidate days, the latest on/before ``anchor`` (direction -1, with ``slack`` days of
    grace after it), the first on/after it (+1, with ``slack`` days of grace before), or the
    nearest either way (0, ties ahead)."""
    if direction < 0:
        return max(c for c in candidates if c <= anchor + slack * DAY)
    if direction > 0:
        return min(c for c in candidates if c >= anchor - slack * DAY)
    return min(candidates, key=lambda c: (abs((c - anchor).days), c < anchor))


# Days and times of day ---------------------------------------------------------------------------

@_rule(r"\d{4}-\d{2}-\d{2}")
def iso_date(m, ctx):
    try:
        return Timex("DATE", dt.date.fromisoformat(m.group(0)).isoformat())
    except ValueError:
        return None


@_rule(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})")
def numeric_date(m, ctx):
    """3/4/2020: day-first unless the corpus says month-first; a guess when both could be a month."""
    a, b, year = int(m.group("a")), int(m.group("b")), int(m.group("year"))
    if m.group("sep") != "/" and len(m.group("year")) == 2:
        return None  # "3.5.20" or "3-5-20" look like versions or scores more than dates
    year += 2000 if year < 50 else 1900 if year < 100 else 0
    day_first = ctx.day_first if ctx.day_first is not None else True
    if a > 12 >= b:
        day_first = True
    elif b > 12 >= a:
        day_first = False
    day, month = (a, b) if day_first else (b, a)
    try:
        value = dt.date(year, month, day)
    except ValueError:
        return None
    return Timex("DATE", value.isoformat(), ambiguous=ctx.day_first is None and a != b and a <= 12 and b <= 12)


def _month_day(ctx: Context, month: int, day: int, year: str | None) -> str | None:
    """A month-day; without a year, the nearest such day in the tense's direction (up to
    ``PAST_SLACK`` days ahead in a past-tense sentence, a week back in a future one)."""
    def make(y: int) -> dt.date | None:
        try:
            return dt.date(y, month, day)
        except ValueError:
            return None

    if year:
        found = make(int(year))
        return found.isoformat() if found else None
    if ctx.anchor is None:
        return f"XXXX-{month:02d}-{day:02d}"
    candidates = [d for y in (ctx.anchor.year - 1, ctx.anchor.year, ctx.anchor.year + 1) if (d := make(y))]
    if not candidates:
        return None
    direction = _direction(ctx)
    return _nearest(candidates, ctx.anchor, direction, slack=PAST_SLACK if direction < 0 else 7).isoformat()


TIME_OF_DAY = (r"(?:(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)"
               r"|(?P<hour24>[01]?\d|2[0-3]):(?P<minute24>\d{2})|(?P<noon>noon|midday|midnight))"
               r"(?:\s+(?P<zone>(?-i:GMT|UTC|[A-Z]{2,4}T)|local time))?")


def _clock(m: re.Match) -> str | None:
    """ "7:15 p.m." → "T19:15", "18:30" → "T18:30", "noon" → "T12:00"."""
    if m.group("noon"):
        return "T24:00" if m.group("noon").lower() == "midnight" else "T12:00"
    if m.group("hour24"):
        return f"T{int(m.group('hour24')):02d}:{m.group('minute24')}"
    hour = int(m.group("hour"))
    if not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if m.group("ampm").lower().startswith("p") else 0)
    return f"T{hour:02d}:{m.group('minute') or '00'}"


DAY_WORDS = r"(?:today|tonight|yesterday|tomorrow|the day before yesterday|the day after tomorrow)"


def _day_word(word: str, anchor: dt.date | None) -> tuple[str, str | None]:
    """ "yesterday" → (day, None); "tonight" → (today, "NI"); "last night" → (yesterday, "NI")."""
    word = _words(word)
    offset = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "last night": -1,
              "the day before yesterday": -2, "the day after tomorrow": 2}[word]
    part = "NI" if word in {"tonight", "last night"} else None
    if anchor is None:
        return "XXXX-XX-XX", part
    return (anchor + offset * DAY).isoformat(), part


def _weekday_value(ctx: Context, weekday: int, which: str | None) -> str:
    """ "Friday", "last Friday", "this Friday", "next Friday" against the publication date."""
    if ctx.anchor is None:
        return f"XXXX-WXX-{weekday + 1}"
    anchor, step = ctx.anchor, _step(which)
    monday = anchor - anchor.weekday() * DAY
    if _words(which) == "this":
        return (monday + weekday * DAY).isoformat()
    if step < 0:  # the latest one strictly before publication
        return (anchor - ((anchor.weekday() - weekday - 1) % 7 + 1) * DAY).isoformat()
    if step > 0:  # the first one strictly after publication
        return (anchor + ((weekday - anchor.weekday() - 1) % 7 + 1) * DAY).isoformat()
    candidates = [monday + (weekday + 7 * k) * DAY for k in (-1, 0, 1)]
    # News names a bare weekday mostly for what has happened: only the future tense looks ahead.
    return _nearest(candidates, anchor, 1 if ctx.tense == "future" else -1).isoformat()


@_rule(rf"(?:(?P<approx>{APPROX}))?(?:(?P<clock>{TIME_OF_DAY})(?:,?\s+(?:on\s+)?(?:(?P<weekday>{WEEKDAY})|(?P<dayword>today|yesterday|tomorrow)))?"
       # "Sunday at 18:30": the clock again, its groups renamed (a pattern names a group once)
       rf"|(?P<weekday2>{WEEKDAY})\s+at\s+(?P<clock2>{TIME_OF_DAY.replace('?P<', '?P<b_')}))")
def clock_time(m, ctx):
    """ "7:15 p.m.", "18:30 GMT Sunday", "noon yesterday": a TIME on the day named or the anchor's."""
    if m.group("clock2"):
        inner = re.fullmatch(TIME_OF_DAY, m.group("clock2"), re.IGNORECASE)
        weekday = m.group("weekday2")
    else:
        inner, weekday = m, m.group("weekday")
    clock = _clock(inner)
    if clock is None:
        return None
    if weekday:
        day = _weekday_value(ctx, WEEKDAYS[weekday.lower()], None)
    elif m.group("dayword"):
        day, _ = _day_word(m.group("dayword"), ctx.anchor)
    else:
        day = ctx.anchor.isoformat() if ctx.anchor else "XXXX-XX-XX"
    return Timex("TIME", day + clock, _approx(m.group("approx")))


@_rule(rf"(?:(?P<early>early|late|earlier|later) )?(?P<day>{DAY_WORDS})"
       r"(?:\s+(?P<part>morning|afternoon|evening|night))?"
       r"|(?P<last>last night)|(?P<this>this) (?P<part2>morning|afternoon|evening)")
def day_word(m, ctx):
    """ "yesterday" (DATE), "tonight", "last night", "this morning", "yesterday afternoon" (TIME)."""
    if m.group("this"):
        day, part = (ctx.anchor.isoformat() if ctx.anchor else "XXXX-XX-XX"), PARTS_OF_DAY[m.group("part2").lower()]
    else:
        day, part = _day_word(m.group("day") or m.group("last"), ctx.anchor)
        if m.group("part"):
            part = PARTS_OF_DAY[m.group("part").lower()]
    return Timex("TIME", f"{day}T{part}") if part else Timex("DATE", day)


@_rule(rf"(?:(?P<early>early|late|earlier|later) )?(?:(?P<which>last|this|next|past|coming) )?(?P<weekday>{WEEKDAY})"
       r"(?: (?P<part>morning|afternoon|evening|night))?"
       rf"(?:,? (?P<month>{MONTH}) (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<year>{YEAR}))?"
       rf"|,? (?P<day2>\d{{1,2}})(?:st|nd|rd|th)? (?P<month2>{MONTH})(?:,? (?P<year2>{YEAR}))?)?")
def weekday(m, ctx):
    """ "Friday", "last Friday", "Friday night", "Friday, Feb. 9": a calendar day (TIME with a part)."""
    if m.group("month") or m.group("month2"):
        month = MONTHS[(m.group("month") or m.group("month2")).lower().rstrip(".")]
        value = _month_day(ctx, month, int(m.group("day") or m.group("day2")), m.group("year") or m.group("year2"))
    else:
        value = _weekday_value(ctx, WEEKDAYS[m.group("weekday").lower()], m.group("which"))
    if value and m.group("part"):
        return Timex("TIME", f"{value}T{PARTS_OF_DAY[m.group('part').lower()]}")
    return Timex("DATE", value) if value else None


@_rule(rf"(?:(?P<approx>{APPROX}))?(?P<month>{MONTH}) (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<year>{YEAR}))?")
def month_day(m, ctx):
    """ "Oct. 17", "October 17, 2023", "around May 7"."""
    value = _month_day(ctx, MONTHS[m.group("month").lower().rstrip(".")], int(m.group("day")), m.group("year"))
    return Timex("DATE", value, _approx(m.group("approx"))) if value else None


@_rule(rf"(?:(?P<approx>{APPROX}))?(?:the )?(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<month>{MONTH})"
       rf"(?:,? (?P<year>{YEAR}))?")
def day_month(m, ctx):
    """ "17 October", "the 3rd of May", "around 7 May 2020" (the day is kept)."""
    value = _month_day(ctx, MONTHS[m.group("month").lower().rstrip(".")], int(m.group("day")), m.group("year"))
    return Timex("DATE", value, _approx(m.group("approx"))) if value else None


# Weeks, months, seasons, quarters, years ---------------------------------------------------------

@_rule(rf"(?P<part>{PART})?(?:the )?(?P<which>{RELATIVE}) (?P<unit>week|weekend|month|year|quarter|decade|century)")
def relative_unit(m, ctx):
    """ "last week", "early next month", "this year", "the end of last year", "the current quarter"."""
    unit, step = m.group("unit").lower(), _step(m.group("which"))
    mod = _part_mod(m.group("part"))
    which = _words(m.group("which"))
    if which in {"past", "previous"} and unit in {"week", "month", "year", "decade", "century"} and not m.group("part"):
        # "the past week", "the previous year": TimeML reads these as a stretch up to now.
        return _period(ctx, 1, unit, "past")
    if ctx.anchor is None:
        return Timex("DATE", None, mod)
    a = ctx.anchor
    if unit == "week":
        return Timex("DATE", _iso_week(a + 7 * step * DAY), mod)
    if unit == "weekend":
        monday = a - a.weekday() * DAY
        if which == "this" and ctx.tense == "past" and a.weekday() < 5:
            step = -1  # "this weekend" in a past-tense story written midweek: the one just gone
        return Timex("DATE", _iso_week(monday + 7 * step * DAY) + "-WE")
    if unit == "month":
        year, month = _shift_month(a.year, a.month, step)
        return Timex("DATE", f"{year}-{month:02d}", mod)
    if unit == "quarter":
        if which == "latest":
            step = -1  # "the latest quarter": the last one reported, before the current
        year, month = _shift_month(a.year, a.month, 3 * step)
        return Timex("DATE", f"{year}-Q{(month - 1) // 3 + 1}", mod)
    if unit == "decade":
        return Timex("DATE", str(a.year // 10 + step), mod)
    if unit == "century":
        return Timex("DATE", str(a.year // 100 + step), mod)
    return Timex("DATE", str(a.year + step), mod)


ANAPHOR_STEPS = {"that": 0, "the same": 0, "the following": 1, "the next": 1, "the previous": -1,
                 "the preceding": -1, "the prior": -1}


@_rule(r"(?:(?P<when>earlier|later) )?(?P<which>that|the same|the following|the next|the previous|the preceding"
       r"|the prior) (?P<unit>day|week|month|year|quarter|morning|afternoon|evening|night)")
def anaphor(m, ctx):
    """ "that year", "the following month", "later that day": counted from the date named before
    (resolved by :func:`extract`; alone, they have no value)."""
    unit = m.group("unit").lower()
    return Timex("DATE", None, refers=(ANAPHOR_STEPS[_words(m.group("which"))], unit))


@_rule(r"(?:the )?year(?:-| |'s )end")
def year_end(m, ctx):
    """ "year-end", "the year's end": the end of the publication's year."""
    return Timex("DATE", str(ctx.anchor.year) if ctx.anchor else "XXXX", "END")


@_rule(r"the quarter")
def the_quarter(m, ctx):
    """ "the quarter" in a report: the latest quarter completed (the current one in a future sentence)."""
    if ctx.anchor is None:
        return Timex("DATE", "XXXX-QX")
    year, month = _shift_month(ctx.anchor.year, ctx.anchor.month, 0 if ctx.tense == "future" else -3)
    return Timex("DATE", f"{year}-Q{(month - 1) // 3 + 1}")


@_rule(r"(?:the )?(?P<n>\d{1,2})(?:st|nd|rd|th) century")
def ordinal_century(m, ctx):
    """ "the 20th century": ``19`` (the hundreds of years 1900-1999)."""
    return Timex("DATE", f"{int(m.group('n')) - 1:02d}")


@_rule(rf"the (?:(?P<full>full|current|calendar) )?year(?: (?P<year>{YEAR})| (?P<words>{SPELLED_YEAR}))?")
def the_year(m, ctx):
    """ "the year", "the full year" (publication's year), "the year 2000", "the year two thousand"."""
    if m.group("year"):
        return Timex("DATE", m.group("year"))
    if m.group("words"):
        found = spelled_year(m.group("words"))
        return Timex("DATE", str(found)) if found else None
    return Timex("DATE", str(ctx.anchor.year) if ctx.anchor else "XXXX")


@_rule(rf"(?P<part>{PART})(?:the )?(?P<unit>week|month|year)")
def part_of_current(m, ctx):
    """ "the end of the month", "the beginning of the year": part of the unit publication falls in."""
    if ctx.anchor is None:
        return Timex("DATE", None, _part_mod(m.group("part")))
    a, unit = ctx.anchor, m.group("unit").lower()
    value = {"week": _iso_week(a), "month": f"{a.year}-{a.month:02d}", "year": str(a.year)}[unit]
    return Timex("DATE", value, _part_mod(m.group("part")))


@_rule(r"(?P<when>earlier|later) this (?P<unit>week|month|year)")
def earlier_this(m, ctx):
    """ "earlier this week": the week's value, from its start to publication."""
    if ctx.anchor is None:
        return Timex("DATE", None)
    a, unit = ctx.anchor, m.group("unit").lower()
    value = {"week": _iso_week(a), "month": f"{a.year}-{a.month:02d}", "year": str(a.year)}[unit]
    whole = calendar_range(value)
    earlier = m.group("when").lower() == "earlier"
    span = Resolved(whole.start, a, whole.precision) if earlier else Resolved(a, whole.end, whole.precision)
    return Timex("DATE", value, "START" if earlier else "END", span)


@_rule(r"(?:the )?weekend")
def weekend(m, ctx):
    """ "the weekend": the one just gone in a past-tense story, else the coming one."""
    if ctx.anchor is None:
        return Timex("DATE", None)
    a = ctx.anchor
    monday = a - a.weekday() * DAY
    if ctx.tense == "past" and a.weekday() < 5:
        monday -= 7 * DAY
    return Timex("DATE", _iso_week(monday) + "-WE")


def _month_value(ctx: Context, month: int, which: str | None) -> str:
    """A month without a year. "last June": the latest June before the current month; "next
    June": the first after it; "this June": this year's; a bare "June" follows the tense."""
    if ctx.anchor is None:
        return f"XXXX-{month:02d}"
    a, step, which = ctx.anchor, _step(which), _words(which)
    if which == "this":
        return f"{a.year}-{month:02d}"
    if step < 0:
        year = a.year if month < a.month else a.year - 1
    elif step > 0:
        year = a.year if month > a.month else a.year + 1
    else:
        direction = _direction(ctx)
        if direction < 0:  # the month begun by publication, or up to PAST_SLACK days later
            year = a.year if dt.date(a.year, month, 1) <= a + PAST_SLACK * DAY else a.year - 1
        elif direction > 0:  # the month not yet over
            year = a.year if _month_end(a.year, month) >= a else a.year + 1
        else:
            candidates = [dt.date(y, month, 15) for y in (a.year - 1, a.year, a.year + 1)]
            year = _nearest(candidates, a.replace(day=15), 0).year
    return f"{year}-{month:02d}"


@_rule(rf"(?P<part>{PART})?(?:(?P<which>last|this|next|past|coming) )?(?P<month>{MONTH})"
       rf"(?:,? (?:of )?(?P<year>{YEAR})| (?P<which_year>last|this|next) year)?")
def month(m, ctx):
    """ "October", "early October", "last June", "October 2025", "June last year", "the end of August"."""
    month_number = MONTHS[m.group("month").lower().rstrip(".")]
    if m.group("which_year"):
        if ctx.anchor is None:
            return Timex("DATE", f"XXXX-{month_number:02d}", _part_mod(m.group("part")))
        value = f"{ctx.anchor.year + _step(m.group('which_year'))}-{month_number:02d}"
    elif m.group("year"):
        value = f"{m.group('year')}-{month_number:02d}"
    else:
        value = _month_value(ctx, month_number, m.group("which"))
    return Timex("DATE", value, _part_mod(m.group("part")))


def _season_value(ctx: Context, code: str, which: str | None) -> str:
    """ "last summer": the latest summer over by publication; "this summer": this year's; "next
    summer": the first to begin after publication; a bare "the summer" follows the tense."""
    if ctx.anchor is None:
        return f"XXXX-{code}"
    a, step, which = ctx.anchor, _step(which), _words(which)
    ranges = {y: calendar_range(f"{y}-{code}") for y in (a.year - 2, a.year - 1, a.year, a.year + 1)}
    if which == "this":
        # "This winter" from January to spring is the one that began in December.
        year = a.year - 1 if code == "WI" and a.month <= 6 else a.year
    elif step < 0:
        year = max(y for y, r in ranges.items() if r.end < a)
    elif step > 0:
        year = min(y for y, r in ranges.items() if r.start > a)
    else:
        current = [y for y, r in ranges.items() if r.start <= a <= r.end]
        if current:
            year = current[0]
        elif ctx.tense == "future":
            year = min(y for y, r in ranges.items() if r.start > a)
        else:
            year = max(y for y, r in ranges.items() if r.end < a)
    return f"{year}-{code}"


@_rule(rf"(?P<part>{PART})?(?:(?P<which>last|this|next|past|coming) |the )?(?P<season>{SEASON})"
       rf"(?:,? (?:of )?(?P<year>{YEAR}))?")
def season(m, ctx):
    """ "last summer", "the spring of 2025", "early winter"."""
    code = SEASONS[m.group("season").lower()]
    value = f"{m.group('year')}-{code}" if m.group("year") else _season_value(ctx, code, m.group("which"))
    return Timex("DATE", value, _part_mod(m.group("part")))


QUARTER = (r"(?P<ordinal>first|second|third|fourth|1st|2nd|3rd|4th|last|final)[- ](?P<fiscal>fiscal[- ])?quarter"
           r"|Q(?P<q>[1-4])")


@_rule(rf"(?:the (?!\w+-quarter))?(?:(?P<year0>{YEAR}) |(?P<which>this|last|next) year's )?(?:{QUARTER})"
       rf"(?:,? (?:of )?(?:(?P<fy>fiscal (?:year )?|FY ?)?(?P<year>{YEAR}|'\d\d)))?")
def quarter(m, ctx):
    """ "the third quarter", "Q1 2024", "the 1988 second quarter", "the fourth quarter of fiscal 2025"."""
    q = ORDINALS[m.group("ordinal").lower()] if m.group("ordinal") else int(m.group("q"))
    if m.group("year0"):
        return Timex("DATE", f"{m.group('year0')}-Q{q}")
    if m.group("which") and ctx.anchor is not None:
        return Timex("DATE", f"{ctx.anchor.year + _step(m.group('which'))}-Q{q}")
    if m.group("ordinal") and m.group("ordinal").lower() in {"last", "final"} and not m.group("year"):
        return None  # "the last quarter" is the one before the current (relative_unit)
    if m.group("year"):
        year = int(m.group("year").lstrip("'"))
        year += 2000 if year < 50 else 1900 if year < 100 else 0
    elif ctx.anchor is None:
        return Timex("DATE", f"XXXX-Q{q}")
    else:
        a = ctx.anchor
        current = (a.month - 1) // 3 + 1
        # A quarter without a year: the latest one reported (past), or the next one to come.
        if ctx.tense == "future":  # results of the quarter just over are still to come
            year = a.year if q >= current - 1 else a.year + 1
        else:  # the current quarter or an earlier one of the year
            year = a.year if q <= current else a.year - 1
    return Timex("DATE", f"{year}-Q{q}")


@_rule(rf"(?:the )?(?P<half>first|second) half of (?:(?P<year>{YEAR})|(?:the |(?P<which>last|this|next) )year)")
def half_year(m, ctx):
    """ "the second half of the year", "the first half of 2025": ``2025-H1``."""
    half = 1 if m.group("half").lower() == "first" else 2
    if m.group("year"):
        return Timex("DATE", f"{m.group('year')}-H{half}")
    if ctx.anchor is None:
        return Timex("DATE", f"XXXX-H{half}")
    return Timex("DATE", f"{ctx.anchor.year + _step(m.group('which'))}-H{half}")


@_rule(rf"(?:(?P<fy>fiscal (?:year )?|FY ?)(?P<year>{YEAR}|'?\d\d)"
       r"|(?:the )?(?:(?P<which>last|this|next|current|previous|latest) )?fiscal year)")
def fiscal_year(m, ctx):
    """ "fiscal 2025", "FY25", "the current fiscal year": valued as the year it is named by (``2025``),
    as TimeBank does; its calendar range is that year's, which a company's fiscal calendar may shift."""
    if m.group("year"):
        year = int(m.group("year").lstrip("'"))
        year += 2000 if year < 50 else 1900 if year < 100 else 0
    elif ctx.anchor is None:
        return Timex("DATE", "XXXX")
    else:
        year = ctx.anchor.year + (-1 if _words(m.group("which")) == "latest" else _step(m.group("which")))
    return Timex("DATE", str(year))


@_rule(r"(?:the )?(?:comparable |corresponding )?(?<![\w-])year-(?:ago|earlier)"
       r"(?: (?:(?:first|second|third|fourth) )?(?:quarter|period))?")
def year_ago(m, ctx):
    """ "the year-ago quarter", "year-earlier": a year before publication (see :func:`_a_year_before`)."""
    return Timex("DATE", str(ctx.anchor.year - 1) if ctx.anchor else "XXXX")


@_rule(rf"(?P<part>{PART})?(?P<year>{YEAR})")
def year(m, ctx):
    """ "2019", "early 2020", "the end of 1990"."""
    return Timex("DATE", m.group("year"), _part_mod(m.group("part")))


@_rule(rf"(?P<part>(?:early|mid|late)[- ])?(?P<words>{SPELLED_YEAR})")
def spelled_out_year(m, ctx):
    """ "nineteen ninety-eight", "two thousand and twenty", "twenty twenty-four"."""
    found = spelled_year(m.group("words"))
    return Timex("DATE", str(found), _part_mod(m.group("part"))) if found else None


@_rule(r"(?P<part>(?:the )?(?:early|mid|late)[- ]?)?(?:the )?(?:(?P<century>1[6-9]|20)|')(?P<decade>\d)0'?s")
def decade(m, ctx):
    """ "the 1990s", "the '80s", "the late 1970s" (a decade is a three-digit value: ``199``)."""
    century = m.group("century")
    if century is None:
        # "the '90s": the latest such decade before publication (or before 2000 without one).
        base = ctx.anchor.year if ctx.anchor else 2000
        century = str(base // 100 if int(m.group("decade")) * 10 <= base % 100 else base // 100 - 1)
    return Timex("DATE", f"{century}{m.group('decade')}", _part_mod(m.group("part")))


# Durations, periods reaching to now, "ago" -----------------------------------------------------

def _duration_value(count: float | None, unit: str) -> str:
    """``P3D``, ``PT5H``, ``P10Y`` (a decade), ``PXM`` (an unknown count of months)."""
    unit = unit.lower().rstrip("s") if unit.lower() not in {"centuries"} else "century"
    code = UNITS[unit]
    if count is None:
        amount = "X"
    else:
        amount = count * UNIT_SIZE.get(unit, 1)
        if code in {"TH", "TM"} and not float(amount).is_integer() and float(amount * 60).is_integer():
            big, small = divmod(int(amount * 60), 60)  # 1.5 hours → PT1H30M, 1.5 minutes → PT1M30S
            names = ("H", "M") if code == "TH" else ("M", "S")
            return f"PT{big}{names[0]}{small}{names[1]}" if big else f"PT{small}{names[1]}"
        if code == "Y" and not float(amount).is_integer() and float(amount * 12).is_integer():
            years, months = divmod(int(amount * 12), 12)  # 2.5 years → P2Y6M
            return f"P{years}Y{months}M" if years else f"P{months}M"
        if code == "TS" and not float(amount).is_integer():
            return f"PT{amount:g}S"  # no smaller unit: ISO 8601 allows a decimal in the last one
        if not float(amount).is_integer():
            if code.startswith("T") or code == "D":  # 1.5 days → 36 hours; 1.5 hours → 90 minutes
                smaller = {"D": ("TH", 24), "TH": ("TM", 60), "TM": ("TS", 60)}[code]
                code, amount = smaller[0], amount * smaller[1]
            else:
                smaller = {"Y": ("M", 12), "M": ("D", 30), "W": ("D", 7)}[code]
                code, amount = smaller[0], amount * smaller[1]
        amount = int(amount)
    return f"PT{amount}{code[1]}" if code.startswith("T") else f"P{amount}{code}"


def _period(ctx: Context, count: float | None, unit: str, which: str) -> Timex:
    """ "the past two weeks" (up to publication), "the next three days" (from it) as a DURATION
    with its calendar stretch; "the coming days" is about a week, "the coming weeks" about three."""
    value = _duration_value(count, unit)
    if ctx.anchor is None:
        return Timex("DURATION", value)
    unit = unit.lower().rstrip("s")
    if count is None:
        days = {"day": 7, "week": 21, "month": 90, "year": 3 * 365}.get(unit, 7)
    else:
        days = round({"day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365,
                      "decade": 3652, "hour": 1 / 24}.get(unit, 1) * count)
    precision = "day" if days <= 1 else "week" if days <= 31 else "month" if days <= 366 else "year"
    start, end = (ctx.anchor - days * DAY, ctx.anchor) if which == "past" else (ctx.anchor, ctx.anchor + days * DAY)
    return Timex("DURATION", value, span=Resolved(start, end, precision))


@_rule(rf"(?:(?P<approx>{APPROX}))?(?P<count>{NUMBER}) (?P<unit>{UNIT})s? (?P<dir>ago|earlier|from now|hence)")
def ago(m, ctx):
    """ "two days ago", "a year earlier", "three weeks from now": a date at the unit's precision."""
    count = number(m.group("count"))
    unit = m.group("unit").lower()
    mod = _approx(m.group("approx"))
    if count is None:
        return Timex("DATE", "PAST_REF" if m.group("dir").lower() in {"ago", "earlier"} else "FUTURE_REF", mod)
    if ctx.anchor is None or UNITS[unit].startswith("T") or not float(count).is_integer():
        return Timex("DATE", None, mod)
    count = int(count) * UNIT_SIZE.get(unit, 1)
    sign = -1 if m.group("dir").lower() in {"ago", "earlier"} else 1
    a = ctx.anchor
    if UNITS[unit] == "D":
        return Timex("DATE", (a + sign * count * DAY).isoformat(), mod)
    if UNITS[unit] == "W":
        return Timex("DATE", _iso_week(a + 7 * sign * count * DAY), mod)
    if UNITS[unit] == "M":
        year, month_number = _shift_month(a.year, a.month, sign * count)
        return Timex("DATE", f"{year}-{month_number:02d}", mod)
    return Timex("DATE", str(a.year + sign * count), mod)


@_rule(rf"(?:(?P<approx>{APPROX}))?the (?P<which>past|last|next|coming|previous|first|final) "
       rf"(?:(?P<count>{NUMBER}) )?(?P<unit>{UNIT})s?")
def period(m, ctx):
    """ "the past two weeks", "the next three days", "the coming days", "the first nine months"."""
    plural = m.group(0).lower().endswith("s")
    count = number(m.group("count")) if m.group("count") else (None if plural else 1)
    which = _words(m.group("which"))
    if which in {"first", "final"}:
        return Timex("DURATION", _duration_value(count, m.group("unit")), _approx(m.group("approx")))
    found = _period(ctx, count, m.group("unit"), "past" if which in {"past", "last", "previous"} else "future")
    return Timex(found.type, found.value, _approx(m.group("approx")), found.span)


@_rule(rf"(?:(?P<approx2>{APPROX}))?(?P<count2>\d+|an?|one) and a half (?P<unit2>{UNIT})s?"
       rf"|(?:(?P<approx3>{APPROX}))?(?P<count3>\d+|an?|one) (?P<unit3>{UNIT})s? and a half"
       rf"|(?:(?P<approx>{APPROX}))?(?:the (?=\w+ ))?(?P<count>{NUMBER}|a half|half an?)[- ]"
       r"(?:(?:straight|consecutive|full|whole|more) )?"
       rf"(?P<unit>{UNIT})s?(?P<long>-long)?")
def duration(m, ctx):
    """ "three weeks", "a decade", "more than 72 hours", "two-year", "18 months", "a day and a half"."""
    if m.group("count2") or m.group("count3"):
        count = number(m.group("count2") or m.group("count3")) + 0.5
        unit = m.group("unit2") or m.group("unit3")
        mod = _approx(m.group("approx2") or m.group("approx3"))
    else:
        text = _words(m.group("count"))
        count = 0.5 if text in {"a half", "half a", "half an"} else number(text)
        unit, mod = m.group("unit"), _approx(m.group("approx"))
    return Timex("DURATION", _duration_value(count, unit), mod)


@_rule(r"(?P<what>years|months|weeks|days|hours|minutes|decades|centuries)(?:-long)?")
def vague_duration(m, ctx):
    """ "for years", "decades-long", "hours": an unknown number of the unit (``PXY``)."""
    return Timex("DURATION", _duration_value(None, m.group("what")))


@_rule(r"recent (?P<unit>years|months|weeks|days)")
def recent_period(m, ctx):
    """ "recent years": a stretch of the past (TimeML ``PAST_REF``)."""
    return Timex("DATE", "PAST_REF")


# Sets ----------------------------------------------------------------------------------------------

FREQUENCY_WORDS = {"daily": "P1D", "nightly": "P1D", "weekly": "P1W", "monthly": "P1M",
                   "annually": "P1Y", "yearly": "P1Y", "annual": "P1Y", "hourly": "PT1H",
                   "biweekly": "P2W", "quarterly": "P3M", "fortnightly": "P2W"}


@_rule(r"daily|nightly|weekly|monthly|annually|yearly|annual|hourly|biweekly|fortnightly|quarterly")
def frequency_word(m, ctx):
    """ "daily", "weekly", "annual": a SET recurring every unit."""
    return Timex("SET", FREQUENCY_WORDS[m.group(0).lower()])


@_rule(rf"(?:every|each) (?:(?P<other>other) )?(?:(?P<weekday>{WEEKDAY})|(?P<part>morning|afternoon|evening|night)"
       rf"|(?P<season>{SEASON})|(?P<month>{MONTH})|(?P<count>{NUMBER}) (?P<units>{UNIT})s|(?P<unit>{UNIT}))")
def every(m, ctx):
    """ "every Friday" (``XXXX-WXX-5``), "every morning" (``TMO``), "every two weeks" (``P2W``)."""
    step = 2 if m.group("other") else 1
    if m.group("weekday"):
        return Timex("SET", f"XXXX-WXX-{WEEKDAYS[m.group('weekday').lower()] + 1}")
    if m.group("part"):
        return Timex("SET", f"XXXX-XX-XXT{PARTS_OF_DAY[m.group('part').lower()]}")
    if m.group("season"):
        return Timex("SET", f"XXXX-{SEASONS[m.group('season').lower()]}")
    if m.group("month"):
        return Timex("SET", f"XXXX-{MONTHS[m.group('month').lower().rstrip('.')]:02d}")
    if m.group("units"):
        return Timex("SET", _duration_value(number(m.group("count")), m.group("units")))
    return Timex("SET", _duration_value(step, m.group("unit")))


@_rule(rf"(?P<times>once|twice|{NUMBER} times) (?:a|an|per|each) (?P<unit>{UNIT})")
def times_per(m, ctx):
    """ "twice a week", "three times a day": a SET of the unit."""
    return Timex("SET", _duration_value(1, m.group("unit")))


@_rule(rf"(?P<weekday>{WEEKDAY})s")
def weekday_plural(m, ctx):
    """ "on Fridays": every Friday."""
    return Timex("SET", f"XXXX-WXX-{WEEKDAYS[m.group('weekday').lower()] + 1}")


# Vague references to now, the past and the future -----------------------------------------------

REFERENCES = {"now": "PRESENT_REF", "right now": "PRESENT_REF", "currently": "PRESENT_REF",
              "at present": "PRESENT_REF", "the present": "PRESENT_REF", "nowadays": "PRESENT_REF",
              "these days": "PRESENT_REF", "recently": "PAST_REF", "lately": "PAST_REF",
              "the past": "PAST_REF", "in the past": "PAST_REF", "the future": "FUTURE_REF",
              "in the future": "FUTURE_REF"}
# Not here: "previously", "formerly", "soon", "shortly": TimeML corpora rarely mark them.


@_rule("|".join(sorted((k for k in REFERENCES if not k.startswith("in ")), key=len, reverse=True)))
def reference(m, ctx):
    """ "now", "currently" (``PRESENT_REF``, the publication day), "recently", "the future"."""
    value = REFERENCES[_words(m.group(0))]
    if value == "PRESENT_REF" and ctx.anchor is not None:
        return Timex("DATE", value, span=Resolved(ctx.anchor, ctx.anchor, "day"))
    return Timex("DATE", value)


def match_rule(text: str, ctx: Context) -> tuple[Rule, Timex] | None:
    """The first rule (in ``RULES`` order) whose pattern matches the whole ``text`` and that can
    value it, with that value; ``None`` when no rule can."""
    text = " ".join(text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2011", "-").split())
    for rule in RULES:
        if m := rule.pattern.fullmatch(text):
            found = rule.value(m, ctx)
            if found is not None:
                return rule, found
    return None


def value_of(text: str, ctx: Context) -> Timex | None:
    """The TIMEX3 reading of a whole expression (see :func:`match_rule`), or ``None``."""
    found = match_rule(text, ctx)
    return found[1] if found else None


# --- text → calendar range (the old entry point, kept for callers and tests) -------------------

# Resolved dates outside [EARLIEST_YEAR, anchor's year + YEARS_AHEAD] are left unresolved:
# "October 0000" or "December 31, 9999" in a text are typos or traps, not dates to chart.
EARLIEST_YEAR = 1800
YEARS_AHEAD = 100
# What valuing odd text may raise (a calendar without that day, a unit without a smaller one):
# the expression stays unvalued, the document is analysed all the same.
VALUING_ERRORS = (ArithmeticError, KeyError, ValueError)

@lru_cache(maxsize=65536)
def resolve(text: str, anchor: dt.date | None, future: bool = False) -> Resolved | None:
    """Resolve a date expression given as text against ``anchor`` (the publication date).

    ``future`` says the sentence speaks of what will happen, so underspecified days and months
    point forward. A leading preposition is ignored; "between X and Y" gives the whole stretch.
    Returns ``None`` for durations without an anchor point, sets, vague words, and relative
    expressions without an anchor, and for dates that cannot exist or lie outside the sane range
    (:data:`EARLIEST_YEAR` to :data:`YEARS_AHEAD` years after the anchor).
    """
    try:
        found = _resolve(text, anchor, future)
    except VALUING_ERRORS:  # year 0, year 10000: the calendar has no such day
        return None
    latest = (anchor or dt.date.today()).year + YEARS_AHEAD
    if found is not None and not (found.start.year >= EARLIEST_YEAR and found.end.year <= latest):
        return None
    return found


def _resolve(text: str, anchor: dt.date | None, future: bool = False) -> Resolved | None:
    cleaned = re.sub(r"^(?:on|in|at|by|since|from|until|till|during|as of|of)\s+", "",
                     " ".join(text.replace(",", " ").split()), flags=re.IGNORECASE)
    cleaned = re.sub(r"'s$", "", cleaned)
    if not cleaned:
        return None
    ctx = Context(anchor, "future" if future else "past")
    found = value_of(cleaned, ctx)
    if found is not None:
        return found.resolved
    if m := re.fullmatch(r"(?:between |from )?(.+?) (?:and|to|until|through|-) (.+)", cleaned, re.IGNORECASE):
        first, last = resolve(m.group(1), anchor, future), resolve(m.group(2), anchor, future)
        if first and last and first.start <= last.end:
            return Resolved(first.start, last.end, first.precision if first.precision == last.precision else "week")
        return None
    if anchor is None or not re.search(rf"\d|\b(?:{MONTH}|{WEEKDAY})\b", cleaned, re.IGNORECASE):
        return None  # dateparser is slow and guesses freely; ask it only about text naming a date
    return _dateparser(cleaned, anchor, future)


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
    # dateparser falls back to the base date for words it half understands.
    if found.date() == anchor:
        return None
    return Resolved(found.date(), found.date(), "day")


# --- tense ------------------------------------------------------------------------------------------

FUTURE_AUX = {"will", "shall", "'ll", "wo", "would"}  # "would": the future seen from a past report
FUTURE_WORDS = {"upcoming", "scheduled", "planned", "expected", "due", "next", "coming", "set", "forecast",
                "plan", "plans", "expect", "expects", "schedule", "slated", "intend", "intends"}


def tense(span) -> str:
    """Which way a time expression leans: "future", "present" or "past".

    With a parse, from the verb that governs the expression: a future auxiliary or a word of
    planning ("will meet on Friday", "scheduled for Oct. 3", "due in May", "plans to vote in
    June") → future; a present-tense verb ("the permit expires Dec. 3") or an infinitive →
    present; a past or perfect one → past. Without a parse: "will" or a planning word in the
    four tokens before → future, else past.
    """
    doc = span.doc
    if not doc.has_annotation("DEP"):
        before = doc[max(span.start - 4, 0):span.start]
        return "future" if any(t.lower_ in FUTURE_AUX | FUTURE_WORDS for t in before) else "past"
    head = span.root.head
    verb = next((t for t in span.root.ancestors if t.pos_ in {"VERB", "AUX"}), None)
    if _in_past_perfect(span.root):
        return "past"  # "had been due to expire Friday", "had planned to meet on Monday"
    if head.lower_ in FUTURE_WORDS or any(c.lower_ in FUTURE_WORDS for c in head.children):
        return "future"
    if verb is None:
        return "present"  # no verb to go by ("payable Nov. 17"): the nearest reading
    auxiliaries = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
    if {c.lower_ for c in auxiliaries} & FUTURE_AUX or verb.lower_ in FUTURE_WORDS \
            or any(c.lower_ in FUTURE_WORDS for c in verb.children):
        return "future"
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in FUTURE_WORDS | {"go", "plan", "expect", "set"}:
        return "future"  # "plans to vote in June", "is set to open on Monday", "is going to"
    tags = {verb.tag_} | {c.tag_ for c in auxiliaries}
    if tags & {"VBD", "VBN"}:
        return "past"
    if tags & {"VBZ", "VBP", "MD"} or verb.tag_ == "VB":
        return "present"
    return "past"


def _in_past_perfect(token) -> bool:
    """Whether the clause around ``token`` is in the past perfect ("had" on a verb above it)."""
    for above in token.ancestors:
        if any(c.lower_ in {"had", "'d"} and c.dep_ in {"aux", "auxpass"} for c in above.children):
            return True
        if above.dep_ in {"ccomp", "advcl", "relcl", "ROOT"}:
            return False
    return False


def future_context(span) -> bool:
    """Whether a date mention speaks of the future (see :func:`tense`)."""
    return tense(span) == "future"


# --- finding expressions in a Doc ----------------------------------------------------------------

# Compiled once: every rule's pattern between word boundaries, to find expressions in text.
_FINDERS = [re.compile(rf"(?<![\w'.-])(?:{rule.pattern.pattern})(?![\w-])", re.IGNORECASE)
            for rule in RULES]
# Words that say a number before a unit is an age, not a time: "52-year-old", "aged 52".
AGE = re.compile(r"^[- ]?(?:years?[- ])?old\b|^-year-old", re.IGNORECASE)
TIME_WORDS = re.compile(rf"\b(?:{MONTH}|{WEEKDAY}|{SEASON}|{UNIT}s?|quarter|weekend|today|tonight|"
                        r"yesterday|tomorrow|morning|afternoon|evening|night|\d{4}|\d{1,2}[/.]\d{1,2})\b",
                        re.IGNORECASE)
MONTH_WORDS = re.compile(MONTH, re.IGNORECASE)


def _plausible(text: str, start: int, end: int, rule: str) -> bool:
    """Whether a match in running text is a time expression and not a look-alike."""
    match = text[start:end]
    after, before = text[end:end + 12], text[max(start - 12, 0):start]
    if rule in {"duration", "ago", "period", "vague_duration"} and AGE.match(after):
        return False  # "a 52-year-old man", "two years old"
    if rule == "duration" and re.search(r"-(?:year|month|week|day)$", match, re.IGNORECASE) \
            and re.match(r"-old", after):
        return False
    if rule in {"month", "month_day", "day_month", "weekday", "season"}:
        # "may", "march" and "sun" are words too: names of months count only when capitalised.
        word = MONTH_WORDS.search(match)
        if word and rule != "season" and word.group(0)[0].islower() \
                and not re.search(rf"\b{WEEKDAY}\b", match, re.IGNORECASE):
            return False
        if word and word.group(0).lower() in {"may", "march"} and match.strip() in {"May", "March"} and \
                re.match(r"\s+(?:be|have|not|also|well|the|a|on|to|in|from)\b", after):
            return False  # "May be", "March on the capital"
    if rule == "year":
        if re.search(r"[$£€]\s*$", before) or re.match(
                r"\s*(?:%|percent|per cent|people|troops|dollars|soldiers|residents|fighters|km|miles|metres"
                r"|meters|tonnes|tons)\b", after):
            return False
        if re.match(r"[.,]\d", after) or re.search(r"\d[.,]$", before):
            return False
    if rule == "numeric_date" and re.match(r"[.,/]?\d", after):
        return False
    if rule == "reference" and match.lower() in {"now", "soon"} and re.match(r"\s+that\b", after):
        return False
    if rule == "clock_time" and re.search(r"[$£€]\s*$", before):
        return False
    if rule == "season" and re.fullmatch(r"fall|spring", match, re.IGNORECASE):
        return False  # bare "fall" and "spring" are mostly the verb and the noun
    if rule == "duration" and re.search(r"\bseconds?$", match, re.IGNORECASE) and not re.match(r"\d", match):
        return False  # "a second attack"
    if rule == "frequency_word" and match.lower() in {"quarterly", "annual", "yearly", "monthly"} \
            and re.match(r"\s+[a-z]", after) \
            and not re.match(r"\s+(?:and|or|to|in|at|on|by|for|since|until|as|with)\b", after):
        return False  # "quarterly earnings", "annual report": adjectives, not recurring times
    if rule == "month" and re.fullmatch(r"[A-Za-z]{3}", match):
        return False  # "Jan Kavan", "Dec" without its period or a day
    if rule == "vague_duration" and re.search(r"\d\s+$", before):
        return False  # "30 years" that a longer rule turned down (an age)
    # "on Fridays" is a set; "Fridays" alone is too often something else.
    return rule != "weekday_plural" or bool(re.search(r"\b(?:on|every|at)\s+$", before, re.IGNORECASE))


# Every word a time expression can begin with (besides digits): rules are tried only where one
# of these starts a word, which is many times faster than searching the text with each rule.
# A rule that may begin with another word must add it here (tests compare with a full search).
START_WORDS = frozenset(
    set(MONTHS) | set(WEEKDAYS) | set(SEASONS) | set(SMALL) | set(TENS) | set(UNITS)
    | {w.split()[0] for w in APPROX_MODS} | {w.split()[0] for w in REFERENCES}
    | {w.split()[0] for w in VAGUE} | set(FREQUENCY_WORDS)
    | {"early", "mid", "late", "the", "start", "beginning", "middle", "end", "last", "this", "next", "past",
       "previous", "coming", "current", "latest", "today", "tonight", "yesterday", "tomorrow", "earlier",
       "later", "every", "each", "once", "twice", "recent", "fiscal", "fy", "q1", "q2", "q3", "q4",
       "comparable", "corresponding", "noon", "midday", "midnight", "weekend", "dozen", "dozens",
       "hundreds", "thousands", "half", "years", "months", "weeks", "days", "hours", "minutes", "decades",
       "centuries", "final", "first", "second", "third", "fourth"}
    | {day + "s" for day in WEEKDAYS})
_WORD_START = re.compile(r"(?<![\w'.-])(?:'?\d|[A-Za-z][A-Za-z0-9]*)")


def find(text: str) -> list[tuple[int, int, str]]:
    """Spans of time expressions in ``text`` as ``(start, end, rule name)``: longest first, never
    overlapping."""
    found = []
    for word in _WORD_START.finditer(text):
        token = word.group(0).lower()
        if not (token[-1].isdigit() and len(token) <= 2 or token in START_WORDS
                or token.rstrip("0123456789") in START_WORDS):  # "Q4", "FY2025"
            continue
        for rule, finder in zip(RULES, _FINDERS, strict=True):
            if (m := finder.match(text, word.start())) and m.end() > m.start() \
                    and _plausible(text, m.start(), m.end(), rule.name):
                found.append((m.start(), m.end(), rule.name))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, name in found:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, name))
    return sorted(taken)


def _model_spans(doc, text: str, taken: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """The model's DATE and TIME entities no rule found: kept when they contain a time word and
    are not a bare number (ages, counts and scores come out as DATE too), trimmed of prepositions."""
    spans = []
    for ent in doc.ents:
        if ent.label_ not in {"DATE", "TIME"}:
            continue
        start, end = ent.start_char, ent.end_char
        if any(s < end and start < e for s, e, _ in taken):
            continue
        words = ent.text
        if not TIME_WORDS.search(words) or re.fullmatch(r"[\d\s.,-]+", words) or AGE.search(text[end:end + 12]) \
                or re.search(r"\bold\b|-old\b|^full-year$", words, re.IGNORECASE):
            continue  # "six-year-old", "a man, 52"
        if words.endswith("'s"):
            end -= 2
        if m := re.match(r"(?:on|in|at|by|since|from|until|till|during|of|for)\s+", words, re.IGNORECASE):
            start += m.end()
        spans.append((start, end))
    return spans


A_YEAR_BEFORE = re.compile(r"(?:an?|one) year (?:ago|earlier)"
                           r"|(?:the )?(?:comparable |corresponding )?year-(?:ago|earlier).*"
                           r"|last year", re.IGNORECASE)


def _a_year_before(mentions: list[DateMention], text: str) -> list[DateMention]:
    """ "Profit rose in the third quarter from $2 million a year earlier": in a report on a
    quarter, "a year earlier" ("the year-ago quarter", "last year") is that quarter a year before.
    The quarter is the latest one named in the 1500 characters before (same sentence for "last year")."""
    out: list[DateMention] = []
    for mention in mentions:
        if A_YEAR_BEFORE.fullmatch(mention.text):
            reach = mention.start_char - 1500
            if mention.text.lower() == "last year":
                reach = max(reach, text.rfind(".", 0, mention.start_char))
            quarter = next((m for m in reversed(out) if m.start_char >= reach and m.value
                            and re.fullmatch(r"\d{4}-Q\d", m.value) and not A_YEAR_BEFORE.fullmatch(m.text)), None)
            if quarter is not None:
                value = f"{int(quarter.value[:4]) - 1}{quarter.value[4:]}"
                found = calendar_range(value)
                mention = replace(mention, value=value, start_date=found.start, end_date=found.end,
                                  precision=found.precision)
        out.append(mention)
    return out


def _shift_value(value: str, step: int, unit: str) -> str | None:
    """The TIMEX3 value ``step`` units after the date in ``value`` at that unit's precision
    ("1998-10-23", +1, "year" → "1999"); ``None`` when ``value`` is coarser than the unit."""
    part = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}.get(unit)
    found = calendar_range(value)
    if found is None:
        return None
    if unit in {"day"} | set(PARTS_OF_DAY) - {"overnight", "tonight"}:
        if found.precision != "day":
            return None
        day = (found.start + step * DAY).isoformat()
        return f"{day}T{part}" if part else day
    if unit == "week":
        return _iso_week(found.start + 7 * step * DAY) if found.precision in {"day", "week"} else None
    if unit == "month":
        if found.precision not in {"day", "week", "month"}:
            return None
        year, month = _shift_month(found.start.year, found.start.month, step)
        return f"{year}-{month:02d}"
    if unit == "quarter":
        if found.precision not in {"day", "week", "month", "quarter"}:
            return None
        year, month = _shift_month(found.start.year, found.start.month, 3 * step)
        return f"{year}-Q{(month - 1) // 3 + 1}"
    return str(found.start.year + step)


def _anaphora(mentions: list[DateMention], timexes: list[Timex]) -> list[DateMention]:
    """ "that year", "the following day": valued from the latest date before them that is fine
    enough ("the following day" needs a day)."""
    out: list[DateMention] = []
    for mention, timex in zip(mentions, timexes, strict=True):
        if timex.refers is not None:
            step, unit = timex.refers
            value = next((v for m in reversed(out) if m.value and (v := _shift_value(m.value, step, unit))), None)
            if value is None:
                continue  # nothing before it to count from
            found = calendar_range(value)
            mention = replace(mention, type="TIME" if "T" in value else "DATE", value=value,
                              start_date=found.start, end_date=found.end, precision=found.precision)
        out.append(mention)
    return out


def _counts_something(token) -> bool:
    """ "2000 fans", "1500 troops": a bare number before a plural noun, with no determiner ("the
    1996 elections" is a year)."""
    before = token.doc[token.i - 1] if token.i else None
    return (token.like_num and token.dep_ == "nummod" and token.head.tag_ == "NNS"
            and (before is None or before.tag_ not in {"DT", "PRP$", "POS"}))


MONTH_FIRST_FILE = lexicons.path(lexicons.MONTH_FIRST_COUNTRIES)


def day_first_for(country: str | None, path: Path = MONTH_FIRST_FILE) -> bool | None:
    """The ``day_first`` reading of numeric dates for a source's country (ISO code or English
    name): False where the press writes month first (``data/lexicons/month_first_countries.txt``),
    True elsewhere, None when the country is unknown (day-first, flagged ambiguous)."""
    if not country or not country.strip():
        return None
    month_first = {word.lower() for word in lexicons.words(path)}
    return country.strip().lower() not in month_first


def extract(doc, published: dt.date | None, day_first: bool | None = None, text: str | None = None
            ) -> list[DateMention]:
    """The time expressions of a parsed ``Doc``, valued against its publication date.

    ``published`` anchors relative expressions (``None``: only absolute ones get calendar days).
    ``day_first`` reads numeric dates (3/4/2020) day-first (True), month-first (False), or
    day-first flagged ``ambiguous`` when neither is known (None). ``text`` is the Doc's text when
    the caller has it (``Doc.text`` is rebuilt from the tokens on each access). Returns mentions
    in text order.
    """
    text = doc.text if text is None else text
    taken = find(text)
    spans = [(s, e) for s, e, _ in taken] + _model_spans(doc, text, taken)
    mentions, timexes = [], []
    for start, end in sorted(spans):
        words = text[start:end]
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and len(span) == 1 and _counts_something(span[0]):
            continue  # "2000 fans": a number counting something, not a year
        lean = tense(span) if span is not None and len(span) else "past"
        try:
            found = value_of(words, Context(published, lean, day_first))
        except VALUING_ERRORS:
            found = None  # a rule that cannot value this text leaves it to the fallback, never stops a run
        if found is None:  # a model entity no rule knows: dateparser's day, if it finds one
            resolved = resolve(words, published, lean == "future")
            day = resolved.start.isoformat() if resolved and resolved.start == resolved.end else None
            found = Timex("TIME" if re.search(r"\d:\d\d|[ap]\.?m\b", words) else "DATE", day, span=resolved)
        resolved = found.resolved
        if found.value is None and resolved is None and found.refers is None:
            continue  # a model entity nothing can value ("the day", "the night of")
        timexes.append(found)
        since = re.search(r"\b(\w+)\s+$", text[max(start - 20, 0):start])
        mentions.append(DateMention(
            start_char=start, end_char=end, text=words, type=found.type, value=found.value,
            start_date=resolved.start if resolved else None, end_date=resolved.end if resolved else None,
            precision=resolved.precision if resolved else None, anchor=published,
            range_start=bool(since and since.group(1).lower() in RANGE_START_WORDS),
            ambiguous=found.ambiguous))
    return _a_year_before(_anaphora(mentions, timexes), text)
