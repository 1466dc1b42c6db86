/* shots_detect FILE [--min-shot S] [--dump]: prints each detected boundary as
 * "<time> <kind> <strength>" (kind: hard|gradual|fade); --dump also prints per-frame features. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/shots/analyze.h"
#include "engine/shots/shots.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: shots_detect FILE [--min-shot S] [--dump]\n");
        return 2;
    }
    engine_global_init();
    engine_shot_opts opts;
    engine_shot_opts_default(&opts);
    int dump = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--min-shot") == 0 && i + 1 < argc)
            opts.min_shot = atof(argv[++i]);
        else if (strcmp(argv[i], "--dump") == 0)
            dump = 1;
    }
    rc_error err;
    rc_error_clear(&err);
    engine_feature_track track;
    engine_shot_list shots = {0};
    int rc = engine_analyze(ENGINE_PATH(argv[1]), NULL, NULL, &track, &err);
    if (!rc)
        rc = engine_detect_shots(&track, &opts, &shots);
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code, err.rc ? err.message : rc_strerror(rc));
    } else {
        static const char *kinds[] = {"hard", "gradual", "fade"};
        for (size_t i = 0; dump && i < track.nb_frames; i++) {
            const engine_frame_features *f = &track.frames[i];
            printf("# %zu pts=%.4f bright=%.1f motion=%.2f ecr=%.2f d1=%.3f\n", i, f->pts,
                   f->brightness, f->motion, f->edge_change,
                   i ? engine_frame_distance(&track.frames[i - 1], f) : 0.0);
        }
        for (size_t i = 0; i < shots.count; i++)
            printf("%.4f %s %.3f\n", shots.items[i].time, kinds[shots.items[i].kind],
                   shots.items[i].strength);
    }
    engine_shot_list_free(&shots);
    engine_feature_track_free(&track);
    return rc ? 1 : 0;
}
