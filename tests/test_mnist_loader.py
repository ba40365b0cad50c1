"""Tests of mnist_loader.py: reading IDX files written here, the checks
that let only the original files through, where the files are looked for,
the expanded data, your own digit prepared as MNIST's were, downloads
from an HTTP server on 127.0.0.1 that behaves well or badly (see
conftest.Mirror), and the real files, found through $MNIST_DATA_DIR."""

import gzip
import hashlib
import os
import pathlib
import struct

import numpy as np
import pytest

import mnist_loader
from mnist_loader import MNISTError

IMAGES = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
LABELS = np.array([7, 0, 9], dtype=np.uint8)
IMAGES_IDX = struct.pack(">IIII", 2051, 3, 28, 28) + IMAGES.tobytes()
LABELS_IDX = struct.pack(">II", 2049, 3) + LABELS.tobytes()
NAME = "t10k-labels-idx1-ubyte"


def originals(monkeypatch, **contents):
    """Make the given contents (name=bytes, unpacked) the "original" MNIST
    files, as far as the checks of mnist_loader.FILES go."""
    for name, raw in contents.items():
        name = name.replace("_", "-")
        packed = gzip.compress(raw, mtime=0)
        monkeypatch.setitem(mnist_loader.FILES, name, (
            hashlib.sha256(packed).hexdigest(), len(packed), hashlib.sha256(raw).hexdigest(),
            len(raw)))
    return {name.replace("_", "-"): raw for name, raw in contents.items()}


@pytest.mark.parametrize("packed", [False, True])
def test_idx_files_are_read_gzipped_or_not(tmp_path, monkeypatch, packed):
    files = originals(monkeypatch, t10k_images_idx3_ubyte=IMAGES_IDX,
                      t10k_labels_idx1_ubyte=LABELS_IDX)
    for name, raw in files.items():
        (tmp_path / (name + ".gz" if packed else name)).write_bytes(
            gzip.compress(raw, mtime=0) if packed else raw)
    images = mnist_loader.load_file("t10k-images-idx3-ubyte", tmp_path, mirrors=[])
    labels = mnist_loader.load_file(NAME, tmp_path, mirrors=[])
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)


GZ_SIZE, RAW_SIZE = mnist_loader.FILES[NAME][1], mnist_loader.FILES[NAME][3]


@pytest.mark.parametrize("filename,size,message", [
    (NAME + ".gz", GZ_SIZE, "its SHA-256 is not the original's"),
    (NAME, RAW_SIZE, "its SHA-256 is not the original's"),
    (NAME + ".gz", 5 * 10 ** 9, "has 5000000000 bytes, but the original has 4542"),
    (NAME, 5 * 10 ** 9, "has 5000000000 bytes, but the original has 10008"),
])
def test_only_the_original_files_are_used(tmp_path, monkeypatch, filename, size, message):
    """A file of the wrong size is refused before it is read (here a sparse
    5 GB file); one of the right size but other content fails its SHA-256.
    Neither is replaced by a download: the user must look at it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with open(tmp_path / filename, "wb") as f:
        f.truncate(size)
    with pytest.raises(MNISTError, match=message) as error:
        mnist_loader.load_file(NAME, tmp_path, mirrors=["http://127.0.0.1:9/"])
    assert str(tmp_path / filename) in str(error.value)
    assert "Replace it with the original, or delete it" in str(error.value)
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("from_environment", [False, True])
def test_a_data_directory_that_cannot_be_read_is_named(tmp_path, monkeypatch, from_environment):
    """Never replaced by the cache or a download: the user named it."""
    (tmp_path / "a-file").write_text("not a directory")
    (tmp_path / "locked").mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    listdir = os.listdir

    def refusing(path):     # what the system says to a user without the right to read it
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return listdir(path)
    monkeypatch.setattr(os, "listdir", refusing)
    for directory, reason in ((tmp_path / "nowhere", "No such file or directory"),
                              (tmp_path / "a-file", "Not a directory"),
                              (tmp_path / "locked", "Permission denied")):
        if from_environment:
            monkeypatch.setenv("MNIST_DATA_DIR", str(directory))
        with pytest.raises(MNISTError, match=reason) as error:
            mnist_loader.load_data(None if from_environment else directory, mirrors=[])
        assert str(error.value).startswith(
            f"the MNIST data directory {directory}{' (from $MNIST_DATA_DIR)' * from_environment}")
    assert not (tmp_path / "cache").exists()


def test_without_a_home_there_is_no_cache_and_the_error_says_so(tmp_path, monkeypatch):
    """Where the user has no home directory, "~" stays "~": nothing may be
    made in a directory of that name."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    with pytest.raises(MNISTError, match="no cache to download it into, for want of a home "
                                         "directory: set XDG_CACHE_HOME to an absolute path"):
        mnist_loader.load_data(mirrors=["http://127.0.0.1:9/"])
    assert os.listdir(tmp_path) == []


