"""
command_line.py
~~~~~~~~~~~~~~~

The program that ``python network.py`` runs.  ``network.py`` is the
lesson; this module is what a program needs around it, so that none of
it stands in the lesson's way:

* the options, each checked before any work starts (``--help`` lists
  them), and the network they describe;
* training on MNIST, a line per epoch, and at the end the test accuracy
  of the epoch with the best validation accuracy;
* Ctrl-C and SIGTERM, after which that epoch's network is still saved
  (``--save``) and the run drawn (``--plot``);
* output that fails (a pipe whose reader has gone, a full disk), which
  never stops a run that has something to save;
* ``--load`` and ``--classify``: a saved network reads your own digits.

``python network.py`` and ``python command_line.py`` are the same program.
"""

import argparse
import os
import shlex
import signal
import sys
import tempfile

if __name__ == "__main__":      # Ctrl-C while numpy loads: end quietly, with status 130
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(130))

import numpy as np

import mnist_loader
import network
import network3
from network import Network

# The data measured after each epoch, and the prefix of their keys in its record.
SETS = (("test", ""), ("validation", "validation_"), ("training", "training_"))

# The networks of chapter 6 by the names of the book's conv.py, with its eta,
# lmbda, epochs, and whether they train on the expanded data.
BOOK_CONV = {
    "shallow": (0.1, 0.0, 60, False), "basic_conv": (0.1, 0.0, 60, False),
    "omit_FC": (0.1, 0.0, 60, False), "dbl_conv": (0.1, 0.0, 60, False),
    "dbl_conv_relu": (0.03, 0.1, 60, False), "expanded_data": (0.03, 0.1, 60, True),
    "expanded_data_double_fc": (0.03, 0.1, 60, True), "double_fc_dropout": (0.03, 0.0, 40, True),
}


def book_layers(name, m, n=100):
    """The layers of the network ``name`` of the book's conv.py, for
    mini-batches of m images, with n neurons in each fully connected layer
    but the dropout network's (conv.py's ``expanded_data(n)`` tries 100, 300
    and 1,000)."""
    s, r = network3.sigmoid, network3.ReLU
    fc, softmax = network3.FullyConnectedLayer, network3.SoftmaxLayer

    def conv(activation_fn, second=False):
        return (network3.ConvPoolLayer((40, 20, 5, 5), (m, 20, 12, 12), (2, 2), activation_fn)
                if second else
                network3.ConvPoolLayer((20, 1, 5, 5), (m, 1, 28, 28), (2, 2), activation_fn))
    relu_convs = [conv(r), conv(r, True)]
    return {
        "shallow": lambda: [fc(784, n), softmax(n, 10)],
        "basic_conv": lambda: [conv(s), fc(20 * 12 * 12, n), softmax(n, 10)],
        "omit_FC": lambda: [conv(s), softmax(20 * 12 * 12, 10)],
        "dbl_conv": lambda: [conv(s), conv(s, True), fc(40 * 4 * 4, n), softmax(n, 10)],
        "dbl_conv_relu": lambda: relu_convs + [fc(640, n, r), softmax(n, 10)],
        "expanded_data": lambda: relu_convs + [fc(640, n, r), softmax(n, 10)],
        "expanded_data_double_fc": lambda: relu_convs + [fc(640, n, r), fc(n, n, r),
                                                         softmax(n, 10)],
        "double_fc_dropout": lambda: relu_convs + [fc(640, 1000, r, 0.5), fc(1000, 1000, r, 0.5),
                                                   softmax(1000, 10, 0.5)],
    }[name]()


