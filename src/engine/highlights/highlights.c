/* highlights: greedy selection of the best-scoring windows, spread over scenes and a minimum gap
 * apart, with both ends snapped to shot changes and pauses in speech. */
#include "engine/highlights/highlights.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/highlights/hl_score.h"

#define AVOID_PAD 3        /* ticks kept clear around black/frozen stretches */
#define CUT_SNAP 0.15      /* s: a boundary this close to a cut moves onto it */
#define SCENE_PENALTY 0.85 /* score factor for a second clip from the same scene */
#define NEAR_PENALTY 0.7   /* score factor for a window within one clip length of a chosen one */
#define MID_SENTENCE 3.0   /* boundary cost of cutting someone off */
#define KEEP_RELATIVE 0.35 /* clips below this fraction of the best one are not worth it */
#define KEEP_ABSOLUTE 0.05
#define REPLAN_KEEP 0.9 /* a re-planned selection keeps this much of the clips found before */

typedef struct selector {
    const engine_hl_track *t;
    hl_scorer sc;
    uint8_t *blocked; /* ticks taken by a chosen clip or its gap */
    double *blocked_sum;
    size_t w, lo, hi, hard_lo, hard_hi, gap;
    double min_len, max_len; /* API bounds in seconds */
} selector;

static const struct {
    enum engine_hl_note note;
    const char *name, *text;
} note_table[] = {
    {ENGINE_HL_NOTE_NO_AUDIO, "NoAudio",
     "the input has no audio track; clips were chosen from the picture"},
    {ENGINE_HL_NOTE_NO_SPEECH, "NoSpeech", "no speech was found in the input"},
    {ENGINE_HL_NOTE_SHORT_INPUT, "ShortInput",
     "the input is shorter than Count x ClipDuration; fewer clips"},
    {ENGINE_HL_NOTE_WHOLE_INPUT, "WholeInput",
     "the input is shorter than the minimum clip; the clip is the whole input"},
    {ENGINE_HL_NOTE_LOW_INTEREST, "LowInterest",
     "the rest of the input is uneventful; fewer clips than Count"},
    {ENGINE_HL_NOTE_AVOIDED, "AvoidedStretches", "black, frozen or empty stretches were left out"},
    {ENGINE_HL_NOTE_NO_USABLE, "NoUsableContent",
     "the whole input is black, frozen or empty; no clip"},
};

const char *engine_hl_note_name(enum engine_hl_note note) {
    for (size_t i = 0; i < sizeof(note_table) / sizeof(note_table[0]); i++)
        if (note_table[i].note == note)
            return note_table[i].name;
    return "";
}

const char *engine_hl_note_text(enum engine_hl_note note) {
    for (size_t i = 0; i < sizeof(note_table) / sizeof(note_table[0]); i++)
        if (note_table[i].note == note)
            return note_table[i].text;
    return "";
}

/* The exact cut time within CUT_SNAP of t, or t itself. */
static double snap_to_cut(const engine_hl_track *t, double at, int *snapped) {
    size_t lo = 0, hi = t->n_cut_times;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->cut_times[mid] < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    double best = at, bd = CUT_SNAP;
    for (size_t i = lo > 0 ? lo - 1 : 0; i < t->n_cut_times && i <= lo; i++) {
        double d = fabs(t->cut_times[i] - at);
        if (d <= bd) {
            bd = d;
            best = t->cut_times[i];
        }
    }
    *snapped = best != at || bd < CUT_SNAP;
    return best;
}

/* Cost of a clip boundary at tick edge p (time p * step): high inside speech, lower on a cut. */
static double boundary_cost(const engine_hl_track *t, size_t p) {
    double cost = 0;
    int before = p > 0 && t->voice[p - 1], after = p < t->n && t->voice[p];
    if (before && after)
        cost += MID_SENTENCE;
    else if (before || after)
        cost += 1.5; /* right at the edge of a sentence: too tight */
    else {
        for (size_t d = 2; d <= 4; d++)
            if ((p >= d && t->voice[p - d]) || (p + d - 1 < t->n && t->voice[p + d - 1])) {
                cost += 0.3 / (double)(d - 1);
                break;
            }
    }
    int snapped;
    snap_to_cut(t, (double)p * ENGINE_HL_STEP, &snapped);
    if (snapped)
        cost -= 0.4;
    return cost;
}

