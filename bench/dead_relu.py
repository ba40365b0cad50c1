"""
dead_relu.py
~~~~~~~~~~~~

An experiment on MNIST: swap the book's sigmoid hidden layer for ReLU,
keep the book's settings, and watch ReLU units die.  A unit is dead when
its weighted input is <= 0 for every training image: it then outputs 0
and gets a zero gradient, so it never learns again.  He initialisation
and Leaky ReLU are the usual cures; this trains the same network from the
same seed with each, and the sigmoid as the reference, and prints a
table of what happened.

Run from the repository's root:

    python bench/dead_relu.py [--epochs 10] [--eta 3.0] [--data DIR]
"""

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import mnist_loader                                        # noqa: E402
from book import script                                     # noqa: E402
from command_line import COUNT, POSITIVE, SEED              # noqa: E402
from network import DivergenceError, Network               # noqa: E402

RUNS = [("sigmoid", "gaussian"), ("relu", "gaussian"), ("relu", "he"),
        ("leaky_relu", "gaussian"), ("leaky_relu", "he")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--sizes", type=COUNT, nargs="+", default=[784, 30, 10], metavar="N")
    parser.add_argument("--cost", default="quadratic")
    parser.add_argument("--epochs", type=COUNT, default=10)
    parser.add_argument("--mini-batch-size", type=COUNT, default=10)
    parser.add_argument("--eta", type=POSITIVE, default=3.0)
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--data", metavar="DIR", help="directory of the MNIST files")
    args = parser.parse_args(argv)
    training, validation, test = mnist_loader.load_data_matrices(args.data)

    rows = []
    for activation, init in RUNS:
        print(f"--- {activation}, {init} initialisation", flush=True)
        net = Network(args.sizes, activation, args.cost, init, seed=args.seed)
        dead = []

        def measure(record):
            if activation != "sigmoid":
                dead.append(net.dead_fraction(training[0]))
        diverged = "no"
        try:
            net.SGD(training, args.epochs, args.mini_batch_size, args.eta, test,
                    on_epoch=measure)
        except DivergenceError as e:
            diverged = e.args[0].split(":")[0].replace("training diverged ", "yes, ")
        accuracy = f"{net.evaluate(test) / len(test[1]):.2%}" if diverged == "no" else "-"
        rows.append((f"{activation}, {init}", percent(dead[:1]), percent(dead[-1:]),
                     accuracy, diverged))

    print(f"\n[{', '.join(map(str, args.sizes))}], {args.cost} cost, eta {args.eta}, "
          f"mini-batch {args.mini_batch_size}, {args.epochs} epochs, seed {args.seed}\n")
    header = ("hidden layer, init", "dead after epoch 1", f"dead after epoch {args.epochs}",
              "test accuracy", "diverged")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def percent(fractions):
    """The dead fractions of one epoch's hidden layers, as percentages."""
    return " / ".join(f"{f:.1%}" for f in fractions[0]) if fractions else "-"


if __name__ == "__main__":
    sys.exit(script(main))
