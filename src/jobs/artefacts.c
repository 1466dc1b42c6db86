/* artefacts: see artefacts.h. */
#include "jobs/artefacts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/thumbs.h"
#include "util/log.h"

static int set_key(json_t *obj, const char *field, const char *job_id, const char *name) {
    char key[sizeof(JOBS_ARTEFACT_PREFIX) + STORE_ID_LEN + STORE_ARTEFACT_NAME_MAX + 2];
    snprintf(key, sizeof(key), JOBS_ARTEFACT_PREFIX "%s/%s", job_id, name);
    return json_object_set_new(obj, field, json_string(key));
}

void jobs_artefact_text(store *st, const char *job_id, const char *name, const char *text,
                        json_t *obj, const char *field) {
    rc_error err = {0};
    if (!text || store_artefact_put(st, job_id, name, text, strlen(text), &err) ||
        set_key(obj, field, job_id, name))
        log_warn("job %s: artefact %s not kept: %s", job_id, name,
                 err.message[0] ? err.message : "out of memory");
}

static int keep_thumb(store *st, const char *job_id, const engine_thumb *t, json_t *item,
                      const char *prefix, size_t i) {
    char name[STORE_ARTEFACT_NAME_MAX + 1];
    snprintf(name, sizeof(name), "%s/%zu.jpg", prefix, i + 1);
    rc_error err = {0};
    if (store_artefact_put(st, job_id, name, t->jpeg, t->size, &err) ||
        set_key(item, "ThumbnailKey", job_id, name)) {
        log_warn("job %s: thumbnail %s not kept: %s", job_id, name,
                 err.message[0] ? err.message : "out of memory");
        return -1;
    }
    return 0;
}

void jobs_artefact_thumbs(store *st, const char *job_id, const engine_source *src,
                          const struct engine_thumb_sampler *sampler, json_t **items, size_t n,
                          const char *prefix) {
    if (n == 0)
        return;
    engine_thumb_range *ranges = calloc(n, sizeof(*ranges));
    engine_thumb *decoded = calloc(n, sizeof(*decoded));
    const engine_thumb **use = calloc(n, sizeof(*use));
    rc_error err = {0};
    if (!ranges || !decoded || !use) {
        log_warn("job %s: thumbnails not made: out of memory", job_id);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        ranges[i].start = json_number_value(json_object_get(items[i], "In"));
        ranges[i].end = json_number_value(json_object_get(items[i], "Out"));
        if (!(ranges[i].start >= 0 && ranges[i].end > ranges[i].start))
            ranges[i] = (engine_thumb_range){0, 1e-3}; /* (not reelcut's: a first frame) */
    }
    if (engine_thumbs_sampled(src, sampler, ranges, n, decoded, use, &err)) {
        log_warn("job %s: thumbnails not made: %s", job_id, err.message);
        goto out;
    }
    size_t kept = 0, sampled = 0;
    for (size_t i = 0; i < n; i++) {
        if (!use[i])
            continue;
        if (keep_thumb(st, job_id, use[i], items[i], prefix, i))
            break;
        kept++;
        sampled += use[i] < decoded || use[i] >= decoded + n;
    }
    log_info("job %s: %zu thumbnails, %zu of them sampled by the analysis", job_id, kept, sampled);
    engine_thumbs_free(decoded, n);
out:
    free(ranges);
    free(decoded);
    free(use);
}
