"""Bad input gets a clear error: the walls that readers of the book's code
hit (flat vectors, zip objects, Python 2's habits), NaN data, labels out
of range, an L2 term too strong, a diverging run; and saving and loading,
where a file is written whole or not at all, and anything that is not a
saved network is refused with a ValueError that says so."""

import os
import pickle
import time
import zipfile

import numpy as np
import pytest

import network
import network3
from network import Network


@pytest.mark.parametrize("sizes", [[784], [784, 0, 10], "784,30", [784, 30.0, 10], []])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match="at least two positive integers"):
        Network(sizes)


def test_a_network_too_large_for_memory_fails_at_once():
    """The weights' room is taken before the biases are drawn: 8 GB of
    them would take a minute before the weights were refused."""
    start = time.perf_counter()
    with pytest.raises(MemoryError, match=r"Unable to allocate .* \(1000000000, 784\)"):
        Network([784, 10 ** 9, 10])
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("kwargs,listed", [
    ({"activation": "relux"}, "sigmoid, relu, leaky_relu, tanh"),
    ({"cost": "mse"}, "quadratic, cross_entropy, log_likelihood"),
    ({"init": "xavier"}, "gaussian, scaled, he"),
    ({"penalty": "L2"}, "unknown penalty 'L2'; choose one of: l2, l1")])
def test_unknown_names_list_the_valid_ones(kwargs, listed):
    with pytest.raises(ValueError, match=listed):
        Network([2, 2], **kwargs)


@pytest.mark.parametrize("dtype", [np.int32, "float16"])
def test_only_float32_and_float64(dtype):
    with pytest.raises(TypeError, match="float32 or np.float64"):
        Network([2, 2], dtype=dtype)


