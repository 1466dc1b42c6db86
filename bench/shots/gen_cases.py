#!/usr/bin/env python3
"""Seeded shot-boundary test cases: gen_cases.py OUT_DIR SEED [SEED...] | OUT_DIR FROM-TO

Each seed draws one case at random from a wide space and renders it with ffmpeg (lavfi sources,
opencv-doc photographs and clips, panned, zoomed and recoloured; every xfade transition type of
FFmpeg 5.1 with 5-90 mixed frames, or a hard cut; shots of 0.4-20 s; 23.976-60 fps; 240p-1080p and
portrait; H.264, H.265, VP9, MPEG-4 at a constant quality or a constant bitrate). About one case in
five is a negative: one continuous shot with flashes, whip pans, crash zooms, a fast pan, busy
motion, film grain, an object crossing the frame or a single corrupt frame, and no boundary.

The same seed always gives the same case description (and, with the same FFmpeg, the same file).
`--negative` makes every seed a negative case, `--similar` a positive case whose shots mostly
look like the one before (the same view moved, the twin photograph, or the same view regraded:
a colour-only cut), `--gradual` a positive case whose transitions are all gradual (a hard cut's
draw is made and ignored, so the rest of the case is as drawn without the flag), `--near` a
positive case with a flash, burst or corrupt frame a few frames from a transition, `--regrade` a
positive case whose every new shot is the old one's view with other colours (a colour-only cut,
luma unchanged when only the hue turns), `--camera` a negative whose disturbances are all whip
pans, crash zooms or fast pans, `--close` a positive case (of 3+ shots) whose second shot, and
some later middle ones, last 0.3-0.49 s (two transitions less than 0.5 s apart, no closer
than the engine's 0.3 s minimum shot), `--vfr` the ordinary case with frames dropped in a seeded
pattern (10-40 % of them, the frames at each boundary kept; a variable-frame-rate file, never
AVI, which stores no times), `--evolve` the ordinary case with one or two shots whose picture
keeps changing by itself (a fast fractal zoom, gradients, life: no transition however far the
picture drifts), `--stutter` the ordinary case with held frames, constant-rate: every 4th, 5th
or 6th frame shown twice (24 to 30 fps, as telecine does), or only every 2nd or 3rd frame shown,
held (animation on twos or threes) - a moving picture holds, then steps, `--slide` the `--gradual`
case with every transition a slide, squeeze or zoomin (the family recalled least), `--approach`
the `--negative` case with its disturbances replaced by one or two subjects walking up to the
camera (a disc cut from a photograph growing to 0.6-1.2 of the frame's height in 8-75 frames,
then staying up close or backing off: what a bird walking into a hand-held camera does); they
give extra hard examples for training - keep them in their own OUT_DIR. Cases are cached:
OUT_DIR/<seed>.truth is written last, so a case with a truth file is complete and is not
rendered again. `--describe` prints the descriptions without rendering anything.

OUT_DIR/<seed>.truth (times are the stored timestamps of the frames, read back with ffprobe):
  fps <rational>            nominal frame rate
  frames <n>                frames in the file
  case key=value ...        what was drawn (codec, size, rate control, ...)
  hard <t> <frame>          a hard cut: <frame> is the first frame of the new shot, <t> its time
  gradual <t0> <t1> <frame0> <frame1> <type> <mixed>
                            an xfade transition: <frame0> is the last frame showing only the old
                            shot, <frame1> the first showing only the new one, <mixed> frames lie
                            strictly between
  event <kind> <t0> <t1>    a disturbance that is not a boundary (flash, corrupt, whip, zoom, ...)
A file without hard/gradual lines is a negative.

Generator v2 (2026-12-06) frames a look-alike shot held still by its own phase and zoom0; v1
held every still at the centre, so a still cut to a still of the same source was invisible.
Generator v3 (2026-12-06) gives the `gradients` source explicit colours: FFmpeg 5.1 draws its
default colours at random whatever its seed, so a case showing it (7 % of the ordinary draw, most
of --evolve) rendered other pictures every time and its figures moved between two renders.
Generator v4 (2026-12-07) encodes on one thread (x264 and x265 at two threads gave other frames
on 29 of 200 cases each render) and draws slideup as a slidedown of both pictures upside down
(FFmpeg 5.1's slideup draws its first frame from a row past the picture). It renders one case
per core instead. Two v4 renders of a case decode to the same frames.

Tuning and held-out seeds come from the same generator: see bench/shots/README.md for which range
is which (never tune on the held-out range).
"""
import concurrent.futures
import json
import math
import os
import random
import subprocess
import sys
from fractions import Fraction

GENERATOR_VERSION = 4  # bump when a change alters what a seed renders (invalidates the cache)

OPENCV = "/usr/share/doc/opencv-doc/examples/data"
# Photographs and drawings used as shot content; pairs in SIMILAR look alike (same scene from
# another camera, or another moment), which makes the hard "similar shots" cut.
PHOTOS = [
    "aero1.jpg", "aero3.jpg", "aloeL.jpg", "aloeR.jpg", "baboon.jpg", "building.jpg",
    "butterfly.jpg", "fruits.jpg", "home.jpg", "leuvenA.jpg", "leuvenB.jpg", "messi5.jpg",
    "orange.jpg", "apple.jpg", "starry_night.jpg", "squirrel_cls.jpg", "rubberwhale1.png",
    "rubberwhale2.png", "Blender_Suzanne1.jpg", "Blender_Suzanne2.jpg", "graf1.png", "graf3.png",
    "basketball1.png", "basketball2.png", "smarties.png", "stuff.jpg", "board.jpg",
    "licenseplate_motion.jpg", "text_motion.jpg", "ela_original.jpg", "chicky_512.png",
    "box_in_scene.png", "left.jpg", "right.jpg", "HappyFish.jpg", "sudoku.png", "cards.png",
    "text_defocus.jpg", "pca_test1.jpg", "WindowsLogo.jpg", "LinuxLogo.jpg", "lena.jpg",
]
SIMILAR = [("aero1.jpg", "aero3.jpg"), ("aloeL.jpg", "aloeR.jpg"), ("leuvenA.jpg", "leuvenB.jpg"),
           ("rubberwhale1.png", "rubberwhale2.png"), ("Blender_Suzanne1.jpg", "Blender_Suzanne2.jpg"),
           ("graf1.png", "graf3.png"), ("basketball1.png", "basketball2.png"), ("left.jpg", "right.jpg")]
CLIPS = ["tree.avi"]  # real footage (Megamind.avi and vtest.avi are scored on their own: not used)

