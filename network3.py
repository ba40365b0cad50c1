"""
network3.py
~~~~~~~~~~~

Chapter 6's convolutional networks in numpy, every backward pass written
out, in the interface of the book's ``network3.py``: a ``Network`` of
``ConvPoolLayer``, ``FullyConnectedLayer`` and ``SoftmaxLayer`` trained
by ``SGD`` with the log-likelihood cost, L2 regularisation and dropout.
The book leaves the gradients to Theano, and backpropagation through a
convolutional network to its reader; here each layer's ``feedforward``
stands beside its ``backprop``, and delta = dC/dz, the error of a layer's
weighted input z, goes down the network as in chapter 2.  What is new:

* Weight sharing.  A map's weighted input at (i, j) is the book's z[i, j]
  = b + sum_{l, m} w[l, m] a[i + l, j + m], summed over the input maps too.
  Every position shares w and b, so BP3 and BP4 sum over the positions:
  dC/db = sum_{i, j} delta[i, j], dC/dw[l, m] = sum_{i, j} delta[i, j]
  a[i + l, j + m]; BP2's w^T delta gives each input a share from every
  position that saw it: dC/da[p, q] = sum_{l, m} delta[p - l, q - m] w[l, m],
  with delta 0 outside its map: a fully connected layer on the windows.
* Max-pooling.  A maximum's derivative is 1 for the largest input and 0
  for the others, which get no error.
* Dropout.  Training drops each input with probability p; a dropped input
  gets no error, and its weights no gradient.

The convolution is written twice: by its definition, a loop over the
filter's positions that a reader can check by hand (``convolve_by_loop``),
and as one matrix product of the windows, a row each, with the filters, a
column each (``convolve``); the tests check that they agree.  As in the
book's network3, an image is a row: a fully connected layer's w is (n_in,
n_out), z = a w + b and BP4 is a^T delta; maps are (n, height, width,
maps), the maps last, so that the product is the output untransposed;
filters are the book's (maps out, maps in, height, width).  Where the
port departs from the book: z is the book's cross-correlation
(Theano's ``conv2d`` flips the filter by 180 degrees; either way it is
learnt); where inputs of a pool tie, as over a blank background, the
first gets the error (Theano gives it to each); SGD shuffles every epoch;
a pool must tile its feature map; a row is read as maps in the order
(height, width, map); networks are saved as numpy arrays.  ``python
network.py --conv NAME`` trains the book's networks by conv.py's names.
"""

import functools
import json
import os
import time
import zipfile

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from network import read_arrays, read_member, sigmoid, write_atomically


#### Activation functions (sigmoid is network.py's), their derivatives as functions of a
def linear(z): return z
def ReLU(z): return np.maximum(z, 0)
def tanh(z): return np.tanh(z)


DERIVATIVES = {linear: lambda a: 1, tanh: lambda a: 1 - a ** 2,
               sigmoid: lambda a: a * (1 - a),          # sigma' = sigma (1 - sigma)
               ReLU: lambda a: a > 0}                   # z > 0 exactly where a > 0


def softmax(z):                                         # over each row; exponents <= 0
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


