/* hl_hops_dump FILE: the per-hop (20 ms) audio features of the highlight pass beside the per-tick
 * speech likelihood and voice activity, as TSV - for studying and training the voice-activity
 * rules on generated cases (bench/highlights). */
#include <stdio.h>

#include "engine/highlights/hl_int.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: hl_hops_dump FILE\n");
        return 2;
    }
    engine_global_init();
    rc_error err;
    rc_error_clear(&err);
    engine_source src = engine_source_path(argv[1]);
    hl_raw raw;
    hl_pass pass;
    int rc = hl_analyze_raw(&src, NULL, &raw, &pass, &err);
    engine_hl_track t = {0};
    if (!rc)
        rc = hl_track_finish(&raw, pass.duration, pass.has_audio, pass.macroblocks, &t);
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code, err.message);
        hl_raw_free(&raw);
        engine_hl_track_free(&t);
        return 1;
    }
    printf("t\tband\tper\tspeech\tvoice\tlufs\ts200\ts500\ts1k\ts2k\ts3k4\n");
    for (size_t i = 0; i < t.n && i < raw.n; i++) {
        const hl_raw_tick *tk = &raw.ticks[i];
        for (int k = 0; k < tk->hops && k < HL_TICK_HOPS; k++)
            printf("%.2f\t%.1f\t%.2f\t%.2f\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n",
                   (double)i * ENGINE_HL_STEP + (k + 1) * 0.02, tk->hop_band[k], tk->hop_per[k],
                   t.speech[i], t.voice[i], t.loudness[i], tk->hop_sub[k][0], tk->hop_sub[k][1],
                   tk->hop_sub[k][2], tk->hop_sub[k][3], tk->hop_sub[k][4]);
    }
    hl_raw_free(&raw);
    engine_hl_track_free(&t);
    return 0;
}
