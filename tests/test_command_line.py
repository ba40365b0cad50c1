"""Tests of command_line.py, the program that ``python network.py`` runs,
mostly as a program, on the real MNIST files found through
$MNIST_DATA_DIR: its options and messages, Ctrl-C and SIGTERM, output
that fails, memory that runs out, and --classify; and that network.py
and mnist_loader.py stand alone."""

import contextlib
import functools
import importlib.util
import io
import os
import pathlib
import re
import resource
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

import command_line
import mnist_loader
import network
import network3
from network import Network

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_the_lesson_and_the_loader_stand_alone():
    """network.py imports no module of the project, nor does
    mnist_loader.py, so no import cycle can tie them to the program."""
    for module in ("network", "mnist_loader"):
        code = (f"import sys; import {module}; "
                f"print(sorted({{'network', 'mnist_loader', 'command_line'}} & set(sys.modules)))")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                cwd=ROOT, check=True)
        assert result.stdout == f"[{module!r}]\n"


#### python network.py
def test_help_is_a_guide_to_every_option(run):
    status, out, _ = run("--help")
    assert status == 0
    for group in ("the network:", "the training:",
                  "chapter 3's techniques, and some beyond the book:",
                  "chapter 6's convolutional networks:", "data and files:"):
        assert f"\n{group}\n" in out
    options = re.findall(r"^  (--[a-z-]+)", out, re.MULTILINE)
    assert options == ["--sizes", "--activation", "--cost", "--init", "--dtype", "--seed",
                       "--dead", "--speeds", "--monitor-training", "--epochs", "--mini-batch-size",
                       "--eta", "--method", "--lmbda", "--penalty", "--mu", "--stop-after",
                       "--halve-eta-after", "--anneal", "--expand", "--shift", "--elastic",
                       "--affine", "--conv", "--data", "--save", "--plot", "--load", "--classify"]
    # Each option has a line of help, and no noise.
    assert not re.search(r"^  --\S+( \S+)*$\n  --", out, re.MULTILINE)
    assert "None" not in out and out.count("(default:") == 13        # each stated once


@pytest.mark.parametrize("args,message", [
    (["--eta", "-1"], "argument --eta: expected a finite number > 0, got '-1'"),
    (["--eta", "inf"], "argument --eta: expected a finite number > 0, got 'inf'"),
    (["--activation", "relux"], "argument --activation: invalid choice: 'relux'"),
    (["--sizes", "784", "30", "9"], "MNIST needs 784 inputs and 10 outputs"),
    (["--sizes", "784", "0", "10"], "argument --sizes: expected an integer >= 1, got '0'"),
    (["--epochs", "many"], "argument --epochs: expected an integer >= 1, got 'many'"),
    (["--seed", "-1"], "argument --seed: expected an integer >= 0, got '-1'"),
    (["--mu", "1"], "argument --mu: expected a number from 0 up to, not including, 1"),
    (["--shift", "5"], "argument --shift: expected 0 to 4, the margin of MNIST's digits"),
    (["--dead"], "--dead needs hidden layers of --activation relu or leaky_relu"),
    (["--dead", "--activation", "relu", "--sizes", "784", "10"], "--dead needs hidden layers"),
    (["--speeds", "--sizes", "784", "10"], "--speeds needs hidden layers, as in --sizes 784 30 30 10; "
                                            "got --sizes 784 10"),
    (["--classify", "digit.png"], "--load and --classify go together: train with --save "
                                  "net.npz, then python network.py --load net.npz --classify"),
    (["--load", "net.npz"], "--load and --classify go together"),
    (["--load", "/nonexistent.npz", "--classify", "a.npy"],
     "--load: /nonexistent.npz is not a file; give a network saved with --save"),
    (["--load", str(ROOT / "README.md"), "--classify", "a.npy", "--epochs", "3", "--save",
      "x.npz"], "--classify reads images with the --load network: --data, --epochs, --save do "
     "not apply"),
    (["--data", ""], "--data needs a directory"),
    (["--anneal", "--halve-eta-after", "5"],
     "argument --halve-eta-after: not allowed with argument --anneal"),
    (["--expand", "--shift", "1"], "argument --shift: not allowed with argument --expand"),
    (["--elastic", "--shift", "2"], "--elastic and --affine vary the images in place of "
                                    "--expand and --shift: choose one way"),
    (["--lmbda", "1e7"], r"lmbda=10000000.0 is too large for eta=3.0 and 50000 training samples"),
    (["--expand", "--lmbda", "2e5"], r"lmbda=200000.0 is too large for eta=3.0 and 250000"),
    (["--sizes", "784", "1000000000000", "10"],
     r"--sizes 784 1000000000000 10: too large \(Unable to allocate .*\); choose smaller"),
    (["--sizes", "784", "99999999999999999999", "10"],
     r"--sizes 784 99999999999999999999 10: too large \(.*\); choose smaller layers"),
    (["--save", "/nonexistent/net.npz"],
     "--save: cannot write /nonexistent/net.npz: No such file or directory"),
    (["--save", str(ROOT)], f"--save needs the name of a regular file, such as net.npz, not "
                            f"'{ROOT}'"),
    (["--save", "somewhere/"], "--save needs the name of a regular file, such as net.npz, not "
                               "'somewhere/'"),
    (["--save", ""], "--save needs the name of a regular file, such as net.npz, not ''"),
    (["--save", "x" * 300 + ".npz"], "--save: cannot write x+.npz: File name too long"),
    (["--save", "/proc/net.npz"], "--save: cannot write /proc/net.npz"),
    (["--conv", "dbl_conv", "--sizes", "784", "10", "--mu", "0.5"],
     "--conv trains network3.py's network as the book does: --mu, --sizes do not apply"),
    (["--conv", "lenet"], "argument --conv: invalid choice: 'lenet'"),
    (["--conv", "shallow", "--mini-batch-size", "60000"], "--mini-batch-size 60000 is more than "
     "the 50,000 training images: network3 trains on full mini-batches"),
    (["--load", str(ROOT / "README.md"), "--classify", "a.npy", "--dead"],
     "--classify reads images with the --load network: --data, --dead do not apply"),
    (["--load", str(ROOT / "README.md"), "--classify", "a.npy", "--epochs", "30"],
     "--classify reads images with the --load network: --data, --epochs do not apply"),
])
def test_bad_options_get_one_line_before_any_work(run, args, message):
    """Every option that can fail is refused at once, before the data is
    loaded: the data directory given here does not even exist."""
    status, out, err = run("--data", "/nonexistent-mnist", *args)
    assert status == 2 and out == "" and "Traceback" not in err
    assert re.search(message, err)
    assert err.splitlines() == ["usage: network.py [options]", err.splitlines()[-1]]
    assert err.splitlines()[-1].startswith("network.py: error: ")


