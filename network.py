"""
network.py
~~~~~~~~~~

A feedforward neural network that learns by stochastic gradient descent,
with the gradient of the cost computed by backpropagation.  It follows
the ``network.py`` and ``network2.py`` of Michael Nielsen's book *Neural
Networks and Deep Learning* (chapters 1 to 3), and adds what the book
leaves as exercises or asides:

* The fully matrix-based backpropagation of a whole mini-batch (the
  exercise at the end of chapter 2).  The mini-batch is one matrix whose
  columns are the samples, so each layer makes one matrix product for
  all of them instead of one per sample.  ``backprop_batch`` stands next
  to the book's per-sample ``backprop``, line for line, so that the two
  can be read in parallel; the tests prove they give the same gradient.

* Chapter 3's techniques: the cross-entropy cost, softmax outputs with
  the log-likelihood cost, L2 and L1 regularisation, momentum, early
  stopping, and the schedule that halves the learning rate.

* ReLU, Leaky ReLU and tanh hidden layers beside the sigmoid, with
  He initialisation, and ``dead_fraction`` to watch ReLU units "die":
  a unit whose weighted input is never positive, whatever the input,
  outputs zero and gets a zero gradient, so it never learns again.

Shapes are the book's: an input ``x`` is a column vector of shape
(n_in, 1), never a flat (n_in,) array, and a mini-batch ``X`` has shape
(n_in, m), one sample per column.  Only numpy is needed.

Where the code departs from the book:

* ``l`` counts layers from the end in ``backprop``, as in the book's
  code (l = 1 is the output layer), not from the input as in chapter 2.
* BP2 uses the hidden layers' activation; the output layer's belongs to
  the cost and is in BP1 (``output_error``).
* The regularisation term of ``total_cost`` is divided by n, the size of
  the training set, on any data, as in the update rule; network2 divides
  by the size of the data being evaluated.
* ``lmbda`` and the other options of ``SGD`` are keyword-only, and
  ``SGD`` returns a history, one record per epoch, instead of network2's
  four monitor lists.
* The training data is shuffled by a permutation of its indices, drawn
  from the network's own random generator, not by random.shuffle.

The lesson comes first: the ``Network`` class, the costs, then the
activation functions.  A banner marks where it ends; below it are the
checks of arguments, the conversion of data, saving and loading, and the
program.  On speed: the outer products of the per-sample ``backprop``
use np.dot, as in the book, because for an (n, 1) x (1, n_in) product it
is several times faster than the @ operator.

Run ``python network.py`` to watch the network learn MNIST's handwritten
digits; ``python network.py --help`` lists the options.
"""

import argparse
import os
import signal
import sys
import tempfile
import time
import zipfile

if __name__ == "__main__":
    # Until main() takes over, Ctrl-C (while numpy loads, say) ends the
    # program quietly with the usual status, 130, instead of a traceback.
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(130))

import numpy as np