def main(argv=None):
    """Run the program with the options ``argv`` (by default those of the
    command line): train a network on MNIST, or with --classify read
    images with a saved one.  Return the exit status: 0; 1 when something
    failed; 130 after Ctrl-C, 143 after SIGTERM, with the best network so
    far saved and the run drawn all the same.  A bad option ends the
    program as argparse does, with SystemExit(2).  The
    standard streams, and the handlers of SIGINT and SIGTERM, that it
    replaces are put back when it returns."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (stream and Output(stream) for stream in streams)
    try:
        parser = argument_parser()
        args = parser.parse_args(argv)
        # Parsed again with every default None: what is not None was given.
        parser.set_defaults(**dict.fromkeys(vars(args)))
        args.given = {name for name, value in vars(parser.parse_args(argv)).items()
                      if value is not None}
        args.command = shlex.join(["python", "network.py",
                                   *(sys.argv[1:] if argv is None else argv)])
        try:
            check_options(args)
            net = None if args.classify else new_network(args)
        except ValueError as e:
            parser.error(str(e))
        return classify(args) if args.classify else train(args, net)
    finally:
        sys.stdout, sys.stderr = streams


def number(kind, test, wanted):
    """The type of an option: a number of ``kind`` that passes ``test``."""
    def parse(text):
        try:
            if test(kind(text)):
                return kind(text)
        except ValueError:
            pass
        raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
    return parse


COUNT = number(int, lambda v: v >= 1, "an integer >= 1")
SEED = number(int, lambda v: v >= 0, "an integer >= 0")
POSITIVE = number(float, lambda v: 0 < v < np.inf, "a finite number > 0")


def argument_parser():
    """The options of the program, grouped as --help shows them."""

    parser = argparse.ArgumentParser(
        prog="network.py", usage="%(prog)s [options]",
        description="Train a neural network on the MNIST handwritten digits. After every epoch "
        "it prints how many of the 10,000 test images, and of the 10,000 validation images, "
        "the network classifies right; at the end, the test accuracy of the epoch with the "
        "best validation accuracy. Without options this is the run of chapter 1 of Neural "
        "Networks and Deep Learning.")
    add = parser.add_argument_group("the network").add_argument
    add("--sizes", type=COUNT, nargs="+", default=[784, 30, 10], metavar="N",
        help="neurons per layer, from the 784 inputs to the 10 outputs (default: 784 30 10)")
    add("--activation", choices=network.ACTIVATIONS, default="sigmoid",
        help="the hidden layers' activation function (default: sigmoid)")
    add("--cost", choices=network.COSTS, default="quadratic",
        help="the cost; log_likelihood puts a softmax on the outputs (default: quadratic)")
    add("--init", choices=network.INITS, default="gaussian",
        help="the starting weights: gaussian N(0,1), scaled N(0,1/n_in) or he N(0,2/n_in) "
             "(default: gaussian)")
    add("--dtype", choices=("float64", "float32"), default="float64",
        help="float32 is faster, the more so the larger the network (default: float64)")
    add("--seed", type=SEED, default=0,
        help="the seed of the starting weights and of the shuffles (default: 0)")
    add("--dead", action="store_true",
        help="print each hidden layer's share of dead ReLU units after every epoch")
    add("--speeds", action="store_true",
        help="print each hidden layer's speed of learning (chapter 5) at the start and after "
             "every epoch: ||delta^l||, on the first 1,000 training images")
    add("--monitor-training", action="store_true",
        help="after every epoch, measure the accuracy and cost on the training images too, as "
             "network2 can (all of them, as loaded: 250,000 with --expand, undistorted), and "
             "print every set's cost")
    add = parser.add_argument_group("the training").add_argument
    add("--epochs", type=COUNT, default=30, help="the number of epochs (default: 30)")
    add("--mini-batch-size", type=COUNT, default=10, metavar="M",
        help="the number of samples per step (default: 10)")
    add("--eta", type=POSITIVE,
        default=3.0,
        help="the learning rate (default: 3.0)")
    add("--method", choices=("loop", "matrix"), default="matrix",
        help="backprop one sample at a time, or a mini-batch at once (default: matrix)")
    group = parser.add_argument_group("chapter 3's techniques, and some beyond the book")
    group.add_argument("--lmbda", type=number(float, lambda v: 0 <= v < np.inf,
                                              "a finite number >= 0"),
                       default=0.0, help="the regularisation parameter (default: 0, none)")
    group.add_argument("--penalty", choices=("l2", "l1"), default="l2",
                       help="the regularisation: l2 (weight decay) or l1 (default: l2)")
    group.add_argument("--mu", type=number(float, lambda v: 0 <= v < 1, "a number from 0 up "
                                           "to, not including, 1 (0.9 is usual)"),
                       default=0.0, help="the momentum coefficient (default: 0, plain SGD)")
    group.add_argument("--stop-after", type=COUNT, metavar="N",
                       help="stop after N epochs without a better validation accuracy")
    add = group.add_mutually_exclusive_group().add_argument
    add("--halve-eta-after", type=COUNT, metavar="N", help="halve eta after N epochs without "
        "a better validation accuracy; stop once it has fallen to 1/128 of its start")
    add("--anneal", action="store_true",
        help="beyond the book: lower eta linearly to zero over the epochs")
    add = group.add_mutually_exclusive_group().add_argument
    add("--expand", action="store_true", help="train on 250,000 images: each training image "
        "and its copies shifted by one pixel up, down, left and right")
    add("--shift", type=number(int, lambda v: 0 <= v <= 4, "0 to 4, the margin of MNIST's "
                               "digits"), default=0, metavar="PIXELS",
        help="beyond the book: each epoch, move every training image by up to PIXELS pixels "
             "in each direction, drawn afresh")
    group.add_argument("--elastic", action="store_true", help="each epoch, deform every training "
                       "image afresh by Simard's elastic distortion (alpha 34, sigma 4)")
    group.add_argument("--affine", action="store_true", help="each epoch, rotate (up to 10 "
                       "degrees), scale (up to 10%%) and shear sideways (up to 0.2) every "
                       "training image afresh; with --elastic, both")
    add = parser.add_argument_group("chapter 6's convolutional networks").add_argument
    add("--conv", choices=BOOK_CONV, metavar="NAME",
        help="train network3.py's network NAME, with the settings of the book's conv.py: "
             f"{', '.join(BOOK_CONV)} (of the options above, --epochs, --eta, --lmbda, "
             "--mini-batch-size, --dtype, --seed, --anneal and --expand apply, and --shift, "
             "--elastic or --affine vary the training images in place of the expanded set)")
    add = parser.add_argument_group("data and files").add_argument
    add("--data", metavar="DIR", help="the directory of the MNIST files; by default "
        "$MNIST_DATA_DIR, then the cache, then a download into the cache")
    add("--save", metavar="PATH", help="save the network of the epoch with the best validation "
        "accuracy to PATH (.npz), also when stopped by Ctrl-C")
    add("--plot", metavar="PATH", help="draw the run's accuracy and cost per epoch to PATH "
        "(.png, .svg, .pdf: matplotlib), also when stopped by Ctrl-C")
    add("--load", metavar="PATH", help="instead of training, load the network saved at PATH "
        "for --classify")
    add("--classify", nargs="+", metavar="IMAGE", help="print the digit the --load network "
        "reads in each image (PNG, JPEG... with Pillow; a .npy array with numpy alone), after "
        "preparing it as MNIST's digits were")
    return parser


def check_options(args):
    """Check what the parser could not, before any work."""
    if bool(args.load) != bool(args.classify):
        raise ValueError("--load and --classify go together: train with --save net.npz, then "
                         "python network.py --load net.npz --classify IMAGE ...")
    if args.classify:                       # no training: the network is --load's
        if not os.path.isfile(args.load):
            raise ValueError(f"--load: {args.load} is not a file; give a network saved with "
                             f"--save")
        if not all(path.lower().endswith(".npy") for path in args.classify):
            try:
                import PIL.Image                # noqa: F401
            except ImportError:
                raise ValueError("--classify reads images with Pillow, which the rest of the "
                                 "project does not need: pip install Pillow (a .npy array needs "
                                 "numpy alone)") from None
        refuse_all_but(args, {"load", "classify"}, "--classify reads images with the --load "
                                                   "network")
        return
    if args.conv:
        check_conv_options(args)
    sizes = "--sizes " + " ".join(map(str, args.sizes))
    if args.sizes[0] != 784 or args.sizes[-1] != 10:
        raise ValueError(f"MNIST needs 784 inputs and 10 outputs, as in --sizes 784 30 10; "
                         f"got {sizes}")
    if args.dead and (args.activation not in ("relu", "leaky_relu") or len(args.sizes) < 3):
        raise ValueError("--dead needs hidden layers of --activation relu or leaky_relu")
    if args.speeds and len(args.sizes) < 3:
        raise ValueError(f"--speeds needs hidden layers, as in --sizes 784 30 30 10; got {sizes}")
    if (args.elastic or args.affine) and (args.expand or args.shift):
        raise ValueError("--elastic and --affine vary the images in place of --expand and "
                         "--shift: choose one way")
    if args.data == "":
        raise ValueError("--data needs a directory; leave it out to use $MNIST_DATA_DIR or the "
                         "cache")
    if not args.conv:                       # network3's L2 term is over mini-batches
        network.check_l2(args.eta, args.lmbda,
                         mnist_loader.TRAINING_IMAGES * (5 if args.expand else 1), args.penalty)
    if args.plot is not None:
        try:
            import matplotlib                   # noqa: F401
        except ImportError:
            raise ValueError("--plot draws with matplotlib, which the rest of the project does "
                             "not need: pip install matplotlib") from None
        if os.path.splitext(args.plot)[1].lower() not in (".png", ".svg", ".pdf"):
            raise ValueError(f"--plot draws a .png, .svg or .pdf file, not {args.plot!r}")
        if args.save and os.path.realpath(args.plot) == os.path.realpath(args.save):
            raise ValueError("--save and --plot write to the same file: name two")
    unwritable = []
    for option, path, example in (("--save", args.save, "net.npz"),
                                  ("--plot", args.plot, "run.png")):
        if path is None:
            continue
        if not os.path.basename(path) or (os.path.exists(path) and not os.path.isfile(path)):
            unwritable.append(f"{option} needs the name of a regular file, such as {example}, "
                              f"not {path!r}")
            continue
        try:                                # can a file be made beside it, to be renamed?
            tempfile.NamedTemporaryFile(dir=os.path.dirname(path) or ".",
                                        prefix=os.path.basename(path)).close()
        except OSError as e:
            unwritable.append(f"{option}: cannot write {path}: {e.strerror}")
    if unwritable:
        raise ValueError("; ".join(unwritable))


def refuse_all_but(args, options, why):
    """Refuse every option given that is not among ``options``, saying ``why``."""
    apart = sorted(args.given - options)
    if apart:
        raise ValueError(f"{why}: {', '.join('--' + name.replace('_', '-') for name in apart)} "
                         f"{'does' if len(apart) == 1 else 'do'} not apply")


def check_conv_options(args):
    """Refuse what --conv cannot take, and fill in the book's settings
    for what was not given."""
    refuse_all_but(args, {"conv", "epochs", "eta", "lmbda", "mini_batch_size", "dtype", "seed",
                          "expand", "shift", "elastic", "affine", "anneal", "data", "save",
                          "plot"}, "--conv trains network3.py's network as the book does")
    eta, lmbda, epochs, expanded = BOOK_CONV[args.conv]
    for name, value in (("eta", eta), ("lmbda", lmbda), ("epochs", epochs),
                        ("dtype", "float32")):
        if name not in args.given:
            setattr(args, name, value)
    args.expand = args.expand or expanded and not (args.shift or args.elastic or args.affine)
    images = mnist_loader.TRAINING_IMAGES * (5 if args.expand else 1)
    if args.mini_batch_size > images:
        raise ValueError(f"--mini-batch-size {args.mini_batch_size} is more than the {images:,} "
                         f"training images: network3 trains on full mini-batches, as the book's")


def new_network(args):
    """The network that the options describe, or a ValueError that says
    it is too large."""
    if args.conv:
        return network3.Network(book_layers(args.conv, args.mini_batch_size),
                                args.mini_batch_size, seed=args.seed, dtype=args.dtype)
    try:
        return Network(args.sizes, args.activation, args.cost, args.init, args.penalty,
                       seed=args.seed, dtype=args.dtype)
    except (MemoryError, ValueError) as e:
        raise ValueError(f"--sizes {' '.join(map(str, args.sizes))}: too large ({e}); "
                         f"choose smaller layers") from None


class Run:
    """What the program keeps of a training run as it goes, so that
    Ctrl-C loses none of it: the number of images in each data set, the
    record of every epoch completed, and the record, weights and biases
    (``parameters``) of the epoch with the best validation accuracy so far."""

    def __init__(self):
        self.images = None          # {"training": n, "validation": n, "test": n}, once loaded
        self.history = []
        self.best = self.best_parameters = None


def train(args, net):
    """Train ``net`` as ``args`` say, then save the best epoch's network
    (--save), draw the run (--plot) and report; return the exit status."""
    run, signals, still_training = Run(), [], True

    def interrupt(signum, frame):
        signals.append(signum)
        # While training, every signal raises KeyboardInterrupt, not just
        # the first: one raised while numpy's compiled code runs can be
        # lost.  After training none does, and the save goes on.
        if still_training:
            raise KeyboardInterrupt
    handlers = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    Output.stop_on_failure = args.save is None and args.plot is None
    try:
        try:
            stopped_by = learn(args, net, run)
        finally:
            # First of all, so that a signal that comes now finds training over.
            still_training = Output.stop_on_failure = False
    except KeyboardInterrupt:
        stopped_by = None
    try:
        return finish(args, net, run, signals, [stopped_by] if stopped_by else [])
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)


def finish(args, net, run, signals, problems):
    """Save the best epoch's network (--save) and draw the run (--plot),
    then say what happened: that a signal stopped training, each of the
    ``problems``, the best epoch, and what was saved and drawn.  Return
    the exit status: 128 plus the signal's number, as a shell reports a
    process ended by that signal; else 1 if anything went wrong, or 0."""
    saved = args.save and run.best is not None
    if saved:
        for p, best in zip(parameters(net), run.best_parameters):
            p[...] = best
        try:
            net.save(args.save)
        except OSError as e:
            problems.append(f"could not save the network to {args.save}: {e}")
            saved = False
    drawn = args.plot and run.best is not None
    if drawn:
        try:
            plot(args, run)
        except Exception as e:              # the network is saved: say what failed, and end
            problems.append(f"could not draw the run to {args.plot}: {e}")
            drawn = False
    # Only now, with the network saved, the report: it matters less.
    if signals:
        print(f"\n{'Interrupted' if signals[0] == signal.SIGINT else 'Terminated'}: "
              f"{'training stopped' if run.images else 'while loading the data'}.")
    for problem in problems:
        print(f"network.py: {problem}", file=sys.stderr)
    if run.best is not None:
        r = run.best
        print(f"Best validation accuracy {r['validation_accuracy'] / run.images['validation']:.2%}"
              f" in epoch {r['epoch']}, where the test accuracy is "
              f"{r['accuracy'] / run.images['test']:.2%}")
    if saved:
        print(f"Saved the network of epoch {run.best['epoch']} to {args.save}")
    if drawn:
        print(f"Drew the run to {args.plot}")
    for path, verb in ((args.save, "saved"), (args.plot, "drawn")):
        if path and run.best is None:
            print(f"No epoch was completed: nothing was {verb} to {path}.")
    return 128 + signals[0] if signals else 1 if problems else 0


def learn(args, net, run):
    """Load MNIST and train ``net`` on it as ``args`` say, printing a line
    per epoch and keeping each epoch in ``run``.  Return None, or what
    stopped training."""
    try:
        training, validation, test = mnist_loader.load_data_matrices(
            args.data, dtype=net.dtype, expand=args.expand)
        run.images = images = {"training": training[0].shape[1],
                               "validation": len(validation[1]), "test": len(test[1])}
        print(f"MNIST loaded: {images['training']:,} training, {images['validation']:,} "
              f"validation and {images['test']:,} test images", flush=True)
        # The training data with labels, as the test data have: measured as loaded.
        labelled = training[0], np.argmax(training[1], axis=0)

        def speeds_line(when=""):
            return f"  speed of learning per hidden layer{when}: " + ", ".join(
                f"{s:.3g}" for s in net.speed_of_learning(training[0][:, :1000],
                                                          training[1][:, :1000]))
        if args.speeds:
            print(speeds_line(" at the start"), flush=True)

        def on_epoch(record):
            if args.conv:                   # network.py's SGD checks its own
                network.check_finite(parameters(net), record["epoch"], args.eta, args.lmbda)
            record["training_accuracy"], record["training_cost"] = (
                net.accuracy_and_cost(labelled, args.lmbda, images["training"])
                if args.monitor_training else (None, None))
            # Kept before the epoch's line is printed: Ctrl-C after a line
            # never saves an older epoch.
            run.history.append(record)
            if run.best is None or record["validation_accuracy"] > run.best["validation_accuracy"]:
                run.best = record
                run.best_parameters = [p.copy() for p in parameters(net)]
            lines = epoch_report(record, images, args)
            if args.dead:
                lines.append("  dead units per hidden layer: " + ", ".join(
                    f"{f:.1%}" for f in net.dead_fraction(training[0])))
            if args.speeds:
                lines.append(speeds_line())
            if record.get("stop"):          # network3's records have none
                lines.append(record["stop"])
            print("\n".join(lines), flush=True)

        def transform(X, rng):
            """Each epoch's training images, varied as the options say."""
            if args.shift:
                return mnist_loader.shift_randomly(X, rng, args.shift)
            left_out = {} if args.elastic else {"alpha": 0}
            if not args.affine:
                left_out.update(degrees=0, scale=0, shear=0)
            return mnist_loader.distort(X, rng, **left_out)
        vary = args.shift or args.elastic or args.affine
        rules = {"stop_after": args.stop_after, "halve_eta_after": args.halve_eta_after,
                 "anneal": args.anneal}
        with np.errstate(all="ignore"):     # what goes wrong is reported, not warned of
            if args.conv:
                learn_conv(args, net, training, labelled[1], validation, test, transform if vary
                           else None, on_epoch)
            else:
                net.SGD(training, args.epochs, args.mini_batch_size, args.eta, test,
                        validation_data=validation, lmbda=args.lmbda, mu=args.mu, rules=rules,
                        transform=transform if vary else None, method=args.method,
                        on_epoch=on_epoch)
    except (mnist_loader.MNISTError, network.DivergenceError) as e:
        return str(e)
    except MemoryError as e:
        return f"not enough memory: {e}"
    except OSError as e:                    # from Output: see there
        return f"the output cannot be written ({e.strerror}), so training stopped"


