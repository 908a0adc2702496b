"""Shared fixtures: where the repository is, and which pages the table of contents lists;
the built website and PDF (one build per session), served on 127.0.0.1, and a browser."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the test modules and this file import tests/site_visit.py (the shared page visit) by name
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's top folder (where _config.yml and _toc.yml are)."""
    return ROOT


# --------------------------------------------------------------------------- the built site, shared
# One build per test session for every module that looks at the website in a browser
# (test_a11y.py, test_phone.py, test_pdf.py; test_site.py can drop its own copies of `site`, `server`
# and `browser`, which have the same names and return the same things, to share this build too).
# The PDF is made first (pdf/make_pdf.py: a single-page build printed by Chromium) and copied into the
# HTML folder, so that the site's pages link it exactly as after `make book`.

sys.path.insert(0, str(ROOT / "pdf"))
from browser import ARGS as CHROMIUM_ARGS, MISSING, chromium  # noqa: E402  (pdf/browser.py)

#: Debian's Chromium, or playwright's own where Debian's is absent (pdf/browser.py); "" when neither
CHROMIUM = chromium() or ""
PDF_NAME = "optimizers-book.pdf"


def _chromium_or_skip():
    """Skip the calling test where no Chromium is found (pdf/browser.py); fail instead when CI is set."""
    if not CHROMIUM:
        reason = f"{MISSING}; the site is not checked in a browser"
        if os.environ.get("CI"):
            pytest.fail(reason + " and CI is set")
        pytest.skip(reason)


def toc_files() -> list[str]:
    """The pages _toc.yml lists, as paths without suffix relative to the root ("book/01-gradient-descent")."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return [str(Path(f).with_suffix("")) if Path(f).suffix in (".md", ".ipynb") else f for f in files]


@pytest.fixture(scope="session")
def toc_pages() -> list[str]:
    """:func:`toc_files` for tests: the pages _toc.yml lists."""
    return toc_files()


def site_pages() -> list[str]:
    """Every page a reader can reach: those of _toc.yml ("book/index", ...), then search and genindex."""
    return toc_files() + ["search", "genindex"]


def pytest_generate_tests(metafunc):
    """A test that takes ``site_page`` runs once per page of site_pages(), named by the page."""
    if "site_page" in metafunc.fixturenames:
        pages = site_pages()
        metafunc.parametrize("site_page", pages, ids=[Path(p).name for p in pages])


# `make book` leaves a stamp (tests/book_stamp.py) with the SHA-256 of every input of its build and of every
# file it built. When the stamp matches the current files exactly, the session tests a copy of that build
# (what the reader opens: _build/html and its PDF) instead of building again; otherwise it builds into a
# temporary folder as below. SITE_BUILD=fresh always builds afresh.
BUILD_REASON: dict = {"why": "not decided yet"}


def _reuse_make_book(out: Path) -> dict | None:
    """`make book`'s build, copied into ``out`` and checked against its stamp, as ``built_book`` returns it;
    None when it is out of date (the reason is in BUILD_REASON)."""
    import book_stamp  # tests/ is on sys.path (see the top of this file)

    ok, why = _stamp_check()
    BUILD_REASON["why"] = why
    if not ok:
        return None
    copy = book_stamp.copy_checked(out)
    if copy is None:
        BUILD_REASON["why"] = "_build changed while it was copied (make book running?)"
        return None
    pdf = copy["pdf"]

    def finish_pdf():
        if not pdf:  # make book ran without a Chromium: make_pdf.py said so and made no PDF
            return None, "make book made no PDF (no Chromium then)", None
        return pdf, "", 0

    return {"html": copy["html"], "log": copy["log"], "code": 0, "finish_pdf": finish_pdf,
            "source": f"make book's build, copied to {out} ({why})"}


@functools.lru_cache(maxsize=None)
def _stamp_check() -> tuple[bool, str]:
    """tests/book_stamp.py's check, once per session: (is make book's build up to date, why)."""
    import book_stamp  # tests/ is on sys.path (see the top of this file)

    if os.environ.get("SITE_BUILD") == "fresh":
        return False, "SITE_BUILD=fresh"
    return book_stamp.check()


def pytest_report_header(config):
    """Says which build the site tests test, and why."""
    if any(Path(str(a).split("::")[0]).name in SITE_TEST_FILES for a in config.args):
        ok, why = _stamp_check()
        return ("site tests: " + ("testing make book's build in _build (a checked copy): " if ok else
                                  "building the site and the PDF into a temporary folder: ") + why)
    return None


def pytest_terminal_summary(terminalreporter):
    """At the end (also under -q): which build the site tests tested."""
    if BUILD_SOURCE:
        terminalreporter.write_line(f"site tests: tested {BUILD_SOURCE[0]}")


BUILD_SOURCE: list = []  # what built_book returned: make book's build (copied) or a fresh one, and why
SITE_TEST_FILES = {"test_site.py", "test_a11y.py", "test_phone.py", "test_pdf.py", "test_reader_view.py"}


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The website, and (where Chromium exists) the PDF: `make book`'s when its stamp says it is up to date
    (see _reuse_make_book), else both built at the same time into one temporary folder.

    Returns, once the website is built, a dict: ``html`` (folder), ``log`` and ``code`` of the HTML
    build, and ``finish_pdf``: a function that waits for pdf/make_pdf.py and returns (PDF path or None,
    its log, its exit code), the PDF copied into the HTML folder. The page checks run while the PDF is
    being printed; the fixture ``book_pdf`` waits for it.
    """
    out = tmp_path_factory.mktemp("book")
    reused = _reuse_make_book(out)
    if reused:
        BUILD_SOURCE.append(reused["source"])
        yield reused
        return
    html = out / "_build" / "html"
    result = {"html": html, "source": f"a fresh build into {out} ({BUILD_REASON['why']})"}
    BUILD_SOURCE.append(result["source"])
    # The two builds run at the same time (two processes: about half the wall time on two cores). The
    # website is told that the PDF will be beside it (READER_PDF_PENDING, pdf/reader_ext.py), so its pages
    # link it as after `make book`; the PDF is copied in when it is done (test_pdf.py checks the link's
    # target exists).
    pdf_proc = None
    if CHROMIUM:
        pdf_out = open(out / "make_pdf.log", "w+", encoding="utf-8")  # a file: a full pipe would stall it
        pdf_proc = subprocess.Popen(
            [sys.executable, str(ROOT / "pdf" / "make_pdf.py"), "--build-dir", str(out / "pdf")],
            stdout=pdf_out, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(ROOT), "-W", "-n", "--keep-going",
           "--path-output", str(out)]
    env = dict(os.environ, READER_PDF_PENDING="1") if pdf_proc else None
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT, env=env)
    result.update(log=proc.stdout + proc.stderr, code=proc.returncode)
    done: dict = {}

    def finish_pdf():
        if not done:
            done.update(pdf=None, log="", code=None)
            if pdf_proc:
                try:
                    pdf_proc.wait(timeout=900)
                except subprocess.TimeoutExpired:
                    pdf_proc.kill()
                    pdf_proc.wait()
                pdf_out.seek(0)
                done.update(log=pdf_out.read(), code=pdf_proc.returncode)
                pdf_out.close()
                if (out / "pdf" / PDF_NAME).is_file():
                    done["pdf"] = out / "pdf" / PDF_NAME
                    if html.is_dir():
                        shutil.copy2(done["pdf"], html / PDF_NAME)
        return done["pdf"], done["log"], done["code"]

    result["finish_pdf"] = finish_pdf
    yield result
    finish_pdf()  # never leave make_pdf.py running


