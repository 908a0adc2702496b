# The two commands a reader needs:  `make book`  and  `make test`.
# Both first make sure .venv exists with the pinned requirements and optlib (editable); the set-up is
# redone only when requirements.txt or pyproject.toml change (the stamp file .venv/.installed).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  ?= .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS = $(sort $(wildcard book/*.ipynb))
SANITIZE := tests/nbval_sanitize.cfg

# The Python to build the venv with: PYTHON=python3.13 (say) picks one; otherwise the first of python3.11,
# python3.12, python3.13 and python3 that is one of the versions the book is tested on (SUPPORTED).
# VENV=.venv-3.13 keeps a second environment beside the first (CI does this for the newest Python).
SUPPORTED := 3.11 3.12 3.13
PYTHON ?= $(firstword $(foreach p,python3.11 python3.12 python3.13 python3,$(shell \
	command -v $(p) >/dev/null 2>&1 && $(p) -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] not in "$(SUPPORTED)".split())' 2>/dev/null && echo $(p))))
BOOT_PYTHON := $(PYTHON)

.PHONY: help venv book test test-unit test-notebooks test-site lab refresh report clean distclean

help:
	@echo "make book      build the website (warnings are errors) and print the path of index.html"
	@echo "make test      unit tests, nbval (strict) over every notebook, and the site tests in a browser"
	@echo "make lab       JupyterLab on a working copy of the book (_build/lab; make lab-reset re-copies it)"
	@echo "make refresh   re-execute every notebook in place (after changing optlib or a notebook)"
	@echo "make screenshots  the site tests, keeping a screenshot of every page (artifacts/screenshots/, phone/)"
	@echo "make report    count the notebook outputs nbval compares and ignores"
	@echo "make pdf       one PDF of the whole book (_build/html/optimizers-book.pdf; make book does it too)"
	@echo "make serve     serve the built book on http://127.0.0.1:8000 (the chapters run live in the browser)"
	@echo "make clean     remove _build, artifacts and caches (make distclean: also .venv)"

# ---------------------------------------------------------------------------- set-up
venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@if [ -z "$(BOOT_PYTHON)" ]; then echo "error: Python $(SUPPORTED) is needed (python3.11 … python3.13 or python3; or make PYTHON=…)" >&2; exit 1; fi
	@$(BOOT_PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(None if v in "$(SUPPORTED)".split() else f"error: $(BOOT_PYTHON) is Python {v}; the book is tested on $(SUPPORTED)")'
	@if [ ! -x $(PY) ]; then echo "creating $(VENV) with $(BOOT_PYTHON)"; $(BOOT_PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e .
	@touch $(STAMP)

# ---------------------------------------------------------------------------- the book
# --all: every page is read and written again, so that the log (kept in _build/book-build.log) holds every
# warning, as a build into an empty folder does. Once the PDF and the site are built, tests/book_stamp.py
# writes _build/book-stamp.json: the SHA-256 of every input of the build (book/, _config.yml, _toc.yml,
# optlib/, pdf/, the Makefile, requirements, …; Python and Chromium) and of every built file. `make test-site`
# tests this build when the stamp matches the current files exactly, and builds afresh otherwise.
BOOK_STAMP := _build/book-stamp.json
book: $(STAMP)
	@rm -f $(BOOK_STAMP); mkdir -p _build
	set -o pipefail; $(VENV)/bin/jupyter-book build . -W -n --keep-going --all 2>&1 | tee _build/book-build.log
	@$(PY) tests/book_stamp.py write
	@echo
	@echo "Open this file in a browser:"
	@echo "  $(CURDIR)/_build/html/index.html"

# ---------------------------------------------------------------------------- the tests
# Each part runs even when an earlier one failed; `make test` fails if any part failed.
# At the end it prints the wall time of each part, the load average (the machine may be shared), and the
# CPU time the whole machine spent during each part (/proc/stat, where there is one): each part keeps the
# cores ~90 % busy, so the wall time is about that CPU time divided by the cores (see benchmarks/README.md).
test: $(STAMP)
	@status=0; report=""; begin=$$(date +%s.%N); \
	since() { awk -v a="$$1" -v b="$$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }; \
	busy() { [ -r /proc/stat ] && awk -v hz=$$(getconf CLK_TCK) '/^cpu /{ printf "%.1f", ($$2+$$3+$$4+$$7+$$8+$$9)/hz }' /proc/stat; }; \
	cpu() { [ -n "$$1" ] && awk -v a="$$1" -v b="$$(busy)" 'BEGIN { printf "%.0f", b - a }' || echo "?"; }; \
	busy0=$$(busy); \
	for part in unit notebooks site; do \
		start=$$(date +%s.%N); before=$$(busy); result=passed; \
		$(MAKE) --no-print-directory test-$$part || { status=1; result=FAILED; }; \
		report="$$report$$(printf '  %-12s %8s %13s   %s' "$$part" "$$(since $$start)" "$$(cpu $$before)" "$$result")\n"; \
	done; \
	echo; echo "make test: wall time of each part (load average: $$(cut -d' ' -f1-3 /proc/loadavg); $$(nproc) cores)"; \
	printf '  %-12s %8s %13s   %s\n' part seconds "machine CPU s" result; printf "$$report"; \
	printf '  %-12s %8s %13s\n' total "$$(since $$begin)" "$$(cpu $$busy0)"; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see above)" >&2; else echo "make test: all passed"; fi; \
	exit $$status

# optlib's unit, property and equivalence tests, its doctests, and the notebook checks
# (tests/test_notebooks.py); the site tests run in test-site. Two workers (pytest-xdist): 2 cores.
test-unit: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider -n 2 tests optlib $(addprefix --ignore=,$(SITE_TESTS) $(LIVE_TESTS)) -q

# Two notebooks at a time (pytest-xdist); loadscope keeps each notebook's cells on one worker, in order.
# 35 s instead of 54 s per pass on 2 cores. NBVAL_XDIST= (empty) runs them one after the other.
NBVAL_XDIST ?= -n 2 --dist loadscope

# nbval in strict mode: every stored output must be what the current optlib computes, on any machine.
# One pass per numeric back-end of NBVAL_BACKENDS (tests/numerics.py: which OpenBLAS kernel and which numpy
# SIMD loops; each pass prints what it really ran with). The passes also alternate the thread count
# (OMP_NUM_THREADS = 1, 2) and the order of the notebooks (forward, reversed). `make test` runs the
# machine's own numerics and an older laptop's (AVX kernel, no AVX2 loops); CI adds more
# (.ci/run: NBVAL_BACKENDS="machine sandybridge nehalem skylakex").
NBVAL_BACKENDS ?= machine sandybridge
test-notebooks: $(STAMP)
	@test -n "$(NOTEBOOKS)" || { echo "no notebooks in book/" >&2; exit 1; }
	@status=0; k=0; \
	for backend in $$($(PY) tests/numerics.py distinct $(NBVAL_BACKENDS)); do \
		k=$$((k + 1)); threads=$$(( (k - 1) % 2 + 1 )); \
		if [ $$((k % 2)) -eq 1 ]; then order="$(NOTEBOOKS)"; else order="$$(printf '%s\n' $(NOTEBOOKS) | tac)"; fi; \
		echo "nbval pass $$k: back-end $$backend, OMP_NUM_THREADS=$$threads, $$([ $$((k % 2)) -eq 1 ] && echo in order || echo reversed)"; \
		OMP_NUM_THREADS=$$threads $(PY) tests/numerics.py run $$backend -- \
			$(PY) -m pytest -p no:cacheprovider $(NBVAL_XDIST) --nbval $$order --nbval-sanitize-with $(SANITIZE) -q \
			|| status=1; \
	done; exit $$status

# tests make book's build (a copy of _build/html and its PDF) when make book's stamp says it is the build
# of the current files (tests/book_stamp.py: SHA-256 of every input and built file; pytest's header says
# which and why); otherwise builds the site into a temporary folder (and the PDF beside it, at the same
# time), as SITE_BUILD=fresh always does. Then it loads every page once in headless Chromium with the
# network cut off (tests/site_visit.py, two pages at a time, the largest first) and runs on that load:
# the site checks (test_site.py), accessibility with axe-core in
# light mode and, for the colour rules, in dark mode (test_a11y.py, counts in artifacts/axe.txt), phones
# at 390 px (test_phone.py), the page as read at 1280 px
# (test_reader_view.py: nothing cut, figures unshrunk, no test words) and the PDF's link (test_pdf.py,
# with the PDF's own checks). Seconds per page and check: artifacts/site-visits.txt.
# tests/test_live.py (the chapters live in the browser: 17-24 s for the lock, the size and chapter 1; every
# chapter Run All takes ~4 min more) runs by `make test-live` and `make test-live-all` (.ci/run), not make test
LIVE_TESTS := tests/test_live.py
SITE_TESTS := tests/test_site.py tests/test_a11y.py tests/test_phone.py tests/test_pdf.py tests/test_reader_view.py
test-site: $(STAMP) axe
	$(PY) -m pytest -p no:cacheprovider $(SITE_TESTS) -q

# `make screenshots`: the site tests, saving a full-page screenshot of every page at 1280 px
# (artifacts/screenshots/) and on the phone (artifacts/phone/) for a person to look at; no check reads them,
# and they cost ~40 s of CPU (make test-site: 239 s of the machine's CPU with them, 197 s without), so
# `make test` does not take them.
.PHONY: screenshots
screenshots: $(STAMP) axe
	SCREENSHOTS=1 $(PY) -m pytest -p no:cacheprovider $(SITE_TESTS) -q

report: $(STAMP)
	$(PY) tests/test_notebooks.py

# ---------------------------------------------------------------------------- running live
# `make lab` never opens the stored book: it serves a working copy, $(LAB_DIR) (git ignores _build/),
# made from book/ the first time; a file already in the copy is kept, so a student's runs and edits
# stay there and book/ and `git status` stay clean. `make lab-reset` replaces the copy by a fresh one.
# (--allow-root only when run as root, as in containers: Jupyter refuses root otherwise)
LAB_DIR := _build/lab
.PHONY: lab-copy lab-reset
lab: $(STAMP) lab-copy
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=$(CURDIR)/$(LAB_DIR) $(if $(filter 0,$(shell id -u)),--allow-root) \
		$(CURDIR)/$(LAB_DIR)/01-gradient-descent.ipynb

# copies every file of book/ that $(LAB_DIR) does not have yet (never overwrites)
lab-copy: $(STAMP)
	@$(PY) -c "import sys; sys.path.insert(0, '.'); from benchmarks.lab import working_copy; \
	print('make lab: working copy in', working_copy().relative_to(__import__('os').getcwd()))"

lab-reset: $(STAMP)
	rm -rf $(LAB_DIR)
	@$(MAKE) --no-print-directory lab-copy

# Re-execute every notebook in place, then strip the widget state (myst-nb would load a widget
# manager from a CDN for it) and write the kernelspec as Jupyter writes it (name python3, the display
# name of the installed kernel, "Python 3 (ipykernel)"), so that opening a notebook does not mark it
# changed. Run it after changing optlib or a notebook, then `make test`.
refresh: $(STAMP)
	@for nb in $(NOTEBOOKS); do \
		echo "executing $$nb"; \
		OMP_NUM_THREADS=1 $(VENV)/bin/jupyter execute --inplace --timeout=600 "$$nb" || exit 1; \
	done
	$(PY) -c "import nbformat, sys; from jupyter_client.kernelspec import get_kernel_spec; \
	spec = dict(name='python3', display_name=get_kernel_spec('python3').display_name, language='python'); \
	nbs = [(p, nbformat.read(p, 4)) for p in sys.argv[1:]]; \
	[(nb.metadata.pop('widgets', None), nb.metadata.__setitem__('kernelspec', spec), nbformat.write(nb, p)) \
	 for p, nb in nbs]" $(NOTEBOOKS)

# ---------------------------------------------------------------------------- other targets
# `make mutate`: breaks optlib one line at a time (momentum that forgets, NAG without its look-ahead, Adam
# without bias correction, …) and runs the chapters' claims registers against each broken copy: every
# mutation must make a claim test fail (tests/mutation.py; a few minutes, so not part of `make test`).
.PHONY: mutate
mutate: $(STAMP)
	$(PY) tests/mutation.py

# (make bench and make pdf are added below by their authors)

# `make bench`: benchmarks/ prints one table (machine, versions, threads; per-step cost against torch.optim,
# 2-D steps/s through run, slider → redraw, make test, site build, page weights), also written to
# artifacts/bench.md. torch==2.13.0 is installed into .venv here only; if that fails the benchmark still
# runs and says torch is absent. Options: make bench BENCH_ARGS="--skip book" (the library parts, ~1 min);
# make bench BENCH_ARGS="--only e2e": the live latency alone (JupyterLab on a loopback port, a fresh copy of
# the book in _build/bench/lab, Chromium by playwright: key press on a slider → new figure; ~10 min).
.PHONY: bench
bench: $(STAMP)
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --disable-pip-version-check -q torch==2.13.0 \
		|| echo "make bench: could not install torch==2.13.0: the torch columns will be empty" >&2
	$(PY) -m benchmarks $(BENCH_ARGS)

# `make pdf`: one PDF of the whole book from the stored outputs, nothing executed (pdf/make_pdf.py): a
# single-page build in _build/pdf/ printed by Debian's Chromium (no TeX; the site's offline MathJax; the
# browser's bidi for the Arabic sentence), copied to _build/html/optimizers-book.pdf, which the footer of
# every page links. `make book` makes it first, so the link is never dead; without /usr/bin/chromium it
# says so, and the site is built without the link.
.PHONY: pdf axe
pdf: $(STAMP)
	@rm -f $(BOOK_STAMP)
	$(PY) pdf/make_pdf.py --build-dir _build/pdf --copy-to _build/html

book: pdf

# ---------------------------------------------------------------------------- the chapters live in the browser
# `make live` (make book does it first): JupyterLite + Pyodide 0.27.7, every notebook of the book, built by
# book/_live/build.py into _build/live/lite (tools pinned in book/_live/requirements.txt, venv .venv/lite;
# downloads cached in .venv/live-cache, every Pyodide wheel checked against npm's official lock); the
# extension book/_live/live_ext.py copies it to _build/html/lite and puts "Run this chapter live" on every
# chapter. If a part cannot be had or fails its hash, it says so and the site is built without it (with
# CI set, it fails). `make serve`: the live part needs HTTP; PORT=8001 for another port.
# `make test-live` (tests/test_live.py, ~20 s): the lock's hashes, the size budget, chapter 1 live (run, slider,
# check, save, Reset). `make test-live-all` (.ci/run): the same session plus every notebook Run All in the
# browser, no error in any cell (one server, one browser; a few minutes).
# make bench BENCH_ARGS="--only live": kernel start, imports, Run All, slider → figure, the check, cold and
# warm, per widget chapter (benchmarks/live.py; --widgets 01 for one chapter).
PORT ?= 8000
.PHONY: live serve test-live test-live-all
live: $(STAMP)
	$(PY) book/_live/build.py

book: live

serve: $(STAMP)
	$(PY) book/_live/serve.py --port $(PORT)

test-live: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider tests/test_live.py -q

test-live-all: $(STAMP)
	LIVE_ALL=1 $(PY) -m pytest -p no:cacheprovider tests/test_live.py -q

# `make axe`: the axe-core accessibility engine for tests/test_a11y.py, pinned, from npm into .venv/node
# (the repository has no package.json). Without npm the accessibility tests skip (fail when CI is set).
AXE_VERSION := 4.14.1
AXE_STAMP := $(VENV)/node/.axe-core-$(AXE_VERSION)
axe: $(AXE_STAMP)

$(AXE_STAMP):
	@if command -v npm >/dev/null; then \
		npm install --no-save --no-audit --no-fund --prefix $(VENV)/node axe-core@$(AXE_VERSION) && touch $@; \
	else echo "make axe: npm is missing (Debian: apt-get install npm): accessibility tests will skip" >&2; fi

clean:
	rm -rf _build artifacts .pytest_cache .hypothesis

distclean: clean
	rm -rf $(VENV)
