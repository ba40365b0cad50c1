"""
network.py
~~~~~~~~~~

A feedforward neural network that learns by stochastic gradient descent,
with the gradient of the cost computed by backpropagation.  It follows
the ``network.py`` and ``network2.py`` of Michael Nielsen's book *Neural
Networks and Deep Learning* (chapters 1 to 3, and chapter 5's measure of
the unstable gradient), and adds what the book leaves as exercises or
asides:

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
* ``total_cost`` divides the regularisation term by n, the size of the
  training set, as the update rule does; network2 divides by the size
  of the data being evaluated.
* With momentum, the weight decay of L2 and L1 acts on the weights
  directly, not through the velocity (as in "decoupled weight decay");
  without momentum the two are the same.
* ``SGD`` returns a history, one record per epoch, and shuffles with the
  network's own random generator, so that a seed makes a run
  reproducible; ``save`` writes numpy arrays where network2 writes JSON.

The lesson comes first: the ``Network`` class, chapter 3's learning-rate
rules, the costs and the activation functions.  Below the banner that
ends it are the checks of the data and the program: ``python network.py``
watches the network learn MNIST's digits (``--help`` lists the options).
"""

import os
import shlex
import signal
import sys
import time
import zipfile

if __name__ == "__main__":      # Ctrl-C while numpy loads: end quietly, with status 130
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
        them from N(0, 1) as in chapter 1, "scaled" from N(0, 1/n_in) (a
        standard deviation of 1/sqrt(n_in)) as in chapter 3, "he" from
        N(0, 2/n_in).  Biases start as N(0, 1), except with "he", where
        they start at zero as in He et al.'s paper.  The input layer has
        no biases.

        ``seed`` makes a run reproducible: it seeds the random generator
        that draws the starting weights and shuffles the training data.
        ``dtype`` is np.float64 (exact enough for gradient checks) or
        np.float32 (faster, the more so the larger the network)."""
        if len(sizes) < 2 or not all(isinstance(s, (int, np.integer)) and s > 0 for s in sizes):
            raise ValueError(f"sizes must list at least two positive integers, such as "
                             f"[784, 30, 10]; got {sizes!r}")
        cost = getattr(cost, "name", cost)         # the cost may be given as its class too
        check_choice("activation", activation, ACTIVATIONS)
        check_choice("cost", cost, COSTS)
        check_choice("init", init, INITS)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be np.float32 or np.float64, not {self.dtype}")
        self.sizes = [int(s) for s in sizes]
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
        check_shape(a, (self.sizes[0], None), "a")
        for b, w, sigma in zip(self.biases, self.weights, self.sigmas):
            a = sigma(np.dot(w, a) + b)
        return a

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None, *,
            validation_data=None, lmbda=0.0, penalty="l2", mu=0.0, stop_after=None,
            halve_eta_after=None, anneal=False, transform=None, method="matrix",
            monitor_training=False, on_epoch=None):
        """Train the network with mini-batch stochastic gradient descent.
        ``training_data`` is a list of tuples (x, y), x an input column and
        y the desired output column, or a pair of matrices (X, Y) holding
        those columns side by side.  ``eta`` is the learning rate,
        ``lmbda`` the regularisation parameter of the ``penalty``, "l2" or
        "l1", and ``mu`` the momentum coefficient.  ``method`` is "loop",
        the book's backprop one sample at a time, or "matrix", one
        ``backprop_batch`` per mini-batch: from the same seed both make the
        same training run.  ``stop_after``, ``halve_eta_after`` and
        ``anneal`` are chapter 3's rules (see ``schedule``).
        ``transform(X, rng)``, if given, makes each epoch's training inputs
        from X (such as mnist_loader.shift_randomly).

        After each epoch the network is evaluated on ``test_data`` and
        ``validation_data`` (lists of (x, label), or pairs (X, labels)), if
        given, and with ``monitor_training`` on the training data as well
        (as given, before any transform), as network2 can; then a line is
        printed.  Returns the history, a dict per epoch: its "epoch",
        "seconds" of training, "eta", the "accuracy" (the number right)
        and "cost" on the test data, "validation_accuracy" and
        "validation_cost", "training_accuracy" and "training_cost" (None
        where not measured), and "stop", None or why training stopped
        early.  ``on_epoch``, if given, is called with each record before
        its line is printed; a string it returns is printed below it."""
        X, Y = as_matrices(training_data, self, "training_data")
        test_data = as_matrices(test_data, self, "test_data", labelled=True)
        validation_data = as_matrices(validation_data, self, "validation_data", labelled=True)
        check_choice("penalty", penalty, ("l2", "l1"))
        check_choice("method", method, ("loop", "matrix"))
        if (stop_after or halve_eta_after) and validation_data is None:
            raise ValueError("stop_after and halve_eta_after watch the validation accuracy: "
                             "pass validation_data")
        if halve_eta_after and anneal:
            raise ValueError("choose one learning-rate schedule: halve_eta_after or anneal")
        n = X.shape[1]
        check_l2(eta, lmbda, n, penalty)
        self.velocities = [np.zeros_like(p) for p in self.weights + self.biases]  # momentum at rest
        # The training data with labels, as the test data have: measured as given, not transformed.
        training = (X, np.argmax(Y, axis=0)) if monitor_training else None
        history, eta_j = [], eta
        for j in range(epochs):
            start = time.perf_counter()
            X_j = X if transform is None else transform(X, self.rng)
            if method == "loop":
                # The book's list of samples: views of the columns, not copies.
                samples = [(X_j[:, i:i + 1], Y[:, i:i + 1]) for i in range(n)]
            order = self.rng.permutation(n)
            # A diverging run overflows: that is reported once, with advice,
            # instead of numpy warning at every step.
            with np.errstate(over="ignore", invalid="ignore"):
                for k in range(0, n, mini_batch_size):
                    batch = order[k:k + mini_batch_size]
                    if method == "matrix":
                        self.update_mini_batch_matrix(X_j[:, batch], Y[:, batch], eta_j,
                                                      lmbda, n, penalty, mu)
                    else:
                        self.update_mini_batch([samples[i] for i in batch], eta_j,
                                               lmbda, n, penalty, mu)
                seconds = time.perf_counter() - start
                if not all(np.isfinite(p).all() for p in self.weights + self.biases):
                    raise DivergenceError(
                        f"training diverged in epoch {j}: the weights are no longer finite. "
                        f"Try a smaller learning rate than eta={eta_j}"
                        + (f", or a smaller lmbda than {lmbda}." if lmbda else "."))
                record = {"epoch": j, "seconds": seconds, "eta": eta_j}
                for (_, prefix), data in zip(SETS, (test_data, validation_data, training)):
                    record[prefix + "accuracy"], record[prefix + "cost"] = (
                        (None, None) if data is None
                        else self.accuracy_and_cost(data, lmbda, n, penalty))
            history.append(record)
            eta_j, record["stop"] = schedule(eta, history, epochs, stop_after, halve_eta_after,
                                             anneal)
            note = on_epoch(record) if on_epoch else None
            line = (f"Epoch {j}: {record['accuracy']} / {len(test_data[1])}"
                    if test_data is not None else f"Epoch {j} complete")
            if validation_data is not None:
                line += f", validation {record['validation_accuracy']} / {len(validation_data[1])}"
            if monitor_training:
                line += f", training {record['training_accuracy']} / {n}"
            if halve_eta_after or anneal:
                line += f", eta {record['eta']:.4g}"
            print(f"{line}, {seconds:.2f} s", flush=True)
            if monitor_training:
                print("  cost: " + ", ".join(f"{name} {record[prefix + 'cost']:.4f}"
                                             for name, prefix in SETS
                                             if record[prefix + "cost"] is not None), flush=True)
            for line in (note, record["stop"]):
                if line:
                    print(line, flush=True)
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
        # In place, to spare each step new arrays as large as the weights.
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
        with respect to the output activations."""
        return self.cost.derivative(output_activations, y)

    def evaluate(self, test_data):
        """Return the number of test inputs for which the network outputs
        the right label; the network's answer is the index of its most
        active output neuron.  ``test_data`` is a list of (x, label) or a
        pair (X, labels)."""
        X, labels = as_matrices(test_data, self, "test_data", labelled=True)
        return int(np.sum(np.argmax(self.feedforward(X), axis=0) == labels))

    def total_cost(self, data, lmbda=0.0, n=None, penalty="l2"):
        """Return the cost averaged over ``data`` (a list of (x, label) or
        a pair (X, labels)), plus the regularisation term, where n is the
        size of the training set (by default, of ``data``):
            L2: (lmbda / 2n) sum w^2        L1: (lmbda / n) sum |w|"""
        return self.accuracy_and_cost(data, lmbda, n, penalty)[1]

    def accuracy_and_cost(self, data, lmbda=0.0, n=None, penalty="l2"):
        """Return (self.evaluate(data), self.total_cost(data, lmbda, n,
        penalty)), from one feedforward: what SGD measures each epoch."""
        X, labels = as_matrices(data, self, "data", labelled=True)
        m = X.shape[1]
        A = self.feedforward(X)
        Y = np.zeros((self.sizes[-1], m), self.dtype)
        Y[labels, np.arange(m)] = 1
        cost = self.cost.fn(A, Y) / m
        if lmbda and penalty == "l2":
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
        nabla_b, _ = self.backprop_batch(X, Y)
        return [float(np.linalg.norm(nb)) / X.shape[1] for nb in nabla_b[:-1]]

    def save(self, path):
        """Save the network to ``path`` as a .npz file of numpy arrays: its
        sizes, the names of its activation, cost and initialisation, and
        its weights and biases.  The file is written whole or not at all."""
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
        network raises ValueError."""
        if os.path.exists(path) and not (os.path.isfile(path) and zipfile.is_zipfile(path)):
            raise ValueError(f"{path} is not a network saved by Network.save: "
                             f"it is not a .npz file")
        try:
            with np.load(path, allow_pickle=False) as saved:
                sizes = saved["sizes"].tolist()
                names = [str(saved[key]) for key in ("activation", "cost", "init")]
                weights = [saved[f"w{i}"] for i in range(len(sizes) - 1)]
                biases = [saved[f"b{i}"] for i in range(len(sizes) - 1)]
            shapes = ([(y, x) for x, y in zip(sizes[:-1], sizes[1:])]
                      + [(y, 1) for y in sizes[1:]])
            if ([p.shape for p in weights + biases] != shapes
                    or len({p.dtype for p in weights + biases}) > 1):
                raise ValueError("its weights and biases do not have the shapes its sizes give, "
                                 "or differ in dtype")
            if not all(np.isfinite(p).all() for p in weights + biases):
                raise ValueError("it holds NaN or infinite weights")
            net = cls(sizes, *names, dtype=weights[0].dtype)
        except (ValueError, TypeError, KeyError, EOFError, MemoryError,
                zipfile.BadZipFile) as e:
            raise ValueError(f"{path} is not a network saved by Network.save: {e}") from None
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
      ``epochs``."""
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
        Jacobian of softmax times nabla_a C = -y / a is again a - y."""
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

# The data that SGD measures after each epoch, and the prefix of their keys in its records.
SETS = (("test", ""), ("validation", "validation_"), ("training", "training_"))


###########################################################################
#### The lesson ends here.  Below: the checks of the data that the
#### lesson's methods take, writing a file whole, and the program.
###########################################################################

class DivergenceError(ArithmeticError):
    """Training diverged: the weights are no longer finite numbers."""


def as_matrices(data, net, name, labelled=False):
    """Return ``data`` as a pair (X, Y) whose columns are the samples: X
    the inputs, in the network's dtype, and Y the desired outputs or, if
    ``labelled``, a 1-D array of the labels.  ``data`` is the book's list
    of tuples (x, y) or (x, label), or already such a pair of arrays; or
    None, which is returned as it is."""
    if data is None:
        return None
    if isinstance(data, list):
        if not data:
            raise ValueError(f"{name} is empty")
        for x, y in data:
            check_shape(x, (net.sizes[0], 1), f"x in {name}")
            if not labelled:
                if np.ndim(y) == 0:
                    raise ValueError(f"y in {name} is a label, {y!r}; training takes the "
                                     f"desired output, a one-hot column of shape "
                                     f"({net.sizes[-1]}, 1)")
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
    # in memory, so that gathering a mini-batch's columns is a fast copy
    # of whole blocks, and a column viewed as a vector needs no copy.
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
    pair whose second entry may be None, for any number of columns.  A
    flat vector gets the advice that mends it."""
    found = a.shape if isinstance(a, np.ndarray) else np.shape(a)     # quick, for every sample
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