def test_save_and_plot_that_cannot_be_written_are_both_said(run, tmp_path):
    pytest.importorskip("matplotlib")
    status, out, err = run("--data", "/nonexistent-mnist", "--save", str(tmp_path / "no/net.npz"),
                           "--plot", str(tmp_path / "no/run.png"))
    assert status == 2 and out == ""
    assert err.splitlines()[-1] == (
        f"network.py: error: --save: cannot write {tmp_path / 'no/net.npz'}: No such file or "
        f"directory; --plot: cannot write {tmp_path / 'no/run.png'}: No such file or directory")


def test_the_program_writes_to_a_stream_that_is_not_a_terminal(tmp_path):
    """From Python, sys.stdout may be an io.StringIO: no encoding to set."""
    Network([784, 10], seed=0).save(tmp_path / "net.npz")
    np.save(tmp_path / "digit.npy", np.eye(28))
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert command_line.main(["--load", str(tmp_path / "net.npz"), "--classify",
                                  str(tmp_path / "digit.npy")]) == 0
    assert out.getvalue().startswith(f"{tmp_path / 'digit.npy'}: the network reads ")


def test_save_refuses_a_pipe_or_a_device(run, tmp_path):
    """Saving replaces the file at the path: never a pipe or a device."""
    os.mkfifo(tmp_path / "fifo")
    for path in (tmp_path / "fifo", "/dev/null"):
        status, out, err = run("--data", "/nonexistent-mnist", "--save", str(path))
        assert status == 2 and f"--save needs the name of a regular file, such as net.npz, " \
                                f"not '{path}'" in err
    assert stat.S_ISFIFO((tmp_path / "fifo").stat().st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("where", ["nowhere", "a file", "none"])
def test_missing_data_is_one_clear_message(run, tmp_path, where):
    (tmp_path / "a-file").write_text("not a directory")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "MNIST_MIRRORS": "http://127.0.0.1:9/",
           "MNIST_DATA_DIR": None}
    args = {"nowhere": ["--data", str(tmp_path / "nowhere")], "none": [],
            "a file": ["--data", str(tmp_path / "a-file")]}[where]
    status, out, err = run("--epochs", "1", *args, env=env)
    assert status == 1 and out == "" and len(err.splitlines()) == 1
    assert err.startswith({"nowhere": f"network.py: the MNIST data directory {tmp_path}/nowhere: "
                                      f"No such file or directory",
                           "a file": f"network.py: the MNIST data directory {tmp_path}/a-file: "
                                     f"Not a directory",
                           "none": "network.py: Put the four MNIST files"}[where])


def test_a_short_run(run, data_dir, tmp_path):
    path = tmp_path / "net.npz"
    status, out, err = run("--epochs", "1", "--data", data_dir, "--save", str(path))
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "MNIST loaded: 50,000 training, 10,000 validation and 10,000 test images"
    assert re.fullmatch(r"Epoch 0: (\d+) / 10000, validation (\d+) / 10000, [\d.]+ s", lines[1])
    assert int(lines[1].split()[2]) >= 9000
    assert lines[2].startswith("Best validation accuracy ") and lines[2].endswith(
        f"in epoch 0, where the test accuracy is {int(lines[1].split()[2]) / 100:.2f}%")
    assert lines[3:] == [f"Saved the network of epoch 0 to {path}"]
    assert Network.load(path).sizes == [784, 30, 10]
    assert os.listdir(tmp_path) == ["net.npz"]


