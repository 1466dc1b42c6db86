#!/usr/bin/env python3
"""Trains the gradual-transition model of src/engine/shots/shots_gradual.c and writes
src/engine/shots/shots_model_data.h, and the picture network the gradual model stacks on
(src/engine/shots/shots_net_data.h: net.py; needs Debian's python3-torch).

    python3 bench/shots/train.py BUILD_DIR [SEEDS [NEGATIVE [SIMILAR [GRADUAL [NEAR [REGRADE
                           [CAMERA [CLOSE [VFR [EVOLVE [STUTTER [APPROACH]]]]]]]]]]]]
                           (seed ranges; defaults 1000-1699, 2000-2099, 3000-3059, 4000-4199,
                            5000-5059, 6000-6039, 7000-7079, 8000-8079, 9000-9079, 10000-10079,
                            12000-12079, none)

NEGATIVE_SEEDS are rendered with gen_cases.py --negative (one continuous shot with disturbances,
in their own cache folder): whips, crash zooms and pans that reveal new content are rare in the
ordinary mix, and they are exactly what the models must learn to refuse. SIMILAR_SEEDS are
rendered with --similar (cuts between look-alike or regraded shots): the hard positives.
GRADUAL_SEEDS are rendered with --gradual (every transition gradual): more of the rarer xfade
types (slides, circles, short and long ones) to learn from. NEAR seeds are rendered with --near
(a flash, burst or corrupt frame a few frames from a transition, as in damaged recordings),
REGRADE seeds with --regrade (every new shot the old view recoloured: colour-only cuts), CAMERA
seeds with --camera (negatives of whip pans, crash zooms and fast pans only: the kinds of the
held-out range's false cuts, by summary figures), CLOSE seeds with --close (transitions less than
0.5 s apart around a 0.3-0.49 s shot), VFR seeds with --vfr (the ordinary draw with frames
dropped: variable frame rate, where a window of frames spans more time than its neighbours),
EVOLVE seeds with --evolve (shots whose picture keeps changing by itself - a fast fractal zoom,
gradients, life - whose windows drift as far as a dissolve's ends and are no transition), STUTTER
seeds with --stutter (the ordinary draw with pictures held and repeated: low frame rates converted
up, whose steps spike like cuts; 12100-12149 stay out of training to score on), APPROACH seeds
with --approach (negatives of subjects walking up to the camera, the real footage's false
boundaries; none by default: trained on 15100-15199 on 2026-12-07, the models lost 13 of 152
validation transitions and kept the real footage's false boundaries, bench/shots/HISTORY.md;
15000-15059 stay out of training to score on: run.sh prints them). An empty range skips its set.

CASES_VERSION=N (environment) trains on the cached cases of generator version N (e.g. 3, whose
training sets are rendered) instead of gen_cases.py's current one; seeds missing there are
rendered by the current generator.

KEEP_HARD=1 (environment) trains the gradual model only and keeps the hard-cut model of the
current src/engine/shots/shots_model_data.h, as written: for a change to the gradual windows alone
(the hard candidates and their features unchanged), judged against the shipped hard model rather
than a retrained one, which cuts more validation negatives (bench/shots/HISTORY.md, 2026-12-07).

The gradual windows' "picture" feature is the picture network's logit for the window's seven
thumbnails (net.py; the thumbnails from shots_detect --pictures, cached beside the candidates).
The trees are trained on its out-of-fold logits (3 folds, as below), and the network that ships
is then fitted to every window (about 35 minutes on two cores). NET=0 (environment) sets the column
to 0 (the trees never split on it) and trains no network, leaving shots_net_data.h as it is: a
control for what the network adds.

Training data come from generated cases (gen_cases.py) of TRAINING seeds only - never from the
held-out range (100000 and up; see bench/shots/README.md). For every case, BUILD_DIR/shots_detect
--candidates lists the candidate windows the scan finds with their measured features; each window
is labelled against the case's truth (gradual windows):
  positive   it covers >= 70% of one gradual transition, is at most twice (+8 frames) as long, and
             holds no other boundary;
  negative   it touches no transition and no hard cut;
  negative   it touches one gradual transition but covers < 30% of it and lies < 30% inside it
             (a window hanging off the transition's end into a moving shot: its boundary would
             land in that shot);
  negative, no false cut if it fires (weighted like any negative, not counted when choosing the
             threshold): it covers >= 70% of two transitions (its one boundary would fall in the
             shot between them), or one but is more than 3x (+16 frames) as long;
  (skipped)  anything in between (partial overlaps, windows around hard cuts: the hard-cut finder
             owns those).
Hard-cut candidates (one per frame) are positive on the exact frame of a cut, skipped within 2
frames of it, negative inside a gradual transition (no false cut) and anywhere else.
Each model is 120 boosted depth-3 regression trees on the logistic loss (classes weighted
equally); the threshold is chosen on out-of-fold probabilities (3 folds, cases split by seed):
for gradual windows the lowest probability at which no more than 1 in 400 negative windows passes
(precision matters more than recall: a false cut splits a shot, and zero false cuts on negatives
is a target), for hard cuts (one candidate per peak of change, most of them inside shots) the one
at which no more than 1 in 1000 negative peaks passes.
"""
import concurrent.futures
import hashlib
import math
import os
import subprocess
import sys

