/* store: backend selection, argument checks and helpers shared by the backends. */
#include "store/store.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"
#include "util/buf.h"
#include "util/timeutil.h"

#define STORE_DEFAULT_POOL 8
#define STORE_DEFAULT_BUSY_MS 10000

static const char *const job_state_names[STORE_JOB_STATE_COUNT] = {"Created", "Executing",
                                                                   "Finished", "Failed"};
static const char *const notify_state_names[] = {"", "Pending", "Delivered", "Failed"};
static const char *const media_status_names[] = {"Preparing", "Normal", "PrepareFailed"};

const char *store_job_state_name(enum store_job_state s) {
    return (unsigned)s < STORE_JOB_STATE_COUNT ? job_state_names[s] : "Created";
}

int store_job_state_parse(const char *name, enum store_job_state *out) {
    for (int i = 0; name && i < STORE_JOB_STATE_COUNT; i++) {
        if (strcmp(name, job_state_names[i]) == 0) {
            *out = (enum store_job_state)i;
            return 0;
        }
    }
    return RC_EINVAL;
}

enum store_job_state store_job_state_from(const char *name) {
    enum store_job_state s = STORE_JOB_CREATED;
    store_job_state_parse(name, &s);
    return s;
}

const char *store_notify_state_name(enum store_notify_state s) {
    return (unsigned)s <= STORE_NOTIFY_FAILED ? notify_state_names[s] : "";
}

enum store_notify_state store_notify_state_from(const char *name) {
    for (int i = 1; name && i <= STORE_NOTIFY_FAILED; i++)
        if (strcmp(name, notify_state_names[i]) == 0)
            return (enum store_notify_state)i;
    return STORE_NOTIFY_NONE;
}

const char *store_media_status_name(enum store_media_status s) {
    return (unsigned)s <= STORE_MEDIA_PREPARE_FAILED ? media_status_names[s] : "Preparing";
}

enum store_media_status store_media_status_from(const char *name) {
    for (int i = 0; name && i <= STORE_MEDIA_PREPARE_FAILED; i++)
        if (strcmp(name, media_status_names[i]) == 0)
            return (enum store_media_status)i;
    return STORE_MEDIA_PREPARING;
}

int64_t store_now_ms(const store *st) {
    return st->clock_ms ? st->clock_ms(st->clock_ctx) : time_now_ms();
}

int64_t store_now_s(const store *st) {
    int64_t ms = store_now_ms(st);
    return ms >= 0 ? ms / 1000 : -((999 - ms) / 1000);
}

void store_default_title(int64_t create_time, char *out, size_t n) {
    char iso[TIME_ISO_LEN + 1];
    time_format_iso((time_t)create_time, iso);
    snprintf(out, n, "default_title_%s", iso);
}

/* Frees and NULLs each of the n string pointers. */
static void free_strings(char **v[], size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(*v[i]);
        *v[i] = NULL;
    }
}

void store_job_free(store_job *job) {
    if (!job)
        return;
    char **s[] = {&job->type,        &job->input_config,   &job->job_params,    &job->output_config,
                  &job->user_data,   &job->input_file,     &job->output_bucket, &job->output_object,
                  &job->title,       &job->notify_address, &job->ai_result,     &job->media_url,
                  &job->media_id,    &job->error_code,     &job->error_message, &job->lease_owner,
                  &job->notify_error};
    free_strings(s, sizeof(s) / sizeof(s[0]));
    memset(job, 0, sizeof(*job));
}

void store_job_page_free(store_job_page *page) {
    if (!page)
        return;
    for (size_t i = 0; i < page->count; i++)
        store_job_free(&page->jobs[i]);
    free(page->jobs);
    memset(page, 0, sizeof(*page));
}

int store_throttled(rc_error *err) {
    return rc_fail(err, RC_EBUSY, "Throttling", "Request was denied due to request throttling.");
}

int store_job_exists(rc_error *err, const char *job_id) {
    return rc_fail(err, RC_EEXIST, "InternalError", "job store: job %s already exists", job_id);
}

void store_page_set_cursor(store_job_page *page) {
    if (!page->has_more || page->count == 0)
        return;
    const store_job *last = &page->jobs[page->count - 1];
    page->next_time = last->create_time;
    memcpy(page->next_id, last->job_id, sizeof(page->next_id));
}