def test_a_relative_xdg_cache_home_is_ignored_as_its_standard_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    cache = tmp_path / "home" / ".cache" / "neural-network-from-scratch" / "mnist"
    cache.mkdir(parents=True)
    (cache / NAME).write_bytes(LABELS_IDX)
    originals(monkeypatch, t10k_labels_idx1_ubyte=LABELS_IDX)
    np.testing.assert_array_equal(mnist_loader.load_file(NAME, mirrors=[]), LABELS)
    assert sorted(os.listdir(tmp_path)) == ["home"]


def test_an_unwritable_cache_is_named_with_how_to_choose_another(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("a file where the cache's directory should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    with pytest.raises(MNISTError) as error:
        mnist_loader.load_data(mirrors=["http://127.0.0.1:9/"])
    assert f"the cache directory {tmp_path / 'file'}/neural-network-from-scratch/mnist " \
           f"cannot be written" in str(error.value)
    assert "XDG_CACHE_HOME" in str(error.value) and "--data DIR" in str(error.value)


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
    images = np.random.default_rng(1).random((3, 784)).astype(np.float32)
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


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, bool, np.complex64])
def test_a_dtype_that_is_not_a_float_is_refused_before_anything_is_read(monkeypatch, dtype):
    """Pixels in [0, 1] made integers are 0s and 1s, on which a network
    learns next to nothing; a float dtype of any size is taken."""
    images = np.random.default_rng(1).random((3, 784)).astype(np.float32)
    split = ((images, np.array([7, 0, 9])),) * 3
    monkeypatch.setattr(mnist_loader, "load_data", lambda data_dir, mirrors: split)
    with pytest.raises(ValueError) as refused:
        mnist_loader.load_data_matrices(dtype=dtype)
    assert str(refused.value) == (f"dtype must be a float dtype such as float32 or float64; "
                                  f"got {np.dtype(dtype)}")
    for taken in (np.float16, "float64"):
        (X, Y), validation, test = mnist_loader.load_data_matrices(dtype=taken)
        assert X.dtype == Y.dtype == validation[0].dtype == test[0].dtype == np.dtype(taken)


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


#### Elastic distortions
NO_AFFINE = {"degrees": 0, "scale": 0, "shear": 0}


def places(seed=0, **parts):
    """The (rows, columns) that each pixel of one distorted image read.
    Bilinear interpolation reads a linear ramp exactly, so the grey level
    of a distorted ramp, whose grey level was the row (or the column)
    over 27, tells where each pixel read."""
    rows, columns = np.mgrid[0:28, 0:28] / 27
    return [27 * mnist_loader.distort(ramp.reshape(784, 1), np.random.default_rng(seed),
                                      **parts).reshape(28, 28) for ramp in (rows, columns)]


def test_no_distortion_leaves_the_images_as_they_are():
    X = np.asfortranarray(np.random.default_rng(0).random((784, 5), dtype=np.float32))
    distorted = mnist_loader.distort(X, np.random.default_rng(1), alpha=0, **NO_AFFINE)
    assert distorted.dtype == np.float32 and distorted.flags.f_contiguous
    np.testing.assert_array_equal(distorted, X)


