"""Tests of training: the network learns, the update rules of chapter 3
(L2, L1, momentum) take the step they promise, early stopping and the
learning-rate schedule act at the right epoch, and dead ReLU units are
counted right."""

import numpy as np
import pytest

import network
from network import Network


def two_moons(n, seed):
    """Two interleaved half circles with noise: a 2-class set that no
    straight line separates."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    angle = rng.uniform(0, np.pi, n)
    X = np.stack([np.cos(angle) + labels, np.sin(angle) * (1 - 2 * labels) + 0.5 * labels])
    X += 0.1 * rng.standard_normal(X.shape)
    return X, labels


@pytest.mark.parametrize("activation,cost,init,eta,mu", [
    ("sigmoid", "quadratic", "gaussian", 0.5, 0.0),
    ("relu", "cross_entropy", "he", 0.1, 0.0),
    ("leaky_relu", "log_likelihood", "he", 0.1, 0.0),
    ("tanh", "log_likelihood", "scaled", 0.1, 0.0),
    ("sigmoid", "cross_entropy", "scaled", 0.1, 0.9)])
def test_learns_two_moons(activation, cost, init, eta, mu, capsys):
    X, labels = two_moons(1000, seed=0)
    Xt, labels_t = two_moons(500, seed=1)
    net = Network([2, 20, 2], activation, cost, init, seed=0)
    before = net.evaluate((Xt, labels_t))
    history = net.SGD((X, np.eye(2)[:, labels]), 60, 10, eta, (Xt, labels_t), mu=mu)
    assert history[-1]["accuracy"] >= 0.97 * 500, (before, history[-1])
    assert history[-1]["cost"] < history[0]["cost"]
    assert [r["epoch"] for r in history] == list(range(60))
    assert all(r["eta"] == eta for r in history)
    assert all(r["stop"] is None for r in history)
    assert "Epoch 59: " in capsys.readouterr().out


def test_the_book_data_format_works(training_set, capsys):
    data = training_set(n=30)
    test = [(x, int(np.argmax(y))) for x, y in data]
    net = Network([5, 4, 3], seed=1)
    history = net.SGD(data, 1, 10, 3.0, test_data=test, validation_data=test)
    assert history[0]["accuracy"] == net.evaluate(test) == history[0]["validation_accuracy"]
    assert history[0]["seconds"] > 0
    assert capsys.readouterr().out == f"Epoch 0: {net.evaluate(test)} / 30\n"     # the book's line


@pytest.mark.parametrize("cost", network.COSTS)
def test_each_set_is_measured_as_counted_by_hand(cost, training_set, capsys):
    """Each epoch's record holds the accuracy and cost of the test and
    validation data, counted here sample by sample, with the L2 term over
    n, the training set's size; accuracy_and_cost measures the training
    data (--monitor-training) the same way.  With on_epoch, SGD prints
    nothing: on_epoch reports."""
    training = training_set(n=40)
    labelled = [(x, int(np.argmax(y))) for x, y in training]
    validation = [(x, int(np.argmax(y))) for x, y in training_set(n=15, seed=4)]
    test = [(x, int(np.argmax(y))) for x, y in training_set(n=25, seed=5)]
    lmbda, n = 0.3, 40
    net = Network([5, 4, 3], cost=cost, seed=2)

    def by_hand(data):
        right = cost_sum = 0
        for x, label in data:
            a, y = net.feedforward(x)[:, 0], np.eye(3)[label]
            right += np.argmax(a) == label
            cost_sum += {"quadratic": 0.5 * np.sum((a - y) ** 2),
                         "cross_entropy": -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),
                         "log_likelihood": -np.log(a[label])}[cost]
        penalty = 0.5 * (lmbda / n) * sum(np.sum(w ** 2) for w in net.weights)
        return right, cost_sum / len(data) + penalty

    def check(record):
        for key, data in (("", test), ("validation_", validation)):
            right, cost_ = by_hand(data)
            assert record[key + "accuracy"] == right
            assert record[key + "cost"] == pytest.approx(cost_, rel=1e-12)
        right, cost_ = by_hand(labelled)
        assert net.accuracy_and_cost(labelled, lmbda, n) == (right, pytest.approx(cost_,
                                                                                 rel=1e-12))
        checked.append(record["epoch"])
    checked = []
    net.SGD(training, 3, 10, 0.5, test, validation_data=validation, lmbda=lmbda, on_epoch=check)
    assert checked == [0, 1, 2]
    assert capsys.readouterr().out == ""


def test_what_is_not_given_is_not_measured(training_set):
    net = Network([5, 4, 3], seed=1)
    test = [(x, int(np.argmax(y))) for x, y in training_set(n=20, seed=4)]
    record = net.SGD(training_set(n=30), 1, 10, 3.0, test)[0]
    assert (record["accuracy"], record["cost"]) == net.accuracy_and_cost(test)
    assert [record[key] for key in ("validation_accuracy", "validation_cost")] == [None] * 2


def test_one_epoch_of_the_book_network(mnist):
    training, validation, _ = mnist
    history = Network([784, 30, 10], seed=0).SGD(training, 1, 10, 3.0, validation)
    assert history[0]["accuracy"] >= 9000         # the book: 91.29% after its first epoch


def test_same_seed_same_run_and_float32(training_set):
    data = training_set()
    a, b = Network([5, 4, 3], seed=5), Network([5, 4, 3], seed=5)
    a.SGD(data, 2, 10, 1.0)
    b.SGD(data, 2, 10, 1.0)
    for wa, wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(wa, wb)
    c = Network([5, 4, 3], seed=5, dtype=np.float32)
    c.SGD(data, 2, 10, 1.0)
    assert all(w.dtype == np.float32 for w in c.weights + c.biases)
    for wa, wc in zip(a.weights, c.weights):
        np.testing.assert_allclose(wc, wa, rtol=1e-4, atol=1e-5)


def test_sigmoid_and_softmax_never_overflow():
    z = np.array([[-1e6], [-800.0], [0.0], [800.0], [1e6]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = network.sigmoid(z)
        p = network.softmax(z)
        s32 = network.sigmoid(z.astype(np.float32))
    assert s[0, 0] == 0.0 and s[2, 0] == 0.5 and s[4, 0] == 1.0
    assert np.all(np.isfinite(s32))
    np.testing.assert_allclose(p.sum(axis=0), 1.0)
    assert p[4, 0] == 1.0
    np.testing.assert_allclose(network.sigmoid(np.array([1.5])), 1 / (1 + np.exp(-1.5)), rtol=1e-15)


#### One step of each update rule, checked by hand
def one_step_problem():
    net = Network([3, 2], seed=0)
    X = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 2.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    nabla_b, nabla_w = net.backprop_batch(X, Y)
    return net, X, Y, nabla_b[0], nabla_w[0]


def test_l2_step():
    net, X, Y, nb, nw = one_step_problem()
    w, b = net.weights[0].copy(), net.biases[0].copy()
    net.update_mini_batch_matrix(X, Y, eta=0.5, lmbda=2.0, n=10)
    np.testing.assert_allclose(net.weights[0], (1 - 0.5 * 2.0 / 10) * w - (0.5 / 2) * nw, rtol=1e-14)
    np.testing.assert_allclose(net.biases[0], b - (0.5 / 2) * nb, rtol=1e-14)


def test_l1_step():
    net, X, Y, _, _ = one_step_problem()
    net.weights[0][0, 0] = 0.0                      # sgn(0) = 0: no push on a zero weight
    (nb,), (nw,) = net.backprop_batch(X, Y)
    w, b = net.weights[0].copy(), net.biases[0].copy()
    net.penalty = "l1"
    net.update_mini_batch_matrix(X, Y, eta=0.5, lmbda=2.0, n=10)
    expected = w - 0.5 * 2.0 / 10 * np.sign(w) - (0.5 / 2) * nw
    np.testing.assert_allclose(net.weights[0], expected, rtol=1e-14)
    assert net.weights[0][0, 0] == -(0.5 / 2) * nw[0, 0]
    np.testing.assert_allclose(net.biases[0], b - (0.5 / 2) * nb, rtol=1e-14)


def test_momentum_steps():
    """Two steps with mu = 0.9: the first is a plain step (the velocity
    starts at rest), the second adds 0.9 times the first."""
    net, X, Y, nb, nw = one_step_problem()
    w0 = net.weights[0].copy()
    net.update_mini_batch_matrix(X, Y, eta=0.5, mu=0.9)
    v1 = -(0.5 / 2) * nw
    np.testing.assert_allclose(net.weights[0], w0 + v1, rtol=1e-14)
    nw2 = net.backprop_batch(X, Y)[1][0]
    net.update_mini_batch_matrix(X, Y, eta=0.5, mu=0.9)
    v2 = 0.9 * v1 - (0.5 / 2) * nw2
    np.testing.assert_allclose(net.velocities[0], v2, rtol=1e-14)
    np.testing.assert_allclose(net.weights[0], w0 + v1 + v2, rtol=1e-14)


def test_mu_zero_is_exactly_plain_sgd(training_set):
    """With mu = 0 SGD takes the book's step, bit for bit: compared with
    the rule w -> (1 - eta lmbda / n) w - (eta / m) nabla_w written out."""
    data = training_set(n=20)
    net = Network([5, 4, 3], seed=2)
    by_hand = Network([5, 4, 3], seed=2)
    net.SGD(data, 1, 20, 0.5, lmbda=0.3, mu=0.0)
    X, Y = network.as_matrices(data, by_hand, "data")
    order = by_hand.rng.permutation(20)             # the shuffle SGD drew from the same seed
    nabla_b, nabla_w = by_hand.backprop_batch(X[:, order], Y[:, order])
    for w, nw in zip(by_hand.weights, nabla_w):
        w *= 1 - 0.5 * 0.3 / 20
        w -= nw * (0.5 / 20)
    for b, nb in zip(by_hand.biases, nabla_b):
        b -= nb * (0.5 / 20)
    for p, q in zip(net.weights + net.biases, by_hand.weights + by_hand.biases):
        np.testing.assert_array_equal(p, q)


def test_l2_needs_the_size_of_the_training_set(training_set):
    net = Network([5, 4, 3], seed=0)
    with pytest.raises(ValueError, match="pass n, the size of the training set"):
        net.update_mini_batch(training_set(n=4), 0.5, lmbda=1.0)
    before = [w.copy() for w in net.weights]
    net.update_mini_batch_matrix(*network.as_matrices(training_set(n=4), net, "data"), 0.5,
                                 lmbda=1.0, n=4)
    assert not np.allclose(before[0], net.weights[0])


#### Early stopping and the learning-rate schedule
@pytest.fixture
def scripted(monkeypatch, training_set):
    """Run SGD with validation accuracies given in advance, epoch by epoch."""
    def run(accuracies, epochs=None, **rules):
        net = Network([5, 4, 3], seed=0)
        scores = iter(accuracies)
        validation = [(x, 0) for x, _ in training_set(n=10)]
        monkeypatch.setattr(net, "accuracy_and_cost", lambda data, *rest: (next(scores), 0.0))
        return net.SGD(training_set(n=10), epochs or len(accuracies), 5, 1.0,
                       validation_data=validation, rules=rules)
    return run


def test_stop_after_n_epochs_without_a_better_validation_accuracy(scripted, capsys):
    history = scripted([5, 6, 6, 7, 7, 6, 7, 9, 9], stop_after=3)
    # The best, 7, comes in epoch 3; epochs 4, 5 and 6 do not beat it.
    assert [r["epoch"] for r in history] == [0, 1, 2, 3, 4, 5, 6]
    assert history[-1]["stop"] == "Stopped early: no better validation accuracy in 3 epochs"
    assert [r["stop"] for r in history[:-1]] == [None] * 6
    assert capsys.readouterr().out.endswith("\nEpoch 6 complete\n" + history[-1]["stop"] + "\n")


def test_halving_eta_and_the_end_of_the_schedule(scripted, capsys):
    accuracies = [5, 6, 6, 6, 7, 7, 7] + [7] * 20
    history = scripted(accuracies, halve_eta_after=2)
    etas = [r["eta"] for r in history]
    # Halved after epochs 3, 6, 8, ...: two epochs without a new best,
    # counted again after each halving; the end comes at 1/128.
    assert etas[:9] == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert etas[-1] == 1 / 64 and len(history) == 17
    assert history[-1]["stop"] == "Stopped: eta has been halved down to 1/128 of its start"
    assert capsys.readouterr().out.endswith("\nEpoch 16 complete\n" + history[-1]["stop"] + "\n")


def test_anneal_lowers_eta_linearly_to_zero(scripted):
    history = scripted([5] * 4, anneal=True)
    assert [r["eta"] for r in history] == [1.0, 0.75, 0.5, 0.25]
    assert history[-1]["stop"] is None


def test_the_rules_never_stop_the_last_epoch_early(scripted):
    """An early stop that falls on the last epoch is no early stop."""
    history = scripted([5, 6, 6, 6], stop_after=2)
    assert [r["stop"] for r in history] == [None] * 4


def test_transform_makes_each_epochs_inputs(training_set):
    seen = []

    def transform(X, rng):
        seen.append(X.shape)
        return X[::-1]                              # some other inputs, same shape
    net = Network([5, 4, 3], seed=0)
    plain = Network([5, 4, 3], seed=0)
    net.SGD(training_set(), 2, 10, 1.0, transform=transform)
    plain.SGD(training_set(), 2, 10, 1.0)
    assert seen == [(5, 60), (5, 60)]
    assert not np.allclose(net.weights[0], plain.weights[0])


#### Dead ReLU units
def hand_built(activation):
    """A [2, 3, 1] network whose hidden unit 0 is dead on positive inputs
    (bias -100), unit 1 is alive (positive weights) and unit 2 is alive on
    some inputs and not on others."""
    net = Network([2, 3, 1], activation, seed=0)
    net.weights[0] = np.array([[1.0, 1.0], [2.0, 3.0], [1.0, -1.0]])
    net.biases[0] = np.array([[-100.0], [0.0], [0.0]])
    return net


POSITIVE = np.random.default_rng(0).uniform(0.1, 1.0, (2, 50))


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_dead_fraction_of_a_hand_built_network(activation):
    net = hand_built(activation)
    assert net.dead_fraction(POSITIVE) == [pytest.approx(1 / 3)]
    net.biases[0][0, 0] = 0.0                       # revive unit 0
    assert net.dead_fraction(POSITIVE) == [0.0]
    net.biases[0][:, 0] = -100.0                    # kill them all
    assert net.dead_fraction(POSITIVE) == [1.0]


def test_dead_fraction_per_hidden_layer():
    net = Network([2, 2, 4, 1], "relu", seed=0)
    net.weights[0] = np.array([[1.0, 1.0], [-1.0, -1.0]])       # unit 1 dead on positive inputs
    net.biases[0] = np.zeros((2, 1))
    net.weights[1] = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 5.0], [0.0, -5.0]])
    net.biases[1] = np.array([[0.0], [0.0], [-1.0], [1.0]])      # units 1 and 2 dead
    assert net.dead_fraction(POSITIVE) == [0.5, 0.5]


def test_dead_units_are_a_relu_notion():
    with pytest.raises(ValueError, match="ReLU notion"):
        Network([2, 3, 1], "sigmoid").dead_fraction(POSITIVE)


def test_a_dead_relu_gets_no_gradient_but_a_leaky_one_does():
    np.testing.assert_array_equal(network.leaky_relu_prime(np.array([-3.0, -1e-9, 0.0, 2.0])),
                                  [0.01, 0.01, 0.01, 1.0])
    np.testing.assert_array_equal(network.relu_prime(np.array([-3.0, 0.0, 2.0])), [0.0, 0.0, 1.0])
    Y = np.ones((1, 50))
    _, relu_w = hand_built("relu").backprop_batch(POSITIVE, Y)
    _, leaky_w = hand_built("leaky_relu").backprop_batch(POSITIVE, Y)
    assert np.all(relu_w[0][0] == 0) and np.all(relu_w[0][1] != 0)
    assert np.all(leaky_w[0][0] != 0)