static int usable(const selector *s, size_t a, size_t b) {
    return hl_scorer_bad(&s->sc, a, b) == 0 && s->blocked_sum[b] - s->blocked_sum[a] == 0;
}

static void refresh_blocked(selector *s) {
    s->blocked_sum[0] = 0;
    for (size_t i = 0; i < s->t->n; i++)
        s->blocked_sum[i + 1] = s->blocked_sum[i] + s->blocked[i];
}

/* Best clip [*a, *b) near the window [s0, s0 + w): boundaries within +-20% (then, with passes 2,
 * the hard bounds) trading off speech pauses, cuts, length and the score of what is inside. 0 if
 * none fits. */
static int snap_window(const selector *s, size_t s0, int passes, size_t *oa, size_t *ob) {
    const size_t n = s->t->n;
    double fallback = INFINITY;
    for (int pass = 0; pass < passes; pass++) {
        size_t reach = pass == 0 ? s->w / 5 : s->w / 2;
        size_t lo = pass == 0 ? s->lo : s->hard_lo, hi = pass == 0 ? s->hi : s->hard_hi;
        size_t a0 = s0 > reach ? s0 - reach : 0, a1 = s0 + reach;
        double best = INFINITY;
        for (size_t a = a0; a <= a1 && a + lo <= n; a++) {
            double ba = boundary_cost(s->t, a);
            double ca = ba + fabs((double)a - (double)s0) / (double)s->w;
            for (size_t b = a + lo; b <= a + hi && b <= n; b++) {
                if (!usable(s, a, b))
                    continue;
                hl_window_score ws;
                hl_scorer_window(&s->sc, a, b, &ws);
                double bb = boundary_cost(s->t, b);
                double c = ca + bb + 0.5 * fabs((double)(b - a) - (double)s->w) / (double)s->w -
                           2.0 * ws.score;
                /* a mid-sentence end is taken only when nothing else fits anywhere */
                if (ba >= MID_SENTENCE || bb >= MID_SENTENCE) {
                    if (c < fallback && best == INFINITY) {
                        fallback = c;
                        *oa = a;
                        *ob = b;
                    }
                    continue;
                }
                if (c < best) {
                    best = c;
                    *oa = a;
                    *ob = b;
                }
            }
        }
        if (best < INFINITY)
            return 1;
    }
    return fallback < INFINITY;
}

static size_t scene_of(const selector *s, size_t tick) {
    return (size_t)s->sc.cuts[tick + 1];
}

static void fill_clip(const selector *s, size_t a, size_t b, engine_hl_clip *c) {
    hl_window_score ws;
    hl_scorer_window(&s->sc, a, b, &ws);
    int snapped;
    double raw_in = (double)a * ENGINE_HL_STEP;
    double raw_out =
        b >= s->t->n ? s->t->duration : fmin((double)b * ENGINE_HL_STEP, s->t->duration);
    c->in = a == 0 ? 0 : snap_to_cut(s->t, raw_in, &snapped);
    c->out = b >= s->t->n ? raw_out : fmin(snap_to_cut(s->t, raw_out, &snapped), s->t->duration);
    /* moving onto a cut must not break the API's length bounds */
    double len = c->out - c->in;
    if (len < s->min_len - 1e-9 || len > s->max_len + 1e-9) {
        c->in = raw_in;
        c->out = raw_out;
    }
    c->score = ws.score;
    c->speech = ws.speech;
    c->loudness = ws.loudness;
    c->motion = ws.motion;
    c->cut_rate = ws.cut_rate;
}

static int cmp_clip_in(const void *x, const void *y) {
    const engine_hl_clip *a = x, *b = y;
    return (a->in > b->in) - (a->in < b->in);
}

