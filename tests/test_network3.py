"""Tests of network3.py, chapter 6's convolutional networks:

1. The convolution by its loop is its definition, summed by hand; the
   vectorised convolution gives the same outputs and gradients.
2. Every layer type, and the whole network, match finite differences:
   every activation, both paths, dropout with its mask held fixed, and
   a step of SGD with the book's L2 term.
3. Max-pooling sends a window's error to its largest input, to the first
   where several tie.
4. Dropout drops inputs with probability p in training, and at test time
   scales the weights by 1 - p.
5. Bad layers and data get one clear error; saved networks load back.
6. A convolutional network learns MNIST's digits."""

import numpy as np
import pytest

import network3
from network3 import ConvPoolLayer, FullyConnectedLayer, Network, SoftmaxLayer

ACTIVATIONS = [network3.sigmoid, network3.tanh, network3.ReLU, network3.linear]


def cost(net, x, y, lmbda=0.0, batches=1):
    """The cost that SGD descends: the log-likelihood of the right labels,
    averaged over the images, in training (dropout and all), plus the
    book's L2 term, (lmbda / 2 batches) sum w^2."""
    a = net.feedforward(x, training=True)
    return (-np.mean(np.log(a[np.arange(len(y)), y]))
            + 0.5 * lmbda / batches * sum(np.sum(layer.w ** 2) for layer in net.layers))


def numerical_gradient(cost, params, h=1e-5):
    """The central differences of cost() with respect to each entry of
    each array in ``params``, each nudged in place and put back."""
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


#### 1. The two convolutions
def test_the_loop_is_the_definition_and_the_matrix_product_agrees():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 8, 7, 2))                       # 3 images of 8 x 7, 2 maps
    w = rng.standard_normal((4, 2, 3, 2))                       # 4 filters of 3 x 2
    by_hand = np.zeros((3, 6, 6, 4))
    for n in range(3):
        for i in range(6):
            for j in range(6):
                for f in range(4):
                    by_hand[n, i, j, f] = sum(w[f, c, l, m] * a[n, i + l, j + m, c]
                                              for c in range(2) for l in range(3)
                                              for m in range(2))
    np.testing.assert_allclose(network3.convolve_by_loop(a, w), by_hand, rtol=1e-12)
    z, rows = network3.convolve(a, w)
    np.testing.assert_allclose(z, by_hand, rtol=1e-10)
    delta = rng.standard_normal(z.shape)
    loop_w, loop_a = network3.convolve_backward_by_loop(delta, a, w)
    matrix_w, matrix_a = network3.convolve_backward(delta, rows, w, a.shape)
    np.testing.assert_allclose(matrix_w, loop_w, rtol=1e-10)
    np.testing.assert_allclose(matrix_a, loop_a, rtol=1e-10)
    # The input's error, entry by entry: what each input contributed to sum(delta z).
    nudged = numerical_gradient(lambda: np.sum(delta * network3.convolve_by_loop(a, w)), [a])
    np.testing.assert_allclose(loop_a, nudged[0], rtol=1e-7, atol=1e-9)


#### 2. Finite differences
def small_network(activation_fn, loop, p_dropout=(0.0, 0.0), seed=0):
    """Two conv-pool layers, a fully connected layer and softmax, small
    enough for finite differences, in float64; the weights and biases
    moved off the book's start (the softmax layer's are zero there)."""
    layers = [ConvPoolLayer((3, 1, 3, 3), (4, 1, 8, 8), (2, 2), activation_fn, loop=loop),
              ConvPoolLayer((2, 3, 2, 2), (4, 3, 3, 3), (2, 2), activation_fn, loop=loop),
              FullyConnectedLayer(2, 5, activation_fn, p_dropout=p_dropout[0]),
              SoftmaxLayer(5, 3, p_dropout=p_dropout[1])]
    net = Network(layers, 4, seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed + 1)
    for layer in layers:
        layer.w += 0.3 * rng.standard_normal(layer.w.shape)
        layer.b += 0.3 * rng.standard_normal(layer.b.shape)
    return net, rng.standard_normal((4, 64)), rng.integers(0, 3, 4)


