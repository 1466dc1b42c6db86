/* split: one long input analysed by many workers (see split.h). */
#include "jobs/split.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/export/export.h"
#include "engine/thumbs.h"
#include "jobs/artefacts.h"
#include "jobs/execute_int.h"
#include "jobs/highlights.h"
#include "jobs/jobtype.h"
#include "jobs/segmentation.h"
#include "util/digest.h"
#include "util/ids.h"
#include "util/log.h"
#include "util/timeutil.h"

#define PART_PARAM "InputConfig.Media" /* the only input a split job (Segmentation) has */
#define PART_WAIT_MS 200               /* between looks at parts other workers run */

/* ------------------------------------------------------------------ the sub-task */

void jobs_part_spec_free(jobs_part_spec *ps) {
    free(ps->ranges);
    ps->ranges = NULL;
    ps->count = 0;
}

int jobs_part_spec_parse(const char *job_params, jobs_part_spec *out, rc_error *err) {
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *o = job_params ? json_loads(job_params, 0, &jerr) : NULL;
    const char *parent = json_string_value(json_object_get(o, "Parent"));
    json_t *index = json_object_get(o, "Index");
    json_t *ranges = json_object_get(o, "Ranges"), *first = json_object_get(o, "First");
    json_t *input = json_object_get(o, "Input");
    out->input = -1;
    int ok = parent && strlen(parent) == STORE_ID_LEN && json_is_integer(index) &&
             json_integer_value(index) >= 0 && json_integer_value(index) < 1000000;
    if (ok && ranges) { /* an export part */
        size_t n = json_array_size(ranges);
        ok = n > 0 && json_is_integer(first) && json_integer_value(first) >= 1 &&
             json_integer_value(first) < 1000000 && (out->ranges = calloc(2 * n, sizeof(double)));
        for (size_t i = 0; ok && i < n; i++) {
            json_t *r = json_array_get(ranges, i);
            ok = json_array_size(r) == 2 && json_is_number(json_array_get(r, 0)) &&
                 json_is_number(json_array_get(r, 1));
            if (ok) {
                out->ranges[2 * i] = json_number_value(json_array_get(r, 0));
                out->ranges[2 * i + 1] = json_number_value(json_array_get(r, 1));
            }
        }
        out->count = ok ? n : 0;
        out->first = ok ? (int)json_integer_value(first) : 0;
    } else if (ok && input) { /* a highlight input */
        ok = json_is_integer(input) && json_integer_value(input) >= 0 &&
             json_integer_value(input) < 1000;
        out->input = ok ? (int)json_integer_value(input) : -1;
    } else {
        ok = ok && json_is_number(json_object_get(o, "From")) &&
             json_is_number(json_object_get(o, "To"));
        out->from = json_number_value(json_object_get(o, "From"));
        out->to = json_number_value(json_object_get(o, "To"));
    }
    if (ok) {
        snprintf(out->parent, sizeof(out->parent), "%s", parent);
        out->index = (int)json_integer_value(index);
    } else {
        jobs_part_spec_free(out);
    }
    json_decref(o);
    return ok ? 0 : rc_fail(err, RC_EINVAL, "InternalError", "sub-task with malformed JobParams");
}

/* The JobId of part `index` of parent: the first 32 hex digits of SHA-256("parent/index"), the
 * same in every attempt of the parent and every process. */
int jobs_part_id(const char *parent, int index, char out[STORE_ID_LEN + 1]) {
    char text[STORE_ID_LEN + 16];
    int n = snprintf(text, sizeof(text), "%s/%d", parent, index);
    unsigned char d[DIGEST_SHA256_LEN];
    if (digest_sha256(text, (size_t)n, d))
        return RC_EINTERNAL;
    ids_to_hex(d, STORE_ID_LEN / 2, out);
    out[STORE_ID_LEN] = 0;
    return 0;
}

/* Stores bytes as artefacts "<name>.0", "<name>.1", ... of sub-task child (each at most
 * STORE_ARTEFACT_MAX); *pieces gets their number. */
static int put_blob(store *st, const char *child, const char *name, const void *bytes, size_t size,
                    json_int_t *pieces, rc_error *err) {
    int rc = 0;
    *pieces = 0;
    for (size_t off = 0; !rc && (off < size || *pieces == 0); off += STORE_ARTEFACT_MAX) {
        char piece[32];
        snprintf(piece, sizeof(piece), "%s.%lld", name, (long long)(*pieces)++);
        size_t len = size - off < STORE_ARTEFACT_MAX ? size - off : STORE_ARTEFACT_MAX;
        rc = store_artefact_put(st, child, piece, (const char *)bytes + off, len, err);
    }
    return rc;
}

/* Stores a part's bytes (a packed track) as blob "part" of its sub-task and, when there are any,
 * its thumbnail samples (engine_thumb_sampler_pack) as blob "thumbs", and describes them in
 * *result (malloc'd JSON: Bytes/Pieces, ThumbBytes/ThumbPieces). Frees bytes and thumbs. */
