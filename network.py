"""
network.py
~~~~~~~~~~

A feedforward neural network that learns by stochastic gradient descent,
with the gradient of the cost computed by backpropagation.  It follows
the ``network.py`` and ``network2.py`` of Michael Nielsen's book *Neural
Networks and Deep Learning* (chapters 1 to 3, and chapter 5's measure of
the unstable gradient), and adds what the book leaves as exercises or
asides:

* The fully matrix-based backpropagation of a whole mini-batch (a
  problem of chapter 2).  The mini-batch is one matrix whose columns are
  the samples, so each layer makes one matrix product for all of them
  instead of one per sample.  ``backprop_batch`` stands next to the
  book's per-sample ``backprop``, line for line, so that the two can be
  read in parallel; the tests prove they give the same gradient.

* Chapter 3's techniques: the cross-entropy cost, softmax outputs with
  the log-likelihood cost, L2 and L1 regularisation, momentum, early
  stopping, and the schedule that halves the learning rate.

* ReLU, Leaky ReLU and tanh hidden layers beside the sigmoid, with
  He initialisation, and ``dead_fraction`` to watch ReLU units "die":
  a unit whose weighted input is never positive, whatever the input,
  outputs zero and gets a zero gradient, so it never learns again.

* ``speed_of_learning``, chapter 5's "speed of learning" of each hidden
  layer, to watch the gradient vanish (or explode) in deep networks, and
  the cures above at work.

Shapes are the book's: an input ``x`` is a column vector of shape
(n_in, 1), never a flat (n_in,) array, and a mini-batch ``X`` has shape
(n_in, m), one sample per column.  Only numpy is needed.  Where the code
departs from the book:

* ``l`` counts layers from the end in ``backprop`` (l = 1 is the output
  layer), as the book's code does, not from the input as chapter 2 does.
* BP2 uses the hidden layers' activation; the output layer's belongs to
  the cost and is in BP1 (``output_error``).
* The costs that SGD measures divide the regularisation term by n, the
  size of the training set, as the update rule does; network2 divides
  by the size of the data being evaluated.
* With momentum, the weight decay of L2 and L1 acts on the weights
  directly, not through the velocity (as in "decoupled weight decay");
  without momentum the two are the same.
* ``SGD`` returns a history, one record per epoch, and shuffles with the
  network's own random generator, so that a seed makes a run
  reproducible; ``save`` writes numpy arrays where network2 writes JSON.

Below the banner that ends the lesson: turning the book's lists into
matrices, the checks of what the lesson's methods are given, and reading
and writing files.  ``python network.py`` runs the program that watches
the network learn MNIST, ``command_line.py``.
"""

import os
import time
import zipfile

# python network.py runs the program, command_line.py, and ends there; before
# numpy loads, so that even an early Ctrl-C meets the program's own handler.
if __name__ == "__main__":
    import runpy
    runpy.run_module("command_line", run_name="__main__")

import numpy as np


