"""optlib against torch.optim as an oracle, after micrograd's test_engine.py.

Each optimizer runs 60 steps in float64 from the same θ_0, fed the same gradient function, and the
iterates must agree to rtol = 1e-12 (they differ only by rounding: torch folds Adam's corrections into a
step size, for example). The largest difference measured is written to
artifacts/torch-equivalence.txt, which CI prints (the PyTorch appendix states the settings, which
tests/test_claims_pytorch.py holds to the page, and not the round-off measured).

Skipped, saying why, where torch is not installed: it is not a reader's requirement. CI installs
torch==2.13.0 (a CPU build; a plain `pip install torch` would pull a multi-GB CUDA build).
"""

from pathlib import Path

import numpy as np
import pytest

import optlib

torch = pytest.importorskip("torch", reason="torch is not installed: the optional oracle tests need torch==2.13.0")

STEPS = 60
RTOL, ATOL = 1e-12, 1e-14
PROBLEMS = [optlib.quadratic(30.0, dim=4, rotate=True, seed=2), optlib.Rosenbrock()]
REPORT = Path(__file__).resolve().parent.parent / "artifacts" / "torch-equivalence.txt"

# optlib optimizer → the torch.optim configuration that computes the same iterates
CASES = {
    "GD":       (lambda: optlib.GD(1e-3),
                 lambda p: torch.optim.SGD([p], lr=1e-3)),
    "Momentum": (lambda: optlib.Momentum(1e-3, gamma=0.9),      # torch's buffer b_t = V_t / α
                 lambda p: torch.optim.SGD([p], lr=1e-3, momentum=0.9, dampening=0.0)),
    "NAG":      (lambda: optlib.NAG(1e-3, gamma=0.9),           # torch's parameter is θ_t − γV_t
                 lambda p: torch.optim.SGD([p], lr=1e-3, momentum=0.9, dampening=0.0, nesterov=True)),
    "AdaGrad":  (lambda: optlib.AdaGrad(0.05, eps=1e-8),
                 lambda p: torch.optim.Adagrad([p], lr=0.05, lr_decay=0.0, initial_accumulator_value=0.0,
                                               eps=1e-8)),
    "RMSProp":  (lambda: optlib.RMSProp(1e-3, beta=0.9, eps=1e-8),   # PyTorch calls β "alpha"
                 lambda p: torch.optim.RMSprop([p], lr=1e-3, alpha=0.9, eps=1e-8, momentum=0.0,
                                               centered=False)),
    "Adam":     (lambda: optlib.Adam(0.01, beta1=0.9, beta2=0.999, eps=1e-8),
                 lambda p: torch.optim.Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8, amsgrad=False)),
}

_measured = {}


def torch_iterates(make_torch, problem):
    p = torch.tensor(problem.theta0, dtype=torch.float64, requires_grad=True)
    opt = make_torch(p)
    out = [p.detach().numpy().copy()]
    for _ in range(STEPS):
        opt.zero_grad()
        p.grad = torch.from_numpy(problem.grad(p.detach().numpy().copy()))
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name.split(",")[0])
@pytest.mark.parametrize("name", CASES)
def test_same_iterates_as_torch_optim(name, problem):
    make_optlib, make_torch = CASES[name]
    opt = make_optlib()
    traj = optlib.run(opt, problem.grad, problem.theta0, STEPS)
    expected = traj.thetas
    if name == "NAG":
        # torch.optim.SGD(nesterov=True) stores the look-ahead point: θ'_t = θ_t − γ V_t
        expected = traj.thetas - opt.gamma * traj.state_field("V")
    got = torch_iterates(make_torch, problem)
    diff = float(np.max(np.abs(got - expected)))
    _measured[(name, problem.name)] = diff
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


def teardown_module(module):
    if not _measured:
        return
    REPORT.parent.mkdir(exist_ok=True)
    lines = [f"optlib vs torch.optim {torch.__version__}, float64, {STEPS} steps: max |θ_optlib − θ_torch|"]
    lines += [f"{name:9s} {prob:22s} {diff:.3e}" for (name, prob), diff in sorted(_measured.items())]
    REPORT.write_text("\n".join(lines) + "\n")