#### The network
class Network:

    def __init__(self, layers, mini_batch_size, seed=None, dtype=np.float32):
        """``layers`` lists the layers from the input up to the softmax layer;
        ``mini_batch_size`` is the book's, for Theano's graph (any number goes
        through here); ``seed`` seeds the weights, shuffles and dropout masks."""
        check_layers(layers, mini_batch_size)
        self.layers, self.mini_batch_size = layers, mini_batch_size
        self.rng = np.random.default_rng(seed)
        self.dtype = np.dtype(dtype)
        for layer in layers:
            layer.initialise(self.rng, self.dtype)

    def feedforward(self, x, training=False):
        """Return the outputs, (m, 10), for the images x, (m, 784); dropout in training."""
        for layer in self.layers:
            x = layer.feedforward(x, self.rng if training else None)
        return x

    def backprop(self, x, y):
        """Return the gradient of the cost of the mini-batch x, labels y (the
        log-likelihood averaged over its images, as the book's; the L2 term
        is update_mini_batch's): (nabla_w, nabla_b) per layer."""
        a = self.feedforward(x, training=True)
        Y = np.zeros_like(a)
        Y[np.arange(len(y)), y] = 1
        delta = (a - Y) / len(y)            # BP1, softmax with the log-likelihood; / m: the mean
        gradients = []
        for i in reversed(range(len(self.layers))):
            nabla_w, nabla_b, nabla_a = self.layers[i].backprop(delta, need_nabla_a=i > 0)
            gradients.append((nabla_w, nabla_b))
            if i > 0:                       # BP2's second half, through the sigma' below
                below = self.layers[i - 1]
                delta = nabla_a.reshape(below.output.shape) * DERIVATIVES[below.activation_fn](
                    below.output)
        return gradients[::-1]

    def SGD(self, training_data, epochs, mini_batch_size, eta, validation_data, test_data,
            lmbda=0.0, *, on_epoch=None):
        """Train the network by mini-batch stochastic gradient descent on
        pairs (images (n, 784), labels (n,)), as mnist_loader.load_data gives
        them; ``lmbda`` is the L2 term's.  As the book's, an epoch trains on
        the full mini-batches of the shuffled data, then calls
        ``on_epoch(record)`` or prints the book's lines.  Returns a record per
        epoch: its "epoch", "seconds" of training, and the images right,
        "validation_accuracy" and "accuracy" (of the test data)."""
        X, y = check_data(training_data, self, "training_data", mini_batch_size)
        validation_data = check_data(validation_data, self, "validation_data")
        test_data = check_data(test_data, self, "test_data")
        batches = len(y) // mini_batch_size
        history = []
        for j in range(epochs):
            start = time.perf_counter()
            order = self.rng.permutation(len(y))
            for k in range(batches):
                batch = order[k * mini_batch_size:(k + 1) * mini_batch_size]
                self.update_mini_batch(X[batch], y[batch], eta, lmbda, batches)
            record = {"epoch": j, "seconds": time.perf_counter() - start,
                      "validation_accuracy": self.accuracy(validation_data),
                      "accuracy": self.accuracy(test_data)}
            history.append(record)
            if on_epoch:
                on_epoch(record)
                continue
            print(f"Epoch {j}: validation accuracy "
                  f"{record['validation_accuracy'] / len(validation_data[1]):.2%}")
            if record["validation_accuracy"] == max(r["validation_accuracy"] for r in history):
                print("This is the best validation accuracy to date.\nThe corresponding "
                      f"test accuracy is {record['accuracy'] / len(test_data[1]):.2%}")
        return history

    def update_mini_batch(self, x, y, eta, lmbda=0.0, batches=1):
        """One step of gradient descent on the mini-batch x, labels y, on the
        cost C + lmbda / (2 batches) sum w^2, the book's L2 term, batches the
        mini-batches of an epoch (chapter 3's, lmbda / 2n sum w^2, is m times weaker):
            w -> (1 - eta lmbda / batches) w - eta nabla_w C,   b -> b - eta nabla_b C."""
        for layer, (nabla_w, nabla_b) in zip(self.layers, self.backprop(x, y)):
            if lmbda:
                layer.w *= 1 - eta * lmbda / batches
            layer.w -= eta * nabla_w
            layer.b -= eta * nabla_b

    def accuracy(self, data, chunk=1000):
        """The number of images of ``data`` (images, labels) classified right."""
        x, y = data
        return int(sum(np.sum(np.argmax(self.feedforward(x[k:k + chunk]), axis=1)
                              == y[k:k + chunk]) for k in range(0, len(y), chunk)))

    def save(self, path, **extra):
        """Save to ``path`` a .npz file: each layer's description, w and b,
        and any ``extra`` arrays (``load`` reads none of them)."""
        arrays = {"layers": json.dumps([describe(layer) for layer in self.layers]),
                  "mini_batch_size": self.mini_batch_size, **extra,
                  **{f"{p}{i}": getattr(layer, p) for i, layer in enumerate(self.layers)
                     for p in "wb"}}
        write_atomically(path, lambda f: np.savez(f, **arrays))

    @classmethod
    def load(cls, path, seed=None):
        """Return the network that ``save`` wrote to ``path``, reading numpy
        arrays only, never a pickle; any other file raises ValueError."""
        layers, mini_batch_size, weights = read_saved(path)
        net = cls(layers, mini_batch_size, seed, dtype=weights[0][0].dtype)
        for layer, (w, b) in zip(layers, weights):
            layer.w, layer.b = w, b
        return net


