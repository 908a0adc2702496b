"""optlib.exercises.check: correct functions pass, each usual mistake is recognised with its hint, and a
broken function (raising, wrong shape/type, NaN, in-place changes) is reported without raising.

The student functions here are written as a student would write them, line by line, independently of the
mistake models inside optlib.exercises: a mistake counts as recognised only when the check's own mutated
copy of the optimizer reproduces this independent code.
"""

import numpy as np
import pytest

import optlib
from optlib import exercises
from optlib.exercises import check


# --------------------------------------------------------------------------- correct functions


def gd_step(theta, grad, lr):
    return theta - lr * grad(theta)


def momentum_step(theta, V, grad, lr, gamma):
    V_next = gamma * V + lr * grad(theta)
    return theta - V_next, V_next


def nag_step(theta, V, grad, lr, gamma):
    theta_temp = theta - gamma * V
    V_next = gamma * V + lr * grad(theta_temp)
    return theta - V_next, V_next


def adagrad_step(theta, G, grad, lr, eps):
    g = grad(theta)
    G_next = G + g * g
    return theta - lr / (np.sqrt(G_next) + eps) * g, G_next


def rmsprop_step(theta, G, grad, lr, beta, eps):
    g = grad(theta)
    G_next = beta * G + (1 - beta) * g ** 2
    return theta - lr * g / (np.sqrt(G_next) + eps), G_next


