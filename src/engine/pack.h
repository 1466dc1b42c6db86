/* pack: the head of an engine structure written as bytes for another process of the same build
 * (a track part, jobs/split.c) - a magic naming what follows and a check that the reader lays
 * the structure out as the writer did. */
#ifndef REELCUT_ENGINE_PACK_H
#define REELCUT_ENGINE_PACK_H

#include <stdint.h>
#include <string.h>

typedef struct engine_pack_head {
    char magic[8];   /* what follows, e.g. "RCTRACK1" */
    uint32_t endian; /* 0x01020304 as written */
    uint32_t layout; /* the writer's sizes of what follows (the caller's choice) */
} engine_pack_head;

static inline engine_pack_head engine_pack_head_make(const char magic[8], uint32_t layout) {
    engine_pack_head h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, magic, sizeof(h.magic));
    h.endian = 0x01020304;
    h.layout = layout;
    return h;
}

/* 1 when h (read from bytes) was written by this build for `magic`. */
static inline int engine_pack_head_ok(const engine_pack_head *h, const char magic[8],
                                      uint32_t layout) {
    return memcmp(h->magic, magic, sizeof(h->magic)) == 0 && h->endian == 0x01020304 &&
           h->layout == layout;
}

#endif
