#!/usr/bin/env python3
"""Whether more training data would help the boundary models: a learning curve on the cached
candidates of train.py's training sets, nothing decoded that train.py has already decoded.

    CASES_VERSION=3 python3 bench/shots/learning_curve.py BUILD_DIR [SEEDS ...]
                    (the same set ranges as train.py; CASES_VERSION as there)

A third of the cases (by seed, at random with a fixed seed) is held aside. The models are trained
as train.py trains them on a quarter, a half and all of the other cases (and on all with twice
the trees); for each, the held-aside positives passing the threshold at which train.py's share of
the held-aside negatives passes (1 in 400 gradual windows, 1 in 1000 hard-cut candidates) are
printed. A curve still rising from a half to all says more cases would help; a flat one says the
cues, not the cases, are what is short (bench/shots/HISTORY.md, 2026-12-07).
"""
import os
import random
import sys

import numpy as np  # Debian: python3-numpy (scripts/deps.sh test)

import train


def curve(rows, key, rate):
    cases = sorted(set(r[2] for r in rows))
    rng = random.Random(7)
    aside = set(c for c in cases if rng.random() < 0.33)
    rest = [c for c in cases if c not in aside]
    rng.shuffle(rest)
    test = [r for r in rows if r[2] in aside]
    xt = [r[0] for r in test]
    yt = np.array([1 if r[1] == 1 else 0 for r in test])
    counted = np.array([not r[5] for r in test])  # negatives that would be false boundaries
    for share, trees in ((0.25, train.TREES), (0.5, train.TREES), (1.0, train.TREES),
                         (1.0, 2 * train.TREES)):
        use = set(rest[:int(len(rest) * share)])
        fit = [r for r in rows if r[2] in use]
        ys = [1 if r[1] == 1 else 0 for r in fit]
        bias, model = train.fit_trees([r[0] for r in fit], ys, train.balanced_weights(ys),
                                      rounds=trees)
        p = train.predict(bias, model, xt)
        neg = np.sort(p[(yt == 0) & counted])[::-1]
        threshold = train.passing_threshold(neg, rate)
        passing = int(((p >= threshold) & (yt == 1)).sum())
        print(f"{key}: {share:.2f} of the cases ({len(use)}), {trees} trees: {passing} of "
              f"{int(yt.sum())} held-aside positives pass at {threshold:.4f} "
              f"({len(neg)} negatives)", flush=True)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    rows, _, described, _ = train.training_rows(build, train.cases_version(), sys.argv[2:])
    print("sets: " + ", ".join(described))
    curve(rows["cand"], "gradual", train.NEG_PASS_RATE)
    curve(rows["hcand"], "hard", train.HARD_NEG_PASS_RATE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