class Network:

    def __init__(self, sizes, activation="sigmoid", cost="quadratic",
                 init="gaussian", seed=None, dtype=np.float64):
        """``sizes`` lists the number of neurons in each layer: [784, 30, 10]
        is a network with 784 inputs, one hidden layer of 30 neurons and
        10 outputs.  ``activation`` is the hidden layers' activation
        function; the output layer's belongs to the ``cost``: sigmoid for
        "quadratic" and "cross_entropy", softmax for "log_likelihood".
        ``init`` chooses the weights' starting spread: "gaussian" draws
        them from N(0, 1) as in chapter 1, "scaled" from N(0, 1/n_in) as
        in chapter 3, "he" from N(0, 2/n_in).  Biases start as N(0, 1),
        except with "he", where they start at zero as in He et al.'s
        paper.  The input layer has no biases.

        ``seed`` makes a run reproducible: it seeds the random generator
        that draws the starting weights and shuffles the training data.
        ``dtype`` is np.float64 (exact enough for gradient checks) or
        np.float32 (faster, the more so the larger the network)."""
        self.sizes, self.dtype = check_network(sizes, activation, cost, init, seed, dtype)
        self.num_layers = len(sizes)
        self.activation, self.init = activation, init
        self.cost = COSTS[cost]
        self.sigma, self.sigma_prime = ACTIVATIONS[activation]
        # The activation function of each layer after the input layer.
        self.sigmas = [self.sigma] * (self.num_layers - 2) + [self.cost.output]
        self.rng = np.random.default_rng(seed)
        std = INITS[init]
        self.biases = [np.zeros((y, 1), self.dtype) if init == "he"
                       else self.rng.standard_normal((y, 1)).astype(self.dtype)
                       for y in self.sizes[1:]]
        self.weights = [(std(x) * self.rng.standard_normal((y, x))).astype(self.dtype)
                        for x, y in zip(self.sizes[:-1], self.sizes[1:])]
        # Momentum's velocities, one per weight and bias (chapter 3).
        self.velocities = [np.zeros_like(p) for p in self.weights + self.biases]

    def feedforward(self, a):
        """Return the output of the network for the input ``a``: a column
        of shape (n_in, 1), or a matrix of shape (n_in, m) whose m columns
        are inputs, giving m output columns."""
        check_matrix(a, self.sizes[0], "a")
        for b, w, sigma in zip(self.biases, self.weights, self.sigmas):
            a = sigma(np.dot(w, a) + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, *,
            lmbda=0.0, penalty="l2", mu=0.0, stop_after=None, halve_eta_after=None,
            anneal=False, transform=None, method="matrix", validation_data=None,
            on_epoch=None):
        """Train the network with mini-batch stochastic gradient descent.
        ``training_data`` is a list of tuples (x, y), x an input column and
        y the desired output column, or a pair of matrices (X, Y) holding
        those columns side by side.  ``eta`` is the learning rate,
        ``lmbda`` the regularisation parameter of the ``penalty``, "l2" or
        "l1", and ``mu`` the momentum coefficient.  ``method`` is "loop",
        the book's backprop one sample at a time, or "matrix", one
        ``backprop_batch`` per mini-batch: from the same seed both make the
        same training run.

        After each epoch the network is evaluated on ``test_data`` and
        ``validation_data`` (lists of (x, label), or pairs (X, labels)) if
        given, and a line is printed.  Chapter 3's rules use the validation
        accuracy: ``stop_after=n`` ends training after n epochs in a row
        without a new best; ``halve_eta_after=n`` halves eta after n such
        epochs and ends training once eta has fallen to 1/128 of its start.
        ``anneal=True`` lowers eta linearly to zero over the epochs instead.
        ``transform(X, rng)``, if given, makes each epoch's training inputs
        from X (such as mnist_loader.shift_randomly).

        Returns the history, one record per epoch (see ``epoch_record``);
        the last record's "stop" says why training ended.  ``on_epoch``,
        if given, is called with each record before the epoch's line is
        printed, and a string it returns is printed below the line."""
        X, Y, test_data, validation_data = check_sgd(
            self, training_data, epochs, mini_batch_size, eta, test_data, validation_data,
            lmbda, penalty, mu, stop_after, halve_eta_after, anneal, method)
        n = X.shape[1]
        schedule = Schedule(eta, epochs, stop_after, halve_eta_after, anneal)
        self.velocities = [np.zeros_like(p) for p in self.weights + self.biases]
        history = []
        for j in range(epochs):
            eta = schedule.eta
            start = time.perf_counter()
            X_j = X if transform is None else transform(X, self.rng)
            if method == "loop":
                # The book's list of samples: views of the columns, not copies.
                samples = [(X_j[:, i:i + 1], Y[:, i:i + 1]) for i in range(n)]
            order = self.rng.permutation(n)
            # A diverging run overflows; epoch_record reports that once,
            # with advice, instead of numpy warning at every step.
            with np.errstate(over="ignore", invalid="ignore"):
                for k in range(0, n, mini_batch_size):
                    batch = order[k:k + mini_batch_size]
                    if method == "matrix":
                        self.update_mini_batch_matrix(X_j[:, batch], Y[:, batch], eta,
                                                      lmbda, n, penalty, mu)
                    else:
                        self.update_mini_batch([samples[i] for i in batch], eta,
                                               lmbda, n, penalty, mu)
            record = epoch_record(self, j, time.perf_counter() - start, eta,
                                  test_data, validation_data, lmbda, penalty, n)
            record["stop"] = schedule.step(j, record["validation_accuracy"])
            history.append(record)
            note = on_epoch(record) if on_epoch is not None else None
            print_epoch(record, test_data, validation_data, schedule, note)
            if record["stop"]:
                break
        return history

    def update_mini_batch(self, mini_batch, eta, lmbda=0.0, n=None, penalty="l2", mu=0.0):
        """Update the weights and biases by one step of gradient descent,
        backpropagating one sample at a time and summing the gradients:
        the book's way.  ``mini_batch`` is a list of tuples (x, y), ``n``
        the size of the whole training set; the rest is as in ``SGD``."""
        nabla_b = [np.zeros_like(b) for b in self.biases]
        nabla_w = [np.zeros_like(w) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            for nb, dnb in zip(nabla_b, delta_nabla_b):
                nb += dnb
            for nw, dnw in zip(nabla_w, delta_nabla_w):
                nw += dnw
        self.descend(nabla_b, nabla_w, len(mini_batch), eta, lmbda, n, penalty, mu)

    def update_mini_batch_matrix(self, X, Y, eta, lmbda=0.0, n=None, penalty="l2", mu=0.0):
        """The same step as ``update_mini_batch``, for the mini-batch whose
        inputs are the columns of X and desired outputs the columns of Y:
        one call of ``backprop_batch`` gives the summed gradient."""
        nabla_b, nabla_w = self.backprop_batch(X, Y)
        self.descend(nabla_b, nabla_w, X.shape[1], eta, lmbda, n, penalty, mu)

    def descend(self, nabla_b, nabla_w, m, eta, lmbda, n, penalty="l2", mu=0.0):
        """Take one step of gradient descent with the gradient summed over
        a mini-batch of m samples.  First the weight decay of the penalty
        (chapter 3), where n is the size of the training set:
            L2: w -> (1 - eta lmbda / n) w
            L1: w -> w - (eta lmbda / n) sgn(w)
        then the step down the gradient of the cost, for every weight and
        bias p, through its velocity v when mu > 0 (momentum, chapter 3):
            v -> mu v - (eta / m) sum_x nabla_p C_x,   p -> p + v
        With mu = 0 that is the book's step: p -> p - (eta / m) sum_x nabla_p C_x.
        nabla_b and nabla_w are scaled in place on the way."""
        if lmbda and not n:
            raise ValueError("with lmbda > 0, pass n, the size of the training set")
        # All in place: new arrays as large as the weights would cost more
        # time than the arithmetic itself.
        if lmbda and penalty == "l2":
            for w in self.weights:
                w *= 1 - eta * lmbda / n
        elif lmbda:
            for w in self.weights:
                w -= (eta * lmbda / n) * np.sign(w)
        for p, nabla, v in zip(self.weights + self.biases, nabla_w + nabla_b, self.velocities):
            nabla *= eta / m
            if mu:
                v *= mu
                v -= nabla
                p += v
            else:
                p -= nabla

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
        activations = [x]                                           # (n_l, 1) each
        zs = []
        for b, w, sigma in zip(self.biases, self.weights, self.sigmas):
            z = np.dot(w, activation) + b                           # (n_l, 1)
            zs.append(z)
            activation = sigma(z)
            activations.append(activation)
        # backward pass; l = 1 is the last layer, l = 2 the one before it
        delta = self.output_error(zs[-1], activations[-1], y)      # BP1, (n_out, 1)
        nabla_b[-1] = delta                                         # BP3
        nabla_w[-1] = np.dot(delta, activations[-2].T)              # BP4
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
        Each z, activation and delta is a matrix with one column per
        sample, and the biases broadcast across the columns.  Only BP3
        changes: it sums delta over the columns.  BP4's product now sums
        the m outer products, one per sample, in one multiplication."""
        check_matrix(X, self.sizes[0], "X")
        check_matrix(Y, self.sizes[-1], "Y", columns=X.shape[1])
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        # feedforward, keeping every layer's z and activation
        activation = X
        activations = [X]                                           # (n_l, m) each
        zs = []
        for b, w, sigma in zip(self.biases, self.weights, self.sigmas):
            z = np.dot(w, activation) + b                           # (n_l, m)
            zs.append(z)
            activation = sigma(z)
            activations.append(activation)
        # backward pass; l = 1 is the last layer, l = 2 the one before it
        delta = self.output_error(zs[-1], activations[-1], Y)      # BP1, (n_out, m)
        nabla_b[-1] = delta.sum(axis=1, keepdims=True)              # BP3
        nabla_w[-1] = np.dot(delta, activations[-2].T)              # BP4
        for l in range(2, self.num_layers):
            delta = np.dot(self.weights[-l + 1].T, delta) * self.sigma_prime(zs[-l])  # BP2
            nabla_b[-l] = delta.sum(axis=1, keepdims=True)          # BP3
            nabla_w[-l] = np.dot(delta, activations[-l - 1].T)      # BP4
        return nabla_b, nabla_w

    def output_error(self, z, a, y):
        """Return delta^L, the error of the output layer (equation BP1),
        for output columns z (weighted inputs) and a (activations) and the
        desired outputs y.  Each cost knows its own: see the cost classes."""
        return self.cost.delta(z, a, y)

    def cost_derivative(self, output_activations, y):
        """Return the vector of partial derivatives dC_x/da of the cost
        with respect to the output activations."""
        return self.cost.derivative(output_activations, y)

    def evaluate(self, test_data):
        """Return the number of test inputs for which the network outputs
        the right label; the network's answer is the index of its most
        active output neuron.  ``test_data`` is a list of (x, label) or a
        pair (X, labels)."""
        X, labels = labelled_matrices(self, test_data, "test_data")
        return int(np.sum(np.argmax(self.feedforward(X), axis=0) == labels))

    def total_cost(self, data, lmbda=0.0, n=None, penalty="l2"):
        """Return the cost averaged over ``data`` (a list of (x, label) or
        a pair (X, labels)), plus the regularisation term, where n is the
        size of the training set (by default, of ``data``):
            L2: (lmbda / 2n) sum w^2        L1: (lmbda / n) sum |w|"""
        X, labels = labelled_matrices(self, data, "data")
        m = X.shape[1]
        Y = np.zeros((self.sizes[-1], m), self.dtype)
        Y[labels, np.arange(m)] = 1
        cost = self.cost.fn(self.feedforward(X), Y) / m
        if lmbda and penalty == "l2":
            cost += 0.5 * (lmbda / (n or m)) * sum(np.sum(w ** 2) for w in self.weights)
        elif lmbda:
            cost += (lmbda / (n or m)) * sum(np.sum(np.abs(w)) for w in self.weights)
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
        X = data if isinstance(data, np.ndarray) else input_matrix(data, self.sizes[0], "data")
        check_matrix(X, self.sizes[0], "data")
        fractions = []
        a = X
        for b, w in zip(self.biases[:-1], self.weights[:-1]):
            z = np.dot(w, a) + b
            fractions.append(float(np.mean(np.all(z <= 0, axis=1))))
            a = self.sigma(z)
        return fractions

    def save(self, path):
        """Save the network to ``path`` as a .npz file, written whole or
        not at all: a temporary file, renamed into place."""
        arrays = {"sizes": np.array(self.sizes), "activation": np.array(self.activation),
                  "cost": np.array(self.cost.name), "init": np.array(self.init)}
        arrays.update({f"w{i}": w for i, w in enumerate(self.weights)})
        arrays.update({f"b{i}": b for i, b in enumerate(self.biases)})
        write_atomically(path, lambda f: np.savez(f, **arrays))

    @classmethod
    def load(cls, path, seed=None):
        """Return the network saved by ``save`` at ``path``.  ``seed``
        seeds the new network's random generator for further training.
        A file that is not such a network raises ValueError."""
        check_seed(seed)
        names, weights, biases = read_network(path)
        net = cls(*names, seed=seed, dtype=weights[0].dtype)
        net.weights, net.biases = weights, biases
        return net


#### The costs: each with its output activation and its output error, BP1
class QuadraticCost:
    """C = 1/2 ||a - y||^2, the cost of chapter 1, with sigmoid outputs."""
    name = "quadratic"

    @staticmethod
    def fn(a, y):
        """The cost, summed over the columns of a and y."""
        return 0.5 * np.sum((a - y) ** 2)

    @staticmethod
    def output(z):
        return sigmoid(z)

    @staticmethod
    def derivative(a, y):
        return a - y

    @staticmethod
    def delta(z, a, y):
        """BP1: delta^L = nabla_a C (Hadamard) sigma'(z^L)."""
        return (a - y) * sigmoid_prime(z)


class CrossEntropyCost:
    """C = -sum [y ln a + (1 - y) ln(1 - a)] (chapter 3), with sigmoid outputs."""
    name = "cross_entropy"

    @staticmethod
    def fn(a, y):
        """The cost, summed over the columns of a and y."""
        # An output that has saturated to exactly 0 or 1 would give log(0);
        # keeping a inside [eps, 1 - eps] reports a large, finite cost instead.
        eps = np.finfo(a.dtype).eps
        a = np.clip(a, eps, 1 - eps)
        return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))

    @staticmethod
    def output(z):
        return sigmoid(z)

    @staticmethod
    def derivative(a, y):
        return (a - y) / (a * (1 - a))

    @staticmethod
    def delta(z, a, y):
        """BP1: nabla_a C = (a - y) / (a (1 - a)) and sigma'(z) = a (1 - a)
        cancel, leaving delta^L = a - y: no slowdown when the output
        neurons saturate."""
        return a - y