def adam_step(theta, m, v, t, grad, lr, beta1, beta2, eps):
    g = grad(theta)
    m_next = beta1 * m + (1 - beta1) * g
    v_next = beta2 * v + (1 - beta2) * g ** 2
    m_hat = m_next / (1 - beta1 ** t)
    v_hat = v_next / (1 - beta2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_next, v_next


def adamw_step(theta, m, v, t, grad, lr, beta1, beta2, eps, weight_decay):
    g = grad(theta)
    m_next = beta1 * m + (1 - beta1) * g
    v_next = beta2 * v + (1 - beta2) * g ** 2
    m_hat = m_next / (1 - beta1 ** t)
    v_hat = v_next / (1 - beta2 ** t)
    return theta * (1 - lr * weight_decay) - lr * m_hat / (np.sqrt(v_hat) + eps), m_next, v_next


CORRECT = {"gd": gd_step, "momentum": momentum_step, "nag": nag_step, "adagrad": adagrad_step,
           "rmsprop": rmsprop_step, "adam": adam_step, "adamw": adamw_step}


# other correct ways to write the same step: they must pass too

def nag_from_lookahead(theta, V, grad, lr, gamma):
    theta_temp = theta - gamma * V
    g = grad(theta_temp)
    return theta_temp - lr * g, gamma * V + lr * g          # θ_t = θ_temp − α∇J(θ_temp)


def adam_pytorch_style(theta, m, v, t, grad, lr, beta1, beta2, eps):
    g = grad(theta)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * (g * g)
    bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
    denom = np.sqrt(v) / np.sqrt(bc2) + eps                   # torch.optim.Adam's folded form
    return theta - (lr / bc1) * m / denom, m, v


def adamw_paper_style(theta, m, v, t, grad, lr, beta1, beta2, eps, weight_decay):
    g = grad(theta)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    # Loshchilov & Hutter's form, with their λ taken as ηλ: θ − (η m̂/(√v̂ + ε) + ηλθ)
    return theta - (lr * m_hat / (np.sqrt(v_hat) + eps) + lr * weight_decay * theta), m, v


def adagrad_in_place_on_copies(theta, G, grad, lr, eps):
    theta, G = theta.copy(), G.copy()
    g = grad(theta)
    G += g ** 2
    theta -= lr * g / (np.sqrt(G) + eps)
    return theta, G


@pytest.mark.parametrize("name", exercises.EXERCISES)
def test_correct_function_passes(name):
    result = check(name, CORRECT[name])
    assert result.passed is True and bool(result)
    assert result.mistake is None and result.hint is None and result.step is None
    assert result.message.startswith("✓ ")
    assert "4 cases × 5 steps" in result.message


@pytest.mark.parametrize("name, fn", [("nag", nag_from_lookahead), ("adam", adam_pytorch_style),
                                      ("adamw", adamw_paper_style),
                                      ("adagrad", adagrad_in_place_on_copies)])
def test_equivalent_forms_pass(name, fn):
    assert check(name, fn).passed


# --------------------------------------------------------------------------- the usual mistakes


def gd_sign(theta, grad, lr):
    return theta + lr * grad(theta)


def momentum_ascent(theta, V, grad, lr, gamma):
    V_next = gamma * V - lr * grad(theta)
    return theta - V_next, V_next


def momentum_plus(theta, V, grad, lr, gamma):
    V_next = gamma * V + lr * grad(theta)
    return theta + V_next, V_next


def momentum_flipped(theta, V, grad, lr, gamma):
    V_next = gamma * V - lr * grad(theta)
    return theta + V_next, V_next


def momentum_ewma(theta, V, grad, lr, gamma):
    V_next = gamma * V + (1 - gamma) * grad(theta)
    return theta - V_next, V_next


def momentum_ewma_alpha(theta, V, grad, lr, gamma):
    V_next = gamma * V + (1 - gamma) * grad(theta)
    return theta - lr * V_next, V_next


def momentum_pytorch(theta, V, grad, lr, gamma):
    V_next = gamma * V + grad(theta)
    return theta - lr * V_next, V_next


def momentum_no_history(theta, V, grad, lr, gamma):
    V_next = lr * grad(theta)
    return theta - V_next, V_next


def momentum_gamma_fixed(theta, V, grad, lr, gamma):
    V_next = 0.9 * V + lr * grad(theta)
    return theta - V_next, V_next


def nag_ascent(theta, V, grad, lr, gamma):
    V_next = gamma * V - lr * grad(theta - gamma * V)
    return theta - V_next, V_next


def nag_plus(theta, V, grad, lr, gamma):
    V_next = gamma * V + lr * grad(theta - gamma * V)
    return theta + V_next, V_next


def nag_at_theta(theta, V, grad, lr, gamma):
    theta_temp = theta - gamma * V
    V_next = gamma * V + lr * grad(theta)          # the gradient at θ_t, θ_temp unused
    return theta - V_next, V_next


def nag_lookahead_plus(theta, V, grad, lr, gamma):
    theta_temp = theta + gamma * V
    V_next = gamma * V + lr * grad(theta_temp)
    return theta - V_next, V_next


def nag_twice(theta, V, grad, lr, gamma):
    theta_temp = theta - gamma * V
    V_next = gamma * V + lr * grad(theta_temp)
    return theta_temp - V_next, V_next


def nag_ewma(theta, V, grad, lr, gamma):
    V_next = gamma * V + (1 - gamma) * grad(theta - gamma * V)
    return theta - V_next, V_next


def nag_gamma_fixed(theta, V, grad, lr, gamma):
    V_next = 0.9 * V + lr * grad(theta - 0.9 * V)
    return theta - V_next, V_next


def adagrad_sign(theta, G, grad, lr, eps):
    g = grad(theta)
    G = G + g * g
    return theta + lr / (np.sqrt(G) + eps) * g, G


def adagrad_eps_inside(theta, G, grad, lr, eps):
    g = grad(theta)
    G = G + g * g
    return theta - lr / np.sqrt(G + eps) * g, G


def adagrad_no_square(theta, G, grad, lr, eps):
    g = grad(theta)
    G = G + g
    return theta - lr / (np.sqrt(G) + eps) * g, G


def adagrad_no_sqrt(theta, G, grad, lr, eps):
    g = grad(theta)
    G = G + g * g
    return theta - lr / (G + eps) * g, G


def adagrad_no_sum(theta, G, grad, lr, eps):
    g = grad(theta)
    G = g * g
    return theta - lr / (np.sqrt(G) + eps) * g, G


def adagrad_old_G(theta, G, grad, lr, eps):
    g = grad(theta)
    theta_next = theta - lr / (np.sqrt(G) + eps) * g
    return theta_next, G + g * g


def adagrad_eps_fixed(theta, G, grad, lr, eps):
    g = grad(theta)
    G = G + g * g
    return theta - lr / (np.sqrt(G) + 1e-8) * g, G


def rmsprop_sign(theta, G, grad, lr, beta, eps):
    g = grad(theta)
    G = beta * G + (1 - beta) * g ** 2
    return theta + lr * g / (np.sqrt(G) + eps), G


def rmsprop_eps_inside(theta, G, grad, lr, beta, eps):
    g = grad(theta)
    G = beta * G + (1 - beta) * g ** 2
    return theta - lr * g / np.sqrt(G + eps), G


def rmsprop_no_square(theta, G, grad, lr, beta, eps):
    g = grad(theta)
    G = beta * G + (1 - beta) * g
    return theta - lr * g / (np.sqrt(G) + eps), G


def rmsprop_beta_swapped(theta, G, grad, lr, beta, eps):
    g = grad(theta)
    G = (1 - beta) * G + beta * g ** 2
    return theta - lr * g / (np.sqrt(G) + eps), G


def rmsprop_no_sqrt(theta, G, grad, lr, beta, eps):
    g = grad(theta)
    G = beta * G + (1 - beta) * g ** 2
    return theta - lr * g / (G + eps), G


def rmsprop_adagrad_sum(theta, G, grad, lr, beta, eps):
    g = grad(theta)
    G = G + g ** 2
    return theta - lr * g / (np.sqrt(G) + eps), G


def rmsprop_old_G(theta, G, grad, lr, beta, eps):
    g = grad(theta)
    theta_next = theta - lr * g / (np.sqrt(G) + eps)
    return theta_next, beta * G + (1 - beta) * g ** 2


def rmsprop_defaults(theta, G, grad, lr, beta, eps):
    g = grad(theta)
    G = 0.9 * G + 0.1 * g ** 2
    return theta - lr * g / (np.sqrt(G) + 1e-8), G


def _adam(*, sign=1.0, shift=0, correct_m=True, correct_v=True, inside=False, square=True, swap=False,
          defaults=False):
    """An Adam step written out as a student would, with the given mistake."""
    def adam_step(theta, m, v, t, grad, lr, beta1, beta2, eps):
        if defaults:
            beta1, beta2, eps = 0.9, 0.999, 1e-8
        g = grad(theta)
        g2 = g * g if square else g
        if swap:
            m = (1 - beta1) * m + beta1 * g
            v = (1 - beta2) * v + beta2 * g2
        else:
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g2
        m_hat = m / (1 - beta1 ** (t + shift)) if correct_m else m
        v_hat = v / (1 - beta2 ** (t + shift)) if correct_v else v
        denominator = np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps
        return theta - sign * lr * m_hat / denominator, m, v
    return adam_step


def adam_m_sign(theta, m, v, t, grad, lr, beta1, beta2, eps):
    g = -grad(theta)                              # "the descent direction", then the usual update
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_returns_corrected(theta, m, v, t, grad, lr, beta1, beta2, eps):
    g = grad(theta)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m = m / (1 - beta1 ** t)
    v = v / (1 - beta2 ** t)
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adam_loop_from_zero(theta, m, v, t, grad, lr, beta1, beta2, eps):
    t = t - 1                                     # "t starts at 0", as in a loop over range(steps)
    g = grad(theta)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adamw(*, l2=False, after=False, without_lr=False, grad_at_decayed=False, no_decay=False,
           correct=True, default_decay=False):
    """An AdamW step written out as a student would, with the given mistake."""
    def adamw_step(theta, m, v, t, grad, lr, beta1, beta2, eps, weight_decay):
        if default_decay:
            weight_decay = 0.01
        factor = 1 - weight_decay if without_lr else 1 - lr * weight_decay
        if grad_at_decayed:
            theta = theta * factor                        # "decay first", then Adam's step from there
            g = grad(theta)
        else:
            g = grad(theta)
            if l2:
                g = g + weight_decay * theta              # the L2 gradient, ∇(J + λ/2 ‖θ‖²)
            elif not after and not no_decay:
                theta = theta * factor
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        if correct:
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        else:
            m_hat, v_hat = m, v
        theta_next = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        if after:
            theta_next = theta_next * factor
        return theta_next, m, v
    return adamw_step


MISTAKES = [
    # (exercise, function, index of the mistake in exercises.MISTAKES[exercise], a word its hint must hold)
    ("gd", gd_sign, 0, "against the gradient"),
    ("momentum", momentum_ascent, 0, "sign"),
    ("momentum", momentum_plus, 1, "sign"),
    ("momentum", momentum_flipped, 2, "−Vₜ"),
    ("momentum", momentum_ewma, 3, "(1 − γ)"),
    ("momentum", momentum_ewma_alpha, 4, "α inside Vₜ"),
    ("momentum", momentum_pytorch, 5, "PyTorch"),
    ("momentum", momentum_no_history, 6, "γVₜ₋₁"),
    ("momentum", momentum_gamma_fixed, 7, "gamma"),
    ("nag", nag_ascent, 0, "sign"),
    ("nag", nag_plus, 1, "sign"),
    ("nag", nag_at_theta, 2, "θ_temp = θₜ₋₁ − γVₜ₋₁"),
    ("nag", nag_lookahead_plus, 3, "θ_temp = θₜ₋₁ − γVₜ₋₁"),
    ("nag", nag_twice, 4, "θ_temp already"),
    ("nag", nag_ewma, 5, "(1 − γ)"),
    ("nag", nag_gamma_fixed, 6, "gamma"),
    ("adagrad", adagrad_sign, 0, "against the gradient"),
    ("adagrad", adagrad_eps_inside, 1, "outside the square root"),
    ("adagrad", adagrad_no_square, 2, "squared gradients"),
    ("adagrad", adagrad_no_sqrt, 3, "root"),
    ("adagrad", adagrad_no_sum, 4, "sums"),
    ("adagrad", adagrad_old_G, 5, "Update G first"),
    ("adagrad", adagrad_eps_fixed, 6, "eps"),
    ("rmsprop", rmsprop_sign, 0, "against the gradient"),
    ("rmsprop", rmsprop_eps_inside, 1, "outside the square root"),
    ("rmsprop", rmsprop_no_square, 2, "squared gradients"),
    ("rmsprop", rmsprop_beta_swapped, 3, "β weighs the history"),
    ("rmsprop", rmsprop_no_sqrt, 4, "root"),
    ("rmsprop", rmsprop_adagrad_sum, 5, "averages"),
    ("rmsprop", rmsprop_old_G, 6, "Update G first"),
    ("rmsprop", rmsprop_defaults, 7, "beta"),
    ("adam", _adam(sign=-1.0), 0, "against m̂ₜ"),
    ("adam", adam_m_sign, 1, "averages the gradients"),
    ("adam", _adam(correct_m=False, correct_v=False), 2, "1 − β^t"),
    ("adam", adam_loop_from_zero, 3, "t counts from 1"),
    ("adam", _adam(shift=-1), 3, "t counts from 1"),
    ("adam", _adam(shift=+1), 4, "t counts from 1"),
    ("adam", _adam(correct_v=False), 5, "v̂ₜ = vₜ/(1 − β2^t)"),
    ("adam", _adam(correct_m=False), 6, "m̂ₜ = mₜ/(1 − β1^t)"),
    ("adam", _adam(inside=True), 7, "outside the square root"),
    ("adam", _adam(square=False), 8, "squared gradients"),
    ("adam", _adam(swap=True), 9, "β weighs the history"),
    ("adam", adam_returns_corrected, 10, "uncorrected moments"),
    ("adam", _adam(defaults=True), 11, "beta1"),
    ("adamw", _adamw(l2=True), 0, "decouples the decay from the gradient"),
    ("adamw", _adamw(after=True), 1, "before the step"),
    ("adamw", _adamw(without_lr=True), 2, "1 − ηλ"),
    ("adamw", _adamw(grad_at_decayed=True), 3, "before the shrinking"),
    ("adamw", _adamw(no_decay=True), 4, "weight_decay"),
    ("adamw", _adamw(correct=False), 5, "1 − β^t"),
    ("adamw", _adamw(default_decay=True), 6, "weight_decay (λ)"),
]


def _id(case):
    name, fn, index, _ = case
    return f"{name}-{index}-{getattr(fn, '__name__', '')}"


@pytest.mark.parametrize("name, fn, index, word", MISTAKES, ids=[_id(c) for c in MISTAKES])
def test_mistake_is_recognised_with_its_hint(name, fn, index, word):
    result = check(name, fn)
    assert result.passed is False and not result
    assert result.mistake == exercises.MISTAKES[name][index], result.message
    assert word in result.hint, result.hint
    assert f"Recognised mistake: {result.mistake}" in result.message
    assert f"Hint: {result.hint}" in result.message
    # the first difference, expected against got, printed so that the two differ
    lines = result.message.splitlines()
    expected = next(line for line in lines if line.strip().startswith("expected "))
    got = next(line for line in lines if line.strip().startswith("got "))
    assert expected.split(None, 1)[1] != got.split(None, 1)[1]
    assert result.step >= 1 and result.quantity in ("theta_next", "V_next", "G_next", "m_next", "v_next")


def test_every_mistake_model_is_exercised():
    # each mistake the check knows is reproduced by one of the independent student functions above
    covered = {(name, index) for name, _, index, _ in MISTAKES}
    known = {(name, i) for name, titles in exercises.MISTAKES.items() for i in range(len(titles))}
    assert covered == known


@pytest.mark.parametrize("name, applies", [
    # where each of the issue's mistakes applies: exercise -> the titles that must be among its mistakes
    ("gd", ["a sign error"]),
    ("momentum", ["a sign error", "EWMA form"]),
    ("nag", ["a sign error", "θₜ₋₁ instead of θ_temp"]),
    ("adagrad", ["a sign error", "ε inside the square root", "without squaring"]),
    ("rmsprop", ["a sign error", "ε inside the square root", "without squaring", "β on the wrong term"]),
    ("adamw", ["the decay added to the gradient (L2", "the decay applied after Adam's step",
               "the decay without the learning rate (θₜ₋₁(1 − λ))"]),
    ("adam", ["a sign error", "ε inside the square root", "without squaring", "no bias correction",
              "t counted from 0"]),
])
def test_the_issues_mistakes_are_known_where_they_apply(name, applies):
    titles = exercises.MISTAKES[name]
    for words in applies:
        assert any(words in title for title in titles), (name, words)


def test_adamw_two_mistakes_at_once_are_not_named_as_one():
    # the decay after the step and without η: neither mistake alone reproduces it, so none is named
    result = check("adamw", _adamw(after=True, without_lr=True))
    assert not result.passed and result.mistake is None
    assert (result.step, result.quantity) == (1, "theta_next")
    assert result.hint.startswith("Your m_next, v_next agree with the notes at this step")


def test_adamw_l2_differs_first_in_m_and_prints_lambda():
    # coupled L2 changes the moments themselves: m_1 is the first difference; the case names λ
    result = check("adamw", _adamw(l2=True))
    assert (result.step, result.quantity) == (1, "m_next")
    assert "η = 0.1, β1 = 0.9, β2 = 0.999, ε = 0.01, λ = 0.1" in result.message


def test_the_adamw_signature_is_asked_for():
    result = check("adamw", adam_step)                   # Adam's signature: no weight_decay
    assert not result.passed
    assert result.hint == ("Write def adamw_step(theta, m, v, t, grad, lr, beta1, beta2, eps, weight_decay): "
                           "the check passes the arguments in this order.")


def test_nag_at_theta_differs_first_at_step_2():
    # V_0 = 0 makes θ_temp = θ_0 at t = 1: the difference can only show from t = 2
    result = check("nag", nag_at_theta)
    assert result.step == 2 and result.quantity == "V_next"
    assert "First difference at step t = 2, in V₂ (V_next)" in result.message


def test_momentum_ewma_message():
    result = check("momentum", momentum_ewma)
    assert result.message == "\n".join([
        "✗ momentum_step does not match optlib.Momentum yet.",
        "First difference at step t = 1, in V₁ (V_next),",
        "on case 1 of 4: quadratic, κ = 10; θ of shape (2,); α = 0.05, γ = 0.9:",
        "    expected [0.05, -0.25]",
        "    got      [0.1, -0.5]",
        "Recognised mistake: momentum in EWMA form ((1 − γ) in place of α)",
        "Hint: The notes' velocity is Vₜ = γVₜ₋₁ + α∇J(θₜ₋₁): the gradient is weighted by α, not by (1 − γ). "
        "The EWMA form belongs to Adam's mₜ.",
    ])


def test_eps_inside_is_shown_with_enough_digits():
    # the first difference is printed with as many digits as it takes for expected and got to differ
    result = check("rmsprop", rmsprop_eps_inside)
    line_e = next(x for x in result.message.splitlines() if "expected" in x)
    line_g = next(x for x in result.message.splitlines() if "got " in x)
    assert line_e != line_g.replace("got     ", "expected")


def test_unrecognised_mistake_gets_the_first_difference_and_a_structural_hint():
    def momentum_half(theta, V, grad, lr, gamma):
        V_next = gamma * V + lr * grad(theta)
        return theta - 0.5 * V_next, V_next

    result = check("momentum", momentum_half)
    assert not result.passed and result.mistake is None
    assert result.quantity == "theta_next" and result.step == 1
    assert "V_next agrees with the notes" in result.hint

    def momentum_history_wrong(theta, V, grad, lr, gamma):
        V_next = gamma * gamma * V + lr * grad(theta)
        return theta - V_next, V_next

    result = check("momentum", momentum_history_wrong)
    assert result.mistake is None and result.step == 2 and result.quantity == "V_next"
    assert "Step t = 1 agrees" in result.hint


# --------------------------------------------------------------------------- broken functions


def _skeleton(theta, V, grad, lr, gamma):
    ...


def _not_implemented(theta, V, grad, lr, gamma):
    raise NotImplementedError


def _name_error(theta, V, grad, lr, gamma):
    V_next = gamma * V + lr * grad(theta)
    return theta - V_nxt, V_next  # noqa: F821  (the typo is the test)


def _three_values(theta, V, grad, lr, gamma):
    V_next = gamma * V + lr * grad(theta)
    return theta - V_next, V_next, V


def _gd_tuple(theta, grad, lr):
    return theta - lr * grad(theta), None


def _scalar(theta, grad, lr):
    return float(np.sum(theta - lr * grad(theta)))


def _list_out(theta, grad, lr):
    return list(theta - lr * grad(theta))


def _flat(theta, grad, lr):
    return (theta - lr * grad(theta)).ravel()


def _float32(theta, grad, lr):
    return (theta - lr * grad(theta)).astype(np.float32)


def _nan(theta, grad, lr):
    return theta - lr * grad(theta) * np.nan


def _inf(theta, grad, lr):
    return theta - lr * grad(theta) / 0.0


def _in_place_theta(theta, grad, lr):
    theta -= lr * grad(theta)
    return theta


def _in_place_state(theta, V, grad, lr, gamma):
    V *= gamma
    V += lr * grad(theta)
    return theta - V, V


def _wrong_arguments(theta, V, grad, lr):
    return theta, V


def _grad_of_wrong_shape(theta, grad, lr):
    return theta - lr * grad(theta[0])


def _index_2d(theta, grad, lr):
    # works on 1-D θ only: fails on the 2 × 3 case
    return np.array([theta[i] - lr * grad(theta)[i] for i in range(len(theta))]).reshape(len(theta))


BROKEN = [
    ("momentum", _skeleton, "returned None; it should return a tuple (theta_next, V_next)"),
    ("momentum", _not_implemented, "raised NotImplementedError"),
    ("momentum", _name_error, "raised NameError: name 'V_nxt' is not defined"),
    ("momentum", _three_values, "returned a tuple of 3 values; it should return the 2 values"),
    ("gd", _gd_tuple, "returned a tuple of 2; it should return theta_next alone"),
    ("gd", _scalar, "theta_next is a float; it should be a numpy array"),
    ("gd", _list_out, "theta_next is a list; it should be a numpy array"),
    ("gd", _flat, None),
    ("gd", _float32, "theta_next has dtype float32; it should be float64"),
    ("gd", _nan, "is not finite"),
    ("gd", _inf, "is not finite"),
    ("gd", _in_place_theta, "gd_step changed its input theta in place"),
    ("momentum", _in_place_state, "momentum_step changed its input V in place"),
    ("momentum", _wrong_arguments, "_wrong_arguments takes (theta, V, grad, lr), but check calls it as "
                                   "momentum_step(theta, V, grad, lr, gamma)"),
    ("gd", _grad_of_wrong_shape, "raised ValueError: grad expects an array of θ's shape (2,)"),
    ("gd", _index_2d, None),
]


@pytest.mark.parametrize("name, fn, text", BROKEN, ids=[fn.__name__ for _, fn, _ in BROKEN])
def test_broken_function_is_reported_not_raised(name, fn, text):
    result = check(name, fn)
    assert result.passed is False
    if text is not None:
        assert text in result.message, result.message
    assert repr(result) == result.message
    assert result._repr_html_().startswith('<div class="optlib-check"')


def test_flat_output_names_the_shape():
    result = check("gd", _flat)
    assert "theta_next has shape (6,); it should have θ's shape (2, 3)" in result.message
    assert "case 3 of 4: quadratic, κ = 100; θ of shape (2, 3)" in result.message


def test_a_function_that_fails_later_reports_its_earlier_difference_first():
    def gd_step_1d(theta, grad, lr):
        if theta.ndim != 1:
            raise ValueError("only 1-D θ")
        return theta + lr * grad(theta)

    result = check("gd", gd_step_1d)
    assert result.step == 1 and result.quantity == "theta_next"
    assert "Then, on case 3, step t = 1: gd_step raised ValueError: only 1-D θ" in result.message


def test_the_hint_for_returning_none():
    result = check("adam", lambda theta, m, v, t, grad, lr, beta1, beta2, eps: None)
    assert result.hint == "End with: return theta_next, m_next, v_next"
    result = check("gd", lambda theta, grad, lr: None)
    assert "gd_step returned None; it should return theta_next." in result.message
    assert result.hint == "End with: return theta_next"


def test_inputs_are_passed_as_copies():
    # a function that writes into its inputs only after computing its result is still reported
    seen = []

    def gd_step_spy(theta, grad, lr):
        seen.append(theta)
        return theta - lr * grad(theta)

    assert check("gd", gd_step_spy).passed
    seen[0][...] = 1e9            # changing what the student got changes nothing of the check
    assert check("gd", gd_step).passed


# --------------------------------------------------------------------------- tolerance and determinism


def test_round_off_counts_as_equal_and_a_real_difference_does_not():
    def momentum_reordered(theta, V, grad, lr, gamma):       # same value, other rounding
        V_next = lr * grad(theta) + V * gamma
        return (theta * 3 - V_next * 3) / 3, V_next

    assert check("momentum", momentum_reordered).passed

    def momentum_off(theta, V, grad, lr, gamma):
        V_next = gamma * V + lr * grad(theta) * (1 + 1e-7)
        return theta - V_next, V_next

    assert not check("momentum", momentum_off).passed


def _relative_difference(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return np.inf if not np.array_equal(np.isfinite(a), np.isfinite(b)) else 0.0
    scale = np.maximum(np.abs(a), np.abs(b))
    return float(np.max(np.abs(a - b) / np.where(scale > 0, scale, 1.0)))


@pytest.mark.parametrize("name", exercises.EXERCISES)
def test_no_mistake_sits_near_the_tolerance(name):
    # On every step of every case, each mistake model differs from the reference either not at all
    # (or 100 times less than the tolerance, < 1e-10) or 10 times more (> 1e-8); round-off is 1e-15: whether a student's output
    # "differs" never depends on the last bits a machine computes.
    ex = exercises._EX[name]
    for case in ex.cases:
        theta = case.theta0.copy()
        state = ex.optimizer(**case.hyper).init(theta)
        arrays = {f: getattr(state, f) for f in ex.fields}
        for t in range(1, case.steps + 1):
            ref_theta, ref_arrays = ex.reference(case.hyper, case.grad, theta, arrays, t)
            assert np.all(np.isfinite(ref_theta)), (name, case.label, t)
            for mistake in ex.mistakes:
                m_theta, m_arrays = exercises._quiet(mistake.step, ex, case.hyper, case.grad, theta, arrays, t)
                for ref, got in [(ref_theta, m_theta), *((ref_arrays[f], m_arrays[f]) for f in ex.fields)]:
                    d = _relative_difference(ref, got)
                    assert d < 1e-10 or d > 1e-8, (name, mistake.title, case.label, t, d)
            theta, arrays = ref_theta, ref_arrays


@pytest.mark.parametrize("name", exercises.EXERCISES)
def test_mistakes_are_told_apart(name):
    # no two mistake models give the same outputs on every step: each recognised mistake is the only one
    ex = exercises._EX[name]
    runs = []
    for mistake in ex.mistakes:
        outs = []
        for case in ex.cases:
            theta = case.theta0.copy()
            state = ex.optimizer(**case.hyper).init(theta)
            arrays = {f: getattr(state, f) for f in ex.fields}
            for t in range(1, case.steps + 1):
                m_theta, m_arrays = exercises._quiet(mistake.step, ex, case.hyper, case.grad, theta, arrays, t)
                outs.append([np.asarray(m_theta), *(np.asarray(m_arrays[f]) for f in ex.fields)])
                theta, arrays = ex.reference(case.hyper, case.grad, theta, arrays, t)
        runs.append(outs)
    for i in range(len(runs)):
        for j in range(i + 1, len(runs)):
            same = all(exercises._close(a, b) for sa, sb in zip(runs[i], runs[j]) for a, b in zip(sa, sb))
            assert not same, (name, ex.mistakes[i].title, ex.mistakes[j].title)


@pytest.mark.parametrize("name, fn, index, word", MISTAKES, ids=[_id(c) for c in MISTAKES])
def test_printed_values_do_not_depend_on_the_last_bits(name, fn, index, word):
    # The expected/got values a message prints read the same when both are moved by 1e-12 (relative),
    # a thousand times the round-off another machine's kernels could add: the stored messages are portable.
    result = check(name, fn)
    e, g = result.expected, result.got
    assert e is not None and g is not None
    printed = exercises._fmt_pair(e, g)
    for factor in (1 - 1e-12, 1 + 1e-12):
        with np.errstate(invalid="ignore"):
            assert exercises._fmt_pair(e * factor, g * factor) == printed, (printed, factor)
    assert printed[0] in result.message and printed[1] in result.message


def test_messages_are_deterministic_and_free_of_addresses():
    for name, fn, _, _ in MISTAKES[:8]:
        first, second = check(name, fn), check(name, fn)
        assert first.message == second.message
        assert first._repr_html_() == second._repr_html_()
        assert "0x" not in first.message and "0x" not in first._repr_html_()


def test_html_escapes_and_carries_the_message():
    result = check("momentum", momentum_ewma)
    html = result._repr_html_()
    assert "<script" not in html
    assert "Recognised mistake:" in html and "Hint:" in html
    assert "expected [0.05, -0.25]" in html
    assert "color: inherit" in html                      # readable on light and dark pages
    ok = check("momentum", momentum_step)._repr_html_()
    assert "✓ momentum_step agrees with optlib.Momentum" in ok

    def evil(theta, grad, lr):
        raise ValueError("<b>bold</b> & more")

    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in check("gd", evil)._repr_html_()


# --------------------------------------------------------------------------- misuse of check itself


def test_unknown_name_is_an_error_naming_the_choices():
    with pytest.raises(ValueError, match="name must be one of 'gd', 'momentum'"):
        check("sgd", gd_step)


def test_fn_must_be_callable():
    with pytest.raises(TypeError, match="fn must be your function momentum_step"):
        check("momentum", None)


def test_importable_from_optlib():
    assert optlib.exercises.check is check


def test_the_contributing_example_behaves_as_it_says():
    # CONTRIBUTING's momentum example, which the chapters copy: the attempt is diagnosed, the solution passes
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text[text.index("## Write-it-yourself exercises"):]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, re.S | re.M)
    attempt, check_cell, solution = blocks[0], blocks[1], blocks[2]
    namespace = {"optlib": optlib}
    exec(attempt, namespace)
    result = eval(check_cell, namespace)
    assert not result.passed and result.mistake == exercises.MISTAKES["momentum"][3]
    exec(solution.rsplit("\n\n", 1)[0], namespace)
    assert eval(solution.rsplit("\n\n", 1)[1], namespace).passed


# --------------------------------------------------------------------------- every branch of the generic hint


def test_a_state_wrong_from_step_1_gets_no_step_1_hint():
    """_generic_hint says "Step t = 1 agrees" only when the first difference is after step 1 (t > 1):
    a velocity wrong from the first step, a mistake the check does not know, gets no
    hint at all rather than a false one."""
    def momentum_double_alpha(theta, V, grad, lr, gamma):
        V_next = gamma * V + 2 * lr * grad(theta)        # not a known mistake
        return theta - V_next, V_next

    result = check("momentum", momentum_double_alpha)
    assert not result.passed and result.mistake is None
    # the state is compared first: V_1 is reported although θ_1 differs too
    assert (result.step, result.quantity) == (1, "V_next")
    assert result.hint is None
    assert "Step t = 1 agrees" not in result.message and "Hint:" not in result.message


def test_adam_moment_wrong_from_step_1_gets_no_hint():
    def adam_scaled_m(theta, m, v, t, grad, lr, beta1, beta2, eps):
        g = grad(theta)
        m = beta1 * m + (1 - beta1) * 1.5 * g            # not a known mistake
        v = beta2 * v + (1 - beta2) * g * g
        return theta - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v

    result = check("adam", adam_scaled_m)
    assert (result.step, result.quantity, result.mistake, result.hint) == (1, "m_next", None, None)


def test_adam_history_wrong_gets_the_step_1_hint_naming_both_moments():
    def adam_history_squared(theta, m, v, t, grad, lr, beta1, beta2, eps):
        g = grad(theta)
        m = beta1 * beta1 * m + (1 - beta1) * g          # the history weighed by β1², not β1
        v = beta2 * v + (1 - beta2) * g * g
        return theta - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v

    result = check("adam", adam_history_squared)
    assert (result.step, result.quantity, result.mistake) == (2, "m_next", None)
    assert result.hint.startswith("Step t = 1 agrees with the notes (there the state is zero)")
    assert "(m_{t−1}, v_{t−1})" in result.hint


def test_adam_theta_wrong_with_both_moments_right_says_they_agree():
    def adam_half_step(theta, m, v, t, grad, lr, beta1, beta2, eps):
        g = grad(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        return theta - 0.5 * lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v

    result = check("adam", adam_half_step)
    assert (result.step, result.quantity, result.mistake) == (1, "theta_next", None)
    assert result.hint == ("Your m_next, v_next agree with the notes at this step: look at the line that "
                           "computes theta_next.")


def test_rmsprop_theta_wrong_with_G_right_says_it_agrees():
    def rmsprop_half_step(theta, G, grad, lr, beta, eps):
        g = grad(theta)
        G_next = beta * G + (1 - beta) * g * g
        return theta - 0.5 * lr * g / (np.sqrt(G_next) + eps), G_next

    result = check("rmsprop", rmsprop_half_step)
    assert result.quantity == "theta_next" and result.mistake is None
    assert result.hint.startswith("Your G_next agrees with the notes at this step")


def test_gradient_descent_has_no_state_to_blame():
    # GD keeps no state: neither structural hint applies, at step 1 or later
    def gd_long_step(theta, grad, lr):
        return theta - 1.5 * lr * grad(theta)            # not a known mistake

    result = check("gd", gd_long_step)
    assert (result.step, result.quantity, result.mistake, result.hint) == (1, "theta_next", None, None)

    calls = []

    def gd_right_only_once(theta, grad, lr):
        calls.append(theta)
        return theta - lr * grad(theta) * (1.0 if len(calls) == 1 else 1.5)

    result = check("gd", gd_right_only_once)
    assert (result.step, result.quantity, result.mistake, result.hint) == (2, "theta_next", None, None)


def test_a_recognised_mistake_gets_its_own_hint_not_the_generic_one():
    def momentum_no_history(theta, V, grad, lr, gamma):
        V_next = lr * grad(theta)                        # γV_{t−1} missing: a known mistake, first seen at t = 2
        return theta - V_next, V_next

    result = check("momentum", momentum_no_history)
    assert result.step == 2 and result.mistake.startswith("the history term")
    assert not result.hint.startswith("Step t = 1 agrees")


# --------------------------------------------------------------------------- the hints of a failed call


def test_the_hints_of_a_function_that_cannot_be_compared():
    def gd_todo(theta, grad, lr):
        raise NotImplementedError

    assert check("gd", gd_todo).hint == "Replace the line that raises NotImplementedError with your update."

    def gd_value_error(theta, grad, lr):
        raise ValueError("no")

    assert check("gd", gd_value_error).hint is None            # only NotImplementedError has a hint

    def momentum_array_only(theta, V, grad, lr, gamma):
        return theta                                        # not a tuple, not None: no "End with" hint

    result = check("momentum", momentum_array_only)
    assert "returned a ndarray; it should return a tuple (theta_next, V_next)" in result.message
    assert result.hint is None

    def momentum_scalar(theta, V, grad, lr, gamma):
        return 1.0, V

    result = check("momentum", momentum_scalar)
    assert result.quantity == "theta_next"
    assert result.hint.startswith("Numpy arithmetic on the input arrays")

    def momentum_list(theta, V, grad, lr, gamma):
        return [1.0, 2.0], V                                 # neither None nor a scalar: no hint

    assert check("momentum", momentum_list).hint is None

    def momentum_in_place(theta, V, grad, lr, gamma):
        V += lr * grad(theta)
        return theta - V, V

    result = check("momentum", momentum_in_place)
    assert result.hint.startswith("Build a new array (V_next = …) instead of changing V")

    def momentum_none_inside(theta, V, grad, lr, gamma):
        return None, V                                       # None inside the tuple: the arithmetic hint

    result = check("momentum", momentum_none_inside)
    assert result.quantity == "theta_next" and result.hint.startswith("Numpy arithmetic on the input arrays")

    def momentum_float32(theta, V, grad, lr, gamma):
        V_next = gamma * V + lr * grad(theta)
        return (theta - V_next).astype(np.float32), V_next   # wrong dtype: named, no hint

    result = check("momentum", momentum_float32)
    assert "theta_next has dtype float32; it should be float64" in result.message and result.hint is None

    def momentum_three_arguments(theta, V, grad):
        return theta, V

    result = check("momentum", momentum_three_arguments)
    assert result.hint == ("Write def momentum_step(theta, V, grad, lr, gamma): the check passes the arguments "
                           "in this order.")


# --------------------------------------------------------------------------- the comparison's tolerance


def test_close_at_its_boundaries():
    close = exercises._close
    one = np.array([0.0, 1.0])
    # an element that should be 0 may carry round-off up to 1e-14 of the largest value, not 1e-12
    assert close(one + [1e-15, 0.0], one)
    assert not close(one + [1e-12, 0.0], one)
    # relative: 1e-10 passes, 1e-8 does not
    assert close(np.array([1.0 + 1e-10]), np.array([1.0]))
    assert not close(np.array([1.0 + 1e-8]), np.array([1.0]))
    # NaN and ±inf must sit in the same places, with the same sign
    assert close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    assert close(np.array([np.inf]), np.array([np.inf]))
    assert not close(np.array([-np.inf]), np.array([np.inf]))
    assert not close(np.array([np.nan, 1.0]), np.array([1.0, 1.0]))
    assert not close(np.array([1.0, 1.0]), np.array([np.nan, 1.0]))
    assert close(np.array([np.nan]), np.array([np.nan]))            # nothing finite to compare
