#!/usr/bin/env python3
"""The method of docs/method.md (damped Newton on the last layer, SGD on the rest) in PyTorch
float64, written the way a PyTorch user would: autograd for the front layers, the last
layer's gradient and Hessian from their closed forms, torch.linalg.cholesky_ex and
two triangular solves for the damped system. It is the peer dnsgd is timed against.

It installs nothing. Run by bench/run.js as
    python3 bench/torch_dnsgd.py --probe                 (versions and BLAS kernel, as JSON)
    python3 bench/torch_dnsgd.py --serve --threads N     (jobs as JSON lines on stdin)
"""
import argparse
import ctypes
import json
import math
import os
import platform
import re
import sys
import time

try:
    import torch
except ImportError as e:  # the orchestrator reads this line and skips the peer
    sys.stdout.write("@@result " + json.dumps(
        {"available": False, "reason": f"cannot import torch: {e}"}) + "\n")
    sys.exit(3)

torch.set_default_dtype(torch.float64)


# ---------------------------------------------------------------------------------------------
# BLAS: which library torch runs on, which kernel it picked, and its own thread count (OpenBLAS
# keeps a pthread pool of its own that torch.set_num_threads does not reach).

def _loaded_blas_libraries():
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return []
    names = set(re.findall(r"(/\S+\.so[.\d]*)", maps))
    return sorted(n for n in names if re.search(r"openblas|libblas|mkl_rt|libmkl", n))


def _openblas_handle():
    for lib in _loaded_blas_libraries():
        try:
            h = ctypes.CDLL(lib)
            h.openblas_get_corename  # raises AttributeError unless this is OpenBLAS
            return lib, h
        except (OSError, AttributeError):
            continue
    return None, None


def blas_info():
    lib, h = _openblas_handle()
    info = {"libraries": _loaded_blas_libraries(), "openblas": None}
    if h is not None:
        h.openblas_get_corename.restype = ctypes.c_char_p
        h.openblas_get_config.restype = ctypes.c_char_p
        info["openblas"] = {
            "library": lib,
            "corename": h.openblas_get_corename().decode(),
            "config": h.openblas_get_config().decode(),
            "threads": h.openblas_get_num_threads(),
        }
    return info


def set_threads(n):
    torch.set_num_threads(n)
    _, h = _openblas_handle()
    if h is not None:
        h.openblas_set_num_threads(n)


def probe():
    # The first product loads the BLAS library, so the kernel can be read afterwards.
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    torch.linalg.cholesky(a @ a.T + 64 * torch.eye(64))
    return {
        "available": True,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "config": torch.__config__.show(),
        "parallel": torch.__config__.parallel_info(),
        "defaultThreads": torch.get_num_threads(),
        "blas": blas_info(),
        "env": {k: os.environ.get(k) for k in
                ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                 "OMP_NUM_THREADS")},
    }


# ---------------------------------------------------------------------------------------------
# The network: nn.Linear-style weight and bias tensors per layer. dnsgd's flat layout (docs/method.md:
# W(l) is n_{l+1} x (n_l + 1), bias in column 0, layer after layer) is only used to load and
# save parameters for the cross-check.

ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
       "identity": lambda z: z}


class Net:
    def __init__(self, layers, output, activation="sigmoid", flat=None, seed=0):
        self.layers = list(layers)
        self.output = output
        self.act = ACT[activation]
        self.W, self.b = [], []
        if flat is None:
            g = torch.Generator().manual_seed(seed)
            for d, h in zip(layers[:-1], layers[1:]):
                lim = math.sqrt(6.0 / (d + h))
                self.W.append((torch.rand(h, d, generator=g) * 2 - 1) * lim)
                self.b.append(torch.zeros(h))
        else:
            self.load_flat(flat)
        self.front = []
        for w, b in zip(self.W[:-1], self.b[:-1]):
            self.front += [w, b]
        for p in self.front:
            p.requires_grad_(True)

    def load_flat(self, flat):
        off = 0
        self.W, self.b = [], []
        for d, h in zip(self.layers[:-1], self.layers[1:]):
            m = flat[off:off + h * (d + 1)].reshape(h, d + 1).clone()
            self.b.append(m[:, 0].contiguous())
            self.W.append(m[:, 1:].contiguous())
            off += h * (d + 1)

    def flat(self):
        parts = [torch.cat([b.detach()[:, None], w.detach()], 1).reshape(-1)
                 for w, b in zip(self.W, self.b)]
        return torch.cat(parts)

    def features(self, x):
        """The last layer's input (without its leading 1)."""
        a = x
        for w, b in zip(self.W[:-1], self.b[:-1]):
            a = self.act(torch.addmm(b, a, w.T))
        return a

    def head(self, a):
        return torch.addmm(self.b[-1], a, self.W[-1].T)

    def loss(self, z, y):
        if self.output == "linear":
            return ((z - y) ** 2).sum() / z.shape[0]  # MSE without 1/2, summed over outputs
        return torch.nn.functional.cross_entropy(z, y)  # log-sum-exp inside