class LogLikelihoodCost:
    """C = -ln a_y, the log-likelihood of the right class (chapter 3), with softmax outputs."""
    name = "log_likelihood"

    @staticmethod
    def fn(a, y):
        """The cost, summed over the columns of a and y."""
        return -np.sum(y * np.log(np.maximum(a, np.finfo(a.dtype).tiny)))

    @staticmethod
    def output(z):
        return softmax(z)

    @staticmethod
    def derivative(a, y):
        return -y / a

    @staticmethod
    def delta(z, a, y):
        """BP1 with softmax, whose outputs each depend on every z: the
        Jacobian of softmax times nabla_a C = -y / a is again a - y."""
        return a - y


COSTS = {cost.name: cost for cost in (QuadraticCost, CrossEntropyCost, LogLikelihoodCost)}


#### Miscellaneous functions: activations and their derivatives, initialisations
def sigmoid(z):
    """The sigmoid function, 1 / (1 + exp(-z)), applied elementwise."""
    # The same function written with tanh, because exp(-z) overflows, with
    # a warning, for z below about -709 (-88 in float32), and tanh never
    # does.  It costs time: on a CPU without AVX-512, numpy's tanh took 1.1
    # to 2.5 times as long as exp on arrays of this network's sizes.
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

# The standard deviation of the starting weights of a layer with n_in inputs.
INITS = {
    "gaussian": lambda n_in: 1.0,                  # chapter 1: N(0, 1)
    "scaled": lambda n_in: 1.0 / np.sqrt(n_in),    # chapter 3: N(0, 1/n_in)
    "he": lambda n_in: np.sqrt(2.0 / n_in),        # He et al. 2015: N(0, 2/n_in)
}


