"""The problems the chapters run the optimizers on, generated in memory from a seed (no download).

Each problem has ``loss(θ)`` (J), ``grad(θ)`` (∇J, analytic; the tests check it against finite
differences), a default start ``theta0``, and where known the ``minimizer`` θ* and ``f_min`` = J(θ*).
Two-dimensional problems also carry ``bounds`` for contour plots.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from . import _validate


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # σ(z) = 1 / (1 + e^{−z}), written so that large |z| neither overflows nor warns
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class Problem:
    """A differentiable loss J(θ) with its gradient."""

    name = "problem"
    theta0: np.ndarray
    minimizer: Optional[np.ndarray] = None
    f_min: Optional[float] = None
    bounds: Optional[tuple] = None  # ((x_min, x_max), (y_min, y_max)) for 2-D problems

    def loss(self, theta) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def grad(self, theta) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def dim(self) -> int:
        """The number of parameters n."""
        return int(np.size(self.theta0))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}, n = {self.dim}>"


def _memoized(problem, theta, compute):
    """``compute(θ)``, remembered in ``problem._memo`` for the last θ only. A run asks for J(θ_t), then for
    ∇J(θ_t) at the next step: the second call reuses the first's forward pass. The key is θ exactly, bit for
    bit: a memo answers only for the very θ it was computed at."""
    theta = np.asarray(theta, dtype=np.float64)
    key = theta.shape, theta.tobytes()
    if problem._memo is None or problem._memo[0] != key:
        problem._memo = (key, compute(theta))
    return problem._memo[1]


# --------------------------------------------------------------------------- quadratics


class Quadratic(Problem):
    r""":math:`J(\theta) = \tfrac12 (\theta - \theta^*)^\top A (\theta - \theta^*)`, :math:`A` symmetric
    positive definite: the convex baseline.

    Its condition number :math:`\kappa = \lambda_{\max} / \lambda_{\min}` sets how elongated the contours
    are. Gradient descent converges for :math:`0 < \alpha < 2/\lambda_{\max}`, and best at
    :math:`\alpha = 2/(\lambda_{\min} + \lambda_{\max})`.
    """

    def __init__(self, A, minimizer=None, theta0=None, name: str = "quadratic"):
        A = np.array(A, dtype=np.float64)
        if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.allclose(A, A.T):
            raise ValueError("A must be a symmetric square matrix")
        eig = np.linalg.eigvalsh(A)
        if eig[0] <= 0:
            raise ValueError(f"A must be positive definite, its smallest eigenvalue is {eig[0]:g}")
        n = len(A)
        self.A = A
        self.eigenvalues = eig
        self.minimizer = np.zeros(n) if minimizer is None else _validate.as_theta("minimizer", minimizer)
        self.f_min = 0.0
        self.theta0 = np.ones(n) if theta0 is None else _validate.as_theta("theta0", theta0)
        self.name = name
        if n == 2:
            r = 1.25 * np.max(np.abs(self.theta0 - self.minimizer)) + 0.25
            self.bounds = tuple((c - r, c + r) for c in self.minimizer)

    @property
    def condition_number(self) -> float:
        """κ = λ_max / λ_min."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])

    def loss(self, theta) -> float:
        d = np.asarray(theta, dtype=np.float64) - self.minimizer
        return 0.5 * float(d @ self.A @ d)

    def grad(self, theta) -> np.ndarray:
        return self.A @ (np.asarray(theta, dtype=np.float64) - self.minimizer)   # ∇J = A(θ − θ*)


def quadratic(condition_number: float = 10.0, dim: int = 2, *, rotate: bool = False, seed: int = 0,
              theta0=None) -> Quadratic:
    r"""A quadratic with eigenvalues from 1 to κ = ``condition_number`` (geometrically spaced).

    With ``rotate=True`` the axes are turned by a random orthogonal matrix drawn from ``seed``;
    otherwise A is diagonal, A = diag(1, …, κ). The minimizer is 0 and :math:`\theta_0` defaults to (1, …, 1).
    """
    kappa = float(condition_number)
    if not np.isfinite(kappa) or kappa < 1:
        raise ValueError(f"condition_number (κ) must satisfy κ ≥ 1, got {condition_number}")
    eig = np.geomspace(1.0, kappa, dim)
    A = np.diag(eig)
    if rotate:
        Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
        A = Q @ A @ Q.T
        A = 0.5 * (A + A.T)
    return Quadratic(A, theta0=theta0, name=f"quadratic, κ = {kappa:g}")