def chol_solve(L, b):
    """L L^T x = b. Two triangular solves: torch.cholesky_solve gives the same numbers but
    measured 7x slower here for one right-hand side of size 2570 (it copies the factor)."""
    return torch.linalg.solve_triangular(
        L.mT, torch.linalg.solve_triangular(L, b, upper=False), upper=True)


def newton_direction(net, a, z, y, alpha):
    """(H + (alpha + H_max) I)^-1 g for the last layer, as a K x (d+1) matrix (bias column 0).
    a: the last layer's input (no grad), z: its output at the current weights."""
    n = a.shape[0]
    xa = torch.cat([torch.ones(n, 1), a], 1)  # X~, N x (d+1)
    K, d1 = z.shape[1], xa.shape[1]
    if net.output == "linear":
        e = z - y
        g = (2.0 / n) * (e.T @ xa)  # K x (d+1)
        # H = I_K (x) G: one (d+1) block shared by every output, solved for K right-hand sides.
        G = (2.0 / n) * (xa.T @ xa)
        h_max = G.diagonal().max()
        G.diagonal().add_(alpha + h_max)
        L, info = torch.linalg.cholesky_ex(G)
        if info.item() != 0:
            raise RuntimeError(f"cholesky failed (alpha={alpha}, H_max={h_max.item()})")
        return chol_solve(L, g.T).T, h_max.item()
    p = torch.softmax(z, 1)
    r = p.clone()
    r[torch.arange(n), y] -= 1.0
    g = (1.0 / n) * (r.T @ xa)
    # H = (1/N) sum_i (diag(p_i) - p_i p_i^T) (x) x~_i x~_i^T, class-major: the rank-N outer
    # term as one product of V = [p_i (x) x~_i], the diagonal blocks as a batched product.
    v = (p[:, :, None] * xa[:, None, :]).reshape(n, K * d1)
    H = -(v.T @ v)
    blocks = torch.einsum("nja,nb->jab", v.view(n, K, d1), xa)
    idx = torch.arange(K)
    H.view(K, d1, K, d1)[idx, :, idx, :] += blocks
    H /= n
    h_max = H.diagonal().max()
    H.diagonal().add_(alpha + h_max)
    L, info = torch.linalg.cholesky_ex(H)
    if info.item() != 0:
        raise RuntimeError(f"cholesky failed (alpha={alpha}, H_max={h_max.item()})")
    return chol_solve(L, g.reshape(-1, 1)).reshape(K, d1), h_max.item()


