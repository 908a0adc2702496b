"""The portability checks themselves: the sanitizer masks nothing a reader reads as a number, and the numeric
back-ends of tests/numerics.py are what the Makefile's nbval passes say they are."""

import configparser
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
numerics = runpy.run_path(str(ROOT / "tests" / "numerics.py"))

#: ordinary printed numbers of the book: no sanitizer rule may touch them
NUMBERS = ["0.632", "139", "3.1623α", "1.0e-06", "2.2e-16", "-0.32", "θ = (0.99998, 1.00002)", "426 iterations",
           "α=1e-02", "agree to within 1e-12", "100 %", "mean rank 2.50", "(1, 2)", "0x10 steps"]
#: what the rules are for: random by nature
RANDOM = ["<Figure size 660x340 with 2 Axes>", "<function f at 0x7f3a2b1c4d60>",
          "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"]


def rules():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "nbval_sanitize.cfg", encoding="utf-8")
    return [(name, cfg[name]["regex"], cfg[name]["replace"]) for name in cfg.sections()]


def test_the_sanitizer_has_rules():
    assert len(rules()) >= 3


@pytest.mark.parametrize("text", NUMBERS)
def test_no_sanitizer_rule_rewrites_a_printed_number(text):
    for name, regex, _ in rules():
        assert not re.search(regex, text), f"sanitizer rule [{name}] would mask the number in {text!r}"


@pytest.mark.parametrize("text", RANDOM)
def test_what_is_random_by_nature_is_masked(text):
    assert any(re.search(regex, text) for _, regex, _ in rules()), text


def test_backends_are_distinct_and_unknown_names_fail():
    distinct = numerics["BACKENDS"]
    assert distinct["machine"] == {} and distinct["sandybridge"]["OPENBLAS_CORETYPE"] == "Sandybridge"
    assert "X86_V3" in distinct["sandybridge"]["NPY_DISABLE_CPU_FEATURES"]
    with pytest.raises(SystemExit, match="unknown numeric back-end"):
        numerics["env"]("haswel")
