"""One visit per page: every browser check of the built site, done on a single page load.

The site tests (test_site.py, test_a11y.py, test_phone.py, test_pdf.py, test_reader_view.py) each look
at every page. Loading each page once per test module cost about 100 page loads (MathJax typesetting each
time); here each page is loaded once, in one browser context, and every check runs on that load in this
order:

1. ``site``     at 1280 × 900, light: what the page refers to, math, raw TeX, console and page errors,
                requests that left the machine; with SCREENSHOTS=1 in the environment, a full-page
                screenshot to artifacts/screenshots/<page>.jpg.
2. ``pdf_link`` the footer's link to the PDF is visible.
3. ``reader``   at 1280 px: code, equations, tables and other boxes that scroll sideways, figures shown
                below 0.9 of their natural width, test words in the text, the share of the page that
                is code and every figure's numbered caption (test_reader_view.py).
4. ``axe``      axe-core in the light colour mode (every rule), then in the dark one (``prefers-color-scheme``
                emulated and the theme's ``data-theme`` switched, without a reload: the colour rules,
                or every rule where the dark mode lays the page out otherwise; see run_axe), then light.
5. ``animation`` (pages with a matplotlib animation) Play and Pause reached by Tab, pressed by Enter.
6. ``phone``    the same page switched to a phone (390 × 844 CSS px, device scale factor 2, mobile
                viewport, touch, a mobile user agent) by the DevTools protocol's device emulation,
                without a reload: the page body must not scroll sideways, and every box that scrolls
                sideways must show it (the edge fade of pdf/static/reader.js + reader.css, and a scrollbar
                drawn in its own space), no inline formula may be cut off, and no figure hidden in part;
                with
                SCREENSHOTS=1, a full-page screenshot to artifacts/phone/<page>.jpg.

The screenshots are for a person to look at and no check reads them; taking them costs about 40 s of CPU
over the book's pages (a long page takes 2 to 4 s to capture; `make test-site` spent 239 s of the machine's
CPU with them, 197 s without), so `make test` leaves them out and `make screenshots` takes them.

Each step's observations (or the error it raised) are stored in a dict; the tests assert on them. A step
runs only when a collected test needs it (see ``conftest.pytest_collection_modifyitems``).
"""

from __future__ import annotations

import base64
import os
import time
import traceback
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE_SHOTS = ROOT / "artifacts" / "phone"
AXE = ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
LOCAL_HOSTS = {"127.0.0.1"}
DESKTOP = {"width": 1280, "height": 900}
PHONE_WIDTH = 390
PHONE = {"width": PHONE_WIDTH, "height": 844, "deviceScaleFactor": 2, "mobile": True}
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Mobile Safari/537.36")
SHOT_QUALITY = 70  # the screenshots are JPEG: a PNG of a long page takes seconds to encode
PHONE_SHOT_SCALE = 0.5  # the phone's screenshot in CSS pixels (390 px wide), not its 2x device pixels
MAX_SHOT_HEIGHT = 60_000  # CSS px of one phone screenshot (a JPEG holds at most 65535 rows)
#: SCREENSHOTS=1 in the environment: save the full-page screenshots (see above)
SHOTS = os.environ.get("SCREENSHOTS", "") not in ("", "0")
STEPS = ("site", "pdf_link", "reader", "axe", "animation", "phone")