def test_the_displacement_field_is_smooth_and_as_large_as_alpha_and_sigma_make_it():
    """Uniform noise in [-1, 1], of variance 1/3, smoothed by a Gaussian of
    standard deviation sigma across and down, then times alpha: away from
    the edges its variance is alpha^2 / (12 pi sigma^2), and neighbours
    correlate by exp(-1 / (4 sigma^2)) = 0.98."""
    inner = np.s_[9:19, 9:19]                       # at least 2 sigma from the edges
    dy, dx = [], []
    for seed in range(300):
        rows, columns = places(seed, **NO_AFFINE)
        dy.append((rows - np.arange(28)[:, None])[inner])
        dx.append((columns - np.arange(28))[inner])
    dy, dx = np.array(dy), np.array(dx)
    for d in (dy, dx):
        assert np.mean(d ** 2) == pytest.approx(34.0 ** 2 / (12 * np.pi * 4.0 ** 2), rel=0.15)
        across = np.corrcoef(d[:, :, :-1].ravel(), d[:, :, 1:].ravel())[0, 1]
        down = np.corrcoef(d[:, :-1, :].ravel(), d[:, 1:, :].ravel())[0, 1]
        assert 0.96 < across < 0.995 and 0.96 < down < 0.995
    assert abs(np.corrcoef(dy.ravel(), dx.ravel())[0, 1]) < 0.1     # drawn independently


def test_every_image_gets_a_field_of_its_own_in_every_chunk():
    """250 images, more than one of distort's chunks: the displacements
    of copies of the row ramp and of the column ramp, from one seed, are
    each image's dy and dx.  In every chunk they are as large and as
    smooth as the first image's, and no image shares its field with
    another one or its dy with its dx."""
    grid = np.mgrid[0:28, 0:28]
    dy, dx = [(27 * mnist_loader.distort(np.tile(g.reshape(784, 1) / 27, 250),
                                         np.random.default_rng(0), **NO_AFFINE)).T
              .reshape(-1, 28, 28)[:, 9:19, 9:19] - g[9:19, 9:19] for g in grid]
    variance = 34.0 ** 2 / (12 * np.pi * 4.0 ** 2)
    for d in (dy, dx):
        for part in (d[:100], d[100:200], d[200:]):
            assert 0.6 < np.mean(part ** 2) / variance < 1.5
            assert np.corrcoef(part[:, :-1].ravel(), part[:, 1:].ravel())[0, 1] > 0.96
            assert np.corrcoef(part[:, :, :-1].ravel(), part[:, :, 1:].ravel())[0, 1] > 0.96
        for shift in (1, 100):                      # the next image, the next chunk's
            assert abs(np.corrcoef(d[:-shift].ravel(), d[shift:].ravel())[0, 1]) < 0.2
    assert abs(np.corrcoef(dy.ravel(), dx.ravel())[0, 1]) < 0.2


def test_the_affine_part_turns_scales_and_shears_about_the_centre_within_its_ranges():
    """Without the field each image reads its pixels at rows r and columns
    c with (r, c) - 13.5 = [[a, b], [c1, c2]] ((y, x) - 13.5): rotation by
    theta and scaling by 1/zoom give a = cos(theta) / zoom and b =
    sin(theta) / zoom, and the shear h adds h times the row to the column."""
    y, x = np.mgrid[0:28, 0:28] - 13.5
    inner = np.s_[8:20, 8:20]                       # where no place falls outside the image
    A = np.stack([y[inner].ravel(), x[inner].ravel(), np.ones(144)], axis=1)
    theta, zoom, h = [], [], []
    for seed in range(100):
        (a, b, r0), (c1, c2, c0) = [np.linalg.lstsq(A, p[inner].ravel(), rcond=None)[0]
                                    for p in places(seed, alpha=0)]
        assert r0 == pytest.approx(13.5) and c0 == pytest.approx(13.5)     # about the centre
        assert c2 - a == pytest.approx((c1 + b) / a * b, abs=1e-9)          # one shear, sideways
        theta.append(np.degrees(np.arctan2(b, a)))
        zoom.append(1 / np.hypot(a, b))
        h.append((c1 + b) / a)
    for values, bound in ((theta, 10), (np.array(zoom) - 1, 0.1), (h, 0.2)):
        assert 0.9 * bound < np.max(np.abs(values)) <= bound + 1e-6