void store_media_free(store_media *m) {
    if (!m)
        return;
    char **s[] = {&m->input_url, &m->title,      &m->description, &m->tags,       &m->reference_id,
                  &m->user_data, &m->probe_json, &m->media_type,  &m->lease_owner};
    free_strings(s, sizeof(s) / sizeof(s[0]));
    memset(m, 0, sizeof(*m));
}

void store_outbox_free(store_outbox *o) {
    if (!o)
        return;
    char **s[] = {&o->target, &o->body, &o->last_error};
    free_strings(s, sizeof(s) / sizeof(s[0]));
    memset(o, 0, sizeof(*o));
}

/* Builds the callback envelope of API.md §4.7 into *out (malloc'd, caller frees). status is
 * "Finished" or "Failed"; error_code/error_message/user_data NULL = "". Returns 0 or RC_ENOMEM. */
static int callback_envelope(uint64_t user_id, const char *job_id, const char *job_type,
                             const char *status, const char *error_code, const char *error_message,
                             const char *user_data, int64_t event_time, char **out) {
    int rc = RC_ENOMEM;
    char *body = NULL;
    json_t *msg = json_object();
    buf b;
    buf_init(&b, 0);
    *out = NULL;
    if (!msg)
        goto out;
    if (json_object_set_new(msg, "JobId", json_string(job_id ? job_id : "")) ||
        json_object_set_new(msg, "JobType", json_string(job_type ? job_type : "")) ||
        json_object_set_new(msg, "Status", json_string(status ? status : "")) ||
        json_object_set_new(msg, "ErrorCode", json_string(error_code ? error_code : "")) ||
        json_object_set_new(msg, "ErrorMessage", json_string(error_message ? error_message : "")) ||
        json_object_set_new(msg, "UserData", json_string(user_data ? user_data : "")))
        goto out;
    body = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!body)
        goto out;
    char iso[TIME_ISO_LEN + 1];
    time_format_iso((time_t)event_time, iso);
    /* UserId is an unsigned 64-bit JSON number, beyond what json_integer can hold. */
    rc = buf_printf(&b,
                    "{\"EventType\":\"SmartHandleJobComplete\",\"UserId\":%" PRIu64
                    ",\"EventTime\":\"%s\",\"MessageBody\":%s}",
                    user_id, iso, body);
    if (rc)
        goto out;
    *out = buf_detach(&b);
    rc = *out ? 0 : RC_ENOMEM;
out:
    free(body);
    json_decref(msg);
    buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------ open / close */

