/* hl_track_dump FILE [--ticks | --select COUNT CLIP_DURATION]: runs the fast highlight analysis
 * pass on FILE and prints its wall-clock time and statistics (and with --ticks every tick as TSV) -
 * for the benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/highlights/highlights.h"
#include "util/timeutil.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: hl_track_dump FILE [--ticks]\n");
        return 2;
    }
    engine_global_init();
    rc_error err;
    rc_error_clear(&err);
    engine_hl_track t;
    int64_t t0 = time_mono_ms();
    int rc = engine_hl_analyze(ENGINE_PATH(argv[1]), NULL, &t, &err);
    int64_t t1 = time_mono_ms();
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        engine_hl_track_free(&t);
        return 1;
    }
    printf(
        "file\t%s\nduration\t%.3f\nanalysis_ms\t%lld\nvideo_packets\t%lld\nkeyframes_decoded\t%d\n"
        "cuts\t%zu\nhas_audio\t%d\n",
        argv[1], t.duration, (long long)(t1 - t0), (long long)t.video_packets, t.keyframes_decoded,
        t.n_cut_times, t.has_audio);
    if (argc > 2 && strcmp(argv[2], "--ticks") == 0) {
        printf("t\tlufs\tflux\tspeech\tvoice\tmotion\tcuts\tavoid\n");
        for (size_t i = 0; i < t.n; i++)
            printf("%.1f\t%.1f\t%.3f\t%.2f\t%d\t%.3f\t%.0f\t%d\n", i * ENGINE_HL_STEP,
                   t.loudness[i], t.flux[i], t.speech[i], t.voice[i], t.motion[i], t.cuts[i],
                   t.avoid[i]);
    }
    if (argc > 4 && strcmp(argv[2], "--select") == 0) {
        engine_hl_selection sel;
        rc = engine_hl_select(&t, atoi(argv[3]), atof(argv[4]), &sel);
        printf("select_rc\t%d\nnotes\t%u\n", rc, sel.notes);
        for (int i = 0; i < sel.n; i++) {
            const engine_hl_clip *c = &sel.clips[i];
            printf("clip\t%.3f\t%.3f\tscore %.3f\trank %d\tS %.2f L %.2f M %.2f C %.2f\n", c->in,
                   c->out, c->score, c->rank, c->speech, c->loudness, c->motion, c->cut_rate);
        }
    }
    engine_hl_track_free(&t);
    return 0;
}
