# 碳惠吉林 — the commands a newcomer needs. `make run` starts everything from a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
CATALOG := portal/translations
STATIC := portal/static
# The files we write; `flask digest compile` adds hashed copies, .gz/.br files and a manifest.
STATIC_SOURCES := $(shell find $(STATIC) -type f ! -name '*.gz' ! -name '*.br' \
	! -name cache_manifest.json -regextype posix-extended ! -regex '.*-[0-9a-f]{32}[^/]*')

.PHONY: run install translations translations-update static browser test test-fast lint bench clean

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed translations static

# Hashed, gzip- and brotli-compressed copies of the static files (build output, not committed),
# remade whenever a static file changes; restart a running server to link the new names.
static: $(STATIC)/cache_manifest.json

$(STATIC)/cache_manifest.json: $(STATIC_SOURCES) $(VENV)/.installed
	$(FLASK) digest clean >/dev/null
	$(FLASK) digest compile >/dev/null

# Compile the message catalogs (.mo files are build output, not committed).
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d $(CATALOG) -D messages --statistics 2>&1 | tail -1

# Re-extract messages after changing user-facing strings, then translate the new entries.
translations-update: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project "tanhui-jilin" -o $(CATALOG)/messages.pot .
	$(VENV)/bin/pybabel update -i $(CATALOG)/messages.pot -d $(CATALOG) -D messages --no-fuzzy-matching --ignore-obsolete --no-wrap

# Web server and scheduler together; Ctrl-C stops both.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "碳惠吉林 → http://127.0.0.1:$(PORT)  (scheduler running beside it; Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	$(FLASK) scheduler run & \
	$(FLASK) run --host 127.0.0.1 --port $(PORT) --no-reload & \
	wait

# The browser tests need Chromium and a CJK font: found, else installed, else a clear stop.
browser:
	@VENV=$(VENV) bash scripts/ensure-browser

test: install browser
	$(VENV)/bin/pytest -q

test-fast: install
	$(VENV)/bin/pytest -q -m "not e2e"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check portal tests benchmarks
	$(VENV)/bin/mypy

bench: install
	@for b in $$(grep -l '^if __name__ == "__main__":' benchmarks/*.py); do $(PY) $$b || exit 1; done

clean:
	-$(FLASK) digest clean >/dev/null 2>&1
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