import numpy as np  # Debian: python3-numpy (scripts/deps.sh test)

from gen_cases import parse_seeds  # (bench/shots, the script's own folder, is on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TREES = 120  # boosting rounds (depth-3 trees)
RATE = 0.15  # shrinkage
MIN_LEAF = 8  # windows per leaf at least
LAMBDA = 1.0  # L2 on leaf values
FOLDS = 3  # the threshold is chosen on out-of-fold probabilities (cases grouped by seed)
NEG_PASS_RATE = 1 / 400.0
HARD_NEG_PASS_RATE = 1 / 1000.0
# What the candidates and their features depend on (the model data does not change them).
FEATURE_SOURCES = ["src/engine/shots/analyze.c", "src/engine/shots/analyze.h",
                   "src/engine/shots/analyze_frame.c", "src/engine/shots/shots.c",
                   "src/engine/shots/shots_gradual.c", "src/engine/shots/shots_hard.c",
                   "src/engine/shots/shots_int.h", "src/engine/shots/shots_model.c",
                   "bench/tools/shots_detect.c"]


def seeds_of(spec):
    out = parse_seeds([spec])
    if any(s >= 100000 for s in out):
        sys.exit("refusing to train on held-out seeds (>= 100000)")
    return out


def load_truth(path):
    bounds = []  # (kind, lo_frame, hi_frame)
    for line in open(path):
        f = line.split()
        if f and f[0] == "hard":
            c = int(f[2])
            bounds.append(("hard", c - 1, c))
        elif f and f[0] == "gradual":
            bounds.append(("gradual", int(f[3]), int(f[4])))
    return bounds


def label(lo, hi, bounds):
    """1 positive, 0 negative, 2 negative that is no false boundary, None skipped."""
    touching = [b for b in bounds if lo < b[2] and hi > b[1]]
    if not touching:
        return 0
    covered = [(min(hi, b) - max(lo, a)) / float(b - a) for _, a, b in touching]
    if len(touching) > 1:
        # spans two transitions and the shot between them: its one boundary would land in that
        # shot and hide both (the scan must prefer the two windows of their own)
        return 2 if sum(1 for c in covered if c >= 0.7) >= 2 else None
    kind, a, b = touching[0]
    if kind == "hard":
        return None
    if covered[0] >= 0.7 and hi - lo <= 2 * (b - a) + 8:
        return 1
    if covered[0] >= 0.7 and hi - lo > 3 * (b - a) + 16:
        return 2  # far wider than the transition: the window of its own length must win
    if covered[0] < 0.3 and (min(hi, b) - max(lo, a)) < 0.3 * (hi - lo):
        return 0  # hangs off one end of the transition: its boundary would land in a shot
    return None


def label_hard(frame, bounds):
    """1: a true hard cut at exactly this frame; 0: nowhere near a boundary, or inside a gradual
    transition (the gradual finder gives that one boundary); None: close to a cut but not on it,
    or next to a gradual transition."""
    for kind, a, b in bounds:
        if kind == "hard" and b == frame:
            return 1
        if kind == "hard" and abs(b - frame) <= 2:
            return None
        if kind == "gradual" and a <= frame <= b + 1:
            return 2  # inside a gradual transition: negative (one gradual boundary belongs
            # there), but not a false cut if it fires (it lies inside the transition)
        if kind == "gradual" and frame in (a - 1, b + 2):
            return None
    return 0


