/* shots_detect FILE [--min-shot S] [--hard-threshold P] [--gradual-threshold P] [--dump]
 *              [--candidates] [--sweep H,H... G,G...]: prints each detected boundary as
 * "<time> <kind> <strength>" (kind: hard|gradual|fade); --dump also prints per-frame features;
 * --sweep detects once per pair of hard and gradual thresholds on the one analysis, each pair's
 * boundaries after a line "= <hard> <gradual>" (bench/shots/sweep.sh);
 * --candidates prints only the candidates with their model features ("cand|hcand <t_lo> <t_hi>
 * <frame_lo> <frame_hi> <lag> <p> <feature>...": gradual windows, hard cuts at frame_hi), for
 * bench/shots/train.py; --pictures PATH also writes the track's pictures there (raw 64x36 luma,
 * frame after frame: what the picture network sees, for train.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/shots/analyze.h"
#include "engine/shots/shots.h"
#include "engine/shots/shots_int.h"

static void print_candidate(void *user, const shot_sample *s) {
    const engine_feature_track *t = user;
    printf("%s %.6f %.6f %zu %zu %zu %.4f", s->hard ? "hcand" : "cand", t->frames[s->lo].pts,
           t->frames[s->hi].pts, s->lo, s->hi, s->hi - s->lo, s->probability);
    int nb = s->hard ? SHOT_HARD_FEATURES : SHOT_GRADUAL_FEATURES;
    for (int i = 0; i < nb; i++)
        printf(" %.5g", s->x[i]);
    printf("\n");
}

/* One line per boundary: "<time> <kind> <strength>". */
static void print_shots(const engine_shot_list *shots) {
    static const char *const kinds[] = {"hard", "gradual", "fade"};
    for (size_t i = 0; i < shots->count; i++)
        printf("%.4f %s %.3f\n", shots->items[i].time, kinds[shots->items[i].kind],
               shots->items[i].strength);
}

/* The item of a comma list after the one at p, or NULL. */
static const char *next_item(const char *p) {
    const char *comma = strchr(p, ',');
    return comma ? comma + 1 : NULL;
}

/* Detects with every pair of thresholds of the comma lists (one analysis). */
static int sweep(const engine_feature_track *track, const engine_shot_opts *base, const char *hard,
                 const char *gradual) {
    for (const char *h = hard; h; h = next_item(h))
        for (const char *g = gradual; g; g = next_item(g)) {
            engine_shot_opts opts = *base;
            opts.hard_threshold = atof(h);
            opts.gradual_threshold = atof(g);
            engine_shot_list shots = {0};
            int rc = engine_detect_shots(track, &opts, &shots);
            if (rc)
                return rc;
            printf("= %g %g\n", opts.hard_threshold, opts.gradual_threshold);
            print_shots(&shots);
            engine_shot_list_free(&shots);
        }
    return 0;
}

/* The track's pictures, raw, to path. */
static int write_pictures(const engine_feature_track *t, const char *path) {
    FILE *f = fopen(path, "wb");
    uint8_t buf[ANALYZE_PICTURE_BYTES];
    int ok = f != NULL;
    for (size_t i = 0; ok && engine_feature_track_has_pictures(t) && i < t->nb_frames; i++) {
        const uint8_t *y = engine_feature_track_picture(t, i, buf);
        ok = y && fwrite(y, ANALYZE_PICTURE_BYTES, 1, f) == 1;
    }
    if (f && fclose(f))
        ok = 0;
    if (!ok)
        fprintf(stderr, "%s: cannot write\n", path);
    return ok ? 0 : RC_EWRITE;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: shots_detect FILE [--min-shot S] [--dump] [--candidates]\n");
        return 2;
    }
    engine_global_init();
    engine_shot_opts opts;
    engine_shot_opts_default(&opts);
    int dump = 0, candidates = 0;
    const char *sweep_hard = NULL, *sweep_gradual = NULL, *pictures = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--min-shot") == 0 && i + 1 < argc)
            opts.min_shot = atof(argv[++i]);
        else if (strcmp(argv[i], "--hard-threshold") == 0 && i + 1 < argc)
            opts.hard_threshold = atof(argv[++i]);
        else if (strcmp(argv[i], "--gradual-threshold") == 0 && i + 1 < argc)
            opts.gradual_threshold = atof(argv[++i]);
        else if (strcmp(argv[i], "--dump") == 0)
            dump = 1;
        else if (strcmp(argv[i], "--candidates") == 0)
            candidates = 1;
        else if (strcmp(argv[i], "--pictures") == 0 && i + 1 < argc)
            pictures = argv[++i];
        else if (strcmp(argv[i], "--sweep") == 0 && i + 2 < argc) {
            sweep_hard = argv[++i];
            sweep_gradual = argv[++i];
        }
    }
    rc_error err;
    rc_error_clear(&err);
    engine_feature_track track;
    engine_shot_list shots = {0};
    int rc = engine_analyze(ENGINE_PATH(argv[1]), NULL, NULL, &track, &err);
    if (!rc && pictures)
        rc = write_pictures(&track, pictures);
    if (!rc && candidates) {
        printf("fps %.6f frames %zu\n", track.frame_rate, track.nb_frames);
        for (int i = 0; i < SHOT_GRADUAL_FEATURES; i++)
            printf("%s%s", i ? " " : "features ", shot_gradual_feature_names[i]);
        printf("\n");
        for (int i = 0; i < SHOT_HARD_FEATURES; i++)
            printf("%s%s", i ? " " : "hfeatures ", shot_hard_feature_names[i]);
        printf("\n");
        rc = shot_candidates(&track, print_candidate, &track);
    } else if (!rc && sweep_hard) {
        rc = sweep(&track, &opts, sweep_hard, sweep_gradual);
    } else if (!rc) {
        rc = engine_detect_shots(&track, &opts, &shots);
    }
    if (rc) {
        fprintf(stderr, "%s: %s\n", err.code, err.rc ? err.message : rc_strerror(rc));
    } else if (!candidates && !sweep_hard) {
        for (size_t i = 0; dump && i < track.nb_frames; i++) {
            const engine_frame_features *f = &track.frames[i];
            printf("# %zu pts=%.4f bright=%.1f motion=%.2f ecr=%.2f d1=%.3f shift=%+.0f,%+.0f "
                   "residual=%.2f edges=%.3f across_x=%.3f\n",
                   i, f->pts, f->brightness, f->motion, f->edge_change,
                   i ? engine_frame_distance(&track.frames[i - 1], f) : 0.0, f->cam_dx, f->cam_dy,
                   f->cam_residual, f->edge_density, f->edge_across_x);
        }
        print_shots(&shots);
    }
    engine_shot_list_free(&shots);
    engine_feature_track_free(&track);
    return rc ? 1 : 0;
}