###########################################################################
#### The lesson ends here.  Below: the learning-rate schedule, the record
#### of each epoch, checks of arguments, conversion of data, saving and
#### loading, and the program.
###########################################################################

class DivergenceError(ArithmeticError):
    """Training diverged: the weights are no longer finite numbers."""


class Schedule:
    """The learning rate of each epoch, and when to stop, by chapter 3's
    rules, from the validation accuracy after each epoch."""

    def __init__(self, eta, epochs, stop_after, halve_eta_after, anneal):
        self.eta = self.start = eta
        self.epochs, self.stop_after = epochs, stop_after
        self.halve_eta_after, self.anneal = halve_eta_after, anneal
        self.varies = bool(halve_eta_after or anneal)
        self.best = None
        self.since_best = 0         # epochs without a new best validation accuracy
        self.since_change = 0       # the same, counted again after each halving

    def step(self, epoch, validation_accuracy):
        """Take note of the epoch's validation accuracy and set ``eta`` for
        the next epoch.  Return why training ends now, or None."""
        if validation_accuracy is not None and (self.best is None
                                                or validation_accuracy > self.best):
            self.best, self.since_best, self.since_change = validation_accuracy, 0, 0
        else:
            self.since_best += 1
            self.since_change += 1
        if epoch + 1 == self.epochs:
            return "epochs done"
        if self.stop_after and self.since_best >= self.stop_after:
            return "early stop"
        if self.halve_eta_after and self.since_change >= self.halve_eta_after:
            self.eta /= 2
            self.since_change = 0
            if self.eta <= self.start / 128:
                return "end of schedule"
        if self.anneal:
            self.eta = self.start * (1 - (epoch + 1) / self.epochs)
        return None

    def explain(self, stop):
        """A line saying why training ended early, or None."""
        if stop == "early stop":
            return f"Stopped early: no better validation accuracy in {self.stop_after} epochs"
        if stop == "end of schedule":
            return "Stopped: eta has been halved down to 1/128 of its start"
        return None