#### The layers: each one's feedforward beside its backprop
class FullyConnectedLayer:

    def __init__(self, n_in, n_out, activation_fn=sigmoid, p_dropout=0.0):
        check_fully_connected(n_in, n_out, p_dropout)
        check_activation(activation_fn)
        self.n_in, self.n_out = n_in, n_out
        self.activation_fn, self.p_dropout = activation_fn, p_dropout
        self.w_shape, self.b_shape = (n_in, n_out), (n_out,)

    def initialise(self, rng, dtype):
        """The book's: w of standard deviation 1/sqrt(n_out) (chapter 3's: n_in), b N(0, 1)."""
        self.w = (rng.standard_normal(self.w_shape) / np.sqrt(self.n_out)).astype(dtype)
        self.b = rng.standard_normal(self.b_shape).astype(dtype)

    def feedforward(self, a, rng=None):
        """With ``rng``, given in training only, each input is dropped with
        probability p; without, every weight counts 1 - p, the share training
        kept (the book's; "inverted" dropout scales by 1 / (1 - p) in training)."""
        self.input = a.reshape(len(a), self.n_in)                     # (m, n_in)
        if rng is not None and self.p_dropout:
            self.mask = rng.random(self.input.shape) >= self.p_dropout
            self.input = self.input * self.mask
            z = np.dot(self.input, self.w) + self.b                   # (m, n_out)
        else:
            z = (1 - self.p_dropout) * np.dot(self.input, self.w) + self.b
        self.output = self.activation_fn(z)
        return self.output

    def backprop(self, delta, need_nabla_a=True):
        """Given delta = dC/dz, (m, n_out), return nabla_w, nabla_b and, if
        needed, nabla_a, the input's dC/da, (m, n_in)."""
        nabla_b = delta.sum(axis=0)                                   # BP3
        nabla_w = np.dot(self.input.T, delta)                         # BP4; a dropped input's is 0
        nabla_a = None
        if need_nabla_a:
            nabla_a = np.dot(delta, self.w.T)                         # BP2's w^T delta
            if self.p_dropout:
                nabla_a *= self.mask                                  # a dropped input has none
        return nabla_w, nabla_b, nabla_a


class SoftmaxLayer(FullyConnectedLayer):
    """Fully connected softmax units, whose w and b start at zero, as the book's."""

    def __init__(self, n_in, n_out, p_dropout=0.0):
        super().__init__(n_in, n_out, linear, p_dropout)
        self.activation_fn = softmax                    # the output's alone

    def initialise(self, rng, dtype):
        self.w, self.b = np.zeros(self.w_shape, dtype), np.zeros(self.b_shape, dtype)


class ConvPoolLayer:
    """A convolutional layer with a max-pooling layer on top: as in the book,
    z is pooled, then b added and sigma applied: the same as pooling the
    activations, as chapter 6 does, since b is the same over a window and
    each sigma non-decreasing.  The pool only moves each error, so nabla_b
    sums the pooled delta."""

    def __init__(self, filter_shape, image_shape, poolsize=(2, 2), activation_fn=sigmoid, *,
                 loop=False):
        """The book's ``filter_shape`` (filters, input maps, height, width), ``image_shape``
        (mini-batch size, maps, height, width), ``poolsize``; ``loop``: by the definition."""
        check_conv(filter_shape, image_shape, poolsize, activation_fn)
        self.filter_shape, self.image_shape = tuple(filter_shape), tuple(image_shape)
        self.poolsize, self.activation_fn, self.loop = tuple(poolsize), activation_fn, loop
        _, maps, height, width = image_shape
        self.input_shape, self.n_in = (height, width, maps), height * width * maps
        filters, _, fh, fw = filter_shape
        self.n_out = filters * (height - fh + 1) * (width - fw + 1) // (poolsize[0] * poolsize[1])
        self.w_shape, self.b_shape = self.filter_shape, (filters,)

    def initialise(self, rng, dtype):
        """The book's: w of standard deviation 1/sqrt(n), n = filters fh fw
        / (ph pw), about the outputs a pixel reaches; b from N(0, 1)."""
        filters, _, fh, fw = self.filter_shape
        n = filters * fh * fw / np.prod(self.poolsize)
        self.w = (rng.standard_normal(self.w_shape) / np.sqrt(n)).astype(dtype)
        self.b = rng.standard_normal(self.b_shape).astype(dtype)

    def feedforward(self, a, rng=None):
        """Keep what backprop needs (no dropout: the book's ConvPoolLayer has none)."""
        self.input = a.reshape(-1, *self.input_shape)                 # (n, h, w, maps in)
        if self.loop:
            self.z_conv = convolve_by_loop(self.input, self.w)        # (n, h', w', filters)
        else:
            self.z_conv, self.rows = convolve(self.input, self.w)
        self.pooled = max_pool(self.z_conv, self.poolsize)            # (n, h'/ph, w'/pw, filters)
        self.output = self.activation_fn(self.pooled + self.b)
        return self.output

    def backprop(self, delta, need_nabla_a=True):
        """Given delta = dC/dz of the pooled maps, (m, h'/ph, w'/pw, filters),
        return nabla_w, nabla_b and, if needed, nabla_a, the input's dC/da."""
        nabla_b = delta.sum(axis=(0, 1, 2))                           # BP3, summed over positions
        delta_z = unpool(delta, self.z_conv, self.pooled, self.poolsize)   # (n, h', w', filters)
        if self.loop:                                                 # BP4, and BP2's w^T delta
            nabla_w, nabla_a = convolve_backward_by_loop(delta_z, self.input, self.w, need_nabla_a)
        else:
            nabla_w, nabla_a = convolve_backward(delta_z, self.rows, self.w, self.input.shape,
                                                 need_nabla_a)
        return nabla_w, nabla_b, nabla_a