def test_a_bright_pixel_lands_where_the_field_says():
    """The same seed gives the same field to the ramps and to the image."""
    rows, columns = places(3)
    image = np.zeros((784, 1))
    image[14 * 28 + 13] = 1                         # the pixel at row 14, column 13
    moved = mnist_loader.distort(image, np.random.default_rng(3)).reshape(28, 28)
    r, c = np.unravel_index(np.argmax(moved), moved.shape)
    assert abs(rows[r, c] - 14) < 1 and abs(columns[r, c] - 13) < 1
    assert moved.sum() == pytest.approx(1, abs=0.5)


def test_distorted_pixels_stay_in_the_range_of_the_originals(mnist):
    (X, _), _, _ = mnist
    distorted = mnist_loader.distort(X[:, :2000], np.random.default_rng(0))
    assert distorted.min() >= 0 and distorted.max() <= 1
    assert not np.allclose(distorted, X[:, :2000])


#### Your own digit
def test_a_prepared_digit_fits_20_by_20_with_its_centre_of_mass_at_14_14(mnist):
    _, _, (X, _) = mnist
    for digit in X[:, :50].T.reshape(-1, 28, 28):
        x = mnist_loader.prepare_image(digit)
        assert x.shape == (784, 1) and x.min() == 0 and x.max() == pytest.approx(1)
        image = x.reshape(28, 28)
        rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        assert max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 == 20
        centre = [np.arange(28) @ image.sum(axis=axis) / image.sum() for axis in (1, 0)]
        assert np.all(np.abs(np.array(centre) - 14) <= 0.5)


def test_size_place_polarity_and_paper_do_not_change_a_prepared_digit(mnist):
    """Enlarging by 3 is undone exactly by area averaging, the margin by
    cropping, dark ink on grey paper by the border's level."""
    _, _, (X, _) = mnist
    rng = np.random.default_rng(1)
    for digit in X[:, :50].T.reshape(-1, 28, 28).astype(np.float64):
        prepared = mnist_loader.prepare_image(digit)
        photo = np.pad(np.kron(digit, np.ones((3, 3))), rng.integers(0, 40, (2, 2)))
        np.testing.assert_allclose(mnist_loader.prepare_image(200 - 150 * photo), prepared,
                                   atol=1e-12)


