"""The gradual model's picture network (src/engine/shots/shots_net.c) in PyTorch: how train.py
fits it and writes its weights into src/engine/shots/shots_net_data.h.

For a gradual candidate window lo..hi the network sees seven 64x36 luma thumbnails of the track
(shots_detect --pictures: the analysis's own thumbnails) - a window's length before it, its ends,
its quarters and a window's length after it - and gives one logit: how much they look like a
transition. Three 3x3 convolutions (7-24-32-48 planes, ReLU, 2x2 max pooling after the first two),
each plane's mean and max, a hidden layer of 64 and one output. It is trained on the windows
train.py labels (positive: label 1), classes weighted equally, on pictures mirrored left to right
and windows played backwards as well (each half the time at random: a transition either way is a
transition); its out-of-fold logits (train.folds) are the gradual trees' "picture" feature, and
the network fitted to all windows is the one that ships (stacking).

Needs python3-torch (Debian; apt-get install it): only for training, never for the build or the
tests.
"""
import os
import sys
import time

import numpy as np

W, H = 64, 36
PICTURES = 7
C1, C2, C3, HIDDEN = 24, 32, 48, 64
EPOCHS = int(os.environ.get("NET_EPOCHS", "16"))


def positions(lo, hi, n):
    """The seven frames of window lo..hi in a track of n frames (shot_net_positions)."""
    span = hi - lo
    at = [lo - span, lo, lo + (span + 2) // 4, lo + (2 * span + 2) // 4,
          lo + (3 * span + 2) // 4, hi, hi + span]
    return [min(n - 1, max(0, x)) for x in at]


def window_pictures(windows, picture_file):
    """For each (case id, lo, hi) of windows, its seven pictures: uint8, windows x 7 x H x W.
    picture_file(case id) names the case's pictures (raw frames of H x W bytes)."""
    out = np.empty((len(windows), PICTURES, H, W), np.uint8)
    tracks = {}
    for i, (case, lo, hi) in enumerate(windows):
        if case not in tracks:
            tracks[case] = np.memmap(picture_file(case), np.uint8, "r").reshape(-1, H, W)
        track = tracks[case]
        out[i] = track[positions(lo, hi, len(track))]
    return out


def module():
    import torch  # (Debian: python3-torch)
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Sequential(
                nn.Conv2d(PICTURES, C1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(C1, C2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(C2, C3, 3, padding=1), nn.ReLU())
            self.head = nn.Sequential(nn.Linear(2 * C3, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1))

        def forward(self, x):
            h = self.conv(x.float() / 255 - 0.5)
            return self.head(torch.cat([h.mean((2, 3)), h.amax((2, 3))], 1)).squeeze(1)

    return Net


def fit(pictures, positive, fit_on, seed):
    """A network fitted to the windows fit_on (indices) of pictures, positive (bools)."""
    import torch
    from torch import nn
    torch.set_num_threads(os.cpu_count() or 2)
    torch.manual_seed(seed)
    net = module()()
    fit_on = np.asarray(fit_on)
    pos = int(positive[fit_on].sum())
    loss_of = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(fit_on) - pos) / max(pos, 1)))
    target = torch.from_numpy(positive.astype(np.float32))
    opt = torch.optim.Adam(net.parameters(), 1e-3, weight_decay=1e-4)
    rng = np.random.default_rng(seed)
    start = time.time()
    for epoch in range(EPOCHS):
        net.train()
        order = rng.permutation(fit_on)
        for i in range(0, len(order), 256):
            b = order[i:i + 256]
            x = torch.from_numpy(pictures[b])
            flip = torch.from_numpy(rng.random((len(b), 1, 1, 1)) < 0.5)
            x = torch.where(flip, x.flip(3), x)  # mirrored
            back = torch.from_numpy(rng.random((len(b), 1, 1, 1)) < 0.5)
            x = torch.where(back, x.flip(1), x)  # played backwards
            loss = loss_of(net(x), target[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"picture network (seed {seed}) epoch {epoch}: {time.time() - start:.0f} s",
              file=sys.stderr)
    net.eval()
    return net


def scores(net, pictures, which):
    """The network's logits for the windows which (indices) of pictures."""
    import torch
    out = np.zeros(len(which))
    with torch.no_grad():
        for i in range(0, len(which), 1024):
            out[i:i + 1024] = net(torch.from_numpy(pictures[which[i:i + 1024]])).numpy()
    return out


def out_of_fold(pictures, positive, folds):
    """Each window's logit from the network fitted to the other folds ((fit, test) indices)."""
    oof = np.zeros(len(positive))
    for k, (fit_on, test) in enumerate(folds):
        net = fit(pictures, positive, fit_on, 100 + k)
        oof[np.asarray(test)] = scores(net, pictures, np.asarray(test))
    return oof


def write_header(path, net, summary):
    """shots_net_data.h for net (None: an untrained network, whose score is SHOT_NET_NONE)."""
    shapes = (("W1", (C1, PICTURES, 3, 3)), ("B1", (C1,)), ("W2", (C2, C1, 3, 3)), ("B2", (C2,)),
              ("W3", (C3, C2, 3, 3)), ("B3", (C3,)), ("W4", (HIDDEN, 2 * C3)), ("B4", (HIDDEN,)),
              ("W5", (1, HIDDEN)), ("B5", (1,)))
    values = [np.zeros(int(np.prod(shape))) for _, shape in shapes]
    if net is not None:
        state = net.state_dict()
        keys = ("conv.0.weight", "conv.0.bias", "conv.3.weight", "conv.3.bias", "conv.6.weight",
                "conv.6.bias", "head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias")
        values = [state[k].numpy().reshape(-1) for k in keys]
    with open(path, "w") as fh:
        fh.write(f"""/* shots_net_data: the picture network's weights - GENERATED by bench/shots/train.py (bench/shots/net.py); do not edit. {summary} */

#ifndef REELCUT_SHOTS_NET_DATA_H
#define REELCUT_SHOTS_NET_DATA_H

#define SHOT_NET_TRAINED {0 if net is None else 1}
#define SHOT_NET_C1 {C1}
#define SHOT_NET_C2 {C2}
#define SHOT_NET_C3 {C3}
#define SHOT_NET_HIDDEN {HIDDEN}
""")
        for (name, shape), v in zip(shapes, values):
            fh.write(f"/* {' x '.join(str(d) for d in shape)} */\n"
                     f"static const float SHOT_NET_{name}[{len(v)}] = {{" +
                     ", ".join(f"{x:.8g}f" if x else "0" for x in v) + "};\n")
        fh.write("\n#endif\n")