def epoch_record(net, epoch, seconds, eta, test_data, validation_data, lmbda, penalty, n):
    """Check that the weights are still finite and return the record of
    an epoch: a dict with keys "epoch", "seconds" (of training, without
    evaluation), "eta" (the learning rate the epoch used), "accuracy" and
    "cost" (on test_data) and "validation_accuracy", the last three None
    where there is no such data.  SGD adds "stop": None, or why training
    ended after this epoch: "epochs done", "early stop" or "end of
    schedule"."""
    if not all(np.isfinite(p).all() for p in net.weights + net.biases):
        raise DivergenceError(f"training diverged in epoch {epoch}: the weights are no "
                              f"longer finite. {divergence_advice(eta, lmbda)}")
    record = {"epoch": epoch, "seconds": seconds, "eta": eta, "accuracy": None,
              "cost": None, "validation_accuracy": None}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if test_data is not None:
            record["accuracy"] = net.evaluate(test_data)
            record["cost"] = net.total_cost(test_data, lmbda, n, penalty)
        if validation_data is not None:
            record["validation_accuracy"] = net.evaluate(validation_data)
    return record


def divergence_advice(eta, lmbda):
    """What to change when training diverged."""
    return (f"Try a smaller learning rate than eta={eta}"
            + (f", or a smaller lmbda than {lmbda}" if lmbda else "") + ".")


def print_epoch(record, test_data, validation_data, schedule, note):
    """Print the line of an epoch, in the book's words, then ``note``
    and, when training ends early, why."""
    line = f"Epoch {record['epoch']}"
    if test_data is not None:
        line += f": {record['accuracy']} / {len(test_data[1])}"
    else:
        line += " complete"
    if validation_data is not None:
        line += f", validation {record['validation_accuracy']} / {len(validation_data[1])}"
    if schedule.varies:
        line += f", eta {record['eta']:.4g}"
    print(f"{line}, {record['seconds']:.2f} s", flush=True)
    for extra in (note, schedule.explain(record["stop"])):
        if extra:
            print(extra, flush=True)


#### Checks of arguments, each raising an error that says what was expected
def check_network(sizes, activation, cost, init, seed, dtype):
    """Check the arguments of Network(); return the sizes as ints and the dtype."""
    if (not isinstance(sizes, (list, tuple)) or len(sizes) < 2
            or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                       for s in sizes)):
        raise ValueError(f"sizes must be a list of at least two positive integers, "
                         f"such as [784, 30, 10]; got {sizes!r}")
    sizes = [int(s) for s in sizes]
    check_choice("activation", activation, ACTIVATIONS)
    check_choice("cost", cost, COSTS)
    check_choice("init", init, INITS)
    check_seed(seed)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be np.float32 or np.float64, not {dtype}")
    # Refuse before allocating: weights, biases, their velocities and
    # gradients take about three times the parameters' bytes.
    needed = 3 * sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])) \
        * dtype.itemsize
    memory = physical_memory()
    if memory and needed > memory:
        raise ValueError(f"sizes {sizes} need about {needed / 1e9:,.1f} GB for the weights, their "
                         f"gradients and velocities, more than this machine's "
                         f"{memory / 1e9:,.1f} GB; choose smaller layers")
    return sizes, dtype


