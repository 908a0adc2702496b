"""The book: the time of ``make test`` after set-up, the site build from stored outputs, each page's weight.

``make test`` and the build run as a reader runs them (the original environment, not the benchmark's
one-thread settings). The build goes to a fresh temporary folder, so it is a full build from the stored
outputs (the book never executes a notebook while building), with ``make book``'s flags.

A page's weight is what a reader's browser transfers on a cold first load of it (:func:`cold_loads`: an
empty cache, headless Chromium, the page served over HTTP on 127.0.0.1; the page and every file it loads,
theme, MathJax and its fonts, figures; from the Resource Timing API), counted as a web host sends it: text
files gzip-compressed, images and fonts as they are (the uncompressed bytes beside it); the target is
2 MB in all.
Without a Chromium it falls back to a count from the files: the page's HTML plus the files only it uses,
with the files several pages use counted once in a row of their own.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Set
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: List[str], env: dict, log: Path) -> dict:
    """Run ``cmd`` in the project root, its output into ``log``; its exit status and seconds."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(log, "w") as out:
        status = subprocess.run(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    return {"seconds": time.perf_counter() - start, "status": status, "log": str(log.relative_to(ROOT))}


_PYTEST_SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed|error|skipped)[^\n]*?) in ([\d.]+)s", re.M)


def make_test(env: dict, artifacts: Path) -> dict:
    setup = subprocess.run(["make", "-s", "venv"], cwd=ROOT, env=env, capture_output=True, text=True)
    if setup.returncode != 0:
        return {"seconds": float("nan"), "status": setup.returncode, "log": "make venv failed: " + setup.stderr[-300:]}
    log = artifacts / "bench-make-test.log"
    result = timed(["make", "--no-print-directory", "test"], env, log)
    # where the time went: the summary line of each pytest run, in order (unit, nbval ×2, site)
    result["parts"] = [(m.group(1), float(m.group(2))) for m in _PYTEST_SUMMARY.finditer(log.read_text(errors="replace"))]
    return result


def site_build(env: dict, artifacts: Path, out_dir: Path) -> dict:
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb), "build", ".", "-W", "-n", "--keep-going", "--path-output", str(out_dir)]
    return timed(cmd, env, artifacts / "bench-build.log")


class _Refs(HTMLParser):
    """The URLs a page loads: images, scripts, stylesheets, icons, media."""

    def __init__(self):
        super().__init__()
        self.urls: List[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("img", "script", "source", "video", "audio", "embed", "iframe") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href") and any(r in (a.get("rel") or "") for r in
                                                   ("stylesheet", "preload", "icon", "modulepreload")):
            self.urls.append(a["href"])
        if tag == "object" and a.get("data"):
            self.urls.append(a["data"])


_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def _local(base: Path, url: str, site: Path):
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None  # data: URIs are inside the HTML already; remote URLs are not in the site
    path = (base / unquote(parts.path)).resolve()
    return path if path.is_file() and site in path.parents else None


def _closure(path: Path, site: Path, seen: Set[Path]) -> Set[Path]:
    """``path`` and what it loads itself (url(...) in CSS)."""
    if path in seen:
        return set()
    seen.add(path)
    found = {path}
    if path.suffix == ".css":
        for url in _CSS_URL.findall(path.read_text(errors="replace")):
            sub = _local(path.parent, url, site)
            if sub is not None:
                found |= _closure(sub, site, seen)
    return found


