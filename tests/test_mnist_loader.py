"""Tests of mnist_loader.py on small IDX files written here, and of its
downloads from an HTTP server on 127.0.0.1 started by the tests."""

import gzip
import hashlib
import http.server
import os
import pathlib
import struct
import threading
import time

import numpy as np
import pytest

import mnist_loader
from mnist_loader import IMAGES_MAGIC, LABELS_MAGIC, MNISTError

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (3, 28, 28), dtype=np.uint8)
LABELS = np.array([7, 0, 9], dtype=np.uint8)


def idx_images(images, rows=28, columns=28, magic=IMAGES_MAGIC, count=None):
    n = len(images) if count is None else count
    return struct.pack(">IIII", magic, n, rows, columns) + images.tobytes()


def idx_labels(labels, magic=LABELS_MAGIC):
    return struct.pack(">II", magic, len(labels)) + labels.tobytes()


def write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_good_files_parse(tmp_path, compress):
    pack = gzip.compress if compress else bytes
    images = read(write(tmp_path / "images", pack(idx_images(IMAGES))), IMAGES_MAGIC)
    labels = read(write(tmp_path / "labels", pack(idx_labels(LABELS))), LABELS_MAGIC)
    np.testing.assert_array_equal(images, IMAGES.reshape(3, 784))
    np.testing.assert_array_equal(labels, LABELS)


def read(path, magic):
    return mnist_loader.read_idx(path, magic)


@pytest.mark.parametrize("data,magic,message", [
    (idx_images(IMAGES, magic=2049), IMAGES_MAGIC, "magic number 2049, expected 2051"),
    (idx_labels(LABELS), IMAGES_MAGIC, "magic number 2049, expected 2051"),
    (idx_images(IMAGES), LABELS_MAGIC, "magic number 2051, expected 2049"),
    (idx_images(IMAGES, rows=32, columns=32), IMAGES_MAGIC, "32 x 32 pixels, expected 28 x 28"),
    (idx_images(IMAGES)[:-100], IMAGES_MAGIC, "truncated"),
    (idx_images(IMAGES, count=4), IMAGES_MAGIC, "announces 4 items .* truncated"),
    (idx_images(IMAGES) + b"\0", IMAGES_MAGIC, "too long"),
    (idx_labels(LABELS)[:5], LABELS_MAGIC, "too short for an IDX header"),
    (idx_labels(np.array([1, 10], np.uint8)), LABELS_MAGIC, "a label is 10"),
    (gzip.compress(idx_images(IMAGES))[:-20], IMAGES_MAGIC, "gzip data is corrupt"),
    (b"\x1f\x8b" + bytes(40), IMAGES_MAGIC, "gzip data is corrupt"),
])
def test_bad_files_get_clear_errors(tmp_path, data, magic, message):
    path = write(tmp_path / "file", data)
    with pytest.raises(MNISTError, match=message) as error:
        read(path, magic)
    assert str(path) in str(error.value) and "Delete the file" in str(error.value)


def test_wrong_checksum(tmp_path):
    path = write(tmp_path / "file", idx_labels(LABELS))
    mnist_loader.check_sha256(path, hashlib.sha256(idx_labels(LABELS)).hexdigest())
    with pytest.raises(MNISTError, match="SHA-256 .* not the original"):
        mnist_loader.check_sha256(path, "0" * 64)


def test_a_file_that_fails_its_check_is_never_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write(tmp_path / "t10k-labels-idx1-ubyte.gz", gzip.compress(idx_labels(LABELS)))
    with pytest.raises(MNISTError, match="t10k-labels-idx1-ubyte.gz: its SHA-256"):
        mnist_loader.load_file("t10k-labels-idx1-ubyte", tmp_path, mirrors=[])
    assert not (tmp_path / "cache").exists()