static void set_notes(const engine_hl_track *t, engine_hl_selection *out) {
    if (!t->has_audio)
        out->notes |= ENGINE_HL_NOTE_NO_AUDIO;
    size_t voiced = 0, avoided = 0;
    for (size_t i = 0; i < t->n; i++) {
        voiced += t->voice[i];
        avoided += t->avoid[i] != 0;
    }
    if (t->has_audio && voiced < 10)
        out->notes |= ENGINE_HL_NOTE_NO_SPEECH;
    if (avoided)
        out->notes |= ENGINE_HL_NOTE_AVOIDED;
}

static void rank_and_order(engine_hl_selection *out) {
    for (int i = 0; i < out->n; i++) {
        int rank = 1;
        for (int j = 0; j < out->n; j++)
            if (out->clips[j].score > out->clips[i].score ||
                (out->clips[j].score == out->clips[i].score && j < i))
                rank++;
        out->clips[i].rank = rank;
    }
    qsort(out->clips, (size_t)out->n, sizeof(engine_hl_clip), cmp_clip_in);
}

static int mid_sentence(const engine_hl_track *t, size_t p) {
    return p > 0 && p < t->n && t->voice[p - 1] && t->voice[p];
}

/* The arrangement of m clips of len ticks, a gap apart and off bad ticks, with the most total
 * score (dynamic programming over the ticks: best[j][x] is the best total of j clips within
 * [0, x)). Fills starts[0..m) (increasing). Returns 1, 0 if m such clips do not fit, or RC_ENOMEM.
 */
static int plan(const selector *s, int m, size_t len, size_t *starts) {
    const size_t n = s->t->n, gap = s->gap;
    if (len == 0 || len > n)
        return 0;
    size_t cols = n + 1;
    double *best = malloc((size_t)(m + 1) * cols * sizeof(double));
    uint8_t *take = calloc((size_t)(m + 1) * cols, 1);
    double *score = malloc((n - len + 1) * sizeof(double));
    int rc = 0;
    if (!best || !take || !score) {
        rc = RC_ENOMEM;
        goto out;
    }
    for (size_t a = 0; a + len <= n; a++) {
        hl_window_score ws;
        hl_scorer_window(&s->sc, a, a + len, &ws);
        score[a] = hl_scorer_bad(&s->sc, a, a + len) == 0 ? ws.score : -1;
        /* packed clips cannot move their ends much: one that cuts someone off is worth half */
        if (score[a] > 0 && (mid_sentence(s->t, a) || mid_sentence(s->t, a + len)))
            score[a] *= 0.5;
    }
    for (size_t x = 0; x <= n; x++)
        best[x] = 0;
    for (int j = 1; j <= m; j++) {
        double *row = best + (size_t)j * cols, *prev = best + (size_t)(j - 1) * cols;
        for (size_t x = 0; x <= n; x++) {
            row[x] = x > 0 ? row[x - 1] : -INFINITY;
            if (x < len || score[x - len] < 0)
                continue;
            double before;
            if (j == 1)
                before = 0;
            else if (x >= len + gap)
                before = prev[x - len - gap];
            else
                continue;
            if (before > -INFINITY && before + score[x - len] > row[x] + 1e-12) {
                row[x] = before + score[x - len];
                take[(size_t)j * cols + x] = 1;
            }
        }
    }
    if (!(best[(size_t)m * cols + n] > -INFINITY))
        goto out;
    size_t x = n;
    for (int j = m; j > 0;) {
        if (take[(size_t)j * cols + x]) {
            size_t a = x - len;
            starts[j - 1] = a;
            j--;
            x = j > 0 ? a - gap : 0;
        } else {
            x--;
        }
    }
    rc = 1;
out:
    free(best);
    free(take);
    free(score);
    return rc;
}

static void block(selector *s, size_t a, size_t b) {
    size_t from = a > s->gap ? a - s->gap : 0, to = b + s->gap < s->t->n ? b + s->gap : s->t->n;
    memset(s->blocked + from, 1, to - from);
}