def test_monitor_training_prints_the_training_accuracy_and_the_costs(run, data_dir, mnist,
                                                                     tmp_path):
    """The numbers printed are those of the saved network, the only epoch's."""
    path = tmp_path / "net.npz"
    status, out, err = run("--epochs", "1", "--data", data_dir, "--monitor-training",
                           "--cost", "cross_entropy", "--eta", "0.5", "--lmbda", "5",
                           "--save", str(path))
    assert status == 0 and err == ""
    lines = out.splitlines()
    (X, Y), validation, test = mnist
    net = Network.load(path)
    right, cost = net.accuracy_and_cost((X, np.argmax(Y, axis=0)), 5.0, 50000)
    assert lines[1].startswith(f"Epoch 0: {net.evaluate(test)} / 10000, validation "
                               f"{net.evaluate(validation)} / 10000, training {right} / 50000, ")
    assert lines[2] == (f"  cost: test {net.total_cost(test, 5.0, 50000):.4f}, validation "
                        f"{net.total_cost(validation, 5.0, 50000):.4f}, training {cost:.4f}")
    assert lines[3].startswith("Best validation accuracy ")


def test_speeds_and_dead_units_are_printed_below_each_epoch(run, data_dir, mnist, tmp_path):
    """The speeds printed are those of the saved network, the only epoch's."""
    path = tmp_path / "net.npz"
    status, out, err = run("--epochs", "1", "--data", data_dir, "--sizes", "784", "30", "20", "10",
                           "--activation", "relu", "--init", "he", "--eta", "0.5", "--dead",
                           "--speeds", "--save", str(path))
    assert status == 0, err
    lines = out.splitlines()
    (X, Y), _, _ = mnist
    start = Network([784, 30, 20, 10], "relu", "quadratic", "he", seed=0)
    speeds = start.speed_of_learning(X[:, :1000], Y[:, :1000])
    assert lines[1] == ("  speed of learning per hidden layer at the start: "
                        + ", ".join(f"{s:.3g}" for s in speeds))
    assert lines[2].startswith("Epoch 0: ")
    assert re.fullmatch(r"  dead units per hidden layer: \d+\.\d%, \d+\.\d%", lines[3])
    speeds = Network.load(path).speed_of_learning(X[:, :1000], Y[:, :1000])
    assert lines[4] == "  speed of learning per hidden layer: " + ", ".join(
        f"{s:.3g}" for s in speeds)


def test_chapter_3_options_reach_training(run, data_dir):
    status, out, err = run("--epochs", "3", "--data", data_dir, "--sizes", "784", "10", "--cost",
                           "cross_entropy", "--eta", "0.5", "--lmbda", "5", "--penalty", "l1",
                           "--mu", "0.5", "--halve-eta-after", "1", "--stop-after", "2",
                           "--shift", "1", "--seed", "3")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[1].startswith("Epoch 0: ") and ", eta 0.5, " in lines[1]
    assert int(lines[1].split()[2]) >= 8000


def test_a_diverging_run_is_one_line_and_no_numpy_warning(run, data_dir):
    """Under PYTHONWARNINGS=error a numpy warning would be a traceback."""
    status, out, err = run("--epochs", "2", "--data", data_dir, "--activation", "relu", "--cost",
                           "log_likelihood", "--eta", "1e300", env={"PYTHONWARNINGS": "error"})
    assert status == 1
    assert err == ("network.py: training diverged in epoch 0: the weights are no longer finite. "
                   "Try a smaller learning rate than eta=1e+300.\n")