# --------------------------------------------------------------------------- 2-D test functions


class Rosenbrock(Problem):
    r""":math:`J(x, y) = (a - x)^2 + b\,(y - x^2)^2`: a curved, narrow valley with its minimum at
    :math:`(a, a^2)`."""

    def __init__(self, a: float = 1.0, b: float = 100.0, theta0=(-1.2, 1.0)):
        self.a, self.b = float(a), float(b)
        self.theta0 = _validate.as_theta("theta0", theta0)
        self.minimizer = np.array([self.a, self.a ** 2])
        self.f_min = 0.0
        self.bounds = ((-2.0, 2.0), (-1.0, 3.0))
        self.name = "Rosenbrock"

    def loss(self, theta) -> float:
        x, y = np.asarray(theta, dtype=np.float64)
        return float((self.a - x) ** 2 + self.b * (y - x ** 2) ** 2)

    def grad(self, theta) -> np.ndarray:
        x, y = np.asarray(theta, dtype=np.float64)
        return np.array([-2 * (self.a - x) - 4 * self.b * x * (y - x ** 2),
                         2 * self.b * (y - x ** 2)])


class Saddle(Problem):
    r""":math:`J(x, y) = \tfrac12 x^2 + \tfrac14 y^4 - \tfrac12 y^2`: a saddle point at the origin between
    two minima at :math:`(0, \pm 1)`.

    Along x the origin is a minimum, along y a maximum. Started at :math:`(x_0, \delta)`, gradient descent first
    slides to the saddle, where :math:`\nabla J \approx 0`, and leaves it along :math:`y` only as fast as
    :math:`\delta` lets it: near the origin :math:`y` grows like :math:`(1 + \alpha)^t \delta`. :math:`J` is
    bounded below (:math:`f_{\min} = -\tfrac14`), so every run can settle.
    """

    def __init__(self, theta0=(1.0, 1e-3)):
        self.theta0 = _validate.as_theta("theta0", theta0)
        self.minimizer = np.array([0.0, 1.0 if self.theta0[1] >= 0 else -1.0])
        self.f_min = -0.25
        self.saddle_point = np.zeros(2)
        self.bounds = ((-1.5, 1.5), (-1.5, 1.5))
        self.name = "saddle"

    def loss(self, theta) -> float:
        x, y = np.asarray(theta, dtype=np.float64)
        return float(0.5 * x ** 2 + 0.25 * y ** 4 - 0.5 * y ** 2)

    def grad(self, theta) -> np.ndarray:
        x, y = np.asarray(theta, dtype=np.float64)
        return np.array([x, y ** 3 - y])


class Plateau(Problem):
    r"""J(θ) = 1 − exp(−‖θ‖² / (2w²)): a well of width w in a plateau that is flat far away.

    At distance r from the minimum the gradient has size :math:`(r/w^2)\, e^{-r^2/(2w^2)}`: it shrinks faster
    than exponentially as the start moves out onto the plateau, and so does plain GD's progress.
    """

    def __init__(self, width: float = 1.0, theta0=(3.0, 0.5)):
        self.width = _validate.positive("width", "w", width)
        self.theta0 = _validate.as_theta("theta0", theta0)
        self.minimizer = np.zeros_like(self.theta0)
        self.f_min = 0.0
        r = max(4.0 * self.width, 1.2 * float(np.max(np.abs(self.theta0))))
        self.bounds = ((-r, r), (-r, r))
        self.name = "plateau"

    def loss(self, theta) -> float:
        th = np.asarray(theta, dtype=np.float64)
        return float(1.0 - np.exp(-(th @ th) / (2 * self.width ** 2)))

    def grad(self, theta) -> np.ndarray:
        th = np.asarray(theta, dtype=np.float64)
        return th / self.width ** 2 * np.exp(-(th @ th) / (2 * self.width ** 2))