@pytest.fixture(scope="session")
def book_pdf(built_book) -> Path:
    """The PDF that pdf/make_pdf.py printed for this session's build (skips without Chromium)."""
    _chromium_or_skip()
    pdf, log, code = built_book["finish_pdf"]()
    assert code == 0 and pdf, f"pdf/make_pdf.py exited {code}:\n{log[-4000:]}"
    return pdf


@pytest.fixture(scope="session")
def site(built_book):
    """(html folder, build log, exit code) of the website build, as test_site.py's fixture."""
    return built_book["html"], built_book["log"], built_book["code"]


@pytest.fixture(scope="session")
def server(site):
    """Serve the built HTML on 127.0.0.1 (a free port) from a thread; yield the base URL."""
    html, _, _ = site
    if not html.is_dir():
        pytest.fail("the build wrote no HTML (see test_build_has_no_warnings)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's, or playwright's own where Debian's is absent) driven by playwright."""
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


# --------------------------------------------------------------------------- one load per page, shared
# tests/site_visit.py loads each page once and runs on that load every browser check the collected tests
# need (site, PDF link, reader view, axe light and dark, animations, phone). A test module declares the
# steps it needs in VISIT_STEPS and takes the fixture `visited`: visited(page, step) -> what that step saw.
# The pages the collected tests ask for are visited in the background by VISIT_WORKERS threads (each
# with its own playwright and Chromium: two pages are worked on at once, one per core), in the order
# of the tests, from the first call of `visited` on; a test waits for its page only.

VISIT_WORKERS = int(os.environ.get("VISIT_WORKERS", "2"))
_VISIT_STEPS: set = set()
_VISIT_PAGES: list = []


def pytest_collection_modifyitems(session, config, items):
    """Note which pages and which steps of the shared page visit the collected tests need."""
    for item in items:
        if "visited" in getattr(item, "fixturenames", ()):
            _VISIT_STEPS.update(getattr(item.module, "VISIT_STEPS", ()))
            params = getattr(getattr(item, "callspec", None), "params", {})
            page = params.get("site_page") or params.get("page")
            if page and page not in _VISIT_PAGES:
                _VISIT_PAGES.append(page)


class _Visits:
    """The page visits, done by worker threads; ``get(page)`` waits for one."""

    def __init__(self, server: str, pages: list, steps: set, workers: int):
        import queue

        self.server, self.steps = server, set(steps)
        self.results: dict = {}
        self.done = {page: threading.Event() for page in pages}
        self.todo: queue.Queue = queue.Queue()
        for page in pages:
            self.todo.put(page)
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(max(1, workers))]
        for t in self.threads:
            t.start()

    def _work(self):
        import queue
        import traceback

        import site_visit  # tests/ is on sys.path (see the top of this file)
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                while True:
                    try:
                        page = self.todo.get_nowait()
                    except queue.Empty:
                        break
                    self.results[page] = site_visit.visit(browser, self.server, page, self.steps)
                    self.done[page].set()
                browser.close()
        except Exception:  # noqa: BLE001 -- every page not visited reports it
            error = {"error": traceback.format_exc()}
            for page, event in self.done.items():
                if not event.is_set():
                    self.results.setdefault(page, {"page": page, **{s: error for s in self.steps}})
                    event.set()

    def get(self, page: str, timeout: float = 600) -> dict | None:
        event = self.done.get(page)
        if event is None:
            return None
        assert event.wait(timeout), f"{page}: the page visit did not finish within {timeout} s"
        return self.results[page]


