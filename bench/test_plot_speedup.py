"""plot_speedup.py draws its figure from a benchmark JSON file (skipped
without matplotlib), and says how to install matplotlib when it is
missing."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parent / "plot_speedup.py"


def sweep_json(path):
    """A small file shaped like pytest --benchmark-json's, with three
    mini-batch sizes, three kinds and a peak, in float64."""
    benchmarks = [{"group": "numpy peak", "extra_info": {"kind": "peak", "dtype": "float64",
                                                         "flops": 2 * 2048 ** 3},
                   "stats": {"min": 0.2, "median": 0.25}}]
    for m in (1, 10, 100):
        for kind, per_sample in (("loop", 1e-4), ("matrix", 1e-4 / m ** 0.5),
                                 ("products", 3e-5 / m ** 0.5)):
            benchmarks.append({
                "group": f"sweep 784-30-10 mb{m} float64",
                "extra_info": {"kind": kind, "dtype": "float64", "samples": 2000,
                               "mini_batch_size": m, "flops": 2000 * 95880},
                "stats": {"min": per_sample * 1900, "median": per_sample * 2000}})
    path.write_text(json.dumps({"benchmarks": benchmarks}))
    return path


def test_the_figure_is_drawn(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is optional: pip install matplotlib",
                        exc_type=ImportError)
    out = tmp_path / "speedup.png"
    result = subprocess.run([sys.executable, str(SCRIPT), str(sweep_json(tmp_path / "s.json")),
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "speedup.png"]


def test_a_file_without_a_sweep_is_refused(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is optional: pip install matplotlib",
                        exc_type=ImportError)
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"benchmarks": []}))
    result = subprocess.run([sys.executable, str(SCRIPT), str(empty)], capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert "no sweep rows for float64: make it with pytest --benchmark-only -m sweep" in \
        result.stderr


def test_a_bad_file_or_figure_is_one_line(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is optional: pip install matplotlib",
                        exc_type=ImportError)
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "odd.json").write_text(json.dumps({"benchmarks": 5}))
    os.mkfifo(tmp_path / "fifo.json")                   # reading it would wait for ever
    for args, message in [
            ([str(tmp_path / "list.json")], f"{tmp_path / 'list.json'} is not the JSON of pytest "
                                            f"--benchmark-json"),
            ([str(tmp_path / "odd.json")], f"{tmp_path / 'odd.json'} is not the JSON of pytest"),
            ([str(tmp_path / "fifo.json")], f"cannot read {tmp_path / 'fifo.json'}: it is not a "
                                            f"regular file"),
            ([str(tmp_path / "list.json"), "--out", "x.txt"],
             "error: --out draws a .png, .svg or .pdf file, not 'x.txt'")]:
        result = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode in (1, 2) and "Traceback" not in result.stderr
        assert message in result.stderr.splitlines()[-1]


def test_without_matplotlib_it_says_how_to_install_it(tmp_path):
    hide = ("import runpy, sys; sys.modules['matplotlib'] = None; "
            f"sys.argv = ['plot_speedup.py', {str(tmp_path / 's.json')!r}]; "
            f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True)
    assert result.returncode == 2
    assert "pip install matplotlib" in result.stderr and "Traceback" not in result.stderr