def cache_dir(build):
    """Where collect caches shots_detect's output: per version of FEATURE_SOURCES."""
    h = hashlib.sha1()
    for src in FEATURE_SOURCES:
        h.update(open(f"{ROOT}/{src}", "rb").read())
    return f"{build}/bench-shots-cand/{h.hexdigest()[:16]}"


def pictures_path(build, cases, seed):
    """The case's pictures as shots_detect --pictures wrote them (collect)."""
    return f"{cache_dir(build)}/{os.path.basename(cases)}-{seed}.pic"


def collect(build, cases, seeds):
    """Candidates with their features and labels: rows of (features, label, seed, start time,
    end time, whether a negative is no false cut if it fires, first frame, last frame).
    shots_detect's output is cached per version of the code that measures the features
    (BUILD_DIR/bench-shots-cand/<sha1 of FEATURE_SOURCES>/; not the model: retraining alone does
    not decode again). Rebuild shots_detect after changing those sources."""
    names, rows = {}, {"cand": [], "hcand": []}
    cache = cache_dir(build)
    os.makedirs(cache, exist_ok=True)
    listing = os.listdir(cases)
    todo = {}  # seed -> (media file, cache file)
    for s in seeds:
        media = [f for f in listing if f.startswith(f"{s}.") and not f.endswith(".truth")
                 and ".tmp." not in f]
        if media and os.path.exists(f"{cases}/{s}.truth"):
            todo[s] = (media[0], f"{cache}/{os.path.basename(cases)}-{s}.cand")

    def detect(item):
        media, cached = item
        if not os.path.exists(cached):
            out = subprocess.run(["nice", "-n", "10", f"{build}/shots_detect",
                                  f"{cases}/{media}", "--candidates", "--pictures",
                                  cached[:-len(".cand")] + ".pic"],
                                 capture_output=True, text=True, check=True).stdout
            with open(cached + ".tmp", "w") as fh:
                fh.write(out)
            os.replace(cached + ".tmp", cached)

    # one case per core: the feature code is single-threaded, the decoders' threads wait on it
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(detect, todo.values()))
    for s, (_, cached) in todo.items():
        bounds = load_truth(f"{cases}/{s}.truth")
        out = open(cached).read()
        for line in out.split("\n"):
            f = line.split()
            if not f:
                continue
            if f[0] == "features":
                names["cand"] = f[1:]
            elif f[0] == "hfeatures":
                names["hcand"] = f[1:]
            elif f[0] in ("cand", "hcand"):
                lo, hi = int(f[3]), int(f[4])
                y = label(lo, hi, bounds) if f[0] == "cand" else label_hard(hi, bounds)
                if y is not None:
                    rows[f[0]].append(([float(v) for v in f[7:]], y, s, float(f[1]), float(f[2]),
                                       y == 2, lo, hi))
    return names, rows


def make_bins(x, nbins=32):
    """Per feature (column of x), up to nbins-1 candidate thresholds (quantiles of the training
    values)."""
    n = len(x)
    cuts = []
    for i in range(x.shape[1]):
        v = np.sort(x[:, i])
        cuts.append(np.array(sorted(set(v[int(n * k / nbins)] for k in range(1, nbins)))))
    return cuts


def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -40, 40)))