static int put_bytes(store *st, const char *child, const jobs_part_spec *ps, void *bytes,
                     size_t size, void *thumbs, size_t thumbs_size, rc_error *err, char **result) {
    *result = NULL;
    json_int_t pieces = 0, thumb_pieces = 0;
    int rc = put_blob(st, child, "part", bytes, size, &pieces, err);
    if (!rc && thumbs)
        rc = put_blob(st, child, "thumbs", thumbs, thumbs_size, &thumb_pieces, err);
    free(bytes);
    free(thumbs);
    if (rc)
        return rc;
    json_t *o = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I}", "Parent", ps->parent, "Index",
                          ps->index, "Bytes", (json_int_t)size, "Pieces", pieces, "ThumbBytes",
                          (json_int_t)(thumbs ? thumbs_size : 0), "ThumbPieces", thumb_pieces);
    *result = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return *result ? 0 : RC_ENOMEM;
}

static int put_part(store *st, const char *child, const jobs_part_spec *ps,
                    const engine_feature_track *t, const engine_thumb_sampler *thumbs,
                    char **result, rc_error *err) {
    void *bytes = NULL, *tb = NULL;
    size_t size = 0, tsize = 0;
    int rc = engine_feature_track_pack(t, &bytes, &size);
    /* (without the memory for them, the part goes without its thumbnails) */
    if (!rc && thumbs && engine_thumb_sampler_pack(thumbs, &tb, &tsize))
        tb = NULL;
    return rc ? rc : put_bytes(st, child, ps, bytes, size, tb, tsize, err, result);
}

/* Reads blob `name` of a finished sub-task (its AiResult's `bytes_field` and `pieces_field` say
 * how big) into *out (malloc'd; NULL and 0 when the part has none and may: optional). RC_EINVAL
 * when it is not all there. */
static int get_blob(store *st, const char *child, const char *result, const char *name,
                    const char *bytes_field, const char *pieces_field, int optional,
                    unsigned char **out, size_t *out_size, rc_error *err) {
    json_t *o = result ? json_loads(result, 0, NULL) : NULL;
    json_int_t size = json_integer_value(json_object_get(o, bytes_field));
    json_int_t pieces = json_integer_value(json_object_get(o, pieces_field));
    json_decref(o);
    *out = NULL;
    *out_size = 0;
    if (optional && size == 0)
        return 0;
    if (size <= 0 || pieces <= 0 || (size - 1) / STORE_ARTEFACT_MAX + 1 != pieces)
        return rc_fail(err, RC_EINVAL, "InternalError", "part %s has no %s", child, name);
    unsigned char *bytes = malloc((size_t)size);
    if (!bytes)
        return RC_ENOMEM;
    size_t got = 0;
    int rc = 0;
    for (json_int_t i = 0; !rc && i < pieces; i++) {
        char piece[32];
        snprintf(piece, sizeof(piece), "%s.%lld", name, (long long)i);
        store_artefact a = {0};
        rc = store_artefact_get(st, child, 0, piece, &a, err);
        if (!rc && got + a.size <= (size_t)size)
            memcpy(bytes + got, a.data, a.size);
        got += a.size;
        free(a.data);
    }
    if (!rc && got != (size_t)size)
        rc = rc_fail(err, RC_EINVAL, "InternalError", "part %s is incomplete", child);
    if (rc)
        free(bytes);
    else
        *out = bytes, *out_size = got;
    return rc;
}

/* A finished sub-task's bytes (its "part" blob). */
static int get_bytes(store *st, const char *child, const char *result, unsigned char **out,
                     size_t *out_size, rc_error *err) {
    return get_blob(st, child, result, "part", "Bytes", "Pieces", 0, out, out_size, err);
}

static int get_part(store *st, const char *child, const char *result, engine_feature_track *t,
                    rc_error *err) {
    unsigned char *bytes;
    size_t size;
    memset(t, 0, sizeof(*t));
    int rc = get_bytes(st, child, result, &bytes, &size, err);
    if (rc)
        return rc;
    if (engine_feature_track_unpack(bytes, size, t))
        rc = rc_fail(err, RC_EINVAL, "InternalError",
                     "analysis part %s is not a track of this build", child);
    free(bytes);
    return rc;
}

/* Empties a sub-task's pieces once its bytes are used (the row stays until retention). */
static void drop_part(store *st, const char *child, const char *result) {
    json_t *o = result ? json_loads(result, 0, NULL) : NULL;
    const char *names[] = {"part", "thumbs"}, *fields[] = {"Pieces", "ThumbPieces"};
    for (int k = 0; k < 2; k++) {
        json_int_t pieces = json_integer_value(json_object_get(o, fields[k]));
        for (json_int_t i = 0; i < pieces; i++) {
            char piece[32];
            snprintf(piece, sizeof(piece), "%s.%lld", names[k], (long long)i);
            store_artefact_put(st, child, piece, NULL, 0, NULL);
        }
    }
    json_decref(o);
}

/* Analyses part ps of the input in (already resolved) into its sub-task's artefacts, with the
 * thumbnail samples the job's own pass would take of its frames (exec_segmentation.c). */
