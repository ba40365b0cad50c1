"""
curves.py
~~~~~~~~~

Chapter 3 of *Neural Networks and Deep Learning* teaches with learning
curves: overfitting, regularisation, weight initialisation and the
learning rate are each shown as a quantity per epoch.  This script trains
the runs behind those figures with the book's settings (network2's
cross-entropy cost, sigmoid neurons, mini-batches of 10) and sets each of
its curves beside the book's own, whose numbers are in curves_book.json:

* overfitting: [784, 30, 10], N(0, 1) weights, the first 1,000 training
  images, eta 0.5, 400 epochs, without regularisation and with L2,
  lmbda 0.1: the accuracy and the cost on the test and the training data;
* the full training set, 30 epochs, lmbda 0 and 5.0: the accuracy on the
  test and the training data;
* weight initialisation: 30 and 100 hidden neurons, N(0, 1) ("old") and
  N(0, 1/n_in) ("new") weights, eta 0.1, lmbda 5.0, 30 epochs: the
  accuracy on the validation data;
* the learning rate: [784, 30, 10], N(0, 1/n_in), lmbda 5.0, 30 epochs,
  eta 0.025, 0.25 and 2.5: the cost on the training data.

It prints, for each curve, its first value, its best (the highest
accuracy, the lowest cost) and the epoch of the best, and its last: the
book's and this project's.  The test cost is computed as network2 does,
with the L2 term over the size of the test data.

Run from the repository's root:

    python bench/curves.py [--seed 0] [--jobs 2] [--plot [DIR]] [--short] [--data DIR]

About 2 minutes with --jobs 2 on two cores.  --short (10 and 2 epochs,
2,000 images for the "full" set) runs in seconds.  --plot draws
curves_overfitting.png, curves_full.png, curves_init.png and
curves_eta.png, in bench/ unless given a directory; it needs matplotlib,
which nothing else does.
"""

import argparse
import functools
import json
import os
import pathlib
import sys
import time
from typing import NamedTuple

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np                                                      # noqa: E402

import mnist_loader                                                     # noqa: E402
from book import in_parallel, parse_with_plot, script                  # noqa: E402
from command_line import SEED                                           # noqa: E402
from network import Network, write_atomically                          # noqa: E402


class Run(NamedTuple):
    name: str               # its curves' key in curves_book.json
    figure: str
    hidden: int
    init: str               # "gaussian" is network2's large_weight_initializer, N(0, 1)
    eta: float
    lmbda: float
    epochs: int
    images: int             # the first n of the 50,000 training images


EVALUATION_IMAGES = 10000  # in the validation data, and in the test data

RUNS = [Run("overfitting", "overfitting", 30, "gaussian", 0.5, 0.0, 400, 1000),
        Run("regularized", "overfitting", 30, "gaussian", 0.5, 0.1, 400, 1000),
        Run("full", "full", 30, "gaussian", 0.5, 0.0, 30, 50000),
        Run("full, L2", "full", 30, "gaussian", 0.5, 5.0, 30, 50000)]
RUNS += [Run(f"init {hidden} {age}", "init", hidden, init, 0.1, 5.0, 30, 50000)
         for hidden in (30, 100) for age, init in (("old", "gaussian"), ("new", "scaled"))]
RUNS += [Run(f"eta {eta}", "eta", 30, "scaled", eta, 5.0, 30, 50000) for eta in (0.025, 0.25, 2.5)]


@functools.cache
def load(data_dir):
    """MNIST, read once per process."""
    return mnist_loader.load_data_matrices(data_dir, dtype="float64")


def train(job):
    """Train one run; return its curves, kept as the book's are: the
    accuracies as numbers of images right, one value per epoch."""
    run, seed, data_dir = job
    (X, Y), validation, test = load(data_dir)
    net = Network([784, run.hidden, 10], "sigmoid", "cross_entropy", run.init, seed=seed)
    training = X[:, :run.images], Y[:, :run.images]
    labelled = training[0], np.argmax(training[1], axis=0)
    curves = {"training_accuracy": [], "training_cost": [], "test_cost": []}

    def measure(record):
        right, cost = net.accuracy_and_cost(labelled, run.lmbda, run.images)
        curves["training_accuracy"].append(right)
        curves["training_cost"].append(cost)
        # network2's test cost: the L2 term over the test data's size
        curves["test_cost"].append(net.total_cost(test, run.lmbda))
    history = net.SGD(training, run.epochs, 10, run.eta, test, validation_data=validation,
                      lmbda=run.lmbda, on_epoch=measure)
    curves.update(validation_accuracy=[record["validation_accuracy"] for record in history],
                  test_accuracy=[record["accuracy"] for record in history])
    return curves


def in_percent(curve, key, run):
    """An accuracy curve in % of its set's images; a cost curve as it is."""
    if key.endswith("cost"):
        return curve
    size = run.images if key.startswith("training") else EVALUATION_IMAGES
    return [100 * value / size for value in curve]


def landmarks(curve, key):
    """The first value of a curve, its best (the epoch in brackets) and its last."""
    best = min(curve) if key.endswith("cost") else max(curve)
    show = "{:.4f}" if key.endswith("cost") else "{:.2f}%"
    return (f"{show.format(curve[0])}, {show.format(best)} ({curve.index(best)}), "
            f"{show.format(curve[-1])}")


