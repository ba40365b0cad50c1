"""
book.py
~~~~~~~

The book's MNIST results, reproduced.  Chapters 1, 3 and 5 of *Neural
Networks and Deep Learning* report the accuracy of 17 networks, each
trained once with the book's own (Python 2) code.  This script trains
each of them with the book's settings, from several seeds, and prints a
table: the book's number and where it is reported, then this project's

* peak accuracy over the epochs, on the data the book measured on (the
  test data, or the validation data where the book says so): the book's
  protocol;
* test accuracy at the epoch with the best validation accuracy: the
  number to trust, since the test data chose nothing;

each as the mean, min and max over the seeds.

Run from the repository's root:

    python bench/book.py [--only NAME ... | --chapters 1 3 5] [--seeds 3] [--epochs N]
                         [--jobs 2] [--data DIR]

--only runs the named experiments (``--list`` names them all), --chapters
those of the chapters given, --epochs
caps the number of epochs (for a quick look; the numbers then are not the
book's), --jobs trains that many networks at once, one per core.
"""

import argparse
import contextlib
import io
import multiprocessing
import os
import pathlib
import sys
import tempfile
import time
from typing import NamedTuple

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from command_line import COUNT                                          # noqa: E402


class Experiment(NamedTuple):
    name: str
    where: str              # where the book reports it
    sizes: list
    cost: str
    init: str               # "gaussian" is network2's large_weight_initializer, N(0, 1)
    eta: float
    lmbda: float
    epochs: int
    training_images: int    # the first n of the 50,000
    measured_on: str        # the data the book's number is measured on
    book: float             # the book's accuracy, in %
    book_first_epoch: float = None      # and after one epoch, where the book reports it


CH1 = "ch. 1, Implementing our network to classify digits"
CE = "ch. 3, Using the cross-entropy to classify MNIST digits"
OVERFIT = "ch. 3, Overfitting and regularization"
L2 = "ch. 3, Regularization"
INIT = "ch. 3, Weight initialization (the figure's data)"
DEEP = "ch. 5, The vanishing gradient problem"

EXPERIMENTS = [
    Experiment("ch1-30", CH1, [784, 30, 10], "quadratic", "gaussian", 3.0, 0.0, 30, 50000,
               "test", 95.42),
    Experiment("ch1-100", CH1, [784, 100, 10], "quadratic", "gaussian", 3.0, 0.0, 30, 50000,
               "test", 96.59),
    Experiment("ce-30", CE, [784, 30, 10], "cross_entropy", "gaussian", 0.5, 0.0, 30, 50000,
               "test", 95.49),
    Experiment("ce-100", CE, [784, 100, 10], "cross_entropy", "gaussian", 0.5, 0.0, 30, 50000,
               "test", 96.82),
    Experiment("overfit-1000", OVERFIT, [784, 30, 10], "cross_entropy", "gaussian", 0.5, 0.0,
               400, 1000, "test", 82.27),
    Experiment("l2-1000", L2, [784, 30, 10], "cross_entropy", "gaussian", 0.5, 0.1, 400, 1000,
               "test", 87.10),
    Experiment("l2-30", L2, [784, 30, 10], "cross_entropy", "gaussian", 0.5, 5.0, 30, 50000,
               "test", 96.49),
    Experiment("l2-100", L2, [784, 100, 10], "cross_entropy", "gaussian", 0.5, 5.0, 30, 50000,
               "validation", 97.92),
    Experiment("l2-100-60", L2, [784, 100, 10], "cross_entropy", "gaussian", 0.1, 5.0, 60, 50000,
               "validation", 98.04),
    Experiment("init-old-30", INIT, [784, 30, 10], "cross_entropy", "gaussian", 0.1, 5.0, 30,
               50000, "validation", 96.48, 86.43),
    Experiment("init-new-30", INIT, [784, 30, 10], "cross_entropy", "scaled", 0.1, 5.0, 30,
               50000, "validation", 96.53, 92.70),
    Experiment("init-old-100", INIT, [784, 100, 10], "cross_entropy", "gaussian", 0.1, 5.0, 30,
               50000, "validation", 97.55, 89.94),
    Experiment("init-new-100", INIT, [784, 100, 10], "cross_entropy", "scaled", 0.1, 5.0, 30,
               50000, "validation", 97.81, 92.95),
    Experiment("deep-1", DEEP, [784, 30, 10], "cross_entropy", "scaled", 0.1, 5.0, 30, 50000,
               "validation", 96.48),
    Experiment("deep-2", DEEP, [784, 30, 30, 10], "cross_entropy", "scaled", 0.1, 5.0, 30,
               50000, "validation", 96.90),
    Experiment("deep-3", DEEP, [784, 30, 30, 30, 10], "cross_entropy", "scaled", 0.1, 5.0, 30,
               50000, "validation", 96.57),
    Experiment("deep-4", DEEP, [784, 30, 30, 30, 30, 10], "cross_entropy", "scaled", 0.1, 5.0,
               30, 50000, "validation", 96.53),
]


