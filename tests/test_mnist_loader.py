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


def test_a_bomb_is_stopped_at_the_size_of_the_largest_mnist_file(tmp_path):
    path = write(tmp_path / "bomb", gzip.compress(bytes(mnist_loader.LARGEST + 1000)))
    assert path.stat().st_size < 100_000
    with pytest.raises(MNISTError, match="larger than any MNIST file"):
        read(path, IMAGES_MAGIC)


LABELS_NAME = "t10k-labels-idx1-ubyte"
GZ_SIZE, RAW_SIZE = mnist_loader.FILES[LABELS_NAME][1], mnist_loader.FILES[LABELS_NAME][3]


@pytest.mark.parametrize("filename,size,message", [
    (LABELS_NAME + ".gz", GZ_SIZE, "its SHA-256 is .* not the original"),
    (LABELS_NAME, RAW_SIZE, "its SHA-256 is .* not the original"),
    (LABELS_NAME + ".gz", 5 * 10 ** 9, "5000000000 bytes, but the original has 4542"),
    (LABELS_NAME, 5 * 10 ** 9, "5000000000 bytes, but the original has 10008"),
])
def test_size_and_checksum_are_checked_before_unpacking(tmp_path, monkeypatch, filename, size,
                                                        message):
    """A file of the wrong size is refused before it is read (here a sparse
    5 GB file, which would take seconds to read); one of the right size
    but other content fails its SHA-256 before it is unpacked."""
    monkeypatch.setattr(mnist_loader, "parse_idx", lambda *a: pytest.fail("parsed"))
    with open(tmp_path / filename, "wb") as f:
        f.truncate(size)
    with pytest.raises(MNISTError, match=message) as error:
        mnist_loader.load_file(LABELS_NAME, tmp_path, mirrors=[])
    assert "Delete the file" in str(error.value)


def test_a_file_that_fails_its_check_is_never_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write(tmp_path / "t10k-labels-idx1-ubyte.gz", gzip.compress(idx_labels(LABELS)))
    with pytest.raises(MNISTError, match="t10k-labels-idx1-ubyte.gz: .* but the original has"):
        mnist_loader.load_file("t10k-labels-idx1-ubyte", tmp_path, mirrors=[])
    assert not (tmp_path / "cache").exists()


def test_missing_data_directory(tmp_path):
    with pytest.raises(MNISTError, match="does not exist"):
        mnist_loader.find_file("t10k-labels-idx1-ubyte", tmp_path / "nowhere")


def test_only_float_dtypes(tmp_path):
    with pytest.raises(TypeError, match="float dtype such as np.float32, not int32"):
        mnist_loader.load_data_matrices(tmp_path, dtype=np.int32)


#### Expanding the training data
def test_the_four_shifts_of_a_hand_made_image():
    image = np.arange(1, 785, dtype=np.float64).reshape(28, 28)     # no pixel is 0
    X = np.stack([image.ravel(), -image.ravel()], axis=1)          # two images as columns
    expanded = mnist_loader.expand_images(X)
    assert expanded.shape == (784, 10)
    copies = [expanded[:, k].reshape(28, 28) for k in range(0, 10, 2)]
    original, down, up, right, left = copies
    np.testing.assert_array_equal(original, image)
    np.testing.assert_array_equal(down[1:], image[:-1])
    np.testing.assert_array_equal(up[:-1], image[1:])
    np.testing.assert_array_equal(right[:, 1:], image[:, :-1])
    np.testing.assert_array_equal(left[:, :-1], image[:, 1:])
    # The rows and columns moved in are blank.
    assert not down[0].any() and not up[27].any()
    assert not right[:, 0].any() and not left[:, 27].any()
    # The second image's copies follow the same order: the labels, tiled
    # five times, go with their images.
    for k in range(5):
        np.testing.assert_array_equal(expanded[:, 2 * k + 1], -expanded[:, 2 * k])


