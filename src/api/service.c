#include "api/service.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/actions.h"
#include "api/errors.h"
#include "api/sign.h"
#include "api/web.h"
#include "jobs/execute.h"
#include "jobs/jobtype.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/log.h"
#include "util/timeutil.h"

/* The actions besides the Submit action of each job type (jobs/jobtype.h). */
static const api_action actions[] = {
    {"GetSmartHandleJob", api_action_get_job},
    {"ListSmartJobs", api_action_list_jobs},
    {"RegisterMediaInfo", api_action_register_media},
    {"GetMediaInfo", api_action_get_media},
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

int api_service_create(const api_service_deps *deps, api_service **out, rc_error *err) {
    (void)err;
    api_service *svc = calloc(1, sizeof(*svc));
    if (!svc)
        return RC_ENOMEM;
    svc->deps = *deps;
    svc->metrics = api_metrics_create();
    if (!svc->metrics) {
        free(svc);
        return RC_ENOMEM;
    }
    jobs_policy_from_config(deps->cfg, deps->blob, &svc->policy);
    *out = svc;
    return 0;
}

void api_service_destroy(api_service *svc) {
    if (svc)
        api_metrics_destroy(svc->metrics);
    free(svc);
}

static const api_action *find_action(const char *name) {
    for (size_t i = 0; i < N_ACTIONS; i++)
        if (strcmp(actions[i].name, name) == 0)
            return &actions[i];
    return NULL;
}

/* Our own spelling of action `name` (a job type's Submit action or a table entry), or NULL. */
static const char *action_name(const char *name) {
    const jobs_job_type *type = jobs_job_type_by_action(name);
    const api_action *a = type ? NULL : find_action(name);
    return type ? type->action : a ? a->name : NULL;
}

static bool action_known(void *ctx, const char *action) {
    (void)ctx;
    return action_name(action) != NULL;
}

static int lookup_key(void *ctx, const char *access_key_id, api_key_info *out) {
    const keys_set *keys = ctx;
    const keys_entry *k = keys_find(keys, access_key_id);
    if (!k)
        return RC_ENOENT;
    size_t n = strnlen(k->secret, sizeof(out->secret) - 1); /* (per request: no snprintf) */
    memcpy(out->secret, k->secret, n);
    out->secret[n] = '\0';
    out->user_id = k->user_id;
    out->enabled = k->enabled != 0;
    return 0;
}

int api_token_lookup(api_call *call, const char *action, api_token *t,
                     char existing[STORE_ID_LEN + 1], enum store_submit_outcome *outcome,
                     rc_error *err) {
    t->token = api_call_param(call, "ClientToken");
    int rc = jobs_client_token_check(t->token, err);
    if (rc)
        return rc;
    memset(&t->tok, 0, sizeof(t->tok));
    if (!t->token) /* (no fingerprint to compute) */
        return 0;
    const char *const *names = jobs_business_params(action);
    const char *values[24];
    size_t n = 0;
    for (; names && names[n] && n < 24; n++)
        values[n] = api_call_param(call, names[n]);
    if (jobs_fingerprint(action, values, n, t->fingerprint))
        return api_fail(err, API_ERR_INTERNAL, NULL);
    store_client_token tok = {call->auth->access_key_id, action, t->token, t->fingerprint, 0};
    t->tok = tok;
    rc = store_client_token_lookup(call->svc->deps.st, &t->tok, existing, outcome, NULL);
    if (rc == RC_ENOENT)
        return 0;
    return rc ? api_fail(err, API_ERR_UNAVAILABLE, NULL) : 1;
}

void api_reply_json(api_call *call, json_t *body) {
    /* RequestId first, as IMS does, then the body's members in their order. */
    buf b;
    int rc = api_reply_begin(call, &b);
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        if (rc || strcmp(key, "RequestId") == 0)
            continue;
        rc = buf_append(&b, ",", 1);
        if (rc == 0)
            rc = jsonx_dump_string(key, strlen(key), &b);
        if (rc == 0)
            rc = buf_append(&b, ":", 1);
        if (rc == 0)
            rc = jsonx_dump_value(v, &b);
    }
    json_decref(body);
    api_reply_finish(call, &b, rc);
}