/* Places the planned windows: each is snapped while the others (with their gaps) are kept clear.
 */
static void place_planned(selector *s, const size_t *starts, int m, size_t len,
                          engine_hl_selection *out, size_t scenes[], size_t spans[][2]) {
    size_t placed[ENGINE_HL_MAX_CLIPS][2];
    for (int k = 0; k < m; k++) {
        memset(s->blocked, 0, s->t->n);
        for (int o = 0; o < m; o++)
            if (o != k)
                block(s, o < k ? placed[o][0] : starts[o], o < k ? placed[o][1] : starts[o] + len);
        refresh_blocked(s);
        size_t a = starts[k], b = starts[k] + len;
        if (!snap_window(s, starts[k], 1, &a, &b)) {
            a = starts[k];
            b = starts[k] + len;
        }
        placed[k][0] = a;
        placed[k][1] = b;
        fill_clip(s, a, b, &out->clips[k]);
        scenes[k] = scene_of(s, (a + b) / 2);
        spans[k][0] = a;
        spans[k][1] = b;
    }
    out->n = m;
    memset(s->blocked, 0, s->t->n);
    for (int k = 0; k < m; k++)
        block(s, placed[k][0], placed[k][1]);
    refresh_blocked(s);
}

/* Whether the planned m windows of len ticks are worth more than the clips so far: one clip more
 * is worth it when it is one that would be kept on its own, and the clips already found keep
 * REPLAN_KEEP of what they show - more clips, not the same events cut into thinner pieces. A
 * window whose end cuts a sentence counts half, as in plan(). */
static int worth_planning(const selector *s, const engine_hl_selection *out, const size_t *starts,
                          int m, size_t len, double first) {
    double now = 0, weakest = INFINITY, kept = 0;
    for (int k = 0; k < out->n; k++)
        now += out->clips[k].score;
    for (int k = 0; k < m; k++) {
        hl_window_score ws;
        hl_scorer_window(&s->sc, starts[k], starts[k] + len, &ws);
        double v = ws.score;
        if (mid_sentence(s->t, starts[k]) || mid_sentence(s->t, starts[k] + len))
            v *= 0.5;
        weakest = fmin(weakest, v);
        kept += v;
    }
    kept -= weakest; /* the best m - 1 */
    return weakest >= fmax(KEEP_RELATIVE * first, KEEP_ABSOLUTE) && kept >= REPLAN_KEEP * now;
}

static int pick(selector *s, int count, engine_hl_selection *out) {
    const size_t n = s->t->n;
    double first = -1;
    size_t scenes[ENGINE_HL_MAX_CLIPS], spans[ENGINE_HL_MAX_CLIPS][2];
    while (out->n < count) {
        double best = -1, best_raw = 0;
        size_t best_a = 0;
        for (size_t a = 0; a + s->w <= n; a++) {
            if (!usable(s, a, a + s->w))
                continue;
            hl_window_score ws;
            hl_scorer_window(&s->sc, a, a + s->w, &ws);
            double v = ws.score;
            size_t scene = scene_of(s, a + s->w / 2);
            int same_scene = 0, near = 0;
            for (int k = 0; k < out->n; k++) {
                same_scene |= scenes[k] == scene;
                near |= a + s->w + s->w + s->gap > spans[k][0] && a < spans[k][1] + s->gap + s->w;
            }
            if (same_scene)
                v *= SCENE_PENALTY;
            if (near)
                v *= NEAR_PENALTY; /* the same moment again: a viewer wants variety */
            if (v > best + 1e-12) {
                best = v;
                best_raw = ws.score;
                best_a = a;
            }
        }
        if (best < 0) {
            /* no room left where the clips so far sit: say what fits - the best arrangement of
             * one clip more over the whole input, if there is one worth watching */
            if (out->n == 0)
                break;
            size_t starts[ENGINE_HL_MAX_CLIPS], len = 0;
            int m = out->n + 1, found = 0;
            for (int attempt = 0; attempt < 2 && !found; attempt++) {
                len = attempt == 0 ? s->w : s->lo; /* ClipDuration, else its 0.8x */
                int fits = plan(s, m, len, starts);
                if (fits < 0)
                    return fits;
                found = fits && worth_planning(s, out, starts, m, len, first);
            }
            if (!found) {
                out->notes |= ENGINE_HL_NOTE_LOW_INTEREST;
                break;
            }
            place_planned(s, starts, m, len, out, scenes, spans);
            continue;
        }
        if (first < 0)
            first = best_raw;
        else if (best_raw < KEEP_RELATIVE * first || best_raw < KEEP_ABSOLUTE) {
            out->notes |= ENGINE_HL_NOTE_LOW_INTEREST;
            break;
        }
        size_t a = 0, b = 0;
        if (!snap_window(s, best_a, 2, &a, &b)) {
            memset(s->blocked + best_a, 1, s->w); /* cannot be placed: never try it again */
            refresh_blocked(s);
            continue;
        }
        fill_clip(s, a, b, &out->clips[out->n]);
        scenes[out->n] = scene_of(s, (a + b) / 2);
        spans[out->n][0] = a;
        spans[out->n][1] = b;
        out->n++;
        block(s, a, b);
        refresh_blocked(s);
    }
    return 0;
}

