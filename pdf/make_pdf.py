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
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser import ARGS as CHROMIUM_ARGS, MISSING, chromium  # noqa: E402  (pdf/browser.py)
PDF_NAME = "optimizers-book.pdf"


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


# ------------------------------------------------------------------------------------ the printed book
# Before printing, in the print layout (``emulate_media("print")``), the page is made a book:
# - a title page of its own (the title, author and year of _config.yml), then the contents on pages of
#   their own: every chapter and appendix with its sections, each linked to its heading, with the page
#   it starts on. Chromium has no CSS target-counter(), so the book is printed once with placeholder
#   numbers of fixed width, each heading's page is read from that PDF (Chromium writes a named
#   destination for every link target), the numbers are filled in and the book printed again; the
#   contents keep their size, so nothing moves (checked: the second print is read again).
# - what would be cut at the margin is fitted: a display equation or a table wider than the column is
#   scaled down (its font size) to the column's width;
# - a short code cell (up to SHORT_CELL px, about a third of a page) is kept on one page, so that no
#   page ends in a cell's empty frame (reader.css, class reader-keep); headings stay with what follows.
SHORT_CELL = 320

PRINT_BOOK = r"""() => {
  const article = document.querySelector('.bd-article');
  const done = {next: 0, solutions: 0, refs: 0, links: 0};
  // links of the single page to itself are written "book/index.html#x" (the page's own path): in the
  // PDF, printed from a copy at the top, they would point off the book. They become "#x".
  for (const a of article.querySelectorAll('a[href^="book/index.html#"], a[href^="index.html#"]')) {
    a.setAttribute('href', '#' + a.getAttribute('href').split('#')[1]);
    done.links++;
  }
  // the web's "Next: Chapter ..." line at the end of every chapter: a book turns the page instead
  for (const p of article.querySelectorAll('p')) {
    const first = p.firstElementChild;
    if (first && first.tagName === 'STRONG' && /^Next:?$/.test(first.textContent.trim())
        && p.textContent.trim().startsWith(first.textContent.trim())) { p.remove(); done.next++; }
  }
  // the welcome page's title repeats the title page: in print it is the book's preface
  const welcome = article.querySelector('h1');
  if (welcome) {
    const link = welcome.querySelector('.headerlink');
    welcome.textContent = 'About this book';
    if (link) welcome.append(link);
    welcome.classList.add('reader-preface');
  }
  // folded parts print open and without their carets: dropdown solutions, toggled blocks
  for (const b of article.querySelectorAll('button.toggle-button, .tb-icon')) b.remove();
  for (const e of article.querySelectorAll('.toggle-hidden')) e.classList.remove('toggle-hidden');
  for (const e of article.querySelectorAll('.admonition.dropdown, .toggle')) e.classList.remove('dropdown', 'toggle');
  // each chapter's solutions at its end, under a heading of their own; each exercise says where its
  // solution is (its page is filled in like the contents')
  const refs = [];
  let n = 0;
  for (const chapter of article.querySelectorAll('span[id^="document-"] + section')) {
    const sols = [...chapter.querySelectorAll('div.solution')];
    if (!sols.length) continue;
    const sec = document.createElement('section');
    sec.id = `reader-solutions-${++n}`;
    const h = document.createElement('h3');
    h.id = `reader-solutions-h-${n}`;
    h.textContent = 'Solutions';
    sec.append(h);
    for (const s of sols) {
      const target = s.querySelector('.admonition-title a[href^="#"]');
      const ex = target ? document.getElementById(target.getAttribute('href').slice(1)) : null;
      if (ex && s.id) {
        const p = document.createElement('p');
        p.className = 'reader-solution-ref';
        p.innerHTML = `<a href="#${s.id}">Solution on page <span class="reader-toc-page" data-for="${s.id}">000</span></a>.`;
        ex.append(p);
        refs.push([s.id, '']);
      }
      sec.append(s);
      done.solutions++;
    }
    chapter.append(sec);
  }
  // links to the welcome page itself (#document-book/index: the single page has no such target, it is
  // the page) were dead in the PDF: they go to its section, the preface
  const preface = article.querySelector('section[id]');
  for (const a of article.querySelectorAll('a[href="#document-book/index"]')) {
    if (preface) { a.setAttribute('href', '#' + preface.id); done.links++; }
  }
  // links that say where something is on the screen ("below", "above", "the welcome page") say the page
  for (const a of article.querySelectorAll('a[href^="#"]')) {
    const word = a.textContent.trim();
    if (!/^(below|above|welcome page)$/.test(word)) continue;
    const id = a.getAttribute('href').slice(1);
    if (!document.getElementById(id)) continue;
    const page = `<span class="reader-toc-page" data-for="${id}">000</span>`;
    const before = a.previousSibling && a.previousSibling.nodeType === 3 ? a.previousSibling.nodeValue : '';
    if (word === 'welcome page') {
      if (/\bon the\s*$/.test(before)) a.previousSibling.nodeValue = before.replace(/\bon the(\s*)$/, 'in the$1');
      a.innerHTML = `preface, page ${page}`;
    } else {
      a.innerHTML = /\bsee\s*$/.test(before) ? `page ${page}` : `on page ${page}`;
    }
    refs.push([id, '']);
    done.refs++;
  }
  // links inside the book whose target is not in it (dead in the PDF)
  done.dead = [...article.querySelectorAll('a[href^="#"]')]
      .filter(a => a.getAttribute('href').length > 1 && !document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))))
      .map(a => `${a.getAttribute('href')} (${a.textContent.trim().slice(0, 40)})`).slice(0, 10);
  // what is still drawn as a control: carets, summaries of folded parts (none in print)
  done.carets = [...article.querySelectorAll('button.toggle-button, .tb-icon, details > summary, button')]
      .filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')
      .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`).slice(0, 10);
  return {done, refs};
}"""


