"""The convergence table, after optax's alias_test.py: each optimizer, with the stated hyperparameters,
reaches a stated tolerance on ‖θ_t − θ*‖ (and stays there) within a stated number of steps.

Measured steps (at the time of writing) are in the comments; the bounds leave a margin of 10-40 %.
RMSProp's fixed α makes it hover at a distance of order α from θ*, hence its looser tolerance on the
quadratic: that is the behaviour the book discusses, not a defect.
"""

import pytest

import optlib

QUADRATIC = optlib.quadratic(10.0)          # θ_0 = (1, 1), κ = 10
ROSENBROCK = optlib.Rosenbrock()            # θ_0 = (−1.2, 1), θ* = (1, 1)

TABLE = [
    # problem,   optimizer,                        tolerance, at most (measured)
    (QUADRATIC,  optlib.GD(0.15),                  1e-6,      100),      # 86
    (QUADRATIC,  optlib.Momentum(0.05, 0.9),       1e-6,      300),      # 268
    (QUADRATIC,  optlib.NAG(0.05, 0.9),            1e-6,      200),      # 176
    (QUADRATIC,  optlib.AdaGrad(0.5),              1e-6,      40),       # 25
    (QUADRATIC,  optlib.RMSProp(0.01, 0.9),        1e-2,      300),      # 237
    (QUADRATIC,  optlib.Adam(0.1),                 1e-6,      320),      # 267
    (ROSENBROCK, optlib.GD(1.5e-3),                1e-3,      12_500),   # 11,379
    (ROSENBROCK, optlib.Momentum(2e-4, 0.9),       1e-3,      9_500),    # 8,435
    (ROSENBROCK, optlib.NAG(2e-4, 0.9),            1e-3,      9_500),    # 8,469
    (ROSENBROCK, optlib.AdaGrad(0.5),              1e-3,      10_000),   # 8,923
    (ROSENBROCK, optlib.RMSProp(1e-3, 0.9),        1e-3,      10_500),   # 9,475
    (ROSENBROCK, optlib.Adam(0.01),                1e-2,      4_500),    # 3,790
]


@pytest.mark.parametrize("problem, opt, tol, max_steps", TABLE,
                         ids=[f"{p.name.split(',')[0]}-{o.name}" for p, o, _, _ in TABLE])
def test_reaches_tolerance_within_stated_steps(problem, opt, tol, max_steps):
    traj = optlib.run(opt, problem.grad, problem.theta0, max_steps, keep_states=False)
    err = optlib.distance_to(traj.thetas, problem.minimizer)
    t = optlib.iterations_to_tolerance(err, tol)
    assert t is not None, f"{opt!r} on {problem.name}: ‖θ_T − θ*‖ = {err[-1]:.3e} > {tol:g} after {max_steps} steps"
