/* signal_track: see signal_track.h. */
#include "jobs/signal_track.h"

#include <stddef.h>

#include "util/rc.h"

static int series(buf *out, const char *name, const float *v, size_t n) {
    int rc = buf_printf(out, ",\"%s\":[", name);
    for (size_t i = 0; i < n && !rc; i++)
        rc = buf_printf(out, i ? ",%.3g" : "%.3g", (double)v[i]);
    return rc ? rc : buf_puts(out, "]");
}

/* The stretches of ticks whose avoid value is kind, as [In, Out] pairs in seconds. */
static int stretches(buf *out, const char *name, const engine_hl_track *t, uint8_t kind) {
    int rc = buf_printf(out, ",\"%s\":[", name);
    int first = 1;
    for (size_t i = 0; i < t->n && !rc;) {
        if (t->avoid[i] != kind) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < t->n && t->avoid[j] == kind)
            j++;
        double in = (double)i * ENGINE_HL_STEP, end = (double)j * ENGINE_HL_STEP;
        if (end > t->duration)
            end = t->duration;
        rc = buf_printf(out, "%s[%.3f,%.3f]", first ? "" : ",", in, end);
        first = 0;
        i = j;
    }
    return rc ? rc : buf_puts(out, "]");
}

int jobs_signal_track_json(const engine_hl_track *t, buf *out) {
    engine_hl_signals s;
    int rc = engine_hl_signals_of(t, JOBS_SIGNAL_RATE, &s);
    if (rc)
        return rc;
    rc = buf_printf(out, "{\"Version\":1,\"Rate\":%g,\"Duration\":%.3f", s.rate, t->duration);
    if (!rc && t->has_audio)
        rc = series(out, "Loudness", s.loudness, s.n);
    if (!rc && t->has_audio)
        rc = series(out, "Speech", s.speech, s.n);
    if (!rc)
        rc = series(out, "Motion", s.motion, s.n);
    if (!rc)
        rc = series(out, "CutRate", s.cut_rate, s.n);
    if (!rc)
        rc = stretches(out, "Black", t, ENGINE_HL_AVOID_EMPTY);
    if (!rc)
        rc = stretches(out, "Frozen", t, ENGINE_HL_AVOID_FROZEN);
    if (!rc)
        rc = buf_puts(out, "}");
    engine_hl_signals_free(&s);
    return rc;
}