class Method:
    """One optimizer bound to one network; step(x, y) returns the loss before the step."""

    def __init__(self, net, name, lr, alpha=0.0, eta=1.0):
        self.net, self.name, self.alpha, self.eta = net, name, alpha, eta
        if name == "sgd":
            net.W[-1].requires_grad_(True)
            net.b[-1].requires_grad_(True)
            self.params = net.front + [net.W[-1], net.b[-1]]
        else:
            self.params = net.front
        # An empty front (a single layer) leaves the Newton step alone.
        self.opt = torch.optim.SGD(self.params, lr=lr) if self.params else None
        self.fn = {"sgd": self.sgd, "dn-sgd": self.dn_sgd, "sgd-dn": self.sgd_dn}[name]

    def step(self, x, y):
        return self.fn(x, y)

    def _apply_newton(self, d):
        with torch.no_grad():
            self.net.b[-1].sub_(self.eta * d[:, 0])
            self.net.W[-1].sub_(self.eta * d[:, 1:])

    def sgd(self, x, y):
        net = self.net
        loss = net.loss(net.head(net.features(x)), y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()

    def dn_sgd(self, x, y):
        net = self.net
        a = net.features(x)  # the graph through the front layers is kept for the second half
        with torch.no_grad():
            ad = a.detach()
            z = net.head(ad)
            loss = net.loss(z, y).item()
            d, _ = newton_direction(net, ad, z, y, self.alpha)
        self._apply_newton(d)
        if self.opt is None:
            return loss
        # Back-propagate the error of the updated last layer through the reused activations.
        self.opt.zero_grad(set_to_none=True)
        net.loss(net.head(a), y).backward()
        self.opt.step()
        return loss

    def sgd_dn(self, x, y):
        net = self.net
        loss = None
        if self.opt is not None:
            l0 = net.loss(net.head(net.features(x)), y)
            self.opt.zero_grad(set_to_none=True)
            l0.backward()
            self.opt.step()
            loss = l0.item()
        with torch.no_grad():
            a = net.features(x)
            z = net.head(a)
            if loss is None:
                loss = net.loss(z, y).item()
            d, _ = newton_direction(net, a, z, y, self.alpha)
        self._apply_newton(d)
        return loss


# ---------------------------------------------------------------------------------------------
# Synthetic data: standardized Gaussian features and targets from a random teacher network
# (the same recipe as bench/common.js, drawn from torch's generator: same distribution, other
# numbers, which is all a timing needs; the cross-check reads dnsgd's exact arrays instead).

def synthetic(layers, output, rows, seed):
    g = torch.Generator().manual_seed(seed + 7919)
    n0, K = layers[0], layers[-1]
    x = torch.randn(rows, n0, generator=g)
    hid = 16
    w1 = torch.randn(n0, hid, generator=g) / math.sqrt(n0)
    w2 = torch.randn(hid, K, generator=g) / math.sqrt(hid)
    t = torch.tanh(x @ w1) @ w2
    if output == "linear":
        return x, t + 0.1 * torch.randn(rows, K, generator=g)
    u = torch.rand(rows, K, generator=g).clamp_min(1e-300)
    return x, torch.argmax(3.0 * t - torch.log(-torch.log(u)), 1)  # Gumbel-max sampling


def read_array(path, dtype):
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    return torch.frombuffer(buf, dtype=dtype).clone()


def write_array(path, t):
    with open(path, "wb") as f:
        f.write(t.detach().contiguous().numpy().tobytes())


def summary(samples):
    s = sorted(samples)
    n = len(s)
    if n == 0:
        return None
    return {"n": n, "median": s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2]),
            "min": s[0], "p90": s[min(n - 1, int(math.ceil(0.9 * n)) - 1)], "max": s[-1]}


_data_cache = {}


def make(job):
    net = Net(job["layers"], job["output"], job.get("activation", "sigmoid"), seed=job["seed"])
    alpha = job.get("alpha", 0.0)
    m = Method(net, job["method"], job["lr"], alpha)
    key = (tuple(job["layers"]), job["output"], job["rows"], job["seed"])
    if key not in _data_cache:
        _data_cache.clear()  # one data set at a time: the large ones are tens of megabytes
        _data_cache[key] = synthetic(job["layers"], job["output"], job["rows"], job["seed"])
    x, y = _data_cache[key]
    return net, m, x, y


def epoch_reps(step_seconds, steps, job):
    """The rule of bench/common.js: measured epochs that fit the budget, within limits."""
    est = max(step_seconds * steps, 1e-6)
    return max(job["minReps"], min(job["maxReps"], math.ceil(job["epochBudget"] / est)))


def run_epoch_job(job):
    """Whole epochs, shuffled and gathered batch by batch, like dnsgd's fit loop."""
    net, m, x, y = make(job)
    rows, bs = job["rows"], job["batch"]
    steps = math.ceil(rows / bs)
    # Warm-up: two steps; the second one's time sizes the number of measured epochs.
    t_step = 0.0
    for r0 in (0, bs):
        t0 = time.perf_counter()
        m.step(x[r0:r0 + bs], y[r0:r0 + bs])
        t_step = time.perf_counter() - t0
    reps = epoch_reps(t_step, steps, job)
    g = torch.Generator().manual_seed(job["seed"])
    epochs, losses, step_times = [], [], []
    cpu0, w0 = time.process_time(), time.perf_counter()
    for _ in range(reps):
        t0 = time.perf_counter()
        perm = torch.randperm(rows, generator=g)
        total = 0.0
        for r0 in range(0, rows, bs):
            ts = time.perf_counter()
            idx = perm[r0:r0 + bs]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            total += m.step(xb, yb) * idx.numel()
            step_times.append(time.perf_counter() - ts)
        epochs.append(time.perf_counter() - t0)
        losses.append(total / rows)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - w0
    return {"epoch": summary(epochs), "epochSeconds": epochs, "fitStep": summary(step_times),
            "fitStepSamples": step_times, "trainLoss": losses, "steps": steps,
            "cpuPerWall": cpu / wall}


