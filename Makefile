# Two commands do all the set-up on a fresh machine:
#   make demo   create .venv, install medground, build the built-in phantom data set (offline)
#   make test   same environment plus dev tools; lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_OUT ?= medground-demo

.PHONY: demo test lint unit integration bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# torch first, pinned to the CPU build on this machine, so that transformers does not pull a
# CUDA build; torchvision is never installed (its wheel breaks transformers here)
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,vlm-test]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/medground demo --out $(DEMO_OUT) --overwrite

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/unit

integration: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/integration

# Debian's chromium + chromium-driver for the HTML report's browser test (apt-get, as root or
# through sudo); does nothing when both are installed
chromium:
	@sh scripts/ensure-chromium.sh

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
