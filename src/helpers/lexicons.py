"""The editable word lists under ``data/lexicons/``: one loader for all of them.

Word lists are UTF-8 text, one entry per line, ``#`` lines are comments; tables are CSV with a
header. Every module that needs a list reads it through here, and :func:`files` names them all
so that editing any of them invalidates cached results.
"""

from __future__ import annotations

import csv
from pathlib import Path

from . import paths

TITLES = "titles.txt"
ORGANISATION_WORDS = "organisation_words.txt"
SPEECH_CUES = "speech_cues.txt"
BOILERPLATE = "boilerplate.txt"
EVENT_TRIGGERS = "event_triggers.csv"
EVENT_CONTEXT = "event_context.csv"
ACTOR_TYPES = "actor_types.csv"
NOT_ACTORS = "not_actors.txt"
DEMONYMS = "demonyms.csv"
MONTH_FIRST_COUNTRIES = "month_first_countries.txt"
DECISION_VERBS = "decision_verbs.txt"
SCARE_QUOTE_MARKERS = "scare_quote_markers.txt"
PERSON_NOUNS = "person_nouns.txt"
GENDERED_TITLES = "gendered_titles.csv"
CONTRADICTING_WORDS = "contradicting_words.txt"
INSTITUTION_WORDS = "institution_words.txt"
# Irregular forms of speech and decision verbs, and doubled consonants; regular ones are
# derived (say → says, warned, ...).
IRREGULAR_FORMS = {"say": ["said"], "tell": ["told"], "write": ["wrote", "written"],
                   "speak": ["spoke", "spoken"], "swear": ["swore", "sworn"], "give": ["gave"],
                   "hold": ["held"], "send": ["sent"], "withdraw": ["withdrew", "withdrawn"],
                   "freeze": ["froze", "frozen"], "seek": ["sought"], "strike": ["struck"],
                   "admit": ["admitted"], "quip": ["quipped"], "snap": ["snapped"], "beg": ["begged"],
                   "plead": ["pled"], "ban": ["banned"], "veto": ["vetoes"], "read": ["read"]}


def path(name: str | Path, folder: Path | None = None) -> Path:
    """Where lexicon ``name`` lives (``folder`` defaults to ``data/lexicons``); a ``Path`` is
    taken as it is (a researcher's own copy of a lexicon)."""
    return name if isinstance(name, Path) else Path(folder or paths.LEXICONS) / name


def words(name: str | Path, folder: Path | None = None) -> list[str]:
    """The entries of a word list, stripped, without blank and ``#`` comment lines.

    A missing file raises ``FileNotFoundError`` naming it: lexicons ship with the project.
    """
    lines = path(name, folder).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def table(name: str | Path, folder: Path | None = None) -> list[tuple[int, dict]]:
    """The rows of a CSV lexicon as ``(line number, row)`` pairs, for messages that name the line."""
    with open(path(name, folder), encoding="utf-8", newline="") as handle:
        return list(enumerate(csv.DictReader(handle), start=2))


def speech_cues(folder: Path | None = None) -> frozenset[str]:
    """Lemmas of verbs that attribute speech ("say", "warn", ...), lowercased."""
    return frozenset(word.lower() for word in words(SPEECH_CUES, folder))


def speech_forms(folder: Path | None = None) -> frozenset[str]:
    """Inflected forms of the speech verbs ("said", "warns", "warned"), for runs without a
    lemmatizer."""
    return verb_forms(speech_cues(folder))


def decision_verbs(folder: Path | None = None) -> frozenset[str]:
    """Lemmas of verbs of decision ("reject", "impose", ...) from ``decision_verbs.txt``."""
    return frozenset(word.lower() for word in words(DECISION_VERBS, folder))


def verb_forms(lemmas) -> frozenset[str]:
    """Inflected forms of verb lemmas ("warn" → warn, warns, warned), irregular ones included."""
    forms = set()
    for lemma in lemmas:
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        past = stem[:-1] + "ied" if lemma.endswith("y") and lemma[-2:-1] not in "aeiou" else stem + "ed"
        sibilant = lemma.endswith(("s", "sh", "ch"))
        third = lemma[:-1] + "ies" if past.endswith("ied") else lemma + ("es" if sibilant else "s")
        forms.update({lemma, third, past, *IRREGULAR_FORMS.get(lemma, [])})
    return frozenset(forms)


def files(folder: Path | None = None) -> list[Path]:
    """Every lexicon file, sorted: what shapes results and so belongs in cache fingerprints."""
    return sorted(Path(folder or paths.LEXICONS).glob("*.*"))