def train(experiment, seed, epochs, data_dir):
    """Train one experiment from one seed; return (peak accuracy on the
    data the book measured on, test accuracy at the best validation
    epoch, accuracy after the first epoch on the book's data), in %."""
    import mnist_loader
    from network import Network
    (X, Y), validation, test = mnist_loader.load_data_matrices(data_dir, dtype="float64")
    n = experiment.training_images
    net = Network(experiment.sizes, "sigmoid", experiment.cost, experiment.init, seed=seed)
    with contextlib.redirect_stdout(io.StringIO()):
        history = net.SGD((X[:, :n], Y[:, :n]), epochs or experiment.epochs, 10, experiment.eta,
                          test, lmbda=experiment.lmbda, validation_data=validation)
    book = "accuracy" if experiment.measured_on == "test" else "validation_accuracy"
    best = max(history, key=lambda r: r["validation_accuracy"])
    return (max(r[book] for r in history) / 100, best["accuracy"] / 100,
            history[0][book] / 100)


def run(job):
    experiment, seed, epochs, data_dir = job
    start = time.perf_counter()
    result = train(experiment, seed, epochs, data_dir)
    print(f"  {experiment.name}, seed {seed}: peak {result[0]:.2f}%, "
          f"test at best validation {result[1]:.2f}% ({time.perf_counter() - start:.0f} s)",
          flush=True)
    return result


def in_parallel(function, jobs, processes):
    """Return [function(job) for job in jobs], computed by that many
    processes at once, each with one BLAS thread: they share the cores."""
    if processes == 1:
        return [function(job) for job in jobs]
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = "1"
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        return pool.map(function, jobs, chunksize=1)


def script(main):
    """Run a bench script's ``main`` and return its exit status: what goes
    wrong with the data, a file, an option or memory is one line, as the
    program says it, not a traceback."""
    import mnist_loader
    try:
        return main()
    except (OSError, ValueError, MemoryError, mnist_loader.MNISTError) as e:
        print(f"{pathlib.Path(sys.argv[0]).name}: {e}", file=sys.stderr)
        return 1


def parse_with_plot(parser, argv, figures, short):
    """Add the options that deep.py and curves.py share to their parser,
    parse ``argv``, and refuse --plot at once where matplotlib is missing."""
    parser.add_argument("--jobs", type=COUNT, default=1, help="networks trained at once")
    parser.add_argument("--plot", nargs="?", const=str(pathlib.Path(__file__).parent),
                        metavar="DIR", help=f"draw {figures} into DIR, by default bench/ "
                                            f"(needs matplotlib)")
    parser.add_argument("--short", action="store_true",
                        help=f"a quick look, not the numbers: {short}")
    parser.add_argument("--data", metavar="DIR", help="directory of the MNIST files")
    args = parser.parse_args(argv)
    if args.plot:
        try:
            import matplotlib                   # noqa: F401
            tempfile.TemporaryFile(dir=args.plot).close()
        except ImportError:
            parser.error("--plot needs matplotlib, which the rest of the project does not: "
                         "pip install matplotlib")
        except OSError as e:
            parser.error(f"--plot: cannot draw into {args.plot}: {e.strerror}")
    return args


