"""Shared fixtures. Outputs go to a throwaway folder, never to the project's data/ or reports/."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Set before helpers is imported anywhere: helpers.paths reads these once.
_SANDBOX = Path(tempfile.mkdtemp(prefix="newsdesk-tests-"))
os.environ.setdefault("NEWSDESK_PROCESSED", str(_SANDBOX / "processed"))
os.environ.setdefault("NEWSDESK_REPORTS", str(_SANDBOX / "reports"))

import pytest  # noqa: E402

from helpers import analysis  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    """Remove the throwaway output folder (pytest's own tmp_path folders are pruned by pytest)."""
    shutil.rmtree(_SANDBOX, ignore_errors=True)


@pytest.fixture(scope="session")
def extractor() -> analysis.Analyser:
    """The full stage-2 pipeline (parser, NER, gazetteer ruler, lexicons), loaded once."""
    return analysis.Analyser(analysis.Options())


@pytest.fixture(scope="session")
def analyse(extractor):
    """``analyse(text, published=None) -> (doc, records)`` with the full pipeline."""
    def run(text: str, published=None):
        doc = extractor.nlp(text)
        return doc, extractor.analyse(doc, published).as_dicts()
    return run


@pytest.fixture(scope="session")
def fixture_run(tmp_path_factory):
    """One `newsdesk run` over the fixture corpus: (raw folder, run folder, CLI result)."""
    from test_run import run_fixture_corpus

    return run_fixture_corpus(tmp_path_factory)
