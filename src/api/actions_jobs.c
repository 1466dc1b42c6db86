/* The job operations: SubmitSegmentationJob, SubmitHighlightExtractionJob, GetSmartHandleJob,
 * ListSmartJobs (API.md §4.1-§4.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/actions.h"
#include "api/errors.h"
#include "api/job_json.h"
#include "store/store.h"
#include "util/timeutil.h"

/* The parts of a validated Submit call that become the job row. */
typedef struct submit_plan {
    const char *type;
    const char *input_file;
    const char *bucket;     /* when exporting */
    const char *object_key; /* when exporting */
    const char *notify_address;
} submit_plan;

/* The answer of a submission, once the store decided (rc, outcome, the job id). */
static int submit_answer(api_call *call, int rc, enum store_submit_outcome outcome,
                         const char *job_id, rc_error *err) {
    if (rc == RC_EBUSY)
        return api_fail(err, API_ERR_THROTTLING, NULL);
    if (rc)
        return api_fail(err, API_ERR_UNAVAILABLE, NULL);
    if (outcome == STORE_SUBMIT_MISMATCH)
        return api_fail(err, API_ERR_IDEMPOTENT_MISMATCH, NULL);
    if (outcome == STORE_SUBMIT_CREATED)
        jobs_pool_wake(call->svc->deps.pool);
    api_reply_json(call, json_pack("{s:s}", "JobId", job_id));
    return 0;
}

/* A submission queued for the store's group commit (store_job_submit_async) while the HTTP thread
 * goes on: call is the request's, with its own copies of what pointed into the request; the job's
 * strings point into the call's auth parameters (taken along) and into owned. */
typedef struct pending_submit {
    store_submit_req req;
    store_job job;
    store_client_token tok;
    char fingerprint[JOBS_FINGERPRINT_LEN + 1];
    api_call call;
    char host[256];
    char peer[64];
    http_deferred *http;
    char *owned[4]; /* the job's input_file, output_bucket, output_object, notify_address */
} pending_submit;

static void free_pending(pending_submit *p) {
    for (int i = 0; i < 4; i++)
        free(p->owned[i]);
    free(p);
}

/* On the store's commit thread: answers the request and frees p. */
static void pending_done(store_submit_req *r) {
    pending_submit *p = r->ctx;
    http_response res;
    memset(&res, 0, sizeof(res));
    res.status = 500;
    memcpy(res.request_id, p->call.request_id, sizeof(p->call.request_id));
    p->call.res = &res;
    rc_error err = {0};
    const char *id = r->outcome == STORE_SUBMIT_CREATED ? p->job.job_id : r->existing_id;
    if (submit_answer(&p->call, r->rc, r->outcome, id, &err))
        api_reply_error(&p->call, &err);
    api_call_finish(&p->call, &err);
    http_deferred_done(p->http, &res);
    api_auth_result *auth = (api_auth_result *)p->call.auth;
    api_auth_result_free(auth);
    free(auth);
    free_pending(p);
}

/* On the HTTP thread, once the connection is held. */
static void pending_start(void *ctx, http_deferred *d) {
    pending_submit *p = ctx;
    p->http = d;
    store_job_submit_async(p->call.svc->deps.st, &p->req);
}

/* ClientToken handling, queue capacity and creation, in the order of API.md §4.0, after the
 * syntax checks passed. check_state runs the state checks once the token lookup missed. The write
 * itself is deferred: it joins the store's group commit, and the request is answered from there
 * (API_DEFERRED). */
