"""One training step of ``FullyConnectedNet`` against PyTorch on the CPU.

A *step* is what a mini-batch costs during training: forward pass, softmax
loss, backward pass and one Adam update of every parameter.

* **course_lib**: ``loss, grads = net.loss(X, y)`` followed by
  ``optim.adam(w, dw, config)`` for every entry of ``net.params`` (what
  ``Trainer.train_step`` does, without its bookkeeping).
* **PyTorch**: the same network (``nn.Linear`` + ``nn.ReLU``, cross-entropy,
  ``torch.optim.Adam`` with its CPU defaults) started from the same weights,
  on the same batch: ``zero_grad``, forward, ``backward``, ``step``.
* **GEMM floor**: only the matrix products of the course_lib step, timed alone
  in NumPy: ``h @ W`` per layer forward, ``h.T @ d`` (``dW``) per layer and
  ``d @ W.T`` (``dh``) for every layer but the first backward. A step cannot be
  faster than its products; the distance to the floor is the overhead of
  everything else (elementwise work, temporaries, Python).

Both libraries get the same number of threads (``threadpoolctl`` for NumPy's
BLAS, ``torch.set_num_threads`` for PyTorch). All are timed in interleaved
rounds (A, B, C, D, then D, C, B, A, ...), so a change in machine load hits
them alike; each sample times enough consecutive steps to last about
``--target-ms``. With more than one thread the timing pauses (``--pause-ms``)
when it switches between NumPy and PyTorch: OpenBLAS's idle workers spin for
about 0.1 s after a call and would otherwise take a core from PyTorch's
threads (measured here: PyTorch's products took 1.8x as long right after
NumPy's). Reported per configuration: the median and the minimum time of one
step, and two ratios: the median of the per-round ratios (the headline,
robust to load that changes between rounds) and the ratio of the minima.
Also shown for context: PyTorch's own products timed alone (``torch.mm``).

Before timing, the benchmark checks that both steps compute the same loss and
the same updated parameters from the same start (this is what makes the
comparison fair) and prints the largest difference.

Run from the repository root::

    python -m benchmarks.step                      # full run (about two minutes)
    python -m benchmarks.step --quick              # a few seconds, rough numbers
    python -m benchmarks.step --threads 1 --json out.json

``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` change which kernels NumPy's
OpenBLAS uses; the output reports their values and the kernel in use.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from course_lib import optim
from course_lib.model import FullyConnectedNet

DEFAULT_SIZES = ("784-512-256-10", "64-100-100-10")
DEFAULT_DTYPES = ("float32", "float64")
DEFAULT_THREADS = (1, 2)
DEFAULT_BATCH = 256
#: Adam hyperparameters of both steps (course_lib's defaults, PyTorch's too).
ADAM = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
#: The issue's goals: course_lib step / PyTorch step, course_lib step / GEMM floor.
GOAL_VS_TORCH = 1.25
GOAL_VS_FLOOR = 1.5
#: Idle time when the timing switches library, with more than one thread.
DEFAULT_PAUSE_S = 0.2
ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
            "OMP_NUM_THREADS", "MKL_NUM_THREADS")


# --------------------------------------------------------------------------- set-up
def parse_sizes(text):
    """Layer widths ``(input, hidden..., classes)``: ``'784-512-10'`` -> ``(784, 512, 10)``."""
    dims = tuple(int(part) for part in str(text).split("-"))
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"sizes must look like 784-512-256-10, got {text!r}")
    return dims


def make_batch(dims, batch, dtype, seed=0):
    """A standard-normal input batch of shape ``(batch, dims[0])`` and random labels."""
    rng = np.random.default_rng([seed, 7])
    X = rng.standard_normal((batch, dims[0])).astype(dtype)
    y = rng.integers(0, dims[-1], size=batch)
    return X, y


def _he_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in)


class CourseLibStep:
    """One course_lib training step on a fixed batch; call it to take a step.

    Parameters
    ----------
    dims : sequence of int
        ``(input_dim, hidden..., num_classes)``.
    X : ndarray of shape (N, dims[0])
    y : ndarray of shape (N,), int
    dtype : numpy dtype
    seed : int
        Seeds the initial weights (He normal, biases 0).
    """

    def __init__(self, dims, X, y, dtype, seed=0):
        self.net = FullyConnectedNet(list(dims[1:-1]), input_dim=dims[0], num_classes=dims[-1],
                                     activation="relu", init=_he_normal, dtype=dtype, seed=seed)
        self.X = np.ascontiguousarray(X, dtype=dtype)
        self.y = np.asarray(y)
        self.configs = {name: dict(ADAM) for name in self.net.params}

    def __call__(self):
        """Forward, backward and Adam update; returns the loss before the update (a float)."""
        loss, grads = self.net.loss(self.X, self.y)
        params, configs = self.net.params, self.configs
        for name in params:
            params[name], configs[name] = optim.adam(params[name], grads[name], configs[name])
        return loss

    def layers(self):
        """``[(W, b), ...]`` of every affine layer, ``W`` of shape (fan_in, fan_out)."""
        p = self.net.params
        return [(p[f"W{l}"], p[f"b{l}"]) for l in range(1, self.net.num_layers + 1)]


class TorchStep:
    """The same network and step in PyTorch, started from the given weights.

    Parameters
    ----------
    layers : list of (W, b)
        ``W`` of shape (fan_in, fan_out) as in course_lib (copied, transposed
        into ``nn.Linear.weight``).
    X, y : ndarray
        The batch (``X`` in the dtype of the weights).
    """

    def __init__(self, layers, X, y):
        import torch

        self.torch = torch
        dtype = getattr(torch, np.dtype(layers[0][0].dtype).name)
        modules = []
        for i, (W, b) in enumerate(layers):
            linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                linear.bias.copy_(torch.from_numpy(np.array(b)))
            modules.append(linear)
            if i < len(layers) - 1:
                modules.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*modules)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=ADAM["learning_rate"],
                                          betas=(ADAM["beta1"], ADAM["beta2"]),
                                          eps=ADAM["epsilon"])
        self.X = torch.from_numpy(np.ascontiguousarray(X))
        self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))

    def __call__(self):
        """Forward, backward and Adam update; returns the loss before the update (a tensor)."""
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.torch.nn.functional.cross_entropy(self.model(self.X), self.y)
        loss.backward()
        self.optimizer.step()
        return loss

    def layers(self):
        """``[(W, b), ...]`` as NumPy copies, ``W`` of shape (fan_in, fan_out)."""
        linears = [m for m in self.model if isinstance(m, self.torch.nn.Linear)]
        return [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy())
                for m in linears]


def numpy_gemm_floor(dims, batch, dtype, seed=0):
    """A function doing only the matrix products of one course_lib step, in NumPy.

    Same shapes, dtype and operand layouts as ``FullyConnectedNet.loss``:
    forward ``h @ W`` for every layer; backward ``h.T @ d`` (``dW``) for every
    layer and ``d @ W.T`` (``dh``) for every layer but the first (the model
    skips the gradient with respect to the input).
    """
    rng = np.random.default_rng([seed, 11])
    L = len(dims) - 1
    hs = [rng.standard_normal((batch, dims[l])).astype(dtype) for l in range(L)]
    Ws = [rng.standard_normal((dims[l], dims[l + 1])).astype(dtype) for l in range(L)]
    ds = [rng.standard_normal((batch, dims[l + 1])).astype(dtype) for l in range(L)]

    def products():
        for l in range(L):
            hs[l] @ Ws[l]
        for l in range(L - 1, -1, -1):
            hs[l].T @ ds[l]
            if l > 0:
                ds[l] @ Ws[l].T

    return products


def torch_gemm_floor(dims, batch, dtype, seed=0):
    """The matrix products of one PyTorch step (``torch.mm``, torch's layouts), for context."""
    import torch

    tdtype = getattr(torch, np.dtype(dtype).name)
    gen = torch.Generator().manual_seed(seed)
    L = len(dims) - 1
    hs = [torch.randn(batch, dims[l], generator=gen, dtype=tdtype) for l in range(L)]
    Ws = [torch.randn(dims[l + 1], dims[l], generator=gen, dtype=tdtype) for l in range(L)]
    ds = [torch.randn(batch, dims[l + 1], generator=gen, dtype=tdtype) for l in range(L)]

    def products():
        for l in range(L):
            torch.mm(hs[l], Ws[l].t())
        for l in range(L - 1, -1, -1):
            torch.mm(ds[l].t(), hs[l])
            if l > 0:
                torch.mm(ds[l], Ws[l])

    return products


def gemm_flops(dims, batch):
    """Floating-point operations of the products of one step (2 per multiply-add)."""
    L = len(dims) - 1
    forward = sum(2 * batch * dims[l] * dims[l + 1] for l in range(L))
    backward_dh = sum(2 * batch * dims[l] * dims[l + 1] for l in range(1, L))
    return 2 * forward + backward_dh


# --------------------------------------------------------------------------- equivalence
def check_equivalence(dims, dtype, batch=DEFAULT_BATCH, steps=2, seed=0):
    """Take ``steps`` steps with both libraries from the same weights on the same batch.

    Returns
    -------
    dict with ``losses_course_lib`` and ``losses_torch`` (one float per step,
    the loss before that step's update), ``max_loss_rel_diff``,
    ``max_param_abs_diff`` (over every weight and bias after the last step)
    and ``max_param_diff_in_lr`` (the same in units of the learning rate: an
    Adam step moves a parameter by at most about one learning rate).
    """
    X, y = make_batch(dims, batch, dtype, seed)
    ours = CourseLibStep(dims, X, y, dtype, seed)
    theirs = TorchStep(ours.layers(), X, y)
    losses_ours, losses_theirs = [], []
    for _ in range(steps):
        losses_ours.append(float(ours()))
        losses_theirs.append(float(theirs().detach()))
    diff = 0.0
    for (W, b), (Wt, bt) in zip(ours.layers(), theirs.layers()):
        diff = max(diff, float(np.max(np.abs(W - Wt))), float(np.max(np.abs(b - bt))))
    rel = max(abs(a - b) / max(abs(a), abs(b), 1e-30) for a, b in zip(losses_ours, losses_theirs))
    return {"losses_course_lib": losses_ours, "losses_torch": losses_theirs,
            "max_loss_rel_diff": rel, "max_param_abs_diff": diff,
            "max_param_diff_in_lr": diff / ADAM["learning_rate"]}


# --------------------------------------------------------------------------- timing
#: Clocks a sample can be timed with: elapsed time, or CPU time of the calling thread.
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


def _time_calls(fn, calls, clock=time.perf_counter):
    start = clock()
    for _ in range(calls):
        fn()
    return (clock() - start) / calls


def time_interleaved(functions, repeats, target_s=0.02, warmup_s=0.2, groups=None,
                     pause_s=0.0, clock="wall"):
    """Seconds per call of each function, sampled in interleaved rounds.

    Parameters
    ----------
    functions : dict of str -> callable
    repeats : int
        Number of rounds; every round takes one sample of every function, in
        the dict's order on even rounds and in reverse on odd ones.
    target_s : float
        Each sample times as many consecutive calls as last about this long.
    warmup_s : float
        Untimed calls of every function before the first round.
    groups : dict of str -> str, optional
        The library (thread pool) each function runs on.
    pause_s : float
        Idle time before a sample whose group differs from the previous
        sample's. With several threads, a BLAS or OpenMP pool keeps its
        workers spinning for a while after a call (OpenBLAS: 2**28 cycles,
        about 0.1 s); without the pause they would steal cores from the other
        library's first calls. List the functions grouped by library so that
        a round switches library once.
    clock : {'wall', 'cpu'}
        ``'wall'``: elapsed time. ``'cpu'``: CPU time of the calling thread,
        which leaves out the time the thread waited for a core while other
        jobs ran; it is the whole work only when everything runs on that
        thread (one thread for both libraries).

    Returns
    -------
    samples : dict of str -> list of float (seconds per call, one per round)
    calls : dict of str -> int (calls per sample)
    """
    names = list(functions)
    per_call = {}
    for name in names:                        # warm-up, then a first estimate
        fn = functions[name]
        fn()
        start, count = time.perf_counter(), 0
        while True:
            fn()
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= warmup_s:
                break
        per_call[name] = elapsed / count
    calls = {name: max(1, round(target_s / per_call[name])) for name in names}
    samples = {name: [] for name in names}
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    groups = groups or {}
    timer = CLOCKS[clock]
    previous = None
    try:
        for r in range(repeats):
            for name in (names if r % 2 == 0 else names[::-1]):
                group = groups.get(name, name)
                if pause_s > 0 and previous is not None and group != previous:
                    time.sleep(pause_s)
                previous = group
                samples[name].append(_time_calls(functions[name], calls[name], timer))
    finally:
        if was_enabled:
            gc.enable()
    return samples, calls


def _summary(samples):
    return {"median_ms": 1e3 * statistics.median(samples), "min_ms": 1e3 * min(samples)}


def _ratios(numerator, denominator):
    paired = [a / b for a, b in zip(numerator, denominator)]
    return {"median": statistics.median(paired), "of_min": min(numerator) / min(denominator)}


# --------------------------------------------------------------------------- environment
def _have_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def numpy_blas_info():
    """threadpoolctl's description of the BLAS NumPy uses (a dict), or ``None``."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    numpy_dir = str(Path(np.__file__).resolve().parent)
    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    for info in blas:                        # numpy's own copy (numpy.libs / numpy dir)
        path = str(info.get("filepath", ""))
        if path.startswith(numpy_dir) or "numpy.libs" in path:
            return info
    return blas[0] if blas else None


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def environment():
    """Versions, CPU, BLAS, thread-related environment variables and the load average."""
    env = {"python": platform.python_version(), "numpy": np.__version__,
           "cpu": _cpu_model(), "cpu_count": os.cpu_count(), "loadavg": _loadavg(),
           "numpy_blas": numpy_blas_info(),
           "env": {name: os.environ.get(name) for name in ENV_VARS}}
    if _have_torch():
        import torch
        config = torch.__config__.show()
        env["torch"] = torch.__version__
        env["torch_blas"] = ("MKL" if "BLAS_INFO=mkl" in config else
                             config.split("BLAS_INFO=")[1].split(",")[0]
                             if "BLAS_INFO=" in config else "unknown")
    return env


class _Threads:
    """Context: ``n`` threads for every thread pool threadpoolctl knows and for torch."""

    def __init__(self, n, use_torch):
        self.n, self.use_torch = n, use_torch

    def __enter__(self):
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            self.limits = None
            print("warning: threadpoolctl is missing: NumPy's BLAS threads are not set",
                  file=sys.stderr)
        else:
            self.limits = threadpool_limits(limits=self.n)
        if self.use_torch:
            import torch
            self.torch_before = torch.get_num_threads()
            torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self.use_torch:
            import torch
            torch.set_num_threads(self.torch_before)
        if self.limits is not None:
            self.limits.restore_original_limits()


# --------------------------------------------------------------------------- the run
def run_config(dims, dtype, threads, batch, repeats, target_s, warmup_s, use_torch, seed=0,
               pause_s=None, clock="wall"):
    """Time one (sizes, dtype, threads) configuration; returns one result row (a dict).

    ``pause_s`` (default: 0.2 s with more than one thread, else 0) is the idle
    time when the timing switches between NumPy and PyTorch (see
    :func:`time_interleaved`).
    """
    if pause_s is None:
        pause_s = DEFAULT_PAUSE_S if threads > 1 else 0.0
    if clock == "cpu" and threads != 1:
        raise ValueError("the cpu clock times the calling thread only: use it with one thread")
    dtype = np.dtype(dtype)
    X, y = make_batch(dims, batch, dtype, seed)
    with _Threads(threads, use_torch):
        blas = numpy_blas_info()
        ours = CourseLibStep(dims, X, y, dtype, seed)
        # grouped by library: a round switches between NumPy and PyTorch once
        functions = {"course_lib": ours, "numpy_gemm": numpy_gemm_floor(dims, batch, dtype, seed)}
        if use_torch:
            functions["torch"] = TorchStep(ours.layers(), X, y)
            functions["torch_gemm"] = torch_gemm_floor(dims, batch, dtype, seed)
        groups = {"course_lib": "numpy", "numpy_gemm": "numpy", "torch": "torch",
                  "torch_gemm": "torch"}
        load_before = _loadavg()
        samples, calls = time_interleaved(functions, repeats, target_s, warmup_s, groups,
                                          pause_s, clock)
        row = {"sizes": "-".join(map(str, dims)), "dtype": dtype.name, "threads": threads,
               "batch": batch, "repeats": repeats, "calls_per_sample": calls,
               "pause_ms": 1e3 * pause_s, "clock": clock,
               "numpy_blas_threads": None if blas is None else blas.get("num_threads"),
               "loadavg_before": load_before, "loadavg_after": _loadavg(),
               "gemm_gflop": gemm_flops(dims, batch) / 1e9,
               "times": {name: _summary(s) for name, s in samples.items()},
               "samples_ms": {name: [1e3 * t for t in s] for name, s in samples.items()}}
        if use_torch:
            import torch
            row["torch_threads"] = torch.get_num_threads()
            row["course_lib_vs_torch"] = _ratios(samples["course_lib"], samples["torch"])
            row["torch_vs_numpy_gemm"] = _ratios(samples["torch"], samples["numpy_gemm"])
        row["course_lib_vs_numpy_gemm"] = _ratios(samples["course_lib"], samples["numpy_gemm"])
    return row


def check_all(sizes=DEFAULT_SIZES, dtypes=DEFAULT_DTYPES, batch=DEFAULT_BATCH, seed=0):
    """:func:`check_equivalence` for every size and dtype; a list of dicts."""
    checks = []
    for text in sizes:
        dims = parse_sizes(text)
        for dtype in dtypes:
            checks.append({"sizes": "-".join(map(str, dims)), "dtype": np.dtype(dtype).name,
                           **check_equivalence(dims, dtype, batch, seed=seed)})
    return checks


def run(sizes=DEFAULT_SIZES, dtypes=DEFAULT_DTYPES, threads=DEFAULT_THREADS,
        batch=DEFAULT_BATCH, repeats=30, target_s=0.02, warmup_s=0.2, use_torch=None,
        seed=0, progress=None, pause_s=None, clock="wall"):
    """Time every (sizes, dtype, threads) configuration; a list of result rows (dicts)."""
    if use_torch is None:
        use_torch = _have_torch()
    results = []
    for text in sizes:
        dims = parse_sizes(text)
        for dtype in dtypes:
            for n in threads:
                row = run_config(dims, dtype, n, batch, repeats, target_s, warmup_s,
                                 use_torch, seed, pause_s, clock)
                results.append(row)
                if progress is not None:
                    progress(row)
    return results


# --------------------------------------------------------------------------- report
def _fmt_time(t):
    return f"{t['median_ms']:8.3f} {t['min_ms']:8.3f}"


def _fmt_ratio(r, goal):
    mark = "ok" if r["median"] <= goal else "--"
    return f"{r['median']:5.2f} ({r['of_min']:4.2f}) {mark}"


def _columns(use_torch):
    """(title, width) of every column of the table."""
    cols = [("sizes", 15), ("dtype", 7), ("thr", 3), ("course_lib ms", 17)]
    if use_torch:
        cols.append(("torch ms", 17))
    cols.append(("NumPy GEMM ms", 17))
    if use_torch:
        cols.append(("cl/torch", 15))
    cols.append(("cl/GEMM", 15))
    if use_torch:
        cols += [("torch/GEMM", 10), ("torch GEMM ms", 13)]
    cols.append(("load", 5))
    return cols


def header(use_torch):
    """Two header lines: titles, then median/min under every time column."""
    titles, subs = [], []
    for title, width in _columns(use_torch):
        titles.append(f"{title:<{width}}" if title in ("sizes", "dtype") else f"{title:>{width}}")
        if title.endswith(" ms") and width == 17:
            subs.append(f"{'median':>8} {'min':>8}")
        elif title.startswith("cl/"):
            subs.append(f"{'med':>5} {'(min)':>6}   ")
        else:
            subs.append(" " * width)
    return "  ".join(titles) + "\n" + "  ".join(subs).rstrip()


def format_row(row):
    """One line of the table for a result row of :func:`run_config`."""
    t = row["times"]
    use_torch = "torch" in t
    cols = [f"{row['sizes']:<15}", f"{row['dtype']:<7}", f"{row['threads']:>3}",
            _fmt_time(t["course_lib"])]
    if use_torch:
        cols.append(_fmt_time(t["torch"]))
    cols.append(_fmt_time(t["numpy_gemm"]))
    if use_torch:
        cols.append(_fmt_ratio(row["course_lib_vs_torch"], GOAL_VS_TORCH))
    cols.append(_fmt_ratio(row["course_lib_vs_numpy_gemm"], GOAL_VS_FLOOR))
    if use_torch:
        cols.append(f"{row['torch_vs_numpy_gemm']['median']:10.2f}")
        cols.append(f"{t['torch_gemm']['median_ms']:13.3f}")
    cols.append(f"{row['loadavg_after'][0]:5.2f}" if row["loadavg_after"] else "    ?")
    return "  ".join(cols)


def describe_environment(env):
    lines = [f"python {env['python']}, numpy {env['numpy']}"
             + (f", torch {env['torch']} ({env['torch_blas']})" if "torch" in env else
                ", torch not installed")]
    lines.append(f"cpu: {env['cpu']} ({env['cpu_count']} logical cores)")
    blas = env["numpy_blas"]
    if blas is None:
        lines.append("numpy BLAS: unknown (threadpoolctl missing)")
    else:
        lines.append(f"numpy BLAS: {blas.get('internal_api')} {blas.get('version')}, "
                     f"kernel architecture {blas.get('architecture')}, "
                     f"threading {blas.get('threading_layer')}, "
                     f"{blas.get('num_threads')} threads by default")
    lines.append("environment: " + ", ".join(f"{k}={v if v is not None else '(unset)'}"
                                             for k, v in env["env"].items()))
    lines.append(f"load average at start (1, 5, 15 min): {env['loadavg']}")
    return "\n".join(lines)


def describe_equivalence(equivalence):
    lines = []
    for eq in equivalence:
        lines.append(f"same step check {eq['sizes']} {eq['dtype']}: loss "
                     f"{eq['losses_course_lib'][0]:.6f} vs {eq['losses_torch'][0]:.6f} "
                     f"(max rel diff {eq['max_loss_rel_diff']:.1e} over "
                     f"{len(eq['losses_torch'])} steps), params max abs diff "
                     f"{eq['max_param_abs_diff']:.1e} = {eq['max_param_diff_in_lr']:.1e} lr")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.step",
        description="Time one training step (forward, backward, Adam) of course_lib's "
                    "FullyConnectedNet against PyTorch on the CPU and against the step's "
                    "matrix products alone.")
    parser.add_argument("--threads", type=int, nargs="+", default=list(DEFAULT_THREADS),
                        help="thread counts to run, each for both libraries (default: 1 2)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="interleaved rounds per configuration (default 30, --quick 5)")
    parser.add_argument("--quick", action="store_true",
                        help="few short samples: a rough answer in seconds")
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES),
                        help="layer widths input-hidden...-classes (default: %(default)s)")
    parser.add_argument("--dtypes", nargs="+", default=list(DEFAULT_DTYPES),
                        choices=["float32", "float64"])
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH)
    parser.add_argument("--target-ms", type=float, default=None,
                        help="length of one timed sample (default 20 ms, --quick 5 ms)")
    parser.add_argument("--pause-ms", type=float, default=None,
                        help="idle time when switching between NumPy and PyTorch, so that "
                             "one library's spinning worker threads have gone to sleep "
                             f"(default {1e3 * DEFAULT_PAUSE_S:g} ms with more than one "
                             "thread, 0 with one)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall: elapsed time (default); cpu: CPU time of the main thread, "
                             "less sensitive to other jobs on the machine (only with --threads 1)")
    parser.add_argument("--no-torch", action="store_true",
                        help="time course_lib and the floor only")
    parser.add_argument("--no-check", action="store_true",
                        help="skip the check that both steps compute the same thing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write every result and sample here")
    args = parser.parse_args(argv)
    if args.clock == "cpu" and args.threads != [1]:
        parser.error("--clock cpu times the main thread only: use it with --threads 1")

    repeats = args.repeats or (5 if args.quick else 30)
    target_s = (args.target_ms if args.target_ms is not None else 5 if args.quick else 20) / 1e3
    warmup_s = 0.05 if args.quick else 0.2
    use_torch = not args.no_torch and _have_torch()
    if not use_torch and not args.no_torch:
        print("torch is not installed: timing course_lib and the GEMM floor only")

    env = environment()
    print(describe_environment(env))
    equivalence = []
    if use_torch and not args.no_check:
        equivalence = check_all(args.sizes, args.dtypes, args.batch, args.seed)
        print(describe_equivalence(equivalence))
    print(f"batch {args.batch}, {repeats} interleaved rounds, ~{1e3 * target_s:g} ms per sample, "
          f"{'CPU time of the main thread' if args.clock == 'cpu' else 'wall-clock time'}; "
          "times per step; ratios: median of per-round ratios (ratio of minima), "
          "ok = within the goal")
    print(f"goals: course_lib/torch <= {GOAL_VS_TORCH}, course_lib/GEMM floor <= {GOAL_VS_FLOOR}")
    print()
    print(header(use_torch), flush=True)
    results = run(args.sizes, args.dtypes, args.threads, args.batch, repeats, target_s,
                  warmup_s, use_torch, args.seed,
                  progress=lambda row: print(format_row(row), flush=True),
                  pause_s=None if args.pause_ms is None else args.pause_ms / 1e3,
                  clock=args.clock)
    load_end = _loadavg()
    print(f"load average at end (1, 5, 15 min): {load_end}")
    result = {"command": "python -m benchmarks.step " + " ".join(
                  sys.argv[1:] if argv is None else argv),
              "environment": env, "loadavg_end": load_end, "equivalence": equivalence,
              "goals": {"course_lib_vs_torch": GOAL_VS_TORCH,
                        "course_lib_vs_numpy_gemm": GOAL_VS_FLOOR},
              "results": results}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str) + "\n")
        print(f"wrote {args.json}")
    return result


if __name__ == "__main__":
    main()
