"""
network.py
~~~~~~~~~~

A feedforward neural network that learns by stochastic gradient descent,
with the gradient of the cost computed by backpropagation.  It follows
the ``network.py`` of Michael Nielsen's book *Neural Networks and Deep
Learning* (chapters 1 to 3), and adds what the book leaves as exercises
or asides:

* The fully matrix-based backpropagation of a whole mini-batch (the
  exercise at the end of chapter 2).  The mini-batch is one matrix whose
  columns are the samples, so each layer makes one matrix product for
  all of them instead of one per sample.  ``backprop_batch`` stands next
  to the book's per-sample ``backprop``, line for line, so that the two
  can be read in parallel; the tests prove they give the same gradient.

* ReLU, Leaky ReLU and tanh hidden layers beside the sigmoid, with
  He initialisation, and ``dead_fraction`` to watch ReLU units "die":
  a unit whose weighted input is never positive, whatever the input,
  outputs zero and gets a zero gradient, so it never learns again.

* The cross-entropy cost, softmax output with the log-likelihood cost,
  and L2 regularisation, all from chapter 3.

Shapes are the book's: an input ``x`` is a column vector of shape
(n_in, 1), never a flat (n_in,) array, and a mini-batch ``X`` has shape
(n_in, m), one sample per column.  Only numpy is needed.

Run ``python network.py`` to watch the network learn MNIST's handwritten
digits; ``python network.py --help`` lists the options.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np


#### Activation functions and their derivatives
def sigmoid(z):
    """The sigmoid function, 1 / (1 + exp(-z)), applied elementwise."""
    # The same function written with tanh: exp(-z) overflows for z below
    # about -709 (-88 in float32), tanh never does, and it is as fast.
    return 0.5 * np.tanh(0.5 * z) + 0.5


def sigmoid_prime(z):
    """Derivative of the sigmoid function: sigma'(z) = sigma(z)(1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def relu(z):
    """The rectified linear unit, max(0, z)."""
    return np.maximum(z, 0)


def relu_prime(z):
    """Derivative of ReLU: 1 where z > 0 and 0 elsewhere (we take 0 at z = 0)."""
    return (z > 0).astype(z.dtype)


LEAKY_SLOPE = 0.01


def leaky_relu(z):
    """Leaky ReLU: z where z > 0, and a small slope times z elsewhere."""
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_prime(z):
    """Derivative of Leaky ReLU: 1 where z > 0, LEAKY_SLOPE elsewhere, never 0."""
    return np.where(z > 0, 1, LEAKY_SLOPE).astype(z.dtype)


def tanh(z):
    """The hyperbolic tangent."""
    return np.tanh(z)


def tanh_prime(z):
    """Derivative of tanh: 1 - tanh(z)^2."""
    return 1 - np.tanh(z) ** 2


def softmax(z):
    """Softmax over each column: exp(z_j) / sum_k exp(z_k)."""
    # Subtracting each column's maximum leaves the result unchanged and
    # keeps every exponent <= 0, so exp cannot overflow.
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "relu": (relu, relu_prime),
    "leaky_relu": (leaky_relu, leaky_relu_prime),
    "tanh": (tanh, tanh_prime),
}


#### Cost functions, each the total over the columns of a and y
def quadratic_cost(a, y):
    """C = 1/2 ||y - a||^2 (chapter 1), used with sigmoid output neurons."""
    return 0.5 * np.sum((a - y) ** 2)


def cross_entropy_cost(a, y):
    """C = -sum [y ln a + (1 - y) ln(1 - a)] (chapter 3), with sigmoid outputs."""
    # An output that has saturated to exactly 0 or 1 would give log(0);
    # keeping a inside [eps, 1 - eps] reports a large, finite cost instead.
    eps = np.finfo(a.dtype).eps
    a = np.clip(a, eps, 1 - eps)
    return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))