def spread(values):
    """mean (min-max) of a list of percentages."""
    return (f"{sum(values) / len(values):.2f} ({min(values):.2f}–{max(values):.2f})"
            if len(values) > 1 else f"{values[0]:.2f}")


def reaching(values, book):
    """How many of the seeds' accuracies reach the book's: "k of n"."""
    return f"{sum(v >= book for v in values)} of {len(values)}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    names = [e.name for e in EXPERIMENTS]
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--only", nargs="+", choices=names, metavar="NAME",
                       help="run only these experiments")
    which.add_argument("--chapters", nargs="+", type=int, choices=(1, 3, 5),
                       help="run only the experiments of these chapters")
    parser.add_argument("--list", action="store_true", help="list the experiments chosen and stop")
    parser.add_argument("--seeds", type=COUNT, default=3, help="seeds 0, 1, ... per experiment")
    parser.add_argument("--epochs", type=COUNT, help="cap on the epochs (the book's by default)")
    parser.add_argument("--jobs", type=COUNT, default=1, help="networks trained at once")
    parser.add_argument("--data", metavar="DIR", help="directory of the MNIST files")
    args = parser.parse_args(argv)
    chosen = [e for e in EXPERIMENTS if (not args.only or e.name in args.only) and
              (not args.chapters or e.where.startswith(tuple(f"ch. {c}," for c in args.chapters)))]
    if args.list:
        for e in chosen:
            print(f"{e.name:14} {e.sizes}, {e.cost}, {e.init} init, eta {e.eta}, "
                  f"lmbda {e.lmbda}, {e.epochs} epochs, {e.training_images} images: "
                  f"book {e.book}% ({e.where})")
        return 0
    jobs = [(e, seed, args.epochs, args.data) for e in chosen for seed in range(args.seeds)]
    start = time.perf_counter()
    results = in_parallel(run, jobs, args.jobs)
    minutes = (time.perf_counter() - start) / 60

    print(f"\nThe book's MNIST results beside this project's: {args.seeds} seed(s) each, "
          f"mean (min–max), in %; {minutes:.0f} min in all.\n")
    header = ("experiment", "the book's settings", "where in the book", "the book",
              "peak, the book's protocol", "test at best validation", "seeds at or above the book")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for i, e in enumerate(chosen):
        runs = results[i * args.seeds:(i + 1) * args.seeds]
        peaks = [r[0] for r in runs]
        settings = (f"[{', '.join(map(str, e.sizes))}], {e.cost.replace('_', '-')}, "
                    f"{'N(0,1)' if e.init == 'gaussian' else 'N(0,1/n_in)'} init, "
                    f"eta {e.eta}, lmbda {e.lmbda}, {args.epochs or e.epochs} epochs"
                    + (f", first {e.training_images} images" if e.training_images < 50000 else ""))
        print(f"| {e.name} | {settings} | {e.where} | {e.book:.2f} ({e.measured_on}) | "
              f"{spread(peaks)} | {spread([r[1] for r in runs])} | {reaching(peaks, e.book)} |")
        if e.book_first_epoch is not None:
            firsts = [r[2] for r in runs]
            print(f"| {e.name}, after one epoch | the same | {e.where} | "
                  f"{e.book_first_epoch:.2f} ({e.measured_on}) | {spread(firsts)} | - | "
                  f"{reaching(firsts, e.book_first_epoch)} |")
    return 0


if __name__ == "__main__":
    sys.exit(script(main))
