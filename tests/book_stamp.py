"""Is `make book`'s build (_build/html and the PDF) up to date?  The stamp that lets the site tests test it.

`make book` removes the stamp, builds the PDF and the website (``--all``: every page read and written again,
so that the build's log holds every warning, as a build into an empty folder does), keeps the build's log,
and then runs ``python tests/book_stamp.py write``, which writes ``_build/book-stamp.json``:

* ``inputs``: the SHA-256 of every file the build can read: every file of the repository except the folders
  and files listed in SKIP_DIRS and SKIP_FILES (tests, benchmarks, CI scripts, the built files themselves,
  the two guides that _config.yml excludes), so book/*, _config.yml, _toc.yml, optlib/ (the API page),
  pdf/ (the extension, its CSS and JavaScript, make_pdf.py), book/references.bib, requirements.txt,
  pyproject.toml and the Makefile (its build commands) all count; and what is not a file of the repository:
  the Python (version and venv), the venv's set-up stamp, and the Chromium that printed the PDF;
* ``outputs``: the SHA-256 of every file of _build/html, of the PDF in _build/pdf and its report
  (make_pdf.json), and of the build's log.

The site tests (tests/conftest.py, fixture ``built_book``) call :func:`check`: when the stamp exists and every
input and every output is as it records, they copy that build into a temporary folder, check the copy against
the recorded outputs, and test it: exactly what `make book` gave the reader. Otherwise (no stamp, a `make book`
that failed or was interrupted, any changed, added or removed input, a built file changed since) they build
the site and the PDF into a temporary folder, as before. An exact comparison of contents, never dates.

    python tests/book_stamp.py write     # after a successful build (make book does it)
    python tests/book_stamp.py check     # prints whether the site tests would reuse the build; exit 0 if so
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"
PDF_DIR = BUILD / "pdf"
PDF_NAME = "optimizers-book.pdf"
LOG = BUILD / "book-build.log"
STAMP = BUILD / "book-stamp.json"

# Not read by the build: the tests and benchmarks, CI, what the build and the tests write, caches, the venvs
# (their packages are pinned by requirements.txt, an input; the venv's path and Python are recorded below).
# Every name starting with "." is skipped too (.git, .ci, .venv*, .gitignore; _config.yml excludes ".*").
SKIP_DIRS = {"_build", "artifacts", "tests", "benchmarks", "__pycache__", "node_modules"}
SKIP_FILES = {"README.md", "CONTRIBUTING.md"}  # excluded in _config.yml's exclude_patterns


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_files() -> list[Path]:
    """Every file of the repository the build may read (see the module's docstring), sorted."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS
                         and not d.endswith(".egg-info"))
        for name in files:
            if name.startswith(".") or (Path(folder) == ROOT and name in SKIP_FILES):
                continue
            found.append(Path(folder, name))
    return sorted(found)


def _environment() -> dict:
    sys.path.insert(0, str(ROOT / "pdf"))
    from browser import chromium  # pdf/browser.py: the Chromium make_pdf.py prints with

    venv_stamp = Path(sys.prefix) / ".installed"
    browser = chromium()
    return {
        "python": sys.version, "prefix": sys.prefix,
        "venv_installed": venv_stamp.stat().st_mtime_ns if venv_stamp.exists() else None,
        "chromium": [browser, os.path.realpath(browser), Path(browser).stat().st_size,
                     Path(os.path.realpath(browser)).stat().st_mtime_ns] if browser else None,
    }


def inputs() -> dict:
    return {"environment": _environment(),
            "files": {str(p.relative_to(ROOT)): _sha(p) for p in input_files()}}


