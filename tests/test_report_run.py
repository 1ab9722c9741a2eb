"""The report of a whole run: figures inline in the notebooks, tables with their CSV, a second run
that says what changed, and the runner's one line per notebook."""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest

from helpers import paths, run

from test_run import newsdesk

pytestmark = pytest.mark.slow

NEW_ARTICLE = ("Police in Kirkuk extended the night curfew by a week on Saturday after two bombings, "
               "the provincial council said.\n\n\"The curfew protects the markets,\" said council member "
               "Aras Hamid.\n")


def test_charts_notebook_shows_every_figure_inline(fixture_run):
    _, run_dir, _ = fixture_run
    cells = json.loads((run_dir / "03_charts.ipynb").read_text())["cells"]
    drawing = [c for c in cells if c["cell_type"] == "code" and "book.add(" in "".join(c["source"])]
    assert len(drawing) >= 7
    for cell in drawing:
        kinds = [set(o.get("data", {})) for o in cell["outputs"]]
        assert any("image/png" in k for k in kinds), "".join(cell["source"])
        assert not any("<Figure size" in str(o.get("data", {}).get("text/plain", "")) and "image/png" not in o["data"]
                       for o in cell["outputs"])
    page = (run_dir / "03_charts.html").read_text()
    assert page.count("data:image/png;base64") >= len(drawing)


@pytest.mark.parametrize(("notebook", "n_figures"), [("01_clean.ipynb", 1), ("02_entities.ipynb", 2)])
def test_the_cleaning_and_entities_notebooks_show_their_figures_inline(fixture_run, notebook, n_figures):
    _, run_dir, _ = fixture_run
    cells = json.loads((run_dir / notebook).read_text())["cells"]
    drawing = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).startswith("charts.")]
    assert len(drawing) == n_figures
    for cell in drawing:
        assert any("image/png" in o.get("data", {}) for o in cell["outputs"]), "".join(cell["source"])


def test_every_table_has_a_csv_beside_its_parquet(fixture_run):
    folder = paths.PROCESSED / "fixture"
    for table in ("documents", "mentions", "entities", "dates", "quotes", "events", "cooccurrence"):
        with open(folder / f"{table}.csv", encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header[0] in {"doc_id", "entity_id", "entity_a"}, table


def test_report_tables_say_n_of_m_cite_documents_and_link_their_csv(fixture_run):
    _, run_dir, _ = fixture_run
    page = (run_dir / "index.html").read_text()
    for name in ("actors", "quotes", "events"):
        with open(run_dir / "tables" / f"{name}.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert f'href="tables/{name}.csv"' in page
        assert re.search(rf"{min(len(rows), 15)} of {len(rows)} shown", page), name
    assert "Rocket fire hits airbase near Haditha" in page and "Valley Ledger" in page
    assert "nan" not in re.sub(r"<[^>]+>", " ", page).split()
    assert "Every kept document (5) has a publication date" in page


def test_runner_prints_one_line_per_notebook_and_the_second_run_says_what_changed(fixture_run, tmp_path):
    raw, first_dir, first = fixture_run
    assert "without encryption" not in first.stderr and "KeyboardInterrupt" not in first.stderr
    copy = tmp_path / "fixture"
    shutil.copytree(raw, copy)
    (copy / "curfew.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    (copy / "metadata.csv").write_text("path,title,outlet\ncurfew.txt,Curfew extended in Kirkuk,Tigris Notes\n",
                                       encoding="utf-8")
    result = newsdesk("run", "--raw", str(copy), "--reports", str(first_dir.parent))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "without encryption" not in result.stderr and "KeyboardInterrupt" not in result.stderr
    final = {}
    for line in re.split(r"[\r\n]+", result.stderr):
        match = re.fullmatch(r"(\d\d_\w+\.ipynb): (\d+)/(\d+) cells, (\d\d:\d\d)", line.strip())
        if match:
            final[match.group(1)] = match.groups()[1:]
    assert set(final) == set(run.NOTEBOOKS)
    assert all(done == total for done, total, _ in final.values())
    second_dir = paths.PROJECT_ROOT / result.stdout.strip().splitlines()[-1].removeprefix("report: ")
    second_dir = second_dir.parent
    found = json.loads((second_dir / "changes.json").read_text())
    assert found["previous_run"] == first_dir.name and not found["first_run"]
    assert [d["doc_id"] for d in found["new_documents"]] == ["curfew.txt"]
    assert found["new_documents"][0]["title"] == "Curfew extended in Kirkuk"
    assert found["counts"]["gone_documents"] == 0
    page = (second_dir / "index.html").read_text()
    assert "What changed since the last run" in page and "Curfew extended in Kirkuk" in page
    assert "Undated: 1 of 6 kept documents" in page
    manifest = json.loads((second_dir / "manifest.json").read_text())
    assert "metadata.csv" in {f["path"] for f in manifest["inputs"]}
    assert manifest["changes"]["new_documents"] == 1