def fit_trees(xs, ys, weights, rounds=TREES, depth=3, rate=RATE, min_leaf=MIN_LEAF):
    """Gradient-boosted regression trees on the logistic loss (Newton leaf values). Returns
    (bias, [(features[7], thresholds[7], leaves[8])]). A node splits on the (feature, bin) of
    the largest gain, the first in that order on ties."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    w = np.asarray(weights, dtype=float)
    n, d = x.shape
    cuts = make_bins(x)
    # bin = number of a feature's cuts below the value
    binned = np.stack([np.searchsorted(cuts[f], x[:, f], side="left") for f in range(d)], axis=1)
    nbs = [len(c) + 1 for c in cuts]
    nb_max = max(nbs)
    pw = w[y > 0].sum() / w.sum()
    bias = math.log(pw / (1 - pw))
    z = np.full(n, bias)
    model = []
    for _ in range(rounds):
        p = sigmoid(z)
        g = w * (y - p)
        h = w * p * (1 - p)
        feats, thrs, leaves = [-1] * 7, [0.0] * 7, [0.0] * 8
        nodes = {0: np.arange(n)}
        for node in range(7):
            idx = nodes.get(node, np.arange(0))
            best = None
            if len(idx) >= 2 * min_leaf:
                gi, hi, bi = g[idx], h[idx], binned[idx]
                gt, ht = gi.sum(), hi.sum()
                base = gt * gt / (ht + LAMBDA)
                gains = np.full((d, nb_max - 1), -np.inf)
                for f in range(d):
                    nb = nbs[f]
                    gl = np.cumsum(np.bincount(bi[:, f], weights=gi, minlength=nb))[:-1]
                    hl = np.cumsum(np.bincount(bi[:, f], weights=hi, minlength=nb))[:-1]
                    nl = np.cumsum(np.bincount(bi[:, f], minlength=nb))[:-1]
                    gain = gl * gl / (hl + LAMBDA) + (gt - gl) ** 2 / (ht - hl + LAMBDA) - base
                    ok = (nl >= min_leaf) & (len(idx) - nl >= min_leaf)
                    gains[f, :nb - 1] = np.where(ok, gain, -np.inf)
                k = int(np.argmax(gains))
                if np.isfinite(gains.flat[k]):
                    best = (gains.flat[k], k // (nb_max - 1), k % (nb_max - 1))
            left, right = 2 * node + 1, 2 * node + 2
            if best and best[0] > 1e-9:
                _, f, b = best
                feats[node], thrs[node] = int(f), float(cuts[f][b])
                nodes[left] = idx[binned[idx, f] <= b]
                nodes[right] = idx[binned[idx, f] > b]
            else:
                nodes[left], nodes[right] = idx, np.arange(0)
        for leaf in range(8):
            idx = nodes.get(7 + leaf, np.arange(0))
            leaves[leaf] = float(rate * g[idx].sum() / (h[idx].sum() + LAMBDA)) if len(idx) else 0.0
        model.append((feats, thrs, leaves))
        z += np.asarray(leaves)[tree_leaves(feats, thrs, x)]
    return bias, model


def tree_leaves(feats, thrs, x):
    """The leaf (0..7) of each row of x in one tree."""
    node = np.zeros(len(x), dtype=int)
    for _ in range(3):
        f = np.asarray(feats)[node]
        t = np.asarray(thrs)[node]
        right = (f >= 0) & (x[np.arange(len(x)), np.maximum(f, 0)] > t)
        node = 2 * node + 1 + right
    return node - 7


def predict(bias, model, xs):
    """The model's probability for each row of xs."""
    x = np.asarray(xs, dtype=float)
    z = np.full(len(x), bias)
    for f, t, leaves in model:
        z += np.asarray(leaves)[tree_leaves(f, t, x)]
    return sigmoid(z)


def balanced_weights(ys):
    """Weights under which the positives (ys 1) and the negatives (0) weigh half each."""
    npos = sum(ys)
    return [0.5 * len(ys) / npos if y else 0.5 * len(ys) / (len(ys) - npos) for y in ys]


def folds(case_of):
    """For each of the FOLDS folds, (the candidates to fit on, the candidates to test on) as
    indices: candidates split by case_of, their cases' ids, so that one case's candidates share a
    fold."""
    for k in range(FOLDS):
        yield ([j for j, c in enumerate(case_of) if c % FOLDS != k],
               [j for j, c in enumerate(case_of) if c % FOLDS == k])


def out_of_fold(xs, ys, weights, case_of, rounds=TREES):
    """Each candidate's probability from the trees (of `rounds` rounds) fitted to the other
    folds (folds)."""
    oof = [0.0] * len(xs)
    for train, test in folds(case_of):
        bias, model = fit_trees([xs[j] for j in train], [ys[j] for j in train],
                                [weights[j] for j in train], rounds=rounds)
        for j, p in zip(test, predict(bias, model, [xs[j] for j in test])):
            oof[j] = float(p)
    return oof


def passing_threshold(neg, rate):
    """The score at which no more than `rate` of the negatives' scores `neg` (highest first)
    pass; None when there are too few negatives to let any pass."""
    allowed = int(len(neg) * rate)
    return neg[allowed] + 1e-6 if allowed < len(neg) else None


