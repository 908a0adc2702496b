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
    """"each configuration of the table above (the six, AdamW with its default and with a larger weight
    decay, and AMSGrad) runs 60 steps in float64 beside optlib, on a rotated quadratic with κ = 30 in four
    dimensions and on Rosenbrock, … every coordinate of every iterate must agree with optlib's to within a
    relative 1e-12 (plus 1e-14 absolute)"; "The same holds for each optimizer under three schedules (warm-up
    then cosine, step decay, 1/√t) through the real LambdaLR, except Momentum and NAG, which must differ …,
    and Momentum agrees again with PyTorch's momentum set to γα_{t−1}/α_t. PyTorch's own StepLR,
    CosineAnnealingLR and LinearLR give the rates of optlib's step decay, cosine and linear warm-up"."""
    s = _settings()
    text = TORCH_CHECK.read_text(encoding="utf-8")
    assert ast.literal_eval(s["STEPS"]) == 60
    assert ast.literal_eval(s["RTOL"]) == 1e-12 and ast.literal_eval(s["ATOL"]) == 1e-14
    assert [ast.literal_eval(k) for k in s["CASES"].keys] == [c.__name__ for c in optlib.OPTIMIZERS]
    after = ast.unparse(s["AFTER_NOTES"])
    assert [ast.literal_eval(k) for k in s["AFTER_NOTES"].keys] == ["AdamW", "AdamW-default", "AMSGrad"]
    assert "optlib.AdamW(0.01)," in after and "weight_decay=0.5" in after and "amsgrad=True" in after
    problems = ast.unparse(s["PROBLEMS"])
    assert "quadratic(30.0, dim=4, rotate=True" in problems and "Rosenbrock()" in problems
    assert "torch==2.13.0" in text
    schedules = ast.unparse(s["SCHEDULES"])
    assert [ast.literal_eval(k) for k in s["SCHEDULES"].keys] == ["warmup-cosine", "step-decay", "inverse-sqrt"]
    assert all(name in schedules for name in ("WarmupCosine", "StepDecay", "InverseSqrt"))
    assert [ast.literal_eval(k) for k in s["SCHEDULED"].keys] == \
        [c.__name__ for c in optlib.OPTIMIZERS] + ["AdamW", "AMSGrad"]
    assert ast.literal_eval(s["DIFFERENT_UNDER_SCHEDULE"]) == {"Momentum", "NAG"}
    assert "lr_scheduler.LambdaLR" in text and "schedule(e + 1)" in text
    assert "opt.gamma * (schedule(t - 1) / schedule(t)" in text
    for torch_name in ("StepLR", "CosineAnnealingLR", "LinearLR"):
        assert f"lr_scheduler.{torch_name}(" in text


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


# --------------------------------------------------------------------------- AdamW, AMSGrad, schedules
PROBLEMS = [optlib.Rosenbrock(), optlib.TwoLayerNet()]


def _adam_l2(lr, lam, problem, steps=60):
    """Adam on J + (λ/2)‖θ‖²: what torch.optim.Adam(weight_decay=λ) does (λθ added to the gradient)."""
    return optlib.run(optlib.Adam(lr), lambda th: problem.grad(th) + lam * th, problem.theta0, steps).thetas


def test_decoupled_decay_is_not_l2():
    """"The two ways of decaying are not the same optimizer: after the same steps the iterates are far
    apart"."""
    for p in PROBLEMS:
        adamw = optlib.run(optlib.AdamW(0.01, weight_decay=0.1), p.grad, p.theta0, 60).thetas
        l2 = _adam_l2(0.01, 0.1, p)
        assert np.max(np.abs(adamw - l2)) > 1e-2
        # and far apart compared with how far each moved
        assert np.max(np.abs(adamw - l2)) > 0.1 * np.max(np.abs(l2[-1] - l2[0]))


def test_l2_in_adam_barely_decays_coordinates_with_large_gradients():
    """"that term is then divided by √v̂_t with the rest, so coordinates with large gradients are barely
    decayed. Here (AdamW) every coordinate shrinks by the same factor"."""
    c = np.array([100.0, 0.01])              # a large and a small constant gradient
    theta0, lam, lr = np.array([1.0, 1.0]), 0.1, 0.01
    plain = optlib.run(optlib.Adam(lr), lambda th: c, theta0, 50).thetas[-1]
    l2 = optlib.run(optlib.Adam(lr), lambda th: c + lam * th, theta0, 50).thetas[-1]
    decoupled = optlib.run(optlib.AdamW(lr, weight_decay=lam), lambda th: c, theta0, 50).thetas[-1]
    l2_effect, decoupled_effect = np.abs(l2 - plain), np.abs(decoupled - plain)
    assert l2_effect[0] < 1e-3 * l2_effect[1]          # the large-gradient coordinate is barely decayed
    np.testing.assert_allclose(decoupled_effect[0], decoupled_effect[1], rtol=0.05)