@pytest.fixture(scope="session")
def visited(site, server, browser):
    """visited(page, step) -> what the step ``step`` of tests/site_visit.py saw on ``page`` (each page is
    loaded once for every step the session needs, by the background workers); fails the test with the
    step's error if it raised."""
    import site_visit  # tests/ is on sys.path (see the top of this file)

    # the largest pages first (counted in tags, "<": a visit's time grows with the number of elements,
    # not with the bytes of an animation's frames), so that the workers do not end with one long page
    # each after the other has finished
    html = site[0]
    size = {p: (html / f"{p}.html").read_bytes().count(b"<") if (html / f"{p}.html").is_file() else 0
            for p in _VISIT_PAGES}
    visits = _Visits(server, sorted(_VISIT_PAGES, key=lambda p: -size[p]), _VISIT_STEPS, VISIT_WORKERS)
    extra: dict = {}

    def _get(page: str, step: str) -> dict:
        result = visits.get(page)
        seen = result.get(step) if result else None
        if seen is None:  # a page or step no collected test declared: load it here
            extra.setdefault(page, {}).update(site_visit.visit(browser, server, page, {step}))
            seen = extra[page][step]
        if "error" in seen:
            pytest.fail(f"{page}: the step {step!r} of the page visit raised:\n{seen['error']}")
        return seen

    yield _get
    for t in visits.threads:
        t.join(timeout=60)
    _write_visit_times({**visits.results})


def _write_visit_times(results: dict) -> None:
    """artifacts/site-visits.txt: the seconds each page's load and each step took (where the time goes)."""
    if not results:
        return
    steps = ["load"] + [s for s in ("site", "pdf_link", "reader", "axe", "animation", "phone")
                        if any(s in r.get("seconds", {}) for r in results.values())]
    # the axe step's two runs apart: every rule in light mode, the colour rules (or all) in dark mode
    split = [s for s in ("light", "dark") if any(s in ((r.get("axe") or {}).get("seconds") or {})
                                                  for r in results.values())]
    lines = [f"seconds per page visit ({VISIT_WORKERS} at a time), tests/site_visit.py"
             + ("; axe = its light run + its dark run (+ switching)" if split else ""),
             "page".ljust(28) + "".join(f"{s:>10}" for s in steps) + f"{'total':>10}"
             + "".join(f"{'axe ' + s:>11}" for s in split)]
    totals = dict.fromkeys(steps + [f"axe {s}" for s in split], 0.0)
    for page, r in results.items():
        sec = r.get("seconds", {})
        axe_sec = (r.get("axe") or {}).get("seconds") or {}
        for s in steps:
            totals[s] += sec.get(s, 0.0)
        for s in split:
            totals[f"axe {s}"] += axe_sec.get(s, 0.0)
        lines.append(page.ljust(28) + "".join(f"{sec.get(s, 0.0):>10.1f}" for s in steps)
                     + f"{sum(sec.values()):>10.1f}" + "".join(f"{axe_sec.get(s, 0.0):>11.1f}" for s in split))
    lines.append("sum".ljust(28) + "".join(f"{totals[s]:>10.1f}" for s in steps)
                 + f"{sum(totals[s] for s in steps):>10.1f}" + "".join(f"{totals['axe ' + s]:>11.1f}" for s in split))
    out = ROOT / "artifacts" / "site-visits.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def open_page(server, browser):
    """open_page(page, **context_options) -> (context, page, outside): a new browser context on the built
    page ``page`` ("book/index", ...), loaded with the network cut off (any request not to the local server
    is recorded in ``outside`` and aborted), MathJax finished, fonts and images loaded. Close the context."""

    def _open(page: str, **context_options):
        context = browser.new_context(service_workers="block", **context_options)
        outside: list = []

        def route(r):
            url = r.request.url
            if url.startswith(server) or url.split(":", 1)[0] in ("data", "blob", "about"):
                r.continue_()
            else:
                outside.append(url)
                r.abort()

        pg = context.new_page()
        pg.route("**/*", route)
        pg.goto(f"{server}/{page}.html", wait_until="load", timeout=60_000)
        import site_visit  # tests/ is on sys.path (see the top of this file)

        pg.evaluate(site_visit.WAIT_FOR_PAGE)
        return context, pg, outside

    return _open


