"""Sphinx extension: "Run this chapter live" on every chapter page, and the live part copied into the site.

Loaded by `_config.yml` (``sphinx: local_extensions: {live_ext: book/_live/}``). The live part itself
(JupyterLite with Pyodide, every notebook of the book) is built beforehand by book/_live/build.py into
``_build/live/lite/`` (``make book`` runs it first). When it is there, this extension, for the HTML builder
only (the single-page build of the PDF gets nothing):

1. puts under the title of every page made from a notebook one line: a link that opens that notebook,
   with its stored outputs, in JupyterLite's notebook view (``lite/notebooks/index.html?path=…``), and a
   "Reset" button that deletes this browser's saved copy of the chapter (JupyterLite keeps a student's
   edits in the browser's IndexedDB, database ``optimizers-book-live``; without a saved copy it opens the
   book's own). Opened from ``file://``, where the kernel cannot start, the line says instead how to run it
   live (``make serve``);
2. copies ``_build/live/lite/`` to ``<output>/lite/`` once the build has finished.

Without the live part (book/_live/build.py said why, in ``_build/live/UNAVAILABLE``) the pages are built as
before, with no such line. Nothing is added to any other page.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parent.parent.parent
LIVE = ROOT / "_build" / "live"
STORAGE = "optimizers-book-live"   # book/_live/build.py: contentsStorageName
logger = logging.getLogger(__name__)

_STYLE = ("margin:0.25rem 0 1.25rem;padding:0.5rem 0.75rem;border-left:4px solid var(--pst-color-primary);"
          "background:var(--pst-color-surface);display:flex;flex-wrap:wrap;gap:0.5rem 1rem;align-items:center")

_RESET_STYLE = ("background:none;color:var(--pst-color-text-base);border:1px solid var(--pst-color-border);"
                "border-radius:0.25rem;padding:0.25rem 0.75rem;font:inherit")

# In the page: from file:// the kernel cannot start (the browser refuses the workers' requests), so the
# link is replaced by the one line that says how to serve the book; "Reset" deletes the saved copy.
_SCRIPT = """<script>(function () {
  var box = document.currentScript.parentNode;
  if (location.protocol === 'file:') {
    box.querySelector('.live-run').hidden = true;
    box.querySelector('.live-run-note').hidden = true;
    box.querySelector('.live-file').hidden = false;
    return;
  }
  var reset = box.querySelector('.live-reset');
  reset.hidden = false;
  reset.addEventListener('click', function () {
    var name = reset.getAttribute('data-notebook');
    if (!confirm('Forget your changes to ' + name + ' saved in this browser and open the chapter as the book stores it? (Close its live tab first.)')) return;
    var req = indexedDB.open(reset.getAttribute('data-storage'));
    req.onsuccess = function () {
      var db = req.result, stores = ['files', 'checkpoints'].filter(function (s) { return db.objectStoreNames.contains(s); });
      var done = function () { db.close(); reset.textContent = 'Reset done'; window.open(box.querySelector('.live-run').href, '_blank'); };
      if (!stores.length) { done(); return; }
      var tx = db.transaction(stores, 'readwrite');
      stores.forEach(function (s) { tx.objectStore(s).delete(name); });
      tx.oncomplete = done;
    };
  });
})();</script>"""


def _enabled(app) -> bool:
    return app.builder.name == "html" and (LIVE / "lite" / "jupyter-lite.json").is_file()


def _builder_inited(app):
    app.env.live_enabled = _enabled(app)   # noqa: set per build
    if app.builder.name == "html" and not app.env.live_enabled:
        why = (LIVE / "UNAVAILABLE").read_text().strip() if (LIVE / "UNAVAILABLE").is_file() else \
            "book/_live/build.py has not been run"
        logger.info(f"live_ext: no live part ({why.splitlines()[0][:200]}): no 'Run this chapter live' links")


def launch_html(href: str, notebook: str) -> str:
    """The line under a chapter's title (``href``: the live notebook's URL relative to the page)."""
    nb = html.escape(notebook)
    return (
        f'<div class="live-launch" style="{_STYLE}">'
        f'<a class="live-run sd-btn sd-btn-primary" href="{html.escape(href)}" target="_blank" rel="noopener">'
        f'Run this chapter live</a>'
        f'<span class="live-run-note" style="flex:1 1 16rem">in your browser: nothing to install, no network; '
        f'your edits stay in this browser</span>'
        f'<button type="button" class="live-reset" style="{_RESET_STYLE}" hidden '
        f'data-notebook="{nb}" data-storage="{STORAGE}">Reset my changes</button>'
        f'<span class="live-file" hidden>To run this chapter live, serve the book: <code>make serve</code> '
        f'in the book\'s folder, then open the address it prints.</span>'
        f'{_SCRIPT}</div>'
    )


def _page_context(app, pagename, templatename, context, doctree):
    if not getattr(app.env, "live_enabled", False) or doctree is None or "body" not in context:
        return
    source = Path(app.env.doc2path(pagename))
    if source.suffix != ".ipynb":
        return
    href = context["pathto"](f"lite/notebooks/index.html", 1) + f"?path={source.name}"
    body = context["body"]
    line = launch_html(href, source.name)
    end = body.find("</h1>")
    context["body"] = body[:end + 5] + line + body[end + 5:] if end >= 0 else line + body


def _build_finished(app, exception):
    if exception is not None or not getattr(app.env, "live_enabled", False):
        return
    dst = Path(app.outdir) / "lite"
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(LIVE / "lite", dst)
    logger.info(f"live_ext: copied the live part to {dst}")


def setup(app):
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
