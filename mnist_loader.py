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
The module also makes chapter 3's expanded training data: each image
shifted by one pixel up, down, left and right.
"""

import hashlib
import http.client
import os
import struct
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib

import numpy as np

# The original files: SHA-256 and size in bytes, gzipped and unpacked.
FILES = {
    "train-images-idx3-ubyte": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016),
    "train-labels-idx1-ubyte": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008),
    "t10k-images-idx3-ubyte": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016),
    "t10k-labels-idx1-ubyte": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008),
}
LARGEST = max(raw_size for _, _, _, raw_size in FILES.values())

# Public mirrors of the original gzipped files, tried in turn.
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
ROWS = COLUMNS = 28
REPLACE = ("Delete the file, so that it is downloaded again, or replace it with a copy of "
           "the original.")


class MNISTError(Exception):
    """A file is missing, damaged or could not be downloaded."""


def load_data(data_dir=None, mirrors=None):
    """Return (training_data, validation_data, test_data), each a tuple
    (images, labels): images a float32 array of shape (n, 784), one
    image per row, pixels in [0, 1]; labels an int64 array of shape (n,).
    There are 50,000 training, 10,000 validation and 10,000 test images."""
    mirrors = mirror_list(mirrors)
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


def load_data_wrapper(data_dir=None, mirrors=None, expand=False):
    """Return (training_data, validation_data, test_data) in the format
    of the book: lists of tuples (x, y), x an image as a (784, 1) column.
    In training_data y is a (10, 1) one-hot column, the output the
    network should give; in the other two, y is the label, an int.
    ``expand`` is as in ``load_data_matrices``."""
    (X, Y), (X_validation, validation_labels), (X_test, test_labels) = \
        load_data_matrices(data_dir, mirrors, expand=expand)
    # Each x and y is a view of one column of the matrices, not a copy.
    training_data = [(X[:, i:i + 1], Y[:, i:i + 1]) for i in range(X.shape[1])]
    validation_data = [(X_validation[:, i:i + 1], int(label))
                       for i, label in enumerate(validation_labels)]
    test_data = [(X_test[:, i:i + 1], int(label)) for i, label in enumerate(test_labels)]
    return training_data, validation_data, test_data


def load_data_matrices(data_dir=None, mirrors=None, dtype=np.float32, expand=False):
    """Return the same data as matrices, for the matrix path of the
    network: training_data is a pair (X, Y) with X of shape (784, 50000),
    one image per column, and Y of shape (10, 50000), one one-hot column
    each; validation_data and test_data are pairs (X, labels).  ``dtype``
    is a float dtype.  With ``expand``, the training images are followed
    by their copies shifted by one pixel (``expand_images``): 250,000
    columns.  Validation and test data are never expanded."""
    if np.dtype(dtype).kind != "f":
        raise TypeError(f"dtype must be a float dtype such as np.float32, not "
                        f"{np.dtype(dtype)}: pixels in [0, 1] need one")
    (train_x, train_y), validation, test = load_data(data_dir, mirrors)
    # The transpose of row-per-image arrays: a column-major matrix whose
    # columns (the images) are contiguous in memory, without a copy.
    X = train_x.T.astype(dtype, copy=False)
    if expand:
        X = expand_images(X)
        train_y = np.tile(train_y, 5)
    Y = np.zeros((10, len(train_y)), dtype, order="F")
    Y[train_y, np.arange(len(train_y))] = 1
    return (X, Y), *[(x.T.astype(dtype, copy=False), y) for x, y in (validation, test)]


#### Artificially expanding the training data (chapter 3)
SHIFTS = {"down": (1, 0), "up": (-1, 0), "right": (0, 1), "left": (0, -1)}


def shift(X, rows, columns):
    """Return the images that are the columns of X (784 pixels each, row
    by row) moved ``rows`` pixels down and ``columns`` pixels right (up
    and left when negative).  Pixels moved out of the image are lost; the
    rows and columns moved in are 0, blank."""
    images = X.T.reshape(-1, ROWS, COLUMNS)          # (n, 28, 28), a view
    moved = np.zeros_like(images)
    # Take from rows [0, 28 - rows) and put at [rows, 28) for rows >= 0,
    # and the other way around for rows < 0; the same for the columns.
    target = [slice(max(rows, 0), ROWS + min(rows, 0)),
              slice(max(columns, 0), COLUMNS + min(columns, 0))]
    source = [slice(max(-rows, 0), ROWS + min(-rows, 0)),
              slice(max(-columns, 0), COLUMNS + min(-columns, 0))]
    moved[:, target[0], target[1]] = images[:, source[0], source[1]]
    return moved.reshape(-1, ROWS * COLUMNS).T       # (784, n), column-major


def expand_images(X):
    """Return the columns of X followed by four shifted copies of them:
    each image moved one pixel down, up, right and left, as the book's
    expand_mnist.py does (chapter 3, "Artificially expanding the training
    data").  The labels of the copies are those of the originals, in the
    same order, five times over.  From MNIST's 50,000 training images
    this makes 250,000: 784 MB in float32, 1.57 GB in float64."""
    n = X.shape[1]
    # Filled in place, block by block: one shifted copy at a time exists
    # beside the result, not all four.
    expanded = np.empty((X.shape[0], 5 * n), X.dtype, order="F")
    expanded[:, :n] = X
    for k, d in enumerate(SHIFTS.values(), start=1):
        expanded[:, k * n:(k + 1) * n] = shift(X, *d)
    return expanded


def shift_randomly(X, rng, pixels=1):
    """Return a copy of X in which each image (column) has been moved by
    (rows, columns), each drawn at random from -pixels..pixels: with
    pixels=1, to one of the 9 places that include the original and its
    one-pixel shifts, diagonal ones too.  Given to Network.SGD as
    ``transform``, this varies the training images every epoch at the
    cost of the original 50,000 per epoch.  It goes beyond the book,
    whose expanded set (``expand_images``) is fixed and has 4 shifts."""
    offsets = np.arange(-pixels, pixels + 1)
    rows = rng.choice(offsets, X.shape[1])
    columns = rng.choice(offsets, X.shape[1])
    moved = X.copy(order="F")
    for r in offsets:
        for c in offsets:
            chosen = np.flatnonzero((rows == r) & (columns == c))
            if (r, c) != (0, 0) and chosen.size:
                moved[:, chosen] = shift(X[:, chosen], r, c)
    return moved


#### Reading and checking the files
def read_idx(path, magic):
    """Return the contents of the IDX file at ``path``, gzipped or not:
    an (n, 784) uint8 array of images when ``magic`` is IMAGES_MAGIC, an
    (n,) uint8 array of labels when it is LABELS_MAGIC.  Raises
    MNISTError when the file is not such an IDX file, or is cut short."""
    with open(path, "rb") as f:
        raw = f.read(LARGEST + 1)
    return parse_idx(raw, path, magic)


def parse_idx(raw, path, magic):
    """Parse the bytes ``raw`` of the file at ``path``: see ``read_idx``."""
    if raw[:2] == b"\x1f\x8b":                       # gzip's signature
        raw = gunzip(raw, path)
    if len(raw) > LARGEST:
        raise MNISTError(f"{path}: larger than any MNIST file. {REPLACE}")
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


def gunzip(raw, path):
    """Decompress gzip data, but never to more than the largest MNIST
    file: a "decompression bomb" is stopped there."""
    try:
        unpacker = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)    # gzip's header and trailer
        data = unpacker.decompress(raw, LARGEST + 1)
        if len(data) <= LARGEST and not unpacker.eof:
            raise EOFError("the gzip stream is cut short")
    except (zlib.error, EOFError) as e:
        raise MNISTError(f"{path}: the gzip data is corrupt ({e}). {REPLACE}") from None
    return data


def load_file(name, data_dir=None, mirrors=None):
    """Return the contents of the MNIST file ``name`` (such as
    "train-images-idx3-ubyte"), as ``read_idx`` gives them.  Its size and
    SHA-256 are checked before it is unpacked or parsed."""
    path = find_file(name, data_dir, mirrors)
    gz_sha256, gz_size, raw_sha256, raw_size = FILES[name]
    sha256, size = (gz_sha256, gz_size) if path.endswith(".gz") else (raw_sha256, raw_size)
    if os.path.getsize(path) != size:
        raise MNISTError(f"{path}: {os.path.getsize(path)} bytes, but the original has {size}: "
                         f"the file is damaged or not the original. {REPLACE}")
    with open(path, "rb") as f:
        raw = f.read(size + 1)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256:
        raise MNISTError(f"{path}: its SHA-256 is {digest}, but the original's is "
                         f"{sha256}: the file is damaged or not the original. {REPLACE}")
    return parse_idx(raw, path, IMAGES_MAGIC if "images" in name else LABELS_MAGIC)


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
    try:
        return download(name + ".gz", FILES[name][0], directories[-1], mirrors,
                        size=FILES[name][1])
    except MNISTError as e:
        raise MNISTError(
            f"Put the four MNIST files ({', '.join(f + '.gz' for f in FILES)}) in a directory "
            f"and pass it with --data DIR or in $MNIST_DATA_DIR. {name}.gz is not in "
            f"{' or '.join(directories)}, and {e}") from None


def data_directories(data_dir=None):
    """The directories to look in: the given one (or $MNIST_DATA_DIR), then the cache."""
    data_dir = data_dir or os.environ.get("MNIST_DATA_DIR")
    if data_dir and not os.path.isdir(data_dir):
        raise MNISTError(f"the MNIST data directory {data_dir} does not exist")
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    cache = os.path.join(cache_home, "neural-network-from-scratch", "mnist")
    return [os.fspath(data_dir), cache] if data_dir else [cache]


#### Downloading
def mirror_list(mirrors=None):
    """The mirrors to try, in order: ``mirrors``, else $MNIST_MIRRORS (URLs
    separated by spaces), else MIRRORS; a new list each time."""
    if mirrors is None:
        mirrors = os.environ.get("MNIST_MIRRORS", "").split() or MIRRORS
    return list(mirrors)


def download(filename, sha256, directory, mirrors=None, size=None, timeout=30.0,
             min_bytes=10_000, deadline=900.0, progress=None):
    """Download ``filename`` into ``directory`` from the first mirror that
    serves it whole and with the right SHA-256, and return its path.

    ``mirrors`` defaults to ``mirror_list()``.  A list passed in is
    reordered in place: a mirror that timed out or refused the connection
    goes to the end, so that the next file asks the others first.  A body
    longer than ``size`` bytes, if given, is abandoned at once.  A
    transfer that brings fewer than ``min_bytes`` in any ``timeout``
    seconds (a stalled or trickling server), or that lasts longer than
    ``deadline`` seconds, is abandoned.  Progress is shown on ``progress``
    (standard error by default).  The file appears under its name only
    once it is complete and checked."""
    mirrors = mirror_list() if mirrors is None else mirrors
    try:
        os.makedirs(directory, exist_ok=True)
        # Try to create a file there now, to say plainly where it fails.
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as e:
        raise MNISTError(f"the cache directory {directory} cannot be written ({e.strerror}); "
                         f"set XDG_CACHE_HOME to choose another cache, or put the files in a "
                         f"directory of your own and pass it with --data DIR") from None
    path = os.path.join(directory, filename)
    failures = []
    for mirror in list(mirrors):
        url = mirror.rstrip("/") + "/" + filename
        try:
            fetch(url, path, sha256, size, Limits(timeout, min_bytes, deadline),
                  progress or sys.stderr)
            return path
        except (OSError, http.client.HTTPException, MNISTError) as e:
            reason = e.reason if isinstance(e, urllib.error.URLError) else e
            failures.append(f"{url}: {reason}")
            if isinstance(reason, (TimeoutError, ConnectionRefusedError, Stalled)):
                mirrors.remove(mirror)
                mirrors.append(mirror)
    raise MNISTError("downloading it failed (" + "; ".join(failures or ["no mirrors given"]) + ")")


class Stalled(MNISTError):
    """A transfer made too little progress, or took too long."""


class Limits:
    """How slow a transfer may be before it is abandoned: see ``download``."""

    def __init__(self, timeout, min_bytes, deadline):
        self.timeout, self.min_bytes = timeout, min_bytes
        self.end = time.monotonic() + deadline
        self.window_start, self.window_bytes = time.monotonic(), 0

    def check(self, received):
        """Take note of ``received`` more bytes; raise Stalled when the
        transfer is too slow or too long."""
        now = time.monotonic()
        if now > self.end:
            raise Stalled("the download took too long")
        self.window_bytes += received
        if now - self.window_start >= self.timeout:
            if self.window_bytes < self.min_bytes:
                raise Stalled(f"the server sent {self.window_bytes} bytes in "
                              f"{now - self.window_start:.0f} s: too slow")
            self.window_start, self.window_bytes = now, 0


def fetch(url, path, sha256, size, limits, progress):
    """Copy ``url`` to ``path`` through a temporary file beside it, which
    is renamed to ``path`` only when the download is whole and its
    SHA-256 is right, and is removed otherwise, even on Ctrl-C."""
    fd, partial = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".download-")
    showing = False
    try:
        digest = hashlib.sha256()
        done = 0
        with os.fdopen(fd, "wb") as f, urllib.request.urlopen(url, timeout=limits.timeout) \
                as response:
            total = int(response.headers.get("Content-Length") or 0)
            if size and total > size:
                raise MNISTError(f"the server announces {total} bytes, but the file has {size}")
            # read1 returns what has arrived, so that a trickle is seen as one.
            while chunk := response.read1(1 << 16):
                done += len(chunk)
                if size and done > size:
                    raise MNISTError(f"the server sent more than the file's {size} bytes")
                limits.check(len(chunk))
                f.write(chunk)
                digest.update(chunk)
                if total:
                    showing = True
                    print(f"\rDownloading {url}: {100 * done // total}% of {total / 1e6:.1f} MB",
                          end="", file=progress, flush=True)
            f.flush()
            os.fsync(f.fileno())
        if total and done != total:
            raise MNISTError(f"the transfer stopped after {done} of {total} bytes")
        if digest.hexdigest() != sha256:
            raise MNISTError(f"wrong SHA-256 {digest.hexdigest()}: not the original file")
        os.chmod(partial, 0o666 & ~current_umask())       # mkstemp makes it private: 0600
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise
    finally:
        if showing:
            print(file=progress, flush=True)


def current_umask():
    mask = os.umask(0o022)         # the only way to read it is to set it
    os.umask(mask)
    return mask