#### Convolution and pooling, with their gradients
def convolve_by_loop(a, w):
    """The convolution by its definition, z[n, i, j, f] = sum_{l, m, c}
    w[f, c, l, m] a[n, i + l, j + m, c]: for each filter position (l, m),
    the pixels at (l, m) of every window times the filters' weights there."""
    _, height, width, _ = a.shape
    _, _, fh, fw = w.shape
    z = 0
    for l in range(fh):
        for m in range(fw):
            at = np.s_[:, l:l + height - fh + 1, m:m + width - fw + 1]    # (l, m) of each window
            z = z + np.tensordot(a[at], w[:, :, l, m].T, axes=1)
    return z                                                          # (n, h', w', filters)


def windows(a, fh, fw):
    """Every fh x fw window of the maps a, (n, height, width, maps), as a
    row of one matrix ("im2col"): row (n, i, j), column (l fw + m) maps + c
    holds a[n, i + l, j + m, c]."""
    view = sliding_window_view(a, (fh, fw), axis=(1, 2))      # (n, h', w', maps, fh, fw), no copy
    return view.transpose(0, 1, 2, 4, 5, 3).reshape(-1, fh * fw * a.shape[3])


def filter_matrix(w):
    """The filters w, (filters, maps, fh, fw), as a matrix with a column
    each, in the windows' order (l, m, map): (fh fw maps, filters)."""
    return w.transpose(2, 3, 1, 0).reshape(-1, len(w))


def convolve(a, w):
    """The same convolution as a fully connected layer on the windows: the
    windows of a, a row each, times the filter matrix.  Returns z and the
    windows, which the gradient needs again."""
    n, height, width, _ = a.shape
    filters, _, fh, fw = w.shape
    rows = windows(a, fh, fw)                                         # (n h' w', fh fw maps)
    z = np.dot(rows, filter_matrix(w))                                # (n h' w', filters)
    return z.reshape(n, height - fh + 1, width - fw + 1, filters), rows


def convolve_backward_by_loop(delta, a, w, need_nabla_a=True):
    """From delta = dC/dz, return dC/dw[f, c, l, m] = sum_{n, i, j} delta[n,
    i, j, f] a[n, i + l, j + m, c] and, if needed, dC/da[n, p, q, c] = sum_{f,
    l, m} delta[n, p - l, q - m, f] w[f, c, l, m]: for each position (l, m),
    a[n, i + l, j + m] (p = i + l, q = j + m) gets delta[n, i, j] w[l, m]."""
    _, height_out, width_out, _ = delta.shape
    _, _, fh, fw = w.shape
    nabla_w = np.zeros_like(w)
    nabla_a = np.zeros_like(a) if need_nabla_a else None
    for l in range(fh):
        for m in range(fw):
            at = np.s_[:, l:l + height_out, m:m + width_out]               # (l, m) of each window
            nabla_w[:, :, l, m] = np.tensordot(delta, a[at], axes=([0, 1, 2], [0, 1, 2]))
            if need_nabla_a:
                nabla_a[at] += np.tensordot(delta, w[:, :, l, m], axes=1)
    return nabla_w, nabla_a


