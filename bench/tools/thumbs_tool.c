/* thumbs_tool FILE IN-OUT...: engine_thumbs on FILE for the given ranges (seconds); prints what it
 * cost (wall and CPU ms, seeks, frames decoded) and, per range, the time shown and the JPEG size -
 * for bench/ui. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine/thumbs.h"
#include "util/timeutil.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: thumbs_tool FILE IN-OUT...\n");
        return 2;
    }
    engine_global_init();
    size_t n = (size_t)argc - 2;
    engine_thumb_range *r = calloc(n, sizeof(*r));
    engine_thumb *t = calloc(n, sizeof(*t));
    if (!r || !t)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (sscanf(argv[i + 2], "%lf-%lf", &r[i].start, &r[i].end) != 2) {
            fprintf(stderr, "bad range %s\n", argv[i + 2]);
            return 2;
        }
    engine_source src = engine_source_path(argv[1]);
    engine_thumb_stats st;
    rc_error err;
    rc_error_clear(&err);
    int64_t t0 = time_mono_ms();
    clock_t c0 = clock();
    int rc = engine_thumbs(&src, r, n, 0, t, &st, &err);
    double cpu = (double)(clock() - c0) * 1000.0 / CLOCKS_PER_SEC;
    int64_t t1 = time_mono_ms();
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        return 1;
    }
    printf("ranges\t%zu\nwall_ms\t%lld\ncpu_ms\t%.0f\nseeks\t%d\nframes_decoded\t%ld\n", n,
           (long long)(t1 - t0), cpu, st.seeks, st.frames_decoded);
    for (size_t i = 0; i < n; i++)
        printf("%.3f-%.3f\tat %.3f\t%zu bytes\n", r[i].start, r[i].end, t[i].at, t[i].size);
    engine_thumbs_free(t, n);
    free(r);
    free(t);
    return 0;
}
