"""The claims chapter 5 (AdaGrad) makes in its prose, computed afresh with optlib.

Each test quotes the sentence it guards. The stored notebook proves its printed numbers are current; these
tests prove that the words around them stay true, so a change to optlib that turns a sentence false fails
here with a readable message.
"""

import numpy as np
import pytest

import optlib

#: numbers the chapter's Markdown quotes that are inputs, not results (tests/test_prose_numbers.py reads this)
QUOTED_INPUTS = {
    "10": "an input: the second dense feature's range, the far start θ_0 = (10, 10) and t = 10 as a checkpoint",
    "32 rows": "an input: the mini-batch size of the batches at θ* and of the ε demonstration (minibatch_grad(32))",
    "10 rows": "an input: the rows in which optlib.sparse_regression's rarest category is present (p = 0.01 of "
               "m = 1000), quoted again in exercise 3",
    "1000 rows": "an input: the rows of optlib.sparse_regression (m = 1000)",
    "2000 mini-batches": "an input: the number of mini-batches drawn at θ* (batch_grads(n_batches=2000))",
    "1000": "an input: the rows of optlib.sparse_regression (m = 1000), quoted in exercise 3",
    "100": "an input of exercise 2: the hundredfold fall it asks for (1 % of the first rate, so √t = 100)",
    "α = 0.5": "an input: AdaGrad's α on the sparse problem (optlib.AdaGrad(lr=0.5))",
    "T = 20": "an input: the length of the runs with the loss multiplied by c (T_scale = 20)",
    "α = 0.1": "an input: AdaGrad's α on the noisy dense problem (optlib.AdaGrad(lr=0.1))",
    "α = 0.003": "an input: the fixed α of stochastic GD beside AdaGrad on the noisy problem",
}


@pytest.fixture(scope="module")
def sparse():
    return optlib.sparse_regression()


@pytest.fixture(scope="module")
def noisy():
    return optlib.linear_regression(scales=(1.0, 10.0), noise=2.0)


@pytest.fixture(scope="module")
def sparse_runs(sparse):
    return {opt.name: optlib.run(opt, sparse.grad, sparse.theta0, 500, loss=sparse.loss)
            for opt in (optlib.GD(1.0), optlib.AdaGrad(0.5))}


def _rare(problem):
    return int(np.argmin(problem.frequency))


def test_one_alpha_cannot_suit_both_dense_features():
    # "A single α must be small enough for the large gradient (α < 0.02 here) ... after standardizing, κ is
    # close to 1."
    dense = optlib.linear_regression(scales=(1.0, 10.0))
    g1 = dense.grad(dense.theta0)
    assert abs(g1[1] / g1[0]) > 100
    assert 2 / np.linalg.eigvalsh(dense.hessian)[-1] < 0.02
    assert dense.standardized().condition_number < 1.2 < dense.condition_number


def test_standardizing_a_rare_column_makes_it_dense(sparse):
    # "the column is no longer sparse (it is non-zero on all 1000 rows ...)"
    rare = _rare(sparse)
    assert np.count_nonzero(sparse.X[:, rare]) == 10
    assert np.count_nonzero(sparse.standardized().X[:, rare]) == len(sparse.X) == 1000


def test_minibatch_gradients_of_the_rare_category_come_in_bursts(sparse):
    # "the rare category is absent from about three batches in four ... the max/median ratio of its standardized
    # gradient is many times that of the dense feature"
    rare = _rare(sparse)

    def grads(problem):
        grad = problem.minibatch_grad(32, seed=1)
        return np.abs(np.array([grad(problem.minimizer) for _ in range(2000)]))

    raw, scaled = grads(sparse), grads(sparse.standardized())
    assert 0.65 < np.mean(raw[:, rare] == 0) < 0.8
    ratio = lambda col: np.max(col) / np.median(col)
    assert ratio(scaled[:, rare]) > 5 * ratio(scaled[:, 0])


