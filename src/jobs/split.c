/* split: one long input analysed by many workers (see split.h). */
#include "jobs/split.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs/execute_int.h"
#include "jobs/jobtype.h"
#include "util/digest.h"
#include "util/ids.h"
#include "util/log.h"
#include "util/timeutil.h"

#define PART_PARAM "InputConfig.Media" /* the only input a split job (Segmentation) has */
#define PART_WAIT_MS 200               /* between looks at parts other workers run */

/* ------------------------------------------------------------------ the sub-task */

int jobs_part_spec_parse(const char *job_params, jobs_part_spec *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *o = job_params ? json_loads(job_params, 0, &jerr) : NULL;
    const char *parent = json_string_value(json_object_get(o, "Parent"));
    json_t *index = json_object_get(o, "Index");
    int ok = parent && strlen(parent) == STORE_ID_LEN && json_is_integer(index) &&
             json_integer_value(index) >= 0 && json_integer_value(index) < 1000000 &&
             json_is_number(json_object_get(o, "From")) && json_is_number(json_object_get(o, "To"));
    if (ok) {
        snprintf(out->parent, sizeof(out->parent), "%s", parent);
        out->index = (int)json_integer_value(index);
        out->from = json_number_value(json_object_get(o, "From"));
        out->to = json_number_value(json_object_get(o, "To"));
    }
    json_decref(o);
    return ok ? 0 : rc_fail(err, RC_EINVAL, "InternalError", "sub-task with malformed JobParams");
}

/* The JobId of part `index` of parent: the first 32 hex digits of SHA-256("parent/index"), the
 * same in every attempt of the parent and every process. */
static int part_id(const char *parent, int index, char out[STORE_ID_LEN + 1]) {
    char text[STORE_ID_LEN + 16];
    int n = snprintf(text, sizeof(text), "%s/%d", parent, index);
    unsigned char d[DIGEST_SHA256_LEN];
    if (digest_sha256(text, (size_t)n, d))
        return RC_EINTERNAL;
    ids_to_hex(d, STORE_ID_LEN / 2, out);
    out[STORE_ID_LEN] = 0;
    return 0;
}

/* Stores a part's track as artefacts "part.0", "part.1", ... of its sub-task (each at most
 * STORE_ARTEFACT_MAX) and describes them in *result (malloc'd JSON). */
static int put_part(store *st, const char *child, const jobs_part_spec *ps,
                    const engine_feature_track *t, char **result, rc_error *err) {
    void *bytes = NULL;
    size_t size = 0;
    *result = NULL;
    int rc = engine_feature_track_pack(t, &bytes, &size);
    size_t pieces = 0;
    for (size_t off = 0; !rc && (off < size || pieces == 0); off += STORE_ARTEFACT_MAX) {
        char name[32];
        snprintf(name, sizeof(name), "part.%zu", pieces++);
        size_t len = size - off < STORE_ARTEFACT_MAX ? size - off : STORE_ARTEFACT_MAX;
        rc = store_artefact_put(st, child, name, (const char *)bytes + off, len, err);
    }
    free(bytes);
    if (rc)
        return rc;
    json_t *o = json_pack("{s:s, s:i, s:I, s:I, s:I}", "Parent", ps->parent, "Index", ps->index,
                          "Frames", (json_int_t)t->nb_frames, "Bytes", (json_int_t)size, "Pieces",
                          (json_int_t)pieces);
    *result = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return *result ? 0 : RC_ENOMEM;
}

/* Reads a finished sub-task's track back (result: its AiResult). RC_EINVAL when it is not
 * there or not of this build's layout. */
