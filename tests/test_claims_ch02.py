"""Claims register of chapter 2 (why gradient descent struggles): each test quotes the sentence it guards
and recomputes the claim with optlib, so that a change to optlib that turns the sentence false fails here.

The chapter's older claims (non-convexity, geometric vanishing with depth, 24 steps per decade at the
saddle) are guarded in tests/test_ch234_claims.py; this file holds the claims added since.
"""

import numpy as np
import pytest

import optlib
from optlib.metrics import layer_movement

#: numbers chapter 2's Markdown quotes that are inputs of its experiments, not results
QUOTED_INPUTS = {
    "99": "the notes' own figure, quoted: \"In Deep Learning, 99% of the time the loss function is not convex\"",
    "δ = 1e-1": "the largest starting offset δ of the saddle table (10.0 ** -k for k = 1 … 9)",
    "δ = 1e-9": "the smallest starting offset δ of the saddle table",
    "α = 1e-4": "the smallest α of the tuning grid (optlib.tuning.ALPHA_GRID)",
    "α = 10": "the largest α of the tuning grid",
    "T = 100": "the number of steps on the deep chain (T_chain = 100 in its cell)",
    "200 examples": "the number of examples of the regression (linear_regression's default size)",
    "10 examples": "a batch size of the noise-floor runs (B in (1, 10, len(data.X)) in their cell)",
    "1e-12": "the relative nudge of the gradients that finds chaotic runs",
}

_CHAIN = optlib.SigmoidChain(depth=10, width=4, seed=0)


def _first_over_last(make, lr, steps=100):
    traj = optlib.run(make(lr), _CHAIN.grad, _CHAIN.theta0, steps, keep_states=False)
    m = layer_movement(_CHAIN, traj)
    return m[0] / m[-1]


@pytest.mark.parametrize("lr", [1e-4, 1e-2, 1.0, 10.0])
def test_momentum_does_not_solve_the_vanishing_gradient_per_coordinate_rates_do(lr):
    """"At every α of the grid, gradient descent, momentum and NAG move the first layer less than
    3 × 10⁻⁴ times as far as the last, and AdaGrad, RMSProp and Adam at least a third as far: the two
    groups never overlap" (and the summary row: "Momentum & NAG solve the Vanishing Gradient problem."
    Not on the deep chain.)"""
    for opt in (optlib.GD, optlib.Momentum, optlib.NAG):
        assert _first_over_last(opt, lr) < 3e-4, f"{opt.__name__}, α = {lr}"
    for opt in (optlib.AdaGrad, optlib.RMSProp, optlib.Adam):
        assert _first_over_last(opt, lr) >= 0.3, f"{opt.__name__}, α = {lr}"


def test_momentum_and_nag_do_a_little_better_than_gd_on_the_chain():
    """"Momentum and NAG do a little better (ratios 3 × 10⁻⁵ and 9.3 × 10⁻⁵) but still leave the first
    layer thousands of times less moved than the last, and they end at the loss gradient descent reaches, to
    within 4 × 10⁻⁷" (at their tuned α, 0.32 and 1; GD's is 1)."""
    gd = _first_over_last(optlib.GD, 1.0)
    ends = []
    for opt, lr in ((optlib.GD, 1.0), (optlib.Momentum, 10 ** -0.5), (optlib.NAG, 1.0)):
        ends.append(_CHAIN.loss(optlib.run(opt(lr), _CHAIN.grad, _CHAIN.theta0, 100, keep_states=False).final))
        if opt is not optlib.GD:
            r = _first_over_last(opt, lr)
            assert gd < r < 1e-3, opt.__name__
    assert max(ends) - min(ends) < 4.5e-7


def test_the_saddle_costs_grow_with_decades_not_with_one_over_delta():
    """"From δ = 10⁻¹ to 10⁻⁹, a start 10⁸ times closer to the saddle, the steps to leave grow from 19 to
    212, only 212/19 ≈ 11.2 times as many"."""
    left = []
    for k in (1, 9):
        problem = optlib.Saddle(theta0=(1.0, 10.0 ** -k))
        traj = optlib.run(optlib.GD(0.1), problem.grad, problem.theta0, 1000, keep_states=False)
        left.append(int(np.flatnonzero(np.abs(traj.thetas[:, 1]) >= 0.5)[0]))
    assert left == [19, 212]
    assert 11 < left[1] / left[0] < 11.5


