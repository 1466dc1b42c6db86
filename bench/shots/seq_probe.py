#!/usr/bin/env python3
"""Probe: does a network that reads the whole track - every frame's thumbnail, in time - find the
transitions the candidate windows miss? A probe, not a model that ships.

The detector that ships scans candidate windows and scores each one (boosted trees over measured
features, and the picture network over seven of its thumbnails: net.py). On dev 13000-13399 and
14000-14299, 24 of its 54 missed gradual transitions had no window at all and 26 a window scored
too low (README.md, "Where the misses are"). A network over the frame sequence has no windows:
it says for every frame how likely the frame lies inside a transition (a hard cut's first new
frame, a gradual transition's mixed frames), and the runs of such frames are the boundaries - the
design of TransNet V2 (Soucek and Lokoc, 2020), here small enough to train on two cores:

  - three 3D convolutions over the 64x36 luma thumbnails halved to 32x18 (1-8-16-24 planes,
    3 frames deep, the picture halved after each), each plane's mean and max per frame;
  - with each frame's mean absolute difference to the frames 1, 2, 4 and 8 before it (the
    picture's change at several distances, measured, not learnt);
  - five 1D convolutions in time (64 planes, dilated 1, 2, 4, 8, 16: about 70 frames seen),
    residual, and one logit per frame.

    python3 bench/shots/seq_probe.py fit BUILD_DIR MODEL.pt [SEEDS [NEGATIVE ...]]
        trains on train.py's training sets - its seed ranges in its order, an empty one
        skipping its set; the same cases and generator version (CASES_VERSION as there);
        train.training_rows decodes them and caches their thumbnails - for SEQ_EPOCHS epochs
        (default 6) of 96-frame clips, mirrored and played backwards half the time.
    python3 bench/shots/seq_probe.py oof BUILD_DIR OUT_DIR [SEEDS [NEGATIVE ...]]
        the same sets, each case's frame probabilities from the network fitted to the other two
        folds (train.py's folds), as OUT_DIR/<cases folder>-<seed>.npy: what a model stacked on
        the probe would train on (3 fits; not yet used).
    python3 bench/shots/seq_probe.py detect MODEL.pt DUMP_DIR OUT_DIR THRESHOLD...
        DUMP_DIR holds, per case NAME, NAME.pic and NAME.dump (shots_detect FILE --dump
        --pictures NAME.pic > NAME.dump: the thumbnails, each frame's time, and the shipped
        detector's boundaries) and NAME.truth, and may hold NAME.cand (shots_detect FILE
        --candidates); writes OUT_DIR/<variant>/NAME.cuts (and .truth links) for evaluate.py:
          shipped        the shipped detector's boundaries from the same decode;
          t<THRESHOLD>   the probe's alone;
          u<THRESHOLD>   the shipped ones and the probe's where none of them lies (within its
                         run, 4 frames either side);
          g<THRESHOLD>   the same with the probe's gradual runs only;
          v<THRESHOLD>-<L>  (with NAME.cand) the same, each run only where a gradual candidate
                         window over it scores at least L (SEQ_VETO, default "0.2 0.5 0.7").
        Frame probabilities are cached as OUT_DIR/NAME.npy.

SEQ_MEASURED=1 gives the network each frame's measured change as well - the camera's shift, the
residual after it, motion, edge change and distance, as shots_detect --dump prints them (the
training cases' dumps in SEQ_DUMPS/<cases folder>-<seed>.dump; DUMP_DIR's for detect): what the
detector's camera model explains.

A run of frames above 0.5 (gaps of one frame closed) that reaches the threshold is one boundary:
"hard" at its most likely frame when the run is 1-2 frames long, else "gradual" at its middle
frame. Choose the threshold on tuning-side seeds only (README.md, "The rule").
"""
import os
import sys
import time

import numpy as np

import net  # (the script's own folder is on sys.path)
import train
from evaluate import gradual_windows

W, H = net.W, net.H
CLIP = 96
DIFFS = (1, 2, 4, 8)
C1, C2, C3 = 8, 16, 24
VETO = os.environ.get("SEQ_VETO", "0.2 0.5 0.7").split()
# SEQ_MEASURED=1: each frame's measured change as input too (measured(): the camera shift, the
# residual after it, motion, edge change, distance), read from shots_detect --dump output - for
# training cases from SEQ_DUMPS/<name>.dump
MEASURED = 6 if os.environ.get("SEQ_MEASURED") == "1" else 0
EPOCHS = int(os.environ.get("SEQ_EPOCHS", "6"))


