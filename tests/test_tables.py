"""optlib.Table on the page: written sub- and superscripts are typeset, numbers and code are left alone."""

import pytest

import optlib
from optlib.tables import typeset


@pytest.mark.parametrize("written, shown", [
    ("J(θ_t) − J(θ*)", "J(θ<sub>t</sub>) − J(θ*)"),
    ("g_t along V_(t−1)", "g<sub>t</sub> along V<sub>t−1</sub>"),
    ("Σ_(i=1)^40 γ^(40−i)", "Σ<sub>i=1</sub><sup>40</sup> γ<sup>40−i</sup>"),
    ("|θ_t,j − θ*_j|", "|θ<sub>t,j</sub> − θ*<sub>j</sub>|"),
    ("1/√(1 − β^t)", "1/√(1 − β<sup>t</sup>)"),
    ("|1−αλ_max|", "|1−αλ<sub>max</sub>|"),
    ("AdamW(lr=η, betas=(β1, β2), eps=ε, weight_decay=λ)", "AdamW(lr=η, betas=(β1, β2), eps=ε, weight_decay=λ)"),
    ("Adagrad(lr_decay=0, initial_accumulator_value=0)", "Adagrad(lr_decay=0, initial_accumulator_value=0)"),
    ("1e-06", "1e-06"),
    ("a < b & c's", "a &lt; b &amp; c&#x27;s"),
])
def test_typeset(written, shown):
    assert typeset(written) == shown


def test_html_typesets_header_caption_notes_and_row_labels_but_not_numbers_or_text_view():
    t = optlib.Table(["optimizer", "J(θ_T)"], [["θ_0 run", 1.5e-3]], formats=[None, ".1e"],
                     caption="gaps of θ_t", notes="T = 10^3")
    page = t._repr_html_()
    for part in ("<th style=\"text-align: right\">J(θ<sub>T</sub>)</th>", "<caption>gaps of θ<sub>t</sub></caption>",
                 "T = 10<sup>3</sup>", "<td>θ<sub>0</sub> run</td>", ">1.5e-03</td>"):
        assert part in page, part
    assert "J(θ_T)" in repr(t) and "<sub>" not in repr(t)
