"""optlib against torch.optim as an oracle, after micrograd's test_engine.py.

Each optimizer runs 60 steps in float64 from the same θ_0, fed the same gradient function, and the
iterates must agree to rtol = 1e-12 (they differ only by rounding: torch folds Adam's corrections into a
step size, for example). The largest difference measured is written to
artifacts/torch-equivalence.txt, which CI prints (the PyTorch appendix states the settings, which
tests/test_claims_pytorch.py holds to the page, and not the round-off measured).

The same holds for the two variants after the notes (AdamW, AMSGrad) and, under learning-rate schedules
(torch.optim.lr_scheduler.LambdaLR), for every optimizer except Momentum and NAG, whose velocity keeps
each step's rate (V_t = γV_{t−1} + α_t g_t) where torch's SGD multiplies its buffer by the current one: for
those the difference must appear, and momentum must equal torch's SGD with its momentum set to
γ α_{t−1}/α_t at each step. optlib's schedules give the rates of torch's own StepLR, CosineAnnealingLR and
LinearLR.

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

# after the notes: the two variants of Adam, same protocol
AFTER_NOTES = {
    "AdamW":    (lambda: optlib.AdamW(0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.5),
                 lambda p: torch.optim.AdamW([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.5,
                                             amsgrad=False)),
    "AdamW-default": (lambda: optlib.AdamW(0.01),          # both default weight_decay=0.01
                      lambda p: torch.optim.AdamW([p], lr=0.01)),
    "AMSGrad":  (lambda: optlib.AMSGrad(0.01, beta1=0.9, beta2=0.999, eps=1e-8),
                 lambda p: torch.optim.Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8, amsgrad=True)),
}

# --- schedules: optlib's lr = schedule against torch's lr = 1 under LambdaLR(lambda e: schedule(e + 1)):
# torch's scheduler counts from e = 0 at the first step, optlib's t from 1.
PEAK = {"GD": 1e-3, "Momentum": 1e-3, "NAG": 1e-3, "AdaGrad": 0.05, "RMSProp": 1e-3, "Adam": 0.01,
        "AdamW": 0.01, "AMSGrad": 0.01}
SCHEDULES = {
    "warmup-cosine": lambda a: optlib.schedules.WarmupCosine(a, warmup=10, steps=STEPS, alpha_min=a / 10),
    "step-decay":    lambda a: optlib.schedules.StepDecay(a, every=20, factor=0.5),
    "inverse-sqrt":  lambda a: optlib.schedules.InverseSqrt(a),
}
# optlib class → (its keyword arguments, the torch.optim configuration at lr = 1)
SCHEDULED = {
    "GD":       (optlib.GD, {}, lambda p: torch.optim.SGD([p], lr=1.0)),
    "Momentum": (optlib.Momentum, dict(gamma=0.9),
                 lambda p: torch.optim.SGD([p], lr=1.0, momentum=0.9, dampening=0.0)),
    "NAG":      (optlib.NAG, dict(gamma=0.9),
                 lambda p: torch.optim.SGD([p], lr=1.0, momentum=0.9, dampening=0.0, nesterov=True)),
    "AdaGrad":  (optlib.AdaGrad, dict(eps=1e-8),
                 lambda p: torch.optim.Adagrad([p], lr=1.0, lr_decay=0.0, initial_accumulator_value=0.0,
                                               eps=1e-8)),
    "RMSProp":  (optlib.RMSProp, dict(beta=0.9, eps=1e-8),
                 lambda p: torch.optim.RMSprop([p], lr=1.0, alpha=0.9, eps=1e-8)),
    "Adam":     (optlib.Adam, {}, lambda p: torch.optim.Adam([p], lr=1.0)),
    "AdamW":    (optlib.AdamW, dict(weight_decay=0.5), lambda p: torch.optim.AdamW([p], lr=1.0, weight_decay=0.5)),
    "AMSGrad":  (optlib.AMSGrad, {}, lambda p: torch.optim.Adam([p], lr=1.0, amsgrad=True)),
}
# Momentum and NAG keep the rate inside V_t = γV_{t−1} + α_t g_t; torch's SGD multiplies its buffer by α_t.
DIFFERENT_UNDER_SCHEDULE = {"Momentum", "NAG"}

_measured = {}


def torch_iterates(make_torch, problem, schedule=None, before_step=None):
    """θ_0 … θ_STEPS of a torch.optim optimizer; ``schedule`` t ↦ α_t through LambdaLR (torch's lr must be 1);
    ``before_step(optimizer, t)`` may change its settings before step t."""
    p = torch.tensor(problem.theta0, dtype=torch.float64, requires_grad=True)
    opt = make_torch(p)
    sched = None
    if schedule is not None:
        assert opt.param_groups[0]["lr"] == 1.0
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: schedule(e + 1))
    out = [p.detach().numpy().copy()]
    for t in range(1, STEPS + 1):
        opt.zero_grad()
        p.grad = torch.from_numpy(problem.grad(p.detach().numpy().copy()))
        if before_step is not None:
            before_step(opt, t)
        opt.step()
        if sched is not None:
            sched.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


def _record(key, got, expected):
    _measured[key] = float(np.max(np.abs(got - expected) / (np.abs(expected) + ATOL / RTOL)))


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
    _record((name, "constant lr", problem.name), got, expected)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name.split(",")[0])
@pytest.mark.parametrize("name", AFTER_NOTES)
def test_adamw_and_amsgrad_same_iterates_as_torch_optim(name, problem):
    make_optlib, make_torch = AFTER_NOTES[name]
    traj = optlib.run(make_optlib(), problem.grad, problem.theta0, STEPS)
    got = torch_iterates(make_torch, problem)
    _record((name, "constant lr", problem.name), got, traj.thetas)
    np.testing.assert_allclose(got, traj.thetas, rtol=RTOL, atol=ATOL)


def _scheduled_run(name, sched_name, problem):
    cls, kwargs, make_torch = SCHEDULED[name]
    schedule = SCHEDULES[sched_name](PEAK[name])
    opt = cls(schedule, **kwargs)
    return opt, schedule, optlib.run(opt, problem.grad, problem.theta0, STEPS), make_torch


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name.split(",")[0])
@pytest.mark.parametrize("sched_name", SCHEDULES)
@pytest.mark.parametrize("name", [n for n in SCHEDULED if n not in DIFFERENT_UNDER_SCHEDULE])
def test_scheduled_same_iterates_as_torch_lambdalr(name, sched_name, problem):
    opt, schedule, traj, make_torch = _scheduled_run(name, sched_name, problem)
    np.testing.assert_allclose(traj.rates(), schedule.values(STEPS), rtol=0, atol=0)
    got = torch_iterates(make_torch, problem, schedule=schedule)
    _record((name, sched_name, problem.name), got, traj.thetas)
    np.testing.assert_allclose(got, traj.thetas, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name.split(",")[0])
@pytest.mark.parametrize("sched_name", SCHEDULES)
@pytest.mark.parametrize("name", sorted(DIFFERENT_UNDER_SCHEDULE))
def test_scheduled_momentum_differs_from_torch_sgd(name, sched_name, problem):
    # the notes' V_t = γV_{t−1} + α_t g_t against torch's θ_t = θ_{t−1} − α_t b_t: once α_t changes, they part
    opt, schedule, traj, make_torch = _scheduled_run(name, sched_name, problem)
    expected = traj.thetas if name == "Momentum" else traj.thetas - opt.gamma * traj.state_field("V")
    got = torch_iterates(make_torch, problem, schedule=schedule)
    rel = np.max(np.abs(got - expected)) / np.max(np.abs(expected))
    _record((f"{name} vs torch SGD: differs", sched_name, problem.name), got, expected)
    assert rel > 1e-6, f"{name} under {sched_name}: torch's SGD should differ from the notes' form"
    # …and they are equal up to the first step whose rate differs from the one before
    first_change = next(t for t in range(2, STEPS + 1) if schedule(t) != schedule(t - 1))
    np.testing.assert_allclose(got[:first_change], expected[:first_change], rtol=RTOL, atol=ATOL)
    assert not np.allclose(got[first_change + 1], expected[first_change + 1], rtol=1e-9, atol=0)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name.split(",")[0])
@pytest.mark.parametrize("sched_name", SCHEDULES)
def test_scheduled_momentum_equals_torch_sgd_with_rescaled_momentum(sched_name, problem):
    # torch's buffer with μ_t = γ α_{t−1}/α_t at step t ≥ 2 is b_t = V_t/α_t, so α_t b_t = V_t: the same iterates
    opt, schedule, traj, make_torch = _scheduled_run("Momentum", sched_name, problem)

    def rescale(torch_opt, t):
        torch_opt.param_groups[0]["momentum"] = opt.gamma * (schedule(t - 1) / schedule(t) if t > 1 else 1.0)

    got = torch_iterates(make_torch, problem, schedule=schedule, before_step=rescale)
    _record(("Momentum, μ_t = γα_{t−1}/α_t", sched_name, problem.name), got, traj.thetas)
    np.testing.assert_allclose(got, traj.thetas, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("ours, theirs", [
    (lambda: optlib.schedules.StepDecay(0.1, every=7, factor=0.5),
     lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
    (lambda: optlib.schedules.Cosine(0.1, steps=STEPS, alpha_min=0.01),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=STEPS - 1, eta_min=0.01)),
    (lambda: optlib.schedules.LinearWarmup(0.1, warmup=12),
     lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 12, end_factor=1.0, total_iters=11)),
], ids=["StepDecay-StepLR", "Cosine-CosineAnnealingLR", "LinearWarmup-LinearLR"])
def test_schedules_are_torch_schedulers(ours, theirs):
    # the rates t = 1 … STEPS of optlib's schedule and of torch's own scheduler (epochs 0 … STEPS − 1)
    schedule = ours()
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = theirs(opt)
    rates = []
    for _ in range(STEPS):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    _record((type(schedule).__name__, "rates", type(sched).__name__), np.array(rates), schedule.values(STEPS))
    np.testing.assert_allclose(rates, schedule.values(STEPS), rtol=RTOL, atol=ATOL)


def teardown_module(module):
    if not _measured:
        return
    REPORT.parent.mkdir(exist_ok=True)
    lines = [f"optlib vs torch.optim {torch.__version__}, float64, {STEPS} steps: the largest relative difference "
             f"|θ_optlib − θ_torch| / (|θ_optlib| + {ATOL:g}/{RTOL:g}); the tests require ≤ {RTOL:g}, except the "
             f"rows marked 'differs', which must exceed 1e-6 (torch's SGD under a schedule is not the notes' momentum)"]
    lines += [f"{name:34s} {lr:14s} {prob:22s} {diff:.3e}" for (name, lr, prob), diff in sorted(_measured.items())]
    REPORT.write_text("\n".join(lines) + "\n")


def test_torch_defaults_the_appendix_states():
    # "weight_decay=0, the default of every class but AdamW"; AdamW's 0.01; amsgrad=False, Adam's default
    import inspect
    for cls in (torch.optim.SGD, torch.optim.Adagrad, torch.optim.RMSprop, torch.optim.Adam):
        assert inspect.signature(cls).parameters["weight_decay"].default == 0, cls
    assert inspect.signature(torch.optim.AdamW).parameters["weight_decay"].default == 0.01
    assert inspect.signature(optlib.AdamW).parameters["weight_decay"].default == 0.01
    for cls in (torch.optim.Adam, torch.optim.AdamW):
        assert inspect.signature(cls).parameters["amsgrad"].default is False
