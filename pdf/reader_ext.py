"""Sphinx extension for the reader's experience: PDF link, accessibility, phones, print.

Loaded by `_config.yml` (``sphinx: local_extensions: {reader_ext: pdf/}``). It does four things, for
every page of the website (and of the single-page build that becomes the PDF, which it also lets
build myst-nb's folded cells: see ``_singlehtml_gets_html_visitors``):

1. Adds ``pdf/static/reader.css`` (phones: wide equations, tables and outputs scroll in their own box;
   print: sidebars and animation controls hidden) and ``pdf/static/reader.js`` (names for the theme's
   buttons that axe-core flags). They live here, not in a root ``_static/`` folder, so that nothing else
   is injected into every page.
2. Links the whole book's PDF from the footer of every page, with a path relative to that page, but
   only when the PDF is already in the output folder (``make book`` builds it first, see ``make pdf``),
   so that the link is never dead.
3. Gives every matplotlib ``to_jshtml`` animation an ``alt`` text (from the cell's metadata
   ``{"mystnb": {"image": {"alt": "..."}}}``, the same key myst-nb uses for PNG outputs) and a label for
   its frame slider; its buttons are native ``<button>`` elements, so they are reachable with Tab and
   pressed with Enter or Space. The animation's link to Font Awesome on a CDN is removed (the theme
   ships Font Awesome): the site loads nothing from the network.
4. Keeps pages light: a favicon of its own (pdf/static/favicon.svg), also named by the pages Sphinx does
   not write (the root redirect, JupyterLite's pages in lite/: see ``_favicon_everywhere``), and no Font
   Awesome SVG script (the theme's icons come from its web font; see ``_drop_fontawesome_js``).
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from docutils import nodes

PDF_NAME = "optimizers-book.pdf"
STATIC = Path(__file__).parent / "static"


def _add_static_path(app, config):
    config.html_static_path = list(config.html_static_path or []) + [str(STATIC)]
    # a favicon of the book's own (a browser asks for /favicon.ico, a 404, where a page names none)
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.svg")


# pydata-sphinx-theme loads Font Awesome's SVG framework, _static/scripts/fontawesome.js (1.49 MB, two
# fifths of a page's cold load), to draw about fifteen icons; its style sheet already has the same icons
# as a web font (fa-solid-900.woff2, 156 kB, loaded only when an icon is shown). The script's tag is
# removed from every page written (reader.css gives matplotlib's "fa fa-play" icons the font).
_FONTAWESOME_JS = re.compile(r'<script[^>]*src="[^"]*_static/scripts/fontawesome\.js[^"]*"[^>]*></script>\s*')


def _drop_fontawesome_js(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = _FONTAWESOME_JS.sub("", text)
        if new != text:
            page.write_text(new, encoding="utf-8")


# Pages that Sphinx does not write get no <link rel="icon"> from the theme: jupyter-book's redirect at the
# root (sphinx-external-toc writes index.html, a bare <meta> refresh, at build-finished) and JupyterLite's
# pages (book/_live/live_ext.py copies them into lite/ at build-finished). A reader opening / or /lite/
# would see the browser's own request for /favicon.ico end in a 404. Each such page gets the book's
# favicon, with a path relative to it; this runs after those two (priority 900 > their default 500).
_ICON_LINK = re.compile(r'<link[^>]*rel="(?:shortcut )?icon"')
_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)


def _favicon_everywhere(app, exception):
    if exception is not None or app.builder.format != "html" or not app.config.html_favicon:
        return
    out = Path(app.outdir)
    icon = out / "_static" / Path(app.config.html_favicon).name
    if not icon.is_file():
        return
    for page in out.rglob("*.html"):
        if "_static" in page.relative_to(out).parts:
            continue
        text = page.read_text(encoding="utf-8")
        if _ICON_LINK.search(text):
            continue
        link = f'<link rel="icon" href="{Path(os.path.relpath(icon, page.parent)).as_posix()}"/>'
        head = _HEAD.search(text)
        new = (text[:head.end()] + "\n    " + link + text[head.end():]) if head else link + "\n" + text
        page.write_text(new, encoding="utf-8")


def _pdf_in_outdir(app) -> bool:
    # READER_PDF_PENDING=1: the caller prints the PDF while this build runs and copies it into the
    # output folder afterwards (tests/conftest.py, which then checks that every link's target exists)
    return (Path(app.outdir) / PDF_NAME).is_file() or os.environ.get("READER_PDF_PENDING") == "1"


def _footer_link(app, pagename, templatename, context, doctree):
    if app.builder.name != "html" or not _pdf_in_outdir(app):
        return
    href = context["pathto"](PDF_NAME, 1)
    link = (
        f'<p class="reader-pdf-link"><a href="{html.escape(href)}" download>'
        "Download the whole book as a PDF</a> (for revision and printing).</p>"
    )
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + link


# matplotlib's to_jshtml links Font Awesome 4 from a CDN for its button icons; the theme already
# ships Font Awesome (6, which knows the v4 names used), so the link only costs a request off the machine.
_CDN_LINK = re.compile(r'<link[^>]+href="https?://[^"]*font-awesome[^"]*"[^>]*>\s*')
_ANIM_IMG = re.compile(r'<img id="(_anim_img[0-9a-f]*)"')
_ANIM_SLIDER = re.compile(r'<input id="(_anim_slider[0-9a-f]*)"')


def _cell_alt(container) -> str | None:
    meta = container.get("cell_metadata") or {}
    return ((meta.get("mystnb") or {}).get("image") or {}).get("alt")


def _label_animations(app, doctree, docname):
    """Put the cell's alt text on the animation's <img> and name its slider."""
    for raw in list(doctree.findall(nodes.raw)):
        text = raw.astext()
        if "_anim_img" not in text:
            continue
        container = raw.parent
        while container is not None and container.get("nb_element") != "cell_code":
            container = container.parent
        alt = _cell_alt(container) if container is not None else None
        alt = alt or "Animation; its frames are described in the text around it."
        text = _ANIM_IMG.sub(lambda m: f'<img id="{m.group(1)}" alt="{html.escape(alt)}"', text)
        text = _ANIM_SLIDER.sub(
            lambda m: f'<input id="{m.group(1)}" aria-label="Animation frame"', text
        )
        text = _CDN_LINK.sub("", text)
        text = text.replace('<i class="fa ', '<i aria-hidden="true" class="fa ')
        raw.replace_self(nodes.raw(text=text, format=raw.get("format", "html")))


def _fix_body(app, pagename, templatename, context, doctree):
    """ARIA roles in the page body that axe-core flags, fixed in the HTML itself.

    docutils writes a bibliography as ``<div role="list" class="citation-list">`` holding
    ``<div class="citation" role="doc-biblioentry">`` entries: a list must hold list items (critical,
    aria-required-children) and doc-biblioentry is deprecated (minor). Each entry becomes a listitem.
    """
    body = context.get("body")
    if body and 'class="citation-list"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def _singlehtml_gets_html_visitors(app):
    """The single-page build (the PDF's) knows every node the website knows.

    Sphinx looks a custom node's visitors up by builder name first, then by format: sphinx-exercise
    registers its nodes for "singlehtml" by name, so the singlehtml builder finds only those, and
    myst-nb's folded code cells (HideCodeCellNode, registered for "html") stop the build with
    "unknown node type". The html visitors are added where the singlehtml ones do not say otherwise.
    """
    handlers = app.registry.translation_handlers
    if app.builder.name == "singlehtml" and "singlehtml" in handlers:
        for name, pair in handlers.get("html", {}).items():
            handlers["singlehtml"].setdefault(name, pair)


def setup(app):
    app.connect("config-inited", _add_static_path)
    app.connect("builder-inited", _singlehtml_gets_html_visitors)
    app.add_css_file("reader.css")
    app.add_js_file("reader.js")
    app.connect("html-page-context", _footer_link)
    app.connect("html-page-context", _fix_body)
    app.connect("doctree-resolved", _label_animations)
    app.connect("build-finished", _drop_fontawesome_js)
    app.connect("build-finished", _favicon_everywhere, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
