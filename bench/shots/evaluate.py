#!/usr/bin/env python3
"""Scores shot boundaries against ground truth.

evaluate.py [--label TEXT] [--json FILE] [--misses] [--lookalike] [--lost CANDIDATES_DIR]
            TRUTH_DIR DETECTIONS_DIR NAME...

TRUTH_DIR/NAME.truth is what gen_cases.py writes ("fps R", "hard T F", "gradual T0 T1 F0 F1 TYPE
MIXED", "event KIND T0 T1"; older files with only "fps/hard T/gradual T0 T1" lines work too), or
a hand-labelled file, which may also hold "ignore T0 T1" lines.
DETECTIONS_DIR/NAME.cuts: one detected boundary per line, its time first.

A hard cut matches a detection within +-2 frames (and is "exact" within half a frame); a gradual
transition matches one inside [T0 - 1 frame, T1 + 1 frame]. Each truth and each detection matches
at most once (nearest first). A detection that matches nothing is a false cut; on a negative file
(no hard/gradual lines) it counts in "cuts on negatives". A detection inside an "ignore" span (a
moment a hand-labelled file leaves open, e.g. a closing fade to black with no shot after it)
counts neither way.

Prints precision, recall, F1, hard-cut recall (and exact placements), gradual recall, cuts on
negatives, recall per transition family and per transition length, and the false cuts by the
disturbance they fall on. --lookalike also splits the recall by the shot a boundary leads to: a
look-alike (gen_cases.py drew it "similar": the same source reframed, or its twin photo) or
another picture; NAME must then be a seed of gen_cases.py's ordinary draw. --lost says where
each missed gradual transition was lost, from CANDIDATES_DIR/NAME.cand (`shots_detect FILE
--candidates` of the same build): no candidate window train.py would label positive over it (the
scan's coverage), one that the model scores below the gradual threshold of
src/engine/shots/shots_model_data.h, or one that passes and is lost when boundaries are kept.
"""
import json
import os
import re
import sys
from fractions import Fraction

from gen_cases import lookalike_transitions  # (the script's own folder is on sys.path)

FAMILY = {t: "fade" for t in ("fade", "fadeblack", "fadewhite", "fadegrays", "fadefast", "fadeslow",
                              "dissolve", "distance", "hblur", "pixelize")}
FAMILY.update({t: "slide" for t in ("slideleft", "slideright", "slideup", "slidedown", "squeezeh",
                                    "squeezev", "zoomin")})


def family(kind):
    return "kind unlabelled" if kind == "gradual" else FAMILY.get(kind, "wipe")


def load_truth(path):
    fps, items, events, ignored = 25.0, [], [], []
    for line in open(path):
        f = line.split()
        if not f:
            continue
        if f[0] == "fps":
            fps = float(Fraction(f[1]))
        elif f[0] == "hard":
            items.append({"kind": "hard", "t0": float(f[1]), "t1": float(f[1]), "type": "hard",
                          "mixed": 0, "frames": (int(f[2]) - 1, int(f[2])) if len(f) > 2 else None})
        elif f[0] == "gradual":
            t = f[5] if len(f) > 5 else "gradual"
            items.append({"kind": "gradual", "t0": float(f[1]), "t1": float(f[2]), "type": t,
                          "mixed": int(f[6]) if len(f) > 6 else None,
                          "frames": (int(f[3]), int(f[4])) if len(f) > 4 else None})
        elif f[0] == "event":
            events.append((f[1], float(f[2]), float(f[3])))
        elif f[0] == "ignore":
            ignored.append((float(f[1]), float(f[2])))
    return fps, items, events, ignored


def length_bucket(mixed):
    if mixed is None:  # (a hand-labelled file's "gradual T0 T1")
        return "length unlabelled"
    return "5-14" if mixed < 15 else "15-39" if mixed < 40 else "40-90"


def gradual_threshold():
    """The gradual model's threshold, as the repo's model data says."""
    here = os.path.dirname(os.path.abspath(__file__))
    text = open(f"{here}/../../src/engine/shots/shots_model_data.h").read()
    return float(re.search(r"#define SHOT_GRADUAL_THRESHOLD ([0-9.eE+-]+)", text).group(1))


