"""What matrix batching buys: the per-sample loop and the matrix path of
network.py side by side on the same work, and PyTorch (eager, on the
CPU) beside them when it is installed.

``pytest --benchmark-only`` times every row and ends with a summary of
speedups and GFLOP/s; plain ``pytest`` runs each body once, untimed.

Each group is one network, mini-batch size and dtype, on synthetic data
of MNIST's shape drawn from a fixed seed:
* "epoch": one SGD epoch over a fixed slice of the samples, shuffling
  and gathering mini-batches included, reported per 50,000 samples;
* "step": one gradient-descent step on one fixed mini-batch.
"""

import contextlib
import io

import numpy as np
import pytest

from network import Network

# name, sizes, activation, cost, init, mini-batch size, dtype, samples timed per epoch round
CONFIGS = [
    ("784-30-10 mb1 float64", [784, 30, 10], "sigmoid", "quadratic", "gaussian", 1, np.float64, 2000),
    ("784-30-10 mb10 float64", [784, 30, 10], "sigmoid", "quadratic", "gaussian", 10, np.float64, 10000),
    ("784-30-10 mb10 float32", [784, 30, 10], "sigmoid", "quadratic", "gaussian", 10, np.float32, 10000),
    ("784-30-10 mb100 float64", [784, 30, 10], "sigmoid", "quadratic", "gaussian", 100, np.float64, 10000),
    ("784-100-10 mb10 float64", [784, 100, 10], "sigmoid", "quadratic", "gaussian", 10, np.float64, 5000),
    ("784-512-512-10 relu mb100 float32", [784, 512, 512, 10], "relu", "log_likelihood", "he",
     100, np.float32, 2000),
]
IDS = [c[0] for c in CONFIGS]
ETA = {"quadratic": 3.0, "log_likelihood": 0.1}


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


def info(benchmark, kind, config, samples):
    benchmark.extra_info.update(kind=kind, samples=samples, flops=samples * training_flops(config[1]))
    benchmark.group = f"epoch {config[0]}" if samples > config[5] else f"step {config[0]}"


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("method", ["loop", "matrix"])
def bench_epoch(benchmark, config, method):
    name, sizes, activation, cost, init, m, dtype, n = config
    net = Network(sizes, activation, cost, init, seed=0, dtype=dtype)
    data = synthetic_data(sizes, n, dtype)
    info(benchmark, method, config, n)

    def epoch():
        with contextlib.redirect_stdout(io.StringIO()):
            net.SGD(data, 1, m, ETA[cost], method=method)
    benchmark.pedantic(epoch, rounds=3 if method == "loop" else 5, warmup_rounds=1)
    assert all(np.isfinite(w).all() for w in net.weights)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("method", ["loop", "matrix"])
def bench_step(benchmark, config, method):
    name, sizes, activation, cost, init, m, dtype, n = config
    net = Network(sizes, activation, cost, init, seed=0, dtype=dtype)
    X, Y = synthetic_data(sizes, m, dtype)
    info(benchmark, method, config, m)
    if method == "loop":
        mini_batch = [(X[:, i:i + 1], Y[:, i:i + 1]) for i in range(m)]
        benchmark(net.update_mini_batch, mini_batch, ETA[cost])
    else:
        benchmark(net.update_mini_batch_matrix, X, Y, ETA[cost])
    assert all(np.isfinite(w).all() for w in net.weights)


#### PyTorch, for comparison
def torch_setup(config, samples):
    """The config's network in PyTorch, starting from the same weights
    (each layer's weights and biases as tensors, samples as rows), and
    the same synthetic data.  Returns (torch, params, X, Y, step), where
    step(X, Y) takes one plain SGD step: w -> w - (eta/m) sum nabla_w C_x."""
    torch = pytest.importorskip("torch")
    name, sizes, activation, cost, init, m, dtype, n = config
    net = Network(sizes, activation, cost, init, seed=0, dtype=dtype)
    torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[net.dtype.type]
    params = []
    for w, b in zip(net.weights, net.biases):
        params += [torch.tensor(w, dtype=torch_dtype, requires_grad=True),
                   torch.tensor(b[:, 0], dtype=torch_dtype, requires_grad=True)]
    hidden = {"sigmoid": torch.sigmoid, "relu": torch.relu}[activation]

    def total_cost(X, Y):
        a = X
        for layer in range(0, len(params) - 2, 2):
            a = hidden(a @ params[layer].T + params[layer + 1])
        z = a @ params[-2].T + params[-1]
        if cost == "quadratic":
            return 0.5 * ((torch.sigmoid(z) - Y) ** 2).sum()
        return -(Y * torch.log_softmax(z, dim=1)).sum()
    optimizer = torch.optim.SGD(params, lr=ETA[cost])

    def step(X, Y):
        optimizer.zero_grad()
        (total_cost(X, Y) / X.shape[0]).backward()
        optimizer.step()
    X, Y = (torch.from_numpy(np.ascontiguousarray(A.T)) for A in synthetic_data(sizes, samples, dtype))
    return torch, params, X, Y, step


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def bench_epoch_torch(benchmark, config):
    m, n = config[5], config[7]
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
    torch, params, X, Y, step = torch_setup(config, config[5])
    info(benchmark, "torch", config, config[5])
    benchmark(step, X, Y)
    assert all(torch.isfinite(p).all() for p in params)


#### The machine's limit
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def bench_numpy_peak(benchmark, dtype):
    """numpy's own rate on a large matrix product: the most that the
    matrix path could hope for on this machine."""
    n = 2048
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
    benchmark.group = "numpy peak"
    benchmark.extra_info.update(kind="peak", dtype=np.dtype(dtype).name, flops=2 * n ** 3)
    C = benchmark.pedantic(np.dot, (A, B), rounds=5, warmup_rounds=1)
    np.testing.assert_allclose(C[0, :3], A[0] @ B[:, :3], rtol=1e-4)
