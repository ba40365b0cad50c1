"""pytest set-up of the benchmarks: untimed under plain ``pytest``, timed
under ``pytest --benchmark-only``, and a summary of the ratios after."""

import pytest

EPOCH = 50000


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # Plain `pytest` runs every benchmark body once, untimed, so that none
    # of them rots; only --benchmark-only (or --benchmark-enable) times them.
    if not (config.getoption("benchmark_only") or config.getoption("benchmark_enable")):
        config.option.benchmark_disable = True


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, config):
    session = getattr(config, "_benchmarksession", None)
    timed = [b for b in getattr(session, "benchmarks", []) if b.stats]
    if not timed:
        return
    by_group = {(b.group, b.extra_info["kind"]): b for b in timed}
    peak = {b.extra_info["dtype"]: b.extra_info["flops"] / b.stats.median / 1e9
            for b in timed if b.extra_info["kind"] == "peak"}
    write = terminalreporter.write_line
    terminalreporter.section("what matrix batching buys (medians of this run)")
    write("Times: an epoch group's in seconds per 50,000 samples, a step group's in ms.")
    write(f"{'group':44} {'loop':>9} {'matrix':>9} {'torch':>9} {'loop/matrix':>12}"
          f" {'torch/matrix':>13} {'GFLOP/s':>8} {'of peak':>8}")
    for group in sorted({g for g, _ in by_group if g != "numpy peak"}):
        rows = {kind: by_group.get((group, kind)) for kind in ("loop", "matrix", "torch")}
        matrix = rows["matrix"]
        if matrix is None:
            continue
        samples = matrix.extra_info["samples"]
        scale = EPOCH / samples if group.startswith("epoch") else 1000

        def seconds(kind):
            b = rows[kind]
            return f"{b.stats.median * scale:9.3f}" if b else f"{'-':>9}"

        def ratio(kind):
            b = rows[kind]
            return f"{b.stats.median / matrix.stats.median:11.1f}x" if b else f"{'-':>12}"
        gflops = matrix.extra_info["flops"] / matrix.stats.median / 1e9
        dtype = group.split()[-1]
        share = f"{gflops / peak[dtype]:8.0%}" if dtype in peak else f"{'-':>8}"
        write(f"{group:44} {seconds('loop')} {seconds('matrix')} {seconds('torch')}"
              f" {ratio('loop')} {' ' + ratio('torch')} {gflops:8.1f} {share}")
    for dtype, rate in sorted(peak.items()):
        write(f"numpy's large-matmul rate, {dtype}: {rate:.1f} GFLOP/s")
