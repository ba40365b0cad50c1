"""
plot_speedup.py
~~~~~~~~~~~~~~~

Where the time goes: the time per sample of the per-sample loop and of
the matrix path against the mini-batch size, beside the time the matrix
products alone take at the same shapes and the time numpy's peak rate
would allow, with the speedup of the matrix path below.  It reads the
JSON that pytest-benchmark writes of the benchmarks' sweep:

    pytest --benchmark-only -m sweep --benchmark-json=sweep.json
    python bench/plot_speedup.py sweep.json [--out bench/speedup.png] [--dtype float64]

It needs matplotlib (pip install matplotlib); nothing else does.
"""

import argparse
import json
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from network import write_atomically                       # noqa: E402

EPOCH = 50000


def read_sweep(path, dtype):
    """Return ({kind: [(mini-batch size, seconds per sample)]}, peak
    seconds per sample or None) for the sweep rows of one dtype in the
    JSON at ``path``."""
    if not os.path.isfile(path):
        raise ValueError("it is not a regular file")
    with open(path) as f:
        benchmarks = json.load(f)["benchmarks"]
    curves, peak = {}, None
    for b in benchmarks:
        extra = b["extra_info"]
        if extra.get("kind") == "peak" and extra.get("dtype") == dtype:
            rate = extra["flops"] / b["stats"]["min"]
            peak = rate if peak is None else max(peak, rate)
        elif b["group"].startswith("sweep") and extra.get("dtype") == dtype:
            per_sample = b["stats"]["median"] / extra["samples"]
            curves.setdefault(extra["kind"], []).append((extra["mini_batch_size"], per_sample))
            flops_per_sample = extra["flops"] / extra["samples"]
    if not curves:
        raise ValueError(f"{path} holds no sweep rows for {dtype}: make it with "
                         f"pytest --benchmark-only -m sweep --benchmark-json={path}")
    for points in curves.values():
        points.sort()
    return curves, (flops_per_sample / peak if peak else None)


def plot(curves, peak_time, dtype, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    styles = {"loop": ("per-sample loop (backprop)", "tab:red", "o"),
              "matrix": ("matrix path (backprop_batch)", "tab:blue", "s"),
              "products": ("the matrix products alone", "tab:green", "^")}
    for kind, (label, colour, marker) in styles.items():
        if kind in curves:
            sizes, seconds = zip(*curves[kind])
            top.plot(sizes, [s * 1e6 for s in seconds], marker=marker, color=colour, label=label)
    if peak_time:
        top.axhline(peak_time * 1e6, color="black", linestyle="--",
                    label="numpy's peak rate (large matrix product)")
    top.set_xscale("log")
    top.set_yscale("log")
    if peak_time:
        top.set_ylim(bottom=peak_time * 1e6 / 20)      # room for the legend below the lines
    top.set_ylabel("time per sample (µs)")
    top.set_title(f"[784, 30, 10], {dtype}: one epoch of SGD, per sample")
    top.legend(loc="lower left", fontsize="small", framealpha=1)
    top.grid(True, which="both", alpha=0.3)
    if "loop" in curves and "matrix" in curves:
        loop, matrix = dict(curves["loop"]), dict(curves["matrix"])
        sizes = sorted(set(loop) & set(matrix))
        bottom.plot(sizes, [loop[m] / matrix[m] for m in sizes], marker="s", color="tab:blue")
    bottom.axhline(1, color="grey", linewidth=0.8)
    bottom.set_xscale("log")
    bottom.set_xlabel("mini-batch size")
    bottom.set_ylabel("speedup: loop / matrix")
    bottom.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    write_atomically(out, lambda f: fig.savefig(f, format=os.path.splitext(out)[1][1:], dpi=90))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("json", help="the file of pytest --benchmark-json")
    parser.add_argument("--out", default="bench/speedup.png", help="the figure (.png, .svg, .pdf)")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    args = parser.parse_args(argv)
    if os.path.splitext(args.out)[1] not in (".png", ".svg", ".pdf"):
        parser.error(f"--out draws a .png, .svg or .pdf file, not {args.out!r}")
    try:
        import matplotlib                       # noqa: F401
    except ImportError:
        print("plot_speedup.py needs matplotlib, which the rest of the project does not: "
              "pip install matplotlib", file=sys.stderr)
        return 2
    try:
        curves, peak_time = read_sweep(args.json, args.dtype)
    except (OSError, ValueError) as e:
        print(f"plot_speedup.py: cannot read {args.json}: {e}", file=sys.stderr)
        return 1
    except Exception:                       # KeyError, TypeError...: JSON of another shape
        print(f"plot_speedup.py: {args.json} is not the JSON of pytest --benchmark-json",
              file=sys.stderr)
        return 1
    try:
        plot(curves, peak_time, args.dtype, args.out)
    except OSError as e:
        print(f"plot_speedup.py: cannot write {args.out}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
