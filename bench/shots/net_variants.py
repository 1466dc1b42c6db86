#!/usr/bin/env python3
"""Compares variants of the picture network (net.py) on one fold of train.py's gradual windows,
the network alone: a quick look (about 8 minutes a variant on two cores) before a whole retrain.

    python3 bench/shots/net_variants.py BUILD_DIR VARIANT...

A VARIANT is names joined by "+": base (the network that ships), diff (the six differences
between neighbouring pictures as input planes as well), ends (every picture's difference to the
window's two ends as well), norm (each window's pictures less their mean, over their deviation),
cos (a one-cycle learning rate, peak 2e-3, instead of a constant 1e-3). For each it fits the
network to folds 2 and 3 of train.py's windows (its default training sets on generator
CASES_VERSION's cached cases, 3 unless set; BUILD_DIR as for train.py) and prints, on fold 1, the
positive windows that pass where 1 negative in 400, 100 and 20 does, and the area under the ROC
curve. Differences of a few tens of windows at 1 in 400 are within what a second seed moves (one
seed a variant: read the three operating points and the area together). Training windows only:
no held-out seed is read.
"""
import os
import sys
import time

import numpy as np

import net  # (the script's own folder is on sys.path; needs python3-torch)
import train


def inputs(x, variant):
    """The input planes for pictures x (uint8, windows x 7 x H x W) as the variant sees them."""
    import torch
    x = net.scaled(x)
    if "norm" in variant:
        x = (x - x.mean((1, 2, 3), keepdim=True)) / (x.std((1, 2, 3), keepdim=True) + 0.05)
    planes = [x]
    if "diff" in variant:
        planes.append(x[:, 1:] - x[:, :-1])
    if "ends" in variant:
        planes += [x - x[:, 1:2], x - x[:, 5:6]]
    return torch.cat(planes, 1)


def fit_and_score(pictures, positive, fit_on, test, variant, seed=100):
    """The variant fitted to fit_on as net.fit fits (same batches, augmentation, loss), its
    logits on test."""
    import torch
    from torch import nn
    torch.set_num_threads(os.cpu_count() or 2)
    torch.manual_seed(seed)
    planes = inputs(torch.from_numpy(pictures[:1]), variant).shape[1]
    model = net.module(planes, lambda x: inputs(x, variant))()
    pos = int(positive[fit_on].sum())
    loss_of = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(fit_on) - pos) / max(pos, 1)))
    target = torch.from_numpy(positive.astype(np.float32))
    cos = "cos" in variant
    opt = torch.optim.Adam(model.parameters(), 2e-3 if cos else 1e-3, weight_decay=1e-4)
    steps = net.EPOCHS * ((len(fit_on) + 255) // 256)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=steps) if cos else None
    rng = np.random.default_rng(seed)
    for _ in range(net.EPOCHS):
        model.train()
        for b, x in net.batches(pictures, fit_on, rng):
            loss = loss_of(model(x), target[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if schedule:
                schedule.step()
    model.eval()
    return net.scores(model, pictures, test)


def report(out, positive, inside):
    """Positives passing at 1 negative in 400, 100 and 20 (negatives that are no false cut left
    out, as train.py chooses its thresholds), and the area under the ROC curve."""
    neg = np.sort(out[~positive & ~inside])[::-1]
    pos = out[positive]
    passing = [f"@1/{round(1 / r)} {int((pos >= train.passing_threshold(neg, r)).sum())}/{len(pos)}"
               for r in (1 / 400, 1 / 100, 1 / 20)]
    ranks = np.concatenate([pos, neg]).argsort().argsort() + 1
    auc = (ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
    return " ".join(passing) + f" auc {auc:.4f}"


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    rows, _, _, where = train.training_rows(build, os.environ.get("CASES_VERSION", "3"), [])
    rows = rows["cand"]
    pictures = net.window_pictures([(r[2], r[6], r[7]) for r in rows],
                                   lambda c: train.pictures_path(build, *where[c]))
    positive = np.array([r[1] == 1 for r in rows])
    inside = np.array([bool(r[5]) for r in rows])
    fit_on, test = (np.asarray(x) for x in next(iter(train.folds([r[2] for r in rows]))))
    print(f"{len(rows)} windows, {int(positive.sum())} positive; fitted to {len(fit_on)}, "
          f"scored on {len(test)}", flush=True)
    for variant in sys.argv[2:]:
        start = time.time()
        out = fit_and_score(pictures, positive, fit_on, test, variant.split("+"))
        print(f"{variant} ({time.time() - start:.0f} s): "
              f"{report(out, positive[test], inside[test])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