# --------------------------------------------------------------------------- vanishing gradients


class SigmoidChain(Problem):
    r"""A chain of ``depth`` sigmoid layers of ``width`` units, the deep network of the notes' "Vanishing Gradient".

    .. math::

       a_0 = x, \quad z_l = W_l a_{l-1} + b_l, \quad a_l = \sigma(z_l) \quad (l = 1, \dots, L),

       J = \frac{1}{2m} \sum \lVert a_L - y \rVert^2

    over a batch of m inputs. Backpropagation carries :math:`\delta_l = \partial J/\partial z_l` down the
    chain,

    .. math:: \delta_{l} = \sigma'(z_l) \odot (W_{l+1}^\top \delta_{l+1}), \qquad \sigma' \le \tfrac14,

    so each layer multiplies the gradient by a factor that is usually below one: the gradient of the
    first layers vanishes. θ is all :math:`W_l` and :math:`b_l` flattened, layer by layer.
    """

    def __init__(self, depth: int = 10, width: int = 4, n_samples: int = 32, weight_scale: float = 1.0,
                 seed: int = 0):
        self.depth = _validate.steps(depth)
        self.width = _validate.steps(width)
        if self.depth < 1 or self.width < 1:
            raise ValueError("depth and width must be at least 1")
        rng = np.random.default_rng(seed)
        n = self.width
        self.X = rng.standard_normal((n_samples, n))
        self.Y = rng.uniform(0.1, 0.9, (n_samples, n))
        scale = _validate.positive("weight_scale", "s", weight_scale) / np.sqrt(n)
        Ws = [scale * rng.standard_normal((n, n)) for _ in range(self.depth)]
        bs = [np.zeros(n) for _ in range(self.depth)]
        self.theta0 = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in zip(Ws, bs)])
        self.name = f"sigmoid chain, L = {self.depth}"

    _memo = None  # (θ's key, the activations a_0 … a_L at θ): see forward

    def unpack(self, theta):
        r"""Split θ into the lists :math:`[W_1, \dots, W_L]` and :math:`[b_1, \dots, b_L]`."""
        theta = np.asarray(theta, dtype=np.float64)
        n, per = self.width, self.width * self.width + self.width
        if theta.shape != (self.depth * per,):
            raise ValueError(f"θ must have shape ({self.depth * per},), got {theta.shape}")
        blocks = theta.reshape(self.depth, per)
        return [b[: n * n].reshape(n, n) for b in blocks], [b[n * n:] for b in blocks]

    def forward(self, theta):
        r"""The activations :math:`a_0, \dots, a_L` (each of shape (m, width))."""
        a = _memoized(self, theta, self._activations)
        return [self.X] + [a_l.copy() for a_l in a[1:]]   # the caller gets arrays of its own

    def _activations(self, theta):
        Ws, bs = self.unpack(theta)
        a = [self.X]
        for W, b in zip(Ws, bs):
            a.append(_sigmoid(a[-1] @ W.T + b))        # a_l = σ(W_l a_{l−1} + b_l)
        return a

    def loss(self, theta) -> float:
        a_L = self.forward(theta)[-1]
        return float(0.5 * np.mean(np.sum((a_L - self.Y) ** 2, axis=1)))

    def backprop(self, theta):
        """Backpropagation: returns (dWs, dbs, deltas).

        deltas[l−1] is δ_l = ∂J/∂z_l, one row per sample.
        """
        Ws, _ = self.unpack(theta)
        a = self.forward(theta)
        m = len(self.X)
        deltas = [None] * self.depth
        # δ_L = (a_L − y)/m ⊙ σ'(z_L)
        delta = (a[-1] - self.Y) / m * a[-1] * (1 - a[-1])
        for l in range(self.depth - 1, -1, -1):
            deltas[l] = delta
            if l > 0:
                # δ_l = σ'(z_l) ⊙ W_{l+1}ᵀ δ_{l+1}
                delta = (delta @ Ws[l]) * a[l] * (1 - a[l])
        # ∂J/∂W_l = δ_l a_{l−1}ᵀ and ∂J/∂b_l = δ_l (summed over samples)
        dWs = [deltas[l].T @ a[l] for l in range(self.depth)]
        dbs = [deltas[l].sum(axis=0) for l in range(self.depth)]
        return dWs, dbs, deltas

    def grad(self, theta) -> np.ndarray:
        dWs, dbs, _ = self.backprop(theta)
        return np.concatenate([np.concatenate([dW.ravel(), db]) for dW, db in zip(dWs, dbs)])

    def layer_grad_norms(self, theta=None) -> np.ndarray:
        r"""
        :math:`\lVert \partial J/\partial W_l \rVert` (Frobenius) for l = 1 … L: the gradient each layer's
        weights receive."""
        dWs, _, _ = self.backprop(self.theta0 if theta is None else theta)
        return np.array([np.linalg.norm(dW) for dW in dWs])

    def layer_factors(self, theta=None) -> np.ndarray:
        r"""
        :math:`\lVert\delta_l\rVert / \lVert\delta_{l+1}\rVert` for l = 1 … L−1: what passing down one layer
        multiplies the gradient by."""
        _, _, deltas = self.backprop(self.theta0 if theta is None else theta)
        norms = np.array([np.linalg.norm(d) for d in deltas])
        return norms[:-1] / norms[1:]


