"""Kernels started ahead of their notebooks: what they import, what they leave behind."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers import kernels, paths


def write_notebook(path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def test_the_modules_a_notebook_imports_are_read_from_its_cells(tmp_path):
    notebook = write_notebook(tmp_path / "n.ipynb",
                              "import pandas as pd\nfrom helpers import charts, extract",
                              "%matplotlib inline\nimport never_seen",  # a magic: not Python, skipped
                              "from . import local\nfrom json import *\nimport os.path")
    assert kernels.imported_modules(notebook) == ["pandas", "helpers", "helpers.charts", "helpers.extract",
                                                  "json", "os.path"]


def test_warming_skips_names_that_are_not_modules():
    kernels.warm(["json", "json.dumps", "no_such_module_here"])  # nothing raised


PROBE = """
import json, sys
names = sorted(n for n in globals() if not n.startswith("_") and n not in {"In", "Out", "exit", "quit",
                                                                            "get_ipython", "open"})
print(json.dumps({"warmed": "helpers.vocab" in sys.modules, "names": names}))
"""


def test_a_started_kernel_has_imported_the_notebooks_modules_and_bound_no_name(tmp_path):
    notebook = write_notebook(tmp_path / "probe.ipynb", PROBE, "from helpers import vocab")
    with kernels.Ahead(tmp_path, ["probe.ipynb"], paths.PROJECT_ROOT) as ahead:
        executed = papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), progress_bar=False,
                                              kernel_name=kernels.KERNEL_NAME, km=ahead.kernel("probe.ipynb"))
        ahead.done("probe.ipynb")
    first = executed.cells[0]
    seen = json.loads(first.outputs[0]["text"])
    assert seen["warmed"] is True
    assert seen["names"] == ["json", "sys"]  # only what the cell itself bound
    assert first.execution_count == 1


def test_kernels_are_stopped_and_their_files_removed(tmp_path):
    for name in ("a.ipynb", "b.ipynb", "c.ipynb"):
        write_notebook(tmp_path / name, "x = 1")
    with kernels.Ahead(tmp_path, ["a.ipynb", "b.ipynb", "c.ipynb"], tmp_path) as ahead:
        first = ahead.kernel("a.ipynb")
        assert set(ahead.managers) == {"a.ipynb", "b.ipynb"}  # one notebook ahead, not all
        managers = list(ahead.managers.values())
        folders = [Path(m.connection_file).parent for m in managers]
        assert all(folder.is_dir() for folder in folders)
        ahead.done("a.ipynb")
    assert first.shutting_down
    assert not any(m.has_kernel for m in managers)
    assert not any(folder.exists() for folder in folders)


def test_after_an_error_started_kernels_are_killed_at_once(tmp_path):
    write_notebook(tmp_path / "a.ipynb", "x = 1")
    with pytest.raises(RuntimeError), kernels.Ahead(tmp_path, ["a.ipynb"], tmp_path) as ahead:
        manager = ahead.start("a.ipynb")
        raise RuntimeError("a bad parameter")
    assert not manager.has_kernel
    assert not Path(manager.connection_file).parent.exists()


def test_folders_left_by_killed_runs_are_swept_and_nothing_else(tmp_path):
    import os
    import subprocess
    import sys

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead = int(finished.stdout)  # a process that has exited: its folders are stale
    stale = tmp_path / f"{kernels.FOLDER_PREFIX}{dead}-abc"
    (stale / "sockets").mkdir(parents=True)
    running = tmp_path / f"{kernels.FOLDER_PREFIX}{os.getppid()}-def"  # the runner is still alive
    running.mkdir()
    mine = tmp_path / f"{kernels.FOLDER_PREFIX}{os.getpid()}-ghi"
    mine.mkdir()
    unnamed = tmp_path / f"{kernels.FOLDER_PREFIX}xyz"  # not a process id: not ours to judge
    unnamed.mkdir()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / f"{kernels.FOLDER_PREFIX}{dead}-link").symlink_to(target)
    assert kernels.sweep_stale_folders(tmp_path) == [stale]
    assert not stale.exists()
    assert running.exists() and mine.exists() and unnamed.exists() and target.exists()
