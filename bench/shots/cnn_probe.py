#!/usr/bin/env python3
"""Does a small convolutional network over a window's frames see what the gradual model's
features miss? A probe, not a model that ships (the fifth session's; the network that ships since
the seventh is net.py's, trained by train.py on the analysis's own thumbnails).

    python3 bench/shots/cnn_probe.py BUILD_DIR      (needs python3-torch: apt-get install it)

For every gradual candidate window of the training sets (train.py's training_rows: the same
windows, labels and cached candidates train.py fits on, CASES_VERSION as there), it takes seven
64x36 luma pictures - the window's ends, its quarters, and one window's length before and after
it - decoded by ffmpeg from the case (cached in BUILD_DIR/bench-shots-thumbs). Out of fold (3
folds, cases split by seed as in train.py), it prints how many positive windows pass at the
score where 1 negative window in 400 passes (train.py's gradual threshold) for:
  - train.py's boosted trees on the features (the control: train.py's own out-of-fold figure);
  - a network over the pictures alone (3 convolutions 7-24-32-48, a mean and a max over the
    picture, a hidden layer of 64; EPOCHS, 8), and the boosted trees on the features and its
    out-of-fold score as one more feature (does the picture say what the features do not?);
  - the same network given the normalised features beside the picture's, and the trees on the
    features and its score (not with PICTURES_ONLY=1);
and, for the ordinary set, the same counts split by whether the transition leads to a look-alike
shot (gen_cases.py's draw).

HALF=1 gives the networks 32x18 pictures (each 2x2 block's mean) instead.

AUGMENT=1 trains each network on pictures mirrored left to right and windows played backwards
as well (each at random, half the time): a transition either way is a transition. (The
features beside them are not reversed: use it with PICTURES_ONLY=1.)
"""
import concurrent.futures
import os
import subprocess
import sys
import time

import numpy as np

import train
from gen_cases import lookalike_transitions

W, H = 64, 36


def thumbs(build, cases_dir, seed):
    """The case's frames as W x H luma (uint8, frames x H x W), decoded once and cached."""
    cache = f"{build}/bench-shots-thumbs"
    os.makedirs(cache, exist_ok=True)
    dst = f"{cache}/{os.path.basename(cases_dir)}-{seed}.npy"
    if not os.path.exists(dst):
        media = [f for f in os.listdir(cases_dir) if f.startswith(f"{seed}.")
                 and not f.endswith(".truth") and ".tmp." not in f][0]
        raw = subprocess.run(["nice", "-n", "10", "ffmpeg", "-v", "error", "-threads", "1", "-i",
                              f"{cases_dir}/{media}", "-an", "-fps_mode", "passthrough", "-vf",
                              f"scale={W}:{H}:flags=area,format=gray", "-f", "rawvideo", "-"],
                             capture_output=True, check=True).stdout
        np.save(dst + ".tmp.npy", np.frombuffer(raw, np.uint8).reshape(-1, H, W))
        os.replace(dst + ".tmp.npy", dst)
    return np.load(dst)


def positions(lo, hi, n):
    """The seven frames the network sees of window lo..hi (in a track of n frames)."""
    span = hi - lo
    at = [lo - span, lo, lo + span / 4, lo + span / 2, lo + 3 * span / 4, hi, hi + span]
    return [min(n - 1, max(0, int(round(x)))) for x in at]