def check_l2(eta, lmbda, n, penalty="l2"):
    """Refuse an L2 term that would make the weights grow without bound:
    w -> (1 - eta lmbda / n) w flips their sign, and enlarges them, when
    eta lmbda / n >= 2."""
    if penalty == "l2" and eta * lmbda / n >= 2:
        raise ValueError(f"lmbda={lmbda} is too large for eta={eta} and {n} training samples: "
                         f"the L2 term would multiply the weights by 1 - eta lmbda / n = "
                         f"{1 - eta * lmbda / n:.3g} at every step, and they would grow "
                         f"without bound; choose lmbda below {2 * n / eta:.3g}")


def write_atomically(path, write):
    """Call write(f) on a new file beside ``path``, then rename it to
    ``path``: readers see the old file or the whole new one, never a part
    of it, even when writing fails or is interrupted."""
    part = part_of(path)
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


def part_of(path):
    """The file that ``write_atomically`` writes before renaming it to ``path``."""
    return f"{path}.{os.getpid()}.part"


#### The program: python network.py
def main(argv=None):
    """Train a network on MNIST as the options say, print a line per
    epoch and then the epoch with the best validation accuracy, with
    --save save that epoch's network and with --plot draw the run.
    Return the exit status: 0; 1 when something failed; 2 for a bad
    option; 130 after Ctrl-C, 143 after SIGTERM, with the best network
    so far saved and the run drawn all the same."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (stream and Unfailing(stream) for stream in streams)
    parser = argument_parser()
    args = parser.parse_args(argv)
    args.command = shlex.join(["python", "network.py", *(sys.argv[1:] if argv is None else argv)])
    try:
        net = check_options(args)
    except ValueError as e:
        parser.error(str(e))
    if args.classify:
        status = classify(args)
        sys.stdout, sys.stderr = streams
        return status
    best, signals, still_training = {}, [], [True]

    def interrupt(signum, frame):
        signals.append(signum)
        # While training, every signal stops it, since a KeyboardInterrupt
        # raised inside numpy's compiled code can be lost; after, nothing does.
        if still_training[0]:
            raise KeyboardInterrupt
    handlers = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    Unfailing.stop = args.save is None and args.plot is None
    try:
        try:
            problem = train(args, net, best)
        finally:
            still_training[0] = Unfailing.stop = False      # first, before a call takes a signal
    except KeyboardInterrupt:
        problem = None
    signum = signals[0] if signals else 0
    saved = args.save and "record" in best
    if saved:
        net.weights, net.biases = best["weights"], best["biases"]
        try:
            net.save(args.save)
        except OSError as e:
            problem, saved = f"could not save the network to {args.save}: {e}", False
    drawn = args.plot and "record" in best
    if drawn:
        try:
            plot(args, best)
        except Exception as e:              # the network is saved: say what failed, and end
            problem, drawn = f"could not draw the run to {args.plot}: {e}", False
    # Only now, with the network saved, the report: it matters less.
    if signum:
        print(f"\n{'Interrupted' if signum == signal.SIGINT else 'Terminated'}: "
              f"{'training stopped' if 'data' in best else 'while loading the data'}.")
    if problem:
        print(f"network.py: {problem}", file=sys.stderr)
    if "record" in best:
        r, size = best["record"], best["data"]
        print(f"Best validation accuracy {r['validation_accuracy'] / size['validation']:.2%} in "
              f"epoch {r['epoch']}, where the test accuracy is {r['accuracy'] / size['test']:.2%}")
    if saved:
        print(f"Saved the network of epoch {best['record']['epoch']} to {args.save}")
    if drawn:
        print(f"Drew the run to {args.plot}")
    for path, verb in ((args.save, "saved"), (args.plot, "drawn")):
        if path and "record" not in best:
            print(f"No epoch was completed: nothing was {verb} to {path}.")
    for s, handler in handlers.items():
        signal.signal(s, handler)
    sys.stdout, sys.stderr = streams
    return 128 + signum if signum else 1 if problem else 0


def train(args, net, best):
    """Load MNIST and train ``net`` as ``args`` say, keeping in ``best``
    the sizes of the training, validation and test data ("data"), the
    records of the epochs so far ("history"), and the record and the
    network of the epoch with the best validation accuracy so far.
    Return None, or what stopped training."""
    import mnist_loader                     # only the program needs the data
    try:
        training, validation, test = mnist_loader.load_data_matrices(
            args.data, dtype=net.dtype, expand=args.expand)
        best["data"] = size = {"training": training[0].shape[1], "validation": len(validation[1]),
                               "test": len(test[1])}
        print(f"MNIST loaded: {size['training']:,} training, {size['validation']:,} "
              f"validation and {size['test']:,} test images", flush=True)

        def speeds(when=""):
            return f"  speed of learning per hidden layer{when}: " + ", ".join(
                f"{s:.3g}" for s in net.speed_of_learning(training[0][:, :1000],
                                                          training[1][:, :1000]))
        if args.speeds:
            print(speeds(" at the start"), flush=True)

        def keep_best(record):
            # Kept before the epoch's line is printed: Ctrl-C after a line
            # never saves an older epoch.  The history too: after Ctrl-C,
            # SGD returns none.
            best.setdefault("history", []).append(record)
            if "record" not in best or (record["validation_accuracy"]
                                        > best["record"]["validation_accuracy"]):
                best.update(record=record, weights=[w.copy() for w in net.weights],
                            biases=[b.copy() for b in net.biases])
            notes = []
            if args.dead:
                notes.append("  dead units per hidden layer: " + ", ".join(
                    f"{f:.1%}" for f in net.dead_fraction(training[0])))
            if args.speeds:
                notes.append(speeds())
            return "\n".join(notes)

        def transform(X, rng):
            """Each epoch's training images, varied as the options say."""
            if args.shift:
                return mnist_loader.shift_randomly(X, rng, args.shift)
            left_out = {} if args.elastic else {"alpha": 0}
            if not args.affine:
                left_out.update(degrees=0, scale=0, shear=0)
            return mnist_loader.distort(X, rng, **left_out)
        vary = args.shift or args.elastic or args.affine
        with np.errstate(all="ignore"):     # what goes wrong is reported, not warned of
            net.SGD(training, args.epochs, args.mini_batch_size, args.eta, test,
                    validation_data=validation, lmbda=args.lmbda, penalty=args.penalty,
                    mu=args.mu, stop_after=args.stop_after, halve_eta_after=args.halve_eta_after,
                    anneal=args.anneal, transform=transform if vary else None,
                    method=args.method, monitor_training=args.monitor_training,
                    on_epoch=keep_best)
    except (mnist_loader.MNISTError, DivergenceError) as e:
        return str(e)
    except MemoryError as e:
        return f"not enough memory: {e}"
    except OSError as e:                    # from Unfailing: see there
        return f"the output cannot be written ({e.strerror}), so training stopped"