@pytest.mark.parametrize("loop", [False, True], ids=["vectorised", "loop"])
@pytest.mark.parametrize("activation_fn", ACTIVATIONS, ids=lambda f: f.__name__)
def test_backprop_matches_finite_differences(activation_fn, loop):
    """Every weight and bias of every layer, dropout included: each cost
    is computed with the same masks, from a generator seeded anew."""
    net, x, y = small_network(activation_fn, loop, p_dropout=(0.3, 0.2))

    def masked_cost():
        net.rng = np.random.default_rng(7)
        return cost(net, x, y)
    masked_cost()
    assert not net.layers[2].mask.all() and not net.layers[3].mask.all()    # some dropped
    params = [p for layer in net.layers for p in (layer.w, layer.b)]
    numerical = numerical_gradient(masked_cost, params)
    net.rng = np.random.default_rng(7)
    gradients = [g for pair in net.backprop(x, y) for g in pair]
    for gradient, expected in zip(gradients, numerical):
        np.testing.assert_allclose(gradient, expected, rtol=1e-6, atol=1e-9)


def test_the_loop_and_the_vectorised_network_take_the_same_steps():
    nets = [small_network(network3.ReLU, loop)[0] for loop in (False, True)]
    _, x, y = small_network(network3.ReLU, False)
    for net in nets:
        for _ in range(3):
            net.update_mini_batch(x, y, 0.1, lmbda=0.5, batches=10)
    for a, b in zip(*[[p for layer in net.layers for p in (layer.w, layer.b)] for net in nets]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_a_step_descends_the_cost_with_the_books_l2_term():
    """The L2 term is (lmbda / 2 batches) sum w^2, as the book's network3
    has it: the step is eta times the gradient of that cost."""
    net, x, y = small_network(network3.tanh, False)
    lmbda, batches, eta = 0.7, 5, 1e-3
    params = [p for layer in net.layers for p in (layer.w, layer.b)]
    numerical = numerical_gradient(lambda: cost(net, x, y, lmbda, batches), params)
    before = [p.copy() for p in params]
    net.update_mini_batch(x, y, eta, lmbda, batches)
    after = [p for layer in net.layers for p in (layer.w, layer.b)]
    for p0, p1, g in zip(before, after, numerical):
        np.testing.assert_allclose((p0 - p1) / eta, g, rtol=1e-5, atol=1e-8)


#### 3. Max-pooling
def test_the_error_of_a_pool_goes_to_its_first_largest_input():
    z = np.array([[1.0, 5.0, 2.0, 2.0],
                  [3.0, 4.0, 2.0, 0.0],
                  [7.0, 7.0, 0.0, 0.0],
                  [7.0, 1.0, 0.0, 0.0]]).reshape(1, 4, 4, 1)
    pooled = network3.max_pool(z, (2, 2))
    assert pooled[0, :, :, 0].tolist() == [[5.0, 2.0], [7.0, 0.0]]
    delta = np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 2, 2, 1)
    back = network3.unpool(delta, z, pooled, (2, 2))[0, :, :, 0]
    assert back.tolist() == [[0.0, 10.0, 20.0, 0.0],        # ties: the first, row by row
                             [0.0, 0.0, 0.0, 0.0],
                             [30.0, 0.0, 40.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0]]
    # Raising the input that got the error raises the pool's output by as much.
    z[0, 2, 0, 0] += 1e-3
    assert network3.max_pool(z, (2, 2))[0, 1, 0, 0] == 7.0 + 1e-3


