#!/usr/bin/env python3
"""Probe: a referee over the shipped detector's boundaries and the sequence probe's runs. A probe,
not a model that ships.

The shipped detector (candidate windows scored by boosted trees over measured cues) and the
sequence probe (seq_probe.py: a network over the whole track, one probability per frame) miss
different transitions: the probe finds long ones and slides the windows miss, and cuts panning
and zooming shots the measured cues refuse (HISTORY.md, "a network over the whole track"). A
plain union trades one for the other. Here every boundary either proposes is one row - what the
detector said of it, what the probe said, what the candidate windows scored there, how much the
camera moved - and boosted trees (train.py's fit_trees, depth 3) say whether it is a real one,
fitted to tuning-side cases by their truth.

    python3 bench/shots/referee.py cv DUMP_DIR PROB_DIR OUT_DIR THRESHOLD...
        every case of DUMP_DIR scored by trees fitted to the other folds (train.py's FOLDS,
        cases split by name), the boundaries at or over each THRESHOLD written as
        OUT_DIR/r<THRESHOLD>/NAME.cuts (and the shipped ones as OUT_DIR/shipped) for
        evaluate.py: what choosing the threshold on a dev range looks at.
    python3 bench/shots/referee.py fit DUMP_DIR PROB_DIR MODEL.json
        the trees fitted to every case of DUMP_DIR.
    python3 bench/shots/referee.py apply MODEL.json DUMP_DIR PROB_DIR OUT_DIR THRESHOLD...
        those trees on another range (the validation range: once, at the threshold cv chose).
    python3 bench/shots/referee.py export MODEL.json THRESHOLD HEADER.h
        writes the trees and the threshold as src/engine/shots/shots_referee_data.h for
        shots_referee.c (MODEL.json "none": no referee, the detector's boundaries stand). That
        file and the sequence network in C are not in the tree: they are the patch
        results/seq-referee-c-2026-12-07.patch (HISTORY.md, "a referee over the detector and
        the sequence probe"), which also gives shots_detect --no-referee - what DUMP_DIR's
        dumps must be made with once the referee is in the detector.

DUMP_DIR holds per case NAME: NAME.dump (shots_detect FILE --dump: each frame's time and
measured change, and the shipped boundaries), NAME.cand (shots_detect FILE --candidates) and
NAME.truth; PROB_DIR holds NAME.npy, the probe's frame probabilities (seq_probe.py detect's
cache; a case without one is left out: seq_probe.py oof leaves out a case of fewer than two
frames). The probe's runs are seq_probe.boundaries at RUN_FLOOR (0.5: every run over 0.5).
REFEREE_NO_PROBE=1 is the control: every probability taken as 0 (no run proposed, the probe's
features 0), the referee a second opinion on the detector's own boundaries only.
"""
import json
import os
import sys

import numpy as np

import evaluate
import seq_probe
import train

RUN_FLOOR = 0.5
NO_PROBE = os.environ.get("REFEREE_NO_PROBE") == "1"
MIN_SHOT = 0.3  # seconds: the detector's default minimum shot (ENGINE_SHOT_MIN_DEFAULT)
NEAR = 4  # frames: a probe run this close to a shipped boundary is that boundary
AROUND = 8  # frames either side of a row whose camera motion is measured
CLOSE = 2  # frames: a candidate window or hard candidate this close belongs to a row
ROUNDS = int(os.environ.get("REFEREE_ROUNDS", "60"))
KINDS = {"hard": 1, "gradual": 2, "fade": 3}
NAMES = ["shipped kind", "shipped strength", "probe max", "probe run frames", "probe mean",
         "gradual window", "hard candidate", "camera shift", "residual", "motion",
         "run is hard"]


def read_measured(dump_path):
    """Per frame (shift magnitude, residual, motion) from shots_detect --dump."""
    rows = [(np.hypot(*(float(v) for v in kv["shift"].split(","))), float(kv["residual"]),
             float(kv["motion"])) for _, kv in seq_probe.dump_frames(dump_path)]
    return np.array(rows, float).reshape(-1, 3)