def test_adamw_default_decays():
    """"AdamW's default is weight_decay=0.01, not 0: AdamW(params, lr=η) alone is not Adam"."""
    import inspect
    assert inspect.signature(optlib.AdamW).parameters["weight_decay"].default == 0.01
    p = optlib.TwoLayerNet()
    d = np.max(np.abs(optlib.run(optlib.AdamW(0.01), p.grad, p.theta0, 60).thetas
                      - optlib.run(optlib.Adam(0.01), p.grad, p.theta0, 60).thetas))
    assert d > 1e-4


def test_amsgrad_keeps_the_largest_second_moment():
    """"Adam's v_t forgets: when the gradients shrink, √v̂_t falls and the step grows back. AMSGrad divides by
    the largest second moment seen instead"."""
    # a gradient of 1 for 20 steps, then 0.01 for 8000 (eight times Adam's memory 1/(1 − β2)): the step size
    # |θ_t − θ_{t−1}| just after the drop and at the end, with η = 0.01
    steps, v_hat = {}, {}
    for opt in (optlib.Adam(0.01), optlib.AMSGrad(0.01)):
        seen = []

        def grad(theta):
            seen.append(1)
            return np.full(1, 1.0 if len(seen) <= 20 else 0.01)

        traj = optlib.run(opt, grad, [0.0], 8020)
        steps[opt.name] = np.abs(np.diff(traj.thetas[:, 0]))
        if opt.name == "AMSGrad":
            v_max = traj.state_field("v_max")[:, 0]
    adam, ams = steps["Adam"], steps["AMSGrad"]
    assert adam[-1] > 0.9 * 0.01 and adam[-1] > 20 * adam[20:].min()   # Adam's step falls, then grows back to η
    assert ams[-1] < 0.1 * 0.01 and adam[-1] > 10 * ams[-1]       # AMSGrad's stays far below η
    assert np.all(np.diff(v_max) >= 0) and v_max[-1] == v_max[20]  # the largest v: that of step 20


def test_amsgrad_v_hat_can_fall_while_v_max_cannot():
    """"v^max_t never decreases, but v̂_t can, and by much, while 1 − β2^t still grows: large gradients of the
    first steps enter v^max_t only at the size v_t had then, a fraction 1 − β2^t of their square"."""
    opt = optlib.AMSGrad(0.01)
    traj = optlib.run(opt, lambda th: np.full(1, 1.0) if abs(th[0]) < 0.1 else np.full(1, 0.01), [0.0], 300)
    t = np.arange(len(traj.states))
    v_max = traj.state_field("v_max")[:, 0]
    v_hat = v_max[1:] / (1 - opt.beta2 ** t[1:])
    big = int(np.argmax(traj.grads[:, 0] < 1.0))    # the steps 1 … big had g_t = 1
    assert 5 <= big < 50
    assert np.all(np.diff(v_max) >= 0) and v_max[-1] == v_max[big]
    np.testing.assert_allclose(v_max[big], 1 - opt.beta2 ** big, rtol=1e-12)   # v_t = (1 − β2^t) g² then
    assert v_hat[-1] < 0.1 * v_hat[:big].max()      # "by much": v̂_t falls more than tenfold