def test_running_out_of_memory_is_one_line(run, data_dir):
    """--expand in float64 needs 1.5 GB more than a plain run: with the
    address space capped at 1.2 GB, the program says so in one line."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (1_200_000_000, 1_200_000_000))
    status, out, err = run("--epochs", "1", "--data", data_dir, "--expand", preexec_fn=cap,
                           env={"OPENBLAS_NUM_THREADS": "1"})
    assert status == 1 and out == ""
    assert re.fullmatch(r"network.py: not enough memory: Unable to allocate 1.46 GiB for an array "
                        r"with shape \(784, 250000\) and data type float64\n", err)


@pytest.mark.parametrize("output", ["a pipe whose reader has gone", "a full device",
                                    "a terminal that cannot print the path", "none at all"])
def test_the_network_is_saved_whatever_becomes_of_the_output(program, data_dir, tmp_path, output):
    path = tmp_path / "réseau.npz"
    args = ("--epochs", "2", "--data", data_dir, "--save", str(path))
    if output == "a full device":
        with open("/dev/full", "w") as full:
            process = program(*args, stdout=full, stderr=full)
    elif output == "a pipe whose reader has gone":
        process = program(*args)
        assert process.stdout.readline().startswith("MNIST loaded")
        process.stdout.close()
    elif output == "none at all":                      # python network.py >&- 2>&-
        process = program(*args, stdout=None, stderr=None,
                          preexec_fn=lambda: (os.close(1), os.close(2)))
    else:
        process = program(*args, env={"PYTHONIOENCODING": "ascii"})
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0 and not err
    assert Network.load(path).sizes == [784, 30, 10]
    if output == "a terminal that cannot print the path":
        assert re.search(r"Saved the network of epoch \d to .*r\\xe9seau.npz\n$", out)


def test_without_a_network_to_save_an_output_that_fails_ends_the_run(program, data_dir):
    """python network.py | head -1: the reader has gone, and there is no
    network to save, so there is nothing left to do."""
    process = program("--epochs", "1000", "--data", data_dir)
    assert process.stdout.readline().startswith("MNIST loaded")
    process.stdout.close()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err == ("network.py: the output cannot be written (Broken pipe), so training "
                   "stopped\n")


@pytest.fixture
def small_mnist(monkeypatch):
    """In this process, MNIST is 100 random training images and 20 each
    for validation and test: the program runs in a moment."""
    rng = np.random.default_rng(0)
    X, labels = rng.random((784, 100)), rng.integers(0, 10, 100)
    data = ((X, np.eye(10)[:, labels]), (X[:, :20], labels[:20]), (X[:, 20:40], labels[20:40]))
    monkeypatch.setattr(mnist_loader, "load_data_matrices", lambda *args, **kwargs: data)


def test_the_report_of_each_epoch(small_mnist, monkeypatch, capsys):
    """The program's lines: the book's with the validation accuracy, the
    training accuracy and every set's cost, eta while a rule changes it,
    the seconds; and at the end, why training stopped."""
    scores = iter([(5, 0.5), (5, 0.4), (3, 0.3)] + [(6, 0.2)] * 3 + [(6, 0.1)] * 12)
    monkeypatch.setattr(Network, "accuracy_and_cost", lambda self, data, *rest: next(scores))
    status = command_line.main(["--epochs", "9", "--sizes", "784", "10", "--monitor-training",
                                "--halve-eta-after", "1", "--stop-after", "2"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert lines[0] == "MNIST loaded: 100 training, 20 validation and 20 test images"
    assert re.fullmatch(r"Epoch 0: 5 / 20, validation 5 / 20, training 3 / 100, eta 3, "
                        r"\d+\.\d\d s", lines[1])
    assert lines[2] == "  cost: test 0.5000, validation 0.4000, training 0.3000"
    assert re.fullmatch(r"Epoch 1: 6 / 20, validation 6 / 20, training 6 / 100, eta 3, .* s",
                        lines[3])
    assert re.fullmatch(r"Epoch 2: 6 / 20, validation 6 / 20, training 6 / 100, eta 3, .* s",
                        lines[5])
    assert re.fullmatch(r"Epoch 3: .*, eta 1.5, .* s", lines[7])
    assert lines[9:] == ["Stopped early: no better validation accuracy in 2 epochs",
                         "Best validation accuracy 30.00% in epoch 1, where the test accuracy "
                         "is 30.00%"]


def test_conv_trains_the_books_network_saves_it_and_reads_a_digit_with_it(
        small_mnist, capsys, tmp_path):
    """--conv basic_conv with the book's settings (eta 0.1, float32), on the
    small data; the saved network3 network then classifies an image."""
    path = tmp_path / "conv.npz"
    status = command_line.main(["--conv", "basic_conv", "--epochs", "2", "--save", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert [line.split(":")[0] for line in lines[1:3]] == ["Epoch 0", "Epoch 1"]
    assert re.fullmatch(r"Epoch 1: \d+ / 20, validation \d+ / 20, [\d.]+ s", lines[2])
    assert lines[-1].startswith("Saved the network of epoch ")
    net = network3.Network.load(path)
    assert [type(layer).__name__ for layer in net.layers] == [
        "ConvPoolLayer", "FullyConnectedLayer", "SoftmaxLayer"]
    assert net.layers[0].w.dtype == np.float32
    digit = np.zeros((28, 28))
    digit[4:24, 12:16] = 255
    np.save(tmp_path / "one.npy", digit)
    assert command_line.main(["--load", str(path), "--classify", str(tmp_path / "one.npy")]) == 0
    out = capsys.readouterr().out
    x = mnist_loader.prepare_image(digit).astype(np.float32)
    a = net.feedforward(x.T)[0]
    assert out.startswith(f"{tmp_path / 'one.npy'}: the network reads {np.argmax(a)}; its "
                          f"probabilities, and what it saw:\n  " + "  ".join(
                              f"{d}: {v:.2f}" for d, v in enumerate(a)))


def test_conv_takes_the_options_given_even_at_network_pys_defaults(small_mnist, monkeypatch):
    """--conv fills in the book's settings for the options not given, and
    only for those: --epochs 30, --eta 3.0, --lmbda 0 and --dtype float64
    are network.py's defaults, given here on purpose."""
    taken = {}

    def SGD(net, training, epochs, mini_batch_size, eta, validation, test, lmbda, on_epoch):
        taken.update(epochs=taken.get("epochs", 0) + epochs, eta=eta, lmbda=lmbda,
                     dtype=net.dtype)
    monkeypatch.setattr(network3.Network, "SGD", SGD)
    command_line.main(["--conv", "dbl_conv_relu", "--epochs", "30", "--eta", "3.0", "--lmbda",
                       "0", "--dtype", "float64"])
    assert taken == {"epochs": 30, "eta": 3.0, "lmbda": 0.0, "dtype": np.float64}
    taken.clear()
    command_line.main(["--conv", "dbl_conv_relu"])
    assert taken == {"epochs": 60, "eta": 0.03, "lmbda": 0.1, "dtype": np.float32}


