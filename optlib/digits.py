r"""A real data set, offline: 1,797 handwritten digits, and a small network to classify them.

The data are the 8 × 8 images of scikit-learn's ``load_digits`` (the test part of the UCI "Optical
Recognition of Handwritten Digits" data set, Alpaydin & Kaynak 1998, licence CC BY 4.0), shipped inside
optlib as ``optlib/data/digits.npz`` (pixels as integers 0–16, labels 0–9), so that they load with no
download and no scikit-learn, in the live browser version too; they are the arrays that
``sklearn.datasets.load_digits()`` returns.

:class:`DigitsNet` is a network with one hidden layer and a softmax over the 10 classes, trained on a
fixed, seeded split of the images: ``loss`` and ``grad`` on the training part, ``minibatch_grad`` for
mini-batches of it, ``accuracy`` on either part.

>>> from optlib.digits import load_digits
>>> pixels, labels = load_digits()
>>> pixels.shape, pixels.dtype, int(pixels.max())
((1797, 64), dtype('uint8'), 16)
>>> sorted(set(labels.tolist())) == list(range(10))
True
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from . import _validate
from .problems import Problem, _memoized, batches

__all__ = ["load_digits", "DigitsNet"]

#: where the data come from, for a caption or a citation
SOURCE = ("UCI Optical Recognition of Handwritten Digits (Alpaydin & Kaynak 1998, CC BY 4.0), "
          "as shipped by scikit-learn's load_digits")


def load_digits():
    """The 1,797 images and their labels: ``(pixels, labels)``, uint8 arrays of shapes (1797, 64) and (1797,).

    Each row of ``pixels`` is an 8 × 8 image read row by row, each pixel a count from 0 to 16 (the
    number of dark pixels of a 4 × 4 block of the 32 × 32 scan); ``labels`` are the digits 0–9.
    """
    with (resources.files("optlib") / "data" / "digits.npz").open("rb") as f:
        data = np.load(f)
        return data["pixels"].copy(), data["labels"].copy()


def _softmax_rows(Z: np.ndarray) -> np.ndarray:
    Z = Z - Z.max(axis=1, keepdims=True)               # shift: e^z never overflows
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


class DigitsNet(Problem):
    r"""One hidden layer and a softmax over 10 classes, on the digits: a small real deep-learning loss.

    .. math::

        h = \tanh(x W_1 + b_1), \qquad z = h W_2 + b_2, \qquad p_k = \frac{e^{z_k}}{\sum_j e^{z_j}}

        J(\theta) = -\frac{1}{m} \sum_{i=1}^{m} \log p_{y_i}(x_i)

    the mean cross-entropy over the :math:`m` training images, with :math:`x` the 64 pixels divided by
    16 (values in [0, 1]). θ is :math:`(W_1, b_1, W_2, b_2)` flattened: :math:`64h + h + 10h + 10`
    parameters for ``hidden`` :math:`= h` units. ``seed`` draws :math:`\theta_0` (weights
    :math:`N(0, 1/\text{fan-in})`, biases 0); the split into ``n_held_out`` held-out images and the rest
    for training is drawn from ``split_seed`` and is the same for every ``seed``.
    """

    def __init__(self, hidden: int = 32, seed: int = 0, n_held_out: int = 360, split_seed: int = 0):
        pixels, labels = load_digits()
        self.hidden = _validate.integer("hidden", "h", hidden, 1)
        n_held_out = _validate.integer("n_held_out", "n_held_out", n_held_out, 1)
        if n_held_out >= len(labels):
            raise ValueError(f"n_held_out must be below the {len(labels)} images, got {n_held_out}")
        order = np.random.default_rng(split_seed).permutation(len(labels))
        held, train = order[:n_held_out], order[n_held_out:]
        X = pixels.astype(np.float64) / 16.0
        self.X, self.y = X[train], labels[train].astype(np.int64)
        self.X_held_out, self.y_held_out = X[held], labels[held].astype(np.int64)
        self.n_classes = 10
        d, h, k = self.X.shape[1], self.hidden, self.n_classes
        rng = np.random.default_rng(seed)
        W1 = rng.standard_normal((d, h)) / np.sqrt(d)
        W2 = rng.standard_normal((h, k)) / np.sqrt(h)
        self.theta0 = np.concatenate([W1.ravel(), np.zeros(h), W2.ravel(), np.zeros(k)])
        self.f_min = None
        self.name = "digits network"

    def unpack(self, theta):
        """Split θ into (W₁, b₁, W₂, b₂)."""
        theta = np.asarray(theta, dtype=np.float64)
        d, h, k = self.X.shape[1], self.hidden, self.n_classes
        n = d * h + h + h * k + k
        if theta.shape != (n,):
            raise ValueError(f"θ must have shape ({n},), got {theta.shape}")
        W1 = theta[: d * h].reshape(d, h)
        b1 = theta[d * h: d * h + h]
        W2 = theta[d * h + h: d * h + h + h * k].reshape(h, k)
        return W1, b1, W2, theta[d * h + h + h * k:]

    def logits(self, theta, X=None) -> np.ndarray:
        """:math:`z` for every row of ``X`` (the training images by default), shape (rows, 10)."""
        W1, b1, W2, b2 = self.unpack(theta)
        X = self.X if X is None else X
        return np.tanh(X @ W1 + b1) @ W2 + b2

    def accuracy(self, theta, part: str = "held_out") -> float:
        """The share of images of ``part`` ("held_out" or "train") whose largest logit is their label's."""
        X, y = self._part(part)
        return float(np.mean(np.argmax(self.logits(theta, X), axis=1) == y))

    def margins(self, theta, part: str = "held_out") -> np.ndarray:
        """Per image, the largest logit minus the second largest: how far each prediction is from a tie."""
        Z = np.sort(self.logits(theta, self._part(part)[0]), axis=1)
        return Z[:, -1] - Z[:, -2]

    def _part(self, part: str):
        if part == "held_out":
            return self.X_held_out, self.y_held_out
        if part == "train":
            return self.X, self.y
        raise ValueError(f"part must be 'held_out' or 'train', got {part!r}")

    _memo = None  # (θ's key, h and p on the training set at θ)

    def _forward(self, theta):
        def h_and_p(th):
            W1, b1, W2, b2 = self.unpack(th)
            H = np.tanh(self.X @ W1 + b1)                  # h = tanh(x W₁ + b₁)
            return H, _softmax_rows(H @ W2 + b2)           # p = softmax(h W₂ + b₂)
        return _memoized(self, theta, h_and_p)

    def loss(self, theta) -> float:
        _, P = self._forward(theta)
        return float(-np.mean(np.log(P[np.arange(len(self.y)), self.y])))   # −(1/m) Σ log p_{y_i}

    def _backward(self, theta, X, y, H, P):
        _, _, W2, _ = self.unpack(theta)
        dZ = P.copy()
        dZ[np.arange(len(y)), y] -= 1.0                    # ∂J/∂z = (p − onehot(y))/m
        dZ /= len(y)
        dW2 = H.T @ dZ
        db2 = dZ.sum(axis=0)
        dH = (dZ @ W2.T) * (1.0 - H * H)                   # back through tanh: tanh' = 1 − h²
        dW1 = X.T @ dH
        db1 = dH.sum(axis=0)
        return np.concatenate([dW1.ravel(), db1, dW2.ravel(), db2])

    def grad(self, theta) -> np.ndarray:
        H, P = self._forward(theta)
        return self._backward(theta, self.X, self.y, H, P)

    def minibatch_grad(self, batch_size: int, seed: int = 0):
        r"""A fresh stochastic gradient :math:`\theta \mapsto \nabla J_B(\theta)` on random batches of ``batch_size`` training images.

        The batches come from ``numpy.random.default_rng(seed)``, so a new callable with the same seed
        gives the same sequence of gradients; one callable used twice continues its sequence.
        """
        draw = batches(len(self.X), batch_size, seed)

        def grad(theta):
            idx = draw()
            Xb, yb = self.X[idx], self.y[idx]
            W1, b1, W2, b2 = self.unpack(theta)
            H = np.tanh(Xb @ W1 + b1)
            P = _softmax_rows(H @ W2 + b2)
            return self._backward(theta, Xb, yb, H, P)

        return grad
