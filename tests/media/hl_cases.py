#!/usr/bin/env python3
"""Seeded generator of highlight-extraction test cases with planted ground truth.

Usage: hl_cases.py OUT_DIR SEED [SEED...]      (a range is written A-B, e.g. 1-12)

Each seed draws one input from a wide space and writes OUT_DIR/s<SEED>-g<VERSION>/:
  crf.mp4     x264 veryfast CRF 23, no B-frames (IPPP: cameras, phones)
  bf.mp4      x264 veryfast CRF 23 with B-frames (3, pyramid)
  cbr264.mp4  x264 -b:v 2M -maxrate 2M -bufsize 1M, nal-hrd=cbr (filler data: constant bits)
  cbr265.mp4  x265 -b:v 2M -maxrate 2M -bufsize 1M, strict-cbr
  case.truth  the ground truth (below)
Existing case directories are kept (cache by seed); the version in the name changes whenever the
generator's output would, so a stale cache is never read. Standard library only, plus ffmpeg and
espeak-ng on PATH. Deterministic for a seed (same truth; the media bytes may differ between
ffmpeg builds).

The space (per seed):
  * kind: "mixed" (2-4 planted highlights among calm footage and 1-3 distractors), "short" (two
    highlights in an input shorter than Count x ClipDuration) or "talk" (narration from start to
    end, no planted highlight: every clip end must fall in a pause).
  * picture: 480x270 to 1280x720, 25 or 30 fps; calm footage is a slowly changing gradient (linear,
    radial, circular or spiral; sometimes dark) or a slow pan over a still picture.
  * highlights: dialogue (espeak-ng, one or two of 12 voices in 8 languages, male and female
    variants, 120-220 words/min, pitch 30-70, -30 to -12 dBFS, 0.25-1.0 s pauses between
    sentences, often over a music-like or noise bed at 10 dB SNR), crowd swells (band-limited pink
    noise with tremolo), fast motion (life, a fast pan, a rotation), fast cutting (0.3-1.0 s shots).
    Highlights sometimes start at 0 or end at the very end of the input.
  * distractors: black, frozen, and loud-but-dull stretches (a steady drone or rain-like noise up
    to 24 dB over the ambience, calm picture).
Ground truth (case.truth): "count N", "clip_duration D", "duration T", "kind K",
"highlight A B KIND", "avoid A B black|frozen", "distractor A B loud", "speech A B" per sentence:
its onset and offset measured on the rendered utterance (first and last 10 ms frame within 30 dB
of the utterance's loudest frame), placed at its known offset in the mix.
"""
import array
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import wave

VERSION = 2  # bump whenever the output for a seed changes

VOICES = [
    ("en-us", "m3"), ("en", "f3"), ("de", "m1"), ("de", "f4"), ("fr-fr", "f2"), ("fr-fr", "m4"),
    ("es", "m2"), ("es", "f1"), ("it", "f5"), ("pt", "m6"), ("nl", "f1"), ("pl", "m4"),
]