def frame_labels(truth_path, n):
    """1 on a hard cut's first new frame and on a gradual transition's frames after its last
    old one up to its first new one; 0 elsewhere."""
    y = np.zeros(n, np.float32)
    for kind, lo, hi in train.load_truth(truth_path):
        if kind == "hard":
            y[min(hi, n - 1)] = 1
        else:
            y[min(lo + 1, n - 1):min(hi, n - 1) + 1] = 1
    return y


def differences(pics):
    """Per frame, the mean absolute difference (0-1) to the frame 1, 2, 4 and 8 before it (the
    first frame's to itself): len(DIFFS) x frames."""
    x = pics.astype(np.int16)
    out = np.zeros((len(DIFFS), len(pics)), np.float32)
    for k, d in enumerate(DIFFS):
        if len(pics) > d:
            out[k, d:] = np.abs(x[d:] - x[:-d]).mean(axis=(1, 2)) / 255.0
            out[k, :d] = out[k, d]
    return out


def measured(dump_path, n):
    """Each frame's measured change from the frame before, as shots_detect --dump prints it:
    the camera's shift x and y, the residual after it, the motion, the edge change ratio and the
    distance d1, scaled to about 0-1: MEASURED x n (none without SEQ_MEASURED=1)."""
    out = np.zeros((MEASURED, n), np.float32)
    if not MEASURED:
        return out
    for i, kv in dump_frames(dump_path):
        if i >= n:
            continue
        dx, dy = (float(v) for v in kv["shift"].split(","))
        out[:, i] = (dx / 8, dy / 8, float(kv["residual"]) / 32,
                     float(kv["motion"]) / 32, float(kv["ecr"]), float(kv["d1"]))
    return np.clip(out, -4, 4)


def dump_frames(dump_path):
    """(frame index, {name: value text}) of each frame line of shots_detect --dump
    ("# <i> pts=... shift=<dx>,<dy> ...")."""
    for line in open(dump_path):
        f = line.split()
        if len(f) >= 3 and f[0] == "#":
            yield int(f[1]), dict(x.split("=", 1) for x in f[2:])


def inputs(pics, meas):
    """The per-frame inputs beside the pictures: differences(), then measured()."""
    return np.concatenate([differences(pics), meas])


def make_module():
    import torch
    from torch import nn

    class Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv3d(1, C1, (3, 3, 3), padding=(0, 1, 1))
            self.c2 = nn.Conv3d(C1, C2, (3, 3, 3), padding=(0, 1, 1))
            self.c3 = nn.Conv3d(C2, C3, (3, 3, 3), padding=(0, 1, 1))
            self.inp = nn.Conv1d(2 * C3 + len(DIFFS) + MEASURED, 64, 1)
            self.time = nn.ModuleList(nn.Conv1d(64, 64, 3, padding=d, dilation=d)
                                      for d in (1, 2, 4, 8, 16))
            self.out = nn.Conv1d(64, 1, 1)

        def forward(self, pics, diffs):
            # pics: N x T x H x W uint8; diffs: N x (len(DIFFS) + MEASURED) x T (inputs())
            f = nn.functional
            x = net.scaled(pics).unsqueeze(1)  # N x 1 x T x H x W
            x = f.avg_pool3d(x, (1, 2, 2))  # 32x18
            for conv in (self.c1, self.c2, self.c3):
                x = f.pad(x, (0, 0, 0, 0, 1, 1), mode="replicate")  # (a still picture past the ends)
                x = f.max_pool3d(f.relu(conv(x)), (1, 2, 2))
            feat = torch.cat([x.mean(dim=(3, 4)), x.amax(dim=(3, 4)), diffs[:, :len(DIFFS)] * 10,
                              diffs[:, len(DIFFS):]], dim=1)
            h = f.relu(self.inp(feat))
            for conv in self.time:
                h = h + f.relu(conv(h))
            return self.out(h).squeeze(1)  # N x T logits

    return Seq()


def load_training(build, specs):
    """The training cases' thumbnails, differences and frame labels: a list of (pics, diffs, y),
    and each one's name (train.pictures_path's file name without .pic) and train.py's case id
    (train.folds splits by it). specs: train.py's seed ranges, in its order (an empty one skips
    its set)."""
    dumps = os.environ.get("SEQ_DUMPS")
    if MEASURED and not dumps:
        sys.exit("SEQ_MEASURED=1 needs SEQ_DUMPS: the folder of the training cases' "
                 "shots_detect --dump output (<cases folder>-<seed>.dump)")
    _, _, described, where = train.training_rows(build, train.cases_version(), specs)
    print("training sets:", "; ".join(described), flush=True)
    cases, names, ids = [], [], []
    for case_id, (cases_dir, seed) in where.items():
        pic = train.pictures_path(build, cases_dir, seed)
        if not os.path.exists(pic):
            continue
        pics = np.fromfile(pic, np.uint8).reshape(-1, H, W)
        if len(pics) < 2:
            continue
        name = os.path.basename(pic)[:-len(".pic")]
        meas = measured(f"{dumps}/{name}.dump", len(pics))
        cases.append((pics, inputs(pics, meas),
                      frame_labels(f"{cases_dir}/{seed}.truth", len(pics))))
        names.append(name)
        ids.append(case_id)
    return cases, names, ids