def classify(args):
    """Print the digit that the network saved at --load reads in each
    --classify image, the outputs of its ten neurons, and the prepared
    28 x 28 image it saw.  Return 1 if a file could not be read, else 0."""
    import mnist_loader
    try:
        net = Network.load(args.load)
    except (OSError, ValueError) as e:
        print(f"network.py: {e}", file=sys.stderr)
        return 1
    if (net.sizes[0], net.sizes[-1]) != (784, 10):
        print(f"network.py: {args.load} is a network of sizes {net.sizes}; MNIST's digits need "
              f"784 inputs and 10 outputs", file=sys.stderr)
        return 1
    outputs = "probabilities" if net.cost.name == "log_likelihood" else "outputs"
    status = 0
    for path in args.classify:
        try:
            x = mnist_loader.prepare_image(mnist_loader.load_image(path))
        except (OSError, ValueError) as e:
            print(f"network.py: {path}: {getattr(e, 'strerror', None) or e}", file=sys.stderr)
            status = 1
            continue
        a = net.feedforward(x.astype(net.dtype))[:, 0]
        print(f"{path}: the network reads {np.argmax(a)}; its {outputs}, and what it saw:")
        print("  " + "  ".join(f"{digit}: {output:.2f}" for digit, output in enumerate(a)))
        ramp = " .:-=+*#%@"                 # from dark to bright, each for a 2 x 2 block
        for row in x.reshape(14, 2, 14, 2).mean(axis=(1, 3)):
            print("  |" + "".join(2 * ramp[min(int(v * 10), 9)] for v in row) + "|")
    return status