static int get_part(store *st, const char *child, const char *result, engine_feature_track *t,
                    rc_error *err) {
    json_t *o = result ? json_loads(result, 0, NULL) : NULL;
    json_int_t size = json_integer_value(json_object_get(o, "Bytes"));
    json_int_t pieces = json_integer_value(json_object_get(o, "Pieces"));
    json_decref(o);
    memset(t, 0, sizeof(*t));
    if (size <= 0 || pieces <= 0 || (size - 1) / STORE_ARTEFACT_MAX + 1 != pieces)
        return rc_fail(err, RC_EINVAL, "InternalError", "analysis part %s has no track", child);
    unsigned char *bytes = malloc((size_t)size);
    if (!bytes)
        return RC_ENOMEM;
    size_t got = 0;
    int rc = 0;
    for (json_int_t i = 0; !rc && i < pieces; i++) {
        char name[32];
        snprintf(name, sizeof(name), "part.%lld", (long long)i);
        store_artefact a = {0};
        rc = store_artefact_get(st, child, 0, name, &a, err);
        if (!rc && got + a.size <= (size_t)size)
            memcpy(bytes + got, a.data, a.size);
        got += a.size;
        free(a.data);
    }
    if (!rc && (got != (size_t)size || engine_feature_track_unpack(bytes, got, t)))
        rc = rc_fail(err, RC_EINVAL, "InternalError",
                     "analysis part %s is not a track of this build", child);
    free(bytes);
    return rc;
}

/* Empties a sub-task's pieces once its track is used (the row stays until retention). */
static void drop_part(store *st, const char *child, const char *result) {
    json_t *o = result ? json_loads(result, 0, NULL) : NULL;
    json_int_t pieces = json_integer_value(json_object_get(o, "Pieces"));
    json_decref(o);
    for (json_int_t i = 0; i < pieces; i++) {
        char name[32];
        snprintf(name, sizeof(name), "part.%lld", (long long)i);
        store_artefact_put(st, child, name, NULL, 0, NULL);
    }
}

/* Analyses part ps of the input in (already resolved) into its sub-task's artefacts. */
static int run_part(jobs_executor *ex, const char *child, const jobs_part_spec *ps,
                    const jobs_object_input *in, const engine_progress *progress, char **result,
                    rc_error *err) {
    engine_analyze_opts o = {.from = ps->from, .to = ps->to};
    engine_feature_track t;
    int rc = engine_analyze(&in->source, &o, progress, &t, err);
    if (jobs_object_input_error(in))
        rc = jobs_input_read_failure(in, PART_PARAM, rc, err);
    if (!rc)
        rc = put_part(ex->st, child, ps, &t, result, err);
    engine_feature_track_free(&t);
    return rc;
}

int jobs_part_execute(jobs_executor *ex, const jobs_task *task, const void *spec_ptr,
                      jobs_outcome *out, rc_error *err) {
    const jobs_part_spec *ps = spec_ptr;
    store_job parent;
    int rc = store_job_get_any(ex->st, ps->parent, &parent, NULL);
    if (rc) {
        store_job_free(&parent);
        return rc_fail(err, RC_EINVAL, "InternalError", "the job %s of this part is gone",
                       ps->parent);
    }
    const jobs_job_type *type = jobs_job_type_by_name(parent.type);
    jobs_spec_buf spec;
    if (!type || strcmp(type->name, "Segmentation") != 0) {
        store_job_free(&parent);
        return rc_fail(err, RC_EINVAL, "InternalError", "job %s is not split in parts", ps->parent);
    }
    rc = jobs_job_type_parse_job(type, &parent, &ex->policy, &spec, err);
    if (rc) {
        store_job_free(&parent);
        return rc;
    }
    const jobs_seg_spec *seg = (const jobs_seg_spec *)(const void *)&spec;
    jobs_object_input in;
    rc = jobs_resolve_input(ex, &parent, &seg->input, PART_PARAM, task->work_dir, &in, err);
    if (!rc) {
        in.source.limits = &ex->limits;
        rc = run_part(ex, task->job->job_id, ps, &in, &task->progress, &out->ai_result, err);
        jobs_object_input_free(&in);
    }
    type->free(&spec);
    store_job_free(&parent);
    return rc;
}

/* ------------------------------------------------------------------ the parent */

/* A part the parent runs itself: its lease kept alive, the parent's progress and cancellation
 * passed through. */
typedef struct inline_part {
    store *st;
    const char *child, *owner;
    int64_t lease_ms, next_beat_ms;
    const engine_progress *parent;
    double lo, span; /* of the parent's fraction */
} inline_part;

