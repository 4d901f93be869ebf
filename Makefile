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
# fonts-noto-core holds the Noto faces of every non-CJK script a language may bring (Latin, Cyrillic,
# Greek, Arabic, Hebrew, Devanagari, Thai, ...), fonts-noto-cjk the Chinese, Japanese and Korean ones;
# chromium and chromium-driver: the browser tests/test_preview.py drives headless (no browser download)
SYSTEM_PACKAGES := fonts-noto-core fonts-noto-cjk fontconfig libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gettext libnss3-tools chromium chromium-driver
DEMO_DATE ?=
# The Python environment comes from uv.lock (every package, exact version and hash, for every
# platform), installed by uv; uv itself is pinned here and installed with pip into .tools/.
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# compiled at install, as pip does (uv does not by default): a cold start need not compile
# every module, and with PYTHONDONTWRITEBYTECODE set it never would be cached
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test setup system bench golden lint clean upgrade lock

demo: setup
	$(BIN)/advocate check
	$(BIN)/advocate examples --out out $(if $(DEMO_DATE),--date $(DEMO_DATE))
	@echo "The sample letters are in out/ (pdftoppm -png -r 60 out/FILE.pdf page turns them into images)."

test: setup
	ADVOCATE_UV=$(abspath $(UV)) $(BIN)/python -m pytest

# render, cold start, Typst comparison (Typst pip-installed into .bench/venv, not advocate's
# environment; BENCH_TYPST=0 skips it), mail over STARTTLS, petitions (BENCH_SIZES="1000 10000")
bench: setup
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/mail.py
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

# --locked: stop (and change nothing) when uv.lock no longer matches pyproject.toml
$(STAMP): pyproject.toml uv.lock $(UV)
	@$(UV) sync --locked --all-extras --python $(PYTHON) --quiet || { \
	  echo "error: uv.lock does not match pyproject.toml (or could not be installed)"; \
	  echo "  hint: run 'make lock' after changing dependencies in pyproject.toml, and commit uv.lock"; exit 1; }
	touch $(STAMP)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q "uv==$(UV_VERSION)"

# Maintainers: after editing dependencies in pyproject.toml (keeps every other pin)
lock: system $(UV)
	$(UV) lock --python $(PYTHON)

# Maintainers: every package to its newest version allowed by pyproject.toml, then the whole suite,
# so that a breaking release is met here on purpose; commit uv.lock when it passes
upgrade: system $(UV)
	$(UV) lock --upgrade --python $(PYTHON)
	$(UV) sync --locked --all-extras --python $(PYTHON)
	touch $(STAMP)
	ADVOCATE_UV=$(abspath $(UV)) $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(TOOLS) out dist .pytest_cache .mypy_cache .ruff_cache *.egg-info