def test_expanded_training_data_and_its_labels(monkeypatch):
    """load_data_matrices and load_data_wrapper with expand=True, on three
    made-up images: 15 training columns whose labels follow their images;
    validation and test data as they were."""
    images = RNG.random((3, 784)).astype(np.float32)
    labels = np.array([7, 0, 9])
    split = ((images, labels), (images[:2], labels[:2]), (images[:1], labels[:1]))
    monkeypatch.setattr(mnist_loader, "load_data", lambda data_dir, mirrors: split)
    (X, Y), validation, test = mnist_loader.load_data_matrices(expand=True)
    assert X.shape == (784, 15) and Y.shape == (10, 15)
    np.testing.assert_array_equal(X, mnist_loader.expand_images(images.T))
    assert list(np.argmax(Y, axis=0)) == [7, 0, 9] * 5
    assert validation[0].shape == (784, 2) and test[0].shape == (784, 1)
    training, validation, test = mnist_loader.load_data_wrapper(expand=True)
    assert len(training) == 15 and len(validation) == 2 and len(test) == 1
    assert [int(np.argmax(y)) for _, y in training] == [7, 0, 9] * 5
    np.testing.assert_array_equal(training[4][0][:, 0], X[:, 4])


@pytest.mark.parametrize("pixels", [1, 2])
def test_random_shifts_move_each_image_to_one_place_in_reach(pixels):
    X = np.random.default_rng(0).random((784, 500))
    before = X.copy()
    moved = mnist_loader.shift_randomly(X, np.random.default_rng(1), pixels)
    assert moved.shape == X.shape and moved.flags.f_contiguous
    offsets = [(r, c) for r in range(-pixels, pixels + 1) for c in range(-pixels, pixels + 1)]
    copies = {offset: mnist_loader.shift(X, *offset) for offset in offsets}
    found = []
    for i in range(500):
        matches = [o for o in offsets if np.array_equal(moved[:, i], copies[o][:, i])]
        assert len(matches) == 1
        found.append(matches[0])
    counts = [found.count(o) for o in offsets]
    expected = 500 / len(offsets)
    assert all(0.4 * expected < count < 1.8 * expected for count in counts), counts
    np.testing.assert_array_equal(X, before)        # X itself is left as it was


