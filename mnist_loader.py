"""
mnist_loader
~~~~~~~~~~~~

Loads the MNIST images of handwritten digits for ``network.py``.

MNIST comes as four files in the IDX format (described on Yann LeCun's
MNIST page): 60,000 training and 10,000 test images of 28 x 28 grey
pixels, each with its label, 0 to 9.  This module checks each file's
size and SHA-256 against the original's, reads it with numpy, gzipped or
not, and returns the split the book uses: 50,000 training images, 10,000
validation images (the last 10,000 of the training file) and 10,000 test
images, with pixels scaled to [0, 1].

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
shifted by one pixel up, down, left and right; the elastic distortions
behind the book's best result, 99.3% (``distort``); and it prepares a
picture of your own digit as MNIST's digits were prepared
(``prepare_image``).
"""

import gzip
import hashlib
import http.client
import math
import os
import struct
import sys
import tempfile
import time
import urllib.request

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
TRAINING_IMAGES = 50000         # the rest of the training file are the validation images

# Public mirrors of the original gzipped files, tried in turn.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


class MNISTError(Exception):
    """A file is missing, damaged or could not be downloaded."""


def load_data(data_dir=None, mirrors=None):
    """Return (training_data, validation_data, test_data), each a tuple
    (images, labels): images a float32 array of shape (n, 784), one
    image per row, pixels in [0, 1]; labels an int64 array of shape (n,).
    There are 50,000 training, 10,000 validation and 10,000 test images.
    ``mirrors`` replaces the list of mirrors to download from."""
    mirrors = mirror_list(mirrors)
    data = []
    for name in ("train", "t10k"):
        images = load_file(f"{name}-images-idx3-ubyte", data_dir, mirrors)
        labels = load_file(f"{name}-labels-idx1-ubyte", data_dir, mirrors)
        data.append((images.reshape(len(images), -1).astype(np.float32) / 255,
                     labels.astype(np.int64)))
    (images, labels), test = data
    n = TRAINING_IMAGES
    return (images[:n], labels[:n]), (images[n:], labels[n:]), test


def load_data_wrapper(data_dir=None, mirrors=None, expand=False):
    """Return (training_data, validation_data, test_data) in the format
    of the book: lists of tuples (x, y), x an image as a (784, 1) column.
    In training_data y is a (10, 1) one-hot column, the output the
    network should give; in the other two, y is the label, an int.
    ``expand`` is as in ``load_data_matrices``.  The book's interface:
    the program and the scripts load matrices, which SGD takes as they are."""
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
    if np.dtype(dtype).kind != "f":         # pixels in [0, 1] would become 0s and 1s
        raise ValueError(f"dtype must be a float dtype such as float32 or float64; "
                         f"got {np.dtype(dtype)}")
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
ROWS = COLUMNS = 28
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


