#!/usr/bin/env python3
"""The GPU benchmark's workloads (shared/benchmarks.md W1, W2, W3) in PyTorch, for the side-by-side figure of
scripts/gpu-kit.sh run: same models, batch 128, Adam lr 1e-3, random data of Fashion-MNIST's shapes kept on the
device (a step's batch is a gather there, as in jdnn's GpuBench), each workload eager and replayed from a CUDA
graph (torch.cuda.graphs). Prints one markdown table in GpuBench's units (samples/s: median of timed windows after
warm-up, range in brackets).

  python3 bench/pytorch/gpu_bench.py [--device cuda|cpu] [--quick] [--tiny] [--out FILE]

--device cpu and --tiny only check this script where no GPU is (no CUDA graphs there; NOT a figure).
"""
import argparse
import statistics
import sys
import threading
import time

import torch
from torch import nn

BATCH = 128
PIXELS = 28 * 28


def mlp():
    return nn.Sequential(nn.Linear(PIXELS, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def windows(step, per_window, reps, dev):
    """Seconds of each of reps windows of per_window calls of step, after one untimed window."""
    for _ in range(per_window):
        step()
    sync(dev)
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(per_window):
            step()
        sync(dev)
        out.append(time.perf_counter() - t)
    return out


def rate(samples_per_window, seconds):
    rates = sorted(samples_per_window / s for s in seconds)
    return statistics.median(rates), rates[0], rates[-1]


class Training:
    """One training step of model on batches gathered on the device from (x, y); eager or as a CUDA graph."""

    def __init__(self, model, shape, x, y, dev, graph):
        torch.manual_seed(1)
        self.model = model.to(dev).train()
        self.x, self.y, self.dev, self.shape = x, y, dev, shape
        # capturable: Adam's step count stays on the device, so the whole step can be captured
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, capturable=graph)
        self.loss = nn.CrossEntropyLoss()
        self.order = torch.randperm(x.shape[0], device=dev)
        self.cursor = 0
        self.step = self._eager
        if graph:
            self.bx = torch.empty((BATCH,) + shape, device=dev)
            self.by = torch.empty(BATCH, dtype=torch.long, device=dev)
            self._capture()
            self.step = self._replay

    def _next(self):
        if self.cursor + BATCH > self.x.shape[0]:
            self.cursor = 0
        idx = self.order[self.cursor:self.cursor + BATCH]
        self.cursor += BATCH
        return self.x.index_select(0, idx).view((BATCH,) + self.shape), self.y.index_select(0, idx)

    def _train(self, bx, by):
        self.opt.zero_grad(set_to_none=False)
        out = self.loss(self.model(bx), by)
        out.backward()
        self.opt.step()
        return out

    def _eager(self):
        bx, by = self._next()
        self._train(bx, by)

    def _capture(self):
        # Warm-up on a side stream before capture, as torch.cuda.graphs' whole-network recipe says.
        side = torch.cuda.Stream(self.dev)
        side.wait_stream(torch.cuda.current_stream(self.dev))
        with torch.cuda.stream(side):
            for _ in range(3):
                bx, by = self._next()
                self.bx.copy_(bx)
                self.by.copy_(by)
                self._train(self.bx, self.by)
        torch.cuda.current_stream(self.dev).wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self._train(self.bx, self.by)

    def _replay(self):
        bx, by = self._next()
        self.bx.copy_(bx)
        self.by.copy_(by)
        self.graph.replay()


def inference(model, batch, x, dev, graph):
    """A callable running model on a batch of x (eval, no grad); replayed from a CUDA graph when asked."""
    model.eval()
    inp = x[:batch].clone()
    if not graph:
        def run():
            with torch.no_grad():
                model(inp)
        return run
    side = torch.cuda.Stream(dev)
    side.wait_stream(torch.cuda.current_stream(dev))
    with torch.cuda.stream(side), torch.no_grad():
        for _ in range(3):
            model(inp)
    torch.cuda.current_stream(dev).wait_stream(side)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g), torch.no_grad():
        model(inp)
    return g.replay


def threaded(model, x, dev, threads, calls):
    """Samples/s of batch-1 inference from several threads sharing one model (each with its own stream)."""
    model.eval()
    def work():
        stream = torch.cuda.Stream(dev) if dev.type == "cuda" else None
        inp = x[:1].clone()
        with torch.no_grad(), (torch.cuda.stream(stream) if stream else _Null()):
            for _ in range(calls):
                model(inp)
            if stream:
                stream.synchronize()
    ts = [threading.Thread(target=work) for _ in range(threads)]
    t = time.perf_counter()
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    return threads * calls / (time.perf_counter() - t)


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--tiny", action="store_true")
    p.add_argument("--out")
    a = p.parse_args()
    dev = torch.device(a.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        print("gpu_bench.py: torch " + torch.__version__ + " sees no CUDA device", file=sys.stderr)
        return 3
    graphs = dev.type == "cuda"
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 like jdnn's default (GpuBench --tf32 is separate)
    torch.backends.cudnn.allow_tf32 = False
    steps, reps, w3calls = (2, 2, 5) if a.tiny else (50, 3, 300) if a.quick else (100, 5, 1000)
    ntrain = 512 if a.tiny else 60_000
    g = torch.Generator().manual_seed(4)
    x = torch.rand(ntrain, PIXELS, generator=g).to(dev)
    y = torch.randint(0, 10, (ntrain,), generator=g).to(dev)

    rows = []
    def add(name, mode, samples, seconds):
        med, lo, hi = rate(samples, seconds)
        rows.append((name, mode, med, lo, hi))
        print(f"  {name} {mode}: {med:,.0f} samples/s", file=sys.stderr, flush=True)

    for name, model, shape in (("W1 train (MLP)", mlp, (PIXELS,)), ("W2 train (CNN)", cnn, (1, 28, 28))):
        for graph in ([False, True] if graphs else [False]):
            tr = Training(model(), shape, x, y, dev, graph)
            add(name, "CUDA graph" if graph else "eager", steps * BATCH, windows(tr.step, steps, reps, dev))
    w1 = mlp().to(dev)
    for batch in (1, 256):
        for graph in ([False, True] if graphs else [False]):
            run = inference(w1, batch, x, dev, graph)
            add(f"W3 batch {batch}", "CUDA graph" if graph else "eager", w3calls * batch,
                windows(run, w3calls, reps, dev))
    threads_rate = threaded(w1, x, dev, 8, w3calls // 8 if not a.tiny else 2)
    rows.append(("W3 batch 1, 8 threads", "eager", threads_rate, threads_rate, threads_rate))

    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU"
    lines = [f"# PyTorch {torch.__version__} on {name} ({'tiny check, NOT a figure' if a.tiny else 'quick' if a.quick else 'full'})",
             "", "Random data of Fashion-MNIST's shapes on the device, batch 128 (W3: as named), float32 (TF32 off).",
             "Samples/s: median of the timed windows after warm-up (range in brackets).", "",
             "| workload | mode | samples/s |", "|---|---|---|"]
    for n, mode, med, lo, hi in rows:
        lines.append(f"| {n} | {mode} | {med:,.0f} ({lo:,.0f}-{hi:,.0f}) |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