def case_rows(dump_dir, prob_dir, name):
    """(times of the rows' boundaries, their kinds, their features, their labels) of one case."""
    times, shipped = seq_probe.read_dump(f"{dump_dir}/{name}.dump")
    p = np.load(f"{prob_dir}/{name}.npy")
    if NO_PROBE:  # (the control: what the referee makes of the detector's own output alone)
        p = np.zeros_like(p)
    meas = read_measured(f"{dump_dir}/{name}.dump")
    windows = evaluate.gradual_windows(f"{dump_dir}/{name}.cand")
    hards = [(hi, q) for _, hi, q in evaluate.candidate_windows(f"{dump_dir}/{name}.cand",
                                                                  "hcand")]
    n = len(times)
    runs = seq_probe.boundaries(p, RUN_FLOOR)
    props = []  # (frame, kind, shipped kind, shipped strength, run lo, run hi)
    used = set()
    for line in shipped:
        t, kind, strength = line.split()[:3]
        fr = min(int(np.searchsorted(times, float(t) - 1e-3)), n - 1)
        near = [k for k, r in enumerate(runs) if r[2] - NEAR <= fr <= r[3] + NEAR]
        used.update(near)
        lo, hi = (min(runs[k][2] for k in near), max(runs[k][3] for k in near)) if near \
            else (fr, fr)
        props.append((fr, kind, KINDS[kind], float(strength), lo, hi))
    for k, (fr, kind, lo, hi) in enumerate(runs):
        if k not in used:
            props.append((fr, kind, 0, 0.0, lo, hi))
    feats, kinds, at = [], [], []
    for fr, kind, sk, strength, lo, hi in props:
        a, b = max(0, lo - NEAR), min(n, hi + NEAR + 1)
        around = meas[max(0, lo - AROUND):min(n, hi + AROUND + 1)]
        inside = p[lo:hi + 1]
        feats.append([sk, strength, float(p[a:b].max()), float((inside > RUN_FLOOR).sum()),
                      float(inside.mean()),
                      max((q for wl, wh, q in windows if wl <= hi + CLOSE and wh >= lo - CLOSE),
                          default=0.0),
                      max((q for hf, q in hards if abs(hf - fr) <= CLOSE), default=0.0),
                      *(around.mean(axis=0) if len(around) else (0.0, 0.0, 0.0)),
                      float(hi - lo <= 1)])
        kinds.append(kind)
        at.append(times[fr])
    fps, truth, _, _ = evaluate.load_truth(f"{dump_dir}/{name}.truth")
    order = np.argsort(at)
    at = [at[k] for k in order]
    matched = set(j for j in evaluate.match(truth, at, fps) if j is not None)
    return (at, [kinds[k] for k in order], [feats[k] for k in order],
            [int(j in matched) for j in range(len(at))])


def load(dump_dir, prob_dir):
    names = sorted(f[:-5] for f in os.listdir(dump_dir)
                   if f.endswith(".dump") and os.path.exists(f"{prob_dir}/{f[:-5]}.npy"))
    return names, [case_rows(dump_dir, prob_dir, name) for name in names]


def flatten(cases):
    xs, ys, case_of = [], [], []
    for c, (_, _, feats, labels) in enumerate(cases):
        xs += feats
        ys += labels
        case_of += [c] * len(feats)
    return xs, ys, case_of


def kept(at, kinds, scores, threshold, times):
    """The boundaries scoring threshold or more, the best first, each only at MIN_SHOT or more
    from the track's ends and from each one kept before (the detector's minimum shot), as
    evaluate.py's lines in time order."""
    keep = []
    for k in sorted(range(len(at)), key=lambda k: -scores[k]):
        if scores[k] >= threshold and at[k] - times[0] >= MIN_SHOT and \
                times[-1] - at[k] >= MIN_SHOT and all(abs(at[k] - at[j]) >= MIN_SHOT for j in keep):
            keep.append(k)
    return [f"{at[k]:.4f} {kinds[k]} {scores[k]:.3f}\n" for k in sorted(keep, key=lambda k: at[k])]


