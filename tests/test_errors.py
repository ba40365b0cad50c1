"""Bad input gets a clear error: wrong shapes, NaNs, bad hyperparameters,
absurd sizes, divergence; and saving and loading, where every way a file
can be bad is refused with a ValueError that says so."""

import os
import pickle
import zipfile

import numpy as np
import pytest

import network
from network import Network
from test_gradients import training_set


@pytest.mark.parametrize("sizes", [[784], [784, 0, 10], "784,30", [784, 30.0, 10], [3, True], []])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match="at least two positive integers"):
        Network(sizes)


def test_absurd_sizes_are_refused_before_allocating():
    with pytest.raises(ValueError, match=r"need about .* GB .* choose smaller layers"):
        Network([784, 10 ** 9, 10])


@pytest.mark.parametrize("kwargs,listed", [({"activation": "relux"}, "sigmoid, relu, leaky_relu, tanh"),
                                           ({"cost": "mse"}, "quadratic, cross_entropy, log_likelihood"),
                                           ({"init": "xavier"}, "gaussian, scaled, he")])
def test_unknown_names_list_the_valid_ones(kwargs, listed):
    with pytest.raises(ValueError, match=listed):
        Network([2, 2], **kwargs)


@pytest.mark.parametrize("dtype", [np.int32, "float16", "nonsense"])
def test_bad_dtype(dtype):
    with pytest.raises(TypeError, match="float32 or np.float64"):
        Network([2, 2], dtype=dtype)


@pytest.mark.parametrize("seed", [-1, 1.5, "7"])
def test_bad_seed_names_seed(seed):
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        Network([2, 2], seed=seed)