static int run_part(jobs_executor *ex, const char *child, const jobs_part_spec *ps,
                    const jobs_object_input *in, const char *work_dir,
                    const engine_progress *progress, char **result, rc_error *err) {
    engine_thumb_sampler *thumbs = NULL;
    if (engine_thumb_sampler_new(JOBS_THUMB_EVERY_S, JOBS_THUMB_SAMPLES, 0, &thumbs))
        thumbs = NULL; /* (the parent decodes the thumbnails the part could not sample) */
    engine_analyze_opts o = {.from = ps->from,
                             .to = ps->to,
                             .on_frame = thumbs ? engine_thumb_sampler_frame : NULL,
                             .hook_user = thumbs,
                             .spill_dir = work_dir};
    engine_feature_track t;
    int rc = engine_analyze(&in->source, &o, progress, &t, err);
    if (jobs_object_input_error(in))
        rc = jobs_input_read_failure(in, PART_PARAM, rc, err);
    if (!rc)
        rc = put_part(ex->st, child, ps, &t, thumbs, result, err);
    engine_feature_track_free(&t);
    engine_thumb_sampler_free(&thumbs);
    return rc;
}

/* What a sub-task run by the pool needs of its parent: the job, its parameters, its input. */
typedef struct parent_of {
    store_job job;
    const jobs_job_type *type;
    jobs_spec_buf spec;
    int have_spec;
    jobs_object_input in;
    char param[96];      /* what messages call a highlight input */
    jobs_hl_input hl_in; /* a highlight input, as jobs_hl_analyze_input takes it */
} parent_of;

static void parent_free(parent_of *p) {
    jobs_object_input_free(&p->in);
    if (p->have_spec)
        p->type->free(&p->spec);
    store_job_free(&p->job);
}

static int parent_open(jobs_executor *ex, const jobs_task *task, const jobs_part_spec *ps,
                       parent_of *p, rc_error *err) {
    memset(p, 0, sizeof(*p));
    if (store_job_get_any(ex->st, ps->parent, &p->job, NULL))
        return rc_fail(err, RC_EINVAL, "InternalError", "the job %s of this part is gone",
                       ps->parent);
    p->type = jobs_job_type_by_name(p->job.type);
    int hl = p->type && strcmp(p->type->name, "HighlightExtraction") == 0;
    if (!p->type || (hl ? ps->input < 0 : strcmp(p->type->name, "Segmentation") != 0))
        return rc_fail(err, RC_EINVAL, "InternalError", "job %s is not split in parts", ps->parent);
    int rc = jobs_job_type_parse_job(p->type, &p->job, &ex->policy, &p->spec, err);
    p->have_spec = rc == 0;
    if (!rc && hl) {
        const jobs_hl_spec *spec = (const jobs_hl_spec *)(const void *)&p->spec;
        if ((size_t)ps->input >= spec->n_media)
            return rc_fail(err, RC_EINVAL, "InternalError", "job %s has no input %d", ps->parent,
                           ps->input);
        const jobs_hl_media *m = &spec->media[ps->input];
        jobs_location media_loc = {.kind = JOBS_LOC_MEDIA, .raw = m->media_id, .key = m->media_id};
        snprintf(p->param, sizeof(p->param), "InputConfig.MediaArray[%d].%s", ps->input,
                 m->media_id ? "MediaId" : "MediaURL");
        rc = jobs_resolve_input(ex, &p->job, m->media_id ? &media_loc : &m->url, p->param,
                                task->work_dir, &p->in, err);
        p->hl_in = (jobs_hl_input){.path = p->in.path,
                                   .source = &p->in.source,
                                   .media_id = m->media_id,
                                   .media_url = m->media_id ? NULL : m->url.raw};
    } else if (!rc) {
        const jobs_seg_spec *seg = (const jobs_seg_spec *)(const void *)&p->spec;
        rc = jobs_resolve_input(ex, &p->job, &seg->input, PART_PARAM, task->work_dir, &p->in, err);
    }
    p->in.source.limits = &ex->limits;
    return rc;
}

/* Runs the fast highlight pass over one input of the parent into its sub-task's artefacts. */
static int run_hl_part(jobs_executor *ex, const char *child, const jobs_part_spec *ps,
                       const jobs_hl_input *hin, const jobs_object_input *in,
                       const engine_progress *progress, char **result, rc_error *err) {
    engine_hl_track t;
    void *bytes = NULL;
    size_t size = 0;
    int rc = jobs_hl_analyze_input(hin, (size_t)ps->input, progress, &t, err);
    if (jobs_object_input_error(in)) {
        char param[64];
        snprintf(param, sizeof(param), "InputConfig.MediaArray[%d]", ps->input);
        rc = jobs_input_read_failure(in, param, rc ? rc : RC_EREAD, err);
    }
    if (!rc)
        rc = engine_hl_track_pack(&t, &bytes, &size);
    engine_hl_track_free(&t);
    return rc ? rc : put_bytes(ex->st, child, ps, bytes, size, NULL, 0, err, result);
}