def write(out_dir, dump_dir, names, cases, scores, thresholds):
    k = 0
    for name, (at, kinds, _, _) in zip(names, cases):
        s = scores[k:k + len(at)]
        k += len(at)
        times, shipped = seq_probe.read_dump(f"{dump_dir}/{name}.dump")
        variants = {f"r{t}": kept(at, kinds, s, float(t), times) for t in thresholds}
        variants["shipped"] = shipped
        seq_probe.write_variants(out_dir, name, f"{dump_dir}/{name}.truth", variants)


def fit_all(xs, ys):
    """The referee's trees fitted to rows xs with labels ys: (bias, trees)."""
    return train.fit_trees(xs, ys, train.balanced_weights(ys), rounds=ROUNDS)


def export(model_path, threshold, header):
    """Writes the trees of model_path (fit's MODEL.json, or "none") and the threshold as a C
    header: shots_referee_data.h."""
    import subprocess
    m = json.load(open(model_path)) if model_path != "none" else {"bias": 0.0, "trees": []}
    trees = m["trees"] or [[[-1] * 7, [0.0] * 7, [0.0] * 8]]  # (C has no empty array)
    rows = lambda vals, fmt: "{" + ", ".join("{" + ", ".join(fmt(v) for v in t) + "}"
                                             for t in vals) + "}"
    source = "no referee (the detector's boundaries stand)" if model_path == "none" else \
        f"{os.path.basename(model_path)}, fitted by referee.py fit"
    with open(header, "w") as fh:
        fh.write(f"""/* shots_referee_data: the referee's trees (shots_referee.c) - GENERATED by `python3 bench/shots/referee.py export {model_path} {threshold} {os.path.relpath(os.path.abspath(header), train.ROOT)}` from {source}; do not edit. */

#ifndef REELCUT_SHOTS_REFEREE_DATA_H
#define REELCUT_SHOTS_REFEREE_DATA_H

/* features: {", ".join(NAMES)} */
#define SHOT_REFEREE_FEATURES {len(NAMES)}
#define SHOT_REFEREE_TREES {len(m["trees"])}
#define SHOT_REFEREE_BIAS ({m["bias"]!r})
#define SHOT_REFEREE_THRESHOLD {threshold!r}
static const signed char SHOT_REFEREE_FEATURE[{len(trees)}][7] = {rows([t[0] for t in trees], str)};
static const double SHOT_REFEREE_THRESHOLD_AT[{len(trees)}][7] = {rows([t[1] for t in trees], repr)};
static const double SHOT_REFEREE_LEAF[{len(trees)}][8] = {rows([t[2] for t in trees], repr)};

#endif
""")
    subprocess.run(["clang-format", "-i", header], check=True)



def main():
    args = sys.argv[1:]
    if len(args) >= 5 and args[0] == "cv":
        names, cases = load(args[1], args[2])
        xs, ys, case_of = flatten(cases)
        print(f"{len(xs)} boundaries proposed, {sum(ys)} real", file=sys.stderr)
        oof = train.out_of_fold(xs, ys, train.balanced_weights(ys), case_of, rounds=ROUNDS)
        write(args[3], args[1], names, cases, oof, args[4:])
    elif len(args) == 4 and args[0] == "fit":
        _, cases = load(args[1], args[2])
        xs, ys, _ = flatten(cases)
        bias, model = fit_all(xs, ys)
        uses = np.bincount([f for feats, _, _ in model for f in feats if f >= 0],
                           minlength=len(NAMES))
        print("splits per feature: " + ", ".join(f"{n} {u}" for n, u in zip(NAMES, uses)),
              file=sys.stderr)
        with open(args[3], "w") as fh:
            json.dump({"bias": bias, "trees": model}, fh)
    elif len(args) >= 6 and args[0] == "apply":
        m = json.load(open(args[1]))
        names, cases = load(args[2], args[3])
        xs, _, _ = flatten(cases)
        write(args[4], args[2], names, cases,
              [float(q) for q in train.predict(m["bias"], m["trees"], xs)], args[5:])
    elif len(args) == 4 and args[0] == "export":
        export(args[1], float(args[2]), args[3])
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