# No commas: a comma is a pause inside a sentence, and the truth is per sentence.
SENTENCES = {
    "en": [
        "What a fantastic move by the captain on the left side",
        "The goalkeeper had no chance at all",
        "Listen to this crowd tonight",
        "They have waited all season for a moment like this",
        "Nobody expected the visitors to come back so quickly",
        "That is the best save we have seen in years",
        "The referee looks at the screen once more",
        "She takes the corner and the whole stadium holds its breath",
        "We will be back after a short break",
        "The old bridge was built more than two hundred years ago",
        "Every summer thousands of visitors walk along the river",
        "It was a long and difficult road to the final",
    ],
    "de": [
        "Das war ein wunderbares Tor in der letzten Minute",
        "Der Torwart hatte keine Chance",
        "Hier ist die Stimmung heute unglaublich",
        "Niemand hat mit dieser Wende gerechnet",
        "Die alte Stadt liegt direkt am Fluss",
        "Jeden Sommer kommen viele Besucher hierher",
        "Wir sind gleich nach der Pause wieder da",
        "Der Schiedsrichter schaut sich die Szene noch einmal an",
        "Es war ein langer Weg bis zum Finale",
        "Die Mannschaft spielt heute mit viel Mut",
    ],
    "fr": [
        "Quel but magnifique dans les derniers instants",
        "Le gardien n'avait aucune chance",
        "Ecoutez cette foule ce soir",
        "Personne ne pensait revoir une telle remontee",
        "La vieille ville se trouve au bord du fleuve",
        "Chaque ete des milliers de visiteurs viennent ici",
        "Nous revenons apres une courte pause",
        "L'arbitre regarde encore une fois les images",
        "Ce fut un long chemin jusqu'a la finale",
        "Les joueurs ont montre beaucoup de courage aujourd'hui",
    ],
    "es": [
        "Que gol tan fantastico en el ultimo minuto",
        "El portero no tuvo ninguna oportunidad",
        "Escuchen a esta aficion esta noche",
        "Nadie esperaba una remontada tan rapida",
        "La ciudad antigua esta junto al rio",
        "Cada verano llegan miles de visitantes",
        "Volvemos despues de una breve pausa",
        "El arbitro mira la jugada otra vez",
        "Fue un camino largo hasta la final",
        "El equipo juega hoy con mucho valor",
    ],
    "it": [
        "Che gol fantastico all'ultimo minuto",
        "Il portiere non ha avuto nessuna possibilita",
        "Ascoltate questo pubblico stasera",
        "Nessuno si aspettava una rimonta cosi veloce",
        "La citta vecchia si trova lungo il fiume",
        "Ogni estate arrivano migliaia di visitatori",
        "Torniamo dopo una breve pausa",
        "L'arbitro guarda di nuovo le immagini",
        "E stata una lunga strada fino alla finale",
    ],
    "pt": [
        "Que golo fantastico no ultimo minuto",
        "O guarda redes nao teve qualquer hipotese",
        "Oucam este publico esta noite",
        "Ninguem esperava uma reviravolta tao rapida",
        "A cidade antiga fica junto ao rio",
        "Todos os veroes chegam milhares de visitantes",
        "Voltamos depois de uma pequena pausa",
        "Foi um longo caminho ate a final",
    ],
    "nl": [
        "Wat een fantastisch doelpunt in de laatste minuut",
        "De keeper had geen enkele kans",
        "Luister naar dit publiek vanavond",
        "Niemand had zo een snelle ommekeer verwacht",
        "De oude stad ligt langs de rivier",
        "Elke zomer komen hier duizenden bezoekers",
        "We zijn terug na een korte pauze",
        "Het was een lange weg naar de finale",
    ],
    "pl": [
        "Co za wspaniala bramka w ostatniej minucie",
        "Bramkarz nie mial zadnych szans",
        "Posluchajcie tej publicznosci dzisiaj",
        "Nikt nie spodziewal sie tak szybkiego powrotu",
        "Stare miasto lezy nad rzeka",
        "Kazdego lata przyjezdzaja tu tysiace turystow",
        "Wracamy po krotkiej przerwie",
        "To byla dluga droga do finalu",
    ],
}

RESOLUTIONS = [((480, 270), 3), ((640, 360), 4), ((854, 480), 2), ((1280, 720), 1)]
VARIANTS = {
    "crf": ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-bf", "0"],
    "bf": ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-bf", "3"],
    "cbr264": ["-c:v", "libx264", "-preset", "veryfast", "-b:v", "2M", "-maxrate", "2M",
               "-bufsize", "1M", "-x264-params", "nal-hrd=cbr"],
    "cbr265": ["-c:v", "libx265", "-preset", "ultrafast", "-b:v", "2M", "-maxrate", "2M",
               "-bufsize", "1M", "-x265-params", "strict-cbr=1:log-level=error"],
}
RATE = 48000


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def ffmpeg(*args):
    run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args])


def weighted(rng, items):
    total = sum(w for _, w in items)
    x = rng.uniform(0, total)
    for v, w in items:
        x -= w
        if x <= 0:
            return v
    return items[-1][0]


def colour(rng, lo=40, hi=230):
    return "0x%02x%02x%02x" % tuple(rng.randint(lo, hi) for _ in range(3))


def read_wav(path):
    """Mono 16-bit samples of a wav file as an array('h'), and its rate."""
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, path
        data = array.array("h")
        data.frombytes(w.readframes(w.getnframes()))
        if sys.byteorder == "big":
            data.byteswap()
        return data, w.getframerate()