static int submit_job(api_call *call, const char *action, const submit_plan *plan,
                      int (*check_state)(api_call *call, const void *spec, rc_error *err),
                      const void *spec, rc_error *err) {
    api_service *svc = call->svc;
    api_token t;
    char existing[STORE_ID_LEN + 1] = "";
    enum store_submit_outcome outcome = STORE_SUBMIT_CREATED;
    int rc = api_token_lookup(call, action, &t, existing, &outcome, err);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return submit_answer(call, 0, outcome, existing, err);
    rc = check_state(call, spec, err);
    if (rc)
        return rc;
    pending_submit *p = calloc(1, sizeof(*p));
    if (!p)
        return api_fail(err, API_ERR_INTERNAL, NULL);
    store_job *job = &p->job;
    ids_hex128_ordered(time_now_ms(), job->job_id);
    job->user_id = call->auth->user_id;
    job->type = (char *)plan->type;
    job->input_config = (char *)api_call_param(call, "InputConfig");
    job->job_params = (char *)api_call_param(call, "JobParams");
    job->output_config = (char *)api_call_param(call, "OutputConfig");
    job->user_data = (char *)api_call_param(call, "UserData");
    /* (the plan's strings live in the caller's spec, freed when this returns) */
    const char *copy[4] = {plan->input_file, plan->bucket, plan->object_key, plan->notify_address};
    for (int i = 0; i < 4; i++) {
        if (copy[i] && !(p->owned[i] = strdup(copy[i]))) {
            free_pending(p);
            return api_fail(err, API_ERR_INTERNAL, NULL);
        }
    }
    job->input_file = p->owned[0];
    job->output_bucket = p->owned[1];
    job->output_object = p->owned[2];
    job->notify_address = p->owned[3];
    if (t.token) {
        memcpy(p->fingerprint, t.fingerprint, sizeof(p->fingerprint));
        p->tok = t.tok;
        p->tok.fingerprint = p->fingerprint;
    }
    p->req.job = job;
    p->req.tok = t.token ? &p->tok : NULL;
    p->req.max_unfinished = svc->deps.cfg->max_unfinished;
    p->req.done = pending_done;
    p->req.ctx = p;
    p->call = *call;
    snprintf(p->host, sizeof(p->host), "%s", call->host);
    snprintf(p->peer, sizeof(p->peer), "%s", call->peer ? call->peer : "-");
    p->call.host = p->host;
    p->call.peer = p->peer;
    p->call.res = NULL; /* (the deferred answer's, in pending_done) */
    p->call.auth = api_call_take_auth(call);
    call->res->defer_start = pending_start;
    call->res->defer_ctx = p;
    return API_DEFERRED;
}

static const char *notify_of(const jobs_userdata *ud, const config *cfg) {
    if (ud->notify_address)
        return ud->notify_address;
    return cfg->callback_url[0] ? cfg->callback_url : NULL;
}

/* A MediaId input must name one of the caller's assets at submission (API.md §4.0 Inputs), and
 * the job's outputs may not replace the object that asset names (as for URL inputs, which the
 * Submit parsers check). */
static int media_input_check(api_call *call, const char *media_id, const char *path,
                             const jobs_output_spec *output, rc_error *err) {
    store_media m;
    memset(&m, 0, sizeof(m));
    int rc = store_media_get(call->svc->deps.st, media_id, call->auth->user_id, &m, NULL);
    if (rc == RC_ENOENT || rc == RC_EINVAL)
        rc = api_fail(err, API_ERR_RESOURCE_NOT_FOUND,
                      "The resource operated \"%s\" cannot be found.", path);
    else if (rc)
        rc = api_fail(err, API_ERR_UNAVAILABLE, NULL);
    jobs_location loc;
    if (!rc && m.input_url && jobs_location_parse(m.input_url, NULL, path, &loc, NULL) == 0) {
        rc = jobs_output_check_input(output, &loc, path, err);
        jobs_location_free(&loc);
    }
    store_media_free(&m);
    return rc;
}

static int seg_check_state(api_call *call, const void *spec_ptr, rc_error *err) {
    const jobs_seg_spec *spec = spec_ptr;
    if (spec->input.kind == JOBS_LOC_MEDIA) {
        int rc = media_input_check(call, spec->input.key, "InputConfig.Media", &spec->output, err);
        if (rc)
            return rc;
    }
    return jobs_seg_spec_check_state(spec, &call->svc->policy, err);
}

int api_action_submit_segmentation(api_call *call, rc_error *err) {
    if (!api_call_param(call, "InputConfig"))
        return api_fail(err, API_ERR_MISSING_PARAMETER, "InputConfig is mandatory for this action.");
    jobs_seg_spec spec;
    int rc = jobs_seg_spec_parse(api_call_param(call, "InputConfig"),
                                 api_call_param(call, "JobParams"),
                                 api_call_param(call, "OutputConfig"),
                                 api_call_param(call, "UserData"), &call->svc->policy, &spec, err);
    if (rc)
        return rc;
    submit_plan plan = {"Segmentation", spec.input.raw,
                        spec.output.need_export ? spec.output.bucket : NULL,
                        spec.output.need_export ? spec.output.object_key : NULL,
                        notify_of(&spec.userdata, call->svc->deps.cfg)};
    rc = submit_job(call, "SubmitSegmentationJob", &plan, seg_check_state, &spec, err);
    jobs_seg_spec_free(&spec);
    return rc;
}

static int hl_check_state(api_call *call, const void *spec_ptr, rc_error *err) {
    const jobs_hl_spec *spec = spec_ptr;
    for (size_t i = 0; i < spec->n_media; i++) {
        if (!spec->media[i].media_id)
            continue;
        char path[64];
        snprintf(path, sizeof(path), "InputConfig.MediaArray[%zu].MediaId", i);
        int rc = media_input_check(call, spec->media[i].media_id, path, &spec->output, err);
        if (rc)
            return rc;
    }
    return jobs_hl_spec_check_state(spec, &call->svc->policy, err);
}

