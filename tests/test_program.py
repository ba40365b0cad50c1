"""Tests on the real MNIST files, found through $MNIST_DATA_DIR, and of
``python network.py`` as a program: its options, its messages, and what
Ctrl-C and SIGTERM do to it."""

import gzip
import hashlib
import http.server
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import mnist_loader
from network import Network

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data_dir():
    """The directory of the real MNIST files.  Outside CI the tests that
    need it are skipped when $MNIST_DATA_DIR is not set; in CI they fail."""
    path = os.environ.get("MNIST_DATA_DIR")
    if not path or not os.path.isdir(path):
        if os.environ.get("CI"):
            pytest.fail("CI must set MNIST_DATA_DIR to the directory of the MNIST files")
        pytest.skip("set MNIST_DATA_DIR to a directory holding the four MNIST files")
    return path


@pytest.fixture(scope="module")
def mnist(data_dir):
    return mnist_loader.load_data_matrices(data_dir)


def test_shapes_and_label_counts(mnist):
    (X, Y), (Xv, labels_v), (Xt, labels_t) = mnist
    assert X.shape == (784, 50000) and Y.shape == (10, 50000)
    assert Xv.shape == (784, 10000) and Xt.shape == (784, 10000)
    assert X.dtype == np.float32 and X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(Y.sum(axis=0), 1)
    # The published label counts of the 60,000 training and 10,000 test images.
    train_counts = Y.sum(axis=1).astype(int) + np.bincount(labels_v, minlength=10)
    assert list(train_counts) == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert list(np.bincount(labels_t)) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert list(np.argmax(Y[:, :10], axis=0)) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(labels_t[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_book_format(data_dir):
    training, validation, test = mnist_loader.load_data_wrapper(data_dir)
    assert isinstance(training, list) and len(training) == 50000
    assert len(validation) == len(test) == 10000
    x, y = training[0]
    assert x.shape == (784, 1) and y.shape == (10, 1) and int(np.argmax(y)) == 5
    assert isinstance(test[0][1], int) and test[0][1] == 7


def test_one_epoch_of_the_book_network(mnist, capsys):
    training, validation, _ = mnist
    net = Network([784, 30, 10], seed=0)
    history = net.SGD(training, 1, 10, 3.0, validation)
    # The book reports 91.29% after its first epoch.
    assert history[0]["accuracy"] >= 9000


def test_download_from_a_local_mirror(data_dir, tmp_path, monkeypatch, capsys):
    """The real files, served from 127.0.0.1, are downloaded into an empty
    cache, checked, and loaded."""
    files = {"/mnist/" + name + ".gz": pathlib.Path(data_dir, name + ".gz").read_bytes()
             for name in mnist_loader.FILES}

    class Mirror(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirror)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        monkeypatch.delenv("MNIST_DATA_DIR")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        monkeypatch.setenv("MNIST_MIRRORS", f"http://127.0.0.1:{httpd.server_port}/mnist/")
        training, validation, test = mnist_loader.load_data()
    finally:
        httpd.shutdown()
        httpd.server_close()
    cache = tmp_path / "neural-network-from-scratch" / "mnist"
    assert sorted(os.listdir(cache)) == sorted(name + ".gz" for name in mnist_loader.FILES)
    for name, (sha256, *_) in mnist_loader.FILES.items():
        assert hashlib.sha256((cache / (name + ".gz")).read_bytes()).hexdigest() == sha256
    assert training[0].shape == (50000, 784) and test[1].shape == (10000,)


def test_unpacked_files_are_accepted(data_dir, tmp_path):
    name = "t10k-labels-idx1-ubyte"
    (tmp_path / name).write_bytes(gzip.decompress(pathlib.Path(data_dir, name + ".gz").read_bytes()))
    assert mnist_loader.find_file(name, tmp_path) == os.path.join(tmp_path, name)
    labels = mnist_loader.load_file(name, tmp_path)
    assert labels.shape == (10000,) and list(labels[:3]) == [7, 2, 1]


def run(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, str(ROOT / "network.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, env=env, **kwargs)


def start(*args, env=None):
    return subprocess.Popen([sys.executable, str(ROOT / "network.py"), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_help_documents_every_option():
    result = run("--help")
    assert result.returncode == 0
    for option in ("--sizes", "--activation", "--cost", "--init", "--lmbda", "--penalty", "--mu",
                   "--epochs", "--mini-batch-size", "--eta", "--stop-after", "--halve-eta-after",
                   "--anneal", "--expand", "--shift", "--method", "--seed", "--data", "--save",
                   "--dtype", "--dead"):
        assert option in result.stdout


@pytest.mark.parametrize("args,message", [
    (["--eta", "-1"], "--eta must be a finite number > 0"),
    (["--activation", "relux"], "invalid choice: 'relux'"),
    (["--sizes", "784", "30", "9"], "MNIST needs 784 inputs and 10 outputs"),
    (["--epochs", "many"], "invalid int value: 'many'"),
    (["--epochs", "0"], "--epochs must be an integer >= 1"),
    (["--dead"], "--dead needs --activation relu or leaky_relu"),
    (["--data", ""], "--data needs a directory"),
    (["--seed", "-1"], "--seed must be an integer >= 0"),
    (["--mu", "1"], "--mu must be below 1"),
    (["--penalty", "l3"], "invalid choice: 'l3'"),
    (["--stop-after", "0"], "--stop-after must be an integer >= 1"),
    (["--anneal", "--halve-eta-after", "5"],
     "choose one learning-rate schedule: --anneal or --halve-eta-after"),
    (["--expand", "--shift", "1"], "choose one of --expand and --shift"),
    (["--shift", "5"], "--shift must be 0 to 4 pixels"),
    (["--lmbda", "1e7"], "--lmbda=10000000.0 is too large for --eta=3.0"),
    (["--sizes", "784", "1000000000", "10"], "choose smaller layers"),
    (["--save", "/nonexistent/net.npz"], "--save: the directory /nonexistent does not exist"),
    (["--save", str(ROOT)], "--save needs a file name, such as net.npz, not the directory"),
    (["--save", "somewhere/"], "--save needs a file name"),
    (["--save", ""], "--save needs a file name"),
    (["--save", "x" * 300 + ".npz"], "--save: cannot write x+.npz: File name too long"),
    (["--save", "/proc/net.npz"], "--save: cannot write /proc/net.npz"),
])
def test_bad_options_get_one_line_before_any_work(args, message):
    """Every option that can fail is refused at once, before the data is
    loaded: the data directory given here does not even exist."""
    result = run("--data", "/nonexistent-mnist", *args)
    assert result.returncode == 2
    assert re.search(message, result.stderr) and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("network.py: error: ")


def test_missing_data_is_one_clear_message(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path), MNIST_MIRRORS="http://127.0.0.1:9/")
    env.pop("MNIST_DATA_DIR", None)
    result = run("--epochs", "1", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("network.py: Put the four MNIST files")


def test_a_short_run(data_dir, tmp_path):
    path = tmp_path / "net.npz"
    result = run("--epochs", "1", "--data", data_dir, "--save", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Epoch 0: ") and "/ 10000, validation " in lines[0]
    assert int(lines[0].split()[2]) >= 9000
    assert lines[1].startswith("Best validation accuracy ")
    assert lines[2] == f"Saved the network of epoch 0 to {path}"
    assert Network.load(path).sizes == [784, 30, 10]
    assert result.stderr == ""


def test_chapter_3_options_reach_training(data_dir):
    result = run("--epochs", "3", "--data", data_dir, "--sizes", "784", "10", "--cost",
                 "cross_entropy", "--eta", "0.5", "--lmbda", "5", "--penalty", "l1", "--mu", "0.5",
                 "--halve-eta-after", "1", "--stop-after", "2", "--shift", "1", "--seed", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Epoch 0: ") and ", eta 0.5, " in lines[0]
    assert int(lines[0].split()[2]) >= 8000


def test_no_numpy_warning_reaches_the_user(data_dir):
    result = run("--epochs", "1", "--data", data_dir, "--activation", "relu", "--eta", "1e6")
    assert result.returncode in (0, 1)
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr


def numpy_is_loading(pid):
    """Whether the process has begun to load numpy's libraries, that is,
    has run the first lines of network.py."""
    with open(f"/proc/{pid}/maps") as f:
        return "numpy" in f.read()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
@pytest.mark.parametrize("when", ["numpy loads", 0.6, 1.2])
def test_ctrl_c_at_the_start_exits_130_quietly(data_dir, when):
    """Ctrl-C while numpy loads, while the data loads or as training
    starts.  (Before the first line of network.py runs, Ctrl-C belongs to
    Python's own start-up.)"""
    process = start("--data", data_dir)
    if when == "numpy loads":
        while not numpy_is_loading(process.pid):
            time.sleep(0.002)
    else:
        time.sleep(when)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err


def test_ctrl_c_in_the_first_epoch_saves_nothing_and_says_so(data_dir, tmp_path):
    path = tmp_path / "net.npz"
    # Loading takes about 2 s; an epoch of this network, about 20 s.
    process = start("--data", data_dir, "--save", str(path), "--sizes", "784", "1000", "10")
    time.sleep(6)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Interrupted: training stopped." in out and "Traceback" not in err
    assert f"No epoch was completed: nothing was saved to {path}." in out
    assert not path.exists() and os.listdir(tmp_path) == []


def test_ctrl_c_after_an_epoch_saves_that_epoch(data_dir, tmp_path):
    path = tmp_path / "net.npz"
    process = start("--epochs", "1000", "--data", data_dir, "--save", str(path),
                    "--activation", "relu", "--init", "he", "--eta", "0.5", "--dead")
    first = process.stdout.readline()
    process.send_signal(signal.SIGINT)              # right after the line: epoch 0 is kept
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert first.startswith("Epoch 0: ")
    assert "Interrupted: training stopped." in out and "Traceback" not in err
    saved = [line for line in out.splitlines() if line.startswith("Saved the network of epoch")]
    assert saved == [f"Saved the network of epoch 0 to {path}"]
    assert Network.load(path).activation == "relu"


def test_sigterm_during_a_download_leaves_nothing_behind(tmp_path):
    """A mirror on 127.0.0.1 that sends the first file slowly; SIGTERM
    arrives while the partial file is being written."""
    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "9912422")
            self.end_headers()
            try:
                for _ in range(600):
                    self.wfile.write(bytes(1000))
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path),
               MNIST_MIRRORS=f"http://127.0.0.1:{httpd.server_port}/")
    env.pop("MNIST_DATA_DIR", None)
    cache = tmp_path / "neural-network-from-scratch" / "mnist"
    try:
        process = start("--epochs", "1", env=env)
        for _ in range(200):
            if cache.is_dir() and any(name.startswith(".download-") for name in os.listdir(cache)):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the download never started")
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert process.returncode == 143, err
    assert "Terminated: while loading the data." in out and "Traceback" not in err
    assert os.listdir(cache) == []


def test_the_dead_relu_experiment_prints_its_table(data_dir):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "dead_relu.py"), "--epochs", "1",
                             "--data", data_dir], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| hidden layer, init | dead after epoch 1 | dead after epoch 1 |")
    rows = [line.split(" | ") for line in table[1:]]
    assert [row[0] for row in rows] == ["| sigmoid, gaussian", "| relu, gaussian", "| relu, he",
                                        "| leaky_relu, gaussian", "| leaky_relu, he"]
    assert rows[0][1] == "-" and all(row[1].endswith("%") for row in rows[1:])
    assert all(row[3].endswith("%") or row[4].startswith("yes") for row in rows)


def test_the_book_script_runs_one_experiment(data_dir):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "book.py"), "--only",
                             "init-old-30", "--seeds", "1", "--epochs", "1", "--data", data_dir],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    rows = [line.split(" | ") for line in result.stdout.splitlines() if line.startswith("| init")]
    assert [row[0] for row in rows] == ["| init-old-30", "| init-old-30, after one epoch"]
    assert rows[0][1].endswith("eta 0.1, lmbda 5.0, 1 epochs")
    assert rows[0][3] == "96.48 (validation)" and rows[1][3] == "86.43 (validation)"
    # One epoch: the peak is the first epoch's accuracy, on the validation data.
    assert rows[0][4] == rows[1][4] and 70 < float(rows[0][4]) < 100
    assert rows[0][6] in ("yes |", "no |")
