"""What the tests of tests/ and bench/ share: small data sets, the real
MNIST files, ``python network.py`` run as a program, and a mirror of the
MNIST files on 127.0.0.1."""

import http.server
import os
import pathlib
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent


@pytest.fixture
def training_set():
    """A function that makes n random samples (x, y) in the book's format
    for a network of the given sizes, y a one-hot column."""
    def make(n=60, sizes=(5, 4, 3), seed=3):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((sizes[0], n))
        labels = rng.integers(0, sizes[-1], n)
        return [(X[:, i:i + 1], np.eye(sizes[-1])[:, [labels[i]]]) for i in range(n)]
    return make


@pytest.fixture(scope="session")
def data_dir():
    """The directory of the real MNIST files, $MNIST_DATA_DIR.  Without
    it the tests that need it are skipped, except in CI, where they fail."""
    path = os.environ.get("MNIST_DATA_DIR")
    if not path or not os.path.isdir(path):
        if os.environ.get("CI"):
            pytest.fail("CI must set MNIST_DATA_DIR to the directory of the MNIST files")
        pytest.skip("set MNIST_DATA_DIR to a directory holding the four MNIST files")
    return path


@pytest.fixture(scope="session")
def mnist(data_dir):
    import mnist_loader
    return mnist_loader.load_data_matrices(data_dir)


@pytest.fixture
def program():
    """Start ``python network.py`` with the given arguments; ``env``
    replaces some of the environment (None: remove the variable).  Returns
    the process, its standard streams as pipes of text unless given."""
    processes = []

    def start(*args, env=None, **kwargs):
        environment = dict(os.environ)
        for name, value in (env or {}).items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        kwargs.setdefault("stdout", subprocess.PIPE)
        kwargs.setdefault("stderr", subprocess.PIPE)
        process = subprocess.Popen([sys.executable, str(ROOT / "network.py"), *args], cwd=ROOT,
                                   env=environment, text=True, **kwargs)
        processes.append(process)
        return process
    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.fixture
def run(program):
    """Run ``python network.py`` to its end; return (status, stdout, stderr)."""
    def run_to_end(*args, env=None, timeout=120, **kwargs):
        process = program(*args, env=env, **kwargs)
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err
    return run_to_end


class Mirror(http.server.BaseHTTPRequestHandler):
    """Serves ``routes``: path -> (body, how), where how is "whole", "cut"
    (announce the whole body, send half, hang up), "slow" (wait before
    answering), "stall" (send the headers, then nothing), "trickle" (send
    the body a byte at a time, slowly), "endless" (no Content-Length, and
    bytes without end) or "bad length" (a Content-Length that is not a
    number).  A path not in ``routes`` is 404.  ``requests`` counts the
    requests per path."""
    routes, requests = {}, {}

    def do_GET(self):
        self.requests[self.path] = self.requests.get(self.path, 0) + 1
        body, how = self.routes.get(self.path, (None, "whole"))
        if how == "slow":
            time.sleep(2)
        self.send_response(404 if body is None else 200)
        if how not in ("endless", "bad length"):
            self.send_header("Content-Length", str(len(body or b"")))
        if how == "bad length":
            self.send_header("Content-Length", "lots")
        self.end_headers()
        try:
            if how == "stall":
                self.wfile.flush()
                time.sleep(3)
            elif how == "trickle":
                for i in range(100):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.05)
            elif how == "endless":
                for _ in range(10_000):                 # 640 MB at most, never reached
                    self.wfile.write(bytes(1 << 16))
            elif body is not None:
                self.wfile.write(body[:len(body) // 2] if how == "cut" else body)
        except (BrokenPipeError, ConnectionResetError):
            pass                                        # the client gave up first: fine here

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror():
    """Start an HTTP server on 127.0.0.1; yield a function that serves
    ``body`` at <mirror>/<filename> in the way ``how`` says (see Mirror)
    and returns the mirror's URL.  Its ``requests`` count the requests
    per path."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirror)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    Mirror.routes, Mirror.requests = {}, {}

    def serve(name, filename, body, how="whole"):
        Mirror.routes[f"/{name}/{filename}"] = (body, how)
        return f"http://127.0.0.1:{httpd.server_port}/{name}/"
    serve.requests = Mirror.requests
    yield serve
    httpd.shutdown()
    httpd.server_close()
