"""optlib: the optimizers of the lecture notes, written to be read beside them.

Six optimizers, each an immutable object with ``init(θ)`` and ``step(grad, θ, state)``. Step
t = 1, 2, … starts from θₜ₋₁ (θ₀ is the start), takes the gradient gₜ = ∇J(θₜ₋₁) and gives θₜ;
every state starts at zero::

    GD(lr)                                   θₜ = θₜ₋₁ − α gₜ
    Momentum(lr, gamma=0.9)                  Vₜ = γVₜ₋₁ + α gₜ,  θₜ = θₜ₋₁ − Vₜ
    NAG(lr, gamma=0.9)                       gₜ taken at θ_temp = θₜ₋₁ − γVₜ₋₁
    AdaGrad(lr, eps=1e-8)                    Gₜ = Gₜ₋₁ + gₜ ⊙ gₜ
    RMSProp(lr, beta=0.9, eps=1e-8)          Gₜ = βGₜ₋₁ + (1 − β) gₜ²
    Adam(lr, beta1=0.9, beta2=0.999, eps=1e-8)

and, after the notes, two variants of Adam with the iterates of ``torch.optim``'s::

    AdamW(lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01)
                                             θₜ = θₜ₋₁(1 − ηλ) − η m̂ₜ/(√v̂ₜ + ε)
    AMSGrad(lr, beta1=0.9, beta2=0.999, eps=1e-8)
                                             v̂ₜ = max(v₁, …, vₜ)/(1 − β₂ᵗ)

``lr`` is a number or a schedule t ↦ αₜ (``optlib.schedules``: StepDecay, InverseSqrt, Cosine,
LinearWarmup, WarmupCosine, or any function of t); step t then uses αₜ where the equation has α.

``run(optimizer, grad, theta0, steps)`` makes the steps and returns a :class:`Trajectory`.
"""

from .adam import Adam, AdamState
from .adam_variants import AdamW, AMSGrad, AMSGradState
from .adaptive import AdaGrad, AdaGradState, RMSProp, RMSPropState
from .base import DivergenceError, Optimizer, Trajectory, run
from . import exercises  # optlib.exercises.check: the write-it-yourself exercises
from .gd import GD, GDState
from .metrics import distance_to, iterations_to_tolerance, layer_movement, overshoots
from .momentum import NAG, Momentum, MomentumState, NAGState
from .source import code_of
from .problems import (LeastSquares, LogCosh, Plateau, Problem, Quadratic, Rosenbrock, Saddle, SigmoidChain,
                       TwoLayerNet, linear_regression, quadratic, sparse_regression, two_moons)
from . import schedules, tables, tuning
from .schedules import ScheduleError
from .tables import Table
from .tuning import tune
from .theory import (bias_correction, effective_memory, ewma, ewma_coefficients, ewma_weights,
                     heavy_ball_optimum, heavy_ball_rate, momentum_weights, steps_until, unrolled_velocity)

__version__ = "0.1.0"

#: the six optimizers, in the notes' order
OPTIMIZERS = (GD, Momentum, NAG, AdaGrad, RMSProp, Adam)

__all__ = [
    # optimizers and their states
    "GD", "GDState", "Momentum", "MomentumState", "NAG", "NAGState",
    "AdaGrad", "AdaGradState", "RMSProp", "RMSPropState", "Adam", "AdamState",
    "AdamW", "AMSGrad", "AMSGradState",
    "Optimizer", "OPTIMIZERS",
    # learning-rate schedules (optlib.schedules)
    "ScheduleError",
    # running
    "run", "Trajectory", "DivergenceError",
    # the derivations' helpers
    "momentum_weights", "unrolled_velocity", "effective_memory", "ewma", "ewma_weights",
    "ewma_coefficients", "bias_correction", "steps_until", "heavy_ball_rate", "heavy_ball_optimum",
    # the one tuning protocol of the book (optlib.tuning)
    "tune",
    # tables of results
    "Table",
    # reading a trajectory, and the code
    "code_of", "distance_to", "iterations_to_tolerance", "overshoots", "layer_movement",
    # problems
    "Problem", "Quadratic", "quadratic", "Rosenbrock", "Saddle", "Plateau", "SigmoidChain",
    "LeastSquares", "LogCosh", "linear_regression", "sparse_regression", "two_moons", "TwoLayerNet",
]