def dataset(build, version):
    """train.py's gradual windows with their pictures: (pictures, features, labels, case ids,
    (ordinary-set look-alike flag per positive window, transition id per positive window))."""
    rows, _, _, where = train.training_rows(build, version, [])
    rows = rows["cand"]
    used = sorted(set(r[2] for r in rows))
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        frames = dict(zip(used, pool.map(lambda c: thumbs(build, *where[c]), used)))
    alike = {}  # ordinary-set case id -> per transition, whether it leads to a look-alike shot
    for c in used:
        if c < 10 ** 6:  # (training_rows' ids: set k's seeds + k * 10 ** 6; the ordinary set first)
            alike[c] = lookalike_transitions(where[c][1])
    pictures, flags, transition, truths = [], [], [], {}
    for x, y, c, _, _, _, lo, hi in rows:
        pictures.append(frames[c][positions(lo, hi, len(frames[c]))])
        flag, which = -1, -1  # (not a positive of the ordinary set; not a positive)
        if y == 1:
            if c not in truths:
                truths[c] = train.load_truth(f"{where[c][0]}/{where[c][1]}.truth")
            index = next(i for i, b in enumerate(truths[c]) if lo < b[2] and hi > b[1])
            which = c * 100 + index
            flag = int(alike[c][index]) if c in alike else -1
        flags.append(flag)
        transition.append(which)
    feats = np.array([r[0] for r in rows], np.float32)
    labels = np.array([r[1] for r in rows])
    cases = np.array([r[2] for r in rows])
    pictures = np.array(pictures)
    if os.environ.get("HALF") == "1":  # 32x18: the mean of each 2x2 block
        blocks = pictures.reshape(len(rows), 7, H // 2, 2, W // 2, 2)
        pictures = blocks.mean((3, 5)).astype(np.uint8)
    return pictures, feats, labels, cases, (np.array(flags), np.array(transition))


def passing(score, labels, kinds):
    """Positive windows passing where 1 negative window in 400 does (inside ones not counted),
    and the transitions with at least one window passing."""
    flags, transition = kinds
    neg = np.sort(score[labels == 0])[::-1]
    ok = score >= train.passing_threshold(neg, train.NEG_PASS_RATE)
    text = f"{int((ok & (labels == 1)).sum())} of {int((labels == 1).sum())} positive windows"
    for flag, what in ((1, "into a look-alike"), (0, "into another picture")):
        mine = flags == flag
        text += f"; ordinary set {what} {int((ok & mine).sum())}/{int(mine.sum())}"
    text += f" (at {int((ok & (labels == 0)).sum())} of {len(neg)} negatives)"
    parts = [f"{what} {len(set(transition[mine & ok]))}/{len(set(transition[mine]))}"
             for mine, what in ((transition >= 0, "all"),
                                (flags == 1, "ordinary set into a look-alike"),
                                (flags == 0, "ordinary set into another picture"))]
    return text + "\n    transitions with a window passing: " + "; ".join(parts)


def trees_oof(feats, labels, cases):
    """train.py's out-of-fold probabilities of the boosted trees on feats."""
    ys = [1 if y == 1 else 0 for y in labels]
    return np.array(train.out_of_fold(feats.tolist(), ys, train.balanced_weights(ys),
                                      cases.tolist()))


def network_oof(pictures, feats, labels, cases, epochs, with_features, augment):
    import torch  # Debian: python3-torch (a probe's dependency, not the test suite's)
    from torch import nn
    torch.set_num_threads(os.cpu_count() or 2)
    torch.manual_seed(1)
    normal = torch.from_numpy((feats - feats.mean(0)) / (feats.std(0) + 1e-6))
    if not with_features:
        normal = normal[:, :0]
    images = torch.from_numpy(pictures)
    target = torch.from_numpy((labels == 1).astype(np.float32))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Sequential(
                nn.Conv2d(7, 24, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(24, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 48, 3, padding=1), nn.ReLU())
            self.head = nn.Sequential(nn.Linear(96 + normal.shape[1], 64), nn.ReLU(),
                                      nn.Linear(64, 1))

        def forward(self, x, f):
            h = self.conv(x.float() / 255 - 0.5)
            return self.head(torch.cat([h.mean((2, 3)), h.amax((2, 3)), f], 1)).squeeze(1)

    oof = np.zeros(len(labels))
    loss_of = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(float((labels != 1).sum() /
                                                                 (labels == 1).sum())))
    for k, (fit, test) in enumerate(train.folds(cases.tolist())):
        fit, test = np.array(fit), np.array(test)
        net = Net()
        opt = torch.optim.Adam(net.parameters(), 1e-3, weight_decay=1e-4)
        start = time.time()
        for epoch in range(epochs):
            net.train()
            order = np.random.default_rng(100 * k + epoch).permutation(fit)
            for i in range(0, len(order), 256):
                b = torch.from_numpy(order[i:i + 256])
                x = images[b]
                if augment:  # a mirrored picture, and a window played backwards, are alike
                    x = torch.where(torch.rand(len(b), 1, 1, 1) < 0.5, x, x.flip(3))
                    x = torch.where(torch.rand(len(b), 1, 1, 1) < 0.5, x, x.flip(1))
                loss = loss_of(net(x, normal[b]), target[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
            print(f"fold {k} epoch {epoch}: {time.time() - start:.0f} s", file=sys.stderr)
        net.eval()
        with torch.no_grad():
            for i in range(0, len(test), 1024):
                b = torch.from_numpy(test[i:i + 1024])
                oof[test[i:i + 1024]] = net(images[b], normal[b]).numpy()
    return oof


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    pictures, feats, labels, cases, kinds = dataset(build, train.cases_version())
    print(f"{len(labels)} windows, {int((labels == 1).sum())} positive")
    trees = trees_oof(feats, labels, cases)
    print(f"boosted trees on the features: {passing(trees, labels, kinds)}", flush=True)
    variants = ((False, "pictures"), (True, "pictures and features"))
    if os.environ.get("PICTURES_ONLY") == "1":
        variants = variants[:1]
    for with_features, what in variants:
        net = network_oof(pictures, feats, labels, cases, int(os.environ.get("EPOCHS", "8")),
                          with_features, os.environ.get("AUGMENT") == "1")
        print(f"network on {what}: {passing(net, labels, kinds)}", flush=True)
        both = trees_oof(np.concatenate([feats, net[:, None].astype(np.float32)], 1), labels,
                         cases)
        print(f"boosted trees on the features and that network's score: "
              f"{passing(both, labels, kinds)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
