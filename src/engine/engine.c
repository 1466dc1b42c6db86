#include "engine/engine.h"

#include <libavutil/log.h>

int engine_progress_report(const engine_progress *p, double fraction) {
    if (!p || !p->fn)
        return 0;
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    return p->fn(p->user, fraction) ? RC_ECANCELED : 0;
}

static int span_forward(void *user, double fraction) {
    engine_progress_span *s = user;
    return engine_progress_report(s->parent, s->lo + (s->hi - s->lo) * fraction) ? 1 : 0;
}

engine_progress engine_progress_sub(engine_progress_span *span, const engine_progress *parent,
                                    double lo, double hi) {
    span->parent = parent;
    span->lo = lo;
    span->hi = hi;
    engine_progress p = {span_forward, span};
    return p;
}

void engine_global_init(void) {
    av_log_set_level(AV_LOG_ERROR);
}

engine_source engine_source_path(const char *path) {
    engine_source s = {.path = path};
    return s;
}

const char *engine_source_name(const engine_source *src) {
    return src->name ? src->name : src->path;
}