def convolve_backward(delta, rows, w, input_shape, need_nabla_a=True):
    """The gradients of ``convolve_backward_by_loop`` as a fully connected
    layer's, on the windows that ``convolve`` made (``rows``): BP4 is the
    windows^T delta, and BP2's w^T delta the dC/da of every window, each
    added back where its window lies ("col2im")."""
    filters, maps, fh, fw = w.shape
    n, height_out, width_out, _ = delta.shape
    delta_rows = delta.reshape(-1, filters)                           # (n h' w', filters)
    nabla_w = np.dot(rows.T, delta_rows)                              # (fh fw maps, filters)
    nabla_w = nabla_w.reshape(fh, fw, maps, filters).transpose(3, 2, 0, 1)  # filter_matrix undone
    nabla_a = None
    if need_nabla_a:
        nabla_rows = np.dot(delta_rows, filter_matrix(w).T)           # (n h' w', fh fw maps)
        nabla_rows = nabla_rows.reshape(n, height_out, width_out, fh, fw, maps)
        nabla_a = np.zeros(input_shape, delta.dtype)
        for l in range(fh):
            for m in range(fw):
                nabla_a[:, l:l + height_out, m:m + width_out] += nabla_rows[:, :, :, l, m]
    return nabla_w, nabla_a


def max_pool(z, poolsize):
    """The largest of each ph x pw window of the maps z: (n, h/ph, w/pw, maps).
    z[:, u::ph, v::pw] is the value at place (u, v) of every window at once."""
    ph, pw = poolsize
    return functools.reduce(np.maximum, [z[:, u::ph, v::pw] for u in range(ph)
                                         for v in range(pw)])


def unpool(delta, z, pooled, poolsize):
    """The error of the pooled maps sent back to the maps z, all of it to the
    first largest value of each window in reading order (``remaining`` is
    0 for later ties)."""
    ph, pw = poolsize
    delta_z, remaining = np.empty_like(z), delta
    for u in range(ph):
        for v in range(pw):
            delta_z[:, u::ph, v::pw] = remaining * (z[:, u::ph, v::pw] == pooled)
            remaining = remaining - delta_z[:, u::ph, v::pw]
    return delta_z                                                    # (n, h', w', maps)


###########################################################################
#### The lesson ends here.  Below: the checks of the layers and the
#### data, and reading a saved network.
###########################################################################

ACTIVATIONS = {f.__name__: f for f in (linear, sigmoid, tanh, ReLU)}
# What Network.load needs to build each kind of layer again: its arguments.
ARGUMENTS = {ConvPoolLayer: ("filter_shape", "image_shape", "poolsize", "activation_fn"),
             FullyConnectedLayer: ("n_in", "n_out", "activation_fn", "p_dropout"),
             SoftmaxLayer: ("n_in", "n_out", "p_dropout")}
KINDS = {kind.__name__: kind for kind in ARGUMENTS}


def describe(layer):                    # its kind and arguments, as names and numbers
    arguments = {name: getattr(layer, name) for name in ARGUMENTS[type(layer)]}
    if "activation_fn" in arguments:
        arguments["activation_fn"] = layer.activation_fn.__name__
    return {"kind": type(layer).__name__, **arguments}


def positive(numbers, length):
    """Whether ``numbers`` is a sequence of ``length`` positive integers."""
    return (isinstance(numbers, (tuple, list)) and len(numbers) == length
            and all(isinstance(k, (int, np.integer)) and k > 0 for k in numbers))


def check_conv(filter_shape, image_shape, poolsize, activation_fn):
    for name, shape, example in (("filter_shape", filter_shape, (20, 1, 5, 5)),
                                 ("image_shape", image_shape, (10, 1, 28, 28)),
                                 ("poolsize", poolsize, (2, 2))):
        if not positive(shape, len(example)):
            raise ValueError(f"{name} must be {len(example)} positive integers, such as "
                             f"{example}; got {shape!r}")
    (_, maps, fh, fw), (_, image_maps, height, width) = filter_shape, image_shape
    ph, pw = poolsize
    if maps != image_maps:
        raise ValueError(f"filter_shape {tuple(filter_shape)} takes {maps} input maps, but "
                         f"image_shape {tuple(image_shape)} has {image_maps}")
    if fh > height or fw > width:
        raise ValueError(f"a {fh} x {fw} filter does not fit in a {height} x {width} image")
    if (height - fh + 1) % ph or (width - fw + 1) % pw:
        raise ValueError(f"a {ph} x {pw} pool does not divide the {height - fh + 1} x "
                         f"{width - fw + 1} feature maps of a {fh} x {fw} filter on a "
                         f"{height} x {width} image")
    check_activation(activation_fn)