class Network:

    def __init__(self, sizes, activation="sigmoid", cost="quadratic",
                 init="gaussian", penalty="l2", seed=None, dtype=np.float64):
        """``sizes`` lists the number of neurons in each layer: [784, 30, 10]
        is a network with 784 inputs, one hidden layer of 30 neurons and
        10 outputs.  ``activation`` is the hidden layers' activation
        function; the output layer's belongs to the ``cost``: sigmoid for
        "quadratic" and "cross_entropy", softmax for "log_likelihood".
        ``init`` chooses the weights' starting spread: "gaussian" draws
        them from N(0, 1) as in chapter 1, "scaled" from N(0, 1/n_in) as in
        chapter 3, "he" from N(0, 2/n_in).  Biases start as N(0, 1), or at
        zero with "he", as in He et al.'s paper; the input layer has none.
        ``penalty``, "l2" or "l1", chooses chapter 3's regularisation term,
        whose parameter lmbda SGD and the measures take (see ``total_cost``
        for the term, ``descend`` for its weight decay).

        ``seed`` makes a run reproducible: it seeds the random generator
        that draws the starting weights and shuffles the training data.
        ``dtype`` is np.float64 (exact enough for gradient checks) or
        np.float32 (faster, the more so the larger the network)."""
        cost = getattr(cost, "name", cost)         # the cost may be given as its class too
        check_network(sizes, activation, cost, init, dtype, penalty)
        self.dtype = np.dtype(dtype)
        self.sizes = [int(s) for s in sizes]
        self.num_layers = len(sizes)
        self.activation, self.init, self.penalty = activation, init, penalty
        self.cost = COSTS[cost]
        self.sigma, self.sigma_prime = ACTIVATIONS[activation]
        # The activation function of each layer after the input layer.
        self.sigmas = [self.sigma] * (self.num_layers - 2) + [self.cost.output]
        self.rng = np.random.default_rng(seed)
        std = INITS[init]
        # Room for the weights first, so that a network too large for memory fails at once.
        self.weights = [np.empty((y, x), self.dtype)
                        for x, y in zip(self.sizes[:-1], self.sizes[1:])]
        self.biases = [np.zeros((y, 1), self.dtype) if init == "he"
                       else self.rng.standard_normal((y, 1)).astype(self.dtype)
                       for y in self.sizes[1:]]
        for x, w in zip(self.sizes[:-1], self.weights):         # drawn after the biases, as ever
            np.multiply(std(x), self.rng.standard_normal(w.shape), out=w)
        # Momentum's velocities, one per weight and bias (chapter 3).
        self.velocities = [np.zeros_like(p) for p in self.weights + self.biases]

    def feedforward(self, a):
        """Return the output of the network for the input ``a``: a column
        of shape (n_in, 1), or a matrix of shape (n_in, m) whose m columns
        are inputs, giving m output columns."""
        check_shape(a, (self.sizes[0], None), "a")
        for b, w, sigma in zip(self.biases, self.weights, self.sigmas):
            a = sigma(np.dot(w, a) + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, *,
            validation_data=None, lmbda=0.0, mu=0.0, rules=None, transform=None,
            method="matrix", on_epoch=None):
        """Train the network with mini-batch stochastic gradient descent.
        ``training_data`` is a list of tuples (x, y), x an input column and
        y the desired output column, or a pair of matrices (X, Y) holding
        those columns side by side.  ``eta`` is the learning rate, ``lmbda``
        the regularisation parameter of the network's ``penalty``, and
        ``mu`` the momentum coefficient.  ``rules`` are chapter 3's rules
        for eta and for stopping early, such as {"stop_after": 10} (see
        ``schedule``).  ``transform(X, rng)``, if given, makes each epoch's
        training inputs from X (such as mnist_loader.shift_randomly).
        ``method`` is "loop", the book's backprop one sample at a time, or
        "matrix", one ``backprop_batch`` per mini-batch: from the same seed
        both make the same training run, to rounding.

        After each epoch the network is measured on ``test_data`` and
        ``validation_data`` (lists of (x, label), or pairs (X, labels)), if
        given, and ``on_epoch(record)`` is called, or the book's line
        printed.  Returns a record per epoch: its "epoch", "seconds" of
        training, "eta", the "accuracy" (the number right) and "cost" on
        the test data, "validation_accuracy" and "validation_cost" (None
        where not measured), and "stop", None or why training stopped.  To
        watch the training data too, as network2 can, measure them in
        ``on_epoch`` with ``accuracy_and_cost``."""
        X, Y = as_matrices(training_data, self, "training_data")
        test_data = as_matrices(test_data, self, "test_data", labelled=True)
        validation_data = as_matrices(validation_data, self, "validation_data", labelled=True)
        rules = rules or {}
        n = X.shape[1]
        check_training(mini_batch_size, eta, lmbda, n, self.penalty, method, rules, validation_data)
        self.velocities = [np.zeros_like(p) for p in self.weights + self.biases]  # momentum at rest
        history, eta_j = [], eta
        for j in range(epochs):
            start = time.perf_counter()
            X_j = X if transform is None else transform(X, self.rng)
            order = self.rng.permutation(n)
            # A diverging run overflows: check_finite says so once, not numpy at every step.
            with np.errstate(over="ignore", invalid="ignore"):
                for k in range(0, n, mini_batch_size):
                    batch = order[k:k + mini_batch_size]
                    if method == "matrix":
                        self.update_mini_batch_matrix(X_j[:, batch], Y[:, batch], eta_j,
                                                      lmbda, n, mu)
                    else:           # the book's list of (x, y): views of columns, not copies
                        self.update_mini_batch([(X_j[:, i:i + 1], Y[:, i:i + 1]) for i in batch],
                                               eta_j, lmbda, n, mu)
                record = {"epoch": j, "seconds": time.perf_counter() - start, "eta": eta_j}
                check_finite(self.weights + self.biases, j, eta_j, lmbda)
                for prefix, data in (("", test_data), ("validation_", validation_data)):
                    record[prefix + "accuracy"], record[prefix + "cost"] = (
                        (None, None) if data is None
                        else self.accuracy_and_cost(data, lmbda, n))
            history.append(record)
            eta_j, record["stop"] = schedule(eta, history, epochs, **rules)
            if on_epoch:
                on_epoch(record)
            else:                   # the book's line, and why training stops, if it does
                print(f"Epoch {j}: {record['accuracy']} / {len(test_data[1])}" if test_data
                      else f"Epoch {j} complete")
                if record["stop"]:
                    print(record["stop"])
            if record["stop"]:
                break
        return history

    def update_mini_batch(self, mini_batch, eta, lmbda=0.0, n=None, mu=0.0):
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
        self.descend(nabla_b, nabla_w, len(mini_batch), eta, lmbda, n, mu)

    def update_mini_batch_matrix(self, X, Y, eta, lmbda=0.0, n=None, mu=0.0):
        """The same step as ``update_mini_batch``, for the mini-batch whose
        inputs are the columns of X and desired outputs the columns of Y:
        one call of ``backprop_batch`` gives the summed gradient."""
        nabla_b, nabla_w = self.backprop_batch(X, Y)
        self.descend(nabla_b, nabla_w, X.shape[1], eta, lmbda, n, mu)

    def descend(self, nabla_b, nabla_w, m, eta, lmbda, n, mu=0.0):
        """Take one step of gradient descent with the gradient summed over
        a mini-batch of m samples.  First the weight decay of the network's
        penalty (chapter 3), where n is the size of the training set:
            L2: w -> (1 - eta lmbda / n) w
            L1: w -> w - (eta lmbda / n) sgn(w)
        then the step down the gradient of the cost, for every weight and
        bias p, through its velocity v when mu > 0 (momentum, chapter 3):
            v -> mu v - (eta / m) sum_x nabla_p C_x,   p -> p + v
        With mu = 0 that is the book's step: p -> p - (eta / m) sum_x nabla_p C_x.
        nabla_b and nabla_w are scaled in place on the way."""
        if lmbda and not n:
            raise ValueError("with lmbda > 0, pass n, the size of the training set")
        # In place, to spare each step new arrays as large as the weights.
        if lmbda and self.penalty == "l2":
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
        check_shape(x, (self.sizes[0], 1), "x")
        check_shape(y, (self.sizes[-1], 1), "y")
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
        check_shape(X, (self.sizes[0], None), "X")
        check_shape(Y, (self.sizes[-1], X.shape[1]), "Y")
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
        with respect to the output activations.  The book's interface: the
        training path asks ``output_error`` for BP1 whole."""
        return self.cost.derivative(output_activations, y)

    def evaluate(self, test_data):
        """Return the number of test inputs for which the network outputs
        the right label; the network's answer is the index of its most
        active output neuron.  ``test_data`` is a list of (x, label) or a
        pair (X, labels): labels, not one-hot columns.  The book's
        interface: SGD measures with ``accuracy_and_cost``, which gives
        this and the cost at once."""
        X, labels = as_matrices(test_data, self, "test_data", labelled=True)
        return int(np.sum(np.argmax(self.feedforward(X), axis=0) == labels))

    def total_cost(self, data, lmbda=0.0, n=None):
        """Return the cost averaged over ``data`` (a list of (x, label) or
        a pair (X, labels)), plus the network's regularisation term, where n
        is the size of the training set (by default, of ``data``):
            L2: (lmbda / 2n) sum w^2        L1: (lmbda / n) sum |w|
        The book's interface, as ``evaluate`` is."""
        return self.accuracy_and_cost(data, lmbda, n)[1]

    def accuracy_and_cost(self, data, lmbda=0.0, n=None):
        """Return (self.evaluate(data), self.total_cost(data, lmbda, n)),
        from one feedforward: what SGD measures each epoch."""
        X, labels = as_matrices(data, self, "data", labelled=True)
        m = X.shape[1]
        A = self.feedforward(X)
        Y = np.zeros((self.sizes[-1], m), self.dtype)
        Y[labels, np.arange(m)] = 1
        cost = self.cost.fn(A, Y) / m
        if lmbda and self.penalty == "l2":
            cost += 0.5 * (lmbda / (n or m)) * sum(np.sum(w ** 2) for w in self.weights)
        elif lmbda:
            cost += (lmbda / (n or m)) * sum(np.sum(np.abs(w)) for w in self.weights)
        return int(np.sum(np.argmax(A, axis=0) == labels)), float(cost)

    def dead_fraction(self, X):
        """Return, for each hidden layer, the fraction of its units that
        are dead on the inputs that are the columns of X: units whose
        weighted input z is <= 0 for every input.  A dead ReLU outputs 0
        and has gradient 0 for all of them, so gradient descent can never
        revive it.  A Leaky ReLU unit in that state still passes a small
        gradient, so it can recover."""
        if self.activation not in ("relu", "leaky_relu"):
            raise ValueError(f"dead units are a ReLU notion; this network's "
                             f"hidden layers are {self.activation}")
        check_shape(X, (self.sizes[0], None), "X")
        if not np.shape(X)[1]:
            raise ValueError("dead_fraction needs at least one image: X has no columns")
        fractions = []
        a = X
        for b, w in zip(self.biases[:-1], self.weights[:-1]):
            z = np.dot(w, a) + b
            fractions.append(float(np.mean(np.all(z <= 0, axis=1))))
            a = self.sigma(z)
        return fractions

    def speed_of_learning(self, X, Y):
        """Return, for each hidden layer l, chapter 5's "speed of learning":
        ||delta^l||, the length of the vector of dC/db^l_j = delta^l_j,
        where C is the cost averaged over the samples whose inputs are the
        columns of X and desired outputs the columns of Y.  The book
        measures it on the first 1,000 training images.  When it is far
        smaller in the early layers than in the later ones the gradient
        vanishes; far larger, it explodes."""
        if np.shape(X)[1:] == (0,):
            raise ValueError("speed_of_learning needs at least one image: X has no columns")
        nabla_b, _ = self.backprop_batch(X, Y)
        return [float(np.linalg.norm(nb)) / X.shape[1] for nb in nabla_b[:-1]]

    def save(self, path):
        """Save the network to ``path`` as a .npz file of numpy arrays: its
        sizes, the names of its activation, cost and initialisation, and
        its weights and biases (not its penalty, which belongs to training,
        as eta does).  The file is written whole or not at all."""
        arrays = {"sizes": self.sizes, "activation": self.activation,
                  "cost": self.cost.name, "init": self.init}
        arrays.update({f"w{i}": w for i, w in enumerate(self.weights)})
        arrays.update({f"b{i}": b for i, b in enumerate(self.biases)})
        write_atomically(path, lambda f: np.savez(f, **arrays))

    @classmethod
    def load(cls, path, seed=None):
        """Return the network that ``save`` wrote to ``path``; ``seed``
        seeds its random generator for further training.  Only numpy
        arrays are read, never a pickle, and a file that is not a saved
        network raises ValueError (see ``read_saved``)."""
        sizes, names, weights, biases = read_saved(path)
        net = cls(sizes, *names, dtype=weights[0].dtype)
        net.weights, net.biases = weights, biases
        net.rng = np.random.default_rng(seed)
        return net