XFADE_TYPES = [
    "fade", "wipeleft", "wiperight", "wipeup", "wipedown", "slideleft", "slideright", "slideup",
    "slidedown", "circlecrop", "rectcrop", "distance", "fadeblack", "fadewhite", "radial",
    "smoothleft", "smoothright", "smoothup", "smoothdown", "circleopen", "circleclose", "vertopen",
    "vertclose", "horzopen", "horzclose", "dissolve", "pixelize", "diagtl", "diagtr", "diagbl",
    "diagbr", "hlslice", "hrslice", "vuslice", "vdslice", "hblur", "fadegrays", "wipetl", "wipetr",
    "wipebl", "wipebr", "squeezeh", "squeezev", "zoomin", "fadefast", "fadeslow",
]
# Families for per-kind figures.
FAMILY = {t: "fade" for t in ("fade", "fadeblack", "fadewhite", "fadegrays", "fadefast", "fadeslow",
                              "dissolve", "distance", "hblur", "pixelize")}
FAMILY.update({t: "slide" for t in ("slideleft", "slideright", "slideup", "slidedown", "squeezeh",
                                    "squeezev", "zoomin")})
for _t in XFADE_TYPES:
    FAMILY.setdefault(_t, "wipe")

RATES = ["24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001", "60"]
SIZES = [(426, 240), (640, 360), (854, 480), (960, 540), (1280, 720), (1920, 1080), (320, 240),
         (720, 576), (240, 426), (360, 640), (480, 854), (720, 1280), (1080, 1920)]
CODECS = ["h264", "hevc", "vp9", "mpeg4"]
CONTAINERS = {"h264": ["mp4", "mkv"], "hevc": ["mp4", "mkv"], "vp9": ["webm", "mkv"],
              "mpeg4": ["avi", "mp4", "mkv"]}
PROCEDURAL = ["testsrc2", "testsrc", "smptehdbars", "rgbtestsrc", "mandelbrot", "life", "cellauto",
              "gradients", "sierpinski", "colorchart", "pal100bars", "yuvtestsrc", "colorspectrum"]
# Rendering budget of one case, in pixels x frames (1080p x 150 frames) and in frames: keeps a
# full run of the tuning and held-out ranges to a few minutes on two cores.
PIXEL_FRAME_BUDGET = 1920 * 1080 * 120
FRAME_BUDGET = 600
# Pictures are composed at no more than this many pixels and scaled to the case's size at the end
# (one scale per frame instead of every source, camera and transition at full size).
WORK_PIXELS = 640 * 360


def colour(seed, i=0):
    """Colour i (0xRRGGBB) of a shot with this seed, drawn without the case's random draws."""
    return f"0x{(seed * 2654435761 + i * 0x9E3779B1) % 0xffffff:06x}"


def even(x):
    return max(2, int(round(x / 2.0)) * 2)


def log_uniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def draw_content(rng, prev=None, similar=0.2):
    """One shot's picture source and camera motion."""
    c = {}
    if prev is not None and rng.random() < similar:
        # A shot that looks like the previous one: the same source elsewhere, or its twin photo.
        c = dict(prev)
        if c["source"] == "photo":
            twin = [b if a == c["file"] else a for a, b in SIMILAR if c["file"] in (a, b)]
            if twin and rng.random() < 0.7:
                c["file"] = twin[0]
        c["similar"] = 1
        c["framed"] = 1  # held still, it is framed by its own phase and zoom0 (shot_graph)
        c["phase"] = rng.uniform(0, 2)
        c["zoom0"] = rng.uniform(1.0, 1.6)
        c["motion"] = rng.choice(["pan", "pan", "zoom", "still"])
        c["speed"] = log_uniform(rng, 0.2, 6)
        if similar > 0.5 and rng.random() < 0.4:  # the same view, regraded: a colour-only cut
            c["hue"] = (c.get("hue", 0) + rng.uniform(60, 300)) % 360 - 180
            c["sat"] = max(0.6, c.get("sat", 1))
        return c
    r = rng.random()
    if r < 0.5:
        c["source"] = "photo"
        c["file"] = rng.choice([p for p in PHOTOS if os.path.exists(f"{OPENCV}/{p}")])
    elif r < 0.56 and all(os.path.exists(f"{OPENCV}/{x}") for x in CLIPS):
        c["source"] = "clip"
        c["file"] = rng.choice(CLIPS)
    else:
        c["source"] = rng.choice(PROCEDURAL)
    c["motion"] = rng.choice(["pan", "pan", "pan", "zoom", "still"])
    c["speed"] = log_uniform(rng, 0.2, 6)  # output pixels per frame at 360p (scaled with size)
    c["angle"] = rng.uniform(0, 2 * math.pi)
    c["phase"] = rng.uniform(0, 2)
    c["margin"] = rng.uniform(1.15, 1.8)
    c["zoom0"] = rng.uniform(1.0, 1.5)
    c["zoomrate"] = rng.choice([-1, 1]) * log_uniform(rng, 0.0005, 0.008)
    c["hue"] = rng.choice([0, 0, rng.uniform(-180, 180)])
    c["sat"] = rng.choice([1, 1, rng.uniform(0.3, 1.6)])
    c["bright"] = rng.choice([0, 0, rng.uniform(-0.15, 0.15)])
    c["contrast"] = rng.choice([1, 1, rng.uniform(0.6, 1.4)])
    c["seed"] = rng.randrange(1, 1 << 30)
    return c