int engine_hl_select(const engine_hl_track *t, int count, double clip_duration,
                     engine_hl_selection *out) {
    memset(out, 0, sizeof(*out));
    if (count < 1 || count > ENGINE_HL_MAX_CLIPS || !(clip_duration > 0) || !t || t->n == 0)
        return RC_EINVAL;
    set_notes(t, out);
    selector s;
    memset(&s, 0, sizeof(s));
    s.t = t;
    int rc = hl_scorer_init(&s.sc, t, AVOID_PAD);
    if (rc)
        return rc;
    double min_len = fmax(3.0, 0.5 * clip_duration), max_len = 1.5 * clip_duration;
    if (t->duration <= min_len) {
        engine_hl_clip *c = &out->clips[0];
        hl_window_score ws;
        hl_scorer_window(&s.sc, 0, t->n, &ws);
        *c = (engine_hl_clip){0,         t->duration, ws.score,  1,
                              ws.speech, ws.loudness, ws.motion, ws.cut_rate};
        out->n = 1;
        out->notes |= ENGINE_HL_NOTE_WHOLE_INPUT | ENGINE_HL_NOTE_SHORT_INPUT;
        goto out;
    }
    if (t->duration < count * clip_duration)
        out->notes |= ENGINE_HL_NOTE_SHORT_INPUT;
    double step = ENGINE_HL_STEP;
    double target = fmin(clip_duration, t->duration);
    s.w = (size_t)lround(target / step);
    s.lo = (size_t)ceil(fmax(0.8 * target, fmin(min_len, target)) / step - 1e-9);
    s.hi = (size_t)floor(fmin(1.2 * target, max_len) / step + 1e-9);
    s.hard_lo = (size_t)ceil(fmin(min_len, target) / step - 1e-9);
    s.hard_hi = (size_t)floor(max_len / step + 1e-9);
    s.gap = (size_t)lround(fmax(1.0, 0.1 * clip_duration) / step);
    s.min_len = fmin(min_len, target);
    s.max_len = max_len;
    s.blocked = calloc(t->n, 1);
    s.blocked_sum = calloc(t->n + 1, sizeof(double));
    if (!s.blocked || !s.blocked_sum) {
        rc = RC_ENOMEM;
        goto out;
    }
    rc = pick(&s, count, out);
    if (!rc && out->n == 0 && (out->notes & ENGINE_HL_NOTE_AVOIDED))
        out->notes |= ENGINE_HL_NOTE_NO_USABLE;
out:
    if (!rc)
        rank_and_order(out);
    free(s.blocked);
    free(s.blocked_sum);
    hl_scorer_free(&s.sc);
    return rc;
}