FRONT_MATTER = r"""({title, author, year}) => {
  const article = document.querySelector('.bd-article');
  const esc = t => t.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
  const cut = title.indexOf(':');
  const main = cut > 0 ? title.slice(0, cut) : title, sub = cut > 0 ? title.slice(cut + 1).trim() : '';
  const tp = document.createElement('div');
  tp.className = 'reader-title-page';
  tp.innerHTML = `<p class="reader-title">${esc(main)}</p>` + (sub ? `<p class="reader-subtitle">${esc(sub)}</p>` : '')
      + `<p class="reader-author">${esc(author)}</p><p class="reader-year">${esc(year)}</p>`;
  // the entries: the welcome page (h1) and its sections (h2), each chapter or appendix (an h2 whose
  // section follows a document marker) and its sections (h3)
  // a heading as plain text for the running heads (its math as the letters the TeX stands for)
  const items = (window.MathJax && MathJax.startup && MathJax.startup.document) ? [...MathJax.startup.document.math] : [];
  const SYM = {alpha: 'α', beta: 'β', gamma: 'γ', theta: 'θ', kappa: 'κ', lambda: 'λ', mu: 'μ', eta: 'η',
               epsilon: 'ε', rho: 'ρ', sigma: 'σ', nabla: '∇', to: '→', infty: '∞', approx: '≈', le: '≤',
               ge: '≥', cdot: '·', times: '×', ldots: '…', dots: '…'};
  const tex = s => s.replace(/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, '$1/$2')
      .replace(/\\([A-Za-z]+)/g, (_, w) => SYM[w] || '').replace(/[{}]/g, '')
      .replace(/_(\w)/g, '$1').replace(/\s+/g, ' ').trim();
  const plain = h => {
    let out = '';
    const walk = node => {
      for (const c of node.childNodes) {
        if (c.nodeType === 3) out += c.nodeValue;
        else if (c.nodeType === 1 && c.classList.contains('headerlink')) continue;
        else if (c.nodeType === 1 && c.tagName === 'MJX-CONTAINER') {
          const it = items.find(i => i.typesetRoot === c);
          out += it ? tex(it.math) : '';
        } else if (c.nodeType === 1) walk(c);
      }
    };
    walk(h);
    return out.replace(/\s+/g, ' ').trim();
  };
  const isChapter = sec => !!(sec && sec.previousElementSibling
                             && (sec.previousElementSibling.id || '').startsWith('document-'));
  const entries = [];
  let i = 0;
  for (const h of article.querySelectorAll('h1, h2, h3')) {
    const sec = h.parentElement;
    let level;
    if (h.tagName === 'H1' || (h.tagName === 'H2' && isChapter(sec))) level = 0;
    else if (h.tagName === 'H2' && !sec.closest('span[id^="document-"] + section')) level = 1;
    else if (h.tagName === 'H3' && isChapter(sec.parentElement)) level = 1;
    else continue;
    if (!h.id) h.id = `reader-toc-${i++}`;
    const clone = h.cloneNode(true);
    clone.querySelectorAll('.headerlink, mjx-assistive-mml').forEach(e => e.remove());
    h.dataset.readerText = plain(h);
    entries.push({id: h.id, section: sec.id || '', level, html: clone.innerHTML.trim(), text: h.dataset.readerText});
  }
  const toc = document.createElement('nav');
  toc.className = 'reader-contents';
  toc.setAttribute('aria-label', 'Contents');
  toc.innerHTML = '<p class="reader-contents-title">Contents</p><ul>' + entries.map(e =>
      `<li class="reader-toc-l${e.level}"><a href="#${e.id}"><span class="reader-toc-text">${e.html}</span>`
      + `<span class="reader-toc-dots"></span><span class="reader-toc-page" data-for="${e.id}">000</span></a></li>`
  ).join('') + '</ul>';
  article.prepend(tp, toc);
  return entries.map(e => ({id: e.id, section: e.section, level: e.level, text: e.text}));
}"""

