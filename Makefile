# Every target bootstraps .venv itself: a fresh clone needs only Python 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INBOX ?= sample_inputs
OUT ?= out
CONSOLIDATE_ARGS ?= --baseline $(INBOX)/_baseline/register-2025.xlsx
# The city's list of fast-channel users, kept beside the inbox like the baseline.
FASTLIST_ARGS ?= --fastlist $(INBOX)/_便捷通道/使用单位名单.xlsx

.PHONY: consolidate test lint format bench serve clean offline offline-test

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

consolidate: $(STAMP)
	$(BIN)/consolidate run $(INBOX) --out $(OUT) $(if $(wildcard $(INBOX)/_baseline/register-2025.xlsx),$(CONSOLIDATE_ARGS),) \
	  $(if $(wildcard $(INBOX)/_便捷通道/使用单位名单.xlsx),$(FASTLIST_ARGS),) ; \
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

# The office's install kit (README 在内网电脑上安装): wheels for win_amd64 and manylinux,
# install.bat/install.sh. Needs the package registry; fails if a compiled dependency
# has no wheel for either platform (the table it prints lists them).
offline: $(STAMP)
	$(BIN)/python scripts/offline.py --out dist/consolidate-offline.zip

# Installs that zip with install.sh into a temp folder with no index reachable and runs it.
offline-test: offline
	$(BIN)/python -m pytest -m bundle tests/test_bundle.py

clean:
	rm -rf $(OUT) .pytest_cache dist