def test_flat_input_gets_the_reshape_advice():
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match=r"shape \(3,\), a flat vector.*reshape\(-1, 1\)"):
        net.feedforward(np.zeros(3))
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        net.backprop(np.zeros(3), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        net.SGD([(np.zeros(3), np.zeros((2, 1)))], 1, 1, 1.0)


def test_wrong_shapes():
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match=r"shape \(4, 1\); expected \(3, m\)"):
        net.feedforward(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"expected \(2, 1\)"):
        net.backprop(np.zeros((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"expected \(2, 5\)"):
        net.backprop_batch(np.zeros((3, 5)), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="numpy array"):
        net.feedforward([[1], [2], [3]])


def test_bad_training_data():
    net = Network([3, 2], seed=0)
    x, y = np.zeros((3, 1)), np.zeros((2, 1))
    with pytest.raises(TypeError, match=r"list\(zip\(\.\.\.\)\)"):
        net.SGD(zip([x], [y]), 1, 1, 1.0)
    with pytest.raises(TypeError, match=r"\(x, y\) tuples"):
        net.SGD([x, y], 1, 1, 1.0)
    with pytest.raises(ValueError, match="training_data is empty"):
        net.SGD([], 1, 1, 1.0)
    bad = x.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.SGD([(x, y), (bad, y)], 1, 1, 1.0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.evaluate([(bad, 1)])
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        net.evaluate([(x, 2)])


@pytest.mark.parametrize("args,kwargs,message", [
    ((1, 1, 0.0), {}, "eta must be a finite number > 0"),
    ((1, 1, -1.0), {}, "eta must be a finite number > 0"),
    ((1, 1, float("nan")), {}, "eta must be a finite number > 0"),
    ((1, 0, 1.0), {}, "mini_batch_size must be an integer >= 1"),
    ((1, 2.5, 1.0), {}, "mini_batch_size must be an integer >= 1"),
    ((-1, 1, 1.0), {}, "epochs must be an integer >= 0"),
    ((1, 1, 1.0), {"lmbda": -0.1}, "lmbda must be a finite number >= 0"),
    ((1, 1, 1.0), {"penalty": "l3"}, "choose one of: l2, l1"),
    ((1, 1, 1.0), {"mu": -0.5}, "mu must be a finite number >= 0"),
    ((1, 1, 1.0), {"mu": 1.0}, "mu must be below 1"),
    ((1, 1, 1.0), {"method": "vectorised"}, "choose one of: loop, matrix"),
    ((1, 1, 1.0), {"stop_after": 3}, "stop_after watches the validation accuracy"),
    ((1, 1, 1.0), {"halve_eta_after": 0}, "halve_eta_after must be an integer >= 1"),
    ((1, 1, 1.0), {"anneal": True, "halve_eta_after": 2,
                   "validation_data": [(np.zeros((3, 1)), 0)]},
     "choose one learning-rate schedule: anneal or halve_eta_after"),
])
def test_bad_hyperparameters(args, kwargs, message):
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match=message):
        net.SGD([(np.zeros((3, 1)), np.zeros((2, 1)))], *args, **kwargs)


def test_divergence_stops_with_advice(capsys):
    net = Network([5, 30, 3], "relu", "log_likelihood", seed=0)
    with pytest.raises(network.DivergenceError, match="smaller learning rate than eta=1e\\+30"):
        net.SGD(training_set(), 3, 10, 1e30)


def test_a_huge_lmbda_is_refused_naming_lmbda():
    net = Network([5, 4, 3], seed=0)
    with pytest.raises(ValueError, match=r"lmbda=180.0 is too large for eta=1.0 and 60 training "
                                         r"samples.*1 - eta lmbda / n = -2.*below 120"):
        net.SGD(training_set(), 30, 10, 1.0, lmbda=180.0)


def test_divergence_with_lmbda_names_lmbda_too(capsys):
    net = Network([5, 30, 3], "relu", "log_likelihood", seed=0)
    with pytest.raises(network.DivergenceError, match="or a smaller lmbda than 0.5"):
        net.SGD(training_set(), 3, 10, 1e30, lmbda=0.5, penalty="l1")


#### Saving and loading
def test_save_and_load_round_trip(tmp_path):
    net = Network([4, 5, 3], "leaky_relu", "log_likelihood", "he", seed=2, dtype=np.float32)
    path = tmp_path / "net.npz"
    net.save(path)
    loaded = Network.load(path)
    assert (loaded.sizes, loaded.activation, loaded.cost, loaded.init) == \
        ([4, 5, 3], "leaky_relu", network.LogLikelihoodCost, "he")
    for a, b in zip(net.weights + net.biases, loaded.weights + loaded.biases):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    x = np.ones((4, 1))
    np.testing.assert_array_equal(net.feedforward(x), loaded.feedforward(x))
    assert os.listdir(tmp_path) == ["net.npz"]


def test_saved_files_get_the_permissions_of_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        Network([2, 2], seed=0).save(tmp_path / "net.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "net.npz").stat().st_mode & 0o777 == 0o640


def test_a_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "net.npz"
    Network([2, 2], seed=0).save(path)
    before = path.read_bytes()

    def failing_savez(f, **arrays):
        f.write(b"half a file")
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError, match="disk full"):
        Network([2, 2], seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.npz"]


@pytest.fixture
def saved(tmp_path):
    """The path and the arrays of a saved [2, 3, 2] network."""
    path = tmp_path / "good.npz"
    Network([2, 3, 2], seed=0).save(path)
    with np.load(path) as f:
        return path, {k: f[k] for k in f.files}


def bad_npz(tmp_path, arrays, name="bad.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def refused(path, message):
    with pytest.raises(ValueError, match=message) as error:
        Network.load(path)
    assert "not a network saved by Network.save" in str(error.value)
    assert "pickle" not in str(error.value).replace(str(path), "")


@pytest.mark.parametrize("name,bad,message", [
    ("w0", np.full((3, 2), np.nan), "NaN or infinite"),
    ("w1", np.zeros((3, 3)), r"w1 has the wrong shape, \(3, 3\)"),
    ("b1", None, "it lacks b1"),
    ("sizes", np.array([2, 3.5, 2]), "sizes has dtype float64"),
    ("sizes", np.array([2, -3, 2]), "at least two positive integers"),
    ("sizes", np.array([2, 10 ** 9, 10 ** 9, 2]), "choose smaller layers"),
    ("sizes", np.ones(10 ** 6, int), r"sizes has the wrong shape, \(1000000,\)"),
    ("activation", np.array("softsign"), "unknown activation 'softsign'"),
    ("cost", np.array(["quadratic", "quadratic"]), "cost has the wrong shape"),
    ("w0", np.zeros((3, 2), np.int64), "dtype must be np.float32 or np.float64"),
    ("b0", np.zeros((3, 1), np.float32), "b0 has dtype float32"),
])
def test_load_refuses_damaged_networks(tmp_path, saved, name, bad, message):
    _, arrays = saved
    damaged = dict(arrays)
    if bad is None:
        del damaged[name]
    else:
        damaged[name] = bad
    refused(bad_npz(tmp_path, damaged), message)


def test_load_checks_array_sizes_before_reading_them(tmp_path, saved):
    """A header announcing a huge array is refused before numpy would try
    to allocate it."""
    path, _ = saved
    huge = tmp_path / "huge.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(huge, "w") as target:
        for item in source.namelist():
            if item == "w1.npy":
                with target.open(item, "w") as f:
                    np.lib.format.write_array_header_1_0(
                        f, {"descr": "<f8", "fortran_order": False, "shape": (10 ** 12, 10 ** 12)})
            else:
                target.writestr(item, source.read(item))
    refused(huge, r"w1 has the wrong shape, \(1000000000000, 1000000000000\)")


def test_load_refuses_files_of_other_kinds(tmp_path, saved):
    path, _ = saved
    data = path.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[:len(data) // 2])
    refused(tmp_path / "truncated.npz", "not a .npz archive, or it is cut short")
    flipped = bytearray(data)
    magic = data.index(b"\x93NUMPY", data.index(b"w0.npy"))
    offset = magic + 10 + int.from_bytes(data[magic + 8:magic + 10], "little") + 4  # in w0's values
    flipped[offset] ^= 0x10
    (tmp_path / "flipped.npz").write_bytes(bytes(flipped))
    refused(tmp_path / "flipped.npz", "w0 is damaged")
    np.save(tmp_path / "array.npy", np.zeros(3))
    refused(tmp_path / "array.npy", "not a .npz archive")
    (tmp_path / "text.npz").write_text("not a network")
    refused(tmp_path / "text.npz", "not a .npz archive")
    (tmp_path / "pickled.npz").write_bytes(pickle.dumps({"w0": [1.0]}))
    refused(tmp_path / "pickled.npz", "not a .npz archive")
    refused(tmp_path, "it is a directory")
    with pytest.raises(FileNotFoundError):
        Network.load(tmp_path / "missing.npz")


def test_load_with_a_bad_seed_names_seed(saved):
    path, _ = saved
    with pytest.raises(ValueError, match="seed must be an integer >= 0") as error:
        Network.load(path, seed=-3)
    assert "not a network" not in str(error.value)
