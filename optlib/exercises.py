r"""Write it yourself: check your own update rule against optlib's optimizer, with a diagnosis.

Write one step of an optimizer as a function, then call :func:`check`::

    def momentum_step(theta, V, grad, lr, gamma):
        ...
        return theta_next, V_next

    optlib.exercises.check("momentum", momentum_step)

The six exercises of the notes, one beyond them (AdamW, :class:`optlib.AdamW`), and the signatures they expect (:math:`\theta` and the states are numpy arrays,
``grad`` is the function :math:`\theta \mapsto \nabla J(\theta)`, ``t`` counts from 1). Step :math:`t`
gets :math:`\theta_{t-1}` (:math:`\theta_0` is the start) and the state after :math:`t - 1` steps
(:math:`V_{t-1}`, :math:`G_{t-1}`, :math:`m_{t-1}`, :math:`v_{t-1}`), and returns :math:`\theta_t` and
the state after :math:`t` steps; the gradient of step :math:`t` is :math:`g_t = \nabla J(\theta_{t-1})`.
The notes number the start :math:`\theta_1` and write the same step as
:math:`\theta_{t+1} = \theta_t - V_t`:

.. code-block:: text

    gd_step(theta, grad, lr) -> theta_next
    momentum_step(theta, V, grad, lr, gamma) -> (theta_next, V_next)
    nag_step(theta, V, grad, lr, gamma) -> (theta_next, V_next)
    adagrad_step(theta, G, grad, lr, eps) -> (theta_next, G_next)
    rmsprop_step(theta, G, grad, lr, beta, eps) -> (theta_next, G_next)
    adam_step(theta, m, v, t, grad, lr, beta1, beta2, eps)
        -> (theta_next, m_next, v_next)
    adamw_step(theta, m, v, t, grad, lr, beta1, beta2, eps, weight_decay)
        -> (theta_next, m_next, v_next)

:func:`check` calls your function on several problems (a quadratic, Rosenbrock, a plateau with tiny
gradients, :math:`\theta` as a 2 × 3 array), with several hyperparameters, for five steps each. Each
step gets the inputs of the notes' run (:math:`\theta_{t-1}` and the state after :math:`t - 1` steps,
from :class:`optlib.Momentum` and the others) and your outputs are compared with that optimizer's
``step``. The result says whether they agree and, if not, the first step and quantity that differ,
expected against got, to four significant digits (more where four would print both alike).

When your outputs are exactly those of a known mistake (a sign error, :math:`\epsilon` inside the
square root, Adam without its bias corrections, …) the result names it and gives a hint. A mistake is
recognised by running a copy of the optimizer with that one mistake made on purpose and finding your
outputs equal to its outputs on every step: never by guessing from the numbers.
"""

from __future__ import annotations

import html
import inspect
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .adam import Adam, AdamState
from .adam_variants import AdamW
from .adaptive import AdaGrad, AdaGradState, RMSProp, RMSPropState
from .gd import GD, GDState
from .momentum import NAG, Momentum, MomentumState, NAGState
from .problems import Plateau, Rosenbrock, quadratic

__all__ = ["check", "CheckResult", "EXERCISES", "MISTAKES"]

#: the exercise names :func:`check` accepts, in the notes' order (AdamW, beyond the notes, last)
EXERCISES = ("gd", "momentum", "nag", "adagrad", "rmsprop", "adam", "adamw")

# Two arrays agree when every element does to within a relative 1e-9, plus an absolute 1e-14 of the
# array's largest value (so that a value that should be 0 may carry round-off). Every mistake below
# changes some output by far more than that on the cases it is checked on, and round-off (1e-16
# relative) by far less: whether two outputs agree never depends on the machine's last bits.
RTOL = 1e-9
ATOL_SCALE = 1e-14

_SUBSCRIPT = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")
_SUBSCRIPT_T = str.maketrans("t0123456789", "ₜ₀₁₂₃₄₅₆₇₈₉")


def _sub(n: int) -> str:
    return str(n).translate(_SUBSCRIPT)