def match(truth, dets, fps):
    """For each item of truth (in order), the index in dets of the detection it matches, or None:
    within +-2 frames of a hard cut, inside a gradual transition +-1 frame, each detection at
    most once, the nearest to the item's middle first."""
    used, out, frame = [False] * len(dets), [], 1.0 / fps
    for it in truth:
        t0, t1 = it["t0"], it["t1"]
        slack = (2 if it["kind"] == "hard" else 1) * frame + 1e-3
        best = None
        for j, d in enumerate(dets):
            if not used[j] and t0 - slack <= d <= t1 + slack and (
                    best is None or abs(d - (t0 + t1) / 2) < abs(dets[best] - (t0 + t1) / 2)):
                best = j
        if best is not None:
            used[best] = True
        out.append(best)
    return out


def candidate_windows(cand_path, tag="cand"):
    """(first frame, last frame, the model's probability) of each candidate of a `shots_detect
    FILE --candidates` file: its gradual windows ("cand"), or its hard cuts ("hcand", the cut
    before the last frame)."""
    return [(int(f[3]), int(f[4]), float(f[6])) for f in map(str.split, open(cand_path))
            if f and f[0] == tag]


def gradual_windows(cand_path):
    """candidate_windows' gradual windows."""
    return candidate_windows(cand_path)


