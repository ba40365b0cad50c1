"""
mnist_loader
~~~~~~~~~~~~

Loads the MNIST images of handwritten digits for ``network.py``.

MNIST comes as four files in the IDX format (described on Yann LeCun's
MNIST page): 60,000 training and 10,000 test images of 28 x 28 grey
pixels, each with its label, 0 to 9.  This module reads them with numpy,
gzipped or not, checks each header and each file's SHA-256 against the
original files, and returns the split the book uses: 50,000 training
images, 10,000 validation images (the last 10,000 of the training file)
and 10,000 test images, with pixels scaled to [0, 1].

The files are looked for, in this order:

1. in the directory given as ``data_dir`` (``--data DIR`` on the
   command line), or else in the one named by $MNIST_DATA_DIR;
2. in the cache directory, $XDG_CACHE_HOME/neural-network-from-scratch/mnist
   (~/.cache/... when XDG_CACHE_HOME is not set);
3. on the mirrors, from which a missing file is downloaded into the cache.
   $MNIST_MIRRORS, a space-separated list of URLs, replaces the built-in
   list: that is how to point the loader at a mirror of your own.

Nothing is ever unpickled, and a file that fails a check is never used.
"""

import gzip
import hashlib
import http.client
import os
import struct
import sys
import tempfile
import urllib.error
import urllib.request
import zlib

import numpy as np

# SHA-256 of the original files, gzipped and unpacked.
FILES = {
    "train-images-idx3-ubyte": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}

# Public mirrors of the original gzipped files, tried in turn.
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
ROWS = COLUMNS = 28


class MNISTError(Exception):
    """A file is missing, damaged or could not be downloaded."""


def load_data(data_dir=None, mirrors=None):
    """Return (training_data, validation_data, test_data), each a tuple
    (images, labels): images a float32 array of shape (n, 784), one
    image per row, pixels in [0, 1]; labels an int64 array of shape (n,).
    There are 50,000 training, 10,000 validation and 10,000 test images."""
    images = {}
    for name in ("train", "t10k"):
        pixels = load_file(f"{name}-images-idx3-ubyte", data_dir, mirrors)
        labels = load_file(f"{name}-labels-idx1-ubyte", data_dir, mirrors)
        if len(pixels) != len(labels):
            raise MNISTError(f"MNIST {name} files disagree: {len(pixels)} images but "
                             f"{len(labels)} labels")
        images[name] = (pixels.astype(np.float32) / 255, labels.astype(np.int64))
    (train_x, train_y), test = images["train"], images["t10k"]
    return (train_x[:50000], train_y[:50000]), (train_x[50000:], train_y[50000:]), test


def load_data_wrapper(data_dir=None, mirrors=None):
    """Return (training_data, validation_data, test_data) in the format
    of the book: lists of tuples (x, y), x an image as a (784, 1) column.
    In training_data y is a (10, 1) one-hot column, the output the
    network should give; in the other two, y is the label, an int."""
    training, validation, test = load_data_matrices(data_dir, mirrors)
    X, Y = training
    return ([(X[:, i:i + 1], Y[:, i:i + 1]) for i in range(X.shape[1])],
            *[[(X[:, i:i + 1], int(label)) for i, label in enumerate(labels)]
              for X, labels in (validation, test)])


def load_data_matrices(data_dir=None, mirrors=None, dtype=np.float32):
    """Return the same data as matrices, for the matrix path of the
    network: training_data is a pair (X, Y) with X of shape (784, 50000),
    one image per column, and Y of shape (10, 50000), one one-hot column
    each; validation_data and test_data are pairs (X, labels)."""
    (train_x, train_y), validation, test = load_data(data_dir, mirrors)
    # The transpose of row-per-image arrays: a column-major matrix whose
    # columns (the images) are contiguous in memory, without a copy.
    X = train_x.T.astype(dtype, copy=False)
    Y = np.zeros((10, len(train_y)), dtype, order="F")
    Y[train_y, np.arange(len(train_y))] = 1
    return (X, Y), *[(x.T.astype(dtype, copy=False), y) for x, y in (validation, test)]