# --------------------------------------------------------------------------- smooth convex, not quadratic


def _log_cosh(x: np.ndarray) -> np.ndarray:
    # log cosh x = |x| + log(1 + e^{−2|x|}) − log 2, written so that large |x| does not overflow
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)


class LogCosh(Problem):
    r""":math:`J(\theta) = \sum_i c_i \log\cosh(\theta_i - \theta^*_i)`: smooth and convex, not a quadratic.

    Each term is a smooth Huber-like loss: about :math:`\tfrac12 c_i (\theta_i - \theta^*_i)^2` near
    :math:`\theta^*` and about :math:`c_i |\theta_i - \theta^*_i|` far from it. The gradient is

    .. math::

        \frac{\partial J}{\partial \theta_i} = c_i \tanh(\theta_i - \theta^*_i) ,

    and the curvature :math:`c_i \,\mathrm{sech}^2(\theta_i - \theta^*_i)` lies in :math:`(0, c_i]`, so
    :math:`\nabla J` is :math:`L`-Lipschitz with :math:`L = \max_i c_i` (``smoothness``). With curvatures
    ``c`` spread over many decades J has directions nearly as flat as one likes: the setting of the
    :math:`O(1/t)` and :math:`O(1/t^2)` bounds of gradient descent and Nesterov's method. The minimizer is
    :math:`\theta^*` (default 0), :math:`J^* = 0`, and :math:`\theta_0` defaults to (1, …, 1).
    """

    def __init__(self, curvatures: Sequence[float], minimizer=None, theta0=None, name: str = "log-cosh"):
        c = np.array(curvatures, dtype=np.float64).ravel()
        if c.size == 0 or not np.all(np.isfinite(c)) or np.any(c <= 0):
            raise ValueError("curvatures (c_i) must be positive and finite, one per parameter")
        n = c.size
        self.curvatures = c
        self.minimizer = np.zeros(n) if minimizer is None else _validate.as_theta("minimizer", minimizer)
        self.theta0 = np.ones(n) if theta0 is None else _validate.as_theta("theta0", theta0)
        for what, v in (("minimizer", self.minimizer), ("theta0", self.theta0)):
            if v.shape != (n,):
                raise ValueError(f"{what} must have one entry per curvature ({n}), got shape {v.shape}")
        self.f_min = 0.0
        self.name = name
        if n == 2:
            r = 1.25 * np.max(np.abs(self.theta0 - self.minimizer)) + 0.25
            self.bounds = tuple((m - r, m + r) for m in self.minimizer)

    @property
    def smoothness(self) -> float:
        """L = max c_i, the Lipschitz constant of ∇J."""
        return float(self.curvatures.max())

    def loss(self, theta) -> float:
        d = np.asarray(theta, dtype=np.float64) - self.minimizer
        return float(self.curvatures @ _log_cosh(d))                  # J = Σ c_i log cosh(θ_i − θ*_i)

    def grad(self, theta) -> np.ndarray:
        d = np.asarray(theta, dtype=np.float64) - self.minimizer
        return self.curvatures * np.tanh(d)                           # ∂J/∂θ_i = c_i tanh(θ_i − θ*_i)