#### 4. Dropout
def test_dropout_drops_inputs_in_training_and_scales_the_weights_after():
    layer = FullyConnectedLayer(400, 3, network3.sigmoid, p_dropout=0.5)
    net = Network([layer, SoftmaxLayer(3, 2)], 25, seed=4, dtype=np.float64)
    x = np.random.default_rng(5).random((25, 400))
    net.feedforward(x, training=True)
    assert 0.47 < 1 - layer.mask.mean() < 0.53                  # 10,000 inputs, half dropped
    np.testing.assert_array_equal(layer.input, x * layer.mask)
    _, _, nabla_a = layer.backprop(np.ones((25, 3)))
    assert np.all(nabla_a[~layer.mask] == 0) and np.all(nabla_a[layer.mask] != 0)
    net.feedforward(x)
    np.testing.assert_allclose(layer.output, network3.sigmoid(0.5 * x @ layer.w + layer.b),
                               rtol=1e-12)


def test_the_starting_weights_are_the_books():
    """Standard deviations 1/sqrt(filters fh fw / (ph pw)) for a filter,
    1/sqrt(n_out) for a fully connected layer, biases N(0, 1); softmax at 0."""
    net = Network([ConvPoolLayer((200, 1, 5, 5), (10, 1, 28, 28), (2, 2)),
                   FullyConnectedLayer(200 * 12 * 12, 400), SoftmaxLayer(400, 10)], 10, seed=0)
    conv, full, softmax = net.layers
    for w, std in ((conv.w, 1 / np.sqrt(200 * 25 / 4)), (full.w, 1 / np.sqrt(400)),
                   (np.concatenate([conv.b, full.b]), 1)):
        assert abs(w.mean()) < 0.15 * std and np.std(w) == pytest.approx(std, rel=0.15)
    assert not softmax.w.any() and not softmax.b.any()


#### 5. Bad input, saving and loading
@pytest.mark.parametrize("make, message", [
    (lambda: ConvPoolLayer((20, 3, 5, 5), (10, 1, 28, 28)),
     r"filter_shape \(20, 3, 5, 5\) takes 3 input maps, but image_shape \(10, 1, 28, 28\) has 1"),
    (lambda: ConvPoolLayer((20, 1, 30, 5), (10, 1, 28, 28)),
     "a 30 x 5 filter does not fit in a 28 x 28 image"),
    (lambda: ConvPoolLayer((20, 1, 4, 4), (10, 1, 28, 28), (2, 2)),
     "a 2 x 2 pool does not divide the 25 x 25 feature maps"),
    (lambda: ConvPoolLayer((20, 1, 5), (10, 1, 28, 28)),
     r"filter_shape must be 4 positive integers, such as \(20, 1, 5, 5\)"),
    (lambda: ConvPoolLayer((20, 1, 5, 5), (10, 1, 28, 28), activation_fn=np.exp),
     "activation_fn must be one of network3's functions, linear, sigmoid, tanh, ReLU"),
    (lambda: FullyConnectedLayer(784, 100, network3.softmax),
     "activation_fn must be one of network3's functions, linear, sigmoid, tanh, ReLU"),
    (lambda: FullyConnectedLayer(784, 0), "n_in and n_out must be positive integers"),
    (lambda: SoftmaxLayer(100, 10, p_dropout=1.0), "p_dropout is a probability below 1"),
    (lambda: Network([FullyConnectedLayer(784, 100), SoftmaxLayer(30, 10)], 10),
     "layer 1 takes 30 inputs, but layer 0 gives 100"),
    (lambda: Network([FullyConnectedLayer(784, 10)], 10), "the last must be a SoftmaxLayer"),
])
def test_bad_layers_are_refused_with_what_is_wrong(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_data_is_refused_with_what_is_wrong():
    net = Network([FullyConnectedLayer(784, 30), SoftmaxLayer(30, 10)], 10)
    x, y = np.zeros((100, 784)), np.zeros(100, int)
    for size in (0, -10, 101):
        with pytest.raises(ValueError, match="mini_batch_size must be a positive integer, at "
                                             f"most the 100 training images; got {size}"):
            net.SGD((x, y), 1, size, 0.1, (x, y), (x, y))
    with pytest.raises(ValueError, match=r"validation_data: the images have shape \(100, 28, 28\)"
                                         r"; the first layer takes \(n, 784\), an image per row"):
        net.SGD((x, y), 1, 10, 0.1, (x.reshape(100, 28, 28), y), (x, y))
    with pytest.raises(ValueError, match="test_data: expected 100 integer labels from 0 to 9"):
        net.SGD((x, y), 1, 10, 0.1, (x, y), (x, np.eye(10)[y]))


def test_sgd_prints_the_books_lines_after_each_epoch(monkeypatch, capsys):
    """The validation accuracy, and where it is the best so far (ties too,
    as the book's >=), the test accuracy beside it."""
    net = Network([FullyConnectedLayer(784, 30), SoftmaxLayer(30, 10)], 10, seed=0)
    x, y = np.zeros((40, 784)), np.arange(40) % 10
    rights = iter([20, 30, 10, 40, 20, 20])             # validation, test, by epoch
    monkeypatch.setattr(net, "accuracy", lambda data: next(rights))
    net.SGD((x, y), 3, 10, 0.1, (x, y), (x, y))
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 0: validation accuracy 50.00%", "This is the best validation accuracy to date.",
        "The corresponding test accuracy is 75.00%",
        "Epoch 1: validation accuracy 25.00%",
        "Epoch 2: validation accuracy 50.00%", "This is the best validation accuracy to date.",
        "The corresponding test accuracy is 50.00%"]