def test_missing_data_directory(tmp_path):
    with pytest.raises(MNISTError, match="does not exist"):
        mnist_loader.find_file("t10k-labels-idx1-ubyte", tmp_path / "nowhere")


#### Downloads from a local server
class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``routes``: path -> (status, body, how), where how is
    "whole", "cut" (announce the whole body, send half, hang up) or
    "slow" (wait before answering)."""
    routes = {}

    def do_GET(self):
        status, body, how = self.routes.get(self.path, (404, b"not found", "whole"))
        if how == "slow":
            time.sleep(1.5)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body[:len(body) // 2] if how == "cut" else body)
        except (BrokenPipeError, ConnectionResetError):
            pass                                # the client gave up first: fine here

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """Start an HTTP server on 127.0.0.1; yield a function that adds a
    route and returns its mirror URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.routes = {}

    def serve(mirror, filename, body, status=200, how="whole"):
        Handler.routes[f"/{mirror}/{filename}"] = (status, body, how)
        return f"http://127.0.0.1:{httpd.server_port}/{mirror}/"
    yield serve
    httpd.shutdown()
    httpd.server_close()


BODY = gzip.compress(idx_labels(LABELS))
SHA = hashlib.sha256(BODY).hexdigest()
NAME = "t10k-labels-idx1-ubyte.gz"


def test_download_succeeds(tmp_path, server, capsys):
    mirror = server("good", NAME, BODY)
    path = mnist_loader.download(NAME, SHA, tmp_path, [mirror])
    assert pathlib.Path(path).read_bytes() == BODY
    assert os.listdir(tmp_path) == [NAME]
    assert "100% of" in capsys.readouterr().err


@pytest.mark.parametrize("status,body", [(404, b"gone"), (200, BODY[:-1] + b"x")])
def test_a_failing_first_mirror_is_followed_by_the_next(tmp_path, server, status, body, capsys):
    bad = server("bad", NAME, body, status=status)
    good = server("good", NAME, BODY)
    path = mnist_loader.download(NAME, SHA, tmp_path, [bad, good])
    assert pathlib.Path(path).read_bytes() == BODY
    assert os.listdir(tmp_path) == [NAME]


@pytest.mark.parametrize("how,message", [("cut", "IncompleteRead|stopped after"),
                                         ("slow", "timed out")])
def test_a_broken_transfer_leaves_nothing_behind(tmp_path, server, how, message, capsys):
    mirror = server("broken", NAME, BODY, how=how)
    with pytest.raises(MNISTError, match=message) as error:
        mnist_loader.download(NAME, SHA, tmp_path, [mirror], timeout=0.5)
    assert mirror + NAME in str(error.value)
    assert os.listdir(tmp_path) == []


def test_interrupted_download_leaves_nothing_behind(tmp_path, server):
    mirror = server("good", NAME, BODY)
    progress = InterruptingStream()
    with pytest.raises(KeyboardInterrupt):
        mnist_loader.download(NAME, SHA, tmp_path, [mirror], progress=progress)
    assert progress.calls == 1
    assert os.listdir(tmp_path) == []


class InterruptingStream:
    """A progress stream on which the first progress report raises
    KeyboardInterrupt, as Ctrl-C would in the middle of a download."""
    calls = 0

    def write(self, text):
        self.calls += 1
        raise KeyboardInterrupt

    def flush(self):
        pass


def test_no_network_and_no_files_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    closed = "http://127.0.0.1:9/mnist/"           # the discard port: nothing listens there
    monkeypatch.setenv("MNIST_MIRRORS", closed)
    with pytest.raises(MNISTError) as error:
        mnist_loader.load_data()
    message = str(error.value)
    assert "train-images-idx3-ubyte.gz is not in" in message
    assert closed + "train-images-idx3-ubyte.gz" in message
    assert "Put the four MNIST files" in message and "--data DIR" in message
    assert os.listdir(tmp_path / "cache" / "neural-network-from-scratch" / "mnist") == []
