"""
your_digit.py
~~~~~~~~~~~~~

Does ``mnist_loader.prepare_image`` let a network read digits that are
not MNIST's? A network trained on MNIST is shown each test digit as a
"photo": enlarged 2 to 5 times (by a factor that is not a whole number,
so that preparing cannot simply undo it), placed off-centre on a margin
of 5 to 60 pixels, dark ink (0-70) on light paper (180-255), with noise
(standard deviation 8), in 0-255 grey levels. The table says how often
the network gives the answer it gives on the original digit, and how
often the right one, for the photo as it is (resized to 28 x 28 and
scaled to [0, 1]), the same with the ink made bright, and the photo
prepared. Where scikit-learn is installed (pip install scikit-learn),
the same for the 1,797 handwritten digits of the UCI set that it ships,
8 x 8 pixels of 17 grey levels written by other people: truly not
MNIST's.

Run from the repository's root:

    python bench/your_digit.py [--digits 1000] [--epochs 10] [--load net.npz] [--data DIR]

The network, unless --load gives one: [784, 100, 10], ReLU, He,
softmax, eta 0.1, lmbda 5.0, mini-batches of 10, float32, seed 0.  The
whole takes about 10 seconds.
"""

import argparse
import contextlib
import io
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import numpy as np                                                      # noqa: E402

import mnist_loader                                                     # noqa: E402
from book import script                                                 # noqa: E402
from command_line import COUNT, number                                  # noqa: E402
from mnist_loader import area_weights, prepare_image                   # noqa: E402
from network import Network                                             # noqa: E402


def photo(digit, rng):
    """A 28 x 28 MNIST digit (ink 1 on 0) as a photo of it, 0-255 grey levels."""
    n = round(28 * rng.uniform(2, 5))
    enlarged = area_weights(28, n) @ digit @ area_weights(28, n).T
    canvas = np.pad(enlarged, rng.integers(5, 61, (2, 2)))
    paper, ink = rng.uniform(180, 255), rng.uniform(0, 70)
    return np.clip(paper + (ink - paper) * canvas + rng.normal(0, 8, canvas.shape), 0, 255)


def as_it_is(image):
    """The image resized to 28 x 28 by area averaging and scaled to [0, 1]."""
    a = area_weights(image.shape[0], 28) @ image @ area_weights(image.shape[1], 28).T
    return ((a - a.min()) / (a.max() - a.min())).reshape(784, 1)


def answers(net, images, treat):
    return np.argmax(net.feedforward(np.hstack([treat(image) for image in images])), axis=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--digits", type=number(int, lambda v: 1 <= v <= 10000,
                                                "1 to 10,000, the test digits"),
                        default=1000, help="test digits made photos")
    parser.add_argument("--epochs", type=COUNT, default=10)
    parser.add_argument("--load", metavar="PATH", help="a network saved by network.py --save")
    parser.add_argument("--data", metavar="DIR", help="directory of the MNIST files")
    args = parser.parse_args(argv)
    training, validation, (X, labels) = mnist_loader.load_data_matrices(args.data)
    if args.load:
        net = Network.load(args.load)
    else:
        net = Network([784, 100, 10], "relu", "log_likelihood", "he", seed=0, dtype=np.float32)
        with contextlib.redirect_stdout(io.StringIO()):
            net.SGD(training, args.epochs, 10, 0.1, lmbda=5.0)
    rng = np.random.default_rng(0)
    chosen = rng.choice(X.shape[1], args.digits, replace=False)
    original = np.argmax(net.feedforward(X[:, chosen]), axis=0)
    photos = [photo(X[:, i].reshape(28, 28), rng) for i in chosen]
    rows = [("the original MNIST digits", original, labels[chosen], None)]
    for name, treat in (("photos as they are, resized to 28 x 28", as_it_is),
                        ("photos, ink made bright, resized to 28 x 28",
                         lambda image: as_it_is(255 - image)),
                        ("photos prepared", prepare_image)):
        rows.append((name, answers(net, photos, treat), labels[chosen], original))
    try:
        from sklearn.datasets import load_digits
        uci = load_digits()
        for name, treat in (("UCI digits as they are, resized to 28 x 28", as_it_is),
                            ("UCI digits prepared", prepare_image)):
            rows.append((name, answers(net, uci.images, treat), uci.target, None))
    except ImportError:
        print("(scikit-learn is not installed: no UCI digits)")

    print(f"\n{args.digits} MNIST test digits made photos, seed 0; "
          f"{'the network of ' + args.load if args.load else f'{args.epochs} epochs'}\n")
    print("| images | the same answer as on the original digit | right |\n|---|---|---|")
    for name, found, right, original in rows:
        same = "-" if original is None else f"{np.mean(found == original):.1%}"
        print(f"| {name} | {same} | {np.mean(found == right):.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(script(main))