def distort(X, rng, alpha=34.0, sigma=4.0, degrees=10.0, scale=0.1, shear=0.2):
    """Return the images that are the columns of X, each deformed afresh
    by Simard, Steinkraus and Platt's "elastic distortion" (ICDAR 2003):
    every pixel is moved by a random displacement, whose x and y parts
    are drawn uniform in [-1, 1], smoothed by a Gaussian of standard
    deviation ``sigma`` pixels and scaled by ``alpha``, and the image is
    read at the moved places by bilinear interpolation.  A random affine
    change joins in, as Ciresan et al. (2010) added one: a rotation by up
    to ``degrees``, a scaling by up to the fraction ``scale``, and a
    horizontal shear by up to ``shear``, about the image's centre; zeros
    leave either part out.  Given to Network.SGD as ``transform``, this
    makes every epoch's images new.  Shifts move a digit whole, but
    handwriting bends and stretches its strokes; a smooth random field
    imitates that, so the network learns what stays a 3 under it."""
    smooth = gaussian_matrix(ROWS, sigma).astype(X.dtype)      # the images are square
    centre = (ROWS - 1) / 2
    y = np.arange(ROWS, dtype=X.dtype)[:, None] - centre       # a column and a row
    x = np.arange(COLUMNS, dtype=X.dtype) - centre
    distorted = np.empty_like(X, order="F")
    # 100 images at a time: their arrays stay in the cache and, in training,
    # the memory one chunk frees serves the next.  Chunks of 10,000 images
    # got fresh memory, and its page faults took most of the time.
    chunk = 100
    for k in range(0, X.shape[1], chunk):
        images = X[:, k:k + chunk].T.reshape(-1, ROWS, COLUMNS)
        m = len(images)
        dy = dx = 0
        if alpha:
            # Each of the 2m fields F (dy and dx of each image) becomes S F S,
            # smoothed down its columns and along its rows by the Gaussian S.
            # Side by side, row i holding row i of every field, that is two
            # matrix products for all of them.
            field = 2 * rng.random((ROWS, 2 * m * COLUMNS), dtype=X.dtype) - 1
            field = (smooth @ field).reshape(-1, COLUMNS) @ smooth
            dy, dx = alpha * field.reshape(ROWS, 2, m, COLUMNS).transpose(1, 2, 0, 3)
        theta, zoom, h = (v.astype(X.dtype) for v in (
            np.radians(rng.uniform(-degrees, degrees, (m, 1, 1))),
            1 + rng.uniform(-scale, scale, (m, 1, 1)), rng.uniform(-shear, shear, (m, 1, 1))))
        # The place each pixel reads: (y, x) rotated by theta and scaled by
        # 1/zoom about the centre, to (cos y + sin x, cos x - sin y) / zoom,
        # sheared by adding h times the new row to the new column, displaced.
        cos, sin = np.cos(theta) / zoom, np.sin(theta) / zoom
        rows = centre + cos * y + sin * x + dy
        columns = centre + (h * cos - sin) * y + (cos + h * sin) * x + dx
        distorted[:, k:k + m] = bilinear(images, rows, columns).reshape(m, -1).T
    return distorted


def gaussian_matrix(n, sigma):
    """The (n, n) matrix that convolves n pixels with a Gaussian of
    standard deviation sigma: row i holds its weights centred on pixel i."""
    i = np.arange(n)
    return np.exp(-0.5 * ((i[:, None] - i) / sigma) ** 2) / (np.sqrt(2 * np.pi) * sigma)


def bilinear(images, rows, columns):
    """Return the (m, 28, 28) images read at the places (rows, columns),
    each of the same shape, by bilinear interpolation: a place between
    four pixels gets their grey levels weighted by its nearness to each.
    Places outside the image read its blank margin, 0."""
    m = len(images)
    padded = np.pad(images, ((0, 0), (1, 2), (1, 2))).reshape(-1)     # a margin of 0s
    height, width = ROWS + 3, COLUMNS + 3
    rows = np.clip(rows + 1, 0, ROWS + 1)
    columns = np.clip(columns + 1, 0, COLUMNS + 1)
    top, left = np.floor(rows), np.floor(columns)
    wy, wx = rows - top, columns - left             # the weights of the lower and right pixels
    i = (top * width + left).astype(np.intp)        # each place's top-left pixel in padded
    i += (np.arange(m) * height * width)[:, None, None]     # of its own image
    # padded[1:][i] is padded[i + 1], without an array of indices i + 1.
    top_left, top_right = padded[i], padded[1:][i]
    bottom_left, bottom_right = padded[width:][i], padded[width + 1:][i]
    upper = top_left + wx * (top_right - top_left)
    lower = bottom_left + wx * (bottom_right - bottom_left)
    return upper + wy * (lower - upper)