def _pretty(text: str) -> str:
    """Indices as subscripts: V_{t−1} → Vₜ₋₁, θ_{t+1} → θₜ₊₁, G_t → Gₜ, m̂_1 → m̂₁ (not θ_temp)."""
    text = text.replace("_{t−1}", "ₜ₋₁").replace("_{t+1}", "ₜ₊₁")
    return re.sub(r"_([t0-9])(?![A-Za-z0-9_])", lambda m: m.group(1).translate(_SUBSCRIPT_T), text)


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` found. Shown in a notebook as a green (passed) or red (not yet) box.

    Attributes
    ----------
    name : str
        The exercise: ``"gd"``, ``"momentum"``, ``"nag"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"`` or
        ``"adamw"``.
    passed : bool
        True when every output of every step agrees with optlib's optimizer.
    message : str
        The whole report as text: what differs first (case, step, quantity, expected against got), and
        the mistake recognised with its hint, if any.
    mistake : str or None
        A short name of the recognised mistake (e.g. ``"ε inside the square root"``), or None.
    hint : str or None
        What to change, when the mistake was recognised or the kind of failure suggests it.
    step : int or None
        The step :math:`t` (from 1) of the first difference or failure.
    quantity : str or None
        The output that differed first: ``"theta_next"`` or a state (``"V_next"``, ``"G_next"``,
        ``"m_next"``, ``"v_next"``), or None when the function failed before any comparison.
    expected, got : ndarray or None
        That quantity at that step: optlib's value and yours (None when nothing was compared).
    """

    name: str
    passed: bool
    message: str
    mistake: Optional[str] = None
    hint: Optional[str] = None
    step: Optional[int] = None
    quantity: Optional[str] = None
    expected: Optional[np.ndarray] = field(default=None, compare=False)
    got: Optional[np.ndarray] = field(default=None, compare=False)
    # the message in parts, for the HTML view (set by check, not arguments)
    _headline: str = field(default="", init=False, repr=False, compare=False)
    _details: tuple = field(default=(), init=False, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        ok = self.passed
        colour = "#2e7d32" if ok else "#c62828"        # readable as a border on light and dark pages
        tint = "rgba(46, 125, 50, 0.10)" if ok else "rgba(198, 40, 40, 0.08)"
        parts = [f'<div class="optlib-check" style="border-left: 5px solid {colour}; background: {tint}; '
                 'color: inherit; padding: 0.5em 0.9em; margin: 0.4em 0; border-radius: 3px; '
                 'line-height: 1.45;">',
                 f'<div style="font-weight: bold;">{html.escape(self._headline)}</div>']
        if self._details:
            parts.append('<pre style="margin: 0.4em 0 0 0; padding: 0; background: transparent; '
                         'color: inherit; border: none; white-space: pre-wrap; font-size: 0.92em;">'
                         + html.escape("\n".join(self._details)) + "</pre>")
        if self.mistake:
            parts.append('<div style="margin-top: 0.5em;"><span style="font-weight: bold;">Recognised mistake:'
                         f'</span> {html.escape(self.mistake)}</div>')
        if self.hint:
            parts.append('<div style="margin-top: 0.3em;"><span style="font-weight: bold;">Hint:</span> '
                         f'{html.escape(self.hint)}</div>')
        parts.append("</div>")
        return "\n".join(parts)


def _result(name, passed, headline, details=(), mistake=None, hint=None, step=None, quantity=None,
            first=None):
    lines = [headline, *details]
    if mistake:
        lines.append(f"Recognised mistake: {mistake}")
    if hint:
        lines.append(f"Hint: {hint}")
    expected, got = (first[3], first[4]) if first is not None else (None, None)
    result = CheckResult(name, passed, "\n".join(lines), mistake, hint, step, quantity, expected, got)
    object.__setattr__(result, "_headline", headline)           # frozen: set once, here
    object.__setattr__(result, "_details", tuple(details))
    return result


# --------------------------------------------------------------------------- the exercises


@dataclass(frozen=True)
class _Case:
    """One run the student's function is checked on: a problem, θ_0 and the hyperparameters."""

    label: str                  # what the message calls the problem
    grad: Callable              # θ ↦ ∇J(θ), for θ of theta0's shape
    theta0: np.ndarray
    hyper: dict                 # {argument name: value}
    steps: int = 5


@dataclass(frozen=True)
class _Mistake:
    """A copy of the optimizer with one mistake made on purpose, and what to tell the student."""

    title: str                  # "ε inside the square root"
    hint: str
    step: Callable              # (ex, hyper, grad, theta, arrays, t) -> (theta_next, arrays_next)

    def __post_init__(self):
        object.__setattr__(self, "title", _pretty(self.title))
        object.__setattr__(self, "hint", _pretty(self.hint))


@dataclass(frozen=True)
class _Exercise:
    name: str                   # "momentum"
    function: str               # "momentum_step"
    optimizer: type             # optlib.Momentum
    state_type: type            # MomentumState
    fields: tuple               # the state arrays, in the student's argument order: ("V",)
    hyper: tuple                # the hyperparameters, in the student's argument order: ("lr", "gamma")
    cases: tuple
    mistakes: tuple

    @property
    def counts_steps(self) -> bool:
        """Whether the student's function gets the step number t (Adam's bias corrections need it)."""
        return self.state_type is AdamState

    @property
    def params(self) -> tuple:
        t = ("t",) if self.counts_steps else ()
        return ("theta", *self.fields, *t, "grad", *self.hyper)

    def make_state(self, arrays: dict, t: int):
        """The optlib state before step t (t from 1) holding the given arrays."""
        if self.state_type is AdamState:
            return AdamState(t - 1, arrays["m"], arrays["v"])
        return self.state_type(**{f: arrays[f] for f in self.fields})

    def reference(self, hyper, grad, theta, arrays, t):
        """One step of optlib's optimizer: the expected outputs."""
        opt = self.optimizer(**hyper)
        theta_next, state = opt.step(grad, theta, self.make_state(arrays, t))
        return theta_next, {f: getattr(state, f) for f in self.fields}


_SYMBOL = {"lr": "α", "gamma": "γ", "beta": "β", "beta1": "β1", "beta2": "β2", "eps": "ε",
           "weight_decay": "λ"}


def _symbol(ex: _Exercise, hyper_name: str) -> str:
    if ex.counts_steps and hyper_name == "lr":
        return "η"                                            # the notes call Adam's rate η
    return _SYMBOL[hyper_name]


# ---- problems: optlib's own, and one with θ as a 2 × 3 array


def _shaped(problem, shape):
    """The gradient of ``problem`` for θ held as an array of ``shape`` (flattened inside)."""
    def grad(theta):
        return np.asarray(problem.grad(np.asarray(theta).reshape(-1)), dtype=np.float64).reshape(shape)
    return grad


_QUAD = quadratic(10.0)                                  # J = ½θᵀ diag(1, 10) θ
_QUAD6 = quadratic(100.0, dim=6)                         # eigenvalues 1 … 100, θ as a 2 × 3 array
_ROSEN = Rosenbrock()
_PLATEAU = Plateau(width=1.0)                            # tiny gradients far out on the plateau

_THETA_QUAD = np.array([1.0, -0.5])
_THETA_ROSEN = np.array([-1.2, 1.0])
_THETA_2x3 = np.array([[1.0, -1.0, 0.5], [-0.5, 0.25, 2.0]])
_THETA_PLATEAU = np.array([3.0, 1.0])                    # ‖∇J‖ ≈ 0.02
_THETA_FLAT = np.array([4.0, 1.5])                       # ‖∇J‖ ≈ 5e-4: ε is not negligible there

_Q = ("quadratic, κ = 10", _QUAD.grad, _THETA_QUAD)
_R = ("Rosenbrock", _ROSEN.grad, _THETA_ROSEN)
_S = ("quadratic, κ = 100", _shaped(_QUAD6, (2, 3)), _THETA_2x3)
_P = ("plateau", _PLATEAU.grad, _THETA_PLATEAU)
_F = ("plateau, tiny gradients", _PLATEAU.grad, _THETA_FLAT)


def _cases(*specs):
    return tuple(_Case(label, grad, theta0, hyper) for (label, grad, theta0), hyper in specs)


# ---- mistake models. Each takes the inputs of one step and returns the outputs of the mistaken rule.
# Where optlib has a switch for the mistake (Adam's bias_correction, eps_inside_sqrt) or the mistake is
# the right rule with other inputs (a negated gradient, another hyperparameter, another optimizer),
# optlib's own step makes it; otherwise the mistaken line is written out, marked "mistake:".


def _negated(grad):
    return lambda theta: -np.asarray(grad(theta))


def _ascent(ex, hyper, grad, theta, arrays, t):
    """The right rule on −∇J: the update climbs."""
    return ex.reference(hyper, _negated(grad), theta, arrays, t)


def _plus_state(ex, hyper, grad, theta, arrays, t):
    """V_t right, but θ_t = θ_{t−1} + V_t."""
    _, new = ex.reference(hyper, grad, theta, arrays, t)
    return theta + new["V"], new                                      # mistake: + V_t


def _adam_plus(ex, hyper, grad, theta, arrays, t):
    """Adam's m_t and v_t right, but θ_t = θ_{t−1} + η m̂_t/(√v̂_t + ε)."""
    theta_next, new = ex.reference(hyper, _negated(grad), theta, {"m": -arrays["m"], "v": arrays["v"]}, t)
    return theta_next, {"m": -new["m"], "v": new["v"]}                 # −g and −m_{t−1} give −m_t


def _flipped_velocity(ex, hyper, grad, theta, arrays, t):
    """V_t = γV_{t−1} − α∇J(θ_{t−1}), θ_t = θ_{t−1} + V_t: the velocity kept with the opposite sign."""
    theta_next, new = ex.reference(hyper, grad, theta, {"V": -arrays["V"]}, t)
    return theta_next, {"V": -new["V"]}


def _with(**changes):
    """The right rule with some hyperparameters replaced (a function of the case's hyperparameters)."""
    def step(ex, hyper, grad, theta, arrays, t):
        h = dict(hyper)
        h.update({k: (v(hyper) if callable(v) else v) for k, v in changes.items()})
        return ex.reference(h, grad, theta, arrays, t)
    return step


def _ewma_alpha_outside(ex, hyper, grad, theta, arrays, t):
    """V_t = γV_{t−1} + (1 − γ)∇J, θ_t = θ_{t−1} − αV_t."""
    _, new = _with(lr=lambda h: 1 - h["gamma"])(ex, hyper, grad, theta, arrays, t)
    return theta - hyper["lr"] * new["V"], new                        # mistake: α applied to an EWMA V_t


def _velocity_without_alpha(ex, hyper, grad, theta, arrays, t):
    """V_t = γV_{t−1} + ∇J, θ_t = θ_{t−1} − αV_t (PyTorch's convention)."""
    _, new = _with(lr=1.0)(ex, hyper, grad, theta, arrays, t)
    return theta - hyper["lr"] * new["V"], new                        # mistake: α outside V_t


def _momentum_rule(ex, hyper, grad, theta, arrays, t):
    """NAG's step with the gradient at θ_{t−1}: plain momentum."""
    return _EX["momentum"].reference(hyper, grad, theta, arrays, t)


def _lookahead_plus(ex, hyper, grad, theta, arrays, t):
    """NAG with θ_temp = θ_{t−1} + γV_{t−1}."""
    theta_temp = theta + hyper["gamma"] * arrays["V"]                  # mistake: + γV_{t−1}
    return _EX["momentum"].reference(hyper, lambda _: grad(theta_temp), theta, arrays, t)


def _from_lookahead(ex, hyper, grad, theta, arrays, t):
    """NAG with θ_t = θ_temp − V_t (γV_{t−1} subtracted twice)."""
    theta_next, new = ex.reference(hyper, grad, theta, arrays, t)
    return theta_next - hyper["gamma"] * arrays["V"], new              # mistake: θ_temp − V_t


def _adaptive(G_rule, denominator):
    """AdaGrad/RMSProp with the accumulator update and/or the denominator written out (one of them wrong)."""
    def step(ex, hyper, grad, theta, arrays, t):
        g = np.asarray(grad(theta))
        G = G_rule(hyper, arrays["G"], g)
        return theta - hyper["lr"] / denominator(G, hyper["eps"]) * g, {"G": G}
    return step


def _adagrad_G(hyper, G, g):
    return G + g * g                                                   # G_t = G_{t−1} + g_t ⊙ g_t


def _rmsprop_G(hyper, G, g):
    return hyper["beta"] * G + (1 - hyper["beta"]) * g * g             # G_t = βG_{t−1} + (1 − β)g_t²


def _eps_outside(G, eps):
    return np.sqrt(G) + eps                                            # √G_t + ε


def _eps_inside(G, eps):
    return np.sqrt(G + eps)                                            # mistake: √(G_t + ε)


def _no_sqrt(G, eps):
    return G + eps                                                     # mistake: no square root


def _old_G(ex, hyper, grad, theta, arrays, t):
    """AdaGrad/RMSProp dividing by √G_{t−1} + ε: G updated after the step instead of before."""
    g = np.asarray(grad(theta))
    _, new = ex.reference(hyper, grad, theta, arrays, t)
    return theta - hyper["lr"] / (np.sqrt(arrays["G"]) + hyper["eps"]) * g, new   # mistake: G_{t−1}


def _adam_corrected_state(ex, hyper, grad, theta, arrays, t):
    """Adam's θ_t right, but m̂_t and v̂_t returned as the state instead of m_t and v_t."""
    theta_next, new = ex.reference(hyper, grad, theta, arrays, t)
    m_hat, v_hat = Adam(**hyper).corrected(AdamState(t, new["m"], new["v"]))
    return theta_next, {"m": m_hat, "v": v_hat}


def _adam_t(shift):
    """Adam whose bias corrections use t + shift instead of t."""
    def step(ex, hyper, grad, theta, arrays, t):
        return ex.reference(hyper, grad, theta, arrays, t + shift)     # mistake: β^(t + shift)
    return step


def _adam_written_out(*, square=True, correct_m=True, correct_v=True, swap_betas=False):
    """Adam with its lines written out, one of them wrong."""
    def step(ex, hyper, grad, theta, arrays, t):
        b1, b2, eps = hyper["beta1"], hyper["beta2"], hyper["eps"]
        g = np.asarray(grad(theta))
        g2 = g * g if square else g                                    # mistake when square=False: g_t
        if swap_betas:                                                 # mistake: β on the wrong term
            m = (1 - b1) * arrays["m"] + b1 * g
            v = (1 - b2) * arrays["v"] + b2 * g2
        else:
            m = b1 * arrays["m"] + (1 - b1) * g
            v = b2 * arrays["v"] + (1 - b2) * g2
        m_hat = m / (1 - b1 ** t) if correct_m else m
        v_hat = v / (1 - b2 ** t) if correct_v else v
        return theta - hyper["lr"] * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v}
    return step


def _adamw_written_out(*, coupled=False, after=False, without_lr=False, grad_at_decayed=False,
                       correct=True):
    """AdamW with its lines written out, one of them wrong (θ_t = θ_{t−1}(1 − ηλ) − η m̂_t/(√v̂_t + ε))."""
    def step(ex, hyper, grad, theta, arrays, t):
        eta, b1, b2, eps, lam = (hyper[k] for k in ("lr", "beta1", "beta2", "eps", "weight_decay"))
        shrink = 1 - lam if without_lr else 1 - eta * lam               # mistake when without_lr: 1 − λ
        decayed = theta * shrink
        g = np.asarray(grad(decayed if grad_at_decayed else theta))    # mistake: ∇J(θ_{t−1}(1 − ηλ))
        if coupled:
            g = g + lam * theta                                        # mistake: L2, g_t + λθ_{t−1}
        m = b1 * arrays["m"] + (1 - b1) * g
        v = b2 * arrays["v"] + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t) if correct else m
        v_hat = v / (1 - b2 ** t) if correct else v
        update = eta * m_hat / (np.sqrt(v_hat) + eps)
        if coupled:
            theta_next = theta - update                                # no decoupled decay
        elif after:
            theta_next = (theta - update) * shrink                     # mistake: the decay after the step
        else:
            theta_next = decayed - update
        return theta_next, {"m": m, "v": v}
    return step


def _defaults(cls, *names):
    """The right rule with the arguments ``names`` replaced by optlib's default values."""
    params = inspect.signature(cls).parameters
    return _with(**{n: params[n].default for n in names})


# ---- the hints, in the notes' symbols

_SIGN_GD = ("The step must go against the gradient: θ_t = θ_{t−1} − α∇J(θ_{t−1}). With +, every step "
            "climbs the loss.")
_SIGN_V = ("The notes' velocity adds the gradient, V_t = γV_{t−1} + α∇J(θ_{t−1}), and the step subtracts it, "
           "θ_t = θ_{t−1} − V_t. Check the sign of both lines.")
_EPS = ("ε goes outside the square root, as in the notes: divide by √G_t + ε, not √(G_t + ε). The two "
        "differ most where G_t is small.")
_SQUARE = ("G_t accumulates squared gradients, g_t ⊙ g_t (elementwise): without the square, G_t can be "
           "negative and √G_t is then not a number.")

_SIGN_ADAPTIVE = ("θ_t = θ_{t−1} − α/(√G_t + ε) ⊙ g_t, with g_t = ∇J(θ_{t−1}): the step goes against the "
                  "gradient.")
_OLD_G = ("Update G first, then divide: G_t already holds g_t², and θ_t = θ_{t−1} − α/(√G_t + ε) ⊙ g_t "
          "uses G_t, not G_{t−1}.")

_MISTAKES = {
    "gd": (
        _Mistake("a sign error", _SIGN_GD, _ascent),
    ),
    "momentum": (
        _Mistake("a sign error (the update climbs)", _SIGN_V, _ascent),
        _Mistake("a sign error in θ_t = θ_{t−1} − V_t", _SIGN_V, _plus_state),
        _Mistake("a sign error (V_t kept with the opposite sign)",
                 "Your θ_t would be right if V_t were −V_t, but V_next must be the notes' V_t = "
                 "γV_{t−1} + α∇J(θ_{t−1}), with θ_t = θ_{t−1} − V_t.", _flipped_velocity),
        _Mistake("momentum in EWMA form ((1 − γ) in place of α)",
                 "The notes' velocity is V_t = γV_{t−1} + α∇J(θ_{t−1}): the gradient is weighted by α, not "
                 "by (1 − γ). The EWMA form belongs to Adam's m_t.",
                 _with(lr=lambda h: 1 - h["gamma"])),
        _Mistake("momentum in EWMA form (V_t = γV_{t−1} + (1 − γ)∇J(θ_{t−1}), then θ_{t−1} − αV_t)",
                 "The notes' velocity is V_t = γV_{t−1} + α∇J(θ_{t−1}), with α inside V_t, and "
                 "θ_t = θ_{t−1} − V_t.", _ewma_alpha_outside),
        _Mistake("α outside the velocity (V_t = γV_{t−1} + ∇J(θ_{t−1}), then θ_{t−1} − αV_t)",
                 "That is PyTorch's convention. The notes put α inside the velocity: "
                 "V_t = γV_{t−1} + α∇J(θ_{t−1}) and θ_t = θ_{t−1} − V_t.", _velocity_without_alpha),
        _Mistake("the history term γV_{t−1} is missing",
                 "V_t = γV_{t−1} + α∇J(θ_{t−1}): without γV_{t−1} this is plain gradient descent.",
                 _with(gamma=0.0)),
        _Mistake("γ fixed at 0.9 instead of the argument gamma",
                 "Use the argument gamma (γ): the check also tries other values of γ.",
                 _defaults(Momentum, "gamma")),
    ),
    "nag": (
        _Mistake("a sign error (the update climbs)", _SIGN_V.replace("∇J(θ_{t−1})", "∇J(θ_temp)"), _ascent),
        _Mistake("a sign error in θ_t = θ_{t−1} − V_t", _SIGN_V.replace("∇J(θ_{t−1})", "∇J(θ_temp)"),
                 _plus_state),
        _Mistake("the gradient taken at the current point θ_{t−1} instead of θ_temp",
                 "NAG looks ahead: take the gradient at θ_temp = θ_{t−1} − γV_{t−1}, then "
                 "V_t = γV_{t−1} + α∇J(θ_temp). With ∇J(θ_{t−1}) this is plain momentum (both agree at "
                 "t = 1, where V_0 = 0).", _momentum_rule),
        _Mistake("a sign error in θ_temp (θ_{t−1} + γV_{t−1})",
                 "The look-ahead point moves the way the velocity will move θ: θ_temp = θ_{t−1} − γV_{t−1}.",
                 _lookahead_plus),
        _Mistake("θ_t = θ_temp − V_t (γV_{t−1} subtracted twice)",
                 "Either θ_t = θ_{t−1} − V_t or θ_t = θ_temp − α∇J(θ_temp): θ_temp already holds "
                 "−γV_{t−1}.", _from_lookahead),
        _Mistake("NAG in EWMA form ((1 − γ) in place of α)",
                 "The notes' velocity is V_t = γV_{t−1} + α∇J(θ_temp): the gradient is weighted by α, "
                 "not by (1 − γ).", _with(lr=lambda h: 1 - h["gamma"])),
        _Mistake("γ fixed at 0.9 instead of the argument gamma",
                 "Use the argument gamma (γ): the check also tries other values of γ.",
                 _defaults(NAG, "gamma")),
    ),
    "adagrad": (
        _Mistake("a sign error", _SIGN_ADAPTIVE, _ascent),
        _Mistake("ε inside the square root", _EPS, _adaptive(_adagrad_G, _eps_inside)),
        _Mistake("G_t without squaring (G_t = G_{t−1} + g_t)", _SQUARE,
                 _adaptive(lambda h, G, g: G + g, _eps_outside)),             # mistake: g_t, not g_t²
        _Mistake("no square root (α/(G_t + ε))",
                 "Divide by the root of the accumulated squares, √G_t + ε, not by G_t + ε.",
                 _adaptive(_adagrad_G, _no_sqrt)),
        _Mistake("G_t does not accumulate (G_t = g_t ⊙ g_t)",
                 "AdaGrad sums all past squared gradients: G_t = G_{t−1} + g_t ⊙ g_t.",
                 _adaptive(lambda h, G, g: g * g, _eps_outside)),             # mistake: G_{t−1} dropped
        _Mistake("G_{t−1} in the denominator (G updated after the step)", _OLD_G, _old_G),
        _Mistake("ε fixed at 1e-8 instead of the argument eps",
                 "Use the argument eps (ε): the check also tries other values of ε.",
                 _defaults(AdaGrad, "eps")),
    ),
    "rmsprop": (
        _Mistake("a sign error", _SIGN_ADAPTIVE, _ascent),
        _Mistake("ε inside the square root", _EPS, _adaptive(_rmsprop_G, _eps_inside)),
        _Mistake("G_t without squaring (G_t = βG_{t−1} + (1 − β)g_t)", _SQUARE,
                 _adaptive(lambda h, G, g: h["beta"] * G + (1 - h["beta"]) * g, _eps_outside)),  # mistake
        _Mistake("β on the wrong term (G_t = (1 − β)G_{t−1} + βg_t²)",
                 "β weighs the history: G_t = βG_{t−1} + (1 − β)g_t². With β = 0.9, G_t keeps 90% of "
                 "G_{t−1} and takes 10% of g_t².", _with(beta=lambda h: 1 - h["beta"])),
        _Mistake("no square root (α/(G_t + ε))",
                 "Divide by the root of the average of squares, √G_t + ε, not by G_t + ε.",
                 _adaptive(_rmsprop_G, _no_sqrt)),
        _Mistake("AdaGrad's sum in place of the average (G_t = G_{t−1} + g_t²)",
                 "RMSProp averages: G_t = βG_{t−1} + (1 − β)g_t².", _adaptive(_adagrad_G, _eps_outside)),
        _Mistake("G_{t−1} in the denominator (G updated after the step)", _OLD_G, _old_G),
        _Mistake("β or ε fixed at a default instead of the arguments",
                 "Use the arguments beta (β) and eps (ε): the check also tries other values.",
                 _defaults(RMSProp, "beta", "eps")),
    ),
    "adam": (
        _Mistake("a sign error in θ_t", "θ_t = θ_{t−1} − η m̂_t/(√v̂_t + ε): the step goes against "
                 "m̂_t, the average gradient.", _adam_plus),
        _Mistake("a sign error in m_t (the update climbs)", "m_t = β1 m_{t−1} + (1 − β1)g_t averages the "
                 "gradients themselves, and θ_t = θ_{t−1} − η m̂_t/(√v̂_t + ε) goes against it.", _ascent),
        _Mistake("no bias correction",
                 "Divide by 1 − β^t before the update: m̂_t = m_t/(1 − β1^t), v̂_t = v_t/(1 − β2^t), "
                 "then θ_t = θ_{t−1} − η m̂_t/(√v̂_t + ε). Return m_t and v_t themselves as m_next, v_next.",
                 _with(bias_correction=False)),
        _Mistake("t counted from 0 (the corrections use β^(t−1))",
                 "t counts from 1: the first call has t = 1, and m̂_1 = m_1/(1 − β1). With t − 1, "
                 "1 − β1^0 = 0 and the correction divides by zero.", _adam_t(-1)),
        _Mistake("the corrections use β^(t+1)",
                 "t counts from 1 and arrives as the argument t: use β1^t and β2^t as they are.",
                 _adam_t(+1)),
        _Mistake("only m_t bias-corrected",
                 "Correct both moments: v̂_t = v_t/(1 − β2^t) as well as m̂_t = m_t/(1 − β1^t).",
                 _adam_written_out(correct_v=False)),
        _Mistake("only v_t bias-corrected",
                 "Correct both moments: m̂_t = m_t/(1 − β1^t) as well as v̂_t = v_t/(1 − β2^t).",
                 _adam_written_out(correct_m=False)),
        _Mistake("ε inside the square root",
                 "ε goes outside the square root, as in the notes: divide by √v̂_t + ε, not √(v̂_t + ε). "
                 "The two differ most where v̂_t is small.", _with(eps_inside_sqrt=True)),
        _Mistake("v_t without squaring (v_t = β2 v_{t−1} + (1 − β2)g_t)",
                 "v_t averages squared gradients: v_t = β2 v_{t−1} + (1 − β2)g_t² (elementwise). "
                 "Without the square, v_t can be negative and √v̂_t is then not a number.",
                 _adam_written_out(square=False)),
        _Mistake("β1, β2 on the wrong terms",
                 "β weighs the history: m_t = β1 m_{t−1} + (1 − β1)g_t and "
                 "v_t = β2 v_{t−1} + (1 − β2)g_t².", _adam_written_out(swap_betas=True)),
        _Mistake("m̂_t and v̂_t returned as the state",
                 "The state is the uncorrected moments: return m_t and v_t as m_next, v_next. The "
                 "corrections m̂_t, v̂_t are made afresh at every step, from m_t, v_t and t.",
                 _adam_corrected_state),
        _Mistake("β1, β2 or ε fixed at a default instead of the arguments",
                 "Use the arguments beta1 (β1), beta2 (β2) and eps (ε): the check also tries other values.",
                 _defaults(Adam, "beta1", "beta2", "eps")),
    ),
}

_DECAY_HOW = "θ_t = θ_{t−1}(1 − ηλ) − η m̂_t/(√v̂_t + ε)"

_MISTAKES["adamw"] = (
    _Mistake("the decay added to the gradient (L2, g_t + λθ_{t−1}: Adam on J + λ/2‖θ‖²)",
             "AdamW decouples the decay from the gradient: m_t and v_t average g_t = ∇J(θ_{t−1}) alone, and "
             f"the parameters shrink by the factor 1 − ηλ: {_DECAY_HOW}. Added to g_t, the decay is divided "
             "by √v̂_t like the gradient, and coordinates with large gradients are barely decayed.",
             _adamw_written_out(coupled=True)),
    _Mistake("the decay applied after Adam's step ((θ_{t−1} − η m̂_t/(√v̂_t + ε))(1 − ηλ))",
             f"Shrink θ_{{t−1}} before the step, as PyTorch does: {_DECAY_HOW}. Shrinking after the step "
             "shrinks the step too, by 1 − ηλ.", _adamw_written_out(after=True)),
    _Mistake("the decay without the learning rate (θ_{t−1}(1 − λ))",
             f"The decay is multiplied by the learning rate: the factor is 1 − ηλ, {_DECAY_HOW}. With "
             "1 − λ and λ = 0.01, every step would take 1% of θ, whatever η.",
             _adamw_written_out(without_lr=True)),
    _Mistake("the gradient taken at the decayed point θ_{t−1}(1 − ηλ)",
             "The gradient is taken at θ_{t−1}, before the shrinking: g_t = ∇J(θ_{t−1}), then "
             f"{_DECAY_HOW}.", _adamw_written_out(grad_at_decayed=True)),
    _Mistake("no weight decay (Adam's step)",
             f"AdamW is Adam with the parameters shrunk before the step: {_DECAY_HOW}, with λ = "
             "weight_decay.", _with(weight_decay=0.0)),
    _Mistake("no bias correction",
             "Divide by 1 − β^t before the update: m̂_t = m_t/(1 − β1^t), v̂_t = v_t/(1 − β2^t), "
             f"then {_DECAY_HOW}. Return m_t and v_t themselves as m_next, v_next.",
             _adamw_written_out(correct=False)),
    _Mistake("λ fixed at 0.01 instead of the argument weight_decay",
             "Use the argument weight_decay (λ): the check also tries other values of λ.",
             _defaults(AdamW, "weight_decay")),
)

_EX = {
    "gd": _Exercise("gd", "gd_step", GD, GDState, (), ("lr",), _cases(
        (_Q, dict(lr=0.05)), (_R, dict(lr=1e-3)), (_S, dict(lr=0.01)), (_P, dict(lr=0.5))), _MISTAKES["gd"]),
    "momentum": _Exercise("momentum", "momentum_step", Momentum, MomentumState, ("V",), ("lr", "gamma"), _cases(
        (_Q, dict(lr=0.05, gamma=0.9)), (_R, dict(lr=1e-3, gamma=0.5)), (_S, dict(lr=0.01, gamma=0.99)),
        (_P, dict(lr=0.5, gamma=0.8))), _MISTAKES["momentum"]),
    "nag": _Exercise("nag", "nag_step", NAG, NAGState, ("V",), ("lr", "gamma"), _cases(
        (_Q, dict(lr=0.05, gamma=0.9)), (_R, dict(lr=1e-3, gamma=0.5)), (_S, dict(lr=0.01, gamma=0.99)),
        (_P, dict(lr=0.5, gamma=0.8))), _MISTAKES["nag"]),
    "adagrad": _Exercise("adagrad", "adagrad_step", AdaGrad, AdaGradState, ("G",), ("lr", "eps"), _cases(
        (_Q, dict(lr=0.1, eps=0.01)), (_R, dict(lr=0.05, eps=1e-8)), (_S, dict(lr=0.1, eps=1e-3)),
        (_F, dict(lr=0.1, eps=1e-8))), _MISTAKES["adagrad"]),
    "rmsprop": _Exercise("rmsprop", "rmsprop_step", RMSProp, RMSPropState, ("G",), ("lr", "beta", "eps"), _cases(
        (_Q, dict(lr=0.01, beta=0.9, eps=0.01)), (_R, dict(lr=1e-3, beta=0.99, eps=1e-8)),
        (_S, dict(lr=0.01, beta=0.8, eps=1e-3)), (_F, dict(lr=0.01, beta=0.95, eps=1e-8))),
        _MISTAKES["rmsprop"]),
    "adam": _Exercise("adam", "adam_step", Adam, AdamState, ("m", "v"), ("lr", "beta1", "beta2", "eps"), _cases(
        (_Q, dict(lr=0.1, beta1=0.9, beta2=0.999, eps=0.01)),
        (_R, dict(lr=1e-3, beta1=0.8, beta2=0.99, eps=1e-8)),
        (_S, dict(lr=0.01, beta1=0.5, beta2=0.9, eps=1e-3)),
        (_F, dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8))), _MISTAKES["adam"]),
    "adamw": _Exercise("adamw", "adamw_step", AdamW, AdamState, ("m", "v"),
                       ("lr", "beta1", "beta2", "eps", "weight_decay"), _cases(
        (_Q, dict(lr=0.1, beta1=0.9, beta2=0.999, eps=0.01, weight_decay=0.1)),
        (_R, dict(lr=1e-3, beta1=0.8, beta2=0.99, eps=1e-8, weight_decay=0.5)),
        (_S, dict(lr=0.01, beta1=0.5, beta2=0.9, eps=1e-3, weight_decay=0.5)),
        (_F, dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.2))), _MISTAKES["adamw"]),
}

#: The titles of the mistakes each exercise recognises, in the order they are tried
#: (``MISTAKES["adam"]`` lists Adam's).
MISTAKES = {name: tuple(m.title for m in ex.mistakes) for name, ex in _EX.items()}


# --------------------------------------------------------------------------- formatting


def _fmt_number(x: float, digits: int) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    # At least ``digits`` significant digits, and one more while x sits near a rounding tie (0.85975 at 4
    # digits): moving x by 1e-11 (relative), far more than any machine's round-off, must not change a digit.
    for d in range(digits, 17):
        low, high = f"{x * (1 - 1e-11):.{d}g}", f"{x * (1 + 1e-11):.{d}g}"
        if low == high:
            return low
    return f"{x:.17g}"


def _fmt_array(a: np.ndarray, digits: int = 4) -> str:
    if a.ndim == 0:
        return _fmt_number(float(a), digits)
    return "[" + ", ".join(_fmt_array(row, digits) for row in a) + "]"


def _fmt_pair(expected: np.ndarray, got: np.ndarray):
    """Both arrays at 4 significant digits, or more where 4 would print them alike."""
    for digits in range(4, 17):
        e, g = _fmt_array(expected, digits), _fmt_array(got, digits)
        if e != g:
            return e, g
    return e, g


def _fmt_value(x) -> str:
    return f"{x:g}" if isinstance(x, float) else repr(x)


def _describe(ex: _Exercise, case: _Case, index: int) -> str:
    hyper = ", ".join(f"{_symbol(ex, k)} = {_fmt_value(v)}" for k, v in case.hyper.items())
    return f"case {index + 1} of {len(ex.cases)}: {case.label}; θ of shape {case.theta0.shape}; {hyper}"


def _quantity(name: str, t: int) -> str:
    """The notes' name of an output at step t: θ_t, V_t, G_t, m_t, v_t."""
    if name == "theta":
        return f"θ{_sub(t)} (theta_next)"
    return f"{name}{_sub(t)} ({name}_next)"


# --------------------------------------------------------------------------- comparing


def _close(got: np.ndarray, expected: np.ndarray) -> bool:
    """Equal to within RTOL (relative) and ATOL_SCALE × max|expected|; NaN/±inf must sit in the same places."""
    fe, fg = np.isfinite(expected), np.isfinite(got)
    if not np.array_equal(fe, fg):
        return False
    if not fe.all():
        same = (np.isnan(expected) & np.isnan(got)) | (expected == got)
        if not same[~fe].all():
            return False
    e, g = expected[fe], got[fe]
    if e.size == 0:
        return True
    atol = ATOL_SCALE * float(np.max(np.abs(e)))
    return bool(np.all(np.abs(g - e) <= RTOL * np.abs(e) + atol))


def _quiet(call, *args):
    """Call with numpy's floating-point warnings off: a NaN is reported as a result, not a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return call(*args)


class _Failure(Exception):
    """The student's function could not be compared at a step (it raised, or returned the wrong thing)."""

    def __init__(self, detail: str, hint: Optional[str] = None, quantity: Optional[str] = None):
        super().__init__(detail)
        self.detail, self.hint, self.quantity = detail, hint, quantity


def _call_student(ex: _Exercise, fn, case: _Case, theta, arrays, t):
    """One call of the student's function on copies of the step's inputs; returns (θ_next, {field: array})."""
    shape = theta.shape

    def grad(x):
        x = np.asarray(x, dtype=np.float64)
        if x.shape != shape:
            raise ValueError(f"grad expects an array of θ's shape {shape}, got one of shape {x.shape}")
        return np.array(case.grad(x), dtype=np.float64)

    theta_in = theta.copy()
    arrays_in = {f: a.copy() for f, a in arrays.items()}
    args = [theta_in, *(arrays_in[f] for f in ex.fields)]
    if ex.counts_steps:
        args.append(t)
    args.append(grad)
    args.extend(case.hyper[h] for h in ex.hyper)
    try:
        out = _quiet(fn, *args)
    except Exception as exc:  # the student's code: report, never raise
        text = str(exc).strip()
        detail = f"{ex.function} raised {type(exc).__name__}" + (f": {text}" if text else "")
        hint = None
        if isinstance(exc, NotImplementedError):
            hint = "Replace the line that raises NotImplementedError with your update."
        raise _Failure(detail[:400], hint) from None

    # the inputs must come back untouched
    for label, original, passed in [("theta", theta, theta_in), *((f, arrays[f], arrays_in[f]) for f in ex.fields)]:
        if not np.array_equal(original, passed):
            raise _Failure(f"{ex.function} changed its input {label} in place.",
                           f"Build a new array ({label}_next = …) instead of changing {label} with -=, +=, "
                           "*= or [...] =: the caller still needs the old value.")

    names = ("theta", *ex.fields)
    if ex.name == "gd":
        outputs = (out,)
        if out is None:
            raise _Failure(f"{ex.function} returned None; it should return theta_next.",
                           "End with: return theta_next")
        if isinstance(out, tuple):
            raise _Failure(f"{ex.function} returned a {type(out).__name__} of {len(out)}; it should return "
                           "theta_next alone (gradient descent keeps no state).")
    else:
        expected_form = "(" + ", ".join(f"{n}_next" for n in names) + ")"
        if not isinstance(out, (tuple, list)):
            raise _Failure(f"{ex.function} returned {_type_name(out)}; it should return a tuple "
                           f"{expected_form}.",
                           "End with: return " + ", ".join(f"{n}_next" for n in names)
                           if out is None else None)
        if len(out) != len(names):
            raise _Failure(f"{ex.function} returned a {type(out).__name__} of {len(out)} values; it should "
                           f"return the {len(names)} values {expected_form}.")
        outputs = tuple(out)
    result = {}
    for name, value in zip(names, outputs):
        label = "theta_next" if name == "theta" else f"{name}_next"
        if not isinstance(value, np.ndarray):
            raise _Failure(f"{label} is {_type_name(value)}; it should be a numpy array of θ's shape {shape}.",
                           "Numpy arithmetic on the input arrays (theta - lr * g) gives arrays of the right "
                           "shape." if value is None or np.isscalar(value) else None, label)
        if value.shape != shape:
            raise _Failure(f"{label} has shape {value.shape}; it should have θ's shape {shape}.",
                           None, label)
        if value.dtype != np.float64:
            raise _Failure(f"{label} has dtype {value.dtype}; it should be float64, the dtype of θ.", None, label)
        result[name] = value.copy()
    return result["theta"], {f: result[f] for f in ex.fields}


def _type_name(value) -> str:
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def _signature_problem(ex: _Exercise, fn) -> Optional[str]:
    """Why fn cannot be called as ex.function(*params), or None (also when its signature is unknown)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(*ex.params)
    except TypeError:
        shown = getattr(fn, "__name__", ex.function)
        return (f"{shown} takes {str(sig)}, but check calls it as "
                f"{ex.function}({', '.join(ex.params)}).")
    return None


# --------------------------------------------------------------------------- check


def check(name: str, fn: Callable) -> CheckResult:
    """Check your one-step function ``fn`` for the optimizer ``name`` against optlib's.

    Parameters
    ----------
    name : str
        ``"gd"``, ``"momentum"``, ``"nag"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"`` or ``"adamw"``.
    fn : callable
        Your step, with the signature of the exercise (see :mod:`optlib.exercises`), e.g.
        ``momentum_step(theta, V, grad, lr, gamma) -> (theta_next, V_next)``.

    Returns
    -------
    CheckResult
        ``.passed`` is True when every output agrees with optlib's optimizer on every step of every
        case; ``.message`` says what differs first and, when the outputs are those of a known mistake,
        names it with a hint. A function that raises, returns the wrong shape, type or number of values,
        returns NaN, or changes its inputs is reported in the result: ``check`` itself does not raise.

    Examples
    --------
    >>> from optlib.exercises import check
    >>> def gd_step(theta, grad, lr):
    ...     return theta + lr * grad(theta)
    >>> result = check("gd", gd_step)
    >>> result.passed, result.mistake
    (False, 'a sign error')
    >>> def gd_step(theta, grad, lr):
    ...     return theta - lr * grad(theta)
    >>> print(check("gd", gd_step))  # doctest: +NORMALIZE_WHITESPACE
    ✓ gd_step agrees with optlib.GD: 4 cases × 5 steps,
    θₜ equal to within a relative 1e-09.
    """
    if name not in _EX:
        raise ValueError(f"name must be one of {', '.join(map(repr, EXERCISES))}, got {name!r}")
    if not callable(fn):
        raise TypeError(f"fn must be your function {_EX[name].function}, got {_type_name(fn)}")
    ex = _EX[name]

    problem = _signature_problem(ex, fn)
    if problem is not None:
        return _result(name, False, f"✗ {ex.function}: wrong arguments.", (problem,),
                       hint=f"Write def {ex.function}({', '.join(ex.params)}): the check passes the "
                            "arguments in this order.")

    first = None                # (case index, t, field, expected, got) of the first difference
    outputs = []                # per case, per step: (inputs, student's outputs)
    for ci, case in enumerate(ex.cases):
        theta = case.theta0.copy()
        state = ex.optimizer(**case.hyper).init(theta)
        arrays = {f: getattr(state, f) for f in ex.fields}
        steps = []
        for t in range(1, case.steps + 1):
            exp_theta, exp_arrays = ex.reference(case.hyper, case.grad, theta, arrays, t)
            try:
                got_theta, got_arrays = _call_student(ex, fn, case, theta, arrays, t)
            except _Failure as failure:
                return _failed_call(ex, ci, case, t, failure, first)
            steps.append(((theta, arrays, t), (got_theta, got_arrays)))
            if first is None:
                for field_name in (*ex.fields, "theta"):      # the state first: θ_t is computed from it
                    e = exp_theta if field_name == "theta" else exp_arrays[field_name]
                    g = got_theta if field_name == "theta" else got_arrays[field_name]
                    if not _close(g, e):
                        first = (ci, t, field_name, e, g)
                        break
            theta, arrays = exp_theta, exp_arrays
        outputs.append(steps)

    n_steps = sum(c.steps for c in ex.cases)
    if first is None:
        quantities = ", ".join(["θₜ", *(f"{f}ₜ" for f in ex.fields)])
        return _result(name, True,
                       f"✓ {ex.function} agrees with optlib.{ex.optimizer.__name__}: {len(ex.cases)} cases × "
                       f"{n_steps // len(ex.cases)} steps, {quantities} equal to within a relative {RTOL:g}.")

    ci, t, field_name, e, g = first
    details = _difference_lines(ex, first)
    mistake = _recognise(ex, outputs)
    hint = None
    if mistake is not None:
        title, hint = mistake.title, mistake.hint
    else:
        title = None
        hint = _generic_hint(ex, outputs, first)
    return _result(name, False, f"✗ {ex.function} does not match optlib.{ex.optimizer.__name__} yet.",
                   details, title, hint, t, _label(field_name), first)


def _label(field_name: str) -> str:
    return "theta_next" if field_name == "theta" else f"{field_name}_next"


def _difference_lines(ex: _Exercise, first) -> list:
    ci, t, field_name, e, g = first
    e_text, g_text = _fmt_pair(e, g)
    lines = [f"First difference at step t = {t}, in {_quantity(field_name, t)},",
             f"on {_describe(ex, ex.cases[ci], ci)}:",
             f"    expected {e_text}",
             f"    got      {g_text}"]
    if not np.all(np.isfinite(g)):
        lines.append(f"Your {_quantity(field_name, t)} is not finite (NaN or ±inf).")
    return lines


def _failed_call(ex, ci, case, t, failure: _Failure, first) -> CheckResult:
    details = [f"At step t = {t} of {_describe(ex, case, ci)}:", failure.detail]
    step, quantity = t, failure.quantity
    if first is not None:   # an earlier case already differed: report that first
        details = [*_difference_lines(ex, first), f"Then, on case {ci + 1}, step t = {t}: {failure.detail}"]
        step, quantity = first[1], _label(first[2])
    return _result(ex.name, False, f"✗ {ex.function} does not match optlib.{ex.optimizer.__name__} yet.",
                   details, None, failure.hint, step, quantity, first)


def _recognise(ex: _Exercise, outputs) -> Optional[_Mistake]:
    """The first mistake whose copy of the optimizer gives the student's outputs at every step."""
    for mistake in ex.mistakes:
        if all(_matches(ex, mistake, ci, inputs, got)
               for ci, steps in enumerate(outputs) for inputs, got in steps):
            return mistake
    return None


def _matches(ex, mistake, ci, inputs, got) -> bool:
    theta, arrays, t = inputs
    case = ex.cases[ci]
    try:
        m_theta, m_arrays = _quiet(mistake.step, ex, case.hyper, case.grad, theta, arrays, t)
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return False
    got_theta, got_arrays = got
    return (_close(got_theta, np.asarray(m_theta, dtype=np.float64))
            and all(_close(got_arrays[f], np.asarray(m_arrays[f], dtype=np.float64)) for f in ex.fields))


def _generic_hint(ex: _Exercise, outputs, first) -> Optional[str]:
    """A hint from where the first difference sits, when no known mistake matches."""
    ci, t, field_name, _, _ = first
    if field_name == "theta" and ex.fields:
        return (f"Your {', '.join(f + '_next' for f in ex.fields)} agree{'s' if len(ex.fields) == 1 else ''} "
                "with the notes at this step: look at the line that computes theta_next.")
    if t > 1 and ex.fields:
        return ("Step t = 1 agrees with the notes (there the state is zero): look at how the previous "
                f"state ({', '.join(f + '_{t−1}' for f in ex.fields)}) enters your update.")
    return None
