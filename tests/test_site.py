"""The built website, loaded page by page in a real browser with the network cut off.

A session fixture builds the site into a temporary folder (``jupyter-book build -W -n --keep-going``)
and serves it over HTTP on 127.0.0.1. Headless Debian Chromium, driven by playwright, loads every page
of _toc.yml. Every request is routed: one whose host is not 127.0.0.1 is recorded and aborted. Each page
must then show

* no request that left the machine, no console error, no page error, no failed local request;
* no script, style sheet or font referenced from another host (nor a widget manager or require.js);
* math rendered by the vendored MathJax: every math element holds an ``mjx-container``, MathJax's fonts
  came from 127.0.0.1, and no raw TeX delimiter ($$, \\(, \\[, \\begin{) is left in the text;

and, with SCREENSHOTS=1 (`make screenshots`), a full-page screenshot is saved to
artifacts/screenshots/<page>.jpg for a person to look at.
Without a Chromium (pdf/browser.py) the browser tests are skipped, unless the environment variable CI is set.
"""

from __future__ import annotations

import re

import pytest
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1"}
RAW_TEX = ("$$", "\\(", "\\)", "\\[", "\\]", "\\begin{")

# The fixtures `site` (html folder, build log, exit code of `jupyter-book build -W -n --keep-going` into a
# temporary folder), `server` (that folder on http://127.0.0.1:<free port>, from a thread) and `browser`
# (headless Chromium through playwright; skipped without one, failed when CI is set)
# live in tests/conftest.py, shared with the other browser tests so that one session builds once and
# starts one playwright. A test taking `site_page` runs once per page (_toc.yml's pages, search, genindex).
# Each page is loaded once for all the browser tests (the fixture `visited`, tests/site_visit.py).


# --------------------------------------------------------------------------- the tests


def test_build_has_no_warnings(site):
    html, log, code = site
    warnings = [ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln]
    assert code == 0 and not warnings, (
        f"jupyter-book build -W -n exited {code} with {len(warnings)} warnings/errors:\n" + "\n".join(warnings[:40])
        + ("" if warnings else "\n" + log[-3000:]))


def test_mathjax_is_vendored(site):
    html, _, _ = site
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file(), "MathJax was not copied into _static/mathjax"
    fonts = list((html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert fonts, "MathJax's CHTML fonts were not copied"


VISIT_STEPS = ("site",)  # of the shared page visit (tests/site_visit.py: its INSPECT script)


def test_page(site_page, site, visited):
    page = site_page
    html, _, _ = site
    assert (html / f"{page}.html").is_file(), f"{page}.html was not built"
    seen = visited(page, "site")  # loaded at 1280 x 900 (make screenshots: artifacts/screenshots/)
    info, outside, console_errors = seen["info"], seen["outside"], seen["console_errors"]
    page_errors, failed_local, font_hits = seen["page_errors"], seen["failed_local"], seen["font_hits"]

    problems = []
    if outside:
        problems.append(f"requests that left the machine (aborted): {sorted(set(outside))[:10]}")
    if console_errors:
        problems.append(f"console errors: {console_errors[:10]}")
    if page_errors:
        problems.append(f"page errors: {page_errors[:10]}")
    if failed_local:
        problems.append(f"local requests that failed: {failed_local[:10]}")
    remote = [(kind, url) for kind, url in info["refs"]
              if urlparse(url).scheme not in ("data", "blob") and urlparse(url).hostname not in LOCAL_HOSTS]
    if remote:
        problems.append(f"references to other hosts: {remote[:10]}")
    managers = [url for _, url in info["refs"] if re.search(r"require(\.min)?\.js|html-manager|embed-amd", url)]
    if managers:
        problems.append(f"a widget manager or require.js is loaded (stored widget state?): {managers}")
    if info["n_math"]:
        if info["mathjax"] is None:
            problems.append(f"{info['n_math']} math elements but MathJax did not load")
        if info["unrendered"]:
            problems.append(f"math MathJax did not render: {info['unrendered'][:5]}")
        if not font_hits:
            problems.append("MathJax's fonts were not loaded from 127.0.0.1")
    leftovers = [d for d in RAW_TEX if d in info["text"]]
    if leftovers:
        i = info["text"].find(leftovers[0])
        problems.append(f"raw TeX delimiters {leftovers} in the text, e.g. …{info['text'][max(0, i - 60):i + 60]!r}…")
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)


# A cold first load of any page (an empty cache: the page, the theme, MathJax and its fonts, the
# figures) transfers at most MAX_COLD_LOAD bytes as a web host sends them: text files (HTML, scripts,
# style sheets, the search index) compressed, as every static host does (gzip, level 6 here), images
# and fonts as they are. It was 3.7-5.6 MB uncompressed, 1.49 MB of it the theme's fontawesome.js for
# a dozen icons (pdf/reader_ext.py now leaves that script out). The uncompressed bytes (what the test's
# own server, which does not compress, sent) are in the message.
MAX_COLD_LOAD = 2_000_000
_TEXT = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".xml")


def _sent(html, path: str, raw: int) -> int:
    import gzip
    from urllib.parse import unquote

    local = html / unquote(path.split("?")[0].lstrip("/"))
    if local.is_dir():
        local = local / "index.html"
    if local.suffix in _TEXT and local.is_file():
        return len(gzip.compress(local.read_bytes(), compresslevel=6))
    return raw


#: pages still over the cold-load budget, with what was measured (open; each must be removed once it passes)
#: None open: ch. 8 (2.06 MB on 2026-12-04) is under the budget since its race animation has 20 frames, not 27.
HEAVY_OPEN: dict[str, str] = {}


def test_cold_load_is_light(site_page, site, visited, request):
    if site_page in HEAVY_OPEN:
        # a known open defect (strict: the test fails as soon as the page is light, so the entry goes)
        request.applymarker(pytest.mark.xfail(strict=True, reason=HEAVY_OPEN[site_page]))
    html = site[0]
    transfer = visited(site_page, "site")["info"]["transfer"]
    sent = [(url, _sent(html, url, raw), raw) for url, raw in transfer["files"]]
    total = sum(s for _, s, _ in sent)
    assert total <= MAX_COLD_LOAD, (
        f"{site_page}: a cold load sends {total / 1e6:.2f} MB compressed ({transfer['total'] / 1e6:.2f} MB "
        f"uncompressed) in {transfer['count']} files (at most {MAX_COLD_LOAD / 1e6:.1f} MB); the largest: "
        + ", ".join(f"{u} {s / 1e3:.0f} kB" for u, s, _ in sorted(sent, key=lambda r: -r[1])[:6]))


def test_favicon(site):
    """Every page names an icon that exists (without one, a browser's request for /favicon.ico is a 404)."""
    html, _, _ = site
    missing = []
    for page in sorted(html.rglob("*.html")):
        if "_static" in page.parts:
            continue
        m = re.search(r'<link rel="icon" href="([^"]+)"', page.read_text(encoding="utf-8"))
        if not m or not (page.parent / m.group(1).split("?")[0]).is_file():
            missing.append(str(page.relative_to(html)))
    assert not missing, f"pages without a favicon that exists: {missing[:10]}"
