/* actions: the IMS operations, one function each, over an authenticated call. Shared by service.c
 * (which routes) and actions_*.c (which implement). */
#ifndef REELCUT_ACTIONS_H
#define REELCUT_ACTIONS_H

#include <jansson.h>

#include "api/http.h"
#include "api/metrics.h"
#include "api/service.h"
#include "api/sign.h"
#include "jobs/jobtype.h"
#include "jobs/spec.h"
#include "store/store.h"
#include "util/ids.h"

struct api_service {
    api_service_deps deps;
    jobs_policy policy;
    api_metrics *metrics;
};

/* One request in flight. */
typedef struct api_call {
    api_service *svc;
    http_response *res;
    const api_auth_result *auth;
    const char *host;
    const char *peer; /* client address, for the log */
    char request_id[IDS_UUID_LEN + 1];
    int64_t started_ms; /* monotonic */
    int auth_taken;     /* api_call_take_auth: the action frees auth, not the caller */
} api_call;

/* Each action returns 0 after api_reply_json(), or a negative rc with err filled (the caller then
 * renders the IMS error body), or API_DEFERRED: it set res->defer_start (http.h), took the auth
 * result with api_call_take_auth, and its deferred work answers (http_deferred_done) and calls
 * api_call_finish. */
#define API_DEFERRED 1
typedef int (*api_action_fn)(api_call *call, rc_error *err);

typedef struct api_action {
    const char *name;
    api_action_fn run;
} api_action;

/* The Submit action of a job type (API.md §4.1, §4.2): parse, ClientToken, state checks, queue. */
int api_action_submit(api_call *call, const jobs_job_type *type, rc_error *err);
int api_action_get_job(api_call *call, rc_error *err);
int api_action_list_jobs(api_call *call, rc_error *err);
int api_action_register_media(api_call *call, rc_error *err);
int api_action_get_media(api_call *call, rc_error *err);

/* The ClientToken of a call (API.md §4.0), ready for the store: the fingerprint of the action's
 * business parameters and the token's scope. */
typedef struct api_token {
    char fingerprint[JOBS_FINGERPRINT_LEN + 1];
    store_client_token tok;
    const char *token; /* NULL when the call has none */
} api_token;

/* Fills t for action and looks the token up. Returns 1 when it was seen (existing/outcome set:
 * answer EXISTING with that id, or MISMATCH), 0 when the call must go on to create (no token, or
 * an unknown one), or a negative rc with err (malformed token, store down). */
int api_token_lookup(api_call *call, const char *action, api_token *t,
                     char existing[STORE_ID_LEN + 1], enum store_submit_outcome *outcome,
                     rc_error *err);

/* The end of a call: the metrics and the log line for its response (err: its failure, or NULL). */
void api_call_finish(api_call *call, const rc_error *err);
/* Hands call's auth result (which owns the request's parameters) to an action that answers later;
 * free it with api_auth_result_free and free(). */
api_auth_result *api_call_take_auth(api_call *call);

/* A reply body written by hand: begin initialises b with {"RequestId":"..." (0 or RC_ENOMEM), the
 * caller appends ,"Name":value members, finish closes and sends it (b consumed; rc nonzero, from
 * building it: an InternalError answer instead). */
int api_reply_begin(api_call *call, buf *b);
void api_reply_finish(api_call *call, buf *b, int rc);
/* Sends body (consumed) with RequestId added as the first key. */
void api_reply_json(api_call *call, json_t *body);
/* Sends the IMS error body for err. */
void api_reply_error(api_call *call, const rc_error *err);

/* A business parameter of the call: NULL when absent or empty. */
static inline const char *api_call_param(const api_call *call, const char *name) {
    return api_params_get(&call->auth->params, name);
}

#endif