def train_model(rows, names, title):
    xs = [r[0] for r in rows]
    ys = [1 if r[1] == 1 else 0 for r in rows]
    inside = [r[5] for r in rows]  # negatives that would not count as false boundaries
    d = len(names)
    npos = sum(ys)
    print(f"{len(rows)} candidates: {npos} positive, {len(rows) - npos} negative", file=sys.stderr)
    weights = balanced_weights(ys)
    # Out-of-fold probabilities (cases split by seed) choose the threshold: a model's scores on
    # its own training candidates are optimistic.
    oof = out_of_fold(xs, ys, weights, [r[2] for r in rows])
    neg = sorted((p for p, y, i in zip(oof, ys, inside) if not y and not i), reverse=True)
    # hard: one candidate per change peak, most of them far from any cut - at most 1 in 1000
    # negative peaks may pass; gradual: many windows per transition - at most 1 in 400
    passes = passing_threshold(neg, HARD_NEG_PASS_RATE if title == "HARD" else NEG_PASS_RATE)
    threshold = 0.5 if passes is None else max(0.5, passes)
    tp = sum(1 for p, y in zip(oof, ys) if y and p >= threshold)
    fp = sum(1 for p, y, i in zip(oof, ys, inside) if not y and not i and p >= threshold)
    top = sorted(((p, r) for p, r, y, i in zip(oof, rows, ys, inside) if not y and not i),
                 key=lambda t: -t[0])
    print("highest negatives (out of fold): " + ", ".join(
        f"{r[2]}@{r[3]:.2f}-{r[4]:.2f} {p:.3f}" for p, r in top[:12]), file=sys.stderr)
    summary = (f"{len(rows)} candidates ({npos} positive); threshold {threshold:.4f} passes, out of "
               f"fold, {tp} of {npos} positive and {fp} of {len(neg)} negative candidates")
    print(summary, file=sys.stderr)
    bias, model = fit_trees(xs, ys, weights)
    use = [0] * d
    for feats, _, _ in model:
        for f in feats:
            if f >= 0:
                use[f] += 1
    print("splits per feature: " + ", ".join(f"{n} {u}" for n, u in zip(names, use)),
          file=sys.stderr)
    return bias, model, threshold, summary, names


# The training sets: (gen_cases.py mode, default seeds); each mode has its own cache folder.
SETS = (("", "1000-1699"), ("--negative", "2000-2099"), ("--similar", "3000-3059"),
        ("--gradual", "4000-4199"), ("--near", "5000-5059"), ("--regrade", "6000-6039"),
        ("--camera", "7000-7079"), ("--close", "8000-8079"), ("--vfr", "9000-9079"),
        ("--evolve", "10000-10079"), ("--stutter", "12000-12079"), ("--approach", ""))


def training_rows(build, version, specs):
    """The candidates of every training set (SETS, each with its seed range from specs when
    given, else its default), rendered and detected as needed from the cases of generator
    version `version`: ({"cand": rows, "hcand": rows}, feature names, the sets described, and
    for each case id of the rows, (its cases folder, its seed))."""
    rows, names, described, where = {"cand": [], "hcand": []}, None, [], {}
    for k, (mode, default) in enumerate(SETS):
        spec = specs[k] if len(specs) > k else default
        if not spec:
            continue  # (a set left out: APPROACH by default)
        seeds = seeds_of(spec)
        cases = f"{build}/bench-shots-cases/v{version}" + (f"-{mode[2:]}" if mode else "")
        subprocess.run(["nice", "-n", "10", "python3", f"{HERE}/gen_cases.py"] +
                       ([mode] if mode else []) + [cases, spec],
                       check=True, stdout=subprocess.DEVNULL)
        got_names, got = collect(build, cases, seeds)
        names = names or got_names
        for key in rows:  # seeds of different sets stay apart in the folds
            rows[key] += [(x, y, s + k * 10 ** 6, *rest) for x, y, s, *rest in got[key]]
        where.update((s + k * 10 ** 6, (cases, s)) for s in seeds)
        described.append(f"{mode} {spec}" if mode else spec)
    return rows, names, described, where


