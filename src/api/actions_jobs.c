/* The job operations: the Submit action of every job type (jobs/jobtype.h), GetSmartHandleJob,
 * ListSmartJobs (API.md §4.1-§4.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/actions.h"
#include "api/errors.h"
#include "api/job_json.h"
#include "jobs/jobtype.h"
#include "store/store.h"
#include "util/timeutil.h"

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

/* The state checks of API.md §4.0: every MediaId input is the caller's asset, then the type's
 * own (buckets configured). */
static int check_state(api_call *call, const jobs_job_type *type, const void *spec,
                       const jobs_output_spec *output, rc_error *err) {
    const char *media_id;
    char path[64];
    for (size_t i = 0; type->input(spec, i, &media_id, path, sizeof(path)); i++) {
        if (!media_id)
            continue;
        int rc = media_input_check(call, media_id, path, output, err);
        if (rc)
            return rc;
    }
    return type->check(spec, &call->svc->policy, err);
}

/* ClientToken handling, queue capacity and creation, in the order of API.md §4.0, after the
 * syntax checks passed: the state checks (check_state) run once the token lookup missed. The write
 * itself is deferred: it joins the store's group commit, and the request is answered from there
 * (API_DEFERRED). */
static int submit_job(api_call *call, const jobs_job_type *type, const void *spec, rc_error *err) {
    api_service *svc = call->svc;
    api_token t;
    char existing[STORE_ID_LEN + 1] = "";
    enum store_submit_outcome outcome = STORE_SUBMIT_CREATED;
    int rc = api_token_lookup(call, type->action, &t, existing, &outcome, err);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return submit_answer(call, 0, outcome, existing, err);
    jobs_submit_plan plan;
    type->plan(spec, &plan);
    rc = check_state(call, type, spec, plan.output, err);
    if (rc)
        return rc;
    pending_submit *p = calloc(1, sizeof(*p));
    if (!p)
        return api_fail(err, API_ERR_INTERNAL, NULL);
    store_job *job = &p->job;
    ids_hex128_ordered(time_now_ms(), job->job_id);
    job->user_id = call->auth->user_id;
    job->type = (char *)type->name;
    job->input_config = (char *)api_call_param(call, "InputConfig");
    job->job_params = (char *)api_call_param(call, "JobParams");
    job->output_config = (char *)api_call_param(call, "OutputConfig");
    job->user_data = (char *)api_call_param(call, "UserData");
    /* (the plan's strings live in the caller's spec, freed when this returns) */
    const jobs_output_spec *o = plan.output;
    const char *copy[4] = {plan.input_file, o->need_export ? o->bucket : NULL,
                           o->need_export ? o->object_key : NULL,
                           notify_of(plan.userdata, svc->deps.cfg)};
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

int api_action_submit(api_call *call, const jobs_job_type *type, rc_error *err) {
    if (!api_call_param(call, type->params[0]))
        return api_fail(err, API_ERR_MISSING_PARAMETER, "%s is mandatory for this action.",
                        type->params[0]);
    const char *values[JOBS_TYPE_MAX_PARAMS] = {0};
    for (size_t i = 0; type->params[i] && i < JOBS_TYPE_MAX_PARAMS; i++)
        values[i] = api_call_param(call, type->params[i]);
    jobs_spec_buf spec;
    int rc = type->parse(values, &call->svc->policy, &spec, err);
    if (rc)
        return rc;
    rc = submit_job(call, type, &spec, err);
    type->free(&spec);
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
    int rc =
        jobs_list_params_parse(api_call_param(call, "JobState"), api_call_param(call, "JobType"),
                               api_call_param(call, "SortBy"), api_call_param(call, "PageNo"),
                               api_call_param(call, "PageSize"), api_call_param(call, "NextToken"),
                               api_call_param(call, "MaxResults"), &p, err);
    if (rc)
        return rc;
    store_job_query q = {.user_id = call->auth->user_id,
                         .type = p.type_name,
                         .sort = p.sort_asc ? STORE_SORT_ASC : STORE_SORT_DESC,
                         .page_no = p.page_no,
                         .page_size = p.page_size,
                         .has_cursor = p.has_cursor,
                         .after_time = p.cursor_time};
    q.has_state = jobs_list_state(p.state, &q.state);
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
    json_t *body =
        json_pack("{s:o,s:s,s:s}", "SmartJobList", list, "TotalCount", total, "MaxResults", max);
    if (page.has_more) {
        char token[256];
        if (jobs_list_token_encode(&p, page.next_time, page.next_id, token, sizeof(token)) == 0)
            json_object_set_new(body, "NextToken", json_string(token));
    }
    store_job_page_free(&page);
    api_reply_json(call, body);
    return 0;
}
