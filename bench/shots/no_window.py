#!/usr/bin/env python3
"""Lists the missed gradual transitions that no candidate window covers (evaluate.py --lost's
"no window"), with what the scan offered over them instead.

    python3 bench/shots/no_window.py DIR CANDIDATES_DIR NAME...

DIR holds NAME.truth and NAME.cuts (as for evaluate.py: the truth as gen_cases.py writes it, the
detected boundaries), CANDIDATES_DIR NAME.cand (`shots_detect FILE --candidates` of the same
build). For each gradual transition no detection matches and no window of the scan that train.py
would label positive overlaps, it prints the seed, the xfade type, its frames and length, how
many windows overlap it, and the frame inside it where most of them end ("pinned" when at least
half do: one frame most unlike both shots, e.g. a zoomin's deepest zoom, takes every window's
largest change, and no window spans the whole transition). Then the totals, the long ones (40
frames or more) and the pinned ones. Tuning-side seeds only: it lists misses.
"""
import collections
import sys

from evaluate import gradual_windows, load_truth, lost_where, match  # (the script's own folder is on sys.path)


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    where, cands_dir = sys.argv[1], sys.argv[2]
    total = long = pinned = 0
    for name in sys.argv[3:]:
        fps, truth = load_truth(f"{where}/{name}.truth")[:2]
        found = [float(line.split()[0]) for line in open(f"{where}/{name}.cuts") if line.strip()]
        cands = f"{cands_dir}/{name}.cand"
        windows = [(lo, hi) for lo, hi, _ in gradual_windows(cands)]
        for index, (it, matched) in enumerate(zip(truth, match(truth, found, fps))):
            if it["kind"] != "gradual" or matched is not None or \
                    lost_where(cands, truth, index, 1.0) != "no window":
                continue
            a, b = it["frames"]
            over = [(lo, hi) for lo, hi in windows if lo < b and hi > a]
            ends = collections.Counter([e for w in over for e in w if a < e < b])
            at, count = ends.most_common(1)[0] if ends else (None, 0)
            total += 1
            long += b - a >= 40
            pinned += bool(over) and count >= len(over) / 2
            print(f"{name} {it['type']} frames {a}-{b} ({b - a}): {len(over)} windows over it, "
                  f"{count} end at frame {at}")
    print(f"no window: {total} missed transitions, {long} of them 40 frames or longer, {pinned} "
          f"pinned to one frame inside")
    return 0


if __name__ == "__main__":
    sys.exit(main())