WAIT_FOR_PAGE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  if (document.fonts && document.fonts.ready) { await document.fonts.ready; }
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); })));
}"""

# two animation frames: the layout after a change of viewport or colour mode has been done
SETTLE = """() => Promise.race([new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))),
                             new Promise(r => setTimeout(r, 1000))])"""

# ------------------------------------------------------------------------------------------ 1. site
# everything the page refers to, math elements, leftover TeX (test_site.py)
INSPECT = r"""
async () => {
  const refs = [];
  for (const s of document.querySelectorAll('script[src]')) refs.push(['script', s.src]);
  for (const l of document.querySelectorAll('link[href]')) {
    const rel = (l.rel || '').toLowerCase();
    if (/stylesheet|preload|modulepreload|icon|font|prefetch/.test(rel)) refs.push([rel, l.href]);
  }
  for (const i of document.querySelectorAll('img[src], iframe[src], source[src], video[src], audio[src]'))
    refs.push([i.tagName.toLowerCase(), i.src]);
  let mathjax = null;
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
    mathjax = window.MathJax.version || 'unknown';
  }
  if (document.fonts && document.fonts.ready) await document.fonts.ready;
  const maths = [...document.querySelectorAll('.math')];
  const unrendered = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
  const clone = document.body.cloneNode(true);
  for (const e of clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight, .output'))
    e.remove();
  return {refs, mathjax, n_math: maths.length, n_mjx: document.querySelectorAll('mjx-container').length,
          unrendered, text: clone.textContent,
          amd: typeof window.require === 'function' && typeof window.define === 'function'};
}
"""

# what the first load of the page transferred, in a fresh browser context (an empty cache): the page
# and every file it loaded (scripts, styles, fonts, images), by the Resource Timing API (the local
# server's files are same-origin, so their sizes are exposed); test_site.py's page weight
TRANSFER = r"""() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const size = e => e.encodedBodySize || e.transferSize || 0;
  const files = res.map(e => [e.name.replace(location.origin, ''), size(e)]).sort((a, b) => b[1] - a[1]);
  if (nav) files.unshift([location.pathname, size(nav)]);
  return {total: files.reduce((a, f) => a + f[1], 0), files, count: files.length};
}"""

# ---------------------------------------------------------------------------------------- 3. reader
# Words of the test machinery that must not reach a reader (CONTRIBUTING: reader-facing text speaks to
# students). Searched, case-insensitively, in the text of the page body (collapsed parts included: a
# reader can open them) and in its alt texts, titles and ARIA labels.
TEST_WORDS = [
    r"\bnbval\b", r"\bpytest\b", r"\btests?/", r"\btest_\w+\.py\b", r"\bconftest\b",
    r"\b(?:remove|hide)-(?:input|output|cell)\b", r"\braises-exception\b", r"\bskip-execution\b",
    r"\bxfail\b",
]
# a figure shown below this fraction of its natural width is shrunk (the figure policy draws every
# figure at most 680 px wide, which the 1280 px page column shows at its natural size)
MIN_SCALE = 0.9

READER = r"""
({words, minScale}) => {
  const article = document.querySelector('.bd-article') || document.querySelector('main') || document.body;
  const TOL = 1;
  // open what is folded (hidden code cells, dropdowns): a reader can open them, so they count
  const reopen = [];
  for (const d of article.querySelectorAll('details:not([open])')) { d.open = true; reopen.push(() => d.open = false); }
  for (const e of article.querySelectorAll('.toggle-hidden')) {
    e.classList.remove('toggle-hidden'); reopen.push(() => e.classList.add('toggle-hidden'));
  }
  const where = el => {
    const s = el.closest('section[id]');
    return s ? '#' + s.id : '(top)';
  };
  const scrollsX = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const aRect = article.getBoundingClientRect();
  const aRight = aRect.right - parseFloat(getComputedStyle(article).paddingRight || 0);
  const out = {code: [], math: [], table: [], box: [], figure: [], words: [],
               column: Math.round(article.clientWidth), page: document.documentElement.scrollWidth};
  const seen = new Set();
  // code blocks (source and printed output)
  for (const pre of article.querySelectorAll('pre')) {
    if (!shown(pre)) continue;
    const box = scrollsX(pre) ? pre : (pre.closest('div.highlight') || pre);
    const wide = pre.scrollWidth > pre.clientWidth + TOL || box.scrollWidth > box.clientWidth + TOL
                 || pre.getBoundingClientRect().right > aRight + TOL;
    if (!wide) continue;
    seen.add(box); seen.add(pre);
    const lines = pre.textContent.split('\n');
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
    const kind = pre.closest('.cell_output, .output') ? 'output' : 'code';
    out.code.push(`${where(pre)} ${kind} ${pre.scrollWidth}px in ${pre.clientWidth}px, longest line `
                  + `(${longest.length} chars): ${JSON.stringify(longest.trim().slice(0, 70))}`);
  }
  // display equations
  const items = (window.MathJax && MathJax.startup && MathJax.startup.document)
      ? [...MathJax.startup.document.math] : [];
  const tex = c => { const it = items.find(i => i.typesetRoot === c); return it ? it.math.trim() : c.textContent; };
  for (const c of article.querySelectorAll('mjx-container[display="true"]')) {
    if (!shown(c)) continue;
    const inner = c.firstElementChild;
    const innerW = inner ? inner.getBoundingClientRect().width : 0;
    const r = c.getBoundingClientRect();
    if (c.scrollWidth > c.clientWidth + TOL || innerW > r.width + TOL || r.right > aRight + TOL) {
      seen.add(c);
      out.math.push(`${where(c)} equation ${Math.round(Math.max(c.scrollWidth, innerW))}px in `
                    + `${c.clientWidth}px: ${JSON.stringify(tex(c).replace(/\s+/g, ' ').slice(0, 90))}`);
    }
  }
  // tables: wider than the box they sit in, or past the column
  for (const t of article.querySelectorAll('table')) {
    if (!shown(t)) continue;
    let box = t.parentElement;
    while (box && box !== article && !scrollsX(box)) box = box.parentElement;
    box = box || article;
    const w = t.getBoundingClientRect().width;
    if (w > box.clientWidth + TOL || t.getBoundingClientRect().right > aRight + TOL) {
      seen.add(box);
      const head = (t.querySelector('caption, th, td') || t).textContent.trim().replace(/\s+/g, ' ').slice(0, 50);
      out.table.push(`${where(t)} table ${Math.round(w)}px in ${box.clientWidth}px (${t.rows.length} rows, `
                     + `starts ${JSON.stringify(head)})`);
    }
  }
  // any other box that scrolls sideways (a wide output, an animation, a list...)
  for (const el of article.querySelectorAll('*')) {
    if (seen.has(el) || !shown(el) || !scrollsX(el) || el.scrollWidth <= el.clientWidth + TOL) continue;
    if (el.querySelector('pre, table, mjx-container[display="true"]') &&
        [...el.querySelectorAll('pre, table, mjx-container')].some(x => seen.has(x) || seen.has(x.parentElement))) continue;
    out.box.push(`${where(el)} ${el.tagName.toLowerCase()}.${[...el.classList].join('.')} `
                 + `${el.scrollWidth}px in ${el.clientWidth}px`);
  }
  // figures shown smaller than drawn
  for (const img of article.querySelectorAll('img')) {
    if (!shown(img) || !img.naturalWidth) continue;
    const w = img.getBoundingClientRect().width;
    if (w < minScale * img.naturalWidth - 0.5) {
      const name = (img.getAttribute('src') || '').split('/').pop().slice(0, 40);
      out.figure.push(`${where(img)} ${name}: natural ${img.naturalWidth}px shown at ${Math.round(w)}px `
                      + `(${(w / img.naturalWidth).toFixed(2)}), alt ${JSON.stringify((img.alt || '').slice(0, 50))}`);
    }
  }
  // test words: the body's text (without scripts and styles) and what assistive technology reads
  // text nodes joined by spaces: textContent would glue the end of one block to the start of the next
  const nodes = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement.closest('script, style, noscript, template')
                     ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  while (walker.nextNode()) nodes.push(walker.currentNode.nodeValue);
  const texts = [nodes.join(' ')];
  for (const e of document.body.querySelectorAll('[alt], [title], [aria-label]'))
    for (const a of ['alt', 'title', 'aria-label']) if (e.getAttribute(a)) texts.push(e.getAttribute(a));
  const text = texts.join('\n');
  for (const w of words) {
    const re = new RegExp(w, 'gi');
    let m;
    while ((m = re.exec(text)) !== null) {
      out.words.push(`${JSON.stringify(m[0])} in …${JSON.stringify(text.slice(Math.max(0, m.index - 50), m.index + 50).replace(/\s+/g, ' '))}…`);
      if (out.words.length > 40) break;
    }
  }
  reopen.forEach(f => f());
  return out;
}
"""

# ------------------------------------------------------------------------------------------- 4. axe
# after a change of colour mode: the layout done, then every CSS transition it started finished
# (at most 2 s: a transition that never ends must not hold the visit up)
TRANSITIONS_DONE = """async () => {
  const done = (async () => {
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    await Promise.all(document.getAnimations().filter(a => a instanceof CSSTransition)
                        .map(a => a.finished.catch(() => null)));
  })();
  await Promise.race([done, new Promise(r => setTimeout(r, 2000))]);
}"""
# The light run checks every rule axe runs by default. The dark run checks only the rules whose result
# depends on colours, because switching the colour mode changes nothing else that axe's rules look at:
# * axe-core 4.14.1 reads colours (getForegroundColor, getBackgroundColor and the contrast they give) only in
#   the checks of its rules tagged "cat.color": color-contrast, link-in-text-block, and color-contrast-enhanced
#   (AAA, off by default: never run here). Every other rule looks at the DOM (the same in both modes: the
#   switch only sets prefers-color-scheme and <html data-theme>) and at what is shown and where it is.
# * What the other rules see of the layout (which elements are rendered, which sit off the page, which
#   overflow their box) is compared between the two modes on every element (LAYOUT): the theme's dark CSS
#   sets colours and, in a few rules, display (.only-light / .only-dark), padding (HTML outputs) or
#   filters. Where anything differs, the dark run checks every rule, as the light one does, and says why.
# DARK_TAG is the tag; the rules are those of the light run that carry it (axe's own list, not ours).
DARK_TAG = "cat.color"
RUN_AXE = """async (only) => {
  const options = {resultTypes: ['violations']};
  if (only) options.runOnly = {type: 'rule', values: only};
  const r = await axe.run(document, options);
  const ran = [...r.violations, ...r.passes, ...r.incomplete, ...r.inapplicable];
  return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                              nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
                                              n: v.nodes.length})),
          ran: [...new Set(ran.map(x => x.id))].sort(),
          colour: [...new Set(ran.filter(x => x.tags.includes('%s')).map(x => x.id))].sort()};
}""" % DARK_TAG
# per element, what axe's other rules see of the layout: rendered or not (display, visibility, opacity,
# content-visibility), off the page (left of or above it: where hidden "skip" links sit), and whether its
# content overflows its box sideways or downwards (what makes a region scrollable). Sizes and positions are
# not compared: the dark mode's padding of HTML outputs makes the page 110 px longer and moves everything
# below; no default rule of axe reads a size (target-size is off by default). In "keep" mode it is stored
# on the page; in "compare" mode the elements that differ are returned.
LAYOUT = """(mode) => {
  const els = [...document.querySelectorAll('*')];
  const sig = els.map(el => {
    const r = el.getBoundingClientRect();
    const off = r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0;
    return [el.checkVisibility({opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true}),
            off, el.scrollWidth > el.clientWidth, el.scrollHeight > el.clientHeight].join(',');
  });
  if (mode === 'keep') { window.__axeLayout = sig; return []; }
  const before = window.__axeLayout || [];
  const out = [];
  if (before.length !== sig.length) return [`${before.length} elements in light, ${sig.length} in dark`];
  for (let i = 0; i < sig.length && out.length < 5; i++)
    if (sig[i] !== before[i]) out.push(`${els[i].tagName.toLowerCase()}.${[...els[i].classList].join('.')}`
                                       + `${els[i].id ? '#' + els[i].id : ''}: ${before[i]} -> ${sig[i]}`
                                       + ' (rendered, off the page, overflows x, overflows y)');
  return out;
}"""


# the contrast of the text of results tables (optlib.Table: caption, cells, notes) against the nearest
# opaque background behind it, the lowest per part: axe leaves some of these unjudged (incomplete), and in
# the dark mode the theme paints HTML outputs a light grey on which light text disappears
TABLE_CONTRAST = r"""() => {
  const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                                return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const back = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                                                          if (c.length === 3 || c[3] === 1) return c.slice(0, 3); }
                       return [255, 255, 255]; };
  const out = {};
  for (const [part, sel] of [['caption', '.optlib-table caption'], ['cell', '.optlib-table td'],
                             ['notes', '.optlib-table-notes']]) {
    for (const el of document.querySelectorAll(`.bd-article ${sel}`)) {
      const a = lum(rgb(getComputedStyle(el).color)), b = lum(back(el));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (!(part in out) || ratio < out[part]) out[part] = Math.round(ratio * 100) / 100;
    }
  }
  return out;
}"""


def run_axe(pg) -> dict:
    """axe-core on the loaded page ``pg``: every default rule in the light colour mode, then in the dark one
    the rules of the light run tagged DARK_TAG, or every rule if the dark mode shows something else or
    elsewhere (see above); then back to light. Returns {"light": violations, "dark": violations,
    "dark_rules": the rules run in dark, "dark_why": why those}."""
    if not AXE.is_file():
        return {"missing": True}
    pg.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found: dict = {}
    light = None
    for scheme in ("light", "dark"):
        # the theme's colour-mode switch follows the stored choice, then the system's
        pg.emulate_media(color_scheme=scheme)
        pg.evaluate(f"() => document.documentElement.dataset.theme = '{scheme}'")
        pg.evaluate(TRANSITIONS_DONE)  # the theme fades its colours (0.15 s): axe sees the end
        t0 = time.perf_counter()
        if scheme == "light":
            pg.evaluate(LAYOUT, "keep")
            found["tables_light"] = pg.evaluate(TABLE_CONTRAST)
            light = pg.evaluate(RUN_AXE, None)
            found["light"] = light["violations"]
            found["seconds"] = {"light": round(time.perf_counter() - t0, 2)}
            continue
        found["tables_dark"] = pg.evaluate(TABLE_CONTRAST)
        moved = pg.evaluate(LAYOUT, "compare")
        only = None if moved else light["colour"]
        dark = pg.evaluate(RUN_AXE, only)
        found["seconds"]["dark"] = round(time.perf_counter() - t0, 2)
        found["dark"] = dark["violations"]
        found["dark_rules"] = dark["ran"]
        found["dark_why"] = (f"the dark mode shows something else or elsewhere: {moved}" if moved else
                             f"the light run's rules tagged {DARK_TAG}: the colour mode changes only colours")
    pg.emulate_media(color_scheme="light")
    pg.evaluate("() => document.documentElement.dataset.theme = 'light'")
    return found


# ----------------------------------------------------------------------------------------- 6. phone
# the elements whose right edge passes the viewport's and that are not inside a box that scrolls or clips
STICKING_OUT = """(width) => {
  const clipped = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX)) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 0.5 || clipped(el)) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')}`
             + ` right=${Math.round(r.right)}`);
    if (out.length >= 8) break;
  }
  return out;
}"""

# every box of the article that scrolls sideways, and whether it shows that it does: the class that
# pdf/static/reader.js sets and the edge fade (a mask) that pdf/static/reader.css draws for it
SCROLL_HINTS = r"""() => {
  const article = document.querySelector('.bd-article') || document.body;
  const out = [];
  for (const el of article.querySelectorAll('*')) {
    if (!el.getClientRects().length) continue;
    const s = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(s.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
    const mask = s.maskImage || s.webkitMaskImage || 'none';
    const sec = el.closest('section[id]');
    out.push({what: `${sec ? '#' + sec.id : '(top)'} ${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
                    + ` ${el.scrollWidth}px in ${el.clientWidth}px`,
              marked: el.classList.contains('reader-scrolls'), faded: mask !== 'none',
              bar: el.offsetHeight - el.clientHeight - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth)});
  }
  return out;
}"""


# inline math cut off on a phone: a formula whose right edge passes the box that clips it (an ancestor
# with overflow hidden or clip) or the viewport, unless it sits in a box that scrolls sideways
CLIPPED_MATH = r"""(width) => {
  const out = [];
  for (const c of document.querySelectorAll('.bd-article mjx-container:not([display="true"])')) {
    if (!c.getClientRects().length) continue;
    const r = c.getBoundingClientRect();
    if (r.width === 0) continue;
    let clip = null, scrolls = false;
    for (let p = c; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll') { scrolls = true; break; }
      if (p !== c && (ox === 'hidden' || ox === 'clip')) { clip = p; break; }
    }
    if (scrolls) continue;
    const edge = Math.min(width, clip ? clip.getBoundingClientRect().right : width);
    if (r.right > edge + 1) {
      const sec = c.closest('section[id]');
      out.push(`${sec ? '#' + sec.id : '(top)'} ${Math.round(r.width)}px formula cut at ${Math.round(edge - r.left)}px: `
               + JSON.stringify(c.textContent.slice(0, 40)));
    }
  }
  return out;
}"""

# every figure (an image of the article that is not an animation frame) as a phone shows it: its scale
# (shown width / natural width) and the share of it out of sight (outside a box that scrolls or clips it,
# or outside the viewport)
FIGURES = r"""(width) => {
  const out = [];
  for (const img of document.querySelectorAll('.bd-article img')) {
    if (!img.naturalWidth || !img.getClientRects().length || img.closest('.animation')) continue;
    const r = img.getBoundingClientRect();
    let left = 0, right = width;
    for (let p = img.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') {
        const b = p.getBoundingClientRect();
        left = Math.max(left, b.left); right = Math.min(right, b.right);
      }
    }
    const seen = Math.max(0, Math.min(r.right, right) - Math.max(r.left, left));
    const sec = img.closest('section[id]');
    out.push({what: `${sec ? '#' + sec.id : '(top)'} ${(img.getAttribute('src') || '').split('/').pop().slice(0, 40)}`,
              scale: r.width / img.naturalWidth, hidden: r.width ? 1 - seen / r.width : 0});
  }
  return out;
}"""


# 1280 px, before anything folded is opened: the share of the article's height that is code a reader
# sees (the input boxes of code cells, not folded away), and every figure of a code cell's output
# (a PNG, or an animation's frame) with its caption as the page numbers it ("Fig. 3.2 ...").
# A folded cell (hide-input: its input inside a closed <details>) is not drawn, yet Chromium still lays it
# out and gives it a box of its full height: it is skipped by the closed <details> around it.
BOOK_LAYOUT = r"""() => {
  const article = document.querySelector('.bd-article') || document.body;
  const height = article.getBoundingClientRect().height;
  let code = 0;
  for (const el of article.querySelectorAll('div.cell_input')) {
    if (el.getClientRects().length && !el.closest('details:not([open])')) code += el.getBoundingClientRect().height;
  }
  const figures = [];
  for (const img of article.querySelectorAll('.cell_output img, .cell_output .animation')) {
    if (img.tagName === 'IMG' && img.closest('.animation')) continue;
    const fig = img.closest('figure');
    const cap = fig ? fig.querySelector('figcaption') : null;
    const number = cap ? cap.querySelector('.caption-number') : null;
    const sec = img.closest('section[id]');
    figures.push({where: sec ? '#' + sec.id : '(top)', kind: img.tagName === 'IMG' ? 'figure' : 'animation',
                  number: number ? number.textContent.trim() : '', caption: cap ? cap.textContent.trim().slice(0, 80) : ''});
  }
  return {height, code, share: height ? code / height : 0, figures};
}"""


def _find_animation(pg) -> dict:
    """Tab to Play, Enter: the frame advances; Shift+Tab to Pause, Enter: it stays (test_a11y.py)."""
    seen: dict = {}
    anim = pg.locator("div.animation").first
    anim.scroll_into_view_if_needed()
    img = anim.locator("img[id^='_anim_img']")
    seen["alt"] = img.get_attribute("alt") or ""
    slider = anim.locator("input.anim-slider")
    seen["slider_label"] = slider.get_attribute("aria-label")
    slider.focus()
    reached = None
    for _ in range(12):
        pg.keyboard.press("Tab")
        reached = pg.evaluate("() => document.activeElement.getAttribute('aria-label')")
        if reached == "Play":
            break
    seen["reached"] = reached
    if reached != "Play":
        return seen
    seen["frame0"] = int(slider.input_value())
    pg.keyboard.press("Enter")
    pg.wait_for_timeout(1500)
    seen["frame1"] = int(slider.input_value())
    pg.keyboard.press("Shift+Tab")
    seen["pause_focus"] = pg.evaluate("() => document.activeElement.getAttribute('aria-label')")
    pg.keyboard.press("Enter")
    pg.wait_for_timeout(200)
    seen["paused"] = int(slider.input_value())
    pg.wait_for_timeout(1000)
    seen["later"] = int(slider.input_value())
    return seen


def visit(browser, server: str, page: str, steps: set[str]) -> dict:
    """Load ``page`` ("book/index", ...) once and run the ``steps`` wanted; return what each saw.

    The result maps a step's name to its observations, or to ``{"error": traceback}`` when the step
    raised; ``result["outside"]`` lists the requests that left the machine (aborted), all steps long.
    """
    res: dict = {"page": page}
    outside, console_errors, page_errors, failed_local, font_hits = [], [], [], [], []

    def route(r):
        url = r.request.url
        if urlparse(url).scheme in ("data", "blob", "about") or urlparse(url).hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    def on_response(resp):
        if urlparse(resp.url).hostname in LOCAL_HOSTS:
            if resp.status >= 400:
                failed_local.append(f"{resp.status} {resp.url}")
            if "/mathjax/" in resp.url and resp.url.split("?")[0].endswith(".woff"):
                font_hits.append(resp.url)

    timing = res.setdefault("seconds", {})

    def step(name, fn):
        if name not in steps:
            return
        t0 = time.perf_counter()
        try:
            res[name] = fn()
        except Exception:  # noqa: BLE001 -- reported by the test that needs this step
            res[name] = {"error": traceback.format_exc()}
        timing[name] = round(time.perf_counter() - t0, 2)

    context = browser.new_context(viewport=DESKTOP, color_scheme="light", service_workers="block")
    res["outside"] = outside
    try:
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.route("**/*", route)
        pg.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: page_errors.append(str(e)))
        pg.on("response", on_response)
        t0 = time.perf_counter()
        try:
            pg.goto(f"{server}/{page}.html", wait_until="load", timeout=60_000)
            pg.evaluate(WAIT_FOR_PAGE)
            timing["load"] = round(time.perf_counter() - t0, 2)
        except Exception:  # noqa: BLE001
            err = {"error": traceback.format_exc()}
            return {**res, **{s: err for s in steps}}

        def site():
            info = pg.evaluate(INSPECT)
            pg.wait_for_timeout(300)  # let late requests (fonts, lazy scripts) start, so the route sees them
            info["transfer"] = pg.evaluate(TRANSFER)
            if SHOTS:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                pg.screenshot(path=str(SCREENSHOTS / f"{Path(page).name}.jpg"), full_page=True, type="jpeg",
                              quality=SHOT_QUALITY)
            return {"info": info, "outside": list(outside), "console_errors": list(console_errors),
                    "page_errors": list(page_errors), "failed_local": list(failed_local),
                    "font_hits": list(font_hits)}

        def pdf_link():
            link = pg.locator(".reader-pdf-link a")
            if not link.count():
                return {"visible": False, "count": 0}
            link.first.scroll_into_view_if_needed()
            return {"visible": link.first.is_visible(), "count": link.count()}

        def reader():
            layout = pg.evaluate(BOOK_LAYOUT)
            return {**pg.evaluate(READER, {"words": TEST_WORDS, "minScale": MIN_SCALE}), "layout": layout}

        def axe():
            return run_axe(pg)

        def animation():
            if not pg.locator("div.animation").count():
                return {"absent": True}
            return _find_animation(pg)

        def phone():
            cdp = context.new_cdp_session(pg)
            cdp.send("Emulation.setDeviceMetricsOverride", PHONE)
            cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
            cdp.send("Emulation.setUserAgentOverride", {"userAgent": PHONE_UA})
            pg.evaluate("() => window.scrollTo(0, 0)")
            pg.evaluate(SETTLE)
            pg.wait_for_timeout(200)
            widths = pg.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth,"
                                 " window.innerWidth, window.devicePixelRatio]")
            culprits = pg.evaluate(STICKING_OUT, PHONE_WIDTH) if widths[0] > PHONE_WIDTH else []
            hints = pg.evaluate(SCROLL_HINTS)
            clipped_math = pg.evaluate(CLIPPED_MATH, PHONE_WIDTH)
            figures = pg.evaluate(FIGURES, PHONE_WIDTH)
            if SHOTS:
                # through the same DevTools session (playwright's own screenshot would reset the emulation)
                # a JPEG is at most 65535 px tall (the API page on the phone is taller): in parts, -2, -3, …
                height = pg.evaluate("() => document.documentElement.scrollHeight")
                PHONE_SHOTS.mkdir(parents=True, exist_ok=True)
                for k, top in enumerate(range(0, height, MAX_SHOT_HEIGHT)):
                    shot = cdp.send("Page.captureScreenshot", {
                        "format": "jpeg", "quality": SHOT_QUALITY, "captureBeyondViewport": True,
                        "clip": {"x": 0, "y": top, "width": PHONE_WIDTH, "height": min(MAX_SHOT_HEIGHT, height - top),
                                 "scale": PHONE_SHOT_SCALE}})
                    name = Path(page).name + (f"-{k + 1}" if k else "")
                    (PHONE_SHOTS / f"{name}.jpg").write_bytes(base64.b64decode(shot["data"]))
            return {"widths": widths, "culprits": culprits, "hints": hints, "clipped_math": clipped_math,
                    "figures": figures}

        step("site", site)
        step("pdf_link", pdf_link)
        step("reader", reader)
        step("axe", axe)
        step("animation", animation)
        step("phone", phone)
    finally:
        context.close()
    return res
