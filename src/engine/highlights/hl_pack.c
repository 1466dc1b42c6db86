/* hl_pack: a signal track as bytes, to move one input's analysis between processes of the same
 * build (jobs/split.c). */
#include <stdlib.h>
#include <string.h>

#include "engine/highlights/highlights.h"

#define PACK_MAGIC "RCHLTRK1"

typedef struct pack_head {
    char magic[8];
    uint32_t endian; /* 0x01020304 as written */
    int32_t has_audio;
    uint64_t n, n_cut_times;
    double duration;
    int64_t video_packets;
    int64_t keyframes_decoded;
} pack_head;

/* Bytes of one tick across the arrays: 6 floats and 2 bytes. */
#define TICK_BYTES (6 * sizeof(float) + 2)

int engine_hl_track_pack(const engine_hl_track *t, void **out, size_t *size) {
    size_t bytes = sizeof(pack_head) + t->n * TICK_BYTES + t->n_cut_times * sizeof(double);
    unsigned char *p = malloc(bytes), *w = p;
    *out = NULL;
    *size = 0;
    if (!p)
        return RC_ENOMEM;
    pack_head h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, PACK_MAGIC, sizeof(h.magic));
    h.endian = 0x01020304;
    h.has_audio = t->has_audio;
    h.n = t->n;
    h.n_cut_times = t->n_cut_times;
    h.duration = t->duration;
    h.video_packets = t->video_packets;
    h.keyframes_decoded = t->keyframes_decoded;
    memcpy(w, &h, sizeof(h));
    w += sizeof(h);
    const float *floats[] = {t->loudness, t->flux, t->steady, t->speech, t->motion, t->cuts};
    for (size_t k = 0; k < sizeof(floats) / sizeof(floats[0]); k++, w += t->n * sizeof(float))
        if (t->n)
            memcpy(w, floats[k], t->n * sizeof(float));
    const uint8_t *flags[] = {t->voice, t->avoid};
    for (size_t k = 0; k < 2; k++, w += t->n)
        if (t->n)
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
    if (memcmp(h.magic, PACK_MAGIC, sizeof(h.magic)) != 0 || h.endian != 0x01020304 ||
        h.n > (size - sizeof(h)) / TICK_BYTES ||
        h.n_cut_times > (size - sizeof(h) - h.n * TICK_BYTES) / sizeof(double) ||
        size != sizeof(h) + h.n * TICK_BYTES + h.n_cut_times * sizeof(double))
        return RC_EINVAL;
    int rc = engine_hl_track_alloc(out, h.n);
    if (!rc && h.n_cut_times && !(out->cut_times = malloc(h.n_cut_times * sizeof(double))))
        rc = RC_ENOMEM;
    if (rc) {
        engine_hl_track_free(out);
        return rc;
    }
    const unsigned char *r = (const unsigned char *)data + sizeof(h);
    float *floats[] = {out->loudness, out->flux, out->steady, out->speech, out->motion, out->cuts};
    for (size_t k = 0; k < sizeof(floats) / sizeof(floats[0]); k++, r += h.n * sizeof(float))
        memcpy(floats[k], r, h.n * sizeof(float));
    uint8_t *flags[] = {out->voice, out->avoid};
    for (size_t k = 0; k < 2; k++, r += h.n)
        memcpy(flags[k], r, h.n);
    if (h.n_cut_times)
        memcpy(out->cut_times, r, h.n_cut_times * sizeof(double));
    out->n_cut_times = h.n_cut_times;
    out->duration = h.duration;
    out->has_audio = h.has_audio;
    out->video_packets = h.video_packets;
    out->keyframes_decoded = h.keyframes_decoded;
    return 0;
}