int api_reply_begin(api_call *call, buf *b) {
    buf_init(b, 0);
    int rc = buf_puts(b, "{\"RequestId\":");
    return rc ? rc : jsonx_dump_string(call->request_id, strlen(call->request_id), b);
}

void api_reply_finish(api_call *call, buf *b, int rc) {
    if (rc == 0)
        rc = buf_append(b, "}", 1);
    if (rc) {
        buf_free(b);
        rc_error err = {0};
        api_fail(&err, API_ERR_INTERNAL, NULL);
        api_reply_error(call, &err);
        return;
    }
    call->res->status = 200;
    call->res->body_len = b->len;
    call->res->body = buf_detach(b);
    buf_free(b);
}

void api_reply_error(api_call *call, const rc_error *err) {
    const char *code = err->code[0] ? err->code : rc_ims_code(err->rc);
    const char *message = err->message[0] ? err->message : NULL;
    const config *cfg = call->svc->deps.cfg;
    const char *host = cfg->public_host[0] ? cfg->public_host : call->host;
    call->res->status = api_error_http_status(code);
    call->res->body = api_error_body(code, message, call->request_id, host,
                                     cfg->recommend_url[0] ? cfg->recommend_url : NULL);
    call->res->body_len = call->res->body ? strlen(call->res->body) : 0;
    if (api_error_is_throttling(code)) {
        snprintf(call->res->extra_name, sizeof(call->res->extra_name), "x-acs-retry-after");
        snprintf(call->res->extra_value, sizeof(call->res->extra_value), "1000");
    }
}

static void reply_health(api_call *call) {
    int64_t counts[STORE_JOB_STATE_COUNT] = {0};
    rc_error err = {0};
    json_t *body;
    if (store_job_count(call->svc->deps.st, counts, &err) != 0) {
        body = json_pack("{s:s,s:s}", "Status", "Unavailable", "Reason",
                         "the job store does not answer");
        call->res->status = 503;
    } else {
        body = json_pack("{s:s,s:s,s:I,s:I}", "Status", "OK", "Version", REELCUT_VERSION,
                         "QueuedJobs", (json_int_t)counts[STORE_JOB_CREATED], "ExecutingJobs",
                         (json_int_t)counts[STORE_JOB_EXECUTING]);
        call->res->status = 200;
    }
    call->res->body = json_dumps(body, JSON_COMPACT);
    call->res->body_len = strlen(call->res->body);
    json_decref(body);
}

void api_call_finish(api_call *call, const rc_error *err) {
    const char *action = call->auth && call->auth->action[0] ? call->auth->action : NULL;
    const char *code = err ? err->code : "";
    /* Only our own action names become metric labels: a name from an unverified request is
     * counted as "unknown" (it could not add series or inject text into /metrics). */
    const char *known = action ? action_name(action) : NULL;
    api_metrics_observe(call->svc->metrics,
                        known    ? known
                        : action ? "unknown"
                                 : "",
                        code, (double)(time_mono_ms() - call->started_ms) / 1000.0);
    log_debug("%s %s -> %d (%lld ms) %s", call->peer, action ? action : "-", call->res->status,
              (long long)(time_mono_ms() - call->started_ms), code);
}

api_auth_result *api_call_take_auth(api_call *call) {
    call->auth_taken = 1;
    return (api_auth_result *)call->auth;
}

