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

void jobs_artefact_text(store *st, const char *job_id, const char *name, const char *content_type,
                        const char *text, json_t *obj, const char *field) {
    rc_error err = {0};
    if (!text || store_artefact_put(st, job_id, name, content_type, text, strlen(text), &err) ||
        set_key(obj, field, job_id, name))
        log_warn("job %s: artefact %s not kept: %s", job_id, name,
                 err.message[0] ? err.message : "out of memory");
}

void jobs_artefact_thumbs(store *st, const char *job_id, const engine_source *src, json_t **items,
                          size_t n, const char *prefix) {
    if (n == 0)
        return;
    engine_thumb_range *ranges = calloc(n, sizeof(*ranges));
    engine_thumb *thumbs = calloc(n, sizeof(*thumbs));
    rc_error err = {0};
    if (!ranges || !thumbs) {
        log_warn("job %s: thumbnails not made: out of memory", job_id);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        ranges[i].start = json_number_value(json_object_get(items[i], "In"));
        ranges[i].end = json_number_value(json_object_get(items[i], "Out"));
        if (!(ranges[i].start >= 0 && ranges[i].end > ranges[i].start)) {
            ranges[i].start = 0; /* (cannot happen for reelcut's own results) */
            ranges[i].end = 1e-3;
        }
    }
    if (engine_thumbs(src, ranges, n, 0, thumbs, NULL, &err)) {
        log_warn("job %s: thumbnails not made: %s", job_id, err.message);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!thumbs[i].jpeg)
            continue;
        char name[STORE_ARTEFACT_NAME_MAX + 1];
        snprintf(name, sizeof(name), "%s/%zu.jpg", prefix, i + 1);
        rc_error perr = {0};
        if (store_artefact_put(st, job_id, name, "image/jpeg", thumbs[i].jpeg, thumbs[i].size,
                               &perr) ||
            set_key(items[i], "ThumbnailKey", job_id, name)) {
            log_warn("job %s: thumbnail %s not kept: %s", job_id, name,
                     perr.message[0] ? perr.message : "out of memory");
            break;
        }
    }
    engine_thumbs_free(thumbs, n);
out:
    free(ranges);
    free(thumbs);
}