int api_action_submit_highlights(api_call *call, rc_error *err) {
    if (!api_call_param(call, "InputConfig"))
        return api_fail(err, API_ERR_MISSING_PARAMETER, "InputConfig is mandatory for this action.");
    jobs_hl_spec spec;
    int rc = jobs_hl_spec_parse(api_call_param(call, "InputConfig"),
                                api_call_param(call, "OutputConfig"),
                                api_call_param(call, "UserData"), &call->svc->policy, &spec, err);
    if (rc)
        return rc;
    const jobs_hl_media *first = &spec.media[0];
    submit_plan plan = {"HighlightExtraction", first->media_id ? first->media_id : first->url.raw,
                        spec.output.need_export ? spec.output.bucket : NULL,
                        spec.output.need_export ? spec.output.object_key : NULL,
                        notify_of(&spec.userdata, call->svc->deps.cfg)};
    rc = submit_job(call, "SubmitHighlightExtractionJob", &plan, hl_check_state, &spec, err);
    jobs_hl_spec_free(&spec);
    return rc;
}

int api_action_get_job(api_call *call, rc_error *err) {
    const char *job_id = api_call_param(call, "JobId");
    if (!job_id)
        return api_fail(err, API_ERR_MISSING_PARAMETER, "JobId is mandatory for this action.");
    store_job job;
    memset(&job, 0, sizeof(job));
    int rc = store_job_get(call->svc->deps.st, job_id, call->auth->user_id, &job, NULL);
    if (rc == RC_ENOENT || (rc == RC_EINVAL))
        return api_fail(err, API_ERR_RESOURCE_NOT_FOUND,
                        "The resource operated \"JobId\" cannot be found.");
    if (rc)
        return api_fail(err, API_ERR_UNAVAILABLE, NULL);
    buf body;
    rc = api_reply_begin(call, &body);
    if (rc == 0)
        rc = api_job_json_get_members(&job, &body);
    store_job_free(&job);
    api_reply_finish(call, &body, rc);
    return 0;
}

int api_action_list_jobs(api_call *call, rc_error *err) {
    jobs_list_params p;
    int rc = jobs_list_params_parse(
        api_call_param(call, "JobState"), api_call_param(call, "JobType"),
        api_call_param(call, "SortBy"), api_call_param(call, "PageNo"),
        api_call_param(call, "PageSize"), api_call_param(call, "NextToken"),
        api_call_param(call, "MaxResults"), &p, err);
    if (rc)
        return rc;
    static const enum store_job_state states[] = {STORE_JOB_CREATED, STORE_JOB_CREATED,
                                                  STORE_JOB_EXECUTING, STORE_JOB_FINISHED,
                                                  STORE_JOB_FAILED};
    static const char *types[] = {NULL, "Segmentation", "HighlightExtraction", "-"};
    store_job_query q = {.user_id = call->auth->user_id,
                         .has_state = p.state != JOBS_STATE_ANY,
                         .state = states[p.state],
                         .type = types[p.type],
                         .sort = p.sort_asc ? STORE_SORT_ASC : STORE_SORT_DESC,
                         .page_no = p.page_no,
                         .page_size = p.page_size,
                         .has_cursor = p.has_cursor,
                         .after_time = p.cursor_time};
    memcpy(q.after_id, p.cursor_id, sizeof(q.after_id));
    store_job_page page;
    memset(&page, 0, sizeof(page));
    if (store_job_list(call->svc->deps.st, &q, &page, NULL))
        return api_fail(err, API_ERR_UNAVAILABLE, NULL);
    json_t *list = json_array();
    for (size_t i = 0; i < page.count; i++)
        json_array_append_new(list, api_job_json_list_item(&page.jobs[i]));
    char total[24], max[16];
    snprintf(total, sizeof(total), "%lld", (long long)page.total);
    snprintf(max, sizeof(max), "%d", p.page_size);
    json_t *body = json_pack("{s:o,s:s,s:s}", "SmartJobList", list, "TotalCount", total,
                             "MaxResults", max);
    if (page.has_more) {
        char token[256];
        if (jobs_list_token_encode(&p, page.next_time, page.next_id, token, sizeof(token)) == 0)
            json_object_set_new(body, "NextToken", json_string(token));
    }
    store_job_page_free(&page);
    api_reply_json(call, body);
    return 0;
}
