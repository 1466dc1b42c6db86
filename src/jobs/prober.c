#include "jobs/prober.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/probe.h"
#include "jobs/execute.h"
#include "jobs/mediainfo_json.h"
#include "util/log.h"
#include "util/timeutil.h"

#define PROBER_LEASE_MS 60000
#define PROBER_MAX_ATTEMPTS 3

struct jobs_prober {
    const config *cfg;
    store *st;
    blob_backend *blob;
    jobs_policy policy;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_int stopping;
    char owner[64];
};

int jobs_probe_media(const config *cfg, blob_backend *blob, const store_media *m,
                     const char *tmp_dir, char **probe_json, const char **media_type,
                     rc_error *err) {
    jobs_policy policy;
    jobs_policy_from_config(cfg, blob, &policy);
    jobs_location loc;
    int rc = jobs_location_parse(m->input_url, &policy, "InputURL", &loc, err);
    if (rc)
        return rc;
    jobs_object_input in;
    memset(&in, 0, sizeof(in));
    if (loc.kind == JOBS_LOC_OSS) {
        /* Remote objects through the ranged reader: a probe reads headers and indexes only. */
        rc = jobs_object_input_open(blob, loc.bucket, loc.key, tmp_dir, &in, err);
    } else if (loc.kind == JOBS_LOC_FILE) {
        rc = jobs_local_file_resolve(&loc, &policy, "InputURL", &in.path, err);
        if (!rc)
            in.source = engine_source_path(in.path);
    } else {
        rc = rc_fail(err, RC_ENOTSUP, NULL, "InputURL: this location form is not supported");
    }
    engine_media_info info;
    memset(&info, 0, sizeof(info));
    engine_limits limits = jobs_engine_limits(cfg);
    in.source.limits = &limits;
    if (!rc) {
        rc_error perr = {0};
        rc = engine_probe(&in.source, &info, &perr);
        const rc_error *rerr = jobs_object_input_error(&in);
        if (rerr)
            rc = rc_fail(err, RC_EREAD, "InputReadFailed", "%s", rerr->message);
        else if (rc)
            rc = rc_fail(err, perr.rc ? perr.rc : rc, perr.code[0] ? perr.code : NULL, "%s",
                         perr.message);
    }
    if (!rc) {
        char created[TIME_ISO_LEN + 1], modified[TIME_ISO_LEN + 1];
        time_format_iso((time_t)m->create_time, created);
        time_format_iso(time(NULL), modified);
        mediainfo_file file = {m->input_url, created, modified};
        json_t *j = mediainfo_json_file_info(&info, &file);
        *probe_json = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!*probe_json)
            rc = RC_ENOMEM;
        *media_type = info.width > 0 ? "video" : "audio";
    }
    engine_media_info_free(&info);
    jobs_object_input_free(&in);
    jobs_location_free(&loc);
    return rc;
}

static void probe_one(jobs_prober *p, store_media *m) {
    char tmp[CONFIG_PATH_MAX + 16];
    snprintf(tmp, sizeof(tmp), "%s/tmp", p->cfg->data_dir);
    char *json = NULL;
    const char *type = NULL;
    rc_error err = {0};
    int rc = jobs_probe_media(p->cfg, p->blob, m, tmp, &json, &type, &err);
    rc_error serr = {0};
    if (rc) {
        log_info("media %s: PrepareFailed: %s", m->media_id, err.message);
        store_media_set_probe(p->st, m->media_id, p->owner, STORE_MEDIA_PREPARE_FAILED, NULL, NULL,
                              &serr);
    } else {
        log_info("media %s: Normal (%s)", m->media_id, type);
        store_media_set_probe(p->st, m->media_id, p->owner, STORE_MEDIA_NORMAL, json, type, &serr);
    }
    free(json);
}

static void *prober_main(void *arg) {
    jobs_prober *p = arg;
    while (!atomic_load(&p->stopping)) {
        store_media m;
        memset(&m, 0, sizeof(m));
        int rc = store_media_claim(p->st, p->owner, PROBER_LEASE_MS, PROBER_MAX_ATTEMPTS, &m, NULL);
        if (rc == 0) {
            probe_one(p, &m);
            store_media_free(&m);
            continue;
        }
        pthread_mutex_lock(&p->lock);
        if (!atomic_load(&p->stopping)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&p->wake, &p->lock, &ts);
        }
        pthread_mutex_unlock(&p->lock);
    }
    return NULL;
}

int jobs_prober_start(const config *cfg, store *st, blob_backend *blob, jobs_prober **out,
                      rc_error *err) {
    jobs_prober *p = calloc(1, sizeof(*p));
    if (!p)
        return RC_ENOMEM;
    p->cfg = cfg;
    p->st = st;
    p->blob = blob;
    snprintf(p->owner, sizeof(p->owner), "prober:%d", (int)getpid());
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (pthread_create(&p->thread, NULL, prober_main, p) != 0) {
        free(p);
        return rc_fail(err, RC_EINTERNAL, NULL, "cannot start the media prober");
    }
    *out = p;
    return 0;
}

void jobs_prober_wake(jobs_prober *p) {
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void jobs_prober_stop(jobs_prober *p) {
    if (!p)
        return;
    atomic_store(&p->stopping, 1);
    jobs_prober_wake(p);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p);
}
