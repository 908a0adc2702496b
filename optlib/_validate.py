"""Up-front checks with messages that name the argument, its symbol and the allowed range.

Modelled on PyTorch's ``Invalid beta parameter at index 0: ...``, with the notes' symbol added:
``gamma (γ) must satisfy 0 ≤ γ < 1, got 1.2``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def _real(name: str, symbol: str, value) -> float:
    """Return ``value`` as a float, or raise TypeError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} ({symbol}) must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} ({symbol}) must be finite, got {value}")
    return value


def positive(name: str, symbol: str, value) -> float:
    """A learning rate: 0 < value < inf."""
    value = _real(name, symbol, value)
    if not value > 0:
        raise ValueError(f"{name} ({symbol}) must satisfy {symbol} > 0, got {value:g}")
    return value


def non_negative(name: str, symbol: str, value) -> float:
    """A small constant such as ε: 0 ≤ value < inf."""
    value = _real(name, symbol, value)
    if value < 0:
        raise ValueError(f"{name} ({symbol}) must satisfy {symbol} ≥ 0, got {value:g}")
    return value


def decay(name: str, symbol: str, value) -> float:
    """A decay rate such as γ, β, β1, β2: 0 ≤ value < 1."""
    value = _real(name, symbol, value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} ({symbol}) must satisfy 0 ≤ {symbol} < 1, got {value:g}")
    return value


def steps(value) -> int:
    """A number of steps: a non-negative integer (bool is refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"steps must be a non-negative integer, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"steps must be a non-negative integer, got {value}")
    return int(value)


def as_theta(name: str, value) -> np.ndarray:
    """A parameter array as float64 (integers and lists welcome), finite, never a view of the input."""
    try:
        arr = np.array(value, dtype=np.float64)  # np.array copies: the caller's array is never touched
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} (θ) must be an array of real numbers, got {type(value).__name__}") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} (θ) must be finite, got {arr!r}")
    return arr


def flag(name: str, value) -> bool:
    """A switch: True or False only."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def learning_rate(name: str, symbol: str, value):
    """A learning rate: a number 0 < value < inf, or a schedule, a callable t ↦ α_t.

    A number is returned as a float, exactly as :func:`positive` does (a constant rate keeps today's
    iterates bit for bit). A callable is returned as an :class:`optlib.schedules.Schedule`: the schedules
    of :mod:`optlib.schedules` as they are, any other function wrapped in
    :class:`optlib.schedules.Lambda`. Its values are checked step by step, when they are used
    (:meth:`optlib.Optimizer.rate`).
    """
    if callable(value) and not isinstance(value, numbers.Real):
        from .schedules import as_schedule  # schedules imports nothing of optlib's optimizers
        return as_schedule(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} ({symbol}) must be a real number, got {type(value).__name__} {value!r}"[:200]
                        + f" (or a schedule t ↦ {symbol}_t: see optlib.schedules)")
    return positive(name, symbol, value)


def integer(name: str, symbol: str, value, low: int) -> int:
    """An integer setting such as a number of steps: an int ≥ ``low`` (bool is refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} ({symbol}) must be an integer ≥ {low}, got {type(value).__name__} {value!r}")
    if value < low:
        raise ValueError(f"{name} ({symbol}) must satisfy {symbol} ≥ {low}, got {value}")
    return int(value)
