"""optlib: the optimizers of the lecture notes, written to be read beside them.

Six optimizers, each an immutable object with ``init(θ)`` and ``step(grad, θ, state)``::

    GD(lr)                                   θ_{t+1} = θ_t − α g_t
    Momentum(lr, gamma=0.9)                  V_t = γV_{t−1} + α∇θ_t,  θ_{t+1} = θ_t − V_t
    NAG(lr, gamma=0.9)                       gradient at θ_temp = θ_t − γV_{t−1}
    AdaGrad(lr, eps=1e-8)                    G_t = G_{t−1} + g_t ⊙ g_t
    RMSProp(lr, beta=0.9, eps=1e-8)          G_t = βG_{t−1} + (1 − β) g_t²
    Adam(lr, beta1=0.9, beta2=0.999, eps=1e-8)

``run(optimizer, grad, theta0, steps)`` makes the steps and returns a :class:`Trajectory`.
"""

from .adam import Adam, AdamState
from .adaptive import AdaGrad, AdaGradState, RMSProp, RMSPropState
from .base import DivergenceError, Optimizer, Trajectory, run
from . import exercises  # optlib.exercises.check: the write-it-yourself exercises
from .gd import GD, GDState
from .metrics import distance_to, iterations_to_tolerance, overshoots
from .momentum import NAG, Momentum, MomentumState, NAGState
from .problems import (LeastSquares, Plateau, Problem, Quadratic, Rosenbrock, Saddle, SigmoidChain,
                       TwoLayerNet, linear_regression, quadratic, sparse_regression, two_moons)
from . import tuning
from .tuning import tune
from .theory import (bias_correction, effective_memory, ewma, ewma_coefficients, ewma_weights,
                     momentum_weights, steps_until, unrolled_velocity)

__version__ = "0.1.0"

#: the six optimizers, in the notes' order
OPTIMIZERS = (GD, Momentum, NAG, AdaGrad, RMSProp, Adam)

__all__ = [
    # optimizers and their states
    "GD", "GDState", "Momentum", "MomentumState", "NAG", "NAGState",
    "AdaGrad", "AdaGradState", "RMSProp", "RMSPropState", "Adam", "AdamState",
    "Optimizer", "OPTIMIZERS",
    # running
    "run", "Trajectory", "DivergenceError",
    # the derivations' helpers
    "momentum_weights", "unrolled_velocity", "effective_memory", "ewma", "ewma_weights",
    "ewma_coefficients", "bias_correction", "steps_until",
    # the one tuning protocol of the book (optlib.tuning)
    "tune",
    # reading a trajectory
    "distance_to", "iterations_to_tolerance", "overshoots",
    # problems
    "Problem", "Quadratic", "quadratic", "Rosenbrock", "Saddle", "Plateau", "SigmoidChain",
    "LeastSquares", "linear_regression", "sparse_regression", "two_moons", "TwoLayerNet",
]