def physical_memory():
    """The machine's memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_sgd(net, training_data, epochs, mini_batch_size, eta, test_data, validation_data,
              lmbda, penalty, mu, stop_after, halve_eta_after, anneal, method):
    """Check the arguments of SGD; return the data as matrices."""
    check_hyperparameters(epochs, mini_batch_size, eta, lmbda, penalty, mu, stop_after,
                          halve_eta_after, anneal)
    check_choice("method", method, ("loop", "matrix"))
    for name, value in (("stop_after", stop_after), ("halve_eta_after", halve_eta_after)):
        if value is not None and validation_data is None:
            raise ValueError(f"{name} watches the validation accuracy: pass validation_data")
    X, Y = training_matrices(net, training_data)
    check_decay(eta, lmbda, penalty, X.shape[1])
    if test_data is not None:
        test_data = labelled_matrices(net, test_data, "test_data")
    if validation_data is not None:
        validation_data = labelled_matrices(net, validation_data, "validation_data")
    return X, Y, test_data, validation_data


def check_hyperparameters(epochs, mini_batch_size, eta, lmbda, penalty, mu, stop_after,
                          halve_eta_after, anneal, option=str):
    """Check SGD's hyper-parameters.  ``option`` turns a parameter's name
    into the one to show, such as "--mini-batch-size" for the program."""
    check_count(option("epochs"), epochs, minimum=0)
    check_count(option("mini_batch_size"), mini_batch_size, minimum=1)
    check_rate(option("eta"), eta, positive=True)
    check_rate(option("lmbda"), lmbda, positive=False)
    check_choice(option("penalty"), penalty, ("l2", "l1"))
    check_rate(option("mu"), mu, positive=False)
    if mu >= 1:
        raise ValueError(f"{option('mu')} must be below 1 (0.9 is usual), got {mu!r}")
    for name, value in (("stop_after", stop_after), ("halve_eta_after", halve_eta_after)):
        if value is not None:
            check_count(option(name), value, minimum=1)
    if anneal and halve_eta_after:
        raise ValueError(f"choose one learning-rate schedule: {option('anneal')} or "
                         f"{option('halve_eta_after')}")


def check_decay(eta, lmbda, penalty, n, option=str):
    """Refuse an L2 term that would make the weights grow without bound:
    w -> (1 - eta lmbda / n) w flips their sign and enlarges them when
    eta lmbda / n >= 2."""
    if penalty == "l2" and eta * lmbda / n >= 2:
        raise ValueError(f"{option('lmbda')}={lmbda} is too large for {option('eta')}={eta} "
                         f"and {n} training samples: the L2 term would multiply the weights by "
                         f"1 - eta lmbda / n = {1 - eta * lmbda / n:.3g} at every step, and they "
                         f"would grow without bound; choose lmbda below {2 * n / eta:.3g}")


def check_choice(what, name, choices):
    if not isinstance(name, str) or name not in choices:
        raise ValueError(f"unknown {what} {name!r}; choose one of: {', '.join(choices)}")
    return name


def check_count(what, value, minimum):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")


def check_seed(seed):
    if seed is not None:
        check_count("seed", seed, minimum=0)


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


#### Converting the data to matrices, once, before training
def training_matrices(net, data):
    """Return training data as a pair of matrices (X, Y), checked, in
    the network's dtype.  ``data`` is a list of (x, y) or already a
    pair (X, Y)."""
    if is_matrix_pair(data):
        X, Y = data
    else:
        X = input_matrix(data, net.sizes[0], "training_data")
        Y = stack_columns([y for _, y in data], net.sizes[-1], "y in training_data")
    check_matrix(X, net.sizes[0], "X of training_data")
    check_matrix(Y, net.sizes[-1], "Y of training_data", columns=X.shape[1])
    return as_data(X, net.dtype, "training_data"), as_data(Y, net.dtype, "training_data")


def labelled_matrices(net, data, name):
    """Return labelled data as (X, labels): inputs as columns, labels
    as a 1-D integer array.  ``data`` is a list of (x, label) or a
    pair (X, labels); a one-hot column serves as a label too."""
    if is_matrix_pair(data):
        X, labels = data
        labels = np.asarray(labels)
    else:
        X = input_matrix(data, net.sizes[0], name)
        labels = np.array([np.argmax(y) if np.ndim(y) else y for _, y in data])
    check_matrix(X, net.sizes[0], f"X of {name}")
    if labels.ndim == 2:
        labels = np.argmax(labels, axis=0)
    if labels.shape != (X.shape[1],) or labels.dtype.kind not in "iu":
        raise ValueError(f"{name}: expected {X.shape[1]} integer labels, got an array "
                         f"of shape {labels.shape} and dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= net.sizes[-1]):
        raise ValueError(f"{name}: labels must lie in 0..{net.sizes[-1] - 1}")
    return as_data(X, net.dtype, name), labels


def input_matrix(data, rows, name):
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
    return stack_columns([x for x, _ in data], rows, f"x in {name}")


def as_data(A, dtype, name):
    """Return A in the given dtype, refusing NaN and infinity."""
    # Column-major (Fortran) order keeps each sample's column contiguous
    # in memory, so that gathering a mini-batch's columns is a fast copy
    # of whole blocks, and a column viewed as a vector needs no copy.
    A = np.asfortranarray(A, dtype=dtype)
    if not np.isfinite(A).all():
        raise ValueError(f"{name} contains NaN or infinite values; clean the data first")
    return A


def stack_columns(vectors, rows, name):
    """Stack a list of (rows, 1) columns into one (rows, n) matrix."""
    for v in vectors:
        check_matrix(np.asarray(v), rows, name, columns=1)
    # Stacked as rows and transposed: column-major, as as_data wants it.
    return np.concatenate([np.asarray(v).T for v in vectors]).T


def is_matrix_pair(data):
    return (isinstance(data, tuple) and len(data) == 2
            and all(isinstance(a, np.ndarray) for a in data))


#### Saving and loading
def write_atomically(path, write):
    """Call write(f) on a temporary file next to ``path``, then rename it
    to ``path``: readers see the old file or the whole new one, never a
    part of it, even if writing fails or is interrupted.  The file gets
    the permissions that the user's umask gives a new file."""
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".",
                               prefix=os.path.basename(path) + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())   # mkstemp makes it private: 0600
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def current_umask():
    mask = os.umask(0o022)         # the only way to read it is to set it
    os.umask(mask)
    return mask


MAX_LAYERS = 1000


class NotANetwork(ValueError):
    """A file is not a network saved by Network.save."""

    def __init__(self, path, problem):
        super().__init__(f"{path} is not a network saved by Network.save: {problem}. "
                         f"Save the network again, or check the path.")


def read_network(path):
    """Read a file written by Network.save.  Return ((sizes, activation,
    cost, init), weights, biases).  Each array's shape and dtype are
    checked in its header before it is read, so that a damaged file
    cannot make it allocate absurd amounts.  Raises NotANetwork, a
    ValueError saying what is wrong, for any other file."""
    if os.path.isdir(path):
        raise NotANetwork(path, "it is a directory")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise NotANetwork(path, "it is not a .npz archive, or it is cut short") from None
    with archive:
        sizes = read_member(archive, path, "sizes", "iu",
                            lambda shape: len(shape) == 1 and shape[0] <= MAX_LAYERS + 1)
        names = [str(read_member(archive, path, name, "U", lambda shape: shape == ()))
                 for name in ("activation", "cost", "init")]
        try:
            sizes, dtype = check_network(sizes.tolist(), *names, None,
                                         member_header(archive, path, "w0")[1])
        except (TypeError, ValueError) as e:
            raise NotANetwork(path, e) from None
        weights = [read_member(archive, path, f"w{i}", dtype.char, lambda s, n=(y, x): s == n)
                   for i, (x, y) in enumerate(zip(sizes[:-1], sizes[1:]))]
        biases = [read_member(archive, path, f"b{i}", dtype.char, lambda s, n=(y, 1): s == n)
                  for i, y in enumerate(sizes[1:])]
    if not all(np.isfinite(a).all() for a in weights + biases):
        raise NotANetwork(path, "it holds NaN or infinite weights")
    return (sizes, *names), weights, biases