def clips(cases, rng):
    """One epoch: every case cut into CLIP-frame clips at a random offset (short cases padded
    with their last frame, labelled and weighted 0), shuffled."""
    out = []
    for i, (pics, _, _) in enumerate(cases):
        n = len(pics)
        start = -int(rng.integers(0, CLIP)) if n > CLIP else 0
        for s in range(start, n, CLIP):
            out.append((i, max(0, s)))
    rng.shuffle(out)
    return out


def batch(cases, items, rng, augment=True):
    pics = np.empty((len(items), CLIP, H, W), np.uint8)
    diffs = np.empty((len(items), len(DIFFS) + MEASURED, CLIP), np.float32)
    ys = np.zeros((len(items), CLIP), np.float32)
    ws = np.zeros((len(items), CLIP), np.float32)
    for b, (i, s) in enumerate(items):
        p, d, y = cases[i]
        e = min(len(p), s + CLIP)
        s = max(0, e - CLIP)
        m = e - s
        pics[b, :m], diffs[b, :, :m], ys[b, :m], ws[b, :m] = p[s:e], d[:, s:e], y[s:e], 1
        if m < CLIP:
            pics[b, m:], diffs[b, :, m:] = p[e - 1], 0
        if augment and rng.random() < 0.5:
            pics[b] = pics[b, :, :, ::-1]
            if MEASURED:
                diffs[b, len(DIFFS)] *= -1  # (the camera's x shift)
        if augment and rng.random() < 0.5:  # backwards: the differences are then to frames after
            # (played backwards, a transition's frames lo+1..hi are frames lo..hi-1 of forwards:
            # the labels move by one)
            pics[b] = pics[b, ::-1]
            ys[b, 1:], ys[b, 0] = ys[b, ::-1][:-1].copy(), 0
            ws[b, 1:], ws[b, 0] = ws[b, ::-1][:-1].copy(), 0
            diffs[b, :len(DIFFS)] = differences(pics[b])
            if MEASURED:  # (a change from the frame before is then one to the frame after)
                meas = diffs[b, len(DIFFS):]
                meas[:, 1:], meas[:, 0] = meas[:, ::-1][:, :-1].copy(), 0
                meas[:2] *= -1
    return pics, diffs, ys, ws


def train_net(cases, t0):
    """The network fitted to cases (EPOCHS epochs), seeded."""
    import torch
    torch.set_num_threads(os.cpu_count() or 2)
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    frames = sum(len(c[0]) for c in cases)
    pos = sum(float(c[2].sum()) for c in cases)
    print(f"{len(cases)} cases, {frames} frames, {pos:.0f} in transitions", flush=True)
    model = make_module()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    pos_weight = torch.tensor(min(10.0, (frames - pos) / max(pos, 1) / 4))
    steps = EPOCHS * len(clips(cases, np.random.default_rng(0))) // 16
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps + 1)
    for epoch in range(EPOCHS):
        items, total, seen = clips(cases, rng), 0.0, 0
        for k in range(0, len(items) - 15, 16):
            pics, diffs, ys, ws = batch(cases, items[k:k + 16], rng)
            logits = model(torch.from_numpy(pics), torch.from_numpy(diffs))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, torch.from_numpy(ys), weight=torch.from_numpy(ws), pos_weight=pos_weight,
                reduction="sum") / float(ws.sum())
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total, seen = total + float(loss) * 16, seen + 16
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {total / max(seen, 1):.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)
    model.eval()
    return model


def probabilities(model, pics, meas):
    """Each frame's probability of lying inside a transition, for a track's pictures and their
    measured() changes."""
    import torch
    with torch.no_grad():
        logit = model(torch.from_numpy(pics[None].copy()),
                    torch.from_numpy(inputs(pics, meas)[None]))
    return torch.sigmoid(logit[0]).numpy()


def fit(build, model_path, specs):
    import torch
    t0 = time.time()
    cases, _, _ = load_training(build, specs)
    print(f"loaded ({time.time() - t0:.0f} s)", flush=True)
    torch.save(train_net(cases, t0).state_dict(), model_path)


