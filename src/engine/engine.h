/* engine: shared types of the media engine - progress reporting and cancellation. The engine knows
 * nothing of HTTP, databases or buckets: it takes local paths and options, returns plain structs. */
#ifndef REELCUT_ENGINE_H
#define REELCUT_ENGINE_H

#include "util/rc.h"

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