FILL_PAGES = """(pages) => {
  for (const span of document.querySelectorAll('.reader-toc-page'))
    span.textContent = String(pages[span.dataset.for] || '?');
}"""

FIT_TO_COLUMN = r"""(shortCell) => {
  const article = document.querySelector('.bd-article');
  const column = article.clientWidth;
  const fitted = [];
  // display equations and tables wider than the column: zoomed out to its width (CSS zoom scales the
  // padding and borders too), down to 50 %; whatever is still wider is reported
  const wide = [...article.querySelectorAll('mjx-container[display="true"], table')];
  for (const el of wide) {
    const w = el.tagName === 'TABLE' ? el.getBoundingClientRect().width
            : (el.firstElementChild ? el.firstElementChild.getBoundingClientRect().width : 0);
    if (w <= column + 0.5) continue;
    const scale = Math.max(0.5, (column - 2) / w);
    el.style.zoom = scale.toFixed(3);
    fitted.push(`${el.tagName.toLowerCase()} ${Math.round(w)}px -> ${Math.round(scale * 100)}%`);
  }
  // short code cells stay on one page
  let kept = 0;
  for (const cell of article.querySelectorAll('div.cell')) {
    if (cell.getBoundingClientRect().height <= shortCell) { cell.classList.add('reader-keep'); kept++; }
  }
  // (a table is unbreakable in the theme's print style: a long one jumped whole to the next page and
  // left most of a page blank; in print only a short one is kept whole, a long one breaks between rows)
  for (const el of article.querySelectorAll('div.cell_input, div.cell_output, div.highlight, div.admonition, figure, table')) {
    if (el.getBoundingClientRect().height <= shortCell) el.classList.add('reader-keep');
  }
  // a heading and the block after it share a page: together in one unbreakable box when that block
  // is short (a longer one may break; the heading's break-after: avoid holds then). A one- or two-line
  // lead-in ending in a colon ("The numbers of this chapter, in one place:") stays with what it
  // introduces too, when that is short: else the heading and its lead-in ended a page and the table
  // or cell they announce began the next.
  let joined = 0;
  const height = el => el.getBoundingClientRect().height;
  const block = el => el && el.tagName !== 'SECTION';
  for (const h of article.querySelectorAll('h2, h3, h4')) {
    const next = h.nextElementSibling;
    if (!block(next) || height(next) > shortCell) continue;
    const group = [h, next];
    const after = next.nextElementSibling;
    if (next.tagName === 'P' && height(next) < 60 && /:\s*$/.test(next.textContent)
        && block(after) && height(after) <= shortCell) group.push(after);
    const wrap = document.createElement('div');
    wrap.className = 'reader-keep reader-with-next';
    h.before(wrap);
    wrap.append(...group);
    joined++;
  }
  const where = el => { const s = el.closest('section[id]'); return s ? '#' + s.id : '(top)'; };
  const still = wide.filter(el => (el.tagName === 'TABLE' ? el.getBoundingClientRect().width
      : (el.firstElementChild ? el.firstElementChild.getBoundingClientRect().width : 0)) > column + 0.5)
      .map(el => `${where(el)} ${el.tagName.toLowerCase()}: ${el.textContent.replace(/\s+/g, ' ').slice(0, 60)}`);
  return {column, fitted, kept, joined, still};
}"""


def _heading_pages(pdf: bytes, ids: list) -> dict:
    """The page (1-based) of each heading in the PDF ``pdf``, from its named destinations.

    ``ids``: (heading id, id of its section) pairs. Chromium writes a destination for every link
    target, but drops the heading's where another target shares its place (the book's first heading
    and its section): the section's is used then.
    """
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    dests = reader.named_destinations
    pages = {}
    for hid, section in ids:
        for name in (hid, section):
            dest = dests.get("/" + name) if name else None
            if dest is not None:
                pages[hid] = reader.get_destination_page_number(dest) + 1
                break
    return pages