def schedule(eta, history, epochs, stop_after=None, halve_eta_after=None, anneal=False):
    """Chapter 3's rules for the learning rate and for stopping early,
    applied to the records of the epochs so far.  Return the learning
    rate of the next epoch, and None or why training stops now:
    * ``stop_after``: stop after that many epochs in a row without a new
      best validation accuracy (early stopping);
    * ``halve_eta_after``: halve eta after that many epochs without a new
      best, counted again after each halving, and stop once eta has
      fallen to 1/128 of its start (the book's exercise);
    * ``anneal``: lower eta linearly from its start to zero over the
      ``epochs``.
    SGD's ``rules`` are the keyword arguments, such as {"stop_after": 10}."""
    current = history[-1]["eta"]
    if len(history) == epochs:                  # the last epoch: nothing to decide
        return current, None
    scores = [record["validation_accuracy"] for record in history]
    since_best = 0
    if scores[-1] is not None:
        since_best = len(scores) - 1 - scores.index(max(scores))
    at_this_eta = sum(record["eta"] == current for record in history)
    if stop_after and since_best >= stop_after:
        return current, f"Stopped early: no better validation accuracy in {stop_after} epochs"
    if halve_eta_after and min(since_best, at_this_eta) >= halve_eta_after:
        current /= 2
        if current <= eta / 128:
            return current, "Stopped: eta has been halved down to 1/128 of its start"
    if anneal:
        current = eta * (1 - len(history) / epochs)
    return current, None


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
        """BP1: delta^L = nabla_a C (Hadamard) sigma'(z^L), with nabla_a C =
        a - y, the derivative above."""
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
        Jacobian of softmax times nabla_a C = -y / a is again a - y, for a
        one-hot y."""
        return a - y


COSTS = {cost.name: cost for cost in (QuadraticCost, CrossEntropyCost, LogLikelihoodCost)}


#### Miscellaneous functions: activations and their derivatives, initialisations
def sigmoid(z):
    """The sigmoid function, 1 / (1 + exp(-z)), applied elementwise."""
    # Written with tanh, which never overflows, where exp(-z) does below
    # about -709 (-88 in float32).
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

# The standard deviation s of a layer's starting weights, N(0, s^2), for n_in inputs.
INITS = {
    "gaussian": lambda n_in: 1.0,                  # chapter 1: N(0, 1)
    "scaled": lambda n_in: 1.0 / np.sqrt(n_in),    # chapter 3: N(0, 1/n_in)
    "he": lambda n_in: np.sqrt(2.0 / n_in),        # He et al. 2015: N(0, 2/n_in)
}


###########################################################################
#### The lesson ends here.  Below: turning the book's lists into
#### matrices, the checks of what the lesson's methods are given, and
#### reading and writing files.
###########################################################################

class DivergenceError(ArithmeticError):
    """Training diverged: the weights are no longer finite numbers."""


def as_matrices(data, net, name, labelled=False):
    """Return ``data``, the book's list of tuples (x, y) or (x, label), or
    already a pair of arrays, as a pair (X, Y) whose columns are the
    samples: X the inputs in the network's dtype, Y the desired outputs
    or, if ``labelled``, a 1-D array of labels.  None stays None."""
    if data is None:
        return None
    if isinstance(data, list):
        if not data:
            raise ValueError(f"{name} is empty")
        for x, y in data:
            check_shape(x, (net.sizes[0], 1), f"x in {name}")
            if not labelled and np.ndim(y) == 0:
                raise ValueError(f"y in {name} is a label, {y!r}; training takes the desired "
                                 f"output, a one-hot column of shape ({net.sizes[-1]}, 1)")
            if not labelled:
                check_shape(y, (net.sizes[-1], 1), f"y in {name}")
        xs, ys = zip(*data)
        data = (np.hstack(xs), np.array(ys) if labelled else np.hstack(ys))
    if not (isinstance(data, tuple) and len(data) == 2):
        hint = ("; zip() gives an iterator in Python 3: pass list(zip(...))"
                if isinstance(data, zip) else "; lmbda and the options after it are "
                "keyword-only, as in lmbda=5.0" if isinstance(data, (int, float)) else "")
        raise TypeError(f"{name} must be a list of (x, y) tuples or a pair of matrices (X, Y), "
                        f"not {type(data).__name__}{hint}")
    X, Y = data
    check_shape(X, (net.sizes[0], None), f"X of {name}")
    if np.shape(X)[1] == 0:
        raise ValueError(f"{name} is empty")
    # Column-major (Fortran) order keeps each sample's column contiguous
    # in memory, so that gathering a mini-batch's columns copies whole blocks.
    X = np.asfortranarray(X, net.dtype)
    if labelled:
        Y = np.asarray(Y)
        if not (Y.shape == X.shape[1:] and Y.dtype.kind in "iu"
                and 0 <= Y.min() <= Y.max() < net.sizes[-1]):
            raise ValueError(f"{name}: expected {X.shape[1]} integer labels from 0 to "
                             f"{net.sizes[-1] - 1} (labels, not one-hot columns), got an array "
                             f"of shape {Y.shape}, {Y.dtype}")
    else:
        check_shape(Y, (net.sizes[-1], X.shape[1]), f"Y of {name}")
        Y = np.asfortranarray(Y, net.dtype)
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ValueError(f"{name} contains NaN or infinite values; clean the data first")
    return X, Y


def check_shape(a, shape, name):
    """Raise ValueError unless the array ``a`` has the ``shape`` given, a
    pair whose second entry may be None, for any number of columns; a flat
    vector gets the advice that mends it."""
    found = np.shape(a)
    if len(found) == 2 and found[0] == shape[0] and shape[1] in (None, found[1]):
        return
    if found == shape[:1]:
        raise ValueError(f"{name} has shape {found}, a flat vector; the network takes columns "
                         f"of shape ({shape[0]}, 1): reshape it with .reshape(-1, 1)")
    raise ValueError(f"{name} has shape {found}; expected "
                     f"({shape[0]}, {'m' if shape[1] is None else shape[1]})")


def check_choice(what, name, choices):
    if name not in choices:
        raise ValueError(f"unknown {what} {name!r}; choose one of: {', '.join(choices)}")


def check_network(sizes, activation, cost, init, dtype, penalty="l2"):
    """Refuse what no Network can be made of."""
    if not (np.iterable(sizes) and len(sizes) >= 2
            and all(isinstance(s, (int, np.integer)) and s > 0 for s in sizes)):
        raise ValueError(f"sizes must list at least two positive integers, such as "
                         f"[784, 30, 10]; got {sizes!r}")
    check_choice("activation", activation, ACTIVATIONS)
    check_choice("cost", cost, COSTS)
    check_choice("init", init, INITS)
    check_choice("penalty", penalty, ("l2", "l1"))
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise TypeError(f"dtype must be np.float32 or np.float64, not {np.dtype(dtype)}")


def check_training(mini_batch_size, eta, lmbda, n, penalty, method, rules, validation_data):
    """Refuse, before any work, what SGD could not follow."""
    if not (isinstance(mini_batch_size, (int, np.integer)) and mini_batch_size > 0):
        raise ValueError(f"mini_batch_size must be a positive integer, such as 10; "
                         f"got {mini_batch_size!r}")
    check_choice("penalty", penalty, ("l2", "l1"))
    check_choice("method", method, ("loop", "matrix"))
    for rule in rules:
        check_choice("rule", rule, ("stop_after", "halve_eta_after", "anneal"))
    if (rules.get("stop_after") or rules.get("halve_eta_after")) and validation_data is None:
        raise ValueError("stop_after and halve_eta_after watch the validation accuracy: "
                         "pass validation_data")
    if rules.get("halve_eta_after") and rules.get("anneal"):
        raise ValueError("choose one learning-rate schedule: halve_eta_after or anneal")
    check_l2(eta, lmbda, n, penalty)


def check_l2(eta, lmbda, n, penalty="l2"):
    """Refuse an L2 term that no longer shrinks the weights: once eta
    lmbda / n >= 2, w -> (1 - eta lmbda / n) w flips their sign and keeps
    or enlarges their size, and they grow without bound."""
    if penalty == "l2" and eta * lmbda / n >= 2:
        raise ValueError(f"lmbda={lmbda} is too large for eta={eta} and {n} training samples: "
                         f"each step would multiply the weights by 1 - eta lmbda / n = "
                         f"{1 - eta * lmbda / n:.3g}, and they would grow without bound; "
                         f"choose lmbda below {2 * n / eta:.3g}")


def check_finite(parameters, epoch, eta, lmbda):
    """Raise DivergenceError, with advice, once a weight or bias of the
    list ``parameters`` is no longer a finite number."""
    if not all(np.isfinite(p).all() for p in parameters):
        raise DivergenceError(f"training diverged in epoch {epoch}: the weights are no longer "
                              f"finite. Try a smaller learning rate than eta={eta}"
                              + (f", or a smaller lmbda than {lmbda}." if lmbda else "."))


def read_member(saved, name, nbytes=0):
    """saved[name], of the .npz file ``saved`` (as np.load opened it), read only if
    stored uncompressed, as np.savez stores it (a compressed member can unpack to
    far more than its file), and announcing at most nbytes and 64 KiB of header."""
    for info in saved.zip.infolist():
        if info.filename.removesuffix(".npy") == name and (
                info.compress_type != zipfile.ZIP_STORED or info.file_size > nbytes + 2 ** 16):
            raise ValueError(f"{info.filename} would unpack to {info.file_size:,} bytes by zip "
                             f"method {info.compress_type}: np.savez stores each member "
                             f"uncompressed, within the bytes its network needs")
    return saved[name]


def read_arrays(saved, shapes):
    """The arrays of ``saved`` that ``shapes`` names, each read within the bytes of
    its shape in float64, and checked: those shapes, one float dtype, finite values."""
    arrays = [read_member(saved, name, 8 * np.prod(shape, dtype=object))    # Python's ints
              for name, shape in shapes.items()]
    for a, (name, shape) in zip(arrays, shapes.items()):
        if np.shape(a) != shape:                     # np.load gives a member not .npy as bytes
            raise ValueError(f"its weights and biases do not have the shapes that its network "
                             f"needs: {name} has shape {np.shape(a)}, not {shape}")
    dtypes = sorted({str(a.dtype) for a in arrays})
    if dtypes not in (["float32"], ["float64"]):
        raise ValueError(f"its weights and biases are {' and '.join(dtypes)}, not all float32 "
                         f"or all float64")
    if not all(np.isfinite(a).all() for a in arrays):
        raise ValueError("it holds NaN or infinite weights")
    return arrays


def read_saved(path):
    """Return (sizes, names, weights, biases) of the network that
    Network.save wrote to ``path``, once they are known to make a Network.
    Any other file raises ValueError (a pipe or a device unread)."""
    try:
        if os.path.exists(path) and not (os.path.isfile(path) and zipfile.is_zipfile(path)):
            raise ValueError("it is not a .npz file")
        with np.load(path, allow_pickle=False) as saved:
            sizes, *names = (read_member(saved, name)
                             for name in ("sizes", "activation", "cost", "init"))
            sizes, names = sizes.tolist(), [str(name) for name in names]
            check_network(sizes, *names, np.float64)        # the dtype is read_arrays' to check
            shapes = {f"w{i}": (y, x) for i, (x, y) in enumerate(zip(sizes[:-1], sizes[1:]))}
            shapes.update({f"b{i}": (y, 1) for i, y in enumerate(sizes[1:])})
            arrays = read_arrays(saved, shapes)
    except OSError:
        raise
    except Exception as e:                  # whatever a damaged or hostile file gives rise to
        raise ValueError(f"{path} is not a network saved by Network.save: {e}") from None
    return sizes, names, arrays[:len(sizes) - 1], arrays[len(sizes) - 1:]


def write_atomically(path, write):
    """Call write(f) on a new file beside ``path``, then rename it to ``path``: readers
    see the old file or the whole new one, even when writing fails or is interrupted."""
    part = f"{path}.{os.getpid()}.part"
    try:
        with open(part, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, path)
    except BaseException:
        if os.path.exists(part):
            os.unlink(part)
        raise

