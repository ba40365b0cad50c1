"""The PyTorch rows of the benchmarks do the same work as the matrix path:
one step of the benchmark's PyTorch network, from the same weights on the
same mini-batch, ends in the same weights as ``update_mini_batch_matrix``.
Skipped when PyTorch is not installed (pip install torch)."""

import numpy as np
import pytest

from bench_training import CONFIGS, ETA, synthetic_data, torch_setup
from network import Network

pytest.importorskip("torch", reason="PyTorch is optional: pip install torch",
                    exc_type=ImportError)

CASES = [CONFIGS[1]._replace(samples=10),                                 # quadratic, sigmoid
         CONFIGS[-1]._replace(dtype=np.float64, samples=100)]             # log-likelihood, ReLU


@pytest.mark.parametrize("config", CASES, ids=[c.name for c in CASES])
def test_one_torch_step_is_the_matrix_step(config):
    torch, params, X, Y, step = torch_setup(config, config.mini_batch_size)
    step(X, Y)
    net = Network(config.sizes, config.activation, config.cost, config.init, seed=0,
                  dtype=config.dtype)
    before = [w.copy() for w in net.weights]
    net.update_mini_batch_matrix(*synthetic_data(config.sizes, config.mini_batch_size,
                                                 config.dtype), ETA[config.cost])
    assert not np.allclose(before[0], net.weights[0])
    for layer, (w, b) in enumerate(zip(net.weights, net.biases)):
        np.testing.assert_allclose(params[2 * layer].detach().numpy(), w, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(params[2 * layer + 1].detach().numpy(), b[:, 0], rtol=1e-10,
                                   atol=1e-12)