int jobs_part_execute(jobs_executor *ex, const jobs_task *task, const void *spec_ptr,
                      jobs_outcome *out, rc_error *err) {
    const jobs_part_spec *ps = spec_ptr;
    parent_of p;
    int rc = parent_open(ex, task, ps, &p, err);
    if (!rc && ps->input >= 0)
        rc = run_hl_part(ex, task->job->job_id, ps, &p.hl_in, &p.in, &task->progress,
                         &out->ai_result, err);
    else if (!rc)
        rc = run_part(ex, task->job->job_id, ps, &p.in, task->work_dir, &task->progress,
                      &out->ai_result, err);
    parent_free(&p);
    return rc;
}

/* Exports segments ps->first... of the parent (ptask: the parent job and a folder to work in)
 * into its bucket; *result lists them {"Outputs":[{"Index","MediaURL","MediaId"}]}. What it
 * stored is deleted again when it fails. */
static int run_export(jobs_executor *ex, const jobs_task *ptask, const jobs_seg_spec *seg,
                      const jobs_object_input *in, const jobs_part_spec *ps,
                      const engine_progress *progress, char **result, rc_error *err) {
    jobs_bucket_sink sink;
    json_t *outputs = json_array();
    int rc = jobs_bucket_sink_open(&sink, ex, ptask, &seg->output, in, 1, err);
    engine_export_opts opts = {.width = seg->output.width, .height = seg->output.height};
    char path[4096], name[2200];
    for (size_t k = 0; !rc && k < ps->count; k++) {
        int index = ps->first + (int)k;
        rc = outputs ? sink.sink.path_for(sink.sink.user, index, path, sizeof(path), err)
                     : RC_ENOMEM;
        if (rc)
            break;
        sink.sink.name(sink.sink.user, index, name, sizeof(name));
        opts.dst_name = name;
        engine_progress_span sp;
        engine_progress sub = engine_progress_sub(&sp, progress, (double)k / (double)ps->count,
                                                  (double)(k + 1) / (double)ps->count);
        rc = engine_export_range(&in->source, ps->ranges[2 * k], ps->ranges[2 * k + 1], path, &opts,
                                 &sub, NULL, err);
        char *url = NULL, *id = NULL;
        if (!rc)
            rc = sink.sink.publish(sink.sink.user, index, path, &url, &id, err);
        unlink(path);
        if (!rc &&
            json_array_append_new(outputs, json_pack("{s:i, s:s, s:s}", "Index", index, "MediaURL",
                                                     url, "MediaId", id ? id : "")))
            rc = RC_ENOMEM;
        free(url);
        free(id);
    }
    if (jobs_object_input_error(in))
        rc = jobs_input_read_failure(in, PART_PARAM, rc, err);
    if (!rc) {
        json_t *o = json_pack("{s:s, s:i, s:O}", "Parent", ps->parent, "Index", ps->index,
                              "Outputs", outputs);
        *result = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        rc = *result ? 0 : RC_ENOMEM;
    }
    if (rc)
        jobs_bucket_sink_undo(&sink);
    jobs_bucket_sink_close(&sink);
    json_decref(outputs);
    return rc;
}

int jobs_export_part_execute(jobs_executor *ex, const jobs_task *task, const void *spec_ptr,
                             jobs_outcome *out, rc_error *err) {
    const jobs_part_spec *ps = spec_ptr;
    parent_of p;
    int rc = parent_open(ex, task, ps, &p, err);
    if (!rc && !ps->count)
        rc = rc_fail(err, RC_EINVAL, "InternalError", "export part without segments");
    jobs_task ptask = {.job = &p.job, .work_dir = task->work_dir, .progress = task->progress};
    if (!rc)
        rc = run_export(ex, &ptask, (const jobs_seg_spec *)(const void *)&p.spec, &p.in, ps,
                        &task->progress, &out->ai_result, err);
    parent_free(&p);
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
    int lost;        /* the part's lease ran out and it is no longer this worker's */
} inline_part;

static int inline_progress(void *user, double fraction) {
    inline_part *p = user;
    int64_t now = time_mono_ms();
    if (now >= p->next_beat_ms) {
        p->next_beat_ms = now + p->lease_ms / 3;
        if (store_job_heartbeat(p->st, p->child, p->owner, p->lease_ms, NULL) == RC_ECANCELED) {
            p->lost = 1; /* another worker has it now (or will): its result is awaited */
            return 1;
        }
    }
    return engine_progress_report(p->parent, p->lo + p->span * fraction);
}

/* The sub-tasks of one parent, of one kind: queued, run here when nobody has taken them,
 * awaited, and handed to take() once finished, in any order. */
typedef struct fanout {
    jobs_split *sp;
    const char *type; /* JOBS_PART_TYPE or JOBS_EXPORT_PART_TYPE */
    char owner[160];
    size_t n;
    char (*ids)[STORE_ID_LEN + 1];
    char **params;  /* each sub-task's JobParams */
    char **results; /* the finished sub-tasks' AiResults */
    size_t done;
    /* A finished sub-task's AiResult. */
    int (*take)(struct fanout *f, size_t i, const char *result, rc_error *err);
    /* Runs sub-task i here (its spec parsed from params[i]) into *result. */
    int (*run)(struct fanout *f, size_t i, const engine_progress *progress, char **result,
               rc_error *err);
    void *user;
} fanout;