def write_wav(path, samples, rate):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        out = array.array("h", samples)
        if sys.byteorder == "big":
            out.byteswap()
        w.writeframes(out.tobytes())


def frame_db(samples, rate, frame_s=0.01):
    n = max(1, int(rate * frame_s))
    out = []
    for i in range(0, len(samples) - n + 1, n):
        seg = samples[i:i + n]
        ms = sum(x * x for x in seg) / n
        out.append(10 * math.log10(ms / 32768.0 ** 2 + 1e-12))
    return out, n


def rms_db(samples):
    if not samples:
        return -120.0
    ms = sum(x * x for x in samples) / len(samples)
    return 10 * math.log10(ms / 32768.0 ** 2 + 1e-12)


class Utterance:
    def __init__(self, tmp, voice, lang, rate_wpm, pitch, text, k):
        wav = os.path.join(tmp, "u%d.wav" % k)
        run(["espeak-ng", "-v", "%s+%s" % voice, "-s", str(rate_wpm), "-p", str(pitch), "-w", wav,
             text])
        self.samples, self.rate = read_wav(wav)
        db, n = frame_db(self.samples, self.rate)
        peak = max(db)
        on = next(i for i, d in enumerate(db) if d > peak - 30)
        off = len(db) - next(i for i, d in enumerate(reversed(db)) if d > peak - 30)
        self.onset = on * n / self.rate  # s into the file
        self.offset = off * n / self.rate
        self.length = self.offset - self.onset
        active = [d for d in db[on:off] if d > peak - 30]
        self.level = 10 * math.log10(sum(10 ** (d / 10) for d in active) / len(active))
        self.text = text
        self.lang = lang


class Case:
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed * 7919 + 17)
        rng = self.rng
        self.w, self.h = weighted(rng, RESOLUTIONS)
        self.fps = rng.choice([25, 25, 30])
        self.kind = weighted(rng, [("mixed", 6), ("short", 2), ("talk", 1.5)])
        self.calm = self.calm_source()
        self.items = []  # (start, end, kind, params)
        self.truth = []
        self.ambience = (rng.choice(["brown", "pink"]), rng.uniform(-56, -40))
        self.silent_black = rng.random() < 0.5

    def q(self, t):
        """t rounded to whole frames."""
        return round(t * self.fps) / self.fps

    def calm_source(self):
        """A calm shot: a slowly changing gradient (sometimes dark) or a slow pan over a still."""
        rng = self.rng
        if rng.random() < 0.3:
            pattern = rng.choice(["testsrc2", "smptehdbars", "mandelbrot", "testsrc"])
            return "%s=s=%dx%d:r=%d,trim=end_frame=1,loop=loop=-1:size=1,scroll=h=%.5f:v=%.5f" % (
                pattern, self.w, self.h, self.fps, rng.uniform(0.0003, 0.001),
                rng.uniform(0, 0.0005))
        dark = rng.random() < 0.15
        lo, hi = (30, 90) if dark else (40, 230)
        kind = rng.choice(["linear", "radial", "circular", "spiral"])
        return "gradients=s=%dx%d:r=%d:speed=%.4f:seed=%d:c0=%s:c1=%s:type=%s" % (
            self.w, self.h, self.fps, rng.uniform(0.001, 0.006), rng.randint(1, 10 ** 6),
            colour(rng, lo, hi), colour(rng, lo, hi), kind)


def plan_dialogue(case, tmp, counter, at_start=False, at_end=False, fill=None):
    """Sentences (and their placement offsets relative to the item start) for a dialogue."""
    rng = case.rng
    nvoices = 1 if rng.random() < 0.5 else 2
    voices = rng.sample(VOICES, nvoices)
    speakers = []
    for lang, var in voices:
        speakers.append({
            "voice": (lang, var), "lang": lang[:2], "wpm": rng.randint(120, 220),
            "pitch": rng.randint(30, 70), "level": rng.uniform(-30, -12)})
    utts = []
    t = 0.0
    n = rng.randint(2, 4) if not fill else 10 ** 6
    k = 0
    while k < n:
        sp = speakers[k % nvoices] if nvoices == 1 or rng.random() < 0.7 else speakers[
            (k + 1) % nvoices]
        text = rng.choice(SENTENCES[sp["lang"]])
        u = Utterance(tmp, sp["voice"], sp["lang"], sp["wpm"], sp["pitch"], text,
                      counter[0])
        counter[0] += 1
        u.gain_db = sp["level"] - u.level
        if fill and t + u.length > fill:
            break
        utts.append((t, u))
        t += u.length
        k += 1
        if k < n:
            t += rng.uniform(0.25, 1.0)
    span = utts[-1][0] + utts[-1][1].length
    return utts, span, speakers