# --------------------------------------------------------------------------- regression data


def batches(rows: int, batch_size: int, seed: int = 0):
    """A fresh draw of mini-batches: each call gives ``batch_size`` distinct row indices of ``rows`` rows.

    The draws come from ``numpy.random.default_rng(seed)`` (``rng.choice(rows, batch_size, replace=False)``),
    so a new sampler with the same seed gives the same sequence of batches. Shared by every problem's
    ``minibatch_grad``.
    """
    batch_size = _validate.steps(batch_size)
    if not 1 <= batch_size <= rows:
        raise ValueError(f"batch_size must be between 1 and {rows} (the rows of the data), got {batch_size}")
    rng = np.random.default_rng(seed)
    return lambda: rng.choice(rows, size=batch_size, replace=False)


class LeastSquares(Problem):
    r"""Linear regression by mean squared error: J(θ) = 1/(2m) ‖Xθ − y‖², ∇J = Xᵀ(Xθ − y)/m.

    ``minibatch_grad`` gives a stochastic gradient on seeded mini-batches, whose noise keeps :math:`g_t` from
    vanishing (the setting where AdaGrad's :math:`G_t` grows without bound).
    """

    def __init__(self, X, y, feature_names: Optional[Sequence[str]] = None, theta0=None,
                 name: str = "least squares"):
        self.X = np.array(X, dtype=np.float64)
        self.y = np.array(y, dtype=np.float64)
        if self.X.ndim != 2 or self.y.shape != (len(self.X),):
            raise ValueError(f"X must be (m, n) and y (m,), got {self.X.shape} and {self.y.shape}")
        m, n = self.X.shape
        self.feature_names = list(feature_names) if feature_names is not None else [f"x{j + 1}" for j in range(n)]
        self.theta0 = np.zeros(n) if theta0 is None else _validate.as_theta("theta0", theta0)
        self.minimizer = np.linalg.lstsq(self.X, self.y, rcond=None)[0]
        self.f_min = self.loss(self.minimizer)
        self.name = name
        if n == 2:
            r = 1.25 * np.max(np.abs(self.theta0 - self.minimizer)) + 0.25
            self.bounds = tuple((c - r, c + r) for c in self.minimizer)

    @property
    def hessian(self) -> np.ndarray:
        """XᵀX / m, the (constant) Hessian of J."""
        return self.X.T @ self.X / len(self.X)

    @property
    def condition_number(self) -> float:
        """κ of the Hessian XᵀX/m, which says how elongated the contours of J are."""
        eig = np.linalg.eigvalsh(self.hessian)
        return float(eig[-1] / eig[0])

    _memo = None  # (θ's key, the residuals r = Xθ − y at θ): see _residuals

    def _residuals(self, theta) -> np.ndarray:
        # r = Xθ − y, computed once for J(θ_t) and ∇J(θ_t), which a run asks for one after the other
        return _memoized(self, theta, lambda th: self.X @ th - self.y)

    def loss(self, theta) -> float:
        r = self._residuals(theta)                     # r = Xθ − y
        return float(0.5 * np.mean(r * r))

    def grad(self, theta) -> np.ndarray:
        r = self._residuals(theta)                     # r = Xθ − y
        return self.X.T @ r / len(self.X)

    def minibatch_grad(self, batch_size: int, seed: int = 0):
        r"""A fresh stochastic gradient :math:`\theta \mapsto \nabla J_B(\theta)` on random batches of ``batch_size`` rows.

        The batches come from ``numpy.random.default_rng(seed)``, so a new callable with the same seed
        gives the same sequence of gradients; one callable used twice continues its sequence.
        """
        draw = batches(len(self.X), batch_size, seed)

        def grad(theta):
            idx = draw()
            Xb = self.X[idx]
            return Xb.T @ (Xb @ np.asarray(theta, dtype=np.float64) - self.y[idx]) / batch_size

        return grad

    def standardized(self) -> "LeastSquares":
        """Feature scaling (notes, Day 1): every column rescaled to mean 0 and variance 1."""
        mu, sd = self.X.mean(axis=0), self.X.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        return LeastSquares((self.X - mu) / sd, self.y - self.y.mean(), self.feature_names,
                            name=self.name + ", standardized")