def learn_conv(args, net, training, labels, validation, test, transform, on_epoch):
    """Train the network3 ``net`` as ``args`` say, by its SGD an epoch at a
    time, each epoch with its own images (made by ``transform``, if given)
    and eta (lowered linearly to 0 with --anneal).  network3 takes an image
    per row, and labels."""
    for epoch in range(args.epochs):
        images = training[0] if transform is None else transform(training[0], net.rng)
        eta = args.eta * (1 - epoch / args.epochs) if args.anneal else args.eta
        net.SGD((images.T, labels), 1, args.mini_batch_size, eta,
                (validation[0].T, validation[1]), (test[0].T, test[1]), args.lmbda,
                on_epoch=lambda record: on_epoch({**record, "epoch": epoch, "eta": eta}))


def epoch_report(record, images, args):
    """The lines printed after an epoch: the book's line, with the
    validation accuracy beside the test accuracy, with --monitor-training
    the training accuracy and every set's cost, eta when a rule changes
    it, and the seconds the epoch took."""
    line = (f"Epoch {record['epoch']}: {record['accuracy']} / {images['test']}, "
            f"validation {record['validation_accuracy']} / {images['validation']}")
    if args.monitor_training:
        line += f", training {record['training_accuracy']} / {images['training']}"
    if args.halve_eta_after or args.anneal:
        line += f", eta {record['eta']:.4g}"
    lines = [f"{line}, {record['seconds']:.2f} s"]
    if args.monitor_training:
        lines.append("  cost: " + ", ".join(f"{name} {record[prefix + 'cost']:.4f}"
                                            for name, prefix in SETS))
    return lines