def plot(args, best):
    """Draw the run that ``train`` kept in ``best`` to the file --plot
    names: the accuracy per epoch on each set that was measured, the cost
    below it, and on both the epoch with the best validation accuracy.
    Return the figure."""
    from matplotlib.figure import Figure
    history, chosen, size = best["history"], best["record"], best["data"]
    epochs = [r["epoch"] for r in history]
    figure = Figure(figsize=(8, 8), layout="constrained")
    top, bottom = figure.subplots(2, sharex=True)
    for name, prefix in SETS:
        if chosen[prefix + "accuracy"] is not None:
            style = {"label": f"{name} data ({size[name]:,} images)",
                     "marker": "." if len(epochs) <= 60 else None}
            top.plot(epochs, [100 * r[prefix + "accuracy"] / size[name] for r in history],
                     **style)
            bottom.plot(epochs, [r[prefix + "cost"] for r in history], **style)
    for axes in (top, bottom):
        axes.axvline(chosen["epoch"], color="grey", linestyle=":", label=(
            f"best validation accuracy: epoch {chosen['epoch']}, test accuracy "
            f"{chosen['accuracy'] / size['test']:.2%}"))
        axes.grid(alpha=0.3)
    top.legend()
    bottom.set_xlim(-0.5, epochs[-1] + 0.5)
    bottom.xaxis.get_major_locator().set_params(integer=True)
    top.set_ylabel("accuracy (%)")
    bottom.set(xlabel="epoch", ylabel=f"cost: {args.cost.replace('_', '-')}"
               + (f", with the {args.penalty.upper()} term" if args.lmbda else ""))
    figure.suptitle(args.command, fontsize="medium", wrap=True)
    kind = os.path.splitext(args.plot)[1][1:].lower()
    write_atomically(args.plot, lambda f: figure.savefig(f, format=kind))
    return figure


