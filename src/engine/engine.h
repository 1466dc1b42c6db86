/* engine: shared types of the media engine - progress reporting, cancellation, media sources. The
 * engine knows nothing of HTTP, databases or buckets: it reads local paths or random-access
 * callbacks (engine_source) and options, returns plain structs. */
#ifndef REELCUT_ENGINE_H
#define REELCUT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

/* Default of engine_limits.max_pixels: 4096 x 2176, DCI 4K (4096 x 2160) with its height rounded
 * up to whole 16-row macroblocks - every 4K UHD and DCI 4K picture fits, in either orientation. */
#define ENGINE_MAX_PIXELS_DEFAULT (4096 * 2176)
/* Default of engine_limits.codec_threads. */
#define ENGINE_CODEC_THREADS_DEFAULT 4

/* What reading one input may make FFmpeg allocate, bounded through the input's shape (see
 * docs/configuration.md, [limits]). Zero fields take the defaults. */
typedef struct engine_limits {
    int64_t max_pixels; /* width x height of any video picture, checked on the stream parameters
                         * before decoding and on every picture a decoder allocates */
    int codec_threads;  /* threads of each decoder and encoder (each frame thread holds pictures) */
} engine_limits;

/* Where an engine function reads its media: a local file, or reads at any offset through a
 * callback (e.g. an object in a bucket; libavformat sees a seekable AVIOContext over it). */
typedef struct engine_source {
    /* The local file; with read_at, only the name messages use (its extension hints the format). */
    const char *path;
    /* NULL = read path. Otherwise fills buf with up to len bytes at offset: returns the count (0
     * only at the end) or a negative RC_E*. Called from the engine function's thread only. */
    int (*read_at)(void *user, int64_t offset, void *buf, size_t len);
    void *user;
    int64_t size; /* bytes, with read_at */
    /* What messages call the source (e.g. "InputConfig.Media (oss://b/k.mp4)"); NULL = path. The
     * service names every input this way, so no local path of the server reaches a caller. */
    const char *name;
    /* NULL = the defaults. An input over a limit fails with RC_ELIMIT and a message that names the
     * limit but not the file (callers add the name the user knows). */
    const engine_limits *limits;
} engine_source;

/* A source for the local file at path. */
engine_source engine_source_path(const char *path);

/* The same as a pointer to a compound literal, alive to the end of the enclosing block: for one
 * call, e.g. engine_probe(ENGINE_PATH("in.mp4"), &info, &err). */
#define ENGINE_PATH(p) (&(engine_source){.path = (p)})

/* What messages call src: its name, else its path. */
const char *engine_source_name(const engine_source *src);

/* Called with the fraction done in [0,1] (non-decreasing within one call of an engine function).
 * Returning non-zero cancels the work: the engine function then returns RC_ECANCELED. */
typedef int (*engine_progress_fn)(void *user, double fraction);

typedef struct engine_progress {
    engine_progress_fn fn; /* may be NULL */
    void *user;
} engine_progress;

/* Reports fraction through p (NULL-safe). Returns RC_ECANCELED if the callback asked to stop. */
int engine_progress_report(const engine_progress *p, double fraction);

/* Maps [0,1] of a sub-task onto [lo,hi] of the parent's progress. */
typedef struct engine_progress_span {
    const engine_progress *parent;
    double lo, hi;
} engine_progress_span;
engine_progress engine_progress_sub(engine_progress_span *span, const engine_progress *parent,
                                    double lo, double hi);

/* Silences FFmpeg's own logging below errors; call once from main. */
void engine_global_init(void);

#endif