int store_open(const char *url, const store_options *opts, store **out, rc_error *err) {
    *out = NULL;
    if (!url || !*url)
        return rc_fail(err, RC_EINVAL, NULL, "job store: empty database URL");
    store *st = calloc(1, sizeof(*st));
    if (!st)
        return rc_fail(err, RC_ENOMEM, NULL, "job store: out of memory");
    pthread_mutex_init(&st->batch_mu, NULL);
    if (opts) {
        st->clock_ms = opts->clock_ms;
        st->clock_ctx = opts->clock_ctx;
        st->pool_size = opts->pool_size;
        st->busy_timeout_ms = opts->busy_timeout_ms;
        st->nonce_table_mb = opts->nonce_table_mb;
    }
    if (st->pool_size <= 0)
        st->pool_size = STORE_DEFAULT_POOL;
    if (st->nonce_table_mb == 0)
        st->nonce_table_mb = STORE_NONCE_TABLE_MB;
    if (st->busy_timeout_ms <= 0)
        st->busy_timeout_ms = STORE_DEFAULT_BUSY_MS;

    int rc;
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        rc = store_pg_open(st, url, err);
    } else if (strncmp(url, "sqlite://", 9) == 0) {
        rc = url[9] ? store_sqlite_open(st, url + 9, err)
                    : rc_fail(err, RC_EINVAL, NULL, "job store: no path in \"%s\"", url);
    } else if (strstr(url, "://")) { /* name the scheme only: the rest may hold a password */
        rc = rc_fail(err, RC_ENOTSUP, NULL, "job store: unsupported database URL scheme \"%.*s\"",
                     (int)(strstr(url, "://") - url), url);
    } else {
        rc = store_sqlite_open(st, url, err);
    }
    if (rc) {
        pthread_mutex_destroy(&st->batch_mu);
        free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void store_close(store *st) {
    if (!st)
        return;
    store_batch_stop(st);
    if (st->ops)
        st->ops->close(st);
    pthread_mutex_destroy(&st->batch_mu);
    free(st);
}

const char *store_backend_name(const store *st) {
    return st->ops->name;
}

int store_ping(store *st, rc_error *err) {
    return st->ops->ping(st, err);
}

/* ------------------------------------------------------------------ the job state machine
 * Written once for every backend, over the primitives of store_backend.h (as curl's vtls.c holds
 * what its TLS backends share). */

/* Moves a job to its final state inside an open write transaction and queues its callback
 * (EventTime = now) when it has a notify address. With owner, only the lease holder may
 * (RC_ECANCELED otherwise, nothing changes); without (exhausted attempts), any job. */
static int finish_locked(store *st, store_txn *txn, const char *job_id, const char *owner,
                         const store_job_result *res, rc_error *err) {
    const store_ops *ops = st->ops;
    store_job job = {0};
    char *envelope = NULL;
    int64_t now_ms = store_now_ms(st), now_s = store_now_s(st);
    int finished = res->state == STORE_JOB_FINISHED;
    int rc = ops->job_lock(st, txn, job_id, &job, err);
    if (rc)
        goto out;
    if (owner && (job.state != STORE_JOB_EXECUTING || !job.lease_owner ||
                  strcmp(job.lease_owner, owner) != 0)) {
        rc = RC_ECANCELED;
        goto out;
    }
    rc = ops->job_write_final(st, txn, job_id, res, now_s, err);
    if (rc == 0 && owner)
        rc = ops->attempt_record(st, txn, job_id, job.attempts, owner,
                                 store_job_state_name(res->state), now_ms, err);
    if (rc || !job.notify_address || !*job.notify_address)
        goto out;
    rc = callback_envelope(job.user_id, job_id, job.type, store_job_state_name(res->state),
                           finished ? NULL : res->error_code, finished ? NULL : res->error_message,
                           job.user_data, now_s, &envelope);
    if (rc) {
        rc = rc_fail(err, rc, NULL, "job store: cannot build the callback of job %s", job_id);
        goto out;
    }
    rc = ops->outbox_insert(st, txn, job_id, job.notify_address, envelope, now_s, now_ms, err);
out:
    free(envelope);
    store_job_free(&job);
    return rc;
}

static int job_finish(store *st, const char *job_id, const char *owner, const store_job_result *res,
                      rc_error *err) {
    store_txn txn = {0};
    int rc = st->ops->txn_begin(st, &txn, err);
    if (rc == 0)
        rc = finish_locked(st, &txn, job_id, owner, res, err);
    if (rc == 0)
        rc = st->ops->txn_commit(st, &txn, err);
    st->ops->txn_end(st, &txn);
    return rc;
}

/* A job that has had max_attempts claims fails instead of being handed out (with its callback). */
static int fail_exhausted(store *st, store_txn *txn, const char *job_id, int max_attempts,
                          rc_error *err) {
    char message[96];
    snprintf(message, sizeof(message), "The job exceeded %d attempts.", max_attempts);
    store_job_result failed = {
        .state = STORE_JOB_FAILED, .error_code = "InternalError", .error_message = message};
    return finish_locked(st, txn, job_id, NULL, &failed, err);
}

/* Hands the locked job to owner and commits. */
static int take(store *st, store_txn *txn, const char *job_id, const char *owner,
                int64_t lease_expires_ms, store_job *out, rc_error *err) {
    int rc = st->ops->job_take(st, txn, job_id, owner, lease_expires_ms, store_now_s(st), out, err);
    if (rc == 0)
        rc = st->ops->attempt_record(st, txn, job_id, out->attempts, owner, NULL, store_now_ms(st),
                                     err);
    if (rc == 0)
        rc = st->ops->txn_commit(st, txn, err);
    if (rc)
        store_job_free(out);
    return rc;
}

/* The claim loop: the oldest claimable job is handed out, unless it has had max_attempts already:
 * then it is Failed (with its callback) in the same transaction and the search goes on. */
static int job_claim(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                     store_job *out, rc_error *err) {
    const store_ops *ops = st->ops;
    store_txn txn = {0};
    char job_id[STORE_ID_LEN + 1];
    int64_t now_ms = store_now_ms(st);
    int rc = ops->txn_begin(st, &txn, err);
    if (rc)
        goto out;
    for (;;) {
        int attempts = 0;
        rc = ops->job_next_claimable(st, &txn, now_ms, job_id, &attempts, err);
        if (rc < 0)
            goto out;
        if (rc == 0) { /* keep the jobs failed on the way */
            rc = ops->txn_commit(st, &txn, err);
            rc = rc ? rc : RC_ENOENT;
            goto out;
        }
        if (max_attempts <= 0 || attempts < max_attempts)
            break;
        rc = fail_exhausted(st, &txn, job_id, max_attempts, err);
        if (rc)
            goto out;
    }
    rc = take(st, &txn, job_id, owner, now_ms + lease_ms, out, err);
out:
    ops->txn_end(st, &txn);
    return rc;
}

/* A claim of one job by id (a parent running its own sub-task): the claim loop's rules for that
 * row alone. */
static int job_claim_id(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                        int max_attempts, store_job *out, rc_error *err) {
    const store_ops *ops = st->ops;
    store_txn txn = {0};
    store_job job = {0};
    int64_t now_ms = store_now_ms(st);
    int rc = ops->txn_begin(st, &txn, err);
    if (rc)
        goto out;
    rc = ops->job_lock(st, &txn, job_id, &job, err);
    if (rc)
        goto out;
    if (!(job.state == STORE_JOB_CREATED ||
          (job.state == STORE_JOB_EXECUTING && job.lease_expires_ms <= now_ms))) {
        rc = RC_ENOENT;
        goto out;
    }
    if (max_attempts > 0 && job.attempts >= max_attempts) {
        rc = fail_exhausted(st, &txn, job_id, max_attempts, err);
        if (!rc)
            rc = ops->txn_commit(st, &txn, err);
        rc = rc ? rc : RC_ENOENT;
        goto out;
    }
    rc = take(st, &txn, job_id, owner, now_ms + lease_ms, out, err);
out:
    store_job_free(&job);
    ops->txn_end(st, &txn);
    return rc;
}

/* ------------------------------------------------------------------ argument checks */

static int bad_id(const char *id) {
    if (!id || strlen(id) != STORE_ID_LEN)
        return 1;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 1;
    return 0;
}

static int bad_token(const store_client_token *tok) {
    return tok && (!tok->access_key_id || !tok->action || !tok->token || !tok->fingerprint);
}

#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return rc_fail(err, RC_EINVAL, "InternalError", "job store: invalid %s", what);        \
    } while (0)

