"""The book: the time of ``make test`` after set-up, the site build from stored outputs, each page's weight.

``make test`` and the build run as a reader runs them (the original environment, not the benchmark's
one-thread settings). The build goes to a fresh temporary folder, so it is a full build from the stored
outputs (the book never executes a notebook while building), with ``make book``'s flags.

A page's weight is its HTML plus the files only it uses (its figures, animations, scripts). Files that
several pages use (the theme's CSS and JavaScript, fonts, MathJax) are counted once, in a row of their
own, together with what they load themselves (fonts named in CSS; MathJax's CHTML fonts when it is local).
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


def page_weights(html_dir: Path) -> dict:
    """{"pages": [{page, html, own, total}], "shared": bytes, "shared_files": count} for a built site."""
    site = html_dir.resolve()
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts and p.name not in
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
    return {"pages": rows, "shared": sum(f.stat().st_size for f in shared), "shared_files": len(shared),
            "mathjax_local": bool(mathjax)}


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
            result["weights"] = page_weights(html) if html.is_dir() else None
    return result


if __name__ == "__main__":  # python -m benchmarks.book DIR: the page weights of an already built site
    weights = page_weights(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html")
    for row in weights["pages"]:
        print(f"{row['total'] / 1e6:8.3f} MB  {row['page']}")
    print(f"{weights['shared'] / 1e6:8.3f} MB  shared by several pages ({weights['shared_files']} files)")
