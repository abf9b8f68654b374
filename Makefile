# The two commands of the README: `make migrate` (main job) and `make test` (whole suite).
# Both create .venv with the pinned dependencies when it is missing or stale.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
# side environments with the DuckDB releases of the users' app (requirements-compat.lock)
COMPAT := $(VENV)/compat
COMPAT_STAMP := $(COMPAT)/.installed
COMPAT_VERSIONS = $(shell grep -v '^\#' requirements-compat.lock)
ACT := source $(VENV)/bin/activate &&

.PHONY: migrate test bench docs lint clean venv compat

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock scripts/venv_activate_extra.sh
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 (or run make PYTHON=/path/to/python3.11)"; exit 1; }
	@echo "==> creating $(VENV) with the pinned dependencies"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==0.9.5
	$(VENV)/bin/uv pip install --quiet --python $(VENV)/bin/python --compile-bytecode -r requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(VENV)/bin/python --compile-bytecode --no-deps -e .
	sed "s#@PROJECT_ROOT@#$(CURDIR)#" scripts/venv_activate_extra.sh >> $(VENV)/bin/activate
	touch $(STAMP)

# One small venv per DuckDB release, for the tests that open the project's files with it
# (pytests/other_duckdb.py): about 3 s for both from an empty uv cache. Rebuilt with .venv
# (which removes it) and when the pins change.
compat: $(COMPAT_STAMP)

$(COMPAT_STAMP): $(STAMP) requirements-compat.lock
	@echo "==> creating $(COMPAT) (DuckDB $(COMPAT_VERSIONS))"
	rm -rf $(COMPAT)
	@set -e; for v in $(COMPAT_VERSIONS); do \
		$(VENV)/bin/uv venv --quiet --python $(VENV)/bin/python $(COMPAT)/duckdb-$$v; \
		$(VENV)/bin/uv pip install --quiet --python $(COMPAT)/duckdb-$$v/bin/python \
			duckdb==$$v duckdb-cli==$$v; \
	done
	touch $(COMPAT_STAMP)

migrate: $(STAMP)
	$(ACT) shared-matches migrate --demo-if-empty --docs

test: $(STAMP) $(COMPAT_STAMP)
	$(ACT) ruff check src pytests scripts && ruff format --check src pytests scripts
	@# --quiet: the findings and the exit status only (no page of dbt templater lines); the
	@# resource_tracker warning is multiprocessing's own, at the exit of the lint workers
	$(ACT) PYTHONWARNINGS=ignore::UserWarning:multiprocessing.resource_tracker \
		sqlfluff lint --quiet --processes 0 models macros tests
	@bash scripts/ensure_chromium.sh
	$(ACT) pytest -q --numprocesses auto --maxprocesses 4 --dist loadfile

bench: $(STAMP) $(COMPAT_STAMP)
	$(ACT) python scripts/bench_migration.py
	$(ACT) python scripts/bench_sync.py

docs: $(STAMP)
	$(ACT) shared-matches docs

lint: test

clean:
	rm -rf target logs dbt_packages
