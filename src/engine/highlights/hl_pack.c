/* hl_pack: a signal track as bytes, to move one input's analysis between processes of the same
 * build (jobs/split.c). */
#include <stdlib.h>
#include <string.h>

#include "engine/highlights/highlights.h"
#include "engine/pack.h"

#define PACK_MAGIC "RCHLTRK1"
#define PACK_LAYOUT ((uint32_t)sizeof(engine_hl_track)) /* another build's layout is refused */

/* The head: the track's scalar fields as this build lays them out (arrays NULL); the per-tick
 * arrays follow in the order of track_arrays, then the cut times. */
typedef struct pack_head {
    engine_pack_head head;
    engine_hl_track meta;
} pack_head;

#define N_FLOATS 6
#define N_FLAGS 2
#define TICK_BYTES (N_FLOATS * sizeof(float) + N_FLAGS)

/* The per-tick arrays of t, in the order they are packed. */
static void track_arrays(const engine_hl_track *t, float *floats[N_FLOATS],
                         uint8_t *flags[N_FLAGS]) {
    float *f[N_FLOATS] = {t->loudness, t->flux, t->steady, t->speech, t->motion, t->cuts};
    uint8_t *u[N_FLAGS] = {t->voice, t->avoid};
    memcpy(floats, f, sizeof(f));
    memcpy(flags, u, sizeof(u));
}

int engine_hl_track_pack(const engine_hl_track *t, void **out, size_t *size) {
    size_t bytes = sizeof(pack_head) + t->n * TICK_BYTES + t->n_cut_times * sizeof(double);
    unsigned char *p = malloc(bytes), *w = p;
    *out = NULL;
    *size = 0;
    if (!p)
        return RC_ENOMEM;
    pack_head h;
    memset(&h, 0, sizeof(h));
    h.head = engine_pack_head_make(PACK_MAGIC, PACK_LAYOUT);
    h.meta = (engine_hl_track){.n = t->n,
                               .duration = t->duration,
                               .has_audio = t->has_audio,
                               .n_cut_times = t->n_cut_times,
                               .video_packets = t->video_packets,
                               .keyframes_decoded = t->keyframes_decoded};
    memcpy(w, &h, sizeof(h));
    w += sizeof(h);
    float *floats[N_FLOATS];
    uint8_t *flags[N_FLAGS];
    track_arrays(t, floats, flags);
    for (size_t k = 0; t->n && k < N_FLOATS; k++, w += t->n * sizeof(float))
        memcpy(w, floats[k], t->n * sizeof(float));
    for (size_t k = 0; t->n && k < N_FLAGS; k++, w += t->n)
        memcpy(w, flags[k], t->n);
    if (t->n_cut_times)
        memcpy(w, t->cut_times, t->n_cut_times * sizeof(double));
    *out = p;
    *size = bytes;
    return 0;
}

int engine_hl_track_unpack(const void *data, size_t size, engine_hl_track *out) {
    pack_head h;
    memset(out, 0, sizeof(*out));
    if (!data || size < sizeof(h))
        return RC_EINVAL;
    memcpy(&h, data, sizeof(h));
    size_t n = h.meta.n, n_cuts = h.meta.n_cut_times;
    if (!engine_pack_head_ok(&h.head, PACK_MAGIC, PACK_LAYOUT) ||
        n > (size - sizeof(h)) / TICK_BYTES ||
        n_cuts > (size - sizeof(h) - n * TICK_BYTES) / sizeof(double) ||
        size != sizeof(h) + n * TICK_BYTES + n_cuts * sizeof(double))
        return RC_EINVAL;
    int rc = engine_hl_track_alloc(out, n);
    if (!rc && n_cuts && !(out->cut_times = malloc(n_cuts * sizeof(double))))
        rc = RC_ENOMEM;
    if (rc) {
        engine_hl_track_free(out);
        return rc;
    }
    const unsigned char *r = (const unsigned char *)data + sizeof(h);
    float *floats[N_FLOATS];
    uint8_t *flags[N_FLAGS];
    track_arrays(out, floats, flags);
    for (size_t k = 0; k < N_FLOATS; k++, r += n * sizeof(float))
        memcpy(floats[k], r, n * sizeof(float));
    for (size_t k = 0; k < N_FLAGS; k++, r += n)
        memcpy(flags[k], r, n);
    if (n_cuts)
        memcpy(out->cut_times, r, n_cuts * sizeof(double));
    out->n_cut_times = n_cuts;
    out->duration = h.meta.duration;
    out->has_audio = h.meta.has_audio;
    out->video_packets = h.meta.video_packets;
    out->keyframes_decoded = h.meta.keyframes_decoded;
    return 0;
}
