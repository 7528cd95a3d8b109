# Two commands do all the set-up on a fresh machine:
#   make demo   create .venv, install medground, build the built-in phantom data set (offline)
#   make test   same environment plus dev tools; lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_OUT ?= medground-demo
# the suite on both cores; a test file stays on one worker, so its module fixtures build once
PYTEST_PAR ?= -n 2 --dist loadfile

.PHONY: demo test lint unit integration bench clean chromium frameworks test-frameworks

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

# the framework venv (network and disk bound) is built while the main suite runs; its tests
# (exports loaded by LLaMA-Factory, ms-swift, lmms-eval) run after both
test: lint chromium
	@bash scripts/frameworks-venv.sh > .frameworks-venv.log 2>&1 & fw=$$!; \
	$(BIN)/python -m pytest $(PYTEST_PAR); rc=$$?; \
	if ! wait $$fw; then cat .frameworks-venv.log; echo "building .venv-frameworks failed"; exit 1; fi; \
	tail -1 .frameworks-venv.log; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	.venv-frameworks/bin/python -m pytest tests/frameworks

unit: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_PAR) tests/unit

integration: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_PAR) tests/integration

# Debian's chromium + chromium-driver for the HTML report's browser test (apt-get, as root or
# through sudo); does nothing when both are installed
chromium:
	@sh scripts/ensure-chromium.sh

# LLaMA-Factory, ms-swift and lmms-eval in their own venv (.venv-frameworks, ~2.5 min cold,
# ~2.3 GB; does nothing when up to date), and the tests that load the exports with them
frameworks:
	@bash scripts/frameworks-venv.sh

test-frameworks: frameworks
	.venv-frameworks/bin/python -m pytest tests/frameworks

clean:
	rm -rf $(VENV) .venv-frameworks .frameworks-venv.log $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