def build(case, tmp):
    rng = case.rng
    counter = [0]
    items = []  # dicts: kind, dur, audio/visual, extra
    if case.kind == "talk":
        total = rng.uniform(50, 90)
        lead = rng.uniform(0.2, 1.0)
        utts, span, speakers = plan_dialogue(case, tmp, counter, fill=total - lead - 0.5)
        case.count = rng.choice([2, 3])
        case.clip = rng.choice([8, 10, 12])
        dur = case.q(lead + span + rng.uniform(0.3, 1.0))
        dialogues = [(lead, utts, speakers, rng.random() < 0.5)]
        visual = []
        audio_events = []
        case.duration = dur
        return dialogues, visual, audio_events
    if case.kind == "short":
        nh, nd = 2, rng.choice([0, 0, 1])
    else:
        nh, nd = rng.randint(2, 4), rng.randint(1, 3)
        case.clip = rng.choice([6, 8, 10])
    kinds = ["dialogue", "crowd", "motion", "cutting"]
    rng.shuffle(kinds)
    hk = (kinds * 2)[:nh]
    dk = [rng.choice(["black", "frozen", "loud"]) for _ in range(nd)]
    for k in hk:
        items.append({"kind": k, "hl": True})
    for k in dk:
        items.append({"kind": k, "hl": False})
    rng.shuffle(items)
    # highlights at the very start or end of the input
    hl_idx = [i for i, it in enumerate(items) if it["hl"]]
    at_start = rng.random() < 0.35
    at_end = rng.random() < 0.35
    if at_start:
        i = rng.choice(hl_idx)
        items.insert(0, items.pop(i))
    if at_end:
        idx = [i for i, it in enumerate(items) if it["hl"] and (i > 0 or not at_start)]
        if idx:
            i = rng.choice(idx)
            items.append(items.pop(i))
        else:
            at_end = False
    dialogues, visual, audio_events = [], [], []
    t = 0.0 if at_start else rng.uniform(3, 10)
    for i, it in enumerate(items):
        k = it["kind"]
        first, last = i == 0 and at_start, i == len(items) - 1 and at_end
        if k == "dialogue":
            utts, span, speakers = plan_dialogue(case, tmp, counter)
            lead = rng.uniform(0.0, 0.3) if first else 0.0
            dialogues.append((t + lead, utts, speakers, rng.random() < 0.65))
            a, b = t + lead, t + lead + span
            case.truth.append("highlight %.3f %.3f dialogue" % (a, b))
            t = b + (rng.uniform(0.0, 0.3) if last else 0.0)
        else:
            d = case.q({"crowd": rng.uniform(6, 10), "motion": rng.uniform(6, 10),
                        "cutting": rng.uniform(5, 9), "black": rng.uniform(3, 8),
                        "frozen": rng.uniform(3, 8), "loud": rng.uniform(12, 25)}[k])
            t = case.q(t)
            if k in ("motion", "cutting", "black", "frozen"):
                visual.append((t, d, k))
            else:
                audio_events.append((t, d, k))
            tag = "highlight" if it["hl"] else ("avoid" if k in ("black", "frozen") else
                                                "distractor")
            case.truth.append("%s %.3f %.3f %s" % (tag, t, t + d, k))
            t += d
        if i < len(items) - 1:
            t += rng.uniform(3, 12) if case.kind == "mixed" else rng.uniform(2, 5)
    if not at_end:
        t += rng.uniform(3, 10) if case.kind == "mixed" else rng.uniform(1, 4)
    case.duration = case.q(t + (1.0 / case.fps))
    if case.kind == "short":
        # two clips fit (2 x ClipDuration + a gap), Count of them do not
        fits = [c for c in (8, 10, 12, 15) if 2 * c + 3 <= case.duration] or [6]
        case.clip = rng.choice(fits)
        case.count = rng.choice([3, 4, 5])
        while case.count * case.clip <= case.duration:
            case.count += 1
    else:
        case.count = nh + (1 if rng.random() < 0.25 else 0)
    return dialogues, visual, audio_events


