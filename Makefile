# tiffin's developer commands. `make demo` and `make test` are the README's quick start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tiffin-installed
# Only this torch build lies on the machines' disk. Name its local version: a newer pip picks
# the index's same-numbered CUDA build (gigabytes, and triton) over the file for plain ==2.13.0.
TORCH := torch==2.13.0+cpu

.PHONY: install demo check test test-fast bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet '$(TORCH)' -e '.[all,test]'
	touch $(STAMP)

install: $(STAMP)

DEMO_PORT ?= 3000

demo: install
	$(BIN)/python examples/iris/train.py
	$(BIN)/tiffin models list iris
	@echo
	@echo "Serving the iris model on http://127.0.0.1:$(DEMO_PORT) (Ctrl-C stops it). Try:"
	@echo "  curl -X POST http://127.0.0.1:$(DEMO_PORT)/classify -H 'content-type: application/json' -d '{\"input_data\": [[5.1, 3.5, 1.4, 0.2]]}'"
	@echo "  open http://127.0.0.1:$(DEMO_PORT)/docs"
	@echo
	$(BIN)/tiffin serve examples/iris/service.py:IrisClassifier --port $(DEMO_PORT)

check: install
	$(BIN)/ruff format --check src tests examples
	$(BIN)/ruff check src tests examples
	$(BIN)/mypy

test: check
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow"

# Serving benchmarks against BentoML, LitServe, FastAPI and a bare ASGI app (peers in
# benchmarks/.peers/, wrk from Debian); writes benchmarks/RESULTS.md. Not run by CI.
# BENCH_ARGS passes options to the harness, e.g. BENCH_ARGS="--duration 10 --rounds 3".
bench: install
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