static int fanout_init(fanout *f, jobs_split *sp, const char *type, size_t n) {
    *f = (fanout){.sp = sp, .type = type, .n = n};
    snprintf(f->owner, sizeof(f->owner), "%.120s+parts", sp->task->job->lease_owner);
    f->ids = calloc(n, sizeof(*f->ids));
    f->params = calloc(n, sizeof(*f->params));
    f->results = calloc(n, sizeof(*f->results));
    return f->ids && f->params && f->results ? 0 : RC_ENOMEM;
}

static void fanout_free(fanout *f) {
    for (size_t i = 0; f->params && i < f->n; i++)
        free(f->params[i]);
    for (size_t i = 0; f->results && i < f->n; i++)
        free(f->results[i]);
    free(f->ids);
    free(f->params);
    free(f->results);
}

static int fanout_queue(fanout *f, rc_error *err) {
    const store_job *parent = f->sp->task->job;
    for (size_t i = 0; i < f->n; i++) {
        char salted[STORE_ID_LEN + 24];
        snprintf(salted, sizeof(salted), "%s%s", parent->job_id,
                 strcmp(f->type, JOBS_PART_TYPE) == 0 ? "" : "/export");
        int rc = jobs_part_id(salted, (int)i, f->ids[i]);
        if (rc)
            return rc;
        store_job job = {.user_id = 0,
                         .type = (char *)f->type,
                         .job_params = f->params[i],
                         .create_time = parent->create_time};
        memcpy(job.job_id, f->ids[i], sizeof(job.job_id));
        enum store_submit_outcome outcome;
        rc_error serr = {0};
        rc = store_job_submit(f->sp->ex->st, &job, NULL, 0, NULL, &outcome, &serr);
        if (rc && rc != RC_EEXIST) /* (queued by an earlier attempt of the parent) */
            return rc_fail(err, rc, serr.code, "%s", serr.message);
    }
    return 0;
}

/* Runs sub-task i here: claimed, run, finished (Failed with its error if it fails). */
static int fanout_inline(fanout *f, size_t i, const engine_progress *progress, rc_error *err) {
    jobs_executor *ex = f->sp->ex;
    int64_t lease_ms = (int64_t)ex->cfg->lease_seconds * 1000;
    store_job child;
    int rc = store_job_claim_id(ex->st, f->ids[i], f->owner, lease_ms, ex->cfg->max_attempts,
                                &child, NULL);
    if (rc)
        return 0; /* someone else's, or done: the next look tells */
    int attempts = child.attempts;
    log_info("job %s (%s): attempt %d started here by %s (part %zu of job %s)", f->ids[i], f->type,
             attempts, f->owner, i, f->sp->task->job->job_id);
    store_job_free(&child);
    char *result = NULL;
    inline_part ip = {.st = ex->st,
                      .child = f->ids[i],
                      .owner = f->owner,
                      .lease_ms = lease_ms,
                      .next_beat_ms = time_mono_ms() + lease_ms / 3,
                      .parent = progress,
                      .lo = (double)f->done / (double)f->n,
                      .span = 1.0 / (double)f->n};
    engine_progress sub = {inline_progress, &ip};
    rc = f->run(f, i, &sub, &result, err);
    if (rc == RC_ECANCELED && ip.lost) {
        /* a stall here outlasted the part's lease: not this worker's any more, and no failure
         * of the job - the part is awaited, or claimed again, like any other */
        log_warn("job %s: its lease ran out while it ran here (part %zu of job %s); awaiting it",
                 f->ids[i], i, f->sp->task->job->job_id);
        rc_error_clear(err);
        free(result);
        return 0;
    }
    if (jobs_retryable(rc) && (ex->cfg->max_attempts <= 0 || attempts < ex->cfg->max_attempts)) {
        /* storage away: tried again later, as the pool does (its lease cut to the delay) */
        int64_t delay = jobs_retry_delay_ms((int64_t)ex->cfg->retry_seconds * 1000, attempts);
        store_job_heartbeat(ex->st, f->ids[i], f->owner, delay, NULL);
        log_warn("job %s: attempt %d failed (%s); trying again in %lld s", f->ids[i], attempts,
                 err->message, (long long)(delay / 1000));
        rc_error_clear(err);
        free(result);
        return 0;
    }
    store_job_result res = {.state = rc ? STORE_JOB_FAILED : STORE_JOB_FINISHED,
                            .ai_result = result,
                            .error_code = err->code[0] ? err->code : "InternalError",
                            .error_message = err->message[0] ? err->message : rc_strerror(rc)};
    if (rc == RC_ECANCELED)
        store_job_release(ex->st, f->ids[i], f->owner, NULL);
    else
        store_job_finish(ex->st, f->ids[i], f->owner, &res, NULL);
    free(result);
    /* the part has had its attempts: the job fails for good, with the part's error */
    return jobs_retryable(rc) ? RC_EINTERNAL : rc;
}

/* One look at every sub-task not in hand yet: finished ones are taken, failed ones fail the
 * job, claimable ones run here. */
