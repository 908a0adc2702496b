"""Make one PDF of the whole book from the stored outputs: ``make pdf`` runs this.

Route: a single-page HTML build (``jupyter-book build . --builder singlehtml``, nothing executed), printed
by Debian's Chromium (/usr/bin/chromium) driven by Python playwright's ``page.pdf()``. Why this route and
not LaTeX: it needs no TeX distribution, reuses the offline MathJax of the website (so equations look the
same), and lays out the notes' Arabic sentence right-to-left with the browser's own bidi algorithm and
fonts. Nothing is downloaded: playwright is told to use the system Chromium, and every request that does
not go to the local server is aborted and reported as an error.

The page is printed only after MathJax has typeset everything (``MathJax.startup.promise``) and every image
has loaded. Animations (matplotlib ``to_jshtml``) print as their first frame, their controls hidden by
``pdf/static/reader.css`` (``@media print``).

Usage::

    python pdf/make_pdf.py [--build-dir _build/pdf] [--out _build/pdf/optimizers-book.pdf]
                           [--copy-to _build/html] [--skip-build]

Exit status 0 with the PDF written; 1 on any error. Where /usr/bin/chromium is missing it prints why and
exits 0 without a PDF, unless the environment variable CI is set (then 1).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
PDF_NAME = "optimizers-book.pdf"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the build's log is enough
        pass


def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 (a free port) from a daemon thread; returns (server, base URL)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def build_singlehtml(build_dir: Path, strict: bool = True) -> Path:
    """Build the book as one HTML page into ``build_dir``; return the folder holding it."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--builder", "singlehtml", "--path-output", str(build_dir)]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    print("make_pdf:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)
    return build_dir / "_build" / "singlehtml"


WAIT_FOR_PAGE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); })));
  await document.fonts.ready;
  return {
    math: document.querySelectorAll('mjx-container').length,
    images: document.images.length,
    broken: [...document.images].filter(img => !img.naturalWidth).map(img => img.id || img.src).slice(0, 5),
  };
}"""


def print_pdf(html_dir: Path, out: Path) -> dict:
    """Print the single page of ``html_dir`` to ``out`` with Chromium; return what was seen.

    Sphinx's singlehtml builder writes the page for the root document ``book/index`` to
    ``book/index.html`` but with paths relative to the build's top folder (``_static/…``,
    ``_images/…``), so it is printed from a copy at the top, ``_print.html``.
    """
    from playwright.sync_api import sync_playwright

    page_file = html_dir / "_print.html"
    shutil.copy2(html_dir / "book" / "index.html", page_file)
    server, base = serve(html_dir)
    outside: list[str] = []
    errors: list[str] = []

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.route("**/*", route)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/{page_file.name}", wait_until="load", timeout=180_000)
            seen = page.evaluate(WAIT_FOR_PAGE)
            page.emulate_media(media="print")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(
                path=str(out), format="A4", print_background=True, outline=True, tagged=True,
                margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=(
                    '<div style="font-size:8px;width:100%;text-align:center;color:#444">'
                    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
                ),
            )
            browser.close()
    finally:
        server.shutdown()
    if seen["broken"]:
        raise RuntimeError(f"images that did not load: {seen['broken']}")
    if outside:
        raise RuntimeError(f"the page asked for {len(outside)} resource(s) off this machine: {outside[:5]}")
    # sphinx-thebe puts its `const THEBE_JS_URL` snippet once per chapter, so the single page
    # declares it again for every chapter after the first: harmless (thebe is off), and expected.
    errors = [e for e in errors if "THEBE_JS_URL" not in e]
    if errors:
        raise RuntimeError(f"JavaScript errors while printing: {errors[:5]}")
    return seen


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", type=Path, default=ROOT / "_build" / "pdf")
    ap.add_argument("--out", type=Path, default=None, help="default: BUILD_DIR/optimizers-book.pdf")
    ap.add_argument("--copy-to", type=Path, action="append", default=[],
                    help="also copy the PDF into this folder (e.g. _build/html, where the site links it)")
    ap.add_argument("--skip-build", action="store_true", help="print an existing single-page build")
    ap.add_argument("--no-strict", action="store_true", help="do not turn build warnings into errors")
    args = ap.parse_args(argv)

    if not CHROMIUM.exists():
        msg = f"make_pdf: {CHROMIUM} is missing (apt-get install chromium): no PDF made"
        print(msg, file=sys.stderr)
        return 1 if os.environ.get("CI") else 0

    start = time.time()
    build_dir = args.build_dir.resolve()
    html_dir = build_dir / "_build" / "singlehtml"
    if not args.skip_build:
        html_dir = build_singlehtml(build_dir, strict=not args.no_strict)
    out = (args.out or build_dir / PDF_NAME).resolve()
    seen = print_pdf(html_dir, out)
    for folder in args.copy_to:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out, folder / PDF_NAME)
    print(f"make_pdf: {out} ({out.stat().st_size / 1e6:.1f} MB; {seen['math']} equations, "
          f"{seen['images']} images) in {time.time() - start:.0f} s")
    for folder in args.copy_to:
        print(f"make_pdf: copied to {(folder / PDF_NAME).resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
