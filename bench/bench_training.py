"""What matrix batching buys: the per-sample loop and the matrix path of
network.py side by side on the same work, and PyTorch (eager, on the
CPU) beside them when it is installed.

``pytest --benchmark-only`` times every row and ends with a summary of
speedups and GFLOP/s; plain ``pytest`` runs each body once, untimed.
``pytest --benchmark-only -m sweep`` runs the mini-batch sweep alone
(with numpy's peak).

All runs use synthetic data of MNIST's shape drawn from a fixed seed.
The groups:
* "epoch": one SGD epoch over a fixed slice of the samples, shuffling
  and gathering mini-batches included, reported per 50,000 samples;
* "step": one gradient-descent step on one fixed mini-batch;
* "monitor": measuring the accuracy and cost of the training data, as
  --monitor-training does once an epoch, beside the epoch of
  [784, 30, 10] with mini-batches of 10;
* "distort": deforming the training images as --elastic --affine does
  once an epoch (mnist_loader.distort), in the group of the epoch of
  [784, 512, 512, 10] in float32 (the 99.3% recipe's network but for
  its width) and on as many images, so that pytest-benchmark's table
  of that group gives their ratio;
* "sweep": [784, 30, 10] at mini-batch sizes from 1 to 1,000, the loop
  and the matrix path as in "epoch", and the matrix products alone: the
  five products of the matrix path (forward, BP2, BP4) at the same
  shapes, on arrays made beforehand, the floor for code that makes them;
* "numpy peak": numpy's rate on one large matrix product, measured at
  the start and at the end of the run; the summary takes the better.
"""

import contextlib
import io
from typing import NamedTuple

import numpy as np
import pytest

import mnist_loader
from network import Network


class Config(NamedTuple):
    name: str
    sizes: list
    activation: str
    cost: str
    init: str
    mini_batch_size: int
    dtype: type
    samples: int                 # samples timed per epoch round


CONFIGS = [
    Config("784-30-10 mb1 float64", [784, 30, 10], "sigmoid", "quadratic", "gaussian", 1,
           np.float64, 2000),
    Config("784-30-10 mb10 float64", [784, 30, 10], "sigmoid", "quadratic", "gaussian", 10,
           np.float64, 10000),
    Config("784-30-10 mb10 float32", [784, 30, 10], "sigmoid", "quadratic", "gaussian", 10,
           np.float32, 10000),
    Config("784-30-10 mb100 float64", [784, 30, 10], "sigmoid", "quadratic", "gaussian", 100,
           np.float64, 10000),
    Config("784-100-10 mb10 float64", [784, 100, 10], "sigmoid", "quadratic", "gaussian", 10,
           np.float64, 5000),
    Config("784-512-512-10 relu mb100 float32", [784, 512, 512, 10], "relu", "log_likelihood",
           "he", 100, np.float32, 2000),
]
IDS = [c.name for c in CONFIGS]
ETA = {"quadratic": 3.0, "log_likelihood": 0.1}

SWEEP_SIZES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
SWEEP = [Config(f"sweep 784-30-10 mb{m} {np.dtype(dtype).name}", [784, 30, 10], "sigmoid",
                "quadratic", "gaussian", m, dtype, max(2000, 4 * m))
         for dtype in (np.float64, np.float32) for m in SWEEP_SIZES]
SWEEP_IDS = [c.name for c in SWEEP]


