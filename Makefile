# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench fuzz soak bundle deb frozen-test clean

# Reinstall only when the project metadata or the C extension changed; the package is
# editable so Python edits need no reinstall.
$(STAMP): pyproject.toml setup.py assistant/scrub/_native.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/escalation-assistant

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# The generated-input (hypothesis) tests with many more examples than `make test` runs.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m fuzz $(PYTEST_ARGS)

# A working day: 1,000 wizards opened, typed in and closed with real key presses under Xvfb +
# openbox, then 10 minutes idle (`make test` runs 100 and 20 s). Figures in artifacts/soak/.
soak: $(STAMP)
	SOAK_CYCLES=1000 SOAK_IDLE_S=600 $(BIN)/python -m pytest tests/soak -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

bundle: $(STAMP)
	bash packaging/build.sh

# The Debian package from a fresh bundle: dist/escalation-assistant_VERSION_ARCH.deb
deb: bundle
	bash packaging/deb.sh

# The frozen smoke suite against the built bundle (tests/frozen; `make bundle` first).
frozen-test: $(STAMP)
	ESCALATION_ASSISTANT_FROZEN=dist/escalation-assistant/escalation-assistant \
	  QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/frozen $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