def log_likelihood_cost(a, y):
    """C = -ln a_y, the log-likelihood of the right class (chapter 3), with softmax outputs."""
    return -np.sum(y * np.log(np.maximum(a, np.finfo(a.dtype).tiny)))


COSTS = {
    "quadratic": (quadratic_cost, sigmoid),
    "cross_entropy": (cross_entropy_cost, sigmoid),
    "log_likelihood": (log_likelihood_cost, softmax),
}


#### Weight initialisations: the standard deviation of w for a layer with n_in inputs
INITS = {
    "gaussian": lambda n_in: 1.0,                  # chapter 1: N(0, 1)
    "scaled": lambda n_in: 1.0 / np.sqrt(n_in),    # chapter 3: N(0, 1/n_in)
    "he": lambda n_in: np.sqrt(2.0 / n_in),        # He et al. 2015: N(0, 2/n_in)
}


class DivergenceError(ArithmeticError):
    """Training diverged: the weights are no longer finite numbers."""


class Network:

    def __init__(self, sizes, activation="sigmoid", cost="quadratic",
                 init="gaussian", seed=None, dtype=np.float64):
        """``sizes`` lists the number of neurons in each layer: [784, 30, 10]
        is a network with 784 inputs, one hidden layer of 30 neurons and
        10 outputs.  ``activation`` is the hidden layers' activation
        function; the output layer is the one the ``cost`` is meant for:
        sigmoid for "quadratic" and "cross_entropy", softmax for
        "log_likelihood".  ``init`` chooses the weights' starting spread:
        "gaussian" draws them from N(0, 1) as in chapter 1, "scaled" from
        N(0, 1/n_in) as in chapter 3, "he" from N(0, 2/n_in).  Biases start
        as N(0, 1), except with "he", where they start at zero as in He et
        al.'s paper.  The input layer has no biases.

        ``seed`` makes a run reproducible: it seeds the random generator
        that draws the starting weights and shuffles the training data.
        ``dtype`` is np.float64 (the default, exact enough for gradient
        checks) or np.float32 (faster, the more so the larger the network)."""
        self.sizes = check_sizes(sizes)
        self.num_layers = len(sizes)
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.cost = check_choice("cost", cost, COSTS)
        self.init = check_choice("init", init, INITS)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be np.float32 or np.float64, not {self.dtype}")
        self.rng = np.random.default_rng(seed)
        self.sigma, self.sigma_prime = ACTIVATIONS[activation]
        self.cost_fn, output_sigma = COSTS[cost]
        # The activation function of each layer after the input layer.
        self.sigmas = [self.sigma] * (self.num_layers - 2) + [output_sigma]
        std = INITS[init]
        self.biases = [np.zeros((y, 1), self.dtype) if init == "he"
                       else self.rng.standard_normal((y, 1)).astype(self.dtype)
                       for y in sizes[1:]]
        self.weights = [(std(x) * self.rng.standard_normal((y, x))).astype(self.dtype)
                        for x, y in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        """Return the output of the network for the input ``a``: a column
        of shape (n_in, 1), or a matrix of shape (n_in, m) whose m columns
        are inputs, giving m output columns."""
        check_matrix(a, self.sizes[0], "a")
        for b, w, sigma in zip(self.biases, self.weights, self.sigmas):
            a = sigma(np.dot(w, a) + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta,
            test_data=None, *, lmbda=0.0, method="matrix",
            validation_data=None, on_epoch=None):
        """Train the network with mini-batch stochastic gradient descent.

        ``training_data`` is a list of tuples (x, y): x an input column,
        y the desired output column (one-hot for classification).  It may
        also be a pair of matrices (X, Y) holding those columns side by
        side, which spares the stacking of the list into matrices that
        is otherwise done once, here.  ``eta`` is the learning rate and
        ``lmbda`` the L2 regularisation parameter.

        ``method`` chooses how each mini-batch's gradient is computed:
        "loop" runs ``backprop`` once per sample, as in the book, and
        "matrix" runs ``backprop_batch`` once per mini-batch.  Both
        shuffle the same way, so from the same seed they make the same
        training run.

        ``test_data`` and ``validation_data``, lists of (x, label) or
        pairs (X, labels), are evaluated after each epoch and printed.
        Evaluating costs time; it is left out of the seconds reported.

        Returns one record per epoch: a dict with keys "epoch", "seconds",
        "accuracy" and "cost" (on test_data), and "validation_accuracy",
        the last three None when there is no such data.  ``on_epoch``, if
        given, is called with each record as soon as it is made.  Raises
        DivergenceError when the weights stop being finite numbers."""
        X, Y = self.training_matrices(training_data)
        check_count("epochs", epochs, minimum=0)
        check_count("mini_batch_size", mini_batch_size, minimum=1)
        check_rate("eta", eta, positive=True)
        check_rate("lmbda", lmbda, positive=False)
        check_choice("method", method, ("loop", "matrix"))
        if test_data is not None:
            test_data = self.labelled_matrices(test_data, "test_data")
        if validation_data is not None:
            validation_data = self.labelled_matrices(validation_data, "validation_data")
        n = X.shape[1]
        if method == "loop":
            # The book's list of samples; each column is a view of X, not a copy.
            samples = [(X[:, i:i + 1], Y[:, i:i + 1]) for i in range(n)]
        history = []
        for j in range(epochs):
            start = time.perf_counter()
            order = self.rng.permutation(n)
            # A diverging run overflows; the check after the epoch reports
            # that once, with advice, instead of numpy warning at each step.
            with np.errstate(over="ignore", invalid="ignore"):
                for k in range(0, n, mini_batch_size):
                    batch = order[k:k + mini_batch_size]
                    if method == "matrix":
                        self.update_mini_batch_matrix(X[:, batch], Y[:, batch], eta, lmbda, n)
                    else:
                        self.update_mini_batch([samples[i] for i in batch], eta, lmbda, n)
            seconds = time.perf_counter() - start
            if not all(np.isfinite(w).all() for w in self.weights + self.biases):
                raise DivergenceError(
                    f"training diverged in epoch {j}: the weights are no longer finite. "
                    f"Try a smaller learning rate than eta={eta}.")
            record = {"epoch": j, "seconds": seconds, "accuracy": None,
                      "cost": None, "validation_accuracy": None}
            line = f"Epoch {j}"
            if test_data is not None:
                record["accuracy"] = self.evaluate(test_data)
                record["cost"] = self.total_cost(test_data, lmbda, n)
                line += f": {record['accuracy']} / {len(test_data[1])}"
            else:
                line += " complete"
            if validation_data is not None:
                record["validation_accuracy"] = self.evaluate(validation_data)
                line += f", validation {record['validation_accuracy']} / {len(validation_data[1])}"
            print(f"{line}, {seconds:.2f} s", flush=True)
            history.append(record)
            if on_epoch is not None:
                on_epoch(record)
        return history

    def update_mini_batch(self, mini_batch, eta, lmbda=0.0, n=None):
        """Update the weights and biases by one step of gradient descent,
        backpropagating one sample at a time and summing the gradients:
        the book's way.  ``mini_batch`` is a list of tuples (x, y), ``eta``
        the learning rate, ``lmbda`` the L2 regularisation parameter and
        ``n`` the size of the whole training set."""
        nabla_b = [np.zeros_like(b) for b in self.biases]
        nabla_w = [np.zeros_like(w) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            for nb, dnb in zip(nabla_b, delta_nabla_b):
                nb += dnb
            for nw, dnw in zip(nabla_w, delta_nabla_w):
                nw += dnw
        self.descend(nabla_b, nabla_w, len(mini_batch), eta, lmbda, n)

    def update_mini_batch_matrix(self, X, Y, eta, lmbda=0.0, n=None):
        """The same step as ``update_mini_batch``, for the mini-batch whose
        inputs are the columns of X and desired outputs the columns of Y:
        one call of ``backprop_batch`` gives the summed gradient."""
        nabla_b, nabla_w = self.backprop_batch(X, Y)
        self.descend(nabla_b, nabla_w, X.shape[1], eta, lmbda, n)

    def descend(self, nabla_b, nabla_w, m, eta, lmbda, n):
        """Take one gradient-descent step with the gradient summed over a
        mini-batch of m samples, shrinking the weights for L2 first:
            w -> (1 - eta lmbda / n) w - (eta / m) sum_x nabla_w C_x
            b -> b - (eta / m) sum_x nabla_b C_x
        nabla_b and nabla_w are scaled in place on the way."""
        if lmbda and not n:
            raise ValueError("with lmbda > 0, pass n, the size of the training set")
        # All in place, the gradient's arrays scaled where they lie: no new
        # arrays as large as the weights, which would cost more time than
        # the arithmetic itself.
        for w, nw in zip(self.weights, nabla_w):
            if lmbda:
                w *= 1 - eta * lmbda / n
            nw *= eta / m
            w -= nw
        for b, nb in zip(self.biases, nabla_b):
            nb *= eta / m
            b -= nb

    def backprop(self, x, y):
        """Return a tuple (nabla_b, nabla_w), the gradient of the cost C_x
        for the single sample (x, y): x of shape (n_in, 1), y of shape
        (n_out, 1).  nabla_b and nabla_w are layer-by-layer lists of
        arrays shaped like self.biases and self.weights."""
        check_matrix(x, self.sizes[0], "x", columns=1)
        check_matrix(y, self.sizes[-1], "y", columns=1)
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        # feedforward, keeping every layer's z and activation
        activation = x
        activations = [x]
        zs = []
        for b, w, sigma in zip(self.biases, self.weights, self.sigmas):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigma(z)
            activations.append(activation)
        # backward pass
        delta = self.output_error(zs[-1], activations[-1], y)      # BP1
        nabla_b[-1] = delta                                         # BP3
        # np.dot, as in the book: for this (n, 1) x (1, n_in) outer product
        # it is several times faster than the @ operator.
        nabla_w[-1] = np.dot(delta, activations[-2].T)              # BP4
        # l = 1 is the last layer, l = 2 the one before it, and so on.
        for l in range(2, self.num_layers):
            delta = np.dot(self.weights[-l + 1].T, delta) * self.sigma_prime(zs[-l])  # BP2
            nabla_b[-l] = delta                                     # BP3
            nabla_w[-l] = np.dot(delta, activations[-l - 1].T)      # BP4
        return nabla_b, nabla_w

    def backprop_batch(self, X, Y):
        """The matrix form of ``backprop``, for m samples at once: X of
        shape (n_in, m) and Y of shape (n_out, m) hold one sample per
        column.  Returns (nabla_b, nabla_w), the sum over the m samples of
        the per-sample gradients, shaped like self.biases and self.weights.

        It is ``backprop`` line for line.  Every z, activation and delta
        becomes a matrix with one column per sample; adding the biases
        broadcasts them across the columns; the Hadamard products are
        elementwise as before.  Only two lines change: BP3 sums delta over
        the columns, and BP4's product delta . a^T now sums the m outer
        products, one per sample, in a single matrix multiplication."""
        check_matrix(X, self.sizes[0], "X")
        check_matrix(Y, self.sizes[-1], "Y", columns=X.shape[1])
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        activation = X
        activations = [X]                                           # (n_l, m) each
        zs = []
        for b, w, sigma in zip(self.biases, self.weights, self.sigmas):
            z = np.dot(w, activation) + b                           # b broadcast over m columns
            zs.append(z)
            activation = sigma(z)
            activations.append(activation)
        delta = self.output_error(zs[-1], activations[-1], Y)      # BP1, (n_out, m)
        nabla_b[-1] = delta.sum(axis=1, keepdims=True)              # BP3, summed over samples
        nabla_w[-1] = np.dot(delta, activations[-2].T)              # BP4, summed over samples
        for l in range(2, self.num_layers):
            delta = np.dot(self.weights[-l + 1].T, delta) * self.sigma_prime(zs[-l])  # BP2
            nabla_b[-l] = delta.sum(axis=1, keepdims=True)          # BP3
            nabla_w[-l] = np.dot(delta, activations[-l - 1].T)      # BP4
        return nabla_b, nabla_w

    def output_error(self, z, a, y):
        """Return delta^L, the error of the output layer (equation BP1):
        delta^L = nabla_a C (Hadamard) sigma'(z^L).  For the quadratic cost
        nabla_a C is ``cost_derivative``.  For cross-entropy with sigmoid
        outputs, and for log-likelihood with softmax outputs, the sigma'
        cancels out (chapter 3) and delta^L is simply a - y."""
        if self.cost == "quadratic":
            return self.cost_derivative(a, y) * sigmoid_prime(z)
        return a - y

    def cost_derivative(self, output_activations, y):
        """Return the vector of partial derivatives dC_x/da of the
        quadratic cost with respect to the output activations."""
        return output_activations - y

    def evaluate(self, test_data):
        """Return the number of test inputs for which the network outputs
        the right label; the network's answer is the index of its most
        active output neuron.  ``test_data`` is a list of (x, label) or a
        pair (X, labels)."""
        X, labels = self.labelled_matrices(test_data, "test_data")
        return int(np.sum(np.argmax(self.feedforward(X), axis=0) == labels))

    def total_cost(self, data, lmbda=0.0, n=None):
        """Return the cost averaged over ``data`` (a list of (x, label) or
        a pair (X, labels)), plus the L2 term (lmbda / 2n) sum w^2, where n
        is the size of the training set (by default, of ``data``)."""
        X, labels = self.labelled_matrices(data, "data")
        m = X.shape[1]
        Y = np.zeros((self.sizes[-1], m), self.dtype)
        Y[labels, np.arange(m)] = 1
        cost = self.cost_fn(self.feedforward(X), Y) / m
        if lmbda:
            cost += 0.5 * (lmbda / (n or m)) * sum(np.sum(w ** 2) for w in self.weights)
        return float(cost)

    def dead_fraction(self, data):
        """Return, for each hidden layer, the fraction of its units that
        are dead on ``data`` (a list of (x, y) or (x, label) pairs, or a
        matrix X of inputs): units whose weighted input z is <= 0 for
        every input.  A dead ReLU outputs 0 and has gradient 0 for all of
        them, so gradient descent can never revive it.  A Leaky ReLU unit
        in that state still passes a small gradient, so it can recover."""
        if self.activation not in ("relu", "leaky_relu"):
            raise ValueError(f"dead units are a ReLU notion; this network's "
                             f"hidden layers are {self.activation}")
        X = data if isinstance(data, np.ndarray) else self.input_matrix(data, "data")
        check_matrix(X, self.sizes[0], "data")
        fractions = []
        a = X
        for b, w in zip(self.biases[:-1], self.weights[:-1]):
            z = np.dot(w, a) + b
            fractions.append(float(np.mean(np.all(z <= 0, axis=1))))
            a = self.sigma(z)
        return fractions

    #### Saving and loading
    def save(self, path):
        """Save the network to ``path`` as a .npz file.  The file is written
        whole or not at all: a temporary file, renamed into place."""
        arrays = {"sizes": np.array(self.sizes), "activation": np.array(self.activation),
                  "cost": np.array(self.cost), "init": np.array(self.init)}
        arrays.update({f"w{i}": w for i, w in enumerate(self.weights)})
        arrays.update({f"b{i}": b for i, b in enumerate(self.biases)})
        write_atomically(path, lambda f: np.savez(f, **arrays))

    @classmethod
    def load(cls, path, seed=None):
        """Return the network saved by ``save`` at ``path``.  ``seed``
        seeds the new network's random generator for further training."""
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
        except FileNotFoundError:
            raise                                   # say so plainly, below it is a bad file
        except (OSError, ValueError, EOFError) as e:
            raise ValueError(f"{path} is not a network saved by Network.save: {e}") from None
        missing = {"sizes", "activation", "cost", "init"} - arrays.keys()
        if missing:
            raise ValueError(f"{path} is not a network saved by Network.save: "
                             f"it lacks {', '.join(sorted(missing))}")
        layers = arrays["sizes"].size - 1
        weights = [arrays.get(f"w{i}") for i in range(layers)]
        biases = [arrays.get(f"b{i}") for i in range(layers)]
        if layers < 1 or any(a is None for a in weights + biases):
            raise ValueError(f"{path} is damaged: weights or biases are missing")
        dtype = weights[0].dtype
        try:
            net = cls(arrays["sizes"].tolist(), str(arrays["activation"]), str(arrays["cost"]),
                      str(arrays["init"]), seed=seed, dtype=dtype)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path} is damaged: {e}") from None
        for a, b in zip(weights + biases, net.weights + net.biases):
            if a.shape != b.shape or a.dtype != dtype:
                raise ValueError(f"{path} is damaged: an array of shape {a.shape} and "
                                 f"dtype {a.dtype} where {b.shape} and {dtype} belong")
            if not np.isfinite(a).all():
                raise ValueError(f"{path} is damaged: it holds NaN or infinite weights")
        net.weights, net.biases = weights, biases
        return net

    #### Checking and converting the data
    def training_matrices(self, data):
        """Return training data as a pair of matrices (X, Y), checked, in
        the network's dtype.  ``data`` is a list of (x, y) or already a
        pair (X, Y)."""
        if is_matrix_pair(data):
            X, Y = data
        else:
            X = self.input_matrix(data, "training_data")
            Y = stack_columns([y for _, y in data], self.sizes[-1], "y in training_data")
        check_matrix(X, self.sizes[0], "X of training_data")
        check_matrix(Y, self.sizes[-1], "Y of training_data", columns=X.shape[1])
        return self.as_data(X, "training_data"), self.as_data(Y, "training_data")

    def labelled_matrices(self, data, name):
        """Return labelled data as (X, labels): inputs as columns, labels
        as a 1-D integer array.  ``data`` is a list of (x, label) or a
        pair (X, labels); a one-hot column serves as a label too."""
        if is_matrix_pair(data):
            X, labels = data
            labels = np.asarray(labels)
        else:
            X = self.input_matrix(data, name)
            labels = np.array([np.argmax(y) if np.ndim(y) else y for _, y in data])
        check_matrix(X, self.sizes[0], f"X of {name}")
        if labels.ndim == 2:
            labels = np.argmax(labels, axis=0)
        if labels.shape != (X.shape[1],) or labels.dtype.kind not in "iu":
            raise ValueError(f"{name}: expected {X.shape[1]} integer labels, got an array "
                             f"of shape {labels.shape} and dtype {labels.dtype}")
        if labels.size and (labels.min() < 0 or labels.max() >= self.sizes[-1]):
            raise ValueError(f"{name}: labels must lie in 0..{self.sizes[-1] - 1}")
        return self.as_data(X, name), labels

    def input_matrix(self, data, name):
        """Stack the inputs x of a list of (x, y) into a matrix, one column each."""
        if not isinstance(data, (list, tuple)):
            raise TypeError(
                f"{name} must be a list of (x, y) tuples or a pair of matrices (X, Y), "
                f"not {type(data).__name__}"
                + (": in Python 3 zip() gives an iterator, so pass list(zip(...))"
                   if isinstance(data, zip) else ""))
        if not data:
            raise ValueError(f"{name} is empty")
        if not all(isinstance(s, tuple) and len(s) == 2 for s in data):
            raise TypeError(f"{name} must hold (x, y) tuples")
        return stack_columns([x for x, _ in data], self.sizes[0], f"x in {name}")

    def as_data(self, A, name):
        """Return A in the network's dtype, refusing NaN and infinity."""
        # Column-major (Fortran) order keeps each sample's column contiguous
        # in memory, so that gathering a mini-batch's columns is a fast copy
        # of whole blocks, and a column viewed as a vector needs no copy.
        A = np.asfortranarray(A, dtype=self.dtype)
        if not np.isfinite(A).all():
            raise ValueError(f"{name} contains NaN or infinite values; clean the data first")
        return A


#### Checks of arguments, each raising an error that says what was expected
def check_sizes(sizes):
    if (not isinstance(sizes, (list, tuple)) or len(sizes) < 2
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                       for s in sizes)):
        raise ValueError(f"sizes must be a list of at least two positive integers, "
                         f"such as [784, 30, 10]; got {sizes!r}")
    return [int(s) for s in sizes]


