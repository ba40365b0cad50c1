"""Start here: the tests that prove backpropagation right.

1. The matrix path, ``backprop_batch``, gives for a mini-batch exactly the
   sum of the per-sample gradients of the book's ``backprop``.
2. Both agree with the gradient measured by finite differences: nudge
   each weight and bias up and down by h and watch the cost change
   (``numerical_gradient``, below).
3. Each cost's output error delta^L (BP1) is nabla_a C times the output
   activation's derivative, and for cross-entropy and log-likelihood that
   product is simply a - y.
4. Trained from the same seed, the two paths end in the same weights, to
   rounding, with L2 or L1 regularisation and with momentum.
5. Chapter 5's speed of learning, computed on the matrix path, is its
   definition: the length of each hidden layer's dC/db, C averaged over
   the samples, from the book's ``backprop``.
6. A step of gradient descent, with the L2 or L1 term, is eta times the
   gradient of ``total_cost``, penalty included.

1, 2 and 5 check every combination of hidden activation, cost and
initialisation, all of them in float64 and to tight tolerances.  The
small data sets of ``training_set`` come from conftest.py."""

import itertools

import numpy as np
import pytest

import network
from network import Network

COMBINATIONS = list(itertools.product(network.ACTIVATIONS, network.COSTS, network.INITS))


def random_problem(activation, cost, init, seed, m=7):
    """A random network of 3 to 5 layers (1 to 3 of them hidden) and m
    random samples for it."""
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(2, 7, size=rng.integers(3, 6))]
    net = Network(sizes, activation, cost, init, seed=seed)
    X = 0.5 * rng.standard_normal((sizes[0], m))
    if cost == "log_likelihood":
        Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)]
    else:
        Y = rng.random((sizes[-1], m))
    return net, X, Y