def training_flops(sizes):
    """Floating-point operations of the matrix products that training on
    one sample costs: the forward pass (w a), BP4 (delta a^T) and BP2
    (w^T delta, for every layer but the first)."""
    products = [n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return 2 * (2 * sum(products) + sum(products[1:]))


def synthetic_data(sizes, n, dtype, seed=0):
    """n MNIST-shaped samples: inputs in [0, 1), one-hot outputs."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, sizes[0]), dtype=np.float32).T.astype(dtype)
    Y = np.zeros((sizes[-1], n), dtype, order="F")
    Y[rng.integers(0, sizes[-1], n), np.arange(n)] = 1
    return X, Y


def info(benchmark, kind, config, samples, group=None):
    benchmark.extra_info.update(kind=kind, samples=samples,
                                flops=samples * training_flops(config.sizes),
                                mini_batch_size=config.mini_batch_size,
                                dtype=np.dtype(config.dtype).name)
    benchmark.group = group or (f"epoch {config.name}" if samples > config.mini_batch_size
                                else f"step {config.name}")


#### numpy's peak, measured first and again last (see the end of the file)
def numpy_peak(benchmark, dtype, when):
    """numpy's own rate on a large matrix product: the most that the
    matrix path could hope for on this machine."""
    n = 2048
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
    benchmark.group = "numpy peak"
    benchmark.extra_info.update(kind="peak", when=when, dtype=np.dtype(dtype).name,
                                flops=2 * n ** 3)
    C = benchmark.pedantic(np.dot, (A, B), rounds=5, warmup_rounds=1)
    np.testing.assert_allclose(C[0, :3], A[0] @ B[:, :3], rtol=1e-4)


@pytest.mark.sweep
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def bench_numpy_peak_first(benchmark, dtype):
    numpy_peak(benchmark, dtype, "first")


#### The loop and the matrix path
def time_epoch(benchmark, config, method, group=None):
    net = Network(config.sizes, config.activation, config.cost, config.init, seed=0,
                  dtype=config.dtype)
    data = synthetic_data(config.sizes, config.samples, config.dtype)
    info(benchmark, method, config, config.samples, group)

    def epoch():
        with contextlib.redirect_stdout(io.StringIO()):
            net.SGD(data, 1, config.mini_batch_size, ETA[config.cost], method=method)
    benchmark.pedantic(epoch, rounds=3 if method == "loop" else 5, warmup_rounds=1)
    assert all(np.isfinite(w).all() for w in net.weights)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("method", ["loop", "matrix"])
def bench_epoch(benchmark, config, method):
    time_epoch(benchmark, config, method)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("method", ["loop", "matrix"])
def bench_step(benchmark, config, method):
    net = Network(config.sizes, config.activation, config.cost, config.init, seed=0,
                  dtype=config.dtype)
    X, Y = synthetic_data(config.sizes, config.mini_batch_size, config.dtype)
    info(benchmark, method, config, config.mini_batch_size)
    eta = ETA[config.cost]
    if method == "loop":
        mini_batch = [(X[:, i:i + 1], Y[:, i:i + 1]) for i in range(config.mini_batch_size)]
        benchmark(net.update_mini_batch, mini_batch, eta)
    else:
        benchmark(net.update_mini_batch_matrix, X, Y, eta)
    assert all(np.isfinite(w).all() for w in net.weights)


#### What monitoring the training data costs
def bench_monitor(benchmark):
    """--monitor-training: the accuracy and cost of every training
    sample, once an epoch.  The summary sets it beside
    the default network's epoch."""
    config = CONFIGS[1]
    net = Network(config.sizes, config.activation, config.cost, config.init, seed=0,
                  dtype=config.dtype)
    X, Y = synthetic_data(config.sizes, config.samples, config.dtype)
    info(benchmark, "monitor", config, config.samples)
    right, cost = benchmark.pedantic(net.accuracy_and_cost, ((X, np.argmax(Y, axis=0)),),
                                     rounds=5, warmup_rounds=1)
    assert 0 <= right <= config.samples and cost > 0


#### What deforming the training images costs
def bench_distort(benchmark):
    """--elastic --affine: every training image deformed afresh, once an
    epoch, timed on the images of the epoch it is set beside."""
    config = CONFIGS[-1]
    X, _ = synthetic_data(config.sizes, config.samples, config.dtype)
    rng = np.random.default_rng(0)
    info(benchmark, "distort", config, config.samples, group=f"epoch {config.name}")
    distorted = benchmark.pedantic(mnist_loader.distort, (X, rng), rounds=9, warmup_rounds=1)
    assert distorted.shape == X.shape and distorted.dtype == X.dtype
    assert 0 <= distorted.min() and distorted.max() <= 1


#### The sweep over mini-batch sizes
@pytest.mark.sweep
@pytest.mark.parametrize("config", SWEEP, ids=SWEEP_IDS)
@pytest.mark.parametrize("method", ["loop", "matrix"])
def bench_sweep(benchmark, config, method):
    time_epoch(benchmark, config, method, group=config.name)


@pytest.mark.sweep
@pytest.mark.parametrize("config", SWEEP, ids=SWEEP_IDS)
def bench_sweep_products(benchmark, config):
    """The five matrix products of the matrix path for every mini-batch of
    the same slice, on arrays made beforehand: no gathering, no
    activations, no updates."""
    m, (n_in, n_hidden, n_out) = config.mini_batch_size, config.sizes
    net = Network(config.sizes, seed=0, dtype=config.dtype)
    w1, w2 = net.weights
    X, Y = synthetic_data(config.sizes, m, config.dtype)
    a1 = np.dot(w1, X)
    delta2 = Y - np.dot(w2, a1)
    batches = range(config.samples // m)
    info(benchmark, "products", config, len(batches) * m, group=config.name)

    def products():
        for _ in batches:
            np.dot(w1, X)                   # forward, (n_hidden, m)
            np.dot(w2, a1)                  # forward, (n_out, m)
            np.dot(delta2, a1.T)            # BP4, (n_out, n_hidden)
            np.dot(w2.T, delta2)            # BP2, (n_hidden, m)
            np.dot(a1, X.T)                 # BP4, (n_hidden, n_in): a1 stands in for delta1
    benchmark.pedantic(products, rounds=5, warmup_rounds=1)


#### PyTorch, for comparison
def torch_setup(config, samples):
    """The config's network in PyTorch, starting from the same weights
    (each layer's weights and biases as tensors, samples as rows), and
    the same synthetic data.  Returns (torch, params, X, Y, step), where
    step(X, Y) takes one plain SGD step: w -> w - (eta/m) sum nabla_w C_x."""
    torch = pytest.importorskip("torch", reason="PyTorch is optional: pip install torch",
                                exc_type=ImportError)
    net = Network(config.sizes, config.activation, config.cost, config.init, seed=0,
                  dtype=config.dtype)
    torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[net.dtype.type]
    params = []
    for w, b in zip(net.weights, net.biases):
        params += [torch.tensor(w, dtype=torch_dtype, requires_grad=True),
                   torch.tensor(b[:, 0], dtype=torch_dtype, requires_grad=True)]
    hidden = {"sigmoid": torch.sigmoid, "relu": torch.relu}[config.activation]

    def total_cost(X, Y):
        a = X
        for layer in range(0, len(params) - 2, 2):
            a = hidden(a @ params[layer].T + params[layer + 1])
        z = a @ params[-2].T + params[-1]
        if config.cost == "quadratic":
            return 0.5 * ((torch.sigmoid(z) - Y) ** 2).sum()
        return -(Y * torch.log_softmax(z, dim=1)).sum()
    optimizer = torch.optim.SGD(params, lr=ETA[config.cost])

    def step(X, Y):
        optimizer.zero_grad()
        (total_cost(X, Y) / X.shape[0]).backward()
        optimizer.step()
    X, Y = (torch.from_numpy(np.ascontiguousarray(A.T))
            for A in synthetic_data(config.sizes, samples, config.dtype))
    return torch, params, X, Y, step


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def bench_epoch_torch(benchmark, config):
    m, n = config.mini_batch_size, config.samples
    torch, params, X, Y, step = torch_setup(config, n)
    generator = torch.Generator().manual_seed(0)
    info(benchmark, "torch", config, n)

    def epoch():
        order = torch.randperm(n, generator=generator)
        for k in range(0, n, m):
            batch = order[k:k + m]
            step(X[batch], Y[batch])
    benchmark.pedantic(epoch, rounds=3, warmup_rounds=1)
    assert all(torch.isfinite(p).all() for p in params)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def bench_step_torch(benchmark, config):
    torch, params, X, Y, step = torch_setup(config, config.mini_batch_size)
    info(benchmark, "torch", config, config.mini_batch_size)
    benchmark(step, X, Y)
    assert all(torch.isfinite(p).all() for p in params)


#### numpy's peak again, last
@pytest.mark.sweep
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def bench_numpy_peak_last(benchmark, dtype):
    numpy_peak(benchmark, dtype, "last")
