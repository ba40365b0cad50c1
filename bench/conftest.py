"""pytest set-up of the benchmarks: untimed under plain ``pytest``, timed
under ``pytest --benchmark-only``, and a summary of the ratios after."""

import pytest

EPOCH = 50000
NOISY = 0.2           # a row whose rounds' interquartile range exceeds this share of the median
TIMED = pytest.StashKey[list]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # Plain `pytest` runs every benchmark body once, untimed, so that none
    # of them rots; only --benchmark-only (or --benchmark-enable) times them.
    if not (config.getoption("benchmark_only") or config.getoption("benchmark_enable")):
        config.option.benchmark_disable = True


@pytest.hookimpl(wrapper=True)
def pytest_benchmark_group_stats(config, benchmarks, group_by):
    # pytest-benchmark's public hook hands over every timed benchmark, as
    # a flat dict of its group, extra_info and statistics: keep them.
    config.stash[TIMED] = [b for b in benchmarks if not b.get("source") or b["source"] == "NOW"]
    return (yield)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, config):
    timed = config.stash.get(TIMED, [])
    if not timed:
        return
    rows = {(b["group"], b["extra_info"]["kind"]): b for b in timed}
    # The best of the peak's measurements: noise can only slow a run down.
    peak = {}
    for b in timed:
        if b["extra_info"]["kind"] == "peak":
            dtype = b["extra_info"]["dtype"]
            peak[dtype] = max(peak.get(dtype, 0), b["extra_info"]["flops"] / b["min"] / 1e9)
    noisy = []
    write = terminalreporter.write_line

    def median(b, scale):
        if b is None:
            return f"{'-':>9}"
        if b["iqr"] > NOISY * b["median"]:
            noisy.append(b["name"])
            return f"{b['median'] * scale:8.3f}*"
        return f"{b['median'] * scale:9.3f}"

    def ratio(b, matrix):
        return f"{b['median'] / matrix['median']:11.1f}x" if b else f"{'-':>12}"

    def share(gflops, dtype):
        # Above 100% the run was noisier than the peak's best: say so.
        if dtype not in peak:
            return f"{'-':>8}"
        return f"{gflops / peak[dtype]:8.0%}" if gflops <= peak[dtype] else f"{'noisy':>8}"

    groups = sorted({g for g, _ in rows if g != "numpy peak" and not g.startswith("sweep")})
    if groups:
        terminalreporter.section("what matrix batching buys (medians of this run)")
        write("Times: an epoch group's in seconds per 50,000 samples, a step group's in ms.")
        write(f"{'group':44} {'loop':>9} {'matrix':>9} {'torch':>9} {'loop/matrix':>12}"
              f" {'torch/matrix':>13} {'GFLOP/s':>8} {'of peak':>8}")
    for group in groups:
        loop, matrix, torch = (rows.get((group, kind)) for kind in ("loop", "matrix", "torch"))
        if matrix is None:
            continue
        scale = EPOCH / matrix["extra_info"]["samples"] if group.startswith("epoch") else 1000
        gflops = matrix["extra_info"]["flops"] / matrix["median"] / 1e9
        write(f"{group:44} {median(loop, scale)} {median(matrix, scale)} {median(torch, scale)}"
              f" {ratio(loop, matrix)} {' ' + ratio(torch, matrix)} {gflops:8.1f}"
              f" {share(gflops, matrix['extra_info']['dtype'])}")

    for group in groups:
        monitor, matrix = rows.get((group, "monitor")), rows.get((group, "matrix"))
        if monitor and matrix:
            write(f"Monitoring the training data (--monitor-training) in {group}: "
                  f"{monitor['median'] * EPOCH / monitor['extra_info']['samples']:.3f} s per "
                  f"50,000 samples, {monitor['median'] / matrix['median']:.0%} of the epoch's "
                  f"time on the matrix path.")

    for group in groups:
        products, matrix = rows.get((group, "products")), rows.get((group, "matrix"))
        if products and matrix:
            write(f"The matrix products alone in {group}: "
                  f"{products['median'] * EPOCH / products['extra_info']['samples']:.3f} s per "
                  f"50,000 samples, {products['median'] / products['extra_info']['samples'] / (matrix['median'] / matrix['extra_info']['samples']):.0%} "
                  f"of the vectorised epoch.")

    sweep = sorted({g for g, _ in rows if g.startswith("sweep")},
                   key=lambda g: (rows[g, "matrix"]["extra_info"]["dtype"],
                                  rows[g, "matrix"]["extra_info"]["mini_batch_size"])
                   if (g, "matrix") in rows else (g, 0))
    if sweep:
        terminalreporter.section("the mini-batch sweep, [784, 30, 10] (medians, s per 50,000)")
        write(f"{'dtype':8} {'mini-batch':>10} {'loop':>9} {'matrix':>9} {'products':>9}"
              f" {'peak limit':>10} {'loop/matrix':>12} {'of peak':>8}")
    for group in sweep:
        loop, matrix, products = (rows.get((group, k)) for k in ("loop", "matrix", "products"))
        if matrix is None:
            continue
        dtype, m = matrix["extra_info"]["dtype"], matrix["extra_info"]["mini_batch_size"]
        scale = EPOCH / matrix["extra_info"]["samples"]
        gflops = matrix["extra_info"]["flops"] / matrix["median"] / 1e9
        limit = (f"{matrix['extra_info']['flops'] * scale / peak[dtype] / 1e9:10.3f}"
                 if dtype in peak else f"{'-':>10}")
        products_scale = EPOCH / products["extra_info"]["samples"] if products else 1
        write(f"{dtype:8} {m:>10} {median(loop, scale)} {median(matrix, scale)}"
              f" {median(products, products_scale)} {limit} {ratio(loop, matrix)}"
              f" {share(gflops, dtype)}")
    for dtype, rate in sorted(peak.items()):
        write(f"numpy's large-matmul rate, {dtype}: {rate:.1f} GFLOP/s (the best of its runs)")
    if noisy:
        write(f"* noisy: the middle half of the rounds of {len(noisy)} row(s) spread over more "
              f"than {NOISY:.0%} of their median; take those figures as rough.")