/* A syntactically wrong id cannot exist: answer "not found" without a query. */
#define CHECK_ID(id, ...)                                                                          \
    do {                                                                                           \
        if (bad_id(id)) {                                                                          \
            __VA_ARGS__;                                                                           \
            return RC_ENOENT;                                                                      \
        }                                                                                          \
    } while (0)

int store_client_token_lookup(store *st, const store_client_token *tok,
                              char resource_id[STORE_ID_LEN + 1],
                              enum store_submit_outcome *outcome, rc_error *err) {
    CHECK(tok && !bad_token(tok) && resource_id && outcome, "client token");
    return st->ops->client_token_lookup(st, tok, resource_id, outcome, err);
}

int store_job_submit(store *st, const store_job *job, const store_client_token *tok,
                     int64_t max_unfinished, char existing_id[STORE_ID_LEN + 1],
                     enum store_submit_outcome *outcome, rc_error *err) {
    CHECK(outcome, "outcome");
    int rc = store_submit_check(job, tok, existing_id, err);
    return rc ? rc : st->ops->job_submit(st, job, tok, max_unfinished, existing_id, outcome, err);
}

int store_submit_check(const store_job *job, const store_client_token *tok, const char *existing_id,
                       rc_error *err) {
    CHECK(job && !bad_id(job->job_id) && job->type, "job");
    CHECK(!bad_token(tok) && (!tok || existing_id), "client token");
    return 0;
}