def member_header(archive, path, name):
    """Return the shape and dtype of the array ``name`` of a .npz archive,
    read from its header."""
    headers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    try:
        with archive.open(name + ".npy") as f:
            version = np.lib.format.read_magic(f)
            if version not in headers:
                raise NotANetwork(path, f"{name} has an unknown format")
            shape, _, dtype = headers[version](f)
            return shape, dtype
    except KeyError:
        raise NotANetwork(path, f"it lacks {name}") from None
    except NotANetwork:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):
        raise NotANetwork(path, f"{name} is damaged") from None


def read_member(archive, path, name, kinds, shape_ok):
    """Return the array ``name`` of a .npz archive, once its header has
    shown a dtype of one of the ``kinds`` ("f" float, "iu" integer, "U"
    string, or a dtype's character) and a shape for which shape_ok(shape)
    is true."""
    shape, dtype = member_header(archive, path, name)
    if dtype.kind not in kinds and dtype.char not in kinds:
        raise NotANetwork(path, f"{name} has dtype {dtype}")
    if not shape_ok(shape):
        raise NotANetwork(path, f"{name} has the wrong shape, {shape}")
    try:
        with archive.open(name + ".npy") as f:
            return np.lib.format.read_array(f, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):
        raise NotANetwork(path, f"{name} is damaged") from None


#### The program: python network.py
def main(argv=None):
    """Train a network on MNIST and report its accuracy, epoch by epoch.
    Without options this is the book's chapter 1 run.  Returns the exit
    status: 0, 1 for a failure, 130 after Ctrl-C and 143 after SIGTERM."""
    parser = argument_parser()
    args = parser.parse_args(argv)
    import mnist_loader                     # only the program needs the data
    try:
        net = check_options(args)
    except (ValueError, TypeError) as e:
        parser.error(str(e))
    signals = []

    def interrupt(signum, frame):
        signals.append(signum)
        raise KeyboardInterrupt
    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    progress = {}
    try:
        # No numpy warning reaches the user: what goes wrong is reported.
        with np.errstate(all="ignore"):
            return train(args, net, progress, mnist_loader)
    except KeyboardInterrupt:
        signum = signals[0] if signals else signal.SIGINT
        print(f"\n{'Interrupted' if signum == signal.SIGINT else 'Terminated'}: "
              f"{'training stopped' if 'data' in progress else 'while loading the data'}.",
              flush=True)
        report_best(args, net, progress)
        return 128 + signum
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def train(args, net, progress, mnist_loader):
    """Load MNIST and train ``net`` as ``args`` say.  In ``progress`` go
    the sizes of the validation and test data, once loaded ("data"), and
    the record and network of the epoch with the best validation accuracy
    so far ("record", "weights", "biases")."""
    try:
        training, validation, test = mnist_loader.load_data_matrices(
            args.data, dtype=net.dtype, expand=args.expand)
    except (mnist_loader.MNISTError, OSError) as e:
        print(f"network.py: {e}", file=sys.stderr)
        return 1
    progress["data"] = len(validation[1]), len(test[1])

    def keep_best(record):
        # Kept before the epoch's line is printed: Ctrl-C after a line
        # never saves an older epoch.
        if "record" not in progress or record["validation_accuracy"] > \
                progress["record"]["validation_accuracy"]:
            progress.update(record=record, weights=[w.copy() for w in net.weights],
                            biases=[b.copy() for b in net.biases])
        if args.dead:
            return ("  dead units per hidden layer: "
                    + ", ".join(f"{f:.1%}" for f in net.dead_fraction(training[0])))
    try:
        net.SGD(training, args.epochs, args.mini_batch_size, args.eta, test,
                lmbda=args.lmbda, penalty=args.penalty, mu=args.mu,
                stop_after=args.stop_after, halve_eta_after=args.halve_eta_after,
                anneal=args.anneal, transform=shifter(mnist_loader, args.shift),
                method=args.method, validation_data=validation, on_epoch=keep_best)
    except DivergenceError as e:
        print(f"network.py: {e}", file=sys.stderr)
        report_best(args, net, progress)
        return 1
    return 0 if report_best(args, net, progress) else 1


def shifter(mnist_loader, pixels):
    """The transform of --shift: None, or random shifts of up to ``pixels``."""
    if not pixels:
        return None
    return lambda X, rng: mnist_loader.shift_randomly(X, rng, pixels)


def report_best(args, net, progress):
    """Print the best epoch and, with --save, save its network, with
    Ctrl-C held back until the file is written (where the system can hold
    signals back).  Return False when the network could not be saved."""
    if "record" not in progress:
        if args.save:
            print(f"No epoch was completed: nothing was saved to {args.save}.", flush=True)
        return True
    r = progress["record"]
    validation_size, test_size = progress["data"]
    print(f"Best validation accuracy {r['validation_accuracy'] / validation_size:.2%} "
          f"in epoch {r['epoch']}, where the test accuracy is "
          f"{r['accuracy'] / test_size:.2%}", flush=True)
    if not args.save:
        return True
    net.weights, net.biases = progress["weights"], progress["biases"]
    can_hold = hasattr(signal, "pthread_sigmask")              # not on Windows
    if can_hold:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        net.save(args.save)
    except OSError as e:
        print(f"network.py: could not save the network to {args.save}: {e}", file=sys.stderr)
        return False
    finally:
        if can_hold:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
    print(f"Saved the network of epoch {r['epoch']} to {args.save}", flush=True)
    return True