def read_idx(path, magic):
    """Return the contents of the IDX file at ``path``, gzipped or not:
    an (n, 784) uint8 array of images when ``magic`` is IMAGES_MAGIC, an
    (n,) uint8 array of labels when it is LABELS_MAGIC.  Raises
    MNISTError when the file is not such an IDX file, or is cut short."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":                       # gzip's signature
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise MNISTError(f"{path}: the gzip data is corrupt ({e}). {REPLACE}") from None
    header = 16 if magic == IMAGES_MAGIC else 8
    found = int.from_bytes(raw[:4], "big")
    if len(raw) >= 4 and found != magic:
        raise MNISTError(f"{path}: magic number {found}, expected {magic}: this is not an "
                         f"MNIST {'image' if magic == IMAGES_MAGIC else 'label'} file. {REPLACE}")
    if len(raw) < header:
        raise MNISTError(f"{path}: too short for an IDX header ({len(raw)} bytes). {REPLACE}")
    n = struct.unpack(">I", raw[4:8])[0]
    if magic == IMAGES_MAGIC:
        rows, columns = struct.unpack(">II", raw[8:16])
        if (rows, columns) != (ROWS, COLUMNS):
            raise MNISTError(f"{path}: images of {rows} x {columns} pixels, expected "
                             f"{ROWS} x {COLUMNS}. {REPLACE}")
    size = n * ROWS * COLUMNS if magic == IMAGES_MAGIC else n
    if len(raw) != header + size:
        raise MNISTError(f"{path}: the header announces {n} items ({header + size} bytes) but "
                         f"the file holds {len(raw)} bytes: it is "
                         f"{'truncated' if len(raw) < header + size else 'too long'}. {REPLACE}")
    data = np.frombuffer(raw, np.uint8, offset=header)
    if magic == LABELS_MAGIC:
        if data.size and data.max() > 9:
            raise MNISTError(f"{path}: a label is {data.max()}, but digits go from 0 to 9. {REPLACE}")
        return data
    return data.reshape(n, ROWS * COLUMNS)


REPLACE = ("Delete the file, so that it is downloaded again, or replace it with a copy of "
           "the original.")


def load_file(name, data_dir=None, mirrors=None):
    """Return the contents of the MNIST file ``name`` (such as
    "train-images-idx3-ubyte"), as ``read_idx`` gives them, once its
    header and its SHA-256 have been checked."""
    path = find_file(name, data_dir, mirrors)
    data = read_idx(path, IMAGES_MAGIC if "images" in name else LABELS_MAGIC)
    gz_sha256, raw_sha256 = FILES[name]
    check_sha256(path, gz_sha256 if path.endswith(".gz") else raw_sha256)
    return data


def find_file(name, data_dir=None, mirrors=None):
    """Return the path of the MNIST file ``name``, gzipped or unpacked,
    found in the data directory or the cache, or else downloaded into
    the cache.  ``load_file`` checks it."""
    directories = data_directories(data_dir)
    for directory in directories:
        for filename in (name + ".gz", name):
            path = os.path.join(directory, filename)
            if os.path.isfile(path):
                return path
    cache = directories[-1]
    try:
        return download(name + ".gz", FILES[name][0], cache, mirrors)
    except MNISTError as e:
        raise MNISTError(
            f"MNIST file {name}.gz is not in {' or '.join(directories)}, and {e}. Put the four "
            f"MNIST files ({', '.join(f + '.gz' for f in FILES)}) in a directory and pass it "
            f"with --data DIR or in $MNIST_DATA_DIR.") from None


def data_directories(data_dir=None):
    """The directories to look in: the given one (or $MNIST_DATA_DIR), then the cache."""
    data_dir = data_dir or os.environ.get("MNIST_DATA_DIR")
    if data_dir and not os.path.isdir(data_dir):
        raise MNISTError(f"the MNIST data directory {data_dir} does not exist")
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    cache = os.path.join(cache_home, "neural-network-from-scratch", "mnist")
    return [os.fspath(data_dir), cache] if data_dir else [cache]


def check_sha256(path, sha256):
    """Raise MNISTError unless the file at ``path`` has this SHA-256."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise MNISTError(f"{path}: its SHA-256 is {digest.hexdigest()}, but the original's is "
                         f"{sha256}: the file is damaged or not the original. {REPLACE}")


def download(filename, sha256, directory, mirrors=None, timeout=30.0, progress=None):
    """Download ``filename`` into ``directory`` from the first mirror that
    serves it whole and with the right SHA-256, and return its path.
    ``mirrors`` defaults to $MNIST_MIRRORS or else MIRRORS.  ``timeout``
    is in seconds, for connecting and for each read.  Progress is shown
    on ``progress`` (standard error by default).  The file appears under
    its name only once it is complete and checked."""
    if mirrors is None:
        mirrors = os.environ.get("MNIST_MIRRORS", "").split() or MIRRORS
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, filename)
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        try:
            fetch(url, path, sha256, timeout, progress or sys.stderr)
            return path
        except (OSError, http.client.HTTPException, MNISTError) as e:
            reason = e.reason if isinstance(e, urllib.error.URLError) else e
            failures.append(f"{url}: {reason}")
    raise MNISTError("downloading it failed (" + "; ".join(failures or ["no mirrors given"]) + ")")


def fetch(url, path, sha256, timeout, progress):
    """Copy ``url`` to ``path`` through a temporary file beside it, which
    is renamed to ``path`` only when the download is whole and its
    SHA-256 is right, and is removed otherwise, even on Ctrl-C."""
    fd, partial = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".download-")
    try:
        digest = hashlib.sha256()
        done = 0
        with os.fdopen(fd, "wb") as f, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            while chunk := response.read(1 << 16):
                f.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if total:
                    print(f"\rDownloading {url}: {100 * done // total}% of {total / 1e6:.1f} MB",
                          end="", file=progress, flush=True)
            f.flush()
            os.fsync(f.fileno())
        if total:
            print(file=progress)
        if total and done != total:
            raise MNISTError(f"the transfer stopped after {done} of {total} bytes")
        if digest.hexdigest() != sha256:
            raise MNISTError(f"wrong SHA-256 {digest.hexdigest()}: not the original file")
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise
