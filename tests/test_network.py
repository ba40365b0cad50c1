"""Tests of network.py: the per-sample and the matrix backprop agree with
each other and with finite differences, training works, and bad input is
refused with a clear error."""

import itertools
import os

import numpy as np
import pytest

import network
from network import Network

COMBINATIONS = list(itertools.product(network.ACTIVATIONS, network.COSTS, network.INITS))


def random_problem(activation, cost, init, seed, m=7):
    """A random network of 2 to 4 layers and m random samples for it."""
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(2, 7, size=rng.integers(2, 5))]
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


def numerical_gradient(net, X, Y, h=1e-6):
    """Central differences of the total cost over the columns of X, Y."""
    def cost():
        return net.cost_fn(net.feedforward(X), Y)
    grads = []
    for params in (net.biases, net.weights):
        layer_grads = []
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
            layer_grads.append(g)
        grads.append(layer_grads)
    return grads


@pytest.mark.parametrize("activation,cost,init", COMBINATIONS)
def test_gradients_match_finite_differences(activation, cost, init):
    net, X, Y = random_problem(activation, cost, init, seed=11, m=4)
    num_b, num_w = numerical_gradient(net, X, Y)
    nabla_b, nabla_w = net.backprop_batch(X, Y)
    loop_b, loop_w = net.backprop(X[:, :1], Y[:, :1])
    one_b, one_w = numerical_gradient(net, X[:, :1], Y[:, :1])
    for layer in range(net.num_layers - 1):
        np.testing.assert_allclose(nabla_b[layer], num_b[layer], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(nabla_w[layer], num_w[layer], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(loop_b[layer], one_b[layer], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(loop_w[layer], one_w[layer], rtol=1e-6, atol=1e-8)


def training_set(n=60, sizes=(5, 4, 3), seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((sizes[0], n))
    labels = rng.integers(0, sizes[-1], n)
    return [(X[:, i:i + 1], np.eye(sizes[-1])[:, [labels[i]]]) for i in range(n)]


@pytest.mark.parametrize("lmbda", [0.0, 0.5])
@pytest.mark.parametrize("activation,cost", [("sigmoid", "quadratic"), ("relu", "log_likelihood"),
                                             ("tanh", "cross_entropy")])
def test_loop_and_matrix_epochs_end_in_the_same_weights(activation, cost, lmbda, capsys):
    data = training_set()
    nets = {}
    for method in ("loop", "matrix"):
        nets[method] = Network([5, 4, 3], activation, cost, seed=7)
        nets[method].SGD(data, 2, 7, 0.5, lmbda=lmbda, method=method)
    start = Network([5, 4, 3], activation, cost, seed=7)
    for w_loop, w_matrix, w_start in zip(nets["loop"].weights, nets["matrix"].weights, start.weights):
        assert not np.allclose(w_loop, w_start)          # training moved the weights
        np.testing.assert_allclose(w_loop, w_matrix, rtol=1e-10, atol=1e-14)
    for b_loop, b_matrix in zip(nets["loop"].biases, nets["matrix"].biases):
        np.testing.assert_allclose(b_loop, b_matrix, rtol=1e-10, atol=1e-14)


def two_moons(n, seed):
    """Two interleaved half circles with noise: a 2-class set that no
    straight line separates."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    angle = rng.uniform(0, np.pi, n)
    X = np.stack([np.cos(angle) + labels, np.sin(angle) * (1 - 2 * labels) + 0.5 * labels])
    X += 0.1 * rng.standard_normal(X.shape)
    return X, labels


@pytest.mark.parametrize("activation,cost,init,eta", [("sigmoid", "quadratic", "gaussian", 0.5),
                                                      ("relu", "cross_entropy", "he", 0.1),
                                                      ("leaky_relu", "log_likelihood", "he", 0.1),
                                                      ("tanh", "log_likelihood", "scaled", 0.1)])
def test_learns_two_moons(activation, cost, init, eta, capsys):
    X, labels = two_moons(1000, seed=0)
    Xt, labels_t = two_moons(500, seed=1)
    net = Network([2, 20, 2], activation, cost, init, seed=0)
    before = net.evaluate((Xt, labels_t))
    history = net.SGD((X, np.eye(2)[:, labels]), 60, 10, eta, (Xt, labels_t))
    assert history[-1]["accuracy"] >= 0.97 * 500, (before, history[-1])
    assert history[-1]["cost"] < history[0]["cost"]
    assert [r["epoch"] for r in history] == list(range(60))
    assert "Epoch 59: " in capsys.readouterr().out


def test_the_book_data_format_works(capsys):
    data = training_set(n=30)
    test = [(x, int(np.argmax(y))) for x, y in data]
    net = Network([5, 4, 3], seed=1)
    history = net.SGD(data, 1, 10, 3.0, test_data=test, validation_data=test)
    assert history[0]["accuracy"] == net.evaluate(test) == history[0]["validation_accuracy"]
    assert history[0]["seconds"] > 0
    assert capsys.readouterr().out.startswith(f"Epoch 0: {net.evaluate(test)} / 30, validation ")


def test_same_seed_same_run_and_float32(capsys):
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


def test_save_and_load_round_trip(tmp_path):
    net = Network([4, 5, 3], "leaky_relu", "log_likelihood", "he", seed=2, dtype=np.float32)
    path = tmp_path / "net.npz"
    net.save(path)
    loaded = Network.load(path)
    assert (loaded.sizes, loaded.activation, loaded.cost, loaded.init) == \
        ([4, 5, 3], "leaky_relu", "log_likelihood", "he")
    for a, b in zip(net.weights + net.biases, loaded.weights + loaded.biases):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    x = np.ones((4, 1))
    np.testing.assert_array_equal(net.feedforward(x), loaded.feedforward(x))
    assert os.listdir(tmp_path) == ["net.npz"]


def test_a_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "net.npz"
    Network([2, 2], seed=0).save(path)
    before = path.read_bytes()

    def failing_savez(f, **arrays):
        f.write(b"half a file")
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError, match="disk full"):
        Network([2, 2], seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.npz"]


def test_load_rejects_bad_files(tmp_path):
    text = tmp_path / "text.npz"
    text.write_text("not a network")
    with pytest.raises(ValueError, match="not a network saved by Network.save"):
        Network.load(text)
    partial = tmp_path / "partial.npz"
    np.savez(partial, sizes=np.array([2, 2]))
    with pytest.raises(ValueError, match="lacks activation, cost, init"):
        Network.load(partial)
    good = tmp_path / "good.npz"
    Network([2, 3, 2], seed=0).save(good)
    arrays = dict(np.load(good))
    for name, bad in (("w0", np.full((3, 2), np.nan)), ("w1", np.zeros((3, 3))), ("b1", None),
                      ("sizes", np.array([2, 3.5, 2])), ("activation", np.array("softsign")),
                      ("w0", np.zeros((3, 2), np.int64))):
        damaged = dict(arrays)
        if bad is None:
            del damaged[name]
        else:
            damaged[name] = bad
        path = tmp_path / f"bad_{name}.npz"
        np.savez(path, **damaged)
        with pytest.raises(ValueError, match="damaged"):
            Network.load(path)
    with pytest.raises(FileNotFoundError):
        Network.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("sizes", [[784], [784, 0, 10], "784,30", [784, 30.0, 10], [3, True], []])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match="at least two positive integers"):
        Network(sizes)


@pytest.mark.parametrize("kwargs,listed", [({"activation": "relux"}, "sigmoid, relu, leaky_relu, tanh"),
                                           ({"cost": "mse"}, "quadratic, cross_entropy, log_likelihood"),
                                           ({"init": "xavier"}, "gaussian, scaled, he")])
def test_unknown_names_list_the_valid_ones(kwargs, listed):
    with pytest.raises(ValueError, match=listed):
        Network([2, 2], **kwargs)


def test_bad_dtype():
    with pytest.raises(TypeError, match="float32 or np.float64"):
        Network([2, 2], dtype=np.int32)


def test_flat_input_gets_the_reshape_advice():
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match=r"shape \(3,\), a flat vector.*reshape\(-1, 1\)"):
        net.feedforward(np.zeros(3))
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        net.backprop(np.zeros(3), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        net.SGD([(np.zeros(3), np.zeros((2, 1)))], 1, 1, 1.0)


def test_wrong_shapes():
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match=r"shape \(4, 1\); expected \(3, m\)"):
        net.feedforward(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"expected \(2, 1\)"):
        net.backprop(np.zeros((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"expected \(2, 5\)"):
        net.backprop_batch(np.zeros((3, 5)), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="numpy array"):
        net.feedforward([[1], [2], [3]])


def test_bad_training_data():
    net = Network([3, 2], seed=0)
    x, y = np.zeros((3, 1)), np.zeros((2, 1))
    with pytest.raises(TypeError, match=r"list\(zip\(\.\.\.\)\)"):
        net.SGD(zip([x], [y]), 1, 1, 1.0)
    with pytest.raises(TypeError, match=r"\(x, y\) tuples"):
        net.SGD([x, y], 1, 1, 1.0)
    with pytest.raises(ValueError, match="training_data is empty"):
        net.SGD([], 1, 1, 1.0)
    bad = x.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.SGD([(x, y), (bad, y)], 1, 1, 1.0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.evaluate([(bad, 1)])
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        net.evaluate([(x, 2)])


@pytest.mark.parametrize("args,kwargs,message", [
    ((1, 1, 0.0), {}, "eta must be a finite number > 0"),
    ((1, 1, -1.0), {}, "eta must be a finite number > 0"),
    ((1, 1, float("nan")), {}, "eta must be a finite number > 0"),
    ((1, 0, 1.0), {}, "mini_batch_size must be an integer >= 1"),
    ((1, 2.5, 1.0), {}, "mini_batch_size must be an integer >= 1"),
    ((-1, 1, 1.0), {}, "epochs must be an integer >= 0"),
    ((1, 1, 1.0), {"lmbda": -0.1}, "lmbda must be a finite number >= 0"),
    ((1, 1, 1.0), {"method": "vectorised"}, "choose one of: loop, matrix"),
])
def test_bad_hyperparameters(args, kwargs, message):
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match=message):
        net.SGD([(np.zeros((3, 1)), np.zeros((2, 1)))], *args, **kwargs)


def test_divergence_stops_with_advice(capsys):
    data = training_set()
    net = Network([5, 30, 3], "relu", "log_likelihood", seed=0)
    with pytest.raises(network.DivergenceError, match="smaller learning rate than eta=1e\\+30"):
        net.SGD(data, 3, 10, 1e30)


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
    assert net.dead_fraction([(POSITIVE[:, i:i + 1], 0) for i in range(50)]) == [pytest.approx(1 / 3)]
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


def test_l2_needs_the_size_of_the_training_set():
    net = Network([5, 4, 3], seed=0)
    with pytest.raises(ValueError, match="pass n, the size of the training set"):
        net.update_mini_batch(training_set(n=4), 0.5, lmbda=1.0)
    before = [w.copy() for w in net.weights]
    net.update_mini_batch_matrix(*net.training_matrices(training_set(n=4)), 0.5, lmbda=1.0, n=4)
    assert not np.allclose(before[0], net.weights[0])