def out_of_fold(build, out_dir, specs):
    """Each training case's frame probabilities from the network fitted to the other folds
    (train.folds' split by case id), as OUT_DIR/<name>.npy: the stacking column of a model
    that would take the probe's probability as a feature."""
    t0 = time.time()
    cases, names, ids = load_training(build, specs)
    os.makedirs(out_dir, exist_ok=True)
    for k, (fit_on, test_on) in enumerate(train.folds(ids)):
        print(f"fold {k + 1}/{train.FOLDS} ({time.time() - t0:.0f} s)", flush=True)
        model = train_net([cases[j] for j in fit_on], t0)
        for j in test_on:
            np.save(f"{out_dir}/{names[j]}.npy",
                    probabilities(model, cases[j][0], cases[j][1][len(DIFFS):]))


def read_dump(path):
    """(each frame's time, the shipped detector's boundary lines) of shots_detect --dump."""
    times, lines = [], []
    for line in open(path):
        if line.startswith("# "):
            times.append(float(line.split()[2][4:]))
        elif line.strip():
            lines.append(line)
    return times, lines


def boundaries(p, thr):
    """(frame, kind, first frame, last frame) per run of frames more likely inside a transition
    than not (p > 0.5, gaps of one frame closed) that reaches thr somewhere (hysteresis: a long
    transition whose middle dips below thr stays one run)."""
    above = np.flatnonzero(p > min(0.5, thr))
    out, k = [], 0
    while k < len(above):
        j = k
        while j + 1 < len(above) and above[j + 1] - above[j] <= 2:
            j += 1
        lo, hi = above[k], above[j]
        k = j + 1
        if p[lo:hi + 1].max() <= thr:
            continue
        if hi - lo <= 1:
            out.append((int(lo + np.argmax(p[lo:hi + 1])), "hard", lo, hi))
        else:
            out.append(((lo + hi + 1) // 2, "gradual", lo, hi))
    return out


def detect(model_path, dump_dir, out_dir, thresholds):
    import torch
    torch.set_num_threads(os.cpu_count() or 2)
    model = make_module()
    model.load_state_dict(torch.load(model_path))
    model.eval()
    floors = [float(x) for x in VETO]
    for name in sorted(f[:-5] for f in os.listdir(dump_dir) if f.endswith(".dump")):
        times, shipped = read_dump(f"{dump_dir}/{name}.dump")
        cache = f"{out_dir}/{name}.npy"
        if os.path.exists(cache):
            p = np.load(cache)
        else:
            pics = np.fromfile(f"{dump_dir}/{name}.pic", np.uint8).reshape(-1, H, W)
            p = probabilities(model, pics, measured(f"{dump_dir}/{name}.dump", len(pics)))
            os.makedirs(out_dir, exist_ok=True)
            np.save(cache, p)
        frames = np.searchsorted(times, [float(x.split()[0]) - 1e-3 for x in shipped])
        cand = f"{dump_dir}/{name}.cand"
        windows = gradual_windows(cand) if os.path.exists(cand) else None

        def lines(runs):
            return [f"{times[fr]:.4f} {kind} {p[fr]:.3f}\n" for fr, kind, _, _ in runs]

        def joined(runs):  # (the shipped boundaries and these, in time order)
            return sorted(shipped + lines(runs), key=lambda x: float(x.split()[0]))

        variants = {"shipped": shipped}
        for t in thresholds:
            found = boundaries(p, float(t))
            # the probe's runs where the shipped detector has no boundary (4 frames around)
            apart = [r for r in found if not any(r[2] - 4 <= f <= r[3] + 4 for f in frames)]
            gradual = [r for r in apart if r[1] == "gradual"]
            variants.update({f"t{t}": lines(found), f"u{t}": joined(apart),
                             f"g{t}": joined(gradual)})
            for floor in floors if windows is not None else ():
                variants[f"v{t}-{floor}"] = joined(
                    [r for r in gradual if max((q for lo, hi, q in windows
                                                if lo <= r[3] and hi >= r[2]), default=0) >= floor])
        write_variants(out_dir, name, f"{dump_dir}/{name}.truth", variants)


def write_variants(out_dir, name, truth, variants):
    """Each variant's boundary lines as OUT_DIR/<variant>/NAME.cuts, with a link to the truth
    beside them: what evaluate.py reads."""
    for variant, text in variants.items():
        os.makedirs(f"{out_dir}/{variant}", exist_ok=True)
        with open(f"{out_dir}/{variant}/{name}.cuts", "w") as fh:
            fh.writelines(text)
        link = f"{out_dir}/{variant}/{name}.truth"
        if not os.path.lexists(link):
            os.symlink(os.path.abspath(truth), link)


def main():
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] == "fit":
        fit(os.path.abspath(args[1]), args[2], args[3:])
    elif len(args) >= 3 and args[0] == "oof":
        out_of_fold(os.path.abspath(args[1]), args[2], args[3:])
    elif len(args) >= 5 and args[0] == "detect":
        detect(args[1], args[2], args[3], args[4:])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