def draw_case(seed, force_negative=False, force_similar=False, force_gradual=False,
              force_near=False, force_regrade=False, force_camera=False, force_close=False):
    rng = random.Random(seed)
    case = {"seed": seed}
    case["rate"] = rng.choice(RATES)
    w, h = rng.choice(SIZES)
    case["size"] = [w, h]
    case["codec"] = rng.choice(CODECS)
    case["container"] = rng.choice(CONTAINERS[case["codec"]])
    case["rc"] = "cbr" if rng.random() < 0.4 else "crf"
    case["bpp"] = log_uniform(rng, 0.03, 0.15)  # bits per pixel per frame for cbr
    case["quality"] = rng.random()  # 0 = best .. 1 = worst, mapped per codec
    case["gop"] = rng.choice([12, 25, 50, 120, 250, 600])
    case["bframes"] = rng.choice([0, 2, 3])
    case["preset"] = rng.random()
    case["tenbit"] = case["codec"] in ("hevc", "vp9") and rng.random() < 0.15
    fps = float(Fraction(case["rate"]))
    case["negative"] = ((rng.random() < 0.2 or force_negative or force_camera)
                        and not force_similar and not force_gradual and not force_near
                        and not force_regrade and not force_close)
    budget = min(FRAME_BUDGET, int(PIXEL_FRAME_BUDGET / (w * h)))
    if case["negative"]:
        frames = int(min(budget, fps * rng.uniform(3, 10)))
        content = draw_content(rng)
        events = []
        kinds = ["flash", "flash", "corrupt", "whip", "crashzoom", "fastpan", "busy", "grain",
                 "occlusion", "burst"]
        if force_camera:  # only the camera moves: the negatives the held-out false cuts were
            kinds = ["whip", "whip", "crashzoom", "fastpan"]  # on (whip and fast pans, zooms)
        for _ in range(rng.choice([1, 1, 2, 3])):
            events.append(rng.choice(kinds))
        case["shots"] = [{"content": content, "pure": frames}]
        case["transitions"] = []
        case["events"] = []
        for kind in events:
            at = rng.randrange(int(frames * 0.15), int(frames * 0.8))
            case["events"].append({"kind": kind, "at": at, "len": rng.randrange(4, 16),
                                   "seed": rng.randrange(1 << 30), "x": rng.random(),
                                   "y": rng.random()})
        return case
    nshots = rng.choice([2, 3, 3, 4, 4, 5, 6])
    if force_close:
        nshots = max(3, nshots)
    shots, transitions = [], []
    prev = None
    for i in range(nshots):
        r = rng.random()
        seconds = (rng.uniform(0.4, 1.2) if r < 0.35 else rng.uniform(1.2, 4) if r < 0.8
                   else rng.uniform(4, 20))
        content = draw_content(rng, prev, 0.8 if force_similar else 0.2)
        if force_regrade and prev is not None:  # the same view, only its colours change
            content = dict(prev, hue=(prev.get("hue", 0) + rng.uniform(60, 300)) % 360 - 180,
                           sat=max(0.6, prev.get("sat", 1)), similar=1)
        prev = content
        shots.append({"content": content, "pure": max(int(math.ceil(0.4 * fps)),
                                                      int(round(seconds * fps)))})
        if i:
            if rng.random() < 0.45 and not force_gradual:
                transitions.append({"type": "hard", "mixed": 0})
            else:
                transitions.append({"type": rng.choice(XFADE_TYPES),
                                    "mixed": int(round(log_uniform(rng, 5, 90)))})
    # Fit the budget: drop shots from the end (keeping two), then shorten the longest shots (never
    # below 0.4 s), then the transitions.
    floor = int(math.ceil(0.4 * fps))
    while sum(s["pure"] for s in shots) + sum(t["mixed"] for t in transitions) > budget:
        longest = max(shots, key=lambda s: s["pure"])
        if len(shots) > (3 if force_close else 2) and sum(s["pure"] for s in shots[:-1]) + sum(
                t["mixed"] for t in transitions[:-1]) >= budget // 2:
            shots.pop()
            transitions.pop()
        elif longest["pure"] > floor:
            longest["pure"] = max(floor, int(longest["pure"] * 0.8))
        elif any(t["mixed"] > 5 for t in transitions):
            transitions = [dict(t, mixed=max(5, t["mixed"] // 2)) for t in transitions]
        else:
            break
    if force_close and len(shots) > 2:  # two transitions < 0.5 s apart: a short middle shot
        for i in range(1, len(shots) - 1):
            if i == 1 or rng.random() < 0.3:
                shots[i]["pure"] = max(1, int(round(rng.uniform(0.3, 0.49) * fps)))
    case["shots"], case["transitions"] = shots, transitions
    case["events"] = []
    if rng.random() < 0.3:  # a disturbance inside a shot of a positive case
        i = rng.randrange(len(shots))
        if shots[i]["pure"] >= fps:
            case["events"].append({"kind": rng.choice(["flash", "corrupt", "burst"]), "shot": i,
                                   "rel": rng.uniform(0.3, 0.7), "len": rng.randrange(4, 12),
                                   "seed": rng.randrange(1 << 30), "x": rng.random(),
                                   "y": rng.random()})
    if force_near:  # disturbances a few frames from a transition (damaged or flash-lit cuts)
        case["events"] = []
        for _ in range(rng.choice([1, 1, 2])):
            i = rng.randrange(len(shots))
            end = -1 if i == 0 else 1 if i == len(shots) - 1 else rng.choice([-1, 1])
            off = rng.randrange(1, 9)
            case["events"].append({"kind": rng.choice(["flash", "corrupt", "corrupt", "burst"]),
                                   "shot": i, "off": off if end > 0 else -off,
                                   "len": rng.randrange(4, 12), "seed": rng.randrange(1 << 30),
                                   "x": rng.random(), "y": rng.random()})
    return case



def lookalike_transitions(seed):
    """For each transition of the ordinary draw's case `seed`, in order, whether the shot it
    leads to was drawn "similar" (a look-alike: the same source reframed, or its twin photo)."""
    return [bool(sh["content"].get("similar")) for sh in draw_case(seed)["shots"][1:]]

def layout(case):
    """Frame positions: per shot (first output frame of its source, source length) and the
    boundaries (last pure frame of the old shot a, first pure frame of the new one b)."""
    shots, trans = case["shots"], case["transitions"]
    starts, bounds = [0], []
    a = shots[0]["pure"] - 1
    for i, t in enumerate(trans):
        b = a + t["mixed"] + 1
        bounds.append((a, b))
        starts.append(a)  # the new shot's source frame 0 is blended (weight 0) at frame a
        a = b + shots[i + 1]["pure"] - 1
    total = a + 1
    lengths = []
    for i in range(len(shots)):
        end = bounds[i][1] + 3 if i < len(bounds) else total
        lengths.append(end - starts[i])
    return starts, lengths, bounds, total


def q(expr):
    return "'" + expr + "'"


def retimed(rate):
    """The filter that stamps frame N at N / rate seconds."""
    return f"setpts=N*{Fraction(rate).denominator}/{Fraction(rate).numerator}/TB"


def still_photo(file, w, h, rate, fmt="yuv444p", once=None):
    """Filters holding opencv-doc photograph `file`, scaled to cover w x h and cut to it, as an
    endless stream at `rate`; `once` (a filter) is applied to the picture before it is held."""
    return ([f"movie={OPENCV}/{file}",
             f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=bicubic",
             f"crop={w}:{h}", f"format={fmt}"] + ([once] if once else []) +
            ["loop=loop=-1:size=1", retimed(rate)])


def shot_graph(c, w, h, rate, length, whip=None, crash=None, fastpan=None):
    """Filter chain (no labels) producing `length` frames of w x h yuv420p at `rate`."""
    num, den = Fraction(rate).numerator, Fraction(rate).denominator
    scale = math.sqrt(w * h / (640.0 * 360.0))
    margin = c.get("margin", 1.4)
    if whip:
        margin = max(margin, 1.0 + whip["dist"] + 0.1)
    if fastpan:
        margin = max(margin, 2.2)
    cw, ch = even(w * margin), even(h * margin)
    # Procedural sources render at most ~0.4 Mpx and are scaled up after the camera crop.
    rs = 1.0
    if c["source"] not in ("photo", "clip") and cw * ch > 400000:
        rs = math.sqrt(400000.0 / (cw * ch))
    rcw, rch, rw, rh = even(cw * rs), even(ch * rs), even(w * rs), even(h * rs)
    retime = retimed(rate)
    src = c["source"]
    if src == "photo":
        parts = still_photo(c["file"], rcw, rch, rate)
    elif src == "clip":
        parts = [f"movie={OPENCV}/{c['file']}:loop=0", f"scale={rcw}:{rch}", "setsar=1",
                 f"fps={rate}"]
    else:
        s, seed = f"{rcw}x{rch}", c["seed"] % 100000
        colours = 2 + seed % 5  # (of gradients)
        gen = {
            "testsrc2": f"testsrc2=s={s}:r={rate}",
            "testsrc": f"testsrc=s={s}:r={rate}",
            "smptehdbars": f"smptehdbars=s={s}:r={rate}",
            "rgbtestsrc": f"rgbtestsrc=s={s}:r={rate}",
            "mandelbrot": f"mandelbrot=s={s}:r={rate}:end_scale={c.get('end_scale', 0.3)}"
                          f":start_x={-0.743643887 - (seed % 7) * 0.01}",
            "life": f"life=s={s}:r={rate}:mold=20:ratio={0.1 + (seed % 5) * 0.08}:seed={seed}"
                    f":life_color={colour(seed)}:death_color=0x{seed * 40503 % 0x404040:06x}",
            "cellauto": f"cellauto=s={s}:r={rate}:rule={[30, 90, 110, 150, 18][seed % 5]}:scroll=1:seed={seed}",
            # (colours explicit: FFmpeg 5.1 draws the default ones at random - generator v3)
            "gradients": f"gradients=s={s}:r={rate}:speed={c.get('gspeed', 0.005 + (seed % 10) * 0.004)}"
                         f":seed={seed}:nb_colors={colours}"
                         + "".join(f":c{i}={colour(seed, i)}" for i in range(colours)),
            "sierpinski": f"sierpinski=s={s}:r={rate}:seed={seed}:jump={50 + seed % 200}:type={['carpet', 'triangle'][seed % 2]}",
            "colorchart": f"colorchart=r={rate},scale={rcw}:{rch}",  # (large patch_size crashes 5.1)
            "pal100bars": f"pal100bars=s={s}:r={rate}",
            "yuvtestsrc": f"yuvtestsrc=s={s}:r={rate}",
            "colorspectrum": f"colorspectrum=s={s}:r={rate}:type={['black', 'white', 'all'][seed % 3]}",
        }[src]
        parts = [gen, "format=yuv420p", "setsar=1", retime]
    # Camera: a pan (bouncing at a constant speed), a zoom, or a hand-held still.
    xr, yr = rcw - rw, rch - rh
    speed = c.get("speed", 1.0) * scale * rs
    ang = c.get("angle", 0.3)
    vx, vy = speed * math.cos(ang), speed * math.sin(ang)
    motion = c.get("motion", "still")
    if crash:
        n0, k, z1 = crash["at"], crash["len"], crash["zoom"]
        z = f"if(lt(on,{n0}),1.05,if(lt(on,{n0 + k}),1.05+{z1 - 1.05}*(on-{n0})/{k},{z1}))"
        parts.append(f"zoompan=z={q(z)}:x={q('iw*0.45-iw/zoom/2')}:y={q('ih*0.5-ih/zoom/2')}"
                     f":d=1:s={rw}x{rh}:fps={rate}")
    elif motion == "zoom" and not whip and not fastpan:
        z0, zr = c.get("zoom0", 1.2), c.get("zoomrate", 0.002)
        z = f"max(1,{z0}*exp({zr}*on))"
        fx = 0.3 + 0.4 * c.get("phase", 1) / 2
        x = f"(iw-iw/zoom)*{fx:.3f}"
        parts.append(f"zoompan=z={q(z)}:x={q(x)}:y={q('(ih-ih/zoom)/2')}:d=1:s={rw}x{rh}"
                     f":fps={rate}")
    else:
        if fastpan:
            vx, vy = fastpan["speed"] * scale * rs, 0.0
        elif motion == "still":
            vx, vy = 0.0, 0.0
        ph = c.get("phase", 0.5)
        x = f"{xr}*(1-abs(mod(n*{abs(vx) / max(xr, 1):.6f}+{ph:.3f},2)-1))" if xr > 1 else "0"
        y = f"{yr}*(1-abs(mod(n*{abs(vy) / max(yr, 1):.6f}+{(ph * 0.7) % 2:.3f},2)-1))" if yr > 1 else "0"
        cw_, ch_ = rw, rh  # the camera's view of the source
        if motion == "still" and not fastpan:  # hand-held: a pixel or two of shake
            x0, y0 = xr / 2, yr / 2
            if c.get("framed"):
                # A look-alike shot held still (v2): framed by its own phase and zoom0, as a
                # pan's or a zoom's first frame is. v1 held every still at the centre at 1x, so
                # a still cut to a still of the same source showed the same picture: a cut no
                # one could see, scored as a miss.
                z = c.get("zoom0", 1.2)
                cw_, ch_ = even(rw / z), even(rh / z)
                x0 = (rcw - cw_) * (1 - abs(ph % 2 - 1))
                y0 = (rch - ch_) * (1 - abs((ph * 0.7) % 2 - 1))
            x = f"{x0:.1f}+{2 * scale * rs:.2f}*sin(n*0.37)"
            y = f"{y0:.1f}+{1.5 * scale * rs:.2f}*sin(n*0.23+1)"
        if whip:
            d = whip["dist"] * rw
            n0, k = whip["at"], whip["len"]
            x = (f"min({xr},max(0,{xr * 0.05:.1f}+{d:.1f}*(1-cos(PI*clip((n-{n0})/{k},0,1)))/2"
                 f"+{0.3 * scale * rs:.2f}*n))")
            y = f"{yr / 2:.1f}"
        parts.append(f"crop={cw_}:{ch_}:x={q(x)}:y={q(y)}")
        if (cw_, ch_) != (rw, rh):
            parts.append(f"scale={rw}:{rh}:flags=bicubic")
        if whip:  # motion blur while the camera whips
            during = f"between(n,{whip['at'] + 1},{whip['at'] + whip['len'] - 1})"
            parts.append(f"avgblur=sizeX={max(2, int(0.08 * rw))}:sizeY=1:enable={q(during)}")
    if rs < 1.0 or src == "clip" and (rw, rh) != (w, h):
        parts.append(f"scale={w}:{h}:flags=bicubic")
    elif (rw, rh) != (w, h):
        parts.append(f"scale={w}:{h}")
    if c.get("hue") or c.get("sat", 1) != 1:
        parts.append(f"hue=h={c.get('hue', 0):.1f}:s={c.get('sat', 1):.2f}")
    if c.get("bright") or c.get("contrast", 1) != 1:
        parts.append(f"eq=brightness={c.get('bright', 0):.3f}:contrast={c.get('contrast', 1):.3f}")
    parts += [f"fps={rate}", f"settb=expr={den}/{num}", "setpts=N", f"trim=end_frame={length}",
              "format=yuv420p", "setsar=1"]
    return ",".join(parts)


def event_graph(ev, w, h, n0, rate, total):
    """Filters applied to the composite for a disturbance at output frame n0 (flash, corrupt
    frame, burst of flashes, grain, an object crossing the frame). Returns (chain, span)."""
    k = ev["len"]
    r = random.Random(ev["seed"])
    kind = ev["kind"]
    if kind == "flash":
        d = r.choice([1, 1, 2, 3])
        alpha = r.uniform(0.5, 0.95)
        full = r.random() < 0.7
        bw, bh = (w, h) if full else (even(w * r.uniform(0.3, 0.7)), even(h * r.uniform(0.3, 0.7)))
        bx, by = (0, 0) if full else (even((w - bw) * ev["x"]), even((h - bh) * ev["y"]))
        colour = r.choice(["white", "white", "0xfff0d0"])
        chain = (f"drawbox=x={bx}:y={by}:w={bw}:h={bh}:color={colour}@{alpha:.2f}:t=fill"
                 f":enable={q(f'between(n,{n0},{n0 + d - 1})')}")
        if r.random() < 0.5:  # the flash decays over a frame or two
            chain += (f",drawbox=x={bx}:y={by}:w={bw}:h={bh}:color={colour}@{alpha / 3:.2f}:t=fill"
                      f":enable={q(f'between(n,{n0 + d},{n0 + d})')}")
        return chain, (n0, n0 + d)
    if kind == "burst":  # photographers' flashes: several short flashes within a second
        chains, last = [], n0
        for _ in range(r.randrange(2, 5)):
            a = r.uniform(0.4, 0.9)
            chains.append(f"drawbox=x=0:y=0:w={w}:h={h}:color=white@{a:.2f}:t=fill"
                          f":enable={q(f'eq(n,{last})')}")
            last += r.randrange(2, 7)
        return ",".join(chains), (n0, last)
    if kind == "corrupt":  # one frame with a damaged band, as a decoder would conceal it
        band_y = even(h * r.uniform(0.1, 0.6))
        band_h = even(h * r.uniform(0.2, 0.4))
        style = r.choice(["green", "grey", "mosaic"])
        if style == "mosaic":
            bs = max(2, w // 24)
            chain = (f"split[cm{n0}][cb{n0}];[cb{n0}]crop={w}:{band_h}:0:{band_y},"
                     f"scale={max(2, w // bs)}:{max(2, band_h // bs)},scale={w}:{band_h}:flags=neighbor,"
                     f"hue=h={r.uniform(-90, 90):.0f}[cc{n0}];[cm{n0}][cc{n0}]overlay=0:{band_y}"
                     f":enable={q(f'eq(n,{n0})')}")
        else:
            colour = "0x008000" if style == "green" else "0x808080"
            chain = (f"drawbox=x=0:y={band_y}:w={w}:h={band_h}:color={colour}:t=fill"
                     f":enable={q(f'eq(n,{n0})')}")
        return chain, (n0, n0 + 1)
    if kind == "grain":
        return f"noise=alls={r.randrange(15, 40)}:allf=t", (0, 0)
    if kind == "occlusion":  # a large object crosses the frame in k..3k frames
        bw = even(w * r.uniform(0.3, 0.6))
        dur = k * r.randrange(1, 4)
        colour = f"0x{r.randrange(1 << 24):06x}"
        chain = (f"split[om{n0}][ob{n0}];[ob{n0}]drawbox=x=0:y=0:w=iw:h=ih:color={colour}:t=fill,"
                 f"crop={bw}:{h}:0:0[oc{n0}];[om{n0}][oc{n0}]overlay="
                 f"x={q(f'-{bw}+(W+{bw})*(n-{n0})/{dur}')}:y=0"
                 f":enable={q(f'between(n,{n0},{n0 + dur})')}")
        return chain, (n0, n0 + dur)
    if kind == "approach":  # a subject walks up to the camera, fills much of it, stays or backs off
        photo = r.choice([f for f in PHOTOS if os.path.exists(f"{OPENCV}/{f}")])
        side = even(h * 1.6)  # the subject's largest size; the picture is cut to a disc of it
        s0, s1 = r.uniform(0.1, 0.25), r.uniform(0.6, 1.2)  # of the frame's height
        come = k * r.randrange(2, 6)  # frames to walk up (8-75)
        stay = r.randrange(0, 2 * k)
        leave = k * r.randrange(2, 6) if r.random() < 0.5 else 0  # (0: it stays up close)
        end = n0 + come + stay + leave if leave else total
        cx, cy = r.uniform(0.25, 0.75), r.uniform(0.3, 0.7)  # where it comes to
        dx, dy = r.uniform(-0.15, 0.15), r.uniform(-0.1, 0.1)  # drifting on the way
        a = f"clip((n-{n0})/{come},0,1)"
        if leave:
            a = f"if(lt(n,{n0 + come + stay}),{a},1-clip((n-{n0 + come + stay})/{leave},0,1))"
        size = f"max(2,2*trunc({h}*({s0:.3f}+{s1 - s0:.3f}*{a})/2))"
        x = f"W*({cx:.3f}+{dx:.3f}*(1-{a}))-w/2"
        y = f"H*({cy:.3f}+{dy:.3f}*(1-{a}))-h/2"
        disc = "geq=lum='p(X,Y)':cb='p(X,Y)':cr='p(X,Y)':a='255*lt(hypot(X-W/2,Y-H/2),W/2)'"
        subject = still_photo(photo, side, side, rate, "yuva444p", disc)
        chain = (f"null[am{n0}];" + ",".join(subject) +
                 f",scale=w={q(size)}:h={q(size)}:eval=frame[as{n0}];"
                 f"[am{n0}][as{n0}]overlay=x={q(x)}:y={q(y)}:eval=frame:shortest=1"
                 f":enable={q(f'between(n,{n0},{end})')},trim=end_frame={total}")
        return chain, (n0, end if leave else n0 + come)
    raise ValueError(kind)


def encoder_args(case):
    w, h = case["size"]
    fps = float(Fraction(case["rate"]))
    kbps = max(50, int(case["bpp"] * w * h * fps / 1000))
    qv, p, g, bf = case["quality"], case["preset"], case["gop"], case["bframes"]
    codec, cbr = case["codec"], case["rc"] == "cbr"
    pix = "yuv420p10le" if case["tenbit"] else "yuv420p"
    rate = [f"-b:v", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{kbps}k"]
    if codec == "h264":
        a = ["-c:v", "libx264", "-preset", ["ultrafast", "superfast", "veryfast"][int(p * 3)],
             "-g", str(g), "-bf", str(bf)]
        a += rate + ["-minrate", f"{kbps}k"] if cbr else ["-crf", str(int(16 + qv * 20))]
    elif codec == "hevc":
        a = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
             f"log-level=error:keyint={g}:bframes={bf}:pools=1:frame-threads=1:wpp=0"]
        a += rate if cbr else ["-crf", str(int(18 + qv * 20))]
        if case["container"] == "mp4":
            a += ["-tag:v", "hvc1"]
    elif codec == "vp9":
        a = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", str(7 + int(p * 2)),
             "-row-mt", "1", "-g", str(g)]
        a += rate + ["-minrate", f"{kbps}k"] if cbr else ["-crf", str(int(24 + qv * 30)), "-b:v", "0"]
    else:
        a = ["-c:v", "mpeg4", "-g", str(g), "-bf", str(min(bf, 2))]
        a += rate + ["-minrate", f"{kbps}k"] if cbr else ["-q:v", str(int(2 + qv * 10))]
    return a + ["-pix_fmt", pix]


def work_size(w, h):
    if w * h <= WORK_PIXELS:
        return w, h
    f = math.sqrt(WORK_PIXELS / float(w * h))
    return even(w * f), even(h * f)


def xfade(a, b, kind, off, dur, out):
    """The chain blending label `a` into label `b` with xfade transition `kind` from `off` for
    `dur` seconds, labelled `out`. FFmpeg 5.1's slideup draws its first frame from a row past
    the picture, differently every run, so it is drawn as a slidedown of both pictures upside
    down, turned back."""
    if kind == "slideup":
        return (f"[{a}]vflip[{a}v];[{b}]vflip[{b}v];" +
                xfade(f"{a}v", f"{b}v", "slidedown", off, dur, f"{out}v") + f";[{out}v]vflip[{out}]")
    return f"[{a}][{b}]xfade=transition={kind}:offset={off:.9f}:duration={dur:.9f}[{out}]"


def build_graph(case):
    w, h = case["size"]
    ww, wh = work_size(w, h)
    rate = case["rate"]
    num, den = Fraction(rate).numerator, Fraction(rate).denominator
    starts, lengths, bounds, total = layout(case)
    chains = []
    whip = crash = fastpan = None
    post, grain = [], []
    events_out = []
    shot0 = case["shots"][0]["content"]
    for ev in case["events"]:
        if "shot" in ev:  # inside a shot of a positive case
            i = ev["shot"]
            lo = bounds[i - 1][1] if i else 0
            hi = bounds[i][0] if i < len(bounds) else total - 1
            if "off" in ev:  # frames from the shot's first (>= 0) or last (< 0) pure frame
                ev = dict(ev, at=max(lo, min(hi, lo + ev["off"] if ev["off"] >= 0 else hi + ev["off"])))
            else:
                ev = dict(ev, at=lo + int((hi - lo) * ev["rel"]))
        k = ev["kind"]
        camera_taken = whip or crash or fastpan
        if k == "whip" and not camera_taken:
            whip = {"at": ev["at"], "len": ev["len"], "dist": random.Random(ev["seed"]).uniform(0.5, 1.4)}
            events_out.append(("whip", ev["at"], ev["at"] + ev["len"]))
        elif k == "crashzoom" and not camera_taken:
            crash = {"at": ev["at"], "len": ev["len"], "zoom": random.Random(ev["seed"]).uniform(1.8, 3.5)}
            events_out.append(("zoom", ev["at"], ev["at"] + ev["len"]))
        elif k == "fastpan" and not camera_taken:
            fastpan = {"speed": random.Random(ev["seed"]).uniform(8, 30)}
            events_out.append(("fastpan", 0, total))
        elif k == "busy":
            shot0.update(source=random.Random(ev["seed"]).choice(["life", "cellauto", "testsrc2"]),
                         motion="pan", speed=random.Random(ev["seed"] + 1).uniform(4, 12))
            events_out.append(("busy", 0, total))
        elif k in ("whip", "crashzoom", "fastpan"):
            continue
        else:
            chain, span = event_graph(ev, ww, wh, ev["at"], rate, total)
            (grain if k == "grain" else post).append(chain)
            events_out.append((k, span[0], span[1]) if k != "grain" else ("grain", 0, total))
    for i, shot in enumerate(case["shots"]):
        g = shot_graph(shot["content"], ww, wh, rate, lengths[i], whip=whip if i == 0 else None,
                       crash=crash if i == 0 else None, fastpan=fastpan if i == 0 else None)
        chains.append(f"{g}[s{i}]")
    prev = "s0"
    for i, t in enumerate(case["transitions"]):
        a, b = bounds[i]
        kind = "fade" if t["type"] == "hard" else t["type"]
        off = a * den / num
        dur = (b - a) * den / num
        chains.append(xfade(prev, f"s{i + 1}", kind, off, dur, f"x{i + 1}"))
        prev = f"x{i + 1}"
    tail = f"[{prev}]trim=end_frame={total}"
    if post:
        tail += "," + ",".join(post)
    if (ww, wh) != (w, h):
        tail += f",scale={w}:{h}:flags=bicubic"
    if grain:
        tail += "," + ",".join(grain)
    tail += ",format=yuv420p"
    if case.get("vfr"):
        keep = "+".join([f"lt(mod(n*{case['vfr']['step']},10),{case['vfr']['keep']})"] +
                        [f"eq(n,{k})" for k in sorted(vfr_forced(bounds, total))])
        tail += f",select={q(keep)}"
    if case.get("stutter"):  # frames moved to slots (fps fills the empty ones with the last)
        k = case["stutter"]["k"]
        if case["stutter"]["kind"] == "hold":  # every k-th frame, to slot n: k slots each
            tail += f",select={q(f'not(mod(n,{k}))')},setpts={q(f'round(N*{k}/({num}/{den})/TB)')}"
            tail += f",fps={rate},trim=end_frame={total}"
        else:  # frame n to slot n + n // k: each (k+1)-th slot empty
            tail += f",setpts={q(f'round((N+floor(N/{k}))/({num}/{den})/TB)')},fps={rate}"
    chains.append(tail + "[v]")
    return ";".join(chains), bounds, total, events_out


def vfr_forced(bounds, total):
    """Frames a --vfr case always keeps: the first and last, and each boundary's a and b."""
    return {0, total - 1} | {f for a, b in bounds for f in (a, b)}


def vfr_kept(case, bounds, total):
    """The frames (of the constant-rate render) a --vfr case keeps, in order."""
    v, forced = case["vfr"], vfr_forced(bounds, total)
    return [n for n in range(total) if (n * v["step"]) % 10 < v["keep"] or n in forced]


def make_vfr(case):
    """--vfr: the drawn case with a seeded frame-dropping pattern (its own random stream, so the
    draw itself is the ordinary one); AVI, which stores no times, becomes Matroska."""
    rng = random.Random(case["seed"] * 7 + 1234567)
    case["vfr"] = {"step": rng.choice([3, 7, 9, 11, 13, 17, 19, 7919]), "keep": rng.choice([6, 7, 8, 9])}
    if case["container"] == "avi":
        case["container"] = "mkv"
    return case


def make_stutter(case):
    """--stutter: the drawn case with held frames (its own random stream, so the draw itself is
    the ordinary one), the file constant-rate: either every k-th frame shown twice (a 24 to 30
    fps conversion, as telecine does), or only every m-th frame shown, m times (animation on twos
    or threes, a low-rate capture: the picture holds, then steps m frames' worth)."""
    rng = random.Random(case["seed"] * 13 + 2345678)
    hold = rng.random() >= 0.5
    case["stutter"] = {"kind": "hold" if hold else "every", "k": rng.choice([2, 3] if hold else [4, 5, 6])}
    return case


def stutter_kept(case, total):
    """The frames (of the render before the conversion) a --stutter case shows, in order."""
    k = case["stutter"]["k"]
    if case["stutter"]["kind"] == "hold":
        return [n // k * k for n in range(total)]
    kept = []
    for n in range(total):
        kept.append(n)
        if (n + 1) % k == 0:  # (the last frame too: fps holds it to the end of its slot)
            kept.append(n)
    return kept


def make_slide(case):
    """--slide: the --gradual draw with every transition one of the slide family (slides,
    squeezes, zoomin: the new picture moves in, as a pan moves a view - the family recalled
    least on every range), its own random stream choosing which."""
    rng = random.Random(case["seed"] * 17 + 3456789)
    slides = [t for t in XFADE_TYPES if FAMILY[t] == "slide"]
    case["transitions"] = [dict(t, type=rng.choice(slides)) for t in case["transitions"]]
    return case


def make_approach(case):
    """--approach: the --negative case with its disturbances replaced by one or two subjects
    walking up to the camera (its own random stream chooses them): a disc cut from a photograph
    grows from a tenth or a quarter of the frame's height to 0.6-1.2 of it in 8-75 frames while
    drifting to where it stops, then stays up close or backs off - what a bird walking into a
    hand-held camera does, which no camera motion explains and the models had not seen."""
    rng = random.Random(case["seed"] * 19 + 4567891)
    frames = case["shots"][0]["pure"]
    case["events"] = []
    for _ in range(rng.choice([1, 1, 2])):
        at = rng.randrange(int(frames * 0.1), int(frames * 0.6))
        if any(ev["at"] == at for ev in case["events"]):
            at += 1  # (a subject's filters are named by the frame it appears on)
        case["events"].append({"kind": "approach", "at": at, "len": rng.randrange(4, 16),
                               "seed": rng.randrange(1 << 30), "x": rng.random(), "y": rng.random()})
    return case


EVOLVING = ["mandelbrot", "mandelbrot", "gradients", "life", "cellauto"]


def make_evolve(case):
    """--evolve: the drawn case with one or two of its shots (a negative's only one) made a
    picture that keeps changing by itself - a fractal zoom of up to ~1.7 % a frame (the ordinary
    draw zooms 0.6 %), fast-moving gradients, life, a scrolling automaton - seen by a still or
    slowly moving camera (its own random stream, so the draw itself is the ordinary one).
    Content that changes steadily for seconds is not a transition however far its ends drift."""
    rng = random.Random(case["seed"] * 11 + 7654321)
    shots = case["shots"]
    picks = [0] if len(shots) == 1 else rng.sample(range(len(shots)), rng.choice([1, 2]))
    for i in picks:
        c = dict(shots[i]["content"], source=rng.choice(EVOLVING), similar=0)
        c.pop("file", None)
        c["seed"] = rng.randrange(1, 1 << 30)
        c["end_scale"] = log_uniform(rng, 0.002, 0.3)
        c["gspeed"] = log_uniform(rng, 0.01, 0.08)
        c["motion"] = rng.choice(["still", "still", "pan", "zoom"])
        c["speed"] = log_uniform(rng, 0.2, 2)
        shots[i]["content"] = c
        shots[i]["pure"] = max(shots[i]["pure"], int(2.5 * float(Fraction(case["rate"]))))
    return case


def packet_times(path):
    """Sorted packet times (pts, else dts) of the video stream."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=pts_time,dts_time", "-of", "csv=p=0", path],
                         capture_output=True, text=True, check=True).stdout
    times = []
    for line in out.split("\n"):
        f = [x for x in line.strip().split(",") if x and x != "N/A"]
        if f:
            times.append(float(f[0]))
    return sorted(times)


def frame_times(path):
    """Presentation times of the video frames as a decoder gives them: the packet times, moved by
    where the first decoded frame lands (AVI stores no pts and its B-frame dts run a frame early:
    decoders put frame 0 one frame later)."""
    times = packet_times(path)
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals",
                          "%+#5", "-show_entries", "frame=best_effort_timestamp_time", "-of",
                          "csv=p=0", path], capture_output=True, text=True, check=True).stdout
    first = [line.split(",")[0] for line in out.split("\n") if line.split(",")[0] not in ("", "N/A")]
    delta = float(first[0]) - times[0] if first and times else 0.0
    return [t + delta for t in times]


def repair_truth(media, truth):
    """Rewrites a truth file of generator v1 (packet times) in decoded-frame times (a no-op when
    they agree). Returns whether anything changed."""
    old, new = packet_times(media), frame_times(media)
    if all(abs(a - b) < 1e-6 for a, b in zip(old, new)):
        return False

    def remap(t):
        i = min(range(len(old)), key=lambda k: abs(old[k] - t))
        return f"{new[i]:.6f}"

    lines = []
    for line in open(truth):
        f = line.split()
        if f and f[0] == "hard":
            f[1] = remap(float(f[1]))
        elif f and f[0] == "gradual":
            f[1], f[2] = remap(float(f[1])), remap(float(f[2]))
        elif f and f[0] == "event":
            f[2], f[3] = remap(float(f[2])), remap(float(f[3]))
        lines.append(" ".join(f))
    with open(truth + ".tmp", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(truth + ".tmp", truth)
    return True


def render(case, out_dir):
    seed = case["seed"]
    media = f"{out_dir}/{seed}.{case['container']}"
    truth = f"{out_dir}/{seed}.truth"
    if os.path.exists(truth):
        return media, truth
    graph, bounds, total, events = build_graph(case)
    tmp = f"{out_dir}/{seed}.tmp.{case['container']}"
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-filter_complex_threads",
           "1", "-filter_complex", graph, "-map", "[v]", "-threads", "1"] + encoder_args(case) + (
               ["-fps_mode", "vfr"] if case.get("vfr") else []) + [tmp]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"seed {seed}: ffmpeg failed: {r.stderr.strip()[-2000:]}\n{graph}")
    times = frame_times(tmp)
    kept = (vfr_kept(case, bounds, total) if case.get("vfr") else
            stutter_kept(case, total) if case.get("stutter") else list(range(total)))
    if len(times) != len(kept):
        raise RuntimeError(f"seed {seed}: {len(times)} frames in the file, {len(kept)} expected")
    # the case's frame numbers (of the constant-rate render) as frames of the file: a kept frame
    # its place, a dropped one the next kept frame's (the previous one's for an end: `last`)
    first, final = {}, {}  # a frame shown more than once: its first and its last showing
    for i, f in enumerate(kept):
        first.setdefault(f, i)
        final[f] = i

    def at(f, last=False):
        while f not in first:
            f += -1 if last else 1
        return final[f] if last else first[f]

    bounds = [(at(a, last=True), at(b)) for a, b in bounds]
    events = [(k, at(min(a, total - 1)), at(min(max(a, b), total - 1), last=True)) for k, a, b in events]
    total = len(kept)
    w, h = case["size"]
    lines = [f"fps {case['rate']}", f"frames {total}",
             f"case codec={case['codec']} container={case['container']} size={w}x{h} rc={case['rc']}"
             f" gop={case['gop']} bframes={case['bframes']} tenbit={int(case['tenbit'])}"
             f" negative={int(case['negative'])}"]
    if case.get("vfr"):
        lines[2] += f" vfr_step={case['vfr']['step']} vfr_keep={case['vfr']['keep']}"
    if case.get("stutter"):
        lines[2] += f" stutter={case['stutter']['kind']}{case['stutter']['k']}"
    for (a, b), t in zip(bounds, case["transitions"]):
        if t["type"] == "hard":
            lines.append(f"hard {times[b]:.6f} {b}")
        else:
            lines.append(f"gradual {times[a]:.6f} {times[b]:.6f} {a} {b} {t['type']} {b - a - 1}")
    for kind, a, b in events:
        a, b = min(a, total - 1), min(max(a, b), total - 1)
        lines.append(f"event {kind} {times[a]:.6f} {times[b]:.6f}")
    os.replace(tmp, media)
    with open(truth + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(truth + ".tmp", truth)
    return media, truth


def parse_seeds(args):
    """Seeds of SEED, FROM-TO and comma lists of them (1-50,1800-1999)."""
    seeds = []
    for a in (part for arg in args for part in arg.split(",")):
        if "-" in a:
            lo, hi = a.split("-")
            seeds += range(int(lo), int(hi) + 1)
        else:
            seeds.append(int(a))
    return seeds


def main():
    args = sys.argv[1:]
    if args and args[0] == "--repair-truth":  # --repair-truth FILE.truth...: v1 truth, AVI times
        for truth in args[1:]:
            base = truth[:-len(".truth")]
            media = [f"{base}.{e}" for e in ("mp4", "mkv", "webm", "avi") if os.path.exists(f"{base}.{e}")]
            if media and repair_truth(media[0], truth):
                print(f"repaired {truth}")
        return 0
    # The training modes (each in its own OUT_DIR; the docstring says what each one draws):
    # draw_case's own ones, then the post-draw ones, which leave the ordinary draw as it was.
    drawn = ("--negative", "--similar", "--gradual", "--near", "--regrade", "--camera", "--close")
    after = {"--vfr": make_vfr, "--evolve": make_evolve, "--stutter": make_stutter,
             "--slide": make_slide, "--approach": make_approach}
    flags = {"--describe", *drawn, *after}
    on = {f: f in args for f in flags}
    args = [a for a in args if a not in flags]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = args[0]
    os.makedirs(out_dir, exist_ok=True)
    if on["--slide"]:
        on["--gradual"] = True  # (a slide case is a --gradual case, its types redrawn)
    if on["--approach"]:
        on["--negative"] = True  # (an approach case is a --negative case, its events redrawn)
    cases = []
    for seed in dict.fromkeys(parse_seeds(args[1:])):  # (once each: renders run side by side)
        case = draw_case(seed, *(on[f] for f in drawn))
        for flag, make in after.items():
            if on[flag]:
                case = make(case)
        cases.append(case)
    if on["--describe"]:
        for case in cases:
            print(json.dumps(case, sort_keys=True))
        return 0
    # one render per core: each encodes on one thread, as threaded x264/x265 encodes differ from
    # run to run (generator v4)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for media, _ in pool.map(lambda case: render(case, out_dir), cases):
            print(media)
    return 0


if __name__ == "__main__":
    sys.exit(main())