def test_full_batch_standardizing_balances_the_problem_and_the_counts_are_robust(sparse):
    # "With full-batch gradients ... standardizing does balance the problem ... the smallest eigenvalue of the
    # Hessian is 0" and "Both counts are robust, not knife-edge: one step before the count, J − J* is still
    # above the tolerance 10^{-6} by about half a percent"
    counts = []
    for prob in (sparse, sparse.standardized()):
        eig = np.linalg.eigvalsh(prob.hessian)
        traj = optlib.run(optlib.GD(1 / eig[-1]), prob.grad, prob.theta0, 2000, loss=prob.loss)
        gap = traj.losses - prob.f_min
        n = optlib.iterations_to_tolerance(gap, 1e-6)
        assert n is not None
        assert 1e-3 < gap[n - 1] / 1e-6 - 1 < 0.02, "the tolerance is crossed by a margin of about half a percent"
        assert gap[n] < 1e-6 * (1 - 1e-3)
        counts.append((n, eig[0]))
    (n_raw, _), (n_scaled, eig0) = counts
    assert 10 * n_scaled < n_raw
    assert abs(eig0) < 1e-10
    np.testing.assert_allclose(np.diag(sparse.standardized().hessian), 1.0, atol=1e-12)


def test_a_category_gradient_is_the_sum_of_its_residuals_over_m(sparse):
    # "the gradient of a category's weight is the sum of the residuals over the rows of that category, divided
    # by all m rows ... The rarer the category, the smaller its gradient, although its residuals are not
    # smaller (the two rarest have the largest)"
    resid = sparse.X @ sparse.theta0 - sparse.y
    g = sparse.grad(sparse.theta0)
    one_hot = np.flatnonzero(np.array(sparse.kinds) == "one-hot")
    sizes, means = [], []
    for j in one_hot:
        rows = sparse.X[:, j] == 1
        assert g[j] == pytest.approx(resid[rows].sum() / len(sparse.X), rel=1e-12)
        sizes.append(abs(g[j]))
        means.append(abs(resid[rows].mean()))
    order = np.argsort(-np.asarray(sparse.frequency)[one_hot])            # frequent first
    assert np.all(np.diff(np.asarray(sizes)[order]) < 0)
    assert set(np.argsort(means)[-2:]) == set(order[-2:])


def test_gd_starves_the_rarest_category_and_adagrad_fits_every_weight(sparse, sparse_runs):
    # "after 500 iterations the rarest one still carries by far the largest error. AdaGrad ... brings every
    # weight to within 10^{-12} of θ* within the 500 iterations."
    err_gd = np.abs(sparse_runs["GD"].thetas[500] - sparse.minimizer)
    err_ada = np.abs(sparse_runs["AdaGrad"].thetas[500] - sparse.minimizer)
    rare = _rare(sparse)
    assert np.argmax(err_gd) == rare
    assert err_gd[rare] > 100 * np.sort(err_gd)[-2]
    assert np.all(err_ada < 1e-12)


def test_rare_columns_keep_a_large_rate_which_levels_off_with_full_batch_gradients(sparse, sparse_runs):
    # "A rare category's gradient is zero on most rows, so its G_t stays small and its rate stays large" and
    # "From t = 100 to t = 500 no rate moves in its fourth digit"
    traj = sparse_runs["AdaGrad"]
    eff100, eff500 = (traj.optimizer.effective_lr(traj.states[t]) for t in (100, 500))
    one_hot = np.flatnonzero(np.array(sparse.kinds) == "one-hot")
    by_rarity = one_hot[np.argsort(np.asarray(sparse.frequency)[one_hot])[::-1]]
    assert np.all(np.diff(eff500[by_rarity]) > 0)
    assert eff500[_rare(sparse)] > 10 * eff500[0]
    np.testing.assert_allclose(eff500, eff100, rtol=5e-5)


def test_epsilon_keeps_an_unseen_coordinate_finite(sparse):
    # "Without ε the weight is nan after the first step ... With ε the rate ... is large (α/ε), but it multiplies
    # a zero gradient, so the weight waits until its category appears."
    rare = _rare(sparse)
    out = {}
    for eps in (0.0, 1e-8):
        opt = optlib.AdaGrad(0.5, eps=eps)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta1, state = opt.step(sparse.minibatch_grad(32, seed=1), sparse.theta0, opt.init(sparse.theta0))
        assert state.G[rare] == 0
        out[eps] = theta1[rare] - sparse.theta0[rare]
    assert np.isnan(out[0.0])
    assert out[1e-8] == 0


