"""
deep.py
~~~~~~~

Chapter 5 of *Neural Networks and Deep Learning*, "Why are deep neural
networks hard to train?", measured; and the cure, which the book leaves
out.  The measure is the book's "speed of learning" of each hidden layer,
||delta^l|| for the cost averaged over the first 1,000 training images
(``Network.speed_of_learning``).

``--part book`` repeats the book's measurements with its settings
(network2's defaults: sigmoid, cross-entropy, weights N(0, 1/n_in),
biases N(0, 1)) on 2, 3 and 4 hidden layers of 30 neurons: the speeds at
the start, from several seeds beside the book's one draw, and the speeds
during 500 epochs of full-batch gradient descent on those 1,000 images
(eta 0.1, lmbda 5.0), beside the book's own curves (deep_book.json).

``--part cure`` trains deeper networks, 5 and 10 hidden layers of 30 and
of 100 neurons, with six hidden activations and initialisations, for a
fixed budget of epochs with chapter 5's settings (cross-entropy,
mini-batches of 10, eta 0.1 unless --eta says otherwise, lmbda 5.0).
It prints for each the ratio of the first hidden layer's speed to the
last's (far below 1: the gradient vanishes; far above: it explodes), the
dead units of ReLU layers, and the test accuracy at the epoch with the
best validation accuracy.

The accuracies the book reports for deeper networks are rows of book.py:
``python bench/book.py --only deep-1 deep-2 deep-3 deep-4``.

Run from the repository's root:

    python bench/deep.py [--part book cure] [--seeds 5] [--epochs 10] [--jobs 2]
                         [--plot [DIR]] [--short] [--data DIR]

The book part takes about 75 seconds, the cure about 4 minutes with
--jobs 2 on two cores.  --short (1 seed, 10 and 1 epochs, one network of
the cure, 10,000 training images) runs in seconds.  --plot draws
deep_book.png and deep_cure.png, in bench/ unless given a directory; it
needs matplotlib, which nothing else does.
"""

import argparse
import json
import os
import pathlib
import sys
import time
from typing import NamedTuple

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import mnist_loader                                                     # noqa: E402
from book import in_parallel, parse_with_plot, script                  # noqa: E402
from command_line import COUNT, POSITIVE, SEED                          # noqa: E402
from network import DivergenceError, Network, write_atomically         # noqa: E402

# The book's text, ch. 5, "The vanishing gradient problem": the speeds at the start.
BOOK_TEXT = {2: [0.07, 0.31], 3: [0.012, 0.060, 0.283], 4: [0.003, 0.017, 0.070, 0.285]}
CURES = [("sigmoid", "gaussian"), ("sigmoid", "scaled"), ("tanh", "scaled"),
         ("relu", "gaussian"), ("relu", "he"), ("leaky_relu", "he")]
INIT_NAMES = {"gaussian": "N(0,1)", "scaled": "N(0,1/n_in)", "he": "He"}


class Run(NamedTuple):
    """One network of the cure."""
    activation: str
    init: str
    hidden: int             # hidden layers
    width: int              # neurons in each
    epochs: int
    eta: float
    seed: int
    images: int             # the first n training images
    data_dir: str


def book_part(training, seeds, epochs):
    """Return {hidden layers: [the speeds before each epoch, one list per
    seed]} for the book's networks trained on (X, Y) as the book does."""
    curves = {}
    for hidden in (2, 3, 4):
        curves[hidden] = []
        for seed in range(seeds):
            net = Network([784] + [30] * hidden + [10], "sigmoid", "cross_entropy", "scaled",
                          seed=seed)
            speeds = [net.speed_of_learning(*training)]
            net.SGD(training, epochs - 1, 1000, 0.1, lmbda=5.0,
                    on_epoch=lambda record: speeds.append(net.speed_of_learning(*training)))
            curves[hidden].append(speeds)
    return curves