def classify(args):
    """Print the digit that the network saved at --load reads in each
    --classify image, the outputs of its ten neurons, and the prepared
    28 x 28 image it saw.  Return 1 if a file could not be read, else 0."""
    try:
        net = load_network(args.load)
    except (OSError, ValueError) as e:
        print(f"network.py: {e}", file=sys.stderr)
        return 1
    conv = isinstance(net, network3.Network)
    sizes = [net.layers[0].n_in, net.layers[-1].n_out] if conv else net.sizes
    if (sizes[0], sizes[-1]) != (784, 10):
        print(f"network.py: {args.load} is a network of sizes {sizes}; MNIST's digits need "
              f"784 inputs and 10 outputs", file=sys.stderr)
        return 1
    outputs = "probabilities" if conv or net.cost.name == "log_likelihood" else "outputs"
    status = 0
    for path in args.classify:
        try:
            x = mnist_loader.prepare_image(mnist_loader.load_image(path))
        except (OSError, ValueError, MemoryError) as e:
            print(f"network.py: {path}: {getattr(e, 'strerror', None) or e}", file=sys.stderr)
            status = 1
            continue
        x = x.astype(net.dtype)
        a = net.feedforward(x.T)[0] if conv else net.feedforward(x)[:, 0]
        print(f"{path}: the network reads {np.argmax(a)}; its {outputs}, and what it saw:")
        print("  " + "  ".join(f"{digit}: {output:.2f}" for digit, output in enumerate(a)))
        ramp = " .:-=+*#%@"                 # from dark to bright, each for a 2 x 2 block
        for row in x.reshape(14, 2, 14, 2).mean(axis=(1, 3)):
            print("  |" + "".join(2 * ramp[min(int(v * 10), 9)] for v in row) + "|")
    return status