def _reddi(problem, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, steps=60):
    theta = np.array(problem.theta0, dtype=float)
    m, v, v_hat, out = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta), [theta.copy()]
    for _ in range(steps):
        g = problem.grad(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_hat = np.maximum(v_hat, v)
        theta = theta - lr * m / (np.sqrt(v_hat) + eps)
        out.append(theta.copy())
    return np.array(out)


def test_reddi_amsgrad_is_another_sequence():
    """"Reddi, Kale & Kumar's Algorithm 2 has no bias correction at all … a different sequence of points"."""
    for p in PROBLEMS:
        ours = optlib.run(optlib.AMSGrad(0.01), p.grad, p.theta0, 60).thetas
        assert np.max(np.abs(ours - _reddi(p))) > 1e-2


def _torch_sgd(grad, theta0, steps, rate, momentum):
    # torch.optim.SGD's documented rule with a rate and a momentum per step (dampening 0)
    theta, b, out = np.array(theta0, dtype=float), None, []
    out.append(theta.copy())
    for t in range(1, steps + 1):
        g = grad(theta)
        b = g if t == 1 else momentum(t) * b + g
        theta = theta - rate(t) * b
        out.append(theta.copy())
    return np.array(out)


SCHED = optlib.schedules.WarmupCosine(1e-3, warmup=10, steps=60, alpha_min=1e-4)


def test_torch_momentum_differs_under_a_schedule_and_agrees_with_rescaled_mu():
    """"Momentum is the exception. … PyTorch multiplies its whole buffer by the current rate"; "The two agree
    again if PyTorch's momentum is set to μ_t = γα_{t−1}/α_t before each step t ≥ 2"."""
    for p in PROBLEMS:
        notes = optlib.run(optlib.Momentum(SCHED, gamma=0.9), p.grad, p.theta0, 60).thetas
        plain = _torch_sgd(p.grad, p.theta0, 60, SCHED, lambda t: 0.9)
        rescaled = _torch_sgd(p.grad, p.theta0, 60, SCHED, lambda t: 0.9 * SCHED(t - 1) / SCHED(t))
        assert np.max(np.abs(plain - notes)) > 1e-3
        np.testing.assert_allclose(rescaled, notes, rtol=1e-12, atol=1e-12)
        # with a constant rate they agree
        const = optlib.run(optlib.Momentum(1e-3, gamma=0.9), p.grad, p.theta0, 60).thetas
        np.testing.assert_allclose(_torch_sgd(p.grad, p.theta0, 60, lambda t: 1e-3, lambda t: 0.9), const,
                                   rtol=1e-12, atol=1e-12)


def test_torch_weighs_old_gradients_by_the_current_rate():
    """"During a warm-up PyTorch weighs the old gradients by the larger current rate, during a decay by the
    smaller one"."""
    gamma, t_end = 0.9, 60
    for t in range(2, t_end + 1):
        notes_w = np.array([gamma ** (t - i) * SCHED(i) for i in range(1, t + 1)])      # V_t's weights
        torch_w = np.array([gamma ** (t - i) * SCHED(t) for i in range(1, t + 1)])      # α_t b_t's weights
        if t <= SCHED.warmup:
            assert np.all(torch_w[:-1] > notes_w[:-1])
        else:
            assert np.all(torch_w[SCHED.warmup:-1] < notes_w[SCHED.warmup:-1])
    # and the weights of the run itself are those: V_t = Σ γ^{t−i} α_i g_i
    p = PROBLEMS[0]
    traj = optlib.run(optlib.Momentum(SCHED, gamma=gamma), p.grad, p.theta0, 30)
    w = np.array([gamma ** (30 - i) * SCHED(i) for i in range(1, 31)])
    np.testing.assert_allclose(traj.states[-1].V, w @ traj.grads, rtol=1e-12)


def test_no_torch_mu_makes_nag_agree_whatever_the_gradients():
    """"For NAG no choice of μ_t works whatever the gradients, since PyTorch's one μ sets both the buffer and
    the look-ahead"."""
    # Step 2 of PyTorch's Nesterov rule, φ_2 = φ_1 − α_2 (g_2 + μ(μ g_1 + g_2)), against the notes'
    # φ_2 = θ_2 − γV_2 = φ_1 − α_2 g_2 − γ(γ α_1 g_1 + α_2 g_2), for independent g_1, g_2 (a_1 = α_1, a_2 = α_2):
    # g_2's coefficient needs α_2 (1 + μ) = α_2 (1 + γ), i.e. μ = γ; g_1's needs α_2 μ² = γ² α_1.
    gamma, a1, a2 = 0.9, SCHED(1), SCHED(2)
    mu_for_g2 = gamma
    mu_for_g1 = gamma * np.sqrt(a1 / a2)
    assert abs(mu_for_g2 - mu_for_g1) > 0.1
    # the two coefficients, checked on two runs of optlib's NAG from the same start with different gradients
    for a in (1.0, 3.0):
        grad = (lambda th, a=a: a * th)
        opt = optlib.NAG(SCHED, gamma=gamma)
        traj = optlib.run(opt, grad, [1.0], 2)
        g1, g2 = traj.grads[:, 0]
        phi1 = traj.thetas[1, 0] - gamma * traj.states[1].V[0]
        phi2 = traj.thetas[2, 0] - gamma * traj.states[2].V[0]
        np.testing.assert_allclose(phi2, phi1 - a2 * (1 + gamma) * g2 - gamma ** 2 * a1 * g1, rtol=1e-12)
        for mu in (mu_for_g2, mu_for_g1):
            torch_phi2 = phi1 - a2 * (g2 + mu * (mu * g1 + g2))
            assert abs(torch_phi2 - phi2) > 1e-9
