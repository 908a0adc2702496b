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