def check_fully_connected(n_in, n_out, p_dropout):
    if not positive((n_in, n_out), 2):
        raise ValueError(f"n_in and n_out must be positive integers; got {n_in!r}, {n_out!r}")
    if not 0 <= p_dropout < 1:
        raise ValueError(f"p_dropout is a probability below 1, such as 0.5; got {p_dropout!r}")


def check_activation(activation_fn):
    if activation_fn not in DERIVATIVES:
        raise ValueError(f"activation_fn must be one of network3's functions, "
                         f"{', '.join(ACTIVATIONS)}; got {activation_fn!r}")


def check_layers(layers, mini_batch_size):
    if not (isinstance(layers, list) and layers and isinstance(layers[-1], SoftmaxLayer)):
        raise ValueError("layers must be a list of layers, from the input up, and the last "
                         "must be a SoftmaxLayer: the cost is its log-likelihood")
    if not positive((mini_batch_size,), 1):
        raise ValueError(f"mini_batch_size must be a positive integer; got {mini_batch_size!r}")
    for i, layer in enumerate(layers):
        if i and layer.n_in != layers[i - 1].n_out:
            raise ValueError(f"layer {i} takes {layer.n_in} inputs, but layer {i - 1} gives "
                             f"{layers[i - 1].n_out}")


def check_data(data, net, name, mini_batch_size=None):
    """Return ``data`` as arrays (images, labels), images in the net's dtype;
    for the training data, at least one mini-batch of them."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError(f"{name} must be a pair (images, labels), as mnist_loader.load_data "
                         f"gives them")
    x, y = np.asarray(data[0], net.dtype), np.asarray(data[1])
    n_in, n_out = net.layers[0].n_in, net.layers[-1].n_out
    if x.ndim != 2 or x.shape[1] != n_in or not np.isfinite(x).all():
        raise ValueError(f"{name}: the images have shape {x.shape}; the first layer takes "
                         f"(n, {n_in}), an image per row, of finite numbers")
    if not (y.shape == x.shape[:1] and y.dtype.kind in "iu" and len(y)
            and 0 <= y.min() <= y.max() < n_out):
        raise ValueError(f"{name}: expected {len(x)} integer labels from 0 to {n_out - 1}, "
                         f"got an array of shape {y.shape}, {y.dtype}")
    if mini_batch_size is not None and not (positive((mini_batch_size,), 1)
                                            and mini_batch_size <= len(y)):
        raise ValueError(f"mini_batch_size must be a positive integer, at most the {len(y)} "
                         f"training images; got {mini_batch_size!r}")
    return x, y


def read_saved(path):
    """Return (layers, mini_batch_size, [(w, b) per layer]) saved at ``path``,
    checked to make the network, or raise ValueError naming the file."""
    try:
        if os.path.exists(path) and not (os.path.isfile(path) and zipfile.is_zipfile(path)):
            raise ValueError("it is not a .npz file")
        with np.load(path, allow_pickle=False) as saved:
            text, size = (read_member(saved, name) for name in ("layers", "mini_batch_size"))
            descriptions, mini_batch_size = json.loads(str(text)), int(size)
            for d in descriptions:
                if "activation_fn" in d:
                    d["activation_fn"] = ACTIVATIONS[d["activation_fn"]]
            layers = [KINDS[d.pop("kind")](**d) for d in descriptions]
            check_layers(layers, mini_batch_size)
            arrays = read_arrays(saved, {f"{p}{i}": getattr(layer, p + "_shape")
                                         for i, layer in enumerate(layers) for p in "wb"})
    except OSError:
        raise
    except Exception as e:                  # whatever a damaged or hostile file gives rise to
        raise ValueError(f"{path} is not a network saved by network3: {e}") from None
    return layers, mini_batch_size, list(zip(arrays[::2], arrays[1::2]))