@pytest.mark.parametrize("activation,cost,init", COMBINATIONS)
def test_backprop_batch_is_the_sum_of_backprop(activation, cost, init):
    for seed in range(3):
        net, X, Y = random_problem(activation, cost, init, seed)
        nabla_b, nabla_w = net.backprop_batch(X, Y)
        per_sample = [net.backprop(X[:, i:i + 1], Y[:, i:i + 1]) for i in range(X.shape[1])]
        for layer in range(net.num_layers - 1):
            sum_b = sum(nb[layer] for nb, _ in per_sample)
            sum_w = sum(nw[layer] for _, nw in per_sample)
            assert nabla_b[layer].shape == net.biases[layer].shape
            assert nabla_w[layer].shape == net.weights[layer].shape
            np.testing.assert_allclose(nabla_b[layer], sum_b, rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(nabla_w[layer], sum_w, rtol=1e-10, atol=1e-14)


def numerical_gradient(cost, params, h=1e-5):
    """Return the central differences (C(p + h) - C(p - h)) / 2h of
    ``cost()`` with respect to each entry p of each array in ``params``,
    each entry nudged in place and put back."""
    grads = []
    for p in params:
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            up = cost()
            p[i] = old - h
            down = cost()
            p[i] = old
            g[i] = (up - down) / (2 * h)
        grads.append(g)
    return grads


def summed_cost(net, X, Y):
    """The cost summed over the columns of X and Y, as a function of the
    network's weights and biases: what backprop_batch differentiates."""
    return lambda: net.cost.fn(net.feedforward(X), Y)


@pytest.mark.parametrize("activation,cost,init", COMBINATIONS)
@pytest.mark.parametrize("seed", [1, 9])
def test_gradients_match_finite_differences(activation, cost, init, seed):
    """On networks of two hidden layers, [4, 5, 6, 2] and [6, 6, 3, 2]:
    their problems are chosen well conditioned, so that the differences
    measure backprop, not rounding.  No weighted input lies near ReLU's
    kink at 0, which a nudge could cross, and no output near 0 or 1,
    where the cost, computed in float64, loses the digits that a
    difference quotient needs."""
    net, X, Y = random_problem(activation, cost, init, seed, m=4)
    assert net.num_layers == 4
    a = X
    for w, b, sigma in zip(net.weights, net.biases, net.sigmas):
        z = np.dot(w, a) + b
        assert sigma is net.sigmas[-1] or np.abs(z).min() > 1e-3
        a = sigma(z)
    assert 1e-3 < a.min() and a.max() < 1 - 1e-3
    nabla_b, nabla_w = net.backprop_batch(X, Y)
    loop_b, loop_w = net.backprop(X[:, :1], Y[:, :1])
    fd_b, fd_w = (numerical_gradient(summed_cost(net, X, Y), p)
                  for p in (net.biases, net.weights))
    fd_one_b, fd_one_w = (numerical_gradient(summed_cost(net, X[:, :1], Y[:, :1]), p)
                          for p in (net.biases, net.weights))
    for layer in range(net.num_layers - 1):
        np.testing.assert_allclose(nabla_b[layer], fd_b[layer], rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(nabla_w[layer], fd_w[layer], rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(loop_b[layer], fd_one_b[layer], rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(loop_w[layer], fd_one_w[layer], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("cost", network.COSTS)
def test_output_error_is_the_cost_derivative_through_the_output_activation(cost):
    """BP1: delta^L is nabla_a C carried back through the output layer's
    activation.  For a sigmoid output that is the Hadamard product with
    sigma'(z); softmax mixes the outputs, so it is the product with its
    Jacobian, diag(a) - a a^T.  cost_derivative itself must match finite
    differences of the cost."""
    rng = np.random.default_rng(4)
    z = rng.standard_normal((5, 1))
    y = np.eye(5)[:, [2]] if cost == "log_likelihood" else rng.random((5, 1))
    net = Network([3, 5], cost=cost, seed=0)
    a = net.cost.output(z)
    nabla_a = net.cost_derivative(a, y)
    a_nudged = a.copy()
    np.testing.assert_allclose(
        nabla_a, numerical_gradient(lambda: net.cost.fn(a_nudged, y), [a_nudged])[0],
        rtol=1e-6)
    if cost == "log_likelihood":
        jacobian = np.diag(a[:, 0]) - a @ a.T
        through = jacobian.T @ nabla_a
    else:
        through = nabla_a * network.sigmoid_prime(z)
    np.testing.assert_allclose(net.output_error(z, a, y), through, rtol=1e-12, atol=1e-15)
    if cost != "quadratic":
        np.testing.assert_allclose(net.output_error(z, a, y), a - y, rtol=1e-12)


@pytest.mark.parametrize("lmbda,penalty,mu", [(0.0, "l2", 0.0), (0.5, "l2", 0.0),
                                               (0.5, "l1", 0.0), (0.0, "l2", 0.9),
                                               (0.5, "l2", 0.5), (0.5, "l1", 0.9)])
@pytest.mark.parametrize("activation,cost", [("sigmoid", "quadratic"), ("relu", "log_likelihood"),
                                             ("tanh", "cross_entropy")])
def test_loop_and_matrix_epochs_end_in_the_same_weights(activation, cost, lmbda, penalty, mu,
                                                        training_set):
    data = training_set()
    nets = {}
    for method in ("loop", "matrix"):
        nets[method] = Network([5, 4, 3], activation, cost, penalty=penalty, seed=7)
        nets[method].SGD(data, 2, 7, 0.5, lmbda=lmbda, mu=mu, method=method)
    start = Network([5, 4, 3], activation, cost, seed=7)
    for w_loop, w_matrix, w_start in zip(nets["loop"].weights, nets["matrix"].weights, start.weights):
        assert not np.allclose(w_loop, w_start)          # training moved the weights
        np.testing.assert_allclose(w_loop, w_matrix, rtol=1e-10, atol=1e-14)
    for b_loop, b_matrix in zip(nets["loop"].biases, nets["matrix"].biases):
        np.testing.assert_allclose(b_loop, b_matrix, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("activation,cost,init", COMBINATIONS)
def test_speed_of_learning_is_the_length_of_the_average_bias_gradient(activation, cost, init):
    rng = np.random.default_rng(5)
    net = Network([6, 5, 4, 5, 3], activation, cost, init, seed=5)
    X = rng.standard_normal((6, 20))
    Y = np.eye(3)[:, rng.integers(0, 3, 20)]
    per_sample = [net.backprop(X[:, i:i + 1], Y[:, i:i + 1])[0] for i in range(20)]
    expected = [np.sqrt(np.sum((sum(nb[layer] for nb in per_sample) / 20) ** 2))
                for layer in range(3)]
    assert net.speed_of_learning(X, Y) == pytest.approx(expected, rel=1e-12)
    assert all(s > 0 for s in expected)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_the_update_descends_the_gradient_of_total_cost(penalty):
    """The step that descend takes is eta times the gradient of total_cost,
    penalty included: checked against finite differences (for L1, away
    from w = 0, where |w| has no derivative)."""
    rng = np.random.default_rng(8)
    net = Network([4, 3, 3], "tanh", "log_likelihood", "scaled", penalty, seed=3)
    X = rng.standard_normal((4, 6))
    labels = rng.integers(0, 3, 6)
    lmbda, n = 0.7, 50
    assert min(np.abs(w).min() for w in net.weights) > 1e-4
    numerical = numerical_gradient(lambda: net.total_cost((X, labels), lmbda, n),
                                   net.weights + net.biases)
    before = [p.copy() for p in net.weights + net.biases]
    eta = 1e-3
    net.update_mini_batch_matrix(X, np.eye(3)[:, labels], eta, lmbda, n)
    for p0, p1, g in zip(before, net.weights + net.biases, numerical):
        np.testing.assert_allclose((p0 - p1) / eta, g, rtol=1e-6, atol=1e-9)
