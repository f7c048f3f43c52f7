# tiffin's developer commands. `make demo` and `make test` are the README's quick start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tiffin-installed
# Only this torch build lies on the machines' disk; any other version downloads a CUDA build.
TORCH := torch==2.13.0

.PHONY: install demo check test test-fast bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '$(TORCH)' -e '.[all,test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python examples/iris/train.py
	$(BIN)/tiffin models list iris
	$(BIN)/tiffin models get iris:latest

check: install
	$(BIN)/ruff format --check src tests examples
	$(BIN)/ruff check src tests examples
	$(BIN)/mypy

test: check
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