def _book_metadata() -> dict:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return {"title": str(config.get("title", "")), "author": str(config.get("author", "")),
            "year": str(config.get("copyright", ""))}


# ------------------------------------------------------------------------ running heads, page numbers
# Chromium's own header and footer know only the document's title and the page number. The book's are
# CSS page-margin boxes of named pages: the title page is the document's first page (no number), the
# contents "reader-contents" (head "Contents"), each chapter or appendix a page of its own name
# ("reader-ch3") whose top margin carries the chapter's title; every page but the title page has its
# number at the foot, at 9 pt.
HEAD_PT = 9

RUNNING_HEADS = r"""(pt) => {
  const article = document.querySelector('.bd-article');
  const esc = t => t.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const rules = [
    `@page { @bottom-center { content: counter(page); font: ${pt}pt "Book Sans", sans-serif; color: #222; } }`,
    '@page :first { @bottom-center { content: none; } }',
    `@page reader-contents { @top-left { content: "Contents"; font: italic ${pt}pt "Book Sans", sans-serif; color: #333; } }`,
  ];
  const tp = article.querySelector('.reader-title-page'), toc = article.querySelector('.reader-contents');
  // (the title page keeps the unnamed page: a named page at the very start made Chromium print a blank
  // page before it; :first takes its number off)
  if (toc) toc.style.page = 'reader-contents';
  const sections = [article.querySelector('section'), ...article.querySelectorAll('span[id^="document-"] + section')];
  let k = 0;
  for (const sec of sections) {
    if (!sec) continue;
    const h = sec.querySelector('h1, h2');
    if (!h) continue;
    const name = `reader-ch${k++}`;
    sec.style.page = name;
    // the single page nests every chapter in the welcome page's section, each after an empty marker
    // <span id="document-…"> (the target of links to the chapter): left between two chapters, that
    // marker is a line of the welcome page's own named page, and Chromium gave it a page of its own, a
    // blank page headed "About this book" at the end of every chapter. It moves into its chapter, as
    // its first child (the links' target is still the chapter's start).
    const marker = sec.previousElementSibling;
    if (k > 1 && marker && marker.tagName === 'SPAN' && (marker.id || '').startsWith('document-')) {
      sec.classList.add('reader-chapter');
      sec.prepend(marker);
    }
    const text = (h.dataset.readerText || h.textContent).replace(/#$/, '').trim();
    rules.push(`@page ${name} { @top-left { content: "${esc(text)}"; font: italic ${pt}pt "Book Sans", sans-serif; color: #333; } }`);
  }
  const style = document.createElement('style');
  style.id = 'reader-running-heads';
  style.textContent = rules.join('\n');
  document.head.append(style);
  return k;
}"""


def running_heads(entries: list, pages: dict, n_pages: int) -> list:
    """[(running head, page number as printed)] of pages 1..n_pages, as RUNNING_HEADS draws them."""
    starts = sorted((pages[e["id"]], e["text"]) for e in entries if e["id"] in pages and e["level"] == 0)
    first_text = starts[0][0] if starts else n_pages + 1
    out = []
    for page in range(1, n_pages + 1):
        if page == 1:
            out.append(("", ""))
        elif page < first_text:
            out.append(("Contents", str(page)))
        else:
            out.append(([t for p, t in starts if p <= page][-1], str(page)))
    return out


def browser_env(html_dir: Path, environ=None) -> dict:
    """The environment Chromium prints in: ``environ`` (default os.environ) without the machine's
    fontconfig, and a fontconfig that sees only the book's fonts, copied into ``html_dir``
    (pdf/fonts.py). tests/test_pdf.py prints a page with it, with and without the Noto fonts."""
    import fonts

    font_dir = fonts.install(html_dir)
    env = {k: v for k, v in (os.environ if environ is None else environ).items()
           if k not in ("FONTCONFIG_FILE", "FONTCONFIG_PATH")}
    env.update(fonts.fontconfig_env(font_dir, html_dir.parent))
    return env


def use_book_fonts(page) -> None:
    """Set every text of the loaded ``page`` in the book's fonts (@font-face, pdf/fonts.py) and wait
    until they are loaded."""
    import fonts

    page.add_style_tag(content=fonts.font_face_css())
    page.evaluate("""async () => {
      for (const f of ['400 16px "Book Sans"', '700 16px "Book Sans"', 'italic 400 16px "Book Sans"',
                       'italic 700 16px "Book Sans"', '400 16px "Book Mono"', '700 16px "Book Mono"'])
        await document.fonts.load(f);
      await document.fonts.ready;
    }""")


