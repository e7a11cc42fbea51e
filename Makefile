# Two commands do all set-up on a fresh machine:
#   make run   creates .venv, installs physlens, runs `physlens tour`
#   make test  same set-up, then the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.physlens-installed
TOUR_DIR ?= tour

.PHONY: run test setup slow clean

setup: $(STAMP)

# torch is pinned and installed first: the CPU wheel lies on this machine's disk, and
# an unpinned resolve would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# energyflow's dependency wasserstein declares numpy<2 yet works with ours, so pip cannot resolve it: no deps
	$(BIN)/python -m pip install --quiet --no-deps energyflow==1.4.0 wasserstein==1.1.0 wurlitzer==3.1.1
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/physlens tour --out $(TOUR_DIR)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

slow: $(STAMP)
	$(BIN)/python -m pytest -m slow $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(TOUR_DIR) .pytest_cache
