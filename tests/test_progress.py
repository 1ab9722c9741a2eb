"""Progress a researcher sees in JupyterLab: extraction counts documents one by one."""

from __future__ import annotations

import datetime as dt
import uuid

import tqdm

from helpers import extract, store


def test_extraction_progress_moves_with_every_document(monkeypatch):
    steps = []

    class Recording(tqdm.tqdm):
        def update(self, n=1):
            steps.append(n)
            return super().update(n)

    monkeypatch.setattr(tqdm, "tqdm", Recording)
    corpus = f"progress-{uuid.uuid4().hex[:8]}"
    rows = [{"doc_id": f"d{i}.txt", "source_path": f"d{i}.txt", "format": "txt", "published": dt.date(2026, 9, 1),
             "language": "en", "status": "kept", "text": f"Police in Basra arrested {i + 2} men on Monday.",
             "n_words": 8} for i in range(5)]
    store.write_records(store.table_path(corpus, "documents"), rows, "documents")
    summary = extract.extract_corpus(corpus, extract.Options(quotes=False, events=False), progress=True)
    assert summary["n_processed"] == 5
    assert steps == [1] * 5  # not one jump per 256-document cache commit