def cure(run):
    """Train one network of the cure; return the speeds of its hidden
    layers at the start and after each epoch, and unless it diverged, the
    test accuracy at the best validation epoch and at the last, and the
    fraction of its hidden units that are dead (for ReLU layers)."""
    (X, Y), validation, test = mnist_loader.load_data_matrices(run.data_dir)
    X, Y = X[:, :run.images], Y[:, :run.images]
    net = Network([784] + [run.width] * run.hidden + [10], run.activation, "cross_entropy",
                  run.init, seed=run.seed)
    first = X[:, :1000], Y[:, :1000]
    result = {"speeds": [net.speed_of_learning(*first)], "accuracy": None, "dead": None}
    start = time.perf_counter()
    try:
        history = net.SGD((X, Y), run.epochs, 10, run.eta, test, validation_data=validation,
                          lmbda=5.0, on_epoch=lambda record: result["speeds"].append(
                              net.speed_of_learning(*first)))
        best = max(history, key=lambda record: record["validation_accuracy"])
        result["accuracy"] = [record["accuracy"] / len(test[1]) for record in (best, history[-1])]
        if run.activation in ("relu", "leaky_relu"):
            result["dead"] = sum(net.dead_fraction(X)) / run.hidden
    except DivergenceError:
        pass
    print(f"  {run.hidden} x {run.width} {run.activation}, {INIT_NAMES[run.init]}: "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    return result


def ratio(speeds):
    """The first hidden layer's speed over the last's, to two digits."""
    return f"{speeds[0] / speeds[-1]:.2g}" if speeds[-1] else "-"


def plot_book(curves, book, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = ["tab:blue", "tab:orange", "tab:red", "tab:green"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), sharey=True)
    for ax, hidden in zip(axes, (2, 3, 4)):
        ours = curves[hidden][0]
        theirs = book[f"{hidden} hidden layers"]
        for l in range(hidden):
            ax.plot(range(len(ours)), [s[l] for s in ours], color=colours[l],
                    label=f"hidden layer {l + 1}")
            ax.plot(book["epochs"], [s[l] for s in theirs], color=colours[l], linestyle="--",
                    alpha=0.7)
        ax.set_yscale("log")
        ax.set_title(f"{hidden} hidden layers of 30")
        ax.set_xlabel("epochs of full-batch training on 1,000 images")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("speed of learning ||delta^l||")
    axes[2].plot([], [], color="grey", label="this project, seed 0")
    axes[2].plot([], [], color="grey", linestyle="--", label="the book's curve")
    axes[2].legend(fontsize="small")
    fig.tight_layout()
    write_atomically(out, lambda f: fig.savefig(f, format="png", dpi=80))


def plot_cure(runs, net, epochs, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for i, ((activation, init), result) in enumerate(runs):
        label = f"{activation}, {INIT_NAMES[init]}"
        ends = [result["speeds"][-1]] if result["accuracy"] else []
        for ax, speeds in zip(axes, [result["speeds"][0]] + ends):
            speeds = [s or float("nan") for s in speeds]        # a dead layer: off the scale
            ax.plot(range(1, len(speeds) + 1), speeds, marker="o", color=f"C{i}", label=label)
    diverged = [f"{a}, {INIT_NAMES[i]}" for (a, i), result in runs if not result["accuracy"]]
    axes[1].set_title(f"after {epochs} epochs" + (f" ({', '.join(diverged)}: diverged)"
                                                  if diverged else ""))
    axes[0].set_title("at the start")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("hidden layer, from the input")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("speed of learning ||delta^l||")
    axes[0].legend(fontsize="small")
    fig.suptitle(f"{net[0]} hidden layers of {net[1]} neurons")
    fig.tight_layout()
    write_atomically(out, lambda f: fig.savefig(f, format="png", dpi=80))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--part", nargs="+", choices=("book", "cure"), default=["book", "cure"])
    parser.add_argument("--seeds", type=COUNT, default=5, help="seeds of the book part")
    parser.add_argument("--epochs", type=COUNT, default=10, help="the cure's budget of epochs")
    parser.add_argument("--eta", type=POSITIVE, default=0.1, help="the cure's learning rate")
    parser.add_argument("--seed", type=SEED, default=0, help="the seed of the cure's networks")
    args = parse_with_plot(parser, argv, "deep_book.png and deep_cure.png",
                           "1 seed, 10 and 1 epochs, whatever --seeds and --epochs say")
    seeds, book_epochs, nets, images = args.seeds, 500, [(5, 30), (10, 30), (5, 100),
                                                         (10, 100)], 50000
    if args.short:
        seeds, book_epochs, args.epochs, nets, images = 1, 10, 1, [(5, 30)], 10000

    if "book" in args.part:
        start = time.perf_counter()
        (X, Y), _, _ = mnist_loader.load_data_matrices(args.data)
        curves = book_part((X[:, :1000], Y[:, :1000]), seeds, book_epochs)
        book = json.loads((HERE / "deep_book.json").read_text())
        print(f"\nSpeed of learning of each hidden layer, from the first to the last, at the "
              f"start and before the last of {book_epochs} epochs: the book's and this project's "
              f"({seeds} seed(s): seed 0, and the mean (min–max)); "
              f"{time.perf_counter() - start:.0f} s.\n")
        print("| hidden layers | when | the book's text | the book's figure | seed 0 "
              "| mean (min–max) |\n|---|---|---|---|---|---|")
        for hidden, runs in curves.items():
            theirs = book[f"{hidden} hidden layers"]
            for when, i, text, figure in (("start", 0, BOOK_TEXT[hidden], theirs[0]),
                                          (f"epoch {book_epochs - 1}", -1, None, theirs[-1])):
                ours = [run[i] for run in runs]
                spread = ", ".join(
                    f"{sum(s) / len(s):.3g} ({min(s):.2g}–{max(s):.2g})" for s in zip(*ours))
                figure = ", ".join(f"{s:.3g}" for s in figure) if book_epochs == 500 else "-"
                print(f"| {hidden} | {when} | {', '.join(map(str, text)) if text else '-'} | "
                      f"{figure} | {', '.join(f'{s:.3g}' for s in ours[0])} | {spread} |")
        if args.plot:
            plot_book(curves, book, os.path.join(args.plot, "deep_book.png"))
            print(f"\nWrote {os.path.join(args.plot, 'deep_book.png')}")

    if "cure" in args.part:
        start = time.perf_counter()
        runs = [Run(activation, init, hidden, width, args.epochs, args.eta, args.seed, images,
                    args.data) for hidden, width in nets for activation, init in CURES]
        results = in_parallel(cure, runs, args.jobs)
        print(f"\nDeeper networks, {args.epochs} epoch(s): cross-entropy, mini-batches of 10, "
              f"eta {args.eta}, lmbda 5.0, seed {args.seed}; "
              f"the ratio of the first hidden layer's speed to the last's; "
              f"{(time.perf_counter() - start) / 60:.1f} min.\n")
        print(f"| hidden layers | activation, init | ratio at the start | after 1 epoch | "
              f"after {args.epochs} | dead units at the end | test accuracy at the best "
              f"validation epoch | at the last |\n|---|---|---|---|---|---|---|---|")
        for run, result in zip(runs, results):
            speeds = result["speeds"]
            after = [ratio(speeds[j]) if j < len(speeds) else "-" for j in (1, args.epochs)]
            dead = f"{result['dead']:.1%}" if result["dead"] is not None else "-"
            accuracy = (" | ".join(f"{a:.2%}" for a in result["accuracy"]) if result["accuracy"]
                        else f"diverged in epoch {len(speeds) - 1} | -")
            print(f"| {run.hidden} x {run.width} | {run.activation}, {INIT_NAMES[run.init]} | "
                  f"{ratio(speeds[0])} | {' | '.join(after)} | {dead} | {accuracy} |")
        if args.plot:
            net = max(nets)                                      # the deepest, widest
            shown = [(run[:2], result) for run, result in zip(runs, results)
                     if (run.hidden, run.width) == net]
            plot_cure(shown, net, args.epochs, os.path.join(args.plot, "deep_cure.png"))
            print(f"\nWrote {os.path.join(args.plot, 'deep_cure.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(script(main))
