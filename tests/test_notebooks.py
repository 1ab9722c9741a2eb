"""The notebooks stay thin: parameters documented, no outputs, no definitions, no path hacks."""

from __future__ import annotations

import json
import re

import papermill
import pytest

from helpers import paths, run

NOTEBOOKS = [paths.NOTEBOOKS / name for name in run.NOTEBOOKS]
PARAMETER_LINE = re.compile(r"^(\w+): ([\w\[\], ]+) = (.+?)  # (\S.*)$")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_documents_every_parameter(path):
    cells = json.loads(path.read_text())["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    lines = [ln for ln in "".join(tagged[0]["source"]).splitlines() if ln.strip()]
    for line in lines:
        assert PARAMETER_LINE.match(line), f"not `name: type = value  # meaning`: {line!r}"
    inferred = papermill.inspect_notebook(str(path))
    assert set(inferred) == {PARAMETER_LINE.match(ln).group(1) for ln in lines}
    assert all(info["help"] for info in inferred.values())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_defines_nothing_and_hacks_no_path(path):
    cells = json.loads(path.read_text())["cells"]
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert not re.search(r"^\s*(def|class) ", source, re.M)
    assert "sys.path" not in source
    assert "from helpers import" in source
    markdown = [c for c in cells if c["cell_type"] == "markdown"]
    assert len(markdown) >= 3, "each step needs a word of explanation"


def test_every_parameter_is_in_the_readme():
    readme = (paths.PROJECT_ROOT / "README.md").read_text()
    for name in run.declared_parameters():
        assert f"`{name}`" in readme, name
