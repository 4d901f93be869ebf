# The README's commands. Each installs what it needs first (Debian system packages when missing,
# then a virtual environment with the package), so a fresh Debian machine needs nothing by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)
# fonts for every script the letters use, HarfBuzz subsetting (fast font embedding), Pango for
# WeasyPrint, poppler-utils (pdftotext, pdffonts, pdftoppm) for the tests and for looking at pages,
# gettext (msgfmt --check, the reference checker of the translation catalogues)
# libnss3-tools (certutil: the NSS database that lets pdfsig trust the signing tests' CA)
# libicu-dev, pkg-config, g++, python3-dev: to build PyICU (collation of signatory names per language)
SYSTEM_PACKAGES := fonts-noto-core fonts-noto-cjk fontconfig libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gettext libnss3-tools libicu-dev pkg-config g++ python3-dev
DEMO_DATE ?=

.PHONY: demo test setup system bench golden lint clean

demo: setup
	$(BIN)/advocate check
	$(BIN)/advocate examples --out out $(if $(DEMO_DATE),--date $(DEMO_DATE))
	@echo "The sample letters are in out/ (pdftoppm -png -r 60 out/FILE.pdf page turns them into images)."

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/signatories.py

golden: setup
	ADVOCATE_UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/test_golden.py -q

lint: setup
	$(BIN)/ruff check generator tests bench
	$(BIN)/mypy

setup: system $(STAMP)

system:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if ! command -v $(PYTHON) >/dev/null || ! $(PYTHON) -c "import venv, ensurepip" 2>/dev/null; then missing="$$missing python3 python3-venv python3-pip"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,dask]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache *.egg-info