def check_choice(what, name, choices):
    if name not in choices:
        raise ValueError(f"unknown {what} {name!r}; choose one of: {', '.join(choices)}")
    return name


def check_count(what, value, minimum):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")


def check_rate(what, value, positive):
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer))
            or not np.isfinite(value) or value < 0 or (positive and value == 0)):
        raise ValueError(f"{what} must be a finite number {'>' if positive else '>='} 0, "
                         f"got {value!r}")


def check_matrix(a, rows, name, columns=None):
    """Check that ``a`` is a 2-D array with ``rows`` rows (and ``columns``
    columns, if given)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, not {type(a).__name__}")
    if a.ndim == 1 and a.shape[0] == rows:
        raise ValueError(f"{name} has shape {a.shape}, a flat vector; the network takes "
                         f"columns of shape ({rows}, 1): reshape it with .reshape(-1, 1)")
    if a.ndim != 2 or a.shape[0] != rows or (columns is not None and a.shape[1] != columns):
        expected = f"({rows}, {columns if columns is not None else 'm'})"
        raise ValueError(f"{name} has shape {a.shape}; expected {expected}")


def stack_columns(vectors, rows, name):
    """Stack a list of (rows, 1) columns into one (rows, n) matrix."""
    for v in vectors:
        check_matrix(np.asarray(v), rows, name, columns=1)
    # Stacked as rows and transposed: column-major, as as_data wants it.
    return np.concatenate([np.asarray(v).T for v in vectors]).T


def is_matrix_pair(data):
    return (isinstance(data, tuple) and len(data) == 2
            and all(isinstance(a, np.ndarray) for a in data))


def write_atomically(path, write):
    """Call write(f) on a temporary file next to ``path``, then rename it
    to ``path``: readers see the old file or the whole new one, never a
    part of it, even if writing fails or is interrupted."""
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".",
                               prefix=os.path.basename(path) + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


#### The program: python network.py
def main(argv=None):
    """Train a network on MNIST and report its accuracy, epoch by epoch.
    Without options this is the book's chapter 1 run."""
    parser = argparse.ArgumentParser(
        description="Train a neural network on the MNIST handwritten digits. Without options "
                    "this is the run of chapter 1 of Neural Networks and Deep Learning.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[784, 30, 10], metavar="N",
                        help="neurons per layer, inputs first; MNIST needs 784 inputs, 10 outputs")
    parser.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid",
                        help="activation function of the hidden layers")
    parser.add_argument("--cost", choices=COSTS, default="quadratic",
                        help="cost function; log_likelihood puts a softmax on the output layer")
    parser.add_argument("--init", choices=INITS, default="gaussian",
                        help="weight initialisation: N(0,1), N(0,1/n_in) or N(0,2/n_in)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--mini-batch-size", type=int, default=10)
    parser.add_argument("--eta", type=float, default=3.0, help="learning rate")
    parser.add_argument("--lmbda", type=float, default=0.0, help="L2 regularisation parameter")
    parser.add_argument("--method", choices=("loop", "matrix"), default="matrix",
                        help="backprop one sample at a time (loop) or a mini-batch at once (matrix)")
    parser.add_argument("--seed", type=int, default=0, help="random seed, for a reproducible run")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="float32 is faster, the more so the larger the network")
    parser.add_argument("--data", metavar="DIR",
                        help="directory holding the MNIST files (default: $MNIST_DATA_DIR, then "
                             "the cache, then a download)")
    parser.add_argument("--save", metavar="PATH",
                        help="save the network of the epoch with the best validation accuracy "
                             "to PATH (.npz), also when stopped with Ctrl-C")
    parser.add_argument("--dead", action="store_true",
                        help="print the fraction of dead units of each hidden layer every epoch "
                             "(relu and leaky_relu)")
    args = parser.parse_args(argv)

    import mnist_loader                     # only the program needs the data
    try:
        if args.sizes[0] != 784 or args.sizes[-1] != 10:
            raise ValueError(f"MNIST needs 784 inputs and 10 outputs, as in --sizes 784 30 10; "
                             f"got --sizes {' '.join(map(str, args.sizes))}")
        if args.dead and args.activation not in ("relu", "leaky_relu"):
            raise ValueError("--dead needs --activation relu or leaky_relu")
        check_count("--epochs", args.epochs, minimum=0)
        check_count("--mini-batch-size", args.mini_batch_size, minimum=1)
        check_rate("--eta", args.eta, positive=True)
        check_rate("--lmbda", args.lmbda, positive=False)
        if args.save:
            folder = os.path.dirname(os.path.abspath(args.save))
            if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
                raise ValueError(f"--save: cannot write in {folder}; choose a path in an "
                                 f"existing, writable directory")
        net = Network(args.sizes, args.activation, args.cost, args.init, seed=args.seed,
                      dtype=np.dtype(args.dtype))
    except (ValueError, TypeError) as e:
        parser.error(str(e))
    try:
        training, validation, test = mnist_loader.load_data_matrices(args.data, dtype=net.dtype)
    except (mnist_loader.MNISTError, OSError) as e:
        print(f"network.py: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted while loading the data.", file=sys.stderr)
        return 130

    best = {}

    def keep_best(record):
        if not best or record["validation_accuracy"] > best["record"]["validation_accuracy"]:
            best.update(record=record, weights=[w.copy() for w in net.weights],
                        biases=[b.copy() for b in net.biases])
        if args.dead:
            print("  dead units per hidden layer: "
                  + ", ".join(f"{f:.1%}" for f in net.dead_fraction(training[0])), flush=True)

    status = 0
    try:
        net.SGD(training, args.epochs, args.mini_batch_size, args.eta, test,
                lmbda=args.lmbda, method=args.method, validation_data=validation,
                on_epoch=keep_best)
    except KeyboardInterrupt:
        print("\nInterrupted: training stopped.")
    except DivergenceError as e:
        print(f"network.py: {e}", file=sys.stderr)
        status = 1
    if best:
        r = best["record"]
        print(f"Best validation accuracy {r['validation_accuracy'] / len(validation[1]):.2%} "
              f"in epoch {r['epoch']}, where the test accuracy is "
              f"{r['accuracy'] / len(test[1]):.2%}")
        if args.save:
            net.weights, net.biases = best["weights"], best["biases"]
            try:
                net.save(args.save)
            except OSError as e:
                print(f"network.py: could not save the network to {args.save}: {e}",
                      file=sys.stderr)
                return 1
            print(f"Saved the network of epoch {r['epoch']} to {args.save}")
    return status


if __name__ == "__main__":
    sys.exit(main())