def warm_up(job, step):
    """The rule of bench/common.js warmUp: warm-up steps within the budget, then the number
    of timed steps needed at least (job["fewSteps"] when job["minSteps"] would overrun it)."""
    spent, last = 0.0, 0.0
    for i in range(job["warmupSteps"]):
        if spent > job["budget"]:
            break
        t0 = time.perf_counter()
        step(i)
        last = time.perf_counter() - t0
        spent += last
    few = min(job["minSteps"], job.get("fewSteps", 3))
    return few if last * job["minSteps"] > job["budget"] else job["minSteps"]


def run_step_job(job):
    """The per-step call path on fixed batches (views, no gathering), one timer per step."""
    net, m, x, y = make(job)
    bs = job["batch"]
    nb = max(1, job["rows"] // bs)
    batches = [(x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs]) for i in range(nb)]
    min_steps = warm_up(job, lambda i: m.step(*batches[i % nb]))
    times, t_start, i = [], time.perf_counter(), 0
    cpu0 = time.process_time()
    while (len(times) < min_steps or time.perf_counter() - t_start < job["budget"]) \
            and len(times) < job["maxSteps"]:
        xb, yb = batches[i % nb]
        t0 = time.perf_counter()
        m.step(xb, yb)
        times.append(time.perf_counter() - t0)
        i += 1
    cpu = time.process_time() - cpu0
    return {"step": summary(times), "samples": times,
            "cpuPerWall": cpu / (time.perf_counter() - t_start)}


def run_phase_job(job):
    """Where a step of each method spends its time: forward, backward, Hessian, factor."""
    net, m, x, y = make(job)
    bs = job["batch"]
    xb, yb = x[:bs], y[:bs]
    out = {}

    def timed(name, fn):
        fn()
        t = []
        t_start = time.perf_counter()
        while len(t) < 3 or (time.perf_counter() - t_start < job["budget"] and len(t) < 2000):
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
        out[name] = summary(t)

    def fwd():
        with torch.no_grad():
            net.head(net.features(xb))

    def fwd_bwd():
        for p in net.front:
            p.grad = None
        net.loss(net.head(net.features(xb)), yb).backward()

    with torch.no_grad():
        a = net.features(xb)
        z = net.head(a)
    timed("forward", fwd)
    timed("forwardBackward", fwd_bwd)
    timed("newton", lambda: newton_direction(net, a, z, yb, job.get("alpha", 0.0)))
    return out


def run_check_job(job):
    """dnsgd's initial parameters and data, the same steps without shuffling; the parameters
    after them are written for the orchestrator to compare."""
    flat = read_array(job["params"], torch.float64)
    x = read_array(job["x"], torch.float64).reshape(-1, job["layers"][0])
    if job["output"] == "linear":
        y = read_array(job["y"], torch.float64).reshape(x.shape[0], -1)
    else:
        y = read_array(job["y"], torch.int32).long()
    net = Net(job["layers"], job["output"], job.get("activation", "sigmoid"), flat=flat)
    m = Method(net, job["method"], job["lr"], job.get("alpha", 0.0))
    rows, bs = x.shape[0], job["batch"]
    losses = []
    for _ in range(job["epochs"]):
        for r0 in range(0, rows, bs):
            losses.append(m.step(x[r0:r0 + bs], y[r0:r0 + bs]))
    write_array(job["outParams"], net.flat())
    return {"stepLosses": losses}


RUNNERS = {"epoch": run_epoch_job, "step": run_step_job, "phases": run_phase_job,
           "check": run_check_job}


def reply(obj):
    sys.stdout.write("@@result " + json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if args.probe:
        reply(probe())
        return
    set_threads(args.threads)
    reply({"ready": True, "threads": args.threads, "torchThreads": torch.get_num_threads(),
           "blas": blas_info(), "pid": os.getpid()})
    # Served jobs: one JSON line on stdin each, one '@@result ' line on stdout back.
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        if not line.strip():
            continue
        job = json.loads(line)
        t0 = time.perf_counter()
        try:
            r = RUNNERS[job["kind"]](job)
            r["ok"] = True
        except Exception as e:  # one failed job is reported, the others still run
            r = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        r["id"] = job["id"]
        r["jobWall"] = time.perf_counter() - t0
        r["blasThreads"] = (blas_info().get("openblas") or {}).get("threads")
        reply(r)


if __name__ == "__main__":
    main()
