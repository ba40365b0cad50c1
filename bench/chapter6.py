"""
chapter6.py
~~~~~~~~~~~

Chapter 6's MNIST results, reproduced with network3.py in numpy.  The
book trains its convolutional networks with Theano and reports one test
accuracy for each (its conv.py holds the settings); this script trains
each of them with those settings, from several seeds, and prints a
table: the book's number, then the test accuracy at the epoch with the
best validation accuracy (mean, min and max over the seeds), the same
the book's way (the seed of best validation accuracy, as the book
reports the best of three runs), how many seeds reach the book's
number, and the seconds per epoch.  The last row is the book's
ensemble: five dropout networks vote on each test image.

Run from the repository's root:

    python bench/chapter6.py [--only NAME ...] [--seeds N] [--jobs 2] [--runs DIR]
                             [--table] [--short] [--epochs N] [--data DIR] [--list]
    python bench/chapter6.py --vote NET.npz ... [--data DIR]

Each run, a network from one seed, is saved in DIR (bench/runs/ by
default) after every epoch, as NAME-seedS.npz with its record so far,
and the network of its best validation epoch beside it as
NAME-seedS-best.npz.  Started again, a run goes on from its last epoch,
exactly as if it had not stopped (the generator's state is saved too),
and a finished run is read, not trained: the rows that take hours, run
by run, over several sessions.  --table prints the table of what is
saved without training.  --seeds sets the seeds of every row (by
default 3 for the rows on the 50,000 images, 1 for the expanded data,
5 for the dropout network that the ensemble needs), --epochs caps the
epochs.  --short trains every row on 500 images (and their shifted
copies) for 2 epochs, from one seed (three for the ensemble), in
seconds: the ladder, not the numbers.  --vote prints the test accuracy
of networks saved by network3 (``python network.py --conv ... --save``),
each and by their vote.
"""

import argparse
import functools
import json
import os
import pathlib
import sys
import time
from typing import NamedTuple

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import mnist_loader                                                     # noqa: E402
import network3                                                         # noqa: E402
from book import in_parallel, reaching, script, spread                  # noqa: E402
from command_line import BOOK_CONV, COUNT, book_layers                  # noqa: E402

MINI_BATCH = 10                             # conv.py's


class Row(NamedTuple):
    name: str
    conv: str                       # the network's name in conv.py (command_line.BOOK_CONV)
    book: float | None              # the test accuracy the book's text reports, in %
    seeds: int                      # by default
    n: int = 100                    # neurons per fully connected layer


ROWS = [
    Row("shallow", "shallow", 97.80, 3),
    Row("basic_conv", "basic_conv", 98.78, 3),
    Row("omit_FC", "omit_FC", None, 3),             # an exercise of the text: no number
    Row("dbl_conv", "dbl_conv", 99.06, 3),
    Row("dbl_conv_relu", "dbl_conv_relu", 99.23, 3),
    Row("expanded_data", "expanded_data", 99.37, 1),
    Row("expanded_data_300", "expanded_data", 99.46, 1, 300),
    Row("expanded_data_1000", "expanded_data", 99.43, 1, 1000),
    Row("expanded_data_double_fc", "expanded_data_double_fc", 99.43, 1),
    Row("expanded_data_double_fc_300", "expanded_data_double_fc", 99.48, 1, 300),
    Row("expanded_data_double_fc_1000", "expanded_data_double_fc", 99.47, 1, 1000),
    Row("double_fc_dropout", "double_fc_dropout", 99.60, 5),
]
ENSEMBLE = 99.67                    # the book's five double_fc_dropout networks, by vote


class Budget(NamedTuple):
    images: int                     # the first n training images (before expanding)
    epochs: int                     # at most; by default the book's
    evaluation: int                 # validation and test images


def epochs_of(row, budget):
    """The epochs ``row`` trains for: the book's, or fewer if ``budget`` says."""
    return min(BOOK_CONV[row.conv][2], budget.epochs or BOOK_CONV[row.conv][2])


FULL, SHORT = Budget(50000, None, 10000), Budget(500, 2, 1000)