def linear_regression(scales=(1.0, 10.0), n_samples: int = 200, noise: float = 0.1, seed: int = 0,
                      theta0=None) -> LeastSquares:
    """Dense features of different ranges: column j is N(0, 1) times ``scales[j]``.

    Different ranges give gradients of different sizes and elongated contours (κ ≈ (max/min scale)²).
    """
    rng = np.random.default_rng(seed)
    scales = np.asarray(scales, dtype=np.float64)
    X = rng.standard_normal((n_samples, len(scales))) * scales
    true = rng.uniform(-1.0, 1.0, len(scales)) + np.sign(rng.standard_normal(len(scales)))
    y = X @ true + noise * rng.standard_normal(n_samples)
    prob = LeastSquares(X, y, [f"x{j + 1} (scale {s:g})" for j, s in enumerate(scales)], theta0=theta0,
                        name="linear regression")
    prob.true_theta = true
    return prob


def sparse_regression(n_samples: int = 1000, category_probs=(0.55, 0.3, 0.1, 0.04, 0.01), n_dense: int = 2,
                      noise: float = 0.1, seed: int = 0) -> LeastSquares:
    """Dense features beside one-hot categories, some frequent and some rare (notes, AdaGrad).

    Columns: ``n_dense`` standard-normal features, then one one-hot column per category, drawn with the
    probabilities ``category_probs``. A one-hot column is zero wherever its category is absent: a rare
    category's column is almost all zeros, so its gradient is small and plain GD barely moves it.
    Attributes: ``true_theta``, ``frequency`` (the fraction of rows where each column is non-zero) and
    ``kinds`` ("dense" or "one-hot").
    """
    probs = np.asarray(category_probs, dtype=np.float64)
    if np.any(probs <= 0) or not np.isclose(probs.sum(), 1.0):
        raise ValueError(f"category_probs must be positive and sum to 1, got {probs.tolist()}")
    rng = np.random.default_rng(seed)
    dense = rng.standard_normal((n_samples, n_dense))
    cats = rng.choice(len(probs), size=n_samples, p=probs)
    onehot = np.eye(len(probs))[cats]
    X = np.hstack([dense, onehot])
    true = np.concatenate([rng.uniform(-2.0, 2.0, n_dense), rng.uniform(1.0, 3.0, len(probs))
                           * rng.choice([-1.0, 1.0], len(probs))])
    y = X @ true + noise * rng.standard_normal(n_samples)
    names = [f"dense {j + 1}" for j in range(n_dense)] + [f"category {k + 1} (p = {p:g})" for k, p in enumerate(probs)]
    prob = LeastSquares(X, y, names, name="sparse regression")
    prob.true_theta = true
    prob.frequency = np.mean(X != 0, axis=0)
    prob.kinds = ["dense"] * n_dense + ["one-hot"] * len(probs)
    return prob


# --------------------------------------------------------------------------- a small neural network


def two_moons(n_samples: int = 200, noise: float = 0.15, seed: int = 0):
    """Two interleaving half circles in 2-D, labels 0 and 1: a classic non-linear classification set."""
    rng = np.random.default_rng(seed)
    n0 = n_samples // 2
    n1 = n_samples - n0
    a0 = rng.uniform(0, np.pi, n0)
    a1 = rng.uniform(0, np.pi, n1)
    X = np.vstack([np.c_[np.cos(a0), np.sin(a0)], np.c_[1 - np.cos(a1), 0.5 - np.sin(a1)]])
    X += noise * rng.standard_normal(X.shape)
    y = np.r_[np.zeros(n0), np.ones(n1)]
    return X, y