def output_files(html: Path | None = None, pdf_dir: Path | None = None, log: Path | None = None) -> dict:
    """{name: path} of what the site tests read: every file of the HTML folder, the PDF, its report, the log
    (by default those of _build)."""
    html, pdf_dir, log = html or HTML, pdf_dir or PDF_DIR, log or LOG
    out = {f"html/{p.relative_to(html)}": p for p in sorted(html.rglob("*")) if p.is_file()}
    for name in (PDF_NAME, "make_pdf.json"):
        if (pdf_dir / name).is_file():
            out[f"pdf/{name}"] = pdf_dir / name
    out["book-build.log"] = log
    return out


def write() -> None:
    """Record the inputs and outputs of the build just finished (called by `make book` after it succeeded)."""
    if not (HTML / "index.html").is_file() or not LOG.is_file():
        sys.exit("book_stamp: no build to stamp (_build/html/index.html or _build/book-build.log is missing)")
    stamp = {"inputs": inputs(),
             "outputs": {name: _sha(p) for name, p in output_files().items()}}
    tmp = STAMP.with_suffix(".tmp")
    tmp.write_text(json.dumps(stamp, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(STAMP)
    print(f"book_stamp: {STAMP.relative_to(ROOT)}: {len(stamp['inputs']['files'])} inputs, "
          f"{len(stamp['outputs'])} built files")


def check() -> tuple[bool, str]:
    """(True, why) when _build is `make book`'s build of the current inputs, untouched since; else (False, why)."""
    if not STAMP.is_file():
        return False, f"no {STAMP.relative_to(ROOT)} (make book has not finished a build)"
    try:
        stamp = json.loads(STAMP.read_text(encoding="utf-8"))
    except ValueError:
        return False, f"{STAMP.relative_to(ROOT)} is unreadable"
    now = inputs()
    if now["environment"] != stamp["inputs"]["environment"]:
        changed = [k for k in now["environment"] if now["environment"][k] != stamp["inputs"]["environment"].get(k)]
        return False, f"the build's environment changed since make book ({', '.join(changed)})"
    old, new = stamp["inputs"]["files"], now["files"]
    changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    if changed:
        return False, (f"{len(changed)} input(s) changed since make book: " + ", ".join(changed[:5])
                       + (" …" if len(changed) > 5 else ""))
    bad = _changed_outputs(stamp["outputs"], output_files())
    if bad:
        return False, f"built files changed since make book: {', '.join(bad[:5])}"
    return True, f"_build is make book's build of the current {len(new)} inputs"


def _changed_outputs(recorded: dict, files: dict) -> list[str]:
    return sorted(k for k in recorded.keys() | files.keys()
                  if k not in files or k not in recorded or not files[k].is_file() or _sha(files[k]) != recorded[k])


def copy_checked(dest: Path) -> dict | None:
    """Copy the stamped build into ``dest`` (html/, pdf/, book-build.log) and check the copy against the stamp.

    Returns {"html", "pdf" (or None), "log"} of the copy, or None when the copy differs from what the stamp
    records (a `make book` running at the same time): then the caller builds afresh."""
    stamp = json.loads(STAMP.read_text(encoding="utf-8"))
    shutil.copytree(HTML, dest / "html")
    (dest / "pdf").mkdir()
    for name in (PDF_NAME, "make_pdf.json"):
        if (PDF_DIR / name).is_file():
            shutil.copy2(PDF_DIR / name, dest / "pdf" / name)
    shutil.copy2(LOG, dest / LOG.name)
    files = output_files(dest / "html", dest / "pdf", dest / LOG.name)
    if _changed_outputs(stamp["outputs"], files):
        return None
    return {"html": dest / "html", "pdf": files.get(f"pdf/{PDF_NAME}"),
            "log": (dest / LOG.name).read_text(encoding="utf-8")}


if __name__ == "__main__":
    if sys.argv[1:] == ["write"]:
        write()
    elif sys.argv[1:] == ["check"]:
        ok, why = check()
        print(("up to date: " if ok else "out of date: ") + why)
        sys.exit(0 if ok else 1)
    else:
        sys.exit(__doc__.split("\n\n")[-1])
