"""The claims of the PyTorch appendix (book/pytorch.ipynb), computed with optlib and numpy.

The appendix runs without torch; what it says about the check against the real torch.optim (its settings)
is read here from that check itself, so that changing the check without the page fails.
"""

import ast
from pathlib import Path

import numpy as np

import optlib

#: numbers the appendix quotes that are inputs, not results
QUOTED_INPUTS = {
    "1.2": "Rosenbrock's start (−1.2, 1), the problem's θ_0",
    "κ = 30": "κ of the rotated quadratic in the torch check (an input of that check, asserted below)",
    "60": "the number of steps of the torch check (an input of that check, asserted below)",
    "1e-12": "the relative tolerance of the torch check (an input of that check, asserted below)",
    "1e-14": "the absolute tolerance of the torch check (an input of that check, asserted below)",
}

TORCH_CHECK = Path(__file__).resolve().parent / "test_torch_equivalence.py"


def _settings():
    tree = ast.parse(TORCH_CHECK.read_text(encoding="utf-8"))
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value
                elif isinstance(target, ast.Tuple):
                    out.update({e.id: v for e, v in zip(target.elts, node.value.elts)})
    return out


def test_the_torch_check_is_what_the_page_says():
    """"each of the six configurations of the table above runs 60 steps in float64 beside optlib, on a
    rotated quadratic with κ = 30 in four dimensions and on Rosenbrock, … every coordinate of every iterate
    must agree with optlib's to within a relative 1e-12 (plus 1e-14 absolute)"."""
    s = _settings()
    assert ast.literal_eval(s["STEPS"]) == 60
    assert ast.literal_eval(s["RTOL"]) == 1e-12 and ast.literal_eval(s["ATOL"]) == 1e-14
    assert [ast.literal_eval(k) for k in s["CASES"].keys] == [c.__name__ for c in optlib.OPTIMIZERS]
    problems = ast.unparse(s["PROBLEMS"])
    assert "quadratic(30.0, dim=4, rotate=True" in problems and "Rosenbrock()" in problems
    assert "torch==2.13.0" in TORCH_CHECK.read_text(encoding="utf-8")


def test_momentum_buffer_is_velocity_over_alpha():
    """"So b_t = V_t / α and the iterates are equal as long as α is constant"."""
    p, lr, gamma = optlib.Rosenbrock(), 1e-3, 0.9
    traj = optlib.run(optlib.Momentum(lr, gamma=gamma), p.grad, p.theta0, 60)
    b = np.zeros(2)
    for g in traj.grads:
        b = gamma * b + g
    np.testing.assert_allclose(lr * b, traj.states[-1].V, rtol=1e-12, atol=1e-15)


def test_nag_lookahead_gap_goes_to_zero():
    """"The two sequences differ by γV_t, which goes to zero as the run converges"."""
    q = optlib.quadratic(10.0)
    opt = optlib.NAG(0.05, gamma=0.9)
    traj = optlib.run(opt, q.grad, q.theta0, 400)
    gap = np.linalg.norm(opt.gamma * traj.state_field("V"), axis=-1)
    assert gap[-1] < 1e-6 * gap[1:].max()
    np.testing.assert_allclose(opt.lookahead(traj.thetas[-2], traj.states[-2]),
                               traj.thetas[-2] - opt.gamma * traj.states[-2].V)


def test_positive_starting_accumulator_shrinks_the_first_steps():
    """"A positive starting accumulator is not [harmless]: with gradients below 1, g_1² is small beside 0.1, so
    the first steps are much shorter than the notes' (whose first step moves every coordinate by about α)"."""
    net = optlib.TwoLayerNet()
    g = net.grad(net.theta0)
    assert np.max(np.abs(g)) < 1
    notes_first = 0.05 * np.abs(g) / (np.sqrt(g * g) + 1e-8)           # ≈ α in every coordinate
    keras_first = 0.05 * np.abs(g) / (np.sqrt(0.1 + g * g) + 1e-8)
    moving = np.abs(g) > 1e-6
    assert np.allclose(notes_first[moving], 0.05, rtol=1e-2)
    assert np.median(keras_first[moving] / notes_first[moving]) < 0.5