def plot(runs, ours, book, directory):
    """Draw the four figures of ``runs`` into ``directory``; return their paths."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    theirs = {run.name: run for run in RUNS}
    runs = {run.name: run for run in runs}
    paths = []

    def draw(axes, key, names, colours, title):
        for name, colour in zip(names, colours):
            for curves, run, style in ((ours, runs[name], "-"), (book, theirs[name], "--")):
                curve = in_percent(curves[name][key], key, run)
                axes.plot(range(len(curve)), curve, style, color=colour, linewidth=1)
        axes.set(title=title, xlabel="epoch",
                 ylabel="cost" if key.endswith("cost") else "accuracy (%)")
        axes.grid(alpha=0.3)

    def finish(figure, title, labels, colours, file):
        figure.suptitle(title)
        handles = [Line2D([], [], color=colour, label=label)
                   for label, colour in zip(labels, colours)]
        handles += [Line2D([], [], color="black", linestyle=style, label=label)
                    for style, label in (("-", "this project"), ("--", "the book"))]
        figure.legend(handles=handles, loc="outside lower center", ncols=len(handles))
        paths.append(os.path.join(directory, file))
        write_atomically(paths[-1], lambda f: figure.savefig(f, format="png", dpi=80))

    figure = Figure(figsize=(11, 8), layout="constrained")
    titles = {"test_accuracy": "the test data: accuracy", "test_cost": "the test data: cost",
              "training_accuracy": "the training data: accuracy",
              "training_cost": "the training data: cost"}
    for axes, (key, title) in zip(figure.subplots(2, 2).flat, titles.items()):
        draw(axes, key, ["overfitting", "regularized"], ["C0", "C1"], title)
        if key == "training_cost":          # it falls by a factor of 400
            axes.set_yscale("log")
            axes.yaxis.set_major_formatter("{x:g}")
    finish(figure, f"Overfitting: the first {runs['overfitting'].images:,} training images, "
           f"[784, 30, 10], cross-entropy, N(0, 1) weights, eta 0.5",
           ["no regularisation", "L2, lmbda 0.1"], ["C0", "C1"], "curves_overfitting.png")

    figure = Figure(figsize=(11, 4.5), layout="constrained")
    for axes, name in zip(figure.subplots(1, 2), ["full", "full, L2"]):
        draw(axes, "test_accuracy", [name], ["C0"], "")
        draw(axes, "training_accuracy", [name], ["C2"],
             f"lmbda {runs[name].lmbda}: accuracy on the training and the test data")
    finish(figure, f"The full training set: {runs['full'].images:,} images, [784, 30, 10], "
           f"cross-entropy, N(0, 1) weights, eta 0.5",
           ["test data", "training data"], ["C0", "C2"], "curves_full.png")

    figure = Figure(figsize=(11, 4.5), layout="constrained")
    for axes, hidden in zip(figure.subplots(1, 2), (30, 100)):
        draw(axes, "validation_accuracy", [f"init {hidden} old", f"init {hidden} new"],
             ["C0", "C1"], f"[784, {hidden}, 10]: accuracy on the validation data")
    finish(figure, "Weight initialisation: cross-entropy, eta 0.1, lmbda 5.0",
           ["old: N(0, 1)", "new: N(0, 1/n_in)"], ["C0", "C1"], "curves_init.png")

    figure = Figure(figsize=(7, 5), layout="constrained")
    names = [run.name for run in RUNS if run.figure == "eta"]
    draw(figure.subplots(), "training_cost", names, ["C0", "C1", "C3"],
         "cost on the training data: cross-entropy and the L2 term")
    finish(figure, "The learning rate: [784, 30, 10], N(0, 1/n_in) weights, lmbda 5.0", names,
           ["C0", "C1", "C3"], "curves_eta.png")
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seed", type=SEED, default=0, help="the seed of every run")
    args = parse_with_plot(parser, argv, "the four figures",
                           "10 and 2 epochs, 2,000 images in place of 50,000")
    runs = RUNS
    if args.short:
        runs = [run._replace(epochs=10 if run.epochs == 400 else 2,
                             images=min(run.images, 2000)) for run in RUNS]
    start = time.perf_counter()
    ours = dict(zip([run.name for run in runs],
                    in_parallel(train, [(run, args.seed, args.data) for run in runs], args.jobs)))
    book = json.loads((HERE / "curves_book.json").read_text())
    print(f"\nChapter 3's curves: the book's and this project's (seed {args.seed}); "
          f"{(time.perf_counter() - start) / 60:.1f} min.  Each is given by its first value, "
          f"its best (the epoch in brackets) and its last.\n")
    print("| run | settings | curve | the book | this project |\n|---|---|---|---|---|")
    for theirs, run in zip(RUNS, runs):
        weights = "N(0,1)" if run.init == "gaussian" else "N(0,1/n_in)"
        settings = (f"[784, {run.hidden}, 10], {weights}, eta {run.eta}, lmbda {run.lmbda}, "
                    f"{run.epochs} epochs, {run.images:,} images")
        for key, curve in book[run.name].items():
            print(f"| {run.name} | {settings} | {key.replace('_', ' ')} | "
                  f"{landmarks(in_percent(curve, key, theirs), key)} | "
                  f"{landmarks(in_percent(ours[run.name][key], key, run), key)} |")
    if args.plot:
        for path in plot(runs, ours, book, args.plot):
            print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(script(main))