static int inline_progress(void *user, double fraction) {
    inline_part *p = user;
    int64_t now = time_mono_ms();
    if (now >= p->next_beat_ms) {
        p->next_beat_ms = now + p->lease_ms / 3;
        if (store_job_heartbeat(p->st, p->child, p->owner, p->lease_ms, NULL) == RC_ECANCELED)
            return 1; /* another worker has it now */
    }
    return engine_progress_report(p->parent, p->lo + p->span * fraction);
}

typedef struct split_run {
    jobs_split *sp;
    const char *owner;
    size_t n;
    char (*ids)[STORE_ID_LEN + 1];
    engine_feature_track *parts;
    char **results; /* the finished sub-tasks' AiResults */
    size_t done;
} split_run;

static int queue_parts(split_run *r, const double *cuts, rc_error *err) {
    const store_job *parent = r->sp->task->job;
    for (size_t i = 0; i < r->n; i++) {
        int rc = part_id(parent->job_id, (int)i, r->ids[i]);
        json_t *o =
            json_pack("{s:s, s:i, s:f, s:f}", "Parent", parent->job_id, "Index", (int)i, "From",
                      i > 0 ? cuts[i - 1] : 0.0, "To", i + 1 < r->n ? cuts[i] : 0.0);
        char *params = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        if (rc || !params) {
            free(params);
            return rc ? rc : RC_ENOMEM;
        }
        store_job job = {.user_id = 0,
                         .type = JOBS_PART_TYPE,
                         .job_params = params,
                         .create_time = parent->create_time};
        memcpy(job.job_id, r->ids[i], sizeof(job.job_id));
        enum store_submit_outcome outcome;
        rc = store_job_submit(r->sp->ex->st, &job, NULL, 0, NULL, &outcome, err);
        free(params);
        if (rc && rc != RC_EEXIST) /* (queued by an earlier attempt of the parent) */
            return rc;
    }
    return 0;
}

/* Runs sub-task i here: claimed, analysed, finished (Failed with its error if it fails). */
static int run_inline(split_run *r, size_t i, const engine_progress *progress, rc_error *err) {
    jobs_executor *ex = r->sp->ex;
    int64_t lease_ms = (int64_t)ex->cfg->lease_seconds * 1000;
    store_job child;
    int rc = store_job_claim_id(ex->st, r->ids[i], r->owner, lease_ms, ex->cfg->max_attempts,
                                &child, NULL);
    if (rc)
        return 0; /* someone else's, or done: the next look tells */
    jobs_part_spec ps;
    rc = jobs_part_spec_parse(child.job_params, &ps, err);
    log_info("job %s (%s): attempt %d started here by %s (part %d of job %s)", r->ids[i],
             JOBS_PART_TYPE, child.attempts, r->owner, ps.index, ps.parent);
    store_job_free(&child);
    char *result = NULL;
    inline_part ip = {.st = ex->st,
                      .child = r->ids[i],
                      .owner = r->owner,
                      .lease_ms = lease_ms,
                      .next_beat_ms = time_mono_ms() + lease_ms / 3,
                      .parent = progress,
                      .lo = (double)r->done / (double)r->n,
                      .span = 1.0 / (double)r->n};
    engine_progress sub = {inline_progress, &ip};
    if (!rc)
        rc = run_part(ex, r->ids[i], &ps, r->sp->input, &sub, &result, err);
    store_job_result res = {.state = rc ? STORE_JOB_FAILED : STORE_JOB_FINISHED,
                            .ai_result = result,
                            .error_code = err->code[0] ? err->code : "InternalError",
                            .error_message = err->message[0] ? err->message : rc_strerror(rc)};
    if (rc == RC_ECANCELED)
        store_job_release(ex->st, r->ids[i], r->owner, NULL);
    else
        store_job_finish(ex->st, r->ids[i], r->owner, &res, NULL);
    free(result);
    return rc;
}

/* One look at every part not in hand yet: finished ones are read, failed ones fail the job,
 * claimable ones run here. */
