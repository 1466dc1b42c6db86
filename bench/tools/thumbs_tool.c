/* thumbs_tool FILE IN-OUT...: engine_thumbs on FILE for the given ranges (seconds); prints what it
 * cost (wall and CPU ms, seeks, frames decoded) and, per range, the time shown and the JPEG size.
 * thumbs_tool --sampled FILE: the segmentation runner's own run (segmentation_run, BasicClipSplit)
 * with an engine_thumb_sampler hooked in, then its segments' pictures as the service makes them
 * (engine_thumbs_sampled) - the run's CPU, the sampler's share, the segments the samples cover and
 * the CPU of decoding the rest. For bench/ui. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/thumbs.h"
#include "jobs/artefacts.h"
#include "jobs/segmentation.h"
#include "util/timeutil.h"

static double cpu_ms(void) {
    return (double)clock() * 1000.0 / CLOCKS_PER_SEC;
}

static int sampled(const char *file) {
    engine_thumb_sampler *s = NULL;
    if (engine_thumb_sampler_new(JOBS_THUMB_EVERY_S, JOBS_THUMB_SAMPLES, 0, &s))
        return 1;
    segmentation_request req = {
        .input_path = file, .mode = SEGMENTATION_BASIC_CLIP_SPLIT, .thumbs = s};
    segmentation_result res;
    rc_error err;
    rc_error_clear(&err);
    double c0 = cpu_ms();
    int rc = segmentation_run(&req, NULL, &res, &err);
    double analysis = cpu_ms() - c0;
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        segmentation_result_free(&res);
        engine_thumb_sampler_free(&s);
        return 1;
    }
    size_t n = res.count, covered = 0;
    engine_thumb_range *r = calloc(n + 1, sizeof(*r));
    engine_thumb *decoded = calloc(n + 1, sizeof(*decoded));
    const engine_thumb **use = calloc(n + 1, sizeof(*use));
    if (!r || !decoded || !use)
        return 1;
    for (size_t i = 0; i < n; i++) {
        r[i] = (engine_thumb_range){res.segments[i].in, res.segments[i].out};
        covered += engine_thumb_sampler_find(s, r[i].start, r[i].end) != NULL;
    }
    /* what the runner does next: the samples, and a decode for the segments they miss */
    c0 = cpu_ms();
    if (engine_thumbs_sampled(ENGINE_PATH(file), s, r, n, decoded, use, &err))
        fprintf(stderr, "thumbnails: %s\n", err.message);
    double fallback = cpu_ms() - c0;
    printf("segments\t%zu\nfrom_samples\t%zu\ndecoded_for\t%zu\nanalysis_cpu_ms\t%.0f\n"
           "sampler_cpu_ms\t%.0f\nfallback_cpu_ms\t%.0f\n",
           n, covered, n - covered, analysis, engine_thumb_sampler_cpu_ms(s), fallback);
    engine_thumbs_free(decoded, n);
    free(decoded);
    free(use);
    free(r);
    segmentation_result_free(&res);
    engine_thumb_sampler_free(&s);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: thumbs_tool FILE IN-OUT... | thumbs_tool --sampled FILE\n");
        return 2;
    }
    engine_global_init();
    if (strcmp(argv[1], "--sampled") == 0)
        return sampled(argv[2]);
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
    engine_thumb_stats st;
    rc_error err;
    rc_error_clear(&err);
    int64_t t0 = time_mono_ms();
    double c0 = cpu_ms();
    int rc = engine_thumbs(ENGINE_PATH(argv[1]), r, n, 0, t, &st, &err);
    double cpu = cpu_ms() - c0;
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
