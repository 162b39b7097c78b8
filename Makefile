# madoguchi — build, test and run on a fresh Debian/Ubuntu machine.
#
#   make run    set up what is missing, then start the program on its demo defaults
#   make test   set up what is missing, then lint, check migrations and run the test suite
#
# System packages are installed with apt when run as root; otherwise the exact
# command to run is printed and make stops.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
RUN_ARGS ?=

# Every Debian package the project needs: build tools for pyscard, the smart-card
# stack (pcscd + vpcd virtual reader + OpenSC), PostgreSQL for the central-server
# tests, Japanese fonts, Xvfb, poppler for checking PDFs, the libraries Qt's xcb
# platform plugin loads, and iproute2/util-linux for network namespaces.
# Keep it in this one variable: its hash names the stamp file.
SYS_PACKAGES := \
	gcc pkg-config python3-dev python3-venv swig libpcsclite-dev \
	pcscd vsmartcard-vpcd opensc \
	postgresql \
	fontconfig fonts-ipaexfont-mincho fonts-ipaexfont-gothic fonts-noto-cjk \
	xvfb xauth poppler-utils \
	libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
	libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0 \
	iproute2 util-linux

SYSDEPS_HASH := $(shell echo '$(strip $(SYS_PACKAGES))' | sha256sum | cut -c1-12)
SYSDEPS_STAMP := $(VENV)/.sysdeps-$(SYSDEPS_HASH)
VENV_STAMP := $(VENV)/.installed

.PHONY: help sysdeps venv lint check-migrations test run screenshot bench clean

help:
	@echo 'make run               set up what is missing and start the program (demo store, demo staff, virtual card)'
	@echo 'make test              set up what is missing, then lint, check-migrations and pytest (PYTEST_ARGS=...)'
	@echo 'make sysdeps           install the Debian packages the project needs (apt, as root)'
	@echo 'make venv              create .venv and pip install -e ".[dev]"'
	@echo 'make lint              ruff check, ruff format --check, mypy'
	@echo 'make check-migrations  alembic upgrade head + alembic check: local store and central PostgreSQL'
	@echo 'make screenshot        write docs/images/main-window.png under Xvfb'
	@echo 'make bench             run the benchmarks in bench/ (search, card, certificate, sync)'
	@echo 'make clean             remove .venv and caches'

# ---------------------------------------------------------------------------
# System packages

sysdeps: $(SYSDEPS_STAMP)

$(SYSDEPS_STAMP):
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "sysdeps: dpkg-query not found: this is not a Debian/Ubuntu system." >&2; \
		echo "sysdeps: install the equivalents of: $(strip $(SYS_PACKAGES))" >&2; \
		echo "sysdeps: continuing without checking system packages." >&2; \
		exit 0; \
	fi; \
	missing=$$(for p in $(SYS_PACKAGES); do \
		dpkg-query -W -f='$${db:Status-Abbrev}' "$$p" 2>/dev/null | grep -q '^ii' || echo "$$p"; \
	done | tr '\n' ' '); \
	missing=$${missing% }; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -eq 0 ]; then \
			echo "sysdeps: installing: $$missing"; \
			apt-get update; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
				-o DPkg::Lock::Timeout=300 \
				-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
				$$missing; \
			still=$$(for p in $$missing; do \
				dpkg-query -W -f='$${db:Status-Abbrev}' "$$p" 2>/dev/null | grep -q '^ii' || echo "$$p"; \
			done | tr '\n' ' '); \
			if [ -n "$$still" ]; then \
				echo "sysdeps: still missing after apt-get install: $$still" >&2; \
				exit 1; \
			fi; \
		else \
			echo "sysdeps: these Debian packages are missing: $$missing" >&2; \
			echo "sysdeps: install them with:" >&2; \
			echo "" >&2; \
			echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends $$missing" >&2; \
			echo "" >&2; \
			echo "sysdeps: then run make again." >&2; \
			exit 1; \
		fi; \
	fi; \
	mkdir -p $(VENV); \
	rm -f $(VENV)/.sysdeps-*; \
	touch $@
# Services are deliberately not started here: the tests start their own pcscd and
# PostgreSQL instances. A system pcscd that a package's postinst started may keep
# running; nothing here relies on it.

# ---------------------------------------------------------------------------
# Python environment

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml | $(SYSDEPS_STAMP)
	@if ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		echo "venv: '$(PYTHON)' is missing or older than Python 3.11; install python3 (>= 3.11) or run make PYTHON=/path/to/python3.11" >&2; \
		exit 1; \
	fi
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys' 2>/dev/null; then \
		echo "venv: $(PY) is broken; recreating $(VENV)"; \
		rm -rf $(VENV); \
	fi
	@if [ ! -x $(PY) ]; then \
		echo "venv: creating $(VENV) with $$(command -v $(PYTHON))"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	PIP_NO_INPUT=1 $(PY) -m pip install --disable-pip-version-check -e '.[dev]'
	@touch $@

# ---------------------------------------------------------------------------
# Checks

lint: venv
	@status=0; \
	echo '--- ruff check'; $(VENV)/bin/ruff check . || status=1; \
	echo '--- ruff format --check'; $(VENV)/bin/ruff format --check . || status=1; \
	echo '--- mypy'; $(VENV)/bin/mypy madoguchi || status=1; \
	exit $$status

# Both schemas: the local one on an empty SQLCipher store, the central one on a throwaway
# PostgreSQL cluster started for the check (initdb/pg_ctl, as the postgres user when root).
check-migrations: sysdeps venv
	$(PY) -m madoguchi.storage.migrations check --central-throwaway

# Lint and the migration check run first; pytest runs even if they failed, so one
# run shows every problem, and the target fails if any step failed.
test: sysdeps venv
	@failed=''; \
	$(MAKE) lint || failed="$$failed lint"; \
	$(MAKE) check-migrations || failed="$$failed check-migrations"; \
	echo '--- pytest'; \
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS) || failed="$$failed pytest"; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed" >&2; exit 1; fi

# ---------------------------------------------------------------------------
# Running

run: sysdeps venv
	@if [ -z "$${DISPLAY:-}" ] && [ -z "$${WAYLAND_DISPLAY:-}" ]; then \
		echo "run: no DISPLAY or WAYLAND_DISPLAY: the window runs on a virtual display (xvfb-run); stop it with Ctrl-C"; \
		xvfb-run -a $(PY) main.py --demo $(RUN_ARGS); \
	else \
		$(PY) main.py --demo $(RUN_ARGS); \
	fi

screenshot: sysdeps venv
	@mkdir -p docs/images
	xvfb-run -a -s "-screen 0 1440x900x24" $(PY) -m madoguchi.forms.screenshot docs/images/main-window.png

bench: sysdeps venv
	$(PY) bench/bench_search.py
	$(PY) bench/bench_card.py
	$(PY) bench/bench_certificate.py
	$(PY) bench/bench_sync.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
