#include "engine/export.h"

/* Placeholder until the export module lands (issue 2); it must never be reported as working. */
int engine_export_range(const char *src, double in_s, double out_s, const char *dst,
                        const engine_export_opts *opts, const engine_progress *progress,
                        rc_error *err) {
    (void)src, (void)in_s, (void)out_s, (void)opts, (void)progress;
    return rc_fail(err, RC_ENOTSUP, NULL, "%s: export is not implemented yet", dst);
}
