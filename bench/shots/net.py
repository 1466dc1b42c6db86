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
tests. Run as a script, it checks the C network against this one:

    python3 bench/shots/net.py build MEDIA...
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


def scaled(x):
    """Pictures (uint8) as the network's input planes: each pixel / 255 - 0.5 (shots_net.c)."""
    return x.float() / 255 - 0.5


def module(planes=PICTURES, inputs=scaled):
    """The network's class. Its input is inputs(pictures), `planes` planes: the shipped one's,
    or a variant's (net_variants.py)."""
    import torch  # (Debian: python3-torch)
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Sequential(
                nn.Conv2d(planes, C1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(C1, C2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(C2, C3, 3, padding=1), nn.ReLU())
            self.head = nn.Sequential(nn.Linear(2 * C3, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1))

        def forward(self, x):
            h = self.conv(inputs(x))
            return self.head(torch.cat([h.mean((2, 3)), h.amax((2, 3))], 1)).squeeze(1)

    return Net


def batches(pictures, fit_on, rng):
    """One epoch of the windows fit_on in a random order: (indices, pictures) batches of 256,
    each window mirrored left to right and played backwards, each half the time at random."""
    import torch
    order = rng.permutation(fit_on)
    for i in range(0, len(order), 256):
        b = order[i:i + 256]
        x = torch.from_numpy(pictures[b])
        flip = torch.from_numpy(rng.random((len(b), 1, 1, 1)) < 0.5)
        x = torch.where(flip, x.flip(3), x)  # mirrored
        back = torch.from_numpy(rng.random((len(b), 1, 1, 1)) < 0.5)
        yield b, torch.where(back, x.flip(1), x)  # played backwards


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
        for b, x in batches(pictures, fit_on, rng):
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


# The weights as shots_net_data.h names them, the PyTorch module's keys, and their shapes.
LAYERS = (("W1", "conv.0.weight", (C1, PICTURES, 3, 3)), ("B1", "conv.0.bias", (C1,)),
          ("W2", "conv.3.weight", (C2, C1, 3, 3)), ("B2", "conv.3.bias", (C2,)),
          ("W3", "conv.6.weight", (C3, C2, 3, 3)), ("B3", "conv.6.bias", (C3,)),
          ("W4", "head.0.weight", (HIDDEN, 2 * C3)), ("B4", "head.0.bias", (HIDDEN,)),
          ("W5", "head.2.weight", (1, HIDDEN)), ("B5", "head.2.bias", (1,)))


def write_header(path, net, summary):
    """shots_net_data.h for net (None: an untrained network, whose score is SHOT_NET_NONE)."""
    state = net.state_dict() if net is not None else None
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
        for name, key, shape in LAYERS:
            v = state[key].numpy().reshape(-1) if state else np.zeros(int(np.prod(shape)))
            fh.write(f"/* {' x '.join(str(d) for d in shape)} */\n"
                     f"static const float SHOT_NET_{name}[{len(v)}] = {{" +
                     ", ".join(f"{x:.8g}f" if x else "0" for x in v) + "};\n")
        fh.write("\n#endif\n")


def read_header(path):
    """The network shots_net_data.h holds, as a PyTorch module (write_header's inverse)."""
    import re
    import torch
    text = open(path).read()
    net = module()()
    state = net.state_dict()
    for name, key, shape in LAYERS:
        body = re.search(rf"SHOT_NET_{name}\[\d+\] = {{([^}}]*)}}", text).group(1)
        values = [float(v.strip().rstrip("f")) for v in body.split(",") if v.strip()]
        state[key] = torch.tensor(values, dtype=torch.float32).reshape(shape)
    net.load_state_dict(state)
    return net.eval()


def main():
    """net.py BUILD_DIR MEDIA...: the largest difference between shots_detect's "picture" feature
    (the C network) and the PyTorch network read from src/engine/shots/shots_net_data.h, over
    every gradual candidate window of the files."""
    import subprocess
    import tempfile
    import torch
    if len(sys.argv) < 3:
        print(main.__doc__, file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    net = read_header(f"{root}/src/engine/shots/shots_net_data.h")
    worst, count = 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for media in sys.argv[2:]:
            out = subprocess.run([f"{sys.argv[1]}/shots_detect", media, "--candidates",
                                  "--pictures", f"{tmp}/p"], capture_output=True, text=True,
                                 check=True).stdout.split("\n")
            track = np.fromfile(f"{tmp}/p", np.uint8).reshape(-1, H, W)
            column = next(line.split() for line in out if line.startswith("features ")).index(
                "picture")  # (the features line names them after its own first word)
            for f in (line.split() for line in out if line.startswith("cand ")):
                lo, hi = int(f[3]), int(f[4])
                with torch.no_grad():
                    mine = float(net(torch.from_numpy(track[positions(lo, hi, len(track))][None])))
                worst = max(worst, abs(mine - float(f[6 + column])))
                count += 1
    print(f"{count} windows: largest |C - PyTorch| {worst:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
