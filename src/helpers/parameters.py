"""Rules for notebook parameter values, checked before any notebook runs.

A value can have the declared type and still break a run hours later: ``batch_size=0``,
``max_chars=0`` (every text erased), ``engine=spark``, ``start_date=2024-13-45``, a model that
is not installed. :data:`RULES` maps each parameter to the rules its value must meet; each
rule is a test and the words that say what is expected. To add a parameter's rules, add a
line to :data:`RULES` (and, for a rule about two parameters together, one to :data:`JOINT_RULES`).

>>> problems({"batch_size": 0, "engine": "spark"})
['batch_size = 0: expected an integer from 1 to 100,000', "engine = 'spark': expected one of: local, dask"]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """``test(value)`` is true for a good value; ``expected`` completes "expected ..."."""

    test: Callable[[object], bool]
    expected: str


def number(low: float, high: float, integer: bool = False) -> Rule:
    """A number from ``low`` to ``high`` (both included)."""
    kind = "an integer" if integer else "a number"

    def test(value) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return (not integer or float(value).is_integer()) and low <= value <= high
    return Rule(test, f"{kind} from {low:,} to {high:,}")


def flag() -> Rule:
    return Rule(lambda value: isinstance(value, bool), "true or false")


def one_of(*choices: str) -> Rule:
    return Rule(lambda value: value in choices, f"one of: {', '.join(choices)}")


def iso_date_or_empty() -> Rule:
    def test(value) -> bool:
        if value in ("", None):
            return True
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return False
        return 1800 <= day.year <= dt.date.today().year + 1
    return Rule(test, f"a date YYYY-MM-DD from 1800 to {dt.date.today().year + 1}, or empty")


def list_of(pattern: str, what: str, allow_empty: bool = True) -> Rule:
    compiled = re.compile(pattern)

    def test(value) -> bool:
        return (isinstance(value, list) and (allow_empty or bool(value))
                and all(isinstance(item, str) and compiled.fullmatch(item) for item in value))
    return Rule(test, what)


def regexes() -> Rule:
    def test(value) -> bool:
        if not isinstance(value, list):
            return False
        for item in value:
            try:
                re.compile(str(item))
            except re.error:
                return False
        return True
    return Rule(test, "a list of valid regular expressions")


def folder_or_empty() -> Rule:
    def test(value) -> bool:
        if value in ("", None):
            return True
        from . import paths

        return paths.resolve(str(value), paths.GAZETTEER).is_dir()
    return Rule(test, "an existing folder (relative paths start at the project root), or empty")


def installed_model() -> Rule:
    def test(value) -> bool:
        from . import nlp

        try:
            nlp.resolve_model(str(value))
        except nlp.ModelNotFound:
            return False
        return True
    return Rule(test, "an installed spaCy pipeline or model folder (`python -m spacy info` lists them)")


def text(max_length: int = 500) -> Rule:
    return Rule(lambda value: isinstance(value, str) and len(value) <= max_length,
                f"text of at most {max_length} characters")


# spaCy refuses texts longer than its max_length (1,000,000 characters) with error E088.
SPACY_MAX_LENGTH = 1_000_000

RULES: dict[str, list[Rule]] = {
    # 01_clean
    **{name: [flag()] for name in ("fix_unicode", "straighten_quotes", "normalize_spaces", "dehyphenate",
                                   "drop_boilerplate", "repeated_lines")},
    "repeated_line_share": [number(0.01, 1)],
    "near_duplicate_threshold": [number(0, 1)],
    "max_chars": [number(1_000, SPACY_MAX_LENGTH, integer=True)],
    "max_file_mb": [number(0.001, 2_048)],
    "boilerplate_patterns": [regexes()],
    "example_doc": [text(4096)],
    # 02_entities
    "model": [installed_model()],
    "quotes": [flag()],
    "events": [flag()],
    "keep_other_languages": [flag()],
    "fuzzy_threshold": [number(0, 100)],
    "languages": [list_of(r"[a-z]{2,3}(?:-[a-z]{2,4})?", "a list of ISO 639-1 codes such as en, fr, zh-cn (or und)",
                          allow_empty=False)],
    "batch_size": [number(1, 100_000, integer=True)],
    "n_process": [number(1, 256, integer=True)],
    "engine": [one_of("local", "dask")],
    "scheduler": [Rule(lambda value: value == "" or bool(re.fullmatch(r"(?:[a-z]+://)?[\w.\-\[\]:]+", str(value))),
                       "a scheduler address such as tcp://10.0.0.5:8786, or empty")],
    "n_workers": [number(1, 256, integer=True)],
    "gazetteer_dir": [folder_or_empty()],
    "day_first": [one_of("", "day", "month")],
    # 03_charts
    "labels": [list_of(r"[A-Z_]{2,20}", "a list of spaCy labels such as PERSON, ORG", allow_empty=False)],
    "start_date": [iso_date_or_empty()],
    "end_date": [iso_date_or_empty()],
    "sources": [list_of(r"[^\n]{1,200}", "a list of outlet names (one line each, at most 200 characters)")],
    "per_article": [flag()],
    "top_n": [number(1, 1_000, integer=True)],
}

# Rules about several parameters at once: (names, test of their values in that order, message).
JOINT_RULES: list[tuple[tuple[str, ...], Callable[..., bool], str]] = [
    (("start_date", "end_date"), lambda start, end: not start or not end or str(start) <= str(end),
     "start_date must not be after end_date"),
]


def problems(values: dict) -> list[str]:
    """One message per bad value among ``values`` (``{name: value}``); empty when all are good.

    Only parameters present in ``values`` are checked; a rule that fails with an exception
    counts as a failed rule.
    """
    found = []
    for name, value in values.items():
        for rule in RULES.get(name, []):
            try:
                good = rule.test(value)
            except Exception:  # a rule that cannot judge the value rejects it
                good = False
            if not good:
                found.append(f"{name} = {value!r}: expected {rule.expected}")
                break
    for names, test, message in JOINT_RULES:
        if all(name in values for name in names) and not any(
                f.startswith(f"{name} =") for f in found for name in names):
            try:
                good = test(*(values[name] for name in names))
            except Exception:
                good = False
            if not good:
                found.append(f"{message} ({', '.join(f'{n} = {values[n]!r}' for n in names)})")
    return found
