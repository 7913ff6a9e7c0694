#!/usr/bin/env python3
"""A PyTorch script equivalent to `dlmodel train` on a small CSV experiment, the peer of the end-to-end bench.

Usage: torch_example.py JOB_JSON   where JOB_JSON is a JSON object:
  {"csv": path, "target": column, "features": [..] | null, "ignore": [..], "task": "classification"|"regression",
   "layers": [{"type": "dense", "units": 8, "activation": "relu"}, {"type": "dropout", "rate": 0.1}],
   "epochs": 50, "batchSize": 32, "learningRate": 0.001, "validationSplit": 0.2, "seed": 1,
   "normalize": "standard"|"minmax"|"none", "outDir": path}
Does what the product does: read the CSV, one-hot string features, normalize with training statistics, split,
train with Adam batch by batch, validate and append a metrics line every epoch, save the model. Prints one JSON line.
"""
import csv
import json
import os
import sys
import time

import torch
from torch import nn

ACT = {
    "relu": nn.ReLU, "relu6": nn.ReLU6, "elu": nn.ELU, "selu": nn.SELU, "sigmoid": nn.Sigmoid,
    "hardSigmoid": nn.Hardsigmoid, "tanh": nn.Tanh, "softplus": nn.Softplus, "softsign": nn.Softsign,
    "swish": nn.SiLU, "mish": nn.Mish, "gelu": nn.GELU, "linear": nn.Identity,
}


def as_float(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def main():
    job = json.loads(sys.argv[1])
    t0 = time.perf_counter()
    torch.manual_seed(job.get("seed", 1))
    with open(job["csv"], newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    target = job["target"]
    ignore = set(job.get("ignore") or [])
    features = job.get("features") or [c for c in rows[0].keys() if c != target and c not in ignore]
    rows = [r for r in rows if all(r.get(c) not in (None, "", "NA", "NaN", ".") for c in features + [target])]

    columns = []  # per feature: ("num", None) or ("cat", categories)
    for c in features:
        vals = [as_float(r[c]) for r in rows]
        if all(v is not None for v in vals):
            columns.append(("num", None))
        else:
            columns.append(("cat", sorted({r[c] for r in rows})))

    def encode(r):
        out = []
        for c, (kind, cats) in zip(features, columns):
            if kind == "num":
                out.append(float(r[c]))
            else:
                out.extend(1.0 if r[c] == k else 0.0 for k in cats)
        return out

    x = torch.tensor([encode(r) for r in rows], dtype=torch.float32)
    task = job.get("task")
    if task is None:
        task = "regression" if all(as_float(r[target]) is not None for r in rows) and len({r[target] for r in rows}) > 10 else "classification"
    if task == "classification":
        classes = sorted({r[target] for r in rows})
        y = torch.tensor([classes.index(r[target]) for r in rows])
    else:
        classes = None
        y = torch.tensor([[float(r[target])] for r in rows])

    g = torch.Generator().manual_seed(job.get("seed", 1))
    perm = torch.randperm(len(rows), generator=g)
    n_val = int(round(len(rows) * job.get("validationSplit", 0.2)))
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    norm = job.get("normalize", "standard")
    xt = x[train_idx]
    if norm == "standard":
        mu, sd = xt.mean(0), xt.std(0, unbiased=False).clamp_min(1e-7)
        x = (x - mu) / sd
    elif norm == "minmax":
        lo, hi = xt.min(0).values, xt.max(0).values
        x = (x - lo) / (hi - lo).clamp_min(1e-7)
    if task == "regression":
        ym, ys = y[train_idx].mean(0), y[train_idx].std(0, unbiased=False).clamp_min(1e-7)
        y = (y - ym) / ys

    mods = []
    width = x.shape[1]
    for l in job.get("layers", []):
        if l["type"] == "dense":
            mods.append(nn.Linear(width, l["units"]))
            mods.append(ACT[l.get("activation", "linear")]())
            width = l["units"]
        elif l["type"] == "dropout":
            mods.append(nn.Dropout(l["rate"]))
        else:
            raise SystemExit(f"layer type {l['type']} is not in this script")
    if task == "classification" and len(classes) == 2:
        mods.append(nn.Linear(width, 1))
        loss_fn = nn.BCEWithLogitsLoss()
        target_of = lambda yb: yb.float().unsqueeze(1)
        correct = lambda out, yb: ((out.squeeze(1) > 0).long() == yb).float().sum().item()
    elif task == "classification":
        mods.append(nn.Linear(width, len(classes)))
        loss_fn = nn.CrossEntropyLoss()
        target_of = lambda yb: yb
        correct = lambda out, yb: (out.argmax(1) == yb).float().sum().item()
    else:
        mods.append(nn.Linear(width, 1))
        loss_fn = nn.MSELoss()
        target_of = lambda yb: yb
        correct = None
    model = nn.Sequential(*mods)
    opt = torch.optim.Adam(model.parameters(), lr=job.get("learningRate") or 1e-3)
    bs = job.get("batchSize", 32)
    out_dir = job["outDir"]
    os.makedirs(out_dir, exist_ok=True)
    metrics_path = os.path.join(out_dir, "metrics.jsonl")
    first_epoch_s = None
    rec = {}
    es = job.get("earlyStopping")  # {"monitor": "val_loss", "patience": 10, "minDelta": 0}, as the product
    best, wait = None, 0
    for epoch in range(1, job.get("epochs", 50) + 1):
        te = time.perf_counter()
        model.train()
        order = train_idx[torch.randperm(len(train_idx), generator=g)]
        total, seen, hits = 0.0, 0, 0.0
        for s in range(0, len(order), bs):
            idx = order[s:s + bs]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, target_of(yb))
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            seen += len(idx)
            if correct:
                hits += correct(out.detach(), yb)
        rec = {"epoch": epoch, "loss": total / seen}
        if correct:
            rec["accuracy"] = hits / seen
        if n_val:
            model.eval()
            with torch.no_grad():
                out = model(x[val_idx])
                rec["val_loss"] = loss_fn(out, target_of(y[val_idx])).item()
                if correct:
                    rec["val_accuracy"] = correct(out, y[val_idx]) / n_val
        rec["ms"] = (time.perf_counter() - te) * 1000
        with open(metrics_path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        if first_epoch_s is None:
            first_epoch_s = time.perf_counter() - t0
        if es:
            monitor = es.get("monitor", "val_loss")
            cur = rec.get(monitor, rec.get(monitor.replace("val_", "")))
            maximize = "acc" in monitor
            delta = es.get("minDelta", 0)
            wait += 1
            if best is None or (cur - delta > best if maximize else cur + delta < best):
                best, wait = cur, 0
            if wait >= es.get("patience", 10):
                break
    torch.save(model.state_dict(), os.path.join(out_dir, "model.pt"))
    print(json.dumps({"status": "completed", "epochs": rec.get("epoch"), "metrics": rec,
                      "first_epoch_s_after_import": first_epoch_s}))


if __name__ == "__main__":
    main()