def print_page(html_dir: Path, name: str, out: Path) -> None:
    """Print the page ``name`` of ``html_dir`` to ``out`` as the book is printed (its browser
    environment and fonts), nothing else: tests/test_pdf.py prints a sample page with it, in a
    process started with and without the Noto fonts."""
    from playwright.sync_api import sync_playwright

    env = browser_env(html_dir)
    server, base = serve(html_dir)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, env=env)
            page = browser.new_page()
            page.goto(f"{base}/{name}", wait_until="load")
            use_book_fonts(page)
            page.emulate_media(media="print")
            out.write_bytes(page.pdf(format="A4"))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


def print_pdf(html_dir: Path, out: Path) -> dict:
    """Print the single page of ``html_dir`` to ``out`` with Chromium; return what was seen.

    Sphinx's singlehtml builder writes the page for the root document ``book/index`` to
    ``book/index.html`` but with paths relative to the build's top folder (``_static/…``,
    ``_images/…``), so it is printed from a copy at the top, ``_print.html``. Chromium sees only the
    book's fonts (pdf/fonts.py).
    """
    from playwright.sync_api import sync_playwright

    page_file = html_dir / "_print.html"
    shutil.copy2(html_dir / "book" / "index.html", page_file)
    # the reader's style and script as they are now (the same files the build copied; with
    # --skip-build an older build is printed with the current ones)
    for name in ("reader.css", "reader.js"):
        shutil.copy2(Path(__file__).resolve().parent / "static" / name, html_dir / "_static" / name)
    env = browser_env(html_dir)
    server, base = serve(html_dir)
    outside: list[str] = []
    errors: list[str] = []
    problems: list[str] = []

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, env=env)
            page = browser.new_page()
            page.route("**/*", route)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/{page_file.name}", wait_until="load", timeout=900_000)
            seen = page.evaluate(WAIT_FOR_PAGE)
            use_book_fonts(page)
            page.emulate_media(media="print")
            # the print layout's column: A4 less the margins, as page.pdf lays it out
            page.set_viewport_size({"width": 687, "height": 1000})
            book = page.evaluate(PRINT_BOOK)
            entries = page.evaluate(FRONT_MATTER, _book_metadata())
            ids = [(e["id"], e["section"]) for e in entries] + [tuple(r) for r in book["refs"]]
            seen.update(page.evaluate(FIT_TO_COLUMN, SHORT_CELL))
            seen["chapters"] = page.evaluate(RUNNING_HEADS, HEAD_PT)
            seen["book"] = book["done"]
            options = dict(
                format="A4", print_background=True, outline=True, tagged=True,
                margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
                display_header_footer=False,
            )
            pdf = page.pdf(**options)
            pages = _heading_pages(pdf, ids)
            for _ in range(3):  # the numbers have a fixed width: one more print is all it takes
                page.evaluate(FILL_PAGES, pages)
                pdf = page.pdf(**options)
                again = _heading_pages(pdf, ids)
                if again == pages:
                    break
                pages = again
            else:
                problems.append("the contents' page numbers did not settle after 3 prints")
            missing = [i for i, _ in ids if i not in pages]
            if missing:
                problems.append(f"headings or references without a page in the PDF: {missing[:5]}")
            import pypdf
            import io

            n_pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
            heads = running_heads(entries, pages, n_pages)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(pdf)
            seen["contents"] = len(entries)
            seen["heads"] = heads
            seen["chapter_pages"] = sorted({pages[e["id"]] for e in entries if e["level"] == 0 and e["id"] in pages})
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
    if problems:
        raise RuntimeError(f"{out} is not a finished book: {problems}")
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

    if not chromium():
        msg = f"make_pdf: {MISSING}: no PDF made"
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
    # what was fitted, for tests/test_pdf.py and for a person
    (out.parent / "make_pdf.json").write_text(json.dumps(
        {k: seen[k] for k in ("math", "images", "contents", "column", "fitted", "still", "kept", "book", "heads", "chapter_pages")}, indent=1))
    print(f"make_pdf: {out} ({out.stat().st_size / 1e6:.1f} MB; {seen['math']} equations, "
          f"{seen['images']} images; {seen['contents']} entries in the contents; "
          f"{len(seen['fitted'])} equations or tables scaled to the column, {len(seen['still'])} still wider; "
          f"{seen['kept']} short code cells kept on one page) in {time.time() - start:.0f} s")
    for item in seen["still"]:
        print(f"make_pdf: still wider than the column (cut at the margin): {item}")
    for folder in args.copy_to:
        print(f"make_pdf: copied to {(folder / PDF_NAME).resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