class TwoLayerNet(Problem):
    r"""A 2-layer network classifier trained by backpropagation: a real non-convex deep-learning loss.

    h = tanh(X W₁ + b₁) with ``hidden`` units, p = σ(h w₂ + b₂), and J = mean binary cross-entropy
    −[y log p + (1 − y) log(1 − p)]. θ is (W₁, b₁, w₂, b₂) flattened; :math:`\theta_0` is a seeded small random init.
    """

    def __init__(self, X=None, y=None, hidden: int = 8, seed: int = 0):
        if X is None:
            X, y = two_moons(seed=seed)
        self.X = np.array(X, dtype=np.float64)
        self.y = np.array(y, dtype=np.float64)
        self.hidden = _validate.steps(hidden)
        d, h = self.X.shape[1], self.hidden
        rng = np.random.default_rng(seed + 1)
        W1 = rng.standard_normal((d, h)) / np.sqrt(d)
        w2 = rng.standard_normal(h) / np.sqrt(h)
        self.theta0 = np.concatenate([W1.ravel(), np.zeros(h), w2, [0.0]])
        self.f_min = None
        self.name = "two-layer network"

    def unpack(self, theta):
        """Split θ into (W₁, b₁, w₂, b₂)."""
        theta = np.asarray(theta, dtype=np.float64)
        d, h = self.X.shape[1], self.hidden
        if theta.shape != (d * h + 2 * h + 1,):
            raise ValueError(f"θ must have shape ({d * h + 2 * h + 1},), got {theta.shape}")
        W1 = theta[: d * h].reshape(d, h)
        b1 = theta[d * h: d * h + h]
        w2 = theta[d * h + h: d * h + 2 * h]
        return W1, b1, w2, theta[-1]

    _memo = None  # (θ's key, h and z on the training set at θ): see _forward

    def _forward(self, theta):
        # h and z on the training set, computed once for J(θ_t) and ∇J(θ_t), which a run asks for one after
        # the other
        def h_and_z(th):
            W1, b1, w2, b2 = self.unpack(th)
            H = np.tanh(self.X @ W1 + b1)                  # h = tanh(x W₁ + b₁)
            return H, H @ w2 + b2                          # z = h w₂ + b₂
        return _memoized(self, theta, h_and_z)

    def logits(self, theta, X=None) -> np.ndarray:
        if X is None:
            return self._forward(theta)[1].copy()
        W1, b1, w2, b2 = self.unpack(theta)
        H = np.tanh(X @ W1 + b1)
        return H @ w2 + b2

    def predict_proba(self, theta, X=None) -> np.ndarray:
        """p = σ(logit), the predicted probability of class 1."""
        return _sigmoid(self.logits(theta, X))

    def accuracy(self, theta) -> float:
        return float(np.mean((self.logits(theta) > 0) == (self.y > 0.5)))

    def loss(self, theta) -> float:
        _, z = self._forward(theta)
        # −[y log σ(z) + (1−y) log(1−σ(z))] = log(1 + e^z) − y z, computed without overflow
        return float(np.mean(np.logaddexp(0.0, z) - self.y * z))

    def grad(self, theta) -> np.ndarray:
        _, _, w2, _ = self.unpack(theta)
        H, z = self._forward(theta)                        # h and z, as loss computes them
        dz = (_sigmoid(z) - self.y) / len(self.X)          # ∂J/∂z = (p − y)/m
        dw2 = H.T @ dz
        db2 = dz.sum()
        dH = np.outer(dz, w2) * (1 - H ** 2)                # back through tanh: tanh' = 1 − h²
        dW1 = self.X.T @ dH
        db1 = dH.sum(axis=0)
        return np.concatenate([dW1.ravel(), db1, dw2, [db2]])