class Unfailing:
    """The program's output: what the terminal cannot encode is escaped,
    and once writing fails (the reader of a pipe has gone, a disk is full)
    the output goes to /dev/null.  Training goes on if there is a network
    to save; if not, ``stop`` is set and the failure stops it."""

    stop = False

    def __init__(self, stream):
        stream.reconfigure(errors="backslashreplace")
        self.stream = stream

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def write(self, text):
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
            if self.stop:
                raise


def argument_parser():
    import argparse

    def number(kind, test, wanted):
        """The type of an option: a number of ``kind`` that passes ``test``."""
        def parse(text):
            try:
                if test(kind(text)):
                    return kind(text)
            except ValueError:
                pass
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return parse
    count = number(int, lambda v: v >= 1, "an integer >= 1")
    parser = argparse.ArgumentParser(
        prog="network.py", usage="%(prog)s [options]",
        description="Train a neural network on the MNIST handwritten digits. After every epoch "
        "it prints how many of the 10,000 test images, and of the 10,000 validation images, "
        "the network classifies right; at the end, the test accuracy of the epoch with the "
        "best validation accuracy. Without options this is the run of chapter 1 of Neural "
        "Networks and Deep Learning.")
    add = parser.add_argument_group("the network").add_argument
    add("--sizes", type=count, nargs="+", default=[784, 30, 10], metavar="N",
        help="neurons per layer, from the 784 inputs to the 10 outputs (default: 784 30 10)")
    add("--activation", choices=ACTIVATIONS, default="sigmoid",
        help="the hidden layers' activation function (default: sigmoid)")
    add("--cost", choices=COSTS, default="quadratic",
        help="the cost; log_likelihood puts a softmax on the outputs (default: quadratic)")
    add("--init", choices=INITS, default="gaussian",
        help="the starting weights: gaussian N(0,1), scaled N(0,1/n_in) or he N(0,2/n_in) "
             "(default: gaussian)")
    add("--dtype", choices=("float64", "float32"), default="float64",
        help="float32 is faster, the more so the larger the network (default: float64)")
    add("--seed", type=number(int, lambda v: v >= 0, "an integer >= 0"), default=0,
        help="the seed of the starting weights and of the shuffles (default: 0)")
    add("--dead", action="store_true",
        help="print each hidden layer's share of dead ReLU units after every epoch")
    add("--speeds", action="store_true",
        help="print each hidden layer's speed of learning (chapter 5) at the start and after "
             "every epoch: ||delta^l||, on the first 1,000 training images")
    add("--monitor-training", action="store_true",
        help="after every epoch, measure the accuracy and cost on the training images too, as "
             "network2 can (all of them, as loaded: 250,000 with --expand, undistorted), and "
             "print every set's cost")
    add = parser.add_argument_group("the training").add_argument
    add("--epochs", type=count, default=30, help="the number of epochs (default: 30)")
    add("--mini-batch-size", type=count, default=10, metavar="M",
        help="the number of samples per step (default: 10)")
    add("--eta", type=number(float, lambda v: 0 < v < np.inf, "a finite number > 0"),
        default=3.0,
        help="the learning rate (default: 3.0)")
    add("--method", choices=("loop", "matrix"), default="matrix",
        help="backprop one sample at a time, or a mini-batch at once (default: matrix)")
    group = parser.add_argument_group("chapter 3's techniques, and some beyond the book")
    group.add_argument("--lmbda", type=number(float, lambda v: 0 <= v < np.inf,
                                              "a finite number >= 0"),
                       default=0.0, help="the regularisation parameter (default: 0, none)")
    group.add_argument("--penalty", choices=("l2", "l1"), default="l2",
                       help="the regularisation: l2 (weight decay) or l1 (default: l2)")
    group.add_argument("--mu", type=number(float, lambda v: 0 <= v < 1, "a number from 0 up "
                                           "to, not including, 1 (0.9 is usual)"),
                       default=0.0, help="the momentum coefficient (default: 0, plain SGD)")
    group.add_argument("--stop-after", type=count, metavar="N",
                       help="stop after N epochs without a better validation accuracy")
    add = group.add_mutually_exclusive_group().add_argument
    add("--halve-eta-after", type=count, metavar="N", help="halve eta after N epochs without "
        "a better validation accuracy; stop once it has fallen to 1/128 of its start")
    add("--anneal", action="store_true",
        help="beyond the book: lower eta linearly to zero over the epochs")
    add = group.add_mutually_exclusive_group().add_argument
    add("--expand", action="store_true", help="train on 250,000 images: each training image "
        "and its copies shifted by one pixel up, down, left and right")
    add("--shift", type=number(int, lambda v: 0 <= v <= 4, "0 to 4, the margin of MNIST's "
                               "digits"), default=0, metavar="PIXELS",
        help="beyond the book: each epoch, move every training image by up to PIXELS pixels "
             "in each direction, drawn afresh")
    group.add_argument("--elastic", action="store_true", help="each epoch, deform every training "
                       "image afresh by Simard's elastic distortion (alpha 34, sigma 4)")
    group.add_argument("--affine", action="store_true", help="each epoch, rotate (up to 10 "
                       "degrees), scale (up to 10%%) and shear sideways (up to 0.2) every "
                       "training image afresh; with --elastic, both")
    add = parser.add_argument_group("data and files").add_argument
    add("--data", metavar="DIR", help="the directory of the MNIST files; by default "
        "$MNIST_DATA_DIR, then the cache, then a download into the cache")
    add("--save", metavar="PATH", help="save the network of the epoch with the best validation "
        "accuracy to PATH (.npz), also when stopped by Ctrl-C")
    add("--plot", metavar="PATH", help="draw the run's accuracy and cost per epoch to PATH "
        "(.png, .svg, .pdf: matplotlib), also when stopped by Ctrl-C")
    add("--load", metavar="PATH", help="instead of training, load the network saved at PATH "
        "for --classify")
    add("--classify", nargs="+", metavar="IMAGE", help="print the digit the --load network "
        "reads in each image (PNG, JPEG... with Pillow; a .npy array with numpy alone), after "
        "preparing it as MNIST's digits were")
    return parser


