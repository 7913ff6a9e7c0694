#!/usr/bin/env python3
"""The bench tasks A, B, C, D (bench/tasks.ts) in PyTorch, the reference the TensorFlow.js backends are compared to.

Usage: torch_tasks.py --tasks A,B,C [--seconds 8] [--warmup 5] [--device cpu|cuda] [--threads N]
Prints one JSON object per task on stdout:
  {"task": "A", "device": "cpu", "threads": 2, "samples_per_s": ..., "steps": ..., "batch": ..., "loss_first": ...,
   "loss_last": ..., "peak_rss_mb": ..., "torch": "1.13.1"}
Data: seeded synthetic inputs, labels from a fixed random linear "teacher" (as in bench/tasks.ts), held in memory,
fed batch by batch in a shuffled order, Adam 1e-3, cross-entropy on softmax outputs.
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
    "D": dict(shape=(20,), classes=5, rows=50_000, batch=64),
}
TEXT_IDS = 40


class CharLstm(nn.Module):
    """Task D: token ids, Embedding 16, LSTM 64 (its last state), Dense 5."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(TEXT_IDS, 16)
        self.lstm = nn.LSTM(16, 64, batch_first=True)
        self.out = nn.Linear(64, 5)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embed(x))
        return self.out(h[-1])


def build(task_id):
    if task_id == "A":
        return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
    if task_id == "D":
        return CharLstm()
    if task_id == "B":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    # Same as tf.layers: 3x3 valid convolutions, 2x2 max pooling, then dense 10 (softmax in the loss).
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 10),
    )


def make_data(task_id, rows, seed=1):
    t = TASKS[task_id]
    features = int(np.prod(t["shape"]))
    rng = np.random.default_rng(seed)
    teacher = rng.uniform(-1, 1, size=(features, t["classes"])).astype(np.float32)
    if task_id == "D":
        ids = rng.integers(0, TEXT_IDS, size=(rows, features))
        y = np.argmax(teacher[ids % features].sum(axis=1), axis=1).astype(np.int64)
        return torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(y)
    if task_id == "A":
        x = rng.uniform(-1, 1, size=(rows, features)).astype(np.float32)
    else:
        x = rng.uniform(0, 1, size=(rows, features)).astype(np.float32)
    y = np.argmax(x @ teacher, axis=1).astype(np.int64)
    return torch.from_numpy(x.reshape((rows,) + t["shape"])), torch.from_numpy(y)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(task_id, seconds, warmup, device, max_steps):
    t = TASKS[task_id]
    torch.manual_seed(1)
    x, y = make_data(task_id, t["rows"])
    model = build(task_id).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    bs = t["batch"]
    order = torch.randperm(t["rows"])
    pos = 0
    losses = []
    steps = 0
    timed_steps = 0
    start = None
    while True:
        if pos + bs > t["rows"]:
            order = torch.randperm(t["rows"])
            pos = 0
        idx = order[pos:pos + bs]
        pos += bs
        xb = x[idx].to(device)
        yb = y[idx].to(device)
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
            if time.perf_counter() - start >= seconds or (max_steps and timed_steps >= max_steps):
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
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tasks", default="A,B,C,D")
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0)
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
        r = run(task_id, a.seconds, a.warmup, a.device, a.max_steps)
        if a.device == "cuda":
            r["gpu"] = torch.cuda.get_device_name(0)
        print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