def page_weights(html_dir: Path, cold: bool = False) -> dict:
    """{"pages": [{page, html, own, total}], "shared": bytes, "shared_files": count} for a built site;
    with ``cold``, each page's cold first load in Chromium too (keys cold, cold_files)."""
    site = html_dir.resolve()
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts and "lite" not in p.parts and p.name not in
                   ("genindex.html", "search.html", "py-modindex.html"))
    uses: Dict[Path, Set[Path]] = {}
    for page in pages:
        parser = _Refs()
        parser.feed(page.read_text(errors="replace"))
        files: Set[Path] = set()
        for url in parser.urls:
            path = _local(page.parent, url, site)
            if path is not None:
                files |= _closure(path, site, set())
        uses[page] = files
    count: Dict[Path, int] = {}
    for files in uses.values():
        for f in files:
            count[f] = count.get(f, 0) + 1
    shared = {f for f, c in count.items() if c > 1}
    # a local MathJax loads its fonts at run time (CHTML output: the woff-v2 folder): count them once too
    mathjax = sorted({f.parent for f in count if f.parent.name.lower() == "mathjax" and f.suffix == ".js"})
    for d in mathjax:
        shared |= {f for f in d.rglob("woff-v2/*") if f.is_file()}
    rows = []
    for page in pages:
        own = sum(f.stat().st_size for f in uses[page] - shared)
        html = page.stat().st_size
        rows.append({"page": str(page.relative_to(site)), "html": html, "own": own, "total": html + own})
    try:
        cold = cold_loads(site, [r["page"] for r in rows]) if cold else {}
    except Exception as exc:  # noqa: BLE001 -- the file count still stands; say why the browser did not
        print(f"benchmarks.book: no cold-load measurement ({exc})", file=sys.stderr)
        cold = {}
    for r in rows:
        if r["page"] in cold:
            r["cold"], r["cold_files"] = cold[r["page"]]["sent"], cold[r["page"]]["files"]
            r["cold_raw"] = cold[r["page"]]["total"]
    return {"pages": rows, "shared": sum(f.stat().st_size for f in shared), "shared_files": len(shared),
            "mathjax_local": bool(mathjax), "cold": bool(cold)}


COLD_LOAD = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  if (document.fonts && document.fonts.ready) await document.fonts.ready;
  await new Promise(r => setTimeout(r, 300));
  const size = e => e.encodedBodySize || e.transferSize || 0;
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const files = res.map(e => [new URL(e.name).pathname, size(e)]);
  if (nav) files.unshift([location.pathname, size(nav)]);
  return {total: files.reduce((a, f) => a + f[1], 0), list: files, files: files.length};
}"""
_TEXT = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".xml")


def _sent(html_dir: Path, path: str, raw: int) -> int:
    """What a web host sends for ``path``: a text file gzip-compressed (level 6), anything else as is."""
    import gzip

    local = html_dir / unquote(path.lstrip("/"))
    if local.suffix in _TEXT and local.is_file():
        return len(gzip.compress(local.read_bytes(), compresslevel=6))
    return raw


def cold_loads(html_dir: Path, pages: List[str]) -> Dict[str, dict]:
    """{page: {"total": bytes, "files": count}}: each page loaded once in a fresh browser context (an
    empty cache), requests off the machine aborted. {} without a Chromium (pdf/browser.py)."""
    import functools
    import http.server
    import threading

    sys.path.insert(0, str(ROOT / "pdf"))
    from browser import ARGS, chromium  # pdf/browser.py

    if not chromium():
        return {}
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    out: Dict[str, dict] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=ARGS)
            for page in pages:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                pg = context.new_page()
                pg.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                pg.goto(f"{base}/{page}", wait_until="load", timeout=120_000)
                try:
                    seen = pg.evaluate(COLD_LOAD)
                except Exception:  # noqa: BLE001 -- a page that redirects (index.html): measure where it lands
                    pg.wait_for_load_state("load")
                    seen = pg.evaluate(COLD_LOAD)
                seen["sent"] = sum(_sent(html_dir, u, b) for u, b in seen.pop("list"))
                out[page] = seen
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return out


def measure(run_tests: bool = True, build: bool = True) -> dict:
    from . import ORIGINAL_ENV

    env = dict(ORIGINAL_ENV)
    artifacts = ROOT / "artifacts"
    result: dict = {}
    if run_tests:
        result["make_test"] = make_test(env, artifacts)
    if build:
        with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
            result["build"] = site_build(env, artifacts, Path(tmp))
            html = Path(tmp) / "_build" / "html"
            result["weights"] = page_weights(html, cold=True) if html.is_dir() else None
    return result


if __name__ == "__main__":  # python -m benchmarks.book DIR: the page weights of an already built site
    weights = page_weights(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html", cold=True)
    for row in weights["pages"]:
        cold = (f"  cold load {row['cold'] / 1e6:6.3f} MB sent ({row['cold_raw'] / 1e6:.3f} MB uncompressed) "
                f"in {row['cold_files']} files" if "cold" in row else "")
        print(f"{row['total'] / 1e6:8.3f} MB  {row['page']}{cold}")
    print(f"{weights['shared'] / 1e6:8.3f} MB  shared by several pages ({weights['shared_files']} files)")
