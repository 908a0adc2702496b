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

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PDF_NAME = "optimizers-book.pdf"


def _chromium_or_skip():
    """Skip the calling test where Debian's Chromium is missing; fail instead when CI is set."""
    if not (Path(CHROMIUM).exists() and shutil.which(CHROMIUM)):
        reason = f"{CHROMIUM} is missing (Debian: apt-get install chromium); the site is not checked in a browser"
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


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The PDF (where Chromium exists), then the website, built into one temporary folder.

    Returns a dict: ``html`` (folder), ``log`` and ``code`` of the HTML build, ``pdf`` (path, or None),
    ``pdf_log`` and ``pdf_code`` of pdf/make_pdf.py.
    """
    out = tmp_path_factory.mktemp("book")
    html = out / "_build" / "html"
    result = {"html": html, "pdf": None, "pdf_log": "", "pdf_code": None}
    if Path(CHROMIUM).exists():
        proc = subprocess.run(
            [sys.executable, str(ROOT / "pdf" / "make_pdf.py"), "--build-dir", str(out / "pdf"),
             "--copy-to", str(html)],
            capture_output=True, text=True, timeout=900, cwd=ROOT)
        result.update(pdf_log=proc.stdout + proc.stderr, pdf_code=proc.returncode)
        if (out / "pdf" / PDF_NAME).is_file():
            result["pdf"] = out / "pdf" / PDF_NAME
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(ROOT), "-W", "-n", "--keep-going",
           "--path-output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    result.update(log=proc.stdout + proc.stderr, code=proc.returncode)
    return result


@pytest.fixture(scope="session")
def book_pdf(built_book) -> Path:
    """The PDF that pdf/make_pdf.py printed for this session's build (skips without Chromium)."""
    _chromium_or_skip()
    assert built_book["pdf_code"] == 0 and built_book["pdf"], (
        f"pdf/make_pdf.py exited {built_book['pdf_code']}:\n{built_book['pdf_log'][-4000:]}")
    return built_book["pdf"]


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
    """Headless Debian Chromium driven by playwright (never playwright's own download)."""
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


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
        pg.evaluate(_WAIT_FOR_PAGE)
        return context, pg, outside

    return _open


_WAIT_FOR_PAGE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  if (document.fonts && document.fonts.ready) { await document.fonts.ready; }
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); })));
}"""