static int fanout_collect(fanout *f, const engine_progress *progress, rc_error *err) {
    store *st = f->sp->ex->st;
    for (size_t i = 0; i < f->n; i++) {
        if (f->results[i])
            continue;
        store_job c;
        int rc = store_job_get_any(st, f->ids[i], &c, err);
        if (!rc && c.state == STORE_JOB_FINISHED) {
            rc = f->take(f, i, c.ai_result, err);
            if (!rc) {
                f->results[i] = c.ai_result;
                c.ai_result = NULL;
                f->done++;
            }
        } else if (!rc && c.state == STORE_JOB_FAILED) {
            rc = rc_fail(err, RC_EINTERNAL, c.error_code ? c.error_code : "InternalError", "%s",
                         c.error_message ? c.error_message : "a part of the job failed");
        } else if (!rc) {
            rc = fanout_inline(f, i, progress, err);
        }
        store_job_free(&c);
        if (rc)
            return rc;
    }
    return 0;
}

/* Sets sub-task i's JobParams to o (consumed; NULL = out of memory). */
static int fanout_param(fanout *f, size_t i, json_t *o) {
    f->params[i] = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return f->params[i] ? 0 : RC_ENOMEM;
}

/* Queues the sub-tasks and runs or awaits them all. */
static int fanout_run(fanout *f, const engine_progress *progress, rc_error *err) {
    int rc = fanout_queue(f, err);
    while (!rc && f->done < f->n) {
        size_t before = f->done;
        rc = fanout_collect(f, progress, err);
        if (!rc && engine_progress_report(progress, (double)f->done / (double)f->n))
            rc = RC_ECANCELED;
        if (!rc && f->done == before && f->done < f->n)
            nanosleep(&(struct timespec){0, PART_WAIT_MS * 1000000L}, NULL);
    }
    return rc;
}

/* ---- analysis parts ---- */

/* What an analysis part brings back: its track and its thumbnail samples. */
typedef struct analysis_part {
    engine_feature_track track;
    unsigned char *thumbs; /* packed samples (engine_thumb_sampler_pack), NULL without */
    size_t thumbs_size;
} analysis_part;

static int analysis_take(fanout *f, size_t i, const char *result, rc_error *err) {
    analysis_part *a = (analysis_part *)f->user + i;
    int rc = get_part(f->sp->ex->st, f->ids[i], result, &a->track, err);
    /* every part is held until all are in: their pictures wait in files of the job's own, not
     * in memory (a descriptor a part; past the process's limit they stay in memory) */
    if (!rc)
        engine_feature_track_spill_pictures(&a->track, f->sp->task->work_dir);
    rc_error lost = {0}; /* (a part's thumbnails that cannot be read are decoded by the job) */
    if (!rc && f->sp->thumbs &&
        get_blob(f->sp->ex->st, f->ids[i], result, "thumbs", "ThumbBytes", "ThumbPieces", 1,
                 &a->thumbs, &a->thumbs_size, &lost))
        log_warn("job %s: the thumbnail samples of part %zu were not used: %s",
                 f->sp->task->job->job_id, i, lost.message[0] ? lost.message : "out of memory");
    return rc;
}

static int analysis_run(fanout *f, size_t i, const engine_progress *progress, char **result,
                        rc_error *err) {
    jobs_part_spec ps;
    int rc = jobs_part_spec_parse(f->params[i], &ps, err);
    if (!rc)
        rc = run_part(f->sp->ex, f->ids[i], &ps, f->sp->input, f->sp->task->work_dir, progress,
                      result, err);
    jobs_part_spec_free(&ps);
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
    fanout f;
    analysis_part *parts = calloc(n + 1, sizeof(*parts));
    int rc = fanout_init(&f, sp, JOBS_PART_TYPE, n + 1);
    rc = rc || !parts ? RC_ENOMEM : 0;
    f.take = analysis_take;
    f.run = analysis_run;
    f.user = parts;
    for (size_t i = 0; !rc && i < f.n; i++) {
        json_t *o =
            json_pack("{s:s, s:i, s:f, s:f}", "Parent", sp->task->job->job_id, "Index", (int)i,
                      "From", i > 0 ? cuts[i - 1] : 0.0, "To", i + 1 < f.n ? cuts[i] : 0.0);
        rc = fanout_param(&f, i, o);
    }
    int64_t t0 = time_mono_ms();
    engine_feature_track_spill_in(out, opts ? opts->spill_dir : NULL);
    if (!rc)
        rc = fanout_run(&f, progress, err);
    for (size_t i = 0; !rc && i < f.n; i++)
        rc = engine_feature_track_append(out, &parts[i].track);
    if (rc == RC_EINVAL) { /* parts that do not join: one pass gives the right track */
        log_warn("job %s: the analysis parts of %s do not join; analysing it in one pass",
                 sp->task->job->job_id, engine_source_name(src));
        engine_feature_track_free(out);
        rc_error_clear(err);
        rc = engine_analyze(src, opts, progress, out, err);
    } else if (!rc) {
        rc = engine_feature_track_finish(out, engine_source_name(src), err);
        /* the parts' samples, in time order, as the job's own pass would have taken them; a
         * segment without one gets its thumbnail decoded (exec_segmentation.c) */
        for (size_t i = 0; !rc && sp->thumbs && i < f.n; i++)
            if (parts[i].thumbs &&
                engine_thumb_sampler_add_packed(sp->thumbs, parts[i].thumbs, parts[i].thumbs_size))
                log_warn("job %s: the thumbnail samples of part %zu were not used",
                         sp->task->job->job_id, i);
        log_info("job %s: analysed in %zu parts (%zu frames) in %.1f s", sp->task->job->job_id, f.n,
                 out->nb_frames, (double)(time_mono_ms() - t0) / 1000.0);
    }
    for (size_t i = 0; f.results && i < f.n; i++) {
        if (f.results[i])
            drop_part(sp->ex->st, f.ids[i], f.results[i]);
        if (parts) {
            engine_feature_track_free(&parts[i].track);
            free(parts[i].thumbs);
        }
    }
    free(parts);
    fanout_free(&f);
    free(cuts);
    return rc;
}