def test_sgd_trains_on_the_full_mini_batches_as_the_books(monkeypatch):
    """95 images make 9 mini-batches of 10 an epoch: the 5 left over, as
    the book's SGD leaves them, are chosen afresh by each shuffle."""
    net = Network([FullyConnectedLayer(784, 30), SoftmaxLayer(30, 10)], 10, seed=0)
    x, y = np.zeros((95, 784)), np.arange(95) % 10
    x[:, 0] = np.arange(95)                 # each image tagged with its number
    seen = []
    monkeypatch.setattr(net, "update_mini_batch",
                        lambda images, *rest: seen.append(images[:, 0].astype(int)))
    net.SGD((x, y), 2, 10, 0.1, (x, y), (x, y), on_epoch=lambda record: None)
    assert [len(batch) for batch in seen] == [10] * 18
    first, second = set(np.concatenate(seen[:9])), set(np.concatenate(seen[9:]))
    assert len(first) == len(second) == 90 and first != second


def test_a_saved_network_loads_back_and_anything_else_is_refused(tmp_path):
    net, x, _ = small_network(network3.ReLU, False, p_dropout=(0.5, 0.0))
    net.save(tmp_path / "net.npz")
    loaded = Network.load(tmp_path / "net.npz")
    assert [network3.describe(layer) for layer in loaded.layers] == [
        network3.describe(layer) for layer in net.layers]
    np.testing.assert_array_equal(loaded.feedforward(x), net.feedforward(x))
    with np.load(tmp_path / "net.npz") as saved:
        arrays = dict(saved)
    np.savez(tmp_path / "bad.npz", **{**arrays, "w1": arrays["w1"][:1]})
    with pytest.raises(ValueError, match="bad.npz is not a network saved by network3: its "
                                         "weights and biases do not have the shapes"):
        Network.load(tmp_path / "bad.npz")
    (tmp_path / "text.npz").write_text("not a network")
    with pytest.raises(ValueError, match="it is not a .npz file"):
        Network.load(tmp_path / "text.npz")


#### 6. Learning
def test_a_convolutional_network_learns_the_digits(mnist, capsys):
    """Three epochs on 2,000 images: the book's basic_conv, smaller."""
    (X, Y), (Xv, labels_v), _ = mnist
    training = X[:, :2000].T, np.argmax(Y[:, :2000], axis=0)
    validation = Xv[:, :1000].T, labels_v[:1000]
    net = Network([ConvPoolLayer((8, 1, 5, 5), (10, 1, 28, 28), (2, 2), network3.ReLU),
                   FullyConnectedLayer(8 * 12 * 12, 30, network3.ReLU),
                   SoftmaxLayer(30, 10)], 10, seed=0)
    history = net.SGD(training, 3, 10, 0.1, validation, validation)
    assert history[-1]["validation_accuracy"] >= 850           # chance: 100
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Epoch 0: validation accuracy ")
