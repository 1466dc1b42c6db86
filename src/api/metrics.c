#include "api/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Actions are our own names plus "" and "unknown", codes those of the error table: both sets are
 * small and fixed, so these caps are never reached (a series past them is not counted). */
#define METRICS_MAX_SERIES 512
#define METRICS_MAX_ACTIONS 32

static const double bucket_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                       0.1,   0.25,   0.5,   1.0,  2.5};
#define N_BUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

typedef struct counter_series {
    char action[64];
    char code[64];
    uint64_t count;
} counter_series;

typedef struct duration_series {
    char action[64];
    uint64_t buckets[N_BUCKETS];
    uint64_t count;
    double sum;
} duration_series;

struct api_metrics {
    pthread_mutex_t lock;
    counter_series counters[METRICS_MAX_SERIES];
    int n_counters;
    duration_series durations[METRICS_MAX_ACTIONS];
    int n_durations;
};

api_metrics *api_metrics_create(void) {
    api_metrics *m = calloc(1, sizeof(*m));
    if (m)
        pthread_mutex_init(&m->lock, NULL);
    return m;
}

void api_metrics_destroy(api_metrics *m) {
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void api_metrics_observe(api_metrics *m, const char *action, const char *code, double seconds) {
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    counter_series *c = NULL;
    for (int i = 0; i < m->n_counters && !c; i++)
        if (!strcmp(m->counters[i].action, action) && !strcmp(m->counters[i].code, code))
            c = &m->counters[i];
    if (!c && m->n_counters < METRICS_MAX_SERIES) {
        c = &m->counters[m->n_counters++];
        snprintf(c->action, sizeof(c->action), "%s", action);
        snprintf(c->code, sizeof(c->code), "%s", code);
    }
    if (c)
        c->count++;
    duration_series *d = NULL;
    for (int i = 0; i < m->n_durations && !d; i++)
        if (!strcmp(m->durations[i].action, action))
            d = &m->durations[i];
    if (!d && m->n_durations < METRICS_MAX_ACTIONS) {
        d = &m->durations[m->n_durations++];
        snprintf(d->action, sizeof(d->action), "%s", action);
    }
    if (d) {
        for (size_t b = 0; b < N_BUCKETS; b++)
            if (seconds <= bucket_bounds[b])
                d->buckets[b]++;
        d->count++;
        d->sum += seconds;
    }
    pthread_mutex_unlock(&m->lock);
}

/* Copies a label value escaped as the Prometheus text format wants (\\, \", \n); bytes below 0x20
 * other than newline become '?'. The values are our own names today: this keeps it so. */
static void label_escape(const char *in, char *out, size_t n) {
    size_t o = 0;
    for (; *in && o + 3 < n; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '\\' || c == '"' || c == '\n') {
            out[o++] = '\\';
            out[o++] = c == '\n' ? 'n' : (char)c;
        } else {
            out[o++] = c < 0x20 ? '?' : (char)c;
        }
    }
    out[o] = '\0';
}

int api_metrics_render(api_metrics *m, store *st, buf *out) {
    int rc = buf_puts(out, "# HELP reelcut_http_requests_total API requests answered.\n"
                           "# TYPE reelcut_http_requests_total counter\n");
    char action[2 * 64 + 1], code[2 * 64 + 1];
    pthread_mutex_lock(&m->lock);
    for (int i = 0; i < m->n_counters && !rc; i++) {
        label_escape(m->counters[i].action, action, sizeof(action));
        label_escape(m->counters[i].code[0] ? m->counters[i].code : "OK", code, sizeof(code));
        rc = buf_printf(out, "reelcut_http_requests_total{action=\"%s\",code=\"%s\"} %llu\n",
                        action, code, (unsigned long long)m->counters[i].count);
    }
    if (!rc)
        rc = buf_puts(out, "# HELP reelcut_http_request_duration_seconds Time to answer.\n"
                           "# TYPE reelcut_http_request_duration_seconds histogram\n");
    for (int i = 0; i < m->n_durations && !rc; i++) {
        const duration_series *d = &m->durations[i];
        label_escape(d->action, action, sizeof(action));
        for (size_t b = 0; b < N_BUCKETS && !rc; b++)
            rc = buf_printf(out,
                            "reelcut_http_request_duration_seconds_bucket{action=\"%s\",le=\"%g\"} "
                            "%llu\n",
                            action, bucket_bounds[b], (unsigned long long)d->buckets[b]);
        if (!rc)
            rc = buf_printf(
                out,
                "reelcut_http_request_duration_seconds_bucket{action=\"%s\",le=\"+Inf\"} "
                "%llu\nreelcut_http_request_duration_seconds_sum{action=\"%s\"} %.6f\n"
                "reelcut_http_request_duration_seconds_count{action=\"%s\"} %llu\n",
                action, (unsigned long long)d->count, action, d->sum, action,
                (unsigned long long)d->count);
    }
    pthread_mutex_unlock(&m->lock);
    int64_t counts[STORE_JOB_STATE_COUNT] = {0};
    int64_t pending = 0;
    if (!rc && store_job_count(st, counts, NULL) == 0)
        rc =
            buf_printf(out,
                       "# TYPE reelcut_jobs_queued gauge\nreelcut_jobs_queued %lld\n"
                       "# TYPE reelcut_jobs_executing gauge\nreelcut_jobs_executing %lld\n"
                       "# TYPE reelcut_jobs_completed_total counter\n"
                       "reelcut_jobs_completed_total{state=\"Finished\"} %lld\n"
                       "reelcut_jobs_completed_total{state=\"Failed\"} %lld\n",
                       (long long)counts[STORE_JOB_CREATED], (long long)counts[STORE_JOB_EXECUTING],
                       (long long)counts[STORE_JOB_FINISHED], (long long)counts[STORE_JOB_FAILED]);
    if (!rc && store_outbox_count_pending(st, &pending, NULL) == 0)
        rc = buf_printf(out,
                        "# TYPE reelcut_callbacks_pending gauge\nreelcut_callbacks_pending %lld\n",
                        (long long)pending);
    return rc;
}
