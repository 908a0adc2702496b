"""The API reference (book/api.md) covers every public name of optlib, and every public name has a docstring."""

import inspect
import re
from pathlib import Path

import pytest

import optlib

API_MD = Path(__file__).resolve().parents[1] / "book" / "api.md"
# inside ```{eval-rst} blocks:  .. autoclass:: optlib.GD   /   .. autofunction:: optlib.run   /   .. autodata:: …
DIRECTIVE = re.compile(r"^\.\. auto(class|function|data|exception):: optlib\.(\w+)\s*$", re.MULTILINE)


def documented_in_api_md():
    return [name for _, name in DIRECTIVE.findall(API_MD.read_text(encoding="utf-8"))]


def attribute_docs():
    """Doc-comments (``#: …``) of optlib/__init__.py's module-level data, as Sphinx autodoc reads them."""
    from sphinx.pycode import ModuleAnalyzer

    return {name: "\n".join(lines).strip()
            for (scope, name), lines in ModuleAnalyzer.for_module("optlib").find_attr_docs().items() if scope == ""}


def own_docstring(obj):
    """The docstring an object defines itself (a class inheriting its base's docstring does not count)."""
    if inspect.isclass(obj):
        return (vars(obj).get("__doc__") or "").strip()
    return (getattr(obj, "__doc__", None) or "").strip()


@pytest.mark.parametrize("name", optlib.__all__)
def test_public_name_has_a_docstring(name):
    obj = getattr(optlib, name)
    if inspect.isclass(obj) or inspect.isroutine(obj):
        doc = own_docstring(obj)
    else:  # data such as OPTIMIZERS: a doc-comment "#:" above its assignment
        doc = attribute_docs().get(name, "")
    assert len(doc) >= 10, f"optlib.{name} has no docstring (or doc-comment) for the API reference"


@pytest.mark.parametrize("name", optlib.__all__)
def test_public_name_is_in_api_md(name):
    assert name in documented_in_api_md(), f"optlib.{name} is public (optlib.__all__) but missing from book/api.md"


def test_api_md_names_only_public_objects_once():
    names = documented_in_api_md()
    stale = sorted(set(names) - set(optlib.__all__))
    assert not stale, f"book/api.md documents names that are not in optlib.__all__: {stale}"
    twice = sorted({n for n in names if names.count(n) > 1})
    assert not twice, f"book/api.md documents these names twice (Sphinx warns on duplicates): {twice}"


def test_api_md_documents_the_helper_modules():
    text = API_MD.read_text(encoding="utf-8")
    for module in ("optlib.plotting", "optlib.widgets"):
        assert re.search(r"^\.\. automodule:: " + re.escape(module) + r"\s*$", text, re.MULTILINE), module


def test_optimizer_docstrings_carry_their_equations():
    # the reference renders the notes' update of each optimizer as math
    for cls in optlib.OPTIMIZERS:
        assert ".. math::" in own_docstring(cls), f"{cls.__name__}'s docstring has no math block"


# --------------------------------------------------------------------------- what the API page shows a reader
# Math in a docstring is typeset on the page: display equations in ``.. math::`` blocks, symbols in running
# text as :math:`…` roles. A subscript or superscript written with braces outside them (θ_{t+1}, V_{t-1})
# would reach the reader as raw TeX. These are the docstrings written that way so far (the optimizers of
# gd.py, momentum.py and adam.py, and base.py's run/Trajectory); the others keep plain Unicode for now.
TYPESET = ["GD", "GDState", "Momentum", "MomentumState", "NAG", "NAGState", "Adam", "AdamState",
           "Optimizer", "run", "Trajectory", "DivergenceError"]


def _shown_docstrings(obj):
    """(name, docstring) of an object and of the public members autodoc's ``:members:`` shows."""
    yield obj.__name__, inspect.getdoc(obj) or ""
    if inspect.isclass(obj):
        for name, member in vars(obj).items():
            if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property)):
                yield f"{obj.__name__}.{name}", inspect.getdoc(member) or ""


def _prose(doc: str) -> str:
    """A docstring without its math blocks, :math: roles, ``literals`` and doctest examples."""
    out, in_math = [], False
    for line in doc.splitlines():
        if line.strip().startswith(".. math::"):
            in_math = True
            continue
        if in_math and (not line.strip() or line.startswith(" ")):
            continue
        in_math = False
        if line.lstrip().startswith((">>>", "...")):
            continue
        out.append(line)
    text = "\n".join(out)
    text = re.sub(r":math:`[^`]*`", " ", text)
    return re.sub(r"``[^`]*``", " ", text)


@pytest.mark.parametrize("name", TYPESET)
def test_docstring_math_is_typeset(name):
    raw = [(where, m.group(0)) for where, doc in _shown_docstrings(getattr(optlib, name))
           for m in re.finditer(r"\w[_^]\{[^}]*\}", _prose(doc))]
    assert not raw, f"raw TeX outside :math: roles and math blocks: {raw}"


def test_prose_guard_sees_raw_tex():
    # the guard above is not empty: raw braces in text are found, typeset ones are not
    assert re.search(r"\w[_^]\{", _prose("step θ_{t+1} = θ_t"))
    assert not re.search(r"\w[_^]\{", _prose(":math:`\\theta_{t+1}`\n\n.. math::\n\n    V_{t-1}\n"))


#: words of the test machinery that a reader of the API page must not meet
TEST_WORDS = re.compile(r"nbval|pytest|tests/|test_\w+\.py")


def test_api_page_text_speaks_to_students():
    text = API_MD.read_text(encoding="utf-8")
    docs = "\n".join(doc for name in TYPESET for _, doc in _shown_docstrings(getattr(optlib, name)))
    for where, body in (("book/api.md", text), ("the docstrings", docs)):
        m = TEST_WORDS.search(body)
        assert not m, f"{where} mentions the test machinery ({m.group(0)!r}): say it in CONTRIBUTING.md instead"


def test_api_page_code_fits_the_column():
    # code lines of the page fit 79 columns (nothing cut at 1280 px)
    text = API_MD.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    long = [ln for block in blocks for ln in block.splitlines() if len(ln) > 79]
    assert not long, f"code lines wider than 79 columns on the API page: {long}"