/* ---- export parts ---- */

/* A finished export part's outputs become the job's: in its result, and undone with it. */
static int export_take(fanout *f, size_t i, const char *result, rc_error *err) {
    segmentation_result *res = f->user;
    json_t *o = result ? json_loads(result, 0, NULL) : NULL;
    json_t *outs = json_object_get(o, "Outputs");
    int rc = json_is_array(outs) ? 0 : RC_EINVAL;
    for (size_t k = 0; !rc && k < json_array_size(outs); k++) {
        json_t *item = json_array_get(outs, k);
        json_int_t index = json_integer_value(json_object_get(item, "Index"));
        const char *url = json_string_value(json_object_get(item, "MediaURL"));
        const char *id = json_string_value(json_object_get(item, "MediaId"));
        if (index < 1 || (size_t)index > res->count || !url) {
            rc = RC_EINVAL;
            break;
        }
        segmentation_segment *s = &res->segments[index - 1];
        snprintf(s->media_url, sizeof(s->media_url), "%s", url);
        snprintf(s->media_id, sizeof(s->media_id), "%s", id ? id : "");
        jobs_bucket_sink_adopt(f->sp->sink, (int)index);
    }
    json_decref(o);
    return rc ? rc_fail(err, rc, "InternalError", "export part %s has no outputs", f->ids[i]) : 0;
}

static int export_run(fanout *f, size_t i, const engine_progress *progress, char **result,
                      rc_error *err) {
    jobs_part_spec ps;
    int rc = jobs_part_spec_parse(f->params[i], &ps, err);
    if (!rc)
        rc = run_export(f->sp->ex, f->sp->task, f->sp->spec, f->sp->input, &ps, progress, result,
                        err);
    jobs_part_spec_free(&ps);
    return rc;
}

/* Groups of consecutive segments of at least `seconds` of output each (a short tail joins the
 * group before it) into starts[]; 0 when there would be fewer than two. */
static size_t export_groups(const segmentation_result *res, double seconds, size_t *starts) {
    size_t n = 0;
    double acc = 0;
    for (size_t i = 0; i < res->count; i++) {
        if (i == 0 || acc >= seconds) {
            starts[n++] = i;
            acc = 0;
        }
        acc += res->segments[i].out - res->segments[i].in;
    }
    if (n >= 2 && acc < seconds / 2)
        n--;
    return n >= 2 ? n : 0;
}

/* After a failure: no part may store anything the job would not undo. Parts nobody runs are
 * failed here without running; parts running elsewhere are awaited (at most one part's time, or
 * until this attempt is told to stop); every finished part's outputs are taken, to be undone
 * with the job's own. */
static void fanout_settle(fanout *f, const engine_progress *progress) {
    jobs_executor *ex = f->sp->ex;
    int64_t lease_ms = (int64_t)ex->cfg->lease_seconds * 1000;
    for (;;) {
        int running = 0;
        for (size_t i = 0; f->results && i < f->n; i++) {
            store_job c;
            if (f->results[i] || store_job_get_any(ex->st, f->ids[i], &c, NULL) != 0)
                continue;
            if (c.state == STORE_JOB_FINISHED) {
                if (f->take(f, i, c.ai_result, &(rc_error){0}) == 0) {
                    f->results[i] = c.ai_result;
                    c.ai_result = NULL;
                }
            } else if (c.state != STORE_JOB_FAILED) {
                store_job mine;
                if (store_job_claim_id(ex->st, f->ids[i], f->owner, lease_ms, 0, &mine, NULL) ==
                    0) {
                    store_job_result res = {.state = STORE_JOB_FAILED,
                                            .error_code = "InternalError",
                                            .error_message = "its job failed"};
                    store_job_finish(ex->st, f->ids[i], f->owner, &res, NULL);
                    store_job_free(&mine);
                } else {
                    running = 1;
                }
            }
            store_job_free(&c);
        }
        if (!running || engine_progress_report(progress, (double)f->done / (double)f->n))
            return;
        nanosleep(&(struct timespec){0, PART_WAIT_MS * 1000000L}, NULL);
    }
}