#### Downloads from a local server
class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``routes``: path -> (status, body, how), where how is
    "whole", "cut" (announce the whole body, send half, hang up), "slow"
    (wait before answering), "stall" (send the headers, then nothing),
    "trickle" (send the body a byte at a time, slowly) or "endless" (no
    Content-Length, and bytes without end).  ``requests`` counts the
    requests per path."""
    routes = {}
    requests = {}

    def do_GET(self):
        Handler.requests[self.path] = Handler.requests.get(self.path, 0) + 1
        status, body, how = self.routes.get(self.path, (404, b"not found", "whole"))
        if how == "slow":
            time.sleep(1.5)
        self.send_response(status)
        if how != "endless":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if how == "stall":
                self.wfile.flush()
                time.sleep(3)
            elif how == "trickle":
                for i in range(60):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.05)
            elif how == "endless":
                for _ in range(10_000):                 # 640 MB at most, never reached
                    self.wfile.write(bytes(1 << 16))
            else:
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
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    Handler.routes, Handler.requests = {}, {}

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
    err = capsys.readouterr().err
    assert "100% of" in err and err.endswith("\n")


def test_downloaded_files_get_the_permissions_of_the_umask(tmp_path, server, capsys):
    mirror = server("good", NAME, BODY)
    old = os.umask(0o002)
    try:
        path = mnist_loader.download(NAME, SHA, tmp_path, [mirror])
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o664


@pytest.mark.parametrize("status,body", [(404, b"gone"), (200, BODY[:-1] + b"x")])
def test_a_failing_first_mirror_is_followed_by_the_next(tmp_path, server, status, body, capsys):
    bad = server("bad", NAME, body, status=status)
    good = server("good", NAME, BODY)
    path = mnist_loader.download(NAME, SHA, tmp_path, [bad, good])
    assert pathlib.Path(path).read_bytes() == BODY
    assert os.listdir(tmp_path) == [NAME]


@pytest.mark.parametrize("how,message", [
    ("cut", "IncompleteRead|stopped after"),
    ("slow", "timed out"),
    ("stall", "timed out"),
    ("trickle", "the server sent [0-9]+ bytes in 1 s: too slow"),
])
def test_a_broken_or_stalled_transfer_is_abandoned_and_leaves_nothing(tmp_path, server, how,
                                                                      message, capsys):
    mirror = server("broken", NAME, BODY, how=how)
    with pytest.raises(MNISTError, match=message) as error:
        mnist_loader.download(NAME, SHA, tmp_path, [mirror], timeout=0.5, min_bytes=1000)
    assert mirror + NAME in str(error.value)
    assert os.listdir(tmp_path) == []
    err = capsys.readouterr().err
    assert not err or err.endswith("\n")            # a progress line is ended


def test_the_overall_deadline(tmp_path, server, capsys):
    mirror = server("trickle", NAME, BODY, how="trickle")
    with pytest.raises(MNISTError, match="the download took too long"):
        mnist_loader.download(NAME, SHA, tmp_path, [mirror], timeout=30, min_bytes=1,
                              deadline=0.5)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("how,message", [("endless", "more than the file's 4000 bytes"),
                                         ("whole", "announces 5000 bytes, but the file has 4000")])
def test_a_body_longer_than_the_file_is_abandoned_at_once(tmp_path, server, how, message,
                                                          capsys):
    mirror = server("long", NAME, bytes(5000), how=how)
    with pytest.raises(MNISTError, match=message):
        mnist_loader.download(NAME, SHA, tmp_path, [mirror], size=4000)
    assert os.listdir(tmp_path) == []


def test_a_mirror_that_timed_out_is_asked_last_for_the_next_files(tmp_path, server, capsys):
    slow = server("slow", NAME, BODY, how="stall")
    good = server("good", NAME, BODY)
    mirrors = [slow, good]
    for directory in ("first", "second", "third"):
        path = mnist_loader.download(NAME, SHA, tmp_path / directory, mirrors, timeout=0.5)
        assert pathlib.Path(path).read_bytes() == BODY
    assert mirrors == [good, slow]
    assert Handler.requests == {"/slow/" + NAME: 1, "/good/" + NAME: 3}


def test_interrupted_download_leaves_nothing_behind(tmp_path, server):
    mirror = server("good", NAME, BODY)
    progress = InterruptingStream()
    with pytest.raises(KeyboardInterrupt):
        mnist_loader.download(NAME, SHA, tmp_path, [mirror], progress=progress)
    assert progress.writes[0].startswith("\rDownloading")
    assert progress.writes[-1] == "\n"
    assert os.listdir(tmp_path) == []


class InterruptingStream:
    """A progress stream on which the first progress report raises
    KeyboardInterrupt, as Ctrl-C would in the middle of a download."""

    def __init__(self):
        self.writes = []

    def write(self, text):
        self.writes.append(text)
        if len(self.writes) == 1:
            raise KeyboardInterrupt

    def flush(self):
        pass


def test_no_network_and_no_files_says_what_to_do_first(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    closed = "http://127.0.0.1:9/mnist/"           # the discard port: nothing listens there
    monkeypatch.setenv("MNIST_MIRRORS", closed)
    with pytest.raises(MNISTError) as error:
        mnist_loader.load_data()
    message = str(error.value)
    assert message.startswith("Put the four MNIST files") and "--data DIR" in message
    assert "train-images-idx3-ubyte.gz is not in" in message
    assert closed + "train-images-idx3-ubyte.gz" in message
    assert os.listdir(tmp_path / "cache" / "neural-network-from-scratch" / "mnist") == []


def test_an_unwritable_cache_names_it_and_how_to_choose_another(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("a file where the cache's directory should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    with pytest.raises(MNISTError) as error:
        mnist_loader.load_data(mirrors=["http://127.0.0.1:9/"])
    message = str(error.value)
    assert f"the cache directory {tmp_path / 'file'}/neural-network-from-scratch/mnist " \
           f"cannot be written" in message
    assert "XDG_CACHE_HOME" in message and "--data DIR" in message