def test_flat_vectors_get_the_reshape_advice():
    net = Network([3, 2], seed=0)
    advice = r"shape \(3,\), a flat vector; .* columns of shape \(3, 1\).*reshape\(-1, 1\)"
    with pytest.raises(ValueError, match=advice):
        net.feedforward(np.zeros(3))
    with pytest.raises(ValueError, match=advice):
        net.backprop(np.zeros(3), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"y has shape \(2,\), a flat vector"):
        net.backprop(np.zeros((3, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="x in training_data has " + advice):
        net.SGD([(np.zeros(3), np.zeros((2, 1)))], 1, 1, 1.0)
    with pytest.raises(ValueError, match="x in test_data has " + advice):
        net.evaluate([(np.zeros(3), 1)])


def test_wrong_shapes_say_what_was_expected():
    net = Network([3, 2], seed=0)
    with pytest.raises(ValueError, match=r"a has shape \(4, 1\); expected \(3, m\)"):
        net.feedforward(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"y has shape \(3, 1\); expected \(2, 1\)"):
        net.backprop(np.zeros((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"Y has shape \(2, 4\); expected \(2, 5\)"):
        net.backprop_batch(np.zeros((3, 5)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"Y of training_data has shape \(3, 5\); expected"):
        net.SGD((np.zeros((3, 5)), np.zeros((3, 5))), 1, 1, 1.0)


def test_bad_data(training_set):
    net = Network([5, 4, 3], seed=0)
    data = training_set(n=4)
    with pytest.raises(TypeError, match=r"zip\(\) gives an iterator in Python 3: pass "
                                        r"list\(zip\(\.\.\.\)\)"):
        net.SGD(zip([x for x, _ in data], [y for _, y in data]), 1, 1, 1.0)
    with pytest.raises(TypeError, match="a list of .* or a pair of matrices .*, not dict"):
        net.evaluate({"x": 1})
    with pytest.raises(ValueError, match="training_data is empty"):
        net.SGD([], 1, 1, 1.0)
    with pytest.raises(ValueError, match="training_data is empty"):
        net.SGD((np.zeros((5, 0)), np.zeros((3, 0))), 1, 1, 1.0)
    bad = data[0][0].copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="training_data contains NaN or infinite values"):
        net.SGD(data + [(bad, data[0][1])], 1, 1, 1.0)
    with pytest.raises(ValueError, match="training_data contains NaN or infinite values"):
        net.SGD(data + [(data[0][0], np.full((3, 1), np.inf))], 1, 1, 1.0)
    with pytest.raises(ValueError, match="test_data contains NaN"):
        net.evaluate([(bad, 1)])
    for labels in ([3], [-1], [0.0]):
        with pytest.raises(ValueError, match="test_data: expected 1 integer labels from 0 to 2"):
            net.evaluate((data[0][0], np.array(labels)))


def test_bad_choices_and_rules_that_cannot_be_followed(training_set):
    net = Network([5, 4, 3], seed=0)
    net.penalty = "L1"                              # set after the network was made
    with pytest.raises(ValueError, match="unknown penalty 'L1'; choose one of: l2, l1"):
        net.SGD(training_set(), 1, 10, 1.0)
    net.penalty = "l2"                              # the default again, for the checks below
    with pytest.raises(ValueError, match="unknown method 'vectorised'; choose one of: loop, "
                                         "matrix"):
        net.SGD(training_set(), 1, 10, 1.0, method="vectorised")
    for rules in ({"stop_after": 3}, {"halve_eta_after": 3}):
        with pytest.raises(ValueError, match="watch the validation accuracy: pass "
                                             "validation_data"):
            net.SGD(training_set(), 1, 10, 1.0, rules=rules)
    with pytest.raises(ValueError, match="choose one learning-rate schedule"):
        net.SGD(training_set(), 1, 10, 1.0, validation_data=[(training_set()[0][0], 0)],
                rules={"halve_eta_after": 2, "anneal": True})
    with pytest.raises(ValueError, match="unknown rule 'stop_afer'; choose one of: stop_after, "
                                         "halve_eta_after, anneal"):
        net.SGD(training_set(), 1, 10, 1.0, rules={"stop_afer": 3})
    for size in (0, -10, 2.5):
        with pytest.raises(ValueError, match=f"mini_batch_size must be a positive integer, "
                                             f"such as 10; got {size}"):
            net.SGD(training_set(), 1, size, 1.0)


def test_network2_habits_are_met_with_the_fix(training_set):
    """A cost class, as network2 takes it, works; lmbda given in network2's
    place, training data given to evaluate, or Python 3's zip object where
    the book's Python 2 made a list, gets the fix."""
    net = Network([5, 4, 3], cost=network.CrossEntropyCost, seed=0)
    assert net.cost is network.CrossEntropyCost
    for lmbda in (5.0, 5):
        with pytest.raises(TypeError, match="lmbda and the options after it are keyword-only, "
                                            "as in lmbda=5.0"):
            net.SGD(training_set(), 1, 10, 0.5, lmbda)
    labelled = [(x, int(np.argmax(y))) for x, y in training_set()]
    with pytest.raises(ValueError, match="y in training_data is a label, 2; training takes the "
                                         r"desired output, a one-hot column of shape \(3, 1\)"):
        net.SGD(labelled, 1, 10, 0.5)
    with pytest.raises(ValueError, match=r"labels, not one-hot columns\), got an array of shape "
                                         r"\(60, 3, 1\)"):
        net.evaluate(training_set())
    xs, ys = zip(*training_set())
    with pytest.raises(TypeError, match=r"not zip; zip\(\) gives an iterator in Python 3: pass "
                                        r"list\(zip\(...\)\)"):
        net.SGD(zip(xs, ys), 1, 10, 0.5)


def test_an_l2_term_that_would_make_the_weights_grow_is_refused(training_set):
    net = Network([5, 4, 3], seed=0)
    with pytest.raises(ValueError, match=r"lmbda=180.0 is too large for eta=1.0 and 60 training "
                                         r"samples.*1 - eta lmbda / n = -2.*below 120"):
        net.SGD(training_set(), 30, 10, 1.0, lmbda=180.0)
    net.penalty = "l1"
    net.SGD(training_set(), 1, 10, 1.0, lmbda=180.0)                     # L1 has no such bound


@pytest.mark.parametrize("lmbda,advice", [(0.0, r"eta=1e\+30\.$"),
                                          (0.5, r"eta=1e\+30, or a smaller lmbda than 0.5\.$")])
def test_divergence_stops_with_advice(training_set, lmbda, advice):
    net = Network([5, 30, 3], "relu", "log_likelihood", penalty="l1", seed=0)
    with pytest.raises(network.DivergenceError, match=r"diverged in epoch \d: .* Try a smaller "
                                                      "learning rate than " + advice):
        net.SGD(training_set(), 3, 10, 1e30, lmbda=lmbda)


def test_measures_of_no_images_are_refused():
    net = Network([3, 4, 2], "relu", seed=0)
    with pytest.raises(ValueError, match="dead_fraction needs at least one image: X has no "
                                         "columns"):
        net.dead_fraction(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="speed_of_learning needs at least one image: X has no "
                                         "columns"):
        net.speed_of_learning(np.zeros((3, 0)), np.zeros((2, 0)))


#### Saving and loading
def test_save_and_load_round_trip(tmp_path):
    net = Network([4, 5, 3], "leaky_relu", "log_likelihood", "he", seed=2, dtype=np.float32)
    path = tmp_path / "net.npz"
    net.save(path)
    loaded = Network.load(path, seed=1)
    assert (loaded.sizes, loaded.activation, loaded.cost, loaded.init) == \
        ([4, 5, 3], "leaky_relu", network.LogLikelihoodCost, "he")
    for a, b in zip(net.weights + net.biases, loaded.weights + loaded.biases):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    x = np.ones((4, 1))
    np.testing.assert_array_equal(net.feedforward(x), loaded.feedforward(x))
    assert loaded.rng.random() == np.random.default_rng(1).random()
    assert os.listdir(tmp_path) == ["net.npz"]


def test_saved_files_get_the_permissions_of_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        Network([2, 2], seed=0).save(tmp_path / "net.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "net.npz").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch, failure):
    path = tmp_path / "net.npz"
    Network([2, 2], seed=0).save(path)
    before = path.read_bytes()

    def failing_savez(f, **arrays):
        f.write(b"half a file")
        raise failure
    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(type(failure)):
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


def refused(path, message, module=network):
    with pytest.raises(ValueError, match=message) as error:
        module.Network.load(path)
    saver = "Network.save" if module is network else "network3"
    assert str(error.value).startswith(f"{path} is not a network saved by {saver}: ")


@pytest.mark.parametrize("name,bad,message", [
    ("w0", np.full((3, 2), np.nan), "NaN or infinite"),
    ("w1", np.zeros((3, 3)), r"do not have the shapes that its network needs: w1 has shape "
                             r"\(3, 3\), not \(2, 3\)"),
    ("b1", None, "b1 is not a file in the archive"),
    ("sizes", np.array([2, 3.5, 2]), "sizes must list at least two positive integers"),
    ("sizes", np.array([2, -3, 2]), "sizes must list at least two positive integers"),
    ("sizes", np.array([2, 10 ** 9, 10 ** 9, 2]), "w2 is not a file in the archive"),
    ("sizes", np.ones(10 ** 6, int), "sizes.npy would unpack to 8,000,128 bytes"),
    ("sizes", np.array(5), "sizes must list at least two positive integers.*; got 5$"),
    ("activation", np.array("softsign"), "unknown activation 'softsign'"),
    ("cost", np.array(["quadratic", "quadratic"]), "unknown cost"),
    ("w0", np.zeros((3, 2), np.int64), "are float64 and int64, not all float32 or all float64"),
    ("b0", np.zeros((3, 1), np.float32), "are float32 and float64, not all float32 or all"),
    ("w0", np.full((3, 2), None, object), "Object arrays cannot be loaded"),
])
def test_load_refuses_damaged_networks(tmp_path, saved, name, bad, message):
    _, arrays = saved
    damaged = dict(arrays)
    if bad is None:
        del damaged[name]
    else:
        damaged[name] = bad
    np.savez(tmp_path / "bad.npz", **damaged)
    refused(tmp_path / "bad.npz", message)


def test_load_refuses_a_header_that_announces_a_huge_array(tmp_path, saved):
    """Reading stops at the header: numpy refuses at once to make the array."""
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
    refused(huge, "array is too big")


def rezipped(module, path, member, write=None, compression=zipfile.ZIP_STORED, **directory):
    """A small network of ``module`` saved at ``path``, its ``member``
    written by write(f) if given, compressed by ``compression``, and its
    entry in the zip's directory then changed by ``directory``."""
    if module is network:
        Network([2, 3, 2], seed=0).save(path)
    else:
        network3.Network([network3.FullyConnectedLayer(2, 3), network3.SoftmaxLayer(3, 2)], 1,
                         seed=0).save(path)
    with zipfile.ZipFile(path) as source:
        items = {item: source.read(item) for item in source.namelist()}
    with zipfile.ZipFile(path, "w") as target:
        for item, data in items.items():
            info = zipfile.ZipInfo(item)
            info.compress_type = compression if item == member + ".npy" else zipfile.ZIP_STORED
            with target.open(info, "w") as f:
                if write and item == member + ".npy":
                    write(f)
                else:
                    f.write(data)
        for name, value in directory.items():
            setattr(target.getinfo(member + ".npy"), name, value)
    return path


@pytest.mark.parametrize("module", [network, network3])
@pytest.mark.parametrize("change,message", [
    ({"compression": zipfile.ZIP_BZIP2}, r"w1.npy would unpack to [\d,]+ bytes by zip method 12"),
    ({"compression": zipfile.ZIP_LZMA}, r"w1.npy would unpack to [\d,]+ bytes by zip method 14"),
    ({"flag_bits": 0x1}, "File 'w1.npy' is encrypted, password required for extraction"),
    ({"compression": zipfile.ZIP_DEFLATED}, r"w1.npy would unpack to [\d,]+ bytes by zip method 8"),
    ({"write": lambda f: f.write(b"no array")}, r"w1 has shape \(\), not \("),
    ({"write": lambda f: f.write(b"\x93NUMPY\x01\x00\x40\x00{'descr': '<f8', 'fortran_order': "
                                 b"False, 'shape': (2, }" + b" " * 10 + b"\n")}, "EOF in multi-line statement")])
def test_load_refuses_members_that_np_savez_does_not_write(tmp_path, module, change, message):
    """np.savez stores its members uncompressed; a compressed one could
    unpack to far more than the file holds, and is refused unread.  A
    member that holds no .npy array, or one whose header does not parse,
    is refused too."""
    refused(rezipped(module, tmp_path / "odd.npz", "w1", **change), message, module)


@pytest.mark.parametrize("module,member", [(network, "sizes"), (network, "w1"),
                                           (network3, "layers"), (network3, "w1")])
@pytest.mark.parametrize("compression,megabytes", [(zipfile.ZIP_DEFLATED, 50),
                                                  (zipfile.ZIP_STORED, 1)])
def test_load_refuses_unread_a_member_larger_than_its_network_needs(
        tmp_path, module, member, compression, megabytes):
    """50 MB of zeros deflate to 50 kB; 1 MB stored is far more than the
    few weights of the network need.  Either member announces its size."""
    def zeros(f):
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f8", "fortran_order": False, "shape": (megabytes * 2 ** 17,)})
        for _ in range(megabytes):
            f.write(bytes(2 ** 20))
    path = rezipped(module, tmp_path / "bomb.npz", member, zeros, compression)
    assert path.stat().st_size < 2 ** 20 * (1 + (compression == zipfile.ZIP_STORED))
    refused(path, rf"{member}.npy would unpack to {megabytes * 2 ** 20 // 1000:,},\d{{3}} bytes by zip "
                  rf"method {compression}: np.savez stores each member uncompressed, within the "
                  rf"bytes its network needs", module)


def test_load_refuses_layers_nested_too_deep(tmp_path):
    path = rezipped(network3, tmp_path / "deep.npz", "layers",
                    lambda f: np.lib.format.write_array(f, np.array("[" * 10 ** 4)))
    refused(path, "maximum recursion depth exceeded while decoding a JSON array", network3)


def test_load_refuses_a_network_of_another_dtype(tmp_path, saved):
    _, arrays = saved
    np.savez(tmp_path / "half.npz", **{k: a.astype(np.float16) if k[0] in "wb" else a
                                       for k, a in arrays.items()})
    refused(tmp_path / "half.npz", "are float16, not all float32 or all float64")


def test_load_refuses_files_of_other_kinds(tmp_path, saved):
    path, _ = saved
    data = path.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[:len(data) // 2])
    refused(tmp_path / "truncated.npz", "it is not a .npz file")
    flipped = bytearray(data)
    magic = data.index(b"\x93NUMPY", data.index(b"w0.npy"))
    offset = magic + 10 + int.from_bytes(data[magic + 8:magic + 10], "little") + 4  # in w0's values
    flipped[offset] ^= 0x10
    (tmp_path / "flipped.npz").write_bytes(bytes(flipped))
    refused(tmp_path / "flipped.npz", "Bad CRC-32 for file 'w0.npy'")
    np.save(tmp_path / "array.npy", np.zeros(3))
    refused(tmp_path / "array.npy", "it is not a .npz file")
    (tmp_path / "text.npz").write_text("not a network")
    refused(tmp_path / "text.npz", "it is not a .npz file")
    (tmp_path / "pickled.npz").write_bytes(pickle.dumps({"w0": [1.0]}))
    refused(tmp_path / "pickled.npz", "it is not a .npz file")
    refused(tmp_path, "it is not a .npz file")
    with pytest.raises(FileNotFoundError):
        Network.load(tmp_path / "missing.npz")


def test_load_never_reads_a_stream_without_end(tmp_path):
    """A pipe nobody writes to would block the reader for ever; a device
    such as /dev/zero would feed it without end.  Both are refused unread."""
    os.mkfifo(tmp_path / "fifo")
    refused(tmp_path / "fifo", "it is not a .npz file")
    refused("/dev/zero", "it is not a .npz file")


def test_load_with_a_bad_seed_names_the_seed_not_the_file(saved):
    path, _ = saved
    with pytest.raises(ValueError, match="non-negative") as error:
        Network.load(path, seed=-3)
    assert "not a network" not in str(error.value)