def test_conv_deforms_each_epochs_images_in_place_of_the_expanded_set_and_anneals(
        small_mnist, monkeypatch, capsys):
    """double_fc_dropout trains on the expanded set, unless the images are
    varied instead: with --elastic, each epoch's are deformed afresh;
    --anneal lowers eta linearly to 0 over the epochs."""
    expand, deformed = [], []
    loaded, distort = mnist_loader.load_data_matrices, mnist_loader.distort
    monkeypatch.setattr(mnist_loader, "load_data_matrices",
                        lambda *args, **kwargs: expand.append(kwargs["expand"]) or loaded())
    monkeypatch.setattr(mnist_loader, "distort", lambda X, rng, **kwargs: deformed.append(
        distort(X, rng, **kwargs)) or deformed[-1])
    assert command_line.main(["--conv", "double_fc_dropout", "--elastic", "--anneal",
                              "--epochs", "3", "--eta", "0.3"]) == 0
    assert expand == [False] and len(deformed) == 3
    assert not np.allclose(deformed[0], deformed[1]) and not np.allclose(deformed[1], deformed[2])
    epochs = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")]
    assert [re.search(r"eta ([\d.]+)", line)[1] for line in epochs] == ["0.3", "0.2", "0.1"]


def test_a_diverging_conv_run_is_one_line_and_keeps_no_infinite_epoch(
        small_mnist, capsys, tmp_path):
    status = command_line.main(["--conv", "shallow", "--eta", "1e30", "--epochs", "3",
                                "--save", str(tmp_path / "conv.npz")])
    out, err = capsys.readouterr()
    assert status == 1 and "Epoch 0" not in out
    assert err == ("network.py: training diverged in epoch 0: the weights are no longer finite. "
                   "Try a smaller learning rate than eta=1e+30.\n")
    assert os.listdir(tmp_path) == []


def test_every_failure_to_keep_the_run_is_said(small_mnist, monkeypatch, capsys, tmp_path):
    """On a full disk neither the network nor the figure can be written:
    both failures are reported, each on a line of its own."""
    pytest.importorskip("matplotlib")

    def full(path, write):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(network, "write_atomically", full)
    save, plot = tmp_path / "net.npz", tmp_path / "run.png"
    status = command_line.main(["--epochs", "1", "--save", str(save), "--plot", str(plot)])
    out, err = capsys.readouterr()
    assert status == 1 and os.listdir(tmp_path) == []
    assert err.splitlines() == [
        f"network.py: could not save the network to {save}: [Errno 28] No space left on device",
        f"network.py: could not draw the run to {plot}: [Errno 28] No space left on device"]
    assert out.splitlines()[-1].startswith("Best validation accuracy ")


def test_main_leaves_the_process_as_it_found_it(capsys):
    """Called from Python, main() gives back the signal handlers and the
    standard streams it borrowed."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), sys.stdout
    assert command_line.main(["--epochs", "1", "--data", "/nonexistent-mnist"]) == 1
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM),
            sys.stdout) == before
    assert capsys.readouterr().err.startswith("network.py: the MNIST data directory ")


def numpy_is_loading(pid):
    """Whether the process has begun to load numpy's libraries, that is,
    has run the first lines of network.py."""
    with open(f"/proc/{pid}/maps") as f:
        return "numpy" in f.read()


def read_until(process, start):
    """Read the process's output up to the line that begins with ``start``."""
    for line in process.stdout:
        if line.startswith(start):
            return line
    pytest.fail(f"no line began with {start!r}")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_ctrl_c_while_numpy_loads_exits_130_quietly(program, data_dir):
    """(Before the first line of network.py runs, Ctrl-C belongs to
    Python's own start-up.)"""
    process = program("--data", data_dir)
    while not numpy_is_loading(process.pid):
        pass
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and out == "" and err == ""


def test_ctrl_c_in_the_first_epoch_saves_nothing_and_says_so(program, data_dir, tmp_path):
    path, figure = tmp_path / "net.npz", tmp_path / "run.png"
    plot = ["--plot", str(figure)] if importlib.util.find_spec("matplotlib") else []
    process = program("--data", data_dir, "--save", str(path), "--sizes", "784", "1000", "10",
                      *plot)
    read_until(process, "MNIST loaded")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and err == ""
    assert out == (f"\nInterrupted: training stopped.\n"
                   f"No epoch was completed: nothing was saved to {path}.\n"
                   + (f"No epoch was completed: nothing was drawn to {figure}.\n" if plot else ""))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("how", ["once", "held down", "SIGTERM"])
def test_ctrl_c_after_an_epoch_saves_that_epoch(program, data_dir, tmp_path, how):
    """Right after an epoch's line, that epoch is kept.  Ctrl-C held down
    sends SIGINT again and again, during the save too: the save finishes."""
    path = tmp_path / "net.npz"
    process = program("--epochs", "1000", "--data", data_dir, "--save", str(path),
                      "--sizes", "784", "100", "10", "--activation", "relu", "--init", "he",
                      "--eta", "0.5", "--dead")
    assert re.fullmatch(r"  dead units per hidden layer: \d+\.\d%\n",
                        read_until(process, "  dead units"))
    if how == "held down":
        deadline = time.monotonic() + 60           # a program that ignores it fails, not hangs
        while process.poll() is None and time.monotonic() < deadline:
            process.send_signal(signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM if how == "SIGTERM" else signal.SIGINT)
    out, err = process.communicate(timeout=120)
    # Held down, Ctrl-C may come as Python ends, once the network is saved and
    # all is said: the process then ends by SIGINT itself, 130 to the shell too.
    expected = {"once": [130], "held down": [130, -signal.SIGINT], "SIGTERM": [143]}[how]
    assert process.returncode in expected and err == ""
    lines = out.splitlines()
    assert lines[:2] == ["", ("Terminated" if how == "SIGTERM" else "Interrupted")
                         + ": training stopped."]
    assert lines[2].startswith("Best validation accuracy ") and " in epoch 0, " in lines[2]
    assert lines[3:] == [f"Saved the network of epoch 0 to {path}"]
    assert Network.load(path).activation == "relu" and os.listdir(tmp_path) == ["net.npz"]