@functools.lru_cache(maxsize=1)
def mnist(data_dir):
    return mnist_loader.load_data_matrices(data_dir)


def load(budget, expanded, data_dir):
    """The training, validation and test data for network3: images a row
    each, labels; with ``expanded``, the training images and their four
    shifted copies, as the book's expand_mnist.py makes them."""
    (X, Y), validation, test = mnist(data_dir)
    X, y = X[:, :budget.images], np.argmax(Y[:, :budget.images], axis=0)
    if expanded:
        X, y = mnist_loader.expand_images(X), np.tile(y, 5)
    return ((np.ascontiguousarray(X.T), y),
            *[(np.ascontiguousarray(x[:, :budget.evaluation].T), labels[:budget.evaluation])
              for x, labels in (validation, test)])


def path_of(runs, row, seed, best=False):
    return pathlib.Path(runs) / f"{row.name}-seed{seed}{'-best' if best else ''}.npz"


def saved_run(path):
    """The record saved with a run's network: its epochs and the state of
    its generator; None if the run was never started."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as saved:
        return json.loads(str(saved["run"]))


def train(job):
    """Train, or go on training, one row from one seed, saving after each
    epoch; return the record of its epochs."""
    row, seed, budget, runs, data_dir = job
    eta, lmbda, _, expanded = BOOK_CONV[row.conv]
    epochs = epochs_of(row, budget)
    path, best_path = path_of(runs, row, seed), path_of(runs, row, seed, best=True)
    record = saved_run(path)
    if record and len(record["history"]) >= epochs:
        return record["history"]
    if record:
        net = network3.Network.load(path)
        net.rng.bit_generator.state = record["rng"]
    else:
        record = {"history": []}
        net = network3.Network(book_layers(row.conv, MINI_BATCH, row.n), MINI_BATCH, seed=seed)
    training, validation, test = load(budget, expanded, data_dir)
    history, done = record["history"], len(record["history"])

    def on_epoch(epoch):
        epoch["epoch"] += done
        if not history or epoch["validation_accuracy"] > max(
                r["validation_accuracy"] for r in history):
            net.save(best_path)
        history.append(epoch)
        record["rng"] = net.rng.bit_generator.state
        net.save(path, run=json.dumps(record))          # the last, so that it is never ahead
        print(f"  {row.name}, seed {seed}: epoch {epoch['epoch']}, validation "
              f"{epoch['validation_accuracy']}, test {epoch['accuracy']}, "
              f"{epoch['seconds']:.1f} s", flush=True)
    net.SGD(training, epochs - done, MINI_BATCH, eta, validation, test, lmbda, on_epoch=on_epoch)
    return history


def ensemble(paths, test):
    """The test images that the networks saved at ``paths`` classify right
    by a vote: the digit most of them choose, a tie broken by the mean of
    their outputs (each below 1, so it never outweighs a vote)."""
    x, y = test
    votes = np.zeros((len(y), 10))
    for path in paths:
        net = network3.Network.load(path)
        outputs = np.vstack([net.feedforward(x[k:k + 1000]) for k in range(0, len(y), 1000)])
        votes[np.arange(len(y)), np.argmax(outputs, axis=1)] += 1
        votes += outputs / len(paths)
    return int(np.sum(np.argmax(votes, axis=1) == y))


def settings(row, epochs):
    """The book's settings of ``row``, in words, with ``epochs``."""
    eta, lmbda, _, expanded = BOOK_CONV[row.conv]
    return (f"FC {row.n}, " if row.n != 100 else "") + (
        f"eta {eta}, lmbda {lmbda}, {epochs} epochs{', expanded' if expanded else ''}")