def check_options(args):
    """Check what the parser could not, before any work; return the network."""
    import mnist_loader
    sizes = "--sizes " + " ".join(map(str, args.sizes))
    if args.sizes[0] != 784 or args.sizes[-1] != 10:
        raise ValueError(f"MNIST needs 784 inputs and 10 outputs, as in --sizes 784 30 10; "
                         f"got {sizes}")
    if args.dead and (args.activation not in ("relu", "leaky_relu") or len(args.sizes) < 3):
        raise ValueError("--dead needs hidden layers of --activation relu or leaky_relu")
    if args.speeds and len(args.sizes) < 3:
        raise ValueError(f"--speeds needs hidden layers, as in --sizes 784 30 30 10; got {sizes}")
    if bool(args.load) != bool(args.classify):
        raise ValueError("--load and --classify go together: train with --save net.npz, then "
                         "python network.py --load net.npz --classify IMAGE ...")
    if (args.elastic or args.affine) and (args.expand or args.shift):
        raise ValueError("--elastic and --affine vary the images in place of --expand and "
                         "--shift: choose one way")
    if args.load and not os.path.isfile(args.load):
        raise ValueError(f"--load: {args.load} is not a file; give a network saved with --save")
    if args.classify and not all(path.endswith(".npy") for path in args.classify):
        try:
            import PIL.Image                    # noqa: F401
        except ImportError:
            raise ValueError("--classify reads images with Pillow, which the rest of the project "
                             "does not need: pip install Pillow (a .npy array needs numpy "
                             "alone)") from None
    if args.classify:
        return None                         # no training: the network is --load's
    if args.data == "":
        raise ValueError("--data needs a directory; leave it out to use $MNIST_DATA_DIR or the "
                         "cache")
    check_l2(args.eta, args.lmbda, mnist_loader.TRAINING_IMAGES * (5 if args.expand else 1),
             args.penalty)
    if args.plot is not None:
        try:
            import matplotlib                   # noqa: F401
        except ImportError:
            raise ValueError("--plot draws with matplotlib, which the rest of the project does "
                             "not need: pip install matplotlib") from None
        if os.path.splitext(args.plot)[1].lower() not in (".png", ".svg", ".pdf"):
            raise ValueError(f"--plot draws a .png, .svg or .pdf file, not {args.plot!r}")
        if args.save and os.path.realpath(args.plot) == os.path.realpath(args.save):
            raise ValueError("--save and --plot write to the same file: name two")
    for option, path, example in (("--save", args.save, "net.npz"),
                                  ("--plot", args.plot, "run.png")):
        if path is None:
            continue
        if not os.path.basename(path) or (os.path.exists(path) and not os.path.isfile(path)):
            raise ValueError(f"{option} needs the name of a regular file, such as {example}, "
                             f"not {path!r}")
        try:                                # can the file written before the rename be made?
            open(part_of(path), "wb").close()
            os.unlink(part_of(path))
        except OSError as e:
            raise ValueError(f"{option}: cannot write {path}: {e.strerror}") from None
    try:
        return Network(args.sizes, args.activation, args.cost, args.init, seed=args.seed,
                       dtype=args.dtype)
    except (MemoryError, ValueError) as e:
        raise ValueError(f"{sizes}: too large ({e}); choose smaller layers") from None


if __name__ == "__main__":
    sys.modules["network"] = sys.modules[__name__]      # for mnist_loader: this module, not a copy
    sys.exit(main())