int jobs_split_export(void *user, const segmentation_request *req, const engine_progress *progress,
                      double lo, segmentation_result *out, rc_error *err) {
    jobs_split *sp = user;
    int seconds = sp->ex->cfg->split_seconds;
    size_t *starts = out->count ? calloc(out->count, sizeof(*starts)) : NULL;
    size_t groups = starts && seconds > 0 && !sp->input->is_temp && sp->task->job->lease_owner
                        ? export_groups(out, seconds, starts)
                        : 0;
    if (groups == 0) {
        free(starts);
        return segmentation_export_all(req, progress, lo, out, err);
    }
    engine_progress_span span;
    engine_progress sub = engine_progress_sub(&span, progress, lo, 1);
    fanout f;
    int rc = fanout_init(&f, sp, JOBS_EXPORT_PART_TYPE, groups);
    f.take = export_take;
    f.run = export_run;
    f.user = out;
    for (size_t g = 0; !rc && g < groups; g++) {
        size_t a = starts[g], b = g + 1 < groups ? starts[g + 1] : out->count;
        json_t *ranges = json_array();
        for (size_t i = a; ranges && i < b; i++)
            if (json_array_append_new(
                    ranges, json_pack("[f, f]", out->segments[i].in, out->segments[i].out))) {
                json_decref(ranges);
                ranges = NULL;
            }
        json_t *o =
            ranges ? json_pack("{s:s, s:i, s:i, s:o}", "Parent", sp->task->job->job_id, "Index",
                               (int)g, "First", out->segments[a].index, "Ranges", ranges)
                   : NULL;
        rc = fanout_param(&f, g, o);
    }
    int64_t t0 = time_mono_ms();
    if (!rc)
        rc = fanout_run(&f, &sub, err);
    if (rc) {
        fanout_settle(&f, &sub);
        jobs_bucket_sink_undo(sp->sink);
        for (size_t i = 0; i < out->count; i++)
            out->segments[i].media_url[0] = out->segments[i].media_id[0] = 0;
    } else {
        log_info("job %s: exported %zu segments in %zu parts in %.1f s", sp->task->job->job_id,
                 out->count, f.n, (double)(time_mono_ms() - t0) / 1000.0);
    }
    fanout_free(&f);
    free(starts);
    return rc;
}

/* ---- highlight inputs ---- */

typedef struct hl_parts {
    const jobs_object_input *locals;
    const jobs_hl_input *inputs;
    engine_hl_track *tracks;
} hl_parts;

static int hl_take(fanout *f, size_t i, const char *result, rc_error *err) {
    hl_parts *h = f->user;
    unsigned char *bytes;
    size_t size;
    int rc = get_bytes(f->sp->ex->st, f->ids[i], result, &bytes, &size, err);
    if (rc)
        return rc;
    if (engine_hl_track_unpack(bytes, size, &h->tracks[i]))
        rc = rc_fail(err, RC_EINVAL, "InternalError",
                     "highlight part %s is not a track of this build", f->ids[i]);
    free(bytes);
    return rc;
}

static int hl_run(fanout *f, size_t i, const engine_progress *progress, char **result,
                  rc_error *err) {
    hl_parts *h = f->user;
    jobs_part_spec ps;
    int rc = jobs_part_spec_parse(f->params[i], &ps, err);
    if (!rc)
        rc = run_hl_part(f->sp->ex, f->ids[i], &ps, &h->inputs[i], &h->locals[i], progress, result,
                         err);
    jobs_part_spec_free(&ps);
    return rc;
}

int jobs_split_hl_analyze(void *user, const double *durations, const engine_progress *progress,
                          engine_hl_track *tracks, int *done, rc_error *err) {
    jobs_hl_split *hs = user;
    jobs_split sp = {.ex = hs->ex, .task = hs->task};
    int seconds = hs->ex->cfg->split_seconds;
    double total = 0;
    int local = 1;
    for (size_t i = 0; i < hs->n; i++) {
        total += durations[i];
        local &= !hs->locals[i].is_temp;
    }
    *done = 0;
    if (seconds <= 0 || hs->n < 2 || !local || total < 2.0 * seconds || !hs->task->job->lease_owner)
        return 0;
    fanout f;
    hl_parts h = {.locals = hs->locals, .inputs = hs->inputs, .tracks = tracks};
    int rc = fanout_init(&f, &sp, JOBS_HL_PART_TYPE, hs->n);
    f.take = hl_take;
    f.run = hl_run;
    f.user = &h;
    for (size_t i = 0; !rc && i < f.n; i++) {
        json_t *o = json_pack("{s:s, s:i, s:i}", "Parent", hs->task->job->job_id, "Index", (int)i,
                              "Input", (int)i);
        rc = fanout_param(&f, i, o);
    }
    int64_t t0 = time_mono_ms();
    if (!rc)
        rc = fanout_run(&f, progress, err);
    if (!rc) {
        *done = 1;
        log_info("job %s: analysed %zu inputs in parts in %.1f s", hs->task->job->job_id, f.n,
                 (double)(time_mono_ms() - t0) / 1000.0);
    }
    for (size_t i = 0; f.results && i < f.n; i++)
        if (f.results[i])
            drop_part(hs->ex->st, f.ids[i], f.results[i]);
    fanout_free(&f);
    return rc;
}
