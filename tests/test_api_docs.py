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
    for module in ("optlib.plotting", "optlib.widgets", "optlib.schedules", "optlib.tuning", "optlib.exercises",
                   "optlib.digits"):
        assert re.search(r"^\.\. automodule:: " + re.escape(module) + r"\s*$", text, re.MULTILINE), module


def test_optimizer_docstrings_carry_their_equations():
    # the reference renders the notes' update of each optimizer as math
    for cls in optlib.OPTIMIZERS:
        assert ".. math::" in own_docstring(cls), f"{cls.__name__}'s docstring has no math block"


# --------------------------------------------------------------------------- what the API page shows a reader
# Math in a docstring is typeset on the page: display equations in ``.. math::`` blocks, symbols in running
# text as :math:`…` roles. A subscript or superscript written outside them (θ_{t+1}, V_{t-1}, G_t) would
# reach the reader as raw TeX. These are the docstrings written that way so far: every optimizer and its
# state, base.py's run/Trajectory, the derivations (theory.py), the trajectory readings (metrics.py) and
# the write-it-yourself exercises (a dotted name is an attribute of optlib: "exercises.check").
TYPESET = ["GD", "GDState", "Momentum", "MomentumState", "NAG", "NAGState", "AdaGrad", "AdaGradState",
           "RMSProp", "RMSPropState", "Adam", "AdamState", "Optimizer", "run", "Trajectory", "DivergenceError",
           "momentum_weights", "unrolled_velocity", "effective_memory", "ewma", "ewma_weights",
           "ewma_coefficients", "bias_correction", "steps_until", "heavy_ball_rate", "heavy_ball_optimum",
           "distance_to", "iterations_to_tolerance", "overshoots", "layer_movement",
           "exercises", "exercises.check", "exercises.CheckResult"]


def _resolve(name):
    obj = optlib
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _shown_docstrings(obj):
    """(name, docstring) of an object and of the public members autodoc's ``:members:`` shows."""
    yield obj.__name__, inspect.getdoc(obj) or ""
    if inspect.isclass(obj):
        for name, member in vars(obj).items():
            if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property)):
                yield f"{obj.__name__}.{name}", inspect.getdoc(member) or ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _prose(doc: str) -> str:
    """A docstring without its math and code blocks, :math: roles, ``literals`` and doctest examples."""
    out, block = [], None        # block: the indentation of the directive whose body is being skipped
    example = False              # inside a doctest example (its >>> lines and its output)
    for line in doc.splitlines():
        if block is not None and (not line.strip() or _indent(line) > block):
            continue
        block = None
        if line.strip().startswith((".. math::", ".. code-block::")) or line.rstrip().endswith("::"):
            block = _indent(line)
            if not line.strip().startswith(".."):       # "text::" opens a literal block: keep the text
                out.append(line)
            continue
        if line.lstrip().startswith((">>>", "...")):
            example = True
            continue
        if example and line.strip():                    # what an example prints
            continue
        example = False
        out.append(line)
    text = "\n".join(out)
    text = re.sub(r":[a-z]+:`[^`]*`", " ", text)      # :math:, :func:, :class:, … roles
    return re.sub(r"``[^`]*``", " ", text)


#: a sub- or superscript written as TeX or as plain text: θ_{t+1}, β^{t−i}, G_t, x_i, θ_0, g_t²
RAW_SCRIPT = re.compile(r"[^\W\d_][_^](\{[^}]*\}|[0-9A-Za-z]\b)")


def _found(name: str, pattern: re.Pattern) -> list:
    """(where, text) of every match of ``pattern`` in the prose of the docstrings the page shows for ``name``."""
    return [(where, m.group(0)) for where, doc in _shown_docstrings(_resolve(name))
            for m in pattern.finditer(_prose(doc))]


#: the problems and the tuning helpers: their math is typeset (their prose keeps plain θ, κ, α, which read
#: well as text); SigmoidChain.backprop's docstring is printed by chapter 2 as it is, and is left out
NO_RAW_TEX = ["quadratic", "Saddle", "Plateau", "SigmoidChain", "LeastSquares", "TwoLayerNet", "tuning.errors"]
NO_RAW_TEX_EXCEPT = {"SigmoidChain.backprop"}


@pytest.mark.parametrize("name", TYPESET + NO_RAW_TEX)
def test_docstring_math_is_typeset(name):
    raw = [(where, text) for where, text in _found(name, RAW_SCRIPT) if where not in NO_RAW_TEX_EXCEPT]
    assert not raw, f"raw TeX outside :math: roles and math blocks: {raw}"


#: a Greek letter or a math sign written as plain text, beside typeset symbols (R13 of the review)
PLAIN_SYMBOL = re.compile(r"[α-ωΑ-Ω∇√]")


@pytest.mark.parametrize("name", TYPESET)
def test_docstring_symbols_are_typeset(name):
    plain = _found(name, PLAIN_SYMBOL)
    assert not plain, f"plain-text symbols outside :math: roles and math blocks: {plain}"


def test_prose_guard_sees_raw_tex():
    # the guard above is not empty: raw sub- and superscripts in text are found, typeset ones are not
    for raw in ("step θ_{t+1} = θ_t", "weights β^{t−i}", "the sum G_t grows", "x_i in s_t",
                "text\n\n.. math::\n\n    V_{t-1}\n\nthen G_t"):
        assert RAW_SCRIPT.search(_prose(raw)), raw
    for typeset in (":math:`\\theta_{t+1}`\n\n.. math::\n\n    V_{t-1}\n",
                    ".. warning::\n   text\n\n   .. math::\n\n       m_t\n\n   more :math:`v_t`\n",
                    "``theta_next`` and ``G_t``", ">>> x_t = 1", "a literal::\n\n    G_t = 0\n",
                    "lambda_min", "theta_next"):
        assert not RAW_SCRIPT.search(_prose(typeset)), typeset
    assert PLAIN_SYMBOL.search(_prose("the rate α falls")) and PLAIN_SYMBOL.search(_prose(">>> 1\n1\n\nγ"))
    assert not PLAIN_SYMBOL.search(_prose(">>> print('α')\nα = 1\n\n:math:`\\alpha` ``γ``"))


#: words of the test machinery that a reader of the API page must not meet
TEST_WORDS = re.compile(r"nbval|pytest|tests/|test_\w+\.py")


def test_api_page_text_speaks_to_students():
    text = API_MD.read_text(encoding="utf-8")
    docs = "\n".join(doc for name in TYPESET for _, doc in _shown_docstrings(_resolve(name)))
    for where, body in (("book/api.md", text), ("the docstrings", docs)):
        m = TEST_WORDS.search(body)
        assert not m, f"{where} mentions the test machinery ({m.group(0)!r}): say it in CONTRIBUTING.md instead"


def test_api_page_code_fits_the_column():
    # code lines of the page fit 79 columns (nothing cut at 1280 px)
    text = API_MD.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    long = [ln for block in blocks for ln in block.splitlines() if len(ln) > 79]
    assert not long, f"code lines wider than 79 columns on the API page: {long}"
