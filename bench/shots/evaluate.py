#!/usr/bin/env python3
"""Scores shot boundaries against ground truth: evaluate.py TRUTH_DIR DETECTIONS_DIR NAME...
TRUTH_DIR/NAME.truth: "fps R", "hard T", "gradual T0 T1". DETECTIONS_DIR/NAME.cuts: one time per
line (first field). A hard cut matches a detection within +-2 frames; a gradual transition matches
one inside [T0 - 1 frame, T1 + 1 frame]. Each truth and each detection matches at most once.
Prints per-class and overall precision/recall/F1, and cuts found on negatives."""
import sys
from fractions import Fraction


def load_truth(path):
    fps, items = 25.0, []
    for line in open(path):
        f = line.split()
        if not f:
            continue
        if f[0] == "fps":
            fps = float(Fraction(f[1]))
        elif f[0] == "hard":
            items.append(("hard", float(f[1]), float(f[1])))
        elif f[0] == "gradual":
            items.append(("gradual", float(f[1]), float(f[2])))
    return fps, items


def main():
    truth_dir, det_dir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    stats = {k: {"tp": 0, "fn": 0, "fp": 0} for k in ("hard", "gradual")}
    neg_cuts, neg_files = 0, 0
    for name in names:
        fps, truth = load_truth(f"{truth_dir}/{name}.truth")
        dets = []
        for line in open(f"{det_dir}/{name}.cuts"):
            if line.strip():
                dets.append(float(line.split()[0]))
        used = [False] * len(dets)
        frame = 1.0 / fps
        for kind, t0, t1 in truth:
            lo, hi = (t0 - 2 * frame - 1e-3, t1 + 2 * frame + 1e-3) if kind == "hard" else (
                t0 - frame - 1e-3, t1 + frame + 1e-3)
            best = None
            for j, d in enumerate(dets):
                if not used[j] and lo <= d <= hi and (best is None or abs(d - t0) < abs(dets[best] - t0)):
                    best = j
            if best is None:
                stats[kind]["fn"] += 1
            else:
                used[best] = True
                stats[kind]["tp"] += 1
        extra = used.count(False)
        if not truth:
            neg_files += 1
            neg_cuts += extra
        else:
            kinds = {k for k, _, _ in truth}
            stats["gradual" if kinds == {"gradual"} else "hard"]["fp"] += extra
        miss = [f"{k}@{t0:.3f}" for k, t0, _ in truth]
        print(f"  {name:16s} truth={len(truth)} detected={len(dets)} extra={extra}", file=sys.stderr)

    def prf(s):
        p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
        r = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    total = {k: stats["hard"][k] + stats["gradual"][k] for k in ("tp", "fn", "fp")}
    for label, s in (("hard", stats["hard"]), ("gradual", stats["gradual"]), ("overall", total)):
        p, r, f = prf(s)
        print(f"{label:8s} precision={p:.3f} recall={r:.3f} F1={f:.3f} (tp={s['tp']} fp={s['fp']} fn={s['fn']})")
    print(f"negatives: {neg_cuts} cuts on {neg_files} files")


main()