def test_adagrad_is_scale_free_up_to_epsilon_and_gd_is_not():
    # "AdaGrad's differ only through ε: by 1.9e-8 at the smallest c and a hundred times less at the largest ...
    # GD's iterates depend on c"
    dense = optlib.linear_regression(scales=(1.0, 10.0))
    final = {}
    for c in (1.0, 0.01, 100.0):
        for opt in (optlib.GD(0.005), optlib.AdaGrad(0.5)):
            final[c, opt.name] = optlib.run(opt, lambda th, c=c: c * dense.grad(th), dense.theta0, 20).final
    gap = {(c, n): np.max(np.abs(final[c, n] - final[1.0, n])) for c in (0.01, 100.0) for n in ("GD", "AdaGrad")}
    assert gap[0.01, "GD"] > 0.1 and gap[100.0, "GD"] > 1e10
    assert gap[0.01, "AdaGrad"] < 1e-6 and gap[100.0, "AdaGrad"] < 1e-8
    assert 50 < gap[0.01, "AdaGrad"] / gap[100.0, "AdaGrad"] < 200


def test_root_makes_the_step_scale_free_and_l1_is_scale_free_too():
    # "Without the root the step would scale like 1/c; the L1 sum is scale-free too."
    g = np.random.default_rng(0).normal(size=10)
    for c in (0.01, 100.0):
        l2 = lambda x: np.abs(x[-1]) / np.sqrt(np.sum(x * x))
        sq = lambda x: np.abs(x[-1]) / np.sum(x * x)
        l1 = lambda x: np.abs(x[-1]) / np.sum(np.abs(x))
        assert l2(c * g) == pytest.approx(l2(g), rel=1e-12)
        assert l1(c * g) == pytest.approx(l1(g), rel=1e-12)
        assert sq(c * g) == pytest.approx(sq(g) / c, rel=1e-12)


def test_l2_distance_grows_like_two_root_t_and_l1_like_log_t():
    # "the total distance after T steps is about 2√T α with the L2 norm and only about ln T α with the L1 norm"
    T = 10_000
    traj = optlib.run(optlib.AdaGrad(1.0), lambda th: np.ones(1), np.zeros(1), T, keep_states=False)
    l2 = np.abs(np.diff(traj.thetas[:, 0])).sum()
    l1 = np.sum(1.0 / np.arange(1, T + 1))
    assert 0.98 < l2 / (2 * np.sqrt(T)) <= 1.0
    assert np.log(T) < l1 < np.log(T) + 1


@pytest.fixture(scope="module")
def noisy_runs(noisy):
    ada = optlib.AdaGrad(0.1)
    at_min = optlib.run(ada, noisy.minibatch_grad(1, seed=0), noisy.minimizer, 10_000)
    far = optlib.run(ada, noisy.minibatch_grad(1, seed=0), np.array([10.0, 10.0]), 10_000, loss=noisy.loss)
    return at_min, far


def _slopes(traj):
    ts = np.arange(1, len(traj.states))
    rate = np.array([traj.optimizer.effective_lr(s) for s in traj.states[1:]])
    fit = ts >= 100
    return [np.polyfit(np.log(ts[fit]), np.log(rate[fit, j]), 1)[0] for j in range(rate.shape[1])]


def test_the_rate_falls_like_one_over_root_t_only_under_its_condition(noisy_runs):
    # "Started at θ*, both slopes are close to −1/2 ... Started far away, the fitted slopes over the same window
    # are only −0.318 and −0.261" and "G_t grows in proportion to t (the ratio G_t/t stays put)"
    at_min, far = noisy_runs
    G = at_min.state_field("G")
    np.testing.assert_allclose(G[10_000] / 10_000, G[1000] / 1000, rtol=0.25)
    assert all(abs(k + 0.5) < 0.06 for k in _slopes(at_min))
    assert all(-0.35 < k < -0.2 for k in _slopes(far))


def test_adagrad_crawls_where_sgd_arrives(noisy, noisy_runs):
    # "After 10,000 steps AdaGrad has covered only half of the way, while GD stays within 0.947 of θ* from
    # t = 1000 on ... a larger fixed α would arrive sooner, but single rows with a large x_2 would then throw it
    # far off"
    _, far = noisy_runs
    start = np.array([10.0, 10.0])
    d_ada = optlib.distance_to(far.thetas, noisy.minimizer)
    assert 0.4 < d_ada[10_000] / d_ada[0] < 0.6
    sgd = optlib.run(optlib.GD(0.003), noisy.minibatch_grad(1, seed=0), start, 10_000, keep_states=False)
    d_sgd = optlib.distance_to(sgd.thetas, noisy.minimizer)
    assert d_sgd[1000:].max() < 1.0 < d_sgd[:1000].max()
    big = optlib.run(optlib.GD(0.01), noisy.minibatch_grad(1, seed=0), start, 10_000, keep_states=False)
    d_big = optlib.distance_to(big.thetas, noisy.minimizer)
    assert d_big[1000] < d_sgd[1000] and d_big[1000:].max() > d_big[0]