def lost_where(cand_path, truth, index, threshold):
    """Where truth[index] (a missed gradual transition; truth as load_truth reads it, with frame
    numbers) was lost: "no window", "scored low" or "lost after the model" (see --lost)."""
    from train import label  # (numpy: only with --lost)
    if not os.path.exists(cand_path):
        sys.exit(f"--lost: no {cand_path} (write it with shots_detect FILE --candidates)")
    if any(it["frames"] is None for it in truth):
        sys.exit(f"--lost: {cand_path}'s truth has no frame numbers (gen_cases.py writes them)")
    bounds = [(it["kind"], *it["frames"]) for it in truth]  # (train.py's form)
    _, a, b = bounds[index]
    best = None
    for lo, hi, p in gradual_windows(cand_path):
        if lo < b and hi > a and label(lo, hi, bounds) == 1:
            best = max(best or 0.0, p)
    return "no window" if best is None else "scored low" if best < threshold else \
        "lost after the model"


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main():
    args = sys.argv[1:]
    label, json_out, misses, lookalike, lost_dir = "", None, False, False, None
    while args and args[0].startswith("--"):
        if args[0] == "--label":
            label, args = args[1], args[2:]
        elif args[0] == "--json":
            json_out, args = args[1], args[2:]
        elif args[0] == "--misses":
            misses, args = True, args[1:]
        elif args[0] == "--lookalike":
            lookalike, args = True, args[1:]
        elif args[0] == "--lost":
            lost_dir, args = args[1], args[2:]
        else:
            sys.exit(f"unknown option {args[0]}")
    truth_dir, det_dir, names = args[0], args[1], args[2:]
    tp = fp = fn = 0
    hard_tp = hard_n = hard_exact = grad_tp = grad_n = 0
    neg_cuts = neg_files = 0
    by_group = {}  # group -> [found, total]
    fp_on = {}  # what false cuts fall on
    lost = {}  # (the shot led to, where) -> missed gradual transitions
    threshold = gradual_threshold() if lost_dir else None
    missed = []
    for name in names:
        fps, truth, events, ignored = load_truth(f"{truth_dir}/{name}.truth")
        dets = []
        try:
            for line in open(f"{det_dir}/{name}.cuts"):
                if line.strip():
                    dets.append(float(line.split()[0]))
        except FileNotFoundError:
            pass
        dets = [d for d in dets if not any(a <= d <= b for a, b in ignored)]
        matched = match(truth, dets, fps)
        used = [False] * len(dets)
        frame = 1.0 / fps
        # whether each boundary leads to a look-alike shot (truth lists the transitions in order)
        similar = lookalike_transitions(int(name)) if lookalike else [None] * len(truth)
        for index, (it, alike, best) in enumerate(zip(truth, similar, matched)):
            t0 = it["t0"]
            found = best is not None
            if found:
                used[best] = True
            groups = ["all"]
            if lookalike:
                groups.append(f"led to:{it['kind']} into " + ("a look-alike" if alike else "another picture"))
            if it["kind"] == "hard":
                hard_n += 1
                hard_tp += found
                if found and abs(dets[best] - t0) < 0.5 * frame:
                    hard_exact += 1
                groups.append("hard")
            else:
                grad_n += 1
                grad_tp += found
                groups += ["gradual:" + family(it["type"]), "gradual:" + length_bucket(it["mixed"])]
            for g in groups:
                s = by_group.setdefault(g, [0, 0])
                s[0] += found
                s[1] += 1
            tp += found
            fn += not found
            if not found:
                missed.append(f"{name}:{it['type']}@{t0:.3f}")
            if not found and lost_dir and it["kind"] == "gradual":
                where = lost_where(f"{lost_dir}/{name}.cand", truth, index, threshold)
                into = ("" if alike is None else
                        "into a look-alike" if alike else "into another picture")
                lost[(into, where)] = lost.get((into, where), 0) + 1
        extra = [d for j, d in enumerate(dets) if not used[j]]
        fp += len(extra)
        if not truth:
            neg_files += 1
            neg_cuts += len(extra)
        for d in extra:
            on = "shot"
            for kind, a, b in events:
                if a - 3 * frame <= d <= b + 3 * frame:
                    on = kind
            fp_on[on] = fp_on.get(on, 0) + 1
            missed.append(f"{name}:false@{d:.3f}({on})")
    p, r, f = prf(tp, fp, fn)
    head = f"{label}: " if label else ""
    print(f"{head}F1 {f:.3f}  precision {p:.3f}  recall {r:.3f}  (tp {tp}, false {fp}, missed {fn})")
    print(f"{' ' * len(head)}hard-cut recall {hard_tp / hard_n if hard_n else 1:.3f} ({hard_tp}/{hard_n},"
          f" exact {hard_exact})  gradual recall {grad_tp / grad_n if grad_n else 1:.3f}"
          f" ({grad_tp}/{grad_n})  cuts on negatives {neg_cuts} ({neg_files} files)")
    def recall_line(title, prefix):  # "found/total" of every group named prefix:...
        parts = [f"{g.split(':')[1]} {v[0]}/{v[1]}" for g, v in sorted(by_group.items())
                 if g.startswith(prefix + ":")]
        print(f"{' ' * len(head)}{title}: " + ", ".join(parts))
    recall_line("gradual by kind and length", "gradual")
    if lookalike:
        recall_line("by the shot led to", "led to")
    if lost_dir:
        for into in sorted(set(k[0] for k in lost)):
            parts = [f"{w} {lost.get((into, w), 0)}" for w in
                     ("no window", "scored low", "lost after the model")]
            print(f"{' ' * len(head)}missed gradual {into + ' ' if into else ''}lost: " +
                  ", ".join(parts))
    if fp_on:
        print(f"{' ' * len(head)}false cuts on: " + ", ".join(f"{k} {v}" for k, v in sorted(fp_on.items())))
    if misses and missed:
        print(f"{' ' * len(head)}misses: " + " ".join(missed))
    if json_out:
        with open(json_out, "w") as fh:
            json.dump({"label": label, "f1": f, "precision": p, "recall": r, "tp": tp, "fp": fp,
                       "fn": fn, "hard_recall": hard_tp / hard_n if hard_n else 1.0,
                       "hard_exact": hard_exact, "hard": hard_n,
                       "gradual_recall": grad_tp / grad_n if grad_n else 1.0, "gradual": grad_n,
                       "negative_cuts": neg_cuts, "negative_files": neg_files,
                       "groups": by_group, "false_on": fp_on}, fh, indent=1)


if __name__ == "__main__":
    main()