#### Your own digit, prepared as MNIST's were
def prepare_image(image):
    """Return a picture of one digit as the (784, 1) column the network
    takes, prepared as MNIST's digits were.  ``image`` is a 2-D array of
    grey levels of any size and range, dark ink on light paper or bright
    ink on dark.  MNIST's page says each digit was scaled to fit a
    20 x 20 box, keeping its aspect ratio, with grey levels from
    anti-aliasing, then placed in the 28 x 28 field with its centre of
    mass at the centre (pixel (14, 14), counting from 0, as measured on
    the training images).  The network has seen nothing else: bright ink
    on black, that large, in that place.  Give it a photo as it is and it
    sees an image unlike any it learned from."""
    a = np.asarray(image, dtype=np.float64)
    if a.ndim != 2 or a.size == 0:
        raise ValueError(f"expected a 2-D array of grey levels, got shape {a.shape}"
                         + ("; for colours, take their mean first" if a.ndim == 3 else ""))
    if not np.isfinite(a).all():
        raise ValueError("its grey levels include NaN or infinite values")
    # A photo is first reduced to about 2,000 pixels a side, each k x k block
    # averaged: the network sees 28 x 28, and millions of pixels take seconds.
    k = min(-(-max(a.shape) // 2000), min(a.shape))
    if k > 1:
        h, w = a.shape[0] // k, a.shape[1] // k
        a = a[:h * k, :w * k].reshape(h, k, w, k).mean(axis=(1, 3))
    # The border is paper, perhaps lit from one side.  Its level is flat, the
    # border's median, or the plane through the medians of its four sides,
    # whichever fits the border more closely: a digit touching one side
    # tilts the plane, light from one side tilts the paper.
    sides = [a[0], a[-1], a[:, 0], a[:, -1]]
    top, bottom, left, right = (np.median(side) for side in sides)
    level = np.median(np.concatenate(sides))
    plane = (level + (bottom - top) * np.linspace(-0.5, 0.5, len(a))[:, None]
             + (right - left) * np.linspace(-0.5, 0.5, a.shape[1]))
    a, _ = min((ink_on(a, paper) for paper in (np.full(a.shape, level), plane)),
               key=lambda ink_and_noise: ink_and_noise[1])
    if a.max() <= 0:
        raise ValueError("it is blank: no ink stands out from the paper at its border")
    a = np.clip(a / a.max(), 0, 1)
    a[a < 0.2] = 0                              # what is left of noise and smudges
    rows, columns = np.flatnonzero(a.any(axis=1)), np.flatnonzero(a.any(axis=0))
    a = a[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]       # the ink's bounding box
    h, w = (max(1, round(20 * n / max(a.shape))) for n in a.shape)
    box = area_weights(a.shape[0], h) @ a @ area_weights(a.shape[1], w).T     # (h, w)
    # Averaging leaves a thin stroke faint, where MNIST's strokes are white
    # at their core: the brightest tenth of the ink is made white.
    box = np.clip(box / np.percentile(box[box > 0], 90), 0, 1)
    row = np.arange(h) @ box.sum(axis=1) / box.sum()           # the centre of mass
    column = np.arange(w) @ box.sum(axis=0) / box.sum()
    top = min(max(round(14 - row), 0), ROWS - h)               # the box kept in the field
    left = min(max(round(14 - column), 0), COLUMNS - w)
    field = np.zeros((ROWS, COLUMNS))
    field[top:top + h, left:left + w] = box
    return field.reshape(ROWS * COLUMNS, 1)


def ink_on(a, paper):
    """Return the ink of the picture a on ``paper``, an array of the paper's
    level at each pixel, and the noise of the paper at the border (its
    median absolute deviation).  The ink is made bright, with the paper and
    its noise (up to 4.5 deviations, 3 standard deviations of a normal)
    taken away, so that only ink is above 0.  The light falls on the ink
    too, so dark ink is the share of the paper's light it takes."""
    if (a - paper).min() + (a - paper).max() >= 0:          # bright ink
        a = a - paper
    else:
        a = 1 - a / paper if paper.min() > 0 else paper - a
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    level = np.median(border)
    noise = np.median(np.abs(border - level))
    return a - (level + 4.5 * noise), noise


def area_weights(n, m):
    """The (m, n) matrix that resamples n pixels to m by area averaging:
    output pixel i spans [i n/m, (i + 1) n/m) of the input, and averages
    the input pixels it covers, each weighted by how much of it is covered."""
    edges = np.linspace(0, n, m + 1)
    pixels = np.arange(n)
    covered = np.clip(np.minimum(edges[1:, None], pixels + 1)
                      - np.maximum(edges[:-1, None], pixels), 0, None)
    return covered / covered.sum(axis=1, keepdims=True)


def load_image(path, largest=40_000_000):
    """Return the image file at ``path`` as a 2-D array of grey levels:
    a .npy array with numpy, any other file (PNG, JPEG, ...) with Pillow,
    turned upright as its EXIF data says (photos from phones), and with
    what is transparent made white.  Only a regular file is read (a FIFO
    would wait for ever), and the size is checked before the pixels are:
    a JPEG is reduced as it is decoded, and a picture of more than
    ``largest`` pixels is refused (the network sees 28 x 28)."""
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isfile(path):
        raise ValueError("it is not a regular file")
    if path.lower().endswith(".npy"):
        try:
            with open(path, "rb") as f:                 # the header first, then the pixels
                header = {(1, 0): np.lib.format.read_array_header_1_0,
                          (2, 0): np.lib.format.read_array_header_2_0}
                shape, _, dtype = header[np.lib.format.read_magic(f)](f)
                if (dtype.kind in "buif" and all(k > 0 for k in shape)
                        and math.prod(shape) <= largest):
                    f.seek(0)
                    return np.lib.format.read_array(f, allow_pickle=False)
        except OSError:
            raise
        except Exception:                       # whatever a damaged file gives rise to
            raise ValueError("it is not an array of numbers saved by np.save") from None
        raise ValueError(f"it holds an array of shape {shape} and dtype {dtype}, not grey "
                         f"levels: real numbers, at most {largest:,} of them")
    from PIL import Image, ImageOps
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None     # the size is checked here
    try:
        with Image.open(path) as image:
            image.draft("L", (2000, 2000))         # a JPEG decodes at 1/2, 1/4 or 1/8 the size
            if image.width * image.height > largest:
                raise ValueError(f"it has {image.width:,} x {image.height:,} pixels, more than "
                                 f"{largest:,}: reduce it first")
            image = ImageOps.exif_transpose(image)
            if image.mode.startswith("I"):          # 16 or 32 bits of grey: every level kept
                return np.asarray(image)
            white = Image.new("RGBA", image.size, "white")
            return np.asarray(Image.alpha_composite(white, image.convert("RGBA")).convert("L"))
    finally:
        Image.MAX_IMAGE_PIXELS = limit


#### Finding, checking and reading the files
def load_file(name, data_dir=None, mirrors=None):
    """Return the contents of the MNIST file ``name`` (such as
    "t10k-labels-idx1-ubyte") as a uint8 array: the images as (n, 28, 28),
    the labels as (n,).  The file's size and SHA-256 are checked before
    it is unpacked or read, so that only the original is ever used."""
    path = find_file(name, data_dir, mirrors)
    gz_sha256, gz_size, sha256, size = FILES[name]
    if path.endswith(".gz"):
        sha256, size = gz_sha256, gz_size
    replace = ("Replace it with the original, or delete it, so that the original is downloaded "
               "into the cache.")
    try:
        if os.path.getsize(path) != size:
            raise MNISTError(f"{path} has {os.path.getsize(path)} bytes, but the original has "
                             f"{size}: the file is damaged or not the original. {replace}")
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise MNISTError(f"cannot read {path}: {e.strerror}") from None
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise MNISTError(f"{path}: its SHA-256 is not the original's: the file is damaged or "
                         f"not the original. {replace}")
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    # IDX: a magic number whose last byte is the number of dimensions, the
    # size of each dimension, all big-endian 32-bit integers, then the bytes.
    dimensions = raw[3]
    shape = struct.unpack(f">{dimensions}I", raw[4:4 + 4 * dimensions])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def find_file(name, data_dir=None, mirrors=None):
    """Return the path of the MNIST file ``name``, gzipped or unpacked,
    found in the data directory or the cache, or else downloaded into
    the cache."""
    given = data_dir if data_dir is not None else os.environ.get("MNIST_DATA_DIR") or None
    directories = []
    if given is not None:
        try:
            os.listdir(given)
        except OSError as e:
            source = "" if data_dir is not None else " (from $MNIST_DATA_DIR)"
            raise MNISTError(f"the MNIST data directory {given}{source}: {e.strerror}; give a "
                             f"directory that holds the MNIST files") from None
        directories.append(os.fspath(given))
    # $XDG_CACHE_HOME if it is an absolute path, as its standard says, else ~/.cache;
    # with no home directory "~" stays "~", and there is no cache.
    home = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(home):
        home = os.path.join(os.path.expanduser("~"), ".cache")
    cache = os.path.join(home, "neural-network-from-scratch", "mnist")
    if os.path.isabs(cache):
        directories.append(cache)
    for directory in directories:
        for filename in (name + ".gz", name):
            if os.path.isfile(os.path.join(directory, filename)):
                return os.path.join(directory, filename)
    missing = (f"Put the four MNIST files ({', '.join(f + '.gz' for f in FILES)}) in a "
               f"directory and pass it with --data DIR or in $MNIST_DATA_DIR. {name}.gz is not "
               f"in {' or '.join(directories) or 'a data directory'}, and")
    if not os.path.isabs(cache):
        raise MNISTError(f"{missing} there is no cache to download it into, for want of a home "
                         f"directory: set XDG_CACHE_HOME to an absolute path")
    try:
        return download(name, cache, mirror_list(mirrors))
    except MNISTError as e:
        raise MNISTError(f"{missing} {e}") from None


#### Downloading
def mirror_list(mirrors=None):
    """The mirrors to try, in order, as a list that ``download`` may
    reorder: ``mirrors`` (a list, itself, or URLs separated by spaces),
    else $MNIST_MIRRORS, else MIRRORS."""
    if mirrors is None:
        mirrors = os.environ.get("MNIST_MIRRORS") or MIRRORS
    if isinstance(mirrors, str):
        return mirrors.split()
    return mirrors if isinstance(mirrors, list) else list(mirrors)


def download(name, directory, mirrors, timeout=30.0, min_rate=10_000, progress=None):
    """Download the original gzipped file ``name`` into ``directory`` from
    the first of the ``mirrors`` that serves it, and return its path.  A
    mirror that fails goes to the end of the list, which is changed in
    place, so that it is asked last for the next files.  A transfer is
    abandoned when no byte comes for ``timeout`` seconds, when after that
    it averages fewer than ``min_rate`` bytes a second, or when it brings
    more than the file's size; the file appears under its name only once
    it is whole and its SHA-256 is right.  Progress is shown on
    ``progress``, standard error by default."""
    try:
        os.makedirs(directory, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()    # can it be written?
    except OSError as e:
        raise MNISTError(f"the cache directory {directory} cannot be written ({e.strerror}); "
                         f"set XDG_CACHE_HOME to choose another cache, or put the files in a "
                         f"directory of your own and pass it with --data DIR") from None
    path = os.path.join(directory, name + ".gz")
    part = f"{path}.{os.getpid()}.part"     # renamed to path once whole and checked
    failures = []
    for mirror in list(mirrors):
        url = mirror.rstrip("/") + "/" + name + ".gz"
        try:
            with open(part, "wb") as f:
                fetch(url, f, FILES[name][:2], timeout, min_rate, progress or sys.stderr)
                f.flush()
                os.fsync(f.fileno())
            os.replace(part, path)
            return path
        except (OSError, ValueError, http.client.HTTPException, MNISTError) as e:
            failures.append(f"{url}: {getattr(e, 'reason', e)}")
            mirrors.remove(mirror)
            mirrors.append(mirror)
        finally:
            if os.path.exists(part):
                os.unlink(part)
    raise MNISTError("downloading it failed (" + "; ".join(failures or ["no mirrors given"]) + ")")


def fetch(url, f, original, timeout, min_rate, progress):
    """Copy the body at ``url`` into the open file f, and check it against
    ``original``, the file's SHA-256 and size: see ``download``."""
    sha256, size = original
    digest, done, start = hashlib.sha256(), 0, time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            # http.client's reading of Content-Length: None if absent or malformed.
            announced = getattr(response, "length", None)
            if announced is not None and announced > size:
                raise MNISTError(f"the server announces {announced} bytes, but the file has "
                                 f"{size}")
            # read1 returns what has arrived, so that a trickle is seen as one.
            while chunk := response.read1(1 << 16):
                done += len(chunk)
                elapsed = time.monotonic() - start
                if done > size:
                    raise MNISTError(f"the server sent more than the file's {size} bytes")
                if elapsed > timeout and done < min_rate * elapsed:
                    raise MNISTError(f"the server sent {done} bytes in {elapsed:.0f} s: "
                                     f"too slow")
                f.write(chunk)
                digest.update(chunk)
                show(progress, f"\rDownloading {url}: {100 * done // size}% of "
                               f"{size / 1e6:.1f} MB")
    finally:
        if done:
            show(progress, "\n")
    if done != size:
        raise MNISTError(f"the server sent {done} bytes, but the file has {size}")
    if digest.hexdigest() != sha256:
        raise MNISTError("its SHA-256 is wrong: it is not the original file")


def show(progress, text):
    """Show the progress of a download, unless the stream cannot take it:
    a download must not fail for want of a progress line."""
    try:
        progress.write(text)
        progress.flush()
    except OSError:
        pass