static int collect(split_run *r, const engine_progress *progress, rc_error *err) {
    store *st = r->sp->ex->st;
    for (size_t i = 0; i < r->n; i++) {
        if (r->results[i])
            continue;
        store_job c;
        int rc = store_job_get_any(st, r->ids[i], &c, err);
        if (!rc && c.state == STORE_JOB_FINISHED) {
            rc = get_part(st, r->ids[i], c.ai_result, &r->parts[i], err);
            if (!rc) {
                r->results[i] = c.ai_result;
                c.ai_result = NULL;
                r->done++;
            }
        } else if (!rc && c.state == STORE_JOB_FAILED) {
            rc = rc_fail(err, RC_EMEDIA, c.error_code ? c.error_code : "InternalError", "%s",
                         c.error_message ? c.error_message : "an analysis part failed");
        } else if (!rc) {
            rc = run_inline(r, i, progress, err);
        }
        store_job_free(&c);
        if (rc)
            return rc;
    }
    return 0;
}

static int analyze_in_parts(split_run *r, const double *cuts, const engine_progress *progress,
                            engine_feature_track *out, rc_error *err) {
    int rc = queue_parts(r, cuts, err);
    while (!rc && r->done < r->n) {
        size_t before = r->done;
        rc = collect(r, progress, err);
        if (!rc && engine_progress_report(progress, (double)r->done / (double)r->n))
            rc = RC_ECANCELED;
        if (!rc && r->done == before && r->done < r->n)
            nanosleep(&(struct timespec){0, PART_WAIT_MS * 1000000L}, NULL);
    }
    for (size_t i = 0; !rc && i < r->n; i++) {
        if (r->parts[i].irregular)
            rc = RC_EINVAL;
        else
            rc = engine_feature_track_append(out, &r->parts[i]);
    }
    return rc;
}

int jobs_split_analyze(void *user, const engine_source *src, const engine_analyze_opts *opts,
                       const engine_progress *progress, engine_feature_track *out, rc_error *err) {
    jobs_split *sp = user;
    double *cuts = NULL;
    size_t n = 0;
    int seconds = sp->ex->cfg->split_seconds;
    memset(out, 0, sizeof(*out));
    /* a downloaded input would be downloaded again by every part */
    if (seconds <= 0 || sp->input->is_temp || !sp->task->job->lease_owner ||
        engine_analyze_cuts(src, seconds, &cuts, &n, NULL) || n == 0) {
        free(cuts);
        return engine_analyze(src, opts, progress, out, err);
    }
    split_run r = {.sp = sp, .n = n + 1};
    char owner[160];
    snprintf(owner, sizeof(owner), "%.120s+parts", sp->task->job->lease_owner);
    r.owner = owner;
    r.ids = calloc(r.n, sizeof(*r.ids));
    r.parts = calloc(r.n, sizeof(*r.parts));
    r.results = calloc(r.n, sizeof(*r.results));
    int rc = r.ids && r.parts && r.results ? 0 : RC_ENOMEM;
    int64_t t0 = time_mono_ms();
    if (!rc)
        rc = analyze_in_parts(&r, cuts, progress, out, err);
    if (rc == RC_EINVAL) { /* parts that do not join: one pass gives the right track */
        log_warn("job %s: the analysis parts of %s do not join; analysing it in one pass",
                 sp->task->job->job_id, engine_source_name(src));
        engine_feature_track_free(out);
        rc_error_clear(err);
        rc = engine_analyze(src, opts, progress, out, err);
    } else if (!rc) {
        rc = engine_feature_track_finish(out, engine_source_name(src), err);
        log_info("job %s: analysed in %zu parts (%zu frames) in %.1f s", sp->task->job->job_id, r.n,
                 out->nb_frames, (double)(time_mono_ms() - t0) / 1000.0);
    }
    for (size_t i = 0; r.results && i < r.n; i++) {
        if (r.results[i])
            drop_part(sp->ex->st, r.ids[i], r.results[i]);
        free(r.results[i]);
        engine_feature_track_free(&r.parts[i]);
    }
    free(r.ids);
    free(r.parts);
    free(r.results);
    free(cuts);
    return rc;
}