def test_ctrl_c_after_an_epoch_of_a_conv_network_saves_that_epoch(program, data_dir, tmp_path):
    path = tmp_path / "conv.npz"
    process = program("--conv", "shallow", "--data", data_dir, "--save", str(path))
    read_until(process, "Epoch 0: ")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130 and err == ""
    lines = out.splitlines()
    assert lines[-4:-2] == ["", "Interrupted: training stopped."]
    best = re.fullmatch(r"Best validation accuracy [\d.]+% in epoch (\d+), where the test "
                        r"accuracy is [\d.]+%", lines[-2])
    assert lines[-1] == f"Saved the network of epoch {best.group(1)} to {path}"
    assert type(network3.Network.load(path).layers[-1]) is network3.SoftmaxLayer


def test_ctrl_c_after_an_epoch_draws_the_run(program, data_dir, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "run.svg"
    process = program("--epochs", "1000", "--data", data_dir, "--plot", str(path))
    read_until(process, "Epoch 0: ")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130 and err == ""
    assert out.endswith(f"Drew the run to {path}\n")
    assert any(text.startswith("best validation accuracy: epoch ") for text in svg_text(path))


def test_sigterm_during_a_download_leaves_nothing_behind(program, tmp_path, mirror):
    """A mirror on 127.0.0.1 that sends the first file slowly; SIGTERM
    arrives while the partial file is being written."""
    size = mnist_loader.FILES["train-images-idx3-ubyte"][1]
    url = mirror("slow", "train-images-idx3-ubyte.gz", bytes(size), how="trickle")
    cache = tmp_path / "neural-network-from-scratch" / "mnist"
    process = program("--epochs", "1", env={"XDG_CACHE_HOME": str(tmp_path),
                                             "MNIST_MIRRORS": url, "MNIST_DATA_DIR": None})
    while not (cache.is_dir() and any(name.endswith(".part") for name in os.listdir(cache))):
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert out == "\nTerminated: while loading the data.\n"
    assert "Traceback" not in err and (not err or err.endswith("\n"))
    assert os.listdir(cache) == []


#### Your own digit: --load and --classify
@pytest.fixture(scope="module")
def trained(mnist, tmp_path_factory):
    """The path of a network trained for one epoch and saved, and the network."""
    (X, Y), _, _ = mnist
    net = Network([784, 30, 10], cost="log_likelihood", init="scaled", seed=0)
    net.SGD((X[:, :10000], Y[:, :10000]), 1, 10, 0.5)
    path = tmp_path_factory.mktemp("net") / "net.npz"
    net.save(path)
    return str(path), net


def photo(digit):
    """A digit as dark ink on light paper, enlarged four times, off-centre."""
    return 230 - 200 * np.pad(np.kron(digit, np.ones((4, 4))), ((30, 5), (8, 50)))


def classified(out, net, x, name):
    """Check the report of one image against the network's own answer on x."""
    lines = out.splitlines()
    a = net.feedforward(x)[:, 0]
    assert lines[0] == (f"{name}: the network reads {np.argmax(a)}; its probabilities, and "
                        f"what it saw:")
    assert lines[1] == "  " + "  ".join(f"{d}: {v:.2f}" for d, v in enumerate(a))
    preview = lines[2:16]
    assert all(re.fullmatch(r"  \|[ .:=+*#%@-]{28}\|", line) for line in preview)
    assert "@@" in "".join(preview)
    return lines[16:]


def without(directory, package):
    """The environment of a program that cannot import ``package`` (such as
    PIL, Pillow's): a package of that name that raises ImportError comes
    first on its path."""
    (directory / package).mkdir()
    (directory / package / "__init__.py").write_text(f"raise ImportError('No module named "
                                                     f"{package}')\n")
    return {"PYTHONPATH": str(directory)}


def test_classify_reads_a_npy_image_with_numpy_alone(run, trained, mnist, tmp_path):
    path, net = trained
    _, _, (X, labels) = mnist
    np.save(tmp_path / "seven.npy", photo(X[:, 0].reshape(28, 28)))
    status, out, err = run("--load", path, "--classify", str(tmp_path / "seven.npy"),
                           env=without(tmp_path, "PIL"))
    assert status == 0 and err == ""
    x = mnist_loader.prepare_image(photo(X[:, 0].reshape(28, 28)))
    assert classified(out, net, x, str(tmp_path / "seven.npy")) == []
    assert np.argmax(net.feedforward(x)) == np.argmax(net.feedforward(X[:, :1])) == labels[0]


def test_classify_reads_a_png(run, trained, mnist, tmp_path):
    Image = pytest.importorskip("PIL.Image")
    path, net = trained
    _, _, (X, _) = mnist
    image = photo(X[:, 1].reshape(28, 28)).astype(np.uint8)
    Image.fromarray(image).save(tmp_path / "two.png")
    status, out, err = run("--load", path, "--classify", str(tmp_path / "two.png"))
    assert status == 0 and err == ""
    assert classified(out, net, mnist_loader.prepare_image(image), str(tmp_path / "two.png")) == []


def test_without_pillow_classify_is_refused_at_once(run, tmp_path):
    environment = without(tmp_path, "PIL")
    status, out, err = run("--load", str(tmp_path / "PIL" / "__init__.py"), "--classify",
                           "digit.png", env=environment)
    assert status == 2 and out == ""
    assert err.endswith("network.py: error: --classify reads images with Pillow, which the rest "
                        "of the project does not need: pip install Pillow (a .npy array needs "
                        "numpy alone)\n")


def test_without_matplotlib_plot_is_refused_before_training(run, data_dir, tmp_path):
    status, out, err = run("--data", data_dir, "--plot", str(tmp_path / "run.png"),
                           env=without(tmp_path, "matplotlib"))
    assert status == 2 and out == ""
    assert err.endswith("network.py: error: --plot draws with matplotlib, which the rest of the "
                        "project does not need: pip install matplotlib\n")


def test_plot_draws_each_epoch_of_each_set_measured(tmp_path):
    """plot() itself, on a made-up run of three epochs: each line holds
    every epoch's number, in % of its set for the accuracies."""
    pytest.importorskip("matplotlib")
    approx = functools.partial(pytest.approx, rel=1e-12)
    run = command_line.Run()
    run.history = [{"epoch": j, "accuracy": 9000 + j, "cost": 0.5 - j / 10,
                    "validation_accuracy": 9100 + 10 * (j % 2), "validation_cost": 0.4 + j / 10,
                    "training_accuracy": None, "training_cost": None} for j in range(3)]
    run.best, run.images = run.history[1], {"training": 50000, "validation": 10000, "test": 10000}
    args = command_line.argument_parser().parse_args(["--plot", str(tmp_path / "run.png")])
    args.command = "python network.py --plot run.png"
    top, bottom = command_line.plot(args, run).axes
    lines = {line.get_label(): line for line in top.lines}
    assert list(lines) == ["test data (10,000 images)", "validation data (10,000 images)",
                           "best validation accuracy: epoch 1, test accuracy 90.01%"]
    assert list(lines["test data (10,000 images)"].get_ydata()) == approx([90.0, 90.01, 90.02])
    assert list(lines["validation data (10,000 images)"].get_ydata()) == approx([91.0, 91.1, 91])
    assert list(bottom.lines[0].get_ydata()) == approx([0.5, 0.4, 0.3])
    assert list(bottom.lines[1].get_ydata()) == approx([0.4, 0.5, 0.6])
    assert all(list(axes.lines[-1].get_xdata()) == [1, 1] for axes in (top, bottom))
    assert (tmp_path / "run.png").read_bytes().startswith(b"\x89PNG")


def svg_text(path):
    """The texts of a figure that matplotlib drew as SVG: it writes each
    one in a comment beside the shapes of its letters (a wrapped line in
    several), with "- -" for "--", which an XML comment cannot hold."""
    return [text.replace("- -", "--") for text in re.findall(r"<!-- (.*?) -->",
                                                             path.read_text())]


def test_plot_draws_every_set_measured_and_marks_the_best_epoch(run, data_dir, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "run.svg"
    status, out, err = run("--epochs", "2", "--data", data_dir, "--monitor-training",
                           "--plot", str(path))
    assert status == 0 and err == ""
    best = re.search(r"Best validation accuracy .* in epoch (\d), where the test accuracy is "
                     r"(.*%)\n", out)
    assert out.endswith(f"Drew the run to {path}\n") and os.listdir(tmp_path) == ["run.svg"]
    texts = svg_text(path)
    for text in ("epoch", "accuracy (%)", "cost: quadratic", "training data (50,000 images)",
                 "validation data (10,000 images)", "test data (10,000 images)",
                 f"best validation accuracy: epoch {best[1]}, test accuracy {best[2]}"):
        assert text in texts
    assert (f"python network.py --epochs 2 --data {data_dir} --monitor-training --plot {path}"
            in " ".join(texts))


@pytest.mark.parametrize("plot, message", [
    ("run.pgf", "--plot draws a .png, .svg or .pdf file, not '{tmp}/run.pgf'"),
    ("./net.png", "--save and --plot write to the same file: name two"),
    ("nowhere/run.png", "--plot: cannot write {tmp}/nowhere/run.png: No such file or directory")])
def test_plot_refuses_what_it_cannot_draw(run, tmp_path, plot, message):
    pytest.importorskip("matplotlib")
    status, out, err = run("--data", "/nonexistent-mnist", "--save", str(tmp_path / "net.png"),
                           "--plot", str(tmp_path / plot))
    assert status == 2 and out == ""
    assert err.endswith(f"network.py: error: {message.format(tmp=tmp_path)}\n")


def test_each_image_that_cannot_be_read_is_one_line_and_the_others_are_classified(
        run, trained, mnist, tmp_path):
    path, net = trained
    _, _, (X, _) = mnist
    np.save(tmp_path / "blank.npy", np.zeros((20, 20)))
    np.save(tmp_path / "colour.npy", np.zeros((20, 20, 3)))
    (tmp_path / "text.npy").write_text("not an array")
    (tmp_path / "empty.npy").write_bytes(b"")
    np.save(tmp_path / "none.npy", np.zeros((0, 28)))
    np.save(tmp_path / "records.npy", np.zeros((28, 28), dtype=[("x", "f4"), ("y", "i4")]))
    np.save(tmp_path / "complex.npy", np.zeros((28, 28), complex))
    header = np.lib.format.header_data_from_array_1_0(np.zeros((2, 2)))
    with open(tmp_path / "claims.npy", "wb") as f:     # a header claiming 80 GB, then nothing
        np.lib.format.write_array_header_1_0(f, {**header, "shape": (100000, 100000)})
    with open(tmp_path / "negative.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(f, {**header, "shape": (-1, 28)})
    with open(tmp_path / "vast.npy", "wb") as f:        # numpy would warn of an overflow
        np.lib.format.write_array_header_1_0(f, {**header, "shape": (2 ** 40, 2 ** 40)})
    (tmp_path / "garbled.npy").write_bytes(b"\x93NUMPY\x01\x00\x40\x00{'descr': '<f8', "
                                           b"'fortran_order': False, 'shape': (2, }" + b" " * 8)
    np.savez(tmp_path / "zipped.npz", np.eye(28))
    os.rename(tmp_path / "zipped.npz", tmp_path / "zipped.npy")
    os.mkfifo(tmp_path / "fifo.npy")                    # reading it would wait for ever
    with open(tmp_path / "TWO.NPY", "wb") as f:          # np.save would add ".npy"
        np.save(f, photo(X[:, 1].reshape(28, 28)))
    names = ["missing.npy", "blank.npy", "colour.npy", "text.npy", "empty.npy", "none.npy",
             "records.npy", "complex.npy", "claims.npy", "negative.npy", "vast.npy",
             "garbled.npy", "zipped.npy", "fifo.npy", "TWO.NPY"]
    status, out, err = run("--load", path, "--classify", *[str(tmp_path / n) for n in names],
                           env=without(tmp_path, "PIL"))
    assert status == 1
    x = mnist_loader.prepare_image(photo(X[:, 1].reshape(28, 28)))
    assert classified(out, net, x, str(tmp_path / "TWO.NPY")) == []
    not_grey = "not grey levels: real numbers, at most 40,000,000 of them"
    assert err.splitlines() == [f"network.py: {tmp_path / name}: {message}" for name, message in [
        ("missing.npy", "No such file or directory"),
        ("blank.npy", "it is blank: no ink stands out from the paper at its border"),
        ("colour.npy", "expected a 2-D array of grey levels, got shape (20, 20, 3); for "
                       "colours, take their mean first"),
        ("text.npy", "it is not an array of numbers saved by np.save"),
        ("empty.npy", "it is not an array of numbers saved by np.save"),
        ("none.npy", f"it holds an array of shape (0, 28) and dtype float64, {not_grey}"),
        ("records.npy", "it holds an array of shape (28, 28) and dtype [('x', '<f4'), ('y', "
                        f"'<i4')], {not_grey}"),
        ("complex.npy", f"it holds an array of shape (28, 28) and dtype complex128, {not_grey}"),
        ("claims.npy", f"it holds an array of shape (100000, 100000) and dtype float64, "
                       f"{not_grey}"),
        ("negative.npy", f"it holds an array of shape (-1, 28) and dtype float64, {not_grey}"),
        ("vast.npy", f"it holds an array of shape ({2 ** 40}, {2 ** 40}) and dtype float64, "
                     f"{not_grey}"),
        ("garbled.npy", "it is not an array of numbers saved by np.save"),
        ("zipped.npy", "it is not an array of numbers saved by np.save"),
        ("fifo.npy", "it is not a regular file")]]


def test_a_picture_too_large_is_refused_before_its_pixels_are_read(run, trained, tmp_path):
    Image = pytest.importorskip("PIL.Image")
    Image.new("1", (12000, 12000), 1).save(tmp_path / "huge.png")      # 144 megapixels, 0.2 MB
    status, out, err = run("--load", trained[0], "--classify", str(tmp_path / "huge.png"))
    assert (status, out) == (1, "")
    assert err == (f"network.py: {tmp_path / 'huge.png'}: it has 12,000 x 12,000 pixels, more "
                   f"than 40,000,000: reduce it first\n")


def test_classify_needs_a_network_for_mnist(run, tmp_path):
    Network([784, 5, 3]).save(tmp_path / "small.npz")
    (tmp_path / "notes.txt").write_text("not a network")
    np.save(tmp_path / "digit.npy", np.eye(28))
    status, out, err = run("--load", str(tmp_path / "small.npz"), "--classify",
                           str(tmp_path / "digit.npy"))
    assert (status, out) == (1, "")
    assert err == (f"network.py: {tmp_path / 'small.npz'} is a network of sizes [784, 5, 3]; "
                   f"MNIST's digits need 784 inputs and 10 outputs\n")
    status, out, err = run("--load", str(tmp_path / "notes.txt"), "--classify",
                           str(tmp_path / "digit.npy"))
    assert (status, out) == (1, "")
    assert err.startswith(f"network.py: {tmp_path / 'notes.txt'} is not a network saved by "
                          f"Network.save")