def argument_parser():
    parser = argparse.ArgumentParser(
        description="Train a neural network on the MNIST handwritten digits. Without options "
                    "this is the run of chapter 1 of Neural Networks and Deep Learning.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add = parser.add_argument
    add("--sizes", type=int, nargs="+", default=[784, 30, 10], metavar="N",
        help="neurons per layer, inputs first; MNIST needs 784 inputs, 10 outputs")
    add("--activation", choices=ACTIVATIONS, default="sigmoid",
        help="activation function of the hidden layers")
    add("--cost", choices=COSTS, default="quadratic",
        help="cost function; log_likelihood puts a softmax on the output layer")
    add("--init", choices=INITS, default="gaussian",
        help="weight initialisation: N(0,1), N(0,1/n_in) or N(0,2/n_in)")
    add("--epochs", type=int, default=30)
    add("--mini-batch-size", type=int, default=10)
    add("--eta", type=float, default=3.0, help="learning rate")
    add("--lmbda", type=float, default=0.0, help="regularisation parameter")
    add("--penalty", choices=("l2", "l1"), default="l2",
        help="regularisation: L2 (weight decay) or L1")
    add("--mu", type=float, default=0.0, help="momentum coefficient; 0 is plain SGD")
    add("--stop-after", type=int, metavar="N",
        help="stop after N epochs without a better validation accuracy")
    add("--halve-eta-after", type=int, metavar="N",
        help="halve eta after N epochs without a better validation accuracy; stop when eta "
             "has fallen to 1/128 of its start")
    add("--anneal", action="store_true",
        help="lower eta linearly from its start to zero over the epochs")
    add("--expand", action="store_true",
        help="train on 250,000 images: each training image and its copies shifted by one "
             "pixel up, down, left and right (chapter 3)")
    add("--shift", type=int, default=0, metavar="PIXELS",
        help="each epoch, move every training image by up to PIXELS pixels down or up and "
             "right or left, drawn at random afresh (beyond the book)")
    add("--method", choices=("loop", "matrix"), default="matrix",
        help="backprop one sample at a time (loop) or a mini-batch at once (matrix)")
    add("--seed", type=int, default=0, help="random seed, for a reproducible run")
    add("--dtype", choices=("float64", "float32"), default="float64",
        help="float32 is faster, the more so the larger the network")
    add("--data", metavar="DIR",
        help="directory holding the MNIST files (default: $MNIST_DATA_DIR, then the cache, "
             "then a download)")
    add("--save", metavar="PATH",
        help="save the network of the epoch with the best validation accuracy to PATH (.npz), "
             "also when stopped with Ctrl-C")
    add("--dead", action="store_true",
        help="print the fraction of dead units of each hidden layer every epoch "
             "(relu and leaky_relu)")
    return parser


def check_options(args):
    """Check every option that can fail, before any work; return the network."""
    if args.sizes[0] != 784 or args.sizes[-1] != 10:
        raise ValueError(f"MNIST needs 784 inputs and 10 outputs, as in --sizes 784 30 10; "
                         f"got --sizes {' '.join(map(str, args.sizes))}")
    if args.dead and args.activation not in ("relu", "leaky_relu"):
        raise ValueError("--dead needs --activation relu or leaky_relu")
    if not 0 <= args.shift <= 4:
        raise ValueError(f"--shift must be 0 to 4 pixels (MNIST's digits have a margin of "
                         f"about 4), got {args.shift}")
    if args.expand and args.shift:
        raise ValueError("choose one of --expand and --shift")
    check_count("--epochs", args.epochs, minimum=1)
    check_count("--seed", args.seed, minimum=0)
    check_hyperparameters(args.epochs, args.mini_batch_size, args.eta, args.lmbda, args.penalty,
                          args.mu, args.stop_after, args.halve_eta_after, args.anneal,
                          option_name)
    check_decay(args.eta, args.lmbda, args.penalty, 250000 if args.expand else 50000,
                option_name)
    if args.data is not None and not args.data:
        raise ValueError("--data needs a directory; leave the option out to use "
                         "$MNIST_DATA_DIR or the cache")
    if args.save is not None:
        check_writable(args.save)
    return Network(args.sizes, args.activation, args.cost, args.init, seed=args.seed,
                   dtype=np.dtype(args.dtype))


def option_name(name):
    """The command-line option of an SGD parameter: mini_batch_size -> --mini-batch-size."""
    return "--" + name.replace("_", "-")


def check_writable(path):
    """Raise ValueError unless a network can be saved at ``path``: try
    the temporary file that saving will write."""
    if not path or path.endswith(os.sep) or os.path.isdir(path):
        raise ValueError(f"--save needs a file name, such as net.npz, not "
                         f"{'the directory ' + repr(path) if path else 'an empty one'}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"--save: the directory {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".",
                                   suffix=".part")
    except OSError as e:
        raise ValueError(f"--save: cannot write {path}: {e.strerror}; choose another "
                         f"path") from None
    os.close(fd)
    os.unlink(tmp)


if __name__ == "__main__":
    sys.exit(main())