def test_any_alpha_meets_the_killing_rate(noisy):
    # "A larger α delays the death, but any α meets it once G_t has grown enough."
    for lr in (0.1, 10.0):
        opt = optlib.AdaGrad(lr)
        traj = optlib.run(opt, noisy.minibatch_grad(1, seed=0), noisy.minimizer, 3000)
        r300, r3000 = opt.effective_lr(traj.states[300]), opt.effective_lr(traj.states[3000])
        assert np.all(r3000 < 0.8 * r300)


def test_try_it_adagrad_beats_gd_from_alpha_0_2():
    # the small multiples (the sliders' problem): "stopping short with α = 0.05 and reaching it with the larger
    # rates", GD fixed at α = 0.01
    prob = optlib.linear_regression(scales=(1.0, 10.0))
    gaps = {}
    for lr in (0.05, 0.2, 0.5, 1.0):
        for opt in (optlib.GD(0.01), optlib.AdaGrad(lr)):
            traj = optlib.run(opt, prob.grad, prob.theta0, 100, loss=prob.loss, keep_states=False)
            gaps[lr, opt.name] = traj.losses[-1] - prob.f_min
    assert gaps[0.05, "AdaGrad"] > gaps[0.05, "GD"]
    assert all(gaps[lr, "AdaGrad"] < 1e-3 * gaps[lr, "GD"] for lr in (0.2, 0.5, 1.0))
    assert gaps[0.5, "AdaGrad"] < 1e-12 and gaps[1.0, "AdaGrad"] < 1e-12


def test_exercise_first_step_is_alpha_in_every_coordinate():
    # exercise 1: "with ε = 0, AdaGrad's first step moves every coordinate by exactly α"
    opt = optlib.AdaGrad(0.3, eps=0.0)
    theta0 = np.array([1.0, -2.0, 5.0])
    theta1, _ = opt.step(lambda th: np.array([1e-3, 40.0, -7.0]) * th, theta0, opt.init(theta0))
    np.testing.assert_allclose(np.abs(theta1 - theta0), 0.3, rtol=1e-14)


def test_exercise_the_rate_falls_a_hundredfold_for_adagrad_and_only_by_root_one_minus_beta_for_rmsprop():
    # exercise 2: "1 % of its first value when √t = 100, at t = 100² = 10 000 ... With RMSProp's ... average ... the rate falls
    # too, but only ... by the factor √(1−β), about a third for β = 0.9 ... It never falls a hundredfold."
    ada, rms = optlib.AdaGrad(1.0), optlib.RMSProp(1.0, beta=0.9)
    a = optlib.run(ada, lambda th: np.ones(1), np.zeros(1), 10_000)
    r = optlib.run(rms, lambda th: np.ones(1), np.zeros(1), 10_000)
    ra = np.array([ada.effective_lr(s)[0] for s in a.states[1:]])
    rr = np.array([rms.effective_lr(s)[0] for s in r.states[1:]])
    assert ra[9999] / ra[0] == pytest.approx(0.01, rel=1e-6)
    assert rr[-1] / rr[0] == pytest.approx(np.sqrt(0.1), rel=1e-6)
    assert 0.3 < np.sqrt(0.1) < 0.34                  # "about a third"
    assert rr.min() / rr[0] > 0.01 * 30


def test_exercise_standardized_values_of_a_category_seen_once(sparse):
    # exercise 3: "1 becomes √(m − 1) ... 0 becomes −1/√(m − 1) ... For 10 rows of 1000, p = 0.01: 1 becomes √99
    # and 0 becomes −1/√99, the values printed above"
    col = sparse.standardized().X[:, _rare(sparse)]
    assert col.max() == pytest.approx(np.sqrt(99), rel=1e-12)
    assert col.min() == pytest.approx(-1 / np.sqrt(99), rel=1e-12)