def test_a_stroke_drawn_thin_is_prepared_as_white_as_a_thick_one():
    """A 7 of two strokes on a 300 x 400 page: averaged down to 20 pixels,
    a 2-pixel stroke would be a faint grey."""
    prepared = []
    for width in (2, 16):
        page = np.full((400, 300), 230.0)
        page[60:60 + width, 60:240] = 30                          # the bar
        for row in range(60, 360):                                # the stem, slanting left
            column = 240 - (row - 60) * 120 // 300
            page[row, column - width // 2:column + width - width // 2] = 30
        prepared.append(mnist_loader.prepare_image(page))
    thin, thick = prepared
    assert thin.max() == thick.max() == 1
    assert thin.sum() > 0.6 * thick.sum()


@pytest.mark.parametrize("darkest", [0.25, 0.75])
def test_a_digit_lit_from_one_side_is_prepared_as_one_lit_evenly(mnist, darkest):
    """Light falling from 1 to 0.25 across the page, and a little down it:
    the paper at the right is darker than the ink at the left, and the
    border's median alone would call the image blank; falling to 0.75, it
    would take the darker paper for ink.  (The centre of mass may round to
    a neighbouring pixel.)"""
    _, _, (X, _) = mnist
    for digit in X[:, :20].T.reshape(-1, 28, 28).astype(np.float64):
        page = 230 - 205 * np.pad(np.kron(digit, np.ones((4, 4))), ((30, 5), (8, 50)))
        light = (np.linspace(1, 0.8, page.shape[0])[:, None]
                 * np.linspace(1, darkest, page.shape[1]))
        even, uneven = (mnist_loader.prepare_image(image).reshape(28, 28)
                        for image in (page, light * page))
        assert max(np.corrcoef(even.ravel(), np.roll(uneven, (r, c), (0, 1)).ravel())[0, 1]
                   for r in (-1, 0, 1) for c in (-1, 0, 1)) > 0.98


@pytest.mark.parametrize("margin", [((0, 3), (2, 0)), ((0, 0), (2, 2))])
def test_a_digit_touching_the_border_is_prepared_as_one_with_a_margin(mnist, margin):
    """Small digits that fill their picture, as the UCI set's 8 x 8 do:
    ink on a side's edge would tilt the plane through the sides' medians,
    and the flat paper is the closer fit."""
    _, _, (X, _) = mnist
    for digit in X[:, :100].T.reshape(-1, 28, 28).astype(np.float64):
        rows, columns = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
        box = digit[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
        small = np.round(16 * mnist_loader.area_weights(box.shape[0], 8) @ box
                         @ mnist_loader.area_weights(box.shape[1], 8).T)
        np.testing.assert_array_equal(mnist_loader.prepare_image(np.pad(small, margin)),
                                      mnist_loader.prepare_image(np.pad(small, 3)))


def test_a_large_photo_is_prepared_as_the_same_photo_smaller(mnist):
    """6,000 pixels a side are reduced to 2,000 by averaging 3 x 3 blocks,
    which is how the photo at a third of the size was made."""
    _, _, (X, _) = mnist
    digit = np.pad(np.kron(X[:, 3].reshape(28, 28), np.ones((60, 60))), ((600, 3720), (900, 3420)))
    large = 230 - 200 * digit                                            # 6,000 x 6,000
    small = large.reshape(2000, 3, 2000, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(mnist_loader.prepare_image(large),
                               mnist_loader.prepare_image(small), atol=1e-12)


def test_an_image_is_loaded_from_a_path_of_either_kind(tmp_path):
    np.save(tmp_path / "digit.npy", np.eye(28))
    for path in (tmp_path / "digit.npy", str(tmp_path / "digit.npy")):
        np.testing.assert_array_equal(mnist_loader.load_image(path), np.eye(28))


def test_area_weights_average_what_each_output_pixel_covers():
    np.testing.assert_allclose(mnist_loader.area_weights(3, 2),
                               [[2 / 3, 1 / 3, 0], [0, 1 / 3, 2 / 3]])
    np.testing.assert_allclose(mnist_loader.area_weights(2, 4), [[1, 0], [1, 0], [0, 1], [0, 1]])
    assert np.allclose(mnist_loader.area_weights(784, 20).sum(axis=1), 1)


@pytest.mark.parametrize("image,message", [
    (np.full((30, 40), 7.0), "it is blank: no ink stands out from the paper at its border"),
    (np.zeros((28, 28, 3)), "expected a 2-D array of grey levels, got shape (28, 28, 3); for "
                            "colours, take their mean first"),
    (np.array([[0, np.nan], [1, 0]]), "its grey levels include NaN or infinite values"),
    (np.zeros((0, 5)), "expected a 2-D array of grey levels, got shape (0, 5)"),
])
def test_an_image_that_cannot_be_prepared_says_why(image, message):
    with pytest.raises(ValueError) as error:
        mnist_loader.prepare_image(image)
    assert str(error.value) == message


#### Downloads from a local server
BODY = gzip.compress(LABELS_IDX, mtime=0)


@pytest.fixture
def original(monkeypatch):
    """BODY is the original of NAME.gz."""
    originals(monkeypatch, t10k_labels_idx1_ubyte=LABELS_IDX)


def download(directory, mirrors, **kwargs):
    return mnist_loader.download(NAME, directory, mirrors, **kwargs)


def test_a_download_is_checked_and_shows_its_progress(tmp_path, mirror, original, capsys):
    old = os.umask(0o002)
    try:
        path = download(tmp_path, [mirror("good", NAME + ".gz", BODY)])
    finally:
        os.umask(old)
    assert pathlib.Path(path).read_bytes() == BODY and os.listdir(tmp_path) == [NAME + ".gz"]
    assert os.stat(path).st_mode & 0o777 == 0o664         # as the umask gives any new file
    err = capsys.readouterr().err
    assert err.startswith("\rDownloading http://127.0.0.1:") and err.endswith("100% of 0.0 MB\n")


@pytest.mark.parametrize("body,how", [(None, "whole"), (BODY[:-1] + b"x", "whole"),
                                      (BODY, "cut"), (BODY, "slow"), (BODY, "stall")],
                         ids=["404", "other content", "cut", "slow", "stall"])
def test_a_failing_mirror_is_asked_last_for_the_next_files(tmp_path, mirror, original, body,
                                                            how, capsys):
    """A mirror that answers 404, sends other content, hangs up half way,
    answers late or stalls: the next mirror serves the file, and the
    failed one is asked after the others from then on."""
    bad, good = mirror("bad", NAME + ".gz", body, how), mirror("good", NAME + ".gz", BODY)
    mirrors = [bad, good]
    for directory in ("first", "second"):
        path = download(tmp_path / directory, mirrors, timeout=0.5)
        assert pathlib.Path(path).read_bytes() == BODY
    assert mirrors == [good, bad]
    assert mirror.requests == {"/bad/" + NAME + ".gz": 1, "/good/" + NAME + ".gz": 2}


@pytest.mark.parametrize("body,how,message", [
    (BODY, "cut", f"the server sent {len(BODY) // 2} bytes, but the file has {len(BODY)}"),
    (BODY, "slow", "timed out"),
    (BODY, "stall", "timed out"),
    (BODY, "trickle", "the server sent [0-9]+ bytes in 1 s: too slow"),
    (bytes(5000), "whole", f"the server announces 5000 bytes, but the file has {len(BODY)}"),
    (b"", "endless", f"the server sent more than the file's {len(BODY)} bytes"),
    (BODY[:-1] + b"x", "whole", "its SHA-256 is wrong: it is not the original file"),
], ids=["cut", "slow", "stall", "trickle", "announced too long", "endless", "other content"])
def test_a_bad_transfer_is_abandoned_and_leaves_nothing(tmp_path, mirror, original, body, how,
                                                       message, capsys):
    url = mirror("bad", NAME + ".gz", body, how)
    with pytest.raises(MNISTError, match=message) as error:
        download(tmp_path, [url], timeout=0.5, min_rate=1000)
    assert str(error.value).startswith(f"downloading it failed ({url}{NAME}.gz: ")
    assert os.listdir(tmp_path) == []
    err = capsys.readouterr().err
    assert not err or err.endswith("\n")            # a progress line is ended


def test_bad_mirrors_and_bad_headers_are_only_failures(tmp_path, mirror, original, capsys):
    """A mirror that is no URL, a port that is no number, a Content-Length
    that is no number: none stops the download."""
    good = mirror("good", NAME + ".gz", BODY, how="bad length")
    path = download(tmp_path, ["not a url", "http://127.0.0.1:port/", good])
    assert pathlib.Path(path).read_bytes() == BODY


def test_a_mirror_that_failed_is_asked_last_for_the_remaining_files(tmp_path, mirror,
                                                                   monkeypatch, capsys):
    """Through load_data, as users meet it: four files, a first mirror
    that has none of them, a second that has them all."""
    files = originals(monkeypatch, train_images_idx3_ubyte=IMAGES_IDX,
                      train_labels_idx1_ubyte=LABELS_IDX, t10k_images_idx3_ubyte=IMAGES_IDX,
                      t10k_labels_idx1_ubyte=LABELS_IDX)
    for name, raw in files.items():
        good = mirror("good", name + ".gz", gzip.compress(raw, mtime=0))
    bad = mirror("bad", "nothing", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    training, validation, test = mnist_loader.load_data(mirrors=[bad, good])
    np.testing.assert_array_equal(test[1], LABELS)
    assert [path for path in mirror.requests if path.startswith("/bad/")] == \
        ["/bad/train-images-idx3-ubyte.gz"]
    assert len([path for path in mirror.requests if path.startswith("/good/")]) == 4


def test_mirrors_may_be_given_as_one_string(tmp_path, mirror, original, monkeypatch, capsys):
    good = mirror("good", NAME + ".gz", BODY)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    labels = mnist_loader.load_file(NAME, mirrors=f"http://127.0.0.1:9/ {good}")
    np.testing.assert_array_equal(labels, LABELS)


class Failing:
    """A stream for the progress line that fails on its first write, with
    ``error``."""

    def __init__(self, error):
        self.error, self.writes = error, []

    def write(self, text):
        self.writes.append(text)
        if len(self.writes) == 1:
            raise self.error

    def flush(self):
        pass


def test_a_progress_line_that_cannot_be_written_does_not_stop_the_download(tmp_path, mirror,
                                                                            original):
    path = download(tmp_path, [mirror("good", NAME + ".gz", BODY)],
                    progress=Failing(OSError(28, "No space left on device")))
    assert pathlib.Path(path).read_bytes() == BODY


def test_an_interrupted_download_leaves_nothing_behind(tmp_path, mirror, original):
    progress = Failing(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        download(tmp_path, [mirror("good", NAME + ".gz", BODY)], progress=progress)
    assert progress.writes[0].startswith("\rDownloading") and progress.writes[-1] == "\n"
    assert os.listdir(tmp_path) == []


def test_no_network_and_no_files_says_what_to_do_first(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    closed = "http://127.0.0.1:9/mnist/"           # the discard port: nothing listens there
    monkeypatch.setenv("MNIST_MIRRORS", closed)
    with pytest.raises(MNISTError) as error:
        mnist_loader.load_data()
    message = str(error.value)
    assert message.startswith("Put the four MNIST files") and "--data DIR" in message
    assert "train-images-idx3-ubyte.gz is not in " in message
    assert closed + "train-images-idx3-ubyte.gz: [Errno 111] Connection refused" in message
    assert os.listdir(tmp_path / "cache" / "neural-network-from-scratch" / "mnist") == []


#### The real files, in $MNIST_DATA_DIR
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


def test_download_from_a_local_mirror(data_dir, tmp_path, monkeypatch, mirror):
    """The real files, served from 127.0.0.1, are downloaded into an empty
    cache, checked, and loaded."""
    for name in mnist_loader.FILES:
        url = mirror("mnist", name + ".gz", pathlib.Path(data_dir, name + ".gz").read_bytes())
    monkeypatch.delenv("MNIST_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("MNIST_MIRRORS", url)
    training, validation, test = mnist_loader.load_data()
    cache = tmp_path / "neural-network-from-scratch" / "mnist"
    assert sorted(os.listdir(cache)) == sorted(name + ".gz" for name in mnist_loader.FILES)
    assert training[0].shape == (50000, 784) and test[1].shape == (10000,)


def test_unpacked_files_are_accepted(data_dir, tmp_path):
    name = "t10k-labels-idx1-ubyte"
    (tmp_path / name).write_bytes(gzip.decompress(pathlib.Path(data_dir, name + ".gz").read_bytes()))
    assert mnist_loader.find_file(name, tmp_path) == os.path.join(tmp_path, name)
    assert list(mnist_loader.load_file(name, tmp_path)[:3]) == [7, 2, 1]