def picture_feature(build, rows, col, where):
    """Fills column col of the gradual rows with the picture network's out-of-fold logits
    (net.py) and fits the network that ships to all of them: (the network, its summary)."""
    import net  # (needs python3-torch)
    windows = [(r[2], r[6], r[7]) for r in rows]
    pictures = net.window_pictures(windows, lambda c: pictures_path(build, *where[c]))
    positive = np.array([r[1] == 1 for r in rows])
    oof = net.out_of_fold(pictures, positive, list(folds([r[2] for r in rows])))
    inside = np.array([r[5] for r in rows])
    neg = np.sort(oof[~positive & ~inside])[::-1]
    threshold = passing_threshold(neg, NEG_PASS_RATE)
    summary = (f"Out of fold, at the logit {threshold:.3f} where 1 negative window in "
               f"{round(1 / NEG_PASS_RATE)} passes, it passes {int((oof[positive] >= threshold).sum())} "
               f"of {int(positive.sum())} positive windows alone.")
    print(f"picture network: {summary}", file=sys.stderr)
    for r, v in zip(rows, oof):
        r[0][col] = float(v)
    return net.fit(pictures, positive, np.arange(len(rows)), 99), summary


def cases_version():
    """The generator version whose cached cases train: CASES_VERSION from the environment (an
    older version's caches, e.g. 3), else gen_cases.py's GENERATOR_VERSION."""
    return os.environ.get("CASES_VERSION") or \
        open(f"{HERE}/gen_cases.py").read().split("GENERATOR_VERSION = ")[1].split()[0]


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    version = cases_version()
    rows, names, described, where = training_rows(build, version, sys.argv[2:])
    spec = ", ".join(described)
    net_fitted = None
    if "picture" in names["cand"]:
        col = names["cand"].index("picture")
        if os.environ.get("NET") == "0":
            for r in rows["cand"]:
                r[0][col] = 0.0
        else:
            net_fitted = picture_feature(build, rows["cand"], col, where)
    header = f"{ROOT}/src/engine/shots/shots_model_data.h"
    keep_hard = os.environ.get("KEEP_HARD") == "1"
    kept = ""
    if keep_hard:  # the hard model's block as the current data has it (train_model's output)
        text = open(header).read()
        kept = text[text.index("\n/* hard:"):text.index("\n#endif")]
        spec += "; the hard model kept from the data before"
    models = {}
    for key, title in (("cand", "GRADUAL"), ("hcand", "HARD")):
        if title == "HARD" and keep_hard:
            continue
        print(f"== {title.lower()}", file=sys.stderr)
        models[title] = train_model(rows[key], names[key], title)
    fmt = lambda v: ", ".join(f"{x:.6g}" for x in v)
    with open(header, "w") as fh:
        # (one line per comment paragraph: clang-format below wraps them to the repo's style)
        fh.write(f"""/* shots_model_data: the trained boundary models - GENERATED by bench/shots/train.py from generator v{version} seeds {spec}; do not edit. Boosted depth-3 trees (shots_int.h). */

#ifndef REELCUT_SHOTS_MODEL_DATA_H
#define REELCUT_SHOTS_MODEL_DATA_H
""")
        for title, (bias, model, threshold, summary, feat_names) in models.items():
            n = len(model)
            fh.write(f"""
/* {title.lower()}: {summary} */
/* features: {", ".join(feat_names)} */
#define SHOT_{title}_BIAS ({bias:.6g})
#define SHOT_{title}_THRESHOLD {threshold:.6g}
#define SHOT_{title}_TREES {n}
static const signed char SHOT_{title}_FEATURE[{n}][7] = {{
""")
            fh.write(",\n".join("    {" + ", ".join(str(f) for f in t[0]) + "}" for t in model) + "};\n")
            fh.write(f"static const double SHOT_{title}_THRESHOLD_AT[{n}][7] = {{\n")
            fh.write(",\n".join("    {" + fmt(t[1]) + "}" for t in model) + "};\n")
            fh.write(f"static const double SHOT_{title}_LEAF[{n}][8] = {{\n")
            fh.write(",\n".join("    {" + fmt(t[2]) + "}" for t in model) + "};\n")
        fh.write(kept + "\n#endif\n")
    # the repo's C style, comments wrapped (tests/format/check.sh holds every file to it)
    subprocess.run(["clang-format", "-i", header], check=True)
    if net_fitted is not None:
        import net  # (python3-torch, as picture_feature)
        net_header = f"{ROOT}/src/engine/shots/shots_net_data.h"
        net.write_header(net_header, net_fitted[0], net_fitted[1] +
                         f" Generator v{version} seeds {spec}.")
        subprocess.run(["clang-format", "-i", net_header], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
