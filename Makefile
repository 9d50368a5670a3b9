# Every target bootstraps .venv itself: a fresh clone needs only Python 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INBOX ?= sample_inputs
OUT ?= out
CONSOLIDATE_ARGS ?= --baseline $(INBOX)/_baseline/register-2025.xlsx

.PHONY: consolidate test lint format bench serve clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

consolidate: $(STAMP)
	$(BIN)/consolidate run $(INBOX) --out $(OUT) $(if $(wildcard $(INBOX)/_baseline/register-2025.xlsx),$(CONSOLIDATE_ARGS),) ; \
	  rc=$$?; if [ $$rc -gt 1 ]; then exit $$rc; fi

test: $(STAMP)
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py

serve: $(STAMP)
	$(BIN)/consolidate serve

clean:
	rm -rf $(OUT) .pytest_cache
