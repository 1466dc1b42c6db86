/* shots_model: evaluates the trained boundary models (the data are generated into
 * shots_model_data.h by bench/shots/train.py). */
#include <math.h>
#include <stdlib.h>

#include "engine/shots/shots_int.h"
#include "engine/shots/shots_model_data.h"

const shot_model shot_gradual_model = {SHOT_GRADUAL_TREES,        SHOT_GRADUAL_FEATURE,
                                       SHOT_GRADUAL_THRESHOLD_AT, SHOT_GRADUAL_LEAF,
                                       SHOT_GRADUAL_BIAS,         SHOT_GRADUAL_THRESHOLD};
const shot_model shot_hard_model = {SHOT_HARD_TREES, SHOT_HARD_FEATURE, SHOT_HARD_THRESHOLD_AT,
                                    SHOT_HARD_LEAF,  SHOT_HARD_BIAS,    SHOT_HARD_THRESHOLD};

double shot_model_probability(const shot_model *m, const double *x) {
    double z = m->bias;
    for (int k = 0; k < m->trees; k++) {
        int node = 0;
        while (node < 7) {
            int f = m->feature[k][node];
            int right = f >= 0 && x[f] > m->threshold_at[k][node];
            node = 2 * node + 1 + right;
        }
        z += m->leaf[k][node - 7];
    }
    return 1.0 / (1.0 + exp(-z));
}

typedef struct both {
    shot_sample_fn fn;
    void *user;
} both;

int shot_candidates(const engine_feature_track *t, shot_sample_fn fn, void *user) {
    size_t n = t->nb_frames;
    if (n < 2)
        return 0;
    shot_signals s;
    int rc = shot_signals_init(&s, t, shot_hard_model.threshold, shot_gradual_model.threshold);
    if (!rc)
        rc = shot_scan_hard(&s, fn, user);
    if (!rc)
        rc = shot_scan_gradual(&s, fn, user);
    shot_signals_free(&s);
    return rc;
}
