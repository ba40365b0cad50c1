"""What the vectorised convolution buys: network3.py's convolution by its
loop beside the one by matrix products, on an epoch of the book's
networks of chapter 6, and the matrix products alone as the floor.

``pytest --benchmark-only`` times them, as for bench_training.py, and the
summary sets them beside numpy's measured peak; plain ``pytest`` runs
each body once, untimed.  Each epoch is timed on a slice of synthetic
images of MNIST's shape and reported per 50,000, in float32 with
mini-batches of 10, as the book trains them."""

from typing import NamedTuple

import numpy as np
import pytest

import network3
from network3 import ConvPoolLayer, FullyConnectedLayer, Network, SoftmaxLayer

MINI_BATCH = 10


class Book(NamedTuple):
    name: str                   # as in the book's conv.py
    layers: object              # a function of loop, making the layers
    lmbda: float
    samples: int                # images timed per round, the same on both paths


def conv(filters, maps, size, activation_fn, loop):
    return ConvPoolLayer((filters, maps, 5, 5), (MINI_BATCH, maps, size, size), (2, 2),
                         activation_fn, loop=loop)


RELU = network3.ReLU
NETWORKS = [
    Book("basic_conv", lambda loop: [conv(20, 1, 28, network3.sigmoid, loop),
                                     FullyConnectedLayer(20 * 12 * 12, 100),
                                     SoftmaxLayer(100, 10)], 0.0, 300),
    Book("dbl_conv_relu", lambda loop: [conv(20, 1, 28, RELU, loop), conv(40, 20, 12, RELU, loop),
                                        FullyConnectedLayer(640, 100, RELU),
                                        SoftmaxLayer(100, 10)], 0.1, 300),
    Book("double_fc_dropout", lambda loop: [conv(20, 1, 28, RELU, loop),
                                            conv(40, 20, 12, RELU, loop),
                                            FullyConnectedLayer(640, 1000, RELU, p_dropout=0.5),
                                            FullyConnectedLayer(1000, 1000, RELU, p_dropout=0.5),
                                            SoftmaxLayer(1000, 10, p_dropout=0.5)],
         0.0, 300),
]
IDS = [book.name for book in NETWORKS]


def training_flops(net):
    """Floating-point operations of the matrix products that training on
    one image costs: for each layer, the forward pass and BP4, and BP2's
    w^T delta for every layer but the first."""
    flops = 0
    for i, layer in enumerate(net.layers):
        if isinstance(layer, ConvPoolLayer):
            filters, maps, fh, fw = layer.filter_shape
            height, width, _ = layer.input_shape
            product = (height - fh + 1) * (width - fw + 1) * filters * maps * fh * fw
        else:
            product = layer.n_in * layer.n_out
        flops += 2 * product * (3 if i else 2)
    return flops


def images(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def info(benchmark, kind, book, samples, net):
    benchmark.group = f"epoch network3 {book.name} mb{MINI_BATCH} float32"
    benchmark.extra_info.update(kind=kind, samples=samples, flops=samples * training_flops(net),
                                mini_batch_size=MINI_BATCH, dtype="float32")


@pytest.mark.parametrize("book", NETWORKS, ids=IDS)
@pytest.mark.parametrize("method", ["loop", "matrix"])
def bench_conv_epoch(benchmark, book, method):
    net = Network(book.layers(method == "loop"), MINI_BATCH, seed=0)
    n = book.samples
    x, y = images(n)
    info(benchmark, method, book, n, net)

    def epoch():
        for k in range(0, n, MINI_BATCH):
            net.update_mini_batch(x[k:k + MINI_BATCH], y[k:k + MINI_BATCH], 0.03, book.lmbda, 5000)
    benchmark.pedantic(epoch, rounds=3, warmup_rounds=1)
    assert all(np.isfinite(layer.w).all() for layer in net.layers)


@pytest.mark.parametrize("book", NETWORKS, ids=IDS)
def bench_conv_products(benchmark, book):
    """The matrix products of the vectorised path for every mini-batch of
    the same slice, on arrays made beforehand, each of its shapes: the
    floor for code that makes them."""
    net = Network(book.layers(False), MINI_BATCH, seed=0)
    x, y = images(MINI_BATCH)
    net.update_mini_batch(x, y, 0.03)                 # every layer keeps its arrays
    arrays = []
    for i, layer in enumerate(net.layers):
        if isinstance(layer, ConvPoolLayer):
            filters = layer.filter_shape[0]
            rows = layer.rows                                         # (m h' w', fh fw maps)
            w = np.ascontiguousarray(layer.w.transpose(0, 2, 3, 1).reshape(filters, -1))
            delta = np.ones((len(rows), filters), np.float32)
            arrays.append((rows, w.T, delta.T, rows, delta, w) if i else (rows, w.T, delta.T, rows))
        else:
            a, delta = layer.input, np.ones((MINI_BATCH, layer.n_out), np.float32)
            arrays.append((a, layer.w, a.T, delta, delta, layer.w.T) if i else
                          (a, layer.w, a.T, delta))
    n = book.samples
    info(benchmark, "products", book, n, net)

    def products():
        for _ in range(n // MINI_BATCH):
            for pairs in arrays:            # forward, BP4, and for all but the first BP2
                for k in range(0, len(pairs), 2):
                    np.dot(pairs[k], pairs[k + 1])
    benchmark.pedantic(products, rounds=3, warmup_rounds=1)