int store_job_get(store *st, const char *job_id, uint64_t user_id, store_job *out, rc_error *err) {
    CHECK(out, "output");
    memset(out, 0, sizeof(*out));
    CHECK_ID(job_id);
    return st->ops->job_get(st, job_id, 1, user_id, out, err);
}

int store_job_get_any(store *st, const char *job_id, store_job *out, rc_error *err) {
    CHECK(out, "output");
    memset(out, 0, sizeof(*out));
    CHECK_ID(job_id);
    return st->ops->job_get(st, job_id, 0, 0, out, err);
}

int store_job_claim(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                    store_job *out, rc_error *err) {
    CHECK(owner && *owner && lease_ms > 0 && out, "claim");
    memset(out, 0, sizeof(*out));
    return job_claim(st, owner, lease_ms, max_attempts, out, err);
}

int store_job_claim_id(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                       int max_attempts, store_job *out, rc_error *err) {
    CHECK(owner && *owner && lease_ms > 0 && out, "claim");
    memset(out, 0, sizeof(*out));
    CHECK_ID(job_id);
    return job_claim_id(st, job_id, owner, lease_ms, max_attempts, out, err);
}

int store_job_heartbeat(store *st, const char *job_id, const char *owner, int64_t lease_ms,
                        rc_error *err) {
    CHECK(owner && lease_ms > 0, "heartbeat");
    CHECK_ID(job_id);
    return st->ops->job_heartbeat(st, job_id, owner, lease_ms, err);
}

int store_job_progress(store *st, const char *job_id, const char *owner, int progress,
                       rc_error *err) {
    CHECK(owner, "owner");
    CHECK_ID(job_id);
    /* Below 100: only store_job_finish completes a job. */
    int p = progress < 0 ? 0 : progress > 99 ? 99 : progress;
    return st->ops->job_progress(st, job_id, owner, p, err);
}

int store_job_finish(store *st, const char *job_id, const char *owner, const store_job_result *res,
                     rc_error *err) {
    CHECK(owner && res, "finish");
    CHECK(res->state == STORE_JOB_FINISHED || res->state == STORE_JOB_FAILED, "final state");
    CHECK_ID(job_id);
    return job_finish(st, job_id, owner, res, err);
}

int store_job_release(store *st, const char *job_id, const char *owner, rc_error *err) {
    CHECK(owner, "owner");
    CHECK_ID(job_id);
    return st->ops->job_release(st, job_id, owner, err);
}

int store_job_count(store *st, int64_t counts[STORE_JOB_STATE_COUNT], rc_error *err) {
    CHECK(counts, "output");
    return st->ops->job_count(st, counts, err);
}

int store_job_list(store *st, const store_job_query *q, store_job_page *page, rc_error *err) {
    CHECK(page, "output");
    memset(page, 0, sizeof(*page));
    CHECK(q && q->page_size >= 1 && (q->has_cursor || q->page_no >= 1), "list query");
    if (q->has_cursor && bad_id(q->after_id))
        return rc_fail(err, RC_EINVAL, "InternalError", "job store: invalid list cursor");
    return st->ops->job_list(st, q, page, err);
}

int store_purge(store *st, int64_t retention_s, int64_t *deleted_jobs, rc_error *err) {
    CHECK(retention_s > 0, "retention");
    int64_t dummy;
    return st->ops->purge(st, retention_s, deleted_jobs ? deleted_jobs : &dummy, err);
}

int store_nonce_use(store *st, const char *access_key_id, const char *nonce, int64_t now,
                    int64_t expires_at, rc_error *err) {
    CHECK(access_key_id && nonce && *nonce, "nonce");
    return st->ops->nonce_use(st, access_key_id, nonce, now, expires_at, err);
}

int store_nonce_clear(store *st, rc_error *err) {
    return st->ops->nonce_clear(st, err);
}

int store_media_register(store *st, const store_media *m, int overwrite,
                         const store_client_token *tok, char existing_id[STORE_ID_LEN + 1],
                         enum store_submit_outcome *outcome, rc_error *err) {
    CHECK(m && !bad_id(m->media_id) && m->input_url && existing_id && outcome, "media");
    CHECK(!bad_token(tok), "client token");
    return st->ops->media_register(st, m, overwrite, tok, existing_id, outcome, err);
}

