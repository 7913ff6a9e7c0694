#!/usr/bin/env python3
"""The bench tasks A-F (bench/tasks.ts) in PyTorch, the reference the TensorFlow.js backends are compared to.

Usage: torch_tasks.py --tasks A,B,C [--seconds 8] [--warmup 5] [--device cpu|cuda] [--threads N]
Prints one JSON object per task on stdout:
  {"task": "A", "device": "cpu", "threads": 2, "samples_per_s": ..., "steps": ..., "batch": ..., "loss_first": ...,
   "loss_last": ..., "peak_rss_mb": ..., "torch": "1.13.1"}
Data: seeded synthetic inputs, labels from a fixed random linear "teacher" (as in bench/tasks.ts), held in memory
(pixels as bytes, scaled per batch, as the dlmodel trainer holds them), fed batch by batch in a shuffled order,
Adam 1e-3, cross-entropy on softmax outputs; the autoencoder (F): sigmoid outputs, mean squared error against the
input. --rows N overrides the task's rows (the scaling table); --epoch times one full pass over them instead.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

TASKS = {
    "A": dict(shape=(20,), classes=3, rows=50_000, batch=256),
    "B": dict(shape=(784,), classes=10, rows=60_000, batch=128),
    "C": dict(shape=(1, 28, 28), classes=10, rows=60_000, batch=64),
    "D": dict(shape=(64,), classes=4, rows=20_000, batch=64, vocab=48),
    "E": dict(shape=(100,), classes=4, rows=50_000, batch=128, vocab=10_000),
    "F": dict(shape=(784,), classes=0, rows=60_000, batch=128),
}


class CharLstm(nn.Module):
    """Embedding 32, LSTM 64 (its last output), Dense 4: the tf.layers network of task D."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(48, 32)
        self.lstm = nn.LSTM(32, 64, batch_first=True)
        self.out = nn.Linear(64, 4)

    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        return self.out(h[:, -1])


class WordAverage(nn.Module):
    """Embedding 64, average over the 100 positions (GlobalAveragePooling1D), Dense 4: task E."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10_000, 64)
        self.out = nn.Linear(64, 4)

    def forward(self, x):
        return self.out(self.emb(x).mean(dim=1))


def build(task_id):
    if task_id == "A":
        return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
    if task_id == "B":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    if task_id == "D":
        return CharLstm()
    if task_id == "E":
        return WordAverage()
    if task_id == "F":
        return nn.Sequential(
            nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU(),
            nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid(),
        )
    # Same as tf.layers: 3x3 valid convolutions, 2x2 max pooling, then dense 10 (softmax in the loss).
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 10),
    )


def make_data(task_id, rows, seed=1):
    """Inputs and labels; pixels as uint8 (scaled batch by batch), token ids as int64."""
    t = TASKS[task_id]
    features = int(np.prod(t["shape"]))
    rng = np.random.default_rng(seed)
    classes = max(1, t["classes"])
    if "vocab" in t:
        teacher = rng.uniform(-1, 1, size=(t["vocab"], classes)).astype(np.float32)
        x = rng.integers(1, t["vocab"], size=(rows, features), dtype=np.int64)
        y = np.argmax(teacher[x].sum(axis=1), axis=1).astype(np.int64)
        return torch.from_numpy(x), torch.from_numpy(y)
    teacher = rng.uniform(-1, 1, size=(features, classes)).astype(np.float32)
    if task_id == "A":
        x = rng.uniform(-1, 1, size=(rows, features)).astype(np.float32)
        y = np.argmax(x @ teacher, axis=1).astype(np.int64)
        return torch.from_numpy(x), torch.from_numpy(y)
    # In blocks, so that float temporaries do not count in the peak memory of a task that holds bytes.
    x = np.empty((rows, features), dtype=np.uint8)
    y = np.zeros(rows, dtype=np.int64)
    for lo in range(0, rows, 8192):
        hi = min(rows, lo + 8192)
        x[lo:hi] = np.round(rng.uniform(0, 1, size=(hi - lo, features)) * 255)
        if t["classes"]:
            y[lo:hi] = np.argmax((x[lo:hi] / np.float32(255)).astype(np.float32) @ teacher, axis=1)
    return torch.from_numpy(x.reshape((rows,) + t["shape"])), torch.from_numpy(y)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(task_id, seconds, warmup, device, max_steps, rows=0, epoch=False):
    t = TASKS[task_id]
    rows = rows or t["rows"]
    torch.manual_seed(1)
    t0 = time.perf_counter()
    x, y = make_data(task_id, rows)
    data_s = time.perf_counter() - t0
    model = build(task_id).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    autoencoder = t["classes"] == 0
    loss_fn = nn.MSELoss() if autoencoder else nn.CrossEntropyLoss()
    bs = t["batch"]
    order = torch.randperm(rows)
    pos = 0
    losses = []
    steps = 0
    timed_steps = 0
    start = None
    # --epoch: after the warm-up, one full pass over the rows in a fresh order.
    epoch_steps = rows // bs
    while True:
        if pos + bs > rows or (epoch and steps == warmup):
            order = torch.randperm(rows)
            pos = 0
        idx = order[pos:pos + bs]
        pos += bs
        xb = x[idx]
        if xb.dtype == torch.uint8:
            xb = xb.float().div_(255)
        xb = xb.to(device)
        yb = xb if autoencoder else y[idx].to(device)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))  # a sync point every step, as the tfjs trainer reads its loss
        steps += 1
        if steps == warmup:
            start = time.perf_counter()
        elif steps > warmup:
            timed_steps += 1
            if epoch:
                if timed_steps >= epoch_steps:
                    break
            elif time.perf_counter() - start >= seconds or (max_steps and timed_steps >= max_steps):
                break
    elapsed = time.perf_counter() - start
    return {
        "task": task_id,
        "device": device,
        "threads": torch.get_num_threads(),
        "samples_per_s": timed_steps * bs / elapsed,
        "steps": timed_steps,
        "batch": bs,
        "loss_first": losses[0],
        "loss_last": losses[-1],
        "peak_rss_mb": peak_rss_mb(),
        "torch": torch.__version__,
        "rows": rows,
        "data_s": data_s,
        "epoch_s": elapsed if epoch else None,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tasks", default="A,B,C")
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--rows", type=int, default=0)
    p.add_argument("--epoch", action="store_true")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    if a.device == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"error": "torch has no CUDA device here"}))
        return 3
    for task_id in a.tasks.split(","):
        task_id = task_id.strip().upper()
        if task_id not in TASKS:
            print(json.dumps({"error": f"unknown task {task_id}"}))
            return 2
        r = run(task_id, a.seconds, a.warmup, a.device, a.max_steps, a.rows, a.epoch)
        if a.device == "cuda":
            r["gpu"] = torch.cuda.get_device_name(0)
        print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