def plot(args, run):
    """Draw the epochs kept in ``run`` to the file --plot names: the
    accuracy per epoch on each set that was measured, the cost below it
    (network3's records have none), and on both the epoch with the best
    validation accuracy.  Return the figure."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    epochs = [r["epoch"] for r in run.history]
    costs = "cost" in run.best
    figure = Figure(figsize=(8, 8 if costs else 5), layout="constrained")
    panels = figure.subplots(2 if costs else 1, sharex=True, squeeze=False)[:, 0]
    top, bottom = panels[0], panels[-1]
    for name, prefix in SETS:
        if run.best.get(prefix + "accuracy") is not None:
            style = {"label": f"{name} data ({run.images[name]:,} images)",
                     "marker": "." if len(epochs) <= 60 else None}
            top.plot(epochs, [100 * r[prefix + "accuracy"] / run.images[name]
                              for r in run.history], **style)
            if costs:
                bottom.plot(epochs, [r[prefix + "cost"] for r in run.history], **style)
    for axes in panels:
        axes.axvline(run.best["epoch"], color="grey", linestyle=":", label=(
            f"best validation accuracy: epoch {run.best['epoch']}, test accuracy "
            f"{run.best['accuracy'] / run.images['test']:.2%}"))
        axes.grid(alpha=0.3)
    top.legend()
    bottom.set_xlim(-0.5, epochs[-1] + 0.5)
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    top.set_ylabel("accuracy (%)")
    bottom.set_xlabel("epoch")
    if costs:
        bottom.set_ylabel(f"cost: {args.cost.replace('_', '-')}"
                          + (f", with the {args.penalty.upper()} term" if args.lmbda else ""))
    figure.suptitle(args.command, fontsize="medium", wrap=True)
    kind = os.path.splitext(args.plot)[1][1:].lower()
    network.write_atomically(args.plot, lambda f: figure.savefig(f, format=kind))
    return figure


def parameters(net):
    """The arrays that training changes: the weights and biases of a
    network.py network, or of each layer of a network3.py one."""
    if isinstance(net, network3.Network):
        return [p for layer in net.layers for p in (layer.w, layer.b)]
    return net.weights + net.biases


def load_network(path):
    """The network saved at ``path`` by network.py or by network3.py."""
    try:
        return Network.load(path)
    except ValueError as error:
        try:
            return network3.Network.load(path)
        except ValueError:
            raise error from None


class Output:
    """The program's standard output or error: what the terminal cannot
    encode is escaped, and once writing fails (the reader of a pipe has
    gone, a disk is full) the stream goes to /dev/null.  Training goes on,
    for the network it will save; with nothing to save,
    ``stop_on_failure`` is set, and the failure stops training."""

    stop_on_failure = False

    def __init__(self, stream):
        if hasattr(stream, "reconfigure"):          # not an io.StringIO
            stream.reconfigure(errors="backslashreplace")
        self.stream = stream

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def write(self, text):
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
            if self.stop_on_failure:
                raise


if __name__ == "__main__":
    sys.exit(main())