def render_audio(case, tmp, dialogues, audio_events):
    """Writes tmp/mix.wav (48 kHz mono) and appends the sentence truth."""
    rng = case.rng
    T = case.duration
    n = int(T * 22050) + 1
    speech = array.array("f", bytes(4 * n))
    beds = []  # (start, end, level_db, type)
    for start, utts, speakers, bed in dialogues:
        levels = []
        for off, u in utts:
            at = start + off  # wanted onset time
            first = int(round((at - u.onset) * u.rate))
            g = 10 ** (u.gain_db / 20)
            for i, x in enumerate(u.samples):
                j = first + i
                if 0 <= j < n:
                    speech[j] += x * g
            case.truth.append("speech %.3f %.3f" % (at, at + u.length))
            levels.append(u.level + u.gain_db)
        if bed:
            lvl = 10 * math.log10(sum(10 ** (x / 10) for x in levels) / len(levels)) - 10.0
            end = start + utts[-1][0] + utts[-1][1].length
            if case.kind == "talk":
                a, b = 0.0, T
            else:
                a, b = max(0.0, start - rng.uniform(0.5, 3)), min(T, end + rng.uniform(0.5, 3))
            beds.append((a, b, lvl, rng.choice(["music", "music", "noise", "babble"])))
    peak = max((abs(x) for x in speech), default=0)
    scale = 32000.0 / peak if peak > 32000 else 1.0
    write_wav(os.path.join(tmp, "speech.wav"), [int(x * scale) for x in speech], 22050)
    inputs = ["-i", os.path.join(tmp, "speech.wav")]
    parts = ["[0:a]aresample=%d,apad[s0]" % RATE]
    labels = ["[s0]"]
    k = 1

    def add(src, start, level_db, name):
        """An ffmpeg lavfi source rendered to a wav, measured, and placed at start with level."""
        nonlocal k
        path = os.path.join(tmp, "%s%d.wav" % (name, k))
        ffmpeg("-f", "lavfi", "-i", src, "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le", path)
        samples, _ = read_wav(path)
        body = samples[len(samples) // 4: len(samples) * 3 // 4] or samples
        gain = level_db - rms_db(body)
        inputs.extend(["-i", path])
        parts.append("[%d:a]volume=%.2fdB,adelay=%d:all=1,apad[s%d]" % (
            k, gain, int(round(start * 1000)), k))
        labels.append("[s%d]" % k)
        k += 1

    colour_n, amb_db = case.ambience
    amb = "anoisesrc=c=%s:r=%d:a=0.3:d=%.3f:seed=%d" % (colour_n, RATE, T, rng.randint(1, 10 ** 6))
    if case.silent_black:
        quiet = [ln for ln in case.truth if ln.endswith(" black")]
        for ln in quiet:
            _, a, b, _ = ln.split()
            amb += ",volume='if(between(t,%s,%s),0,1)':eval=frame" % (a, b)
    add(amb, 0.0, amb_db, "amb")
    for a, b, lvl, kind in beds:
        d = b - a
        fade = min(1.0, d / 4)
        if kind == "music":
            cl = rng.uniform(1.2, 2.5)
            roots = [rng.choice([110, 123.5, 130.8, 146.8, 164.8, 174.6, 196]) for _ in range(4)]
            sel = "if(eq(mod(floor(t/%.3f),4),0),%g,if(eq(mod(floor(t/%.3f),4),1),%g," \
                  "if(eq(mod(floor(t/%.3f),4),2),%g,%g)))" % (cl, roots[0], cl, roots[1], cl,
                                                             roots[2], roots[3])
            env = "(1-exp(-30*mod(t,%.3f)))*exp(-0.8*mod(t,%.3f))" % (cl, cl)
            expr = "%s*(sin(2*PI*t*%s)+0.5*sin(2*PI*t*%s*1.26)+0.45*sin(2*PI*t*%s*1.5)" \
                   "+0.3*sin(4*PI*t*%s))" % (env, sel, sel, sel, sel)
            if rng.random() < 0.5:
                beat = 60.0 / rng.uniform(80, 140)
                expr += "+0.15*(2*random(0)-1)*exp(-40*mod(t,%.4f))" % beat
            src = "aevalsrc='%s':s=%d:d=%.3f" % (expr, RATE, d)
        elif kind == "noise":
            src = "anoisesrc=c=%s:r=%d:a=0.3:d=%.3f:seed=%d" % (
                rng.choice(["pink", "white", "brown"]), RATE, d, rng.randint(1, 10 ** 6))
        else:  # babble-like: band-limited pink noise with a syllable-rate tremolo
            src = "anoisesrc=c=pink:r=%d:a=0.3:d=%.3f:seed=%d,bandpass=f=900:w=1.5:t=o," \
                  "tremolo=f=%.2f:d=0.5" % (RATE, d, rng.randint(1, 10 ** 6), rng.uniform(3, 6))
        src += ",afade=t=in:d=%.2f,afade=t=out:st=%.3f:d=%.2f" % (fade, d - fade, fade)
        add(src, a, lvl, "bed")
    for start, d, kind in audio_events:
        if kind == "crowd":
            rise, fall = rng.uniform(1, 2.5), rng.uniform(1, 2)
            src = "anoisesrc=c=pink:r=%d:a=0.3:d=%.3f:seed=%d,bandpass=f=%d:w=2.5:t=o," \
                  "tremolo=f=%.2f:d=0.35,afade=t=in:d=%.2f,afade=t=out:st=%.3f:d=%.2f" % (
                      RATE, d, rng.randint(1, 10 ** 6), rng.randint(700, 1600),
                      rng.uniform(3, 7), rise, d - fall, fall)
            add(src, start, rng.uniform(-26, -12), "crowd")
        else:  # loud but dull: steady drone or rain-like noise
            if rng.random() < 0.5:
                f = rng.uniform(80, 130)
                src = "aevalsrc='0.5*sin(2*PI*%.2f*t)+0.3*sin(4*PI*%.2f*t)+0.2*sin(6*PI*%.2f*t)" \
                      "+0.3*(2*random(0)-1)':s=%d:d=%.3f,lowpass=f=1500" % (f, f, f, RATE, d)
            else:
                src = "anoisesrc=c=pink:r=%d:a=0.3:d=%.3f:seed=%d,lowpass=f=%d" % (
                    RATE, d, rng.randint(1, 10 ** 6), rng.randint(2000, 6000))
            src += ",afade=t=in:d=2,afade=t=out:st=%.3f:d=2" % (d - 2)
            add(src, start, min(-12.0, amb_db + rng.uniform(16, 24)), "loud")
    fc = ";".join(parts) + ";%samix=inputs=%d:duration=longest:normalize=0,atrim=0:%.3f[a]" % (
        "".join(labels), len(labels), T)
    ffmpeg(*inputs, "-filter_complex", fc, "-map", "[a]", "-ac", "1", "-ar", str(RATE),
           "-c:a", "pcm_s16le", os.path.join(tmp, "mix.wav"))


CUT_SOURCES = ["testsrc", "testsrc2", "smptebars", "smptehdbars", "pal75bars", "pal100bars",
               "rgbtestsrc", "yuvtestsrc", "gradients", "life"]


def visual_chain(case, d, kind):
    rng = case.rng
    size = "s=%dx%d:r=%d" % (case.w, case.h, case.fps)
    if kind == "black":
        c = "black" if rng.random() < 0.7 else "0x0c0c0c"
        return "color=c=%s:%s" % (c, size)
    if kind == "frozen":
        src = case.calm_source() if rng.random() < 0.5 else case.calm
        return "%s,trim=end_frame=1,tpad=stop_mode=clone:stop_duration=%.3f" % (src, d + 1)
    if kind == "motion":
        m = rng.choice(["life", "pan", "rotate"])
        if m == "life":
            return "life=%s:ratio=%.2f:mold=0:seed=%d:life_color=%s:death_color=%s" % (
                size, rng.uniform(0.3, 0.5), rng.randint(1, 10 ** 6), colour(rng),
                colour(rng, 0, 80))
        if m == "pan":
            return "testsrc2=%s,scroll=h=%.4f:v=%.4f" % (size, rng.uniform(0.01, 0.03),
                                                        rng.uniform(0.005, 0.02))
        return "rgbtestsrc=%s,rotate=a=%.2f*t:fillcolor=gray" % (size, rng.uniform(1, 3))
    # fast cutting: shots of 0.3-1.0 s
    shots, t, prev = [], 0.0, None
    while t < d - 1e-6:
        s = min(case.q(rng.uniform(0.3, 1.0)), case.q(d - t))
        if s <= 0:
            break
        src = rng.choice([x for x in CUT_SOURCES if x != prev])
        prev = src
        if src == "gradients":
            chain = "gradients=%s:speed=0.02:seed=%d:c0=%s:c1=%s" % (
                size, rng.randint(1, 10 ** 6), colour(rng), colour(rng))
        elif src == "life":
            chain = "life=%s:ratio=0.4:mold=0:seed=%d" % (size, rng.randint(1, 10 ** 6))
        else:
            chain = "%s=%s" % (src, size)
        shots.append((chain, s))
        t += s
    return shots


def render_video_graph(case, visual):
    """The filter graph (string) ending in [v]."""
    parts, labels = [], []
    t, k = 0.0, 0

    def seg(chain, d):
        nonlocal k
        parts.append("%s,trim=duration=%.4f,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[v%d]" % (
            chain, d, k))
        labels.append("[v%d]" % k)
        k += 1

    calm_offset = 0.0
    for start, d, kind in visual + [(case.duration, 0, None)]:
        if start - t > 1e-6:
            # the calm shot continues where it stopped: no cut at an audio-only highlight
            gap = start - t
            seg("%s,trim=start=%.4f,setpts=PTS-STARTPTS" % (case.calm, calm_offset), gap)
            calm_offset += gap
        if kind is None:
            break
        chain = visual_chain(case, d, kind)
        if isinstance(chain, list):
            for c, s in chain:
                seg(c, s)
        else:
            seg(chain, d)
        t = start + d
    parts.append("%sconcat=n=%d:v=1:a=0[v]" % ("".join(labels), len(labels)))
    return ";".join(parts)


def generate(out_dir, seed):
    dst = os.path.join(out_dir, "s%d-g%d" % (seed, VERSION))
    if os.path.exists(os.path.join(dst, "case.truth")):
        return dst
    os.makedirs(out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="hlcase%d." % seed, dir=out_dir)
    try:
        case = Case(seed)
        dialogues, visual, audio_events = build(case, tmp)
        visual.sort()
        render_audio(case, tmp, dialogues, audio_events)
        fc = render_video_graph(case, visual)
        names = list(VARIANTS)
        fc += ";[v]split=%d%s" % (len(names), "".join("[o%d]" % i for i in range(len(names))))
        fc += ";[0:a]asplit=%d%s" % (len(names), "".join("[p%d]" % i for i in range(len(names))))
        args = ["-i", os.path.join(tmp, "mix.wav"), "-filter_complex", fc]
        for i, name in enumerate(names):
            args += ["-map", "[o%d]" % i, "-map", "[p%d]" % i, *VARIANTS[name], "-pix_fmt",
                     "yuv420p", "-c:a", "aac", "-b:a", "128k", "-t", "%.4f" % case.duration,
                     "-movflags", "+faststart", os.path.join(tmp, name + ".mp4")]
        ffmpeg(*args)
        with open(os.path.join(tmp, "case.truth"), "w") as f:
            f.write("# seed %d generator %d: %s %dx%d %d fps\n" % (
                seed, VERSION, case.kind, case.w, case.h, case.fps))
            f.write("count %d\nclip_duration %g\nduration %.3f\nkind %s\n" % (
                case.count, case.clip, case.duration, case.kind))
            for ln in case.truth:
                f.write(ln + "\n")
        for p in os.listdir(tmp):
            if not (p.endswith(".mp4") or p == "case.truth"):
                os.remove(os.path.join(tmp, p))
        if os.path.exists(dst):
            shutil.rmtree(dst)
        os.rename(tmp, dst)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp)
    return dst


def seeds_of(args):
    for a in args:
        if "-" in a:
            lo, hi = a.split("-")
            yield from range(int(lo), int(hi) + 1)
        else:
            yield int(a)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    for seed in seeds_of(sys.argv[2:]):
        print(generate(sys.argv[1], seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