def table(chosen, seeds, budget, runs, data_dir):
    """Print the table of the saved runs of the rows ``chosen``."""
    header = ("the book's network (conv.py)", "the book's settings", "the book",
              "test at best validation", "the book's way", "seeds at or above the book",
              "s/epoch", "epochs")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in chosen:
        epochs = epochs_of(row, budget)
        records = [saved_run(path_of(runs, row, seed)) for seed in range(seeds(row))]
        histories = [r["history"] for r in records if r]
        ends = [max(h, key=lambda r: r["validation_accuracy"]) for h in histories
                if len(h) == epochs]
        best = [r["accuracy"] / budget.evaluation * 100 for r in ends]
        # The book's way: of its three runs, the one of best validation accuracy.
        pick = max(range(len(ends)), key=lambda i: ends[i]["validation_accuracy"], default=None)
        books_way = "-" if pick is None else f"{best[pick]:.2f}"
        unfinished = [len(h) for h in histories if len(h) < epochs]
        seconds = [r["seconds"] for h in histories for r in h]
        book = "-" if row.book is None else f"{row.book:.2f}"
        lines.append(f"| {row.name} | {settings(row, epochs)} | {book} | "
                     f"{spread(best) if best else '-'} | {books_way} | "
                     f"{reaching(best, row.book) if best and row.book else '-'} | "
                     f"{f'{np.median(seconds):.3g}' if seconds else '-'} | "
                     f"{len(best)} of {seeds(row)} done"
                     + (f"; {', '.join(map(str, unfinished))} epochs into the rest"
                        if unfinished else "") + " |")
        if row.conv == "double_fc_dropout" and len(best) == seeds(row):
            _, _, test = load(budget, False, data_dir)
            right = ensemble([path_of(runs, row, seed, best=True)
                              for seed in range(seeds(row))], test)
            lines.append(f"| an ensemble of the {seeds(row)} above, by vote | each at its best "
                         f"validation epoch | {ENSEMBLE:.2f} | "
                         f"{right / budget.evaluation * 100:.2f} | - | - | - | - |")
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=[row.name for row in ROWS], metavar="NAME",
                        help="run only these rows")
    parser.add_argument("--seeds", type=COUNT, help="seeds 0, 1, ... of every row (by default "
                                                    "each row's)")
    parser.add_argument("--epochs", type=COUNT, help="cap on the epochs (the book's by default)")
    parser.add_argument("--jobs", type=COUNT, default=1, help="networks trained at once")
    parser.add_argument("--runs", default=str(HERE / "runs"), metavar="DIR",
                        help="the directory of the saved runs")
    parser.add_argument("--table", action="store_true",
                        help="print the table of the saved runs, training nothing")
    parser.add_argument("--short", action="store_true",
                        help="a quick look, not the numbers: 500 images, 2 epochs, 1 seed "
                             "(3 for the ensemble)")
    parser.add_argument("--data", metavar="DIR", help="directory of the MNIST files")
    parser.add_argument("--list", action="store_true", help="list the rows chosen and stop")
    parser.add_argument("--vote", nargs="+", metavar="NET", help="the test accuracy of these "
                        "saved networks, each and by vote; nothing else is done")
    args = parser.parse_args(argv)
    if args.vote:
        _, _, test = load(FULL, False, args.data)
        for paths, name in [([path], path) for path in args.vote] + [(args.vote, "their vote")]:
            print(f"{name}: {ensemble(paths, test) / len(test[1]):.2%}")
        return 0
    chosen = [row for row in ROWS if not args.only or row.name in args.only]
    budget = SHORT if args.short else FULL
    if args.epochs:
        budget = budget._replace(epochs=args.epochs)

    def seeds(row):
        if args.seeds or not args.short:
            return args.seeds or row.seeds
        return 3 if row.conv == "double_fc_dropout" else 1
    if args.list:
        for row in chosen:
            book = "no number" if row.book is None else f"{row.book:.2f}%"
            print(f"{row.name:29} {settings(row, epochs_of(row, budget))}, "
                  f"{seeds(row)} seed(s); the book: {book}")
        return 0
    os.makedirs(args.runs, exist_ok=True)
    if not args.table:
        start = time.perf_counter()
        in_parallel(train, [(row, seed, budget, args.runs, args.data)
                            for row in chosen for seed in range(seeds(row))], args.jobs)
        print(f"\nTrained in {(time.perf_counter() - start) / 60:.0f} min.\n")
    table(chosen, seeds, budget, args.runs, args.data)
    return 0


if __name__ == "__main__":
    sys.exit(script(main))
