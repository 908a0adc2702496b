"""tests/book_stamp.py: which files count as inputs of `make book`'s build, and that a change is seen.

The site tests reuse `make book`'s build only when its stamp matches; these check that the inputs the
stamp hashes are the ones the build reads (the book, the configuration, optlib for the API page, the
PDF's and the site's extension), that the tests themselves are not among them, and that a changed,
added or removed input or built file makes the build out of date.
"""

from __future__ import annotations

import json

import book_stamp  # tests/ is on sys.path (conftest.py)


def test_inputs_are_what_the_build_reads():
    names = {str(p.relative_to(book_stamp.ROOT)) for p in book_stamp.input_files()}
    for needed in ("_config.yml", "_toc.yml", "Makefile", "requirements.txt", "book/index.md",
                   "book/references.bib", "optlib/__init__.py", "pdf/reader_ext.py", "pdf/make_pdf.py",
                   "pdf/static/reader.css"):
        assert needed in names, f"{needed} is not an input of the stamp"
    assert any(n.startswith("book/") and n.endswith(".ipynb") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "_build/", "artifacts/", ".git/", ".venv"))]


def test_a_changed_input_or_built_file_is_seen(tmp_path, monkeypatch):
    # a miniature repository: one input, one built page, the log and the PDF, stamped, then changed
    root = tmp_path
    (root / "book").mkdir()
    (root / "book" / "index.md").write_text("# Hello\n")
    html = root / "_build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text("<p>Hello</p>")
    (root / "_build" / "book-build.log").write_text("build succeeded.\n")
    for name, value in (("ROOT", root), ("BUILD", root / "_build"), ("HTML", html),
                        ("PDF_DIR", root / "_build" / "pdf"), ("LOG", root / "_build" / "book-build.log"),
                        ("STAMP", root / "_build" / "book-stamp.json")):
        monkeypatch.setattr(book_stamp, name, value)
    assert not book_stamp.check()[0]  # no stamp yet
    book_stamp.write()
    assert book_stamp.check()[0], book_stamp.check()[1]
    assert json.loads(book_stamp.STAMP.read_text())["inputs"]["files"] == {"book/index.md": book_stamp._sha(root / "book" / "index.md")}
    (root / "book" / "index.md").write_text("# Hello!\n")
    assert "book/index.md" in book_stamp.check()[1] and not book_stamp.check()[0]
    (root / "book" / "index.md").write_text("# Hello\n")
    assert book_stamp.check()[0]  # contents, not dates
    (root / "book" / "new.md").write_text("new")
    assert not book_stamp.check()[0]
    (root / "book" / "new.md").unlink()
    (html / "index.html").write_text("<p>Hello, edited</p>")
    assert not book_stamp.check()[0] and "html/index.html" in book_stamp.check()[1]
    (html / "index.html").write_text("<p>Hello</p>")
    copy = book_stamp.copy_checked(tmp_path / "copy")
    assert copy and (copy["html"] / "index.html").read_text() == "<p>Hello</p>" and copy["pdf"] is None