def _data():
    return optlib.linear_regression(scales=(1.0, 10.0), noise=2.0).standardized()


def test_minibatch_gradient_is_right_on_average_and_its_noise_shrinks_like_one_over_sqrt_batch():
    """"A mini-batch gradient is cheap and right on average ..., but each one is off by a random error,
    the noise, whose size shrinks like 1/√|B|" and "the noise halves when the batch grows four times"."""
    data = _data()
    full = data.grad(np.zeros(2))
    size = {}
    for B in (1, 4, 16):
        g = data.minibatch_grad(B, seed=0)
        mean = np.mean([g(np.zeros(2)) for _ in range(2000)], axis=0)
        assert np.linalg.norm(mean - full) < 0.1 * np.linalg.norm(full)
        noise = np.array([g(data.minimizer) for _ in range(2000)])
        size[B] = np.sqrt(np.mean(np.sum(noise ** 2, axis=1)))
    assert 1.8 < size[1] / size[4] < 2.2 and 1.8 < size[4] / size[16] < 2.2


def test_gd_with_minibatches_stalls_at_a_floor_set_by_alpha_and_the_batch():
    """"With the full gradient the run converges; with mini-batches it stalls at a noise floor, higher for a
    smaller batch and for a larger α"."""
    data = _data()
    floor = {}
    for B in (1, 10, len(data.X)):
        for a in (0.1, 0.01):
            g = data.grad if B == len(data.X) else data.minibatch_grad(B, seed=0)
            traj = optlib.run(optlib.GD(a), g, np.zeros(2), 2000, keep_states=False)
            d = optlib.distance_to(traj.thetas, data.minimizer)
            floor[B, a] = d[-1000:].mean()
            if B == len(data.X):
                assert optlib.iterations_to_tolerance(d, 1e-6) is not None
    assert floor[1, 0.1] > floor[10, 0.1] > 1e-3 and floor[1, 0.01] > floor[10, 0.01] > 1e-3
    assert floor[1, 0.1] > floor[1, 0.01] and floor[10, 0.1] > floor[10, 0.01]


def test_squared_minibatch_gradients_do_not_vanish_at_the_minimum():
    """"with mini-batches a coordinate's g_t² never falls to zero, even at the minimum" (while the full
    gradient's does)."""
    data = _data()
    g = data.minibatch_grad(1, seed=1)
    sq = np.mean([g(data.minimizer) ** 2 for _ in range(1000)], axis=0)
    assert np.all(sq > 1.0)
    assert np.all(data.grad(data.minimizer) ** 2 <= 1e-20)


def _end(opt, lr, probe):
    grad = _CHAIN.grad
    if probe:
        rng = np.random.default_rng(0)
        grad = lambda th: _CHAIN.grad(th) * (1 + probe * rng.uniform(-1, 1, th.shape))  # noqa: E731
    return optlib.run(opt(lr), grad, _CHAIN.theta0, 100, keep_states=False).final


def test_a_few_runs_on_the_chain_are_chaotic_and_the_others_are_not():
    """"a change of the gradients in their twelfth digit changes where the run ends up ... leave out of the
    tuning each run whose θ_100 moves by more than 10⁻⁹ (the other runs move by less than a tenth of that)"."""
    moved = {(opt.__name__, lr): np.abs(_end(opt, lr, 1e-12) - _end(opt, lr, 0)).max()
             for opt, lr in ((optlib.AdaGrad, 10 ** -0.5), (optlib.GD, 1.0), (optlib.Momentum, 10 ** -0.5),
                             (optlib.RMSProp, 10 ** -1.5))}
    assert moved["AdaGrad", 10 ** -0.5] > 1e-3
    assert all(v < 1e-10 for k, v in moved.items() if k[0] != "AdaGrad")