void api_service_handle(void *user, const http_request *req, http_response *res) {
    api_service *svc = user;
    api_call call;
    memset(&call, 0, sizeof(call));
    call.svc = svc;
    call.res = res;
    call.peer = req->peer;
    ids_uuid(call.request_id);
    _Static_assert(sizeof(res->request_id) >= sizeof(call.request_id), "request id fits");
    memcpy(res->request_id, call.request_id, sizeof(call.request_id));
    if (api_web_handle(svc, req, res)) /* the dashboard and media URLs (docs/ui.md) */
        return;
    const char *host = http_header_get(req, "host");
    call.host = host ? host : "";
    call.started_ms = time_mono_ms();
    rc_error err = {0};
    /* on the heap: an action answering later takes it (its parameters) along */
    api_auth_result *auth = malloc(sizeof(*auth));
    if (!auth) {
        api_fail(&err, API_ERR_INTERNAL, NULL);
        api_reply_error(&call, &err);
        return;
    }
    api_auth_result_init(auth);
    call.auth = auth;

    int is_get = strcmp(req->method, "GET") == 0, is_post = strcmp(req->method, "POST") == 0;
    if (is_get && strcmp(req->path, "/healthz") == 0) {
        reply_health(&call);
        goto out;
    }
    if (is_get && strcmp(req->path, "/metrics") == 0) {
        buf text;
        buf_init(&text, 1 << 20);
        api_metrics_render(svc->metrics, svc->deps.st, &text);
        res->status = 200;
        res->body_len = text.len;
        res->body = buf_detach(&text);
        res->content_type = "text/plain; version=0.0.4";
        goto out;
    }
    if (strcmp(req->path, "/") != 0 || (!is_get && !is_post)) {
        api_fail(&err, API_ERR_API_NOT_FOUND, NULL);
        goto fail;
    }
    if (req->header_bytes > HTTP_MAX_HEADER_BYTES || req->body_too_large) {
        api_fail(&err, API_ERR_TOO_LARGE, NULL);
        goto fail;
    }
    api_header headers[256];
    size_t n_headers = req->n_headers < 256 ? req->n_headers : 256;
    for (size_t i = 0; i < n_headers; i++) {
        headers[i].name = req->headers[i].name;
        headers[i].value = req->headers[i].value;
    }
    api_request_view view = {
        .method = req->method,
        .path = req->path,
        .query = req->raw_query,
        .query_len = strlen(req->raw_query),
        .headers = headers,
        .header_count = n_headers,
        .body = req->body_len ? (const char *)req->body : NULL,
        .body_len = req->body_len,
    };
    api_auth_config acfg = {lookup_key, (void *)svc->deps.keys, action_known, NULL, true};
    time_t now = time(NULL);
    if (api_authenticate(&view, now, &acfg, auth, &err))
        goto fail;
    /* The date is accepted up to and including timestamp + API_MAX_SKEW_SECONDS: the nonce must
     * count at that second too (a record counts while expires_at > now). */
    int rc = store_nonce_use(svc->deps.st, auth->access_key_id, auth->nonce, (int64_t)now,
                             (int64_t)auth->timestamp + API_MAX_SKEW_SECONDS + 1, NULL);
    if (rc == RC_EEXIST) {
        api_fail(&err, API_ERR_NONCE_USED, NULL);
        goto fail;
    }
    if (rc) {
        api_fail(&err, API_ERR_UNAVAILABLE, NULL);
        goto fail;
    }
    const jobs_job_type *type = jobs_job_type_by_action(auth->action);
    rc = type ? api_action_submit(&call, type, &err) : find_action(auth->action)->run(&call, &err);
    if (rc == API_DEFERRED) /* answered and finished by the deferred work */
        return;
    if (rc == 0)
        goto out;
fail:
    api_reply_error(&call, &err);
out:
    if (strcmp(req->path, "/") == 0)
        api_call_finish(&call, &err);
    else
        log_debug("%s %s %s -> %d", req->peer, req->method, req->path, res->status);
    if (!call.auth_taken) {
        api_auth_result_free(auth);
        free(auth);
    }
}