int store_media_get(store *st, const char *media_id, uint64_t user_id, store_media *out,
                    rc_error *err) {
    CHECK(out, "output");
    memset(out, 0, sizeof(*out));
    CHECK_ID(media_id);
    return st->ops->media_get(st, media_id, NULL, user_id, out, err);
}

int store_media_get_by_url(store *st, const char *input_url, uint64_t user_id, store_media *out,
                           rc_error *err) {
    CHECK(out && input_url, "media lookup");
    memset(out, 0, sizeof(*out));
    return st->ops->media_get(st, NULL, input_url, user_id, out, err);
}

int store_artefact_name_valid(const char *name) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > STORE_ARTEFACT_NAME_MAX || name[0] == '/' || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '/'))
            return 0;
        if (c == '/' && (name[i + 1] == '.' || name[i + 1] == '/' || name[i + 1] == 0))
            return 0; /* no "..", no empty or hidden component */
    }
    return 1;
}

int store_artefact_put(store *st, const char *job_id, const char *name, const void *data,
                       size_t size, rc_error *err) {
    CHECK(!bad_id(job_id), "job id");
    CHECK(store_artefact_name_valid(name), "artefact name");
    CHECK((data || size == 0) && size <= STORE_ARTEFACT_MAX, "artefact size");
    return st->ops->artefact_put(st, job_id, name, data, size, err);
}

int store_artefact_get(store *st, const char *job_id, uint64_t user_id, const char *name,
                       store_artefact *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    CHECK_ID(job_id);
    if (!store_artefact_name_valid(name))
        return RC_ENOENT;
    return st->ops->artefact_get(st, job_id, user_id, name, out, err);
}

int store_media_delete(store *st, const char *media_id, uint64_t user_id, rc_error *err) {
    CHECK_ID(media_id);
    return st->ops->media_delete(st, media_id, user_id, err);
}

int store_media_claim(store *st, const char *owner, int64_t lease_ms, int max_attempts,
                      store_media *out, rc_error *err) {
    CHECK(owner && *owner && lease_ms > 0 && out, "claim");
    memset(out, 0, sizeof(*out));
    return st->ops->media_claim(st, owner, lease_ms, max_attempts, out, err);
}

int store_media_set_probe(store *st, const char *media_id, const char *owner,
                          enum store_media_status status, const char *probe_json,
                          const char *media_type, rc_error *err) {
    CHECK(owner, "owner");
    CHECK(status == STORE_MEDIA_NORMAL || status == STORE_MEDIA_PREPARE_FAILED, "media status");
    CHECK_ID(media_id);
    return st->ops->media_set_probe(st, media_id, owner, status, probe_json, media_type, err);
}

int store_outbox_claim(store *st, const char *owner, int64_t lease_ms, store_outbox *out,
                       rc_error *err) {
    CHECK(owner && *owner && lease_ms > 0 && out, "claim");
    memset(out, 0, sizeof(*out));
    return st->ops->outbox_claim(st, owner, lease_ms, out, err);
}

int store_outbox_delivered(store *st, int64_t id, const char *owner, rc_error *err) {
    CHECK(owner, "owner");
    return st->ops->outbox_report(st, id, owner, STORE_NOTIFY_DELIVERED, 0, NULL, err);
}

int store_outbox_retry(store *st, int64_t id, const char *owner, int64_t next_attempt_ms,
                       const char *error, rc_error *err) {
    CHECK(owner, "owner");
    return st->ops->outbox_report(st, id, owner, STORE_NOTIFY_PENDING, next_attempt_ms, error, err);
}

int store_outbox_give_up(store *st, int64_t id, const char *owner, const char *error,
                         rc_error *err) {
    CHECK(owner, "owner");
    return st->ops->outbox_report(st, id, owner, STORE_NOTIFY_FAILED, 0, error, err);
}

int store_outbox_get(store *st, const char *job_id, store_outbox *out, rc_error *err) {
    CHECK(out, "output");
    memset(out, 0, sizeof(*out));
    CHECK_ID(job_id);
    return st->ops->outbox_get(st, job_id, out, err);
}

int store_outbox_count_pending(store *st, int64_t *out, rc_error *err) {
    CHECK(out, "output");
    return st->ops->outbox_count_pending(st, out, err);
}
